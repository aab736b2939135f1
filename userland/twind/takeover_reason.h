/* Why this node took over, for the failover counters of `status`
 * (failover.reason.*, docs/CONTROL.md) and twin-exporter's
 * twin_failovers_total{reason}. Pure: from the fsm event that moved the node
 * into Activating. */
#ifndef TWIN_TAKEOVER_REASON_H
#define TWIN_TAKEOVER_REASON_H

#include "fsm.h"

enum takeover_reason {
	TR_PEER_DEAD,	  /* the peer silent on every path (also a re-try, or a witness back while it is) */
	TR_PEER_INACTIVE, /* the peer alive but said it cannot serve (health failed, shutting down) */
	TR_ELECTION,	  /* won the election against a live peer that did not serve */
	TR_ADMIN,	  /* twinctl takeover (coordinated or forced), restore with the peer dead */
	TR_STARTUP,	  /* start-up wait over with no peer */
	TR_RECOVERED,	  /* this node's health or witness back while the peer is dead */
	TR_SPLIT_BRAIN,	  /* the admin chose this node as the split-brain survivor */
	TR_OTHER,
	TR_COUNT
};

/* ev: the event whose step entered Activating; from: the state before;
 * peer_state: the peer's state in its last beat (NS_*). */
enum takeover_reason takeover_reason_of(enum fsm_event_type ev, enum node_state from, int peer_state);
/* "peer_dead", ...: a status key segment and a label value ([a-z_]) */
const char *takeover_reason_name(enum takeover_reason r);

#endif
