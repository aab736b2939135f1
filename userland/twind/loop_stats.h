/* The longest turn of twind's epoll loop (from epoll_wait's return to the
 * next call) over the last minute or two, for `status` loop.iteration_max_us
 * and twin_loop_iteration_max_seconds. A window, not a maximum since start:
 * one slow turn at start-up must not hide every later one. Pure: the caller
 * passes the clock. */
#ifndef TWIN_LOOP_STATS_H
#define TWIN_LOOP_STATS_H

#include <stdint.h>

#define LOOP_WINDOW_NS (60ull * 1000000000ull)

struct loop_stats {
	uint64_t win_start_ns; /* start of the current window, 0 = none yet */
	uint64_t cur_max_ns;   /* longest turn in the current window */
	uint64_t prev_max_ns;  /* ... in the window before it */
	uint64_t turns;	       /* since start */
};

/* One turn that ended at now_ns and took dur_ns. */
void loop_stats_add(struct loop_stats *s, uint64_t now_ns, uint64_t dur_ns);
/* The longest turn of the current and the previous window, as seen at
 * now_ns (windows that have passed count as empty). */
uint64_t loop_stats_max_ns(const struct loop_stats *s, uint64_t now_ns);

#endif
