/* cfgsync: two nodes in temp dirs, every message through the control
 * protocol's builder and parser. A change travels A -> B; a newer copy is
 * never overwritten by an older one; concurrent edits converge on one
 * winner; node-local names, traversal, oversize and forged parts are
 * refused; versions survive a restart. */
#include "check.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/base64.h>
#include <mbedtls/sha256.h>

#include "cfgsync.h"

static char base[] = "/tmp/twin-cfgsync-XXXXXX";
static char err[512];

struct node {
	uint8_t id;
	char sync[256], state[256];
	struct cfgsync *cs;
};

static struct node A = {.id = 1}, B = {.id = 2};

static void node_open(struct node *n)
{
	struct cfgsync_opts o = {
	    .sync_dir = n->sync, .state_dir = n->state, .node_id = n->id, .deny = {"mykey"}};

	err[0] = '\0';
	CHECK_EQ(cfgsync_open(&n->cs, &o, err, sizeof(err)), 0);
	if (!n->cs)
		fprintf(stderr, "cfgsync_open: %s\n", err);
}

static void node_init(struct node *n, const char *name)
{
	char d[64];

	snprintf(d, sizeof(d), "%s/%s", base, name);
	mkdir(d, 0700);
	snprintf(n->sync, sizeof(n->sync), "%s/sync", d);
	snprintf(n->state, sizeof(n->state), "%s/state", d);
	mkdir(n->state, 0700);
	node_open(n);
}

static void put(const struct node *n, const char *name, const void *data, size_t len)
{
	char p[400];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", n->sync, name);
	f = fopen(p, "wb");
	CHECK(f != NULL);
	if (f) {
		CHECK_EQ(fwrite(data, 1, len, f), len);
		fclose(f);
	}
}

static void puts_(const struct node *n, const char *name, const char *s)
{
	put(n, name, s, strlen(s));
}

/* Content of a synced file, "<absent>" if missing. */
static const char *get(const struct node *n, const char *name)
{
	static char buf[4096];
	char p[400];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", n->sync, name);
	f = fopen(p, "rb");
	if (!f)
		return "<absent>";
	size_t k = fread(buf, 1, sizeof(buf) - 1, f);
	buf[k] = '\0';
	fclose(f);
	return buf;
}

static int exists(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int exists(const char *fmt, ...)
{
	char p[600];
	struct stat st;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p, sizeof(p), fmt, ap);
	va_end(ap);
	return lstat(p, &st) == 0;
}

static void scan(struct node *n, struct cfgsync_scan *sc)
{
	CHECK_EQ(cfgsync_scan(n->cs, sc, err, sizeof(err)), 0);
}

/* kv lines -> wire text -> parsed, as the peer channel carries them. */
static int wire(struct ctl_resp *r, struct ctl_reply *rep)
{
	size_t len;
	const char *text = ctl_resp_data(r, &len);
	int rc = ctl_reply_parse(rep, text, len, err, sizeof(err));

	CHECK_EQ(rc, 0);
	ctl_resp_free(r);
	return rc;
}

struct push {
	size_t want, newer, messages;
	struct cfgsync_result res; /* summed */
};

/* One whole exchange: from offers, to answers, from sends, to applies. */
static struct push push(struct node *from, struct node *to)
{
	struct push p = {0};
	struct cfgsync_scan sc;
	struct ctl_resp r;
	struct ctl_reply rep;
	struct cfgsync_names *want = malloc(sizeof(*want)), *newer = malloc(sizeof(*newer));
	struct cfgsync_send *s = malloc(sizeof(*s));

	scan(from, &sc);
	scan(to, &sc);
	ctl_resp_init(&r);
	CHECK_EQ(cfgsync_encode_offer(cfgsync_manifest(from->cs), &r), 0);
	if (wire(&r, &rep))
		goto out;
	ctl_resp_init(&r);
	CHECK_EQ(cfgsync_answer_offer(to->cs, &rep, &r, err, sizeof(err)), 0);
	ctl_reply_free(&rep);
	if (wire(&r, &rep))
		goto out;
	CHECK_EQ(cfgsync_decode_wants(&rep, want, newer, err, sizeof(err)), 0);
	ctl_reply_free(&rep);
	p.want = want->n;
	p.newer = newer->n;

