/* peerlink and pairing over loopback: two links (A and B) in this process on
 * 127.0.0.1 with their own ports, driven by a small epoll loop, as twind
 * drives one. Deadlines are shortened so the drop tests stay fast. */
#define _GNU_SOURCE
#include "check.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cluster_state.h"
#include "identity.h"
#include "pairing.h"
#include "peerlink.h"
#include "rng.h"

#define HS_MS	400
#define SESS_MS 2000

static struct rng rng;
static struct identity id_a, id_b, id_c;
static char dir[] = "/tmp/twin-peerlink-XXXXXX";
static char dir_a[128], dir_b[128];
static const uint8_t key1[32] = "0123456789abcdef0123456789abcde";
static const uint8_t key2[32] = "0123456789abcdef0123456789abcdX";

/* A node: its link and, for the pairing tests, its pairing state. */
struct node {
	struct peerlink *pl;
	struct pairing *pa;
	struct identity *id;
	uint16_t port;
	/* what the test handler saw last */
	int seen;
	struct peerlink_peer who;
	char verb[32];
	int changed, closed;
};

static struct node na, nb;

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Handler: pairing when a node has it, else an echo of what was proven. */
static void handler(void *ctx, const struct peerlink_peer *who, int argc, char **argv, struct ctl_resp *resp)
{
	struct node *n = ctx;
	char fp[ID_FP_STR_MAX];

	n->seen++;
	n->who = *who;
	snprintf(n->verb, sizeof(n->verb), "%s", argv[0]);
	if (n->pa) {
		pairing_serve(n->pa, who, argc, argv, resp);
		return;
	}
	if (strcmp(argv[0], "fail") == 0) {
		ctl_resp_err(resp, "failed as asked");
		return;
	}
	ctl_resp_kv(resp, "mode", "%s", who->mode == TLS_CHAN_PAIRING ? "pairing" : "cluster");
	ctl_resp_kv(resp, "argc", "%d", argc);
	if (who->have_fp) {
		identity_fp_format(who->fp, fp);
		ctl_resp_kv(resp, "fp", "%s", fp);
	}
}

static void closed(void *ctx, const struct peerlink_peer *who)
{
	struct node *n = ctx;

	n->closed++;
	if (n->pa)
		pairing_conn_closed(n->pa, who);
}

static void changed(void *ctx, const struct cluster_state *cs)
{
	((struct node *)ctx)->changed++;
}

static void node_open(struct node *n, struct identity *id)
{
	struct peerlink_opts o = {.id = id,
				  .rng = &rng,
				  .handler = handler,
				  .closed = closed,
				  .ctx = n,
				  .handshake_ms = HS_MS,
				  .session_ms = SESS_MS};
	const char *addr[] = {"127.0.0.1"};
	char err[256];

	memset(n, 0, sizeof(*n));
	n->id = id;
	CHECK_EQ(peerlink_open(&n->pl, &o, err, sizeof(err)), 0);
	CHECK_EQ(peerlink_listen(n->pl, addr, 1, 0, err, sizeof(err)), 0);
	n->port = peerlink_port(n->pl);
	CHECK(n->port != 0);
}

/* Run both links until *flag is set or ms pass. Returns elapsed ms. */
static uint64_t run(const int *flag, uint64_t ms)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN};
	uint64_t t0 = mono_ms();

	ev.data.ptr = &na;
	epoll_ctl(ep, EPOLL_CTL_ADD, peerlink_fd(na.pl), &ev);
	ev.data.ptr = &nb;
	epoll_ctl(ep, EPOLL_CTL_ADD, peerlink_fd(nb.pl), &ev);
	while ((!flag || !*flag) && mono_ms() - t0 < ms) {
		struct epoll_event out[2];
		int k = epoll_wait(ep, out, 2, 20);
		for (int i = 0; i < k; i++) {
			struct node *n = out[i].data.ptr;
			peerlink_dispatch(n->pl, mono_ms());
			if (n->pa)
				pairing_tick(n->pa, mono_ms());
		}
		/* pairing resolution timers are not fds: poll them */
		if (na.pa && pairing_next_tick(na.pa))
			pairing_tick(na.pa, mono_ms());
	}
	close(ep);
	return mono_ms() - t0;
}

