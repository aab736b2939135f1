/* Heartbeats: send on both paths, receive from the XDP ring (heartbeat link)
 * and the UDP socket (LAN), authenticate, hand valid beats to the peer
 * tracker. Receive times are the kernel's, never "when we got round to it". */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ctl_proto.h"
#include "daemon.h"
#include "hb_xdp.h"
#include "hb_xdp_loader.h"
#include "log.h"
#include "persist.h"
#include "replica.h"
#include "beacon.h"
#include "beat_lease.h"

#define SEQ_BLOCK (1ull << 20) /* seq numbers reserved on disk at a time */
/* how long beats go on without the loop: longer than a host stall (~110 ms,
 * docs/ARCHITECTURE.md "Host stalls"), short enough that a hung daemon soon
 * loses its role */
#define BEAT_LEASE_NS (250ull * 1000000ull)

static void handle_frame(struct twind *d, enum path_id path, const uint8_t *buf, size_t len, uint64_t rx_ns)
{
	struct hb_frame f;
	enum hb_err e = hb_decode(buf, len, &d->key, d->cfg.cluster_id, d->cfg.node_id, &f);

	if (e == HB_OK && f.node_id != d->cfg.peer_id)
		e = HB_E_CLUSTER; /* a third node with our key: not our peer */
	if (e != HB_OK) {
		peer_on_bad(&d->peer, path, e);
		log_debug("dropped %s frame: %s", path == PATH_LINK ? d->cfg.hb_interface : "udp",
			  hb_strerror(e));
		return;
	}
	uint64_t now = mono_ns(), rnow = real_ns();
	uint64_t rx_real = rnow - (now > rx_ns ? now - rx_ns : 0);
	int ev = peer_on_beat(&d->peer, path, &f, rx_ns, rx_real);
	if (ev < 0)
		return; /* replay, counted */
	/* reported to the loop, which hands the beats to the state machine */
	d->rx_ev |= ev & ~PEER_EV_STALE;
	if (!(ev & PEER_EV_STALE))
		d->rx_fresh = 1;
	d->rx_any = 1;
}

/* What the beats read since the last call said, as one peer event set:
 * STALE only when every one of them was. */
static int take_events(struct twind *d)
{
	int ev = d->rx_any ? BEAT_RX_ANY | d->rx_ev | (d->rx_fresh ? 0 : PEER_EV_STALE) : 0;

	d->rx_ev = d->rx_fresh = d->rx_any = 0;
	return ev;
}

static void ring_cb(void *ctx, const struct hbx_event *ev)
{
	struct twind *d = ctx;
	size_t len = ev->len < HBX_SNAP_LEN ? ev->len : HBX_SNAP_LEN;

	handle_frame(d, PATH_LINK, ev->data, len, ev->ktime_ns);
}

int beat_on_ring(struct twind *d)
{
	if (d->xdp)
		hbx_consume(d->xdp);
	return take_events(d);
}

static void read_udp(struct twind *d)
{
	for (;;) {
		uint8_t buf[256];
		char cbuf[CMSG_SPACE(sizeof(struct timespec))];
		struct sockaddr_in from;
		struct iovec iov = {buf, sizeof(buf)};
		struct msghdr mh = {.msg_name = &from,
				    .msg_namelen = sizeof(from),
				    .msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = cbuf,
				    .msg_controllen = sizeof(cbuf)};
		ssize_t n = recvmsg(d->udp_fd, &mh, MSG_DONTWAIT);
		if (n < 0)
			return;
		uint64_t now = mono_ns(), rx_ns = now;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
				struct timespec ts;
				memcpy(&ts, CMSG_DATA(c), sizeof(ts));
				uint64_t stamp = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
				uint64_t rnow = real_ns();
				/* realtime stamp -> monotonic: same distance back from now */
				if (rnow > stamp && rnow - stamp < now)
					rx_ns = now - (rnow - stamp);
			}
		}
		if (from.sin_addr.s_addr != d->cfg.peer_address.s_addr) {
			d->peer.path[PATH_UDP].foreign++;
			continue;
		}
		handle_frame(d, PATH_UDP, buf, (size_t)n, rx_ns);
	}
}

int beat_on_udp(struct twind *d)
{
	read_udp(d);
	return take_events(d);
}

