#include "takeover_reason.h"

enum takeover_reason takeover_reason_of(enum fsm_event_type ev, enum node_state from, int peer_state)
{
	switch (ev) {
	case FE_PEER_DEAD:
		return TR_PEER_DEAD;
	case FE_TICK: /* Initializing: the start-up wait; Standby/Idle: a re-try of a dead peer */
		return from == NS_INITIALIZING ? TR_STARTUP : TR_PEER_DEAD;
	case FE_PEER_UP:
	case FE_PEER_BEAT:
		if (from == NS_INACTIVE)
			return TR_RECOVERED;
		return peer_state == NS_INACTIVE || peer_state == NS_SPLIT_BRAIN ? TR_PEER_INACTIVE
										 : TR_ELECTION;
	case FE_WITNESS_OK:
	case FE_HEALTH_OK:
		return from == NS_INACTIVE ? TR_RECOVERED : TR_PEER_DEAD;
	case FE_ADMIN_TAKEOVER:
	case FE_ADMIN_RESTORE:
		return TR_ADMIN;
	case FE_ADMIN_RESOLVE:
		return TR_SPLIT_BRAIN;
	default:
		return TR_OTHER;
	}
}

const char *takeover_reason_name(enum takeover_reason r)
{
	static const char *const names[TR_COUNT] = {
	    [TR_PEER_DEAD] = "peer_dead",     [TR_PEER_INACTIVE] = "peer_inactive",
	    [TR_ELECTION] = "election",	      [TR_ADMIN] = "admin",
	    [TR_STARTUP] = "startup",	      [TR_RECOVERED] = "recovered",
	    [TR_SPLIT_BRAIN] = "split_brain", [TR_OTHER] = "other",
	};
	return (unsigned)r < TR_COUNT ? names[r] : "other";
}
