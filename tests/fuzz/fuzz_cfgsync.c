/* libFuzzer harness for the config sync codec (cfgsync.c): what the peer
 * sends is parsed as the daemon does (cluster.c body_parse: "ok\n" + the
 * request's key=value body) and handed to each decoder. Invariants checked:
 *   - a decoded offer, want/newer lists or result re-encodes and decodes
 *     to the same thing;
 *   - an offer's clock is at least every version in it, its names are
 *     unique, tombstones have size 0;
 *   - cfgsync_diff against a fixed local manifest only wants syncable
 *     offered names strictly newer than ours (or new, not tombstones) and
 *     only reports as newer local names strictly newer than offered (or
 *     missing from the offer, not tombstones);
 *   - a sync-files message (a part.0.name line) is applied by
 *     cfgsync_apply to a fresh node in a scratch directory (one synced file,
 *     a.conf); every part is counted at most once in the result, and a
 *     refusal has a reason. The directory is emptied after each input. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfgsync.h"

static void must(int cond)
{
	if (!cond)
		abort();
}

/* r's text parsed again: what the peer would receive */
static void rewire(struct ctl_resp *r, struct ctl_reply *rep)
{
	char err[256];
	size_t len;
	const char *text = ctl_resp_data(r, &len);

	must(!r->oom && ctl_reply_parse(rep, text, len, err, sizeof(err)) == 0);
}

static int entry_eq(const struct cfgsync_entry *a, const struct cfgsync_entry *b)
{
	return !strcmp(a->name, b->name) && a->version == b->version && a->origin == b->origin &&
	       a->deleted == b->deleted && a->size == b->size && !memcmp(a->sha256, b->sha256, 32);
}

static int names_eq(const struct cfgsync_names *a, const struct cfgsync_names *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->name[i], b->name[i]))
			return 0;
	return 1;
}

static int has(const struct cfgsync_names *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->name[i], name))
			return 1;
	return 0;
}

static struct cfgsync_manifest local, offer, again;
static struct cfgsync_names want, newer, want2, newer2;

static void local_init(void)
{
	static const struct cfgsync_entry e[] = {
	    {.name = "a.conf", .version = 3, .origin = 1, .size = 2},
	    {.name = "b.conf", .version = 5, .origin = 2, .deleted = 1},
	    {.name = "hosts", .version = 7, .origin = 2, .size = 10},
	};
	local.n = sizeof(e) / sizeof(e[0]);
	memcpy(local.e, e, sizeof(e));
	local.clock = 7;
}

static void check_diff(void)
{
	char why[128];

	cfgsync_diff(&local, &offer, &want, &newer);
	must(want.n <= offer.n && newer.n <= local.n);
	for (size_t i = 0; i < want.n; i++) {
		const struct cfgsync_entry *o = cfgsync_find(&offer, want.name[i]);
		const struct cfgsync_entry *l = cfgsync_find(&local, want.name[i]);
		must(o && cfgsync_name_ok(o->name, why, sizeof(why)));
		must(l ? cfgsync_ver_cmp(o->version, o->origin, l->version, l->origin) > 0 : !o->deleted);
	}
	for (size_t i = 0; i < newer.n; i++) {
		const struct cfgsync_entry *l = cfgsync_find(&local, newer.name[i]);
		const struct cfgsync_entry *o = cfgsync_find(&offer, newer.name[i]);
		must(l &&
		     (o ? cfgsync_ver_cmp(l->version, l->origin, o->version, o->origin) > 0 : !l->deleted));
	}
	/* and nothing left out */
	for (size_t i = 0; i < offer.n; i++) {
		const struct cfgsync_entry *o = &offer.e[i], *l = cfgsync_find(&local, o->name);
		if (cfgsync_name_ok(o->name, why, sizeof(why)) &&
		    (l ? cfgsync_ver_cmp(o->version, o->origin, l->version, l->origin) > 0 : !o->deleted))
			must(has(&want, o->name));
	}
	for (size_t i = 0; i < local.n; i++) {
		const struct cfgsync_entry *l = &local.e[i], *o = cfgsync_find(&offer, l->name);
		if (o ? cfgsync_ver_cmp(l->version, l->origin, o->version, o->origin) > 0 : !l->deleted)
			must(has(&newer, l->name));
	}
}

static void fuzz_offer(const struct ctl_reply *rep)
{
	struct ctl_resp r;
	struct ctl_reply rep2;
	char err[256];

	if (cfgsync_decode_offer(rep, &offer, err, sizeof(err)) != 0) {
		must(offer.n == 0 && !strncmp(err, "sync offer: ", 12));
		return;
	}
	for (size_t i = 0; i < offer.n; i++) {
		const struct cfgsync_entry *e = &offer.e[i];
		must(e->version >= 1 && e->version <= offer.clock && e->origin >= 1);
		must(e->name[0] && cfgsync_find(&offer, e->name) == e);
		must(!e->deleted || e->size == 0);
	}
	ctl_resp_init(&r);
	must(cfgsync_encode_offer(&offer, &r) == 0);
	rewire(&r, &rep2);
	must(cfgsync_decode_offer(&rep2, &again, err, sizeof(err)) == 0);
	must(again.clock == offer.clock && again.n == offer.n);
	for (size_t i = 0; i < offer.n; i++)
		must(entry_eq(&offer.e[i], &again.e[i]));
	ctl_reply_free(&rep2);
	ctl_resp_free(&r);
	check_diff();
}

