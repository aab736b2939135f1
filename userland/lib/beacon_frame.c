#include "beacon_frame.h"

#include <string.h>

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

uint32_t bf_csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)(p[0] << 8 | p[1]);
	if (len)
		sum += (uint32_t)(p[0] << 8);
	return sum;
}

uint16_t bf_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static void eth_header(uint8_t *out, const uint8_t dst[6], const uint8_t src[6], uint16_t type)
{
	memcpy(out, dst, 6);
	memcpy(out + 6, src, 6);
	put16(out + 12, type);
}

size_t bf_link(uint8_t *out, size_t cap, const uint8_t src_mac[6], uint16_t type, const void *payload,
	       size_t len)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

	if (cap < BF_ETH_HLEN || len > cap - BF_ETH_HLEN)
		return 0;
	eth_header(out, bcast, src_mac, type);
	memcpy(out + BF_ETH_HLEN, payload, len);
	return BF_ETH_HLEN + len;
}

size_t bf_udp(uint8_t *out, size_t cap, const struct bf_udp_addr *a, uint16_t ip_id, const void *payload,
	      size_t len)
{
	uint8_t *ip = out + BF_ETH_HLEN, *udp = ip + 20;
	size_t udp_len = 8 + len, ip_len = 20 + udp_len;
	uint32_t sum;
	uint16_t c;

	if (cap < BF_UDP_HLEN || len > cap - BF_UDP_HLEN || ip_len > 0xffff)
		return 0;
	eth_header(out, a->dst_mac, a->src_mac, 0x0800);
	ip[0] = 0x45; /* IPv4, 5 words */
	ip[1] = a->tos;
	put16(ip + 2, (uint16_t)ip_len);
	put16(ip + 4, ip_id);
	put16(ip + 6, 0x4000); /* don't fragment */
	ip[8] = 64;	       /* TTL */
	ip[9] = 17;	       /* UDP */
	put16(ip + 10, 0);
	memcpy(ip + 12, &a->src.s_addr, 4);
	memcpy(ip + 16, &a->dst.s_addr, 4);
	put16(ip + 10, (uint16_t)~bf_csum_fold(bf_csum_add(0, ip, 20)));

	put16(udp, a->sport);
	put16(udp + 2, a->dport);
	put16(udp + 4, (uint16_t)udp_len);
	put16(udp + 6, 0);
	memcpy(udp + 8, payload, len);
	/* pseudo-header: addresses, protocol, UDP length */
	sum = bf_csum_add(0, ip + 12, 8);
	sum += 17 + (uint32_t)udp_len;
	sum = bf_csum_add(sum, udp, udp_len);
	c = (uint16_t)~bf_csum_fold(sum);
	put16(udp + 6, c ? c : 0xffff); /* 0 means "no checksum" in UDP */
	return BF_UDP_HLEN + len;
}
