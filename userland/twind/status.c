/* Control-socket requests: status for twinctl and the panel, and the
 * operations that act on this node. Keys are listed in docs/CONTROL.md. */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <time.h>
#include <string.h>

#include "beat_lease.h"
#include "cluster.h"
#include "ctl_proto.h"
#include "beacon.h"
#include "daemon.h"
#include "ctl_server.h"
#include "diag_ctl.h"
#include "event_log.h"
#include "fence_loader.h"
#include "fence_peer_ctl.h"
#include "hb_xdp_loader.h"
#include "health.h"
#include "log.h"
#include "power.h"
#include "replica.h"
#include "split_brain_ctl.h"
#include "text_escape.h"
#include "vip.h"
#include "witness.h"

static const char *role_of(int state, int holds)
{
	if (holds)
		return "active";
	switch (state) {
	case NS_STANDBY:
		return "standby";
	case NS_ACTIVATING:
		return "activating";
	case NS_SPLIT_BRAIN:
		return "split-brain";
	case NS_IDLE:
		return "idle";
	case NS_INACTIVE:
		return "inactive";
	default:
		return "starting";
	}
}

/* our own LAN address: the interface's first IPv4 address that is not a
 * failover IP */
static const char *lan_address(struct twind *d)
{
	static char buf[INET_ADDRSTRLEN];
	struct ifaddrs *ifa, *i;

	snprintf(buf, sizeof(buf), "-");
	if (getifaddrs(&ifa) < 0)
		return buf;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET ||
		    strcmp(i->ifa_name, d->cfg.lan_interface))
			continue;
		struct in_addr a = ((struct sockaddr_in *)i->ifa_addr)->sin_addr;
		int is_vip = 0;
		for (size_t v = 0; v < d->cfg.n_vips; v++)
			is_vip |= d->cfg.vips[v].family == AF_INET && d->cfg.vips[v].addr.s_addr == a.s_addr;
		if (!is_vip) {
			inet_ntop(AF_INET, &a, buf, sizeof(buf));
			break;
		}
	}
	freeifaddrs(ifa);
	return buf;
}

static const char *tf(int b)
{
	return b ? "true" : "false";
}

/* Who sends the beats, and the kernel beacon's own counters. */
static void status_beacon(struct twind *d, struct ctl_resp *r)
{
	static const char *const modes[] = {"none", "drop", "reboot"};
	struct beacon_info bi;

	beacon_get_info(d->beacon, &bi);
	if (bi.kernel)
		ctl_resp_kv(r, "heartbeat.beacon", "kernel twin_hb %s", bi.version);
	else
		ctl_resp_kv(r, "heartbeat.beacon", "userland");
	if (bi.why[0])
		ctl_resp_kv(r, "heartbeat.beacon_why", "%s", bi.why);
	ctl_resp_kv(r, "heartbeat.beacon_switches", "%llu", (unsigned long long)bi.switches);
	if (!bi.kernel)
		return;
	const struct kb_path_stats *l = &bi.st.path[TWIN_HB_PATH_LINK], *u = &bi.st.path[TWIN_HB_PATH_UDP];
	ctl_resp_kv(r, "heartbeat.kernel.sent_link", "%llu", (unsigned long long)l->sent);
	ctl_resp_kv(r, "heartbeat.kernel.sent_udp", "%llu", (unsigned long long)u->sent);
	ctl_resp_kv(r, "heartbeat.kernel.dry", "%llu",
		    (unsigned long long)(l->dry > u->dry ? l->dry : u->dry));
	ctl_resp_kv(r, "heartbeat.kernel.missed", "%llu", (unsigned long long)(l->missed + u->missed));
	ctl_resp_kv(
	    r, "heartbeat.kernel.worst_late_us", "%llu",
	    (unsigned long long)((l->worst_late_ns > u->worst_late_ns ? l->worst_late_ns : u->worst_late_ns) /
				 1000));
	ctl_resp_kv(r, "heartbeat.kernel.xmit_err", "%llu", (unsigned long long)(l->xmit_err + u->xmit_err));
	ctl_resp_kv(r, "heartbeat.kernel.fence", "%s",
		    bi.st.fence_mode >= 0 && bi.st.fence_mode <= 2 ? modes[bi.st.fence_mode] : "?");
	ctl_resp_kv(r, "heartbeat.kernel.armed", "%s", tf(bi.st.armed));
	ctl_resp_kv(r, "heartbeat.kernel.fenced", "%s", tf(bi.st.fenced));
}

