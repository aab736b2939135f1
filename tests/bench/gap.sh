# shellcheck shell=bash
# Failover-gap trials, for tests/bench/run.sh (sourced). One trial: the
# client probes the failover IP every 1 ms; tests/bench/fault waits a random
# phase of the heartbeat interval, notes the instant and injects the fault
# into the current active; the gap is fault -> first answer from the other
# node (timeline.awk). The pair is then restored and must settle before the
# next trial.

SETTLE=${SETTLE:-1}	      # seconds of calm required before a trial
STABLE_TIMEOUT=${STABLE_TIMEOUT:-30}

vip_holders() { # nodes whose kernel holds the failover IP
	local n
	for n in a b; do has_vip "$(ns_of "$n")" && echo "$n"; done
}

# Active + Standby (or Idle: Twin's node back from a lost LAN link, which
# takes over just the same), the IP only on the active: prints the active node
stable_active() {
	local ra rb act
	ra=$(prod_role a)
	rb=$(prod_role b)
	case "$ra/$rb" in Active/Standby | Active/Idle) act=a ;; Standby/Active | Idle/Active) act=b ;; *) return 1 ;; esac
	[ "$(vip_holders | tr -d '\n')" = "$act" ] || return 1
	echo "$act"
}

wait_stable() { # prints the active node once the pair has been calm SETTLE s
	local t0=$SECONDS act
	while ((SECONDS - t0 < STABLE_TIMEOUT)); do
		if act=$(stable_active); then
			sleep "$SETTLE"
			[ "$(stable_active)" = "$act" ] && echo "$act" && return 0
		fi
		sleep 0.1
	done
	return 1
}

reap() { # reap PID: wait for a killed daemon of ours to be gone (10 s at most)
	local i
	for ((i = 0; i < 100; i++)); do alive "$1" || break; sleep 0.1; done
	wait "$1" 2>/dev/null
}

# Back to a clean pair after a trial that did not settle: both daemons
# restarted, links up, no stale address.
reset_pair() {
	local n p
	echo "#   pair did not settle: restarting both daemons" >&2
	for n in a b; do
		for p in $(prod_pids "$n"); do kill -9 "$p" 2>/dev/null; done
		reap "$(eval "echo \$PID_$n")"
		ip -n "$NS_L" link set "${n}0" up
		ip -n "$NS_L" link set "${n}1" up
		ip -n "$(ns_of "$n")" addr del "$VIP/24" dev eth0 2>/dev/null
	done
	RESETS=$((RESETS + 1))
	for n in a b; do prod_start_node "$n"; done
}

restore() { # restore FAULT NODE: undo the fault on the old active
	local f=$1 n=$2
	case $f in
	death)
		ip -n "$NS_L" link set "${n}0" up
		ip -n "$NS_L" link set "${n}1" up
		;;
	kill)
		reap "$(eval "echo \$PID_$n")"
		prod_start_node "$n"
		;;
	graceful)
		if [ "$PRODUCT" = ka ]; then # SIGTERM ended it
			reap "$(eval "echo \$PID_$n")"
			prod_start_node "$n"
		fi
		;;
	esac
}

# gap_trial FAULT OUTPREFIX WINDOW: appends one result line to OUTPREFIX.txt
gap_trial() {
	local f=$1 out=$2 window=$3 act new ph t0 fault_ns res csv pp
	act=$(wait_stable) || {
		reset_pair
		act=$(wait_stable) || { echo "FAIL pair never settled" >>"$out.txt"; return 1; }
	}
	new=$(other "$act")
	TRIAL=$((TRIAL + 1))
	csv="$out.$TRIAL.csv"
	ip netns exec "$NS_C" "$TOOLS/prober" -t $VIP:$PORT -d $((window + 2)) -o "$csv" >"$out.$TRIAL.prober" 2>&1 &
	pp=$!
	sleep 0.3
	ph=$(prod_interval_us)
	case $f in
	# the heartbeat link first: a dead node cannot tell its peer it lost its LAN
	death) fault_ns=$(ip netns exec "$NS_L" "$FAULT" -r "$ph" down "${act}1" "${act}0") ;;
	kill) fault_ns=$("$FAULT" -r "$ph" kill 9 $(prod_pids "$act")) ;;
	graceful) fault_ns=$(prod_graceful "$act" "$ph") ;;
	esac
	t0=$SECONDS
	while ((SECONDS - t0 < window)) && ! has_vip "$(ns_of "$new")"; do sleep 0.02; done
	sleep 0.5 # the gratuitous ARP reaches the client after the address
	kill -TERM "$pp" 2>/dev/null
	wait "$pp"
	res=$(awk -v F="${fault_ns:-0}" -f "$BENCH_DIR/timeline.awk" "$csv" 2>/dev/null)
	echo "$TRIAL $act->$new ${res:-FAIL no timeline}" >>"$out.txt"
	printf '#   %-8s trial %2d %s->%s: %s\n' "$f" "$TRIAL" "$act" "$new" "${res:-FAIL}" >&2
	case $res in FAIL*) ;; *) rm -f "$csv" ;; esac # keep the timelines of failed trials
	restore "$f" "$act"
}

# gap_config NAME: every fault TRIALS times on a fresh pair of this product
gap_config() {
	local name=$1 window=3 f i
	[ "$PRODUCT" = ka ] && [ "${KA_ADVERT%%.*}" != 0 ] && window=$((${KA_ADVERT%%.*} * 5 + 3))
	topo_up
	prod_start
	for f in $FAULTS; do
		TRIAL=0
		: >"$RESULTS/gap-$name-$f.txt"
		for ((i = 0; i < TRIALS; i++)); do
			gap_trial "$f" "$RESULTS/gap-$name-$f" "$window"
		done
	done
	save_logs "gap-$name"
	topo_down
}
