/* twinctl log, pure: see log_view.h. */
#define _GNU_SOURCE /* strptime */
#include "log_view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "int_parse.h"
#include "text_escape.h"

static int add(struct log_view *v, const char *node, uint64_t id, int64_t t, const char *kind,
	       const char *text)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 64;
		struct log_entry *e = realloc(v->e, cap * sizeof(*e));
		if (!e)
			return -1;
		v->e = e;
		v->cap = cap;
	}
	struct log_entry *e = &v->e[v->n];
	e->node = strdup(node);
	e->kind = strdup(kind);
	e->text = strdup(text);
	e->id = id;
	e->time_ms = t;
	if (!e->node || !e->kind || !e->text) {
		free(e->node), free(e->kind), free(e->text);
		return -1;
	}
	v->n++;
	return 0;
}

int log_view_add_page(struct log_view *v, const struct ctl_reply *page, uint64_t *next, char *err,
		      size_t errlen)
{
	const char *node = ctl_get(page, "node");
	long long count, n;

	if (!node || ctl_get_ll(page, "count", &count) || count < 0)
		return snprintf(err, errlen, "log page without node or count"), -1;
	for (long long i = 0; i < count; i++) {
		long long id, t;
		const char *kind = ctl_getf(page, "entry.%lld.kind", i);
		const char *text = ctl_getf(page, "entry.%lld.text", i);
		const char *ids = ctl_getf(page, "entry.%lld.id", i);
		const char *ts = ctl_getf(page, "entry.%lld.time_ms", i);
		if (!kind || !text || !ids || !ts || parse_ll(ids, 1, INT64_MAX, &id) ||
		    parse_ll(ts, 0, INT64_MAX, &t))
			return snprintf(err, errlen, "log page: entry %lld malformed", i), -1;
		if (add(v, node, (uint64_t)id, t, kind, text) < 0)
			return snprintf(err, errlen, "out of memory"), -1;
	}
	if (ctl_get_ll(page, "next", &n) || n < 0)
		return snprintf(err, errlen, "log page without next"), -1;
	*next = (uint64_t)n;
	return ctl_get_bool(page, "more") == 1;
}

static int cmp(const void *pa, const void *pb)
{
	const struct log_entry *a = pa, *b = pb;
	int c;

	if (a->time_ms != b->time_ms)
		return a->time_ms < b->time_ms ? -1 : 1;
	if ((c = strcmp(a->node, b->node)))
		return c;
	return a->id < b->id ? -1 : a->id > b->id;
}

void log_view_sort(struct log_view *v)
{
	if (v->n > 1)
		qsort(v->e, v->n, sizeof(v->e[0]), cmp);
}

char *log_view_text(const struct log_view *v)
{
	char *out = NULL, when[40], node[80], kind[40], *text;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; i < v->n; i++) {
		const struct log_entry *e = &v->e[i];
		time_t tt = (time_t)(e->time_ms / 1000);
		struct tm tm;
		size_t tl = strlen(e->text) * 4 + 1;
		if (!localtime_r(&tt, &tm) || !strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm))
			snprintf(when, sizeof(when), "%lld", (long long)tt);
		/* names and texts come from the daemons (and the peer's admin) */
		text_escape(node, sizeof(node), e->node);
		text_escape(kind, sizeof(kind), e->kind);
		if (!(text = malloc(tl)))
			break;
		text_escape(text, tl, e->text);
		fprintf(f, "%s.%03d %s %s %s\n", when, (int)(e->time_ms % 1000), node, kind, text);
		free(text);
	}
	if (fclose(f)) {
		free(out);
		return NULL;
	}
	return out;
}

/* a JSON string: quote, backslash and control bytes escaped */
static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

char *log_view_json(const struct log_view *v)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		return NULL;
	fprintf(f, "{\"entries\":[");
	for (size_t i = 0; i < v->n; i++) {
		const struct log_entry *e = &v->e[i];
		fprintf(f, "%s{\"time_ms\":%lld,\"node\":", i ? "," : "", (long long)e->time_ms);
		json_str(f, e->node);
		fprintf(f, ",\"kind\":");
		json_str(f, e->kind);
		fprintf(f, ",\"text\":");
		json_str(f, e->text);
		fprintf(f, ",\"id\":%llu}", (unsigned long long)e->id);
	}
	fprintf(f, "]}");
	if (fclose(f)) {
		free(out);
		return NULL;
	}
	return out;
}

void log_view_free(struct log_view *v)
{
	for (size_t i = 0; i < v->n; i++) {
		free(v->e[i].node);
		free(v->e[i].kind);
		free(v->e[i].text);
	}
	free(v->e);
	*v = (struct log_view){0};
}

int log_since_parse(const char *s, int64_t now_ms, int64_t *out_ms)
{
	static const struct {
		char unit;
		long long s;
	} units[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}};
	size_t len = strlen(s);
	long long n;
	char num[24];

	if (!len)
		return -1;
	if (parse_ll(s, 0, INT64_MAX / 1000, &n) == 0) {
		*out_ms = n * 1000;
		return 0;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (s[len - 1] != units[i].unit || len - 1 >= sizeof(num))
			continue;
		memcpy(num, s, len - 1);
		num[len - 1] = 0;
		if (parse_ll(num, 0, 100LL * 365 * 86400 / units[i].s, &n) < 0)
			return -1;
		*out_ms = now_ms - n * units[i].s * 1000;
		return 0;
	}
	static const char *const fmts[] = {"%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M",
					   "%Y-%m-%dT%H:%M", "%Y-%m-%d"};
	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		struct tm tm = {0};
		const char *end = strptime(s, fmts[i], &tm);
		if (!end || *end)
			continue;
		tm.tm_isdst = -1;
		time_t t = mktime(&tm);
		if (t == (time_t)-1)
			return -1;
		*out_ms = (int64_t)t * 1000;
		return 0;
	}
	return -1;
}
