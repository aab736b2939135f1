/* tls_chan: both ends in one thread over a non-blocking socketpair, stepped
 * alternately until neither wants the socket. */
#define _GNU_SOURCE /* accept4 */
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <poll.h>
#include <unistd.h>

#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>

#include "identity.h"
#include "rng.h"
#include "tls_chan.h"

static struct rng rng;
static struct identity id_a, id_b, id_c;
static char dir[] = "/tmp/twin-tls-XXXXXX";
static const uint8_t key1[32] = "0123456789abcdef0123456789abcde";
static const uint8_t key2[32] = "0123456789abcdef0123456789abcdX";

struct link {
	int fd[2]; /* [0] client end, [1] server end */
	struct tls_chan *cli, *srv;
	int rc, rs; /* last handshake results */
};

static struct tls_chan *mk(int fd, int server, enum tls_chan_mode mode, struct identity *id,
			   const uint8_t *fp, const uint8_t *key, const char *cid)
{
	struct tls_chan_opts o = {.server = server,
				  .mode = mode,
				  .rng = &rng,
				  .id = id,
				  .expect_fp = fp,
				  .key = key,
				  .key_len = 32,
				  .cluster_id = cid};
	char err[256];
	struct tls_chan *c = tls_chan_new(fd, &o, err, sizeof(err));

	if (!c)
		fprintf(stderr, "tls_chan_new: %s\n", err);
	return c;
}

static void open_link(struct link *l)
{
	memset(l, 0, sizeof(*l));
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, l->fd), 0);
}

static void close_link(struct link *l)
{
	tls_chan_free(l->cli);
	tls_chan_free(l->srv);
	if (l->fd[0] >= 0)
		close(l->fd[0]);
	if (l->fd[1] >= 0)
		close(l->fd[1]);
}

/* Wait (briefly) until an end of the link has something to read: needed
 * on TCP, where bytes take a moment to cross loopback. */
static void wait_io(const struct link *l)
{
	struct pollfd p[2] = {{.fd = l->fd[0], .events = POLLIN}, {.fd = l->fd[1], .events = POLLIN}};

	poll(p, 2, 10);
}

/* Step both handshakes until each is done or failed (or no progress). */
static void shake(struct link *l)
{
	l->rc = l->rs = TLS_CHAN_WANT_READ;
	for (int i = 0; i < 200 && (l->rc > 0 || l->rs > 0); i++) {
		if (l->rc > 0)
			l->rc = tls_chan_handshake(l->cli);
		if (l->rs > 0)
			l->rs = tls_chan_handshake(l->srv);
		if (l->rc > 0 || l->rs > 0)
			wait_io(l);
	}
}

static void pairing_link(struct link *l, const uint8_t *cli_expect, const uint8_t *srv_expect)
{
	open_link(l);
	l->cli = mk(l->fd[0], 0, TLS_CHAN_PAIRING, &id_a, cli_expect, NULL, NULL);
	l->srv = mk(l->fd[1], 1, TLS_CHAN_PAIRING, &id_b, srv_expect, NULL, NULL);
	CHECK(l->cli && l->srv);
	shake(l);
}

static void cluster_link(struct link *l, const uint8_t *ck, const char *cid, const uint8_t *sk,
			 const char *sid)
{
	open_link(l);
	l->cli = mk(l->fd[0], 0, TLS_CHAN_CLUSTER, NULL, NULL, ck, cid);
	l->srv = mk(l->fd[1], 1, TLS_CHAN_CLUSTER, NULL, NULL, sk, sid);
	CHECK(l->cli && l->srv);
	shake(l);
}

/* Receive one message at the server (to_srv) or the client, flushing the
 * sender meanwhile (big messages do not fit the socket buffer at once). */
static int pump_recv(struct link *l, int to_srv, const uint8_t **msg, size_t *len)
{
	struct tls_chan *from = to_srv ? l->cli : l->srv, *to = to_srv ? l->srv : l->cli;
	int r = TLS_CHAN_WANT_READ;

	for (int i = 0; i < 10000 && r > 0 && r != TLS_CHAN_CLOSED; i++) {
		if (tls_chan_want_flush(from))
			tls_chan_flush(from);
		r = tls_chan_recv(to, msg, len);
		if (r > 0 && r != TLS_CHAN_CLOSED && !tls_chan_want_flush(from))
			wait_io(l);
	}
	return r;
}

