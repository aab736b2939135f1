/* One input of the console's wizards: an IPv4 address, an address with
 * prefix, a number, a host name, a password or a PIN. Pure: edited with the
 * panel's buttons (digit by digit, character by character) or set from a
 * typed line (serial), and validated the same way both times
 * (docs/CONSOLE.md, "Entering values"). */
#ifndef TWIN_PANEL_FIELD_H
#define TWIN_PANEL_FIELD_H

#include <stddef.h>

#define FIELD_MAX 64 /* characters of a value */

enum field_kind {
	FIELD_IPV4,	   /* 192.168.1.12 */
	FIELD_IPV4_PREFIX, /* 192.168.1.10/24 */
	FIELD_IPV4_OPT,	   /* an address or empty (no gateway, no DNS) */
	FIELD_HOSTNAME,	   /* RFC 1123 label(s), lower case */
	FIELD_SERVER_OPT,  /* an IPv4 address, a host name, or empty (NTP server) */
	FIELD_PASSWORD,	   /* any printable ASCII, shown as '*' */
	FIELD_PIN,	   /* 4 to 8 digits, shown as '*' */
};

enum field_key { FK_UP, FK_DOWN, FK_LEFT, FK_RIGHT, FK_ENTER, FK_ESC };

/* What a key did to the field. */
enum field_result { FR_EDITING, FR_DONE, FR_CANCEL, FR_INVALID };

struct field {
	enum field_kind kind;
	char label[32];
	char val[FIELD_MAX + 1]; /* the text being edited */
	int pos;		 /* the button editor's cursor in val */
	int min_len;		 /* passwords: at least this long */
	int max_len;		 /* texts: at most this long (0: FIELD_MAX) */
	char err[96];		 /* why the last FR_INVALID */
};

/* Starts editing; init is the value shown first (may be NULL or ""). */
void field_init(struct field *f, enum field_kind kind, const char *label, const char *init);

/* A button. Up/Down change the character (digit) under the cursor,
 * Right/Enter move on, Left/Esc move back; Enter past the end (or on the
 * end mark of a text) finishes, Esc at the start cancels. */
enum field_result field_key(struct field *f, enum field_key k);

/* A typed line (serial): replaces the value, then validates it. */
enum field_result field_set_text(struct field *f, const char *text);

/* 0 when val is a valid value of its kind, else -1 and err says why.
 * On success the canonical form is in out (leading zeros dropped). */
int field_validate(struct field *f, char *out, size_t outlen);

/* The value as the display shows it (secrets masked, the end mark of a
 * button-edited text as '_'); *cursor gets the cursor's column. */
void field_display(const struct field *f, int buttons, char *out, size_t outlen, int *cursor);

/* Validators the wizards and tests share; 0 ok, -1 with why. */
int field_check_ipv4(const char *s, unsigned char out[4], char *why, size_t len);
int field_check_prefix(const char *s, unsigned char out[4], int *prefix, char *why, size_t len);
int field_check_hostname(const char *s, char *why, size_t len);

#endif
