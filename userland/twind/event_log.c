/* twinctl log in the daemon: see event_log.h. */
#include "event_log.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "ctl_proto.h"
#include "daemon.h"
#include "evqueue.h"
#include "int_parse.h"
#include "log.h"

struct elog {
	struct evq *q;
	/* the last ask of the peer's page */
	int running, have, ok;
	uint64_t started_ms;
	char err[256];
	struct ctl_reply rep;
};

int elog_open(struct twind *d, char *err, size_t errlen)
{
	struct elog *e = calloc(1, sizeof(*e));

	if (!e)
		return snprintf(err, errlen, "event history: out of memory"), -1;
	if (evq_open_named(&e->q, d->cfg.state_dir, ELOG_NAME, ELOG_MAX, err, errlen) < 0) {
		free(e);
		return -1;
	}
	d->elog = e;
	return 0;
}

void elog_close(struct twind *d)
{
	if (!d->elog)
		return;
	evq_sync(d->elog->q, (char[8]){0}, 8); /* a planned stop keeps the last events */
	evq_close(d->elog->q);
	ctl_reply_free(&d->elog->rep);
	free(d->elog);
	d->elog = NULL;
}

void elog_push(struct twind *d, const char *kind, const char *text)
{
	char err[256];

	if (d->elog && !evq_push(d->elog->q, kind, text, err, sizeof(err)))
		log_err("event history: %s", err);
}

struct page_args {
	long long since_ms, after, limit;
};

/* since=MS after=ID limit=N, each optional, from argv[first] on */
static int page_args(int argc, char **argv, int first, struct page_args *a)
{
	*a = (struct page_args){.since_ms = 0, .after = 0, .limit = 100};
	for (int i = first; i < argc; i++) {
		const char *v = strchr(argv[i], '=');
		long long *out = NULL, max = (long long)(UINT64_MAX >> 1);
		if (!v)
			return -1;
		v++;
		if (!strncmp(argv[i], "since=", 6))
			out = &a->since_ms;
		else if (!strncmp(argv[i], "after=", 6))
			out = &a->after;
		else if (!strncmp(argv[i], "limit=", 6))
			out = &a->limit, max = ELOG_PAGE_MAX;
		if (!out || parse_ll(v, out == &a->limit ? 1 : 0, max, out) < 0)
			return -1;
	}
	return 0;
}

/* One page of our history: entries with id > after and time >= since. */
static void page(struct twind *d, const struct page_args *a, struct ctl_resp *r)
{
	const struct evq_event *ev[64];
	uint64_t after = (uint64_t)a->after;
	long long n = 0;
	size_t got;
	int more = 0;
	char k[48];

	ctl_resp_ok(r);
	ctl_resp_kv(r, "node", "%s", d->cfg.node_name);
	ctl_resp_kv(r, "node_id", "%u", d->cfg.node_id);
	/* memory only: at most ELOG_MAX pointers are looked at */
	while (!more && (got = evq_pending(d->elog->q, after, ev, sizeof(ev) / sizeof(ev[0])))) {
		for (size_t i = 0; i < got; i++) {
			if (n == a->limit) {
				more = 1;
				break;
			}
			after = ev[i]->id;
			if (ev[i]->time_ms < a->since_ms)
				continue;
#define EK(name) (snprintf(k, sizeof(k), "entry.%lld." name, n), k)
			ctl_resp_kv(r, EK("id"), "%llu", (unsigned long long)ev[i]->id);
			ctl_resp_kv(r, EK("time_ms"), "%lld", (long long)ev[i]->time_ms);
			ctl_resp_kv(r, EK("kind"), "%s", ev[i]->kind);
			ctl_resp_kv(r, EK("text"), "%s", ev[i]->text);
#undef EK
			n++;
		}
	}
	ctl_resp_kv(r, "count", "%lld", n);
	ctl_resp_kv(r, "more", "%s", more ? "true" : "false");
	ctl_resp_kv(r, "next", "%llu", (unsigned long long)after);
	ctl_resp_kv(r, "dropped", "%llu", (unsigned long long)evq_dropped(d->elog->q));
}

static void answered(void *ctx, int ok, const struct ctl_reply *rep, const char *err)
{
	struct twind *d = ctx;
	struct elog *e = d->elog;

	if (!e)
		return;
	e->running = 0;
	e->have = 1;
	ctl_reply_free(&e->rep);
	memset(&e->rep, 0, sizeof(e->rep));
	e->ok = ok && rep && ctl_reply_copy(&e->rep, rep) == 0;
	snprintf(e->err, sizeof(e->err), "%s", e->ok ? "" : err ? err : "out of memory");
}

static void ask_peer(struct twind *d, int argc, char **argv, struct ctl_resp *r)
{
	struct elog *e = d->elog;
	const char *req[8] = {"log-info"};
	char err[256];
	int n = 1;

	if (e->running) {
		ctl_resp_err(r, "busy: asking the peer for its log already");
		return;
	}
	for (int i = 2; i < argc && n < 8; i++)
		req[n++] = argv[i];
	e->started_ms = mono_ms();
	if (!cluster_peer_call(d, n, req, answered, d, err, sizeof(err))) {
		e->have = 1;
		e->ok = 0;
		snprintf(e->err, sizeof(e->err), "%s", err);
		ctl_resp_err(r, "the peer's log: %s", err);
		return;
	}
	e->running = 1;
	ctl_resp_ok(r);
	ctl_resp_kv(r, "message", "asking the peer");
}

static void result(struct elog *e, struct ctl_resp *r)
{
	ctl_resp_ok(r);
	ctl_resp_kv(r, "running", "%s", e->running ? "true" : "false");
	if (e->running) {
		ctl_resp_kv(r, "asking_ms", "%llu", (unsigned long long)(mono_ms() - e->started_ms));
		return;
	}
	if (!e->have || !e->ok) {
		ctl_resp_kv(r, "error", "%s", e->have ? e->err : "not asked yet (log peer)");
		return;
	}
	for (size_t i = 0; i < e->rep.n; i++) /* the peer's page as it sent it */
		ctl_resp_kv(r, e->rep.kv[i].key, "%s", e->rep.kv[i].val);
}

int elog_ctl(struct twind *d, int argc, char **argv, struct ctl_resp *r)
{
	struct page_args a;

	if (strcmp(argv[0], "log"))
		return 0;
	if (!d->elog) {
		ctl_resp_err(r, "no event history on this node");
	} else if (argc == 2 && !strcmp(argv[1], "result")) {
		result(d->elog, r);
	} else if (argc >= 2 && !strcmp(argv[1], "peer")) {
		if (page_args(argc, argv, 2, &a) < 0)
			ctl_resp_err(r, "usage: log peer [since=MS] [after=ID] [limit=1..%d]", ELOG_PAGE_MAX);
		else
			ask_peer(d, argc, argv, r);
	} else if (page_args(argc, argv, 1, &a) < 0) {
		ctl_resp_err(r, "usage: log [peer|result] [since=MS] [after=ID] [limit=1..%d]",
			     ELOG_PAGE_MAX);
	} else {
		page(d, &a, r);
	}
	return 1;
}

int elog_peer_request(struct twind *d, int argc, char **argv, struct ctl_resp *r)
{
	struct page_args a;

	if (strcmp(argv[0], "log-info"))
		return 0;
	if (!d->elog || page_args(argc, argv, 1, &a) < 0)
		ctl_resp_err(r, "usage: log-info [since=MS] [after=ID] [limit=1..%d]", ELOG_PAGE_MAX);
	else
		page(d, &a, r);
	return 1;
}
