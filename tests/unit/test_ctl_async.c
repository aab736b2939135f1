/* The non-blocking control client against a socket served by the test. */
#include "check.h"

#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl_async.h"

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

/* drive c until done, the "server" answering with reply (NULL: close at once) */
static int run(struct ctl_async *c, int lfd, const char *reply, char *got, size_t gotlen,
	       struct ctl_reply *rep, char *err, size_t errlen)
{
	int sfd = accept(lfd, NULL, NULL);
	CHECK(sfd >= 0);
	ssize_t n = 0;
	for (int i = 0; i < 100 && ctl_async_events(c) == POLLOUT; i++) {
		struct pollfd p = {.fd = c->fd, .events = ctl_async_events(c)};
		poll(&p, 1, 100);
		if (ctl_async_io(c, rep, err, errlen) != 0)
			break;
	}
	n = read(sfd, got, gotlen - 1);
	got[n > 0 ? n : 0] = 0;
	if (reply)
		CHECK_EQ(write(sfd, reply, strlen(reply)), (ssize_t)strlen(reply));
	close(sfd);
	for (int i = 0; i < 100; i++) {
		struct pollfd p = {.fd = c->fd, .events = ctl_async_events(c)};
		poll(&p, 1, 100);
		int r = ctl_async_io(c, rep, err, errlen);
		if (r)
			return r;
	}
	return 0;
}

static void test_all(void)
{
	char path[64], got[256], err[256];
	struct ctl_async c;
	struct ctl_reply rep;

	snprintf(path, sizeof(path), "/tmp/twin-ctl-async-%d.sock", (int)getpid());
	ctl_async_init(&c);
	CHECK_EQ(c.fd, -1);
	CHECK_EQ(ctl_async_events(&c), 0);
	/* nobody there */
	unlink(path);
	const char *st[] = {"status"};
	CHECK_EQ(ctl_async_start(&c, path, 1, st, err, sizeof(err)), -1);
	CHECK_STR(err, "twind is not running");
	CHECK_EQ(c.fd, -1);

	int lfd = listen_at(path);
	/* a request with a quoted argument, an answer */
	const char *create[] = {"cluster", "create", "10.0.0.2", "SHA256:ab cd", "10.0.0.9/24", "pass word"};
	CHECK_EQ(ctl_async_start(&c, path, 6, create, err, sizeof(err)), 0);
	CHECK_EQ(run(&c, lfd, "ok\nmessage=started\n", got, sizeof(got), &rep, err, sizeof(err)), 1);
	CHECK_CONTAINS(got, "cluster create 10.0.0.2 ");
	CHECK_CONTAINS(got, "\"pass word\"");
	CHECK_STR(ctl_get(&rep, "message"), "started");
	ctl_reply_free(&rep);
	CHECK_EQ(c.fd, -1);
	/* closed without an answer, and an answer that is not the protocol */
	CHECK_EQ(ctl_async_start(&c, path, 1, st, err, sizeof(err)), 0);
	CHECK_EQ(run(&c, lfd, NULL, got, sizeof(got), &rep, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "bad answer from twind");
	CHECK_EQ(ctl_async_start(&c, path, 1, st, err, sizeof(err)), 0);
	CHECK_EQ(run(&c, lfd, "hello\nno newline", got, sizeof(got), &rep, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "bad answer from twind");
	/* a request that cannot be sent */
	const char *bad[] = {"x\ny"};
	CHECK_EQ(ctl_async_start(&c, path, 1, bad, err, sizeof(err)), -1);
	/* a time-out: the caller closes */
	CHECK_EQ(ctl_async_start(&c, path, 1, st, err, sizeof(err)), 0);
	ctl_async_close(&c);
	CHECK_EQ(c.fd, -1);
	close(lfd);
	unlink(path);
}

TEST_MAIN("ctl_async", { test_all(); })
