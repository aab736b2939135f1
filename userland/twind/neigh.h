/* The peer's link-layer address on the LAN, for frames the kernel beacon
 * sends as they are (no neighbour lookup on that path): read from the
 * kernel's neighbour table with libmnl, and kept fresh by marking the entry
 * used so the kernel goes on resolving it. docs/BEACON.md. */
#ifndef TWIN_NEIGH_H
#define TWIN_NEIGH_H

#include <netinet/in.h>
#include <stdint.h>

/* 1 with mac set if the entry is resolved, 0 if not (yet), -errno. */
int neigh_get(int ifindex, struct in_addr ip, uint8_t mac[6]);
/* Ask the kernel to resolve (or confirm) the entry as if it were used. */
int neigh_use(int ifindex, struct in_addr ip);
/* Our own hardware address of ifname. 0 or -errno. */
int neigh_own_mac(const char *ifname, uint8_t mac[6]);
/* The source address the kernel uses towards dst out of ifname. 0 or -errno. */
int neigh_source(const char *ifname, struct in_addr dst, struct in_addr *src);

#endif
