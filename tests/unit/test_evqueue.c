/* evqueue: order, exactly-once over a lost ack, restart, torn and corrupt
 * records, the bound, compaction and the batch codec, in a temp dir. */
#include "check.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "evqueue.h"

static char dir[] = "/tmp/twin-evq-XXXXXX";
static char jpath[256];
static char err[256];

static void reset(void)
{
	char p[300];

	unlink(jpath);
	snprintf(p, sizeof(p), "%s/events.rx", dir);
	unlink(p);
}

static struct evq *open_q(uint32_t max)
{
	struct evq *q = NULL;

	err[0] = '\0';
	CHECK_EQ(evq_open(&q, dir, max, err, sizeof(err)), 0);
	if (!q)
		fprintf(stderr, "evq_open: %s\n", err);
	return q;
}

static off_t fsize(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 ? st.st_size : -1;
}

static char *slurp(const char *p, size_t *len)
{
	FILE *f = fopen(p, "rb");
	char *b = calloc(1, 1 << 20);

	*len = f ? fread(b, 1, (1 << 20) - 1, f) : 0;
	if (f)
		fclose(f);
	return b;
}

static void spit(const char *p, const char *b, size_t len)
{
	FILE *f = fopen(p, "wb");

	CHECK(f != NULL);
	if (f) {
		CHECK_EQ(fwrite(b, 1, len, f), len);
		fclose(f);
	}
}

/* Build a message body the way the peer channel does and parse it back. */
static int roundtrip_batch(struct evq *q, uint64_t after, struct ctl_reply *rep, struct evq_batch *b)
{
	const struct evq_event *ev[EVQ_BATCH_MAX];
	size_t n = evq_pending(q, after, ev, EVQ_BATCH_MAX), len;
	struct ctl_resp r;

	ctl_resp_init(&r);
	CHECK_EQ(evq_encode_batch(&r, evq_gen(q), evq_dropped(q), ev, n), 0);
	const char *text = ctl_resp_data(&r, &len);
	int rc = ctl_reply_parse(rep, text, len, err, sizeof(err));
	CHECK_EQ(rc, 0);
	ctl_resp_free(&r);
	if (rc)
		return -1;
	rc = evq_decode_batch(rep, b, err, sizeof(err));
	CHECK_EQ(rc, 0);
	CHECK_EQ(b->n, n);
	return rc;
}

static void test_order(void)
{
	const struct evq_event *ev[16];
	struct evq *q;
	char t[32];

	reset();
	q = open_q(100);
	if (!q)
		return;
	for (int i = 0; i < 5; i++) {
		snprintf(t, sizeof(t), "event %d", i);
		CHECK_EQ(
		    evq_push_at(q, 1000 + i, i % 2 ? EVQ_KIND_ALARM : EVQ_KIND_STATE, t, err, sizeof(err)),
		    (uint64_t)(i + 1));
	}
	CHECK_EQ(evq_count(q), 5u);
	CHECK_EQ(evq_last_id(q), 5u);
	size_t n = evq_pending(q, 0, ev, 16);
	CHECK_EQ(n, 5u);
	for (size_t i = 0; i < n; i++) {
		snprintf(t, sizeof(t), "event %zu", i);
		CHECK_EQ(ev[i]->id, i + 1);
		CHECK_EQ(ev[i]->time_ms, (int64_t)(1000 + i));
		CHECK_STR(ev[i]->kind, i % 2 ? "alarm" : "state");
		CHECK_STR(ev[i]->text, t);
	}
	/* after_id and batch_max pick a window */
	n = evq_pending(q, 2, ev, 2);
	CHECK_EQ(n, 2u);
	CHECK_EQ(ev[0]->id, 3u);
	CHECK_EQ(ev[1]->id, 4u);
	CHECK_EQ(evq_pending(q, 5, ev, 16), 0u);

	/* bad input is refused and uses no id */
	CHECK_EQ(evq_push(q, "Alarm", "x", err, sizeof(err)), 0u);
	CHECK_CONTAINS(err, "event kind 'Alarm'");
	CHECK_EQ(evq_push(q, "", "x", err, sizeof(err)), 0u);
	char *big = malloc(EVQ_TEXT_MAX + 2);
	memset(big, 'a', EVQ_TEXT_MAX + 1);
	big[EVQ_TEXT_MAX + 1] = '\0';
	CHECK_EQ(evq_push(q, "alarm", big, err, sizeof(err)), 0u);
	CHECK_CONTAINS(err, "event text too long (1025 bytes, max 1024)");
	big[EVQ_TEXT_MAX] = '\0';
	CHECK_EQ(evq_push(q, "alarm", big, err, sizeof(err)), 6u);
	free(big);
	CHECK_EQ(evq_count(q), 6u);

	/* acks are cumulative; an ack beyond the last id is clamped */
	CHECK_EQ(evq_ack(q, 3, err, sizeof(err)), 0);
	CHECK_EQ(evq_count(q), 3u);
	CHECK_EQ(evq_pending(q, 0, ev, 16), 3u);
	CHECK_EQ(ev[0]->id, 4u);
	CHECK_EQ(evq_ack(q, 2, err, sizeof(err)), 0); /* older ack: no effect */
	CHECK_EQ(evq_count(q), 3u);
	CHECK_EQ(evq_ack(q, 1000, err, sizeof(err)), 0);
	CHECK_EQ(evq_count(q), 0u);
	CHECK_EQ(evq_push(q, "state", "after", err, sizeof(err)), 7u);
	evq_close(q);
}

