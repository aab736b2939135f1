/* Control socket server, in-process on a socket under /tmp: requests reach
 * the handler, answers reach the client, bad and stuck clients never hurt
 * the next one nor block the caller, permissions hold. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "ctl_server.h"
#include "log.h"

static char dir[48], path[96];

struct seen {
	int calls, argc;
	char argv[8][64];
};

static void handler(void *ctx, int argc, char **argv, struct ctl_resp *resp)
{
	struct seen *s = ctx;

	s->calls++;
	s->argc = argc;
	for (int i = 0; i < argc && i < 8; i++)
		snprintf(s->argv[i], sizeof(s->argv[i]), "%s", argv[i]);
	if (strcmp(argv[0], "fail") == 0) {
		ctl_resp_err(resp, "refused: %s", argc > 1 ? argv[1] : "no reason");
	} else if (strcmp(argv[0], "big") == 0) {
		/* far more than a socket buffer holds */
		char chunk[601];
		memset(chunk, '.', 600);
		chunk[600] = '\0';
		for (int i = 0; i < 4000; i++)
			ctl_resp_kv(resp, "line", "%06d %s", i, chunk);
	} else {
		ctl_resp_ok(resp);
		ctl_resp_kv(resp, "verb", "%s", argv[0]);
		ctl_resp_kv(resp, "note", "%s", "two\nlines");
	}
}