static void test_pairing(void)
{
	struct link l;
	char fp[ID_FP_STR_MAX];

	pairing_link(&l, NULL, NULL);
	CHECK_EQ(l.rc, TLS_CHAN_OK);
	CHECK_EQ(l.rs, TLS_CHAN_OK);
	/* Each side learned the other's key. */
	CHECK(tls_chan_peer_fp(l.cli) && memcmp(tls_chan_peer_fp(l.cli), id_b.fp, ID_FP_LEN) == 0);
	CHECK(tls_chan_peer_fp(l.srv) && memcmp(tls_chan_peer_fp(l.srv), id_a.fp, ID_FP_LEN) == 0);
	CHECK_STR(mbedtls_ssl_get_ciphersuite(tls_chan_ssl(l.cli)),
		  "TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256");
	close_link(&l);

	/* Pinned on both sides: matches. */
	pairing_link(&l, id_b.fp, id_a.fp);
	CHECK_EQ(l.rc, TLS_CHAN_OK);
	CHECK_EQ(l.rs, TLS_CHAN_OK);
	close_link(&l);

	/* The client expected another key: refused, and the message shows both. */
	pairing_link(&l, id_c.fp, NULL);
	CHECK_EQ(l.rc, TLS_CHAN_ERR);
	CHECK(l.rs != TLS_CHAN_OK);
	CHECK_CONTAINS(tls_chan_error(l.cli), "fingerprint mismatch");
	identity_fp_format(id_c.fp, fp);
	CHECK_CONTAINS(tls_chan_error(l.cli), fp);
	identity_fp_format(id_b.fp, fp);
	CHECK_CONTAINS(tls_chan_error(l.cli), fp);
	CHECK(tls_chan_peer_fp(l.cli) && memcmp(tls_chan_peer_fp(l.cli), id_b.fp, ID_FP_LEN) == 0);
	CHECK_EQ(tls_chan_handshake(l.cli), TLS_CHAN_ERR); /* stays dead */
	close_link(&l);

	/* The server pinned another client key. */
	pairing_link(&l, NULL, id_c.fp);
	CHECK_EQ(l.rs, TLS_CHAN_ERR);
	CHECK(l.rc != TLS_CHAN_OK);
	CHECK_CONTAINS(tls_chan_error(l.srv), "fingerprint mismatch");
	close_link(&l);
}

static void test_cluster(void)
{
	struct link l;

	cluster_link(&l, key1, "twin-1234", key1, "twin-1234");
	CHECK_EQ(l.rc, TLS_CHAN_OK);
	CHECK_EQ(l.rs, TLS_CHAN_OK);
	CHECK(tls_chan_peer_fp(l.cli) == NULL);
	CHECK_STR(mbedtls_ssl_get_ciphersuite(tls_chan_ssl(l.srv)),
		  "TLS-ECDHE-PSK-WITH-CHACHA20-POLY1305-SHA256");
	close_link(&l);

	cluster_link(&l, key2, "twin-1234", key1, "twin-1234");
	CHECK_EQ(l.rc, TLS_CHAN_ERR);
	CHECK_EQ(l.rs, TLS_CHAN_ERR);
	CHECK_CONTAINS(tls_chan_error(l.cli), "wrong cluster key");
	close_link(&l);

	cluster_link(&l, key1, "twin-9999", key1, "twin-1234");
	CHECK_EQ(l.rc, TLS_CHAN_ERR);
	CHECK_EQ(l.rs, TLS_CHAN_ERR);
	close_link(&l);

	/* A pairing client cannot talk to a cluster server (no common suite). */
	open_link(&l);
	l.cli = mk(l.fd[0], 0, TLS_CHAN_PAIRING, &id_a, NULL, NULL, NULL);
	l.srv = mk(l.fd[1], 1, TLS_CHAN_CLUSTER, NULL, NULL, key1, "twin-1234");
	shake(&l);
	CHECK_EQ(l.rc, TLS_CHAN_ERR);
	CHECK_EQ(l.rs, TLS_CHAN_ERR);
	close_link(&l);
}