/* Sender and receiver; the first ack is lost, the batch is resent. */
static void test_exactly_once(void)
{
	struct evq *q;
	struct evq_rx *rx = NULL;
	struct ctl_reply rep;
	struct evq_batch *b = malloc(sizeof(*b));
	uint64_t applied[64];
	size_t n_applied = 0;
	char t[32];

	reset();
	q = open_q(100);
	CHECK_EQ(evq_rx_open(&rx, dir, err, sizeof(err)), 0);
	if (!q || !rx)
		return;
	for (int i = 1; i <= 3; i++) {
		snprintf(t, sizeof(t), "e%d", i);
		CHECK(evq_push(q, "counter", t, err, sizeof(err)) != 0);
	}

	/* round 1: delivered and applied, the ack never arrives */
	if (roundtrip_batch(q, 0, &rep, b) == 0)
		for (size_t i = 0; i < b->n; i++)
			if (evq_rx_accept(rx, 1, b->gen, b->ev[i].id))
				applied[n_applied++] = b->ev[i].id;
	ctl_reply_free(&rep);
	CHECK_EQ(evq_rx_commit(rx, err, sizeof(err)), 0);
	CHECK_EQ(n_applied, 3u);
	CHECK_EQ(evq_count(q), 3u); /* still pending: no ack */

	/* the receiver restarts; its memory of applied ids survives */
	evq_rx_close(rx);
	rx = NULL;
	CHECK_EQ(evq_rx_open(&rx, dir, err, sizeof(err)), 0);
	if (!rx)
		return;
	CHECK_EQ(evq_rx_last(rx, 1, evq_gen(q)), 3u);
	CHECK_EQ(evq_rx_last(rx, 2, evq_gen(q)), 0u);

	/* two more events; reconnect resends everything pending */
	CHECK(evq_push(q, "counter", "e4", err, sizeof(err)) != 0);
	CHECK(evq_push(q, "counter", "e5", err, sizeof(err)) != 0);
	uint64_t ack = 0;
	if (roundtrip_batch(q, 0, &rep, b) == 0) {
		CHECK_EQ(b->n, 5u);
		for (size_t i = 0; i < b->n; i++)
			if (evq_rx_accept(rx, 1, b->gen, b->ev[i].id))
				applied[n_applied++] = b->ev[i].id;
		CHECK_EQ(evq_rx_commit(rx, err, sizeof(err)), 0);
		ack = evq_rx_last(rx, 1, b->gen);
	}
	ctl_reply_free(&rep);
	CHECK_EQ(n_applied, 5u);
	for (size_t i = 0; i < n_applied; i++)
		CHECK_EQ(applied[i], i + 1); /* each once, in order */

	/* the ack goes through the codec too */
	struct ctl_resp r;
	size_t len;
	uint64_t gen = 0, upto = 0;
	ctl_resp_init(&r);
	CHECK_EQ(evq_encode_ack(&r, evq_gen(q), ack), 0);
	const char *text = ctl_resp_data(&r, &len);
	CHECK_EQ(ctl_reply_parse(&rep, text, len, err, sizeof(err)), 0);
	CHECK_EQ(evq_decode_ack(&rep, &gen, &upto, err, sizeof(err)), 0);
	ctl_reply_free(&rep);
	ctl_resp_free(&r);
	CHECK_EQ(gen, evq_gen(q));
	CHECK_EQ(upto, 5u);
	CHECK_EQ(evq_ack(q, upto, err, sizeof(err)), 0);
	CHECK_EQ(evq_count(q), 0u);

	/* a recreated sender journal (new generation) starts over at the receiver */
	CHECK_EQ(evq_rx_accept(rx, 1, evq_gen(q) ^ 1, 1), 1);
	CHECK_EQ(evq_rx_accept(rx, 1, evq_gen(q) ^ 1, 1), 0);
	CHECK_EQ(evq_rx_last(rx, 1, evq_gen(q)), 0u);
	evq_rx_close(rx);
	evq_close(q);
	free(b);
}

