/* notify: the keepalived mapping, what a hook is run with, and real hooks:
 * arguments and environment as a script sees them, a hung hook killed
 * while notify_state returns at once and later hooks still run, order. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "node_state.h"
#include "notify.h"

static char tmpdir[64];

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* The daemon's loop, until every hook ran or max_ms. Returns the time it
 * took, or -1. */
static int pump(struct notify *n, int max_ms)
{
	uint64_t start = now_ms();

	for (;;) {
		struct pollfd p = {.fd = notify_fd(n), .events = POLLIN};
		int left = (int)(start + (uint64_t)max_ms - now_ms());

		if (notify_idle(n))
			return (int)(now_ms() - start);
		if (left <= 0)
			return -1;
		if (poll(&p, 1, left) > 0)
			CHECK_EQ(notify_dispatch(n, now_ms()), 0);
	}
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 65536);
	size_t len;

	if (!f)
		return buf;
	len = fread(buf, 1, 65535, f);
	buf[len] = '\0';
	fclose(f);
	return buf;
}

static void write_script(const char *path, const char *body)
{
	FILE *f = fopen(path, "w");

	CHECK(f != NULL);
	if (!f)
		return;
	fprintf(f, "#!/bin/sh\n%s", body);
	fclose(f);
	chmod(path, 0755);
}

static void base_cfg(struct twin_config *c)
{
	config_defaults(c);
	snprintf(c->node_name, sizeof(c->node_name), "twin-a");
	c->priority = 150;
}

static struct notify *open_cfg(const struct twin_config *c)
{
	struct notify *n = NULL;
	char err[256] = "";

	CHECK_EQ(notify_open(&n, c, err, sizeof(err)), 0);
	if (!n)
		fprintf(stderr, "notify_open: %s\n", err);
	return n;
}

static void test_mapping(void)
{
	CHECK_EQ(notify_ka_state(NS_ACTIVE), NOTIFY_KA_MASTER);
	CHECK_EQ(notify_ka_state(NS_STANDBY), NOTIFY_KA_BACKUP);
	CHECK_EQ(notify_ka_state(NS_IDLE), NOTIFY_KA_BACKUP);
	CHECK_EQ(notify_ka_state(NS_INACTIVE), NOTIFY_KA_FAULT);
	CHECK_EQ(notify_ka_state(NS_SPLIT_BRAIN), NOTIFY_KA_FAULT);
	CHECK_EQ(notify_ka_state(NOTIFY_SHUTDOWN), NOTIFY_KA_STOP);
	CHECK_EQ(notify_ka_state(NS_INITIALIZING), NOTIFY_KA_NONE);
	CHECK_EQ(notify_ka_state(NS_ACTIVATING), NOTIFY_KA_NONE);
	CHECK_EQ(notify_ka_state(NS_COUNT), NOTIFY_KA_NONE);
	CHECK_EQ(notify_ka_state(-7), NOTIFY_KA_NONE);
	CHECK_STR(notify_ka_name(NOTIFY_KA_MASTER), "MASTER");
	CHECK_STR(notify_ka_name(NOTIFY_KA_BACKUP), "BACKUP");
	CHECK_STR(notify_ka_name(NOTIFY_KA_FAULT), "FAULT");
	CHECK_STR(notify_ka_name(NOTIFY_KA_STOP), "STOP");
	CHECK_STR(notify_ka_name(NOTIFY_KA_NONE), "");
	CHECK_STR(notify_twin_name(NS_SPLIT_BRAIN), "SplitBrain");
	CHECK_STR(notify_twin_name(NOTIFY_SHUTDOWN), "Shutdown");
}

static int env_count(char **envp, const char *prefix)
{
	int k = 0;

	for (; *envp; envp++)
		k += !strncmp(*envp, prefix, strlen(prefix));
	return k;
}

