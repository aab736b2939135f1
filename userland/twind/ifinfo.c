/* Interface index and MAC by name, see ifinfo.h. */
#include "ifinfo.h"

#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

int ifinfo_get(const char *name, int *ifindex, uint8_t mac[6])
{
	struct ifreq ifr;
	int fd, e = 0;

	if (!name[0] || strlen(name) >= IFNAMSIZ) {
		errno = ENODEV;
		return -1;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0)
		e = errno;
	else
		*ifindex = ifr.ifr_ifindex;
	if (!e && ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		e = errno;
	else if (!e && ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER)
		e = EAFNOSUPPORT;
	if (!e)
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
	errno = e;
	return e ? -1 : 0;
}
