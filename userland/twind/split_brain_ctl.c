/* Split brain in the daemon: see split_brain_ctl.h. The repair is DRBD's
 * own recovery (docs/SPLIT_BRAIN.md): the victim yields the failover IP,
 * demotes, disconnects and reconnects with --discard-my-data; then the
 * survivor reconnects and serves, and DRBD resyncs the victim from it. */
#include "split_brain_ctl.h"
#include "clock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cluster.h"
#include "ctl_proto.h"
#include "daemon.h"
#include "log.h"
#include "persist.h"
#include "replica.h"
#include "split_brain.h"
#include "subproc.h"

#define PEER_INFO_MS	 1000  /* the peer's side, refreshed while split */
#define PEER_INFO_OP_MS	 200   /* ... and while a repair runs */
#define GI_EVERY_MS	 5000  /* drbdadm get-gi while split */
#define PHASE_TIMEOUT_MS 90000 /* one side's part of a repair */
#define RETRY_MS	 1000  /* a drbdadm connect that failed, a handshake DRBD dropped */

enum job_state { JOB_NONE, JOB_RUNNING, JOB_DONE, JOB_FAILED };
enum job_role { ROLE_VICTIM = 1, ROLE_SURVIVOR = 2 };
enum op_phase { OP_NONE, OP_VICTIM, OP_SURVIVOR, OP_SYNC, OP_DONE, OP_FAILED };

static const char *const job_names[] = {"none", "running", "done", "failed"};
static const char *const phase_names[] = {"none", "victim", "survivor", "resync", "done", "failed"};

/* This node's part of a repair: a few drbdadm steps and state changes. */
struct sb_job {
	enum job_role role;
	enum job_state state;
	int step;
	int waiting; /* our drbdadm is running */
	uint64_t started_ms;
	uint64_t retry_ms; /* the next connect not before */
	int retries;
	char msg[200];
};

struct sbc {
	uint64_t tag;
	struct drbd_ctl ctl; /* the job's drbdadm */
	struct sb_job job;

	/* when the split began and what was written since */
	int drbd_connected, peer_was_alive;
	uint64_t began_real_s;
	uint64_t base_kib; /* DRBD dw: while last connected */
	int base_known;
	uint64_t last_active_s; /* kept across a restart during the split */

	/* drbdadm get-gi, written to a file (subproc keeps no stdout) */
	struct subproc gi_sp;
	uint64_t gi_next_ms;
	char gi[SB_GI_MAX];

	/* the peer's side */
	struct sb_side peer;
	enum job_state peer_job;
	char peer_job_msg[200];
	uint64_t peer_next_ms;
	int peer_asking;

	/* the repair this node runs */
	enum op_phase op;
	uint8_t survivor; /* node id */
	int automatic;
	char by[128];
	char op_msg[384];
	uint64_t op_started_ms, phase_started_ms, sync_started_ms;
	int op_asking;		 /* sb-run in flight */
	int advancing;		 /* inside job_advance */
	int pending_at_start;	 /* state_dir/split_brain was there at sbc_open */
	int connected_after_job; /* DRBD connected since this node's part of a repair ended */
};

static uint64_t now_s(void)
{
	return real_ns() / 1000000000ull;
}

static int split(const struct twind *d)
{
	return d->fsm.state == NS_SPLIT_BRAIN || d->fsm.sb_pending;
}

static void gi_path(const struct twind *d, char *buf, size_t len)
{
	snprintf(buf, len, "%s/drbd.gi", d->cfg.state_dir);
}

int sbc_open(struct twind *d, uint64_t epoll_tag, char *err, size_t errlen)
{
	struct sbc *s = calloc(1, sizeof(*s));

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->tag = epoll_tag;
	drbd_ctl_init(&s->ctl);
	subproc_init(&s->gi_sp);
	s->peer.written_kib = s->peer.oos_kib = SB_UNKNOWN;
	d->sbc = s;
	int r = persist_read_u64(d->cfg.state_dir, SPLIT_BRAIN_FILE, &s->began_real_s, err, errlen);
	if (r < 0)
		log_err("%s", err);
	s->pending_at_start = r == 0;
	if (s->pending_at_start) {
		/* what the admin needs to choose survives a restart */
		uint64_t v = 0;
		if (persist_read_u64(d->cfg.state_dir, SPLIT_BRAIN_FILE ".base", &v, err, errlen) == 0 && v)
			s->base_kib = v - 1, s->base_known = 1;
		persist_read_u64(d->cfg.state_dir, SPLIT_BRAIN_FILE ".active", &s->last_active_s, err,
				 errlen);
		err[0] = 0;
	}
	return 0;
}

void sbc_close(struct twind *d)
{
	struct sbc *s = d->sbc;

	if (!s)
		return;
	if (subproc_running(&s->ctl.sp))
		drbd_ctl_abort(&s->ctl);
	if (subproc_running(&s->gi_sp))
		subproc_abort(&s->gi_sp, 200);
	free(s);
	d->sbc = NULL;
}

int sbc_pending_at_start(const struct twind *d)
{
	return d->sbc && d->sbc->pending_at_start;
}

/* --- this node's side --- */

