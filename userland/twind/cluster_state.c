/* cluster.state codec and files: see cluster_state.h. */
#include "cluster_state.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/base64.h>
#include <mbedtls/platform_util.h>

#include "atomic_file.h"

#define B64_KEY_LEN 44 /* base64 of 32 bytes, with padding */

void cluster_id_str(uint32_t id, char out[CS_ID_STR_MAX])
{
	snprintf(out, CS_ID_STR_MAX, "twin-%08x", id);
}

int cluster_vip_valid(const char *s)
{
	char buf[CS_VIP_MAX], *slash, *end;
	struct in_addr a;

	if (strlen(s) >= sizeof(buf))
		return 0;
	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (!slash || slash[1] < '0' || slash[1] > '9')
		return 0;
	*slash = '\0';
	errno = 0;
	unsigned long n = strtoul(slash + 1, &end, 10);
	if (*end || errno || n < 1 || n > 32 || (slash[1] == '0'))
		return 0;
	if (inet_pton(AF_INET, buf, &a) != 1)
		return 0;
	uint32_t h = ntohl(a.s_addr);
	/* 0.0.0.0/8, loopback, multicast and above, broadcast: never a service address */
	return !((h >> 24) == 0 || (h >> 24) == 127 || h >= 0xe0000000u);
}

static int addr_valid(const char *s)
{
	struct in6_addr a6;
	struct in_addr a4;

	return inet_pton(AF_INET, s, &a4) == 1 || inet_pton(AF_INET6, s, &a6) == 1;
}

int cluster_state_format(const struct cluster_state *cs, char *out, size_t outlen)
{
	char key[B64_KEY_LEN + 1], sfp[ID_FP_STR_MAX], pfp[ID_FP_STR_MAX];
	size_t klen = 0;

	if (!cs->cluster_id || !cs->node_id || !cs->peer_id || cs->node_id == cs->peer_id ||
	    !addr_valid(cs->peer_address) || !cluster_vip_valid(cs->failover_ip))
		return -1;
	if (mbedtls_base64_encode((unsigned char *)key, sizeof(key), &klen, cs->key, CS_KEY_LEN))
		return -1;
	identity_fp_format(cs->self_fp, sfp);
	identity_fp_format(cs->peer_fp, pfp);
	int n = snprintf(out, outlen,
			 "version=%d\ncluster_id=%08" PRIx32 "\ncluster_key=%s\nnode_id=%u\npeer_id=%u\n"
			 "self_fp=%s\npeer_fp=%s\npeer_address=%s\nfailover_ip=%s\ncreated=%" PRIu64 "\n",
			 CS_VERSION, cs->cluster_id, key, cs->node_id, cs->peer_id, sfp, pfp,
			 cs->peer_address, cs->failover_ip, cs->created);
	mbedtls_platform_zeroize(key, sizeof(key));
	if (n < 0 || (size_t)n >= outlen) {
		if (outlen)
			mbedtls_platform_zeroize(out, outlen);
		return -1;
	}
	return n;
}

/* --- parser --- */

enum { F_VERSION, F_ID, F_KEY, F_NODE, F_PEER, F_SELF_FP, F_PEER_FP, F_ADDR, F_VIP, F_CREATED, N_FIELDS };

static const char *field_name(int f)
{
	static const char *const n[N_FIELDS] = {"version",     "cluster_id", "cluster_key", "node_id",
						"peer_id",     "self_fp",    "peer_fp",	    "peer_address",
						"failover_ip", "created"};
	return n[f];
}

