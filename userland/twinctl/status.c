/* twinctl status: the server-health table, or every key as JSON; --watch
 * refreshes it in place with DRBD's resync as a progress bar. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "status_render.h"
#include "sync_progress.h"
#include "twinctl.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int print_once(const struct twinctl *opts, int raw, struct sync_rate *rate)
{
	const char *req[] = {"status"};
	struct ctl_reply rep;
	int rc = twinctl_request(opts, 1, req, &rep);

	if (rc)
		return rc;
	if (raw) {
		for (size_t i = 0; i < rep.n; i++)
			printf("%s=%s\n", rep.kv[i].key, rep.kv[i].val);
	} else if (opts->json) {
		rc = twinctl_print_json(&rep);
	} else {
		char *text = status_render(&rep);
		if (text) {
			fputs(text, stdout);
			free(text);
		} else {
			fprintf(stderr, "twinctl: out of memory\n");
			rc = EXIT_ERROR;
		}
		long long oos, permille, left;
		if (rate && !ctl_get_ll(&rep, "drbd.out_of_sync_kib", &oos) && oos >= 0) {
			sync_rate_add(rate, (int64_t)mono_ms(), (uint64_t)oos);
			if (!ctl_get_ll(&rep, "drbd.sync_permille", &permille)) {
				char line[200];
				if (ctl_get_ll(&rep, "drbd.sync_left_s", &left))
					left = -1;
				sync_progress_line(line, sizeof(line), (int)permille, rate, (uint64_t)oos,
						   left, 30);
				printf("  Resync: %s\n", line);
			}
		}
	}
	ctl_reply_free(&rep);
	return rc;
}

/* Until Ctrl-C (or count refreshes): on a terminal the screen is cleared
 * and redrawn in place (ANSI home + clear); into a pipe or file each
 * refresh is a plain status after a header line. */
static int watch(const struct twinctl *opts, int raw, double interval, long long count)
{
	struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART: the sleep ends */
	struct sync_rate rate = {0};
	int tty = isatty(STDOUT_FILENO), rc = 0;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	for (long long n = 0; !stop && (count <= 0 || n < count); n++) {
		char when[32];
		time_t now = time(NULL);
		struct tm tm;
		if (!localtime_r(&now, &tm) || !strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm))
			snprintf(when, sizeof(when), "%lld", (long long)now);
		printf("%sEvery %gs: twinctl status%*s%s\n\n", tty ? "\033[H\033[2J" : "", interval, 30, "",
		       when);
		rc = print_once(opts, raw, &rate);
		if (!tty)
			putchar('\n');
		fflush(stdout);
		if (count > 0 && n + 1 >= count)
			break;
		struct timespec ts = {.tv_sec = (time_t)interval,
				      .tv_nsec = (long)((interval - (double)(time_t)interval) * 1e9)};
		while (!stop && nanosleep(&ts, &ts) < 0)
			;
	}
	return stop ? 0 : rc; /* Ctrl-C is how a watch ends */
}

int cmd_status(const struct twinctl *t, int argc, char **argv)
{
	struct twinctl opts = *t;
	int raw = 0, watching = 0;
	double interval = 2;
	long long count = 0;

	/* "twinctl status --json" is what people type; accept it here too.
	 * --raw prints the key=value lines as sent, for shell scripts. */
	for (int i = 1; i < argc; i++) {
		char *end;
		if (!strcmp(argv[i], "--raw")) {
			raw = 1;
		} else if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j")) {
			opts.json = 1;
		} else if (!strcmp(argv[i], "--watch") || !strcmp(argv[i], "-w")) {
			watching = 1;
		} else if (!strcmp(argv[i], "--interval") && i + 1 < argc) {
			interval = strtod(argv[++i], &end);
			if (*end || end == argv[i] || !(interval >= 0.1 && interval <= 3600))
				return twinctl_usage_error(argv[0], "--interval takes seconds, 0.1 to 3600");
			watching = 1;
		} else if (!strcmp(argv[i], "--count") && i + 1 < argc) {
			count = strtoll(argv[++i], &end, 10);
			if (*end || end == argv[i] || count < 1)
				return twinctl_usage_error(argv[0], "--count takes a number of refreshes");
			watching = 1;
		} else {
			return twinctl_usage_error(argv[0],
						   "takes --json, --raw, --watch [--interval S] [--count N]");
		}
	}
	if (watching)
		return watch(&opts, raw, interval, count);
	struct sync_rate one = {0}; /* one sample: DRBD's own estimate of the time left */
	return print_once(&opts, raw, &one);
}
