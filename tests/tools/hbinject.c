/* hbinject: a rogue on the heartbeat link or the LAN, for tests and the
 * benchmark. Sends forged, truncated, replayed or flood frames; it must
 * never change what twind believes.
 *
 *   hbinject badkey    -i IF [-u DST_IP:PORT -S SRC_IP] [-n N] [-c CLUSTER] [-I NODE_ID]
 *   hbinject truncated -i IF [-u DST_IP:PORT -S SRC_IP] [-n N] [-c CLUSTER]
 *   hbinject replay    -i IF [-u DST_IP:PORT -S SRC_IP] [-n N] [-I NODE_ID]  capture one real beat of
 *                      NODE_ID (default 1) on IF, resend it
 *   hbinject flood     -i IF -r RATE -d SECONDS                   garbage frames (random EtherTypes/bytes)
 *
 * With -u the frames go as UDP from the spoofed SRC_IP (raw IP socket)
 * instead of Ethernet frames on IF. Prints "sent N". */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hb_wire.h"

struct opts {
	const char *ifname;
	struct sockaddr_in udp_dst;
	struct in_addr udp_src;
	int use_udp;
	long n;
	uint32_t cluster;
	uint8_t node_id;
	long rate, seconds;
};

static int die(const char *what)
{
	fprintf(stderr, "hbinject: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint16_t csum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		s += (uint32_t)(b[len - 1] << 8);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return htons((uint16_t)~s);
}

static int send_one(const struct opts *o, int fd, const uint8_t *payload, size_t len)
{
	if (!o->use_udp) {
		struct sockaddr_ll ll = {.sll_family = AF_PACKET,
					 .sll_protocol = htons(HB_ETHERTYPE),
					 .sll_ifindex = (int)if_nametoindex(o->ifname),
					 .sll_halen = ETH_ALEN,
					 .sll_addr = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
		return (int)sendto(fd, payload, len, 0, (struct sockaddr *)&ll, sizeof(ll));
	}
	/* spoofed source: raw IPv4 with our own header */
	uint8_t pkt[sizeof(struct iphdr) + sizeof(struct udphdr) + 256];
	struct iphdr *ip = (struct iphdr *)pkt;
	struct udphdr *udp = (struct udphdr *)(pkt + sizeof(*ip));
	size_t total = sizeof(*ip) + sizeof(*udp) + len;

	memset(pkt, 0, sizeof(*ip) + sizeof(*udp));
	memcpy(pkt + sizeof(*ip) + sizeof(*udp), payload, len);
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->tot_len = htons((uint16_t)total);
	ip->saddr = o->udp_src.s_addr;
	ip->daddr = o->udp_dst.sin_addr.s_addr;
	ip->check = csum(ip, sizeof(*ip));
	udp->source = o->udp_dst.sin_port;
	udp->dest = o->udp_dst.sin_port;
	udp->len = htons((uint16_t)(sizeof(*udp) + len));
	udp->check = 0; /* optional in IPv4 */
	return (int)sendto(fd, pkt, total, 0, (struct sockaddr *)&o->udp_dst, sizeof(o->udp_dst));
}

static int open_tx(const struct opts *o)
{
	int fd, one = 1;

	if (!o->use_udp)
		fd = socket(AF_PACKET, SOCK_DGRAM, 0);
	else {
		fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
		if (fd >= 0)
			setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one));
	}
	if (fd < 0)
		die("socket");
	return fd;
}

/* wait for one real heartbeat of node_id on the link and keep its payload */
static size_t capture(const char *ifname, uint8_t node_id, uint8_t *out, size_t cap)
{
	int fd = socket(AF_PACKET, SOCK_DGRAM, htons(HB_ETHERTYPE));
	struct sockaddr_ll ll = {.sll_family = AF_PACKET,
				 .sll_protocol = htons(HB_ETHERTYPE),
				 .sll_ifindex = (int)if_nametoindex(ifname)};
	struct pollfd pfd = {.fd = fd, .events = POLLIN};

	if (fd < 0 || bind(fd, (struct sockaddr *)&ll, sizeof(ll)) < 0)
		die("capture socket");
	for (;;) {
		if (poll(&pfd, 1, 5000) <= 0) {
			fprintf(stderr, "hbinject: no heartbeat of node %u seen on %s in 5 s\n", node_id,
				ifname);
			exit(1);
		}
		ssize_t n = recv(fd, out, cap, 0);
		if (n >= HB_FRAME_LEN && out[HB_OFF_NODE_ID] == node_id)
			break;
	}
	close(fd);
	return HB_FRAME_LEN;
}

static void forged(const struct opts *o, uint8_t *buf, uint64_t i)
{
	struct hb_frame f = {.version = HB_VERSION,
			     .node_id = o->node_id,
			     .state = 2 /* Active: the most harmful lie */,
			     .flags = HB_F_HOLDS_VIP | HB_F_HEALTHY | HB_F_FAILOVER_ENABLED,
			     .cluster_id = o->cluster,
			     .interval_us = 5000,
			     .epoch = UINT64_MAX - 1,
			     .seq = UINT64_MAX - 1000 + i, /* would poison a window that trusted it */
			     .priority = 255};
	struct hb_key k = {.len = 32};

	for (size_t j = 0; j < k.len; j++)
		k.bytes[j] = (uint8_t)(0xa5 ^ j ^ (uint8_t)rand());
	hb_encode(&f, &k, buf);
}

