/* Update bundles on disk (bundle_file.h). */
#define _GNU_SOURCE
#include "bundle_file.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/sha256.h>

#define CHUNK (1u << 20)

#define fail bundle_errf

int64_t bundle_fd_size(int fd)
{
	struct stat st;
	uint64_t n;

	if (fstat(fd, &st) < 0)
		return -1;
	if (S_ISREG(st.st_mode))
		return st.st_size;
	if (S_ISBLK(st.st_mode) && ioctl(fd, BLKGETSIZE64, &n) == 0)
		return (int64_t)n;
	return -1;
}

/* pread exactly n bytes; returns bytes read (short at EOF) or -1 */
static ssize_t read_full(int fd, void *buf, size_t n, uint64_t off)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = pread(fd, (char *)buf + got, n - got, (off_t)(off + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static int write_full(int fd, const void *buf, size_t n, uint64_t off)
{
	size_t put = 0;

	while (put < n) {
		ssize_t w = pwrite(fd, (const char *)buf + put, n - put, (off_t)(off + put));
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		put += (size_t)w;
	}
	return 0;
}

int bundle_file_open(struct bundle_file *b, const char *path, char *err, size_t errlen)
{
	char why[200];
	int64_t size;

	memset(b, 0, sizeof(*b));
	b->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (b->fd < 0)
		return fail(err, errlen, "%s: %s", path, strerror(errno));
	size = bundle_fd_size(b->fd);
	if (size < 0) {
		fail(err, errlen, "%s: not a regular file or block device", path);
		goto bad;
	}
	b->size = (uint64_t)size;
	struct stat st;
	b->is_blk = fstat(b->fd, &st) == 0 && S_ISBLK(st.st_mode);
	if (b->size < BUNDLE_PAYLOAD_OFF) {
		fail(err, errlen, "%s: truncated: %" PRIu64 " bytes, not even a bundle header (%d bytes)",
		     path, b->size, BUNDLE_PAYLOAD_OFF);
		goto bad;
	}
	if (read_full(b->fd, b->hdr_blk, BUNDLE_HDR_SIZE, 0) != BUNDLE_HDR_SIZE ||
	    read_full(b->fd, b->sig_blk, BUNDLE_SIG_SIZE, BUNDLE_HDR_SIZE) != BUNDLE_SIG_SIZE) {
		fail(err, errlen, "%s: cannot read the header: %s", path, strerror(errno));
		goto bad;
	}
	if (bundle_hdr_parse(b->hdr_blk, &b->hdr, why, sizeof(why)) < 0 ||
	    bundle_sig_parse(b->sig_blk, &b->sig, why, sizeof(why)) < 0) {
		fail(err, errlen, "%s: %s", path, why);
		goto bad;
	}
	if (b->size - BUNDLE_PAYLOAD_OFF < b->hdr.payload_size) {
		fail(err, errlen, "%s: truncated: %" PRIu64 " bytes of payload, the header says %" PRIu64,
		     path, b->size - BUNDLE_PAYLOAD_OFF, b->hdr.payload_size);
		goto bad;
	}
	return 0;
bad:
	bundle_file_close(b);
	return -1;
}

/* SHA-256 of len bytes of fd from off; if out_fd >= 0 they are also
 * written there from offset 0. what names the source in errors. */
static int hash_copy(int fd, uint64_t off, uint64_t len, uint8_t sum[32], int out_fd, const char *what,
		     char *err, size_t errlen)
{
	mbedtls_sha256_context h;
	uint8_t *buf = malloc(CHUNK);
	uint64_t done = 0;
	int ret = -1;

	if (!buf)
		return fail(err, errlen, "out of memory");
	mbedtls_sha256_init(&h);
	mbedtls_sha256_starts_ret(&h, 0);
	while (done < len) {
		size_t n = len - done < CHUNK ? (size_t)(len - done) : CHUNK;
		ssize_t r = read_full(fd, buf, n, off + done);
		if (r != (ssize_t)n) {
			fail(err, errlen, "%s: %s at byte %" PRIu64, what,
			     r < 0 ? strerror(errno) : "ended early (truncated)", done);
			goto out;
		}
		mbedtls_sha256_update_ret(&h, buf, n);
		if (out_fd >= 0 && write_full(out_fd, buf, n, done) < 0) {
			fail(err, errlen, "writing the slot at byte %" PRIu64 ": %s", done, strerror(errno));
			goto out;
		}
		done += n;
	}
	mbedtls_sha256_finish_ret(&h, sum);
	ret = 0;
out:
	mbedtls_sha256_free(&h);
	free(buf);
	return ret;
}

int bundle_file_stream(struct bundle_file *b, uint8_t sum[32], int out_fd, char *err, size_t errlen)
{
	uint64_t end = BUNDLE_PAYLOAD_OFF + b->hdr.payload_size;
	uint8_t buf[4096];

	if (hash_copy(b->fd, BUNDLE_PAYLOAD_OFF, b->hdr.payload_size, sum, out_fd, "payload", err, errlen) <
	    0)
		return -1;
	/* in a file, anything after the payload is zero padding at most */
	for (uint64_t off = end; !b->is_blk && off < b->size;) {
		ssize_t r = read_full(
		    b->fd, buf, b->size - off < sizeof(buf) ? (size_t)(b->size - off) : sizeof(buf), off);
		if (r <= 0)
			break;
		for (ssize_t i = 0; i < r; i++)
			if (buf[i])
				return fail(err, errlen,
					    "%" PRIu64
					    " unexpected bytes after the payload (not a bundle as built)",
					    b->size - end);
		off += (uint64_t)r;
	}
	if (out_fd >= 0 && fsync(out_fd) < 0)
		return fail(err, errlen, "syncing the slot: %s", strerror(errno));
	return 0;
}

int bundle_hash_fd(int fd, uint64_t len, uint8_t sum[32], char *err, size_t errlen)
{
	return hash_copy(fd, 0, len, sum, -1, "reading back", err, errlen);
}

void bundle_file_close(struct bundle_file *b)
{
	if (b->fd >= 0)
		close(b->fd);
	b->fd = -1;
}
