/* health: fall/rise logic, link checks and levels, and the real thing:
 * commands that succeed, fail, hang (killed, reaped) and monitored
 * interfaces over netlink (in a private network namespace when we may make
 * one). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "health.h"

#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000
#endif

static char tmpdir[64];
static int own_netns; /* set once we run in a network namespace of our own */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* Runs the loop the daemon would run, for up to max_ms or until the verdict
 * flips. Returns the time it took to flip, or -1. */
static int pump(struct health *h, int max_ms)
{
	uint64_t start = now_ms();

	for (;;) {
		struct pollfd p = {.fd = health_fd(h), .events = POLLIN};
		int left = (int)(start + (uint64_t)max_ms - now_ms());

		if (left <= 0)
			return -1;
		if (poll(&p, 1, left) > 0) {
			CHECK_EQ(health_dispatch(h, now_ms()), 0);
			if (health_changed(h))
				return (int)(now_ms() - start);
		}
	}
}

/* Dispatch until the level is want (one rename or flap is several netlink
 * events: the first change need not be the last). 0, or -1 on timeout. */
static int pump_to(struct health *h, enum health_level want, int max_ms)
{
	uint64_t end = now_ms() + (uint64_t)max_ms;

	while (health_level(h) != want) {
		int left = (int)(end - now_ms());
		if (left <= 0 || pump(h, left) < 0)
			return health_level(h) == want ? 0 : -1;
	}
	return 0;
}

static void base_cfg(struct twin_config *c, const char *cmd)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->health_command, sizeof(c->health_command), "%s", cmd);
	c->health_interval_ms = 50;
	c->health_timeout_ms = 2000;
	c->health_fall = 1;
	c->health_rise = 1;
}

static struct health *open_cfg(const struct twin_config *c)
{
	struct health *h = NULL;
	char err[256] = "";

	CHECK_EQ(health_open(&h, c, err, sizeof(err)), 0);
	if (!h)
		fprintf(stderr, "health_open: %s\n", err);
	return h;
}

static void test_verdict(void)
{
	struct health_verdict v;

	health_verdict_init(&v, 2, 2);
	CHECK_EQ(v.ok, 1);
	CHECK_EQ(health_verdict_feed(&v, 0), 0);
	CHECK_EQ(v.ok, 1);
	CHECK_EQ(health_verdict_feed(&v, 1), 0); /* a success breaks the run */
	CHECK_EQ(health_verdict_feed(&v, 0), 0);
	CHECK_EQ(health_verdict_feed(&v, 0), 1);
	CHECK_EQ(v.ok, 0);
	CHECK_EQ(health_verdict_feed(&v, 0), 0);
	CHECK_EQ(health_verdict_feed(&v, 1), 0);
	CHECK_EQ(health_verdict_feed(&v, 0), 0); /* a failure breaks the rise */
	CHECK_EQ(health_verdict_feed(&v, 1), 0);
	CHECK_EQ(v.ok, 0);
	CHECK_EQ(health_verdict_feed(&v, 1), 1);
	CHECK_EQ(v.ok, 1);
	CHECK_EQ(health_verdict_feed(&v, 1), 0);

	health_verdict_init(&v, 0, 0); /* 0 means 1 */
	CHECK_EQ(health_verdict_feed(&v, 0), 1);
	CHECK_EQ(health_verdict_feed(&v, 1), 1);

	health_verdict_init(&v, 3, 1);
	CHECK_EQ(health_verdict_feed(&v, 0) + health_verdict_feed(&v, 0), 0);
	CHECK_EQ(health_verdict_feed(&v, 0), 1);
	CHECK_EQ(health_verdict_feed(&v, 1), 1);
}

