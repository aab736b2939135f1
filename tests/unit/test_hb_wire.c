/* Heartbeat codec: layout, authentication, replay window, key files. */
#include "check.h"
#include "hb_wire.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/md.h>

#define CLUSTER 0xA1B2C3D4u
#define SELF	2

/* Known answer: the header written out by hand from the byte table in
 * docs/WIRE.md, and its MAC computed independently with
 *   xxd -r -p <<<HDR | openssl dgst -sha256 -mac HMAC -macopt hexkey:0001..1f
 * (= 390a0a9901eda62a2b15312f89df62ed 8945ad98a64cef49854786ea2d324c42).
 * If this test fails, the wire format changed. */
static const uint8_t kat_frame[HB_FRAME_LEN] = {
    0x54, 0x57, 0x48, 0x42,			    /* magic "TWHB" */
    0x01, 0x11, 0x02, 0x0f,			    /* version, node, state, flags */
    0xd4, 0xc3, 0xb2, 0xa1,			    /* cluster id */
    0x88, 0x13, 0x00, 0x00,			    /* interval 5000 us */
    0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, /* epoch */
    0x18, 0x17, 0x16, 0x15, 0x14, 0x13, 0x12, 0x11, /* seq */
    0x28, 0x27, 0x26, 0x25, 0x24, 0x23, 0x22, 0x21, /* realtime */
    0x38, 0x37, 0x36, 0x35, 0x34, 0x33, 0x32, 0x31, /* echo seq */
    0x44, 0x43, 0x42, 0x41,			    /* echo delay */
    0x51, 0x52, 0x53, 0x64,			    /* drbd role/disk/conn, priority */
    0x39, 0x0a, 0x0a, 0x99, 0x01, 0xed, 0xa6, 0x2a, /* MAC */
    0x2b, 0x15, 0x31, 0x2f, 0x89, 0xdf, 0x62, 0xed,
};

static struct hb_key kat_key(void)
{
	struct hb_key k = {.len = 32};
	for (int i = 0; i < 32; i++)
		k.bytes[i] = (uint8_t)i;
	return k;
}

static struct hb_frame kat_hb(void)
{
	struct hb_frame f = {
	    .version = HB_VERSION,
	    .node_id = 0x11,
	    .state = 2,
	    .flags = 0x0f,
	    .cluster_id = CLUSTER,
	    .interval_us = 5000,
	    .epoch = 0x0102030405060708ull,
	    .seq = 0x1112131415161718ull,
	    .realtime_ns = 0x2122232425262728ull,
	    .echo_seq = 0x3132333435363738ull,
	    .echo_delay_us = 0x41424344u,
	    .drbd_role = 0x51,
	    .drbd_disk = 0x52,
	    .drbd_conn = 0x53,
	    .priority = 0x64,
	};
	return f;
}

static int frame_eq(const struct hb_frame *a, const struct hb_frame *b)
{
	return a->version == b->version && a->node_id == b->node_id && a->state == b->state &&
	       a->flags == b->flags && a->cluster_id == b->cluster_id && a->interval_us == b->interval_us &&
	       a->epoch == b->epoch && a->seq == b->seq && a->realtime_ns == b->realtime_ns &&
	       a->echo_seq == b->echo_seq && a->echo_delay_us == b->echo_delay_us &&
	       a->drbd_role == b->drbd_role && a->drbd_disk == b->drbd_disk && a->drbd_conn == b->drbd_conn &&
	       a->priority == b->priority;
}

/* Re-sign a hand-edited frame with an HMAC computed here, independently of
 * the codec, so header checks can be tested behind a valid MAC. */
static void resign(uint8_t *buf, const struct hb_key *k)
{
	uint8_t mac[32];
	mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), k->bytes, k->len, buf, HB_MAC_OFF, mac);
	memcpy(buf + HB_MAC_OFF, mac, HB_MAC_LEN);
}

