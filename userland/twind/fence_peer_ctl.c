/* DRBD fencing in the daemon: see fence_peer_ctl.h. */
#include "fence_peer_ctl.h"
#include "clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "ctl_proto.h"
#include "daemon.h"
#include "fence_peer.h"
#include "log.h"
#include "power.h"
#include "replica.h"

#define ASK_EVERY_MS	50    /* the peer's outdate, asked again until its disk says so */
#define DEMOTE_GRACE_MS 5000  /* a demote of frozen DRBD may hang: restart anyway after this */
#define HANDLER_GONE_MS 10000 /* no poll for this long: DRBD's handler ended */
#define FROZEN_ALARM	"DRBD writes frozen"

struct fpc {
	uint64_t tag;
	struct drbd_ctl ctl; /* our drbdadm outdate, asked by the peer */

	/* a fence-peer handler is waiting for our answer */
	int pending;
	uint64_t started_ms, last_poll_ms;
	int asking; /* drbd-outdate in flight */
	uint64_t next_ask_ms;
	int peer_answered, peer_primary;
	enum drbd_disk peer_disk;
	char msg[256];
	int self_fenced;
	uint64_t isolated_ms; /* when this node was first seen isolated while frozen */

	/* the last decision, for status */
	enum fence_rc last_rc;
	uint64_t last_took_ms, last_real_s;
	char last_msg[256];
	uint64_t count;
};

int fpc_open(struct twind *d, uint64_t epoll_tag, char *err, size_t errlen)
{
	struct fpc *f = calloc(1, sizeof(*f));

	if (!f) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	f->tag = epoll_tag;
	drbd_ctl_init(&f->ctl);
	d->fpc = f;
	return 0;
}

void fpc_close(struct twind *d)
{
	if (!d->fpc)
		return;
	drbd_ctl_abort(&d->fpc->ctl);
	free(d->fpc);
	d->fpc = NULL;
}

static void outdate_reply(void *ctx, int ok, const struct ctl_reply *rep, const char *err)
{
	struct twind *d = ctx;
	struct fpc *f = d->fpc;

	if (!f)
		return;
	f->asking = 0;
	if (!ok) {
		log_debug("fence-peer: the peer's outdate: %s", err ? err : "refused");
		return;
	}
	const char *role = ctl_get(rep, "role");
	f->peer_answered = 1;
	f->peer_disk = drbd_disk_from_name(ctl_get(rep, "disk"));
	f->peer_primary = role && !strcmp(role, "Primary");
}

static void ask_peer(struct twind *d)
{
	struct fpc *f = d->fpc;
	const char *req[] = {"drbd-outdate", d->cfg.drbd_resource};
	char err[256];

	if (f->asking || !d->peer.alive || mono_ms() < f->next_ask_ms)
		return;
	f->next_ask_ms = mono_ms() + ASK_EVERY_MS;
	if (cluster_peer_call(d, 2, req, outdate_reply, d, err, sizeof(err)))
		f->asking = 1;
	else
		log_debug("fence-peer: cannot ask the peer: %s", err);
}

static enum fence_rc decide(struct twind *d, char *why, size_t len)
{
	const struct fpc *f = d->fpc;
	const struct drbd_status *st = &d->drbd_st;
	struct fence_in in = {
	    .drbd_connected = d->drbd_st_ok && drbd_connected(st),
	    .peer_alive = d->peer.alive,
	    .peer_answered = f->peer_answered,
	    .peer_disk = f->peer_disk,
	    .peer_primary = f->peer_primary,
	    .serving = d->fsm.state == NS_ACTIVE || d->fsm.state == NS_ACTIVATING,
	    .witness_configured = d->cfg.n_witness > 0,
	    .witness_reached = d->cfg.n_witness > 0 && act_witness_reached(d),
	    .isolated = d->fsm.isolated,
	};
	/* the peer's beats carry its disk state: its outdate shows in the
	 * beat it sends right after, before our next ask */
	enum drbd_disk beat = (enum drbd_disk)d->peer.last.drbd_disk;
	if (d->peer.alive && beat != DRBD_DISK_UNKNOWN && beat <= DRBD_DISK_OUTDATED &&
	    d->peer.last.drbd_role != DRBD_ROLE_PRIMARY) {
		in.peer_answered = 1;
		in.peer_disk = beat;
		in.peer_primary = 0;
	}
	return fence_decide(&in, why, len);
}

