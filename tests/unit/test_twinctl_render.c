/* twinctl's server-health table from fixed status replies (TZ=UTC). */
#include <stdlib.h>

#include "check.h"
#include "status_render.h"

/* Render a reply given as wire text; returns malloc'd text or NULL. */
static char *render(const char *text)
{
	struct ctl_reply rep;
	char err[128];
	char *out = NULL;

	if (ctl_reply_parse(&rep, text, strlen(text), err, sizeof(err)) == 0)
		out = status_render(&rep);
	else
		fprintf(stderr, "parse: %s\n", err);
	ctl_reply_free(&rep);
	return out;
}

static void expect(const char *text, const char *want)
{
	char *got = render(text);

	CHECK(got != NULL);
	if (!got)
		return;
	CHECK_STR(got, want);
	if (strcmp(got, want))
		fprintf(stderr, "--- got:\n%s--- want:\n%s---\n", got, want);
	free(got);
}

/* 1795306203 = 2026-11-22 00:10:03 UTC */
static const char full[] = "ok\n"
			   "node.name=a\nnode.id=1\nnode.state=Active\nnode.role=active\n"
			   "node.endpoint=10.0.0.1\nnode.last_active=1795306203\nnode.failover_enabled=true\n"
			   "node.priority=100\nnode.epoch=7\nnode.healthy=true\n"
			   "node.reason=peer silent on all paths\nnode.since=1795305600\n"
			   "peer.name=b\npeer.id=2\npeer.state=Standby\npeer.role=standby\npeer.alive=true\n"
			   "peer.endpoint=10.0.0.2\npeer.last_active=1795306203\npeer.failover_enabled=true\n"
			   "peer.epoch=6\n"
			   "path.0.name=eth1\npath.0.kind=link\npath.0.up=true\npath.0.last_seen_ms=3\n"
			   "path.0.beats=120003\npath.0.lost=0\npath.0.rtt_us=41\npath.0.bad_mac=0\n"
			   "path.0.replay=0\npath.0.malformed=0\n"
			   "path.1.name=eth0\npath.1.kind=udp\npath.1.up=true\npath.1.last_seen_ms=2\n"
			   "path.1.beats=120001\npath.1.lost=2\npath.1.rtt_us=87\npath.1.bad_mac=0\n"
			   "path.1.replay=0\npath.1.malformed=0\n"
			   "skew_us=310\nvip.0.addr=10.0.0.100/24\nvip.0.held=true\n"
			   "xdp.mode=native\nxdp.rx=240006\nxdp.drop_foreign=0\nxdp.drop_ratelimit=0\n"
			   "xdp.drop_malformed=0\n";

static void test_full(void)
{
	expect(full, "  NODE    ROLE      STATE     ENDPOINT   LAST ACTIVE           FAILOVER\n"
		     "* a (1)   active    Active    10.0.0.1   now                   enabled\n"
		     "  b (2)   standby   Standby   10.0.0.2   2026-11-22 00:10:03   enabled\n"
		     "\n"
		     "  Health: ok   Priority: 100   Epoch: 7 (peer 6)   Since: 2026-11-22 00:00:00\n"
		     "  Reason: peer silent on all paths\n"
		     "\n"
		     "  HEARTBEAT   KIND   STATUS   LAST SEEN   BEATS    LOST   RTT\n"
		     "  eth1        link   up       3 ms ago    120003   0      41 us\n"
		     "  eth0        udp    up       2 ms ago    120001   2      87 us\n"
		     "\n"
		     "  Clock skew to peer: +0.31 ms      Failover IP: 10.0.0.100/24 (held here)\n"
		     "  XDP: native   rx 240006   dropped: foreign 0, rate limit 0, malformed 0\n"
		     "  ALARMS: none\n");
}

