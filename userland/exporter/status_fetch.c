#include "status_fetch.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "ctl_async.h"

int status_fetch(const char *socket_path, int timeout_ms, struct ctl_reply *rep, char *err, size_t errlen)
{
	static const char *const req[] = {"status"};
	int64_t deadline = (int64_t)mono_ms() + timeout_ms;
	struct ctl_async c;

	memset(rep, 0, sizeof(*rep));
	ctl_async_init(&c);
	if (ctl_async_start(&c, socket_path, 1, req, err, errlen) < 0)
		return -1;
	for (;;) {
		int64_t left = deadline - (int64_t)mono_ms();
		if (left <= 0) {
			ctl_async_close(&c);
			snprintf(err, errlen, "twind did not answer within %d ms", timeout_ms);
			return -1;
		}
		struct pollfd p = {.fd = c.fd, .events = ctl_async_events(&c)};
		int n = poll(&p, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "poll: %s", strerror(errno));
			ctl_async_close(&c);
			return -1;
		}
		if (n == 0)
			continue; /* the deadline check above gives up */
		int r = ctl_async_io(&c, rep, err, errlen);
		if (r != 0)
			return r > 0 ? 0 : -1;
	}
}
