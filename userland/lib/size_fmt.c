/* See size_fmt.h. */
#include "size_fmt.h"

#include <stdio.h>

void size_fmt_kib(uint64_t kib, char *buf, size_t len)
{
	if (kib == UINT64_MAX)
		snprintf(buf, len, "unknown");
	else if (kib == 0)
		snprintf(buf, len, "0");
	else if (kib < 1024)
		snprintf(buf, len, "%llu KiB", (unsigned long long)kib);
	else if (kib < 1024ull * 1024)
		snprintf(buf, len, "%llu MiB", (unsigned long long)((kib + 512) / 1024));
	else
		snprintf(buf, len, "%.1f GiB", (double)kib / (1024.0 * 1024.0));
}
