/* Witness prober, the I/O half: see witness.h (pure logic: witness_track.c). */
#include "witness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "arp.h"
#include "log.h"
#include "witness_icmp.h"

#define READ_MAX     64	   /* datagrams per dispatch: a flood cannot hold the loop */
#define HOUSE_MS     1000  /* interface check / reopen period */
#define LOG_EVERY_MS 10000 /* at most one failure line per this, with a count */

struct witness {
	int ep, timer;
	char ifname[IFNAMSIZ];
	struct in_addr addrs[CFG_MAX_WITNESS];
	struct arp_sock *arp;	 /* method arp, NULL while closed */
	struct wicmp_sock *icmp; /* method icmp, NULL while closed */
	int sock_fd;		 /* the open one's fd (in ep), -1 = closed */
	int ifindex;		 /* the interface it is bound to */
	struct in_addr sip;	 /* ARP sender IP: the interface's address, or 0 */
	struct witness_track t;
	uint64_t house_ms, armed_ms;
	int failing;	 /* in a run of failures (sends or reopens) */
	uint64_t log_ms; /* last failure line */
	uint64_t quiet;	 /* failures not logged since */
};

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

uint64_t witness_timeout_for(const struct twin_config *cfg)
{
	uint64_t t = cfg->witness_timeout_ms;

	if (!t)
		t = ((uint64_t)cfg->hb_interval_us * cfg->hb_misses + 999) / 1000;
	if (t > UINT32_MAX)
		t = UINT32_MAX;
	return wt_effective_timeout((uint32_t)t, cfg->witness_interval_ms);
}

/* A failure, logged at once when it starts a run, then once per
 * LOG_EVERY_MS with the number swallowed: a dead link at 50 probes/s must
 * not flood the log. */
static void fail_log(struct witness *w, uint64_t now_ms, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail_log(struct witness *w, uint64_t now_ms, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (w->failing && now_ms - w->log_ms < LOG_EVERY_MS) {
		w->quiet++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (w->quiet)
		log_warn("witness: %s (%llu more failures since the last message)", msg,
			 (unsigned long long)w->quiet);
	else
		log_warn("witness: %s", msg);
	w->failing = 1;
	w->log_ms = now_ms;
	w->quiet = 0;
}

static void fail_end(struct witness *w)
{
	if (!w->failing)
		return;
	log_info("witness: probing on %s again", w->ifname);
	w->failing = 0;
	w->quiet = 0;
}

static int if_query(int fd, const char *ifname, unsigned long req, struct ifreq *ifr)
{
	memset(ifr, 0, sizeof(*ifr));
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", ifname);
	return ioctl(fd, req, ifr);
}

/* The address the ARP probes come from: the interface's (primary) one, so
 * that every stack answers an ordinary request; 0.0.0.0 (an RFC 5227 probe,
 * answered all the same by Linux) while it has none. */
static void refresh_sip(struct witness *w)
{
	struct ifreq ifr;

	w->sip.s_addr = INADDR_ANY;
	if (w->sock_fd >= 0 && if_query(w->sock_fd, w->ifname, SIOCGIFADDR, &ifr) == 0 &&
	    ifr.ifr_addr.sa_family == AF_INET)
		w->sip = ((struct sockaddr_in *)(void *)&ifr.ifr_addr)->sin_addr;
}

static void close_sock(struct witness *w)
{
	arp_close(w->arp); /* closing also drops the fd from w->ep */
	wicmp_close(w->icmp);
	w->arp = NULL;
	w->icmp = NULL;
	w->sock_fd = -1;
	w->ifindex = 0;
}

static int open_sock(struct witness *w, char *err, size_t errlen)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0};
	struct ifreq ifr;
	int e;

	if (w->t.method == CFG_WITNESS_ICMP) {
		if (wicmp_open(&w->icmp, w->ifname, err, errlen) < 0)
			return -1;
		w->sock_fd = wicmp_fd(w->icmp);
		w->t.ident = wicmp_ident(w->icmp);
	} else {
		if (arp_open(&w->arp, w->ifname, err, errlen) < 0)
			return -1;
		w->sock_fd = arp_fd(w->arp);
		memcpy(w->t.our_mac, arp_mac(w->arp), 6);
		if (arp_watch_senders(w->arp, w->addrs, w->t.n) < 0) {
			e = errno;
			snprintf(err, errlen, "arp filter on %s: %s", w->ifname, strerror(e));
			goto fail;
		}
	}
	if (if_query(w->sock_fd, w->ifname, SIOCGIFINDEX, &ifr) < 0 ||
	    epoll_ctl(w->ep, EPOLL_CTL_ADD, w->sock_fd, &ev) < 0) {
		e = errno;
		snprintf(err, errlen, "witness socket on %s: %s", w->ifname, strerror(e));
		goto fail;
	}
	w->ifindex = ifr.ifr_ifindex;
	refresh_sip(w);
	return 0;
fail:
	close_sock(w);
	errno = e;
	return -1;
}

