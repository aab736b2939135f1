/* Server-health table: status reply in, text out. Laid out for reading at a
 * glance: problems are upper case (DOWN, DISABLED, FAILING), columns are as
 * wide as their widest cell, sections that have no keys are left out. */
#define _GNU_SOURCE
#include "status_render.h"

#include "size_fmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define COLS_MAX 8
#define CELL_MAX 64
#define ROWS_MAX 16 /* heartbeat paths shown; a pair has two */

struct table {
	int ncols, nrows;
	const char *head[COLS_MAX];
	char mark[ROWS_MAX]; /* '*' in front of a row, or ' ' */
	char cell[ROWS_MAX][COLS_MAX][CELL_MAX];
};

static void table_print(FILE *f, const struct table *t)
{
	size_t w[COLS_MAX];

	for (int c = 0; c < t->ncols; c++) {
		w[c] = strlen(t->head[c]);
		for (int r = 0; r < t->nrows; r++)
			if (strlen(t->cell[r][c]) > w[c])
				w[c] = strlen(t->cell[r][c]);
	}
	for (int r = -1; r < t->nrows; r++) {
		fputc(r >= 0 ? t->mark[r] : ' ', f);
		fputc(' ', f);
		for (int c = 0; c < t->ncols; c++) {
			const char *s = r < 0 ? t->head[c] : t->cell[r][c];
			if (c == t->ncols - 1)
				fprintf(f, "%s\n", s);
			else
				fprintf(f, "%-*s   ", (int)w[c], s);
		}
	}
}

/* --- value formatting; every helper writes "-" for a missing key --- */

static const char *getf_or_dash(const struct ctl_reply *rep, const char *key)
{
	const char *v = ctl_get(rep, key);
	return v && *v ? v : "-";
}