static void own_side(struct twind *d, struct sb_side *o)
{
	struct sbc *s = d->sbc;
	uint64_t nms = mono_ms(), ns = now_s();

	memset(o, 0, sizeof(*o));
	o->known = 1;
	o->id = d->cfg.node_id;
	snprintf(o->name, sizeof(o->name), "%s", d->cfg.node_name);
	if (d->fsm.state == NS_ACTIVE)
		o->last_active_s = ns;
	else if (d->fsm.last_active_ms)
		o->last_active_s = ns - (nms - d->fsm.last_active_ms) / 1000;
	else
		o->last_active_s = s->last_active_s;
	o->epoch = d->fsm.epoch;
	o->began_s = s->began_real_s;
	snprintf(o->gi, sizeof(o->gi), "%s", s->gi);
	o->holds_vip = d->holds_vip;
	o->oos_kib = o->written_kib = SB_UNKNOWN;
	if (replica_enabled(d) && d->drbd_st_ok) {
		snprintf(o->disk, sizeof(o->disk), "%s", drbd_disk_name(d->drbd_st.disk));
		o->oos_kib = d->drbd_st.oos_kib;
		if (s->base_known && d->drbd_st.written_kib >= s->base_kib)
			o->written_kib = d->drbd_st.written_kib - s->base_kib;
	} else if (!replica_enabled(d)) {
		o->written_kib = 0; /* nothing replicated: nothing can diverge */
	}
}

static void side_kv(struct ctl_resp *r, const char *pfx, const struct sb_side *o)
{
	char k[48];
#define K(name) (snprintf(k, sizeof(k), "%s." name, pfx), k)
	ctl_resp_kv(r, K("id"), "%u", o->id);
	ctl_resp_kv(r, K("name"), "%s", o->name);
	ctl_resp_kv(r, K("last_active"), "%llu", (unsigned long long)o->last_active_s);
	ctl_resp_kv(r, K("epoch"), "%llu", (unsigned long long)o->epoch);
	ctl_resp_kv(r, K("began"), "%llu", (unsigned long long)o->began_s);
	ctl_resp_kv(r, K("gi"), "%s", o->gi[0] ? o->gi : "-");
	ctl_resp_kv(r, K("disk"), "%s", o->disk[0] ? o->disk : "-");
	ctl_resp_kv(r, K("holds_vip"), "%s", o->holds_vip ? "true" : "false");
	if (o->oos_kib != SB_UNKNOWN)
		ctl_resp_kv(r, K("out_of_sync_kib"), "%llu", (unsigned long long)o->oos_kib);
	if (o->written_kib != SB_UNKNOWN)
		ctl_resp_kv(r, K("written_kib"), "%llu", (unsigned long long)o->written_kib);
#undef K
}

static uint64_t get_u64(const struct ctl_reply *rep, const char *key, uint64_t dflt)
{
	long long v;

	return ctl_get_ll(rep, key, &v) == 0 && v >= 0 ? (uint64_t)v : dflt;
}

static void side_parse(const struct ctl_reply *rep, struct sb_side *o)
{
	const char *v;

	memset(o, 0, sizeof(*o));
	o->known = 1;
	o->id = (uint8_t)get_u64(rep, "self.id", 0);
	snprintf(o->name, sizeof(o->name), "%s", (v = ctl_get(rep, "self.name")) ? v : "?");
	o->last_active_s = get_u64(rep, "self.last_active", 0);
	o->epoch = get_u64(rep, "self.epoch", 0);
	o->began_s = get_u64(rep, "self.began", 0);
	v = ctl_get(rep, "self.gi");
	snprintf(o->gi, sizeof(o->gi), "%s", v && strcmp(v, "-") ? v : "");
	v = ctl_get(rep, "self.disk");
	snprintf(o->disk, sizeof(o->disk), "%s", v && strcmp(v, "-") ? v : "");
	o->holds_vip = ctl_get_bool(rep, "self.holds_vip") == 1;
	o->oos_kib = get_u64(rep, "self.out_of_sync_kib", SB_UNKNOWN);
	o->written_kib = get_u64(rep, "self.written_kib", SB_UNKNOWN);
}

/* --- the peer's side, fetched over the cluster channel --- */

static void info_reply(void *ctx, int ok, const struct ctl_reply *rep, const char *err)
{
	struct twind *d = ctx;
	struct sbc *s = d->sbc;

	if (!s)
		return;
	s->peer_asking = 0;
	if (!ok) {
		log_debug("split brain: the peer's side: %s", err ? err : "refused");
		return;
	}
	side_parse(rep, &s->peer);
	const char *js = ctl_get(rep, "job.state"), *jm = ctl_get(rep, "job.message");
	s->peer_job = JOB_NONE;
	for (int i = 0; i <= JOB_FAILED; i++)
		if (js && !strcmp(js, job_names[i]))
			s->peer_job = (enum job_state)i;
	snprintf(s->peer_job_msg, sizeof(s->peer_job_msg), "%s", jm ? jm : "");
}

static void ask_peer(struct twind *d)
{
	struct sbc *s = d->sbc;
	const char *req[] = {"sb-info"};
	char err[256];

	if (s->peer_asking || !d->peer.alive)
		return;
	if (cluster_peer_call(d, 1, req, info_reply, d, err, sizeof(err)))
		s->peer_asking = 1;
	else
		log_debug("split brain: cannot ask the peer: %s", err);
}

