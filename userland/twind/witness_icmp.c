/* ICMP echo socket for the witness, see witness_icmp.h. */
#include "witness_icmp.h"

#include <errno.h>
#include <linux/icmp.h> /* ICMP_FILTER; brings linux/if.h, so no net/if.h */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

struct wicmp_sock {
	int fd;
	int raw;
	uint16_t ident;
};

static int fail_open(struct wicmp_sock *s, const char *ifname, const char *what, char *err, size_t errlen)
{
	int e = errno;

	snprintf(err, errlen, "icmp socket on %s: %s: %s", ifname, what, strerror(e));
	wicmp_close(s);
	errno = e;
	return -1;
}

/* The ping socket's identifier is its local "port", chosen at bind. */
static int ping_ident(struct wicmp_sock *s)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t len = sizeof(sin);

	if (bind(s->fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    getsockname(s->fd, (struct sockaddr *)&sin, &len) < 0)
		return -1;
	s->ident = ntohs(sin.sin_port);
	return 0;
}

int wicmp_open(struct wicmp_sock **out, const char *ifname, char *err, size_t errlen)
{
	struct wicmp_sock *s;

	*out = NULL;
	if (!ifname[0] || strlen(ifname) >= IFNAMSIZ) {
		errno = ENODEV;
		snprintf(err, errlen, "icmp socket on %s: %s", ifname, strerror(ENODEV));
		return -1;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "icmp socket on %s: %s", ifname, strerror(ENOMEM));
		return -1;
	}
	s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (s->fd < 0) {
		/* EACCES: our group is outside ping_group_range (root included) */
		s->raw = 1;
		s->fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
		if (s->fd < 0)
			return fail_open(s, ifname, "socket", err, errlen);
	}
	/* before bind and the filter: only this interface's traffic from now on */
	if (setsockopt(s->fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname)) < 0)
		return fail_open(s, ifname, "SO_BINDTODEVICE", err, errlen);
	if (s->raw) {
		struct icmp_filter f = {.data = ~(1u << ICMP_ECHOREPLY)};

		if (setsockopt(s->fd, SOL_RAW, ICMP_FILTER, &f, sizeof(f)) < 0)
			return fail_open(s, ifname, "ICMP_FILTER", err, errlen);
		if (getrandom(&s->ident, sizeof(s->ident), GRND_NONBLOCK) != sizeof(s->ident))
			s->ident = (uint16_t)getpid();
	} else if (ping_ident(s) < 0) {
		return fail_open(s, ifname, "bind", err, errlen);
	}
	*out = s;
	return 0;
}

void wicmp_close(struct wicmp_sock *s)
{
	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	free(s);
}

int wicmp_fd(const struct wicmp_sock *s)
{
	return s->fd;
}

uint16_t wicmp_ident(const struct wicmp_sock *s)
{
	return s->ident;
}

int wicmp_is_raw(const struct wicmp_sock *s)
{
	return s->raw;
}

int wicmp_send(struct wicmp_sock *s, struct in_addr dst, uint16_t seq, uint32_t cookie)
{
	uint8_t buf[WT_ECHO_LEN];
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr = dst};

	/* a ping socket rewrites id and checksum; a raw one sends them as built */
	wt_echo_build(buf, ICMP_ECHO, s->ident, seq, cookie);
	if (sendto(s->fd, buf, sizeof(buf), 0, (struct sockaddr *)&to, sizeof(to)) != (ssize_t)sizeof(buf))
		return -1;
	return 0;
}

int wicmp_read(struct wicmp_sock *s, struct wt_echo *out)
{
	uint8_t buf[256];
	struct sockaddr_in from;

	for (;;) {
		socklen_t flen = sizeof(from);
		ssize_t r = recvfrom(s->fd, buf, sizeof(buf), MSG_TRUNC, (struct sockaddr *)&from, &flen);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -1;
		}
		/* MSG_TRUNC: r is the real length; a longer reply is not ours */
		if ((size_t)r > sizeof(buf) || wt_echo_parse(buf, (size_t)r, s->raw, out) < 0)
			return 2;
		if (!s->raw) {
			if (flen < sizeof(from) || from.sin_family != AF_INET)
				return 2;
			out->src = from.sin_addr;
		}
		return 1;
	}
}
