/* Minimal unit-test harness: CHECK records, TEST_MAIN prints the summary.
 * Each test binary prints "NAME: N passed, N failed" and exits non-zero on
 * any failure; tests/unit/run.sh sums them. */
#ifndef TWIN_CHECK_H
#define TWIN_CHECK_H
#include <stdio.h>
#include <string.h>

static int check_pass, check_fail;

#define CHECK(cond)                                                                                          \
	do {                                                                                                 \
		if (cond) {                                                                                  \
			check_pass++;                                                                        \
		} else {                                                                                     \
			check_fail++;                                                                        \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);             \
		}                                                                                            \
	} while (0)

#define CHECK_EQ(a, b)		    CHECK((a) == (b))
#define CHECK_STR(a, b)		    CHECK(strcmp((a), (b)) == 0)
#define CHECK_CONTAINS(hay, needle) CHECK(strstr((hay), (needle)) != NULL)

#define TEST_MAIN(name, body)                                                                                \
	int main(void)                                                                                       \
	{                                                                                                    \
		body;                                                                                        \
		printf("%s: %d passed, %d failed\n", name, check_pass, check_fail);                          \
		return check_fail ? 1 : 0;                                                                   \
	}
#endif
