#include "beacon.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "beacon_frame.h"
#include "clock.h"
#include "fence_loader.h"
#include "hb_wire.h"
#include "log.h"
#include "neigh.h"

#define RETRY_NS   (1000ull * 1000000ull) /* module loaded but not in use: try again */
#define REFRESH_NS (5000ull * 1000000ull) /* the peer's MAC read again */
#define FRAME_CAP  160

struct kframe {
	uint64_t tick;
	size_t len[TWIN_HB_PATHS];
	uint8_t data[TWIN_HB_PATHS][FRAME_CAP];
};

struct beacon {
	struct beacon_cfg cfg;
	struct in_addr vips[8];
	struct beat_lease *lease;
	struct kbeacon *kb;
	struct kb_watch *watch;
	int kernel;	      /* the kernel sends from tick `first` on */
	uint64_t first;	      /* first kernel tick */
	uint64_t leased_to;   /* highest tick leased to the kernel */
	int flush;	      /* the next commit drops the kernel's ring first */
	int armed;	      /* as told to the kernel */
	uint64_t last_commit; /* CLOCK_MONOTONIC of the last lease to the kernel */
	int hb_ifindex, lan_ifindex;
	uint8_t hb_mac[6];
	struct bf_udp_addr udp;
	uint16_t ip_id;
	uint64_t next_retry, next_refresh;
	uint64_t dry_base; /* dry ticks counted by earlier kernel runs */
	uint64_t kdry;	   /* this kernel run's */
	uint64_t switches;
	char why[160];
	struct kb_status st;
	/* this commit's frames */
	struct kframe batch[LEASE_SLOTS];
	size_t n_batch;
	uint64_t first_put; /* userland: the tick send_first sends */
	int have_first_put;
};

static uint64_t kernel_dry(const struct kb_status *st)
{
	uint64_t a = st->path[TWIN_HB_PATH_LINK].dry, b = st->path[TWIN_HB_PATH_UDP].dry;

	return a > b ? a : b;
}

static void set_why(struct beacon *b, const char *what, const char *detail)
{
	/* a cut reason is still a reason (the return value says so) */
	if (snprintf(b->why, sizeof(b->why), "%s%s%s", what, detail && detail[0] ? ": " : "",
		     detail ? detail : "") >= (int)sizeof(b->why))
		b->why[sizeof(b->why) - 2] = '~';
}

/* The kernel is gone or refused: the lease's senders take over at once. */
static void to_userland(struct beacon *b, uint64_t now, const char *why)
{
	char err[160];

	if (!b->kernel)
		return;
	b->kernel = 0;
	b->switches++;
	b->dry_base += b->kdry;
	b->kdry = 0;
	lease_resume(b->lease, now);
	/* a kernel fence left armed would fire once its beats stop */
	if (b->kb &&
	    (kb_fence(b->kb, TWIN_HB_FENCE_NONE, 0, b->cfg.detect_ns, NULL, 0, err, sizeof(err)) < 0 ||
	     kb_stop(b->kb, err, sizeof(err)) < 0)) {
		kb_close(b->kb); /* no answer: the module is gone */
		b->kb = NULL;
	}
	log_warn("heartbeat: back to the userland senders (%s)", why);
	set_why(b, why, NULL);
	b->next_retry = now + RETRY_NS;
}

static int fence_push(struct beacon *b, char *err, size_t errlen)
{
	return kb_fence(b->kb, b->cfg.fence_mode, b->armed, b->cfg.detect_ns, b->vips, b->cfg.n_vips, err,
			errlen);
}

/* The addresses the LAN frames carry: ours, and the peer's MAC from the
 * neighbour table (nudged to resolve when it is not there yet). */
