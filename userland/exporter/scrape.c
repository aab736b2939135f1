#include "scrape.h"

#include <stdint.h>

#include "clock.h"
#include "log.h"
#include "metrics_render.h"
#include "status_fetch.h"

char *scrape_page(struct scrape_cfg *cfg)
{
	struct ctl_reply rep;
	char err[256];
	uint64_t t0 = mono_ns() / 1000u;
	int got = status_fetch(cfg->socket_path, cfg->timeout_ms, &rep, err, sizeof(err)) == 0;
	struct metrics_scrape s = {.status = got ? &rep : NULL, .duration_us = mono_ns() / 1000u - t0};
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
