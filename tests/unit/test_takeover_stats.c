/* twind's counters for the exporter: why a takeover began
 * (failover.reason.*) and the loop's longest turn (loop.iteration_max_us). */
#include "check.h"
#include "loop_stats.h"
#include "takeover_reason.h"

static void test_reason(void)
{
	CHECK_EQ(takeover_reason_of(FE_PEER_DEAD, NS_STANDBY, NS_ACTIVE), TR_PEER_DEAD);
	CHECK_EQ(takeover_reason_of(FE_PEER_DEAD, NS_INITIALIZING, NS_ACTIVE), TR_PEER_DEAD);
	CHECK_EQ(takeover_reason_of(FE_TICK, NS_STANDBY, NS_ACTIVE), TR_PEER_DEAD); /* re-try */
	CHECK_EQ(takeover_reason_of(FE_TICK, NS_INITIALIZING, NS_INITIALIZING), TR_STARTUP);
	CHECK_EQ(takeover_reason_of(FE_WITNESS_OK, NS_STANDBY, NS_ACTIVE), TR_PEER_DEAD);
	CHECK_EQ(takeover_reason_of(FE_WITNESS_OK, NS_INACTIVE, NS_ACTIVE), TR_RECOVERED);
	CHECK_EQ(takeover_reason_of(FE_HEALTH_OK, NS_INACTIVE, NS_ACTIVE), TR_RECOVERED);
	CHECK_EQ(takeover_reason_of(FE_PEER_BEAT, NS_INACTIVE, NS_ACTIVE), TR_RECOVERED);
	CHECK_EQ(takeover_reason_of(FE_PEER_BEAT, NS_STANDBY, NS_STANDBY), TR_ELECTION);
	CHECK_EQ(takeover_reason_of(FE_PEER_UP, NS_INITIALIZING, NS_INITIALIZING), TR_ELECTION);
	CHECK_EQ(takeover_reason_of(FE_PEER_BEAT, NS_STANDBY, NS_INACTIVE), TR_PEER_INACTIVE);
	CHECK_EQ(takeover_reason_of(FE_ADMIN_TAKEOVER, NS_STANDBY, NS_ACTIVE), TR_ADMIN);
	CHECK_EQ(takeover_reason_of(FE_ADMIN_RESTORE, NS_IDLE, NS_ACTIVE), TR_ADMIN);
	CHECK_EQ(takeover_reason_of(FE_ADMIN_RESOLVE, NS_SPLIT_BRAIN, NS_ACTIVE), TR_SPLIT_BRAIN);
	CHECK_EQ(takeover_reason_of(FE_CLAIM_DONE, NS_ACTIVATING, NS_ACTIVE), TR_OTHER);
	/* names are key segments and label values */
	for (int r = 0; r < TR_COUNT; r++) {
		const char *n = takeover_reason_name(r);
		CHECK(n && *n && strspn(n, "abcdefghijklmnopqrstuvwxyz_") == strlen(n));
		for (int q = 0; q < r; q++)
			CHECK(strcmp(n, takeover_reason_name(q)));
	}
	CHECK_STR(takeover_reason_name(TR_PEER_DEAD), "peer_dead");
	CHECK_STR(takeover_reason_name(TR_COUNT), "other");
}

#define S  1000000000ull
#define MS 1000000ull

static void test_loop(void)
{
	struct loop_stats s = {0};

	CHECK_EQ(loop_stats_max_ns(&s, 5 * S), 0u);
	loop_stats_add(&s, 10 * S, 3 * MS);
	loop_stats_add(&s, 11 * S, 1 * MS);
	CHECK_EQ(loop_stats_max_ns(&s, 12 * S), 3 * MS);
	CHECK_EQ(s.turns, 2u);
	/* the next window: the slow turn still counts (prev) */
	loop_stats_add(&s, 75 * S, 2 * MS);
	CHECK_EQ(loop_stats_max_ns(&s, 76 * S), 3 * MS);
	/* two windows on, the 3 ms turn is gone, the 2 ms one stays */
	CHECK_EQ(loop_stats_max_ns(&s, 140 * S), 2 * MS);
	loop_stats_add(&s, 140 * S, 1 * MS);
	CHECK_EQ(loop_stats_max_ns(&s, 141 * S), 2 * MS);
	/* a long quiet time: windows that passed count as empty */
	CHECK_EQ(loop_stats_max_ns(&s, 1000 * S), 0u);
	loop_stats_add(&s, 1000 * S, 5 * MS);
	CHECK_EQ(loop_stats_max_ns(&s, 1000 * S), 5 * MS);
	CHECK_EQ(s.turns, 5u);
}

TEST_MAIN("takeover_stats", {
	test_reason();
	test_loop();
})
