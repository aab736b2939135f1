/* crontab: every field form, macros, environment lines, every error with
 * its line, and the next run across month and year ends and leap years,
 * checked against a minute-by-minute search. Times are UTC unless a test
 * sets another zone. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "crontab.h"

static void set_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

/* "YYYY-MM-DD HH:MM" in the current zone */
static time_t T(const char *s)
{
	struct tm tm = {0};

	if (!strptime(s, "%Y-%m-%d %H:%M", &tm))
		return (time_t)-2;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

static const char *fmt(time_t t, char *buf, size_t n)
{
	struct tm tm;

	if (t == (time_t)-1) {
		snprintf(buf, n, "never");
		return buf;
	}
	localtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%d %H:%M", &tm);
	return buf;
}

static int parse(const char *text, struct crontab *ct, char *err, size_t errlen)
{
	return crontab_parse_buf("t.cron", text, strlen(text), ct, err, errlen);
}

/* one job line -> entry (the crontab is kept in *ct for freeing) */
static const struct cron_entry *one(const char *line, struct crontab *ct)
{
	char err[256] = "";

	if (parse(line, ct, err, sizeof(err)) != 0 || ct->n != 1) {
		fprintf(stderr, "  parse '%s': %s\n", line, err);
		CHECK(0);
		return NULL;
	}
	return &ct->jobs[0];
}

static uint64_t bits(const int *v, int n)
{
	uint64_t b = 0;

	for (int i = 0; i < n; i++)
		b |= 1ull << v[i];
	return b;
}
#define BITS(...) bits((const int[]){__VA_ARGS__}, sizeof((const int[]){__VA_ARGS__}) / sizeof(int))

static void test_fields(void)
{
	struct crontab ct;
	const struct cron_entry *e;

	e = one("* * * * * /bin/true", &ct);
	if (e) {
		CHECK_EQ(e->minute, (1ull << 60) - 1);
		CHECK_EQ(e->hour, (1u << 24) - 1);
		CHECK_EQ(e->dom, 0xfffffffeu);
		CHECK_EQ(e->month, 0x1ffe);
		CHECK_EQ(e->dow, 0x7f);
		CHECK_EQ(e->flags, CRON_DOM_STAR | CRON_DOW_STAR);
		CHECK_STR(e->command, "/bin/true");
		CHECK_EQ(e->line, 1u);
		CHECK(e->env && e->env[0] == NULL);
	}
	crontab_free(&ct);

	e = one("*/15 0-6/2 1,15 jan-mar,Dec MON-fri /usr/bin/x  --a  'b c' 100% done", &ct);
	if (e) {
		CHECK_EQ(e->minute, BITS(0, 15, 30, 45));
		CHECK_EQ(e->hour, BITS(0, 2, 4, 6));
		CHECK_EQ(e->dom, BITS(1, 15));
		CHECK_EQ(e->month, BITS(1, 2, 3, 12));
		CHECK_EQ(e->dow, BITS(1, 2, 3, 4, 5));
		CHECK_EQ(e->flags, 0u);
		/* the command is kept as written; '%' is not special */
		CHECK_STR(e->command, "/usr/bin/x  --a  'b c' 100% done");
	}
	crontab_free(&ct);

	e = one("5/20 23 31 2 7 x", &ct);
	if (e) {
		CHECK_EQ(e->minute, BITS(5, 25, 45)); /* a/n runs to the end */
		CHECK_EQ(e->hour, BITS(23));
		CHECK_EQ(e->dom, BITS(31));
		CHECK_EQ(e->month, BITS(2));
		CHECK_EQ(e->dow, BITS(0)); /* 7 is Sunday */
	}
	crontab_free(&ct);

	e = one("0-59/30,7 1-1 */10 * 5-7 x", &ct);
	if (e) {
		CHECK_EQ(e->minute, BITS(0, 30, 7));
		CHECK_EQ(e->hour, BITS(1));
		CHECK_EQ(e->dom, BITS(1, 11, 21, 31));
		CHECK_EQ(e->dow, BITS(0, 5, 6));
		CHECK_EQ(e->flags, CRON_DOM_STAR); /* "*" + "/10" still counts as a star */
	}
	crontab_free(&ct);

	e = one("* * * * */2 x", &ct);
	if (e) {
		CHECK_EQ(e->dow, BITS(0, 2, 4, 6));
		CHECK_EQ(e->flags, CRON_DOM_STAR | CRON_DOW_STAR);
	}
	crontab_free(&ct);
}

static void test_macros(void)
{
	static const struct {
		const char *line, *same;
	} m[] = {
	    {"@yearly x", "0 0 1 1 * x"}, {"@annually x", "0 0 1 1 * x"},     {"@monthly x", "0 0 1 * * x"},
	    {"@weekly x", "0 0 * * 0 x"}, {"@daily x", "0 0 * * * x"},	      {"@midnight x", "0 0 * * * x"},
	    {"@hourly x", "0 * * * * x"}, {"@every_minute x", "* * * * * x"},
	};
	struct crontab a, b;

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		const struct cron_entry *x = one(m[i].line, &a), *y = one(m[i].same, &b);

		if (x && y) {
			CHECK_EQ(x->minute, y->minute);
			CHECK_EQ(x->hour, y->hour);
			CHECK_EQ(x->dom, y->dom);
			CHECK_EQ(x->month, y->month);
			CHECK_EQ(x->dow, y->dow);
			CHECK_EQ(x->flags, y->flags);
			CHECK_STR(x->command, "x");
		}
		crontab_free(&a);
		crontab_free(&b);
	}
	const struct cron_entry *r = one("  @reboot   /usr/lib/twin/warm-cache --all  ", &a);
	if (r) {
		CHECK_EQ(r->flags, CRON_REBOOT);
		CHECK_STR(r->command, "/usr/lib/twin/warm-cache --all");
		CHECK_EQ(crontab_next(r, T("2024-01-01 00:00")), (time_t)-1);
	}
	crontab_free(&a);
}

