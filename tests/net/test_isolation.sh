#!/usr/bin/env bash
# The witness against split brain, in a namespace pair: the client's host
# stands for the gateway (witness 10.99.0.10, answered over ARP). A node
# cut off from everything (its switch ports unplugged upstream: carrier
# stays up) steps down as isolated when it was Active, and the node that
# still reaches the witness takes over; a cut-off Standby never takes over;
# with the links back there is no split brain. Without the witness reached
# nobody serves alone. Root only.
set -u
. "$(dirname "$0")/lib.sh"

pair_setup
pair_start "witness $IP_C"
WAIT=6
raw() { ctl "$1" "$2" status --raw 2>/dev/null; }
alarm_has() { raw "$1" "$2" | grep '^alarm\.' | grep -q "$3"; }
witness_ok() { raw "$1" "$2" | grep -q '^witness.reached=true'; }
# unplug NODE / plug NODE: both its switch ports, its own links stay up
unplug() { in_ns "$NS_L" ip link set "${1}0" nomaster; in_ns "$NS_L" ip link set "${1}1" nomaster; }
plug_back() { in_ns "$NS_L" ip link set "${1}0" master br0; in_ns "$NS_L" ip link set "${1}1" master br1; }
log_ms() { # log_ms NODE REGEX: wall-clock ms of the day of the last matching line
	grep -E -- "$2" "$WORK/$1/twind.log" | tail -1 | awk '{split($1, t, "[:.]"); print ((t[1] * 60 + t[2]) * 60 + t[3]) * 1000 + t[4]}'
}
ip_on() { has_vip "$([ $1 = a ] && echo $NS_A || echo $NS_B)" && no_vip "$([ $1 = a ] && echo $NS_B || echo $NS_A)"; }

check "a Active" wait_for $WAIT state_is a "$NS_A" Active
check "b Standby" wait_for $WAIT state_is b "$NS_B" Standby
check "a reaches the witness" wait_for 3 witness_ok a "$NS_A"
check "b reaches the witness" wait_for 3 witness_ok b "$NS_B"
check "status shows the witness" bash -c "$TWINCTL -s $WORK/a/twind.sock status | grep -q 'Witness: witness $IP_C reached'"
check "...and no 'no witness' warning" bash -c "! $TWINCTL -s $WORK/a/twind.sock status | grep -q 'no witness'"

# --- the Active is cut off from everything: it steps down, b takes over
in_ns "$NS_C" "$TOOLS/prober" -t $VIP:$PORT -d 5 >"$WORK/p1.out" 2>&1 &
PROBER=$!
sleep 0.5
unplug a
check "b takes over (it reaches the witness)" wait_for 5 state_is b "$NS_B" Active
check "a steps down: Inactive" wait_for 5 state_is a "$NS_A" Inactive
check "...as isolated" bash -c "$TWINCTL -s $WORK/a/twind.sock status --raw | grep -q '^node.reason=isolated'"
check "...with the alarm" alarm_has a "$NS_A" "isolated"
check "...and without the IP" no_vip "$NS_A"
down_a=$(log_ms a "Active -> Inactive: isolated")
up_b=$(log_ms b "Activating -> Active")
echo "# a stepped down $((down_a - up_b)) ms relative to b's takeover (negative: before it)"
wait $PROBER
echo "# client: $(grep sent= "$WORK/p1.out")"
check "client answered by b in the end" grep -q "last=b" "$WORK/p1.out"
plug_back a
check "links back: no split brain, b stays Active" wait_for 5 state_is a "$NS_A" Idle
check "...a Idle (isolation over; auto-failback off)" bash -c "$TWINCTL -s $WORK/a/twind.sock status --raw | grep -q '^node.reason=isolation over'"
sleep 1
check "...b still Active, IP on b only" ip_on b
check "...no SplitBrain anywhere" bash -c "! grep -q 'SplitBrain' $WORK/a/twind.log $WORK/b/twind.log"
check "...'isolated' alarm cleared" bash -c "! $TWINCTL -s $WORK/a/twind.sock status --raw | grep '^alarm\.' | grep -q isolated"
ctl a "$NS_A" restore >/dev/null
check "a restored: Standby" wait_for 3 state_is a "$NS_A" Standby

# --- the Standby is cut off: it must not take over
unplug a
check "cut-off Standby a: says peer dead but no witness" wait_for 5 alarm_has a "$NS_A" "peer dead but no witness reached"
sleep 1
check "...a never became Active" bash -c "! sed -n '/admin: restore/,\$p' $WORK/a/twind.log | grep -q 'Standby -> Activating'"
check "...b keeps serving" state_is b "$NS_B" Active
check "...and b says it serves alone" alarm_has b "$NS_B" "serving alone"
plug_back a
check "links back: a Standby, b Active" wait_for 5 bash -c "$TWINCTL -s $WORK/a/twind.sock status --raw | grep -q '^peer.state=Active' && $TWINCTL -s $WORK/a/twind.sock status --raw | grep -q '^node.state=Standby'"
check "...alarms cleared on both (once b hears a too)" wait_for 3 bash -c "! $TWINCTL -s $WORK/b/twind.sock status --raw | grep '^alarm\.' | grep -q 'serving alone'"

# --- the witness itself goes away: nobody is cut off, nothing moves
in_ns "$NS_C" ip addr del $IP_C/24 dev eth0
check "witness gone: b says so" wait_for 3 alarm_has b "$NS_B" "witness unreachable"
sleep 1
check "...b still Active (the peer is alive)" state_is b "$NS_B" Active
check "...a still Standby" state_is a "$NS_A" Standby
# and then b dies: a, with neither peer nor witness, does not serve alone
kill -9 "$PID_b"
check "b killed: a says it cannot serve alone" wait_for 5 alarm_has a "$NS_A" "peer dead but no witness reached"
check "...a not Active" bash -c "! $TWINCTL -s $WORK/a/twind.sock status --raw | grep -q '^node.state=Active'"
in_ns "$NS_C" ip addr add $IP_C/24 dev eth0
check "witness back: a takes over" wait_for 5 state_is a "$NS_A" Active
check "...with the reason" bash -c "grep -q 'witness reached, peer still dead: taking over' $WORK/a/twind.log"

[ "$FAIL" -gt 0 ] && dump_logs
summary "isolation"
