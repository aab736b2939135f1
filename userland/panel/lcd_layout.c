/* Menu views on a character LCD (lcd_layout.h). */
#include "lcd_layout.h"

#include <stdio.h>
#include <string.h>

static void put(struct lcd_frame *f, int r, const char *text)
{
	if (r >= f->rows)
		return;
	snprintf(f->row[r], sizeof(f->row[r]), "%s", text);
	f->scroll[r] = (int)strlen(f->row[r]) > f->cols;
}

/* lines from..to joined with " " (a question or message on fewer rows) */
static void joined(const struct menu_view *v, int from, char *out, size_t len)
{
	size_t o = 0;

	out[0] = 0;
	for (int i = from; i < v->n_lines && o + 1 < len; i++)
		o += (size_t)snprintf(out + o, len - o, "%s%s", o ? " " : "", v->line[i]);
}

/* "[No]   Yes " centred in cols */
static void choice(const struct menu_view *v, int cols, char *out, size_t len)
{
	char a[16], b[16];
	snprintf(a, sizeof(a), v->cursor == 0 ? "[%s]" : " %s ", v->item[0]);
	snprintf(b, sizeof(b), v->cursor == 1 ? "[%s]" : " %s ", v->item[1]);
	int w = (int)(strlen(a) + strlen(b));
	int gap = cols - w > 2 ? (cols - w) / 3 : 1;
	snprintf(out, len, "%*s%s%*s%s", gap, "", a, gap, "", b);
}

void lcd_layout(const struct menu_view *v, int cols, int rows, struct lcd_frame *f)
{
	char buf[MENU_TEXT_MAX * 4];

	memset(f, 0, sizeof(*f));
	f->cols = cols;
	f->rows = rows > LCD_ROWS_MAX ? LCD_ROWS_MAX : rows;
	f->alert = v->alert;
	switch (v->kind) {
	case VIEW_STATUS:
		for (int r = 0; r < f->rows && r < v->n_lines; r++)
			put(f, r, v->line[r]);
		break;
	case VIEW_LIST: {
		/* a title row when there is room, then a window on the items */
		int top = f->rows > 2 ? 1 : 0;
		if (top)
			put(f, 0, v->title);
		int shown = f->rows - top;
		int first = v->cursor - (v->cursor >= shown ? shown - 1 : 0);
		if (first < 0)
			first = 0;
		for (int i = 0; i < shown && first + i < v->n_items; i++) {
			snprintf(buf, sizeof(buf), "%c%s", first + i == v->cursor ? '>' : ' ',
				 v->item[first + i]);
			put(f, top + i, buf);
		}
		break;
	}
	case VIEW_CONFIRM:
		if (f->rows == 2) {
			joined(v, 0, buf, sizeof(buf));
			put(f, 0, buf);
		} else {
			for (int r = 0; r < f->rows - 1 && r < v->n_lines; r++)
				put(f, r, v->line[r]);
			if (v->n_lines > f->rows - 1) {
				joined(v, f->rows - 2, buf, sizeof(buf));
				put(f, f->rows - 2, buf);
			}
		}
		choice(v, cols, buf, sizeof(buf));
		put(f, f->rows - 1, buf);
		break;
	case VIEW_FIELD:
		/* the label, or why the value was refused; the value below */
		put(f, 0, v->n_lines > 1 ? v->line[1] : v->title);
		put(f, 1, v->line[0]);
		f->cursor_x = v->blink + 1;
		f->cursor_y = 2;
		if ((int)strlen(v->line[0]) > cols) {
			/* a long value: the window around the cursor */
			int from = v->blink - cols + 1 > 0 ? v->blink - cols + 1 : 0;
			snprintf(buf, sizeof(buf), "%.*s", cols, v->line[0] + from);
			put(f, 1, buf);
			f->cursor_x = v->blink - from + 1;
		}
		break;
	case VIEW_BUSY:
	case VIEW_MESSAGE:
		if (f->rows == 2 && v->n_lines > 2) {
			put(f, 0, v->line[0]);
			joined(v, 1, buf, sizeof(buf));
			put(f, 1, buf);
		} else {
			int r = 0;
			if (v->kind == VIEW_BUSY && v->n_lines < f->rows)
				put(f, r++, v->title);
			for (int i = 0; r < f->rows && i < v->n_lines; i++)
				put(f, r++, v->line[i]);
		}
		break;
	}
}
