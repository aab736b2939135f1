/* Active-only jobs: a crontab (config key active_jobs, see crontab.h) whose
 * jobs run only while this node is Active. See docs/JOBS_AND_HOOKS.md.
 *
 * jobs_set_active(j, 1) when the node becomes Active: @reboot jobs start at
 * the next dispatch, the others at their times (wall clock, local time; a
 * CLOCK_REALTIME timerfd that notices clock steps). jobs_set_active(j, 0)
 * when it stops being Active: scheduling stops and every running job gets
 * SIGTERM, then SIGKILL 2 s later (JOBS_KILL_GRACE_MS), whole process
 * groups.
 *
 * A job never runs twice at once. Its time limit is active_jobs_timeout
 * (SIGTERM, SIGKILL 2 s later), or by default its own next run: a job still
 * running then is stopped and the new run starts as soon as it is gone.
 * With an explicit limit, a run that comes while the job still runs is
 * skipped (logged).
 *
 * Like health: one nested epoll fd (jobs_fd) for the daemon's loop,
 * jobs_dispatch when it is readable; jobs are reaped here. */
#ifndef TWIN_JOBS_H
#define TWIN_JOBS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config.h"

#define JOBS_KILL_GRACE_MS 2000

struct jobs;

struct jobs_stats {
	uint64_t runs;	   /* started */
	uint64_t failed;   /* ended non-zero or by a signal, or could not start */
	uint64_t timeouts; /* stopped by the time limit or by running into its next run */
	uint64_t skipped;  /* a run not started because the job still ran */
	int last_status;   /* wait status of the last run, -1 none yet */
};

/* Reads cfg->active_jobs ("" = no jobs) and active_jobs_timeout. Starts
 * inactive. Returns 0, or -1 with "FILE:LINE: message" (or another message)
 * in err. */
int jobs_open(struct jobs **jp, const struct twin_config *cfg, char *err, size_t errlen);
/* The fd to add to the daemon's epoll (EPOLLIN); stable for the lifetime. */
int jobs_fd(const struct jobs *j);
/* Handle whatever is ready: reap, stop, start due jobs. now_ms:
 * CLOCK_MONOTONIC in ms. Never blocks. Returns 0, or -1 on an internal
 * error (errno set; the module keeps working). */
int jobs_dispatch(struct jobs *j, uint64_t now_ms);
/* 1: the node is Active, run jobs; 0: stop scheduling, stop running jobs.
 * Returns at once. */
void jobs_set_active(struct jobs *j, int active);
int jobs_active(const struct jobs *j);
/* Number of jobs in the file, and about one of them (idx < jobs_count). */
size_t jobs_count(const struct jobs *j);
int jobs_running(const struct jobs *j, size_t idx);
time_t jobs_next_run(const struct jobs *j, size_t idx); /* -1 none (inactive, @reboot) */
unsigned jobs_line(const struct jobs *j, size_t idx);
void jobs_get_stats(const struct jobs *j, size_t idx, struct jobs_stats *st);
/* Start job idx now, as if it were due (for twinctl and tests). Returns 0
 * started, 1 not started because it is running, -1 not active, no such job
 * or could not start (errno set). */
int jobs_run_now(struct jobs *j, size_t idx);
/* Tests: the wall clock the schedule follows (NULL = time()). With a fake
 * clock the realtime timer is not armed: the test calls jobs_dispatch. */
void jobs_set_clock(struct jobs *j, time_t (*now)(void));
/* SIGKILLs running jobs (their groups), reaps what went, frees. */
void jobs_close(struct jobs *j);

#endif