static int udp_addressing(struct beacon *b, char *why, size_t whylen)
{
	uint8_t mac[6];
	int r;

	if (neigh_own_mac(b->cfg.lan_ifname, b->udp.src_mac) < 0 ||
	    neigh_own_mac(b->cfg.hb_ifname, b->hb_mac) < 0) {
		snprintf(why, whylen, "no hardware address on %s or %s", b->cfg.lan_ifname, b->cfg.hb_ifname);
		return -1;
	}
	if ((r = neigh_source(b->cfg.lan_ifname, b->cfg.peer, &b->udp.src)) < 0) {
		snprintf(why, whylen, "no route to the peer on %s: %s", b->cfg.lan_ifname, strerror(-r));
		return -1;
	}
	r = neigh_get(b->lan_ifindex, b->cfg.peer, mac);
	if (r <= 0) {
		neigh_use(b->lan_ifindex, b->cfg.peer);
		snprintf(why, whylen, "the peer's MAC on %s is not known yet", b->cfg.lan_ifname);
		return -1;
	}
	memcpy(b->udp.dst_mac, mac, 6);
	b->udp.dst = b->cfg.peer;
	b->udp.sport = b->udp.dport = b->cfg.udp_port;
	b->udp.tos = 0xb8; /* EF, as the userland socket sends */
	return 0;
}

/* Start the kernel's paths two ticks ahead: the userland senders send up
 * to the tick before, so no tick is sent twice or not at all. */
static int to_kernel(struct beacon *b, uint64_t now)
{
	char err[160];
	uint64_t first = lease_tick(b->lease, now) + 2;
	uint64_t iv = lease_tick_time(b->lease, 1) - lease_tick_time(b->lease, 0);

	if (udp_addressing(b, err, sizeof(err)) < 0) {
		set_why(b, "userland", err);
		return 0;
	}
	if (kb_start(b->kb, TWIN_HB_PATH_LINK, (uint32_t)b->hb_ifindex, iv, lease_tick_time(b->lease, 0),
		     first, err, sizeof(err)) < 0 ||
	    kb_start(b->kb, TWIN_HB_PATH_UDP, (uint32_t)b->lan_ifindex, iv, lease_tick_time(b->lease, 0),
		     first, err, sizeof(err)) < 0 ||
	    fence_push(b, err, sizeof(err)) < 0) {
		log_warn("heartbeat: kernel beacon refused: %s (the userland senders go on)", err);
		set_why(b, "kernel beacon refused", err);
		kb_stop(b->kb, err, sizeof(err));
		return 0;
	}
	lease_pause(b->lease, first);
	b->kernel = 1;
	b->first = first;
	b->leased_to = first - 1;
	b->flush = 0;
	b->switches++;
	b->why[0] = 0;
	b->next_refresh = now + REFRESH_NS;
	log_info("heartbeat: kernel beacon twin_hb %s sends from tick %llu (peer's MAC on %s "
		 "%02x:%02x:%02x:%02x:%02x:%02x)",
		 kb_version(b->kb), (unsigned long long)first, b->cfg.lan_ifname, b->udp.dst_mac[0],
		 b->udp.dst_mac[1], b->udp.dst_mac[2], b->udp.dst_mac[3], b->udp.dst_mac[4],
		 b->udp.dst_mac[5]);
	return 1;
}

/* Open the module if it is there; switch to it if we can. */
static int try_kernel(struct beacon *b, uint64_t now)
{
	char err[160];

	b->next_retry = now + RETRY_NS;
	if (!b->cfg.try_kernel || b->kernel)
		return 0;
	if (!b->kb) {
		int r = kb_open(&b->kb, err, sizeof(err));
		if (r < 0) {
			set_why(b, "userland", r == -ENOENT ? "module twin_hb not loaded" : err);
			return 0;
		}
		/* whatever an earlier daemon left: no fence, no sends */
		kb_fence(b->kb, TWIN_HB_FENCE_NONE, 0, b->cfg.detect_ns, NULL, 0, err, sizeof(err));
		kb_stop(b->kb, err, sizeof(err));
	}
	return to_kernel(b, now);
}