static void test_build(void)
{
	char *base[] = {"PATH=/usr/bin:/bin", "TWIN_STATE=stale", "TWIN_EPOCH=1", "TWIN_STATEX=kept", NULL};
	struct notify_event ev = {.from = NS_STANDBY, .to = NS_ACTIVE, .epoch = 18446744073709551615ull};
	struct notify_exec x;

	snprintf(ev.reason, sizeof(ev.reason), "peer dead\n(silent 20 ms)\x01");
	CHECK_EQ(notify_exec_build(&x, "/etc/twin/notify.sh --flag", 1, "twin-a", 150, &ev, base), 0);
	CHECK_STR(x.argv[0], "sh");
	CHECK_STR(x.argv[1], "-c");
	CHECK_STR(x.argv[2], "/etc/twin/notify.sh --flag \"$@\"");
	CHECK_STR(x.argv[3], "sh");
	CHECK_STR(x.argv[4], "INSTANCE");
	CHECK_STR(x.argv[5], "twin-a");
	CHECK_STR(x.argv[6], "MASTER");
	CHECK_STR(x.argv[7], "150");
	CHECK(x.argv[8] == NULL);
	/* ours replace inherited ones; look-alikes and the rest are kept */
	CHECK_EQ(env_count(x.envp, "TWIN_STATE="), 1);
	CHECK_EQ(env_count(x.envp, "TWIN_EPOCH="), 1);
	CHECK_EQ(env_count(x.envp, "TWIN_STATEX=kept"), 1);
	CHECK_EQ(env_count(x.envp, "PATH=/usr/bin:/bin"), 1);
	CHECK_EQ(env_count(x.envp, "TWIN_STATE=Active"), 1);
	CHECK_EQ(env_count(x.envp, "TWIN_PREV_STATE=Standby"), 1);
	CHECK_EQ(env_count(x.envp, "TWIN_REASON=peer dead?(silent 20 ms)?"), 1);
	CHECK_EQ(env_count(x.envp, "TWIN_NODE=twin-a"), 1);
	CHECK_EQ(env_count(x.envp, "TWIN_EPOCH=18446744073709551615"), 1);
	{
		int k = 0;

		while (x.envp[k])
			k++;
		CHECK_EQ(k, 7); /* PATH, TWIN_STATEX and our five */
	}
	notify_exec_free(&x);

	/* a specific hook: no arguments; shutdown is STOP / "Shutdown" */
	ev.from = NS_INACTIVE;
	ev.to = NOTIFY_SHUTDOWN;
	ev.epoch = 7;
	ev.reason[0] = '\0';
	CHECK_EQ(notify_exec_build(&x, "systemctl stop foo", 0, "b", 1, &ev, NULL), 0);
	CHECK_STR(x.argv[2], "systemctl stop foo");
	CHECK(x.argv[3] == NULL);
	CHECK_STR(x.envp[0], "TWIN_STATE=Shutdown");
	CHECK_STR(x.envp[1], "TWIN_PREV_STATE=Inactive");
	CHECK_STR(x.envp[2], "TWIN_REASON=");
	CHECK_STR(x.envp[3], "TWIN_NODE=b");
	CHECK_STR(x.envp[4], "TWIN_EPOCH=7");
	CHECK(x.envp[5] == NULL);
	notify_exec_free(&x);

	/* the generic hook's STATE follows the target */
	ev.to = NS_IDLE;
	CHECK_EQ(notify_exec_build(&x, "h", 1, "b", 1, &ev, NULL), 0);
	CHECK_STR(x.argv[6], "BACKUP");
	notify_exec_free(&x);
}

