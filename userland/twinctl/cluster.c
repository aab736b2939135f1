/* twinctl cluster create|dissolve|probe: pairing two nodes and undoing it
 * (docs/PAIRING.md). The daemon does the work over its TLS channel to the
 * peer; twinctl shows the peer's key for the admin to confirm, reads the
 * peer's admin password (never from the command line) and waits for the
 * outcome. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "twinctl.h"

#define OP_WAIT_MS 45000 /* a pairing session is at most 30 s on the peer */

/* Send a request whose outcome arrives later, then poll "cluster result". */
int twinctl_run_op(const struct twinctl *t, int argc, const char *const argv[], struct ctl_reply *out)
{
	const char *res[] = {"cluster", "result"};
	struct ctl_reply rep;
	int rc = twinctl_request(t, argc, argv, &rep);

	if (rc)
		return rc;
	ctl_reply_free(&rep);
	for (int waited = 0; waited < OP_WAIT_MS; waited += 50) {
		nanosleep(&(struct timespec){.tv_nsec = 50 * 1000000}, NULL);
		if ((rc = twinctl_request(t, 2, res, out)))
			return rc;
		if (ctl_get_bool(out, "running") == 0)
			return 0;
		ctl_reply_free(out);
	}
	fprintf(stderr, "twinctl: cluster %s: no outcome after %d s\n", argv[1], OP_WAIT_MS / 1000);
	return EXIT_ERROR;
}

/* The outcome of an operation: message, exit code. */
int twinctl_outcome(const struct ctl_reply *rep)
{
	long long rc = -1;
	const char *msg = ctl_get(rep, "message");

	ctl_get_ll(rep, "rc", &rc);
	fprintf(rc ? stderr : stdout, "%s%s\n", rc ? "twinctl: " : "",
		msg && *msg ? msg
		: rc	    ? "failed"
			    : "done");
	return rc ? EXIT_ERROR : 0;
}

static int read_password(int from_stdin, char *pw, size_t len)
{
	struct termios old, quiet;
	int tty = !from_stdin && isatty(STDIN_FILENO);

	if (!from_stdin && !tty) {
		fprintf(stderr,
			"twinctl: no terminal to ask for the peer's admin password: use --password-stdin\n");
		return -1;
	}
	if (tty) {
		fprintf(stderr, "Peer's admin password: ");
		tcgetattr(STDIN_FILENO, &old);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	char *got = fgets(pw, (int)len, stdin);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (!got)
		return -1;
	pw[strcspn(pw, "\r\n")] = 0;
	return pw[0] ? 0 : -1;
}

/* Ask the admin to compare the peer's key with what its console shows. */
static int confirm(const char *fp, const char *name)
{
	char line[16];

	fprintf(stderr,
		"The peer%s%s%s presents this key:\n  %s\n"
		"Compare it with the fingerprint on the peer's console. Is it the same? [y/N] ",
		name && *name ? " (" : "", name ? name : "", name && *name ? ")" : "", fp);
	if (!isatty(STDIN_FILENO) || !fgets(line, sizeof(line), stdin))
		return 0;
	return line[0] == 'y' || line[0] == 'Y';
}

static int create(const struct twinctl *t, int argc, char **argv)
{
	const char *peer = NULL, *vip = NULL, *yes_fp = NULL;
	int pw_stdin = 0;
	struct ctl_reply rep;
	char pw[256], fp[128];

	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--peer") && i + 1 < argc)
			peer = argv[++i];
		else if (!strcmp(argv[i], "--failover-ip") && i + 1 < argc)
			vip = argv[++i];
		else if (!strcmp(argv[i], "--yes-fingerprint") && i + 1 < argc)
			yes_fp = argv[++i];
		else if (!strcmp(argv[i], "--password-stdin"))
			pw_stdin = 1;
		else
			return twinctl_usage_error("cluster create",
						   "--peer IP --failover-ip IP/PREFIX "
						   "[--yes-fingerprint FP] [--password-stdin]");
	}
	if (!peer || !vip)
		return twinctl_usage_error("cluster create", "needs --peer IP and --failover-ip IP/PREFIX");
	const char *probe[] = {"cluster", "probe", peer};
	int rc = twinctl_run_op(t, 3, probe, &rep);
	if (rc)
		return rc;
	const char *got = ctl_get(&rep, "peer.fingerprint");
	long long clustered = 0;
	ctl_get_ll(&rep, "peer.clustered", &clustered);
	if (!got) {
		rc = twinctl_outcome(&rep);
		ctl_reply_free(&rep);
		return rc ? rc : EXIT_ERROR;
	}
	if (clustered == 1) {
		fprintf(stderr, "twinctl: the peer %s is already part of a pair: dissolve that first\n",
			peer);
		ctl_reply_free(&rep);
		return EXIT_ERROR;
	}
	snprintf(fp, sizeof(fp), "%s", got);
	if (yes_fp) {
		/* the daemon compares it with the key in the handshake; a
		 * different key there fails the create */
		printf("peer key %s (expected %s)\n", fp, yes_fp);
		snprintf(fp, sizeof(fp), "%s", yes_fp);
	} else if (!confirm(fp, ctl_get(&rep, "peer.name"))) {
		fprintf(stderr, "twinctl: not confirmed: nothing was changed\n");
		ctl_reply_free(&rep);
		return EXIT_ERROR;
	}
	ctl_reply_free(&rep);
	if (read_password(pw_stdin, pw, sizeof(pw)) < 0) {
		fprintf(stderr, "twinctl: no password given: nothing was changed\n");
		return EXIT_ERROR;
	}
	const char *req[] = {"cluster", "create", peer, fp, vip, pw};
	rc = twinctl_run_op(t, 6, req, &rep);
	explicit_bzero(pw, sizeof(pw));
	if (rc)
		return rc;
	rc = twinctl_outcome(&rep);
	ctl_reply_free(&rep);
	return rc;
}

