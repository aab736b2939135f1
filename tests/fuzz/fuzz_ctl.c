/* libFuzzer harness for the control protocol, which parses what local
 * clients send (request lines), what the daemon answers (replies, JSON)
 * and what the peer sends on the node-to-node channel: a message is a
 * request line and then a body of key=value lines (peerlink.c serve,
 * cluster.c body_parse). The whole input is tried as each. Invariants:
 *   - a parsed request re-formats and re-parses to the same tokens;
 *   - a parsed reply, re-built with the response builder (status line,
 *     then every kv line), parses to the same status, message and kv
 *     lines, and the lookups find the first line of each key;
 *   - a peer message is split at its first newline exactly as the
 *     server does, and its body parses like a reply. */
#include <stdlib.h>
#include <string.h>

#include "ctl_proto.h"

static void must(int cond)
{
	if (!cond)
		abort();
}

static void check_request(const struct ctl_req *req)
{
	static struct ctl_req again;
	char err[256], line[CTL_LINE_MAX + 8];
	int n =
	    ctl_req_format(line, sizeof(line), req->argc, (const char *const *)req->argv, err, sizeof(err));

	if (n < 0)
		return;
	must(ctl_req_parse(&again, line, (size_t)n, err, sizeof(err)) == 0 && again.argc == req->argc);
	for (int i = 0; i < req->argc; i++)
		must(strcmp(req->argv[i], again.argv[i]) == 0);
}

static void check_reply(const struct ctl_reply *rep, size_t size)
{
	struct ctl_resp r;
	struct ctl_reply again;
	char err[256];
	size_t len;

	for (size_t i = 0; i < rep->n; i++) {
		size_t first = 0;
		while (strcmp(rep->kv[first].key, rep->kv[i].key))
			first++;
		must(ctl_get(rep, rep->kv[i].key) == rep->kv[first].val);
		int b = ctl_get_bool(rep, rep->kv[i].key);
		must(b == (!strcmp(rep->kv[first].val, "true")	  ? 1
			   : !strcmp(rep->kv[first].val, "false") ? 0
								  : -1));
		long long ll;
		ctl_get_ll(rep, rep->kv[i].key, &ll);
	}

	ctl_resp_init(&r);
	if (rep->ok)
		must(ctl_resp_ok(&r) == 0);
	else
		must(ctl_resp_err(&r, "%s", rep->message) == 0);
	for (size_t i = 0; i < rep->n; i++)
		must(ctl_resp_kv(&r, rep->kv[i].key, "%s", rep->kv[i].val) == 0);
	const char *text = ctl_resp_data(&r, &len);
	must(!r.oom && ctl_reply_parse(&again, text, len, err, sizeof(err)) == 0);
	must(again.ok == rep->ok && again.n == rep->n);
	/* an error message keeps to one line: a CR becomes a space */
	if (!strchr(rep->message, '\r'))
		must(strcmp(again.message, rep->message) == 0);
	for (size_t i = 0; i < rep->n; i++)
		must(!strcmp(again.kv[i].key, rep->kv[i].key) && !strcmp(again.kv[i].val, rep->kv[i].val));
	ctl_reply_free(&again);
	ctl_resp_free(&r);

	char *json = ctl_reply_json(rep, (int)(size & 1), err, sizeof(err));
	free(json);
}

static void peer_message(const char *msg, size_t len)
{
	static struct ctl_req req;
	struct ctl_reply rep;
	char err[256];
	const char *nl = memchr(msg, '\n', len);
	size_t line = nl ? (size_t)(nl - msg) + 1 : len;

	if (line >= CTL_LINE_MAX || ctl_req_parse(&req, msg, line, err, sizeof(err)) != 0)
		return;
	must(req.argc >= 1 && req.argc <= CTL_ARGS_MAX && req.argv[req.argc] == NULL);
	const char *body = nl ? nl + 1 : "";
	size_t body_len = nl ? len - line : 0;
	char *text = malloc(body_len + 4);
	if (!text)
		abort();
	memcpy(text, "ok\n", 3);
	memcpy(text + 3, body, body_len);
	if (ctl_reply_parse(&rep, text, body_len + 3, err, sizeof(err)) == 0)
		check_reply(&rep, body_len);
	ctl_reply_free(&rep);
	free(text);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static struct ctl_req req;
	struct ctl_reply rep;
	char err[256];
	/* exact-size heap copy so ASan sees any read past the end */
	char *p = malloc(size ? size : 1);

	if (!p)
		abort();
	memcpy(p, data, size);
	if (ctl_req_parse(&req, p, size, err, sizeof(err)) == 0)
		check_request(&req);
	if (ctl_reply_parse(&rep, p, size, err, sizeof(err)) == 0)
		check_reply(&rep, size);
	ctl_reply_free(&rep);
	peer_message(p, size);
	free(p);
	return 0;
}
