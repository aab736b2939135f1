/* What the console's front ends share (console.h). */
#include "console.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "atomic_file.h"
#include "log.h"
#include "passwd.h"

uint64_t console_now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

int console_open(struct console *c, const struct twin_config *cfg, const char *sock, const char *helpers,
		 enum menu_ui ui, int cols, int rows, int shell, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	ctl_async_init(&c->ca);
	subproc_init(&c->run);
	c->ui = ui;
	snprintf(c->helpers, sizeof(c->helpers), "%s", helpers && *helpers ? helpers : CONSOLE_HELPERS);
	c->ep = epoll_create1(EPOLL_CLOEXEC);
	if (c->ep < 0)
		return snprintf(err, errlen, "epoll: %s", strerror(errno)), -1;
	snprintf(c->sock, sizeof(c->sock), "%s", sock && *sock ? sock : cfg->control_socket);
	passwd_file_path(cfg->admin_password_file, cfg->state_dir, c->passwd_path, sizeof(c->passwd_path));
	snprintf(c->pin_hash, sizeof(c->pin_hash), "%s", cfg->console_lcd_pin);
	int setting = ui == MENU_LCD ? cfg->console_lcd : cfg->console_serial;
	struct menu_opts o = {
	    .ui = ui,
	    .cols = cols,
	    .rows = rows,
	    .lock = setting == CFG_CONSOLE_OPEN	 ? LOCK_OPEN
		    : setting == CFG_CONSOLE_OFF ? LOCK_OFF
		    /* locked without a PIN to unlock it: nobody acts at the panel */
		    : ui == MENU_LCD && !c->pin_hash[0] ? LOCK_OFF
							: LOCK_SECRET,
	    .unlock_s = (int)(cfg->console_unlock_ms / 1000),
	    .shell = shell,
	};
	c->m = menu_new(&o);
	if (!c->m) {
		close(c->ep);
		return snprintf(err, errlen, "out of memory"), -1;
	}
	return 0;
}

void console_close(struct console *c)
{
	subproc_abort(&c->run, 100);
	if (c->ep >= 0)
		close(c->ep);
	c->ep = -1;
	ctl_async_close(&c->ca);
	menu_free(c->m);
	c->m = NULL;
	explicit_bzero(c->pin_hash, sizeof(c->pin_hash));
}

/* 1 right, 0 wrong, -1 cannot check (why) */
static int check_secret(struct console *c, const char *secret, char *why, size_t len)
{
	char hash[PASSWD_STR_MAX + 2], err[128];
	int r;

	if (c->ui == MENU_LCD) {
		r = passwd_verify(secret, c->pin_hash, err, sizeof(err));
		if (r < 0)
			snprintf(why, len, "console_lcd_pin: %s", err);
		return r;
	}
	char *data = NULL;
	size_t n = 0;
	r = atomic_file_read(c->passwd_path, PASSWD_STR_MAX, &data, &n, NULL, err, sizeof(err));
	if (r != 0) {
		snprintf(why, len, "%s", r > 0 ? "no admin password set yet" : err);
		return -1;
	}
	snprintf(hash, sizeof(hash), "%.*s", (int)strcspn(data, "\r\n"), data);
	atomic_file_free(data, n);
	r = passwd_verify(secret, hash, err, sizeof(err));
	explicit_bzero(hash, sizeof(hash));
	if (r < 0)
		snprintf(why, len, "%.120s: %.120s", c->passwd_path, err);
	return r;
}

/* MR_RUN: the helper argv[0] of the helpers' directory, never a path */
static void run_start(struct console *c, struct menu_req *rq, uint64_t now)
{
	char path[CFG_PATH_MAX + FIELD_MAX * 2 + 4];
	char *argv[MENU_ARGS_MAX + 5];
	int n = 0;

	if (subproc_running(&c->run)) {
		menu_ran(c->m, rq->tag, -1, "another helper is still running", now);
		return;
	}
	if (!rq->argc || !rq->argv[0][0] || strchr(rq->argv[0], '/')) {
		menu_ran(c->m, rq->tag, -1, "no such helper", now);
		return;
	}
	snprintf(path, sizeof(path), "%s/%s", c->helpers, rq->argv[0]);
	/* subproc runs /bin/sh: it execs the helper with its arguments */
	argv[n++] = "sh";
	argv[n++] = "-c";
	argv[n++] = "exec \"$0\" \"$@\"";
	argv[n++] = path;
	for (int i = 1; i < rq->argc; i++)
		argv[n++] = rq->argv[i];
	argv[n] = NULL;
	c->run_out[0] = 0;
	if (subproc_start_io(&c->run, c->ep, 1, argv, NULL, rq->input, strlen(rq->input), c->run_out,
			     sizeof(c->run_out)) < 0) {
		char why[160];
		snprintf(why, sizeof(why), "cannot run %.64s: %s", rq->argv[0], strerror(errno));
		menu_ran(c->m, rq->tag, -1, why, now);
		return;
	}
	c->run_tag = rq->tag;
	c->run_killed = 0;
	c->run_deadline = now + (uint64_t)(rq->timeout_ms > 0 ? rq->timeout_ms : 30000);
}

