/* Active-only jobs: see jobs.h. */
#include "jobs.h"
#include "clock.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crontab.h"
#include "log.h"
#include "subproc.h"

extern char **environ;

/* epoll cookies: the two timers, then 16 + job index */
enum { TAG_SCHED = 1, TAG_TIMER = 2, TAG_JOB0 = 16 };

struct job {
	const struct cron_entry *e;
	struct subproc proc;
	time_t next;	      /* next run (wall clock), -1 none */
	uint64_t deadline_ms; /* stop it at (monotonic), 0 none */
	uint64_t kill_ms;     /* SIGKILL at (monotonic), 0 none */
	int stopping;	      /* SIGTERM sent */
	int killed;	      /* SIGKILL sent */
	int pending;	      /* start when the running instance is gone */
	struct jobs_stats st;
};

struct jobs {
	int ep;
	int sched; /* CLOCK_REALTIME: the next due run */
	int timer; /* CLOCK_MONOTONIC: deadlines, kills, "now" kicks */
	struct crontab ct;
	struct job *job;
	size_t n;
	int active;
	uint32_t timeout_ms; /* 0 = until its next run */
	time_t (*clock)(void);
};

static time_t real_clock(void)
{
	return time(NULL);
}

/* environ, with the crontab's NAME=value lines replacing or adding */
static char **job_env(const struct cron_entry *e)
{
	size_t nb = 0, ne = 0, o = 0;
	char **v;

	while (environ && environ[nb])
		nb++;
	while (e->env[ne])
		ne++;
	v = calloc(nb + ne + 1, sizeof(*v));
	if (!v)
		return NULL;
	for (size_t i = 0; i < nb; i++) {
		const char *eq = strchr(environ[i], '=');
		size_t len = eq ? (size_t)(eq - environ[i]) + 1 : strlen(environ[i]);
		int overridden = 0;

		for (size_t k = 0; k < ne && !overridden; k++)
			overridden = !strncmp(e->env[k], environ[i], len);
		if (!overridden)
			v[o++] = environ[i];
	}
	for (size_t k = 0; k < ne; k++)
		v[o++] = e->env[k];
	return v;
}

static int job_start(struct jobs *j, size_t idx, uint64_t now)
{
	struct job *jb = &j->job[idx];
	char *argv[] = {"sh", "-c", jb->e->command, NULL};
	char **envp = job_env(jb->e);
	int rc, e;

	jb->pending = 0;
	jb->st.runs++;
	if (!envp) {
		jb->st.failed++;
		errno = ENOMEM;
		log_warn("jobs: line %u could not start: out of memory", jb->e->line);
		return -1;
	}
	rc = subproc_start(&jb->proc, j->ep, TAG_JOB0 + idx, argv, envp);
	e = errno;
	free(envp);
	if (rc < 0) {
		jb->st.failed++;
		log_warn("jobs: line %u could not start: %s", jb->e->line, strerror(e));
		errno = e;
		return -1;
	}
	jb->stopping = jb->killed = 0;
	jb->kill_ms = 0;
	jb->deadline_ms = j->timeout_ms ? now + j->timeout_ms : 0;
	log_debug("jobs: line %u started (pid %d)", jb->e->line, (int)jb->proc.pid);
	return 0;
}

/* SIGTERM now, SIGKILL after the grace time */
static void job_stop(struct job *jb, uint64_t now)
{
	if (!subproc_running(&jb->proc) || jb->stopping)
		return;
	subproc_signal(&jb->proc, SIGTERM);
	jb->stopping = 1;
	jb->kill_ms = now + JOBS_KILL_GRACE_MS;
}

static void job_ended(struct jobs *j, struct job *jb, int st)
{
	char how[64];

	jb->st.last_status = st;
	jb->deadline_ms = jb->kill_ms = 0;
	if (st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		log_debug("jobs: line %u done", jb->e->line);
		return;
	}
	/* a stop we asked for is not the job's failure */
	if (jb->stopping && (st == -1 || WIFSIGNALED(st)))
		return;
	jb->st.failed++;
	subproc_status_str(st, how, sizeof(how));
	log_warn("jobs: line %u %s%s%s", jb->e->line, how, jb->proc.errlen ? ": " : "", jb->proc.errline);
	(void)j;
}

static void schedule_all(struct jobs *j)
{
	time_t now = j->clock();

	for (size_t i = 0; i < j->n; i++)
		j->job[i].next = j->active ? crontab_next(j->job[i].e, now) : (time_t)-1;
}

