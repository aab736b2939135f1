/* IPv6 ND codec: the NA a new Active sends, the duplicate check's NS from
 * ::, the checksum against an independent computation, the parser's
 * bounds and the conflict rule. */
#include "check.h"
#include "nd_wire.h"

#include <arpa/inet.h>

static const uint8_t mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x0a};
static const uint8_t other[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x0b};

static struct in6_addr a6(const char *s)
{
	struct in6_addr a;

	inet_pton(AF_INET6, s, &a);
	return a;
}

static void test_na(void)
{
	struct in6_addr t = a6("2001:db8::100");
	uint8_t buf[64];
	struct nd_seen m;
	static const uint8_t want[ND_NA_LEN] = {
	    136,  0,	0,    0,    0x20, 0, 0, 0, /* type, code, checksum 0 (kernel), flags: override only */
	    0x20, 0x01, 0x0d, 0xb8, 0,	  0, 0, 0,   0, 0, 0, 0, 0, 0, 0x01, 0x00, /* target */
	    2,	  1,	0x02, 0,    0,	  0, 0, 0x0a /* target link-layer address option */
	};

	CHECK_EQ(nd_build_na(buf, ND_NA_LEN - 1, &t, mac, ND_NA_F_OVERRIDE), 0u);
	CHECK_EQ(nd_build_na(buf, sizeof(buf), &t, mac, ND_NA_F_OVERRIDE), (size_t)ND_NA_LEN);
	CHECK(!memcmp(buf, want, ND_NA_LEN));
	/* unknown flag bits are never sent */
	nd_build_na(buf, sizeof(buf), &t, mac, 0xffffffffu);
	CHECK_EQ(buf[4], 0xe0);
	CHECK_EQ(buf[5] | buf[6] | buf[7], 0);
	nd_build_na(buf, sizeof(buf), &t, mac, ND_NA_F_OVERRIDE);
	CHECK_EQ(nd_parse(buf, ND_NA_LEN, &m), 0);
	CHECK_EQ(m.type, ND_TYPE_NA);
	CHECK_EQ(m.flags, ND_NA_F_OVERRIDE);
	CHECK(!memcmp(&m.target, &t, 16));
	CHECK_EQ(m.has_lla, 1);
	CHECK(!memcmp(m.lla, mac, 6));
}

static void test_dad(void)
{
	struct in6_addr t = a6("2001:db8::100"), g, any = IN6ADDR_ANY_INIT;
	uint8_t buf[128], m6[6];
	struct nd_seen m;

	nd_solicited_node(&t, &g);
	CHECK(!memcmp(&g, &(struct in6_addr){{{0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 1, 0}}}, 16));
	nd_multicast_mac(&g, m6);
	CHECK(!memcmp(m6, "\x33\x33\xff\x00\x01\x00", 6));

	CHECK_EQ(nd_build_dad(buf, ND_DAD_PKT_LEN - 1, &t), 0u);
	CHECK_EQ(nd_build_dad(buf, sizeof(buf), &t), (size_t)ND_DAD_PKT_LEN);
	CHECK_EQ(buf[0], 0x60);
	CHECK_EQ(buf[4] << 8 | buf[5], ND_NS_LEN); /* payload length */
	CHECK_EQ(buf[6], IPPROTO_ICMPV6);
	CHECK_EQ(buf[7], 255);		   /* hop limit */
	CHECK(!memcmp(buf + 8, &any, 16)); /* from :: */
	CHECK(!memcmp(buf + 24, &g, 16));
	/* checksum as computed independently (Python, RFC 8200 8.1) */
	CHECK_EQ(buf[40 + 2] << 8 | buf[40 + 3], 0x4aef);
	/* and a message with its checksum in sums to zero */
	CHECK_EQ(nd_checksum(&any, &g, buf + 40, ND_NS_LEN), 0);
	CHECK_EQ(nd_parse(buf + 40, ND_NS_LEN, &m), 0);
	CHECK_EQ(m.type, ND_TYPE_NS);
	CHECK_EQ(m.has_lla, 0); /* DAD carries no source link-layer address */
	CHECK(!memcmp(&m.target, &t, 16));
	/* odd lengths: the last byte is padded with zero */
	CHECK_EQ(nd_checksum(&any, &any, (const uint8_t *)"\x01", 1), (uint16_t) ~(0x0100 + 1 + 58));
}

