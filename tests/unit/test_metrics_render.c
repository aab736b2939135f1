/* twin-exporter's page from fixed status replies: which key feeds which
 * metric, escaping, and that the page is well-formed exposition text (a
 * family's HELP and TYPE once, before its samples, samples together). */
#include <limits.h>
#include <stdlib.h>

#include "check.h"
#include "expo.h"
#include "metrics_render.h"

static char *render(const char *text, uint64_t us)
{
	struct ctl_reply rep;
	char err[128];
	char *out = NULL;

	if (!text) {
		struct metrics_scrape s = {.status = NULL, .duration_us = us};
		return metrics_render(&s);
	}
	if (ctl_reply_parse(&rep, text, strlen(text), err, sizeof(err)) == 0) {
		struct metrics_scrape s = {.status = &rep, .duration_us = us};
		out = metrics_render(&s);
	} else {
		fprintf(stderr, "parse: %s\n", err);
	}
	ctl_reply_free(&rep);
	return out;
}

/* a whole line of the page */
static int has_line(const char *page, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = page; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, line, n) && (p[n] == '\n' || !p[n]))
			return 1;
	return 0;
}

#define CHECK_LINE(page, line)                                                                               \
	do {                                                                                                 \
		int has_ = has_line(page, line);                                                             \
		if (!has_)                                                                                   \
			fprintf(stderr, "missing line: %s\n", line);                                         \
		CHECK(has_);                                                                                 \
	} while (0)
#define CHECK_NO(page, text) CHECK(strstr(page, text) == NULL)

/* Every sample belongs to the family of the TYPE line before it, each
 * family is TYPEd once with its HELP just before, values are numbers. */
static int well_formed(const char *page)
{
	char types[64][80];
	int ntypes = 0;
	char cur[80] = "", help[80] = "";
	const char *p = page;

	while (*p) {
		const char *nl = strchr(p, '\n');
		if (!nl)
			return fprintf(stderr, "no final newline\n"), 0;
		char line[512];
		size_t n = (size_t)(nl - p) < sizeof(line) - 1 ? (size_t)(nl - p) : sizeof(line) - 1;
		memcpy(line, p, n);
		line[n] = 0;
		p = nl + 1;
		if (!strncmp(line, "# HELP ", 7)) {
			sscanf(line + 7, "%79s", help);
			continue;
		}
		if (!strncmp(line, "# TYPE ", 7)) {
			char name[80], type[16];
			if (sscanf(line + 7, "%79s %15s", name, type) != 2 || strcmp(name, help))
				return fprintf(stderr, "TYPE without its HELP: %s\n", line), 0;
			if (strcmp(type, "gauge") && strcmp(type, "counter"))
				return fprintf(stderr, "bad type: %s\n", line), 0;
			for (int i = 0; i < ntypes; i++)
				if (!strcmp(types[i], name))
					return fprintf(stderr, "family twice: %s\n", name), 0;
			if (ntypes < 64)
				snprintf(types[ntypes++], sizeof(types[0]), "%s", name);
			snprintf(cur, sizeof(cur), "%s", name);
			continue;
		}
		size_t nl_ = strcspn(line, "{ ");
		if (nl_ != strlen(cur) || strncmp(line, cur, nl_))
			return fprintf(stderr, "sample outside its family (%s): %s\n", cur, line), 0;
		const char *val = strrchr(line, ' ');
		char *end;
		if (!val || (strtod(val + 1, &end), *end))
			return fprintf(stderr, "bad value: %s\n", line), 0;
	}
	return 1;
}

static const char full[] =
    "ok\n"
    "node.name=a\nnode.id=1\nnode.state=Active\nnode.role=active\nnode.failover_enabled=true\n"
    "node.healthy=true\nnode.since=1795305600\nnode.stalls=3\nheartbeat.sent=480012\n"
    "peer.id=2\npeer.state=Standby\npeer.alive=true\n"
    "path.0.name=eth1\npath.0.kind=link\npath.0.up=true\npath.0.last_seen_ms=3\n"
    "path.0.beats=120003\npath.0.lost=0\npath.0.rtt_us=41\npath.0.bad_mac=5\n"
    "path.0.replay=1\npath.0.malformed=2\npath.0.foreign=0\n"
    "path.1.name=eth0\npath.1.kind=udp\npath.1.up=false\npath.1.last_seen_ms=2\n"
    "path.1.beats=120001\npath.1.lost=2\npath.1.rtt_us=-1\npath.1.bad_mac=0\n"
    "path.1.replay=0\npath.1.malformed=0\npath.1.foreign=7\n"
    "skew_us=-1500\nalarm.0=heartbeat link down: peer heard on LAN only\nalarm.1=x\n"
    "vip.0.addr=10.0.0.100/24\nvip.0.held=true\n"
    "xdp.mode=native\nxdp.rx=240006\nxdp.drop_foreign=4\nxdp.drop_ratelimit=0\n"
    "xdp.drop_malformed=9\nxdp.drop_ringfull=0\n"
    "fence.mode=native\nfence.dropped_arp=0\nfence.dropped_ip=11\n"
    "drbd.resource=r0\ndrbd.conn=SyncSource\ndrbd.role=Primary\ndrbd.peer_role=Secondary\n"
    "drbd.disk=UpToDate\ndrbd.peer_disk=Inconsistent\ndrbd.out_of_sync_kib=2048\n"
    "drbd.sync_permille=425\ndrbd.sync_left_s=12\n"
    "failover.claims=2\nfailover.releases=1\nfailover.reason.peer_dead=1\nfailover.reason.election=1\n"
    "failover.reason.admin=0\nloop.iteration_max_us=1234\nloop.turns=99\n";

