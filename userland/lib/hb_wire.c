/* Heartbeat frame codec: explicit little-endian packing (never struct casts,
 * so layout does not depend on the compiler), truncated HMAC-SHA256, replay
 * window and key file loading. Pure: no I/O except hb_key_load. */
#include "hb_wire.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/constant_time.h>
#include <mbedtls/platform_util.h>

/* A hex key file may wrap and space its digits; anything longer is not a key. */
#define HB_KEY_FILE_MAX 1024

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_le64(const uint8_t *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

static int key_len_ok(const struct hb_key *key)
{
	return key->len >= HB_KEY_MIN && key->len <= HB_KEY_MAX;
}

/* Header only: the MAC is filled in by the caller. */
static void pack_header(const struct hb_frame *f, uint8_t *out)
{
	put_le32(out + HB_OFF_MAGIC, HB_MAGIC);
	out[HB_OFF_VERSION] = HB_VERSION;
	out[HB_OFF_NODE_ID] = f->node_id;
	out[HB_OFF_STATE] = f->state;
	out[HB_OFF_FLAGS] = f->flags;
	put_le32(out + HB_OFF_CLUSTER_ID, f->cluster_id);
	put_le32(out + HB_OFF_INTERVAL_US, f->interval_us);
	put_le64(out + HB_OFF_EPOCH, f->epoch);
	put_le64(out + HB_OFF_SEQ, f->seq);
	put_le64(out + HB_OFF_REALTIME_NS, f->realtime_ns);
	put_le64(out + HB_OFF_ECHO_SEQ, f->echo_seq);
	put_le32(out + HB_OFF_ECHO_DELAY_US, f->echo_delay_us);
	out[HB_OFF_DRBD_ROLE] = f->drbd_role;
	out[HB_OFF_DRBD_DISK] = f->drbd_disk;
	out[HB_OFF_DRBD_CONN] = f->drbd_conn;
	out[HB_OFF_PRIORITY] = f->priority;
}

static void unpack(const uint8_t *b, struct hb_frame *f)
{
	f->version = b[HB_OFF_VERSION];
	f->node_id = b[HB_OFF_NODE_ID];
	f->state = b[HB_OFF_STATE];
	f->flags = b[HB_OFF_FLAGS];
	f->cluster_id = get_le32(b + HB_OFF_CLUSTER_ID);
	f->interval_us = get_le32(b + HB_OFF_INTERVAL_US);
	f->epoch = get_le64(b + HB_OFF_EPOCH);
	f->seq = get_le64(b + HB_OFF_SEQ);
	f->realtime_ns = get_le64(b + HB_OFF_REALTIME_NS);
	f->echo_seq = get_le64(b + HB_OFF_ECHO_SEQ);
	f->echo_delay_us = get_le32(b + HB_OFF_ECHO_DELAY_US);
	f->drbd_role = b[HB_OFF_DRBD_ROLE];
	f->drbd_disk = b[HB_OFF_DRBD_DISK];
	f->drbd_conn = b[HB_OFF_DRBD_CONN];
	f->priority = b[HB_OFF_PRIORITY];
}

/* Full HMAC-SHA256 of the header. Returns 0 or -1. */
static int mac_oneshot(const struct hb_key *key, const uint8_t *frame, uint8_t mac[32])
{
	if (!key_len_ok(key))
		return -1;
	return mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), key->bytes, key->len, frame,
			       HB_MAC_OFF, mac) == 0
		   ? 0
		   : -1;
}

static int mac_signer(struct hb_signer *s, const uint8_t *frame, uint8_t mac[32])
{
	if (!s->ready || mbedtls_md_hmac_reset(&s->md) != 0 ||
	    mbedtls_md_hmac_update(&s->md, frame, HB_MAC_OFF) != 0 ||
	    mbedtls_md_hmac_finish(&s->md, mac) != 0)
		return -1;
	return 0;
}

/* Checks that need no key, in the documented order. */
static enum hb_err check_header(const uint8_t *buf, size_t len, uint32_t cluster_id)
{
	if (len < HB_FRAME_LEN)
		return HB_E_SHORT;
	if (get_le32(buf + HB_OFF_MAGIC) != HB_MAGIC)
		return HB_E_MAGIC;
	if (buf[HB_OFF_VERSION] != HB_VERSION)
		return HB_E_VERSION;
	if (get_le32(buf + HB_OFF_CLUSTER_ID) != cluster_id)
		return HB_E_CLUSTER;
	return HB_OK;
}

