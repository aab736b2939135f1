/* Pairing (docs/PAIRING.md §4-§6) on both sides, driven by peerlink
 * messages, plus cluster dissolve and the recovery of an interrupted
 * create. Owns <state_dir>/cluster.state and cluster.pending; re-keys the
 * peerlink server when the node joins or leaves a cluster and tells the
 * daemon through opts.changed.
 *
 * Responder (B): pairing_handle() answers pair-hello, pair-auth,
 * pair-propose, pair-commit (PAIRING channel) and cluster-status,
 * cluster-dissolve (CLUSTER channel); pairing_conn_closed() ends a pairing
 * session with its connection.
 * Initiator (A): pairing_probe() (C1), pairing_create() (C2),
 * pairing_dissolve(); pairing_tick() resolves an unconfirmed create. */
#ifndef TWIN_PAIRING_H
#define TWIN_PAIRING_H

#include <stddef.h>
#include <stdint.h>

#include "cluster_state.h"
#include "ctl_proto.h"
#include "lockout_table.h"
#include "peerlink.h"

#define PAIRING_PROTO_VERSION	 1
#define PAIRING_LOCKOUT_FILE	 "pairing.lockout" /* in state_dir: wrong passwords per source */
#define PAIRING_RESOLVE_RETRY_MS 5000
#define PAIRING_NAME_MAX	 64

struct pairing;
struct rng;

struct pairing_opts {
	const char *state_dir;	   /* cluster.state, cluster.pending */
	const char *passwd_path;   /* admin password hash file; NULL or "" = <state_dir>/admin.passwd */
	const char *node_name;	   /* told to the peer in pair-hello / pair-propose answers */
	const struct identity *id; /* own key fingerprint */
	struct rng *rng;	   /* cluster keys and ids */
	struct peerlink *pl;	   /* requests to the peer; its server is re-keyed on join/leave */
	uint16_t peer_port;	   /* the peer's control_port (resolution, dissolve) */
	uint32_t resolve_wait_ms;  /* 0 = PEERLINK_SESSION_MS + 2000: B's session surely over */
	uint32_t resolve_retry_ms; /* 0 = PAIRING_RESOLVE_RETRY_MS */
	/* The membership changed: cs is the new committed record, or NULL after
	 * a dissolve. The daemon (re)starts or stops heartbeats here. */
	void (*changed)(void *ctx, const struct cluster_state *cs);
	void *ctx;
	uint64_t (*now_ms)(void); /* NULL = CLOCK_MONOTONIC; tests pass a fake clock */
};

/* Load cluster.state (clustered: peerlink_set_cluster) and handle a left
 * cluster.pending: with a cluster.state beside it the pending file is stale
 * and removed; alone it schedules the resolution (§6) at now +
 * resolve_wait_ms. 0, or -1 with err (an unreadable or invalid file is an
 * error: the daemon must not guess whether it is clustered). */
int pairing_open(struct pairing **out, const struct pairing_opts *o, char *err, size_t errlen);
void pairing_close(struct pairing *p);

/* The committed record, or NULL when unclustered. */
const struct cluster_state *pairing_state(const struct pairing *p);
/* One line for status: "unclustered", "clustered (cluster 8f3a1c22, node 1)",
 * "cluster create in progress with 10.0.0.2", "cluster create unresolved
 * (waiting for 10.0.0.2)". */
void pairing_describe(const struct pairing *p, char *out, size_t outlen);

/* --- responder --- */

/* Answer req if it is a pairing/cluster-membership verb: returns 1 (resp
 * filled), else 0 (not ours: the daemon's handler goes on). A PAIRING-mode
 * peer gets everything refused but pair-* verbs (1 with an error), so the
 * daemon only needs to route CLUSTER-mode requests it knows. Password KDF
 * (~150 ms) runs inline in pair-auth, only while unclustered. */
int pairing_handle(struct pairing *p, const struct peerlink_peer *who, int argc, char **argv,
		   struct ctl_resp *resp);
/* A ready peerlink_handler_fn (ctx = struct pairing *): pairing_handle, and
 * "error unknown request VERB" for anything else. */
void pairing_serve(void *ctx, const struct peerlink_peer *who, int argc, char **argv, struct ctl_resp *resp);
/* A peerlink_closed_fn (ctx = struct pairing *): ends that connection's
 * pairing session, dropping an uncommitted proposal. */
void pairing_conn_closed(void *ctx, const struct peerlink_peer *who);

/* Lockout state of pair-auth for one source address (for status and tests). */
const struct lockout *pairing_lockout(const struct pairing *p, const char *addr);

/* --- initiator --- */

struct pairing_probe {
	int have_fp;
	uint8_t fp[ID_FP_LEN]; /* the peer's key, from the TLS handshake */
	int clustered;	       /* peer says so; -1 unknown */
	long long retry_after_ms;
	char name[PAIRING_NAME_MAX];
};

/* Outcome of an initiator operation, called exactly once (never inside the
 * starting call). rc 0 done; -1 failed, nothing changed on this node; 1
 * create unconfirmed: cluster.pending kept, resolving automatically. msg is
 * one line for the admin. probe: filled for pairing_probe (also on many
 * failures: the fingerprint, when the handshake got that far), else NULL. */
typedef void (*pairing_done_fn)(void *ctx, int rc, const char *msg, const struct pairing_probe *probe);

/* C1: pair-hello over PAIRING without a pin. -1 with err (and no callback)
 * when this node is clustered, has an unresolved create or is busy. */
int pairing_probe(struct pairing *p, const char *host, uint16_t port, pairing_done_fn done, void *ctx,
		  char *err, size_t errlen);
/* C2: pinned to fp, authenticate with password, propose, write pending,
 * commit, rename. failover_ip "A.B.C.D/N". The password is not kept (the
 * caller wipes its own copy). -1 with err (no callback) on bad arguments or
 * when this node is not free to pair. */
int pairing_create(struct pairing *p, const char *host, uint16_t port, const uint8_t fp[ID_FP_LEN],
		   const char *failover_ip, const char *password, pairing_done_fn done, void *ctx, char *err,
		   size_t errlen);

/* Tell the peer (CLUSTER channel, cluster-dissolve) and then, whatever it
 * answered, remove our cluster.state: rc 0 both done; rc 1 only here (msg
 * says the peer was not reached and must be dissolved there too); -1 the
 * local removal failed. Queued mail and similar duplicates are the
 * caller's warning to print. -1 with err (no callback) when unclustered. */
int pairing_dissolve(struct pairing *p, pairing_done_fn done, void *ctx, char *err, size_t errlen);
/* Remove cluster.state here only (peer gone for good). 0 or -1 with err. */
int pairing_dissolve_local(struct pairing *p, char *err, size_t errlen);
/* `twinctl cluster abort --force`: delete an unresolved cluster.pending. */
int pairing_abort_pending(struct pairing *p, char *err, size_t errlen);

/* Drive the resolution of an unconfirmed create; call from the loop at
 * least at pairing_next_tick(). */
void pairing_tick(struct pairing *p, uint64_t now_ms);
/* Monotonic ms of the next pairing_tick that has work, 0 = none. */
uint64_t pairing_next_tick(const struct pairing *p);

/* `twind --set-password`: hash pw (iter 0 = PASSWD_ITER_DEFAULT) and write
 * it atomically with mode 0600. 0 or -1 with err. */
int pairing_set_password(const char *path, const char *pw, unsigned iter, struct rng *rng, char *err,
			 size_t errlen);

#endif
