/* Update bundle codec: header and signature blocks round-trip, every
 * malformed block is refused with its reason, versions compare
 * numerically, and signatures verify only for the right key and bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bundle.h"
#include "bundle_sig.h"
#include "check.h"

static struct bundle_hdr sample(void)
{
	struct bundle_hdr h = {.payload_size = 14680064};

	strcpy(h.board, "qemu-x86_64");
	strcpy(h.version, "0.1.1");
	strcpy(h.kernel, "6.1.0-28-amd64");
	for (int i = 0; i < 32; i++)
		h.payload_sha256[i] = (uint8_t)(i * 7);
	return h;
}

static void test_roundtrip(void)
{
	struct bundle_hdr h = sample(), g;
	uint8_t blk[BUNDLE_HDR_SIZE];
	char err[200];

	CHECK_EQ(bundle_hdr_format(&h, blk, err, sizeof(err)), 0);
	CHECK_EQ(bundle_hdr_parse(blk, &g, err, sizeof(err)), 0);
	CHECK_STR(g.board, "qemu-x86_64");
	CHECK_STR(g.version, "0.1.1");
	CHECK_STR(g.kernel, "6.1.0-28-amd64");
	CHECK(g.payload_size == 14680064);
	CHECK(memcmp(g.payload_sha256, h.payload_sha256, 32) == 0);

	/* kernel is optional */
	h.kernel[0] = 0;
	CHECK_EQ(bundle_hdr_format(&h, blk, err, sizeof(err)), 0);
	CHECK_EQ(bundle_hdr_parse(blk, &g, err, sizeof(err)), 0);
	CHECK_STR(g.kernel, "");

	/* format refuses what parse would refuse */
	h = sample();
	strcpy(h.board, "Bad Board");
	CHECK_EQ(bundle_hdr_format(&h, blk, err, sizeof(err)), -1);
	h = sample();
	strcpy(h.version, "1");
	CHECK_EQ(bundle_hdr_format(&h, blk, err, sizeof(err)), -1);
	h = sample();
	h.payload_size = 0;
	CHECK_EQ(bundle_hdr_format(&h, blk, err, sizeof(err)), -1);
}

/* parse TEXT as a header block; expect failure with WANT in the reason */
static void refused(const char *text, const char *want)
{
	uint8_t blk[BUNDLE_HDR_SIZE] = {0};
	struct bundle_hdr h;
	char err[200] = "";

	memcpy(blk, text, strlen(text));
	int rc = bundle_hdr_parse(blk, &h, err, sizeof(err));
	CHECK_EQ(rc, -1);
	if (rc == -1 && !strstr(err, want))
		fprintf(stderr, "want \"%s\" in \"%s\"\n", want, err);
	CHECK_CONTAINS(err, want);
}

#define SUM "0001020304050607080910111213141516171819202122232425262728293031"

