/* twinctl diag's output: the text report within the terminal's width, the
 * kv lines the JSON renderer turns into --json, and the peer's status out
 * of twind's "diag result". */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

#define COL_TEXT 18 /* "WARN  failover-ip " */

/* text from column col on, words wrapped before width, continuation
 * lines indented to indent; a word longer than a line is cut */
static void wrap(FILE *f, const char *text, int col, int indent, int width)
{
	const char *p = text;

	while (*p) {
		int room = width - col;
		size_t len = strlen(p);
		if ((int)len <= room) {
			fputs(p, f);
			break;
		}
		int cut = room;
		while (cut > 0 && p[cut] != ' ')
			cut--;
		if (cut == 0)
			cut = room; /* no blank: hard cut */
		fprintf(f, "%.*s\n%*s", cut, p, indent, "");
		p += cut;
		while (*p == ' ')
			p++;
		col = indent;
	}
	fputc('\n', f);
}

char *diag_render_text(const struct diag_check *c, size_t n, int width)
{
	char *buf = NULL;
	size_t len = 0;
	unsigned count[DIAG_FAIL + 1] = {0};
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	if (width < COL_TEXT + 20)
		width = COL_TEXT + 20;
	for (size_t i = 0; i < n; i++) {
		count[c[i].verdict]++;
		fprintf(f, "%-5s %-11s ", diag_verdict_name(c[i].verdict), c[i].name);
		wrap(f, c[i].detail, COL_TEXT, COL_TEXT, width);
		if (c[i].todo[0] && c[i].verdict != DIAG_OK) {
			fprintf(f, "%*s-> ", COL_TEXT, "");
			wrap(f, c[i].todo, COL_TEXT + 3, COL_TEXT + 3, width);
		}
	}
	enum diag_verdict w = diag_worst(c, n);
	fprintf(f, "diag: %u OK, %u WARN, %u FAIL, %u n/a: %s\n", count[DIAG_OK], count[DIAG_WARN],
		count[DIAG_FAIL], count[DIAG_NA],
		w == DIAG_FAIL	 ? "FAIL (fix the FAIL lines first)"
		: w == DIAG_WARN ? "WARN (read the WARN lines)"
				 : "OK (ready for maintenance)");
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

void diag_encode(const struct diag_check *c, size_t n, struct ctl_resp *r)
{
	unsigned count[DIAG_FAIL + 1] = {0};
	char k[48];

	for (size_t i = 0; i < n; i++) {
		count[c[i].verdict]++;
#define K(f) (snprintf(k, sizeof(k), "check.%zu." f, i), k)
		ctl_resp_kv(r, K("name"), "%s", c[i].name);
		ctl_resp_kv(r, K("verdict"), "%s", diag_verdict_name(c[i].verdict));
		ctl_resp_kv(r, K("detail"), "%s", c[i].detail);
		ctl_resp_kv(r, K("todo"), "%s", c[i].todo);
#undef K
	}
	enum diag_verdict w = diag_worst(c, n);
	ctl_resp_kv(r, "summary.ok", "%u", count[DIAG_OK]);
	ctl_resp_kv(r, "summary.warn", "%u", count[DIAG_WARN]);
	ctl_resp_kv(r, "summary.fail", "%u", count[DIAG_FAIL]);
	ctl_resp_kv(r, "summary.na", "%u", count[DIAG_NA]);
	ctl_resp_kv(r, "summary.worst", "%s", diag_verdict_name(w));
	ctl_resp_kv(r, "summary.exit", "%d", diag_exit_code(w));
}

int diag_sub_reply(const struct ctl_reply *rep, const char *prefix, struct ctl_reply *out)
{
	struct ctl_resp r;
	size_t pl = strlen(prefix), len;
	char err[128];

	memset(out, 0, sizeof(*out));
	ctl_resp_init(&r);
	ctl_resp_ok(&r);
	for (size_t i = 0; i < rep->n; i++)
		if (!strncmp(rep->kv[i].key, prefix, pl) && rep->kv[i].key[pl])
			ctl_resp_kv(&r, rep->kv[i].key + pl, "%s", rep->kv[i].val);
	const char *text = ctl_resp_data(&r, &len);
	int rc = r.oom ? -1 : ctl_reply_parse(out, text, len, err, sizeof(err));
	ctl_resp_free(&r);
	return rc;
}
