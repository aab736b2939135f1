/* Random bytes for keys, salts and TLS: mbedtls CTR_DRBG seeded from the
 * kernel's entropy (getrandom). One per process is enough; it is not
 * thread-safe and does not need to be (single-threaded daemon). */
#ifndef TWIN_RNG_H
#define TWIN_RNG_H

#include <stddef.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>

struct rng {
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
};

/* Seed from entropy; personal is a label mixed into the seed ("twind").
 * Returns 0, or -1 with the mbedtls reason in err (r is freed then). */
int rng_init(struct rng *r, const char *personal, char *err, size_t errlen);
/* Fill buf with len random bytes (any length). 0, or -1 on DRBG failure. */
int rng_bytes(struct rng *r, void *buf, size_t len);
void rng_free(struct rng *r);

/* For mbedtls calls that take (f_rng, p_rng). */
#define RNG_F	 mbedtls_ctr_drbg_random
#define RNG_P(r) (&(r)->drbg)

#endif
