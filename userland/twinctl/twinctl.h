/* twinctl: the command table's entries and what the commands share. Each
 * command lives in its own file (status.c, ping.c, ...). */
#ifndef TWIN_TWINCTL_H
#define TWIN_TWINCTL_H

#include "ctl_proto.h"

#include "version.h"

/* exit codes (twinctl(8)) */
#define EXIT_ERROR	 1 /* the daemon answered "error", or talking to it failed */
#define EXIT_USAGE	 2 /* bad command line */
#define EXIT_NOT_RUNNING 3 /* no daemon on the socket */

struct twinctl {
	const char *socket; /* -s, default CTL_SOCKET_DEFAULT */
	int json;	    /* --json */
};

/* argv[0] is the command name. Returns the exit code. */
typedef int (*twinctl_cmd_fn)(const struct twinctl *t, int argc, char **argv);

int cmd_status(const struct twinctl *t, int argc, char **argv);
int cmd_ping(const struct twinctl *t, int argc, char **argv);
int cmd_version(const struct twinctl *t, int argc, char **argv);
int cmd_failover(const struct twinctl *t, int argc, char **argv);
int cmd_restore(const struct twinctl *t, int argc, char **argv);
int cmd_takeover(const struct twinctl *t, int argc, char **argv);
int cmd_release(const struct twinctl *t, int argc, char **argv);
int cmd_cluster(const struct twinctl *t, int argc, char **argv);
int cmd_power(const struct twinctl *t, int argc, char **argv);
int cmd_update(const struct twinctl *t, int argc, char **argv);
int cmd_split_brain(const struct twinctl *t, int argc, char **argv);
int cmd_drbd_event(const struct twinctl *t, int argc, char **argv);
int cmd_diag(const struct twinctl *t, int argc, char **argv);
int cmd_log(const struct twinctl *t, int argc, char **argv);
int cmd_alarm(const struct twinctl *t, int argc, char **argv);

/* A request whose outcome comes later ("cluster ..."): send it, then poll
 * "cluster result" until done; rep holds the outcome. */
int twinctl_run_op(const struct twinctl *t, int argc, const char *const argv[], struct ctl_reply *out);
/* Print an outcome's message; 0 if it succeeded, else EXIT_ERROR. */
int twinctl_outcome(const struct ctl_reply *rep);
int cmd_password(const struct twinctl *t, int argc, char **argv);

/* Send argv as one request and parse the answer. Prints the problem on
 * stderr and returns its exit code (not running, error reply, I/O), or 0
 * with rep filled (free it with ctl_reply_free). */
int twinctl_request(const struct twinctl *t, int argc, const char *const argv[], struct ctl_reply *rep);

/* The pass-through commands: send, then print the reply as JSON (--json),
 * or its "message" key, or "done". */
int twinctl_passthrough(const struct twinctl *t, int argc, const char *const argv[]);

/* Print the whole reply as JSON on stdout; returns the exit code. */
int twinctl_print_json(const struct ctl_reply *rep);

/* Run argv (no shell), its stdout into out (NUL-terminated, trailing
 * newlines cut). Returns its exit status, or -1 if it could not run. */
int twinctl_run_capture(const char *const argv[], char *out, size_t outlen);

/* "usage: twinctl COMMAND ..." on stderr, returns EXIT_USAGE. */
int twinctl_usage_error(const char *cmd, const char *msg);

#endif
