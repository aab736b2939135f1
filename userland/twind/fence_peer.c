#include "fence_peer.h"

#include <stdio.h>

const char *fence_rc_name(enum fence_rc rc)
{
	switch (rc) {
	case FENCE_WAIT:
		return "wait";
	case FENCE_INCONSISTENT:
		return "peer inconsistent";
	case FENCE_OUTDATED:
		return "peer outdated";
	case FENCE_UNREACHABLE:
		return "peer unreachable";
	case FENCE_FENCED:
		return "peer fenced";
	}
	return "?";
}

enum fence_rc fence_decide(const struct fence_in *in, char *why, size_t len)
{
	if (in->drbd_connected) {
		/* DRBD ignores a fence-peer answer once reconnected */
		snprintf(why, len, "the replication link is back: nothing to fence");
		return FENCE_OUTDATED;
	}
	if (in->peer_answered && !in->peer_primary) {
		if (in->peer_disk == DRBD_DISK_OUTDATED) {
			snprintf(why, len, "the peer outdated its disk (asked over the LAN)");
			return FENCE_OUTDATED;
		}
		if (in->peer_disk != DRBD_DISK_UNKNOWN && in->peer_disk <= DRBD_DISK_INCONSISTENT) {
			snprintf(why, len, "the peer's disk is %s", drbd_disk_name(in->peer_disk));
			return FENCE_INCONSISTENT;
		}
	}
	if (in->peer_alive) {
		if (in->peer_primary)
			snprintf(why, len,
				 "the peer is Primary and cannot be outdated: writes stay frozen until one "
				 "node yields (two nodes serve: split brain)");
		else
			snprintf(why, len, "asking the peer over the LAN to outdate its disk");
		return FENCE_WAIT;
	}
	if (in->isolated) {
		snprintf(why, len,
			 "isolated (the peer and every witness silent): writes stay frozen, "
			 "none is acknowledged");
		return FENCE_WAIT;
	}
	if (!in->serving) {
		snprintf(why, len, "the peer is silent and this node does not serve: no right to fence it");
		return FENCE_WAIT;
	}
	if (in->witness_configured) {
		if (!in->witness_reached) {
			snprintf(why, len, "the peer is silent: waiting for a witness to answer");
			return FENCE_WAIT;
		}
		snprintf(why, len,
			 "the peer is silent on every path and the witness answers: cut off, "
			 "the peer steps down as isolated");
		return FENCE_FENCED;
	}
	snprintf(why, len,
		 "the peer is silent on every path: assumed dead (no witness: if it is "
		 "alive and cut off, this is a split brain)");
	return FENCE_UNREACHABLE;
}
