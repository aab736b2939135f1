/* The console on a serial line or an SSH terminal: the screen of
 * term_layout, keys through term_input. A hang-up ends the program (init
 * starts it again); Ctrl-C goes back to the menu; nothing typed is ever
 * run, and the maintenance shell is a menu item behind the password. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "console.h"
#include "log.h"
#include "status_render.h"
#include "term_input.h"
#include "term_layout.h"

#define ESC_WAIT_MS 60 /* a cursor key's bytes arrive together; a lone ESC is the key */
#define SCREEN_MAX  16384

struct tty {
	int in, out;
	int is_tty;
	struct termios saved;
	char last[SCREEN_MAX]; /* what is on the screen */
	size_t last_len;
};

static void raw_mode(struct tty *t)
{
	struct termios r;

	if (!t->is_tty)
		return;
	r = t->saved;
	r.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ISIG | IEXTEN);
	r.c_iflag &= ~(tcflag_t)(IXON | ICRNL | INLCR);
	r.c_cc[VMIN] = 1;
	r.c_cc[VTIME] = 0;
	tcsetattr(t->in, TCSANOW, &r);
}

static void cooked_mode(struct tty *t)
{
	if (t->is_tty)
		tcsetattr(t->in, TCSANOW, &t->saved);
}

static void size_of(const struct tty *t, int *cols, int *rows)
{
	struct winsize ws;

	*cols = 80;
	*rows = 24;
	if (t->is_tty && ioctl(t->out, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20 && ws.ws_row >= 12) {
		*cols = ws.ws_col;
		*rows = ws.ws_row;
	}
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* redraws when something changed (a serial line is slow) */
static int draw(struct console *c, struct tty *t, const char *input)
{
	static char screen[SCREEN_MAX];
	struct menu_view v;
	int cols, rows;

	menu_view(c->m, &v);
	size_of(t, &cols, &rows);
	const struct ctl_reply *st = menu_status(c->m);
	char *table = st ? status_render(st) : NULL;
	char nost[200];
	snprintf(nost, sizeof(nost), "twind: %s", menu_status_error(c->m));
	size_t n = term_layout(&v, table ? table : nost, input, cols, rows, screen, sizeof(screen));
	free(table);
	if (n == t->last_len && !memcmp(screen, t->last, n))
		return 0;
	memcpy(t->last, screen, n);
	t->last_len = n;
	return write_all(t->out, screen, n);
}

/* the maintenance shell, on this terminal; the menu again after it */
static void shell(struct console *c, struct tty *t)
{
	cooked_mode(t);
	write_all(t->out, "\033[H\033[2J", 7);
	pid_t pid = fork();
	if (pid == 0) {
		/* the console's own stderr is /dev/null (the screen is the menu's):
		 * the shell's errors go to the terminal */
		dup2(t->out, STDERR_FILENO);
		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		execl("/bin/sh", "-sh", (char *)NULL);
		_exit(127);
	}
	if (pid > 0) {
		int status;
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	} else {
		log_err("console: fork: %s", strerror(errno));
	}
	raw_mode(t);
	t->last_len = 0;
	menu_shell_done(c->m, console_now_ms());
}

int console_run_tty(struct console *c, int in, int out)
{
	struct tty t = {.in = in, .out = out};
	struct term_input ti;
	char buf[256];

	t.is_tty = isatty(in) && tcgetattr(in, &t.saved) == 0;
	raw_mode(&t);
	term_input_init(&ti);
	menu_home(c->m, console_now_ms());
	while (!c->stop) {
		uint64_t now = console_now_ms();
		menu_tick(c->m, now);
		int asked = console_pump(c, now);
		if (asked == 2)
			break;
		if (asked == 1)
			shell(c, &t);
		if (draw(c, &t, ti.line) < 0)
			break; /* the line went away */
		struct pollfd p[1 + CONSOLE_POLLFDS] = {{.fd = in, .events = POLLIN}};
		console_pollfds(c, &p[1]);
		int timeout = console_timeout_ms(c, now);
		if (ti.esc == 1 && timeout > ESC_WAIT_MS)
			timeout = ESC_WAIT_MS;
		int r = poll(p, 1 + CONSOLE_POLLFDS, timeout);
		if (r < 0 && errno != EINTR)
			break;
		now = console_now_ms();
		console_ready(c, &p[1], r, now);
		if (r == 0 && ti.esc == 1) {
			struct term_event e = term_input_flush(&ti);
			if (e.ev == TE_KEY)
				menu_key(c->m, e.key, now);
		}
		if (r <= 0 || !(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		ssize_t n = read(in, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break; /* hang-up or end of input: init starts us again */
		for (ssize_t i = 0; i < n; i++) {
			struct menu_view v;
			struct term_event e = term_input_byte(&ti, (unsigned char)buf[i]);
			switch (e.ev) {
			case TE_KEY:
				/* cursor keys move in lists; while typing they do nothing */
				if (!ti.len)
					menu_key(c->m, e.key, now);
				break;
			case TE_LINE:
				menu_view(c->m, &v);
				if (!e.line[0] && (v.kind == VIEW_LIST || v.kind == VIEW_CONFIRM))
					menu_key(c->m, MK_ENTER, now); /* Enter on the marked item */
				else
					menu_line(c->m, e.line, now);
				explicit_bzero(e.line, sizeof(e.line));
				break;
			case TE_ABORT:
				menu_home(c->m, now);
				break;
			default:
				break;
			}
		}
	}
	cooked_mode(&t);
	write_all(out, "\r\n", 2);
	return 0;
}
