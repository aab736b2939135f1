/* Node state machine: every row of the table, both sides of every guard, and
 * a two-node simulation where two FSMs exchange their states as beats. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fsm.h"
#include "hb_wire.h"

#define T0 1000 /* times start above 0: 0 means "never" in the fsm */
#define PF (HB_F_HEALTHY | HB_F_FAILOVER_ENABLED)

static struct fsm_config cfg_default(void)
{
	struct fsm_config c = {
	    .priority = 100,
	    .node_id = 1,
	    .peer_id = 2,
	    .startup_wait_ms = 5000,
	    .auto_failback = 0,
	    .failover_enabled = 1,
	    .probe = 1,
	    .data_replicated = 0,
	};
	return c;
}

/* The invariants every result must keep. */
static int result_ok(const struct fsm *m, const struct fsm_result *r)
{
	if (!r->reason || m->state != r->to)
		return 0;
	if (r->to != r->from && !(r->actions & FA_NOTIFY))
		return 0;
	if (r->rule < 0)
		return r->to == r->from && r->actions == 0;
	return (size_t)r->rule <= fsm_rule_count() && r->reason == m->reason && !strstr(r->reason, "<why>") &&
	       !strstr(r->reason, "()"); /* "()": a "<why>" left empty */
}

static struct fsm_result step_ev(struct fsm *m, const struct fsm_event *ev)
{
	struct fsm_result r = fsm_step(m, ev);

	CHECK(result_ok(m, &r));
	return r;
}

static struct fsm_result step(struct fsm *m, enum fsm_event_type t, uint64_t now)
{
	struct fsm_event ev = {.type = t, .now_ms = now};
	return step_ev(m, &ev);
}

static struct fsm_result beat(struct fsm *m, uint64_t now, int state, uint8_t prio, uint8_t flags,
			      uint64_t epoch)
{
	struct fsm_event ev = {
	    .type = FE_PEER_BEAT,
	    .now_ms = now,
	    .peer_state = (uint8_t)state,
	    .peer_priority = prio,
	    .peer_flags = flags,
	    .peer_epoch = epoch,
	};
	return step_ev(m, &ev);
}

/* --- getting a node into a state --- */

static void to_standby(struct fsm *m, const struct fsm_config *c)
{
	fsm_init(m, c, 5, T0);
	beat(m, T0 + 10, NS_ACTIVE, 100, PF | HB_F_HOLDS_VIP, 5);
	CHECK_EQ(m->state, NS_STANDBY);
}

static void to_activating(struct fsm *m, const struct fsm_config *c)
{
	fsm_init(m, c, 5, T0);
	if (c->witness) /* serving alone needs it */
		step(m, FE_WITNESS_OK, T0 + 1);
	step(m, FE_TICK, T0 + c->startup_wait_ms);
	CHECK_EQ(m->state, NS_ACTIVATING);
}

static void to_active(struct fsm *m, const struct fsm_config *c)
{
	to_activating(m, c);
	step(m, FE_PROBE_CLEAR, T0 + c->startup_wait_ms + 5);
	step(m, FE_CLAIM_DONE, T0 + c->startup_wait_ms + 10);
	CHECK_EQ(m->state, NS_ACTIVE);
}

/* Active, then the peer appears as a healthy Standby (prio 100, epoch e) */
static void to_active_with_peer(struct fsm *m, const struct fsm_config *c, uint8_t peer_prio, uint64_t now)
{
	to_active(m, c);
	beat(m, now, NS_STANDBY, peer_prio, PF, 5);
	CHECK_EQ(m->state, NS_ACTIVE);
}

static void to_inactive(struct fsm *m, const struct fsm_config *c)
{
	to_active(m, c);
	step(m, FE_HEALTH_FAIL, 7000);
	CHECK_EQ(m->state, NS_INACTIVE);
}

static void to_idle(struct fsm *m, const struct fsm_config *c)
{
	to_inactive(m, c);
	beat(m, 7010, NS_ACTIVE, 100, PF | HB_F_HOLDS_VIP, 7);
	step(m, FE_HEALTH_OK, 7020);
	CHECK_EQ(m->state, NS_IDLE);
}

static void to_split(struct fsm *m, struct fsm_config c, int keep)
{
	c.data_replicated = 1;
	to_active(m, &c);
	beat(m, 7000, NS_ACTIVE, 100, PF | HB_F_HOLDS_VIP, keep ? 99 : 1);
	CHECK_EQ(m->state, NS_SPLIT_BRAIN);
}

/* --- tests --- */

static void test_init_and_names(void)
{
	struct fsm_config c = cfg_default();
	struct fsm m;

	c.failover_enabled = 0;
	fsm_init(&m, &c, 42, 1234);
	CHECK_EQ(m.state, NS_INITIALIZING);
	CHECK_EQ(m.started_ms, 1234u);
	CHECK_EQ(m.epoch, 42u);
	CHECK_EQ(m.healthy, 1);
	CHECK_EQ(m.failover_enabled, 0);
	CHECK_EQ(m.peer_alive, 0);
	CHECK_EQ(m.last_active_ms, 0u);
	CHECK(m.reason[0] != '\0');

	/* every event has its own name; out of range is "?" */
	for (int i = FE_START; i <= FE_FAILOVER_DISABLE; i++) {
		const char *n = fsm_event_name((enum fsm_event_type)i);
		CHECK(n != NULL && strcmp(n, "?") != 0 && n[0] != '\0');
		for (int j = FE_START; j < i; j++)
			CHECK(strcmp(n, fsm_event_name((enum fsm_event_type)j)) != 0);
	}
	CHECK_STR(fsm_event_name(FE_PEER_DEAD), "PEER_DEAD");
	CHECK_STR(fsm_event_name(FE_ADMIN_TAKEOVER), "ADMIN_TAKEOVER");
	CHECK_STR(fsm_event_name((enum fsm_event_type)(FE_FAILOVER_DISABLE + 1)), "?");
	CHECK_STR(fsm_event_name((enum fsm_event_type) - 1), "?");
}

static void test_keeper_rule(void)
{
	/* the node that served without interruption (lower epoch) keeps */
	CHECK_EQ(fsm_split_brain_keeper(4, 2, 5, 1), 1);
	CHECK_EQ(fsm_split_brain_keeper(5, 1, 4, 2), 0);
	CHECK_EQ(fsm_split_brain_keeper(5, 1, 5, 2), 1); /* then the lower id */
	CHECK_EQ(fsm_split_brain_keeper(5, 2, 5, 1), 0);
}

