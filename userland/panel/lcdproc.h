/* The LCDproc client protocol (LCDd, TCP 13666), pure: the lines LCDd
 * sends parsed, the commands we send formatted (docs/CONSOLE.md, "LCD").
 * Every driver LCDd has (sdeclcd, CFontzPacket, MtxOrb, curses, ...) works
 * through it. */
#ifndef TWIN_PANEL_LCDPROC_H
#define TWIN_PANEL_LCDPROC_H

#include <stddef.h>

#define LCDP_LINE_MAX 512 /* longest line we accept from LCDd */

enum lcdp_msg {
	LM_CONNECT, /* "connect LCDproc 0.5.9 protocol 0.3 lcd wid 20 hgt 2 ..." */
	LM_SUCCESS,
	LM_HUH,	   /* "huh? ..." an error */
	LM_KEY,	   /* "key Up" */
	LM_LISTEN, /* "listen SCREEN": it is shown */
	LM_IGNORE, /* "ignore SCREEN": it is not */
	LM_OTHER,  /* menuevent, bye, ... */
};

struct lcdp_in {
	enum lcdp_msg kind;
	int wid, hgt; /* LM_CONNECT */
	char arg[64]; /* LM_KEY: the key's name; LM_HUH: the reason (cut) */
};

/* One line from LCDd, without its '\n'. 0, or -1 for a line that is not
 * the protocol (a connect without a size, a key without a name). */
int lcdp_parse(const char *line, struct lcdp_in *out);

/* text as a quoted argument: "..." with " and \ escaped, bytes outside
 * printable ASCII as '?' (LCDd's character sets differ per driver). */
void lcdp_quote(const char *text, char *out, size_t len);

/* Our key names (LCDd.conf's key names for the board) into the menu's. */
int lcdp_key_index(const char *name); /* 0 Up,1 Down,2 Left,3 Right,4 Enter,5 Escape; -1 other */

#endif
