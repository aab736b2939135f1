/* Who sends the beats: the kernel beacon (kmod/twin_hb, through kbeacon.c)
 * when the module is loaded, else the userland lease (beat_lease.c). Both
 * send the same signed frames on the same tick grid; the switch between
 * them, either way, happens at a tick boundary without a missed beat.
 * docs/BEACON.md. The caller (beat.c) signs; this file only carries. */
#ifndef TWIN_BEACON_H
#define TWIN_BEACON_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "beat_lease.h"
#include "kbeacon.h"

struct beacon;
struct fence;

struct beacon_cfg {
	int try_kernel;	     /* 0: userland only (beacon userland) */
	unsigned fence_mode; /* TWIN_HB_FENCE_* */
	uint64_t detect_ns;  /* the peer's detection time */
	const char *hb_ifname, *lan_ifname;
	struct in_addr peer; /* the peer's LAN address */
	uint16_t udp_port;
	const struct in_addr *vips;
	size_t n_vips;
	struct fence *xdp_fence; /* renewed for the kernel's lease; may be NULL */
};

/* The lease is the caller's and outlives the beacon. Never fails for want
 * of the module: it then beats through the lease. */
int beacon_open(struct beacon **out, const struct beacon_cfg *cfg, struct beat_lease *lease, char *err,
		size_t errlen);
/* Lifts the kernel fence and stops the kernel's sends. */
void beacon_close(struct beacon *b);

/* Frames for a tick (replacing what was leased for it); beacon_commit hands
 * them over, the first one sent at once with send_first. It returns 1 when
 * the kernel refused them and the lease's senders took over: the caller
 * signs the lease again for them. */
void beacon_put(struct beacon *b, uint64_t tick, const struct lease_frames *f);
int beacon_has(struct beacon *b, uint64_t tick);
int beacon_commit(struct beacon *b, int send_first);
/* Drop every frame not yet sent. */
void beacon_revoke(struct beacon *b);
/* Ticks that found no frame so far, whoever sent (asks the kernel when no
 * lease went to it for half a lease: the loop stalled). */
uint64_t beacon_dry(struct beacon *b, uint64_t now_ns);
/* Serving (Active or holding the failover IP): the kernel fence applies.
 * contested: the peer serves too; a fence the kernel put in force is
 * lifted only when it does not. */
void beacon_arm(struct beacon *b, int serving, int contested);

/* Each loop tick, and when the watch fd is readable: follow the module
 * coming and going, the peer's MAC changing. Returns 1 when the frames must
 * be signed again for a new carrier (the caller re-signs the lease). */
int beacon_tick(struct beacon *b, uint64_t now_ns);
int beacon_on_watch(struct beacon *b, uint64_t now_ns);
int beacon_watch_fd(const struct beacon *b); /* -1 without one */

struct beacon_info {
	int kernel; /* the kernel sends now */
	char version[32];
	char why[160]; /* why not the kernel, or its last error */
	uint64_t switches;
	struct kb_status st; /* as of the last lease (kernel) */
};
void beacon_get_info(const struct beacon *b, struct beacon_info *info);

#endif
