/* ARP on the LAN interface: gratuitous ARP after a takeover and the RFC 5227
 * probe before one.
 *
 * One AF_PACKET/SOCK_DGRAM socket per interface, non-blocking, for epoll. It
 * only ever sees ARP (bound to ETH_P_ARP), never our own frames, and a
 * classic BPF filter keeps it silent unless watching: after arp_open it
 * receives nothing, so a busy LAN never wakes an idle daemon. arp_watch()
 * opens it for frames about given addresses (the probe window), arp_unwatch()
 * shuts it again.
 *
 * Senders return 0, or -1 with errno set (ENETDOWN, ENXIO if the device is
 * gone: reopen). */
#ifndef TWIN_ARP_H
#define TWIN_ARP_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#define ARP_WATCH_MAX 8	 /* addresses one filter can watch (CFG_MAX_VIPS) */
#define ARP_FRAME_LEN 28 /* Ethernet/IPv4 ARP payload */

struct arp_sock;

/* One frame as read; addresses in network order. */
struct arp_seen {
	uint16_t op;	    /* ARPOP_REQUEST 1, ARPOP_REPLY 2 */
	uint8_t sha[6];	    /* sender hardware address */
	struct in_addr spa; /* sender IP */
	uint8_t tha[6];
	struct in_addr tpa; /* target IP */
	uint8_t src_mac[6]; /* Ethernet source (may differ from sha: proxies) */
};

enum arp_conflict {
	ARP_CLEAR = 0,
	ARP_IN_USE = 1,	 /* someone else sends with sender IP = the address */
	ARP_PROBING = 2, /* someone else probes the same address right now */
};

int arp_open(struct arp_sock **out, const char *ifname, char *err, size_t errlen);
void arp_close(struct arp_sock *s);
int arp_fd(const struct arp_sock *s);
const uint8_t *arp_mac(const struct arp_sock *s); /* our interface MAC, read at open */

/* Gratuitous ARP (RFC 5227 "announcement"): broadcast ARP *request* with
 * sender IP = target IP = ip, sender MAC = ours, target MAC zero. The request
 * form because every stack runs its request path on a broadcast request and
 * updates an existing entry from it (Linux: any op with sip == tip), while
 * unsolicited replies are ignored by some stacks and Linux counts a reply as
 * gratuitous only if target MAC == sender MAC. */
int arp_send_garp(struct arp_sock *s, struct in_addr ip);

/* RFC 5227 probe: broadcast request, sender IP 0.0.0.0, target ip, so no
 * host learns a mapping from it; a holder of ip answers with a reply. Call
 * arp_watch() first so the answer is kept. */
int arp_send_probe(struct arp_sock *s, struct in_addr ip);

/* The same out of another device, from its MAC: a failover IP on a VLAN
 * sub-interface of the socket's device (eth0.100 on eth0). The answers
 * still reach this socket: the kernel hands a bound packet socket the
 * frames of the VLANs on its device too, untagged. */
int arp_send_garp_on(struct arp_sock *s, int ifindex, const uint8_t mac[6], struct in_addr ip);
int arp_send_probe_on(struct arp_sock *s, int ifindex, const uint8_t mac[6], struct in_addr ip);

/* Receive only frames that can reveal a conflict on ips[0..n): sender IP in
 * ips, or sender IP 0 and target IP in ips (a rival probe). Frames queued
 * before are discarded. n == 0: every Ethernet/IPv4 ARP frame. */
int arp_watch(struct arp_sock *s, const struct in_addr *ips, size_t n);
/* Receive only frames whose sender IP is in ips[0..n) (n >= 1): a host's
 * answers and its own requests, not others' probes for it (the witness). */
int arp_watch_senders(struct arp_sock *s, const struct in_addr *ips, size_t n);
/* Receive nothing (the state after arp_open). */
int arp_unwatch(struct arp_sock *s);

/* ARP request for tpa from sender IP spa (0.0.0.0 allowed), to dst (a
 * known MAC: a unicast request, as a neighbour-cache refresh does) or to
 * broadcast when dst is NULL. */
int arp_send_request(struct arp_sock *s, const uint8_t *dst, struct in_addr spa, struct in_addr tpa);

/* Non-blocking read of one frame: 1 got one, 0 none (EAGAIN), -1 error. */
int arp_read(struct arp_sock *s, struct arp_seen *out);

/* Pure: does frame f show that probed is taken, from the point of view of
 * the host owning our_mac? Our own frames never conflict. */
enum arp_conflict arp_is_conflict(const struct arp_seen *f, struct in_addr probed, const uint8_t our_mac[6]);

/* Pure codec, Ethernet/IPv4 ARP only. build writes ARP_FRAME_LEN bytes;
 * parse returns 0, or -1 if buf is not Ethernet/IPv4 ARP (src_mac left 0). */
void arp_build(uint8_t buf[ARP_FRAME_LEN], uint16_t op, const uint8_t sha[6], struct in_addr spa,
	       const uint8_t tha[6], struct in_addr tpa);
int arp_parse(const uint8_t *buf, size_t len, struct arp_seen *out);

/* The socket filter behind arp_open/arp_watch/arp_watch_senders/arp_unwatch
 * on any fd whose datagrams start at the ARP header (watch 0: drop all, 1:
 * conflicts as arp_watch, ARP_WATCH_SENDERS: as arp_watch_senders). Exposed
 * so unit tests can run it on a socketpair. */
#define ARP_WATCH_SENDERS 2
int arp_attach_filter(int fd, int watch, const struct in_addr *ips, size_t n);

#endif
