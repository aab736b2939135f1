/* twinctl log [--since TIME] [--peer] [--json]: this node's event history
 * and, with --peer, the peer's (asked by twind over the cluster channel),
 * merged by time. Both come in pages ("log", "log peer" + "log result"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log_view.h"
#include "twinctl.h"

#define PEER_WAIT_MS 5000
#define PAGE	     "limit=256"

/* this node's pages */
static int local_pages(const struct twinctl *t, const char *since, struct log_view *v)
{
	uint64_t after = 0;
	char err[256];

	for (;;) {
		char a[40];
		snprintf(a, sizeof(a), "after=%llu", (unsigned long long)after);
		const char *req[] = {"log", since, a, PAGE};
		struct ctl_reply rep;
		int rc = twinctl_request(t, 4, req, &rep);
		if (rc)
			return rc;
		int more = log_view_add_page(v, &rep, &after, err, sizeof(err));
		ctl_reply_free(&rep);
		if (more < 0) {
			fprintf(stderr, "twinctl log: %s\n", err);
			return EXIT_ERROR;
		}
		if (!more)
			return 0;
	}
}

/* one page of the peer's: ask, then poll "log result" */
static int peer_page(const struct twinctl *t, const char *since, uint64_t *after, struct log_view *v)
{
	char a[40], err[256];
	struct ctl_reply rep;

	snprintf(a, sizeof(a), "after=%llu", (unsigned long long)*after);
	const char *req[] = {"log", "peer", since, a, PAGE};
	int rc = twinctl_request(t, 5, req, &rep);
	if (rc)
		return rc;
	ctl_reply_free(&rep);
	for (uint64_t t0 = mono_ms();;) {
		const char *res[] = {"log", "result"};
		if ((rc = twinctl_request(t, 2, res, &rep)))
			return rc;
		if (ctl_get_bool(&rep, "running") != 1)
			break;
		ctl_reply_free(&rep);
		if (mono_ms() - t0 > PEER_WAIT_MS) {
			fprintf(stderr, "twinctl log: the peer did not answer within %d s\n",
				PEER_WAIT_MS / 1000);
			return EXIT_ERROR;
		}
		usleep(20000);
	}
	if (ctl_get(&rep, "error")) {
		fprintf(stderr, "twinctl log: the peer's log: %s\n", ctl_get(&rep, "error"));
		ctl_reply_free(&rep);
		return EXIT_ERROR;
	}
	int more = log_view_add_page(v, &rep, after, err, sizeof(err));
	ctl_reply_free(&rep);
	if (more < 0) {
		fprintf(stderr, "twinctl log: the peer's log: %s\n", err);
		return EXIT_ERROR;
	}
	return more ? -1 : 0; /* -1: another page */
}

int cmd_log(const struct twinctl *t, int argc, char **argv)
{
	struct log_view v = {0};
	int peer = 0, json = t->json, rc;
	int64_t since_ms = 0;
	char since[48];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--peer")) {
			peer = 1;
		} else if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j")) {
			json = 1;
		} else if (!strcmp(argv[i], "--since") && i + 1 < argc) {
			if (log_since_parse(argv[++i], (int64_t)(real_ns() / 1000000ull), &since_ms) < 0)
				return twinctl_usage_error(argv[0],
							   "--since takes unix seconds, 10m / 2h / 3d "
							   "ago, or YYYY-MM-DD [HH:MM[:SS]]");
		} else {
			return twinctl_usage_error(argv[0], "takes --since TIME, --peer, --json");
		}
	}
	snprintf(since, sizeof(since), "since=%lld", (long long)(since_ms > 0 ? since_ms : 0));
	rc = local_pages(t, since, &v);
	if (!rc && peer) {
		uint64_t after = 0;
		while ((rc = peer_page(t, since, &after, &v)) == -1)
			;
	}
	if (rc) {
		log_view_free(&v);
		return rc;
	}
	log_view_sort(&v);
	char *out = json ? log_view_json(&v) : log_view_text(&v);
	if (!out) {
		fprintf(stderr, "twinctl: out of memory\n");
		rc = EXIT_ERROR;
	} else {
		fputs(out, stdout);
		if (json)
			putchar('\n');
		free(out);
	}
	log_view_free(&v);
	return rc;
}
