/* "ADDR:PORT" of a listening TCP socket (twin.conf's metrics_listen, the
 * exporter's -l): a numeric IPv4 address, or an IPv6 one in brackets, and a
 * port. No host names: nothing may wait for DNS, and the admin says exactly
 * where it listens. Pure. */
#ifndef TWIN_LISTEN_ADDR_H
#define TWIN_LISTEN_ADDR_H

#include <stddef.h>
#include <sys/socket.h>

#define LISTEN_ADDR_MAX 64 /* "[ffff:...]:65535" and its NUL, with room */

struct listen_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/* 0 with *out, or -1 with the reason in err ("10.0.0.5:9946",
 * "[::1]:9946"; not "host:port", ":9946" or a port outside 1..65535). */
int listen_addr_parse(const char *s, struct listen_addr *out, char *err, size_t errlen);

#endif