static void test_known_answer(void)
{
	struct hb_key k = kat_key();
	struct hb_frame f = kat_hb(), d;
	uint8_t buf[HB_FRAME_LEN];

	CHECK_EQ(hb_encode(&f, &k, buf), (size_t)HB_FRAME_LEN);
	CHECK(memcmp(buf, kat_frame, HB_MAC_OFF) == 0);				  /* layout */
	CHECK(memcmp(buf + HB_MAC_OFF, kat_frame + HB_MAC_OFF, HB_MAC_LEN) == 0); /* MAC rule */
	memset(&d, 0, sizeof(d));
	CHECK_EQ(hb_decode(kat_frame, sizeof(kat_frame), &k, CLUSTER, SELF, &d), HB_OK);
	CHECK(frame_eq(&d, &f));
	CHECK_EQ(kat_frame[HB_OFF_MAGIC], 'T'); /* HB_MAGIC reads "TWHB" */
}

static void roundtrip(const struct hb_frame *f, const struct hb_key *k)
{
	uint8_t buf[HB_FRAME_LEN];
	struct hb_frame d;

	memset(&d, 0xA5, sizeof(d));
	CHECK_EQ(hb_encode(f, k, buf), (size_t)HB_FRAME_LEN);
	CHECK_EQ(hb_decode(buf, sizeof(buf), k, f->cluster_id, SELF, &d), HB_OK);
	CHECK(frame_eq(&d, f));
}

static void test_roundtrip(void)
{
	struct hb_key k = kat_key();
	struct hb_frame f = kat_hb();

	roundtrip(&f, &k);
	/* extremes: every field all ones */
	struct hb_frame max = {
	    .version = HB_VERSION,
	    .node_id = 255,
	    .state = 255,
	    .flags = 0xff,
	    .cluster_id = UINT32_MAX,
	    .interval_us = UINT32_MAX,
	    .epoch = UINT64_MAX,
	    .seq = UINT64_MAX,
	    .realtime_ns = UINT64_MAX,
	    .echo_seq = UINT64_MAX,
	    .echo_delay_us = UINT32_MAX,
	    .drbd_role = 255,
	    .drbd_disk = 255,
	    .drbd_conn = 255,
	    .priority = 255,
	};
	roundtrip(&max, &k);
	/* all zero (node 1: 0 is no valid sender but the codec must not care) */
	struct hb_frame zero = {.version = HB_VERSION, .node_id = 1};
	roundtrip(&zero, &k);
	/* the defined flags, one at a time and all together */
	const uint8_t flags[] = {HB_F_FAILOVER_ENABLED, HB_F_HEALTHY, HB_F_HOLDS_VIP, HB_F_LINK_ALARM,
				 HB_F_FAILOVER_ENABLED | HB_F_HEALTHY | HB_F_HOLDS_VIP | HB_F_LINK_ALARM};
	for (size_t i = 0; i < sizeof(flags); i++) {
		f.flags = flags[i];
		roundtrip(&f, &k);
	}
	/* each field alone: a codec that swapped two fields would fail here */
	struct hb_frame one;
	for (int field = 0; field < 14; field++) {
		one = zero;
		switch (field) {
		case 0:
			one.node_id = 0x7f;
			break;
		case 1:
			one.state = 3;
			break;
		case 2:
			one.flags = 0x80;
			break;
		case 3:
			one.cluster_id = 0x80000001u;
			break;
		case 4:
			one.interval_us = 1000;
			break;
		case 5:
			one.epoch = 1ull << 63;
			break;
		case 6:
			one.seq = 0x8000000000000001ull;
			break;
		case 7:
			one.realtime_ns = 1700000000123456789ull;
			break;
		case 8:
			one.echo_seq = 42;
			break;
		case 9:
			one.echo_delay_us = 0x80000000u;
			break;
		case 10:
			one.drbd_role = 1;
			break;
		case 11:
			one.drbd_disk = 8;
			break;
		case 12:
			one.drbd_conn = 10;
			break;
		case 13:
			one.priority = 200;
			break;
		}
		roundtrip(&one, &k);
	}
	/* little-endian at the documented offsets */
	uint8_t buf[HB_FRAME_LEN];
	one = zero;
	one.seq = 0x0102030405060708ull;
	one.cluster_id = 0x0a0b0c0d;
	hb_encode(&one, &k, buf);
	CHECK_EQ(buf[HB_OFF_SEQ], 0x08);
	CHECK_EQ(buf[HB_OFF_SEQ + 7], 0x01);
	CHECK_EQ(buf[HB_OFF_CLUSTER_ID], 0x0d);
	CHECK_EQ(buf[HB_OFF_CLUSTER_ID + 3], 0x0a);
}

