# shellcheck shell=bash
# Cost, for tests/bench/run.sh (sourced): the XDP program's ns per frame
# (tests/tools/xdp_cost, BPF_PROG_TEST_RUN; and the kernel's own run-time
# stats on real traffic during the idle run), and CPU and RSS of an idle
# pair's daemons over COST_SECONDS.

proc_ticks() { # utime + stime of PIDs, in clock ticks
	local p t=0
	for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done
	echo "$t"
}

proc_rss_kb() {
	local p t=0
	for p in "$@"; do t=$((t + $(awk '/^VmRSS/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0))); done
	echo "$t"
}

xdp_prog_id() { ip -n "$(ns_of "$1")" -d link show eth1 | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p' | head -1; }

xdp_runtime() { # "run_time_ns run_cnt" of a program id
	bpftool prog show id "$1" 2>/dev/null | sed -n 's/.*run_time_ns \([0-9]*\) run_cnt \([0-9]*\).*/\1 \2/p'
}

cost_config() { # cost_config NAME -> $RESULTS/cost-NAME.txt
	local name=$1 out hz n t0 id stats_was
	out="$RESULTS/cost-$name.txt"
	hz=$(getconf CLK_TCK)
	topo_up
	prod_start
	wait_stable >/dev/null || { echo "error=pair never settled" >"$out"; topo_down; return 1; }
	sleep 2 # past start-up work
	: >"$out"
	if [ "$PRODUCT" = twin ]; then
		stats_was=$(sysctl -n kernel.bpf_stats_enabled)
		sysctl -qw kernel.bpf_stats_enabled=1
		for n in a b; do
			id=$(xdp_prog_id "$n")
			eval "XDP0_$n=\"$id $(xdp_runtime "$id")\""
		done
	fi
	for n in a b; do eval "T0_$n=$(proc_ticks $(prod_pids "$n"))"; done
	t0=$(date +%s.%N)
	sleep "$COST_SECONDS"
	for n in a b; do
		local ticks secs
		ticks=$(($(proc_ticks $(prod_pids "$n")) - $(eval "echo \$T0_$n")))
		secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
		echo "cpu_pct_$n=$(awk -v t="$ticks" -v hz="$hz" -v s="$secs" 'BEGIN { printf "%.3f", t / hz / s * 100 }')" >>"$out"
		echo "rss_kb_$n=$(proc_rss_kb $(prod_pids "$n"))" >>"$out"
		echo "role_$n=$(prod_role "$n")" >>"$out"
	done
	if [ "$PRODUCT" = twin ]; then
		for n in a b; do
			local v0 v1
			v0=$(eval "echo \$XDP0_$n")
			v1=$(xdp_runtime "${v0%% *}")
			# shellcheck disable=SC2086
			set -- $v0 $v1
			[ $# -eq 5 ] && [ $(($5 - $3)) -gt 0 ] &&
				echo "xdp_insitu_ns_$n=$((($4 - $2) / ($5 - $3))) xdp_insitu_frames_$n=$(($5 - $3))" | tr ' ' '\n' >>"$out"
		done
		sysctl -qw kernel.bpf_stats_enabled="$stats_was"
	fi
	sed 's/^/#   /' "$out" >&2
	save_logs "cost-$name"
	topo_down
}

xdp_cost_run() { # -> $RESULTS/cost-xdp.txt
	local out="$RESULTS/cost-xdp.txt"
	if [ -x "$TOOLS/xdp_cost" ]; then
		"$TOOLS/xdp_cost" -n 1000000 >"$RESULTS/xdp_cost.out" 2>&1
		sed -n 's/^xdp_cost \([a-z-]*\): \([0-9]*\) ns.*/xdp_\1=\2/p' "$RESULTS/xdp_cost.out" | tr - _ >"$out"
		sed 's/^/#   /' "$RESULTS/xdp_cost.out" >&2
	else
		echo "# xdp_cost not built: only the in-situ run-time stats are reported" >&2
		: >"$out"
	fi
}
