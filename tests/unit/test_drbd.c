/* drbd: /proc/drbd (8.4) parsing, the promote rule, the overview line, and
 * drbdadm run asynchronously (a fake drbdadm on PATH). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "drbd.h"

static const char *const syncing =
    "version: 8.4.11 (api:1/proto:86-101)\n"
    "srcversion: F73C670A7EC572DB9CF3E5B \n"
    " 0: cs:SyncSource ro:Primary/Secondary ds:UpToDate/Inconsistent C r-----\n"
    "    ns:12344 nr:0 dw:0 dr:12344 al:8 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:53200\n"
    "\t[==>.................] sync'ed: 18.9% (53200/65496)K\n"
    "\tfinish: 0:01:05 speed: 9,444 (9,444) K/sec\n"
    " 1: cs:WFConnection ro:Secondary/Unknown ds:Outdated/DUnknown C r----s\n"
    "    ns:0 nr:0 dw:0 dr:0 al:8 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:65496\n"
    " 2: cs:Unconfigured\n";

static const char *const connected =
    "version: 8.4.11 (api:1/proto:86-101)\n"
    " 0: cs:Connected ro:Secondary/Primary ds:UpToDate/UpToDate C r-----\n"
    "    ns:0 nr:65496 dw:65496 dr:0 al:8 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0\n";

/* after a split brain: StandAlone, the local writes counted in dw: and oos: */
static const char *const standalone =
    "version: 8.4.11 (api:1/proto:86-101)\n"
    " 0: cs:StandAlone ro:Primary/Unknown ds:UpToDate/DUnknown   r-----\n"
    "    ns:0 nr:65496 dw:77784 dr:0 al:12 bm:3 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:12288\n";

static void test_parse_written(void)
{
	struct drbd_status st;

	CHECK_EQ(drbd_parse_proc(connected, 0, &st), 0);
	CHECK_EQ(st.written_kib, 65496);
	CHECK_EQ(drbd_parse_proc(standalone, 0, &st), 0);
	CHECK_STR(st.conn, "StandAlone");
	CHECK_EQ(st.written_kib, 77784);
	CHECK_EQ(st.oos_kib, 12288);
	CHECK_EQ(st.peer_disk, DRBD_DISK_UNKNOWN);
	CHECK_EQ(drbd_parse_proc(syncing, 1, &st), 0);
	CHECK_EQ(st.written_kib, 0);
}

static void test_parse_syncing(void)
{
	struct drbd_status st;

	CHECK_EQ(drbd_parse_proc(syncing, 0, &st), 0);
	CHECK_STR(st.conn, "SyncSource");
	CHECK_EQ(st.role, DRBD_ROLE_PRIMARY);
	CHECK_EQ(st.peer_role, DRBD_ROLE_SECONDARY);
	CHECK_EQ(st.disk, DRBD_DISK_UPTODATE);
	CHECK_EQ(st.peer_disk, DRBD_DISK_INCONSISTENT);
	CHECK_EQ(st.protocol, 'C');
	CHECK_EQ(st.oos_kib, 53200);
	CHECK_EQ(st.syncing, 1);
	CHECK_EQ(st.sync_permille, 189);
	CHECK_EQ(st.finish_s, 65);
	CHECK_EQ(st.speed_kib, 9444);

	/* device 1's details must not leak into device 0 and back */
	CHECK_EQ(drbd_parse_proc(syncing, 1, &st), 0);
	CHECK_STR(st.conn, "WFConnection");
	CHECK_EQ(st.role, DRBD_ROLE_SECONDARY);
	CHECK_EQ(st.peer_role, DRBD_ROLE_UNKNOWN);
	CHECK_EQ(st.disk, DRBD_DISK_OUTDATED);
	CHECK_EQ(st.peer_disk, DRBD_DISK_UNKNOWN);
	CHECK_EQ(st.oos_kib, 65496);
	CHECK_EQ(st.syncing, 0);

	CHECK_EQ(drbd_parse_proc(syncing, 2, &st), 0);
	CHECK_STR(st.conn, "Unconfigured");
	CHECK_EQ(drbd_parse_proc(syncing, 3, &st), -1);
	CHECK_EQ(drbd_parse_proc("", 0, &st), -1);
	CHECK_EQ(drbd_parse_proc("version: 8.4.11\n", 0, &st), -1);
}

static void test_promote_rule(void)
{
	struct drbd_status st;
	char why[128] = "";

	drbd_parse_proc(connected, 0, &st);
	CHECK_EQ(drbd_can_promote(&st, 0, why, sizeof(why)), 1);

	drbd_parse_proc(syncing, 1, &st); /* Outdated */
	CHECK_EQ(drbd_can_promote(&st, 0, why, sizeof(why)), 0);
	CHECK(strstr(why, "Outdated") != NULL);
	/* Outdated: never, even forced, and it says what that would lose */
	CHECK_EQ(drbd_can_promote(&st, 1, why, sizeof(why)), 0);
	CHECK(strstr(why, "lacks the writes made on the peer") != NULL);
	st.disk = DRBD_DISK_INCONSISTENT;
	CHECK_EQ(drbd_can_promote(&st, 1, why, sizeof(why)), 0);
	CHECK(strstr(why, "partial") != NULL);
	st.disk = DRBD_DISK_CONSISTENT;
	CHECK_EQ(drbd_can_promote(&st, 0, why, sizeof(why)), 0);
	CHECK_EQ(drbd_can_promote(&st, 1, why, sizeof(why)), 1);
	CHECK(strstr(why, "forced") != NULL);

	st.disk = DRBD_DISK_DISKLESS; /* even forced: there is no data */
	CHECK_EQ(drbd_can_promote(&st, 1, why, sizeof(why)), 0);

	drbd_parse_proc(syncing, 2, &st);
	CHECK_EQ(drbd_can_promote(&st, 1, why, sizeof(why)), 0);
	CHECK(strstr(why, "not configured") != NULL);
}

