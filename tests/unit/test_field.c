/* The console's input fields: button editing, typed values, validation. */
#include "check.h"

#include "field.h"

static enum field_result keys(struct field *f, const char *seq)
{
	enum field_result r = FR_EDITING;
	for (const char *p = seq; *p; p++) {
		enum field_key k = *p == 'u'   ? FK_UP
				   : *p == 'd' ? FK_DOWN
				   : *p == 'l' ? FK_LEFT
				   : *p == 'r' ? FK_RIGHT
				   : *p == 'e' ? FK_ENTER
					       : FK_ESC;
		r = field_key(f, k);
	}
	return r;
}

static void test_ipv4_buttons(void)
{
	struct field f;
	char shown[80];
	int cur;

	field_init(&f, FIELD_IPV4, "Peer IP", "192.168.1.12");
	CHECK_STR(f.val, "192.168.001.012");
	field_display(&f, 1, shown, sizeof(shown), &cur);
	CHECK_STR(shown, "192.168.001.012");
	CHECK_EQ(cur, 0);
	/* to the last digit (11 digits on), 2 -> 3, Enter finishes */
	CHECK_EQ(keys(&f, "eeeeeeeeeee"), FR_EDITING);
	CHECK_EQ(f.pos, 14);
	CHECK_EQ(keys(&f, "u"), FR_EDITING);
	CHECK_STR(f.val, "192.168.001.013");
	CHECK_EQ(keys(&f, "e"), FR_DONE);
	CHECK_STR(f.val, "192.168.1.13");

	/* down wraps 0 -> 9; an octet over 255 is refused, the template stays */
	field_init(&f, FIELD_IPV4, "Peer IP", "");
	CHECK_STR(f.val, "000.000.000.000");
	keys(&f, "ddd"); /* 0 -> 9 -> 8 -> 7 */
	CHECK_EQ(f.val[0], '7');
	CHECK_EQ(keys(&f, "eeeeeeeeeeee"), FR_INVALID);
	CHECK_CONTAINS(f.err, "700 is not an address byte");
	CHECK_STR(f.val, "700.000.000.000");
	/* back to the first digit, fix it, finish: 100.0.0.0 */
	keys(&f, "llllllllllll");
	CHECK_EQ(f.pos, 0);
	keys(&f, "dddddd"); /* 7 -> 1 */
	CHECK_EQ(keys(&f, "eeeeeeeeeeee"), FR_DONE);
	CHECK_STR(f.val, "100.0.0.0");
	/* Esc at the start cancels */
	field_init(&f, FIELD_IPV4, "Peer IP", "");
	CHECK_EQ(keys(&f, "x"), FR_CANCEL);
}

static void test_ipv4_typed(void)
{
	struct field f;

	field_init(&f, FIELD_IPV4, "Peer IP", "");
	CHECK_EQ(field_set_text(&f, "192.168.1.12"), FR_DONE);
	CHECK_STR(f.val, "192.168.1.12");
	static const char *bad[] = {"",	       "1.2.3",	     "1.2.3.4.5", "256.1.1.1", "1.2.3.x",
				    "0.1.2.3", "127.0.0.1",  "224.0.0.1", " 1.2.3.4",  "1.2.3.4 ",
				    "1..2.3",  "0001.2.3.4", "1.2.3.4/24"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		field_init(&f, FIELD_IPV4, "Peer IP", "");
		CHECK_EQ(field_set_text(&f, bad[i]), FR_INVALID);
		CHECK(f.err[0] != 0);
	}
	field_init(&f, FIELD_IPV4_OPT, "Gateway", "");
	CHECK_EQ(field_set_text(&f, ""), FR_DONE);
	CHECK_STR(f.val, "");
	field_init(&f, FIELD_IPV4_OPT, "Gateway", "");
	CHECK_EQ(keys(&f, "eeeeeeeeeeee"), FR_DONE); /* all zeros: none */
	CHECK_STR(f.val, "");
}

