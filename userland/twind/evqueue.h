/* Event queue for the peer (issue 4): events and statistics this node must
 * report to its peer (state changes, alarms, counters) wait on disk while the
 * peer is unreachable and are delivered in order and exactly once when it
 * returns. docs/SYNC_AND_EVENTS.md has the file and message formats.
 *
 * Sender side (struct evq): an append-only journal <dir>/events.journal, one
 * text record per line with a CRC-32, so a torn last record after a power
 * cut is detected and dropped, never misread. Acks are cumulative; acked
 * records are compacted away (atomic rewrite) once they are most of the
 * file. Bounded: past `max` events the oldest is dropped and counted.
 * Nothing here fsyncs per event (the loop must not block): an event pushed
 * just before a power cut may be lost, but an id is never reused, because
 * ids are reserved in synced blocks of EVQ_ID_BLOCK.
 *
 * Receiver side (struct evq_rx): the highest id applied per peer node and
 * queue generation, persisted in <dir>/events.rx, so a resend after a lost
 * ack is recognised as a duplicate.
 *
 * Codec: pure functions between a batch and control-protocol kv lines. */
#ifndef TWIN_EVQUEUE_H
#define TWIN_EVQUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "ctl_proto.h"

#define EVQ_MAX_DEFAULT 10000 /* twin.conf event_queue_max */
#define EVQ_KIND_MAX	15    /* [a-z0-9_]{1,15} */
#define EVQ_TEXT_MAX	1024  /* bytes, no NUL */
#define EVQ_BATCH_MAX	256   /* events per message (~300 KiB at most) */
#define EVQ_ID_BLOCK	1024  /* ids reserved per synced journal record */

/* Kinds in use; any [a-z0-9_]{1,15} is valid. */
#define EVQ_KIND_STATE	 "state"
#define EVQ_KIND_ALARM	 "alarm"
#define EVQ_KIND_COUNTER "counter"

struct evq_event {
	uint64_t id;	 /* 1.., increasing, never reused by one queue generation */
	int64_t time_ms; /* CLOCK_REALTIME of the push, ms since the epoch */
	char kind[EVQ_KIND_MAX + 1];
	const char *text;
};

struct evq_stats {
	uint64_t bad_records; /* corrupt records skipped at open (not the last one) */
	uint64_t torn_tail;   /* opens that found (and dropped) a torn last record */
	uint64_t compactions;
	uint64_t file_bytes; /* current journal size */
};

/* --- sender --- */

struct evq;

/* Open (or create) dir/events.journal; dir must exist. max: 1.. events
 * kept. A corrupt record is skipped and counted, a torn last record dropped;
 * the journal is then rewritten clean. Returns 0, or -1 with
 * "events journal PATH: reason" in err. */
int evq_open(struct evq **qp, const char *dir, uint32_t max, char *err, size_t errlen);
/* The same journal under another name in dir: a queue nobody acks is a
 * bounded history, the oldest dropped past max (event_log.c). */
int evq_open_named(struct evq **qp, const char *dir, const char *name, uint32_t max, char *err,
		   size_t errlen);
void evq_close(struct evq *q); /* NULL is fine */

/* Append one event. kind: [a-z0-9_]{1,15}; text: at most EVQ_TEXT_MAX
 * bytes. When the queue is full the oldest event is dropped first and
 * evq_dropped() grows. Returns the new id (>= 1), or 0 with err. */
uint64_t evq_push(struct evq *q, const char *kind, const char *text, char *err, size_t errlen);
/* Same with the time given (tests, replays). */
uint64_t evq_push_at(struct evq *q, int64_t time_ms, const char *kind, const char *text, char *err,
		     size_t errlen);

/* Up to max pending events with id > after_id, oldest first, into out.
 * The pointers stay valid until the next push, ack or compaction. */
size_t evq_pending(const struct evq *q, uint64_t after_id, const struct evq_event **out, size_t max);

/* The peer has everything up to and including upto (cumulative). Acks of
 * ids never handed out are clamped to the last one. May compact. Returns 0,
 * or -1 with err (the ack still holds in memory; it is resent anyway). */
int evq_ack(struct evq *q, uint64_t upto, char *err, size_t errlen);

size_t evq_count(const struct evq *q);	   /* pending events */
uint64_t evq_dropped(const struct evq *q); /* oldest events dropped because full, ever */
uint64_t evq_last_id(const struct evq *q); /* last id handed out, 0 if none */
uint64_t evq_gen(const struct evq *q);	   /* random id of this journal's lifetime */
void evq_get_stats(const struct evq *q, struct evq_stats *st);

/* fdatasync the journal (e.g. from a slow timer, or before a planned stop). */
int evq_sync(struct evq *q, char *err, size_t errlen);
/* Rewrite the journal with only the pending events (atomic_file_write). */
int evq_compact(struct evq *q, char *err, size_t errlen);

/* --- receiver --- */

struct evq_rx;

/* Open (or start empty) dir/events.rx. 0, or -1 with err. */
int evq_rx_open(struct evq_rx **rxp, const char *dir, char *err, size_t errlen);
void evq_rx_close(struct evq_rx *rx);
/* 1: event id from node's queue generation gen is new (it is recorded as
 * applied, in memory); 0: a duplicate, ignore it. A new generation (the
 * peer's journal was recreated) starts over from id 0. */
int evq_rx_accept(struct evq_rx *rx, uint8_t node, uint64_t gen, uint64_t id);
/* Highest id applied from node's generation gen (0 if another gen): what to ack. */
uint64_t evq_rx_last(const struct evq_rx *rx, uint8_t node, uint64_t gen);
/* Persist what accept recorded (atomic write; nothing when unchanged). Call
 * after applying a batch and before sending its ack. 0, or -1 with err. */
int evq_rx_commit(struct evq_rx *rx, char *err, size_t errlen);

/* --- codec (pure) --- */

/* One decoded batch; text points into the ctl_reply it came from. */
struct evq_batch {
	uint64_t gen;
	uint64_t dropped; /* sender's evq_dropped, for display */
	size_t n;
	struct evq_event ev[EVQ_BATCH_MAX];
};

/* Add "gen", "dropped", "count" and event.N.{id,time,kind,text} lines to r.
 * At most EVQ_BATCH_MAX events. 0, or -1 (too many, out of memory). */
int evq_encode_batch(struct ctl_resp *r, uint64_t gen, uint64_t dropped, const struct evq_event *const *ev,
		     size_t n);
/* Parse and check a batch (ids strictly increasing, kinds and texts valid).
 * 0, or -1 with "events: ..." in err. */
int evq_decode_batch(const struct ctl_reply *rep, struct evq_batch *b, char *err, size_t errlen);
/* The receiver's answer: "gen" and "ack" lines. */
int evq_encode_ack(struct ctl_resp *r, uint64_t gen, uint64_t upto);
/* 0 with *gen and *upto, or -1 with err. */
int evq_decode_ack(const struct ctl_reply *rep, uint64_t *gen, uint64_t *upto, char *err, size_t errlen);

/* 1 if kind is [a-z0-9_]{1,EVQ_KIND_MAX}. */
int evq_kind_valid(const char *kind);

#endif
