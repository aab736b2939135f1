/* Event queue for the peer: journal, bound, acks, receiver filter, codec.
 * See evqueue.h and docs/SYNC_AND_EVENTS.md.
 *
 * Journal records, one per line: "CCCCCCCC PAYLOAD\n", C = CRC-32 (IEEE) of
 * PAYLOAD in lowercase hex. Payloads:
 *   H 1 GEN NEXT CUT DROPPED   header, first line of every rewritten file
 *   R LIMIT                    ids below LIMIT may be in use (synced)
 *   E ID TIME KIND TEXT        an event; TEXT escapes '\' and newline
 *   C CUT DROPPED              every id <= CUT is gone (acked or dropped) */
#include "evqueue.h"

#include <zlib.h>

#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define JOURNAL_NAME   "events.journal"
#define RX_NAME	       "events.rx"
#define JOURNAL_MAX    (1u << 30) /* refuse to read more at open */
#define COMPACT_MIN    (64u * 1024)
#define REC_MAX	       (64 + EVQ_KIND_MAX + 2 * EVQ_TEXT_MAX)
#define JOURNAL_FORMAT 1

struct slot {
	struct evq_event ev; /* ev.text is malloc'd */
	uint32_t reclen;     /* bytes of its E record in the journal */
};

struct evq {
	char path[PATH_MAX];
	int fd; /* O_APPEND */
	uint32_t max;
	struct slot *s; /* pending: s[head .. head+n), ids ascending */
	size_t head, n, cap;
	uint64_t gen, next_id, reserved, cut, dropped;
	uint64_t live_bytes; /* bytes of the pending events' records */
	struct evq_stats st;
};

/* --- helpers --- */

/* CRC-32 (IEEE) of the journal records: zlib's */
static uint32_t crc32_ieee(const void *data, size_t len)
{
	return (uint32_t)crc32(0L, data, (uInt)len);
}

int evq_kind_valid(const char *kind)
{
	size_t n = strlen(kind);

	if (n == 0 || n > EVQ_KIND_MAX)
		return 0;
	for (; *kind; kind++)
		if (!((*kind >= 'a' && *kind <= 'z') || (*kind >= '0' && *kind <= '9') || *kind == '_'))
			return 0;
	return 1;
}

/* Whole decimal (or lowercase hex) u64 at *s, ending at a space (skipped),
 * a newline or the end (not skipped). */
