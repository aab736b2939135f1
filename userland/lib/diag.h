/* twinctl diag: the pre-maintenance checks, pure. They read this node's
 * status reply, the peer's status (which twind asked over the cluster
 * channel, "diag peer") and `bootctl status`, and judge each one OK, WARN
 * or FAIL with what to do; a check that does not apply here (no DRBD, no
 * witness, an unpaired node) says so as N/A, never FAIL. No I/O: the unit
 * test feeds replies directly. Checks and thresholds: twinctl(8), diag. */
#ifndef TWIN_DIAG_H
#define TWIN_DIAG_H

#include <stddef.h>

#include "ctl_proto.h"

/* in order of gravity: the worst one is the command's verdict */
enum diag_verdict { DIAG_NA, DIAG_OK, DIAG_WARN, DIAG_FAIL };

/* twinctl diag's exit codes; 1..3 stay twinctl's own (twinctl.h) */
#define DIAG_EXIT_WARN 4
#define DIAG_EXIT_FAIL 5

#define DIAG_TEXT_MAX 240
#define DIAG_MAX      16

struct diag_check {
	const char *name; /* "drbd", "failover-ip", ... (static) */
	enum diag_verdict verdict;
	char detail[DIAG_TEXT_MAX]; /* what was found */
	char todo[DIAG_TEXT_MAX];   /* what to do about it, "" when nothing */
};

struct diag_limits {
	long long skew_warn_ms, skew_fail_ms;	/* |peer's clock - ours| */
	long long disk_warn_pct, disk_fail_pct; /* free space on disk.path below */
};

#define DIAG_SKEW_WARN_MS  500
#define DIAG_SKEW_FAIL_MS  60000 /* a minute: crontab jobs run twice or not at all */
#define DIAG_DISK_WARN_PCT 10
#define DIAG_DISK_FAIL_PCT 5

struct diag_input {
	const struct ctl_reply *self; /* this node's "status" */
	const struct ctl_reply *peer; /* the peer's "status", NULL when it could not be asked */
	const char *peer_error;	      /* why not (peer NULL), e.g. "peer 10.0.0.2:6941 unreachable" */
	const char *bootctl;	      /* `bootctl status` output, NULL: no A/B slots on this system */
	const char *bootctl_error;    /* bootctl exists but failed: why (then bootctl is NULL) */
};

void diag_limits_default(struct diag_limits *l);
/* Run every check into out[max] (max >= DIAG_MAX); returns how many. */
size_t diag_run(const struct diag_input *in, const struct diag_limits *l, struct diag_check *out, size_t max);
enum diag_verdict diag_worst(const struct diag_check *c, size_t n);
const char *diag_verdict_name(enum diag_verdict v); /* "OK", "N/A", "WARN", "FAIL" */
int diag_exit_code(enum diag_verdict v);	    /* 0, 0, DIAG_EXIT_WARN, DIAG_EXIT_FAIL */

/* --- rendering (diag_render.c) --- */

/* The text report: a line per check (wrapped at width columns, the
 * continuation indented; what to do on its own "-> " lines), then the
 * summary "diag: N OK, N WARN, N FAIL, N n/a: worst FAIL". Malloc'd, NULL
 * when out of memory. */
char *diag_render_text(const struct diag_check *c, size_t n, int width);
/* The same as kv lines for the JSON renderer: check.N.{name,verdict,detail,
 * todo}, summary.{ok,warn,fail,na,worst,exit}. */
void diag_encode(const struct diag_check *c, size_t n, struct ctl_resp *r);
/* The lines of rep whose key starts with prefix ("peer."), prefix cut, as
 * a reply of their own (ok). 0, or -1 (out of memory); free out either way. */
int diag_sub_reply(const struct ctl_reply *rep, const char *prefix, struct ctl_reply *out);

#endif
