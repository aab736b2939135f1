/* twinctl takeover [--force]: make this node Active. Normally a coordinated
 * handover: the daemon asks the active peer (in its authenticated
 * heartbeats) to release first, then takes over; twinctl waits until this
 * node is Active and says how long the handover took. --force takes over
 * without the peer, for when it is gone for good. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "twinctl.h"

#define WAIT_MS 5000

static long long elapsed_ms(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000LL + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* The node's state, or "" when it cannot be read. */
static void node_state(const struct twinctl *t, char *out, size_t len)
{
	const char *req[] = {"status"};
	struct ctl_reply rep;

	out[0] = 0;
	if (twinctl_request(t, 1, req, &rep))
		return;
	const char *s = ctl_get(&rep, "node.state");
	snprintf(out, len, "%s", s ? s : "");
	ctl_reply_free(&rep);
}

int cmd_takeover(const struct twinctl *t, int argc, char **argv)
{
	struct ctl_reply rep;
	struct timespec t0;
	char state[32];

	if (argc > 2 || (argc == 2 && strcmp(argv[1], "--force")))
		return twinctl_usage_error(argv[0], "takes only --force");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = twinctl_request(t, argc, (const char *const *)argv, &rep);
	if (rc)
		return rc;
	const char *msg = ctl_get(&rep, "message");
	if (!t->json)
		printf("%s\n", msg && *msg ? msg : "taking over");
	ctl_reply_free(&rep);
	do {
		node_state(t, state, sizeof(state));
		if (!strcmp(state, "Active")) {
			if (t->json)
				printf("{\"state\": \"Active\", \"elapsed_ms\": %lld}\n", elapsed_ms(&t0));
			else
				printf("this node is Active (%lld ms)\n", elapsed_ms(&t0));
			return 0;
		}
		nanosleep(&(struct timespec){.tv_nsec = 20 * 1000000}, NULL);
	} while (elapsed_ms(&t0) < WAIT_MS);
	fprintf(stderr, "twinctl: takeover: still %s after %d ms (see 'twinctl status')\n",
		state[0] ? state : "?", WAIT_MS);
	return EXIT_ERROR;
}
