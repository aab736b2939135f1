/* Local health monitor: see health.h. */
#include "health.h"
#include "clock.h"

#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <netlink/socket.h>
#include <netlink/route/rtnl.h>

#include "log.h"
#include "subproc.h"

/* IFF_LOWER_UP lives in linux/if.h, which clashes with net/if.h */
#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000
#endif

enum { TAG_NETLINK = 1, TAG_TIMER, TAG_CMD };

enum cmd_state {
	CMD_IDLE,    /* waiting for next_ms */
	CMD_RUNNING, /* started at started_ms, killed at started_ms + timeout */
	CMD_KILLED,  /* timed out, SIGKILLed, waiting to reap it */
};

struct health {
	int ep;	   /* the fd the daemon watches */
	int timer; /* next start, or the running command's deadline */
	struct nl_sock *nl;
	struct nl_cb *cb; /* our reference to the socket's callbacks */

	struct health_link links[HEALTH_MAX_LINKS];
	int seen[HEALTH_MAX_LINKS]; /* named in the dump in progress */
	size_t n_links;
	int links_known;       /* a dump completed: missing links are really missing */
	uint32_t link_rise_ms; /* a link back counts after this (the detection time) */
	uint64_t now_ms;       /* of the dispatch in progress, for link_event */
	int dumping;
	int redump; /* events were lost (overrun) or the dump was interrupted */

	char cmd[CFG_CMD_MAX]; /* "" = no health command */
	uint32_t interval_ms, timeout_ms;
	struct health_verdict verdict;
	enum cmd_state state;
	struct subproc proc;
	uint64_t started_ms, next_ms;
	char cmd_reason[HEALTH_REASON_MAX]; /* the last failure */
	uint64_t cmd_runs;		    /* results so far: "pending" until the first */

	enum health_level level;
	int changed;
	char reason[HEALTH_REASON_MAX];
};

/* ---------------- pure logic ---------------- */

void health_verdict_init(struct health_verdict *v, uint32_t fall, uint32_t rise)
{
	v->fall = fall ? fall : 1;
	v->rise = rise ? rise : 1;
	v->fails = v->oks = 0;
	v->ok = 1;
}

int health_verdict_feed(struct health_verdict *v, int success)
{
	int was = v->ok;

	if (success) {
		v->fails = 0;
		if (v->oks < UINT32_MAX)
			v->oks++;
		if (!v->ok && v->oks >= v->rise)
			v->ok = 1;
	} else {
		v->oks = 0;
		if (v->fails < UINT32_MAX)
			v->fails++;
		if (v->ok && v->fails >= v->fall)
			v->ok = 0;
	}
	return v->ok != was;
}

/* Adds name with role, or the role to the entry already there. */
static size_t add_link(struct health_link *out, size_t n, size_t max, const char *name, unsigned role)
{
	if (!name[0])
		return n;
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(out[i].name, name)) {
			out[i].roles |= role;
			return n;
		}
	}
	if (n == max)
		return n;
	memset(&out[n], 0, sizeof(out[n]));
	snprintf(out[n].name, sizeof(out[n].name), "%s", name);
	out[n].roles = role;
	return n + 1;
}

size_t health_links_from_config(const struct twin_config *cfg, struct health_link *out, size_t max)
{
	size_t n = 0;

	if (cfg->monitor_lan_interface) {
		n = add_link(out, n, max, cfg->lan_interface, HL_LAN);
		for (size_t i = 0; i < cfg->n_vips && i < CFG_MAX_VIPS; i++)
			n = add_link(out, n, max, cfg->vips[i].dev, HL_VIP);
	}
	for (size_t i = 0; i < cfg->n_track && i < CFG_MAX_TRACK; i++)
		n = add_link(out, n, max, cfg->track_interfaces[i], HL_TRACK);
	/* a tracked interface that carries a failover IP counts as one even
	 * with the LAN unmonitored: losing every such device is a failure */
	for (size_t i = 0; i < n; i++)
		for (size_t v = 0; v < cfg->n_vips && v < CFG_MAX_VIPS; v++)
			if (!strcmp(out[i].name, cfg->vips[v].dev))
				out[i].roles |= HL_VIP;
	return n;
}

static const char *role_name(unsigned roles)
{
	if (roles & HL_LAN)
		return "LAN interface";
	if (roles & HL_TRACK)
		return "tracked interface";
	if (roles & HL_VIP)
		return "failover IP interface";
	return "interface";
}