/* Decimal without sign, leading zeros or overflow; 0 or -1. */
static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s || (s[0] == '0' && s[1]))
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		unsigned d = (unsigned)(*s - '0');
		if (v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static int parse_field(struct cluster_state *cs, int f, const char *v, char *why, size_t wlen)
{
	uint64_t u;
	size_t olen;

	switch (f) {
	case F_VERSION:
		if (parse_u64(v, 1000, &u) || u != CS_VERSION) {
			snprintf(why, wlen, "unsupported version (this build reads %d)", CS_VERSION);
			return -1;
		}
		return 0;
	case F_ID: {
		char *end;
		if (strlen(v) != 8 || strspn(v, "0123456789abcdef") != 8)
			goto bad;
		cs->cluster_id = (uint32_t)strtoul(v, &end, 16);
		if (!cs->cluster_id)
			goto bad;
		return 0;
	}
	case F_KEY:
		if (strlen(v) != B64_KEY_LEN ||
		    mbedtls_base64_decode(cs->key, sizeof(cs->key), &olen, (const unsigned char *)v,
					  B64_KEY_LEN) ||
		    olen != CS_KEY_LEN)
			goto bad;
		return 0;
	case F_NODE:
	case F_PEER:
		if (parse_u64(v, 255, &u) || u == 0)
			goto bad;
		if (f == F_NODE)
			cs->node_id = (uint8_t)u;
		else
			cs->peer_id = (uint8_t)u;
		return 0;
	case F_SELF_FP:
	case F_PEER_FP:
		if (strncmp(v, "SHA256:", 7) ||
		    identity_fp_parse(v, f == F_SELF_FP ? cs->self_fp : cs->peer_fp))
			goto bad;
		return 0;
	case F_ADDR:
		if (strlen(v) >= sizeof(cs->peer_address) || !addr_valid(v))
			goto bad;
		snprintf(cs->peer_address, sizeof(cs->peer_address), "%s", v);
		return 0;
	case F_VIP:
		if (!cluster_vip_valid(v))
			goto bad;
		snprintf(cs->failover_ip, sizeof(cs->failover_ip), "%s", v);
		return 0;
	case F_CREATED:
		if (parse_u64(v, UINT64_MAX, &cs->created))
			goto bad;
		return 0;
	}
bad:
	snprintf(why, wlen, "invalid %s", field_name(f));
	return -1;
}

int cluster_state_parse(const char *text, size_t len, struct cluster_state *cs, char *err, size_t errlen)
{
	int seen[N_FIELDS] = {0};
	const char *s = text, *end = text + len;
	unsigned line = 0;
	char why[96], buf[256];

	memset(cs, 0, sizeof(*cs));
	if (len > CS_TEXT_MAX) {
		snprintf(err, errlen, "too large (%zu bytes, max %d)", len, CS_TEXT_MAX);
		return -1;
	}
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		line++;
		if (!nl) {
			snprintf(err, errlen, "line %u: no newline at the end (truncated file?)", line);
			goto fail;
		}
		size_t n = (size_t)(nl - s);
		const char *eq = memchr(s, '=', n);
		if (n >= sizeof(buf) || !eq || memchr(s, '\0', n)) {
			snprintf(err, errlen, "line %u: not key=value", line);
			goto fail;
		}
		memcpy(buf, s, n);
		buf[n] = '\0';
		buf[eq - s] = '\0';
		const char *k = buf, *v = buf + (eq - s) + 1;
		int f;
		for (f = 0; f < N_FIELDS && strcmp(k, field_name(f)); f++)
			;
		if (f == N_FIELDS) {
			snprintf(err, errlen, "line %u: unknown key '%.32s'", line, k);
			goto fail;
		}
		if (seen[f]) {
			snprintf(err, errlen, "line %u: %s given twice", line, k);
			goto fail;
		}
		seen[f] = 1;
		if (parse_field(cs, f, v, why, sizeof(why))) {
			snprintf(err, errlen, "line %u: %s", line, why);
			goto fail;
		}
		s = nl + 1;
	}
	for (int f = 0; f < N_FIELDS; f++)
		if (!seen[f]) {
			snprintf(err, errlen, "missing %s", field_name(f));
			goto fail;
		}
	if (cs->node_id == cs->peer_id) {
		snprintf(err, errlen, "node_id and peer_id are both %u", cs->node_id);
		goto fail;
	}
	mbedtls_platform_zeroize(buf, sizeof(buf));
	return 0;
fail:
	mbedtls_platform_zeroize(buf, sizeof(buf));
	mbedtls_platform_zeroize(cs, sizeof(*cs));
	return -1;
}

