/* The node-to-node control channel (docs/PAIRING.md §2): TLS over TCP on
 * control_port, both as a server (the peer asks us) and as a client (we ask
 * the peer), behind ONE pollable fd for the daemon's epoll loop.
 *
 * Never blocks: connects, handshakes, reads and writes are non-blocking
 * state machines behind a nested epoll fd plus a deadline timerfd (the
 * ctl_server.c pattern). Every connection has two deadlines: the handshake
 * (default 10 s) and the whole session (default 30 s); past either it is
 * dropped. At most PEERLINK_MAX_SERVED accepted connections at once; more
 * are accepted and closed at once (the client sees the connection closed).
 *
 * Messages are control-protocol text (docs/CONTROL.md): the client sends a
 * request line, the server answers "ok"/"error MSG" + key=value lines. A
 * connection carries requests in turn; the server closes it after an
 * "error" response (a failed step ends a pairing session) and when the
 * session deadline passes; the client closes it when done.
 *
 * Server mode: PAIRING while the node is unclustered, ANY (PAIRING or
 * CLUSTER, the client's offer decides) once peerlink_set_cluster() gave it
 * the cluster key. The handler learns which mode each request came in; the
 * policy (what a PAIRING peer may ask) is the handler's (pairing_serve). */
#ifndef TWIN_PEERLINK_H
#define TWIN_PEERLINK_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl_proto.h"
#include "identity.h"
#include "tls_chan.h"

#define PEERLINK_PORT_DEFAULT 6941
#define PEERLINK_HANDSHAKE_MS 10000 /* TCP connect + TLS handshake */
#define PEERLINK_SESSION_MS   30000 /* a whole connection, from accept/connect */
#define PEERLINK_MAX_SERVED   4	    /* accepted connections at once */
#define PEERLINK_MAX_CALLS    8	    /* our outgoing connections at once */
#define PEERLINK_MAX_LISTEN   4	    /* listening addresses */
#define PEERLINK_ADDR_MAX     64    /* "[v6addr]:port" as text */
#define PEERLINK_REQ_MAX      CTL_LINE_MAX

struct peerlink;
struct rng;

/* Who sent a request, as the TLS handshake proved it. */
struct peerlink_peer {
	enum tls_chan_mode mode; /* TLS_CHAN_PAIRING or TLS_CHAN_CLUSTER */
	int have_fp;		 /* PAIRING: fp is the peer's key fingerprint */
	uint8_t fp[ID_FP_LEN];
	char addr[INET6_ADDRSTRLEN]; /* source address of the connection, as text */
	uint16_t port;
	uint64_t conn_id; /* unique per accepted connection (never 0) */
	/* what followed the request line in the message (key=value lines of a
	 * larger request: sync offers and files), "" and 0 if nothing; valid
	 * during the handler call */
	const char *body;
	size_t body_len;
};

/* Server side. Called for each request (argv[0] is the verb, argv[argc] is
 * NULL; valid during the call). Fill resp; "ok" unless ctl_resp_err is
 * called; an error response closes the connection after it is sent. Runs in
 * the event loop: must not block (a password KDF of ~150 ms is the one
 * accepted exception, docs/PAIRING.md §4). */
typedef void (*peerlink_handler_fn)(void *ctx, const struct peerlink_peer *who, int argc, char **argv,
				    struct ctl_resp *resp);
/* Called when a connection that reached the handler at least once ends
 * (closed by either side, dropped at a deadline, or at peerlink_close). */
typedef void (*peerlink_closed_fn)(void *ctx, const struct peerlink_peer *who);

/* Client side: the outcome of one request. */
enum peerlink_status {
	PEERLINK_OK = 0,   /* rep holds the peer's response (which may be "error ...") */
	PEERLINK_EUNREACH, /* TCP connect failed: refused, no route, timed out */
	PEERLINK_EAUTH,	   /* TLS refused us: fingerprint mismatch or wrong cluster key/id */
	PEERLINK_ETLS,	   /* TLS failed otherwise (not a Twin node, closed during handshake) */
	PEERLINK_ETIMEOUT, /* connected but no response within the deadline */
	PEERLINK_EIO,	   /* connection lost after the handshake, malformed response */
	PEERLINK_EREFUSED, /* the request could not be sent (bad argv, too long) */
};

/* Called exactly once per request (never from inside the call that made
 * it). status PEERLINK_OK: rep is the parsed response, err is "". Otherwise
 * rep is NULL and err is a one-line message naming the peer, e.g.
 *   "peer 10.0.0.2:6941 unreachable (connection refused)"
 *   "peer's key fingerprint SHA256:... does not match the expected SHA256:..."
 *   "peer 10.0.0.2:6941: authentication with the cluster key failed"
 * peer_fp: PAIRING mode, the peer's key fingerprint from the handshake
 * (also on a mismatch), else NULL. All pointers valid during the call. */
typedef void (*peerlink_reply_fn)(void *cbctx, int status, const struct ctl_reply *rep, const char *err,
				  const uint8_t peer_fp[ID_FP_LEN]);

