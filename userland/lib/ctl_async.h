/* Control-socket client that never waits: one request per connection
 * (docs/CONTROL.md), driven by the caller's poll loop. For programs that
 * must stay responsive while twind is slow or stuck (the console). */
#ifndef TWIN_CTL_ASYNC_H
#define TWIN_CTL_ASYNC_H

#include <stddef.h>

#include "ctl_proto.h"

struct ctl_async {
	int fd; /* -1 when idle */
	char req[CTL_LINE_MAX + 1];
	size_t req_len, sent;
	char *in;
	size_t got, cap;
};

void ctl_async_init(struct ctl_async *c);

/* Connects (non-blocking) and queues the request. 0, or -1 with err
 * (twind not running, permission, bad request). */
int ctl_async_start(struct ctl_async *c, const char *path, int argc, const char *const argv[], char *err,
		    size_t errlen);

/* poll() events to wait for (POLLOUT while sending, then POLLIN). */
short ctl_async_events(const struct ctl_async *c);

/* After the fd was ready: 0 in progress, 1 done with rep (free it), -1
 * failed with err. Done or failed closes the connection. */
int ctl_async_io(struct ctl_async *c, struct ctl_reply *rep, char *err, size_t errlen);

/* Drops a request in progress (a time-out) and wipes what it held. */
void ctl_async_close(struct ctl_async *c);

#endif
