/* Gratuitous ARP, RFC 5227 probe and conflict detection, see arp.h. */
#include "arp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <net/if_arp.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* Offsets in the ARP payload (SOCK_DGRAM: the filter and read() start at
 * the ARP header, the kernel builds and strips the Ethernet header). */
#define OFF_HTYPE 0
#define OFF_PTYPE 2
#define OFF_HLEN  4 /* hlen and plen as one 16-bit word: 0x0604 */
#define OFF_OP	  6
#define OFF_SHA	  8
#define OFF_SPA	  14
#define OFF_THA	  18
#define OFF_TPA	  24

#define DRAIN_MAX 4096 /* bound on frames discarded by arp_watch */

struct arp_sock {
	int fd;
	int ifindex;
	uint8_t mac[6];
	char ifname[IFNAMSIZ];
};

static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t zero_mac[6];

void arp_build(uint8_t buf[ARP_FRAME_LEN], uint16_t op, const uint8_t sha[6], struct in_addr spa,
	       const uint8_t tha[6], struct in_addr tpa)
{
	uint16_t v;

	v = htons(ARPHRD_ETHER);
	memcpy(buf + OFF_HTYPE, &v, 2);
	v = htons(ETH_P_IP);
	memcpy(buf + OFF_PTYPE, &v, 2);
	buf[OFF_HLEN] = 6;
	buf[OFF_HLEN + 1] = 4;
	v = htons(op);
	memcpy(buf + OFF_OP, &v, 2);
	memcpy(buf + OFF_SHA, sha, 6);
	memcpy(buf + OFF_SPA, &spa.s_addr, 4);
	memcpy(buf + OFF_THA, tha, 6);
	memcpy(buf + OFF_TPA, &tpa.s_addr, 4);
}

int arp_parse(const uint8_t *buf, size_t len, struct arp_seen *out)
{
	uint16_t htype, ptype, op;

	if (len < ARP_FRAME_LEN)
		return -1;
	memcpy(&htype, buf + OFF_HTYPE, 2);
	memcpy(&ptype, buf + OFF_PTYPE, 2);
	memcpy(&op, buf + OFF_OP, 2);
	if (ntohs(htype) != ARPHRD_ETHER || ntohs(ptype) != ETH_P_IP || buf[OFF_HLEN] != 6 ||
	    buf[OFF_HLEN + 1] != 4)
		return -1;
	memset(out, 0, sizeof(*out));
	out->op = ntohs(op);
	memcpy(out->sha, buf + OFF_SHA, 6);
	memcpy(&out->spa.s_addr, buf + OFF_SPA, 4);
	memcpy(out->tha, buf + OFF_THA, 6);
	memcpy(&out->tpa.s_addr, buf + OFF_TPA, 4);
	return 0;
}

enum arp_conflict arp_is_conflict(const struct arp_seen *f, struct in_addr probed, const uint8_t our_mac[6])
{
	if (!memcmp(f->sha, our_mac, 6))
		return ARP_CLEAR;
	if (f->op != ARPOP_REQUEST && f->op != ARPOP_REPLY)
		return ARP_CLEAR;
	/* RFC 5227 2.1.1: a request or reply *from* the address means a holder */
	if (f->spa.s_addr == probed.s_addr)
		return ARP_IN_USE;
	/* ... and another host's probe for it means a rival claimant */
	if (f->op == ARPOP_REQUEST && f->spa.s_addr == INADDR_ANY && f->tpa.s_addr == probed.s_addr)
		return ARP_PROBING;
	return ARP_CLEAR;
}

/* Append one instruction (jumps: jt = jf = 0, patched later); its index. */
static size_t emit(struct sock_filter *p, size_t *len, uint16_t code, uint32_t k)
{
	p[*len] = (struct sock_filter)BPF_STMT(code, k);
	return (*len)++;
}

/* Classic BPF: drop everything, or keep Ethernet/IPv4 ARP (optionally only
 * frames about ips). Jumps are patched once the program's length is known:
 * a failed header check or a non-zero sender IP that matched no address
 * jumps to "drop", a matching address jumps to "accept". */
