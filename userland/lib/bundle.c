/* Update bundle header and signature block codec (bundle.h). Everything
 * here reads untrusted bytes: bounded, strict, no allocation. */
#include "bundle.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int bundle_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

void bundle_hex(const uint8_t *b, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[b[i] >> 4];
		out[2 * i + 1] = d[b[i] & 15];
	}
	out[2 * n] = 0;
}

static int unhex(const char *s, uint8_t *out, size_t max, size_t *n)
{
	size_t len = strlen(s);

	if (len == 0 || len % 2 || len / 2 > max)
		return -1;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (v < 0)
			return -1;
		if (i % 2)
			out[i / 2] |= (uint8_t)v;
		else
			out[i / 2] = (uint8_t)(v << 4);
	}
	*n = len / 2;
	return 0;
}

/* Split a NUL-padded text block into lines, calling fn for each "key value".
 * The text must be printable ASCII lines ending in '\n', then only NULs. */
typedef int (*line_fn)(void *ctx, unsigned line, const char *key, const char *val, char *err, size_t errlen);

static int each_line(const uint8_t *blk, size_t size, const char *magic, const char *what, line_fn fn,
		     void *ctx, char *err, size_t errlen)
{
	size_t end = 0, ml = strlen(magic);

	/* the magic first: random bytes are "not a bundle", not a bad one */
	if (memcmp(blk, magic, ml) != 0 || blk[ml] != '\n')
		return bundle_errf(err, errlen,
				   "%s: not a Twin update bundle (no \"%s\" line), or a newer format", what,
				   magic);
	while (end < size && blk[end])
		end++;
	for (size_t i = end; i < size; i++)
		if (blk[i])
			return bundle_errf(err, errlen, "%s: stray bytes after the text at offset %zu", what,
					   i);
	if (end == 0)
		return bundle_errf(err, errlen, "%s: empty (not a Twin update bundle)", what);
	if (blk[end - 1] != '\n')
		return bundle_errf(err, errlen, "%s: last line not terminated", what);

	unsigned lineno = 0;
	for (size_t pos = 0; pos < end;) {
		char buf[256];
		size_t n = 0;

		lineno++;
		while (blk[pos + n] != '\n') {
			uint8_t c = blk[pos + n];
			if (c < 0x20 || c > 0x7e)
				return bundle_errf(err, errlen,
						   "%s line %u: byte 0x%02x is not printable text", what,
						   lineno, c);
			if (n + 1 >= sizeof(buf))
				return bundle_errf(err, errlen, "%s line %u: too long", what, lineno);
			buf[n] = (char)c;
			n++;
		}
		buf[n] = 0;
		pos += n + 1;
		if (lineno == 1)
			continue; /* the magic, checked above */
		char *sp = strchr(buf, ' ');
		if (!sp || sp == buf || !sp[1] || strchr(sp + 1, ' '))
			return bundle_errf(err, errlen, "%s line %u: want \"key value\"", what, lineno);
		*sp = 0;
		if (fn(ctx, lineno, buf, sp + 1, err, errlen) < 0)
			return -1;
	}
	if (lineno < 2)
		return bundle_errf(err, errlen, "%s: no fields", what);
	return 0;
}

static int copy_field(char *dst, size_t dstlen, const char *val, const char *what, unsigned line, char *err,
		      size_t errlen)
{
	if (strlen(val) >= dstlen)
		return bundle_errf(err, errlen, "header line %u: %s too long", line, what);
	strcpy(dst, val);
	return 0;
}

static int board_valid(const char *b)
{
	if (!*b)
		return 0;
	for (; *b; b++)
		if (!((*b >= 'a' && *b <= 'z') || (*b >= '0' && *b <= '9') || *b == '-' || *b == '_' ||
		      *b == '.'))
			return 0;
	return 1;
}

struct hdr_ctx {
	struct bundle_hdr *h;
	unsigned seen; /* bit per key */
};

static const char *const hdr_keys[] = {"board", "version", "payload-size", "payload-sha256", "kernel"};
#define HDR_REQUIRED 0x0f /* all but kernel */

