/* Per-frame cost of the eth1 XDP program, measured by the kernel with
 * BPF_PROG_TEST_RUN (repeat N, opts.duration = mean ns per run). Root.
 *
 *   xdp_cost [-n REPEAT]      default 1000000
 *
 * The heartbeat case takes the full path: parse, checks, token bucket, hb_src
 * update, ring reserve + copy + submit. The 256 KiB ring holds 1638 records
 * and nothing can drain it as fast as the kernel fills it, so the heartbeat
 * figure comes from batches of 1000 runs with the ring drained in between
 * (only the kernel's in-loop time is counted); a single run of REPEAT is also
 * reported: after 1638 frames it is the "ring full" path of a stalled daemon. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "hb_wire.h"
#include "hb_xdp_loader.h"

#define CLUSTER 0x7717u

#define BATCH 1000 /* fits the ring */

static void put_le(__u8 *p, __u64 v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (__u8)(v >> (8 * i));
}

static size_t heartbeat_frame(__u8 *f)
{
	__u8 *p = f + ETH_HLEN;

	memset(f, 0, ETH_HLEN + HB_FRAME_LEN);
	memset(f, 0xff, 6);
	f[6] = 2, f[11] = 1;
	f[12] = HB_ETHERTYPE >> 8, f[13] = HB_ETHERTYPE & 0xff;
	put_le(p + HB_OFF_MAGIC, HB_MAGIC, 4);
	p[HB_OFF_VERSION] = HB_VERSION;
	p[HB_OFF_NODE_ID] = 1;
	put_le(p + HB_OFF_CLUSTER_ID, CLUSTER, 4);
	put_le(p + HB_OFF_SEQ, 42, 8);
	return ETH_HLEN + HB_FRAME_LEN;
}

/* IPv4 UDP between closed ports: the longest foreign path (IP and port checks) */
static size_t foreign_frame(__u8 *f)
{
	__u8 *ip = f + ETH_HLEN;

	memset(f, 0, 64);
	f[6] = 2, f[11] = 2;
	f[12] = 0x08;
	ip[0] = 0x45, ip[3] = 50, ip[8] = 64, ip[9] = 17;
	ip[20] = 0x13, ip[21] = 0x88; /* 5000 -> 5001 */
	ip[22] = 0x13, ip[23] = 0x89;
	return 64;
}

static size_t arp_frame(__u8 *f)
{
	memset(f, 0, 42);
	f[12] = 0x08, f[13] = 0x06;
	return 42;
}

static int measure_fd(int fd, const __u8 *f, size_t len, __u32 repeat, __u32 *ns, __u32 *verdict)
{
	struct bpf_test_run_opts o = {.sz = sizeof(struct bpf_test_run_opts),
				      .data_in = f,
				      .data_size_in = (__u32)len,
				      .repeat = repeat};

	if (bpf_prog_test_run_opts(fd, &o))
		return -errno;
	*ns = o.duration;
	*verdict = o.retval;
	return 0;
}

static int measure(struct hbx *h, const __u8 *f, size_t len, __u32 repeat, __u32 *ns, __u32 *verdict)
{
	return measure_fd(hbx_prog_fd(h), f, len, repeat, ns, verdict);
}

/* "return XDP_PASS": what BPF_PROG_TEST_RUN itself costs per run */
static int empty_prog(void)
{
	struct bpf_insn insns[] = {
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS},
	    {.code = BPF_JMP | BPF_EXIT},
	};

	return bpf_prog_load(BPF_PROG_TYPE_XDP, "empty", "GPL", insns, 2, NULL);
}

