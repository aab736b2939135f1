/* The console's menu model (menu.h, docs/CONSOLE.md). One screen at a
 * time; an action is a flow of screens (fields, a confirmation with No
 * first, a request, a poll of its outcome, a message) driven by
 * flow_step. Requests are queued for the caller; answers come back by tag. */
#include "menu.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "int_parse.h"
#include "status_pages.h"

#define STATUS_EVERY_MS	  1000
#define STATUS_BUSY_MS	  250 /* while an action runs */
#define POLL_EVERY_MS	  250
#define CYCLE_DEFAULT_MS  4000
#define WRONG_SECRET_MAX  3	/* then the console waits ... */
#define WRONG_SECRET_WAIT 30000 /* ... this long before it asks again */
#define REQ_QUEUE	  8
#define IDLE_HOME_MS	  120000 /* a console left alone goes home (not while busy) */
#define TAG_STATUS	  1u
#define TAG_SYSINFO	  2u	 /* "setup show": this node's settings */
#define TAG_ALARM_ACK	  3u	 /* "alarm ack N": nobody waits for its answer */
#define RUN_SHORT_MS	  30000	 /* a console helper (setup, reset, USB listing) */
#define RUN_UPDATE_MS	  600000 /* writing a slot from a USB stick */
#define BUNDLES_MAX	  8

enum screen { S_STATUS, S_LIST, S_CONFIRM, S_FIELD, S_BUSY, S_MESSAGE };
enum list_id { L_MAIN, L_CLUSTER, L_SYSTEM, L_SURVIVOR, L_BUNDLES };

enum act {
	A_NONE,
	A_CLUSTER, /* submenus */
	A_SYSTEM,
	A_SPLIT, /* the split-brain repair */
	A_TAKEOVER,
	A_RELEASE,
	A_FAILOVER_ON,
	A_FAILOVER_OFF,
	A_RESTORE,
	A_CREATE,
	A_DISSOLVE,
	A_REBOOT,
	A_SHUTDOWN,
	A_PEER_REBOOT,
	A_PEER_SHUTDOWN,
	A_VERSION,
	A_SHELL,
	A_LOCK,
	A_FIRST_BOOT, /* the admin password, then the network */
	A_NETWORK,
	A_USB_UPDATE,
	A_FACTORY_RESET,
	A_EXIT,
	A_BACK,
};

/* what happened to the running flow */
enum ev { EV_START, EV_YES, EV_NO, EV_FIELD, EV_CANCEL, EV_REPLY, EV_ERROR, EV_POLL, EV_VERIFIED, EV_RAN };

struct item {
	enum act act;
	char label[40];
};

struct menu {
	struct menu_opts o;
	struct ctl_reply st; /* the last status, if have_st */
	int have_st;
	char st_err[MENU_TEXT_MAX];
	uint64_t st_next_ms;
	int st_asking;

	enum screen scr;
	enum list_id list;
	struct item items[MENU_ITEMS_MAX];
	int n_items, cursor;
	int page;
	uint64_t page_ms;

	/* acknowledged alarms, by text */
	char acked[8][MENU_TEXT_MAX];
	int n_acked;

	/* the running flow */
	enum act flow;
	int step;
	char q[4][MENU_TEXT_MAX]; /* a question or message's lines */
	int n_q;
	int confirm_cursor;
	struct field fld;
	char title[MENU_TEXT_MAX];
	unsigned tag, next_tag;
	int waiting; /* for tag's answer */
	uint64_t poll_ms, deadline_ms, started_ms;
	char a[4][FIELD_MAX * 2 + 1]; /* the flow's values: peer IP, failover IP, fingerprint, ... */
	char secret[FIELD_MAX + 1];
	int poll_sb;		  /* the outcome is polled with "split-brain result", else "cluster result" */
	char note[MENU_TEXT_MAX]; /* typed input refused: said until the next key */

	uint64_t last_key_ms;

	/* the lock */
	enum act pending; /* the action the unlock is for */
	uint64_t unlocked_until;
	int wrong;
	uint64_t wait_until;

	struct menu_req queue[REQ_QUEUE];
	int nq;

	/* this node's settings ("setup show": "key value" lines) */
	char sys[MENU_INPUT_MAX];
	int sys_asking;
	int ran_rc; /* EV_RAN: the helper's exit code (its output comes as err) */
	/* the setup wizard's values (hostname, eth0, gateway, DNS, eth1 net, NTP) */
	char net[6][FIELD_MAX + 1];
	char bundle[BUNDLES_MAX][FIELD_MAX * 2 + 1];
};

static const struct {
	enum act act;
	const char *lcd, *serial;
} names[] = {
    {A_CLUSTER, "Cluster", "Cluster"},
    {A_SYSTEM, "System", "System"},
    {A_SPLIT, "Split brain", "Split brain: choose the survivor"},
    {A_TAKEOVER, "Takeover", "Takeover (make this node Active)"},
    {A_RELEASE, "Release", "Release (hand Active to the peer)"},
    {A_FAILOVER_ON, "Failover on", "Enable failover"},
    {A_FAILOVER_OFF, "Failover off", "Disable failover"},
    {A_RESTORE, "Restore node", "Restore this idle node"},
    {A_CREATE, "Create cluster", "Create cluster (pair with a peer)"},
    {A_DISSOLVE, "Dissolve", "Dissolve the cluster"},
    {A_REBOOT, "Reboot", "Reboot this node"},
    {A_SHUTDOWN, "Shutdown", "Shut down this node"},
    {A_PEER_REBOOT, "Reboot peer", "Reboot the peer"},
    {A_PEER_SHUTDOWN, "Shutdown peer", "Shut down the peer"},
    {A_VERSION, "Version", "Firmware version"},
    {A_SHELL, "Shell", "Maintenance shell"},
    {A_LOCK, "Lock", "Lock the console"},
    {A_FIRST_BOOT, "Set up", "First-boot setup (password, network)"},
    {A_NETWORK, "Network", "Network settings"},
    {A_USB_UPDATE, "USB update", "Install an update from a USB stick"},
    {A_FACTORY_RESET, "Factory reset", "Factory reset (erase settings and data)"},
    {A_EXIT, "Exit", "Exit the console"},
    {A_BACK, "Back", "Back"},
};

static const char *name_of(const struct menu *m, enum act a)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].act == a)
			return m->o.ui == MENU_LCD ? names[i].lcd : names[i].serial;
	return "?";
}

static const char *st(const struct menu *m, const char *key)
{
	const char *v = m->have_st ? ctl_get(&m->st, key) : NULL;
	return v ? v : "";
}

static int st_is(const struct menu *m, const char *key, const char *val)
{
	return !strcmp(st(m, key), val);
}

static int paired(const struct menu *m)
{
	return m->have_st && (st_is(m, "cluster.mode", "paired") || st_is(m, "cluster.mode", "static"));
}

static int split_brain(const struct menu *m)
{
	return st_is(m, "sb.active", "true");
}

/* a setting from "setup show" ("" if not there) */
static const char *sys(const struct menu *m, const char *key, char *out, size_t len)
{
	size_t k = strlen(key);

	out[0] = 0;
	for (const char *p = m->sys; *p;) {
		size_t n = strcspn(p, "\n");
		if (n > k && !strncmp(p, key, k) && p[k] == ' ')
			snprintf(out, len, "%.*s", (int)(n - k - 1), p + k + 1);
		p += n + (p[n] == '\n');
	}
	return out;
}

static int sys_is(const struct menu *m, const char *key, const char *val)
{
	char v[FIELD_MAX + 1];
	return !strcmp(sys(m, key, v, sizeof(v)), val);
}

/* no admin password yet, or the network never set up */
static int first_boot(const struct menu *m)
{
	return st_is(m, "cluster.password_set", "false") || sys_is(m, "password", "no") ||
	       sys_is(m, "configured", "no");
}

/* q[] from text with '\n' between lines */
static void vlines(struct menu *m, const char *fmt, va_list ap)
{
	char buf[4 * MENU_TEXT_MAX];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	m->n_q = 0;
	for (char *p = buf, *nl; p && m->n_q < 4; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		if (nl)
			*nl = 0;
		snprintf(m->q[m->n_q++], MENU_TEXT_MAX, "%.*s", MENU_TEXT_MAX - 1, p);
	}
}

