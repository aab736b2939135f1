/* DRBD 9 state from `drbdsetup events2` (DRBD 9's /proc/drbd has no device
 * lines). One resource, one volume, one peer: the pair's.
 *
 * Pure: drbd9_apply folds one events2 line ("exists|create|change|destroy
 * OBJECT name:RES key:value ...") into a struct drbd9; drbd9_status gives
 * the same struct drbd_status /proc/drbd gives for 8.4, so the rest of the
 * daemon does not care which DRBD runs.
 * I/O: drbd9_watch runs `drbdsetup events2 --statistics RES` for as long as
 * the daemon runs; its output is read from the daemon's epoll loop, so the
 * state is current without polling (restarted if it exits). */
#ifndef TWIN_DRBD9_H
#define TWIN_DRBD9_H

#include <stdint.h>
#include <sys/types.h>

#include "drbd.h"

struct drbd9 {
	char res[DRBD_NAME_MAX];
	int volume;
	int have_res, have_conn, have_dev, have_pdev;
	int initial_done; /* "exists -": the first full picture is in */
	enum drbd_role role, peer_role;
	char connection[DRBD_NAME_MAX];	 /* Connected, Connecting, StandAlone, ... */
	char replication[DRBD_NAME_MAX]; /* Established, SyncSource, SyncTarget, ... */
	enum drbd_disk disk, peer_disk;
	int minor;
	uint64_t oos_kib;
	int done_permille; /* resync progress, -1 when not given */
};

void drbd9_init(struct drbd9 *s, const char *res, int volume);
/* One line of events2 output (no newline needed). 1 if it concerned this
 * resource, 0 if not, -1 if malformed. */
int drbd9_apply(struct drbd9 *s, const char *line);
/* 0 with st filled once the device is known, else -1. */
int drbd9_status(const struct drbd9 *s, struct drbd_status *st);
/* 9, 8 or 0 (no DRBD) from the first line of /proc/drbd ("version: 9.2.4 ..."). */
int drbd_proc_version(const char *text);

struct drbd9_watch {
	pid_t pid; /* 0: not running */
	int fd;	   /* its stdout, non-blocking; -1 when not running */
	char buf[4096];
	size_t len;
	struct drbd9 st;
};

void drbd9_watch_init(struct drbd9_watch *w);
/* Start `drbdsetup events2 --statistics res`; its stdout goes into ep with
 * cookie. 0, or -1 with err. */
int drbd9_watch_start(struct drbd9_watch *w, const char *res, int ep, uint64_t cookie, char *err,
		      size_t errlen);
/* Read what it wrote (epoll said so). 1 if the state may have changed, 0 if
 * not, -1 if the child ended (it is reaped; start it again later). */
int drbd9_watch_read(struct drbd9_watch *w);
void drbd9_watch_stop(struct drbd9_watch *w);

#endif
