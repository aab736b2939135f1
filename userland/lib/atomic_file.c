#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/platform_util.h>

/* Directory part of path ("." when none) into dir. */
static void dir_of(const char *path, char *dir, size_t dirlen)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(dir, dirlen, ".");
	else if (slash == path)
		snprintf(dir, dirlen, "/");
	else
		snprintf(dir, dirlen, "%.*s", (int)(slash - path), path);
}

/* The rename is durable only once the directory entry is on disk. */
static int fsync_dir(const char *path)
{
	char dir[PATH_MAX];
	int fd, ret;

	dir_of(path, dir, sizeof(dir));
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = fsync(fd);
	close(fd);
	return ret;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Create tmp fresh (a leftover from a crash is replaced), fill and sync it. */
static int write_tmp(const char *tmp, const void *data, size_t len, mode_t mode)
{
	int fd, saved;

	if (unlink(tmp) < 0 && errno != ENOENT)
		return -1;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode & 07777);
	if (fd < 0)
		return -1;
	/* open() applied the umask; the caller's mode is what it asked for. */
	if (fchmod(fd, mode & 07777) < 0 || write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return close(fd);
}

int atomic_file_write(const char *path, const void *data, size_t len, mode_t mode, char *err, size_t errlen)
{
	char tmp[PATH_MAX];
	const char *step;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		snprintf(err, errlen, "write %s: path too long", path);
		return -1;
	}
	step = "temp file";
	if (write_tmp(tmp, data, len, mode) < 0)
		goto fail;
	step = "rename";
	if (rename(tmp, path) < 0)
		goto fail;
	if (fsync_dir(path) < 0) {
		/* Renamed already: the new content is visible, maybe not durable. */
		snprintf(err, errlen, "write %s: fsync of directory: %s", path, strerror(errno));
		return -1;
	}
	return 0;
fail:
	snprintf(err, errlen, "write %s: %s: %s", path, step, strerror(errno));
	unlink(tmp);
	return -1;
}

static int read_fd(int fd, const char *path, size_t max, char **data, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	char *buf;
	size_t have = 0;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		return -1;
	}
	if ((unsigned long long)st.st_size > max) {
		snprintf(err, errlen, "%s: too large (%lld bytes, max %zu)", path, (long long)st.st_size,
			 max);
		return -1;
	}
	buf = malloc(max + 1);
	if (!buf) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	/* Read to EOF rather than trusting st_size: the file may still grow. */
	for (;;) {
		ssize_t n = read(fd, buf + have, max + 1 - have);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "%s: read: %s", path, strerror(errno));
			atomic_file_free(buf, have);
			return -1;
		}
		if (n == 0)
			break;
		have += (size_t)n;
		if (have > max) {
			snprintf(err, errlen, "%s: too large (max %zu bytes)", path, max);
			atomic_file_free(buf, have);
			return -1;
		}
	}
	buf[have] = 0;
	*data = buf;
	*len = have;
	return 0;
}

int atomic_file_read(const char *path, size_t max, char **data, size_t *len, struct stat *st, char *err,
		     size_t errlen)
{
	int fd, ret;

	*data = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 1;
		snprintf(err, errlen, "%s: %s", path,
			 errno == ELOOP ? "is a symbolic link" : strerror(errno));
		return -1;
	}
	ret = read_fd(fd, path, max, data, len, err, errlen);
	if (ret == 0 && st && fstat(fd, st) < 0) {
		snprintf(err, errlen, "%s: fstat: %s", path, strerror(errno));
		atomic_file_free(*data, *len);
		*data = NULL;
		ret = -1;
	}
	close(fd);
	return ret;
}

void atomic_file_free(char *data, size_t len)
{
	if (!data)
		return;
	mbedtls_platform_zeroize(data, len);
	free(data);
}

int atomic_file_remove(const char *path, char *err, size_t errlen)
{
	if (unlink(path) < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "remove %s: %s", path, strerror(errno));
		return -1;
	}
	if (fsync_dir(path) < 0) {
		snprintf(err, errlen, "remove %s: fsync of directory: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}
