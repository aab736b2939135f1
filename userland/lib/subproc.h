/* Run a command without blocking the daemon, and learn when it ended.
 *
 * The command runs as /bin/sh with the given argv, in a process group of its
 * own (so a time-out kills everything it started), with default signal
 * handling, an empty signal mask and SCHED_OTHER (never the daemon's
 * SCHED_FIFO), stdin and stdout on /dev/null, stderr into a pipe whose first
 * line is kept for the log. subproc_start_io instead feeds stdin from a
 * buffer and keeps stdout and stderr together in the caller's buffer.
 *
 * The caller owns the epoll fd: subproc_start adds the child's pidfd and the
 * stderr pipe to it, both with the caller's cookie in epoll_data.u64. On any
 * event with that cookie, call subproc_check. Time-outs are the caller's: it
 * decides when to subproc_signal.
 *
 * The daemon must reap only its own children (no waitpid(-1), SIGCHLD not
 * SIG_IGN): each command is reaped here, through its pidfd. With input, it
 * must ignore SIGPIPE (twind and twin-console do): a command that ends
 * without reading its input is not an error. */
#ifndef TWIN_SUBPROC_H
#define TWIN_SUBPROC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SUBPROC_ERRLINE_MAX 96

struct subproc {
	pid_t pid;			   /* 0 = nothing running */
	int pidfd;			   /* readable once the group leader has exited */
	int errfd;			   /* read end of its stderr (_io: and stdout), -1 once at EOF */
	int ep;				   /* where the fds are registered */
	char errline[SUBPROC_ERRLINE_MAX]; /* first line of its stderr */
	size_t errlen;
	int errline_done;
	char *out; /* subproc_start_io: the caller's buffer, NULL otherwise */
	size_t out_cap, out_len;
};

/* Marks s as idle (fds -1). Call once before anything else. */
void subproc_init(struct subproc *s);
/* Starts "/bin/sh" with argv (argv[0] is the name, e.g. "sh"); envp NULL =
 * the daemon's environment. Returns 0, or -1 with errno set (nothing is
 * left running then). */
int subproc_start(struct subproc *s, int ep, uint64_t cookie, char *const argv[], char *const envp[]);
/* Like subproc_start, but stdin is a pipe that gets `input` (input_len
 * bytes, at most SUBPROC_INPUT_MAX, written at once before the call returns,
 * then closed; NULL/0 = /dev/null), and stdout and stderr both go into one
 * pipe whose bytes are kept in out (up to out_cap - 1, NUL-terminated,
 * the rest read and discarded so the command never blocks); s->out_len says
 * how many were kept. errline still gets the first line of that output.
 * The caller's out buffer must live until subproc_check returned 1 or
 * subproc_abort. More input: -1 with errno E2BIG, nothing started. */
#define SUBPROC_INPUT_MAX 4096
int subproc_start_io(struct subproc *s, int ep, uint64_t cookie, char *const argv[], char *const envp[],
		     const char *input, size_t input_len, char *out, size_t out_cap);
/* 1 while a command is started and not yet reaped. */
int subproc_running(const struct subproc *s);
/* Reads what its stderr holds; if the leader has exited, kills what is left
 * of its group, reaps it, closes its fds and returns 1 with the wait status
 * in *status (-1 if it was lost; errno says why). 0 while it runs. Never
 * blocks. */
int subproc_check(struct subproc *s, int *status);
/* Sends sig to its whole process group (nothing if not running). */
void subproc_signal(struct subproc *s, int sig);
/* SIGKILLs the group, waits for it at most wait_ms, reaps it if it went,
 * closes the fds. For shutdown: the only call here that may block. */
void subproc_abort(struct subproc *s, int wait_ms);
/* "exited 3", "killed by signal 9 (Killed)", ... for a wait status. */
void subproc_status_str(int status, char *buf, size_t len);

#endif
