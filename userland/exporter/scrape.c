#include "scrape.h"

#include <stdint.h>
#include <time.h>

#include "log.h"
#include "metrics_render.h"
#include "status_fetch.h"

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

char *scrape_page(struct scrape_cfg *cfg)
{
	struct ctl_reply rep;
	char err[256];
	uint64_t t0 = now_us();
	int got = status_fetch(cfg->socket_path, cfg->timeout_ms, &rep, err, sizeof(err)) == 0;
	struct metrics_scrape s = {.status = got ? &rep : NULL, .duration_us = now_us() - t0};
	int up = got && rep.ok;

	if (up != cfg->last_up) {
		if (up)
			log_info("twind answers on %s", cfg->socket_path);
		else if (got)
			log_warn("twind refused status: %s", rep.message);
		else
			log_warn("%s: %s", cfg->socket_path, err);
		cfg->last_up = up;
	}
	char *page = metrics_render(&s);
	ctl_reply_free(&rep);
	return page;
}