static void test_lengths(void)
{
	struct hb_key k = kat_key();
	struct hb_frame d;
	uint8_t big[1600];
	int short_ok = 1;

	for (size_t len = 0; len < HB_FRAME_LEN; len++) {
		/* exact-size heap copy: ASan catches any read past len */
		uint8_t *p = malloc(len ? len : 1);
		memcpy(p, kat_frame, len);
		if (hb_decode(p, len, &k, CLUSTER, SELF, &d) != HB_E_SHORT)
			short_ok = 0;
		free(p);
	}
	CHECK(short_ok);
	CHECK_EQ(hb_decode(NULL, 0, &k, CLUSTER, SELF, &d), HB_E_SHORT);

	/* trailing bytes (Ethernet/UDP padding, zeros or junk) are ignored */
	const size_t lens[] = {HB_FRAME_LEN + 1, 74, 100, sizeof(big)};
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		memset(big, 0, sizeof(big));
		memcpy(big, kat_frame, HB_FRAME_LEN);
		CHECK_EQ(hb_decode(big, lens[i], &k, CLUSTER, SELF, &d), HB_OK);
		memset(big + HB_FRAME_LEN, 0xff, sizeof(big) - HB_FRAME_LEN);
		CHECK_EQ(hb_decode(big, lens[i], &k, CLUSTER, SELF, &d), HB_OK);
	}
}

static enum hb_err expected_for_byte(size_t i)
{
	if (i < HB_OFF_MAGIC + 4)
		return HB_E_MAGIC;
	if (i == HB_OFF_VERSION)
		return HB_E_VERSION;
	if (i >= HB_OFF_CLUSTER_ID && i < HB_OFF_CLUSTER_ID + 4)
		return HB_E_CLUSTER;
	return HB_E_MAC; /* every other header byte (incl. node id) and the MAC */
}

static void test_bit_flips(void)
{
	struct hb_key k = kat_key();
	struct hb_frame d;
	uint8_t buf[HB_FRAME_LEN];
	int wrong = 0, total = 0;

	for (size_t i = 0; i < HB_FRAME_LEN; i++) {
		for (int b = 0; b < 8; b++) {
			memcpy(buf, kat_frame, sizeof(buf));
			buf[i] ^= (uint8_t)(1u << b);
			memset(&d, 0x5a, sizeof(d));
			enum hb_err e = hb_decode(buf, sizeof(buf), &k, CLUSTER, SELF, &d);
			total++;
			if (e != expected_for_byte(i) || d.seq != 0x5a5a5a5a5a5a5a5aull) {
				wrong++;
				fprintf(stderr, "flip byte %zu bit %d: %s\n", i, b, hb_strerror(e));
			}
		}
	}
	CHECK_EQ(total, HB_FRAME_LEN * 8);
	CHECK_EQ(wrong, 0);
}

