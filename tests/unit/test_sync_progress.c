/* twinctl status --watch: the resync bar, the speed from successive
 * out-of-sync values, the time left. */
#include "check.h"
#include "sync_progress.h"

static void test_rate(void)
{
	struct sync_rate r = {0};

	sync_rate_add(&r, 1000, 100000);
	CHECK(r.kib_s == 0); /* one sample: no speed yet */
	sync_rate_add(&r, 3000, 80000);
	CHECK(r.kib_s > 9999 && r.kib_s < 10001); /* 20000 KiB in 2 s */
	sync_rate_add(&r, 3000, 70000);		  /* same instant: ignored */
	CHECK(r.kib_s > 9999 && r.kib_s < 10001 && r.oos_kib == 80000);
	sync_rate_add(&r, 4000, 90000); /* writes outran the resync: speed kept */
	CHECK(r.kib_s > 9999 && r.kib_s < 10001 && r.oos_kib == 90000);
	sync_rate_add(&r, 5000, 70000); /* 20000 KiB/s now, smoothed with 10000 */
	CHECK(r.kib_s > 14999 && r.kib_s < 15001);
}

static void test_line(void)
{
	struct sync_rate r = {.have = 1, .kib_s = 12800};
	char out[200];

	sync_progress_line(out, sizeof(out), 500, &r, 12800 * 200, -1, 20);
	CHECK_STR(out, "[##########..........]  50.0%  12.5 MiB/s  3m 20s left");
	sync_progress_line(out, sizeof(out), 1000, &r, 0, -1, 10);
	CHECK_STR(out, "[##########] 100.0%  12.5 MiB/s  0s left");
	/* no speed yet: DRBD's own estimate, or "?" */
	struct sync_rate none = {0};
	sync_progress_line(out, sizeof(out), 123, &none, 5000, 4000, 10);
	CHECK_STR(out, "[#.........]  12.3%  ? MiB/s  1h 06m left");
	sync_progress_line(out, sizeof(out), -5, NULL, 5000, -1, 4);
	CHECK_STR(out, "[....]   0.0%  ? MiB/s  ? left");
	struct sync_rate slow = {.have = 1, .kib_s = 500};
	sync_progress_line(out, sizeof(out), 2000, &slow, 1000, -1, 4);
	CHECK_STR(out, "[####] 100.0%  500 KiB/s  2s left");
}

TEST_MAIN("sync_progress", {
	test_rate();
	test_line();
})
