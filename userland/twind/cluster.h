/* Cluster membership in the daemon: identity, the peer channel, pairing,
 * dissolve; static (twin.conf), paired (cluster.state) or standalone. */
#ifndef TWIN_CLUSTER_H
#define TWIN_CLUSTER_H

#include <stddef.h>

struct twind;
struct ctl_resp;

enum { CLUSTER_STANDALONE = 0, CLUSTER_STATIC = 1, CLUSTER_PAIRED = 2 };

/* state_dir file naming the failover IP a node keeps after a dissolve
 * (it was Active then): "A.B.C.D/N" */
#define STANDALONE_VIP_FILE "standalone.vip"

/* Identity, peer channel and pairing; in paired mode fills d->cfg's pair
 * keys and d->key from cluster.state. 0, or -1 with err. */
int cluster_open(struct twind *d, char *err, size_t errlen);
void cluster_close(struct twind *d);
int cluster_mode(const struct twind *d);
int cluster_fd(const struct twind *d);	     /* peer channel, for epoll */
int cluster_timer_fd(const struct twind *d); /* pairing timers and the restart after a change */
/* Both return what the peer's requests ask of the loop: CLUSTER_ASK_RELEASE
 * (node-power while Active: hand over first), or 0. */
#define CLUSTER_ASK_RELEASE 1
int cluster_dispatch(struct twind *d);
int cluster_on_timer(struct twind *d);
/* Local requests "cluster ..." and "password set ..."; 1 if handled. */
int cluster_ctl(struct twind *d, int argc, char **argv, struct ctl_resp *r);
void cluster_status(struct twind *d, struct ctl_resp *r);
/* A request to the peer over the cluster channel (TLS keyed with the
 * cluster key); cb gets the outcome once, never after cluster_close. NULL with err if it cannot start. */
struct peerlink_call;
struct ctl_reply;
typedef void (*cluster_reply_fn)(void *ctx, int ok, const struct ctl_reply *rep, const char *err);
struct peerlink_call *cluster_peer_call(struct twind *d, int argc, const char *const argv[],
					cluster_reply_fn cb, void *ctx, char *err, size_t errlen);
/* An event for the peer (kind: state, alarm, counter): queued on disk and
 * flushed, in order and once, while the peer is reachable. */
void cluster_event(struct twind *d, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
