#!/usr/bin/env bash
# The beat lease (beat_lease.c): the loop signs the next 250 ms of beats
# ahead and sender threads send them on time. Stalling only the loop (the
# test build's "test-stall MS" request; the senders keep running): a stall
# shorter than the lease costs no beat and no failover; a longer one lets
# the lease run dry, the beats stop, and the peer takes over about a lease
# plus a detection time after the stall began; when the loop comes back the
# stalled node finds it lost its role and does not fight for it. Started
# on one CPU of an affinity mask that excludes CPU 0, twind starts (its
# senders are pinned inside the mask). Root only.
set -u
. "$(dirname "$0")/lib.sh"

pair_setup
raw() { ctl "$1" "$2" status --raw 2>/dev/null; }
val() { raw "$1" "$2" | sed -n "s/^$3=//p" | head -1; }
# stall NODE MS: the node's loop stops for MS (background; the reply comes after)
stall() {
	python3 - "$WORK/$1/twind.sock" "$2" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(("test-stall %s\n" % sys.argv[2]).encode())
s.settimeout(15)
s.recv(100)
PY
	STALLER=$!
}
log_ms() { # log_ms NODE REGEX: wall-clock ms of the day of the last matching line
	grep -E -- "$2" "$WORK/$1/twind.log" | tail -1 | awk '{split($1, t, "[:.]"); print ((t[1] * 60 + t[2]) * 60 + t[3]) * 1000 + t[4]}'
}
DETECT_MS=$((${HB_INTERVAL%ms} * HB_MISSES))
LEASE_MS=250

# --- twind on one CPU of a mask without CPU 0 (2 CPUs or more here)
cpu=$(($(nproc) - 1))
write_conf a 1 2 $IP_B 150
write_conf b 2 1 $IP_A 100
ip netns exec "$NS_A" taskset -c "$cpu" "$TWIND" -f "$WORK/a/twin.conf" -v >>"$WORK/a/twind.log" 2>&1 &
PID_a=$!
disown $!
start_node b "$NS_B"
start_responders
check "a, started on CPU $cpu only, comes up Active" wait_for 6 state_is a "$NS_A" Active
check "...with one beat sender, pinned inside its mask" bash -c "[ -n \"\$($TWINCTL -s $WORK/a/twind.sock status --raw | sed -n 's/^heartbeat.sender.0=//p')\" ] && ! $TWINCTL -s $WORK/a/twind.sock status --raw | grep -q '^heartbeat.sender.1='"
check "b Standby" wait_for 6 state_is b "$NS_B" Standby
sleep 1

# --- a stall shorter than the lease: no beat missed, nothing moves
dry0=$(val a "$NS_A" heartbeat.lease_dry)
sent0=$(val a "$NS_A" heartbeat.sent)
stall a 150
wait $STALLER
dry1=$(val a "$NS_A" heartbeat.lease_dry)
sent1=$(val a "$NS_A" heartbeat.sent)
echo "# a's loop stalled 150 ms: beats sent meanwhile $((sent1 - sent0)), ticks without a signed frame $((dry1 - dry0))"
check "150 ms loop stall: no tick ran dry" [ "$dry1" = "$dry0" ]
check "...the senders kept beating" [ $((sent1 - sent0)) -ge 10 ]
sleep 0.5
check "...b still Standby, no path went down" bash -c "! grep -Eq 'peer 1 dead|path .* down|heard on LAN only' $WORK/b/twind.log && [ \"\$($TWINCTL -s $WORK/b/twind.sock status --raw | sed -n 's/^node.state=//p')\" = Standby ]"
check "...a still Active" state_is a "$NS_A" Active

# --- a stall longer than lease + detection: the beats stop, b takes over
stall a 2000
check "2 s loop stall: b takes over" wait_for 3 state_is b "$NS_B" Active
t_stall=$(log_ms a "test-stall: the loop stops")
t_dead=$(log_ms b "peer 1 dead")
echo "# b declared a dead $((t_dead - t_stall)) ms after a's loop stopped (lease $LEASE_MS ms + detection $DETECT_MS ms)"
check "...not before the lease ran out ($((t_dead - t_stall)) ms >= $((LEASE_MS + DETECT_MS * 2 / 3)) ms)" [ $((t_dead - t_stall)) -ge $((LEASE_MS + DETECT_MS * 2 / 3)) ]
check "...nor long after it ($((t_dead - t_stall)) ms <= $((LEASE_MS + DETECT_MS + 700)) ms)" [ $((t_dead - t_stall)) -le $((LEASE_MS + DETECT_MS + 700)) ]
wait $STALLER
check "...a's lease ran dry" [ "$(val a "$NS_A" heartbeat.lease_dry)" -gt "$dry1" ]
check "a's loop back: it does not fight for the role (not Active)" wait_for 3 bash -c "! $TWINCTL -s $WORK/a/twind.sock status --raw | grep -q '^node.state=Active'"
sleep 1
check "...b Active, the failover IP on b only" bash -c "[ \"\$($TWINCTL -s $WORK/b/twind.sock status --raw | sed -n 's/^node.state=//p')\" = Active ] && ip netns exec $NS_B ip -4 -o addr show dev eth0 | grep -q ' $VIP/' && ! ip netns exec $NS_A ip -4 -o addr show dev eth0 | grep -q ' $VIP/'"

[ "$FAIL" -gt 0 ] && dump_logs
summary "lease"
