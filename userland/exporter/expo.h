/* Writer of the Prometheus text exposition format, version 0.0.4: a family's
 * HELP and TYPE lines, then its samples, label values escaped
 * (text_escape_label). Pure: writes to the caller's FILE. */
#ifndef TWIN_EXPO_H
#define TWIN_EXPO_H

#include <stdio.h>

#define EXPO_VALUE_MAX 48 /* "-9223372036854775808" with a point and 9 decimals fits */

struct expo {
	FILE *f;
	const char *name, *type, *help; /* the family being written */
	int header_done;		/* its HELP and TYPE are out */
};

void expo_init(struct expo *e, FILE *f);
/* Starts a family (name, "gauge" or "counter", help text without newline
 * or backslash). Its HELP and TYPE lines come with its first sample, so a
 * family without samples leaves nothing. */
void expo_family(struct expo *e, const char *name, const char *type, const char *help);
/* One sample of the current family: value (a number as text) and up to
 * two labels; a pair whose name or value is NULL is left out. */
void expo_sample(struct expo *e, const char *value, const char *k1, const char *v1, const char *k2,
		 const char *v2);
/* A sample without labels. */
void expo_value(struct expo *e, const char *value);

/* v / 10^decimals as exact decimal text ("-0.001500"): microseconds to
 * seconds without a float's rounding; decimals 0..9. Returns out. */
const char *expo_fixed(char out[EXPO_VALUE_MAX], long long v, int decimals);

#endif
