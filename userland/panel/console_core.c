/* What the console's front ends share (console.h). */
#include "console.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "atomic_file.h"
#include "log.h"
#include "passwd.h"

uint64_t console_now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

int console_open(struct console *c, const struct twin_config *cfg, const char *sock, enum menu_ui ui,
		 int cols, int rows, int shell, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	ctl_async_init(&c->ca);
	c->ui = ui;
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
	if (!c->m)
		return snprintf(err, errlen, "out of memory"), -1;
	return 0;
}

void console_close(struct console *c)
{
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

void console_ctl_pollfd(const struct console *c, struct pollfd *p)
{
	p->fd = c->ca.fd;
	p->events = ctl_async_events(&c->ca);
	p->revents = 0;
}

void console_ctl_ready(struct console *c, short revents, uint64_t now)
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

int console_timeout_ms(const struct console *c, uint64_t now)
{
	int t = menu_next_ms(c->m, now);
	if (c->ca.fd >= 0) {
		int d = c->ca_deadline > now ? (int)(c->ca_deadline - now) : 0;
		t = d < t ? d : t;
	}
	return t;
}
