// SPDX-License-Identifier: GPL-2.0
/* Lease fence: a dead man's switch on the LAN interface. While the daemon's
 * lease has expired and the fence is armed, drop ARP and IPv4 that name a
 * failover IP, so a node whose daemon died stops answering for (and
 * receiving traffic to) the failover IP by itself. Everything else passes:
 * this is the LAN, not the dedicated heartbeat link. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "fence.h"

#define ETH_P_IP     0x0800
#define ETH_P_ARP    0x0806
#define ETH_P_8021Q  0x8100
#define ETH_P_8021AD 0x88A8
#define ARPHRD_ETHER 1

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