int arp_attach_filter(int fd, int watch, const struct in_addr *ips, size_t n)
{
	const uint16_t ldh = BPF_LD | BPF_H | BPF_ABS, ldw = BPF_LD | BPF_W | BPF_ABS;
	const uint16_t jeq = BPF_JMP | BPF_JEQ | BPF_K, ret = BPF_RET | BPF_K;
	struct sock_filter p[16 + 2 * ARP_WATCH_MAX];
	size_t len = 0, drop_at[4], acc_at[2 * ARP_WATCH_MAX], nd = 0, na = 0;
	size_t drop, accept;
	struct sock_fprog prog;

	if (n > ARP_WATCH_MAX) {
		errno = E2BIG;
		return -1;
	}
	if (watch) {
		emit(p, &len, ldh, OFF_HTYPE);
		drop_at[nd++] = emit(p, &len, jeq, ARPHRD_ETHER);
		emit(p, &len, ldh, OFF_PTYPE);
		drop_at[nd++] = emit(p, &len, jeq, ETH_P_IP);
		emit(p, &len, ldh, OFF_HLEN);
		drop_at[nd++] = emit(p, &len, jeq, 0x0604);
		if (n) {
			emit(p, &len, ldw, OFF_SPA);
			for (size_t i = 0; i < n; i++)
				acc_at[na++] = emit(p, &len, jeq, ntohl(ips[i].s_addr));
			if (watch != ARP_WATCH_SENDERS) {
				drop_at[nd++] = emit(p, &len, jeq, INADDR_ANY); /* a probe? */
				emit(p, &len, ldw, OFF_TPA);
				for (size_t i = 0; i < n; i++)
					acc_at[na++] = emit(p, &len, jeq, ntohl(ips[i].s_addr));
			}
			/* no match falls through to drop */
		} else {
			emit(p, &len, ret, 0xffff); /* any Ethernet/IPv4 ARP */
		}
	}
	drop = emit(p, &len, ret, 0);
	accept = emit(p, &len, ret, 0xffff);
	for (size_t i = 0; i < nd; i++)
		p[drop_at[i]].jf = (uint8_t)(drop - drop_at[i] - 1);
	for (size_t i = 0; i < na; i++)
		p[acc_at[i]].jt = (uint8_t)(accept - acc_at[i] - 1);
	prog.len = (unsigned short)len;
	prog.filter = p;
	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
}

static int fail_open(struct arp_sock *s, const char *ifname, const char *what, char *err, size_t errlen)
{
	int e = errno;

	snprintf(err, errlen, "arp_open %s: %s%s%s", ifname, what, *what ? ": " : "", strerror(e));
	arp_close(s);
	errno = e;
	return -1;
}

