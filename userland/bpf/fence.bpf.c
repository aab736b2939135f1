// SPDX-License-Identifier: GPL-2.0
/* Lease fence: a dead man's switch on the LAN interface. While the daemon's
 * lease has expired and the fence is armed, drop ARP and IPv4 that name a
 * failover IP, and IPv6 to an IPv6 failover address and the Neighbor
 * Solicitations / Advertisements whose target is one, so a node whose daemon died stops answering for (and
 * receiving traffic to) the failover IP by itself. Everything else passes:
 * this is the LAN, not the dedicated heartbeat link. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "fence.h"

#define ETH_P_IP     0x0800
#define ETH_P_ARP    0x0806
#define ETH_P_IPV6   0x86DD
#define ETH_P_8021Q  0x8100
#define ETH_P_8021AD 0x88A8
#define ARPHRD_ETHER 1
#define NEXTHDR_ICMP 58
#define ND_NS	     135
#define ND_NA	     136

/* ICMPv6 header and the target of an NS or NA (RFC 4861 4.3, 4.4). */
struct nd_head {
	__u8 type;
	__u8 code;
	__be16 csum;
	__be32 flags;
	__be32 target[4];
};

/* Ethernet/IPv4 ARP body; vmlinux.h's arphdr stops before the addresses. */
struct arp_eth_ipv4 {
	__be16 hrd;
	__be16 pro;
	__u8 hln;
	__u8 pln;
	__be16 op;
	__u8 sha[6];
	__be32 spa;
	__u8 tha[6];
	__be32 tpa;
} __attribute__((packed));

struct vlan_tag {
	__be16 tci;
	__be16 proto;
};

/* Written by the daemon through the memory-mapped .bss. */
struct fence_state fence;

static __always_inline int is_vip(__u32 addr)
{
	__u32 n = fence.n_vips;

	for (int i = 0; i < FENCE_MAX_VIPS; i++) {
		if (i >= n)
			break;
		if (fence.vips[i] == addr)
			return 1;
	}
	return 0;
}

static __always_inline int is_vip6(const __be32 *a)
{
	__u32 n = fence.n_vips6;

	for (int i = 0; i < FENCE_MAX_VIPS; i++) {
		if (i >= n)
			break;
		if (fence.vips6[i][0] == a[0] && fence.vips6[i][1] == a[1] && fence.vips6[i][2] == a[2] &&
		    fence.vips6[i][3] == a[3])
			return 1;
	}
	return 0;
}

/* IPv6 to a VIP, or ND about one: the peer's duplicate check (an NS from
 * :: to the solicited-node group) must go unanswered, as its ARP probe.
 * ND with extension headers before the ICMPv6 header is not looked for:
 * RFC 4861 messages carry none in practice. */
static __always_inline int fence_ipv6(void *l3, void *end)
{
	struct ipv6hdr *ip6 = l3;

	if ((void *)(ip6 + 1) > end)
		return XDP_PASS;
	if (ip6->nexthdr == NEXTHDR_ICMP) {
		struct nd_head *nd = (void *)(ip6 + 1);

		if ((void *)(nd + 1) <= end && (nd->type == ND_NS || nd->type == ND_NA) &&
		    is_vip6(nd->target)) {
			__sync_fetch_and_add(&fence.dropped_arp, 1);
			return XDP_DROP;
		}
	}
	if (is_vip6(ip6->daddr.in6_u.u6_addr32)) {
		__sync_fetch_and_add(&fence.dropped_ip, 1);
		return XDP_DROP;
	}
	return XDP_PASS;
}

SEC("xdp")
int twin_fence(struct xdp_md *ctx)
{
	/* The common case (lease fresh, or not armed) costs two loads and one
	 * helper call: parse only once we are actually fenced. */
	if (!fence.armed || bpf_ktime_get_ns() <= fence.lease_until_ns)
		return XDP_PASS;

	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > end)
		return XDP_PASS;
	__be16 proto = eth->h_proto;
	void *l3 = eth + 1;

	if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD)) {
		struct vlan_tag *vt = l3;

		if ((void *)(vt + 1) > end)
			return XDP_PASS;
		proto = vt->proto;
		l3 = vt + 1;
	}

	if (proto == bpf_htons(ETH_P_ARP)) {
		struct arp_eth_ipv4 *arp = l3;

		if ((void *)(arp + 1) > end)
			return XDP_PASS;
		if (arp->hrd != bpf_htons(ARPHRD_ETHER) || arp->pro != bpf_htons(ETH_P_IP) || arp->hln != 6 ||
		    arp->pln != 4)
			return XDP_PASS;
		/* tpa: requests for the VIP, including the peer's RFC 5227 probe
		 * that must go unanswered; spa: frames claiming the VIP. */
		if (is_vip(arp->tpa) || is_vip(arp->spa)) {
			__sync_fetch_and_add(&fence.dropped_arp, 1);
			return XDP_DROP;
		}
		return XDP_PASS;
	}

	if (proto == bpf_htons(ETH_P_IPV6))
		return fence_ipv6(l3, end);

	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = l3;

		if ((void *)(ip + 1) > end)
			return XDP_PASS;
		if (is_vip(ip->daddr)) {
			__sync_fetch_and_add(&fence.dropped_ip, 1);
			return XDP_DROP;
		}
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
