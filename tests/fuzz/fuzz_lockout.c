/* libFuzzer harness for the pairing lockout's state file
 * (state_dir/pairing.lockout, lockout_table.c): no crash; a rejected file
 * leaves a fresh table; an accepted one formats to text that parses back
 * to the same table. */
#include <stdlib.h>
#include <string.h>

#include "lockout_table.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct lockout_table t, u;
	char why[128], text[LOCKOUT_TEXT_MAX], again[LOCKOUT_TEXT_MAX];
	const uint64_t now = 123456;

	if (lockout_table_parse(&t, (const char *)data, size, now, why, sizeof(why)) < 0) {
		if (t.n != 0 || strncmp(why, "line ", 5))
			abort();
		return 0;
	}
	int n = lockout_table_format(&t, now, text, sizeof(text));
	if (n < 0 || lockout_table_parse(&u, text, (size_t)n, now, why, sizeof(why)) < 0)
		abort();
	if (u.n != t.n || lockout_table_format(&u, now, again, sizeof(again)) != n ||
	    memcmp(text, again, (size_t)n))
		abort();
	/* and it stays usable */
	lockout_table_fail(&u, "10.0.0.1", now);
	if (lockout_table_wait(&u, "10.0.0.1", now) == 0)
		abort();
	return 0;
}
