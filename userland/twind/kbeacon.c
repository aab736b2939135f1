#include "kbeacon.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* a full lease of both paths' frames fits */
#define KB_BUF (64 * 1024)

struct kbeacon {
	struct mnl_socket *nl;
	uint16_t family;
	uint32_t seq, portid;
	char version[32];
	char buf[KB_BUF];
};

struct kb_watch {
	struct mnl_socket *nl;
	char buf[8192];
};

/* What one request's answer carried. */
struct reply {
	struct kbeacon *kb;
	struct kb_status *st;
	uint16_t family; /* CTRL_CMD_GETFAMILY */
	uint32_t mcast_notify;
	char *err;
	size_t errlen;
};

static struct mnl_socket *nl_open(char *err, size_t errlen)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC | SOCK_NONBLOCK);
	int one = 1;

	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		snprintf(err, errlen, "generic netlink socket: %s", strerror(errno));
		if (nl)
			mnl_socket_close(nl);
		return NULL;
	}
	/* the kernel's reason for a refusal, as text */
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	return nl;
}

static struct nlmsghdr *put_header(char *buf, uint16_t type, uint8_t cmd, uint8_t version, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = version;
	return nlh;
}

static int stats_attr_cb(const struct nlattr *a, void *data)
{
	struct kb_path_stats *ps = data;
	uint16_t t = mnl_attr_get_type(a);

	if (mnl_attr_type_valid(a, TWIN_HB_S_MAX) < 0)
		return MNL_CB_OK; /* newer than us: ignored */
	switch (t) {
	case TWIN_HB_S_RUNNING:
		if (mnl_attr_validate(a, MNL_TYPE_U8) == 0)
			ps->running = mnl_attr_get_u8(a);
		break;
	case TWIN_HB_S_IFINDEX:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			ps->ifindex = mnl_attr_get_u32(a);
		break;
	case TWIN_HB_S_SENT:
	case TWIN_HB_S_DRY:
	case TWIN_HB_S_MISSED:
	case TWIN_HB_S_WORST_LATE_NS:
	case TWIN_HB_S_LEASE_END:
	case TWIN_HB_S_XMIT_ERR:
	case TWIN_HB_S_LAST_TICK:
		if (mnl_attr_validate(a, MNL_TYPE_U64) < 0)
			break;
		uint64_t v = mnl_attr_get_u64(a);
		if (t == TWIN_HB_S_SENT)
			ps->sent = v;
		else if (t == TWIN_HB_S_DRY)
			ps->dry = v;
		else if (t == TWIN_HB_S_MISSED)
			ps->missed = v;
		else if (t == TWIN_HB_S_WORST_LATE_NS)
			ps->worst_late_ns = v;
		else if (t == TWIN_HB_S_LEASE_END)
			ps->lease_end = v;
		else if (t == TWIN_HB_S_XMIT_ERR)
			ps->xmit_err = v;
		else
			ps->last_tick = v;
		break;
	default:
		break;
	}
	return MNL_CB_OK;
}

static int path_stats(const struct nlattr *nest, struct kb_status *st)
{
	struct kb_path_stats ps = {0};
	const struct nlattr *a;

	mnl_attr_parse_nested(nest, stats_attr_cb, &ps);
	mnl_attr_for_each_nested(a, nest)
	{
		if (mnl_attr_get_type(a) == TWIN_HB_S_PATH && mnl_attr_validate(a, MNL_TYPE_U8) == 0 &&
		    mnl_attr_get_u8(a) < TWIN_HB_PATHS)
			st->path[mnl_attr_get_u8(a)] = ps;
	}
	return MNL_CB_OK;
}

