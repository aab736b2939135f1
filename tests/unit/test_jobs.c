/* jobs: real jobs from a real crontab file. They run only while active
 * (@reboot at activation, due runs on a fake wall clock, jobs_run_now), one
 * instance at a time, stopped at their time limit or at their next run,
 * and killed on release within 2.5 s even when they ignore SIGTERM. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "jobs.h"

static char tmpdir[64];
static time_t fake_now;

static time_t fake_clock(void)
{
	return fake_now;
}

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

/* The daemon's loop for max_ms, or until job idx stops running (idx >= 0).
 * Returns the time it took for the job to end, or -1. */
static int pump(struct jobs *j, int max_ms, int idx)
{
	uint64_t start = now_ms();

	for (;;) {
		struct pollfd p = {.fd = jobs_fd(j), .events = POLLIN};
		int left = (int)(start + (uint64_t)max_ms - now_ms());

		if (idx >= 0 && !jobs_running(j, (size_t)idx))
			return (int)(now_ms() - start);
		if (left <= 0)
			return -1;
		if (poll(&p, 1, left) > 0)
			CHECK_EQ(jobs_dispatch(j, now_ms()), 0);
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

static int count_str(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
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

static int alive(pid_t pid)
{
	char path[64], buf[256], *p;
	FILE *f;
	int r;

	if (pid <= 1 || (kill(pid, 0) < 0 && errno == ESRCH))
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	r = fgets(buf, sizeof(buf), f) != NULL;
	fclose(f);
	p = r ? strrchr(buf, ')') : NULL;
	return !(p && p[1] == ' ' && p[2] == 'Z');
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static struct jobs *open_tab(const char *tab, uint32_t timeout_ms)
{
	struct twin_config c;
	struct jobs *j = NULL;
	char err[256] = "";

	config_defaults(&c);
	snprintf(c.active_jobs, sizeof(c.active_jobs), "%s/tab", tmpdir);
	write_file(c.active_jobs, tab);
	c.active_jobs_timeout_ms = timeout_ms;
	CHECK_EQ(jobs_open(&j, &c, err, sizeof(err)), 0);
	if (!j)
		fprintf(stderr, "jobs_open: %s\n", err);
	return j;
}

/* Only while active; @reboot at activation; env lines; never twice at
 * once; release kills a job that ignores SIGTERM within 2.5 s. */
static void test_active_only(void)
{
	char tab[1024], out[128], pf[128];
	struct jobs_stats st;
	struct jobs *j;
	char *got;
	int t, fds = count_fds();
	pid_t pid;
	uint64_t t0;

	snprintf(out, sizeof(out), "%s/out", tmpdir);
	snprintf(pf, sizeof(pf), "%s/pid", tmpdir);
	snprintf(tab, sizeof(tab),
		 "# test jobs\n"
		 "GREETING=hi there\n"
		 "* * * * * echo \"minute $GREETING\" >> %s\n"
		 "@reboot echo reboot >> %s\n"
		 "0 0 1 1 * trap '' TERM; echo $$ > %s; while :; do sleep 0.05; done\n",
		 out, out, pf);
	j = open_tab(tab, 0);
	if (!j)
		return;
	CHECK_EQ(jobs_count(j), 3u);
	CHECK_EQ(jobs_line(j, 0), 3u);
	CHECK_EQ(jobs_line(j, 2), 5u);
	fake_now = 1717243200; /* 2024-06-01 12:00:00 UTC */
	jobs_set_clock(j, fake_clock);

	/* standby: nothing runs, whatever the time */
	CHECK_EQ(jobs_active(j), 0);
	CHECK_EQ(jobs_next_run(j, 0), (time_t)-1);
	CHECK_EQ(jobs_run_now(j, 0), -1);
	fake_now += 3600;
	CHECK_EQ(jobs_dispatch(j, now_ms()), 0);
	pump(j, 100, -1);
	got = slurp(out);
	CHECK_STR(got, "");
	free(got);

	/* active: @reboot now, the every-minute job at the next minute */
	jobs_set_active(j, 1);
	CHECK_EQ(jobs_active(j), 1);
	CHECK_EQ(jobs_next_run(j, 0), fake_now + 60);
	CHECK_EQ(jobs_next_run(j, 1), (time_t)-1);
	pump(j, 300, -1);
	got = slurp(out);
	CHECK_STR(got, "reboot\n");
	free(got);
	fake_now += 59;
	jobs_dispatch(j, now_ms());
	pump(j, 100, -1);
	got = slurp(out);
	CHECK_STR(got, "reboot\n"); /* not yet */
	free(got);
	fake_now += 1;
	jobs_dispatch(j, now_ms());
	pump(j, 300, -1);
	got = slurp(out);
	CHECK_STR(got, "reboot\nminute hi there\n");
	free(got);
	CHECK_EQ(jobs_next_run(j, 0), fake_now + 60);
	CHECK_EQ(jobs_run_now(j, 0), 0);
	pump(j, 1000, 0);
	got = slurp(out);
	CHECK_EQ(count_str(got, "minute hi there\n"), 2);
	free(got);
	jobs_get_stats(j, 0, &st);
	CHECK_EQ(st.runs, 2u);
	CHECK_EQ(st.failed, 0u);
	CHECK_EQ(st.last_status, 0);

	/* one instance at a time */
	CHECK_EQ(jobs_run_now(j, 2), 0);
	CHECK_EQ(jobs_running(j, 2), 1);
	CHECK_EQ(jobs_run_now(j, 2), 1);
	pump(j, 200, -1);
	pid = read_pid(pf);
	CHECK(alive(pid));
	jobs_get_stats(j, 2, &st);
	CHECK_EQ(st.runs, 1u);
	CHECK_EQ(st.skipped, 1u);

	/* release: SIGTERM is ignored, SIGKILL follows at 2 s */
	t0 = now_ms();
	jobs_set_active(j, 0);
	CHECK(now_ms() - t0 < 50);
	t = pump(j, 3000, 2);
	CHECK(t >= 1900 && t < 2500);
	CHECK(!alive(pid));
	if (pid > 1) {
		errno = 0;
		CHECK(waitpid(pid, NULL, WNOHANG) < 0 && errno == ECHILD); /* reaped */
	}
	jobs_get_stats(j, 2, &st);
	CHECK_EQ(st.failed, 0u); /* we stopped it: not its failure */
	CHECK(WIFSIGNALED(st.last_status) && WTERMSIG(st.last_status) == SIGKILL);

	/* and nothing runs again until active */
	CHECK_EQ(jobs_run_now(j, 0), -1);
	CHECK_EQ(jobs_next_run(j, 0), (time_t)-1);
	fake_now += 600;
	jobs_dispatch(j, now_ms());
	pump(j, 100, -1);
	got = slurp(out);
	CHECK_EQ(count_str(got, "minute"), 2);
	CHECK_EQ(count_str(got, "reboot"), 1);
	free(got);

	/* active again: @reboot again */
	jobs_set_active(j, 1);
	pump(j, 300, -1);
	got = slurp(out);
	CHECK_EQ(count_str(got, "reboot"), 2);
	free(got);
	jobs_close(j);
	CHECK_EQ(count_fds(), fds);
	unlink(out);
}

/* Default limit: a job still running at its next run is stopped, and the
 * new run starts once it is gone. A plain job dies at SIGTERM. */
static void test_into_next_run(void)
{
	char tab[512], pf[128];
	struct jobs_stats st;
	struct jobs *j;
	pid_t p1, p2;
	int t;

	snprintf(pf, sizeof(pf), "%s/pid2", tmpdir);
	snprintf(tab, sizeof(tab), "*/5 * * * * echo $$ > %s; exec sleep 30\n", pf);
	j = open_tab(tab, 0);
	if (!j)
		return;
	fake_now = 1717243200 + 30; /* 12:00:30 */
	jobs_set_clock(j, fake_clock);
	jobs_set_active(j, 1);
	CHECK_EQ(jobs_next_run(j, 0), 1717243200 + 300);
	fake_now = 1717243200 + 300;
	jobs_dispatch(j, now_ms());
	pump(j, 200, -1);
	CHECK_EQ(jobs_running(j, 0), 1);
	p1 = read_pid(pf);
	CHECK(alive(p1));
	fake_now += 300; /* 12:10, still running */
	jobs_dispatch(j, now_ms());
	t = pump(j, 1000, -1);
	CHECK_EQ(t, -1);
	p2 = read_pid(pf);
	CHECK(p2 != p1 && alive(p2));
	CHECK(!alive(p1));
	jobs_get_stats(j, 0, &st);
	CHECK_EQ(st.runs, 2u);
	CHECK_EQ(st.timeouts, 1u);
	CHECK_EQ(st.skipped, 0u);
	CHECK_EQ(jobs_running(j, 0), 1);
	jobs_close(j); /* kills the second */
	CHECK(!alive(p2));
}

/* Explicit limit: stopped at active_jobs_timeout; a run that comes while
 * it still runs is skipped. Failures are counted. */
static void test_timeout(void)
{
	char tab[512];
	struct jobs_stats st;
	struct jobs *j;
	int t;

	snprintf(tab, sizeof(tab), "* * * * * exec sleep 30\n@reboot echo broken >&2; exit 4\n");
	j = open_tab(tab, 300);
	if (!j)
		return;
	fake_now = 1717243200;
	jobs_set_clock(j, fake_clock);
	jobs_set_active(j, 1);
	pump(j, 200, -1);
	jobs_get_stats(j, 1, &st);
	CHECK_EQ(st.runs, 1u);
	CHECK_EQ(st.failed, 1u);
	CHECK(WIFEXITED(st.last_status) && WEXITSTATUS(st.last_status) == 4);

	CHECK_EQ(jobs_run_now(j, 0), 0);
	fake_now += 60; /* its next run, while it runs: skipped */
	jobs_dispatch(j, now_ms());
	jobs_get_stats(j, 0, &st);
	CHECK_EQ(st.skipped, 1u);
	CHECK_EQ(st.runs, 1u);
	t = pump(j, 1500, 0);
	CHECK(t >= 50 && t < 600); /* 300 ms after its start */
	jobs_get_stats(j, 0, &st);
	CHECK_EQ(st.timeouts, 1u);
	CHECK_EQ(st.failed, 0u);
	CHECK(WIFSIGNALED(st.last_status) && WTERMSIG(st.last_status) == SIGTERM);
	jobs_close(j);
}

/* The real wall clock: an every-minute job is scheduled for the next whole
 * minute, on the realtime timer. */
static void test_real_clock(void)
{
	struct jobs *j = open_tab("* * * * * true\n", 0);
	time_t now = time(NULL), next;

	if (!j)
		return;
	jobs_set_active(j, 1);
	next = jobs_next_run(j, 0);
	CHECK(next > now && next <= now + 60 && next % 60 == 0);
	jobs_set_active(j, 0);
	jobs_close(j);
}

static void test_open_errors(void)
{
	struct twin_config c;
	struct jobs *j = (struct jobs *)1;
	char err[512], want[512];

	config_defaults(&c);
	CHECK_EQ(jobs_open(&j, &c, err, sizeof(err)), 0); /* no file: no jobs */
	if (j) {
		CHECK_EQ(jobs_count(j), 0u);
		jobs_set_active(j, 1);
		CHECK_EQ(jobs_run_now(j, 0), -1);
		CHECK(jobs_fd(j) >= 0);
		jobs_close(j);
	}
	snprintf(c.active_jobs, sizeof(c.active_jobs), "%s/bad", tmpdir);
	write_file(c.active_jobs, "@daily ok\n61 * * * * x\n");
	CHECK_EQ(jobs_open(&j, &c, err, sizeof(err)), -1);
	CHECK(j == NULL);
	snprintf(want, sizeof(want), "%s:2: minute: 61 is out of range (0..59)", c.active_jobs);
	CHECK_STR(err, want);
	unlink(c.active_jobs);
	CHECK_EQ(jobs_open(&j, &c, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, ":0: cannot open: No such file or directory");
}

TEST_MAIN("jobs", {
	setenv("TZ", "UTC0", 1);
	tzset();
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/twin-jobs-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_active_only();
	test_into_next_run();
	test_timeout();
	test_real_clock();
	test_open_errors();
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tmpdir);
	}
})