static void test_rejects(void)
{
	struct hb_key k = kat_key(), other = kat_key();
	struct hb_frame f = kat_hb(), d;
	uint8_t buf[HB_FRAME_LEN];

	/* wrong key: one bit, and a prefix of the right key */
	other.bytes[31] ^= 1;
	CHECK_EQ(hb_decode(kat_frame, HB_FRAME_LEN, &other, CLUSTER, SELF, &d), HB_E_MAC);
	other = kat_key();
	other.len = 31;
	CHECK_EQ(hb_decode(kat_frame, HB_FRAME_LEN, &other, CLUSTER, SELF, &d), HB_E_MAC);
	/* invalid key lengths fail closed */
	other.len = HB_KEY_MAX + 1;
	CHECK_EQ(hb_decode(kat_frame, HB_FRAME_LEN, &other, CLUSTER, SELF, &d), HB_E_MAC);
	CHECK_EQ(hb_encode(&f, &other, buf), (size_t)0);
	other.len = HB_KEY_MIN - 1;
	CHECK_EQ(hb_encode(&f, &other, buf), (size_t)0);

	/* another cluster, even when the frame is validly signed with our key */
	CHECK_EQ(hb_decode(kat_frame, HB_FRAME_LEN, &k, CLUSTER + 1, SELF, &d), HB_E_CLUSTER);
	/* our own node id: a reflection of our beat */
	CHECK_EQ(hb_decode(kat_frame, HB_FRAME_LEN, &k, CLUSTER, 0x11, &d), HB_E_SELF);

	/* header checks stand on their own behind a valid MAC */
	memcpy(buf, kat_frame, sizeof(buf));
	buf[HB_OFF_VERSION] = 2;
	resign(buf, &k);
	CHECK_EQ(hb_decode(buf, sizeof(buf), &k, CLUSTER, SELF, &d), HB_E_VERSION);
	memcpy(buf, kat_frame, sizeof(buf));
	buf[HB_OFF_MAGIC + 3] = 'X';
	resign(buf, &k);
	CHECK_EQ(hb_decode(buf, sizeof(buf), &k, CLUSTER, SELF, &d), HB_E_MAGIC);
	memcpy(buf, kat_frame, sizeof(buf));
	resign(buf, &k);
	CHECK_EQ(hb_decode(buf, sizeof(buf), &k, CLUSTER, SELF, &d), HB_OK); /* resign() is right */

	/* order: a short frame is short before anything else; bad magic wins over bad MAC */
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(hb_decode(buf, HB_FRAME_LEN - 1, &k, CLUSTER, SELF, &d), HB_E_SHORT);
	CHECK_EQ(hb_decode(buf, HB_FRAME_LEN, &k, CLUSTER, SELF, &d), HB_E_MAGIC);
	/* a forged frame carrying our node id counts as a forgery, not a reflection */
	memcpy(buf, kat_frame, sizeof(buf));
	buf[HB_MAC_OFF] ^= 0xff;
	CHECK_EQ(hb_decode(buf, sizeof(buf), &k, CLUSTER, 0x11, &d), HB_E_MAC);
	/* all-zero MAC */
	memcpy(buf, kat_frame, sizeof(buf));
	memset(buf + HB_MAC_OFF, 0, HB_MAC_LEN);
	CHECK_EQ(hb_decode(buf, sizeof(buf), &k, CLUSTER, SELF, &d), HB_E_MAC);
}

