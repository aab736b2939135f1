/* The active alarms: see alarm_list.h. */
#include "alarm_list.h"

#include <stdio.h>
#include <string.h>

#include "int_parse.h"

int alarm_list_set(struct alarm_list *l, const char *text, uint64_t real_ms, uint64_t mono_ms,
		   struct alarm *dropped)
{
	char t[ALARM_TEXT_MAX];
	int rc = 1;

	snprintf(t, sizeof(t), "%s", text);
	for (unsigned i = 0; i < l->n; i++)
		if (!strcmp(l->a[i].text, t))
			return 0; /* still the same condition: its first raise counts */
	if (l->n == ALARM_MAX) {
		if (dropped)
			*dropped = l->a[0];
		memmove(&l->a[0], &l->a[1], sizeof(l->a[0]) * (ALARM_MAX - 1));
		l->n--;
		rc = 2;
	}
	struct alarm *a = &l->a[l->n++];
	memset(a, 0, sizeof(*a));
	a->id = ++l->last_id;
	a->raised_ms = real_ms;
	a->raised_mono = mono_ms;
	memcpy(a->text, t, sizeof(t));
	return rc;
}

size_t alarm_list_clear(struct alarm_list *l, const char *prefix, struct alarm *out, size_t max)
{
	size_t n = strlen(prefix), removed = 0;

	for (unsigned i = 0; i < l->n;) {
		if (strncmp(l->a[i].text, prefix, n)) {
			i++;
			continue;
		}
		if (out && removed < max)
			out[removed] = l->a[i];
		removed++;
		memmove(&l->a[i], &l->a[i + 1], sizeof(l->a[0]) * (l->n - i - 1));
		l->n--;
	}
	return removed;
}

static void ack_one(struct alarm *a, const char *who, uint64_t real_ms)
{
	a->acked = 1;
	a->acked_ms = real_ms;
	snprintf(a->acked_by, sizeof(a->acked_by), "%s", who);
}

int alarm_list_ack(struct alarm_list *l, const char *which, const char *who, uint64_t real_ms)
{
	long long id;
	int n = 0;

	if (!strcmp(which, "all")) {
		for (unsigned i = 0; i < l->n; i++)
			if (!l->a[i].acked)
				ack_one(&l->a[i], who, real_ms), n++;
		return n;
	}
	if (parse_ll(which, 1, (long long)(UINT64_MAX >> 1), &id) < 0)
		return -1;
	for (unsigned i = 0; i < l->n; i++) {
		if (l->a[i].id != (uint64_t)id)
			continue;
		if (l->a[i].acked)
			return 0;
		ack_one(&l->a[i], who, real_ms);
		return 1;
	}
	return -1;
}

const struct alarm *alarm_list_find(const struct alarm_list *l, const char *prefix)
{
	size_t n = strlen(prefix);

	for (unsigned i = 0; i < l->n; i++)
		if (!strncmp(l->a[i].text, prefix, n))
			return &l->a[i];
	return NULL;
}