static void test_file_layout(void)
{
	static const char text[] = "# active-only jobs\r\n"
				   "\n"
				   "   # indented comment\n"
				   "PATH=/usr/sbin:/usr/bin\n"
				   "MAILTO = \"admin@example.org\"\n"
				   "*/5 * * * * backup --quick\r\n"
				   "GREETING='hello world'\n"
				   "PATH=/opt/bin\n"
				   "\t@daily\trotate\t\n"
				   "EMPTY=\n"
				   "0 3 * * sun report"; /* no final newline */
	struct crontab ct;
	char err[256] = "x";

	CHECK_EQ(parse(text, &ct, err, sizeof(err)), 0);
	CHECK_STR(err, "");
	CHECK_EQ(ct.n, 3u);
	if (ct.n != 3)
		return;
	CHECK_STR(ct.jobs[0].command, "backup --quick");
	CHECK_EQ(ct.jobs[0].line, 6u);
	CHECK_STR(ct.jobs[0].env[0], "PATH=/usr/sbin:/usr/bin");
	CHECK_STR(ct.jobs[0].env[1], "MAILTO=admin@example.org");
	CHECK(ct.jobs[0].env[2] == NULL);
	CHECK_STR(ct.jobs[1].command, "rotate");
	CHECK_EQ(ct.jobs[1].line, 9u);
	CHECK_STR(ct.jobs[1].env[0], "PATH=/opt/bin"); /* overridden in place */
	CHECK_STR(ct.jobs[1].env[1], "MAILTO=admin@example.org");
	CHECK_STR(ct.jobs[1].env[2], "GREETING=hello world");
	CHECK(ct.jobs[1].env[3] == NULL);
	CHECK_STR(ct.jobs[2].command, "report");
	CHECK_EQ(ct.jobs[2].line, 11u);
	CHECK_STR(ct.jobs[2].env[3], "EMPTY=");
	CHECK_EQ(ct.jobs[2].dow, BITS(0));
	crontab_free(&ct);
	crontab_free(&ct); /* twice is harmless */

	CHECK_EQ(parse("", &ct, err, sizeof(err)), 0);
	CHECK_EQ(ct.n, 0u);
	crontab_free(&ct);
	CHECK_EQ(parse("# only\nA=1\n", &ct, err, sizeof(err)), 0);
	CHECK_EQ(ct.n, 0u);
	crontab_free(&ct);
}

