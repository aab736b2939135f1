# shellcheck shell=bash
# False failovers under load, for tests/bench/run.sh (sourced): a settled
# pair, then for STRESS_SECONDS `stress-ng --cpu 2 --io 1` in both node
# namespaces, a flood of FLOOD_RATE garbage frames/s from the rogue into
# the heartbeat link (the bridge floods it to both nodes' eth1, the
# standby's included) and the client probing every 1 ms. Nothing fails:
# every role change is a false failover.

stress_config() { # stress_config NAME -> $RESULTS/stress-NAME.txt (key=value)
	local name=$1 out act r0 r1 d0 d1 n pids=""
	out="$RESULTS/stress-$name"
	topo_up
	prod_start
	act=$(wait_stable) || { echo "error=pair never settled" >"$out.txt"; topo_down; return 1; }
	r0=$(prod_role_changes)
	d0=$(cat "$WORK"/[ab]/daemon.log | grep -c 'dead: all paths silent')
	for n in a b; do
		ip netns exec "$(ns_of "$n")" stress-ng --cpu 2 --io 1 --timeout "${STRESS_SECONDS}s" --quiet &
		pids="$pids $!"
	done
	ip netns exec "$NS_R" "$TOOLS/hbinject" flood -i eth1 -r "$FLOOD_RATE" -d "$STRESS_SECONDS" \
		>"$out.flood" 2>&1 &
	pids="$pids $!"
	ip netns exec "$NS_C" "$TOOLS/prober" -t $VIP:$PORT -d "$STRESS_SECONDS" -o "$out.csv" \
		>"$out.prober" 2>&1
	for n in $pids; do wait "$n"; done
	sleep 1
	r1=$(prod_role_changes)
	d1=$(cat "$WORK"/[ab]/daemon.log | grep -c 'dead: all paths silent')
	{
		echo "active_before=$act"
		echo "active_after=$(stable_active || echo unsettled)"
		echo "role_changes=$((r1 - r0))"
		echo "peer_dead_events=$((d1 - d0))"
		echo "flood_$(head -1 "$out.flood" | tr ' ' '=')"
		grep -m1 '^sent=' "$out.prober" | tr ' ' '\n'
		grep -o '[0-9]* missed ticks' "$out.prober" | awk '{print "prober_missed_ticks=" $1}'
		[ "$PRODUCT" = twin ] && echo "twind_stalls_a=$(twin_get a stalls)" && echo "twind_stalls_b=$(twin_get b stalls)"
	} >"$out.txt"
	rm -f "$out.csv"
	sed 's/^/#   /' "$out.txt" >&2
	save_logs "stress-$name"
	topo_down
}
