/* DRBD in the takeover (docs/ARCHITECTURE.md, "Takeover order"): promote
 * before the failover IP is added, demote after it is removed; never promote
 * a disk that is not UpToDate/Consistent unless forced. Asynchronous: drbdadm
 * runs as a child watched by the daemon's epoll, so the loop (and the beats)
 * never wait. */
#ifndef TWIN_REPLICA_H
#define TWIN_REPLICA_H

#include <stddef.h>

#include "drbd.h"

struct twind;

int replica_enabled(const struct twind *d);
/* Current state of the resource (minor 0): from /proc/drbd (8.4), or for
 * DRBD 9 from drbdsetup events2, started here when /proc/drbd says
 * version 9. 0 or -1. */
int replica_read(struct twind *d, struct drbd_status *st);
/* Start promoting; 1 started (the claim waits for replica_on_event, or for
 * the peer's beats to say it is no longer Primary: replica_peer_changed), 0
 * already Primary, -1 refused or failed with why. */
int replica_promote(struct twind *d, int force, char *why, size_t len);
/* Start demoting (aborting a promote in flight). */
void replica_demote(struct twind *d);
/* The DRBD command ended: 1 when it was a promotion, with its outcome in
 * *ok and msg (the caller calls act_promoted), else 0. */
int replica_on_event(struct twind *d, int *ok, char *msg, size_t len);
/* drbdsetup events2 wrote something (epoll tag T_DRBD9). */
void replica_on_events2(struct twind *d);

#endif