/* Once a second: reopen a closed socket; notice an interface that was
 * removed and made again (same name, new index: the old binding is dead). */
static void house(struct witness *w, uint64_t now_ms)
{
	char err[256];
	struct ifreq ifr;

	w->house_ms = now_ms + HOUSE_MS;
	if (w->sock_fd >= 0) {
		if (if_query(w->sock_fd, w->ifname, SIOCGIFINDEX, &ifr) == 0 &&
		    ifr.ifr_ifindex == w->ifindex) {
			refresh_sip(w);
			return;
		}
		close_sock(w);
	}
	if (open_sock(w, err, sizeof(err)) < 0) {
		fail_log(w, now_ms, "%s", err);
		return;
	}
	w->t.c.reopens++;
	fail_end(w);
}

static void read_replies(struct witness *w, uint64_t now_ms)
{
	for (int k = 0; k < READ_MAX && w->sock_fd >= 0; k++) {
		struct arp_seen f;
		struct wt_echo e;
		int r = w->arp ? arp_read(w->arp, &f) : wicmp_read(w->icmp, &e);

		if (r == 0)
			return;
		if (r == 1 && w->arp)
			wt_arp_frame(&w->t, &f, now_ms, mono_us(), NULL);
		else if (r == 1)
			wt_icmp_reply(&w->t, &e, now_ms, mono_us(), NULL);
		else if (r == 2)
			wt_malformed(&w->t);
		else if (errno == ENODEV || errno == ENXIO)
			w->house_ms = now_ms; /* the device is gone: check now */
		/* other errors (ENETDOWN, EHOSTUNREACH) are one-shot socket errors */
	}
}

static void send_probes(struct witness *w, uint64_t now_ms)
{
	char ip[INET_ADDRSTRLEN];

	for (size_t i = 0; i < w->t.n; i++) {
		uint16_t seq;
		int r;

		if (!wt_due(&w->t, i, now_ms))
			continue;
		seq = wt_take(&w->t, i, now_ms);
		if (w->sock_fd < 0)
			continue; /* the slot passes: no burst once reopened */
		if (w->arp)
			r = arp_send_request(w->arp, wt_arp_dest(&w->t, i, now_ms), w->sip, w->addrs[i]);
		else
			r = wicmp_send(w->icmp, w->addrs[i], seq, w->t.cookie);
		if (r == 0) {
			wt_sent(&w->t, i, seq, mono_us());
			fail_end(w);
			continue;
		}
		w->t.c.send_errors++;
		fail_log(w, now_ms, "probe to %s on %s failed: %s",
			 inet_ntop(AF_INET, &w->addrs[i], ip, sizeof(ip)), w->ifname, strerror(errno));
		if (errno == ENODEV || errno == ENXIO)
			w->house_ms = now_ms;
	}
}

static void arm(struct witness *w, uint64_t now_ms)
{
	uint64_t d = wt_deadline(&w->t, now_ms);
	struct itimerspec its = {{0, 0}, {0, 0}};

	if (w->house_ms < d)
		d = w->house_ms;
	if (d <= now_ms) /* due now (house after a failure): next ms, not a loop */
		d = now_ms + 1;
	if (d == w->armed_ms)
		return;
	its.it_value.tv_sec = (time_t)(d / 1000);
	its.it_value.tv_nsec = (long)(d % 1000) * 1000000;
	if (timerfd_settime(w->timer, TFD_TIMER_ABSTIME, &its, NULL) == 0)
		w->armed_ms = d;
}

