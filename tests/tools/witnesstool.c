/* witnesstool: drives witness.c for tests/net/test_witness.sh.
 *
 *   witnesstool probe -i IF -w ADDR [-w ADDR]... [-m arp|icmp] [-I INTERVAL_MS]
 *                     [-T TIMEOUT_MS] [-d SECONDS] [-v]
 *     runs the prober; prints "open ..." once, then a line per flip of
 *     reached:  flip t_ms=T real_ms=R reached=0|1 SUMMARY
 *     (t_ms since start, real_ms CLOCK_REALTIME in ms, for the test script),
 *     and at the end one "addr ..." line per witness and a "stats ..." line.
 *     SIGTERM/SIGINT end it early, with the same closing lines.
 *   witnesstool forge -i IF -s SRC_IP -t DST_IP [-r PERIOD_MS] [-d SECONDS]
 *     a rogue: every PERIOD_MS (default 5) an ARP reply and an ARP request
 *     with sender IP SRC_IP, and an ICMP echo reply from SRC_IP to DST_IP
 *     with a random id, seq and cookie (raw IP, so SRC_IP may be spoofed).
 *
 * Exit: 0 done, 2 error, 64 usage. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/ip.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "arp.h"
#include "config.h"
#include "log.h"
#include "witness.h"
#include "witness_track.h"

#define EX_ERR	 2
#define EX_USAGE 64

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int usage(void)
{
	fprintf(stderr, "usage: witnesstool probe -i IF -w ADDR [-w ADDR]... [-m arp|icmp] [-I INTERVAL_MS]\n"
			"                        [-T TIMEOUT_MS] [-d SECONDS] [-v]\n"
			"       witnesstool forge -i IF -s SRC_IP -t DST_IP [-r PERIOD_MS] [-d SECONDS]\n");
	return EX_USAGE;
}

static uint64_t clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int parse_ul(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return (errno || end == s || *end || *s == '-' || *out > max) ? -1 : 0;
}

static void print_end(const struct witness *w, uint64_t now, unsigned flips)
{
	struct witness_counters c;
	uint64_t sent = 0, replies = 0;
	char ip[INET_ADDRSTRLEN], line[256];

	for (size_t i = 0; i < witness_count(w); i++) {
		struct witness_status s;

		witness_status(w, i, now, &s);
		sent += s.sent;
		replies += s.replies;
		printf("addr %s sent=%llu replies=%llu age_ms=%lld rtt_us=%lld reached=%d\n",
		       inet_ntop(AF_INET, &s.addr, ip, sizeof(ip)), (unsigned long long)s.sent,
		       (unsigned long long)s.replies, (long long)s.age_ms, (long long)s.rtt_us, s.reached);
	}
	witness_counters(w, &c);
	witness_summary(w, now, line, sizeof(line));
	printf("stats sent=%llu replies=%llu foreign=%llu mismatch=%llu own=%llu malformed=%llu "
	       "send_errors=%llu reopens=%llu flips=%u reached=%d %s\n",
	       (unsigned long long)sent, (unsigned long long)replies, (unsigned long long)c.foreign,
	       (unsigned long long)c.mismatch, (unsigned long long)c.own, (unsigned long long)c.malformed,
	       (unsigned long long)c.send_errors, (unsigned long long)c.reopens, flips,
	       witness_reached(w, now), line);
}

static int cmd_probe(int argc, char **argv)
{
	struct twin_config cfg;
	struct witness *w;
	unsigned long v, secs = 5, timeout = 0;
	char err[256], line[256];
	uint64_t start, end;
	unsigned flips = 0;
	int opt, verbose = 0;

	config_defaults(&cfg);
	while ((opt = getopt(argc, argv, "i:w:m:I:T:d:v")) != -1) {
		switch (opt) {
		case 'i':
			snprintf(cfg.lan_interface, sizeof(cfg.lan_interface), "%s", optarg);
			break;
		case 'w':
			if (cfg.n_witness == CFG_MAX_WITNESS ||
			    inet_pton(AF_INET, optarg, &cfg.witnesses[cfg.n_witness]) != 1)
				return usage();
			cfg.n_witness++;
			break;
		case 'm':
			if (!strcmp(optarg, "arp"))
				cfg.witness_method = CFG_WITNESS_ARP;
			else if (!strcmp(optarg, "icmp"))
				cfg.witness_method = CFG_WITNESS_ICMP;
			else
				return usage();
			break;
		case 'I':
			if (parse_ul(optarg, 10000, &v) || v < 1)
				return usage();
			cfg.witness_interval_ms = (uint32_t)v;
			break;
		case 'T':
			if (parse_ul(optarg, 3600000, &timeout))
				return usage();
			break;
		case 'd':
			if (parse_ul(optarg, 86400, &secs))
				return usage();
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			return usage();
		}
	}
	if (!cfg.n_witness || optind != argc)
		return usage();
	log_open("witnesstool", 0, verbose);
	if (witness_open(&w, &cfg, timeout, err, sizeof(err)) < 0) {
		fprintf(stderr, "witnesstool: %s\n", err);
		return EX_ERR;
	}
	start = clock_ms(CLOCK_MONOTONIC);
	end = start + secs * 1000;
	printf("open method=%s interval_ms=%u timeout_ms=%u\n",
	       cfg.witness_method == CFG_WITNESS_ICMP ? "icmp" : "arp", cfg.witness_interval_ms,
	       witness_timeout_ms(w));
	fflush(stdout);
	for (;;) {
		struct pollfd p = {.fd = witness_fd(w), .events = POLLIN};
		uint64_t now = clock_ms(CLOCK_MONOTONIC);

		if (stop || now >= end)
			break;
		if (poll(&p, 1, (int)(end - now < 100 ? end - now : 100)) < 0 && errno != EINTR) {
			perror("witnesstool: poll");
			break;
		}
		if (!(p.revents & POLLIN))
			continue;
		now = clock_ms(CLOCK_MONOTONIC);
		witness_dispatch(w, now);
		if (witness_changed(w)) {
			flips++;
			witness_summary(w, now, line, sizeof(line));
			printf("flip t_ms=%llu real_ms=%llu reached=%d %s\n",
			       (unsigned long long)(now - start),
			       (unsigned long long)clock_ms(CLOCK_REALTIME), witness_reached(w, now), line);
			fflush(stdout);
		}
	}
	print_end(w, clock_ms(CLOCK_MONOTONIC), flips);
	witness_close(w);
	return 0;
}

/* An IPv4 + ICMP echo reply from src to dst that matches no probe. */
static size_t forge_icmp(uint8_t *buf, struct in_addr src, struct in_addr dst)
{
	struct iphdr *ip = (struct iphdr *)buf;
	uint16_t r[3];
	uint32_t cookie;

	if (getrandom(r, sizeof(r), 0) != sizeof(r) ||
	    getrandom(&cookie, sizeof(cookie), 0) != sizeof(cookie))
		memset(r, 0x5a, sizeof(r)), cookie = 0x5a5a5a5a;
	memset(ip, 0, sizeof(*ip));
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_ICMP;
	ip->tot_len = htons(sizeof(*ip) + WT_ECHO_LEN);
	ip->id = r[2];
	ip->saddr = src.s_addr;
	ip->daddr = dst.s_addr;
	ip->check = htons(wt_csum(buf, sizeof(*ip)));
	wt_echo_build(buf + sizeof(*ip), 0, r[0], r[1], cookie);
	return sizeof(*ip) + WT_ECHO_LEN;
}