static const struct {
	const char *text, *expect;
} bads[] = {
    {"61 * * * * x", "t.cron:1: minute: 61 is out of range (0..59)"},
    {"* 24 * * * x", "t.cron:1: hour: 24 is out of range (0..23)"},
    {"* * 0 * * x", "t.cron:1: day-of-month: 0 is out of range (1..31)"},
    {"* * 32 * * x", "t.cron:1: day-of-month: 32 is out of range (1..31)"},
    {"* * * 13 * x", "t.cron:1: month: 13 is out of range (1..12)"},
    {"* * * 0 * x", "t.cron:1: month: 0 is out of range (1..12)"},
    {"* * * foo * x", "t.cron:1: month: 'foo' is not a number or a name (1..12, jan..dec)"},
    {"* * * janu * x", "t.cron:1: month: 'janu' is not a number or a name (1..12, jan..dec)"},
    {"* * * * 8 x", "t.cron:1: day-of-week: 8 is out of range (0..7)"},
    {"* * * * sunday x", "t.cron:1: day-of-week: 'sunday' is not a number or a name (0..7, sun..sat)"},
    {"* * * * sat-sun x", "t.cron:1: day-of-week: range 'sat-sun' goes backwards"},
    {"* mon * * * x", "t.cron:1: hour: 'mon' is not a number (0..23)"},
    {"99999999999999999999 * * * * x", "t.cron:1: minute: 99999999999999999999 is out of range (0..59)"},
    {"5-1 * * * * x", "t.cron:1: minute: range '5-1' goes backwards"},
    {"*/0 * * * * x", "t.cron:1: minute: step 0 in '*/0' is out of range (1..59)"},
    {"*/60 * * * * x", "t.cron:1: minute: step 60 in '*/60' is out of range (1..59)"},
    {"*/ * * * * x", "t.cron:1: minute: bad step in '*/' (expected /NUMBER)"},
    {"*/5x * * * * x", "t.cron:1: minute: bad step in '*/5x' (expected /NUMBER)"},
    {"1,,2 * * * * x", "t.cron:1: minute: empty item in the list"},
    {"1, * * * * x", "t.cron:1: minute: empty item in the list"},
    {",1 * * * * x", "t.cron:1: minute: empty item in the list"},
    {"1-2-3 * * * * x", "t.cron:1: minute: unexpected '-3' (expected *, N, N-M, a step /N, or a comma list)"},
    {"*x * * * * x", "t.cron:1: minute: unexpected 'x'"},
    {"** * * * * x", "t.cron:1: minute: unexpected '*'"},
    {"1- * * * * x", "t.cron:1: minute: a number is missing in '1-' (0..59)"},
    {"-1 * * * * x", "t.cron:1: minute: a number is missing in '-1' (0..59)"},
    {"*/5,/5 * * * * x", "t.cron:1: minute: a number is missing in '/5' (0..59)"},
    {"* * * 1-x * x", "t.cron:1: month: 'x' is not a number or a name (1..12, jan..dec)"},
    {"* * * * *", "t.cron:1: missing command after the time fields"},
    {"* * * * *   ", "t.cron:1: missing command after the time fields"},
    {"* * * *", "t.cron:1: expected 5 time fields and a command, found 4 fields"},
    {"*", "t.cron:1: expected 5 time fields and a command, found 1 field"},
    {"@weird x", "t.cron:1: unknown macro '@weird' (use @reboot, @yearly"},
    {"@", "t.cron:1: unknown macro '@'"},
    {"@Daily x", "t.cron:1: unknown macro '@Daily'"},
    {"@daily", "t.cron:1: missing command after the time fields"},
    {"@reboot  \t", "t.cron:1: missing command after the time fields"},
    {"FOO", "t.cron:1: 'FOO' is neither a job (5 time fields or @macro, then a command) nor NAME=value"},
    {"FOO-BAR=1", "t.cron:1: 'FOO-BAR=1' is neither a job"},
    {"jan * * * * x", "t.cron:1: 'jan * * * * x' is neither a job"},
    {"A=\"x\x01\"", "t.cron:1: A: value contains a control character"},
    {"* * * * * a\x02z", "t.cron:1: command contains a control character"},
    /* line numbers count comments, blank lines and CRLF lines */
    {"# c\n\r\nA=1\n* * * * * ok\n0 0 * * * ok\n0 0 0 * * bad\n",
     "t.cron:6: day-of-month: 0 is out of range"},
};

static void test_bad(void)
{
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		struct crontab ct = {(void *)1, 99};
		char err[256] = "";

		CHECK_EQ(parse(bads[i].text, &ct, err, sizeof(err)), -1);
		if (!strstr(err, bads[i].expect))
			fprintf(stderr, "  case %zu: %s\n    want: %s\n    got:  %s\n", i, bads[i].text,
				bads[i].expect, err);
		CHECK_CONTAINS(err, bads[i].expect);
		CHECK(ct.jobs == NULL && ct.n == 0); /* nothing half-made is handed out */
	}
}

