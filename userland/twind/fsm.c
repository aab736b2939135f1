/* Node state machine as a table of rules {from, event, guard, to, actions,
 * reason}, scanned in order: the first row whose states, event and guard
 * match decides. The table is the behaviour: fsm_print_table prints it and
 * docs/STATE_MACHINE.md shows the printed copy.
 *
 * Facts an event carries (the peer's beat, local health, the failover
 * switch) are recorded before the scan, so guards read them from the fsm;
 * what the peer looked like before this event is kept in the context for
 * the rules that look at a change (dual active, peer released the IP). */
#include <stdarg.h>
#include <string.h>

#include "fsm.h"
#include "hb_wire.h"

#define SB(s)		(1u << (s))
#define EB(e)		(1u << (e))
#define ANY_STATE	((1u << NS_COUNT) - 1)
#define FSM_EVENT_COUNT (FE_FAILOVER_DISABLE + 1)
#define STAY		(-1)
#define MAX(a, b)	((a) > (b) ? (a) : (b))

/* Internal actions, resolved in fsm_step and never returned. */
#define FX_BEGIN   0x100 /* start a takeover: FA_PROBE if cfg.probe, else FA_CLAIM */
#define FX_YIELD   0x200 /* set `yielded`: lose elections until the peer is Active or dead */
#define FX_ISOLATE 0x400 /* set `isolated`: not serviceable until the peer or a witness answers */
#define FA_MASK	   0xff

struct ctx {
	const struct fsm *m;
	const struct fsm_event *ev;
	int prev_alive; /* the peer as known before this event */
	int iso_ended;	/* this event ended an isolation */
	uint8_t prev_state, prev_flags;
	char why[96]; /* the guard's explanation, replaces "<why>" in the reason */
};

struct guard {
	const char *text;
	int (*fn)(struct ctx *c);
};

struct rule {
	unsigned from;	 /* SB() mask */
	unsigned events; /* EB() mask */
	const struct guard *guard;
	int to; /* enum node_state or STAY */
	unsigned actions;
	const char *reason;
};

static const char *const event_names[FSM_EVENT_COUNT] = {
    [FE_START] = "START",
    [FE_TICK] = "TICK",
    [FE_PEER_UP] = "PEER_UP",
    [FE_PEER_BEAT] = "PEER_BEAT",
    [FE_PEER_DEAD] = "PEER_DEAD",
    [FE_HEALTH_FAIL] = "HEALTH_FAIL",
    [FE_HEALTH_OK] = "HEALTH_OK",
    [FE_PROBE_CLEAR] = "PROBE_CLEAR",
    [FE_PROBE_CONFLICT] = "PROBE_CONFLICT",
    [FE_CLAIM_DONE] = "CLAIM_DONE",
    [FE_CLAIM_FAILED] = "CLAIM_FAILED",
    [FE_ADMIN_RESTORE] = "ADMIN_RESTORE",
    [FE_ADMIN_TAKEOVER] = "ADMIN_TAKEOVER",
    [FE_ADMIN_RELEASE] = "ADMIN_RELEASE",
    [FE_ADMIN_RESOLVE] = "ADMIN_RESOLVE",
    [FE_ADMIN_YIELD] = "ADMIN_YIELD",
    [FE_WITNESS_OK] = "WITNESS_OK",
    [FE_WITNESS_LOST] = "WITNESS_LOST",
    [FE_SPLIT_BRAIN] = "SPLIT_BRAIN",
    [FE_FAILOVER_ENABLE] = "FAILOVER_ENABLE",
    [FE_FAILOVER_DISABLE] = "FAILOVER_DISABLE",
};

const char *fsm_event_name(enum fsm_event_type t)
{
	return ((unsigned)t < FSM_EVENT_COUNT) ? event_names[t] : "?";
}

