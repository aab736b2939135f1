/* What every command does with the daemon: send, check, print. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "client.h"
#include "twinctl.h"

int twinctl_request(const struct twinctl *t, int argc, const char *const argv[], struct ctl_reply *rep)
{
	char line[CTL_LINE_MAX + 1], err[256];
	int err_no;

	int len = ctl_req_format(line, sizeof(line), argc, argv, err, sizeof(err));
	if (len < 0) {
		fprintf(stderr, "twinctl: %s\n", err);
		return EXIT_USAGE;
	}
	switch (
	    ctl_call(t->socket, line, (size_t)len, CTL_CLIENT_TIMEOUT_MS, rep, &err_no, err, sizeof(err))) {
	case CTL_CALL_OK:
		break;
	case CTL_CALL_NOT_RUNNING:
		fprintf(stderr, "twinctl: twind is not running (%s %s)\n",
			err_no == ENOENT ? "no socket at" : "nothing listening on", t->socket);
		return EXIT_NOT_RUNNING;
	default:
		fprintf(stderr, "twinctl: %s\n", err);
		return EXIT_ERROR;
	}
	if (!rep->ok) {
		fprintf(stderr, "twinctl: %s: %s\n", argv[0], *rep->message ? rep->message : "failed");
		ctl_reply_free(rep);
		return EXIT_ERROR;
	}
	return 0;
}

int twinctl_print_json(const struct ctl_reply *rep)
{
	char err[256];
	char *json = ctl_reply_json(rep, 1, err, sizeof(err));

	if (!json) {
		fprintf(stderr, "twinctl: cannot render JSON: %s\n", err);
		return EXIT_ERROR;
	}
	printf("%s\n", json);
	free(json);
	return 0;
}

int twinctl_passthrough(const struct twinctl *t, int argc, const char *const argv[])
{
	struct ctl_reply rep;
	int rc = twinctl_request(t, argc, argv, &rep);

	if (rc)
		return rc;
	if (t->json) {
		rc = twinctl_print_json(&rep);
	} else {
		const char *msg = ctl_get(&rep, "message");
		printf("%s\n", msg && *msg ? msg : "done");
	}
	ctl_reply_free(&rep);
	return rc;
}
