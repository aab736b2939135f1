/* Local health: the health command and the tracked interfaces, watched
 * without ever blocking the daemon's loop.
 *
 * Everything this module waits on (netlink link events, the interval/timeout
 * timer, the running command's pidfd and stderr pipe) sits in an epoll fd of
 * its own; the daemon adds that single, stable fd (health_fd) to its epoll
 * and calls health_dispatch when it is readable.
 *
 * Verdict: healthy when every tracked interface is present, admin-up and has
 * carrier (a dead link fails at once, no fall count) and the health command
 * has not failed health_fall times in a row (it recovers after health_rise
 * successes in a row). The verdict starts healthy; if the initial link dump
 * in health_open already shows a bad link, health_ok() is 0 at once and the
 * fd is readable so that the first dispatch reports it as a change.
 *
 * The daemon must reap only its own children (no waitpid(-1), SIGCHLD not
 * SIG_IGN): the health command is reaped here, through its pidfd. */
#ifndef TWIN_HEALTH_H
#define TWIN_HEALTH_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define HEALTH_REASON_MAX 160

/* --- pure logic, no I/O: the unit test drives these directly --- */

/* fall/rise counting for the health command */
struct health_verdict {
	uint32_t fall, rise; /* thresholds, >= 1 */
	uint32_t fails, oks; /* current run of failures / successes */
	int ok;		     /* current verdict, starts 1 */
};

void health_verdict_init(struct health_verdict *v, uint32_t fall, uint32_t rise);
/* Feed one result (success != 0 = exit 0). Returns 1 if the verdict flipped. */
int health_verdict_feed(struct health_verdict *v, int success);

/* one tracked interface, as netlink last described it */
struct health_link {
	char name[CFG_NAME_MAX];
	int ifindex;	/* 0 = not present */
	unsigned flags; /* IFF_* from ifinfomsg */
};

/* 1 if the link is usable; else 0 and why in reason, e.g. "tracked interface
 * eth0 has no carrier". */
int health_link_check(const struct health_link *l, char *reason, size_t len);

/* --- the monitor --- */

struct health;

/* Opens the netlink socket (and asks for the link dump), the timer and the
 * epoll fd. The first health command runs at the first dispatch.
 * Returns 0, or -1 with a message in err. */
int health_open(struct health **hp, const struct twin_config *cfg, char *err, size_t errlen);
/* The fd to add to the daemon's epoll (EPOLLIN); stable for the lifetime. */
int health_fd(const struct health *h);
/* Handle whatever is ready. now_ms: CLOCK_MONOTONIC in ms (the timer is armed
 * on that clock). Never blocks. Returns 0, or -1 on an internal error (the
 * module keeps working; errno is set). */
int health_dispatch(struct health *h, uint64_t now_ms);
/* 1 healthy, 0 not. */
int health_ok(const struct health *h);
/* Why the verdict is what it is: "ok", "tracked interface eth0 has no
 * carrier", "health command exited 3: <first stderr line>", "health command
 * timed out after 2000 ms", ... */
const char *health_reason(const struct health *h);
/* 1 once after the verdict flipped (cleared by the call): the daemon polls it
 * after health_dispatch and feeds FE_HEALTH_FAIL / FE_HEALTH_OK. */
int health_changed(struct health *h);
/* Kills a running command (its process group), reaps it, frees everything. */
void health_close(struct health *h);

#endif
