/* The diag checks: see diag.h. Each reads keys of docs/CONTROL.md from the
 * two status replies; a key that is missing counts as unknown, never as
 * fine. */
#include "diag.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "size_fmt.h"

struct ctx {
	const struct ctl_reply *s, *p; /* this node's status, the peer's (or NULL) */
	const char *perr;	       /* why the peer's is missing */
	const char *me, *peer;	       /* node names */
	int standalone, peer_alive;
	const struct diag_limits *lim;
};

static const char *get(const struct ctl_reply *r, const char *key)
{
	return r ? ctl_get(r, key) : NULL;
}

static int is(const struct ctl_reply *r, const char *key, const char *val)
{
	const char *v = get(r, key);
	return v && !strcmp(v, val);
}

static int getb(const struct ctl_reply *r, const char *key)
{
	return r ? ctl_get_bool(r, key) : -1;
}

/* 0 and *v, or -1 when absent or not a number */
static int getll(const struct ctl_reply *r, const char *key, long long *v)
{
	return r ? ctl_get_ll(r, key, v) : -1;
}

static void verdict(struct diag_check *c, enum diag_verdict v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void verdict(struct diag_check *c, enum diag_verdict v, const char *fmt, ...)
{
	va_list ap;

	c->verdict = v;
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
}

static void todo(struct diag_check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void todo(struct diag_check *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->todo, sizeof(c->todo), fmt, ap);
	va_end(ap);
}

/* why the peer's own answer is missing, for a detail */
static const char *perr(const struct ctx *x)
{
	return x->perr && *x->perr ? x->perr : "not asked";
}

/* --- the checks --- */

static void c_pair(const struct ctx *x, struct diag_check *c)
{
	const char *st = get(x->s, "node.state"), *pst = get(x->s, "peer.state");

	if (x->standalone) {
		verdict(c, DIAG_NA, "%s is not paired (standalone): nothing fails over", x->me);
		todo(c, "twinctl cluster create --peer IP --failover-ip IP/N pairs it");
		return;
	}
	if (!x->peer_alive) {
		verdict(c, DIAG_FAIL, "peer %s unreachable: no heartbeat path hears it (%s is %s)", x->peer,
			x->me, st ? st : "?");
		todo(c, "bring %s back (power, links) before maintenance: %s is alone", x->peer, x->me);
		return;
	}
	if (!st || !pst) {
		verdict(c, DIAG_FAIL, "state unknown (%s %s, %s %s)", x->me, st ? st : "?", x->peer,
			pst ? pst : "?");
		return;
	}
	int a = !strcmp(st, "Active"), pa = !strcmp(pst, "Active");
	if (!strcmp(st, "SplitBrain") || !strcmp(pst, "SplitBrain")) {
		verdict(c, DIAG_FAIL, "split brain (%s %s, %s %s)", x->me, st, x->peer, pst);
		todo(c, "twinctl split-brain shows both sides and the proposal");
	} else if (a && pa) {
		verdict(c, DIAG_FAIL, "both nodes are Active");
		todo(c, "the pair resolves this by itself within seconds; if not, twinctl release on one");
	} else if (!a && !pa) {
		verdict(c, DIAG_FAIL, "nobody is Active (%s %s, %s %s)", x->me, st, x->peer, pst);
		todo(c, "twinctl takeover on the node that should serve");
	} else {
		const char *sb = a ? x->peer : x->me, *sbst = a ? pst : st;
		int fo = getb(x->s, a ? "peer.failover_enabled" : "node.failover_enabled");
		if (strcmp(sbst, "Standby")) {
			verdict(c, DIAG_WARN, "%s is Active, %s is %s: it would not take over",
				a ? x->me : x->peer, sb, sbst);
			todo(c, "twinctl restore on %s (Idle), or fix its health (Inactive)", sb);
		} else if (fo == 0) {
			verdict(c, DIAG_WARN, "%s Active, %s Standby with failover disabled",
				a ? x->me : x->peer, sb);
			todo(c, "twinctl failover enable on %s, unless that is the plan", sb);
		} else {
			verdict(c, DIAG_OK, "%s Active, %s Standby", a ? x->me : x->peer, sb);
		}
	}
}

static int drbd_syncing(const char *conn)
{
	return !strncmp(conn, "Sync", 4) || !strncmp(conn, "PausedSync", 10) ||
	       !strcmp(conn, "StartingSyncS") || !strcmp(conn, "StartingSyncT") ||
	       !strcmp(conn, "WFBitMapS") || !strcmp(conn, "WFBitMapT") || !strcmp(conn, "WFSyncUUID");
}

static void c_drbd(const struct ctx *x, struct diag_check *c)
{
	const char *res = get(x->s, "drbd.resource"), *conn = get(x->s, "drbd.conn");
	const char *role = get(x->s, "drbd.role"), *prole = get(x->s, "drbd.peer_role");
	const char *disk = get(x->s, "drbd.disk"), *pdisk = get(x->s, "drbd.peer_disk");
	long long pm = -1, left = -1;

	if (!res) {
		verdict(c, DIAG_NA, "no replicated disk (drbd_resource is not set)");
		return;
	}
	if (!conn || !role || !prole || !disk || !pdisk) {
		verdict(c, DIAG_FAIL, "%s: state unknown (twind cannot read DRBD's state)", res);
		todo(c, "check that DRBD is loaded and %s is up (drbdadm status %s)", res, res);
		return;
	}
	getll(x->s, "drbd.sync_permille", &pm);
	getll(x->s, "drbd.sync_left_s", &left);
	if (drbd_syncing(conn) || pm >= 0) {
		char prog[64] = "";
		if (pm >= 0)
			snprintf(prog, sizeof(prog), ", %lld.%lld%% done, %lld s left", pm / 10, pm % 10,
				 left < 0 ? 0 : left);
		verdict(c, DIAG_WARN, "%s: resync running (%s)%s, %s/%s", res, conn, prog, disk, pdisk);
		todo(c, "wait until the resync is done: a failover now cannot promote %s",
		     strcmp(disk, "UpToDate") ? x->me : x->peer);
		return;
	}
	if (strcmp(conn, "Connected")) {
		verdict(c, DIAG_FAIL, "%s is %s (not replicating), %s/%s", res, conn, disk, pdisk);
		todo(c, "check the replication link, then drbdadm connect %s on both nodes", res);
		return;
	}
	if (strcmp(disk, "UpToDate") || strcmp(pdisk, "UpToDate")) {
		verdict(c, DIAG_FAIL, "%s: disk %s/%s, not UpToDate/UpToDate", res, disk, pdisk);
		todo(c, "an Outdated or Inconsistent disk cannot take over: resync it first (drbdadm)");
		return;
	}
	int active = is(x->s, "node.state", "Active");
	const char *want = active ? "Primary" : "Secondary";
	/* the peer's DRBD is Primary exactly when the peer serves */
	const char *pwant = is(x->s, "peer.state", "Active") ? "Primary" : "Secondary";
	if (strcmp(role, want) || strcmp(prole, pwant)) {
		verdict(c, DIAG_FAIL, "%s: roles %s/%s, expected %s/%s (%s is %s)", res, role, prole, want,
			pwant, x->me, active ? "Active" : "not Active");
		todo(c, "the Active node must be the only Primary: see twind's log on both nodes");
		return;
	}
	verdict(c, DIAG_OK, "%s Connected, UpToDate/UpToDate, %s/%s", res, role, prole);
}

/* failover IP i on a node: 1 on its interface now, 0 not, -1 unknown.
 * "present" is the kernel's answer; older daemons only say "held". */
static int vip_on(const struct ctl_reply *r, int i)
{
	char k[32];

	snprintf(k, sizeof(k), "vip.%d.present", i);
	int v = getb(r, k);
	if (v < 0) {
		snprintf(k, sizeof(k), "vip.%d.held", i);
		v = getb(r, k);
	}
	return v;
}

static void c_vip(const struct ctx *x, struct diag_check *c)
{
	char k[32];
	const char *addr;
	int i;

	for (i = 0; i < 8; i++) {
		snprintf(k, sizeof(k), "vip.%d.addr", i);
		if (!(addr = get(x->s, k)))
			break;
		int here = vip_on(x->s, i), there = x->p ? vip_on(x->p, i) : -1;
		snprintf(k, sizeof(k), "vip.%d.held", i);
		int held = getb(x->s, k);
		if (x->standalone) {
			verdict(c, DIAG_OK, "%s on this standalone node", addr);
			continue;
		}
		if (held >= 0 && here >= 0 && held != here) {
			verdict(c, DIAG_FAIL, "%s: twind %s it, but it is %s %s's interface", addr,
				held ? "holds" : "does not hold", here ? "on" : "not on", x->me);
			todo(c, "someone changed the address by hand: restart twind on %s", x->me);
			return;
		}
		if (here == 1 && there == 1) {
			verdict(c, DIAG_FAIL, "%s is on both nodes", addr);
			todo(c,
			     "clients reach either node: twinctl release on the one that should not serve");
			return;
		}
		if (there < 0) {
			if (here == 1) {
				verdict(c, DIAG_WARN, "%s on %s; %s could not be asked (%s)", addr, x->me,
					x->peer, perr(x));
				todo(c, "run twinctl diag on %s too", x->peer);
			} else {
				verdict(c, DIAG_FAIL, "%s not on %s, and %s could not be asked (%s)", addr,
					x->me, x->peer, perr(x));
				todo(c, "check that %s serves it, or twinctl takeover here", x->peer);
				return;
			}
		} else if (here != 1 && there != 1) {
			verdict(c, DIAG_FAIL, "%s is on neither node: nobody serves it", addr);
			todo(c, "twinctl takeover on the node that should serve");
			return;
		} else if (c->verdict != DIAG_WARN) {
			verdict(c, DIAG_OK, "%s on %s only (both nodes asked)", addr,
				here == 1 ? x->me : x->peer);
		}
	}
	if (i == 0)
		verdict(c, x->standalone ? DIAG_NA : DIAG_FAIL, "%s",
			x->standalone ? "this standalone node serves no failover IP"
				      : "no failover IP in the status");
}

/* "eth1 link up, eth0 udp DOWN" from one node's status into buf; the
 * count of paths down, or -1 without any path key */
static int paths(const struct ctl_reply *r, char *buf, size_t len)
{
	size_t n = 0;
	int down = 0, i;

	buf[0] = 0;
	for (i = 0; i < 4; i++) {
		const char *name = ctl_getf(r, "path.%d.name", i), *kind = ctl_getf(r, "path.%d.kind", i);
		char k[32];
		if (!name)
			break;
		snprintf(k, sizeof(k), "path.%d.up", i);
		int up = ctl_get_bool(r, k) == 1;
		down += !up;
		if (n < len)
			n += (size_t)snprintf(buf + n, len - n, "%s%s %s %s", i ? ", " : "", name,
					      kind ? kind : "?", up ? "up" : "DOWN");
	}
	return i ? down : -1;
}

static void c_heartbeat(const struct ctx *x, struct diag_check *c)
{
	char mine[120], theirs[120];

	if (x->standalone) {
		verdict(c, DIAG_NA, "no heartbeats on a standalone node");
		return;
	}
	int d = paths(x->s, mine, sizeof(mine));
	int pd = x->p ? paths(x->p, theirs, sizeof(theirs)) : -1;
	if (d < 0) {
		verdict(c, DIAG_FAIL, "no heartbeat paths in the status");
		return;
	}
	if (d > 0 || pd > 0) {
		if (pd > 0)
			verdict(c, DIAG_FAIL, "%s hears: %s; %s hears: %s", x->me, mine, x->peer, theirs);
		else
			verdict(c, DIAG_FAIL, "%s hears: %s", x->me, mine);
		todo(c, "%s",
		     !x->peer_alive
			 ? "no path hears the peer: is it running? check cables and switch"
			 : "fix the path that is down: with one left, one more cut splits the pair");
		return;
	}
	if (pd < 0)
		verdict(c, DIAG_OK, "%s (as %s hears; %s not asked)", mine, x->me, x->peer);
	else
		verdict(c, DIAG_OK, "%s, on both nodes", mine);
}

static void c_witness(const struct ctx *x, struct diag_check *c)
{
	const char *sum = get(x->s, "witness.summary");

	if (!sum) {
		verdict(c, DIAG_NA, "no witness configured (a partition can cause a split brain)");
		return;
	}
	if (getb(x->s, "witness.reached") != 1) {
		verdict(c, DIAG_FAIL, "%s does not reach the witness: %s", x->me, sum);
		todo(c, "check the witness and the LAN: without it %s steps down when the peer goes", x->me);
		return;
	}
	if (x->p && get(x->p, "witness.summary") && getb(x->p, "witness.reached") != 1) {
		verdict(c, DIAG_FAIL, "%s does not reach the witness: %s", x->peer,
			get(x->p, "witness.summary"));
		todo(c, "check the witness from %s's LAN", x->peer);
		return;
	}
	for (int i = 0; i < 8 && ctl_getf(x->s, "witness.%d.addr", i); i++) {
		char k[32];
		snprintf(k, sizeof(k), "witness.%d.reached", i);
		if (getb(x->s, k) == 0) {
			verdict(c, DIAG_WARN, "reached, but %s does not answer %s",
				ctl_getf(x->s, "witness.%d.addr", i), x->me);
			todo(c, "one witness address is silent: check it before the others fail too");
			return;
		}
	}
	verdict(c, DIAG_OK, "%s%s", sum, x->p ? "" : " (the peer not asked)");
}

static void c_clock(const struct ctx *x, struct diag_check *c)
{
	long long us;

	if (x->standalone) {
		verdict(c, DIAG_NA, "no peer to compare clocks with");
		return;
	}
	if (getll(x->s, "skew_us", &us) < 0) {
		verdict(c, DIAG_WARN, "skew to %s unknown (%s)", x->peer,
			x->peer_alive ? "not measured yet" : "no heartbeats from it");
		return;
	}
	long long ms = (us < 0 ? -us : us) / 1000;
	enum diag_verdict v = ms > x->lim->skew_fail_ms	  ? DIAG_FAIL
			      : ms > x->lim->skew_warn_ms ? DIAG_WARN
							  : DIAG_OK;
	verdict(c, v, "%s's clock is %c%lld.%03lld ms from %s's (limit %lld ms)", x->peer, us < 0 ? '-' : '+',
		ms, (us < 0 ? -us : us) % 1000, x->me,
		v == DIAG_FAIL ? x->lim->skew_fail_ms : x->lim->skew_warn_ms);
	if (v != DIAG_OK)
		todo(c, "check NTP on both nodes (timed jobs, logs and certificates depend on it)");
}

/* one node's active-only jobs: 0 fine, 1 wrong (why in buf), -1 none */
static int jobs_of(const struct ctl_reply *r, const char *name, char *buf, size_t len)
{
	long long n = 0, running = 0;
	int active = is(r, "node.state", "Active");

	if (getll(r, "jobs.count", &n) < 0 || n == 0)
		return -1;
	getll(r, "jobs.running", &running);
	int enabled = getb(r, "jobs.enabled") == 1;
	if (!active && (enabled || running > 0)) {
		snprintf(buf, len, "%lld job(s) %s on %s, which is not Active", running ? running : n,
			 running ? "running" : "enabled", name);
		return 1;
	}
	if (active && !enabled) {
		snprintf(buf, len, "the jobs are not enabled on %s, which is Active", name);
		return 1;
	}
	snprintf(buf, len, "%s: %lld job(s) %s, %lld running", name, n, active ? "enabled" : "off", running);
	return 0;
}

static void c_jobs(const struct ctx *x, struct diag_check *c)
{
	char a[100], b[100];
	int mine = jobs_of(x->s, x->me, a, sizeof(a));
	int theirs = x->p ? jobs_of(x->p, x->peer, b, sizeof(b)) : -1;

	if (mine < 0 && theirs < 0) {
		verdict(c, DIAG_NA, "no active-only jobs configured%s", x->p || x->standalone ? "" : " here");
		return;
	}
	if (mine == 1 || theirs == 1) {
		verdict(c, DIAG_FAIL, "%s", mine == 1 ? a : b);
		todo(c, "active-only jobs must run on the Active only: see twind's log on %s",
		     mine == 1 ? x->me : x->peer);
		return;
	}
	if (mine == 0 && theirs == 0)
		verdict(c, DIAG_OK, "%s; %s", a, b);
	else
		verdict(c, DIAG_OK, "%s", mine == 0 ? a : b);
}

/* a node's health: 0 ok, 1 degraded, 2 failed, -1 unknown; the text in buf */
static int health_of(const struct ctl_reply *r, const char *name, char *buf, size_t len)
{
	const char *h = get(r, "node.health"), *why = get(r, "node.health_reason");
	const char *cmd = get(r, "health.command");
	int lvl = !h ? -1 : !strcmp(h, "ok") ? 0 : !strcmp(h, "degraded") ? 1 : 2;

	if (lvl < 0)
		return -1;
	if (lvl > 0)
		snprintf(buf, len, "%s %s: %s", name, h, why ? why : "?");
	else if (cmd && !strcmp(cmd, "none"))
		snprintf(buf, len, "%s ok (no health_command)", name);
	else if (cmd && !strcmp(cmd, "pending"))
		snprintf(buf, len, "%s ok, health command not run yet", name);
	else if (cmd)
		snprintf(buf, len, "%s ok, health command %s", name, cmd);
	else
		snprintf(buf, len, "%s ok", name);
	return lvl;
}

static void c_health(const struct ctx *x, struct diag_check *c)
{
	char a[DIAG_TEXT_MAX / 2], b[DIAG_TEXT_MAX / 2];
	int mine = health_of(x->s, x->me, a, sizeof(a)), theirs = -1;

	if (x->p) {
		theirs = health_of(x->p, x->peer, b, sizeof(b));
	} else if (!x->standalone && x->peer_alive) {
		/* the peer's beats carry its health */
		int ok = getb(x->s, "peer.healthy"), dg = getb(x->s, "peer.degraded");
		theirs = ok < 0 ? -1 : !ok ? 2 : dg == 1 ? 1 : 0;
		snprintf(b, sizeof(b), "%s %s (its heartbeats)", x->peer,
			 theirs == 2   ? "failed"
			 : theirs == 1 ? "degraded"
				       : "ok");
	}
	if (mine < 0 && x->standalone) {
		verdict(c, DIAG_NA, "a standalone node does not monitor its health");
		return;
	}
	if (mine < 0) {
		verdict(c, DIAG_FAIL, "health of %s unknown", x->me);
		return;
	}
	int worst = mine > theirs ? mine : theirs;
	const char *cmd = get(x->s, "health.command");
	if (worst == 0 && cmd && !strcmp(cmd, "pending"))
		worst = 1;
	if (theirs < 0)
		verdict(c, worst ? (worst == 2 ? DIAG_FAIL : DIAG_WARN) : DIAG_OK, "%s%s", a,
			x->standalone ? "" : "; the peer's unknown");
	else
		verdict(c, worst ? (worst == 2 ? DIAG_FAIL : DIAG_WARN) : DIAG_OK, "%s; %s", a, b);
	if (worst == 2)
		todo(c, "a failed node cannot serve: fix what the reason names first");
	else if (worst == 1)
		todo(c, "a degraded node still serves, but the other one is preferred: fix the link");
}

static void c_sync(const struct ctx *x, struct diag_check *c)
{
	const char *note = get(x->s, "sync.status"), *dig = get(x->s, "sync.digest");
	long long ver = 0, files = 0, pver = 0, pfiles = 0;

	if (!note) {
		verdict(c, DIAG_NA, "no config sync (sync_dir is not set%s)",
			x->standalone ? ", or unpaired" : "");
		return;
	}
	getll(x->s, "sync.version", &ver);
	getll(x->s, "sync.files", &files);
	if (!strncmp(note, "sync failed", 11)) {
		verdict(c, DIAG_FAIL, "%s: %s", x->me, note);
		todo(c, "see twind's log on both nodes (sync_dir, permissions, the peer channel)");
		return;
	}
	if (!x->p) {
		verdict(c, DIAG_WARN, "version %lld (%lld files) on %s; %s could not be asked (%s)", ver,
			files, x->me, x->peer, perr(x));
		todo(c, "run twinctl diag again once %s answers", x->peer);
		return;
	}
	const char *pdig = get(x->p, "sync.digest");
	if (!get(x->p, "sync.status")) {
		verdict(c, DIAG_FAIL, "%s syncs, %s has no sync_dir", x->me, x->peer);
		todo(c, "set the same sync_dir in twin.conf on both nodes");
		return;
	}
	getll(x->p, "sync.version", &pver);
	getll(x->p, "sync.files", &pfiles);
	if (!dig || !pdig || strcmp(dig, pdig)) {
		verdict(c, DIAG_WARN, "differs: version %lld (%lld files) on %s, %lld (%lld files) on %s",
			ver, files, x->me, pver, pfiles, x->peer);
		todo(c,
		     "sync runs every 2 s: run diag again; if it stays, see sync.status in twinctl status");
		return;
	}
	verdict(c, DIAG_OK, "in sync: version %lld, %lld files on both", ver, files);
}

/* "KEY: value" line of bootctl status into out */
static int boot_field(const char *text, const char *key, char *out, size_t len)
{
	size_t kl = strlen(key);

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (!strncmp(l, key, kl) && l[kl] == ':' && l[kl + 1] == ' ') {
			size_t n = strcspn(l + kl + 2, "\n");
			if (!n || n >= len)
				return -1;
			memcpy(out, l + kl + 2, n);
			out[n] = 0;
			return 0;
		}
	}
	return -1;
}

