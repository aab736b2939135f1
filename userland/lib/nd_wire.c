/* IPv6 Neighbor Discovery codec, see nd_wire.h. */
#include "nd_wire.h"

#include <arpa/inet.h>
#include <string.h>

#define OFF_TYPE   0
#define OFF_CODE   1
#define OFF_CSUM   2
#define OFF_FLAGS  4 /* NA flags; reserved in an NS */
#define OFF_TARGET 8
#define OFF_OPTS   24

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

size_t nd_build_na(uint8_t *buf, size_t len, const struct in6_addr *target, const uint8_t mac[6],
		   uint32_t flags)
{
	if (len < ND_NA_LEN)
		return 0;
	memset(buf, 0, ND_NA_LEN);
	buf[OFF_TYPE] = ND_TYPE_NA;
	put32(buf + OFF_FLAGS, flags & (ND_NA_F_ROUTER | ND_NA_F_SOLICITED | ND_NA_F_OVERRIDE));
	memcpy(buf + OFF_TARGET, target, 16);
	/* the option is what moves a client's cache entry to our MAC */
	buf[OFF_OPTS] = ND_OPT_TLLA;
	buf[OFF_OPTS + 1] = 1; /* in units of 8 bytes */
	memcpy(buf + OFF_OPTS + 2, mac, 6);
	return ND_NA_LEN;
}

void nd_solicited_node(const struct in6_addr *addr, struct in6_addr *group)
{
	memset(group, 0, sizeof(*group));
	group->s6_addr[0] = 0xff;
	group->s6_addr[1] = 0x02;
	group->s6_addr[11] = 0x01;
	group->s6_addr[12] = 0xff;
	memcpy(&group->s6_addr[13], &addr->s6_addr[13], 3);
}

void nd_multicast_mac(const struct in6_addr *group, uint8_t mac[6])
{
	mac[0] = 0x33;
	mac[1] = 0x33;
	memcpy(mac + 2, &group->s6_addr[12], 4);
}

static uint32_t sum16(uint32_t s, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	return s;
}

uint16_t nd_checksum(const struct in6_addr *src, const struct in6_addr *dst, const uint8_t *msg, size_t len)
{
	uint8_t tail[8] = {0};
	uint32_t s = 0;

	/* pseudo-header: source, destination, upper-layer length, next header */
	s = sum16(s, src->s6_addr, 16);
	s = sum16(s, dst->s6_addr, 16);
	put32(tail, (uint32_t)len);
	tail[7] = IPPROTO_ICMPV6;
	s = sum16(s, tail, 8);
	s = sum16(s, msg, len);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

size_t nd_build_dad(uint8_t *buf, size_t len, const struct in6_addr *target)
{
	struct in6_addr group;
	uint8_t *ns = buf + ND_IP6_HDR_LEN;
	uint16_t c;

	if (len < ND_DAD_PKT_LEN)
		return 0;
	nd_solicited_node(target, &group);
	memset(buf, 0, ND_DAD_PKT_LEN);
	buf[0] = 0x60; /* version 6, traffic class and flow label 0 */
	buf[4] = 0;
	buf[5] = ND_NS_LEN;
	buf[6] = IPPROTO_ICMPV6;
	buf[7] = ND_HOP_LIMIT;
	/* source stays :: (bytes 8..23): no host learns a mapping from it */
	memcpy(buf + 24, &group, 16);
	ns[OFF_TYPE] = ND_TYPE_NS;
	memcpy(ns + OFF_TARGET, target, 16);
	c = nd_checksum(&in6addr_any, &group, ns, ND_NS_LEN);
	ns[OFF_CSUM] = (uint8_t)(c >> 8);
	ns[OFF_CSUM + 1] = (uint8_t)c;
	return ND_DAD_PKT_LEN;
}

int nd_parse(const uint8_t *buf, size_t len, struct nd_seen *out)
{
	size_t off;

	if (len < OFF_OPTS || (buf[OFF_TYPE] != ND_TYPE_NS && buf[OFF_TYPE] != ND_TYPE_NA) || buf[OFF_CODE])
		return -1;
	memset(out, 0, sizeof(*out));
	out->type = buf[OFF_TYPE];
	if (out->type == ND_TYPE_NA)
		out->flags = (uint32_t)buf[OFF_FLAGS] << 24 | (uint32_t)buf[OFF_FLAGS + 1] << 16 |
			     (uint32_t)buf[OFF_FLAGS + 2] << 8 | buf[OFF_FLAGS + 3];
	memcpy(&out->target, buf + OFF_TARGET, 16);
	for (off = OFF_OPTS; off < len;) {
		size_t olen;

		if (len - off < 2)
			return -1;
		olen = (size_t)buf[off + 1] * 8;
		if (!olen || olen > len - off)
			return -1;
		/* the NS carries the source's address, the NA the target's */
		if (olen == 8 && buf[off] == (out->type == ND_TYPE_NA ? ND_OPT_TLLA : ND_OPT_SLLA)) {
			out->has_lla = 1;
			memcpy(out->lla, buf + off + 2, 6);
		}
		off += olen;
	}
	return 0;
}

enum nd_conflict nd_is_conflict(const struct nd_seen *m, int hops, const struct in6_addr *probed,
				const uint8_t our_mac[6])
{
	/* a routed message is forged (RFC 4861 7.1.2) */
	if (hops != ND_HOP_LIMIT || m->type != ND_TYPE_NA)
		return ND_CLEAR;
	if (memcmp(&m->target, probed, sizeof(*probed)))
		return ND_CLEAR;
	/* our own announcement (another of our sockets, a loop) is no rival */
	if (m->has_lla && !memcmp(m->lla, our_mac, 6))
		return ND_CLEAR;
	return ND_IN_USE;
}
