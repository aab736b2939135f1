#!/usr/bin/env bash
# A real twind pair in namespaces: start-up, failover on node death and on
# SIGKILL, heartbeat-link cut without failover, forged frames. Root only.
set -u
. "$(dirname "$0")/lib.sh"

detect_s() { # detection time in seconds (for waits), from the profile
	local iv=${HB_INTERVAL%ms}
	echo $(((iv * HB_MISSES + 999) / 1000))
}
WAIT=$(($(detect_s) + 5)) # generous: a VM can stall

mac_of() { in_ns "$1" cat /sys/class/net/eth0/address; }
client_neigh() { in_ns "$NS_C" ip neigh show $VIP dev eth0 | awk '{for (i=1;i<=NF;i++) if ($i=="lladdr") print $(i+1)}'; }
counter() { status_get "$1" "$2" "$3"; }

pair_setup
pair_start

# --- start: exactly one Active, with the failover IP
check "a becomes Active at start (higher priority)" wait_for 10 state_is a "$NS_A" Active
check "b becomes Standby at start" wait_for 10 state_is b "$NS_B" Standby
check "failover IP on a only" bash -c "$(declare -f in_ns has_vip); VIP=$VIP; has_vip $NS_A && ! has_vip $NS_B"
check "twinctl status shows the peer alive on both paths" \
	wait_for 5 bash -c "[ \"\$($TWINCTL -s $WORK/a/twind.sock status --raw | grep -cE '^path\.[01]\.up=true')\" = 2 ]"

# --- the client reaches the failover IP on a
out=$(in_ns "$NS_C" "$TOOLS/prober" -t $VIP:$PORT -d 1)
check "client reaches the failover IP on a ($out)" grep -q 'first=a last=a' <<<"$out"

# --- cut only the heartbeat link: alarm, no failover
in_ns "$NS_A" ip link set eth1 down
sleep "$WAIT"
check "eth1 cut: a still Active" state_is a "$NS_A" Active
check "eth1 cut: b still Standby (no failover)" state_is b "$NS_B" Standby
check "eth1 cut: b shows 'heartbeat link down'" bash -c "$(declare -f ctl); TWINCTL=$TWINCTL WORK=$WORK; \
	in_ns() { local ns=\$1; shift; ip netns exec \$ns \"\$@\"; }; ctl b $NS_B status | grep -q 'heartbeat link down'"
ctl b "$NS_B" status | sed 's/^/#   /'
in_ns "$NS_A" ip link set eth1 up
check "eth1 back: alarm clears" wait_for "$WAIT" bash -c "! $TWINCTL -s $WORK/b/twind.sock status --raw | grep -q '^alarm'"

# --- forged frames from the rogue on both paths change nothing and are counted
bad0=$(counter b "$NS_B" path.0.bad_mac)
rep0=$(counter b "$NS_B" path.0.replay)
mal0=$(counter b "$NS_B" xdp.drop_malformed)
ubad0=$(counter b "$NS_B" path.1.bad_mac)
urep0=$(counter b "$NS_B" path.1.replay)
umal0=$(counter b "$NS_B" path.1.malformed)
in_ns "$NS_R" "$TOOLS/hbinject" badkey -i eth1 -n 100 -c 0x7a11 -I 1 >/dev/null
in_ns "$NS_R" "$TOOLS/hbinject" truncated -i eth1 -n 100 -c 0x7a11 >/dev/null
in_ns "$NS_R" "$TOOLS/hbinject" replay -i eth1 -n 100 -I 1 >/dev/null
in_ns "$NS_R" "$TOOLS/hbinject" badkey -i eth0 -u $IP_B:6940 -S $IP_A -n 100 -c 0x7a11 -I 1 >/dev/null
in_ns "$NS_R" "$TOOLS/hbinject" truncated -i eth0 -u $IP_B:6940 -S $IP_A -n 100 -c 0x7a11 >/dev/null
in_ns "$NS_R" "$TOOLS/hbinject" replay -i eth1 -u $IP_B:6940 -S $IP_A -n 100 -I 1 >/dev/null
sleep 0.5
check "forged frames: a still Active" state_is a "$NS_A" Active
check "forged frames: b still Standby" state_is b "$NS_B" Standby
check "forged frames: b's epoch not poisoned" [ "$(counter b "$NS_B" peer.epoch)" -lt 1000000 ]
check "eth1: 100 bad-MAC frames counted" [ $(($(counter b "$NS_B" path.0.bad_mac) - bad0)) -ge 100 ]
check "eth1: 100 truncated frames dropped by XDP" [ $(($(counter b "$NS_B" xdp.drop_malformed) - mal0)) -ge 100 ]
check "eth1: 100 replays counted" [ $(($(counter b "$NS_B" path.0.replay) - rep0)) -ge 100 ]
check "eth0: 100 bad-MAC frames counted" [ $(($(counter b "$NS_B" path.1.bad_mac) - ubad0)) -ge 100 ]
check "eth0: 100 truncated frames counted" [ $(($(counter b "$NS_B" path.1.malformed) - umal0)) -ge 100 ]
check "eth0: 100 replays counted" [ $(($(counter b "$NS_B" path.1.replay) - urep0)) -ge 100 ]