static void c_boot(const struct diag_input *in, struct diag_check *c)
{
	char slot[8], st[32], order[16], key[16];

	if (!in->bootctl) {
		if (in->bootctl_error)
			verdict(c, DIAG_WARN, "cannot read the boot slots: %s", in->bootctl_error);
		else
			verdict(c, DIAG_NA, "no A/B boot slots on this system");
		return;
	}
	if (boot_field(in->bootctl, "running slot", slot, sizeof(slot)) < 0 ||
	    (strcmp(slot, "A") && strcmp(slot, "B"))) {
		verdict(c, DIAG_WARN, "cannot tell the running slot from bootctl status");
		return;
	}
	snprintf(key, sizeof(key), "slot %s", slot);
	if (boot_field(in->bootctl, key, st, sizeof(st)) < 0)
		snprintf(st, sizeof(st), "?");
	if (boot_field(in->bootctl, "boot order", order, sizeof(order)) < 0)
		snprintf(order, sizeof(order), "?");
	if (strcmp(st, "ok")) {
		verdict(c, DIAG_WARN, "slot %s is not confirmed (%s tries left, boot order %s)", slot, st,
			order);
		todo(c, "a reboot may fall back to slot %s: wait until this node is Standby or Active",
		     slot[0] == 'A' ? "B" : "A");
		return;
	}
	if (order[0] != slot[0]) {
		verdict(c, DIAG_WARN, "slot %s confirmed, but the next boot starts slot %c (order %s)", slot,
			order[0], order);
		todo(c, "an update waits for a reboot: reboot on purpose, or it happens at the next one");
		return;
	}
	verdict(c, DIAG_OK, "slot %s confirmed, boots next", slot);
}