/* --- drbdadm get-gi --- */

static void gi_start(struct twind *d)
{
	struct sbc *s = d->sbc;
	char path[CFG_PATH_MAX + 16];
	char *argv[] = {"sh",
			"-c",
			"drbdadm get-gi \"$1\" >\"$2.tmp\" && mv \"$2.tmp\" \"$2\"",
			"sh",
			d->cfg.drbd_resource,
			path,
			NULL};

	if (!replica_enabled(d) || subproc_running(&s->gi_sp))
		return;
	gi_path(d, path, sizeof(path));
	if (subproc_start(&s->gi_sp, d->epfd, s->tag, argv, NULL) < 0)
		log_debug("drbdadm get-gi: %s", strerror(errno));
}

static void gi_read(struct twind *d)
{
	struct sbc *s = d->sbc;
	char path[CFG_PATH_MAX + 16], buf[SB_GI_MAX];
	int fd;

	gi_path(d, path, sizeof(path));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = 0;
	buf[strcspn(buf, "\r\n")] = 0;
	snprintf(s->gi, sizeof(s->gi), "%s", buf);
}

/* --- this node's part of a repair --- */

static void job_fail(struct twind *d, const char *what, const char *detail)
{
	struct sb_job *j = &d->sbc->job;

	j->state = JOB_FAILED;
	snprintf(j->msg, sizeof(j->msg), "%s%s", what, detail);
	log_err("split brain repair (%s): %s", j->role == ROLE_VICTIM ? "victim" : "survivor", j->msg);
	cluster_event(d, "split_brain", "repair failed on %s: %s", d->cfg.node_name, j->msg);
	/* back to waiting for the admin, holding nothing */
	if (j->role == ROLE_VICTIM && d->fsm.state != NS_SPLIT_BRAIN)
		act_event(d, FE_SPLIT_BRAIN);
}

static int job_start(struct twind *d, enum job_role role, const char *by, char *why, size_t len)
{
	struct sb_job *j = &d->sbc->job;

	if (j->state == JOB_RUNNING)
		return snprintf(why, len, "a repair step is already running on %s", d->cfg.node_name), -1;
	if (!split(d))
		return snprintf(why, len, "%s is not in split brain (%s)", d->cfg.node_name,
				node_state_name(d->fsm.state)),
		       -1;
	if (role == ROLE_SURVIVOR && replica_enabled(d) &&
	    (!d->drbd_st_ok || d->drbd_st.disk != DRBD_DISK_UPTODATE))
		return snprintf(why, len,
				"the survivor's disk is not UpToDate (%s): it cannot be the survivor",
				d->drbd_st_ok ? drbd_disk_name(d->drbd_st.disk) : "no DRBD state"),
		       -1;
	memset(j, 0, sizeof(*j));
	j->role = role;
	j->state = JOB_RUNNING;
	d->sbc->connected_after_job = 0;
	j->started_ms = mono_ms();
	snprintf(j->msg, sizeof(j->msg), "%s", role == ROLE_VICTIM ? "yielding" : "reconnecting");
	log_warn("split brain: %s is the %s (%s)", d->cfg.node_name,
		 role == ROLE_VICTIM ? "victim" : "survivor", by);
	return 0;
}

static void job_run_drbd(struct twind *d, enum drbd_op op)
{
	struct sbc *s = d->sbc;
	char err[256], name[48];

	if (drbd_ctl_start(&s->ctl, d->epfd, s->tag, d->cfg.drbd_resource, op, err, sizeof(err)) < 0) {
		job_fail(d, "", err);
		return;
	}
	s->job.waiting = 1;
	snprintf(s->job.msg, sizeof(s->job.msg), "%s", drbd_op_name(op, name, sizeof(name)));
}

static int standalone(const struct twind *d)
{
	return d->drbd_st_ok && !strcmp(d->drbd_st.conn, "StandAlone");
}

static void job_step(struct twind *d);
static void clear_pending(struct twind *d, const char *reason);

/* The steps change the state machine's state, whose steps come back here
 * (sbc_after_step): one level only. */
static void job_advance(struct twind *d)
{
	struct sbc *s = d->sbc;

	if (s->advancing)
		return;
	s->advancing = 1;
	job_step(d);
	s->advancing = 0;
}

/* DRBD clears --discard-my-data once a connection reaches the handshake,
 * also one that then fails (DRBD drops it: "Split-Brain detected but
 * unresolved", both StandAlone). Until the resync connected, a victim
 * whose part is done connects again with the discard, and the survivor
 * waiting for the connection connects again: the next handshake resolves. */
static int job_rearm(struct twind *d)
{
	struct sb_job *j = &d->sbc->job;
	uint64_t t = mono_ms();

	if (!replica_enabled(d) || j->waiting || !standalone(d) || t < j->retry_ms ||
	    t > j->started_ms + PHASE_TIMEOUT_MS)
		return 0;
	if (j->role == ROLE_VICTIM ? j->state != JOB_DONE || d->sbc->connected_after_job
				   : j->state != JOB_RUNNING || j->step != 1)
		return 0;
	j->retries++;
	j->retry_ms = t + RETRY_MS;
	log_warn("split brain repair: DRBD dropped the connection (StandAlone): connecting again%s",
		 j->role == ROLE_VICTIM ? " with --discard-my-data" : "");
	job_run_drbd(d, j->role == ROLE_VICTIM ? DRBD_CONNECT_DISCARD : DRBD_CONNECT);
	return 1;
}

