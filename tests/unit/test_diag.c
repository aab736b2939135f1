/* twinctl diag's checks (userland/lib/diag.c) on status replies: a healthy
 * pair, each kind of trouble, an unpaired node; and the rendering. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ctl_proto.h"
#include "diag.h"

/* node a, Active, as its status says on a healthy pair */
static const char *const A[] = {"node.name=a",
				"node.state=Active",
				"node.role=active",
				"node.failover_enabled=true",
				"node.health=ok",
				"node.health_reason=ok",
				"peer.name=b",
				"peer.alive=true",
				"peer.state=Standby",
				"peer.failover_enabled=true",
				"peer.healthy=true",
				"peer.degraded=false",
				"path.0.name=eth1",
				"path.0.kind=link",
				"path.0.up=true",
				"path.1.name=eth0",
				"path.1.kind=udp",
				"path.1.up=true",
				"skew_us=310",
				"vip.0.addr=10.0.0.100/24",
				"vip.0.held=true",
				"vip.0.present=true",
				"drbd.resource=r0",
				"drbd.conn=Connected",
				"drbd.role=Primary",
				"drbd.peer_role=Secondary",
				"drbd.disk=UpToDate",
				"drbd.peer_disk=UpToDate",
				"witness.summary=reached 10.0.0.254",
				"witness.reached=true",
				"witness.0.addr=10.0.0.254",
				"witness.0.reached=true",
				"jobs.count=2",
				"jobs.enabled=true",
				"jobs.running=1",
				"health.command=passing",
				"health.command_fails=0",
				"disk.path=/data/lib/twin",
				"disk.size_kib=16777216",
				"disk.avail_kib=8388608",
				"cluster.mode=static",
				"sync.files=3",
				"sync.status=in sync (3 files sent)",
				"sync.digest=0123456789abcdef",
				"sync.version=7",
				"sync.present=3",
				NULL};

/* node b, Standby, as twind relays its status */
static const char *const B[] = {"node.name=b",
				"node.state=Standby",
				"node.role=standby",
				"node.failover_enabled=true",
				"node.health=ok",
				"node.health_reason=ok",
				"peer.name=a",
				"peer.alive=true",
				"peer.state=Active",
				"path.0.name=eth1",
				"path.0.kind=link",
				"path.0.up=true",
				"path.1.name=eth0",
				"path.1.kind=udp",
				"path.1.up=true",
				"skew_us=-310",
				"vip.0.addr=10.0.0.100/24",
				"vip.0.held=false",
				"vip.0.present=false",
				"drbd.resource=r0",
				"drbd.conn=Connected",
				"drbd.role=Secondary",
				"drbd.peer_role=Primary",
				"drbd.disk=UpToDate",
				"drbd.peer_disk=UpToDate",
				"witness.summary=reached 10.0.0.254",
				"witness.reached=true",
				"jobs.count=2",
				"jobs.enabled=false",
				"jobs.running=0",
				"health.command=passing",
				"disk.path=/data/lib/twin",
				"disk.size_kib=16777216",
				"disk.avail_kib=4194304",
				"cluster.mode=static",
				"sync.status=idle",
				"sync.digest=0123456789abcdef",
				"sync.version=7",
				"sync.present=3",
				NULL};

static const char *const STANDALONE[] = {"node.name=a",
					 "node.state=Standalone",
					 "node.role=standalone",
					 "node.endpoint=10.0.0.1",
					 "disk.path=/data/lib/twin",
					 "disk.size_kib=1000",
					 "disk.avail_kib=900",
					 "cluster.mode=standalone",
					 NULL};

static const char *const BOOT_OK = "running slot: A\nboot order: A B\nslot A: ok\nslot B: ok";

/* base, with each "key=value" of over replacing that key (or added) and
 * each "-key" removing it */
