#!/usr/bin/env bash
# Ten node deaths in a row, alternating nodes, at random moments; the client
# probes the failover IP every millisecond throughout. Prints the gap each
# failover cost the client and checks that every death gave exactly one
# switch with a bounded gap. Root only.
set -u
. "$(dirname "$0")/lib.sh"
TRIALS=${TRIALS:-10}

pair_setup
pair_start
wait_for 10 state_is a "$NS_A" Active && wait_for 10 state_is b "$NS_B" Standby
check "pair formed" state_is a "$NS_A" Active
IV_US=$(status_get a "$NS_A" heartbeat.interval_us)
MISSES=$(status_get a "$NS_A" heartbeat.misses)
DETECT_MS=$((IV_US * MISSES / 1000))
BOUND_MS=$((DETECT_MS + 700)) # detection + probe + GARP + a host stall or two

ip netns exec "$NS_C" "$TOOLS/prober" -t $VIP:$PORT -d 600 >"$WORK/probe.out" 2>"$WORK/probe.err" &
probe=$!
sleep 1
ns_of() { [ "$1" = a ] && echo "$NS_A" || echo "$NS_B"; }
active=a
for ((i = 1; i <= TRIALS; i++)); do
	standby=$([ $active = a ] && echo b || echo a)
	sleep "0.$((RANDOM % 1000))" # a random phase of the heartbeat cycle
	links "$(ns_of $active)" down
	if ! wait_for 10 state_is $standby "$(ns_of $standby)" Active; then
		not_ok "trial $i: $standby did not take over"
		break
	fi
	sleep 0.5
	links "$(ns_of $active)" up
	# back after a health failure (its LAN was down): Idle, still takes over
	wait_for 10 state_is $active "$(ns_of $active)" Idle || not_ok "trial $i: $active did not return as Idle"
	sleep 0.5
	active=$standby
done
kill -INT $probe
wait $probe
gaps=$(sed -nE 's/.*switch at .*after ([0-9.]+) ms.*/\1/p' "$WORK/probe.err")
n=$(wc -w <<<"$gaps")
check "one client switch per node death ($n of $TRIALS)" [ "$n" -eq "$TRIALS" ]
stats=$(tr ' ' '\n' <<<"$gaps" | sort -n | awk '{v[NR]=$1} END {if (NR) printf "min %.1f median %.1f max %.1f", v[1], (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2), v[NR]}')
max=$(tr ' ' '\n' <<<"$gaps" | sort -n | tail -1)
echo "# heartbeat every $((IV_US / 1000)) ms x $MISSES misses (detection $DETECT_MS ms): client gaps (ms): $(echo $gaps)"
echo "# $stats"
check "every gap under $BOUND_MS ms ($stats)" awk -v m="${max:-999999}" -v b=$BOUND_MS 'BEGIN{exit !(m < b)}'
check "client saw no other outage ($(cat "$WORK/probe.out"))" \
	awk -v s="$(sed -nE 's/.*max_gap_ms=([0-9.]+).*/\1/p' "$WORK/probe.out")" -v b=$BOUND_MS 'BEGIN{exit !(s < b)}'
[ "$FAIL" -gt 0 ] && dump_logs
summary failover_gaps