/* The victim: yield (release the IP, demote), StandAlone, then DRBD's
 * discard. The survivor: connect, and once DRBD connected take over. */
static void job_step(struct twind *d)
{
	struct sbc *s = d->sbc;
	struct sb_job *j = &s->job;
	uint64_t t = mono_ms();

	if (job_rearm(d) || j->state != JOB_RUNNING || j->waiting)
		return;
	if (t > j->started_ms + PHASE_TIMEOUT_MS) {
		job_fail(d, "timed out: ", j->msg);
		return;
	}
	if (j->role == ROLE_VICTIM) {
		if (j->step == 0) {
			j->step = 1;
			if (d->fsm.state == NS_SPLIT_BRAIN) {
				act_event(d, FE_ADMIN_YIELD); /* IP off, then the demote starts */
			} else if (d->fsm.sb_pending) {
				/* Inactive meanwhile (health): the admin's choice still ends it */
				fsm_split_brain_resolved(&d->fsm);
				clear_pending(d, "repair: this node yields");
			}
		}
		if (replica_enabled(d) && subproc_running(&d->drbd.sp))
			return; /* the release's demote first */
		if (replica_enabled(d) && j->step == 1) {
			job_run_drbd(d, DRBD_DEMOTE);
			return;
		}
		if (replica_enabled(d) && j->step == 2) {
			/* a connect needs StandAlone; disconnect fails when already there */
			if (!standalone(d)) {
				if (t >= j->retry_ms) {
					j->retry_ms = t + RETRY_MS;
					job_run_drbd(d, DRBD_DISCONNECT);
				}
				return;
			}
			j->step = 3;
		}
		if (replica_enabled(d) && j->step == 3) {
			if (t >= j->retry_ms)
				job_run_drbd(d, DRBD_CONNECT_DISCARD);
			return;
		}
		j->state = JOB_DONE;
		snprintf(j->msg, sizeof(j->msg), "changes discarded; resyncing from the survivor");
		return;
	}
	if (j->step == 0) {
		if (replica_enabled(d) && standalone(d)) {
			if (t >= j->retry_ms)
				job_run_drbd(d, DRBD_CONNECT);
			return;
		}
		j->step = 1;
	}
	if (j->step == 1) {
		/* promote only once connected: DRBD then resyncs the victim
		 * from us; promoting before would run fence-peer against the
		 * victim in the middle of its handshake */
		if (replica_enabled(d) && !(d->drbd_st_ok && drbd_connected(&d->drbd_st))) {
			snprintf(j->msg, sizeof(j->msg), "waiting for DRBD to connect (%s%s)",
				 d->drbd_st_ok ? d->drbd_st.conn : "no state",
				 j->retries ? ", connected again after DRBD dropped it" : "");
			return;
		}
		j->step = 2;
		snprintf(j->msg, sizeof(j->msg), "taking over");
		if (d->fsm.state == NS_SPLIT_BRAIN)
			act_event(d, FE_ADMIN_RESOLVE);
	}
	if (d->fsm.state == NS_ACTIVE) {
		j->state = JOB_DONE;
		snprintf(j->msg, sizeof(j->msg), "serving");
	} else if (d->fsm.state != NS_ACTIVATING) {
		job_fail(d, "could not take over: ", d->fsm.reason);
	}
}

static void job_child_done(struct twind *d)
{
	struct sbc *s = d->sbc;
	struct sb_job *j = &s->job;
	int ok = 0;
	char msg[300];

	if (!j->waiting || !drbd_ctl_check(&s->ctl, &ok, msg, sizeof(msg)))
		return;
	j->waiting = 0;
	log_info("split brain repair: %s", msg);
	d->drbd_st_ok = replica_read(d, &d->drbd_st) == 0;
	if (s->ctl.op == DRBD_DEMOTE) {
		if (!ok) {
			job_fail(d, "the victim's DRBD cannot be demoted: ", msg);
			return;
		}
		j->step = 2;
	} else if (s->ctl.op == DRBD_CONNECT || s->ctl.op == DRBD_CONNECT_DISCARD) {
		if (!ok) {
			/* e.g. "Local address(port) already in use": the receiver of
			 * the connection DRBD just dropped still holds it */
			j->retries++;
			j->retry_ms = mono_ms() + RETRY_MS;
			snprintf(j->msg, sizeof(j->msg), "%.150s (trying again)", msg);
			if (j->state == JOB_RUNNING && j->role == ROLE_VICTIM)
				j->step = 2;
		} else if (j->state == JOB_RUNNING) {
			j->step = j->role == ROLE_VICTIM ? 4 : 1;
		}
	} /* a disconnect: step 2 reads the state it left */
	job_advance(d);
}

/* --- the repair this node runs --- */

static const char *peer_name(const struct twind *d)
{
	const struct sbc *s = d->sbc;
	return s->peer.known && s->peer.name[0] ? s->peer.name : "the peer";
}

