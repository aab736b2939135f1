/* Configuration sync (issue 4): the files in twin.conf's sync_dir are
 * cluster-wide and are pushed to the peer on change and on reconnect;
 * everything else (twin.conf itself, keys, addresses, names) is node-local
 * and never syncs. docs/SYNC_AND_EVENTS.md has the protocol and formats.
 *
 * Versions: a manifest entry per file (name, size, sha256, version, origin
 * node id), persisted atomically in <state_dir>/cfgsync.manifest. The
 * version is a Lamport counter: a local change gets max(every version seen)
 * + 1 and this node's id as origin. (version, origin) orders all copies of
 * a file: the higher version wins, a tie goes to the higher origin node id.
 * A copy is only ever replaced by a strictly newer one, so an older copy
 * never overwrites a newer one and both nodes pick the same winner.
 * Deleting a file is a change too (a "deleted" entry, a tombstone).
 *
 * Exchange (the daemon carries the messages, docs/SYNC_AND_EVENTS.md):
 *   offerer  sync-offer  + manifest            cfgsync_encode_offer
 *   peer     ok + want/newer name lists         cfgsync_answer_offer
 *   offerer  sync-files  + parts (repeat)       cfgsync_send_next
 *   peer     ok + applied/stale/refused         cfgsync_apply
 * Every file is checked again at the receiver: name rules, size limits,
 * sha256, and "strictly newer than what I have now" (a local edit not yet
 * scanned is scanned first and wins by the same rule if newer).
 *
 * Scan cost: a stat per file; a file is read and hashed only when its size
 * or mtime changed (at most CFGSYNC_TOTAL_MAX bytes in all). */
#ifndef TWIN_CFGSYNC_H
#define TWIN_CFGSYNC_H

#include <stddef.h>
#include <stdint.h>

#include "ctl_proto.h"

#define CFGSYNC_NAME_MAX  100		/* [A-Za-z0-9._+,=@-], not starting with '.' */
#define CFGSYNC_FILES_MAX 256		/* manifest entries, tombstones included */
#define CFGSYNC_FILE_MAX  (1u << 20)	/* bytes per file */
#define CFGSYNC_TOTAL_MAX (16u << 20)	/* bytes of all files */
#define CFGSYNC_PART_MAX  (512u * 1024) /* file bytes per sync-files message (base64 fits 1 MiB) */
#define CFGSYNC_MANIFEST  "cfgsync.manifest"

struct cfgsync_entry {
	char name[CFGSYNC_NAME_MAX + 1];
	uint64_t version; /* Lamport counter, >= 1 */
	uint8_t origin;	  /* node id that made this version */
	int deleted;	  /* tombstone: size 0, no content */
	uint64_t size;
	uint8_t sha256[32];
	int64_t mtime_ns; /* local cache for scans, never sent */
};

struct cfgsync_manifest {
	uint64_t clock; /* highest version seen */
	size_t n;
	struct cfgsync_entry e[CFGSYNC_FILES_MAX];
};

struct cfgsync_names {
	size_t n;
	char name[CFGSYNC_FILES_MAX][CFGSYNC_NAME_MAX + 1];
};

/* --- pure: rules, order, diff, codec --- */

/* 1 if name may sync; else 0 and why ("hidden file", "node-local file",
 * "bad character '/'", ...). Node-local names: twin.conf, cluster.key,
 * node.key, admin.passwd, cluster.state, cluster.pending and twind's state
 * files; names ending in ".tmp" (atomic_file_write's temp files). */
int cfgsync_name_ok(const char *name, char *why, size_t whylen);

/* >0 if (va, oa) is newer than (vb, ob), 0 if the same, <0 if older. */
int cfgsync_ver_cmp(uint64_t va, uint8_t oa, uint64_t vb, uint8_t ob);

/* Entry by name, or NULL. */
const struct cfgsync_entry *cfgsync_find(const struct cfgsync_manifest *m, const char *name);

/* want: offered entries (with syncable names) strictly newer than local's,
 * except tombstones of files local never had; newer: local entries strictly
 * newer than the offered ones, or missing from the offer (not tombstones). */
void cfgsync_diff(const struct cfgsync_manifest *local, const struct cfgsync_manifest *offer,
		  struct cfgsync_names *want, struct cfgsync_names *newer);

/* What two nodes compare to tell they are in sync (twinctl diag): the
 * live files (tombstones left out: a node that never had a file has none)
 * by name, each with its version, origin and sha256, hashed into 16 hex
 * digits; the highest version and how many files. */
#define CFGSYNC_DIGEST_LEN 17
void cfgsync_digest(const struct cfgsync_manifest *m, char out[CFGSYNC_DIGEST_LEN], uint64_t *version,
		    size_t *files);
