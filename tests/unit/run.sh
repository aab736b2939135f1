#!/usr/bin/env bash
# Runs every unit test binary in DIR (built with ASan/UBSan) and sums them
# (tests/lib/suite.sh: a binary that exits non-zero or prints no count
# fails; no binary at all fails).
set -u
dir=${1:-build-san/tests}
. "$(dirname "$0")/../lib/suite.sh"
for t in "$dir"/test_*; do
	[ -x "$t" ] || continue
	out=$("$t" 2>&1)
	rc=$?
	suite_parse "$rc" <<<"$out"
	suite_add "$SUITE_P" "$SUITE_F"
	if [ "$SUITE_F" -ne 0 ] || [ $rc -ne 0 ]; then
		printf '%s\n' "$out" | tail -30
		echo "FAIL $(basename "$t") (exit $rc)"
	else
		echo "ok   $(grep -E ': [0-9]+ passed, [0-9]+ failed$' <<<"$out" | tail -1)"
	fi
done
suite_total unit
