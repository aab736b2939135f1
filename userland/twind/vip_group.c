/* The failover addresses as one group, see vip_group.h. */
#include "vip_group.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "arp.h"
#include "ifinfo.h"
#include "log.h"
#include "nd.h"
#include "vip.h"

void vg_init(struct vip_group *g, const struct cfg_vip *vips, size_t n, struct vip_ctx *vip,
	     struct arp_sock *arp, struct nd_sock *nd)
{
	memset(g, 0, sizeof(*g));
	g->vips = vips;
	g->n = n < CFG_MAX_VIPS ? n : CFG_MAX_VIPS;
	g->vip = vip;
	g->arp = arp;
	g->nd = nd;
}

size_t vg_v4(const struct vip_group *g, struct in_addr out[CFG_MAX_VIPS])
{
	size_t k = 0;

	for (size_t i = 0; i < g->n; i++)
		if (g->vips[i].family == AF_INET)
			out[k++] = g->vips[i].addr;
	return k;
}

size_t vg_v6(const struct vip_group *g, struct in6_addr out[CFG_MAX_VIPS])
{
	size_t k = 0;

	for (size_t i = 0; i < g->n; i++)
		if (g->vips[i].family == AF_INET6)
			out[k++] = g->vips[i].addr6;
	return k;
}

int vg_has_v6(const struct vip_group *g)
{
	for (size_t i = 0; i < g->n; i++)
		if (g->vips[i].family == AF_INET6)
			return 1;
	return 0;
}

/* Look the devices up again: one may have been re-created (a new index)
 * or may be missing on this node. */
static void resolve(struct vip_group *g)
{
	for (size_t i = 0; i < g->n; i++) {
		const char *dev = g->vips[i].dev;
		size_t j;

		for (j = 0; j < i; j++) /* the same device as an earlier address */
			if (!strcmp(g->vips[j].dev, dev))
				break;
		if (j < i) {
			g->dev[i] = g->dev[j];
			continue;
		}
		if (ifinfo_get(dev, &g->dev[i].ifindex, g->dev[i].mac) < 0) {
			log_debug("failover IP device %s: %s", dev, strerror(errno));
			g->dev[i].ifindex = 0;
		}
	}
}

static const char *text_of(const struct cfg_vip *v, char *buf, size_t len)
{
	char t[CFG_VIP_TEXT_MAX];

	snprintf(buf, len, "%s dev %s", cfg_vip_text(v, t, sizeof(t)), v->dev);
	return buf;
}

void vg_probe_start(struct vip_group *g)
{
	struct in_addr v4[CFG_MAX_VIPS];
	size_t n4 = vg_v4(g, v4);
	char t[CFG_VIP_TEXT_MAX + 24];

	resolve(g);
	/* re-arming the filters drops what was queued before (an old holder's
	 * earlier answers): only answers to this probe count */
	if (n4)
		arp_watch(g->arp, v4, n4);
	if (g->nd)
		nd_watch(g->nd, 1);
	for (size_t i = 0; i < g->n; i++) {
		const struct cfg_vip *v = &g->vips[i];
		int r;

		if (!g->dev[i].ifindex)
			continue; /* the claim will fail on it and say so */
		if (v->family == AF_INET6)
			r = g->nd ? nd_send_dad(g->nd, g->dev[i].ifindex, &v->addr6) : -1;
		else
			r = arp_send_probe_on(g->arp, g->dev[i].ifindex, g->dev[i].mac, v->addr);
		if (r < 0)
			log_warn("duplicate check for %s not sent: %s", text_of(v, t, sizeof(t)),
				 strerror(errno));
	}
}

void vg_probe_stop(struct vip_group *g)
{
	if (g->nd)
		nd_watch(g->nd, 0);
}

int vg_claim(struct vip_group *g, size_t *failed, char *err, size_t errlen)
{
	char e2[256];

	for (size_t i = 0; i < g->n; i++) {
		if (vip_add(g->vip, &g->vips[i], err, errlen) == 0)
			continue;
		*failed = i;
		/* all or none: clients must not find half the service here */
		while (i-- > 0)
			if (vip_del(g->vip, &g->vips[i], e2, sizeof(e2)) < 0)
				log_err("rollback: %s", e2);
		return -1;
	}
	resolve(g); /* for the announcements */
	return 0;
}

void vg_release(struct vip_group *g)
{
	char err[256];

	for (size_t i = g->n; i-- > 0;) {
		if (vip_del(g->vip, &g->vips[i], err, sizeof(err)) == 0)
			continue;
		/* a device that is gone holds no address */
		if (errno == ENODEV)
			log_debug("%s", err);
		else
			log_err("%s", err);
	}
}

void vg_announce(struct vip_group *g)
{
	char t[CFG_VIP_TEXT_MAX + 24];

	for (size_t i = 0; i < g->n; i++) {
		const struct cfg_vip *v = &g->vips[i];
		int r = -1;

		if (!g->dev[i].ifindex)
			errno = ENODEV;
		else if (v->family == AF_INET6)
			r = g->nd ? nd_send_na(g->nd, g->dev[i].ifindex, g->dev[i].mac, &v->addr6) : -1;
		else
			r = arp_send_garp_on(g->arp, g->dev[i].ifindex, g->dev[i].mac, v->addr);
		if (r < 0)
			log_warn("%s for %s failed: %s",
				 v->family == AF_INET6 ? "neighbor advertisement" : "gratuitous ARP",
				 text_of(v, t, sizeof(t)), strerror(errno));
	}
}

static void fmt_mac(char *buf, size_t len, const uint8_t m[6])
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

int vg_on_arp(struct vip_group *g, char *text, size_t len)
{
	struct arp_seen seen;
	int found = 0;

	while (arp_read(g->arp, &seen) > 0) {
		for (size_t i = 0; i < g->n && !found; i++) {
			char ip[INET_ADDRSTRLEN], mac[18];

			if (g->vips[i].family != AF_INET)
				continue;
			/* a host that merely probes too (ARP_PROBING) does not own it */
			if (arp_is_conflict(&seen, g->vips[i].addr, arp_mac(g->arp)) != ARP_IN_USE)
				continue;
			inet_ntop(AF_INET, &g->vips[i].addr, ip, sizeof(ip));
			fmt_mac(mac, sizeof(mac), seen.sha);
			snprintf(text, len, "failover IP %s answered by %s", ip, mac);
			found = 1;
		}
	}
	return found;
}

int vg_on_nd(struct vip_group *g, char *text, size_t len)
{
	struct nd_seen seen;
	int found = 0, ifindex, hops;

	if (!g->nd)
		return 0;
	while (nd_read(g->nd, &seen, &ifindex, &hops) > 0) {
		for (size_t i = 0; i < g->n && !found; i++) {
			char ip[INET6_ADDRSTRLEN], mac[18] = "?";

			/* only on the address's own link: another VLAN is another LAN */
			if (g->vips[i].family != AF_INET6 || ifindex != g->dev[i].ifindex)
				continue;
			if (nd_is_conflict(&seen, hops, &g->vips[i].addr6, g->dev[i].mac) != ND_IN_USE)
				continue;
			inet_ntop(AF_INET6, &g->vips[i].addr6, ip, sizeof(ip));
			if (seen.has_lla)
				fmt_mac(mac, sizeof(mac), seen.lla);
			snprintf(text, len, "failover IP %s answered by %s", ip, mac);
			found = 1;
		}
	}
	return found;
}
