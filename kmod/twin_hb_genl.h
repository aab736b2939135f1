/* SPDX-License-Identifier: GPL-2.0 */
/*
 * twin_hb generic netlink interface, shared by the kernel module (kmod/)
 * and userland (twind, the test tool). Plain C: no kernel or libc types,
 * so it builds on both sides. docs/BEACON.md describes the contract.
 *
 * Family "twin_hb", version 2. Every command but INFO needs CAP_NET_ADMIN.
 *
 *   INFO    -> VERSION, HRTIMER_RES_NS, RING_SLOTS, LEASE_MAX_NS
 *   START   PATH, IFINDEX, INTERVAL_NS, T0_NS, FIRST_TICK: send PATH's
 *           leased frames on IFINDEX at T0_NS + tick * INTERVAL_NS
 *           (CLOCK_MONOTONIC), ticks below FIRST_TICK never. Restarting a
 *           running path replaces its settings and empties its ring.
 *   STOP    PATH (absent: every path): no more sends, ring emptied.
 *   LEASE   PATH, [FLUSH], [SEND_NOW], FRAME...: store each frame for its
 *           tick (replacing what the slot held); FLUSH first drops every
 *           frame not yet sent; SEND_NOW sends the first frame at once
 *           (its tick is then not sent again). Reply: as STATUS.
 *   STATUS  -> PATH_STATS per path, FENCE_MODE, ARMED, FENCED,
 *           FENCE_DROPS, LAST_SEND_NS
 *   FENCE   FENCE_MODE, ARMED, DETECT_NS, FENCE_ADDR...: when ARMED and
 *           no frame went out on any path for DETECT_NS, apply the mode.
 *           ARMED 0 (or a mode of none) lifts a fence in force.
 */
#ifndef TWIN_HB_GENL_H
#define TWIN_HB_GENL_H

#define TWIN_HB_GENL_NAME    "twin_hb"
#define TWIN_HB_GENL_VERSION 2

#define TWIN_HB_PATHS	      2	       /* TWIN_HB_PATH_LINK, TWIN_HB_PATH_UDP */
#define TWIN_HB_RING_SLOTS    128      /* frames per path; a slot is tick % RING_SLOTS */
/* a frame for a tick further ahead than this (or two intervals) is refused */
#define TWIN_HB_LEASE_MAX_NS  2000000000ull
#define TWIN_HB_FRAME_MIN     15       /* an Ethernet header and one byte */
#define TWIN_HB_FRAME_MAX     256      /* and at most the device's MTU + header */
#define TWIN_HB_INTERVAL_MIN  1000000ull     /* 1 ms */
#define TWIN_HB_INTERVAL_MAX  10000000000ull /* 10 s */
#define TWIN_HB_DETECT_MAX    60000000000ull /* 60 s */
#define TWIN_HB_FENCE_ADDRS   8	       /* IPv4 failover addresses a drop fence covers */

enum twin_hb_path {
	TWIN_HB_PATH_LINK, /* heartbeat link: Ethernet, type 0x88B5 */
	TWIN_HB_PATH_UDP,  /* LAN: Ethernet + IPv4 + UDP to the peer */
};

enum twin_hb_fence_mode {
	TWIN_HB_FENCE_NONE,
	TWIN_HB_FENCE_DROP,   /* drop the failover addresses' IPv4 and ARP traffic */
	TWIN_HB_FENCE_REBOOT, /* log, then emergency restart */
	__TWIN_HB_FENCE_MAX,
};
#define TWIN_HB_FENCE_MAX (__TWIN_HB_FENCE_MAX - 1)

enum twin_hb_cmd {
	TWIN_HB_CMD_UNSPEC,
	TWIN_HB_CMD_INFO,
	TWIN_HB_CMD_START,
	TWIN_HB_CMD_STOP,
	TWIN_HB_CMD_LEASE,
	TWIN_HB_CMD_STATUS,
	TWIN_HB_CMD_FENCE,
	__TWIN_HB_CMD_MAX,
};
#define TWIN_HB_CMD_MAX (__TWIN_HB_CMD_MAX - 1)

enum twin_hb_attr {
	TWIN_HB_A_UNSPEC,
	TWIN_HB_A_VERSION,	  /* string: module version */
	TWIN_HB_A_HRTIMER_RES_NS, /* u32 */
	TWIN_HB_A_PAD,
	TWIN_HB_A_PATH,		  /* u8: enum twin_hb_path */
	TWIN_HB_A_IFINDEX,	  /* u32 */
	TWIN_HB_A_INTERVAL_NS,	  /* u64 */
	TWIN_HB_A_T0_NS,	  /* u64: CLOCK_MONOTONIC of tick 0 */
	TWIN_HB_A_FIRST_TICK,	  /* u64 */
	TWIN_HB_A_FRAME,	  /* nested: TWIN_HB_F_* */
	TWIN_HB_A_FLUSH,	  /* flag */
	TWIN_HB_A_SEND_NOW,	  /* flag */
	TWIN_HB_A_FENCE_MODE,	  /* u8: enum twin_hb_fence_mode */
	TWIN_HB_A_ARMED,	  /* u8: 0 or 1 */
	TWIN_HB_A_DETECT_NS,	  /* u64 */
	TWIN_HB_A_FENCE_ADDR,	  /* u32, network order; repeated */
	TWIN_HB_A_PATH_STATS,	  /* nested: TWIN_HB_S_*; one per path */
	TWIN_HB_A_FENCED,	  /* u8 */
	TWIN_HB_A_FENCE_DROPS,	  /* u64: packets a drop fence stopped */
	TWIN_HB_A_LAST_SEND_NS,	  /* u64: CLOCK_MONOTONIC of the last send, any path */
	TWIN_HB_A_RING_SLOTS,	  /* u32 */
	TWIN_HB_A_LEASE_MAX_NS,	  /* u64 */
	__TWIN_HB_A_MAX,
};
#define TWIN_HB_A_MAX (__TWIN_HB_A_MAX - 1)

enum twin_hb_frame_attr {
	TWIN_HB_F_UNSPEC,
	TWIN_HB_F_TICK, /* u64 */
	TWIN_HB_F_DATA, /* binary: the whole frame from the Ethernet header on */
	TWIN_HB_F_PAD,
	__TWIN_HB_F_MAX,
};
#define TWIN_HB_F_MAX (__TWIN_HB_F_MAX - 1)

enum twin_hb_stats_attr {
	TWIN_HB_S_UNSPEC,
	TWIN_HB_S_PATH,		 /* u8 */
	TWIN_HB_S_RUNNING,	 /* u8 */
	TWIN_HB_S_IFINDEX,	 /* u32 */
	TWIN_HB_S_SENT,		 /* u64: frames handed to the device */
	TWIN_HB_S_DRY,		 /* u64: ticks that found no frame (the lease ran out) */
	TWIN_HB_S_MISSED,	 /* u64: ticks skipped because the timer came too late */
	TWIN_HB_S_WORST_LATE_NS, /* u64: worst lateness of a send behind its tick */
	TWIN_HB_S_LEASE_END,	 /* u64: the last tick a frame is held for (0: none) */
	TWIN_HB_S_XMIT_ERR,	 /* u64: sends the device refused (down, busy) */
	TWIN_HB_S_LAST_TICK,	 /* u64: the last tick sent */
	TWIN_HB_S_PAD,
	__TWIN_HB_S_MAX,
};
#define TWIN_HB_S_MAX (__TWIN_HB_S_MAX - 1)

#endif /* TWIN_HB_GENL_H */
