/* libFuzzer harness for what the console takes from outside: LCDd's lines
 * (lcdproc.c), a terminal's bytes (term_input.c) into the menu, and the
 * daemon's status reply into the status pages and both layouts. The first
 * line of the input is the status reply's text ('|' for newlines), the
 * rest goes to LCDd's parser line by line and to the terminal byte by
 * byte. No crash, and every frame stays within its display. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lcd_layout.h"
#include "lcdproc.h"
#include "menu.h"
#include "status_render.h"
#include "term_input.h"
#include "term_layout.h"

static void frames(struct menu *m)
{
	struct menu_view v;
	struct lcd_frame f;
	static char screen[16384];

	menu_view(m, &v);
	if (v.n_items > MENU_ITEMS_MAX || v.n_lines > MENU_ITEMS_MAX || (v.n_items && v.cursor >= v.n_items))
		abort();
	for (int rows = 2; rows <= 4; rows += 2) {
		lcd_layout(&v, rows == 2 ? 16 : 20, rows, &f);
		for (int r = 0; r < f.rows; r++)
			if (strlen(f.row[r]) >= sizeof(f.row[r]) ||
			    (!f.scroll[r] && (int)strlen(f.row[r]) > f.cols))
				abort();
	}
	size_t n = term_layout(&v, "status\ntable\n", "typed", 80, 24, screen, sizeof(screen));
	if (n >= sizeof(screen))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *d = (const char *)data;
	const char *nl = memchr(d, '\n', size);
	size_t head = nl ? (size_t)(nl - d) : size;
	char *text = malloc(head + 2);
	struct ctl_reply st;
	char err[128];
	uint64_t now = 1000;

	if (!text)
		return 0;
	for (size_t i = 0; i < head; i++)
		text[i] = d[i] == '|' ? '\n' : d[i];
	text[head] = '\n';
	text[head + 1] = 0;
	struct menu_opts o = {
	    .ui = (head & 1) ? MENU_SERIAL : MENU_LCD, .cols = 16, .rows = 2, .lock = LOCK_OPEN, .shell = 1};
	struct menu *m = menu_new(&o);
	int have = ctl_reply_parse(&st, text, head + 1, err, sizeof(err)) == 0;
	if (!have)
		ctl_reply_free(&st); /* needed either way */
	menu_set_status(m, have ? &st : NULL, "no status", now);
	if (have) {
		char *t = status_render(&st);
		free(t);
	}
	frames(m);
	/* the rest: LCDd's lines, and the same bytes as a terminal's keys */
	struct term_input ti;
	term_input_init(&ti);
	const char *p = nl ? nl + 1 : d + size, *end = d + size;
	char line[LCDP_LINE_MAX + 1];
	size_t ll = 0;
	for (; p < end; p++) {
		if (*p == '\n' || ll == LCDP_LINE_MAX) {
			line[ll] = 0;
			struct lcdp_in in;
			if (lcdp_parse(line, &in) == 0 && in.kind == LM_KEY) {
				int k = lcdp_key_index(in.arg);
				if (k >= 0)
					menu_key(m, (enum menu_key)k, now);
			}
			ll = 0;
		} else {
			line[ll++] = *p;
		}
		struct term_event e = term_input_byte(&ti, (unsigned char)*p);
		if (e.ev == TE_KEY)
			menu_key(m, e.key, now);
		else if (e.ev == TE_LINE)
			menu_line(m, e.line, now);
		else if (e.ev == TE_ABORT)
			menu_home(m, now);
		now += 100;
		menu_tick(m, now);
		/* answer whatever it asks with the status text itself */
		struct menu_req rq;
		while (menu_take_request(m, &rq)) {
			if (rq.kind == MR_VERIFY)
				menu_verified(m, rq.tag, (int)(now / 100 % 3) - 1, "x", now);
			else if (rq.kind == MR_SHELL)
				menu_shell_done(m, now);
			else if (rq.kind == MR_RUN) /* a helper's output: the same text */
				menu_ran(m, rq.tag, (int)(now / 100 % 3) - 1, text, now);
			else
				menu_reply(m, rq.tag, have ? &st : NULL, "no answer", now);
		}
		frames(m);
	}
	if (have)
		ctl_reply_free(&st);
	menu_free(m);
	free(text);
	return 0;
}
