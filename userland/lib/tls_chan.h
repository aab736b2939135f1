/* One TLS 1.2 connection between the two nodes over an already-connected,
 * non-blocking TCP socket, driven from an epoll loop: every call does what it
 * can without blocking and returns TLS_CHAN_WANT_READ / _WANT_WRITE when it
 * needs the socket (wait for EPOLLIN / EPOLLOUT, then call it again). No
 * timers inside: the caller keeps deadlines and frees the channel when one
 * passes. The caller owns the fd (tls_chan_free does not close it).
 *
 * Modes (docs/PAIRING.md):
 *   PAIRING  ECDHE-ECDSA-AES128-GCM-SHA256. Both sides present their
 *            self-signed identity certificate (identity.h); no CA: each
 *            side records the other's key fingerprint, and, when given one,
 *            requires it (pinning): a mismatch fails the handshake with
 *            "peer key fingerprint mismatch: expected ..., got ...".
 *   CLUSTER  ECDHE-PSK-CHACHA20-POLY1305-SHA256: pre-shared key derived from
 *            the cluster key, PSK identity = cluster id string. A wrong key or
 *            id fails the handshake. (mbedtls 2.28 has no ECDHE-PSK with
 *            AES-GCM; ChaCha20-Poly1305 is its ECDHE-PSK AEAD suite, so we keep
 *            forward secrecy rather than fall back to plain PSK-AES-GCM.)
 *   ANY      server only: accepts either, the client's offer decides. A
 *            clustered node listens this way on its one control port, so
 *            a pairing probe still learns "already clustered"; the caller
 *            asks tls_chan_mode() after the handshake and allows only what
 *            that mode may do.
 *
 * Messages: 4-byte big-endian length, then that many bytes (at most
 * TLS_CHAN_MSG_MAX), carried opaquely (the control protocol's text). */
#ifndef TWIN_TLS_CHAN_H
#define TWIN_TLS_CHAN_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/ssl.h>

#include "identity.h"

struct rng;

#define TLS_CHAN_MSG_MAX   (1u << 20)		   /* body bytes of one message */
#define TLS_CHAN_QUEUE_MAX (4u * TLS_CHAN_MSG_MAX) /* unsent bytes before send refuses */
#define TLS_CHAN_KEY_MIN   16			   /* cluster key bytes */
#define TLS_CHAN_KEY_MAX   64
#define TLS_CHAN_ID_MAX	   64 /* cluster id string (PSK identity) */

enum tls_chan_mode { TLS_CHAN_PAIRING, TLS_CHAN_CLUSTER, TLS_CHAN_ANY };

/* Results. Once a call returns TLS_CHAN_ERR the channel is dead: every later
 * call returns TLS_CHAN_ERR; tls_chan_error() says why. */
enum {
	TLS_CHAN_ERR = -1,
	TLS_CHAN_OK = 0,
	TLS_CHAN_WANT_READ = 1,
	TLS_CHAN_WANT_WRITE = 2,
	TLS_CHAN_CLOSED = 3, /* tls_chan_recv: the peer ended the connection between messages */
};

struct tls_chan_opts {
	int server; /* 1: the accepting side */
	enum tls_chan_mode mode;
	struct rng *rng; /* must outlive the channel */
	/* PAIRING (and ANY) */
	struct identity *id;	  /* own key and certificate; must outlive the channel */
	const uint8_t *expect_fp; /* ID_FP_LEN bytes the peer's key must have, or NULL */
	/* CLUSTER (and ANY) */
	const uint8_t *key; /* cluster key, TLS_CHAN_KEY_MIN..MAX bytes (copied) */
	size_t key_len;
	const char *cluster_id; /* PSK identity, 1..TLS_CHAN_ID_MAX printable chars */
};

struct tls_chan;

/* Set up a channel on fd (nothing is sent yet). NULL with err on bad
 * options or no memory. */
struct tls_chan *tls_chan_new(int fd, const struct tls_chan_opts *o, char *err, size_t errlen);
/* Wipes keys and buffered messages; does not close fd. NULL is fine. */
void tls_chan_free(struct tls_chan *c);

/* Advance the handshake: TLS_CHAN_OK once done (then again on every call),
 * WANT_READ/WANT_WRITE, or ERR. */
int tls_chan_handshake(struct tls_chan *c);

/* The mode in use: for ANY, PAIRING or CLUSTER once the handshake is done
 * (ANY before). */
enum tls_chan_mode tls_chan_mode(const struct tls_chan *c);

/* PAIRING: the peer's key fingerprint, known once the handshake has passed
 * the peer's certificate (also after a fingerprint mismatch, so the caller
 * can show it); NULL before, and always in CLUSTER mode. */
const uint8_t *tls_chan_peer_fp(const struct tls_chan *c);

/* Queue one message (after the handshake) and start sending it: OK when all
 * queued bytes are out, WANT_WRITE/WANT_READ when some remain (call
 * tls_chan_flush when the socket is ready), ERR on a message over
 * TLS_CHAN_MSG_MAX, a queue over TLS_CHAN_QUEUE_MAX or a socket error. */
int tls_chan_send(struct tls_chan *c, const void *msg, size_t len);
int tls_chan_flush(struct tls_chan *c);
/* 1 while queued bytes remain (keep EPOLLOUT armed). */
int tls_chan_want_flush(const struct tls_chan *c);

/* Receive one whole message: OK with *msg and *len (msg is followed by a NUL
 * not counted in len; valid until the next tls_chan_recv or tls_chan_free,
 * and wiped then), WANT_READ/WANT_WRITE, CLOSED, or ERR (a message over
 * TLS_CHAN_MSG_MAX, a stream cut inside a message, a bad record). TLS may
 * hold more decrypted data than the socket shows: after OK, call again
 * until it returns WANT_READ before waiting on epoll. */
int tls_chan_recv(struct tls_chan *c, const uint8_t **msg, size_t *len);

/* Send close_notify: OK, or WANT_WRITE/WANT_READ (call again), or ERR. */
int tls_chan_close(struct tls_chan *c);

/* Why the last call failed ("" if none): "TLS handshake: ...", "peer key
 * fingerprint mismatch: ...", "receive: message too large ...", ... */
const char *tls_chan_error(const struct tls_chan *c);

/* The mbedtls context, for diagnostics (cipher suite name) and tests. */
mbedtls_ssl_context *tls_chan_ssl(struct tls_chan *c);

#endif
