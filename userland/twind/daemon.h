/* twind's state, shared by the files that make up the daemon:
 *   main.c     options, set-up, the epoll loop
 *   beat.c     heartbeat send (both paths) and receive (XDP ring, UDP)
 *   actions.c  feeds the state machine and carries out its actions
 *   status.c   control-socket requests
 * Everything here runs on one thread; nothing in the loop may block. */
#ifndef TWIN_DAEMON_H
#define TWIN_DAEMON_H

#include <stdint.h>

#include "alarm_list.h"
#include "config.h"
#include "drbd.h"
#include "drbd9.h"
#include "clock.h"
#include "fsm.h"
#include "hb_wire.h"
#include "loop_stats.h"
#include "peer.h"
#include "takeover_reason.h"
#include "version.h"
#include "vip_group.h"

struct hbx;
struct beat_lease;
struct beacon;
struct fence;
struct vip_ctx;
struct arp_sock;
struct health;
struct ctl_server;
struct notify;
struct cluster;
struct jobs;
struct ctl_resp;
struct sbc;
struct fpc;
struct witness;
struct diag_ctl;
struct elog;

struct twind {
	struct twin_config cfg;
	const char *config_path;
	struct hb_key key;
	struct fsm fsm;
	struct peer peer;
	uint64_t detect_ns;

	int lock_fd; /* flock on state_dir/twind.lock */
	int epfd, sigfd;
	int beat_tfd;	/* heartbeat cadence, absolute CLOCK_MONOTONIC */
	int action_tfd; /* ARP probe deadline and GARP spacing */
	int dead_tfd;	/* the moment the peer's silence reaches the detection time */

	/* heartbeat I/O */
	struct hbx *xdp;
	int pkt_fd; /* AF_PACKET on the heartbeat link, send only */
	int hb_ifindex;
	uint8_t hb_mac[6];
	int udp_fd;		  /* UDP beats on the LAN, both ways */
	struct beat_lease *lease; /* sender threads and the frames signed ahead */
	struct beacon *beacon;	  /* which sends: the kernel beacon or the lease (beacon.c) */
	struct hb_signer signer;
	uint64_t seq_base; /* seq of tick 0 */
	uint64_t seq_reserved;
	uint64_t beat_overruns;	     /* ticks we were too late for: our own stalls */
	uint64_t lease_dry_seen;     /* lease ticks without a frame, as last checked (act_check_lapse) */
	int rx_ev, rx_fresh, rx_any; /* beats read, not yet reported (beat.c) */
	struct loop_stats loop;	     /* how long the loop's turns take (main.c run) */

	/* failover IP */
	struct fence *fence;
	struct vip_ctx *vip;
	struct arp_sock *arp;
	struct nd_sock *nd;  /* IPv6 ND, only with an IPv6 failover address */
	struct vip_group vg; /* the failover addresses as one group (vip_group.c) */
	int holds_vip;
	int probing;
	uint64_t probe_deadline_ns;
	unsigned garp_left;
	uint64_t garp_next_ns;
	uint64_t garp_refresh_next_ns;
	uint64_t claims, releases;
	/* takeovers finished (Activating -> Active) by what began them */
	uint64_t takeovers[TR_COUNT];
	enum takeover_reason takeover_why; /* of the takeover in progress */

