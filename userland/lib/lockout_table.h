/* Pairing lockout per source address, under a global ceiling: pure, the
 * caller passes a monotonic now_ms.
 *
 * Each source has its own struct lockout (lockout.h: 1 s after a failure,
 * doubling up to 5 min), so one host guessing passwords never locks out
 * the admin on another. All sources together draw failures from one token
 * bucket (LOCKOUT_GLOBAL_BURST, refilled at LOCKOUT_GLOBAL_PER_HOUR), which
 * bounds a brute force from many addresses; one host alone, slowed by its
 * own lockout, stays below it. The table is bounded: a new source takes the
 * slot of the one whose lockout ended longest ago (else the one ending
 * first). It survives a restart as text (lockout_table_format/_parse), with
 * the time left on each lockout. */
#ifndef TWIN_LOCKOUT_TABLE_H
#define TWIN_LOCKOUT_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "lockout.h"

#define LOCKOUT_SOURCES		64
#define LOCKOUT_ADDR_MAX	48 /* an IPv6 address as text, and the NUL */
#define LOCKOUT_GLOBAL_BURST	20u
#define LOCKOUT_GLOBAL_PER_HOUR 60u
#define LOCKOUT_TEXT_MAX	(LOCKOUT_SOURCES * 96 + 64)

struct lockout_src {
	char addr[LOCKOUT_ADDR_MAX];
	struct lockout lo;
};

struct lockout_table {
	struct lockout_src src[LOCKOUT_SOURCES];
	unsigned n;
	uint64_t tokens_milli; /* global bucket, thousandths of a try */
	uint64_t refill_ms;    /* bucket level as of this time */
};

void lockout_table_init(struct lockout_table *t, uint64_t now_ms);
/* 0 if addr may try now, else the ms left (its own lockout or the ceiling). */
uint64_t lockout_table_wait(const struct lockout_table *t, const char *addr, uint64_t now_ms);
/* 1 if the wait comes from the global ceiling (for the message). */
int lockout_table_global(const struct lockout_table *t, uint64_t now_ms);
void lockout_table_fail(struct lockout_table *t, const char *addr, uint64_t now_ms);
void lockout_table_success(struct lockout_table *t, const char *addr);
/* addr's lockout (a fresh one if it has none) */
const struct lockout *lockout_table_get(const struct lockout_table *t, const char *addr);

/* "global TOKENS_MILLI\n" then "src ADDR WAIT_MS NEXT_DELAY FAILURES\n" per
 * source still worth keeping. Returns the length, or -1 if len is too small. */
int lockout_table_format(const struct lockout_table *t, uint64_t now_ms, char *buf, size_t len);
/* The reverse, at now_ms; strict: -1 with why on any bad line (t then is
 * fresh: a damaged file must not leave a half-read table). */
int lockout_table_parse(struct lockout_table *t, const char *text, size_t len, uint64_t now_ms, char *why,
			size_t whylen);

#endif
