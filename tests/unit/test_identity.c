/* identity: node key pair on disk, self-signed certificate, fingerprints. */
#include "check.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>

#include "atomic_file.h"
#include "identity.h"
#include "rng.h"

/* Made with `openssl ecparam -name prime256v1 -genkey -noout`; its
 * fingerprint with `openssl pkey -pubout -outform DER | sha256sum`. */
static const char known_pem[] = "-----BEGIN EC PRIVATE KEY-----\n"
				"MHcCAQEEIAlGhrMKdhSQiDNWMcBUlWFfwdT0Xaa1fZqWn4qDbBBVoAoGCCqGSM49\n"
				"AwEHoUQDQgAEZKZxFC7uMixN5fqJKpK8TZbaLlb9fYf8gqfkWKtWLnLFzI8EcyUU\n"
				"ZG6vlv9Xsjam3ZIcJkNZNxXMpqmen1oaWA==\n"
				"-----END EC PRIVATE KEY-----\n";
static const char known_fp[] = "SHA256:2ad6 1e9c 8918 6d47 598c f2a1 df1b 100a "
			       "7dab 7bb0 2c08 1178 9f8e c9c0 7701 1c40";

static char dir[] = "/tmp/twin-identity-XXXXXX";
static char path[256];

static void test_create_then_load(struct rng *rng)
{
	struct identity a, b;
	struct stat st;
	char err[256], *pem;
	size_t len;
	int created = -1;
	uint32_t flags = 0;

	CHECK_EQ(identity_load_or_create(&a, path, rng, &created, err, sizeof(err)), 0);
	CHECK_EQ(created, 1);
	CHECK_EQ(stat(path, &st), 0);
	CHECK_EQ(st.st_mode & 07777, 0600);
	CHECK_EQ(atomic_file_read(path, 4096, &pem, &len, NULL, err, sizeof(err)), 0);
	CHECK_CONTAINS(pem, "-----BEGIN EC PRIVATE KEY-----");
	atomic_file_free(pem, len);

	CHECK_EQ(identity_load_or_create(&b, path, rng, &created, err, sizeof(err)), 0);
	CHECK_EQ(created, 0);
	CHECK_EQ(memcmp(a.fp, b.fp, ID_FP_LEN), 0);

	/* The certificate carries the key, has serial 1 and verifies against
	 * itself (a correct self-signature). */
	uint8_t cert_fp[ID_FP_LEN];
	CHECK_EQ(identity_pk_fingerprint(&a.cert.pk, cert_fp), 0);
	CHECK_EQ(memcmp(cert_fp, a.fp, ID_FP_LEN), 0);
	CHECK_EQ(a.cert.serial.len, 1);
	CHECK_EQ(a.cert.serial.p[0], 1);
	CHECK_EQ(mbedtls_x509_crt_verify(&a.cert, &a.cert, NULL, NULL, &flags, NULL, NULL), 0);
	CHECK_EQ(flags, 0);
	identity_free(&a);
	identity_free(&b);
	unlink(path);
}

static void write_file(const char *p, const char *data, mode_t mode)
{
	char err[256];

	CHECK_EQ(atomic_file_write(p, data, strlen(data), mode, err, sizeof(err)), 0);
}

static void test_known_key(struct rng *rng)
{
	struct identity id;
	char err[256], fp[ID_FP_STR_MAX];

	write_file(path, known_pem, 0600);
	CHECK_EQ(identity_load(&id, path, rng, err, sizeof(err)), 0);
	identity_fp_format(id.fp, fp);
	CHECK_STR(fp, known_fp);
	identity_free(&id);
	unlink(path);
}

