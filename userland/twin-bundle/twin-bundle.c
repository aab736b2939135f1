/* twin-bundle: makes and checks signed update bundles on the build host.
 *
 *   twin-bundle keygen PRIVATE.pem PUBLIC.pem
 *   twin-bundle create -k PRIVATE.pem -b BOARD -V VERSION [-K KERNEL] PAYLOAD OUT
 *   twin-bundle verify -p PUBLIC.pem BUNDLE     signature, payload hash
 *   twin-bundle info BUNDLE                     the header, unverified
 *
 * The appliance side is `twinctl update`. Format: bundle.h. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"
#include "bundle_file.h"
#include "bundle_sig.h"

#define EXIT_USAGE 2

static int usage(void)
{
	fprintf(stderr,
		"usage: twin-bundle keygen PRIVATE.pem PUBLIC.pem\n"
		"       twin-bundle create -k PRIVATE.pem -b BOARD -V VERSION [-K KERNEL] PAYLOAD OUT\n"
		"       twin-bundle verify -p PUBLIC.pem BUNDLE\n"
		"       twin-bundle info BUNDLE\n");
	return EXIT_USAGE;
}

static void print_hdr(const struct bundle_file *b)
{
	char hex[65], id[2 * BUNDLE_KEYID_LEN + 1];

	bundle_hex(b->hdr.payload_sha256, 32, hex);
	bundle_hex(b->sig.key_id, sizeof(b->sig.key_id), id);
	printf("board %s\nversion %s\nkernel %s\npayload-size %" PRIu64 "\npayload-sha256 %s\nkey %s\n",
	       b->hdr.board, b->hdr.version, b->hdr.kernel[0] ? b->hdr.kernel : "-", b->hdr.payload_size, hex,
	       id);
}

static int cmd_create(int argc, char **argv)
{
	const char *key = NULL, *payload, *out;
	struct bundle_hdr h = {0};
	struct bundle_sig s;
	uint8_t hdr_blk[BUNDLE_HDR_SIZE], sig_blk[BUNDLE_SIG_SIZE];
	mbedtls_pk_context pk;
	char err[300], tmp[4096];
	int c, fd = -1, pfd = -1, ret = 1;

	while ((c = getopt(argc, argv, "k:b:V:K:")) != -1) {
		const char *v = optarg;
		switch (c) {
		case 'k':
			key = v;
			break;
		case 'b':
			snprintf(h.board, sizeof(h.board), "%s", v);
			break;
		case 'V':
			snprintf(h.version, sizeof(h.version), "%s", v);
			break;
		case 'K':
			snprintf(h.kernel, sizeof(h.kernel), "%s", v);
			break;
		default:
			return usage();
		}
	}
	if (!key || !h.board[0] || !h.version[0] || argc - optind != 2)
		return usage();
	payload = argv[optind];
	out = argv[optind + 1];

	pfd = open(payload, O_RDONLY | O_CLOEXEC);
	int64_t psize = pfd < 0 ? -1 : bundle_fd_size(pfd);
	if (psize <= 0) {
		fprintf(stderr, "twin-bundle: %s: %s\n", payload,
			pfd < 0 ? strerror(errno) : "empty or not a file");
		goto out;
	}
	h.payload_size = (uint64_t)psize;
	if (bundle_hash_fd(pfd, h.payload_size, h.payload_sha256, err, sizeof(err)) < 0 ||
	    bundle_hdr_format(&h, hdr_blk, err, sizeof(err)) < 0) {
		fprintf(stderr, "twin-bundle: %s: %s\n", payload, err);
		goto out;
	}
	if (bundle_key_load(&pk, key, 1, err, sizeof(err)) < 0) {
		fprintf(stderr, "twin-bundle: %s\n", err);
		goto out;
	}
	int sr = bundle_sign(&pk, hdr_blk, &s, err, sizeof(err));
	mbedtls_pk_free(&pk);
	if (sr < 0 || bundle_sig_format(&s, sig_blk, err, sizeof(err)) < 0) {
		fprintf(stderr, "twin-bundle: %s\n", err);
		goto out;
	}

	snprintf(tmp, sizeof(tmp), "%s.tmp", out);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, hdr_blk, sizeof(hdr_blk)) != (ssize_t)sizeof(hdr_blk) ||
	    write(fd, sig_blk, sizeof(sig_blk)) != (ssize_t)sizeof(sig_blk)) {
		fprintf(stderr, "twin-bundle: %s: %s\n", tmp, strerror(errno));
		goto out;
	}
	/* copy the payload after the header blocks */
	char *buf = malloc(1 << 20);
	uint64_t done = 0;
	while (buf && done < h.payload_size) {
		ssize_t r = pread(pfd, buf, 1 << 20, (off_t)done);
		if (r <= 0 || write(fd, buf, (size_t)r) != r)
			break;
		done += (uint64_t)r;
	}
	free(buf);
	if (done != h.payload_size || fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		fprintf(stderr, "twin-bundle: writing %s failed\n", tmp);
		unlink(tmp);
		goto out;
	}
	fd = -1;
	if (rename(tmp, out) < 0) {
		fprintf(stderr, "twin-bundle: %s: %s\n", out, strerror(errno));
		unlink(tmp);
		goto out;
	}
	printf("%s: board %s, version %s, payload %" PRIu64 " bytes, signed\n", out, h.board, h.version,
	       h.payload_size);
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (pfd >= 0)
		close(pfd);
	return ret;
}

