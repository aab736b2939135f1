/* Sizes for people: "0", "512 KiB", "12 MiB", "3.2 GiB". */
#ifndef TWIN_SIZE_FMT_H
#define TWIN_SIZE_FMT_H

#include <stddef.h>
#include <stdint.h>

/* kib == UINT64_MAX prints "unknown" */
void size_fmt_kib(uint64_t kib, char *buf, size_t len);

#endif
