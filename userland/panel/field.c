/* The console's input fields (field.h). */
#include "field.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "int_parse.h"

#define IPV4_TEMPLATE "000.000.000.000"

static const char HOST_CHARS[] = "abcdefghijklmnopqrstuvwxyz0123456789-.";
static const char PIN_CHARS[] = "0123456789";
#define DEL_MARK '<' /* chosen at a position and entered: deletes that character */

static int is_addr(const struct field *f)
{
	return f->kind == FIELD_IPV4 || f->kind == FIELD_IPV4_PREFIX || f->kind == FIELD_IPV4_OPT;
}

static int is_secret(const struct field *f)
{
	return f->kind == FIELD_PASSWORD || f->kind == FIELD_PIN;
}

/* the characters a text position cycles through (then DEL_MARK) */
static const char *charset(const struct field *f)
{
	static char printable[96];

	if (f->kind == FIELD_HOSTNAME || f->kind == FIELD_SERVER_OPT)
		return HOST_CHARS;
	if (f->kind == FIELD_PIN)
		return PIN_CHARS;
	if (!printable[0])
		for (int c = 0x21, i = 0; c <= 0x7e; c++)
			printable[i++] = (char)c;
	return printable;
}

int field_check_ipv4(const char *s, unsigned char out[4], char *why, size_t len)
{
	const char *p = s;

	for (int i = 0; i < 4; i++) {
		int digits = 0;
		unsigned v = 0;
		while (isdigit((unsigned char)*p) && digits < 4) {
			v = v * 10 + (unsigned)(*p++ - '0');
			digits++;
		}
		if (!digits || digits > 3)
			return snprintf(why, len, "'%s' is not an IPv4 address (a.b.c.d)", s), -1;
		if (v > 255)
			return snprintf(why, len, "%u is not an address byte (0..255)", v), -1;
		out[i] = (unsigned char)v;
		if (i < 3 && *p++ != '.')
			return snprintf(why, len, "'%s' is not an IPv4 address (a.b.c.d)", s), -1;
	}
	if (*p)
		return snprintf(why, len, "'%s' is not an IPv4 address (a.b.c.d)", s), -1;
	if (out[0] == 0 || out[0] == 127 || out[0] >= 224)
		return snprintf(why, len, "%u.%u.%u.%u cannot be a node's address (%s)", out[0], out[1],
				out[2], out[3],
				out[0] == 0	? "0.x is 'this network'"
				: out[0] == 127 ? "127.x is loopback"
						: "224 and above: multicast or reserved"),
		       -1;
	return 0;
}

int field_check_prefix(const char *s, unsigned char out[4], int *prefix, char *why, size_t len)
{
	char addr[24];
	const char *slash = strchr(s, '/');
	long long pfx;

	if (!slash || (size_t)(slash - s) >= sizeof(addr))
		return snprintf(why, len, "'%s' needs a prefix length: a.b.c.d/N", s), -1;
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = 0;
	if (field_check_ipv4(addr, out, why, len) < 0)
		return -1;
	if (parse_ll(slash + 1, 1, 32, &pfx) < 0)
		return snprintf(why, len, "'/%s' is not a prefix length (1..32)", slash + 1), -1;
	if (pfx < 8 || pfx > 30)
		return snprintf(why, len, "/%lld leaves no room for two nodes and a failover IP (8..30)",
				pfx),
		       -1;
	uint32_t a = (uint32_t)out[0] << 24 | (uint32_t)out[1] << 16 | (uint32_t)out[2] << 8 | out[3];
	uint32_t host = ~0u >> pfx;
	if ((a & host) == 0 || (a & host) == host)
		return snprintf(why, len, "%s is the %s address of /%lld, not a host", addr,
				(a & host) == 0 ? "network" : "broadcast", pfx),
		       -1;
	*prefix = (int)pfx;
	return 0;
}

int field_check_hostname(const char *s, char *why, size_t len)
{
	size_t n = strlen(s), label = 0;

	if (n == 0 || n > 63)
		return snprintf(why, len, "a host name has 1 to 63 characters"), -1;
	for (size_t i = 0; i <= n; i++) {
		char c = s[i];
		if (c == '.' || c == 0) {
			if (label == 0)
				return snprintf(why, len, "'%s': empty part between dots", s), -1;
			if (s[i - 1] == '-')
				return snprintf(why, len, "'%s': a part cannot end in '-'", s), -1;
			label = 0;
			continue;
		}
		if (!(islower((unsigned char)c) || isdigit((unsigned char)c) || c == '-'))
			return snprintf(why, len, "'%s': only a-z, 0-9, '-' and '.'", s), -1;
		if (c == '-' && label == 0)
			return snprintf(why, len, "'%s': a part cannot start with '-'", s), -1;
		label++;
	}
	return 0;
}