/* The node id is checked after the MAC so that a forged frame is always
 * counted as a forgery, and only a genuine reflection counts as HB_E_SELF. */
static enum hb_err check_rest(const uint8_t *buf, const uint8_t mac[32], uint8_t self_id,
			      struct hb_frame *out)
{
	if (mbedtls_ct_memcmp(mac, buf + HB_MAC_OFF, HB_MAC_LEN) != 0)
		return HB_E_MAC;
	if (buf[HB_OFF_NODE_ID] == self_id)
		return HB_E_SELF;
	unpack(buf, out);
	return HB_OK;
}

size_t hb_encode(const struct hb_frame *f, const struct hb_key *key, uint8_t *out)
{
	uint8_t mac[32];

	pack_header(f, out);
	if (mac_oneshot(key, out, mac) != 0)
		return 0;
	memcpy(out + HB_MAC_OFF, mac, HB_MAC_LEN);
	return HB_FRAME_LEN;
}

enum hb_err hb_decode(const uint8_t *buf, size_t len, const struct hb_key *key, uint32_t cluster_id,
		      uint8_t self_id, struct hb_frame *out)
{
	uint8_t mac[32];
	enum hb_err e = check_header(buf, len, cluster_id);

	if (e != HB_OK)
		return e;
	if (mac_oneshot(key, buf, mac) != 0)
		return HB_E_MAC; /* fail closed */
	return check_rest(buf, mac, self_id, out);
}

int hb_signer_init(struct hb_signer *s, const struct hb_key *key)
{
	mbedtls_md_init(&s->md);
	s->ready = 0;
	if (!key_len_ok(key) ||
	    mbedtls_md_setup(&s->md, mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), 1) != 0 ||
	    mbedtls_md_hmac_starts(&s->md, key->bytes, key->len) != 0) {
		mbedtls_md_free(&s->md);
		return -1;
	}
	s->ready = 1;
	return 0;
}

void hb_signer_free(struct hb_signer *s)
{
	/* mbedtls_md_free wipes the ipad/opad state before freeing it. */
	mbedtls_md_free(&s->md);
	s->ready = 0;
}

size_t hb_encode_s(struct hb_signer *s, const struct hb_frame *f, uint8_t *out)
{
	uint8_t mac[32];

	pack_header(f, out);
	if (mac_signer(s, out, mac) != 0)
		return 0;
	memcpy(out + HB_MAC_OFF, mac, HB_MAC_LEN);
	return HB_FRAME_LEN;
}

enum hb_err hb_decode_s(struct hb_signer *s, const uint8_t *buf, size_t len, uint32_t cluster_id,
			uint8_t self_id, struct hb_frame *out)
{
	uint8_t mac[32];
	enum hb_err e = check_header(buf, len, cluster_id);

	if (e != HB_OK)
		return e;
	if (mac_signer(s, buf, mac) != 0)
		return HB_E_MAC;
	return check_rest(buf, mac, self_id, out);
}

/* The first frame on a path sets the window; a zeroed struct is fresh. */
enum hb_err hb_replay_check(struct hb_replay *r, uint64_t seq)
{
	if (r->seen && seq <= r->last_seq)
		return HB_E_REPLAY;
	r->last_seq = seq;
	r->seen = 1;
	return HB_OK;
}

const char *hb_strerror(enum hb_err e)
{
	switch (e) {
	case HB_OK:
		return "ok";
	case HB_E_SHORT:
		return "frame too short";
	case HB_E_MAGIC:
		return "not a Twin heartbeat (bad magic)";
	case HB_E_VERSION:
		return "unsupported heartbeat version";
	case HB_E_CLUSTER:
		return "heartbeat from another cluster";
	case HB_E_MAC:
		return "bad MAC (wrong key or forged frame)";
	case HB_E_SELF:
		return "own heartbeat reflected back";
	case HB_E_REPLAY:
		return "replayed or out-of-order heartbeat";
	}
	return "unknown heartbeat error";
}

static int hex_val(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Printable text (or whitespace only) is read as hex; anything else as raw
 * bytes. A random raw key of 16+ bytes is all-printable with odds < 1e-6. */
static int looks_like_text(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_space(b[i]) && (b[i] < 0x21 || b[i] > 0x7e))
			return 0;
	return 1;
}

