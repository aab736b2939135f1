/* LCDproc client protocol (lcdproc.h). */
#include "lcdproc.h"

#include <stdio.h>
#include <string.h>

#include "int_parse.h"

static const char *const key_names[] = {"Up", "Down", "Left", "Right", "Enter", "Escape"};

int lcdp_key_index(const char *name)
{
	for (int i = 0; i < 6; i++)
		if (!strcmp(name, key_names[i]))
			return i;
	return -1;
}

/* the value after " NAME " in line, as an int in [1, 256] */
static int field_int(const char *line, const char *name, int *out)
{
	char pat[16], num[8];
	long long v;

	snprintf(pat, sizeof(pat), " %s ", name);
	const char *p = strstr(line, pat);
	if (!p)
		return -1;
	p += strlen(pat);
	size_t n = strspn(p, "0123456789");
	if (n == 0 || n >= sizeof(num))
		return -1;
	memcpy(num, p, n);
	num[n] = 0;
	if (parse_ll(num, 1, 256, &v) < 0)
		return -1;
	*out = (int)v;
	return 0;
}

static int word(const char *line, const char *w)
{
	size_t n = strlen(w);
	return !strncmp(line, w, n) && (line[n] == 0 || line[n] == ' ');
}

int lcdp_parse(const char *line, struct lcdp_in *out)
{
	memset(out, 0, sizeof(*out));
	out->kind = LM_OTHER;
	if (word(line, "connect")) {
		out->kind = LM_CONNECT;
		return field_int(line, "wid", &out->wid) < 0 || field_int(line, "hgt", &out->hgt) < 0 ? -1
												      : 0;
	}
	if (word(line, "success")) {
		out->kind = LM_SUCCESS;
	} else if (word(line, "huh?")) {
		out->kind = LM_HUH;
		snprintf(out->arg, sizeof(out->arg), "%.63s", line[4] ? line + 5 : "");
	} else if (word(line, "key")) {
		out->kind = LM_KEY;
		const char *k = line + 3;
		while (*k == ' ')
			k++;
		if (!*k || strlen(k) >= sizeof(out->arg))
			return -1;
		snprintf(out->arg, sizeof(out->arg), "%s", k);
	} else if (word(line, "listen")) {
		out->kind = LM_LISTEN;
	} else if (word(line, "ignore")) {
		out->kind = LM_IGNORE;
	}
	return 0;
}

void lcdp_quote(const char *text, char *out, size_t len)
{
	size_t o = 0;

	if (len < 3) {
		if (len)
			out[0] = 0;
		return;
	}
	out[o++] = '"';
	for (const unsigned char *p = (const unsigned char *)text; *p && o + 3 < len; p++) {
		if (*p == '"' || *p == '\\')
			out[o++] = '\\';
		out[o++] = *p >= 0x20 && *p < 0x7f ? (char)*p : '?';
	}
	out[o++] = '"';
	out[o] = 0;
}
