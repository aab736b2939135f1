/* ARP codec, conflict rule (RFC 5227) and the socket filter, no root needed:
 * the filter runs on an AF_UNIX datagram socketpair, whose datagrams start
 * at offset 0 like a SOCK_DGRAM packet socket's. */
#include "arp.h"
#include "check.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if_arp.h>
#include <sys/socket.h>
#include <unistd.h>

static const uint8_t ours[6] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t theirs[6] = {0x02, 0, 0, 0, 0, 0x99};
static const uint8_t zero6[6];

static struct in_addr ip(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a;
}

/* A gratuitous ARP for 10.0.0.100 from 02:00:00:00:00:01, written out by
 * hand from RFC 826's layout. */
static void test_known_answer(void)
{
	static const uint8_t want[ARP_FRAME_LEN] = {
	    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, /* Ethernet, IPv4, 6, 4, request */
	    0x02, 0x00, 0x00, 0x00, 0x00, 0x01,		    /* sender MAC */
	    0x0a, 0x00, 0x00, 0x64,			    /* sender IP */
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00,		    /* target MAC */
	    0x0a, 0x00, 0x00, 0x64,			    /* target IP */
	};
	uint8_t got[ARP_FRAME_LEN];

	arp_build(got, ARPOP_REQUEST, ours, ip("10.0.0.100"), zero6, ip("10.0.0.100"));
	CHECK(!memcmp(got, want, sizeof(want)));
}

static void test_parse(void)
{
	uint8_t buf[ARP_FRAME_LEN + 18];
	struct arp_seen f;

	memset(buf, 0xee, sizeof(buf)); /* Ethernet padding after the payload */
	arp_build(buf, ARPOP_REPLY, theirs, ip("10.0.0.7"), ours, ip("10.0.0.1"));
	CHECK_EQ(arp_parse(buf, sizeof(buf), &f), 0);
	CHECK_EQ(f.op, ARPOP_REPLY);
	CHECK(!memcmp(f.sha, theirs, 6));
	CHECK(!memcmp(f.tha, ours, 6));
	CHECK_EQ(f.spa.s_addr, ip("10.0.0.7").s_addr);
	CHECK_EQ(f.tpa.s_addr, ip("10.0.0.1").s_addr);
	CHECK(!memcmp(f.src_mac, zero6, 6));

	CHECK_EQ(arp_parse(buf, ARP_FRAME_LEN - 1, &f), -1);
	buf[3] = 0xdd, buf[2] = 0x86; /* IPv6 protocol type */
	CHECK_EQ(arp_parse(buf, sizeof(buf), &f), -1);
	arp_build(buf, ARPOP_REPLY, theirs, ip("10.0.0.7"), ours, ip("10.0.0.1"));
	buf[1] = 6; /* IEEE 802 hardware type */
	CHECK_EQ(arp_parse(buf, sizeof(buf), &f), -1);
	arp_build(buf, ARPOP_REPLY, theirs, ip("10.0.0.7"), ours, ip("10.0.0.1"));
	buf[5] = 16; /* protocol address length */
	CHECK_EQ(arp_parse(buf, sizeof(buf), &f), -1);
}

static enum arp_conflict conflict(uint16_t op, const uint8_t *sha, const char *spa, const char *tpa,
				  const char *probed)
{
	uint8_t buf[ARP_FRAME_LEN];
	struct arp_seen f;

	arp_build(buf, op, sha, ip(spa), zero6, ip(tpa));
	if (arp_parse(buf, sizeof(buf), &f) < 0)
		return (enum arp_conflict) - 1;
	return arp_is_conflict(&f, ip(probed), ours);
}