static void status_node(struct twind *d, struct ctl_resp *r)
{
	uint64_t now_ms = mono_ns() / 1000000ull, now_s = real_ns() / 1000000000ull;
	uint64_t last_active = 0;

	if (d->fsm.state == NS_ACTIVE)
		last_active = now_s;
	else if (d->fsm.last_active_ms)
		last_active = now_s - (now_ms - d->fsm.last_active_ms) / 1000;
	ctl_resp_kv(r, "node.name", "%s", d->cfg.node_name);
	ctl_resp_kv(r, "node.id", "%u", d->cfg.node_id);
	ctl_resp_kv(r, "node.state", "%s", node_state_name(d->fsm.state));
	ctl_resp_kv(r, "node.role", "%s", role_of(d->fsm.state, d->holds_vip));
	ctl_resp_kv(r, "node.endpoint", "%s", lan_address(d));
	ctl_resp_kv(r, "node.last_active", "%llu", (unsigned long long)last_active);
	ctl_resp_kv(r, "node.failover_enabled", "%s", tf(d->fsm.failover_enabled));
	ctl_resp_kv(r, "node.priority", "%u", d->cfg.priority);
	ctl_resp_kv(r, "node.epoch", "%llu", (unsigned long long)d->fsm.epoch);
	ctl_resp_kv(r, "node.healthy", "%s", tf(d->fsm.healthy));
	if (d->health) {
		ctl_resp_kv(r, "node.health", "%s", health_level_name(health_level(d->health)));
		ctl_resp_kv(r, "node.health_reason", "%s", health_reason(d->health));
	}
	ctl_resp_kv(r, "node.reason", "%s", d->fsm.reason);
	ctl_resp_kv(r, "node.since", "%llu", (unsigned long long)d->state_since_real_s);
	if (d->lease) {
		struct lease_stats ls;
		lease_get_stats(d->lease, &ls);
		ctl_resp_kv(r, "heartbeat.sent", "%llu", (unsigned long long)ls.sent);
		ctl_resp_kv(r, "heartbeat.lease_dry", "%llu", (unsigned long long)ls.dry);
		ctl_resp_kv(r, "heartbeat.sender_late", "%llu", (unsigned long long)ls.late);
		for (unsigned i = 0; i < ls.threads; i++) {
			char k[40];
			snprintf(k, sizeof(k), "heartbeat.sender.%u", i);
			ctl_resp_kv(r, k, "%llu", (unsigned long long)ls.sent_by[i]);
		}
	}
	if (d->beacon)
		status_beacon(d, r);
	ctl_resp_kv(r, "node.stalls", "%llu", (unsigned long long)d->beat_overruns);
}

/* vip.N.present: the kernel's answer, not twind's belief (vip.N.held);
 * diag compares them and asks the peer the same */
static void vip_present_kv(struct twind *d, size_t i, struct ctl_resp *r)
{
	char k[32];
	int p = d->vip ? vip_present(d->vip, &d->cfg.vips[i]) : -1;

	snprintf(k, sizeof(k), "vip.%zu.present", i);
	if (p >= 0)
		ctl_resp_kv(r, k, "%s", tf(p));
}

