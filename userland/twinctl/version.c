/* twinctl version: ours, then the daemon's (they can differ after an update). */
#include <stdio.h>
#include <string.h>

#include "twinctl.h"

int cmd_version(const struct twinctl *t, int argc, char **argv)
{
	const char *req[] = {"version"};
	struct ctl_reply rep;

	if (argc != 1)
		return twinctl_usage_error(argv[0], "takes no arguments");
	if (!t->json)
		printf("twinctl %s (control protocol %d)\n", TWIN_VERSION, CTL_PROTO_VERSION);
	int rc = twinctl_request(t, 1, req, &rep);
	if (rc)
		return rc;
	if (t->json) {
		rc = twinctl_print_json(&rep);
	} else {
		const char *v = ctl_get(&rep, "version"), *p = ctl_get(&rep, "protocol");
		if (v && strncmp(v, "twind ", 6) == 0)
			v += 6; /* some daemons name themselves in the value */
		printf("twind   %s", v ? v : "-");
		if (p)
			printf(" (control protocol %s)", p);
		printf("\n");
	}
	ctl_reply_free(&rep);
	return rc;
}