/* A script sees keepalived's arguments and our environment. */
static void test_real_args(void)
{
	char rec[128], out[128], cmd[300];
	struct twin_config c;
	struct notify *n;
	char *got;

	snprintf(rec, sizeof(rec), "%s/rec.sh", tmpdir);
	snprintf(out, sizeof(out), "%s/rec.out", tmpdir);
	write_script(
	    rec,
	    "out=$1; shift\n"
	    "{ echo \"args=$#:$*\"; echo \"state=$TWIN_STATE prev=$TWIN_PREV_STATE\";\n"
	    "  echo \"reason=$TWIN_REASON\"; echo \"node=$TWIN_NODE epoch=$TWIN_EPOCH\"; } >> \"$out\"\n");
	base_cfg(&c);
	snprintf(c.notify, sizeof(c.notify), "%s %s", rec, out);
	snprintf(c.notify_master, sizeof(c.notify_master), "%s %s", rec, out);
	snprintf(cmd, sizeof(cmd), "echo backup-ran >> %s", out);
	snprintf(c.notify_backup, sizeof(c.notify_backup), "%s", cmd);
	n = open_cfg(&c);
	if (!n)
		return;
	CHECK_EQ(notify_state(n, NS_STANDBY, NS_ACTIVE, "peer dead: all paths silent", 41), 2);
	CHECK(pump(n, 3000) >= 0);
	got = slurp(out);
	CHECK_STR(got, "args=0:\n"
		       "state=Active prev=Standby\n"
		       "reason=peer dead: all paths silent\n"
		       "node=twin-a epoch=41\n"
		       "args=4:INSTANCE twin-a MASTER 150\n"
		       "state=Active prev=Standby\n"
		       "reason=peer dead: all paths silent\n"
		       "node=twin-a epoch=41\n");
	free(got);

	/* Same keepalived state: nothing. Initializing/Activating: nothing. */
	CHECK_EQ(notify_state(n, NS_ACTIVE, NS_ACTIVATING, "x", 41), 0);
	CHECK_EQ(notify_state(n, NS_ACTIVATING, NS_ACTIVE, "x", 41), 0);
	/* a new keepalived state with no specific hook still calls "notify" */
	CHECK_EQ(notify_state(n, NS_ACTIVE, NS_INACTIVE, "local health failed", 41), 1);
	CHECK_EQ(notify_state(n, NS_INACTIVE, NS_SPLIT_BRAIN, "both active", 41), 0);
	CHECK_EQ(notify_state(n, NS_SPLIT_BRAIN, NS_STANDBY, "resolved", 42), 2);
	CHECK_EQ(notify_state(n, NS_STANDBY, NS_IDLE, "admin", 42), 0);
	CHECK_EQ(notify_state(n, NS_IDLE, NOTIFY_SHUTDOWN, "twind stopping", 42), 1);
	CHECK_EQ(notify_drain(n, 3000), 1);
	got = slurp(out);
	CHECK_CONTAINS(got, "args=4:INSTANCE twin-a MASTER 150\n"
			    "state=Active prev=Standby\n"
			    "reason=peer dead: all paths silent\n"
			    "node=twin-a epoch=41\n"
			    "args=4:INSTANCE twin-a FAULT 150\n"
			    "state=Inactive prev=Active\n"
			    "reason=local health failed\n"
			    "node=twin-a epoch=41\n"
			    "backup-ran\n"
			    "args=4:INSTANCE twin-a BACKUP 150\n"
			    "state=Standby prev=SplitBrain\n"
			    "reason=resolved\n"
			    "node=twin-a epoch=42\n"
			    "args=4:INSTANCE twin-a STOP 150\n"
			    "state=Shutdown prev=Idle\n");
	free(got);
	{
		struct notify_stats st;

		notify_get_stats(n, &st);
		CHECK_EQ(st.started, 6u);
		CHECK_EQ(st.failed, 0u);
		CHECK_EQ(st.timeouts, 0u);
	}
	notify_close(n);
}

static pid_t read_pid(const char *path)
{
	FILE *f = fopen(path, "r");
	int pid = 0;

	if (f) {
		if (fscanf(f, "%d", &pid) != 1)
			pid = 0;
		fclose(f);
	}
	return pid;
}

static int gone_or_zombie(pid_t pid)
{
	char path[64], buf[256], *p;
	FILE *f;
	int r;

	if (kill(pid, 0) < 0 && errno == ESRCH)
		return 1;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 1;
	r = fgets(buf, sizeof(buf), f) != NULL;
	fclose(f);
	p = r ? strrchr(buf, ')') : NULL;
	return p && p[1] == ' ' && p[2] == 'Z';
}

/* A hook that hangs never holds anything up: notify_state returns at once,
 * the hook and what it started are killed at the time-out, and the hooks
 * queued behind it still run. */
static void test_hang(void)
{
	char out[128], pf[128], gpf[128];
	struct twin_config c;
	struct notify_stats st;
	struct notify *n;
	uint64_t t0, dt;
	pid_t pid, gpid;
	int fds = count_fds(), t;
	char *got;

	snprintf(out, sizeof(out), "%s/hang.out", tmpdir);
	snprintf(pf, sizeof(pf), "%s/hang.pid", tmpdir);
	snprintf(gpf, sizeof(gpf), "%s/hang.gpid", tmpdir);
	base_cfg(&c);
	c.notify_timeout_ms = 200;
	snprintf(c.notify_master, sizeof(c.notify_master), "echo $$ > %s; sleep 10 & echo $! > %s; wait", pf,
		 gpf);
	snprintf(c.notify_backup, sizeof(c.notify_backup), "echo backup $TWIN_EPOCH >> %s", out);
	snprintf(c.notify_fault, sizeof(c.notify_fault), "echo fault $TWIN_EPOCH >> %s", out);
	n = open_cfg(&c);
	if (!n)
		return;
	t0 = now_ms();
	CHECK_EQ(notify_state(n, NS_STANDBY, NS_ACTIVE, "takeover", 1), 1);
	CHECK(pump(n, 50) < 0); /* it hangs */
	CHECK_EQ(notify_state(n, NS_ACTIVE, NS_INACTIVE, "health", 1), 1);
	CHECK_EQ(notify_state(n, NS_INACTIVE, NS_STANDBY, "health back", 2), 1);
	dt = now_ms() - t0;
	CHECK(dt < 150); /* the hook was running all along: nobody waited */
	t = pump(n, 2000);
	CHECK(t >= 0);
	dt = now_ms() - t0;
	CHECK(dt >= 190 && dt < 1000);
	got = slurp(out);
	CHECK_STR(got, "fault 1\nbackup 2\n");
	free(got);
	pid = read_pid(pf);
	gpid = read_pid(gpf);
	CHECK(pid > 1 && gpid > 1);
	if (pid > 1)
		CHECK(kill(pid, 0) < 0 && errno == ESRCH); /* killed and reaped */
	if (gpid > 1)
		CHECK(gone_or_zombie(gpid)); /* its background child too */
	notify_get_stats(n, &st);
	CHECK_EQ(st.timeouts, 1u);
	CHECK_EQ(st.started, 3u);
	CHECK_EQ(st.failed, 0u);

	/* a failing hook is counted; closing with one running kills it */
	notify_close(n);
	CHECK_EQ(count_fds(), fds);
	snprintf(c.notify_master, sizeof(c.notify_master), "echo broken >&2; exit 3");
	snprintf(c.notify_backup, sizeof(c.notify_backup), "echo $$ > %s; exec sleep 10", pf);
	unlink(pf);
	n = open_cfg(&c);
	if (!n)
		return;
	notify_state(n, NS_STANDBY, NS_ACTIVE, "x", 3);
	CHECK(pump(n, 1000) >= 0);
	notify_get_stats(n, &st);
	CHECK_EQ(st.failed, 1u);
	notify_state(n, NS_ACTIVE, NS_STANDBY, "x", 3);
	pump(n, 100);
	pid = read_pid(pf);
	CHECK(pid > 1);
	CHECK_EQ(notify_idle(n), 0);
	t0 = now_ms();
	notify_close(n);
	CHECK(now_ms() - t0 < 300);
	if (pid > 1)
		CHECK(kill(pid, 0) < 0 && errno == ESRCH);
	CHECK_EQ(count_fds(), fds);
}

