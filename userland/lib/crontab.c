/* Crontab parser and next-run computation: see crontab.h. Errors name the
 * file, the line, the field and what is allowed, like twin.conf's, because
 * an admin reads them in "twind -t" with no other context. */
#include "crontab.h"
#include "text_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

struct field_def {
	const char *name;
	int min, max;
	const char *const *names; /* names[i] is the value min + i, or NULL */
};

static const char *const month_names[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul",
					  "aug", "sep", "oct", "nov", "dec", NULL};
static const char *const dow_names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL};

enum { F_MIN, F_HOUR, F_DOM, F_MON, F_DOW, N_FIELDS };
static const struct field_def fields[N_FIELDS] = {
    {"minute", 0, 59, NULL},	      {"hour", 0, 23, NULL},
    {"day-of-month", 1, 31, NULL},    {"month", 1, 12, month_names},
    {"day-of-week", 0, 7, dow_names},
};

static const struct {
	const char *name, *fields;
} macros[] = {
    {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"},     {"@monthly", "0 0 1 * *"},
    {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},	      {"@midnight", "0 0 * * *"},
    {"@hourly", "0 * * * *"}, {"@every_minute", "* * * * *"}, {"@reboot", NULL},
};

struct env_var {
	char *s; /* "NAME=value" */
	size_t namelen;
};

struct parser {
	const char *name;
	unsigned line;
	char *err;
	size_t errlen;
	struct crontab ct;
	struct env_var env[CRON_MAX_ENV];
	size_t n_env;
};

static int fail(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	text_verror(p->err, p->errlen, p->name, p->line, fmt, ap);
	va_end(ap);
	return -1;
}

/* A value echoed in a message: printable, bounded (the file is input). */
#define VIS_MAX 40
static const char *vis(char *buf, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < VIS_MAX && i < len && s[i]; i++)
		buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (i < len && s[i])
		memcpy(buf + i, "...", 4);
	else
		buf[i] = '\0';
	return buf;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* ---- time fields ---- */

/* A number or (for month/day-of-week) a name; *s advances past it. */
static int parse_value(struct parser *p, const struct field_def *f, const char *item, const char **s,
		       const char *end, int *out)
{
	char vb[VIS_MAX + 4];
	const char *q = *s;
	long v = 0;

	if (q < end && *q >= '0' && *q <= '9') {
		for (; q < end && *q >= '0' && *q <= '9'; q++)
			if (v <= 1000)
				v = v * 10 + (*q - '0');
		if (v < f->min || v > f->max)
			return fail(p, "%s: %s is out of range (%d..%d)", f->name,
				    vis(vb, *s, (size_t)(q - *s)), f->min, f->max);
		*out = (int)v;
		*s = q;
		return 0;
	}
	if (f->names) {
		while (q < end && ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z')))
			q++;
		for (int i = 0; f->names[i] && q - *s == 3; i++)
			if (!strncasecmp(*s, f->names[i], 3)) {
				*out = f->min + i;
				*s = q;
				return 0;
			}
	}
	if (*s == end || **s == '-' || **s == '/')
		return fail(p, "%s: a number is missing in '%s' (%d..%d)", f->name,
			    vis(vb, item, (size_t)(end - item)), f->min, f->max);
	while (q < end && *q != ',' && *q != '-' && *q != '/')
		q++;
	if (f->names)
		return fail(p, "%s: '%s' is not a number or a name (%d..%d, %s..%s)", f->name,
			    vis(vb, *s, (size_t)(q - *s)), f->min, f->max, f->names[0],
			    f == &fields[F_MON] ? "dec" : "sat");
	return fail(p, "%s: '%s' is not a number (%d..%d)", f->name, vis(vb, *s, (size_t)(q - *s)), f->min,
		    f->max);
}

/* One list item: "*", "v", "a-b", each optionally "/step". */
static int parse_item(struct parser *p, const struct field_def *f, const char *s, const char *end,
		      uint64_t *bits)
{
	char vb[VIS_MAX + 4];
	const char *item = s;
	int lo = f->min, hi = f->max, step = 1, ranged = 0;

	if (s == end)
		return fail(p, "%s: empty item in the list", f->name);
	if (*s == '*') {
		s++;
		ranged = 1;
	} else {
		if (parse_value(p, f, item, &s, end, &lo))
			return -1;
		hi = lo;
		if (s < end && *s == '-') {
			s++;
			if (parse_value(p, f, item, &s, end, &hi))
				return -1;
			if (hi < lo)
				return fail(p, "%s: range '%s' goes backwards", f->name,
					    vis(vb, item, (size_t)(end - item)));
			ranged = 1;
		}
	}
	if (s < end && *s == '/') {
		const char *d = ++s;
		long v = 0;

		for (; s < end && *s >= '0' && *s <= '9'; s++)
			if (v <= 1000)
				v = v * 10 + (*s - '0');
		if (s == d || s != end)
			return fail(p, "%s: bad step in '%s' (expected /NUMBER)", f->name,
				    vis(vb, item, (size_t)(end - item)));
		if (v < 1 || v > f->max)
			return fail(p, "%s: step %ld in '%s' is out of range (1..%d)", f->name, v,
				    vis(vb, item, (size_t)(end - item)), f->max);
		step = (int)v;
		if (!ranged)
			hi = f->max; /* "a/n": from a to the end */
	}
	if (s != end)
		return fail(p, "%s: unexpected '%s' (expected *, N, N-M, a step /N, or a comma list)",
			    f->name, vis(vb, s, (size_t)(end - s)));
	for (int v = lo; v <= hi; v += step)
		*bits |= 1ull << v;
	return 0;
}

static int parse_field(struct parser *p, int which, const char *s, size_t len, uint64_t *bits)
{
	const struct field_def *f = &fields[which];
	const char *end = s + len;

	*bits = 0;
	for (;;) {
		const char *comma = memchr(s, ',', (size_t)(end - s));
		const char *e = comma ? comma : end;

		if (parse_item(p, f, s, e, bits))
			return -1;
		if (!comma)
			break;
		s = comma + 1;
	}
	if (which == F_DOW && (*bits & (1ull << 7)))
		*bits = (*bits & ~(1ull << 7)) | 1u; /* 7 is Sunday too */
	return 0;
}

/* "m h dom mon dow" at s; *rest points after the fifth field. */
static int parse_times(struct parser *p, const char *s, const char *end, struct cron_entry *e,
		       const char **rest)
{
	uint64_t bits[N_FIELDS];

	for (int i = 0; i < N_FIELDS; i++) {
		const char *t;

		while (s < end && is_space(*s))
			s++;
		if (s == end)
			return fail(p, "expected 5 time fields and a command, found %d field%s", i,
				    i == 1 ? "" : "s");
		for (t = s; t < end && !is_space(*t); t++)
			;
		if (parse_field(p, i, s, (size_t)(t - s), &bits[i]))
			return -1;
		if (i == F_DOM && *s == '*')
			e->flags |= CRON_DOM_STAR;
		if (i == F_DOW && *s == '*')
			e->flags |= CRON_DOW_STAR;
		s = t;
	}
	e->minute = bits[F_MIN];
	e->hour = (uint32_t)bits[F_HOUR];
	e->dom = (uint32_t)bits[F_DOM];
	e->month = (uint16_t)bits[F_MON];
	e->dow = (uint8_t)bits[F_DOW];
	*rest = s;
	return 0;
}

/* ---- lines ---- */

static int add_env(struct parser *p, const char *s, const char *end)
{
	char vb[VIS_MAX + 4];
	const char *name = s, *v;
	size_t namelen, vlen;
	char *str;

	while (s < end && ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
			   *s == '_'))
		s++;
	namelen = (size_t)(s - name);
	while (s < end && is_space(*s))
		s++;
	if (s == end || *s != '=')
		return fail(p,
			    "'%s' is neither a job (5 time fields or @macro, then a command) nor NAME=value",
			    vis(vb, name, (size_t)(end - name)));
	for (v = s + 1; v < end && is_space(*v); v++)
		;
	vlen = (size_t)(end - v);
	if (vlen >= 2 && (v[0] == '"' || v[0] == '\'') && v[vlen - 1] == v[0]) {
		v++;
		vlen -= 2;
	}
	for (size_t i = 0; i < vlen; i++)
		if ((unsigned char)v[i] < 0x20 && v[i] != '\t')
			return fail(p, "%.*s: value contains a control character", (int)namelen, name);
	str = malloc(namelen + vlen + 2);
	if (!str)
		return fail(p, "out of memory");
	memcpy(str, name, namelen);
	str[namelen] = '=';
	memcpy(str + namelen + 1, v, vlen);
	str[namelen + 1 + vlen] = '\0';
	for (size_t i = 0; i < p->n_env; i++)
		if (p->env[i].namelen == namelen && !strncmp(p->env[i].s, name, namelen)) {
			free(p->env[i].s); /* a later line overrides for the jobs after it */
			p->env[i].s = str;
			return 0;
		}
	if (p->n_env == CRON_MAX_ENV) {
		free(str);
		return fail(p, "too many environment variables (at most %d)", CRON_MAX_ENV);
	}
	p->env[p->n_env++] = (struct env_var){.s = str, .namelen = namelen};
	return 0;
}

static int add_job(struct parser *p, struct cron_entry *e, const char *cmd, const char *end)
{
	size_t len;

	while (cmd < end && is_space(*cmd))
		cmd++;
	len = (size_t)(end - cmd);
	if (len == 0)
		return fail(p, "missing command after the time fields");
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)cmd[i] < 0x20 && cmd[i] != '\t')
			return fail(p, "command contains a control character");
	if (p->ct.n == CRON_MAX_JOBS)
		return fail(p, "too many jobs (at most %d)", CRON_MAX_JOBS);
	e->line = p->line;
	e->command = strndup(cmd, len);
	e->env = calloc(p->n_env + 1, sizeof(char *));
	if (!e->command || !e->env) {
		free(e->command);
		free(e->env);
		return fail(p, "out of memory");
	}
	p->ct.jobs[p->ct.n++] = *e; /* owned by ct from here on */
	for (size_t i = 0; i < p->n_env; i++) {
		e->env[i] = strdup(p->env[i].s);
		if (!e->env[i])
			return fail(p, "out of memory");
	}
	return 0;
}