static void test_initializing_beats(void)
{
	struct fsm_config c = cfg_default();
	struct fsm m;
	struct fsm_result r;

	/* peer Active / holding the VIP / Activating: stand by */
	fsm_init(&m, &c, 0, T0);
	r = beat(&m, T0 + 1, NS_ACTIVE, 50, PF, 3);
	CHECK_EQ(r.to, NS_STANDBY);
	CHECK_EQ(r.actions, (unsigned)FA_NOTIFY);
	CHECK_CONTAINS(r.reason, "Active");
	CHECK_EQ(m.peer_alive, 1);
	CHECK_EQ(m.peer_epoch, 3u);
	CHECK_EQ(m.peer_priority, 50);
	fsm_init(&m, &c, 0, T0);
	r = beat(&m, T0 + 1, NS_STANDBY, 50, PF | HB_F_HOLDS_VIP, 3);
	CHECK_EQ(r.to, NS_STANDBY);
	CHECK_CONTAINS(r.reason, "holds the IP");
	fsm_init(&m, &c, 0, T0);
	struct fsm_event up = {
	    .type = FE_PEER_UP, .now_ms = T0 + 1, .peer_state = NS_ACTIVATING, .peer_flags = PF};
	r = step_ev(&m, &up);
	CHECK_EQ(r.to, NS_STANDBY);

	/* higher priority wins: probe first, or claim when probing is off */
	c.priority = 150;
	fsm_init(&m, &c, 0, T0);
	r = beat(&m, T0 + 1, NS_INITIALIZING, 100, PF, 0);
	CHECK_EQ(r.to, NS_ACTIVATING);
	CHECK_EQ(r.actions, (unsigned)(FA_PROBE | FA_NOTIFY));
	CHECK_STR(r.reason, "won election (priority 150 > 100)");
	CHECK_EQ(m.last_attempt_ms, (uint64_t)T0 + 1);
	c.probe = 0;
	fsm_init(&m, &c, 0, T0);
	r = beat(&m, T0 + 1, NS_STANDBY, 100, PF, 0);
	CHECK_EQ(r.actions, (unsigned)(FA_CLAIM | FA_NOTIFY));
	CHECK_EQ(m.holds_vip, 1);
	c.probe = 1;

	/* lower priority loses */
	c.priority = 100;
	fsm_init(&m, &c, 0, T0);
	r = beat(&m, T0 + 1, NS_INITIALIZING, 150, PF, 0);
	CHECK_EQ(r.to, NS_STANDBY);
	CHECK_STR(r.reason, "standing by (priority 100 < 150)");

	/* tie: lower node id wins, both sides agree */
	fsm_init(&m, &c, 0, T0);
	r = beat(&m, T0 + 1, NS_INITIALIZING, 100, PF, 0);
	CHECK_EQ(r.to, NS_ACTIVATING);
	CHECK_CONTAINS(r.reason, "node id 1 < 2");
	struct fsm_config c2 = c;
	c2.node_id = 2;
	c2.peer_id = 1;
	fsm_init(&m, &c2, 0, T0);
	r = beat(&m, T0 + 1, NS_INITIALIZING, 100, PF, 0);
	CHECK_EQ(r.to, NS_STANDBY);
	CHECK_CONTAINS(r.reason, "node id 2 > 1");

	/* we would win but failover is disabled */
	c.priority = 200;
	c.failover_enabled = 0;
	fsm_init(&m, &c, 0, T0);
	r = beat(&m, T0 + 1, NS_INITIALIZING, 100, PF, 0);
	CHECK_EQ(r.to, NS_STANDBY);
	CHECK_STR(r.reason, "standing by (failover disabled)");
	c.failover_enabled = 1;

	/* a peer that cannot serve loses whatever its priority */
	c.priority = 10;
	fsm_init(&m, &c, 0, T0);
	r = beat(&m, T0 + 1, NS_INITIALIZING, 200, HB_F_FAILOVER_ENABLED, 0);
	CHECK_EQ(r.to, NS_ACTIVATING);
	CHECK_CONTAINS(r.reason, "peer cannot serve: unhealthy");
	fsm_init(&m, &c, 0, T0);
	r = beat(&m, T0 + 1, NS_STANDBY, 200, HB_F_HEALTHY, 0);
	CHECK_EQ(r.to, NS_ACTIVATING);
	CHECK_CONTAINS(r.reason, "peer cannot serve: failover disabled");
	fsm_init(&m, &c, 0, T0);
	r = beat(&m, T0 + 1, NS_INACTIVE, 200, PF, 0);
	CHECK_EQ(r.to, NS_ACTIVATING);
	CHECK_CONTAINS(r.reason, "Inactive");
	/* an Idle peer ranks last */
	fsm_init(&m, &c, 0, T0);
	r = beat(&m, T0 + 1, NS_IDLE, 200, PF, 0);
	CHECK_EQ(r.to, NS_ACTIVATING);
	CHECK_CONTAINS(r.reason, "peer is Idle");
	/* a peer waiting for split-brain resolution is never contested */
	c.priority = 250;
	fsm_init(&m, &c, 0, T0);
	r = beat(&m, T0 + 1, NS_SPLIT_BRAIN, 1, PF, 0);
	CHECK_EQ(r.to, NS_STANDBY);
	CHECK_CONTAINS(r.reason, "split-brain");
	fsm_init(&m, &c, 0, T0);
	m.degraded = 1; /* ...not even by a healthier node */
	r = beat(&m, T0 + 1, NS_SPLIT_BRAIN, 1, PF | HB_F_DEGRADED, 0);
	CHECK_EQ(r.to, NS_STANDBY);
	CHECK_CONTAINS(r.reason, "split-brain");

	/* degraded loses to not degraded, before Idle and priority... */
	fsm_init(&m, &c, 0, T0);
	r = beat(&m, T0 + 1, NS_INITIALIZING, 1, PF | HB_F_DEGRADED, 0);
	CHECK_EQ(r.to, NS_ACTIVATING);
	CHECK_STR(r.reason, "won election (peer is degraded)");
	fsm_init(&m, &c, 0, T0);
	m.degraded = 1;
	r = beat(&m, T0 + 1, NS_IDLE, 1, PF, 0);
	CHECK_EQ(r.to, NS_STANDBY);
	CHECK_STR(r.reason, "standing by (this node is degraded)");
	/* ...but after an admin's yield (a node released for a reboot stays released) */
	fsm_init(&m, &c, 0, T0);
	m.degraded = 1;
	r = beat(&m, T0 + 1, NS_STANDBY, 1, PF | HB_F_YIELDED, 0);
	CHECK_EQ(r.to, NS_ACTIVATING);
	CHECK_STR(r.reason, "won election (peer yielded by admin)");
	CHECK_EQ(fsm_beat_flags(&m) & HB_F_DEGRADED, HB_F_DEGRADED);
	/* both degraded: as if neither were */
	fsm_init(&m, &c, 0, T0);
	m.degraded = 1;
	r = beat(&m, T0 + 1, NS_INITIALIZING, 1, PF | HB_F_DEGRADED, 0);
	CHECK_EQ(r.to, NS_ACTIVATING);
	CHECK_STR(r.reason, "won election (priority 250 > 1)");
	/* a degraded node still beats one that cannot serve */
	fsm_init(&m, &c, 0, T0);
	m.degraded = 1;
	r = beat(&m, T0 + 1, NS_INACTIVE, 1, HB_F_FAILOVER_ENABLED, 0);
	CHECK_EQ(r.to, NS_ACTIVATING);
	CHECK_CONTAINS(r.reason, "peer cannot serve");
}

static void test_initializing_timers(void)
{
	struct fsm_config c = cfg_default();
	struct fsm m;
	struct fsm_result r;

	/* startup wait not over: nothing; exactly over: start alone */
	fsm_init(&m, &c, 0, T0);
	r = step(&m, FE_TICK, T0 + 4999);
	CHECK_EQ(r.rule, -1);
	CHECK_EQ(m.state, NS_INITIALIZING);
	r = step(&m, FE_TICK, T0 + 5000);
	CHECK_EQ(r.to, NS_ACTIVATING);
	CHECK_EQ(r.actions, (unsigned)(FA_PROBE | FA_NOTIFY));
	CHECK_CONTAINS(r.reason, "starting alone");

	/* FE_START restarts the wait */
	fsm_init(&m, &c, 0, T0);
	r = step(&m, FE_START, T0 + 3000);
	CHECK_EQ(r.rule, -1);
	CHECK_EQ(m.started_ms, (uint64_t)T0 + 3000);
	step(&m, FE_TICK, T0 + 5000);
	CHECK_EQ(m.state, NS_INITIALIZING);
	step(&m, FE_TICK, T0 + 8000);
	CHECK_EQ(m.state, NS_ACTIVATING);

	/* a clock before started_ms never counts as waited */
	fsm_init(&m, &c, 0, 10000);
	step(&m, FE_TICK, 10);
	CHECK_EQ(m.state, NS_INITIALIZING);

	/* failover disabled: stand by and say so */
	c.failover_enabled = 0;
	fsm_init(&m, &c, 0, T0);
	r = step(&m, FE_TICK, T0 + 6000);
	CHECK_EQ(r.to, NS_STANDBY);
	CHECK_EQ(r.actions, (unsigned)(FA_ALARM | FA_NOTIFY));
	CHECK_CONTAINS(r.reason, "failover disabled");
	c.failover_enabled = 1;

	/* unhealthy (only reachable when a caller marks the node so) */
	fsm_init(&m, &c, 0, T0);
	m.healthy = 0;
	r = step(&m, FE_TICK, T0 + 6000);
	CHECK_EQ(r.to, NS_INACTIVE);
	CHECK_EQ(r.actions, (unsigned)FA_NOTIFY);

	/* a live peer keeps the startup tick rules out */
	fsm_init(&m, &c, 0, T0);
	m.peer_alive = 1;
	r = step(&m, FE_TICK, T0 + 6000);
	CHECK_EQ(r.rule, -1);

	/* peer seen then lost during start-up */
	fsm_init(&m, &c, 0, T0);
	r = step(&m, FE_PEER_DEAD, T0 + 100);
	CHECK_EQ(r.to, NS_ACTIVATING);
	CHECK_STR(r.reason, "peer dead (all paths silent)");
	c.failover_enabled = 0;
	fsm_init(&m, &c, 0, T0);
	r = step(&m, FE_PEER_DEAD, T0 + 100);
	CHECK_EQ(r.to, NS_STANDBY);
	CHECK(r.actions & FA_ALARM);
	CHECK_STR(r.reason, "peer dead but failover disabled");
}

