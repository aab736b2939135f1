/* libFuzzer harness for the control protocol, which parses what local
 * clients send (request lines) and what the daemon answers (replies, JSON):
 * no crash, and a parsed request re-formats and re-parses to the same
 * tokens. */
#include <stdlib.h>
#include <string.h>

#include "ctl_proto.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct ctl_req req, again;
	struct ctl_reply rep;
	char err[256], line[CTL_LINE_MAX + 8];

	if (ctl_req_parse(&req, (const char *)data, size, err, sizeof(err)) == 0) {
		int n = ctl_req_format(line, sizeof(line), req.argc, (const char *const *)req.argv, err,
				       sizeof(err));
		if (n >= 0) {
			if (ctl_req_parse(&again, line, (size_t)n, err, sizeof(err)) != 0 ||
			    again.argc != req.argc)
				abort();
			for (int i = 0; i < req.argc; i++)
				if (strcmp(req.argv[i], again.argv[i]))
					abort();
		}
	}
	if (ctl_reply_parse(&rep, (const char *)data, size, err, sizeof(err)) == 0) {
		char *json = ctl_reply_json(&rep, (int)(size & 1), err, sizeof(err));
		free(json);
	}
	ctl_reply_free(&rep);
	return 0;
}
