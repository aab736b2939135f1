/* Reading a small text file a human wrote (twin.conf, the jobs crontab):
 * whole, capped, never hanging on a FIFO, with "PATH:0: reason" errors in
 * the style of the parsers' "PATH:LINE: reason". */
#ifndef TWIN_TEXT_FILE_H
#define TWIN_TEXT_FILE_H

#include <stddef.h>

/* Reads at most max bytes of a regular file into a malloc'd buffer (free
 * it). 0, or -1 with err: cannot open, is a directory, not a regular file,
 * file too large, cannot read, out of memory. */
int text_file_read(const char *path, size_t max, char **buf, size_t *len, char *err, size_t errlen);

#endif
