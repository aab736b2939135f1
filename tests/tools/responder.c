/* responder -p PORT -n NAME [-b ADDR]: the service behind the failover IP in
 * net tests and the failover benchmark. Every datagram gets a reply made of
 * its first 16 bytes (the prober's seq and send time) followed by NAME, so
 * the client sees which node answered.
 *
 * Replies leave from the address the datagram was sent to (IP_PKTINFO): a
 * failover IP is a secondary address and must not be answered from the
 * node's own one. IP_FREEBIND lets a standby bind the failover IP before it
 * holds it. Exits 0 on SIGTERM/SIGINT. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define ECHO_LEN     16
#define NAME_MAX_LEN 64

static void usage(void)
{
	fprintf(stderr, "usage: responder -p PORT -n NAME [-b ADDR]\n");
	exit(2);
}

static int open_socket(const char *addr, unsigned port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int one = 1, s;

	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		fprintf(stderr, "responder: bad address %s\n", addr);
		return -1;
	}
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    setsockopt(s, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0 ||
	    setsockopt(s, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one)) < 0 ||
	    bind(s, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		fprintf(stderr, "responder: %s:%u: %s\n", addr, port, strerror(errno));
		if (s >= 0)
			close(s);
		return -1;
	}
	return s;
}

/* Answers everything queued; returns -1 on a socket error. */
static int answer(int s, const char *name, size_t name_len)
{
	for (;;) {
		char out[ECHO_LEN + NAME_MAX_LEN], cbuf[CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct sockaddr_in from;
		/* only the first 16 bytes matter: the rest is truncated away */
		struct iovec iov = {.iov_base = out, .iov_len = ECHO_LEN};
		struct msghdr mh = {.msg_name = &from,
				    .msg_namelen = sizeof(from),
				    .msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = cbuf,
				    .msg_controllen = sizeof(cbuf)};
		struct in_pktinfo *pi = NULL;
		struct cmsghdr *cm;
		ssize_t n = recvmsg(s, &mh, 0);

		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
			if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO)
				pi = (struct in_pktinfo *)CMSG_DATA(cm);
		if (n < ECHO_LEN)
			memset(out + n, 0, (size_t)(ECHO_LEN - n));
		memcpy(out + ECHO_LEN, name, name_len);

		iov.iov_len = ECHO_LEN + name_len;
		mh.msg_namelen = sizeof(from);
		mh.msg_flags = 0;
		if (pi) {
			/* reply from the address the client used, any interface */
			pi->ipi_ifindex = 0;
			pi->ipi_spec_dst = pi->ipi_addr;
			mh.msg_controllen = CMSG_SPACE(sizeof(*pi));
		} else {
			mh.msg_control = NULL;
			mh.msg_controllen = 0;
		}
		/* a full queue or an unreachable client loses this reply only */
		sendmsg(s, &mh, MSG_DONTWAIT);
	}
}

int main(int argc, char **argv)
{
	const char *name = NULL, *addr = "0.0.0.0";
	unsigned long port = 0;
	struct pollfd pf[2];
	sigset_t sigs;
	int opt, s, sfd;

	while ((opt = getopt(argc, argv, "p:n:b:")) != -1) {
		switch (opt) {
		case 'p':
			port = strtoul(optarg, NULL, 10);
			break;
		case 'n':
			name = optarg;
			break;
		case 'b':
			addr = optarg;
			break;
		default:
			usage();
		}
	}
	if (!name || !*name || strlen(name) > NAME_MAX_LEN || port == 0 || port > 65535 || optind != argc)
		usage();

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	/* a shell starts background jobs with SIGINT ignored: we want it */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	s = open_socket(addr, (unsigned)port);
	if (s < 0 || sfd < 0)
		return 1;

	pf[0] = (struct pollfd){.fd = s, .events = POLLIN};
	pf[1] = (struct pollfd){.fd = sfd, .events = POLLIN};
	for (;;) {
		if (poll(pf, 2, -1) < 0 && errno != EINTR) {
			perror("responder: poll");
			return 1;
		}
		if (pf[1].revents)
			break;
		if (pf[0].revents && answer(s, name, strlen(name)) < 0) {
			perror("responder: recvmsg");
			return 1;
		}
	}
	close(s);
	close(sfd);
	return 0;
}
