/* twind: the failover daemon. Options, set-up, and the one epoll loop. */
#include <errno.h>
#include <linux/sched.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "arp.h"
#include "atomic_file.h"
#include "ctl_server.h"
#include "daemon.h"
#include "beacon.h"
#include "diag_ctl.h"
#include "event_log.h"
#include "fence_loader.h"
#include "fence_peer_ctl.h"
#include "hb_xdp_loader.h"
#include "health.h"
#include "cluster.h"
#include "jobs.h"
#include "log.h"
#include "notify.h"
#include "persist.h"
#include "replica.h"
#include "split_brain_ctl.h"
#include "witness.h"
#include "subproc.h"
#include "vip.h"
#include "nd.h"

#define MEMBERSHIP_TIMEOUT_MS 120000

enum {
	T_SIG = 1,
	T_BEAT,
	T_DEAD,
	T_ACTION,
	T_RING,
	T_UDP,
	T_ARP,
	T_HEALTH,
	T_CTL,
	T_NOTIFY,
	T_JOBS,
	T_PEER,
	T_CLTIMER,
	T_DRBD,
	T_DRBD9,
	T_SB,
	T_FENCE,
	T_WITNESS,
	T_BEACON,
	T_ND
};

static void usage(FILE *f)
{
	fprintf(f, "usage: twind [-f CONFIG] [-t] [-s] [-v] [--print-fsm]\n"
		   "  -f CONFIG    configuration file (default /etc/twin/twin.conf)\n"
		   "  -t           check the configuration and exit (0 = valid)\n"
		   "  -s           log to syslog as well as stderr\n"
		   "  -v           verbose (debug) logging\n"
		   "  --print-fsm  print the state machine's transition table\n");
}

static int add_fd(struct twind *d, int fd, uint32_t tag)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = tag};

	return epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev);
}

static void realtime_setup(struct twind *d)
{
	/* a page fault or a CFS time slice must not delay a beat */
	if (mlockall(MCL_CURRENT | MCL_FUTURE) < 0)
		log_warn("mlockall: %s (beats may be delayed by paging)", strerror(errno));
	if (d->cfg.sched_priority > 0) {
		struct sched_param sp = {.sched_priority = d->cfg.sched_priority};
		if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp) < 0)
			log_warn("SCHED_FIFO %d: %s (running at normal priority)", d->cfg.sched_priority,
				 strerror(errno));
	}
}

/* The loop's own tick: the sender threads beat every interval from the
 * signed lease, so the loop only refills it, runs the FSM's timers and
 * judges the paths, at (misses - 1) intervals: fewer wake-ups, and the
 * peer's death is still judged on time by its own timer. */
static uint64_t main_tick_ns(const struct twind *d)
{
	uint32_t n = d->cfg.hb_misses > 1 ? d->cfg.hb_misses - 1 : 1;
	uint64_t iv = (uint64_t)d->cfg.hb_interval_us * 1000ull, t = iv * n;

	/* ...but often enough for the UDP queue and the FSM's timers */
	return t > 50000000ull ? (iv > 50000000ull ? iv : 50000000ull) : t;
}

