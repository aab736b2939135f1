#include "identity.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <mbedtls/ecp.h>
#include <mbedtls/error.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>

#include "atomic_file.h"
#include "rng.h"

#define PEM_MAX 1024 /* a P-256 private key PEM is ~230 bytes */
#define DER_MAX 1024 /* a self-signed P-256 certificate is ~400 bytes */

static void tls_err(char *err, size_t errlen, const char *path, const char *what, int ret)
{
	char why[128];

	mbedtls_strerror(ret, why, sizeof(why));
	snprintf(err, errlen, "%s: %s: %s", path, what, why);
}

static int generate(struct identity *id, const char *path, struct rng *rng, char *err, size_t errlen)
{
	unsigned char pem[PEM_MAX];
	int ret;

	ret = mbedtls_pk_setup(&id->key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
	if (ret == 0)
		ret =
		    mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(id->key), RNG_F, RNG_P(rng));
	if (ret == 0)
		ret = mbedtls_pk_write_key_pem(&id->key, pem, sizeof(pem));
	if (ret != 0) {
		tls_err(err, errlen, path, "generating key", ret);
		mbedtls_platform_zeroize(pem, sizeof(pem));
		return -1;
	}
	ret = atomic_file_write(path, pem, strlen((char *)pem), ID_KEY_MODE, err, errlen);
	mbedtls_platform_zeroize(pem, sizeof(pem));
	return ret;
}

static int check_mode(const char *path, const struct stat *st, char *err, size_t errlen)
{
	if ((st->st_mode & 077) == 0)
		return 0;
	snprintf(err, errlen, "identity key %s is accessible by group or others (mode %04o): chmod 600 it",
		 path, (unsigned)(st->st_mode & 07777));
	return -1;
}

static int check_key_type(mbedtls_pk_context *pk, const char *path, char *err, size_t errlen)
{
	if (mbedtls_pk_get_type(pk) == MBEDTLS_PK_ECKEY &&
	    mbedtls_pk_ec(*pk)->grp.id == MBEDTLS_ECP_DP_SECP256R1)
		return 0;
	snprintf(err, errlen, "%s: not an ECDSA P-256 private key", path);
	return -1;
}

/* 0 loaded, 1 absent, -1 error. */
static int load_key(struct identity *id, const char *path, char *err, size_t errlen)
{
	struct stat st;
	char *pem;
	size_t len;
	int ret;

	ret = atomic_file_read(path, ID_KEY_FILE_MAX, &pem, &len, &st, err, errlen);
	if (ret != 0)
		return ret;
	ret = check_mode(path, &st, err, errlen);
	if (ret == 0) {
		/* PEM input must include the terminating NUL in its length. */
		ret = mbedtls_pk_parse_key(&id->key, (unsigned char *)pem, len + 1, NULL, 0);
		if (ret != 0) {
			tls_err(err, errlen, path, "parsing key", ret);
			ret = -1;
		}
	}
	atomic_file_free(pem, len);
	if (ret == 0)
		ret = check_key_type(&id->key, path, err, errlen);
	return ret;
}

static int write_cert(struct identity *id, mbedtls_x509write_cert *w, const char *name, struct rng *rng,
		      unsigned char *der, size_t size)
{
	mbedtls_mpi serial;
	int ret;

	mbedtls_mpi_init(&serial);
	mbedtls_x509write_crt_set_version(w, MBEDTLS_X509_CRT_VERSION_3);
	mbedtls_x509write_crt_set_md_alg(w, MBEDTLS_MD_SHA256);
	mbedtls_x509write_crt_set_subject_key(w, &id->key);
	mbedtls_x509write_crt_set_issuer_key(w, &id->key);
	/* Fixed serial and a validity no clock can fall outside of: peers
	 * trust the pinned key, never the dates (fresh appliances have no
	 * trustworthy clock). */
	ret = mbedtls_mpi_lset(&serial, 1);
	if (ret == 0)
		ret = mbedtls_x509write_crt_set_serial(w, &serial);
	if (ret == 0)
		ret = mbedtls_x509write_crt_set_subject_name(w, name);
	if (ret == 0)
		ret = mbedtls_x509write_crt_set_issuer_name(w, name);
	if (ret == 0)
		ret = mbedtls_x509write_crt_set_validity(w, "20000101000000", "99991231235959");
	if (ret == 0)
		ret = mbedtls_x509write_crt_set_basic_constraints(w, 0, -1);
	if (ret == 0)
		ret = mbedtls_x509write_crt_der(w, der, size, RNG_F, RNG_P(rng));
	mbedtls_mpi_free(&serial);
	return ret;
}

