/* Failover IP add/remove over rtnetlink, see vip.h. */
#include "vip.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <netlink/addr.h>
#include <netlink/handlers.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/socket.h>

#define VIP_LABEL_SUFFIX   ":twin"
#define VIP_RECV_TIMEOUT_S 1
#define VIP_IFCACHE	   8 /* a pair has one or two LAN devices; more just evicts */

struct ifcache_ent {
	char name[IFNAMSIZ];
	int ifindex; /* 0 = free */
};

struct vip_ctx {
	struct nl_sock *sk;
	struct nl_cb *cb; /* our ack/error handlers: they keep the kernel's errno */
	struct ifcache_ent ifc[VIP_IFCACHE];
	unsigned int ifc_next; /* round-robin eviction */
};

/* State of one request/response exchange. */
struct nl_xfer {
	int done;
	int kerr;		     /* positive errno from the kernel's NLMSG_ERROR, 0 = ack */
	const struct cfg_vip *match; /* dumps: the address looked for */
	int ifindex;
	int found;
};

static void fmt_vip(const struct cfg_vip *vip, char *buf, size_t len)
{
	char ip[CFG_VIP_TEXT_MAX];

	snprintf(buf, len, "%s dev %s", cfg_vip_text(vip, ip, sizeof(ip)), vip->dev);
}

static int is_v6(const struct cfg_vip *vip)
{
	return vip->family == AF_INET6;
}

static size_t addr_len(const struct cfg_vip *vip)
{
	return is_v6(vip) ? 16 : 4;
}

static const void *addr_of(const struct cfg_vip *vip)
{
	return is_v6(vip) ? (const void *)&vip->addr6 : (const void *)&vip->addr;
}

/* errno is set from e; the message names the operation and the address. */
static int fail(const char *op, const struct cfg_vip *vip, int e, char *err, size_t errlen)
{
	char what[CFG_VIP_TEXT_MAX + 48];

	fmt_vip(vip, what, sizeof(what));
	if (err && errlen)
		snprintf(err, errlen, "%s %s: %s", op, what, strerror(e));
	errno = e;
	return -1;
}

void vip_label(const char *dev, char *out, size_t outlen)
{
	if (!outlen)
		return;
	/* the kernel stores labels in IFNAMSIZ bytes and ip(8) wants them to
	 * start with the device name: "eth0:twin" or nothing */
	if (strlen(dev) + strlen(VIP_LABEL_SUFFIX) < IFNAMSIZ && outlen >= IFNAMSIZ)
		snprintf(out, outlen, "%s%s", dev, VIP_LABEL_SUFFIX);
	else
		out[0] = '\0';
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct nl_xfer *x = arg;

	(void)nla;
	x->kerr = e->error < 0 ? -e->error : e->error;
	x->done = 1;
	return NL_STOP;
}

/* ack of a request, or NLMSG_DONE of a dump */
static int on_done(struct nl_msg *msg, void *arg)
{
	struct nl_xfer *x = arg;

	(void)msg;
	x->done = 1;
	return NL_STOP;
}

/* Dump callback: is this RTM_NEWADDR our address? */
static int on_addr(struct nl_msg *msg, void *arg)
{
	struct nl_xfer *x = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct nlattr *tb[IFA_MAX + 1];
	struct ifaddrmsg *ifa;
	struct nlattr *local;

	if (h->nlmsg_type != RTM_NEWADDR || nlmsg_parse(h, sizeof(*ifa), tb, IFA_MAX, NULL) < 0)
		return NL_OK;
	ifa = nlmsg_data(h);
	if (ifa->ifa_family != (is_v6(x->match) ? AF_INET6 : AF_INET) || (int)ifa->ifa_index != x->ifindex ||
	    ifa->ifa_prefixlen != x->match->prefix)
		return NL_OK;
	/* IFA_LOCAL is the address itself; IFA_ADDRESS is the peer on p-t-p
	 * (IPv6 sends only IFA_ADDRESS unless p-t-p) */
	local = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (local && nla_len(local) == (int)addr_len(x->match) &&
	    !memcmp(nla_data(local), addr_of(x->match), addr_len(x->match)))
		x->found = 1;
	return NL_OK;
}