static void start(struct twind *d, const char *res)
{
	struct fpc *f = d->fpc;

	f->pending = 1;
	f->started_ms = mono_ms();
	f->asking = 0;
	f->next_ask_ms = 0;
	f->peer_answered = f->peer_primary = 0;
	f->peer_disk = DRBD_DISK_UNKNOWN;
	f->self_fenced = 0;
	f->isolated_ms = 0;
	log_warn("DRBD %s lost the replication link: writes frozen until the peer is fenced", res);
	alarm_set(d, FROZEN_ALARM ": the replication link is down, fencing the peer");
}

static void finish(struct twind *d, enum fence_rc rc, const char *why)
{
	struct fpc *f = d->fpc;

	f->pending = 0;
	f->last_rc = rc;
	f->last_took_ms = mono_ms() - f->started_ms;
	f->last_real_s = real_ns() / 1000000000ull;
	f->count++;
	snprintf(f->last_msg, sizeof(f->last_msg), "%s", why);
	log_info("fence-peer: %s (exit %d) after %llu ms: %s", fence_rc_name(rc), (int)rc,
		 (unsigned long long)f->last_took_ms, why);
	cluster_event(d, "fence", "%s (exit %d) after %llu ms on %s: %s", fence_rc_name(rc), (int)rc,
		      (unsigned long long)f->last_took_ms, d->cfg.node_name, why);
	alarm_clear(d, FROZEN_ALARM);
}

int fpc_ctl(struct twind *d, int argc, char **argv, struct ctl_resp *r)
{
	struct fpc *f = d->fpc;
	char why[256];

	if (!f || argc < 2 || strcmp(argv[0], "drbd-event") || strcmp(argv[1], "fence-peer"))
		return 0;
	if (!replica_enabled(d)) {
		ctl_resp_err(r, "no DRBD resource configured (drbd_resource)");
		return 1;
	}
	/* DRBD changed its state just before running the handler: the copy
	 * read at the last tick may still say Connected */
	d->drbd_st_ok = replica_read(d, &d->drbd_st) == 0;
	if (!f->pending)
		start(d, argc > 2 ? argv[2] : d->cfg.drbd_resource);
	f->last_poll_ms = mono_ms();
	ask_peer(d);
	enum fence_rc rc = decide(d, why, sizeof(why));
	if (strcmp(why, f->msg)) {
		snprintf(f->msg, sizeof(f->msg), "%s", why);
		log_info("fence-peer: %s", why);
	}
	if (rc != FENCE_WAIT)
		finish(d, rc, why);
	ctl_resp_ok(r);
	ctl_resp_kv(r, "rc", "%d", (int)rc);
	ctl_resp_kv(r, "message", "%s", why);
	return 1;
}

void fpc_tick(struct twind *d)
{
	struct fpc *f = d->fpc;
	char err[256];

	if (!f || !f->pending)
		return;
	if (mono_ms() > f->last_poll_ms + HANDLER_GONE_MS) {
		log_warn("fence-peer: the handler stopped asking; fence dropped");
		f->pending = 0;
		alarm_clear(d, FROZEN_ALARM);
		return;
	}
	ask_peer(d);
	/* Stepped down as isolated with writes frozen: they can neither be
	 * thawed (they would be acknowledged on a node that lost its role)
	 * nor dropped (the device stays open, so DRBD cannot demote). A
	 * restart without sync drops them unacknowledged; the node rejoins as
	 * a resync target of the one that took over. */
	if (!d->fsm.isolated) {
		f->isolated_ms = 0;
		return;
	}
	if (!f->isolated_ms)
		f->isolated_ms = mono_ms();
	/* the step-down's demote first: it works when nothing holds the device */
	int demoting = subproc_running(&d->drbd.sp) && mono_ms() < f->isolated_ms + DEMOTE_GRACE_MS;
	if (!f->self_fenced && !demoting && d->drbd_st_ok && d->drbd_st.role == DRBD_ROLE_PRIMARY) {
		f->self_fenced = 1;
		log_err("isolated with DRBD writes frozen: restarting now (%s), none of them is acknowledged",
			d->cfg.self_fence_command);
		cluster_event(d, "fence", "%s isolated with DRBD writes frozen: self-fenced (restart)",
			      d->cfg.node_name);
		if (power_run(d->cfg.self_fence_command, err, sizeof(err)) < 0)
			log_err("self-fence: %s", err);
	}
}

