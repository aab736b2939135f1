/* Structures shared by the XDP program (hb_xdp.bpf.c) and its loader
 * (hb_xdp.c). Kernel side: only fixed-size types. */
#ifndef TWIN_HB_XDP_H
#define TWIN_HB_XDP_H

#define HBX_MAX_PORTS  8
#define HBX_SNAP_LEN   128	    /* bytes of a heartbeat frame copied to the ring */
#define HBX_SRC_MAX    1024	    /* hb_src entries (LRU) */
#define HBX_RING_BYTES (256 * 1024) /* hb_rb size */
#define HBX_PROG_NAME  "twin_hb"    /* how the loader recognises a stale program of ours */

/* hb_cfg map, one entry, written by the loader before attach */
struct hbx_cfg {
	__u32 cluster_id;     /* frames of other clusters are dropped */
	__u32 rate_limit_pps; /* per source MAC, heartbeat frames; 0 = no limit */
	__u32 burst;	      /* token bucket depth */
	__u32 n_ports;
	__u16 allow_ports[HBX_MAX_PORTS]; /* TCP/UDP dst or src ports let through */
};

/* one ring-buffer record per heartbeat frame handed to the daemon */
struct hbx_event {
	__u64 ktime_ns; /* bpf_ktime_get_ns() at receipt: CLOCK_MONOTONIC */
	__u32 ifindex;
	__u32 len; /* bytes of payload (after the Ethernet header) in data */
	__u8 src_mac[6];
	__u8 pad[2];
	__u8 data[HBX_SNAP_LEN];
};

/* hb_stats: per-CPU array indexed by enum hbx_stat */
enum hbx_stat {
	HBX_RX_HB = 0,	    /* heartbeat frames handed to the daemon */
	HBX_PASS_ARP,	    /* ARP let through */
	HBX_PASS_PORT,	    /* IPv4 TCP/UDP on an allowed port */
	HBX_DROP_FOREIGN,   /* anything else */
	HBX_DROP_RATELIMIT, /* heartbeat frames over a source's rate */
	HBX_DROP_MALFORMED, /* heartbeat EtherType but short/bad magic/other cluster */
	HBX_DROP_RINGFULL,  /* daemon not draining */
	HBX_STAT_MAX
};

/* hb_src: LRU hash, key = source MAC in the low 48 bits of a __u64, first
 * byte most significant (aa:bb:cc:dd:ee:ff -> 0xaabbccddeeff) */
struct hbx_src {
	__u64 tokens_ts_ns; /* last refill */
	__u64 tokens;	    /* scaled by 1e9 (token-nanoseconds) */
	__u64 last_ns;	    /* last heartbeat seen from this source */
	__u64 last_seq;	    /* as claimed by the frame (not authenticated) */
	__u32 frames;
	__u8 state; /* as claimed by the frame */
	__u8 node_id;
	__u8 flags; /* as claimed by the frame */
	__u8 pad;
};

#endif
