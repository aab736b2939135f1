#!/usr/bin/env bash
# The service link is part of local health by default: the Active's LAN link
# (eth0) going down while the heartbeat link stays up hands the failover IP
# over to the Standby, the client probing every 1 ms is answered by it, and
# the gap is reported. A second monitored interface (a veth, tracked on both
# nodes) down on one node makes it degraded: it hands over to the healthy
# peer and loses the election against it. With monitor_lan_interface no,
# eth0 down changes nothing (the old behaviour). Root only.
set -u
. "$(dirname "$0")/lib.sh"

WAIT=6
# detection of the cut (the kernel reports a carrier loss within a second:
# linkwatch batches such events) + handover + a host stall or two
BOUND_MS=1700

alarms() { ctl "$1" "$2" status --raw 2>/dev/null | sed -n 's/^alarm\.[0-9]*=//p'; }
has_alarm() { alarms "$1" "$2" | grep -q "$3"; }
no_alarm() { ! has_alarm "$@"; }
raw_is() { [ "$(status_get "$1" "$2" "$3")" = "$4" ]; }
ns_of() { [ "$1" = a ] && echo "$NS_A" || echo "$NS_B"; }
# ms of day of a log line's stamp (HH:MM:SS.mmm, local time)
stamp_ms() { awk -F'[:. ]' '{print ((($1 * 60) + $2) * 60 + $3) * 1000 + $4; exit}'; }
day_ms() { date +%H:%M:%S.%3N | stamp_ms; }

probe_start() { # probe_start NAME: the client probes the failover IP every 1 ms
	# not through in_ns: $! must be the prober itself, for the SIGINT
	ip netns exec "$NS_C" "$TOOLS/prober" -t $VIP:$PORT -d 60 >"$WORK/$1.out" 2>"$WORK/$1.err" &
	PROBE=$!
	sleep 1
}
probe_stop() { # probe_stop NAME: stops it; its summary is then in $out
	sleep 0.5
	kill -INT "$PROBE"
	wait "$PROBE"
	out=$(cat "$WORK/$1.out")
}
# the client's gap at its one switch of node; empty without exactly one
gap_of() { grep -q ' switches=1 ' "$WORK/$1.out" && sed -nE 's/.* gap_ms=([0-9.]+).*/\1/p' "$WORK/$1.out"; }
under() { awk -v v="${1:-999999}" -v b="$2" 'BEGIN{exit !(v < b)}'; }

# cut_and_measure NODE HOW OTHER LABEL: NODE's eth0 down, by "carrier" (the
# bridge's end of the cable: the node sees no carrier) or "admin" (ip link
# set eth0 down on the node); OTHER must take over and answer the client.
# Prints the client's gap and how long NODE took to see the cut (its log)
GAPS=""
cut_and_measure() {
	local node=$1 how=$2 other=$3 label=$4 t0 seen
	probe_start "$label"
	t0=$(day_ms)
	if [ "$how" = carrier ]; then in_ns "$NS_L" ip link set "${node}0" down; else in_ns "$(ns_of "$node")" ip link set eth0 down; fi
	check "$label: $other takes over" wait_for $WAIT state_is "$other" "$(ns_of "$other")" Active
	probe_stop "$label"
	seen=$(grep -a "state Active -> Inactive: local health failed" "$WORK/$node/twind.log" | tail -1 | stamp_ms)
	[ -n "$seen" ] && [ "$seen" -lt "$t0" ] && seen= # an earlier cut's line
	check "$label: the client switched $node -> $other ($out)" grep -q "first=$node last=$other" <<<"$out"
	gap=$(gap_of "$label")
	GAPS="$GAPS $label=${gap}ms"
	echo "# $label: client gap ${gap:-?} ms; $node saw its eth0 down after $([ -n "$seen" ] && echo $((seen - t0)) || echo '?') ms"
	check "$label: gap ${gap} ms under $BOUND_MS ms" under "$gap" $BOUND_MS
}

pair_setup

