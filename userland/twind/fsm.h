/* Node state machine: pure logic, no I/O, no clock reads. The daemon feeds it
 * events (with the time), it answers with the new state and the actions the
 * daemon must carry out. The table of transitions is printed by
 * `twind --print-fsm` and listed in docs/STATE_MACHINE.md. */
#ifndef TWIN_FSM_H
#define TWIN_FSM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "node_state.h"

enum fsm_event_type {
	FE_START,	   /* daemon started */
	FE_TICK,	   /* time passed (checks the startup wait) */
	FE_PEER_UP,	   /* first valid beat after silence (any path) */
	FE_PEER_BEAT,	   /* a valid beat: peer state, epoch, priority, flags */
	FE_PEER_DEAD,	   /* every path silent for the detection time */
	FE_HEALTH_FAIL,	   /* tracked interface down or health command failing */
	FE_HEALTH_OK,	   /* health back */
	FE_PROBE_CLEAR,	   /* nobody answered the ARP probe for the failover IP */
	FE_PROBE_CONFLICT, /* someone answered: the IP is in use */
	FE_CLAIM_DONE,	   /* failover IP added and GARP sent */
	FE_CLAIM_FAILED,   /* adding the IP failed */
	FE_ADMIN_RESTORE,  /* restore an Idle node */
	FE_ADMIN_TAKEOVER, /* become Active (coordinated by the caller) */
	FE_ADMIN_RELEASE,  /* give up Active (handover to the peer) */
	FE_ADMIN_RESOLVE,  /* split brain: this node is the survivor */
	FE_ADMIN_YIELD,	   /* split brain: this node is the victim */
	FE_WITNESS_OK,	   /* a witness answers again (witness configured) */
	FE_WITNESS_LOST,   /* no witness answered for the witness timeout */
	FE_SPLIT_BRAIN,	   /* DRBD reported split brain (its split-brain handler) */
	FE_FAILOVER_ENABLE,
	FE_FAILOVER_DISABLE,
};

struct fsm_event {
	enum fsm_event_type type;
	uint64_t now_ms;
	/* FE_PEER_BEAT / FE_PEER_UP: */
	uint8_t peer_state;
	uint8_t peer_priority;
	uint8_t peer_flags; /* HB_F_* */
	uint64_t peer_epoch;
};

/* actions, a bit set */
#define FA_PROBE      0x01 /* start an ARP probe of the failover IP(s) */
#define FA_CLAIM      0x02 /* add the failover IP(s), GARP burst; then send FE_CLAIM_DONE */
#define FA_RELEASE    0x04 /* remove the failover IP(s) */
#define FA_EPOCH_BUMP 0x08 /* epoch = max(ours, peer's)+1 (done by fsm_step), persist */
#define FA_ALARM      0x10 /* raise the alarm named in reason */
#define FA_NOTIFY     0x20 /* state changed: log, notify hooks, beat now */

struct fsm_config {
	uint8_t priority;
	uint8_t node_id;
	uint8_t peer_id;
	uint32_t startup_wait_ms;
	int auto_failback;
	int failover_enabled;
	int probe;		 /* 0: skip ARP probe, go straight to claim */
	int data_replicated;	 /* DRBD in use: dual-active becomes split brain for the admin */
	int witness;		 /* a witness is configured: serving alone needs it reached */
	int split_brain_pending; /* a split brain was not repaired before the restart */
};

struct fsm {
	struct fsm_config cfg;
	enum node_state state;
	uint64_t epoch; /* our epoch, restored from disk by the caller */
	uint64_t started_ms;
	int peer_alive;
	uint8_t peer_state;
	uint64_t peer_epoch;
	uint8_t peer_priority;
	int healthy;
	/* Some monitored interfaces down, not all: still serves, but a healthy
	 * peer is preferred. Set by the caller (no event): the rules read it
	 * at the next beat. */
	int degraded;
	/* This node's beats lapsed while it served (its loop stalled past the
	 * beat lease, the XDP fence cut its failover IP): it did not serve
	 * without interruption, so it is never the dual-active keeper. Set by
	 * the caller, cleared by fsm_step when the node stops serving. */
	int interrupted;
	int failover_enabled;
	uint64_t last_active_ms; /* last time this node was Active, 0 = never */
	char reason[128];	 /* why the last transition/alarm happened */

	/* Kept by fsm_step; callers read them for status, never write them. */
	uint8_t peer_flags;	  /* HB_F_* of the last beat */
	int peer_seen;		  /* a beat has arrived since fsm_init */
	int yielded;		  /* admin release/yield: lose elections (see STATE_MACHINE.md) */
	uint64_t yielded_ms;	  /* when, for FSM_YIELD_MAX_MS */
	uint64_t last_attempt_ms; /* last entry into Activating, 0 = never: rate-limits re-tries */
	int holds_vip;		  /* a claim was ordered and not released since */
	int settled;		  /* left Initializing for a state other than Inactive */
	int witness_reached;	  /* a fact like healthy: the daemon sets it before WITNESS_ and PEER_DEAD */
	int isolated;		  /* stepped down: peer and every witness silent */
	int sb_pending;		  /* split brain not repaired: kept through Inactive and restarts */
};

/* An automatic re-try of a takeover (after a probe conflict or failed claim)
 * waits this long after the previous attempt. */
#define FSM_RETRY_MS 1000
/* An admin release the peer never followed by going Active stops counting
 * after this, so a failed handover cannot leave both nodes passive. */
#define FSM_YIELD_MAX_MS 10000

struct fsm_result {
	enum node_state from, to;
	unsigned actions;   /* FA_* */
	const char *reason; /* points into fsm->reason, or a constant when no rule matched; never NULL */
	int rule;	    /* row number of the rule that matched (1.., as printed), -1 = none */
};

void fsm_init(struct fsm *m, const struct fsm_config *cfg, uint64_t epoch, uint64_t now_ms);
struct fsm_result fsm_step(struct fsm *m, const struct fsm_event *ev);
const char *fsm_event_name(enum fsm_event_type t);

/* Does the dual-active / split-brain rule keep this node serving? Fixed
 * rule: the node that kept serving without interruption, i.e. the lower
 * epoch (every takeover moves the epoch past every epoch seen, so the node
 * that took over during the split has the higher one), then the lower node
 * id. The IP then moves at most once. */
int fsm_split_brain_keeper(uint64_t my_epoch, uint8_t my_id, uint64_t peer_epoch, uint8_t peer_id);

/* The admin chose while this node was Inactive (not SplitBrain): the
 * pending split brain is over. */
void fsm_split_brain_resolved(struct fsm *m);

/* Local health and isolation together: may this node serve at all? */
int fsm_serviceable(const struct fsm *m);

/* HB_F_* flags our heartbeats carry (failover enabled, healthy, degraded, holds VIP). */
uint8_t fsm_beat_flags(const struct fsm *m);

/* The transition table, rows numbered 1..fsm_rule_count() as in
 * fsm_result.rule; printed by `twind --print-fsm`. */
void fsm_print_table(FILE *f);
size_t fsm_rule_count(void);
/* How often row n matched in this process (tests check every row is reached). */
unsigned long fsm_rule_hits(size_t n);

#endif
