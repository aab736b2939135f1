/* SPDX-License-Identifier: GPL-2.0 */
/*
 * twin_hb internals: the beacon (beacon.c: per-path rings of leased frames
 * sent from hrtimers), the fence (fence.c) and the generic netlink
 * front end (genl.c). docs/BEACON.md.
 */
#ifndef TWIN_HB_H
#define TWIN_HB_H

#include <linux/types.h>

#include "twin_hb_genl.h"

#define TWIN_HB_MOD_VERSION "0.2.0"

struct net;
struct sk_buff;

struct thb_path_stats {
	bool running;
	u32 ifindex;
	u64 sent, dry, missed, worst_late_ns, lease_end, xmit_err, last_tick;
};

int thb_beacon_init(void);
void thb_beacon_exit(void);

/* Process context, callers serialized by the genl lock. */
int thb_path_start(struct net *net, unsigned int path, u32 ifindex, u64 interval_ns, u64 t0_ns,
		   u64 first_tick);
void thb_path_stop(unsigned int path);
/* Takes a frame for tick; -EINVAL, -ENODEV, -EMSGSIZE, -ERANGE, -ENOMEM. */
int thb_lease_frame(unsigned int path, u64 tick, const void *data, size_t len, bool send_now);
void thb_lease_flush(unsigned int path);
void thb_path_get_stats(unsigned int path, struct thb_path_stats *st);
u64 thb_last_send_ns(void);

/* The fence: beacon.c asks at every tick, genl.c configures it. */
int thb_fence_set(struct net *net, unsigned int mode, bool armed, u64 detect_ns, const __be32 *addrs,
		  unsigned int n_addrs);
void thb_fence_check(u64 now_ns);
void thb_fence_get(unsigned int *mode, bool *armed, bool *fenced, u64 *drops);
void thb_fence_exit(void);

#endif /* TWIN_HB_H */