static int take_u64(const char **s, int base, uint64_t *v)
{
	const char *p = *s;
	uint64_t x = 0;
	int any = 0;

	for (; *p && *p != ' ' && *p != '\n'; p++) {
		unsigned d;
		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = (unsigned)(*p - 'a' + 10);
		else
			return -1;
		if (x > (UINT64_MAX - d) / (unsigned)base)
			return -1;
		x = x * (unsigned)base + d;
		any = 1;
	}
	if (!any)
		return -1;
	*v = x;
	*s = *p == ' ' ? p + 1 : p;
	return 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Frame payload as a record line into out (REC_MAX + 16 bytes). */
static size_t frame(char *out, const char *payload, size_t plen)
{
	snprintf(out, 10, "%08" PRIx32 " ", crc32_ieee(payload, plen));
	memcpy(out + 9, payload, plen);
	out[9 + plen] = '\n';
	return plen + 10;
}

static size_t event_payload(char *p, const struct evq_event *e)
{
	int n = snprintf(p, REC_MAX, "E %" PRIu64 " %" PRId64 " %s ", e->id, e->time_ms, e->kind);
	size_t o = (size_t)n;

	for (const char *t = e->text; *t; t++) {
		if (*t == '\\' || *t == '\n') {
			p[o++] = '\\';
			p[o++] = *t == '\n' ? 'n' : '\\';
		} else {
			p[o++] = *t;
		}
	}
	return o;
}

/* Append one record; on a short write the file is cut back so the next
 * record never lands glued to a torn one. */
static int append(struct evq *q, const char *payload, size_t plen, char *err, size_t errlen)
{
	char line[REC_MAX + 16];
	size_t len = frame(line, payload, plen), off = 0;

	while (off < len) {
		ssize_t w = write(q->fd, line + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			int e = errno;
			if (off && ftruncate(q->fd, (off_t)q->st.file_bytes) < 0)
				e = errno;
			snprintf(err, errlen, "events journal %s: append: %s", q->path, strerror(e));
			return -1;
		}
		off += (size_t)w;
	}
	q->st.file_bytes += len;
	return 0;
}

static int appendf(struct evq *q, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int appendf(struct evq *q, char *err, size_t errlen, const char *fmt, ...)
{
	char p[128];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(p, sizeof(p), fmt, ap);
	va_end(ap);
	return append(q, p, (size_t)n, err, errlen);
}

static struct slot *slot_at(const struct evq *q, size_t i)
{
	return &q->s[q->head + i];
}

/* Add at the tail (ids ascending is the caller's duty). */
static int slot_add(struct evq *q, const struct evq_event *e, const char *text, size_t tlen, uint32_t reclen)
{
	if (q->head + q->n == q->cap) {
		if (q->head) {
			memmove(q->s, q->s + q->head, q->n * sizeof(*q->s));
			q->head = 0;
		} else {
			size_t cap = q->cap ? q->cap * 2 : 64;
			struct slot *s = realloc(q->s, cap * sizeof(*s));
			if (!s)
				return -1;
			q->s = s;
			q->cap = cap;
		}
	}
	char *t = malloc(tlen + 1);
	if (!t)
		return -1;
	memcpy(t, text, tlen);
	t[tlen] = '\0';
	struct slot *s = &q->s[q->head + q->n++];
	s->ev = *e;
	s->ev.text = t;
	s->reclen = reclen;
	q->live_bytes += reclen;
	return 0;
}

static void slot_pop(struct evq *q)
{
	struct slot *s = slot_at(q, 0);

	q->live_bytes -= s->reclen;
	free((char *)s->ev.text);
	q->head++;
	q->n--;
	if (q->n == 0)
		q->head = 0;
}

/* Remove every pending event with id <= cut. */
static void cut_to(struct evq *q, uint64_t cut)
{
	if (cut > q->cut)
		q->cut = cut;
	while (q->n && slot_at(q, 0)->ev.id <= q->cut)
		slot_pop(q);
}

/* --- replay at open --- */

/* Parse one E payload (after "E "). The text is unescaped into tbuf. */
static int parse_event(const char *p, struct evq_event *e, char *tbuf, size_t *tlen)
{
	uint64_t id, t;
	size_t k = 0, o = 0;

	if (take_u64(&p, 10, &id) || id == 0)
		return -1;
	int neg = *p == '-';
	p += neg;
	if (take_u64(&p, 10, &t) || t > INT64_MAX)
		return -1;
	while (p[k] && p[k] != ' ' && k <= EVQ_KIND_MAX)
		k++;
	if (p[k] != ' ' || k > EVQ_KIND_MAX)
		return -1;
	memcpy(e->kind, p, k);
	e->kind[k] = '\0';
	if (!evq_kind_valid(e->kind))
		return -1;
	for (p += k + 1; *p; p++) {
		char c = *p;
		if (c == '\\') {
			p++;
			if (*p != 'n' && *p != '\\')
				return -1;
			c = *p == 'n' ? '\n' : '\\';
		}
		if (o == EVQ_TEXT_MAX)
			return -1;
		tbuf[o++] = c;
	}
	tbuf[o] = '\0';
	e->id = id;
	e->time_ms = neg ? -(int64_t)t : (int64_t)t;
	*tlen = o;
	return 0;
}

struct replay {
	uint64_t max_id, next_floor;
	int have_gen;
};

/* Apply one record whose CRC matched. -1: it makes no sense (counted bad). */
static int replay_record(struct evq *q, struct replay *r, char *p, size_t len)
{
	char tbuf[EVQ_TEXT_MAX + 1];
	uint64_t a, b, c, d;
	const char *s = p + 2;

	p[len] = '\0';
	if (len < 3 || p[1] != ' ')
		return -1;
	switch (p[0]) {
	case 'H':
		if (take_u64(&s, 10, &a) || a != JOURNAL_FORMAT || take_u64(&s, 16, &b) ||
		    take_u64(&s, 10, &c) || take_u64(&s, 10, &d) || take_u64(&s, 10, &a) || *s)
			return -1;
		q->gen = b;
		r->have_gen = 1;
		if (c > r->next_floor)
			r->next_floor = c;
		cut_to(q, d);
		if (a > q->dropped)
			q->dropped = a;
		return 0;
	case 'R':
		if (take_u64(&s, 10, &a) || *s)
			return -1;
		if (a > r->next_floor)
			r->next_floor = a;
		return 0;
	case 'C':
		if (take_u64(&s, 10, &a) || take_u64(&s, 10, &b) || *s)
			return -1;
		cut_to(q, a);
		if (b > q->dropped)
			q->dropped = b;
		return 0;
	case 'E': {
		struct evq_event e;
		size_t tlen;
		if (parse_event(s, &e, tbuf, &tlen) || e.id <= r->max_id)
			return -1;
		r->max_id = e.id;
		if (e.id <= q->cut)
			return 0;
		return slot_add(q, &e, tbuf, tlen, (uint32_t)(len + 10)) ? -2 : 0;
	}
	}
	return -1;
}

static int read_journal(const char *path, char **data, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	*data = NULL;
	*len = 0;
	if (fd < 0) {
		if (errno == ENOENT)
			return 1;
		snprintf(err, errlen, "events journal %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > JOURNAL_MAX) {
		snprintf(err, errlen, "events journal %s: not a regular file of at most %u bytes", path,
			 JOURNAL_MAX);
		close(fd);
		return -1;
	}
	char *buf = malloc((size_t)st.st_size + 1);
	size_t have = 0;
	if (!buf) {
		snprintf(err, errlen, "events journal %s: out of memory", path);
		close(fd);
		return -1;
	}
	while (have < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + have, (size_t)st.st_size - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "events journal %s: read: %s", path, strerror(errno));
			free(buf);
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		have += (size_t)n;
	}
	close(fd);
	buf[have] = '\0';
	*data = buf;
	*len = have;
	return 0;
}

static int replay(struct evq *q, char *data, size_t len, char *err, size_t errlen)
{
	struct replay r = {0};
	int last_bad = 0;
	char *p = data, *end = data + len;

	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		int bad = 1;

		/* "CCCCCCCC " + payload, and a line that ends: else torn */
		if (nl && n >= 10 && p[8] == ' ' && !memchr(p, '\0', n)) {
			char hex[9];
			memcpy(hex, p, 8);
			hex[8] = '\0';
			const char *h = hex;
			uint64_t crc;
			if (take_u64(&h, 16, &crc) == 0 && crc == crc32_ieee(p + 9, n - 9)) {
				int rc = replay_record(q, &r, p + 9, n - 9);
				if (rc == -2) {
					snprintf(err, errlen, "events journal %s: out of memory", q->path);
					return -1;
				}
				bad = rc != 0;
			}
		}
		q->st.bad_records += (uint64_t)bad;
		last_bad = bad;
		p += n + (nl ? 1 : 0);
	}
	/* A bad last record is what a power cut mid-append leaves: not corruption. */
	if (last_bad) {
		q->st.bad_records--;
		q->st.torn_tail++;
	}
	q->next_id = r.max_id + 1 > r.next_floor ? r.max_id + 1 : r.next_floor;
	if (q->next_id <= q->cut)
		q->next_id = q->cut + 1;
	if (!r.have_gen && getrandom(&q->gen, sizeof(q->gen), 0) != sizeof(q->gen)) {
		snprintf(err, errlen, "events journal %s: getrandom: %s", q->path, strerror(errno));
		return -1;
	}
	q->reserved = q->next_id; /* written by the compaction at open */
	return 0;
}

/* --- sender API --- */

static int open_append(struct evq *q, char *err, size_t errlen)
{
	if (q->fd >= 0)
		close(q->fd);
	q->fd = open(q->path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
	if (q->fd < 0) {
		snprintf(err, errlen, "events journal %s: %s", q->path, strerror(errno));
		return -1;
	}
	return 0;
}

int evq_compact(struct evq *q, char *err, size_t errlen)
{
	size_t cap = 4096 + (size_t)q->live_bytes, len = 0;
	char *buf = malloc(cap), p[REC_MAX + 1];

	if (!buf)
		goto oom;
	/* The header's NEXT is the reservation: ids below it may be out there. */
	int n = snprintf(p, sizeof(p), "H %d %016" PRIx64 " %" PRIu64 " %" PRIu64 " %" PRIu64, JOURNAL_FORMAT,
			 q->gen, q->reserved, q->cut, q->dropped);
	len += frame(buf + len, p, (size_t)n);
	for (size_t i = 0; i < q->n; i++) {
		size_t pl = event_payload(p, &slot_at(q, i)->ev);
		if (len + pl + 10 > cap) {
			char *nb = realloc(buf, cap * 2 + pl + 10);
			if (!nb)
				goto oom;
			buf = nb;
			cap = cap * 2 + pl + 10;
		}
		len += frame(buf + len, p, pl);
	}
	int rc = atomic_file_write(q->path, buf, len, 0600, err, errlen);
	free(buf);
	if (rc == 0) {
		q->st.file_bytes = len;
		q->st.compactions++;
		rc = open_append(q, err, errlen);
	}
	return rc;
oom:
	free(buf);
	snprintf(err, errlen, "events journal %s: out of memory", q->path);
	return -1;
}

static int maybe_compact(struct evq *q, char *err, size_t errlen)
{
	if (q->st.file_bytes >= COMPACT_MIN && q->live_bytes * 2 < q->st.file_bytes)
		return evq_compact(q, err, errlen);
	return 0;
}

/* Drop the oldest events until at most keep remain. */
static int enforce_max(struct evq *q, size_t keep, char *err, size_t errlen)
{
	if (q->n <= keep)
		return 0;
	while (q->n > keep) {
		q->dropped++;
		cut_to(q, slot_at(q, 0)->ev.id);
	}
	return appendf(q, err, errlen, "C %" PRIu64 " %" PRIu64, q->cut, q->dropped);
}

int evq_open(struct evq **qp, const char *dir, uint32_t max, char *err, size_t errlen)
{
	return evq_open_named(qp, dir, JOURNAL_NAME, max, err, errlen);
}

int evq_open_named(struct evq **qp, const char *dir, const char *name, uint32_t max, char *err, size_t errlen)
{
	struct evq *q = calloc(1, sizeof(*q));
	char *data = NULL;
	size_t len = 0;

	*qp = NULL;
	if (!q) {
		snprintf(err, errlen, "events journal: out of memory");
		return -1;
	}
	q->fd = -1;
	q->max = max ? max : 1;
	if ((size_t)snprintf(q->path, sizeof(q->path), "%s/%s", dir, name) >= sizeof(q->path)) {
		snprintf(err, errlen, "events journal in %s: path too long", dir);
		goto fail;
	}
	int r = read_journal(q->path, &data, &len, err, errlen);
	if (r < 0 || replay(q, data ? data : "", len, err, errlen))
		goto fail;
	free(data);
	data = NULL;
	/* Start from a clean file: no torn tail to append after, no dead records. */
	if (evq_compact(q, err, errlen) || enforce_max(q, q->max, err, errlen))
		goto fail;
	*qp = q;
	return 0;
fail:
	free(data);
	evq_close(q);
	return -1;
}

void evq_close(struct evq *q)
{
	if (!q)
		return;
	while (q->n)
		slot_pop(q);
	if (q->fd >= 0)
		close(q->fd);
	free(q->s);
	free(q);
}

uint64_t evq_push_at(struct evq *q, int64_t time_ms, const char *kind, const char *text, char *err,
		     size_t errlen)
{
	char p[REC_MAX + 1];
	size_t tlen = strlen(text);

	if (!evq_kind_valid(kind)) {
		snprintf(err, errlen, "event kind '%.20s' is not [a-z0-9_]{1,%d}", kind, EVQ_KIND_MAX);
		return 0;
	}
	if (tlen > EVQ_TEXT_MAX) {
		snprintf(err, errlen, "event text too long (%zu bytes, max %d)", tlen, EVQ_TEXT_MAX);
		return 0;
	}
	/* Reserve ids in synced blocks: no id is reused after a power cut,
	 * even if the events that carried it never reached the disk. */
	if (q->next_id >= q->reserved) {
		uint64_t limit = q->next_id + EVQ_ID_BLOCK;
		if (appendf(q, err, errlen, "R %" PRIu64, limit) || evq_sync(q, err, errlen))
			return 0;
		q->reserved = limit;
	}
	struct evq_event e = {.id = q->next_id++, .time_ms = time_ms, .text = text};
	strcpy(e.kind, kind);
	size_t pl = event_payload(p, &e);
	if (append(q, p, pl, err, errlen))
		return 0;
	if (slot_add(q, &e, text, tlen, (uint32_t)(pl + 10))) {
		snprintf(err, errlen, "events journal %s: out of memory", q->path);
		return 0;
	}
	if (enforce_max(q, q->max, err, errlen) || maybe_compact(q, err, errlen))
		return 0;
	return e.id;
}

uint64_t evq_push(struct evq *q, const char *kind, const char *text, char *err, size_t errlen)
{
	return evq_push_at(q, now_ms(), kind, text, err, errlen);
}

size_t evq_pending(const struct evq *q, uint64_t after_id, const struct evq_event **out, size_t max)
{
	size_t lo = 0, hi = q->n, k = 0;

	while (lo < hi) { /* first index with id > after_id */
		size_t mid = lo + (hi - lo) / 2;
		if (slot_at(q, mid)->ev.id <= after_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < q->n && k < max; lo++)
		out[k++] = &slot_at(q, lo)->ev;
	return k;
}

int evq_ack(struct evq *q, uint64_t upto, char *err, size_t errlen)
{
	if (upto >= q->next_id)
		upto = q->next_id - 1;
	if (upto <= q->cut)
		return 0;
	cut_to(q, upto);
	if (appendf(q, err, errlen, "C %" PRIu64 " %" PRIu64, q->cut, q->dropped))
		return -1;
	return maybe_compact(q, err, errlen);
}

size_t evq_count(const struct evq *q)
{
	return q->n;
}

uint64_t evq_dropped(const struct evq *q)
{
	return q->dropped;
}

uint64_t evq_last_id(const struct evq *q)
{
	return q->next_id - 1;
}

uint64_t evq_gen(const struct evq *q)
{
	return q->gen;
}

void evq_get_stats(const struct evq *q, struct evq_stats *st)
{
	*st = q->st;
}

int evq_sync(struct evq *q, char *err, size_t errlen)
{
	if (fdatasync(q->fd) < 0) {
		snprintf(err, errlen, "events journal %s: fdatasync: %s", q->path, strerror(errno));
		return -1;
	}
	return 0;
}

/* --- receiver --- */

struct evq_rx {
	char path[PATH_MAX];
	struct {
		uint64_t gen, last;
	} peer[256];
	int dirty;
};

int evq_rx_open(struct evq_rx **rxp, const char *dir, char *err, size_t errlen)
{
	struct evq_rx *rx = calloc(1, sizeof(*rx));
	char *data = NULL;
	size_t len = 0;

	*rxp = NULL;
	if (!rx) {
		snprintf(err, errlen, "events receiver: out of memory");
		return -1;
	}
	if ((size_t)snprintf(rx->path, sizeof(rx->path), "%s/%s", dir, RX_NAME) >= sizeof(rx->path)) {
		snprintf(err, errlen, "events receiver in %s: path too long", dir);
		free(rx);
		return -1;
	}
	int r = atomic_file_read(rx->path, 64 * 1024, &data, &len, NULL, err, errlen);
	if (r < 0) {
		free(rx);
		return -1;
	}
	/* Lines "NODE GEN LAST" (written atomically, so any flaw is an error). */
	for (const char *s = data ? data : ""; *s;) {
		uint64_t node, gen, last;
		const char *nl = strchr(s, '\n');
		if (!nl || take_u64(&s, 10, &node) || node > 255 || take_u64(&s, 16, &gen) ||
		    take_u64(&s, 10, &last) || s != nl) {
			snprintf(err, errlen, "events receiver %s: malformed line", rx->path);
			atomic_file_free(data, len);
			free(rx);
			return -1;
		}
		rx->peer[node].gen = gen;
		rx->peer[node].last = last;
		s = nl + 1;
	}
	atomic_file_free(data, len);
	*rxp = rx;
	return 0;
}

void evq_rx_close(struct evq_rx *rx)
{
	free(rx);
}

int evq_rx_accept(struct evq_rx *rx, uint8_t node, uint64_t gen, uint64_t id)
{
	if (rx->peer[node].gen != gen) {
		rx->peer[node].gen = gen;
		rx->peer[node].last = 0;
		rx->dirty = 1;
	}
	if (id <= rx->peer[node].last)
		return 0;
	rx->peer[node].last = id;
	rx->dirty = 1;
	return 1;
}

uint64_t evq_rx_last(const struct evq_rx *rx, uint8_t node, uint64_t gen)
{
	return rx->peer[node].gen == gen ? rx->peer[node].last : 0;
}

int evq_rx_commit(struct evq_rx *rx, char *err, size_t errlen)
{
	char buf[256 * 64];
	size_t o = 0;

	if (!rx->dirty)
		return 0;
	for (int i = 0; i < 256; i++)
		if (rx->peer[i].gen || rx->peer[i].last)
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%d %016" PRIx64 " %" PRIu64 "\n", i,
					      rx->peer[i].gen, rx->peer[i].last);
	if (atomic_file_write(rx->path, buf, o, 0600, err, errlen))
		return -1;
	rx->dirty = 0;
	return 0;
}

/* --- codec --- */

int evq_encode_batch(struct ctl_resp *r, uint64_t gen, uint64_t dropped, const struct evq_event *const *ev,
		     size_t n)
{
	char key[CTL_KEY_MAX];
	int rc = 0;

	if (n > EVQ_BATCH_MAX)
		return -1;
	rc |= ctl_resp_kv(r, "gen", "%016" PRIx64, gen);
	rc |= ctl_resp_kv(r, "dropped", "%" PRIu64, dropped);
	rc |= ctl_resp_kv(r, "count", "%zu", n);
	for (size_t i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "event.%zu.id", i);
		rc |= ctl_resp_kv(r, key, "%" PRIu64, ev[i]->id);
		snprintf(key, sizeof(key), "event.%zu.time", i);
		rc |= ctl_resp_kv(r, key, "%" PRId64, ev[i]->time_ms);
		snprintf(key, sizeof(key), "event.%zu.kind", i);
		rc |= ctl_resp_kv(r, key, "%s", ev[i]->kind);
		snprintf(key, sizeof(key), "event.%zu.text", i);
		rc |= ctl_resp_kv(r, key, "%s", ev[i]->text);
	}
	return rc ? -1 : 0;
}

static int get_u64(const struct ctl_reply *rep, const char *key, int base, uint64_t *v)
{
	const char *s = ctl_get(rep, key);

	return s && take_u64(&s, base, v) == 0 && *s == '\0' ? 0 : -1;
}

int evq_decode_batch(const struct ctl_reply *rep, struct evq_batch *b, char *err, size_t errlen)
{
	uint64_t count, prev = 0;
	char key[CTL_KEY_MAX];

	b->n = 0;
	if (get_u64(rep, "gen", 16, &b->gen) || get_u64(rep, "dropped", 10, &b->dropped) ||
	    get_u64(rep, "count", 10, &count)) {
		snprintf(err, errlen, "events: missing or bad gen, dropped or count");
		return -1;
	}
	if (count > EVQ_BATCH_MAX) {
		snprintf(err, errlen, "events: count %" PRIu64 " over %d", count, EVQ_BATCH_MAX);
		return -1;
	}
	for (size_t i = 0; i < count; i++) {
		struct evq_event *e = &b->ev[i];
		long long t;
		const char *kind, *text;

		snprintf(key, sizeof(key), "event.%zu.id", i);
		if (get_u64(rep, key, 10, &e->id) || e->id <= prev) {
			snprintf(err, errlen, "events: event %zu: missing id or not after %" PRIu64, i, prev);
			return -1;
		}
		prev = e->id;
		snprintf(key, sizeof(key), "event.%zu.time", i);
		kind = ctl_getf(rep, "event.%zu.kind", i);
		text = ctl_getf(rep, "event.%zu.text", i);
		if (ctl_get_ll(rep, key, &t) || !kind || !evq_kind_valid(kind) || !text ||
		    strlen(text) > EVQ_TEXT_MAX) {
			snprintf(err, errlen, "events: event %zu: bad time, kind or text", i);
			return -1;
		}
		e->time_ms = t;
		strcpy(e->kind, kind);
		e->text = text;
	}
	b->n = (size_t)count;
	return 0;
}

int evq_encode_ack(struct ctl_resp *r, uint64_t gen, uint64_t upto)
{
	int rc = ctl_resp_kv(r, "gen", "%016" PRIx64, gen);
	return rc | ctl_resp_kv(r, "ack", "%" PRIu64, upto);
}

int evq_decode_ack(const struct ctl_reply *rep, uint64_t *gen, uint64_t *upto, char *err, size_t errlen)
{
	if (get_u64(rep, "gen", 16, gen) || get_u64(rep, "ack", 10, upto)) {
		snprintf(err, errlen, "events ack: missing or bad gen or ack");
		return -1;
	}
	return 0;
}