static void mk(struct ctl_reply *r, const char *const base[], const char *const over[])
{
	char text[8192] = "ok\n", err[128];
	size_t n = 3;

	for (int i = 0; base[i]; i++) {
		size_t kl = strcspn(base[i], "=");
		int skip = 0;
		for (int j = 0; over && over[j]; j++) {
			const char *o = over[j] + (over[j][0] == '-');
			if (!strncmp(o, base[i], kl) && (o[kl] == '=' || o[kl] == 0))
				skip = 1;
		}
		if (!skip)
			n += (size_t)snprintf(text + n, sizeof(text) - n, "%s\n", base[i]);
	}
	for (int j = 0; over && over[j]; j++)
		if (over[j][0] != '-')
			n += (size_t)snprintf(text + n, sizeof(text) - n, "%s\n", over[j]);
	if (ctl_reply_parse(r, text, n, err, sizeof(err)) < 0) {
		fprintf(stderr, "mk: %s\n", err);
		abort();
	}
}

struct run {
	struct diag_check c[DIAG_MAX];
	size_t n;
};

/* run the checks on a's status with over_a and b's with over_b (b NULL:
 * the peer could not be asked) */
static void run(struct run *out, const char *const over_a[], const char *const *over_b, int peer,
		const char *boot)
{
	struct ctl_reply a, b;
	struct diag_limits lim;
	diag_limits_default(&lim);
	mk(&a, A, over_a);
	mk(&b, B, over_b);
	struct diag_input in = {
	    .self = &a, .peer = peer ? &b : NULL, .peer_error = "peer unreachable", .bootctl = boot};
	out->n = diag_run(&in, &lim, out->c, DIAG_MAX);
	ctl_reply_free(&a);
	ctl_reply_free(&b);
}

static const struct diag_check *find(const struct run *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->c[i].name, name))
			return &r->c[i];
	fprintf(stderr, "no check %s\n", name);
	abort();
}

static enum diag_verdict v(const struct run *r, const char *name)
{
	return find(r, name)->verdict;
}

#define O(...) ((const char *const[]){__VA_ARGS__, NULL})

static void test_healthy(void)
{
	struct run r;

	run(&r, NULL, NULL, 1, BOOT_OK);
	CHECK_EQ(r.n, 12);
	for (size_t i = 0; i < r.n; i++) {
		if (r.c[i].verdict != DIAG_OK)
			fprintf(stderr, "healthy: %s %s: %s\n", r.c[i].name,
				diag_verdict_name(r.c[i].verdict), r.c[i].detail);
		CHECK_EQ(r.c[i].verdict, DIAG_OK);
	}
	CHECK_EQ(diag_worst(r.c, r.n), DIAG_OK);
	CHECK_EQ(diag_exit_code(diag_worst(r.c, r.n)), 0);
	CHECK_CONTAINS(find(&r, "pair")->detail, "a Active, b Standby");
	CHECK_CONTAINS(find(&r, "failover-ip")->detail, "10.0.0.100/24 on a only");
	CHECK_CONTAINS(find(&r, "drbd")->detail, "Primary/Secondary");
	CHECK_CONTAINS(find(&r, "heartbeat")->detail, "both nodes");
	CHECK_CONTAINS(find(&r, "config-sync")->detail, "version 7");
	CHECK_CONTAINS(find(&r, "disk")->detail, "/data/lib/twin on a: 8.0 GiB of 16.0 GiB free (50%)");
	CHECK_CONTAINS(find(&r, "disk")->detail, "; b: 4.0 GiB of 16.0 GiB free (25%)");
	CHECK_CONTAINS(find(&r, "jobs")->detail,
		       "a: 2 job(s) enabled, 1 running; b: 2 job(s) off, 0 running");
	CHECK_CONTAINS(find(&r, "clock")->detail, "+0.310 ms");

	/* the same pair seen from b: its DRBD Secondary/Primary is right */
	struct ctl_reply a, b;
	struct diag_limits lim;
	diag_limits_default(&lim);
	mk(&a, A, NULL);
	mk(&b, B, NULL);
	struct diag_input in = {.self = &b, .peer = &a, .bootctl = BOOT_OK};
	r.n = diag_run(&in, &lim, r.c, DIAG_MAX);
	CHECK_EQ(diag_worst(r.c, r.n), DIAG_OK);
	CHECK_CONTAINS(find(&r, "clock")->detail, "-0.310 ms");
	ctl_reply_free(&a);
	ctl_reply_free(&b);
	/* without bootctl the slot check does not apply */
	run(&r, NULL, NULL, 1, NULL);
	CHECK_EQ(v(&r, "boot-slot"), DIAG_NA);
	CHECK_EQ(diag_worst(r.c, r.n), DIAG_OK);
}