static void test_link_check(void)
{
	struct health_link l = {.name = "eth0", .roles = HL_TRACK};
	char r[HEALTH_REASON_MAX];

	CHECK_EQ(health_link_check(&l, r, sizeof(r)), 0);
	CHECK_STR(r, "tracked interface eth0 is missing");
	l.ifindex = 2;
	l.flags = IFF_BROADCAST;
	CHECK_EQ(health_link_check(&l, r, sizeof(r)), 0);
	CHECK_STR(r, "tracked interface eth0 is admin-down");
	l.flags = IFF_UP | IFF_BROADCAST;
	CHECK_EQ(health_link_check(&l, r, sizeof(r)), 0);
	CHECK_STR(r, "tracked interface eth0 has no carrier");
	l.flags = IFF_UP | IFF_RUNNING;
	CHECK_EQ(health_link_check(&l, r, sizeof(r)), 0);
	l.flags = IFF_UP | IFF_RUNNING | IFF_LOWER_UP;
	CHECK_EQ(health_link_check(&l, r, sizeof(r)), 1);

	/* the name says why it is watched; the LAN first */
	l.flags = IFF_UP;
	l.roles = HL_LAN | HL_VIP | HL_TRACK;
	CHECK_EQ(health_link_check(&l, r, sizeof(r)), 0);
	CHECK_STR(r, "LAN interface eth0 has no carrier");
	l.roles = HL_VIP;
	CHECK_EQ(health_link_check(&l, r, sizeof(r)), 0);
	CHECK_STR(r, "failover IP interface eth0 has no carrier");
}

static void cfg_links(struct twin_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->lan_interface, sizeof(c->lan_interface), "eth0");
	c->n_vips = 2;
	snprintf(c->vips[0].dev, CFG_NAME_MAX, "eth0");
	snprintf(c->vips[1].dev, CFG_NAME_MAX, "eth2");
	c->n_track = 2;
	snprintf(c->track_interfaces[0], CFG_NAME_MAX, "eth3");
	snprintf(c->track_interfaces[1], CFG_NAME_MAX, "eth2");
}

static void test_links_from_config(void)
{
	struct twin_config c;
	struct health_link l[HEALTH_MAX_LINKS];
	size_t n;

	cfg_links(&c);
	c.monitor_lan_interface = 1;
	n = health_links_from_config(&c, l, HEALTH_MAX_LINKS);
	CHECK_EQ(n, 3u); /* each interface once */
	CHECK_STR(l[0].name, "eth0");
	CHECK_EQ(l[0].roles, (unsigned)(HL_LAN | HL_VIP));
	CHECK_STR(l[1].name, "eth2");
	CHECK_EQ(l[1].roles, (unsigned)(HL_VIP | HL_TRACK));
	CHECK_STR(l[2].name, "eth3");
	CHECK_EQ(l[2].roles, (unsigned)HL_TRACK);
	CHECK_EQ(l[0].ifindex, 0); /* not seen yet */

	/* off: only the tracked ones, still known to carry an IP */
	c.monitor_lan_interface = 0;
	n = health_links_from_config(&c, l, HEALTH_MAX_LINKS);
	CHECK_EQ(n, 2u);
	CHECK_STR(l[0].name, "eth3");
	CHECK_EQ(l[0].roles, (unsigned)HL_TRACK);
	CHECK_STR(l[1].name, "eth2");
	CHECK_EQ(l[1].roles, (unsigned)(HL_VIP | HL_TRACK));

	/* the shipped default: the LAN alone */
	memset(&c, 0, sizeof(c));
	snprintf(c.lan_interface, sizeof(c.lan_interface), "eth0");
	c.monitor_lan_interface = 1;
	c.n_vips = 1;
	snprintf(c.vips[0].dev, CFG_NAME_MAX, "eth0");
	n = health_links_from_config(&c, l, HEALTH_MAX_LINKS);
	CHECK_EQ(n, 1u);
	CHECK_EQ(l[0].roles, (unsigned)(HL_LAN | HL_VIP));
	CHECK_EQ(health_links_from_config(&c, l, 0), 0u);
}

static void set_link(struct health_link *l, int up)
{
	l->ifindex = 7;
	l->flags = up ? IFF_UP | IFF_RUNNING | IFF_LOWER_UP : IFF_UP;
}

