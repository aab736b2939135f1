#include "tls_chan.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <mbedtls/error.h>
#include <mbedtls/md.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/platform_util.h>

#include "rng.h"

#define HDR_LEN	   4
#define IN_INITIAL 4096
/* Domain separation: the cluster key also signs heartbeats; TLS gets its own
 * key, HMAC-SHA256(cluster key, PSK_LABEL). */
#define PSK_LABEL "twin tls-psk v1"
#define PSK_LEN	  32

struct tls_chan {
	int fd;
	enum tls_chan_mode mode;
	mbedtls_ssl_config conf;
	mbedtls_ssl_context ssl;
	int suites[3];
	int nsuites;
	mbedtls_ecp_group_id curves[2];
	int done, failed, sys_errno;
	int have_peer_fp, expect, fp_mismatch;
	uint8_t peer_fp[ID_FP_LEN], expect_fp[ID_FP_LEN];
	unsigned char *out; /* queued framed messages [out_off, out_len) */
	size_t out_len, out_off, out_cap;
	size_t inflight;   /* length passed to an ssl_write that said WANT_* */
	unsigned char *in; /* one message being received: header + body + NUL */
	size_t in_have, in_cap;
	int in_ready; /* in holds a delivered message, drop it on the next recv */
	char err[256];
};

static int fail(struct tls_chan *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct tls_chan *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	c->failed = 1;
	return TLS_CHAN_ERR;
}

/* A failed mbedtls call, explained as plainly as the cause allows. */
static int fail_tls(struct tls_chan *c, const char *what, int ret)
{
	char why[128], exp[ID_FP_STR_MAX], got[ID_FP_STR_MAX];

	if (c->fp_mismatch) {
		identity_fp_format(c->expect_fp, exp);
		identity_fp_format(c->peer_fp, got);
		return fail(c, "peer key fingerprint mismatch: expected %s, got %s", exp, got);
	}
	if (c->sys_errno)
		return fail(c, "%s: %s", what, strerror(c->sys_errno));
	if (ret == MBEDTLS_ERR_SSL_CONN_EOF)
		return fail(c, "%s: peer closed the connection", what);
	mbedtls_strerror(ret, why, sizeof(why));
	/* "SSL - Verification of ..." -> "verification of ..." */
	const char *w = strstr(why, " - ") ? strstr(why, " - ") + 3 : why;
	if (c->mode != TLS_CHAN_PAIRING && !c->done &&
	    (ret == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE || ret == MBEDTLS_ERR_SSL_UNKNOWN_IDENTITY ||
	     ret == MBEDTLS_ERR_SSL_INVALID_MAC || ret == MBEDTLS_ERR_SSL_BAD_HS_FINISHED))
		return fail(c, "%s: %s (wrong cluster key or cluster id?)", what, w);
	return fail(c, "%s: %s", what, w);
}

/* --- socket callbacks: never block, never raise SIGPIPE --- */

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct tls_chan *c = ctx;
	ssize_t n;

	do
		n = send(c->fd, buf, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n >= 0)
		return (int)n;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return MBEDTLS_ERR_SSL_WANT_WRITE;
	c->sys_errno = errno;
	return errno == EPIPE || errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET
						     : MBEDTLS_ERR_NET_SEND_FAILED;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
	struct tls_chan *c = ctx;
	ssize_t n;

	do
		n = recv(c->fd, buf, len, 0);
	while (n < 0 && errno == EINTR);
	if (n >= 0)
		return (int)n;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return MBEDTLS_ERR_SSL_WANT_READ;
	c->sys_errno = errno;
	return errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET : MBEDTLS_ERR_NET_RECV_FAILED;
}

/* --- pairing: no CA, the key itself is what the admin or the pin trusts --- */

static int verify_cb(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
	struct tls_chan *c = ctx;

	/* Chain, dates and issuer mean nothing for a self-signed identity;
	 * the handshake still proves the peer holds the certificate's key. */
	*flags = 0;
	if (depth != 0)
		return 0;
	if (identity_pk_fingerprint(&crt->pk, c->peer_fp) < 0)
		return MBEDTLS_ERR_X509_FATAL_ERROR;
	c->have_peer_fp = 1;
	if (c->expect && memcmp(c->peer_fp, c->expect_fp, ID_FP_LEN) != 0) {
		c->fp_mismatch = 1;
		/* Not CERT_VERIFY_FAILED: VERIFY_OPTIONAL would ignore that. */
		return MBEDTLS_ERR_X509_FATAL_ERROR;
	}
	return 0;
}