static void status_peer(struct twind *d, struct ctl_resp *r)
{
	const struct peer *p = &d->peer;

	ctl_resp_kv(r, "peer.id", "%u", d->cfg.peer_id);
	if (sbc_peer_name(d))
		ctl_resp_kv(r, "peer.name", "%s", sbc_peer_name(d));
	ctl_resp_kv(r, "peer.endpoint", "%s", inet_ntoa(d->cfg.peer_address));
	ctl_resp_kv(r, "peer.alive", "%s", tf(p->alive));
	if (!p->ever_seen) {
		ctl_resp_kv(r, "peer.state", "unknown");
		return;
	}
	int state = p->alive ? p->last.state : -1;
	ctl_resp_kv(r, "peer.state", "%s", p->alive ? node_state_name(state) : "dead");
	ctl_resp_kv(r, "peer.role", "%s",
		    p->alive ? role_of(state, p->last.flags & HB_F_HOLDS_VIP) : "unreachable");
	ctl_resp_kv(r, "peer.last_active", "%llu", (unsigned long long)p->last_active_real_s);
	ctl_resp_kv(r, "peer.failover_enabled", "%s", tf(p->last.flags & HB_F_FAILOVER_ENABLED));
	ctl_resp_kv(r, "peer.healthy", "%s", tf(p->last.flags & HB_F_HEALTHY));
	ctl_resp_kv(r, "peer.degraded", "%s", tf(p->last.flags & HB_F_DEGRADED));
	ctl_resp_kv(r, "peer.priority", "%u", p->last.priority);
	ctl_resp_kv(r, "peer.epoch", "%llu", (unsigned long long)p->last.epoch);
}

static void status_paths(struct twind *d, struct ctl_resp *r)
{
	static const char *const kind[PATH_COUNT] = {"link", "udp"};
	uint64_t now = mono_ns();

	for (int i = 0; i < PATH_COUNT; i++) {
		const struct peer_path *pp = &d->peer.path[i];
		char k[48];
#define PK(name) (snprintf(k, sizeof(k), "path.%d." name, i), k)
		ctl_resp_kv(r, PK("name"), "%s", i == PATH_LINK ? d->cfg.hb_interface : d->cfg.lan_interface);
		ctl_resp_kv(r, PK("kind"), "%s", kind[i]);
		ctl_resp_kv(r, PK("up"), "%s", tf(pp->up));
		ctl_resp_kv(r, PK("last_seen_ms"), "%lld", (long long)peer_path_age_ms(&d->peer, i, now));
		ctl_resp_kv(r, PK("beats"), "%llu", (unsigned long long)pp->beats);
		ctl_resp_kv(r, PK("lost"), "%llu", (unsigned long long)pp->lost);
		ctl_resp_kv(r, PK("down_count"), "%llu", (unsigned long long)pp->down_count);
		ctl_resp_kv(r, PK("rtt_us"), "%lld", pp->rtt_ns < 0 ? -1LL : (long long)(pp->rtt_ns / 1000));
		ctl_resp_kv(r, PK("bad_mac"), "%llu", (unsigned long long)pp->bad_mac);
		ctl_resp_kv(r, PK("replay"), "%llu", (unsigned long long)pp->replay);
		ctl_resp_kv(r, PK("malformed"), "%llu", (unsigned long long)pp->malformed);
		ctl_resp_kv(r, PK("foreign"), "%llu", (unsigned long long)pp->foreign);
		char gaps[1024];
		peer_gaps_format(pp, gaps, sizeof(gaps));
		ctl_resp_kv(r, PK("gaps_ms"), "%s", gaps);
		ctl_resp_kv(r, PK("gap_max_us"), "%llu", (unsigned long long)(pp->gap_max_ns / 1000));
#undef PK
	}
}

/* alarm.N stays the text (the console, diag and the exporter read it);
 * the lifecycle is a parallel list, alarm_info.N (a key cannot be both a
 * value and an object in JSON) */
