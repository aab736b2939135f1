/* State change hooks: see notify.h. */
#include "notify.h"
#include "clock.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "node_state.h"
#include "subproc.h"

extern char **environ;

enum { TAG_TIMER = 1, TAG_HOOK };

/* The hooks, indexed by what runs them: the four keepalived states, then
 * the generic one. */
enum { H_MASTER, H_BACKUP, H_FAULT, H_STOP, H_GENERIC, H_COUNT };
static const char *const hook_key[H_COUNT] = {"notify_master", "notify_backup", "notify_fault", "notify_stop",
					      "notify"};

struct item {
	int hook; /* H_* */
	struct notify_event ev;
};

struct notify {
	int ep, timer;
	char cmd[H_COUNT][CFG_CMD_MAX]; /* "" = not set */
	char node[CFG_NAME_MAX];
	unsigned priority;
	uint32_t timeout_ms;
	enum notify_ka last_ka; /* last state hooks were queued for */

	struct item queue[NOTIFY_QUEUE_MAX]; /* ring */
	size_t head, count;

	struct subproc proc;
	struct item cur;
	int killed;
	uint64_t started_ms, killed_ms;
	int kick; /* queue non-empty and nothing running: start at dispatch */
	struct notify_stats st;
};

/* ---------------- pure ---------------- */

enum notify_ka notify_ka_state(int s)
{
	switch (s) {
	case NS_ACTIVE:
		return NOTIFY_KA_MASTER;
	case NS_STANDBY:
	case NS_IDLE:
		return NOTIFY_KA_BACKUP;
	case NS_INACTIVE:
	case NS_SPLIT_BRAIN:
		return NOTIFY_KA_FAULT;
	case NOTIFY_SHUTDOWN:
		return NOTIFY_KA_STOP;
	default:
		return NOTIFY_KA_NONE; /* Initializing, Activating: transient */
	}
}

const char *notify_ka_name(enum notify_ka ka)
{
	switch (ka) {
	case NOTIFY_KA_MASTER:
		return "MASTER";
	case NOTIFY_KA_BACKUP:
		return "BACKUP";
	case NOTIFY_KA_FAULT:
		return "FAULT";
	case NOTIFY_KA_STOP:
		return "STOP";
	default:
		return "";
	}
}

const char *notify_twin_name(int s)
{
	return s == NOTIFY_SHUTDOWN ? "Shutdown" : node_state_name(s);
}

static int is_ours(const char *var)
{
	static const char *const ours[] = {
	    "TWIN_STATE=", "TWIN_PREV_STATE=", "TWIN_REASON=", "TWIN_NODE=", "TWIN_EPOCH="};

	for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
		if (!strncmp(var, ours[i], strlen(ours[i])))
			return 1;
	return 0;
}

int notify_exec_build(struct notify_exec *x, const char *cmd, int generic, const char *node,
		      unsigned priority, const struct notify_event *ev, char *const *base_env)
{
	size_t nbase = 0, o = 0;
	char reason[NOTIFY_REASON_MAX];
	size_t i;

	memset(x, 0, sizeof(*x));
	/* the reason comes from the state machine and peers' words: keep the
	 * environment printable */
	for (i = 0; ev->reason[i] && i + 1 < sizeof(reason); i++)
		reason[i] = (ev->reason[i] >= 0x20 && ev->reason[i] < 0x7f) ? ev->reason[i] : '?';
	reason[i] = '\0';
	snprintf(x->vars[0], sizeof(x->vars[0]), "TWIN_STATE=%s", notify_twin_name(ev->to));
	snprintf(x->vars[1], sizeof(x->vars[1]), "TWIN_PREV_STATE=%s", notify_twin_name(ev->from));
	snprintf(x->vars[2], sizeof(x->vars[2]), "TWIN_REASON=%s", reason);
	snprintf(x->vars[3], sizeof(x->vars[3]), "TWIN_NODE=%s", node);
	snprintf(x->vars[4], sizeof(x->vars[4]), "TWIN_EPOCH=%" PRIu64, ev->epoch);
	snprintf(x->prio, sizeof(x->prio), "%u", priority);

	x->argv[0] = "sh";
	x->argv[1] = "-c";
	x->argv[2] = x->script;
	if (generic) {
		/* keepalived appends its arguments to the script's own */
		snprintf(x->script, sizeof(x->script), "%s \"$@\"", cmd);
		x->argv[3] = "sh"; /* $0 */
		x->argv[4] = "INSTANCE";
		x->argv[5] = (char *)node;
		x->argv[6] = (char *)notify_ka_name(notify_ka_state(ev->to));
		x->argv[7] = x->prio;
	} else {
		snprintf(x->script, sizeof(x->script), "%s", cmd);
	}

	while (base_env && base_env[nbase])
		nbase++;
	x->envp = calloc(nbase + 6, sizeof(*x->envp));
	if (!x->envp)
		return -1;
	for (i = 0; i < nbase; i++)
		if (!is_ours(base_env[i]))
			x->envp[o++] = base_env[i];
	for (i = 0; i < 5; i++)
		x->envp[o++] = x->vars[i];
	return 0;
}