# --- 1. the shipped defaults: only eth0 is monitored
pair_start
check "a Active, b Standby" wait_for 10 state_is a "$NS_A" Active
wait_for 10 state_is b "$NS_B" Standby
check "health ok on both" bash -c "$(declare -f ctl status_get raw_is in_ns); TWINCTL=$TWINCTL WORK=$WORK; \
	raw_is a $NS_A node.health ok && raw_is b $NS_B node.health ok"

cut_and_measure a carrier b "carrier loss on a"
check "a is Inactive and dropped the IP" bash -c "$(declare -f ctl status_get state_is in_ns has_vip no_vip); \
	TWINCTL=$TWINCTL WORK=$WORK VIP=$VIP; state_is a $NS_A Inactive && no_vip $NS_A"
check "failover IP on b" has_vip "$NS_B"
check "a's alarm names the interface" has_alarm a "$NS_A" "local health failed: LAN interface eth0 has no carrier"
check "a's status says why its health fails" bash -c "$(declare -f ctl in_ns); TWINCTL=$TWINCTL WORK=$WORK; \
	ctl a $NS_A status | grep -q 'Health: FAILING (LAN interface eth0 has no carrier)'"
ctl a "$NS_A" status | sed 's/^/#   /'
check "the heartbeat link still beats: b sees a alive, Inactive" raw_is b "$NS_B" peer.state Inactive

in_ns "$NS_L" ip link set a0 up
check "eth0 back: a returns Idle (auto_failback off)" wait_for $WAIT state_is a "$NS_A" Idle
check "eth0 back: a's alarm cleared" wait_for 2 no_alarm a "$NS_A" "local health"
check "eth0 back: b keeps Active, the IP only on b" bash -c "$(declare -f ctl status_get state_is in_ns has_vip no_vip); \
	TWINCTL=$TWINCTL WORK=$WORK VIP=$VIP; state_is b $NS_B Active && has_vip $NS_B && no_vip $NS_A"

# the same by admin-down on the node itself: b hands back to the Idle a
cut_and_measure b admin a "admin-down on b"
check "b's alarm names the interface" has_alarm b "$NS_B" "local health failed: LAN interface eth0 is admin-down"
in_ns "$NS_B" ip link set eth0 up
check "eth0 up: b returns Idle, alarm cleared" wait_for $WAIT bash -c "$(declare -f ctl status_get state_is in_ns alarms no_alarm has_alarm); \
	TWINCTL=$TWINCTL WORK=$WORK; state_is b $NS_B Idle && no_alarm b $NS_B 'local health'"

# cut off all round (both links): a drops the IP at once, and comes back
# knowing b serves (its links count after the detection time)
links "$NS_A" down
check "isolated: a Inactive at once, without the IP" wait_for 2 bash -c "$(declare -f ctl status_get state_is in_ns has_vip no_vip); \
	TWINCTL=$TWINCTL WORK=$WORK VIP=$VIP; state_is a $NS_A Inactive && no_vip $NS_A"
check "isolated: b takes over" wait_for $WAIT state_is b "$NS_B" Active
links "$NS_A" up
check "back: a returns Idle" wait_for $WAIT state_is a "$NS_A" Idle
check "back: b kept Active all along" bash -c "$(declare -f ctl status_get state_is in_ns has_vip no_vip); \
	TWINCTL=$TWINCTL WORK=$WORK VIP=$VIP; state_is b $NS_B Active && has_vip $NS_B && no_vip $NS_A"
check "back: a never tried to take over" bash -c "! grep -aq 'Inactive -> Activating' $WORK/a/twind.log"

stop_pair() {
	kill "$PID_a" "$PID_b"
	for _ in $(seq 50); do kill -0 "$PID_a" 2>/dev/null || kill -0 "$PID_b" 2>/dev/null || break; sleep 0.1; done
}

# --- 2. a second monitored interface on both nodes: degraded
stop_pair
# (a veth pair inside each node: carrier while both ends are up)
for ns in $NS_A $NS_B; do
	in_ns "$ns" ip link add mon1 type veth peer name mon1p && in_ns "$ns" ip link set mon1p up && in_ns "$ns" ip link set mon1 up
