#include "loop_stats.h"

/* windows that ended without a turn are empty: roll over as many as passed */
static void roll(struct loop_stats *s, uint64_t now_ns)
{
	if (!s->win_start_ns) {
		s->win_start_ns = now_ns ? now_ns : 1;
		return;
	}
	if (now_ns < s->win_start_ns + LOOP_WINDOW_NS)
		return;
	s->prev_max_ns = now_ns < s->win_start_ns + 2 * LOOP_WINDOW_NS ? s->cur_max_ns : 0;
	s->cur_max_ns = 0;
	s->win_start_ns = now_ns;
}

void loop_stats_add(struct loop_stats *s, uint64_t now_ns, uint64_t dur_ns)
{
	roll(s, now_ns);
	if (dur_ns > s->cur_max_ns)
		s->cur_max_ns = dur_ns;
	s->turns++;
}

uint64_t loop_stats_max_ns(const struct loop_stats *s, uint64_t now_ns)
{
	struct loop_stats t = *s;

	roll(&t, now_ns);
	return t.cur_max_ns > t.prev_max_ns ? t.cur_max_ns : t.prev_max_ns;
}