static int parse_line(struct parser *p, const char *s, const char *end)
{
	struct cron_entry e = {0};
	char vb[VIS_MAX + 4];
	const char *rest;

	while (s < end && is_space(*s))
		s++;
	while (end > s && is_space(end[-1]))
		end--;
	if (s == end || *s == '#')
		return 0;
	if ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_')
		return add_env(p, s, end);
	if (*s == '@') {
		const char *t = s;
		size_t i, n = sizeof(macros) / sizeof(macros[0]);

		while (t < end && !is_space(*t))
			t++;
		for (i = 0; i < n; i++)
			if (strlen(macros[i].name) == (size_t)(t - s) &&
			    !strncmp(s, macros[i].name, (size_t)(t - s)))
				break;
		if (i == n)
			return fail(p,
				    "unknown macro '%s' (use @reboot, @yearly, @annually, @monthly, @weekly, "
				    "@daily, @midnight, @hourly or @every_minute)",
				    vis(vb, s, (size_t)(t - s)));
		if (macros[i].fields) {
			if (parse_times(p, macros[i].fields, macros[i].fields + strlen(macros[i].fields), &e,
					&rest))
				return -1;
		} else {
			e.flags = CRON_REBOOT;
		}
		return add_job(p, &e, t, end);
	}
	if (parse_times(p, s, end, &e, &rest))
		return -1;
	return add_job(p, &e, rest, end);
}