static void test_restart(void)
{
	const struct evq_event *ev[16];
	struct evq *q;
	uint64_t gen, last;

	reset();
	q = open_q(100);
	if (!q)
		return;
	CHECK_EQ(evq_push_at(q, 11, "state", "line one\nline two \\ end", err, sizeof(err)), 1u);
	CHECK_EQ(evq_push_at(q, 12, "alarm", "", err, sizeof(err)), 2u);
	CHECK_EQ(evq_push_at(q, -5, "counter", "c=1", err, sizeof(err)), 3u);
	CHECK_EQ(evq_ack(q, 1, err, sizeof(err)), 0);
	gen = evq_gen(q);
	last = evq_last_id(q);
	evq_close(q);

	q = open_q(100);
	if (!q)
		return;
	CHECK_EQ(evq_gen(q), gen);
	CHECK_EQ(evq_count(q), 2u);
	CHECK_EQ(evq_pending(q, 0, ev, 16), 2u);
	CHECK_EQ(ev[0]->id, 2u);
	CHECK_STR(ev[0]->kind, "alarm");
	CHECK_STR(ev[0]->text, "");
	CHECK_EQ(ev[1]->id, 3u);
	CHECK_EQ(ev[1]->time_ms, -5);
	/* ids are never reused: the next one is past everything handed out */
	uint64_t id = evq_push(q, "state", "after restart", err, sizeof(err));
	CHECK(id > last);
	evq_close(q);

	/* the escaped text survives a restart when still pending */
	reset();
	q = open_q(100);
	if (!q)
		return;
	CHECK_EQ(evq_push_at(q, 11, "state", "line one\nline two \\ end\\n", err, sizeof(err)), 1u);
	evq_close(q);
	q = open_q(100);
	if (!q)
		return;
	CHECK_EQ(evq_pending(q, 0, ev, 16), 1u);
	CHECK_STR(ev[0]->text, "line one\nline two \\ end\\n");
	evq_close(q);
}

