/* Cluster membership in the daemon: the node's identity, the TLS channel to
 * the peer (peerlink), pairing and dissolve (pairing.c), and where the pair
 * comes from:
 *   static      twin.conf names the pair (node_id, peer_id, ..., key_file)
 *   paired      cluster.state, written by `twinctl cluster create`
 *   standalone  neither: no heartbeat, no failover IP; waits to be paired
 * A change of membership restarts the daemon (exec of itself) a moment after
 * the peer has had its answer, so every part starts from one consistent
 * configuration instead of being re-keyed in flight. */
#include "cluster.h"
#include "clock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "atomic_file.h"
#include "ctl_proto.h"
#include "daemon.h"
#include "diag_ctl.h"
#include "identity.h"
#include "fence_peer_ctl.h"
#include "log.h"
#include "pairing.h"
#include "passwd.h"
#include "cfgsync.h"
#include "event_log.h"
#include "evqueue.h"
#include "peerlink.h"
#include "power.h"
#include "split_brain_ctl.h"
#include <mbedtls/base64.h>
#include "rng.h"

#define REEXEC_DELAY_MS 1000 /* the peer gets its answer before we restart */

struct cluster {
	struct twind *d;
	int ask_release; /* the peer asked for our power-off while Active */
	struct rng rng;
	struct identity id;
	struct peerlink *pl;
	struct pairing *pairing;
	int tfd;
	int mode;
	int opening; /* pairing_open reports the state it loaded: not a change */
	uint64_t reexec_at_ms;
	/* the one admin operation in flight (probe, create, dissolve) */
	int op_running, op_rc;
	char op_name[16];
	char op_msg[256];
	struct pairing_probe op_probe;
	int op_have_probe;
	/* events for the peer (docs/SYNC_AND_EVENTS.md): queued on disk,
	 * flushed in order while it is reachable, acknowledged cumulatively */
	struct evq *evq;
	struct evq_rx *evq_rx;
	struct peerlink_call *flush;
	uint64_t flushed, received;
	char peer_events[8][160]; /* the last events received, for status */
	unsigned n_peer_events;
	/* config sync: the active pushes the files of sync_dir to the peer */
	struct cfgsync *sync;
	struct peerlink_call *sync_call;
	struct cfgsync_send send;
	uint64_t next_scan_ms;
	int sync_needed, peer_was_alive;
	uint64_t sync_rounds, files_sent;
	char sync_note[300];
};

/* A batch travels as one base64 argument of "events-push": the request
 * line carries at most CTL_LINE_MAX bytes. */
#define EV_B64_MAX (CTL_LINE_MAX - 64)
#define EV_BATCH   16

static void on_changed(void *ctx, const struct cluster_state *cs)
{
	struct cluster *c = ctx;

	char path[CFG_PATH_MAX + 32], err[256], vip[CFG_VIP_TEXT_MAX + 2];
	struct twind *d = c->d;

	if (c->opening)
		return;
	snprintf(path, sizeof(path), "%s/%s", d->cfg.state_dir, STANDALONE_VIP_FILE);
	if (!cs && d->holds_vip) {
		/* dissolved while serving: this node keeps the failover IP */
		char t[CFG_VIP_TEXT_MAX];
		int n = snprintf(vip, sizeof(vip), "%s\n", cfg_vip_text(&d->cfg.vips[0], t, sizeof(t)));
		if (atomic_file_write(path, vip, (size_t)n, 0600, err, sizeof(err)) < 0)
			log_err("%s", err);
		else
			d->keep_vip = 1;
	} else if (cs) {
		atomic_file_remove(path, err, sizeof(err)); /* a new pair brings its own */
	}
	d->paired = cs != NULL;
	log_info("cluster membership changed (%s): restarting in %d ms", cs ? "paired" : "dissolved",
		 REEXEC_DELAY_MS);
	c->reexec_at_ms = mono_ms() + REEXEC_DELAY_MS;
}

static void on_done(void *ctx, int rc, const char *msg, const struct pairing_probe *probe)
{
	struct cluster *c = ctx;

	c->op_running = 0;
	c->op_rc = rc;
	snprintf(c->op_msg, sizeof(c->op_msg), "%s", msg ? msg : "");
	if (!strcmp(c->op_name, "dissolve") && rc >= 0) {
		size_t n = strlen(c->op_msg);
		char t[CFG_VIP_TEXT_MAX];
		if (c->d->keep_vip)
			snprintf(c->op_msg + n, sizeof(c->op_msg) - n,
				 "; %s keeps serving the failover IP %s", c->d->cfg.node_name,
				 cfg_vip_text(&c->d->cfg.vips[0], t, sizeof(t)));
		else
			snprintf(c->op_msg + n, sizeof(c->op_msg) - n,
				 "; the failover IP stays with the peer, which was Active");
	}
	c->op_have_probe = probe != NULL;
	if (probe)
		c->op_probe = *probe;
	log_info("cluster %s: %s", c->op_name, c->op_msg[0] ? c->op_msg : rc ? "failed" : "done");
}

