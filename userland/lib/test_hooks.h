/* Test hooks read from the environment (a file standing in for /proc/drbd,
 * a crash point, the update tool's paths). Only builds made with
 * TWIN_TEST_HOOKS (the test build, `make`) have them; the image's binaries
 * (`make image`, TEST_HOOKS=0) never read them, so a root daemon's
 * environment cannot redirect it. */
#ifndef TWIN_TEST_HOOKS_H
#define TWIN_TEST_HOOKS_H

#include <stdlib.h>

static inline const char *test_hook(const char *name)
{
#ifdef TWIN_TEST_HOOKS
	const char *v = getenv(name);
	return v && *v ? v : NULL;
#else
	(void)name;
	return NULL;
#endif
}

#endif