static void op_fail(struct twind *d, const char *why)
{
	struct sbc *s = d->sbc;

	s->op = OP_FAILED;
	snprintf(s->op_msg, sizeof(s->op_msg),
		 "repair failed: %.150s. If it cannot complete: dissolve the pair on both nodes "
		 "(twinctl cluster dissolve), then cluster create from the survivor",
		 why);
	log_err("split brain: %s", s->op_msg);
	cluster_event(d, "split_brain", "%s", s->op_msg);
}

static void run_reply(void *ctx, int ok, const struct ctl_reply *rep, const char *err)
{
	struct twind *d = ctx;
	struct sbc *s = d->sbc;

	if (!s)
		return;
	s->op_asking = 0;
	if (s->op != OP_VICTIM && s->op != OP_SURVIVOR)
		return;
	if (!ok) {
		op_fail(d, err ? err : "the peer refused");
		return;
	}
	s->peer_job = JOB_RUNNING; /* until its sb-info says otherwise */
	s->peer_next_ms = 0;
}

static void phase_start(struct twind *d, enum op_phase ph)
{
	struct sbc *s = d->sbc;
	enum job_role role = ph == OP_VICTIM ? ROLE_VICTIM : ROLE_SURVIVOR;
	int local = (role == ROLE_SURVIVOR) == (s->survivor == d->cfg.node_id);
	char why[256];

	s->op = ph;
	s->phase_started_ms = mono_ms();
	if (local) {
		if (job_start(d, role, s->by, why, sizeof(why)) < 0)
			op_fail(d, why);
		else
			job_advance(d);
		return;
	}
	const char *req[] = {"sb-run", role == ROLE_VICTIM ? "victim" : "survivor", s->by};
	s->peer_job = JOB_NONE;
	if (cluster_peer_call(d, 3, req, run_reply, d, why, sizeof(why)))
		s->op_asking = 1;
	else
		op_fail(d, why);
}

static void op_advance(struct twind *d)
{
	struct sbc *s = d->sbc;

	if (s->op != OP_VICTIM && s->op != OP_SURVIVOR && s->op != OP_SYNC)
		return;
	if (s->op == OP_SYNC) {
		const struct drbd_status *st = &d->drbd_st;
		if (replica_enabled(d) &&
		    !(d->drbd_st_ok && !strcmp(st->conn, "Connected") && st->disk == DRBD_DISK_UPTODATE &&
		      st->peer_disk == DRBD_DISK_UPTODATE)) {
			/* a resync takes as long as it takes; not connecting at all is a failure */
			if (d->drbd_st_ok && drbd_connected(st))
				s->sync_started_ms = s->sync_started_ms ? s->sync_started_ms : mono_ms();
			else if (mono_ms() > s->phase_started_ms + PHASE_TIMEOUT_MS)
				op_fail(d, "DRBD did not reconnect after the discard (connection state stays "
					   "not connected)");
			return;
		}
		char took[32];
		uint64_t t = mono_ms();
		snprintf(took, sizeof(took), "%llu.%01llu s",
			 (unsigned long long)((t - s->sync_started_ms) / 1000),
			 (unsigned long long)((t - s->sync_started_ms) % 1000 / 100));
		s->op = OP_DONE;
		snprintf(s->op_msg, sizeof(s->op_msg),
			 "split brain repaired: %s survives and serves, %s's changes were discarded; resync "
			 "took %s",
			 s->survivor == d->cfg.node_id ? d->cfg.node_name : peer_name(d),
			 s->survivor == d->cfg.node_id ? peer_name(d) : d->cfg.node_name, took);
		log_info("%s", s->op_msg);
		cluster_event(d, "split_brain", "%s (%s)", s->op_msg, s->by);
		return;
	}
	enum job_role role = s->op == OP_VICTIM ? ROLE_VICTIM : ROLE_SURVIVOR;
	int local = (role == ROLE_SURVIVOR) == (s->survivor == d->cfg.node_id);
	enum job_state js = local ? s->job.state : s->peer_job;
	const char *jm = local ? s->job.msg : s->peer_job_msg;

	if (!local && !d->peer.alive) {
		op_fail(d, "the peer stopped answering during the repair");
		return;
	}
	if (js == JOB_FAILED) {
		op_fail(d, jm);
	} else if (js == JOB_DONE) {
		if (s->op == OP_VICTIM) {
			phase_start(d, OP_SURVIVOR);
		} else {
			s->op = OP_SYNC;
			s->phase_started_ms = s->sync_started_ms = mono_ms();
			snprintf(s->op_msg, sizeof(s->op_msg), "resyncing %s from %s",
				 local ? peer_name(d) : d->cfg.node_name,
				 local ? d->cfg.node_name : peer_name(d));
			op_advance(d);
		}
	} else if (mono_ms() > s->phase_started_ms + PHASE_TIMEOUT_MS + 5000) {
		op_fail(d, "no progress on the other node");
	} else {
		snprintf(s->op_msg, sizeof(s->op_msg), "%s on %s: %s", phase_names[s->op],
			 local ? d->cfg.node_name : peer_name(d), jm[0] ? jm : "starting");
	}
}

/* Checks, then the victim first (it must not serve when the survivor
 * claims). Returns 0 started, -1 refused with why. */