static void status_alarms(struct twind *d, struct ctl_resp *r)
{
	uint64_t now = mono_ms();
	char k[48];

	for (unsigned i = 0; i < d->alarms.n; i++) {
		const struct alarm *a = &d->alarms.a[i];
		snprintf(k, sizeof(k), "alarm.%u", i);
		ctl_resp_kv(r, k, "%s", a->text);
#define AK(name) (snprintf(k, sizeof(k), "alarm_info.%u." name, i), k)
		ctl_resp_kv(r, AK("id"), "%llu", (unsigned long long)a->id);
		ctl_resp_kv(r, AK("raised"), "%llu", (unsigned long long)(a->raised_ms / 1000));
		ctl_resp_kv(r, AK("age_s"), "%llu", (unsigned long long)((now - a->raised_mono) / 1000));
		ctl_resp_kv(r, AK("acked"), "%s", tf(a->acked));
		if (a->acked) {
			ctl_resp_kv(r, AK("acked_by"), "%s", a->acked_by);
			ctl_resp_kv(r, AK("acked_at"), "%llu", (unsigned long long)(a->acked_ms / 1000));
		}
#undef AK
	}
}

static void status_rest(struct twind *d, struct ctl_resp *r)
{
	char k[32];

	if (d->peer.skew_known)
		ctl_resp_kv(r, "skew_us", "%lld", (long long)(d->peer.skew_ns / 1000));
	status_alarms(d, r);
	for (size_t i = 0; i < d->cfg.n_vips; i++) {
		char t[CFG_VIP_TEXT_MAX];
		snprintf(k, sizeof(k), "vip.%zu.addr", i);
		ctl_resp_kv(r, k, "%s", cfg_vip_text(&d->cfg.vips[i], t, sizeof(t)));
		snprintf(k, sizeof(k), "vip.%zu.dev", i);
		ctl_resp_kv(r, k, "%s", d->cfg.vips[i].dev);
		snprintf(k, sizeof(k), "vip.%zu.held", i);
		ctl_resp_kv(r, k, "%s", tf(d->holds_vip));
		vip_present_kv(d, i, r);
	}
	ctl_resp_kv(r, "heartbeat.interval_us", "%u", d->cfg.hb_interval_us);
	ctl_resp_kv(r, "heartbeat.misses", "%u", d->cfg.hb_misses);
	if (d->xdp) {
		__u64 st[HBX_STAT_MAX] = {0};
		hbx_stats(d->xdp, st);
		ctl_resp_kv(r, "xdp.mode", "%s", hbx_mode(d->xdp));
		ctl_resp_kv(r, "xdp.rx", "%llu", (unsigned long long)st[HBX_RX_HB]);
		ctl_resp_kv(r, "xdp.drop_foreign", "%llu", (unsigned long long)st[HBX_DROP_FOREIGN]);
		ctl_resp_kv(r, "xdp.drop_ratelimit", "%llu", (unsigned long long)st[HBX_DROP_RATELIMIT]);
		ctl_resp_kv(r, "xdp.drop_malformed", "%llu", (unsigned long long)st[HBX_DROP_MALFORMED]);
		ctl_resp_kv(r, "xdp.drop_ringfull", "%llu", (unsigned long long)st[HBX_DROP_RINGFULL]);
	}
	if (d->fence) {
		uint64_t arp = 0, ip = 0;
		fence_counters(d->fence, &arp, &ip);
		ctl_resp_kv(r, "fence.mode", "%s", fence_mode(d->fence));
		ctl_resp_kv(r, "fence.dropped_arp", "%llu", (unsigned long long)arp);
		ctl_resp_kv(r, "fence.dropped_ip", "%llu", (unsigned long long)ip);
	}
	/* the resource even while its state cannot be read: diag tells
	 * "not configured" from "unknown" */
	if (replica_enabled(d))
		ctl_resp_kv(r, "drbd.resource", "%s", d->cfg.drbd_resource);
	if (replica_enabled(d) && d->drbd_st_ok) {
		const struct drbd_status *st = &d->drbd_st;
		char line[160];
		drbd_format(st, d->cfg.drbd_resource, line, sizeof(line));
		ctl_resp_kv(r, "drbd.conn", "%s", st->conn);
		ctl_resp_kv(r, "drbd.role", "%s", drbd_role_name(st->role));
		ctl_resp_kv(r, "drbd.peer_role", "%s", drbd_role_name(st->peer_role));
		ctl_resp_kv(r, "drbd.disk", "%s", drbd_disk_name(st->disk));
		ctl_resp_kv(r, "drbd.peer_disk", "%s", drbd_disk_name(st->peer_disk));
		ctl_resp_kv(r, "drbd.out_of_sync_kib", "%llu", (unsigned long long)st->oos_kib);
		if (st->syncing) {
			ctl_resp_kv(r, "drbd.sync_permille", "%d", st->sync_permille);
			ctl_resp_kv(r, "drbd.sync_left_s", "%llu", (unsigned long long)st->finish_s);
		}
		ctl_resp_kv(r, "drbd.summary", "%s", line);
	}
	if (d->witness) {
		uint64_t now = mono_ns() / 1000000ull;
		struct witness_counters wc;
		char line[160];
		witness_summary(d->witness, now, line, sizeof(line));
		ctl_resp_kv(r, "witness.summary", "%s", line);
		ctl_resp_kv(r, "witness.reached", "%s", tf(witness_reached(d->witness, now)));
		ctl_resp_kv(r, "witness.timeout_ms", "%u", witness_timeout_ms(d->witness));
		for (unsigned i = 0; i < witness_count(d->witness) && i < CFG_MAX_WITNESS; i++) {
			struct witness_status ws;
			if (witness_status(d->witness, i, now, &ws) < 0)
				continue;
			snprintf(k, sizeof(k), "witness.%u.addr", i);
			ctl_resp_kv(r, k, "%s", inet_ntoa(ws.addr));
			snprintf(k, sizeof(k), "witness.%u.reached", i);
			ctl_resp_kv(r, k, "%s", tf(ws.reached));
			snprintf(k, sizeof(k), "witness.%u.age_ms", i);
			ctl_resp_kv(r, k, "%lld", (long long)ws.age_ms);
			snprintf(k, sizeof(k), "witness.%u.rtt_us", i);
			ctl_resp_kv(r, k, "%lld", (long long)ws.rtt_us);
			snprintf(k, sizeof(k), "witness.%u.sent", i);
			ctl_resp_kv(r, k, "%llu", (unsigned long long)ws.sent);
			snprintf(k, sizeof(k), "witness.%u.replies", i);
			ctl_resp_kv(r, k, "%llu", (unsigned long long)ws.replies);
		}
		witness_counters(d->witness, &wc);
		ctl_resp_kv(r, "witness.foreign", "%llu", (unsigned long long)wc.foreign);
		ctl_resp_kv(r, "witness.mismatch", "%llu", (unsigned long long)wc.mismatch);
		ctl_resp_kv(r, "witness.malformed", "%llu", (unsigned long long)wc.malformed);
		ctl_resp_kv(r, "witness.send_errors", "%llu", (unsigned long long)wc.send_errors);
	}
	ctl_resp_kv(r, "failover.claims", "%llu", (unsigned long long)d->claims);
	ctl_resp_kv(r, "failover.releases", "%llu", (unsigned long long)d->releases);
	for (int i = 0; i < TR_COUNT; i++) {
		snprintf(k, sizeof(k), "failover.reason.%s", takeover_reason_name(i));
		ctl_resp_kv(r, k, "%llu", (unsigned long long)d->takeovers[i]);
	}
	ctl_resp_kv(r, "loop.iteration_max_us", "%llu",
		    (unsigned long long)(loop_stats_max_ns(&d->loop, mono_ns()) / 1000));
	ctl_resp_kv(r, "loop.turns", "%llu", (unsigned long long)d->loop.turns);
}