static int setup_pairing(struct tls_chan *c, const struct tls_chan_opts *o, char *err, size_t errlen)
{
	if (!o->id) {
		snprintf(err, errlen, "pairing channel needs the node identity");
		return -1;
	}
	if (o->expect_fp) {
		c->expect = 1;
		memcpy(c->expect_fp, o->expect_fp, ID_FP_LEN);
	}
	c->suites[c->nsuites++] = MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;
	/* OPTIONAL + verify_cb: the peer must still send a certificate and
	 * prove its key; tls_chan_handshake refuses a peer that sent none. */
	mbedtls_ssl_conf_authmode(&c->conf, MBEDTLS_SSL_VERIFY_OPTIONAL);
	mbedtls_ssl_conf_verify(&c->conf, verify_cb, c);
	if (mbedtls_ssl_conf_own_cert(&c->conf, &o->id->cert, &o->id->key) != 0) {
		snprintf(err, errlen, "pairing channel: cannot use the identity certificate");
		return -1;
	}
	return 0;
}

/* mbedtls keeps its own copy of the PSK (wiped by mbedtls_ssl_config_free). */
static int set_psk(struct tls_chan *c, const uint8_t *key, size_t key_len, const char *id)
{
	unsigned char psk[PSK_LEN];
	int ret;

	ret = mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), key, key_len,
			      (const unsigned char *)PSK_LABEL, strlen(PSK_LABEL), psk);
	if (ret == 0)
		ret = mbedtls_ssl_conf_psk(&c->conf, psk, sizeof(psk), (const unsigned char *)id, strlen(id));
	mbedtls_platform_zeroize(psk, sizeof(psk));
	return ret;
}