int beacon_open(struct beacon **out, const struct beacon_cfg *cfg, struct beat_lease *lease, char *err,
		size_t errlen)
{
	struct beacon *b = calloc(1, sizeof(*b));
	char werr[160];

	*out = NULL;
	if (!b) {
		snprintf(err, errlen, "beacon: out of memory");
		return -1;
	}
	b->cfg = *cfg;
	b->cfg.n_vips = cfg->n_vips < 8 ? cfg->n_vips : 8;
	memcpy(b->vips, cfg->vips, b->cfg.n_vips * sizeof(b->vips[0]));
	b->cfg.vips = b->vips;
	b->lease = lease;
	b->hb_ifindex = (int)if_nametoindex(cfg->hb_ifname);
	b->lan_ifindex = (int)if_nametoindex(cfg->lan_ifname);
	set_why(b, "userland", cfg->try_kernel ? NULL : "beacon userland in twin.conf");
	if (cfg->try_kernel) {
		if (kb_watch_open(&b->watch, werr, sizeof(werr)) < 0)
			log_warn("heartbeat: cannot follow the kernel module coming and going: %s", werr);
		try_kernel(b, mono_ns());
	}
	*out = b;
	return 0;
}

void beacon_close(struct beacon *b)
{
	char err[160];

	if (!b)
		return;
	if (b->kb) {
		kb_fence(b->kb, TWIN_HB_FENCE_NONE, 0, b->cfg.detect_ns, NULL, 0, err, sizeof(err));
		kb_stop(b->kb, err, sizeof(err));
		kb_close(b->kb);
	}
	kb_watch_close(b->watch);
	free(b);
}

void beacon_put(struct beacon *b, uint64_t tick, const struct lease_frames *f)
{
	if (!b->kernel || tick < b->first) {
		lease_put(b->lease, tick, f);
		if (!b->have_first_put) {
			b->first_put = tick;
			b->have_first_put = 1;
		}
		return;
	}
	if (b->n_batch == LEASE_SLOTS)
		return; /* more than one lease: cannot happen, the caller signs one */
	struct kframe *k = &b->batch[b->n_batch++];
	k->tick = tick;
	k->len[TWIN_HB_PATH_LINK] =
	    bf_link(k->data[TWIN_HB_PATH_LINK], FRAME_CAP, b->hb_mac, HB_ETHERTYPE, f->link, sizeof(f->link));
	k->len[TWIN_HB_PATH_UDP] =
	    bf_udp(k->data[TWIN_HB_PATH_UDP], FRAME_CAP, &b->udp, b->ip_id++, f->udp, sizeof(f->udp));
}

int beacon_has(struct beacon *b, uint64_t tick)
{
	if (!b->kernel || tick < b->first)
		return lease_has(b->lease, tick);
	return tick <= b->leased_to;
}

/* Returns 1 if the kernel refused and the lease's senders took over. */
static int commit_kernel(struct beacon *b, int send_first)
{
	struct kb_frame f[LEASE_SLOTS];
	char err[160];
	int rc = 0;
	uint64_t now;

	for (unsigned p = 0; p < TWIN_HB_PATHS && rc == 0; p++) {
		for (size_t i = 0; i < b->n_batch; i++)
			f[i] = (struct kb_frame){b->batch[i].tick, b->batch[i].data[p], b->batch[i].len[p]};
		int flags = (b->flush ? KB_FLUSH : 0) | (send_first ? KB_SEND_NOW : 0);
		rc = kb_lease(b->kb, p, flags, f, b->n_batch, &b->st, err, sizeof(err));
	}
	now = mono_ns();
	if (rc < 0) {
		char why[200];
		snprintf(why, sizeof(why), "kernel beacon: lease refused: %s", err);
		to_userland(b, now, why);
		return 1;
	}
	b->flush = 0;
	b->last_commit = now;
	b->kdry = kernel_dry(&b->st);
	for (size_t i = 0; i < b->n_batch; i++)
		if (b->batch[i].tick > b->leased_to)
			b->leased_to = b->batch[i].tick;
	/* the LAN fence follows the last beat the kernel holds */
	if (b->cfg.xdp_fence)
		fence_renew(b->cfg.xdp_fence, lease_tick_time(b->lease, b->leased_to) + b->cfg.detect_ns);
	return 0;
}

