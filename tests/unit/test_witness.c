/* Witness prober, pure part (witness_track.c): probe schedule, reached/lost
 * windows and the changed flag, the timer deadline, which ARP frames and
 * ICMP replies count, counters, the status line and the echo codec. */
#include "check.h"
#include "witness.h"
#include "witness_track.h"

#include <arpa/inet.h>
#include <net/if_arp.h>
#include <stdlib.h>

static const uint8_t ours[6] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t gw_mac[6] = {0x02, 0, 0, 0, 0, 0xfe};
static const uint8_t rogue_mac[6] = {0x02, 0, 0, 0, 0, 0x66};

static struct in_addr ip(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a;
}

/* Two witnesses, interval 20 ms, timeout 100 ms, opened at t = 1000 ms. */
static void setup(struct witness_track *t, int method)
{
	struct in_addr w[2] = {ip("10.0.0.254"), ip("10.0.0.253")};

	wt_init(t, w, 2, method, 20, 100, 1000);
	memcpy(t->our_mac, ours, 6);
	t->ident = 0x1234;
	t->cookie = 0xa1b2c3d4;
}

static struct arp_seen frame(uint16_t op, const uint8_t *sha, const char *spa, const char *tpa)
{
	struct arp_seen f;

	memset(&f, 0, sizeof(f));
	f.op = op;
	memcpy(f.sha, sha, 6);
	memcpy(f.src_mac, sha, 6);
	f.spa = ip(spa);
	f.tpa = ip(tpa);
	return f;
}

static void test_timeout_floor(void)
{
	struct twin_config c;

	CHECK_EQ(wt_effective_timeout(100, 20), 100u);
	CHECK_EQ(wt_effective_timeout(39, 20), 40u);
	CHECK_EQ(wt_effective_timeout(0, 20), 40u);
	CHECK_EQ(wt_effective_timeout(UINT32_MAX, 10000), UINT32_MAX);

	config_defaults(&c);
	CHECK_EQ(witness_timeout_for(&c), 40u); /* 5ms x 4 = 20 ms, raised to 2 x 20 ms */
	c.hb_interval_us = 10000;
	c.hb_misses = 30;
	CHECK_EQ(witness_timeout_for(&c), 300u); /* the detection time */
	c.hb_interval_us = 1500;
	c.hb_misses = 3;
	c.witness_interval_ms = 2;
	CHECK_EQ(witness_timeout_for(&c), 5u); /* 4.5 ms rounds up */
	c.witness_timeout_ms = 700;
	CHECK_EQ(witness_timeout_for(&c), 700u); /* given: wins */
}

static void test_schedule(void)
{
	struct witness_track t;

	setup(&t, CFG_WITNESS_ARP);
	CHECK_EQ(t.timeout_ms, 100u);
	CHECK(wt_due(&t, 0, 1000));
	CHECK(wt_due(&t, 1, 1000));
	CHECK(!wt_due(&t, 0, 999));
	CHECK(!wt_due(&t, 2, 5000)); /* out of range */
	CHECK_EQ(wt_deadline(&t, 1000), 1000u);

	CHECK_EQ(wt_take(&t, 0, 1000), 0);
	wt_sent(&t, 0, 0, 1000000);
	CHECK(!wt_due(&t, 0, 1000));
	CHECK(!wt_due(&t, 0, 1019));
	CHECK(wt_due(&t, 0, 1020));
	CHECK_EQ(wt_deadline(&t, 1000), 1000u); /* address 1 still due */
	CHECK_EQ(wt_take(&t, 1, 1003), 1);	/* seqs are shared */
	CHECK_EQ(wt_deadline(&t, 1003), 1020u);
	CHECK_EQ(t.a[0].sent, 1u);
	CHECK_EQ(t.a[1].sent, 0u); /* taken, not sent (socket closed) */

	/* a late loop sends once, then one interval from then: no burst */
	CHECK_EQ(wt_take(&t, 0, 1500), 2);
	CHECK(!wt_due(&t, 0, 1519));
	CHECK(wt_due(&t, 0, 1520));
}