/* --- requests --- */

static unsigned queue_req(struct menu *m, enum menu_req_kind kind, unsigned tag, int argc,
			  const char *const *argv)
{
	if (m->nq >= REQ_QUEUE)
		return 0;
	struct menu_req *r = &m->queue[m->nq++];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->tag = tag;
	r->argc = argc > MENU_ARGS_MAX ? MENU_ARGS_MAX : argc;
	for (int i = 0; i < r->argc; i++)
		snprintf(r->argv[i], sizeof(r->argv[i]), "%s", argv[i]);
	return tag;
}

static unsigned queue_run(struct menu *m, unsigned tag, int argc, const char *const *argv, const char *input,
			  int timeout_ms)
{
	if (!queue_req(m, MR_RUN, tag, argc, argv))
		return 0;
	struct menu_req *r = &m->queue[m->nq - 1];
	snprintf(r->input, sizeof(r->input), "%s", input ? input : "");
	r->timeout_ms = timeout_ms;
	return tag;
}

static void ask_sysinfo(struct menu *m)
{
	const char *req[] = {"setup", "show"};
	if (!m->sys_asking && queue_run(m, TAG_SYSINFO, 2, req, NULL, RUN_SHORT_MS))
		m->sys_asking = 1;
}

static void busy(struct menu *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void busy(struct menu *m, const char *fmt, ...)
{
	va_list ap;

	m->scr = S_BUSY;
	va_start(ap, fmt);
	vlines(m, fmt, ap);
	va_end(ap);
}

/* a control request for the flow; its answer comes as EV_REPLY/EV_ERROR */
static unsigned new_tag(struct menu *m)
{
	if (++m->next_tag <= TAG_ALARM_ACK)
		m->next_tag = TAG_ALARM_ACK + 1;
	return m->next_tag;
}

/* an action: twind's log names the console as who asked (from=console) */
static void ask(struct menu *m, const char *what, int argc, const char *const *argv)
{
	const char *with[MENU_ARGS_MAX];
	int n = 0;

	for (; n < argc && n < MENU_ARGS_MAX - 1; n++)
		with[n] = argv[n];
	with[n++] = "from=console";
	m->tag = new_tag(m);
	m->waiting = 1;
	queue_req(m, MR_CTL, m->tag, n, with);
	busy(m, "%s", what);
}

/* a console helper for the flow; its end comes as EV_RAN */
static void run(struct menu *m, const char *what, int argc, const char *const *argv, const char *input,
		int timeout_ms)
{
	m->tag = new_tag(m);
	m->waiting = 1;
	queue_run(m, m->tag, argc, argv, input, timeout_ms);
	busy(m, "%s", what);
}

/* --- screens --- */

static void build_list(struct menu *m, enum list_id id)
{
	struct item *it = m->items;
	int n = 0;
#define ADD(a)                                                                                               \
	do {                                                                                                 \
		if (n < MENU_ITEMS_MAX) {                                                                    \
			it[n].act = (a);                                                                     \
			snprintf(it[n].label, sizeof(it[n].label), "%s", name_of(m, a));                     \
			n++;                                                                                 \
		}                                                                                            \
	} while (0)
	const char *state = st(m, "node.state");
	switch (id) {
	case L_MAIN:
		if (first_boot(m))
			ADD(A_FIRST_BOOT);
		if (split_brain(m))
			ADD(A_SPLIT);
		ADD(A_CLUSTER);
		ADD(A_SYSTEM);
		if (m->o.ui == MENU_SERIAL && m->o.shell)
			ADD(A_SHELL);
		if (m->o.lock == LOCK_SECRET)
			ADD(A_LOCK);
		if (m->o.ui == MENU_SERIAL)
			ADD(A_EXIT);
		ADD(A_BACK);
		break;
	case L_CLUSTER:
		if (paired(m)) {
			if (!strcmp(state, "Standby") || !strcmp(state, "Inactive"))
				ADD(A_TAKEOVER);
			if (!strcmp(state, "Active"))
				ADD(A_RELEASE);
			if (!strcmp(state, "Idle"))
				ADD(A_RESTORE);
			ADD(st_is(m, "node.failover_enabled", "false") ? A_FAILOVER_ON : A_FAILOVER_OFF);
			ADD(A_DISSOLVE);
		} else {
			ADD(A_CREATE);
		}
		ADD(A_BACK);
		break;
	case L_SYSTEM:
		ADD(A_REBOOT);
		ADD(A_SHUTDOWN);
		if (paired(m)) {
			ADD(A_PEER_REBOOT);
			ADD(A_PEER_SHUTDOWN);
		}
		ADD(A_NETWORK);
		ADD(A_VERSION);
		ADD(A_USB_UPDATE);
		ADD(A_FACTORY_RESET);
		ADD(A_BACK);
		break;
	case L_SURVIVOR:
	case L_BUNDLES:
		break; /* flow_split, flow_usb fill them */
	}
#undef ADD
	m->n_items = n;
	if (m->list != id || m->cursor >= n)
		m->cursor = 0;
	m->list = id;
}

static void show_list(struct menu *m, enum list_id id)
{
	m->flow = A_NONE;
	m->waiting = 0;
	m->scr = S_LIST;
	m->cursor = m->list == id ? m->cursor : 0;
	build_list(m, id);
}

static void back_to_menu(struct menu *m)
{
	enum list_id l = m->flow == A_CREATE || m->flow == A_DISSOLVE || m->flow == A_TAKEOVER ||
				 m->flow == A_RELEASE || m->flow == A_RESTORE || m->flow == A_FAILOVER_ON ||
				 m->flow == A_FAILOVER_OFF
			     ? L_CLUSTER
			 : m->flow == A_REBOOT || m->flow == A_SHUTDOWN || m->flow == A_PEER_REBOOT ||
				 m->flow == A_PEER_SHUTDOWN || m->flow == A_VERSION || m->flow == A_NETWORK ||
				 m->flow == A_USB_UPDATE || m->flow == A_FACTORY_RESET
			     ? L_SYSTEM
			     : L_MAIN;
	explicit_bzero(m->secret, sizeof(m->secret));
	explicit_bzero(m->a, sizeof(m->a));
	explicit_bzero(m->net, sizeof(m->net));
	show_list(m, l);
}

static void message(struct menu *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void message(struct menu *m, const char *fmt, ...)
{
	va_list ap;

	m->waiting = 0;
	m->scr = S_MESSAGE;
	va_start(ap, fmt);
	vlines(m, fmt, ap);
	va_end(ap);
}

static void confirm(struct menu *m, const char *title, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* a destructive question: No is selected first */
static void confirm(struct menu *m, const char *title, const char *fmt, ...)
{
	va_list ap;

	snprintf(m->title, sizeof(m->title), "%s", title);
	m->scr = S_CONFIRM;
	m->confirm_cursor = 0;
	va_start(ap, fmt);
	vlines(m, fmt, ap);
	va_end(ap);
}

static void ask_field(struct menu *m, enum field_kind kind, const char *label, const char *init)
{
	field_init(&m->fld, kind, label, init);
	if (kind == FIELD_PASSWORD && m->flow == A_FIRST_BOOT)
		m->fld.min_len = 8;
	m->scr = S_FIELD;
}

/* --- flows --- */

static void flow_step(struct menu *m, enum ev ev, const struct ctl_reply *rep, const char *err, uint64_t now);

static int reply_ok(const struct ctl_reply *rep)
{
	return rep && rep->ok;
}

static const char *reply_text(const struct ctl_reply *rep, const char *err)
{
	if (!rep)
		return err && *err ? err : "no answer from twind";
	if (!rep->ok)
		return rep->message && *rep->message ? rep->message : "refused";
	const char *msg = ctl_get(rep, "message");
	return msg && *msg ? msg : "done";
}

/* an operation that reports through "cluster result" / "split-brain result" */
static void start_poll(struct menu *m, uint64_t now, uint64_t limit_ms)
{
	m->poll_ms = now + POLL_EVERY_MS;
	m->deadline_ms = now + limit_ms;
	m->waiting = 0;
}

static void poll_outcome(struct menu *m)
{
	const char *req[] = {m->poll_sb ? "split-brain" : "cluster", "result"};
	m->tag = new_tag(m);
	m->waiting = 1;
	queue_req(m, MR_CTL, m->tag, 2, req);
}

/* The answers of an operation that reports later ("cluster probe|create|
 * dissolve|peer-power", "split-brain repair"): the request's own answer
 * starts polling its outcome, which runs until "running" is false. 1: the
 * outcome is in rep; 0: handled here (still running, or failed and said). */
static int outcome(struct menu *m, enum ev ev, const struct ctl_reply *rep, const char *err, uint64_t now,
		   uint64_t limit_ms)
{
	if (ev == EV_ERROR || (ev == EV_REPLY && !rep->ok)) {
		message(m, "%s", reply_text(rep, err));
	} else if (ev == EV_POLL) {
		if (now >= m->deadline_ms)
			message(m, "No outcome after %llu s",
				(unsigned long long)((now - m->started_ms) / 1000));
		else
			poll_outcome(m);
	} else if (ev == EV_REPLY && !ctl_get(rep, "running")) {
		start_poll(m, now, limit_ms); /* the request was taken */
	} else if (ev == EV_REPLY && ctl_get_bool(rep, "running") == 1) {
		m->poll_ms = now + POLL_EVERY_MS;
		const char *msg = ctl_get(rep, "message");
		if (msg && *msg)
			busy(m, "%s", msg);
	} else if (ev == EV_REPLY) {
		return 1;
	}
	return 0;
}

static int final_rc(const struct ctl_reply *rep)
{
	long long rc = -1;
	ctl_get_ll(rep, "rc", &rc);
	return (int)rc;
}

static void flow_power(struct menu *m, enum ev ev, const struct ctl_reply *rep, const char *err, uint64_t now)
{
	int peer = m->flow == A_PEER_REBOOT || m->flow == A_PEER_SHUTDOWN;
	int reboot = m->flow == A_REBOOT || m->flow == A_PEER_REBOOT;
	const char *verb = reboot ? "reboot" : "shutdown";

	if (ev == EV_START) {
		const char *who = peer ? st(m, "peer.name") : st(m, "node.name");
		const char *state = peer ? st(m, "peer.state") : st(m, "node.state");
		confirm(m, reboot ? "Reboot?" : "Shut down?", "%s %s (%s)?%s",
			reboot ? "Reboot" : "Shut down", *who ? who : "the peer", *state ? state : "?",
			!strcmp(state, "Active") ? "\nIt hands the failover IP over first." : "");
	} else if (ev == EV_YES) {
		m->step = 1;
		if (peer) {
			const char *req[] = {"cluster", "peer-power", verb};
			ask(m, reboot ? "rebooting the peer" : "shutting the peer down", 3, req);
		} else {
			const char *req[] = {"power", verb};
			ask(m, reboot ? "rebooting" : "shutting down", 2, req);
		}
	} else if (!peer) {
		message(m, "%s", reply_text(rep, err));
	} else if (outcome(m, ev, rep, err, now, 45000)) {
		message(m, "%s", reply_text(rep, err));
	}
}

static void flow_simple(struct menu *m, enum ev ev, const struct ctl_reply *rep, const char *err)
{
	if (ev == EV_START) {
		if (m->flow == A_FAILOVER_OFF) {
			confirm(m, "Failover off?",
				"Disable failover on %s?\nIt will not take over\nwhen the peer fails.",
				st(m, "node.name"));
			return;
		}
		if (m->flow == A_RESTORE) {
			confirm(m, "Restore?", "Bring %s back\ninto service?", st(m, "node.name"));
			return;
		}
		if (m->flow == A_RELEASE) {
			confirm(m, "Release?", "Hand Active over\nto %s?", st(m, "peer.name"));
			return;
		}
		ev = EV_YES;
	}
	if (ev == EV_YES) {
		const char *req[2] = {"failover", "enable"};
		int n = 2;
		if (m->flow == A_FAILOVER_OFF)
			req[1] = "disable";
		else if (m->flow == A_RESTORE)
			req[0] = "restore", n = 1;
		else if (m->flow == A_RELEASE)
			req[0] = "release", n = 1;
		else if (m->flow == A_VERSION)
			req[0] = "version", n = 1;
		ask(m, "asking twind", n, req);
	} else if (ev == EV_REPLY && m->flow == A_VERSION && reply_ok(rep)) {
		const char *v = ctl_get(rep, "version"), *p = ctl_get(rep, "protocol");
		char slot[FIELD_MAX + 1];
		sys(m, "slot", slot, sizeof(slot));
		message(m, "Twin %s\nslot %s proto %s", v ? v : "?", *slot ? slot : "?", p ? p : "?");
	} else if (ev == EV_REPLY || ev == EV_ERROR) {
		message(m, "%s", reply_text(rep, err));
	}
}

/* takeover: the request, then the status until Active (twinctl's wait) */
static void flow_takeover(struct menu *m, enum ev ev, const struct ctl_reply *rep, const char *err,
			  uint64_t now)
{
	if (ev == EV_START) {
		const char *peer = st(m, "peer.name");
		confirm(m, "Takeover?", "Make %s Active?\n%s (%s) hands\nthe failover IP over.",
			st(m, "node.name"), *peer ? peer : "The peer", st(m, "peer.state"));
	} else if (ev == EV_YES) {
		const char *req[] = {"takeover"};
		m->step = 1;
		m->started_ms = now;
		ask(m, "taking over", 1, req);
	} else if (ev == EV_REPLY && m->step == 1) {
		if (!reply_ok(rep)) {
			message(m, "Takeover refused:\n%s", reply_text(rep, err));
			return;
		}
		m->step = 2;
		start_poll(m, now, 8000);
		busy(m, "%s", reply_text(rep, err));
	} else if (ev == EV_POLL && m->step == 2) {
		if (st_is(m, "node.state", "Active"))
			message(m, "%s is Active\n(%llu ms)", st(m, "node.name"),
				(unsigned long long)(now - m->started_ms));
		else if (now >= m->deadline_ms)
			message(m, "Still %s after %llu s:\n%s", st(m, "node.state"),
				(unsigned long long)((now - m->started_ms) / 1000), st(m, "node.reason"));
		else
			m->poll_ms = now + POLL_EVERY_MS;
	} else if (ev == EV_ERROR) {
		message(m, "%s", reply_text(rep, err));
	}
}

/* create: peer IP, failover IP, the peer's key (probe) to confirm, its
 * password, then the pairing: twinctl cluster create's steps */
static void flow_create(struct menu *m, enum ev ev, const struct ctl_reply *rep, const char *err,
			uint64_t now)
{
	if (ev == EV_START) {
		ask_field(m, FIELD_IPV4, "Peer IP", "");
	} else if (ev == EV_FIELD && m->step == 0) {
		snprintf(m->a[0], sizeof(m->a[0]), "%s", m->fld.val);
		m->step = 1;
		ask_field(m, FIELD_IPV4_PREFIX, "Failover IP", "");
	} else if (ev == EV_FIELD && m->step == 1) {
		snprintf(m->a[1], sizeof(m->a[1]), "%s", m->fld.val);
		const char *req[] = {"cluster", "probe", m->a[0]};
		m->step = 2;
		ask(m, "asking the peer\nfor its key", 3, req);
	} else if (m->step == 2 && outcome(m, ev, rep, err, now, 45000)) {
		const char *fp = ctl_get(rep, "peer.fingerprint");
		if (!fp) {
			message(m, "No key from %s:\n%s", m->a[0], reply_text(rep, err));
		} else if (ctl_get_bool(rep, "peer.clustered") == 1) {
			message(m, "%s is paired\nalready: dissolve\nthat first", m->a[0]);
		} else {
			snprintf(m->a[2], sizeof(m->a[2]), "%s", fp);
			const char *name = ctl_get(rep, "peer.name");
			snprintf(m->a[3], sizeof(m->a[3]), "%s", name && *name ? name : m->a[0]);
			m->step = 3;
			/* the hex in pieces as the peer's console prints them */
			const char *hex = strncmp(fp, "SHA256:", 7) ? fp : fp + 7;
			size_t n = strlen(hex);
			confirm(m, "Same key?", "%s's key:\n%.19s\n%.19s ...\nSame on its screen?", m->a[3],
				hex, n > 20 ? hex + 20 : "");
		}
	} else if (ev == EV_YES && m->step == 3) {
		m->step = 4;
		ask_field(m, FIELD_PASSWORD, "Peer's password", "");
	} else if (ev == EV_FIELD && m->step == 4) {
		snprintf(m->secret, sizeof(m->secret), "%s", m->fld.val);
		explicit_bzero(m->fld.val, sizeof(m->fld.val));
		const char *req[] = {"cluster", "create", m->a[0], m->a[2], m->a[1], m->secret};
		m->step = 5;
		ask(m, "pairing", 6, req);
		explicit_bzero(m->secret, sizeof(m->secret));
	} else if (m->step == 5 && outcome(m, ev, rep, err, now, 45000)) {
		message(m, "%s%s", final_rc(rep) ? "Not paired:\n" : "", reply_text(rep, err));
	}
}

static void flow_dissolve(struct menu *m, enum ev ev, const struct ctl_reply *rep, const char *err,
			  uint64_t now)
{
	if (ev == EV_START) {
		confirm(m, "Dissolve?",
			"Dissolve the pair?\nBoth run alone: keep\nONE sending mail, or\nit goes out twice.");
	} else if (ev == EV_YES) {
		const char *req[] = {"cluster", "dissolve"};
		m->step = 1;
		ask(m, "dissolving", 2, req);
	} else if (outcome(m, ev, rep, err, now, 45000)) {
		if (final_rc(rep))
			message(m, "%s", reply_text(rep, err));
		else
			message(m, "%s\nKeep ONE node sending:\nqueued mail would\ngo out twice.",
				reply_text(rep, err));
	}
}

/* a flow's list of choices (items filled in): its step 1, the choice
 * comes back as EV_YES with confirm_cursor */
static void show_choice(struct menu *m, enum list_id id, const char *title)
{
	m->scr = S_LIST;
	m->list = id;
	m->cursor = 0;
	m->step = 1;
	snprintf(m->title, sizeof(m->title), "%s", title);
}

/* the split brain: the survivor (the proposal first), confirmation with
 * what is lost, the repair and its resync */
static void flow_split(struct menu *m, enum ev ev, const struct ctl_reply *rep, const char *err, uint64_t now)
{
	if (ev == EV_START) {
		if (!split_brain(m)) {
			message(m, "No split brain");
			return;
		}
		const char *keep = st(m, "sb.proposal_survivor");
		const char *pfx[2] = {"sb.self", "sb.peer"};
		char key[48];
		snprintf(key, sizeof(key), "%s.id", pfx[1]);
		int first = *keep && !strcmp(keep, st(m, key)) ? 1 : 0;
		m->n_items = 0;
		for (int k = 0; k < 2; k++) {
			int i = (first + k) % 2;
			snprintf(key, sizeof(key), "%s.name", pfx[i]);
			const char *name = st(m, key);
			if (!*name)
				continue;
			snprintf(key, sizeof(key), "%s.written_kib", pfx[i]);
			const char *w = st(m, key);
			snprintf(key, sizeof(key), "%s.id", pfx[i]);
			struct item *it = &m->items[m->n_items];
			it->act = A_SPLIT;
			/* "*twin-a 32K": the proposal starred, what each wrote */
			snprintf(it->label, sizeof(it->label), "%s%s %s%s",
				 !strcmp(keep, st(m, key)) ? "*" : "", name, *w ? w : "?", *w ? "K" : "");
			snprintf(m->a[m->n_items], sizeof(m->a[0]), "%s", name);
			m->n_items++;
		}
		show_choice(m, L_SURVIVOR, "Keep which node?");
	} else if (ev == EV_YES && m->step == 1) {
		snprintf(m->a[2], sizeof(m->a[2]), "%s", m->a[m->confirm_cursor]);
		snprintf(m->a[3], sizeof(m->a[3]), "%s", m->a[m->confirm_cursor ? 0 : 1]);
		m->step = 2;
		confirm(m, "Repair?", "Keep %s?\n%s's writes since\nthe split are lost.", m->a[2], m->a[3]);
	} else if (ev == EV_YES && m->step == 2) {
		const char *req[] = {"split-brain", "repair", m->a[2], "console"};
		m->step = 3;
		m->poll_sb = 1;
		ask(m, "starting the repair", 4, req);
	} else if (m->step == 3 && outcome(m, ev, rep, err, now, 600000)) {
		message(m, "%s%s", final_rc(rep) ? "Repair failed:\n" : "", reply_text(rep, err));
	} else if (m->step == 3 && ev == EV_REPLY && rep->ok && ctl_get_bool(rep, "running") == 1) {
		long long pm;
		if (ctl_get_ll(rep, "sync_permille", &pm) == 0) {
			char bar[64];
			sp_bar((int)pm, m->o.cols > 40 ? 40 : m->o.cols, bar, sizeof(bar));
			busy(m, "resyncing %s\n%s", m->a[3], bar);
		}
	}
}

/* --- the setup wizard: first boot (password, network), System > Network --- */

enum wiz { W_PW1, W_PW2, W_HOST, W_LAN, W_GW, W_DNS, W_HB, W_NTP, W_CONFIRM, W_APPLY };

static const struct {
	enum field_kind kind;
	const char *label, *key; /* key: in "setup show" and "setup apply" */
} wiz_fields[] = {
    [W_HOST] = {FIELD_HOSTNAME, "Host name", "hostname"},
    [W_LAN] = {FIELD_IPV4_PREFIX, "eth0 address", "lan_address"},
    [W_GW] = {FIELD_IPV4_OPT, "Gateway", "gateway"},
    [W_DNS] = {FIELD_IPV4_OPT, "DNS server", "dns"},
    [W_HB] = {FIELD_IPV4, "eth1 network", "hb_network"},
    [W_NTP] = {FIELD_SERVER_OPT, "NTP server", "ntp_server"},
};
#define NET(w) (m->net[(w)-W_HOST])

static int wiz_password(const struct menu *m)
{
	return m->flow == A_FIRST_BOOT &&
	       (st_is(m, "cluster.password_set", "false") || sys_is(m, "password", "no"));
}

static int wiz_network(const struct menu *m)
{
	return m->flow == A_NETWORK || !sys_is(m, "configured", "yes");
}

static int wiz_asks(const struct menu *m, enum wiz w)
{
	if (w == W_PW1 || w == W_PW2)
		return wiz_password(m);
	if (w == W_CONFIRM)
		return wiz_network(m);
	if (w == W_APPLY)
		return 1;
	/* a pair is made of these: fixed until it is dissolved */
	if (paired(m) && (w == W_HOST || w == W_LAN || w == W_HB))
		return 0;
	return wiz_network(m);
}

static void wiz_ask(struct menu *m, enum wiz w)
{
	char v[FIELD_MAX + 1];

	m->step = (int)w;
	if (w == W_PW1 || w == W_PW2) {
		ask_field(m, FIELD_PASSWORD, w == W_PW1 ? "New password" : "Again", "");
		return;
	}
	sys(m, wiz_fields[w].key, v, sizeof(v));
	if (w == W_HOST && !*v)
		snprintf(v, sizeof(v), "%s", "twin");
	if (NET(w)[0]) /* back to a value entered before */
		snprintf(v, sizeof(v), "%s", NET(w));
	if (w == W_HB) { /* asked as an address, kept as its first three bytes */
		char hb[FIELD_MAX + 1];
		snprintf(hb, sizeof(hb), "%s", *v ? v : "192.168.250");
		snprintf(v, sizeof(v), "%.50s.0", hb);
	}
	ask_field(m, wiz_fields[w].kind, wiz_fields[w].label, v);
	if (w == W_HOST)
		m->fld.max_len = 31; /* twind's node_name */
}

/* the eth1 network (A.B.C, a /24) and eth0's: they must not overlap */
static int wiz_overlap(const char *lan, const char *hb)
{
	unsigned char a[4], h[4];
	int pfx;
	char why[96], hb4[FIELD_MAX + 8];

	snprintf(hb4, sizeof(hb4), "%s.0", hb);
	if (field_check_prefix(lan, a, &pfx, why, sizeof(why)) < 0 ||
	    field_check_ipv4(hb4, h, why, sizeof(why)) < 0)
		return 0;
	uint32_t la = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
	uint32_t ha = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8;
	int p = pfx < 24 ? pfx : 24; /* the shorter prefix decides */
	uint32_t mask = p ? ~0u << (32 - p) : 0;
	return (la & mask) == (ha & mask);
}

static void wiz_next(struct menu *m, enum wiz from)
{
	int w = (int)from + 1;
	while (w < W_APPLY && !wiz_asks(m, (enum wiz)w))
		w++;
	if (w == W_CONFIRM) {
		/* what is fixed while paired is shown as it is */
		char v[3][FIELD_MAX + 1];
		const enum wiz shown[3] = {W_HOST, W_LAN, W_HB};
		for (int i = 0; i < 3; i++)
			if (NET(shown[i])[0])
				snprintf(v[i], sizeof(v[i]), "%s", NET(shown[i]));
			else
				sys(m, wiz_fields[shown[i]].key, v[i], sizeof(v[i]));
		m->step = W_CONFIRM;
		confirm(m, "Apply?", "%s eth0 %s\ngw %s dns %s\neth1 %s.x/24\nntp %s", v[0], v[1],
			NET(W_GW)[0] ? NET(W_GW) : "-", NET(W_DNS)[0] ? NET(W_DNS) : "-", v[2],
			NET(W_NTP)[0] ? NET(W_NTP) : "-");
		return;
	}
	if (w < W_CONFIRM) {
		wiz_ask(m, (enum wiz)w);
		return;
	}
	/* W_APPLY: "key value" lines on the helper's stdin, the password too */
	char in[MENU_INPUT_MAX];
	size_t o = 0;
	if (wiz_password(m))
		o += (size_t)snprintf(in + o, sizeof(in) - o, "password %s\n", m->secret);
	for (int k = W_HOST; k <= W_NTP && o < sizeof(in); k++)
		if (wiz_asks(m, (enum wiz)k))
			o += (size_t)snprintf(in + o, sizeof(in) - o, "%s %s\n", wiz_fields[k].key, NET(k));
	const char *req[] = {"setup", "apply"};
	m->step = W_APPLY;
	run(m, "applying", 2, req, in, RUN_SHORT_MS);
	explicit_bzero(in, sizeof(in));
	explicit_bzero(m->secret, sizeof(m->secret));
}

static void flow_setup(struct menu *m, enum ev ev, const char *out)
{
	if (ev == EV_START) {
		explicit_bzero(m->net, sizeof(m->net));
		wiz_next(m, (enum wiz) - 1);
	} else if (ev == EV_FIELD && m->step == W_PW1) {
		snprintf(m->secret, sizeof(m->secret), "%s", m->fld.val);
		explicit_bzero(m->fld.val, sizeof(m->fld.val));
		wiz_ask(m, W_PW2);
	} else if (ev == EV_FIELD && m->step == W_PW2) {
		int same = !strcmp(m->secret, m->fld.val);
		explicit_bzero(m->fld.val, sizeof(m->fld.val));
		if (!same) {
			explicit_bzero(m->secret, sizeof(m->secret));
			m->step = W_PW1;
			message(m, "The passwords differ:\nnothing was changed");
			return;
		}
		wiz_next(m, W_PW2);
	} else if (ev == EV_FIELD && m->step >= W_HOST && m->step <= W_NTP) {
		char v[FIELD_MAX + 1];
		snprintf(v, sizeof(v), "%s", m->fld.val);
		if (m->step == W_HB) {
			*strrchr(v, '.') = 0; /* a valid address has three dots */
			char lan[FIELD_MAX + 1];
			if (wiz_overlap(NET(W_LAN)[0] ? NET(W_LAN) : sys(m, "lan_address", lan, sizeof(lan)),
					v)) {
				snprintf(m->fld.err, sizeof(m->fld.err), "%s.x overlaps eth0's network", v);
				return;
			}
		}
		snprintf(NET(m->step), FIELD_MAX + 1, "%s", v);
		wiz_next(m, (enum wiz)m->step);
	} else if (ev == EV_YES && m->step == W_CONFIRM) {
		wiz_next(m, W_CONFIRM);
	} else if (ev == EV_RAN) {
		ask_sysinfo(m); /* what is set now */
		message(m, "%s%s", m->ran_rc ? "Not applied:\n" : "", out && *out ? out : "done");
	}
}

/* --- System: an update from a USB stick, a factory reset --- */

static void flow_usb(struct menu *m, enum ev ev, const char *out)
{
	if (ev == EV_START) {
		const char *req[] = {"usb-update", "list"};
		run(m, "looking for\nupdate bundles", 2, req, NULL, RUN_SHORT_MS);
	} else if (ev == EV_RAN && m->step == 0) {
		if (m->ran_rc) {
			message(m, "%s", out && *out ? out : "cannot read the USB stick");
			return;
		}
		m->n_items = 0;
		for (const char *p = out ? out : ""; *p && m->n_items < BUNDLES_MAX;) {
			size_t n = strcspn(p, "\n");
			if (n && n < sizeof(m->bundle[0])) {
				snprintf(m->bundle[m->n_items], sizeof(m->bundle[0]), "%.*s", (int)n, p);
				const char *base = strrchr(m->bundle[m->n_items], '/');
				struct item *it = &m->items[m->n_items++];
				it->act = A_USB_UPDATE;
				snprintf(it->label, sizeof(it->label), "%s",
					 base ? base + 1 : m->bundle[m->n_items - 1]);
			}
			p += n + (p[n] == '\n');
		}
		if (!m->n_items) {
			message(m, "No update bundle\n(*.twu) on a\nUSB stick");
			return;
		}
		show_choice(m, L_BUNDLES, "Install which?");
	} else if (ev == EV_YES && m->step == 1) {
		snprintf(m->a[0], sizeof(m->a[0]), "%s", m->bundle[m->confirm_cursor]);
		m->step = 2;
		confirm(m, "Install?", "Install %s\ninto the other slot?\nReboot to start it.",
			m->items[m->confirm_cursor].label);
	} else if (ev == EV_YES && m->step == 2) {
		const char *req[] = {"usb-update", "install", m->a[0]};
		m->step = 3;
		run(m, "installing\n(a few minutes)", 3, req, NULL, RUN_UPDATE_MS);
	} else if (ev == EV_RAN && m->step == 3) {
		message(m, "%s%s", m->ran_rc ? "Not installed:\n" : "", out && *out ? out : "done");
	}
}

static void flow_reset(struct menu *m, enum ev ev, const char *out)
{
	if (ev == EV_START) {
		if (paired(m) || !m->have_st)
			message(m, "%s",
				m->have_st ? "Paired: dissolve\nthe cluster first"
					   : "twind does not answer:\nis this node paired?");
		else
			confirm(m, "Factory reset?", "Erase settings and\ndata on %s?\nIt restarts as new.",
				st(m, "node.name"));
	} else if (ev == EV_YES) {
		const char *req[] = {"factory-reset"};
		run(m, "erasing,\nthen restarting", 1, req, NULL, RUN_SHORT_MS);
	} else if (ev == EV_RAN) {
		message(m, "%s%s", m->ran_rc ? "Not reset:\n" : "", out && *out ? out : "restarting");
	}
}

static void flow_step(struct menu *m, enum ev ev, const struct ctl_reply *rep, const char *err, uint64_t now)
{
	if (ev == EV_START) {
		m->step = 0;
		m->started_ms = now;
		m->poll_sb = 0;
	}
	if (ev == EV_CANCEL || (ev == EV_NO)) {
		back_to_menu(m);
		return;
	}
	switch (m->flow) {
	case A_TAKEOVER:
		flow_takeover(m, ev, rep, err, now);
		break;
	case A_CREATE:
		flow_create(m, ev, rep, err, now);
		break;
	case A_DISSOLVE:
		flow_dissolve(m, ev, rep, err, now);
		break;
	case A_SPLIT:
		flow_split(m, ev, rep, err, now);
		break;
	case A_REBOOT:
	case A_SHUTDOWN:
	case A_PEER_REBOOT:
	case A_PEER_SHUTDOWN:
		flow_power(m, ev, rep, err, now);
		break;
	case A_RELEASE:
	case A_RESTORE:
	case A_FAILOVER_ON:
	case A_FAILOVER_OFF:
	case A_VERSION:
		flow_simple(m, ev, rep, err);
		break;
	case A_FIRST_BOOT:
	case A_NETWORK:
		flow_setup(m, ev, err);
		break;
	case A_USB_UPDATE:
		flow_usb(m, ev, err);
		break;
	case A_FACTORY_RESET:
		flow_reset(m, ev, err);
		break;
	default:
		break;
	}
}

/* --- the lock --- */

static int needs_unlock(const struct menu *m, enum act a, uint64_t now)
{
	if (a == A_BACK || a == A_CLUSTER || a == A_SYSTEM || a == A_LOCK || a == A_VERSION || a == A_EXIT)
		return 0;
	if (a == A_FIRST_BOOT && (st_is(m, "cluster.password_set", "false") || sys_is(m, "password", "no")))
		return 0; /* nothing to check against yet */
	return m->o.lock == LOCK_SECRET && now >= m->unlocked_until;
}

static void start_action(struct menu *m, enum act a, uint64_t now);

static void unlock_start(struct menu *m, enum act a, uint64_t now)
{
	if (now < m->wait_until) {
		m->flow = A_NONE;
		message(m, "Wrong %s %d times:\ntry again in %llu s",
			m->o.ui == MENU_LCD ? "PIN" : "password", m->wrong,
			(unsigned long long)((m->wait_until - now + 999) / 1000));
		return;
	}
	m->pending = a;
	m->flow = A_NONE;
	field_init(&m->fld, m->o.ui == MENU_LCD ? FIELD_PIN : FIELD_PASSWORD,
		   m->o.ui == MENU_LCD ? "PIN" : "Admin password", "");
	m->scr = S_FIELD;
}

static void start_action(struct menu *m, enum act a, uint64_t now)
{
	switch (a) {
	case A_BACK:
		if (m->list == L_MAIN) {
			m->scr = S_STATUS;
			m->flow = A_NONE;
		} else {
			show_list(m, L_MAIN);
		}
		return;
	case A_CLUSTER:
		show_list(m, L_CLUSTER);
		return;
	case A_SYSTEM:
		show_list(m, L_SYSTEM);
		return;
	case A_LOCK:
		m->unlocked_until = 0;
		m->scr = S_STATUS;
		return;
	case A_EXIT: {
		const char *none[] = {NULL};
		queue_req(m, MR_EXIT, 0, 0, none);
		return;
	}
	default:
		break;
	}
	if (m->o.lock == LOCK_OFF && a != A_VERSION) {
		m->flow = A_NONE;
		message(m, "Actions are turned off\nat this console");
		return;
	}
	if (needs_unlock(m, a, now)) {
		unlock_start(m, a, now);
		return;
	}
	if (a == A_SHELL) {
		const char *none[] = {NULL};
		queue_req(m, MR_SHELL, 0, 0, none);
		m->flow = A_SHELL;
		busy(m, "maintenance shell");
		return;
	}
	m->flow = a;
	flow_step(m, EV_START, NULL, NULL, now);
}

/* --- public --- */

struct menu *menu_new(const struct menu_opts *o)
{
	struct menu *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->o = *o;
	if (m->o.cols < 16)
		m->o.cols = 16;
	if (m->o.rows < 2)
		m->o.rows = 2;
	if (m->o.unlock_s <= 0)
		m->o.unlock_s = 300;
	if (m->o.ui == MENU_LCD && m->o.cycle_ms == 0)
		m->o.cycle_ms = CYCLE_DEFAULT_MS;
	m->next_tag = TAG_ALARM_ACK;
	m->scr = S_STATUS;
	snprintf(m->st_err, sizeof(m->st_err), "%s", "connecting to twind");
	ask_sysinfo(m);
	return m;
}

void menu_free(struct menu *m)
{
	if (!m)
		return;
	if (m->have_st)
		ctl_reply_free(&m->st);
	explicit_bzero(m, sizeof(*m));
	free(m);
}

void menu_set_status(struct menu *m, const struct ctl_reply *rep, const char *err, uint64_t now_ms)
{
	(void)now_ms;
	if (rep && rep->ok) {
		if (m->have_st)
			ctl_reply_free(&m->st);
		m->have_st = ctl_reply_copy(&m->st, rep) == 0;
		m->st_err[0] = 0;
	} else {
		if (m->have_st)
			ctl_reply_free(&m->st);
		m->have_st = 0;
		snprintf(m->st_err, sizeof(m->st_err), "%s",
			 rep   ? reply_text(rep, err)
			 : err ? err
			       : "no answer");
	}
	if (m->scr == S_LIST && m->flow == A_NONE)
		build_list(m, m->list); /* what is offered follows the state */
}

/* status pages on one screen: two on a 4-row display */
static int per_screen(const struct menu *m)
{
	return m->o.ui == MENU_LCD && m->o.rows >= 4 ? 2 : 1;
}

/* the status's index of the alarm with this text, or -1 */
static int alarm_index(const struct menu *m, const char *text)
{
	const char *v;

	for (int i = 0; m->have_st && (v = ctl_getf(&m->st, "alarm.%d", i)); i++)
		if (!strcmp(v, text))
			return i;
	return -1;
}

/* acknowledged here, or in twind (twinctl alarm ack, another console) */
static int acked(const struct menu *m, const char *text)
{
	int i = alarm_index(m, text);
	const char *v = i >= 0 ? ctl_getf(&m->st, "alarm_info.%d.acked", i) : NULL;

	if (v && !strcmp(v, "true"))
		return 1;
	for (int k = 0; k < m->n_acked; k++)
		if (!strcmp(m->acked[k], text))
			return 1;
	return 0;
}

/* the pages shown now: unacknowledged alarms first */
static int pages(const struct menu *m, struct sp_page *out, int max)
{
	struct sp_page all[SP_PAGES_MAX];
	int n = status_pages(m->have_st ? &m->st : NULL, m->st_err, m->o.cols, all, SP_PAGES_MAX), k = 0;

	/* unacknowledged alarms, the rest, acknowledged alarms */
	for (int pass = 0; pass < 3; pass++)
		for (int i = 0; i < n && k < max; i++) {
			int rank = !all[i].alarm ? 1 : acked(m, all[i].line[1]) ? 2 : 0;
			if (rank == pass)
				out[k++] = all[i];
		}
	return k;
}

static void ack_alarm(struct menu *m, const char *text)
{
	int i = alarm_index(m, text);
	const char *id = i >= 0 ? ctl_getf(&m->st, "alarm_info.%d.id", i) : NULL;

	if (acked(m, text))
		return;
	if (id) { /* twind keeps it (and journals who): twinctl shows it too */
		const char *req[] = {"alarm", "ack", id, "from=console"};
		queue_req(m, MR_CTL, TAG_ALARM_ACK, 4, req);
	}
	if (m->n_acked == 8)
		memmove(m->acked[0], m->acked[1], sizeof(m->acked[0]) * 7), m->n_acked--;
	snprintf(m->acked[m->n_acked++], MENU_TEXT_MAX, "%s", text);
}

/* acknowledgements of alarms that cleared are dropped: a return is new */
static void prune_acks(struct menu *m)
{
	struct sp_page all[SP_PAGES_MAX];
	int n = status_pages(m->have_st ? &m->st : NULL, m->st_err, m->o.cols, all, SP_PAGES_MAX);

	for (int i = 0; i < m->n_acked;) {
		int live = 0;
		for (int j = 0; j < n; j++)
			live |= all[j].alarm && !strcmp(all[j].line[1], m->acked[i]);
		if (live) {
			i++;
			continue;
		}
		memmove(m->acked[i], m->acked[i + 1], sizeof(m->acked[0]) * (size_t)(m->n_acked - i - 1));
		m->n_acked--;
	}
}

static void key_status(struct menu *m, enum menu_key k, uint64_t now)
{
	struct sp_page pg[SP_PAGES_MAX];
	int n = pages(m, pg, SP_PAGES_MAX);

	if (m->page >= n)
		m->page = 0;
	m->page_ms = now;
	switch (k) {
	case MK_UP:
	case MK_LEFT:
		m->page = (m->page + n * per_screen(m) - per_screen(m)) % (n ? n : 1);
		break;
	case MK_DOWN:
	case MK_RIGHT:
		m->page = (m->page + per_screen(m)) % (n ? n : 1);
		break;
	case MK_ESC: /* acknowledge the alarm shown */
		if (n && pg[m->page].alarm && m->have_st && strcmp(pg[m->page].line[0], "SPLIT BRAIN"))
			ack_alarm(m, pg[m->page].line[1]);
		break;
	case MK_ENTER:
		if (n && split_brain(m) && !strncmp(pg[m->page].line[0], "SPLIT BRAIN", 11)) {
			start_action(m, A_SPLIT, now);
			return;
		}
		show_list(m, L_MAIN);
		break;
	}
}

static void field_done(struct menu *m, enum field_result r, uint64_t now)
{
	if (r == FR_EDITING || r == FR_INVALID)
		return;
	if (m->flow == A_NONE && m->pending != A_NONE) { /* the unlock's secret */
		if (r == FR_CANCEL) {
			m->pending = A_NONE;
			show_list(m, L_MAIN);
			return;
		}
		snprintf(m->secret, sizeof(m->secret), "%s", m->fld.val);
		explicit_bzero(m->fld.val, sizeof(m->fld.val));
		const char *arg[] = {m->secret};
		m->tag = new_tag(m);
		m->waiting = 1;
		queue_req(m, MR_VERIFY, m->tag, 1, arg);
		explicit_bzero(m->secret, sizeof(m->secret));
		busy(m, "checking");
		return;
	}
	flow_step(m, r == FR_DONE ? EV_FIELD : EV_CANCEL, NULL, NULL, now);
}

void menu_key(struct menu *m, enum menu_key k, uint64_t now_ms)
{
	m->note[0] = 0;
	m->last_key_ms = now_ms;
	if (now_ms < m->unlocked_until)
		m->unlocked_until = now_ms + (uint64_t)m->o.unlock_s * 1000; /* a key keeps it open */
	switch (m->scr) {
	case S_STATUS:
		key_status(m, k, now_ms);
		return;
	case S_LIST:
		if (k == MK_UP)
			m->cursor = (m->cursor + m->n_items - 1) % (m->n_items ? m->n_items : 1);
		else if (k == MK_DOWN)
			m->cursor = (m->cursor + 1) % (m->n_items ? m->n_items : 1);
		else if (k == MK_ESC || k == MK_LEFT) {
			if (m->list == L_SURVIVOR || m->list == L_BUNDLES)
				back_to_menu(m);
			else
				start_action(m, A_BACK, now_ms);
		} else if ((k == MK_ENTER || k == MK_RIGHT) && m->n_items) {
			if (m->list == L_SURVIVOR || m->list == L_BUNDLES) {
				m->confirm_cursor = m->cursor;
				flow_step(m, EV_YES, NULL, NULL, now_ms);
			} else {
				start_action(m, m->items[m->cursor].act, now_ms);
			}
		}
		return;
	case S_CONFIRM:
		if (k == MK_UP || k == MK_DOWN || k == MK_LEFT || k == MK_RIGHT)
			m->confirm_cursor = !m->confirm_cursor;
		else if (k == MK_ESC)
			flow_step(m, EV_NO, NULL, NULL, now_ms);
		else if (k == MK_ENTER)
			flow_step(m, m->confirm_cursor ? EV_YES : EV_NO, NULL, NULL, now_ms);
		return;
	case S_FIELD: {
		static const enum field_key fk[] = {FK_UP, FK_DOWN, FK_LEFT, FK_RIGHT, FK_ENTER, FK_ESC};
		field_done(m, field_key(&m->fld, fk[k]), now_ms);
		return;
	}
	case S_BUSY:
		return; /* the outcome comes; keys wait */
	case S_MESSAGE:
		if (m->flow == A_NONE && m->pending == A_NONE)
			show_list(m, L_MAIN);
		else
			back_to_menu(m);
		m->pending = A_NONE;
		return;
	}
}

void menu_line(struct menu *m, const char *line, uint64_t now_ms)
{
	m->last_key_ms = now_ms;
	while (*line == ' ')
		line++;
	if (m->scr == S_FIELD) {
		field_done(m, field_set_text(&m->fld, line), now_ms);
		return;
	}
	if (m->scr == S_BUSY)
		return;
	if (m->scr == S_MESSAGE || (m->scr == S_STATUS && !*line)) {
		menu_key(m, MK_ENTER, now_ms);
		return;
	}
	long long n;
	int items = m->scr == S_CONFIRM ? 2 : m->scr == S_LIST ? m->n_items : 0;
	if (items && parse_ll(line, 1, items, &n) == 0) {
		if (m->scr == S_CONFIRM) {
			m->confirm_cursor = (int)n - 1;
		} else {
			m->cursor = (int)n - 1;
		}
		menu_key(m, MK_ENTER, now_ms);
		return;
	}
	if (m->scr == S_CONFIRM && (!strcmp(line, "yes") || !strcmp(line, "no"))) {
		m->confirm_cursor = !strcmp(line, "yes");
		menu_key(m, MK_ENTER, now_ms);
		return;
	}
	if (m->scr == S_STATUS) {
		show_list(m, L_MAIN);
		if (!*line)
			return;
	}
	/* anything else: refused, said, never run */
	snprintf(m->note, sizeof(m->note), "'%.60s' is not a choice here", line);
}

void menu_tick(struct menu *m, uint64_t now_ms)
{
	if (!m->st_asking && now_ms >= m->st_next_ms) {
		const char *req[] = {"status"};
		if (queue_req(m, MR_CTL, TAG_STATUS, 1, req))
			m->st_asking = 1;
	}
	if (m->scr == S_STATUS && m->o.cycle_ms && now_ms >= m->page_ms + (uint64_t)m->o.cycle_ms) {
		struct sp_page pg[SP_PAGES_MAX];
		int n = pages(m, pg, SP_PAGES_MAX);
		/* an unacknowledged alarm stays on the screen */
		if (!(n && pg[0].alarm && m->page == 0))
			m->page = n ? (m->page + per_screen(m)) % n : 0;
		m->page_ms = now_ms;
	}
	if (m->poll_ms && now_ms >= m->poll_ms && !m->waiting && m->flow != A_NONE) {
		m->poll_ms = 0;
		flow_step(m, EV_POLL, NULL, NULL, now_ms);
	}
	/* left alone in a menu or a question: home (the LCD's status, the
	 * serial main menu); an action under way is let finish */
	if (m->scr != S_STATUS && m->scr != S_BUSY && now_ms >= m->last_key_ms + IDLE_HOME_MS &&
	    !(m->o.ui == MENU_SERIAL && m->scr == S_LIST && m->list == L_MAIN)) {
		menu_home(m, now_ms);
		if (m->o.ui == MENU_LCD)
			m->scr = S_STATUS;
	}
	/* an unlocked console left alone locks again */
	if (m->unlocked_until && now_ms >= m->unlocked_until)
		m->unlocked_until = 0;
}

int menu_next_ms(const struct menu *m, uint64_t now_ms)
{
	uint64_t next = m->st_asking ? now_ms + 1000 : m->st_next_ms;

	if (m->scr == S_STATUS && m->o.cycle_ms && m->page_ms + (uint64_t)m->o.cycle_ms < next)
		next = m->page_ms + (uint64_t)m->o.cycle_ms;
	if (m->poll_ms && m->poll_ms < next)
		next = m->poll_ms;
	return next <= now_ms ? 0 : next - now_ms > 1000 ? 1000 : (int)(next - now_ms);
}

int menu_take_request(struct menu *m, struct menu_req *out)
{
	if (!m->nq)
		return 0;
	*out = m->queue[0];
	explicit_bzero(&m->queue[0], sizeof(m->queue[0]));
	memmove(&m->queue[0], &m->queue[1], sizeof(m->queue[0]) * (size_t)(m->nq - 1));
	m->nq--;
	return 1;
}

void menu_reply(struct menu *m, unsigned tag, const struct ctl_reply *rep, const char *err, uint64_t now_ms)
{
	if (tag == TAG_STATUS) {
		m->st_asking = 0;
		m->st_next_ms = now_ms + (m->flow != A_NONE ? STATUS_BUSY_MS : STATUS_EVERY_MS);
		menu_set_status(m, rep, err, now_ms);
		prune_acks(m);
		return;
	}
	if (tag == TAG_ALARM_ACK) {
		m->st_next_ms = now_ms; /* show twind's record of it soon */
		return;
	}
	if (!m->waiting || tag != m->tag)
		return; /* an answer nobody waits for any more */
	m->waiting = 0;
	flow_step(m, rep ? EV_REPLY : EV_ERROR, rep, err, now_ms);
}

void menu_verified(struct menu *m, unsigned tag, int ok, const char *why, uint64_t now_ms)
{
	if (!m->waiting || tag != m->tag || m->pending == A_NONE)
		return;
	m->waiting = 0;
	enum act a = m->pending;
	if (ok == 1) {
		m->pending = A_NONE;
		m->wrong = 0;
		m->unlocked_until = now_ms + (uint64_t)m->o.unlock_s * 1000;
		start_action(m, a, now_ms);
		return;
	}
	if (ok < 0) {
		message(m, "Cannot check:\n%s", why && *why ? why : "?");
		return;
	}
	if (++m->wrong >= WRONG_SECRET_MAX)
		m->wait_until = now_ms + WRONG_SECRET_WAIT;
	message(m, "Wrong %s", m->o.ui == MENU_LCD ? "PIN" : "password");
}

void menu_ran(struct menu *m, unsigned tag, int rc, const char *out, uint64_t now_ms)
{
	if (tag == TAG_SYSINFO) {
		m->sys_asking = 0;
		snprintf(m->sys, sizeof(m->sys), "%s", rc == 0 && out ? out : "");
		if (m->scr == S_LIST && m->flow == A_NONE)
			build_list(m, m->list);
		return;
	}
	if (!m->waiting || tag != m->tag)
		return;
	m->waiting = 0;
	m->ran_rc = rc;
	flow_step(m, EV_RAN, NULL, out ? out : "", now_ms);
}

void menu_shell_done(struct menu *m, uint64_t now_ms)
{
	(void)now_ms;
	m->flow = A_NONE;
	show_list(m, L_MAIN);
}

static void view_screen(const struct menu *m, struct menu_view *v);

void menu_view(const struct menu *m, struct menu_view *v)
{
	memset(v, 0, sizeof(*v));
	view_screen(m, v);
	if (m->note[0]) /* typed input refused: said where the hint goes */
		snprintf(v->hint, sizeof(v->hint), "%s", m->note);
}

static void view_screen(const struct menu *m, struct menu_view *v)
{
	switch (m->scr) {
	case S_STATUS: {
		struct sp_page pg[SP_PAGES_MAX];
		int n = pages(m, pg, SP_PAGES_MAX);
		int p = n ? m->page % n : 0;
		v->kind = VIEW_STATUS;
		/* a 4-row display shows two pages at once */
		for (int k = 0; k < per_screen(m) && k < n; k++) {
			const struct sp_page *q = &pg[(p + k) % n];
			for (int i = 0; i < SP_LINES; i++)
				snprintf(v->line[v->n_lines++], MENU_TEXT_MAX, "%s", q->line[i]);
			v->alert |= q->alarm && !acked(m, q->line[1]);
		}
		snprintf(v->hint, sizeof(v->hint), "%s",
			 v->alert ? "Enter: menu  Esc: acknowledge  Up/Down: pages"
				  : "Enter: menu  Up/Down: pages");
		return;
	}
	case S_LIST:
		v->kind = VIEW_LIST;
		snprintf(v->title, sizeof(v->title), "%s",
			 m->list == L_SURVIVOR || m->list == L_BUNDLES ? m->title
			 : m->list == L_CLUSTER			       ? "Cluster"
			 : m->list == L_SYSTEM			       ? "System"
								       : "Menu");
		for (int i = 0; i < m->n_items; i++)
			snprintf(v->item[v->n_items++], MENU_TEXT_MAX, "%s", m->items[i].label);
		v->cursor = m->cursor;
		v->alert = m->list == L_SURVIVOR;
		snprintf(v->hint, sizeof(v->hint), "%s",
			 m->o.ui == MENU_SERIAL ? "number + Enter: choose" : "Enter: choose  Esc: back");
		return;
	case S_CONFIRM:
		v->kind = VIEW_CONFIRM;
		snprintf(v->title, sizeof(v->title), "%s", m->title);
		for (int i = 0; i < m->n_q; i++)
			snprintf(v->line[v->n_lines++], MENU_TEXT_MAX, "%s", m->q[i]);
		snprintf(v->item[0], MENU_TEXT_MAX, "%s", "No");
		snprintf(v->item[1], MENU_TEXT_MAX, "%s", "Yes");
		v->n_items = 2;
		v->cursor = m->confirm_cursor;
		v->alert = m->flow == A_SPLIT;
		snprintf(v->hint, sizeof(v->hint), "%s",
			 m->o.ui == MENU_SERIAL ? "1 No, 2 Yes" : "Enter: answer");
		return;
	case S_FIELD: {
		v->kind = VIEW_FIELD;
		snprintf(v->title, sizeof(v->title), "%s", m->fld.label);
		field_display(&m->fld, m->o.ui == MENU_LCD, v->line[0], MENU_TEXT_MAX, &v->blink);
		v->secret = m->fld.kind == FIELD_PASSWORD || m->fld.kind == FIELD_PIN;
		v->n_lines = 1;
		if (m->fld.err[0]) {
			snprintf(v->line[1], MENU_TEXT_MAX, "%s", m->fld.err);
			v->n_lines = 2;
		}
		snprintf(v->hint, sizeof(v->hint), "%s",
			 m->o.ui == MENU_SERIAL ? "type the value, Enter; Esc: cancel"
						: "Up/Down: change  Enter: next  Esc: back");
		return;
	}
	case S_BUSY:
	case S_MESSAGE:
		v->kind = m->scr == S_BUSY ? VIEW_BUSY : VIEW_MESSAGE;
		snprintf(v->title, sizeof(v->title), "%s",
			 name_of(m, m->flow == A_NONE ? m->pending : m->flow));
		for (int i = 0; i < m->n_q; i++)
			snprintf(v->line[v->n_lines++], MENU_TEXT_MAX, "%s", m->q[i]);
		snprintf(v->hint, sizeof(v->hint), "%s", m->scr == S_BUSY ? "please wait" : "any key: back");
		return;
	}
}

const struct ctl_reply *menu_status(const struct menu *m)
{
	return m->have_st ? &m->st : NULL;
}

const char *menu_status_error(const struct menu *m)
{
	return m->st_err;
}

void menu_home(struct menu *m, uint64_t now_ms)
{
	(void)now_ms;
	explicit_bzero(&m->fld, sizeof(m->fld));
	m->pending = A_NONE;
	m->poll_ms = 0;
	m->flow = A_NONE; /* the flow's answers now go nowhere */
	back_to_menu(m);
	show_list(m, L_MAIN);
}

void menu_resize(struct menu *m, int cols, int rows)
{
	m->o.cols = cols < 16 ? 16 : cols;
	m->o.rows = rows < 2 ? 2 : rows;
}
