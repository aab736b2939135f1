#!/usr/bin/env bash
# Fuzz every parser of untrusted input (tests/fuzz/fuzz_*.c) for FUZZ_SECONDS
# each, on its committed corpus tests/fuzz/corpus/NAME/ plus the working
# corpus in build/fuzz (tests/fuzz/build.sh). Prints per target the execs,
# the coverage (libFuzzer's cov: edges and ft: features) and the crashes.
# A crash, a sanitizer report, a run that did not finish, or a target that
# does not build fails; nothing is skipped.
#   CI smoke (tests/run-all.sh): FUZZ_SECONDS default 15.
#   make fuzz [FUZZ_SECONDS=60] [FUZZ_TARGETS="ctl drbd9"] [FUZZ_FLAGS=-runs=10000000]
# FUZZ_FLAGS: more libFuzzer flags for every target (-runs=N ends a target
# after N execs, FUZZ_SECONDS still being the upper bound).
set -u
cd "$(dirname "$0")/../.." || exit 1
secs=${FUZZ_SECONDS:-15}
out=${FUZZ_OUT:-build/fuzz}
case $secs in '' | *[!0-9]*)
	echo "fuzz: FUZZ_SECONDS must be a whole number of seconds, not '$secs'" >&2
	exit 2
	;;
esac
targets=${FUZZ_TARGETS:-}
if [ -z "$targets" ]; then
	for f in tests/fuzz/fuzz_*.c; do
		t=$(basename "$f" .c)
		targets="$targets ${t#fuzz_}"
	done
fi
mkdir -p "$out"
pass=0 fail=0
for t in $targets; do
	log=$out/$t.log # in the build tree: another checkout's run must not write it
	mark=$(mktemp "$out/.mark.XXXXXX")
	# shellcheck disable=SC2086 # FUZZ_FLAGS is a list of flags
	./tests/fuzz/build.sh "$t" "$secs" ${FUZZ_FLAGS:-} >"$log" 2>&1
	rc=$?
	crashes=$(find "$out" -maxdepth 1 -name "crash-$t-*" -newer "$mark" | wc -l)
	rm -f "$mark"
	execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -1)
	cov=$(grep -aoE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$log" | tail -1 |
		sed -E 's/cov: ([0-9]+) ft: ([0-9]+) corp: ([0-9]+)/cov \1, ft \2, corpus \3/')
	figures="${execs:-0} execs, ${cov:-no coverage}, $crashes crashes"
	if [ $rc -eq 0 ] && [ "$crashes" -eq 0 ] && [ -n "$execs" ] && grep -aq "^Done $execs runs" "$log"; then
		pass=$((pass + 1))
		echo "ok - fuzz $t ${secs}s: $figures"
	else
		fail=$((fail + 1))
		echo "not ok - fuzz $t ${secs}s: $figures (exit $rc, log $log)"
		tail -30 "$log"
		# shellcheck disable=SC2012 # names are ours, no odd characters
		ls -t "$out"/crash-"$t"-* 2>/dev/null | head -3 | sed 's/^/  artifact: /'
	fi
done
echo "fuzz: $pass passed, $fail failed"
[ $fail -eq 0 ]