static void test_bad_bytes(void)
{
	static const char nul[] = "* * * * * a\n* * * * * a\0b\n";
	struct crontab ct;
	char err[256], *big = malloc(200000);
	size_t n = 0, i;

	CHECK_EQ(crontab_parse_buf("t.cron", nul, sizeof(nul) - 1, &ct, err, sizeof(err)), -1);
	CHECK_STR(err, "t.cron:2: NUL byte in the file (is it a binary file?)");

	/* 1024 characters fit, 1025 do not */
	n = (size_t)snprintf(big, 200000, "* * * * * ");
	while (n < 1024)
		big[n++] = 'x';
	big[n] = '\0';
	CHECK_EQ(parse(big, &ct, err, sizeof(err)), 0);
	CHECK_EQ(strlen(ct.jobs[0].command), 1024u - 10);
	crontab_free(&ct);
	memcpy(big + n, "x", 2);
	CHECK_EQ(parse(big, &ct, err, sizeof(err)), -1);
	CHECK_STR(err, "t.cron:1: line too long (1025 characters, max 1024)");

	/* 64 jobs fit, 65 do not */
	n = 0;
	for (i = 0; i < CRON_MAX_JOBS; i++)
		n += (size_t)snprintf(big + n, 200000 - n, "%zu * * * * job%zu\n", i % 60, i);
	CHECK_EQ(parse(big, &ct, err, sizeof(err)), 0);
	CHECK_EQ(ct.n, (size_t)CRON_MAX_JOBS);
	CHECK_STR(ct.jobs[63].command, "job63");
	crontab_free(&ct);
	snprintf(big + n, 200000 - n, "@hourly one-too-many\n");
	CHECK_EQ(parse(big, &ct, err, sizeof(err)), -1);
	CHECK_STR(err, "t.cron:65: too many jobs (at most 64)");

	/* 32 variables fit (and may be set again), 33 do not */
	n = 0;
	for (i = 0; i < CRON_MAX_ENV; i++)
		n += (size_t)snprintf(big + n, 200000 - n, "V%zu=%zu\n", i, i);
	n += (size_t)snprintf(big + n, 200000 - n, "V0=again\n@daily x\n");
	CHECK_EQ(parse(big, &ct, err, sizeof(err)), 0);
	if (ct.n == 1) {
		CHECK_STR(ct.jobs[0].env[0], "V0=again");
		CHECK_STR(ct.jobs[0].env[31], "V31=31");
	}
	crontab_free(&ct);
	snprintf(big + n, 200000 - n, "W=1\n");
	CHECK_EQ(parse(big, &ct, err, sizeof(err)), -1);
	CHECK_STR(err, "t.cron:35: too many environment variables (at most 32)");

	/* a tiny err buffer is cut, never overrun */
	char small[10];
	CHECK_EQ(parse("61 * * * * x", &ct, small, sizeof(small)), -1);
	CHECK_STR(small, "t.cron:1:");
	CHECK_EQ(parse("61 * * * * x", &ct, NULL, 0), -1);
	free(big);
}

