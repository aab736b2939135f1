/* Update bundle signatures: ECDSA P-256 over SHA-256 of the header block
 * (mbedtls). Keys are PEM files; only P-256 EC keys are accepted. */
#ifndef TWIN_BUNDLE_SIG_H
#define TWIN_BUNDLE_SIG_H

#include <mbedtls/pk.h>

#include "bundle.h"

/* Load a public (or private: priv=1) P-256 key. 0, or -1 with err. */
int bundle_key_load(mbedtls_pk_context *pk, const char *path, int priv, char *err, size_t errlen);
/* The key's id: the first BUNDLE_KEYID_LEN bytes of SHA-256 of its public
 * key DER. 0, or -1. */
int bundle_key_id(mbedtls_pk_context *pk, uint8_t id[BUNDLE_KEYID_LEN]);
/* Make a fresh key pair: private PEM (mode 0600) and public PEM. */
int bundle_keygen(const char *priv_path, const char *pub_path, char *err, size_t errlen);

/* Sign a header block with a private key into s. 0, or -1 with err. */
int bundle_sign(mbedtls_pk_context *priv, const uint8_t hdr[BUNDLE_HDR_SIZE], struct bundle_sig *s, char *err,
		size_t errlen);
/* Check s over the header block against a trusted public key. 0 if valid;
 * -1 with a reason an admin can act on (other key, altered header). */
int bundle_verify(mbedtls_pk_context *pub, const uint8_t hdr[BUNDLE_HDR_SIZE], const struct bundle_sig *s,
		  char *err, size_t errlen);

#endif
