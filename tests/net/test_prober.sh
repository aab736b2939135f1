#!/usr/bin/env bash
# Self-test of the benchmark's measuring tools (root): a client and a server
# namespace on a veth pair, responder in the server, prober in the client.
#   1. steady 2 s: ~2000 probes, none lost, no switch;
#   2. responder "one" killed at 1 s, "two" started at 1.5 s: one switch,
#      gap ~500 ms, timeline CSV complete;
#   3. SIGTERM ends the prober early and it still prints its summary;
#   4. a failover IP (secondary address) is answered from itself, and a
#      responder may bind it (-b) before the address exists.
# Namespaces and processes are removed on exit, also on failure.
set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
TOOLS=${TOOLS:-$BUILD/tools}
NS_C=twt-prc-$$ NS_S=twt-prs-$$
IP_C=10.98.0.1 IP_S=10.98.0.2 PORT=7777
WORK=$(mktemp -d /tmp/twin-prober.XXXXXX)

PASS=0 FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
not_ok() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
check() { # check "name" command...
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}

cleanup() {
	local pids
	for ns in $NS_C $NS_S; do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		[ -n "$pids" ] && kill -9 $pids 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

finish() {
	echo "prober: $PASS passed, $FAIL failed"
	[ "$FAIL" -eq 0 ]
	exit
}

if [ "$(id -u)" -ne 0 ]; then
	not_ok "needs root"
	finish
fi
for t in prober responder; do
	if [ ! -x "$TOOLS/$t" ]; then
		not_ok "$TOOLS/$t not built (make, or TOOLS=dir)"
		finish
	fi
done

ip netns add $NS_C && ip netns add $NS_S &&
	ip -n $NS_C link add eth0 type veth peer name eth0 netns $NS_S &&
	ip -n $NS_C addr add $IP_C/24 dev eth0 && ip -n $NS_C link set eth0 up && ip -n $NS_C link set lo up &&
	ip -n $NS_S addr add $IP_S/24 dev eth0 && ip -n $NS_S link set eth0 up && ip -n $NS_S link set lo up ||
	{
		not_ok "namespace setup"
		finish
	}

# key=value from the prober's summary line
get() { sed -nE "s/^(.* )?$1=([^ ]*).*/\2/p" "$2" | tail -1; }
# between LO HI VALUE (decimals allowed)
between() { awk -v lo="$1" -v hi="$2" -v v="$3" 'BEGIN { exit !(v != "" && v >= lo && v <= hi) }'; }
responder() { # responder NAME: starts it in the server, sets RESP
	ip netns exec $NS_S "$TOOLS/responder" -p $PORT -n "$1" &
	RESP=$!
}
# a plain command, so that $! is the prober itself (ip netns exec execs it)
PROBER_CMD=(ip netns exec "$NS_C" "$TOOLS/prober" -t "$IP_S:$PORT")

# --- 1. steady ---
responder one
sleep 0.2
"${PROBER_CMD[@]}" -d 2 >"$WORK/p1.out" 2>"$WORK/p1.err"
echo "# $(cat "$WORK/p1.out")"
sent=$(get sent "$WORK/p1.out")
# under load the prober may wake late; it skips those ticks and says so:
# every one of the 2000 ticks is either sent or reported missed
missed=$(sed -nE 's/.* ([0-9]+) missed ticks.*/\1/p' "$WORK/p1.err" | head -1)
check "steady: sent=$sent + missed=${missed:-0} within 2000 ±5%" between 1900 2100 "$((sent + ${missed:-0}))"
check "steady: lost=$(get lost "$WORK/p1.out")" [ "$(get lost "$WORK/p1.out")" = 0 ]
check "steady: answered = sent" [ "$(get answered "$WORK/p1.out")" = "$sent" ]
check "steady: switches=0, answered by one" \
	[ "$(get switches "$WORK/p1.out")/$(get first "$WORK/p1.out")/$(get last "$WORK/p1.out")" = "0/one/one" ]
check "steady: gap_ms=0.000" [ "$(get gap_ms "$WORK/p1.out")" = 0.000 ]
# a host stall of the VM (~110 ms, docs/ARCHITECTURE.md "Host stalls") may land in the run
check "steady: max_gap_ms=$(get max_gap_ms "$WORK/p1.out") < 250" between 0.5 250 "$(get max_gap_ms "$WORK/p1.out")"

# --- 2. failover: one dies at 1 s, two starts at 1.5 s ---
"${PROBER_CMD[@]}" -d 3 -o "$WORK/timeline.csv" >"$WORK/p2.out" 2>"$WORK/p2.err" &
PROBER=$!
sleep 1
kill -TERM $RESP
wait $RESP
check "responder exits 0 on SIGTERM" [ $? -eq 0 ]
sleep 0.5
responder two
wait $PROBER
echo "# $(cat "$WORK/p2.out")"
sed 's/^/# /' "$WORK/p2.err"
gap=$(get gap_ms "$WORK/p2.out")
check "failover: switches=1, one -> two" \
	[ "$(get switches "$WORK/p2.out")/$(get first "$WORK/p2.out")/$(get last "$WORK/p2.out")" = "1/one/two" ]
check "failover: gap_ms=$gap within 400..700" between 400 700 "$gap"
check "failover: max_gap_ms = gap_ms" [ "$(get max_gap_ms "$WORK/p2.out")" = "$gap" ]
lost=$(get lost "$WORK/p2.out")
check "failover: lost=$lost ≈ gap/interval" between 350 700 "$lost"
check "failover: switch line on stderr" grep -qE '^switch at \+1\.[0-9]{3} s: one -> two after [0-9]+\.[0-9] ms$' \
	"$WORK/p2.err"
rows=$(($(wc -l <"$WORK/timeline.csv") - 1))
check "timeline: one row per probe ($rows)" [ "$rows" = "$(get sent "$WORK/p2.out")" ]
unanswered=$(grep -c ',,$' "$WORK/timeline.csv")
check "timeline: $unanswered unanswered rows = lost" [ "$unanswered" = "$lost" ]
check "timeline: header and names" [ "$(head -1 "$WORK/timeline.csv")" = "seq,send_ns,reply_ns,name" -a \
	"$(sed -n 2p "$WORK/timeline.csv" | cut -d, -f4)/$(tail -1 "$WORK/timeline.csv" | cut -d, -f4)" = "one/two" ]

# --- 3. SIGTERM: stops early, still reports ---
"${PROBER_CMD[@]}" >"$WORK/p3.out" 2>"$WORK/p3.err" &
PROBER=$!
sleep 0.5
kill -TERM $PROBER
wait $PROBER
rc=$?
sent=$(get sent "$WORK/p3.out")
check "SIGTERM: exit 0 with a summary (sent=$sent)" [ $rc -eq 0 -a -n "$sent" ]
check "SIGTERM: sent about 500, lost=0" between 400 600 "$sent"
check "SIGTERM: lost=0" [ "$(get lost "$WORK/p3.out")" = 0 ]

# --- 4. failover IP: secondary address, bound before it exists ---
VIP=10.98.0.100 VIP2=10.98.0.200
ip -n $NS_S addr add $VIP/24 dev eth0
ip netns exec $NS_S "$TOOLS/responder" -p $((PORT + 1)) -n bound -b $VIP2 &
BOUND=$!
sleep 0.2
ip -n $NS_S addr add $VIP2/24 dev eth0
ip netns exec $NS_C "$TOOLS/prober" -t $VIP:$PORT -d 0.3 >"$WORK/p4.out" 2>"$WORK/p4.err"
check "failover IP answered from itself ($(cat "$WORK/p4.out"))" \
	[ "$(get lost "$WORK/p4.out")/$(get first "$WORK/p4.out")" = "0/two" ]
ip netns exec $NS_C "$TOOLS/prober" -t $VIP2:$((PORT + 1)) -d 0.3 >"$WORK/p5.out" 2>"$WORK/p5.err"
check "responder -b before the address exists ($(cat "$WORK/p5.out"))" \
	[ "$(get lost "$WORK/p5.out")/$(get first "$WORK/p5.out")" = "0/bound" ]
kill -TERM $RESP $BOUND
wait $RESP $BOUND

finish