static void test_bad_headers(void)
{
	refused("", "not a Twin update bundle");
	refused("twin-update 2\nboard b\n", "not a Twin update bundle");
	refused("twin-update 1\n", "no fields");
	refused("twin-update 1\nboard b", "not terminated");
	refused("twin-update 1\nboard b\nversion 1.0\npayload-size 10\n", "payload-sha256 missing");
	refused("twin-update 1\nversion 1.0\npayload-size 10\npayload-sha256 " SUM "\n", "board missing");
	refused("twin-update 1\nboard b\nboard c\n", "board given twice");
	refused("twin-update 1\nboard b\ncolour red\n", "unknown key");
	refused("twin-update 1\nboard b c\n", "key value");
	refused("twin-update 1\nboard\n", "key value");
	refused("twin-update 1\nboard B\n", "bad board");
	refused("twin-update 1\nversion 1.x\n", "bad version");
	refused("twin-update 1\nversion 1.2.3.4.5\n", "bad version");
	refused("twin-update 1\nversion 123456.0\n", "bad version");
	refused("twin-update 1\npayload-size -1\n", "bad payload-size");
	refused("twin-update 1\npayload-size 0\n", "bad payload-size");
	refused("twin-update 1\npayload-size 99999999999999999999\n", "bad payload-size");
	refused("twin-update 1\npayload-size 12abc\n", "bad payload-size");
	refused("twin-update 1\npayload-sha256 00ff\n", "64 lowercase hex");
	refused("twin-update 1\npayload-sha256 " SUM "00\n", "64 lowercase hex");
	refused("twin-update 1\nboard b\tx\n", "not printable");

	/* bytes after the text's NUL padding starts */
	uint8_t blk[BUNDLE_HDR_SIZE] = {0};
	struct bundle_hdr h = sample(), g;
	char err[200];
	bundle_hdr_format(&h, blk, err, sizeof(err));
	blk[BUNDLE_HDR_SIZE - 1] = 'x';
	CHECK_EQ(bundle_hdr_parse(blk, &g, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "stray bytes");
	/* a header without any NUL (all text) */
	memset(blk, 'a', sizeof(blk));
	memcpy(blk, "twin-update 1\n", 14);
	CHECK_EQ(bundle_hdr_parse(blk, &g, err, sizeof(err)), -1);
}

static void test_sig_block(void)
{
	struct bundle_sig s = {.der_len = 70}, t;
	uint8_t blk[BUNDLE_SIG_SIZE];
	char err[200];

	for (int i = 0; i < 70; i++)
		s.der[i] = (uint8_t)(255 - i);
	memcpy(s.key_id, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	CHECK_EQ(bundle_sig_format(&s, blk, err, sizeof(err)), 0);
	CHECK_EQ(bundle_sig_parse(blk, &t, err, sizeof(err)), 0);
	CHECK(t.der_len == 70 && memcmp(t.der, s.der, 70) == 0 && memcmp(t.key_id, s.key_id, 8) == 0);

	memset(blk, 0, sizeof(blk));
	memset(blk, 0, sizeof(blk));
	strcpy((char *)blk, "twin-signature 1\nkey 0102030405060708\n");
	CHECK_EQ(bundle_sig_parse(blk, &t, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "signature missing");
	memset(blk, 0, sizeof(blk));
	strcpy((char *)blk, "twin-signature 1\nkey 01020304\necdsa-p256-sha256 00\n");
	CHECK_EQ(bundle_sig_parse(blk, &t, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "bad key id");
	memset(blk, 0, sizeof(blk));
	strcpy((char *)blk, "twin-signature 1\nrsa-sha1 00\n");
	CHECK_EQ(bundle_sig_parse(blk, &t, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "only ecdsa-p256-sha256");
	memset(blk, 0, sizeof(blk));
	snprintf((char *)blk, sizeof(blk), "twin-signature 1\nkey 0102030405060708\necdsa-p256-sha256 %0*d\n",
		 2 * (BUNDLE_SIG_MAX + 1), 0);
	CHECK_EQ(bundle_sig_parse(blk, &t, err, sizeof(err)), -1);
	s.der_len = 0;
	CHECK_EQ(bundle_sig_format(&s, blk, err, sizeof(err)), -1);
}

static void test_versions(void)
{
	CHECK(bundle_version_valid("0.1"));
	CHECK(bundle_version_valid("1.2.3"));
	CHECK(bundle_version_valid("1.2.3.4"));
	CHECK(!bundle_version_valid("1"));
	CHECK(!bundle_version_valid("1."));
	CHECK(!bundle_version_valid(".1"));
	CHECK(!bundle_version_valid("1..2"));
	CHECK(!bundle_version_valid("1.2-rc1"));
	CHECK(!bundle_version_valid(""));
	CHECK(bundle_version_cmp("0.1.10", "0.1.9") > 0);
	CHECK(bundle_version_cmp("0.2", "0.1.99") > 0);
	CHECK(bundle_version_cmp("1.2", "1.2.0") == 0);
	CHECK(bundle_version_cmp("1.2.0.1", "1.2") > 0);
	CHECK(bundle_version_cmp("0.9", "1.0") < 0);
}

static void test_signatures(void)
{
	char dir[] = "/tmp/twin-bundle-unit.XXXXXX", priv[80], pub[80], priv2[80], pub2[80], err[300];
	mbedtls_pk_context k, p, p2;
	struct bundle_hdr h = sample();
	struct bundle_sig s, s2;
	uint8_t blk[BUNDLE_HDR_SIZE];

	if (!mkdtemp(dir)) {
		CHECK(0);
		return;
	}
	snprintf(priv, sizeof(priv), "%s/k.pem", dir);
	snprintf(pub, sizeof(pub), "%s/k.pub", dir);
	snprintf(priv2, sizeof(priv2), "%s/o.pem", dir);
	snprintf(pub2, sizeof(pub2), "%s/o.pub", dir);
	CHECK_EQ(bundle_keygen(priv, pub, err, sizeof(err)), 0);
	CHECK_EQ(bundle_keygen(priv2, pub2, err, sizeof(err)), 0);
	CHECK_EQ(bundle_key_load(&k, priv, 1, err, sizeof(err)), 0);
	CHECK_EQ(bundle_key_load(&p, pub, 0, err, sizeof(err)), 0);
	CHECK_EQ(bundle_key_load(&p2, pub2, 0, err, sizeof(err)), 0);
	bundle_hdr_format(&h, blk, err, sizeof(err));
	CHECK_EQ(bundle_sign(&k, blk, &s, err, sizeof(err)), 0);
	CHECK_EQ(bundle_sign(&k, blk, &s2, err, sizeof(err)), 0);
	CHECK(s.der_len == s2.der_len && memcmp(s.der, s2.der, s.der_len) == 0); /* RFC 6979 */
	CHECK_EQ(bundle_verify(&p, blk, &s, err, sizeof(err)), 0);
	CHECK_EQ(bundle_verify(&p2, blk, &s, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "signed with key");
	blk[20] ^= 1;
	CHECK_EQ(bundle_verify(&p, blk, &s, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "does not match");
	blk[20] ^= 1;
	s.der[10] ^= 0x40;
	CHECK_EQ(bundle_verify(&p, blk, &s, err, sizeof(err)), -1);
	/* a public key is not a private key, a missing file is an error */
	mbedtls_pk_context x;
	CHECK_EQ(bundle_key_load(&x, pub, 1, err, sizeof(err)), -1);
	CHECK_EQ(bundle_key_load(&x, "/nonexistent/k.pub", 0, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "cannot read the public key");
	mbedtls_pk_free(&k);
	mbedtls_pk_free(&p);
	mbedtls_pk_free(&p2);
	unlink(priv);
	unlink(pub);
	unlink(priv2);
	unlink(pub2);
	rmdir(dir);
}

TEST_MAIN("bundle", {
	test_roundtrip();
	test_bad_headers();
	test_sig_block();
	test_versions();
	test_signatures();
})
