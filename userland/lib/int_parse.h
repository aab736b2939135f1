/* Integers from text (config values, control replies, typed input): the
 * whole string, decimal, within bounds; nothing else passes. */
#ifndef TWIN_INT_PARSE_H
#define TWIN_INT_PARSE_H

/* 0 with *out set, or -1 (empty, not a number, trailing text, out of
 * [min, max]). Leading spaces and a '+' are refused too. */
int parse_ll(const char *s, long long min, long long max, long long *out);

#endif
