/* ECDSA P-256 signatures of update bundles (bundle_sig.h), with mbedtls.
 * Signing is deterministic (RFC 6979, mbedtls' default), so the same
 * header and key give the same bundle bytes. */
#include "bundle_sig.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/ecp.h>
#include <mbedtls/error.h>
#include <mbedtls/sha256.h>

#include "atomic_file.h"
#include "rng.h"

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;
	char why[128] = "";

	if (!err || !errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	if (rc) {
		size_t n = strlen(err);
		mbedtls_strerror(rc, why, sizeof(why));
		snprintf(err + n, errlen - n, " (%s)", why);
	}
	return -1;
}

int bundle_key_load(mbedtls_pk_context *pk, const char *path, int priv, char *err, size_t errlen)
{
	int rc;

	mbedtls_pk_init(pk);
#if MBEDTLS_VERSION_MAJOR >= 3
	if (priv) {
		struct rng r;
		if (rng_init(&r, "twin-bundle", err, errlen) < 0)
			return -1;
		rc = mbedtls_pk_parse_keyfile(pk, path, NULL, RNG_F, RNG_P(&r));
		rng_free(&r);
	} else {
		rc = mbedtls_pk_parse_public_keyfile(pk, path);
	}
#else
	rc = priv ? mbedtls_pk_parse_keyfile(pk, path, NULL) : mbedtls_pk_parse_public_keyfile(pk, path);
#endif
	if (rc) {
		mbedtls_pk_free(pk);
		return fail(err, errlen, rc, "%s: cannot read the %s key", path, priv ? "private" : "public");
	}
	if (mbedtls_pk_get_type(pk) != MBEDTLS_PK_ECKEY ||
	    mbedtls_pk_ec(*pk)->grp.id != MBEDTLS_ECP_DP_SECP256R1) {
		mbedtls_pk_free(pk);
		return fail(err, errlen, 0, "%s: not an ECDSA P-256 key", path);
	}
	return 0;
}

int bundle_key_id(mbedtls_pk_context *pk, uint8_t id[BUNDLE_KEYID_LEN])
{
	unsigned char der[256], sum[32];
	int n = mbedtls_pk_write_pubkey_der(pk, der, sizeof(der));

	if (n <= 0 || mbedtls_sha256_ret(der + sizeof(der) - n, (size_t)n, sum, 0))
		return -1;
	memcpy(id, sum, BUNDLE_KEYID_LEN);
	return 0;
}

static int write_pem(const char *path, const unsigned char *pem, mode_t mode, char *err, size_t errlen)
{
	char e[256];

	if (atomic_file_write(path, pem, strlen((const char *)pem), mode, e, sizeof(e)) < 0)
		return fail(err, errlen, 0, "%s", e);
	return 0;
}

int bundle_keygen(const char *priv_path, const char *pub_path, char *err, size_t errlen)
{
	mbedtls_pk_context pk;
	struct rng r;
	unsigned char pem[1024];
	int rc, ret = -1;

	if (rng_init(&r, "twin-bundle-keygen", err, errlen) < 0)
		return -1;
	mbedtls_pk_init(&pk);
	rc = mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
	if (!rc)
		rc = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(pk), RNG_F, RNG_P(&r));
	if (rc) {
		fail(err, errlen, rc, "key generation failed");
		goto out;
	}
	if ((rc = mbedtls_pk_write_key_pem(&pk, pem, sizeof(pem))) != 0) {
		fail(err, errlen, rc, "cannot encode the private key");
		goto out;
	}
	if (write_pem(priv_path, pem, 0600, err, errlen) < 0)
		goto out;
	if ((rc = mbedtls_pk_write_pubkey_pem(&pk, pem, sizeof(pem))) != 0) {
		fail(err, errlen, rc, "cannot encode the public key");
		goto out;
	}
	ret = write_pem(pub_path, pem, 0644, err, errlen);
out:
	mbedtls_platform_zeroize(pem, sizeof(pem));
	mbedtls_pk_free(&pk);
	rng_free(&r);
	return ret;
}

int bundle_sign(mbedtls_pk_context *priv, const uint8_t hdr[BUNDLE_HDR_SIZE], struct bundle_sig *s, char *err,
		size_t errlen)
{
	unsigned char sum[32], sig[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
	size_t len = 0;
	struct rng r;
	int rc;

	memset(s, 0, sizeof(*s));
	if (bundle_key_id(priv, s->key_id) < 0)
		return fail(err, errlen, 0, "cannot compute the key id");
	if ((rc = mbedtls_sha256_ret(hdr, BUNDLE_HDR_SIZE, sum, 0)) != 0)
		return fail(err, errlen, rc, "sha256");
	if (rng_init(&r, "twin-bundle-sign", err, errlen) < 0)
		return -1;
#if MBEDTLS_VERSION_MAJOR >= 3
	rc = mbedtls_pk_sign(priv, MBEDTLS_MD_SHA256, sum, sizeof(sum), sig, sizeof(sig), &len, RNG_F,
			     RNG_P(&r));
#else
	rc = mbedtls_pk_sign(priv, MBEDTLS_MD_SHA256, sum, sizeof(sum), sig, &len, RNG_F, RNG_P(&r));
#endif
	rng_free(&r);
	if (rc)
		return fail(err, errlen, rc, "signing failed");
	if (len > sizeof(s->der))
		return fail(err, errlen, 0, "signature of %zu bytes is too long", len);
	memcpy(s->der, sig, len);
	s->der_len = len;
	return 0;
}

int bundle_verify(mbedtls_pk_context *pub, const uint8_t hdr[BUNDLE_HDR_SIZE], const struct bundle_sig *s,
		  char *err, size_t errlen)
{
	uint8_t id[BUNDLE_KEYID_LEN];
	unsigned char sum[32];
	char have[2 * BUNDLE_KEYID_LEN + 1], want[2 * BUNDLE_KEYID_LEN + 1];
	int rc;

	if (bundle_key_id(pub, id) < 0)
		return fail(err, errlen, 0, "cannot compute the trusted key's id");
	if (memcmp(id, s->key_id, sizeof(id)) != 0) {
		bundle_hex(s->key_id, sizeof(s->key_id), have);
		bundle_hex(id, sizeof(id), want);
		return fail(err, errlen, 0, "bad signature: signed with key %s, this system trusts key %s",
			    have, want);
	}
	if ((rc = mbedtls_sha256_ret(hdr, BUNDLE_HDR_SIZE, sum, 0)) != 0)
		return fail(err, errlen, rc, "sha256");
	rc = mbedtls_pk_verify(pub, MBEDTLS_MD_SHA256, sum, sizeof(sum), s->der, s->der_len);
	if (rc)
		return fail(err, errlen, 0,
			    "bad signature: the header does not match its signature (altered or corrupt)");
	return 0;
}