static void test_replay(void)
{
	struct hb_replay r = {0};

	CHECK_EQ(hb_replay_check(&r, 0), HB_OK); /* first frame, even seq 0 */
	CHECK_EQ(hb_replay_check(&r, 0), HB_E_REPLAY);
	CHECK_EQ(hb_replay_check(&r, 1), HB_OK);
	CHECK_EQ(hb_replay_check(&r, 1), HB_E_REPLAY);	/* equal */
	CHECK_EQ(hb_replay_check(&r, 100), HB_OK);	/* gaps are fine (lost frames) */
	CHECK_EQ(hb_replay_check(&r, 50), HB_E_REPLAY); /* older */
	CHECK_EQ(r.last_seq, 100u);			/* a rejected seq does not move the window */
	CHECK_EQ(hb_replay_check(&r, 99), HB_E_REPLAY);
	CHECK_EQ(hb_replay_check(&r, 101), HB_OK);
	CHECK_EQ(hb_replay_check(&r, UINT64_MAX), HB_OK);
	CHECK_EQ(hb_replay_check(&r, UINT64_MAX), HB_E_REPLAY);
	CHECK_EQ(hb_replay_check(&r, 0), HB_E_REPLAY); /* no wrap-around */
	CHECK_EQ(hb_replay_check(&r, 102), HB_E_REPLAY);

	struct hb_replay fresh = {0};
	CHECK_EQ(hb_replay_check(&fresh, UINT64_MAX), HB_OK); /* first frame at the top */
	CHECK_EQ(hb_replay_check(&fresh, UINT64_MAX - 1), HB_E_REPLAY);
	struct hb_replay mid = {0};
	CHECK_EQ(hb_replay_check(&mid, 1000), HB_OK); /* first frame sets the window */
	CHECK_EQ(hb_replay_check(&mid, 999), HB_E_REPLAY);
}

static void test_strerror(void)
{
	const char *seen[HB_E_REPLAY + 1];

	for (int e = HB_OK; e <= HB_E_REPLAY; e++) {
		seen[e] = hb_strerror((enum hb_err)e);
		CHECK(seen[e] != NULL && seen[e][0] != '\0');
		for (int j = HB_OK; j < e; j++)
			CHECK(strcmp(seen[j], seen[e]) != 0);
	}
	CHECK_CONTAINS(hb_strerror(HB_E_MAC), "MAC");
	CHECK_CONTAINS(hb_strerror(HB_E_REPLAY), "replay");
	CHECK_STR(hb_strerror((enum hb_err)99), "unknown heartbeat error");
}

static char tmpdir[64];

static const char *write_file(const char *name, const void *data, size_t len, mode_t mode)
{
	static char path[128];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		perror(path);
	if (fd >= 0)
		close(fd);
	chmod(path, mode);
	return path;
}

