/* twinctl diag: gather this node's status, the peer's (twind asks it over
 * the cluster channel: twinctl opens no network connection) and the boot
 * slots, run the checks of userland/lib/diag.c, print a line per check.
 * The exit code is the worst verdict (twinctl(8), diag). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "diag.h"
#include "int_parse.h"
#include "test_hooks.h"
#include "twinctl.h"

#define PEER_WAIT_MS 3000 /* the peer channel answers in ms; a cut one never */
#define POLL_MS	     50

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* The peer's status through twind ("diag peer", then "diag result"): 0
 * with peer filled, or -1 with why in err. */
static int ask_peer(const struct twinctl *t, struct ctl_reply *peer, char *err, size_t errlen)
{
	const char *start[] = {"diag", "peer"}, *poll[] = {"diag", "result"};
	struct ctl_reply rep;

	if (twinctl_request(t, 2, start, &rep)) {
		snprintf(err, errlen, "twind could not ask it");
		return -1;
	}
	ctl_reply_free(&rep);
	for (int waited = 0;; waited += POLL_MS) {
		if (twinctl_request(t, 2, poll, &rep)) {
			snprintf(err, errlen, "twind could not ask it");
			return -1;
		}
		if (ctl_get_bool(&rep, "running") != 1)
			break;
		ctl_reply_free(&rep);
		if (waited >= PEER_WAIT_MS) {
			snprintf(err, errlen, "no answer within %d ms", PEER_WAIT_MS);
			return -1;
		}
		sleep_ms(POLL_MS);
	}
	const char *e = ctl_get(&rep, "error");
	int rc = e ? -1 : diag_sub_reply(&rep, "peer.", peer);
	snprintf(err, errlen, "%s", e ? e : rc ? "out of memory" : "");
	ctl_reply_free(&rep);
	return rc;
}

/* `bootctl status` into out: 1, 0 when this system has no A/B slots, -1
 * with why in err */
static int boot_slots(char *out, size_t len, char *err, size_t errlen)
{
	const char *bootctl = test_hook("TWIN_BOOTCTL");
	const char *av[] = {bootctl ? bootctl : "/usr/lib/twin/bootctl", "status", NULL};

	if (access(av[0], X_OK) != 0)
		return 0;
	int rc = twinctl_run_capture(av, out, len);
	if (rc != 0) {
		snprintf(err, errlen, "%s status exited %d", av[0], rc);
		return -1;
	}
	return 1;
}

static int print_json(const struct diag_check *c, size_t n)
{
	struct ctl_resp r;
	struct ctl_reply rep;
	char err[256];
	size_t len;

	ctl_resp_init(&r);
	ctl_resp_ok(&r);
	diag_encode(c, n, &r);
	const char *text = ctl_resp_data(&r, &len);
	int rc = ctl_reply_parse(&rep, text, len, err, sizeof(err));
	if (rc < 0)
		fprintf(stderr, "twinctl diag: %s\n", err);
	else
		rc = twinctl_print_json(&rep);
	ctl_reply_free(&rep);
	ctl_resp_free(&r);
	return rc ? EXIT_ERROR : 0;
}

static int option(int argc, char **argv, int *i, long long max, long long *out)
{
	if (*i + 1 >= argc || parse_ll(argv[*i + 1], 0, max, out) < 0)
		return -1;
	(*i)++;
	return 0;
}

int cmd_diag(const struct twinctl *t, int argc, char **argv)
{
	const char *req[] = {"status"};
	struct diag_limits lim;
	struct ctl_reply self, peer = {0};
	struct diag_check checks[DIAG_MAX];
	char perr[256] = "", boot[1024], berr[300] = "";
	int json = t->json;

	diag_limits_default(&lim);
	for (int i = 1; i < argc; i++) {
		long long v;
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j")) {
			json = 1;
		} else if (!strcmp(argv[i], "--max-skew-ms")) {
			if (option(argc, argv, &i, 86400000, &v) < 0)
				return twinctl_usage_error(argv[0], "--max-skew-ms takes milliseconds");
			lim.skew_warn_ms = v;
			if (lim.skew_fail_ms < v)
				lim.skew_fail_ms = v;
		} else if (!strcmp(argv[i], "--min-free-pct")) {
			if (option(argc, argv, &i, 99, &v) < 0)
				return twinctl_usage_error(argv[0],
							   "--min-free-pct takes a percentage (0..99)");
			lim.disk_warn_pct = v;
			lim.disk_fail_pct = v / 2;
		} else {
			return twinctl_usage_error(argv[0], "unknown option");
		}
	}
	int rc = twinctl_request(t, 1, req, &self);
	if (rc)
		return rc;
	const char *mode = ctl_get(&self, "cluster.mode");
	int have_peer = !(mode && !strcmp(mode, "standalone")) && ask_peer(t, &peer, perr, sizeof(perr)) == 0;
	int b = boot_slots(boot, sizeof(boot), berr, sizeof(berr));
	struct diag_input in = {.self = &self,
				.peer = have_peer ? &peer : NULL,
				.peer_error = perr,
				.bootctl = b == 1 ? boot : NULL,
				.bootctl_error = b < 0 ? berr : NULL};
	size_t n = diag_run(&in, &lim, checks, DIAG_MAX);
	if (json) {
		rc = print_json(checks, n);
	} else {
		char *text = diag_render_text(checks, n, 80);
		if (text)
			fputs(text, stdout);
		rc = text ? 0 : EXIT_ERROR;
		free(text);
	}
	ctl_reply_free(&self);
	ctl_reply_free(&peer);
	return rc ? rc : diag_exit_code(diag_worst(checks, n));
}