static void test_standby(void)
{
	struct fsm_config c = cfg_default();
	struct fsm m;
	struct fsm_result r;

	/* peer dead: take over */
	to_standby(&m, &c);
	r = step(&m, FE_PEER_DEAD, 2000);
	CHECK_EQ(r.to, NS_ACTIVATING);
	CHECK_EQ(r.actions, (unsigned)(FA_PROBE | FA_NOTIFY));
	CHECK_STR(r.reason, "peer dead (all paths silent)");
	CHECK_EQ(m.peer_alive, 0);

	/* failover disabled: stay, alarm; enabling later takes over on the next tick */
	c.failover_enabled = 0;
	to_standby(&m, &c);
	r = step(&m, FE_PEER_DEAD, 2000);
	CHECK_EQ(r.to, NS_STANDBY);
	CHECK_EQ(r.actions, (unsigned)FA_ALARM);
	CHECK_STR(r.reason, "peer dead but failover disabled");
	r = step(&m, FE_TICK, 2100);
	CHECK_EQ(r.rule, -1);
	r = step(&m, FE_FAILOVER_ENABLE, 2200);
	CHECK_EQ(r.to, NS_STANDBY);
	CHECK_EQ(r.actions, (unsigned)FA_NOTIFY);
	r = step(&m, FE_TICK, 2300);
	CHECK_EQ(r.to, NS_ACTIVATING);
	CHECK_CONTAINS(r.reason, "retrying");
	c.failover_enabled = 1;

	/* unhealthy (poked): refuses too, saying why */
	to_standby(&m, &c);
	m.healthy = 0;
	r = step(&m, FE_PEER_DEAD, 2000);
	CHECK_STR(r.reason, "peer dead but unhealthy");

	/* retry after a probe conflict: at most one per FSM_RETRY_MS */
	to_standby(&m, &c);
	step(&m, FE_PEER_DEAD, 2000);
	r = step(&m, FE_PROBE_CONFLICT, 2005);
	CHECK_EQ(r.to, NS_STANDBY);
	r = step(&m, FE_TICK, 2000 + FSM_RETRY_MS - 1);
	CHECK_EQ(r.rule, -1);
	r = step(&m, FE_TICK, 2000 + FSM_RETRY_MS);
	CHECK_EQ(r.to, NS_ACTIVATING);
	CHECK_EQ(m.last_attempt_ms, 2000u + FSM_RETRY_MS);
	/* ...and no retry while the peer is alive */
	to_standby(&m, &c);
	r = step(&m, FE_TICK, 9000);
	CHECK_EQ(r.rule, -1);

	/* election on beats: only against a peer that is not claiming */
	c.priority = 150;
	to_standby(&m, &c);
	r = beat(&m, 3000, NS_ACTIVATING, 100, PF, 5);
	CHECK_EQ(r.rule, -1);
	r = beat(&m, 3010, NS_STANDBY, 100, PF | HB_F_HOLDS_VIP, 5);
	CHECK_EQ(r.rule, -1);
	r = beat(&m, 3020, NS_ACTIVE, 100, PF, 5);
	CHECK_EQ(r.rule, -1);
	r = beat(&m, 3030, NS_STANDBY, 100, PF, 5);
	CHECK_EQ(r.to, NS_ACTIVATING);
	CHECK_STR(r.reason, "won election (priority 150 > 100)");
	/* rate limit applies to beat-driven re-tries too */
	step(&m, FE_PROBE_CONFLICT, 3040);
	r = beat(&m, 3050, NS_STANDBY, 100, PF, 5);
	CHECK_EQ(r.rule, -1);
	r = beat(&m, 3030 + FSM_RETRY_MS, NS_STANDBY, 100, PF, 5);
	CHECK_EQ(r.to, NS_ACTIVATING);
	/* losing: stay */
	c.priority = 50;
	to_standby(&m, &c);
	r = beat(&m, 3000, NS_STANDBY, 100, PF, 5);
	CHECK_EQ(r.rule, -1);
	CHECK_EQ(m.state, NS_STANDBY);
	/* winning but failover disabled: stay */
	c.priority = 150;
	c.failover_enabled = 0;
	to_standby(&m, &c);
	r = beat(&m, 3000, NS_STANDBY, 100, PF, 5);
	CHECK_EQ(r.rule, -1);
	c.failover_enabled = 1;

	/* admin takeover: allowed, or refused with a reason and no action */
	c.priority = 100;
	to_standby(&m, &c);
	r = step(&m, FE_ADMIN_TAKEOVER, 3000);
	CHECK_EQ(r.to, NS_ACTIVATING);
	CHECK_STR(r.reason, "admin takeover");
	c.failover_enabled = 0;
	to_standby(&m, &c);
	r = step(&m, FE_ADMIN_TAKEOVER, 3000);
	CHECK_EQ(r.to, NS_STANDBY);
	CHECK_EQ(r.actions, 0u);
	CHECK(r.rule > 0);
	CHECK_STR(r.reason, "takeover refused: failover disabled");
	c.failover_enabled = 1;
	to_standby(&m, &c);
	m.healthy = 0;
	r = step(&m, FE_ADMIN_TAKEOVER, 3000);
	CHECK_EQ(r.actions, 0u);
	CHECK_STR(r.reason, "takeover refused: unhealthy");
}

static void test_activating(void)
{
	struct fsm_config c = cfg_default();
	struct fsm m;
	struct fsm_result r;

	to_activating(&m, &c);
	r = step(&m, FE_PROBE_CLEAR, 6100);
	CHECK_EQ(r.to, NS_ACTIVATING);
	CHECK_EQ(r.actions, (unsigned)FA_CLAIM);
	CHECK_EQ(fsm_beat_flags(&m) & HB_F_HOLDS_VIP, HB_F_HOLDS_VIP);
	r = step(&m, FE_CLAIM_DONE, 6110);
	CHECK_EQ(r.to, NS_ACTIVE);
	CHECK_EQ(r.actions, (unsigned)(FA_EPOCH_BUMP | FA_NOTIFY));
	CHECK_EQ(m.epoch, 6u); /* 5 + 1 */
	CHECK_EQ(m.last_active_ms, 6110u);
	step(&m, FE_TICK, 6200);
	CHECK_EQ(m.last_active_ms, 6200u); /* refreshed while Active */

	/* the new epoch passes the peer's, so the newest takeover has the highest */
	fsm_init(&m, &c, 5, T0);
	beat(&m, T0 + 10, NS_ACTIVE, 100, PF | HB_F_HOLDS_VIP, 20);
	step(&m, FE_PEER_DEAD, T0 + 100);
	step(&m, FE_PROBE_CLEAR, T0 + 110);
	step(&m, FE_CLAIM_DONE, T0 + 120);
	CHECK_EQ(m.state, NS_ACTIVE);
	CHECK_EQ(m.epoch, 21u);

	to_activating(&m, &c);
	r = step(&m, FE_PROBE_CONFLICT, 6100);
	CHECK_EQ(r.to, NS_STANDBY);
	CHECK_EQ(r.actions, (unsigned)(FA_ALARM | FA_NOTIFY));
	CHECK_STR(r.reason, "failover IP answered by another host");

	to_activating(&m, &c);
	step(&m, FE_PROBE_CLEAR, 6100);
	r = step(&m, FE_CLAIM_FAILED, 6110);
	CHECK_EQ(r.to, NS_STANDBY);
	CHECK_EQ(r.actions, (unsigned)(FA_RELEASE | FA_ALARM | FA_NOTIFY));
	CHECK_EQ(m.holds_vip, 0);
	CHECK_EQ(m.epoch, 5u);

	/* the peer won: abort */
	to_activating(&m, &c);
	r = beat(&m, 6100, NS_ACTIVE, 100, PF, 9);
	CHECK_EQ(r.to, NS_STANDBY);
	CHECK_EQ(r.actions, (unsigned)(FA_RELEASE | FA_NOTIFY));
	CHECK_CONTAINS(r.reason, "takeover aborted");
	to_activating(&m, &c);
	r = beat(&m, 6100, NS_SPLIT_BRAIN, 100, PF | HB_F_HOLDS_VIP, 9);
	CHECK_EQ(r.to, NS_STANDBY);
	/* both activating: the election loser backs off, the winner carries on */
	c.priority = 150;
	to_activating(&m, &c);
	r = beat(&m, 6100, NS_ACTIVATING, 100, PF | HB_F_HOLDS_VIP, 9);
	CHECK_EQ(r.rule, -1);
	CHECK_EQ(m.state, NS_ACTIVATING);
	c.priority = 50;
	to_activating(&m, &c);
	r = beat(&m, 6100, NS_ACTIVATING, 100, PF, 9);
	CHECK_EQ(r.to, NS_STANDBY);
	CHECK_STR(r.reason, "both activating, peer wins (priority 50 < 100)");
	/* an idle-ish peer beat does not disturb us */
	to_activating(&m, &c);
	r = beat(&m, 6100, NS_STANDBY, 200, PF, 9);
	CHECK_EQ(r.rule, -1);
	r = step(&m, FE_PEER_DEAD, 6200);
	CHECK_EQ(r.rule, -1);
}

