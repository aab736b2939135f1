/* Terminal keys (term_input.h). */
#include "term_input.h"

#include <string.h>

void term_input_init(struct term_input *t)
{
	memset(t, 0, sizeof(*t));
}

static struct term_event ev(enum term_ev e)
{
	struct term_event r;
	memset(&r, 0, sizeof(r));
	r.ev = e;
	return r;
}

static struct term_event key(enum menu_key k)
{
	struct term_event r = ev(TE_KEY);
	r.key = k;
	return r;
}

struct term_event term_input_flush(struct term_input *t)
{
	if (t->esc == 1) {
		t->esc = 0;
		return key(MK_ESC);
	}
	t->esc = 0;
	return ev(TE_NONE);
}

struct term_event term_input_byte(struct term_input *t, unsigned char c)
{
	int was_cr = t->cr;

	t->cr = 0;
	if (t->esc == 1) {
		if (c == '[' || c == 'O') {
			t->esc = 2;
			return ev(TE_NONE);
		}
		t->esc = 0; /* ESC then something else: Escape, the byte is dropped */
		return key(MK_ESC);
	}
	if (t->esc == 2) {
		if (c >= '0' && c <= '9')
			return ev(TE_NONE); /* parameters ("ESC [ 1 ; 5 A"): skipped */
		if (c == ';')
			return ev(TE_NONE);
		t->esc = 0;
		switch (c) {
		case 'A':
			return key(MK_UP);
		case 'B':
			return key(MK_DOWN);
		case 'C':
			return key(MK_RIGHT);
		case 'D':
			return key(MK_LEFT);
		default:
			return ev(TE_NONE); /* Home, F-keys, ...: nothing */
		}
	}
	switch (c) {
	case 0x1b:
		t->esc = 1;
		return ev(TE_NONE);
	case 0x03: /* Ctrl-C */
		explicit_bzero(t->line, sizeof(t->line));
		t->len = 0;
		return ev(TE_ABORT);
	case '\n':
		if (was_cr)
			return ev(TE_NONE);
		/* fall through */
	case '\r': {
		struct term_event r = ev(TE_LINE);
		memcpy(r.line, t->line, t->len);
		r.line[t->len] = 0;
		explicit_bzero(t->line, sizeof(t->line));
		t->len = 0;
		t->cr = c == '\r';
		return r;
	}
	case 0x7f:
	case 0x08:
		if (t->len)
			t->line[--t->len] = 0;
		return ev(TE_EDIT);
	case 0x15: /* Ctrl-U */
		explicit_bzero(t->line, sizeof(t->line));
		t->len = 0;
		return ev(TE_EDIT);
	default:
		if (c < 0x20 || c >= 0x7f || t->len >= TERM_LINE_MAX)
			return ev(TE_NONE); /* other control bytes and non-ASCII: ignored */
		t->line[t->len++] = (char)c;
		t->line[t->len] = 0;
		return ev(TE_EDIT);
	}
}
