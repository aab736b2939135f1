#include "expo.h"

#include <string.h>

#include "text_escape.h"

#define LABEL_MAX 256 /* an escaped label value; longer ones are cut */

void expo_init(struct expo *e, FILE *f)
{
	memset(e, 0, sizeof(*e));
	e->f = f;
}

void expo_family(struct expo *e, const char *name, const char *type, const char *help)
{
	e->name = name;
	e->type = type;
	e->help = help;
	e->header_done = 0;
}

static void label(struct expo *e, const char *k, const char *v, int *first)
{
	char esc[LABEL_MAX];

	if (!k || !v)
		return;
	text_escape_label(esc, sizeof(esc), v);
	fprintf(e->f, "%s%s=\"%s\"", *first ? "{" : ",", k, esc);
	*first = 0;
}

void expo_sample(struct expo *e, const char *value, const char *k1, const char *v1, const char *k2,
		 const char *v2)
{
	int first = 1;

	if (!e->header_done) {
		fprintf(e->f, "# HELP %s %s\n# TYPE %s %s\n", e->name, e->help, e->name, e->type);
		e->header_done = 1;
	}
	fputs(e->name, e->f);
	label(e, k1, v1, &first);
	label(e, k2, v2, &first);
	fprintf(e->f, "%s %s\n", first ? "" : "}", value);
}

void expo_value(struct expo *e, const char *value)
{
	expo_sample(e, value, NULL, NULL, NULL, NULL);
}

const char *expo_fixed(char out[EXPO_VALUE_MAX], long long v, int decimals)
{
	unsigned long long a = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v, scale = 1;
	int d = decimals < 0 ? 0 : decimals > 9 ? 9 : decimals; /* 10^9 at most: no overflow */

	for (int i = 0; i < d; i++)
		scale *= 10;
	if (!d)
		snprintf(out, EXPO_VALUE_MAX, "%lld", v);
	else
		snprintf(out, EXPO_VALUE_MAX, "%s%llu.%0*llu", v < 0 ? "-" : "", a / scale, d, a % scale);
	return out;
}
