/* twinctl ping: is the daemon alive and answering? */
#include <stdio.h>
#include <time.h>

#include "twinctl.h"

int cmd_ping(const struct twinctl *t, int argc, char **argv)
{
	const char *req[] = {"ping"};
	struct ctl_reply rep;
	struct timespec a, b;

	if (argc != 1)
		return twinctl_usage_error(argv[0], "takes no arguments");
	clock_gettime(CLOCK_MONOTONIC, &a);
	int rc = twinctl_request(t, 1, req, &rep);
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (rc)
		return rc;
	if (t->json)
		rc = twinctl_print_json(&rep);
	else
		printf("twind is alive (answered in %.2f ms)\n",
		       (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6);
	ctl_reply_free(&rep);
	return rc;
}