static void test_links_level(void)
{
	struct twin_config c;
	struct health_link l[HEALTH_MAX_LINKS];
	char r[HEALTH_REASON_MAX];
	size_t n;

	cfg_links(&c);
	c.monitor_lan_interface = 1;
	n = health_links_from_config(&c, l,
				     HEALTH_MAX_LINKS); /* eth0 LAN+IP, eth2 IP+tracked, eth3 tracked */
	for (size_t i = 0; i < n; i++)
		set_link(&l[i], 1);
	CHECK_EQ(health_links_level(l, n, 1000, 0, r, sizeof(r)), HEALTH_OK);
	CHECK_STR(r, "ok");
	CHECK_EQ(health_links_level(l, 0, 1000, 0, r, sizeof(r)), HEALTH_OK);

	set_link(&l[2], 0); /* a tracked one */
	CHECK_EQ(health_links_level(l, n, 1000, 0, r, sizeof(r)), HEALTH_DEGRADED);
	CHECK_STR(r, "tracked interface eth3 has no carrier");
	set_link(&l[0], 0); /* the LAN too: eth2 still serves its IP */
	CHECK_EQ(health_links_level(l, n, 1000, 0, r, sizeof(r)), HEALTH_DEGRADED);
	CHECK_STR(r, "LAN interface eth0 has no carrier, and 1 more down");
	set_link(&l[2], 1);
	set_link(&l[1], 0); /* every failover IP's device down, eth3 up: cannot serve */
	CHECK_EQ(health_links_level(l, n, 1000, 0, r, sizeof(r)), HEALTH_FAILED);
	CHECK_STR(r, "LAN interface eth0 has no carrier, and 1 more down");
	set_link(&l[2], 0);
	CHECK_EQ(health_links_level(l, n, 1000, 0, r, sizeof(r)), HEALTH_FAILED);
	CHECK_STR(r, "LAN interface eth0 has no carrier, and 2 more down");
	/* failed by the IP devices: one of them is named, not the tracked one */
	set_link(&l[0], 1);
	set_link(&l[1], 1);
	l[1].roles = HL_VIP;
	set_link(&l[1], 0);
	l[0].roles = HL_TRACK;
	CHECK_EQ(health_links_level(l, n, 1000, 0, r, sizeof(r)), HEALTH_FAILED);
	CHECK_STR(r, "failover IP interface eth2 has no carrier, and 1 more down");

	/* without any IP device among them: all down = failed */
	for (size_t i = 0; i < n; i++) {
		l[i].roles = HL_TRACK;
		set_link(&l[i], 0);
	}
	CHECK_EQ(health_links_level(l, n, 1000, 0, r, sizeof(r)), HEALTH_FAILED);
	set_link(&l[1], 1);
	CHECK_EQ(health_links_level(l, n, 1000, 0, r, sizeof(r)), HEALTH_DEGRADED);

	/* the LAN alone (the shipped default) */
	struct health_link lan = {.name = "eth0", .roles = HL_LAN | HL_VIP};
	CHECK_EQ(health_links_level(&lan, 1, 1000, 300, r, sizeof(r)), HEALTH_FAILED);
	CHECK_STR(r, "LAN interface eth0 is missing");
	set_link(&lan, 1);
	CHECK_EQ(health_links_level(&lan, 1, 1000, 300, r, sizeof(r)), HEALTH_OK);
	/* back at 2000: down until it has been up for 300 ms */
	lan.back_ms = 2000;
	CHECK_EQ(health_links_level(&lan, 1, 2000, 300, r, sizeof(r)), HEALTH_FAILED);
	CHECK_STR(r, "LAN interface eth0 is up again, counted after 300 ms");
	CHECK_EQ(health_links_level(&lan, 1, 2299, 300, r, sizeof(r)), HEALTH_FAILED);
	CHECK_EQ(health_links_level(&lan, 1, 2300, 300, r, sizeof(r)), HEALTH_OK);
	CHECK_EQ(health_links_level(&lan, 1, 2000, 0, r, sizeof(r)), HEALTH_OK);

	CHECK_STR(health_level_name(HEALTH_OK), "ok");
	CHECK_STR(health_level_name(HEALTH_DEGRADED), "degraded");
	CHECK_STR(health_level_name(HEALTH_FAILED), "failed");
}