void crontab_free(struct crontab *ct)
{
	for (size_t i = 0; i < ct->n; i++) {
		for (char **v = ct->jobs[i].env; v && *v; v++)
			free(*v);
		free(ct->jobs[i].env);
		free(ct->jobs[i].command);
	}
	free(ct->jobs);
	ct->jobs = NULL;
	ct->n = 0;
}

int crontab_parse_buf(const char *name, const char *buf, size_t len, struct crontab *ct, char *err,
		      size_t errlen)
{
	struct parser *p = calloc(1, sizeof(*p));
	const char *s = buf, *end = buf + len;
	int rc = -1;

	ct->jobs = NULL;
	ct->n = 0;
	if (err && errlen)
		err[0] = '\0';
	if (!p || !(p->ct.jobs = calloc(CRON_MAX_JOBS, sizeof(struct cron_entry)))) {
		if (err && errlen)
			snprintf(err, errlen, "%s:0: out of memory", name);
		free(p);
		return -1;
	}
	p->name = name;
	p->err = err;
	p->errlen = errlen;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);

		p->line++;
		if (memchr(s, '\0', n)) {
			fail(p, "NUL byte in the file (is it a binary file?)");
			goto out;
		}
		if (n > CRON_LINE_MAX) {
			fail(p, "line too long (%zu characters, max %d)", n, CRON_LINE_MAX);
			goto out;
		}
		if (parse_line(p, s, s + n))
			goto out;
		s += n + (nl ? 1 : 0);
	}
	*ct = p->ct;
	p->ct = (struct crontab){0};
	rc = 0;
