/* Test driver for the lease fence (docs/FENCE.md): plays a daemon that renews
 * the lease, hangs, or dies with the fence left attached.
 *
 *   fencetool [--clean] [--generic] [--lease MS] IFNAME VIP[,VIP...] [HOLD-MS]
 *       arm the fence and renew the lease every 10 ms; after HOLD-MS (default:
 *       forever) stop renewing but stay alive ("hung"). SIGTERM/SIGINT exit
 *       leaving the fence attached (a dead daemon), or detach with --clean.
 *   fencetool --status IFNAME   print the attached fence's state (exit 2: none)
 *   fencetool --detach IFNAME   remove a fence left behind
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fence_loader.h"

#define RENEW_NS 10000000ULL /* 10 ms, a heartbeat */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int usage(void)
{
	fprintf(stderr, "usage: fencetool [--clean] [--generic] [--lease MS] IFNAME VIP[,VIP...] [HOLD-MS]\n"
			"       fencetool --status IFNAME\n"
			"       fencetool --detach IFNAME\n");
	return 1;
}

static int parse_vips(char *list, struct in_addr *vips)
{
	int n = 0;

	for (char *save = NULL, *s = strtok_r(list, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
		if (n == FENCE_MAX_VIPS || inet_pton(AF_INET, s, &vips[n]) != 1)
			return -1;
		n++;
	}
	return n;
}

static int status(const char *ifname)
{
	struct fence_status st;
	char err[256], ip[INET6_ADDRSTRLEN];
	int r = fence_query(ifname, &st, err, sizeof(err));

	if (r < 0) {
		fprintf(stderr, "fencetool: %s\n", err);
		return 1;
	}
	if (r == 0) {
		printf("fence: none\n");
		return 2;
	}
	printf("fence: mode=%s id=%u armed=%d fenced=%d lease_left_ms=%lld dropped_arp=%llu dropped_ip=%llu "
	       "vips=",
	       st.generic ? "generic" : "native", st.prog_id, st.armed, st.fenced,
	       (long long)(st.lease_left_ns / 1000000), (unsigned long long)st.dropped_arp,
	       (unsigned long long)st.dropped_ip);
	for (int i = 0; i < st.n_vips; i++)
		printf("%s%s", i ? "," : "", inet_ntop(AF_INET, &st.vips[i], ip, sizeof(ip)));
	printf("\n");
	return 0;
}

static int detach(const char *ifname)
{
	char err[256];

	if (fence_remove(ifname, err, sizeof(err)) < 0) {
		fprintf(stderr, "fencetool: %s\n", err);
		return 1;
	}
	printf("detached\n");
	return 0;
}

static int run(const char *ifname, char *viplist, long hold_ms, long lease_ms, int clean, int generic)
{
	struct in_addr vips[FENCE_MAX_VIPS];
	struct sigaction sa;
	struct fence *f;
	char err[256];
	uint64_t arp, ip, t0;
	int n = parse_vips(viplist, vips), r, hung = 0;

	if (n < 1) {
		fprintf(stderr, "fencetool: bad VIP list\n");
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: nanosleep returns at once */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	r = fence_open(&f, ifname, vips, n, generic, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "fencetool: %s\n", err);
		return 1;
	}
	if (r == 1)
		fprintf(stderr, "fencetool: warning: %s\n", err);
	/* renew before arming, or the fence would bite for an instant */
	fence_renew(f, mono_ns() + (uint64_t)lease_ms * 1000000ULL);
	fence_arm(f, 1);
	printf("renewing (%s, lease %ld ms)\n", fence_mode(f), lease_ms);

	t0 = mono_ns();
	while (!stop) {
		uint64_t now = mono_ns();

		if (hold_ms >= 0 && now - t0 >= (uint64_t)hold_ms * 1000000ULL) {
			if (!hung)
				printf("hung: lease no longer renewed\n");
			hung = 1;
		}
		if (!hung)
			fence_renew(f, now + (uint64_t)lease_ms * 1000000ULL);
		struct timespec ts = {0, (long)RENEW_NS};
		nanosleep(&ts, NULL);
	}
	fence_counters(f, &arp, &ip);
	printf("dropped_arp=%llu dropped_ip=%llu\n", (unsigned long long)arp, (unsigned long long)ip);
	if (clean) {
		fence_close(f);
		printf("detached\n");
	} else {
		fence_release(f);
		printf("exiting without detaching\n");
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"clean", no_argument, NULL, 'c'},	      {"generic", no_argument, NULL, 'g'},
	    {"lease", required_argument, NULL, 'l'},  {"status", required_argument, NULL, 's'},
	    {"detach", required_argument, NULL, 'd'}, {NULL, 0, NULL, 0},
	};
	long lease_ms = 100, hold_ms = -1;
	int clean = 0, generic = 0, c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			clean = 1;
			break;
		case 'g':
			generic = 1;
			break;
		case 'l':
			lease_ms = strtol(optarg, NULL, 10);
			if (lease_ms <= 0)
				return usage();
			break;
		case 's':
			return status(optarg);
		case 'd':
			return detach(optarg);
		default:
			return usage();
		}
	}
	if (argc - optind < 2 || argc - optind > 3)
		return usage();
	if (argc - optind == 3) {
		char *end;

		errno = 0;
		hold_ms = strtol(argv[optind + 2], &end, 10);
		if (errno || *end || hold_ms < 0)
			return usage();
	}
	return run(argv[optind], argv[optind + 1], hold_ms, lease_ms, clean, generic);
}
