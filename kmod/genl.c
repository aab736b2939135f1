// SPDX-License-Identifier: GPL-2.0
/*
 * twin_hb: Twin's heartbeat beacon (docs/BEACON.md). This file is the
 * generic netlink family "twin_hb" and the module's entry points; the
 * commands are in twin_hb_genl.h. Every attribute is checked by a strict
 * policy; ranges the policy cannot say are checked here.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hrtimer.h>
#include <linux/module.h>
#include <net/genetlink.h>

#include "twin_hb.h"

static const struct nla_policy frame_policy[TWIN_HB_F_MAX + 1] = {
	[TWIN_HB_F_TICK] = {.type = NLA_U64},
	[TWIN_HB_F_DATA] = NLA_POLICY_RANGE(NLA_BINARY, TWIN_HB_FRAME_MIN, TWIN_HB_FRAME_MAX),
};

static const struct nla_policy policy[TWIN_HB_A_MAX + 1] = {
	[TWIN_HB_A_PATH] = NLA_POLICY_MAX(NLA_U8, TWIN_HB_PATHS - 1),
	[TWIN_HB_A_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[TWIN_HB_A_INTERVAL_NS] = {.type = NLA_U64},
	[TWIN_HB_A_T0_NS] = {.type = NLA_U64},
	[TWIN_HB_A_FIRST_TICK] = {.type = NLA_U64},
	[TWIN_HB_A_FRAME] = NLA_POLICY_NESTED(frame_policy),
	[TWIN_HB_A_FLUSH] = {.type = NLA_FLAG},
	[TWIN_HB_A_SEND_NOW] = {.type = NLA_FLAG},
	[TWIN_HB_A_FENCE_MODE] = NLA_POLICY_MAX(NLA_U8, TWIN_HB_FENCE_MAX),
	[TWIN_HB_A_ARMED] = NLA_POLICY_MAX(NLA_U8, 1),
	[TWIN_HB_A_DETECT_NS] = {.type = NLA_U64},
	[TWIN_HB_A_FENCE_ADDR] = {.type = NLA_BE32},
};

static struct genl_family family;

static int put_u64(struct sk_buff *msg, int type, u64 v, int pad)
{
	return nla_put_u64_64bit(msg, type, v, pad);
}

static int reply_info(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	void *hdr;

	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &family, 0, TWIN_HB_CMD_INFO);
	if (!hdr ||
	    nla_put_string(msg, TWIN_HB_A_VERSION, TWIN_HB_MOD_VERSION) ||
	    nla_put_u32(msg, TWIN_HB_A_HRTIMER_RES_NS, hrtimer_resolution) ||
	    nla_put_u32(msg, TWIN_HB_A_RING_SLOTS, TWIN_HB_RING_SLOTS) ||
	    put_u64(msg, TWIN_HB_A_LEASE_MAX_NS, TWIN_HB_LEASE_MAX_NS, TWIN_HB_A_PAD)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int put_path_stats(struct sk_buff *msg, unsigned int path)
{
	struct thb_path_stats st;
	struct nlattr *nest;

	thb_path_get_stats(path, &st);
	nest = nla_nest_start(msg, TWIN_HB_A_PATH_STATS);
	if (!nest ||
	    nla_put_u8(msg, TWIN_HB_S_PATH, path) ||
	    nla_put_u8(msg, TWIN_HB_S_RUNNING, st.running) ||
	    nla_put_u32(msg, TWIN_HB_S_IFINDEX, st.ifindex) ||
	    put_u64(msg, TWIN_HB_S_SENT, st.sent, TWIN_HB_S_PAD) ||
	    put_u64(msg, TWIN_HB_S_DRY, st.dry, TWIN_HB_S_PAD) ||
	    put_u64(msg, TWIN_HB_S_MISSED, st.missed, TWIN_HB_S_PAD) ||
	    put_u64(msg, TWIN_HB_S_WORST_LATE_NS, st.worst_late_ns, TWIN_HB_S_PAD) ||
	    put_u64(msg, TWIN_HB_S_LEASE_END, st.lease_end, TWIN_HB_S_PAD) ||
	    put_u64(msg, TWIN_HB_S_XMIT_ERR, st.xmit_err, TWIN_HB_S_PAD) ||
	    put_u64(msg, TWIN_HB_S_LAST_TICK, st.last_tick, TWIN_HB_S_PAD))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

static int reply_status(struct genl_info *info, u8 cmd)
{
	struct sk_buff *msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	unsigned int path, mode;
	bool armed, fenced;
	u64 drops;
	void *hdr;

	if (!msg)
		return -ENOMEM;
	thb_fence_get(&mode, &armed, &fenced, &drops);
	hdr = genlmsg_put_reply(msg, info, &family, 0, cmd);
	if (!hdr)
		goto nospace;
	for (path = 0; path < TWIN_HB_PATHS; path++)
		if (put_path_stats(msg, path))
			goto nospace;
	if (nla_put_u8(msg, TWIN_HB_A_FENCE_MODE, mode) || nla_put_u8(msg, TWIN_HB_A_ARMED, armed) ||
	    nla_put_u8(msg, TWIN_HB_A_FENCED, fenced) ||
	    put_u64(msg, TWIN_HB_A_FENCE_DROPS, drops, TWIN_HB_A_PAD) ||
	    put_u64(msg, TWIN_HB_A_LAST_SEND_NS, thb_last_send_ns(), TWIN_HB_A_PAD))
		goto nospace;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
nospace:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static int cmd_start(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	u64 interval;

	if (GENL_REQ_ATTR_CHECK(info, TWIN_HB_A_PATH) || GENL_REQ_ATTR_CHECK(info, TWIN_HB_A_IFINDEX) ||
	    GENL_REQ_ATTR_CHECK(info, TWIN_HB_A_INTERVAL_NS) || GENL_REQ_ATTR_CHECK(info, TWIN_HB_A_T0_NS))
		return -EINVAL;
	interval = nla_get_u64(a[TWIN_HB_A_INTERVAL_NS]);
	if (interval < TWIN_HB_INTERVAL_MIN || interval > TWIN_HB_INTERVAL_MAX) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[TWIN_HB_A_INTERVAL_NS], "interval out of range");
		return -ERANGE;
	}
	return thb_path_start(genl_info_net(info), nla_get_u8(a[TWIN_HB_A_PATH]),
			      nla_get_u32(a[TWIN_HB_A_IFINDEX]), interval,
			      nla_get_u64(a[TWIN_HB_A_T0_NS]),
			      a[TWIN_HB_A_FIRST_TICK] ? nla_get_u64(a[TWIN_HB_A_FIRST_TICK]) : 0);
}

static int cmd_stop(struct sk_buff *skb, struct genl_info *info)
{
	unsigned int path;

	if (info->attrs[TWIN_HB_A_PATH]) {
		thb_path_stop(nla_get_u8(info->attrs[TWIN_HB_A_PATH]));
		return 0;
	}
	for (path = 0; path < TWIN_HB_PATHS; path++)
		thb_path_stop(path);
	return 0;
}

static int cmd_lease(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *fa[TWIN_HB_F_MAX + 1], *attr;
	bool send_now = info->attrs[TWIN_HB_A_SEND_NOW];
	unsigned int path;
	int rem, err;

	if (GENL_REQ_ATTR_CHECK(info, TWIN_HB_A_PATH))
		return -EINVAL;
	path = nla_get_u8(info->attrs[TWIN_HB_A_PATH]);
	if (info->attrs[TWIN_HB_A_FLUSH])
		thb_lease_flush(path);
	nlmsg_for_each_attr(attr, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(attr) != TWIN_HB_A_FRAME)
			continue;
		/* the policy validated it already; this only splits it */
		err = nla_parse_nested(fa, TWIN_HB_F_MAX, attr, frame_policy, info->extack);
		if (err)
			return err;
		if (!fa[TWIN_HB_F_TICK] || !fa[TWIN_HB_F_DATA]) {
			NL_SET_ERR_MSG_ATTR(info->extack, attr, "a frame needs a tick and data");
			return -EINVAL;
		}
		err = thb_lease_frame(path, nla_get_u64(fa[TWIN_HB_F_TICK]), nla_data(fa[TWIN_HB_F_DATA]),
				      nla_len(fa[TWIN_HB_F_DATA]), send_now);
		if (err) {
			NL_SET_ERR_MSG_ATTR(info->extack, attr, "frame refused");
			return err;
		}
		send_now = false;
	}
	return reply_status(info, TWIN_HB_CMD_LEASE);
}