static int hdr_line(void *vctx, unsigned line, const char *key, const char *val, char *err, size_t errlen)
{
	struct hdr_ctx *c = vctx;
	struct bundle_hdr *h = c->h;
	unsigned k;

	for (k = 0; k < sizeof(hdr_keys) / sizeof(hdr_keys[0]); k++)
		if (strcmp(key, hdr_keys[k]) == 0)
			break;
	if (k == sizeof(hdr_keys) / sizeof(hdr_keys[0]))
		return bundle_errf(err, errlen, "header line %u: unknown key \"%.40s\"", line, key);
	if (c->seen & (1u << k))
		return bundle_errf(err, errlen, "header line %u: %s given twice", line, key);
	c->seen |= 1u << k;

	switch (k) {
	case 0:
		if (!board_valid(val))
			return bundle_errf(err, errlen, "header line %u: bad board name \"%.40s\"", line,
					   val);
		return copy_field(h->board, sizeof(h->board), val, "board", line, err, errlen);
	case 1:
		if (!bundle_version_valid(val))
			return bundle_errf(err, errlen,
					   "header line %u: bad version \"%.40s\" (want e.g. 1.2.3)", line,
					   val);
		return copy_field(h->version, sizeof(h->version), val, "version", line, err, errlen);
	case 2: {
		char *end;
		errno = 0;
		unsigned long long v = strtoull(val, &end, 10);
		if (val[0] < '0' || val[0] > '9' || *end || errno || v == 0 || v > BUNDLE_PAYLOAD_MAX)
			return bundle_errf(err, errlen, "header line %u: bad payload-size \"%.40s\"", line,
					   val);
		h->payload_size = v;
		return 0;
	}
	case 3: {
		size_t n;
		if (unhex(val, h->payload_sha256, sizeof(h->payload_sha256), &n) < 0 ||
		    n != sizeof(h->payload_sha256))
			return bundle_errf(err, errlen,
					   "header line %u: payload-sha256 is not 64 lowercase hex digits",
					   line);
		return 0;
	}
	default:
		return copy_field(h->kernel, sizeof(h->kernel), val, "kernel", line, err, errlen);
	}
}

int bundle_hdr_parse(const uint8_t blk[BUNDLE_HDR_SIZE], struct bundle_hdr *h, char *err, size_t errlen)
{
	struct hdr_ctx c = {.h = h};

	memset(h, 0, sizeof(*h));
	if (each_line(blk, BUNDLE_HDR_SIZE, BUNDLE_MAGIC, "header", hdr_line, &c, err, errlen) < 0)
		return -1;
	for (unsigned k = 0; k < 4; k++)
		if (!(c.seen & (1u << k)))
			return bundle_errf(err, errlen, "header: %s missing", hdr_keys[k]);
	return 0;
}

int bundle_hdr_format(const struct bundle_hdr *h, uint8_t blk[BUNDLE_HDR_SIZE], char *err, size_t errlen)
{
	char hex[65];
	int n;

	if (!board_valid(h->board))
		return bundle_errf(err, errlen, "bad board name \"%s\"", h->board);
	if (!bundle_version_valid(h->version))
		return bundle_errf(err, errlen, "bad version \"%s\" (want e.g. 1.2.3)", h->version);
	if (h->payload_size == 0 || h->payload_size > BUNDLE_PAYLOAD_MAX)
		return bundle_errf(err, errlen, "bad payload size %" PRIu64, h->payload_size);
	for (const char *p = h->kernel; *p; p++)
		if (*p <= ' ' || *p > '~')
			return bundle_errf(err, errlen, "bad kernel version \"%s\"", h->kernel);
	bundle_hex(h->payload_sha256, sizeof(h->payload_sha256), hex);
	memset(blk, 0, BUNDLE_HDR_SIZE);
	n = snprintf((char *)blk, BUNDLE_HDR_SIZE,
		     BUNDLE_MAGIC "\nboard %s\nversion %s\npayload-size %" PRIu64
				  "\npayload-sha256 %s\n%s%s%s",
		     h->board, h->version, h->payload_size, hex, h->kernel[0] ? "kernel " : "", h->kernel,
		     h->kernel[0] ? "\n" : "");
	if (n < 0 || n >= BUNDLE_HDR_SIZE)
		return bundle_errf(err, errlen, "header too long");
	return 0;
}