/* The bad day: peer silent, eth1 down, failover off, forged frames, alarms. */
static void test_bad_day(void)
{
	expect("ok\n"
	       "node.name=backup-appliance\nnode.id=2\nnode.state=Standby\nnode.role=standby\n"
	       "node.endpoint=192.168.250.2\nnode.last_active=0\nnode.failover_enabled=false\n"
	       "node.healthy=false\n"
	       "peer.name=a\npeer.id=1\npeer.state=Active\npeer.alive=false\npeer.last_active=1795306203\n"
	       "path.0.name=eth1\npath.0.kind=link\npath.0.up=false\npath.0.last_seen_ms=-1\n"
	       "path.0.beats=0\npath.0.lost=12\npath.0.rtt_us=15250\npath.0.bad_mac=3\npath.0.replay=1\n"
	       "path.1.name=eth0\npath.1.kind=udp\npath.1.up=true\npath.1.last_seen_ms=754000\n"
	       "path.1.beats=9\npath.1.rtt_us=-1\npath.1.malformed=2\n"
	       "skew_us=-1500000\n"
	       "vip.0.addr=10.0.0.100/24\nvip.0.held=false\nvip.1.addr=10.0.1.100/24\n"
	       "alarm.0=heartbeat link down (eth1)\nalarm.1=failover disabled by admin\n",
	       "  NODE                   ROLE      STATE         ENDPOINT        LAST ACTIVE           "
	       "FAILOVER\n"
	       "* backup-appliance (2)   standby   Standby       192.168.250.2   never                 "
	       "DISABLED\n"
	       "  a (1)                  -         unreachable   -               2026-11-22 00:10:03   -\n"
	       "\n"
	       "  Health: FAILING\n"
	       "\n"
	       "  HEARTBEAT   KIND   STATUS   LAST SEEN    BEATS   LOST   RTT\n"
	       "  eth1        link   DOWN     never        0       12     15.2 ms\n"
	       "  eth0        udp    up       12 min ago   9       -      -\n"
	       "  Rejected frames: eth1: 3 bad MAC, 1 replayed; eth0: 2 malformed\n"
	       "\n"
	       "  Clock skew to peer: -1.500 s      Failover IP: 10.0.0.100/24 (not here), 10.0.1.100/24\n"
	       "  ALARMS: heartbeat link down (eth1)\n"
	       "          failover disabled by admin\n");
}

static void test_sparse(void)
{
	/* nothing but the status line: a row of dashes, no empty sections */
	expect("ok\n", "  NODE   ROLE   STATE   ENDPOINT   LAST ACTIVE   FAILOVER\n"
		       "* -      -      -       -          -             -\n"
		       "\n"
		       "  Clock skew to peer: -      Failover IP: -\n"
		       "  ALARMS: none\n");

	/* a standalone node: no peer row; unparsable numbers are shown as sent */
	char *s = render("ok\nnode.name=solo\nnode.state=Idle\nnode.last_active=soon\npath.0.name=eth1\n"
			 "path.0.last_seen_ms=12345\npath.0.rtt_us=n/a\n");
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_CONTAINS(s, "* solo   -      Idle    -          soon          -\n");
	CHECK(strstr(s, "\n  - ") == NULL); /* no peer row */
	CHECK_CONTAINS(s, "  eth1        -      -        12 s ago    -       -      n/a\n");
	free(s);
}

/* The health level, and which monitored interface is down. */
static void test_health_line(void)
{
	char *s = render("ok\nnode.name=a\nnode.healthy=true\nnode.health=degraded\n"
			 "node.health_reason=tracked interface eth2 is admin-down\nnode.priority=100\n");
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_CONTAINS(s, "  Health: DEGRADED (tracked interface eth2 is admin-down)   Priority: 100\n");
	free(s);
	s = render("ok\nnode.name=a\nnode.healthy=false\nnode.health=failed\n"
		   "node.health_reason=LAN interface eth0 has no carrier\n");
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_CONTAINS(s, "  Health: FAILING (LAN interface eth0 has no carrier)\n");
	free(s);
	s = render("ok\nnode.name=a\nnode.healthy=true\nnode.health=ok\nnode.health_reason=ok\n");
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_CONTAINS(s, "  Health: ok\n");
	free(s);
}

/* Values cannot break the layout nor drive the terminal. */
static void test_hostile_values(void)
{
	char *s = render("ok\nnode.name=x\\ny\nnode.reason=\x1b[2J\x1b]0;pwned\x07 caf\xc3\xa9 \xc2\x9b"
			 "31m \xff\n"
			 "alarm.0=line one\\nline two\tend\n");
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_CONTAINS(s, "* x y   ");
	CHECK_CONTAINS(s, "  Reason: ?[2J?]0;pwned? caf\xc3\xa9 ??31m ?\n");
	CHECK_CONTAINS(s, "  ALARMS: line one line two end\n");
	CHECK(strchr(s, '\x1b') == NULL);
	CHECK(strchr(s, '\x07') == NULL);
	free(s);
}

