# shellcheck shell=bash
# The results table, for tests/bench/run.sh (sourced): made from whatever
# RESULTS holds, printed and written with the hand-written method
# (tests/bench/intro.md) to DOC.

kv() { # kv FILE KEY
	[ -f "$1" ] && sed -n "s/^$2=//p" "$1" | head -1
}

gap_stats() { # gap_stats CFG FAULT -> "n min median p99 max"
	local f="$RESULTS/gap-$1-$2.txt"
	[ -f "$f" ] || { echo "0 - - - -"; return; }
	awk '$3 != "FAIL" { print $3 }' "$f" | awk -f "$BENCH_DIR/stats.awk"
}

gap_fails() { [ -f "$RESULTS/gap-$1-$2.txt" ] && awk '$3 == "FAIL"' "$RESULTS/gap-$1-$2.txt" | wc -l || echo 0; }

# gap_cell CFG FAULT FIELD: one statistic; flagged when trials failed, as
# it then describes only the trials that did switch
gap_cell() {
	local v fails
	v=$(gap_stats "$1" "$2" | cut -d' ' -f"$3")
	fails=$(gap_fails "$1" "$2")
	[ "$fails" -gt 0 ] && [ "$v" != - ] && v="$v (of the $(gap_stats "$1" "$2" | cut -d' ' -f1) that switched)"
	echo "$v"
}

num() { [[ $1 =~ ^[0-9]+(\.[0-9]+)?$ ]]; }

ratio() { # ratio TWIN KA
	if num "$1" && num "$2" && awk -v k="$2" 'BEGIN { exit !(k > 0) }'; then
		awk -v t="$1" -v k="$2" 'BEGIN { printf "%.2f", t / k }'
	else
		echo "—"
	fi
}

target() { # target VALUE MAX: "≤ MAX: met|missed"
	local verdict="not measured"
	if num "$1"; then
		verdict=missed
		awk -v v="$1" -v m="$2" 'BEGIN { exit !(v <= m) }' && verdict=met
	fi
	echo "≤ $2: $verdict"
}

row() { # row MEASURE TWIN KA001 KA1 TARGET
	local t=${2:-—} k0=${3:-—} k1=${4:-—}
	printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$t" "$k0" "$k1" "$(ratio "$t" "$k0")" \
		"$(ratio "$t" "$k1")" "${5:-}"
}

max_of() { # max_of A B (either may be empty)
	awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" && b == "") exit; if (b == "" || a + 0 >= b + 0) print a; else print b }'
}

gap_rows() {
	local f label i stat t k0 k1 tg
	for f in death kill graceful; do
		case $f in
		death) label="node death" ;;
		kill) label="daemon SIGKILL" ;;
		graceful) label="graceful (Twin takeover / keepalived SIGTERM)" ;;
		esac
		[ -f "$RESULTS/gap-twin-$f.txt" ] || [ -f "$RESULTS/gap-ka0.01-$f.txt" ] || continue
		for i in 2 3 4 5; do
			stat=$(echo "- min median p99 max" | cut -d' ' -f"$i")
			t=$(gap_cell twin $f "$i")
			k0=$(gap_cell ka0.01 $f "$i")
			k1=$(gap_cell ka1 $f "$i")
			tg=""
			[ $f = death ] && [ "$stat" = median ] && tg=$(target "$t" 25)
			[ $f = death ] && [ "$stat" = p99 ] && tg=$(target "$t" 40)
			row "$label gap, $stat (ms)" "$t" "$k0" "$k1" "$tg"
		done
		row "$label: trials measured / failed" \
			"$(gap_stats twin $f | cut -d' ' -f1) / $(gap_fails twin $f)" \
			"$(gap_stats ka0.01 $f | cut -d' ' -f1) / $(gap_fails ka0.01 $f)" \
			"$(gap_stats ka1 $f | cut -d' ' -f1) / $(gap_fails ka1 $f)"
	done
}

stress_rows() {
	local t="$RESULTS/stress-twin.txt" k="$RESULTS/stress-ka0.01.txt"
	[ -f "$t" ] || [ -f "$k" ] || return 0
	row "stress + flood: false failovers (role changes)" "$(kv "$t" role_changes)" "$(kv "$k" role_changes)" \
		"" "$(target "$(kv "$t" role_changes)" 0)"
	row "stress + flood: lost probes" "$(kv "$t" lost)" "$(kv "$k" lost)" "" "$(target "$(kv "$t" lost)" 0)"
	row "stress + flood: longest client gap (ms)" "$(kv "$t" max_gap_ms)" "$(kv "$k" max_gap_ms)" ""
}