static int beacon_attr_cb(const struct nlattr *a, void *data)
{
	struct reply *r = data;
	uint16_t t = mnl_attr_get_type(a);

	if (mnl_attr_type_valid(a, TWIN_HB_A_MAX) < 0)
		return MNL_CB_OK;
	if (t == TWIN_HB_A_VERSION && r->kb && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
		snprintf(r->kb->version, sizeof(r->kb->version), "%s", mnl_attr_get_str(a));
	if (!r->st)
		return MNL_CB_OK;
	if (t == TWIN_HB_A_PATH_STATS && mnl_attr_validate(a, MNL_TYPE_NESTED) == 0)
		path_stats(a, r->st);
	else if ((t == TWIN_HB_A_FENCE_MODE || t == TWIN_HB_A_ARMED || t == TWIN_HB_A_FENCED) &&
		 mnl_attr_validate(a, MNL_TYPE_U8) == 0) {
		int v = mnl_attr_get_u8(a);
		if (t == TWIN_HB_A_FENCE_MODE)
			r->st->fence_mode = v;
		else if (t == TWIN_HB_A_ARMED)
			r->st->armed = v;
		else
			r->st->fenced = v;
	} else if ((t == TWIN_HB_A_FENCE_DROPS || t == TWIN_HB_A_LAST_SEND_NS) &&
		   mnl_attr_validate(a, MNL_TYPE_U64) == 0) {
		if (t == TWIN_HB_A_FENCE_DROPS)
			r->st->fence_drops = mnl_attr_get_u64(a);
		else
			r->st->last_send_ns = mnl_attr_get_u64(a);
	}
	return MNL_CB_OK;
}

static int mcast_groups(const struct nlattr *nest, struct reply *r)
{
	const struct nlattr *grp, *a;

	mnl_attr_for_each_nested(grp, nest)
	{
		const char *name = NULL;
		uint32_t id = 0;
		mnl_attr_for_each_nested(a, grp)
		{
			if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_NAME &&
			    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
				name = mnl_attr_get_str(a);
			else if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_ID &&
				 mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				id = mnl_attr_get_u32(a);
		}
		if (name && !strcmp(name, "notify"))
			r->mcast_notify = id;
	}
	return MNL_CB_OK;
}

static int ctrl_attr_cb(const struct nlattr *a, void *data)
{
	struct reply *r = data;

	if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID && mnl_attr_validate(a, MNL_TYPE_U16) == 0)
		r->family = mnl_attr_get_u16(a);
	else if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GROUPS && mnl_attr_validate(a, MNL_TYPE_NESTED) == 0)
		mcast_groups(a, r);
	return MNL_CB_OK;
}

static int data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct reply *r = data;

	if (nlh->nlmsg_type == GENL_ID_CTRL)
		mnl_attr_parse(nlh, sizeof(struct genlmsghdr), ctrl_attr_cb, r);
	else
		mnl_attr_parse(nlh, sizeof(struct genlmsghdr), beacon_attr_cb, r);
	return MNL_CB_OK;
}

/* NLMSG_ERROR: an ack (error 0) ends the answer; a refusal keeps the
 * kernel's text (extended ack) for the caller. */
static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	struct reply *r = data;
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	const char *msg = NULL;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (e->error == 0)
		return MNL_CB_STOP;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		/* the request is echoed unless capped: skip it to the TLVs */
		size_t off = sizeof(*e);
		const struct nlattr *a;
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
		mnl_attr_for_each(a, nlh, off)
		{
			if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
			    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
				msg = mnl_attr_get_str(a);
		}
	}
	if (r->err && msg)
		snprintf(r->err, r->errlen, "%s (%s)", strerror(-e->error), msg);
	else if (r->err)
		snprintf(r->err, r->errlen, "%s", strerror(-e->error));
	errno = -e->error;
	return MNL_CB_ERROR;
}

static int noop_cb(const struct nlmsghdr *nlh, void *data)
{
	return MNL_CB_OK;
}

/* Send and read the whole answer, which the kernel queued before sendto
 * returned. Returns 0 or -errno. */
static int transact(struct mnl_socket *nl, char *buf, size_t bufsz, struct nlmsghdr *nlh, uint32_t portid,
		    struct reply *r)
{
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = {[NLMSG_NOOP] = noop_cb, [NLMSG_ERROR] = error_cb};
	uint32_t seq = nlh->nlmsg_seq;
	int rc;

	if (r->err && r->errlen)
		r->err[0] = 0;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		int e = errno;
		if (r->err)
			snprintf(r->err, r->errlen, "send: %s", strerror(e));
		return -e;
	}
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, bufsz);
		if (n < 0) {
			int e = errno == EAGAIN ? ETIMEDOUT : errno; /* no answer: never wait for one */
			if (r->err)
				snprintf(r->err, r->errlen, "no answer: %s", strerror(e));
			return -e;
		}
		rc = mnl_cb_run2(buf, (size_t)n, seq, portid, data_cb, r, ctl, NLMSG_MIN_TYPE);
		if (rc == MNL_CB_STOP)
			return 0;
		if (rc == MNL_CB_ERROR)
			return -(errno ? errno : EPROTO);
	}
}