static uint64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int client_connect(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	/* a server bug must fail the test, not hang it */
	struct timeval tv = {.tv_sec = 3};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Run the server for up to ms, or until fd (if >= 0) has been read to EOF;
 * returns the bytes read from fd. */
static size_t pump(struct ctl_server *s, int ms, int fd, char *out, size_t outlen)
{
	uint64_t end = ms_now() + (uint64_t)ms;
	size_t got = 0;

	if (fd >= 0)
		fcntl(fd, F_SETFL, O_NONBLOCK);
	while (ms_now() < end) {
		struct pollfd p = {.fd = ctl_server_fd(s), .events = POLLIN};
		poll(&p, 1, 5);
		ctl_server_handle(s);
		if (fd < 0)
			continue;
		ssize_t n;
		while ((n = recv(fd, out + got, outlen - 1 - got, 0)) > 0)
			got += (size_t)n;
		if (n == 0 || (n < 0 && errno != EAGAIN) || got == outlen - 1)
			break;
	}
	if (out)
		out[got] = '\0';
	return got;
}

/* One whole exchange: connect, send, serve, read the answer. */
static size_t exchange(struct ctl_server *s, const char *req, size_t len, char *out, size_t outlen)
{
	int fd = client_connect();

	out[0] = '\0';
	if (fd < 0)
		return 0;
	if (len && send(fd, req, len, MSG_NOSIGNAL) != (ssize_t)len) {
		close(fd);
		return 0;
	}
	size_t n = pump(s, 2000, fd, out, outlen);
	close(fd);
	return n;
}

static struct ctl_server *open_server(const char *group, struct seen *seen)
{
	struct ctl_server *s = NULL;
	char err[256];

	if (ctl_server_open(&s, path, group, handler, seen, err, sizeof(err))) {
		fprintf(stderr, "ctl_server_open: %s\n", err);
		return NULL;
	}
	return s;
}

static void test_basic(void)
{
	struct seen seen = {0};
	struct ctl_server_stats st;
	struct stat sb;
	char out[8192];

	struct ctl_server *s = open_server("", &seen);
	CHECK(s != NULL);
	if (!s)
		return;

	/* parent directory created 0750, socket 0600 without a group */
	CHECK_EQ(stat(dir, &sb), 0);
	CHECK_EQ(sb.st_mode & 07777, 0750u);
	CHECK_EQ(stat(path, &sb), 0);
	CHECK(S_ISSOCK(sb.st_mode));
	CHECK_EQ(sb.st_mode & 07777, 0600u);

	/* the handler gets the tokens, the client the answer */
	const char *req = "failover \"en able\" x\\y\n";
	exchange(s, req, strlen(req), out, sizeof(out));
	CHECK_EQ(seen.calls, 1);
	CHECK_EQ(seen.argc, 3);
	CHECK_STR(seen.argv[0], "failover");
	CHECK_STR(seen.argv[1], "en able");
	CHECK_STR(seen.argv[2], "x\\y");
	CHECK_STR(out, "ok\nverb=failover\nnote=two\\nlines\n");

	struct ctl_reply rep;
	char err[128];
	CHECK_EQ(ctl_reply_parse(&rep, out, strlen(out), err, sizeof(err)), 0);
	CHECK_STR(ctl_get(&rep, "note") ? ctl_get(&rep, "note") : "", "two\nlines");
	ctl_reply_free(&rep);

	/* handler errors travel as "error ..." */
	exchange(s, "fail busy\n", 10, out, sizeof(out));
	CHECK_STR(out, "error refused: busy\n");

	/* garbage is answered by the tokenizer, the handler never sees it */
	int calls = seen.calls;
	exchange(s, "say \"unterminated\n", 18, out, sizeof(out));
	CHECK(strncmp(out, "error unterminated quote", 24) == 0);
	exchange(s, "   \n", 4, out, sizeof(out));
	CHECK_STR(out, "error empty request\n");
	exchange(s, "a\0b\n", 4, out, sizeof(out));
	CHECK(strncmp(out, "error NUL", 9) == 0);
	CHECK_EQ(seen.calls, calls);

	/* too long: an error or a drop, and the next client is fine */
	char *big = malloc(20000);
	memset(big, 'x', 20000);
	exchange(s, big, 20000, out, sizeof(out));
	CHECK(out[0] == '\0' || strncmp(out, "error request too long", 22) == 0);
	free(big);
	exchange(s, "ping\n", 5, out, sizeof(out));
	CHECK_STR(out, "ok\nverb=ping\nnote=two\\nlines\n");

	/* no final newline, but the client shut down its side: still a request */
	int fd = client_connect();
	CHECK(fd >= 0);
	send(fd, "version", 7, MSG_NOSIGNAL);
	shutdown(fd, SHUT_WR);
	pump(s, 2000, fd, out, sizeof(out));
	close(fd);
	CHECK_STR(out, "ok\nverb=version\nnote=two\\nlines\n");

	/* connect and hang up at once */
	fd = client_connect();
	close(fd);
	pump(s, 50, -1, NULL, 0);

	ctl_server_get_stats(s, &st);
	CHECK_EQ(st.served, 4u);
	CHECK_EQ(st.bad_request, 4u);
	CHECK_EQ(st.silent, 1u);
	CHECK_EQ(st.denied, 0u);

	ctl_server_close(s);
	CHECK(access(path, F_OK) != 0); /* unlinked */
}

/* A stuck client must neither block the caller nor delay anyone else. */
static void test_stuck_clients(void)
{
	struct seen seen = {0};
	struct ctl_server_stats st;
	char out[8192];

	struct ctl_server *s = open_server(NULL, &seen);
	CHECK(s != NULL);
	if (!s)
		return;

	int quiet = client_connect();	/* sends nothing */
	int partial = client_connect(); /* sends half a line */
	CHECK(quiet >= 0 && partial >= 0);
	send(partial, "stat", 4, MSG_NOSIGNAL);

	uint64_t t0 = ms_now();
	ctl_server_handle(s);
	ctl_server_handle(s);
	/* accepted, nothing to wait for (a blocking server would sit out the 200 ms;
	 * the margin is for host stalls) */
	CHECK(ms_now() - t0 < CTL_READ_TIMEOUT_MS - 20);

	exchange(s, "ping\n", 5, out, sizeof(out));
	CHECK_STR(out, "ok\nverb=ping\nnote=two\\nlines\n");
	/* served while the stuck ones wait: a one-at-a-time server needs 2 x 200 ms */
	CHECK(ms_now() - t0 < 2 * CTL_READ_TIMEOUT_MS - 20);

	/* the deadline timer wakes the caller's poll: no busy loop, no missed expiry */
	struct pollfd p = {.fd = ctl_server_fd(s), .events = POLLIN};
	int woke = 0;
	while (ms_now() - t0 < 1000 && !woke) {
		ctl_server_handle(s);
		ctl_server_get_stats(s, &st);
		if (st.timeouts == 2)
			woke = 1;
		else
			poll(&p, 1, 1000);
	}
	uint64_t took = ms_now() - t0;
	CHECK(woke);
	CHECK(took >= CTL_READ_TIMEOUT_MS - 5 && took < CTL_READ_TIMEOUT_MS + 300);

	/* the dropped clients see the end of the stream (and the partial one a reason) */
	char buf[128] = "";
	ssize_t n = recv(quiet, buf, sizeof(buf), 0);
	CHECK_EQ(n, 0);
	n = recv(partial, buf, sizeof(buf) - 1, 0);
	CHECK(n > 0);
	buf[n > 0 ? n : 0] = '\0';
	CHECK_STR(buf, "error request timed out\n");
	close(quiet);
	close(partial);

	/* a client that never reads a big answer: dropped after the write deadline */
	int lazy = client_connect();
	CHECK(lazy >= 0);
	send(lazy, "big\n", 4, MSG_NOSIGNAL);
	t0 = ms_now();
	ctl_server_handle(s);
	CHECK(ms_now() - t0 < CTL_WRITE_TIMEOUT_MS / 2); /* did not wait for the reader */
	ctl_server_get_stats(s, &st);
	uint64_t timeouts = st.timeouts;
	exchange(s, "ping\n", 5, out, sizeof(out)); /* others are still served */
	CHECK_STR(out, "ok\nverb=ping\nnote=two\\nlines\n");
	pump(s, CTL_WRITE_TIMEOUT_MS + 200, -1, NULL, 0);
	ctl_server_get_stats(s, &st);
	CHECK_EQ(st.timeouts, timeouts + 1);
	close(lazy);

	/* a reader gets the whole big answer */
	char *bigout = malloc(4 << 20);
	size_t got = exchange(s, "big\n", 4, bigout, 4 << 20);
	CHECK(got > 2000000);
	CHECK(strncmp(bigout, "ok\nline=000000 ", 15) == 0);
	CHECK_CONTAINS(bigout, "line=003999 ");
	free(bigout);

	/* more clients than slots: the extra ones are told, nobody hangs */
	int fds[CTL_MAX_CLIENTS + 2];
	for (int i = 0; i < CTL_MAX_CLIENTS + 2; i++)
		fds[i] = client_connect();
	pump(s, 30, -1, NULL, 0);
	ctl_server_get_stats(s, &st);
	CHECK_EQ(st.busy, 2u);
	for (int i = 0; i < CTL_MAX_CLIENTS + 2; i++)
		close(fds[i]);
	pump(s, 30, -1, NULL, 0);
	exchange(s, "ping\n", 5, out, sizeof(out));
	CHECK_STR(out, "ok\nverb=ping\nnote=two\\nlines\n");

	ctl_server_close(s);
}

static void test_open_errors(void)
{
	struct seen seen = {0};
	struct ctl_server *s = NULL, *s2 = NULL;
	char err[256];

	/* unknown group */
	CHECK_EQ(ctl_server_open(&s, path, "no-such-group-twt", handler, &seen, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "no-such-group-twt");
	CHECK(s == NULL);

	/* a live socket is not stale */
	s = open_server("", &seen);
	CHECK(s != NULL);
	CHECK_EQ(ctl_server_open(&s2, path, "", handler, &seen, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "another twind");
	/* close leaves a socket that is not ours alone */
	unlink(path);
	int f = open(path, O_CREAT | O_WRONLY, 0600);
	close(f);
	ctl_server_close(s);
	CHECK_EQ(access(path, F_OK), 0);

	/* not a socket: left alone */
	CHECK_EQ(ctl_server_open(&s2, path, "", handler, &seen, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "not a socket");
	unlink(path);

	/* a stale socket (bound, nobody listening) is replaced */
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_EQ(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	s = open_server("", &seen);
	CHECK(s != NULL);
	char out[256] = "";
	if (s)
		exchange(s, "ping\n", 5, out, sizeof(out));
	CHECK(strncmp(out, "ok\n", 3) == 0);
	ctl_server_close(s);

	/* path too long for sun_path */
	char longp[200];
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	CHECK_EQ(ctl_server_open(&s2, longp, "", handler, &seen, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "longer than");
}

/* Fork a client running as uid/gid that sends "ping" and writes what it got
 * into a pipe; serve meanwhile. */
static void as_user(struct ctl_server *s, uid_t uid, gid_t gid, char *out, size_t outlen)
{
	int pfd[2];

	out[0] = '\0';
	if (pipe(pfd))
		return;
	pid_t pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		char buf[256] = "";
		size_t got = 0;
		if (setgroups(0, NULL) || setgid(gid) || setuid(uid))
			_exit(2);
		int fd = client_connect();
		if (fd < 0) {
			snprintf(buf, sizeof(buf), "connect: %s", strerror(errno));
			got = strlen(buf);
		} else {
			send(fd, "ping\n", 5, MSG_NOSIGNAL);
			ssize_t n;
			while (got < sizeof(buf) - 1 &&
			       (n = recv(fd, buf + got, sizeof(buf) - 1 - got, 0)) > 0)
				got += (size_t)n;
		}
		ssize_t w = write(pfd[1], buf, got);
		_exit(w == (ssize_t)got ? 0 : 1);
	}
	close(pfd[1]);
	int status = 0;
	uint64_t end = ms_now() + 3000;
	while (ms_now() < end && waitpid(pid, &status, WNOHANG) == 0)
		pump(s, 10, -1, NULL, 0);
	if (ms_now() >= end) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	ssize_t n = read(pfd[0], out, outlen - 1);
	out[n > 0 ? n : 0] = '\0';
	close(pfd[0]);
}

static void test_permissions(void)
{
	struct seen seen = {0};
	struct ctl_server_stats st;
	struct stat sb;
	char out[256];

	/* needs root (chown to another group, run as another user): not being
	 * root is a failure, as a skipped check is never a pass */
	CHECK(geteuid() == 0);
	if (geteuid() != 0)
		return;
	/* getgrnam's result is overwritten by the next call: copy the gid out */
	struct group *g;
	gid_t nogroup = (g = getgrnam("nogroup")) ? g->gr_gid : 0;
	gid_t daemon_gid = (g = getgrnam("daemon")) ? g->gr_gid : 0;
	CHECK(nogroup != 0 && daemon_gid != 0 && nogroup != daemon_gid);
	if (!nogroup || !daemon_gid)
		return;

	/* the control group: directory 0750 root:group, socket 0660 root:group,
	 * members get in with nothing opened up by hand */
	rmdir(dir);
	struct ctl_server *s = open_server("nogroup", &seen);
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_EQ(stat(dir, &sb), 0);
	CHECK_EQ(sb.st_mode & 07777, 0750u);
	CHECK_EQ(sb.st_gid, nogroup);
	CHECK_EQ(stat(path, &sb), 0);
	CHECK_EQ(sb.st_mode & 07777, 0660u);
	CHECK_EQ(sb.st_gid, nogroup);
	as_user(s, 65534, nogroup, out, sizeof(out)); /* primary group */
	CHECK_STR(out, "ok\nverb=ping\nnote=two\\nlines\n");

	/* membership through the user database: nobody's primary group is
	 * nogroup, though it runs with gid daemon here */
	chmod(dir, 0755);
	chmod(path, 0666);
	as_user(s, 65534, daemon_gid, out, sizeof(out));
	CHECK_STR(out, "ok\nverb=ping\nnote=two\\nlines\n");
	ctl_server_close(s);

	/* not a member: refused by the credentials check */
	s = open_server("daemon", &seen);
	CHECK(s != NULL);
	if (!s)
		return;
	chmod(path, 0666);
	int calls = seen.calls;
	as_user(s, 65534, nogroup, out, sizeof(out));
	CHECK_STR(out, "error permission denied\n");
	CHECK_EQ(seen.calls, calls);
	ctl_server_get_stats(s, &st);
	CHECK_EQ(st.denied, 1u);
	/* without the chmod the file system already says no */
	chmod(path, 0660);
	as_user(s, 65534, nogroup, out, sizeof(out));
	CHECK_CONTAINS(out, "connect: Permission denied");
	ctl_server_close(s);

	/* root only: root gets in, nobody does not even with the file opened up */
	s = open_server("", &seen);
	CHECK(s != NULL);
	if (!s)
		return;
	exchange(s, "ping\n", 5, out, sizeof(out));
	CHECK(strncmp(out, "ok\n", 3) == 0);
	chmod(path, 0666);
	as_user(s, 65534, nogroup, out, sizeof(out));
	CHECK_STR(out, "error permission denied\n");
	ctl_server_close(s);
}

TEST_MAIN("ctl_server", {
	log_open("test_ctl_server", 0, 0);
	signal(SIGPIPE, SIG_IGN);
	/* the top directory is ours (0755 so the unprivileged clients can pass);
	 * the server creates "run" below it */
	snprintf(dir, sizeof(dir), "/tmp/twt-ctl-%d", (int)getpid());
	mkdir(dir, 0755);
	chmod(dir, 0755);
	strcat(dir, "/run");
	snprintf(path, sizeof(path), "%s/twind.sock", dir);
	test_basic();
	test_stuck_clients();
	test_open_errors();
	test_permissions();
	rmdir(dir);
	*strrchr(dir, '/') = '\0';
	rmdir(dir);
})
