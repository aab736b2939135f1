/* State shared by the lease fence XDP program (fence.bpf.c) and its loader
 * (fence.c). It lives in the program's .bss, which the skeleton memory-maps:
 * the daemon renews the lease with a plain store, no syscall. Kernel side:
 * only fixed-size types. */
#ifndef TWIN_FENCE_H
#define TWIN_FENCE_H

#ifndef __BPF__
#include <linux/types.h>
#endif

#define FENCE_MAX_VIPS	8
#define FENCE_PROG_NAME "twin_fence" /* how a stale fence is recognised */

struct fence_state {
	__u64 lease_until_ns; /* CLOCK_MONOTONIC (= bpf_ktime_get_ns) */
	__u32 armed;	      /* 1 while this node holds / may hold a VIP */
	__u32 n_vips;
	__u32 vips[FENCE_MAX_VIPS]; /* network byte order */
	__u64 dropped_arp;	    /* ARP frames or ND messages naming a VIP dropped while fenced */
	__u64 dropped_ip;	    /* IPv4 or IPv6 packets to a VIP dropped while fenced */
	/* IPv6 failover addresses (appended: the IPv4 part keeps its offsets) */
	__u32 n_vips6;
	__u32 pad;
	__u32 vips6[FENCE_MAX_VIPS][4]; /* network byte order, as in the IPv6 header */
};

#endif
