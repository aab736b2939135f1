/* lockout: pure delay bookkeeping for pairing password tries. */
#include "check.h"

#include <stdint.h>

#include "lockout.h"

static void test_first_failure(void)
{
	struct lockout l;

	lockout_init(&l);
	CHECK_EQ(lockout_wait_ms(&l, 0), 0);
	CHECK_EQ(lockout_wait_ms(&l, 123456), 0);
	lockout_fail(&l, 10000);
	CHECK_EQ(l.failures, 1);
	CHECK_EQ(lockout_wait_ms(&l, 10000), 1000);
	CHECK_EQ(lockout_wait_ms(&l, 10999), 1);
	CHECK_EQ(lockout_wait_ms(&l, 11000), 0);
	CHECK_EQ(lockout_wait_ms(&l, 50000), 0);
	/* Asking does not change anything (refused tries do not count). */
	CHECK_EQ(lockout_wait_ms(&l, 10500), 500);
	CHECK_EQ(lockout_wait_ms(&l, 10500), 500);
}

/* Each failure at the earliest allowed moment: 1, 2, 4, ... s, capped at 5 min. */
static void test_doubling_and_cap(void)
{
	struct lockout l;
	uint64_t now = 5000, expect = LOCKOUT_FIRST_MS;

	lockout_init(&l);
	for (int i = 0; i < 20; i++) {
		lockout_fail(&l, now);
		CHECK_EQ(lockout_wait_ms(&l, now), expect);
		CHECK_EQ(lockout_wait_ms(&l, now + expect - 1), 1);
		now += expect;
		CHECK_EQ(lockout_wait_ms(&l, now), 0);
		expect = expect * 2 > LOCKOUT_MAX_MS ? LOCKOUT_MAX_MS : expect * 2;
	}
	CHECK_EQ(l.failures, 20);
	CHECK_EQ(lockout_wait_ms(&l, now - 1), 1);
	lockout_fail(&l, now);
	CHECK_EQ(lockout_wait_ms(&l, now), LOCKOUT_MAX_MS); /* 300 s, not more */
}

static void test_delays_listed(void)
{
	static const uint32_t want[] = {1000,  2000,   4000,   8000,   16000, 32000,
					64000, 128000, 256000, 300000, 300000};
	struct lockout l;

	lockout_init(&l);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		lockout_fail(&l, 1000000);
		CHECK_EQ(lockout_wait_ms(&l, 1000000), want[i]);
	}
}

static void test_success_resets(void)
{
	struct lockout l;

	lockout_init(&l);
	lockout_fail(&l, 0);
	lockout_fail(&l, 1000);
	lockout_fail(&l, 3000);
	CHECK_EQ(lockout_wait_ms(&l, 3000), 4000);
	lockout_success(&l);
	CHECK_EQ(l.failures, 0);
	CHECK_EQ(lockout_wait_ms(&l, 3000), 0);
	lockout_fail(&l, 3000);
	CHECK_EQ(lockout_wait_ms(&l, 3000), 1000);
}

static void test_zeroed_struct(void)
{
	struct lockout l = {0};

	CHECK_EQ(lockout_wait_ms(&l, 42), 0);
	lockout_fail(&l, 42);
	CHECK_EQ(lockout_wait_ms(&l, 42), 1000);
	lockout_fail(&l, 1042);
	CHECK_EQ(lockout_wait_ms(&l, 1042), 2000);
}

TEST_MAIN("lockout", {
	test_first_failure();
	test_doubling_and_cap();
	test_delays_listed();
	test_success_resets();
	test_zeroed_struct();
})