void notify_exec_free(struct notify_exec *x)
{
	free(x->envp);
	x->envp = NULL;
}

/* ---------------- runner ---------------- */

static int arm_at(struct notify *n, uint64_t at_ms)
{
	struct itimerspec its = {0};

	if (at_ms) {
		its.it_value.tv_sec = (time_t)(at_ms / 1000);
		its.it_value.tv_nsec = (long)(at_ms % 1000) * 1000000;
	}
	return timerfd_settime(n->timer, TFD_TIMER_ABSTIME, &its, NULL);
}

static int arm_timer(struct notify *n)
{
	if (subproc_running(&n->proc))
		return arm_at(n,
			      n->killed ? n->killed_ms + NOTIFY_KILL_WAIT_MS : n->started_ms + n->timeout_ms);
	/* 1 ns after the clock's epoch: already due, fires at once */
	if (n->count) {
		struct itimerspec now = {.it_value = {.tv_nsec = 1}};

		return timerfd_settime(n->timer, TFD_TIMER_ABSTIME, &now, NULL);
	}
	return arm_at(n, 0);
}

static void hook_ended(struct notify *n, int st)
{
	const struct item *it = &n->cur;
	char how[64];

	if (n->killed)
		return; /* logged at the time-out */
	if (st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		log_debug("notify: %s (%s) done", hook_key[it->hook], notify_twin_name(it->ev.to));
		return;
	}
	n->st.failed++;
	subproc_status_str(st, how, sizeof(how));
	log_warn("notify: %s hook for %s %s%s%s", hook_key[it->hook], notify_twin_name(it->ev.to), how,
		 n->proc.errlen ? ": " : "", n->proc.errline);
}

static void start_next(struct notify *n, uint64_t now)
{
	while (n->count && !subproc_running(&n->proc)) {
		struct notify_exec x;

		n->cur = n->queue[n->head];
		n->head = (n->head + 1) % NOTIFY_QUEUE_MAX;
		n->count--;
		n->killed = 0;
		n->started_ms = now;
		n->st.started++;
		if (notify_exec_build(&x, n->cmd[n->cur.hook], n->cur.hook == H_GENERIC, n->node, n->priority,
				      &n->cur.ev, environ) < 0) {
			n->st.failed++;
			log_warn("notify: %s hook not run: out of memory", hook_key[n->cur.hook]);
			continue;
		}
		if (subproc_start(&n->proc, n->ep, TAG_HOOK, x.argv, x.envp) < 0) {
			n->st.failed++;
			log_warn("notify: %s hook could not start: %s", hook_key[n->cur.hook],
				 strerror(errno));
		}
		notify_exec_free(&x);
	}
}

static void check_timeout(struct notify *n, uint64_t now)
{
	if (!subproc_running(&n->proc))
		return;
	if (!n->killed && now >= n->started_ms + n->timeout_ms) {
		subproc_signal(&n->proc, SIGKILL);
		n->killed = 1;
		n->killed_ms = now;
		n->st.timeouts++;
		log_warn("notify: %s hook for %s timed out after %u ms: killed", hook_key[n->cur.hook],
			 notify_twin_name(n->cur.ev.to), n->timeout_ms);
	} else if (n->killed && now >= n->killed_ms + NOTIFY_KILL_WAIT_MS) {
		/* stuck in the kernel: leave it, the next hooks must run */
		log_err("notify: %s hook (pid %d) survives SIGKILL; abandoned", hook_key[n->cur.hook],
			(int)n->proc.pid);
		subproc_abort(&n->proc, 0);
	}
}