	cfgsync_send_begin(s, want);
	for (;;) {
		struct cfgsync_result res;
		ctl_resp_init(&r);
		int more = cfgsync_send_next(from->cs, s, &r, err, sizeof(err));
		CHECK(more >= 0);
		if (more <= 0) {
			ctl_resp_free(&r);
			break;
		}
		p.messages++;
		if (wire(&r, &rep))
			break;
		CHECK_EQ(cfgsync_apply(to->cs, &rep, &res, err, sizeof(err)), 0);
		ctl_reply_free(&rep);
		/* the result travels back too */
		ctl_resp_init(&r);
		CHECK_EQ(cfgsync_encode_result(&res, &r), 0);
		if (wire(&r, &rep))
			break;
		CHECK_EQ(cfgsync_decode_result(&rep, &res, err, sizeof(err)), 0);
		ctl_reply_free(&rep);
		p.res.applied += res.applied;
		p.res.partial += res.partial;
		p.res.stale += res.stale;
		p.res.refused += res.refused;
		if (res.reason[0] && !p.res.reason[0])
			snprintf(p.res.reason, sizeof(p.res.reason), "%s", res.reason);
	}
out:
	free(want);
	free(newer);
	free(s);
	return p;
}

static const struct cfgsync_entry *ent(const struct node *n, const char *name)
{
	return cfgsync_find(cfgsync_manifest(n->cs), name);
}

/* A sync-files message with one forged part; data is raw bytes. */
static int forge(struct node *to, const char *name, uint64_t version, uint8_t origin, uint64_t size,
		 const void *data, size_t len, uint64_t off, const uint8_t *sha_or_null,
		 struct cfgsync_result *res)
{
	struct ctl_resp r;
	struct ctl_reply rep;
	uint8_t sha[32];
	char shahex[65], b64[4096];
	size_t olen = 0;

	if (sha_or_null)
		memcpy(sha, sha_or_null, 32);
	else
		mbedtls_sha256_ret(data, len, sha, 0);
	for (int i = 0; i < 32; i++)
		snprintf(shahex + 2 * i, 3, "%02x", sha[i]);
	CHECK_EQ(mbedtls_base64_encode((unsigned char *)b64, sizeof(b64), &olen, data, len), 0);
	ctl_resp_init(&r);
	ctl_resp_kv(&r, "count", "1");
	ctl_resp_kv(&r, "part.0.name", "%s", name);
	ctl_resp_kv(&r, "part.0.version", "%llu", (unsigned long long)version);
	ctl_resp_kv(&r, "part.0.origin", "%u", origin);
	ctl_resp_kv(&r, "part.0.deleted", "0");
	ctl_resp_kv(&r, "part.0.size", "%llu", (unsigned long long)size);
	ctl_resp_kv(&r, "part.0.sha256", "%s", shahex);
	ctl_resp_kv(&r, "part.0.offset", "%llu", (unsigned long long)off);
	ctl_resp_kv(&r, "part.0.data", "%s", b64);
	if (wire(&r, &rep))
		return -2;
	int rc = cfgsync_apply(to->cs, &rep, res, err, sizeof(err));
	ctl_reply_free(&rep);
	return rc;
}

