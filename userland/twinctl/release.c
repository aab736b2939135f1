/* twinctl release: hand Active over to the peer. */
#include "twinctl.h"

int cmd_release(const struct twinctl *t, int argc, char **argv)
{
	if (argc != 1)
		return twinctl_usage_error(argv[0], "takes no arguments");
	return twinctl_passthrough(t, argc, (const char *const *)argv);
}
