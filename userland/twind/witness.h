/* Witness (tie-breaker) prober: probes the configured witness addresses
 * over lan_interface, ARP or ICMP (witness_method), one probe per address
 * per witness_interval, and says whether any of them answered within the
 * timeout. The daemon uses it against split brain: take over from a silent
 * peer only while reaching a witness; step down when Active with neither
 * the peer nor a witness.
 *
 * Like health.c, everything (the probe socket, the timer) sits in an epoll
 * fd of its own; the daemon adds witness_fd() to its epoll and calls
 * witness_dispatch when it is readable. Nothing blocks. The timer fires for
 * the next due probe and also at the moment the newest reply ages past the
 * timeout, so "lost" is noticed on time with no packet arriving.
 *
 * The interface may go down, vanish and come back: failed sends are logged
 * (rate-limited), the witness goes unreached when its replies stop, and the
 * socket is reopened once the interface exists again (checked every second).
 * The pure logic is witness_track.h. */
#ifndef TWIN_WITNESS_H
#define TWIN_WITNESS_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "witness_track.h"

struct witness;

/* The timeout the daemon should pass: witness_timeout, or when 0 the
 * detection time (heartbeat_interval x heartbeat_misses, rounded up to ms);
 * at least 2 x witness_interval either way. */
uint64_t witness_timeout_for(const struct twin_config *cfg);

/* Opens the probe socket on cfg->lan_interface, the timer and the epoll fd
 * for cfg->witnesses (at least one). timeout_ms: see witness_timeout_for;
 * 0 means witness_timeout_for(cfg). A missing interface is not an error
 * (it is retried); anything else is: -1 with a message in err. The first
 * probes go out at the first dispatch (the fd is readable at once). */
int witness_open(struct witness **wp, const struct twin_config *cfg, uint64_t timeout_ms, char *err,
		 size_t errlen);
/* The fd to add to the daemon's epoll (EPOLLIN); stable for the lifetime. */
int witness_fd(const struct witness *w);
/* Reads replies, sends due probes, re-arms the timer. now_ms: CLOCK_MONOTONIC
 * in ms (the timer runs on that clock). Never blocks. */
void witness_dispatch(struct witness *w, uint64_t now_ms);
/* 1 while any witness's last valid reply is younger than the timeout. */
int witness_reached(const struct witness *w, uint64_t now_ms);
/* 1 once after reached flipped at a dispatch (cleared by the call). */
int witness_changed(struct witness *w);

size_t witness_count(const struct witness *w);
/* Address i < witness_count(): 0, or -1 if i is out of range. */
int witness_status(const struct witness *w, size_t i, uint64_t now_ms, struct witness_status *out);
void witness_counters(const struct witness *w, struct witness_counters *out);
/* One line for twinctl status, see wt_summary. */
int witness_summary(const struct witness *w, uint64_t now_ms, char *buf, size_t len);
uint32_t witness_timeout_ms(const struct witness *w); /* the one in force */

void witness_close(struct witness *w);

#endif
