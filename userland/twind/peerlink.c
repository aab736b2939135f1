/* Node-to-node control channel: see peerlink.h. Every connection, accepted
 * or ours, is a slot in one table and a small state machine driven by an
 * inner epoll (the ctl_server.c pattern), so a slow or hostile peer costs
 * the daemon a few syscalls, never a wait. */
#define _GNU_SOURCE
#include "peerlink.h"
#include "clock.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/platform_util.h>

#include "log.h"

#define TAG_TIMER  0
#define TAG_LISTEN 1  /* + listener index */
#define TAG_CONN   16 /* + slot */

#define N_SLOTS	      (PEERLINK_MAX_SERVED + PEERLINK_MAX_CALLS)
#define ACCEPT_BATCH  16    /* per dispatch, so a connect flood cannot hog the loop */
#define DRAIN_MAX     65536 /* unread input discarded before close (avoids a RST eating our answer) */
#define LOG_BURST     5	    /* warnings per LOG_WINDOW_MS, then one summary */
#define LOG_WINDOW_MS 10000

enum conn_state {
	C_FREE,
	C_CONNECTING, /* client: TCP connect in progress */
	C_HANDSHAKE,
	C_OPEN,	  /* established: server serving, client waiting for its answer */
	C_FAILED, /* client: failed before the event loop saw it; callback on the next dispatch */
};

struct peerlink_call {
	struct peerlink *pl; /* owner */
	enum conn_state st;
	int server;
	int fd;
	unsigned gen; /* bumped at every free, to notice a slot freed under a callback */
	struct tls_chan *tls;
	uint64_t hs_deadline, sess_deadline;
	uint32_t armed; /* epoll events currently registered */
	int want_write; /* TLS asked for the socket to be writable */
	struct peerlink_peer who;
	char name[PEERLINK_ADDR_MAX]; /* "addr:port" for messages */
	/* server */
	int served_once, close_after;
	/* client */
	struct peerlink_target t;
	char host[INET6_ADDRSTRLEN];
	uint8_t pin[ID_FP_LEN], key[TLS_CHAN_KEY_MAX];
	char cid[TLS_CHAN_ID_MAX + 1];
	char *req; /* formatted request waiting for the handshake (wiped: may hold a password) */
	size_t req_len;
	peerlink_reply_fn cb;
	void *cbctx;
	int in_cb, next_called, cancelled, reply_taken;
	int fail_status;
	char fail_msg[256];
};

struct listener {
	int fd;
	uint16_t port;
};

struct peerlink {
	const char *next_body; /* peerlink_set_body: for the next request only */
	size_t next_body_len;
	int epfd, tfd;
	struct peerlink_opts o;
	struct listener l[PEERLINK_MAX_LISTEN];
	size_t n_listen;
	int clustered;
	uint8_t key[TLS_CHAN_KEY_MAX];
	size_t key_len;
	char cid[TLS_CHAN_ID_MAX + 1];
	uint64_t next_conn_id;
	uint64_t now; /* of the current dispatch */
	struct peerlink_stats stats;
	uint64_t log_window_start;
	unsigned log_count, log_suppressed;
	struct peerlink_call c[N_SLOTS]; /* [0, MAX_SERVED) accepted, the rest ours */
};

static void __attribute__((format(printf, 2, 3))) pl_warn(struct peerlink *pl, const char *fmt, ...)
{
	uint64_t now = mono_ms();
	char msg[384];
	va_list ap;

	if (now - pl->log_window_start >= LOG_WINDOW_MS) {
		if (pl->log_suppressed)
			log_warn("control port: %u more peer problems not logged", pl->log_suppressed);
		pl->log_window_start = now;
		pl->log_count = 0;
		pl->log_suppressed = 0;
	}
	if (pl->log_count >= LOG_BURST) {
		pl->log_suppressed++;
		return;
	}
	pl->log_count++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warn("control port: %s", msg);
}

/* "Connection refused" -> "connection refused": it follows a colon or paren. */
static const char *lc_strerror(int e, char *buf, size_t n)
{
	snprintf(buf, n, "%s", strerror(e));
	buf[0] = (char)tolower((unsigned char)buf[0]);
	return buf;
}

static void addr_name(char *out, size_t n, const char *host, uint16_t port)
{
	if (strchr(host, ':'))
		snprintf(out, n, "[%s]:%u", host, port);
	else
		snprintf(out, n, "%s:%u", host, port);
}

/* Text address -> sockaddr; 0 or -1. */
static int parse_addr(const char *host, uint16_t port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		*len = sizeof(*a4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		*len = sizeof(*a6);
		return 0;
	}
	return -1;
}