static void test_change_travels(void)
{
	struct cfgsync_scan sc;
	struct push p;

	puts_(&A, "web.conf", "listen 80\n");
	puts_(&A, "empty.list", "");
	scan(&A, &sc);
	CHECK_EQ(sc.changed, 2u);
	CHECK_EQ(sc.refused, 0u);
	const struct cfgsync_entry *e = ent(&A, "web.conf");
	CHECK(e != NULL);
	if (!e)
		return;
	CHECK_EQ(e->origin, 1);
	CHECK(e->version >= 1);
	CHECK_EQ(e->size, 10u);
	scan(&A, &sc);
	CHECK_EQ(sc.changed, 0u); /* nothing new */

	p = push(&A, &B);
	CHECK_EQ(p.want, 2u);
	CHECK_EQ(p.res.applied, 2u);
	CHECK_EQ(p.res.refused, 0u);
	CHECK_STR(get(&B, "web.conf"), "listen 80\n");
	CHECK_STR(get(&B, "empty.list"), "");
	const struct cfgsync_entry *eb = ent(&B, "web.conf");
	CHECK(eb != NULL);
	if (!eb)
		return;
	CHECK_EQ(eb->version, e->version);
	CHECK_EQ(eb->origin, 1);
	CHECK(memcmp(eb->sha256, e->sha256, 32) == 0);

	/* nothing more to do: the peer wants nothing, has nothing newer */
	p = push(&A, &B);
	CHECK_EQ(p.want, 0u);
	CHECK_EQ(p.newer, 0u);
	CHECK_EQ(p.messages, 0u);
	scan(&B, &sc);
	CHECK_EQ(sc.changed, 0u); /* an applied file is not a local change */

	/* an edit, then a deletion, travel too */
	uint64_t v1 = ent(&A, "web.conf")->version;
	puts_(&A, "web.conf", "listen 8080\n");
	p = push(&A, &B);
	CHECK_EQ(p.res.applied, 1u);
	CHECK_STR(get(&B, "web.conf"), "listen 8080\n");
	CHECK(ent(&B, "web.conf")->version > v1);
	char path[400];
	snprintf(path, sizeof(path), "%s/empty.list", A.sync);
	CHECK_EQ(unlink(path), 0);
	p = push(&A, &B);
	CHECK_EQ(p.res.applied, 1u);
	CHECK_STR(get(&B, "empty.list"), "<absent>");
	CHECK(ent(&B, "empty.list") && ent(&B, "empty.list")->deleted);
	/* and a re-created file comes back with a newer version */
	puts_(&A, "empty.list", "back");
	p = push(&A, &B);
	CHECK_EQ(p.res.applied, 1u);
	CHECK_STR(get(&B, "empty.list"), "back");
}

static void test_newer_kept(void)
{
	struct cfgsync_scan sc;
	struct cfgsync_result res;
	struct push p;

	puts_(&A, "dns.conf", "ns1\n");
	p = push(&A, &B);
	CHECK_EQ(p.res.applied, 1u);
	const struct cfgsync_entry *ea = ent(&A, "dns.conf");
	if (!ea)
		return;
	uint64_t va = ea->version;

	/* B edits: B's copy is newer; A's offer of the older one is not wanted */
	puts_(&B, "dns.conf", "ns2 edited on B\n");
	scan(&B, &sc);
	CHECK_EQ(sc.changed, 1u);
	CHECK(ent(&B, "dns.conf")->version > va);
	p = push(&A, &B);
	CHECK_EQ(p.want, 0u);
	CHECK_EQ(p.newer, 1u); /* B tells A it has a newer copy */
	CHECK_STR(get(&B, "dns.conf"), "ns2 edited on B\n");

	/* and a forced send of the old version is refused as stale */
	CHECK_EQ(forge(&B, "dns.conf", va, 1, 4, "ns1\n", 4, 0, NULL, &res), 0);
	CHECK_EQ(res.stale, 1u);
	CHECK_EQ(res.applied, 0u);
	CHECK_STR(get(&B, "dns.conf"), "ns2 edited on B\n");

	/* an edit on B not yet scanned is not overwritten either: it is
	 * scanned on arrival and gets a version above anything seen */
	puts_(&B, "dns.conf", "unscanned edit\n");
	CHECK_EQ(forge(&B, "dns.conf", ent(&B, "dns.conf")->version + 1, 1, 4, "ns3\n", 4, 0, NULL, &res), 0);
	CHECK_EQ(res.stale, 1u);
	CHECK_STR(get(&B, "dns.conf"), "unscanned edit\n");

	/* B -> A brings A up to date (B's copy wins everywhere) */
	p = push(&B, &A);
	CHECK_EQ(p.res.applied, 1u);
	CHECK_STR(get(&A, "dns.conf"), "unscanned edit\n");
}

