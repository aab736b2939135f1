/* Pairing lockout: pure, the caller passes a monotonic now_ms.
 *
 * After each failed password try the next try is refused until
 * now + delay; the delay starts at LOCKOUT_FIRST_MS and doubles per failure up
 * to LOCKOUT_MAX_MS. A success resets it. Refused tries are not failures (no
 * password was checked), so they neither extend nor double the delay. The
 * daemon checks lockout_wait_ms() before running the slow KDF. */
#ifndef TWIN_LOCKOUT_H
#define TWIN_LOCKOUT_H

#include <stdint.h>

#define LOCKOUT_FIRST_MS 1000u
#define LOCKOUT_MAX_MS	 300000u /* 5 min */

struct lockout {
	uint64_t until_ms;   /* tries refused while now_ms < until_ms */
	uint32_t next_delay; /* delay the next failure will impose */
	uint32_t failures;   /* in a row, for messages and logs */
};

/* A zero-filled struct lockout is also a valid fresh one. */
void lockout_init(struct lockout *l);
/* 0 if a try is allowed now, else the milliseconds left to wait. */
uint64_t lockout_wait_ms(const struct lockout *l, uint64_t now_ms);
/* Record a failed try made at now_ms. */
void lockout_fail(struct lockout *l, uint64_t now_ms);
/* Record a successful try: back to no delay. */
void lockout_success(struct lockout *l);

#endif