/* Unix seconds as local "YYYY-MM-DD HH:MM:SS"; 0 = never. */
static void fmt_date(char *out, size_t n, const struct ctl_reply *rep, const char *key)
{
	long long t;
	struct tm tm;
	time_t tt;

	if (ctl_get_ll(rep, key, &t)) {
		snprintf(out, n, "%s", getf_or_dash(rep, key));
		return;
	}
	tt = (time_t)t;
	if (t == 0)
		snprintf(out, n, "never");
	else if (!localtime_r(&tt, &tm) || !strftime(out, n, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(out, n, "%lld", t);
}

static void fmt_bool(char *out, size_t n, const struct ctl_reply *rep, const char *key, const char *yes,
		     const char *no)
{
	int b = ctl_get_bool(rep, key);
	snprintf(out, n, "%s", b == 1 ? yes : b == 0 ? no : getf_or_dash(rep, key));
}

static void fmt_ago(char *out, size_t n, const struct ctl_reply *rep, const char *key)
{
	long long ms;

	if (ctl_get_ll(rep, key, &ms))
		snprintf(out, n, "%s", getf_or_dash(rep, key));
	else if (ms < 0)
		snprintf(out, n, "never");
	else if (ms < 10000)
		snprintf(out, n, "%lld ms ago", ms);
	else if (ms < 120 * 1000)
		snprintf(out, n, "%lld s ago", ms / 1000);
	else if (ms < 48LL * 3600 * 1000)
		snprintf(out, n, "%lld min ago", ms / 60000);
	else
		snprintf(out, n, "%lld days ago", ms / 86400000);
}

static void fmt_rtt(char *out, size_t n, const struct ctl_reply *rep, const char *key)
{
	long long us;

	if (ctl_get_ll(rep, key, &us))
		snprintf(out, n, "%s", getf_or_dash(rep, key));
	else if (us < 0)
		snprintf(out, n, "-"); /* not measured yet */
	else if (us < 10000)
		snprintf(out, n, "%lld us", us);
	else
		snprintf(out, n, "%.1f ms", (double)us / 1000);
}

static int has_prefix(const struct ctl_reply *rep, const char *prefix)
{
	size_t n = strlen(prefix);

	for (size_t i = 0; i < rep->n; i++)
		if (strncmp(rep->kv[i].key, prefix, n) == 0)
			return 1;
	return 0;
}

/* --- sections --- */

/* One row of the NODE table for prefix "node" or "peer". */
static void node_row(struct table *t, const struct ctl_reply *rep, const char *who)
{
	char key[CTL_KEY_MAX + 1];
	char(*cell)[CELL_MAX] = t->cell[t->nrows];
	const char *name, *id, *state;

#define K(field) (snprintf(key, sizeof(key), "%s." field, who), key)
	name = getf_or_dash(rep, K("name"));
	id = ctl_get(rep, K("id"));
	if (id && *id)
		snprintf(cell[0], CELL_MAX, "%s (%s)", name, id);
	else
		snprintf(cell[0], CELL_MAX, "%s", name);
	snprintf(cell[1], CELL_MAX, "%s", getf_or_dash(rep, K("role")));
	state = getf_or_dash(rep, K("state"));
	/* a silent peer's last state is history, not news */
	if (ctl_get_bool(rep, K("alive")) == 0)
		state = "unreachable";
	snprintf(cell[2], CELL_MAX, "%s", state);
	snprintf(cell[3], CELL_MAX, "%s", getf_or_dash(rep, K("endpoint")));
	if (strcmp(state, "Active") == 0)
		snprintf(cell[4], CELL_MAX, "now");
	else
		fmt_date(cell[4], CELL_MAX, rep, K("last_active"));
	fmt_bool(cell[5], CELL_MAX, rep, K("failover_enabled"), "enabled", "DISABLED");
#undef K
	t->mark[t->nrows] = strcmp(who, "node") == 0 ? '*' : ' ';
	t->nrows++;
}

static void nodes(FILE *f, const struct ctl_reply *rep)
{
	static const struct table empty = {
	    .ncols = 6, .head = {"NODE", "ROLE", "STATE", "ENDPOINT", "LAST ACTIVE", "FAILOVER"}};
	struct table *t = malloc(sizeof(*t));

	if (!t)
		return;
	*t = empty;
	node_row(t, rep, "node");
	if (has_prefix(rep, "peer."))
		node_row(t, rep, "peer");
	table_print(f, t);
	free(t);
}

/* Health, priority, epoch, since, reason: whichever are present. Returns
 * how many were printed. */
static int node_details(FILE *f, const struct ctl_reply *rep)
{
	char buf[CELL_MAX];
	const char *v;
	int any = 0;

	if ((v = ctl_get(rep, "node.healthy"))) {
		const char *level = ctl_get(rep, "node.health"), *why = ctl_get(rep, "node.health_reason");

		fmt_bool(buf, sizeof(buf), rep, "node.healthy", "ok", "FAILING");
		if (level && !strcmp(level, "degraded"))
			snprintf(buf, sizeof(buf), "DEGRADED");
		fprintf(f, "%sHealth: %s", any++ ? "   " : "  ", buf);
		if (why && *why && strcmp(why, "ok"))
			fprintf(f, " (%s)", why); /* which interface is down */
	}
	if ((v = ctl_get(rep, "node.priority")))
		fprintf(f, "%sPriority: %s", any++ ? "   " : "  ", v);
	if ((v = ctl_get(rep, "node.epoch"))) {
		const char *pe = ctl_get(rep, "peer.epoch");
		fprintf(f, "%sEpoch: %s", any++ ? "   " : "  ", v);
		if (pe)
			fprintf(f, " (peer %s)", pe);
	}
	if (ctl_get(rep, "node.since")) {
		fmt_date(buf, sizeof(buf), rep, "node.since");
		fprintf(f, "%sSince: %s", any++ ? "   " : "  ", buf);
	}
	if (any)
		fputc('\n', f);
	if ((v = ctl_get(rep, "node.reason")) && *v) {
		fprintf(f, "  Reason: %s\n", v);
		any++;
	}
	return any;
}

static void paths(FILE *f, const struct ctl_reply *rep)
{
	static const struct table empty = {
	    .ncols = 7, .head = {"HEARTBEAT", "KIND", "STATUS", "LAST SEEN", "BEATS", "LOST", "RTT"}};
	char key[CTL_KEY_MAX + 1];
	struct table *t = malloc(sizeof(*t));
	int n = 0, rejected = 0;

	if (!t)
		return;
	*t = empty;
	for (;; n++) {
		snprintf(key, sizeof(key), "path.%d.", n);
		if (!has_prefix(rep, key))
			break;
		if (n >= ROWS_MAX)
			continue;
		char(*cell)[CELL_MAX] = t->cell[n];
#define K(field) (snprintf(key, sizeof(key), "path.%d." field, n), key)
		snprintf(cell[0], CELL_MAX, "%s", getf_or_dash(rep, K("name")));
		snprintf(cell[1], CELL_MAX, "%s", getf_or_dash(rep, K("kind")));
		fmt_bool(cell[2], CELL_MAX, rep, K("up"), "up", "DOWN");
		fmt_ago(cell[3], CELL_MAX, rep, K("last_seen_ms"));
		snprintf(cell[4], CELL_MAX, "%s", getf_or_dash(rep, K("beats")));
		snprintf(cell[5], CELL_MAX, "%s", getf_or_dash(rep, K("lost")));
		fmt_rtt(cell[6], CELL_MAX, rep, K("rtt_us"));
#undef K
		t->mark[n] = ' ';
		t->nrows++;
	}
	if (t->nrows)
		table_print(f, t);
	if (n > ROWS_MAX)
		fprintf(f, "  (%d more heartbeat paths not shown)\n", n - ROWS_MAX);

	/* Forged, replayed or broken frames matter even when the link is up. */
	for (int i = 0; i < n; i++) {
		static const char *const what[] = {"bad_mac", "replay", "malformed"};
		static const char *const label[] = {"bad MAC", "replayed", "malformed"};
		char part[160];
		size_t o = 0;

		for (int k = 0; k < 3; k++) {
			long long v;
			snprintf(key, sizeof(key), "path.%d.%s", i, what[k]);
			if (ctl_get_ll(rep, key, &v) || v <= 0 || o >= sizeof(part))
				continue;
			o += (size_t)snprintf(part + o, sizeof(part) - o, "%s%lld %s", o ? ", " : "", v,
					      label[k]);
		}
		if (!o)
			continue;
		snprintf(key, sizeof(key), "path.%d.name", i);
		fprintf(f, "%s %s: %s", rejected++ ? ";" : "  Rejected frames:", getf_or_dash(rep, key),
			part);
	}
	if (rejected)
		fputc('\n', f);
	free(t);
}

static void skew_and_vips(FILE *f, const struct ctl_reply *rep)
{
	long long us;
	char key[CTL_KEY_MAX + 1];

	fprintf(f, "  Clock skew to peer: ");
	if (ctl_get_ll(rep, "skew_us", &us) == 0) {
		long long a = us < 0 ? -us : us;
		if (a < 1000000)
			fprintf(f, "%c%.2f ms", us < 0 ? '-' : '+', (double)a / 1000);
		else
			fprintf(f, "%c%.3f s", us < 0 ? '-' : '+', (double)a / 1e6);
	} else {
		fprintf(f, "%s", getf_or_dash(rep, "skew_us"));
	}

	fprintf(f, "      Failover IP: ");
	int n = 0;
	for (;; n++) {
		snprintf(key, sizeof(key), "vip.%d.", n);
		if (!has_prefix(rep, key))
			break;
		snprintf(key, sizeof(key), "vip.%d.addr", n);
		fprintf(f, "%s%s", n ? ", " : "", getf_or_dash(rep, key));
		snprintf(key, sizeof(key), "vip.%d.held", n);
		int held = ctl_get_bool(rep, key);
		if (held >= 0)
			fprintf(f, " (%s)", held ? "held here" : "not here");
	}
	fprintf(f, "%s\n", n ? "" : "-");
}

static void xdp(FILE *f, const struct ctl_reply *rep)
{
	if (!has_prefix(rep, "xdp."))
		return;
	fprintf(f, "  XDP: %s   rx %s   dropped: foreign %s, rate limit %s, malformed %s\n",
		getf_or_dash(rep, "xdp.mode"), getf_or_dash(rep, "xdp.rx"),
		getf_or_dash(rep, "xdp.drop_foreign"), getf_or_dash(rep, "xdp.drop_ratelimit"),
		getf_or_dash(rep, "xdp.drop_malformed"));
	if (ctl_get(rep, "heartbeat.beacon"))
		fprintf(f, "  beacon: %s%s%s\n", ctl_get(rep, "heartbeat.beacon"),
			ctl_get(rep, "heartbeat.beacon_why") ? " - " : "",
			ctl_get(rep, "heartbeat.beacon_why") ? ctl_get(rep, "heartbeat.beacon_why") : "");
}

static void fmt_kib(char *out, size_t n, const struct ctl_reply *rep, const char *key)
{
	long long v;

	if (ctl_get_ll(rep, key, &v) || v < 0)
		snprintf(out, n, "-");
	else
		size_fmt_kib((uint64_t)v, out, n);
}

/* Both nodes' side of a split brain, for the admin to choose the survivor. */
static void split_brain(FILE *f, const struct ctl_reply *rep)
{
	static const char *const sides[2] = {"sb.self", "sb.peer"};
	struct table t = {.ncols = 3, .head = {"", "", ""}};
	char k[48], head[2][CELL_MAX], began[CELL_MAX];

	if (ctl_get_bool(rep, "sb.active") != 1) {
		if (ctl_get(rep, "witness.summary"))
			fprintf(f, "  Witness: %s%s\n",
				ctl_get_bool(rep, "witness.reached") == 1 ? "" : "UNREACHED: ",
				ctl_get(rep, "witness.summary"));
		else if (ctl_get(rep, "sb.protection"))
			fprintf(f, "  SPLIT-BRAIN PROTECTION: %s\n", ctl_get(rep, "sb.protection"));
		return;
	}
	fmt_date(began, sizeof(began), rep, "sb.began");
	fprintf(f, "  SPLIT BRAIN since %s: both nodes served while cut apart; choose the survivor\n", began);
	for (int i = 0; i < 2; i++) {
		snprintf(k, sizeof(k), "%s.name", sides[i]);
		snprintf(head[i], sizeof(head[i]), "%s (%s)", getf_or_dash(rep, k), i ? "peer" : "this node");
		t.head[i + 1] = head[i];
	}
	static const char *const rows[] = {"last Active", "epoch",	   "DRBD disk", "written since",
					   "out of sync", "serves the IP", "DRBD gi"};
	t.nrows = (int)(sizeof(rows) / sizeof(rows[0]));
	for (int r = 0; r < t.nrows; r++) {
		t.mark[r] = ' ';
		snprintf(t.cell[r][0], CELL_MAX, "%s", rows[r]);
		for (int i = 0; i < 2; i++) {
			char *c = t.cell[r][i + 1];
#define SK(name) (snprintf(k, sizeof(k), "%s." name, sides[i]), k)
			switch (r) {
			case 0:
				fmt_date(c, CELL_MAX, rep, SK("last_active"));
				break;
			case 1:
				snprintf(c, CELL_MAX, "%s", getf_or_dash(rep, SK("epoch")));
				break;
			case 2:
				snprintf(c, CELL_MAX, "%s", getf_or_dash(rep, SK("disk")));
				break;
			case 3:
				fmt_kib(c, CELL_MAX, rep, SK("written_kib"));
				break;
			case 4:
				fmt_kib(c, CELL_MAX, rep, SK("out_of_sync_kib"));
				break;
			case 5:
				fmt_bool(c, CELL_MAX, rep, SK("holds_vip"), "yes", "no");
				break;
			default:
				snprintf(c, CELL_MAX, "%s", getf_or_dash(rep, SK("gi")));
			}
#undef SK
		}
	}
	table_print(f, &t);
	fprintf(f, "  PROPOSAL: %s\n", getf_or_dash(rep, "sb.proposal"));
	if (ctl_get(rep, "sb.auto"))
		fprintf(f, "  automatic repair: %s\n", ctl_get(rep, "sb.auto"));
	fprintf(f, "  repair: twinctl split-brain repair --survivor NODE\n");
	if (ctl_get(rep, "repair.phase"))
		fprintf(f, "  REPAIR (%s): %s\n", ctl_get(rep, "repair.phase"),
			getf_or_dash(rep, "repair.message"));
}

/* "45s", "12m 05s", "3h 07m", "2d 04h": how long an alarm has been up */
static void fmt_age(char *out, size_t n, long long s)
{
	if (s < 60)
		snprintf(out, n, "%llds", s);
	else if (s < 3600)
		snprintf(out, n, "%lldm %02llds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(out, n, "%lldh %02lldm", s / 3600, s % 3600 / 60);
	else
		snprintf(out, n, "%lldd %02lldh", s / 86400, s % 86400 / 3600);
}

/* One alarm: "#ID TEXT (AGE)" with who acknowledged it; the number is what
 * twinctl alarm ack takes. Without alarm_info (an older twind) the text. */
static void alarm_line(FILE *f, const struct ctl_reply *rep, int i, int first)
{
	const char *text = ctl_getf(rep, "alarm.%d", i), *id = ctl_getf(rep, "alarm_info.%d.id", i);
	long long age;
	char when[32] = "", k[48];

	fprintf(f, "%s", first ? "" : "          ");
	if (!id) {
		fprintf(f, "%s\n", text);
		return;
	}
	snprintf(k, sizeof(k), "alarm_info.%d.age_s", i);
	if (ctl_get_ll(rep, k, &age) == 0 && age >= 0)
		fmt_age(when, sizeof(when), age);
	fprintf(f, "#%s %s (%s ago", id, text, when[0] ? when : "?");
	const char *acked = ctl_getf(rep, "alarm_info.%d.acked", i);
	if (acked && !strcmp(acked, "true")) {
		const char *by = ctl_getf(rep, "alarm_info.%d.acked_by", i);
		fprintf(f, ", acknowledged by %s", by ? by : "?");
	}
	fprintf(f, ")\n");
}

/* Unacknowledged alarms first: they are what needs the admin. */
static void alarms(FILE *f, const struct ctl_reply *rep)
{
	int n = 0, shown = 0;

	fprintf(f, "  ALARMS: ");
	while (ctl_getf(rep, "alarm.%d", n))
		n++;
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < n; i++) {
			const char *acked = ctl_getf(rep, "alarm_info.%d.acked", i);
			int is_acked = acked && !strcmp(acked, "true");
			if (is_acked == pass)
				alarm_line(f, rep, i, !shown++);
		}
	if (!n)
		fprintf(f, "none\n");
}

/* Values reach a terminal: a newline would break the table and an escape
 * sequence could rewrite the screen. Keep printable ASCII and well-formed
 * UTF-8 (but not the C1 controls U+0080..U+009F); everything else is '?',
 * line breaks and tabs a space. */
static void sanitize(char *v)
{
	unsigned char *u = (unsigned char *)v;

	for (size_t i = 0; u[i];) {
		unsigned c = u[i];
		size_t len = c >= 0xf0 && c <= 0xf4   ? 4
			     : c >= 0xe0 && c <= 0xef ? 3
			     : c >= 0xc2 && c <= 0xdf ? 2
						      : 1;
		size_t k = 1;

		if (c < 0x80) {
			if (c == '\n' || c == '\r' || c == '\t')
				u[i] = ' ';
			else if (c < 0x20 || c == 0x7f)
				u[i] = '?';
			i++;
			continue;
		}
		while (k < len && (u[i + k] & 0xc0) == 0x80)
			k++;
		if (len == 1 || k < len || (c == 0xc2 && u[i + 1] < 0xa0)) {
			u[i++] = '?'; /* bad lead, short sequence or C1: one '?' per byte */
			continue;
		}
		i += len;
	}
}

/* A copy of rep with display-safe values. */
static int clean_copy(const struct ctl_reply *rep, struct ctl_reply *out)
{
	size_t total = 0;

	*out = *rep;
	out->kv = calloc(rep->n ? rep->n : 1, sizeof(*out->kv));
	for (size_t i = 0; i < rep->n; i++)
		total += strlen(rep->kv[i].val) + 1;
	out->mem = malloc(total ? total : 1);
	if (!out->kv || !out->mem) {
		free(out->kv);
		free(out->mem);
		return -1;
	}
	char *p = out->mem;
	for (size_t i = 0; i < rep->n; i++) {
		size_t n = strlen(rep->kv[i].val) + 1;
		memcpy(p, rep->kv[i].val, n);
		sanitize(p);
		out->kv[i].key = rep->kv[i].key;
		out->kv[i].val = p;
		p += n;
	}
	return 0;
}

char *status_render(const struct ctl_reply *raw)
{
	struct ctl_reply clean, *rep = &clean;
	char *text = NULL;
	size_t len = 0;

	if (clean_copy(raw, &clean))
		return NULL;
	FILE *f = open_memstream(&text, &len);
	if (!f) {
		ctl_reply_free(&clean);
		return NULL;
	}
	nodes(f, rep);
	fputc('\n', f);
	if (node_details(f, rep))
		fputc('\n', f);
	if (has_prefix(rep, "path.")) {
		paths(f, rep);
		fputc('\n', f);
	}
	skew_and_vips(f, rep);
	xdp(f, rep);
	if (ctl_get(rep, "drbd.summary")) /* like drbd-overview */
		fprintf(f, "  DRBD: %s\n", ctl_get(rep, "drbd.summary"));
	if (ctl_get(rep, "fence.message")) { /* DRBD's fence-peer handler waits */
		fprintf(f, "  Fencing: writes frozen for %s ms: %s\n", getf_or_dash(rep, "fence.frozen_ms"),
			ctl_get(rep, "fence.message"));
	} else if (ctl_get(rep, "fence.last")) {
		char when[32];
		fmt_date(when, sizeof(when), rep, "fence.last_at");
		fprintf(f, "  Fencing: last %s, %s\n", when, ctl_get(rep, "fence.last"));
	}
	split_brain(f, rep);
	alarms(f, rep);
	int bad = ferror(f);
	if (fclose(f) || bad) {
		free(text);
		text = NULL;
	}
	ctl_reply_free(&clean);
	return text;
}
