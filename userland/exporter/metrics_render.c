/* Metric names follow drbd-reactor's exporter: twin_ prefix, base units
 * (seconds, bytes), _total for counters, and an enum as one 0/1 sample per
 * known value (so a query sees the old value turn 0, not vanish). */
#define _GNU_SOURCE
#include "metrics_render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expo.h"
#include "node_state.h"

#define PATHS_MAX 16 /* heartbeat paths looked for; a pair has two */
#define LIST_MAX  32

/* --- value helpers: a sample only from a key that holds a whole number --- */

static int get_num(const struct ctl_reply *rep, const char *key, long long *v)
{
	return ctl_get_ll(rep, key, v) == 0;
}

/* key's integer as the sample's value (counters, plain gauges) */
static void sample_int(struct expo *e, const struct ctl_reply *rep, const char *key, const char *lk,
		       const char *lv)
{
	char buf[EXPO_VALUE_MAX];
	long long v;

	if (get_num(rep, key, &v))
		expo_sample(e, expo_fixed(buf, v, 0), lk, lv, NULL, NULL);
}

/* key's integer / 10^decimals (us -> s: 6, ms -> s and permille: 3);
 * negative values mean "not known" when skip_negative */
static void sample_scaled(struct expo *e, const struct ctl_reply *rep, const char *key, int decimals,
			  int skip_negative, const char *lk, const char *lv)
{
	char buf[EXPO_VALUE_MAX];
	long long v;

	if (get_num(rep, key, &v) && !(skip_negative && v < 0))
		expo_sample(e, expo_fixed(buf, v, decimals), lk, lv, NULL, NULL);
}

static void sample_bool(struct expo *e, const struct ctl_reply *rep, const char *key)
{
	int b = ctl_get_bool(rep, key);

	if (b >= 0)
		expo_value(e, b ? "1" : "0");
}

/* One enum sample, the resource label (when there is one) first. */
static void enum_one(struct expo *e, const char *v, const char *res, const char *label, const char *val)
{
	if (res)
		expo_sample(e, v, "resource", res, label, val);
	else
		expo_sample(e, v, label, val, NULL, NULL);
}

/* An enum: 1 for the current value, 0 for every other known one; a value
 * we do not know still shows, as 1. */
static void sample_enum(struct expo *e, const char *cur, const char *const known[], size_t n,
			const char *label, const char *res)
{
	int found = 0;

	if (!cur)
		return;
	for (size_t i = 0; i < n; i++) {
		int is = !strcmp(known[i], cur);
		found |= is;
		enum_one(e, is ? "1" : "0", res, label, known[i]);
	}
	if (!found)
		enum_one(e, "1", res, label, cur);
}

/* --- families --- */

static void node_metrics(struct expo *e, const struct ctl_reply *rep)
{
	static const char *const roles[] = {"active",	"activating",  "standby",  "idle",
					    "inactive", "split-brain", "starting", "standalone"};
	const char *states[NS_COUNT + 1];

	for (int i = 0; i < NS_COUNT; i++)
		states[i] = node_state_name(i);
	states[NS_COUNT] = "Standalone"; /* a node that is not paired yet */

	expo_family(e, "twin_node_info", "gauge", "This node's name and id (always 1).");
	if (ctl_get(rep, "node.name"))
		expo_sample(e, "1", "name", ctl_get(rep, "node.name"), "id", ctl_get(rep, "node.id"));
	expo_family(e, "twin_node_state", "gauge", "State of this node: 1 for the current one (node.state).");
	sample_enum(e, ctl_get(rep, "node.state"), states, NS_COUNT + 1, "state", NULL);
	expo_family(e, "twin_role", "gauge", "Role of this node: 1 for the current one (node.role).");
	sample_enum(e, ctl_get(rep, "node.role"), roles, sizeof(roles) / sizeof(roles[0]), "role", NULL);
	expo_family(e, "twin_state_change_timestamp_seconds", "gauge",
		    "Unix time of this node's last state change (node.since).");
	sample_int(e, rep, "node.since", NULL, NULL);
	expo_family(e, "twin_failover_enabled", "gauge", "1 if this node may take over automatically.");
	sample_bool(e, rep, "node.failover_enabled");
	expo_family(e, "twin_healthy", "gauge", "0 once local health has failed (node.healthy).");
	sample_bool(e, rep, "node.healthy");
	expo_family(e, "twin_peer_alive", "gauge", "1 while any heartbeat path hears the peer.");
	sample_bool(e, rep, "peer.alive");
}