/* "192.168.1.12" into the button template "192.168.001.012" (or zeros) */
static void to_template(struct field *f, const char *init)
{
	unsigned char a[4] = {0, 0, 0, 0};
	char why[8];
	int pfx = 0;
	const char *slash = init ? strchr(init, '/') : NULL;

	if (init && *init) {
		char addr[24];
		snprintf(addr, sizeof(addr), "%.*s", slash ? (int)(slash - init) : (int)strlen(init), init);
		if (field_check_ipv4(addr, a, why, sizeof(why)) < 0)
			memset(a, 0, sizeof(a));
		long long v;
		if (slash && parse_ll(slash + 1, 1, 32, &v) == 0)
			pfx = (int)v;
	}
	snprintf(f->val, sizeof(f->val), "%03u.%03u.%03u.%03u", a[0], a[1], a[2], a[3]);
	if (f->kind == FIELD_IPV4_PREFIX)
		snprintf(f->val + strlen(IPV4_TEMPLATE), sizeof(f->val) - strlen(IPV4_TEMPLATE), "/%02d",
			 pfx ? pfx : 24);
}

void field_init(struct field *f, enum field_kind kind, const char *label, const char *init)
{
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	snprintf(f->label, sizeof(f->label), "%s", label ? label : "");
	f->min_len = kind == FIELD_PIN ? 4 : kind == FIELD_PASSWORD ? 1 : 0;
	if (is_addr(f))
		to_template(f, init);
	else
		snprintf(f->val, sizeof(f->val), "%s", init ? init : "");
}

/* the template with leading zeros dropped: "192.168.001.012" -> "192.168.1.12" */
static void from_template(const char *t, char *out, size_t len)
{
	size_t o = 0;
	int lead = 1;

	for (const char *p = t; *p && o + 1 < len; p++) {
		if (*p == '.' || *p == '/') {
			lead = 1;
			out[o++] = *p;
			continue;
		}
		int last = !isdigit((unsigned char)p[1]);
		if (lead && *p == '0' && !last)
			continue;
		lead = 0;
		out[o++] = *p;
	}
	out[o] = 0;
}

int field_validate(struct field *f, char *out, size_t outlen)
{
	unsigned char a[4];
	int pfx;
	char canon[FIELD_MAX + 1];
	size_t n = strlen(f->val);

	f->err[0] = 0;
	if (!is_addr(f) && f->max_len && n > (size_t)f->max_len) {
		snprintf(f->err, sizeof(f->err), "at most %d characters", f->max_len);
		return -1;
	}
	switch (f->kind) {
	case FIELD_IPV4:
	case FIELD_IPV4_OPT:
		from_template(f->val, canon, sizeof(canon));
		if (f->kind == FIELD_IPV4_OPT && (!canon[0] || !strcmp(canon, "0.0.0.0"))) {
			snprintf(out, outlen, "%s", "");
			return 0;
		}
		if (field_check_ipv4(canon, a, f->err, sizeof(f->err)) < 0)
			return -1;
		snprintf(out, outlen, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
		return 0;
	case FIELD_IPV4_PREFIX:
		from_template(f->val, canon, sizeof(canon));
		if (field_check_prefix(canon, a, &pfx, f->err, sizeof(f->err)) < 0)
			return -1;
		snprintf(out, outlen, "%u.%u.%u.%u/%d", a[0], a[1], a[2], a[3], pfx);
		return 0;
	case FIELD_HOSTNAME:
		if (field_check_hostname(f->val, f->err, sizeof(f->err)) < 0)
			return -1;
		break;
	case FIELD_SERVER_OPT:
		/* digits and dots only: meant as an address, checked as one */
		if (n && strspn(f->val, "0123456789.") == n) {
			if (field_check_ipv4(f->val, a, f->err, sizeof(f->err)) < 0)
				return -1;
			snprintf(out, outlen, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
			return 0;
		}
		if (n && field_check_hostname(f->val, f->err, sizeof(f->err)) < 0)
			return -1;
		break;
	case FIELD_PIN:
		if (n < 4 || n > 8 || strspn(f->val, PIN_CHARS) != n) {
			snprintf(f->err, sizeof(f->err), "a PIN is 4 to 8 digits");
			return -1;
		}
		break;
	case FIELD_PASSWORD:
		if (n < (size_t)(f->min_len ? f->min_len : 1)) {
			if (n == 0)
				snprintf(f->err, sizeof(f->err), "the password is empty");
			else
				snprintf(f->err, sizeof(f->err), "a password needs at least %d characters",
					 f->min_len);
			return -1;
		}
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)f->val[i] < 0x20 || (unsigned char)f->val[i] == 0x7f) {
				snprintf(f->err, sizeof(f->err), "no control characters in a password");
				return -1;
			}
		break;
	}
	snprintf(out, outlen, "%s", f->val);
	return 0;
}

static enum field_result finish(struct field *f)
{
	char out[FIELD_MAX + 1];

	if (field_validate(f, out, sizeof(out)) < 0)
		return FR_INVALID;
	snprintf(f->val, sizeof(f->val), "%s", out);
	return FR_DONE;
}

