/* The console on a front-panel LCD through LCDd (LCDproc client protocol,
 * lcdproc.h): one screen whose rows follow lcd_layout, the panel's keys
 * into the menu. LCDd going away (killed, restarted, stuck) costs the
 * panel only its display: it reconnects every few seconds, and nothing
 * it does waits on LCDd or on twind. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "console.h"
#include "lcd_layout.h"
#include "lcdproc.h"
#include "log.h"

#define RECONNECT_MS 2000
#define OUT_MAX	     65536 /* LCDd not reading this much: drop it, reconnect */

struct lcd {
	int fd;
	int ready; /* LCDd said connect: the screen is set up */
	int wid, hgt;
	char in[LCDP_LINE_MAX + 1];
	size_t in_len;
	char out[OUT_MAX];
	size_t out_len;
	struct lcd_frame shown;
	int have_shown;
	uint64_t retry_ms;
	const char *keys[6]; /* LCDd's names of Up Down Left Right Enter Escape */
};

static void lcd_drop(struct lcd *l, const char *why, uint64_t now)
{
	if (l->fd >= 0) {
		log_warn("console: LCDd: %s; reconnecting", why);
		close(l->fd);
	}
	l->fd = -1;
	l->ready = 0;
	l->have_shown = 0;
	l->in_len = l->out_len = 0;
	l->retry_ms = now + RECONNECT_MS;
}

