/* Crontab parser and matcher for active-only jobs: pure (no I/O but reading
 * the file), see docs/JOBS_AND_HOOKS.md.
 *
 * Format, as cron(5): "minute hour day-of-month month day-of-week command",
 * each field "*", a number, a range "a-b", a step ("*" then "/n" for every
 * n, "a-b/n", or "a/n" from a to the field's end), or a comma list of those; months jan..dec
 * and days sun..sat by name (any case); day-of-week 7 is Sunday too. Macros
 * replace the five fields: @yearly (@annually), @monthly, @weekly, @daily
 * (@midnight), @hourly, @every_minute, and @reboot = "when this node becomes
 * Active". '#' at the start of a line is a comment; "NAME=value" lines set
 * the environment of the jobs after them. Errors are "FILE:LINE: message".
 *
 * Day rule (cron's): when both day-of-month and day-of-week are restricted
 * (neither field starts with '*'), a day matching either one matches. */
#ifndef TWIN_CRONTAB_H
#define TWIN_CRONTAB_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define CRON_MAX_JOBS	  64
#define CRON_MAX_ENV	  32
#define CRON_LINE_MAX	  1024
#define CRON_FILE_MAX	  (256 * 1024)
#define CRON_SEARCH_YEARS 28 /* crontab_next looks this far ahead at most */

#define CRON_DOM_STAR 1u /* day-of-month field started with '*' */
#define CRON_DOW_STAR 2u /* day-of-week field started with '*' */
#define CRON_REBOOT   4u /* @reboot: runs when the node becomes Active */

struct cron_entry {
	uint64_t minute; /* bit n = minute n, 0..59 */
	uint32_t hour;	 /* 0..23 */
	uint32_t dom;	 /* 1..31 */
	uint16_t month;	 /* 1..12 */
	uint8_t dow;	 /* 0..6, Sunday = 0 */
	unsigned flags;	 /* CRON_* */
	unsigned line;	 /* where it was written */
	char *command;	 /* for /bin/sh -c */
	char **env;	 /* "NAME=value" in effect, NULL-terminated, may be empty */
};

struct crontab {
	struct cron_entry *jobs;
	size_t n;
};

/* Parse a buffer; name is used in messages. On success *ct owns its memory
 * (crontab_free); on error *ct is empty and err holds "NAME:LINE: message". */
int crontab_parse_buf(const char *name, const char *buf, size_t len, struct crontab *ct, char *err,
		      size_t errlen);
int crontab_parse_file(const char *path, struct crontab *ct, char *err, size_t errlen);
void crontab_free(struct crontab *ct);

/* Does the entry match this local time (its minute)? @reboot never does. */
int crontab_match(const struct cron_entry *e, const struct tm *tm);
/* The first whole minute strictly after `after` that matches, in local time;
 * (time_t)-1 if none within CRON_SEARCH_YEARS (e.g. "0 0 30 2 *") or for
 * @reboot. */
time_t crontab_next(const struct cron_entry *e, time_t after);

#endif
