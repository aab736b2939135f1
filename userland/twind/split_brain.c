/* Split-brain proposal and policy: see split_brain.h. */
#include "split_brain.h"

#include "size_fmt.h"

#include <stdio.h>
#include <string.h>

static int up_to_date(const struct sb_side *s)
{
	return !s->disk[0] || !strcmp(s->disk, "UpToDate");
}

/* The node whose data the clients have been using: it holds the IP now,
 * else the lower id. */
static const struct sb_side *serving(const struct sb_side *a, const struct sb_side *b)
{
	if (a->holds_vip != b->holds_vip)
		return a->holds_vip ? a : b;
	return a->id < b->id ? a : b;
}

uint8_t sb_propose(const struct sb_side *a, const struct sb_side *b, char *text, size_t len)
{
	char wa[32], wb[32];
	const struct sb_side *keep, *lose;

	if (!a->known || !b->known) {
		const struct sb_side *u = a->known ? b : a;
		snprintf(text, len, "no proposal: %s's side is not known (the nodes cannot talk)",
			 u->name[0] ? u->name : "the peer");
		return 0;
	}
	if (up_to_date(a) != up_to_date(b)) {
		keep = up_to_date(a) ? a : b;
		lose = keep == a ? b : a;
		snprintf(text, len, "keep %s: %s's disk is %s", keep->name, lose->name, lose->disk);
		return keep->id;
	}
	if (a->written_kib == SB_UNKNOWN || b->written_kib == SB_UNKNOWN) {
		keep = serving(a, b);
		snprintf(text, len, "keep %s: it %s; writes since the split unknown on %s", keep->name,
			 keep->holds_vip ? "serves the failover IP" : "has the lower node id",
			 a->written_kib == SB_UNKNOWN ? a->name : b->name);
		return keep->id;
	}
	if (a->written_kib == 0 && b->written_kib == 0) {
		keep = serving(a, b);
		snprintf(text, len, "keep %s: neither node wrote since the split, nothing is lost",
			 keep->name);
		return keep->id;
	}
	if (a->written_kib != b->written_kib)
		keep = a->written_kib > b->written_kib ? a : b;
	else
		keep = serving(a, b);
	lose = keep == a ? b : a;
	size_fmt_kib(keep->written_kib, wa, sizeof(wa));
	size_fmt_kib(lose->written_kib, wb, sizeof(wb));
	if (lose->written_kib == 0)
		snprintf(text, len, "keep %s: it wrote %s since the split, %s wrote 0", keep->name, wa,
			 lose->name);
	else
		snprintf(text, len,
			 "keep %s: it wrote %s since the split, %s wrote %s (%s's writes are lost)",
			 keep->name, wa, lose->name, wb, lose->name);
	return keep->id;
}

uint8_t sb_auto_victim(const struct sb_side *a, const struct sb_side *b)
{
	if (!a->known || !b->known || a->written_kib == SB_UNKNOWN || b->written_kib == SB_UNKNOWN)
		return 0;
	if (!up_to_date(a) || !up_to_date(b))
		return 0;
	if (a->written_kib && b->written_kib)
		return 0; /* data on both sides: only the admin may choose what is lost */
	if (!a->written_kib && !b->written_kib) /* nothing lost either way: keep who serves */
		return serving(a, b) == a ? b->id : a->id;
	return a->written_kib == 0 ? a->id : b->id;
}
