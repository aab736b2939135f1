#!/usr/bin/env bash
# Runs every unit test binary in DIR (built with ASan/UBSan) and sums them.
set -u
dir=${1:-build-san/tests}
pass=0 fail=0
for t in "$dir"/test_*; do
	[ -x "$t" ] || continue
	out=$("$t" 2>&1); rc=$?
	line=$(printf '%s\n' "$out" | grep -E ': [0-9]+ passed, [0-9]+ failed$' | tail -1)
	p=$(sed -nE 's/.*: ([0-9]+) passed, ([0-9]+) failed$/\1/p' <<<"$line")
	f=$(sed -nE 's/.*: ([0-9]+) passed, ([0-9]+) failed$/\2/p' <<<"$line")
	if [ -z "$line" ] || [ $rc -ne 0 ]; then
		printf '%s\n' "$out" | tail -30
		echo "FAIL $(basename "$t") (exit $rc)"
		fail=$((fail + ${f:-0} + ( ${f:-0} == 0 ? 1 : 0 )))
		pass=$((pass + ${p:-0}))
	else
		echo "ok   $line"
		pass=$((pass + p))
	fi
done
echo "unit: $pass passed, $fail failed"
[ $fail -eq 0 ]
