/* Pairing without a network: the cluster.state codec, and the responder's
 * checks driven straight through pairing_handle with made-up connections
 * and a fake clock (docs/PAIRING.md §3, §4 step 1). */
#include "check.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/base64.h>

#include "atomic_file.h"
#include "cluster_state.h"
#include "identity.h"
#include "pairing.h"
#include "passwd.h"
#include "rng.h"

static struct rng rng;
static struct identity id_b;
static char dir[] = "/tmp/twin-pairing-XXXXXX";
static uint64_t fake_now = 1000000;

static uint64_t fake_clock(void)
{
	return fake_now;
}

static void sample(struct cluster_state *cs)
{
	memset(cs, 0, sizeof(*cs));
	cs->cluster_id = 0x8f3a1c22;
	for (int i = 0; i < CS_KEY_LEN; i++)
		cs->key[i] = (uint8_t)(i * 7 + 1);
	cs->node_id = 1;
	cs->peer_id = 2;
	memset(cs->self_fp, 0xab, ID_FP_LEN);
	memset(cs->peer_fp, 0x12, ID_FP_LEN);
	snprintf(cs->peer_address, sizeof(cs->peer_address), "192.168.250.2");
	snprintf(cs->failover_ip, sizeof(cs->failover_ip), "10.0.0.10/24");
	cs->created = 1717000000;
}

static int parse_str(const char *text, struct cluster_state *cs, char *err, size_t errlen)
{
	err[0] = '\0';
	return cluster_state_parse(text, strlen(text), cs, err, errlen);
}

/* Replace the line starting with "key=" by repl ("" deletes it). */
static void edit(char *text, const char *key, const char *repl)
{
	char out[CS_TEXT_MAX * 2] = "", *line = text;

	while (*line) {
		char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) + 1 : strlen(line);
		if (strncmp(line, key, strlen(key)) == 0 && line[strlen(key)] == '=')
			strcat(out, repl);
		else
			strncat(out, line, n);
		line += n;
	}
	strcpy(text, out);
}

