/* An interface's index and Ethernet address by name, asked of the kernel
 * each time (two ioctls, a few µs): a failover address's device may be a
 * VLAN sub-interface that was re-created since the last claim. */
#ifndef TWIN_IFINFO_H
#define TWIN_IFINFO_H

#include <stdint.h>

/* 0, or -1 with errno set (ENODEV: no such device, EAFNOSUPPORT: not
 * Ethernet). */
int ifinfo_get(const char *name, int *ifindex, uint8_t mac[6]);

#endif