static void test_peer_down(void)
{
	struct run r;

	run(&r,
	    O("peer.alive=false", "peer.state=dead", "path.0.up=false", "path.1.up=false",
	      "drbd.conn=WFConnection", "drbd.peer_disk=DUnknown", "drbd.peer_role=Unknown"),
	    NULL, 0, BOOT_OK);
	CHECK_EQ(v(&r, "pair"), DIAG_FAIL);
	CHECK_CONTAINS(find(&r, "pair")->detail, "peer b unreachable");
	CHECK_EQ(v(&r, "heartbeat"), DIAG_FAIL);
	CHECK_CONTAINS(find(&r, "heartbeat")->detail, "eth1 link DOWN");
	CHECK_EQ(v(&r, "drbd"), DIAG_FAIL);
	CHECK_EQ(v(&r, "failover-ip"), DIAG_WARN); /* held here, the peer not asked */
	CHECK_CONTAINS(find(&r, "failover-ip")->detail, "peer unreachable");
	CHECK_EQ(v(&r, "config-sync"), DIAG_WARN);
	CHECK_EQ(diag_worst(r.c, r.n), DIAG_FAIL);
	CHECK_EQ(diag_exit_code(DIAG_FAIL), DIAG_EXIT_FAIL);
	CHECK(find(&r, "pair")->todo[0] != 0);
	/* the Standby side of a dead Active: the IP is on neither node as far as it knows */
	run(&r, O("peer.alive=false", "node.state=Standby", "vip.0.held=false", "vip.0.present=false"), NULL,
	    0, NULL);
	CHECK_EQ(v(&r, "failover-ip"), DIAG_FAIL);
}

static void test_drbd(void)
{
	struct run r;

	run(&r, O("drbd.conn=StandAlone", "drbd.peer_disk=DUnknown"), NULL, 1, NULL);
	CHECK_EQ(v(&r, "drbd"), DIAG_FAIL);
	CHECK_CONTAINS(find(&r, "drbd")->detail, "StandAlone");
	run(&r, O("drbd.peer_disk=Outdated"), NULL, 1, NULL);
	CHECK_EQ(v(&r, "drbd"), DIAG_FAIL);
	CHECK_CONTAINS(find(&r, "drbd")->detail, "UpToDate/Outdated");
	run(&r,
	    O("drbd.conn=SyncSource", "drbd.peer_disk=Inconsistent", "drbd.sync_permille=452",
	      "drbd.sync_left_s=80"),
	    NULL, 1, NULL);
	CHECK_EQ(v(&r, "drbd"), DIAG_WARN);
	CHECK_CONTAINS(find(&r, "drbd")->detail, "45.2% done");
	CHECK_CONTAINS(find(&r, "drbd")->todo, "cannot promote b");
	run(&r, O("drbd.conn=SyncTarget", "drbd.disk=Inconsistent"), NULL, 1, NULL);
	CHECK_EQ(v(&r, "drbd"), DIAG_WARN);
	CHECK_CONTAINS(find(&r, "drbd")->detail, "r0: resync running (SyncTarget), Inconsistent/UpToDate");
	CHECK_CONTAINS(find(&r, "drbd")->todo, "cannot promote a");
	run(&r, O("drbd.role=Secondary"), NULL, 1, NULL);
	CHECK_EQ(v(&r, "drbd"), DIAG_FAIL);
	CHECK_CONTAINS(find(&r, "drbd")->detail, "expected Primary/Secondary");
	/* configured, state unreadable: unknown is FAIL, not "not configured" */
	run(&r, O("-drbd.conn", "-drbd.role", "-drbd.peer_role", "-drbd.disk", "-drbd.peer_disk"), NULL, 1,
	    NULL);
	CHECK_EQ(v(&r, "drbd"), DIAG_FAIL);
	run(&r,
	    O("-drbd.resource", "-drbd.conn", "-drbd.role", "-drbd.peer_role", "-drbd.disk",
	      "-drbd.peer_disk"),
	    NULL, 1, NULL);
	CHECK_EQ(v(&r, "drbd"), DIAG_NA);
}