static void test_concurrent(void)
{
	struct cfgsync_scan sc;
	struct push p;

	puts_(&A, "ntp.conf", "base\n");
	push(&A, &B);
	CHECK_STR(get(&B, "ntp.conf"), "base\n");

	/* one edit on each side: same version, the tie goes to node 2 (B) */
	puts_(&A, "ntp.conf", "edit by A\n");
	puts_(&B, "ntp.conf", "edit by B\n");
	scan(&A, &sc);
	scan(&B, &sc);
	CHECK_EQ(ent(&A, "ntp.conf")->version, ent(&B, "ntp.conf")->version);
	p = push(&A, &B); /* A's copy loses the tie: B keeps its own */
	CHECK_EQ(p.want, 0u);
	CHECK_STR(get(&B, "ntp.conf"), "edit by B\n");
	p = push(&B, &A);
	CHECK_EQ(p.res.applied, 1u);
	CHECK_STR(get(&A, "ntp.conf"), "edit by B\n");
	CHECK_EQ(ent(&A, "ntp.conf")->origin, 2);
	/* the same winner whichever side offers first */
	CHECK_EQ(push(&A, &B).want, 0u);
	CHECK_EQ(push(&B, &A).want, 0u);

	/* a higher version wins over the node id: A edits twice, B once */
	puts_(&A, "ntp.conf", "A1\n");
	scan(&A, &sc);
	puts_(&A, "ntp.conf", "A2 second edit\n");
	scan(&A, &sc);
	puts_(&B, "ntp.conf", "B1\n");
	scan(&B, &sc);
	CHECK(ent(&A, "ntp.conf")->version > ent(&B, "ntp.conf")->version);
	p = push(&B, &A);
	CHECK_EQ(p.want, 0u);
	p = push(&A, &B);
	CHECK_EQ(p.res.applied, 1u);
	CHECK_STR(get(&A, "ntp.conf"), "A2 second edit\n");
	CHECK_STR(get(&B, "ntp.conf"), "A2 second edit\n");

	/* the pure order itself */
	CHECK(cfgsync_ver_cmp(5, 1, 4, 2) > 0);
	CHECK(cfgsync_ver_cmp(5, 1, 5, 2) < 0);
	CHECK(cfgsync_ver_cmp(5, 2, 5, 2) == 0);
}

static void test_refused_names(void)
{
	struct cfgsync_scan sc;
	struct cfgsync_result res;
	char why[64];

	puts_(&A, "twin.conf", "node_name a\n");
	puts_(&A, "cluster.key", "secret");
	puts_(&A, "node.key", "secret");
	puts_(&A, "mykey", "extra deny");
	puts_(&A, "bad name", "x");
	puts_(&A, ".hidden", "x");
	puts_(&A, "swap.tmp", "x");
	char p[400];
	snprintf(p, sizeof(p), "%s/subdir", A.sync);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/link", A.sync);
	CHECK_EQ(symlink("/etc/passwd", p), 0);
	scan(&A, &sc);
	CHECK_EQ(sc.changed, 0u);
	CHECK_EQ(sc.refused, 7u); /* twin.conf cluster.key node.key mykey "bad name" subdir link */
	CHECK_EQ(sc.ignored, 2u);
	CHECK(sc.reason[0] != '\0');
	const char *never[] = {"twin.conf", "cluster.key", "node.key", "mykey", "bad name", "subdir", "link"};
	for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++)
		CHECK(ent(&A, never[i]) == NULL);
	struct push pu = push(&A, &B);
	CHECK_EQ(pu.res.applied, 0u);
	CHECK(!exists("%s/twin.conf", B.sync));
	CHECK(!exists("%s/cluster.key", B.sync));

	/* a peer that sends them anyway is refused */
	CHECK_EQ(forge(&B, "twin.conf", 99, 1, 5, "evil\n", 5, 0, NULL, &res), 0);
	CHECK_EQ(res.refused, 1u);
	CHECK_CONTAINS(res.reason, "twin.conf: node-local file");
	CHECK(!exists("%s/twin.conf", B.sync));
	CHECK_EQ(forge(&B, "mykey", 99, 1, 1, "k", 1, 0, NULL, &res), 0);
	CHECK_EQ(res.refused, 1u);
	CHECK(!exists("%s/mykey", B.sync));

	CHECK_EQ(cfgsync_name_ok("twin.conf", why, sizeof(why)), 0);
	CHECK_STR(why, "node-local file, never synced");
	CHECK_EQ(cfgsync_name_ok("cert-2024.pem", why, sizeof(why)), 1);
	for (int i = 0; i < 7; i++) {
		const char *n[] = {"twin.conf", "cluster.key", "node.key", "mykey",
				   "bad name",	"link",	       ".hidden"};
		snprintf(p, sizeof(p), "%s/%s", A.sync, n[i]);
		unlink(p);
	}
	snprintf(p, sizeof(p), "%s/subdir", A.sync);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/swap.tmp", A.sync);
	unlink(p);
}

