/* twinctl split-brain [repair --survivor NODE [--yes]]: show both nodes'
 * side of a split brain with the proposal, and repair it by choosing the
 * survivor. The daemon runs the repair on both nodes (the victim discards
 * its changes since the split and resyncs from the survivor); twinctl
 * asks for confirmation with No as the default and follows the progress. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "size_fmt.h"
#include "status_render.h"
#include "twinctl.h"

#define REPAIR_WAIT_S 3600 /* a resync of a large disk takes long; progress is shown */

static void print_split(const struct ctl_reply *rep)
{
	char *text = status_render(rep);
	const char *from;

	/* only the split-brain part of the status table */
	if (text && (from = strstr(text, "  SPLIT BRAIN")) != NULL) {
		const char *end = strstr(from, "  ALARMS:");
		fwrite(from, 1, end ? (size_t)(end - from) : strlen(from), stdout);
	}
	free(text);
}

/* "Keep a and discard b's changes (12 MiB written since the split)?" */
static int confirm(const struct ctl_reply *st, const char *survivor)
{
	const char *self = ctl_get(st, "sb.self.name"), *peer = ctl_get(st, "sb.peer.name");
	int keep_self = self && !strcmp(self, survivor);
	const char *victim = keep_self ? (peer ? peer : "the peer") : (self ? self : "this node");
	long long w = -1;
	char written[32] = "unknown", line[16];

	if (ctl_get_ll(st, keep_self ? "sb.peer.written_kib" : "sb.self.written_kib", &w) == 0 && w >= 0)
		size_fmt_kib((uint64_t)w, written, sizeof(written));
	if (!isatty(STDIN_FILENO)) {
		fprintf(stderr, "twinctl: split-brain repair needs confirmation: run it with --yes\n");
		return 0;
	}
	fprintf(stderr,
		"Keep %s and DISCARD what %s wrote since the split (%s)? This cannot be undone. [y/N] ",
		survivor, victim, written);
	return fgets(line, sizeof(line), stdin) && (line[0] == 'y' || line[0] == 'Y');
}

static int repair(const struct twinctl *t, const char *survivor, int yes)
{
	const char *sreq[] = {"status"};
	const char *req[] = {"split-brain", "repair", survivor, "twinctl"};
	const char *res[] = {"split-brain", "result"};
	struct ctl_reply st, rep;
	char last[512] = "";
	int rc;

	if ((rc = twinctl_request(t, 1, sreq, &st)))
		return rc;
	if (ctl_get_bool(&st, "sb.active") != 1) {
		const char *s = ctl_get(&st, "node.state");
		fprintf(stderr, "twinctl: no split brain to repair: this node is %s\n", s ? s : "?");
		ctl_reply_free(&st);
		return EXIT_ERROR;
	}
	if (!t->json)
		print_split(&st);
	int ok = yes || confirm(&st, survivor);
	ctl_reply_free(&st);
	if (!ok) {
		fprintf(stderr, "twinctl: not confirmed: nothing was changed\n");
		return EXIT_ERROR;
	}
	if ((rc = twinctl_request(t, 4, req, &rep)))
		return rc;
	ctl_reply_free(&rep);
	for (int waited = 0; waited < REPAIR_WAIT_S * 10; waited++) {
		nanosleep(&(struct timespec){.tv_nsec = 100 * 1000000}, NULL);
		if ((rc = twinctl_request(t, 2, res, &rep)))
			return rc;
		const char *msg = ctl_get(&rep, "message");
		char now[512];
		long long pm = -1, left = -1;
		ctl_get_ll(&rep, "sync_permille", &pm);
		ctl_get_ll(&rep, "sync_left_s", &left);
		if (pm >= 0)
			snprintf(now, sizeof(now), "%s: %lld.%lld%%, %lld s left", msg ? msg : "", pm / 10,
				 pm % 10, left);
		else
			snprintf(now, sizeof(now), "%s", msg ? msg : "");
		if (strcmp(now, last) && !t->json)
			printf("%s\n", now);
		snprintf(last, sizeof(last), "%s", now);
		if (ctl_get_bool(&rep, "running") == 0) {
			rc = t->json ? twinctl_print_json(&rep) : 0;
			long long failed = 1;
			ctl_get_ll(&rep, "rc", &failed);
			ctl_reply_free(&rep);
			return failed ? EXIT_ERROR : rc;
		}
		ctl_reply_free(&rep);
	}
	fprintf(stderr, "twinctl: split-brain repair: no outcome after %d s (twinctl split-brain result)\n",
		REPAIR_WAIT_S);
	return EXIT_ERROR;
}

int cmd_split_brain(const struct twinctl *t, int argc, char **argv)
{
	const char *survivor = NULL;
	int yes = 0;

	if (argc == 1) {
		const char *req[] = {"status"};
		struct ctl_reply st;
		int rc = twinctl_request(t, 1, req, &st);
		if (rc)
			return rc;
		if (t->json)
			rc = twinctl_print_json(&st);
		else if (ctl_get_bool(&st, "sb.active") == 1)
			print_split(&st);
		else
			printf("no split brain%s%s\n", ctl_get(&st, "sb.protection") ? "; " : "",
			       ctl_get(&st, "sb.protection") ? ctl_get(&st, "sb.protection") : "");
		ctl_reply_free(&st);
		return rc;
	}
	if (argc == 2 && !strcmp(argv[1], "result")) {
		const char *req[] = {"split-brain", "result"};
		return twinctl_passthrough(t, 2, req);
	}
	if (strcmp(argv[1], "repair"))
		return twinctl_usage_error(argv[0], "unknown subcommand");
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--survivor") && i + 1 < argc)
			survivor = argv[++i];
		else if (!strcmp(argv[i], "--yes") || !strcmp(argv[i], "-y"))
			yes = 1;
		else
			return twinctl_usage_error(argv[0], "repair --survivor NODE [--yes]");
	}
	if (!survivor)
		return twinctl_usage_error(argv[0],
					   "repair needs --survivor NODE (the node whose data is kept)");
	return repair(t, survivor, yes);
}
