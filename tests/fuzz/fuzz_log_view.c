/* libFuzzer harness for twinctl log: any reply ctl_proto accepts as a
 * "log" page (this node's, or the peer's relayed by twind) must be taken
 * or refused without a crash, and what is printed must be safe for a
 * terminal: one line per entry, no control byte but the line ends; the
 * JSON has no raw control byte either. The page is added twice (two
 * nodes' pages) so the merge sorts duplicates too. */
#include <stdlib.h>
#include <string.h>

#include "ctl_proto.h"
#include "log_view.h"

static void must(int cond)
{
	if (!cond)
		abort();
}

static void check_text(const char *t, size_t entries)
{
	size_t lines = 0;

	must(t != NULL);
	for (const unsigned char *p = (const unsigned char *)t; *p; p++) {
		if (*p == '\n')
			lines++;
		else
			must(*p >= 0x20 && *p != 0x7f);
	}
	must(lines == entries);
}

static void check_json(const char *j)
{
	must(j && !strncmp(j, "{\"entries\":[", 12));
	for (const unsigned char *p = (const unsigned char *)j; *p; p++)
		must(*p >= 0x20 && *p != 0x7f);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct ctl_reply rep;
	struct log_view v = {0};
	char err[128];
	uint64_t next = 0;

	if (ctl_reply_parse(&rep, (const char *)data, size, err, sizeof(err)) == 0 &&
	    log_view_add_page(&v, &rep, &next, err, sizeof(err)) >= 0) {
		log_view_add_page(&v, &rep, &next, err, sizeof(err));
		log_view_sort(&v);
		for (size_t i = 1; i < v.n; i++)
			must(v.e[i - 1].time_ms <= v.e[i].time_ms);
		char *t = log_view_text(&v), *j = log_view_json(&v);
		check_text(t, v.n);
		check_json(j);
		free(t);
		free(j);
	}
	log_view_free(&v);
	ctl_reply_free(&rep);
	return 0;
}