/* --- client results --- */

struct res {
	int done, status;
	char err[400];
	int have_fp;
	uint8_t fp[ID_FP_LEN];
	int ok;
	char msg[128], mode[16], seen_fp[ID_FP_STR_MAX], argc[8];
};

static void on_reply(void *ctx, int status, const struct ctl_reply *rep, const char *err,
		     const uint8_t peer_fp[ID_FP_LEN])
{
	struct res *r = ctx;

	r->done++;
	r->status = status;
	snprintf(r->err, sizeof(r->err), "%s", err);
	r->have_fp = peer_fp != NULL;
	if (peer_fp)
		memcpy(r->fp, peer_fp, ID_FP_LEN);
	if (rep) {
		const char *v;
		r->ok = rep->ok;
		snprintf(r->msg, sizeof(r->msg), "%s", rep->message);
		snprintf(r->mode, sizeof(r->mode), "%s", (v = ctl_get(rep, "mode")) ? v : "");
		snprintf(r->seen_fp, sizeof(r->seen_fp), "%s", (v = ctl_get(rep, "fp")) ? v : "");
		snprintf(r->argc, sizeof(r->argc), "%s", (v = ctl_get(rep, "argc")) ? v : "");
	}
}

static void request(struct res *r, uint16_t port, enum tls_chan_mode mode, const uint8_t *pin,
		    const uint8_t *key)
{
	const char *argv[] = {"hello", "a b", "c"};
	struct peerlink_target t = {.host = "127.0.0.1",
				    .port = port,
				    .mode = mode,
				    .pin_fp = pin,
				    .key = key,
				    .key_len = 32,
				    .cluster_id = "twin-00000001"};
	char err[256];

	memset(r, 0, sizeof(*r));
	CHECK(peerlink_call_start(na.pl, &t, 3, argv, on_reply, r, err, sizeof(err)) != NULL);
	CHECK_EQ(r->done, 0); /* never from inside the call */
	run(&r->done, 5000);
	CHECK_EQ(r->done, 1);
}

static void test_pairing_mode(void)
{
	struct res r;
	char fp[ID_FP_STR_MAX];

	/* Right pin: the server saw A's key, we saw B's. */
	request(&r, nb.port, TLS_CHAN_PAIRING, id_b.fp, NULL);
	CHECK_EQ(r.status, PEERLINK_OK);
	CHECK_STR(r.err, "");
	CHECK(r.ok);
	CHECK_STR(r.mode, "pairing");
	CHECK_STR(r.argc, "3");
	identity_fp_format(id_a.fp, fp);
	CHECK_STR(r.seen_fp, fp);
	CHECK(r.have_fp && memcmp(r.fp, id_b.fp, ID_FP_LEN) == 0);
	CHECK_STR(nb.verb, "hello");

	/* No pin: also fine (the probe). */
	request(&r, nb.port, TLS_CHAN_PAIRING, NULL, NULL);
	CHECK_EQ(r.status, PEERLINK_OK);
	CHECK(r.have_fp && memcmp(r.fp, id_b.fp, ID_FP_LEN) == 0);

	/* Wrong pin: refused, the message shows both keys, the handler never ran. */
	int seen = nb.seen;
	request(&r, nb.port, TLS_CHAN_PAIRING, id_c.fp, NULL);
	CHECK_EQ(r.status, PEERLINK_EAUTH);
	CHECK_CONTAINS(r.err, "peer's key fingerprint SHA256:");
	CHECK_CONTAINS(r.err, "does not match the expected SHA256:");
	identity_fp_format(id_b.fp, fp);
	CHECK_CONTAINS(r.err, fp);
	identity_fp_format(id_c.fp, fp);
	CHECK_CONTAINS(r.err, fp);
	CHECK(r.have_fp && memcmp(r.fp, id_b.fp, ID_FP_LEN) == 0);
	CHECK_EQ(nb.seen, seen);

	/* An error answer arrives as such, and the link goes on working. */
	const char *argv[] = {"fail"};
	struct peerlink_target t = {.host = "127.0.0.1", .port = nb.port, .mode = TLS_CHAN_PAIRING};
	memset(&r, 0, sizeof(r));
	CHECK(peerlink_call_start(na.pl, &t, 1, argv, on_reply, &r, fp, sizeof(fp)) != NULL);
	run(&r.done, 5000);
	CHECK_EQ(r.status, PEERLINK_OK);
	CHECK(!r.ok);
	CHECK_STR(r.msg, "failed as asked");
}