static int cmd_verify(int argc, char **argv)
{
	const char *pub = NULL;
	struct bundle_file b;
	mbedtls_pk_context pk;
	uint8_t sum[32];
	char err[300];
	int c;

	while ((c = getopt(argc, argv, "p:")) != -1) {
		if (c != 'p')
			return usage();
		pub = optarg;
	}
	if (!pub || argc - optind != 1)
		return usage();
	if (bundle_file_open(&b, argv[optind], err, sizeof(err)) < 0) {
		fprintf(stderr, "twin-bundle: %s\n", err);
		return 1;
	}
	int ok = bundle_key_load(&pk, pub, 0, err, sizeof(err)) == 0;
	if (ok) {
		ok = bundle_verify(&pk, b.hdr_blk, &b.sig, err, sizeof(err)) == 0;
		mbedtls_pk_free(&pk);
	}
	if (ok && bundle_file_stream(&b, sum, -1, err, sizeof(err)) < 0)
		ok = 0;
	if (ok && memcmp(sum, b.hdr.payload_sha256, 32) != 0) {
		snprintf(err, sizeof(err), "payload corrupted: its SHA-256 is not the one the header names");
		ok = 0;
	}
	if (!ok) {
		fprintf(stderr, "twin-bundle: %s: %s\n", argv[optind], err);
		bundle_file_close(&b);
		return 1;
	}
	print_hdr(&b);
	printf("signature and payload OK\n");
	bundle_file_close(&b);
	return 0;
}

int main(int argc, char **argv)
{
	char err[300];

	if (argc < 2)
		return usage();
	const char *cmd = argv[1];
	argc--;
	argv++;
	if (!strcmp(cmd, "keygen")) {
		if (argc != 3)
			return usage();
		if (bundle_keygen(argv[1], argv[2], err, sizeof(err)) < 0) {
			fprintf(stderr, "twin-bundle: %s\n", err);
			return 1;
		}
		return 0;
	}
	if (!strcmp(cmd, "create"))
		return cmd_create(argc, argv);
	if (!strcmp(cmd, "verify"))
		return cmd_verify(argc, argv);
	if (!strcmp(cmd, "info") && argc == 2) {
		struct bundle_file b;
		if (bundle_file_open(&b, argv[1], err, sizeof(err)) < 0) {
			fprintf(stderr, "twin-bundle: %s\n", err);
			return 1;
		}
		print_hdr(&b);
		bundle_file_close(&b);
		return 0;
	}
	return usage();
}
