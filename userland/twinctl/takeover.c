/* twinctl takeover [--force]: make this node Active (a coordinated handover;
 * --force skips waiting for the peer, for when it is gone for good). */
#include <string.h>

#include "twinctl.h"

int cmd_takeover(const struct twinctl *t, int argc, char **argv)
{
	if (argc > 2 || (argc == 2 && strcmp(argv[1], "--force")))
		return twinctl_usage_error(argv[0], "takes only --force");
	return twinctl_passthrough(t, argc, (const char *const *)argv);
}