static int cmd_status(struct sk_buff *skb, struct genl_info *info)
{
	return reply_status(info, TWIN_HB_CMD_STATUS);
}

static int cmd_fence(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs, *attr;
	__be32 addrs[TWIN_HB_FENCE_ADDRS];
	unsigned int n = 0;
	int rem;

	if (GENL_REQ_ATTR_CHECK(info, TWIN_HB_A_FENCE_MODE) || GENL_REQ_ATTR_CHECK(info, TWIN_HB_A_ARMED) ||
	    GENL_REQ_ATTR_CHECK(info, TWIN_HB_A_DETECT_NS))
		return -EINVAL;
	nlmsg_for_each_attr(attr, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(attr) != TWIN_HB_A_FENCE_ADDR)
			continue;
		if (n == TWIN_HB_FENCE_ADDRS) {
			NL_SET_ERR_MSG_ATTR(info->extack, attr, "too many fence addresses");
			return -E2BIG;
		}
		addrs[n++] = nla_get_be32(attr);
	}
	return thb_fence_set(genl_info_net(info), nla_get_u8(a[TWIN_HB_A_FENCE_MODE]),
			     nla_get_u8(a[TWIN_HB_A_ARMED]), nla_get_u64(a[TWIN_HB_A_DETECT_NS]), addrs, n);
}

