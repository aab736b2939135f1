/* hbgenl: talks to kmod/twin_hb's generic netlink family for the system
 * tests (tests/system/beacon.sh).
 *   hbgenl status          the module's counters, key=value
 *   hbgenl attack          malformed and unprivileged requests: each must be
 *                          refused; prints one line per request and
 *                          "attack: N refused, N accepted"; exit 1 if any
 *                          was accepted
 * Nothing it sends changes a running beacon: every request is refused
 * before the module acts on it. */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kbeacon.h"

static char buf[16384];

static int family_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID)
		*(uint16_t *)data = mnl_attr_get_u16(a);
	return MNL_CB_OK;
}

static int data_cb(const struct nlmsghdr *nlh, void *data)
{
	if (data)
		mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_cb, data);
	return MNL_CB_OK;
}

static struct nlmsghdr *hdr(uint16_t type, uint8_t cmd)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = (uint32_t)time(NULL);
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = TWIN_HB_GENL_VERSION;
	return nlh;
}

/* 0 if accepted, else the errno the kernel answered. */
static int send_req(struct mnl_socket *nl, struct nlmsghdr *nlh, void *data)
{
	uint32_t seq = nlh->nlmsg_seq, port = mnl_socket_get_portid(nl);

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return errno;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			return errno;
		int rc = mnl_cb_run(buf, (size_t)n, seq, port, data_cb, data);
		if (rc == MNL_CB_STOP)
			return 0;
		if (rc == MNL_CB_ERROR)
			return errno;
	}
}

static struct mnl_socket *open_nl(void)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_GENERIC);

	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("netlink");
		exit(2);
	}
	return nl;
}

static uint16_t family(struct mnl_socket *nl)
{
	uint16_t id = 0;
	struct nlmsghdr *nlh = hdr(GENL_ID_CTRL, CTRL_CMD_GETFAMILY);

	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, TWIN_HB_GENL_NAME);
	if (send_req(nl, nlh, &id) || !id) {
		fprintf(stderr, "hbgenl: no family %s (module not loaded?)\n", TWIN_HB_GENL_NAME);
		exit(2);
	}
	return id;
}

static int refused, accepted;

static void expect_refused(const char *what, struct mnl_socket *nl, struct nlmsghdr *nlh)
{
	int e = send_req(nl, nlh, NULL);

	if (e) {
		refused++;
		printf("refused: %s: %s\n", what, strerror(e));
	} else {
		accepted++;
		printf("ACCEPTED: %s\n", what);
	}
}

static void frame(struct nlmsghdr *nlh, uint64_t tick, size_t len)
{
	static uint8_t data[1024];
	struct nlattr *nest = mnl_attr_nest_start(nlh, TWIN_HB_A_FRAME);

	memset(data, 0xee, sizeof(data));
	mnl_attr_put_u64(nlh, TWIN_HB_F_TICK, tick);
	mnl_attr_put(nlh, TWIN_HB_F_DATA, len, data);
	mnl_attr_nest_end(nlh, nest);
}