/* One control port on a clustered node: either kind of client. */
static void test_any(void)
{
	struct link l;

	open_link(&l);
	l.cli = mk(l.fd[0], 0, TLS_CHAN_PAIRING, &id_a, id_b.fp, NULL, NULL);
	l.srv = mk(l.fd[1], 1, TLS_CHAN_ANY, &id_b, NULL, key1, "twin-1");
	CHECK_EQ(tls_chan_mode(l.srv), TLS_CHAN_ANY);
	shake(&l);
	CHECK_EQ(l.rc, TLS_CHAN_OK);
	CHECK_EQ(l.rs, TLS_CHAN_OK);
	CHECK_EQ(tls_chan_mode(l.srv), TLS_CHAN_PAIRING);
	CHECK(tls_chan_peer_fp(l.srv) && memcmp(tls_chan_peer_fp(l.srv), id_a.fp, ID_FP_LEN) == 0);
	close_link(&l);

	open_link(&l);
	l.cli = mk(l.fd[0], 0, TLS_CHAN_CLUSTER, NULL, NULL, key1, "twin-1");
	l.srv = mk(l.fd[1], 1, TLS_CHAN_ANY, &id_b, NULL, key1, "twin-1");
	shake(&l);
	CHECK_EQ(l.rc, TLS_CHAN_OK);
	CHECK_EQ(l.rs, TLS_CHAN_OK);
	CHECK_EQ(tls_chan_mode(l.srv), TLS_CHAN_CLUSTER);
	CHECK(tls_chan_peer_fp(l.srv) == NULL);
	CHECK(tls_chan_peer_fp(l.cli) == NULL);
	close_link(&l);

	open_link(&l);
	l.cli = mk(l.fd[0], 0, TLS_CHAN_CLUSTER, NULL, NULL, key2, "twin-1");
	l.srv = mk(l.fd[1], 1, TLS_CHAN_ANY, &id_b, NULL, key1, "twin-1");
	shake(&l);
	CHECK_EQ(l.rc, TLS_CHAN_ERR);
	CHECK_EQ(l.rs, TLS_CHAN_ERR);
	close_link(&l);
}

static void test_bad_options(void)
{
	struct tls_chan_opts o = {
	    .mode = TLS_CHAN_CLUSTER, .rng = &rng, .key = key1, .key_len = 8, .cluster_id = "x"};
	char err[256] = "";

	CHECK(tls_chan_new(0, &o, err, sizeof(err)) == NULL);
	CHECK_CONTAINS(err, "key must be");
	o.key_len = 32;
	o.cluster_id = "has space";
	CHECK(tls_chan_new(0, &o, err, sizeof(err)) == NULL);
	CHECK_CONTAINS(err, "cluster id");
	o.mode = TLS_CHAN_PAIRING;
	CHECK(tls_chan_new(0, &o, err, sizeof(err)) == NULL);
	CHECK_CONTAINS(err, "identity");
	o.mode = TLS_CHAN_ANY; /* server only */
	o.id = &id_a;
	o.cluster_id = "x";
	CHECK(tls_chan_new(0, &o, err, sizeof(err)) == NULL);
	CHECK_CONTAINS(err, "bad options");
}