static int setup_timers(struct twind *d, char *err, size_t errlen)
{
	struct itimerspec its = {0};
	uint64_t iv = main_tick_ns(d), first = mono_ns() + iv;

	d->beat_tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	d->action_tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	d->dead_tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (d->beat_tfd < 0 || d->action_tfd < 0 || d->dead_tfd < 0) {
		snprintf(err, errlen, "timerfd: %s", strerror(errno));
		return -1;
	}
	/* absolute and periodic: the cadence does not drift with our work */
	its.it_interval.tv_sec = (time_t)(iv / 1000000000ull);
	its.it_interval.tv_nsec = (long)(iv % 1000000000ull);
	its.it_value.tv_sec = (time_t)(first / 1000000000ull);
	its.it_value.tv_nsec = (long)(first % 1000000000ull);
	return timerfd_settime(d->beat_tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* One twind per state directory: a second instance must fail before it
 * touches XDP, the fence or the failover IP of the running one. */
static int take_lock(struct twind *d, char *err, size_t errlen)
{
	char path[CFG_PATH_MAX + 16], pid[16];

	snprintf(path, sizeof(path), "%s/twind.lock", d->cfg.state_dir);
	d->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (d->lock_fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(d->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		ssize_t n = pread(d->lock_fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = 0;
		pid[strcspn(pid, "\n")] = 0;
		snprintf(err, errlen, "another twind (pid %s) is running with state_dir %s",
			 pid[0] ? pid : "?", d->cfg.state_dir);
		close(d->lock_fd);
		d->lock_fd = -1;
		return -1;
	}
	int len = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(d->lock_fd, 0) < 0 || pwrite(d->lock_fd, pid, (size_t)len, 0) != len)
		log_warn("%s: cannot record our pid", path);
	return 0;
}

static int setup_signals(struct twind *d, char *err, size_t errlen)
{
	sigset_t ss;

	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGHUP);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	signal(SIGPIPE, SIG_IGN);
	d->sigfd = signalfd(-1, &ss, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d->epfd < 0 || d->sigfd < 0) {
		snprintf(err, errlen, "epoll/signalfd: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Not paired yet: only the control socket and the peer channel, so that
 * `twinctl cluster create` can pair this node (or its peer can). */
/* After a dissolve, the node that was Active goes on serving the failover
 * IP on its own (state_dir/standalone.vip). */
static int standalone_vip(struct twind *d, char *err, size_t errlen)
{
	char path[CFG_PATH_MAX + 32], *text = NULL, *slash;
	size_t len;
	struct cfg_vip *v = &d->cfg.vips[0];

	snprintf(path, sizeof(path), "%s/%s", d->cfg.state_dir, STANDALONE_VIP_FILE);
	int r = atomic_file_read(path, 64, &text, &len, NULL, err, errlen);
	if (r != 0)
		return r < 0 ? -1 : 0;
	text[strcspn(text, "\n")] = 0;
	slash = strchr(text, '/');
	if (!slash || (*slash = 0, inet_pton(AF_INET, text, &v->addr)) != 1) {
		snprintf(err, errlen, "%s: not A.B.C.D/N", path);
		atomic_file_free(text, len);
		return -1;
	}
	v->family = AF_INET; /* a dissolved pair's: cluster.state is IPv4 */
	v->prefix = (uint8_t)atoi(slash + 1);
	atomic_file_free(text, len);
	snprintf(v->dev, sizeof(v->dev), "%s", d->cfg.lan_interface);
	d->cfg.n_vips = 1;
	if (vip_open(&d->vip, err, errlen) < 0 || vip_add(d->vip, v, err, errlen) < 0 ||
	    arp_open(&d->arp, d->cfg.lan_interface, err, errlen) < 0)
		return -1;
	d->holds_vip = 1;
	for (uint32_t i = 0; i < d->cfg.garp_count; i++) {
		arp_send_garp(d->arp, v->addr);
		if (i + 1 < d->cfg.garp_count)
			usleep(d->cfg.garp_interval_ms * 1000); /* no peer, no beats to delay */
	}
	log_info("standalone: serving the failover IP %s/%u kept from the dissolved pair", inet_ntoa(v->addr),
		 v->prefix);
	return 0;
}

static int setup_standalone(struct twind *d, char *err, size_t errlen)
{
	char sb[CFG_PATH_MAX + 32];

	/* a split brain of a dissolved pair is over: the next pair starts clean */
	snprintf(sb, sizeof(sb), "%s/%s", d->cfg.state_dir, SPLIT_BRAIN_FILE);
	unlink(sb);
	log_info("standalone: no pair configured; waiting for 'twinctl cluster create' (control port %u)",
		 d->cfg.control_port);
	if (standalone_vip(d, err, errlen) < 0)
		return -1;
	if (setup_signals(d, err, errlen) < 0 ||
	    ctl_server_open(&d->ctl, d->cfg.control_socket, d->cfg.control_group, status_handler, d, err,
			    errlen) < 0)
		return -1;
	if (add_fd(d, d->sigfd, T_SIG) || add_fd(d, ctl_server_fd(d->ctl), T_CTL) ||
	    add_fd(d, cluster_fd(d), T_PEER) || add_fd(d, cluster_timer_fd(d), T_CLTIMER)) {
		snprintf(err, errlen, "epoll_ctl: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int setup(struct twind *d, char *err, size_t errlen)
{
	uint64_t epoch = 0;

	if (d->cfg.static_pair && hb_key_load(d->cfg.key_file, &d->key, err, errlen) < 0)
		return -1;
	if (persist_mkdir(d->cfg.state_dir, err, errlen) < 0 || take_lock(d, err, errlen) < 0)
		return -1;
	if (elog_open(d, err, errlen) < 0 || cluster_open(d, err, errlen) < 0)
		return -1;
	if (cluster_mode(d) == CLUSTER_STANDALONE)
		return setup_standalone(d, err, errlen);
	if (persist_read_u64(d->cfg.state_dir, "epoch", &epoch, err, errlen) < 0)
		return -1;
	d->detect_ns = (uint64_t)d->cfg.hb_interval_us * d->cfg.hb_misses * 1000ull;
	peer_init(&d->peer, d->detect_ns);
	/* first: it knows whether a split brain is still pending */
	if (sbc_open(d, T_SB, err, errlen) < 0 || fpc_open(d, T_FENCE, err, errlen) < 0)
		return -1;
	struct fsm_config fc = {.priority = d->cfg.priority,
				.node_id = d->cfg.node_id,
				.peer_id = d->cfg.peer_id,
				.startup_wait_ms = d->cfg.startup_wait_ms,
				.auto_failback = d->cfg.auto_failback,
				.failover_enabled = d->cfg.failover_enabled,
				.probe = d->cfg.arp_probe_ms > 0,
				.data_replicated = d->cfg.drbd_resource[0] != 0,
				.split_brain_pending = sbc_pending_at_start(d),
				.witness = d->cfg.n_witness > 0};
	fsm_init(&d->fsm, &fc, epoch, mono_ns() / 1000000ull);
	d->state_since_real_s = real_ns() / 1000000000ull;

	if (setup_signals(d, err, errlen) < 0)
		return -1;
	drbd_ctl_init(&d->drbd);
	d->drbd_tag = T_DRBD;
	drbd9_watch_init(&d->drbd9);
	d->drbd9_tag = T_DRBD9;
	if (d->cfg.n_witness) {
		if (witness_open(&d->witness, &d->cfg, 0, err, errlen) < 0 ||
		    add_fd(d, witness_fd(d->witness), T_WITNESS))
			return -1;
		log_info("witness: %zu address(es), timeout %u ms", d->cfg.n_witness,
			 witness_timeout_ms(d->witness));
	}
	struct in_addr addrs[CFG_MAX_VIPS];
	struct in6_addr addrs6[CFG_MAX_VIPS];
	if (vip_open(&d->vip, err, errlen) < 0 || arp_open(&d->arp, d->cfg.lan_interface, err, errlen) < 0)
		return -1;
	vg_init(&d->vg, d->cfg.vips, d->cfg.n_vips, d->vip, d->arp, NULL);
	if (vg_has_v6(&d->vg)) {
		if (nd_open(&d->nd, err, errlen) < 0)
			return -1;
		d->vg.nd = d->nd;
	}
	size_t n4 = vg_v4(&d->vg, addrs), n6 = vg_v6(&d->vg, addrs6);
	/* watching nothing means every frame: only with IPv4 addresses */
	if (n4 && arp_watch(d->arp, addrs, n4) < 0) {
		snprintf(err, errlen, "ARP watch on %s: %s", d->cfg.lan_interface, strerror(errno));
		return -1;
	}
	char ferr[256] = "";
	int r = fence_open6(&d->fence, d->cfg.lan_interface, addrs, (int)n4, addrs6, (int)n6,
			    d->cfg.xdp_mode == 1, ferr, sizeof(ferr));
	if (r < 0) {
		snprintf(err, errlen, "lease fence on %s: %s", d->cfg.lan_interface, ferr);
		return -1;
	}
	if (ferr[0])
		log_warn("lease fence on %s: %s", d->cfg.lan_interface, ferr);
	fence_renew(d->fence, mono_ns() + d->detect_ns);
	fence_arm(d->fence, 1);
	/* a node starts without the failover IP: a killed predecessor may
	 * have left it configured */
	act_release_all(d, "start-up");
	if (beat_open(d, err, errlen) < 0)
		return -1;
	if (health_open(&d->health, &d->cfg, err, errlen) < 0 ||
	    notify_open(&d->notify, &d->cfg, err, errlen) < 0 ||
	    jobs_open(&d->jobs, &d->cfg, err, errlen) < 0)
		return -1;
	if (ctl_server_open(&d->ctl, d->cfg.control_socket, d->cfg.control_group, status_handler, d, err,
			    errlen) < 0)
		return -1;
	if (setup_timers(d, err, errlen) < 0)
		return -1;
	if (add_fd(d, d->sigfd, T_SIG) || add_fd(d, d->beat_tfd, T_BEAT) || add_fd(d, d->dead_tfd, T_DEAD) ||
	    add_fd(d, d->action_tfd, T_ACTION) || add_fd(d, hbx_ring_fd(d->xdp), T_RING) ||
	    add_fd(d, arp_fd(d->arp), T_ARP) || (d->nd && add_fd(d, nd_fd(d->nd), T_ND)) ||
	    add_fd(d, health_fd(d->health), T_HEALTH) || add_fd(d, ctl_server_fd(d->ctl), T_CTL) ||
	    add_fd(d, notify_fd(d->notify), T_NOTIFY) || add_fd(d, jobs_fd(d->jobs), T_JOBS) ||
	    add_fd(d, cluster_fd(d), T_PEER) || add_fd(d, cluster_timer_fd(d), T_CLTIMER) ||
	    (beacon_watch_fd(d->beacon) >= 0 && add_fd(d, beacon_watch_fd(d->beacon), T_BEACON))) {
		snprintf(err, errlen, "epoll_ctl: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* The peer is judged at the exact moment its silence would reach the
 * detection time, not at the next tick. */
static void arm_dead_timer(struct twind *d, uint64_t at)
{
	struct itimerspec its = {
	    .it_value = {.tv_sec = (time_t)(at / 1000000000ull), .tv_nsec = (long)(at % 1000000000ull)}};

	timerfd_settime(d->dead_tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* The beats' events go to the state machine from here: the receiver only
 * reports them. */
static void on_cluster(struct twind *d, int ask)
{
	if ((ask & CLUSTER_ASK_RELEASE) && d->fsm.state == NS_ACTIVE)
		act_event(d, FE_ADMIN_RELEASE);
}

static void on_drbd(struct twind *d)
{
	char msg[300];
	int ok;

	if (replica_on_event(d, &ok, msg, sizeof(msg)))
		act_promoted(d, ok, msg);
}

static void on_beats(struct twind *d, int ev)
{
	if (ev)
		act_peer_beat(d, ev & ~BEAT_RX_ANY);
}

static void receive(struct twind *d)
{
	on_beats(d, beat_on_ring(d));
	on_beats(d, beat_on_udp(d));
}

static void judge_peer(struct twind *d, uint64_t late_ns)
{
	/* frames that arrived while we were busy or stalled count first, with
	 * their kernel receive times */
	receive(d);
	if (late_ns > (uint64_t)d->cfg.hb_interval_us * 1000ull) {
		/* we were stalled ourselves: frames sent meanwhile may still be
		 * on their way through another CPU. Judge one interval later */
		d->beat_overruns++;
		arm_dead_timer(d, mono_ns() + (uint64_t)d->cfg.hb_interval_us * 1000ull);
		return;
	}
	act_check_peer(d);
}

static void on_beat_tick(struct twind *d)
{
	uint64_t expirations = 0;

	if (read(d->beat_tfd, &expirations, sizeof(expirations)) != sizeof(expirations))
		return;
	receive(d);
	if (replica_enabled(d))
		d->drbd_st_ok = replica_read(d, &d->drbd_st) == 0;
	beat_refill(d);
	act_event(d, FE_TICK);
	alarms_check_held(d);
	sbc_tick(d);
	fpc_tick(d);
	if (expirations > 1)
		d->beat_overruns += expirations - 1; /* our own stall: no verdict now */
	else
		act_check_peer(d); /* one path's silence, e.g. heartbeat link down */
	/* the next tick judges the peer unless its deadline comes first */
	uint64_t deadline = peer_deadline(&d->peer);
	arm_dead_timer(d, deadline && deadline < mono_ns() + main_tick_ns(d) ? deadline : 0);
}

static void on_dead_timer(struct twind *d)
{
	uint64_t x, deadline = peer_deadline(&d->peer), now = mono_ns();

	if (read(d->dead_tfd, &x, sizeof(x)) != sizeof(x) || !deadline)
		return;
	judge_peer(d, now > deadline ? now - deadline : 0);
	/* fresh beats moved the deadline: watch it unless the next tick will */
	deadline = peer_deadline(&d->peer);
	now = mono_ns();
	if (deadline > now && deadline < now + main_tick_ns(d))
		arm_dead_timer(d, deadline);
}

/* Degraded: some monitored interface down; a peer that is not serves
 * better. The rules read it at the peer's next beat, so the peer hears it
 * now. (An unreached witness does not count: both nodes usually share it,
 * and the two would see it go at slightly different times and hand the IP
 * over for nothing.) */
static void set_degraded(struct twind *d)
{
	int was = d->fsm.degraded;

	d->fsm.degraded = d->health && health_level(d->health) == HEALTH_DEGRADED;
	if (was != d->fsm.degraded && d->lease)
		beat_now(d);
}

static void on_witness(struct twind *d)
{
	char text[160];

	witness_dispatch(d->witness, mono_ns() / 1000000ull);
	if (witness_changed(d->witness)) {
		witness_summary(d->witness, mono_ns() / 1000000ull, text, sizeof(text));
		log_info("%s", text);
		if (witness_reached(d->witness, mono_ns() / 1000000ull))
			d->witness_back_ms = mono_ns() / 1000000ull;
	}
	int reached = act_witness_reached(d);
	if (reached == d->fsm.witness_reached)
		return;
	if (reached)
		alarm_clear(d, "witness unreachable");
	else
		alarm_set(d, "witness unreachable: serving alone is not allowed");
	act_event(d, reached ? FE_WITNESS_OK : FE_WITNESS_LOST);
}

static void on_health(struct twind *d)
{
	health_dispatch(d->health, mono_ns() / 1000000ull);
	if (!health_changed(d->health))
		return;
	enum health_level level = health_level(d->health);
	int was_healthy = d->fsm.healthy;

	/* one alarm, naming what is down now */
	alarm_clear(d, "local health");
	if (level != HEALTH_OK) {
		char text[96];
		snprintf(text, sizeof(text), "local health %s: %s", health_level_name(level),
			 health_reason(d->health));
		alarm_set(d, text);
	}
	d->fsm.healthy = level != HEALTH_FAILED; /* FE_HEALTH_* below make the transition */
	if (was_healthy && !d->fsm.healthy)
		act_event(d, FE_HEALTH_FAIL);
	else if (!was_healthy && d->fsm.healthy)
		act_event(d, FE_HEALTH_OK);
	set_degraded(d);
}

static void on_signal(struct twind *d)
{
	struct signalfd_siginfo si;

	while (read(d->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			log_info("SIGHUP: configuration reload needs a restart (twind keeps running)");
			continue;
		}
		log_info("signal %u: shutting down", si.ssi_signo);
		d->stop = 1;
	}
}

static void shutdown_daemon(struct twind *d)
{
	if (d->lock_fd < 0)
		return; /* never got as far as touching anything */
	/* a shutdown is no hung daemon: the kernel must not fence (reboot)
	 * while the release below takes its time; the XDP fence still guards */
	if (d->beacon)
		beacon_arm(d->beacon, 0, 0);
	/* leave gracefully: drop the IP, then tell the peer we are gone so it
	 * takes over now instead of after the detection time */
	if (d->vip && !d->keep_vip)
		act_release_all(d, "shutdown");
	d->fsm.state = NS_INACTIVE;
	d->fsm.healthy = 0;
	if (d->jobs)
		jobs_set_active(d->jobs, 0);
	beat_farewell(d);
	beat_close(d);
	if (d->fence)
		fence_close(d->fence);
	if (d->ctl)
		ctl_server_close(d->ctl);
	cluster_close(d);
	diag_close(d); /* after the peer channel: no answer comes any more */
	elog_close(d);
	sbc_close(d);
	fpc_close(d);
	if (d->witness)
		witness_close(d->witness);
	if (d->drbd9.pid > 0)
		drbd9_watch_stop(&d->drbd9);
	if (d->health)
		health_close(d->health);
	if (d->jobs)
		jobs_close(d->jobs);
	if (d->notify) {
		/* the stop hook runs after the IP is gone and the peer told */
		notify_state(d->notify, d->fsm.state, NOTIFY_SHUTDOWN, "twind stopping", d->fsm.epoch);
		notify_drain(d->notify, (int)d->cfg.notify_timeout_ms);
		notify_close(d->notify);
	}
	if (d->arp)
		arp_close(d->arp);
	if (d->nd)
		nd_close(d->nd);
	if (d->vip)
		vip_close(d->vip);
}

static int run(struct twind *d)
{
	if (cluster_mode(d) != CLUSTER_STANDALONE)
		act_event(d, FE_START);
	while (!d->stop) {
		struct epoll_event evs[16];
		int n = epoll_wait(d->epfd, evs, 16, -1);
		unsigned ready = 0;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_err("epoll_wait: %s", strerror(errno));
			return -1;
		}
		uint64_t t0 = mono_ns();
		for (int i = 0; i < n; i++)
			ready |= 1u << evs[i].data.u32;
		/* a stall past the lease is known before any beat is judged */
		act_check_lapse(d);
		/* receive before anything judges the peer */
		if (ready & (1u << T_RING))
			on_beats(d, beat_on_ring(d));
		if (ready & (1u << T_UDP))
			on_beats(d, beat_on_udp(d));
		if (ready & (1u << T_BEAT))
			on_beat_tick(d);
		if (ready & (1u << T_DEAD))
			on_dead_timer(d);
		if (ready & (1u << T_ARP))
			act_on_arp(d);
		if (ready & (1u << T_ND))
			act_on_nd(d);
		if (ready & (1u << T_ACTION)) {
			uint64_t x;
			if (read(d->action_tfd, &x, sizeof(x)) < 0 && errno != EAGAIN)
				log_debug("action timer: %s", strerror(errno));
			act_on_timer(d);
		}
		if (ready & (1u << T_HEALTH))
			on_health(d);
		if (ready & (1u << T_CTL))
			ctl_server_handle(d->ctl);
		if (ready & (1u << T_NOTIFY))
			notify_dispatch(d->notify, mono_ns() / 1000000ull);
		if (ready & (1u << T_JOBS))
			jobs_dispatch(d->jobs, mono_ns() / 1000000ull);
		if (ready & (1u << T_DRBD))
			on_drbd(d);
		if (ready & (1u << T_DRBD9))
			replica_on_events2(d);
		if (ready & (1u << T_SB))
			sbc_on_child(d);
		if (ready & (1u << T_FENCE))
			fpc_on_child(d);
		if (ready & (1u << T_WITNESS))
			on_witness(d);
		if (ready & (1u << T_BEACON))
			beat_on_beacon(d);
		if (ready & (1u << T_PEER))
			on_cluster(d, cluster_dispatch(d));
		if (ready & (1u << T_CLTIMER))
			on_cluster(d, cluster_on_timer(d));
		if (ready & (1u << T_SIG))
			on_signal(d);
		uint64_t t1 = mono_ns();
		loop_stats_add(&d->loop, t1, t1 - t0);
	}
	return 0;
}

/* membership_command, between the stored change and the restart: what the
 * pair shares outside twind (DRBD, addresses) is ready when it starts. Runs
 * like every other command of ours (subproc: own process group, clean
 * signal state), but waited for: nothing else is running any more. */
static void membership_hook(const struct twind *d)
{
	char cmd[CFG_CMD_MAX + 16], how[64];
	char *argv[] = {"sh", "-c", cmd, NULL};
	struct subproc sp;
	int status = -1, ep;

	if (!d->cfg.membership_command[0])
		return;
	snprintf(cmd, sizeof(cmd), "%s %s", d->cfg.membership_command, d->paired ? "paired" : "dissolved");
	log_info("membership: running %s", cmd);
	subproc_init(&sp);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0 || subproc_start(&sp, ep, 0, argv, NULL) < 0) {
		log_err("membership: cannot run %s: %s", cmd, strerror(errno));
		if (ep >= 0)
			close(ep);
		return;
	}
	uint64_t end = mono_ns() + MEMBERSHIP_TIMEOUT_MS * 1000000ull;
	while (!subproc_check(&sp, &status)) {
		struct epoll_event ev;
		if (mono_ns() > end) {
			log_err("membership: %s still running after %d s: killed", cmd,
				MEMBERSHIP_TIMEOUT_MS / 1000);
			subproc_abort(&sp, 1000);
			close(ep);
			return;
		}
		epoll_wait(ep, &ev, 1, 1000);
	}
	close(ep);
	subproc_status_str(status, how, sizeof(how));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		log_info("membership: %s done", cmd);
	else
		log_err("membership: %s failed (%s)%s%s", cmd, how, sp.errlen ? ": " : "", sp.errline);
}

int main(int argc, char **argv)
{
	static struct twind d;
	static const struct option opts[] = {{"print-fsm", no_argument, NULL, 'P'},
					     {"help", no_argument, NULL, 'h'},
					     {"version", no_argument, NULL, 'V'},
					     {0}};
	const char *path = "/etc/twin/twin.conf";
	int check = 0, use_syslog = 0, verbose = 0, c;
	char err[512];

	while ((c = getopt_long(argc, argv, "f:tsvh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			path = optarg;
			break;
		case 't':
			check = 1;
			break;
		case 's':
			use_syslog = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'P':
			fsm_print_table(stdout);
			return 0;
		case 'V':
			printf("twind %s\n", TWIN_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (config_parse_file(path, &d.cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "twind: %s\n", err);
		return 1;
	}
	if (check) {
		if (d.cfg.static_pair && hb_key_load(d.cfg.key_file, &d.key, err, sizeof(err)) < 0) {
			fprintf(stderr, "twind: %s: %s\n", path, err);
			return 1;
		}
		printf("twind: %s: configuration OK\n", path);
		return 0;
	}
	d.config_path = path;
	d.lock_fd = d.pkt_fd = d.udp_fd = -1;
	log_open("twind", use_syslog, verbose);
	log_info("twind %s starting: node %s (id %u), peer id %u, cluster 0x%x", TWIN_VERSION,
		 d.cfg.node_name, d.cfg.node_id, d.cfg.peer_id, d.cfg.cluster_id);
	realtime_setup(&d);
	if (setup(&d, err, sizeof(err)) < 0) {
		log_err("%s", err);
		shutdown_daemon(&d);
		return 1;
	}
	int rc = run(&d);
	shutdown_daemon(&d);
	if (d.reexec) {
		/* membership changed: start again from the new configuration */
		membership_hook(&d);
		log_info("restarting");
		execv("/proc/self/exe", argv);
		log_err("exec: %s", strerror(errno));
		return 1;
	}
	log_info("stopped");
	return rc < 0 ? 1 : 0;
}
