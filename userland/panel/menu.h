/* The console's menu: one tree of screens and actions for the front-panel
 * LCD and the serial line (docs/CONSOLE.md). Pure: it reads the daemon's
 * status reply it is given, takes keys or typed lines, and asks its caller
 * to carry out requests (the control-socket requests twinctl sends, a
 * secret to check, the maintenance shell); the caller feeds the answers
 * back. No I/O and no clock: now_ms comes with every call. */
#ifndef TWIN_PANEL_MENU_H
#define TWIN_PANEL_MENU_H

#include <stddef.h>
#include <stdint.h>

#include "ctl_proto.h"
#include "field.h"

#define MENU_ITEMS_MAX 16
#define MENU_TEXT_MAX  160
#define MENU_ARGS_MAX  8

enum menu_key { MK_UP, MK_DOWN, MK_LEFT, MK_RIGHT, MK_ENTER, MK_ESC };

enum menu_ui { MENU_LCD, MENU_SERIAL };

/* Who may act at this console (status is shown to anyone). */
enum menu_lock {
	LOCK_SECRET, /* the admin password (serial) or the panel PIN (LCD) first */
	LOCK_OFF,    /* actions turned off at this console */
	LOCK_OPEN,   /* anyone at the box may act */
};

struct menu_opts {
	enum menu_ui ui;
	int cols, rows; /* the LCD's size; serial: the terminal's */
	enum menu_lock lock;
	int unlock_s; /* unlocked this long after the last key (default 300) */
	int shell;    /* serial: offer the maintenance shell */
	int cycle_ms; /* status pages step by themselves (LCD; 0 = only by keys) */
};

enum menu_req_kind {
	MR_CTL,	   /* argv to the daemon's control socket */
	MR_VERIFY, /* argv[0]: the secret to check (menu_verified answers) */
	MR_SHELL,  /* start the maintenance shell (serial), menu back after it */
	MR_EXIT,   /* leave the console (serial: back to whoever started it) */
	MR_RUN,	   /* argv[0]: one of the image's console helpers (CONSOLE.md),
		    * with argv[1..] and input on its stdin; menu_ran answers */
};

#define MENU_INPUT_MAX 1024

struct menu_req {
	enum menu_req_kind kind;
	unsigned tag; /* echoed by menu_reply, menu_verified, menu_ran */
	int argc;
	char argv[MENU_ARGS_MAX][FIELD_MAX * 2 + 1];
	char input[MENU_INPUT_MAX]; /* MR_RUN: its stdin (may hold a secret) */
	int timeout_ms;		    /* MR_RUN: killed after this */
};

/* What to draw, for either renderer. */
enum view_kind {
	VIEW_STATUS,  /* a status page: lines */
	VIEW_LIST,    /* a menu: items, cursor */
	VIEW_CONFIRM, /* a question: lines, items No/Yes, cursor (No first) */
	VIEW_FIELD,   /* a value being entered: title = label, line[0] = value */
	VIEW_BUSY,    /* waiting for the daemon: lines say what */
	VIEW_MESSAGE, /* an outcome or an error: lines; any key goes back */
};

struct menu_view {
	enum view_kind kind;
	int alert;  /* an alarm or a split brain: the LCD's alert priority */
	int blink;  /* VIEW_FIELD: the cursor's column in line[0] */
	int secret; /* VIEW_FIELD: a password or PIN (echo it masked) */
	char title[MENU_TEXT_MAX];
	int n_lines;
	char line[MENU_ITEMS_MAX][MENU_TEXT_MAX];
	int n_items;
	char item[MENU_ITEMS_MAX][MENU_TEXT_MAX];
	int cursor;
	char hint[MENU_TEXT_MAX]; /* what the keys do here (serial's bottom line) */
};

struct menu;

struct menu *menu_new(const struct menu_opts *o);
void menu_free(struct menu *m);

/* The daemon's latest status reply (copied), or NULL: not reachable (err). */
void menu_set_status(struct menu *m, const struct ctl_reply *st, const char *err, uint64_t now_ms);

/* A button (LCD) or a cursor key (serial). */
void menu_key(struct menu *m, enum menu_key k, uint64_t now_ms);

/* A typed line (serial): a menu item's number, or a field's value.
 * Unknown input is refused with a message, never run. */
void menu_line(struct menu *m, const char *line, uint64_t now_ms);

/* Time passes: status pages cycle, unlock expires, polls fall due. */
void menu_tick(struct menu *m, uint64_t now_ms);

/* The next request to carry out, 1 if one was taken. */
int menu_take_request(struct menu *m, struct menu_req *out);

/* The answer to request tag: rep (ok or error reply) or NULL with err
 * (the daemon did not answer). */
void menu_reply(struct menu *m, unsigned tag, const struct ctl_reply *rep, const char *err, uint64_t now_ms);

/* The answer to MR_VERIFY: 1 right, 0 wrong, -1 cannot check (why). */
void menu_verified(struct menu *m, unsigned tag, int ok, const char *why, uint64_t now_ms);

/* The answer to MR_RUN: rc its exit code, or -1 when it could not run or
 * was killed (out says why); out what it printed (stdout and stderr). */
void menu_ran(struct menu *m, unsigned tag, int rc, const char *out, uint64_t now_ms);

/* The MR_SHELL ended: back to the menu. */
void menu_shell_done(struct menu *m, uint64_t now_ms);

void menu_view(const struct menu *m, struct menu_view *v);

/* The display's size as its driver reports it (LCDd's connect line). */
void menu_resize(struct menu *m, int cols, int rows);

/* The last status reply, or NULL (then menu_status_error says why). */
const struct ctl_reply *menu_status(const struct menu *m);
const char *menu_status_error(const struct menu *m);

/* Ctrl-C or a new session: back to the main menu; a value being entered
 * is dropped, an answer still outstanding is ignored. */
void menu_home(struct menu *m, uint64_t now_ms);

/* The ms until menu_tick has something to do (for the caller's poll). */
int menu_next_ms(const struct menu *m, uint64_t now_ms);

#endif