static uint32_t hs_ms(const struct peerlink *pl)
{
	return pl->o.handshake_ms ? pl->o.handshake_ms : PEERLINK_HANDSHAKE_MS;
}

static uint32_t sess_ms(const struct peerlink *pl)
{
	return pl->o.session_ms ? pl->o.session_ms : PEERLINK_SESSION_MS;
}

/* --- setup --- */

static int ep_ctl(int epfd, int op, int fd, uint32_t events, uint64_t tag)
{
	struct epoll_event ev = {.events = events, .data.u64 = tag};

	return epoll_ctl(epfd, op, fd, &ev);
}

int peerlink_open(struct peerlink **out, const struct peerlink_opts *o, char *err, size_t errlen)
{
	struct peerlink *pl;

	*out = NULL;
	if (!o->rng || !o->id || !o->handler) {
		snprintf(err, errlen, "peerlink: identity, rng and handler are required");
		return -1;
	}
	pl = calloc(1, sizeof(*pl));
	if (!pl) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	pl->o = *o;
	pl->next_conn_id = 1;
	for (int i = 0; i < N_SLOTS; i++) {
		pl->c[i].fd = -1;
		pl->c[i].pl = pl;
	}
	pl->epfd = epoll_create1(EPOLL_CLOEXEC);
	pl->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (pl->epfd < 0 || pl->tfd < 0 || ep_ctl(pl->epfd, EPOLL_CTL_ADD, pl->tfd, EPOLLIN, TAG_TIMER)) {
		snprintf(err, errlen, "control port event setup: %s", strerror(errno));
		if (pl->epfd >= 0)
			close(pl->epfd);
		if (pl->tfd >= 0)
			close(pl->tfd);
		free(pl);
		return -1;
	}
	*out = pl;
	return 0;
}

static int listen_one(struct peerlink *pl, const char *host, uint16_t port, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char name[PEERLINK_ADDR_MAX];
	int one = 1;
	struct listener *l = &pl->l[pl->n_listen];

	addr_name(name, sizeof(name), host, port);
	if (pl->n_listen >= PEERLINK_MAX_LISTEN) {
		snprintf(err, errlen, "%s: more than %d listening addresses", name, PEERLINK_MAX_LISTEN);
		return -1;
	}
	if (parse_addr(host, port, &ss, &len)) {
		snprintf(err, errlen, "%s: not an IPv4 or IPv6 address", name);
		return -1;
	}
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "%s: socket: %s", name, strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 16)) {
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		close(fd);
		return -1;
	}
	len = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &len);
	l->port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
						: ((struct sockaddr_in6 *)&ss)->sin6_port);
	if (ep_ctl(pl->epfd, EPOLL_CTL_ADD, fd, EPOLLIN, TAG_LISTEN + pl->n_listen)) {
		snprintf(err, errlen, "%s: epoll: %s", name, strerror(errno));
		close(fd);
		return -1;
	}
	l->fd = fd;
	pl->n_listen++;
	return 0;
}

int peerlink_listen(struct peerlink *pl, const char *const *addrs, size_t n, uint16_t port, char *err,
		    size_t errlen)
{
	static const char *const any[] = {"0.0.0.0"};

	if (pl->n_listen) {
		snprintf(err, errlen, "control port: already listening");
		return -1;
	}
	if (n == 0) {
		addrs = any;
		n = 1;
	}
	for (size_t i = 0; i < n; i++) {
		if (listen_one(pl, addrs[i], port, err, errlen) == 0)
			continue;
		for (size_t k = 0; k < pl->n_listen; k++) {
			epoll_ctl(pl->epfd, EPOLL_CTL_DEL, pl->l[k].fd, NULL);
			close(pl->l[k].fd);
		}
		pl->n_listen = 0;
		return -1;
	}
	return 0;
}

uint16_t peerlink_port(const struct peerlink *pl)
{
	return pl->n_listen ? pl->l[0].port : 0;
}

int peerlink_fd(const struct peerlink *pl)
{
	return pl->epfd;
}

void peerlink_get_stats(const struct peerlink *pl, struct peerlink_stats *st)
{
	*st = pl->stats;
}

