#include "replica.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "log.h"

int replica_enabled(const struct twind *d)
{
	return d->cfg.drbd_resource[0] != 0;
}

int replica_read(const struct twind *d, struct drbd_status *st)
{
	const char *path = getenv("TWIN_DRBD_PROC"); /* tests: a file standing in for /proc/drbd */
	char err[256];

	if (drbd_read(path ? path : DRBD_PROC, 0, st, err, sizeof(err)) < 0) {
		log_debug("DRBD: %s", err);
		return -1;
	}
	return 0;
}

int replica_promote(struct twind *d, int force, char *why, size_t len)
{
	struct drbd_status st;
	char err[256];

	if (d->peer.alive && d->peer.last.drbd_role == DRBD_ROLE_PRIMARY) {
		/* single-primary DRBD: the peer demotes first (its beats say when) */
		if (!d->drbd_wait_peer_until)
			d->drbd_wait_peer_until = mono_ns() + 5000000000ull;
		log_info("DRBD %s: waiting for the peer to demote", d->cfg.drbd_resource);
		return 1;
	}
	if (replica_read(d, &st) < 0) {
		snprintf(why, len, "DRBD resource %s: no state in /proc/drbd", d->cfg.drbd_resource);
		return -1;
	}
	if (st.role == DRBD_ROLE_PRIMARY)
		return 0;
	if (drbd_can_promote(&st, force, why, len) == 0)
		return -1;
	if (drbd_ctl_start(&d->drbd, d->epfd, d->drbd_tag, d->cfg.drbd_resource,
			   force ? DRBD_PROMOTE_FORCE : DRBD_PROMOTE, err, sizeof(err)) < 0) {
		snprintf(why, len, "%s", err);
		return -1;
	}
	d->drbd_promoting = 1;
	log_info("DRBD %s: promoting", d->cfg.drbd_resource);
	return 1;
}

void replica_demote(struct twind *d)
{
	char err[256];

	if (d->drbd_promoting) {
		drbd_ctl_abort(&d->drbd);
		d->drbd_promoting = 0;
	}
	if (subproc_running(&d->drbd.sp))
		drbd_ctl_abort(&d->drbd);
	if (drbd_ctl_start(&d->drbd, d->epfd, d->drbd_tag, d->cfg.drbd_resource, DRBD_DEMOTE, err,
			   sizeof(err)) < 0)
		log_err("DRBD: %s", err);
	else
		log_info("DRBD %s: demoting", d->cfg.drbd_resource);
}

void replica_on_event(struct twind *d)
{
	int ok = 0;
	char msg[300];

	if (!drbd_ctl_check(&d->drbd, &ok, msg, sizeof(msg)))
		return;
	if (ok)
		log_info("DRBD: %s", msg);
	else
		log_err("DRBD: %s", msg);
	/* the peer learns the new role now, not at the next tick */
	d->drbd_st_ok = replica_read(d, &d->drbd_st) == 0;
	if (d->lease)
		beat_now(d);
	if (d->drbd_promoting) {
		d->drbd_promoting = 0;
		act_promoted(d, ok, msg);
	}
}