# --- node death: every link of a goes down at once (a itself sees its LAN
# link down: it drops the IP at once, health failed)
in_ns "$NS_C" "$TOOLS/prober" -t $VIP:$PORT -d $((WAIT + 3)) >"$WORK/probe1.out" 2>&1 &
probe=$!
sleep 1
links "$NS_A" down
check "node death: b becomes Active" wait_for "$WAIT" state_is b "$NS_B" Active
check "node death: failover IP on b" has_vip "$NS_B"
wait $probe
check "node death: client switched a -> b ($(head -1 "$WORK/probe1.out"))" grep -q 'first=a last=b' "$WORK/probe1.out"
check "node death: client's ARP entry points at b" [ "$(client_neigh)" = "$(mac_of "$NS_B")" ]
check "node death: a dropped the IP itself (LAN link down)" no_vip "$NS_A"
# a comes back: its links count after the detection time, by then it has
# heard b serving, so it waits Idle as after any health failure
links "$NS_A" up
check "a returns: a becomes Idle (auto_failback off)" wait_for "$WAIT" state_is a "$NS_A" Idle
check "a returns: b keeps Active" state_is b "$NS_B" Active
check "a returns: failover IP only on b" wait_for 3 no_vip "$NS_A"
sleep 0.5
check "a returns: client's ARP entry still points at b" [ "$(client_neigh)" = "$(mac_of "$NS_B")" ]

# --- SIGKILL the active daemon: the lease fence silences b, a takes over
in_ns "$NS_C" "$TOOLS/prober" -t $VIP:$PORT -d $((WAIT + 3)) >"$WORK/probe2.out" 2>&1 &
probe=$!
sleep 1
kill -9 "$PID_b"
check "SIGKILL: a becomes Active" wait_for "$WAIT" state_is a "$NS_A" Active
check "SIGKILL: failover IP on a" has_vip "$NS_A"
check "SIGKILL: b's kernel still has the IP (nobody removed it)..." has_vip "$NS_B"
wait $probe
check "SIGKILL: ...but the client is served by a ($(head -1 "$WORK/probe2.out"))" \
	grep -q 'first=b last=a' "$WORK/probe2.out"
check "SIGKILL: client's ARP entry points at a" [ "$(client_neigh)" = "$(mac_of "$NS_A")" ]
start_node b "$NS_B"
check "restarted b drops the stale IP and becomes Standby" wait_for "$WAIT" state_is b "$NS_B" Standby
check "restarted b: failover IP only on a" no_vip "$NS_B"

# --- coordinated takeover: b asks, a (Active) releases first, b takes over
in_ns "$NS_C" "$TOOLS/prober" -t $VIP:$PORT -d 4 >"$WORK/probe3.out" 2>&1 &
probe=$!
sleep 1
out=$(ctl b "$NS_B" takeover 2>&1)
check "takeover on b: $(tr '\n' ' ' <<<"$out")" grep -q "this node is Active" <<<"$out"
check "takeover: a is Standby" wait_for 3 state_is a "$NS_A" Standby
check "takeover: failover IP on b only" bash -c "$(declare -f in_ns has_vip); VIP=$VIP; has_vip $NS_B && ! has_vip $NS_A"
wait $probe
check "takeover: client switched a -> b ($(head -1 "$WORK/probe3.out"))" grep -q 'first=a last=b' "$WORK/probe3.out"
out=$(ctl b "$NS_B" takeover 2>&1)
check "takeover on the active node is refused: $out" grep -q "already Active" <<<"$out"
ctl a "$NS_A" failover disable >/dev/null
out=$(ctl a "$NS_A" takeover 2>&1)
check "takeover with failover disabled is refused: $out" grep -q "failover is disabled" <<<"$out"
ctl a "$NS_A" failover enable >/dev/null
# ...and back: a takes over from b
in_ns "$NS_C" "$TOOLS/prober" -t $VIP:$PORT -d 3 >"$WORK/probe4.out" 2>&1 &
probe=$!
sleep 1
out=$(ctl a "$NS_A" takeover 2>&1)
check "takeover back on a: $(tr '\n' ' ' <<<"$out")" grep -q "this node is Active" <<<"$out"
check "takeover back: b is Standby" wait_for 3 state_is b "$NS_B" Standby
wait $probe
check "takeover back: client switched b -> a ($(head -1 "$WORK/probe4.out"))" grep -q 'first=b last=a' "$WORK/probe4.out"

[ "$FAIL" -gt 0 ] && dump_logs
summary pair