static void test_cluster_mode(void)
{
	struct res r;
	char err[256];

	/* Unclustered B listens in PAIRING only: a key is refused. */
	request(&r, nb.port, TLS_CHAN_CLUSTER, NULL, key1);
	CHECK_EQ(r.status, PEERLINK_EAUTH);
	CHECK_CONTAINS(r.err, "authentication with the cluster key failed");

	CHECK_EQ(peerlink_set_cluster(nb.pl, key1, 32, "twin-00000001", err, sizeof(err)), 0);
	request(&r, nb.port, TLS_CHAN_CLUSTER, NULL, key1);
	CHECK_EQ(r.status, PEERLINK_OK);
	CHECK(r.ok);
	CHECK_STR(r.mode, "cluster");
	CHECK_STR(r.seen_fp, "");
	CHECK(!r.have_fp);
	CHECK_EQ(nb.who.mode, TLS_CHAN_CLUSTER);

	int seen = nb.seen;
	request(&r, nb.port, TLS_CHAN_CLUSTER, NULL, key2);
	CHECK_EQ(r.status, PEERLINK_EAUTH);
	CHECK_CONTAINS(r.err, "peer 127.0.0.1:");
	CHECK_CONTAINS(r.err, "authentication with the cluster key failed");
	CHECK_EQ(nb.seen, seen);

	/* A clustered node still answers a pairing probe (ANY). */
	request(&r, nb.port, TLS_CHAN_PAIRING, id_b.fp, NULL);
	CHECK_EQ(r.status, PEERLINK_OK);
	CHECK_STR(r.mode, "pairing");

	/* The link's own key, as set_cluster gave it. */
	CHECK_EQ(peerlink_set_cluster(na.pl, key1, 32, "twin-00000001", err, sizeof(err)), 0);
	memset(&r, 0, sizeof(r));
	const char *argv[] = {"status"};
	CHECK_EQ(peerlink_request(na.pl, "127.0.0.1", nb.port, TLS_CHAN_CLUSTER, NULL, 1, argv, on_reply, &r,
				  err, sizeof(err)),
		 0);
	run(&r.done, 5000);
	CHECK_EQ(r.status, PEERLINK_OK);
	CHECK_STR(r.mode, "cluster");
	peerlink_set_unclustered(na.pl);
	CHECK_EQ(peerlink_request(na.pl, "127.0.0.1", nb.port, TLS_CHAN_CLUSTER, NULL, 1, argv, on_reply, &r,
				  err, sizeof(err)),
		 -1);
	CHECK_CONTAINS(err, "no cluster key");

	peerlink_set_unclustered(nb.pl);
	request(&r, nb.port, TLS_CHAN_CLUSTER, NULL, key1);
	CHECK_EQ(r.status, PEERLINK_EAUTH);
}

