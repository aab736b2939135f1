/* Frames for the kernel beacon: byte layout and checksums. */
#include <arpa/inet.h>
#include <string.h>

#include "beacon_frame.h"
#include "check.h"

static const uint8_t mac_a[6] = {0x52, 0x54, 0x00, 0x74, 0x77, 0x10};
static const uint8_t mac_b[6] = {0x52, 0x54, 0x00, 0x74, 0x77, 0x20};

static unsigned get16(const uint8_t *p)
{
	return (unsigned)(p[0] << 8 | p[1]);
}

static void test_link(void)
{
	uint8_t out[128], payload[72];

	memset(payload, 0xab, sizeof(payload));
	CHECK_EQ(bf_link(out, sizeof(out), mac_a, 0x88b5, payload, sizeof(payload)), 86u);
	CHECK(!memcmp(out, "\xff\xff\xff\xff\xff\xff", 6));
	CHECK(!memcmp(out + 6, mac_a, 6));
	CHECK_EQ(get16(out + 12), 0x88b5u);
	CHECK(!memcmp(out + 14, payload, sizeof(payload)));
	CHECK_EQ(bf_link(out, 85, mac_a, 0x88b5, payload, sizeof(payload)), 0u);
	CHECK_EQ(bf_link(out, 10, mac_a, 0x88b5, payload, 0), 0u);
}

/* The IPv4 header of RFC 1071's usual worked example: checksum 0xb861. */
static void test_ip_vector(void)
{
	uint8_t out[256], payload[87] = {0};
	struct bf_udp_addr a = {.sport = 1, .dport = 2};

	inet_pton(AF_INET, "192.168.0.1", &a.src);
	inet_pton(AF_INET, "192.168.0.199", &a.dst);
	CHECK_EQ(bf_udp(out, sizeof(out), &a, 0, payload, sizeof(payload)), 14u + 115u);
	CHECK(!memcmp(out + 14,
		      "\x45\x00\x00\x73\x00\x00\x40\x00\x40\x11\xb8\x61\xc0\xa8\x00\x01\xc0\xa8\x00\xc7",
		      20));
}

static void test_udp(void)
{
	uint8_t out[256], payload[72];
	struct bf_udp_addr a = {.sport = 6940, .dport = 6940, .tos = 0xb8};
	uint32_t sum;

	for (unsigned i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7 + 3);
	memcpy(a.src_mac, mac_a, 6);
	memcpy(a.dst_mac, mac_b, 6);
	inet_pton(AF_INET, "192.168.1.11", &a.src);
	inet_pton(AF_INET, "192.168.1.12", &a.dst);
	size_t n = bf_udp(out, sizeof(out), &a, 0x1234, payload, sizeof(payload));
	CHECK_EQ(n, 14u + 20u + 8u + 72u);
	CHECK(!memcmp(out, mac_b, 6) && !memcmp(out + 6, mac_a, 6));
	CHECK_EQ(get16(out + 12), 0x0800u);
	const uint8_t *ip = out + 14, *udp = ip + 20;
	CHECK_EQ(ip[1], 0xb8);
	CHECK_EQ(get16(ip + 2), 100u);
	CHECK_EQ(get16(ip + 4), 0x1234u);
	CHECK_EQ(bf_csum_fold(bf_csum_add(0, ip, 20)), 0xffffu); /* header verifies */
	CHECK_EQ(get16(udp), 6940u);
	CHECK_EQ(get16(udp + 2), 6940u);
	CHECK_EQ(get16(udp + 4), 80u);
	sum = bf_csum_add(0, ip + 12, 8) + 17 + 80;
	CHECK_EQ(bf_csum_fold(bf_csum_add(sum, udp, 80)), 0xffffu); /* with the pseudo-header */
	CHECK(!memcmp(udp + 8, payload, sizeof(payload)));
	/* one byte changed: the checksum no longer verifies */
	out[60] ^= 1;
	CHECK(bf_csum_fold(bf_csum_add(sum, udp, 80)) != 0xffffu);
	CHECK_EQ(bf_udp(out, n - 1, &a, 0, payload, sizeof(payload)), 0u);
	CHECK_EQ(bf_udp(out, 20, &a, 0, payload, 0), 0u);
	/* an odd length pads with a zero byte */
	n = bf_udp(out, sizeof(out), &a, 1, payload, 7);
	CHECK_EQ(n, 49u);
	sum = bf_csum_add(0, ip + 12, 8) + 17 + 15;
	CHECK_EQ(bf_csum_fold(bf_csum_add(sum, udp, 15)), 0xffffu);
}

TEST_MAIN("beacon_frame", {
	test_link();
	test_ip_vector();
	test_udp();
})
