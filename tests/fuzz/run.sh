#!/usr/bin/env bash
# Fuzz smoke: every parser of untrusted input for FUZZ_SECONDS (default 15)
# each. A crash or sanitizer report fails the target.
set -u
cd "$(dirname "$0")/../.."
secs=${FUZZ_SECONDS:-15}
pass=0 fail=0
for f in tests/fuzz/fuzz_*.c; do
	t=$(basename "$f" .c)
	t=${t#fuzz_}
	if ./tests/fuzz/build.sh "$t" "$secs" >/tmp/twin-fuzz-$t.log 2>&1; then
		pass=$((pass + 1)); echo "ok - fuzz $t ${secs}s ($(grep -oE 'Done [0-9]+ runs' /tmp/twin-fuzz-$t.log | tail -1))"
	else
		fail=$((fail + 1)); echo "not ok - fuzz $t"; tail -30 /tmp/twin-fuzz-$t.log
	fi
done
echo "fuzz: $pass passed, $fail failed"
[ $fail -eq 0 ]
