/* IPv6 Neighbor Discovery messages for the failover addresses, pure: the
 * unsolicited Neighbor Advertisement a new Active sends (RFC 4861 7.2.6),
 * the duplicate check's Neighbor Solicitation from :: (RFC 4862 5.4.2, as
 * DAD sends it), and the parser of what comes back. No I/O, no clock.
 *
 * NA and parse work on the ICMPv6 message alone (a raw IPPROTO_ICMPV6
 * socket: the kernel adds the IPv6 header and the checksum). The DAD
 * frame is the whole IPv6 packet with its checksum, because no IPv6
 * socket sends from the unspecified address: it goes out on AF_PACKET. */
#ifndef TWIN_ND_WIRE_H
#define TWIN_ND_WIRE_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#define ND_TYPE_NS 135
#define ND_TYPE_NA 136

/* NA flags, host order (RFC 4861 4.4) */
#define ND_NA_F_ROUTER	  0x80000000u
#define ND_NA_F_SOLICITED 0x40000000u
#define ND_NA_F_OVERRIDE  0x20000000u

#define ND_OPT_SLLA 1 /* source link-layer address */
#define ND_OPT_TLLA 2 /* target link-layer address */

#define ND_NA_LEN      32 /* header 8 + target 16 + TLLA option 8 */
#define ND_NS_LEN      24 /* DAD: header 8 + target 16, no SLLA (RFC 4861 4.3) */
#define ND_IP6_HDR_LEN 40
#define ND_DAD_PKT_LEN (ND_IP6_HDR_LEN + ND_NS_LEN)
#define ND_HOP_LIMIT   255 /* sent and required on receipt: never routed */

/* One NS or NA as parsed. */
struct nd_seen {
	uint8_t type;	/* ND_TYPE_NS or ND_TYPE_NA */
	uint32_t flags; /* NA only: ND_NA_F_* */
	struct in6_addr target;
	int has_lla; /* a source (NS) or target (NA) link-layer address option */
	uint8_t lla[6];
};

enum nd_conflict {
	ND_CLEAR = 0,
	ND_IN_USE = 1, /* an NA for the address from another link-layer address */
};

/* Unsolicited NA for target from mac with flags (ND_NA_F_OVERRIDE for a
 * takeover), checksum 0 for the kernel to fill. Writes ND_NA_LEN bytes;
 * returns that, or 0 if len is too small. */
size_t nd_build_na(uint8_t *buf, size_t len, const struct in6_addr *target, const uint8_t mac[6],
		   uint32_t flags);

/* The duplicate check's NS for target: IPv6 header (source ::, destination
 * target's solicited-node group, hop limit 255) and the NS with its
 * checksum. Writes ND_DAD_PKT_LEN bytes; returns that, or 0 if too small. */
size_t nd_build_dad(uint8_t *buf, size_t len, const struct in6_addr *target);

/* ff02::1:ffXX:XXXX from the address's last 24 bits (RFC 4291 2.7.1) */
void nd_solicited_node(const struct in6_addr *addr, struct in6_addr *group);
/* 33:33 and the group's last 32 bits (RFC 2464 7) */
void nd_multicast_mac(const struct in6_addr *group, uint8_t mac[6]);

/* The ICMPv6 checksum of msg from src to dst (RFC 8200 8.1), with the
 * checksum field counted as it is: 0 when building, and a received
 * message with a good checksum gives 0. */
uint16_t nd_checksum(const struct in6_addr *src, const struct in6_addr *dst, const uint8_t *msg, size_t len);

/* Parse an ICMPv6 NS or NA (from its ICMPv6 header): 0, or -1 if it is
 * not one, is short, has a code other than 0, or has a malformed option
 * (length 0 or past the end, RFC 4861 4.6). The link-layer option is read
 * only at Ethernet size (length 1). */
int nd_parse(const uint8_t *buf, size_t len, struct nd_seen *out);

/* Does message m, received with hop limit hops, show that probed is in use
 * by another host than the one owning our_mac? An NA for it (the holder's
 * answer to our NS, or its own announcement) that is not ours. */
enum nd_conflict nd_is_conflict(const struct nd_seen *m, int hops, const struct in6_addr *probed,
				const uint8_t our_mac[6]);

#endif
