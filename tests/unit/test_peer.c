/* peer.c: path liveness, dead verdict, link alarm, loss, RTT, skew. */
#include "check.h"
#include "node_state.h"
#include "peer.h"

#define MS 1000000ull

static struct hb_frame beat(uint64_t seq, uint8_t state)
{
	struct hb_frame f = {
	    .version = HB_VERSION, .node_id = 2, .state = state, .seq = seq, .interval_us = 10000};
	return f;
}

static void test_alive_and_dead(void)
{
	struct peer p;
	struct hb_frame f;

	peer_init(&p, 100 * MS);
	CHECK_EQ(p.alive, 0);
	CHECK_EQ(peer_check(&p, 1000 * MS), 0); /* never seen: nothing to declare */
	f = beat(10, NS_ACTIVE);
	CHECK_EQ(peer_on_beat(&p, PATH_LINK, &f, 1000 * MS, 0), PEER_EV_UP | PEER_EV_PATH_UP);
	CHECK_EQ(p.alive, 1);
	f = beat(10, NS_ACTIVE);
	CHECK_EQ(peer_on_beat(&p, PATH_UDP, &f, 1000 * MS, 0),
		 PEER_EV_PATH_UP | PEER_EV_STALE); /* same seq, other path: alive, nothing new */
	/* silent 99 ms: alive; 100 ms: both paths down, dead */
	CHECK_EQ(peer_check(&p, 1099 * MS), 0);
	CHECK_EQ(peer_check(&p, 1100 * MS), PEER_EV_DEAD | PEER_EV_PATH_DOWN);
	CHECK_EQ(p.alive, 0);
	CHECK_EQ(p.path[PATH_LINK].down_count, 1);
	CHECK_EQ(peer_check(&p, 2000 * MS), 0); /* declared once */
	f = beat(11, NS_ACTIVE);
	CHECK_EQ(peer_on_beat(&p, PATH_UDP, &f, 2001 * MS, 0), PEER_EV_UP | PEER_EV_PATH_UP);
}

static void test_one_path_keeps_alive(void)
{
	struct peer p;
	struct hb_frame f;

	peer_init(&p, 100 * MS);
	f = beat(1, NS_STANDBY);
	peer_on_beat(&p, PATH_LINK, &f, 0 + 1, 0);
	peer_on_beat(&p, PATH_UDP, &f, 0 + 1, 0);
	CHECK_EQ(peer_link_alarm(&p), 0);
	/* only UDP keeps beating */
	for (uint64_t s = 2; s < 30; s++) {
		f = beat(s, NS_STANDBY);
		peer_on_beat(&p, PATH_UDP, &f, s * 10 * MS, 0);
		int ev = peer_check(&p, s * 10 * MS);
		CHECK((ev & PEER_EV_DEAD) == 0);
	}
	CHECK_EQ(p.alive, 1);
	CHECK_EQ(p.path[PATH_LINK].up, 0);
	CHECK_EQ(peer_link_alarm(&p), 1);
	/* the link heals */
	f = beat(30, NS_STANDBY);
	CHECK_EQ(peer_on_beat(&p, PATH_LINK, &f, 300 * MS, 0), PEER_EV_PATH_UP);
	CHECK_EQ(peer_link_alarm(&p), 0);
}

static void test_replay_and_loss(void)
{
	struct peer p;
	struct hb_frame f;

	peer_init(&p, 100 * MS);
	f = beat(100, NS_STANDBY);
	CHECK(peer_on_beat(&p, PATH_LINK, &f, 1, 0) >= 0);
	CHECK_EQ(peer_on_beat(&p, PATH_LINK, &f, 2, 0), -1); /* same seq again */
	f = beat(99, NS_STANDBY);
	CHECK_EQ(peer_on_beat(&p, PATH_LINK, &f, 3, 0), -1);
	CHECK_EQ(p.path[PATH_LINK].replay, 2);
	f = beat(104, NS_STANDBY); /* 101..103 lost */
	CHECK(peer_on_beat(&p, PATH_LINK, &f, 4, 0) >= 0);
	CHECK_EQ(p.path[PATH_LINK].lost, 3);
	/* a jump larger than the detection window is a restart, not loss */
	f = beat(1000000, NS_STANDBY);
	CHECK(peer_on_beat(&p, PATH_LINK, &f, 5, 0) >= 0);
	CHECK_EQ(p.path[PATH_LINK].lost, 3);
	peer_on_bad(&p, PATH_UDP, HB_E_MAC);
	peer_on_bad(&p, PATH_UDP, HB_E_SHORT);
	peer_on_bad(&p, PATH_UDP, HB_E_CLUSTER);
	CHECK_EQ(p.path[PATH_UDP].bad_mac, 1);
	CHECK_EQ(p.path[PATH_UDP].malformed, 1);
	CHECK_EQ(p.path[PATH_UDP].foreign, 1);
}

