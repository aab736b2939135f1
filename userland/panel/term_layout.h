/* The serial / SSH console screen, pure: the status table at the top, the
 * menu view below it (items numbered), the hint and the input line; plain
 * VT100 without colour, for 80x24 or whatever the terminal has. */
#ifndef TWIN_PANEL_TERM_LAYOUT_H
#define TWIN_PANEL_TERM_LAYOUT_H

#include <stddef.h>

#include "menu.h"

#define TERM_LINE_MAX_SHOWN 128

/* The whole screen as rows of at most cols characters, "\r\n" between
 * them, starting with "clear screen, home". status_text is the status
 * table (status_render), input what is typed so far. Returns its length. */
size_t term_layout(const struct menu_view *v, const char *status_text, const char *input, int cols, int rows,
		   char *out, size_t len);

#endif
