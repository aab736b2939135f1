/* The console's status screens (status_pages.h). */
#include "status_pages.h"

#include <stdio.h>
#include <string.h>

static const char *get(const struct ctl_reply *st, const char *key, const char *dflt)
{
	const char *v = ctl_get(st, key);
	return v && *v ? v : dflt;
}

/* "name" and "value" on one line of cols: the value right-aligned when it
 * fits, else after one space (a scroller shows the rest) */
static void two(char *out, int cols, const char *left, const char *right)
{
	int l = (int)strlen(left), r = (int)strlen(right);

	if (l + 1 + r <= cols)
		snprintf(out, SP_TEXT_MAX, "%s%*s", left, cols - l, right);
	else
		snprintf(out, SP_TEXT_MAX, "%s %s", left, right);
}

void sp_duration(long long s, char *out, size_t len)
{
	if (s < 0)
		snprintf(out, len, "?");
	else if (s < 100)
		snprintf(out, len, "%llds", s);
	else if (s < 3600)
		snprintf(out, len, "%lldm", (s + 30) / 60);
	else if (s < 100 * 3600)
		snprintf(out, len, "%lldh%02lldm", s / 3600, s % 3600 / 60);
	else
		snprintf(out, len, "%lldd", s / 86400);
}

void sp_bar(int permille, int cols, char *out, size_t len)
{
	char pct[8];
	int p = permille < 0 ? 0 : permille > 1000 ? 1000 : permille;

	snprintf(pct, sizeof(pct), " %d%%", p / 10);
	int cells = cols - 2 - (int)strlen(pct);
	if (cells < 1 || (size_t)cols >= len) {
		snprintf(out, len, "%s", pct + 1);
		return;
	}
	int full = p * cells / 1000;
	size_t o = 0;
	out[o++] = '[';
	for (int i = 0; i < cells; i++)
		out[o++] = i < full ? '#' : ' ';
	out[o++] = ']';
	snprintf(out + o, len - o, "%s", pct);
}

/* "0.3ms", "12ms", "1.2s" from ms */
static void ago(long long ms, char *out, size_t len)
{
	if (ms < 0)
		snprintf(out, len, "never");
	else if (ms < 1000)
		snprintf(out, len, "%lldms", ms);
	else if (ms < 100000)
		snprintf(out, len, "%lld.%llds", ms / 1000, ms % 1000 / 100);
	else
		sp_duration(ms / 1000, out, len);
}

static long long ll(const struct ctl_reply *st, const char *key, long long dflt)
{
	long long v;
	return ctl_get_ll(st, key, &v) == 0 ? v : dflt;
}

static struct sp_page *add(struct sp_page *out, int *n, int max)
{
	if (*n >= max)
		return NULL;
	struct sp_page *p = &out[(*n)++];
	memset(p, 0, sizeof(*p));
	return p;
}

static void page_alarms(const struct ctl_reply *st, int cols, struct sp_page *out, int *n, int max)
{
	int total = 0;
	while (ctl_getf(st, "alarm.%d", total))
		total++;
	for (int i = 0; i < total; i++) {
		struct sp_page *p = add(out, n, max);
		if (!p)
			return;
		char head[32];
		snprintf(head, sizeof(head), "%d/%d", i + 1, total);
		two(p->line[0], cols, "ALARM", head);
		snprintf(p->line[1], SP_TEXT_MAX, "%s", ctl_getf(st, "alarm.%d", i));
		p->alarm = 1;
	}
}

static void page_split_brain(const struct ctl_reply *st, int cols, struct sp_page *out, int *n, int max)
{
	struct sp_page *p;

	if (ctl_get_bool(st, "sb.active") != 1 || !(p = add(out, n, max)))
		return;
	snprintf(p->line[0], SP_TEXT_MAX, "%s", "SPLIT BRAIN");
	snprintf(p->line[1], SP_TEXT_MAX, "%s", "Enter: repair");
	p->alarm = 1;
}

static void page_node(const struct ctl_reply *st, int cols, struct sp_page *out, int *n, int max)
{
	struct sp_page *p = add(out, n, max);

	if (!p)
		return;
	two(p->line[0], cols, get(st, "node.name", "?"), get(st, "node.state", "?"));
	const char *vip = ctl_get(st, "vip.0.addr");
	if (!vip) {
		snprintf(p->line[1], SP_TEXT_MAX, "%s",
			 ctl_get_bool(st, "node.failover_enabled") == 0 ? "failover off" : "no failover IP");
		return;
	}
	const char *holder =
	    ctl_get_bool(st, "vip.0.held") == 1 ? "here"
	    : !strcmp(get(st, "peer.state", ""), "Active") && ctl_get_bool(st, "peer.alive") == 1
		? get(st, "peer.name", "peer")
		: "NOBODY";
	char left[48];
	snprintf(left, sizeof(left), "IP %s%s",
		 strcmp(holder, "here") && strcmp(holder, "NOBODY") ? "on " : "", holder);
	snprintf(p->line[1], SP_TEXT_MAX, "%s", left);
	/* the address itself on a page of its own: it does not share 16 columns */
	struct sp_page *q = add(out, n, max);
	if (!q)
		return;
	snprintf(q->line[0], SP_TEXT_MAX, "%s", "failover IP");
	snprintf(q->line[1], SP_TEXT_MAX, "%s", vip);
}