static int op_start(struct twind *d, uint8_t survivor, const char *by, int automatic, char *why, size_t len)
{
	struct sbc *s = d->sbc;

	if (s->op == OP_VICTIM || s->op == OP_SURVIVOR || s->op == OP_SYNC)
		return snprintf(why, len, "a repair is already running (%s)", phase_names[s->op]), -1;
	if (!split(d))
		return snprintf(why, len, "no split brain to repair: this node is %s",
				node_state_name(d->fsm.state)),
		       -1;
	if (!d->peer.alive)
		return snprintf(
			   why, len,
			   "the nodes cannot talk (the peer is silent on every path): a repair needs both. "
			   "If the peer cannot come back: twinctl cluster dissolve on each node, then "
			   "twinctl cluster create from the survivor"),
		       -1;
	if (replica_enabled(d)) {
		int disk = survivor == d->cfg.node_id ? (d->drbd_st_ok ? (int)d->drbd_st.disk : -1)
						      : (int)d->peer.last.drbd_disk;
		if (disk != DRBD_DISK_UPTODATE)
			return snprintf(
				   why, len,
				   "the survivor's disk is not UpToDate (%s): DRBD cannot resync from it. "
				   "To keep its data anyway: twinctl cluster dissolve, then twinctl "
				   "cluster create on %s (its data becomes the other node's by a full "
				   "sync)",
				   disk < 0 ? "no DRBD state" : drbd_disk_name((enum drbd_disk)disk),
				   survivor == d->cfg.node_id ? d->cfg.node_name : peer_name(d)),
			       -1;
	}
	s->survivor = survivor;
	s->automatic = automatic;
	snprintf(s->by, sizeof(s->by), "%s", by);
	s->op_started_ms = mono_ms();
	log_warn("split brain repair: survivor %s, %s",
		 survivor == d->cfg.node_id ? d->cfg.node_name : peer_name(d), by);
	cluster_event(d, "split_brain", "repair started: survivor %s, victim %s (%s)",
		      survivor == d->cfg.node_id ? d->cfg.node_name : peer_name(d),
		      survivor == d->cfg.node_id ? peer_name(d) : d->cfg.node_name, by);
	phase_start(d, OP_VICTIM);
	return 0;
}

/* split_brain_auto = discard-zero-changes: the lower node id runs it, so
 * both never start one. */
static void auto_repair(struct twind *d)
{
	struct sbc *s = d->sbc;
	struct sb_side me;
	char why[256];

	if (d->cfg.split_brain_auto != CFG_SB_AUTO_DISCARD_ZERO || s->op != OP_NONE || !s->peer.known ||
	    d->fsm.state != NS_SPLIT_BRAIN || d->cfg.node_id > d->cfg.peer_id ||
	    d->peer.last.state != NS_SPLIT_BRAIN)
		return;
	own_side(d, &me);
	uint8_t victim = sb_auto_victim(&me, &s->peer);
	if (!victim)
		return;
	uint8_t survivor = victim == me.id ? s->peer.id : me.id;
	if (op_start(d, survivor, "automatic: split_brain_auto discard-zero-changes", 1, why, sizeof(why)) <
	    0)
		log_warn("split brain: automatic repair not started: %s", why);
}

/* --- the daemon's calls --- */

void sbc_tick(struct twind *d)
{
	struct sbc *s = d->sbc;
	uint64_t t = mono_ms();

	if (!s)
		return;
	/* when the split began: the replication link (or the peer) was lost */
	if (replica_enabled(d) && d->drbd_st_ok) {
		int c = drbd_connected(&d->drbd_st);
		if (c) {
			s->base_kib = d->drbd_st.written_kib;
			s->base_known = 1;
			if (!split(d))
				s->began_real_s = 0;
		} else if (s->drbd_connected || (!s->began_real_s && s->base_known)) {
			s->began_real_s = now_s();
		}
		s->drbd_connected = c;
		if (c && s->job.state == JOB_DONE)
			s->connected_after_job = 1;
	} else if (!replica_enabled(d)) {
		if (s->peer_was_alive && !d->peer.alive)
			s->began_real_s = now_s();
		s->peer_was_alive = d->peer.alive;
	}
	/* the peer's side (its name, for status) once after it appears */
	if (!split(d) && s->op == OP_NONE && d->peer.alive && !s->peer.known && t >= s->peer_next_ms) {
		s->peer_next_ms = t + 5 * PEER_INFO_MS;
		ask_peer(d);
	}
	if (split(d) || s->op != OP_NONE) {
		int busy = s->op == OP_VICTIM || s->op == OP_SURVIVOR || s->op == OP_SYNC;
		if (t >= s->peer_next_ms) {
			s->peer_next_ms = t + (busy ? PEER_INFO_OP_MS : PEER_INFO_MS);
			ask_peer(d);
		}
		if (split(d) && t >= s->gi_next_ms) {
			s->gi_next_ms = t + GI_EVERY_MS;
			gi_start(d);
		}
	}
	job_advance(d);
	op_advance(d);
	auto_repair(d);
}

