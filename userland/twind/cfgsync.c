/* Configuration sync: name rules, version order, diff, codec, scan, send
 * and apply. See cfgsync.h and docs/SYNC_AND_EVENTS.md. */
#include "cfgsync.h"

#include "atomic_file.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/base64.h>
#include <mbedtls/sha256.h>

#define MANIFEST_HEAD "twin-cfgsync 1\n"
#define MANIFEST_READ (256u * 1024) /* 256 lines of < 300 bytes */

/* Node-local by definition, wherever they are put. */
static const char *const node_local[] = {
    "twin.conf",       "cluster.key",	 "node.key",	   "admin.passwd", "cluster.state",
    "cluster.pending", CFGSYNC_MANIFEST, "events.journal", "events.rx",	   NULL,
};

struct stage {
	int active;
	struct cfgsync_entry e;
	uint8_t *buf;
	uint64_t got;
};

struct cfgsync {
	char sync_dir[PATH_MAX], manifest_path[PATH_MAX];
	uint8_t node_id;
	const char *deny[4];
	char deny_buf[4][CFGSYNC_NAME_MAX + 1];
	struct cfgsync_manifest m;
	int dirty; /* manifest changed since the last save */
	struct stage stage;
};

/* --- pure --- */

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

int cfgsync_name_ok(const char *name, char *why, size_t whylen)
{
	size_t n = strlen(name);

	if (n == 0) {
		snprintf(why, whylen, "empty name");
		return 0;
	}
	if (n > CFGSYNC_NAME_MAX) {
		snprintf(why, whylen, "name longer than %d characters", CFGSYNC_NAME_MAX);
		return 0;
	}
	if (name[0] == '.') {
		snprintf(why, whylen, "hidden file");
		return 0;
	}
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("._+,=@-", *p))
			continue;
		if (*p > 0x20 && *p < 0x7f)
			snprintf(why, whylen, "bad character '%c'", *p);
		else
			snprintf(why, whylen, "bad character 0x%02x", *p);
		return 0;
	}
	if (ends_with(name, ".tmp")) {
		snprintf(why, whylen, "temporary file (*.tmp)");
		return 0;
	}
	for (const char *const *d = node_local; *d; d++)
		if (strcmp(name, *d) == 0) {
			snprintf(why, whylen, "node-local file, never synced");
			return 0;
		}
	return 1;
}

int cfgsync_ver_cmp(uint64_t va, uint8_t oa, uint64_t vb, uint8_t ob)
{
	if (va != vb)
		return va > vb ? 1 : -1;
	if (oa != ob)
		return oa > ob ? 1 : -1;
	return 0;
}

static int entry_cmp(const struct cfgsync_entry *a, const struct cfgsync_entry *b)
{
	return cfgsync_ver_cmp(a->version, a->origin, b->version, b->origin);
}

const struct cfgsync_entry *cfgsync_find(const struct cfgsync_manifest *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->e[i].name, name) == 0)
			return &m->e[i];
	return NULL;
}

static struct cfgsync_entry *find_mut(struct cfgsync_manifest *m, const char *name)
{
	return (struct cfgsync_entry *)cfgsync_find(m, name);
}

static void names_add(struct cfgsync_names *l, const char *name)
{
	if (l->n < CFGSYNC_FILES_MAX)
		snprintf(l->name[l->n++], sizeof(l->name[0]), "%s", name);
}

void cfgsync_diff(const struct cfgsync_manifest *local, const struct cfgsync_manifest *offer,
		  struct cfgsync_names *want, struct cfgsync_names *newer)
{
	char why[64];

	want->n = newer->n = 0;
	for (size_t i = 0; i < offer->n; i++) {
		const struct cfgsync_entry *o = &offer->e[i], *l = cfgsync_find(local, o->name);
		if (!cfgsync_name_ok(o->name, why, sizeof(why)) || (!l && o->deleted))
			continue;
		if (!l || entry_cmp(o, l) > 0)
			names_add(want, o->name);
	}
	for (size_t i = 0; i < local->n; i++) {
		const struct cfgsync_entry *l = &local->e[i], *o = cfgsync_find(offer, l->name);
		if (o ? entry_cmp(l, o) > 0 : !l->deleted)
			names_add(newer, l->name);
	}
}