/* Load and expect failure with msg in the error; key must come back zeroed. */
static void key_fails(const char *path, const char *msg)
{
	struct hb_key k;
	char err[256] = "";

	memset(&k, 0xee, sizeof(k));
	CHECK_EQ(hb_key_load(path, &k, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, msg);
	CHECK_CONTAINS(err, path);
	CHECK_EQ(k.len, (size_t)0);
	CHECK_EQ(k.bytes[0], 0);
	if (!strstr(err, msg))
		fprintf(stderr, "  got: %s\n", err);
}

static void test_key_files(void)
{
	struct hb_key k, want = kat_key();
	char err[256];
	const char *p;
	static uint8_t huge[5000]; /* zeros: not text, so raw */

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_hb_wire.XXXXXX");
	CHECK(mkdtemp(tmpdir) != NULL);

	/* raw: bytes kept as they are, including ones that look like whitespace */
	uint8_t raw[32];
	for (int i = 0; i < 32; i++)
		raw[i] = (uint8_t)(i * 37 + 1);
	raw[3] = '\n';
	raw[4] = ' ';
	raw[5] = 0;
	p = write_file("raw", raw, sizeof(raw), 0600);
	CHECK_EQ(hb_key_load(p, &k, err, sizeof(err)), 0);
	CHECK_EQ(k.len, sizeof(raw));
	CHECK(memcmp(k.bytes, raw, sizeof(raw)) == 0);
	p = write_file("raw16", raw, 16, 0400);
	CHECK_EQ(hb_key_load(p, &k, err, sizeof(err)), 0);
	CHECK_EQ(k.len, (size_t)16);
	uint8_t raw64[64];
	for (int i = 0; i < 64; i++)
		raw64[i] = (uint8_t)(0x80 + i);
	p = write_file("raw64", raw64, sizeof(raw64), 0600);
	CHECK_EQ(hb_key_load(p, &k, err, sizeof(err)), 0);
	CHECK_EQ(k.len, (size_t)64);
	CHECK(memcmp(k.bytes, raw64, 64) == 0);

	/* hex: mixed case, wrapped, spaced, trailing newline; decodes to the KAT key */
	const char *hex = "00010203 04050607 08090A0B 0c0d0e0f\n\t10111213141516171819 1a1b1c1d1E1F\r\n";
	p = write_file("hex", hex, strlen(hex), 0600);
	CHECK_EQ(hb_key_load(p, &k, err, sizeof(err)), 0);
	CHECK_EQ(k.len, want.len);
	CHECK(memcmp(k.bytes, want.bytes, want.len) == 0);
	/* and that key verifies the known-answer frame */
	struct hb_frame d;
	CHECK_EQ(hb_decode(kat_frame, HB_FRAME_LEN, &k, CLUSTER, SELF, &d), HB_OK);

	char digits[200];
	memset(digits, 'a', sizeof(digits));
	p = write_file("hex32", digits, 32, 0600);
	CHECK_EQ(hb_key_load(p, &k, err, sizeof(err)), 0);
	CHECK_EQ(k.len, (size_t)16);
	CHECK_EQ(k.bytes[15], 0xaa);
	p = write_file("hex128", digits, 128, 0600);
	CHECK_EQ(hb_key_load(p, &k, err, sizeof(err)), 0);
	CHECK_EQ(k.len, (size_t)64);

	/* one non-printable byte (DEL) makes a file raw, even if the rest is text */
	char del[33];
	memset(del, 'a', sizeof(del));
	del[32] = 0x7f;
	p = write_file("del", del, sizeof(del), 0600);
	CHECK_EQ(hb_key_load(p, &k, err, sizeof(err)), 0);
	CHECK_EQ(k.len, sizeof(del));
	CHECK_EQ(k.bytes[0], 'a');

	key_fails(write_file("hex30", digits, 30, 0600), "too short");
	key_fails(write_file("hex130", digits, 130, 0600), "too long");
	key_fails(write_file("hexodd", digits, 33, 0600), "odd number of hex digits");
	const char *bad = "00112233445566778899aabbccddeefg";
	key_fails(write_file("badhex", bad, strlen(bad), 0600), "not a hex digit at byte 31");
	key_fails(write_file("0x", "0x00112233445566778899aabbccddeeff", 34, 0600),
		  "not a hex digit at byte 1");
	key_fails(write_file("raw15", raw64, 15, 0600), "raw key too short (15 bytes");
	key_fails(write_file("raw65", huge, 65, 0600), "raw key too long (65 bytes");
	key_fails(write_file("empty", "", 0, 0600), "is empty");
	key_fails(write_file("blank", " \n\n\t ", 5, 0600), "no key");
	key_fails(write_file("huge", huge, sizeof(huge), 0600), "too long");

	/* permissions: anything for group/other is refused before reading */
	key_fails(write_file("p644", hex, strlen(hex), 0644), "is readable by others (mode 0644): chmod 600");
	key_fails(write_file("p640", hex, strlen(hex), 0640), "(mode 0640)");
	key_fails(write_file("p604", hex, strlen(hex), 0604), "chmod 600");
	key_fails(write_file("p620", hex, strlen(hex), 0620), "chmod 600");

	char missing[128];
	snprintf(missing, sizeof(missing), "%s/missing", tmpdir);
	key_fails(missing, "No such file");
	key_fails(tmpdir, "not a regular file");

	/* a tiny error buffer is truncated, not overrun */
	char tiny[8];
	CHECK_EQ(hb_key_load(missing, &k, tiny, sizeof(tiny)), -1);
	CHECK_EQ(strlen(tiny), sizeof(tiny) - 1);

	const char *names[] = {"raw",	"raw16",  "raw64",  "hex",    "del",  "hex32", "hex128",
			       "hex30", "hex130", "hexodd", "badhex", "0x",   "raw15", "raw65",
			       "empty", "blank",  "huge",   "p644",   "p640", "p604",  "p620"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char path[128];
		snprintf(path, sizeof(path), "%s/%s", tmpdir, names[i]);
		CHECK_EQ(unlink(path), 0);
	}
	CHECK_EQ(rmdir(tmpdir), 0);
}

static void test_signer(void)
{
	struct hb_key k = kat_key(), other = kat_key();
	struct hb_signer s, s2, bad;
	struct hb_frame f = kat_hb(), d;
	uint8_t a[HB_FRAME_LEN], b[HB_FRAME_LEN];
	int same = 1;

	CHECK_EQ(hb_signer_init(&s, &k), 0);
	/* same bytes as the one-shot path, over many reuses of the context */
	for (uint64_t i = 0; i < 200; i++) {
		f.seq = i * 0x9e3779b97f4a7c15ull;
		f.flags = (uint8_t)i;
		if (hb_encode_s(&s, &f, a) != HB_FRAME_LEN || hb_encode(&f, &k, b) != HB_FRAME_LEN ||
		    memcmp(a, b, HB_FRAME_LEN) != 0 ||
		    hb_decode_s(&s, b, HB_FRAME_LEN, CLUSTER, SELF, &d) != HB_OK || !frame_eq(&d, &f))
			same = 0;
	}
	CHECK(same);
	f = kat_hb();
	CHECK_EQ(hb_encode_s(&s, &f, a), (size_t)HB_FRAME_LEN);
	CHECK(memcmp(a, kat_frame, HB_FRAME_LEN) == 0);

	/* the same verdicts as hb_decode */
	int agree = 1;
	for (size_t i = 0; i < HB_FRAME_LEN; i++) {
		memcpy(a, kat_frame, sizeof(a));
		a[i] ^= 0x10;
		if (hb_decode_s(&s, a, sizeof(a), CLUSTER, SELF, &d) != expected_for_byte(i))
			agree = 0;
	}
	CHECK(agree);
	CHECK_EQ(hb_decode_s(&s, kat_frame, HB_FRAME_LEN - 1, CLUSTER, SELF, &d), HB_E_SHORT);
	CHECK_EQ(hb_decode_s(&s, kat_frame, HB_FRAME_LEN, CLUSTER + 1, SELF, &d), HB_E_CLUSTER);
	CHECK_EQ(hb_decode_s(&s, kat_frame, HB_FRAME_LEN, CLUSTER, 0x11, &d), HB_E_SELF);
	/* a failed verify leaves the context usable */
	CHECK_EQ(hb_decode_s(&s, kat_frame, HB_FRAME_LEN, CLUSTER, SELF, &d), HB_OK);

	other.bytes[0] ^= 0x80;
	CHECK_EQ(hb_signer_init(&s2, &other), 0);
	CHECK_EQ(hb_decode_s(&s2, kat_frame, HB_FRAME_LEN, CLUSTER, SELF, &d), HB_E_MAC);
	hb_signer_free(&s2);

	other.len = 8;
	CHECK_EQ(hb_signer_init(&bad, &other), -1);
	CHECK_EQ(hb_encode_s(&bad, &f, a), (size_t)0);
	CHECK_EQ(hb_decode_s(&bad, kat_frame, HB_FRAME_LEN, CLUSTER, SELF, &d), HB_E_MAC);
	hb_signer_free(&bad);

	hb_signer_free(&s);
	hb_signer_free(&s); /* twice is harmless */
	CHECK_EQ(hb_decode_s(&s, kat_frame, HB_FRAME_LEN, CLUSTER, SELF, &d), HB_E_MAC);
}

TEST_MAIN("hb_wire", {
	test_known_answer();
	test_roundtrip();
	test_lengths();
	test_bit_flips();
	test_rejects();
	test_replay();
	test_strerror();
	test_key_files();
	test_signer();
})