static void why(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void why(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
}

/* --- predicates --- */

int fsm_serviceable(const struct fsm *m)
{
	return m->healthy && !m->isolated;
}

static int can_take_over(const struct fsm *m)
{
	return m->failover_enabled && fsm_serviceable(m);
}

/* With the peer silent: a configured witness must answer, so a node cut off
 * from everything never serves beside the one that still reaches the LAN. */
static int can_serve_alone(const struct fsm *m)
{
	return can_take_over(m) && (!m->cfg.witness || m->witness_reached);
}

static const char *cannot_text(const struct fsm *m)
{
	return !m->failover_enabled ? "failover disabled"
	       : m->isolated	    ? "isolated"
	       : !m->healthy	    ? "unhealthy"
				    : "no witness reached";
}

static int why_cannot(struct ctx *c)
{
	why(c, "%s", cannot_text(c->m));
	return 1;
}

/* The peer is Active, taking over, or has the IP: not ours to contest. */
static int peer_claims(const struct fsm *m)
{
	return m->peer_state == NS_ACTIVE || m->peer_state == NS_ACTIVATING ||
	       (m->peer_flags & HB_F_HOLDS_VIP);
}

static int peer_serves(const struct fsm *m)
{
	return m->peer_state == NS_ACTIVE || (m->peer_flags & HB_F_HOLDS_VIP);
}

static int retry_ok(const struct fsm *m, uint64_t now)
{
	return m->last_attempt_ms == 0 || now >= m->last_attempt_ms + FSM_RETRY_MS;
}

static int startup_over(const struct fsm *m, uint64_t now)
{
	return now >= m->started_ms && now - m->started_ms >= m->cfg.startup_wait_ms;
}

/* Exactly one of the two is degraded (fewer working monitored interfaces):
 * 1, and in *win whether it is the peer. */
static int degraded_decides(struct ctx *c, int *win)
{
	const struct fsm *m = c->m;

	if (m->degraded == !!(m->peer_flags & HB_F_DEGRADED))
		return 0;
	why(c, "%s is degraded", m->degraded ? "this node" : "peer");
	*win = !m->degraded;
	return 1;
}

/* Not degraded, then priority, then node id: does this node rank first?
 * (Auto-failback never hands the IP to a degraded peer: it would hand it
 * straight back.) */
static int outrank(struct ctx *c)
{
	const struct fsm *m = c->m;
	int healthier;

	if (degraded_decides(c, &healthier))
		return healthier;
	if (m->cfg.priority != m->peer_priority) {
		int win = m->cfg.priority > m->peer_priority;
		why(c, "priority %u %c %u", m->cfg.priority, win ? '>' : '<', m->peer_priority);
		return win;
	}
	why(c, "priorities equal (%u), node id %u %c %u", m->cfg.priority, m->cfg.node_id,
	    m->cfg.node_id < m->cfg.peer_id ? '<' : '>', m->cfg.peer_id);
	return m->cfg.node_id < m->cfg.peer_id;
}

/* Election while neither node is Active. Both nodes see the same beats, so
 * both reach the same answer; only `yielded` is private, and it only ever
 * makes this node lose. */
static int win_election(struct ctx *c)
{
	const struct fsm *m = c->m;
	int our_idle = m->state == NS_IDLE, peer_idle = m->peer_state == NS_IDLE, win;

	if (m->peer_state == NS_INACTIVE || !(m->peer_flags & HB_F_HEALTHY) ||
	    !(m->peer_flags & HB_F_FAILOVER_ENABLED)) {
		why(c, "peer cannot serve: %s",
		    m->peer_state == NS_INACTIVE      ? "Inactive"
		    : !(m->peer_flags & HB_F_HEALTHY) ? "unhealthy"
						      : "failover disabled");
		return 1;
	}
	if (m->peer_state == NS_SPLIT_BRAIN) {
		why(c, "peer awaits split-brain resolution");
		return 0;
	}
	if (m->yielded) {
		why(c, "this node yielded by admin");
		return 0;
	}
	if (m->peer_flags & HB_F_YIELDED) { /* the beats carry the peer's yield */
		why(c, "peer yielded by admin");
		return 1;
	}
	/* after the yield: a node released for a reboot must not win its IP back */
	if (degraded_decides(c, &win))
		return win;
	if (our_idle != peer_idle) { /* Idle waits for the admin: last choice */
		why(c, "%s is Idle", our_idle ? "this node" : "peer");
		return peer_idle;
	}
	return outrank(c);
}

/* Split-brain keeper, with the comparison that decided it. */
static int keeper(struct ctx *c)
{
	const struct fsm *m = c->m;
	int keep = fsm_split_brain_keeper(m->epoch, m->cfg.node_id, m->peer_epoch, m->cfg.peer_id);
	int peer_int = !!(m->peer_flags & HB_F_INTERRUPTED);

	if (m->interrupted != peer_int) {
		/* a lapse of our own beats: the peer saw us dead and took over */
		keep = peer_int;
		why(c, "%s served without interruption: %s beats lapsed while it served",
		    keep ? "this node" : "peer", keep ? "the peer's" : "this node's");
		return keep;
	}
	if (m->epoch != m->peer_epoch)
		why(c, "%s served without interruption: epoch %llu %c %llu", keep ? "this node" : "peer",
		    (unsigned long long)m->epoch, keep ? '<' : '>', (unsigned long long)m->peer_epoch);
	else
		why(c, "epochs equal, node id %u %c %u", m->cfg.node_id, keep ? '<' : '>', m->cfg.peer_id);
	return keep;
}

/* The peer serves now and did not at its previous beat (or was dead):
 * raise dual active once, not at every beat. */
static int dual_active_new(const struct ctx *c)
{
	int before = c->prev_alive && (c->prev_state == NS_ACTIVE || (c->prev_flags & HB_F_HOLDS_VIP));
	return peer_serves(c->m) && !before;
}

/* --- guards: each is named in the printed table --- */

static int g_always_fn(struct ctx *c)
{
	(void)c;
	return 1;
}

static int g_peer_claims_fn(struct ctx *c)
{
	const struct fsm *m = c->m;

	if (!peer_claims(m))
		return 0;
	why(c, "peer %s%s", node_state_name(m->peer_state),
	    (m->peer_flags & HB_F_HOLDS_VIP) ? ", holds the IP" : "");
	return 1;
}

static int g_can_win_fn(struct ctx *c)
{
	return can_take_over(c->m) && win_election(c);
}

/* Fallback after g_can_win: only explains why this node stands by. */
static int g_lost_fn(struct ctx *c)
{
	if (!can_take_over(c->m))
		return why_cannot(c);
	win_election(c);
	return 1;
}

static int g_alone_can_fn(struct ctx *c)
{
	return startup_over(c->m, c->ev->now_ms) && !c->m->peer_alive && can_serve_alone(c->m);
}

static int g_alone_healthy_fn(struct ctx *c)
{
	return startup_over(c->m, c->ev->now_ms) && !c->m->peer_alive && fsm_serviceable(c->m) &&
	       why_cannot(c);
}

static int g_alone_fn(struct ctx *c)
{
	return startup_over(c->m, c->ev->now_ms) && !c->m->peer_alive;
}

static int g_can_fn(struct ctx *c)
{
	return can_take_over(c->m);
}

static int g_can_alone_fn(struct ctx *c)
{
	return can_serve_alone(c->m);
}

static int g_cannot_fn(struct ctx *c)
{
	return why_cannot(c);
}

static int g_dead_retry_fn(struct ctx *c)
{
	return !c->m->peer_alive && can_serve_alone(c->m) && retry_ok(c->m, c->ev->now_ms);
}

static int g_standby_win_fn(struct ctx *c)
{
	const struct fsm *m = c->m;
	return !peer_claims(m) && can_take_over(m) && retry_ok(m, c->ev->now_ms) && win_election(c);
}

static int g_dead_can_fn(struct ctx *c)
{
	return !c->m->peer_alive && can_serve_alone(c->m);
}

/* Peer silent on every path and no witness answers: this node is the one
 * cut off, so it must not go on serving beside a new Active. */
static int g_isolated_fn(struct ctx *c)
{
	const struct fsm *m = c->m;
	return m->cfg.witness && !m->peer_alive && !m->witness_reached;
}

/* Inactive and serviceable again (health back, or isolation over). */
static int back(struct ctx *c)
{
	if (!fsm_serviceable(c->m))
		return 0;
	why(c, "%s", c->iso_ended ? "isolation over" : "health back");
	return 1;
}

static int g_back_cannot_fn(struct ctx *c)
{
	if (!fsm_serviceable(c->m))
		return 0;
	why(c, "%s, peer dead but %s", c->iso_ended ? "isolation over" : "health back", cannot_text(c->m));
	return 1;
}

/* DRBD says split brain: the node that serves goes on serving, unless the
 * peer serves too and the keeper rule picks the peer. */
static int g_sb_keep_fn(struct ctx *c)
{
	const struct fsm *m = c->m;

	if (m->peer_alive && peer_serves(m))
		return keeper(c);
	why(c, "this node serves, the peer does not");
	return 1;
}

static int g_sb_pending_fn(struct ctx *c)
{
	return c->m->sb_pending;
}

static int g_back_sb_fn(struct ctx *c)
{
	return back(c) && c->m->sb_pending;
}

static int g_peer_serving_fn(struct ctx *c)
{
	const struct fsm *m = c->m;

	if (!(m->peer_state == NS_ACTIVE ||
	      ((m->peer_flags & HB_F_HOLDS_VIP) && m->peer_state != NS_ACTIVATING)))
		return 0;
	why(c, "peer %s%s", node_state_name(m->peer_state),
	    (m->peer_flags & HB_F_HOLDS_VIP) ? ", holds the IP" : "");
	return 1;
}

static int g_both_activating_lose_fn(struct ctx *c)
{
	return c->m->peer_state == NS_ACTIVATING && !win_election(c);
}

static int g_dual_keep_fn(struct ctx *c)
{
	return dual_active_new(c) && !c->m->cfg.data_replicated && keeper(c);
}

static int g_dual_yield_fn(struct ctx *c)
{
	return dual_active_new(c) && !c->m->cfg.data_replicated && !keeper(c);
}

static int g_split_keep_fn(struct ctx *c)
{
	return dual_active_new(c) && c->m->cfg.data_replicated && keeper(c);
}

static int g_split_drop_fn(struct ctx *c)
{
	return dual_active_new(c) && c->m->cfg.data_replicated && !keeper(c);
}

/* With DRBD the peer went SplitBrain on its own (it heard us Active first,
 * or DRBD told it): this node serves, so it keeps the IP and waits too. */
static int g_peer_split_new_fn(struct ctx *c)
{
	if (!c->m->cfg.data_replicated || c->m->peer_state != NS_SPLIT_BRAIN ||
	    (c->prev_alive && c->prev_state == NS_SPLIT_BRAIN))
		return 0;
	why(c, "peer SplitBrain, this node serves");
	return 1;
}

static int g_failback_fn(struct ctx *c)
{
	const struct fsm *m = c->m;
	unsigned need = HB_F_HEALTHY | HB_F_FAILOVER_ENABLED;

	return m->cfg.auto_failback && m->peer_state == NS_STANDBY && (m->peer_flags & need) == need &&
	       !outrank(c);
}

static int g_degraded_fn(struct ctx *c)
{
	const struct fsm *m = c->m;
	unsigned need = HB_F_HEALTHY | HB_F_FAILOVER_ENABLED | HB_F_DEGRADED;

	return m->degraded && m->peer_state == NS_STANDBY &&
	       (m->peer_flags & need) == (HB_F_HEALTHY | HB_F_FAILOVER_ENABLED);
}

static int g_peer_released_fn(struct ctx *c)
{
	int before = c->prev_alive && (c->prev_state == NS_ACTIVE || (c->prev_flags & HB_F_HOLDS_VIP));
	return before && !peer_serves(c->m);
}

static int g_unsettled_fn(struct ctx *c)
{
	return back(c) && !c->m->settled;
}

static int g_alive_failback_fn(struct ctx *c)
{
	return back(c) && c->m->peer_alive && c->m->cfg.auto_failback;
}

static int g_alive_fn(struct ctx *c)
{
	return back(c) && c->m->peer_alive;
}

static int g_back_dead_can_fn(struct ctx *c)
{
	return back(c) && !c->m->peer_alive && can_serve_alone(c->m);
}

static const struct guard g_always = {"-", g_always_fn};
static const struct guard g_peer_claims = {"peer Active, Activating or holds IP", g_peer_claims_fn};
static const struct guard g_can_win = {"can take over, wins election", g_can_win_fn};
static const struct guard g_lost = {"otherwise (lost election or cannot take over)", g_lost_fn};
static const struct guard g_alone_can = {"startup wait over, peer not alive, can serve alone",
					 g_alone_can_fn};
static const struct guard g_alone_healthy = {"startup wait over, peer not alive, serviceable",
					     g_alone_healthy_fn};
static const struct guard g_alone = {"startup wait over, peer not alive", g_alone_fn};
static const struct guard g_can = {"can take over (failover enabled, healthy)", g_can_fn};
static const struct guard g_can_alone = {"can serve alone (can take over, witness reached or none)",
					 g_can_alone_fn};
static const struct guard g_cannot = {"otherwise (cannot take over)", g_cannot_fn};
static const struct guard g_dead_retry = {"peer not alive, can serve alone, retry due", g_dead_retry_fn};
static const struct guard g_standby_win = {"peer not claiming, can take over, retry due, wins election",
					   g_standby_win_fn};
static const struct guard g_dead_can = {"peer not alive, can serve alone", g_dead_can_fn};
static const struct guard g_isolated = {"witness configured, peer not alive, no witness reached",
					g_isolated_fn};
static const struct guard g_back_dead_can = {"back, peer not alive, can serve alone", g_back_dead_can_fn};
static const struct guard g_back_cannot = {"back (otherwise)", g_back_cannot_fn};
static const struct guard g_sb_keep = {"peer not serving, or we keep", g_sb_keep_fn};
static const struct guard g_sb_pending = {"split brain not repaired before the restart", g_sb_pending_fn};
static const struct guard g_back_sb = {"back, split brain not repaired", g_back_sb_fn};
static const struct guard g_peer_serving = {"peer Active, or holds IP and not Activating", g_peer_serving_fn};
static const struct guard g_both_activating_lose = {"peer Activating, peer wins election",
						    g_both_activating_lose_fn};
static const struct guard g_dual_keep = {"peer newly Active/holds IP, no DRBD, we keep", g_dual_keep_fn};
static const struct guard g_dual_yield = {"peer newly Active/holds IP, no DRBD, peer keeps", g_dual_yield_fn};
static const struct guard g_split_keep = {"peer newly Active/holds IP, DRBD, we keep", g_split_keep_fn};
static const struct guard g_split_drop = {"peer newly Active/holds IP, DRBD, peer keeps", g_split_drop_fn};
static const struct guard g_peer_split_new = {"DRBD, peer newly SplitBrain", g_peer_split_new_fn};
static const struct guard g_failback = {"auto_failback, peer Standby+healthy+enabled, peer outranks",
					g_failback_fn};
static const struct guard g_degraded = {"degraded, peer Standby+healthy+enabled, not degraded",
					g_degraded_fn};
static const struct guard g_peer_released = {"peer held IP at last beat, no longer does", g_peer_released_fn};
static const struct guard g_unsettled = {"back, start-up not finished", g_unsettled_fn};
static const struct guard g_alive_failback = {"back, peer alive, auto_failback", g_alive_failback_fn};
static const struct guard g_alive = {"back, peer alive", g_alive_fn};

/* --- the table --- */

#define INIT	   SB(NS_INITIALIZING)
#define ACTIVATING SB(NS_ACTIVATING)
#define ACTIVE	   SB(NS_ACTIVE)
#define STANDBY	   SB(NS_STANDBY)
#define IDLE	   SB(NS_IDLE)
#define INACTIVE   SB(NS_INACTIVE)
#define SPLIT	   SB(NS_SPLIT_BRAIN)
#define BEATS	   (EB(FE_PEER_UP) | EB(FE_PEER_BEAT))
#define BACK	   (EB(FE_HEALTH_OK) | BEATS | EB(FE_WITNESS_OK))
#define N	   FA_NOTIFY

static const struct rule rules[] = {
    /* Initializing: wait for the peer's first beat or the startup wait */
    {INIT, EB(FE_START), &g_sb_pending, NS_SPLIT_BRAIN, FA_ALARM | N,
     "split brain not repaired before the restart: waiting for the admin"},
    {INIT, BEATS, &g_peer_claims, NS_STANDBY, N, "peer serves or is taking over (<why>)"},
    {INIT, BEATS, &g_can_win, NS_ACTIVATING, FX_BEGIN | N, "won election (<why>)"},
    {INIT, BEATS, &g_lost, NS_STANDBY, N, "standing by (<why>)"},
    {INIT, EB(FE_TICK), &g_alone_can, NS_ACTIVATING, FX_BEGIN | N,
     "startup wait over, no peer: starting alone"},
    {INIT, EB(FE_TICK), &g_alone_healthy, NS_STANDBY, FA_ALARM | N, "startup wait over, no peer, but <why>"},
    {INIT, EB(FE_TICK), &g_alone, NS_INACTIVE, N, "startup wait over, no peer, unhealthy"},
    {INIT, EB(FE_PEER_DEAD), &g_can_alone, NS_ACTIVATING, FX_BEGIN | N, "peer dead (all paths silent)"},
    {INIT, EB(FE_PEER_DEAD), &g_cannot, NS_STANDBY, FA_ALARM | N, "peer dead but <why>"},

    /* Standby (and Idle, which waits for the admin but never leaves the service down) */
    {STANDBY | IDLE, EB(FE_PEER_DEAD), &g_can_alone, NS_ACTIVATING, FX_BEGIN | N,
     "peer dead (all paths silent)"},
    {STANDBY | IDLE, EB(FE_PEER_DEAD), &g_cannot, STAY, FA_ALARM, "peer dead but <why>"},
    {STANDBY | IDLE, EB(FE_TICK), &g_dead_retry, NS_ACTIVATING, FX_BEGIN | N,
     "peer still dead: retrying takeover"},
    {STANDBY | IDLE, EB(FE_WITNESS_OK), &g_dead_can, NS_ACTIVATING, FX_BEGIN | N,
     "witness reached, peer still dead: taking over"},
    {STANDBY | IDLE, BEATS, &g_standby_win, NS_ACTIVATING, FX_BEGIN | N, "won election (<why>)"},
    {STANDBY | IDLE, EB(FE_ADMIN_TAKEOVER), &g_can, NS_ACTIVATING, FX_BEGIN | N, "admin takeover"},
    {STANDBY | IDLE, EB(FE_ADMIN_TAKEOVER), &g_cannot, STAY, 0, "takeover refused: <why>"},
    {IDLE, EB(FE_ADMIN_RESTORE), &g_dead_can, NS_ACTIVATING, FX_BEGIN | N, "admin restore, peer dead"},
    {IDLE, EB(FE_ADMIN_RESTORE), &g_always, NS_STANDBY, N, "admin restore"},

    /* Activating: probe, claim, or back off */
    {ACTIVATING, EB(FE_PROBE_CLEAR), &g_always, STAY, FA_CLAIM, "ARP probe clear: claiming the failover IP"},
    {ACTIVATING, EB(FE_PROBE_CONFLICT), &g_always, NS_STANDBY, FA_ALARM | N,
     "failover IP answered by another host"},
    {ACTIVATING, EB(FE_CLAIM_DONE), &g_always, NS_ACTIVE, FA_EPOCH_BUMP | N, "failover IP claimed"},
    {ACTIVATING, EB(FE_CLAIM_FAILED), &g_always, NS_STANDBY, FA_RELEASE | FA_ALARM | N,
     "could not add the failover IP"},
    {ACTIVATING, BEATS, &g_peer_serving, NS_STANDBY, FA_RELEASE | N, "takeover aborted: <why>"},
    {ACTIVATING, BEATS, &g_both_activating_lose, NS_STANDBY, FA_RELEASE | N,
     "both activating, peer wins (<why>)"},

    /* Active */
    {ACTIVE, BEATS, &g_dual_keep, STAY, FA_CLAIM | FA_ALARM, "dual active: peer yields (<why>)"},
    {ACTIVE, BEATS, &g_dual_yield, NS_STANDBY, FA_RELEASE | FA_ALARM | N,
     "dual active: this node yields (<why>)"},
    {ACTIVE, BEATS, &g_split_keep, NS_SPLIT_BRAIN, FA_CLAIM | FA_ALARM | N,
     "split brain: both Active, this node keeps the IP (<why>)"},
    {ACTIVE, BEATS, &g_split_drop, NS_SPLIT_BRAIN, FA_RELEASE | FA_ALARM | N,
     "split brain: both Active, this node drops the IP (<why>)"},
    {ACTIVE, BEATS, &g_peer_split_new, NS_SPLIT_BRAIN, FA_CLAIM | FA_ALARM | N,
     "split brain: found by the peer, this node keeps the IP (<why>)"},
    {ACTIVE, BEATS, &g_failback, NS_STANDBY, FA_RELEASE | N, "auto-failback to the preferred peer (<why>)"},
    {ACTIVE, BEATS, &g_degraded, NS_STANDBY, FA_RELEASE | N,
     "degraded (monitored interface down): handing over to the healthy peer"},
    {ACTIVE, BEATS, &g_peer_released, STAY, FA_CLAIM, "peer released the failover IP: re-announcing"},
    {ACTIVE, EB(FE_ADMIN_RELEASE), &g_always, NS_STANDBY, FA_RELEASE | FX_YIELD | N, "admin release"},
    {ACTIVE, EB(FE_CLAIM_FAILED), &g_always, STAY, FA_ALARM, "could not re-add the failover IP"},
    {ACTIVE | ACTIVATING, EB(FE_PEER_DEAD) | EB(FE_WITNESS_LOST), &g_isolated, NS_INACTIVE,
     FA_RELEASE | FX_ISOLATE | FA_ALARM | N, "isolated: peer silent on every path and no witness reached"},

    /* DRBD's split-brain handler: whoever serves goes on, nobody promotes */
    {ACTIVE, EB(FE_SPLIT_BRAIN), &g_sb_keep, NS_SPLIT_BRAIN, FA_CLAIM | FA_ALARM | N,
     "split brain reported by DRBD: this node keeps the IP (<why>)"},
    {ACTIVE | ACTIVATING, EB(FE_SPLIT_BRAIN), &g_always, NS_SPLIT_BRAIN, FA_RELEASE | FA_ALARM | N,
     "split brain reported by DRBD: this node drops the IP"},
    {INIT | STANDBY | IDLE | INACTIVE, EB(FE_SPLIT_BRAIN), &g_always, NS_SPLIT_BRAIN, FA_ALARM | N,
     "split brain reported by DRBD: waiting for the admin"},

    /* SplitBrain: only the admin ends it */
    {SPLIT, EB(FE_ADMIN_RESOLVE), &g_always, NS_ACTIVATING, FA_CLAIM | N,
     "admin: this node survives the split brain"},
    {SPLIT, EB(FE_ADMIN_YIELD), &g_always, NS_STANDBY, FA_RELEASE | FX_YIELD | N,
     "admin: this node yields the split brain"},

    /* Inactive: health failed or isolated, never holds the IP; back when
     * both are over (health back, or the peer or a witness answers) */
    {INACTIVE, BACK, &g_back_sb, NS_SPLIT_BRAIN, FA_ALARM | N,
     "<why>; split brain not repaired: waiting for the admin"},
    {INACTIVE, BACK, &g_unsettled, NS_INITIALIZING, N, "<why> during start-up"},
    {INACTIVE, BACK, &g_alive_failback, NS_STANDBY, N, "<why>"},
    {INACTIVE, BACK, &g_alive, NS_IDLE, N, "<why>; auto-failback off: waiting for admin restore"},
    {INACTIVE, BACK, &g_back_dead_can, NS_ACTIVATING, FX_BEGIN | N, "<why>, peer dead: taking over"},
    {INACTIVE, BACK, &g_back_cannot, NS_STANDBY, FA_ALARM | N, "<why>"},

    /* any state */
    {ACTIVATING | ACTIVE | SPLIT, EB(FE_HEALTH_FAIL), &g_always, NS_INACTIVE, FA_RELEASE | N,
     "local health failed"},
    {INIT | STANDBY | IDLE, EB(FE_HEALTH_FAIL), &g_always, NS_INACTIVE, N, "local health failed"},
    {ANY_STATE, EB(FE_FAILOVER_DISABLE), &g_always, STAY, N, "failover disabled by admin"},
    {ANY_STATE, EB(FE_FAILOVER_ENABLE), &g_always, STAY, N, "failover enabled by admin"},
};

#define N_RULES (sizeof(rules) / sizeof(rules[0]))

static unsigned long hits[N_RULES];

size_t fsm_rule_count(void)
{
	return N_RULES;
}

unsigned long fsm_rule_hits(size_t n)
{
	return (n >= 1 && n <= N_RULES) ? hits[n - 1] : 0;
}

/* --- stepping --- */

void fsm_init(struct fsm *m, const struct fsm_config *cfg, uint64_t epoch, uint64_t now_ms)
{
	memset(m, 0, sizeof(*m));
	m->cfg = *cfg;
	m->state = NS_INITIALIZING;
	m->epoch = epoch;
	m->started_ms = now_ms;
	m->healthy = 1;
	m->failover_enabled = cfg->failover_enabled;
	m->peer_state = NS_INITIALIZING;
	m->sb_pending = cfg->split_brain_pending;
	snprintf(m->reason, sizeof(m->reason), "started");
}

static void record_facts(struct fsm *m, const struct fsm_event *ev, struct ctx *c)
{
	int was_isolated = m->isolated;

	switch (ev->type) {
	case FE_START:
		if (m->state == NS_INITIALIZING)
			m->started_ms = ev->now_ms;
		break;
	case FE_PEER_UP:
	case FE_PEER_BEAT:
		m->peer_alive = 1;
		m->peer_seen = 1;
		m->peer_state = ev->peer_state;
		m->peer_priority = ev->peer_priority;
		m->peer_flags = ev->peer_flags;
		m->peer_epoch = ev->peer_epoch;
		if (ev->peer_state == NS_ACTIVE) /* the handover happened */
			m->yielded = 0;
		m->isolated = 0; /* the peer answers: we are not cut off */
		break;
	case FE_WITNESS_OK:
		m->witness_reached = 1;
		m->isolated = 0; /* the LAN answers again */
		break;
	case FE_WITNESS_LOST:
		m->witness_reached = 0;
		break;
	case FE_PEER_DEAD:
		m->peer_alive = 0;
		m->yielded = 0; /* nobody left to yield to */
		break;
	case FE_HEALTH_FAIL:
		m->healthy = 0;
		break;
	case FE_HEALTH_OK:
		m->healthy = 1;
		break;
	case FE_FAILOVER_ENABLE:
		m->failover_enabled = 1;
		break;
	case FE_FAILOVER_DISABLE:
		m->failover_enabled = 0;
		break;
	default:
		break;
	}
	c->iso_ended = was_isolated && !m->isolated;
	/* A handover the peer never completed must not leave both passive. */
	if (m->yielded && ev->now_ms >= m->yielded_ms + FSM_YIELD_MAX_MS)
		m->yielded = 0;
}

/* reason = template with "<why>" replaced by the guard's explanation */
static void format_reason(char *out, size_t len, const char *tpl, const char *detail)
{
	const char *mark = strstr(tpl, "<why>");

	if (!mark)
		snprintf(out, len, "%s", tpl);
	else
		snprintf(out, len, "%.*s%s%s", (int)(mark - tpl), tpl, detail, mark + 5);
}

static void apply(struct fsm *m, const struct rule *ru, const struct ctx *c, struct fsm_result *r)
{
	uint64_t now = c->ev->now_ms;
	unsigned a = ru->actions;
	enum node_state to = ru->to == STAY ? m->state : (enum node_state)ru->to;

	if (a & FX_BEGIN)
		a |= m->cfg.probe ? FA_PROBE : FA_CLAIM;
	if (a & FX_ISOLATE)
		m->isolated = 1;
	if (a & FX_YIELD) {
		m->yielded = 1;
		m->yielded_ms = now;
	}
	if (to == NS_ACTIVATING && m->state != NS_ACTIVATING) {
		m->last_attempt_ms = now;
		m->yielded = 0; /* a takeover, whatever started it, ends a yield */
	}
	if (a & FA_EPOCH_BUMP) /* past any epoch seen, so the newest takeover has the highest */
		m->epoch = MAX(m->epoch, m->peer_epoch) + 1;
	if (a & FA_RELEASE)
		m->holds_vip = 0;
	if (!m->holds_vip && to != NS_ACTIVE && to != NS_SPLIT_BRAIN)
		m->interrupted = 0; /* no longer serving: the lapse is over */
	if (a & FA_CLAIM)
		m->holds_vip = 1;
	if (m->state == NS_INITIALIZING && to != NS_INITIALIZING && to != NS_INACTIVE)
		m->settled = 1;
	if (to == NS_SPLIT_BRAIN)
		m->sb_pending = 1;
	else if (m->state == NS_SPLIT_BRAIN && to != NS_INACTIVE) /* the admin's choice ends it */
		m->sb_pending = 0;
	m->state = to;
	format_reason(m->reason, sizeof(m->reason), ru->reason, c->why);
	r->to = to;
	r->actions = a & FA_MASK;
	r->reason = m->reason;
}

struct fsm_result fsm_step(struct fsm *m, const struct fsm_event *ev)
{
	struct ctx c = {
	    .m = m,
	    .ev = ev,
	    .prev_alive = m->peer_alive,
	    .prev_state = m->peer_state,
	    .prev_flags = m->peer_flags,
	};
	struct fsm_result r = {
	    .from = m->state,
	    .to = m->state,
	    .actions = 0,
	    .reason = "ignored: no rule for this event in this state",
	    .rule = -1,
	};

	if ((unsigned)ev->type >= FSM_EVENT_COUNT)
		return r;
	record_facts(m, ev, &c);
	for (size_t i = 0; i < N_RULES; i++) {
		const struct rule *ru = &rules[i];

		if (!(ru->from & SB(m->state)) || !(ru->events & EB(ev->type)))
			continue;
		c.why[0] = '\0';
		if (!ru->guard->fn(&c))
			continue;
		hits[i]++;
		apply(m, ru, &c, &r);
		r.rule = (int)i + 1;
		break;
	}
	if (m->state == NS_ACTIVE)
		m->last_active_ms = ev->now_ms;
	return r;
}

void fsm_split_brain_resolved(struct fsm *m)
{
	if (m->state != NS_SPLIT_BRAIN)
		m->sb_pending = 0;
}

int fsm_split_brain_keeper(uint64_t my_epoch, uint8_t my_id, uint64_t peer_epoch, uint8_t peer_id)
{
	if (my_epoch != peer_epoch)
		return my_epoch < peer_epoch;
	return my_id < peer_id;
}

uint8_t fsm_beat_flags(const struct fsm *m)
{
	return (m->failover_enabled ? HB_F_FAILOVER_ENABLED : 0) | (fsm_serviceable(m) ? HB_F_HEALTHY : 0) |
	       (m->holds_vip ? HB_F_HOLDS_VIP : 0) | (m->yielded ? HB_F_YIELDED : 0) |
	       (m->degraded ? HB_F_DEGRADED : 0) | (m->interrupted ? HB_F_INTERRUPTED : 0);
}

/* --- printing --- */

static void mask_names(char *out, size_t len, unsigned mask, int states)
{
	size_t n = states ? NS_COUNT : FSM_EVENT_COUNT, used = 0;

	out[0] = '\0';
	if (states && mask == ANY_STATE) {
		snprintf(out, len, "any");
		return;
	}
	for (size_t i = 0; i < n && used < len; i++) {
		if (!(mask & (1u << i)))
			continue;
		const char *name = states ? node_state_name((int)i) : fsm_event_name((enum fsm_event_type)i);
		int w = snprintf(out + used, len - used, "%s%s", used ? "," : "", name);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

static void action_names(char *out, size_t len, unsigned a)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {
	    {FX_BEGIN, "probe/claim"}, {FA_PROBE, "probe"},	   {FA_CLAIM, "claim"},
	    {FA_RELEASE, "release"},   {FA_EPOCH_BUMP, "epoch+1"}, {FA_ALARM, "alarm"},
	    {FX_YIELD, "yield"},       {FX_ISOLATE, "isolate"},	   {FA_NOTIFY, "notify"},
	};
	size_t used = 0;

	snprintf(out, len, "-");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && used < len; i++) {
		if (!(a & names[i].bit))
			continue;
		int w = snprintf(out + used, len - used, "%s%s", used ? "," : "", names[i].name);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

void fsm_print_table(FILE *f)
{
	char from[N_RULES][96], ev[N_RULES][64], act[N_RULES][64];
	int wf = 4, we = 5, wg = 5, wa = 7;

	/* two passes: names first, so the columns fit the widest cell */
	for (size_t i = 0; i < N_RULES; i++) {
		mask_names(from[i], sizeof(from[i]), rules[i].from, 1);
		mask_names(ev[i], sizeof(ev[i]), rules[i].events, 0);
		action_names(act[i], sizeof(act[i]), rules[i].actions);
		wf = MAX(wf, (int)strlen(from[i]));
		we = MAX(we, (int)strlen(ev[i]));
		wg = MAX(wg, (int)strlen(rules[i].guard->text));
		wa = MAX(wa, (int)strlen(act[i]));
	}
	fprintf(f, "%-3s %-*s %-*s %-*s %-12s %-*s %s\n", "#", wf, "from", we, "event", wg, "guard", "to", wa,
		"actions", "reason");
	for (size_t i = 0; i < N_RULES; i++)
		fprintf(f, "%-3zu %-*s %-*s %-*s %-12s %-*s %s\n", i + 1, wf, from[i], we, ev[i], wg,
			rules[i].guard->text, rules[i].to == STAY ? "(stay)" : node_state_name(rules[i].to),
			wa, act[i], rules[i].reason);
}
