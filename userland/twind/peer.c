#include "peer.h"

#include <stdio.h>
#include <string.h>

#include "node_state.h"

void peer_init(struct peer *p, uint64_t detect_ns)
{
	memset(p, 0, sizeof(*p));
	p->detect_ns = detect_ns;
	for (int i = 0; i < PATH_COUNT; i++)
		p->path[i].rtt_ns = -1;
}

static void update_rtt(struct peer *p, struct peer_path *pp, const struct hb_frame *f, uint64_t rx_ns)
{
	unsigned slot = f->echo_seq % PEER_TX_RING;

	if (!f->echo_seq || p->tx_seq[slot] != f->echo_seq)
		return;
	uint64_t held = (uint64_t)f->echo_delay_us * 1000;
	if (rx_ns < p->tx_ns[slot] + held)
		return;
	int64_t rtt = (int64_t)(rx_ns - p->tx_ns[slot] - held);
	/* smooth like TCP's srtt (1/8) so one late frame does not dominate */
	pp->rtt_ns = pp->rtt_ns < 0 ? rtt : pp->rtt_ns + (rtt - pp->rtt_ns) / 8;
}

static void update_skew(struct peer *p, const struct peer_path *pp, const struct hb_frame *f,
			uint64_t real_ns)
{
	int64_t owd = pp->rtt_ns > 0 ? pp->rtt_ns / 2 : 0;
	int64_t skew = (int64_t)(f->realtime_ns - real_ns) + owd;

	p->skew_ns = p->skew_known ? p->skew_ns + (skew - p->skew_ns) / 8 : skew;
	p->skew_known = 1;
}

int peer_on_beat(struct peer *p, enum path_id path, const struct hb_frame *f, uint64_t rx_ns,
		 uint64_t real_ns)
{
	struct peer_path *pp = &p->path[path];
	int ev = 0;

	if (hb_replay_check(&pp->win, f->seq) != HB_OK) {
		pp->replay++;
		return -1;
	}
	/* beats lost: gaps while the path was up; a gap across an outage is
	 * the outage itself, already counted in down_count */
	if (pp->up && pp->last_seq && f->seq > pp->last_seq + 1) {
		uint64_t gap = f->seq - pp->last_seq - 1;
		uint64_t max_gap = f->interval_us ? p->detect_ns / 1000 / f->interval_us + 1 : 0;
		if (gap <= max_gap)
			pp->lost += gap;
	}
	pp->last_seq = f->seq;
	/* frames can be read out of order across the two paths' queues; the
	 * newest receive time wins */
	if (rx_ns > pp->last_rx_ns) {
		if (pp->up && pp->last_rx_ns) {
			uint64_t gap = rx_ns - pp->last_rx_ns, ms = gap / 1000000ull;
			pp->gaps[ms < PEER_GAP_BUCKETS ? ms : PEER_GAP_BUCKETS - 1]++;
			if (gap > pp->gap_max_ns)
				pp->gap_max_ns = gap;
		}
		pp->last_rx_ns = rx_ns;
	}
	pp->beats++;
	update_rtt(p, pp, f, rx_ns);
	if (path == PATH_LINK || !p->path[PATH_LINK].up)
		update_skew(p, pp, f, real_ns);
	if (!pp->up) {
		pp->up = 1;
		ev |= PEER_EV_PATH_UP;
	}
	if (!p->alive) {
		p->alive = 1;
		ev |= PEER_EV_UP;
	}
	/* each beat goes out on both paths: one that arrives late on the other
	 * path is older news, and must not bring back a state the peer has left */
	if (p->ever_seen && f->seq <= p->last.seq)
		return ev | PEER_EV_STALE;
	p->ever_seen = 1;
	p->last = *f;
	if (f->state == NS_ACTIVE)
		p->last_active_real_s = real_ns / 1000000000ull;
	return ev;
}

void peer_on_bad(struct peer *p, enum path_id path, enum hb_err e)
{
	struct peer_path *pp = &p->path[path];

	switch (e) {
	case HB_E_MAC:
		pp->bad_mac++;
		break;
	case HB_E_REPLAY:
		pp->replay++;
		break;
	case HB_E_CLUSTER:
	case HB_E_SELF:
		pp->foreign++;
		break;
	default:
		pp->malformed++;
		break;
	}
}

void peer_note_tx(struct peer *p, uint64_t seq, uint64_t now_ns)
{
	unsigned slot = seq % PEER_TX_RING;

	p->tx_seq[slot] = seq;
	p->tx_ns[slot] = now_ns;
}

void peer_echo(const struct peer *p, enum path_id path, uint64_t now_ns, uint64_t *echo_seq,
	       uint32_t *delay_us)
{
	const struct peer_path *pp = &p->path[path];

	*echo_seq = 0;
	*delay_us = 0;
	if (!pp->last_seq || now_ns < pp->last_rx_ns)
		return;
	uint64_t d = (now_ns - pp->last_rx_ns) / 1000;
	if (d > UINT32_MAX)
		return;
	*echo_seq = pp->last_seq;
	*delay_us = (uint32_t)d;
}

int peer_check(struct peer *p, uint64_t now_ns)
{
	int ev = 0, any_up = 0;

	for (int i = 0; i < PATH_COUNT; i++) {
		struct peer_path *pp = &p->path[i];
		if (pp->up && now_ns > pp->last_rx_ns && now_ns - pp->last_rx_ns >= p->detect_ns) {
			pp->up = 0;
			pp->down_count++;
			ev |= PEER_EV_PATH_DOWN;
		}
		any_up |= pp->up;
	}
	if (p->alive && !any_up) {
		p->alive = 0;
		ev |= PEER_EV_DEAD;
	}
	return ev;
}

uint64_t peer_deadline(const struct peer *p)
{
	uint64_t last = 0;

	if (!p->alive)
		return 0;
	for (int i = 0; i < PATH_COUNT; i++)
		if (p->path[i].up && p->path[i].last_rx_ns > last)
			last = p->path[i].last_rx_ns;
	return last + p->detect_ns;
}

int peer_link_alarm(const struct peer *p)
{
	return p->ever_seen && !p->path[PATH_LINK].up && p->path[PATH_UDP].up;
}

int64_t peer_path_age_ms(const struct peer *p, enum path_id path, uint64_t now_ns)
{
	const struct peer_path *pp = &p->path[path];

	if (!pp->last_rx_ns)
		return -1;
	return now_ns > pp->last_rx_ns ? (int64_t)((now_ns - pp->last_rx_ns) / 1000000) : 0;
}

void peer_gaps_format(const struct peer_path *pp, char *out, size_t n)
{
	size_t len = 0;

	if (n)
		out[0] = 0;
	for (unsigned ms = 0; ms < PEER_GAP_BUCKETS && len < n; ms++) {
		if (!pp->gaps[ms])
			continue;
		int w = snprintf(out + len, n - len, "%s%u:%u", len ? "," : "", ms, pp->gaps[ms]);
		if (w < 0 || (size_t)w >= n - len) {
			out[len] = 0; /* whole entries only */
			return;
		}
		len += (size_t)w;
	}
}
