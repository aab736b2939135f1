#include "lockout.h"

void lockout_init(struct lockout *l)
{
	l->until_ms = 0;
	l->next_delay = LOCKOUT_FIRST_MS;
	l->failures = 0;
}

uint64_t lockout_wait_ms(const struct lockout *l, uint64_t now_ms)
{
	return now_ms < l->until_ms ? l->until_ms - now_ms : 0;
}

void lockout_fail(struct lockout *l, uint64_t now_ms)
{
	/* A zeroed struct works like a fresh one. */
	uint32_t d = l->next_delay ? l->next_delay : LOCKOUT_FIRST_MS;

	l->until_ms = now_ms + d;
	l->next_delay = d >= LOCKOUT_MAX_MS / 2 ? LOCKOUT_MAX_MS : d * 2;
	if (l->failures < UINT32_MAX)
		l->failures++;
}

void lockout_success(struct lockout *l)
{
	lockout_init(l);
}
