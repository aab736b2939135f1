/* One `status` request to twind with a deadline for the whole exchange
 * (connect, send, read until twind closes): a scrape never waits longer,
 * whatever twind does. */
#ifndef TWIN_STATUS_FETCH_H
#define TWIN_STATUS_FETCH_H

#include <stddef.h>

#include "ctl_proto.h"

/* 0 with rep (free it with ctl_reply_free), or -1 with err and rep empty. */
int status_fetch(const char *socket_path, int timeout_ms, struct ctl_reply *rep, char *err, size_t errlen);

#endif
