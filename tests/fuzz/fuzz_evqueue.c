/* libFuzzer harness for the event queue's parsers (evqueue.c). The first
 * byte picks what the input is:
 *   a digit  the receiver's file events.rx ("NODE GEN LAST" lines), opened
 *            by evq_rx_open from a scratch directory;
 *   'J'      the rest is the sender's journal events.journal; a line that
 *            starts with "-------- " gets its CRC-32 filled in, so the
 *            fuzzer also reaches what lies behind the checksum;
 *   else     an events-push body, parsed as the receiver does (cluster.c
 *            events_receive: "ok\n" + the decoded body), for
 *            evq_decode_batch and evq_decode_ack.
 * Invariants checked:
 *   - a decoded batch has at most EVQ_BATCH_MAX events, ids strictly
 *     increasing from 1, valid kinds and texts, and re-encodes and decodes
 *     to the same batch; an ack likewise;
 *   - the duplicate filter (evq_rx_accept) takes a batch once, all of it,
 *     then none of it again, and all of it again under a new generation;
 *     on raw (node, gen, id) triples it agrees with a trivially right model;
 *   - a journal that opens gives at most max pending events, ids strictly
 *     increasing and at most the last id; a push gets a newer id; what
 *     open then wrote replays to the same queue. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "evqueue.h"

#define FUZZ_MAX 4 /* events kept by the journal: small, so the bound is hit */

static void must(int cond)
{
	if (!cond)
		abort();
}

static char dir[256];

static void empty_dir(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
}

static void remove_scratch(void)
{
	empty_dir();
	rmdir(dir);
}

static void scratch_init(void)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm"
			   : getenv("TMPDIR")		 ? getenv("TMPDIR")
							 : "/tmp";

	snprintf(dir, sizeof(dir), "%s/twin-fuzz-evqueue.XXXXXX", base);
	must(mkdtemp(dir) != NULL);
	atexit(remove_scratch);
}

static void put_file(const char *name, const void *data, size_t size)
{
	char path[400];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	must(fd >= 0 && write(fd, data, size) == (ssize_t)size && close(fd) == 0);
}

/* --- receiver: batch, ack, duplicate filter --- */

static void dup_filter(const struct evq_batch *b)
{
	struct evq_rx *rx;
	char err[256];

	must(evq_rx_open(&rx, dir, err, sizeof(err)) == 0);
	for (size_t i = 0; i < b->n; i++)
		must(evq_rx_accept(rx, 2, b->gen, b->ev[i].id) == 1);
	must(evq_rx_last(rx, 2, b->gen) == (b->n ? b->ev[b->n - 1].id : 0));
	for (size_t i = 0; i < b->n; i++) /* a resend after a lost ack */
		must(evq_rx_accept(rx, 2, b->gen, b->ev[i].id) == 0);
	for (size_t i = 0; i < b->n; i++) /* the peer's journal was recreated */
		must(evq_rx_accept(rx, 2, b->gen + 1, b->ev[i].id) == 1);
	must(evq_rx_last(rx, 2, b->gen) == 0);
	evq_rx_close(rx);
}

/* The input's bytes as (node, gen, id) triples against a model. */
static void dup_model(const uint8_t *data, size_t size)
{
	struct {
		uint64_t gen, last;
	} m[4] = {{0, 0}};
	struct evq_rx *rx;
	char err[256];

	must(evq_rx_open(&rx, dir, err, sizeof(err)) == 0);
	for (size_t i = 0; i + 4 <= size && i < 256; i += 4) {
		uint8_t node = data[i] & 3;
		uint64_t gen = data[i + 1] & 1, id = (uint64_t)data[i + 2] | (uint64_t)(data[i + 3] & 3) << 8;
		if (m[node].gen != gen)
			m[node].gen = gen, m[node].last = 0;
		int want = id > m[node].last;
		if (want)
			m[node].last = id;
		must(evq_rx_accept(rx, node, gen, id) == want);
		must(evq_rx_last(rx, node, gen) == m[node].last);
	}
	evq_rx_close(rx);
}

static void fuzz_body(const uint8_t *data, size_t size)
{
	static struct evq_batch b, b2;
	const struct evq_event *ev[EVQ_BATCH_MAX];
	struct ctl_reply rep, rep2;
	struct ctl_resp r;
	char err[256];
	uint64_t gen, upto, gen2, upto2;
	size_t len;

	char *text = malloc(size + 3);
	if (!text)
		abort();
	memcpy(text, "ok\n", 3);
	memcpy(text + 3, data, size);
	if (ctl_reply_parse(&rep, text, size + 3, err, sizeof(err)) != 0)
		goto out;
	if (evq_decode_batch(&rep, &b, err, sizeof(err)) == 0) {
		must(b.n <= EVQ_BATCH_MAX);
		for (size_t i = 0; i < b.n; i++) {
			must(b.ev[i].id >= 1 && (i == 0 || b.ev[i].id > b.ev[i - 1].id));
			must(evq_kind_valid(b.ev[i].kind) && strlen(b.ev[i].text) <= EVQ_TEXT_MAX);
			ev[i] = &b.ev[i];
		}
		ctl_resp_init(&r);
		must(evq_encode_batch(&r, b.gen, b.dropped, ev, b.n) == 0);
		const char *t = ctl_resp_data(&r, &len);
		must(!r.oom && ctl_reply_parse(&rep2, t, len, err, sizeof(err)) == 0);
		must(evq_decode_batch(&rep2, &b2, err, sizeof(err)) == 0);
		must(b2.gen == b.gen && b2.dropped == b.dropped && b2.n == b.n);
		for (size_t i = 0; i < b.n; i++)
			must(b2.ev[i].id == b.ev[i].id && b2.ev[i].time_ms == b.ev[i].time_ms &&
			     !strcmp(b2.ev[i].kind, b.ev[i].kind) && !strcmp(b2.ev[i].text, b.ev[i].text));
		ctl_reply_free(&rep2);
		ctl_resp_free(&r);
		dup_filter(&b);
	} else {
		must(!strncmp(err, "events: ", 8));
	}
	if (evq_decode_ack(&rep, &gen, &upto, err, sizeof(err)) == 0) {
		ctl_resp_init(&r);
		must(evq_encode_ack(&r, gen, upto) == 0);
		const char *t = ctl_resp_data(&r, &len);
		must(!r.oom && ctl_reply_parse(&rep2, t, len, err, sizeof(err)) == 0);
		must(evq_decode_ack(&rep2, &gen2, &upto2, err, sizeof(err)) == 0 && gen2 == gen &&
		     upto2 == upto);
		ctl_reply_free(&rep2);
		ctl_resp_free(&r);
	}
out:
	ctl_reply_free(&rep);
	free(text);
	dup_model(data, size);
}

