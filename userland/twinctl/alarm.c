/* twinctl alarm ack N|all: acknowledge an alarm (its number is the #N of
 * twinctl status); it stays listed until its condition clears. */
#include <string.h>

#include "twinctl.h"

int cmd_alarm(const struct twinctl *t, int argc, char **argv)
{
	if (argc != 3 || strcmp(argv[1], "ack"))
		return twinctl_usage_error(argv[0], "takes ack N (the #N of twinctl status) or ack all");
	const char *req[] = {"alarm", "ack", argv[2]};
	return twinctl_passthrough(t, 3, req);
}
