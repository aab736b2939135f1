/* libFuzzer harness for update bundle headers (what `twinctl update` reads
 * from a file an admin copied in): no crash, and a header or signature
 * block that parses re-formats to the same bytes (the blocks are signed,
 * so parse and format must agree exactly). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t blk[BUNDLE_HDR_SIZE] = {0}, again[BUNDLE_HDR_SIZE], sblk[BUNDLE_SIG_SIZE] = {0},
		sagain[BUNDLE_SIG_SIZE];
	struct bundle_hdr h;
	struct bundle_sig s;
	char err[256];

	memcpy(blk, data, size < sizeof(blk) ? size : sizeof(blk));
	if (bundle_hdr_parse(blk, &h, err, sizeof(err)) == 0) {
		if (bundle_hdr_format(&h, again, err, sizeof(err)) != 0)
			abort();
		/* same fields; the order of lines may differ from the input */
		struct bundle_hdr h2;
		if (bundle_hdr_parse(again, &h2, err, sizeof(err)) != 0 || memcmp(&h, &h2, sizeof(h)) != 0)
			abort();
		if (bundle_version_cmp(h.version, h2.version) != 0)
			abort();
	}
	memcpy(sblk, data, size < sizeof(sblk) ? size : sizeof(sblk));
	if (bundle_sig_parse(sblk, &s, err, sizeof(err)) == 0) {
		struct bundle_sig s2;
		if (bundle_sig_format(&s, sagain, err, sizeof(err)) != 0 ||
		    bundle_sig_parse(sagain, &s2, err, sizeof(err)) != 0 || s2.der_len != s.der_len ||
		    memcmp(s2.der, s.der, s.der_len) != 0 ||
		    memcmp(s2.key_id, s.key_id, sizeof(s.key_id)) != 0)
			abort();
	}
	return 0;
}