done
pair_start "track_interface mon1"
check "restart with mon1 tracked: a Active, b Standby" wait_for 10 bash -c "$(declare -f ctl status_get state_is in_ns); \
	TWINCTL=$TWINCTL WORK=$WORK; state_is a $NS_A Active && state_is b $NS_B Standby"

probe_start degraded
in_ns "$NS_A" ip link set mon1 down
check "mon1 down on a: b takes over" wait_for $WAIT state_is b "$NS_B" Active
probe_stop degraded
check "degraded: the client switched a -> b ($out)" grep -q "first=a last=b" <<<"$out"
GAPS="$GAPS degraded-handover=$(gap_of degraded)ms"
echo "# degraded handover: client gap $(gap_of degraded) ms"
check "a is Standby (degraded, not failed), without the IP" bash -c "$(declare -f ctl status_get state_is in_ns has_vip no_vip); \
	TWINCTL=$TWINCTL WORK=$WORK VIP=$VIP; state_is a $NS_A Standby && no_vip $NS_A"
check "a: health degraded" raw_is a "$NS_A" node.health degraded
check "a: alarm names mon1" has_alarm a "$NS_A" "local health degraded: tracked interface mon1 is admin-down"
check "b sees a degraded" raw_is b "$NS_B" peer.degraded true
check "a says why it handed over" grep -aq 'Active -> Standby: degraded' "$WORK/a/twind.log"
sleep 1
check "a loses the election: b stays Active" state_is b "$NS_B" Active
out=$(ctl a "$NS_A" takeover 2>&1)
check "takeover on the degraded a is refused: $out" grep -q "degraded" <<<"$out"
in_ns "$NS_A" ip link set mon1 up
check "mon1 up on a: alarm cleared, health ok" wait_for $WAIT bash -c "$(declare -f ctl status_get raw_is in_ns alarms no_alarm has_alarm); \
	TWINCTL=$TWINCTL WORK=$WORK; raw_is a $NS_A node.health ok && no_alarm a $NS_A 'local health'"
sleep 0.5
check "no failback (auto_failback off): b Active, a Standby" bash -c "$(declare -f ctl status_get state_is in_ns); \
	TWINCTL=$TWINCTL WORK=$WORK; state_is b $NS_B Active && state_is a $NS_A Standby"

# the Active degraded, the Standby too: nobody is better, nothing moves
in_ns "$NS_A" ip link set mon1 down
in_ns "$NS_B" ip link set mon1 down
sleep 1
check "both degraded: b keeps Active" bash -c "$(declare -f ctl status_get state_is in_ns); \
	TWINCTL=$TWINCTL WORK=$WORK; state_is b $NS_B Active && state_is a $NS_A Standby"
in_ns "$NS_A" ip link set mon1 up
check "a healthy again, b degraded: b hands over to a" wait_for $WAIT state_is a "$NS_A" Active
check "...b Standby" wait_for 2 state_is b "$NS_B" Standby
in_ns "$NS_B" ip link set mon1 up

# eth0 carries the failover IP: down is a failure even with mon1 up
cut_and_measure a carrier b "eth0 down with mon1 up"
check "a is Inactive (not just degraded)" state_is a "$NS_A" Inactive
in_ns "$NS_L" ip link set a0 up
check "eth0 back: a Idle" wait_for $WAIT state_is a "$NS_A" Idle

# --- 3. monitor_lan_interface no: eth0 down is not noticed (as before)
stop_pair
pair_start "monitor_lan_interface no"
check "restart without LAN monitoring: a Active, b Standby" wait_for 10 bash -c "$(declare -f ctl status_get state_is in_ns); \
	TWINCTL=$TWINCTL WORK=$WORK; state_is a $NS_A Active && state_is b $NS_B Standby"
in_ns "$NS_L" ip link set a0 down
sleep 1
check "monitor off: a stays Active with eth0 down" state_is a "$NS_A" Active
check "monitor off: b stays Standby" state_is b "$NS_B" Standby
in_ns "$NS_L" ip link set a0 up

echo "# client gaps:$GAPS"
[ "$FAIL" -gt 0 ] && dump_logs
summary service_link
