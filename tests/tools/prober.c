/* prober -t IP:PORT [-i INTERVAL_US] [-d SECONDS] [-o timeline.csv]
 *
 * The client side of the failover tests and benchmark: a UDP probe every
 * INTERVAL (default 1000 us) to a responder behind the failover IP, each
 * carrying its seq and send time; the reply names the node that answered.
 * Prints one machine-readable line on stdout:
 *   sent=N answered=N lost=N switches=K first=NAME last=NAME gap_ms=X max_gap_ms=Y
 * switches: changes of the answering name, in send order; gap_ms: from the
 * send time of the last probe answered before the first switch to that of the
 * first probe answered by the new node (0 without a switch); max_gap_ms: the
 * longest time between the send times of consecutive answered probes. A reply
 * later than 1 s counts as lost. first/last are "none" without any answer.
 * Per-switch lines and anything that makes the numbers suspect (the prober
 * itself stalled, send errors) go to stderr. -o writes every probe as
 * seq,send_ns,reply_ns,name (CLOCK_MONOTONIC ns; reply_ns and name empty
 * when unanswered; a late reply is written but counted as lost).
 *
 * Probes leave on an absolute CLOCK_MONOTONIC timerfd, under SCHED_FIFO and
 * mlockall when permitted, so the prober's own jitter stays out of the gap.
 * Stops after -d seconds or at SIGTERM/SIGINT, then waits up to 1 s for the
 * replies still in flight (a second signal cuts that short). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define NSEC	  1000000000ULL
#define LATE_NS	  NSEC /* replies later than this are lost */
#define ECHO_LEN  16
#define NAME_LEN  64
#define MAX_NAMES 255
#define RT_PRIO	  30 /* above any normal load, below twind's default 50 */

struct probe {
	uint64_t send_ns;
	uint64_t reply_ns; /* 0 = no reply */
	uint8_t name;	   /* index + 1 into names, 0 = none */
};

struct prober {
	int sock, timer, sig, ep;
	struct sockaddr_in target;
	struct probe *p;
	size_t n, cap;
	char names[MAX_NAMES][NAME_LEN + 1];
	size_t n_names;
	uint64_t missed_ticks, send_errors, dups, strays;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC + (uint64_t)ts.tv_nsec;
}

static void usage(void)
{
	fprintf(stderr, "usage: prober -t IP:PORT [-i INTERVAL_US] [-d SECONDS] [-o timeline.csv]\n");
	exit(2);
}

static int parse_target(const char *arg, struct sockaddr_in *sin)
{
	char ip[64];
	const char *colon = strrchr(arg, ':');
	char *end;
	unsigned long port;

	if (!colon || (size_t)(colon - arg) >= sizeof(ip))
		return -1;
	memcpy(ip, arg, (size_t)(colon - arg));
	ip[colon - arg] = '\0';
	port = strtoul(colon + 1, &end, 10);
	if (*end || port == 0 || port > 65535)
		return -1;
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, ip, &sin->sin_addr) == 1 ? 0 : -1;
}

static uint8_t intern(struct prober *pr, const char *name, size_t len)
{
	for (size_t i = 0; i < pr->n_names; i++)
		if (strlen(pr->names[i]) == len && memcmp(pr->names[i], name, len) == 0)
			return (uint8_t)(i + 1);
	if (pr->n_names == MAX_NAMES)
		return MAX_NAMES; /* absurd: lump the rest together */
	memcpy(pr->names[pr->n_names], name, len);
	pr->names[pr->n_names][len] = '\0';
	return (uint8_t)++pr->n_names;
}

static int send_probe(struct prober *pr)
{
	unsigned char buf[ECHO_LEN];
	uint64_t seq, ts;

	if (pr->n == pr->cap) {
		size_t cap = pr->cap * 2;
		struct probe *np = realloc(pr->p, cap * sizeof(*np));

		if (!np)
			return -1;
		pr->p = np;
		pr->cap = cap;
	}
	pr->p[pr->n] = (struct probe){.send_ns = mono_ns()};
	seq = htole64(pr->n);
	ts = htole64(pr->p[pr->n].send_ns);
	memcpy(buf, &seq, 8);
	memcpy(buf + 8, &ts, 8);
	/* unconnected: a connected socket would drop the probe after an ICMP
	 * port unreachable (the error is reported on the next send) */
	if (sendto(pr->sock, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&pr->target,
		   sizeof(pr->target)) < 0)
		pr->send_errors++; /* still a probe the client made: it goes unanswered */
	pr->n++;
	return 0;
}

