/* The beat lease: heartbeats keep their cadence while the daemon's loop is
 * stalled, and stop soon after it is really gone (the same contract the
 * kernel module will offer: docs/ARCHITECTURE.md, "Kernel module").
 *
 * The main loop signs the frames of the next `lease` ticks in advance and
 * leaves them in a ring. One SCHED_FIFO sender thread per CPU of the
 * process's affinity mask wakes at every tick and sends that tick's frame
 * on both paths; the first thread to claim
 * a tick sends it, so a vCPU stopped by the host (up to ~110 ms:
 * docs/ARCHITECTURE.md, "Host stalls") silences one thread, not the beat.
 * The threads never sign and never touch daemon state: when the loop stops
 * refilling, the ring runs dry within the lease and the beats stop, so a
 * hung daemon still loses its role. Each send also renews the lease fence
 * on the LAN. */
#ifndef TWIN_BEAT_LEASE_H
#define TWIN_BEAT_LEASE_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "hb_wire.h"

#define LEASE_SLOTS	  128 /* ring size; a lease is at most LEASE_SLOTS - 2 ticks */
#define LEASE_MAX_THREADS 4

struct fence;
struct beat_lease;

struct beat_lease_cfg {
	uint64_t interval_ns;
	uint64_t lease_ns;  /* how far ahead frames are signed (rounded to ticks) */
	uint64_t detect_ns; /* the peer's detection time: the fence follows the last send */
	int pkt_fd;	    /* AF_PACKET socket on the heartbeat link */
	int hb_ifindex;
	int udp_fd; /* UDP socket on the LAN */
	struct sockaddr_in peer;
	int sched_priority;  /* SCHED_FIFO for the senders, 0 = normal */
	struct fence *fence; /* may be NULL */
};

/* Frames of one tick, both paths. */
struct lease_frames {
	uint8_t link[HB_FRAME_LEN];
	uint8_t udp[HB_FRAME_LEN];
};

/* Starts the sender threads (one per online CPU, at most
 * LEASE_MAX_THREADS), ticks counted from t0_ns (CLOCK_MONOTONIC). Nothing is
 * sent until frames are put. Returns 0, or -1 with err. */
int lease_start(struct beat_lease **out, const struct beat_lease_cfg *cfg, uint64_t t0_ns, char *err,
		size_t errlen);
/* Stops and joins the threads (nothing is sent after it returns). */
void lease_stop(struct beat_lease *l);

/* Tick number of time now_ns (the tick whose send time is the latest <= now). */
uint64_t lease_tick(const struct beat_lease *l, uint64_t now_ns);
/* Scheduled send time of a tick. */
uint64_t lease_tick_time(const struct beat_lease *l, uint64_t tick);
/* Ticks covered by one lease. */
unsigned lease_ticks(const struct beat_lease *l);
/* Store the frames for a future tick (replacing what was there). */
void lease_put(struct beat_lease *l, uint64_t tick, const struct lease_frames *f);
/* 1 if the ring holds frames for tick. */
int lease_has(const struct beat_lease *l, uint64_t tick);
/* Send tick's frames now, ahead of time (a state change must not wait for
 * the next tick); the threads then skip it. Returns 1 if sent. */
int lease_send_now(struct beat_lease *l, uint64_t tick);
/* Drop every frame not yet sent: the beats stop within one tick. */
void lease_revoke(struct beat_lease *l);
/* The kernel beacon takes over from tick `from`: the senders send nothing
 * from it on (nor count it as dry) and stop waking up. */
void lease_pause(struct beat_lease *l, uint64_t from);
/* The senders beat again from the tick after now_ns. */
void lease_resume(struct beat_lease *l, uint64_t now_ns);
int lease_paused(const struct beat_lease *l);

struct lease_stats {
	uint64_t sent; /* ticks sent */
	uint64_t dry;  /* ticks with no frame in the ring (lease ran out) */
	uint64_t late; /* sends more than one interval after their time */
	uint64_t sent_by[LEASE_MAX_THREADS];
	unsigned threads;
};
void lease_get_stats(const struct beat_lease *l, struct lease_stats *s);
/* Ticks that found no signed frame so far (lease_stats.dry), one atomic load. */
uint64_t lease_dry(const struct beat_lease *l);

#endif