static void test_arp_match(void)
{
	struct witness_track t;
	struct arp_seen f;
	size_t i = 99;

	setup(&t, CFG_WITNESS_ARP);
	wt_take(&t, 0, 1000);
	wt_sent(&t, 0, 0, 1000000);
	CHECK(wt_arp_dest(&t, 0, 1000) == NULL); /* MAC unknown: broadcast */

	/* not counted: a rogue from another IP, our own frame, odd ops, bad MACs */
	f = frame(ARPOP_REPLY, rogue_mac, "10.0.0.66", "10.0.0.1");
	CHECK_EQ(wt_arp_frame(&t, &f, 1001, 1001000, &i), WT_FOREIGN);
	f = frame(ARPOP_REPLY, ours, "10.0.0.254", "10.0.0.1");
	CHECK_EQ(wt_arp_frame(&t, &f, 1001, 1001000, &i), WT_OWN);
	f = frame(ARPOP_REPLY, rogue_mac, "10.0.0.254", "10.0.0.1");
	memcpy(f.src_mac, ours, 6); /* Ethernet source ours: looped back */
	CHECK_EQ(wt_arp_frame(&t, &f, 1001, 1001000, &i), WT_OWN);
	f = frame(3 /* RARP request */, gw_mac, "10.0.0.254", "10.0.0.1");
	CHECK_EQ(wt_arp_frame(&t, &f, 1001, 1001000, &i), WT_MISMATCH);
	f = frame(ARPOP_REPLY, (const uint8_t[6]){0x01, 0, 0x5e, 0, 0, 1}, "10.0.0.254", "10.0.0.1");
	CHECK_EQ(wt_arp_frame(&t, &f, 1001, 1001000, &i), WT_MALFORMED);
	f = frame(ARPOP_REPLY, (const uint8_t[6]){0}, "10.0.0.254", "10.0.0.1");
	CHECK_EQ(wt_arp_frame(&t, &f, 1001, 1001000, NULL), WT_MALFORMED);
	CHECK_EQ(t.c.foreign, 1u);
	CHECK_EQ(t.c.own, 2u);
	CHECK_EQ(t.c.mismatch, 1u);
	CHECK_EQ(t.c.malformed, 2u);
	CHECK(!wt_reached(&t, 1001));
	CHECK_EQ(t.a[0].replies, 0u);

	/* the witness's reply counts, with the round trip from the last probe */
	f = frame(ARPOP_REPLY, gw_mac, "10.0.0.254", "0.0.0.0");
	CHECK_EQ(wt_arp_frame(&t, &f, 1001, 1000300, &i), WT_VALID);
	CHECK_EQ(i, 0u);
	CHECK_EQ(t.a[0].replies, 1u);
	CHECK_EQ(t.a[0].rtt_us, 300);
	CHECK(wt_reached(&t, 1001));
	CHECK(wt_addr_reached(&t, 0, 1001));
	CHECK(!wt_addr_reached(&t, 1, 1001));
	/* then the probes go to its MAC, until its reply is half a timeout old */
	CHECK(wt_arp_dest(&t, 0, 1001) != NULL && !memcmp(wt_arp_dest(&t, 0, 1001), gw_mac, 6));
	CHECK(wt_arp_dest(&t, 0, 1050) != NULL);
	CHECK(wt_arp_dest(&t, 0, 1051) == NULL);
	CHECK(wt_arp_dest(&t, 1, 1001) == NULL);

	/* a request from the other witness also proves it alive: no round trip */
	f = frame(ARPOP_REQUEST, rogue_mac, "10.0.0.253", "10.0.0.7");
	CHECK_EQ(wt_arp_frame(&t, &f, 1010, 1010000, &i), WT_VALID);
	CHECK_EQ(i, 1u);
	CHECK_EQ(t.a[1].rtt_us, -1);
	CHECK(wt_addr_reached(&t, 1, 1010));
}