int beacon_commit(struct beacon *b, int send_first)
{
	int switched = 0;

	/* frames come in tick order: the first one put is the one to send
	 * now, and it went to the lease if its tick is before the kernel's */
	if (send_first && b->have_first_put) {
		lease_send_now(b->lease, b->first_put);
		send_first = 0;
	}
	if (b->kernel && b->n_batch)
		switched = commit_kernel(b, send_first);
	b->n_batch = 0;
	b->have_first_put = 0;
	return switched;
}

void beacon_revoke(struct beacon *b)
{
	lease_revoke(b->lease);
	if (b->kernel) {
		b->flush = 1;
		b->leased_to = b->first - 1;
	}
}

uint64_t beacon_dry(struct beacon *b, uint64_t now)
{
	char err[160];
	uint64_t lease_ns = lease_tick_time(b->lease, lease_ticks(b->lease)) - lease_tick_time(b->lease, 0);

	/* no lease for half of one: the loop stalled, and the kernel's count
	 * must be fresh before anything acts on stale beats */
	if (b->kernel && now > b->last_commit + lease_ns / 2 &&
	    kb_status(b->kb, &b->st, err, sizeof(err)) == 0)
		b->kdry = kernel_dry(&b->st);
	return lease_dry(b->lease) + b->dry_base + b->kdry;
}

void beacon_arm(struct beacon *b, int serving, int contested)
{
	char err[160];

	serving = serving && b->cfg.fence_mode != TWIN_HB_FENCE_NONE;
	/* a fence in force stays while the peer serves (it took over; the
	 * dual-active rules hand it the IP); with nobody else serving, this
	 * node's beats are back and it serves again */
	int lift = serving && b->kernel && b->st.fenced && !contested;
	if (serving == b->armed && !lift)
		return;
	b->armed = serving;
	if (lift)
		log_warn("heartbeat: the kernel fenced this node while its beats lapsed; nobody else serves: "
			 "lifting it");
	if (b->kernel && fence_push(b, err, sizeof(err)) < 0)
		log_warn("heartbeat: kernel fence %s refused: %s", serving ? "arming" : "lifting", err);
	else if (lift)
		b->st.fenced = 0;
}

int beacon_tick(struct beacon *b, uint64_t now)
{
	uint8_t mac[6];

	if (!b->kernel)
		return b->cfg.try_kernel && now >= b->next_retry && (b->kb || !b->watch) ? try_kernel(b, now)
											 : 0;
	if (now < b->next_refresh)
		return 0;
	b->next_refresh = now + REFRESH_NS;
	/* keep the entry resolved; a new MAC (a replaced NIC) means new frames */
	neigh_use(b->lan_ifindex, b->cfg.peer);
	if (neigh_get(b->lan_ifindex, b->cfg.peer, mac) == 1 && memcmp(mac, b->udp.dst_mac, 6)) {
		log_info("heartbeat: the peer's MAC on %s is now %02x:%02x:%02x:%02x:%02x:%02x",
			 b->cfg.lan_ifname, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
		memcpy(b->udp.dst_mac, mac, 6);
		return 1;
	}
	return 0;
}

int beacon_on_watch(struct beacon *b, uint64_t now)
{
	int ev = kb_watch_read(b->watch);

	if (ev < 0 && b->kb) {
		kb_close(b->kb);
		b->kb = NULL;
		if (b->kernel) {
			to_userland(b, now, "module twin_hb unloaded");
			return 1;
		}
		set_why(b, "userland", "module twin_hb not loaded");
		return 0;
	}
	if (ev > 0 && !b->kernel) {
		kb_close(b->kb);
		b->kb = NULL;
		return try_kernel(b, now);
	}
	return 0;
}

int beacon_watch_fd(const struct beacon *b)
{
	return b->watch ? kb_watch_fd(b->watch) : -1;
}

void beacon_get_info(const struct beacon *b, struct beacon_info *info)
{
	memset(info, 0, sizeof(*info));
	info->kernel = b->kernel;
	if (b->kb)
		snprintf(info->version, sizeof(info->version), "%s", kb_version(b->kb));
	snprintf(info->why, sizeof(info->why), "%s", b->why);
	info->switches = b->switches;
	info->st = b->st;
}