static void read_replies(struct prober *pr)
{
	for (;;) {
		unsigned char buf[ECHO_LEN + NAME_LEN + 1];
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(pr->sock, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
		uint64_t now = mono_ns(), seq, ts;
		struct probe *p;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return;
		if (n <= ECHO_LEN || n > ECHO_LEN + NAME_LEN ||
		    from.sin_addr.s_addr != pr->target.sin_addr.s_addr ||
		    from.sin_port != pr->target.sin_port) {
			pr->strays++;
			continue;
		}
		memcpy(&seq, buf, 8);
		memcpy(&ts, buf + 8, 8);
		seq = le64toh(seq);
		ts = le64toh(ts);
		if (seq >= pr->n || pr->p[seq].send_ns != ts) {
			pr->strays++;
			continue;
		}
		p = &pr->p[seq];
		if (p->reply_ns) {
			pr->dups++; /* first answer wins */
			continue;
		}
		p->reply_ns = now;
		p->name = intern(pr, (const char *)buf + ECHO_LEN, (size_t)n - ECHO_LEN);
	}
}

static int answered(const struct probe *p)
{
	return p->reply_ns && p->reply_ns - p->send_ns <= LATE_NS;
}

/* Everything sent in the last second has its reply: no need to wait. */
static int all_in(const struct prober *pr)
{
	uint64_t last;

	if (!pr->n)
		return 1;
	last = pr->p[pr->n - 1].send_ns;
	for (size_t i = pr->n; i-- > 0 && last - pr->p[i].send_ns < LATE_NS;)
		if (!pr->p[i].reply_ns)
			return 0;
	return 1;
}

static const char *name_of(const struct prober *pr, const struct probe *p)
{
	return p && p->name ? pr->names[p->name - 1] : "none";
}

static void summary(const struct prober *pr)
{
	const struct probe *prev = NULL, *first = NULL;
	uint64_t n_ans = 0, switches = 0, gap = 0, max_gap = 0;
	uint64_t t0 = pr->n ? pr->p[0].send_ns : 0;

	for (size_t i = 0; i < pr->n; i++) {
		const struct probe *p = &pr->p[i];

		if (!answered(p))
			continue;
		n_ans++;
		if (!first)
			first = p;
		if (prev) {
			uint64_t d = p->send_ns - prev->send_ns;

			if (d > max_gap)
				max_gap = d;
			if (p->name != prev->name) {
				if (!switches)
					gap = d;
				switches++;
				fprintf(stderr, "switch at +%.3f s: %s -> %s after %.1f ms\n",
					(double)(p->send_ns - t0) / 1e9, name_of(pr, prev), name_of(pr, p),
					(double)d / 1e6);
			}
		}
		prev = p;
	}
	printf(
	    "sent=%zu answered=%llu lost=%llu switches=%llu first=%s last=%s gap_ms=%.3f max_gap_ms=%.3f\n",
	    pr->n, (unsigned long long)n_ans, (unsigned long long)(pr->n - n_ans),
	    (unsigned long long)switches, name_of(pr, first), name_of(pr, prev), (double)gap / 1e6,
	    (double)max_gap / 1e6);
	fflush(stdout);
	if (pr->missed_ticks || pr->send_errors || pr->dups || pr->strays)
		fprintf(stderr,
			"prober: %llu missed ticks (the prober itself was late), %llu send errors, "
			"%llu duplicate replies, %llu stray datagrams\n",
			(unsigned long long)pr->missed_ticks, (unsigned long long)pr->send_errors,
			(unsigned long long)pr->dups, (unsigned long long)pr->strays);
}

static int write_csv(const struct prober *pr, const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fprintf(f, "seq,send_ns,reply_ns,name\n");
	for (size_t i = 0; i < pr->n; i++) {
		const struct probe *p = &pr->p[i];

		if (p->reply_ns)
			fprintf(f, "%zu,%llu,%llu,%s\n", i, (unsigned long long)p->send_ns,
				(unsigned long long)p->reply_ns, name_of(pr, p));
		else
			fprintf(f, "%zu,%llu,,\n", i, (unsigned long long)p->send_ns);
	}
	return fclose(f);
}

static void go_realtime(void)
{
	struct sched_param sp = {.sched_priority = RT_PRIO};
	int ml = mlockall(MCL_CURRENT | MCL_FUTURE);
	int rt = sched_setscheduler(0, SCHED_FIFO, &sp);

	if (ml < 0 || rt < 0)
		fprintf(stderr, "prober: note: running without %s%s%s (not permitted): timing less precise\n",
			rt < 0 ? "SCHED_FIFO" : "", rt < 0 && ml < 0 ? " and " : "",
			ml < 0 ? "mlockall" : "");
}

static int setup(struct prober *pr, uint64_t interval_ns, uint64_t start_ns)
{
	struct itimerspec its = {
	    .it_value = {.tv_sec = (time_t)(start_ns / NSEC), .tv_nsec = (long)(start_ns % NSEC)},
	    .it_interval = {.tv_sec = (time_t)(interval_ns / NSEC), .tv_nsec = (long)(interval_ns % NSEC)},
	};
	int fds[3], rcvbuf = 4 << 20;
	sigset_t sigs;

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	/* a shell starts background jobs with SIGINT ignored: we want it */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	pr->sig = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	pr->sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	pr->timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	pr->ep = epoll_create1(EPOLL_CLOEXEC);
	if (pr->sig < 0 || pr->sock < 0 || pr->timer < 0 || pr->ep < 0)
		return -1;
	setsockopt(pr->sock, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	fds[0] = pr->sock;
	fds[1] = pr->timer;
	fds[2] = pr->sig;
	for (int i = 0; i < 3; i++) {
		struct epoll_event ev = {.events = EPOLLIN, .data.fd = fds[i]};

		if (epoll_ctl(pr->ep, EPOLL_CTL_ADD, fds[i], &ev) < 0)
			return -1;
	}
	return timerfd_settime(pr->timer, TFD_TIMER_ABSTIME, &its, NULL);
}

int main(int argc, char **argv)
{
	static struct prober pr;
	const char *csv = NULL;
	double secs = 0;
	unsigned long interval_us = 1000;
	uint64_t start_ns, end_ns = UINT64_MAX, grace_end = 0;
	enum { SENDING, DRAINING, DONE } state = SENDING;
	int opt, have_target = 0;

	while ((opt = getopt(argc, argv, "t:i:d:o:")) != -1) {
		switch (opt) {
		case 't':
			if (parse_target(optarg, &pr.target) < 0) {
				fprintf(stderr, "prober: bad target %s (want IP:PORT)\n", optarg);
				return 2;
			}
			have_target = 1;
			break;
		case 'i':
			interval_us = strtoul(optarg, NULL, 10);
			break;
		case 'd':
			secs = strtod(optarg, NULL);
			break;
		case 'o':
			csv = optarg;
			break;
		default:
			usage();
		}
	}
	if (!have_target || interval_us < 10 || interval_us > 10000000 || secs < 0 || optind != argc)
		usage();

	pr.cap = secs > 0 ? (size_t)(secs * 1e6 / (double)interval_us) + 64 : 65536;
	pr.p = malloc(pr.cap * sizeof(*pr.p));
	if (!pr.p) {
		perror("prober: malloc");
		return 1;
	}
	go_realtime();
	start_ns = mono_ns() + 1000000;
	if (secs > 0)
		end_ns = start_ns + (uint64_t)(secs * 1e9);
	if (setup(&pr, (uint64_t)interval_us * 1000, start_ns) < 0) {
		perror("prober: setup");
		return 1;
	}

	while (state != DONE) {
		struct epoll_event evs[3];
		int timeout = -1, n;

		if (state == DRAINING) {
			uint64_t now = mono_ns();

			if (now >= grace_end || all_in(&pr))
				break;
			timeout = (int)((grace_end - now) / 1000000) + 1;
		}
		n = epoll_wait(pr.ep, evs, 3, timeout);
		if (n < 0 && errno != EINTR) {
			perror("prober: epoll_wait");
			return 1;
		}
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			uint64_t ticks;
			struct signalfd_siginfo si;

			if (fd == pr.sock) {
				read_replies(&pr);
			} else if (fd == pr.timer && read(pr.timer, &ticks, sizeof(ticks)) == sizeof(ticks) &&
				   state == SENDING) {
				/* late by whole intervals: skip them rather than burst */
				pr.missed_ticks += ticks - 1;
				if (mono_ns() >= end_ns) {
					state = DRAINING;
				} else if (send_probe(&pr) < 0) {
					perror("prober: out of memory");
					state = DRAINING;
				}
			} else if (fd == pr.sig && read(pr.sig, &si, sizeof(si)) == sizeof(si)) {
				state =
				    state == SENDING ? DRAINING : DONE; /* a second signal: stop waiting */
			}
		}
		if (state == DRAINING && !grace_end)
			grace_end = (pr.n ? pr.p[pr.n - 1].send_ns : 0) + LATE_NS;
	}
	read_replies(&pr);
	summary(&pr);
	if (csv && write_csv(&pr, csv) < 0) {
		fprintf(stderr, "prober: %s: %s\n", csv, strerror(errno));
		return 1;
	}
	return 0;
}
