#!/usr/bin/env bash
# make test-net: every namespace test (tests/net/test_*.sh) in turn, each
# with its own namespaces; sums their "N passed, N failed" lines into the
# closing "net: N passed, N failed" (tests/lib/suite.sh). Root. Exits
# non-zero on any failure, on a suite that exits non-zero or prints no
# count, and if no test is found.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/suite.sh

for t in tests/net/test_*.sh; do
	[ -e "$t" ] || continue
	# not executable: it exits 126 and counts as a failure, not a skip
	run_suite "$(basename "$t" .sh)" "$t"
done
suite_total net