int fpc_peer_request(struct twind *d, int argc, char **argv, struct ctl_resp *r)
{
	struct fpc *f = d->fpc;
	struct drbd_status st;
	char err[256];

	if (!f || strcmp(argv[0], "drbd-outdate") || argc != 2)
		return 0;
	if (!replica_enabled(d) || strcmp(argv[1], d->cfg.drbd_resource)) {
		ctl_resp_err(r, "no DRBD resource '%s' on this node", argv[1]);
		return 1;
	}
	if (replica_read(d, &st) < 0) {
		ctl_resp_err(r, "DRBD %s: no state", argv[1]);
		return 1;
	}
	ctl_resp_ok(r);
	ctl_resp_kv(r, "role", "%s", drbd_role_name(st.role));
	ctl_resp_kv(r, "disk", "%s", drbd_disk_name(st.disk));
	if (st.role == DRBD_ROLE_PRIMARY) {
		ctl_resp_kv(r, "message", "this node is Primary: its disk cannot be outdated");
	} else if (st.disk != DRBD_DISK_UNKNOWN && st.disk <= DRBD_DISK_OUTDATED) {
		ctl_resp_kv(r, "message", "the disk is %s", drbd_disk_name(st.disk));
	} else if (drbd_connected(&st)) {
		/* DRBD outdates only a disconnected disk; ours notices the
		 * link loss at its next ping (ping-int) */
		ctl_resp_kv(r, "message", "our DRBD has not noticed the link loss yet (%s)", st.conn);
	} else if (subproc_running(&f->ctl.sp)) {
		ctl_resp_kv(r, "message", "outdating");
	} else if (drbd_ctl_start(&f->ctl, d->epfd, f->tag, d->cfg.drbd_resource, DRBD_OUTDATE, err,
				  sizeof(err)) < 0) {
		ctl_resp_kv(r, "message", "cannot outdate: %s", err);
	} else {
		log_warn("DRBD %s: the peer lost the replication link and asks to outdate our disk",
			 d->cfg.drbd_resource);
		ctl_resp_kv(r, "message", "outdating");
	}
	return 1;
}

void fpc_on_child(struct twind *d)
{
	struct fpc *f = d->fpc;
	char msg[300];
	int ok = 0;

	if (!f || !drbd_ctl_check(&f->ctl, &ok, msg, sizeof(msg)))
		return;
	if (ok) {
		log_warn("DRBD: %s: our disk is Outdated (the peer serves; the link's return resyncs it)",
			 msg);
		cluster_event(d, "fence", "%s outdated its disk at the peer's request", d->cfg.node_name);
	} else {
		log_err("DRBD: %s", msg);
	}
	d->drbd_st_ok = replica_read(d, &d->drbd_st) == 0;
	if (d->lease)
		beat_now(d);
}

void fpc_status(struct twind *d, struct ctl_resp *r)
{
	const struct fpc *f = d->fpc;

	if (!f)
		return;
	if (f->pending) {
		ctl_resp_kv(r, "fence.frozen_ms", "%llu", (unsigned long long)(mono_ms() - f->started_ms));
		ctl_resp_kv(r, "fence.message", "%s", f->msg);
	}
	if (f->count) {
		ctl_resp_kv(r, "fence.last", "%s (exit %d) after %llu ms: %s", fence_rc_name(f->last_rc),
			    (int)f->last_rc, (unsigned long long)f->last_took_ms, f->last_msg);
		ctl_resp_kv(r, "fence.last_at", "%llu", (unsigned long long)f->last_real_s);
	}
}
