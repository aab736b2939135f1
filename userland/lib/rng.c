#include "rng.h"

#include <stdio.h>
#include <string.h>

#include <mbedtls/error.h>

int rng_init(struct rng *r, const char *personal, char *err, size_t errlen)
{
	char why[128];
	int ret;

	mbedtls_entropy_init(&r->entropy);
	mbedtls_ctr_drbg_init(&r->drbg);
	ret = mbedtls_ctr_drbg_seed(&r->drbg, mbedtls_entropy_func, &r->entropy,
				    (const unsigned char *)personal, personal ? strlen(personal) : 0);
	if (ret != 0) {
		mbedtls_strerror(ret, why, sizeof(why));
		snprintf(err, errlen, "seeding random generator: %s", why);
		rng_free(r);
		return -1;
	}
	return 0;
}

int rng_bytes(struct rng *r, void *buf, size_t len)
{
	unsigned char *p = buf;

	/* CTR_DRBG serves at most MBEDTLS_CTR_DRBG_MAX_REQUEST bytes a call. */
	while (len > 0) {
		size_t n = len < MBEDTLS_CTR_DRBG_MAX_REQUEST ? len : MBEDTLS_CTR_DRBG_MAX_REQUEST;

		if (mbedtls_ctr_drbg_random(&r->drbg, p, n) != 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

void rng_free(struct rng *r)
{
	mbedtls_ctr_drbg_free(&r->drbg);
	mbedtls_entropy_free(&r->entropy);
}
