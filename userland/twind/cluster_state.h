/* The committed cluster record, <state_dir>/cluster.state (and A's
 * in-doubt copy, cluster.pending): docs/PAIRING.md §3. Strict key=value
 * text, written atomically with mode 0600: the single commit point of a
 * node's membership (key, ids and identities change together or not at
 * all). Parse/format are pure; load/save do the file I/O. */
#ifndef TWIN_CLUSTER_STATE_H
#define TWIN_CLUSTER_STATE_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "identity.h"

#define CS_VERSION	1
#define CS_KEY_LEN	32
#define CS_VIP_MAX	24 /* "255.255.255.255/32" + NUL, rounded */
#define CS_ID_STR_MAX	16 /* "twin-8f3a1c22" + NUL */
#define CS_TEXT_MAX	1024
#define CS_STATE_FILE	"cluster.state"
#define CS_PENDING_FILE "cluster.pending"

struct cluster_state {
	uint32_t cluster_id; /* non-zero */
	uint8_t key[CS_KEY_LEN];
	uint8_t node_id, peer_id; /* 1..255, different; the initiator is 1 */
	uint8_t self_fp[ID_FP_LEN], peer_fp[ID_FP_LEN];
	char peer_address[INET6_ADDRSTRLEN]; /* IPv4/IPv6 literal: where the peer's control port is */
	char failover_ip[CS_VIP_MAX];	     /* "A.B.C.D/N" */
	uint64_t created;		     /* unix time, informative */
};

/* Text of the record, all keys in a fixed order:
 *   version=1 cluster_id=8f3a1c22 cluster_key=BASE64 node_id=1 peer_id=2
 *   self_fp=SHA256:... peer_fp=SHA256:... peer_address=... failover_ip=A/N created=N
 * (one per line). Returns the length (without NUL), or -1 if outlen is too
 * small or a field is invalid. */
int cluster_state_format(const struct cluster_state *cs, char *out, size_t outlen);
/* Strict: every line "key=value\n", each key exactly once, no other keys,
 * no blank lines or comments, version 1, every value valid. 0, or -1 with
 * "line N: reason" (or "missing KEY") in err; cs is wiped on error. */
int cluster_state_parse(const char *text, size_t len, struct cluster_state *cs, char *err, size_t errlen);

/* The fields of a pair-propose request (docs/PAIRING.md §4 step 2), one
 * "key=value" token each, every key exactly once: version=1, cluster_id
 * (8 lowercase hex digits, not 0), cluster_key (base64 of 32 bytes),
 * failover_ip (A.B.C.D/N), initiator_id and responder_id (1..255,
 * different). Fills cluster_id, key, failover_ip, peer_id (the initiator)
 * and node_id (the responder, who parses it); the rest of cs is zero. 0, or
 * -1 with a reason in why ("invalid cluster_key", "fields missing", ...);
 * cs is wiped on error. */
int cluster_proposal_parse(int argc, char *const argv[], struct cluster_state *cs, char *why, size_t wlen);

/* 0 loaded, 1 absent, -1 with "PATH: reason" (also for a file readable by
 * group or others: it holds the cluster key). */
int cluster_state_load(const char *path, struct cluster_state *cs, char *err, size_t errlen);
/* Atomic write, mode 0600. 0 or -1 with err. */
int cluster_state_save(const char *path, const struct cluster_state *cs, char *err, size_t errlen);

/* "twin-%08x": the PSK identity of the CLUSTER channel. */
void cluster_id_str(uint32_t id, char out[CS_ID_STR_MAX]);
/* 1 if s is "A.B.C.D/N" with N 1..32 and a unicast address. */
int cluster_vip_valid(const char *s);

#endif
