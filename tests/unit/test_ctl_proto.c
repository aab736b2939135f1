/* Control protocol: tokenizer, formatter, builder/parser round trip, JSON. */
#include <stdlib.h>

#include "check.h"
#include "ctl_proto.h"

static char err[256];

static int tok(struct ctl_req *r, const char *line)
{
	err[0] = '\0';
	return ctl_req_parse(r, line, strlen(line), err, sizeof(err));
}

static void test_tokenizer(void)
{
	static struct ctl_req r;

	CHECK_EQ(tok(&r, "status\n"), 0);
	CHECK_EQ(r.argc, 1);
	CHECK_STR(r.argv[0], "status");
	CHECK(r.argv[1] == NULL);

	/* extra blanks, tabs and CRLF */
	CHECK_EQ(tok(&r, "  failover \t enable  \r\n"), 0);
	CHECK_EQ(r.argc, 2);
	CHECK_STR(r.argv[0], "failover");
	CHECK_STR(r.argv[1], "enable");

	/* no newline at all is fine for the pure function */
	CHECK_EQ(tok(&r, "takeover --force"), 0);
	CHECK_EQ(r.argc, 2);
	CHECK_STR(r.argv[1], "--force");

	/* quoted tokens with escapes; empty quoted token; backslash literal in words */
	CHECK_EQ(tok(&r, "set \"a b\" \"say \\\"hi\\\"\" \"c:\\\\dir\" \"\" x\\y\n"), 0);
	CHECK_EQ(r.argc, 6);
	CHECK_STR(r.argv[1], "a b");
	CHECK_STR(r.argv[2], "say \"hi\"");
	CHECK_STR(r.argv[3], "c:\\dir");
	CHECK_STR(r.argv[4], "");
	CHECK_STR(r.argv[5], "x\\y");

	/* errors, each with its own reason */
	CHECK_EQ(tok(&r, ""), -1);
	CHECK_CONTAINS(err, "empty");
	CHECK_EQ(tok(&r, "   \t \n"), -1);
	CHECK_CONTAINS(err, "empty");
	CHECK_EQ(tok(&r, "\n"), -1);
	CHECK_CONTAINS(err, "empty");
	CHECK_EQ(tok(&r, "say \"hello\n"), -1);
	CHECK_CONTAINS(err, "unterminated quote");
	CHECK_EQ(tok(&r, "say \"ends with backslash\\\""), -1);
	CHECK_CONTAINS(err, "unterminated quote");
	CHECK_EQ(tok(&r, "say \"bad \\t escape\""), -1);
	CHECK_CONTAINS(err, "bad escape");
	CHECK_EQ(tok(&r, "say \"a\"b"), -1);
	CHECK_CONTAINS(err, "after closing quote");
	CHECK_EQ(tok(&r, "say a\"b\""), -1);
	CHECK_CONTAINS(err, "quote inside");
	CHECK_EQ(tok(&r, "two\nlines\n"), -1);
	CHECK_CONTAINS(err, "newline");
	CHECK_EQ(ctl_req_parse(&r, "a\0b\n", 4, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "NUL");

	/* length limit: 4095 bytes + '\n' is the largest request */
	char *big = malloc(CTL_LINE_MAX + 2);
	memset(big, 'x', CTL_LINE_MAX + 1);
	big[CTL_LINE_MAX - 1] = '\n';
	CHECK_EQ(ctl_req_parse(&r, big, CTL_LINE_MAX, err, sizeof(err)), 0);
	CHECK_EQ(strlen(r.argv[0]), (size_t)CTL_LINE_MAX - 1);
	big[CTL_LINE_MAX - 1] = 'x';
	CHECK_EQ(ctl_req_parse(&r, big, CTL_LINE_MAX, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "too long");
	big[CTL_LINE_MAX] = '\n';
	CHECK_EQ(ctl_req_parse(&r, big, CTL_LINE_MAX + 1, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "too long");

	/* the worst case for the token buffer: many one-letter tokens */
	for (int i = 0; i < CTL_LINE_MAX - 1; i++)
		big[i] = (i % 2) ? ' ' : 'a';
	big[CTL_LINE_MAX - 1] = '\n';
	CHECK_EQ(ctl_req_parse(&r, big, CTL_LINE_MAX, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "too many arguments");
	free(big);

	char many[CTL_ARGS_MAX * 2 + 2];
	for (int i = 0; i < CTL_ARGS_MAX; i++) {
		many[2 * i] = 'a';
		many[2 * i + 1] = ' ';
	}
	many[2 * CTL_ARGS_MAX] = '\0';
	CHECK_EQ(tok(&r, many), 0);
	CHECK_EQ(r.argc, CTL_ARGS_MAX);
	many[2 * CTL_ARGS_MAX] = 'b';
	many[2 * CTL_ARGS_MAX + 1] = '\0';
	CHECK_EQ(tok(&r, many), -1);
}

static void test_format(void)
{
	static struct ctl_req r;
	char line[CTL_LINE_MAX + 1];
	const char *argv[] = {"set", "plain", "two words", "q\"uote", "back\\slash", "", "tab\there"};

	int n = ctl_req_format(line, sizeof(line), 7, argv, err, sizeof(err));
	CHECK(n > 0);
	CHECK_EQ((size_t)n, strlen(line));
	CHECK_STR(line, "set plain \"two words\" \"q\\\"uote\" back\\slash \"\" \"tab\there\"\n");
	/* what the formatter writes, the tokenizer reads back */
	CHECK_EQ(ctl_req_parse(&r, line, (size_t)n, err, sizeof(err)), 0);
	CHECK_EQ(r.argc, 7);
	for (int i = 0; i < 7 && i < r.argc; i++)
		CHECK_STR(r.argv[i], argv[i]);

	const char *nl[] = {"say", "a\nb"};
	CHECK_EQ(ctl_req_format(line, sizeof(line), 2, nl, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "line break");
	CHECK_EQ(ctl_req_format(line, sizeof(line), 0, argv, err, sizeof(err)), -1);
	CHECK_EQ(ctl_req_format(line, 8, 2, argv, err, sizeof(err)), -1); /* "set plain\n" needs 11 */
	CHECK_EQ(ctl_req_format(line, 11, 2, argv, err, sizeof(err)), 10);

	char *big = malloc(CTL_LINE_MAX);
	memset(big, 'y', CTL_LINE_MAX - 1);
	big[CTL_LINE_MAX - 1] = '\0';
	const char *one[] = {big};
	CHECK_EQ(ctl_req_format(line, sizeof(line), 1, one, err, sizeof(err)), CTL_LINE_MAX);
	big[CTL_LINE_MAX - 2] = '\0';
	const char *two[] = {"a", big}; /* 1 + 1 + 4094 + '\n' = 4097 */
	CHECK_EQ(ctl_req_format(line, sizeof(line), 2, two, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "too long");
	free(big);
}

static void test_builder_parser(void)
{
	struct ctl_resp r;
	struct ctl_reply rep;
	size_t len;
	const char *text;

	/* no status set: "ok" */
	ctl_resp_init(&r);
	text = ctl_resp_data(&r, &len);
	CHECK_EQ(len, 3u);
	CHECK_STR(text, "ok\n");
	ctl_resp_free(&r);

	ctl_resp_init(&r);
	CHECK_EQ(ctl_resp_kv(&r, "node.name", "%s", "a"), 0);
	CHECK_EQ(ctl_resp_ok(&r), 0); /* status goes first even when set late */
	CHECK_EQ(ctl_resp_kv(&r, "path.0.beats", "%d", 120003), 0);
	CHECK_EQ(ctl_resp_kv(&r, "node.reason", "%s", "two\nlines and a \\ backslash"), 0);
	CHECK_EQ(ctl_resp_kv(&r, "empty", "%s", ""), 0);
	CHECK_EQ(ctl_resp_kv(&r, "eq", "%s", "a=b=c"), 0);
	/* bad keys are refused and leave nothing behind */
	CHECK_EQ(ctl_resp_kv(&r, "Node.Name", "x"), -1);
	CHECK_EQ(ctl_resp_kv(&r, "a..b", "x"), -1);
	CHECK_EQ(ctl_resp_kv(&r, ".a", "x"), -1);
	CHECK_EQ(ctl_resp_kv(&r, "a.", "x"), -1);
	CHECK_EQ(ctl_resp_kv(&r, "", "x"), -1);
	CHECK_EQ(ctl_resp_kv(&r, "a b", "x"), -1);
	CHECK_EQ(ctl_resp_kv(&r, "a=b", "x"), -1);
	text = ctl_resp_data(&r, &len);
	CHECK_STR(text, "ok\nnode.name=a\npath.0.beats=120003\nnode.reason=two\\nlines and a \\\\ backslash\n"
			"empty=\neq=a=b=c\n");

	CHECK_EQ(ctl_reply_parse(&rep, text, len, err, sizeof(err)), 0);
	CHECK_EQ(rep.ok, 1);
	CHECK_STR(rep.message, "");
	CHECK_EQ(rep.n, 5u);
	CHECK_STR(ctl_get(&rep, "node.name"), "a");
	CHECK_STR(ctl_get(&rep, "node.reason"), "two\nlines and a \\ backslash");
	CHECK_STR(ctl_get(&rep, "empty"), "");
	CHECK_STR(ctl_get(&rep, "eq"), "a=b=c");
	CHECK(ctl_get(&rep, "node") == NULL);
	CHECK(ctl_get(&rep, "node.nam") == NULL);
	CHECK_STR(ctl_getf(&rep, "path.%d.beats", 0), "120003");
	long long v = 0;
	CHECK_EQ(ctl_get_ll(&rep, "path.0.beats", &v), 0);
	CHECK_EQ(v, 120003);
	CHECK_EQ(ctl_get_ll(&rep, "node.name", &v), -1);
	CHECK_EQ(ctl_get_ll(&rep, "empty", &v), -1);
	CHECK_EQ(ctl_get_ll(&rep, "missing", &v), -1);
	ctl_reply_free(&rep);

	/* an error replaces the status line but keeps the kv lines */
	CHECK_EQ(ctl_resp_err(&r, "takeover refused: %s\r\n(peer %d)", "peer is Active", 2), 0);
	text = ctl_resp_data(&r, &len);
	CHECK(strncmp(text, "error takeover refused: peer is Active  (peer 2)\nnode.name=a\n", 60) == 0);
	CHECK_EQ(ctl_reply_parse(&rep, text, len, err, sizeof(err)), 0);
	CHECK_EQ(rep.ok, 0);
	CHECK_STR(rep.message, "takeover refused: peer is Active  (peer 2)");
	CHECK_STR(ctl_get(&rep, "node.name"), "a");
	ctl_reply_free(&rep);
	ctl_resp_free(&r);

	/* bools */
	const char *b = "ok\nx=true\ny=false\nz=yes\n";
	CHECK_EQ(ctl_reply_parse(&rep, b, strlen(b), err, sizeof(err)), 0);
	CHECK_EQ(ctl_get_bool(&rep, "x"), 1);
	CHECK_EQ(ctl_get_bool(&rep, "y"), 0);
	CHECK_EQ(ctl_get_bool(&rep, "z"), -1);
	CHECK_EQ(ctl_get_bool(&rep, "w"), -1);
	ctl_reply_free(&rep);

	/* bare "error" */
	CHECK_EQ(ctl_reply_parse(&rep, "error\n", 6, err, sizeof(err)), 0);
	CHECK_EQ(rep.ok, 0);
	CHECK_STR(rep.message, "");
	ctl_reply_free(&rep);

	/* malformed replies */
	static const struct {
		const char *text, *why;
	} bad[] = {
	    {"", "empty"},
	    {"ok", "truncated"},
	    {"ok\nkey=val", "truncated"},
	    {"okay\n", "line 1"},
	    {"ok\nnoequals\n", "line 2: missing"},
	    {"ok\na=1\nBad=1\n", "line 3: bad key"},
	    {"ok\na=bad \\t escape\n", "bad escape"},
	    {"ok\na=trailing\\\n", "bad escape"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		CHECK_EQ(ctl_reply_parse(&rep, bad[i].text, strlen(bad[i].text), err, sizeof(err)), -1);
		CHECK_CONTAINS(err, bad[i].why);
		ctl_reply_free(&rep);
	}
	CHECK_EQ(ctl_reply_parse(&rep, "ok\na=\0\n", 7, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "NUL");
	ctl_reply_free(&rep);
}

/* Parse text and render it; returns malloc'd JSON or NULL. */
static char *json_of(const char *text, int pretty)
{
	struct ctl_reply rep;
	char *j = NULL;

	err[0] = '\0';
	if (ctl_reply_parse(&rep, text, strlen(text), err, sizeof(err)) == 0)
		j = ctl_reply_json(&rep, pretty, err, sizeof(err));
	ctl_reply_free(&rep);
	return j;
}

static void check_json(const char *text, const char *want)
{
	char *j = json_of(text, 0);

	CHECK(j != NULL);
	if (j) {
		CHECK_STR(j, want);
		if (strcmp(j, want))
			fprintf(stderr, "  got:  %s\n  want: %s\n", j, want);
	}
	free(j);
}

static void test_json(void)
{
	check_json("ok\n", "{}");
	/* nested objects in first-seen order, numbers, booleans, strings */
	check_json("ok\nnode.name=a\nnode.id=1\npeer.name=b\nnode.failover_enabled=true\nnode.healthy=false\n"
		   "skew_us=-310\nnode.endpoint=10.0.0.1\n",
		   "{\"node\":{\"name\":\"a\",\"id\":1,\"failover_enabled\":true,\"healthy\":false,"
		   "\"endpoint\":\"10.0.0.1\"},\"peer\":{\"name\":\"b\"},\"skew_us\":-310}");
	/* JSON numbers only: no leading zeros, no bare dots, no hex, no inf */
	check_json("ok\na=0\nb=1.5\nc=-2e10\nd=007\ne=1.\nf=.5\ng=0x10\nh=inf\ni=1e\nj=-\nk=+1\nl=TRUE\nm=\n",
		   "{\"a\":0,\"b\":1.5,\"c\":-2e10,\"d\":\"007\",\"e\":\"1.\",\"f\":\".5\",\"g\":\"0x10\","
		   "\"h\":\"inf\",\"i\":\"1e\",\"j\":\"-\",\"k\":\"+1\",\"l\":\"TRUE\",\"m\":\"\"}");
	/* arrays: of values and of objects; index order wins over arrival order */
	check_json("ok\nalarm.0=heartbeat link down (eth1)\nalarm.1=split brain\n",
		   "{\"alarm\":[\"heartbeat link down (eth1)\",\"split brain\"]}");
	check_json("ok\npath.1.name=eth0\npath.0.name=eth1\npath.0.up=true\npath.1.up=false\n",
		   "{\"path\":[{\"name\":\"eth1\",\"up\":true},{\"name\":\"eth0\",\"up\":false}]}");
	/* not 0..n-1: stays an object */
	check_json("ok\nvlan.10=a\nvlan.20=b\n", "{\"vlan\":{\"10\":\"a\",\"20\":\"b\"}}");
	check_json("ok\nx.0=a\nx.2=b\n", "{\"x\":{\"0\":\"a\",\"2\":\"b\"}}");
	check_json("ok\nx.00=a\n", "{\"x\":{\"00\":\"a\"}}");
	check_json("ok\nx.0=a\nx.1=b\nx.n=c\n", "{\"x\":{\"0\":\"a\",\"1\":\"b\",\"n\":\"c\"}}");
	/* nested arrays */
	check_json("ok\nm.0.0=1\nm.0.1=2\nm.1.0=3\n", "{\"m\":[[1,2],[3]]}");
	/* escaping: quotes, backslash, newline (escaped on the wire), control chars, DEL */
	check_json("ok\ns=say \"hi\" \\\\ \\n\t\x01\x1f\x7f end\n",
		   "{\"s\":\"say \\\"hi\\\" \\\\ \\n\\t\\u0001\\u001f\\u007f end\"}");
	/* UTF-8 passes through, invalid bytes become U+FFFD */
	check_json("ok\nu=caf\xc3\xa9 \xe2\x82\xac\nv=bad\xff\xc3(\xed\xa0\x80!\n",
		   "{\"u\":\"caf\xc3\xa9 \xe2\x82\xac\",\"v\":\"bad\\ufffd\\ufffd(\\ufffd\\ufffd\\ufffd!\"}");

	/* pretty printing */
	char *j = json_of("ok\na.b=1\na.c.0=x\nd=true\n", 1);
	CHECK(j != NULL);
	if (j)
		CHECK_STR(
		    j,
		    "{\n  \"a\": {\n    \"b\": 1,\n    \"c\": [\n      \"x\"\n    ]\n  },\n  \"d\": true\n}");
	free(j);

	/* conflicts are errors, not silently dropped data */
	CHECK(json_of("ok\na=1\na.b=2\n", 0) == NULL);
	CHECK_CONTAINS(err, "already a value");
	CHECK(json_of("ok\na.b=2\na=1\n", 0) == NULL);
	CHECK_CONTAINS(err, "already an object");
	CHECK(json_of("ok\na.b=1\na.b=2\n", 0) == NULL);
	CHECK_CONTAINS(err, "duplicate");

	/* many keys, grouped and ungrouped, stay in order */
	char *big = malloc(200000);
	size_t o = (size_t)sprintf(big, "ok\n");
	for (int i = 0; i < 3000; i++)
		o += (size_t)sprintf(big + o, "k%d.v=%d\n", i, i);
	j = json_of(big, 0);
	CHECK(j != NULL);
	if (j) {
		CHECK(strncmp(j, "{\"k0\":{\"v\":0},\"k1\":{\"v\":1},", 26) == 0);
		CHECK_CONTAINS(j, "\"k2999\":{\"v\":2999}}");
	}
	free(j);
	free(big);
}

/* a copy outlives its source and keeps order, escapes and the status */
static void test_reply_copy(void)
{
	const char *text = "ok\nnode.name=a\nmsg=two\\nlines\nempty=\n";
	struct ctl_reply src, dst;

	CHECK_EQ(ctl_reply_parse(&src, text, strlen(text), err, sizeof(err)), 0);
	CHECK_EQ(ctl_reply_copy(&dst, &src), 0);
	ctl_reply_free(&src);
	CHECK(dst.ok);
	CHECK_EQ(dst.n, 3u);
	CHECK_STR(dst.kv[0].key, "node.name");
	CHECK_STR(ctl_get(&dst, "msg"), "two\nlines");
	CHECK_STR(ctl_get(&dst, "empty"), "");
	ctl_reply_free(&dst);
	const char *bad = "error no such thing\n";
	CHECK_EQ(ctl_reply_parse(&src, bad, strlen(bad), err, sizeof(err)), 0);
	CHECK_EQ(ctl_reply_copy(&dst, &src), 0);
	CHECK(!dst.ok);
	CHECK_STR(dst.message, "no such thing");
	ctl_reply_free(&src);
	ctl_reply_free(&dst);
}

TEST_MAIN("ctl_proto", {
	test_reply_copy();
	test_tokenizer();
	test_format();
	test_builder_parser();
	test_json();
})
