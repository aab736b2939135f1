/* twinctl failover enable|disable: allow or forbid automatic takeover. */
#include <string.h>

#include "twinctl.h"

int cmd_failover(const struct twinctl *t, int argc, char **argv)
{
	if (argc != 2 || (strcmp(argv[1], "enable") && strcmp(argv[1], "disable")))
		return twinctl_usage_error(argv[0], "expects 'enable' or 'disable'");
	return twinctl_passthrough(t, argc, (const char *const *)argv);
}