static void test_unreachable(void)
{
	struct res r;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sa);
	char want[96], err[128];

	/* A port nobody listens on: bind one, note it, close it. */
	CHECK_EQ(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	close(fd);
	request(&r, ntohs(sa.sin_port), TLS_CHAN_PAIRING, NULL, NULL);
	CHECK_EQ(r.status, PEERLINK_EUNREACH);
	snprintf(want, sizeof(want), "peer 127.0.0.1:%u unreachable (connection refused)",
		 ntohs(sa.sin_port));
	CHECK_STR(r.err, want);

	const char *argv[] = {"x"};
	CHECK_EQ(peerlink_request(na.pl, "peer.example", 6941, TLS_CHAN_PAIRING, NULL, 1, argv, on_reply, &r,
				  err, sizeof(err)),
		 -1);
	CHECK_CONTAINS(err, "not an IPv4 or IPv6 address");
}

static int tcp_connect(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = {
	    .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};

	CHECK_EQ(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Read until EOF or error (the server dropped us) while running the links;
 * 1 if dropped within ms, and what was received. */
static int dropped_within(int fd, uint64_t ms, char *got, size_t *got_len)
{
	uint64_t t0 = mono_ms();
	size_t have = 0;

	while (mono_ms() - t0 < ms) {
		run(NULL, 10);
		ssize_t n = recv(fd, got + have, 4096 - have, MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN)) {
			*got_len = have;
			return 1;
		}
		if (n > 0)
			have += (size_t)n;
	}
	*got_len = have;
	return 0;
}

static void test_hostile_clients(void)
{
	struct peerlink_stats st0, st;
	char got[4096];
	size_t len;

	/* Plain TCP with a request line: no application data, closed. */
	peerlink_get_stats(nb.pl, &st0);
	int seen = nb.seen;
	int fd = tcp_connect(nb.port);
	CHECK_EQ(send(fd, "pair-hello 1\n", 13, 0), 13);
	CHECK(dropped_within(fd, 1000, got, &len));
	CHECK(len == 0 || got[0] == 0x15); /* nothing, or a TLS alert record */
	CHECK(memmem(got, len, "ok", 2) == NULL && memmem(got, len, "error", 5) == NULL);
	close(fd);
	peerlink_get_stats(nb.pl, &st);
	CHECK_EQ(st.handshake_failed, st0.handshake_failed + 1);
	CHECK_EQ(nb.seen, seen);

	/* Silent client: dropped at the handshake deadline, not before. */
	uint64_t t0 = mono_ms();
	fd = tcp_connect(nb.port);
	CHECK(dropped_within(fd, HS_MS + 1500, got, &len));
	uint64_t took = mono_ms() - t0;
	CHECK(took >= HS_MS - 20);
	CHECK_EQ(len, 0u);
	close(fd);
	peerlink_get_stats(nb.pl, &st);
	CHECK_EQ(st.timeouts, st0.timeouts + 1);

	/* At most PEERLINK_MAX_SERVED at once: the next is turned away. */
	int fds[PEERLINK_MAX_SERVED + 1];
	for (int i = 0; i < PEERLINK_MAX_SERVED; i++)
		fds[i] = tcp_connect(nb.port);
	run(NULL, 50);
	fds[PEERLINK_MAX_SERVED] = tcp_connect(nb.port);
	CHECK(dropped_within(fds[PEERLINK_MAX_SERVED], 200, got, &len));
	peerlink_get_stats(nb.pl, &st);
	CHECK_EQ(st.busy, st0.busy + 1);
	for (int i = 0; i <= PEERLINK_MAX_SERVED; i++)
		close(fds[i]);
	run(NULL, HS_MS + 100); /* let B drop them */
}

/* --- pairing over loopback --- */

struct done {
	int n, rc;
	char msg[512];
	struct pairing_probe probe;
	int have_probe;
};

static void on_done(void *ctx, int rc, const char *msg, const struct pairing_probe *probe)
{
	struct done *d = ctx;

	d->n++;
	d->rc = rc;
	snprintf(d->msg, sizeof(d->msg), "%s", msg);
	if (probe) {
		d->probe = *probe;
		d->have_probe = 1;
	}
}

static int file_in(const char *d, const char *name)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", d, name);
	return stat(path, &st) == 0;
}