static void test_torn(void)
{
	const struct evq_event *ev[16];
	struct evq_stats st;
	struct evq *q;
	size_t len;

	reset();
	q = open_q(100);
	if (!q)
		return;
	CHECK_EQ(evq_push(q, "state", "first", err, sizeof(err)), 1u);
	CHECK_EQ(evq_push(q, "state", "second", err, sizeof(err)), 2u);
	CHECK_EQ(evq_push(q, "state", "third, cut in the middle", err, sizeof(err)), 3u);
	evq_close(q);

	/* cut the last record in the middle, as a power cut mid-append does */
	char *b = slurp(jpath, &len);
	CHECK(len > 20);
	CHECK_EQ(truncate(jpath, (off_t)len - 12), 0);
	free(b);

	q = open_q(100);
	if (!q)
		return;
	evq_get_stats(q, &st);
	CHECK_EQ(st.torn_tail, 1u);
	CHECK_EQ(st.bad_records, 0u);
	CHECK_EQ(evq_count(q), 2u);
	CHECK_EQ(evq_pending(q, 0, ev, 16), 2u);
	CHECK_STR(ev[0]->text, "first");
	CHECK_STR(ev[1]->text, "second");
	/* appending after the repair is readable again */
	uint64_t id = evq_push(q, "state", "fourth", err, sizeof(err));
	CHECK(id > 3);
	evq_close(q);
	q = open_q(100);
	if (!q)
		return;
	evq_get_stats(q, &st);
	CHECK_EQ(st.torn_tail, 0u);
	CHECK_EQ(evq_count(q), 3u);
	CHECK_EQ(evq_pending(q, 1, ev, 16), 2u);
	CHECK_STR(ev[1]->text, "fourth");
	evq_close(q);

	/* a last record that lost only its newline is torn too */
	reset();
	q = open_q(100);
	if (!q)
		return;
	evq_push(q, "state", "a", err, sizeof(err));
	evq_push(q, "state", "b", err, sizeof(err));
	evq_close(q);
	CHECK_EQ(truncate(jpath, fsize(jpath) - 1), 0);
	q = open_q(100);
	if (!q)
		return;
	evq_get_stats(q, &st);
	CHECK_EQ(st.torn_tail, 1u);
	CHECK_EQ(evq_count(q), 1u);
	evq_close(q);
}

static void test_corrupt(void)
{
	const struct evq_event *ev[16];
	struct evq_stats st;
	struct evq *q;
	size_t len;

	reset();
	q = open_q(100);
	if (!q)
		return;
	evq_push(q, "state", "one", err, sizeof(err));
	evq_push(q, "state", "two", err, sizeof(err));
	evq_push(q, "state", "THREE", err, sizeof(err));
	evq_push(q, "state", "four", err, sizeof(err));
	evq_close(q);

	/* flip a byte inside the third event, and add junk lines mid-file */
	char *b = slurp(jpath, &len);
	char *p = strstr(b, "THREE");
	CHECK(p != NULL);
	if (p)
		p[1] = 'X';
	char *four = strstr(b, "four");
	while (four && four > b && four[-1] != '\n')
		four--;
	if (four) {
		char *nb = calloc(1, len + 200);
		size_t pre = (size_t)(four - b);
		memcpy(nb, b, pre);
		size_t o = pre;
		o += (size_t)sprintf(nb + o, "garbage line\n\n00000000 E 1 2 x y\n%c%c\n", 0, 1);
		memcpy(nb + o, four, len - pre);
		spit(jpath, nb, o + len - pre);
		free(nb);
	}
	free(b);

	q = open_q(100);
	if (!q)
		return;
	evq_get_stats(q, &st);
	CHECK_EQ(st.bad_records, 5u); /* THREE, garbage, empty, bad crc, binary */
	CHECK_EQ(st.torn_tail, 0u);
	CHECK_EQ(evq_count(q), 3u);
	CHECK_EQ(evq_pending(q, 0, ev, 16), 3u);
	CHECK_EQ(ev[0]->id, 1u);
	CHECK_EQ(ev[1]->id, 2u);
	CHECK_EQ(ev[2]->id, 4u);
	CHECK_STR(ev[2]->text, "four");
	CHECK(evq_push(q, "state", "five", err, sizeof(err)) > 4);
	evq_close(q);

	/* a record with a valid CRC but out-of-order id is skipped too */
	q = open_q(100);
	if (!q)
		return;
	evq_get_stats(q, &st);
	CHECK_EQ(st.bad_records, 0u); /* the open rewrote the file clean */
	evq_close(q);

	/* a file of pure junk opens as an empty queue */
	spit(jpath, "\xff\xfe junk\nmore junk", 17);
	q = open_q(100);
	if (!q)
		return;
	CHECK_EQ(evq_count(q), 0u);
	CHECK(evq_push(q, "state", "fresh", err, sizeof(err)) != 0);
	evq_close(q);
}

