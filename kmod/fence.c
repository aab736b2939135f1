// SPDX-License-Identifier: GPL-2.0
/*
 * The fence: an Active node whose daemon stopped leasing beats must stop
 * serving by the time the peer may claim the failover addresses, i.e. once
 * nothing went out on any path for the peer's detection time. Mode drop
 * stops those addresses' IPv4 and ARP traffic with netfilter hooks (in
 * addition to the daemon's XDP fence on the LAN, which may be absent or
 * replaced: this one lives in the kernel with the beats); mode reboot
 * restarts the machine. docs/BEACON.md, "Fence".
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/if_arp.h>
#include <linux/ip.h>
#include <linux/mutex.h>
#include <linux/netfilter.h>
#include <linux/netfilter_arp.h>
#include <linux/netfilter_ipv4.h>
#include <linux/reboot.h>
#include <linux/skbuff.h>
#include <net/net_namespace.h>

#include "twin_hb.h"

static DEFINE_MUTEX(fence_lock); /* the settings and the hooks */
static unsigned int fence_mode;
static bool fence_armed;
static u64 fence_detect_ns;
static __be32 fence_addrs[TWIN_HB_FENCE_ADDRS];
static unsigned int fence_n_addrs;
static struct net *fence_net; /* where the hooks are registered */
static bool hooks_on;
/* read by the timers and the hooks without the lock */
static atomic_t fenced = ATOMIC_INIT(0);
static atomic_t active = ATOMIC_INIT(0); /* armed with a mode */
static atomic64_t detect_ns;
static atomic64_t drops;

static bool is_fenced_addr(__be32 a)
{
	unsigned int i, n = READ_ONCE(fence_n_addrs);

	for (i = 0; i < n && i < TWIN_HB_FENCE_ADDRS; i++)
		if (READ_ONCE(fence_addrs[i]) == a)
			return true;
	return false;
}

static unsigned int drop(void)
{
	atomic64_inc(&drops);
	return NF_DROP;
}

static unsigned int ip_hook(void *priv, struct sk_buff *skb, const struct nf_hook_state *state)
{
	const struct iphdr *ip;

	if (!atomic_read(&fenced))
		return NF_ACCEPT;
	ip = ip_hdr(skb);
	if (is_fenced_addr(state->hook == NF_INET_LOCAL_OUT ? ip->saddr : ip->daddr))
		return drop();
	return NF_ACCEPT;
}

/*
 * ARP for IPv4 over Ethernet: requests for the addresses in, our answers
 * and announcements out.
 */
static unsigned int arp_hook(void *priv, struct sk_buff *skb, const struct nf_hook_state *state)
{
	struct {
		struct arphdr h;
		u8 sha[ETH_ALEN];
		__be32 sip;
		u8 tha[ETH_ALEN];
		__be32 tip;
	} __packed buf, *a;

	if (!atomic_read(&fenced))
		return NF_ACCEPT;
	a = skb_header_pointer(skb, skb_network_offset(skb), sizeof(buf), &buf);
	if (!a || a->h.ar_pro != htons(ETH_P_IP) || a->h.ar_hln != ETH_ALEN || a->h.ar_pln != 4)
		return NF_ACCEPT;
	if (is_fenced_addr(state->hook == NF_ARP_OUT ? a->sip : a->tip))
		return drop();
	return NF_ACCEPT;
}

static const struct nf_hook_ops hooks[] = {
	{ .hook = ip_hook, .pf = NFPROTO_IPV4, .hooknum = NF_INET_PRE_ROUTING,
	  .priority = NF_IP_PRI_FIRST },
	{ .hook = ip_hook, .pf = NFPROTO_IPV4, .hooknum = NF_INET_LOCAL_OUT,
	  .priority = NF_IP_PRI_FIRST },
	{ .hook = arp_hook, .pf = NFPROTO_ARP, .hooknum = NF_ARP_IN, .priority = 0 },
	{ .hook = arp_hook, .pf = NFPROTO_ARP, .hooknum = NF_ARP_OUT, .priority = 0 },
};

static void hooks_off(void)
{
	if (!hooks_on)
		return;
	nf_unregister_net_hooks(fence_net, hooks, ARRAY_SIZE(hooks));
	put_net(fence_net);
	fence_net = NULL;
	hooks_on = false;
}

int thb_fence_set(struct net *net, unsigned int mode, bool armed, u64 detect, const __be32 *addrs,
		  unsigned int n_addrs)
{
	bool want_hooks = mode == TWIN_HB_FENCE_DROP && n_addrs > 0;
	unsigned int i;
	int err = 0;

	if (mode > TWIN_HB_FENCE_MAX || n_addrs > TWIN_HB_FENCE_ADDRS || !detect ||
	    detect > TWIN_HB_DETECT_MAX)
		return -EINVAL;
	mutex_lock(&fence_lock);
	atomic_set(&active, 0);
	if (atomic_xchg(&fenced, 0))
		pr_info("fence lifted\n");
	if (hooks_on && (!want_hooks || fence_net != net))
		hooks_off();
	WRITE_ONCE(fence_n_addrs, 0);
	for (i = 0; i < n_addrs; i++)
		WRITE_ONCE(fence_addrs[i], addrs[i]);
	WRITE_ONCE(fence_n_addrs, n_addrs);
	if (want_hooks && !hooks_on) {
		err = nf_register_net_hooks(net, hooks, ARRAY_SIZE(hooks));
		if (err)
			goto out;
		fence_net = get_net(net);
		hooks_on = true;
	}
	fence_mode = mode;
	fence_armed = armed;
	fence_detect_ns = detect;
	atomic64_set(&detect_ns, detect);
	atomic_set(&active, armed && mode != TWIN_HB_FENCE_NONE);
out:
	mutex_unlock(&fence_lock);
	return err;
}

/* Every tick of every timer: softirq context. */
void thb_fence_check(u64 now)
{
	u64 last = thb_last_send_ns();

	if (!atomic_read(&active) || atomic_read(&fenced) || !last ||
	    now < last + (u64)atomic64_read(&detect_ns))
		return;
	if (atomic_xchg(&fenced, 1))
		return;
	if (READ_ONCE(fence_mode) == TWIN_HB_FENCE_REBOOT) {
		pr_emerg("no beat sent for %llu ms while Active (the daemon stopped leasing): rebooting\n",
			 (now - last) / 1000000);
		emergency_restart();
		return;
	}
	pr_warn("no beat sent for %llu ms while Active (the daemon stopped leasing): the failover addresses are fenced\n",
		(now - last) / 1000000);
}

void thb_fence_get(unsigned int *mode, bool *armed, bool *is_fenced, u64 *n_drops)
{
	mutex_lock(&fence_lock);
	*mode = fence_mode;
	*armed = fence_armed;
	mutex_unlock(&fence_lock);
	*is_fenced = atomic_read(&fenced);
	*n_drops = atomic64_read(&drops);
}

void thb_fence_exit(void)
{
	mutex_lock(&fence_lock);
	atomic_set(&active, 0);
	atomic_set(&fenced, 0);
	hooks_off();
	mutex_unlock(&fence_lock);
}
