#include "listen_addr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "int_parse.h"

int listen_addr_parse(const char *s, struct listen_addr *out, char *err, size_t errlen)
{
	char host[LISTEN_ADDR_MAX];
	const char *colon, *h = s;
	size_t hlen;
	long long port;
	int v6 = s[0] == '[';

	memset(out, 0, sizeof(*out));
	if (strlen(s) >= LISTEN_ADDR_MAX)
		return snprintf(err, errlen, "too long (at most %d characters)", LISTEN_ADDR_MAX - 1), -1;
	if (v6) {
		const char *close = strchr(s, ']');
		if (!close || close[1] != ':')
			return snprintf(err, errlen, "expected [IPv6]:PORT"), -1;
		h = s + 1;
		hlen = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return snprintf(err, errlen, "expected ADDRESS:PORT, e.g. 10.0.0.5:9946"), -1;
		hlen = (size_t)(colon - s);
	}
	memcpy(host, h, hlen);
	host[hlen] = 0;
	if (parse_ll(colon + 1, 1, 65535, &port) < 0)
		return snprintf(err, errlen, "port must be a number 1..65535"), -1;
	if (v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&out->ss;
		if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
			return snprintf(err, errlen, "'%s' is not an IPv6 address", host), -1;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		out->len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&out->ss;
		/* inet_pton: dotted quad only, so a host name is refused here */
		if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
			return snprintf(err, errlen,
					"'%s' is not an IPv4 address (no host names; IPv6 in [])", host),
			       -1;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		out->len = sizeof(*a);
	}
	return 0;
}
