/* The alarm list's lifecycle (issue 13): raise keeps the first time, clear
 * by prefix hands back what went, ack by number or all, the bound. */
#include "alarm_list.h"
#include "check.h"

static void test_raise_keeps_time(void)
{
	struct alarm_list l = {0};

	CHECK_EQ(alarm_list_set(&l, "heartbeat link down: x", 1000, 10, NULL), 1);
	CHECK_EQ(alarm_list_set(&l, "heartbeat link down: x", 5000, 50, NULL), 0);
	CHECK_EQ(l.n, 1u);
	CHECK_EQ(l.a[0].raised_ms, 1000u);
	CHECK_EQ(l.a[0].raised_mono, 10u);
	CHECK_EQ(l.a[0].id, 1u);
	CHECK_EQ(alarm_list_set(&l, "DRBD not promoted: y", 2000, 20, NULL), 1);
	CHECK_EQ(l.a[1].id, 2u);
	/* an ack survives a repeated raise of the same condition */
	CHECK_EQ(alarm_list_ack(&l, "1", "ssh/uid 0", 3000), 1);
	CHECK_EQ(alarm_list_set(&l, "heartbeat link down: x", 6000, 60, NULL), 0);
	CHECK(l.a[0].acked);
	/* long texts are cut, and the cut text is what matches */
	char big[300];
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	CHECK_EQ(alarm_list_set(&l, big, 1, 1, NULL), 1);
	CHECK_EQ(strlen(l.a[2].text), (size_t)ALARM_TEXT_MAX - 1);
	CHECK_EQ(alarm_list_set(&l, big, 2, 2, NULL), 0);
}

static void test_clear(void)
{
	struct alarm_list l = {0};
	struct alarm out[ALARM_MAX];

	alarm_list_set(&l, "could not add the failover IP", 1, 1, NULL);
	alarm_list_set(&l, "DRBD not promoted: drbdadm secondary r0: still running", 2, 2, NULL);
	alarm_list_set(&l, "could not re-add the failover IP", 3, 3, NULL);
	CHECK_EQ(alarm_list_clear(&l, "nothing like it", out, ALARM_MAX), 0u);
	CHECK_EQ(alarm_list_clear(&l, "DRBD not promoted", out, ALARM_MAX), 1u);
	CHECK_STR(out[0].text, "DRBD not promoted: drbdadm secondary r0: still running");
	CHECK_EQ(out[0].raised_ms, 2u);
	CHECK_EQ(l.n, 2u);
	CHECK(alarm_list_find(&l, "could not re-add") == &l.a[1]);
	CHECK(alarm_list_find(&l, "DRBD") == NULL);
	/* a prefix that matches several removes them all, in order */
	CHECK_EQ(alarm_list_clear(&l, "could not", out, 1), 2u);
	CHECK_STR(out[0].text, "could not add the failover IP");
	CHECK_EQ(l.n, 0u);
	/* a cleared alarm that comes back is new: a new number, not acked */
	alarm_list_set(&l, "could not add the failover IP", 9, 9, NULL);
	CHECK_EQ(l.a[0].id, 4u);
	CHECK(!l.a[0].acked);
}

static void test_ack(void)
{
	struct alarm_list l = {0};

	CHECK_EQ(alarm_list_ack(&l, "all", "console (uid 0)", 5), 0);
	CHECK_EQ(alarm_list_ack(&l, "1", "x", 5), -1);
	alarm_list_set(&l, "a", 1, 1, NULL);
	alarm_list_set(&l, "b", 1, 1, NULL);
	alarm_list_set(&l, "c", 1, 1, NULL);
	CHECK_EQ(alarm_list_ack(&l, "2", "ssh/uid 1000", 77), 1);
	CHECK(l.a[1].acked && l.a[1].acked_ms == 77 && !strcmp(l.a[1].acked_by, "ssh/uid 1000"));
	CHECK_EQ(alarm_list_ack(&l, "2", "someone else", 99), 0); /* the first ack stays */
	CHECK_STR(l.a[1].acked_by, "ssh/uid 1000");
	CHECK_EQ(alarm_list_ack(&l, "all", "console (uid 0)", 80), 2);
	CHECK(l.a[0].acked && l.a[2].acked);
	CHECK_STR(l.a[0].acked_by, "console (uid 0)");
	CHECK_EQ(alarm_list_ack(&l, "all", "x", 81), 0);
	CHECK_EQ(alarm_list_ack(&l, "7", "x", 1), -1);
	CHECK_EQ(alarm_list_ack(&l, "0", "x", 1), -1);
	CHECK_EQ(alarm_list_ack(&l, "2x", "x", 1), -1);
	CHECK_EQ(alarm_list_ack(&l, "", "x", 1), -1);
}

static void test_bound(void)
{
	struct alarm_list l = {0};
	struct alarm gone = {0};
	char t[16];

	for (int i = 0; i < ALARM_MAX; i++) {
		snprintf(t, sizeof(t), "alarm %d", i);
		CHECK_EQ(alarm_list_set(&l, t, (uint64_t)i, (uint64_t)i, &gone), 1);
	}
	CHECK_EQ(alarm_list_set(&l, "one too many", 100, 100, &gone), 2);
	CHECK_STR(gone.text, "alarm 0"); /* the oldest goes, the newest stays */
	CHECK_EQ(l.n, (unsigned)ALARM_MAX);
	CHECK_STR(l.a[ALARM_MAX - 1].text, "one too many");
	CHECK_STR(l.a[0].text, "alarm 1");
}

TEST_MAIN("alarm_list", {
	test_raise_keeps_time();
	test_clear();
	test_ack();
	test_bound();
})
