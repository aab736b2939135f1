/* The failover addresses as one group (IPv4 and IPv6, each on its device,
 * VLAN sub-interfaces included): the duplicate check before a claim, the
 * claim in config order with rollback, the announcements, the release in
 * reverse order. docs/ARCHITECTURE.md, "Takeover order".
 *
 * It reports to its caller (actions.c), which raises the alarms and feeds
 * the state machine; it only logs what it cannot report (a failed send). */
#ifndef TWIN_VIP_GROUP_H
#define TWIN_VIP_GROUP_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct vip_ctx;
struct arp_sock;
struct nd_sock;

struct vip_group {
	const struct cfg_vip *vips; /* the config's, in its order */
	size_t n;
	struct vip_ctx *vip;
	struct arp_sock *arp; /* on lan_interface: ARP for every IPv4 address */
	struct nd_sock *nd;   /* NULL without IPv6 addresses */
	struct {
		int ifindex; /* 0 = not resolved (device missing at the last look) */
		uint8_t mac[6];
	} dev[CFG_MAX_VIPS];
};

void vg_init(struct vip_group *g, const struct cfg_vip *vips, size_t n, struct vip_ctx *vip,
	     struct arp_sock *arp, struct nd_sock *nd);

/* The addresses of one family, in config order; returns how many. */
size_t vg_v4(const struct vip_group *g, struct in_addr out[CFG_MAX_VIPS]);
size_t vg_v6(const struct vip_group *g, struct in6_addr out[CFG_MAX_VIPS]);
int vg_has_v6(const struct vip_group *g);

/* Start the duplicate check: watch for answers, then an ARP probe (IPv4)
 * or an NS from :: (IPv6) for each address, out of its own device. */
void vg_probe_start(struct vip_group *g);
/* Stop watching for ND answers (the ARP socket keeps its filter). */
void vg_probe_stop(struct vip_group *g);

/* Add every address, in config order. If one fails, those added before it
 * are removed again, last first, and -1 returns with *failed its index and
 * err saying what failed ("vip_add ... dev eth0.100: No such device"). */
int vg_claim(struct vip_group *g, size_t *failed, char *err, size_t errlen);

/* Remove every address, last first; errors are logged, the rest go on. */
void vg_release(struct vip_group *g);

/* One gratuitous ARP (IPv4) or unsolicited NA (IPv6) per address, each
 * out of its device. */
void vg_announce(struct vip_group *g);

/* Read what the ARP / ND socket has; 1 with text ("failover IP X answered
 * by MAC") when a frame shows one of the addresses in use by another
 * host, 0 when none did. Always drains the socket. */
int vg_on_arp(struct vip_group *g, char *text, size_t len);
int vg_on_nd(struct vip_group *g, char *text, size_t len);

#endif
