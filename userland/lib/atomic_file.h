/* Whole-file writes that survive a power cut, and capped whole-file reads.
 *
 * atomic_file_write: data goes to "<path>.tmp" in the same directory
 * (created fresh with the given mode, umask not applied), fsync, rename over
 * path, fsync of the directory. A crash at any point leaves either the old
 * file or the new one, never a mix; a stale "<path>.tmp" may remain and is
 * replaced by the next write. One writer per path at a time. */
#ifndef TWIN_ATOMIC_FILE_H
#define TWIN_ATOMIC_FILE_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/* Returns 0, or -1 with "write PATH: reason" in err (the temp file is removed
 * and path is unchanged). */
int atomic_file_write(const char *path, const void *data, size_t len, mode_t mode, char *err, size_t errlen);

/* Read all of path (a regular file, symlinks not followed) into a malloc'd
 * buffer with a NUL appended (not counted in *len). Files larger than max
 * bytes are refused. st, if not NULL, receives the file's fstat (for mode
 * checks without a race). Returns 0, 1 if the file does not exist, or -1 with
 * "PATH: reason" in err. Free with atomic_file_free (wipes: may hold keys). */
int atomic_file_read(const char *path, size_t max, char **data, size_t *len, struct stat *st, char *err,
		     size_t errlen);
void atomic_file_free(char *data, size_t len);

/* Remove path and fsync the directory. 0 (also when absent) or -1 with err. */
int atomic_file_remove(const char *path, char *err, size_t errlen);

#endif
