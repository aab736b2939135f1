/* libFuzzer harness for the witness reply parsers (witness_track.c, arp.c).
 *
 * The first input byte picks how the rest is read: as an IPv4 datagram (raw
 * ICMP socket), as an ICMP message (ping socket) or as an ARP payload; the
 * parsed reply is then judged by a tracker with probes outstanding.
 * Invariants checked:
 *   - a parse that succeeds has a correct checksum and, with an IP header,
 *     the source address from bytes 12..15;
 *   - a message re-built from the parsed id/seq/cookie parses to the same;
 *   - a reply counts only if it comes from a witness, and then the witness
 *     is reached; counters add up to the number of rejected inputs.
 * Built with -DFUZZ_SEED it is instead a program writing seed messages into
 * the directory given as argv[1] (tests/fuzz/build.sh does that). */
#include "arp.h"
#include "witness_track.h"

#include <arpa/inet.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_ID	    0x1234
#define FUZZ_COOKIE 0x5eed5eedu

static const uint8_t our_mac[6] = {0x02, 0, 0, 0, 0, 1};

#ifndef FUZZ_SEED
/* Witnesses 10.0.0.254 and 10.0.0.253, probes with seq 0..3 sent. */
static void tracker(struct witness_track *t, int method)
{
	struct in_addr w[2];

	inet_pton(AF_INET, "10.0.0.254", &w[0]);
	inet_pton(AF_INET, "10.0.0.253", &w[1]);
	wt_init(t, w, 2, method, 20, 100, 1000);
	memcpy(t->our_mac, our_mac, 6);
	t->ident = FUZZ_ID;
	t->cookie = FUZZ_COOKIE;
	for (int k = 0; k < 4; k++) {
		uint16_t s = wt_take(t, (size_t)(k & 1), 1000);

		wt_sent(t, (size_t)(k & 1), s, 1000000);
	}
}

static uint64_t rejected(const struct witness_track *t)
{
	return t->c.foreign + t->c.mismatch + t->c.own + t->c.malformed;
}

static void fuzz_icmp(const uint8_t *p, size_t n, int with_ip)
{
	struct witness_track t;
	struct wt_echo e, again;
	uint8_t b[WT_ECHO_LEN];
	size_t idx;

	if (wt_echo_parse(p, n, with_ip, &e) < 0)
		return;
	if (with_ip) {
		size_t ihl = (size_t)(p[0] & 0x0f) * 4;
		size_t tot = (size_t)(p[2] << 8 | p[3]);

		if (memcmp(&e.src.s_addr, p + 12, 4) || wt_csum(p + ihl, tot - ihl) != 0)
			abort();
	} else if (wt_csum(p, n) != 0) {
		abort();
	}
	wt_echo_build(b, e.type, e.id, e.seq, e.cookie);
	if (wt_echo_parse(b, sizeof(b), 0, &again) < 0 || again.id != e.id || again.seq != e.seq ||
	    again.type != e.type || !again.has_cookie || again.cookie != e.cookie)
		abort();

	tracker(&t, CFG_WITNESS_ICMP);
	enum wt_verdict v = wt_icmp_reply(&t, &e, 1001, 1000100, &idx);
	if (v == WT_VALID && (idx >= t.n || t.a[idx].addr.s_addr != e.src.s_addr || !wt_reached(&t, 1001)))
		abort();
	if ((v == WT_VALID) == (rejected(&t) == 1))
		abort();
	if (v == WT_VALID && (e.id != FUZZ_ID || e.cookie != FUZZ_COOKIE || e.type != 0))
		abort();
}

static void fuzz_arp(const uint8_t *p, size_t n)
{
	struct witness_track t;
	struct arp_seen f;
	size_t idx;

	if (arp_parse(p, n, &f) < 0)
		return;
	if (n >= 6)
		memcpy(f.src_mac, f.sha, 6);
	tracker(&t, CFG_WITNESS_ARP);
	enum wt_verdict v = wt_arp_frame(&t, &f, 1001, 1000100, &idx);
	if (v == WT_VALID && (idx >= t.n || t.a[idx].addr.s_addr != f.spa.s_addr || !wt_reached(&t, 1001) ||
			      !memcmp(f.sha, our_mac, 6)))
		abort();
	if ((v == WT_VALID) == (rejected(&t) == 1))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	/* exact-size heap copy so ASan sees any read past the end */
	uint8_t *p = malloc(size - 1 ? size - 1 : 1);
	if (!p)
		abort();
	memcpy(p, data + 1, size - 1);
	switch (data[0] % 3) {
	case 0:
		fuzz_icmp(p, size - 1, 1);
		break;
	case 1:
		fuzz_icmp(p, size - 1, 0);
		break;
	default:
		fuzz_arp(p, size - 1);
		break;
	}
	free(p);
	return 0;
}
#else
static int put(const char *dir, const char *name, uint8_t mode, const uint8_t *p, size_t n)
{
	char path[4096];
	FILE *out;

	snprintf(path, sizeof(path), "%s/seed-%s", dir, name);
	out = fopen(path, "wb");
	if (!out || fputc(mode, out) == EOF || fwrite(p, 1, n, out) != n || fclose(out) != 0) {
		perror(path);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const uint8_t gw[6] = {0x02, 0, 0, 0, 0, 0xfe};
	struct in_addr src, dst;
	uint8_t ipb[20 + WT_ECHO_LEN] = {0x45, 0, 0, 20 + WT_ECHO_LEN, 0, 0, 0x40, 0, 64, 1};
	uint8_t icmp[WT_ECHO_LEN], arp[ARP_FRAME_LEN];
	uint16_t c;

	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
		return 2;
	}
	inet_pton(AF_INET, "10.0.0.254", &src);
	inet_pton(AF_INET, "10.0.0.1", &dst);
	/* a matching echo reply, raw (with IP header) and ping-socket form */
	wt_echo_build(icmp, 0, FUZZ_ID, 2, FUZZ_COOKIE); /* seq 2 went to 10.0.0.254 */
	memcpy(ipb + 12, &src, 4);
	memcpy(ipb + 16, &dst, 4);
	c = wt_csum(ipb, 20);
	ipb[10] = (uint8_t)(c >> 8), ipb[11] = (uint8_t)c;
	memcpy(ipb + 20, icmp, sizeof(icmp));
	/* a witness's ARP reply */
	arp_build(arp, ARPOP_REPLY, gw, src, our_mac, dst);
	return put(argv[1], "icmp-raw", 0, ipb, sizeof(ipb)) ||
	       put(argv[1], "icmp-ping", 1, icmp, sizeof(icmp)) ||
	       put(argv[1], "arp-reply", 2, arp, sizeof(arp));
}
#endif