int arp_open(struct arp_sock **out, const char *ifname, char *err, size_t errlen)
{
	struct arp_sock *s;
	struct ifreq ifr;
	struct sockaddr_ll sll;

	*out = NULL;
	if (!ifname[0] || strlen(ifname) >= IFNAMSIZ) {
		errno = ENODEV;
		snprintf(err, errlen, "arp_open %s: %s", ifname, strerror(ENODEV));
		return -1;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "arp_open %s: %s", ifname, strerror(ENOMEM));
		return -1;
	}
	snprintf(s->ifname, sizeof(s->ifname), "%s", ifname);
	/* protocol 0 receives nothing until bind(), so no frame from another
	 * interface slips in before the filter is on */
	s->fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return fail_open(s, ifname, "socket", err, errlen);
	if (arp_attach_filter(s->fd, 0, NULL, 0) < 0)
		return fail_open(s, ifname, "filter", err, errlen);

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(s->fd, SIOCGIFINDEX, &ifr) < 0)
		return fail_open(s, ifname, "", err, errlen);
	s->ifindex = ifr.ifr_ifindex;
	if (ioctl(s->fd, SIOCGIFHWADDR, &ifr) < 0)
		return fail_open(s, ifname, "hardware address", err, errlen);
	if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
		errno = EAFNOSUPPORT;
		return fail_open(s, ifname, "not Ethernet", err, errlen);
	}
	memcpy(s->mac, ifr.ifr_hwaddr.sa_data, 6);

	/* bound to ETH_P_ARP the socket sits in the per-protocol receive list:
	 * it gets incoming ARP only, never other traffic nor our own frames */
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ARP);
	sll.sll_ifindex = s->ifindex;
	if (bind(s->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		return fail_open(s, ifname, "bind", err, errlen);
	*out = s;
	return 0;
}

void arp_close(struct arp_sock *s)
{
	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	free(s);
}

int arp_fd(const struct arp_sock *s)
{
	return s->fd;
}

const uint8_t *arp_mac(const struct arp_sock *s)
{
	return s->mac;
}

static int send_on(struct arp_sock *s, int ifindex, const uint8_t sha[6], const uint8_t *dst,
		   struct in_addr spa, struct in_addr tpa)
{
	uint8_t buf[ARP_FRAME_LEN];
	struct sockaddr_ll to;

	/* target MAC zero, as RFC 5227 asks for probes and announcements */
	arp_build(buf, ARPOP_REQUEST, sha, spa, zero_mac, tpa);
	memset(&to, 0, sizeof(to));
	to.sll_family = AF_PACKET;
	to.sll_protocol = htons(ETH_P_ARP);
	to.sll_ifindex = ifindex;
	to.sll_halen = 6;
	memcpy(to.sll_addr, dst ? dst : bcast, 6);
	if (sendto(s->fd, buf, sizeof(buf), 0, (struct sockaddr *)&to, sizeof(to)) != (ssize_t)sizeof(buf))
		return -1;
	return 0;
}

int arp_send_request(struct arp_sock *s, const uint8_t *dst, struct in_addr spa, struct in_addr tpa)
{
	return send_on(s, s->ifindex, s->mac, dst, spa, tpa);
}

int arp_send_garp(struct arp_sock *s, struct in_addr ip)
{
	return send_on(s, s->ifindex, s->mac, NULL, ip, ip);
}

int arp_send_probe(struct arp_sock *s, struct in_addr ip)
{
	struct in_addr any = {.s_addr = INADDR_ANY};

	return send_on(s, s->ifindex, s->mac, NULL, any, ip);
}

int arp_send_garp_on(struct arp_sock *s, int ifindex, const uint8_t mac[6], struct in_addr ip)
{
	return send_on(s, ifindex, mac, NULL, ip, ip);
}

int arp_send_probe_on(struct arp_sock *s, int ifindex, const uint8_t mac[6], struct in_addr ip)
{
	struct in_addr any = {.s_addr = INADDR_ANY};

	return send_on(s, ifindex, mac, NULL, any, ip);
}

static void drain(struct arp_sock *s)
{
	uint8_t buf[64];

	for (int i = 0; i < DRAIN_MAX; i++)
		if (recv(s->fd, buf, sizeof(buf), MSG_DONTWAIT) < 0 && errno != EINTR)
			break;
}

int arp_watch(struct arp_sock *s, const struct in_addr *ips, size_t n)
{
	/* drain first: what is queued passed the old filter and predates the
	 * probe (e.g. the old holder's replies) */
	drain(s);
	return arp_attach_filter(s->fd, 1, ips, n);
}

int arp_watch_senders(struct arp_sock *s, const struct in_addr *ips, size_t n)
{
	if (!n) {
		errno = EINVAL;
		return -1;
	}
	drain(s);
	return arp_attach_filter(s->fd, ARP_WATCH_SENDERS, ips, n);
}

int arp_unwatch(struct arp_sock *s)
{
	int r = arp_attach_filter(s->fd, 0, NULL, 0);

	drain(s);
	return r;
}

int arp_read(struct arp_sock *s, struct arp_seen *out)
{
	uint8_t buf[128];
	struct sockaddr_ll from;

	for (;;) {
		socklen_t flen = sizeof(from);
		ssize_t r = recvfrom(s->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -1;
		}
		/* the filter already keeps these out; a read never trusts it */
		if (from.sll_pkttype == PACKET_OUTGOING || arp_parse(buf, (size_t)r, out) < 0)
			continue;
		if (from.sll_halen == 6)
			memcpy(out->src_mac, from.sll_addr, 6);
		return 1;
	}
}