static void test_conflict(void)
{
	const char *p = "10.0.0.100";

	/* a holder answers our probe */
	CHECK_EQ(conflict(ARPOP_REPLY, theirs, p, "0.0.0.0", p), ARP_IN_USE);
	/* a holder asks about someone else, or announces itself */
	CHECK_EQ(conflict(ARPOP_REQUEST, theirs, p, "10.0.0.1", p), ARP_IN_USE);
	CHECK_EQ(conflict(ARPOP_REQUEST, theirs, p, p, p), ARP_IN_USE);
	/* another host probes the same address */
	CHECK_EQ(conflict(ARPOP_REQUEST, theirs, "0.0.0.0", p, p), ARP_PROBING);
	/* not about the probed address */
	CHECK_EQ(conflict(ARPOP_REPLY, theirs, "10.0.0.7", "10.0.0.1", p), ARP_CLEAR);
	CHECK_EQ(conflict(ARPOP_REQUEST, theirs, "10.0.0.7", p, p), ARP_CLEAR); /* asking for it */
	CHECK_EQ(conflict(ARPOP_REQUEST, theirs, "0.0.0.0", "10.0.0.8", p), ARP_CLEAR);
	/* a probe reply is not a probe */
	CHECK_EQ(conflict(ARPOP_REPLY, theirs, "0.0.0.0", p, p), ARP_CLEAR);
	/* our own frames never conflict */
	CHECK_EQ(conflict(ARPOP_REQUEST, ours, p, p, p), ARP_CLEAR);
	CHECK_EQ(conflict(ARPOP_REQUEST, ours, "0.0.0.0", p, p), ARP_CLEAR);
	/* RARP and other ops are not ARP conflicts */
	CHECK_EQ(conflict(3, theirs, p, p, p), ARP_CLEAR);
}

/* Does a datagram sent through the filtered pair come out? */
static int passes(int sv[2], const uint8_t *frame, size_t len)
{
	uint8_t buf[64];

	if (send(sv[0], frame, len, 0) != (ssize_t)len)
		return -1;
	return recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT) == (ssize_t)len;
}

static int passes_arp(int sv[2], uint16_t op, const char *spa, const char *tpa)
{
	uint8_t buf[ARP_FRAME_LEN];

	arp_build(buf, op, theirs, ip(spa), zero6, ip(tpa));
	return passes(sv, buf, sizeof(buf));
}

