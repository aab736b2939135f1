/* lockout: pure delay bookkeeping for pairing password tries. */
#include "check.h"

#include <stdint.h>

#include "lockout.h"
#include "lockout_table.h"

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

/* one host guessing does not lock out the admin on another */
static void test_per_source(void)
{
	struct lockout_table t;
	uint64_t now = 5000;

	lockout_table_init(&t, now);
	for (int i = 0; i < 5; i++) {
		now += lockout_table_wait(&t, "10.0.0.66", now);
		lockout_table_fail(&t, "10.0.0.66", now);
	}
	CHECK_EQ(lockout_table_wait(&t, "10.0.0.66", now), 16000);
	CHECK_EQ(lockout_table_get(&t, "10.0.0.66")->failures, 5u);
	CHECK_EQ(lockout_table_wait(&t, "10.0.0.1", now), 0);
	CHECK_EQ(lockout_table_get(&t, "10.0.0.1")->failures, 0u);
	lockout_table_success(&t, "10.0.0.1"); /* unknown: nothing */
	CHECK_EQ(t.n, 1u);
	lockout_table_success(&t, "10.0.0.66");
	CHECK_EQ(t.n, 0u);
	CHECK_EQ(lockout_table_wait(&t, "10.0.0.66", now), 0);
}

/* many sources: the ceiling holds them all back, then refills */
static void test_global_ceiling(void)
{
	struct lockout_table t;
	char a[32];
	uint64_t now = 0;

	lockout_table_init(&t, now);
	for (unsigned i = 0; i < LOCKOUT_GLOBAL_BURST; i++) {
		snprintf(a, sizeof(a), "10.1.%u.%u", i / 250, i % 250);
		CHECK_EQ(lockout_table_wait(&t, a, now), 0);
		lockout_table_fail(&t, a, now);
	}
	CHECK(lockout_table_global(&t, now));
	CHECK_EQ(lockout_table_wait(&t, "10.9.9.9", now), 3600000 / LOCKOUT_GLOBAL_PER_HOUR);
	now += 3600000 / LOCKOUT_GLOBAL_PER_HOUR;
	CHECK(!lockout_table_global(&t, now));
	CHECK_EQ(lockout_table_wait(&t, "10.9.9.9", now), 0);
	/* one host alone never reaches it: its own lockout is slower */
	lockout_table_init(&t, 0);
	now = 0;
	for (int i = 0; i < 40; i++) {
		now += lockout_table_wait(&t, "10.0.0.66", now);
		CHECK(!lockout_table_global(&t, now));
		lockout_table_fail(&t, "10.0.0.66", now);
	}
}

/* bounded: the 65th source takes the slot whose lockout ended longest ago */
static void test_eviction(void)
{
	struct lockout_table t;
	char a[32];

	lockout_table_init(&t, 0);
	t.tokens_milli = 1000000; /* the ceiling aside */
	for (unsigned i = 0; i < LOCKOUT_SOURCES; i++) {
		snprintf(a, sizeof(a), "10.2.0.%u", i);
		lockout_table_fail(&t, a, 1000 + i);
	}
	CHECK_EQ(t.n, (unsigned)LOCKOUT_SOURCES);
	lockout_table_fail(&t, "10.3.0.1", 5000);
	CHECK_EQ(t.n, (unsigned)LOCKOUT_SOURCES);
	CHECK_EQ(lockout_table_get(&t, "10.2.0.0")->failures, 0u); /* evicted */
	CHECK_EQ(lockout_table_get(&t, "10.2.0.1")->failures, 1u);
	CHECK_EQ(lockout_table_get(&t, "10.3.0.1")->failures, 1u);
}

/* a restart keeps what is left of each lockout */
static void test_persist(void)
{
	struct lockout_table t, u;
	char text[LOCKOUT_TEXT_MAX], why[128];

	lockout_table_init(&t, 1000);
	lockout_table_fail(&t, "10.0.0.66", 1000);
	lockout_table_fail(&t, "10.0.0.66", 2000);
	lockout_table_fail(&t, "fd00::66", 2000);
	int n = lockout_table_format(&t, 2500, text, sizeof(text));
	CHECK(n > 0);
	CHECK_STR(text, "global 17024\nsrc 10.0.0.66 1500 4000 2\nsrc fd00::66 500 2000 1\n");
	/* after the restart the monotonic clock starts again near 0 */
	CHECK_EQ(lockout_table_parse(&u, text, (size_t)n, 10, why, sizeof(why)), 0);
	CHECK_EQ(lockout_table_wait(&u, "10.0.0.66", 10), 1500);
	CHECK_EQ(lockout_table_get(&u, "10.0.0.66")->failures, 2u);
	CHECK_EQ(lockout_table_get(&u, "10.0.0.66")->next_delay, 4000u);
	CHECK_EQ(lockout_table_wait(&u, "fd00::66", 10), 500);
	CHECK_EQ(u.tokens_milli, 17024u);
	CHECK_EQ(lockout_table_format(&t, 2500, text, 8), -1);

	static const char *const bad[] = {
	    "global 17000",			/* no newline */
	    "global 99999999999999999999999\n", /* overflow */
	    "global 21000\n",			/* above the burst */
	    "src 10.0.0.66 1500 8000\n",	/* a field short */
	    "src 10.0.0.66 1500 8000 2 9\n",	/* one too many */
	    "src 10.0.0.66 400000 8000 2\n",	/* wait above the cap */
	    "src 10.0.0.66 1500 10 2\n",	/* delay below the first */
	    "src 10.0.0.66\nx 1500 8000 2\n",	/* broken line */
	    "src evil\033[2J 1 1000 1\n",	/* not an address */
	    "src a 1 1000 1\nsrc a 1 1000 1\n", /* twice */
	    "bogus\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_EQ(lockout_table_parse(&u, bad[i], strlen(bad[i]), 10, why, sizeof(why)), -1);
		CHECK_EQ(u.n, 0u); /* nothing half-read */
		CHECK(strstr(why, "line ") != NULL);
	}
	CHECK_EQ(lockout_table_parse(&u, "", 0, 10, why, sizeof(why)), 0);
}

TEST_MAIN("lockout", {
	test_per_source();
	test_global_ceiling();
	test_eviction();
	test_persist();
	test_first_failure();
	test_doubling_and_cap();
	test_delays_listed();
	test_success_resets();
	test_zeroed_struct();
})