int main(int argc, char **argv)
{
	struct hbx_cfg cfg = {
	    .cluster_id = CLUSTER, .rate_limit_pps = 1000000, .burst = 0xffffffffu, .n_ports = 2};
	__u64 s0[HBX_STAT_MAX], s1[HBX_STAT_MAX];
	__u32 repeat = 1000000, ns, verdict;
	__u8 f[128];
	char err[256];
	struct hbx *h;

	if (argc == 3 && !strcmp(argv[1], "-n"))
		repeat = (__u32)strtoul(argv[2], NULL, 0);
	else if (argc != 1)
		return fprintf(stderr, "usage: xdp_cost [-n REPEAT]\n"), 2;
	cfg.allow_ports[0] = 7789;
	cfg.allow_ports[1] = 7790;
	/* rate limit on (the bucket code runs) but never reached: burst 4e9 */
	if (hbx_open(&h, NULL, &cfg, 0, NULL, NULL, err, sizeof(err)) < 0)
		return fprintf(stderr, "xdp_cost: %s\n", err), 1;

	/* heartbeats, every one written to the ring */
	__u64 total_ns = 0, frames = 0;
	size_t len = heartbeat_frame(f);
	int r = 0;
	hbx_stats(h, s0);
	for (__u32 done = 0; done < repeat && !r; done += BATCH) {
		__u32 n = repeat - done < BATCH ? repeat - done : BATCH;
		r = measure(h, f, len, n, &ns, &verdict);
		total_ns += (__u64)ns * n;
		frames += n;
		hbx_consume(h);
	}
	hbx_stats(h, s1);
	if (r || verdict != XDP_DROP || s1[HBX_RX_HB] - s0[HBX_RX_HB] != frames)
		return fprintf(stderr, "xdp_cost: heartbeat run: %s, verdict %u, %llu of %llu to the ring\n",
			       strerror(-r), verdict, (unsigned long long)(s1[HBX_RX_HB] - s0[HBX_RX_HB]),
			       (unsigned long long)frames),
		       1;
	printf("xdp_cost heartbeat: %llu ns/frame (%llu frames, all to the ring)\n",
	       (unsigned long long)(total_ns / frames), (unsigned long long)frames);

	/* one long run: the ring fills, then the ring-full path (daemon stalled) */
	hbx_stats(h, s0);
	r = measure(h, f, len, repeat, &ns, &verdict);
	hbx_stats(h, s1);
	hbx_consume(h);
	if (r || verdict != XDP_DROP)
		return fprintf(stderr, "xdp_cost: heartbeat run: %s, verdict %u\n", strerror(-r), verdict), 1;
	printf("xdp_cost heartbeat-ringfull: %u ns/frame (repeat %u: %llu to the ring, %llu ring full)\n", ns,
	       repeat, (unsigned long long)(s1[HBX_RX_HB] - s0[HBX_RX_HB]),
	       (unsigned long long)(s1[HBX_DROP_RINGFULL] - s0[HBX_DROP_RINGFULL]));

	r = measure(h, f, foreign_frame(f), repeat, &ns, &verdict);
	if (r || verdict != XDP_DROP)
		return fprintf(stderr, "xdp_cost: foreign run: %s, verdict %u\n", strerror(-r), verdict), 1;
	printf("xdp_cost foreign: %u ns/frame (%u runs, IPv4 UDP to a port not allowed: dropped)\n", ns,
	       repeat);

	r = measure(h, f, arp_frame(f), repeat, &ns, &verdict);
	if (r || verdict != XDP_PASS)
		return fprintf(stderr, "xdp_cost: arp run: %s, verdict %u\n", strerror(-r), verdict), 1;
	printf("xdp_cost arp: %u ns/frame (%u runs, passed)\n", ns, repeat);

	int fd = empty_prog();
	if (fd < 0 || measure_fd(fd, f, len, repeat, &ns, &verdict))
		return fprintf(stderr, "xdp_cost: empty program: %s\n", strerror(errno)), 1;
	printf("xdp_cost empty: %u ns/frame (an empty program: the test-run overhead inside every figure "
	       "above)\n",
	       ns);
	close(fd);
	hbx_close(h);
	return 0;
}
