/* twinctl log, pure: pages from two nodes merged by time, the text and
 * JSON forms, hostile text, --since (TZ=UTC). */
#include <stdlib.h>

#include "check.h"
#include "log_view.h"

static int add(struct log_view *v, const char *text, uint64_t *next)
{
	struct ctl_reply rep;
	char err[128];
	int rc = -2;

	if (ctl_reply_parse(&rep, text, strlen(text), err, sizeof(err)) == 0)
		rc = log_view_add_page(v, &rep, next, err, sizeof(err));
	ctl_reply_free(&rep);
	return rc;
}

/* 1795306203 = 2026-11-22 00:10:03 UTC */
static void test_merge(void)
{
	struct log_view v = {0};
	uint64_t next = 0;

	CHECK_EQ(add(&v,
		     "ok\nnode=a\nnode_id=1\n"
		     "entry.0.id=5\nentry.0.time_ms=1795306203100\nentry.0.kind=admin\n"
		     "entry.0.text=takeover requested by ssh/uid 0\n"
		     "entry.1.id=6\nentry.1.time_ms=1795306203900\nentry.1.kind=state\n"
		     "entry.1.text=Activating -> Active: admin takeover\n"
		     "count=2\nmore=true\nnext=6\n",
		     &next),
		 1);
	CHECK_EQ(next, 6u);
	CHECK_EQ(add(&v,
		     "ok\nnode=b\nnode_id=2\n"
		     "entry.0.id=40\nentry.0.time_ms=1795306203500\nentry.0.kind=admin\n"
		     "entry.0.text=handover: takeover asked by peer (node 1)\n"
		     "entry.1.id=41\nentry.1.time_ms=1795306203100\nentry.1.kind=state\n"
		     "entry.1.text=Active -> Standby: yield\n"
		     "count=2\nmore=false\nnext=41\n",
		     &next),
		 0);
	log_view_sort(&v);
	char *text = log_view_text(&v);
	CHECK(text != NULL);
	if (text) {
		const char *want =
		    "2026-11-22 00:10:03.100 a admin takeover requested by ssh/uid 0\n"
		    "2026-11-22 00:10:03.100 b state Active -> Standby: yield\n"
		    "2026-11-22 00:10:03.500 b admin handover: takeover asked by peer (node 1)\n"
		    "2026-11-22 00:10:03.900 a state Activating -> Active: admin takeover\n";
		CHECK_STR(text, want);
		if (strcmp(text, want))
			fprintf(stderr, "got:\n%s", text);
	}
	free(text);
	char *json = log_view_json(&v);
	CHECK(json &&
	      strstr(json, "{\"entries\":[{\"time_ms\":1795306203100,\"node\":\"a\",\"kind\":\"admin\","
			   "\"text\":\"takeover requested by ssh/uid 0\",\"id\":5},"));
	free(json);
	log_view_free(&v);
	CHECK_EQ(v.n, 0u);
}

static void test_hostile(void)
{
	struct log_view v = {0};
	uint64_t next;

	/* a newline (escaped on the wire) and an escape sequence in the text */
	CHECK_EQ(add(&v,
		     "ok\nnode=a\x1b[2J\nentry.0.id=1\nentry.0.time_ms=0\nentry.0.kind=x\n"
		     "entry.0.text=one\\ntwo \x1b]0;t\"\ncount=1\nmore=false\nnext=1\n",
		     &next),
		 0);
	char *text = log_view_text(&v);
	CHECK(text && !strchr(text, '\x1b') && strstr(text, "one\\ntwo \\x1b]0;t\"\n"));
	CHECK(text && strchr(text, '\n') == text + strlen(text) - 1); /* one line */
	free(text);
	char *json = log_view_json(&v);
	CHECK(json && strstr(json, "\"text\":\"one\\u000atwo \\u001b]0;t\\\"\""));
	free(json);
	log_view_free(&v);
	/* malformed pages */
	CHECK_EQ(add(&v, "ok\ncount=1\nnext=0\n", &next), -1);
	CHECK_EQ(add(&v, "ok\nnode=a\ncount=1\nnext=1\n", &next), -1);
	CHECK_EQ(add(&v,
		     "ok\nnode=a\ncount=1\nentry.0.id=x\nentry.0.time_ms=1\nentry.0.kind=k\n"
		     "entry.0.text=t\nnext=1\n",
		     &next),
		 -1);
	CHECK_EQ(add(&v, "ok\nnode=a\ncount=0\n", &next), -1);
	log_view_free(&v);
}

static void test_since(void)
{
	int64_t t, now = 1795306203000;

	CHECK(log_since_parse("1795306000", now, &t) == 0 && t == 1795306000000);
	CHECK(log_since_parse("90s", now, &t) == 0 && t == now - 90000);
	CHECK(log_since_parse("10m", now, &t) == 0 && t == now - 600000);
	CHECK(log_since_parse("2h", now, &t) == 0 && t == now - 7200000);
	CHECK(log_since_parse("3d", now, &t) == 0 && t == now - 3 * 86400000LL);
	CHECK(log_since_parse("2026-11-22 00:10:03", now, &t) == 0 && t == 1795306203000);
	CHECK(log_since_parse("2026-11-22T00:10", now, &t) == 0 && t == 1795306200000);
	CHECK(log_since_parse("2026-11-22", now, &t) == 0 && t == 1795305600000);
	CHECK(log_since_parse("", now, &t) < 0);
	CHECK(log_since_parse("10x", now, &t) < 0);
	CHECK(log_since_parse("m", now, &t) < 0);
	CHECK(log_since_parse("-5m", now, &t) < 0);
	CHECK(log_since_parse("2026-11-22 junk", now, &t) < 0);
}

TEST_MAIN("log_view", {
	setenv("TZ", "UTC", 1);
	test_merge();
	test_hostile();
	test_since();
})
