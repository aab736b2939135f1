/* twinctl reboot|shutdown [--peer] [--yes]: the node's configured reboot or
 * shutdown command (twin.conf reboot_command / shutdown_command), here or
 * on the peer over the cluster channel. An Active node hands over first.
 * Asks for confirmation unless --yes. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "twinctl.h"

/* "Reboot b (Active, holds the failover IP)?" from this node's status. */
static int confirm(const struct twinctl *t, const char *action, int peer)
{
	const char *req[] = {"status"};
	struct ctl_reply rep;
	char line[16];
	const char *who = "this node", *state = "";

	if (!isatty(STDIN_FILENO)) {
		fprintf(stderr, "twinctl: %s needs confirmation: run it with --yes\n", action);
		return 0;
	}
	int have = twinctl_request(t, 1, req, &rep) == 0;
	if (have) {
		who = ctl_get(&rep, peer ? "peer.id" : "node.name");
		state = ctl_get(&rep, peer ? "peer.state" : "node.state");
	}
	fprintf(stderr, "%s %s %s%s%s%s? %s[y/N] ", action[0] == 'r' ? "Reboot" : "Shut down",
		peer ? "the peer, node" : "", who ? who : "?", state && *state ? " (" : "",
		state ? state : "", state && *state ? ")" : "",
		state && !strcmp(state, "Active") ? "It hands the failover IP over first. " : "");
	if (have)
		ctl_reply_free(&rep);
	return fgets(line, sizeof(line), stdin) && (line[0] == 'y' || line[0] == 'Y');
}

int cmd_power(const struct twinctl *t, int argc, char **argv)
{
	int peer = 0, yes = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--peer"))
			peer = 1;
		else if (!strcmp(argv[i], "--yes") || !strcmp(argv[i], "-y"))
			yes = 1;
		else
			return twinctl_usage_error(argv[0], "[--peer] [--yes]");
	}
	if (!yes && !confirm(t, argv[0], peer)) {
		fprintf(stderr, "twinctl: %s cancelled\n", argv[0]);
		return EXIT_ERROR;
	}
	if (!peer) {
		const char *req[] = {"power", argv[0]};
		return twinctl_passthrough(t, 2, req);
	}
	const char *req[] = {"cluster", "peer-power", argv[0]};
	struct ctl_reply rep;
	int rc = twinctl_run_op(t, 3, req, &rep);
	if (rc)
		return rc;
	rc = twinctl_outcome(&rep);
	ctl_reply_free(&rep);
	return rc;
}