static int dissolve(const struct twinctl *t)
{
	const char *req[] = {"cluster", "dissolve"};
	struct ctl_reply rep;
	int rc = twinctl_run_op(t, 2, req, &rep);

	if (rc)
		return rc;
	rc = twinctl_outcome(&rep);
	ctl_reply_free(&rep);
	if (rc == 0)
		printf("Both nodes now run on their own with the same data. Keep only ONE of them sending:\n"
		       "queued mail on both would go out twice. The failover IP stays with the node that\n"
		       "was Active (above); the other no longer answers for it.\n");
	return rc;
}

int cmd_cluster(const struct twinctl *t, int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "create"))
		return create(t, argc, argv);
	if (argc == 2 && !strcmp(argv[1], "dissolve"))
		return dissolve(t);
	if (argc == 3 && !strcmp(argv[1], "probe")) {
		const char *req[] = {"cluster", "probe", argv[2]};
		struct ctl_reply rep;
		int rc = twinctl_run_op(t, 3, req, &rep);
		if (rc)
			return rc;
		const char *fp = ctl_get(&rep, "peer.fingerprint");
		if (fp)
			printf("peer %s: key %s, %s\n", argv[2], fp,
			       ctl_get_bool(&rep, "peer.clustered") == 1 ? "already paired" : "not paired");
		rc = fp ? 0 : twinctl_outcome(&rep);
		ctl_reply_free(&rep);
		return rc;
	}
	return twinctl_usage_error("cluster",
				   "create --peer IP --failover-ip IP/PREFIX | dissolve | probe IP");
}

int cmd_password(const struct twinctl *t, int argc, char **argv)
{
	char pw[256], again[256];

	if (argc != 2 || strcmp(argv[1], "set"))
		return twinctl_usage_error("password",
					   "set (reads the new admin password from the terminal or stdin)");
	int tty = isatty(STDIN_FILENO);
	if (tty)
		fprintf(stderr, "New admin password: ");
	if (read_password(1, pw, sizeof(pw)) < 0)
		return fprintf(stderr, "twinctl: no password given\n"), EXIT_ERROR;
	if (tty) {
		fprintf(stderr, "Again: ");
		if (read_password(1, again, sizeof(again)) < 0 || strcmp(pw, again))
			return fprintf(stderr, "twinctl: the passwords differ\n"), EXIT_ERROR;
	}
	const char *req[] = {"password", "set", pw};
	int rc = twinctl_passthrough(t, 3, req);
	explicit_bzero(pw, sizeof(pw));
	explicit_bzero(again, sizeof(again));
	return rc;
}