static void test_refusals(struct rng *rng)
{
	struct identity id;
	char err[256] = "";

	CHECK_EQ(identity_load(&id, path, rng, err, sizeof(err)), -1); /* missing */
	CHECK_CONTAINS(err, "no such file");

	write_file(path, known_pem, 0640);
	CHECK_EQ(identity_load_or_create(&id, path, rng, NULL, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "mode 0640");
	CHECK_CONTAINS(err, "chmod 600");
	write_file(path, known_pem, 0604);
	CHECK_EQ(identity_load(&id, path, rng, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "group or others");
	write_file(path, known_pem, 0400); /* stricter than 0600 is fine */
	CHECK_EQ(identity_load(&id, path, rng, err, sizeof(err)), 0);
	identity_free(&id);

	write_file(path, "not a key\n", 0600);
	CHECK_EQ(identity_load_or_create(&id, path, rng, NULL, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "parsing key");
	unlink(path);
}

/* A valid EC key on the wrong curve is refused, not silently used. */
static void test_wrong_curve(struct rng *rng)
{
	mbedtls_pk_context pk;
	unsigned char pem[1024];
	struct identity id;
	char err[256] = "";

	mbedtls_pk_init(&pk);
	CHECK_EQ(mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)), 0);
	CHECK_EQ(mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP384R1, mbedtls_pk_ec(pk), RNG_F, RNG_P(rng)), 0);
	CHECK_EQ(mbedtls_pk_write_key_pem(&pk, pem, sizeof(pem)), 0);
	mbedtls_pk_free(&pk);
	write_file(path, (char *)pem, 0600);
	CHECK_EQ(identity_load(&id, path, rng, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "not an ECDSA P-256");
	unlink(path);
}

static void test_fp_text(void)
{
	uint8_t fp[ID_FP_LEN], back[ID_FP_LEN];
	char s[ID_FP_STR_MAX];

	for (int i = 0; i < ID_FP_LEN; i++)
		fp[i] = (uint8_t)(i * 7 + 0xa0);
	identity_fp_format(fp, s);
	CHECK_STR(s,
		  "SHA256:a0a7 aeb5 bcc3 cad1 d8df e6ed f4fb 0209 1017 1e25 2c33 3a41 484f 565d 646b 7279");
	CHECK_EQ(strlen(s), ID_FP_STR_MAX - 1);

	memset(back, 0, sizeof(back));
	CHECK_EQ(identity_fp_parse(s, back), 0);
	CHECK_EQ(memcmp(fp, back, ID_FP_LEN), 0);
	memset(back, 0, sizeof(back));
	CHECK_EQ(
	    identity_fp_parse("  a0a7AEB5bcc3cad1d8dfe6edf4fb020910171e252c333a41484f565d646B7279\n", back),
	    0);
	CHECK_EQ(memcmp(fp, back, ID_FP_LEN), 0);
	memset(back, 0, sizeof(back));
	CHECK_EQ(identity_fp_parse(
		     "sha256:A0:A7:AE:B5:BC:C3:CA:D1:D8:DF:E6:ED:F4:FB:02:09:10:17:1E:25:2C:33:3A:41:48:"
		     "4F:56:5D:64:6B:72:79",
		     back),
		 0);
	CHECK_EQ(memcmp(fp, back, ID_FP_LEN), 0);
	CHECK_EQ(identity_fp_parse(
		     "a0a7-aeb5-bcc3-cad1-d8df-e6ed-f4fb-0209-1017-1e25-2c33-3a41-484f-565d-646b-7279", back),
		 0);

	CHECK_EQ(identity_fp_parse("", back), -1);
	CHECK_EQ(identity_fp_parse("SHA256:", back), -1);
	CHECK_EQ(identity_fp_parse("a0a7aeb5bcc3cad1d8dfe6edf4fb020910171e252c333a41484f565d646b727", back),
		 -1); /* 63 digits */
	CHECK_EQ(identity_fp_parse("a0a7aeb5bcc3cad1d8dfe6edf4fb020910171e252c333a41484f565d646b72790", back),
		 -1); /* 65 */
	CHECK_EQ(identity_fp_parse("g0a7aeb5bcc3cad1d8dfe6edf4fb020910171e252c333a41484f565d646b7279", back),
		 -1);
	CHECK_EQ(
	    identity_fp_parse("MD5:a0a7aeb5bcc3cad1d8dfe6edf4fb020910171e252c333a41484f565d646b7279", back),
	    -1);
}

TEST_MAIN("identity", {
	struct rng rng;
	char err[256];

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/node.key", dir);
	CHECK_EQ(rng_init(&rng, "test_identity", err, sizeof(err)), 0);
	test_create_then_load(&rng);
	test_known_key(&rng);
	test_refusals(&rng);
	test_wrong_curve(&rng);
	test_fp_text();
	rng_free(&rng);
	unlink(path);
	CHECK_EQ(rmdir(dir), 0);
})