/* --- events.rx --- */

static void fuzz_rx_file(const uint8_t *data, size_t size)
{
	struct evq_rx *rx;
	char err[256];

	put_file("events.rx", data, size);
	memset(err, 'x', sizeof(err));
	if (evq_rx_open(&rx, dir, err, sizeof(err)) == 0)
		evq_rx_close(rx);
	else
		must(memchr(err, '\0', sizeof(err)) && !strncmp(err, "events receiver ", 16));
	empty_dir();
}

/* --- events.journal --- */

/* the journal's CRC-32 (IEEE), zlib's as in evqueue.c */
static uint32_t crc32_ieee(const void *data, size_t len)
{
	return (uint32_t)crc32(0L, data, (uInt)len);
}

struct snap {
	uint64_t gen, dropped, last;
	size_t n;
	struct {
		uint64_t id;
		int64_t time_ms;
		char kind[EVQ_KIND_MAX + 1];
		char text[EVQ_TEXT_MAX + 1];
	} ev[FUZZ_MAX];
};

static void snap(const struct evq *q, struct snap *s)
{
	const struct evq_event *ev[FUZZ_MAX + 1];

	s->gen = evq_gen(q);
	s->dropped = evq_dropped(q);
	s->last = evq_last_id(q);
	must(evq_count(q) <= FUZZ_MAX);
	s->n = evq_pending(q, 0, ev, FUZZ_MAX + 1);
	must(s->n == evq_count(q));
	for (size_t i = 0; i < s->n; i++) {
		must(ev[i]->id >= 1 && ev[i]->id <= s->last && (i == 0 || ev[i]->id > ev[i - 1]->id));
		must(evq_kind_valid(ev[i]->kind) && strlen(ev[i]->text) <= EVQ_TEXT_MAX);
		s->ev[i].id = ev[i]->id;
		s->ev[i].time_ms = ev[i]->time_ms;
		memcpy(s->ev[i].kind, ev[i]->kind, sizeof(s->ev[i].kind));
		snprintf(s->ev[i].text, sizeof(s->ev[i].text), "%s", ev[i]->text);
	}
}

static int snap_eq(const struct snap *a, const struct snap *b)
{
	if (a->gen != b->gen || a->dropped != b->dropped || a->n != b->n || b->last < a->last)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (a->ev[i].id != b->ev[i].id || a->ev[i].time_ms != b->ev[i].time_ms ||
		    strcmp(a->ev[i].kind, b->ev[i].kind) || strcmp(a->ev[i].text, b->ev[i].text))
			return 0;
	return 1;
}

static void fuzz_journal(const uint8_t *data, size_t size)
{
	static struct snap before, after;
	struct evq *q;
	char err[256];
	char *j = malloc(size ? size : 1);

	if (!j)
		abort();
	memcpy(j, data, size);
	for (size_t i = 0; i < size;) {
		char *nl = memchr(j + i, '\n', size - i);
		size_t n = nl ? (size_t)(nl - (j + i)) : size - i;
		if (n >= 9 && !memcmp(j + i, "-------- ", 9)) {
			char hex[9];
			snprintf(hex, sizeof(hex), "%08x", crc32_ieee(j + i + 9, n - 9));
			memcpy(j + i, hex, 8);
		}
		i += n + 1;
	}
	put_file("events.journal", j, size);
	free(j);
	if (evq_open(&q, dir, FUZZ_MAX, err, sizeof(err)) != 0) {
		must(!strncmp(err, "events journal", 14));
		empty_dir();
		return;
	}
	snap(q, &before);
	if (before.last < (UINT64_MAX >> 1)) { /* ids are never near 2^64 */
		uint64_t id = evq_push_at(q, 1700000000000, "fuzz", "pushed", err, sizeof(err));
		must(id > before.last && (before.n == 0 || id > before.ev[before.n - 1].id));
		must(id == evq_last_id(q));
	}
	snap(q, &before);
	evq_close(q);
	must(evq_open(&q, dir, FUZZ_MAX, err, sizeof(err)) == 0);
	snap(q, &after);
	must(snap_eq(&before, &after));
	evq_close(q);
	empty_dir();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!dir[0])
		scratch_init();
	if (size && data[0] >= '0' && data[0] <= '9')
		fuzz_rx_file(data, size);
	else if (size && data[0] == 'J')
		fuzz_journal(data + 1, size - 1);
	else
		fuzz_body(data, size);
	return 0;
}