static void test_active_dual(void)
{
	struct fsm_config c = cfg_default();
	struct fsm m;
	struct fsm_result r;

	/* no DRBD, we keep (we served without interruption: the lower epoch;
	 * the peer took over during the split): alarm + re-GARP, once */
	to_active(&m, &c); /* epoch 6 */
	r = beat(&m, 7000, NS_ACTIVE, 200, PF | HB_F_HOLDS_VIP, 7);
	CHECK_EQ(r.to, NS_ACTIVE);
	CHECK_EQ(r.actions, (unsigned)(FA_CLAIM | FA_ALARM));
	CHECK_STR(r.reason, "dual active: peer yields (this node served without interruption: epoch 6 < 7)");
	r = beat(&m, 7010, NS_ACTIVE, 200, PF | HB_F_HOLDS_VIP, 7);
	CHECK_EQ(r.rule, -1);
	/* the peer releases: re-announce so our GARP is the last */
	r = beat(&m, 7020, NS_STANDBY, 200, PF, 7);
	CHECK_EQ(r.to, NS_ACTIVE);
	CHECK_EQ(r.actions, (unsigned)FA_CLAIM);
	CHECK_CONTAINS(r.reason, "re-announcing");
	r = beat(&m, 7030, NS_STANDBY, 200, PF, 7);
	CHECK_EQ(r.rule, -1);

	/* no DRBD, the peer keeps (it served longer: lower epoch), whatever
	 * the priorities say */
	to_active(&m, &c);
	r = beat(&m, 7000, NS_ACTIVE, 10, PF | HB_F_HOLDS_VIP, 5);
	CHECK_EQ(r.to, NS_STANDBY);
	CHECK_EQ(r.actions, (unsigned)(FA_RELEASE | FA_ALARM | FA_NOTIFY));
	CHECK_STR(r.reason, "dual active: this node yields (peer served without interruption: epoch 6 > 5)");
	/* equal epochs: the lower node id */
	to_active(&m, &c);
	r = beat(&m, 7000, NS_ACTIVE, 200, PF, 6);
	CHECK_EQ(r.to, NS_ACTIVE);
	CHECK_CONTAINS(r.reason, "epochs equal, node id 1 < 2");
	struct fsm_config c2 = c;
	c2.node_id = 2;
	c2.peer_id = 1;
	to_active(&m, &c2);
	r = beat(&m, 7000, NS_ACTIVE, 100, PF, 6);
	CHECK_EQ(r.to, NS_STANDBY);
	CHECK_CONTAINS(r.reason, "node id 2 > 1");
	/* our beats lapsed while we served (loop stalled past the lease): the
	 * peer took over, and keeps, whatever the epochs say */
	to_active(&m, &c); /* epoch 6 */
	m.interrupted = 1;
	CHECK(fsm_beat_flags(&m) & HB_F_INTERRUPTED);
	r = beat(&m, 7000, NS_ACTIVE, 200, PF | HB_F_HOLDS_VIP, 7);
	CHECK_EQ(r.to, NS_STANDBY);
	CHECK_STR(r.reason,
		  "dual active: this node yields (peer served without interruption: this node's beats "
		  "lapsed while it served)");
	CHECK_EQ(m.interrupted, 0); /* no longer serving */
	CHECK(!(fsm_beat_flags(&m) & HB_F_INTERRUPTED));
	/* ... and the other side of it: the peer's beats lapsed */
	to_active(&m, &c);
	r = beat(&m, 7000, NS_ACTIVE, 200, PF | HB_F_HOLDS_VIP | HB_F_INTERRUPTED, 5);
	CHECK_EQ(r.to, NS_ACTIVE);
	CHECK_STR(r.reason,
		  "dual active: peer yields (this node served without interruption: the peer's beats "
		  "lapsed while it served)");
	/* a peer that was dead and comes back Active is new dual active */
	to_active(&m, &c);
	beat(&m, 7000, NS_STANDBY, 100, PF, 5);
	step(&m, FE_PEER_DEAD, 7100);
	struct fsm_event up = {.type = FE_PEER_UP,
			       .now_ms = 7200,
			       .peer_state = NS_ACTIVE,
			       .peer_priority = 100,
			       .peer_flags = PF | HB_F_HOLDS_VIP,
			       .peer_epoch = 9};
	r = step_ev(&m, &up);
	CHECK_EQ(r.actions, (unsigned)(FA_CLAIM | FA_ALARM));

	/* DRBD: both go SplitBrain; the keeper keeps the IP */
	c.data_replicated = 1;
	to_active(&m, &c);
	r = beat(&m, 7000, NS_ACTIVE, 100, PF | HB_F_HOLDS_VIP, 8);
	CHECK_EQ(r.to, NS_SPLIT_BRAIN);
	CHECK_EQ(r.actions, (unsigned)(FA_CLAIM | FA_ALARM | FA_NOTIFY));
	CHECK_CONTAINS(r.reason, "split brain: both Active, this node keeps the IP");
	CHECK_EQ(m.holds_vip, 1);
	CHECK_EQ(m.sb_pending, 1);
	to_active(&m, &c);
	r = beat(&m, 7000, NS_SPLIT_BRAIN, 100, PF | HB_F_HOLDS_VIP, 5);
	CHECK_EQ(r.to, NS_SPLIT_BRAIN);
	CHECK_EQ(r.actions, (unsigned)(FA_RELEASE | FA_ALARM | FA_NOTIFY));
	CHECK_CONTAINS(r.reason, "drops the IP (peer served without interruption: epoch 6 > 5)");
	CHECK_EQ(m.holds_vip, 0);
	/* a peer that went SplitBrain on its own (it heard us first, or DRBD
	 * told it): we keep the IP and go SplitBrain too, once */
	to_active(&m, &c);
	r = beat(&m, 7000, NS_SPLIT_BRAIN, 100, PF, 8);
	CHECK_EQ(r.to, NS_SPLIT_BRAIN);
	CHECK_EQ(r.actions, (unsigned)(FA_CLAIM | FA_ALARM | FA_NOTIFY));
	CHECK_STR(
	    r.reason,
	    "split brain: found by the peer, this node keeps the IP (peer SplitBrain, this node serves)");
	CHECK_EQ(m.holds_vip, 1);
	/* ...not without DRBD (nothing can have diverged) */
	c.data_replicated = 0;
	to_active(&m, &c);
	CHECK_EQ(beat(&m, 7000, NS_SPLIT_BRAIN, 100, PF, 8).rule, -1);
	CHECK_EQ(m.state, NS_ACTIVE);
	c.data_replicated = 1;
}

static void test_active_other(void)
{
	struct fsm_config c = cfg_default();
	struct fsm m;
	struct fsm_result r;

	/* auto-failback to a preferred, healthy, enabled Standby peer */
	c.auto_failback = 1;
	to_active_with_peer(&m, &c, 90, 7000);
	r = beat(&m, 7010, NS_STANDBY, 150, PF, 5);
	CHECK_EQ(r.to, NS_STANDBY);
	CHECK_EQ(r.actions, (unsigned)(FA_RELEASE | FA_NOTIFY));
	CHECK_STR(r.reason, "auto-failback to the preferred peer (priority 100 < 150)");
	/* ...not to a lower priority, unhealthy, disabled or non-Standby peer */
	to_active(&m, &c);
	CHECK_EQ(beat(&m, 7000, NS_STANDBY, 90, PF, 5).rule, -1);
	CHECK_EQ(beat(&m, 7010, NS_STANDBY, 150, HB_F_FAILOVER_ENABLED, 5).rule, -1);
	CHECK_EQ(beat(&m, 7020, NS_STANDBY, 150, HB_F_HEALTHY, 5).rule, -1);
	CHECK_EQ(beat(&m, 7030, NS_IDLE, 150, PF, 5).rule, -1);
	CHECK_EQ(m.state, NS_ACTIVE);
	/* equal priority: the lower node id is preferred */
	struct fsm_config c2 = c;
	c2.node_id = 2;
	c2.peer_id = 1;
	to_active(&m, &c2);
	r = beat(&m, 7000, NS_STANDBY, 100, PF, 5);
	CHECK_EQ(r.to, NS_STANDBY);
	/* never back to a degraded peer; a degraded node goes to any healthy one */
	to_active(&m, &c);
	CHECK_EQ(beat(&m, 7000, NS_STANDBY, 150, PF | HB_F_DEGRADED, 5).rule, -1);
	m.degraded = 1;
	r = beat(&m, 7010, NS_STANDBY, 150, PF | HB_F_DEGRADED, 5); /* both degraded: priority */
	CHECK_EQ(r.to, NS_STANDBY);
	CHECK_STR(r.reason, "auto-failback to the preferred peer (priority 100 < 150)");
	to_active(&m, &c);
	m.degraded = 1;
	r = beat(&m, 7000, NS_STANDBY, 50, PF, 5);
	CHECK_EQ(r.to, NS_STANDBY);
	CHECK_STR(r.reason, "auto-failback to the preferred peer (this node is degraded)");
	/* off: keep serving */
	c.auto_failback = 0;
	to_active(&m, &c);
	r = beat(&m, 7000, NS_STANDBY, 250, PF, 5);
	CHECK_EQ(r.rule, -1);
	CHECK_EQ(m.state, NS_ACTIVE);

	/* degraded: hand over to a Standby that is healthy, enabled, not degraded */
	to_active(&m, &c);
	m.degraded = 1;
	CHECK_EQ(beat(&m, 7000, NS_STANDBY, 50, PF | HB_F_DEGRADED, 5).rule, -1);
	CHECK_EQ(beat(&m, 7010, NS_STANDBY, 50, HB_F_FAILOVER_ENABLED, 5).rule, -1);
	CHECK_EQ(beat(&m, 7020, NS_STANDBY, 50, HB_F_HEALTHY, 5).rule, -1);
	CHECK_EQ(beat(&m, 7030, NS_IDLE, 50, PF, 5).rule, -1);
	CHECK_EQ(beat(&m, 7040, NS_INACTIVE, 50, HB_F_FAILOVER_ENABLED, 5).rule, -1);
	CHECK_EQ(m.state, NS_ACTIVE);
	r = beat(&m, 7050, NS_STANDBY, 50, PF, 5);
	CHECK_EQ(r.to, NS_STANDBY);
	CHECK_EQ(r.actions, (unsigned)(FA_RELEASE | FA_NOTIFY));
	CHECK_STR(r.reason, "degraded (monitored interface down): handing over to the healthy peer");
	CHECK_EQ(m.yielded, 0); /* health, not the admin: the election decides from here */
	/* ...and does not take it back while degraded */
	r = beat(&m, 7060, NS_STANDBY, 50, PF, 5);
	CHECK(r.to != NS_ACTIVATING);
	r = beat(&m, 7070, NS_ACTIVE, 50, PF | HB_F_HOLDS_VIP, 6);
	CHECK_EQ(m.state, NS_STANDBY);
	/* a degraded Standby still takes over when the peer dies */
	r = step(&m, FE_PEER_DEAD, 9000);
	CHECK_EQ(r.to, NS_ACTIVATING);

	/* admin release: Standby, yielded */
	to_active(&m, &c);
	r = step(&m, FE_ADMIN_RELEASE, 7000);
	CHECK_EQ(r.to, NS_STANDBY);
	CHECK_EQ(r.actions, (unsigned)(FA_RELEASE | FA_NOTIFY));
	CHECK_EQ(m.yielded, 1);
	CHECK_EQ(fsm_beat_flags(&m) & HB_F_HOLDS_VIP, 0);

	/* a failed re-claim while Active raises the alarm */
	to_active(&m, &c);
	r = step(&m, FE_CLAIM_FAILED, 7000);
	CHECK_EQ(r.to, NS_ACTIVE);
	CHECK_EQ(r.actions, (unsigned)FA_ALARM);

	/* things Active does not react to */
	to_active(&m, &c);
	CHECK_EQ(step(&m, FE_ADMIN_TAKEOVER, 7000).rule, -1);
	CHECK_EQ(step(&m, FE_PEER_DEAD, 7000).rule, -1);
	CHECK_EQ(step(&m, FE_CLAIM_DONE, 7000).rule, -1);
	CHECK_EQ(m.epoch, 6u);
}

