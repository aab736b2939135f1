/* Pairing protocol on both sides: see pairing.h and docs/PAIRING.md.
 *
 * B (responder) writes nothing before pair-commit and then exactly one file
 * atomically; A (initiator) writes cluster.pending before sending the commit
 * and renames it after the answer. Everything in between lives in memory
 * and dies with the connection, so every failure has one clear outcome. */
#define _GNU_SOURCE
#include "pairing.h"
#include "clock.h"

#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/base64.h>
#include <mbedtls/platform_util.h>

#include "atomic_file.h"
#include "log.h"
#include "passwd.h"
#include "rng.h"
#include "test_hooks.h"

#define PATH_LEN     512
#define B64_KEY_SIZE 48
#define PW_FILE_MAX  4096

enum init_state { I_IDLE, I_PROBING, I_CREATING, I_UNRESOLVED, I_DISSOLVING };

/* Crash tests (tests/net/test_crash.sh) kill the daemon between the writes
 * of a pairing: TWIN_CRASH_AT names the point (test builds only). */
static void crash_point(const char *name)
{
	const char *at = test_hook("TWIN_CRASH_AT");

	if (at && !strcmp(at, name)) {
		log_warn("TWIN_CRASH_AT=%s: killing this daemon now", name);
		raise(SIGKILL);
	}
}

struct pairing {
	struct pairing_opts o;
	char state_path[PATH_LEN], pending_path[PATH_LEN], passwd_path[PATH_LEN];
	char node_name[PAIRING_NAME_MAX];
	int clustered;
	struct cluster_state cs;
	/* responder */
	struct lockout_table lt; /* per source, persisted in lockout_path */
	char lockout_path[PATH_LEN];
	uint64_t sess_conn; /* connection that passed pair-auth, 0 = none */
	int have_prop;
	struct cluster_state prop;
	/* initiator */
	enum init_state ist;
	pairing_done_fn done;
	void *done_ctx;
	char host[INET6_ADDRSTRLEN];
	uint16_t port;
	char peer_name[PAIRING_NAME_MAX];
	struct cluster_state pend; /* the record being created, or in doubt */
	struct peerlink_call *call;
	uint64_t resolve_at;
	int resolving;
};

static uint64_t now_of(const struct pairing *p)
{
	return p->o.now_ms ? p->o.now_ms() : mono_ms();
}

static uint32_t resolve_wait(const struct pairing *p)
{
	return p->o.resolve_wait_ms ? p->o.resolve_wait_ms : PEERLINK_SESSION_MS + 2000;
}

static uint32_t resolve_retry(const struct pairing *p)
{
	return p->o.resolve_retry_ms ? p->o.resolve_retry_ms : PAIRING_RESOLVE_RETRY_MS;
}

/* Join or leave: the server's TLS mode follows, and the daemon hears of it. */
static int become_clustered(struct pairing *p, const struct cluster_state *cs, char *err, size_t errlen)
{
	char cid[CS_ID_STR_MAX];

	cluster_id_str(cs->cluster_id, cid);
	if (p->o.pl && peerlink_set_cluster(p->o.pl, cs->key, CS_KEY_LEN, cid, err, errlen))
		return -1;
	p->cs = *cs;
	p->clustered = 1;
	if (p->o.changed)
		p->o.changed(p->o.ctx, &p->cs);
	return 0;
}

static void become_unclustered(struct pairing *p)
{
	if (p->o.pl)
		peerlink_set_unclustered(p->o.pl);
	mbedtls_platform_zeroize(&p->cs, sizeof(p->cs));
	p->clustered = 0;
	if (p->o.changed)
		p->o.changed(p->o.ctx, NULL);
}

/* The lockout survives a restart: a brute force cannot clear it by
 * crashing or restarting the daemon. */
static void load_lockout(struct pairing *p)
{
	char *data = NULL, err[256], why[128];
	size_t len = 0;
	struct stat st;

	snprintf(p->lockout_path, sizeof(p->lockout_path), "%s/%s", p->o.state_dir, PAIRING_LOCKOUT_FILE);
	lockout_table_init(&p->lt, now_of(p));
	int rc = atomic_file_read(p->lockout_path, LOCKOUT_TEXT_MAX, &data, &len, &st, err, sizeof(err));
	if (rc < 0)
		log_warn("pairing lockout: %s (starting with none)", err);
	else if (rc == 0 && lockout_table_parse(&p->lt, data, len, now_of(p), why, sizeof(why)) < 0)
		log_warn("pairing lockout: %s: %s (starting with none)", p->lockout_path, why);
	if (data)
		atomic_file_free(data, len);
}

