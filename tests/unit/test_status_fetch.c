/* The exporter's status request: an answer, no daemon, and a daemon that
 * takes the connection but never answers (the deadline holds). */
#include "check.h"

#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "status_fetch.h"

static int listen_at(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	unlink(path);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(fd >= 0);
	CHECK_EQ(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	CHECK_EQ(listen(fd, 4), 0);
	return fd;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static void test_answer(const char *path)
{
	int lfd = listen_at(path);
	pid_t pid = fork();

	if (pid == 0) { /* twind: reads the request line, answers, closes */
		char buf[64];
		int c = accept(lfd, NULL, NULL);
		ssize_t n = read(c, buf, sizeof(buf) - 1);
		const char *ans = n == 7 && !memcmp(buf, "status\n", 7) ? "ok\nnode.name=a\n" : "error bad\n";
		if (write(c, ans, strlen(ans)) < 0)
			_exit(1);
		_exit(0);
	}
	struct ctl_reply rep;
	char err[128] = "";
	CHECK_EQ(status_fetch(path, 1000, &rep, err, sizeof(err)), 0);
	CHECK(rep.ok == 1);
	CHECK(ctl_get(&rep, "node.name") && !strcmp(ctl_get(&rep, "node.name"), "a"));
	ctl_reply_free(&rep);
	waitpid(pid, NULL, 0);
	close(lfd);
}

static void test_silent(const char *path)
{
	int lfd = listen_at(path); /* connections wait in the backlog, nobody reads */
	struct ctl_reply rep;
	struct timespec t0;
	char err[128] = "";

	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_EQ(status_fetch(path, 150, &rep, err, sizeof(err)), -1);
	long ms = ms_since(&t0);
	CHECK(ms >= 140 && ms < 1000);
	CHECK_STR(err, "twind did not answer within 150 ms");
	CHECK_EQ(rep.n, 0u);
	ctl_reply_free(&rep);
	close(lfd);
}

static void test_absent(const char *path)
{
	struct ctl_reply rep;
	char err[128] = "";

	unlink(path);
	CHECK_EQ(status_fetch(path, 150, &rep, err, sizeof(err)), -1);
	CHECK_STR(err, "twind is not running");
	ctl_reply_free(&rep);
}

static void run_all(void)
{
	char dir[] = "/tmp/twin-fetch-XXXXXX", path[64];

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/s.sock", dir);
	test_answer(path);
	test_silent(path);
	test_absent(path);
	unlink(path);
	rmdir(dir);
}

TEST_MAIN("status_fetch", { run_all(); })
