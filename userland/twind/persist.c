#include "persist.h"

#include "atomic_file.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int persist_mkdir(const char *dir, char *err, size_t errlen)
{
	char path[512];
	size_t n = strlen(dir);

	if (n == 0 || n >= sizeof(path)) {
		snprintf(err, errlen, "state directory '%s': bad path", dir);
		return -1;
	}
	memcpy(path, dir, n + 1);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			snprintf(err, errlen, "mkdir %s: %s", path, strerror(errno));
			return -1;
		}
		*p = '/';
	}
	if (mkdir(path, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "mkdir %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int persist_read_u64(const char *dir, const char *name, uint64_t *out, char *err, size_t errlen)
{
	char path[512], *data = NULL, *end;
	size_t len = 0;
	int r;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	r = atomic_file_read(path, 64, &data, &len, NULL, err, errlen);
	if (r != 0)
		return r; /* 1 absent, -1 error */
	errno = 0;
	unsigned long long v = strtoull(data, &end, 10);
	int bad = errno || end == data || (*end && *end != '\n');
	atomic_file_free(data, len);
	if (bad) {
		snprintf(err, errlen, "%s: not a number", path);
		return -1;
	}
	*out = v;
	return 0;
}

int persist_write_u64(const char *dir, const char *name, uint64_t v, char *err, size_t errlen)
{
	char path[512], buf[32];
	int len = snprintf(buf, sizeof(buf), "%" PRIu64 "\n", v);

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return atomic_file_write(path, buf, (size_t)len, 0600, err, errlen);
}