out:
	crontab_free(&p->ct);
	for (size_t i = 0; i < p->n_env; i++)
		free(p->env[i].s);
	free(p);
	return rc;
}

int crontab_parse_file(const char *path, struct crontab *ct, char *err, size_t errlen)
{
	char *buf;
	size_t len;

	ct->jobs = NULL;
	ct->n = 0;
	if (!err)
		errlen = 0;
	if (text_file_read(path, CRON_FILE_MAX, &buf, &len, err, errlen) < 0)
		return -1;
	int rc = crontab_parse_buf(path, buf, len, ct, err, errlen);
	free(buf);
	return rc;
}

/* ---- matching ---- */

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
	static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return m == 2 && is_leap(y) ? 29 : d[m - 1];
}

/* Sunday = 0 (Sakamoto's method, Gregorian calendar) */
static int weekday(int y, int m, int d)
{
	static const int t[] = {0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};

	if (m < 3)
		y--;
	return (y + y / 4 - y / 100 + y / 400 + t[m - 1] + d) % 7;
}

static int day_ok(const struct cron_entry *e, int y, int m, int d)
{
	int dom = (e->dom >> d) & 1, dow = (e->dow >> weekday(y, m, d)) & 1;

	/* cron's rule: both restricted = either one; else both (a star's
	 * bits are all set) */
	if (e->flags & (CRON_DOM_STAR | CRON_DOW_STAR))
		return dom && dow;
	return dom || dow;
}

int crontab_match(const struct cron_entry *e, const struct tm *tm)
{
	if (e->flags & CRON_REBOOT)
		return 0;
	return ((e->minute >> tm->tm_min) & 1) && ((e->hour >> tm->tm_hour) & 1) &&
	       ((e->month >> (tm->tm_mon + 1)) & 1) &&
	       day_ok(e, tm->tm_year + 1900, tm->tm_mon + 1, tm->tm_mday);
}

struct civil {
	int y, mo, d, h, mi; /* mo 1..12, d 1..31 */
};

/* Carry an overflowed field into the next one up. */
static void normalize(struct civil *c)
{
	if (c->mi > 59) {
		c->mi = 0;
		c->h++;
	}
	if (c->h > 23) {
		c->h = 0;
		c->d++;
	}
	if (c->mo > 12) { /* skipped past December */
		c->mo = 1;
		c->y++;
	}
	if (c->d > month_days(c->y, c->mo)) {
		c->d = 1;
		c->mo++;
	}
	if (c->mo > 12) {
		c->mo = 1;
		c->y++;
	}
}

/* Walks the calendar (civil time, no clock or zone involved) a field at a
 * time, then turns the match into a time_t with the local zone. A local
 * time that does not exist (DST gap) is skipped; one that repeats runs
 * once. */
time_t crontab_next(const struct cron_entry *e, time_t after)
{
	struct tm tm;
	struct civil c;
	int last_year;

	if ((e->flags & CRON_REBOOT) || !e->minute || !e->hour || !e->dom || !e->month ||
	    !localtime_r(&after, &tm))
		return (time_t)-1;
	c = (struct civil){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min + 1};
	normalize(&c);
	last_year = c.y + CRON_SEARCH_YEARS;
	while (c.y <= last_year) {
		struct tm want;
		time_t t;

		if (!((e->month >> c.mo) & 1)) {
			c.mo++;
			c.d = 1;
			c.h = c.mi = 0;
		} else if (!day_ok(e, c.y, c.mo, c.d)) {
			c.d++;
			c.h = c.mi = 0;
		} else if (!((e->hour >> c.h) & 1)) {
			c.h++;
			c.mi = 0;
		} else if (!((e->minute >> c.mi) & 1)) {
			c.mi++;
		} else {
			want = (struct tm){.tm_year = c.y - 1900,
					   .tm_mon = c.mo - 1,
					   .tm_mday = c.d,
					   .tm_hour = c.h,
					   .tm_min = c.mi,
					   .tm_isdst = -1};
			t = mktime(&want);
			if (t != (time_t)-1 && t > after && want.tm_hour == c.h && want.tm_min == c.mi &&
			    want.tm_mday == c.d)
				return t;
			c.mi++;
		}
		normalize(&c);
	}
	return (time_t)-1;
}
