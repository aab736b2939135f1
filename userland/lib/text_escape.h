/* Untrusted text (names and messages from the peer, a client, a file) on
 * its way into a log line: nothing in it may start a new line or drive a
 * terminal. */
#ifndef TWIN_TEXT_ESCAPE_H
#define TWIN_TEXT_ESCAPE_H

#include <stddef.h>

/* Copies src into dst (len bytes, always NUL-terminated): printable ASCII
 * and well-formed UTF-8 as they are; \n \r \t and '\' as "\n" "\r" "\t"
 * "\\"; other control bytes, C1 controls (U+0080..U+009F) and bytes of
 * malformed UTF-8 as "\xNN". Cut at a character boundary when dst is too
 * small. Returns the length written. */
size_t text_escape(char *dst, size_t len, const char *src);

/* The same text as a label value of the Prometheus text format (0.0.4),
 * without the quotes: backslash, double quote and newline as \\ \" \n, the
 * only escapes the format has; other control bytes, C1 controls and bytes of
 * malformed UTF-8 as U+FFFD (a scraper refuses invalid UTF-8). Cut at a
 * character boundary like text_escape. Returns the length written. */
size_t text_escape_label(char *dst, size_t len, const char *src);

#endif