static enum field_result addr_key(struct field *f, enum field_key k)
{
	int n = (int)strlen(f->val);
	char *c = &f->val[f->pos];

	switch (k) {
	case FK_UP:
	case FK_DOWN:
		*c = (char)('0' + (*c - '0' + (k == FK_UP ? 1 : 9)) % 10);
		return FR_EDITING;
	case FK_RIGHT:
	case FK_ENTER:
		do
			f->pos++;
		while (f->pos < n && !isdigit((unsigned char)f->val[f->pos]));
		if (f->pos < n)
			return FR_EDITING;
		if (k == FK_RIGHT) {
			f->pos = n - 1;
			return FR_EDITING;
		}
		f->pos = n - 1;
		char keep[FIELD_MAX + 1];
		snprintf(keep, sizeof(keep), "%s", f->val);
		enum field_result r = finish(f);
		if (r != FR_DONE) /* stay on the template to correct it */
			snprintf(f->val, sizeof(f->val), "%s", keep);
		return r;
	case FK_LEFT:
	case FK_ESC:
		if (f->pos == 0)
			return k == FK_ESC ? FR_CANCEL : FR_EDITING;
		do
			f->pos--;
		while (f->pos > 0 && !isdigit((unsigned char)f->val[f->pos]));
		return FR_EDITING;
	}
	return FR_EDITING;
}

static enum field_result text_key(struct field *f, enum field_key k)
{
	const char *cs = charset(f);
	size_t ncs = strlen(cs);
	int n = (int)strlen(f->val);

	switch (k) {
	case FK_UP:
	case FK_DOWN: {
		if (f->pos >= n) { /* on the end mark: a new character */
			if (n >= FIELD_MAX)
				return FR_EDITING;
			f->val[n] = k == FK_UP ? cs[0] : cs[ncs - 1];
			f->val[n + 1] = 0;
			return FR_EDITING;
		}
		/* cycle: the charset, then the delete mark */
		char *c = &f->val[f->pos];
		const char *at = *c == DEL_MARK ? NULL : strchr(cs, *c);
		size_t i = at ? (size_t)(at - cs) : ncs;
		i = (i + (k == FK_UP ? 1 : ncs)) % (ncs + 1);
		*c = i == ncs ? DEL_MARK : cs[i];
		return FR_EDITING;
	}
	case FK_RIGHT:
	case FK_ENTER:
		if (f->pos < n && f->val[f->pos] == DEL_MARK) {
			memmove(&f->val[f->pos], &f->val[f->pos + 1], (size_t)(n - f->pos));
			return FR_EDITING;
		}
		if (f->pos < n) {
			f->pos++;
			return FR_EDITING;
		}
		return k == FK_ENTER ? finish(f) : FR_EDITING;
	case FK_LEFT:
	case FK_ESC:
		if (f->pos == 0)
			return k == FK_ESC ? FR_CANCEL : FR_EDITING;
		f->pos--;
		return FR_EDITING;
	}
	return FR_EDITING;
}

enum field_result field_key(struct field *f, enum field_key k)
{
	f->err[0] = 0;
	return is_addr(f) ? addr_key(f, k) : text_key(f, k);
}

enum field_result field_set_text(struct field *f, const char *text)
{
	size_t n = strlen(text);

	if (n > FIELD_MAX) {
		snprintf(f->err, sizeof(f->err), "too long (at most %d characters)", FIELD_MAX);
		return FR_INVALID;
	}
	if (is_addr(f)) {
		/* typed: validate what was typed, not a template */
		char out[FIELD_MAX + 1];
		struct field t = *f;
		snprintf(t.val, sizeof(t.val), "%s", text);
		unsigned char a[4];
		int pfx;
		int bad =
		    f->kind == FIELD_IPV4_PREFIX ? field_check_prefix(text, a, &pfx, f->err, sizeof(f->err))
		    : f->kind == FIELD_IPV4_OPT && !*text ? 0
							  : field_check_ipv4(text, a, f->err, sizeof(f->err));
		if (bad < 0)
			return FR_INVALID;
		if (field_validate(&t, out, sizeof(out)) < 0) {
			snprintf(f->err, sizeof(f->err), "%s", t.err);
			return FR_INVALID;
		}
		to_template(f, out);
		snprintf(f->val, sizeof(f->val), "%s", out);
		return FR_DONE;
	}
	snprintf(f->val, sizeof(f->val), "%s", text);
	f->pos = (int)n;
	return finish(f);
}

void field_display(const struct field *f, int buttons, char *out, size_t outlen, int *cursor)
{
	size_t n = strlen(f->val), o = 0;

	*cursor = buttons ? f->pos : (int)n;
	for (size_t i = 0; i < n && o + 1 < outlen; i++)
		out[o++] = is_secret(f) && !(buttons && (int)i == f->pos) ? '*' : f->val[i];
	if (buttons && !is_addr(f) && f->pos >= (int)n && o + 1 < outlen)
		out[o++] = '_';
	out[o] = 0;
}
