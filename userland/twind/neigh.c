#include "neigh.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct neigh_reply {
	uint8_t mac[6];
	int have_mac;
	uint16_t state;
};

static int attr_cb(const struct nlattr *a, void *data)
{
	struct neigh_reply *r = data;

	if (mnl_attr_get_type(a) == NDA_LLADDR && mnl_attr_get_payload_len(a) == 6) {
		memcpy(r->mac, mnl_attr_get_payload(a), 6);
		r->have_mac = 1;
	}
	return MNL_CB_OK;
}

static int data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct neigh_reply *r = data;
	const struct ndmsg *nd = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != RTM_NEWNEIGH || nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*nd)))
		return MNL_CB_OK;
	r->state = nd->ndm_state;
	mnl_attr_parse(nlh, sizeof(*nd), attr_cb, r);
	return MNL_CB_OK;
}

/* One request on a fresh route socket; the kernel answers within the send. */
static int ask(uint16_t type, uint16_t flags, uint8_t ndm_flags, int ifindex, struct in_addr ip,
	       struct neigh_reply *r)
{
	char buf[1024];
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
	struct nlmsghdr *nlh;
	struct ndmsg *nd;
	uint32_t seq = (uint32_t)time(NULL);
	int rc = -EIO;

	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto out;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = seq;
	nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));
	nd->ndm_family = AF_INET;
	nd->ndm_ifindex = ifindex;
	nd->ndm_flags = ndm_flags;
	if (type == RTM_NEWNEIGH)
		nd->ndm_state = NUD_NONE;
	mnl_attr_put(nlh, NDA_DST, sizeof(ip), &ip);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		rc = -errno;
		goto out;
	}
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0) {
			rc = errno == EAGAIN ? -ETIMEDOUT : -errno;
			break;
		}
		int cb = mnl_cb_run(buf, (size_t)n, seq, mnl_socket_get_portid(nl), data_cb, r);
		if (cb == MNL_CB_STOP) {
			rc = 0;
			break;
		}
		if (cb == MNL_CB_ERROR) {
			rc = -errno;
			break;
		}
	}
out:
	mnl_socket_close(nl);
	return rc;
}

int neigh_get(int ifindex, struct in_addr ip, uint8_t mac[6])
{
	struct neigh_reply r = {0};
	int rc = ask(RTM_GETNEIGH, 0, 0, ifindex, ip, &r);

	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return rc;
	if (!r.have_mac || !(r.state & (NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT)))
		return 0;
	memcpy(mac, r.mac, 6);
	return 1;
}

int neigh_use(int ifindex, struct in_addr ip)
{
	struct neigh_reply r = {0};

	return ask(RTM_NEWNEIGH, NLM_F_CREATE, NTF_USE, ifindex, ip, &r);
}

int neigh_own_mac(const char *ifname, uint8_t mac[6])
{
	struct ifreq ifr = {0};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		rc = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
	return rc;
}

int neigh_source(const char *ifname, struct in_addr dst, struct in_addr *src)
{
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(9), .sin_addr = dst}, me;
	socklen_t len = sizeof(me);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = 0;

	if (fd < 0)
		return -errno;
	/* connect() on UDP only picks the route and the source: nothing is sent */
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname)) < 0 ||
	    connect(fd, (struct sockaddr *)&to, sizeof(to)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&me, &len) < 0)
		rc = -errno;
	else
		*src = me.sin_addr;
	close(fd);
	return rc;
}