/* Manifest <-> kv lines: "clock", "count", file.N.{name,version,origin,
 * deleted,size,sha256}. Decode: 0, or -1 with "sync offer: ..." in err. */
int cfgsync_encode_offer(const struct cfgsync_manifest *m, struct ctl_resp *r);
int cfgsync_decode_offer(const struct ctl_reply *rep, struct cfgsync_manifest *m, char *err, size_t errlen);

/* The answer to an offer: want.count, want.N, newer.count, newer.N. */
int cfgsync_encode_wants(const struct cfgsync_names *want, const struct cfgsync_names *newer,
			 struct ctl_resp *r);
int cfgsync_decode_wants(const struct ctl_reply *rep, struct cfgsync_names *want, struct cfgsync_names *newer,
			 char *err, size_t errlen);

/* What the receiver did with one sync-files message. */
struct cfgsync_result {
	unsigned applied; /* files written or deleted */
	unsigned partial; /* parts kept waiting for the rest of their file */
	unsigned stale;	  /* not newer than the local copy: ignored */
	unsigned refused; /* against the rules: name, size, checksum, order */
	char reason[200]; /* the first refusal, "" if none */
};

/* "applied", "partial", "stale", "refused" and "reason" lines. */
int cfgsync_encode_result(const struct cfgsync_result *res, struct ctl_resp *r);
int cfgsync_decode_result(const struct ctl_reply *rep, struct cfgsync_result *res, char *err, size_t errlen);

/* --- the node's sync state (I/O) --- */

struct cfgsync_opts {
	const char *sync_dir;  /* twin.conf sync_dir; created (0755) if missing */
	const char *state_dir; /* holds cfgsync.manifest; must differ from sync_dir */
	uint8_t node_id;       /* 1..255 */
	const char *deny[4];   /* extra node-local names (e.g. key_file's basename), NULL-ended */
};

struct cfgsync;

/* Load the manifest (or start empty). 0, or -1 with err. */
int cfgsync_open(struct cfgsync **csp, const struct cfgsync_opts *o, char *err, size_t errlen);
void cfgsync_close(struct cfgsync *cs); /* NULL is fine */

struct cfgsync_scan {
	unsigned changed; /* new versions made (edits, new files, deletions) */
	unsigned ignored; /* hidden files, *.tmp */
	unsigned
	    refused; /* present but not synced: node-local name, bad name, too large, not a regular file */
	char reason[200]; /* the first refusal, "" if none */
};

/* Look for local changes (stat; hash only when size or mtime moved) and
 * give each a new version; persist the manifest if anything changed. Call
 * on a timer (e.g. every 2 s) and before offering on reconnect. 0, or -1
 * with err (sync_dir unreadable, manifest not written). */
int cfgsync_scan(struct cfgsync *cs, struct cfgsync_scan *res, char *err, size_t errlen);

const struct cfgsync_manifest *cfgsync_manifest(const struct cfgsync *cs);

/* Answer a sync-offer: learn the offer's clock, diff, encode the wants.
 * 0, or -1 with err (a malformed offer). */
int cfgsync_answer_offer(struct cfgsync *cs, const struct ctl_reply *offer, struct ctl_resp *answer,
			 char *err, size_t errlen);

/* Sender of sync-files messages for the names a peer wants. */
struct cfgsync_send {
	struct cfgsync_names want;
	size_t idx;	  /* next name */
	uint64_t off;	  /* next byte of it */
	unsigned skipped; /* wanted names with nothing to send (unknown, or changed since the offer) */
};

void cfgsync_send_begin(struct cfgsync_send *s, const struct cfgsync_names *want);
/* Fill r (kv lines) with the next parts, at most CFGSYNC_PART_MAX file
 * bytes. 1: r holds a message to send (then call again), 0: done (r
 * untouched), -1: err. A file that changed since the offer is skipped (the
 * next scan makes a new version and the next offer carries it). */
int cfgsync_send_next(struct cfgsync *cs, struct cfgsync_send *s, struct ctl_resp *r, char *err,
		      size_t errlen);

/* Apply one sync-files message: each file (or tombstone) is written with
 * atomic_file_write (a new file gets mode 0600, an existing one keeps its
 * mode) only if strictly newer than the local copy; a file cut into parts is
 * held in memory until complete. 0 with res filled, or -1 with err (a
 * malformed message; a write error). Refusals are not errors: see res. */
int cfgsync_apply(struct cfgsync *cs, const struct ctl_reply *msg, struct cfgsync_result *res, char *err,
		  size_t errlen);

#endif