static void test_messages(void)
{
	struct link l;
	const uint8_t *m;
	size_t n;
	uint8_t *big = malloc(TLS_CHAN_MSG_MAX + 1);

	cluster_link(&l, key1, "twin-1", key1, "twin-1");
	CHECK_EQ(tls_chan_send(l.cli, "status\n", 7), TLS_CHAN_OK);
	CHECK_EQ(pump_recv(&l, 1, &m, &n), TLS_CHAN_OK);
	CHECK_EQ(n, 7);
	CHECK_STR((const char *)m, "status\n");
	CHECK_EQ(tls_chan_recv(l.srv, &m, &n), TLS_CHAN_WANT_READ);

	CHECK_EQ(tls_chan_send(l.srv, "ok\nnode.name=a\n", 15), TLS_CHAN_OK);
	CHECK_EQ(pump_recv(&l, 0, &m, &n), TLS_CHAN_OK);
	CHECK_EQ(n, 15);
	CHECK_EQ(memcmp(m, "ok\nnode.name=a\n", 15), 0);

	/* Several messages in one go, one of them empty: all arrive, in order,
	 * though TLS holds some of them decrypted. */
	CHECK_EQ(tls_chan_send(l.cli, "one", 3), TLS_CHAN_OK);
	CHECK_EQ(tls_chan_send(l.cli, "", 0), TLS_CHAN_OK);
	CHECK_EQ(tls_chan_send(l.cli, "three", 5), TLS_CHAN_OK);
	CHECK_EQ(pump_recv(&l, 1, &m, &n), TLS_CHAN_OK);
	CHECK(n == 3 && memcmp(m, "one", 3) == 0);
	CHECK_EQ(pump_recv(&l, 1, &m, &n), TLS_CHAN_OK);
	CHECK_EQ(n, 0);
	CHECK_EQ(pump_recv(&l, 1, &m, &n), TLS_CHAN_OK);
	CHECK(n == 5 && memcmp(m, "three", 5) == 0);

	/* The largest message crosses intact, over many socket refills. */
	for (size_t i = 0; i < TLS_CHAN_MSG_MAX; i++)
		big[i] = (uint8_t)(i * 31 + (i >> 12));
	int r = tls_chan_send(l.cli, big, TLS_CHAN_MSG_MAX);
	CHECK(r == TLS_CHAN_WANT_WRITE || r == TLS_CHAN_OK);
	CHECK_EQ(pump_recv(&l, 1, &m, &n), TLS_CHAN_OK);
	CHECK_EQ(n, TLS_CHAN_MSG_MAX);
	CHECK(n == TLS_CHAN_MSG_MAX && memcmp(m, big, n) == 0);
	CHECK(!tls_chan_want_flush(l.cli));

	/* Clean end: close_notify between messages. */
	CHECK_EQ(tls_chan_send(l.cli, "bye", 3), TLS_CHAN_OK);
	CHECK_EQ(tls_chan_close(l.cli), TLS_CHAN_OK);
	CHECK_EQ(pump_recv(&l, 1, &m, &n), TLS_CHAN_OK);
	CHECK(n == 3 && memcmp(m, "bye", 3) == 0);
	CHECK_EQ(tls_chan_recv(l.srv, &m, &n), TLS_CHAN_CLOSED);

	/* Too large to send: refused locally. */
	CHECK_EQ(tls_chan_send(l.srv, big, TLS_CHAN_MSG_MAX + 1), TLS_CHAN_ERR);
	CHECK_CONTAINS(tls_chan_error(l.srv), "too large");
	close_link(&l);

	/* Pairing mode carries messages the same way. */
	pairing_link(&l, NULL, NULL);
	CHECK_EQ(tls_chan_send(l.cli, "pair-hello 1\n", 13), TLS_CHAN_OK);
	CHECK_EQ(pump_recv(&l, 1, &m, &n), TLS_CHAN_OK);
	CHECK_STR((const char *)m, "pair-hello 1\n");
	/* Sending before the handshake is a caller error, reported. */
	close_link(&l);
	open_link(&l);
	l.cli = mk(l.fd[0], 0, TLS_CHAN_CLUSTER, NULL, NULL, key1, "twin-1");
	CHECK_EQ(tls_chan_send(l.cli, "x", 1), TLS_CHAN_ERR);
	CHECK_CONTAINS(tls_chan_error(l.cli), "handshake not finished");
	close_link(&l);
	free(big);
}

/* The real transport: loopback TCP, non-blocking, connect still in
 * progress when the client starts its handshake. */