static int cmd_forge(int argc, char **argv)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	const char *ifname = NULL;
	struct in_addr src = {0}, dst = {0};
	unsigned long period = 5, secs = 5, v;
	struct sockaddr_ll ll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ARP), .sll_halen = 6};
	struct sockaddr_in to = {.sin_family = AF_INET};
	uint8_t mac[6], arp[ARP_FRAME_LEN], pkt[64];
	uint64_t end, n = 0;
	struct ifreq ifr;
	int opt, pfd, rfd;

	while ((opt = getopt(argc, argv, "i:s:t:r:d:")) != -1) {
		switch (opt) {
		case 'i':
			ifname = optarg;
			break;
		case 's':
			if (inet_pton(AF_INET, optarg, &src) != 1)
				return usage();
			break;
		case 't':
			if (inet_pton(AF_INET, optarg, &dst) != 1)
				return usage();
			break;
		case 'r':
			if (parse_ul(optarg, 10000, &v) || v < 1)
				return usage();
			period = v;
			break;
		case 'd':
			if (parse_ul(optarg, 86400, &secs))
				return usage();
			break;
		default:
			return usage();
		}
	}
	if (!ifname || !src.s_addr || !dst.s_addr || optind != argc || strlen(ifname) >= IFNAMSIZ)
		return usage();
	pfd = socket(AF_PACKET, SOCK_DGRAM, 0);
	rfd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (pfd < 0 || rfd < 0 || ioctl(pfd, SIOCGIFHWADDR, &ifr) < 0 ||
	    setsockopt(rfd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname)) < 0) {
		perror("witnesstool forge");
		return EX_ERR;
	}
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	ll.sll_ifindex = (int)if_nametoindex(ifname);
	memcpy(ll.sll_addr, bcast, 6);
	to.sin_addr = dst;
	end = clock_ms(CLOCK_MONOTONIC) + secs * 1000;
	while (!stop && clock_ms(CLOCK_MONOTONIC) < end) {
		size_t len = forge_icmp(pkt, src, dst);

		arp_build(arp, ARPOP_REPLY, mac, src, bcast, dst);
		sendto(pfd, arp, sizeof(arp), 0, (struct sockaddr *)&ll, sizeof(ll));
		arp_build(arp, ARPOP_REQUEST, mac, src, (const uint8_t[6]){0}, dst);
		sendto(pfd, arp, sizeof(arp), 0, (struct sockaddr *)&ll, sizeof(ll));
		if (sendto(rfd, pkt, len, 0, (struct sockaddr *)&to, sizeof(to)) == (ssize_t)len)
			n++;
		usleep((useconds_t)(period * 1000));
	}
	printf("forged %llu\n", (unsigned long long)n);
	close(pfd);
	close(rfd);
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: poll returns at once */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (argc < 2)
		return usage();
	optind = 2;
	if (!strcmp(argv[1], "probe"))
		return cmd_probe(argc, argv);
	if (!strcmp(argv[1], "forge"))
		return cmd_forge(argc, argv);
	return usage();
}