static int arm_sched(struct jobs *j)
{
	struct itimerspec its = {0};
	time_t at = -1;

	for (size_t i = 0; j->active && j->clock == real_clock && i < j->n; i++)
		if (j->job[i].next != -1 && (at == -1 || j->job[i].next < at))
			at = j->job[i].next;
	if (at != -1)
		its.it_value.tv_sec = at;
	/* CANCEL_ON_SET: a clock step (NTP, admin) wakes us to recompute */
	return timerfd_settime(j->sched, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &its, NULL);
}

static int arm_timer(struct jobs *j, int kick)
{
	struct itimerspec its = {0};
	uint64_t at = 0;

	for (size_t i = 0; i < j->n; i++) {
		const struct job *jb = &j->job[i];
		uint64_t t = jb->kill_ms && !jb->killed ? jb->kill_ms : !jb->stopping ? jb->deadline_ms : 0;

		if (subproc_running(&jb->proc) && t && (!at || t < at))
			at = t;
	}
	if (kick) {
		its.it_value.tv_nsec = 1; /* long past: fires at once */
	} else if (at) {
		its.it_value.tv_sec = (time_t)(at / 1000);
		its.it_value.tv_nsec = (long)(at % 1000) * 1000000;
	}
	return timerfd_settime(j->timer, TFD_TIMER_ABSTIME, &its, NULL);
}

static void run_due(struct jobs *j, uint64_t now_ms)
{
	time_t now = j->clock();

	for (size_t i = 0; i < j->n; i++) {
		struct job *jb = &j->job[i];

		if (jb->next != -1 && jb->next <= now) {
			jb->next = crontab_next(jb->e, now);
			if (!subproc_running(&jb->proc)) {
				jb->pending = 1;
			} else if (!j->timeout_ms) {
				/* its time limit is its next run */
				if (!jb->stopping) {
					jb->st.timeouts++;
					log_warn("jobs: line %u still running at its next run: stopped",
						 jb->e->line);
				}
				job_stop(jb, now_ms);
				jb->pending = 1;
			} else {
				jb->st.skipped++;
				log_warn("jobs: line %u still running at its next run: run skipped",
					 jb->e->line);
			}
		}
		if (jb->pending && !subproc_running(&jb->proc))
			job_start(j, i, now_ms);
	}
}

static void enforce_limits(struct jobs *j, uint64_t now)
{
	for (size_t i = 0; i < j->n; i++) {
		struct job *jb = &j->job[i];

		if (!subproc_running(&jb->proc))
			continue;
		if (jb->deadline_ms && !jb->stopping && now >= jb->deadline_ms) {
			jb->st.timeouts++;
			log_warn("jobs: line %u timed out after %u ms: stopped", jb->e->line, j->timeout_ms);
			job_stop(jb, now);
		}
		if (jb->stopping && !jb->killed && now >= jb->kill_ms) {
			log_warn("jobs: line %u still running %d ms after SIGTERM: killed", jb->e->line,
				 JOBS_KILL_GRACE_MS);
			subproc_signal(&jb->proc, SIGKILL);
			jb->killed = 1;
		}
	}
}

int jobs_open(struct jobs **jp, const struct twin_config *cfg, char *err, size_t errlen)
{
	struct jobs *j = calloc(1, sizeof(*j));
	struct epoll_event ev = {.events = EPOLLIN};

	*jp = NULL;
	if (!j) {
		snprintf(err, errlen, "jobs: out of memory");
		return -1;
	}
	j->ep = j->sched = j->timer = -1;
	j->clock = real_clock;
	j->timeout_ms = cfg->active_jobs_timeout_ms;
	if (cfg->active_jobs[0] && crontab_parse_file(cfg->active_jobs, &j->ct, err, errlen) < 0) {
		free(j);
		return -1;
	}
	j->n = j->ct.n;
	j->job = calloc(j->n ? j->n : 1, sizeof(*j->job));
	if (!j->job) {
		snprintf(err, errlen, "jobs: out of memory");
		jobs_close(j);
		return -1;
	}
	for (size_t i = 0; i < j->n; i++) {
		j->job[i].e = &j->ct.jobs[i];
		j->job[i].next = -1;
		j->job[i].st.last_status = -1;
		subproc_init(&j->job[i].proc);
	}
	j->ep = epoll_create1(EPOLL_CLOEXEC);
	j->sched = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
	j->timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (j->ep < 0 || j->sched < 0 || j->timer < 0) {
		snprintf(err, errlen, "jobs: epoll/timerfd: %s", strerror(errno));
		jobs_close(j);
		return -1;
	}
	ev.data.u64 = TAG_SCHED;
	if (epoll_ctl(j->ep, EPOLL_CTL_ADD, j->sched, &ev) == 0) {
		ev.data.u64 = TAG_TIMER;
		if (epoll_ctl(j->ep, EPOLL_CTL_ADD, j->timer, &ev) == 0) {
			*jp = j;
			return 0;
		}
	}
	snprintf(err, errlen, "jobs: epoll_ctl: %s", strerror(errno));
	jobs_close(j);
	return -1;
}