static void test_tcp(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t slen = sizeof(sa);
	struct link l;
	const uint8_t *m;
	size_t n;
	int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(&l, 0, sizeof(l));
	CHECK(ls >= 0);
	CHECK_EQ(bind(ls, (struct sockaddr *)&sa, sizeof(sa)), 0);
	CHECK_EQ(listen(ls, 1), 0);
	CHECK_EQ(getsockname(ls, (struct sockaddr *)&sa, &slen), 0);
	l.fd[0] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	CHECK(connect(l.fd[0], (struct sockaddr *)&sa, sizeof(sa)) == 0 || errno == EINPROGRESS);
	l.fd[1] = accept4(ls, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	CHECK(l.fd[1] >= 0);
	close(ls);
	l.cli = mk(l.fd[0], 0, TLS_CHAN_CLUSTER, NULL, NULL, key1, "twin-tcp");
	l.srv = mk(l.fd[1], 1, TLS_CHAN_CLUSTER, NULL, NULL, key1, "twin-tcp");
	shake(&l);
	CHECK_EQ(l.rc, TLS_CHAN_OK);
	CHECK_EQ(l.rs, TLS_CHAN_OK);
	CHECK_EQ(tls_chan_send(l.cli, "status\n", 7), TLS_CHAN_OK);
	CHECK_EQ(pump_recv(&l, 1, &m, &n), TLS_CHAN_OK);
	CHECK(n == 7 && memcmp(m, "status\n", 7) == 0);

	/* The peer is gone: an error, not SIGPIPE. */
	close(l.fd[1]);
	l.fd[1] = -1;
	int r = TLS_CHAN_OK;
	for (int i = 0; i < 100 && r == TLS_CHAN_OK; i++)
		r = tls_chan_send(l.cli, "x", 1);
	CHECK_EQ(r, TLS_CHAN_ERR);
	CHECK(tls_chan_error(l.cli)[0] != 0);
	close_link(&l);
}

/* Write raw application bytes under the framing (a peer that misbehaves). */
static void raw_write(struct tls_chan *c, const void *buf, size_t len)
{
	CHECK_EQ(mbedtls_ssl_write(tls_chan_ssl(c), buf, len), (int)len);
}

static void test_bad_streams(void)
{
	struct link l;
	const uint8_t *m;
	size_t n;

	/* A frame header promising 100 bytes, 10 sent, then close_notify. */
	cluster_link(&l, key1, "t", key1, "t");
	raw_write(l.cli,
		  "\0\0\0\x64"
		  "0123456789",
		  14);
	CHECK_EQ(tls_chan_close(l.cli), TLS_CHAN_OK);
	CHECK_EQ(pump_recv(&l, 1, &m, &n), TLS_CHAN_ERR);
	CHECK_CONTAINS(tls_chan_error(l.srv), "closed inside a message");
	close_link(&l);

	/* Same, but the TCP connection just ends. */
	cluster_link(&l, key1, "t", key1, "t");
	raw_write(l.cli, "\0\0", 2);
	close(l.fd[0]);
	l.fd[0] = -1;
	CHECK_EQ(pump_recv(&l, 1, &m, &n), TLS_CHAN_ERR);
	close_link(&l);

	/* A header announcing more than the maximum. */
	cluster_link(&l, key1, "t", key1, "t");
	raw_write(l.cli, "\0\x20\0\0", 4);
	CHECK_EQ(pump_recv(&l, 1, &m, &n), TLS_CHAN_ERR);
	CHECK_CONTAINS(tls_chan_error(l.srv), "message too large");
	CHECK_EQ(tls_chan_recv(l.srv, &m, &n), TLS_CHAN_ERR);
	close_link(&l);

	/* Garbage instead of TLS records after the handshake. */
	cluster_link(&l, key1, "t", key1, "t");
	CHECK_EQ(write(l.fd[0], "\x17\x03\x03\x00\x20garbage-garbage-garbage-garbage!", 37), 37);
	CHECK_EQ(pump_recv(&l, 1, &m, &n), TLS_CHAN_ERR);
	close_link(&l);

	/* A record cut short, then EOF. */
	cluster_link(&l, key1, "t", key1, "t");
	CHECK_EQ(write(l.fd[0],
		       "\x17\x03\x03\x01\x00"
		       "abc",
		       8),
		 8);
	shutdown(l.fd[0], SHUT_WR);
	CHECK_EQ(pump_recv(&l, 1, &m, &n), TLS_CHAN_ERR);
	CHECK_CONTAINS(tls_chan_error(l.srv), "inside a TLS record");
	close_link(&l);

	/* Plain EOF between messages is an end, not an error. */
	cluster_link(&l, key1, "t", key1, "t");
	shutdown(l.fd[0], SHUT_WR);
	CHECK_EQ(pump_recv(&l, 1, &m, &n), TLS_CHAN_CLOSED);
	close_link(&l);
}

/* What the server wrote to a client that never spoke TLS: nothing, or TLS
 * alert records (content type 21) only, never application data. */
static int only_alerts(int fd)
{
	uint8_t buf[512];
	ssize_t n = read(fd, buf, sizeof(buf));
	ssize_t off = 0;

	if (n < 0)
		return errno == EAGAIN;
	while (off + 5 <= n) {
		if (buf[off] != 21)
			return 0;
		off += 5 + (buf[off + 3] << 8 | buf[off + 4]);
	}
	return off == n;
}

static void test_plain_client(enum tls_chan_mode mode)
{
	struct link l;
	uint8_t c;

	open_link(&l);
	l.srv = mk(l.fd[1], 1, mode, mode == TLS_CHAN_CLUSTER ? NULL : &id_b, NULL, key1, "t");
	CHECK_EQ(write(l.fd[0], "status\n", 7), 7);
	CHECK_EQ(tls_chan_handshake(l.srv), TLS_CHAN_ERR);
	CHECK(tls_chan_error(l.srv)[0] != 0);
	CHECK(only_alerts(l.fd[0]));
	/* The daemon then closes: the client sees the end (EOF, or a reset
	 * because the server left part of the line unread), no answer. */
	close(l.fd[1]);
	l.fd[1] = -1;
	ssize_t n = read(l.fd[0], &c, 1);
	CHECK(n == 0 || (n < 0 && errno == ECONNRESET));
	close_link(&l);
}

/* A TLS client without a certificate must not pass a pairing server. */
static void test_pairing_client_without_cert(void)
{
	mbedtls_ssl_config conf;
	mbedtls_ssl_context ssl;
	mbedtls_net_context net;
	struct link l;
	int rc = MBEDTLS_ERR_SSL_WANT_READ, rs = TLS_CHAN_WANT_READ;

	open_link(&l);
	l.srv = mk(l.fd[1], 1, TLS_CHAN_PAIRING, &id_b, NULL, NULL, NULL);
	mbedtls_ssl_config_init(&conf);
	mbedtls_ssl_init(&ssl);
	net.fd = l.fd[0];
	CHECK_EQ(mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
					     MBEDTLS_SSL_PRESET_DEFAULT),
		 0);
	mbedtls_ssl_conf_rng(&conf, RNG_F, RNG_P(&rng));
	mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_NONE);
	CHECK_EQ(mbedtls_ssl_setup(&ssl, &conf), 0);
	mbedtls_ssl_set_bio(&ssl, &net, mbedtls_net_send, mbedtls_net_recv, NULL);
	for (int i = 0;
	     i < 200 && (rs > 0 || rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE);
	     i++) {
		if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE)
			rc = mbedtls_ssl_handshake(&ssl);
		if (rs > 0)
			rs = tls_chan_handshake(l.srv);
	}
	CHECK_EQ(rs, TLS_CHAN_ERR);
	CHECK_CONTAINS(tls_chan_error(l.srv), "no identity certificate");
	CHECK(tls_chan_peer_fp(l.srv) == NULL);
	mbedtls_ssl_free(&ssl);
	mbedtls_ssl_config_free(&conf);
	close_link(&l);
}