static int count_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	int n = 0, ch;

	if (!f)
		return 0;
	while ((ch = fgetc(f)) != EOF)
		n += ch == '\n';
	fclose(f);
	return n;
}

static void test_cmd_true(void)
{
	struct twin_config c;
	struct health *h;
	char cmd[256], log[128];

	snprintf(log, sizeof(log), "%s/runs", tmpdir);
	snprintf(cmd, sizeof(cmd), "echo run >> %s; true", log);
	base_cfg(&c, cmd);
	h = open_cfg(&c);
	if (!h)
		return;
	CHECK_EQ(pump(h, 300), -1); /* never flips */
	CHECK_EQ(health_ok(h), 1);
	CHECK_STR(health_reason(h), "ok");
	/* every 50 ms: about 6 runs in 300 ms */
	CHECK(count_lines(log) >= 3 && count_lines(log) <= 8);
	health_close(h);
}

static void test_cmd_false(void)
{
	struct twin_config c;
	struct health *h;
	int t;

	base_cfg(&c, "false");
	c.health_fall = 2;
	h = open_cfg(&c);
	if (!h)
		return;
	t = pump(h, 1000);
	CHECK(t >= 40 && t < 300); /* second failure, one interval after the first */
	CHECK_EQ(health_ok(h), 0);
	CHECK_STR(health_reason(h), "health command exited 1");
	health_close(h);

	base_cfg(&c, "echo oops >&2; echo more >&2; exit 3");
	h = open_cfg(&c);
	if (!h)
		return;
	CHECK(pump(h, 1000) >= 0);
	CHECK_STR(health_reason(h), "health command exited 3: oops");
	health_close(h);

	base_cfg(&c, "kill -9 $$");
	h = open_cfg(&c);
	if (!h)
		return;
	CHECK(pump(h, 1000) >= 0);
	CHECK_CONTAINS(health_reason(h), "health command killed by signal 9");
	health_close(h);
}

static void test_fall_rise(void)
{
	struct twin_config c;
	struct health *h;
	char cmd[256], flag[128];
	FILE *f;
	int t;

	snprintf(flag, sizeof(flag), "%s/fail", tmpdir);
	snprintf(cmd, sizeof(cmd), "test ! -e %s", flag);
	base_cfg(&c, cmd);
	c.health_fall = 3;
	c.health_rise = 2;
	h = open_cfg(&c);
	if (!h)
		return;
	CHECK_EQ(pump(h, 120), -1);
	f = fopen(flag, "w");
	if (f)
		fclose(f);
	t = pump(h, 1000);
	CHECK(t >= 90 && t < 400); /* three failures, 50 ms apart */
	CHECK_EQ(health_ok(h), 0);
	CHECK_STR(health_reason(h), "health command exited 1");
	unlink(flag);
	t = pump(h, 1000);
	CHECK(t >= 40 && t < 300); /* two successes */
	CHECK_EQ(health_ok(h), 1);
	CHECK_STR(health_reason(h), "ok");
	health_close(h);
}

static int gone_or_zombie(pid_t pid)
{
	char path[64], buf[256];
	FILE *f;
	char *p;
	int r;

	if (kill(pid, 0) < 0 && errno == ESRCH)
		return 1;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 1;
	r = fgets(buf, sizeof(buf), f) != NULL;
	fclose(f);
	p = r ? strrchr(buf, ')') : NULL;
	return p && p[1] == ' ' && p[2] == 'Z';
}

static pid_t read_pid(const char *path)
{
	FILE *f = fopen(path, "r");
	int pid = 0;

	if (f) {
		if (fscanf(f, "%d", &pid) != 1)
			pid = 0;
		fclose(f);
	}
	return pid;
}

