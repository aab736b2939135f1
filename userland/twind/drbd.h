/* DRBD: read its state and change its role, behind one small module.
 *
 * State comes from /proc/drbd (DRBD 8.4, the Debian kernel's in-tree
 * module); parsing is a pure function so the unit test feeds it sample
 * texts. DRBD 9 (whose /proc/drbd has no device lines) is read from
 * drbdsetup events2 instead: drbd9.h, chosen by replica.c. Role changes run drbdadm (drbd-utils) without
 * blocking the daemon: drbd_ctl_start spawns it through subproc (pidfd in the daemon's epoll), drbd_ctl_check
 * reports when it ended and how.
 *
 * Rule: never promote a disk that is not UpToDate; a forced takeover may use
 * a Consistent one, never an Outdated or Inconsistent one (it lacks writes
 * the peer has): drbd_can_promote says why not and what it would lose.
 * DRBD itself refuses too, this makes the reason visible before trying. */
#ifndef TWIN_DRBD_H
#define TWIN_DRBD_H

#include <stddef.h>
#include <stdint.h>

#include "subproc.h"

#define DRBD_PROC     "/proc/drbd"
#define DRBD_NAME_MAX 24

enum drbd_role { DRBD_ROLE_UNKNOWN, DRBD_ROLE_PRIMARY, DRBD_ROLE_SECONDARY };

enum drbd_disk {
	DRBD_DISK_UNKNOWN, /* DUnknown: the peer's disk when not connected */
	DRBD_DISK_DISKLESS,
	DRBD_DISK_ATTACHING,
	DRBD_DISK_FAILED,
	DRBD_DISK_NEGOTIATING,
	DRBD_DISK_INCONSISTENT,
	DRBD_DISK_OUTDATED,
	DRBD_DISK_CONSISTENT,
	DRBD_DISK_UPTODATE,
};

/* one device of /proc/drbd, like a line of drbd-overview */
struct drbd_status {
	int minor;
	char conn[DRBD_NAME_MAX]; /* cs: Connected, WFConnection, SyncSource, StandAlone, ... */
	enum drbd_role role, peer_role;
	enum drbd_disk disk, peer_disk;
	char protocol;	      /* 'A', 'B', 'C', or 0 */
	uint64_t oos_kib;     /* out of sync, KiB */
	int syncing;	      /* a resync is running (fields below valid) */
	int sync_permille;    /* done, 0..1000 */
	uint32_t finish_s;    /* estimated time left */
	uint64_t speed_kib;   /* KiB/s */
	uint64_t written_kib; /* written to the local disk since the module loaded (dw:) */
};

/* --- pure logic, no I/O --- */

/* Parses the device `minor` out of a /proc/drbd text (8.4 format).
 * Returns 0, -1 if that device is not there (or unconfigured: conn is
 * "Unconfigured" and 0 is still returned for that case). */
int drbd_parse_proc(const char *text, int minor, struct drbd_status *st);
const char *drbd_role_name(enum drbd_role r);
const char *drbd_disk_name(enum drbd_disk d);
/* 1 while the replication link is up: Connected, Sync*, Verify*, ... */
int drbd_connected(const struct drbd_status *st);
/* "Outdated" -> DRBD_DISK_OUTDATED; DRBD_DISK_UNKNOWN for anything else */
enum drbd_disk drbd_disk_from_name(const char *s);
/* 1 if this node may become Primary (force = the admin insists on a
 * Consistent disk); else 0 and why, with what it would lose, in why. */
int drbd_can_promote(const struct drbd_status *st, int force, char *why, size_t len);
/* One line like drbd-overview: "0:r0 Connected Primary/Secondary
 * UpToDate/UpToDate C" plus " oos 1234 KiB, sync 18.9%, 0:00:05 left at 9444 KiB/s". */
void drbd_format(const struct drbd_status *st, const char *res, char *buf, size_t len);

/* --- I/O --- */

/* Reads DRBD_PROC (or path) and parses minor. 0, or -1 with a message. */
int drbd_read(const char *path, int minor, struct drbd_status *st, char *err, size_t errlen);

enum drbd_op {
	DRBD_PROMOTE,
	DRBD_PROMOTE_FORCE,
	DRBD_DEMOTE,
	DRBD_DISCONNECT,
	DRBD_CONNECT,
	DRBD_CONNECT_DISCARD, /* connect --discard-my-data: the split-brain victim */
	DRBD_OUTDATE,	      /* mark our disk Outdated (fencing, asked by the peer) */
	DRBD_RESUME_IO,	      /* thaw I/O frozen by fencing */
};

struct drbd_ctl {
	struct subproc sp;
	enum drbd_op op;
	char res[DRBD_NAME_MAX];
	int status; /* wait status of the last command that ended */
};

/* "drbdadm connect --discard-my-data" */
const char *drbd_op_name(enum drbd_op op, char *buf, size_t len);

void drbd_ctl_init(struct drbd_ctl *c);
/* Starts "drbdadm primary|primary --force|secondary RES"; its pidfd and
 * stderr go into ep with cookie (call drbd_ctl_check on events with it).
 * Returns 0, or -1 with a message (also if a command is still running). */
int drbd_ctl_start(struct drbd_ctl *c, int ep, uint64_t cookie, const char *res, enum drbd_op op, char *err,
		   size_t errlen);
/* 1 once the command ended: *ok is 1 if it succeeded, msg says what happened
 * ("drbdadm primary r0: ok" / "drbdadm primary r0: exited 11: <stderr>").
 * 0 while it runs. */
int drbd_ctl_check(struct drbd_ctl *c, int *ok, char *msg, size_t len);
/* Kills a running command (shutdown). */
void drbd_ctl_abort(struct drbd_ctl *c);

#endif