static void hex(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static int unhex(const char *s, uint8_t *b, size_t n)
{
	if (strlen(s) != 2 * n)
		return -1;
	for (size_t i = 0; i < 2 * n; i++) {
		char c = s[i];
		int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (v < 0)
			return -1;
		b[i / 2] = (uint8_t)(i % 2 ? (b[i / 2] << 4) | v : v);
	}
	return 0;
}

/* Strict decimal u64 from a kv line. */
static int get_u64(const struct ctl_reply *rep, uint64_t *v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int get_u64(const struct ctl_reply *rep, uint64_t *v, const char *fmt, ...)
{
	char key[CTL_KEY_MAX + 2];
	va_list ap;
	uint64_t x = 0;

	va_start(ap, fmt);
	vsnprintf(key, sizeof(key), fmt, ap);
	va_end(ap);
	const char *s = ctl_get(rep, key);
	if (!s || !*s || strlen(s) > 20)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || x > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -1;
		x = x * 10 + (uint64_t)(*s - '0');
	}
	*v = x;
	return 0;
}

/* "PREFIX.I.FIELD=value" (or "PREFIX.I=value" without a field). */
static int kv(struct ctl_resp *r, const char *prefix, size_t i, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int kv(struct ctl_resp *r, const char *prefix, size_t i, const char *field, const char *fmt, ...)
{
	char key[CTL_KEY_MAX + 2];
	va_list ap;

	if (field)
		snprintf(key, sizeof(key), "%s.%zu.%s", prefix, i, field);
	else
		snprintf(key, sizeof(key), "%s.%zu", prefix, i);
	va_start(ap, fmt);
	int rc = ctl_resp_vkv(r, key, fmt, ap);
	va_end(ap);
	return rc;
}

/* The fields shared by an offer entry and a part: PREFIX.N.{name,...}. */
static int encode_entry(struct ctl_resp *r, const char *prefix, size_t i, const struct cfgsync_entry *e)
{
	char sha[65];
	int rc = 0;

	hex(e->sha256, 32, sha);
	rc |= kv(r, prefix, i, "name", "%s", e->name);
	rc |= kv(r, prefix, i, "version", "%" PRIu64, e->version);
	rc |= kv(r, prefix, i, "origin", "%u", e->origin);
	rc |= kv(r, prefix, i, "deleted", "%d", e->deleted ? 1 : 0);
	rc |= kv(r, prefix, i, "size", "%" PRIu64, e->size);
	rc |= kv(r, prefix, i, "sha256", "%s", sha);
	return rc ? -1 : 0;
}

static int decode_entry(const struct ctl_reply *rep, const char *prefix, size_t i, struct cfgsync_entry *e)
{
	uint64_t origin, deleted;
	const char *name = ctl_getf(rep, "%s.%zu.name", prefix, i);
	const char *sha = ctl_getf(rep, "%s.%zu.sha256", prefix, i);

	memset(e, 0, sizeof(*e));
	if (!name || !*name || strlen(name) > CFGSYNC_NAME_MAX || !sha || unhex(sha, e->sha256, 32) ||
	    get_u64(rep, &e->version, "%s.%zu.version", prefix, i) || e->version == 0 ||
	    get_u64(rep, &origin, "%s.%zu.origin", prefix, i) || origin < 1 || origin > 255 ||
	    get_u64(rep, &deleted, "%s.%zu.deleted", prefix, i) || deleted > 1 ||
	    get_u64(rep, &e->size, "%s.%zu.size", prefix, i) || e->size > CFGSYNC_FILE_MAX ||
	    (deleted && e->size))
		return -1;
	strcpy(e->name, name);
	e->origin = (uint8_t)origin;
	e->deleted = (int)deleted;
	return 0;
}

int cfgsync_encode_offer(const struct cfgsync_manifest *m, struct ctl_resp *r)
{
	int rc = ctl_resp_kv(r, "clock", "%" PRIu64, m->clock);

	rc |= ctl_resp_kv(r, "count", "%zu", m->n);
	for (size_t i = 0; i < m->n; i++)
		rc |= encode_entry(r, "file", i, &m->e[i]);
	return rc ? -1 : 0;
}

int cfgsync_decode_offer(const struct ctl_reply *rep, struct cfgsync_manifest *m, char *err, size_t errlen)
{
	uint64_t count;

	m->n = 0;
	if (get_u64(rep, &m->clock, "clock") || get_u64(rep, &count, "count") || count > CFGSYNC_FILES_MAX) {
		snprintf(err, errlen, "sync offer: missing or bad clock or count (max %d)",
			 CFGSYNC_FILES_MAX);
		return -1;
	}
	for (size_t i = 0; i < count; i++) {
		struct cfgsync_entry *e = &m->e[i];
		if (decode_entry(rep, "file", i, e) || cfgsync_find(m, e->name)) {
			snprintf(err, errlen, "sync offer: file %zu: missing, bad or repeated field", i);
			m->n = 0;
			return -1;
		}
		m->n++;
		if (e->version > m->clock)
			m->clock = e->version;
	}
	return 0;
}

static int encode_names(struct ctl_resp *r, const char *what, const struct cfgsync_names *l)
{
	char k[32];
	int rc;

	snprintf(k, sizeof(k), "%s.count", what);
	rc = ctl_resp_kv(r, k, "%zu", l->n);
	for (size_t i = 0; i < l->n; i++)
		rc |= kv(r, what, i, NULL, "%s", l->name[i]);
	return rc;
}

static int decode_names(const struct ctl_reply *rep, const char *what, struct cfgsync_names *l)
{
	uint64_t count;

	l->n = 0;
	if (get_u64(rep, &count, "%s.count", what) || count > CFGSYNC_FILES_MAX)
		return -1;
	for (size_t i = 0; i < count; i++) {
		const char *s = ctl_getf(rep, "%s.%zu", what, i);
		if (!s || !*s || strlen(s) > CFGSYNC_NAME_MAX)
			return -1;
		names_add(l, s);
	}
	return 0;
}

int cfgsync_encode_wants(const struct cfgsync_names *want, const struct cfgsync_names *newer,
			 struct ctl_resp *r)
{
	return encode_names(r, "want", want) | encode_names(r, "newer", newer) ? -1 : 0;
}

int cfgsync_decode_wants(const struct ctl_reply *rep, struct cfgsync_names *want, struct cfgsync_names *newer,
			 char *err, size_t errlen)
{
	if (decode_names(rep, "want", want) || decode_names(rep, "newer", newer)) {
		snprintf(err, errlen, "sync answer: missing or bad want/newer list");
		return -1;
	}
	return 0;
}

int cfgsync_encode_result(const struct cfgsync_result *res, struct ctl_resp *r)
{
	int rc = ctl_resp_kv(r, "applied", "%u", res->applied);

	rc |= ctl_resp_kv(r, "partial", "%u", res->partial);
	rc |= ctl_resp_kv(r, "stale", "%u", res->stale);
	rc |= ctl_resp_kv(r, "refused", "%u", res->refused);
	rc |= ctl_resp_kv(r, "reason", "%s", res->reason);
	return rc ? -1 : 0;
}

int cfgsync_decode_result(const struct ctl_reply *rep, struct cfgsync_result *res, char *err, size_t errlen)
{
	uint64_t a, p, s, f;
	const char *reason = ctl_get(rep, "reason");

	if (get_u64(rep, &a, "applied") || get_u64(rep, &p, "partial") || get_u64(rep, &s, "stale") ||
	    get_u64(rep, &f, "refused") || a > UINT_MAX || p > UINT_MAX || s > UINT_MAX || f > UINT_MAX) {
		snprintf(err, errlen, "sync result: missing or bad counts");
		return -1;
	}
	res->applied = (unsigned)a;
	res->partial = (unsigned)p;
	res->stale = (unsigned)s;
	res->refused = (unsigned)f;
	snprintf(res->reason, sizeof(res->reason), "%s", reason ? reason : "");
	return 0;
}

/* --- manifest file --- */

static int manifest_save(struct cfgsync *cs, char *err, size_t errlen)
{
	size_t cap = 64 + cs->m.n * (CFGSYNC_NAME_MAX + 160), o = 0;
	char *buf = malloc(cap), sha[65];

	if (!buf) {
		snprintf(err, errlen, "sync manifest %s: out of memory", cs->manifest_path);
		return -1;
	}
	o += (size_t)snprintf(buf + o, cap - o, MANIFEST_HEAD "clock %" PRIu64 "\n", cs->m.clock);
	for (size_t i = 0; i < cs->m.n; i++) {
		const struct cfgsync_entry *e = &cs->m.e[i];
		hex(e->sha256, 32, sha);
		o += (size_t)snprintf(buf + o, cap - o,
				      "file %s %" PRIu64 " %u %d %" PRIu64 " %s %" PRId64 "\n", e->name,
				      e->version, e->origin, e->deleted, e->size, sha, e->mtime_ns);
	}
	int rc = atomic_file_write(cs->manifest_path, buf, o, 0600, err, errlen);
	free(buf);
	if (rc == 0)
		cs->dirty = 0;
	return rc;
}

static int flush(struct cfgsync *cs, char *err, size_t errlen)
{
	return cs->dirty ? manifest_save(cs, err, errlen) : 0;
}

static int manifest_load(struct cfgsync *cs, char *err, size_t errlen)
{
	char *data = NULL, *save = NULL, why[64];
	size_t len = 0, lineno = 2;
	int r = atomic_file_read(cs->manifest_path, MANIFEST_READ, &data, &len, NULL, err, errlen);

	if (r)
		return r > 0 ? 0 : -1; /* absent: start empty */
	char *line = strtok_r(data, "\n", &save);
	if (!line || strcmp(line, "twin-cfgsync 1") != 0)
		goto bad;
	line = strtok_r(NULL, "\n", &save);
	if (!line || sscanf(line, "clock %" SCNu64, &cs->m.clock) != 1)
		goto bad;
	while ((line = strtok_r(NULL, "\n", &save))) {
		struct cfgsync_entry *e = &cs->m.e[cs->m.n];
		char name[CFGSYNC_NAME_MAX + 2], sha[66];
		unsigned origin;
		int end = 0;

		lineno++;
		if (cs->m.n == CFGSYNC_FILES_MAX ||
		    sscanf(line, "file %101s %" SCNu64 " %u %d %" SCNu64 " %65s %" SCNd64 "%n", name,
			   &e->version, &origin, &e->deleted, &e->size, sha, &e->mtime_ns, &end) != 7 ||
		    line[end] || !cfgsync_name_ok(name, why, sizeof(why)) || origin < 1 || origin > 255 ||
		    (e->deleted != 0 && e->deleted != 1) || unhex(sha, e->sha256, 32) ||
		    cfgsync_find(&cs->m, name))
			goto bad;
		strcpy(e->name, name);
		e->origin = (uint8_t)origin;
		cs->m.n++;
	}
	atomic_file_free(data, len);
	return 0;
bad:
	snprintf(err, errlen, "sync manifest %s:%zu: malformed (remove it to rebuild from scratch)",
		 cs->manifest_path, lineno);
	atomic_file_free(data, len);
	return -1;
}

/* --- local state --- */

static int name_allowed(const struct cfgsync *cs, const char *name, char *why, size_t whylen)
{
	if (!cfgsync_name_ok(name, why, whylen))
		return 0;
	for (size_t i = 0; i < 4 && cs->deny[i]; i++)
		if (strcmp(name, cs->deny[i]) == 0) {
			snprintf(why, whylen, "node-local file, never synced");
			return 0;
		}
	return 1;
}

static void refuse(unsigned *count, char *reason, size_t rlen, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void refuse(unsigned *count, char *reason, size_t rlen, const char *name, const char *fmt, ...)
{
	va_list ap;

	(*count)++;
	if (reason[0])
		return;
	int n = snprintf(reason, rlen, "%.*s: ", CFGSYNC_NAME_MAX, name);
	va_start(ap, fmt);
	vsnprintf(reason + n, rlen - (size_t)n, fmt, ap);
	va_end(ap);
}

static uint64_t total_live(const struct cfgsync *cs)
{
	uint64_t t = 0;

	for (size_t i = 0; i < cs->m.n; i++)
		t += cs->m.e[i].deleted ? 0 : cs->m.e[i].size;
	return t;
}

/* mtime as the scan's cache key; a file modified within the last 2 s may
 * change again in the same clock tick with the same size, so it is not
 * trusted (-1: hash again next time). */
static int64_t cache_mtime(const struct stat *st)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	if (st->st_mtim.tv_sec + 2 > now.tv_sec)
		return -1;
	return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

static struct cfgsync_entry *add_entry(struct cfgsync *cs, const char *name)
{
	if (cs->m.n == CFGSYNC_FILES_MAX)
		return NULL;
	struct cfgsync_entry *e = &cs->m.e[cs->m.n++];
	memset(e, 0, sizeof(*e));
	strcpy(e->name, name);
	return e;
}

static void local_version(struct cfgsync *cs, struct cfgsync_entry *e)
{
	e->version = ++cs->m.clock;
	e->origin = cs->node_id;
	cs->dirty = 1;
}

/* Bring one name's entry up to date with the disk (name already allowed).
 * Problems are refusals in res, never errors: the old entry stays. */
static void scan_one(struct cfgsync *cs, const char *name, struct cfgsync_scan *res)
{
	char path[PATH_MAX + CFGSYNC_NAME_MAX + 2], ferr[256], *data = NULL;
	struct cfgsync_entry *e = find_mut(&cs->m, name);
	struct stat st;
	uint8_t sha[32];
	size_t len = 0;

	snprintf(path, sizeof(path), "%s/%s", cs->sync_dir, name);
	if (lstat(path, &st) < 0) {
		if (errno != ENOENT) {
			refuse(&res->refused, res->reason, sizeof(res->reason), name, "%s", strerror(errno));
		} else if (e && !e->deleted) {
			e->deleted = 1;
			e->size = 0;
			e->mtime_ns = 0;
			memset(e->sha256, 0, 32);
			local_version(cs, e);
			res->changed++;
		}
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		refuse(&res->refused, res->reason, sizeof(res->reason), name, "not a regular file");
		return;
	}
	if ((uint64_t)st.st_size > CFGSYNC_FILE_MAX) {
		refuse(&res->refused, res->reason, sizeof(res->reason), name,
		       "too large (%lld bytes, max %u)", (long long)st.st_size, CFGSYNC_FILE_MAX);
		return;
	}
	int64_t mt = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	if (e && !e->deleted && e->size == (uint64_t)st.st_size && e->mtime_ns == mt)
		return;
	if (atomic_file_read(path, CFGSYNC_FILE_MAX, &data, &len, &st, ferr, sizeof(ferr))) {
		refuse(&res->refused, res->reason, sizeof(res->reason), name, "%s",
		       data ? "read error" : ferr);
		atomic_file_free(data, len);
		return;
	}
	mbedtls_sha256_ret((const unsigned char *)data, len, sha, 0);
	atomic_file_free(data, len);
	if (e && !e->deleted && e->size == len && memcmp(e->sha256, sha, 32) == 0) {
		e->mtime_ns = cache_mtime(&st); /* touched, not changed */
		cs->dirty = 1;
		return;
	}
	if (total_live(cs) - (e && !e->deleted ? e->size : 0) + len > CFGSYNC_TOTAL_MAX) {
		refuse(&res->refused, res->reason, sizeof(res->reason), name,
		       "all synced files together would exceed %u bytes", CFGSYNC_TOTAL_MAX);
		return;
	}
	if (!e && !(e = add_entry(cs, name))) {
		refuse(&res->refused, res->reason, sizeof(res->reason), name, "too many files (max %d)",
		       CFGSYNC_FILES_MAX);
		return;
	}
	e->deleted = 0;
	e->size = len;
	memcpy(e->sha256, sha, 32);
	e->mtime_ns = cache_mtime(&st);
	local_version(cs, e);
	res->changed++;
}

int cfgsync_scan(struct cfgsync *cs, struct cfgsync_scan *res, char *err, size_t errlen)
{
	char seen[CFGSYNC_FILES_MAX] = {0}, why[64];
	struct dirent *d;
	DIR *dir;

	memset(res, 0, sizeof(*res));
	dir = opendir(cs->sync_dir);
	if (!dir) {
		snprintf(err, errlen, "sync_dir %s: %s", cs->sync_dir, strerror(errno));
		return -1;
	}
	while ((d = readdir(dir))) {
		const char *name = d->d_name;
		if (!strcmp(name, ".") || !strcmp(name, ".."))
			continue;
		if (name[0] == '.' || ends_with(name, ".tmp")) {
			res->ignored++;
			continue;
		}
		if (!name_allowed(cs, name, why, sizeof(why)))
			refuse(&res->refused, res->reason, sizeof(res->reason), name, "%s", why);
		else
			scan_one(cs, name, res);
		const struct cfgsync_entry *e = cfgsync_find(&cs->m, name);
		if (e)
			seen[e - cs->m.e] = 1;
	}
	closedir(dir);
	for (size_t i = 0; i < cs->m.n; i++)
		if (!seen[i] && !cs->m.e[i].deleted)
			scan_one(cs, cs->m.e[i].name, res); /* gone: a tombstone */
	return flush(cs, err, errlen);
}

const struct cfgsync_manifest *cfgsync_manifest(const struct cfgsync *cs)
{
	return &cs->m;
}

int cfgsync_open(struct cfgsync **csp, const struct cfgsync_opts *o, char *err, size_t errlen)
{
	struct cfgsync *cs = calloc(1, sizeof(*cs));
	char a[PATH_MAX], b[PATH_MAX];

	*csp = NULL;
	if (!cs) {
		snprintf(err, errlen, "config sync: out of memory");
		return -1;
	}
	cs->node_id = o->node_id;
	if (o->node_id == 0 || !o->sync_dir || !o->sync_dir[0] ||
	    (size_t)snprintf(cs->sync_dir, sizeof(cs->sync_dir), "%s", o->sync_dir) >= sizeof(cs->sync_dir) ||
	    (size_t)snprintf(cs->manifest_path, sizeof(cs->manifest_path), "%s/%s", o->state_dir,
			     CFGSYNC_MANIFEST) >= sizeof(cs->manifest_path)) {
		snprintf(err, errlen, "config sync: bad node id, sync_dir or state_dir");
		goto fail;
	}
	for (size_t i = 0; i < 4 && o->deny[i]; i++) {
		snprintf(cs->deny_buf[i], sizeof(cs->deny_buf[i]), "%s", o->deny[i]);
		cs->deny[i] = cs->deny_buf[i];
	}
	if (mkdir(cs->sync_dir, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "sync_dir %s: mkdir: %s", cs->sync_dir, strerror(errno));
		goto fail;
	}
	/* Everything in sync_dir leaves the node: it must not be the state. */
	if (!realpath(cs->sync_dir, a) || !realpath(o->state_dir, b)) {
		snprintf(err, errlen, "sync_dir %s or state_dir %s: %s", cs->sync_dir, o->state_dir,
			 strerror(errno));
		goto fail;
	}
	if (strcmp(a, b) == 0) {
		snprintf(err, errlen, "sync_dir %s is the state directory: use a directory of its own",
			 cs->sync_dir);
		goto fail;
	}
	if (manifest_load(cs, err, errlen))
		goto fail;
	*csp = cs;
	return 0;
fail:
	free(cs);
	return -1;
}

static void stage_drop(struct cfgsync *cs)
{
	free(cs->stage.buf);
	memset(&cs->stage, 0, sizeof(cs->stage));
}

void cfgsync_close(struct cfgsync *cs)
{
	if (!cs)
		return;
	stage_drop(cs);
	free(cs);
}

int cfgsync_answer_offer(struct cfgsync *cs, const struct ctl_reply *offer, struct ctl_resp *answer,
			 char *err, size_t errlen)
{
	struct cfgsync_manifest *m = malloc(sizeof(*m));
	struct cfgsync_names *want = malloc(sizeof(*want)), *newer = malloc(sizeof(*newer));
	int rc = -1;

	if (!m || !want || !newer) {
		snprintf(err, errlen, "config sync: out of memory");
		goto out;
	}
	if (cfgsync_decode_offer(offer, m, err, errlen))
		goto out;
	/* Lamport: our next local version must beat everything seen. */
	if (m->clock > cs->m.clock) {
		cs->m.clock = m->clock;
		cs->dirty = 1;
	}
	cfgsync_diff(&cs->m, m, want, newer);
	if (cfgsync_encode_wants(want, newer, answer)) {
		snprintf(err, errlen, "config sync: out of memory");
		goto out;
	}
	rc = flush(cs, err, errlen);
out:
	free(m);
	free(want);
	free(newer);
	return rc;
}

/* --- sending --- */

void cfgsync_send_begin(struct cfgsync_send *s, const struct cfgsync_names *want)
{
	s->want = *want;
	s->idx = 0;
	s->off = 0;
	s->skipped = 0;
}

static int add_part(struct ctl_resp *r, size_t i, const struct cfgsync_entry *e, uint64_t off,
		    const char *data, size_t len)
{
	size_t cap = 4 * ((len + 2) / 3) + 1, olen = 0;
	char *b64 = malloc(cap);
	int rc = -1;

	if (b64 &&
	    mbedtls_base64_encode((unsigned char *)b64, cap, &olen, (const unsigned char *)data, len) == 0) {
		b64[olen] = '\0'; /* not written for len 0 */
		rc = encode_entry(r, "part", i, e);
		rc |= kv(r, "part", i, "offset", "%" PRIu64, off);
		rc |= kv(r, "part", i, "data", "%s", b64);
	}
	free(b64);
	return rc ? -1 : 0;
}

int cfgsync_send_next(struct cfgsync *cs, struct cfgsync_send *s, struct ctl_resp *r, char *err,
		      size_t errlen)
{
	char path[PATH_MAX + CFGSYNC_NAME_MAX + 2], why[64], ferr[256];
	size_t budget = CFGSYNC_PART_MAX, parts = 0;

	while (s->idx < s->want.n && budget > 0) {
		const char *name = s->want.name[s->idx];
		const struct cfgsync_entry *e = cfgsync_find(&cs->m, name);
		char *data = NULL;
		size_t len = 0;
		uint8_t sha[32] = {0};

		if (!e || !name_allowed(cs, name, why, sizeof(why))) {
			s->skipped++;
			s->idx++;
			s->off = 0;
			continue;
		}
		if (e->deleted) {
			if (add_part(r, parts++, e, 0, "", 0))
				goto oom;
			s->idx++;
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", cs->sync_dir, name);
		if (atomic_file_read(path, CFGSYNC_FILE_MAX, &data, &len, NULL, ferr, sizeof(ferr)) == 0)
			mbedtls_sha256_ret((const unsigned char *)data, len, sha, 0);
		if (!data || len != e->size || memcmp(sha, e->sha256, 32) != 0 || s->off > len) {
			atomic_file_free(data, len); /* changed since the scan: the next offer has it */
			s->skipped++;
			s->idx++;
			s->off = 0;
			continue;
		}
		size_t chunk = len - s->off < budget ? len - (size_t)s->off : budget;
		int rc = add_part(r, parts++, e, s->off, data + s->off, chunk);
		atomic_file_free(data, len);
		if (rc)
			goto oom;
		budget -= chunk;
		s->off += chunk;
		if (s->off >= len) {
			s->idx++;
			s->off = 0;
		}
	}
	if (!parts)
		return 0;
	if (ctl_resp_kv(r, "count", "%zu", parts) == 0)
		return 1;
oom:
	snprintf(err, errlen, "config sync: out of memory building sync-files");
	return -1;
}

/* --- applying --- */

/* The part's data decoded into the stage at its offset. */
static int stage_fill(struct cfgsync *cs, const char *b64, size_t *got)
{
	size_t room = (size_t)(cs->stage.e.size - cs->stage.got);

	*got = 0;
	return mbedtls_base64_decode(cs->stage.buf + cs->stage.got, room, got, (const unsigned char *)b64,
				     strlen(b64)) == 0
		   ? 0
		   : -1;
}

/* Local copy of name after a fresh look at the disk, or NULL. */
static const struct cfgsync_entry *local_now(struct cfgsync *cs, const char *name, struct cfgsync_scan *sc)
{
	scan_one(cs, name, sc);
	return cfgsync_find(&cs->m, name);
}

static int apply_delete(struct cfgsync *cs, const struct cfgsync_entry *in, struct cfgsync_result *res,
			char *err, size_t errlen)
{
	char path[PATH_MAX + CFGSYNC_NAME_MAX + 2];
	struct cfgsync_scan sc = {0};
	const struct cfgsync_entry *l = local_now(cs, in->name, &sc);

	if (cs->stage.active && strcmp(cs->stage.e.name, in->name) == 0)
		stage_drop(cs);
	if (!l || entry_cmp(in, l) <= 0) {
		res->stale++;
		return flush(cs, err, errlen);
	}
	snprintf(path, sizeof(path), "%s/%s", cs->sync_dir, in->name);
	if (atomic_file_remove(path, err, errlen))
		return -1;
	struct cfgsync_entry *e = find_mut(&cs->m, in->name);
	*e = *in;
	e->mtime_ns = 0;
	cs->dirty = 1;
	res->applied++;
	return flush(cs, err, errlen);
}

/* The stage holds a whole file: check it and write it. */
static int apply_staged(struct cfgsync *cs, struct cfgsync_result *res, char *err, size_t errlen)
{
	char path[PATH_MAX + CFGSYNC_NAME_MAX + 2];
	struct cfgsync_entry in = cs->stage.e;
	struct cfgsync_scan sc = {0};
	uint8_t sha[32];
	struct stat st;
	mode_t mode = 0600;

	mbedtls_sha256_ret(cs->stage.buf, (size_t)in.size, sha, 0);
	if (memcmp(sha, in.sha256, 32) != 0) {
		refuse(&res->refused, res->reason, sizeof(res->reason), in.name, "sha256 mismatch");
		stage_drop(cs);
		return 0;
	}
	const struct cfgsync_entry *l = local_now(cs, in.name, &sc); /* an edit made meanwhile */
	if (l && entry_cmp(&in, l) <= 0) {
		res->stale++;
		stage_drop(cs);
		return flush(cs, err, errlen);
	}
	if (total_live(cs) - (l && !l->deleted ? l->size : 0) + in.size > CFGSYNC_TOTAL_MAX) {
		refuse(&res->refused, res->reason, sizeof(res->reason), in.name,
		       "all synced files together would exceed %u bytes", CFGSYNC_TOTAL_MAX);
		stage_drop(cs);
		return flush(cs, err, errlen);
	}
	struct cfgsync_entry *e = l ? find_mut(&cs->m, in.name) : add_entry(cs, in.name);
	if (!e) {
		refuse(&res->refused, res->reason, sizeof(res->reason), in.name, "too many files (max %d)",
		       CFGSYNC_FILES_MAX);
		stage_drop(cs);
		return flush(cs, err, errlen);
	}
	snprintf(path, sizeof(path), "%s/%s", cs->sync_dir, in.name);
	if (lstat(path, &st) == 0 && S_ISREG(st.st_mode))
		mode = st.st_mode & 0777;
	int rc = atomic_file_write(path, cs->stage.buf, (size_t)in.size, mode, err, errlen);
	stage_drop(cs);
	if (rc)
		return -1;
	*e = in;
	e->mtime_ns = lstat(path, &st) == 0 ? cache_mtime(&st) : -1;
	cs->dirty = 1;
	res->applied++;
	return flush(cs, err, errlen);
}

static int apply_part(struct cfgsync *cs, const struct cfgsync_entry *in, uint64_t off, const char *b64,
		      struct cfgsync_result *res, char *err, size_t errlen)
{
	char why[64];
	size_t got;

	if (!name_allowed(cs, in->name, why, sizeof(why))) {
		refuse(&res->refused, res->reason, sizeof(res->reason), in->name, "%s", why);
		return 0;
	}
	if (in->version > cs->m.clock) {
		cs->m.clock = in->version;
		cs->dirty = 1;
	}
	if (in->deleted)
		return apply_delete(cs, in, res, err, errlen);
	if (off == 0) {
		struct cfgsync_scan sc = {0};
		const struct cfgsync_entry *l = local_now(cs, in->name, &sc);
		stage_drop(cs);
		if (l && entry_cmp(in, l) <= 0) {
			res->stale++;
			return flush(cs, err, errlen);
		}
		cs->stage.buf = malloc(in->size ? (size_t)in->size : 1);
		if (!cs->stage.buf) {
			snprintf(err, errlen, "config sync: out of memory");
			return -1;
		}
		cs->stage.e = *in;
		cs->stage.active = 1;
	} else if (!cs->stage.active || strcmp(cs->stage.e.name, in->name) || entry_cmp(&cs->stage.e, in) ||
		   cs->stage.e.size != in->size || memcmp(cs->stage.e.sha256, in->sha256, 32) ||
		   cs->stage.got != off) {
		refuse(&res->refused, res->reason, sizeof(res->reason), in->name,
		       "part at offset %" PRIu64 " out of order", off);
		stage_drop(cs);
		return 0;
	}
	if (stage_fill(cs, b64, &got) || (got == 0 && in->size > 0)) {
		refuse(&res->refused, res->reason, sizeof(res->reason), in->name,
		       "bad base64, empty part or more data than its size");
		stage_drop(cs);
		return 0;
	}
	cs->stage.got += got;
	if (cs->stage.got < in->size) {
		res->partial++;
		return 0;
	}
	return apply_staged(cs, res, err, errlen);
}

int cfgsync_apply(struct cfgsync *cs, const struct ctl_reply *msg, struct cfgsync_result *res, char *err,
		  size_t errlen)
{
	uint64_t count;

	memset(res, 0, sizeof(*res));
	if (get_u64(msg, &count, "count") || count > CFGSYNC_FILES_MAX) {
		snprintf(err, errlen, "sync files: missing or bad count (max %d)", CFGSYNC_FILES_MAX);
		return -1;
	}
	for (size_t i = 0; i < count; i++) {
		struct cfgsync_entry in;
		uint64_t off;
		const char *data = ctl_getf(msg, "part.%zu.data", i);

		if (decode_entry(msg, "part", i, &in) || get_u64(msg, &off, "part.%zu.offset", i) || !data ||
		    off > in.size) {
			snprintf(err, errlen, "sync files: part %zu: missing or bad field", i);
			return -1;
		}
		if (apply_part(cs, &in, off, data, res, err, errlen))
			return -1;
	}
	return 0;
}

static int by_name(const void *a, const void *b)
{
	const struct cfgsync_entry *const *x = a, *const *y = b;
	return strcmp((*x)->name, (*y)->name);
}

void cfgsync_digest(const struct cfgsync_manifest *m, char out[CFGSYNC_DIGEST_LEN], uint64_t *version,
		    size_t *files)
{
	static const struct cfgsync_entry *live[CFGSYNC_FILES_MAX];
	mbedtls_sha256_context h;
	uint8_t sum[32];
	size_t n = 0;

	*version = 0;
	for (size_t i = 0; i < m->n && i < CFGSYNC_FILES_MAX; i++) {
		if (m->e[i].deleted)
			continue;
		live[n++] = &m->e[i];
		if (m->e[i].version > *version)
			*version = m->e[i].version;
	}
	/* the manifests' order is each node's own */
	qsort(live, n, sizeof(live[0]), by_name);
	mbedtls_sha256_init(&h);
	mbedtls_sha256_starts_ret(&h, 0);
	for (size_t i = 0; i < n; i++) {
		char line[CFGSYNC_NAME_MAX + 48];
		int len = snprintf(line, sizeof(line), "%s %" PRIu64 " %u\n", live[i]->name, live[i]->version,
				   live[i]->origin);
		mbedtls_sha256_update_ret(&h, (const unsigned char *)line, (size_t)len);
		mbedtls_sha256_update_ret(&h, live[i]->sha256, 32);
	}
	mbedtls_sha256_finish_ret(&h, sum);
	mbedtls_sha256_free(&h);
	for (int i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", sum[i]);
	*files = n;
}
