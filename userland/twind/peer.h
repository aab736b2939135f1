/* What we know about the peer, per heartbeat path: pure logic, no I/O, no
 * clock reads (times come in as arguments, CLOCK_MONOTONIC ns unless named
 * otherwise).
 *
 * The peer is alive while any path has had a valid beat within the
 * detection time (interval x misses). Receive times are the kernel's (XDP
 * bpf_ktime_get_ns, SO_TIMESTAMPNS), so a daemon that was busy or stalled
 * reads the frames that arrived meanwhile with their true times and does
 * not mistake its own delay for the peer's silence. */
#ifndef TWIN_PEER_H
#define TWIN_PEER_H

#include <stdint.h>

#include "hb_wire.h"

enum path_id { PATH_LINK = 0, PATH_UDP = 1, PATH_COUNT };

#define PEER_TX_RING 256 /* our recent send times, for RTT from echoes */
/* gaps between the peer's beats on a path, by receive time (the kernel's):
 * one bucket per millisecond, the last one for everything longer */
#define PEER_GAP_BUCKETS 512

struct peer_path {
	uint64_t last_rx_ns; /* receive time of the last valid beat, 0 = never */
	uint64_t last_seq;   /* its seq (echoed back to the peer) */
	uint64_t beats;	     /* valid beats */
	uint64_t lost;	     /* seq gaps seen on this path */
	uint64_t bad_mac, replay, malformed, foreign;
	uint64_t down_count; /* times the path went down */
	int64_t rtt_ns;	     /* smoothed, -1 unknown */
	uint32_t gaps[PEER_GAP_BUCKETS];
	uint64_t gap_max_ns; /* longest gap while the path was up */
	int up;
	struct hb_replay win;
};

/* events returned by peer_on_beat / peer_check, a bit set */
#define PEER_EV_UP	  0x01 /* peer alive again (first beat after silence) */
#define PEER_EV_DEAD	  0x02 /* every path silent for the detection time */
#define PEER_EV_PATH_DOWN 0x04 /* one path went down */
#define PEER_EV_PATH_UP	  0x08 /* one path came back */
#define PEER_EV_STALE	  0x10 /* valid, but older than what the other path brought: liveness only */

struct peer {
	uint64_t detect_ns;
	struct peer_path path[PATH_COUNT];
	int alive;
	int ever_seen;
	struct hb_frame last; /* last valid frame, any path */
	int64_t skew_ns;      /* peer realtime - ours, RTT-corrected; valid if skew_known */
	int skew_known;
	uint64_t last_active_real_s; /* unix time the peer last said Active, 0 never */
	uint64_t tx_seq[PEER_TX_RING];
	uint64_t tx_ns[PEER_TX_RING];
};

void peer_init(struct peer *p, uint64_t detect_ns);

/* A frame that decoded and passed the MAC check arrived on path at rx_ns.
 * Checks the replay window, updates path and peer. real_ns = our realtime at
 * rx (for skew). Returns PEER_EV_* or -1 if the frame is a replay. */
int peer_on_beat(struct peer *p, enum path_id path, const struct hb_frame *f, uint64_t rx_ns,
		 uint64_t real_ns);

/* A frame that failed to decode (hb_err) on path: counted. */
void peer_on_bad(struct peer *p, enum path_id path, enum hb_err e);

/* We sent seq at now_ns (for RTT). */
void peer_note_tx(struct peer *p, uint64_t seq, uint64_t now_ns);

/* Echo fields to put in our next beat on path. */
void peer_echo(const struct peer *p, enum path_id path, uint64_t now_ns, uint64_t *echo_seq,
	       uint32_t *delay_us);

/* Evaluate silence at now_ns. Returns PEER_EV_* (DEAD when the last path
 * goes silent). Call after draining every receive queue. */
int peer_check(struct peer *p, uint64_t now_ns);

/* When the peer will be dead if nothing more arrives (monotonic ns), 0 if
 * it is not alive now. */
uint64_t peer_deadline(const struct peer *p);
/* The gap histogram as "MS:COUNT,..." (non-empty buckets; the last bucket
 * is PEER_GAP_BUCKETS-1 and longer). */
void peer_gaps_format(const struct peer_path *pp, char *out, size_t n);

/* The heartbeat link is down while the LAN path still beats. */
int peer_link_alarm(const struct peer *p);

/* ms since the last beat on path at now_ns, -1 if never. */
int64_t peer_path_age_ms(const struct peer *p, enum path_id path, uint64_t now_ns);

#endif