/* One "key=value" proposal token; -1 on a bad or repeated key. */
static int prop_token(struct cluster_state *cs, const char *tok, unsigned *seen, char *why, size_t wlen)
{
	static const char *const keys[] = {"version",	  "cluster_id",	  "cluster_key",
					   "failover_ip", "initiator_id", "responder_id"};
	const char *eq = strchr(tok, '=');
	size_t klen = eq ? (size_t)(eq - tok) : 0;
	unsigned k;
	char *end;
	size_t olen;

	for (k = 0; k < 6; k++)
		if (eq && strlen(keys[k]) == klen && strncmp(tok, keys[k], klen) == 0)
			break;
	if (k == 6) {
		snprintf(why, wlen, "unknown field '%.32s'", tok);
		return -1;
	}
	if (*seen & (1u << k)) {
		snprintf(why, wlen, "%s given twice", keys[k]);
		return -1;
	}
	*seen |= 1u << k;
	const char *v = eq + 1;
	errno = 0;
	switch (k) {
	case 0:
		if (strcmp(v, "1"))
			goto bad;
		return 0;
	case 1:
		if (strlen(v) != 8 || strspn(v, "0123456789abcdef") != 8)
			goto bad;
		cs->cluster_id = (uint32_t)strtoul(v, &end, 16);
		return cs->cluster_id ? 0 : (snprintf(why, wlen, "cluster_id must not be 0"), -1);
	case 2:
		if (mbedtls_base64_decode(cs->key, sizeof(cs->key), &olen, (const unsigned char *)v,
					  strlen(v)) ||
		    olen != CS_KEY_LEN)
			goto bad;
		return 0;
	case 3:
		if (!cluster_vip_valid(v))
			goto bad;
		snprintf(cs->failover_ip, sizeof(cs->failover_ip), "%s", v);
		return 0;
	default: {
		unsigned long id = strtoul(v, &end, 10);
		if (!*v || *end || errno || id < 1 || id > 255)
			goto bad;
		if (k == 4)
			cs->peer_id = (uint8_t)id;
		else
			cs->node_id = (uint8_t)id;
		return 0;
	}
	}
bad:
	snprintf(why, wlen, "invalid %s", keys[k]);
	return -1;
}

int cluster_proposal_parse(int argc, char *const argv[], struct cluster_state *cs, char *why, size_t wlen)
{
	unsigned seen = 0;

	memset(cs, 0, sizeof(*cs));
	for (int i = 0; i < argc; i++)
		if (prop_token(cs, argv[i], &seen, why, wlen))
			goto fail;
	if (seen != 0x3f) {
		snprintf(why, wlen, "fields missing");
		goto fail;
	}
	if (cs->node_id == cs->peer_id) {
		snprintf(why, wlen, "both nodes would have id %u", cs->node_id);
		goto fail;
	}
	return 0;
fail:
	mbedtls_platform_zeroize(cs, sizeof(*cs));
	return -1;
}

int cluster_state_load(const char *path, struct cluster_state *cs, char *err, size_t errlen)
{
	char *data = NULL, why[160];
	size_t len = 0;
	struct stat st;

	int rc = atomic_file_read(path, CS_TEXT_MAX, &data, &len, &st, err, errlen);
	if (rc)
		return rc;
	if (st.st_mode & 077) {
		snprintf(
		    err, errlen,
		    "%s holds the cluster key but is accessible by group or others (mode %04o): chmod 600 it",
		    path, (unsigned)(st.st_mode & 07777));
		atomic_file_free(data, len);
		return -1;
	}
	rc = cluster_state_parse(data, len, cs, why, sizeof(why));
	atomic_file_free(data, len);
	if (rc) {
		snprintf(err, errlen, "%s: %s", path, why);
		return -1;
	}
	return 0;
}

int cluster_state_save(const char *path, const struct cluster_state *cs, char *err, size_t errlen)
{
	char text[CS_TEXT_MAX];
	int n = cluster_state_format(cs, text, sizeof(text));

	if (n < 0) {
		snprintf(err, errlen, "write %s: invalid cluster record", path);
		return -1;
	}
	int rc = atomic_file_write(path, text, (size_t)n, 0600, err, errlen);
	mbedtls_platform_zeroize(text, sizeof(text));
	return rc;
}
