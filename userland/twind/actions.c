/* Feeds the state machine and carries out what it decides: duplicate check
 * (ARP probe, IPv6 NS), claim (failover addresses + gratuitous ARP / NA),
 * release, epoch, alarms. The order of a takeover is docs/ARCHITECTURE.md,
 * "Takeover order": probe -> DRBD promote -> add the addresses in config
 * order -> announcement burst -> epoch+1, hooks and jobs queued. The group
 * itself (order, rollback, the sockets) is vip_group.c. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/timerfd.h>

#include "arp.h"
#include "beacon.h"
#include "daemon.h"
#include "beat_lease.h"
#include "fence_loader.h"
#include "health.h"
#include "cluster.h"
#include "jobs.h"
#include "log.h"
#include "replica.h"
#include "split_brain_ctl.h"
#include "witness.h"
#include "notify.h"
#include "persist.h"
#include "vip.h"
#include "vip_group.h"

static void apply(struct twind *d, struct fsm_result r);
static void finish_claim(struct twind *d);
static void claim_start(struct twind *d);
static void replica_peer_changed(struct twind *d);

void alarm_set(struct twind *d, const char *text)
{
	struct alarm old;
	int rc = alarm_list_set(&d->alarms, text, real_ns() / 1000000ull, mono_ms(), &old);

	if (rc == 0)
		return; /* already raised: it keeps its first time */
	log_warn("ALARM: %s", text);
	cluster_event(d, "alarm", "raised: %s", text);
	if (rc == 2) /* the list keeps the newest */
		cluster_event(d, "alarm", "dropped (too many alarms): %s", old.text);
}

void alarm_clear(struct twind *d, const char *prefix)
{
	struct alarm gone[ALARM_MAX];
	size_t n = alarm_list_clear(&d->alarms, prefix, gone, ALARM_MAX);

	for (size_t i = 0; i < n && i < ALARM_MAX; i++) {
		log_info("alarm cleared: %s", gone[i].text);
		cluster_event(d, "alarm", "cleared: %s", gone[i].text);
	}
}

/* For alarm texts that begin with a variable part: clear each alarm whose
 * text contains needle. */
static void alarm_clear_containing(struct twind *d, const char *needle)
{
	char text[ALARM_TEXT_MAX];

	for (unsigned i = 0; i < d->alarms.n;) {
		if (!strstr(d->alarms.a[i].text, needle)) {
			i++;
			continue;
		}
		snprintf(text, sizeof(text), "%s", d->alarms.a[i].text);
		alarm_clear(d, text); /* the whole text is its own prefix */
	}
}

int alarm_ack(struct twind *d, const char *which, const char *who, char *msg, size_t len)
{
	int was[ALARM_MAX];

	for (unsigned i = 0; i < d->alarms.n; i++)
		was[i] = d->alarms.a[i].acked;
	int n = alarm_list_ack(&d->alarms, which, who, real_ns() / 1000000ull);
	if (n < 0)
		return snprintf(msg, len, "no active alarm %s (twinctl status numbers them)", which), -1;
	for (unsigned i = 0; i < d->alarms.n; i++) /* ack never reorders the list */
		if (d->alarms.a[i].acked && !was[i]) {
			log_info("alarm acknowledged by %s: %s", who, d->alarms.a[i].text);
			cluster_event(d, "alarm", "acknowledged by %s: %s", who, d->alarms.a[i].text);
		}
	if (n == 0)
		snprintf(msg, len, "already acknowledged");
	else
		snprintf(msg, len, "%d alarm%s acknowledged", n, n == 1 ? "" : "s");
	return 0;
}

void alarms_check_held(struct twind *d)
{
	if (!d->alarms.n)
		return;
	if (d->holds_vip && d->fsm.state == NS_ACTIVE) {
		alarm_clear(d, "could not add the failover IP");
		alarm_clear(d, "could not re-add the failover IP");
	}
	if (replica_enabled(d) && d->drbd_st_ok && d->drbd_st.role == DRBD_ROLE_PRIMARY &&
	    d->fsm.state == NS_ACTIVE)
		alarm_clear(d, "DRBD not promoted");
}