static void test_traversal(void)
{
	struct cfgsync_result res;
	const char *bad[] = {"../evil", "..", "a/b", "/etc/evil", ".ssh", "sub/../../evil", "x\ny"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = forge(&B, bad[i], 1000, 1, 4, "evil", 4, 0, NULL, &res);
		CHECK_EQ(rc, 0);
		CHECK_EQ(res.refused, 1u);
		CHECK_EQ(res.applied, 0u);
	}
	CHECK(!exists("%s/b/evil", base));
	CHECK(!exists("%s/evil", base));
	CHECK(!exists("/etc/evil"));
	CHECK(!exists("%s/.ssh", B.sync));
	CHECK(!exists("%s/a", B.sync));

	/* a forged offer listing them is never wanted */
	struct ctl_resp r;
	struct ctl_reply rep;
	ctl_resp_init(&r);
	ctl_resp_kv(&r, "clock", "5");
	ctl_resp_kv(&r, "count", "2");
	const char *names[] = {"../evil", "cluster.key"};
	for (int i = 0; i < 2; i++) {
		char k[64];
		snprintf(k, sizeof(k), "file.%d.name", i);
		ctl_resp_kv(&r, k, "%s", names[i]);
		snprintf(k, sizeof(k), "file.%d.version", i);
		ctl_resp_kv(&r, k, "5");
		snprintf(k, sizeof(k), "file.%d.origin", i);
		ctl_resp_kv(&r, k, "1");
		snprintf(k, sizeof(k), "file.%d.deleted", i);
		ctl_resp_kv(&r, k, "0");
		snprintf(k, sizeof(k), "file.%d.size", i);
		ctl_resp_kv(&r, k, "1");
		snprintf(k, sizeof(k), "file.%d.sha256", i);
		ctl_resp_kv(&r, k, "%064d", 0);
	}
	if (wire(&r, &rep) == 0) {
		struct cfgsync_names *want = malloc(sizeof(*want)), *newer = malloc(sizeof(*newer));
		ctl_resp_init(&r);
		CHECK_EQ(cfgsync_answer_offer(B.cs, &rep, &r, err, sizeof(err)), 0);
		ctl_reply_free(&rep);
		if (wire(&r, &rep) == 0) {
			CHECK_EQ(cfgsync_decode_wants(&rep, want, newer, err, sizeof(err)), 0);
			CHECK_EQ(want->n, 0u);
			ctl_reply_free(&rep);
		}
		free(want);
		free(newer);
	}
}

