/* metrics_listen / twin-exporter -l: ADDR:PORT, numeric only. */
#include <arpa/inet.h>
#include <netinet/in.h>

#include "check.h"
#include "listen_addr.h"

static void test_good(void)
{
	struct listen_addr a;
	char err[128];

	CHECK_EQ(listen_addr_parse("10.0.0.5:9946", &a, err, sizeof(err)), 0);
	const struct sockaddr_in *v4 = (const struct sockaddr_in *)&a.ss;
	CHECK_EQ(v4->sin_family, AF_INET);
	CHECK_EQ(ntohs(v4->sin_port), 9946);
	CHECK_EQ(v4->sin_addr.s_addr, htonl(0x0a000005));
	CHECK_EQ(a.len, sizeof(struct sockaddr_in));
	CHECK_EQ(listen_addr_parse("0.0.0.0:1", &a, err, sizeof(err)), 0);
	CHECK_EQ(listen_addr_parse("[::1]:65535", &a, err, sizeof(err)), 0);
	const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)&a.ss;
	CHECK_EQ(v6->sin6_family, AF_INET6);
	CHECK_EQ(ntohs(v6->sin6_port), 65535);
	CHECK(IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr));
	CHECK_EQ(a.len, sizeof(struct sockaddr_in6));
}

static void test_bad(void)
{
	static const char *const bad[] = {
	    "",
	    "9946",
	    ":9946",
	    "localhost:9946",
	    "10.0.0.5",
	    "10.0.0.5:",
	    "10.0.0.5:0",
	    "10.0.0.5:65536",
	    "10.0.0.5:+80",
	    "10.0.0.5: 80",
	    "010.0.0.5:80",
	    "::1:9946",
	    "[::1]9946",
	    "[::1]:",
	    "[10.0.0.5]:80",
	    "[::1:80",
	    "1.2.3.4:80x",
	    "[0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000]:80",
	};
	struct listen_addr a;
	char err[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		int rc = listen_addr_parse(bad[i], &a, err, sizeof(err));
		if (rc != -1 || !err[0])
			fprintf(stderr, "accepted: '%s'\n", bad[i]);
		CHECK(rc == -1 && err[0]);
	}
}

TEST_MAIN("listen_addr", {
	test_good();
	test_bad();
})
