/* twinctl drbd-event split-brain|fence-peer [RES]: what DRBD's handlers
 * (rootfs/usr/lib/twin/drbd-handler) run.
 *
 * split-brain is told once. fence-peer waits for twind's verdict, asking
 * every 25 ms for as long as it takes (DRBD keeps the writes frozen
 * meanwhile: that is the point), and exits with DRBD's code for it: 3 the
 * peer's disk is Inconsistent, 4 Outdated, 5 the peer is unreachable, 7 it
 * is fenced (docs/SPLIT_BRAIN.md, "Fencing"). A daemon that is restarting
 * is waited for too. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "twinctl.h"

#define POLL_MS 25

static void pause_ms(long ms)
{
	nanosleep(&(struct timespec){.tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000}, NULL);
}

static int fence_peer(const struct twinctl *t, int argc, char **argv)
{
	char last[256] = "";
	int said_down = 0;

	for (;;) {
		struct ctl_reply rep;
		int rc = twinctl_request(t, argc, (const char *const *)argv, &rep);
		if (rc == EXIT_NOT_RUNNING) {
			if (!said_down++)
				fprintf(stderr, "twinctl: fence-peer: waiting for twind\n");
			pause_ms(POLL_MS);
			continue;
		}
		if (rc)
			return rc; /* DRBD keeps the writes frozen: a broken handler */
		const char *v = ctl_get(&rep, "rc"), *msg = ctl_get(&rep, "message");
		int code = -1;
		if (!v || sscanf(v, "%d", &code) != 1 || code < 0) {
			fprintf(stderr, "twinctl: fence-peer: twind answered without a verdict\n");
			ctl_reply_free(&rep);
			return EXIT_ERROR;
		}
		if (msg && strcmp(msg, last)) {
			fprintf(code ? stdout : stderr, "%s\n", msg);
			snprintf(last, sizeof(last), "%s", msg);
		}
		ctl_reply_free(&rep);
		if (code)
			return code;
		said_down = 0;
		pause_ms(POLL_MS);
	}
}

int cmd_drbd_event(const struct twinctl *t, int argc, char **argv)
{
	if (argc < 2 || argc > 3 || (strcmp(argv[1], "split-brain") && strcmp(argv[1], "fence-peer")))
		return twinctl_usage_error(argv[0], "split-brain|fence-peer [RESOURCE]");
	if (!strcmp(argv[1], "fence-peer"))
		return fence_peer(t, argc, argv);
	return twinctl_passthrough(t, argc, (const char *const *)argv);
}