int notify_open(struct notify **np, const struct twin_config *cfg, char *err, size_t errlen)
{
	struct notify *n = calloc(1, sizeof(*n));
	const char *cmds[H_COUNT] = {cfg->notify_master, cfg->notify_backup, cfg->notify_fault,
				     cfg->notify_stop, cfg->notify};
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = TAG_TIMER};

	*np = NULL;
	if (!n) {
		snprintf(err, errlen, "notify: out of memory");
		return -1;
	}
	subproc_init(&n->proc);
	for (int i = 0; i < H_COUNT; i++)
		snprintf(n->cmd[i], sizeof(n->cmd[i]), "%s", cmds[i]);
	snprintf(n->node, sizeof(n->node), "%s", cfg->node_name);
	n->priority = cfg->priority;
	n->timeout_ms = cfg->notify_timeout_ms ? cfg->notify_timeout_ms : 5000;
	n->last_ka = NOTIFY_KA_NONE;
	n->timer = -1;
	n->ep = epoll_create1(EPOLL_CLOEXEC);
	if (n->ep < 0) {
		snprintf(err, errlen, "notify: epoll_create1: %s", strerror(errno));
		free(n);
		return -1;
	}
	n->timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (n->timer < 0 || epoll_ctl(n->ep, EPOLL_CTL_ADD, n->timer, &ev) < 0) {
		snprintf(err, errlen, "notify: timerfd: %s", strerror(errno));
		notify_close(n);
		return -1;
	}
	*np = n;
	return 0;
}

int notify_fd(const struct notify *n)
{
	return n->ep;
}

int notify_dispatch(struct notify *n, uint64_t now_ms)
{
	struct epoll_event evs[4];
	int cnt, rc = 0, st;

	do
		cnt = epoll_wait(n->ep, evs, 4, 0);
	while (cnt < 0 && errno == EINTR);
	if (cnt < 0)
		return -1;
	for (int i = 0; i < cnt; i++) {
		uint64_t ticks;

		if (evs[i].data.u64 == TAG_TIMER) {
			if (read(n->timer, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
				rc = -1;
		} else if (subproc_running(&n->proc) && subproc_check(&n->proc, &st)) {
			hook_ended(n, st);
		}
	}
	check_timeout(n, now_ms);
	start_next(n, now_ms);
	if (arm_timer(n) < 0)
		rc = -1;
	return rc;
}

static void enqueue(struct notify *n, int hook, const struct notify_event *ev)
{
	if (n->count == NOTIFY_QUEUE_MAX) {
		const struct item *old = &n->queue[n->head];

		log_warn("notify: too many hooks waiting: %s for %s dropped", hook_key[old->hook],
			 notify_twin_name(old->ev.to));
		n->st.dropped++;
		n->head = (n->head + 1) % NOTIFY_QUEUE_MAX;
		n->count--;
	}
	n->queue[(n->head + n->count) % NOTIFY_QUEUE_MAX] = (struct item){.hook = hook, .ev = *ev};
	n->count++;
}

int notify_state(struct notify *n, int from, int to, const char *reason, uint64_t epoch)
{
	enum notify_ka ka = notify_ka_state(to);
	struct notify_event ev = {.from = from, .to = to, .epoch = epoch};
	int queued = 0;

	if (ka == NOTIFY_KA_NONE || ka == n->last_ka)
		return 0;
	n->last_ka = ka;
	snprintf(ev.reason, sizeof(ev.reason), "%s", reason ? reason : "");
	/* keepalived's order: the state's own script, then the generic one */
	if (n->cmd[ka][0]) {
		enqueue(n, (int)ka, &ev);
		queued++;
	}
	if (n->cmd[H_GENERIC][0]) {
		enqueue(n, H_GENERIC, &ev);
		queued++;
	}
	if (queued && !subproc_running(&n->proc) && arm_timer(n) < 0)
		log_warn("notify: timerfd_settime: %s", strerror(errno));
	return queued;
}

int notify_idle(const struct notify *n)
{
	return !n->count && !subproc_running(&n->proc);
}

int notify_drain(struct notify *n, int max_ms)
{
	uint64_t end = mono_ms() + (uint64_t)(max_ms > 0 ? max_ms : 0);

	for (;;) {
		struct pollfd p = {.fd = n->ep, .events = POLLIN};
		uint64_t now = mono_ms();

		notify_dispatch(n, now);
		if (notify_idle(n))
			return 1;
		if (now >= end)
			return 0;
		poll(&p, 1, (int)(end - now));
	}
}

void notify_get_stats(const struct notify *n, struct notify_stats *st)
{
	*st = n->st;
}

void notify_close(struct notify *n)
{
	if (!n)
		return;
	if (subproc_running(&n->proc))
		log_warn("notify: %s hook still running at exit: killed", hook_key[n->cur.hook]);
	subproc_abort(&n->proc, 200);
	if (n->count)
		log_warn("notify: %zu hooks not run at exit", n->count);
	if (n->timer >= 0)
		close(n->timer);
	if (n->ep >= 0)
		close(n->ep);
	free(n);
}