static void test_prefix(void)
{
	struct field f;
	unsigned char a[4];
	int pfx;
	char why[96];

	field_init(&f, FIELD_IPV4_PREFIX, "Failover IP", "");
	CHECK_STR(f.val, "000.000.000.000/24");
	CHECK_EQ(field_set_text(&f, "192.168.1.10/24"), FR_DONE);
	CHECK_STR(f.val, "192.168.1.10/24");
	CHECK_EQ(field_check_prefix("192.168.1.10", a, &pfx, why, sizeof(why)), -1);
	CHECK_CONTAINS(why, "needs a prefix");
	CHECK_EQ(field_check_prefix("192.168.1.10/33", a, &pfx, why, sizeof(why)), -1);
	CHECK_CONTAINS(why, "not a prefix length");
	CHECK_EQ(field_check_prefix("192.168.1.10/", a, &pfx, why, sizeof(why)), -1);
	CHECK_EQ(field_check_prefix("192.168.1.10/31", a, &pfx, why, sizeof(why)), -1);
	CHECK_CONTAINS(why, "no room");
	CHECK_EQ(field_check_prefix("192.168.1.0/24", a, &pfx, why, sizeof(why)), -1);
	CHECK_CONTAINS(why, "network address");
	CHECK_EQ(field_check_prefix("192.168.1.255/24", a, &pfx, why, sizeof(why)), -1);
	CHECK_CONTAINS(why, "broadcast");
	CHECK_EQ(field_check_prefix("10.1.2.3/8", a, &pfx, why, sizeof(why)), 0);
	CHECK_EQ(pfx, 8);
	/* buttons: the prefix digits are edited like the address's */
	field_init(&f, FIELD_IPV4_PREFIX, "Failover IP", "192.168.1.10/24");
	CHECK_STR(f.val, "192.168.001.010/24");
	keys(&f, "eeeeeeeeeeeee"); /* on the prefix's last digit */
	CHECK_EQ(f.pos, 17);
	keys(&f, "dddd"); /* 4 -> 0: /20 */
	CHECK_EQ(keys(&f, "e"), FR_DONE);
	CHECK_STR(f.val, "192.168.1.10/20");
}

static void test_text(void)
{
	struct field f;
	char shown[80];
	int cur;

	/* a host name with the buttons: Up on the end mark adds 'a' */
	field_init(&f, FIELD_HOSTNAME, "Host name", "");
	field_display(&f, 1, shown, sizeof(shown), &cur);
	CHECK_STR(shown, "_");
	keys(&f, "uuu"); /* 'a', then b, c */
	CHECK_STR(f.val, "c");
	keys(&f, "r");	/* on the end mark again */
	keys(&f, "ud"); /* 'a' then back: '<' the delete mark */
	CHECK_STR(f.val, "c<");
	keys(&f, "e"); /* deletes it */
	CHECK_STR(f.val, "c");
	CHECK_EQ(keys(&f, "e"), FR_DONE);
	CHECK_STR(f.val, "c");
	/* typed */
	static const char *bad[] = {"",
				    "Twin",
				    "-twin",
				    "twin-",
				    "tw_in",
				    "a..b",
				    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		field_init(&f, FIELD_HOSTNAME, "Host name", "");
		CHECK_EQ(field_set_text(&f, bad[i]), FR_INVALID);
	}
	field_init(&f, FIELD_HOSTNAME, "Host name", "");
	CHECK_EQ(field_set_text(&f, "mail-gw.example"), FR_DONE);

	/* secrets are masked but for the character being chosen */
	field_init(&f, FIELD_PIN, "PIN", "");
	keys(&f, "uurur"); /* "1", then "0": "10" */
	CHECK_STR(f.val, "10");
	field_display(&f, 1, shown, sizeof(shown), &cur);
	CHECK_STR(shown, "**_");
	keys(&f, "l");
	field_display(&f, 1, shown, sizeof(shown), &cur);
	CHECK_STR(shown, "*0");
	CHECK_EQ(cur, 1);
	field_display(&f, 0, shown, sizeof(shown), &cur); /* serial: all masked */
	CHECK_STR(shown, "**");
	CHECK_EQ(field_set_text(&f, "12a4"), FR_INVALID);
	CHECK_CONTAINS(f.err, "4 to 8 digits");
	CHECK_EQ(field_set_text(&f, "123"), FR_INVALID);
	CHECK_EQ(field_set_text(&f, "1234"), FR_DONE);

	field_init(&f, FIELD_PASSWORD, "Password", "");
	CHECK_EQ(field_set_text(&f, ""), FR_INVALID);
	CHECK_CONTAINS(f.err, "empty");
	f.min_len = 8;
	CHECK_EQ(field_set_text(&f, "short"), FR_INVALID);
	CHECK_CONTAINS(f.err, "at least 8");
	CHECK_EQ(field_set_text(&f, "tab\there!"), FR_INVALID);
	CHECK_EQ(field_set_text(&f, "long enough"), FR_DONE);
	char big[100];
	memset(big, 'x', sizeof(big) - 1);
	big[99] = 0;
	CHECK_EQ(field_set_text(&f, big), FR_INVALID);
	CHECK_CONTAINS(f.err, "too long");
}

TEST_MAIN("field", {
	test_ipv4_buttons();
	test_ipv4_typed();
	test_prefix();
	test_text();
})
