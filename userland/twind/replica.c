#include "replica.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "log.h"
#include "test_hooks.h"

int replica_enabled(const struct twind *d)
{
	return d->cfg.drbd_resource[0] != 0;
}

/* DRBD 9 keeps no device lines in /proc/drbd: watch drbdsetup events2 */
static void start_events2(struct twind *d, const char *proc)
{
	char text[256], err[256];
	FILE *f;
	size_t n;
	uint64_t now = mono_ns() / 1000000ull;

	/* at most once a second: a missing 8.4 device must not cost a second
	 * read of /proc/drbd at every tick */
	if (now < d->drbd9_retry_ms)
		return;
	d->drbd9_retry_ms = now + 1000;
	if (!(f = fopen(proc, "r")))
		return;
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = 0;
	if (drbd_proc_version(text) != 9)
		return;
	if (drbd9_watch_start(&d->drbd9, d->cfg.drbd_resource, d->epfd, d->drbd9_tag, err, sizeof(err)) < 0)
		log_err("DRBD 9: drbdsetup events2: %s", err);
	else
		log_info("DRBD 9: following %s with drbdsetup events2", d->cfg.drbd_resource);
}

int replica_read(struct twind *d, struct drbd_status *st)
{
	const char *path = test_hook("TWIN_DRBD_PROC"); /* tests: a file standing in for /proc/drbd */
	char err[256];

	if (d->drbd9.pid > 0)
		return drbd9_status(&d->drbd9.st, st);
	if (drbd_read(path ? path : DRBD_PROC, 0, st, err, sizeof(err)) < 0) {
		log_debug("DRBD: %s", err);
		if (d->epfd > 0)
			start_events2(d, path ? path : DRBD_PROC);
		return -1;
	}
	return 0;
}

void replica_on_events2(struct twind *d)
{
	int r = drbd9_watch_read(&d->drbd9);

	if (r < 0) {
		log_warn("DRBD 9: drbdsetup events2 ended; restarting it");
		d->drbd_st_ok = 0;
		return;
	}
	if (r > 0) {
		struct drbd_status was = d->drbd_st;
		d->drbd_st_ok = replica_read(d, &d->drbd_st) == 0;
		/* the peer learns a role or disk change now, not at the next tick */
		if (d->lease && (was.role != d->drbd_st.role || was.disk != d->drbd_st.disk ||
				 was.peer_disk != d->drbd_st.peer_disk || strcmp(was.conn, d->drbd_st.conn)))
			beat_now(d);
	}
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

int replica_on_event(struct twind *d, int *ok, char *msg, size_t len)
{
	*ok = 0;
	if (!drbd_ctl_check(&d->drbd, ok, msg, len))
		return 0;
	if (*ok)
		log_info("DRBD: %s", msg);
	else
		log_err("DRBD: %s", msg);
	/* the peer learns the new role now, not at the next tick */
	d->drbd_st_ok = replica_read(d, &d->drbd_st) == 0;
	if (d->lease)
		beat_now(d);
	if (!d->drbd_promoting)
		return 0;
	d->drbd_promoting = 0;
	return 1; /* the caller finishes or fails the claim */
}