static void test_timeout(void)
{
	struct twin_config c;
	struct health *h;
	char cmd[512], pf[128], gpf[128];
	pid_t pid, gpid;
	int t, fds = count_fds();
	uint64_t t0;

	snprintf(pf, sizeof(pf), "%s/pid", tmpdir);
	snprintf(gpf, sizeof(gpf), "%s/gpid", tmpdir);
	/* the shell stays (wait), its background child is in the same group */
	snprintf(cmd, sizeof(cmd), "echo $$ > %s; sleep 5 & echo $! > %s; wait", pf, gpf);
	base_cfg(&c, cmd);
	c.health_interval_ms = 5000;
	c.health_timeout_ms = 200;
	h = open_cfg(&c);
	if (!h)
		return;
	t0 = now_ms();
	t = pump(h, 1500);
	CHECK(t >= 190 && t < 1000);
	CHECK_EQ(health_ok(h), 0);
	CHECK_STR(health_reason(h), "health command timed out after 200 ms");
	pid = read_pid(pf);
	gpid = read_pid(gpf);
	CHECK(pid > 1 && gpid > 1);
	/* SIGKILL is quick: the pidfd fires and the shell is reaped */
	pump(h, 100);
	if (pid > 1) {
		errno = 0;
		CHECK(waitpid(pid, NULL, WNOHANG) < 0 && errno == ECHILD);
		CHECK(kill(pid, 0) < 0 && errno == ESRCH);
	}
	if (gpid > 1)
		CHECK(gone_or_zombie(gpid));
	CHECK(now_ms() - t0 < 1000);
	health_close(h);
	CHECK_EQ(count_fds(), fds);

	/* closing while a command runs kills and reaps it */
	base_cfg(&c, cmd);
	c.health_timeout_ms = 5000;
	unlink(pf);
	h = open_cfg(&c);
	if (!h)
		return;
	pump(h, 100);
	pid = read_pid(pf);
	CHECK(pid > 1);
	health_close(h);
	if (pid > 1)
		CHECK(kill(pid, 0) < 0 && errno == ESRCH);
	CHECK_EQ(count_fds(), fds);
}

static void test_no_checks(void)
{
	struct twin_config c;
	struct health *h;

	base_cfg(&c, "");
	h = open_cfg(&c);
	if (!h)
		return;
	CHECK(health_fd(h) >= 0);
	CHECK_EQ(pump(h, 50), -1);
	CHECK_EQ(health_ok(h), 1);
	health_close(h);
}

static void test_track_host(void)
{
	struct twin_config c;
	struct health *h;
	int t;

	base_cfg(&c, "");
	snprintf(c.track_interfaces[0], CFG_NAME_MAX, "lo");
	c.n_track = 1;
	h = open_cfg(&c);
	if (!h)
		return;
	/* the initial dump is taken in health_open */
	CHECK_EQ(health_ok(h), 1);
	CHECK_EQ(health_changed(h), 0);
	CHECK_EQ(pump(h, 50), -1);
	CHECK_EQ(health_ok(h), 1);
	health_close(h);

	/* one of two down: degraded, the node can still serve */
	snprintf(c.track_interfaces[1], CFG_NAME_MAX, "twnoexist0");
	c.n_track = 2;
	h = open_cfg(&c);
	if (!h)
		return;
	CHECK_EQ(health_level(h), HEALTH_DEGRADED);
	CHECK_EQ(health_ok(h), 1);
	CHECK_STR(health_reason(h), "tracked interface twnoexist0 is missing");
	/* the daemon hears of it through its loop, at once */
	t = pump(h, 100);
	CHECK(t >= 0 && t < 20);
	CHECK_EQ(health_level(h), HEALTH_DEGRADED);
	CHECK_EQ(pump(h, 50), -1);
	health_close(h);

	/* a failing command on top of it: failed */
	base_cfg(&c, "false");
	snprintf(c.track_interfaces[0], CFG_NAME_MAX, "lo");
	snprintf(c.track_interfaces[1], CFG_NAME_MAX, "twnoexist0");
	c.n_track = 2;
	h = open_cfg(&c);
	if (!h)
		return;
	CHECK_EQ(health_level(h), HEALTH_DEGRADED);
	pump(h, 100); /* the initial level */
	CHECK(pump(h, 500) >= 0);
	CHECK_EQ(health_level(h), HEALTH_FAILED);
	CHECK_STR(health_reason(h), "health command exited 1");
	health_close(h);

	/* a bad link wins over a good command, and needs no fall count */
	base_cfg(&c, "true");
	c.health_fall = 5;
	snprintf(c.track_interfaces[0], CFG_NAME_MAX, "twnoexist1");
	c.n_track = 1;
	h = open_cfg(&c);
	if (!h)
		return;
	CHECK_EQ(health_ok(h), 0);
	CHECK(pump(h, 100) >= 0); /* the initial verdict */
	CHECK_EQ(pump(h, 100), -1);
	CHECK_STR(health_reason(h), "tracked interface twnoexist1 is missing");
	health_close(h);
}

