#include "text_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int read_all(int fd, const char *path, size_t max, char *buf, size_t *len, char *err, size_t errlen)
{
	for (;;) {
		ssize_t n = read(fd, buf + *len, max + 1 - *len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "%s:0: cannot read: %s", path, strerror(errno));
			return -1;
		}
		if (n == 0)
			return 0;
		*len += (size_t)n;
		if (*len > max) {
			snprintf(err, errlen, "%s:0: file too large (more than %zu bytes)", path, max);
			return -1;
		}
	}
}

int text_file_read(const char *path, size_t max, char **out, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	int fd, rc = -1;

	*out = NULL;
	*len = 0;
	/* O_NONBLOCK: a FIFO given by mistake must not hang the caller */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		snprintf(err, errlen, "%s:0: cannot open: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0)
		snprintf(err, errlen, "%s:0: cannot stat: %s", path, strerror(errno));
	else if (S_ISDIR(st.st_mode))
		snprintf(err, errlen, "%s:0: is a directory, not a file to read", path);
	else if (!S_ISREG(st.st_mode))
		snprintf(err, errlen, "%s:0: not a regular file", path);
	else if ((size_t)st.st_size > max)
		snprintf(err, errlen, "%s:0: file too large (%lld bytes, max %zu)", path,
			 (long long)st.st_size, max);
	else if (!(buf = malloc(max + 1))) /* one more: notice a file that grew since fstat */
		snprintf(err, errlen, "%s:0: out of memory", path);
	else if (read_all(fd, path, max, buf, len, err, errlen) == 0)
		rc = 0;
	close(fd);
	if (rc < 0) {
		free(buf);
		*len = 0;
		return -1;
	}
	*out = buf;
	return 0;
}

int text_verror(char *err, size_t errlen, const char *name, unsigned line, const char *fmt, va_list ap)
{
	int n;

	if (!err || !errlen)
		return -1;
	n = snprintf(err, errlen, "%s:%u: ", name, line);
	if (n >= 0 && (size_t)n < errlen)
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	return -1;
}