/* The peer's control port, authenticated with the cluster key; id holds
 * the PSK identity ("twin-%08x") while the target is used. */
static struct peerlink_target peer_target(const struct twind *d, char id[32])
{
	snprintf(id, 32, "twin-%08x", d->cfg.cluster_id);
	return (struct peerlink_target){.host = inet_ntoa(d->cfg.peer_address),
					.port = d->cfg.control_port,
					.mode = TLS_CHAN_CLUSTER,
					.key = d->key.bytes,
					.key_len = d->key.len,
					.cluster_id = id};
}

/* Peer side of the event queue: apply each event once, in order. */
static void events_receive(struct cluster *c, const char *b64, struct ctl_resp *resp)
{
	static unsigned char text[EV_B64_MAX];
	static struct evq_batch batch;
	size_t n = 0;
	char err[256];
	struct ctl_reply rep;
	uint64_t upto = 0;

	memcpy(text, "ok\n", 3);
	if (mbedtls_base64_decode(text + 3, sizeof(text) - 4, &n, (const unsigned char *)b64, strlen(b64)) !=
	    0) {
		ctl_resp_err(resp, "events-push: not base64");
		return;
	}
	if (ctl_reply_parse(&rep, (const char *)text, n + 3, err, sizeof(err)) < 0 ||
	    evq_decode_batch(&rep, &batch, err, sizeof(err)) < 0) {
		ctl_reply_free(&rep);
		ctl_resp_err(resp, "events-push: %s", err);
		return;
	}
	for (size_t i = 0; i < batch.n; i++) {
		const struct evq_event *e = &batch.ev[i];
		upto = e->id;
		/* the configured peer id, never an id a message claims */
		if (!evq_rx_accept(c->evq_rx, c->d->cfg.peer_id, batch.gen, e->id))
			continue; /* a resend after a lost ack: already applied */
		log_info("peer event #%llu %s: %s", (unsigned long long)e->id, e->kind, e->text);
		snprintf(c->peer_events[c->n_peer_events++ % 8], sizeof(c->peer_events[0]),
			 "#%llu %lld %s %s", (unsigned long long)e->id, (long long)e->time_ms, e->kind,
			 e->text);
		c->received++;
	}
	ctl_reply_free(&rep);
	/* applied before acknowledged: a crash in between re-applies, never loses */
	if (evq_rx_commit(c->evq_rx, err, sizeof(err)) < 0) {
		ctl_resp_err(resp, "events-push: %s", err);
		return;
	}
	evq_encode_ack(resp, batch.gen, upto);
}

static void flushed_cb(void *ctx, int status, const struct ctl_reply *rep, const char *err,
		       const uint8_t peer_fp[ID_FP_LEN])
{
	struct cluster *c = ctx;
	uint64_t gen, upto;
	char e[256];

	c->flush = NULL;
	if (status != PEERLINK_OK || !rep->ok) {
		log_debug("event flush: %s", status == PEERLINK_OK ? rep->message : err);
		return;
	}
	if (evq_decode_ack(rep, &gen, &upto, e, sizeof(e)) < 0 || gen != evq_gen(c->evq))
		return;
	if (evq_ack(c->evq, upto, e, sizeof(e)) < 0)
		log_err("event queue: %s", e);
	c->flushed = upto;
}

/* While the peer is alive, send the oldest pending events. */
static void events_flush(struct cluster *c)
{
	const struct evq_event *ev[EV_BATCH];
	static unsigned char b64[EV_B64_MAX + 1];
	struct twind *d = c->d;
	size_t n, len = 0;
	char err[256], id[32];

	if (!c->evq || c->flush || !d->peer.alive || !(n = evq_pending(c->evq, 0, ev, EV_BATCH)))
		return;
	for (; n > 0; n--) { /* as many as fit in one request line */
		struct ctl_resp r;
		size_t tl;
		ctl_resp_init(&r);
		evq_encode_batch(&r, evq_gen(c->evq), evq_dropped(c->evq), ev, n);
		const char *text = ctl_resp_data(&r, &tl);
		/* the body without its status line */
		const char *body = strchr(text, '\n');
		body = body ? body + 1 : text + tl;
		int ok = mbedtls_base64_encode(b64, sizeof(b64), &len, (const unsigned char *)body,
					       tl - (size_t)(body - text)) == 0;
		ctl_resp_free(&r);
		if (ok)
			break;
	}
	if (!n)
		return;
	struct peerlink_target t = peer_target(d, id);
	const char *req[] = {"events-push", (const char *)b64};
	c->flush = peerlink_call_start(c->pl, &t, 2, req, flushed_cb, c, err, sizeof(err));
	if (!c->flush)
		log_debug("event flush: %s", err);
}