static void run_check(struct console *c, uint64_t now)
{
	int status;

	if (!subproc_running(&c->run))
		return;
	if (now >= c->run_deadline && !c->run_killed) {
		subproc_signal(&c->run, SIGKILL);
		c->run_killed = 1;
	}
	if (subproc_check(&c->run, &status) != 1)
		return;
	int rc = status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	if (c->run_killed) {
		size_t n = strlen(c->run_out);
		snprintf(c->run_out + n, sizeof(c->run_out) - n, "%stimed out", n ? "\n" : "");
		rc = -1;
	}
	menu_ran(c->m, c->run_tag, rc, c->run_out, now);
	explicit_bzero(c->run_out, sizeof(c->run_out));
}

int console_pump(struct console *c, uint64_t now)
{
	struct menu_req rq;
	char err[256] = "";

	while (c->ca.fd < 0 && menu_take_request(c->m, &rq)) {
		unsigned tag = rq.tag;
		if (rq.kind == MR_SHELL)
			return 1;
		if (rq.kind == MR_EXIT)
			return 2;
		if (rq.kind == MR_VERIFY) {
			/* a KDF of ~150 ms: fine here, the console is not the failover path */
			int ok = check_secret(c, rq.argv[0], err, sizeof(err));
			explicit_bzero(&rq, sizeof(rq));
			if (ok == 0)
				log_warn("console: wrong %s", c->ui == MENU_LCD ? "PIN" : "admin password");
			menu_verified(c->m, tag, ok, err, console_now_ms());
			continue;
		}
		if (rq.kind == MR_RUN) {
			run_start(c, &rq, now);
			explicit_bzero(&rq, sizeof(rq));
			continue;
		}
		const char *argv[MENU_ARGS_MAX];
		for (int i = 0; i < rq.argc; i++)
			argv[i] = rq.argv[i];
		if (ctl_async_start(&c->ca, c->sock, rq.argc, argv, err, sizeof(err)) < 0) {
			explicit_bzero(&rq, sizeof(rq));
			menu_reply(c->m, tag, NULL, err, now);
			continue;
		}
		c->ca_tag = tag;
		c->ca_deadline = now + CONSOLE_CTL_TIMEOUT_MS;
		explicit_bzero(&rq, sizeof(rq));
	}
	return 0;
}

void console_pollfds(const struct console *c, struct pollfd *p)
{
	p[0].fd = c->ca.fd;
	p[0].events = ctl_async_events(&c->ca);
	p[0].revents = 0;
	p[1].fd = subproc_running(&c->run) ? c->ep : -1;
	p[1].events = POLLIN;
	p[1].revents = 0;
}

static void ctl_ready(struct console *c, short revents, uint64_t now)
{
	struct ctl_reply rep;
	char err[256];

	if (c->ca.fd < 0)
		return;
	if (!revents) {
		if (now < c->ca_deadline)
			return;
		ctl_async_close(&c->ca);
		snprintf(err, sizeof(err), "twind did not answer within %d s", CONSOLE_CTL_TIMEOUT_MS / 1000);
		menu_reply(c->m, c->ca_tag, NULL, err, now);
		return;
	}
	int r = ctl_async_io(&c->ca, &rep, err, sizeof(err));
	if (r == 0)
		return;
	menu_reply(c->m, c->ca_tag, r > 0 ? &rep : NULL, err, now);
	if (r > 0)
		ctl_reply_free(&rep);
}

void console_ready(struct console *c, const struct pollfd *p, int polled, uint64_t now)
{
	ctl_ready(c, polled > 0 ? p[0].revents : 0, now);
	run_check(c, now);
}

int console_timeout_ms(const struct console *c, uint64_t now)
{
	int t = menu_next_ms(c->m, now);
	if (c->ca.fd >= 0) {
		int d = c->ca_deadline > now ? (int)(c->ca_deadline - now) : 0;
		t = d < t ? d : t;
	}
	if (subproc_running(&c->run) && !c->run_killed) {
		int d = c->run_deadline > now ? (int)(c->run_deadline - now) : 0;
		t = d < t ? d : t;
	}
	return t;
}
