/* SPDX-License-Identifier: GPL-2.0 */
/*
 * twin_hb generic netlink interface, shared by the kernel module (kmod/)
 * and userland (twind, twinctl). Plain C: no kernel or libc types, so it
 * builds on both sides. docs/ARCHITECTURE.md, "Kernel module".
 *
 * Family "twin_hb", version 1. Attribute types:
 *   TWIN_HB_A_VERSION          NLA_NUL_STRING  module version ("0.1.0")
 *   TWIN_HB_A_HRTIMER_RES_NS   NLA_U32         hrtimer resolution in ns
 */
#ifndef TWIN_HB_GENL_H
#define TWIN_HB_GENL_H

#define TWIN_HB_GENL_NAME    "twin_hb"
#define TWIN_HB_GENL_VERSION 1

enum twin_hb_cmd {
	TWIN_HB_CMD_UNSPEC,
	TWIN_HB_CMD_INFO, /* request: no attributes; reply: VERSION, HRTIMER_RES_NS */
	__TWIN_HB_CMD_MAX,
};
#define TWIN_HB_CMD_MAX (__TWIN_HB_CMD_MAX - 1)

enum twin_hb_attr {
	TWIN_HB_A_UNSPEC,
	TWIN_HB_A_VERSION,
	TWIN_HB_A_HRTIMER_RES_NS,
	__TWIN_HB_A_MAX,
};
#define TWIN_HB_A_MAX (__TWIN_HB_A_MAX - 1)

#endif /* TWIN_HB_GENL_H */