static int attack(void)
{
	struct mnl_socket *nl = open_nl();
	uint16_t id = family(nl);
	struct nlmsghdr *nlh;
	struct kb_status st;
	struct kbeacon *kb;
	char err[160];

	nlh = hdr(id, TWIN_HB_CMD_START);
	mnl_attr_put_u32(nlh, TWIN_HB_A_PATH, 0); /* u8 expected */
	mnl_attr_put_u32(nlh, TWIN_HB_A_IFINDEX, 1);
	expect_refused("START, path as u32 (wrong type)", nl, nlh);

	nlh = hdr(id, TWIN_HB_CMD_START);
	mnl_attr_put_u8(nlh, TWIN_HB_A_PATH, 7);
	mnl_attr_put_u32(nlh, TWIN_HB_A_IFINDEX, 1);
	mnl_attr_put_u64(nlh, TWIN_HB_A_INTERVAL_NS, 50000000);
	mnl_attr_put_u64(nlh, TWIN_HB_A_T0_NS, 0);
	expect_refused("START, path 7 (out of range)", nl, nlh);

	nlh = hdr(id, TWIN_HB_CMD_START);
	mnl_attr_put_u8(nlh, TWIN_HB_A_PATH, 1);
	mnl_attr_put_u32(nlh, TWIN_HB_A_IFINDEX, 99999);
	mnl_attr_put_u64(nlh, TWIN_HB_A_INTERVAL_NS, 50000000);
	mnl_attr_put_u64(nlh, TWIN_HB_A_T0_NS, 0);
	expect_refused("START, ifindex 99999 (no such interface)", nl, nlh);

	nlh = hdr(id, TWIN_HB_CMD_START);
	mnl_attr_put_u8(nlh, TWIN_HB_A_PATH, 1);
	mnl_attr_put_u32(nlh, TWIN_HB_A_IFINDEX, 1);
	mnl_attr_put_u64(nlh, TWIN_HB_A_INTERVAL_NS, 1000);
	mnl_attr_put_u64(nlh, TWIN_HB_A_T0_NS, 0);
	expect_refused("START, interval 1 us (below 1 ms)", nl, nlh);

	nlh = hdr(id, TWIN_HB_CMD_START);
	mnl_attr_put_u8(nlh, TWIN_HB_A_PATH, 1);
	expect_refused("START, no interface, interval or t0", nl, nlh);

	nlh = hdr(id, TWIN_HB_CMD_STATUS);
	mnl_attr_put_u32(nlh, 200, 1);
	expect_refused("STATUS with an unknown attribute (strict policy)", nl, nlh);

	nlh = hdr(id, TWIN_HB_CMD_LEASE);
	mnl_attr_put_u8(nlh, TWIN_HB_A_PATH, 0);
	frame(nlh, 1, TWIN_HB_FRAME_MAX + 1);
	expect_refused("LEASE, a frame of 257 bytes (oversize)", nl, nlh);

	nlh = hdr(id, TWIN_HB_CMD_LEASE);
	mnl_attr_put_u8(nlh, TWIN_HB_A_PATH, 0);
	frame(nlh, 1, 4);
	expect_refused("LEASE, a frame of 4 bytes (shorter than an Ethernet header)", nl, nlh);

	nlh = hdr(id, TWIN_HB_CMD_LEASE);
	mnl_attr_put_u8(nlh, TWIN_HB_A_PATH, 0);
	struct nlattr *nest = mnl_attr_nest_start(nlh, TWIN_HB_A_FRAME);
	mnl_attr_put_u32(nlh, TWIN_HB_F_TICK, 5); /* u64 expected */
	mnl_attr_nest_end(nlh, nest);
	expect_refused("LEASE, a frame's tick as u32 (wrong type, nested)", nl, nlh);

	/* a tick far beyond the lease bound (only when the path runs: else it
	 * is refused as not running, also a refusal) */
	if (kb_open(&kb, err, sizeof(err)) == 0) {
		kb_status(kb, &st, err, sizeof(err));
		kb_close(kb);
		nlh = hdr(id, TWIN_HB_CMD_LEASE);
		mnl_attr_put_u8(nlh, TWIN_HB_A_PATH, 0);
		frame(nlh, st.path[0].last_tick + 100000, 86);
		expect_refused("LEASE, a frame 100000 ticks ahead (beyond the lease bound)", nl, nlh);
	}

	nlh = hdr(id, TWIN_HB_CMD_FENCE);
	mnl_attr_put_u8(nlh, TWIN_HB_A_FENCE_MODE, 9);
	mnl_attr_put_u8(nlh, TWIN_HB_A_ARMED, 0);
	mnl_attr_put_u64(nlh, TWIN_HB_A_DETECT_NS, 500000000);
	expect_refused("FENCE, mode 9 (unknown)", nl, nlh);

	nlh = hdr(id, TWIN_HB_CMD_FENCE);
	mnl_attr_put_u8(nlh, TWIN_HB_A_FENCE_MODE, TWIN_HB_FENCE_DROP);
	mnl_attr_put_u8(nlh, TWIN_HB_A_ARMED, 0);
	mnl_attr_put_u64(nlh, TWIN_HB_A_DETECT_NS, 500000000);
	for (int i = 0; i < TWIN_HB_FENCE_ADDRS + 1; i++)
		mnl_attr_put_u32(nlh, TWIN_HB_A_FENCE_ADDR, 0x0a000001u + (uint32_t)i);
	expect_refused("FENCE, 9 addresses (8 at most)", nl, nlh);

	nlh = hdr(id, 42);
	expect_refused("command 42 (unknown)", nl, nlh);
	mnl_socket_close(nl);

	/* without CAP_NET_ADMIN: as nobody */
	pid_t pid = fork();
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(3);
		struct mnl_socket *unpriv = open_nl();
		nlh = hdr(id, TWIN_HB_CMD_STOP);
		int e = send_req(unpriv, nlh, NULL);
		printf("%s: STOP as uid 65534 (no CAP_NET_ADMIN)%s%s\n", e ? "refused" : "ACCEPTED",
		       e ? ": " : "", e ? strerror(e) : "");
		fflush(stdout);
		_exit(e == EPERM ? 0 : 1);
	}
	int ws;
	if (waitpid(pid, &ws, 0) == pid && WIFEXITED(ws) && WEXITSTATUS(ws) == 0)
		refused++;
	else
		accepted++;
	printf("attack: %d refused, %d accepted\n", refused, accepted);
	return accepted ? 1 : 0;
}

static int status(void)
{
	static const char *const modes[] = {"none", "drop", "reboot"};
	struct kbeacon *kb;
	struct kb_status st;
	char err[160];

	if (kb_open(&kb, err, sizeof(err)) < 0 || kb_status(kb, &st, err, sizeof(err)) < 0) {
		fprintf(stderr, "hbgenl: %s\n", err);
		return 2;
	}
	printf("version=%s\n", kb_version(kb));
	for (int p = 0; p < TWIN_HB_PATHS; p++) {
		const struct kb_path_stats *s = &st.path[p];
		printf("path%d.running=%d\npath%d.ifindex=%u\n", p, s->running, p, s->ifindex);
		printf("path%d.sent=%llu\npath%d.dry=%llu\n", p, (unsigned long long)s->sent, p,
		       (unsigned long long)s->dry);
		printf("path%d.missed=%llu\npath%d.worst_late_us=%llu\n", p, (unsigned long long)s->missed, p,
		       (unsigned long long)(s->worst_late_ns / 1000));
		printf("path%d.xmit_err=%llu\npath%d.last_tick=%llu\n", p, (unsigned long long)s->xmit_err, p,
		       (unsigned long long)s->last_tick);
	}
	printf("fence=%s\narmed=%d\nfenced=%d\nfence_drops=%llu\n",
	       st.fence_mode >= 0 && st.fence_mode <= 2 ? modes[st.fence_mode] : "?", st.armed, st.fenced,
	       (unsigned long long)st.fence_drops);
	kb_close(kb);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "status"))
		return status();
	if (argc == 2 && !strcmp(argv[1], "attack"))
		return attack();
	fprintf(stderr, "usage: hbgenl status|attack\n");
	return 2;
}
