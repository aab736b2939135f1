#!/usr/bin/env bash
# Power loss during cluster create: the daemon is killed (SIGKILL) between
# the writes of a pairing — on A after cluster.pending, on B right after
# its commit, on A before the final rename — and restarted. Both nodes must
# come back consistent: both paired with the same key, or both standalone,
# and no pending record left. Root only; ~2 minutes (the interrupted create
# is resolved after the peer's 30 s session limit).
set -u
. "$(dirname "$0")/lib.sh"

pair_setup
conf() {
	mkdir -p "$WORK/$1"
	printf 'node_name %s\npriority %s\nstartup_wait 2s\nheartbeat_interval 10ms\nheartbeat_misses 30\nstate_dir %s\ncontrol_socket %s\n' \
		"$1" "$2" "$WORK/$1/state" "$WORK/$1/twind.sock" >"$WORK/$1/twin.conf"
}
conf a 150
conf b 100
launch() { # launch NODE [CRASH_POINT]
	local ns=$NS_A
	[ "$1" = b ] && ns=$NS_B
	ip netns exec "$ns" env TWIN_CRASH_AT="${2:-}" "$TWIND" -f "$WORK/$1/twin.conf" -v >>"$WORK/$1/twind.log" 2>&1 &
	eval "PID_$1=$!"
	disown $!
}
stop_all() {
	local p
	for p in ${PID_a:-} ${PID_b:-}; do kill -9 "$p" 2>/dev/null; done # never "kill 0"
	sleep 0.3
}
key_of() { sed -n 's/^cluster_key=//p' "$WORK/$1/state/cluster.state" 2>/dev/null; }
both_standalone() {
	[ ! -e "$WORK/a/state/cluster.state" ] && [ ! -e "$WORK/b/state/cluster.state" ] &&
		[ ! -e "$WORK/a/state/cluster.pending" ]
}
both_paired() {
	[ -n "$(key_of a)" ] && [ "$(key_of a)" = "$(key_of b)" ] && [ ! -e "$WORK/a/state/cluster.pending" ]
}

one_active() {
	local sa sb
	sa=$(status_get a "$NS_A" node.state)
	sb=$(status_get b "$NS_B" node.state)
	[ "$sa/$sb" = Active/Standby ] || [ "$sa/$sb" = Standby/Active ]
}

scenario() { # scenario VICTIM POINT EXPECT(paired|standalone)
	local victim=$1 point=$2 expect=$3 out pid
	stop_all
	rm -rf "$WORK/a/state" "$WORK/b/state"
	launch a "$([ "$victim" = a ] && echo "$point")"
	launch b "$([ "$victim" = b ] && echo "$point")"
	wait_for 5 state_is a "$NS_A" Standalone
	wait_for 5 state_is b "$NS_B" Standalone
	echo "right-horse-battery" | ctl b "$NS_B" password set >/dev/null 2>&1
	local fp
	fp=$(status_get b "$NS_B" cluster.fingerprint)
	pid=$(eval echo "\$PID_$victim")
	out=$(echo "right-horse-battery" | timeout 60 "$TWINCTL" -s "$WORK/a/twind.sock" cluster create \
		--peer $IP_B --failover-ip $VIP/24 --yes-fingerprint "$fp" --password-stdin 2>&1)
	check "$point: $victim killed at the crash point" wait_for 5 bash -c "! kill -0 $pid 2>/dev/null"
	launch "$victim" # power back on
	check "$point: both nodes end $expect (no pending record)" wait_for 60 both_$expect
	if [ "$expect" = paired ]; then
		# whichever came up first serves; the other stands by
		check "$point: ...and run as a pair (one Active, one Standby)" wait_for 15 one_active
	else
		check "$point: ...both standalone again" wait_for 15 bash -c \
			"$(declare -f status_get ctl in_ns state_is); TWINCTL=$TWINCTL WORK=$WORK; \
			 state_is a $NS_A Standalone && state_is b $NS_B Standalone"
	fi
}

scenario a a-after-pending standalone
scenario b b-after-commit paired
scenario a a-before-rename paired
[ "$FAIL" -gt 0 ] && dump_logs
summary crash
