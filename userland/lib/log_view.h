/* twinctl log, pure: the entries of "log" pages (this node's and the
 * peer's, docs/CONTROL.md), merged by time, as text lines
 * "TIME NODE KIND TEXT" or JSON; and the --since argument. */
#ifndef TWIN_LOG_VIEW_H
#define TWIN_LOG_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "ctl_proto.h"

struct log_entry {
	char *node; /* both malloc'd */
	char *kind;
	char *text;
	uint64_t id;
	int64_t time_ms; /* CLOCK_REALTIME of the node that wrote it */
};

struct log_view {
	struct log_entry *e;
	size_t n, cap;
};

/* Append the entries of one page (node=, entry.N.id/time_ms/kind/text);
 * *next gets its "next" (after= for the following page) and the return
 * value tells whether "more" follows: 1 more, 0 done, -1 malformed page or
 * out of memory (err). */
int log_view_add_page(struct log_view *v, const struct ctl_reply *page, uint64_t *next, char *err,
		      size_t errlen);
/* Order by time, then node, then id: both nodes' entries interleave. */
void log_view_sort(struct log_view *v);
/* One line per entry: "YYYY-MM-DD HH:MM:SS.mmm NODE KIND TEXT\n" in local
 * time (TZ), the text escaped for a terminal (text_escape). malloc'd, or
 * NULL when out of memory. */
char *log_view_text(const struct log_view *v);
/* {"entries":[{"time_ms":..,"node":..,"kind":..,"text":..,"id":..},...]} */
char *log_view_json(const struct log_view *v);
void log_view_free(struct log_view *v);

/* --since TIME: unix seconds ("1717000000"), a time ago ("90s", "10m",
 * "2h", "3d"), or local "YYYY-MM-DD[ HH:MM[:SS]]" (also with a 'T').
 * now_ms: CLOCK_REALTIME. 0 with *out_ms, or -1. */
int log_since_parse(const char *s, int64_t now_ms, int64_t *out_ms);

#endif