int peerlink_set_cluster(struct peerlink *pl, const uint8_t *key, size_t key_len, const char *cluster_id,
			 char *err, size_t errlen)
{
	if (!key || key_len < TLS_CHAN_KEY_MIN || key_len > TLS_CHAN_KEY_MAX || !cluster_id || !*cluster_id ||
	    strlen(cluster_id) > TLS_CHAN_ID_MAX) {
		snprintf(err, errlen, "cluster key must be %d..%d bytes and the id 1..%d characters",
			 TLS_CHAN_KEY_MIN, TLS_CHAN_KEY_MAX, TLS_CHAN_ID_MAX);
		return -1;
	}
	memcpy(pl->key, key, key_len);
	pl->key_len = key_len;
	snprintf(pl->cid, sizeof(pl->cid), "%s", cluster_id);
	pl->clustered = 1;
	return 0;
}

void peerlink_set_unclustered(struct peerlink *pl)
{
	mbedtls_platform_zeroize(pl->key, sizeof(pl->key));
	pl->key_len = 0;
	pl->cid[0] = '\0';
	pl->clustered = 0;
}

/* --- connections --- */

static uint64_t tag_of(const struct peerlink *pl, const struct peerlink_call *c)
{
	return TAG_CONN + (uint64_t)(c - pl->c);
}

/* Register the events the connection waits for now. */
static void rearm(struct peerlink *pl, struct peerlink_call *c)
{
	uint32_t ev = 0;

	if (c->st == C_CONNECTING)
		ev = EPOLLOUT;
	else if (c->st == C_HANDSHAKE || c->st == C_OPEN)
		ev = EPOLLIN | ((c->want_write || (c->tls && tls_chan_want_flush(c->tls))) ? EPOLLOUT : 0);
	if (ev != c->armed && c->fd >= 0) {
		ep_ctl(pl->epfd, EPOLL_CTL_MOD, c->fd, ev, tag_of(pl, c));
		c->armed = ev;
	}
}

static void wipe_req(struct peerlink_call *c)
{
	if (c->req) {
		mbedtls_platform_zeroize(c->req, c->req_len);
		free(c->req);
	}
	c->req = NULL;
	c->req_len = 0;
}