/* Garbage of every kind the link must shrug off (heartbeat EtherType with
 * junk, other EtherTypes, runts), at o->rate frames/s: batches of 64 with
 * sendmmsg once per 1/(rate/64) s, at a low real-time priority so the rate
 * holds while the nodes are loaded (it stays below twind's senders). */
static int flood(const struct opts *o)
{
	enum { BATCH = 64 };
	static uint8_t frames[BATCH][128];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_ll ll = {
	    .sll_family = AF_PACKET, .sll_ifindex = (int)if_nametoindex(o->ifname), .sll_halen = ETH_ALEN};
	struct sched_param sp = {.sched_priority = 10};
	int fd = socket(AF_PACKET, SOCK_RAW, 0), one = 1;
	long sent = 0;

	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	sched_setscheduler(0, SCHED_FIFO, &sp); /* best effort */
	uint16_t types[] = {HB_ETHERTYPE, 0x0800, 0x86dd, 0x88cc, 0x1234};
	for (int i = 0; i < BATCH; i++) {
		size_t len = 60 + (size_t)(rand() % 60);
		for (size_t j = 0; j < len; j++)
			frames[i][j] = (uint8_t)rand();
		memset(frames[i], 0xff, 6);
		frames[i][6] = 0x02; /* locally administered source, varied */
		frames[i][12] = (uint8_t)(types[i % 5] >> 8);
		frames[i][13] = (uint8_t)types[i % 5];
		iov[i] = (struct iovec){frames[i], len};
		msgs[i] = (struct mmsghdr){
		    .msg_hdr = {
			.msg_name = &ll, .msg_namelen = sizeof(ll), .msg_iov = &iov[i], .msg_iovlen = 1}};
	}
	uint64_t start = now_ns(), end = start + (uint64_t)o->seconds * 1000000000ull;
	uint64_t gap = 1000000000ull * BATCH / (uint64_t)(o->rate > 0 ? o->rate : 1), next = start;
	while (now_ns() < end) {
		int n = sendmmsg(fd, msgs, BATCH, MSG_DONTWAIT);
		if (n > 0)
			sent += n;
		next += gap;
		uint64_t now = now_ns();
		if (next > now) {
			struct timespec ts = {.tv_sec = (time_t)((next - now) / 1000000000ull),
					      .tv_nsec = (long)((next - now) % 1000000000ull)};
			nanosleep(&ts, NULL);
		}
	}
	double secs = (double)(now_ns() - start) / 1e9;
	printf("sent %ld (%.0f frames/s)\n", sent, secs > 0 ? (double)sent / secs : 0.0);
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = {.n = 100, .cluster = 0, .node_id = 1, .rate = 100000, .seconds = 5};
	const char *mode;
	int c;

	if (argc < 2) {
		fprintf(stderr, "usage: hbinject badkey|truncated|replay|flood -i IF [options]\n");
		return 2;
	}
	mode = argv[1];
	optind = 2;
	while ((c = getopt(argc, argv, "i:u:S:n:c:I:r:d:")) != -1) {
		switch (c) {
		case 'i':
			o.ifname = optarg;
			break;
		case 'u': {
			char host[64];
			snprintf(host, sizeof(host), "%s", optarg);
			char *colon = strchr(host, ':');
			if (!colon)
				return fprintf(stderr, "hbinject: -u IP:PORT\n"), 2;
			*colon = 0;
			o.udp_dst.sin_family = AF_INET;
			o.udp_dst.sin_port = htons((uint16_t)atoi(colon + 1));
			if (inet_pton(AF_INET, host, &o.udp_dst.sin_addr) != 1)
				return fprintf(stderr, "hbinject: bad IP %s\n", host), 2;
			o.use_udp = 1;
			break;
		}
		case 'S':
			if (inet_pton(AF_INET, optarg, &o.udp_src) != 1)
				return fprintf(stderr, "hbinject: bad IP %s\n", optarg), 2;
			break;
		case 'n':
			o.n = atol(optarg);
			break;
		case 'c':
			o.cluster = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'I':
			o.node_id = (uint8_t)atoi(optarg);
			break;
		case 'r':
			o.rate = atol(optarg);
			break;
		case 'd':
			o.seconds = atol(optarg);
			break;
		default:
			return 2;
		}
	}
	if (!o.ifname) {
		fprintf(stderr, "hbinject: -i IF is required\n");
		return 2;
	}
	srand((unsigned)now_ns());
	uint8_t buf[256];
	long sent = 0;

	if (!strcmp(mode, "flood"))
		return flood(&o);

	size_t len = HB_FRAME_LEN;
	if (!strcmp(mode, "replay")) {
		len = capture(o.ifname, o.node_id, buf, sizeof(buf));
		usleep(50000); /* the original is long accepted by now */
	}
	int fd = open_tx(&o);
	for (long i = 0; i < o.n; i++) {
		if (!strcmp(mode, "badkey")) {
			forged(&o, buf, (uint64_t)i);
		} else if (!strcmp(mode, "truncated")) {
			forged(&o, buf, (uint64_t)i);
			len = (size_t)(rand() % HB_FRAME_LEN); /* every short length */
		} else if (strcmp(mode, "replay")) {
			fprintf(stderr, "hbinject: unknown mode %s\n", mode);
			return 2;
		}
		if (send_one(&o, fd, buf, len) >= 0)
			sent++;
		usleep(1000);
	}
	printf("sent %ld\n", sent);
	return 0;
}