static void fill_frame(struct twind *d, struct hb_frame *f, uint64_t tick, uint64_t tick_mono, uint64_t now,
		       uint64_t rnow)
{
	memset(f, 0, sizeof(*f));
	f->version = HB_VERSION;
	f->node_id = d->cfg.node_id;
	f->state = (uint8_t)d->fsm.state;
	f->flags =
	    (d->fsm.failover_enabled ? HB_F_FAILOVER_ENABLED : 0) | (d->fsm.healthy ? HB_F_HEALTHY : 0) |
	    (d->holds_vip ? HB_F_HOLDS_VIP : 0) | (peer_link_alarm(&d->peer) ? HB_F_LINK_ALARM : 0) |
	    (tick_mono < d->takeover_until_ns ? HB_F_TAKEOVER_REQ : 0) | (d->fsm.yielded ? HB_F_YIELDED : 0);
	if (d->fsm.degraded)
		f->flags |= HB_F_DEGRADED;
	f->cluster_id = d->cfg.cluster_id;
	f->interval_us = d->cfg.hb_interval_us;
	f->epoch = d->fsm.epoch;
	f->seq = d->seq_base + tick; /* one seq per tick: never reused */
	/* the clock as it will read when the frame leaves */
	f->realtime_ns = rnow + (tick_mono - now);
	f->priority = d->cfg.priority;
	if (d->drbd_st_ok) { /* the peer sees our replication at a glance */
		f->drbd_role = (uint8_t)d->drbd_st.role;
		f->drbd_disk = (uint8_t)d->drbd_st.disk;
		f->drbd_conn = !strcmp(d->drbd_st.conn, "Connected") ? 1 : d->drbd_st.syncing ? 2 : 0;
	}
}

/* Sign both paths' frames for tick; their echoes are as of its send time. */
static void sign_tick(struct twind *d, uint64_t tick, uint64_t now, uint64_t rnow)
{
	struct hb_frame f;
	struct lease_frames lf = {0};
	uint64_t at = lease_tick_time(d->lease, tick);

	fill_frame(d, &f, tick, at, now, rnow);
	peer_echo(&d->peer, PATH_LINK, at, &f.echo_seq, &f.echo_delay_us);
	size_t ok = hb_encode_s(&d->signer, &f, lf.link);
	peer_echo(&d->peer, PATH_UDP, at, &f.echo_seq, &f.echo_delay_us);
	ok = ok && hb_encode_s(&d->signer, &f, lf.udp);
	if (!ok) {
		log_err("cannot sign heartbeat %llu", (unsigned long long)f.seq);
		return; /* an unsigned beat would only be dropped as forged */
	}
	beacon_put(d->beacon, tick, &lf);
	peer_note_tx(&d->peer, f.seq, at);
}

static void reserve_seq(struct twind *d, uint64_t upto)
{
	char err[256];

	d->seq_reserved = upto + SEQ_BLOCK;
	if (persist_write_u64(d->cfg.state_dir, "seq", d->seq_reserved, err, sizeof(err)) < 0)
		log_err("%s (seq numbers may repeat after a restart)", err);
}

/* Sign every tick of the lease again, for a new carrier or a new state. */
static int sign_all(struct twind *d, int send_first)
{
	uint64_t now = mono_ns(), rnow = real_ns(), cur = lease_tick(d->lease, now);

	for (uint64_t t = cur + 1; t <= cur + lease_ticks(d->lease); t++)
		sign_tick(d, t, now, rnow);
	return beacon_commit(d->beacon, send_first);
}

static int serving(const struct twind *d)
{
	return d->fsm.state == NS_ACTIVE || d->holds_vip;
}

static int peer_serves(const struct twind *d)
{
	return d->peer.alive && (d->peer.last.state == NS_ACTIVE || (d->peer.last.flags & HB_F_HOLDS_VIP));
}

void beat_refill(struct twind *d)
{
	uint64_t now = mono_ns(), rnow = real_ns(), cur = lease_tick(d->lease, now);
	uint64_t end = cur + lease_ticks(d->lease);

	beacon_arm(d->beacon, serving(d), peer_serves(d));
	if (beacon_tick(d->beacon, now)) {
		/* the kernel beacon came (or the peer's MAC changed) */
		if (sign_all(d, 0))
			sign_all(d, 0);
		return;
	}
	/* the next beat carries the freshest echo; the rest of the lease is
	 * only topped up */
	sign_tick(d, cur + 1, now, rnow);
	for (uint64_t t = cur + 2; t <= end; t++)
		if (!beacon_has(d->beacon, t))
			sign_tick(d, t, now, rnow);
	if (beacon_commit(d->beacon, 0))
		sign_all(d, 0); /* the kernel refused: the senders need the lease */
	/* after the beats, never before them: the fsync must not delay one */
	if (d->seq_base + end + 1024 >= d->seq_reserved)
		reserve_seq(d, d->seq_base + end);
}

