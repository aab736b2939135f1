/* The console's menu model, its status pages and the LCD layout: driven
 * with keys, typed lines and made-up daemon replies, no I/O. */
#include "check.h"

#include <stdarg.h>
#include <stdlib.h>

#include "lcd_layout.h"
#include "lcdproc.h"
#include "menu.h"
#include "status_pages.h"

static uint64_t now = 1000000;

/* a reply from "ok" or "error ..." and key=value lines */
static struct ctl_reply reply(const char *text)
{
	struct ctl_reply r;
	char err[128];
	int rc = ctl_reply_parse(&r, text, strlen(text), err, sizeof(err));
	if (rc)
		fprintf(stderr, "bad test reply: %s\n", err);
	CHECK_EQ(rc, 0);
	return r;
}

#define ACTIVE_A                                                                                             \
	"ok\nnode.name=twin-a\nnode.id=1\nnode.state=Active\nnode.failover_enabled=true\n"                   \
	"vip.0.addr=192.168.1.10/24\nvip.0.held=true\npeer.name=twin-b\npeer.id=2\npeer.state=Standby\n"     \
	"peer.alive=true\npath.0.name=eth1\npath.0.kind=link\npath.0.up=true\npath.0.last_seen_ms=3\n"       \
	"path.0.rtt_us=310\npath.1.name=eth0\npath.1.kind=udp\npath.1.up=true\npath.1.last_seen_ms=4\n"      \
	"path.1.rtt_us=420\nskew_us=250\ndrbd.conn=Connected\ndrbd.role=Primary\ndrbd.disk=UpToDate\n"       \
	"drbd.peer_disk=UpToDate\ncluster.mode=paired\ncluster.password_set=true\n"

#define STANDBY_B                                                                                            \
	"ok\nnode.name=twin-b\nnode.id=2\nnode.state=Standby\nnode.failover_enabled=true\n"                  \
	"vip.0.addr=192.168.1.10/24\nvip.0.held=false\npeer.name=twin-a\npeer.id=1\npeer.state=Active\n"     \
	"peer.alive=true\npath.0.name=eth1\npath.0.up=true\npath.0.last_seen_ms=3\ncluster.mode=paired\n"    \
	"cluster.password_set=true\n"

static void status(struct menu *m, const char *text)
{
	struct ctl_reply r = reply(text);
	menu_set_status(m, &r, NULL, now);
	ctl_reply_free(&r);
}

static struct menu *mk(enum menu_ui ui, int cols, enum menu_lock lock, const char *st)
{
	struct menu_opts o = {.ui = ui, .cols = cols, .rows = 2, .lock = lock, .shell = 1};
	struct menu *m = menu_new(&o);
	if (st)
		status(m, st);
	return m;
}

/* the requests queued now, but the status polls; returns how many, the
 * last one in *last */
static int take(struct menu *m, struct menu_req *last)
{
	struct menu_req r;
	int n = 0;
	while (menu_take_request(m, &r)) {
		if (r.kind == MR_CTL && r.argc == 1 && !strcmp(r.argv[0], "status"))
			continue;
		if (r.kind == MR_RUN && r.argc == 2 && !strcmp(r.argv[1], "show"))
			continue; /* this node's settings, asked at the start */
		*last = r;
		n++;
	}
	return n;
}

static void answer(struct menu *m, const struct menu_req *rq, const char *text)
{
	struct ctl_reply r = reply(text);
	menu_reply(m, rq->tag, &r, NULL, now);
	ctl_reply_free(&r);
}