/* reached while age < timeout; changed once per flip; the deadline wakes
 * the loop when the newest reply ages out, with no packet. */
static void test_windows(void)
{
	struct witness_track t;
	struct arp_seen f = frame(ARPOP_REPLY, gw_mac, "10.0.0.254", "10.0.0.1");

	setup(&t, CFG_WITNESS_ARP);
	CHECK_EQ(wt_update(&t, 1000), 0);
	CHECK_EQ(t.changed, 0); /* starts unreached: no flip */
	wt_take(&t, 0, 1000);
	wt_take(&t, 1, 1000);
	CHECK_EQ(wt_deadline(&t, 1000), 1020u); /* no reply: only probes */

	wt_arp_frame(&t, &f, 1005, 1005000, NULL);
	CHECK_EQ(wt_update(&t, 1005), 1);
	CHECK_EQ(t.changed, 1);
	t.changed = 0;
	CHECK_EQ(wt_update(&t, 1010), 1);
	CHECK_EQ(t.changed, 0); /* no flip, no change */
	CHECK(wt_reached(&t, 1104));
	CHECK(!wt_reached(&t, 1105));
	CHECK(wt_reached(&t, 1004)); /* stamped by another clock read: still fresh */

	/* probes keep going out with no answer: the lost moment comes first */
	wt_take(&t, 0, 1020);
	wt_take(&t, 1, 1020);
	CHECK_EQ(wt_deadline(&t, 1020), 1040u);
	t.a[0].next_ms = t.a[1].next_ms = 1200; /* as if interval were longer */
	CHECK_EQ(wt_deadline(&t, 1020), 1105u);
	CHECK_EQ(wt_update(&t, 1104), 1);
	CHECK_EQ(t.changed, 0);
	CHECK_EQ(wt_update(&t, 1105), 0);
	CHECK_EQ(t.changed, 1);
	t.changed = 0;
	CHECK_EQ(wt_deadline(&t, 1105), 1200u); /* lost moment passed: ignored */

	/* the newest reply of any address sets the moment */
	wt_arp_frame(&t, &f, 1150, 1150000, NULL);
	f = frame(ARPOP_REPLY, gw_mac, "10.0.0.253", "10.0.0.1");
	wt_arp_frame(&t, &f, 1160, 1160000, NULL);
	CHECK_EQ(wt_update(&t, 1160), 1);
	CHECK_EQ(t.changed, 1);
	t.a[0].next_ms = t.a[1].next_ms = 5000;
	CHECK_EQ(wt_deadline(&t, 1160), 1260u);
	CHECK(wt_addr_reached(&t, 1, 1255) && !wt_addr_reached(&t, 0, 1255));
	CHECK(wt_reached(&t, 1259));
	CHECK(!wt_reached(&t, 1260));
}

static size_t ip_echo(uint8_t *buf, const char *src, uint8_t type, uint16_t id, uint16_t seq, uint32_t cookie)
{
	struct in_addr s = ip(src), d = ip("10.0.0.1");

	memset(buf, 0, 20);
	buf[0] = 0x45;
	buf[3] = 20 + WT_ECHO_LEN;
	buf[8] = 64;
	buf[9] = 1;
	memcpy(buf + 12, &s, 4);
	memcpy(buf + 16, &d, 4);
	buf[10] = 0, buf[11] = 0;
	uint16_t c = wt_csum(buf, 20);
	buf[10] = (uint8_t)(c >> 8), buf[11] = (uint8_t)c;
	wt_echo_build(buf + 20, type, id, seq, cookie);
	return 20 + WT_ECHO_LEN;
}