static void load_ids(void)
{
	char path[300], err[256];

	snprintf(path, sizeof(path), "%s/a.key", dir);
	CHECK_EQ(identity_load_or_create(&id_a, path, &rng, NULL, err, sizeof(err)), 0);
	unlink(path);
	snprintf(path, sizeof(path), "%s/b.key", dir);
	CHECK_EQ(identity_load_or_create(&id_b, path, &rng, NULL, err, sizeof(err)), 0);
	unlink(path);
	snprintf(path, sizeof(path), "%s/c.key", dir);
	CHECK_EQ(identity_load_or_create(&id_c, path, &rng, NULL, err, sizeof(err)), 0);
	unlink(path);
	rmdir(dir);
}

TEST_MAIN("tls_chan", {
	char err[256];

	CHECK(mkdtemp(dir) != NULL);
	CHECK_EQ(rng_init(&rng, "test_tls_chan", err, sizeof(err)), 0);
	load_ids();
	test_pairing();
	test_cluster();
	test_any();
	test_bad_options();
	test_messages();
	test_bad_streams();
	test_tcp();
	test_plain_client(TLS_CHAN_CLUSTER);
	test_plain_client(TLS_CHAN_PAIRING);
	test_plain_client(TLS_CHAN_ANY);
	test_pairing_client_without_cert();
	identity_free(&id_a);
	identity_free(&id_b);
	identity_free(&id_c);
	rng_free(&rng);
})