static void test_bound(void)
{
	const struct evq_event *ev[16];
	struct evq *q;
	char t[16];

	reset();
	q = open_q(5);
	if (!q)
		return;
	for (int i = 1; i <= 8; i++) {
		snprintf(t, sizeof(t), "n%d", i);
		CHECK_EQ(evq_push(q, "counter", t, err, sizeof(err)), (uint64_t)i);
	}
	CHECK_EQ(evq_count(q), 5u);
	CHECK_EQ(evq_dropped(q), 3u);
	CHECK_EQ(evq_pending(q, 0, ev, 16), 5u);
	CHECK_EQ(ev[0]->id, 4u);
	CHECK_STR(ev[0]->text, "n4");
	CHECK_EQ(ev[4]->id, 8u);
	evq_close(q);

	/* the counter and the window survive a restart */
	q = open_q(5);
	if (!q)
		return;
	CHECK_EQ(evq_dropped(q), 3u);
	CHECK_EQ(evq_count(q), 5u);
	CHECK_EQ(evq_pending(q, 0, ev, 16), 5u);
	CHECK_EQ(ev[0]->id, 4u);
	evq_close(q);

	/* a smaller bound at the next start drops the oldest too */
	q = open_q(2);
	if (!q)
		return;
	CHECK_EQ(evq_count(q), 2u);
	CHECK_EQ(evq_dropped(q), 6u);
	CHECK_EQ(evq_pending(q, 0, ev, 16), 2u);
	CHECK_EQ(ev[0]->id, 7u);
	evq_close(q);
	q = open_q(2);
	if (!q)
		return;
	CHECK_EQ(evq_dropped(q), 6u);
	evq_close(q);
}

static void test_compaction(void)
{
	const struct evq_event *ev[128];
	struct evq_stats st;
	struct evq *q;
	char t[1001];

	reset();
	q = open_q(1000);
	if (!q)
		return;
	for (int i = 1; i <= 100; i++) {
		memset(t, 'a' + i % 26, 1000);
		t[1000] = '\0';
		snprintf(t, 8, "%04d", i);
		t[4] = ' ';
		CHECK_EQ(evq_push(q, "alarm", t, err, sizeof(err)), (uint64_t)i);
	}
	evq_get_stats(q, &st);
	CHECK_EQ(st.compactions, 1u); /* the one at open */
	off_t big = fsize(jpath);
	CHECK(big > 100 * 1000);
	CHECK_EQ(st.file_bytes, (uint64_t)big);

	/* acking most of it shrinks the file */
	CHECK_EQ(evq_ack(q, 90, err, sizeof(err)), 0);
	evq_get_stats(q, &st);
	CHECK_EQ(st.compactions, 2u);
	off_t small = fsize(jpath);
	CHECK(small < 12 * 1100);
	CHECK(small > 10 * 1000);
	CHECK_EQ(evq_count(q), 10u);
	CHECK_EQ(evq_pending(q, 0, ev, 128), 10u);
	CHECK_EQ(ev[0]->id, 91u);
	CHECK(strncmp(ev[0]->text, "0091 ", 5) == 0);
	CHECK_EQ(strlen(ev[9]->text), 1000u);

	/* content and the next id survive compaction and a restart */
	uint64_t id = evq_push(q, "state", "after compaction", err, sizeof(err));
	CHECK_EQ(id, 101u);
	CHECK_EQ(evq_compact(q, err, sizeof(err)), 0);
	evq_close(q);
	q = open_q(1000);
	if (!q)
		return;
	CHECK_EQ(evq_count(q), 11u);
	CHECK_EQ(evq_pending(q, 0, ev, 128), 11u);
	CHECK_EQ(ev[0]->id, 91u);
	CHECK(strncmp(ev[9]->text, "0100 ", 5) == 0);
	CHECK_STR(ev[10]->text, "after compaction");
	CHECK(evq_push(q, "state", "x", err, sizeof(err)) > 101);
	/* all acked: the file is just the header and reservation */
	CHECK_EQ(evq_ack(q, evq_last_id(q), err, sizeof(err)), 0);
	CHECK_EQ(evq_compact(q, err, sizeof(err)), 0);
	CHECK(fsize(jpath) < 100);
	uint64_t last = evq_last_id(q);
	evq_close(q);
	q = open_q(1000);
	if (!q)
		return;
	CHECK_EQ(evq_count(q), 0u);
	CHECK(evq_push(q, "state", "y", err, sizeof(err)) > last);
	evq_close(q);
}

