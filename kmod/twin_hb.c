// SPDX-License-Identifier: GPL-2.0
/*
 * twin_hb: Twin's heartbeat module (docs/ARCHITECTURE.md, "Kernel module").
 *
 * This is the first piece of the contract: the generic netlink family
 * "twin_hb" with TWIN_HB_CMD_INFO, which tells the daemon the module's
 * version and the hrtimer resolution it would send beats with. The
 * hrtimer sender and the lease of pre-signed frames come later.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hrtimer.h>
#include <linux/module.h>
#include <net/genetlink.h>

#include "twin_hb_genl.h"

#define TWIN_HB_MOD_VERSION "0.1.0"

static const struct nla_policy twin_hb_policy[TWIN_HB_A_MAX + 1] = {
    [TWIN_HB_A_VERSION] = {.type = NLA_NUL_STRING},
    [TWIN_HB_A_HRTIMER_RES_NS] = {.type = NLA_U32},
};

static struct genl_family twin_hb_family;

static int twin_hb_cmd_info(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(nla_total_size(sizeof(TWIN_HB_MOD_VERSION)) + nla_total_size(sizeof(u32)),
			  GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &twin_hb_family, 0, TWIN_HB_CMD_INFO);
	if (!hdr)
		goto nospace;
	if (nla_put_string(msg, TWIN_HB_A_VERSION, TWIN_HB_MOD_VERSION) ||
	    nla_put_u32(msg, TWIN_HB_A_HRTIMER_RES_NS, hrtimer_resolution))
		goto nospace;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

nospace:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static const struct genl_ops twin_hb_ops[] = {
    {
	.cmd = TWIN_HB_CMD_INFO,
	.doit = twin_hb_cmd_info,
    },
};

static struct genl_family twin_hb_family __ro_after_init = {
    .name = TWIN_HB_GENL_NAME,
    .version = TWIN_HB_GENL_VERSION,
    .maxattr = TWIN_HB_A_MAX,
    .policy = twin_hb_policy,
    .netnsok = true,
    .module = THIS_MODULE,
    .ops = twin_hb_ops,
    .n_ops = ARRAY_SIZE(twin_hb_ops),
};

static int __init twin_hb_init(void)
{
	int err;

	err = genl_register_family(&twin_hb_family);
	if (err) {
		pr_err("cannot register generic netlink family %s: %d\n", TWIN_HB_GENL_NAME, err);
		return err;
	}
	pr_info("version %s, genl family %s id %d, hrtimer resolution %u ns\n", TWIN_HB_MOD_VERSION,
		TWIN_HB_GENL_NAME, twin_hb_family.id, hrtimer_resolution);
	return 0;
}

static void __exit twin_hb_exit(void)
{
	genl_unregister_family(&twin_hb_family);
	pr_info("unloaded\n");
}

module_init(twin_hb_init);
module_exit(twin_hb_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("Twin");
MODULE_DESCRIPTION("Twin HA heartbeat: generic netlink family " TWIN_HB_GENL_NAME);
MODULE_VERSION(TWIN_HB_MOD_VERSION);
MODULE_ALIAS_GENL_FAMILY(TWIN_HB_GENL_NAME);
