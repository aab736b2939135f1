/* passwd: PBKDF2-HMAC-SHA256 hash strings. Low iteration counts keep this
 * fast; set TWIN_BENCH=1 to time one verify at PASSWD_ITER_DEFAULT. */
#include "check.h"

#include <stdlib.h>
#include <time.h>

#include "passwd.h"
#include "rng.h"

/* PBKDF2-HMAC-SHA256("password", "salt", 4096, 32): the widely published
 * vector, checked with Python's hashlib.pbkdf2_hmac. */
#define KAT "$pbkdf2-sha256$4096$c2FsdA==$xeR41ZKIyEGqUw22hFxMjZYok6ABzk4RpJY4c6qYE0o="

static void test_known_answer(void)
{
	char err[256];

	CHECK_EQ(passwd_verify("password", KAT, err, sizeof(err)), 1);
	CHECK_EQ(passwd_verify("Password", KAT, err, sizeof(err)), 0);
	CHECK_EQ(passwd_verify("password ", KAT, err, sizeof(err)), 0);
	CHECK_EQ(passwd_verify("", KAT, err, sizeof(err)), 0);
	CHECK_EQ(passwd_iterations(KAT), 4096);
}

static void test_hash_and_verify(struct rng *rng)
{
	char h1[PASSWD_STR_MAX], h2[PASSWD_STR_MAX], err[256];

	CHECK_EQ(passwd_hash("correct horse", 1000, rng, h1, sizeof(h1), err, sizeof(err)), 0);
	CHECK_EQ(strncmp(h1, "$pbkdf2-sha256$1000$", 20), 0);
	CHECK_EQ(passwd_verify("correct horse", h1, err, sizeof(err)), 1);
	CHECK_EQ(passwd_verify("correct hors", h1, err, sizeof(err)), 0);
	CHECK_EQ(passwd_iterations(h1), 1000);
	/* A fresh salt each time: same password, different strings. */
	CHECK_EQ(passwd_hash("correct horse", 1000, rng, h2, sizeof(h2), err, sizeof(err)), 0);
	CHECK(strcmp(h1, h2) != 0);
	CHECK_EQ(passwd_verify("correct horse", h2, err, sizeof(err)), 1);
	/* Salt 16 bytes -> 24 base64 chars, hash 32 -> 44. */
	CHECK_EQ(strlen(h1), strlen("$pbkdf2-sha256$1000$") + 24 + 1 + 44);
}

static void test_hash_errors(struct rng *rng)
{
	char h[PASSWD_STR_MAX], small[40], err[256], *long_pw;

	CHECK_EQ(passwd_hash("pw", 0, rng, h, sizeof(h), err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "iteration count");
	CHECK_EQ(passwd_hash("pw", PASSWD_ITER_MAX + 1, rng, h, sizeof(h), err, sizeof(err)), -1);
	CHECK_EQ(passwd_hash("", 10, rng, h, sizeof(h), err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "empty password");
	CHECK_EQ(passwd_hash("pw", 10, rng, small, sizeof(small), err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "too small");
	long_pw = malloc(PASSWD_PW_MAX + 2);
	memset(long_pw, 'a', PASSWD_PW_MAX + 1);
	long_pw[PASSWD_PW_MAX + 1] = 0;
	CHECK_EQ(passwd_hash(long_pw, 10, rng, h, sizeof(h), err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "too long");
	CHECK_EQ(passwd_verify(long_pw, KAT, err, sizeof(err)), 0);
	long_pw[PASSWD_PW_MAX] = 0; /* exactly the maximum is fine */
	CHECK_EQ(passwd_hash(long_pw, 10, rng, h, sizeof(h), err, sizeof(err)), 0);
	CHECK_EQ(passwd_verify(long_pw, h, err, sizeof(err)), 1);
	free(long_pw);
}

static void malformed(const char *hash, const char *why)
{
	char err[256] = "";

	CHECK_EQ(passwd_verify("password", hash, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, why);
	CHECK_EQ(passwd_iterations(hash), 0);
}

static void test_malformed(void)
{
	const char *h = "xeR41ZKIyEGqUw22hFxMjZYok6ABzk4RpJY4c6qYE0o=";
	char buf[256];

	malformed("", "unknown scheme");
	malformed("password", "unknown scheme");
	malformed("$pbkdf2-sha1$4096$c2FsdA==$xeR4", "unknown scheme");
	malformed("$pbkdf2-sha256$4096$c2FsdA==", "4 '$'-separated fields");
	malformed("$pbkdf2-sha256$4096$c2FsdA==$$x", "4 '$'-separated fields");
	snprintf(buf, sizeof(buf), "$pbkdf2-sha256$0$c2FsdA==$%s", h);
	malformed(buf, "iteration count");
	snprintf(buf, sizeof(buf), "$pbkdf2-sha256$04096$c2FsdA==$%s", h);
	malformed(buf, "iteration count");
	snprintf(buf, sizeof(buf), "$pbkdf2-sha256$4k$c2FsdA==$%s", h);
	malformed(buf, "iteration count");
	snprintf(buf, sizeof(buf), "$pbkdf2-sha256$$c2FsdA==$%s", h);
	malformed(buf, "iteration count");
	snprintf(buf, sizeof(buf), "$pbkdf2-sha256$%u$c2FsdA==$%s", PASSWD_ITER_MAX + 1, h);
	malformed(buf, "iteration count");
	snprintf(buf, sizeof(buf), "$pbkdf2-sha256$4096$c2F*dA==$%s", h);
	malformed(buf, "salt");
	snprintf(buf, sizeof(buf), "$pbkdf2-sha256$4096$$%s", h);
	malformed(buf, "salt");
	snprintf(buf, sizeof(buf), "$pbkdf2-sha256$4096$c2Fs dA==$%s", h);
	malformed(buf, "salt");
	snprintf(buf, sizeof(buf), "$pbkdf2-sha256$4096$c2Fs\ndA==$%s", h);
	malformed(buf, "salt");
	malformed("$pbkdf2-sha256$4096$c2FsdA==$xeR41ZKIyEGqUw22hFxMjQ==", "hash is not 32 bytes");
	malformed("$pbkdf2-sha256$4096$c2FsdA==$xeR41ZKIyEGqUw22hFxMjZYok6ABzk4RpJY4c6qYE0o", "hash");
	snprintf(buf, sizeof(buf), "$pbkdf2-sha256$4096$c2FsdA==$%s\n", h);
	malformed(buf, "hash");
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void bench(struct rng *rng)
{
	char h[PASSWD_STR_MAX], err[256];
	double t;

	CHECK_EQ(passwd_hash("benchmark", PASSWD_ITER_DEFAULT, rng, h, sizeof(h), err, sizeof(err)), 0);
	t = now_s();
	CHECK_EQ(passwd_verify("benchmark", h, err, sizeof(err)), 1);
	printf("passwd: one verify at %u iterations: %.0f ms\n", PASSWD_ITER_DEFAULT, (now_s() - t) * 1000);
}

TEST_MAIN("passwd", {
	struct rng rng;
	char err[256];

	CHECK_EQ(rng_init(&rng, "test_passwd", err, sizeof(err)), 0);
	test_known_answer();
	test_hash_and_verify(&rng);
	test_hash_errors(&rng);
	test_malformed();
	if (getenv("TWIN_BENCH"))
		bench(&rng);
	rng_free(&rng);
})
