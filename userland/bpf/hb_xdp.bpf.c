// SPDX-License-Identifier: GPL-2.0
/* XDP guard of the dedicated heartbeat link (eth1). docs/XDP.md; the frame:
 * docs/WIRE.md; where it sits: docs/ARCHITECTURE.md, "From the wire to a failover".
 *
 * Heartbeat frames (EtherType 0x88B5) are checked just enough to be cheap to
 * reject (length, magic, cluster id), rate-limited per source MAC, stamped
 * with the kernel clock and handed to twind through a ring buffer, then
 * dropped: the stack has no use for them. ARP and IPv4 TCP/UDP on the
 * configured ports (DRBD, peer control) go to the stack; everything else is
 * dropped so that nothing else can load the link the heartbeats depend on.
 *
 * Nothing here is authenticated: the daemon verifies the HMAC. Values kept in
 * hb_src are what the frames *claim*. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "hb_xdp.h"
#include "hb_wire.h"

#define ETH_HLEN      14
#define ETH_P_IP      0x0800
#define ETH_P_ARP     0x0806
#define IPPROTO_TCP_  6
#define IPPROTO_UDP_  17
#define IP_OFFSET_    0x1fff /* fragment offset bits of frag_off */
#define NS_PER_TOKEN  1000000000ull
#define MAX_REFILL_NS 0xffffffffull /* keeps elapsed * rate_pps (u32) inside u64 */

char LICENSE[] SEC("license") = "GPL";

_Static_assert(HB_FRAME_LEN % 8 == 0, "the ring copy moves the fixed frame in 8-byte words");
_Static_assert(HBX_SNAP_LEN >= HB_FRAME_LEN, "a ring record holds at least a whole frame");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct hbx_cfg);
} hb_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, HBX_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} hb_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, HBX_SRC_MAX);
	__type(key, __u64);
	__type(value, struct hbx_src);
} hb_src SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, HBX_RING_BYTES);
} hb_rb SEC(".maps");

/* The wire format is little-endian; so is every host we build for, but say so. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define le32(x) (x)
#define le64(x) (x)
#else
#define le32(x) __builtin_bswap32(x)
#define le64(x) __builtin_bswap64(x)
#endif

static __always_inline int count(__u32 stat, int verdict)
{
	__u64 *v = bpf_map_lookup_elem(&hb_stats, &stat);

	if (v)
		*v += 1; /* per-CPU slot: no atomic needed */
	return verdict;
}

static __always_inline int port_allowed(const struct hbx_cfg *cfg, __u16 sport, __u16 dport)
{
	__u32 n = cfg->n_ports;

#pragma unroll
	for (__u32 i = 0; i < HBX_MAX_PORTS; i++) {
		if (i >= n)
			break;
		__u16 p = cfg->allow_ports[i];
		if (p && (p == sport || p == dport))
			return 1;
	}
	return 0;
}

/* IPv4 TCP/UDP to or from an allowed port passes; so does the first fragment
 * of such a datagram (it carries the ports). Later fragments carry none and
 * are dropped: nothing on this link needs IP fragmentation. */
static __always_inline int ipv4(const struct hbx_cfg *cfg, void *l3, void *end)
{
	struct iphdr *ip = l3;

	if ((void *)(ip + 1) > end || ip->version != 4 || ip->ihl < 5)
		return count(HBX_DROP_FOREIGN, XDP_DROP);
	if (ip->frag_off & bpf_htons(IP_OFFSET_))
		return count(HBX_DROP_FOREIGN, XDP_DROP);
	if (ip->protocol != IPPROTO_TCP_ && ip->protocol != IPPROTO_UDP_)
		return count(HBX_DROP_FOREIGN, XDP_DROP);

	/* ihl is 4 bits: the L4 offset is at most 60, which the verifier can bound */
	__u16 *ports = l3 + ip->ihl * 4;
	if ((void *)(ports + 2) > end)
		return count(HBX_DROP_FOREIGN, XDP_DROP);
	if (port_allowed(cfg, bpf_ntohs(ports[0]), bpf_ntohs(ports[1])))
		return count(HBX_PASS_PORT, XDP_PASS);
	return count(HBX_DROP_FOREIGN, XDP_DROP);
}

/* Token bucket in token-nanoseconds (1 token = 1e9). Returns 1 if the frame
 * may pass. Updates from several CPUs may race; the bucket is then a little
 * generous, which is harmless for a flood guard. */
static __always_inline int bucket_take(const struct hbx_cfg *cfg, struct hbx_src *s, __u64 now)
{
	__u64 cap = (__u64)cfg->burst * NS_PER_TOKEN;
	__u64 elapsed = now - s->tokens_ts_ns;

	if (elapsed > MAX_REFILL_NS)
		elapsed = MAX_REFILL_NS;
	__u64 add = elapsed * cfg->rate_limit_pps;
	s->tokens = add >= cap - s->tokens ? cap : s->tokens + add; /* no u64 overflow */
	s->tokens_ts_ns = now;
	if (s->tokens < NS_PER_TOKEN)
		return 0;
	s->tokens -= NS_PER_TOKEN;
	return 1;
}

static __always_inline __u64 mac_key(const __u8 *m)
{
	return (__u64)m[0] << 40 | (__u64)m[1] << 32 | (__u64)m[2] << 24 | (__u64)m[3] << 16 |
	       (__u64)m[4] << 8 | m[5];
}