static void test_sizes(void)
{
	struct cfgsync_scan sc;
	struct cfgsync_result res;
	size_t big = CFGSYNC_FILE_MAX;
	unsigned char *buf = malloc(big + 1);
	char p[400];

	for (size_t i = 0; i < big + 1; i++)
		buf[i] = (unsigned char)(i * 7 + i / 251);
	/* exactly the limit: synced, in two messages */
	put(&A, "big.bin", buf, big);
	struct push pu = push(&A, &B);
	CHECK_EQ(pu.res.applied, 1u);
	CHECK_EQ(pu.res.partial, 1u);
	CHECK_EQ(pu.messages, 2u);
	snprintf(p, sizeof(p), "%s/big.bin", B.sync);
	FILE *f = fopen(p, "rb");
	unsigned char *got = malloc(big + 1);
	size_t n = f ? fread(got, 1, big + 1, f) : 0;
	if (f)
		fclose(f);
	CHECK_EQ(n, big);
	CHECK(memcmp(got, buf, big) == 0);
	free(got);

	/* one byte over: refused at the scan, the old version stays */
	uint64_t v = ent(&A, "big.bin")->version;
	put(&A, "big.bin", buf, big + 1);
	scan(&A, &sc);
	CHECK_EQ(sc.refused, 1u);
	CHECK_CONTAINS(sc.reason, "big.bin: too large (1048577 bytes, max 1048576)");
	CHECK_EQ(ent(&A, "big.bin")->version, v);
	CHECK_EQ(push(&A, &B).res.applied, 0u);
	snprintf(p, sizeof(p), "%s/big.bin", A.sync);
	unlink(p);

	/* a peer claiming a larger file: the message is refused whole */
	CHECK_EQ(forge(&B, "huge.bin", 1000, 1, (uint64_t)big + 1, "x", 1, 0, NULL, &res), -1);
	CHECK_CONTAINS(err, "sync files: part 0: missing or bad field");
	CHECK(!exists("%s/huge.bin", B.sync));

	/* data longer than the announced size, a wrong checksum, a part out of order */
	CHECK_EQ(forge(&B, "s.txt", 1000, 1, 2, "abcd", 4, 0, NULL, &res), 0);
	CHECK_EQ(res.refused, 1u);
	uint8_t zero[32] = {0};
	CHECK_EQ(forge(&B, "s.txt", 1000, 1, 4, "abcd", 4, 0, zero, &res), 0);
	CHECK_EQ(res.refused, 1u);
	CHECK_CONTAINS(res.reason, "sha256 mismatch");
	CHECK_EQ(forge(&B, "s.txt", 1000, 1, 8, "efgh", 4, 4, NULL, &res), 0);
	CHECK_EQ(res.refused, 1u);
	CHECK_CONTAINS(res.reason, "out of order");
	CHECK(!exists("%s/s.txt", B.sync));

	/* a local edit made while a file arrives in parts wins over it */
	uint8_t sha8[32];
	mbedtls_sha256_ret((const unsigned char *)"abcdefgh", 8, sha8, 0);
	CHECK_EQ(forge(&B, "m.txt", 2000, 1, 8, "abcd", 4, 0, sha8, &res), 0);
	CHECK_EQ(res.partial, 1u);
	puts_(&B, "m.txt", "local edit\n");
	CHECK_EQ(forge(&B, "m.txt", 2000, 1, 8, "efgh", 4, 4, sha8, &res), 0);
	CHECK_EQ(res.stale, 1u);
	CHECK_EQ(res.applied, 0u);
	CHECK_STR(get(&B, "m.txt"), "local edit\n");
	CHECK(ent(&B, "m.txt")->version > 2000);
	/* without the edit, the two parts make the file */
	CHECK_EQ(forge(&B, "n.txt", 3000, 1, 8, "abcd", 4, 0, sha8, &res), 0);
	CHECK_EQ(forge(&B, "n.txt", 3000, 1, 8, "efgh", 4, 4, sha8, &res), 0);
	CHECK_EQ(res.applied, 1u);
	CHECK_STR(get(&B, "n.txt"), "abcdefgh");
	pu = push(&B, &A); /* A catches up with both */
	CHECK_EQ(pu.res.applied, 2u);
	CHECK_STR(get(&A, "m.txt"), "local edit\n");

	/* all files together: at most 16 MiB */
	for (int i = 0; i < 17; i++) {
		snprintf(p, sizeof(p), "fill%02d.bin", i);
		buf[0] = (unsigned char)i;
		put(&A, p, buf, big);
	}
	scan(&A, &sc);
	CHECK(sc.refused >= 1u);
	CHECK_CONTAINS(sc.reason, "would exceed 16777216 bytes");
	for (int i = 0; i < 17; i++) {
		snprintf(p, sizeof(p), "%s/fill%02d.bin", A.sync, i);
		unlink(p);
	}
	/* the deletions reach B: big.bin goes, the fills B never had are not wanted */
	pu = push(&A, &B);
	CHECK_EQ(pu.want, 1u);
	CHECK_EQ(pu.res.applied, 1u);
	CHECK(!exists("%s/big.bin", B.sync));
	free(buf);
}