static void test_echo_codec(void)
{
	uint8_t b[128];
	struct wt_echo e;
	size_t n;

	/* known answer: RFC 1071 example words sum */
	const uint8_t rfc[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
	CHECK_EQ(wt_csum(rfc, sizeof(rfc)), (uint16_t)~0xddf2);
	CHECK_EQ(wt_csum((const uint8_t *)"\x01", 1), 0xfeff);

	CHECK_EQ(wt_echo_build(b, 8, 0x1234, 7, 0xa1b2c3d4), (size_t)WT_ECHO_LEN);
	CHECK_EQ(b[0], 8);
	CHECK_EQ(b[4], 0x12);
	CHECK_EQ(b[7], 7);
	CHECK_EQ(wt_csum(b, WT_ECHO_LEN), 0);
	CHECK_EQ(wt_echo_parse(b, WT_ECHO_LEN, 0, &e), 0);
	CHECK_EQ(e.type, 8);
	CHECK_EQ(e.id, 0x1234);
	CHECK_EQ(e.seq, 7);
	CHECK_EQ(e.has_cookie, 1);
	CHECK_EQ(e.cookie, 0xa1b2c3d4u);
	CHECK_EQ(wt_echo_parse(b, 8, 0, &e), -1); /* header only: checksum covers the whole */
	b[9] ^= 1;
	CHECK_EQ(wt_echo_parse(b, WT_ECHO_LEN, 0, &e), -1); /* bad checksum */
	CHECK_EQ(wt_echo_parse(b, 7, 0, &e), -1);

	/* an 8-byte echo (someone else's ping) parses without a cookie */
	memset(b, 0, 8);
	b[0] = 0;
	b[5] = 9;
	uint16_t c = wt_csum(b, 8);
	b[2] = (uint8_t)(c >> 8), b[3] = (uint8_t)c;
	CHECK_EQ(wt_echo_parse(b, 8, 0, &e), 0);
	CHECK_EQ(e.has_cookie, 0);
	CHECK_EQ(e.id, 9);

	/* with the IP header (raw socket) */
	n = ip_echo(b, "10.0.0.254", 0, 0x1234, 3, 0xa1b2c3d4);
	CHECK_EQ(wt_echo_parse(b, n, 1, &e), 0);
	CHECK_EQ(e.src.s_addr, ip("10.0.0.254").s_addr);
	CHECK_EQ(e.type, 0);
	CHECK_EQ(e.seq, 3);
	CHECK_EQ(wt_echo_parse(b, n + 20, 1, &e), 0); /* link padding after tot_len */
	CHECK_EQ(wt_echo_parse(b, n - 1, 1, &e), -1); /* truncated */
	CHECK_EQ(wt_echo_parse(b, 19, 1, &e), -1);
	b[0] = 0x44; /* ihl 4 */
	CHECK_EQ(wt_echo_parse(b, n, 1, &e), -1);
	b[0] = 0x65; /* IPv6 version */
	CHECK_EQ(wt_echo_parse(b, n, 1, &e), -1);
	b[0] = 0x4f; /* ihl 15 = 60 bytes > tot_len */
	CHECK_EQ(wt_echo_parse(b, n, 1, &e), -1);
	n = ip_echo(b, "10.0.0.254", 0, 0x1234, 3, 0xa1b2c3d4);
	b[9] = 17; /* UDP */
	CHECK_EQ(wt_echo_parse(b, n, 1, &e), -1);
	n = ip_echo(b, "10.0.0.254", 0, 0x1234, 3, 0xa1b2c3d4);
	b[6] = 0x20; /* more fragments */
	CHECK_EQ(wt_echo_parse(b, n, 1, &e), -1);
	n = ip_echo(b, "10.0.0.254", 0, 0x1234, 3, 0xa1b2c3d4);
	b[6] = 0x40; /* don't fragment: fine */
	CHECK_EQ(wt_echo_parse(b, n, 1, &e), 0);
	b[3] = 20 + 7; /* tot_len leaves no ICMP header */
	CHECK_EQ(wt_echo_parse(b, n, 1, &e), -1);
}

static struct wt_echo echo(const char *src, uint8_t type, uint16_t id, uint16_t seq, uint32_t cookie)
{
	struct wt_echo e = {
	    .src = ip(src), .type = type, .id = id, .seq = seq, .cookie = cookie, .has_cookie = 1};

	return e;
}

static void test_icmp_match(void)
{
	struct witness_track t;
	struct wt_echo e;
	uint16_t s0, s1;
	size_t i = 99;

	setup(&t, CFG_WITNESS_ICMP);
	s0 = wt_take(&t, 0, 1000);
	wt_sent(&t, 0, s0, 1000000);
	s1 = wt_take(&t, 1, 1000);
	wt_sent(&t, 1, s1, 1000050);

	e = echo("10.0.0.66", 0, 0x1234, s0, t.cookie);
	CHECK_EQ(wt_icmp_reply(&t, &e, 1001, 1000500, &i), WT_FOREIGN);
	e = echo("10.0.0.254", 0, 0x1235, s0, t.cookie);
	CHECK_EQ(wt_icmp_reply(&t, &e, 1001, 1000500, &i), WT_MISMATCH); /* id */
	e = echo("10.0.0.254", 0, 0x1234, s0, t.cookie + 1);
	CHECK_EQ(wt_icmp_reply(&t, &e, 1001, 1000500, &i), WT_MISMATCH); /* cookie */
	e = echo("10.0.0.254", 0, 0x1234, s0, t.cookie);
	e.has_cookie = 0;
	CHECK_EQ(wt_icmp_reply(&t, &e, 1001, 1000500, &i), WT_MISMATCH);
	e = echo("10.0.0.254", 8, 0x1234, s0, t.cookie);
	CHECK_EQ(wt_icmp_reply(&t, &e, 1001, 1000500, &i), WT_MISMATCH); /* a request */
	e = echo("10.0.0.254", 0, 0x1234, s0, t.cookie);
	e.code = 1;
	CHECK_EQ(wt_icmp_reply(&t, &e, 1001, 1000500, &i), WT_MISMATCH);
	e = echo("10.0.0.254", 0, 0x1234, (uint16_t)(s1 + 5), t.cookie);
	CHECK_EQ(wt_icmp_reply(&t, &e, 1001, 1000500, &i), WT_MISMATCH); /* never sent */
	e = echo("10.0.0.254", 0, 0x1234, s1, t.cookie);
	CHECK_EQ(wt_icmp_reply(&t, &e, 1001, 1000500, &i), WT_MISMATCH); /* sent to the other one */
	CHECK(!wt_reached(&t, 1001));
	CHECK_EQ(t.c.foreign, 1u);
	CHECK_EQ(t.c.mismatch, 7u);

	e = echo("10.0.0.254", 0, 0x1234, s0, t.cookie);
	CHECK_EQ(wt_icmp_reply(&t, &e, 1001, 1000450, &i), WT_VALID);
	CHECK_EQ(i, 0u);
	CHECK_EQ(t.a[0].rtt_us, 450);
	CHECK(wt_reached(&t, 1001));
	CHECK_EQ(wt_icmp_reply(&t, &e, 1001, 1000460, &i), WT_MISMATCH); /* duplicate */
	CHECK_EQ(t.a[0].replies, 1u);

	/* later than the timeout after the probe: not "alive now" */
	e = echo("10.0.0.253", 0, 0x1234, s1, t.cookie);
	CHECK_EQ(wt_icmp_reply(&t, &e, 1101, 1100051, &i), WT_MISMATCH);
	CHECK(!wt_addr_reached(&t, 1, 1101));

	/* only the last WT_RING probes of an address count */
	uint16_t first = 0, last = 0;
	for (int k = 0; k <= WT_RING; k++) {
		uint16_t s = wt_take(&t, 1, 2000 + 20 * (uint64_t)k);

		wt_sent(&t, 1, s, 2000000 + 20000 * (uint64_t)k);
		if (k == 0)
			first = s;
		last = s;
	}
	e = echo("10.0.0.253", 0, 0x1234, first, t.cookie);
	CHECK_EQ(wt_icmp_reply(&t, &e, 2330, 2330000, &i), WT_MISMATCH);
	e = echo("10.0.0.253", 0, 0x1234, last, t.cookie);
	CHECK_EQ(wt_icmp_reply(&t, &e, 2330, 2330000, &i), WT_VALID);
	CHECK_EQ(t.a[1].rtt_us, 10000);
	CHECK_EQ(t.a[1].sent, (uint64_t)WT_RING + 2);
	wt_malformed(&t);
	CHECK_EQ(t.c.malformed, 1u);
}

static void test_status(void)
{
	struct witness_track t;
	struct witness_status s;
	struct arp_seen f = frame(ARPOP_REPLY, gw_mac, "10.0.0.254", "10.0.0.1");
	char buf[160];

	setup(&t, CFG_WITNESS_ARP);
	wt_summary(&t, 1000, buf, sizeof(buf));
	CHECK_STR(buf, "witness: none reached yet (10.0.0.254, 10.0.0.253)");
	wt_status(&t, 0, 1000, &s);
	CHECK_EQ(s.age_ms, -1);
	CHECK_EQ(s.rtt_us, -1);
	CHECK_EQ(s.reached, 0);
	CHECK_EQ(s.addr.s_addr, ip("10.0.0.254").s_addr);

	wt_take(&t, 0, 1000);
	wt_sent(&t, 0, 0, 1000000);
	wt_arp_frame(&t, &f, 1001, 1000300, NULL);
	wt_summary(&t, 1001, buf, sizeof(buf));
	CHECK_STR(buf, "witness 10.0.0.254 reached (rtt 300 us), 1 of 2 reached");
	wt_status(&t, 0, 1031, &s);
	CHECK_EQ(s.sent, 1u);
	CHECK_EQ(s.replies, 1u);
	CHECK_EQ(s.age_ms, 30);
	CHECK_EQ(s.rtt_us, 300);
	CHECK_EQ(s.reached, 1);

	t.a[0].rtt_us = 2345;
	t.n = 1;
	wt_summary(&t, 1001, buf, sizeof(buf));
	CHECK_STR(buf, "witness 10.0.0.254 reached (rtt 2.3 ms)");
	t.n = 2;
	/* lost at 1101: 1.2 s later */
	wt_summary(&t, 2301, buf, sizeof(buf));
	CHECK_STR(buf, "witness: none reached for 1.2 s (10.0.0.254, 10.0.0.253)");
	wt_status(&t, 0, 2301, &s);
	CHECK_EQ(s.reached, 0);
	CHECK_EQ(s.age_ms, 1300);
	/* a request (no round trip) from the other one */
	f = frame(ARPOP_REQUEST, gw_mac, "10.0.0.253", "10.0.0.9");
	wt_arp_frame(&t, &f, 2400, 2400000, NULL);
	wt_summary(&t, 2400, buf, sizeof(buf));
	CHECK_STR(buf, "witness 10.0.0.253 reached, 1 of 2 reached");
	/* a short buffer is cut, never overrun */
	char small[8];
	wt_summary(&t, 2400, small, sizeof(small));
	CHECK_STR(small, "witness");
}

/* Nothing to probe: refused before any socket is made. */
static void test_open_refused(void)
{
	struct twin_config c;
	struct witness *w = (struct witness *)&c;
	char err[128] = "";

	config_defaults(&c);
	CHECK_EQ(witness_open(&w, &c, 0, err, sizeof(err)), -1);
	CHECK(w == NULL);
	CHECK_STR(err, "witness: none configured");
	witness_close(NULL);
}

TEST_MAIN("witness", {
	test_timeout_floor();
	test_schedule();
	test_arp_match();
	test_windows();
	test_echo_codec();
	test_icmp_match();
	test_status();
	test_open_refused();
})
