#include "int_parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

int parse_ll(const char *s, long long min, long long max, long long *out)
{
	char *end;

	if (!s || !(isdigit((unsigned char)s[0]) || (s[0] == '-' && isdigit((unsigned char)s[1]))))
		return -1;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}
