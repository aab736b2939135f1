/* DRBD 9 events2: the initial "exists" picture, a resync with progress,
 * role changes, a lost connection, other resources and volumes ignored,
 * malformed lines refused, and the version line of /proc/drbd. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "drbd9.h"

static void feed(struct drbd9 *s, const char *const *lines)
{
	for (; *lines; lines++)
		drbd9_apply(s, *lines);
}

static void test_initial(void)
{
	struct drbd9 s;
	struct drbd_status st;
	static const char *const lines[] = {
	    "exists resource name:r0 role:Secondary suspended:no write-ordering:flush",
	    "exists connection name:r0 peer-node-id:1 conn-name:twin-b connection:Connected role:Primary",
	    "exists device name:r0 volume:0 minor:0 disk:UpToDate client:no quorum:yes size:65532 read:0 "
	    "written:8",
	    "exists peer-device name:r0 peer-node-id:1 conn-name:twin-b volume:0 replication:Established "
	    "peer-disk:UpToDate peer-client:no resync-suspended:no received:0 sent:0 out-of-sync:0 pending:0 "
	    "unacked:0",
	    "exists resource name:other role:Primary suspended:no",
	    "exists device name:r0 volume:1 minor:1 disk:Inconsistent client:no",
	    "exists -",
	    NULL,
	};

	drbd9_init(&s, "r0", 0);
	CHECK_EQ(drbd9_status(&s, &st), -1); /* nothing known yet */
	feed(&s, lines);
	CHECK(s.initial_done);
	CHECK_EQ(drbd9_status(&s, &st), 0);
	CHECK_EQ(st.minor, 0);
	CHECK_EQ(st.role, DRBD_ROLE_SECONDARY);
	CHECK_EQ(st.peer_role, DRBD_ROLE_PRIMARY);
	CHECK_EQ(st.disk, DRBD_DISK_UPTODATE); /* volume 1 and "other" ignored */
	CHECK_EQ(st.peer_disk, DRBD_DISK_UPTODATE);
	CHECK_STR(st.conn, "Connected");
	CHECK(!st.syncing);

	/* a resync: the replication state shows as the connection, with progress */
	CHECK_EQ(drbd9_apply(&s, "change peer-device name:r0 peer-node-id:1 conn-name:twin-b volume:0 "
				 "replication:SyncTarget peer-disk:UpToDate out-of-sync:40960 done:12.34"),
		 1);
	CHECK_EQ(drbd9_apply(&s, "change device name:r0 volume:0 minor:0 disk:Inconsistent"), 1);
	drbd9_status(&s, &st);
	CHECK_STR(st.conn, "SyncTarget");
	CHECK(st.syncing);
	CHECK_EQ(st.sync_permille, 123);
	CHECK(st.oos_kib == 40960);
	CHECK_EQ(st.disk, DRBD_DISK_INCONSISTENT);
	drbd9_apply(&s, "change peer-device name:r0 peer-node-id:1 conn-name:twin-b volume:0 "
			"replication:Established out-of-sync:0");
	drbd9_apply(&s, "change device name:r0 volume:0 minor:0 disk:UpToDate");
	drbd9_status(&s, &st);
	CHECK_STR(st.conn, "Connected");
	CHECK(!st.syncing);
	CHECK_EQ(st.disk, DRBD_DISK_UPTODATE);

	/* roles change */
	drbd9_apply(&s, "change connection name:r0 peer-node-id:1 conn-name:twin-b role:Secondary");
	drbd9_apply(&s, "change resource name:r0 role:Primary");
	drbd9_status(&s, &st);
	CHECK_EQ(st.role, DRBD_ROLE_PRIMARY);
	CHECK_EQ(st.peer_role, DRBD_ROLE_SECONDARY);

	/* the peer goes away */
	drbd9_apply(
	    &s,
	    "change connection name:r0 peer-node-id:1 conn-name:twin-b connection:Connecting role:Unknown");
	drbd9_apply(&s, "change peer-device name:r0 peer-node-id:1 conn-name:twin-b volume:0 replication:Off "
			"peer-disk:DUnknown");
	drbd9_status(&s, &st);
	CHECK_STR(st.conn, "Connecting");
	CHECK_EQ(st.peer_disk, DRBD_DISK_UNKNOWN);
	CHECK_EQ(st.peer_role, DRBD_ROLE_UNKNOWN);
	drbd9_apply(&s, "destroy peer-device name:r0 peer-node-id:1 conn-name:twin-b volume:0");
	drbd9_apply(&s, "destroy connection name:r0 peer-node-id:1 conn-name:twin-b");
	drbd9_status(&s, &st);
	CHECK_STR(st.conn, "StandAlone");
	CHECK_EQ(st.role, DRBD_ROLE_PRIMARY);

	/* the device goes away: no state */
	drbd9_apply(&s, "destroy device name:r0 volume:0 minor:0");
	CHECK_EQ(drbd9_status(&s, &st), -1);
}

static void test_lines(void)
{
	struct drbd9 s;

	drbd9_init(&s, "r0", 0);
	CHECK_EQ(drbd9_apply(&s, ""), -1);
	CHECK_EQ(drbd9_apply(&s, "garbage line"), -1);
	CHECK_EQ(drbd9_apply(&s, "change resource role:Primary"), -1); /* no name */
	CHECK_EQ(drbd9_apply(&s, "change resource name:r01 role:Primary"), 0);
	CHECK_EQ(drbd9_apply(&s, "change resource name:r0x role:Primary"), 0);
	CHECK_EQ(drbd9_apply(&s, "call helper name:r0 helper:before-resync-target"), 0);
	CHECK_EQ(drbd9_apply(&s, "change path name:r0 peer-node-id:1 established:yes"), 0);
	CHECK_EQ(s.role, DRBD_ROLE_UNKNOWN);
	/* an over-long value is not taken */
	char longline[300];
	memset(longline, 'x', sizeof(longline));
	memcpy(longline, "change connection name:r0 connection:", 38);
	longline[sizeof(longline) - 1] = 0;
	CHECK_EQ(drbd9_apply(&s, longline), 1);
	CHECK_STR(s.connection, "");
}

/* Found by tests/fuzz/fuzz_drbd9.c: a "done:" out of int range or NaN was
 * cast to int (undefined behaviour, a UBSan report); it is clamped now. */
static void test_done_range(void)
{
	static const struct {
		const char *done;
		int want;
	} cases[] = {{"1e300", 1000}, {"nan", 0},  {"-inf", 0},	   {"-12", 0},
		     {"100", 1000},   {"0.04", 0}, {"99.96", 1000}};
	struct drbd9 s;
	char line[200];

	drbd9_init(&s, "r0", 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(line, sizeof(line),
			 "change peer-device name:r0 volume:0 replication:SyncTarget done:%s", cases[i].done);
		CHECK_EQ(drbd9_apply(&s, line), 1);
		CHECK_EQ(s.done_permille, cases[i].want);
	}
}

static void test_version(void)
{
	CHECK_EQ(drbd_proc_version("version: 9.2.4 (api:2/proto:86-122)\nGIT-hash: x\n"), 9);
	CHECK_EQ(drbd_proc_version("version: 8.4.11 (api:1/proto:86-101)\nsrcversion: x\n 0: cs:Connected"),
		 8);
	CHECK_EQ(drbd_proc_version(""), 0);
	CHECK_EQ(drbd_proc_version("nothing"), 0);
}

TEST_MAIN("drbd9", {
	test_initial();
	test_lines();
	test_done_range();
	test_version();
})