static void test_full(void)
{
	char *m = render(full, 850);

	CHECK(m != NULL);
	if (!m)
		return;
	CHECK(well_formed(m));
	CHECK_LINE(m, "# HELP twin_up 1 if twind answered the status request, 0 if not.");
	CHECK_LINE(m, "# TYPE twin_up gauge");
	CHECK_LINE(m, "twin_up 1");
	CHECK_LINE(m, "twin_scrape_duration_seconds 0.000850");
	CHECK_LINE(m, "twin_node_info{name=\"a\",id=\"1\"} 1");
	CHECK_LINE(m, "twin_node_state{state=\"Active\"} 1");
	CHECK_LINE(m, "twin_node_state{state=\"Standby\"} 0");
	CHECK_LINE(m, "twin_node_state{state=\"SplitBrain\"} 0");
	CHECK_LINE(m, "twin_role{role=\"active\"} 1");
	CHECK_LINE(m, "twin_role{role=\"standby\"} 0");
	CHECK_LINE(m, "twin_state_change_timestamp_seconds 1795305600");
	CHECK_LINE(m, "twin_failover_enabled 1");
	CHECK_LINE(m, "twin_healthy 1");
	CHECK_LINE(m, "twin_peer_alive 1");
	CHECK_LINE(m, "twin_peer_last_seen_seconds 0.002");
	CHECK_LINE(m, "twin_path_up{path=\"eth1\"} 1");
	CHECK_LINE(m, "twin_path_up{path=\"eth0\"} 0");
	CHECK_LINE(m, "# TYPE twin_heartbeat_frames_total counter");
	CHECK_LINE(m, "twin_heartbeat_frames_total{path=\"eth1\",result=\"accepted\"} 120003");
	CHECK_LINE(m, "twin_heartbeat_frames_total{path=\"eth1\",result=\"bad_mac\"} 5");
	CHECK_LINE(m, "twin_heartbeat_frames_total{path=\"eth1\",result=\"replay\"} 1");
	CHECK_LINE(m, "twin_heartbeat_frames_total{path=\"eth1\",result=\"malformed\"} 2");
	CHECK_LINE(m, "twin_heartbeat_frames_total{path=\"eth0\",result=\"foreign\"} 7");
	CHECK_LINE(m, "twin_heartbeat_lost_total{path=\"eth0\"} 2");
	CHECK_LINE(m, "twin_heartbeat_rtt_seconds{path=\"eth1\"} 0.000041");
	CHECK_NO(m, "twin_heartbeat_rtt_seconds{path=\"eth0\"}"); /* -1: not measured */
	CHECK_LINE(m, "twin_heartbeat_sent_total 480012");
	CHECK_LINE(m, "twin_failovers_total{reason=\"peer_dead\"} 1");
	CHECK_LINE(m, "twin_failovers_total{reason=\"election\"} 1");
	CHECK_LINE(m, "twin_failovers_total{reason=\"admin\"} 0");
	CHECK_LINE(m, "twin_failover_ip_held{address=\"10.0.0.100/24\"} 1");
	CHECK_LINE(m, "twin_alarms 2");
	CHECK_LINE(m, "twin_clock_skew_seconds -0.001500");
	CHECK_LINE(m, "twin_loop_iteration_max_seconds 0.001234");
	CHECK_LINE(m, "twin_loop_stalls_total 3");
	CHECK_LINE(m, "twin_xdp_received_total 240006");
	CHECK_LINE(m, "twin_xdp_dropped_total{reason=\"foreign\"} 4");
	CHECK_LINE(m, "twin_xdp_dropped_total{reason=\"malformed\"} 9");
	CHECK_LINE(m, "twin_xdp_dropped_total{reason=\"ringfull\"} 0");
	CHECK_NO(m, "reason=\"mode\"");
	CHECK_LINE(m, "twin_fence_dropped_total{kind=\"ip\"} 11");
	CHECK_LINE(m, "twin_drbd_role{resource=\"r0\",role=\"Primary\"} 1");
	CHECK_LINE(m, "twin_drbd_role{resource=\"r0\",role=\"Secondary\"} 0");
	CHECK_LINE(m, "twin_drbd_connection_state{resource=\"r0\",state=\"SyncSource\"} 1");
	CHECK_LINE(m, "twin_drbd_connection_state{resource=\"r0\",state=\"Connected\"} 0");
	CHECK_LINE(m, "twin_drbd_disk_state{resource=\"r0\",state=\"UpToDate\"} 1");
	CHECK_LINE(m, "twin_drbd_out_of_sync_bytes{resource=\"r0\"} 2097152");
	CHECK_LINE(m, "twin_drbd_resync_progress_ratio{resource=\"r0\"} 0.425");
	free(m);
}