static void test_rtt_and_skew(void)
{
	struct peer p;
	struct hb_frame f;
	uint64_t echo;
	uint32_t delay;

	peer_init(&p, 100 * MS);
	peer_note_tx(&p, 500, 1000 * MS);
	/* peer got our 500 and answers 2 ms later; we receive at +3 ms: RTT 1 ms */
	f = beat(7, NS_STANDBY);
	f.echo_seq = 500;
	f.echo_delay_us = 2000;
	f.realtime_ns = 5000 * MS + 500000; /* peer clock: our clock + 1 ms at the send instant */
	peer_on_beat(&p, PATH_LINK, &f, 1003 * MS, 5000 * MS);
	CHECK_EQ(p.path[PATH_LINK].rtt_ns, 1 * MS);
	CHECK(p.skew_known);
	CHECK_EQ(p.skew_ns, 1 * MS); /* 0.5 ms ahead at send + 0.5 ms one-way */
	/* an echo of a seq we never sent is ignored */
	f = beat(8, NS_STANDBY);
	f.echo_seq = 999;
	peer_on_beat(&p, PATH_LINK, &f, 1010 * MS, 5007 * MS);
	CHECK_EQ(p.path[PATH_LINK].rtt_ns, 1 * MS);
	peer_echo(&p, PATH_LINK, 1012 * MS, &echo, &delay);
	CHECK_EQ(echo, 8);
	CHECK_EQ(delay, 2000);
	peer_echo(&p, PATH_UDP, 1012 * MS, &echo, &delay);
	CHECK_EQ(echo, 0);
	CHECK_EQ(peer_path_age_ms(&p, PATH_LINK, 1015 * MS), 5);
	CHECK_EQ(peer_path_age_ms(&p, PATH_UDP, 1015 * MS), -1);
}

static void test_last_active(void)
{
	struct peer p;
	struct hb_frame f;

	peer_init(&p, 100 * MS);
	f = beat(10, NS_ACTIVE);
	f.epoch = 5;
	peer_on_beat(&p, PATH_LINK, &f, 1, 7000000000ull);
	CHECK_EQ(p.last_active_real_s, 7);
	f = beat(11, NS_STANDBY);
	CHECK_EQ(peer_on_beat(&p, PATH_LINK, &f, 2, 8000000000ull), 0);
	CHECK_EQ(p.last_active_real_s, 7); /* a Standby beat does not move it */
}

/* a beat that arrives late on the other path keeps the peer alive there but
 * does not roll its state back */
static void test_stale_other_path(void)
{
	struct peer p;
	struct hb_frame f;

	peer_init(&p, 100 * MS);
	f = beat(20, NS_STANDBY);
	peer_on_beat(&p, PATH_LINK, &f, 1 * MS, 0);
	f = beat(21, NS_ACTIVE);
	CHECK_EQ(peer_on_beat(&p, PATH_LINK, &f, 2 * MS, 0) & PEER_EV_STALE, 0);
	f = beat(20, NS_STANDBY); /* seq 20 again, but via UDP: first time on that path */
	int ev = peer_on_beat(&p, PATH_UDP, &f, 3 * MS, 0);
	CHECK(ev & PEER_EV_STALE);
	CHECK(ev & PEER_EV_PATH_UP);
	CHECK_EQ(p.last.state, NS_ACTIVE);
	CHECK_EQ(p.last.seq, 21);
	CHECK_EQ(p.path[PATH_UDP].last_rx_ns, 3 * MS);
}

/* Gaps between beats by receive time, per path, while the path is up. */
static void test_gaps(void)
{
	struct peer p;
	struct hb_frame f;
	char out[256];
	uint64_t t = 1000 * MS;

	peer_init(&p, 100 * MS);
	for (uint64_t seq = 1; seq <= 5; seq++, t += 10 * MS) {
		f = beat(seq, NS_ACTIVE);
		peer_on_beat(&p, PATH_LINK, &f, t, 0);
	}
	f = beat(6, NS_ACTIVE);
	peer_on_beat(&p, PATH_LINK, &f, t + 25 * MS + 500000, 0); /* 35.5 ms after the 5th */
	peer_gaps_format(&p.path[PATH_LINK], out, sizeof(out));
	CHECK_STR(out, "10:4,35:1");
	CHECK_EQ(p.path[PATH_LINK].gap_max_ns, 35 * MS + 500000);
	/* an outage is no gap: the path was down */
	peer_check(&p, t + 200 * MS);
	f = beat(7, NS_ACTIVE);
	peer_on_beat(&p, PATH_LINK, &f, t + 900 * MS, 0);
	peer_gaps_format(&p.path[PATH_LINK], out, sizeof(out));
	CHECK_STR(out, "10:4,35:1");
	/* longer than the histogram: the last bucket */
	p.path[PATH_LINK].gaps[PEER_GAP_BUCKETS - 1] = 0;
	f = beat(8, NS_ACTIVE);
	peer_on_beat(&p, PATH_LINK, &f, t + 900 * MS + (PEER_GAP_BUCKETS + 5) * MS, 0);
	peer_gaps_format(&p.path[PATH_LINK], out, sizeof(out));
	CHECK_CONTAINS(out, ",511:1");
	/* a short buffer holds whole entries only */
	peer_gaps_format(&p.path[PATH_LINK], out, 8);
	CHECK_STR(out, "10:4");
	peer_gaps_format(&p.path[PATH_UDP], out, sizeof(out));
	CHECK_STR(out, "");
}

TEST_MAIN("peer", {
	test_gaps();
	test_alive_and_dead();
	test_one_path_keeps_alive();
	test_replay_and_loss();
	test_rtt_and_skew();
	test_last_active();
	test_stale_other_path();
})
