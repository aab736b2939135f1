/* libFuzzer harness for twin-exporter's renderer: any status reply that
 * ctl_proto accepts (the bytes come from twind, fuzzed as a reply by
 * fuzz_ctl) must render to valid exposition text. Invariants: the page
 * starts with twin_up; every line is "# HELP", "# TYPE" or a sample
 * "name{label="value",...} number" with a valid metric name, label values
 * that hold only the format's escapes (\\ \" \n) and no raw newline or
 * control byte; samples follow their family's TYPE line. */
#include <stdlib.h>
#include <string.h>

#include "ctl_proto.h"
#include "metrics_render.h"

static void must(int cond)
{
	if (!cond)
		abort();
}

static int name_char(char c, int first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
	       (!first && c >= '0' && c <= '9');
}

/* one sample line; returns the length of its metric name */
static size_t check_sample(const char *s, size_t n)
{
	size_t i = 0, name;

	while (i < n && name_char(s[i], i == 0))
		i++;
	must(i > 0);
	name = i;
	if (i < n && s[i] == '{') {
		i++;
		for (;;) {
			size_t k = i;
			while (i < n && name_char(s[i], i == k))
				i++;
			must(i > k && i + 1 < n && s[i] == '=' && s[i + 1] == '"');
			for (i += 2; i < n && s[i] != '"'; i++) {
				must((unsigned char)s[i] >= 0x20 && s[i] != 0x7f);
				if (s[i] == '\\') {
					must(i + 1 < n &&
					     (s[i + 1] == '\\' || s[i + 1] == '"' || s[i + 1] == 'n'));
					i++;
				}
			}
			must(i < n);
			i++;
			if (i < n && s[i] == ',') {
				i++;
				continue;
			}
			must(i < n && s[i] == '}');
			i++;
			break;
		}
	}
	must(i < n && s[i] == ' ');
	char val[64], *end;
	must(n - i - 1 > 0 && n - i - 1 < sizeof(val));
	memcpy(val, s + i + 1, n - i - 1);
	val[n - i - 1] = 0;
	strtod(val, &end);
	must(*end == 0);
	return name;
}

static void check_page(const char *page)
{
	char family[160] = "";

	must(page && !strncmp(page, "# HELP twin_up ", 15));
	for (const char *p = page; *p;) {
		const char *nl = strchr(p, '\n');
		must(nl != NULL);
		size_t n = (size_t)(nl - p);
		if (!strncmp(p, "# TYPE ", 7)) {
			size_t w = strcspn(p + 7, " ");
			must(w < sizeof(family) && w < n);
			memcpy(family, p + 7, w);
			family[w] = 0;
		} else if (strncmp(p, "# HELP ", 7)) {
			size_t w = check_sample(p, n);
			must(w == strlen(family) && !strncmp(p, family, w));
		}
		p = nl + 1;
	}
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct ctl_reply rep;
	char err[128];

	if (ctl_reply_parse(&rep, (const char *)data, size, err, sizeof(err)) == 0) {
		struct metrics_scrape s = {.status = &rep, .duration_us = size};
		char *page = metrics_render(&s);
		check_page(page);
		free(page);
	}
	ctl_reply_free(&rep);
	return 0;
}
