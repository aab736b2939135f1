// SPDX-License-Identifier: GPL-2.0
/*
 * The beacon: per path, a ring of complete frames leased by the daemon, and
 * one hrtimer per CPU (up to BEACON_TIMERS) that sends each tick's frame at
 * its time. The first timer to claim a tick sends it, so a vCPU the host
 * stops silences one timer, not the beat (docs/BEACON.md, "Host stalls").
 * Frames are built as skbs when leased: a send allocates nothing. The
 * module never signs or reads a frame; when the daemon stops leasing, the
 * ring runs dry and the beats stop.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/etherdevice.h>
#include <linux/hrtimer.h>
#include <linux/if_arp.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/pkt_sched.h>
#include <linux/skbuff.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>

#include "twin_hb.h"

#define BEACON_TIMERS 4

struct thb_path;

struct thb_timer {
	struct hrtimer timer;
	struct thb_path *path;
	u64 period_ns;
	int cpu;
	bool armed;
};

struct thb_slot {
	u64 tick;
	struct sk_buff *skb;
};

struct thb_path {
	spinlock_t lock; /* the ring, dev and the settings below */
	struct net_device *dev;
	netdevice_tracker dev_tracker;
	bool running;
	u64 interval_ns, t0_ns, first_tick;
	struct thb_slot ring[TWIN_HB_RING_SLOTS];
	struct thb_timer timers[BEACON_TIMERS];
	unsigned int n_timers;
	atomic64_t last_tick; /* highest tick claimed by a timer */
	atomic64_t sent, dry, missed, worst_late, xmit_err;
};

static struct thb_path paths[TWIN_HB_PATHS];
static atomic64_t last_send_ns;
/*
 * Settings and devices change under it: genl requests and a device going
 * away (the notifier runs under RTNL, genl requests never take RTNL).
 */
static DEFINE_MUTEX(cfg_lock);

static u64 tick_of(const struct thb_path *p, u64 now)
{
	return now < p->t0_ns ? 0 : div64_u64(now - p->t0_ns, p->interval_ns);
}

static u64 tick_time(const struct thb_path *p, u64 tick)
{
	return p->t0_ns + tick * p->interval_ns;
}

/* Caller holds p->lock; the skbs go to *out for freeing outside it. */
static void ring_take_all(struct thb_path *p, struct sk_buff_head *out)
{
	unsigned int i;

	for (i = 0; i < TWIN_HB_RING_SLOTS; i++) {
		if (p->ring[i].skb)
			__skb_queue_tail(out, p->ring[i].skb);
		p->ring[i].skb = NULL;
		p->ring[i].tick = 0;
	}
}

static bool claim(struct thb_path *p, u64 tick)
{
	s64 last = atomic64_read(&p->last_tick);

	while ((u64)last < tick) {
		if (atomic64_try_cmpxchg(&p->last_tick, &last, tick))
			return true;
	}
	return false;
}

static void note_late(struct thb_path *p, u64 late)
{
	s64 worst = atomic64_read(&p->worst_late);

	while ((u64)worst < late && !atomic64_try_cmpxchg(&p->worst_late, &worst, late))
		;
}

/* Send the frame held for tick, if any. Softirq or process context. */
static void send_tick(struct thb_path *p, u64 tick, u64 now)
{
	struct thb_slot *s = &p->ring[tick % TWIN_HB_RING_SLOTS];
	struct sk_buff *skb = NULL;
	int rc;

	spin_lock_bh(&p->lock);
	if (p->running && s->skb && s->tick == tick) {
		skb = s->skb;
		s->skb = NULL;
	}
	spin_unlock_bh(&p->lock);
	if (!skb) {
		atomic64_inc(&p->dry);
		return;
	}
	/* queue chosen by CPU: two timers never contend for one tx lock */
	rc = dev_direct_xmit(skb, smp_processor_id() % skb->dev->real_num_tx_queues);
	if (dev_xmit_complete(rc) && rc == NET_XMIT_SUCCESS) {
		atomic64_inc(&p->sent);
		atomic64_set(&last_send_ns, now);
	} else {
		atomic64_inc(&p->xmit_err); /* down or busy: the peer notices the silence */
	}
	if (!dev_xmit_complete(rc))
		kfree_skb(skb);
}

static enum hrtimer_restart timer_fn(struct hrtimer *t)
{
	struct thb_timer *tm = container_of(t, struct thb_timer, timer);
	struct thb_path *p = tm->path;
	u64 now = ktime_get_ns(), tick = tick_of(p, now);
	s64 last = atomic64_read(&p->last_tick);