/* An admin request in the journal, with who made it, before the state
 * changes it causes; a refusal follows it (why NULL: the request). */
static void journal_admin(struct twind *d, const char *what, const char *why)
{
	if (why)
		cluster_event(d, "admin", "%s by %s refused: %s", what, d->req_from, why);
	else
		cluster_event(d, "admin", "%s requested by %s", what, d->req_from);
}

/* Run an admin event and report what it did: the FSM refuses with a reason
 * when its guards say no. */
static void admin(struct twind *d, enum fsm_event_type t, const char *what, struct ctl_resp *r)
{
	enum node_state before = d->fsm.state;

	journal_admin(d, what, NULL);
	act_event(d, t);
	if (d->fsm.state == before && t != FE_FAILOVER_ENABLE && t != FE_FAILOVER_DISABLE) {
		journal_admin(d, what, d->fsm.reason);
		ctl_resp_err(r, "refused: %s (state %s)", d->fsm.reason, node_state_name(before));
		return;
	}
	ctl_resp_ok(r);
	ctl_resp_kv(r, "message", "%s -> %s: %s", node_state_name(before), node_state_name(d->fsm.state),
		    d->fsm.reason);
}

/* Who sent this request, for the journal: the uid is the kernel's
 * (SO_PEERCRED); a trailing "from=console" is the console's word for
 * itself, only a label next to that uid, and is taken off the request. */