static void page_peer(const struct ctl_reply *st, int cols, struct sp_page *out, int *n, int max)
{
	struct sp_page *p;

	if (!ctl_get(st, "peer.id") || !(p = add(out, n, max)))
		return;
	char heard[24];
	long long best = -1;
	for (int i = 0; ctl_getf(st, "path.%d.name", i); i++) {
		char k[32];
		snprintf(k, sizeof(k), "path.%d.last_seen_ms", i);
		long long v = ll(st, k, -1);
		if (v >= 0 && (best < 0 || v < best))
			best = v;
	}
	ago(best, heard, sizeof(heard));
	two(p->line[0], cols, "peer", get(st, "peer.name", get(st, "peer.id", "?")));
	two(p->line[1], cols, ctl_get_bool(st, "peer.alive") == 1 ? get(st, "peer.state", "?") : "SILENT",
	    heard);
}

static void page_paths(const struct ctl_reply *st, int cols, struct sp_page *out, int *n, int max)
{
	struct sp_page *p = NULL;
	int row = 0;

	for (int i = 0; ctl_getf(st, "path.%d.name", i); i++) {
		char k[32], v[40], rtt[24];
		if (row == 0 && !(p = add(out, n, max)))
			return;
		snprintf(k, sizeof(k), "path.%d.up", i);
		int up = ctl_get_bool(st, k) == 1;
		snprintf(k, sizeof(k), "path.%d.rtt_us", i);
		long long us = ll(st, k, -1);
		if (us < 0)
			snprintf(rtt, sizeof(rtt), "up");
		else if (us < 10000)
			snprintf(rtt, sizeof(rtt), "%lld.%lldms", us / 1000, us % 1000 / 100);
		else
			snprintf(rtt, sizeof(rtt), "%lldms", us / 1000);
		if (up) {
			snprintf(v, sizeof(v), "%s", rtt);
		} else {
			snprintf(k, sizeof(k), "path.%d.last_seen_ms", i);
			char a[24];
			ago(ll(st, k, -1), a, sizeof(a));
			snprintf(v, sizeof(v), "DOWN %s", a);
		}
		two(p->line[row], cols, ctl_getf(st, "path.%d.name", i), v);
		row = (row + 1) % SP_LINES;
	}
}

static void page_drbd(const struct ctl_reply *st, int cols, struct sp_page *out, int *n, int max)
{
	struct sp_page *p;

	if (!ctl_get(st, "drbd.conn") || !(p = add(out, n, max)))
		return;
	two(p->line[0], cols, "DRBD", get(st, "drbd.conn", "?"));
	long long pm = ll(st, "drbd.sync_permille", -1);
	if (pm >= 0) {
		/* the bar, then the time left on its own page line */
		sp_bar((int)pm, cols, p->line[1], SP_TEXT_MAX);
		struct sp_page *q = add(out, n, max);
		if (!q)
			return;
		char leftt[24];
		sp_duration(ll(st, "drbd.sync_left_s", -1), leftt, sizeof(leftt));
		two(q->line[0], cols, "resync", get(st, "drbd.disk", "?"));
		two(q->line[1], cols, "left", leftt);
		return;
	}
	two(p->line[1], cols, get(st, "drbd.role", "?"), get(st, "drbd.disk", "?"));
}

static void page_clock(const struct ctl_reply *st, int cols, struct sp_page *out, int *n, int max)
{
	long long us;
	struct sp_page *p;

	if (ctl_get_ll(st, "skew_us", &us) < 0 && !ctl_get(st, "witness.summary"))
		return;
	if (!(p = add(out, n, max)))
		return;
	char v[32];
	if (ctl_get_ll(st, "skew_us", &us) == 0) {
		long long a = us < 0 ? -us : us;
		if (a < 1000000)
			snprintf(v, sizeof(v), "%c%lld.%lldms", us < 0 ? '-' : '+', a / 1000, a % 1000 / 100);
		else
			snprintf(v, sizeof(v), "%c%llds", us < 0 ? '-' : '+', a / 1000000);
	} else {
		snprintf(v, sizeof(v), "-");
	}
	two(p->line[0], cols, "skew", v);
	const char *w = ctl_get(st, "witness.reached");
	two(p->line[1], cols, "witness", !w ? "none" : !strcmp(w, "true") ? "reached" : "UNREACHED");
}

int status_pages(const struct ctl_reply *st, const char *err, int cols, struct sp_page *out, int max)
{
	int n = 0;

	if (!st) {
		struct sp_page *p = add(out, &n, max);
		if (p) {
			snprintf(p->line[0], SP_TEXT_MAX, "%s", "twind: no answer");
			snprintf(p->line[1], SP_TEXT_MAX, "%s", err && *err ? err : "no answer");
			p->alarm = 1;
		}
		return n;
	}
	page_split_brain(st, cols, out, &n, max);
	page_alarms(st, cols, out, &n, max);
	page_node(st, cols, out, &n, max);
	page_peer(st, cols, out, &n, max);
	page_paths(st, cols, out, &n, max);
	page_drbd(st, cols, out, &n, max);
	page_clock(st, cols, out, &n, max);
	return n;
}