void witness_dispatch(struct witness *w, uint64_t now_ms)
{
	uint64_t ticks;

	if (read(w->timer, &ticks, sizeof(ticks)) == sizeof(ticks))
		w->armed_ms = 0; /* expired: must be armed again */
	read_replies(w, now_ms);
	if (now_ms >= w->house_ms)
		house(w, now_ms);
	send_probes(w, now_ms);
	wt_update(&w->t, now_ms);
	arm(w, now_ms);
}

int witness_open(struct witness **wp, const struct twin_config *cfg, uint64_t timeout_ms, char *err,
		 size_t errlen)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 1};
	struct itimerspec its = {{0, 0}, {0, 1}}; /* relative 1 ns: the first dispatch probes */
	struct witness *w;
	struct timespec ts;
	uint64_t now_ms;
	int e;

	*wp = NULL;
	if (!cfg->n_witness) {
		snprintf(err, errlen, "witness: none configured");
		errno = EINVAL;
		return -1;
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		snprintf(err, errlen, "witness: %s", strerror(ENOMEM));
		return -1;
	}
	w->ep = w->timer = w->sock_fd = -1;
	snprintf(w->ifname, sizeof(w->ifname), "%.*s", IFNAMSIZ - 1, cfg->lan_interface);
	memcpy(w->addrs, cfg->witnesses, cfg->n_witness * sizeof(w->addrs[0]));
	if (!timeout_ms)
		timeout_ms = witness_timeout_for(cfg);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	wt_init(&w->t, w->addrs, cfg->n_witness, cfg->witness_method, cfg->witness_interval_ms,
		timeout_ms > UINT32_MAX ? UINT32_MAX : (uint32_t)timeout_ms, now_ms);
	if (getrandom(&w->t.cookie, sizeof(w->t.cookie), GRND_NONBLOCK) != sizeof(w->t.cookie))
		w->t.cookie = (uint32_t)now_ms ^ (uint32_t)getpid();
	w->house_ms = now_ms + HOUSE_MS;

	w->ep = epoll_create1(EPOLL_CLOEXEC);
	w->timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (w->ep < 0 || w->timer < 0 || epoll_ctl(w->ep, EPOLL_CTL_ADD, w->timer, &ev) < 0 ||
	    timerfd_settime(w->timer, 0, &its, NULL) < 0) {
		e = errno;
		snprintf(err, errlen, "witness: %s", strerror(e));
		witness_close(w);
		errno = e;
		return -1;
	}
	if (open_sock(w, err, errlen) < 0) {
		e = errno;
		if (e != ENODEV && e != ENXIO) {
			witness_close(w);
			errno = e;
			return -1;
		}
		/* not there yet (boot order, a USB NIC): house() retries */
		fail_log(w, now_ms, "%s; retrying every %d ms", err, HOUSE_MS);
		err[0] = '\0';
	}
	*wp = w;
	return 0;
}

int witness_fd(const struct witness *w)
{
	return w->ep;
}

int witness_reached(const struct witness *w, uint64_t now_ms)
{
	return wt_reached(&w->t, now_ms);
}

int witness_changed(struct witness *w)
{
	int c = w->t.changed;

	w->t.changed = 0;
	return c;
}

size_t witness_count(const struct witness *w)
{
	return w->t.n;
}

int witness_status(const struct witness *w, size_t i, uint64_t now_ms, struct witness_status *out)
{
	if (i >= w->t.n)
		return -1;
	wt_status(&w->t, i, now_ms, out);
	return 0;
}

void witness_counters(const struct witness *w, struct witness_counters *out)
{
	*out = w->t.c;
}

int witness_summary(const struct witness *w, uint64_t now_ms, char *buf, size_t len)
{
	return wt_summary(&w->t, now_ms, buf, len);
}

uint32_t witness_timeout_ms(const struct witness *w)
{
	return w->t.timeout_ms;
}

void witness_close(struct witness *w)
{
	if (!w)
		return;
	close_sock(w);
	if (w->timer >= 0)
		close(w->timer);
	if (w->ep >= 0)
		close(w->ep);
	free(w);
}
