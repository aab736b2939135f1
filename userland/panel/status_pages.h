/* The console's status screens: the daemon's status reply (docs/CONTROL.md)
 * as short pages of lines for a small display (16 or 20 columns). Pure.
 * A line longer than the width is meant for a scroller (the LCD's
 * marquee); every other line fits. */
#ifndef TWIN_PANEL_STATUS_PAGES_H
#define TWIN_PANEL_STATUS_PAGES_H

#include "ctl_proto.h"

#define SP_PAGES_MAX 24
#define SP_LINES     2
#define SP_TEXT_MAX  160

struct sp_page {
	char line[SP_LINES][SP_TEXT_MAX];
	int alarm; /* an alarm or split-brain page */
};

/* Pages for a display cols wide, alarms first, then node, failover IP,
 * peer, each heartbeat path, DRBD (a resync as a bar with time left),
 * clock skew and witness. st NULL: one page saying the daemon is not
 * reachable (err). Returns the number of pages. */
int status_pages(const struct ctl_reply *st, const char *err, int cols, struct sp_page *out, int max);

/* A progress bar of cols cells for permille (0..1000): "[#####     ] 50%". */
void sp_bar(int permille, int cols, char *out, size_t len);

/* Seconds as "45s", "12m", "3h05m". */
void sp_duration(long long s, char *out, size_t len);

#endif