void beat_now(struct twind *d)
{
	beacon_arm(d->beacon, serving(d), peer_serves(d));
	/* every frame signed ahead carries the old state: sign them again */
	if (sign_all(d, 1))
		sign_all(d, 1);
}

void beat_on_beacon(struct twind *d)
{
	if (beacon_on_watch(d->beacon, mono_ns()))
		sign_all(d, 0);
}

void beat_farewell(struct twind *d)
{
	if (!d->lease)
		return;
	/* the last beats say Inactive and are sent at once, by us */
	beacon_revoke(d->beacon);
	beat_now(d);
	uint64_t now = mono_ns(), tick = lease_tick(d->lease, now) + 2;
	sign_tick(d, tick, now, real_ns());
	beacon_commit(d->beacon, 1);
}

static int open_packet(struct twind *d, char *err, size_t errlen)
{
	int prio = 7; /* TC_PRIO_CONTROL */
	int one = 1;

	d->hb_ifindex = (int)if_nametoindex(d->cfg.hb_interface);
	if (!d->hb_ifindex) {
		snprintf(err, errlen, "heartbeat interface %s: %s", d->cfg.hb_interface, strerror(errno));
		return -1;
	}
	/* protocol 0: a send-only socket, receiving is the XDP program's job */
	d->pkt_fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (d->pkt_fd < 0) {
		snprintf(err, errlen, "packet socket on %s: %s", d->cfg.hb_interface, strerror(errno));
		return -1;
	}
	setsockopt(d->pkt_fd, SOL_SOCKET, SO_PRIORITY, &prio, sizeof(prio));
	/* skip the qdisc: a beat must not wait behind bulk DRBD traffic */
	setsockopt(d->pkt_fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	return 0;
}

static int open_udp(struct twind *d, char *err, size_t errlen)
{
	int one = 1, prio = 6, tos = 0xb8; /* EF */
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(d->cfg.udp_port)};

	d->udp_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (d->udp_fd < 0) {
		snprintf(err, errlen, "udp socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(d->udp_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* drained at the loop's ticks, not per frame: room for a burst of
	 * junk between two drains without losing a beat */
	int rcvbuf = 1 << 20;
	if (setsockopt(d->udp_fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		setsockopt(d->udp_fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	setsockopt(d->udp_fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
	setsockopt(d->udp_fd, SOL_SOCKET, SO_PRIORITY, &prio, sizeof(prio));
	setsockopt(d->udp_fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
	if (setsockopt(d->udp_fd, SOL_SOCKET, SO_BINDTODEVICE, d->cfg.lan_interface,
		       (socklen_t)strlen(d->cfg.lan_interface)) < 0) {
		snprintf(err, errlen, "udp heartbeat: bind to %s: %s", d->cfg.lan_interface, strerror(errno));
		return -1;
	}
	if (bind(d->udp_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		snprintf(err, errlen, "udp heartbeat: bind port %u: %s", d->cfg.udp_port, strerror(errno));
		return -1;
	}
	return 0;
}

static int init_seq(struct twind *d, char *err, size_t errlen)
{
	uint64_t reserved = 0;
	int r = persist_read_u64(d->cfg.state_dir, "seq", &reserved, err, errlen);

	if (r < 0)
		log_warn("%s: starting seq from the clock", err);
	/* never reuse a seq: start above both the clock (µs) and the last
	 * reservation, whichever is higher (the clock may have gone back) */
	d->seq_base = real_ns() / 1000;
	if (r == 0 && reserved > d->seq_base)
		d->seq_base = reserved;
	d->seq_reserved = d->seq_base + SEQ_BLOCK;
	if (persist_write_u64(d->cfg.state_dir, "seq", d->seq_reserved, err, errlen) < 0)
		return -1;
	return 0;
}

int beat_open(struct twind *d, char *err, size_t errlen)
{
	struct hbx_cfg xc = {.cluster_id = d->cfg.cluster_id,
			     .rate_limit_pps = d->cfg.hb_rate_limit,
			     .burst = d->cfg.hb_rate_limit / 10 + 16,
			     .n_ports = (uint32_t)d->cfg.n_allow_ports};
	char xerr[256] = "";

	for (size_t i = 0; i < d->cfg.n_allow_ports && i < HBX_MAX_PORTS; i++)
		xc.allow_ports[i] = d->cfg.allow_ports[i];
	if (init_seq(d, err, errlen) < 0 || open_packet(d, err, errlen) < 0 || open_udp(d, err, errlen) < 0)
		return -1;
	if (hb_signer_init(&d->signer, &d->key) != 0) {
		snprintf(err, errlen, "heartbeat signer: cannot set up HMAC-SHA256 with the cluster key");
		return -1;
	}
	int r =
	    hbx_open(&d->xdp, d->cfg.hb_interface, &xc, d->cfg.xdp_mode == 1, ring_cb, d, xerr, sizeof(xerr));
	if (r < 0) {
		snprintf(err, errlen, "XDP on %s: %s", d->cfg.hb_interface, xerr);
		return -1;
	}
	if (xerr[0]) /* fallback to generic mode, or a stale program replaced */
		log_warn("XDP on %s: %s", d->cfg.hb_interface, xerr);
	struct beat_lease_cfg lc = {.interval_ns = (uint64_t)d->cfg.hb_interval_us * 1000ull,
				    .lease_ns = BEAT_LEASE_NS,
				    .detect_ns = d->detect_ns,
				    .pkt_fd = d->pkt_fd,
				    .hb_ifindex = d->hb_ifindex,
				    .udp_fd = d->udp_fd,
				    .peer = {.sin_family = AF_INET,
					     .sin_port = htons(d->cfg.udp_port),
					     .sin_addr = d->cfg.peer_address},
				    .sched_priority = d->cfg.sched_priority,
				    .fence = d->fence};
	if (lease_start(&d->lease, &lc, mono_ns(), err, errlen) < 0)
		return -1;
	/* the kernel beacon's fence is IPv4 only (docs/FENCE.md) */
	struct in_addr vips[CFG_MAX_VIPS];
	size_t n_vips = vg_v4(&d->vg, vips);
	int bf = d->cfg.beacon_fence;
	/* a stalled Active keeps its DRBD Primary role: only a reboot frees
	 * it for the peer's promotion */
	if (bf == CFG_BFENCE_AUTO)
		bf = replica_enabled(d) ? CFG_BFENCE_REBOOT : CFG_BFENCE_DROP;
	struct beacon_cfg bc = {.try_kernel = d->cfg.beacon == CFG_BEACON_AUTO,
				.fence_mode = bf == CFG_BFENCE_REBOOT ? TWIN_HB_FENCE_REBOOT
					      : bf == CFG_BFENCE_DROP ? TWIN_HB_FENCE_DROP
								      : TWIN_HB_FENCE_NONE,
				.detect_ns = d->detect_ns,
				.hb_ifname = d->cfg.hb_interface,
				.lan_ifname = d->cfg.lan_interface,
				.peer = d->cfg.peer_address,
				.udp_port = d->cfg.udp_port,
				.vips = vips,
				.n_vips = n_vips,
				.xdp_fence = d->fence};
	if (beacon_open(&d->beacon, &bc, d->lease, err, errlen) < 0)
		return -1;
	struct lease_stats ls;
	lease_get_stats(d->lease, &ls);
	log_info("heartbeat: %s (XDP %s) and udp %s:%u, every %u us, dead after %u misses (%llu ms); "
		 "%u sender threads, lease %u beats",
		 d->cfg.hb_interface, hbx_mode(d->xdp), inet_ntoa(d->cfg.peer_address), d->cfg.udp_port,
		 d->cfg.hb_interval_us, d->cfg.hb_misses, (unsigned long long)(d->detect_ns / 1000000),
		 ls.threads, lease_ticks(d->lease));
	beat_refill(d);
	return 0;
}

void beat_close(struct twind *d)
{
	beacon_close(d->beacon);
	d->beacon = NULL;
	lease_stop(d->lease);
	d->lease = NULL;
	hb_signer_free(&d->signer);
	if (d->xdp)
		hbx_close(d->xdp);
	d->xdp = NULL;
	if (d->pkt_fd >= 0)
		close(d->pkt_fd);
	if (d->udp_fd >= 0)
		close(d->udp_fd);
	d->pkt_fd = d->udp_fd = -1;
}