struct sig_ctx {
	struct bundle_sig *s;
	unsigned seen;
};

static int sig_line(void *vctx, unsigned line, const char *key, const char *val, char *err, size_t errlen)
{
	struct sig_ctx *c = vctx;
	size_t n;
	unsigned bit;

	if (strcmp(key, "key") == 0) {
		bit = 1;
		if (unhex(val, c->s->key_id, sizeof(c->s->key_id), &n) < 0 || n != sizeof(c->s->key_id))
			return bundle_errf(err, errlen, "signature line %u: bad key id", line);
	} else if (strcmp(key, "ecdsa-p256-sha256") == 0) {
		bit = 2;
		if (unhex(val, c->s->der, sizeof(c->s->der), &c->s->der_len) < 0)
			return bundle_errf(err, errlen, "signature line %u: bad signature encoding", line);
	} else {
		return bundle_errf(
		    err, errlen, "signature line %u: unknown key \"%.40s\" (only ecdsa-p256-sha256 is known)",
		    line, key);
	}
	if (c->seen & bit)
		return bundle_errf(err, errlen, "signature line %u: %s given twice", line, key);
	c->seen |= bit;
	return 0;
}

int bundle_sig_parse(const uint8_t blk[BUNDLE_SIG_SIZE], struct bundle_sig *s, char *err, size_t errlen)
{
	struct sig_ctx c = {.s = s};

	memset(s, 0, sizeof(*s));
	if (each_line(blk, BUNDLE_SIG_SIZE, BUNDLE_SIG_MAGIC, "signature block", sig_line, &c, err, errlen) <
	    0)
		return -1;
	if (c.seen != 3)
		return bundle_errf(err, errlen, "signature block: %s missing",
				   c.seen & 1 ? "signature" : "key id");
	return 0;
}

int bundle_sig_format(const struct bundle_sig *s, uint8_t blk[BUNDLE_SIG_SIZE], char *err, size_t errlen)
{
	char id[2 * BUNDLE_KEYID_LEN + 1], der[2 * BUNDLE_SIG_MAX + 1];

	if (s->der_len == 0 || s->der_len > BUNDLE_SIG_MAX)
		return bundle_errf(err, errlen, "bad signature length %zu", s->der_len);
	bundle_hex(s->key_id, sizeof(s->key_id), id);
	bundle_hex(s->der, s->der_len, der);
	memset(blk, 0, BUNDLE_SIG_SIZE);
	snprintf((char *)blk, BUNDLE_SIG_SIZE, BUNDLE_SIG_MAGIC "\nkey %s\necdsa-p256-sha256 %s\n", id, der);
	return 0;
}

/* Parse up to 4 dot-separated numbers; returns how many, or -1. */
static int version_parts(const char *v, unsigned long p[4])
{
	int n = 0;

	memset(p, 0, 4 * sizeof(p[0]));
	for (;;) {
		unsigned long x = 0;
		int digits = 0;
		while (*v >= '0' && *v <= '9') {
			x = x * 10 + (unsigned long)(*v - '0');
			if (++digits > 5)
				return -1;
			v++;
		}
		if (!digits || n == 4)
			return -1;
		p[n++] = x;
		if (!*v)
			break;
		if (*v != '.')
			return -1;
		v++;
	}
	return n;
}

int bundle_version_valid(const char *v)
{
	unsigned long p[4];

	return version_parts(v, p) >= 2;
}

int bundle_version_cmp(const char *a, const char *b)
{
	unsigned long pa[4], pb[4];

	version_parts(a, pa);
	version_parts(b, pb);
	for (int i = 0; i < 4; i++)
		if (pa[i] != pb[i])
			return pa[i] < pb[i] ? -1 : 1;
	return 0;
}