int jobs_fd(const struct jobs *j)
{
	return j->ep;
}

int jobs_dispatch(struct jobs *j, uint64_t now_ms)
{
	struct epoll_event evs[16];
	int cnt, rc = 0, st;

	do
		cnt = epoll_wait(j->ep, evs, 16, 0);
	while (cnt < 0 && errno == EINTR);
	if (cnt < 0)
		return -1;
	for (int i = 0; i < cnt; i++) {
		uint64_t tag = evs[i].data.u64, ticks;

		if (tag == TAG_SCHED) {
			/* ECANCELED: the clock was set; recompute every next run */
			if (read(j->sched, &ticks, sizeof(ticks)) < 0 && errno == ECANCELED)
				schedule_all(j);
		} else if (tag == TAG_TIMER) {
			if (read(j->timer, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
				rc = -1;
		} else if (tag >= TAG_JOB0 && tag - TAG_JOB0 < j->n) {
			struct job *jb = &j->job[tag - TAG_JOB0];

			if (subproc_running(&jb->proc) && subproc_check(&jb->proc, &st))
				job_ended(j, jb, st);
		}
	}
	enforce_limits(j, now_ms);
	if (j->active)
		run_due(j, now_ms);
	if (arm_sched(j) < 0 || arm_timer(j, 0) < 0)
		rc = -1;
	return rc;
}

void jobs_set_active(struct jobs *j, int active)
{
	uint64_t now = mono_ms();
	size_t running = 0;

	active = !!active;
	if (active == j->active)
		return;
	j->active = active;
	schedule_all(j);
	for (size_t i = 0; i < j->n; i++) {
		struct job *jb = &j->job[i];

		jb->pending = active && (jb->e->flags & CRON_REBOOT);
		if (!active && subproc_running(&jb->proc)) {
			running++;
			job_stop(jb, now);
		}
	}
	if (running)
		log_info("jobs: no longer active: stopping %zu running job%s", running,
			 running == 1 ? "" : "s");
	if (arm_sched(j) < 0 || arm_timer(j, active) < 0)
		log_warn("jobs: timerfd_settime: %s", strerror(errno));
}

int jobs_active(const struct jobs *j)
{
	return j->active;
}

size_t jobs_count(const struct jobs *j)
{
	return j->n;
}

int jobs_running(const struct jobs *j, size_t idx)
{
	return idx < j->n && subproc_running(&j->job[idx].proc);
}

time_t jobs_next_run(const struct jobs *j, size_t idx)
{
	return idx < j->n ? j->job[idx].next : (time_t)-1;
}

unsigned jobs_line(const struct jobs *j, size_t idx)
{
	return idx < j->n ? j->job[idx].e->line : 0;
}

void jobs_get_stats(const struct jobs *j, size_t idx, struct jobs_stats *st)
{
	if (idx < j->n)
		*st = j->job[idx].st;
	else
		*st = (struct jobs_stats){.last_status = -1};
}

int jobs_run_now(struct jobs *j, size_t idx)
{
	uint64_t now = mono_ms();

	if (idx >= j->n) {
		errno = ENOENT;
		return -1;
	}
	if (!j->active) {
		errno = EPERM;
		return -1;
	}
	if (subproc_running(&j->job[idx].proc)) {
		j->job[idx].st.skipped++;
		return 1;
	}
	if (job_start(j, idx, now) < 0)
		return -1;
	arm_timer(j, 0);
	return 0;
}

void jobs_set_clock(struct jobs *j, time_t (*now)(void))
{
	j->clock = now ? now : real_clock;
	schedule_all(j);
	arm_sched(j);
}

void jobs_close(struct jobs *j)
{
	if (!j)
		return;
	for (size_t i = 0; j->job && i < j->n; i++) {
		if (subproc_running(&j->job[i].proc))
			log_warn("jobs: line %u still running at exit: killed", j->job[i].e->line);
		subproc_abort(&j->job[i].proc, 200);
	}
	free(j->job);
	crontab_free(&j->ct);
	if (j->sched >= 0)
		close(j->sched);
	if (j->timer >= 0)
		close(j->timer);
	if (j->ep >= 0)
		close(j->ep);
	free(j);
}