/* Read until our request is acked, failed, or (dumps) finished. */
static int xfer_wait(struct vip_ctx *ctx, struct nl_xfer *x)
{
	nl_cb_err(ctx->cb, NL_CB_CUSTOM, on_error, x);
	nl_cb_set(ctx->cb, NL_CB_ACK, NL_CB_CUSTOM, on_done, x);
	nl_cb_set(ctx->cb, NL_CB_FINISH, NL_CB_CUSTOM, on_done, x);
	nl_cb_set(ctx->cb, NL_CB_VALID, NL_CB_CUSTOM, on_addr, x);
	/* bounded: a read that returns without our answer (timeout, stray
	 * message) must not spin */
	for (int i = 0; i < 16 && !x->done; i++) {
		int r = nl_recvmsgs(ctx->sk, ctx->cb);

		if (r < 0 && !x->done) {
			x->kerr = r == -NLE_AGAIN ? ETIMEDOUT : EIO;
			return -1;
		}
	}
	if (!x->done)
		x->kerr = ETIMEDOUT;
	return x->kerr ? -1 : 0;
}

int vip_open(struct vip_ctx **out, char *err, size_t errlen)
{
	struct vip_ctx *ctx = calloc(1, sizeof(*ctx));
	int r;

	*out = NULL;
	if (!ctx) {
		snprintf(err, errlen, "vip_open: %s", strerror(ENOMEM));
		errno = ENOMEM;
		return -1;
	}
	ctx->sk = nl_socket_alloc();
	ctx->cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!ctx->sk || !ctx->cb) {
		vip_close(ctx);
		snprintf(err, errlen, "vip_open: %s", strerror(ENOMEM));
		errno = ENOMEM;
		return -1;
	}
	r = nl_connect(ctx->sk, NETLINK_ROUTE);
	if (r < 0) {
		snprintf(err, errlen, "vip_open: netlink route socket: %s", nl_geterror(r));
		vip_close(ctx);
		errno = EIO;
		return -1;
	}
	/* every request asks for an ack: that is where the kernel's errno is */
	nl_socket_enable_auto_ack(ctx->sk);
	/* rtnetlink answers inside our send(); the timeout only bounds a
	 * daemon's wait if that ever stops being true */
	struct timeval tv = {.tv_sec = VIP_RECV_TIMEOUT_S};
	setsockopt(nl_socket_get_fd(ctx->sk), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	*out = ctx;
	return 0;
}

void vip_close(struct vip_ctx *ctx)
{
	if (!ctx)
		return;
	if (ctx->sk)
		nl_socket_free(ctx->sk);
	if (ctx->cb)
		nl_cb_put(ctx->cb);
	free(ctx);
}

static void ifc_forget(struct vip_ctx *ctx, const char *dev)
{
	for (int i = 0; i < VIP_IFCACHE; i++)
		if (ctx->ifc[i].ifindex && !strcmp(ctx->ifc[i].name, dev))
			ctx->ifc[i].ifindex = 0;
}

/* Name -> index, cached. 0 with errno set (ENODEV, ...) if none. */
static int ifc_lookup(struct vip_ctx *ctx, const char *dev)
{
	struct rtnl_link *link = NULL;
	struct ifcache_ent *e;
	int idx, r;

	if (!dev[0] || strlen(dev) >= IFNAMSIZ) {
		errno = ENODEV;
		return 0;
	}
	for (int i = 0; i < VIP_IFCACHE; i++)
		if (ctx->ifc[i].ifindex && !strcmp(ctx->ifc[i].name, dev))
			return ctx->ifc[i].ifindex;
	/* one RTM_GETLINK by name on our socket, not a whole link dump */
	r = rtnl_link_get_kernel(ctx->sk, 0, dev, &link);
	if (r < 0) {
		errno = (r == -NLE_OBJ_NOTFOUND || r == -NLE_NODEV) ? ENODEV : EIO;
		return 0;
	}
	idx = rtnl_link_get_ifindex(link);
	rtnl_link_put(link);
	if (idx <= 0) {
		errno = ENODEV;
		return 0;
	}
	e = &ctx->ifc[ctx->ifc_next++ % VIP_IFCACHE];
	snprintf(e->name, sizeof(e->name), "%s", dev);
	e->ifindex = idx;
	return idx;
}

/* Build the add (add=1) or delete request for vip on ifindex. */
static struct nl_msg *build_req(const struct cfg_vip *vip, int ifindex, int add)
{
	int family = is_v6(vip) ? AF_INET6 : AF_INET;
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct nl_addr *local = nl_addr_build(family, addr_of(vip), addr_len(vip));
	struct nl_addr *brd = NULL;
	struct nl_msg *msg = NULL;
	char label[IFNAMSIZ];
	int ok = a && local;

