/* subproc: real /bin/sh commands watched through a real epoll fd. */
#include "check.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "subproc.h"

#define COOKIE 0x5eb5u

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* epoll_wait + subproc_check (only on our cookie) until it has ended, at
 * most 5 s; 1 with *status, 0 if it did not end */
static int wait_end(struct subproc *s, int ep, int *status)
{
	struct epoll_event ev[4];
	double end = now_s() + 5;
	int foreign = 0, done = 0;

	while (!done && now_s() < end) {
		int n = epoll_wait(ep, ev, 4, 100);

		for (int i = 0; i < n && !done; i++) {
			foreign += ev[i].data.u64 != COOKIE;
			done = subproc_check(s, status);
		}
	}
	CHECK_EQ(foreign, 0);
	return done;
}

/* /bin/sh -c cmd with input, everything it printed in out */
static int run_io(struct subproc *s, int ep, const char *cmd, const char *in, size_t in_len, char *out,
		  size_t cap, int *status)
{
	char *argv[] = {"sh", "-c", (char *)cmd, NULL};

	if (subproc_start_io(s, ep, COOKIE, argv, NULL, in, in_len, out, cap) < 0)
		return -1;
	return wait_end(s, ep, status);
}

static int exited(int st, int code)
{
	return st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == code;
}

/* its process is gone or a zombie (killed, not yet reaped by init) */
static int dead(pid_t pid)
{
	char path[64], buf[256], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 1;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	p = p ? strrchr(buf, ')') : NULL;
	return !p || p[1] == '\0' || p[2] == 'Z' || p[2] == 'X';
}

static void test_io(int ep)
{
	struct subproc s;
	char out[8192];
	int st = -2;

	subproc_init(&s);
	/* (a) the input is its stdin, its stdout comes back */
	const char *in = "hello\nworld\n";
	CHECK_EQ(run_io(&s, ep, "cat", in, strlen(in), out, sizeof(out), &st), 1);
	CHECK(exited(st, 0));
	CHECK_STR(out, in);
	CHECK_EQ(s.out_len, strlen(in));
	CHECK_STR(s.errline, "hello");
	CHECK(!subproc_running(&s));

	/* the largest input goes in whole */
	static char big[SUBPROC_INPUT_MAX + 1];
	memset(big, 'x', sizeof(big));
	st = -2;
	CHECK_EQ(run_io(&s, ep, "cat", big, SUBPROC_INPUT_MAX, out, sizeof(out), &st), 1);
	CHECK(exited(st, 0));
	CHECK_EQ(s.out_len, (size_t)SUBPROC_INPUT_MAX);
	CHECK_EQ(strspn(out, "x"), (size_t)SUBPROC_INPUT_MAX);

	/* no input: stdin is /dev/null */
	st = -2;
	CHECK_EQ(run_io(&s, ep, "cat; echo done", NULL, 0, out, sizeof(out), &st), 1);
	CHECK(exited(st, 0));
	CHECK_STR(out, "done\n");

	/* (b) stdout and stderr in one buffer, the exit status */
	st = -2;
	CHECK_EQ(run_io(&s, ep, "echo a; echo b >&2; exit 3", NULL, 0, out, sizeof(out), &st), 1);
	CHECK(st != -1 && WIFEXITED(st));
	CHECK_EQ(WEXITSTATUS(st), 3);
	CHECK_STR(out, "a\nb\n");
	CHECK_EQ(s.out_len, (size_t)4);
	CHECK_STR(s.errline, "a");

	/* (c) more than fits: cut at out_cap - 1, the rest drained */
	char small[1000];
	st = -2;
	memset(small, '#', sizeof(small));
	CHECK_EQ(run_io(&s, ep, "yes | head -c 100000", NULL, 0, small, sizeof(small), &st), 1);
	CHECK(exited(st, 0));
	CHECK_EQ(s.out_len, sizeof(small) - 1);
	CHECK_EQ(strlen(small), sizeof(small) - 1);
	CHECK_EQ(strspn(small, "y\n"), sizeof(small) - 1);
	CHECK_STR(s.errline, "y");

	/* (d) too much input: refused, nothing started, nothing watched */
	struct epoll_event ev;
	char *argv[] = {"sh", "-c", "cat", NULL};
	errno = 0;
	CHECK_EQ(subproc_start_io(&s, ep, COOKIE, argv, NULL, big, sizeof(big), out, sizeof(out)), -1);
	CHECK_EQ(errno, E2BIG);
	CHECK(!subproc_running(&s));
	CHECK_EQ(s.pidfd, -1);
	CHECK_EQ(s.errfd, -1);
	CHECK_EQ(epoll_wait(ep, &ev, 1, 50), 0);
	errno = 0;
	CHECK_EQ(waitpid(-1, NULL, WNOHANG), -1);
	CHECK_EQ(errno, ECHILD);
}

static void test_start(int ep)
{
	struct subproc s;
	int st = -2;

	/* (e) the old entry point: stdin and stdout /dev/null, stderr's first
	 * line kept */
	char *argv[] = {"sh", "-c", "cat; echo out; echo err1 >&2; echo err2 >&2", NULL};
	subproc_init(&s);
	CHECK_EQ(subproc_start(&s, ep, COOKIE, argv, NULL), 0);
	CHECK(subproc_running(&s));
	CHECK(s.out == NULL);
	CHECK_EQ(wait_end(&s, ep, &st), 1);
	CHECK(exited(st, 0));
	CHECK_STR(s.errline, "err1");
	CHECK_EQ(s.out_len, (size_t)0);
}

static void test_group(int ep)
{
	struct subproc s;
	char out[64];
	int st = -2;

	/* (f) the leader ends, what it left running in its group is killed */
	subproc_init(&s);
	double t0 = now_s();
	CHECK_EQ(run_io(&s, ep, "sleep 30 & echo $!", NULL, 0, out, sizeof(out), &st), 1);
	CHECK(now_s() - t0 < 1.0);
	CHECK(exited(st, 0));
	pid_t bg = (pid_t)atoi(out);
	CHECK(bg > 0);
	int gone = 0;
	for (int i = 0; i < 100 && !(gone = dead(bg)); i++)
		usleep(10000);
	CHECK(gone);

	/* (g) abort of a running command returns at once and reaps it */
	char *argv[] = {"sh", "-c", "sleep 30", NULL};
	CHECK_EQ(subproc_start_io(&s, ep, COOKIE, argv, NULL, NULL, 0, out, sizeof(out)), 0);
	pid_t pid = s.pid;
	CHECK(pid > 0);
	t0 = now_s();
	subproc_abort(&s, 2000);
	CHECK(now_s() - t0 < 1.0);
	CHECK(!subproc_running(&s));
	CHECK_EQ(s.pidfd, -1);
	CHECK_EQ(s.errfd, -1);
	errno = 0;
	CHECK_EQ(waitpid(pid, NULL, WNOHANG), -1);
	CHECK_EQ(errno, ECHILD);
}

static void test_all(void)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);

	/* as in twind and twin-console (see subproc.h) */
	signal(SIGPIPE, SIG_IGN);
	CHECK(ep >= 0);
	test_io(ep);
	test_start(ep);
	test_group(ep);
	close(ep);
}

TEST_MAIN("subproc", { test_all(); })