static void test_yielded(void)
{
	struct fsm_config c = cfg_default();
	struct fsm m;
	struct fsm_result r;

	/* after a release we lose the election we would otherwise win */
	c.priority = 200;
	to_active(&m, &c);
	step(&m, FE_ADMIN_RELEASE, 7000);
	r = beat(&m, 7010, NS_STANDBY, 100, PF, 5);
	CHECK_EQ(r.rule, -1);
	CHECK_EQ(m.state, NS_STANDBY);
	/* ...but not against a peer that cannot serve */
	r = beat(&m, 7020, NS_STANDBY, 100, HB_F_HEALTHY, 5);
	CHECK_EQ(r.to, NS_ACTIVATING);
	CHECK_EQ(m.yielded, 0);

	/* the peer seen Active clears it */
	to_active(&m, &c);
	step(&m, FE_ADMIN_RELEASE, 7000);
	beat(&m, 7010, NS_ACTIVE, 100, PF | HB_F_HOLDS_VIP, 7);
	CHECK_EQ(m.yielded, 0);
	r = beat(&m, 7020, NS_STANDBY, 100, PF, 7);
	CHECK_EQ(r.to, NS_ACTIVATING);

	/* the peer dying clears it */
	to_active(&m, &c);
	step(&m, FE_ADMIN_RELEASE, 7000);
	r = step(&m, FE_PEER_DEAD, 7010);
	CHECK_EQ(m.yielded, 0);
	CHECK_EQ(r.to, NS_ACTIVATING);
	to_active(&m, &c); /* ...even when nothing else moves */
	step(&m, FE_ADMIN_RELEASE, 7000);
	step(&m, FE_FAILOVER_DISABLE, 7005);
	step(&m, FE_PEER_DEAD, 7010);
	CHECK_EQ(m.state, NS_STANDBY);
	CHECK_EQ(m.yielded, 0);

	/* a handover the peer never completes ends after FSM_YIELD_MAX_MS */
	to_active(&m, &c);
	step(&m, FE_ADMIN_RELEASE, 7000);
	r = beat(&m, 7000 + FSM_YIELD_MAX_MS - 1, NS_STANDBY, 100, PF, 5);
	CHECK_EQ(r.rule, -1);
	r = beat(&m, 7000 + FSM_YIELD_MAX_MS, NS_STANDBY, 100, PF, 5);
	CHECK_EQ(r.to, NS_ACTIVATING);

	/* an admin takeover ends it at once */
	to_active(&m, &c);
	step(&m, FE_ADMIN_RELEASE, 7000);
	r = step(&m, FE_ADMIN_TAKEOVER, 7100);
	CHECK_EQ(r.to, NS_ACTIVATING);
	CHECK_EQ(m.yielded, 0);

	/* the yield travels in the beats: the yielding node says so, and the
	 * peer, lower in priority, wins because of it */
	to_active(&m, &c);
	step(&m, FE_ADMIN_RELEASE, 7000);
	CHECK(fsm_beat_flags(&m) & HB_F_YIELDED);
	c.priority = 50;
	to_standby(&m, &c);
	CHECK((fsm_beat_flags(&m) & HB_F_YIELDED) == 0);
	r = beat(&m, 20000, NS_STANDBY, 200, PF, 5);
	CHECK_EQ(m.state, NS_STANDBY); /* a higher peer that did not yield keeps precedence */
	r = beat(&m, 20010, NS_STANDBY, 200, PF | HB_F_YIELDED, 5);
	CHECK_EQ(r.to, NS_ACTIVATING);
	CHECK_CONTAINS(r.reason, "peer yielded");
}

static void test_split_brain(void)
{
	struct fsm_config c = cfg_default();
	struct fsm m;
	struct fsm_result r;

	to_split(&m, c, 1);
	/* nothing but the admin (or health) moves it */
	CHECK_EQ(beat(&m, 7010, NS_STANDBY, 100, PF, 1).rule, -1);
	CHECK_EQ(step(&m, FE_PEER_DEAD, 7020).rule, -1);
	CHECK_EQ(step(&m, FE_TICK, 9000).rule, -1);
	CHECK_EQ(step(&m, FE_ADMIN_TAKEOVER, 9000).rule, -1);
	CHECK_EQ(m.state, NS_SPLIT_BRAIN);
	r = step(&m, FE_ADMIN_RESOLVE, 9100);
	CHECK_EQ(r.to, NS_ACTIVATING);
	CHECK_EQ(r.actions, (unsigned)(FA_CLAIM | FA_NOTIFY));
	r = step(&m, FE_CLAIM_DONE, 9110);
	CHECK_EQ(r.to, NS_ACTIVE);
	CHECK_EQ(m.epoch, 7u); /* survivor's epoch moves ahead */

	to_split(&m, c, 0);
	r = step(&m, FE_ADMIN_YIELD, 9100);
	CHECK_EQ(r.to, NS_STANDBY);
	CHECK_EQ(r.actions, (unsigned)(FA_RELEASE | FA_NOTIFY));
	CHECK_EQ(m.yielded, 1);
	/* the victim does not contest the survivor */
	CHECK_EQ(beat(&m, 9110, NS_SPLIT_BRAIN, 1, PF, 1).rule, -1);
	CHECK_EQ(m.state, NS_STANDBY);
}

/* Active with a witness, then peer and witness silent: stepped down */
static void to_isolated(struct fsm *m, const struct fsm_config *c)
{
	to_active(m, c);
	step(m, FE_PEER_DEAD, 6300);
	CHECK_EQ(step(m, FE_WITNESS_LOST, 6400).to, NS_INACTIVE);
	CHECK_EQ(m->isolated, 1);
}

static void test_witness(void)
{
	struct fsm_config c = cfg_default();
	struct fsm m;
	struct fsm_result r;

	c.witness = 1;
	/* alone at start: only with a witness reached */
	fsm_init(&m, &c, 5, T0);
	r = step(&m, FE_TICK, T0 + c.startup_wait_ms);
	CHECK_EQ(r.to, NS_STANDBY);
	CHECK_EQ(r.actions & FA_ALARM, (unsigned)FA_ALARM);
	CHECK_STR(r.reason, "startup wait over, no peer, but no witness reached");
	r = step(&m, FE_WITNESS_OK, T0 + c.startup_wait_ms + 10);
	CHECK_EQ(r.to, NS_ACTIVATING);
	CHECK_STR(r.reason, "witness reached, peer still dead: taking over");
	fsm_init(&m, &c, 5, T0);
	step(&m, FE_WITNESS_OK, T0 + 10);
	r = step(&m, FE_TICK, T0 + c.startup_wait_ms);
	CHECK_EQ(r.to, NS_ACTIVATING);

	/* Standby: the peer dies but no witness answers: stay, alarm */
	to_standby(&m, &c);
	r = step(&m, FE_PEER_DEAD, 2000);
	CHECK_EQ(r.to, NS_STANDBY);
	CHECK_EQ(r.actions, (unsigned)FA_ALARM);
	CHECK_STR(r.reason, "peer dead but no witness reached");
	CHECK_EQ(step(&m, FE_TICK, 4000).rule, -1); /* no retry without it */
	r = step(&m, FE_WITNESS_OK, 4100);
	CHECK_EQ(r.to, NS_ACTIVATING);
	/* ...with the witness reached it takes over at once */
	to_standby(&m, &c);
	step(&m, FE_WITNESS_OK, 1500);
	r = step(&m, FE_PEER_DEAD, 2000);
	CHECK_EQ(r.to, NS_ACTIVATING);
	/* a witness that comes back while the peer lives changes nothing */
	to_standby(&m, &c);
	CHECK_EQ(step(&m, FE_WITNESS_OK, 1500).rule, -1);
	CHECK_EQ(m.state, NS_STANDBY);
	/* Initializing: the peer dies before we settled */
	fsm_init(&m, &c, 5, T0);
	r = step(&m, FE_PEER_DEAD, T0 + 10);
	CHECK_EQ(r.to, NS_STANDBY);
	CHECK_STR(r.reason, "peer dead but no witness reached");

	/* Active: peer silent and witness lost (either order): isolated */
	to_active(&m, &c);
	step(&m, FE_WITNESS_OK, 6100);
	beat(&m, 6200, NS_STANDBY, 100, PF, 5);
	r = step(&m, FE_PEER_DEAD, 6300);
	CHECK_EQ(r.rule, -1); /* the witness answers: go on serving alone */
	r = step(&m, FE_WITNESS_LOST, 6400);
	CHECK_EQ(r.to, NS_INACTIVE);
	CHECK_EQ(r.actions, (unsigned)(FA_RELEASE | FA_ALARM | FA_NOTIFY));
	CHECK_STR(r.reason, "isolated: peer silent on every path and no witness reached");
	CHECK_EQ(m.isolated, 1);
	CHECK_EQ(m.holds_vip, 0);
	CHECK_EQ(fsm_beat_flags(&m) & HB_F_HEALTHY, 0); /* the peer sees we cannot serve */
	CHECK_EQ(fsm_serviceable(&m), 0);
	/* health coming and going does not end the isolation */
	CHECK_EQ(step(&m, FE_HEALTH_OK, 6500).rule, -1);
	CHECK_EQ(m.state, NS_INACTIVE);
	/* the peer heard again: isolation over, Idle (auto-failback off) */
	r = beat(&m, 6600, NS_ACTIVE, 100, PF | HB_F_HOLDS_VIP, 7);
	CHECK_EQ(r.to, NS_IDLE);
	CHECK_STR(r.reason, "isolation over; auto-failback off: waiting for admin restore");
	CHECK_EQ(m.isolated, 0);
	/* ...or with auto-failback, Standby */
	c.auto_failback = 1;
	to_active(&m, &c);
	step(&m, FE_WITNESS_LOST, 6100);
	r = step(&m, FE_PEER_DEAD, 6300);
	CHECK_EQ(r.to, NS_INACTIVE);
	r = beat(&m, 6600, NS_ACTIVE, 100, PF | HB_F_HOLDS_VIP, 7);
	CHECK_EQ(r.to, NS_STANDBY);
	CHECK_STR(r.reason, "isolation over");
	c.auto_failback = 0;
	/* the witness answers again and the peer is still silent: serve */
	to_isolated(&m, &c);
	r = step(&m, FE_WITNESS_OK, 6500);
	CHECK_EQ(r.to, NS_ACTIVATING);
	CHECK_STR(r.reason, "isolation over, peer dead: taking over");
	/* ...unless failover was disabled meanwhile */
	to_isolated(&m, &c);
	step(&m, FE_FAILOVER_DISABLE, 6450);
	r = step(&m, FE_WITNESS_OK, 6500);
	CHECK_EQ(r.to, NS_STANDBY);
	CHECK_STR(r.reason, "isolation over, peer dead but failover disabled");
	/* isolated while unhealthy: back only when both are over */
	to_isolated(&m, &c);
	step(&m, FE_HEALTH_FAIL, 6450);
	CHECK_EQ(step(&m, FE_WITNESS_OK, 6500).rule, -1);
	CHECK_EQ(m.state, NS_INACTIVE);
	r = step(&m, FE_HEALTH_OK, 6600);
	CHECK_EQ(r.to, NS_ACTIVATING);
	/* Activating is isolated too */
	to_activating(&m, &c);
	r = step(&m, FE_WITNESS_LOST, T0 + c.startup_wait_ms + 1);
	CHECK_EQ(r.to, NS_INACTIVE);
	/* without a witness configured nothing of this applies */
	c.witness = 0;
	to_active(&m, &c);
	CHECK_EQ(step(&m, FE_WITNESS_LOST, 6400).rule, -1);
	CHECK_EQ(step(&m, FE_PEER_DEAD, 6500).rule, -1);
	CHECK_EQ(m.state, NS_ACTIVE);
}

