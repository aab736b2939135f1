#!/usr/bin/env bash
# Failover benchmark, Twin vs keepalived (VRRPv3), on the namespace pair of
# the functional tests (tests/net/lib.sh). Root. `make bench` runs it all.
#
#   tests/bench/run.sh [gap] [stress] [cost] [report]    default: all of them
#
#   gap     failover gap seen by the client: node death, daemon SIGKILL,
#           graceful handover; Twin (default profile), keepalived at
#           advert_int 1 and 0.01
#   stress  false failovers under stress-ng + a garbage flood (Twin and
#           keepalived 0.01)
#   cost    XDP ns/frame, daemon CPU and RSS of an idle pair
#   report  only rebuild the table and docs/BENCHMARKS.md from the results
#
# Environment (defaults in brackets):
#   TRIALS [20]  STRESS_SECONDS [300]  COST_SECONDS [60]  FLOOD_RATE [100000]
#   FAULTS ["death kill graceful"]  KA_ADVERTS ["1 0.01"]
#   KA_RT_PRIO []  give keepalived's VRRP process SCHED_RR at this priority
#                  (keepalived's default is none; twind's is SCHED_FIFO 50)
#   BUILD [build]  RESULTS [$BUILD/bench]  DOC [docs/BENCHMARKS.md]
# Every part writes its raw results under RESULTS; the report is made from
# whatever parts are there, so parts can be rerun one at a time. Namespaces
# and processes are removed on exit, also on Ctrl-C or failure.
set -u
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$BENCH_DIR/../.." && pwd)
export BUILD=${BUILD:-$TOP/build}
RESULTS=${RESULTS:-$BUILD/bench}
DOC=${DOC:-$TOP/docs/BENCHMARKS.md}
TRIALS=${TRIALS:-20}
STRESS_SECONDS=${STRESS_SECONDS:-300}
COST_SECONDS=${COST_SECONDS:-60}
FLOOD_RATE=${FLOOD_RATE:-100000}
FAULTS=${FAULTS:-death kill graceful}
KA_ADVERTS=${KA_ADVERTS:-1 0.01}
FAULT=$BUILD/bench/fault
RESETS=0

PARTS=${*:-gap stress cost report}
for p in $PARTS; do
	case $p in gap | stress | cost | report) ;; *) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//' >&2 && exit 2 ;; esac
done
[ "$(id -u)" = 0 ] || { echo "bench: needs root (namespaces, XDP)" >&2; exit 2; }
mkdir -p "$RESULTS"

if [ "$PARTS" != report ]; then
	# --- what the bench needs: our binaries, keepalived, stress-ng
	for f in "$BUILD/twind" "$BUILD/twinctl" "$BUILD/tools/prober" "$BUILD/tools/responder" \
		"$BUILD/tools/hbinject"; do
		[ -x "$f" ] || { echo "bench: $f missing: run make (BUILD=$BUILD) first" >&2; exit 1; }
	done
	if ! command -v keepalived >/dev/null || ! command -v stress-ng >/dev/null; then
		echo "# installing keepalived and stress-ng (Debian packages)"
		{ apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q keepalived stress-ng; } \
			>"$RESULTS/apt.log" 2>&1 || { echo "bench: apt-get failed, see $RESULTS/apt.log" >&2; exit 1; }
	fi
	mkdir -p "$BUILD/bench"
	if [ ! -x "$FAULT" ] || [ "$BENCH_DIR/fault.c" -nt "$FAULT" ]; then
		${CC:-cc} -std=gnu11 -O2 -Wall -Wextra -Werror -o "$FAULT" "$BENCH_DIR/fault.c" || exit 1
	fi

	# --- the topology and its cleanup (lib.sh removes namespaces and their
	# processes on exit); the bench adds its own bits to that
	# shellcheck source=../net/lib.sh
	. "$TOP/tests/net/lib.sh"
	. "$BENCH_DIR/products.sh"
	. "$BENCH_DIR/gap.sh"
	. "$BENCH_DIR/stress.sh"
	. "$BENCH_DIR/cost.sh"
	STATS_WAS=$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null)
	bench_cleanup() {
		[ -n "$STATS_WAS" ] && sysctl -qw kernel.bpf_stats_enabled="$STATS_WAS"
		cleanup
	}
	trap bench_cleanup EXIT
fi

topo_up() {
	rm -rf "$WORK/a" "$WORK/b"
	pair_setup
}

topo_down() {
	local ns pids
	for ns in $NS_A $NS_B $NS_C $NS_R $NS_L; do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		[ -n "$pids" ] && kill -9 $pids 2>/dev/null
	done
	wait 2>/dev/null
	for ns in $NS_A $NS_B $NS_C $NS_R $NS_L; do ip netns del "$ns" 2>/dev/null; done
}

save_logs() { # save_logs PREFIX: the daemons' logs next to the results
	local n
	for n in a b; do cp "$WORK/$n/daemon.log" "$RESULTS/$1.$n.log" 2>/dev/null; done
}

meta() { # meta PART: when and how this part was run
	{
		echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
		echo "command=$(for v in TRIALS STRESS_SECONDS COST_SECONDS FLOOD_RATE KA_RT_PRIO; do
			[ -n "${!v:-}" ] && printf '%s=%s ' "$v" "${!v}"
		done)tests/bench/run.sh $1"
		echo "twin=$(git -C "$TOP" describe --always --dirty 2>/dev/null || echo unknown)"
		echo "keepalived=$(keepalived --version 2>&1 | head -1)"
		echo "stress_ng=$(stress-ng --version 2>&1 | head -1)"
		echo "resets=$RESETS"
	} >"$RESULTS/meta-$1.txt"
}

ka_name() { echo "ka$1"; }

for part in $PARTS; do
	case $part in
	gap)
		echo "# gap: $TRIALS trials of: $FAULTS"
		rm -f "$RESULTS"/gap-*
		RESETS=0
		PRODUCT=twin
		echo "# Twin (default profile)"
		gap_config twin
		for adv in $KA_ADVERTS; do
			PRODUCT=ka KA_ADVERT=$adv
			echo "# keepalived advert_int $adv"
			gap_config "$(ka_name "$adv")"
		done
		meta gap
		;;
	stress)
		echo "# stress: ${STRESS_SECONDS} s of stress-ng --cpu 2 --io 1 in both nodes + $FLOOD_RATE garbage frames/s"
		rm -f "$RESULTS"/stress-*
		PRODUCT=twin
		echo "# Twin (default profile)"
		stress_config twin
		PRODUCT=ka KA_ADVERT=0.01
		echo "# keepalived advert_int 0.01"
		stress_config "$(ka_name 0.01)"
		meta stress
		;;
	cost)
		echo "# cost: idle pairs for $COST_SECONDS s"
		rm -f "$RESULTS"/cost-*
		xdp_cost_run
		PRODUCT=twin
		echo "# Twin (default profile)"
		cost_config twin
		for adv in $KA_ADVERTS; do
			PRODUCT=ka KA_ADVERT=$adv
			echo "# keepalived advert_int $adv"
			cost_config "$(ka_name "$adv")"
		done
		meta cost
		;;
	esac
done

# shellcheck source=report.sh
. "$BENCH_DIR/report.sh"
report_write "$DOC"