static void test_skew(void)
{
	struct run r;

	run(&r, O("skew_us=2000000"), NULL, 1, NULL);
	CHECK_EQ(v(&r, "clock"), DIAG_WARN);
	run(&r, O("skew_us=-700000"), NULL, 1, NULL);
	CHECK_EQ(v(&r, "clock"), DIAG_WARN);
	CHECK_CONTAINS(find(&r, "clock")->detail, "-700.000 ms");
	run(&r, O("skew_us=120000000"), NULL, 1, NULL);
	CHECK_EQ(v(&r, "clock"), DIAG_FAIL);
	run(&r, O("-skew_us"), NULL, 1, NULL);
	CHECK_EQ(v(&r, "clock"), DIAG_WARN);
}

static void test_vip(void)
{
	struct run r;

	run(&r, NULL, O("vip.0.present=true"), 1, NULL);
	CHECK_EQ(v(&r, "failover-ip"), DIAG_FAIL);
	CHECK_CONTAINS(find(&r, "failover-ip")->detail, "on both nodes");
	run(&r, O("vip.0.present=false", "vip.0.held=false"), NULL, 1, NULL);
	CHECK_EQ(v(&r, "failover-ip"), DIAG_FAIL);
	CHECK_CONTAINS(find(&r, "failover-ip")->detail, "neither");
	/* twind believes it holds the IP, the kernel says no */
	run(&r, O("vip.0.present=false"), NULL, 1, NULL);
	CHECK_EQ(v(&r, "failover-ip"), DIAG_FAIL);
	CHECK_CONTAINS(find(&r, "failover-ip")->detail, "not on a's interface");
	/* an older peer says only "held" */
	run(&r, NULL, O("-vip.0.present", "vip.0.held=true"), 1, NULL);
	CHECK_EQ(v(&r, "failover-ip"), DIAG_FAIL);
}

static void test_paths_witness(void)
{
	struct run r;

	run(&r, O("path.0.up=false"), NULL, 1, NULL);
	CHECK_EQ(v(&r, "heartbeat"), DIAG_FAIL);
	CHECK_CONTAINS(find(&r, "heartbeat")->detail, "eth1 link DOWN, eth0 udp up");
	run(&r, NULL, O("path.1.up=false"), 1, NULL);
	CHECK_EQ(v(&r, "heartbeat"), DIAG_FAIL);
	CHECK_CONTAINS(find(&r, "heartbeat")->detail, "b hears");
	run(&r, O("witness.reached=false", "witness.0.reached=false"), NULL, 1, NULL);
	CHECK_EQ(v(&r, "witness"), DIAG_FAIL);
	run(&r, NULL, O("witness.reached=false"), 1, NULL);
	CHECK_EQ(v(&r, "witness"), DIAG_FAIL);
	CHECK_CONTAINS(find(&r, "witness")->detail, "b does not reach");
	run(&r, O("witness.1.addr=10.0.0.253", "witness.1.reached=false"), NULL, 1, NULL);
	CHECK_EQ(v(&r, "witness"), DIAG_WARN);
	run(&r, O("-witness.summary", "-witness.reached", "-witness.0.addr", "-witness.0.reached"), NULL, 1,
	    NULL);
	CHECK_EQ(v(&r, "witness"), DIAG_NA);
}