static void arm_timer(struct twind *d)
{
	uint64_t next = 0;
	struct itimerspec its = {0};

	if (d->probing)
		next = d->probe_deadline_ns;
	if (d->garp_left && (!next || d->garp_next_ns < next))
		next = d->garp_next_ns;
	if (d->holds_vip && d->cfg.garp_refresh_ms && (!next || d->garp_refresh_next_ns < next))
		next = d->garp_refresh_next_ns;
	if (next) {
		its.it_value.tv_sec = (time_t)(next / 1000000000ull);
		its.it_value.tv_nsec = (long)(next % 1000000000ull);
	}
	timerfd_settime(d->action_tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* gratuitous ARP for the IPv4 addresses, unsolicited NA for the IPv6 ones */
static void send_garps(struct twind *d)
{
	vg_announce(&d->vg);
}

static int claim(struct twind *d)
{
	char err[200], text[ALARM_TEXT_MAX];
	uint64_t now = mono_ns();
	size_t failed;

	if (vg_claim(&d->vg, &failed, err, sizeof(err)) < 0) {
		const char *what = strchr(err, ' '); /* past "vip_add " */

		/* the addresses before it were removed again (vip_group.c) */
		log_err("%s; the %zu added before it removed again", err, failed);
		/* the whole message is in the log; an alarm has 96 bytes */
		snprintf(text, sizeof(text), "could not add the failover IP %.65s", what ? what + 1 : err);
		alarm_set(d, text);
		return -1;
	}
	if (!d->holds_vip)
		d->claims++;
	d->holds_vip = 1;
	/* first GARP now, the rest of the burst spaced by the timer */
	send_garps(d);
	d->garp_left = d->cfg.garp_count > 0 ? d->cfg.garp_count - 1 : 0;
	d->garp_next_ns = now + (uint64_t)d->cfg.garp_interval_ms * 1000000ull;
	d->garp_refresh_next_ns = now + (uint64_t)d->cfg.garp_refresh_ms * 1000000ull;
	arm_timer(d);
	return 0;
}

/* Re-announce an IP we hold (dual-active or split-brain keeper): a whole
 * burst, so the last gratuitous ARP any switch or client sees is ours. */
static void announce(struct twind *d)
{
	uint64_t now = mono_ns();

	send_garps(d);
	d->garp_left = d->cfg.garp_count > 0 ? d->cfg.garp_count - 1 : 0;
	d->garp_next_ns = now + (uint64_t)d->cfg.garp_interval_ms * 1000000ull;
	arm_timer(d);
}

static void release(struct twind *d)
{
	vg_release(&d->vg); /* last added first */
	vg_probe_stop(&d->vg);
	if (replica_enabled(d) && d->epfd > 0)
		replica_demote(d); /* after the IP: no client writes to a Secondary */
	if (d->holds_vip)
		d->releases++;
	d->holds_vip = 0;
	d->garp_left = 0;
	d->probing = 0;
	arm_timer(d);
}

void act_release_all(struct twind *d, const char *why)
{
	log_info("releasing failover IP: %s", why);
	release(d);
}

static void start_probe(struct twind *d)
{
	vg_probe_start(&d->vg);
	d->probing = 1;
	d->probe_deadline_ns = mono_ns() + (uint64_t)d->cfg.arp_probe_ms * 1000000ull;
	arm_timer(d);
}

static struct fsm_event make_event(struct twind *d, enum fsm_event_type type)
{
	struct fsm_event ev = {.type = type, .now_ms = mono_ns() / 1000000ull};

	if (d->peer.ever_seen) {
		ev.peer_state = d->peer.last.state;
		ev.peer_priority = d->peer.last.priority;
		ev.peer_flags = d->peer.last.flags;
		ev.peer_epoch = d->peer.last.epoch;
	}
	return ev;
}

/* Alarms that follow a condition: raised while it holds, cleared (and
 * logged as cleared) when it is over, so none outlives its cause. */
static void alarms_follow(struct twind *d)
{
	int st = d->fsm.state, alive = d->peer.alive;
	int peer_serves = alive && (d->peer.last.state == NS_ACTIVE || (d->peer.last.flags & HB_F_HOLDS_VIP));
	/* called after every beat: only a change of its inputs is work */
	unsigned key = 1 + ((unsigned)st | (unsigned)alive << 4 | (unsigned)peer_serves << 5 |
			    (unsigned)d->fsm.sb_pending << 6 | (unsigned)d->fsm.isolated << 7 |
			    (unsigned)d->peer.ever_seen << 8);
	int entered_active = st == NS_ACTIVE && (!d->alarm_key || ((d->alarm_key - 1) & 0xf) != NS_ACTIVE);

	if (key == d->alarm_key)
		return;
	d->alarm_key = key;

	if (st == NS_ACTIVE && !alive && d->peer.ever_seen)
		alarm_set(d, "serving alone: the peer is silent on every path");
	else
		alarm_clear(d, "serving alone");
	if (!(st == NS_ACTIVE && peer_serves))
		alarm_clear(d, "dual active");
	if (st != NS_SPLIT_BRAIN && !d->fsm.sb_pending) {
		alarm_clear(d, "split brain");
		alarm_clear_containing(d, "split brain not repaired"); /* "health back; split brain ..." */
	}
	if (!d->fsm.isolated)
		alarm_clear(d, "isolated");
	if (st == NS_ACTIVE || alive) {
		/* a later takeover succeeded, or the peer is back: the failed
		 * attempts before are history (the log keeps them) */
		alarm_clear(d, "peer dead but");
		alarm_clear(d, "startup wait over, no peer");
		/* Inactive -> Standby with the peer dead ("health back, peer dead but ...") */
		alarm_clear(d, "health back, peer dead but");
		alarm_clear(d, "isolation over, peer dead but");
	}
	if (entered_active) {
		alarm_clear(d, "could not add the failover IP");
		alarm_clear(d, "could not re-add the failover IP");
		alarm_clear(d, "DRBD not promoted");
		alarm_clear(d, "failover IP answered by");
		alarm_clear(d, "takeover failed");
	}
}

/* Before apply: a claim can finish inside it (a nested FE_CLAIM_DONE),
 * and that takeover is counted under the reason that began it. */
static void count_takeover(struct twind *d, const struct fsm_event *ev, struct fsm_result r)
{
	if (r.to == NS_ACTIVATING && r.from != NS_ACTIVATING)
		d->takeover_why = takeover_reason_of(ev->type, r.from, ev->peer_state);
	else if (r.to == NS_ACTIVE && r.from == NS_ACTIVATING)
		d->takeovers[d->takeover_why]++;
}

void act_event(struct twind *d, enum fsm_event_type type)
{
	struct fsm_event ev = make_event(d, type);
	struct fsm_result r = fsm_step(&d->fsm, &ev);

	count_takeover(d, &ev, r);
	apply(d, r);
	alarms_follow(d);
	sbc_after_step(d, r.from, r.to, r.reason);
}

static void apply(struct twind *d, struct fsm_result r)
{
	char err[256];

	if (r.to != r.from) {
		log_info("state %s -> %s: %s", node_state_name(r.from), node_state_name(r.to), r.reason);
		d->state_since_real_s = real_ns() / 1000000000ull;
		/* hooks and jobs only queue or signal: the takeover never waits */
		if (d->notify)
			notify_state(d->notify, r.from, r.to, r.reason, d->fsm.epoch);
		/* the split-brain keeper goes on serving: its jobs too */
		if (d->jobs)
			jobs_set_active(d->jobs,
					r.to == NS_ACTIVE || (r.to == NS_SPLIT_BRAIN && d->fsm.holds_vip));
		cluster_event(d, "state", "%s -> %s: %s", node_state_name(r.from), node_state_name(r.to),
			      r.reason);
	}
	if (r.actions & FA_ALARM)
		alarm_set(d, r.reason);
	if (r.actions & FA_RELEASE)
		release(d);
	if (r.actions & FA_EPOCH_BUMP) {
		if (persist_write_u64(d->cfg.state_dir, "epoch", d->fsm.epoch, err, sizeof(err)) < 0)
			log_err("%s", err);
	}
	if (r.actions & FA_PROBE)
		start_probe(d);
	if (r.actions & FA_NOTIFY)
		beat_now(d); /* tell the peer at once, not at the next tick */
	if (r.actions & FA_CLAIM) {
		if (d->holds_vip && r.to != NS_ACTIVATING) {
			/* already ours (dual-active or split-brain keeper): only
			 * re-announce, so the last gratuitous ARP on the LAN is ours */
			announce(d);
		} else {
			claim_start(d);
		}
	}
}

/* The handover is asked for in our authenticated beats for this long; the
 * active answers by releasing within a beat or two. */
#define TAKEOVER_ASK_NS (2000ull * 1000000ull)

int act_takeover(struct twind *d, int force, char *why, size_t len)
{
	const struct peer *p = &d->peer;
	int st = d->fsm.state;

	if (st == NS_ACTIVE || st == NS_ACTIVATING)
		return snprintf(why, len, "this node is already %s", node_state_name(st)), -1;
	if (!d->fsm.failover_enabled)
		return snprintf(why, len, "failover is disabled on this node (twinctl failover enable)"), -1;
	if (!d->fsm.healthy)
		return snprintf(why, len, "this node is not healthy: %s", d->fsm.reason), -1;
	if (d->fsm.degraded && p->alive &&
	    (p->last.flags & (HB_F_HEALTHY | HB_F_FAILOVER_ENABLED | HB_F_DEGRADED)) ==
		(HB_F_HEALTHY | HB_F_FAILOVER_ENABLED))
		return snprintf(
			   why, len,
			   "this node is degraded (%s) and the peer is not: it would hand the IP straight "
			   "back; bring the interface back, or disable failover on the peer",
			   health_reason(d->health)),
		       -1;
	if (replica_enabled(d) && d->drbd_st_ok && !drbd_can_promote(&d->drbd_st, force, why, len))
		return -1; /* an Outdated disk: not even forced, and why */
	if (!p->alive) {
		if (!force)
			return snprintf(why, len,
					"the peer is unreachable; 'takeover --force' takes over without it, "
					"at the risk of two nodes serving if it is alive but cut off"),
			       -1;
		log_warn("admin: forced takeover, peer unreachable");
		alarm_clear(d, "takeover failed"); /* the last attempt's: this one decides now */
		act_event(d, FE_ADMIN_TAKEOVER);
		return 0;
	}
	if (!(p->last.state == NS_ACTIVE || (p->last.flags & HB_F_HOLDS_VIP))) {
		/* nobody serves: take over directly */
		alarm_clear(d, "takeover failed");
		act_event(d, FE_ADMIN_TAKEOVER);
		return 0;
	}
	if (!(p->last.flags & HB_F_HEALTHY) && !force)
		return snprintf(why, len, "the peer is unhealthy; use --force"), -1;
	if (replica_enabled(d) && !force &&
	    (!d->drbd_st_ok || d->drbd_st.disk != DRBD_DISK_UPTODATE ||
	     d->drbd_st.peer_disk != DRBD_DISK_UPTODATE))
		return snprintf(why, len,
				"DRBD is not in sync (%s/%s, %s): taking over now could lose data; wait "
				"for UpToDate/UpToDate or use --force",
				d->drbd_st_ok ? drbd_disk_name(d->drbd_st.disk) : "?",
				d->drbd_st_ok ? drbd_disk_name(d->drbd_st.peer_disk) : "?",
				d->drbd_st_ok ? d->drbd_st.conn : "no state"),
		       -1;
	log_info("admin: takeover requested, asking the peer to hand over");
	alarm_clear(d, "takeover failed");
	d->takeover_until_ns = mono_ns() + TAKEOVER_ASK_NS;
	beat_now(d);
	return 0;
}

/* The peer asks us to hand over: release first; the peer then wins the
 * election because we yielded. */
static void handover_if_asked(struct twind *d)
{
	const struct hb_frame *f = &d->peer.last;

	if (!(f->flags & HB_F_TAKEOVER_REQ) || d->fsm.state != NS_ACTIVE)
		return;
	if (!(f->flags & HB_F_HEALTHY) || !(f->flags & HB_F_FAILOVER_ENABLED) || f->state != NS_STANDBY)
		return;
	log_info("peer %u asks to take over: releasing", d->cfg.peer_id);
	const char *name = sbc_peer_name(d);
	cluster_event(d, "admin", "handover: takeover asked by peer %s%s(node %u)", name ? name : "",
		      name && *name ? " " : "", d->cfg.peer_id);
	act_event(d, FE_ADMIN_RELEASE);
}

/* DRBD first: the IP only goes up on a Primary. */
static void claim_start(struct twind *d)
{
	char why[256];

	if (!replica_enabled(d)) {
		finish_claim(d);
		return;
	}
	int pr = replica_promote(d, 0, why, sizeof(why));
	if (pr == 0)
		finish_claim(d);
	else if (pr < 0)
		act_promoted(d, 0, why);
	/* 1: act_promoted finishes once drbdadm (or the peer's demote) is done */
}

/* A claim waiting for the peer's DRBD demote: go on when its beats say it
 * is Secondary or it is dead; give up after the wait. */
static void replica_peer_changed(struct twind *d)
{
	if (!d->drbd_wait_peer_until)
		return;
	if (d->fsm.state != NS_ACTIVATING) {
		d->drbd_wait_peer_until = 0;
		return;
	}
	if (!d->peer.alive || d->peer.last.drbd_role != DRBD_ROLE_PRIMARY) {
		d->drbd_wait_peer_until = 0;
		claim_start(d);
	} else if (mono_ns() > d->drbd_wait_peer_until) {
		d->drbd_wait_peer_until = 0;
		act_promoted(d, 0, "the peer is still DRBD Primary");
	}
}

static void finish_claim(struct twind *d)
{
	uint64_t t0 = mono_ns();
	int ok = claim(d) == 0;

	log_info("failover IP %s in %llu us", ok ? "claimed" : "claim FAILED",
		 (unsigned long long)((mono_ns() - t0) / 1000));
	act_event(d, ok ? FE_CLAIM_DONE : FE_CLAIM_FAILED);
}

void act_promoted(struct twind *d, int ok, const char *msg)
{
	char text[96];

	if (d->fsm.state != NS_ACTIVATING) {
		/* the takeover was called off meanwhile */
		if (ok)
			replica_demote(d);
		return;
	}
	if (ok) {
		finish_claim(d);
		return;
	}
	snprintf(text, sizeof(text), "DRBD not promoted: %.70s", msg);
	alarm_set(d, text);
	act_event(d, FE_CLAIM_FAILED);
}

void act_peer_beat(struct twind *d, int peer_ev)
{
	if (peer_ev & (PEER_EV_PATH_UP | PEER_EV_PATH_DOWN)) {
		if (peer_link_alarm(&d->peer))
			alarm_set(d, "heartbeat link down: peer heard on LAN only");
		else
			alarm_clear(d, "heartbeat link down");
	}
	if (peer_ev & PEER_EV_UP) {
		log_info("peer %u alive (%s, epoch %llu)", d->cfg.peer_id,
			 node_state_name(d->peer.last.state), (unsigned long long)d->peer.last.epoch);
		alarm_clear(d, "peer dead");
		act_event(d, FE_PEER_UP);
	}
	if (peer_ev & PEER_EV_STALE)
		return; /* the peer's state is what the newer beat said */
	act_event(d, FE_PEER_BEAT);
	replica_peer_changed(d);
	handover_if_asked(d);
	if (d->takeover_until_ns && d->fsm.state == NS_STANDBY && !(d->peer.last.flags & HB_F_HOLDS_VIP) &&
	    d->peer.last.state != NS_ACTIVE && d->peer.last.state != NS_ACTIVATING &&
	    !(replica_enabled(d) && d->peer.last.drbd_role == DRBD_ROLE_PRIMARY)) {
		/* the peer has released for us (IP, then DRBD): our turn */
		act_event(d, FE_ADMIN_TAKEOVER);
	}
	if (d->takeover_until_ns && (d->fsm.state == NS_ACTIVE || mono_ns() > d->takeover_until_ns)) {
		if (d->fsm.state != NS_ACTIVE)
			alarm_set(d, "takeover failed: the peer did not hand over");
		d->takeover_until_ns = 0;
	}
}

/* Does a witness vouch for this node's LAN? While the peer lives, any
 * reply within the witness timeout. Once the peer is silent, only a reply
 * that came clearly after its last beat (two probe intervals): a node cut
 * off from everything heard its last reply about when it heard its last
 * beat, so at the peer's death it cannot count a witness it no longer
 * reaches, however long the witness timeout. */
void act_check_lapse(struct twind *d)
{
	uint64_t dry;

	if (!d->beacon || (dry = beacon_dry(d->beacon, mono_ns())) == d->lease_dry_seen)
		return;
	d->lease_dry_seen = dry;
	if (!d->holds_vip && d->fsm.state != NS_ACTIVE)
		return;
	if (!d->fsm.interrupted)
		log_warn("beats lapsed while serving (the loop stalled past the %u-beat lease): the peer may "
			 "have taken over; this node is not the keeper if both serve",
			 lease_ticks(d->lease));
	d->fsm.interrupted = 1;
}

int act_witness_reached(struct twind *d)
{
	uint64_t now = mono_ns() / 1000000ull, last_beat = 0;
	int64_t newest = -1;

	if (!d->witness || !witness_reached(d->witness, now))
		return 0;
	if (d->peer.alive)
		return 1;
	/* links back: the witness answers a few ms before the peer's first
	 * beat; give the beats three intervals before serving alone */
	if (now < d->witness_back_ms + 3ull * d->cfg.hb_interval_us / 1000 + 1)
		return 0;
	for (size_t i = 0; i < witness_count(d->witness); i++) {
		struct witness_status ws;
		if (witness_status(d->witness, i, now, &ws) == 0 && ws.age_ms >= 0 &&
		    (newest < 0 || ws.age_ms < newest))
			newest = ws.age_ms;
	}
	for (int p = 0; p < PATH_COUNT; p++)
		if (d->peer.path[p].last_rx_ns / 1000000ull > last_beat)
			last_beat = d->peer.path[p].last_rx_ns / 1000000ull;
	return newest >= 0 && now - (uint64_t)newest > last_beat + 2ull * d->cfg.witness_interval_ms;
}

void act_check_peer(struct twind *d)
{
	int ev = peer_check(&d->peer, mono_ns());

	if (ev & (PEER_EV_PATH_DOWN | PEER_EV_PATH_UP)) {
		if (peer_link_alarm(&d->peer))
			alarm_set(d, "heartbeat link down: peer heard on LAN only");
		else
			alarm_clear(d, "heartbeat link down");
	}
	if (ev & PEER_EV_DEAD) {
		log_warn("peer %u dead: all paths silent for %llu ms", d->cfg.peer_id,
			 (unsigned long long)(d->detect_ns / 1000000));
		if (d->witness) /* judged now, not by the witness timeout */
			d->fsm.witness_reached = act_witness_reached(d);
		act_event(d, FE_PEER_DEAD);
		replica_peer_changed(d);
	}
}

void act_on_timer(struct twind *d)
{
	uint64_t now = mono_ns();

	if (d->probing && now >= d->probe_deadline_ns) {
		/* an answer queued but not read yet still counts */
		act_on_nd(d);
		act_on_arp(d);
	}
	if (d->probing && now >= d->probe_deadline_ns) {
		d->probing = 0;
		vg_probe_stop(&d->vg);
		act_event(d, FE_PROBE_CLEAR);
	}
	if (d->garp_left && now >= d->garp_next_ns && d->holds_vip) {
		send_garps(d);
		d->garp_left--;
		d->garp_next_ns += (uint64_t)d->cfg.garp_interval_ms * 1000000ull;
	}
	if (d->holds_vip && d->cfg.garp_refresh_ms && now >= d->garp_refresh_next_ns) {
		send_garps(d);
		d->garp_refresh_next_ns = now + (uint64_t)d->cfg.garp_refresh_ms * 1000000ull;
	}
	arm_timer(d);
}

static void on_conflict(struct twind *d, const char *text)
{
	if (!d->probing)
		return; /* answers outside the window are the holder's own traffic */
	d->probing = 0;
	vg_probe_stop(&d->vg);
	alarm_set(d, text);
	act_event(d, FE_PROBE_CONFLICT);
	arm_timer(d);
}

void act_on_arp(struct twind *d)
{
	char text[ALARM_TEXT_MAX];

	if (vg_on_arp(&d->vg, text, sizeof(text)))
		on_conflict(d, text);
}

void act_on_nd(struct twind *d)
{
	char text[ALARM_TEXT_MAX];

	if (vg_on_nd(&d->vg, text, sizeof(text)))
		on_conflict(d, text);
}
