/* Keys from a serial line or terminal, pure: bytes in, menu keys or a
 * typed line out (VT100 cursor keys, Backspace/DEL, Ctrl-U, Ctrl-C). */
#ifndef TWIN_PANEL_TERM_INPUT_H
#define TWIN_PANEL_TERM_INPUT_H

#include <stddef.h>

#include "menu.h"

#define TERM_LINE_MAX 128

enum term_ev {
	TE_NONE,
	TE_KEY,	  /* key */
	TE_LINE,  /* line: Enter with what was typed (may be empty) */
	TE_ABORT, /* Ctrl-C: back to the menu */
	TE_EDIT,  /* the line being typed changed (echo it) */
};

struct term_input {
	char line[TERM_LINE_MAX + 1];
	size_t len;
	int esc; /* 0, 1 after ESC, 2 after ESC [ */
	int cr;	 /* the last byte was CR (a CR LF is one Enter) */
};

struct term_event {
	enum term_ev ev;
	enum menu_key key;
	char line[TERM_LINE_MAX + 1];
};

void term_input_init(struct term_input *t);

/* One byte; what it completes, if anything. */
struct term_event term_input_byte(struct term_input *t, unsigned char c);

/* A lone ESC (no sequence followed within the read): the Escape key. */
struct term_event term_input_flush(struct term_input *t);

#endif