/* Many quick events: every hook runs, in order; past the queue's size the
 * oldest waiting ones are dropped, never the newest. */
static void test_order(void)
{
	static const int seq[] = {NS_ACTIVE, NS_STANDBY, NS_INACTIVE};
	static const char *const ka[] = {"MASTER", "BACKUP", "FAULT"};
	char out[128], want[2048];
	struct twin_config c;
	struct notify_stats st;
	struct notify *n;
	size_t o = 0;
	char *got;
	int i, prev = NS_STANDBY;

	snprintf(out, sizeof(out), "%s/order.out", tmpdir);
	base_cfg(&c);
	snprintf(c.notify, sizeof(c.notify), "out=%s; f() { echo \"$3 $TWIN_EPOCH\" >> $out; }; f", out);
	n = open_cfg(&c);
	if (!n)
		return;
	/* 12 events, each dispatched a little: hooks overlap with new events */
	for (i = 0; i < 12; i++) {
		CHECK_EQ(notify_state(n, prev, seq[i % 3], "flap", (uint64_t)i), 1);
		prev = seq[i % 3];
		o += (size_t)snprintf(want + o, sizeof(want) - o, "%s %d\n", ka[i % 3], i);
		pump(n, 2);
	}
	CHECK(pump(n, 5000) >= 0);
	got = slurp(out);
	CHECK_STR(got, want);
	free(got);

	/* 20 at once, nothing dispatched in between: the last 16 run */
	unlink(out);
	o = 0;
	for (i = 0; i < 20; i++) {
		CHECK_EQ(notify_state(n, prev, seq[i % 3], "flap", (uint64_t)(100 + i)), 1);
		prev = seq[i % 3];
		if (i >= 20 - NOTIFY_QUEUE_MAX)
			o += (size_t)snprintf(want + o, sizeof(want) - o, "%s %d\n", ka[i % 3], 100 + i);
	}
	CHECK(pump(n, 8000) >= 0);
	got = slurp(out);
	CHECK_STR(got, want);
	free(got);
	notify_get_stats(n, &st);
	CHECK_EQ(st.dropped, 20u - NOTIFY_QUEUE_MAX);
	CHECK_EQ(st.started, 12u + NOTIFY_QUEUE_MAX);
	notify_close(n);
}

static void test_no_hooks(void)
{
	struct twin_config c;
	struct notify *n;

	base_cfg(&c);
	n = open_cfg(&c);
	if (!n)
		return;
	CHECK(notify_fd(n) >= 0);
	CHECK_EQ(notify_state(n, NS_STANDBY, NS_ACTIVE, "x", 1), 0);
	CHECK_EQ(notify_idle(n), 1);
	CHECK_EQ(pump(n, 50), 0);
	notify_close(n);
	notify_close(NULL);
}

TEST_MAIN("notify", {
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/twin-notify-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_mapping();
	test_build();
	test_real_args();
	test_hang();
	test_order();
	test_no_hooks();
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tmpdir);
	}
})
