/* Control-socket client: one request, one reply (docs/CONTROL.md). */
#ifndef TWIN_TWINCTL_CLIENT_H
#define TWIN_TWINCTL_CLIENT_H

#include <stddef.h>

#include "ctl_proto.h"

#define CTL_CLIENT_TIMEOUT_MS 5000

enum ctl_call_err {
	CTL_CALL_OK = 0,
	CTL_CALL_NOT_RUNNING, /* no socket file (ENOENT) or nobody listening (ECONNREFUSED) */
	CTL_CALL_FAILED,      /* anything else; err says what */
};

/* Connect to path, send the request line, read until the server closes and
 * parse the reply. On CTL_CALL_NOT_RUNNING, err_no is ENOENT or ECONNREFUSED. */
enum ctl_call_err ctl_call(const char *path, const char *line, size_t len, int timeout_ms,
			   struct ctl_reply *rep, int *err_no, char *err, size_t errlen);

#endif
