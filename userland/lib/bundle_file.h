/* Reading an update bundle from a file or block device: its two header
 * blocks, its size, and a streaming pass over the payload that hashes it
 * and can copy it somewhere (the slot). */
#ifndef TWIN_BUNDLE_FILE_H
#define TWIN_BUNDLE_FILE_H

#include <stdint.h>

#include "bundle.h"

struct bundle_file {
	int fd;
	uint64_t size; /* bytes in the file or device */
	int is_blk;    /* a block device (a USB stick): bytes after the bundle are not its own */
	uint8_t hdr_blk[BUNDLE_HDR_SIZE];
	uint8_t sig_blk[BUNDLE_SIG_SIZE];
	struct bundle_hdr hdr;
	struct bundle_sig sig;
};

/* Open path, read and parse both blocks (the signature is NOT checked
 * here: see bundle_verify), and refuse a file too short for the payload
 * the header names. 0, or -1 with err (the file is closed then). */
int bundle_file_open(struct bundle_file *b, const char *path, char *err, size_t errlen);

/* Read the payload once: SHA-256 into sum, and if out_fd >= 0 also write it
 * there from offset 0. In a file, bytes after the payload must be zeros
 * (padding); on a block device they are ignored. 0, or -1 with err. */
int bundle_file_stream(struct bundle_file *b, uint8_t sum[32], int out_fd, char *err, size_t errlen);

/* SHA-256 of the first len bytes of fd (read back a written slot). */
int bundle_hash_fd(int fd, uint64_t len, uint8_t sum[32], char *err, size_t errlen);

/* Size of a regular file or block device, or -1. */
int64_t bundle_fd_size(int fd);

void bundle_file_close(struct bundle_file *b);

#endif