static void test_codec(void)
{
	struct cluster_state a, b;
	char text[CS_TEXT_MAX], t2[CS_TEXT_MAX * 2], err[160];

	sample(&a);
	int n = cluster_state_format(&a, text, sizeof(text));
	CHECK(n > 0);
	CHECK_CONTAINS(text, "version=1\ncluster_id=8f3a1c22\ncluster_key=");
	CHECK_CONTAINS(text, "\nnode_id=1\npeer_id=2\nself_fp=SHA256:abab abab");
	CHECK_CONTAINS(text, "\npeer_address=192.168.250.2\nfailover_ip=10.0.0.10/24\ncreated=1717000000\n");
	CHECK_EQ(parse_str(text, &b, err, sizeof(err)), 0);
	CHECK_STR(err, "");
	CHECK(memcmp(&a, &b, sizeof(a)) == 0);
	/* Too small a buffer is refused, not truncated. */
	CHECK_EQ(cluster_state_format(&a, text, 40), -1);
	n = cluster_state_format(&a, text, sizeof(text));

	static const struct {
		const char *key, *repl, *want;
	} bad[] = {
	    {"version", "version=2\n", "line 1: unsupported version"},
	    {"version", "", "missing version"},
	    {"cluster_id", "cluster_id=8F3A1C22\n", "line 2: invalid cluster_id"},
	    {"cluster_id", "cluster_id=00000000\n", "line 2: invalid cluster_id"},
	    {"cluster_key", "cluster_key=AAAA\n", "line 3: invalid cluster_key"},
	    {"node_id", "node_id=2\n", "node_id and peer_id are both 2"},
	    {"node_id", "node_id=256\n", "line 4: invalid node_id"},
	    {"node_id", "node_id=01\n", "line 4: invalid node_id"},
	    {"peer_id", "peer_id=0\n", "line 5: invalid peer_id"},
	    {"self_fp", "self_fp=abab\n", "line 6: invalid self_fp"},
	    {"peer_address", "peer_address=host.example\n", "line 8: invalid peer_address"},
	    {"failover_ip", "failover_ip=10.0.0.10\n", "line 9: invalid failover_ip"},
	    {"failover_ip", "failover_ip=10.0.0.10/33\n", "line 9: invalid failover_ip"},
	    {"created", "created=-1\n", "line 10: invalid created"},
	    {"created", "created=1\nextra=1\n", "line 11: unknown key 'extra'"},
	    {"created", "created=1\nnode_id=1\n", "line 11: node_id given twice"},
	    {"created", "created=1\n\n", "line 11: not key=value"},
	    {"created", "# comment\n", "line 10: not key=value"},
	    {"created", "created=1", "line 10: no newline at the end"},
	    {"peer_id", " peer_id=2\n", "line 5: unknown key ' peer_id'"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(t2, sizeof(t2), "%s", text);
		edit(t2, bad[i].key, bad[i].repl);
		int rc = parse_str(t2, &b, err, sizeof(err));
		CHECK_EQ(rc, -1);
		CHECK_CONTAINS(err, bad[i].want);
		CHECK_EQ(b.cluster_id, 0u); /* wiped */
	}

	/* Files: mode 0600, loaded back; a group-readable file is refused. */
	char path[128];
	snprintf(path, sizeof(path), "%s/codec.state", dir);
	CHECK_EQ(cluster_state_load(path, &b, err, sizeof(err)), 1);
	CHECK_EQ(cluster_state_save(path, &a, err, sizeof(err)), 0);
	struct stat st;
	CHECK_EQ(stat(path, &st), 0);
	CHECK_EQ(st.st_mode & 0777, 0600u);
	CHECK_EQ(cluster_state_load(path, &b, err, sizeof(err)), 0);
	CHECK(memcmp(&a, &b, sizeof(a)) == 0);
	chmod(path, 0640);
	CHECK_EQ(cluster_state_load(path, &b, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "chmod 600");
	unlink(path);

	CHECK(cluster_vip_valid("10.0.0.10/24"));
	CHECK(cluster_vip_valid("192.168.1.1/32"));
	CHECK(!cluster_vip_valid("10.0.0.10/0"));
	CHECK(!cluster_vip_valid("10.0.0.10/024"));
	CHECK(!cluster_vip_valid("127.0.0.1/8"));
	CHECK(!cluster_vip_valid("224.0.0.1/24"));
	CHECK(!cluster_vip_valid("10.0.0/24"));
	CHECK(!cluster_vip_valid("10.0.0.10/"));
	char cid[CS_ID_STR_MAX];
	cluster_id_str(0x1c22, cid);
	CHECK_STR(cid, "twin-00001c22");
}

/* --- responder --- */

/* Send one request (a NULL-terminated token list) as the peer 'who'. */
static int ask_v(struct pairing *p, const struct peerlink_peer *who, struct ctl_reply *rep, char **argv)
{
	int argc = 0;
	struct ctl_resp r;
	size_t len;
	char err[128];

	while (argv[argc])
		argc++;
	ctl_resp_init(&r);
	int handled = pairing_handle(p, who, argc, argv, &r);
	const char *data = ctl_resp_data(&r, &len);
	CHECK_EQ(ctl_reply_parse(rep, data, len, err, sizeof(err)), 0);
	ctl_resp_free(&r);
	return handled;
}

#define ask(p, who, rep, ...) ask_v(p, who, rep, (char *[]){__VA_ARGS__, NULL})

static int changes;
static void on_change(void *ctx, const struct cluster_state *cs)
{
	changes++;
}

static int exists(const char *name)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0;
}

static void test_responder(void)
{
	struct pairing *p;
	struct pairing_opts o = {.state_dir = dir,
				 .node_name = "bravo",
				 .id = &id_b,
				 .rng = &rng,
				 .changed = on_change,
				 .now_ms = fake_clock};
	struct peerlink_peer a = {
	    .mode = TLS_CHAN_PAIRING, .have_fp = 1, .addr = "192.168.250.1", .conn_id = 7};
	struct peerlink_peer other = a,
			     cl = {.mode = TLS_CHAN_CLUSTER, .addr = "192.168.250.1", .conn_id = 9};
	struct ctl_reply rep;
	char err[256], path[256];
	long long ll;

	memset(a.fp, 0x5a, ID_FP_LEN);
	other.conn_id = 8;
	CHECK_EQ(pairing_open(&p, &o, err, sizeof(err)), 0);
	CHECK(pairing_state(p) == NULL);

	/* pair-hello: unclustered, not locked */
	CHECK_EQ(ask(p, &a, &rep, "pair-hello", "1"), 1);
	CHECK(rep.ok);
	CHECK_STR(ctl_get(&rep, "clustered"), "false");
	CHECK_STR(ctl_get(&rep, "node.name"), "bravo");
	CHECK_STR(ctl_get(&rep, "version"), "1");
	CHECK(ctl_get(&rep, "retry_after_ms") == NULL);
	ctl_reply_free(&rep);

	/* No password file yet: refused, and that is not a failed try. */
	ask(p, &a, &rep, "pair-auth", "secret");
	CHECK(!rep.ok);
	CHECK_STR(rep.message, "no admin password set on peer");
	ctl_reply_free(&rep);
	CHECK_EQ(pairing_lockout(p, "192.168.250.1")->failures, 0u);

	passwd_file_path(NULL, dir, path, sizeof(path));
	CHECK_EQ(pairing_set_password(path, "secret", 1000, &rng, err, sizeof(err)), 0);

	/* Wrong password: lockout starts at 1 s. */
	ask(p, &a, &rep, "pair-auth", "guess");
	CHECK(!rep.ok);
	CHECK_STR(rep.message, "wrong password");
	CHECK_EQ(ctl_get_ll(&rep, "retry_after_ms", &ll), 0);
	CHECK_EQ(ll, 1000);
	ctl_reply_free(&rep);
	CHECK_EQ(pairing_lockout(p, "192.168.250.1")->failures, 1u);

	/* Locked: even the right password is not checked. */
	fake_now += 400;
	ask(p, &a, &rep, "pair-auth", "secret");
	CHECK(!rep.ok);
	CHECK_STR(rep.message, "locked, retry in 1 s");
	CHECK_EQ(ctl_get_ll(&rep, "retry_after_ms", &ll), 0);
	CHECK_EQ(ll, 600);
	ctl_reply_free(&rep);
	CHECK_EQ(pairing_lockout(p, "192.168.250.1")->failures, 1u);
	ask(p, &a, &rep, "pair-hello");
	CHECK_EQ(ctl_get_ll(&rep, "retry_after_ms", &ll), 0);
	ctl_reply_free(&rep);

	/* The lockout grows: 2 s after the second failure. */
	fake_now += 600;
	ask(p, &a, &rep, "pair-auth", "guess2");
	CHECK_STR(rep.message, "wrong password");
	CHECK_EQ(ctl_get_ll(&rep, "retry_after_ms", &ll), 0);
	CHECK_EQ(ll, 2000);
	ctl_reply_free(&rep);
	CHECK_EQ(pairing_lockout(p, "192.168.250.1")->failures, 2u);

	/* Propose before authenticating. */
	ask(p, &a, &rep, "pair-propose", "version=1");
	CHECK_STR(rep.message, "not authenticated: pair-auth first");
	ctl_reply_free(&rep);

	/* Right password after the wait. */
	fake_now += 2000;
	ask(p, &a, &rep, "pair-auth", "secret");
	CHECK(rep.ok);
	ctl_reply_free(&rep);
	CHECK_EQ(pairing_lockout(p, "192.168.250.1")->failures, 0u);

	/* One session at a time. */
	ask(p, &other, &rep, "pair-auth", "secret");
	CHECK_STR(rep.message, "busy: another pairing is in progress");
	ctl_reply_free(&rep);
	ask(p, &other, &rep, "pair-propose", "version=1");
	CHECK_STR(rep.message, "not authenticated: pair-auth first");
	ctl_reply_free(&rep);

	/* Proposal validation: nothing is kept from a bad one. */
	uint8_t key[CS_KEY_LEN];
	char b64[64], kv[80], short_kv[80];
	size_t olen;
	memset(key, 0x42, sizeof(key));
	mbedtls_base64_encode((unsigned char *)b64, sizeof(b64), &olen, key, sizeof(key));
	snprintf(kv, sizeof(kv), "cluster_key=%s", b64);
	mbedtls_base64_encode((unsigned char *)b64, sizeof(b64), &olen, key, 16);
	snprintf(short_kv, sizeof(short_kv), "cluster_key=%s", b64);
#define ID_OK "cluster_id=0000abcd"
	struct {
		const char *f[7];
		const char *want;
	} bad[] = {
	    {{"version=1", ID_OK, short_kv, "failover_ip=10.0.0.10/24", "initiator_id=1", "responder_id=2"},
	     "bad proposal: invalid cluster_key"},
	    {{"version=1", "cluster_id=00000000", kv, "failover_ip=10.0.0.10/24", "initiator_id=1",
	      "responder_id=2"},
	     "cluster_id must not be 0"},
	    {{"version=1", ID_OK, kv, "failover_ip=10.0.0.10", "initiator_id=1", "responder_id=2"},
	     "bad proposal: invalid failover_ip"},
	    {{"version=1", ID_OK, kv, "failover_ip=10.0.0.10/24", "initiator_id=2", "responder_id=2"},
	     "both nodes would have id 2"},
	    {{"version=1", ID_OK, kv, "failover_ip=10.0.0.10/24", "initiator_id=1"}, "fields missing"},
	    {{"version=2", ID_OK, kv, "failover_ip=10.0.0.10/24", "initiator_id=1", "responder_id=2"},
	     "invalid version"},
	    {{"version=1", ID_OK, kv, "failover_ip=10.0.0.10/24", "initiator_id=1", "responder_id=2", "x=1"},
	     "unknown field 'x=1'"},
	    {{"version=1", ID_OK, ID_OK, kv, "failover_ip=10.0.0.10/24", "initiator_id=1"},
	     "cluster_id given twice"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *argv[9] = {"pair-propose"};
		memcpy(argv + 1, bad[i].f, sizeof(bad[i].f)); /* NULL-terminated by the unused fields */
		ask_v(p, &a, &rep, argv);
		CHECK(!rep.ok);
		if (!strstr(rep.message, bad[i].want))
			fprintf(stderr, "proposal case %zu: got '%s'\n", i, rep.message);
		CHECK_CONTAINS(rep.message, bad[i].want);
		ctl_reply_free(&rep);
		ask(p, &a, &rep, "pair-commit", "0000abcd");
		CHECK_STR(rep.message, "nothing proposed on this connection");
		ctl_reply_free(&rep);
	}

	/* A good proposal, then the connection ends: dropped, nothing written. */
	ask(p, &a, &rep, "pair-propose", "version=1", ID_OK, kv, "failover_ip=10.0.0.10/24", "initiator_id=1",
	    "responder_id=2");
	CHECK(rep.ok);
	CHECK_STR(ctl_get(&rep, "name"), "bravo");
	ctl_reply_free(&rep);
	CHECK(!exists(CS_STATE_FILE));
	pairing_conn_closed(p, &a);
	ask(p, &a, &rep, "pair-commit", "0000abcd");
	CHECK(!rep.ok);
	ctl_reply_free(&rep);
	CHECK(!exists(CS_STATE_FILE));

	/* Again on a new connection, through to the commit. */
	a.conn_id = 10;
	ask(p, &a, &rep, "pair-auth", "secret");
	CHECK(rep.ok);
	ctl_reply_free(&rep);
	ask(p, &a, &rep, "pair-propose", "version=1", ID_OK, kv, "failover_ip=10.0.0.10/24", "initiator_id=1",
	    "responder_id=2");
	CHECK(rep.ok);
	ctl_reply_free(&rep);
	ask(p, &a, &rep, "pair-commit", "0000abce");
	CHECK_STR(rep.message, "commit does not match the proposal");
	ctl_reply_free(&rep);
	CHECK(!exists(CS_STATE_FILE));
	CHECK_EQ(changes, 0);
	ask(p, &a, &rep, "pair-commit", "0000abcd");
	CHECK(rep.ok);
	ctl_reply_free(&rep);
	CHECK(exists(CS_STATE_FILE));
	CHECK_EQ(changes, 1);

	const struct cluster_state *cs = pairing_state(p);
	CHECK(cs != NULL);
	if (cs) {
		CHECK_EQ(cs->cluster_id, 0xabcdu);
		CHECK_EQ(cs->node_id, 2);
		CHECK_EQ(cs->peer_id, 1);
		CHECK(memcmp(cs->key, key, CS_KEY_LEN) == 0);
		CHECK(memcmp(cs->peer_fp, a.fp, ID_FP_LEN) == 0);
		CHECK(memcmp(cs->self_fp, id_b.fp, ID_FP_LEN) == 0);
		CHECK_STR(cs->peer_address, "192.168.250.1");
		CHECK_STR(cs->failover_ip, "10.0.0.10/24");
	}
	struct cluster_state disk;
	snprintf(path, sizeof(path), "%s/%s", dir, CS_STATE_FILE);
	CHECK_EQ(cluster_state_load(path, &disk, err, sizeof(err)), 0);
	CHECK(cs && memcmp(&disk, cs, sizeof(disk)) == 0);

	/* Clustered comes first, even while a lockout would also refuse. */
	other.conn_id = 11;
	ask(p, &other, &rep, "pair-auth", "nope");
	CHECK_STR(rep.message, "already clustered");
	ctl_reply_free(&rep);
	ask(p, &other, &rep, "pair-hello");
	CHECK_STR(ctl_get(&rep, "clustered"), "true");
	ctl_reply_free(&rep);

	/* PAIRING peers get nothing but pair-*; CLUSTER verbs need the key. */
	ask(p, &other, &rep, "cluster-dissolve", "0000abcd");
	CHECK_STR(rep.message, "cluster-dissolve needs the cluster channel");
	ctl_reply_free(&rep);
	CHECK_EQ(ask(p, &other, &rep, "status"), 1);
	CHECK(!rep.ok);
	ctl_reply_free(&rep);
	CHECK_EQ(ask(p, &cl, &rep, "status"), 0); /* the daemon's own verbs */
	ctl_reply_free(&rep);
	ask(p, &cl, &rep, "pair-auth", "secret");
	CHECK_STR(rep.message, "already clustered");
	ctl_reply_free(&rep);

	ask(p, &cl, &rep, "cluster-status");
	CHECK(rep.ok);
	CHECK_STR(ctl_get(&rep, "cluster_id"), "0000abcd");
	CHECK_STR(ctl_get(&rep, "node_id"), "2");
	ctl_reply_free(&rep);

	/* Dissolve: the id must match; then the file is gone. */
	ask(p, &cl, &rep, "cluster-dissolve", "0000abce");
	CHECK(!rep.ok);
	ctl_reply_free(&rep);
	CHECK(exists(CS_STATE_FILE));
	ask(p, &cl, &rep, "cluster-dissolve", "0000abcd");
	CHECK(rep.ok);
	ctl_reply_free(&rep);
	CHECK(!exists(CS_STATE_FILE));
	CHECK(pairing_state(p) == NULL);
	CHECK_EQ(changes, 2);
	pairing_close(p);

	/* Start-up: a pending file beside a state file is stale. */
	struct cluster_state s;
	sample(&s);
	snprintf(path, sizeof(path), "%s/%s", dir, CS_STATE_FILE);
	CHECK_EQ(cluster_state_save(path, &s, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/%s", dir, CS_PENDING_FILE);
	CHECK_EQ(cluster_state_save(path, &s, err, sizeof(err)), 0);
	CHECK_EQ(pairing_open(&p, &o, err, sizeof(err)), 0);
	CHECK(pairing_state(p) != NULL);
	CHECK(!exists(CS_PENDING_FILE));
	char d[128];
	pairing_describe(p, d, sizeof(d));
	CHECK_STR(d, "clustered (cluster 8f3a1c22, node 1)");
	CHECK_EQ(pairing_dissolve_local(p, err, sizeof(err)), 0);
	CHECK(!exists(CS_STATE_FILE));
	pairing_close(p);

	/* A pending file alone: resolution scheduled, creating refused. */
	CHECK_EQ(cluster_state_save(path, &s, err, sizeof(err)), 0);
	o.resolve_wait_ms = 5000;
	CHECK_EQ(pairing_open(&p, &o, err, sizeof(err)), 0);
	CHECK(pairing_state(p) == NULL);
	CHECK_EQ(pairing_next_tick(p), fake_now + 5000);
	pairing_describe(p, d, sizeof(d));
	CHECK_STR(d, "cluster create unresolved (waiting for 192.168.250.2)");
	uint8_t fp[ID_FP_LEN] = {0};
	CHECK_EQ(
	    pairing_create(p, "192.168.250.2", 6941, fp, "10.0.0.10/24", "pw", NULL, NULL, err, sizeof(err)),
	    -1);
	CHECK_CONTAINS(err, "unresolved");
	CHECK_EQ(pairing_abort_pending(p, err, sizeof(err)), 0);
	CHECK(!exists(CS_PENDING_FILE));
	CHECK_EQ(pairing_next_tick(p), 0u);
	pairing_close(p);

	/* A corrupt cluster.state stops the daemon rather than guessing. */
	snprintf(path, sizeof(path), "%s/%s", dir, CS_STATE_FILE);
	CHECK_EQ(atomic_file_write(path, "version=1\n", 10, 0600, err, sizeof(err)), 0);
	CHECK_EQ(pairing_open(&p, &o, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "missing cluster_id");
	unlink(path);
	passwd_file_path(NULL, dir, path, sizeof(path));
	unlink(path);
}

static void run(void)
{
	char err[256], path[128];

	CHECK(mkdtemp(dir) != NULL);
	CHECK_EQ(rng_init(&rng, "test_pairing", err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/node.key", dir);
	CHECK_EQ(identity_load_or_create(&id_b, path, &rng, NULL, err, sizeof(err)), 0);
	test_codec();
	test_responder();
	unlink(path);
	rmdir(dir);
	identity_free(&id_b);
	rng_free(&rng);
}

TEST_MAIN("pairing", run())
