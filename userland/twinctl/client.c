/* Control-socket client: blocking I/O with socket timeouts, which is all a
 * one-shot CLI needs. */
#include "client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

static int set_timeouts(int fd, int timeout_ms)
{
	struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};

	return setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) ||
	       setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

static int connect_to(const char *path, int timeout_ms, int *err_no, char *err, size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "socket path too long: %s", path);
		return -1;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (set_timeouts(fd, timeout_ms) || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		*err_no = errno;
		if (errno == EACCES || errno == EPERM)
			snprintf(err, errlen, "%s: permission denied (root or the control group only)", path);
		else if (errno == EAGAIN || errno == EINPROGRESS)
			snprintf(err, errlen, "%s: twind is not accepting connections (busy?)", path);
		else
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

enum ctl_call_err ctl_call(const char *path, const char *line, size_t len, int timeout_ms,
			   struct ctl_reply *rep, int *err_no, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t got = 0, cap = 0;
	enum ctl_call_err rc = CTL_CALL_FAILED;

	memset(rep, 0, sizeof(*rep));
	*err_no = 0;
	int fd = connect_to(path, timeout_ms, err_no, err, errlen);
	if (fd < 0)
		return (*err_no == ENOENT || *err_no == ECONNREFUSED) ? CTL_CALL_NOT_RUNNING
								      : CTL_CALL_FAILED;

	for (size_t off = 0; off < len;) {
		ssize_t n = send(fd, line + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "sending to twind: %s",
				 errno == EAGAIN ? "timed out" : strerror(errno));
			goto out;
		}
		off += (size_t)n;
	}

	for (;;) {
		if (got == cap) {
			if (cap >= CTL_RESP_MAX) {
				snprintf(err, errlen, "answer from twind larger than %u bytes", CTL_RESP_MAX);
				goto out;
			}
			cap = cap ? cap * 2 : 4096;
			char *p = realloc(buf, cap);
			if (!p) {
				snprintf(err, errlen, "out of memory");
				goto out;
			}
			buf = p;
		}
		ssize_t n = recv(fd, buf + got, cap - got, 0);
		if (n > 0) {
			got += (size_t)n;
			continue;
		}
		if (n == 0)
			break;
		if (errno == EINTR)
			continue;
		/* The server may close with our bytes unread; what it sent still counts. */
		if (errno == ECONNRESET && got)
			break;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			snprintf(err, errlen, "twind did not answer within %d ms", timeout_ms);
		else
			snprintf(err, errlen, "reading from twind: %s", strerror(errno));
		goto out;
	}

	char perr[128];
	if (ctl_reply_parse(rep, buf, got, perr, sizeof(perr))) {
		ctl_reply_free(rep);
		snprintf(err, errlen, "bad answer from twind: %s", perr);
		goto out;
	}
	rc = CTL_CALL_OK;
out:
	free(buf);
	close(fd);
	return rc;
}
