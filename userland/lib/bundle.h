/* Update bundle layout and header codec (pure: no I/O, no crypto).
 *
 *   0     .. 3071  header: text "key value" lines, NUL-padded; signed
 *   3072  .. 4095  signature block: text lines, NUL-padded
 *   4096  ..       payload: the root slot image (squashfs), payload-size bytes
 *
 * Header:                          Signature block:
 *   twin-update 1                    twin-signature 1
 *   board qemu-x86_64                key 1a2b3c4d5e6f7081
 *   version 0.1.1                    ecdsa-p256-sha256 3045...(DER, hex)
 *   payload-size 14680064
 *   payload-sha256 <64 hex>
 *   kernel 6.1.0-28-amd64            (optional, informational)
 *
 * The signature covers the 3072 header bytes, which name the payload's
 * hash: one ECDSA check vouches for every byte. The payload starts on a
 * 4 KiB boundary so it can be copied to the slot as is. */
#ifndef TWIN_BUNDLE_H
#define TWIN_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#define BUNDLE_HDR_SIZE	   3072
#define BUNDLE_SIG_SIZE	   1024
#define BUNDLE_PAYLOAD_OFF (BUNDLE_HDR_SIZE + BUNDLE_SIG_SIZE)
#define BUNDLE_MAGIC	   "twin-update 1"
#define BUNDLE_SIG_MAGIC   "twin-signature 1"
#define BUNDLE_KEYID_LEN   8  /* bytes of SHA-256(public key DER) */
#define BUNDLE_SIG_MAX	   80 /* DER ECDSA P-256 signature: at most 72 bytes */
#define BUNDLE_PAYLOAD_MAX (1ULL << 36)

struct bundle_hdr {
	char board[64];
	char version[32];
	char kernel[64]; /* "" when absent */
	uint64_t payload_size;
	uint8_t payload_sha256[32];
};

struct bundle_sig {
	uint8_t key_id[BUNDLE_KEYID_LEN];
	uint8_t der[BUNDLE_SIG_MAX];
	size_t der_len;
};

/* Parse a header block. 0, or -1 with a reason in err ("header line 3:
 * ..."). Strict: known keys once each, printable ASCII, NUL padding only. */
int bundle_hdr_parse(const uint8_t blk[BUNDLE_HDR_SIZE], struct bundle_hdr *h, char *err, size_t errlen);
/* Write h as a header block. 0, or -1 if a field is empty or unfit. */
int bundle_hdr_format(const struct bundle_hdr *h, uint8_t blk[BUNDLE_HDR_SIZE], char *err, size_t errlen);

int bundle_sig_parse(const uint8_t blk[BUNDLE_SIG_SIZE], struct bundle_sig *s, char *err, size_t errlen);
int bundle_sig_format(const struct bundle_sig *s, uint8_t blk[BUNDLE_SIG_SIZE], char *err, size_t errlen);

/* A release version "MAJOR.MINOR[.PATCH[.BUILD]]", numbers 0..99999.
 * 0 if valid. */
int bundle_version_valid(const char *v);
/* Compare two valid versions: <0, 0, >0 (1.2 == 1.2.0). */
int bundle_version_cmp(const char *a, const char *b);

/* printf into err (if any); returns -1, for `return bundle_errf(...)`. */
int bundle_errf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Lowercase hex of n bytes into out (2n+1 bytes). */
void bundle_hex(const uint8_t *b, size_t n, char *out);

#endif
