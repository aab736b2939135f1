/* twind's `status` reply as Prometheus metrics (docs/METRICS.md): which
 * key feeds which metric. Pure: reply in, exposition text out. */
#ifndef TWIN_METRICS_RENDER_H
#define TWIN_METRICS_RENDER_H

#include <stdint.h>

#include "ctl_proto.h"

struct metrics_scrape {
	const struct ctl_reply *status; /* NULL when twind did not answer */
	uint64_t duration_us;		/* how long the request took (or until it was given up) */
};

/* The whole page, malloc'd; NULL only when out of memory. Without a status
 * (or with an "error" reply) it is still a valid page, with twin_up 0. */
char *metrics_render(const struct metrics_scrape *s);

#endif
