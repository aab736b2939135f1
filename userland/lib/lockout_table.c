#include "lockout_table.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define MS_PER_TOKEN (3600000u / LOCKOUT_GLOBAL_PER_HOUR)
#define FULL	     ((uint64_t)LOCKOUT_GLOBAL_BURST * 1000u)

void lockout_table_init(struct lockout_table *t, uint64_t now_ms)
{
	memset(t, 0, sizeof(*t));
	t->tokens_milli = FULL;
	t->refill_ms = now_ms;
}

static uint64_t tokens_at(const struct lockout_table *t, uint64_t now_ms)
{
	uint64_t add = now_ms > t->refill_ms ? (now_ms - t->refill_ms) * 1000u / MS_PER_TOKEN : 0;
	uint64_t v = t->tokens_milli + add;
	return v > FULL ? FULL : v;
}

static int find(const struct lockout_table *t, const char *addr)
{
	for (unsigned i = 0; i < t->n; i++)
		if (!strcmp(t->src[i].addr, addr))
			return (int)i;
	return -1;
}

const struct lockout *lockout_table_get(const struct lockout_table *t, const char *addr)
{
	static const struct lockout fresh = {0, LOCKOUT_FIRST_MS, 0};
	int i = find(t, addr);
	return i < 0 ? &fresh : &t->src[i].lo;
}

int lockout_table_global(const struct lockout_table *t, uint64_t now_ms)
{
	return tokens_at(t, now_ms) < 1000u;
}

uint64_t lockout_table_wait(const struct lockout_table *t, const char *addr, uint64_t now_ms)
{
	uint64_t own = lockout_wait_ms(lockout_table_get(t, addr), now_ms), tok = tokens_at(t, now_ms);
	uint64_t global = tok >= 1000u ? 0 : ((1000u - tok) * MS_PER_TOKEN + 999u) / 1000u;
	return own > global ? own : global;
}

/* the slot for a new source: a free one, else the one whose lockout ended
 * longest ago, else the one ending first */
static unsigned slot_for(struct lockout_table *t)
{
	unsigned best = 0;

	if (t->n < LOCKOUT_SOURCES)
		return t->n++;
	for (unsigned i = 1; i < t->n; i++)
		if (t->src[i].lo.until_ms < t->src[best].lo.until_ms)
			best = i;
	return best;
}

void lockout_table_fail(struct lockout_table *t, const char *addr, uint64_t now_ms)
{
	int i = find(t, addr);
	uint64_t tok = tokens_at(t, now_ms);

	if (i < 0) {
		i = (int)slot_for(t);
		snprintf(t->src[i].addr, sizeof(t->src[i].addr), "%s", addr);
		lockout_init(&t->src[i].lo);
	}
	lockout_fail(&t->src[i].lo, now_ms);
	t->tokens_milli = tok >= 1000u ? tok - 1000u : 0;
	t->refill_ms = now_ms;
}

void lockout_table_success(struct lockout_table *t, const char *addr)
{
	int i = find(t, addr);

	if (i < 0)
		return;
	t->src[i] = t->src[--t->n];
}

int lockout_table_format(const struct lockout_table *t, uint64_t now_ms, char *buf, size_t len)
{
	int o = snprintf(buf, len, "global %" PRIu64 "\n", tokens_at(t, now_ms));

	for (unsigned i = 0; i < t->n && o >= 0 && (size_t)o < len; i++) {
		const struct lockout_src *s = &t->src[i];
		o += snprintf(buf + o, len - (size_t)o, "src %s %" PRIu64 " %" PRIu32 " %" PRIu32 "\n",
			      s->addr, lockout_wait_ms(&s->lo, now_ms), s->lo.next_delay, s->lo.failures);
	}
	return o < 0 || (size_t)o >= len ? -1 : o;
}

/* one decimal number at *p up to a space or newline; -1 if none or too big */
static int num(const char **p, const char *end, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	const char *s = *p;

	if (s >= end || *s < '0' || *s > '9')
		return -1;
	while (s < end && *s >= '0' && *s <= '9') {
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s++ - '0');
	}
	*p = s;
	*out = v;
	return 0;
}

static int parse_line(struct lockout_table *t, const char *s, const char *end, uint64_t now_ms)
{
	uint64_t a, b, c;

	if (end - s > 7 && !memcmp(s, "global ", 7)) {
		s += 7;
		if (num(&s, end, FULL, &a) || s != end)
			return -1;
		t->tokens_milli = a;
		t->refill_ms = now_ms;
		return 0;
	}
	if (end - s < 4 || memcmp(s, "src ", 4) || t->n == LOCKOUT_SOURCES)
		return -1;
	s += 4;
	const char *sp = memchr(s, ' ', (size_t)(end - s));
	if (!sp || sp == s || sp - s >= LOCKOUT_ADDR_MAX)
		return -1;
	for (const char *q = s; q < sp; q++)
		if (!((*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'f') || (*q >= 'A' && *q <= 'F') ||
		      *q == '.' || *q == ':'))
			return -1;
	struct lockout_src *src = &t->src[t->n];
	memcpy(src->addr, s, (size_t)(sp - s));
	src->addr[sp - s] = 0;
	s = sp + 1;
	if (num(&s, end, LOCKOUT_MAX_MS, &a) || s >= end || *s++ != ' ' || num(&s, end, LOCKOUT_MAX_MS, &b) ||
	    s >= end || *s++ != ' ' || num(&s, end, UINT32_MAX, &c) || s != end || b < LOCKOUT_FIRST_MS)
		return -1;
	if (find(t, src->addr) >= 0)
		return -1;
	src->lo.until_ms = a ? now_ms + a : 0;
	src->lo.next_delay = (uint32_t)b;
	src->lo.failures = (uint32_t)c;
	t->n++;
	return 0;
}

int lockout_table_parse(struct lockout_table *t, const char *text, size_t len, uint64_t now_ms, char *why,
			size_t whylen)
{
	const char *p = text, *end = text + len;
	unsigned line = 0;

	lockout_table_init(t, now_ms);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		line++;
		if (!nl || parse_line(t, p, nl, now_ms) < 0) {
			snprintf(why, whylen, "line %u: %s", line,
				 nl ? "not 'global N' or 'src ADDR WAIT NEXT FAILURES'"
				    : "no newline at the end");
			lockout_table_init(t, now_ms);
			return -1;
		}
		p = nl + 1;
	}
	return 0;
}
