/* Failover IP on/off: adds and removes IPv4 and IPv6 addresses through rtnetlink
 * (libnl-route-3), never by running ip(8).
 *
 * Synchronous but fast: one NETLINK_ROUTE socket, the kernel handles the
 * request in our send() and the ack is already queued when we read it (tens
 * of µs). Device names are resolved once and cached; a cached index that the
 * kernel rejects with ENODEV (interface re-created) is looked up again.
 *
 * Errors: -1 with errno set and a message with context in err, e.g.
 * "vip_add 10.0.0.100/24 dev eth0: No such device". */
#ifndef TWIN_VIP_H
#define TWIN_VIP_H

#include <stddef.h>

#include "config.h"

struct vip_ctx;

int vip_open(struct vip_ctx **out, char *err, size_t errlen);
void vip_close(struct vip_ctx *ctx);

/* Add addr/prefix on dev. IPv4: scope global, label "<dev>:twin" when it
 * fits in IFNAMSIZ, broadcast filled for prefixes <= 30; if the node has an
 * address in that subnet the VIP becomes secondary (kernel); the prefix
 * route is kept so the subnet stays reachable. IPv6: IFA_F_NODAD (usable at
 * once; the caller ran its own duplicate check), no label, the kernel adds
 * the prefix route. Already there: success. */
int vip_add(struct vip_ctx *ctx, const struct cfg_vip *vip, char *err, size_t errlen);

/* Remove addr/prefix from dev whatever its label. Absent: success. A device
 * that does not exist is an error (errno ENODEV) so a typo never passes as
 * "removed"; a caller releasing an interface that vanished may treat ENODEV
 * as done. Note: removing a *primary* address also removes the secondaries
 * of its subnet unless net.ipv4.conf.<dev>.promote_secondaries=1. */
int vip_del(struct vip_ctx *ctx, const struct cfg_vip *vip, char *err, size_t errlen);

/* 1 if addr/prefix is on dev now, 0 if not (also: no such device), -1 on a
 * netlink error (errno set). */
int vip_present(struct vip_ctx *ctx, const struct cfg_vip *vip);

/* The label vip_add gives dev's address ("" when "<dev>:twin" is too long);
 * exposed for tests and twinctl. */
void vip_label(const char *dev, char *out, size_t outlen);

#endif
