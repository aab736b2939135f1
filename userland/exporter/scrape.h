/* One scrape: ask twind for `status`, render the page. */
#ifndef TWIN_SCRAPE_H
#define TWIN_SCRAPE_H

struct scrape_cfg {
	const char *socket_path;
	int timeout_ms;
	int last_up; /* -1 at start; for logging only the changes */
};

/* The page (malloc'd), NULL only when out of memory. Logs when twind stops
 * or starts answering. Not thread-safe: one thread serves (http.c). */
char *scrape_page(struct scrape_cfg *cfg);

#endif