static void test_codec(void)
{
	struct evq_batch *b = malloc(sizeof(*b));
	struct ctl_reply rep;
	struct evq_event e[2] = {
	    {.id = 7, .time_ms = 1717000000123, .kind = "alarm", .text = "link\\down\nx"},
	    {.id = 9, .time_ms = 5, .kind = "state", .text = "= ok"}};
	const struct evq_event *pe[2] = {&e[0], &e[1]};
	struct ctl_resp r;
	size_t len;

	ctl_resp_init(&r);
	CHECK_EQ(evq_encode_batch(&r, 0xabcdef0123456789ull, 42, pe, 2), 0);
	const char *text = ctl_resp_data(&r, &len);
	CHECK_CONTAINS(text, "gen=abcdef0123456789\n");
	CHECK_CONTAINS(text, "event.0.text=link\\\\down\\nx\n");
	CHECK_EQ(ctl_reply_parse(&rep, text, len, err, sizeof(err)), 0);
	CHECK_EQ(evq_decode_batch(&rep, b, err, sizeof(err)), 0);
	CHECK_EQ(b->gen, 0xabcdef0123456789ull);
	CHECK_EQ(b->dropped, 42u);
	CHECK_EQ(b->n, 2u);
	CHECK_EQ(b->ev[0].id, 7u);
	CHECK_EQ(b->ev[0].time_ms, 1717000000123);
	CHECK_STR(b->ev[0].text, "link\\down\nx");
	CHECK_STR(b->ev[1].kind, "state");
	CHECK_STR(b->ev[1].text, "= ok");
	ctl_reply_free(&rep);
	ctl_resp_free(&r);

	static const char *const bad[] = {
	    "ok\ndropped=0\ncount=0\n",
	    "ok\ngen=1\ndropped=0\ncount=257\n",
	    "ok\ngen=1\ndropped=0\ncount=1\n",
	    "ok\ngen=1\ndropped=0\ncount=2\nevent.0.id=5\nevent.0.time=1\nevent.0.kind=a\nevent.0.text=\n"
	    "event.1.id=5\nevent.1.time=1\nevent.1.kind=a\nevent.1.text=\n",
	    "ok\ngen=1\ndropped=0\ncount=1\nevent.0.id=5\nevent.0.time=1\nevent.0.kind=A\nevent.0.text=\n",
	    "ok\ngen=1\ndropped=0\ncount=1\nevent.0.id=5\nevent.0.time=x\nevent.0.kind=a\nevent.0.text=\n",
	    "ok\ngen=1\ndropped=0\ncount=1\nevent.0.id=0\nevent.0.time=1\nevent.0.kind=a\nevent.0.text=\n",
	    "ok\ngen=zz\ndropped=0\ncount=0\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_EQ(ctl_reply_parse(&rep, bad[i], strlen(bad[i]), err, sizeof(err)), 0);
		err[0] = '\0';
		CHECK_EQ(evq_decode_batch(&rep, b, err, sizeof(err)), -1);
		CHECK(strncmp(err, "events: ", 8) == 0);
		ctl_reply_free(&rep);
	}
	const char *good = "ok\ngen=1\ndropped=0\ncount=1\nevent.0.id=5\nevent.0.time=-1\nevent.0.kind=a_1\n"
			   "event.0.text=\n";
	CHECK_EQ(ctl_reply_parse(&rep, good, strlen(good), err, sizeof(err)), 0);
	CHECK_EQ(evq_decode_batch(&rep, b, err, sizeof(err)), 0);
	CHECK_EQ(b->ev[0].time_ms, -1);
	ctl_reply_free(&rep);
	free(b);
}

TEST_MAIN("evqueue", {
	CHECK(mkdtemp(dir) != NULL);
	snprintf(jpath, sizeof(jpath), "%s/events.journal", dir);
	test_order();
	test_exactly_once();
	test_restart();
	test_torn();
	test_corrupt();
	test_bound();
	test_compaction();
	test_codec();
	reset();
	rmdir(dir);
})