static const struct genl_ops ops[] = {
	{.cmd = TWIN_HB_CMD_INFO, .doit = reply_info},
	{.cmd = TWIN_HB_CMD_START, .doit = cmd_start, .flags = GENL_ADMIN_PERM},
	{.cmd = TWIN_HB_CMD_STOP, .doit = cmd_stop, .flags = GENL_ADMIN_PERM},
	{.cmd = TWIN_HB_CMD_LEASE, .doit = cmd_lease, .flags = GENL_ADMIN_PERM},
	{.cmd = TWIN_HB_CMD_STATUS, .doit = cmd_status, .flags = GENL_ADMIN_PERM},
	{.cmd = TWIN_HB_CMD_FENCE, .doit = cmd_fence, .flags = GENL_ADMIN_PERM},
};

static struct genl_family family __ro_after_init = {
	.name = TWIN_HB_GENL_NAME,
	.version = TWIN_HB_GENL_VERSION,
	.maxattr = TWIN_HB_A_MAX,
	.policy = policy,
	.netnsok = true,
	.module = THIS_MODULE,
	.ops = ops,
	.n_ops = ARRAY_SIZE(ops),
};

static int __init twin_hb_init(void)
{
	int err = thb_beacon_init();

	if (err)
		return err;
	err = genl_register_family(&family);
	if (err) {
		pr_err("cannot register generic netlink family %s: %d\n", TWIN_HB_GENL_NAME, err);
		thb_beacon_exit();
		return err;
	}
	pr_info("version %s, genl family %s id %d, hrtimer resolution %u ns\n", TWIN_HB_MOD_VERSION,
		TWIN_HB_GENL_NAME, family.id, hrtimer_resolution);
	return 0;
}

static void __exit twin_hb_exit(void)
{
	/* no request runs once the family is gone; then stop the beats */
	genl_unregister_family(&family);
	thb_beacon_exit();
	thb_fence_exit();
	pr_info("unloaded\n");
}

module_init(twin_hb_init);
module_exit(twin_hb_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("Twin");
MODULE_DESCRIPTION("Twin HA heartbeat beacon: leased frames sent from hrtimers, self-fence");
MODULE_VERSION(TWIN_HB_MOD_VERSION);
MODULE_ALIAS_GENL_FAMILY(TWIN_HB_GENL_NAME);
