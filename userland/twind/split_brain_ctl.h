/* Split brain in the daemon: what each node knows about it (when it began,
 * what each side wrote since, DRBD's generation identifiers), the repair
 * (the victim discards its changes, the survivor reconnects and serves)
 * and the optional automatic repair where nothing is lost.
 *
 * Either node can run the repair: it orchestrates both sides, its own
 * directly and the peer's over the cluster channel ("sb-run", "sb-info").
 * Every drbdadm runs as a child watched by the daemon's epoll: nothing
 * here waits. The choice of survivor is split_brain.c's (pure). */
#ifndef TWIN_SPLIT_BRAIN_CTL_H
#define TWIN_SPLIT_BRAIN_CTL_H

#include <stddef.h>
#include <stdint.h>

#include "node_state.h"

struct twind;
struct ctl_resp;

/* state_dir file present while a split brain is not repaired */
#define SPLIT_BRAIN_FILE "split_brain"

int sbc_open(struct twind *d, uint64_t epoll_tag, char *err, size_t errlen);
void sbc_close(struct twind *d);
/* 1 if state_dir said at sbc_open that a split brain was not repaired
 * before this start */
int sbc_pending_at_start(const struct twind *d);
/* Each loop tick, after DRBD's state was read: tracks the replication
 * link, asks the peer for its side, drives a repair in flight. */
void sbc_tick(struct twind *d);
/* After each state-machine step: persists a pending split brain, logs and
 * queues the events, drives a repair waiting for a state. */
void sbc_after_step(struct twind *d, enum node_state from, enum node_state to, const char *reason);
/* A drbdadm (or get-gi) of ours ended: epoll tag given to sbc_open. */
void sbc_on_child(struct twind *d);
/* Local requests "split-brain repair|result" and "drbd-event ..."; 1 if handled. */
int sbc_ctl(struct twind *d, int argc, char **argv, struct ctl_resp *r);
/* Requests from the peer over the cluster channel ("sb-info", "sb-run");
 * 1 if handled. */
int sbc_peer_request(struct twind *d, int argc, char **argv, struct ctl_resp *r);
/* The peer's node name, as it told us over the cluster channel; NULL
 * while unknown. */
const char *sbc_peer_name(const struct twind *d);
/* sb.* and repair.* status keys */
void sbc_status(struct twind *d, struct ctl_resp *r);

#endif