void cluster_event(struct twind *d, const char *kind, const char *fmt, ...)
{
	struct cluster *c = d->cluster;
	char text[EVQ_TEXT_MAX], err[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	elog_push(d, kind, text); /* our own history, twinctl log */
	if (!c || !c->evq)
		return;
	if (!evq_push(c->evq, kind, text, err, sizeof(err)))
		log_err("event queue: %s", err);
}

/* A request's body (key=value lines) parsed like a reply. */
static int body_parse(const struct peerlink_peer *who, struct ctl_reply *rep, char *err, size_t errlen)
{
	char *text = malloc(who->body_len + 4);

	memset(rep, 0, sizeof(*rep));
	if (!text)
		return snprintf(err, errlen, "out of memory"), -1;
	memcpy(text, "ok\n", 3);
	memcpy(text + 3, who->body, who->body_len);
	int r = ctl_reply_parse(rep, text, who->body_len + 3, err, errlen);
	free(text);
	return r;
}

/* Peer side of config sync: answer an offer with what we need; apply files
 * (each only if newer than ours, atomically). */
static void sync_receive(struct cluster *c, const char *verb, const struct peerlink_peer *who,
			 struct ctl_resp *resp)
{
	struct ctl_reply rep;
	char err[256];

	if (!c->sync) {
		ctl_resp_err(resp, "config sync is not set up on %s (sync_dir)", c->d->cfg.node_name);
		return;
	}
	log_debug("%s: %zu bytes: %.60s", verb, who->body_len, who->body);
	if (body_parse(who, &rep, err, sizeof(err)) < 0) {
		ctl_reply_free(&rep);
		ctl_resp_err(resp, "%s: %s", verb, err);
		return;
	}
	if (!strcmp(verb, "sync-offer")) {
		if (cfgsync_answer_offer(c->sync, &rep, resp, err, sizeof(err)) < 0)
			ctl_resp_err(resp, "%s", err);
	} else {
		struct cfgsync_result res;
		if (cfgsync_apply(c->sync, &rep, &res, err, sizeof(err)) < 0) {
			ctl_resp_err(resp, "%s", err);
		} else {
			if (res.applied || res.refused)
				log_info(
				    "config sync from the peer: %u file(s) applied, %u stale, %u refused%s%s",
				    res.applied, res.stale, res.refused, res.reason[0] ? ": " : "",
				    res.reason);
			cfgsync_encode_result(&res, resp);
		}
	}
	ctl_reply_free(&rep);
}

/* The kv lines of a built message, without its status line. */
static const char *resp_body(struct ctl_resp *r, size_t *len)
{
	size_t n = 0;
	const char *text = ctl_resp_data(r, &n), *nl = memchr(text, '\n', n);
	const char *body = nl ? nl + 1 : text + n;

	*len = n - (size_t)(body - text);
	return body;
}

/* a sync round ended in an error: why, for status; the call is over */
static void sync_failed(struct cluster *c, const char *why)
{
	snprintf(c->sync_note, sizeof(c->sync_note), "sync failed: %s", why);
	c->sync_call = NULL;
}

static void sync_files_cb(void *ctx, int status, const struct ctl_reply *rep, const char *err,
			  const uint8_t peer_fp[ID_FP_LEN]);

/* Send the next part of the files the peer wants, or finish. */
static void sync_send_more(struct cluster *c)
{
	struct ctl_resp r;
	char err[256];
	size_t len = 0;
	const char *verb[] = {"sync-files"};

	ctl_resp_init(&r);
	int more = cfgsync_send_next(c->sync, &c->send, &r, err, sizeof(err));
	if (more == 1) {
		const char *body = resp_body(&r, &len); /* before len is read */
		peerlink_set_body(c->pl, body, len);
		if (peerlink_call_next(c->sync_call, 1, verb, sync_files_cb, c, err, sizeof(err)) == 0) {
			ctl_resp_free(&r);
			return;
		}
	}
	if (more < 0 || more == 1)
		snprintf(c->sync_note, sizeof(c->sync_note), "sync failed: %s", err);
	else
		snprintf(c->sync_note, sizeof(c->sync_note), "in sync (%llu files sent)",
			 (unsigned long long)c->files_sent);
	c->sync_needed = more != 0;
	c->sync_rounds++;
	ctl_resp_free(&r);
}

static void sync_files_cb(void *ctx, int status, const struct ctl_reply *rep, const char *err,
			  const uint8_t peer_fp[ID_FP_LEN])
{
	struct cluster *c = ctx;
	struct cfgsync_result res;
	char e[256];

	if (status != PEERLINK_OK || !rep->ok || cfgsync_decode_result(rep, &res, e, sizeof(e)) < 0) {
		sync_failed(c, status != PEERLINK_OK ? err : !rep->ok ? rep->message : e);
		return;
	}
	c->files_sent += res.applied;
	sync_send_more(c);
	/* after the last part the call ends with this callback */
	if (!c->sync_needed || strncmp(c->sync_note, "sync failed", 11) == 0)
		c->sync_call = NULL;
}

static void sync_offer_cb(void *ctx, int status, const struct ctl_reply *rep, const char *err,
			  const uint8_t peer_fp[ID_FP_LEN])
{
	struct cluster *c = ctx;
	static struct cfgsync_names want, newer;
	char e[256];

	if (status != PEERLINK_OK || !rep->ok || cfgsync_decode_wants(rep, &want, &newer, e, sizeof(e)) < 0) {
		sync_failed(c, status != PEERLINK_OK ? err : !rep->ok ? rep->message : e);
		return;
	}
	if (newer.n)
		log_info("config sync: the peer has %zu newer file(s) (e.g. %s): it keeps them", newer.n,
			 newer.name[0]);
	cfgsync_send_begin(&c->send, &want);
	sync_send_more(c);
	if (!c->sync_needed || strncmp(c->sync_note, "sync failed", 11) == 0)
		c->sync_call = NULL;
}

/* Every 2 s: notice local edits, and offer our manifest when something
 * changed or the peer has just come back. Normally edits are made on the
 * active; either node offers so that after a partition (both active for a
 * while, edits on both) the pair converges, newest version first. */
static void sync_tick(struct cluster *c, uint64_t now)
{
	struct twind *d = c->d;
	struct cfgsync_scan res;
	struct ctl_resp r;
	char err[256], id[32];
	size_t len = 0;

	if (!c->sync)
		return;
	if (d->peer.alive && !c->peer_was_alive)
		c->sync_needed = 1;
	c->peer_was_alive = d->peer.alive;
	if (now < c->next_scan_ms)
		return;
	c->next_scan_ms = now + 2000;
	if (cfgsync_scan(c->sync, &res, err, sizeof(err)) < 0)
		log_err("config sync: %s", err);
	else if (res.changed)
		c->sync_needed = 1;
	if (!c->sync_needed || c->sync_call || !d->peer.alive)
		return;
	ctl_resp_init(&r);
	cfgsync_encode_offer(cfgsync_manifest(c->sync), &r);
	struct peerlink_target t = peer_target(d, id);
	const char *verb[] = {"sync-offer"};
	const char *body = resp_body(&r, &len); /* before len is read */
	peerlink_set_body(c->pl, body, len);
	c->sync_call = peerlink_call_start(c->pl, &t, 1, verb, sync_offer_cb, c, err, sizeof(err));
	if (!c->sync_call)
		sync_failed(c, err);
	ctl_resp_free(&r);
}

/* cluster_peer_call: the callback and its context travel together */
struct peer_call_ctx {
	cluster_reply_fn cb;
	void *ctx;
};

static void peer_call_done(void *cbctx, int status, const struct ctl_reply *rep, const char *err,
			   const uint8_t peer_fp[ID_FP_LEN])
{
	struct peer_call_ctx pc = *(struct peer_call_ctx *)cbctx;

	free(cbctx);
	if (status != PEERLINK_OK)
		pc.cb(pc.ctx, 0, NULL, err ? err : "no answer");
	else
		pc.cb(pc.ctx, rep->ok, rep, rep->ok ? NULL : rep->message);
}

struct peerlink_call *cluster_peer_call(struct twind *d, int argc, const char *const argv[],
					cluster_reply_fn cb, void *ctx, char *err, size_t errlen)
{
	struct cluster *c = d->cluster;
	struct peer_call_ctx *pc;
	char id[32];

	if (!c || c->mode == CLUSTER_STANDALONE) {
		snprintf(err, errlen, "this node has no peer");
		return NULL;
	}
	if (!(pc = malloc(sizeof(*pc)))) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pc->cb = cb;
	pc->ctx = ctx;
	struct peerlink_target t = peer_target(d, id);
	peerlink_set_body(c->pl, NULL, 0);
	struct peerlink_call *call =
	    peerlink_call_start(c->pl, &t, argc, argv, peer_call_done, pc, err, errlen);
	if (!call)
		free(pc);
	return call;
}

/* Requests from the peer: pairing and dissolve, so far. */
static void peer_handler(void *ctx, const struct peerlink_peer *who, int argc, char **argv,
			 struct ctl_resp *resp)
{
	struct cluster *c = ctx;

	if (pairing_handle(c->pairing, who, argc, argv, resp))
		return;
	if ((!strcmp(argv[0], "sync-offer") || !strcmp(argv[0], "sync-files")) && argc == 1 &&
	    who->mode == TLS_CHAN_CLUSTER) {
		sync_receive(c, argv[0], who, resp);
		return;
	}
	if (!strcmp(argv[0], "events-push") && argc == 2 && who->mode == TLS_CHAN_CLUSTER) {
		events_receive(c, argv[1], resp);
		return;
	}
	/* split brain: the peer asks for our side, or runs our part of a repair */
	if (who->mode == TLS_CHAN_CLUSTER && sbc_peer_request(c->d, argc, argv, resp))
		return;
	/* twinctl log --peer on the peer asks for a page of our history */
	if (who->mode == TLS_CHAN_CLUSTER && elog_peer_request(c->d, argc, argv, resp))
		return;
	/* twinctl diag on the peer asks for our status */
	if (who->mode == TLS_CHAN_CLUSTER && diag_peer_request(c->d, argc, argv, resp))
		return;
	/* fencing: the peer lost the replication link and asks us to outdate our disk */
	if (who->mode == TLS_CHAN_CLUSTER && fpc_peer_request(c->d, argc, argv, resp))
		return;
	/* the peer's admin asks for our reboot or shutdown: only over the
	 * channel keyed with the cluster key */
	if (!strcmp(argv[0], "node-power") && argc == 2 && who->mode == TLS_CHAN_CLUSTER &&
	    power_command(&c->d->cfg, argv[1])) {
		char err[256];
		log_warn("peer %s asks for this node's %s", who->addr, argv[1]);
		cluster_event(c->d, "admin", "%s asked by peer (%s)", argv[1], who->addr);
		/* an Active hands over first: the loop does it (cluster_dispatch) */
		if (c->d->fsm.state == NS_ACTIVE)
			c->ask_release = 1;
		if (power_run(power_command(&c->d->cfg, argv[1]), err, sizeof(err)) < 0)
			ctl_resp_err(resp, "%s: %s", argv[1], err);
		else
			ctl_resp_kv(resp, "message", "%s of %s started", argv[1], c->d->cfg.node_name);
		return;
	}
	ctl_resp_err(resp, "unknown request '%s'", argv[0]);
}

static void closed(void *ctx, const struct peerlink_peer *who)
{
	struct cluster *c = ctx;

	pairing_conn_closed(c->pairing, who);
}

/* The paired configuration from cluster.state into the running config. */
static int adopt_state(struct twind *d, const struct cluster_state *cs, char *err, size_t errlen)
{
	struct twin_config *cfg = &d->cfg;
	char ip[CS_VIP_MAX], *slash;

	cfg->node_id = cs->node_id;
	cfg->peer_id = cs->peer_id;
	cfg->cluster_id = cs->cluster_id;
	if (inet_pton(AF_INET, cs->peer_address, &cfg->peer_address) != 1) {
		snprintf(err, errlen, "cluster.state: peer_address %s is not IPv4", cs->peer_address);
		return -1;
	}
	snprintf(ip, sizeof(ip), "%s", cs->failover_ip);
	slash = strchr(ip, '/');
	if (!slash || inet_pton(AF_INET, (*slash = 0, ip), &cfg->vips[0].addr) != 1) {
		snprintf(err, errlen, "cluster.state: failover_ip %s is not A.B.C.D/N", cs->failover_ip);
		return -1;
	}
	cfg->vips[0].family = AF_INET;
	cfg->vips[0].prefix = (uint8_t)atoi(slash + 1);
	snprintf(cfg->vips[0].dev, sizeof(cfg->vips[0].dev), "%s", cfg->lan_interface);
	cfg->n_vips = 1;
	memcpy(d->key.bytes, cs->key, CS_KEY_LEN);
	d->key.len = CS_KEY_LEN;
	return 0;
}

int cluster_open(struct twind *d, char *err, size_t errlen)
{
	struct cluster *c = calloc(1, sizeof(*c));
	char path[CFG_PATH_MAX + 16], pw[CFG_PATH_MAX + 16];
	int created = 0;

	if (!c)
		return snprintf(err, errlen, "out of memory"), -1;
	d->cluster = c;
	c->d = d;
	c->tfd = -1;
	if (rng_init(&c->rng, "twind", err, errlen) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/node.key", d->cfg.state_dir);
	if (identity_load_or_create(&c->id, path, &c->rng, &created, err, errlen) < 0)
		return -1;
	if (created)
		log_info("made this node's key pair: %s", path);
	struct peerlink_opts po = {
	    .id = &c->id, .rng = &c->rng, .handler = peer_handler, .closed = closed, .ctx = c};
	if (peerlink_open(&c->pl, &po, err, errlen) < 0 ||
	    peerlink_listen(c->pl, NULL, 0, d->cfg.control_port, err, errlen) < 0)
		return -1;
	passwd_file_path(d->cfg.admin_password_file, d->cfg.state_dir, pw, sizeof(pw));
	struct pairing_opts pa = {.state_dir = d->cfg.state_dir,
				  .passwd_path = pw,
				  .node_name = d->cfg.node_name,
				  .id = &c->id,
				  .rng = &c->rng,
				  .pl = c->pl,
				  .peer_port = d->cfg.control_port,
				  .changed = on_changed,
				  .ctx = c};
	c->opening = 1;
	int r = pairing_open(&c->pairing, &pa, err, errlen);
	c->opening = 0;
	if (r < 0)
		return -1;
	const struct cluster_state *cs = pairing_state(c->pairing);
	if (d->cfg.static_pair) {
		char id[32];
		/* the peer authenticates with the same key the beats use */
		snprintf(id, sizeof(id), "twin-%08x", d->cfg.cluster_id);
		if (peerlink_set_cluster(c->pl, d->key.bytes, d->key.len, id, err, errlen) < 0)
			return -1;
		c->mode = CLUSTER_STATIC;
	} else if (cs) {
		if (adopt_state(d, cs, err, errlen) < 0)
			return -1;
		c->mode = CLUSTER_PAIRED;
	} else {
		c->mode = CLUSTER_STANDALONE;
	}
	if (c->mode != CLUSTER_STANDALONE &&
	    (evq_open(&c->evq, d->cfg.state_dir, d->cfg.event_queue_max, err, errlen) < 0 ||
	     evq_rx_open(&c->evq_rx, d->cfg.state_dir, err, errlen) < 0))
		return -1;
	if (c->mode != CLUSTER_STANDALONE && d->cfg.sync_dir[0]) {
		const char *key_name = strrchr(d->cfg.key_file, '/');
		struct cfgsync_opts so = {
		    .sync_dir = d->cfg.sync_dir,
		    .state_dir = d->cfg.state_dir,
		    .node_id = d->cfg.node_id,
		    .deny = {key_name ? key_name + 1 : NULL, "node.key", "cluster.state", NULL}};
		if (cfgsync_open(&c->sync, &so, err, errlen) < 0)
			return -1;
	}
	c->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	struct itimerspec its = {.it_interval = {0, 200000000}, .it_value = {0, 200000000}};
	if (c->tfd < 0 || timerfd_settime(c->tfd, 0, &its, NULL) < 0)
		return snprintf(err, errlen, "cluster timer: %s", strerror(errno)), -1;
	return 0;
}

int cluster_mode(const struct twind *d)
{
	return d->cluster ? d->cluster->mode : CLUSTER_STANDALONE;
}

int cluster_fd(const struct twind *d)
{
	return peerlink_fd(d->cluster->pl);
}

int cluster_timer_fd(const struct twind *d)
{
	return d->cluster->tfd;
}

static int take_asks(struct cluster *c)
{
	int ask = c->ask_release ? CLUSTER_ASK_RELEASE : 0;

	c->ask_release = 0;
	return ask;
}

int cluster_dispatch(struct twind *d)
{
	peerlink_dispatch(d->cluster->pl, mono_ms());
	return take_asks(d->cluster);
}

int cluster_on_timer(struct twind *d)
{
	struct cluster *c = d->cluster;
	uint64_t x, now = mono_ms();

	if (read(c->tfd, &x, sizeof(x)) < 0 && errno != EAGAIN)
		return 0;
	peerlink_dispatch(c->pl, now);
	pairing_tick(c->pairing, now);
	events_flush(c);
	sync_tick(c, now);
	if (c->reexec_at_ms && now >= c->reexec_at_ms) {
		d->reexec = 1;
		d->stop = 1;
	}
	return take_asks(c);
}

static const char *mode_name(int m)
{
	return m == CLUSTER_STATIC ? "static" : m == CLUSTER_PAIRED ? "paired" : "standalone";
}

void cluster_status(struct twind *d, struct ctl_resp *r)
{
	struct cluster *c = d->cluster;
	char fp[ID_FP_STR_MAX], text[256];

	if (!c)
		return;
	identity_fp_format(c->id.fp, fp);
	ctl_resp_kv(r, "cluster.mode", "%s", mode_name(c->mode));
	ctl_resp_kv(r, "cluster.fingerprint", "%s", fp);
	const struct cluster_state *cs = pairing_state(c->pairing);
	if (cs) {
		identity_fp_format(cs->peer_fp, fp);
		ctl_resp_kv(r, "cluster.peer_fingerprint", "%s", fp);
	}
	pairing_describe(c->pairing, text, sizeof(text));
	ctl_resp_kv(r, "cluster.state", "%s", text);
	/* the console's first boot asks for it while it is missing */
	passwd_file_path(d->cfg.admin_password_file, d->cfg.state_dir, text, sizeof(text));
	ctl_resp_kv(r, "cluster.password_set", "%s", access(text, F_OK) == 0 ? "true" : "false");
	if (c->sync) {
		ctl_resp_kv(r, "sync.files", "%zu", cfgsync_manifest(c->sync)->n);
		ctl_resp_kv(r, "sync.rounds", "%llu", (unsigned long long)c->sync_rounds);
		ctl_resp_kv(r, "sync.status", "%s", c->sync_note[0] ? c->sync_note : "idle");
		char dig[CFGSYNC_DIGEST_LEN];
		uint64_t ver;
		size_t live;
		cfgsync_digest(cfgsync_manifest(c->sync), dig, &ver, &live);
		ctl_resp_kv(r, "sync.digest", "%s", dig);
		ctl_resp_kv(r, "sync.version", "%llu", (unsigned long long)ver);
		ctl_resp_kv(r, "sync.present", "%zu", live);
	}
	if (c->evq) {
		ctl_resp_kv(r, "events.pending", "%zu", evq_count(c->evq));
		ctl_resp_kv(r, "events.dropped", "%llu", (unsigned long long)evq_dropped(c->evq));
		ctl_resp_kv(r, "events.last_id", "%llu", (unsigned long long)evq_last_id(c->evq));
		ctl_resp_kv(r, "events.received", "%llu", (unsigned long long)c->received);
		unsigned n = c->n_peer_events < 8 ? c->n_peer_events : 8;
		for (unsigned i = 0; i < n; i++) {
			char k[40];
			snprintf(k, sizeof(k), "events.from_peer.%u", i);
			ctl_resp_kv(r, k, "%s", c->peer_events[(c->n_peer_events - n + i) % 8]);
		}
	}
}

static int op_start(struct cluster *c, const char *name, struct ctl_resp *r)
{
	if (c->op_running) {
		ctl_resp_err(r, "busy: cluster %s is still running", c->op_name);
		return -1;
	}
	snprintf(c->op_name, sizeof(c->op_name), "%s", name);
	/* the journal names who asked (a probe changes nothing) */
	if (!strcmp(name, "create") || !strcmp(name, "dissolve"))
		cluster_event(c->d, "admin", "cluster %s requested by %s", name, c->d->req_from);
	else if (strcmp(name, "probe"))
		cluster_event(c->d, "admin", "%s of the peer requested by %s", name, c->d->req_from);
	c->op_running = 1;
	c->op_rc = 0;
	c->op_msg[0] = 0;
	c->op_have_probe = 0;
	return 0;
}

static void op_result(struct cluster *c, struct ctl_resp *r)
{
	char fp[ID_FP_STR_MAX];

	ctl_resp_ok(r);
	ctl_resp_kv(r, "op", "%s", c->op_name[0] ? c->op_name : "none");
	ctl_resp_kv(r, "running", "%s", c->op_running ? "true" : "false");
	ctl_resp_kv(r, "rc", "%d", c->op_rc);
	ctl_resp_kv(r, "message", "%s", c->op_msg);
	if (c->op_have_probe && c->op_probe.have_fp) {
		identity_fp_format(c->op_probe.fp, fp);
		ctl_resp_kv(r, "peer.fingerprint", "%s", fp);
		ctl_resp_kv(r, "peer.name", "%s", c->op_probe.name);
		ctl_resp_kv(r, "peer.clustered", "%d", c->op_probe.clustered);
		ctl_resp_kv(r, "peer.retry_after_ms", "%lld", c->op_probe.retry_after_ms);
	}
}

static void power_reply(void *ctx, int status, const struct ctl_reply *rep, const char *err,
			const uint8_t peer_fp[ID_FP_LEN])
{
	struct cluster *c = ctx;
	const char *msg = status == PEERLINK_OK ? (rep->ok ? ctl_get(rep, "message") : rep->message) : err;

	on_done(c, status == PEERLINK_OK && rep->ok ? 0 : -1, msg ? msg : "", NULL);
}

/* Local (twinctl) requests: "cluster probe|create|dissolve|result" and
 * "password set". Long operations answer at once and report through
 * "cluster result". Returns 1 if handled. */
int cluster_ctl(struct twind *d, int argc, char **argv, struct ctl_resp *r)
{
	struct cluster *c = d->cluster;
	char err[256];

	if (!strcmp(argv[0], "password") && argc == 3 && !strcmp(argv[1], "set")) {
		char pw[CFG_PATH_MAX + 16];
		passwd_file_path(d->cfg.admin_password_file, d->cfg.state_dir, pw, sizeof(pw));
		if (strlen(argv[2]) < 8) {
			ctl_resp_err(r, "the admin password needs at least 8 characters");
		} else if (pairing_set_password(pw, argv[2], PASSWD_ITER_DEFAULT, &c->rng, err, sizeof(err)) <
			   0) {
			ctl_resp_err(r, "%s", err);
		} else {
			log_info("admin password set");
			cluster_event(d, "admin", "admin password set by %s", d->req_from);
			ctl_resp_kv(r, "message", "admin password set");
		}
		return 1;
	}
	if (strcmp(argv[0], "cluster") || argc < 2)
		return 0;
	uint16_t port = d->cfg.control_port;
	if (!strcmp(argv[1], "result") && argc == 2) {
		op_result(c, r);
	} else if (!strcmp(argv[1], "probe") && argc == 3) {
		if (op_start(c, "probe", r) == 0 &&
		    pairing_probe(c->pairing, argv[2], port, on_done, c, err, sizeof(err)) < 0) {
			c->op_running = 0;
			ctl_resp_err(r, "%s", err);
		}
	} else if (!strcmp(argv[1], "create") && argc == 6) {
		/* cluster create HOST FINGERPRINT FAILOVER_IP PASSWORD */
		uint8_t fp[ID_FP_LEN];
		if (c->mode == CLUSTER_STATIC) {
			ctl_resp_err(r, "this node's pair is set up in %s; remove it there first",
				     d->config_path);
		} else if (identity_fp_parse(argv[3], fp) < 0) {
			ctl_resp_err(r, "'%s' is not a key fingerprint (SHA256: and 64 hex digits)", argv[3]);
		} else if (op_start(c, "create", r) == 0 &&
			   pairing_create(c->pairing, argv[2], port, fp, argv[4], argv[5], on_done, c, err,
					  sizeof(err)) < 0) {
			c->op_running = 0;
			ctl_resp_err(r, "%s", err);
		}
		explicit_bzero(argv[5], strlen(argv[5]));
	} else if (!strcmp(argv[1], "peer-power") && argc == 3) {
		/* twinctl reboot|shutdown --peer */
		const char *req[] = {"node-power", argv[2]};
		char id[32];
		struct peerlink_target t = peer_target(d, id);
		if (c->mode == CLUSTER_STANDALONE)
			ctl_resp_err(r, "this node has no peer");
		else if (!power_command(&d->cfg, argv[2]))
			ctl_resp_err(r, "usage: cluster peer-power reboot|shutdown");
		else if (op_start(c, argv[2], r) == 0 &&
			 !peerlink_call_start(c->pl, &t, 2, req, power_reply, c, err, sizeof(err))) {
			c->op_running = 0;
			ctl_resp_err(r, "%s", err);
		}
	} else if (!strcmp(argv[1], "dissolve") && argc == 2) {
		if (c->mode == CLUSTER_STATIC)
			ctl_resp_err(r, "this node's pair is set up in %s; dissolve it there",
				     d->config_path);
		else if (op_start(c, "dissolve", r) == 0 &&
			 pairing_dissolve(c->pairing, on_done, c, err, sizeof(err)) < 0) {
			c->op_running = 0;
			ctl_resp_err(r, "%s", err);
		}
	} else {
		ctl_resp_err(r, "usage: cluster probe HOST | create HOST FINGERPRINT FAILOVER_IP PASSWORD | "
				"dissolve | result");
	}
	return 1;
}

void cluster_close(struct twind *d)
{
	struct cluster *c = d->cluster;

	if (!c)
		return;
	if (c->flush)
		peerlink_call_cancel(c->flush);
	if (c->sync_call)
		peerlink_call_cancel(c->sync_call);
	cfgsync_close(c->sync);
	evq_close(c->evq);
	evq_rx_close(c->evq_rx);
	if (c->pairing)
		pairing_close(c->pairing);
	if (c->pl)
		peerlink_close(c->pl);
	if (c->tfd >= 0)
		close(c->tfd);
	identity_free(&c->id);
	rng_free(&c->rng);
	free(c);
	d->cluster = NULL;
}