static void save_lockout(struct pairing *p)
{
	char text[LOCKOUT_TEXT_MAX], err[256];
	int n = lockout_table_format(&p->lt, now_of(p), text, sizeof(text));

	if (n < 0 || atomic_file_write(p->lockout_path, text, (size_t)n, 0600, err, sizeof(err)) < 0)
		log_warn("pairing lockout: cannot save %s: %s", p->lockout_path, n < 0 ? "too long" : err);
}

int pairing_open(struct pairing **out, const struct pairing_opts *o, char *err, size_t errlen)
{
	struct pairing *p;
	struct cluster_state cs;
	int rc;

	*out = NULL;
	if (!o->state_dir || !*o->state_dir || !o->id || !o->rng) {
		snprintf(err, errlen, "pairing: state_dir, identity and rng are required");
		return -1;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	p->o = *o;
	load_lockout(p);
	snprintf(p->state_path, sizeof(p->state_path), "%s/%s", o->state_dir, CS_STATE_FILE);
	snprintf(p->pending_path, sizeof(p->pending_path), "%s/%s", o->state_dir, CS_PENDING_FILE);
	passwd_file_path(o->passwd_path, o->state_dir, p->passwd_path, sizeof(p->passwd_path));
	snprintf(p->node_name, sizeof(p->node_name), "%s", o->node_name ? o->node_name : "");

	rc = cluster_state_load(p->state_path, &cs, err, errlen);
	if (rc < 0)
		goto fail;
	if (rc == 0 && become_clustered(p, &cs, err, errlen))
		goto fail;
	rc = cluster_state_load(p->pending_path, &p->pend, err, errlen);
	if (rc < 0)
		goto fail;
	if (rc == 0 && p->clustered) {
		/* Renamed already, or a left-over: cluster.state is the truth. */
		log_warn("%s is stale (this node is clustered): removing it", p->pending_path);
		if (atomic_file_remove(p->pending_path, err, errlen))
			goto fail;
		mbedtls_platform_zeroize(&p->pend, sizeof(p->pend));
	} else if (rc == 0) {
		snprintf(p->host, sizeof(p->host), "%s", p->pend.peer_address);
		p->port = o->peer_port ? o->peer_port : PEERLINK_PORT_DEFAULT;
		p->ist = I_UNRESOLVED;
		p->resolve_at = now_of(p) + resolve_wait(p);
		log_warn("cluster create with %s unresolved: asking it in %u s", p->host,
			 resolve_wait(p) / 1000);
	}
	mbedtls_platform_zeroize(&cs, sizeof(cs));
	*out = p;
	return 0;
fail:
	mbedtls_platform_zeroize(&cs, sizeof(cs));
	mbedtls_platform_zeroize(p, sizeof(*p));
	free(p);
	return -1;
}

void pairing_close(struct pairing *p)
{
	if (!p)
		return;
	if (p->call)
		peerlink_call_cancel(p->call);
	mbedtls_platform_zeroize(p, sizeof(*p));
	free(p);
}

const struct cluster_state *pairing_state(const struct pairing *p)
{
	return p->clustered ? &p->cs : NULL;
}

const struct lockout *pairing_lockout(const struct pairing *p, const char *addr)
{
	return lockout_table_get(&p->lt, addr);
}

void pairing_describe(const struct pairing *p, char *out, size_t outlen)
{
	if (p->ist == I_UNRESOLVED)
		snprintf(out, outlen, "cluster create unresolved (waiting for %s)", p->host);
	else if (p->ist == I_CREATING)
		snprintf(out, outlen, "cluster create in progress with %s", p->host);
	else if (p->clustered)
		snprintf(out, outlen, "clustered (cluster %08" PRIx32 ", node %u)", p->cs.cluster_id,
			 p->cs.node_id);
	else
		snprintf(out, outlen, "unclustered");
}

/* --- responder --- */

static void drop_session(struct pairing *p)
{
	p->sess_conn = 0;
	p->have_prop = 0;
	mbedtls_platform_zeroize(&p->prop, sizeof(p->prop));
}

static void hello(struct pairing *p, const struct peerlink_peer *who, struct ctl_resp *resp)
{
	uint64_t wait = lockout_table_wait(&p->lt, who->addr, now_of(p));

	ctl_resp_kv(resp, "version", "%d", PAIRING_PROTO_VERSION);
	ctl_resp_kv(resp, "node.name", "%s", p->node_name);
	ctl_resp_kv(resp, "clustered", "%s", p->clustered ? "true" : "false");
	if (wait)
		ctl_resp_kv(resp, "retry_after_ms", "%" PRIu64, wait);
}

/* The stored hash, or -1 (reason logged, never told to the peer). */
static int read_hash(struct pairing *p, char *out, size_t outlen)
{
	char *data = NULL, err[256];
	size_t len = 0;
	struct stat st;

	int rc = atomic_file_read(p->passwd_path, PW_FILE_MAX, &data, &len, &st, err, sizeof(err));
	if (rc) {
		log_warn("pairing refused: %s", rc > 0 ? "no admin password set" : err);
		return -1;
	}
	if (st.st_mode & 077) {
		log_warn("pairing refused: %s is accessible by group or others (mode %04o): chmod 600 it",
			 p->passwd_path, (unsigned)(st.st_mode & 07777));
		atomic_file_free(data, len);
		return -1;
	}
	while (len && (data[len - 1] == '\n' || data[len - 1] == '\r' || data[len - 1] == ' '))
		data[--len] = '\0';
	if (len == 0 || len >= outlen) {
		log_warn("pairing refused: %s holds no password hash", p->passwd_path);
		atomic_file_free(data, len);
		return -1;
	}
	memcpy(out, data, len + 1);
	atomic_file_free(data, len);
	return 0;
}

/* PAIRING.md §4 step 1: the order of the checks is part of the protocol
 * (cheap refusals before the KDF; the lockout before the KDF). */
static void pair_auth(struct pairing *p, const struct peerlink_peer *who, int argc, char **argv,
		      struct ctl_resp *resp)
{
	uint64_t now = now_of(p), wait;
	char hash[PASSWD_STR_MAX + 8], err[128];

	if (p->clustered) {
		ctl_resp_err(resp, "already clustered");
		return;
	}
	if (p->sess_conn == who->conn_id) {
		ctl_resp_err(resp, "already authenticated on this connection");
		return;
	}
	if (p->sess_conn) {
		ctl_resp_err(resp, "busy: another pairing is in progress");
		return;
	}
	wait = lockout_table_wait(&p->lt, who->addr, now);
	if (wait) {
		if (lockout_table_global(&p->lt, now))
			log_warn(
			    "pairing: %s refused: too many wrong passwords from all sources (ceiling %u/h)",
			    who->addr, LOCKOUT_GLOBAL_PER_HOUR);
		ctl_resp_err(resp, "locked, retry in %" PRIu64 " s", (wait + 999) / 1000);
		ctl_resp_kv(resp, "retry_after_ms", "%" PRIu64, wait);
		return;
	}
	if (argc != 2) {
		ctl_resp_err(resp, "usage: pair-auth PASSWORD");
		return;
	}
	if (read_hash(p, hash, sizeof(hash))) {
		ctl_resp_err(resp, "no admin password set on peer");
		return;
	}
	int ok = passwd_verify(argv[1], hash, err, sizeof(err));
	mbedtls_platform_zeroize(hash, sizeof(hash));
	if (ok < 0) {
		log_warn("pairing refused: %s: %s", p->passwd_path, err);
		ctl_resp_err(resp, "no admin password set on peer");
		return;
	}
	if (!ok) {
		lockout_table_fail(&p->lt, who->addr, now);
		save_lockout(p);
		log_warn("pairing: wrong admin password from %s (%u in a row)", who->addr,
			 lockout_table_get(&p->lt, who->addr)->failures);
		ctl_resp_err(resp, "wrong password");
		ctl_resp_kv(resp, "retry_after_ms", "%" PRIu64, lockout_table_wait(&p->lt, who->addr, now));
		return;
	}
	if (lockout_table_get(&p->lt, who->addr)->failures) {
		lockout_table_success(&p->lt, who->addr);
		save_lockout(p);
	}
	p->sess_conn = who->conn_id;
	log_info("pairing: %s authenticated with the admin password", who->addr);
}

static void pair_propose(struct pairing *p, const struct peerlink_peer *who, int argc, char **argv,
			 struct ctl_resp *resp)
{
	struct cluster_state cs;
	char why[96];

	if (p->clustered) {
		ctl_resp_err(resp, "already clustered");
		return;
	}
	if (!p->sess_conn || p->sess_conn != who->conn_id) {
		ctl_resp_err(resp, "not authenticated: pair-auth first");
		return;
	}
	if (cluster_proposal_parse(argc - 1, argv + 1, &cs, why, sizeof(why))) {
		ctl_resp_err(resp, "bad proposal: %s", why);
		return;
	}
	/* Identities and address as the connection proved them, never as claimed. */
	memcpy(cs.self_fp, p->o.id->fp, ID_FP_LEN);
	memcpy(cs.peer_fp, who->fp, ID_FP_LEN);
	snprintf(cs.peer_address, sizeof(cs.peer_address), "%s", who->addr);
	cs.created = (uint64_t)time(NULL);
	p->prop = cs;
	p->have_prop = 1;
	mbedtls_platform_zeroize(&cs, sizeof(cs));
	ctl_resp_kv(resp, "name", "%s", p->node_name);
}

static void pair_commit(struct pairing *p, const struct peerlink_peer *who, int argc, char **argv,
			struct ctl_resp *resp)
{
	char err[256], want[16];

	if (p->clustered) {
		ctl_resp_err(resp, "already clustered");
		return;
	}
	if (!p->sess_conn || p->sess_conn != who->conn_id || !p->have_prop) {
		ctl_resp_err(resp, "nothing proposed on this connection");
		return;
	}
	snprintf(want, sizeof(want), "%08" PRIx32, p->prop.cluster_id);
	if (argc != 2 || strcmp(argv[1], want)) {
		ctl_resp_err(resp, "commit does not match the proposal");
		return;
	}
	/* The commit point of the pair. */
	if (cluster_state_save(p->state_path, &p->prop, err, sizeof(err))) {
		log_err("pairing: cannot commit: %s", err);
		ctl_resp_err(resp, "cannot commit on peer: %s", err);
		return;
	}
	crash_point("b-after-commit");
	log_info("pairing: joined cluster %s as node %u with %s", want, p->prop.node_id, who->addr);
	if (become_clustered(p, &p->prop, err, sizeof(err)))
		log_err("pairing: committed, but the control port stays in pairing mode: %s", err);
	p->have_prop = 0;
	mbedtls_platform_zeroize(&p->prop, sizeof(p->prop));
	ctl_resp_kv(resp, "node_id", "%u", p->cs.node_id);
}

static int remove_state(struct pairing *p, char *err, size_t errlen)
{
	if (atomic_file_remove(p->state_path, err, errlen))
		return -1;
	log_info("left cluster %08" PRIx32, p->cs.cluster_id);
	become_unclustered(p);
	return 0;
}

int pairing_handle(struct pairing *p, const struct peerlink_peer *who, int argc, char **argv,
		   struct ctl_resp *resp)
{
	const char *v = argv[0];
	char err[256];

	if (strcmp(v, "pair-hello") == 0) {
		hello(p, who, resp);
		return 1;
	}
	if (strncmp(v, "pair-", 5) == 0) {
		if (who->mode != TLS_CHAN_PAIRING || !who->have_fp)
			ctl_resp_err(resp, "already clustered");
		else if (strcmp(v, "pair-auth") == 0)
			pair_auth(p, who, argc, argv, resp);
		else if (strcmp(v, "pair-propose") == 0)
			pair_propose(p, who, argc, argv, resp);
		else if (strcmp(v, "pair-commit") == 0)
			pair_commit(p, who, argc, argv, resp);
		else
			ctl_resp_err(resp, "unknown request %s", v);
		return 1;
	}
	if (who->mode != TLS_CHAN_CLUSTER) {
		ctl_resp_err(resp, "%s needs the cluster channel", v);
		return 1;
	}
	if (strcmp(v, "cluster-status") == 0) {
		ctl_resp_kv(resp, "clustered", "%s", p->clustered ? "true" : "false");
		if (p->clustered) {
			ctl_resp_kv(resp, "cluster_id", "%08" PRIx32, p->cs.cluster_id);
			ctl_resp_kv(resp, "node_id", "%u", p->cs.node_id);
			ctl_resp_kv(resp, "peer_id", "%u", p->cs.peer_id);
		}
		ctl_resp_kv(resp, "node.name", "%s", p->node_name);
		return 1;
	}
	if (strcmp(v, "cluster-dissolve") == 0) {
		char want[16];
		snprintf(want, sizeof(want), "%08" PRIx32, p->cs.cluster_id);
		if (!p->clustered)
			ctl_resp_err(resp, "not clustered");
		else if (argc != 2 || strcmp(argv[1], want))
			ctl_resp_err(resp, "cluster id does not match (this is cluster %s)", want);
		else if (remove_state(p, err, sizeof(err)))
			ctl_resp_err(resp, "cannot dissolve on peer: %s", err);
		return 1;
	}
	return 0;
}

void pairing_serve(void *ctx, const struct peerlink_peer *who, int argc, char **argv, struct ctl_resp *resp)
{
	if (!pairing_handle(ctx, who, argc, argv, resp))
		ctl_resp_err(resp, "unknown request %s", argv[0]);
}

void pairing_conn_closed(void *ctx, const struct peerlink_peer *who)
{
	struct pairing *p = ctx;

	if (p->sess_conn && p->sess_conn == who->conn_id)
		drop_session(p);
}

/* --- initiator --- */

static int free_to_pair(struct pairing *p, char *err, size_t errlen)
{
	if (p->clustered) {
		snprintf(err, errlen, "this node is already in a cluster");
		return -1;
	}
	if (p->ist == I_UNRESOLVED) {
		snprintf(err, errlen, "a previous cluster create is unresolved (waiting for %s)", p->host);
		return -1;
	}
	if (p->ist != I_IDLE) {
		snprintf(err, errlen, "another cluster operation is in progress");
		return -1;
	}
	return 0;
}

static void finish(struct pairing *p, enum init_state next, int rc, const char *msg,
		   const struct pairing_probe *probe)
{
	pairing_done_fn done = p->done;

	p->ist = next;
	p->call = NULL;
	p->done = NULL;
	if (done)
		done(p->done_ctx, rc, msg, probe);
}

static void probe_cb(void *ctx, int status, const struct ctl_reply *rep, const char *err,
		     const uint8_t peer_fp[ID_FP_LEN])
{
	struct pairing *p = ctx;
	struct pairing_probe info = {.clustered = -1};
	char msg[320];
	long long ll;

	if (peer_fp) {
		memcpy(info.fp, peer_fp, ID_FP_LEN);
		info.have_fp = 1;
	}
	if (status != PEERLINK_OK) {
		finish(p, I_IDLE, -1, err, &info);
		return;
	}
	if (!rep->ok) {
		snprintf(msg, sizeof(msg), "peer %s: %s", p->host, rep->message);
		finish(p, I_IDLE, -1, msg, &info);
		return;
	}
	info.clustered = ctl_get_bool(rep, "clustered");
	if (ctl_get_ll(rep, "retry_after_ms", &ll) == 0)
		info.retry_after_ms = ll;
	snprintf(info.name, sizeof(info.name), "%s",
		 ctl_get(rep, "node.name") ? ctl_get(rep, "node.name") : "");
	if (info.clustered == 1) {
		snprintf(msg, sizeof(msg), "%s is already in a cluster: dissolve it there first", p->host);
		finish(p, I_IDLE, -1, msg, &info);
		return;
	}
	snprintf(msg, sizeof(msg), "%s (%s) is ready to pair", p->host, info.name);
	finish(p, I_IDLE, 0, msg, &info);
}

int pairing_probe(struct pairing *p, const char *host, uint16_t port, pairing_done_fn done, void *ctx,
		  char *err, size_t errlen)
{
	static const char *const argv[] = {"pair-hello", "1"};
	struct peerlink_target t = {.host = host, .port = port, .mode = TLS_CHAN_PAIRING};

	if (free_to_pair(p, err, errlen))
		return -1;
	snprintf(p->host, sizeof(p->host), "%s", host);
	p->port = port;
	p->call = peerlink_call_start(p->o.pl, &t, 2, argv, probe_cb, p, err, errlen);
	if (!p->call)
		return -1;
	p->ist = I_PROBING;
	p->done = done;
	p->done_ctx = ctx;
	return 0;
}

/* Create failed before B could commit: undo our pending file. */
static void create_failed(struct pairing *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void create_failed(struct pairing *p, const char *fmt, ...)
{
	char msg[400], err[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (atomic_file_remove(p->pending_path, err, sizeof(err)))
		log_err("pairing: %s", err);
	mbedtls_platform_zeroize(&p->pend, sizeof(p->pend));
	finish(p, I_IDLE, -1, msg, NULL);
}

/* B said it committed: cluster.pending becomes cluster.state (atomic
 * rename, then the directory is made durable). */
static int commit_local(struct pairing *p, char *err, size_t errlen)
{
	if (rename(p->pending_path, p->state_path)) {
		snprintf(err, errlen, "rename %.300s: %s", p->pending_path, strerror(errno));
		return -1;
	}
	int dfd = open(p->o.state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	log_info("joined cluster %08" PRIx32 " as node %u with %s", p->pend.cluster_id, p->pend.node_id,
		 p->pend.peer_address);
	if (become_clustered(p, &p->pend, err, errlen))
		log_err("committed, but the control port stays in pairing mode: %s", err);
	mbedtls_platform_zeroize(&p->pend, sizeof(p->pend));
	return 0;
}

static void unresolved(struct pairing *p, const char *why)
{
	char msg[400];

	p->resolve_at = now_of(p) + resolve_wait(p);
	snprintf(msg, sizeof(msg), "pairing with %s unconfirmed (%s): resolving automatically", p->host, why);
	log_warn("%s", msg);
	finish(p, I_UNRESOLVED, 1, msg, NULL);
}

static void commit_cb(void *ctx, int status, const struct ctl_reply *rep, const char *err,
		      const uint8_t peer_fp[ID_FP_LEN])
{
	struct pairing *p = ctx;
	char e[640], msg[400];

	p->call = NULL;
	if (status != PEERLINK_OK) {
		unresolved(p, err);
		return;
	}
	if (!rep->ok) { /* B answered: it did not write cluster.state */
		create_failed(p, "pairing with %s failed: %s; nothing was changed", p->host, rep->message);
		return;
	}
	crash_point("a-before-rename");
	if (commit_local(p, e, sizeof(e))) {
		unresolved(p, e); /* B committed: the resolution will rename later */
		return;
	}
	snprintf(msg, sizeof(msg), "cluster %08" PRIx32 " created with %s (%s): this node is %u, the peer %u",
		 p->cs.cluster_id, p->host, p->peer_name, p->cs.node_id, p->cs.peer_id);
	finish(p, I_IDLE, 0, msg, NULL);
}

static void propose_cb(void *ctx, int status, const struct ctl_reply *rep, const char *err,
		       const uint8_t peer_fp[ID_FP_LEN])
{
	struct pairing *p = ctx;
	char e[256], id[16];

	if (status != PEERLINK_OK) {
		create_failed(p, "pairing with %s failed: %s; nothing was changed", p->host, err);
		return;
	}
	if (!rep->ok) {
		create_failed(p, "%s refused the proposal: %s; nothing was changed", p->host, rep->message);
		return;
	}
	const char *name = ctl_get(rep, "name");
	snprintf(p->peer_name, sizeof(p->peer_name), "%s", name ? name : "");
	/* From here A can always find out what happened (§4 step 3). */
	if (cluster_state_save(p->pending_path, &p->pend, e, sizeof(e))) {
		create_failed(p, "pairing with %s failed: %s; nothing was changed", p->host, e);
		return;
	}
	crash_point("a-after-pending");
	snprintf(id, sizeof(id), "%08" PRIx32, p->pend.cluster_id);
	const char *argv[] = {"pair-commit", id};
	if (peerlink_call_next(p->call, 2, argv, commit_cb, p, e, sizeof(e))) {
		/* Nothing was queued: B cannot have the commit. */
		create_failed(p, "pairing with %s failed: %s; nothing was changed", p->host, e);
		return;
	}
}

static void auth_cb(void *ctx, int status, const struct ctl_reply *rep, const char *err,
		    const uint8_t peer_fp[ID_FP_LEN])
{
	struct pairing *p = ctx;
	char key[B64_KEY_SIZE], e[256], arg[5][96];
	size_t klen = 0;
	long long ll = 0;

	if (status != PEERLINK_OK) {
		create_failed(p, "pairing with %s failed: %s; nothing was changed", p->host, err);
		return;
	}
	if (!rep->ok) {
		const char *m = rep->message;
		if (ctl_get_ll(rep, "retry_after_ms", &ll))
			ll = 0;
		if (strcmp(m, "wrong password") == 0)
			create_failed(p, "wrong admin password for %s (next try in %lld s)", p->host,
				      (ll + 999) / 1000);
		else if (strncmp(m, "locked", 6) == 0)
			create_failed(p, "%s refuses pairing for %lld s after failed password tries", p->host,
				      (ll + 999) / 1000);
		else if (strcmp(m, "already clustered") == 0)
			create_failed(p, "%s is already in a cluster: dissolve it there first", p->host);
		else if (strncmp(m, "busy", 4) == 0)
			create_failed(p, "%s: another pairing is in progress", p->host);
		else
			create_failed(p, "%s refused pairing: %s", p->host, m);
		return;
	}
	/* §4 step 2: a fresh key and a random non-zero id. */
	struct cluster_state *cs = &p->pend;
	if (rng_bytes(p->o.rng, cs->key, CS_KEY_LEN)) {
		create_failed(p, "pairing with %s failed: no random numbers; nothing was changed", p->host);
		return;
	}
	do
		if (rng_bytes(p->o.rng, &cs->cluster_id, sizeof(cs->cluster_id))) {
			create_failed(p, "pairing with %s failed: no random numbers; nothing was changed",
				      p->host);
			return;
		}
	while (!cs->cluster_id);
	cs->node_id = 1;
	cs->peer_id = 2;
	memcpy(cs->self_fp, p->o.id->fp, ID_FP_LEN);
	if (peer_fp)
		memcpy(cs->peer_fp, peer_fp, ID_FP_LEN); /* the pinned key, as the handshake proved it */
	snprintf(cs->peer_address, sizeof(cs->peer_address), "%s", p->host);
	cs->created = (uint64_t)time(NULL);

	mbedtls_base64_encode((unsigned char *)key, sizeof(key), &klen, cs->key, CS_KEY_LEN);
	snprintf(arg[0], sizeof(arg[0]), "cluster_id=%08" PRIx32, cs->cluster_id);
	snprintf(arg[1], sizeof(arg[1]), "cluster_key=%s", key);
	snprintf(arg[2], sizeof(arg[2]), "failover_ip=%s", cs->failover_ip);
	snprintf(arg[3], sizeof(arg[3]), "initiator_id=%u", cs->node_id);
	snprintf(arg[4], sizeof(arg[4]), "responder_id=%u", cs->peer_id);
	const char *argv[] = {"pair-propose", "version=1", arg[0], arg[1], arg[2], arg[3], arg[4]};
	int rc = peerlink_call_next(p->call, 7, argv, propose_cb, p, e, sizeof(e));
	mbedtls_platform_zeroize(key, sizeof(key));
	mbedtls_platform_zeroize(arg, sizeof(arg));
	if (rc)
		create_failed(p, "pairing with %s failed: %s; nothing was changed", p->host, e);
}

int pairing_create(struct pairing *p, const char *host, uint16_t port, const uint8_t fp[ID_FP_LEN],
		   const char *failover_ip, const char *password, pairing_done_fn done, void *ctx, char *err,
		   size_t errlen)
{
	struct peerlink_target t = {.host = host, .port = port, .mode = TLS_CHAN_PAIRING, .pin_fp = fp};
	const char *argv[] = {"pair-auth", password};
	int pending;
	struct stat st;

	if (free_to_pair(p, err, errlen))
		return -1;
	pending = stat(p->pending_path, &st) == 0;
	if (pending) {
		snprintf(err, errlen, "a previous cluster create is unresolved (%s exists)", p->pending_path);
		return -1;
	}
	if (!fp) {
		snprintf(err, errlen, "the peer's fingerprint is required");
		return -1;
	}
	if (!failover_ip || !cluster_vip_valid(failover_ip)) {
		snprintf(err, errlen, "failover IP '%s' is not A.B.C.D/N", failover_ip ? failover_ip : "");
		return -1;
	}
	if (!password || !*password) {
		snprintf(err, errlen, "the peer's admin password is required");
		return -1;
	}
	memset(&p->pend, 0, sizeof(p->pend));
	snprintf(p->pend.failover_ip, sizeof(p->pend.failover_ip), "%s", failover_ip);
	snprintf(p->host, sizeof(p->host), "%s", host ? host : "");
	p->port = port;
	p->peer_name[0] = '\0';
	p->call = peerlink_call_start(p->o.pl, &t, 2, argv, auth_cb, p, err, errlen);
	if (!p->call)
		return -1;
	p->ist = I_CREATING;
	p->done = done;
	p->done_ctx = ctx;
	return 0;
}

/* --- resolution (§6) --- */

static void resolve_cb(void *ctx, int status, const struct ctl_reply *rep, const char *err,
		       const uint8_t peer_fp[ID_FP_LEN])
{
	struct pairing *p = ctx;
	char e[640], want[16];

	p->call = NULL;
	p->resolving = 0;
	snprintf(want, sizeof(want), "%08" PRIx32, p->pend.cluster_id);
	if (status == PEERLINK_OK && rep->ok && ctl_get(rep, "cluster_id") &&
	    !strcmp(ctl_get(rep, "cluster_id"), want)) {
		if (commit_local(p, e, sizeof(e)) == 0) {
			p->ist = I_IDLE;
			return;
		}
		log_err("cluster create with %s: %s", p->host, e);
	} else if (status == PEERLINK_EAUTH) {
		/* B refused the key: it never committed, and no longer can. */
		log_warn("cluster create with %s did not complete (%s): undone", p->host, err);
		if (atomic_file_remove(p->pending_path, e, sizeof(e)) == 0) {
			mbedtls_platform_zeroize(&p->pend, sizeof(p->pend));
			p->ist = I_IDLE;
			return;
		}
		log_err("%s", e);
	} else {
		log_warn("cluster create with %s still unresolved: %s", p->host,
			 status == PEERLINK_OK ? (rep->ok ? "unexpected answer" : rep->message) : err);
	}
	p->resolve_at = now_of(p) + resolve_retry(p);
}

void pairing_tick(struct pairing *p, uint64_t now_ms)
{
	char cid[CS_ID_STR_MAX], err[256];
	static const char *const argv[] = {"cluster-status"};

	if (p->ist != I_UNRESOLVED || p->resolving || now_ms < p->resolve_at)
		return;
	cluster_id_str(p->pend.cluster_id, cid);
	struct peerlink_target t = {.host = p->pend.peer_address,
				    .port = p->port,
				    .mode = TLS_CHAN_CLUSTER,
				    .key = p->pend.key,
				    .key_len = CS_KEY_LEN,
				    .cluster_id = cid};
	p->call = peerlink_call_start(p->o.pl, &t, 1, argv, resolve_cb, p, err, sizeof(err));
	if (!p->call) {
		log_warn("cluster create with %s: %s", p->host, err);
		p->resolve_at = now_ms + resolve_retry(p);
		return;
	}
	p->resolving = 1;
}

uint64_t pairing_next_tick(const struct pairing *p)
{
	return p->ist == I_UNRESOLVED && !p->resolving ? p->resolve_at : 0;
}

int pairing_abort_pending(struct pairing *p, char *err, size_t errlen)
{
	if (p->ist != I_UNRESOLVED) {
		snprintf(err, errlen, "no unresolved cluster create");
		return -1;
	}
	if (p->call) {
		peerlink_call_cancel(p->call);
		p->call = NULL;
	}
	p->resolving = 0;
	if (atomic_file_remove(p->pending_path, err, errlen))
		return -1;
	log_warn("unresolved cluster create with %s aborted by the admin", p->host);
	mbedtls_platform_zeroize(&p->pend, sizeof(p->pend));
	p->ist = I_IDLE;
	return 0;
}

/* --- dissolve --- */

int pairing_dissolve_local(struct pairing *p, char *err, size_t errlen)
{
	if (!p->clustered) {
		snprintf(err, errlen, "this node is not in a cluster");
		return -1;
	}
	return remove_state(p, err, errlen);
}

static void dissolve_cb(void *ctx, int status, const struct ctl_reply *rep, const char *err,
			const uint8_t peer_fp[ID_FP_LEN])
{
	struct pairing *p = ctx;
	char e[256], msg[400], peer[INET6_ADDRSTRLEN];
	int told = status == PEERLINK_OK && rep->ok;

	p->call = NULL;
	snprintf(peer, sizeof(peer), "%s", p->cs.peer_address);
	if (!told)
		snprintf(e, sizeof(e), "%s", status == PEERLINK_OK ? rep->message : err);
	if (p->clustered && remove_state(p, msg, sizeof(msg))) {
		finish(p, I_IDLE, -1, msg, NULL);
		return;
	}
	if (told)
		snprintf(msg, sizeof(msg), "cluster dissolved on both nodes");
	else
		snprintf(
		    msg, sizeof(msg),
		    "this node left the cluster, but the peer %s was not told (%s): run `twinctl cluster "
		    "dissolve` there too",
		    peer, e);
	finish(p, I_IDLE, told ? 0 : 1, msg, NULL);
}

int pairing_dissolve(struct pairing *p, pairing_done_fn done, void *ctx, char *err, size_t errlen)
{
	char id[16];

	if (!p->clustered) {
		snprintf(err, errlen, "this node is not in a cluster");
		return -1;
	}
	if (p->ist != I_IDLE) {
		snprintf(err, errlen, "another cluster operation is in progress");
		return -1;
	}
	snprintf(id, sizeof(id), "%08" PRIx32, p->cs.cluster_id);
	const char *argv[] = {"cluster-dissolve", id};
	struct peerlink_target t = {.host = p->cs.peer_address,
				    .port = p->o.peer_port ? p->o.peer_port : PEERLINK_PORT_DEFAULT,
				    .mode = TLS_CHAN_CLUSTER};
	p->call = peerlink_call_start(p->o.pl, &t, 2, argv, dissolve_cb, p, err, errlen);
	if (!p->call)
		return -1;
	p->ist = I_DISSOLVING;
	p->done = done;
	p->done_ctx = ctx;
	return 0;
}

int pairing_set_password(const char *path, const char *pw, unsigned iter, struct rng *rng, char *err,
			 size_t errlen)
{
	char hash[PASSWD_STR_MAX + 1];

	if (passwd_hash(pw, iter ? iter : PASSWD_ITER_DEFAULT, rng, hash, sizeof(hash) - 1, err, errlen))
		return -1;
	size_t n = strlen(hash);
	hash[n++] = '\n';
	int rc = atomic_file_write(path, hash, n, 0600, err, errlen);
	mbedtls_platform_zeroize(hash, sizeof(hash));
	return rc;
}