static void clear_pending(struct twind *d, const char *reason)
{
	static const char *const files[] = {SPLIT_BRAIN_FILE, SPLIT_BRAIN_FILE ".base",
					    SPLIT_BRAIN_FILE ".active"};

	for (size_t i = 0; i < 3; i++) {
		char path[CFG_PATH_MAX + 32];
		snprintf(path, sizeof(path), "%s/%s", d->cfg.state_dir, files[i]);
		if (unlink(path) < 0 && errno != ENOENT)
			log_err("%s: %s", path, strerror(errno));
	}
	d->sbc->last_active_s = 0;
	cluster_event(d, "split_brain", "ended on %s: %s", d->cfg.node_name, reason);
}

void sbc_after_step(struct twind *d, enum node_state from, enum node_state to, const char *reason)
{
	struct sbc *s = d->sbc;
	char err[256];

	if (!s)
		return;
	if (to == NS_SPLIT_BRAIN && from != NS_SPLIT_BRAIN) {
		if (!s->began_real_s)
			s->began_real_s = now_s();
		struct sb_side me;
		own_side(d, &me);
		if (persist_write_u64(d->cfg.state_dir, SPLIT_BRAIN_FILE ".base",
				      s->base_known ? s->base_kib + 1 : 0, err, sizeof(err)) < 0 ||
		    persist_write_u64(d->cfg.state_dir, SPLIT_BRAIN_FILE ".active", me.last_active_s, err,
				      sizeof(err)) < 0 ||
		    /* last: its presence says "pending" */
		    persist_write_u64(d->cfg.state_dir, SPLIT_BRAIN_FILE, s->began_real_s, err, sizeof(err)) <
			0)
			log_err("%s", err);
		log_warn("SPLIT BRAIN on %s: %s", d->cfg.node_name, reason);
		cluster_event(d, "split_brain", "detected on %s: %s", d->cfg.node_name, reason);
		s->gi_next_ms = 0;
		s->peer_next_ms = 0;
		/* what the peer said about an earlier split brain is stale */
		s->peer.known = 0;
		s->peer_job = JOB_NONE;
		if (s->op == OP_DONE || s->op == OP_FAILED)
			s->op = OP_NONE;
	} else if (!d->fsm.sb_pending && from == NS_SPLIT_BRAIN) {
		clear_pending(d, reason);
	}
	job_advance(d);
}

void sbc_on_child(struct twind *d)
{
	struct sbc *s = d->sbc;
	int status;

	if (!s)
		return;
	if (subproc_running(&s->gi_sp) && subproc_check(&s->gi_sp, &status)) {
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			gi_read(d);
		else
			log_debug("drbdadm get-gi: %s", s->gi_sp.errline);
	}
	job_child_done(d);
}

/* a node named by name or id: ours, or the peer's */
static int node_by_name(const struct twind *d, const char *name, uint8_t *id)
{
	const struct sbc *s = d->sbc;
	char num[8];

	snprintf(num, sizeof(num), "%u", d->cfg.node_id);
	if (!strcmp(name, d->cfg.node_name) || !strcmp(name, num))
		return *id = d->cfg.node_id, 0;
	snprintf(num, sizeof(num), "%u", d->cfg.peer_id);
	if (!strcmp(name, num) || (s->peer.known && !strcmp(name, s->peer.name)))
		return *id = d->cfg.peer_id, 0;
	return -1;
}

static void op_result(struct twind *d, struct ctl_resp *r)
{
	struct sbc *s = d->sbc;
	int running = s->op == OP_VICTIM || s->op == OP_SURVIVOR || s->op == OP_SYNC;

	ctl_resp_ok(r);
	ctl_resp_kv(r, "op", "split-brain repair");
	ctl_resp_kv(r, "running", "%s", running ? "true" : "false");
	ctl_resp_kv(r, "phase", "%s", phase_names[s->op]);
	ctl_resp_kv(r, "rc", "%d", s->op == OP_FAILED ? 1 : 0);
	ctl_resp_kv(r, "message", "%s", s->op_msg[0] ? s->op_msg : "no repair has run");
	if (s->op == OP_SYNC && d->drbd_st_ok && d->drbd_st.syncing) {
		ctl_resp_kv(r, "sync_permille", "%d", d->drbd_st.sync_permille);
		ctl_resp_kv(r, "sync_left_s", "%u", d->drbd_st.finish_s);
		ctl_resp_kv(r, "sync_speed_kib", "%llu", (unsigned long long)d->drbd_st.speed_kib);
	}
}

/* A repair runs here or on the peer, or this node's part of one ended and
 * DRBD has not connected since (within a phase timeout) */
static int repairing(const struct twind *d)
{
	const struct sbc *s = d->sbc;

	if (s->op == OP_VICTIM || s->op == OP_SURVIVOR || s->op == OP_SYNC || s->job.state == JOB_RUNNING)
		return 1;
	/* after our part: until DRBD connected again (the resync), not after */
	return s->job.state == JOB_DONE && !s->connected_after_job &&
	       mono_ms() < s->job.started_ms + PHASE_TIMEOUT_MS;
}