/* free % of a node's disk.*: -1 unknown; text in buf */
static long long disk_of(const struct ctl_reply *r, const char *name, char *buf, size_t len)
{
	long long size, avail;
	char a[32], s[32];

	if (!get(r, "disk.path") || getll(r, "disk.size_kib", &size) < 0 ||
	    getll(r, "disk.avail_kib", &avail) < 0 || size <= 0)
		return -1;
	long long pct = avail * 100 / size;
	size_fmt_kib((uint64_t)avail, a, sizeof(a));
	size_fmt_kib((uint64_t)size, s, sizeof(s));
	snprintf(buf, len, "%s: %s of %s free (%lld%%)", name, a, s, pct);
	return pct;
}

static void c_disk(const struct ctx *x, struct diag_check *c)
{
	char a[DIAG_TEXT_MAX / 2], b[DIAG_TEXT_MAX / 2];
	long long mine = disk_of(x->s, x->me, a, sizeof(a));
	long long theirs = x->p ? disk_of(x->p, x->peer, b, sizeof(b)) : -1;

	if (mine < 0 && theirs < 0) {
		verdict(c, DIAG_NA, "twind reports no disk space (an older twind?)");
		return;
	}
	long long low = mine < 0 ? theirs : theirs < 0 ? mine : mine < theirs ? mine : theirs;
	enum diag_verdict v = low < x->lim->disk_fail_pct   ? DIAG_FAIL
			      : low < x->lim->disk_warn_pct ? DIAG_WARN
							    : DIAG_OK;
	/* the path once: both nodes keep state_dir at the same place */
	const char *path = get(mine >= 0 ? x->s : x->p, "disk.path");
	if (!path)
		path = "?";
	if (mine >= 0 && theirs >= 0)
		verdict(c, v, "%s on %s; %s", path, a, b);
	else
		verdict(c, v, "%s on %s", path, mine >= 0 ? a : b);
	if (v != DIAG_OK)
		todo(c, "free space (old logs, bundles) before it fills: twind keeps its state there");
}

