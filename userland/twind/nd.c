/* IPv6 Neighbor Discovery sockets, see nd.h. */
#define _GNU_SOURCE /* struct in6_pktinfo (RFC 3542) */
#include "nd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/icmp6.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define DRAIN_MAX 4096 /* bound on messages discarded by nd_watch */

struct nd_sock {
	int icmp; /* raw ICMPv6: NAs out, NAs in */
	int pkt;  /* AF_PACKET, protocol 0: the NS from :: out, nothing in */
};

static const struct in6_addr all_nodes = {{{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01}}};

static int set_filter(int fd, int on)
{
	struct icmp6_filter f;

	ICMP6_FILTER_SETBLOCKALL(&f);
	if (on)
		ICMP6_FILTER_SETPASS(ND_NEIGHBOR_ADVERT, &f);
	return setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f));
}

int nd_open(struct nd_sock **out, char *err, size_t errlen)
{
	struct nd_sock *s = calloc(1, sizeof(*s));
	int one = 1, zero = 0, hops = ND_HOP_LIMIT;
	const char *what = "socket";

	*out = NULL;
	if (!s) {
		snprintf(err, errlen, "nd_open: %s", strerror(ENOMEM));
		return -1;
	}
	s->pkt = -1;
	s->icmp = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMPV6);
	if (s->icmp < 0)
		goto fail;
	/* silent from the start: nothing queues before the first probe */
	what = "ICMP6_FILTER";
	if (set_filter(s->icmp, 0) < 0)
		goto fail;
	what = "socket options";
	if (setsockopt(s->icmp, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) < 0 ||
	    setsockopt(s->icmp, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof(hops)) < 0 ||
	    /* our own NAs to ff02::1 are not news to us */
	    setsockopt(s->icmp, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &zero, sizeof(zero)) < 0 ||
	    setsockopt(s->icmp, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) < 0 ||
	    setsockopt(s->icmp, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof(one)) < 0)
		goto fail;
	what = "packet socket";
	s->pkt = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->pkt < 0)
		goto fail;
	*out = s;
	return 0;
fail:
	snprintf(err, errlen, "nd_open: %s: %s", what, strerror(errno));
	nd_close(s);
	return -1;
}

void nd_close(struct nd_sock *s)
{
	if (!s)
		return;
	if (s->icmp >= 0)
		close(s->icmp);
	if (s->pkt >= 0)
		close(s->pkt);
	free(s);
}

int nd_fd(const struct nd_sock *s)
{
	return s->icmp;
}

int nd_send_na(struct nd_sock *s, int ifindex, const uint8_t mac[6], const struct in6_addr *target)
{
	uint8_t msg[ND_NA_LEN];
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} ctl;
	struct sockaddr_in6 to = {
	    .sin6_family = AF_INET6, .sin6_addr = all_nodes, .sin6_scope_id = (uint32_t)ifindex};
	struct iovec iov = {.iov_base = msg, .iov_len = sizeof(msg)};
	struct msghdr mh = {.msg_name = &to,
			    .msg_namelen = sizeof(to),
			    .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = ctl.buf,
			    .msg_controllen = sizeof(ctl.buf)};
	struct cmsghdr *c;
	struct in6_pktinfo pi = {.ipi6_addr = *target, .ipi6_ifindex = (unsigned)ifindex};

	nd_build_na(msg, sizeof(msg), target, mac, ND_NA_F_OVERRIDE);
	memset(ctl.buf, 0, sizeof(ctl.buf));
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = IPPROTO_IPV6;
	c->cmsg_type = IPV6_PKTINFO;
	c->cmsg_len = CMSG_LEN(sizeof(pi));
	/* from the address itself: no wait for a link-local address that may
	 * still be tentative on a device that just came up */
	memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	if (sendmsg(s->icmp, &mh, 0) != (ssize_t)sizeof(msg))
		return -1;
	return 0;
}

int nd_send_dad(struct nd_sock *s, int ifindex, const struct in6_addr *target)
{
	uint8_t pkt[ND_DAD_PKT_LEN];
	struct in6_addr group;
	struct sockaddr_ll to;

	nd_build_dad(pkt, sizeof(pkt), target);
	nd_solicited_node(target, &group);
	memset(&to, 0, sizeof(to));
	to.sll_family = AF_PACKET;
	to.sll_protocol = htons(ETH_P_IPV6);
	to.sll_ifindex = ifindex;
	to.sll_halen = 6;
	nd_multicast_mac(&group, to.sll_addr);
	if (sendto(s->pkt, pkt, sizeof(pkt), 0, (struct sockaddr *)&to, sizeof(to)) != (ssize_t)sizeof(pkt))
		return -1;
	return 0;
}

static void drain(struct nd_sock *s)
{
	uint8_t buf[256];

	for (int i = 0; i < DRAIN_MAX; i++)
		if (recv(s->icmp, buf, sizeof(buf), MSG_DONTWAIT) < 0 && errno != EINTR)
			break;
}

int nd_watch(struct nd_sock *s, int on)
{
	int r;

	/* what is queued passed the old filter and predates the probe */
	if (on)
		drain(s);
	r = set_filter(s->icmp, on);
	if (!on)
		drain(s);
	return r;
}

int nd_read(struct nd_sock *s, struct nd_seen *out, int *ifindex, int *hops)
{
	uint8_t buf[512];
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;

	for (;;) {
		struct sockaddr_in6 from;
		struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
		struct msghdr mh = {.msg_name = &from,
				    .msg_namelen = sizeof(from),
				    .msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = ctl.buf,
				    .msg_controllen = sizeof(ctl.buf)};
		ssize_t r = recvmsg(s->icmp, &mh, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -1;
		}
		*ifindex = 0;
		*hops = -1;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level != IPPROTO_IPV6)
				continue;
			if (c->cmsg_type == IPV6_PKTINFO &&
			    c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
				struct in6_pktinfo pi;
				memcpy(&pi, CMSG_DATA(c), sizeof(pi));
				*ifindex = (int)pi.ipi6_ifindex;
			} else if (c->cmsg_type == IPV6_HOPLIMIT && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
				memcpy(hops, CMSG_DATA(c), sizeof(int));
			}
		}
		/* the filter already keeps the rest out; a read never trusts it */
		if (nd_parse(buf, (size_t)r, out) < 0)
			continue;
		return 1;
	}
}