struct peerlink_opts {
	struct identity *id; /* own identity (PAIRING); must outlive the link */
	struct rng *rng;     /* must outlive the link */
	peerlink_handler_fn handler;
	peerlink_closed_fn closed; /* may be NULL */
	void *ctx;
	uint32_t handshake_ms; /* 0 = PEERLINK_HANDSHAKE_MS (tests use less) */
	uint32_t session_ms;   /* 0 = PEERLINK_SESSION_MS */
};

/* Where and how a client connection goes. */
struct peerlink_target {
	const char *host; /* IPv4 or IPv6 literal (no DNS: it could block) */
	uint16_t port;
	enum tls_chan_mode mode; /* TLS_CHAN_PAIRING or TLS_CHAN_CLUSTER */
	const uint8_t *pin_fp;	 /* PAIRING: required peer fingerprint, or NULL */
	const uint8_t *key;	 /* CLUSTER: key and id; NULL = the link's own (set_cluster) */
	size_t key_len;
	const char *cluster_id;
};

/* A request line with a body (key=value lines, up to the 1 MiB message
 * limit): peerlink_call_start/next then send body after the line. Set it
 * before each call; NULL for none. */
void peerlink_set_body(struct peerlink *pl, const char *body, size_t len);

struct peerlink_stats {
	uint64_t accepted, served, busy, handshake_failed, timeouts, io_errors;
	uint64_t calls, calls_failed;
};

/* Make a link (no socket yet). 0, or -1 with err. */
int peerlink_open(struct peerlink **out, const struct peerlink_opts *o, char *err, size_t errlen);
/* Listen on port at each address (IPv4/IPv6 literals; n == 0: every IPv4
 * address, "0.0.0.0"). May be called once. 0, or -1 with "ADDR:PORT: reason". */
int peerlink_listen(struct peerlink *pl, const char *const *addrs, size_t n, uint16_t port, char *err,
		    size_t errlen);
/* The bound port of the first listener (for tests that listen on port 0). */
uint16_t peerlink_port(const struct peerlink *pl);

/* The fd to watch for EPOLLIN in the daemon's loop. */
int peerlink_fd(const struct peerlink *pl);
/* Make progress on everything ready and expire deadlines; never waits.
 * now_ms: CLOCK_MONOTONIC in ms (what deadlines are measured against). */
void peerlink_dispatch(struct peerlink *pl, uint64_t now_ms);

/* Server mode for connections accepted from now on: ANY with this key and
 * id (clustered), or PAIRING only. Open connections keep their mode.
 * key_len TLS_CHAN_KEY_MIN..MAX. 0, or -1 with err. */
int peerlink_set_cluster(struct peerlink *pl, const uint8_t *key, size_t key_len, const char *cluster_id,
			 char *err, size_t errlen);
void peerlink_set_unclustered(struct peerlink *pl);

/* One request on a new connection, closed after the response: 0 and cb
 * later (exactly once), or -1 with err and no callback (no free slot, bad
 * target). mode CLUSTER uses the link's cluster key (-1 when unclustered);
 * pin_fp may be NULL (PAIRING only). */
int peerlink_request(struct peerlink *pl, const char *host, uint16_t port, enum tls_chan_mode mode,
		     const uint8_t *pin_fp, int argc, const char *const argv[], peerlink_reply_fn cb,
		     void *cbctx, char *err, size_t errlen);

/* Sessions of several requests on one connection (pairing C2). The handle
 * is valid until the callback of its last request has returned: inside a
 * callback with status PEERLINK_OK the caller may call peerlink_call_next to
 * send the next request on the same connection (its callback follows
 * later); if it does not, the connection is closed and the handle freed
 * when the callback returns. */
struct peerlink_call;
struct peerlink_call *peerlink_call_start(struct peerlink *pl, const struct peerlink_target *t, int argc,
					  const char *const argv[], peerlink_reply_fn cb, void *cbctx,
					  char *err, size_t errlen);
/* Only from inside this call's callback. 0, or -1 with err (no callback). */
int peerlink_call_next(struct peerlink_call *c, int argc, const char *const argv[], peerlink_reply_fn cb,
		       void *cbctx, char *err, size_t errlen);
/* Drop a call before its callback: the callback is then never called. */
void peerlink_call_cancel(struct peerlink_call *c);

/* Blocking helper for tools and tests (NOT for the daemon's loop): one
 * request, waiting up to the link's deadlines while dispatching pl. Fills
 * rep (ctl_reply_free it) and peer_fp (may be NULL); returns the status,
 * with err set unless PEERLINK_OK. */
int peerlink_request_sync(struct peerlink *pl, const struct peerlink_target *t, int argc,
			  const char *const argv[], struct ctl_reply *rep, uint8_t peer_fp[ID_FP_LEN],
			  char *err, size_t errlen);

void peerlink_get_stats(const struct peerlink *pl, struct peerlink_stats *st);
/* Close every connection (no callbacks; closed_fn is called for served
 * ones) and the listeners. NULL is a no-op. */
void peerlink_close(struct peerlink *pl);

#endif
