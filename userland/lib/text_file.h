/* Reading a small text file a human wrote (twin.conf, the jobs crontab):
 * whole, capped, never hanging on a FIFO, with "PATH:0: reason" errors in
 * the style of the parsers' "PATH:LINE: reason". */
#ifndef TWIN_TEXT_FILE_H
#define TWIN_TEXT_FILE_H

#include <stdarg.h>
#include <stddef.h>

/* Reads at most max bytes of a regular file into a malloc'd buffer (free
 * it). 0, or -1 with err: cannot open, is a directory, not a regular file,
 * file too large, cannot read, out of memory. */
int text_file_read(const char *path, size_t max, char **buf, size_t *len, char *err, size_t errlen);

/* "NAME:LINE: message" into err (the parsers' error form); returns -1 so a
 * parser can `return text_error(...)`. err may be NULL or short. */
int text_verror(char *err, size_t errlen, const char *name, unsigned line, const char *fmt, va_list ap)
    __attribute__((format(printf, 5, 0)));

#endif
