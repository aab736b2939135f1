/* libFuzzer harness for the heartbeat decoder and replay window.
 *
 * Each input is decoded as received (almost always rejected at the MAC), then
 * re-signed with the fuzz key so the fuzzer also reaches everything behind
 * the MAC. Invariants checked:
 *   - the one-shot and signer paths give the same verdict and fields;
 *   - a re-signed frame is never HB_E_SHORT/HB_E_MAC;
 *   - an accepted frame re-encodes to exactly its first HB_FRAME_LEN bytes;
 *   - the replay window accepts exactly the seqs above everything accepted.
 * Built with -DFUZZ_SEED it is instead a program writing seed frames into
 * the directory given as argv[1] (tests/fuzz/build.sh does that). */
#include "hb_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/md.h>

#define FUZZ_CLUSTER 0x00c0ffeeu
#define FUZZ_SELF    1
#define FUZZ_MAX     2048

static const struct hb_key fuzz_key = {
    .bytes = "twin-fuzz-key-0123456789abcdef!!",
    .len = 32,
};

#ifndef FUZZ_SEED
static struct hb_signer signer;
static int signer_ready;

static int frame_eq(const struct hb_frame *a, const struct hb_frame *b)
{
	return a->version == b->version && a->node_id == b->node_id && a->state == b->state &&
	       a->flags == b->flags && a->cluster_id == b->cluster_id && a->interval_us == b->interval_us &&
	       a->epoch == b->epoch && a->seq == b->seq && a->realtime_ns == b->realtime_ns &&
	       a->echo_seq == b->echo_seq && a->echo_delay_us == b->echo_delay_us &&
	       a->drbd_role == b->drbd_role && a->drbd_disk == b->drbd_disk && a->drbd_conn == b->drbd_conn &&
	       a->priority == b->priority;
}

/* Decode with both paths; they must agree. */
static enum hb_err decode_both(const uint8_t *buf, size_t len, struct hb_frame *f)
{
	struct hb_frame g;
	enum hb_err e = hb_decode(buf, len, &fuzz_key, FUZZ_CLUSTER, FUZZ_SELF, f);
	enum hb_err e2 = hb_decode_s(&signer, buf, len, FUZZ_CLUSTER, FUZZ_SELF, &g);

	if (e != e2 || (e == HB_OK && !frame_eq(f, &g)))
		abort();
	if (e == HB_OK) {
		uint8_t again[HB_FRAME_LEN];
		if (hb_encode(f, &fuzz_key, again) != HB_FRAME_LEN || memcmp(again, buf, HB_FRAME_LEN) != 0)
			abort();
	}
	return e;
}

/* Feed the input as a series of seqs; compare with a trivially right model. */
static void replay_model(const uint8_t *data, size_t size)
{
	struct hb_replay r = {0};
	uint64_t max = 0;
	int any = 0;

	for (size_t i = 0; i + 8 <= size && i < 512; i += 8) {
		uint64_t seq;
		memcpy(&seq, data + i, 8);
		int want = !any || seq > max;
		if ((hb_replay_check(&r, seq) == HB_OK) != want)
			abort();
		if (want) {
			max = seq;
			any = 1;
		}
	}
}

/* What a sender holding the key would have put in the MAC field. */
static void resign(uint8_t *buf)
{
	uint8_t mac[32];

	if (mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), fuzz_key.bytes, fuzz_key.len, buf,
			    HB_MAC_OFF, mac) != 0)
		abort();
	memcpy(buf + HB_MAC_OFF, mac, HB_MAC_LEN);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hb_frame f;

	if (!signer_ready) {
		if (hb_signer_init(&signer, &fuzz_key) != 0)
			abort();
		signer_ready = 1;
	}
	decode_both(data, size, &f);
	replay_model(data, size);

	if (size < HB_FRAME_LEN || size > FUZZ_MAX)
		return 0;
	/* Exact-size heap copy so ASan sees any read past size. */
	uint8_t *p = malloc(size);
	if (!p)
		abort();
	memcpy(p, data, size);
	resign(p);
	enum hb_err e = decode_both(p, size, &f);
	if (e == HB_E_SHORT || e == HB_E_MAC)
		abort();
	free(p);
	return 0;
}
#else
int main(int argc, char **argv)
{
	struct hb_frame f = {
	    .version = HB_VERSION,
	    .node_id = 2,
	    .state = 1,
	    .flags = HB_F_FAILOVER_ENABLED | HB_F_HEALTHY,
	    .cluster_id = FUZZ_CLUSTER,
	    .interval_us = 5000,
	    .epoch = 3,
	    .seq = 1000,
	    .realtime_ns = 1700000000000000000ull,
	    .echo_seq = 999,
	    .echo_delay_us = 12,
	    .priority = 100,
	};
	uint8_t frame[HB_FRAME_LEN + 14];
	char path[4096];

	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
		return 2;
	}
	memset(frame, 0, sizeof(frame));
	if (hb_encode(&f, &fuzz_key, frame) != HB_FRAME_LEN)
		return 1;
	/* one exact frame and one with Ethernet-style zero padding */
	const size_t lens[] = {HB_FRAME_LEN, sizeof(frame)};
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/seed-frame-%d", argv[1], i);
		FILE *out = fopen(path, "wb");
		if (!out || fwrite(frame, 1, lens[i], out) != lens[i] || fclose(out) != 0) {
			perror(path);
			return 1;
		}
	}
	return 0;
}
#endif
