/* Lease fence loader: attaches twin_fence (fence.bpf.c) to the LAN interface
 * so a node whose daemon dies stops serving the failover IPs by itself once
 * the lease runs out. The attachment is made through netlink and outlives the
 * process on purpose. See docs/FENCE.md. */
#ifndef TWIN_FENCE_LOADER_H
#define TWIN_FENCE_LOADER_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include "fence.h"

struct fence;

/* Load, set the IPv4 VIPs (0..FENCE_MAX_VIPS), lease_until = 0, and attach native
 * XDP (generic if force_generic or native fails). A twin_fence left attached
 * by a killed daemon is replaced atomically; if it was armed, the new fence
 * starts armed with an expired lease (fail closed: the VIP stays fenced until
 * the new daemon renews or disarms), else disarmed; its counters carry on.
 * A foreign XDP program on ifname is refused.
 * Returns 0, 1 when attached in generic mode (warning text in err), or
 * -errno with the reason in err. */
int fence_open(struct fence **out, const char *ifname, const struct in_addr *vips, int n_vips,
	       int force_generic, char *err, size_t errlen);
/* The same with IPv6 failover addresses too (0..FENCE_MAX_VIPS of each
 * family): IPv6 to them and NS/NA whose target is one are dropped. */
int fence_open6(struct fence **out, const char *ifname, const struct in_addr *vips, int n_vips,
		const struct in6_addr *vips6, int n_vips6, int force_generic, char *err, size_t errlen);

/* Lease runs until until_mono_ns (CLOCK_MONOTONIC). A store into the
 * memory-mapped .bss: call it at every heartbeat. */
void fence_renew(struct fence *f, uint64_t until_mono_ns);

/* armed = 1 while this node holds or may hold the VIP; 0 never fences. */
void fence_arm(struct fence *f, int armed);

/* Frames dropped while fenced (since the first fence on the interface). */
void fence_counters(struct fence *f, uint64_t *arp, uint64_t *ip);

/* "native" or "generic" */
const char *fence_mode(const struct fence *f);

/* Clean shutdown: detach (only our own program) and free. */
void fence_close(struct fence *f);

/* Free without detaching: the fence keeps guarding (e.g. across an exec);
 * the next fence_open adopts it. */
void fence_release(struct fence *f);

/* What is attached on ifname, read without a handle (twinctl, tests). */
struct fence_status {
	int generic; /* attached in generic (skb) mode */
	uint32_t prog_id;
	int armed;
	int fenced;	       /* armed and lease expired: dropping now */
	int64_t lease_left_ns; /* negative once expired */
	uint64_t dropped_arp, dropped_ip;
	int n_vips;
	struct in_addr vips[FENCE_MAX_VIPS];
	int n_vips6;
	struct in6_addr vips6[FENCE_MAX_VIPS];
};

/* Returns 1 with st filled when a twin_fence is attached, 0 when no XDP
 * program is, -EEXIST for a foreign program, other -errno on failure. */
int fence_query(const char *ifname, struct fence_status *st, char *err, size_t errlen);

/* Detach a twin_fence from ifname (left by a dead daemon); foreign programs
 * are refused. Returns 0 (also when nothing was attached) or -errno. */
int fence_remove(const char *ifname, char *err, size_t errlen);

#endif
