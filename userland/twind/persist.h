/* Small state files under state_dir (epoch, seq reservation), written
 * atomically: temp file, fsync, rename, fsync of the directory, so a power
 * cut leaves the old or the new value, never a torn one. */
#ifndef TWIN_PERSIST_H
#define TWIN_PERSIST_H

#include <stddef.h>
#include <stdint.h>

/* 0 read, 1 absent, -1 error (message in err). */
int persist_read_u64(const char *dir, const char *name, uint64_t *out, char *err, size_t errlen);
int persist_write_u64(const char *dir, const char *name, uint64_t v, char *err, size_t errlen);
/* mkdir -p with mode 0700 for the last component. */
int persist_mkdir(const char *dir, char *err, size_t errlen);

#endif
