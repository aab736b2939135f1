/* The pure half of the witness prober (witness.h): which probe is due, which
 * reply counts, whether a witness is reached and when that changes next. No
 * I/O and no clock: times come in as arguments, so unit tests drive it.
 *
 * A witness is reached while its last valid reply is younger than the
 * timeout (age < timeout); the set is reached while any witness is. */
#ifndef TWIN_WITNESS_TRACK_H
#define TWIN_WITNESS_TRACK_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "arp.h"
#include "config.h"

#define WT_RING 16 /* ICMP probes per address whose reply still counts */

/* One address as twinctl status shows it. */
struct witness_status {
	struct in_addr addr;
	uint64_t sent;	  /* probes sent */
	uint64_t replies; /* valid replies */
	int64_t age_ms;	  /* since the last valid reply; -1 = never */
	int64_t rtt_us;	  /* last round trip; -1 = none yet */
	int reached;
};

/* Replies and frames that did not count, by reason. */
struct witness_counters {
	uint64_t foreign;     /* sender is not a witness */
	uint64_t mismatch;    /* ICMP: not an echo reply, wrong id, seq, cookie; late or duplicate */
	uint64_t own;	      /* our own frame (sender MAC is ours) */
	uint64_t malformed;   /* not a well-formed ARP frame / ICMP echo */
	uint64_t send_errors; /* probes the kernel refused */
	uint64_t reopens;     /* socket reopened (interface gone and back) */
};

enum wt_verdict {
	WT_VALID = 0,
	WT_FOREIGN,
	WT_MISMATCH,
	WT_OWN,
	WT_MALFORMED,
};

struct wt_probe {
	uint64_t sent_us;
	uint16_t seq;
	uint8_t used, answered;
};

struct wt_addr {
	struct in_addr addr;
	uint64_t sent, replies;
	uint64_t next_ms;	/* next probe due */
	uint64_t last_reply_ms; /* valid when replied */
	int replied;
	uint64_t last_sent_us; /* ARP: a reply's round trip is taken from the last probe */
	int64_t rtt_us;	       /* -1 = none */
	uint8_t mac[6];	       /* ARP: sender MAC of the last valid frame */
	int has_mac;
	struct wt_probe ring[WT_RING]; /* ICMP: the last probes, oldest overwritten */
	unsigned ring_next;
};

/* ICMP echo as parsed from the wire (addresses, ids in host order). */
struct wt_echo {
	struct in_addr src; /* network order */
	uint8_t type, code;
	uint16_t id, seq;
	uint32_t cookie; /* valid when has_cookie: our payload came back */
	int has_cookie;
};

struct witness_track {
	struct wt_addr a[CFG_MAX_WITNESS];
	size_t n;
	int method; /* enum cfg_witness_method */
	uint32_t interval_ms, timeout_ms;
	uint16_t ident; /* ICMP identifier: only replies with it count */
	uint16_t seq;	/* next ICMP sequence number, shared by all addresses */
	uint32_t cookie;
	uint8_t our_mac[6];
	struct witness_counters c;
	int reached, changed;
};

/* The timeout in force: timeout_ms, raised to 2 x interval_ms (a shorter
 * window would drop the witness between two replies). */
uint32_t wt_effective_timeout(uint32_t timeout_ms, uint32_t interval_ms);

/* Every address due at now_ms; starts unreached. */
void wt_init(struct witness_track *t, const struct in_addr *addrs, size_t n, int method, uint32_t interval_ms,
	     uint32_t timeout_ms, uint64_t now_ms);

/* Probe scheduling: at most one probe per address per interval. */
int wt_due(const struct witness_track *t, size_t i, uint64_t now_ms);
/* Take the probe slot of address i: the next is due one interval later,
 * whether or not this one can be sent. Returns the ICMP seq to put in it. */
uint16_t wt_take(struct witness_track *t, size_t i, uint64_t now_ms);
/* The probe with seq left at now_us. */
void wt_sent(struct witness_track *t, size_t i, uint16_t seq, uint64_t now_us);
/* ARP: where to send the probe: the witness's MAC while its last reply is
 * younger than half the timeout (a unicast request, no broadcast on the LAN),
 * else NULL for broadcast (a new MAC is found well before the timeout). */
const uint8_t *wt_arp_dest(const struct witness_track *t, size_t i, uint64_t now_ms);

/* Judge one ARP frame. Counts: a request or reply whose sender IP is a
 * witness and whose sender MAC is a unicast MAC not ours. A valid reply's
 * round trip is taken from the last probe to that address. *idx: the
 * address (valid when WT_VALID). */
enum wt_verdict wt_arp_frame(struct witness_track *t, const struct arp_seen *f, uint64_t now_ms,
			     uint64_t now_us, size_t *idx);
/* Judge one ICMP message. Counts: an echo reply (code 0) from a witness with
 * our identifier and cookie, whose seq is one of the last WT_RING probes to
 * that very address, answered no more than the timeout after it was sent
 * and not answered before. */
enum wt_verdict wt_icmp_reply(struct witness_track *t, const struct wt_echo *e, uint64_t now_ms,
			      uint64_t now_us, size_t *idx);
/* Count a datagram that did not parse. */
void wt_malformed(struct witness_track *t);

int wt_addr_reached(const struct witness_track *t, size_t i, uint64_t now_ms);
int wt_reached(const struct witness_track *t, uint64_t now_ms);
/* Re-evaluate at now_ms; sets t->changed if reached flipped. Returns reached. */
int wt_update(struct witness_track *t, uint64_t now_ms);
/* When something can change next: the earliest due probe, or the moment the
 * newest reply ages past the timeout if that is later than now_ms. */
uint64_t wt_deadline(const struct witness_track *t, uint64_t now_ms);

void wt_status(const struct witness_track *t, size_t i, uint64_t now_ms, struct witness_status *out);
/* "witness 10.0.0.254 reached (rtt 0.3 ms)" (under 1 ms: "rtt 45 us"; with
 * several: ", 2 of 3 reached"), "witness: none reached for
 * 1.2 s (10.0.0.254)", "witness: none reached yet (10.0.0.254)". Returns
 * snprintf's count. */
int wt_summary(const struct witness_track *t, uint64_t now_ms, char *buf, size_t len);

/* ICMP echo codec. build: echo request with id, seq and our cookie as
 * payload, checksum set; returns WT_ECHO_LEN. parse: buf starts at the IPv4
 * header (with_ip, raw sockets: src is filled) or at the ICMP header (ping
 * sockets: the caller fills src); 0, or -1 if it is not a well-formed ICMP
 * message (bad lengths, fragment, checksum). */
#define WT_ECHO_LEN 16
size_t wt_echo_build(uint8_t buf[WT_ECHO_LEN], uint8_t type, uint16_t id, uint16_t seq, uint32_t cookie);
int wt_echo_parse(const uint8_t *buf, size_t len, int with_ip, struct wt_echo *out);
uint16_t wt_csum(const uint8_t *buf, size_t len);

#endif