static int resolve(struct mnl_socket *nl, char *buf, size_t bufsz, const char *name, struct reply *r)
{
	struct nlmsghdr *nlh = put_header(buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, (uint32_t)time(NULL));

	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, name);
	return transact(nl, buf, bufsz, nlh, mnl_socket_get_portid(nl), r);
}

int kb_open(struct kbeacon **out, char *err, size_t errlen)
{
	struct kbeacon *kb = calloc(1, sizeof(*kb));
	struct reply r = {.kb = kb, .err = err, .errlen = errlen};
	int rc;

	*out = NULL;
	if (!kb) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	kb->nl = nl_open(err, errlen);
	if (!kb->nl) {
		rc = -errno;
		free(kb);
		return rc;
	}
	kb->portid = mnl_socket_get_portid(kb->nl);
	kb->seq = (uint32_t)time(NULL);
	rc = resolve(kb->nl, kb->buf, sizeof(kb->buf), TWIN_HB_GENL_NAME, &r);
	if (rc == 0 && !r.family)
		rc = -ENOENT;
	if (rc < 0) {
		if (rc == -ENOENT)
			snprintf(err, errlen, "module twin_hb not loaded");
		kb_close(kb);
		return rc;
	}
	kb->family = r.family;
	struct nlmsghdr *nlh =
	    put_header(kb->buf, kb->family, TWIN_HB_CMD_INFO, TWIN_HB_GENL_VERSION, ++kb->seq);
	rc = transact(kb->nl, kb->buf, sizeof(kb->buf), nlh, kb->portid, &r);
	if (rc < 0 || !kb->version[0]) {
		if (rc == 0)
			snprintf(err, errlen, "twin_hb INFO: no version in the answer");
		kb_close(kb);
		return rc < 0 ? rc : -EPROTO;
	}
	*out = kb;
	return 0;
}

void kb_close(struct kbeacon *kb)
{
	if (!kb)
		return;
	if (kb->nl)
		mnl_socket_close(kb->nl);
	free(kb);
}

const char *kb_version(const struct kbeacon *kb)
{
	return kb->version;
}

static struct nlmsghdr *request(struct kbeacon *kb, uint8_t cmd)
{
	return put_header(kb->buf, kb->family, cmd, TWIN_HB_GENL_VERSION, ++kb->seq);
}

static int run(struct kbeacon *kb, struct nlmsghdr *nlh, struct kb_status *st, char *err, size_t errlen)
{
	struct reply r = {.kb = kb, .st = st, .err = err, .errlen = errlen};

	if (st)
		memset(st, 0, sizeof(*st));
	return transact(kb->nl, kb->buf, sizeof(kb->buf), nlh, kb->portid, &r);
}

int kb_start(struct kbeacon *kb, unsigned path, uint32_t ifindex, uint64_t interval_ns, uint64_t t0_ns,
	     uint64_t first_tick, char *err, size_t errlen)
{
	struct nlmsghdr *nlh = request(kb, TWIN_HB_CMD_START);

	mnl_attr_put_u8(nlh, TWIN_HB_A_PATH, (uint8_t)path);
	mnl_attr_put_u32(nlh, TWIN_HB_A_IFINDEX, ifindex);
	mnl_attr_put_u64(nlh, TWIN_HB_A_INTERVAL_NS, interval_ns);
	mnl_attr_put_u64(nlh, TWIN_HB_A_T0_NS, t0_ns);
	mnl_attr_put_u64(nlh, TWIN_HB_A_FIRST_TICK, first_tick);
	return run(kb, nlh, NULL, err, errlen);
}

int kb_stop(struct kbeacon *kb, char *err, size_t errlen)
{
	return run(kb, request(kb, TWIN_HB_CMD_STOP), NULL, err, errlen);
}

int kb_lease(struct kbeacon *kb, unsigned path, int flags, const struct kb_frame *f, size_t n,
	     struct kb_status *st, char *err, size_t errlen)
{
	struct nlmsghdr *nlh = request(kb, TWIN_HB_CMD_LEASE);