static void test_drbd_split_brain(void)
{
	struct fsm_config c = cfg_default();
	struct fsm m;
	struct fsm_result r;

	c.data_replicated = 1;
	/* Active, the peer Standby: we go on serving, re-announced */
	to_active_with_peer(&m, &c, 100, 7000);
	r = step(&m, FE_SPLIT_BRAIN, 7100);
	CHECK_EQ(r.to, NS_SPLIT_BRAIN);
	CHECK_EQ(r.actions, (unsigned)(FA_CLAIM | FA_ALARM | FA_NOTIFY));
	CHECK_STR(
	    r.reason,
	    "split brain reported by DRBD: this node keeps the IP (this node serves, the peer does not)");
	CHECK_EQ(m.holds_vip, 1);
	CHECK_EQ(step(&m, FE_SPLIT_BRAIN, 7200).rule, -1); /* once */
	/* Active and the peer Active too: the keeper rule */
	to_active(&m, &c);
	beat(&m, 7000, NS_SPLIT_BRAIN, 100, PF | HB_F_HOLDS_VIP, 5); /* row: drops */
	to_active(&m, &c);
	m.peer_alive = 1;
	m.peer_state = NS_ACTIVE;
	m.peer_epoch = 3;
	r = step(&m, FE_SPLIT_BRAIN, 7100);
	CHECK_EQ(r.to, NS_SPLIT_BRAIN);
	CHECK_EQ(r.actions, (unsigned)(FA_RELEASE | FA_ALARM | FA_NOTIFY));
	CHECK_EQ(m.holds_vip, 0);
	/* Activating: the takeover is called off */
	to_activating(&m, &c);
	r = step(&m, FE_SPLIT_BRAIN, 6100);
	CHECK_EQ(r.to, NS_SPLIT_BRAIN);
	CHECK_EQ(r.actions & FA_RELEASE, (unsigned)FA_RELEASE);
	/* Standby: waits for the admin, holds nothing */
	to_standby(&m, &c);
	r = step(&m, FE_SPLIT_BRAIN, 2000);
	CHECK_EQ(r.to, NS_SPLIT_BRAIN);
	CHECK_EQ(r.actions, (unsigned)(FA_ALARM | FA_NOTIFY));
	CHECK_EQ(step(&m, FE_PEER_DEAD, 2100).rule, -1); /* never promotes by itself */
	CHECK_EQ(m.state, NS_SPLIT_BRAIN);
	/* a health failure does not forget the split brain */
	r = step(&m, FE_HEALTH_FAIL, 2200);
	CHECK_EQ(r.to, NS_INACTIVE);
	CHECK_EQ(m.sb_pending, 1);
	r = step(&m, FE_HEALTH_OK, 2300);
	CHECK_EQ(r.to, NS_SPLIT_BRAIN);
	CHECK_STR(r.reason, "health back; split brain not repaired: waiting for the admin");
	/* chosen while Inactive: over, health back goes on normally */
	r = step(&m, FE_HEALTH_FAIL, 2310);
	CHECK_EQ(r.to, NS_INACTIVE);
	fsm_split_brain_resolved(&m);
	CHECK_EQ(m.sb_pending, 0);
	r = step(&m, FE_HEALTH_OK, 2320);
	CHECK(r.to != NS_SPLIT_BRAIN);
	m.sb_pending = 1; /* back for the rest of the test */
	m.state = NS_SPLIT_BRAIN;
	fsm_split_brain_resolved(&m); /* no effect in SplitBrain */
	CHECK_EQ(m.sb_pending, 1);
	/* the admin's choice ends it */
	r = step(&m, FE_ADMIN_YIELD, 2400);
	CHECK_EQ(r.to, NS_STANDBY);
	CHECK_EQ(m.sb_pending, 0);
	/* a restart does not forget it either */
	c.split_brain_pending = 1;
	fsm_init(&m, &c, 5, T0);
	r = step(&m, FE_START, T0);
	CHECK_EQ(r.to, NS_SPLIT_BRAIN);
	CHECK_EQ(r.actions, (unsigned)(FA_ALARM | FA_NOTIFY));
	CHECK_EQ(m.holds_vip, 0);
	CHECK_EQ(step(&m, FE_TICK, T0 + c.startup_wait_ms).rule, -1);
	CHECK_EQ(beat(&m, T0 + 10, NS_STANDBY, 100, PF, 5).rule, -1);
	r = step(&m, FE_ADMIN_RESOLVE, T0 + 20);
	CHECK_EQ(r.to, NS_ACTIVATING);
	CHECK_EQ(m.sb_pending, 0);
	c.split_brain_pending = 0;
	fsm_init(&m, &c, 5, T0);
	CHECK_EQ(step(&m, FE_START, T0).rule, -1);
}

static void test_inactive_idle(void)
{
	struct fsm_config c = cfg_default();
	struct fsm m;
	struct fsm_result r;

	/* health fails during start-up, comes back: resume waiting */
	fsm_init(&m, &c, 0, T0);
	r = step(&m, FE_HEALTH_FAIL, T0 + 100);
	CHECK_EQ(r.to, NS_INACTIVE);
	CHECK_EQ(r.actions, (unsigned)FA_NOTIFY);
	CHECK_EQ(step(&m, FE_HEALTH_FAIL, T0 + 200).rule, -1);
	CHECK_EQ(step(&m, FE_TICK, T0 + 9000).rule, -1); /* Inactive never takes over */
	CHECK_EQ(beat(&m, T0 + 9000, NS_STANDBY, 1, PF, 0).rule, -1);
	r = step(&m, FE_HEALTH_OK, T0 + 9100);
	CHECK_EQ(r.to, NS_INITIALIZING);
	r = beat(&m, T0 + 9110, NS_ACTIVE, 1, PF | HB_F_HOLDS_VIP, 0);
	CHECK_EQ(r.to, NS_STANDBY);

	/* after service: peer alive -> Standby (auto-failback) or Idle */
	c.auto_failback = 1;
	to_inactive(&m, &c);
	beat(&m, 7010, NS_ACTIVE, 100, PF, 7);
	r = step(&m, FE_HEALTH_OK, 7020);
	CHECK_EQ(r.to, NS_STANDBY);
	CHECK_EQ(m.healthy, 1);
	c.auto_failback = 0;
	to_inactive(&m, &c);
	beat(&m, 7010, NS_ACTIVE, 100, PF, 7);
	r = step(&m, FE_HEALTH_OK, 7020);
	CHECK_EQ(r.to, NS_IDLE);
	CHECK_CONTAINS(r.reason, "waiting for admin");
	/* peer dead: someone must serve */
	to_inactive(&m, &c);
	r = step(&m, FE_HEALTH_OK, 7020);
	CHECK_EQ(r.to, NS_ACTIVATING);
	CHECK_EQ(r.actions, (unsigned)(FA_PROBE | FA_NOTIFY));
	/* ...unless failover is disabled */
	to_inactive(&m, &c);
	step(&m, FE_FAILOVER_DISABLE, 7010);
	r = step(&m, FE_HEALTH_OK, 7020);
	CHECK_EQ(r.to, NS_STANDBY);
	CHECK_EQ(r.actions, (unsigned)(FA_ALARM | FA_NOTIFY));

	/* Idle: admin restore */
	to_idle(&m, &c);
	r = step(&m, FE_ADMIN_RESTORE, 8000);
	CHECK_EQ(r.to, NS_STANDBY);
	CHECK_STR(r.reason, "admin restore");
	to_idle(&m, &c);
	step(&m, FE_FAILOVER_DISABLE, 7900);
	step(&m, FE_PEER_DEAD, 7950); /* alarm only */
	CHECK_EQ(m.state, NS_IDLE);
	r = step(&m, FE_ADMIN_RESTORE, 8000);
	CHECK_EQ(r.to, NS_STANDBY); /* peer dead but failover disabled */
	to_idle(&m, &c);
	step(&m, FE_FAILOVER_DISABLE, 7900);
	step(&m, FE_PEER_DEAD, 7950);
	step(&m, FE_FAILOVER_ENABLE, 7960);
	r = step(&m, FE_ADMIN_RESTORE, 8000);
	CHECK_EQ(r.to, NS_ACTIVATING);
	/* Idle and healthy takes over rather than leave the service down */
	to_idle(&m, &c);
	r = step(&m, FE_PEER_DEAD, 8000);
	CHECK_EQ(r.to, NS_ACTIVATING);
	to_idle(&m, &c);
	r = beat(&m, 8000, NS_INACTIVE, 200, PF & ~HB_F_HEALTHY, 7);
	CHECK_EQ(r.to, NS_ACTIVATING);
	/* ...but ranks below a Standby peer */
	to_idle(&m, &c);
	r = beat(&m, 8000, NS_STANDBY, 1, PF, 7);
	CHECK_EQ(r.rule, -1);
	CHECK_EQ(m.state, NS_IDLE);
	/* Idle vs Idle: priority decides */
	r = beat(&m, 8010, NS_IDLE, 1, PF, 7);
	CHECK_EQ(r.to, NS_ACTIVATING);
	/* admin takeover from Idle */
	to_idle(&m, &c);
	r = step(&m, FE_ADMIN_TAKEOVER, 8000);
	CHECK_EQ(r.to, NS_ACTIVATING);
}