static void test_filter(void)
{
	int sv[2];
	uint8_t buf[ARP_FRAME_LEN];
	struct in_addr two[2] = {ip("10.0.0.100"), ip("10.0.0.101")};
	struct in_addr many[ARP_WATCH_MAX + 1];

	CHECK_EQ(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);

	/* control: no filter, everything passes */
	CHECK_EQ(passes_arp(sv, ARPOP_REPLY, "10.0.0.7", "10.0.0.1"), 1);

	CHECK_EQ(arp_attach_filter(sv[1], 0, NULL, 0), 0);
	CHECK_EQ(passes_arp(sv, ARPOP_REPLY, "10.0.0.100", "10.0.0.1"), 0);

	/* watch all: any Ethernet/IPv4 ARP, nothing else */
	CHECK_EQ(arp_attach_filter(sv[1], 1, NULL, 0), 0);
	CHECK_EQ(passes_arp(sv, ARPOP_REPLY, "10.0.0.7", "10.0.0.1"), 1);
	arp_build(buf, ARPOP_REQUEST, theirs, ip("10.0.0.7"), zero6, ip("10.0.0.1"));
	buf[2] = 0x86, buf[3] = 0xdd;
	CHECK_EQ(passes(sv, buf, sizeof(buf)), 0);
	arp_build(buf, ARPOP_REQUEST, theirs, ip("10.0.0.7"), zero6, ip("10.0.0.1"));
	buf[4] = 8;
	CHECK_EQ(passes(sv, buf, sizeof(buf)), 0);
	CHECK_EQ(passes(sv, (const uint8_t *)"\x00\x01\x08\x00", 4), 0); /* truncated */

	/* watch two addresses: frames from them, or probes for them */
	CHECK_EQ(arp_attach_filter(sv[1], 1, two, 2), 0);
	CHECK_EQ(passes_arp(sv, ARPOP_REPLY, "10.0.0.100", "0.0.0.0"), 1);
	CHECK_EQ(passes_arp(sv, ARPOP_REQUEST, "10.0.0.101", "10.0.0.101"), 1);
	CHECK_EQ(passes_arp(sv, ARPOP_REQUEST, "0.0.0.0", "10.0.0.101"), 1);
	CHECK_EQ(passes_arp(sv, ARPOP_REQUEST, "0.0.0.0", "10.0.0.100"), 1);
	CHECK_EQ(passes_arp(sv, ARPOP_REQUEST, "0.0.0.0", "10.0.0.102"), 0);
	CHECK_EQ(passes_arp(sv, ARPOP_REQUEST, "10.0.0.7", "10.0.0.100"), 0); /* asking for it */
	CHECK_EQ(passes_arp(sv, ARPOP_REQUEST, "10.0.0.102", "10.0.0.102"), 0);
	CHECK_EQ(passes_arp(sv, ARPOP_REPLY, "10.0.0.7", "10.0.0.1"), 0);
	arp_build(buf, ARPOP_REPLY, theirs, ip("10.0.0.100"), zero6, ip("0.0.0.0"));
	buf[0] = 0x00, buf[1] = 0x06; /* right address, wrong hardware type */
	CHECK_EQ(passes(sv, buf, sizeof(buf)), 0);

	/* the longest program: the last address at both compares */
	for (int i = 0; i <= ARP_WATCH_MAX; i++)
		many[i].s_addr = htonl(0x0a000100u + (uint32_t)i);
	CHECK_EQ(arp_attach_filter(sv[1], 1, many, ARP_WATCH_MAX), 0);
	CHECK_EQ(passes_arp(sv, ARPOP_REPLY, "10.0.1.7", "0.0.0.0"), 1);
	CHECK_EQ(passes_arp(sv, ARPOP_REQUEST, "0.0.0.0", "10.0.1.7"), 1);
	CHECK_EQ(passes_arp(sv, ARPOP_REQUEST, "10.0.1.0", "10.0.1.0"), 1);
	CHECK_EQ(passes_arp(sv, ARPOP_REPLY, "10.0.1.8", "0.0.0.0"), 0);
	CHECK_EQ(arp_attach_filter(sv[1], 1, many, ARP_WATCH_MAX + 1), -1);
	CHECK_EQ(errno, E2BIG);

	/* senders only (the witness): frames from them, not probes for them */
	CHECK_EQ(arp_attach_filter(sv[1], ARP_WATCH_SENDERS, two, 2), 0);
	CHECK_EQ(passes_arp(sv, ARPOP_REPLY, "10.0.0.100", "0.0.0.0"), 1);
	CHECK_EQ(passes_arp(sv, ARPOP_REQUEST, "10.0.0.101", "10.0.0.7"), 1);
	CHECK_EQ(passes_arp(sv, ARPOP_REQUEST, "0.0.0.0", "10.0.0.101"), 0);
	CHECK_EQ(passes_arp(sv, ARPOP_REQUEST, "10.0.0.7", "10.0.0.100"), 0);
	CHECK_EQ(passes_arp(sv, ARPOP_REPLY, "10.0.0.102", "10.0.0.1"), 0);
	CHECK_EQ(passes(sv, (const uint8_t *)"\x00\x01\x08\x00", 4), 0);
	CHECK_EQ(arp_attach_filter(sv[1], ARP_WATCH_SENDERS, many, ARP_WATCH_MAX), 0);
	CHECK_EQ(passes_arp(sv, ARPOP_REPLY, "10.0.1.7", "10.0.0.1"), 1);
	CHECK_EQ(passes_arp(sv, ARPOP_REPLY, "10.0.1.8", "10.0.0.1"), 0);

	close(sv[0]);
	close(sv[1]);
}

TEST_MAIN("arp", {
	test_known_answer();
	test_parse();
	test_conflict();
	test_filter();
})