int health_link_check(const struct health_link *l, char *reason, size_t len)
{
	const char *why = NULL;

	if (!l->ifindex)
		why = "is missing";
	else if (!(l->flags & IFF_UP))
		why = "is admin-down";
	else if (!(l->flags & IFF_LOWER_UP) || !(l->flags & IFF_RUNNING))
		why = "has no carrier";
	if (!why)
		return 1;
	snprintf(reason, len, "%s %s %s", role_name(l->roles), l->name, why);
	return 0;
}

static int holding(const struct health_link *l, uint64_t now_ms, uint32_t rise_ms)
{
	return l->back_ms && now_ms < l->back_ms + rise_ms;
}

/* health_link_check, and a link still on hold after coming back is down */
static int link_counts_up(const struct health_link *l, uint64_t now_ms, uint32_t rise_ms, char *reason,
			  size_t len)
{
	if (!health_link_check(l, reason, len))
		return 0;
	if (!holding(l, now_ms, rise_ms))
		return 1;
	snprintf(reason, len, "%s %s is up again, counted after %u ms", role_name(l->roles), l->name,
		 rise_ms);
	return 0;
}

enum health_level health_links_level(const struct health_link *links, size_t n, uint64_t now_ms,
				     uint32_t rise_ms, char *reason, size_t len)
{
	char scratch[HEALTH_REASON_MAX];
	size_t down = 0, vips = 0, vips_down = 0, first = n, first_vip = n;

	for (size_t i = 0; i < n; i++) {
		int vip = (links[i].roles & HL_VIP) != 0;

		vips += (size_t)vip;
		if (link_counts_up(&links[i], now_ms, rise_ms, scratch, sizeof(scratch)))
			continue;
		down++;
		vips_down += (size_t)vip;
		if (first == n)
			first = i;
		if (vip && first_vip == n)
			first_vip = i;
	}
	if (!down) {
		snprintf(reason, len, "ok");
		return HEALTH_OK;
	}
	/* nothing left up, or no failover IP can be served any more */
	int failed = down == n || (vips && vips_down == vips);

	link_counts_up(&links[failed && first_vip < n ? first_vip : first], now_ms, rise_ms, reason, len);
	size_t used = strlen(reason);
	if (down > 1 && used < len)
		snprintf(reason + used, len - used, ", and %zu more down", down - 1);
	return failed ? HEALTH_FAILED : HEALTH_DEGRADED;
}

const char *health_level_name(enum health_level l)
{
	return l == HEALTH_OK ? "ok" : l == HEALTH_DEGRADED ? "degraded" : "failed";
}

/* ---------------- helpers ---------------- */

static int ep_add(struct health *h, int fd, uint64_t tag)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = tag};

	return epoll_ctl(h->ep, EPOLL_CTL_ADD, fd, &ev);
}

/* Recompute the level: failed links win over the command, a failing
 * command over degraded links. */
static void evaluate(struct health *h, uint64_t now)
{
	char why[HEALTH_REASON_MAX];
	enum health_level level = HEALTH_OK;

	snprintf(why, sizeof(why), "ok");
	if (h->links_known)
		level = health_links_level(h->links, h->n_links, now, h->link_rise_ms, why, sizeof(why));
	if (level != HEALTH_FAILED && h->cmd[0] && !h->verdict.ok) {
		level = HEALTH_FAILED;
		snprintf(why, sizeof(why), "%s", h->cmd_reason);
	}
	/* a new reason at the same level is news too: the alarm names it */
	if (level != h->level || (level != HEALTH_OK && strcmp(why, h->reason)))
		h->changed = 1;
	h->level = level;
	snprintf(h->reason, sizeof(h->reason), "%s", why);
}

/* ---------------- monitored interfaces (netlink) ---------------- */

/* A link that was down and is usable now starts its hold (not in the first
 * dump: what is up at start counts at once). */
static void note_back(struct health *h, struct health_link *l, int was_up)
{
	char scratch[HEALTH_REASON_MAX];
	int up = health_link_check(l, scratch, sizeof(scratch));

	if (!up)
		l->back_ms = 0;
	else if (!was_up && h->links_known)
		l->back_ms = h->now_ms ? h->now_ms : 1;
}

