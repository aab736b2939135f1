/* viptool: a small CLI over vip.c and arp.c for tests/net/test_vip_arp.sh.
 *
 *   viptool add     IP/N DEV
 *   viptool del     IP/N DEV
 *   viptool present IP/N DEV               prints present|absent
 *   viptool garp    IP DEV COUNT INTERVAL_MS
 *   viptool probe   IP DEV WAIT_MS         prints clear | conflict MAC [probing]
 *   viptool watch   DEV WAIT_MS off|all|IP prints the number of ARP frames the
 *                                          socket delivers in the window
 *   viptool bench   IP/N DEV ROUNDS        µs per vip_add, vip_del, arp_send_garp
 *
 * Exit: 0 done / present / clear, 1 absent / conflict, 2 error, 64 usage. */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arp.h"
#include "vip.h"

#define EX_NO	 1
#define EX_ERR	 2
#define EX_USAGE 64

static int usage(void)
{
	fprintf(stderr, "usage: viptool add|del|present IP/N DEV\n"
			"       viptool garp IP DEV COUNT INTERVAL_MS\n"
			"       viptool probe IP DEV WAIT_MS\n"
			"       viptool watch DEV WAIT_MS off|all|IP\n"
			"       viptool bench IP/N DEV ROUNDS\n");
	return EX_USAGE;
}

static int parse_u32(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return (errno || end == s || *end || *s == '-' || *out > max) ? -1 : 0;
}

/* "A.B.C.D/N" (with_prefix) or "A.B.C.D", plus the device; IPv6 too
 * (add/del/present only). */
static int parse_vip(const char *ipn, const char *dev, int with_prefix, struct cfg_vip *v)
{
	char buf[64];
	char *slash;
	unsigned long n = 32;

	memset(v, 0, sizeof(*v));
	snprintf(buf, sizeof(buf), "%s", ipn);
	slash = strchr(buf, '/');
	if (with_prefix != !!slash)
		return -1;
	v->family = strchr(buf, ':') ? AF_INET6 : AF_INET;
	if (v->family == AF_INET6)
		n = 128;
	if (slash) {
		*slash = '\0';
		if (parse_u32(slash + 1, n, &n) < 0 || n < 1)
			return -1;
	}
	if (inet_pton(v->family, buf, v->family == AF_INET6 ? (void *)&v->addr6 : (void *)&v->addr) != 1 ||
	    strlen(dev) >= sizeof(v->dev))
		return -1;
	v->prefix = (uint8_t)n;
	snprintf(v->dev, sizeof(v->dev), "%s", dev);
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_until(uint64_t ns)
{
	struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000u), .tv_nsec = (long)(ns % 1000000000u)};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static int cmd_vip(const char *cmd, const struct cfg_vip *v)
{
	char err[256];
	struct vip_ctx *ctx;
	int r;

	if (vip_open(&ctx, err, sizeof(err)) < 0) {
		fprintf(stderr, "viptool: %s\n", err);
		return EX_ERR;
	}
	if (!strcmp(cmd, "present")) {
		r = vip_present(ctx, v);
		vip_close(ctx);
		if (r < 0) {
			fprintf(stderr, "viptool: vip_present: %s\n", strerror(errno));
			return EX_ERR;
		}
		puts(r ? "present" : "absent");
		return r ? 0 : EX_NO;
	}
	r = !strcmp(cmd, "add") ? vip_add(ctx, v, err, sizeof(err)) : vip_del(ctx, v, err, sizeof(err));
	vip_close(ctx);
	if (r < 0) {
		fprintf(stderr, "viptool: %s\n", err);
		return EX_ERR;
	}
	return 0;
}

static int cmd_garp(struct in_addr ip, const char *dev, unsigned long count, unsigned long interval_ms)
{
	char err[256];
	struct arp_sock *s;
	uint64_t t0;

	if (arp_open(&s, dev, err, sizeof(err)) < 0) {
		fprintf(stderr, "viptool: %s\n", err);
		return EX_ERR;
	}
	t0 = now_ns();
	for (unsigned long i = 0; i < count; i++) {
		if (i)
			sleep_until(t0 + i * interval_ms * 1000000u);
		if (arp_send_garp(s, ip) < 0) {
			fprintf(stderr, "viptool: garp %s dev %s: %s\n", inet_ntoa(ip), dev, strerror(errno));
			arp_close(s);
			return EX_ERR;
		}
	}
	arp_close(s);
	printf("sent %lu\n", count);
	return 0;
}

static int cmd_probe(struct in_addr ip, const char *dev, unsigned long wait_ms)
{
	char err[256];
	struct arp_sock *s;
	struct arp_seen f = {0};
	uint64_t deadline;
	enum arp_conflict c = ARP_CLEAR;
	int r = 0;

	if (arp_open(&s, dev, err, sizeof(err)) < 0) {
		fprintf(stderr, "viptool: %s\n", err);
		return EX_ERR;
	}
	if (arp_watch(s, &ip, 1) < 0 || arp_send_probe(s, ip) < 0) {
		fprintf(stderr, "viptool: probe %s dev %s: %s\n", inet_ntoa(ip), dev, strerror(errno));
		arp_close(s);
		return EX_ERR;
	}
	deadline = now_ns() + wait_ms * 1000000u;
	while (c == ARP_CLEAR) {
		uint64_t t = now_ns();
		struct pollfd p = {.fd = arp_fd(s), .events = POLLIN};

		while (c == ARP_CLEAR && (r = arp_read(s, &f)) > 0)
			c = arp_is_conflict(&f, ip, arp_mac(s));
		if (r < 0) {
			fprintf(stderr, "viptool: probe read: %s\n", strerror(errno));
			arp_close(s);
			return EX_ERR;
		}
		if (c != ARP_CLEAR || t >= deadline)
			break;
		poll(&p, 1, (int)((deadline - t + 999999u) / 1000000u));
	}
	arp_close(s);
	if (c == ARP_CLEAR) {
		puts("clear");
		return 0;
	}
	printf("conflict %02x:%02x:%02x:%02x:%02x:%02x%s\n", f.sha[0], f.sha[1], f.sha[2], f.sha[3], f.sha[4],
	       f.sha[5], c == ARP_PROBING ? " probing" : "");
	return EX_NO;
}