static void pairing_nodes(uint32_t resolve_wait_ms)
{
	struct pairing_opts o = {
	    .rng = &rng, .changed = changed, .resolve_wait_ms = resolve_wait_ms, .resolve_retry_ms = 100};
	char err[256];

	o.state_dir = dir_a;
	o.node_name = "alpha";
	o.id = &id_a;
	o.pl = na.pl;
	o.peer_port = nb.port;
	o.ctx = &na;
	CHECK_EQ(pairing_open(&na.pa, &o, err, sizeof(err)), 0);
	o.state_dir = dir_b;
	o.node_name = "bravo";
	o.id = &id_b;
	o.pl = nb.pl;
	o.peer_port = na.port;
	o.ctx = &nb;
	CHECK_EQ(pairing_open(&nb.pa, &o, err, sizeof(err)), 0);
}

static void pairing_nodes_close(void)
{
	pairing_close(na.pa);
	pairing_close(nb.pa);
	na.pa = nb.pa = NULL;
}

static void test_pair(void)
{
	struct done d = {0};
	char err[256], path[256];

	snprintf(path, sizeof(path), "%s/admin.passwd", dir_b);
	CHECK_EQ(pairing_set_password(path, "s3cret pass", 1000, &rng, err, sizeof(err)), 0);
	pairing_nodes(0);

	/* C1: probe shows B's key and that it is free. */
	CHECK_EQ(pairing_probe(na.pa, "127.0.0.1", nb.port, on_done, &d, err, sizeof(err)), 0);
	run(&d.n, 5000);
	CHECK_EQ(d.n, 1);
	CHECK_EQ(d.rc, 0);
	CHECK(d.have_probe && d.probe.have_fp && memcmp(d.probe.fp, id_b.fp, ID_FP_LEN) == 0);
	CHECK_EQ(d.probe.clustered, 0);
	CHECK_STR(d.probe.name, "bravo");

	/* Wrong password: nothing written anywhere, B's lockout grows. */
	memset(&d, 0, sizeof(d));
	CHECK_EQ(pairing_create(na.pa, "127.0.0.1", nb.port, id_b.fp, "10.0.0.10/24", "wrong", on_done, &d,
				err, sizeof(err)),
		 0);
	run(&d.n, 5000);
	CHECK_EQ(d.n, 1);
	CHECK_EQ(d.rc, -1);
	CHECK_STR(d.msg, "wrong admin password for 127.0.0.1 (next try in 1 s)");
	CHECK_EQ(pairing_lockout(nb.pa, "127.0.0.1")->failures, 1u);
	CHECK(!file_in(dir_a, CS_STATE_FILE) && !file_in(dir_a, CS_PENDING_FILE));
	CHECK(!file_in(dir_b, CS_STATE_FILE));

	/* Right away again: locked, still nothing written. */
	memset(&d, 0, sizeof(d));
	CHECK_EQ(pairing_create(na.pa, "127.0.0.1", nb.port, id_b.fp, "10.0.0.10/24", "s3cret pass", on_done,
				&d, err, sizeof(err)),
		 0);
	run(&d.n, 5000);
	CHECK_EQ(d.rc, -1);
	CHECK_CONTAINS(d.msg, "127.0.0.1 refuses pairing for 1 s after failed password tries");
	CHECK(!file_in(dir_a, CS_PENDING_FILE) && !file_in(dir_b, CS_STATE_FILE));

	/* Wrong pin for the create: refused in the handshake. */
	run(NULL, 1000); /* the lockout passes */
	memset(&d, 0, sizeof(d));
	CHECK_EQ(pairing_create(na.pa, "127.0.0.1", nb.port, id_c.fp, "10.0.0.10/24", "s3cret pass", on_done,
				&d, err, sizeof(err)),
		 0);
	run(&d.n, 5000);
	CHECK_EQ(d.rc, -1);
	CHECK_CONTAINS(d.msg, "does not match the expected");
	CHECK_CONTAINS(d.msg, "nothing was changed");

	/* The real thing. */
	memset(&d, 0, sizeof(d));
	na.changed = nb.changed = 0;
	CHECK_EQ(pairing_create(na.pa, "127.0.0.1", nb.port, id_b.fp, "10.0.0.10/24", "s3cret pass", on_done,
				&d, err, sizeof(err)),
		 0);
	run(&d.n, 5000);
	CHECK_EQ(d.n, 1);
	CHECK_EQ(d.rc, 0);
	CHECK_CONTAINS(d.msg, "created with 127.0.0.1 (bravo): this node is 1, the peer 2");
	CHECK_EQ(na.changed, 1);
	CHECK_EQ(nb.changed, 1);
	CHECK(!file_in(dir_a, CS_PENDING_FILE));

	struct cluster_state sa, sb;
	snprintf(path, sizeof(path), "%s/%s", dir_a, CS_STATE_FILE);
	CHECK_EQ(cluster_state_load(path, &sa, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/%s", dir_b, CS_STATE_FILE);
	CHECK_EQ(cluster_state_load(path, &sb, err, sizeof(err)), 0);
	CHECK_EQ(sa.cluster_id, sb.cluster_id);
	CHECK(sa.cluster_id != 0);
	CHECK(memcmp(sa.key, sb.key, CS_KEY_LEN) == 0);
	CHECK_EQ(sa.node_id, 1);
	CHECK_EQ(sa.peer_id, 2);
	CHECK_EQ(sb.node_id, 2);
	CHECK_EQ(sb.peer_id, 1);
	CHECK(memcmp(sa.self_fp, id_a.fp, ID_FP_LEN) == 0 && memcmp(sa.peer_fp, id_b.fp, ID_FP_LEN) == 0);
	CHECK(memcmp(sb.self_fp, id_b.fp, ID_FP_LEN) == 0 && memcmp(sb.peer_fp, id_a.fp, ID_FP_LEN) == 0);
	CHECK_STR(sa.failover_ip, "10.0.0.10/24");
	CHECK_STR(sb.failover_ip, "10.0.0.10/24");
	CHECK_STR(sa.peer_address, "127.0.0.1");
	CHECK_STR(sb.peer_address, "127.0.0.1");
	CHECK(pairing_state(na.pa) && pairing_state(nb.pa));

	/* Both links were re-keyed: a CLUSTER request with the link's key works. */
	struct res r = {0};
	const char *argv[] = {"cluster-status"};
	CHECK_EQ(peerlink_request(na.pl, "127.0.0.1", nb.port, TLS_CHAN_CLUSTER, NULL, 1, argv, on_reply, &r,
				  err, sizeof(err)),
		 0);
	run(&r.done, 5000);
	CHECK_EQ(r.status, PEERLINK_OK);
	CHECK(r.ok);

	/* A second create is refused here, and a probe of B says clustered. */
	CHECK_EQ(pairing_probe(na.pa, "127.0.0.1", nb.port, on_done, &d, err, sizeof(err)), -1);
	CHECK_STR(err, "this node is already in a cluster");

	/* Dissolve from A: both files go. */
	memset(&d, 0, sizeof(d));
	CHECK_EQ(pairing_dissolve(na.pa, on_done, &d, err, sizeof(err)), 0);
	run(&d.n, 5000);
	CHECK_EQ(d.rc, 0);
	CHECK_STR(d.msg, "cluster dissolved on both nodes");
	CHECK(!file_in(dir_a, CS_STATE_FILE));
	CHECK(!file_in(dir_b, CS_STATE_FILE));
	CHECK(!pairing_state(na.pa) && !pairing_state(nb.pa));
	CHECK_EQ(na.changed, 2);
	CHECK_EQ(nb.changed, 2);
	pairing_nodes_close();
}

/* §6: A restarts with cluster.pending; B decides by the key it accepts. */
static void test_resolution(void)
{
	struct cluster_state cs;
	char path[256], err[256];
	uint8_t key[CS_KEY_LEN];

	rng_bytes(&rng, key, sizeof(key));
	memset(&cs, 0, sizeof(cs));
	cs.cluster_id = 0x00c0ffee;
	memcpy(cs.key, key, CS_KEY_LEN);
	cs.node_id = 1;
	cs.peer_id = 2;
	memcpy(cs.self_fp, id_a.fp, ID_FP_LEN);
	memcpy(cs.peer_fp, id_b.fp, ID_FP_LEN);
	snprintf(cs.peer_address, sizeof(cs.peer_address), "127.0.0.1");
	snprintf(cs.failover_ip, sizeof(cs.failover_ip), "10.0.0.10/24");

	/* B never committed: it refuses the key, A drops pending. */
	snprintf(path, sizeof(path), "%s/%s", dir_a, CS_PENDING_FILE);
	CHECK_EQ(cluster_state_save(path, &cs, err, sizeof(err)), 0);
	pairing_nodes(50);
	CHECK(pairing_next_tick(na.pa) != 0);
	int gone = 0;
	for (int i = 0; i < 100 && !gone; i++) {
		run(NULL, 20);
		gone = !file_in(dir_a, CS_PENDING_FILE);
	}
	CHECK(gone);
	CHECK(!file_in(dir_a, CS_STATE_FILE));
	CHECK(pairing_state(na.pa) == NULL);
	pairing_nodes_close();

	/* B committed: A renames pending to state. */
	CHECK_EQ(cluster_state_save(path, &cs, err, sizeof(err)), 0);
	struct cluster_state csb = cs;
	csb.node_id = 2;
	csb.peer_id = 1;
	memcpy(csb.self_fp, id_b.fp, ID_FP_LEN);
	memcpy(csb.peer_fp, id_a.fp, ID_FP_LEN);
	snprintf(path, sizeof(path), "%s/%s", dir_b, CS_STATE_FILE);
	CHECK_EQ(cluster_state_save(path, &csb, err, sizeof(err)), 0);
	pairing_nodes(50);
	int done = 0;
	for (int i = 0; i < 100 && !done; i++) {
		run(NULL, 20);
		done = file_in(dir_a, CS_STATE_FILE);
	}
	CHECK(done);
	CHECK(!file_in(dir_a, CS_PENDING_FILE));
	CHECK(pairing_state(na.pa) && pairing_state(na.pa)->cluster_id == 0x00c0ffee);
	CHECK_EQ(pairing_dissolve_local(na.pa, err, sizeof(err)), 0);
	CHECK_EQ(pairing_dissolve_local(nb.pa, err, sizeof(err)), 0);
	pairing_nodes_close();
}

static void load_id(struct identity *id, const char *name)
{
	char path[128], err[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	CHECK_EQ(identity_load_or_create(id, path, &rng, NULL, err, sizeof(err)), 0);
	unlink(path);
}

static void run_all(void)
{
	char err[256];

	CHECK(mkdtemp(dir) != NULL);
	snprintf(dir_a, sizeof(dir_a), "%s/a", dir);
	snprintf(dir_b, sizeof(dir_b), "%s/b", dir);
	CHECK_EQ(mkdir(dir_a, 0700), 0);
	CHECK_EQ(mkdir(dir_b, 0700), 0);
	CHECK_EQ(rng_init(&rng, "test_peerlink", err, sizeof(err)), 0);
	load_id(&id_a, "a.key");
	load_id(&id_b, "b.key");
	load_id(&id_c, "c.key");
	node_open(&na, &id_a);
	node_open(&nb, &id_b);
	CHECK(na.port != nb.port);

	test_pairing_mode();
	test_cluster_mode();
	test_unreachable();
	test_hostile_clients();
	test_pair();
	test_resolution();

	peerlink_close(na.pl);
	peerlink_close(nb.pl);
	identity_free(&id_a);
	identity_free(&id_b);
	identity_free(&id_c);
	rng_free(&rng);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK_EQ(system(cmd), 0);
}

TEST_MAIN("peerlink", run_all())
