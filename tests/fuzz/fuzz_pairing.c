/* libFuzzer harness for what pairing parses: the pair-propose request a
 * peer sends (tokenized as the peer channel does, then
 * cluster_proposal_parse), the cluster.state / cluster.pending record
 * (cluster_state_parse) and key fingerprints (identity_fp_parse: typed by
 * the admin, stored in the record). The whole input is tried as each.
 * Invariants checked:
 *   - an accepted proposal has a non-zero cluster id, ids 1..255 that
 *     differ and a valid failover IP, and re-built the way the initiator
 *     builds it (pairing.c auth_cb) it parses to the same record;
 *   - an accepted record formats, and that text parses to the same record;
 *     a refused one is wiped and its reason is one line;
 *   - a parsed fingerprint formats as "SHA256:..." and re-parses to the
 *     same bytes. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/base64.h>

#include "cluster_state.h"
#include "ctl_proto.h"
#include "identity.h"

static void must(int cond)
{
	if (!cond)
		abort();
}

static int all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

static void fuzz_proposal(const char *data, size_t size)
{
	struct ctl_req req;
	struct cluster_state cs, again;
	char err[256], why[96], key[48], arg[6][96];
	size_t klen = 0;

	if (ctl_req_parse(&req, data, size, err, sizeof(err)) != 0)
		return;
	memset(why, 'x', sizeof(why));
	if (cluster_proposal_parse(req.argc - 1, req.argv + 1, &cs, why, sizeof(why)) != 0) {
		must(all_zero(&cs, sizeof(cs)) && memchr(why, '\0', sizeof(why)) && !strchr(why, '\n'));
		return;
	}
	must(cs.cluster_id != 0 && cs.node_id && cs.peer_id && cs.node_id != cs.peer_id);
	must(cluster_vip_valid(cs.failover_ip));
	must(all_zero(cs.self_fp, sizeof(cs.self_fp)) && !cs.peer_address[0] && !cs.created);

	/* the initiator's side: auth_cb */
	must(mbedtls_base64_encode((unsigned char *)key, sizeof(key), &klen, cs.key, CS_KEY_LEN) == 0);
	snprintf(arg[0], sizeof(arg[0]), "version=1");
	snprintf(arg[1], sizeof(arg[1]), "cluster_id=%08" PRIx32, cs.cluster_id);
	snprintf(arg[2], sizeof(arg[2]), "cluster_key=%s", key);
	snprintf(arg[3], sizeof(arg[3]), "failover_ip=%s", cs.failover_ip);
	snprintf(arg[4], sizeof(arg[4]), "initiator_id=%u", cs.peer_id);
	snprintf(arg[5], sizeof(arg[5]), "responder_id=%u", cs.node_id);
	char *const argv[] = {arg[0], arg[1], arg[2], arg[3], arg[4], arg[5]};
	must(cluster_proposal_parse(6, argv, &again, why, sizeof(why)) == 0);
	must(memcmp(&cs, &again, sizeof(cs)) == 0);
}

static void fuzz_record(const char *data, size_t size)
{
	struct cluster_state cs, again;
	char err[256], text[CS_TEXT_MAX];

	memset(err, 'x', sizeof(err));
	if (cluster_state_parse(data, size, &cs, err, sizeof(err)) != 0) {
		must(all_zero(&cs, sizeof(cs)) && memchr(err, '\0', sizeof(err)) && !strchr(err, '\n'));
		return;
	}
	int n = cluster_state_format(&cs, text, sizeof(text));
	must(n > 0);
	must(cluster_state_parse(text, (size_t)n, &again, err, sizeof(err)) == 0);
	must(memcmp(&cs, &again, sizeof(cs)) == 0);
}

static void fuzz_fp(const char *data, size_t size)
{
	uint8_t fp[ID_FP_LEN], again[ID_FP_LEN];
	char text[256], out[ID_FP_STR_MAX];

	if (size >= sizeof(text))
		return;
	memcpy(text, data, size);
	text[size] = '\0';
	if (identity_fp_parse(text, fp) != 0)
		return;
	identity_fp_format(fp, out);
	must(strncmp(out, "SHA256:", 7) == 0);
	must(identity_fp_parse(out, again) == 0 && memcmp(fp, again, ID_FP_LEN) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* exact-size heap copy so ASan sees any read past the end */
	char *p = malloc(size ? size : 1);

	if (!p)
		abort();
	memcpy(p, data, size);
	fuzz_proposal(p, size);
	fuzz_record(p, size);
	fuzz_fp(p, size);
	free(p);
	return 0;
}
