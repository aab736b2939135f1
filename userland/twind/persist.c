#include "persist.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
	char path[512], buf[64];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 1;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0) {
		snprintf(err, errlen, "%s: empty or unreadable", path);
		return -1;
	}
	buf[n] = 0;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n')) {
		snprintf(err, errlen, "%s: not a number", path);
		return -1;
	}
	*out = v;
	return 0;
}

int persist_write_u64(const char *dir, const char *name, uint64_t v, char *err, size_t errlen)
{
	char path[512], tmp[520], buf[32];
	int fd, len;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	len = snprintf(buf, sizeof(buf), "%" PRIu64 "\n", v);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		goto fail;
	if (write(fd, buf, len) != len || fsync(fd) < 0) {
		close(fd);
		goto fail;
	}
	close(fd);
	if (rename(tmp, path) < 0)
		goto fail;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	return 0;
fail:
	snprintf(err, errlen, "write %s: %s", path, strerror(errno));
	unlink(tmp);
	return -1;
}
