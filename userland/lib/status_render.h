/* The server-health table of `twinctl status` (and the console): a pure
 * function from the daemon's status reply (keys listed in docs/CONTROL.md)
 * to text. Missing keys show as "-"; dates are local time (TZ). */
#ifndef TWIN_STATUS_RENDER_H
#define TWIN_STATUS_RENDER_H

#include "ctl_proto.h"

/* Returns malloc'd text (each line ends in '\n'), or NULL when out of memory. */
char *status_render(const struct ctl_reply *rep);

#endif
