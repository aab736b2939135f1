/* Untrusted text on its way into a log line. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "text_escape.h"

static void check_esc(const char *in, const char *want)
{
	char out[128];

	text_escape(out, sizeof(out), in);
	if (strcmp(out, want))
		fprintf(stderr, "escape: got '%s', want '%s'\n", out, want);
	CHECK_STR(out, want);
}

static void test_escape(void)
{
	check_esc("peer b alive", "peer b alive");
	check_esc("evil\nALARM: fake line", "evil\\nALARM: fake line");
	check_esc("a\r\tb\\c", "a\\r\\tb\\\\c");
	check_esc("\x1b[2J\x07\x7f", "\\x1b[2J\\x07\\x7f");
	check_esc("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	check_esc("\xc2\x9b", "\\xc2\\x9b");		       /* C1 CSI */
	check_esc("\xc3", "\\xc3");			       /* cut sequence */
	check_esc("\xc0\xaf", "\\xc0\\xaf");		       /* overlong */
	check_esc("\xed\xa0\x80", "\\xed\\xa0\\x80");	       /* surrogate */
	check_esc("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"); /* > U+10FFFF */
	check_esc("\xff", "\\xff");
}

static void test_bounds(void)
{
	char out[8];

	CHECK_EQ(text_escape(out, sizeof(out), "abcdefghij"), 7);
	CHECK_STR(out, "abcdefg");
	/* never half an escape or half a character */
	CHECK_EQ(text_escape(out, sizeof(out), "abcdef\n"), 6);
	CHECK_STR(out, "abcdef");
	CHECK_EQ(text_escape(out, sizeof(out), "abcde\xe2\x82\xac"), 5);
	CHECK_STR(out, "abcde");
	CHECK_EQ(text_escape(out, 1, "x"), 0);
	CHECK_STR(out, "");
	CHECK_EQ(text_escape(out, 0, "x"), 0);
}

static void check_label(const char *in, const char *want)
{
	char out[128];

	text_escape_label(out, sizeof(out), in);
	if (strcmp(out, want))
		fprintf(stderr, "label: got '%s', want '%s'\n", out, want);
	CHECK_STR(out, want);
}

/* Prometheus label values: only \\ \" \n are escapes there */
static void test_label(void)
{
	char out[8];

	check_label("eth1", "eth1");
	check_label("a\"b\\c\nd", "a\\\"b\\\\c\\nd");
	check_label("caf\xc3\xa9 \xe2\x82\xac", "caf\xc3\xa9 \xe2\x82\xac");
	check_label("\t\x1b\x7f", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	check_label("\xc2\x9b|\xff|\xc3", "\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd|\xef\xbf\xbd");
	CHECK_EQ(text_escape_label(out, sizeof(out), "abcdef\""), 6); /* never half an escape */
	CHECK_STR(out, "abcdef");
	CHECK_EQ(text_escape_label(out, sizeof(out), "abcde\xff"), 5); /* nor half of U+FFFD */
	CHECK_EQ(text_escape_label(out, 0, "x"), 0);
}

TEST_MAIN("text_escape", {
	test_escape();
	test_bounds();
	test_label();
})