static void test_disk_boot_sync(void)
{
	struct run r;

	run(&r, O("disk.avail_kib=671088"), NULL, 1, NULL); /* 4 % */
	CHECK_EQ(v(&r, "disk"), DIAG_FAIL);
	run(&r, O("disk.avail_kib=1342177"), NULL, 1, NULL); /* 8 % */
	CHECK_EQ(v(&r, "disk"), DIAG_WARN);
	run(&r, NULL, O("disk.avail_kib=1400000"), 1, NULL); /* the peer's */
	CHECK_EQ(v(&r, "disk"), DIAG_WARN);
	CHECK_CONTAINS(find(&r, "disk")->detail, "b: 1.3 GiB of 16.0 GiB free (8%)");

	run(&r, NULL, NULL, 1, "running slot: A\nboot order: A B\nslot A: 2\nslot B: ok");
	CHECK_EQ(v(&r, "boot-slot"), DIAG_WARN);
	CHECK_CONTAINS(find(&r, "boot-slot")->detail, "not confirmed");
	CHECK_CONTAINS(find(&r, "boot-slot")->todo, "fall back to slot B");
	run(&r, NULL, NULL, 1, "running slot: B\nboot order: A B\nslot A: 3\nslot B: ok");
	CHECK_EQ(v(&r, "boot-slot"), DIAG_WARN); /* an update waits for a reboot */
	run(&r, NULL, NULL, 1, "garbage");
	CHECK_EQ(v(&r, "boot-slot"), DIAG_WARN);
	struct ctl_reply a;
	struct diag_limits lim;
	diag_limits_default(&lim);
	mk(&a, A, NULL);
	struct diag_input in = {.self = &a, .bootctl_error = "bootctl status exited 1"};
	r.n = diag_run(&in, &lim, r.c, DIAG_MAX);
	CHECK_EQ(v(&r, "boot-slot"), DIAG_WARN);
	ctl_reply_free(&a);

	run(&r, NULL, O("sync.digest=fedcba9876543210", "sync.version=8"), 1, NULL);
	CHECK_EQ(v(&r, "config-sync"), DIAG_WARN);
	CHECK_CONTAINS(find(&r, "config-sync")->detail, "version 7 (3 files) on a, 8");
	run(&r, O("sync.status=sync failed: peer 10.0.0.2:6941 unreachable"), NULL, 1, NULL);
	CHECK_EQ(v(&r, "config-sync"), DIAG_FAIL);
	run(&r, NULL, O("-sync.status", "-sync.digest"), 1, NULL);
	CHECK_EQ(v(&r, "config-sync"), DIAG_FAIL);
	run(&r, O("-sync.status", "-sync.digest", "-sync.files"), NULL, 1, NULL);
	CHECK_EQ(v(&r, "config-sync"), DIAG_NA);
}