	if (tick >= p->first_tick && claim(p, tick)) {
		/* after a stall the current tick goes out, not the missed ones */
		if (last >= (s64)p->first_tick && tick > (u64)last + 1)
			atomic64_add(tick - (u64)last - 1, &p->missed);
		note_late(p, now - tick_time(p, tick));
		send_tick(p, tick, now);
	}
	thb_fence_check(now);
	hrtimer_forward(t, ns_to_ktime(now), ns_to_ktime(tm->period_ns));
	return HRTIMER_RESTART;
}

static void timer_arm_on_cpu(void *arg)
{
	struct thb_timer *tm = arg;
	struct thb_path *p = tm->path;
	/*
	 * timer 0 beats every tick; the others stand in when its vCPU is
	 * stalled, and every other tick is enough for that
	 */
	u64 first = tick_time(p, max_t(u64, p->first_tick, tick_of(p, ktime_get_ns()) + 1));

	hrtimer_start(&tm->timer, ns_to_ktime(first), HRTIMER_MODE_ABS_PINNED_SOFT);
}

static void timers_stop(struct thb_path *p)
{
	unsigned int i;

	for (i = 0; i < p->n_timers; i++) {
		if (p->timers[i].armed)
			hrtimer_cancel(&p->timers[i].timer);
		p->timers[i].armed = false;
	}
	p->n_timers = 0;
}

static void timers_start(struct thb_path *p)
{
	unsigned int n = 0;
	int cpu;

	cpus_read_lock();
	for_each_online_cpu(cpu) {
		struct thb_timer *tm = &p->timers[n];

		if (n == BEACON_TIMERS)
			break;
		hrtimer_init(&tm->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_PINNED_SOFT);
		tm->timer.function = timer_fn;
		tm->path = p;
		tm->cpu = cpu;
		tm->period_ns = p->interval_ns * (n ? 2 : 1);
		if (smp_call_function_single(cpu, timer_arm_on_cpu, tm, 1) == 0) {
			tm->armed = true;
			n++;
		}
	}
	cpus_read_unlock();
	p->n_timers = n;
}

/* Stops sending on p and releases its device; the lock is not held. */
static void path_stop(struct thb_path *p)
{
	struct sk_buff_head q;
	struct net_device *dev;

	__skb_queue_head_init(&q);
	spin_lock_bh(&p->lock);
	p->running = false;
	spin_unlock_bh(&p->lock);
	timers_stop(p); /* waits for a callback in progress */
	spin_lock_bh(&p->lock);
	ring_take_all(p, &q);
	dev = p->dev;
	p->dev = NULL;
	spin_unlock_bh(&p->lock);
	__skb_queue_purge(&q);
	if (dev)
		netdev_put(dev, &p->dev_tracker);
}

int thb_path_start(struct net *net, unsigned int path, u32 ifindex, u64 interval_ns, u64 t0_ns,
		   u64 first_tick)
{
	struct thb_path *p = &paths[path];
	struct net_device *dev;

	dev = dev_get_by_index(net, ifindex);
	if (!dev)
		return -ENODEV;
	if (dev->type != ARPHRD_ETHER) {
		dev_put(dev);
		return -EOPNOTSUPP;
	}
	mutex_lock(&cfg_lock);
	path_stop(p);
	netdev_tracker_alloc(dev, &p->dev_tracker, GFP_KERNEL);
	spin_lock_bh(&p->lock);
	p->dev = dev;
	p->interval_ns = interval_ns;
	p->t0_ns = t0_ns;
	p->first_tick = first_tick;
	atomic64_set(&p->last_tick, first_tick ? first_tick - 1 : 0);
	p->running = true;
	spin_unlock_bh(&p->lock);
	timers_start(p);
	pr_info("path %u: beating on %s every %llu us from tick %llu, %u timers\n", path, dev->name,
		interval_ns / 1000, first_tick, p->n_timers);
	mutex_unlock(&cfg_lock);
	return 0;
}

void thb_path_stop(unsigned int path)
{
	struct thb_path *p = &paths[path];

	mutex_lock(&cfg_lock);
	if (p->running || p->dev)
		pr_info("path %u: stopped\n", path);
	path_stop(p);
	mutex_unlock(&cfg_lock);
}

static struct sk_buff *frame_skb(struct net_device *dev, const void *data, size_t len)
{
	struct sk_buff *skb = alloc_skb(LL_RESERVED_SPACE(dev) + len, GFP_KERNEL);

	if (!skb)
		return NULL;
	skb_reserve(skb, LL_RESERVED_SPACE(dev));
	skb_put_data(skb, data, len);
	skb_reset_mac_header(skb);
	skb_set_network_header(skb, ETH_HLEN);
	skb->protocol = eth_hdr(skb)->h_proto;
	skb->priority = TC_PRIO_CONTROL;
	skb->dev = dev;
	return skb;
}