static void c_alarms(const struct ctx *x, struct diag_check *c)
{
	const char *first = NULL, *pfirst = NULL;
	int n = 0, pn = 0;

	if (x->standalone) {
		verdict(c, DIAG_NA, "no alarms on a standalone node");
		return;
	}
	while (ctl_getf(x->s, "alarm.%d", n))
		n++;
	while (x->p && ctl_getf(x->p, "alarm.%d", pn))
		pn++;
	first = n ? get(x->s, "alarm.0") : NULL;
	pfirst = pn ? get(x->p, "alarm.0") : NULL;
	if (!n && !pn) {
		verdict(c, DIAG_OK, "none%s", x->p ? " on either node" : " here");
		return;
	}
	if (n)
		verdict(c, DIAG_WARN, "%d on %s: %s%s", n, x->me, first, n > 1 ? ", ..." : "");
	else
		verdict(c, DIAG_WARN, "%d on %s: %s%s", pn, x->peer, pfirst, pn > 1 ? ", ..." : "");
	todo(c, "twinctl status on %s lists them", n ? x->me : x->peer);
}

void diag_limits_default(struct diag_limits *l)
{
	l->skew_warn_ms = DIAG_SKEW_WARN_MS;
	l->skew_fail_ms = DIAG_SKEW_FAIL_MS;
	l->disk_warn_pct = DIAG_DISK_WARN_PCT;
	l->disk_fail_pct = DIAG_DISK_FAIL_PCT;
}