static void conn_free(struct peerlink *pl, struct peerlink_call *c)
{
	char junk[4096];
	size_t drained = 0;
	ssize_t n;

	if (c->st == C_FREE)
		return;
	if (c->fd >= 0) {
		if (c->tls && c->st == C_OPEN)
			tls_chan_close(c->tls); /* best effort close_notify */
		while (drained < DRAIN_MAX && (n = recv(c->fd, junk, sizeof(junk), MSG_DONTWAIT)) > 0)
			drained += (size_t)n;
		epoll_ctl(pl->epfd, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
	}
	tls_chan_free(c->tls);
	if (c->server && c->served_once && pl->o.closed)
		pl->o.closed(pl->o.ctx, &c->who);
	wipe_req(c);
	unsigned gen = c->gen + 1;
	mbedtls_platform_zeroize(c, sizeof(*c)); /* holds cluster keys */
	c->pl = pl;
	c->fd = -1;
	c->gen = gen;
	c->st = C_FREE;
}

/* Client: hand the outcome to the caller; free the slot unless the
 * callback queued the next request. */
static void deliver(struct peerlink *pl, struct peerlink_call *c, int status, struct ctl_reply *rep,
		    const char *msg)
{
	peerlink_reply_fn cb = c->cb;
	const uint8_t *fp = NULL;
	unsigned gen = c->gen;

	if (c->t.mode == TLS_CHAN_PAIRING && c->tls)
		fp = tls_chan_peer_fp(c->tls);
	c->cb = NULL;
	c->in_cb = 1;
	c->next_called = 0;
	c->reply_taken = 0;
	if (status != PEERLINK_OK)
		pl->stats.calls_failed++;
	if (cb)
		cb(c->cbctx, status, status == PEERLINK_OK ? rep : NULL, msg ? msg : "", fp);
	if (rep && !c->reply_taken)
		ctl_reply_free(rep);
	if (c->gen != gen)
		return;
	c->in_cb = 0;
	if (status != PEERLINK_OK || !c->next_called || c->cancelled)
		conn_free(pl, c);
	else
		rearm(pl, c);
}

static void call_fail(struct peerlink *pl, struct peerlink_call *c, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void call_fail(struct peerlink *pl, struct peerlink_call *c, int status, const char *fmt, ...)
{
	char msg[sizeof(c->fail_msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	deliver(pl, c, status, NULL, msg);
}

/* Why our handshake failed, in the words the admin needs. */
static void client_hs_failed(struct peerlink *pl, struct peerlink_call *c)
{
	const char *e = tls_chan_error(c->tls);
	const uint8_t *got = tls_chan_peer_fp(c->tls);

	if (strstr(e, "fingerprint mismatch") && got && c->t.pin_fp) {
		char g[ID_FP_STR_MAX], x[ID_FP_STR_MAX];

		identity_fp_format(got, g);
		identity_fp_format(c->pin, x);
		call_fail(pl, c, PEERLINK_EAUTH, "peer's key fingerprint %s does not match the expected %s",
			  g, x);
	} else if (c->t.mode == TLS_CHAN_CLUSTER && strstr(e, "wrong cluster key")) {
		/* tls_chan says so only when the peer refused our PSK (alert, bad
		 * MAC, unknown identity): a positive "no", which pairing's
		 * recovery relies on, unlike a connection that merely died. */
		call_fail(pl, c, PEERLINK_EAUTH, "peer %s: authentication with the cluster key failed",
			  c->name);
	} else if (strstr(e, "peer closed the connection")) {
		call_fail(
		    pl, c, PEERLINK_ETLS,
		    "peer %s closed the connection during the TLS handshake (busy, or not a Twin node?)",
		    c->name);
	} else {
		call_fail(pl, c, PEERLINK_ETLS, "peer %s: %s", c->name, e);
	}
}

static struct tls_chan *make_tls(struct peerlink *pl, struct peerlink_call *c, char *err, size_t errlen)
{
	struct tls_chan_opts o = {.server = c->server, .rng = pl->o.rng, .id = pl->o.id};

	if (c->server) {
		o.mode = pl->clustered ? TLS_CHAN_ANY : TLS_CHAN_PAIRING;
		if (pl->clustered) {
			o.key = pl->key;
			o.key_len = pl->key_len;
			o.cluster_id = pl->cid;
		}
	} else {
		o.mode = c->t.mode;
		if (c->t.mode == TLS_CHAN_PAIRING) {
			o.expect_fp = c->t.pin_fp ? c->pin : NULL;
		} else {
			o.key = c->key;
			o.key_len = c->t.key_len;
			o.cluster_id = c->cid;
		}
	}
	return tls_chan_new(c->fd, &o, err, errlen);
}

/* Server: answer one request message. */
static void serve(struct peerlink *pl, struct peerlink_call *c, const uint8_t *msg, size_t len)
{
	const uint8_t *line = NULL;
	struct ctl_req *req = malloc(sizeof(*req));
	struct ctl_resp resp;
	char err[128];
	const char *data;
	size_t n;

	ctl_resp_init(&resp);
	if (!req) {
		resp.oom = 1;
	} else if ((line = memchr(msg, '\n', len)) ? (size_t)(line - msg) + 1 >= CTL_LINE_MAX
						   : len >= CTL_LINE_MAX) {
		ctl_resp_err(&resp, "request too long (max %d bytes)", CTL_LINE_MAX);
	} else if (ctl_req_parse(req, (const char *)msg, line ? (size_t)(line - msg) + 1 : len, err,
				 sizeof(err))) {
		ctl_resp_err(&resp, "%s", err);
	} else {
		/* after the line: the request's body */
		c->who.body = line ? (const char *)line + 1 : "";
		c->who.body_len = line ? len - (size_t)(line - msg) - 1 : 0;
		pl->stats.served++;
		c->served_once = 1;
		pl->o.handler(pl->o.ctx, &c->who, req->argc, req->argv, &resp);
		c->who.body = NULL;
		c->who.body_len = 0;
	}
	if (req) {
		mbedtls_platform_zeroize(req, sizeof(*req)); /* may hold a password */
		free(req);
	}
	data = ctl_resp_data(&resp, &n);
	if (n >= 5 && strncmp(data, "error", 5) == 0)
		c->close_after = 1;
	if (tls_chan_send(c->tls, data, n) == TLS_CHAN_ERR) {
		pl->stats.io_errors++;
		c->close_after = 1;
	}
	ctl_resp_free(&resp);
}

/* Client: the handshake is done, send what waits. */
static int send_req(struct peerlink *pl, struct peerlink_call *c)
{
	int r = tls_chan_send(c->tls, c->req, c->req_len);

	wipe_req(c);
	if (r == TLS_CHAN_ERR) {
		call_fail(pl, c, PEERLINK_EIO, "peer %s: %s", c->name, tls_chan_error(c->tls));
		return -1;
	}
	return 0;
}

static void established(struct peerlink *pl, struct peerlink_call *c)
{
	c->st = C_OPEN;
	if (!c->server)
		return;
	c->who.mode = tls_chan_mode(c->tls);
	const uint8_t *fp = tls_chan_peer_fp(c->tls);
	if (c->who.mode == TLS_CHAN_PAIRING && fp) {
		memcpy(c->who.fp, fp, ID_FP_LEN);
		c->who.have_fp = 1;
	}
}

/* Make all the progress the socket allows. */
static void conn_step(struct peerlink *pl, struct peerlink_call *c, uint32_t events)
{
	unsigned gen = c->gen;
	char eb[96];

	if (c->st == C_CONNECTING) {
		int e = 0;
		socklen_t el = sizeof(e);

		if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return;
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &el) == 0 && e == 0 && (events & EPOLLERR))
			e = ECONNREFUSED;
		if (e) {
			call_fail(pl, c, PEERLINK_EUNREACH, "peer %s unreachable (%s)", c->name,
				  lc_strerror(e, eb, sizeof(eb)));
			return;
		}
		char err[256];
		c->tls = make_tls(pl, c, err, sizeof(err));
		if (!c->tls) {
			call_fail(pl, c, PEERLINK_EREFUSED, "peer %s: %s", c->name, err);
			return;
		}
		c->st = C_HANDSHAKE;
	}
	if (c->st == C_HANDSHAKE) {
		int r = tls_chan_handshake(c->tls);

		c->want_write = r == TLS_CHAN_WANT_WRITE;
		if (r == TLS_CHAN_WANT_READ || r == TLS_CHAN_WANT_WRITE) {
			rearm(pl, c);
			return;
		}
		if (r != TLS_CHAN_OK) {
			if (c->server) {
				pl->stats.handshake_failed++;
				pl_warn(pl, "TLS handshake with %s failed: %s", c->name,
					tls_chan_error(c->tls));
				conn_free(pl, c);
			} else {
				client_hs_failed(pl, c);
			}
			return;
		}
		established(pl, c);
		if (!c->server && send_req(pl, c))
			return;
	}
	if (c->st != C_OPEN)
		return;

	if (tls_chan_want_flush(c->tls) && tls_chan_flush(c->tls) == TLS_CHAN_ERR)
		goto io_error;
	for (;;) {
		const uint8_t *msg;
		size_t len;

		if (c->server && c->close_after) {
			if (!tls_chan_want_flush(c->tls))
				conn_free(pl, c);
			else
				rearm(pl, c);
			return;
		}
		int r = tls_chan_recv(c->tls, &msg, &len);
		c->want_write = r == TLS_CHAN_WANT_WRITE;
		if (r == TLS_CHAN_WANT_READ || r == TLS_CHAN_WANT_WRITE)
			break;
		if (r == TLS_CHAN_CLOSED) {
			if (c->server)
				conn_free(pl, c);
			else
				call_fail(pl, c, PEERLINK_EIO,
					  "peer %s closed the connection without answering", c->name);
			return;
		}
		if (r != TLS_CHAN_OK)
			goto io_error;
		if (c->server) {
			serve(pl, c, msg, len);
			continue;
		}
		if (!c->cb) { /* an answer nobody asked for */
			call_fail(pl, c, PEERLINK_EIO, "peer %s sent an unexpected message", c->name);
			return;
		}
		struct ctl_reply rep;
		char err[160];
		if (ctl_reply_parse(&rep, (const char *)msg, len, err, sizeof(err))) {
			ctl_reply_free(&rep);
			call_fail(pl, c, PEERLINK_EIO, "peer %s: malformed response: %s", c->name, err);
			return;
		}
		deliver(pl, c, PEERLINK_OK, &rep, NULL);
		if (c->gen != gen || c->st != C_OPEN)
			return;
	}
	rearm(pl, c);
	return;
io_error:
	if (c->server) {
		pl->stats.io_errors++;
		pl_warn(pl, "connection from %s: %s", c->name, tls_chan_error(c->tls));
		conn_free(pl, c);
	} else {
		call_fail(pl, c, PEERLINK_EIO, "peer %s: %s", c->name, tls_chan_error(c->tls));
	}
}

static void accept_peers(struct peerlink *pl, struct listener *l)
{
	for (int k = 0; k < ACCEPT_BATCH; k++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int fd = accept4(l->fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				pl_warn(pl, "accept: %s", strerror(errno));
			return;
		}
		pl->stats.accepted++;

		struct peerlink_call *c = NULL;
		for (int i = 0; i < PEERLINK_MAX_SERVED && !c; i++)
			if (pl->c[i].st == C_FREE)
				c = &pl->c[i];
		if (!c) {
			/* TLS has no way to say "busy" before the handshake. */
			pl->stats.busy++;
			pl_warn(pl, "%d peer connections in progress, turning one away", PEERLINK_MAX_SERVED);
			close(fd);
			continue;
		}
		c->server = 1;
		c->fd = fd;
		c->who.conn_id = pl->next_conn_id++;
		if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
			inet_ntop(AF_INET6, &a->sin6_addr, c->who.addr, sizeof(c->who.addr));
			c->who.port = ntohs(a->sin6_port);
		} else {
			struct sockaddr_in *a = (struct sockaddr_in *)&ss;
			inet_ntop(AF_INET, &a->sin_addr, c->who.addr, sizeof(c->who.addr));
			c->who.port = ntohs(a->sin_port);
		}
		addr_name(c->name, sizeof(c->name), c->who.addr, c->who.port);
		c->hs_deadline = pl->now + hs_ms(pl);
		c->sess_deadline = pl->now + sess_ms(pl);
		char err[256];
		c->tls = make_tls(pl, c, err, sizeof(err));
		c->st = C_HANDSHAKE;
		c->armed = EPOLLIN;
		if (!c->tls || ep_ctl(pl->epfd, EPOLL_CTL_ADD, fd, EPOLLIN, tag_of(pl, c))) {
			pl->stats.io_errors++;
			pl_warn(pl, "connection from %s: %s", c->name, c->tls ? strerror(errno) : err);
			epoll_ctl(pl->epfd, EPOLL_CTL_DEL, fd, NULL);
			conn_free(pl, c);
			continue;
		}
		conn_step(pl, c, EPOLLIN); /* the ClientHello is often there already */
	}
}

/* Drop what is past its deadline, deliver deferred failures, then arm the
 * timer for the next deadline. */
static uint64_t deadline_of(const struct peerlink_call *c)
{
	int in_hs = c->st == C_CONNECTING || c->st == C_HANDSHAKE;

	return in_hs && c->hs_deadline < c->sess_deadline ? c->hs_deadline : c->sess_deadline;
}

static void expire_and_arm(struct peerlink *pl)
{
	uint64_t now = pl->now, next = 0;

	for (int i = 0; i < N_SLOTS; i++) {
		struct peerlink_call *c = &pl->c[i];
		if (c->st == C_FREE)
			continue;
		if (c->st == C_FAILED) {
			call_fail(pl, c, c->fail_status, "%s", c->fail_msg);
			continue;
		}
		int in_hs = c->st == C_CONNECTING || c->st == C_HANDSHAKE;
		if (now < deadline_of(c))
			continue;
		pl->stats.timeouts++;
		if (c->server) {
			pl_warn(pl, "%s: %s not done within %u ms, dropped", c->name,
				in_hs ? "TLS handshake" : "session", in_hs ? hs_ms(pl) : sess_ms(pl));
			conn_free(pl, c);
		} else if (c->st == C_CONNECTING) {
			call_fail(pl, c, PEERLINK_EUNREACH, "peer %s unreachable (timed out)", c->name);
		} else {
			call_fail(pl, c, PEERLINK_ETIMEOUT, "peer %s did not answer within %u ms", c->name,
				  in_hs ? hs_ms(pl) : sess_ms(pl));
		}
	}
	/* Callbacks above may have started calls, in any slot: look again. */
	for (int i = 0; i < N_SLOTS; i++) {
		const struct peerlink_call *c = &pl->c[i];
		uint64_t dl = c->st == C_FAILED ? 1 : deadline_of(c);
		if (c->st != C_FREE && (!next || dl < next))
			next = dl;
	}

	struct itimerspec its = {0};
	if (next) {
		its.it_value.tv_sec = (time_t)(next / 1000);
		its.it_value.tv_nsec = (long)(next % 1000) * 1000000;
	}
	timerfd_settime(pl->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

void peerlink_dispatch(struct peerlink *pl, uint64_t now_ms)
{
	struct epoll_event ev[N_SLOTS + PEERLINK_MAX_LISTEN + 1];
	uint64_t ticks;

	pl->now = now_ms;
	int n = epoll_wait(pl->epfd, ev, (int)(sizeof(ev) / sizeof(ev[0])), 0);
	for (int i = 0; i < n; i++) {
		uint64_t tag = ev[i].data.u64;
		if (tag == TAG_TIMER) {
			ssize_t r = read(pl->tfd, &ticks, sizeof(ticks));
			(void)r;
		} else if (tag < TAG_LISTEN + PEERLINK_MAX_LISTEN) {
			accept_peers(pl, &pl->l[tag - TAG_LISTEN]);
		} else {
			struct peerlink_call *c = &pl->c[tag - TAG_CONN];
			if (c->st != C_FREE && c->st != C_FAILED)
				conn_step(pl, c, ev[i].events);
		}
	}
	expire_and_arm(pl);
}

/* --- client --- */

void peerlink_set_body(struct peerlink *pl, const char *body, size_t len)
{
	pl->next_body = body;
	pl->next_body_len = body ? len : 0;
}

static int format_req(struct peerlink_call *c, int argc, const char *const argv[], char *err, size_t errlen)
{
	struct peerlink *pl = c->pl;
	const char *body = pl->next_body;
	size_t extra = pl->next_body_len;

	pl->next_body = NULL; /* for this request only, whatever happens */
	pl->next_body_len = 0;
	char *buf = malloc(PEERLINK_REQ_MAX + extra);

	if (!buf) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int n = ctl_req_format(buf, PEERLINK_REQ_MAX, argc, argv, err, errlen);
	if (n < 0) {
		mbedtls_platform_zeroize(buf, PEERLINK_REQ_MAX);
		free(buf);
		return -1;
	}
	if (extra)
		memcpy(buf + n, body, extra);
	wipe_req(c);
	c->req = buf;
	c->req_len = (size_t)n + extra;
	return 0;
}

static void arm_now(struct peerlink *pl)
{
	struct itimerspec its = {.it_value = {.tv_nsec = 1}}; /* relative: fire at once */

	timerfd_settime(pl->tfd, 0, &its, NULL);
}

struct peerlink_call *peerlink_call_start(struct peerlink *pl, const struct peerlink_target *t, int argc,
					  const char *const argv[], peerlink_reply_fn cb, void *cbctx,
					  char *err, size_t errlen)
{
	struct peerlink_call *c = NULL;
	struct sockaddr_storage ss;
	socklen_t sl;
	char name[PEERLINK_ADDR_MAX];

	addr_name(name, sizeof(name), t->host ? t->host : "", t->port);
	if (!t->host || strlen(t->host) >= INET6_ADDRSTRLEN || parse_addr(t->host, t->port, &ss, &sl) ||
	    !t->port) {
		snprintf(err, errlen, "peer %s: not an IPv4 or IPv6 address and port", name);
		return NULL;
	}
	if (t->mode != TLS_CHAN_PAIRING && t->mode != TLS_CHAN_CLUSTER) {
		snprintf(err, errlen, "peer %s: mode must be pairing or cluster", name);
		return NULL;
	}
	const uint8_t *key = t->key ? t->key : pl->key;
	size_t key_len = t->key ? t->key_len : pl->key_len;
	const char *cid = t->key ? t->cluster_id : pl->cid;
	if (t->mode == TLS_CHAN_CLUSTER && (key_len < TLS_CHAN_KEY_MIN || key_len > TLS_CHAN_KEY_MAX ||
					    !cid || !*cid || strlen(cid) > TLS_CHAN_ID_MAX)) {
		snprintf(err, errlen, "peer %s: no cluster key to authenticate with (not clustered)", name);
		return NULL;
	}
	for (int i = PEERLINK_MAX_SERVED; i < N_SLOTS && !c; i++)
		if (pl->c[i].st == C_FREE)
			c = &pl->c[i];
	if (!c) {
		snprintf(err, errlen, "peer %s: %d requests to peers already in progress", name,
			 PEERLINK_MAX_CALLS);
		return NULL;
	}
	if (format_req(c, argc, argv, err, errlen))
		return NULL;

	c->server = 0;
	c->t = *t;
	snprintf(c->host, sizeof(c->host), "%s", t->host);
	c->t.host = c->host;
	snprintf(c->name, sizeof(c->name), "%s", name);
	if (t->mode == TLS_CHAN_PAIRING && t->pin_fp)
		memcpy(c->pin, t->pin_fp, ID_FP_LEN);
	if (t->mode == TLS_CHAN_CLUSTER) {
		memcpy(c->key, key, key_len);
		c->t.key_len = key_len;
		snprintf(c->cid, sizeof(c->cid), "%s", cid);
	}
	c->cb = cb;
	c->cbctx = cbctx;
	uint64_t now = mono_ms();
	c->hs_deadline = now + hs_ms(pl);
	c->sess_deadline = now + sess_ms(pl);
	pl->stats.calls++;

	c->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int e = c->fd < 0 ? errno : 0;
	if (!e && connect(c->fd, (struct sockaddr *)&ss, sl) && errno != EINPROGRESS)
		e = errno;
	if (!e && ep_ctl(pl->epfd, EPOLL_CTL_ADD, c->fd, EPOLLOUT, tag_of(pl, c)))
		e = errno;
	if (e) {
		/* Report through the loop: the callback never runs inside this call. */
		char eb[96];
		c->st = C_FAILED;
		c->fail_status = PEERLINK_EUNREACH;
		snprintf(c->fail_msg, sizeof(c->fail_msg), "peer %s unreachable (%s)", name,
			 lc_strerror(e, eb, sizeof(eb)));
		if (c->fd >= 0) {
			epoll_ctl(pl->epfd, EPOLL_CTL_DEL, c->fd, NULL);
			close(c->fd);
			c->fd = -1;
		}
		arm_now(pl);
		return c;
	}
	c->armed = EPOLLOUT;
	c->st = C_CONNECTING;
	arm_now(pl); /* re-arm the deadline timer for this call */
	return c;
}

int peerlink_call_next(struct peerlink_call *c, int argc, const char *const argv[], peerlink_reply_fn cb,
		       void *cbctx, char *err, size_t errlen)
{
	if (!c->in_cb || c->st != C_OPEN || c->next_called || c->cancelled) {
		snprintf(err, errlen, "peer %s: the connection cannot take another request", c->name);
		return -1;
	}
	if (format_req(c, argc, argv, err, errlen))
		return -1;
	int r = tls_chan_send(c->tls, c->req, c->req_len);
	wipe_req(c);
	if (r == TLS_CHAN_ERR) {
		snprintf(err, errlen, "peer %s: %s", c->name, tls_chan_error(c->tls));
		return -1;
	}
	c->cb = cb;
	c->cbctx = cbctx;
	c->next_called = 1;
	return 0;
}

void peerlink_call_cancel(struct peerlink_call *c)
{
	if (!c || c->st == C_FREE)
		return;
	if (c->in_cb) {
		c->cancelled = 1; /* freed when the callback returns */
		return;
	}
	conn_free(c->pl, c);
}

int peerlink_request(struct peerlink *pl, const char *host, uint16_t port, enum tls_chan_mode mode,
		     const uint8_t *pin_fp, int argc, const char *const argv[], peerlink_reply_fn cb,
		     void *cbctx, char *err, size_t errlen)
{
	struct peerlink_target t = {.host = host, .port = port, .mode = mode, .pin_fp = pin_fp};

	return peerlink_call_start(pl, &t, argc, argv, cb, cbctx, err, errlen) ? 0 : -1;
}

/* --- blocking helper --- */

struct sync_res {
	int done, status;
	struct ctl_reply *rep;
	uint8_t *fp;
	char *err;
	size_t errlen;
	struct peerlink_call *call;
};

static void sync_cb(void *ctx, int status, const struct ctl_reply *rep, const char *err,
		    const uint8_t peer_fp[ID_FP_LEN])
{
	struct sync_res *s = ctx;

	s->done = 1;
	s->status = status;
	snprintf(s->err, s->errlen, "%s", err);
	if (peer_fp && s->fp)
		memcpy(s->fp, peer_fp, ID_FP_LEN);
	if (rep) {
		*s->rep = *rep; /* the caller frees it */
		s->call->reply_taken = 1;
	}
}

int peerlink_request_sync(struct peerlink *pl, const struct peerlink_target *t, int argc,
			  const char *const argv[], struct ctl_reply *rep, uint8_t peer_fp[ID_FP_LEN],
			  char *err, size_t errlen)
{
	struct sync_res s = {.rep = rep, .fp = peer_fp, .err = err, .errlen = errlen};

	memset(rep, 0, sizeof(*rep));
	if (peer_fp)
		memset(peer_fp, 0, ID_FP_LEN);
	s.call = peerlink_call_start(pl, t, argc, argv, sync_cb, &s, err, errlen);
	if (!s.call)
		return PEERLINK_EREFUSED;
	while (!s.done) {
		struct pollfd p = {.fd = pl->epfd, .events = POLLIN};

		poll(&p, 1, 100);
		peerlink_dispatch(pl, mono_ms());
	}
	return s.status;
}

/* --- teardown --- */

void peerlink_close(struct peerlink *pl)
{
	if (!pl)
		return;
	for (int i = 0; i < N_SLOTS; i++) {
		pl->c[i].cb = NULL; /* no callbacks at teardown */
		conn_free(pl, &pl->c[i]);
	}
	for (size_t k = 0; k < pl->n_listen; k++)
		close(pl->l[k].fd);
	close(pl->epfd);
	close(pl->tfd);
	mbedtls_platform_zeroize(pl, sizeof(*pl));
	free(pl);
}