static void test_common(void)
{
	struct fsm_config c = cfg_default();
	struct fsm m;
	struct fsm_result r;

	/* health failure: release only where the IP could be held */
	fsm_init(&m, &c, 0, T0);
	CHECK_EQ(step(&m, FE_HEALTH_FAIL, 2000).actions, (unsigned)FA_NOTIFY);
	to_standby(&m, &c);
	CHECK_EQ(step(&m, FE_HEALTH_FAIL, 2000).actions, (unsigned)FA_NOTIFY);
	to_idle(&m, &c);
	CHECK_EQ(step(&m, FE_HEALTH_FAIL, 9000).actions, (unsigned)FA_NOTIFY);
	to_activating(&m, &c);
	r = step(&m, FE_HEALTH_FAIL, 9000);
	CHECK_EQ(r.to, NS_INACTIVE);
	CHECK_EQ(r.actions, (unsigned)(FA_RELEASE | FA_NOTIFY));
	to_active(&m, &c);
	r = step(&m, FE_HEALTH_FAIL, 9000);
	CHECK_EQ(r.to, NS_INACTIVE);
	CHECK_EQ(r.actions, (unsigned)(FA_RELEASE | FA_NOTIFY));
	CHECK_STR(r.reason, "local health failed");
	CHECK_EQ(fsm_beat_flags(&m), HB_F_FAILOVER_ENABLED);
	to_split(&m, c, 1);
	r = step(&m, FE_HEALTH_FAIL, 9000);
	CHECK_EQ(r.to, NS_INACTIVE);
	CHECK_EQ(r.actions, (unsigned)(FA_RELEASE | FA_NOTIFY));

	/* the failover switch: every state, no state change, beats carry it */
	for (int s = 0; s < NS_COUNT; s++) {
		switch (s) {
		case NS_INITIALIZING:
			fsm_init(&m, &c, 0, T0);
			break;
		case NS_ACTIVATING:
			to_activating(&m, &c);
			break;
		case NS_ACTIVE:
			to_active(&m, &c);
			break;
		case NS_STANDBY:
			to_standby(&m, &c);
			break;
		case NS_IDLE:
			to_idle(&m, &c);
			break;
		case NS_INACTIVE:
			to_inactive(&m, &c);
			break;
		default:
			to_split(&m, c, 1);
			break;
		}
		CHECK_EQ((int)m.state, s);
		r = step(&m, FE_FAILOVER_DISABLE, 20000);
		CHECK_EQ((int)r.to, s);
		CHECK_EQ(r.actions, (unsigned)FA_NOTIFY);
		CHECK_EQ(m.failover_enabled, 0);
		CHECK_EQ(fsm_beat_flags(&m) & HB_F_FAILOVER_ENABLED, 0);
		r = step(&m, FE_FAILOVER_ENABLE, 20010);
		CHECK_EQ((int)r.to, s);
		CHECK_EQ(r.actions, (unsigned)FA_NOTIFY);
		CHECK_EQ(m.failover_enabled, 1);
		CHECK_EQ(fsm_beat_flags(&m) & HB_F_FAILOVER_ENABLED, HB_F_FAILOVER_ENABLED);
	}

	/* ignored events keep the last reason and say they were ignored */
	to_standby(&m, &c);
	char before[sizeof(m.reason)];
	memcpy(before, m.reason, sizeof(before));
	r = step(&m, FE_CLAIM_DONE, 3000);
	CHECK_EQ(r.rule, -1);
	CHECK_CONTAINS(r.reason, "ignored");
	CHECK_STR(m.reason, before);
	struct fsm_event bad = {.type = (enum fsm_event_type)99, .now_ms = 3000};
	r = step_ev(&m, &bad);
	CHECK_EQ(r.rule, -1);
	CHECK_EQ(m.state, NS_STANDBY);
	/* HEALTH_OK outside Inactive: a fact, not a transition */
	to_standby(&m, &c);
	m.healthy = 0;
	CHECK_EQ(step(&m, FE_HEALTH_OK, 3000).rule, -1);
	CHECK_EQ(m.healthy, 1);
}

static void test_print_table(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	CHECK(f != NULL);
	if (!f)
		return;
	fsm_print_table(f);
	fclose(f);
	size_t lines = 0;
	for (size_t i = 0; i < len; i++)
		lines += buf[i] == '\n';
	CHECK_EQ(lines, fsm_rule_count() + 1);
	CHECK_CONTAINS(buf, "SplitBrain");
	CHECK_CONTAINS(buf, "peer dead (all paths silent)");
	CHECK_CONTAINS(buf, "probe/claim");

	/* docs/STATE_MACHINE.md must hold this exact table (run from the repo root) */
	FILE *doc = fopen("docs/STATE_MACHINE.md", "r");
	if (doc) {
		static char text[64 * 1024];
		size_t n = fread(text, 1, sizeof(text) - 1, doc);
		text[n] = '\0';
		fclose(doc);
		CHECK(strstr(text, buf) != NULL);
		if (!strstr(text, buf))
			fprintf(stderr, "docs/STATE_MACHINE.md: table differs from twind --print-fsm\n");
	} else {
		fprintf(stderr, "note: docs/STATE_MACHINE.md not found from here; table copy not checked\n");
	}
	free(buf);
}

/* --- two-node simulation: beats carry each FSM's state to the other --- */

struct node {
	struct fsm m;
	int up;
	int heard; /* has had a beat since the peer was last declared dead */
	int probe_pending, claim_pending;
};

static int sim_fail; /* rounds that ended with both nodes Active */
static int sim_bad;  /* results that broke an invariant */

static void deliver(struct node *n, const struct fsm_event *ev)
{
	struct fsm_result r = fsm_step(&n->m, ev);

	if (!result_ok(&n->m, &r))
		sim_bad++;

	if (r.actions & FA_PROBE)
		n->probe_pending = 1;
	if (r.actions & FA_CLAIM)
		n->claim_pending = 1;
	if (r.actions & FA_RELEASE)
		n->claim_pending = 0;
}

static struct fsm_event beat_from(const struct node *from, uint64_t now, int first)
{
	struct fsm_event ev = {
	    .type = first ? FE_PEER_UP : FE_PEER_BEAT,
	    .now_ms = now,
	    .peer_state = (uint8_t)from->m.state,
	    .peer_priority = from->m.cfg.priority,
	    .peer_flags = fsm_beat_flags(&from->m),
	    .peer_epoch = from->m.epoch,
	};
	return ev;
}

/* Run both nodes for dur ms in 10 ms rounds: side effects complete within
 * a round, beats sent at the start of a round arrive within it. */
static void sim_run(struct node n[2], uint64_t *now, uint64_t dur, int linked)
{
	for (uint64_t end = *now + dur; *now < end; *now += 10) {
		struct fsm_event b[2];

		for (int i = 0; i < 2; i++)
			b[i] = beat_from(&n[i], *now, !n[1 - i].heard);
		for (int i = 0; i < 2; i++) {
			struct node *me = &n[i], *peer = &n[1 - i];
			if (!me->up)
				continue;
			if (me->probe_pending) {
				struct fsm_event ev = {.now_ms = *now};
				me->probe_pending = 0;
				/* cut link: the probe does not reach the peer either */
				ev.type = (linked && peer->up && peer->m.holds_vip) ? FE_PROBE_CONFLICT
										    : FE_PROBE_CLEAR;
				deliver(me, &ev);
			}
			if (me->claim_pending) {
				struct fsm_event ev = {.type = FE_CLAIM_DONE, .now_ms = *now};
				me->claim_pending = 0;
				deliver(me, &ev);
			}
			struct fsm_event t = {.type = FE_TICK, .now_ms = *now};
			deliver(me, &t);
			if (linked && peer->up) {
				deliver(me, &b[1 - i]);
				me->heard = 1;
			}
		}
		/* no data replication here: both Active may last only until beats cross */
		if (n[0].up && n[1].up && n[0].m.state == NS_ACTIVE && n[1].m.state == NS_ACTIVE)
			sim_fail++;
	}
}