size_t diag_run(const struct diag_input *in, const struct diag_limits *l, struct diag_check *out, size_t max)
{
	struct ctx x = {.s = in->self, .p = in->peer, .perr = in->peer_error, .lim = l};
	size_t n = 0;

	x.me = get(x.s, "node.name") ? get(x.s, "node.name") : "this node";
	x.peer = get(x.s, "peer.name")	 ? get(x.s, "peer.name")
		 : get(x.p, "node.name") ? get(x.p, "node.name")
					 : "the peer";
	x.standalone = is(x.s, "node.state", "Standalone") || is(x.s, "cluster.mode", "standalone");
	x.peer_alive = getb(x.s, "peer.alive") == 1;
	if (x.standalone)
		x.p = NULL;
	memset(out, 0, max * sizeof(*out));
#define RUN(nm, call)                                                                                        \
	do {                                                                                                 \
		if (n < max) {                                                                               \
			out[n].name = nm;                                                                    \
			call;                                                                                \
			n++;                                                                                 \
		}                                                                                            \
	} while (0)
	RUN("pair", c_pair(&x, &out[n]));
	RUN("drbd", c_drbd(&x, &out[n]));
	RUN("failover-ip", c_vip(&x, &out[n]));
	RUN("heartbeat", c_heartbeat(&x, &out[n]));
	RUN("witness", c_witness(&x, &out[n]));
	RUN("clock", c_clock(&x, &out[n]));
	RUN("jobs", c_jobs(&x, &out[n]));
	RUN("health", c_health(&x, &out[n]));
	RUN("config-sync", c_sync(&x, &out[n]));
	RUN("boot-slot", c_boot(in, &out[n]));
	RUN("disk", c_disk(&x, &out[n]));
	RUN("alarms", c_alarms(&x, &out[n]));
#undef RUN
	return n;
}

enum diag_verdict diag_worst(const struct diag_check *c, size_t n)
{
	enum diag_verdict w = DIAG_NA;

	for (size_t i = 0; i < n; i++)
		if (c[i].verdict > w)
			w = c[i].verdict;
	return w;
}

const char *diag_verdict_name(enum diag_verdict v)
{
	switch (v) {
	case DIAG_OK:
		return "OK";
	case DIAG_WARN:
		return "WARN";
	case DIAG_FAIL:
		return "FAIL";
	default:
		return "N/A";
	}
}

int diag_exit_code(enum diag_verdict v)
{
	return v == DIAG_FAIL ? DIAG_EXIT_FAIL : v == DIAG_WARN ? DIAG_EXIT_WARN : 0;
}