static void link_event(struct health *h, int type, int ifindex, const char *name, unsigned flags)
{
	for (size_t i = 0; i < h->n_links; i++) {
		struct health_link *l = &h->links[i];
		int same_name = name && strcmp(name, l->name) == 0;
		char scratch[HEALTH_REASON_MAX];
		int was_up = health_link_check(l, scratch, sizeof(scratch));

		if (type == RTM_NEWLINK && same_name) {
			l->ifindex = ifindex;
			l->flags = flags;
			h->seen[i] = 1;
		} else if (type == RTM_NEWLINK && l->ifindex == ifindex) {
			l->ifindex = 0; /* renamed away from the monitored name */
		} else if (type == RTM_DELLINK && (same_name || l->ifindex == ifindex)) {
			l->ifindex = 0;
		}
		note_back(h, l, was_up);
	}
}

static int on_link_msg(struct nl_msg *msg, void *arg)
{
	struct health *h = arg;
	struct nlmsghdr *nh = nlmsg_hdr(msg);
	const struct ifinfomsg *ifi;
	struct nlattr *a;
	char name[IFNAMSIZ] = "";

	if (nh->nlmsg_type != RTM_NEWLINK && nh->nlmsg_type != RTM_DELLINK)
		return NL_OK;
	if (nh->nlmsg_flags & NLM_F_DUMP_INTR)
		h->redump = 1;
	if (nlmsg_datalen(nh) < (int)sizeof(*ifi))
		return NL_OK;
	ifi = nlmsg_data(nh);
	/* AF_BRIDGE messages describe bridge ports, not the link coming or going */
	if (ifi->ifi_family != AF_UNSPEC)
		return NL_OK;
	a = nlmsg_find_attr(nh, sizeof(*ifi), IFLA_IFNAME);
	if (a)
		nla_strlcpy(name, a, sizeof(name));
	link_event(h, nh->nlmsg_type, ifi->ifi_index, a ? name : NULL, ifi->ifi_flags);
	return NL_OK;
}

static int on_dump_done(struct nl_msg *msg, void *arg)
{
	struct health *h = arg;

	(void)msg;
	if (!h->dumping)
		return NL_OK;
	h->dumping = 0;
	for (size_t i = 0; i < h->n_links; i++) {
		if (!h->seen[i]) {
			h->links[i].ifindex = 0;
			h->links[i].back_ms = 0;
		}
	}
	h->links_known = 1;
	return NL_OK;
}

static int start_dump(struct health *h)
{
	int err;

	memset(h->seen, 0, sizeof(h->seen));
	err = nl_rtgen_request(h->nl, RTM_GETLINK, AF_UNSPEC, NLM_F_DUMP);
	if (err < 0)
		return err;
	h->dumping = 1;
	h->redump = 0;
	return 0;
}

/* Reads until the socket is empty. The link state is in every message, so
 * after an overrun (ENOBUFS) a fresh dump puts everything right. */
static int netlink_read(struct health *h)
{
	for (;;) {
		int n = nl_recvmsgs_report(h->nl, h->cb);

		if (n == -NLE_NOMEM || n == -NLE_DUMP_INTR) {
			h->redump = 1;
			if (n == -NLE_DUMP_INTR)
				h->dumping = 0;
			continue;
		}
		if (n == 0 || n == -NLE_AGAIN)
			break;
		if (n < 0) {
			log_warn("health: netlink: %s", nl_geterror(n));
			return -1;
		}
	}
	if (h->redump && !h->dumping) {
		int err = start_dump(h);

		if (err < 0) {
			log_warn("health: netlink link dump: %s", nl_geterror(err));
			return -1;
		}
	}
	return 0;
}

