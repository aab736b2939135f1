/* twinctl status: the server-health table, or every key as JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "status_render.h"
#include "twinctl.h"

int cmd_status(const struct twinctl *t, int argc, char **argv)
{
	const char *req[] = {"status"};
	struct twinctl opts = *t;
	struct ctl_reply rep;
	int raw = 0;

	/* "twinctl status --json" is what people type; accept it here too.
	 * --raw prints the key=value lines as sent, for shell scripts. */
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--raw"))
			raw = 1;
		else if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j"))
			opts.json = 1;
		else
			return twinctl_usage_error(argv[0], "takes only --json or --raw");
	}
	int rc = twinctl_request(&opts, 1, req, &rep);
	if (rc)
		return rc;
	if (raw) {
		for (size_t i = 0; i < rep.n; i++)
			printf("%s=%s\n", rep.kv[i].key, rep.kv[i].val);
	} else if (opts.json) {
		rc = twinctl_print_json(&rep);
	} else {
		char *text = status_render(&rep);
		if (text) {
			fputs(text, stdout);
			free(text);
		} else {
			fprintf(stderr, "twinctl: out of memory\n");
			rc = EXIT_ERROR;
		}
	}
	ctl_reply_free(&rep);
	return rc;
}