/* the view's items joined as "a|b|c" */
static const char *items(struct menu *m)
{
	static char buf[512];
	struct menu_view v;
	menu_view(m, &v);
	buf[0] = 0;
	for (int i = 0; i < v.n_items; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s", i ? "|" : "", v.item[i]);
	return buf;
}

static struct menu_view view(struct menu *m)
{
	struct menu_view v;
	menu_view(m, &v);
	return v;
}

/* choose the item named label in the list shown */
static int choose(struct menu *m, const char *label)
{
	struct menu_view v = view(m);
	for (int i = 0; i < v.n_items; i++)
		if (!strcmp(v.item[i], label)) {
			while (view(m).cursor != i)
				menu_key(m, MK_DOWN, now);
			menu_key(m, MK_ENTER, now);
			return 1;
		}
	fprintf(stderr, "no item '%s' in %s\n", label, items(m));
	return 0;
}

/* from the status screen: the menu, a submenu, an item */
static void open_item(struct menu *m, const char *sub, const char *item)
{
	menu_key(m, MK_ENTER, now);
	CHECK(choose(m, sub));
	CHECK(choose(m, item));
}

static void test_status_pages(void)
{
	struct menu *m = mk(MENU_LCD, 16, LOCK_OPEN, ACTIVE_A);
	struct menu_view v = view(m);

	CHECK_EQ(v.kind, VIEW_STATUS);
	CHECK_STR(v.line[0], "twin-a    Active");
	CHECK_STR(v.line[1], "IP here");
	menu_key(m, MK_DOWN, now);
	v = view(m);
	CHECK_STR(v.line[0], "failover IP");
	CHECK_STR(v.line[1], "192.168.1.10/24");
	menu_key(m, MK_DOWN, now);
	v = view(m);
	CHECK_STR(v.line[0], "peer      twin-b");
	CHECK_STR(v.line[1], "Standby      3ms");
	menu_key(m, MK_DOWN, now);
	v = view(m);
	CHECK_STR(v.line[0], "eth1       0.3ms");
	CHECK_STR(v.line[1], "eth0       0.4ms");
	menu_key(m, MK_DOWN, now);
	v = view(m);
	CHECK_STR(v.line[0], "DRBD   Connected");
	CHECK_STR(v.line[1], "Primary UpToDate");
	/* the pages cycle by themselves on the LCD */
	menu_tick(m, now + 5000);
	v = view(m);
	CHECK_STR(v.line[0], "skew      +0.2ms");
	CHECK_STR(v.line[1], "witness     none");
	menu_free(m);

	/* the peer holds the IP; a resync as a bar with the time left */
	m = mk(MENU_LCD, 20, LOCK_OPEN,
	       STANDBY_B "drbd.conn=SyncTarget\ndrbd.role=Secondary\ndrbd.disk=Inconsistent\n"
			 "drbd.sync_permille=600\ndrbd.sync_left_s=754\n");
	v = view(m);
	CHECK_STR(v.line[0], "twin-b       Standby");
	CHECK_STR(v.line[1], "IP on twin-a");
	for (int i = 0; i < 4; i++)
		menu_key(m, MK_DOWN, now);
	v = view(m);
	CHECK_STR(v.line[0], "DRBD      SyncTarget");
	CHECK_STR(v.line[1], "[########      ] 60%");
	CHECK_EQ((int)strlen(v.line[1]), 20);
	menu_key(m, MK_DOWN, now);
	v = view(m);
	CHECK_STR(v.line[0], "resync  Inconsistent");
	CHECK_STR(v.line[1], "left             13m");
	menu_free(m);

	/* no daemon: said, as an alert */
	m = mk(MENU_LCD, 16, LOCK_OPEN, NULL);
	menu_set_status(m, NULL, "twind is not running", now);
	v = view(m);
	CHECK_STR(v.line[0], "twind: no answer");
	CHECK(v.alert);
	menu_free(m);
}

static void test_alarms_first_until_acknowledged(void)
{
	struct menu *m = mk(MENU_LCD, 16, LOCK_OPEN, ACTIVE_A "alarm.0=heartbeat link eth1 down\n");
	struct menu_view v = view(m);

	CHECK_STR(v.line[0], "ALARM        1/1");
	CHECK_STR(v.line[1], "heartbeat link eth1 down");
	CHECK(v.alert);
	menu_tick(m, now + 10000); /* it stays while not acknowledged */
	v = view(m);
	CHECK_STR(v.line[0], "ALARM        1/1");
	menu_key(m, MK_ESC, now); /* acknowledged */
	v = view(m);
	CHECK(!v.alert);
	CHECK_STR(v.line[0], "twin-a    Active"); /* it moved behind the others */
	status(m, ACTIVE_A "alarm.0=heartbeat link eth1 down\n");
	CHECK(!view(m).alert);
	/* it clears, then comes back: a new alarm, first again */
	struct ctl_reply r = reply(ACTIVE_A);
	menu_reply(m, 1, &r, NULL, now); /* tag 1: the menu's own status poll */
	ctl_reply_free(&r);
	r = reply(ACTIVE_A "alarm.0=heartbeat link eth1 down\n");
	menu_reply(m, 1, &r, NULL, now);
	ctl_reply_free(&r);
	CHECK(view(m).alert);
	menu_free(m);
}

/* twind's alarms have numbers: the console's ack is sent to twind (so
 * twinctl shows it), and an ack made elsewhere counts here too */
static void test_alarm_ack_in_twind(void)
{
	struct menu *m = mk(MENU_LCD, 16, LOCK_OPEN,
			    ACTIVE_A "alarm.0=heartbeat link eth1 down\nalarm_info.0.id=7\n"
				     "alarm_info.0.acked=false\n");
	struct menu_req rq;

	CHECK(view(m).alert);
	menu_key(m, MK_ESC, now);
	CHECK_EQ(take(m, &rq), 1);
	CHECK(rq.kind == MR_CTL && rq.argc == 4 && !strcmp(rq.argv[0], "alarm") &&
	      !strcmp(rq.argv[1], "ack") && !strcmp(rq.argv[2], "7") && !strcmp(rq.argv[3], "from=console"));
	CHECK(!view(m).alert);
	answer(m, &rq, "ok\nmessage=1 alarm acknowledged\n"); /* no flow waits for it */
	CHECK(!view(m).alert);
	menu_free(m);
	/* acknowledged by twinctl: not an alert on the console either */
	m = mk(MENU_LCD, 16, LOCK_OPEN,
	       ACTIVE_A "alarm.0=heartbeat link eth1 down\nalarm_info.0.id=7\nalarm_info.0.acked=true\n");
	CHECK(!view(m).alert);
	CHECK_STR(view(m).line[0], "twin-a    Active");
	menu_free(m);
}

static void test_menus_follow_state(void)
{
	struct menu *m = mk(MENU_LCD, 16, LOCK_OPEN, ACTIVE_A);

	menu_key(m, MK_ENTER, now);
	CHECK_STR(items(m), "Cluster|System|Back");
	CHECK(choose(m, "Cluster"));
	CHECK_STR(items(m), "Release|Failover off|Dissolve|Back");
	status(m, STANDBY_B);
	CHECK_STR(items(m), "Takeover|Failover off|Dissolve|Back");
	CHECK(choose(m, "Back"));
	CHECK(choose(m, "System"));
	CHECK_STR(items(m), "Reboot|Shutdown|Reboot peer|Shutdown peer|Network|Version|USB update|Factory "
			    "reset|Back");
	menu_key(m, MK_ESC, now);
	CHECK_STR(items(m), "Cluster|System|Back");
	menu_key(m, MK_ESC, now);
	CHECK_EQ(view(m).kind, VIEW_STATUS);
	menu_free(m);

	/* standalone: create; first boot: the password first; serial: shell */
	m = mk(MENU_SERIAL, 80, LOCK_SECRET,
	       "ok\nnode.name=twin-a\nnode.state=Standby\ncluster.mode=standalone\ncluster.password_set="
	       "false\n");
	menu_line(m, "", now);
	CHECK_STR(
	    items(m),
	    "First-boot setup (password, network)|Cluster|System|Maintenance shell|Lock the console|Exit the "
	    "console|Back");
	CHECK(choose(m, "Cluster"));
	CHECK_STR(items(m), "Create cluster (pair with a peer)|Back");
	menu_free(m);
}

static void test_takeover_confirm_no_first(void)
{
	struct menu *m = mk(MENU_LCD, 16, LOCK_OPEN, STANDBY_B);
	struct menu_req rq;

	open_item(m, "Cluster", "Takeover");
	struct menu_view v = view(m);
	CHECK_EQ(v.kind, VIEW_CONFIRM);
	CHECK_EQ(v.cursor, 0); /* No */
	CHECK_STR(v.item[0], "No");
	CHECK_CONTAINS(v.line[0], "Make twin-b Active?");
	menu_key(m, MK_ENTER, now); /* No: nothing sent */
	CHECK_EQ(take(m, &rq), 0);
	CHECK_EQ(view(m).kind, VIEW_LIST);
	choose(m, "Takeover");
	menu_key(m, MK_RIGHT, now);
	CHECK_EQ(view(m).cursor, 1);
	menu_key(m, MK_ENTER, now);
	CHECK_EQ(take(m, &rq), 1);
	CHECK_EQ(rq.kind, MR_CTL);
	CHECK_EQ(rq.argc, 2);
	CHECK_STR(rq.argv[0], "takeover");
	CHECK_STR(rq.argv[1], "from=console"); /* twind's log names the console */
	CHECK_EQ(view(m).kind, VIEW_BUSY);
	menu_key(m, MK_ENTER, now); /* keys wait while busy */
	CHECK_EQ(view(m).kind, VIEW_BUSY);
	answer(m, &rq, "ok\nmessage=taking over from twin-a\n");
	now += 300;
	menu_tick(m, now);
	CHECK_EQ(view(m).kind, VIEW_BUSY);
	status(m, "ok\nnode.name=twin-b\nnode.state=Active\ncluster.mode=paired\n");
	now += 300;
	menu_tick(m, now);
	struct menu_view d = view(m);
	CHECK_EQ(d.kind, VIEW_MESSAGE);
	CHECK_STR(d.line[0], "twin-b is Active");
	menu_key(m, MK_ENTER, now);
	CHECK_EQ(view(m).kind, VIEW_LIST);
	menu_free(m);

	/* the daemon refuses or does not answer: its words are shown */
	m = mk(MENU_LCD, 16, LOCK_OPEN, STANDBY_B);
	open_item(m, "Cluster", "Takeover");
	menu_key(m, MK_RIGHT, now);
	menu_key(m, MK_ENTER, now);
	take(m, &rq);
	menu_reply(m, rq.tag, NULL, "twind did not answer within 5000 ms", now);
	d = view(m);
	CHECK_EQ(d.kind, VIEW_MESSAGE);
	CHECK_STR(d.line[0], "twind did not answer within 5000 ms");
	menu_key(m, MK_ENTER, now);
	choose(m, "Takeover");
	menu_key(m, MK_RIGHT, now);
	menu_key(m, MK_ENTER, now);
	take(m, &rq);
	answer(m, &rq, "error refused: failover is disabled on this node\n");
	d = view(m);
	CHECK_STR(d.line[0], "Takeover refused:");
	CHECK_STR(d.line[1], "refused: failover is disabled on this node");
	menu_free(m);
}

static void test_lock(void)
{
	struct menu *m = mk(MENU_LCD, 16, LOCK_SECRET, STANDBY_B);
	struct menu_req rq;

	open_item(m, "Cluster", "Takeover");
	struct menu_view v = view(m);
	CHECK_EQ(v.kind, VIEW_FIELD);
	CHECK_STR(v.title, "PIN");
	/* 1234 with the buttons */
	static const enum menu_key pin[] = {MK_UP, MK_UP, MK_RIGHT, MK_UP,    MK_UP,	MK_UP, MK_RIGHT,
					    MK_UP, MK_UP, MK_UP,    MK_UP,    MK_RIGHT, MK_UP, MK_UP,
					    MK_UP, MK_UP, MK_UP,    MK_RIGHT, MK_ENTER};
	for (size_t i = 0; i < sizeof(pin) / sizeof(pin[0]); i++)
		menu_key(m, pin[i], now);
	CHECK_EQ(take(m, &rq), 1);
	CHECK_EQ(rq.kind, MR_VERIFY);
	CHECK_STR(rq.argv[0], "1234");
	menu_verified(m, rq.tag, 0, NULL, now);
	CHECK_STR(view(m).line[0], "Wrong PIN");
	/* three wrong: the console waits */
	for (int i = 0; i < 2; i++) {
		open_item(m, "Cluster", "Takeover");
		menu_line(m, "9999", now);
		take(m, &rq);
		menu_verified(m, rq.tag, 0, NULL, now);
	}
	open_item(m, "Cluster", "Takeover");
	CHECK_CONTAINS(view(m).line[0], "Wrong PIN 3 times");
	now += 31000;
	open_item(m, "Cluster", "Takeover");
	menu_line(m, "1234", now);
	take(m, &rq);
	menu_verified(m, rq.tag, 1, NULL, now);
	CHECK_EQ(view(m).kind, VIEW_CONFIRM); /* unlocked: on to the action */
	menu_key(m, MK_ESC, now);
	choose(m, "Dissolve");
	CHECK_EQ(view(m).kind, VIEW_CONFIRM); /* still unlocked */
	menu_key(m, MK_ESC, now);
	now += 301000;
	menu_tick(m, now); /* left alone 5 min: locked again, and back on the status */
	CHECK_EQ(view(m).kind, VIEW_STATUS);
	open_item(m, "Cluster", "Dissolve");
	CHECK_EQ(view(m).kind, VIEW_FIELD);
	menu_free(m);

	/* turned off: said, nothing asked */
	m = mk(MENU_LCD, 16, LOCK_OFF, STANDBY_B);
	open_item(m, "Cluster", "Takeover");
	CHECK_STR(view(m).line[0], "Actions are turned off");
	CHECK_EQ(take(m, &rq), 0);
	menu_free(m);
}

static void test_idle_home(void)
{
	struct menu *m = mk(MENU_LCD, 16, LOCK_OPEN, STANDBY_B);

	menu_key(m, MK_ENTER, now);
	choose(m, "Cluster");
	menu_tick(m, now + 119000);
	CHECK_EQ(view(m).kind, VIEW_LIST); /* not yet */
	menu_tick(m, now + 121000);
	CHECK_EQ(view(m).kind, VIEW_STATUS);
	menu_free(m);
	/* the serial console goes to its main menu, and stays there */
	m = mk(MENU_SERIAL, 80, LOCK_OPEN, STANDBY_B);
	menu_line(m, "", now);
	menu_line(m, "2", now);
	CHECK_STR(view(m).title, "System");
	menu_tick(m, now + 121000);
	CHECK_STR(view(m).title, "Menu");
	menu_tick(m, now + 500000);
	CHECK_STR(view(m).title, "Menu");
	menu_free(m);
}

static void test_create_wizard(void)
{
	struct menu *m = mk(
	    MENU_SERIAL, 80, LOCK_OPEN,
	    "ok\nnode.name=twin-a\nnode.state=Standby\ncluster.mode=standalone\ncluster.password_set=true\n");
	struct menu_req rq;

	menu_line(m, "", now);
	menu_line(m, "1", now); /* Cluster */
	menu_line(m, "1", now); /* Create */
	struct menu_view v = view(m);
	CHECK_EQ(v.kind, VIEW_FIELD);
	CHECK_STR(v.title, "Peer IP");
	menu_line(m, "192.168.1.300", now);
	v = view(m);
	CHECK_EQ(v.kind, VIEW_FIELD);
	CHECK_STR(v.line[1], "300 is not an address byte (0..255)");
	menu_line(m, "192.168.1.12", now);
	CHECK_STR(view(m).title, "Failover IP");
	menu_line(m, "192.168.1.10", now);
	CHECK_CONTAINS(view(m).line[1], "needs a prefix length");
	menu_line(m, "192.168.1.10/24", now);
	CHECK_EQ(take(m, &rq), 1);
	CHECK_EQ(rq.argc, 4);
	CHECK_STR(rq.argv[1], "probe");
	CHECK_STR(rq.argv[2], "192.168.1.12");
	answer(m, &rq, "ok\n");
	now += 300;
	menu_tick(m, now);
	CHECK_EQ(take(m, &rq), 1);
	CHECK_STR(rq.argv[1], "result");
	answer(m, &rq, "ok\nop=probe\nrunning=true\nrc=0\nmessage=\n");
	now += 300;
	menu_tick(m, now);
	take(m, &rq);
	answer(
	    m, &rq,
	    "ok\nop=probe\nrunning=false\nrc=0\nmessage=\npeer.fingerprint=SHA256:90d5 0b7f 281c ae16 3c43 "
	    "026e 51bd 179e e0ec f026 438d 929c 0622 b3db 59c1 f2cd\npeer.name=twin-b\npeer.clustered=0\n");
	v = view(m);
	CHECK_EQ(v.kind, VIEW_CONFIRM);
	CHECK_EQ(v.cursor, 0);
	CHECK_STR(v.line[0], "twin-b's key:");
	CHECK_STR(v.line[1], "90d5 0b7f 281c ae16");
	menu_line(m, "2", now); /* Yes, the same */
	v = view(m);
	CHECK_STR(v.title, "Peer's password");
	menu_line(m, "", now);
	CHECK_STR(view(m).line[1], "the password is empty");
	menu_line(m, "wrong-password", now);
	CHECK_EQ(take(m, &rq), 1);
	CHECK_EQ(rq.argc, 7);
	CHECK_STR(rq.argv[1], "create");
	CHECK_STR(rq.argv[2], "192.168.1.12");
	CHECK_CONTAINS(rq.argv[3], "SHA256:90d5");
	CHECK_STR(rq.argv[4], "192.168.1.10/24");
	CHECK_STR(rq.argv[5], "wrong-password");
	answer(m, &rq, "ok\n");
	now += 300;
	menu_tick(m, now);
	take(m, &rq);
	answer(m, &rq, "ok\nop=create\nrunning=false\nrc=1\nmessage=the peer refused: wrong password\n");
	v = view(m);
	CHECK_EQ(v.kind, VIEW_MESSAGE);
	CHECK_STR(v.line[0], "Not paired:");
	CHECK_STR(v.line[1], "the peer refused: wrong password");
	menu_free(m);
}

#define SPLIT                                                                                                \
	"ok\nnode.name=twin-a\nnode.id=1\nnode.state=SplitBrain\ncluster.mode=paired\nsb.active=true\n"      \
	"sb.self.id=1\nsb.self.name=twin-a\nsb.self.written_kib=32\nsb.peer.id=2\nsb.peer.name=twin-b\n"     \
	"sb.peer.written_kib=4096\nsb.proposal=keep twin-b: it wrote 4 MiB since the split\n"                \
	"sb.proposal_survivor=2\nalarm.0=split brain: both Active\n"

static void test_split_brain(void)
{
	struct menu *m = mk(MENU_LCD, 16, LOCK_OPEN, SPLIT);
	struct menu_req rq;
	struct menu_view v = view(m);

	CHECK(v.alert);
	CHECK_STR(v.line[0], "SPLIT BRAIN");
	CHECK_STR(v.line[1], "Enter: repair");
	menu_key(m, MK_ENTER, now);
	v = view(m);
	CHECK_EQ(v.kind, VIEW_LIST);
	CHECK_STR(v.item[0], "*twin-b 4096K"); /* the proposal first, starred */
	CHECK_STR(v.item[1], "twin-a 32K");
	CHECK_EQ(v.cursor, 0);
	menu_key(m, MK_ENTER, now);
	v = view(m);
	CHECK_EQ(v.kind, VIEW_CONFIRM);
	CHECK_EQ(v.cursor, 0);
	CHECK_STR(v.line[0], "Keep twin-b?");
	CHECK_STR(v.line[1], "twin-a's writes since");
	menu_key(m, MK_DOWN, now);
	menu_key(m, MK_ENTER, now);
	CHECK_EQ(take(m, &rq), 1);
	CHECK_EQ(rq.argc, 5);
	CHECK_STR(rq.argv[0], "split-brain");
	CHECK_STR(rq.argv[2], "twin-b");
	answer(m, &rq, "ok\nmessage=repair started\n");
	now += 300;
	menu_tick(m, now);
	take(m, &rq);
	CHECK_STR(rq.argv[0], "split-brain");
	CHECK_STR(rq.argv[1], "result");
	answer(m, &rq, "ok\nrunning=true\nphase=resync\nmessage=resyncing\nsync_permille=500\n");
	v = view(m);
	CHECK_EQ(v.kind, VIEW_BUSY);
	CHECK_STR(v.line[0], "resyncing twin-a");
	CHECK_STR(v.line[1], "[#####     ] 50%");
	now += 300;
	menu_tick(m, now);
	take(m, &rq);
	answer(m, &rq,
	       "ok\nrunning=false\nphase=done\nrc=0\nmessage=split brain repaired: twin-b survives\n");
	v = view(m);
	CHECK_EQ(v.kind, VIEW_MESSAGE);
	CHECK_STR(v.line[0], "split brain repaired: twin-b survives");
	menu_free(m);
}

static void test_serial_input_refused(void)
{
	struct menu *m = mk(MENU_SERIAL, 80, LOCK_OPEN, ACTIVE_A);
	struct menu_req rq;

	menu_line(m, "", now);
	CHECK_EQ(view(m).kind, VIEW_LIST);
	menu_line(m, "rm -rf /", now);
	CHECK_STR(view(m).hint, "'rm -rf /' is not a choice here");
	CHECK_EQ(take(m, &rq), 0);
	menu_line(m, "99", now);
	CHECK_STR(view(m).hint, "'99' is not a choice here");
	menu_line(m, "2", now); /* System */
	CHECK_EQ(view(m).kind, VIEW_LIST);
	CHECK_STR(view(m).title, "System");
	menu_free(m);
}

/* every screen a walk reaches fits 16x2 and 20x2: items, choices and
 * values without a scroller; status lines too, but alarms and messages */
static void check_fits(struct menu *m, int cols, const char *where)
{
	struct menu_view v = view(m);
	struct lcd_frame f;

	lcd_layout(&v, cols, 2, &f);
	for (int r = 0; r < 2; r++) {
		int may_scroll = v.kind == VIEW_MESSAGE || v.kind == VIEW_BUSY ||
				 (v.kind == VIEW_CONFIRM && r == 0) ||
				 (v.kind == VIEW_FIELD && r == 0 && v.n_lines > 1) ||
				 (v.kind == VIEW_STATUS && v.alert && r == 1);
		if (f.scroll[r] && !may_scroll) {
			fprintf(stderr, "%s %dx2 row %d does not fit: '%s'\n", where, cols, r, f.row[r]);
			CHECK(0);
		} else {
			CHECK(1);
		}
	}
}

static void test_fits(void)
{
	static const char *walks[][6] = {
	    {"Cluster", NULL},
	    {"System", NULL},
	    {"Cluster", "Release", NULL},
	    {"Cluster", "Dissolve", NULL},
	    {"Cluster", "Failover off", NULL},
	    {"System", "Reboot", NULL},
	    {"System", "Shutdown peer", NULL},
	    {"System", "Network", NULL},
	    {"System", "Factory reset", NULL},
	};
	for (int cols = 16; cols <= 20; cols += 4) {
		struct menu *m = mk(MENU_LCD, cols, LOCK_OPEN, ACTIVE_A "alarm.0=x\n");
		for (int p = 0; p < 8; p++) {
			check_fits(m, cols, "status");
			menu_key(m, MK_DOWN, now);
		}
		for (size_t w = 0; w < sizeof(walks) / sizeof(walks[0]); w++) {
			menu_key(m, MK_ENTER, now);
			if (view(m).kind != VIEW_LIST)
				menu_key(m, MK_ENTER, now);
			for (int i = 0; walks[w][i]; i++) {
				check_fits(m, cols, walks[w][i]);
				CHECK(choose(m, walks[w][i]));
			}
			check_fits(m, cols, "end of walk");
			struct lcd_frame f;
			struct menu_view v = view(m);
			lcd_layout(&v, cols, 2, &f);
			if (v.kind == VIEW_CONFIRM)
				CHECK_CONTAINS(f.row[1], "[No]");
			while (view(m).kind != VIEW_STATUS)
				menu_key(m, MK_ESC, now);
		}
		menu_free(m);
		/* the wizard's fields and the split-brain choice */
		m = mk(MENU_LCD, cols, LOCK_OPEN,
		       "ok\nnode.name=twin-a\nnode.state=Standby\ncluster.mode=standalone\n");
		open_item(m, "Cluster", "Create cluster");
		check_fits(m, cols, "peer IP");
		menu_line(m, "192.168.1.12", now);
		check_fits(m, cols, "failover IP");
		menu_free(m);
		m = mk(MENU_LCD, cols, LOCK_OPEN, SPLIT);
		check_fits(m, cols, "split brain page");
		menu_key(m, MK_ENTER, now);
		check_fits(m, cols, "survivor");
		menu_key(m, MK_ENTER, now);
		check_fits(m, cols, "repair?");
		menu_free(m);
	}
}

static void test_lcd_layout(void)
{
	struct menu *m = mk(MENU_LCD, 16, LOCK_OPEN, STANDBY_B);
	struct lcd_frame f;
	struct menu_view v;

	open_item(m, "Cluster", "Takeover");
	v = view(m);
	lcd_layout(&v, 16, 2, &f);
	CHECK(f.scroll[0]); /* the question scrolls ... */
	CHECK_CONTAINS(f.row[0], "Make twin-b Active?");
	CHECK_STR(f.row[1], "  [No]   Yes ");
	CHECK(!f.scroll[1]); /* ... the choice does not */
	menu_free(m);

	m = mk(MENU_LCD, 20, LOCK_OPEN, ACTIVE_A);
	menu_key(m, MK_ENTER, now);
	v = view(m);
	lcd_layout(&v, 20, 4, &f);
	CHECK_STR(f.row[0], "Menu");
	CHECK_STR(f.row[1], ">Cluster");
	CHECK_STR(f.row[2], " System");
	menu_free(m);
}

static void test_four_rows(void)
{
	struct menu_opts o = {.ui = MENU_LCD, .cols = 20, .rows = 4, .lock = LOCK_OPEN};
	struct menu *m = menu_new(&o);
	struct lcd_frame f;
	struct menu_view v;

	status(m, ACTIVE_A);
	v = view(m);
	lcd_layout(&v, 20, 4, &f);
	CHECK_STR(f.row[0], "twin-a        Active");
	CHECK_STR(f.row[1], "IP here");
	CHECK_STR(f.row[2], "failover IP");
	CHECK_STR(f.row[3], "192.168.1.10/24");
	menu_key(m, MK_DOWN, now); /* two pages on */
	v = view(m);
	lcd_layout(&v, 20, 4, &f);
	CHECK_STR(f.row[0], "peer          twin-b");
	CHECK_STR(f.row[2], "eth1           0.3ms");
	menu_free(m);
}

static void test_lcdproc(void)
{
	struct lcdp_in in;
	char q[64];

	CHECK_EQ(lcdp_parse("connect LCDproc 0.5.9 protocol 0.3 lcd wid 20 hgt 2 cellwid 5 cellhgt 8", &in),
		 0);
	CHECK_EQ(in.kind, LM_CONNECT);
	CHECK_EQ(in.wid, 20);
	CHECK_EQ(in.hgt, 2);
	CHECK_EQ(lcdp_parse("connect LCDproc 0.5.9 protocol 0.3 lcd wid 0 hgt 2", &in), -1);
	CHECK_EQ(lcdp_parse("connect LCDproc", &in), -1);
	CHECK_EQ(lcdp_parse("key Enter", &in), 0);
	CHECK_EQ(in.kind, LM_KEY);
	CHECK_STR(in.arg, "Enter");
	CHECK_EQ(lcdp_key_index(in.arg), 4);
	CHECK_EQ(lcdp_key_index("F1"), -1);
	CHECK_EQ(lcdp_parse("key", &in), -1);
	CHECK_EQ(lcdp_parse("huh? Invalid command", &in), 0);
	CHECK_EQ(in.kind, LM_HUH);
	CHECK_EQ(lcdp_parse("success", &in), 0);
	CHECK_EQ(in.kind, LM_SUCCESS);
	CHECK_EQ(lcdp_parse("listen twin", &in), 0);
	CHECK_EQ(in.kind, LM_LISTEN);
	CHECK_EQ(lcdp_parse("menuevent select x", &in), 0);
	CHECK_EQ(in.kind, LM_OTHER);
	lcdp_quote("say \"hi\" \\ \x01\xc3\xa9", q, sizeof(q));
	CHECK_STR(q, "\"say \\\"hi\\\" \\\\ ???\"");
	lcdp_quote("0123456789", q, 8);
	CHECK_STR(q, "\"0123\"");
}

/* the "setup show" request queued at the start, answered with text */
static void sysinfo(struct menu *m, const char *text)
{
	struct menu_req r;
	int found = 0;
	while (menu_take_request(m, &r))
		if (r.kind == MR_RUN && r.argc == 2 && !strcmp(r.argv[0], "setup") &&
		    !strcmp(r.argv[1], "show")) {
			menu_ran(m, r.tag, 0, text, now);
			found = 1;
		}
	CHECK(found);
}

#define FRESH_SYS                                                                                            \
	"configured no\npassword no\nhostname twin\nlan_address \ngateway \ndns \nhb_network \n"             \
	"ntp_server \nslot A\n"

static void test_first_boot_setup(void)
{
	struct menu *m = mk(MENU_SERIAL, 80, LOCK_SECRET, NULL);
	struct menu_req rq;

	/* no twind yet (no twin.conf): the setup still offered, from "setup show" */
	menu_set_status(m, NULL, "connect: no such file", now);
	sysinfo(m, FRESH_SYS);
	menu_line(m, "", now);
	CHECK_STR(items(m), "First-boot setup (password, network)|Cluster|System|Maintenance shell|Lock the "
			    "console|Exit the console|Back");
	menu_line(m, "1", now); /* no password to unlock with yet: straight in */
	CHECK_STR(view(m).title, "New password");
	menu_line(m, "short", now);
	CHECK_CONTAINS(view(m).line[1], "at least 8");
	menu_line(m, "right-horse-battery", now);
	CHECK_STR(view(m).title, "Again");
	menu_line(m, "wrong-horse-battery", now);
	CHECK_EQ(view(m).kind, VIEW_MESSAGE);
	CHECK_CONTAINS(view(m).line[0], "differ");
	CHECK_EQ(take(m, &rq), 0);
	menu_line(m, "", now);
	menu_line(m, "1", now);
	menu_line(m, "right-horse-battery", now);
	menu_line(m, "right-horse-battery", now);
	CHECK_STR(view(m).title, "Host name");
	CHECK_STR(view(m).line[0], "twin");
	menu_line(m, "Twin_A", now);
	CHECK_EQ(view(m).kind, VIEW_FIELD); /* refused: upper case, '_' */
	menu_line(m, "twin-a-with-a-name-far-too-long-for-twind", now);
	CHECK_CONTAINS(view(m).line[1], "at most 31");
	menu_line(m, "twin-a", now);
	CHECK_STR(view(m).title, "eth0 address");
	menu_line(m, "192.168.1.11", now);
	CHECK_EQ(view(m).kind, VIEW_FIELD); /* no prefix */
	menu_line(m, "192.168.1.11/33", now);
	CHECK_EQ(view(m).kind, VIEW_FIELD);
	menu_line(m, "192.168.1.11/24", now);
	CHECK_STR(view(m).title, "Gateway");
	menu_line(m, "192.168.1.300", now);
	CHECK_CONTAINS(view(m).line[1], "300");
	menu_line(m, "192.168.1.1", now);
	CHECK_STR(view(m).title, "DNS server");
	menu_line(m, "", now); /* none */
	CHECK_STR(view(m).title, "eth1 network");
	CHECK_STR(view(m).line[0], "192.168.250.000"); /* the default */
	menu_line(m, "192.168.1.0", now);
	CHECK_CONTAINS(view(m).line[1], "overlaps eth0");
	menu_line(m, "10.250.0.0", now);
	CHECK_STR(view(m).title, "NTP server");
	menu_line(m, "-bad-", now);
	CHECK_EQ(view(m).kind, VIEW_FIELD);
	menu_line(m, "pool.ntp.org", now);
	struct menu_view v = view(m);
	CHECK_EQ(v.kind, VIEW_CONFIRM);
	CHECK_EQ(v.cursor, 0);
	CHECK_STR(v.line[0], "twin-a eth0 192.168.1.11/24");
	CHECK_STR(v.line[1], "gw 192.168.1.1 dns -");
	CHECK_STR(v.line[2], "eth1 10.250.0.x/24");
	CHECK_STR(v.line[3], "ntp pool.ntp.org");
	CHECK_EQ(take(m, &rq), 0);
	menu_line(m, "2", now);
	CHECK_EQ(take(m, &rq), 1);
	CHECK_EQ(rq.kind, MR_RUN);
	CHECK_STR(rq.argv[0], "setup");
	CHECK_STR(rq.argv[1], "apply");
	CHECK_STR(rq.input, "password right-horse-battery\nhostname twin-a\nlan_address 192.168.1.11/24\n"
			    "gateway 192.168.1.1\ndns \nhb_network 10.250.0\nntp_server pool.ntp.org\n");
	CHECK_EQ(view(m).kind, VIEW_BUSY);
	menu_ran(m, rq.tag + 1, 0, "stale", now); /* not its answer */
	CHECK_EQ(view(m).kind, VIEW_BUSY);
	menu_ran(m, rq.tag, 0, "password set\ntwind starts as twin-a", now);
	v = view(m);
	CHECK_EQ(v.kind, VIEW_MESSAGE);
	CHECK_STR(v.line[0], "password set");
	/* the settings asked again, then the setup is no longer offered */
	sysinfo(m, "configured yes\npassword yes\nhostname twin-a\nlan_address 192.168.1.11/24\n");
	menu_line(m, "", now);
	CHECK_STR(items(m), "Cluster|System|Maintenance shell|Lock the console|Exit the console|Back");
	menu_free(m);

	/* a helper that failed: its words, never a blank screen */
	m = mk(MENU_SERIAL, 80, LOCK_OPEN, NULL);
	sysinfo(m, "configured yes\npassword no\n");
	menu_line(m, "", now);
	menu_line(m, "1", now);
	menu_line(m, "right-horse-battery", now);
	menu_line(m, "right-horse-battery", now);
	CHECK_EQ(take(m, &rq), 1); /* the network is set: the password alone */
	CHECK_STR(rq.input, "password right-horse-battery\n");
	menu_ran(m, rq.tag, -1, "cannot run setup: No such file or directory", now);
	v = view(m);
	CHECK_STR(v.line[0], "Not applied:");
	CHECK_CONTAINS(v.line[1], "No such file");
	menu_free(m);
}

static void test_network_paired(void)
{
	struct menu *m = mk(MENU_LCD, 16, LOCK_OPEN, ACTIVE_A);
	struct menu_req rq;

	sysinfo(m, "configured yes\npassword yes\nhostname twin-a\nlan_address 192.168.1.11/24\ngateway "
		   "192.168.1.1\ndns 192.168.1.53\nhb_network 192.168.250\nntp_server \nslot B\n");
	/* paired: the name, eth0 and eth1 stay; gateway, DNS, NTP change */
	open_item(m, "System", "Network");
	CHECK_STR(view(m).title, "Gateway");
	CHECK_STR(view(m).line[0], "192.168.001.001");
	menu_line(m, "192.168.1.254", now);
	CHECK_STR(view(m).title, "DNS server");
	menu_line(m, "192.168.1.53", now);
	CHECK_STR(view(m).title, "NTP server");
	menu_line(m, "", now);
	struct menu_view v = view(m);
	CHECK_STR(v.line[0], "twin-a eth0 192.168.1.11/24");
	CHECK_STR(v.line[2], "eth1 192.168.250.x/24");
	menu_key(m, MK_ENTER, now); /* No */
	CHECK_EQ(take(m, &rq), 0);
	CHECK_EQ(view(m).kind, VIEW_LIST);
	choose(m, "Network");
	menu_line(m, "192.168.1.254", now);
	menu_line(m, "192.168.1.53", now);
	menu_line(m, "", now);
	menu_key(m, MK_RIGHT, now);
	menu_key(m, MK_ENTER, now);
	CHECK_EQ(take(m, &rq), 1);
	CHECK_STR(rq.input, "gateway 192.168.1.254\ndns 192.168.1.53\nntp_server \n");
	menu_ran(m, rq.tag, 0, "twin-a 192.168.1.11/24\ngw 192.168.1.254 dns 192.168.1.53", now);
	CHECK_EQ(view(m).kind, VIEW_MESSAGE);
	menu_key(m, MK_ENTER, now);
	/* the firmware's version with its slot */
	choose(m, "Version");
	CHECK_EQ(take(m, &rq), 1);
	answer(m, &rq, "ok\nversion=0.1.1\nprotocol=3\n");
	v = view(m);
	CHECK_STR(v.line[0], "Twin 0.1.1");
	CHECK_STR(v.line[1], "slot B proto 3");
	menu_key(m, MK_ENTER, now);
	/* factory reset: refused while paired, nothing run */
	choose(m, "Factory reset");
	CHECK_EQ(take(m, &rq), 0);
	CHECK_CONTAINS(view(m).line[0], "dissolve");
	menu_free(m);

	/* standalone: the question, No first, then the helper */
	m = mk(MENU_SERIAL, 80, LOCK_OPEN,
	       "ok\nnode.name=twin-a\nnode.state=Standby\ncluster.mode=standalone\n");
	menu_line(m, "", now);
	choose(m, "System");
	choose(m, "Factory reset (erase settings and data)");
	v = view(m);
	CHECK_EQ(v.kind, VIEW_CONFIRM);
	CHECK_EQ(v.cursor, 0);
	CHECK_CONTAINS(v.line[1], "twin-a");
	menu_line(m, "2", now);
	CHECK_EQ(take(m, &rq), 1);
	CHECK_EQ(rq.kind, MR_RUN);
	CHECK_STR(rq.argv[0], "factory-reset");
	menu_free(m);
}

static void test_usb_update(void)
{
	struct menu *m = mk(MENU_LCD, 16, LOCK_OPEN, STANDBY_B);
	struct menu_req rq;

	open_item(m, "System", "USB update");
	CHECK_EQ(take(m, &rq), 1);
	CHECK_STR(rq.argv[0], "usb-update");
	CHECK_STR(rq.argv[1], "list");
	menu_ran(m, rq.tag, 0, "", now);
	CHECK_CONTAINS(view(m).line[0], "No update bundle");
	menu_key(m, MK_ENTER, now);
	choose(m, "USB update");
	CHECK_EQ(take(m, &rq), 1);
	menu_ran(m, rq.tag, 0, "/run/twin/usb/sda1/twin-x86_64-appliance-0.1.1.twu\n/dev/sdb\n", now);
	CHECK_EQ(view(m).kind, VIEW_LIST);
	CHECK_STR(items(m), "twin-x86_64-appliance-0.1.1.twu|sdb");
	menu_key(m, MK_DOWN, now);
	menu_key(m, MK_ENTER, now);
	struct menu_view v = view(m);
	CHECK_EQ(v.kind, VIEW_CONFIRM);
	CHECK_EQ(v.cursor, 0);
	CHECK_STR(v.line[0], "Install sdb");
	menu_key(m, MK_RIGHT, now);
	menu_key(m, MK_ENTER, now);
	CHECK_EQ(take(m, &rq), 1);
	CHECK_STR(rq.argv[1], "install");
	CHECK_STR(rq.argv[2], "/dev/sdb");
	CHECK(rq.timeout_ms >= 300000);
	menu_ran(m, rq.tag, 1, "twinctl update: /dev/sdb: signed by an unknown key\nNothing was changed.",
		 now);
	v = view(m);
	CHECK_STR(v.line[0], "Not installed:");
	CHECK_CONTAINS(v.line[1], "unknown key");
	menu_free(m);
}

TEST_MAIN("menu", {
	test_status_pages();
	test_alarms_first_until_acknowledged();
	test_alarm_ack_in_twind();
	test_menus_follow_state();
	test_takeover_confirm_no_first();
	test_lock();
	test_create_wizard();
	test_idle_home();
	test_split_brain();
	test_serial_input_refused();
	test_fits();
	test_lcd_layout();
	test_four_rows();
	test_lcdproc();
	test_first_boot_setup();
	test_network_paired();
	test_usb_update();
})
