/* Split brain: the survivor proposal and the discard-zero-changes policy. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "size_fmt.h"
#include "split_brain.h"

static struct sb_side side(uint8_t id, const char *name, uint64_t written, int holds)
{
	struct sb_side s;

	memset(&s, 0, sizeof(s));
	s.known = 1;
	s.id = id;
	snprintf(s.name, sizeof(s.name), "%s", name);
	snprintf(s.disk, sizeof(s.disk), "UpToDate");
	s.written_kib = written;
	s.oos_kib = written;
	s.holds_vip = holds;
	return s;
}

static void test_format(void)
{
	char b[32];

	size_fmt_kib(0, b, sizeof(b));
	CHECK_STR(b, "0");
	size_fmt_kib(512, b, sizeof(b));
	CHECK_STR(b, "512 KiB");
	size_fmt_kib(12 * 1024, b, sizeof(b));
	CHECK_STR(b, "12 MiB");
	size_fmt_kib(3355443, b, sizeof(b)); /* 3.2 GiB */
	CHECK_STR(b, "3.2 GiB");
	size_fmt_kib(SB_UNKNOWN, b, sizeof(b));
	CHECK_STR(b, "unknown");
}

static void test_propose(void)
{
	char t[SB_TEXT_MAX];
	struct sb_side a = side(1, "a", 12 * 1024, 0), b = side(2, "b", 0, 1);

	/* the one that wrote, even if the other serves the IP */
	CHECK_EQ(sb_propose(&a, &b, t, sizeof(t)), 1);
	CHECK_STR(t, "keep a: it wrote 12 MiB since the split, b wrote 0");
	CHECK_EQ(sb_propose(&b, &a, t, sizeof(t)), 1); /* order does not matter */
	/* both wrote: the larger, and the text says what is lost */
	b.written_kib = 3 * 1024;
	CHECK_EQ(sb_propose(&a, &b, t, sizeof(t)), 1);
	CHECK_STR(t, "keep a: it wrote 12 MiB since the split, b wrote 3 MiB (b's writes are lost)");
	/* equal writes: who serves */
	b.written_kib = a.written_kib;
	CHECK_EQ(sb_propose(&a, &b, t, sizeof(t)), 2);
	/* neither wrote: who serves, nothing lost */
	a.written_kib = b.written_kib = 0;
	CHECK_EQ(sb_propose(&a, &b, t, sizeof(t)), 2);
	CHECK_STR(t, "keep b: neither node wrote since the split, nothing is lost");
	b.holds_vip = 0; /* nobody serves: the lower id */
	CHECK_EQ(sb_propose(&b, &a, t, sizeof(t)), 1);
	/* a disk that is not UpToDate never survives */
	a = side(1, "a", 99999, 1);
	b = side(2, "b", 0, 0);
	snprintf(a.disk, sizeof(a.disk), "Outdated");
	CHECK_EQ(sb_propose(&a, &b, t, sizeof(t)), 2);
	CHECK_STR(t, "keep b: a's disk is Outdated");
	/* writes unknown on one side: who serves, and the text says so */
	a = side(1, "a", SB_UNKNOWN, 0);
	b = side(2, "b", 5, 1);
	CHECK_EQ(sb_propose(&a, &b, t, sizeof(t)), 2);
	CHECK_CONTAINS(t, "unknown on a");
	/* a side not known at all: no proposal */
	b.known = 0;
	CHECK_EQ(sb_propose(&a, &b, t, sizeof(t)), 0);
	CHECK_CONTAINS(t, "no proposal: b's side is not known");
}

static void test_auto(void)
{
	struct sb_side a = side(1, "a", 12 * 1024, 0), b = side(2, "b", 0, 1);

	CHECK_EQ(sb_auto_victim(&a, &b), 2); /* b wrote nothing: it yields */
	CHECK_EQ(sb_auto_victim(&b, &a), 2);
	b.written_kib = 1;
	CHECK_EQ(sb_auto_victim(&a, &b), 0); /* both wrote: manual */
	a.written_kib = b.written_kib = 0;
	CHECK_EQ(sb_auto_victim(&a, &b), 1); /* neither: the one not serving */
	b.written_kib = SB_UNKNOWN;
	CHECK_EQ(sb_auto_victim(&a, &b), 0); /* unknown: manual */
	b.written_kib = 0;
	b.known = 0;
	CHECK_EQ(sb_auto_victim(&a, &b), 0);
	b.known = 1;
	snprintf(b.disk, sizeof(b.disk), "Inconsistent");
	CHECK_EQ(sb_auto_victim(&a, &b), 0);
}

TEST_MAIN("split_brain", {
	test_format();
	test_propose();
	test_auto();
})
