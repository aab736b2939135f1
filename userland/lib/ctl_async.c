/* Non-blocking control-socket client (ctl_async.h). */
#include "ctl_async.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

void ctl_async_init(struct ctl_async *c)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

void ctl_async_close(struct ctl_async *c)
{
	if (c->fd >= 0)
		close(c->fd);
	explicit_bzero(c->req, sizeof(c->req)); /* may hold a password */
	if (c->in) {
		explicit_bzero(c->in, c->cap);
		free(c->in);
	}
	ctl_async_init(c);
}

int ctl_async_start(struct ctl_async *c, const char *path, int argc, const char *const argv[], char *err,
		    size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	ctl_async_close(c);
	if (strlen(path) >= sizeof(sa.sun_path))
		return snprintf(err, errlen, "socket path too long: %s", path), -1;
	int n = ctl_req_format(c->req, sizeof(c->req), argc, argv, err, errlen);
	if (n < 0)
		return -1;
	c->req_len = (size_t)n;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		ctl_async_close(c);
		return -1;
	}
	/* a Unix socket connects at once or fails (EAGAIN: its backlog is full) */
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS) {
		int e = errno;
		snprintf(err, errlen, "%s",
			 e == ENOENT || e == ECONNREFUSED ? "twind is not running"
			 : e == EACCES || e == EPERM	  ? "permission denied on the control socket"
			 : e == EAGAIN			  ? "twind is not accepting connections (busy)"
							  : strerror(e));
		ctl_async_close(c);
		return -1;
	}
	return 0;
}

short ctl_async_events(const struct ctl_async *c)
{
	return c->fd < 0 ? 0 : c->sent < c->req_len ? POLLOUT : POLLIN;
}

static int fail(struct ctl_async *c, char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s", what);
	ctl_async_close(c);
	return -1;
}

int ctl_async_io(struct ctl_async *c, struct ctl_reply *rep, char *err, size_t errlen)
{
	if (c->fd < 0)
		return fail(c, err, errlen, "no request in progress");
	while (c->sent < c->req_len) {
		ssize_t n = send(c->fd, c->req + c->sent, c->req_len - c->sent, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0)
			return fail(c, err, errlen,
				    errno == EPIPE ? "twind closed the connection" : strerror(errno));
		c->sent += (size_t)n;
	}
	for (;;) {
		if (c->got == c->cap) {
			if (c->cap >= CTL_RESP_MAX)
				return fail(c, err, errlen, "answer from twind too large");
			size_t cap = c->cap ? c->cap * 2 : 4096;
			char *p = realloc(c->in, cap);
			if (!p)
				return fail(c, err, errlen, "out of memory");
			c->in = p;
			c->cap = cap;
		}
		ssize_t n = recv(c->fd, c->in + c->got, c->cap - c->got, 0);
		if (n > 0) {
			c->got += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0 && !(errno == ECONNRESET && c->got)) /* what it sent before a reset counts */
			return fail(c, err, errlen, strerror(errno));
		break; /* the server closed: the answer is complete */
	}
	char perr[128];
	if (ctl_reply_parse(rep, c->in, c->got, perr, sizeof(perr)) < 0) {
		ctl_reply_free(rep);
		char msg[160];
		snprintf(msg, sizeof(msg), "bad answer from twind: %s", perr);
		return fail(c, err, errlen, msg);
	}
	ctl_async_close(c);
	return 1;
}
