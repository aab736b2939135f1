#include "text_escape.h"

#include <stdio.h>
#include <string.h>

/* bytes of the well-formed UTF-8 sequence at u (not C1, not overlong,
 * no surrogates, <= U+10FFFF), 0 if there is none */
static size_t utf8_len(const unsigned char *u)
{
	unsigned c = u[0];

	if (c >= 0xc2 && c <= 0xdf)
		return (u[1] & 0xc0) == 0x80 && !(c == 0xc2 && u[1] < 0xa0) ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if ((u[1] & 0xc0) != 0x80 || (u[2] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xe0 && u[1] < 0xa0) || (c == 0xed && u[1] >= 0xa0))
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if ((u[1] & 0xc0) != 0x80 || (u[2] & 0xc0) != 0x80 || (u[3] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xf0 && u[1] < 0x90) || (c == 0xf4 && u[1] >= 0x90))
			return 0;
		return 4;
	}
	return 0;
}

size_t text_escape(char *dst, size_t len, const char *src)
{
	const unsigned char *u = (const unsigned char *)src;
	size_t o = 0;

	if (!len)
		return 0;
	while (*u) {
		char esc[8];
		const char *piece = esc;
		size_t n;
		unsigned c = *u;

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			piece = (const char *)u;
			n = 1;
		} else if (c == '\\' || c == '\n' || c == '\r' || c == '\t') {
			esc[0] = '\\';
			esc[1] = c == '\\' ? '\\' : c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
			n = 2;
		} else if (c >= 0x80 && (n = utf8_len(u)) > 0) {
			piece = (const char *)u;
		} else {
			snprintf(esc, sizeof(esc), "\\x%02x", c);
			n = 4;
		}
		if (o + n >= len)
			break;
		memcpy(dst + o, piece, n);
		o += n;
		u += piece == esc ? 1 : n;
	}
	dst[o] = 0;
	return o;
}

size_t text_escape_label(char *dst, size_t len, const char *src)
{
	const unsigned char *u = (const unsigned char *)src;
	size_t o = 0;

	if (!len)
		return 0;
	while (*u) {
		const char *piece = (const char *)u;
		size_t n = 1, used = 1;
		unsigned c = *u;

		if (c == '\\' || c == '"' || c == '\n') {
			piece = c == '\\' ? "\\\\" : c == '"' ? "\\\"" : "\\n";
			n = 2;
		} else if (c >= 0x80 && (n = utf8_len(u)) > 0) {
			used = n;
		} else if (c < 0x20 || c == 0x7f || c >= 0x80) {
			piece = "\xef\xbf\xbd"; /* U+FFFD */
			n = 3;
		}
		if (o + n >= len)
			break;
		memcpy(dst + o, piece, n);
		o += n;
		u += used;
	}
	dst[o] = 0;
	return o;
}