static void test_file(void)
{
	char dir[] = "/tmp/twin-cron-XXXXXX", path[64], err[256];
	struct crontab ct;
	FILE *f;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/jobs", dir);
	CHECK_EQ(crontab_parse_file(path, &ct, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "/jobs:0: cannot open: No such file or directory");
	CHECK_EQ(crontab_parse_file(dir, &ct, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, ":0: is a directory");
	f = fopen(path, "w");
	if (f) {
		fputs("@hourly a\n*/2 * * * * b\n0 0 1 1 * c d\n", f);
		fclose(f);
	}
	CHECK_EQ(crontab_parse_file(path, &ct, err, sizeof(err)), 0);
	CHECK_EQ(ct.n, 3u);
	crontab_free(&ct);
	f = fopen(path, "a");
	if (f) {
		fputs("0 0 1 1 1 1 ok\n0 0 1 1\n", f);
		fclose(f);
	}
	CHECK_EQ(crontab_parse_file(path, &ct, err, sizeof(err)), -1);
	{
		char want[128];

		snprintf(want, sizeof(want), "%s:5: expected 5 time fields and a command, found 4 fields",
			 path);
		CHECK_STR(err, want);
	}
	CHECK_EQ(truncate(path, CRON_FILE_MAX + 1), 0);
	CHECK_EQ(crontab_parse_file(path, &ct, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, ":0: file too large (262145 bytes, max 262144)");
	unlink(path);
	rmdir(dir);
}

/* expr, after, expected next run */
static const struct {
	const char *expr, *after, *next;
} nexts[] = {
    {"* * * * *", "2024-05-01 12:00", "2024-05-01 12:01"},
    {"* * * * *", "2024-12-31 23:59", "2025-01-01 00:00"},
    {"0 0 1 * *", "2024-01-31 10:00", "2024-02-01 00:00"},
    {"0 0 1 * *", "2024-02-01 00:00", "2024-03-01 00:00"},
    {"0 0 31 * *", "2024-01-31 00:00", "2024-03-31 00:00"}, /* Feb has none */
    {"0 0 31 * *", "2024-03-31 00:00", "2024-05-31 00:00"}, /* nor April */
    {"0 0 30 * *", "2024-01-30 00:00", "2024-03-30 00:00"},
    {"59 23 31 12 *", "2024-12-31 23:59", "2025-12-31 23:59"},
    {"0 0 1 1 *", "2024-06-01 00:00", "2025-01-01 00:00"},
    {"0 12 29 2 *", "2023-03-01 00:00", "2024-02-29 12:00"},
    {"0 12 29 2 *", "2024-02-29 12:00", "2028-02-29 12:00"},
    {"0 12 29 2 *", "2096-03-01 00:00", "2104-02-29 12:00"}, /* 2100 is no leap year */
    {"0 12 29 2 *", "1999-03-01 00:00", "2000-02-29 12:00"}, /* 2000 is */
    {"0 0 28 2 *", "2023-02-28 00:00", "2024-02-28 00:00"},
    {"0 0 1 3 *", "2024-02-28 12:00", "2024-03-01 00:00"},
    {"0 0 * 3 *", "2024-02-28 12:00", "2024-03-01 00:00"},
    {"0 0 * * *", "2024-02-28 12:00", "2024-02-29 00:00"},
    {"0 0 * * *", "2023-02-28 12:00", "2023-03-01 00:00"},
    {"*/15 * * * *", "2024-05-01 12:44", "2024-05-01 12:45"},
    {"*/15 * * * *", "2024-05-01 23:45", "2024-05-02 00:00"},
    {"30 4 1,15 * 5", "2024-03-01 05:00", "2024-03-08 04:30"}, /* either rule: Friday 8th */
    {"30 4 1,15 * 5", "2024-03-08 04:30", "2024-03-15 04:30"}, /* the 15th (also a Friday) */
    {"30 4 1,15 * 5", "2024-03-29 04:30", "2024-04-01 04:30"}, /* the 1st, a Monday */
    {"0 0 */2 * 1", "2024-01-01 00:00", "2024-01-15 00:00"},   /* star: both (odd day and Monday) */
    {"0 0 * * 0", "2024-05-01 00:00", "2024-05-05 00:00"},
    {"0 0 * * 7", "2024-05-01 00:00", "2024-05-05 00:00"},
    {"0 0 13 * 5", "2024-09-01 00:00", "2024-09-06 00:00"}, /* any Friday or any 13th */
    {"0 0 13 * 5", "2024-09-06 00:00", "2024-09-13 00:00"},
    {"0 9 * feb mon", "2024-01-15 00:00", "2024-02-05 09:00"},
    {"0 9 * * mon-fri", "2024-05-03 09:00", "2024-05-06 09:00"}, /* Friday -> Monday */
    {"@hourly x", "2024-05-01 10:59", "2024-05-01 11:00"},
    {"@monthly x", "2024-12-15 00:00", "2025-01-01 00:00"},
    {"@weekly x", "2024-12-29 00:00", "2025-01-05 00:00"},
    {"0 0 30 2 *", "2024-01-01 00:00", "never"},
    {"0 0 31 4,6,9,11 *", "2024-01-01 00:00", "never"},
};

static void test_next(void)
{
	char a[32], b[32];

	for (size_t i = 0; i < sizeof(nexts) / sizeof(nexts[0]); i++) {
		char line[128];
		struct crontab ct;
		const struct cron_entry *e;
		time_t got;

		snprintf(line, sizeof(line), "%s%s", nexts[i].expr, nexts[i].expr[0] == '@' ? "" : " x");
		e = one(line, &ct);
		if (!e)
			continue;
		got = crontab_next(e, T(nexts[i].after));
		fmt(got, a, sizeof(a));
		if (strcmp(a, nexts[i].next))
			fprintf(stderr, "  next('%s', %s): want %s, got %s\n", nexts[i].expr, nexts[i].after,
				nexts[i].next, a);
		CHECK_STR(a, nexts[i].next);
		/* seconds into the minute do not matter; the result is strictly later */
		got = crontab_next(e, T(nexts[i].after) + 59);
		CHECK_STR(fmt(got, b, sizeof(b)), a);
		crontab_free(&ct);
	}
}

/* crontab_next agrees with trying every minute with crontab_match. */
static void test_next_brute(void)
{
	static const char *const exprs[] = {
	    "*/7 3-5 * * *", "0 0 13 * 5",	    "15 */6 1-7 * 1",	  "0 0 29,30,31 * *",
	    "5 4 * 2 *",     "0 12 1,15 jan,jul *", "*/20 * * * sat,sun", "59 23 28-31 * *",
	};
	static const char *const starts[] = {"2023-12-25 00:00", "2024-02-26 13:37", "2099-12-30 23:00"};

	for (size_t i = 0; i < sizeof(exprs) / sizeof(exprs[0]); i++) {
		char line[64];
		struct crontab ct;
		const struct cron_entry *e;

		snprintf(line, sizeof(line), "%s x", exprs[i]);
		e = one(line, &ct);
		if (!e)
			continue;
		for (size_t s = 0; s < sizeof(starts) / sizeof(starts[0]); s++) {
			time_t t = T(starts[s]), want = -1, got;
			int ok = 1;

			/* the next 10 runs, each within 60 days */
			for (int run = 0; run < 10 && ok && t != -1; run++) {
				want = -1;
				for (time_t m = t + 60; m < t + 60 * 86400; m += 60) {
					struct tm tm;

					gmtime_r(&m, &tm);
					if (crontab_match(e, &tm)) {
						want = m;
						break;
					}
				}
				got = crontab_next(e, t);
				/* none within the window: later is right */
				ok = want != -1 ? got == want : got == -1 || got >= t + 60 * 86400;
				if (want == -1)
					got = -1;
				if (!ok) {
					char a[32], b[32], c[32];

					fprintf(stderr, "  brute '%s' after %s: want %s got %s\n", exprs[i],
						fmt(t, a, sizeof(a)), fmt(want, b, sizeof(b)),
						fmt(got, c, sizeof(c)));
				}
				t = got;
			}
			CHECK(ok);
		}
		crontab_free(&ct);
	}
}

static void test_match(void)
{
	struct crontab ct;
	const struct cron_entry *e = one("30 4 1,15 * 5 x", &ct);
	struct tm tm = {.tm_year = 124, .tm_mon = 2, .tm_mday = 8, .tm_hour = 4, .tm_min = 30};

	if (!e)
		return;
	CHECK_EQ(crontab_match(e, &tm), 1); /* Friday 2024-03-08 */
	tm.tm_min = 31;
	CHECK_EQ(crontab_match(e, &tm), 0);
	tm.tm_min = 30;
	tm.tm_mday = 7; /* Thursday, not the 1st or 15th */
	CHECK_EQ(crontab_match(e, &tm), 0);
	tm.tm_mday = 15;
	CHECK_EQ(crontab_match(e, &tm), 1);
	tm.tm_hour = 5;
	CHECK_EQ(crontab_match(e, &tm), 0);
	crontab_free(&ct);
}

/* Not required to be clever about DST, but it must not loop or go back:
 * 02:30 does not exist on 2024-03-31 in central Europe. */
static void test_dst(void)
{
	struct crontab ct;
	const struct cron_entry *e;
	char a[32];

	set_tz("CET-1CEST,M3.5.0,M10.5.0/3");
	e = one("30 2 * * * x", &ct);
	if (e) {
		CHECK_STR(fmt(crontab_next(e, T("2024-03-30 03:00")), a, sizeof(a)), "2024-04-01 02:30");
		/* 02:30 happens twice on 2024-10-27: once is enough */
		time_t t1 = crontab_next(e, T("2024-10-26 03:00"));
		time_t t2 = crontab_next(e, t1);
		CHECK_STR(fmt(t1, a, sizeof(a)), "2024-10-27 02:30");
		CHECK_STR(fmt(t2, a, sizeof(a)), "2024-10-28 02:30");
	}
	crontab_free(&ct);
	set_tz("UTC0");
}

TEST_MAIN("crontab", {
	set_tz("UTC0");
	test_fields();
	test_macros();
	test_file_layout();
	test_bad();
	test_bad_bytes();
	test_file();
	test_next();
	test_next_brute();
	test_match();
	test_dst();
})
