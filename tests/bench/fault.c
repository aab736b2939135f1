/* fault [-r MAX_PHASE_US] ACTION ARGS...: the benchmark's fault injector.
 *
 *   kill SIGNUM PID...   kill(2) each PID, back to back; with several
 *                        PIDs they are all SIGSTOPped first, so that none
 *                        can react to another's death (keepalived's VRRP
 *                        child shuts down cleanly when its parent dies)
 *   down IFNAME...       clear IFF_UP on each interface (run it in the
 *                        namespace that holds them), back to back
 *   exec CMD ARGS...     execvp CMD (a command such as "twinctl release")
 *
 * First sleeps a uniformly random time in [0, MAX_PHASE_US) so that the
 * fault lands at a random phase of the heartbeat cycle, then prints the
 * CLOCK_MONOTONIC instant of the fault in ns on a line of its own and
 * injects it. The instant is taken right before the fault, in this process:
 * no fork/exec lies between them (except for exec, where the command's own
 * start-up counts against the product, as it would for an admin). The
 * prober's timeline uses the same clock, so the gap is fault -> first
 * answer from the new node. */
#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: fault [-r MAX_PHASE_US] kill SIGNUM PID... | down IFNAME... | exec CMD ARGS...\n");
	return 2;
}

static void random_phase(unsigned long max_us)
{
	uint64_t r = 0, ns;
	struct timespec ts;

	if (!max_us)
		return;
	if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
		r = mono_ns() * 0x9e3779b97f4a7c15ull; /* no entropy: still not phase-locked */
	ns = r % ((uint64_t)max_us * 1000);
	ts.tv_sec = (time_t)(ns / 1000000000ull);
	ts.tv_nsec = (long)(ns % 1000000000ull);
	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
		;
}

static void stamp(void)
{
	printf("%llu\n", (unsigned long long)mono_ns());
	fflush(stdout);
}

static int do_kill(int argc, char **argv)
{
	pid_t pids[16];
	int sig, n = argc - 1, rc = 0;

	if (n < 1 || n > 16)
		return usage();
	sig = atoi(argv[0]);
	for (int i = 0; i < n; i++)
		pids[i] = (pid_t)atol(argv[i + 1]);
	stamp();
	for (int i = 0; n > 1 && i < n; i++)
		kill(pids[i], SIGSTOP);
	for (int i = 0; i < n; i++)
		if (kill(pids[i], sig) < 0) {
			fprintf(stderr, "fault: kill %d: %s\n", (int)pids[i], strerror(errno));
			rc = 1;
		}
	return rc;
}

static int do_down(int argc, char **argv)
{
	struct ifreq ifr[16];
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = 0;

	if (argc < 1 || argc > 16)
		return usage();
	if (s < 0)
		return perror("fault: socket"), 1;
	/* read the flags first, so only the SIOCSIFFLAGS calls follow the stamp */
	for (int i = 0; i < argc; i++) {
		memset(&ifr[i], 0, sizeof(ifr[i]));
		snprintf(ifr[i].ifr_name, sizeof(ifr[i].ifr_name), "%s", argv[i]);
		if (ioctl(s, SIOCGIFFLAGS, &ifr[i]) < 0) {
			fprintf(stderr, "fault: %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		ifr[i].ifr_flags &= ~IFF_UP;
	}
	stamp();
	for (int i = 0; i < argc; i++)
		if (ioctl(s, SIOCSIFFLAGS, &ifr[i]) < 0) {
			fprintf(stderr, "fault: down %s: %s\n", argv[i], strerror(errno));
			rc = 1;
		}
	close(s);
	return rc;
}

int main(int argc, char **argv)
{
	unsigned long max_us = 0;
	int opt;

	while ((opt = getopt(argc, argv, "+r:")) != -1) {
		if (opt != 'r')
			return usage();
		max_us = strtoul(optarg, NULL, 10);
	}
	argc -= optind;
	argv += optind;
	if (argc < 2)
		return usage();
	random_phase(max_us);
	if (!strcmp(argv[0], "kill"))
		return do_kill(argc - 1, argv + 1);
	if (!strcmp(argv[0], "down"))
		return do_down(argc - 1, argv + 1);
	if (!strcmp(argv[0], "exec")) {
		stamp();
		execvp(argv[1], argv + 1);
		fprintf(stderr, "fault: %s: %s\n", argv[1], strerror(errno));
		return 127;
	}
	return usage();
}
