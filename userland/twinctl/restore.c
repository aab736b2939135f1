/* twinctl restore: bring an Idle node back into service. */
#include "twinctl.h"

int cmd_restore(const struct twinctl *t, int argc, char **argv)
{
	if (argc != 1)
		return twinctl_usage_error(argv[0], "takes no arguments");
	return twinctl_passthrough(t, argc, (const char *const *)argv);
}