static void peer_dead(struct node *n, uint64_t now)
{
	struct fsm_event ev = {.type = FE_PEER_DEAD, .now_ms = now};
	n->heard = 0;
	deliver(n, &ev);
}

static void boot(struct node *n, const struct fsm_config *c, uint64_t epoch, uint64_t now)
{
	memset(n, 0, sizeof(*n));
	fsm_init(&n->m, c, epoch, now);
	n->up = 1;
}

static int n_active(const struct node n[2])
{
	return (n[0].up && n[0].m.state == NS_ACTIVE) + (n[1].up && n[1].m.state == NS_ACTIVE);
}

/* a (id 1, priority 150) and b (id 2, priority 100) */
static void pair_configs(struct fsm_config *ca, struct fsm_config *cb)
{
	*ca = cfg_default();
	*cb = cfg_default();
	ca->priority = 150;
	cb->node_id = 2;
	cb->peer_id = 1;
}

static void scenario(int auto_failback, int a_first)
{
	struct fsm_config ca, cb;
	struct node n[2];
	uint64_t now = T0;

	pair_configs(&ca, &cb);
	ca.auto_failback = cb.auto_failback = auto_failback;
	sim_fail = 0;

	/* both start together: the higher priority wins */
	boot(&n[0], &ca, 0, now);
	boot(&n[1], &cb, 0, now);
	if (!a_first)
		n[0].up = 0; /* B boots alone first and serves after the startup wait */
	sim_run(n, &now, 7000, 1);
	if (!a_first) {
		CHECK_EQ(n[1].m.state, NS_ACTIVE);
		boot(&n[0], &ca, 0, now);
		sim_run(n, &now, 2000, 1);
		/* A joins: Standby, or takes over with auto-failback */
		CHECK_EQ(n[0].m.state, auto_failback ? NS_ACTIVE : NS_STANDBY);
		CHECK_EQ(n[1].m.state, auto_failback ? NS_STANDBY : NS_ACTIVE);
		if (!auto_failback) {
			/* hand over by admin so the rest runs the same way */
			struct fsm_event rel = {.type = FE_ADMIN_RELEASE, .now_ms = now};
			struct fsm_event tko = {.type = FE_ADMIN_TAKEOVER, .now_ms = now};
			deliver(&n[1], &rel);
			deliver(&n[0], &tko);
			sim_run(n, &now, 1000, 1);
		}
	}
	CHECK_EQ(n_active(n), 1);
	CHECK_EQ(n[0].m.state, NS_ACTIVE);
	CHECK_EQ(n[1].m.state, NS_STANDBY);

	/* A dies: B takes over */
	n[0].up = 0;
	peer_dead(&n[1], now);
	sim_run(n, &now, 1000, 1);
	CHECK_EQ(n[1].m.state, NS_ACTIVE);
	CHECK_EQ(n_active(n), 1);
	uint64_t b_epoch = n[1].m.epoch;
	CHECK(b_epoch > n[0].m.epoch);

	/* A comes back (epoch restored from disk) */
	boot(&n[0], &ca, n[0].m.epoch, now);
	sim_run(n, &now, 3000, 1);
	CHECK_EQ(n_active(n), 1);
	if (auto_failback) {
		CHECK_EQ(n[0].m.state, NS_ACTIVE);
		CHECK_EQ(n[1].m.state, NS_STANDBY);
	} else {
		CHECK_EQ(n[0].m.state, NS_STANDBY);
		CHECK_EQ(n[1].m.state, NS_ACTIVE);
	}
	CHECK_EQ(n[0].m.holds_vip + n[1].m.holds_vip, 1);
	CHECK_EQ(sim_fail, 0);
}

/* The link is cut while both live: both serve; when it heals, the keeper
 * rule leaves one (no DRBD) or raises split brain (DRBD). */
static void scenario_partition(int replicated)
{
	struct fsm_config ca, cb;
	struct node n[2];
	uint64_t now = T0;

	pair_configs(&ca, &cb);
	ca.data_replicated = cb.data_replicated = replicated;
	boot(&n[0], &ca, 0, now);
	boot(&n[1], &cb, 0, now);
	sim_run(n, &now, 2000, 1);
	CHECK_EQ(n[0].m.state, NS_ACTIVE);
	peer_dead(&n[1], now);
	peer_dead(&n[0], now);
	sim_run(n, &now, 1000, 0);
	CHECK_EQ(n_active(n), 2);
	CHECK(n[1].m.epoch > n[0].m.epoch);
	sim_fail = 0;
	sim_run(n, &now, 1000, 1);
	if (replicated) {
		CHECK_EQ(n[0].m.state, NS_SPLIT_BRAIN);
		CHECK_EQ(n[1].m.state, NS_SPLIT_BRAIN);
		/* A served without interruption (B took over during the split) */
		CHECK_EQ(n[0].m.holds_vip, 1);
		CHECK_EQ(n[1].m.holds_vip, 0);
		/* the admin yields the victim, then resolves the survivor */
		struct fsm_event y = {.type = FE_ADMIN_YIELD, .now_ms = now};
		struct fsm_event s = {.type = FE_ADMIN_RESOLVE, .now_ms = now};
		deliver(&n[1], &y);
		deliver(&n[0], &s);
		sim_run(n, &now, 1000, 1);
	}
	/* the IP stays where it was before the split: it moved at most once */
	CHECK_EQ(n[0].m.state, NS_ACTIVE);
	CHECK_EQ(n[1].m.state, NS_STANDBY);
	CHECK_EQ(n[1].m.sb_pending + n[0].m.sb_pending, 0);
	CHECK_EQ(n[0].m.holds_vip + n[1].m.holds_vip, 1);
	CHECK(sim_fail <= 1); /* at most the round in which the beats cross */
}

/* A's monitored interface goes down (degraded), then comes back: one
 * coordinated handover each way at most, never both Active, no flapping. */
static void scenario_degraded(int auto_failback)
{
	struct fsm_config ca, cb;
	struct node n[2];
	uint64_t now = T0;

	pair_configs(&ca, &cb);
	ca.auto_failback = cb.auto_failback = auto_failback;
	sim_fail = 0;
	boot(&n[0], &ca, 0, now);
	boot(&n[1], &cb, 0, now);
	sim_run(n, &now, 2000, 1);
	CHECK_EQ(n[0].m.state, NS_ACTIVE);

	n[0].m.degraded = 1;
	sim_run(n, &now, 2000, 1);
	CHECK_EQ(n[0].m.state, NS_STANDBY);
	CHECK_EQ(n[1].m.state, NS_ACTIVE);
	CHECK_EQ(n[0].m.holds_vip, 0);

	/* B degraded too: nobody is better, B keeps it; auto-failback goes
	 * by priority again */
	n[1].m.degraded = 1;
	sim_run(n, &now, 1000, 1);
	CHECK_EQ(n[1].m.state, auto_failback ? NS_STANDBY : NS_ACTIVE);
	CHECK_EQ(n[0].m.state, auto_failback ? NS_ACTIVE : NS_STANDBY);

	/* A recovers: B (still degraded) hands back */
	n[0].m.degraded = 0;
	sim_run(n, &now, 1000, 1);
	CHECK_EQ(n[0].m.state, NS_ACTIVE);
	CHECK_EQ(n[1].m.state, NS_STANDBY);
	/* B recovers: A keeps it */
	n[1].m.degraded = 0;
	sim_run(n, &now, 1000, 1);
	CHECK_EQ(n[0].m.state, NS_ACTIVE);
	CHECK_EQ(n[1].m.state, NS_STANDBY);

	/* degraded A, B preferred by nothing but health: after A recovers,
	 * auto-failback (A has the higher priority) is the only way back */
	n[0].m.degraded = 1;
	sim_run(n, &now, 1000, 1);
	CHECK_EQ(n[1].m.state, NS_ACTIVE);
	n[0].m.degraded = 0;
	sim_run(n, &now, 1000, 1);
	CHECK_EQ(n[0].m.state, auto_failback ? NS_ACTIVE : NS_STANDBY);
	CHECK_EQ(n[1].m.state, auto_failback ? NS_STANDBY : NS_ACTIVE);
	CHECK_EQ(n[0].m.holds_vip + n[1].m.holds_vip, 1);
	CHECK_EQ(sim_fail, 0);
}

static void test_scenarios(void)
{
	sim_bad = 0;
	for (int fb = 0; fb < 2; fb++)
		for (int first = 0; first < 2; first++)
			scenario(fb, first);
	scenario_partition(0);
	scenario_partition(1);
	scenario_degraded(0);
	scenario_degraded(1);
	CHECK_EQ(sim_bad, 0);
}

static void test_every_row_hit(void)
{
	size_t n = fsm_rule_count(), missed = 0;

	CHECK(n > 30);
	CHECK_EQ(fsm_rule_hits(0), 0ul);
	CHECK_EQ(fsm_rule_hits(n + 1), 0ul);
	for (size_t i = 1; i <= n; i++) {
		if (fsm_rule_hits(i) == 0) {
			fprintf(stderr, "fsm rule %zu never matched\n", i);
			missed++;
		}
	}
	CHECK_EQ(missed, 0u);
}

TEST_MAIN("fsm", {
	test_init_and_names();
	test_keeper_rule();
	test_initializing_beats();
	test_initializing_timers();
	test_standby();
	test_activating();
	test_active_dual();
	test_active_other();
	test_yielded();
	test_split_brain();
	test_witness();
	test_drbd_split_brain();
	test_inactive_idle();
	test_common();
	test_print_table();
	test_scenarios();
	test_every_row_hit();
})