static int netlink_open(struct health *h, char *err, size_t errlen)
{
	int e;

	h->nl = nl_socket_alloc();
	if (!h->nl) {
		snprintf(err, errlen, "health: nl_socket_alloc failed");
		return -1;
	}
	nl_socket_disable_seq_check(h->nl); /* events have seq 0 */
	nl_socket_disable_auto_ack(h->nl);
	h->cb = nl_socket_get_cb(h->nl);
	nl_cb_set(h->cb, NL_CB_VALID, NL_CB_CUSTOM, on_link_msg, h);
	nl_cb_set(h->cb, NL_CB_FINISH, NL_CB_CUSTOM, on_dump_done, h);
	e = nl_connect(h->nl, NETLINK_ROUTE);
	if (e >= 0)
		e = nl_socket_add_membership(h->nl, RTNLGRP_LINK);
	if (e >= 0)
		e = nl_socket_set_nonblocking(h->nl);
	if (e >= 0)
		e = start_dump(h);
	if (e < 0) {
		snprintf(err, errlen, "health: netlink route socket: %s", nl_geterror(e));
		return -1;
	}
	if (ep_add(h, nl_socket_get_fd(h->nl), TAG_NETLINK) < 0) {
		snprintf(err, errlen, "health: epoll_ctl: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* ---------------- health command ---------------- */

static void cmd_result(struct health *h, int success, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void cmd_result(struct health *h, int success, const char *fmt, ...)
{
	if (!success) {
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(h->cmd_reason, sizeof(h->cmd_reason), fmt, ap);
		va_end(ap);
		log_info("health: %s (%u in a row, fall %u)", h->cmd_reason, h->verdict.fails + 1,
			 h->verdict.fall);
	}
	h->cmd_runs++;
	health_verdict_feed(&h->verdict, success);
}

static void cmd_start(struct health *h, uint64_t now)
{
	char *const argv[] = {"sh", "-c", h->cmd, NULL};

	h->started_ms = now;
	h->next_ms = now + h->interval_ms;
	if (subproc_start(&h->proc, h->ep, TAG_CMD, argv, NULL) < 0) {
		cmd_result(h, 0, "health command could not start: %s", strerror(errno));
		return;
	}
	h->state = CMD_RUNNING;
}

/* The pidfd or the stderr pipe is readable: take the result if it ended. */
static void cmd_exited(struct health *h, uint64_t now)
{
	const char *sep, *line = h->proc.errline;
	int st = 0, r = subproc_check(&h->proc, &st);

	if (r == 0)
		return; /* still running (stderr output, or a spurious wake-up) */
	if (h->next_ms < now)
		h->next_ms = now; /* never overlap, but do not fall behind either */
	if (h->state == CMD_KILLED) {
		h->state = CMD_IDLE;
		return; /* already counted as a time-out */
	}
	h->state = CMD_IDLE;
	sep = h->proc.errlen ? ": " : "";
	if (st == -1)
		cmd_result(h, 0, "health command status lost: %s", strerror(errno));
	else if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		cmd_result(h, 1, "ok");
	else if (WIFEXITED(st))
		cmd_result(h, 0, "health command exited %d%s%s", WEXITSTATUS(st), sep, line);
	else if (WIFSIGNALED(st))
		cmd_result(h, 0, "health command killed by signal %d (%s)%s%s", WTERMSIG(st),
			   strsignal(WTERMSIG(st)), sep, line);
	else
		cmd_result(h, 0, "health command ended with status 0x%x", (unsigned)st);
}

static void cmd_timers(struct health *h, uint64_t now)
{
	if (!h->cmd[0])
		return;
	if (h->state == CMD_IDLE && now >= h->next_ms) {
		cmd_start(h, now);
	} else if (h->state == CMD_RUNNING && now >= h->started_ms + h->timeout_ms) {
		subproc_signal(&h->proc, SIGKILL);
		h->state = CMD_KILLED;
		cmd_result(h, 0, "health command timed out after %u ms", h->timeout_ms);
	} else if (h->state == CMD_KILLED && now >= h->next_ms) {
		/* unkillable (D state): keep counting failures, start nothing */
		h->next_ms = now + h->interval_ms;
		cmd_result(h, 0, "health command (pid %d) still running after SIGKILL", (int)h->proc.pid);
	}
}

static int arm_timer(struct health *h)
{
	struct itimerspec its = {0};
	uint64_t at = 0;

	if (h->cmd[0])
		at = h->state == CMD_RUNNING ? h->started_ms + h->timeout_ms : h->next_ms;
	for (size_t i = 0; i < h->n_links; i++) { /* the end of a link's hold */
		uint64_t end = h->links[i].back_ms + h->link_rise_ms;
		if (h->links[i].back_ms && end > h->now_ms && (!at || end < at))
			at = end;
	}
	if (at) {
		its.it_value.tv_sec = (time_t)(at / 1000);
		its.it_value.tv_nsec = (long)(at % 1000) * 1000000;
	}
	return timerfd_settime(h->timer, TFD_TIMER_ABSTIME, &its, NULL);
}

/* ---------------- public ---------------- */

int health_open(struct health **hp, const struct twin_config *cfg, char *err, size_t errlen)
{
	struct health *h = calloc(1, sizeof(*h));

	*hp = NULL;
	if (!h) {
		snprintf(err, errlen, "health: out of memory");
		return -1;
	}
	h->timer = h->ep = -1;
	subproc_init(&h->proc);
	h->level = HEALTH_OK;
	snprintf(h->reason, sizeof(h->reason), "ok");
	snprintf(h->cmd, sizeof(h->cmd), "%s", cfg->health_command);
	h->interval_ms = cfg->health_interval_ms ? cfg->health_interval_ms : 1000;
	h->timeout_ms = cfg->health_timeout_ms ? cfg->health_timeout_ms : 2000;
	health_verdict_init(&h->verdict, cfg->health_fall, cfg->health_rise);
	h->n_links = health_links_from_config(cfg, h->links, HEALTH_MAX_LINKS);
	h->link_rise_ms = (uint32_t)((uint64_t)cfg->hb_interval_us * cfg->hb_misses / 1000);

	h->ep = epoll_create1(EPOLL_CLOEXEC);
	if (h->ep < 0) {
		snprintf(err, errlen, "health: epoll_create1: %s", strerror(errno));
		free(h);
		return -1;
	}
	h->timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (h->timer < 0 || ep_add(h, h->timer, TAG_TIMER) < 0) {
		snprintf(err, errlen, "health: timerfd: %s", strerror(errno));
		health_close(h);
		return -1;
	}
	if (h->n_links && netlink_open(h, err, errlen) < 0) {
		health_close(h);
		return -1;
	}
	h->next_ms = h->now_ms = mono_ms(); /* first command at the first dispatch */
	if (arm_timer(h) < 0) {
		snprintf(err, errlen, "health: timerfd_settime: %s", strerror(errno));
		health_close(h);
		return -1;
	}
	/* the dump is generated while the request is sent: take it now so
	 * health_ok() is right from the start */
	if (h->nl)
		netlink_read(h);
	evaluate(h, h->now_ms);
	if (h->changed) {
		/* not OK from the start (a monitored link is down): tell the
		 * daemon through the usual path, at its first dispatch */
		struct itimerspec now = {.it_value = {.tv_nsec = 1}};

		timerfd_settime(h->timer, TFD_TIMER_ABSTIME, &now, NULL);
	}
	*hp = h;
	return 0;
}

int health_fd(const struct health *h)
{
	return h->ep;
}

int health_dispatch(struct health *h, uint64_t now_ms)
{
	struct epoll_event evs[8];
	int n, rc = 0;

	h->now_ms = now_ms;
	do
		n = epoll_wait(h->ep, evs, 8, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		uint64_t ticks;

		switch (evs[i].data.u64) {
		case TAG_NETLINK:
			if (netlink_read(h) < 0)
				rc = -1;
			break;
		case TAG_TIMER:
			if (read(h->timer, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
				rc = -1;
			break;
		case TAG_CMD:
			if (subproc_running(&h->proc))
				cmd_exited(h, now_ms);
			break;
		}
	}
	cmd_timers(h, now_ms);
	if (arm_timer(h) < 0)
		rc = -1;
	evaluate(h, now_ms);
	return rc;
}

enum health_level health_level(const struct health *h)
{
	return h->level;
}

int health_ok(const struct health *h)
{
	return h->level != HEALTH_FAILED;
}

const char *health_reason(const struct health *h)
{
	return h->reason;
}

int health_changed(struct health *h)
{
	int c = h->changed;

	h->changed = 0;
	return c;
}

void health_close(struct health *h)
{
	if (!h)
		return;
	subproc_abort(&h->proc, 200);
	if (h->timer >= 0)
		close(h->timer);
	if (h->cb)
		nl_cb_put(h->cb);
	if (h->nl)
		nl_socket_free(h->nl);
	if (h->ep >= 0)
		close(h->ep);
	free(h);
}

const char *health_command_state(const struct health *h, unsigned *fails_in_a_row)
{
	*fails_in_a_row = h->verdict.fails;
	if (!h->cmd[0])
		return "none";
	if (!h->cmd_runs)
		return "pending";
	/* the verdict (fall/rise) decides; a single failure below fall shows
	 * in the count */
	return h->verdict.ok ? "passing" : "failing";
}
