/* twinctl: command-line client of twind's control socket, for the SSH
 * maintenance shell and for scripts (--json). One table of commands; each
 * command is its own file. See twinctl(8). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "twinctl.h"

static const struct {
	const char *name;
	twinctl_cmd_fn fn;
	const char *args;
	const char *help;
} commands[] = {
    {"status", cmd_status, "[--json|--raw] [--watch [--interval S]]",
     "both nodes, heartbeat paths, failover IP, alarms"},
    {"log", cmd_log, "[--since TIME] [--peer] [--json]", "state changes, alarms, takeovers, updates"},
    {"alarm", cmd_alarm, "ack N|all", "acknowledge an alarm (#N in status)"},
    {"ping", cmd_ping, "", "check that twind answers"},
    {"version", cmd_version, "", "show the versions of twinctl and twind"},
    {"failover", cmd_failover, "enable|disable", "allow or forbid automatic takeover"},
    {"restore", cmd_restore, "", "bring an Idle node back into service"},
    {"takeover", cmd_takeover, "[--force]", "make this node Active (handover from the peer)"},
    {"release", cmd_release, "", "hand Active over to the peer"},
    {"cluster", cmd_cluster, "create|dissolve|probe ...", "pair this node with a peer, or undo it"},
    {"reboot", cmd_power, "[--peer] [--yes]", "reboot this node (or the peer); Active hands over"},
    {"shutdown", cmd_power, "[--peer] [--yes]", "power off this node (or the peer)"},
    {"password", cmd_password, "set", "set the admin password (cluster create asks it)"},
    {"update", cmd_update, "[--dry-run] [--force] FILE", "install a signed bundle in the other boot slot"},
    {"split-brain", cmd_split_brain, "[repair --survivor NODE [--yes]]",
     "show a split brain; repair it keeping NODE's data"},
    {"diag", cmd_diag, "[--json] [--max-skew-ms MS] [--min-free-pct PCT]",
     "check both nodes before maintenance, OK/WARN/FAIL"},
    {"drbd-event", cmd_drbd_event, "split-brain|fence-peer [RES]", "DRBD's handlers (drbd-handler)"},
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	fprintf(f, "usage: twinctl [-s SOCKET] [--json] COMMAND [ARGS]\n\n"
		   "  -s, --socket PATH  control socket (default " CTL_SOCKET_DEFAULT ")\n"
		   "  -j, --json         print the daemon's answer as JSON\n"
		   "  -h, --help         this text\n\ncommands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++) {
		char left[80];
		snprintf(left, sizeof(left), "%s %s", commands[i].name, commands[i].args);
		/* 80 columns: a long synopsis gets a line of its own */
		if (strlen(left) > 26)
			fprintf(f, "  %s\n  %-26s %s\n", left, "", commands[i].help);
		else
			fprintf(f, "  %-26s %s\n", left, commands[i].help);
	}
}

int twinctl_usage_error(const char *cmd, const char *msg)
{
	for (size_t i = 0; i < N_COMMANDS; i++) {
		if (strcmp(commands[i].name, cmd) == 0) {
			fprintf(stderr, "twinctl %s: %s\nusage: twinctl [-s SOCKET] [--json] %s %s\n", cmd,
				msg, cmd, commands[i].args);
			return EXIT_USAGE;
		}
	}
	fprintf(stderr, "twinctl %s: %s\n", cmd, msg);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"socket", required_argument, NULL, 's'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct twinctl t = {.socket = CTL_SOCKET_DEFAULT};
	int c;

	/* '+': options end at the command, so "takeover --force" reaches the command */
	while ((c = getopt_long(argc, argv, "+s:jh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			t.socket = optarg;
			break;
		case 'j':
			t.json = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[optind], "help") == 0) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i].name, argv[optind]) == 0)
			return commands[i].fn(&t, argc - optind, argv + optind);
	fprintf(stderr, "twinctl: unknown command '%s' (try 'twinctl help')\n", argv[optind]);
	return EXIT_USAGE;
}