static int parse_hex(const char *path, const uint8_t *b, size_t n, struct hb_key *key, char *err,
		     size_t errlen)
{
	size_t digits = 0;
	int hi = -1;

	for (size_t i = 0; i < n; i++) {
		if (is_space(b[i]))
			continue;
		int v = hex_val(b[i]);
		if (v < 0) {
			/* No echo of the character: it may be part of a secret. */
			snprintf(
			    err, errlen,
			    "key file %s: not a hex digit at byte %zu (a text key is 32..128 hex digits)",
			    path, i);
			return -1;
		}
		if (digits / 2 < HB_KEY_MAX) {
			if (hi < 0) {
				hi = v;
			} else {
				key->bytes[digits / 2] = (uint8_t)(hi << 4 | v);
				hi = -1;
			}
		}
		digits++;
	}
	if (digits == 0) {
		snprintf(err, errlen, "key file %s contains no key (only whitespace)", path);
		return -1;
	}
	if (digits % 2) {
		snprintf(err, errlen, "key file %s: odd number of hex digits (%zu)", path, digits);
		return -1;
	}
	if (digits < 2 * HB_KEY_MIN || digits > 2 * HB_KEY_MAX) {
		snprintf(err, errlen, "key file %s: hex key too %s (%zu digits, need %d..%d)", path,
			 digits < 2 * HB_KEY_MIN ? "short" : "long", digits, 2 * HB_KEY_MIN, 2 * HB_KEY_MAX);
		return -1;
	}
	key->len = digits / 2;
	return 0;
}

static int parse_key(const char *path, const uint8_t *b, size_t n, struct hb_key *key, char *err,
		     size_t errlen)
{
	if (n == 0) {
		snprintf(err, errlen, "key file %s is empty", path);
		return -1;
	}
	if (looks_like_text(b, n))
		return parse_hex(path, b, n, key, err, errlen);
	if (n < HB_KEY_MIN || n > HB_KEY_MAX) {
		snprintf(err, errlen, "key file %s: raw key too %s (%zu bytes, need %d..%d)", path,
			 n < HB_KEY_MIN ? "short" : "long", n, HB_KEY_MIN, HB_KEY_MAX);
		return -1;
	}
	memcpy(key->bytes, b, n);
	key->len = n;
	return 0;
}

/* Reads the whole file into buf; *n = HB_KEY_FILE_MAX + 1 means "too long". */
static int read_key_file(const char *path, uint8_t *buf, size_t *n, char *err, size_t errlen)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0) {
		snprintf(err, errlen, "cannot open key file %s: %s", path, strerror(errno));
		return -1;
	}
	/* fstat on the open fd: the file checked is the file read. */
	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "cannot stat key file %s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "key file %s is not a regular file", path);
		goto fail;
	}
	if (st.st_mode & 077) {
		snprintf(err, errlen, "key file %s is readable by others (mode %04o): chmod 600", path,
			 (unsigned)(st.st_mode & 07777));
		goto fail;
	}
	*n = 0;
	for (;;) {
		ssize_t r = read(fd, buf + *n, HB_KEY_FILE_MAX + 1 - *n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "cannot read key file %s: %s", path, strerror(errno));
			goto fail;
		}
		if (r == 0 || (*n += (size_t)r) > HB_KEY_FILE_MAX)
			break;
	}
	close(fd);
	return 0;
fail:
	close(fd);
	return -1;
}

int hb_key_load(const char *path, struct hb_key *key, char *err, size_t errlen)
{
	uint8_t buf[HB_KEY_FILE_MAX + 1];
	size_t n = 0;
	int rc = read_key_file(path, buf, &n, err, errlen);

	memset(key, 0, sizeof(*key));
	if (rc == 0 && n > HB_KEY_FILE_MAX) {
		snprintf(err, errlen, "key file %s is too long (more than %d bytes)", path, HB_KEY_FILE_MAX);
		rc = -1;
	}
	if (rc == 0)
		rc = parse_key(path, buf, n, key, err, errlen);
	if (rc != 0)
		mbedtls_platform_zeroize(key, sizeof(*key));
	mbedtls_platform_zeroize(buf, sizeof(buf));
	return rc;
}
