/* ICMP echo socket of the witness prober, bound to one interface.
 *
 * A ping socket (SOCK_DGRAM, IPPROTO_ICMP) when net.ipv4.ping_group_range
 * lets us: the kernel picks the identifier and hands us only the replies
 * carrying it. Else a raw socket, with a random identifier and ICMP_FILTER
 * so that only echo replies wake us (the id is checked in witness_track).
 * Non-blocking; the codec is wt_echo_build/wt_echo_parse.
 *
 * Senders return 0, or -1 with errno set. */
#ifndef TWIN_WITNESS_ICMP_H
#define TWIN_WITNESS_ICMP_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "witness_track.h"

struct wicmp_sock;

int wicmp_open(struct wicmp_sock **out, const char *ifname, char *err, size_t errlen);
void wicmp_close(struct wicmp_sock *s);
int wicmp_fd(const struct wicmp_sock *s);
uint16_t wicmp_ident(const struct wicmp_sock *s); /* host order */
int wicmp_is_raw(const struct wicmp_sock *s);

/* Echo request with seq and cookie to dst. */
int wicmp_send(struct wicmp_sock *s, struct in_addr dst, uint16_t seq, uint32_t cookie);
/* Non-blocking read of one datagram: 1 parsed into out, 2 one that is not
 * a well-formed ICMP message, 0 none (EAGAIN), -1 error (errno; a pending
 * socket error such as EHOSTUNREACH is consumed by it). */
int wicmp_read(struct wicmp_sock *s, struct wt_echo *out);

#endif
