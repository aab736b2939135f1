#define _GNU_SOURCE
#include "beat_lease.h"

#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "fence_loader.h"

/* One tick's frames behind a seqlock: the main loop writes, the senders
 * read without ever waiting for it. */
struct slot {
	_Atomic uint32_t ver; /* odd while being written */
	uint64_t tick;	      /* 0 = empty */
	struct lease_frames fr;
};

struct sender {
	struct beat_lease *l;
	unsigned idx;
	int tfd;
	pthread_t thr;
	int started;
};

struct beat_lease {
	struct beat_lease_cfg cfg;
	uint64_t t0_ns;
	unsigned ticks;
	struct slot slot[LEASE_SLOTS];
	_Atomic uint64_t last_sent;   /* highest tick claimed by a sender */
	_Atomic uint64_t paused_from; /* the kernel beacon sends from this tick on */
	_Atomic int stop;
	struct sender snd[LEASE_MAX_THREADS];
	unsigned n;
	_Atomic uint64_t sent, dry, late, sent_by[LEASE_MAX_THREADS];
};

uint64_t lease_tick(const struct beat_lease *l, uint64_t t)
{
	return t < l->t0_ns ? 0 : (t - l->t0_ns) / l->cfg.interval_ns;
}

uint64_t lease_tick_time(const struct beat_lease *l, uint64_t tick)
{
	return l->t0_ns + tick * l->cfg.interval_ns;
}

unsigned lease_ticks(const struct beat_lease *l)
{
	return l->ticks;
}

static void slot_write(struct slot *s, uint64_t tick, const struct lease_frames *f)
{
	uint32_t v = atomic_load_explicit(&s->ver, memory_order_relaxed);

	atomic_store_explicit(&s->ver, v + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	s->tick = tick;
	memcpy(&s->fr, f, sizeof(*f));
	atomic_store_explicit(&s->ver, v + 2, memory_order_release);
}

void lease_put(struct beat_lease *l, uint64_t tick, const struct lease_frames *f)
{
	slot_write(&l->slot[tick % LEASE_SLOTS], tick, f);
}

/* Copy out tick's frames; 0 if the slot holds another tick (ring dry). */
static int slot_read(struct beat_lease *l, uint64_t tick, struct lease_frames *out)
{
	struct slot *s = &l->slot[tick % LEASE_SLOTS];

	for (int tries = 0; tries < 8; tries++) {
		uint32_t v1 = atomic_load_explicit(&s->ver, memory_order_acquire);
		if (v1 & 1)
			continue;
		uint64_t t = s->tick;
		memcpy(out, &s->fr, sizeof(*out));
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&s->ver, memory_order_relaxed) == v1)
			return t == tick;
	}
	return 0; /* the writer kept it busy: skip rather than wait */
}

int lease_has(const struct beat_lease *l, uint64_t tick)
{
	struct lease_frames tmp;

	return slot_read((struct beat_lease *)l, tick, &tmp);
}

void lease_revoke(struct beat_lease *l)
{
	static const struct lease_frames empty;

	for (unsigned i = 0; i < LEASE_SLOTS; i++)
		slot_write(&l->slot[i], 0, &empty);
}

/* First sender to claim a tick sends it; the others skip. */
static int claim(struct beat_lease *l, uint64_t tick)
{
	uint64_t last = atomic_load(&l->last_sent);

	while (last < tick)
		if (atomic_compare_exchange_weak(&l->last_sent, &last, tick))
			return 1;
	return 0;
}

