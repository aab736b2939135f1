/* The serial console's screen (term_layout.h). */
#include "term_layout.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct scr {
	char *out;
	size_t len, o;
	int cols, rows, row;
};

/* one row, cut at cols (the status table is wider than some terminals) */
static void row(struct scr *s, const char *text, size_t n)
{
	if (s->row >= s->rows || s->o + 3 >= s->len)
		return;
	if (n > (size_t)s->cols)
		n = (size_t)s->cols;
	if (n > s->len - s->o - 3)
		n = s->len - s->o - 3;
	memcpy(s->out + s->o, text, n);
	s->o += n;
	s->o += (size_t)snprintf(s->out + s->o, s->len - s->o, "\r\n");
	s->row++;
}

static void rowf(struct scr *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void rowf(struct scr *s, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	row(s, buf, n < 0 ? 0 : (size_t)n >= sizeof(buf) ? sizeof(buf) - 1 : (size_t)n);
}

size_t term_layout(const struct menu_view *v, const char *status_text, const char *input, int cols, int rows,
		   char *out, size_t len)
{
	struct scr s = {.out = out, .len = len, .cols = cols < 20 ? 20 : cols, .rows = rows < 12 ? 12 : rows};
	char rule[256];
	int body = 4 + v->n_lines + v->n_items; /* rules, title, hint, input */

	if (len < 8)
		return 0;
	s.o = (size_t)snprintf(out, len, "\033[H\033[2J");
	memset(rule, '-', sizeof(rule));
	/* the status table: what is left above the menu */
	int room = s.rows - body - 1;
	const char *p = status_text ? status_text : "";
	for (int i = 0; i < room && *p; i++) {
		size_t n = strcspn(p, "\n");
		row(&s, p, n);
		p += n + (p[n] == '\n');
	}
	row(&s, rule, (size_t)s.cols);
	if (v->alert)
		rowf(&s, "!! %s", v->title[0] ? v->title : "ALERT");
	else if (v->title[0])
		rowf(&s, "%s", v->title);
	for (int i = 0; i < v->n_lines; i++)
		rowf(&s, "  %s", v->line[i]);
	for (int i = 0; i < v->n_items; i++)
		rowf(&s, "%c %d) %s", i == v->cursor ? '>' : ' ', i + 1, v->item[i]);
	row(&s, rule, (size_t)s.cols);
	rowf(&s, "%s", v->hint);
	/* the input line, without a row end: the cursor stays on it */
	char masked[TERM_LINE_MAX_SHOWN + 1];
	size_t n = strlen(input);
	if (n > TERM_LINE_MAX_SHOWN)
		n = TERM_LINE_MAX_SHOWN;
	for (size_t i = 0; i < n; i++)
		masked[i] = v->kind == VIEW_FIELD && v->secret ? '*' : input[i];
	masked[n] = 0;
	s.o +=
	    (size_t)snprintf(out + s.o, len - s.o, "%s> %s", v->kind == VIEW_BUSY ? "(wait) " : "", masked);
	if (s.o >= len)
		s.o = len - 1;
	return s.o;
}