	if (ok) {
		rtnl_addr_set_ifindex(a, ifindex);
		rtnl_addr_set_family(a, family);
		ok = rtnl_addr_set_local(a, local) == 0;
		rtnl_addr_set_prefixlen(a, vip->prefix);
	}
	if (ok && add && is_v6(vip)) {
		/* usable at once: the kernel's DAD would hold the address
		 * tentative for a second and drop it on a duplicate behind our
		 * back; the duplicate check is ours, before the claim */
		rtnl_addr_set_flags(a, IFA_F_NODAD);
	} else if (ok && add) {
		rtnl_addr_set_scope(a, RT_SCOPE_UNIVERSE);
		vip_label(vip->dev, label, sizeof(label));
		if (label[0])
			ok = rtnl_addr_set_label(a, label) == 0;
		/* what "brd +" gives: directed broadcasts to the subnet stay
		 * local when the VIP is the subnet's only (primary) address */
		if (ok && vip->prefix <= 30) {
			uint32_t host = vip->prefix ? 0xffffffffu >> vip->prefix : 0xffffffffu;
			struct in_addr b = {.s_addr = vip->addr.s_addr | htonl(host)};

			brd = nl_addr_build(AF_INET, &b, 4);
			ok = brd && rtnl_addr_set_broadcast(a, brd) == 0;
		}
	}
	/* NLM_F_CREATE without NLM_F_REPLACE: an existing address is EEXIST,
	 * which vip_add takes as success, and is never modified */
	if (ok && add)
		ok = rtnl_addr_build_add_request(a, NLM_F_CREATE, &msg) == 0;
	else if (ok)
		ok = rtnl_addr_build_delete_request(a, 0, &msg) == 0;
	if (!ok)
		msg = NULL;
	nl_addr_put(brd);
	nl_addr_put(local);
	rtnl_addr_put(a);
	return msg;
}

/* Send add/delete once; returns 0 or the kernel's positive errno. */
static int do_req(struct vip_ctx *ctx, const struct cfg_vip *vip, int ifindex, int add)
{
	struct nl_xfer x = {0};
	struct nl_msg *msg = build_req(vip, ifindex, add);
	int r;

	if (!msg)
		return ENOMEM;
	r = nl_send_auto(ctx->sk, msg);
	nlmsg_free(msg);
	if (r < 0)
		return EIO;
	xfer_wait(ctx, &x);
	return x.kerr;
}

static int check_vip(const struct cfg_vip *vip)
{
	if (vip->family != AF_INET && vip->family != AF_INET6)
		return EAFNOSUPPORT;
	if (vip->prefix < 1 || vip->prefix > (is_v6(vip) ? 128 : 32))
		return EINVAL;
	return 0;
}

/* add or delete with one retry on a stale cached ifindex. */
static int change(struct vip_ctx *ctx, const struct cfg_vip *vip, int add, char *err, size_t errlen)
{
	const char *op = add ? "vip_add" : "vip_del";
	int idx, e;

	e = check_vip(vip);
	if (e)
		return fail(op, vip, e, err, errlen);
	for (int attempt = 0; attempt < 2; attempt++) {
		idx = ifc_lookup(ctx, vip->dev);
		if (!idx)
			return fail(op, vip, errno, err, errlen);
		e = do_req(ctx, vip, idx, add);
		if (e != ENODEV)
			break;
		ifc_forget(ctx, vip->dev); /* device re-created: new index */
	}
	if (add && e == EEXIST)
		e = 0;
	if (!add && e == EADDRNOTAVAIL) /* the kernel's "no such address" */
		e = 0;
	if (e)
		return fail(op, vip, e, err, errlen);
	return 0;
}

int vip_add(struct vip_ctx *ctx, const struct cfg_vip *vip, char *err, size_t errlen)
{
	return change(ctx, vip, 1, err, errlen);
}

int vip_del(struct vip_ctx *ctx, const struct cfg_vip *vip, char *err, size_t errlen)
{
	return change(ctx, vip, 0, err, errlen);
}

int vip_present(struct vip_ctx *ctx, const struct cfg_vip *vip)
{
	struct ifaddrmsg req = {.ifa_family = (unsigned char)(is_v6(vip) ? AF_INET6 : AF_INET)};
	struct nl_xfer x = {.match = vip};

	if (check_vip(vip))
		return 0;
	/* fresh lookup: "present" must not trust an index cached before the
	 * device was re-created */
	ifc_forget(ctx, vip->dev);
	x.ifindex = ifc_lookup(ctx, vip->dev);
	if (!x.ifindex)
		return errno == ENODEV ? 0 : -1;
	if (nl_send_simple(ctx->sk, RTM_GETADDR, NLM_F_DUMP, &req, sizeof(req)) < 0) {
		errno = EIO;
		return -1;
	}
	if (xfer_wait(ctx, &x) < 0) {
		errno = x.kerr;
		return -1;
	}
	return x.found;
}
