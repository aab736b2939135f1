/* twinctl status --watch, pure: DRBD's resync as a progress bar with the
 * speed measured from successive out-of-sync values (drbd.out_of_sync_kib
 * of two status replies) and the time left at that speed. */
#ifndef TWIN_SYNC_PROGRESS_H
#define TWIN_SYNC_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

struct sync_rate {
	int have;	  /* a previous sample */
	int64_t t_ms;	  /* its time (monotonic) */
	uint64_t oos_kib; /* its out-of-sync amount */
	double kib_s;	  /* smoothed speed, 0 = not known yet */
};

/* A new sample. A resync that shrinks the out-of-sync amount gives a
 * speed (smoothed over the last few samples); one that grows (new writes
 * outrun it) or a sample at the same instant leaves the speed alone. */
void sync_rate_add(struct sync_rate *r, int64_t now_ms, uint64_t oos_kib);

/* "[##########..........]  50.0%  12.5 MiB/s  3m 20s left" in out: bar of
 * bar_cols cells from permille (0..1000), the measured speed, the time
 * left at that speed, or DRBD's own estimate (drbd_left_s >= 0) until a
 * speed is known. */
void sync_progress_line(char *out, size_t n, int permille, const struct sync_rate *r, uint64_t oos_kib,
			long long drbd_left_s, int bar_cols);

#endif
