/* libFuzzer harness for the active-jobs crontab parser (a file the admin
 * edits): no crash, errors are one "NAME:LINE: ..." line, and every accepted
 * entry has a next run that is never before the time asked about. */
#include <stdlib.h>
#include <string.h>

#include "crontab.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct crontab ct;
	char err[512] = "";

	if (crontab_parse_buf("fuzz.cron", (const char *)data, size, &ct, err, sizeof(err)) < 0) {
		if (strncmp(err, "fuzz.cron:", 10) || strchr(err, '\n'))
			abort();
		return 0;
	}
	for (size_t i = 0; i < ct.n; i++) {
		time_t t = crontab_next(&ct.jobs[i], 1700000000);
		if (t != -1 && t <= 1700000000)
			abort();
	}
	crontab_free(&ct);
	return 0;
}