static void path_metrics(struct expo *e, const struct ctl_reply *rep, int n)
{
	static const char *const results[][2] = {
	    {"beats", "accepted"},	{"bad_mac", "bad_mac"}, {"replay", "replay"},
	    {"malformed", "malformed"}, {"foreign", "foreign"},
	};
	char key[CTL_KEY_MAX + 1];
	long long v, seen = -1;

#define PATH(i)	 (ctl_getf(rep, "path.%d.name", (i)))
#define PK(i, f) (snprintf(key, sizeof(key), "path.%d." f, (i)), key)
	/* the peer: the youngest beat on any path */
	for (int i = 0; i < n; i++)
		if (get_num(rep, PK(i, "last_seen_ms"), &v) && v >= 0 && (seen < 0 || v < seen))
			seen = v;
	expo_family(e, "twin_peer_last_seen_seconds", "gauge",
		    "Time since the last valid heartbeat from the peer on any path (path.N.last_seen_ms).");
	if (seen >= 0) {
		char buf[EXPO_VALUE_MAX];
		expo_value(e, expo_fixed(buf, seen, 3));
	}
	expo_family(e, "twin_path_up", "gauge", "1 while the peer is heard on this heartbeat path.");
	for (int i = 0; i < n; i++) {
		int b = ctl_get_bool(rep, PK(i, "up"));
		if (b >= 0)
			expo_sample(e, b ? "1" : "0", "path", PATH(i), NULL, NULL);
	}
	expo_family(e, "twin_heartbeat_frames_total", "counter",
		    "Heartbeat frames received per path: accepted, or why they were rejected.");
	for (int i = 0; i < n; i++)
		for (size_t r = 0; r < sizeof(results) / sizeof(results[0]); r++) {
			char buf[EXPO_VALUE_MAX];
			snprintf(key, sizeof(key), "path.%d.%s", i, results[r][0]);
			if (get_num(rep, key, &v))
				expo_sample(e, expo_fixed(buf, v, 0), "path", PATH(i), "result",
					    results[r][1]);
		}
	expo_family(e, "twin_heartbeat_lost_total", "counter",
		    "Heartbeats missing per path (gaps in the sequence numbers).");
	for (int i = 0; i < n; i++)
		sample_int(e, rep, PK(i, "lost"), "path", PATH(i));
	expo_family(e, "twin_heartbeat_rtt_seconds", "gauge", "Heartbeat round-trip time per path.");
	for (int i = 0; i < n; i++)
		sample_scaled(e, rep, PK(i, "rtt_us"), 6, 1, "path", PATH(i));
#undef PATH
#undef PK
}

/* every "PREFIX<name>=N" key as one sample with label=<name> */
static void prefixed(struct expo *e, const struct ctl_reply *rep, const char *prefix, const char *label)
{
	size_t pl = strlen(prefix);
	char buf[EXPO_VALUE_MAX];
	long long v;

	for (size_t i = 0; i < rep->n; i++)
		if (!strncmp(rep->kv[i].key, prefix, pl) && rep->kv[i].key[pl] &&
		    !strchr(rep->kv[i].key + pl, '.') && get_num(rep, rep->kv[i].key, &v))
			expo_sample(e, expo_fixed(buf, v, 0), label, rep->kv[i].key + pl, NULL, NULL);
}

static void daemon_metrics(struct expo *e, const struct ctl_reply *rep)
{
	char buf[EXPO_VALUE_MAX];
	long long alarms = 0;

	expo_family(e, "twin_heartbeat_sent_total", "counter",
		    "Heartbeat sends (all paths, all sender threads).");
	sample_int(e, rep, "heartbeat.sent", NULL, NULL);
	expo_family(e, "twin_failovers_total", "counter",
		    "Takeovers by this node (Activating to Active) by what began them (failover.reason.*).");
	prefixed(e, rep, "failover.reason.", "reason");
	expo_family(e, "twin_failover_ip_held", "gauge", "1 while this node holds the failover IP.");
	for (int i = 0; i < LIST_MAX && ctl_getf(rep, "vip.%d.addr", i); i++) {
		const char *held = ctl_getf(rep, "vip.%d.held", i);
		if (held && (!strcmp(held, "true") || !strcmp(held, "false")))
			expo_sample(e, !strcmp(held, "true") ? "1" : "0", "address",
				    ctl_getf(rep, "vip.%d.addr", i), NULL, NULL);
	}
	while (alarms < LIST_MAX && ctl_getf(rep, "alarm.%lld", alarms))
		alarms++;
	expo_family(e, "twin_alarms", "gauge", "Alarms raised and not cleared (alarm.N).");
	expo_value(e, expo_fixed(buf, alarms, 0));
	expo_family(e, "twin_clock_skew_seconds", "gauge", "The peer's clock minus ours (skew_us).");
	sample_scaled(e, rep, "skew_us", 6, 0, NULL, NULL);
	expo_family(
	    e, "twin_loop_iteration_max_seconds", "gauge",
	    "Longest turn of twind's event loop in the last one to two minutes (loop.iteration_max_us).");
	sample_scaled(e, rep, "loop.iteration_max_us", 6, 1, NULL, NULL);
	expo_family(e, "twin_loop_stalls_total", "counter",
		    "Heartbeat ticks twind's loop was too late for (node.stalls).");
	sample_int(e, rep, "node.stalls", NULL, NULL);
	expo_family(e, "twin_xdp_received_total", "counter",
		    "Heartbeat frames the XDP program passed on (xdp.rx).");
	sample_int(e, rep, "xdp.rx", NULL, NULL);
	expo_family(e, "twin_xdp_dropped_total", "counter",
		    "Frames the XDP program on the heartbeat link dropped, by reason (xdp.drop_*).");
	prefixed(e, rep, "xdp.drop_", "reason");
	expo_family(e, "twin_fence_dropped_total", "counter",
		    "Packets for the failover IP the lease fence dropped (fence.dropped_*).");
	prefixed(e, rep, "fence.dropped_", "kind");
	expo_family(e, "twin_witness_reached", "gauge", "1 while a witness (tie-breaker) answers.");
	sample_bool(e, rep, "witness.reached");
}

