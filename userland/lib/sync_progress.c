/* DRBD resync progress for twinctl status --watch: see sync_progress.h. */
#include "sync_progress.h"

#include <stdio.h>
#include <string.h>

void sync_rate_add(struct sync_rate *r, int64_t now_ms, uint64_t oos_kib)
{
	if (r->have && now_ms > r->t_ms && oos_kib <= r->oos_kib) {
		double v = (double)(r->oos_kib - oos_kib) * 1000.0 / (double)(now_ms - r->t_ms);
		/* smoothed: one slow refresh does not swing the time left */
		r->kib_s = r->kib_s > 0 ? 0.5 * r->kib_s + 0.5 * v : v;
	}
	if (!r->have || now_ms > r->t_ms) {
		r->have = 1;
		r->t_ms = now_ms;
		r->oos_kib = oos_kib;
	}
}

static void fmt_left(char *out, size_t n, long long s)
{
	if (s < 60)
		snprintf(out, n, "%llds", s);
	else if (s < 3600)
		snprintf(out, n, "%lldm %02llds", s / 60, s % 60);
	else
		snprintf(out, n, "%lldh %02lldm", s / 3600, s % 3600 / 60);
}

void sync_progress_line(char *out, size_t n, int permille, const struct sync_rate *r, uint64_t oos_kib,
			long long drbd_left_s, int bar_cols)
{
	char bar[128], speed[32] = "? MiB/s", left[32] = "?";
	int cols = bar_cols < 1 ? 1 : bar_cols > 100 ? 100 : bar_cols;
	int p = permille < 0 ? 0 : permille > 1000 ? 1000 : permille;
	int full = p * cols / 1000;

	memset(bar, '#', (size_t)full);
	memset(bar + full, '.', (size_t)(cols - full));
	bar[cols] = 0;
	if (r && r->kib_s > 0) {
		if (r->kib_s >= 1024)
			snprintf(speed, sizeof(speed), "%.1f MiB/s", r->kib_s / 1024);
		else
			snprintf(speed, sizeof(speed), "%.0f KiB/s", r->kib_s);
		fmt_left(left, sizeof(left), (long long)((double)oos_kib / r->kib_s + 0.5));
	} else if (drbd_left_s >= 0) {
		fmt_left(left, sizeof(left), drbd_left_s);
	}
	snprintf(out, n, "[%s] %3d.%d%%  %s  %s left", bar, p / 10, p % 10, speed, left);
}
