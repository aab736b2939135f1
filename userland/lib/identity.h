/* Node identity: an ECDSA P-256 key pair made at first start, kept as PEM
 * (mode 0600) on the data partition, plus what TLS needs from it.
 *
 * Fingerprint = SHA-256 of the public key's DER SubjectPublicKeyInfo (the
 * same bytes as `openssl pkey -pubout -outform DER | sha256sum`). It names
 * the key, not the certificate, so the self-signed certificate can be
 * rebuilt at every start without changing it. Shown as
 *
 *   SHA256:ab12 cd34 ef56 ... (16 groups of 4 lowercase hex digits)
 *
 * short groups are easy to read aloud and compare on a console or LCD. */
#ifndef TWIN_IDENTITY_H
#define TWIN_IDENTITY_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

struct rng;

#define ID_FP_LEN	32
#define ID_FP_STR_MAX	87     /* "SHA256:" + 64 hex + 15 spaces + NUL */
#define ID_KEY_FILE_MAX 16384u /* refuse larger key files */
#define ID_KEY_MODE	0600

struct identity {
	mbedtls_pk_context key;
	mbedtls_x509_crt cert; /* self-signed, serial 1, valid 2000..9999 */
	uint8_t fp[ID_FP_LEN];
};

/* Load the key at path, or, when path does not exist, generate one and
 * store it atomically with mode 0600 (*created = 1; created may be NULL).
 * Then build the certificate and fingerprint. A key file readable or
 * writable by group or others is refused ("... mode 0644: chmod 600 it").
 * Returns 0, or -1 with a message naming path in err (id is then empty and
 * needs no identity_free). */
int identity_load_or_create(struct identity *id, const char *path, struct rng *rng, int *created, char *err,
			    size_t errlen);
/* Same, but a missing file is an error. */
int identity_load(struct identity *id, const char *path, struct rng *rng, char *err, size_t errlen);
void identity_free(struct identity *id);

/* Fingerprint of any public key (e.g. a peer certificate's). 0 or -1. */
int identity_pk_fingerprint(mbedtls_pk_context *pk, uint8_t fp[ID_FP_LEN]);
/* "SHA256:xxxx xxxx ..." into out (ID_FP_STR_MAX bytes). */
void identity_fp_format(const uint8_t fp[ID_FP_LEN], char out[ID_FP_STR_MAX]);
/* Accepts the formatted string and also: without the "SHA256:" prefix (any
 * case), upper- or lowercase hex, with or without ' ', ':' or '-' between
 * digits, surrounding whitespace. Exactly 64 hex digits. 0, or -1. */
int identity_fp_parse(const char *text, uint8_t fp[ID_FP_LEN]);

#endif