static int valid_id(const char *id)
{
	size_t n = id ? strlen(id) : 0;

	if (n == 0 || n > TLS_CHAN_ID_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (id[i] <= ' ' || id[i] > '~')
			return 0;
	return 1;
}

static int setup_cluster(struct tls_chan *c, const struct tls_chan_opts *o, char *err, size_t errlen)
{
	if (!o->key || o->key_len < TLS_CHAN_KEY_MIN || o->key_len > TLS_CHAN_KEY_MAX) {
		snprintf(err, errlen, "cluster channel: key must be %d..%d bytes", TLS_CHAN_KEY_MIN,
			 TLS_CHAN_KEY_MAX);
		return -1;
	}
	if (!valid_id(o->cluster_id)) {
		snprintf(err, errlen, "cluster channel: cluster id must be 1..%d printable characters",
			 TLS_CHAN_ID_MAX);
		return -1;
	}
#if defined(MBEDTLS_CHACHAPOLY_C)
	c->suites[c->nsuites++] = MBEDTLS_TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256;
#else
	c->suites[c->nsuites++] = MBEDTLS_TLS_PSK_WITH_AES_128_GCM_SHA256;
#endif
	mbedtls_ssl_conf_authmode(&c->conf, MBEDTLS_SSL_VERIFY_NONE);
	if (set_psk(c, o->key, o->key_len, o->cluster_id) != 0) {
		snprintf(err, errlen, "cluster channel: cannot set the pre-shared key");
		return -1;
	}
	return 0;
}

static int setup(struct tls_chan *c, const struct tls_chan_opts *o, char *err, size_t errlen)
{
	int ret;

	ret = mbedtls_ssl_config_defaults(&c->conf, o->server ? MBEDTLS_SSL_IS_SERVER : MBEDTLS_SSL_IS_CLIENT,
					  MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
	if (ret != 0) {
		snprintf(err, errlen, "TLS config: %d", ret);
		return -1;
	}
	mbedtls_ssl_conf_rng(&c->conf, RNG_F, RNG_P(o->rng));
	/* Both ends are ours: TLS 1.2 only, one suite per mode, one curve. */
	mbedtls_ssl_conf_min_version(&c->conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_max_version(&c->conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
	c->curves[0] = MBEDTLS_ECP_DP_SECP256R1;
	c->curves[1] = MBEDTLS_ECP_DP_NONE;
	mbedtls_ssl_conf_curves(&c->conf, c->curves);
	/* ANY: cluster first, so pairing's authmode (ask for a certificate)
	 * wins; mbedtls asks only when a certificate suite is chosen. */
	if (o->mode != TLS_CHAN_PAIRING && setup_cluster(c, o, err, errlen) < 0)
		return -1;
	if (o->mode != TLS_CHAN_CLUSTER && setup_pairing(c, o, err, errlen) < 0)
		return -1;
	c->suites[c->nsuites] = 0;
	mbedtls_ssl_conf_ciphersuites(&c->conf, c->suites);
	if (mbedtls_ssl_setup(&c->ssl, &c->conf) != 0) {
		snprintf(err, errlen, "TLS setup: out of memory");
		return -1;
	}
	mbedtls_ssl_set_bio(&c->ssl, c, bio_send, bio_recv, NULL);
	return 0;
}

struct tls_chan *tls_chan_new(int fd, const struct tls_chan_opts *o, char *err, size_t errlen)
{
	struct tls_chan *c;

	if (!o->rng ||
	    (o->mode != TLS_CHAN_PAIRING && o->mode != TLS_CHAN_CLUSTER && o->mode != TLS_CHAN_ANY) ||
	    (o->mode == TLS_CHAN_ANY && !o->server)) {
		snprintf(err, errlen, "TLS channel: bad options");
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "TLS channel: out of memory");
		return NULL;
	}
	c->fd = fd;
	c->mode = o->mode;
	mbedtls_ssl_config_init(&c->conf);
	mbedtls_ssl_init(&c->ssl);
	if (setup(c, o, err, errlen) < 0) {
		tls_chan_free(c);
		return NULL;
	}
	return c;
}

static void wipe_free(unsigned char *p, size_t len)
{
	if (!p)
		return;
	mbedtls_platform_zeroize(p, len);
	free(p);
}

void tls_chan_free(struct tls_chan *c)
{
	if (!c)
		return;
	mbedtls_ssl_free(&c->ssl);
	mbedtls_ssl_config_free(&c->conf);
	wipe_free(c->out, c->out_cap);
	wipe_free(c->in, c->in_cap);
	mbedtls_platform_zeroize(c, sizeof(*c));
	free(c);
}

/* Map mbedtls's "try again" codes; 0 for anything else. */
static int want(int ret)
{
	if (ret == MBEDTLS_ERR_SSL_WANT_READ)
		return TLS_CHAN_WANT_READ;
	if (ret == MBEDTLS_ERR_SSL_WANT_WRITE)
		return TLS_CHAN_WANT_WRITE;
	return 0;
}

/* Which mode an ANY server ended up in: the suite the client offered. */
static enum tls_chan_mode mode_of_suite(struct tls_chan *c)
{
	int id = mbedtls_ssl_get_ciphersuite_id(mbedtls_ssl_get_ciphersuite(&c->ssl));

	return id == MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 ? TLS_CHAN_PAIRING : TLS_CHAN_CLUSTER;
}

int tls_chan_handshake(struct tls_chan *c)
{
	int ret;

	if (c->failed)
		return TLS_CHAN_ERR;
	if (c->done)
		return TLS_CHAN_OK;
	ret = mbedtls_ssl_handshake(&c->ssl);
	if (want(ret))
		return want(ret);
	if (ret != 0)
		return fail_tls(c, "TLS handshake", ret);
	if (c->mode == TLS_CHAN_ANY)
		c->mode = mode_of_suite(c);
	if (c->mode == TLS_CHAN_PAIRING && !c->have_peer_fp)
		return fail(c, "TLS handshake: peer presented no identity certificate");
	c->done = 1;
	return TLS_CHAN_OK;
}

enum tls_chan_mode tls_chan_mode(const struct tls_chan *c)
{
	return c->mode;
}

const uint8_t *tls_chan_peer_fp(const struct tls_chan *c)
{
	return c->have_peer_fp ? c->peer_fp : NULL;
}

/* Make room for want bytes in *buf; the old buffer is wiped (messages may
 * carry the admin password). */
static int grow(unsigned char **buf, size_t *cap, size_t used, size_t want_len)
{
	size_t ncap = *cap ? *cap : IN_INITIAL;
	unsigned char *nb;

	if (want_len <= *cap)
		return 0;
	while (ncap < want_len)
		ncap *= 2;
	nb = malloc(ncap);
	if (!nb)
		return -1;
	if (used)
		memcpy(nb, *buf, used);
	wipe_free(*buf, *cap);
	*buf = nb;
	*cap = ncap;
	return 0;
}

static int usable(struct tls_chan *c, const char *what)
{
	if (c->failed)
		return 0;
	if (!c->done) {
		fail(c, "%s: handshake not finished", what);
		return 0;
	}
	return 1;
}

int tls_chan_flush(struct tls_chan *c)
{
	if (!usable(c, "send"))
		return TLS_CHAN_ERR;
	while (c->out_off < c->out_len) {
		/* After WANT_*, mbedtls must see the same length again. */
		size_t n = c->inflight ? c->inflight : c->out_len - c->out_off;
		int ret = mbedtls_ssl_write(&c->ssl, c->out + c->out_off, n);

		if (want(ret)) {
			c->inflight = n;
			return want(ret);
		}
		if (ret < 0)
			return fail_tls(c, "send", ret);
		c->inflight = 0;
		c->out_off += (size_t)ret;
	}
	c->out_off = c->out_len = 0;
	return TLS_CHAN_OK;
}

int tls_chan_send(struct tls_chan *c, const void *msg, size_t len)
{
	size_t queued;

	if (!usable(c, "send"))
		return TLS_CHAN_ERR;
	if (len > TLS_CHAN_MSG_MAX)
		return fail(c, "send: message too large (%zu bytes, max %u)", len, TLS_CHAN_MSG_MAX);
	queued = c->out_len - c->out_off;
	if (queued + HDR_LEN + len > TLS_CHAN_QUEUE_MAX)
		return fail(c, "send: peer not reading (%zu bytes queued)", queued);
	if (grow(&c->out, &c->out_cap, c->out_len, c->out_len + HDR_LEN + len) < 0)
		return fail(c, "send: out of memory");
	c->out[c->out_len++] = (unsigned char)(len >> 24);
	c->out[c->out_len++] = (unsigned char)(len >> 16);
	c->out[c->out_len++] = (unsigned char)(len >> 8);
	c->out[c->out_len++] = (unsigned char)len;
	if (len)
		memcpy(c->out + c->out_len, msg, len);
	c->out_len += len;
	return tls_chan_flush(c);
}

int tls_chan_want_flush(const struct tls_chan *c)
{
	return !c->failed && c->out_off < c->out_len;
}

/* Bytes the message in c->in needs in all: the header, then header + body. */
static size_t in_need(const struct tls_chan *c)
{
	if (c->in_have < HDR_LEN)
		return HDR_LEN;
	return HDR_LEN + ((size_t)c->in[0] << 24 | (size_t)c->in[1] << 16 | (size_t)c->in[2] << 8 | c->in[3]);
}

/* The stream ended: fine between messages, an error inside one. Without
 * close_notify the end is still unambiguous: every message is framed and
 * authenticated, so a cut can only drop whole messages, which the request /
 * response protocol above notices. */
static int ended(struct tls_chan *c)
{
	/* in_left: bytes of a TLS record read but not complete (a public
	 * field in mbedtls 2.x; ssl_read reports that case as plain EOF). */
	if (c->ssl.in_left > 0)
		return fail(c, "receive: connection closed inside a TLS record");
	if (c->in_have == 0)
		return TLS_CHAN_CLOSED;
	return fail(c, "receive: connection closed inside a message (%zu of %zu bytes)", c->in_have,
		    in_need(c));
}

int tls_chan_recv(struct tls_chan *c, const uint8_t **msg, size_t *len)
{
	if (!usable(c, "receive"))
		return TLS_CHAN_ERR;
	if (c->in_ready) {
		mbedtls_platform_zeroize(c->in, c->in_have);
		c->in_have = 0;
		c->in_ready = 0;
	}
	for (;;) {
		size_t need = in_need(c);
		int ret;

		if (need - HDR_LEN > TLS_CHAN_MSG_MAX)
			return fail(c, "receive: message too large (%zu bytes, max %u)", need - HDR_LEN,
				    TLS_CHAN_MSG_MAX);
		if (c->in_have >= HDR_LEN && c->in_have == need)
			break;
		if (grow(&c->in, &c->in_cap, c->in_have, need + 1) < 0)
			return fail(c, "receive: out of memory");
		/* Read no further than this message: the rest stays in mbedtls. */
		ret = mbedtls_ssl_read(&c->ssl, c->in + c->in_have, need - c->in_have);
		if (want(ret))
			return want(ret);
		if (ret == 0 || ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || ret == MBEDTLS_ERR_SSL_CONN_EOF)
			return ended(c);
		if (ret < 0)
			return fail_tls(c, "receive", ret);
		c->in_have += (size_t)ret;
	}
	c->in[c->in_have] = 0;
	c->in_ready = 1;
	*msg = c->in + HDR_LEN;
	*len = c->in_have - HDR_LEN;
	return TLS_CHAN_OK;
}

int tls_chan_close(struct tls_chan *c)
{
	int ret;

	if (!usable(c, "close"))
		return TLS_CHAN_ERR;
	ret = mbedtls_ssl_close_notify(&c->ssl);
	if (want(ret))
		return want(ret);
	return ret == 0 ? TLS_CHAN_OK : fail_tls(c, "close", ret);
}

const char *tls_chan_error(const struct tls_chan *c)
{
	return c->err;
}

mbedtls_ssl_context *tls_chan_ssl(struct tls_chan *c)
{
	return &c->ssl;
}