static void test_jobs_health_alarms(void)
{
	struct run r;

	run(&r, NULL, O("jobs.enabled=true", "jobs.running=1"), 1, NULL);
	CHECK_EQ(v(&r, "jobs"), DIAG_FAIL);
	CHECK_CONTAINS(find(&r, "jobs")->detail, "running on b");
	run(&r, O("jobs.enabled=false"), NULL, 1, NULL);
	CHECK_EQ(v(&r, "jobs"), DIAG_FAIL);
	run(&r, O("jobs.count=0"), O("jobs.count=0"), 1, NULL);
	CHECK_EQ(v(&r, "jobs"), DIAG_NA);

	run(&r, O("node.health=degraded", "node.health_reason=tracked interface eth2 has no carrier"), NULL,
	    1, NULL);
	CHECK_EQ(v(&r, "health"), DIAG_WARN);
	CHECK_CONTAINS(find(&r, "health")->detail, "eth2");
	run(&r, NULL,
	    O("node.health=failed", "node.health_reason=health command exited 1", "health.command=failing"),
	    1, NULL);
	CHECK_EQ(v(&r, "health"), DIAG_FAIL);
	run(&r, O("health.command=pending"), NULL, 1, NULL);
	CHECK_EQ(v(&r, "health"), DIAG_WARN);
	/* the peer not asked: its beats say it is unhealthy */
	run(&r, O("peer.healthy=false"), NULL, 0, NULL);
	CHECK_EQ(v(&r, "health"), DIAG_FAIL);

	run(&r, O("alarm.0=heartbeat link eth1 down: only eth0 hears the peer"), NULL, 1, NULL);
	CHECK_EQ(v(&r, "alarms"), DIAG_WARN);
	CHECK_CONTAINS(find(&r, "alarms")->detail, "1 on a");
	run(&r, O("node.failover_enabled=true", "peer.failover_enabled=false"), NULL, 1, NULL);
	CHECK_EQ(v(&r, "pair"), DIAG_WARN);
	run(&r, O("peer.state=Idle"), NULL, 1, NULL);
	CHECK_EQ(v(&r, "pair"), DIAG_WARN);
	run(&r, O("peer.state=Active"), NULL, 1, NULL);
	CHECK_EQ(v(&r, "pair"), DIAG_FAIL);
	run(&r, O("node.state=SplitBrain"), NULL, 1, NULL);
	CHECK_EQ(v(&r, "pair"), DIAG_FAIL);
}

static void test_standalone(void)
{
	struct ctl_reply a, b;
	struct diag_limits lim;
	struct run r;

	diag_limits_default(&lim);
	mk(&a, STANDALONE, NULL);
	mk(&b, B, NULL);
	/* a peer reply is ignored: there is no peer */
	struct diag_input in = {.self = &a, .peer = &b, .peer_error = "this node has no peer"};
	r.n = diag_run(&in, &lim, r.c, DIAG_MAX);
	CHECK_EQ(r.n, 12);
	for (size_t i = 0; i < r.n; i++) {
		if (r.c[i].verdict == DIAG_FAIL)
			fprintf(stderr, "standalone: %s FAIL: %s\n", r.c[i].name, r.c[i].detail);
		CHECK(r.c[i].verdict != DIAG_FAIL);
		CHECK(r.c[i].detail[0] != 0);
	}
	CHECK_EQ(v(&r, "pair"), DIAG_NA);
	CHECK_CONTAINS(find(&r, "pair")->detail, "not paired");
	CHECK_EQ(v(&r, "heartbeat"), DIAG_NA);
	CHECK_EQ(v(&r, "failover-ip"), DIAG_NA);
	CHECK_EQ(v(&r, "clock"), DIAG_NA);
	CHECK_EQ(v(&r, "jobs"), DIAG_NA);
	CHECK_EQ(v(&r, "disk"), DIAG_OK);
	CHECK_EQ(diag_worst(r.c, r.n), DIAG_OK);
	ctl_reply_free(&a);
	/* a standalone node that kept the IP after a dissolve */
	mk(&a, STANDALONE, O("vip.0.addr=10.0.0.100/24", "vip.0.held=true", "vip.0.present=true"));
	in.self = &a;
	r.n = diag_run(&in, &lim, r.c, DIAG_MAX);
	CHECK_EQ(v(&r, "failover-ip"), DIAG_OK);
	ctl_reply_free(&a);
	ctl_reply_free(&b);
}

