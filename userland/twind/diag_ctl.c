/* twinctl diag in the daemon: see diag_ctl.h. */
#include "diag_ctl.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "cluster.h"
#include "ctl_proto.h"
#include "daemon.h"
#include "health.h"
#include "jobs.h"
#include "log.h"

/* the last ask of the peer's status */
struct diag_ctl {
	int running, have, ok;
	uint64_t started_ms, done_ms;
	char err[256];
	struct ctl_reply rep; /* the peer's status when ok */
};

static void answered(void *ctx, int ok, const struct ctl_reply *rep, const char *err)
{
	struct twind *d = ctx;
	struct diag_ctl *g = d->diag;

	if (!g)
		return;
	g->running = 0;
	g->have = 1;
	g->done_ms = mono_ms();
	ctl_reply_free(&g->rep);
	memset(&g->rep, 0, sizeof(g->rep));
	g->ok = ok && rep && ctl_reply_copy(&g->rep, rep) == 0;
	snprintf(g->err, sizeof(g->err), "%s", g->ok ? "" : err ? err : "out of memory");
	if (!g->ok)
		log_debug("diag: the peer's status: %s", g->err);
}

static void ask(struct twind *d, struct diag_ctl *g)
{
	const char *req[] = {"diag-info"};
	char err[256];

	if (g->running)
		return; /* a second twinctl diag shares the ask in flight */
	g->started_ms = mono_ms();
	if (cluster_peer_call(d, 1, req, answered, d, err, sizeof(err))) {
		g->running = 1;
		return;
	}
	g->have = 1;
	g->ok = 0;
	g->done_ms = g->started_ms;
	snprintf(g->err, sizeof(g->err), "%s", err);
}

static void result(struct diag_ctl *g, struct ctl_resp *r)
{
	ctl_resp_ok(r);
	ctl_resp_kv(r, "running", "%s", g->running ? "true" : "false");
	if (g->running) {
		ctl_resp_kv(r, "asking_ms", "%llu", (unsigned long long)(mono_ms() - g->started_ms));
		return;
	}
	if (!g->have) {
		ctl_resp_kv(r, "error", "not asked yet (diag peer)");
		return;
	}
	ctl_resp_kv(r, "age_ms", "%llu", (unsigned long long)(mono_ms() - g->done_ms));
	if (!g->ok) {
		ctl_resp_kv(r, "error", "%s", g->err);
		return;
	}
	char k[CTL_KEY_MAX + 1];
	for (size_t i = 0; i < g->rep.n; i++) {
		/* a key that no longer fits with the prefix is left out, not cut */
		if (snprintf(k, sizeof(k), "peer.%s", g->rep.kv[i].key) < (int)sizeof(k) - 1)
			ctl_resp_kv(r, k, "%s", g->rep.kv[i].val);
	}
}

/* only reached on a paired node: status_handler answers an unpaired one */
int diag_ctl(struct twind *d, int argc, char **argv, struct ctl_resp *r)
{
	if (strcmp(argv[0], "diag"))
		return 0;
	if (argc != 2 || (strcmp(argv[1], "peer") && strcmp(argv[1], "result"))) {
		ctl_resp_err(r, "usage: diag peer|result");
		return 1;
	}
	if (!d->diag && !(d->diag = calloc(1, sizeof(*d->diag)))) {
		ctl_resp_err(r, "out of memory");
		return 1;
	}
	if (!strcmp(argv[1], "peer")) {
		ask(d, d->diag);
		ctl_resp_ok(r);
		ctl_resp_kv(r, "message", "%s", d->diag->running ? "asking the peer" : d->diag->err);
	} else {
		result(d->diag, r);
	}
	return 1;
}

int diag_peer_request(struct twind *d, int argc, char **argv, struct ctl_resp *r)
{
	char *req[] = {"status", NULL};

	if (strcmp(argv[0], "diag-info") || argc != 1)
		return 0;
	/* the same keys as our own status: the peer's checks read both alike */
	status_handler(d, 1, req, r);
	return 1;
}

void diag_status(struct twind *d, struct ctl_resp *r)
{
	struct statvfs fs;

	if (d->jobs) {
		size_t n = jobs_count(d->jobs), running = 0;
		for (size_t i = 0; i < n; i++)
			running += jobs_running(d->jobs, i) != 0;
		ctl_resp_kv(r, "jobs.count", "%zu", n);
		ctl_resp_kv(r, "jobs.enabled", "%s", jobs_active(d->jobs) ? "true" : "false");
		ctl_resp_kv(r, "jobs.running", "%zu", running);
	}
	if (d->health) {
		unsigned fails = 0;
		ctl_resp_kv(r, "health.command", "%s", health_command_state(d->health, &fails));
		ctl_resp_kv(r, "health.command_fails", "%u", fails);
	}
	/* state_dir's file system (/data in the image): twind's state and
	 * the services' data need room there */
	if (statvfs(d->cfg.state_dir, &fs) == 0 && fs.f_blocks) {
		ctl_resp_kv(r, "disk.path", "%s", d->cfg.state_dir);
		ctl_resp_kv(r, "disk.size_kib", "%llu", (unsigned long long)fs.f_blocks * fs.f_frsize / 1024);
		ctl_resp_kv(r, "disk.avail_kib", "%llu",
			    (unsigned long long)fs.f_bavail * fs.f_frsize / 1024);
	}
}

void diag_close(struct twind *d)
{
	if (!d->diag)
		return;
	ctl_reply_free(&d->diag->rep);
	free(d->diag);
	d->diag = NULL;
}