/* a split brain: both sides side by side, the proposal; DRBD's line */
static void test_split_brain(void)
{
	static const char sb[] =
	    "ok\nnode.name=a\nnode.id=1\nnode.state=SplitBrain\n"
	    "drbd.summary=0:r0 StandAlone Primary/Unknown UpToDate/DUnknown C oos 12288 KiB\n"
	    "sb.active=true\nsb.began=1795306203\n"
	    "sb.self.name=a\nsb.self.last_active=0\nsb.self.epoch=1\nsb.self.disk=UpToDate\n"
	    "sb.self.written_kib=12288\nsb.self.out_of_sync_kib=12288\nsb.self.holds_vip=true\n"
	    "sb.self.gi=1A1A\nsb.peer.name=b\nsb.peer.epoch=2\nsb.peer.disk=UpToDate\n"
	    "sb.peer.written_kib=0\nsb.peer.holds_vip=false\n"
	    "sb.proposal=keep a: it wrote 12 MiB since the split, b wrote 0\n";
	char *got = render(sb);

	CHECK(got != NULL);
	if (!got)
		return;
	CHECK_CONTAINS(got, "  DRBD: 0:r0 StandAlone Primary/Unknown UpToDate/DUnknown C oos 12288 KiB\n");
	CHECK_CONTAINS(got, "SPLIT BRAIN since 2026-11-22 00:10:03");
	CHECK_CONTAINS(got, "a (this node)");
	CHECK_CONTAINS(got, "b (peer)");
	CHECK_CONTAINS(got, "written since   12 MiB");
	CHECK_CONTAINS(got, "last Active     never");
	CHECK_CONTAINS(got, "PROPOSAL: keep a: it wrote 12 MiB since the split, b wrote 0\n");
	free(got);
	/* no split brain, no witness: the warning; with a witness: its line */
	got = render("ok\nnode.name=a\nsb.protection=no witness: a partition can cause split brain\n");
	CHECK(got && strstr(got, "SPLIT-BRAIN PROTECTION: no witness") && !strstr(got, "SPLIT BRAIN since"));
	free(got);
	got = render("ok\nnode.name=a\nwitness.summary=witness 10.0.0.254 reached\nwitness.reached=false\n");
	CHECK(got && strstr(got, "Witness: UNREACHED: witness 10.0.0.254"));
	free(got);
	/* fencing: frozen now, or the last verdict */
	got = render("ok\nnode.name=a\nfence.frozen_ms=420\nfence.message=asking the peer\n"
		     "fence.last=peer fenced (exit 7) after 3 ms: x\nfence.last_at=1795306203\n");
	CHECK(got && strstr(got, "  Fencing: writes frozen for 420 ms: asking the peer\n"));
	free(got);
	got = render(
	    "ok\nnode.name=a\nfence.last=peer outdated (exit 4) after 640 ms: y\nfence.last_at=1795306203\n");
	CHECK(got &&
	      strstr(got, "  Fencing: last 2026-11-22 00:10:03, peer outdated (exit 4) after 640 ms: y\n"));
	free(got);
}

/* Alarms with their lifecycle: unacknowledged first, each with its number
 * (what twinctl alarm ack takes) and age; who acknowledged the others. */
static void test_alarm_lifecycle(void)
{
	char *got =
	    render("ok\nnode.name=a\n"
		   "alarm.0=DRBD not promoted: x\nalarm_info.0.id=1\nalarm_info.0.raised=1795306203\n"
		   "alarm_info.0.age_s=3725\nalarm_info.0.acked=true\nalarm_info.0.acked_by=ssh/uid 0\n"
		   "alarm.1=heartbeat link down: peer heard on LAN only\nalarm_info.1.id=4\n"
		   "alarm_info.1.raised=1795306203\nalarm_info.1.age_s=125\nalarm_info.1.acked=false\n");
	CHECK(got &&
	      strstr(got, "  ALARMS: #4 heartbeat link down: peer heard on LAN only (2m 05s ago)\n"
			  "          #1 DRBD not promoted: x (1h 02m ago, acknowledged by ssh/uid 0)\n"));
	if (got && !strstr(got, "#4 heartbeat"))
		fprintf(stderr, "%s", got);
	free(got);
	got = render("ok\nnode.name=a\nalarm.0=x\nalarm_info.0.id=9\nalarm_info.0.age_s=7\n"
		     "alarm_info.0.acked=false\n");
	CHECK(got && strstr(got, "  ALARMS: #9 x (7s ago)\n"));
	free(got);
}

TEST_MAIN("twinctl_render", {
	test_alarm_lifecycle();
	setenv("TZ", "UTC", 1);
	test_split_brain();
	test_full();
	test_bad_day();
	test_sparse();
	test_health_line();
	test_hostile_values();
})