static void send_line(struct lcd *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void send_line(struct lcd *l, const char *fmt, ...)
{
	va_list ap;

	if (l->fd < 0 || l->out_len + 600 >= sizeof(l->out)) {
		l->out_len = sizeof(l->out); /* flush finds it full: dropped */
		return;
	}
	va_start(ap, fmt);
	int n = vsnprintf(l->out + l->out_len, sizeof(l->out) - l->out_len - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	l->out_len += (size_t)n;
	l->out[l->out_len++] = '\n';
}

static void flush_out(struct lcd *l, uint64_t now)
{
	if (l->out_len >= sizeof(l->out)) {
		lcd_drop(l, "not reading", now);
		return;
	}
	while (l->fd >= 0 && l->out_len) {
		ssize_t n = send(l->fd, l->out, l->out_len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			lcd_drop(l, strerror(errno), now);
			return;
		}
		memmove(l->out, l->out + n, l->out_len - (size_t)n);
		l->out_len -= (size_t)n;
	}
}

static void lcd_connect(struct lcd *l, const char *host, int port, uint64_t now)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai = NULL;
	char ps[8];

	snprintf(ps, sizeof(ps), "%d", port);
	l->retry_ms = now + RECONNECT_MS;
	if (getaddrinfo(host, ps, &hints, &ai) != 0 || !ai)
		return;
	l->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l->fd >= 0 && connect(l->fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
		close(l->fd);
		l->fd = -1;
	}
	freeaddrinfo(ai);
	if (l->fd < 0)
		return;
	send_line(l, "hello");
}

/* the screen, its rows (a string and a scroller each), the keys */
static void lcd_setup(struct lcd *l)
{
	send_line(l, "client_set -name Twin");
	send_line(l, "screen_add twin");
	send_line(l, "screen_set twin -name Twin -priority foreground -heartbeat off -cursor off");
	for (int r = 1; r <= l->hgt && r <= LCD_ROWS_MAX; r++) {
		send_line(l, "widget_add twin s%d string", r);
		send_line(l, "widget_add twin m%d scroller", r);
	}
	for (int k = 0; k < 6; k++)
		send_line(l, "client_add_key %s", l->keys[k]);
}

static void lcd_show(struct lcd *l, const struct lcd_frame *f)
{
	char q[MENU_TEXT_MAX * 4 + 8];

	if (!l->have_shown || f->alert != l->shown.alert)
		send_line(l, "screen_set twin -priority %s -backlight %s", f->alert ? "alert" : "foreground",
			  f->alert ? "blink" : "on");
	for (int r = 0; r < f->rows; r++) {
		if (l->have_shown && !strcmp(f->row[r], l->shown.row[r]) &&
		    f->scroll[r] == l->shown.scroll[r])
			continue;
		lcdp_quote(f->scroll[r] ? "" : f->row[r], q, sizeof(q));
		send_line(l, "widget_set twin s%d 1 %d %s", r + 1, r + 1, q);
		lcdp_quote(f->scroll[r] ? f->row[r] : "", q, sizeof(q));
		send_line(l, "widget_set twin m%d 1 %d %d %d m 3 %s", r + 1, r + 1, f->cols, r + 1, q);
	}
	if (!l->have_shown || f->cursor_x != l->shown.cursor_x || f->cursor_y != l->shown.cursor_y) {
		if (f->cursor_x)
			send_line(l, "screen_set twin -cursor block -cursor_x %d -cursor_y %d", f->cursor_x,
				  f->cursor_y);
		else
			send_line(l, "screen_set twin -cursor off");
	}
	l->shown = *f;
	l->have_shown = 1;
}

static void lcd_line(struct console *c, struct lcd *l, const char *line, uint64_t now)
{
	struct lcdp_in in;

	if (lcdp_parse(line, &in) < 0) {
		log_warn("console: LCDd said something unexpected: %.80s", line);
		return;
	}
	switch (in.kind) {
	case LM_CONNECT:
		l->wid = in.wid;
		l->hgt = in.hgt > LCD_ROWS_MAX ? LCD_ROWS_MAX : in.hgt;
		l->ready = 1;
		menu_resize(c->m, l->wid, l->hgt);
		log_info("console: LCDd connected, display %dx%d", in.wid, in.hgt);
		lcd_setup(l);
		break;
	case LM_KEY:
		for (int k = 0; k < 6; k++)
			if (!strcmp(in.arg, l->keys[k]))
				menu_key(c->m, (enum menu_key)k, now);
		break;
	case LM_HUH:
		log_warn("console: LCDd: %s", in.arg);
		break;
	default:
		break;
	}
}

static void lcd_read(struct console *c, struct lcd *l, uint64_t now)
{
	for (;;) {
		ssize_t n = recv(l->fd, l->in + l->in_len, sizeof(l->in) - 1 - l->in_len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			lcd_drop(l, n == 0 ? "closed the connection" : strerror(errno), now);
			return;
		}
		l->in_len += (size_t)n;
		l->in[l->in_len] = 0;
		char *nl;
		while ((nl = memchr(l->in, '\n', l->in_len))) {
			*nl = 0;
			lcd_line(c, l, l->in, now);
			size_t used = (size_t)(nl + 1 - l->in);
			memmove(l->in, nl + 1, l->in_len - used);
			l->in_len -= used;
			if (l->fd < 0)
				return;
		}
		if (l->in_len >= sizeof(l->in) - 1) {
			lcd_drop(l, "line too long", now);
			return;
		}
	}
}

/* keys_map: "Up,Down,Left,Right,Enter,Escape" as the board's LCDd.conf names them */
int console_run_lcd(struct console *c, const char *host, int port, const char *keys_map)
{
	static const char *const defaults[6] = {"Up", "Down", "Left", "Right", "Enter", "Escape"};
	struct lcd l = {.fd = -1};
	char map[128];

	snprintf(map, sizeof(map), "%s", keys_map ? keys_map : "");
	char *save = NULL, *tok = strtok_r(map, ",", &save);
	for (int k = 0; k < 6; k++) {
		l.keys[k] = tok && *tok ? tok : defaults[k];
		tok = tok ? strtok_r(NULL, ",", &save) : NULL;
	}
	while (!c->stop) {
		uint64_t now = console_now_ms();
		if (l.fd < 0 && now >= l.retry_ms)
			lcd_connect(&l, host, port, now);
		menu_tick(c->m, now);
		console_pump(c, now); /* the LCD has no shell */
		if (l.ready) {
			struct menu_view v;
			struct lcd_frame f;
			menu_view(c->m, &v);
			lcd_layout(&v, l.wid, l.hgt, &f);
			lcd_show(&l, &f);
		}
		flush_out(&l, now);
		struct pollfd p[1 + CONSOLE_POLLFDS] = {
		    {.fd = l.fd, .events = (short)(POLLIN | (l.out_len ? POLLOUT : 0))}};
		console_pollfds(c, &p[1]);
		int timeout = console_timeout_ms(c, now);
		if (l.fd < 0 && (int)(l.retry_ms - now) < timeout)
			timeout = l.retry_ms > now ? (int)(l.retry_ms - now) : 0;
		int r = poll(p, 1 + CONSOLE_POLLFDS, timeout);
		if (r < 0 && errno != EINTR)
			return -1;
		now = console_now_ms();
		console_ready(c, &p[1], r, now);
		if (r > 0 && l.fd >= 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR)))
			lcd_read(c, &l, now);
	}
	if (l.fd >= 0)
		close(l.fd);
	return 0;
}
