/* libFuzzer harness for the IPv6 ND parser (nd_wire.c): what a raw ICMPv6
 * socket hands the duplicate check is untrusted LAN input.
 * Invariants checked:
 *   - a parse that succeeds is an NS or NA with code 0, and its target is
 *     bytes 8..23 of the input;
 *   - a link-layer address is reported only from an option inside the input;
 *   - an NA re-built from what was parsed parses to the same target,
 *     flags (the three defined bits) and link-layer address;
 *   - only an NA for the probed address from another MAC is a conflict. */
#define _GNU_SOURCE /* memmem */
#include "nd_wire.h"

#include <stdlib.h>
#include <string.h>

static const uint8_t our_mac[6] = {0x02, 0, 0, 0, 0, 1};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nd_seen m, again;
	uint8_t buf[ND_NA_LEN];

	if (nd_parse(data, size, &m) < 0)
		return 0;
	if (size < 24 || data[1] != 0 || (m.type != ND_TYPE_NS && m.type != ND_TYPE_NA) || m.type != data[0])
		abort();
	if (memcmp(&m.target, data + 8, 16))
		abort();
	if (m.has_lla && !memmem(data + 24, size - 24, m.lla, 6))
		abort();
	if (m.type == ND_TYPE_NA) {
		uint8_t lla[6] = {0};

		if (m.has_lla)
			memcpy(lla, m.lla, 6);
		nd_build_na(buf, sizeof(buf), &m.target, lla, m.flags);
		if (nd_parse(buf, sizeof(buf), &again) < 0 || memcmp(&again.target, &m.target, 16) ||
		    again.flags != (m.flags & (ND_NA_F_ROUTER | ND_NA_F_SOLICITED | ND_NA_F_OVERRIDE)) ||
		    !again.has_lla || memcmp(again.lla, lla, 6))
			abort();
	}
	enum nd_conflict c = nd_is_conflict(&m, 255, &m.target, our_mac);
	int want = m.type == ND_TYPE_NA && !(m.has_lla && !memcmp(m.lla, our_mac, 6));
	if ((c == ND_IN_USE) != want)
		abort();
	return 0;
}