static int request_from(struct twind *d, int argc, char **argv)
{
	long long uid = ctl_server_client_uid(d->ctl);
	int console = argc > 1 && !strcmp(argv[argc - 1], "from=console");

	if (console)
		argv[--argc] = NULL;
	snprintf(d->req_from, sizeof(d->req_from), console ? "console (uid %lld)" : "ssh/uid %lld", uid);
	return argc;
}

/* twinctl update reports its start and outcome: "note update TEXT" */
static void note(struct twind *d, int argc, char **argv, struct ctl_resp *r)
{
	char text[512], clean[512];
	size_t n = 0;

	if (argc < 3 || strcmp(argv[1], "update")) {
		ctl_resp_err(r, "usage: note update TEXT");
		return;
	}
	text[0] = 0;
	for (int i = 2; i < argc && n < sizeof(text) - 1; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s%s", i > 2 ? " " : "", argv[i]);
	text_escape(clean, sizeof(clean), text);
	cluster_event(d, "update", "%s (%s)", clean, d->req_from);
	ctl_resp_ok(r);
}

void status_handler(void *ctx, int argc, char **argv, struct ctl_resp *r)
{
	struct twind *d = ctx;

	argc = request_from(d, argc, argv);

#ifdef TWIN_TEST_HOOKS
	/* tests only (test_hooks.h): stall the loop, not the beat senders, to
	 * show the lease keeps beating for its length and then stops */
	if (!strcmp(argv[0], "test-stall") && argc == 2) {
		unsigned ms = 0;
		if (sscanf(argv[1], "%u", &ms) != 1 || ms > 10000) {
			ctl_resp_err(r, "usage: test-stall MS (0..10000)");
			return;
		}
		log_warn("test-stall: the loop stops for %u ms", ms);
		nanosleep(&(struct timespec){.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000},
			  NULL);
		ctl_resp_ok(r);
		return;
	}
#endif
	if (!strcmp(argv[0], "ping")) {
		ctl_resp_ok(r);
		ctl_resp_kv(r, "message", "pong");
		return;
	}
	if (!strcmp(argv[0], "version")) {
		ctl_resp_ok(r);
		ctl_resp_kv(r, "version", "%s", TWIN_VERSION);
		ctl_resp_kv(r, "protocol", "%d", CTL_PROTO_VERSION);
		return;
	}
	if (cluster_ctl(d, argc, argv, r))
		return;
	/* the history is kept before pairing too: what happened at cluster create */
	if (elog_ctl(d, argc, argv, r))
		return;
	if (!strcmp(argv[0], "note")) {
		note(d, argc, argv, r);
		return;
	}
	if (cluster_mode(d) != CLUSTER_STANDALONE && (fpc_ctl(d, argc, argv, r) || sbc_ctl(d, argc, argv, r)))
		return;
	if (!strcmp(argv[0], "status") && cluster_mode(d) == CLUSTER_STANDALONE) {
		ctl_resp_ok(r);
		ctl_resp_kv(r, "node.name", "%s", d->cfg.node_name);
		ctl_resp_kv(r, "node.state", "Standalone");
		ctl_resp_kv(r, "node.role", "standalone");
		ctl_resp_kv(r, "node.endpoint", "%s", lan_address(d));
		if (d->holds_vip) {
			char t[CFG_VIP_TEXT_MAX];
			ctl_resp_kv(r, "vip.0.addr", "%s", cfg_vip_text(&d->cfg.vips[0], t, sizeof(t)));
			ctl_resp_kv(r, "vip.0.held", "true");
			vip_present_kv(d, 0, r);
		}
		diag_status(d, r);
		cluster_status(d, r);
		return;
	}
	if (cluster_mode(d) == CLUSTER_STANDALONE) {
		ctl_resp_err(r, "this node is not part of a pair yet: twinctl cluster create --peer IP "
				"--failover-ip IP/N");
		return;
	}
	if (!strcmp(argv[0], "status")) {
		ctl_resp_ok(r);
		status_node(d, r);
		status_peer(d, r);
		status_paths(d, r);
		status_rest(d, r);
		sbc_status(d, r);
		fpc_status(d, r);
		diag_status(d, r);
		cluster_status(d, r);
		return;
	}
	if (diag_ctl(d, argc, argv, r))
		return;
	if (!strcmp(argv[0], "alarm") && argc == 3 && !strcmp(argv[1], "ack")) {
		char msg[160];
		if (alarm_ack(d, argv[2], d->req_from, msg, sizeof(msg)) < 0) {
			ctl_resp_err(r, "%s", msg);
			return;
		}
		ctl_resp_ok(r);
		ctl_resp_kv(r, "message", "%s", msg);
		return;
	}
	if (!strcmp(argv[0], "failover") && argc == 2 && !strcmp(argv[1], "enable")) {
		log_info("admin: failover enabled");
		admin(d, FE_FAILOVER_ENABLE, "failover enable", r);
		return;
	}
	if (!strcmp(argv[0], "failover") && argc == 2 && !strcmp(argv[1], "disable")) {
		log_info("admin: failover disabled");
		admin(d, FE_FAILOVER_DISABLE, "failover disable", r);
		return;
	}
	if (!strcmp(argv[0], "restore") && argc == 1) {
		log_info("admin: restore");
		admin(d, FE_ADMIN_RESTORE, "restore", r);
		return;
	}
	if (!strcmp(argv[0], "takeover") && (argc == 1 || (argc == 2 && !strcmp(argv[1], "--force")))) {
		char why[256];
		const char *what = argc == 2 ? "takeover --force" : "takeover";
		log_info("admin: %s (%s)", what, d->req_from);
		journal_admin(d, what, NULL);
		if (act_takeover(d, argc == 2, why, sizeof(why)) < 0) {
			journal_admin(d, what, why);
			ctl_resp_err(r, "takeover refused: %s", why);
			return;
		}
		ctl_resp_ok(r);
		ctl_resp_kv(r, "message", "%s",
			    d->takeover_until_ns
				? "handover requested: the peer releases, then this node takes over"
				: "taking over");
		return;
	}
	if (!strcmp(argv[0], "power") && argc == 2 && power_command(&d->cfg, argv[1])) {
		char err[256];
		/* an Active node hands over first; the reboot's SIGTERM then
		 * finds nothing to release */
		log_warn("admin: %s of this node (%s)", argv[1], power_command(&d->cfg, argv[1]));
		journal_admin(d, argv[1], NULL);
		if (d->fsm.state == NS_ACTIVE)
			act_event(d, FE_ADMIN_RELEASE);
		if (power_run(power_command(&d->cfg, argv[1]), err, sizeof(err)) < 0) {
			ctl_resp_err(r, "%s: %s", argv[1], err);
			return;
		}
		ctl_resp_ok(r);
		ctl_resp_kv(r, "message", "%s of %s started", argv[1], d->cfg.node_name);
		return;
	}
	if (!strcmp(argv[0], "release") && argc == 1) {
		log_info("admin: release");
		admin(d, FE_ADMIN_RELEASE, "release", r);
		return;
	}
	ctl_resp_err(r,
		     "unknown request '%s' (try: status, ping, version, failover enable|disable, "
		     "restore, takeover [--force], release, diag peer|result, log [peer|result], "
		     "alarm ack N|all)",
		     argv[0]);
}