static void test_parse(void)
{
	struct in6_addr t = a6("fd00::1");
	uint8_t buf[64];
	struct nd_seen m;

	nd_build_na(buf, sizeof(buf), &t, mac, ND_NA_F_SOLICITED);
	CHECK_EQ(nd_parse(buf, 23, &m), -1); /* shorter than header + target */
	CHECK_EQ(nd_parse(buf, 24, &m), 0);  /* no option: fine */
	CHECK_EQ(m.has_lla, 0);
	CHECK_EQ(nd_parse(buf, 25, &m), -1); /* one byte of an option */
	CHECK_EQ(nd_parse(buf, 31, &m), -1); /* option past the end */
	buf[25] = 0;			     /* option length 0 (RFC 4861 4.6) */
	CHECK_EQ(nd_parse(buf, 32, &m), -1);
	buf[25] = 1;
	buf[24] = ND_OPT_SLLA; /* an NA's source option is not the target's */
	CHECK_EQ(nd_parse(buf, 32, &m), 0);
	CHECK_EQ(m.has_lla, 0);
	buf[24] = ND_OPT_TLLA;
	buf[1] = 1; /* code must be 0 */
	CHECK_EQ(nd_parse(buf, 32, &m), -1);
	buf[1] = 0;
	buf[0] = 128; /* echo request */
	CHECK_EQ(nd_parse(buf, 32, &m), -1);
	buf[0] = ND_TYPE_NA;
	/* a longer (16-byte) link-layer option is skipped, a later one read */
	uint8_t two[48];
	memcpy(two, buf, 24);
	memset(two + 24, 0, 24);
	two[24] = ND_OPT_TLLA;
	two[25] = 2;
	two[40] = ND_OPT_TLLA;
	two[41] = 1;
	memcpy(two + 42, other, 6);
	CHECK_EQ(nd_parse(two, sizeof(two), &m), 0);
	CHECK_EQ(m.has_lla, 1);
	CHECK(!memcmp(m.lla, other, 6));
	CHECK_EQ(m.flags, ND_NA_F_SOLICITED);
}

static void test_conflict(void)
{
	struct in6_addr t = a6("2001:db8::100"), u = a6("2001:db8::101");
	uint8_t buf[64];
	struct nd_seen m;

	nd_build_na(buf, sizeof(buf), &t, other, ND_NA_F_OVERRIDE);
	nd_parse(buf, ND_NA_LEN, &m);
	CHECK_EQ(nd_is_conflict(&m, 255, &t, mac), ND_IN_USE);
	CHECK_EQ(nd_is_conflict(&m, 254, &t, mac), ND_CLEAR);	/* routed: forged */
	CHECK_EQ(nd_is_conflict(&m, 255, &u, mac), ND_CLEAR);	/* another address */
	CHECK_EQ(nd_is_conflict(&m, 255, &t, other), ND_CLEAR); /* our own */
	m.has_lla = 0;						/* no option: still someone's answer */
	CHECK_EQ(nd_is_conflict(&m, 255, &t, mac), ND_IN_USE);
	nd_build_dad(buf, sizeof(buf), &t);
	nd_parse(buf + ND_IP6_HDR_LEN, ND_NS_LEN, &m);
	CHECK_EQ(nd_is_conflict(&m, 255, &t, mac), ND_CLEAR); /* a rival's NS: not an owner */
}

TEST_MAIN("nd_wire", {
	test_na();
	test_dad();
	test_parse();
	test_conflict();
})
