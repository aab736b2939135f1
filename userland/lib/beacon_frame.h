/* Complete frames for the kernel beacon (kmod/twin_hb: it sends what it is
 * given, byte for byte): the heartbeat link's Ethernet frame and the LAN's
 * Ethernet + IPv4 + UDP packet with its checksums. Pure: no I/O. */
#ifndef TWIN_BEACON_FRAME_H
#define TWIN_BEACON_FRAME_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#define BF_ETH_HLEN 14
#define BF_UDP_HLEN (BF_ETH_HLEN + 20 + 8) /* Ethernet, IPv4 without options, UDP */

struct bf_udp_addr {
	uint8_t src_mac[6], dst_mac[6]; /* ours, the peer's (next hop) */
	struct in_addr src, dst;
	uint16_t sport, dport; /* host order */
	uint8_t tos;
};

/* Broadcast frame of EtherType type from src_mac around payload. Returns its
 * length, 0 if out is too small. */
size_t bf_link(uint8_t *out, size_t cap, const uint8_t src_mac[6], uint16_t type, const void *payload,
	       size_t len);

/* IPv4/UDP frame around payload; ip_id is the IPv4 identification. Returns
 * its length, 0 if out is too small or the payload too long. */
size_t bf_udp(uint8_t *out, size_t cap, const struct bf_udp_addr *a, uint16_t ip_id, const void *payload,
	      size_t len);

/* The Internet checksum (RFC 1071) of len bytes, folded, not inverted,
 * added to sum (for pseudo-headers). */
uint32_t bf_csum_add(uint32_t sum, const void *data, size_t len);
uint16_t bf_csum_fold(uint32_t sum);

#endif
