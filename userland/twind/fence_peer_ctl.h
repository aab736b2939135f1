/* DRBD fencing in the daemon (docs/SPLIT_BRAIN.md, "Fencing"): answers the
 * fence-peer handler (twinctl drbd-event fence-peer, which asks again every
 * 25 ms until the answer is not "wait"), asks the peer over the cluster
 * channel (eth0) to outdate its disk ("drbd-outdate"), runs that outdate
 * when the peer asks us, and restarts a node that stepped down as isolated
 * while its writes are frozen. The decision is fence_peer.c's (pure);
 * drbdadm runs as a child watched by the daemon's epoll. */
#ifndef TWIN_FENCE_PEER_CTL_H
#define TWIN_FENCE_PEER_CTL_H

#include <stddef.h>
#include <stdint.h>

struct twind;
struct ctl_resp;

int fpc_open(struct twind *d, uint64_t epoll_tag, char *err, size_t errlen);
void fpc_close(struct twind *d);
/* Each loop tick: asks the peer while a fence is pending, self-fences. */
void fpc_tick(struct twind *d);
/* Our drbdadm outdate ended (epoll tag given to fpc_open). */
void fpc_on_child(struct twind *d);
/* Local "drbd-event fence-peer [RES]"; 1 if handled. */
int fpc_ctl(struct twind *d, int argc, char **argv, struct ctl_resp *r);
/* The peer's "drbd-outdate RES" over the cluster channel; 1 if handled. */
int fpc_peer_request(struct twind *d, int argc, char **argv, struct ctl_resp *r);
/* fence.* status keys */
void fpc_status(struct twind *d, struct ctl_resp *r);

#endif