	struct cluster *cluster;       /* identity, peer channel, pairing */
	struct drbd_ctl drbd;	       /* drbdadm in flight (replica.c) */
	uint64_t drbd_tag;	       /* its epoll tag */
	int drbd_promoting;	       /* a claim waits for the promote */
	uint64_t drbd_wait_peer_until; /* a claim waits for the peer to demote, until then */
	struct drbd_status drbd_st;    /* last read, refreshed at ticks */
	int drbd_st_ok;
	struct drbd9_watch drbd9; /* DRBD 9: drbdsetup events2 (replica.c) */
	uint64_t drbd9_tag;
	uint64_t drbd9_retry_ms; /* when to (re)start it */
	int reexec;		 /* membership changed: exec ourselves after shutdown */
	int paired;		 /* ... and this node is now paired (else dissolved) */
	int keep_vip;		 /* dissolved while Active: keep the failover IP across the restart */
	struct health *health;
	struct notify *notify; /* notify scripts on state changes */
	struct jobs *jobs;     /* active-only jobs */
	struct ctl_server *ctl;
	struct fpc *fpc;	  /* DRBD fencing: fence-peer answers (fence_peer_ctl.c) */
	struct sbc *sbc;	  /* split brain: tracking, repair (split_brain_ctl.c) */
	struct witness *witness;  /* the tie-breaker on the LAN, NULL without one */
	struct diag_ctl *diag;	  /* twinctl diag's ask of the peer (diag_ctl.c), made on first use */
	struct elog *elog;	  /* the event history, twinctl log (event_log.c) */
	uint64_t witness_back_ms; /* when it was last reached again (ms, monotonic) */

	uint64_t takeover_until_ns; /* asking the peer to hand over, until then */

	struct alarm_list alarms; /* active ones; raise, clear and ack are journaled */
	unsigned alarm_key;	  /* alarms_follow's last inputs + 1, 0 = none yet */
	/* who sent the control request being handled: "ssh/uid N",
	 * "console (uid N)" (status.c), for the journal */
	char req_from[48];
	uint64_t state_since_real_s;
	int stop;
};

/* time */

/* beat.c */
int beat_open(struct twind *d, char *err, size_t errlen);
void beat_close(struct twind *d);
void beat_refill(struct twind *d);    /* each tick: sign the next beats of the lease */
void beat_now(struct twind *d);	      /* state changed: re-sign the lease, send one beat now */
void beat_farewell(struct twind *d);  /* shutdown: stop the lease, send our last (Inactive) beats */
void beat_on_beacon(struct twind *d); /* the kernel module came or went */
/* XDP ring / UDP socket readable: the peer events of the valid beats read
 * (PEER_EV_*, BEAT_RX_ANY if there was one), for the loop to hand to
 * act_peer_beat; 0 if none */
#define BEAT_RX_ANY 0x100
int beat_on_ring(struct twind *d);
int beat_on_udp(struct twind *d);

/* actions.c */
void act_event(struct twind *d, enum fsm_event_type type); /* build the event, step, act */
void act_peer_beat(struct twind *d, int peer_ev);	   /* after a valid beat */
void act_check_peer(struct twind *d);			   /* silence check, each tick */
void act_on_timer(struct twind *d);			   /* action_tfd expired */
void act_on_arp(struct twind *d);
void act_on_nd(struct twind *d); /* ND socket readable: an answer to the duplicate check */
void act_promoted(struct twind *d, int ok, const char *msg);
/* DRBD promote finished */				/* ARP socket readable */
void act_release_all(struct twind *d, const char *why); /* shutdown / start-up clean-up */
/* twinctl takeover: coordinated handover (the active releases first), or
 * with force a takeover without the peer. Returns 0, or -1 with why. */
int act_takeover(struct twind *d, int force, char *why, size_t len);
int act_witness_reached(struct twind *d); /* the witness vouches for our LAN */
void act_check_lapse(struct twind *d);	  /* each loop turn: did the beat lease run dry while serving? */
void alarm_set(struct twind *d, const char *text);
void alarm_clear(struct twind *d, const char *prefix);
/* "alarm ack N|all" from who: 0 with a message, or -1 with why not */
int alarm_ack(struct twind *d, const char *which, const char *who, char *msg, size_t len);
/* each tick: clear the claim alarms a node that serves has outlived (it
 * holds the IP, DRBD is Primary), whatever race left them */
void alarms_check_held(struct twind *d);

/* status.c */
void status_handler(void *ctx, int argc, char **argv, struct ctl_resp *resp);

#endif