static void test_render(void)
{
	struct run r;

	run(&r, O("peer.alive=false", "path.0.up=false", "path.1.up=false"), NULL, 0,
	    "running slot: A\nboot order: A B\nslot A: 1\nslot B: ok");
	char *text = diag_render_text(r.c, r.n, 80);
	CHECK(text != NULL);
	if (!text)
		return;
	int lines = 0, longest = 0;
	for (char *l = text; *l;) {
		size_t len = strcspn(l, "\n");
		if ((int)len > longest)
			longest = (int)len;
		lines++;
		l += len + (l[len] == '\n');
	}
	CHECK(longest <= 80);
	CHECK(lines > (int)r.n);
	CHECK_CONTAINS(text, "FAIL  pair        peer b unreachable");
	CHECK_CONTAINS(text, "\n                  -> bring b back");
	CHECK_CONTAINS(text, "WARN  boot-slot   ");
	CHECK_CONTAINS(text, "diag: ");
	CHECK_CONTAINS(text, "FAIL (fix the FAIL lines first)\n");
	free(text);

	struct ctl_resp resp;
	struct ctl_reply rep;
	char err[128];
	size_t len;
	ctl_resp_init(&resp);
	ctl_resp_ok(&resp);
	diag_encode(r.c, r.n, &resp);
	const char *wire = ctl_resp_data(&resp, &len);
	CHECK_EQ(ctl_reply_parse(&rep, wire, len, err, sizeof(err)), 0);
	CHECK_STR(ctl_get(&rep, "check.0.name"), "pair");
	CHECK_STR(ctl_get(&rep, "check.0.verdict"), "FAIL");
	CHECK_STR(ctl_get(&rep, "summary.worst"), "FAIL");
	CHECK_STR(ctl_get(&rep, "summary.exit"), "5");
	char *json = ctl_reply_json(&rep, 0, err, sizeof(err));
	CHECK(json != NULL);
	if (json) {
		CHECK_CONTAINS(json, "\"check\":[{\"name\":\"pair\",\"verdict\":\"FAIL\"");
		CHECK_CONTAINS(json, "\"summary\":{");
	}
	free(json);
	ctl_reply_free(&rep);
	ctl_resp_free(&resp);
}

static void test_sub_reply(void)
{
	static const char text[] = "ok\nrunning=false\npeer.node.name=b\npeer.vip.0.present=false\npeerx=1\n"
				   "peer.=2\n";
	struct ctl_reply rep, sub;
	char err[128];

	CHECK_EQ(ctl_reply_parse(&rep, text, sizeof(text) - 1, err, sizeof(err)), -1); /* "peer." is no key */
	ctl_reply_free(&rep);
	static const char good[] = "ok\nrunning=false\npeer.node.name=b\npeer.vip.0.present=false\npeerx=1\n";
	CHECK_EQ(ctl_reply_parse(&rep, good, sizeof(good) - 1, err, sizeof(err)), 0);
	CHECK_EQ(diag_sub_reply(&rep, "peer.", &sub), 0);
	CHECK_EQ(sub.ok, 1);
	CHECK_EQ(sub.n, 2);
	CHECK_STR(ctl_get(&sub, "node.name"), "b");
	CHECK_EQ(ctl_get_bool(&sub, "vip.0.present"), 0);
	CHECK(ctl_get(&sub, "running") == NULL);
	ctl_reply_free(&sub);
	ctl_reply_free(&rep);

	CHECK_STR(diag_verdict_name(DIAG_NA), "N/A");
	CHECK_EQ(diag_exit_code(DIAG_NA), 0);
	CHECK_EQ(diag_exit_code(DIAG_OK), 0);
	CHECK_EQ(diag_exit_code(DIAG_WARN), DIAG_EXIT_WARN);
}

TEST_MAIN("diag", {
	test_healthy();
	test_peer_down();
	test_drbd();
	test_skew();
	test_vip();
	test_paths_witness();
	test_disk_boot_sync();
	test_jobs_health_alarms();
	test_standalone();
	test_render();
	test_sub_reply();
})