static int make_cert(struct identity *id, const char *path, struct rng *rng, char *err, size_t errlen)
{
	mbedtls_x509write_cert w;
	unsigned char der[DER_MAX];
	char name[64];
	int ret;

	/* The name is informative only; the first fingerprint digits help
	 * match a certificate seen in a packet capture to its node. */
	snprintf(name, sizeof(name), "CN=twin-%02x%02x%02x%02x,O=Twin", id->fp[0], id->fp[1], id->fp[2],
		 id->fp[3]);
	mbedtls_x509write_crt_init(&w);
	ret = write_cert(id, &w, name, rng, der, sizeof(der));
	mbedtls_x509write_crt_free(&w);
	if (ret < 0) {
		tls_err(err, errlen, path, "making certificate", ret);
		return -1;
	}
	/* The DER is written at the end of the buffer. */
	ret = mbedtls_x509_crt_parse_der(&id->cert, der + sizeof(der) - ret, (size_t)ret);
	if (ret != 0) {
		tls_err(err, errlen, path, "parsing own certificate", ret);
		return -1;
	}
	return 0;
}

static int load(struct identity *id, const char *path, struct rng *rng, int may_create, int *created,
		char *err, size_t errlen)
{
	int ret;

	mbedtls_pk_init(&id->key);
	mbedtls_x509_crt_init(&id->cert);
	if (created)
		*created = 0;
	ret = load_key(id, path, err, errlen);
	if (ret == 1 && !may_create)
		snprintf(err, errlen, "identity key %s: no such file", path);
	if (ret == 1 && may_create) {
		ret = generate(id, path, rng, err, errlen);
		if (ret == 0 && created)
			*created = 1;
	}
	if (ret == 0 && identity_pk_fingerprint(&id->key, id->fp) < 0) {
		snprintf(err, errlen, "%s: cannot encode public key", path);
		ret = -1;
	}
	if (ret == 0)
		ret = make_cert(id, path, rng, err, errlen);
	if (ret != 0) {
		identity_free(id);
		return -1;
	}
	return 0;
}

int identity_load_or_create(struct identity *id, const char *path, struct rng *rng, int *created, char *err,
			    size_t errlen)
{
	return load(id, path, rng, 1, created, err, errlen);
}

int identity_load(struct identity *id, const char *path, struct rng *rng, char *err, size_t errlen)
{
	return load(id, path, rng, 0, NULL, err, errlen);
}

void identity_free(struct identity *id)
{
	mbedtls_x509_crt_free(&id->cert);
	mbedtls_pk_free(&id->key); /* zeroizes the private key */
	mbedtls_platform_zeroize(id->fp, sizeof(id->fp));
}

int identity_pk_fingerprint(mbedtls_pk_context *pk, uint8_t fp[ID_FP_LEN])
{
	unsigned char der[256];
	int len = mbedtls_pk_write_pubkey_der(pk, der, sizeof(der));

	if (len <= 0)
		return -1;
	/* Written at the end of the buffer. */
	return mbedtls_sha256_ret(der + sizeof(der) - len, (size_t)len, fp, 0) == 0 ? 0 : -1;
}

void identity_fp_format(const uint8_t fp[ID_FP_LEN], char out[ID_FP_STR_MAX])
{
	static const char hex[] = "0123456789abcdef";
	char *p = out + sizeof("SHA256:") - 1;

	memcpy(out, "SHA256:", sizeof("SHA256:") - 1);
	for (int i = 0; i < ID_FP_LEN; i++) {
		if (i > 0 && i % 2 == 0)
			*p++ = ' ';
		*p++ = hex[fp[i] >> 4];
		*p++ = hex[fp[i] & 15];
	}
	*p = 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int identity_fp_parse(const char *text, uint8_t fp[ID_FP_LEN])
{
	const char *s = text;
	int n = 0;

	while (isspace((unsigned char)*s))
		s++;
	if (strncasecmp(s, "SHA256:", 7) == 0)
		s += 7;
	for (; *s; s++) {
		int v = hexval((unsigned char)*s);

		if (v < 0 && (*s == ' ' || *s == ':' || *s == '-' || isspace((unsigned char)*s)))
			continue;
		if (v < 0 || n >= 2 * ID_FP_LEN)
			return -1;
		if (n % 2 == 0)
			fp[n / 2] = (uint8_t)(v << 4);
		else
			fp[n / 2] |= (uint8_t)v;
		n++;
	}
	return n == 2 * ID_FP_LEN ? 0 : -1;
}