static void send_frames(struct beat_lease *l, const struct lease_frames *f)
{
	struct sockaddr_ll ll = {.sll_family = AF_PACKET,
				 .sll_protocol = htons(HB_ETHERTYPE),
				 .sll_ifindex = l->cfg.hb_ifindex,
				 .sll_halen = ETH_ALEN,
				 .sll_addr = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

	/* failures (link down, no route) are the peer's to notice as silence */
	(void)!sendto(l->cfg.pkt_fd, f->link, sizeof(f->link), MSG_DONTWAIT, (struct sockaddr *)&ll,
		      sizeof(ll));
	(void)!sendto(l->cfg.udp_fd, f->udp, sizeof(f->udp), MSG_DONTWAIT, (struct sockaddr *)&l->cfg.peer,
		      sizeof(l->cfg.peer));
	if (l->cfg.fence)
		fence_renew(l->cfg.fence, mono_ns() + l->cfg.detect_ns);
}

static void send_tick(struct beat_lease *l, uint64_t tick, unsigned idx)
{
	struct lease_frames f;

	if (tick >= atomic_load(&l->paused_from) || !claim(l, tick))
		return;
	if (!slot_read(l, tick, &f)) {
		atomic_fetch_add(&l->dry, 1);
		return;
	}
	send_frames(l, &f);
	atomic_fetch_add(&l->sent, 1);
	if (idx < LEASE_MAX_THREADS)
		atomic_fetch_add(&l->sent_by[idx], 1);
}

int lease_send_now(struct beat_lease *l, uint64_t tick)
{
	struct lease_frames f;

	if (tick >= atomic_load(&l->paused_from) || !slot_read(l, tick, &f) || !claim(l, tick))
		return 0;
	send_frames(l, &f);
	atomic_fetch_add(&l->sent, 1);
	return 1;
}

static void *sender_main(void *arg)
{
	struct sender *s = arg;
	struct beat_lease *l = s->l;

	while (!atomic_load(&l->stop)) {
		uint64_t exp;
		if (read(s->tfd, &exp, sizeof(exp)) != sizeof(exp))
			continue;
		if (atomic_load(&l->stop))
			break;
		if (exp > 1)
			atomic_fetch_add(&l->late, 1);
		/* after a stall, send the current tick, not the missed ones */
		send_tick(l, lease_tick(l, mono_ns()), s->idx);
	}
	return NULL;
}

static struct timespec ts_of(uint64_t ns)
{
	return (struct timespec){.tv_sec = (time_t)(ns / 1000000000ull),
				 .tv_nsec = (long)(ns % 1000000000ull)};
}

/* Sender idx's timer: periodic from tick `from`, or one shot at the time of
 * tick `from` (period 0) after which it stays quiet. */
static int arm_sender(struct beat_lease *l, unsigned idx, uint64_t from, int periodic)
{
	/* sender 0 beats every tick; the others stand in when its vCPU is
	 * stalled, and for that every other tick is enough (a beat every
	 * 2 intervals is far inside the detection time): half the wake-ups */
	uint64_t period = l->cfg.interval_ns * (idx ? 2 : 1);
	struct itimerspec its = {.it_interval = ts_of(periodic ? period : 0),
				 .it_value = ts_of(lease_tick_time(l, from + (idx ? 1 : 0)))};

	return timerfd_settime(l->snd[idx].tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static int start_sender(struct beat_lease *l, unsigned idx, int cpu, char *err, size_t errlen)
{
	struct sender *s = &l->snd[idx];
	pthread_attr_t attr;
	cpu_set_t cpus;
	int rc;

	s->l = l;
	s->idx = idx;
	s->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (s->tfd < 0 || arm_sender(l, idx, 1, 1) < 0) {
		snprintf(err, errlen, "beat sender timer: %s", strerror(errno));
		return -1;
	}
	pthread_attr_init(&attr);
	/* mlockall(MCL_FUTURE) pins every stack page: keep them small */
	pthread_attr_setstacksize(&attr, 64 * 1024);
	/* one sender per CPU: a host stall of one vCPU leaves the others */
	if (cpu >= 0) {
		CPU_ZERO(&cpus);
		CPU_SET(cpu, &cpus);
		pthread_attr_setaffinity_np(&attr, sizeof(cpus), &cpus);
	}
	if (l->cfg.sched_priority > 0) {
		struct sched_param sp = {.sched_priority = l->cfg.sched_priority};
		pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
		pthread_attr_setschedpolicy(&attr, SCHED_FIFO);
		pthread_attr_setschedparam(&attr, &sp);
	}
	rc = pthread_create(&s->thr, &attr, sender_main, s);
	if (rc == EPERM && l->cfg.sched_priority > 0) {
		/* no right to SCHED_FIFO: still beat, at normal priority */
		pthread_attr_setinheritsched(&attr, PTHREAD_INHERIT_SCHED);
		rc = pthread_create(&s->thr, &attr, sender_main, s);
	}
	pthread_attr_destroy(&attr);
	if (rc) {
		snprintf(err, errlen, "beat sender thread: %s", strerror(rc));
		return -1;
	}
	s->started = 1;
	return 0;
}

int lease_start(struct beat_lease **out, const struct beat_lease_cfg *cfg, uint64_t t0_ns, char *err,
		size_t errlen)
{
	struct beat_lease *l = calloc(1, sizeof(*l));
	int cpu_of[LEASE_MAX_THREADS];
	unsigned n = 0;
	cpu_set_t allowed;

	/* the CPUs this process may run on (taskset, a cgroup), not every
	 * online one: pinning a sender outside them fails */
	if (sched_getaffinity(0, sizeof(allowed), &allowed) == 0) {
		for (int c = 0; c < CPU_SETSIZE && n < LEASE_MAX_THREADS; c++)
			if (CPU_ISSET(c, &allowed))
				cpu_of[n++] = c;
	}
	if (n == 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN); /* unknown: unpinned */
		n = (unsigned)(cpus < 1 ? 1 : cpus > LEASE_MAX_THREADS ? LEASE_MAX_THREADS : cpus);
		for (unsigned i = 0; i < n; i++)
			cpu_of[i] = -1;
	}

	if (!l) {
		snprintf(err, errlen, "beat lease: out of memory");
		return -1;
	}
	l->cfg = *cfg;
	l->t0_ns = t0_ns;
	atomic_store(&l->paused_from, UINT64_MAX);
	uint64_t ticks = (cfg->lease_ns + cfg->interval_ns - 1) / cfg->interval_ns;
	l->ticks = (unsigned)(ticks < 1 ? 1 : ticks > LEASE_SLOTS - 2 ? LEASE_SLOTS - 2 : ticks);
	l->n = n;
	for (unsigned i = 0; i < LEASE_MAX_THREADS; i++)
		l->snd[i].tfd = -1;
	for (unsigned i = 0; i < l->n; i++) {
		if (start_sender(l, i, cpu_of[i], err, errlen) < 0) {
			lease_stop(l);
			return -1;
		}
	}
	*out = l;
	return 0;
}

void lease_stop(struct beat_lease *l)
{
	if (!l)
		return;
	atomic_store(&l->stop, 1);
	for (unsigned i = 0; i < LEASE_MAX_THREADS; i++) {
		if (l->snd[i].started) {
			/* a paused sender waits on a quiet timer: wake it now */
			struct itimerspec now = {.it_value = {.tv_nsec = 1}};
			timerfd_settime(l->snd[i].tfd, 0, &now, NULL);
			pthread_join(l->snd[i].thr, NULL);
		}
		if (l->snd[i].tfd >= 0)
			close(l->snd[i].tfd);
	}
	free(l);
}

void lease_pause(struct beat_lease *l, uint64_t from)
{
	atomic_store(&l->paused_from, from);
	/* each sender wakes once more, for the last tick it sends (from - 1),
	 * then stays asleep */
	for (unsigned i = 0; i < l->n; i++)
		arm_sender(l, i, from ? from - 1 : 0, 0);
}

void lease_resume(struct beat_lease *l, uint64_t now_ns)
{
	uint64_t next = lease_tick(l, now_ns) + 1;

	atomic_store(&l->paused_from, UINT64_MAX);
	for (unsigned i = 0; i < l->n; i++)
		arm_sender(l, i, next, 1);
}

int lease_paused(const struct beat_lease *l)
{
	return atomic_load(&l->paused_from) != UINT64_MAX;
}

uint64_t lease_dry(const struct beat_lease *l)
{
	return atomic_load(&l->dry);
}

void lease_get_stats(const struct beat_lease *l, struct lease_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->sent = atomic_load(&l->sent);
	s->dry = atomic_load(&l->dry);
	s->late = atomic_load(&l->late);
	s->threads = l->n;
	for (unsigned i = 0; i < LEASE_MAX_THREADS; i++)
		s->sent_by[i] = atomic_load(&l->sent_by[i]);
}