static void fuzz_wants(const struct ctl_reply *rep)
{
	struct ctl_resp r;
	struct ctl_reply rep2;
	char err[256];

	if (cfgsync_decode_wants(rep, &want, &newer, err, sizeof(err)) != 0)
		return;
	ctl_resp_init(&r);
	must(cfgsync_encode_wants(&want, &newer, &r) == 0);
	rewire(&r, &rep2);
	must(cfgsync_decode_wants(&rep2, &want2, &newer2, err, sizeof(err)) == 0);
	must(names_eq(&want, &want2) && names_eq(&newer, &newer2));
	ctl_reply_free(&rep2);
	ctl_resp_free(&r);
}

static void fuzz_result(const struct ctl_reply *rep)
{
	struct cfgsync_result res, res2;
	struct ctl_resp r;
	struct ctl_reply rep2;
	char err[256];

	if (cfgsync_decode_result(rep, &res, err, sizeof(err)) != 0)
		return;
	must(memchr(res.reason, '\0', sizeof(res.reason)) != NULL);
	ctl_resp_init(&r);
	must(cfgsync_encode_result(&res, &r) == 0);
	rewire(&r, &rep2);
	must(cfgsync_decode_result(&rep2, &res2, err, sizeof(err)) == 0);
	must(res.applied == res2.applied && res.partial == res2.partial && res.stale == res2.stale &&
	     res.refused == res2.refused && !strcmp(res.reason, res2.reason));
	ctl_reply_free(&rep2);
	ctl_resp_free(&r);
}

/* --- cfgsync_apply in a scratch directory --- */

static char dir[256], sync_dir[300], state_dir[300];

static void empty_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
}

static void remove_scratch(void)
{
	empty_dir(sync_dir);
	empty_dir(state_dir);
	rmdir(sync_dir);
	rmdir(state_dir);
	rmdir(dir);
}

static void scratch_init(void)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm"
			   : getenv("TMPDIR")		 ? getenv("TMPDIR")
							 : "/tmp";

	snprintf(dir, sizeof(dir), "%s/twin-fuzz-cfgsync.XXXXXX", base);
	must(mkdtemp(dir) != NULL);
	snprintf(sync_dir, sizeof(sync_dir), "%s/sync", dir);
	snprintf(state_dir, sizeof(state_dir), "%s/state", dir);
	must(mkdir(sync_dir, 0755) == 0 && mkdir(state_dir, 0755) == 0);
	atexit(remove_scratch);
}

static void fuzz_apply(const struct ctl_reply *rep)
{
	const struct cfgsync_opts o = {
	    .sync_dir = sync_dir, .state_dir = state_dir, .node_id = 2, .deny = {"node.pem", NULL}};
	struct cfgsync *cs;
	struct cfgsync_result res;
	char err[256], path[400];
	long long count;

	if (!ctl_get(rep, "part.0.name") || ctl_get_ll(rep, "count", &count) != 0)
		return;
	snprintf(path, sizeof(path), "%s/a.conf", sync_dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	must(fd >= 0 && write(fd, "x\n", 2) == 2 && close(fd) == 0);
	must(cfgsync_open(&cs, &o, err, sizeof(err)) == 0);
	memset(&res, 0xa5, sizeof(res));
	if (cfgsync_apply(cs, rep, &res, err, sizeof(err)) == 0) {
		must(count >= 0 && (unsigned long long)res.applied + res.partial + res.stale + res.refused <=
				       (unsigned long long)count);
		must(memchr(res.reason, '\0', sizeof(res.reason)) && (!res.refused || res.reason[0]));
	}
	cfgsync_close(cs);
	empty_dir(sync_dir);
	empty_dir(state_dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_reply rep;
	char err[256];

	if (!dir[0]) {
		local_init();
		scratch_init();
	}
	/* the body as the daemon parses it */
	char *text = malloc(size + 3);
	if (!text)
		abort();
	memcpy(text, "ok\n", 3);
	memcpy(text + 3, data, size);
	if (ctl_reply_parse(&rep, text, size + 3, err, sizeof(err)) == 0) {
		fuzz_offer(&rep);
		fuzz_wants(&rep);
		fuzz_result(&rep);
		fuzz_apply(&rep);
	}
	ctl_reply_free(&rep);
	free(text);
	return 0;
}