/* twind gone, refused, or a reply with nothing in it: still a valid page */
static void test_down(void)
{
	char *m = render(NULL, 500000);

	CHECK(m && well_formed(m));
	if (!m)
		return;
	CHECK_STR(m, "# HELP twin_up 1 if twind answered the status request, 0 if not.\n"
		     "# TYPE twin_up gauge\n"
		     "twin_up 0\n"
		     "# HELP twin_scrape_duration_seconds Time the status request to twind took.\n"
		     "# TYPE twin_scrape_duration_seconds gauge\n"
		     "twin_scrape_duration_seconds 0.500000\n");
	free(m);
	m = render("error permission denied\n", 10);
	CHECK(m && has_line(m, "twin_up 0") && !strstr(m, "twin_node"));
	free(m);
	m = render("ok\n", 10);
	CHECK(m && well_formed(m) && has_line(m, "twin_up 1") && has_line(m, "twin_alarms 0"));
	CHECK(m && !strstr(m, "twin_node_state") && !strstr(m, "# HELP twin_drbd"));
	free(m);
}

/* what twind sends is data, never syntax: escaped labels, odd values */
static void test_hostile(void)
{
	char *m =
	    render("ok\nnode.name=a\"b\\\\c\\nd\nnode.id=1\nnode.state=Weird\"State\nnode.role=active\n"
		   "path.0.name=e\xff"
		   "th1\npath.0.up=maybe\npath.0.beats=12abc\npath.0.rtt_us=99999999999\n"
		   "path.0.last_seen_ms=-1\nskew_us=\nloop.iteration_max_us=-5\n"
		   "failover.reason.a.b=3\nfailover.reason.ok=9223372036854775807\n"
		   "drbd.resource=r0\ndrbd.out_of_sync_kib=9223372036854775807\ndrbd.sync_permille=1001\n",
		   0);

	CHECK(m != NULL);
	if (!m)
		return;
	CHECK(well_formed(m));
	CHECK_LINE(m, "twin_node_info{name=\"a\\\"b\\\\c\\nd\",id=\"1\"} 1");
	CHECK_LINE(m, "twin_node_state{state=\"Weird\\\"State\"} 1"); /* unknown: shown, as 1 */
	CHECK_LINE(m, "twin_node_state{state=\"Active\"} 0");
	CHECK_NO(m, "twin_path_up"); /* "maybe" is no boolean */
	CHECK_NO(m, "result=\"accepted\"");
	CHECK_LINE(m, "twin_heartbeat_rtt_seconds{path=\"e\xef\xbf\xbd"
		      "th1\"} 99999.999999");
	CHECK_NO(m, "twin_peer_last_seen_seconds ");
	CHECK_NO(m, "twin_clock_skew_seconds ");
	CHECK_NO(m, "twin_loop_iteration_max_seconds ");
	CHECK_NO(m, "a.b");
	CHECK_LINE(m, "twin_failovers_total{reason=\"ok\"} 9223372036854775807");
	CHECK_NO(m, "twin_drbd_out_of_sync_bytes{"); /* would overflow in bytes */
	CHECK_NO(m, "twin_drbd_resync_progress_ratio{");
	free(m);
}

static void test_fixed(void)
{
	char b[EXPO_VALUE_MAX];

	CHECK_STR(expo_fixed(b, 0, 0), "0");
	CHECK_STR(expo_fixed(b, 0, 3), "0.000");
	CHECK_STR(expo_fixed(b, 41, 6), "0.000041");
	CHECK_STR(expo_fixed(b, -1500, 6), "-0.001500");
	CHECK_STR(expo_fixed(b, 1234567, 3), "1234.567");
	CHECK_STR(expo_fixed(b, LLONG_MIN, 6), "-9223372036854.775808");
	CHECK_STR(expo_fixed(b, LLONG_MAX, 0), "9223372036854775807");
	CHECK_STR(expo_fixed(b, 5, 12), "0.000000005"); /* decimals capped at 9 */
}

static void test_expo(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct expo e;

	expo_init(&e, f);
	expo_family(&e, "x_total", "counter", "Help.");
	expo_family(&e, "y", "gauge", "Why."); /* x had no sample: nothing of it */
	expo_sample(&e, "1", "a", NULL, "b", "2");
	expo_value(&e, "2");
	fclose(f);
	CHECK_STR(text, "# HELP y Why.\n# TYPE y gauge\ny{b=\"2\"} 1\ny 2\n");
	free(text);
}

TEST_MAIN("metrics_render", {
	test_full();
	test_down();
	test_hostile();
	test_fixed();
	test_expo();
})