static void drbd_metrics(struct expo *e, const struct ctl_reply *rep)
{
	/* DRBD's own names (8.4's /proc/drbd and 9's events2) */
	static const char *const roles[] = {"Primary", "Secondary", "Unknown"};
	static const char *const disks[] = {"Diskless",	   "Attaching",	   "Failed",
					    "Negotiating", "Inconsistent", "Outdated",
					    "DUnknown",	   "Consistent",   "UpToDate"};
	static const char *const conns[] = {
	    "StandAlone",     "Disconnecting", "Unconnected",	"Timeout",	 "BrokenPipe",
	    "NetworkFailure", "ProtocolError", "TearDown",	"Connecting",	 "WFConnection",
	    "WFReportParams", "Connected",     "StartingSyncS", "StartingSyncT", "WFBitMapS",
	    "WFBitMapT",      "WFSyncUUID",    "SyncSource",	"SyncTarget",	 "PausedSyncS",
	    "PausedSyncT",    "VerifyS",       "VerifyT",	"Ahead",	 "Behind"};
	const char *res = ctl_get(rep, "drbd.resource");
	char buf[EXPO_VALUE_MAX];
	long long v;

	if (!res)
		return; /* no DRBD, or its state not read yet */
	expo_family(e, "twin_drbd_role", "gauge",
		    "DRBD role of this node's resource: 1 for the current one.");
	sample_enum(e, ctl_get(rep, "drbd.role"), roles, sizeof(roles) / sizeof(roles[0]), "role", res);
	expo_family(e, "twin_drbd_connection_state", "gauge",
		    "DRBD connection state: 1 for the current one.");
	sample_enum(e, ctl_get(rep, "drbd.conn"), conns, sizeof(conns) / sizeof(conns[0]), "state", res);
	expo_family(e, "twin_drbd_disk_state", "gauge",
		    "DRBD state of this node's disk: 1 for the current one.");
	sample_enum(e, ctl_get(rep, "drbd.disk"), disks, sizeof(disks) / sizeof(disks[0]), "state", res);
	expo_family(e, "twin_drbd_out_of_sync_bytes", "gauge", "Data not yet in sync with the peer's disk.");
	if (get_num(rep, "drbd.out_of_sync_kib", &v) && v >= 0 && v <= (long long)(~0ull >> 12))
		expo_sample(e, expo_fixed(buf, v * 1024, 0), "resource", res, NULL, NULL);
	expo_family(e, "twin_drbd_resync_progress_ratio", "gauge", "Part of a running resync done (0..1).");
	if (get_num(rep, "drbd.sync_permille", &v) && v >= 0 && v <= 1000)
		expo_sample(e, expo_fixed(buf, v, 3), "resource", res, NULL, NULL);
}

static int count_paths(const struct ctl_reply *rep)
{
	int n = 0;

	while (n < PATHS_MAX && ctl_getf(rep, "path.%d.name", n))
		n++;
	return n;
}

char *metrics_render(const struct metrics_scrape *s)
{
	const struct ctl_reply *rep = s->status && s->status->ok ? s->status : NULL;
	char *text = NULL, buf[EXPO_VALUE_MAX];
	size_t len = 0;
	struct expo e;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	expo_init(&e, f);
	expo_family(&e, "twin_up", "gauge", "1 if twind answered the status request, 0 if not.");
	expo_value(&e, rep ? "1" : "0");
	expo_family(&e, "twin_scrape_duration_seconds", "gauge", "Time the status request to twind took.");
	expo_value(&e, expo_fixed(buf, (long long)(s->duration_us & (~0ull >> 1)), 6));
	if (rep) {
		node_metrics(&e, rep);
		path_metrics(&e, rep, count_paths(rep));
		daemon_metrics(&e, rep);
		drbd_metrics(&e, rep);
	}
	if (ferror(f) || fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}
