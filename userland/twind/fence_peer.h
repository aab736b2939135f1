/* DRBD's fence-peer handler, answered by twind (docs/SPLIT_BRAIN.md,
 * "Fencing"): pure logic, no I/O.
 *
 * With `fencing resource-and-stonith` DRBD freezes a Primary's I/O when the
 * replication link (eth1) breaks, and when a Secondary with an unknown peer
 * is promoted, and runs the fence-peer handler. The handler (twinctl
 * drbd-event fence-peer) asks twind until twind decides; its exit code tells
 * DRBD what became of the peer's disk, and DRBD thaws I/O for every code but
 * "wait". A write is thus acknowledged only where the other copy is known
 * to be either in sync or out of the game. */
#ifndef TWIN_FENCE_PEER_H
#define TWIN_FENCE_PEER_H

#include <stddef.h>

#include "drbd.h"

/* DRBD's documented exit codes of fence-peer (drbd.conf(5), 8.4) */
enum fence_rc {
	FENCE_WAIT = 0,		/* not decided: I/O stays frozen */
	FENCE_INCONSISTENT = 3, /* the peer's disk is Inconsistent or worse */
	FENCE_OUTDATED = 4,	/* the peer's disk is Outdated (now or before) */
	FENCE_UNREACHABLE = 5,	/* the peer cannot be reached: assumed dead */
	FENCE_FENCED = 7,	/* the peer is out of the cluster (stepped down as isolated) */
};

struct fence_in {
	int drbd_connected;	  /* the replication link is back */
	int peer_alive;		  /* beats on some path (eth0 when eth1 is cut) */
	int peer_answered;	  /* the peer replied to our outdate request */
	enum drbd_disk peer_disk; /* ... with its own disk state then */
	int peer_primary;	  /* ... saying it is Primary (it cannot be outdated) */
	int serving;		  /* this node is Active or Activating */
	int witness_configured;	  /* a witness decides who may serve alone */
	int witness_reached;	  /* ... and answered after the peer fell silent */
	int isolated;		  /* stepped down: the peer and every witness silent */
};

/* What to answer now, and why in one line. */
enum fence_rc fence_decide(const struct fence_in *in, char *why, size_t len);
const char *fence_rc_name(enum fence_rc rc);

#endif