static int set_up(const char *ifname, int up)
{
	struct ifreq ifr = {0};
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = -1;

	if (s < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags = (short)(up ? ifr.ifr_flags | IFF_UP : ifr.ifr_flags & ~IFF_UP);
		rc = ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	close(s);
	return rc;
}

/* Changes seen live, in a network namespace of our own (lo starts down). */
static void test_track_netns(void)
{
	struct twin_config c;
	struct health *h;
	int t;

	/* needs root; without its namespace the live tests are a failure, not
	 * a skip */
	int made = unshare(CLONE_NEWNET);
	if (made < 0)
		fprintf(stderr, "health: live link tests need a network namespace (unshare: %s)\n",
			strerror(errno));
	CHECK_EQ(made, 0);
	if (made < 0)
		return;
	own_netns = 1;
	base_cfg(&c, "");
	snprintf(c.track_interfaces[0], CFG_NAME_MAX, "lo");
	snprintf(c.track_interfaces[1], CFG_NAME_MAX, "twhA");
	c.n_track = 2;
	h = open_cfg(&c);
	if (!h)
		return;
	CHECK_EQ(health_level(h), HEALTH_FAILED); /* both down */
	CHECK_STR(health_reason(h), "tracked interface lo is admin-down, and 1 more down");
	CHECK(pump(h, 100) >= 0); /* the initial level */
	CHECK_EQ(set_up("lo", 1), 0);
	CHECK(pump(h, 200) >= 0); /* one of two up: degraded */
	CHECK_EQ(health_level(h), HEALTH_DEGRADED);
	CHECK_STR(health_reason(h), "tracked interface twhA is missing");

	made = system("ip link add twhA type veth peer name twhB && ip link set twhA up");
	CHECK_EQ(made, 0); /* the veth tests below would not run: a failure */
	if (made != 0) {
		health_close(h);
		return;
	}
	CHECK(pump(h, 200) >= 0); /* a new reason is a change too */
	CHECK_STR(health_reason(h), "tracked interface twhA has no carrier"); /* peer down */
	CHECK_EQ(pump(h, 100), -1);
	CHECK_EQ(set_up("twhB", 1), 0);
	t = pump(h, 500);
	CHECK(t >= 0 && t < 100);
	CHECK_EQ(health_level(h), HEALTH_OK);
	CHECK_EQ(set_up("twhB", 0), 0);
	t = pump(h, 500);
	CHECK(t >= 0 && t < 100);
	CHECK_STR(health_reason(h), "tracked interface twhA has no carrier");
	CHECK_EQ(set_up("twhB", 1), 0);
	CHECK(pump(h, 500) >= 0);
	CHECK_EQ(health_level(h), HEALTH_OK);
	/* renamed away = missing */
	CHECK_EQ(system("ip link set twhA down && ip link set twhA name twhC && ip link set twhC up"), 0);
	CHECK(pump(h, 500) >= 0);
	CHECK_STR(health_reason(h), "tracked interface twhA is missing");
	CHECK_EQ(system("ip link set twhC down && ip link set twhC name twhA && ip link set twhA up"), 0);
	CHECK_EQ(pump_to(h, HEALTH_OK, 2000), 0);
	CHECK_EQ(health_level(h), HEALTH_OK);
	/* a bridge port leaving its bridge (RTM_DELLINK for AF_BRIDGE) is no link loss */
	made = system("ip link add twhbr type bridge && ip link set twhA master twhbr");
	CHECK_EQ(made, 0);
	if (made == 0) {
		CHECK_EQ(system("ip link set twhA nomaster"), 0);
		CHECK_EQ(pump(h, 100), -1);
		CHECK_EQ(health_level(h), HEALTH_OK);
	}
	CHECK_EQ(system("ip link del twhA"), 0);
	CHECK(pump(h, 500) >= 0);
	CHECK_STR(health_reason(h), "tracked interface twhA is missing");
	CHECK_EQ(health_level(h), HEALTH_DEGRADED);
	health_close(h);
}

/* The LAN as the daemon monitors it by default (after test_track_netns, in
 * its namespace): down fails at once, back counts after the detection time. */
static void test_lan_netns(void)
{
	struct twin_config c;
	struct health *h;
	int t;

	if (!own_netns) /* never add links to the host's namespace */
		return;
	if (system(
		"ip link add twlA type veth peer name twlB && ip link set twlA up && ip link set twlB up") !=
	    0) {
		printf("health: skipping LAN link tests (ip link failed)\n");
		return;
	}
	base_cfg(&c, "");
	c.monitor_lan_interface = 1;
	snprintf(c.lan_interface, sizeof(c.lan_interface), "twlA");
	c.n_vips = 1;
	snprintf(c.vips[0].dev, CFG_NAME_MAX, "twlA");
	c.hb_interval_us = 10000;
	c.hb_misses = 25; /* detection 250 ms */
	h = open_cfg(&c);
	if (!h)
		return;
	CHECK_EQ(health_level(h), HEALTH_OK); /* up at start: no wait */
	CHECK_EQ(pump(h, 100), -1);
	CHECK_EQ(set_up("twlB", 0), 0); /* the cable's far end */
	t = pump(h, 500);
	CHECK(t >= 0 && t < 100);
	CHECK_EQ(health_level(h), HEALTH_FAILED);
	CHECK_STR(health_reason(h), "LAN interface twlA has no carrier");
	CHECK_EQ(set_up("twlB", 1), 0);
	CHECK(pump(h, 100) >= 0); /* the reason changes at once... */
	CHECK_EQ(health_level(h), HEALTH_FAILED);
	CHECK_STR(health_reason(h), "LAN interface twlA is up again, counted after 250 ms");
	t = pump(h, 1000); /* ...the level after the hold */
	CHECK(t >= 150 && t < 600);
	CHECK_EQ(health_level(h), HEALTH_OK);
	CHECK_STR(health_reason(h), "ok");
	/* a bounce shorter than the hold: the hold starts again */
	CHECK_EQ(set_up("twlA", 0), 0);
	CHECK(pump(h, 100) >= 0);
	CHECK_STR(health_reason(h), "LAN interface twlA is admin-down");
	CHECK_EQ(set_up("twlA", 1), 0);
	CHECK(pump(h, 100) >= 0);
	CHECK_EQ(set_up("twlA", 0), 0);
	CHECK(pump(h, 100) >= 0);
	CHECK_EQ(set_up("twlA", 1), 0);
	CHECK(pump(h, 100) >= 0);
	CHECK_EQ(health_level(h), HEALTH_FAILED);
	t = pump(h, 1000);
	CHECK(t >= 150 && t < 600);
	CHECK_EQ(health_level(h), HEALTH_OK);
	health_close(h);
	CHECK_EQ(system("ip link del twlA"), 0);
}

TEST_MAIN("health", {
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/twin-health.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_verdict();
	test_link_check();
	test_links_from_config();
	test_links_level();
	test_no_checks();
	test_cmd_true();
	test_cmd_false();
	test_fall_rise();
	test_timeout();
	test_track_host();
	test_track_netns();
	test_lan_netns();
	char rm[128];
	snprintf(rm, sizeof(rm), "rm -rf %s", tmpdir);
	if (system(rm) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
})
