/* IPv6 Neighbor Discovery on the LAN for the IPv6 failover addresses: the
 * unsolicited Neighbor Advertisement after a takeover and the duplicate
 * check before one (the IPv6 counterpart of arp.h). Messages: nd_wire.h.
 *
 * Two sockets, one fd to poll. A raw IPPROTO_ICMPV6 socket sends the NAs
 * (the kernel adds the IPv6 header and the checksum) and receives NAs;
 * an ICMP6_FILTER keeps it silent unless watching, like the ARP socket's
 * BPF filter. An AF_PACKET socket that receives nothing sends the NS,
 * because an IPv6 socket cannot send from :: as DAD must. Neither is
 * bound to a device: every send names the device (VLAN sub-interfaces
 * too) and every read reports where the message came in.
 *
 * Senders return 0, or -1 with errno set. */
#ifndef TWIN_ND_H
#define TWIN_ND_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "nd_wire.h"

struct nd_sock;

int nd_open(struct nd_sock **out, char *err, size_t errlen);
void nd_close(struct nd_sock *s);
int nd_fd(const struct nd_sock *s); /* the raw ICMPv6 socket: the one that receives */

/* Unsolicited NA (RFC 4861 7.2.6): override set, solicited clear, target
 * link-layer address mac, from target itself to ff02::1 on ifindex, hop
 * limit 255. target must be on that device (just added). */
int nd_send_na(struct nd_sock *s, int ifindex, const uint8_t mac[6], const struct in6_addr *target);

/* The duplicate check: NS for target from :: to its solicited-node group
 * on ifindex (RFC 4862 5.4.2). A holder answers with an NA to ff02::1.
 * Call nd_watch(s, 1) first so the answer is kept. */
int nd_send_dad(struct nd_sock *s, int ifindex, const struct in6_addr *target);

/* on: receive NAs (queued ones are discarded first); off: nothing. */
int nd_watch(struct nd_sock *s, int on);

/* Non-blocking read of one NS/NA: 1 got one (ifindex, hop limit filled),
 * 0 none, -1 error. */
int nd_read(struct nd_sock *s, struct nd_seen *out, int *ifindex, int *hops);

#endif
