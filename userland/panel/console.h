/* twin-console: the menu (menu.h) on a terminal or an LCD, talking to
 * twind over its control socket (ctl_async.h). This part is what both
 * front ends share: the request pump, the secret check, the clock. */
#ifndef TWIN_PANEL_CONSOLE_H
#define TWIN_PANEL_CONSOLE_H

#include <poll.h>
#include <stdint.h>

#include "config.h"
#include "ctl_async.h"
#include "menu.h"
#include "subproc.h"

#define CONSOLE_CTL_TIMEOUT_MS 5000
#define CONSOLE_HELPERS	       "/usr/lib/twin" /* setup, usb-update, factory-reset */
#define CONSOLE_POLLFDS	       2	       /* console_pollfds fills this many */

struct console {
	struct menu *m;
	enum menu_ui ui;
	struct ctl_async ca;
	unsigned ca_tag;
	uint64_t ca_deadline;
	char sock[CFG_PATH_MAX];
	char passwd_path[CFG_PATH_MAX + 32]; /* the admin password's hash (serial) */
	char pin_hash[CFG_CMD_MAX];	     /* the LCD's PIN hash */
	char helpers[CFG_PATH_MAX];	     /* the directory of the menu's MR_RUN helpers */
	/* the helper running (one at a time) */
	int ep; /* epoll set of its pidfd and output pipe */
	struct subproc run;
	unsigned run_tag;
	uint64_t run_deadline;
	int run_killed;
	char run_out[MENU_INPUT_MAX];
	volatile int stop;
};

uint64_t console_now_ms(void);

/* The menu for this console from twin.conf's console_* settings; helpers
 * NULL = CONSOLE_HELPERS. */
int console_open(struct console *c, const struct twin_config *cfg, const char *sock, const char *helpers,
		 enum menu_ui ui, int cols, int rows, int shell, char *err, size_t errlen);
void console_close(struct console *c);

/* Hands the menu's next request on: to twind (one at a time), to a helper
 * (one at a time), or checks a secret here. Returns 1 when the menu asked
 * for the maintenance shell, 2 when it asked to exit. */
int console_pump(struct console *c, uint64_t now);

/* The control connection and the running helper in the caller's poll set:
 * CONSOLE_POLLFDS entries (fd -1 when idle); then their revents back. */
void console_pollfds(const struct console *c, struct pollfd *p);
void console_ready(struct console *c, const struct pollfd *p, int polled, uint64_t now);

/* poll()'s time-out: the menu's next tick or a request's deadline. */
int console_timeout_ms(const struct console *c, uint64_t now);

/* Runs the front ends (console_tty.c, console_lcd.c) until c->stop. */
int console_run_tty(struct console *c, int in, int out);
int console_run_lcd(struct console *c, const char *host, int port, const char *keys_map);

#endif