static __always_inline int heartbeat(struct xdp_md *ctx, const struct hbx_cfg *cfg, struct ethhdr *eth,
				     void *end)
{
	__u8 *p = (__u8 *)(eth + 1);

	if ((void *)(p + HB_FRAME_LEN) > end)
		return count(HBX_DROP_MALFORMED, XDP_DROP);
	if (le32(*(__u32 *)(p + HB_OFF_MAGIC)) != HB_MAGIC ||
	    le32(*(__u32 *)(p + HB_OFF_CLUSTER_ID)) != cfg->cluster_id)
		return count(HBX_DROP_MALFORMED, XDP_DROP);

	__u64 now = bpf_ktime_get_ns();
	__u64 key = mac_key(eth->h_source);
	struct hbx_src *s = bpf_map_lookup_elem(&hb_src, &key);
	if (s) {
		if (cfg->rate_limit_pps && !bucket_take(cfg, s, now))
			return count(HBX_DROP_RATELIMIT, XDP_DROP);
	} else {
		struct hbx_src fresh = {
		    .tokens_ts_ns = now,
		    .tokens = cfg->burst ? ((__u64)cfg->burst - 1) * NS_PER_TOKEN : 0,
		};
		if (cfg->rate_limit_pps && !cfg->burst)
			return count(HBX_DROP_RATELIMIT, XDP_DROP);
		bpf_map_update_elem(&hb_src, &key, &fresh, BPF_ANY);
		s = bpf_map_lookup_elem(&hb_src, &key);
	}
	/* Wake the daemon only when the sender's state or flags change: steady
	 * beats wait in the ring for its next tick (they carry their receive
	 * time), which saves two wake-ups per beat. */
	__u64 wake = !s || s->state != p[HB_OFF_STATE] || s->flags != p[HB_OFF_FLAGS] ? BPF_RB_FORCE_WAKEUP
										      : BPF_RB_NO_WAKEUP;
	/* Claims of the frame, recorded even if the ring is full: the kernel's
	 * view of the peer then survives a stalled daemon. */
	if (s) {
		s->flags = p[HB_OFF_FLAGS];
		s->last_ns = now;
		s->last_seq = le64(*(__u64 *)(p + HB_OFF_SEQ));
		s->state = p[HB_OFF_STATE];
		s->node_id = p[HB_OFF_NODE_ID];
		s->frames++;
	}

	struct hbx_event *ev = bpf_ringbuf_reserve(&hb_rb, sizeof(*ev), 0);
	if (!ev)
		return count(HBX_DROP_RINGFULL, XDP_DROP);
	/* The HB_FRAME_LEN bytes every heartbeat has: 9 direct 8-byte moves
	 * (a helper call costs ~50 ns more). Any longer tail: the helper. */
	__u64 *dst = (__u64 *)ev->data;
	const __u64 *src = (const __u64 *)p;
#pragma unroll
	for (int i = 0; i < HB_FRAME_LEN / 8; i++)
		dst[i] = src[i];
	__u64 len = end - (void *)p; /* 64-bit: the clamps bound the very register passed */
	if (len > HBX_SNAP_LEN)
		len = HBX_SNAP_LEN;
	if (len > HB_FRAME_LEN) {
		__u64 tail = len - HB_FRAME_LEN;
		if (tail > HBX_SNAP_LEN - HB_FRAME_LEN) /* cannot happen; for the verifier */
			tail = HBX_SNAP_LEN - HB_FRAME_LEN;
		if (tail < 1)
			tail = 1;
		if (bpf_xdp_load_bytes(ctx, ETH_HLEN + HB_FRAME_LEN, ev->data + HB_FRAME_LEN, tail)) {
			bpf_ringbuf_discard(ev, 0);
			return count(HBX_DROP_MALFORMED, XDP_DROP);
		}
	} else {
		len = HB_FRAME_LEN;
	}
	ev->ktime_ns = now;
	ev->ifindex = ctx->ingress_ifindex;
	ev->len = len;
	__builtin_memcpy(ev->src_mac, eth->h_source, sizeof(ev->src_mac));
	ev->pad[0] = ev->pad[1] = 0;
	bpf_ringbuf_submit(ev, wake);
	return count(HBX_RX_HB, XDP_DROP);
}

SEC("xdp")
int twin_hb(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u32 zero = 0;

	if ((void *)(eth + 1) > end)
		return count(HBX_DROP_FOREIGN, XDP_DROP); /* runt */
	struct hbx_cfg *cfg = bpf_map_lookup_elem(&hb_cfg, &zero);
	if (!cfg)
		return XDP_DROP; /* cannot happen: array maps always have entry 0 */

	switch (eth->h_proto) {
	case bpf_htons(HB_ETHERTYPE):
		return heartbeat(ctx, cfg, eth, end);
	case bpf_htons(ETH_P_ARP):
		return count(HBX_PASS_ARP, XDP_PASS);
	case bpf_htons(ETH_P_IP):
		return ipv4(cfg, eth + 1, end);
	default: /* IPv6, VLAN tags, LLDP, anything else */
		return count(HBX_DROP_FOREIGN, XDP_DROP);
	}
}