static void test_restart(void)
{
	struct cfgsync_scan sc;

	scan(&A, &sc);
	scan(&B, &sc);
	struct cfgsync_manifest *ma = malloc(sizeof(*ma));
	*ma = *cfgsync_manifest(A.cs);
	CHECK(ma->n >= 3);
	cfgsync_close(A.cs);
	cfgsync_close(B.cs);
	node_open(&A);
	node_open(&B);
	if (!A.cs || !B.cs) {
		free(ma);
		return;
	}
	const struct cfgsync_manifest *m2 = cfgsync_manifest(A.cs);
	CHECK_EQ(m2->n, ma->n);
	CHECK_EQ(m2->clock, ma->clock);
	for (size_t i = 0; i < ma->n && i < m2->n; i++) {
		CHECK_STR(m2->e[i].name, ma->e[i].name);
		CHECK_EQ(m2->e[i].version, ma->e[i].version);
		CHECK_EQ(m2->e[i].origin, ma->e[i].origin);
		CHECK_EQ(m2->e[i].deleted, ma->e[i].deleted);
		CHECK(memcmp(m2->e[i].sha256, ma->e[i].sha256, 32) == 0);
	}
	scan(&A, &sc);
	CHECK_EQ(sc.changed, 0u);
	struct push p = push(&A, &B);
	CHECK_EQ(p.want, 0u);
	CHECK_EQ(p.newer, 0u);
	/* the next local version is above everything from before */
	puts_(&A, "web.conf", "after restart\n");
	scan(&A, &sc);
	CHECK_EQ(sc.changed, 1u);
	CHECK(ent(&A, "web.conf")->version > ma->clock);
	CHECK_EQ(push(&A, &B).res.applied, 1u);
	CHECK_STR(get(&B, "web.conf"), "after restart\n");
	free(ma);

	/* a damaged manifest is an error, not a silent reset */
	char path[400];
	snprintf(path, sizeof(path), "%s/%s", B.state, CFGSYNC_MANIFEST);
	FILE *f = fopen(path, "a");
	if (f) {
		fputs("file ../x 1 1 0 0 00 0\n", f);
		fclose(f);
	}
	struct cfgsync *cs = NULL;
	struct cfgsync_opts o = {.sync_dir = B.sync, .state_dir = B.state, .node_id = 2};
	CHECK_EQ(cfgsync_open(&cs, &o, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "malformed");
	/* sync_dir must not be the state directory */
	o.sync_dir = B.state;
	CHECK_EQ(cfgsync_open(&cs, &o, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "is the state directory");
}

static void rm_tree(const char *d)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	CHECK_EQ(system(cmd), 0);
}

/* the digest twinctl diag compares: each node's manifest order and
 * tombstones do not matter, a version or a content does */
static void test_digest(void)
{
	static struct cfgsync_manifest m1, m2;
	char d1[CFGSYNC_DIGEST_LEN], d2[CFGSYNC_DIGEST_LEN];
	uint64_t v1, v2;
	size_t f1, f2;

	memset(&m1, 0, sizeof(m1));
	memset(&m2, 0, sizeof(m2));
	m1.n = 2;
	snprintf(m1.e[0].name, sizeof(m1.e[0].name), "a.conf");
	m1.e[0].version = 3;
	m1.e[0].origin = 1;
	snprintf(m1.e[1].name, sizeof(m1.e[1].name), "b.conf");
	m1.e[1].version = 5;
	m1.e[1].origin = 2;
	m1.e[1].sha256[0] = 0xaa;
	m2.n = 3; /* the same files the other way round, and a tombstone */
	m2.e[0] = m1.e[1];
	m2.e[1] = m1.e[0];
	snprintf(m2.e[2].name, sizeof(m2.e[2].name), "old.conf");
	m2.e[2].version = 9;
	m2.e[2].origin = 1;
	m2.e[2].deleted = 1;
	cfgsync_digest(&m1, d1, &v1, &f1);
	cfgsync_digest(&m2, d2, &v2, &f2);
	CHECK_EQ(strlen(d1), 16);
	CHECK_STR(d1, d2);
	CHECK_EQ(v1, 5);
	CHECK_EQ(v2, 5);
	CHECK_EQ(f1, 2);
	CHECK_EQ(f2, 2);
	m2.e[0].sha256[0] = 0xab;
	cfgsync_digest(&m2, d2, &v2, &f2);
	CHECK(strcmp(d1, d2) != 0);
	m2.e[0].sha256[0] = 0xaa;
	m2.e[1].version = 4;
	cfgsync_digest(&m2, d2, &v2, &f2);
	CHECK(strcmp(d1, d2) != 0);
}

TEST_MAIN("cfgsync", {
	test_digest();
	CHECK(mkdtemp(base) != NULL);
	node_init(&A, "a");
	node_init(&B, "b");
	if (A.cs && B.cs) {
		test_change_travels();
		test_newer_kept();
		test_concurrent();
		test_refused_names();
		test_traversal();
		test_sizes();
		test_restart();
	}
	cfgsync_close(A.cs);
	cfgsync_close(B.cs);
	rm_tree(base);
})