int sbc_ctl(struct twind *d, int argc, char **argv, struct ctl_resp *r)
{
	struct sbc *s = d->sbc;
	char why[300];

	if (!s)
		return 0;
	if (!strcmp(argv[0], "drbd-event") && argc >= 2) {
		/* DRBD's handlers (rootfs/usr/lib/twin/drbd-handler) */
		if (!strcmp(argv[1], "split-brain") && repairing(d)) {
			/* DRBD's own handshake can meet the split a while after the
			 * links returned, when the admin's repair already runs: the
			 * victim's discard resolves it */
			log_info("DRBD reports split brain on %s during the repair: left to the repair",
				 argc > 2 ? argv[2] : d->cfg.drbd_resource);
			ctl_resp_ok(r);
			ctl_resp_kv(r, "message", "a split-brain repair is running");
		} else if (!strcmp(argv[1], "split-brain")) {
			log_warn("DRBD reports split brain on %s", argc > 2 ? argv[2] : d->cfg.drbd_resource);
			cluster_event(d, "split_brain", "DRBD %s reported split brain on %s",
				      argc > 2 ? argv[2] : d->cfg.drbd_resource, d->cfg.node_name);
			act_event(d, FE_SPLIT_BRAIN);
			ctl_resp_ok(r);
			ctl_resp_kv(r, "message", "%s: %s", node_state_name(d->fsm.state), d->fsm.reason);
		} else {
			ctl_resp_err(r, "unknown DRBD event '%s' (split-brain)", argv[1]);
		}
		return 1;
	}
	if (strcmp(argv[0], "split-brain"))
		return 0;
	if (argc == 2 && !strcmp(argv[1], "result")) {
		op_result(d, r);
	} else if ((argc == 3 || argc == 4) && !strcmp(argv[1], "repair")) {
		uint8_t id;
		char by[128];
		/* who: ssh/uid N or the console (status.c), for the journal */
		snprintf(by, sizeof(by), "by %s on %s%s%.16s", d->req_from, d->cfg.node_name,
			 argc == 4 ? ", " : "", argc == 4 ? argv[3] : "");
		if (node_by_name(d, argv[2], &id) < 0)
			ctl_resp_err(r, "no node '%s' in this pair (this node: %s, id %u; peer: %s, id %u)%s",
				     argv[2], d->cfg.node_name, d->cfg.node_id, peer_name(d), d->cfg.peer_id,
				     s->peer.known ? ""
						   : "; the peer's name is not known yet: name it by its id");
		else if (op_start(d, id, by, 0, why, sizeof(why)) < 0)
			ctl_resp_err(r, "repair refused: %s", why);
		else
			ctl_resp_kv(r, "message", "repair started");
	} else {
		ctl_resp_err(r, "usage: split-brain repair SURVIVOR [HOW] | result");
	}
	return 1;
}

int sbc_peer_request(struct twind *d, int argc, char **argv, struct ctl_resp *r)
{
	struct sbc *s = d->sbc;
	struct sb_side me;
	char why[256];

	if (!s)
		return 0;
	if (!strcmp(argv[0], "sb-info") && argc == 1) {
		own_side(d, &me);
		ctl_resp_ok(r);
		side_kv(r, "self", &me);
		ctl_resp_kv(r, "self.state", "%s", node_state_name(d->fsm.state));
		ctl_resp_kv(r, "job.state", "%s", job_names[s->job.state]);
		ctl_resp_kv(r, "job.message", "%s", s->job.msg);
		return 1;
	}
	if (!strcmp(argv[0], "sb-run") && argc == 3 &&
	    (!strcmp(argv[1], "victim") || !strcmp(argv[1], "survivor"))) {
		enum job_role role = !strcmp(argv[1], "victim") ? ROLE_VICTIM : ROLE_SURVIVOR;
		if (job_start(d, role, argv[2], why, sizeof(why)) < 0) {
			ctl_resp_err(r, "%s", why);
		} else {
			ctl_resp_ok(r);
			ctl_resp_kv(r, "message", "started");
			job_advance(d);
		}
		return 1;
	}
	return 0;
}

const char *sbc_peer_name(const struct twind *d)
{
	const struct sbc *s = d->sbc;
	return s && s->peer.known && s->peer.name[0] ? s->peer.name : NULL;
}

void sbc_status(struct twind *d, struct ctl_resp *r)
{
	struct sbc *s = d->sbc;
	struct sb_side me;
	char text[SB_TEXT_MAX];

	if (!s)
		return;
	if (!d->cfg.n_witness)
		ctl_resp_kv(r, "sb.protection", "no witness: a partition can cause split brain");
	if (split(d)) {
		own_side(d, &me);
		ctl_resp_kv(r, "sb.active", "true");
		ctl_resp_kv(r, "sb.began", "%llu", (unsigned long long)me.began_s);
		side_kv(r, "sb.self", &me);
		if (s->peer.known)
			side_kv(r, "sb.peer", &s->peer);
		uint8_t keep = sb_propose(&me, &s->peer, text, sizeof(text));
		ctl_resp_kv(r, "sb.proposal", "%s", text);
		if (keep)
			ctl_resp_kv(r, "sb.proposal_survivor", "%u", keep);
		if (d->cfg.split_brain_auto == CFG_SB_AUTO_DISCARD_ZERO)
			ctl_resp_kv(r, "sb.auto", "discard-zero-changes");
	}
	if (s->op != OP_NONE) {
		ctl_resp_kv(r, "repair.phase", "%s", phase_names[s->op]);
		ctl_resp_kv(r, "repair.message", "%s", s->op_msg);
	}
}
