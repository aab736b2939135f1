# Shared by the scripts that run and sum test suites (tests/run-all.sh,
# tests/net/run.sh, tests/unit/run.sh, tests/bpf/run.sh). Source it.
#
# Every suite ends with a line "[NAME: ]N passed, N failed[, N skipped]".
# The rules that keep a broken suite from reading as a pass live here once:
#   - a skipped check is never a pass: skips count as failures;
#   - a non-zero exit with no failure counted is one failure;
#   - no count line, or a count of nothing (0 passed, 0 failed), is one
#     failure: a suite that ran no check proved nothing;
#   - a runner that ran no suite at all fails (suite_total).

SUITE_PASS=0 SUITE_FAIL=0 SUITE_RUN=0

# suite_parse RC <OUTPUT: SUITE_P and SUITE_F from the last count line of
# OUTPUT, a suite that exited with RC, by the rules above
suite_parse() {
	local rc=$1 line s
	line=$(grep -oE '[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?' | tail -n1)
	SUITE_P=$(sed -nE 's/^([0-9]+) passed.*/\1/p' <<<"$line")
	SUITE_F=$(sed -nE 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/p' <<<"$line")
	s=$(sed -nE 's/.*, ([0-9]+) skipped$/\1/p' <<<"$line")
	SUITE_P=${SUITE_P:-0}
	SUITE_F=$((${SUITE_F:-0} + ${s:-0}))
	if [ "$SUITE_F" -eq 0 ] && { [ "$rc" -ne 0 ] || [ "$SUITE_P" -eq 0 ]; }; then
		SUITE_F=1
	fi
}

# suite_add P F: adds one suite's figures to the totals
suite_add() {
	SUITE_PASS=$((SUITE_PASS + $1)) SUITE_FAIL=$((SUITE_FAIL + $2)) SUITE_RUN=$((SUITE_RUN + 1))
}

# run_suite NAME command...: runs a suite (a command or a shell function),
# shows its output, adds its count to the totals
run_suite() {
	local name=$1 out rc
	shift
	echo "=== $name"
	out=$(mktemp /tmp/twin-suite.XXXXXX)
	"$@" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	suite_parse "$rc" <"$out"
	rm -f "$out"
	suite_add "$SUITE_P" "$SUITE_F"
	echo "=== $name: $SUITE_P passed, $SUITE_F failed (exit $rc)"
}

# suite_total [NAME]: the closing line "[NAME: ]N passed, N failed";
# false on any failure, or if no suite ran
suite_total() {
	if [ "$SUITE_RUN" -eq 0 ]; then
		echo "not ok - no suite ran"
		SUITE_FAIL=$((SUITE_FAIL + 1))
	fi
	echo "${1:+$1: }$SUITE_PASS passed, $SUITE_FAIL failed"
	[ "$SUITE_FAIL" -eq 0 ]
}