cost_rows() {
	local x="$RESULTS/cost-xdp.txt" t="$RESULTS/cost-twin.txt" k0="$RESULTS/cost-ka0.01.txt"
	local k1="$RESULTS/cost-ka1.txt" c f
	[ -f "$x" ] || [ -f "$t" ] || return 0
	row "XDP heartbeat frame, BPF_PROG_TEST_RUN (ns)" "$(kv "$x" xdp_heartbeat)" "" "" \
		"$(target "$(kv "$x" xdp_heartbeat)" 200)"
	row "XDP, every frame on eth1 of an idle pair, kernel stats (ns)" \
		"$(max_of "$(kv "$t" xdp_insitu_ns_a)" "$(kv "$t" xdp_insitu_ns_b)")" "" ""
	for c in cpu_pct rss_kb; do
		set --
		for f in "$t" "$k0" "$k1"; do
			local v
			v=$(max_of "$(kv "$f" ${c}_a)" "$(kv "$f" ${c}_b)")
			[ $c = rss_kb ] && num "$v" && v=$(awk -v v="$v" 'BEGIN { printf "%.1f", v / 1024 }')
			set -- "$@" "$v"
		done
		if [ $c = cpu_pct ]; then
			row "idle pair: daemon CPU, % of a core (busier node)" "$1" "$2" "$3" "$(target "$1" 1)"
		else
			row "idle pair: daemon RSS, MiB (larger node)" "$1" "$2" "$3" "$(target "$1" 8)"
		fi
	done
}

table() {
	echo "| Measure | Twin (default profile) | keepalived 0.01 s | keepalived 1 s | Twin ÷ ka 0.01 | Twin ÷ ka 1 | Twin target |"
	echo "|---|---:|---:|---:|---:|---:|---|"
	gap_rows
	stress_rows
	cost_rows
}

twin_log_stats() { # what twind said about its failovers in the gap run
	local logs=("$RESULTS"/gap-twin.[ab].log) provoked
	[ -f "${logs[0]}" ] || return 0
	# a death trial makes both nodes log it (the dead node loses its peer
	# too), a SIGKILL only the survivor: anything above that was unprovoked
	provoked=$(($(gap_stats twin death | cut -d' ' -f1) * 2 + $(gap_stats twin kill | cut -d' ' -f1)))
	echo "- twind logs of the gap run: $(cat "${logs[@]}" | grep -c 'dead: all paths silent') \`peer N dead\`" \
		"events ($provoked provoked by node-death and SIGKILL trials that switched)," \
		"$(cat "${logs[@]}" | grep -c 'ALARM: dual active') dual-active alarms, $(cat "${logs[@]}" | grep -c 'admin: release') releases."
	echo "- Twin claim (\`failover IP claimed in N us\`), ms: n/min/median/p99/max =" \
		"$(grep -ho 'claimed in [0-9]* us' "${logs[@]}" | awk '{print $3 / 1000}' |
			awk -f "$BENCH_DIR/stats.awk" | tr ' ' /)."
}

details() {
	local f p
	twin_log_stats
	for f in "$RESULTS"/stress-*.txt; do
		[ -f "$f" ] || continue
		p=$(basename "$f" .txt)
		p=${p#stress-}
		echo "- stress, $p: $(grep -v '^first=\|^last=\|^gap_ms=' "$f" | tr '\n' ' ')" \
			"(flood achieved: $(awk -v n="$(kv "$f" flood_sent)" -v s="$(kv "$RESULTS/meta-stress.txt" command |
				sed -n 's/.*STRESS_SECONDS=\([0-9]*\).*/\1/p')" 'BEGIN { if (s > 0) printf "%.0f", n / s; else printf "?" }') frames/s)"
	done
	for f in "$RESULTS"/cost-*.txt; do
		[ -f "$f" ] || continue
		p=$(basename "$f" .txt)
		echo "- ${p/-/, }: $(tr '\n' ' ' <"$f")"
	done
	for f in "$RESULTS"/gap-*.txt; do
		[ -f "$f" ] || continue
		awk '$3 == "FAIL"' "$f" | sed "s|^|- failed trial, $(basename "$f" .txt): |"
	done
}

runs() {
	local p
	for p in gap stress cost; do
		[ -f "$RESULTS/meta-$p.txt" ] || continue
		echo "- **$p**: $(kv "$RESULTS/meta-$p.txt" date), \`$(kv "$RESULTS/meta-$p.txt" command)\`" \
			"(Twin $(kv "$RESULTS/meta-$p.txt" twin); $(kv "$RESULTS/meta-$p.txt" keepalived);" \
			"$(kv "$RESULTS/meta-$p.txt" stress_ng); pair restarts: $(kv "$RESULTS/meta-$p.txt" resets))"
	done
}

machine() {
	echo "$(nproc) cores ($(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)," \
		"kernel $(uname -r), $(. /etc/os-release && echo "$PRETTY_NAME")"
}

report_write() { # report_write DOC
	local tbl
	tbl=$(table)
	echo
	echo "$tbl"
	{
		cat "$BENCH_DIR/intro.md"
		echo
		echo "## Results"
		echo
		echo "Machine: $(machine)."
		echo
		echo "Runs:"
		echo
		runs
		echo
		echo "$tbl"
		echo
		echo "### Details"
		echo
		details
	} >"$1"
	echo
	echo "# written to $1 (raw results in $RESULTS)"
}