static void test_format(void)
{
	struct drbd_status st;
	char line[200];

	drbd_parse_proc(connected, 0, &st);
	drbd_format(&st, "r0", line, sizeof(line));
	CHECK_STR(line, "0:r0 Connected Secondary/Primary UpToDate/UpToDate C");
	drbd_parse_proc(syncing, 0, &st);
	drbd_format(&st, "r0", line, sizeof(line));
	CHECK_STR(line,
		  "0:r0 SyncSource Primary/Secondary UpToDate/Inconsistent C oos 53200 KiB, sync 18.9%, "
		  "0:01:05 left at 9444 KiB/s");
	drbd_format(&st, "r0", line, 10); /* truncates, never overflows */
	CHECK_EQ(strlen(line), 9);
}

/* runs drbd_ctl to completion against a fake drbdadm */
static int run_ctl(enum drbd_op op, const char *res, int *ok, char *msg, size_t len)
{
	struct drbd_ctl c;
	char err[160];
	int ep = epoll_create1(EPOLL_CLOEXEC), done = 0;

	drbd_ctl_init(&c);
	if (drbd_ctl_start(&c, ep, 7, res, op, err, sizeof(err)) < 0) {
		close(ep);
		return -1;
	}
	CHECK_EQ(drbd_ctl_start(&c, ep, 7, res, op, err, sizeof(err)), -1); /* one at a time */
	for (int i = 0; i < 500 && !done; i++) {
		struct epoll_event ev;

		if (epoll_wait(ep, &ev, 1, 20) == 1)
			CHECK_EQ(ev.data.u64, 7);
		done = drbd_ctl_check(&c, ok, msg, len);
	}
	close(ep);
	return done ? 0 : -1;
}

static void test_ctl(void)
{
	char dir[] = "/tmp/twin-drbd-XXXXXX", path[300], log[300], msg[256], buf[256] = "";
	const char *old = getenv("PATH");
	char newpath[1024];
	FILE *f;
	int ok = -1;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/drbdadm", dir);
	snprintf(log, sizeof(log), "%s/args", dir);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	/* records its arguments; refuses resource "bad" like drbdadm does */
	fprintf(
	    f,
	    "#!/bin/sh\necho \"$*\" >>%s\n[ \"$2\" = bad ] || [ \"$3\" = bad ] && "
	    "{ echo '0: State change failed: (-2) Need access to UpToDate data' >&2; exit 11; }\nexit 0\n",
	    log);
	fclose(f);
	chmod(path, 0755);
	snprintf(newpath, sizeof(newpath), "%s:%s", dir, old ? old : "/usr/bin:/bin");
	setenv("PATH", newpath, 1);

	CHECK_EQ(run_ctl(DRBD_PROMOTE, "r0", &ok, msg, sizeof(msg)), 0);
	CHECK_EQ(ok, 1);
	CHECK_STR(msg, "drbdadm primary r0: ok");
	CHECK_EQ(run_ctl(DRBD_DEMOTE, "r0", &ok, msg, sizeof(msg)), 0);
	CHECK_EQ(ok, 1);
	CHECK_EQ(run_ctl(DRBD_PROMOTE_FORCE, "r0", &ok, msg, sizeof(msg)), 0);
	CHECK_STR(msg, "drbdadm primary --force r0: ok");
	CHECK_EQ(run_ctl(DRBD_CONNECT_DISCARD, "r0", &ok, msg, sizeof(msg)), 0);
	CHECK_STR(msg, "drbdadm connect --discard-my-data r0: ok");
	CHECK_EQ(run_ctl(DRBD_OUTDATE, "r0", &ok, msg, sizeof(msg)), 0);
	CHECK_STR(msg, "drbdadm outdate r0: ok");
	CHECK_EQ(run_ctl(DRBD_PROMOTE, "bad", &ok, msg, sizeof(msg)), 0);
	CHECK_EQ(ok, 0);
	CHECK_STR(
	    msg, "drbdadm primary bad: exited 11: 0: State change failed: (-2) Need access to UpToDate data");
	/* a resource name with shell syntax is passed as one argument */
	CHECK_EQ(run_ctl(DRBD_DEMOTE, "x;touch pwned", &ok, msg, sizeof(msg)), 0);

	f = fopen(log, "r");
	CHECK(f != NULL);
	if (f) {
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);
		buf[n] = '\0';
		fclose(f);
	}
	CHECK_STR(buf,
		  "primary r0\nsecondary r0\nprimary --force r0\nconnect --discard-my-data r0\noutdate r0\n"
		  "primary bad\nsecondary x;touch pwned\n");
	setenv("PATH", old ? old : "/usr/bin:/bin", 1);
	unlink(log);
	unlink(path);
	rmdir(dir);
}

TEST_MAIN("drbd", {
	test_parse_syncing();
	test_parse_written();
	test_promote_rule();
	test_format();
	test_ctl();
})
