#include "passwd.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/base64.h>
#include <mbedtls/md.h>
#include <mbedtls/pkcs5.h>
#include <mbedtls/platform_util.h>

#include "rng.h"

#define SCHEME "$pbkdf2-sha256$"
/* mbedtls also skips whitespace; a stored hash has none. */
#define B64_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="

struct parsed {
	unsigned iter;
	unsigned char salt[PASSWD_SALT_MAX];
	size_t salt_len;
	unsigned char hash[PASSWD_HASH_LEN];
};

static int derive(const char *pw, const unsigned char *salt, size_t salt_len, unsigned iter,
		  unsigned char *out)
{
	mbedtls_md_context_t md;
	int ret;

	mbedtls_md_init(&md);
	ret = mbedtls_md_setup(&md, mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), 1);
	if (ret == 0)
		ret = mbedtls_pkcs5_pbkdf2_hmac(&md, (const unsigned char *)pw, strlen(pw), salt, salt_len,
						iter, PASSWD_HASH_LEN, out);
	mbedtls_md_free(&md);
	return ret;
}

static int check_pw(const char *pw, char *err, size_t errlen)
{
	size_t n = strnlen(pw, PASSWD_PW_MAX + 1);

	if (n == 0) {
		snprintf(err, errlen, "empty password");
		return -1;
	}
	if (n > PASSWD_PW_MAX) {
		snprintf(err, errlen, "password too long (max %d bytes)", PASSWD_PW_MAX);
		return -1;
	}
	return 0;
}

static int b64(char *out, size_t outlen, const unsigned char *in, size_t len)
{
	size_t olen;

	return mbedtls_base64_encode((unsigned char *)out, outlen, &olen, in, len) == 0 ? (int)olen : -1;
}

int passwd_hash(const char *pw, unsigned iter, struct rng *rng, char *out, size_t outlen, char *err,
		size_t errlen)
{
	unsigned char salt[PASSWD_SALT_LEN], hash[PASSWD_HASH_LEN];
	char salt_b64[64], hash_b64[64];
	int ret = -1;

	if (check_pw(pw, err, errlen) < 0)
		return -1;
	if (iter < PASSWD_ITER_MIN || iter > PASSWD_ITER_MAX) {
		snprintf(err, errlen, "iteration count %u out of range %u..%u", iter, PASSWD_ITER_MIN,
			 PASSWD_ITER_MAX);
		return -1;
	}
	if (rng_bytes(rng, salt, sizeof(salt)) < 0) {
		snprintf(err, errlen, "random salt: generator failed");
		return -1;
	}
	if (derive(pw, salt, sizeof(salt), iter, hash) != 0) {
		snprintf(err, errlen, "PBKDF2 failed");
		goto out;
	}
	if (b64(salt_b64, sizeof(salt_b64), salt, sizeof(salt)) < 0 ||
	    b64(hash_b64, sizeof(hash_b64), hash, sizeof(hash)) < 0 ||
	    (size_t)snprintf(out, outlen, SCHEME "%u$%s$%s", iter, salt_b64, hash_b64) >= outlen) {
		snprintf(err, errlen, "output buffer too small");
		goto out;
	}
	ret = 0;
out:
	mbedtls_platform_zeroize(hash, sizeof(hash));
	mbedtls_platform_zeroize(hash_b64, sizeof(hash_b64));
	return ret;
}

/* Decode the base64 field [s, end) into exactly want bytes (or, when want is
 * 0, 1..cap bytes). */
static int field_b64(const char *s, const char *end, unsigned char *out, size_t cap, size_t want, size_t *got)
{
	size_t n = (size_t)(end - s);

	if (n == 0 || n > 4 * ((cap + 2) / 3) || strspn(s, B64_CHARS) < n)
		return -1;
	if (mbedtls_base64_decode(out, cap, got, (const unsigned char *)s, n) != 0)
		return -1;
	return (want && *got != want) || *got == 0 ? -1 : 0;
}

static int parse_iter(const char *s, const char *end, unsigned *iter)
{
	unsigned long v = 0;

	if (s == end || *s == '0' || end - s > 9)
		return -1;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	if (v < PASSWD_ITER_MIN || v > PASSWD_ITER_MAX)
		return -1;
	*iter = (unsigned)v;
	return 0;
}

static int parse(const char *hash, struct parsed *p, char *err, size_t errlen)
{
	const char *iter, *salt, *h, *end;
	size_t got;

	if (strncmp(hash, SCHEME, strlen(SCHEME)) != 0) {
		snprintf(err, errlen, "malformed password hash: unknown scheme (want " SCHEME "...)");
		return -1;
	}
	iter = hash + strlen(SCHEME);
	salt = strchr(iter, '$');
	h = salt ? strchr(salt + 1, '$') : NULL;
	if (!h || strchr(h + 1, '$')) {
		snprintf(err, errlen, "malformed password hash: want 4 '$'-separated fields");
		return -1;
	}
	salt++;
	h++;
	end = h + strlen(h);
	if (parse_iter(iter, salt - 1, &p->iter) < 0) {
		snprintf(err, errlen, "malformed password hash: bad iteration count (want %u..%u)",
			 PASSWD_ITER_MIN, PASSWD_ITER_MAX);
		return -1;
	}
	if (field_b64(salt, h - 1, p->salt, sizeof(p->salt), 0, &p->salt_len) < 0) {
		snprintf(err, errlen, "malformed password hash: salt is not 1..%d bytes of base64",
			 PASSWD_SALT_MAX);
		return -1;
	}
	if (field_b64(h, end, p->hash, sizeof(p->hash), PASSWD_HASH_LEN, &got) < 0) {
		snprintf(err, errlen, "malformed password hash: hash is not %d bytes of base64",
			 PASSWD_HASH_LEN);
		return -1;
	}
	return 0;
}

/* Constant time: the time does not depend on where the bytes differ. */
static int ct_equal(const unsigned char *a, const unsigned char *b, size_t n)
{
	volatile unsigned char diff = 0;

	for (size_t i = 0; i < n; i++)
		diff |= a[i] ^ b[i];
	return diff == 0;
}

int passwd_verify(const char *pw, const char *hash, char *err, size_t errlen)
{
	struct parsed p;
	unsigned char got[PASSWD_HASH_LEN];
	int ret;

	if (parse(hash, &p, err, errlen) < 0)
		return -1;
	/* An empty or oversized password cannot match; still no early answer
	 * that would reveal anything but "wrong". */
	if (check_pw(pw, err, errlen) < 0)
		return 0;
	if (derive(pw, p.salt, p.salt_len, p.iter, got) != 0) {
		snprintf(err, errlen, "PBKDF2 failed");
		ret = -1;
	} else {
		ret = ct_equal(got, p.hash, sizeof(got));
	}
	mbedtls_platform_zeroize(got, sizeof(got));
	mbedtls_platform_zeroize(&p, sizeof(p));
	return ret;
}

unsigned passwd_iterations(const char *hash)
{
	struct parsed p;
	char err[8];

	return parse(hash, &p, err, sizeof(err)) < 0 ? 0 : p.iter;
}

void passwd_file_path(const char *configured, const char *state_dir, char *out, size_t outlen)
{
	if (configured && *configured)
		snprintf(out, outlen, "%s", configured);
	else
		snprintf(out, outlen, "%s/%s", state_dir, PASSWD_FILE_DEFAULT);
}
