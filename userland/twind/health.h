/* Local health: the health command and the monitored interfaces, watched
 * without ever blocking the daemon's loop.
 *
 * Everything this module waits on (netlink link events, the interval/timeout
 * timer, the running command's pidfd and stderr pipe) sits in an epoll fd of
 * its own; the daemon adds that single, stable fd (health_fd) to its epoll
 * and calls health_dispatch when it is readable.
 *
 * Monitored interfaces: the LAN interface and the failover IPs' devices
 * (unless monitor_lan_interface is off) and every track_interface. One is up
 * when present, admin-up and with carrier; a dead link counts at once, no
 * fall count. A link that comes back counts as up once it has stayed up for
 * the detection time (heartbeat_interval x heartbeat_misses): by then a live
 * peer has been heard again, so a node that was cut off all round comes back
 * knowing the peer serves, and a bouncing link does not move the failover
 * IP at every bounce. The health command fails after health_fall failures in
 * a row and recovers after health_rise successes in a row.
 *
 * Level: OK when every monitored interface is up and the command passes;
 * DEGRADED when some are down but not all, and at least one failover IP's
 * device is up (the node can still serve, a healthier peer should); FAILED
 * when every monitored interface is down, every failover IP's device is
 * down, or the command fails. It starts OK; if the initial link dump in
 * health_open already shows a bad link, the level is right at once and the
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

enum health_level { HEALTH_OK, HEALTH_DEGRADED, HEALTH_FAILED };

/* why an interface is monitored, a bit set */
#define HL_LAN	 0x1 /* lan_interface */
#define HL_VIP	 0x2 /* carries a failover IP */
#define HL_TRACK 0x4 /* track_interface */

#define HEALTH_MAX_LINKS (1 + CFG_MAX_VIPS + CFG_MAX_TRACK)

/* one monitored interface, as netlink last described it */
struct health_link {
	char name[CFG_NAME_MAX];
	unsigned roles;	  /* HL_* */
	int ifindex;	  /* 0 = not present */
	unsigned flags;	  /* IFF_* from ifinfomsg */
	uint64_t back_ms; /* when it came back after being down, 0 = up since the start */
};

/* The monitored interfaces of cfg, each once with all its roles, into
 * out[max]. Returns how many. */
size_t health_links_from_config(const struct twin_config *cfg, struct health_link *out, size_t max);

/* 1 if the link is usable; else 0 and why in reason, e.g. "LAN interface
 * eth0 has no carrier", "tracked interface eth2 is admin-down". */
int health_link_check(const struct health_link *l, char *reason, size_t len);

/* The level the links alone give at now_ms (see the top of this file); a
 * link back for less than rise_ms still counts as down. Why in reason: "ok",
 * or the down interface that decided it ("LAN interface eth0 has no
 * carrier", "... is up again, counted after 300 ms"), with ", and N more
 * down" when there are others. */
enum health_level health_links_level(const struct health_link *links, size_t n, uint64_t now_ms,
				     uint32_t rise_ms, char *reason, size_t len);

const char *health_level_name(enum health_level l); /* "ok", "degraded", "failed" */

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
enum health_level health_level(const struct health *h);
/* 1 unless FAILED: the node can serve (perhaps degraded). */
int health_ok(const struct health *h);
/* Why the level is what it is: "ok", "LAN interface eth0 has no carrier",
 * "health command exited 3: <first stderr line>", "health command timed out
 * after 2000 ms", ... */
const char *health_reason(const struct health *h);
/* The health command's verdict: "none" (no health_command), "pending"
 * (not run yet), "passing" or "failing" (after health_fall failures in a
 * row); the current run of failures in *fails_in_a_row. */
const char *health_command_state(const struct health *h, unsigned *fails_in_a_row);
/* 1 once after the level or, while not OK, the reason changed (cleared by
 * the call): the daemon polls it after health_dispatch, updates its alarm
 * and feeds FE_HEALTH_FAIL / FE_HEALTH_OK. */
int health_changed(struct health *h);
/* Kills a running command (its process group), reaps it, frees everything. */
void health_close(struct health *h);

#endif