int thb_lease_frame(unsigned int path, u64 tick, const void *data, size_t len, bool send_now)
{
	struct thb_path *p = &paths[path];
	struct sk_buff *skb, *old = NULL;
	struct thb_slot *s;
	u64 now = ktime_get_ns(), cur;
	int err = 0;

	if (len < TWIN_HB_FRAME_MIN || len > TWIN_HB_FRAME_MAX)
		return -EMSGSIZE;
	mutex_lock(&cfg_lock);
	if (!p->running || !p->dev) {
		err = -ENODEV;
		goto out;
	}
	if (len > p->dev->mtu + ETH_HLEN) {
		err = -EMSGSIZE;
		goto out;
	}
	cur = tick_of(p, now);
	if (tick < p->first_tick || tick + 1 < cur)
		goto out; /* its time is gone: nothing to send */
	if (tick >= cur + TWIN_HB_RING_SLOTS - 1 ||
	    tick_time(p, tick) > now + max_t(u64, TWIN_HB_LEASE_MAX_NS, 2 * p->interval_ns)) {
		err = -ERANGE;
		goto out;
	}
	skb = frame_skb(p->dev, data, len);
	if (!skb) {
		err = -ENOMEM;
		goto out;
	}
	s = &p->ring[tick % TWIN_HB_RING_SLOTS];
	spin_lock_bh(&p->lock);
	if (!p->running) {
		err = -ENODEV;
		old = skb;
	} else {
		old = s->skb;
		s->skb = skb;
		s->tick = tick;
	}
	spin_unlock_bh(&p->lock);
	kfree_skb(old);
	if (!err && send_now && claim(p, tick)) {
		local_bh_disable();
		send_tick(p, tick, now);
		local_bh_enable();
	}
out:
	mutex_unlock(&cfg_lock);
	return err;
}

void thb_lease_flush(unsigned int path)
{
	struct thb_path *p = &paths[path];
	struct sk_buff_head q;

	__skb_queue_head_init(&q);
	spin_lock_bh(&p->lock);
	ring_take_all(p, &q);
	spin_unlock_bh(&p->lock);
	__skb_queue_purge(&q);
}

void thb_path_get_stats(unsigned int path, struct thb_path_stats *st)
{
	struct thb_path *p = &paths[path];
	unsigned int i;

	memset(st, 0, sizeof(*st));
	spin_lock_bh(&p->lock);
	st->running = p->running;
	st->ifindex = p->dev ? p->dev->ifindex : 0;
	for (i = 0; i < TWIN_HB_RING_SLOTS; i++)
		if (p->ring[i].skb && p->ring[i].tick > st->lease_end)
			st->lease_end = p->ring[i].tick;
	spin_unlock_bh(&p->lock);
	st->sent = atomic64_read(&p->sent);
	st->dry = atomic64_read(&p->dry);
	st->missed = atomic64_read(&p->missed);
	st->worst_late_ns = atomic64_read(&p->worst_late);
	st->xmit_err = atomic64_read(&p->xmit_err);
	st->last_tick = atomic64_read(&p->last_tick);
}

u64 thb_last_send_ns(void)
{
	return atomic64_read(&last_send_ns);
}

/*
 * A device going away takes its path down with it; down/up and renames
 * need nothing (the ifindex and the reference stay).
 */
static int netdev_event(struct notifier_block *nb, unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	unsigned int i;

	if (event != NETDEV_UNREGISTER)
		return NOTIFY_DONE;
	mutex_lock(&cfg_lock);
	for (i = 0; i < TWIN_HB_PATHS; i++) {
		if (paths[i].dev == dev) {
			pr_warn("path %u: %s is going away: stopped\n", i, dev->name);
			path_stop(&paths[i]);
		}
	}
	mutex_unlock(&cfg_lock);
	return NOTIFY_DONE;
}

static struct notifier_block netdev_nb = {.notifier_call = netdev_event};

int thb_beacon_init(void)
{
	unsigned int i;

	for (i = 0; i < TWIN_HB_PATHS; i++)
		spin_lock_init(&paths[i].lock);
	return register_netdevice_notifier(&netdev_nb);
}

void thb_beacon_exit(void)
{
	unsigned int i;

	unregister_netdevice_notifier(&netdev_nb);
	mutex_lock(&cfg_lock);
	for (i = 0; i < TWIN_HB_PATHS; i++)
		path_stop(&paths[i]);
	mutex_unlock(&cfg_lock);
}
