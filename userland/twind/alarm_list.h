/* The active alarms and their lifecycle (issue 13): each is raised with a
 * time and a text, stays until its condition clears, and may be
 * acknowledged by the admin (who, when) meanwhile. Pure: the caller passes
 * the time and journals what changed (raise, clear, ack are events). */
#ifndef TWIN_ALARM_LIST_H
#define TWIN_ALARM_LIST_H

#include <stddef.h>
#include <stdint.h>

#define ALARM_MAX      8  /* active alarms kept; a ninth drops the oldest */
#define ALARM_TEXT_MAX 96 /* bytes with the NUL */
#define ALARM_WHO_MAX  32

struct alarm {
	uint64_t id;	      /* 1.., the number `alarm ack N` names; never reused in a run */
	uint64_t raised_ms;   /* CLOCK_REALTIME ms */
	uint64_t raised_mono; /* CLOCK_MONOTONIC ms, for its age */
	int acked;
	uint64_t acked_ms; /* CLOCK_REALTIME ms */
	char acked_by[ALARM_WHO_MAX];
	char text[ALARM_TEXT_MAX];
};

struct alarm_list {
	struct alarm a[ALARM_MAX]; /* in the order raised */
	unsigned n;
	uint64_t last_id;
};

/* Raise text (cut to ALARM_TEXT_MAX - 1). An alarm already active keeps its
 * raise time and acknowledgement: returns 0. A new one returns 1; when the
 * list was full the oldest is moved to *dropped (if given) and 2 returned. */
int alarm_list_set(struct alarm_list *l, const char *text, uint64_t real_ms, uint64_t mono_ms,
		   struct alarm *dropped);
/* Remove every alarm whose text starts with prefix; up to max of them are
 * copied to out (for the journal). Returns how many were removed. */
size_t alarm_list_clear(struct alarm_list *l, const char *prefix, struct alarm *out, size_t max);
/* Acknowledge alarm id ("N") or every unacknowledged one ("all"). Returns
 * how many were newly acknowledged (0: all were already), or -1 when no
 * active alarm has that id or which is neither a number nor "all". */
int alarm_list_ack(struct alarm_list *l, const char *which, const char *who, uint64_t real_ms);
/* The active alarm whose text starts with prefix, or NULL. */
const struct alarm *alarm_list_find(const struct alarm_list *l, const char *prefix);

#endif