/* How many frames arp_read hands over in wait_ms with the filter set to
 * off (arp_open's state), all, or one address. */
static int cmd_watch(const char *dev, unsigned long wait_ms, const char *what)
{
	char err[256];
	struct arp_sock *s;
	struct arp_seen f;
	struct in_addr ip;
	uint64_t deadline = now_ns() + wait_ms * 1000000u;
	unsigned long n = 0;
	int r = 0;

	if (strcmp(what, "off") && strcmp(what, "all") && inet_pton(AF_INET, what, &ip) != 1)
		return usage();
	if (arp_open(&s, dev, err, sizeof(err)) < 0) {
		fprintf(stderr, "viptool: %s\n", err);
		return EX_ERR;
	}
	if (!strcmp(what, "all"))
		r = arp_watch(s, NULL, 0);
	else if (strcmp(what, "off"))
		r = arp_watch(s, &ip, 1);
	for (uint64_t t = now_ns(); r >= 0 && t < deadline; t = now_ns()) {
		struct pollfd p = {.fd = arp_fd(s), .events = POLLIN};

		poll(&p, 1, (int)((deadline - t + 999999u) / 1000000u));
		while ((r = arp_read(s, &f)) > 0)
			n++;
	}
	arp_close(s);
	if (r < 0) {
		fprintf(stderr, "viptool: watch %s: %s\n", dev, strerror(errno));
		return EX_ERR;
	}
	printf("%lu\n", n);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *what, uint64_t *ns, unsigned long n)
{
	qsort(ns, n, sizeof(*ns), cmp_u64);
	printf("%-14s median %.1f us  p90 %.1f us  max %.1f us  (n=%lu)\n", what, ns[n / 2] / 1e3,
	       ns[n * 9 / 10] / 1e3, ns[n - 1] / 1e3, n);
}

/* Latency of the takeover's side effects, each measured alone. */
static int cmd_bench(const struct cfg_vip *v, unsigned long rounds)
{
	char err[256];
	struct vip_ctx *ctx = NULL;
	struct arp_sock *s = NULL;
	uint64_t *add = calloc(rounds, sizeof(*add)), *del = calloc(rounds, sizeof(*del));
	uint64_t *garp = calloc(rounds, sizeof(*garp));
	int rc = EX_ERR;

	if (!add || !del || !garp)
		goto out;
	if (vip_open(&ctx, err, sizeof(err)) < 0 || arp_open(&s, v->dev, err, sizeof(err)) < 0) {
		fprintf(stderr, "viptool: %s\n", err);
		goto out;
	}
	for (unsigned long i = 0; i < rounds; i++) {
		uint64_t t0 = now_ns(), t1, t2, t3;

		if (vip_add(ctx, v, err, sizeof(err)) < 0)
			goto fail;
		t1 = now_ns();
		if (arp_send_garp(s, v->addr) < 0) {
			snprintf(err, sizeof(err), "garp: %s", strerror(errno));
			goto fail;
		}
		t2 = now_ns();
		if (vip_del(ctx, v, err, sizeof(err)) < 0)
			goto fail;
		t3 = now_ns();
		add[i] = t1 - t0, garp[i] = t2 - t1, del[i] = t3 - t2;
	}
	report("vip_add", add, rounds);
	report("arp_send_garp", garp, rounds);
	report("vip_del", del, rounds);
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "viptool: %s\n", err);
out:
	arp_close(s);
	vip_close(ctx);
	free(add);
	free(del);
	free(garp);
	return rc;
}

int main(int argc, char **argv)
{
	struct cfg_vip v;
	unsigned long a, b;

	if (argc < 4)
		return usage();
	const char *cmd = argv[1];

	if (!strcmp(cmd, "add") || !strcmp(cmd, "del") || !strcmp(cmd, "present")) {
		if (argc != 4 || parse_vip(argv[2], argv[3], 1, &v) < 0)
			return usage();
		return cmd_vip(cmd, &v);
	}
	if (!strcmp(cmd, "garp")) {
		if (argc != 6 || parse_vip(argv[2], argv[3], 0, &v) < 0 || parse_u32(argv[4], 1000, &a) < 0 ||
		    a < 1 || parse_u32(argv[5], 60000, &b) < 0)
			return usage();
		return cmd_garp(v.addr, v.dev, a, b);
	}
	if (!strcmp(cmd, "probe")) {
		if (argc != 5 || parse_vip(argv[2], argv[3], 0, &v) < 0 || parse_u32(argv[4], 60000, &a) < 0)
			return usage();
		return cmd_probe(v.addr, v.dev, a);
	}
	if (!strcmp(cmd, "watch")) {
		if (argc != 5 || parse_u32(argv[3], 60000, &a) < 0)
			return usage();
		return cmd_watch(argv[2], a, argv[4]);
	}
	if (!strcmp(cmd, "bench")) {
		if (argc != 5 || parse_vip(argv[2], argv[3], 1, &v) < 0 ||
		    parse_u32(argv[4], 100000, &a) < 0 || a < 1)
			return usage();
		return cmd_bench(&v, a);
	}
	return usage();
}
