/* Test driver for the eth1 XDP guard (tests/bpf/run.sh runs it as root).
 *
 *   hbx_test unit                    verdicts, counters, ring records and rate
 *                                    limit through BPF_PROG_TEST_RUN
 *   hbx_test listen IF [--generic] [--ready FILE] [--src MAC] [--timeout S]
 *                                    attach to IF, read the ring until SIGTERM
 *                                    or timeout, check the frames, print counters
 *   hbx_test send IF COUNT [--cluster N] [--interval-us U] [--seq-start S] [--bad-magic]
 *                                    send heartbeat frames with AF_PACKET
 *   hbx_test foreign IF              attach someone else's XDP program (XDP_PASS)
 *
 * Frames are built here byte by byte at the HB_OFF_* offsets, independently of
 * the daemon's codec: the XDP program reads only a few fields. */
#include <errno.h>
#include <stdarg.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "hb_wire.h"
#include "hb_xdp_loader.h"

#define CLUSTER	  0x7717u
#define T_IFINDEX 1 /* lo: test runs claim to arrive there */

static int n_pass, n_fail;

static void result(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void result(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", ok ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (ok)
		n_pass++;
	else
		n_fail++;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

static void put_le(__u8 *p, __u64 v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (__u8)(v >> (8 * i));
}

static __u64 get_le(const __u8 *p, int n)
{
	__u64 v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Ethernet header + heartbeat payload of paylen bytes (HB_FRAME_LEN normally). */
static size_t build_hb(__u8 *buf, const __u8 src[6], __u32 cluster, __u64 seq, size_t paylen)
{
	__u8 *p = buf + ETH_HLEN;

	memset(buf, 0xff, 6); /* broadcast: the program does not look */
	memcpy(buf + 6, src, 6);
	buf[12] = HB_ETHERTYPE >> 8;
	buf[13] = HB_ETHERTYPE & 0xff;
	memset(p, 0, paylen);
	if (paylen >= HB_FRAME_LEN) {
		put_le(p + HB_OFF_MAGIC, HB_MAGIC, 4);
		p[HB_OFF_VERSION] = HB_VERSION;
		p[HB_OFF_NODE_ID] = src[5];
		p[HB_OFF_STATE] = 3;
		put_le(p + HB_OFF_CLUSTER_ID, cluster, 4);
		put_le(p + HB_OFF_SEQ, seq, 8);
		for (size_t i = HB_MAC_OFF; i < paylen; i++)
			p[i] = (__u8)(i * 7); /* stand-in MAC and padding: recognisable bytes */
	}
	return ETH_HLEN + paylen;
}

/* Ethernet + IPv4 (ihl words of header) + 4 port bytes + 16 more. */
static size_t build_ip4(__u8 *buf, __u8 proto, __u16 sport, __u16 dport, int ihl, __u16 frag_off)
{
	static const __u8 src[6] = {2, 0, 0, 0, 0, 9};
	__u8 *ip = buf + ETH_HLEN;
	size_t hl = (size_t)ihl * 4;

	memset(buf, 0, ETH_HLEN + hl + 20);
	memcpy(buf + 6, src, 6);
	buf[12] = 0x08;
	buf[13] = 0x00;
	ip[0] = (__u8)(0x40 | ihl);
	ip[2] = 0;
	ip[3] = (__u8)(hl + 20);
	ip[6] = (__u8)(frag_off >> 8);
	ip[7] = (__u8)frag_off;
	ip[8] = 64;
	ip[9] = proto;
	ip[12] = 192, ip[13] = 168, ip[14] = 250, ip[15] = 2;
	ip[16] = 192, ip[17] = 168, ip[18] = 250, ip[19] = 1;
	ip[hl] = (__u8)(sport >> 8);
	ip[hl + 1] = (__u8)sport;
	ip[hl + 2] = (__u8)(dport >> 8);
	ip[hl + 3] = (__u8)dport;
	return ETH_HLEN + hl + 20;
}

static size_t build_eth(__u8 *buf, __u16 proto, size_t len)
{
	memset(buf, 0, len);
	buf[6] = 2;
	buf[12] = (__u8)(proto >> 8);
	buf[13] = (__u8)proto;
	return len;
}

/* ---- unit: BPF_PROG_TEST_RUN ---- */

static struct hbx_event evs[4096];
static int n_evs;

static void keep_event(void *ctx, const struct hbx_event *ev)
{
	(void)ctx;
	if (n_evs < (int)(sizeof(evs) / sizeof(evs[0])))
		evs[n_evs] = *ev;
	n_evs++;
}

/* Run pkt through the program; meta bytes of XDP metadata in front of it let
 * us hand it frames shorter than the 14 bytes the kernel insists on. */
static int run_meta(struct hbx *h, const __u8 *pkt, size_t len, __u32 meta, __u32 *verdict)
{
	__u8 buf[2048];
	struct xdp_md md = {.data = meta, .data_end = (__u32)(meta + len), .ingress_ifindex = T_IFINDEX};
	struct bpf_test_run_opts o = {.sz = sizeof(struct bpf_test_run_opts),
				      .data_in = buf,
				      .data_size_in = (__u32)(meta + len),
				      .ctx_in = &md,
				      .ctx_size_in = sizeof(md),
				      .repeat = 1};

	memset(buf, 0, meta);
	memcpy(buf + meta, pkt, len);
	if (bpf_prog_test_run_opts(hbx_prog_fd(h), &o))
		return -errno;
	*verdict = o.retval;
	return 0;
}

static int run(struct hbx *h, const __u8 *pkt, size_t len, __u32 *verdict)
{
	return run_meta(h, pkt, len, 0, verdict);
}

static const char *stat_names[HBX_STAT_MAX] = {
    "rx_hb", "pass_arp", "pass_port", "drop_foreign", "drop_ratelimit", "drop_malformed", "drop_ringfull",
};

/* One frame: the verdict and exactly one counter moved, the expected one. */
static void expect(struct hbx *h, const char *what, const __u8 *pkt, size_t len, __u32 meta, __u32 want,
		   int stat)
{
	__u64 a[HBX_STAT_MAX], b[HBX_STAT_MAX], moved = 0;
	__u32 verdict = 99;
	int r;

	hbx_stats(h, a);
	r = run_meta(h, pkt, len, meta, &verdict);
	hbx_stats(h, b);
	for (int i = 0; i < HBX_STAT_MAX; i++)
		moved += b[i] - a[i];
	result(!r && verdict == want && b[stat] - a[stat] == 1 && moved == 1,
	       "%s -> %s, %s (verdict %u, r %d)", what, want == XDP_PASS ? "PASS" : "DROP", stat_names[stat],
	       verdict, r);
}

/* Frames under 14 bytes: kernels since ~6.x refuse them in BPF_PROG_TEST_RUN
 * (EINVAL) even behind metadata, and neither NICs nor veth deliver them. If
 * the kernel does run the program, it must drop them as foreign. */
static void expect_runt(struct hbx *h, const __u8 *pkt, size_t len, __u32 meta)
{
	__u64 a[HBX_STAT_MAX], b[HBX_STAT_MAX], moved = 0;
	__u32 verdict = 99;
	int r;

	hbx_stats(h, a);
	r = run_meta(h, pkt, len, meta, &verdict);
	hbx_stats(h, b);
	for (int i = 0; i < HBX_STAT_MAX; i++)
		moved += b[i] - a[i];
	if (r == -EINVAL)
		result(moved == 0,
		       "runt %zu bytes: refused by the kernel before XDP (EINVAL), no counter moved", len);
	else
		result(!r && verdict == XDP_DROP && moved == 1 &&
			   b[HBX_DROP_FOREIGN] - a[HBX_DROP_FOREIGN] == 1,
		       "runt %zu bytes -> DROP, drop_foreign (verdict %u, r %d)", len, verdict, r);
}

static struct hbx_cfg base_cfg(void)
{
	struct hbx_cfg c = {.cluster_id = CLUSTER, .rate_limit_pps = 0, .burst = 0, .n_ports = 2};

	c.allow_ports[0] = 7789; /* DRBD */
	c.allow_ports[1] = 7790; /* control */
	return c;
}

static void t_heartbeat(struct hbx *h)
{
	static const __u8 mac[6] = {2, 0xaa, 0xbb, 0xcc, 0xdd, 1};
	__u8 f[300];
	__u32 verdict = 0;
	size_t len = build_hb(f, mac, CLUSTER, 0x1122334455667788ull, HB_FRAME_LEN);

	hbx_consume(h);
	n_evs = 0;
	expect(h, "valid heartbeat", f, len, 0, XDP_DROP, HBX_RX_HB);
	__u64 t0 = now_ns();
	run(h, f, len, &verdict);
	__u64 t1 = now_ns();
	int n = hbx_consume(h);
	result(n == 2 && n_evs == 2, "valid heartbeats reach the ring (%d records)", n);
	const struct hbx_event *ev = &evs[1];
	result(ev->len == HB_FRAME_LEN && !memcmp(ev->data, f + ETH_HLEN, HB_FRAME_LEN),
	       "ring record holds the payload bytes (len %u)", ev->len);
	result(!memcmp(ev->src_mac, mac, 6) && ev->ifindex == T_IFINDEX,
	       "ring record: source MAC, ifindex %u", ev->ifindex);
	result(ev->ktime_ns >= t0 && ev->ktime_ns <= t1,
	       "ring timestamp is CLOCK_MONOTONIC at receipt (%llu ns after the call began)",
	       (unsigned long long)(ev->ktime_ns - t0));

	struct hbx_src s = {0};
	int r = hbx_src_lookup(h, mac, &s);
	result(!r && s.frames == 2 && s.last_seq == 0x1122334455667788ull && s.node_id == 1 && s.state == 3 &&
		   s.last_ns == ev->ktime_ns,
	       "hb_src records the claims (frames %u, seq %llx)", s.frames, (unsigned long long)s.last_seq);

	/* Ethernet padding or a longer future frame: snapshot capped at HBX_SNAP_LEN */
	len = build_hb(f, mac, CLUSTER, 2, 200);
	n_evs = 0;
	run(h, f, len, &verdict);
	hbx_consume(h);
	result(n_evs == 1 && evs[0].len == HBX_SNAP_LEN && !memcmp(evs[0].data, f + ETH_HLEN, HBX_SNAP_LEN),
	       "200-byte payload: first %d bytes in the ring", HBX_SNAP_LEN);
	len = build_hb(f, mac, CLUSTER, 3, 100);
	n_evs = 0;
	run(h, f, len, &verdict);
	hbx_consume(h);
	result(n_evs == 1 && evs[0].len == 100 && !memcmp(evs[0].data, f + ETH_HLEN, 100),
	       "100-byte payload: all 100 bytes in the ring");
}

static void t_malformed(struct hbx *h)
{
	static const __u8 mac[6] = {2, 0, 0, 0, 0, 2};
	__u8 f[200];
	size_t len;

	n_evs = 0;
	len = build_hb(f, mac, CLUSTER, 1, HB_FRAME_LEN - 1);
	put_le(f + ETH_HLEN, HB_MAGIC, 4);
	put_le(f + ETH_HLEN + HB_OFF_CLUSTER_ID, CLUSTER, 4);
	expect(h, "heartbeat 71 bytes", f, len, 0, XDP_DROP, HBX_DROP_MALFORMED);
	expect(h, "heartbeat with no payload", f, ETH_HLEN, 0, XDP_DROP, HBX_DROP_MALFORMED);
	len = build_hb(f, mac, CLUSTER, 1, HB_FRAME_LEN);
	f[ETH_HLEN + HB_OFF_MAGIC] ^= 1;
	expect(h, "heartbeat bad magic", f, len, 0, XDP_DROP, HBX_DROP_MALFORMED);
	len = build_hb(f, mac, CLUSTER + 1, 1, HB_FRAME_LEN);
	expect(h, "heartbeat of another cluster", f, len, 0, XDP_DROP, HBX_DROP_MALFORMED);
	hbx_consume(h);
	struct hbx_src s;
	result(n_evs == 0 && hbx_src_lookup(h, mac, &s) == -ENOENT,
	       "malformed frames reach neither ring nor hb_src");
}

static void t_others(struct hbx *h)
{
	__u8 f[200];
	size_t len;

	len = build_eth(f, ETH_P_ARP, 42);
	expect(h, "ARP", f, len, 0, XDP_PASS, HBX_PASS_ARP);
	len = build_ip4(f, IPPROTO_TCP, 40000, 7789, 5, 0);
	expect(h, "TCP to allowed port 7789", f, len, 0, XDP_PASS, HBX_PASS_PORT);
	len = build_ip4(f, IPPROTO_TCP, 7790, 40000, 5, 0);
	expect(h, "TCP from allowed port 7790", f, len, 0, XDP_PASS, HBX_PASS_PORT);
	len = build_ip4(f, IPPROTO_UDP, 40000, 7790, 5, 0);
	expect(h, "UDP to allowed port", f, len, 0, XDP_PASS, HBX_PASS_PORT);
	len = build_ip4(f, IPPROTO_TCP, 40000, 7789, 8, 0);
	expect(h, "TCP with IP options (ihl 8) to allowed port", f, len, 0, XDP_PASS, HBX_PASS_PORT);
	len = build_ip4(f, IPPROTO_UDP, 40000, 7789, 5, 0x2000);
	expect(h, "first fragment (MF) to allowed port", f, len, 0, XDP_PASS, HBX_PASS_PORT);
	len = build_ip4(f, IPPROTO_UDP, 40000, 7789, 5, 0x2000 | 185);
	expect(h, "non-first fragment (bytes look like an allowed port)", f, len, 0, XDP_DROP,
	       HBX_DROP_FOREIGN);
	len = build_ip4(f, IPPROTO_TCP, 40000, 22, 5, 0);
	expect(h, "TCP to port 22", f, len, 0, XDP_DROP, HBX_DROP_FOREIGN);
	len = build_ip4(f, IPPROTO_UDP, 53, 40000, 5, 0);
	expect(h, "UDP other ports", f, len, 0, XDP_DROP, HBX_DROP_FOREIGN);
	len = build_ip4(f, IPPROTO_ICMP, 0x0800, 7789, 5, 0);
	expect(h, "ICMP (bytes look like an allowed port)", f, len, 0, XDP_DROP, HBX_DROP_FOREIGN);
	len = build_ip4(f, IPPROTO_TCP, 40000, 7789, 5, 0);
	expect(h, "TCP to allowed port, truncated before the ports", f, ETH_HLEN + 22, 0, XDP_DROP,
	       HBX_DROP_FOREIGN);
	expect(h, "IPv4 truncated header", f, ETH_HLEN + 10, 0, XDP_DROP, HBX_DROP_FOREIGN);
	f[ETH_HLEN] = 0x44; /* ihl 4: invalid */
	expect(h, "IPv4 ihl < 5", f, len, 0, XDP_DROP, HBX_DROP_FOREIGN);
	len = build_ip4(f, IPPROTO_TCP, 40000, 7789, 15, 0);
	expect(h, "TCP ihl 15, frame ends inside the options", f, ETH_HLEN + 40, 0, XDP_DROP,
	       HBX_DROP_FOREIGN);
	len = build_eth(f, 0x86DD, 80);
	expect(h, "IPv6", f, len, 0, XDP_DROP, HBX_DROP_FOREIGN);
	len = build_eth(f, 0x8100, 64);
	f[16] = 0x08, f[17] = 0x06; /* tagged ARP */
	expect(h, "VLAN-tagged ARP", f, len, 0, XDP_DROP, HBX_DROP_FOREIGN);
	len = build_eth(f, 0x88CC, 60);
	expect(h, "LLDP", f, len, 0, XDP_DROP, HBX_DROP_FOREIGN);
	len = build_eth(f, ETH_P_ARP, 42);
	expect(h, "ARP behind 4 bytes of metadata", f, 14, 4, XDP_PASS, HBX_PASS_ARP);
	expect(h, "ARP behind 32 bytes of metadata", f, 42, 32, XDP_PASS, HBX_PASS_ARP);
	expect_runt(h, f, 13, 4);
	expect_runt(h, f, 4, 12);
}

static void t_ratelimit(struct hbx *h)
{
	static const __u8 a[6] = {2, 0, 0, 0, 0xa, 1}, b[6] = {2, 0, 0, 0, 0xb, 2},
			  c[6] = {2, 0, 0, 0, 0xc, 3};
	struct hbx_cfg cfg = base_cfg();
	__u64 s0[HBX_STAT_MAX], s1[HBX_STAT_MAX];
	__u8 f[200];
	__u32 v;
	int wrong = 0;

	/* 1/s: no token can come back during the burst, even with the VM stalling */
	cfg.rate_limit_pps = 1;
	cfg.burst = 5;
	hbx_set_cfg(h, &cfg);
	hbx_stats(h, s0);
	for (int i = 1; i <= 5 + 7; i++) {
		size_t len = build_hb(f, a, CLUSTER, (__u64)i, HB_FRAME_LEN);
		wrong += run(h, f, len, &v) || v != XDP_DROP;
	}
	hbx_stats(h, s1);
	result(!wrong && s1[HBX_RX_HB] - s0[HBX_RX_HB] == 5 &&
		   s1[HBX_DROP_RATELIMIT] - s0[HBX_DROP_RATELIMIT] == 7,
	       "burst 5 + 7 frames from one MAC: %llu delivered, %llu RATELIMIT",
	       (unsigned long long)(s1[HBX_RX_HB] - s0[HBX_RX_HB]),
	       (unsigned long long)(s1[HBX_DROP_RATELIMIT] - s0[HBX_DROP_RATELIMIT]));
	struct hbx_src s = {0};
	int r = hbx_src_lookup(h, a, &s);
	result(!r && s.frames == 5 && s.last_seq == 5,
	       "rate-limited frames do not update hb_src (frames %u, seq %llu)", s.frames,
	       (unsigned long long)s.last_seq);
	size_t len = build_hb(f, b, CLUSTER, 1, HB_FRAME_LEN);
	expect(h, "another MAC while the first is limited", f, len, 0, XDP_DROP, HBX_RX_HB);

	/* refill: 5/s, burst 1; a token takes 200 ms */
	cfg.rate_limit_pps = 5;
	cfg.burst = 1;
	hbx_set_cfg(h, &cfg);
	len = build_hb(f, c, CLUSTER, 1, HB_FRAME_LEN);
	expect(h, "refill: first frame", f, len, 0, XDP_DROP, HBX_RX_HB);
	expect(h, "refill: at once again", f, len, 0, XDP_DROP, HBX_DROP_RATELIMIT);
	usleep(300 * 1000);
	expect(h, "refill: after 300 ms", f, len, 0, XDP_DROP, HBX_RX_HB);

	/* 0 = unlimited */
	cfg = base_cfg();
	hbx_set_cfg(h, &cfg);
	hbx_stats(h, s0);
	for (int i = 0; i < 50; i++)
		run(h, f, len, &v);
	hbx_stats(h, s1);
	result(s1[HBX_RX_HB] - s0[HBX_RX_HB] == 50, "rate 0: 50 frames from a limited MAC all delivered");
	hbx_consume(h);
}

static void t_ringfull(struct hbx *h)
{
	static const __u8 mac[6] = {2, 0, 0, 0, 0xf, 0xf};
	__u64 s0[HBX_STAT_MAX], s1[HBX_STAT_MAX];
	__u8 f[200];
	__u32 v = 0;
	int sent = 0;
	size_t len = build_hb(f, mac, CLUSTER, 1, HB_FRAME_LEN);

	hbx_consume(h);
	hbx_stats(h, s0);
	for (; sent < 5000; sent++) {
		run(h, f, len, &v);
		hbx_stats(h, s1);
		if (s1[HBX_DROP_RINGFULL] != s0[HBX_DROP_RINGFULL])
			break;
	}
	n_evs = 0;
	int n = hbx_consume(h);
	result(v == XDP_DROP && sent >= 1000 && sent < 5000 && n == sent &&
		   s1[HBX_RX_HB] - s0[HBX_RX_HB] == (__u64)sent,
	       "ring full after %d records: RINGFULL counted, all %d earlier records readable", sent, n);
	expect(h, "after draining, the ring takes frames again", f, len, 0, XDP_DROP, HBX_RX_HB);
	hbx_consume(h);
}

static int cmd_unit(void)
{
	struct hbx_cfg cfg = base_cfg();
	struct hbx *h;
	char err[256];

	if (hbx_open(&h, NULL, &cfg, 0, keep_event, NULL, err, sizeof(err)) != 0) {
		result(0, "load: %s", err);
		goto out;
	}
	result(!strcmp(hbx_mode(h), "none"), "loads and passes the verifier (mode %s)", hbx_mode(h));
	struct hbx_cfg bad = cfg;
	bad.n_ports = HBX_MAX_PORTS + 1;
	result(hbx_set_cfg(h, &bad) == -EINVAL, "config with too many ports refused");
	t_heartbeat(h);
	t_malformed(h);
	t_others(h);
	t_ratelimit(h);
	t_ringfull(h);
	hbx_close(h);
out:
	printf("hbx_test unit: %d passed, %d failed\n", n_pass, n_fail);
	return n_fail ? 1 : 0;
}

/* ---- listen / send / foreign: the real-attach test in tests/bpf/run.sh ---- */

static volatile sig_atomic_t stop;
static void on_signal(int sig)
{
	stop = sig;
}

struct listen_state {
	int ifindex, have_src;
	__u8 src[6];
	__u64 frames, bad, last_seq;
};

static void check_event(void *ctx, const struct hbx_event *ev)
{
	struct listen_state *ls = ctx;
	__u64 seq = get_le(ev->data + HB_OFF_SEQ, 8);
	__u64 t = now_ns();
	int ok = ev->len >= HB_FRAME_LEN && get_le(ev->data, 4) == HB_MAGIC &&
		 (int)ev->ifindex == ls->ifindex && seq > ls->last_seq && ev->ktime_ns <= t &&
		 t - ev->ktime_ns < 5000000000ull && (!ls->have_src || !memcmp(ev->src_mac, ls->src, 6));

	ls->frames++;
	if (!ok) {
		ls->bad++;
		fprintf(stderr, "bad frame: len %u seq %llu ifindex %u\n", ev->len, (unsigned long long)seq,
			ev->ifindex);
	}
	ls->last_seq = seq;
}

static int parse_mac(const char *s, __u8 m[6])
{
	unsigned v[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		m[i] = (__u8)v[i];
	return 0;
}

static int cmd_listen(int argc, char **argv)
{
	struct listen_state ls = {0};
	struct hbx_cfg cfg = base_cfg();
	const char *ready = NULL;
	int generic = 0, timeout_s = 60;
	char err[256];
	struct hbx *h;

	for (int i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--generic"))
			generic = 1;
		else if (!strcmp(argv[i], "--ready") && i + 1 < argc)
			ready = argv[++i];
		else if (!strcmp(argv[i], "--timeout") && i + 1 < argc)
			timeout_s = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--src") && i + 1 < argc && !parse_mac(argv[i + 1], ls.src))
			ls.have_src = 1, i++;
		else
			return fprintf(stderr, "listen: bad argument %s\n", argv[i]), 2;
	}
	cfg.rate_limit_pps = 2000;
	cfg.burst = 100;
	ls.ifindex = (int)if_nametoindex(argv[2]);
	int r = hbx_open(&h, argv[2], &cfg, generic, check_event, &ls, err, sizeof(err));
	if (r < 0) {
		printf("error=%s\n", err);
		return 1;
	}
	printf("mode=%s\nnote=%s\n", hbx_mode(h), err);
	fflush(stdout);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	if (ready) {
		FILE *fp = fopen(ready, "w");
		if (fp)
			fclose(fp);
	}

	int ep = epoll_create1(0);
	struct epoll_event e = {.events = EPOLLIN};
	epoll_ctl(ep, EPOLL_CTL_ADD, hbx_ring_fd(h), &e);
	__u64 end = now_ns() + (__u64)timeout_s * 1000000000ull;
	while (!stop && now_ns() < end) {
		if (epoll_wait(ep, &e, 1, 100) > 0)
			hbx_consume(h);
	}
	hbx_consume(h);
	close(ep);

	__u64 st[HBX_STAT_MAX];
	hbx_stats(h, st);
	printf("frames=%llu\nbad=%llu\nlast_seq=%llu\n", (unsigned long long)ls.frames,
	       (unsigned long long)ls.bad, (unsigned long long)ls.last_seq);
	for (int i = 0; i < HBX_STAT_MAX; i++)
		printf("%s=%llu\n", stat_names[i], (unsigned long long)st[i]);
	hbx_close(h);
	return 0;
}

static int cmd_send(int argc, char **argv)
{
	__u32 cluster = CLUSTER;
	long interval_us = 1000;
	__u64 seq0 = 1;
	int bad_magic = 0;
	__u8 f[128];

	if (argc < 4)
		return fprintf(
			   stderr,
			   "send IF COUNT [--cluster N] [--interval-us U] [--seq-start S] [--bad-magic]\n"),
		       2;
	int count = atoi(argv[3]);
	for (int i = 4; i < argc; i++) {
		if (!strcmp(argv[i], "--cluster") && i + 1 < argc)
			cluster = (__u32)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--interval-us") && i + 1 < argc)
			interval_us = atol(argv[++i]);
		else if (!strcmp(argv[i], "--seq-start") && i + 1 < argc)
			seq0 = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--bad-magic"))
			bad_magic = 1;
		else
			return fprintf(stderr, "send: bad argument %s\n", argv[i]), 2;
	}
	int fd = socket(AF_PACKET, SOCK_RAW, 0);
	struct sockaddr_ll sa = {
	    .sll_family = AF_PACKET, .sll_ifindex = (int)if_nametoindex(argv[2]), .sll_halen = 6};
	if (fd < 0 || !sa.sll_ifindex)
		return perror("send"), 1;

	/* our own source MAC, so the listener can check it */
	struct ifreq ifr = {0};
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", argv[2]);
	__u8 src[6] = {2, 0, 0, 0, 0, 1};
	int ufd = socket(AF_INET, SOCK_DGRAM, 0);
	if (ufd >= 0 && !ioctl(ufd, SIOCGIFHWADDR, &ifr))
		memcpy(src, ifr.ifr_hwaddr.sa_data, 6);
	if (ufd >= 0)
		close(ufd);

	memset(sa.sll_addr, 0xff, 6);
	for (int i = 1; i <= count; i++) {
		size_t len = build_hb(f, src, cluster, seq0 + (__u64)i - 1, HB_FRAME_LEN);
		if (bad_magic)
			f[ETH_HLEN] ^= 0xff;
		if (sendto(fd, f, len, 0, (struct sockaddr *)&sa, sizeof(sa)) != (ssize_t)len)
			return perror("sendto"), 1;
		if (interval_us)
			usleep((useconds_t)interval_us);
	}
	close(fd);
	return 0;
}

/* Someone else's program: "r0 = XDP_PASS; exit", named other_xdp. */
static int cmd_foreign(int argc, char **argv)
{
	struct bpf_insn insns[] = {
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS},
	    {.code = BPF_JMP | BPF_EXIT},
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "other_xdp", "GPL", insns, 2, NULL);

	if (argc < 3 || fd < 0)
		return perror("foreign: load"), 1;
	int r = bpf_xdp_attach((int)if_nametoindex(argv[2]), fd, XDP_FLAGS_DRV_MODE, NULL);
	if (r)
		return fprintf(stderr, "foreign: attach: %s\n", strerror(-r)), 1;
	__u32 id = 0;
	bpf_xdp_query_id((int)if_nametoindex(argv[2]), 0, &id);
	printf("id=%u\n", id);
	return 0; /* netlink-attached programs stay after we exit */
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && !strcmp(argv[1], "unit"))
		return cmd_unit();
	if (argc >= 3 && !strcmp(argv[1], "listen"))
		return cmd_listen(argc, argv);
	if (argc >= 3 && !strcmp(argv[1], "send"))
		return cmd_send(argc, argv);
	if (argc >= 3 && !strcmp(argv[1], "foreign"))
		return cmd_foreign(argc, argv);
	fprintf(stderr,
		"usage: hbx_test unit | listen IF [--generic] [--ready F] [--src MAC] [--timeout S]\n"
		"       | send IF COUNT [--cluster N] [--interval-us U] [--seq-start S] [--bad-magic]\n"
		"       | foreign IF\n");
	return 2;
}
