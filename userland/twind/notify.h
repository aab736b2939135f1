/* State change hooks, keepalived-compatible (see docs/JOBS_AND_HOOKS.md).
 *
 * Twin's states map to keepalived's: Active -> MASTER, Standby/Idle ->
 * BACKUP, Inactive/SplitBrain -> FAULT, the daemon's shutdown -> STOP;
 * Initializing and Activating have no keepalived state and call no hook.
 * Hooks are called only when that keepalived state changes: the specific
 * one (notify_master, ...) with no arguments, then the generic "notify" as
 * "CMD INSTANCE NODE STATE PRIORITY". Every hook also gets TWIN_STATE,
 * TWIN_PREV_STATE, TWIN_REASON, TWIN_NODE and TWIN_EPOCH.
 *
 * Hooks run strictly one at a time, in the order of the events, so a
 * MASTER script never races the BACKUP script of the change before it.
 * notify_state only queues: the state change and the failover never wait
 * for a hook. A hook still running after notify_timeout is SIGKILLed with
 * its process group and logged; the next one starts when it is gone (or
 * 1 s after the SIGKILL if it cannot die). The queue holds
 * NOTIFY_QUEUE_MAX hooks; beyond that the oldest waiting one is dropped
 * (logged): the latest state is the one that matters.
 *
 * Like health: one nested epoll fd (notify_fd) for the daemon's loop,
 * notify_dispatch when it is readable; hooks are reaped here. */
#ifndef TWIN_NOTIFY_H
#define TWIN_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define NOTIFY_SHUTDOWN	    (-1) /* "to" of notify_state when twind stops */
#define NOTIFY_REASON_MAX   160
#define NOTIFY_QUEUE_MAX    16
#define NOTIFY_KILL_WAIT_MS 1000 /* after SIGKILL, give up waiting for it */

/* keepalived's states, as the scripts see them */
enum notify_ka {
	NOTIFY_KA_NONE = -1, /* no keepalived equivalent: no hook */
	NOTIFY_KA_MASTER,
	NOTIFY_KA_BACKUP,
	NOTIFY_KA_FAULT,
	NOTIFY_KA_STOP,
};

/* one state change, as the hooks are told about it */
struct notify_event {
	int from, to; /* enum node_state; to may be NOTIFY_SHUTDOWN */
	uint64_t epoch;
	char reason[NOTIFY_REASON_MAX];
};

/* --- pure, no I/O: the unit test calls these directly --- */

/* Twin state (or NOTIFY_SHUTDOWN) -> keepalived state. */
enum notify_ka notify_ka_state(int twin_state);
/* "MASTER", "BACKUP", "FAULT", "STOP"; "" for NOTIFY_KA_NONE. */
const char *notify_ka_name(enum notify_ka ka);
/* Twin's name for TWIN_STATE / TWIN_PREV_STATE: "Active", ...; "Shutdown". */
const char *notify_twin_name(int twin_state);

/* What one hook is run with: /bin/sh and argv, and envp. */
struct notify_exec {
	char *argv[9];
	char **envp; /* base environment less any TWIN_* we set, plus ours */
	char script[CFG_CMD_MAX + 8];
	char vars[5][NOTIFY_REASON_MAX + 32];
	char prio[8];
};

/* Fills x for cmd: generic = 1 for the "notify" hook (keepalived's four
 * arguments appended to the command), 0 for a specific one (none).
 * base_env: the daemon's environment (NULL-terminated). Returns 0, or -1 on
 * out of memory. Free with notify_exec_free. */
int notify_exec_build(struct notify_exec *x, const char *cmd, int generic, const char *node,
		      unsigned priority, const struct notify_event *ev, char *const *base_env);
void notify_exec_free(struct notify_exec *x);

/* --- the runner --- */

struct notify;

struct notify_stats {
	uint64_t started;  /* hooks started */
	uint64_t failed;   /* ended non-zero, by a signal, or could not start */
	uint64_t timeouts; /* killed at notify_timeout */
	uint64_t dropped;  /* never run: the queue was full */
};

/* Takes the hooks, node_name, priority and notify_timeout from cfg. Returns
 * 0, or -1 with a message in err. */
int notify_open(struct notify **np, const struct twin_config *cfg, char *err, size_t errlen);
/* The fd to add to the daemon's epoll (EPOLLIN); stable for the lifetime. */
int notify_fd(const struct notify *n);
/* Handle whatever is ready: reap, time out, start the next hook. now_ms:
 * CLOCK_MONOTONIC in ms. Never blocks. Returns 0, or -1 on an internal
 * error (errno set; the module keeps working). */
int notify_dispatch(struct notify *n, uint64_t now_ms);
/* The node went from -> to (to = NOTIFY_SHUTDOWN when twind stops). Queues
 * the hooks, if the keepalived state changed, and returns at once; they
 * start at the next notify_dispatch. Returns how many hooks were queued. */
int notify_state(struct notify *n, int from, int to, const char *reason, uint64_t epoch);
/* 1 when no hook is running or waiting. */
int notify_idle(const struct notify *n);
/* For shutdown only (blocks): runs the loop until idle or max_ms passed.
 * Returns 1 if idle. */
int notify_drain(struct notify *n, int max_ms);
void notify_get_stats(const struct notify *n, struct notify_stats *st);
/* Kills a running hook (its process group), drops the queue, frees. */
void notify_close(struct notify *n);

#endif