	mnl_attr_put_u8(nlh, TWIN_HB_A_PATH, (uint8_t)path);
	if (flags & KB_FLUSH)
		mnl_attr_put(nlh, TWIN_HB_A_FLUSH, 0, NULL);
	if (flags & KB_SEND_NOW)
		mnl_attr_put(nlh, TWIN_HB_A_SEND_NOW, 0, NULL);
	for (size_t i = 0; i < n; i++) {
		struct nlattr *nest = mnl_attr_nest_start_check(nlh, sizeof(kb->buf), TWIN_HB_A_FRAME);
		if (!nest || !mnl_attr_put_u64_check(nlh, sizeof(kb->buf), TWIN_HB_F_TICK, f[i].tick) ||
		    !mnl_attr_put_check(nlh, sizeof(kb->buf), TWIN_HB_F_DATA, f[i].len, f[i].data)) {
			snprintf(err, errlen, "lease of %zu frames does not fit one message", n);
			return -EMSGSIZE;
		}
		mnl_attr_nest_end(nlh, nest);
	}
	return run(kb, nlh, st, err, errlen);
}

int kb_status(struct kbeacon *kb, struct kb_status *st, char *err, size_t errlen)
{
	return run(kb, request(kb, TWIN_HB_CMD_STATUS), st, err, errlen);
}

int kb_fence(struct kbeacon *kb, unsigned mode, int armed, uint64_t detect_ns, const struct in_addr *addrs,
	     size_t n, char *err, size_t errlen)
{
	struct nlmsghdr *nlh = request(kb, TWIN_HB_CMD_FENCE);

	mnl_attr_put_u8(nlh, TWIN_HB_A_FENCE_MODE, (uint8_t)mode);
	mnl_attr_put_u8(nlh, TWIN_HB_A_ARMED, armed ? 1 : 0);
	mnl_attr_put_u64(nlh, TWIN_HB_A_DETECT_NS, detect_ns);
	for (size_t i = 0; i < n; i++)
		mnl_attr_put_u32(nlh, TWIN_HB_A_FENCE_ADDR, addrs[i].s_addr);
	return run(kb, nlh, NULL, err, errlen);
}

int kb_watch_open(struct kb_watch **out, char *err, size_t errlen)
{
	struct kb_watch *w = calloc(1, sizeof(*w));
	struct reply r = {.err = err, .errlen = errlen};
	int rc;

	*out = NULL;
	if (!w)
		return -ENOMEM;
	w->nl = nl_open(err, errlen);
	if (!w->nl) {
		free(w);
		return -EIO;
	}
	rc = resolve(w->nl, w->buf, sizeof(w->buf), "nlctrl", &r);
	if (rc == 0 && !r.mcast_notify)
		rc = -ENOENT;
	if (rc == 0 && mnl_socket_setsockopt(w->nl, NETLINK_ADD_MEMBERSHIP, &r.mcast_notify,
					     sizeof(r.mcast_notify)) < 0) {
		rc = -errno;
		snprintf(err, errlen, "generic netlink announcements: %s", strerror(errno));
	}
	if (rc < 0) {
		kb_watch_close(w);
		return rc;
	}
	*out = w;
	return 0;
}

void kb_watch_close(struct kb_watch *w)
{
	if (!w)
		return;
	mnl_socket_close(w->nl);
	free(w);
}

int kb_watch_fd(const struct kb_watch *w)
{
	return mnl_socket_get_fd(w->nl);
}

struct announce {
	int seen;
	uint8_t cmd;
};

static int announce_attr_cb(const struct nlattr *a, void *data)
{
	struct announce *an = data;

	if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_NAME && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0 &&
	    !strcmp(mnl_attr_get_str(a), TWIN_HB_GENL_NAME))
		an->seen = 1;
	return MNL_CB_OK;
}

static int announce_cb(const struct nlmsghdr *nlh, void *data)
{
	struct announce *an = data, one = {0};
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != GENL_ID_CTRL || nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*g)))
		return MNL_CB_OK;
	if (g->cmd != CTRL_CMD_NEWFAMILY && g->cmd != CTRL_CMD_DELFAMILY)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*g), announce_attr_cb, &one);
	if (one.seen) {
		an->seen = 1;
		an->cmd = g->cmd;
	}
	return MNL_CB_OK;
}

int kb_watch_read(struct kb_watch *w)
{
	struct announce an = {0};

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(w->nl, w->buf, sizeof(w->buf));
		if (n < 0)
			break; /* drained (or overrun: the caller asks the module itself) */
		mnl_cb_run(w->buf, (size_t)n, 0, 0, announce_cb, &an);
	}
	if (!an.seen)
		return 0;
	return an.cmd == CTRL_CMD_NEWFAMILY ? 1 : -1;
}
