#!/usr/bin/env bash
# Admin switches on a real pair: failover disabled on the standby stops it
# from taking over when the active dies; a node whose health fails goes
# Inactive, comes back Idle (auto-failback off) and is restored by the admin.
set -u
. "$(dirname "$0")/lib.sh"

pair_setup
for n in a b; do
	write_conf $n "$([ $n = a ] && echo 1 || echo 2)" "$([ $n = a ] && echo 2 || echo 1)" \
		"$([ $n = a ] && echo $IP_B || echo $IP_A)" "$([ $n = a ] && echo 150 || echo 100)" \
		"health_command \"test ! -e $WORK/$n/sick\"" "health_interval 100ms" "health_fall 1" "health_rise 1" \
		"reboot_command \"touch $WORK/$n/rebooted\"" "shutdown_command \"touch $WORK/$n/powered-off\""
	start_node $n "$([ $n = a ] && echo "$NS_A" || echo "$NS_B")"
done
WAIT=6
check "a Active, b Standby" wait_for 10 state_is a "$NS_A" Active
wait_for 10 state_is b "$NS_B" Standby

# --- failover disabled on the standby: the active dies, nobody takes over
out=$(ctl b "$NS_B" failover disable 2>&1)
check "failover disable on b: $out" grep -qi "disabled" <<<"$out"
check "a sees b's failover disabled" wait_for 3 bash -c \
	"$TWINCTL -s $WORK/a/twind.sock status --raw | grep -q '^peer.failover_enabled=false'"
links "$NS_A" down
sleep 2
check "a dies: b stays Standby (failover disabled)" state_is b "$NS_B" Standby
check "...no failover IP on b" no_vip "$NS_B"
check "...and b says why" bash -c "$TWINCTL -s $WORK/b/twind.sock status | grep -q 'failover disabled'"
out=$(ctl b "$NS_B" failover enable 2>&1)
check "failover enable on b: $out" grep -qi "enabled" <<<"$out"
check "...then b takes over (the peer is still dead)" wait_for "$WAIT" state_is b "$NS_B" Active
links "$NS_A" up
check "a returns Idle (its LAN was down: a health failure)" wait_for "$WAIT" state_is a "$NS_A" Idle

# --- health: Inactive, then Idle (auto-failback off), then restored
touch "$WORK/a/sick"
check "a's health fails: Inactive" wait_for "$WAIT" state_is a "$NS_A" Inactive
out=$(ctl a "$NS_A" takeover 2>&1)
check "an unhealthy node refuses takeover: $out" grep -qi "not healthy" <<<"$out"
rm -f "$WORK/a/sick"
check "health back, peer alive, auto-failback off: a Idle" wait_for "$WAIT" state_is a "$NS_A" Idle
sleep 1
check "an Idle node stays Idle (b keeps serving)" state_is a "$NS_A" Idle
out=$(ctl a "$NS_A" restore 2>&1)
check "restore: $out" grep -q "Standby" <<<"$out"
check "a Standby after restore" state_is a "$NS_A" Standby
check "b still Active" state_is b "$NS_B" Active

# --- the failover IP is in use by another host: no claim, an alarm; claimed
# once that host lets go
in_ns "$NS_R" ip addr add $VIP/24 dev eth0
links "$NS_B" down
sleep 2
check "b dies while a rogue holds the failover IP: a does not claim it" bash -c \
	"$(declare -f in_ns has_vip no_vip); VIP=$VIP; ! has_vip $NS_A"
check "...and a raises the alarm" bash -c "$TWINCTL -s $WORK/a/twind.sock status | grep -q 'answered by'"
in_ns "$NS_R" ip addr del $VIP/24 dev eth0
check "the rogue lets go: a claims it (retry)" wait_for "$WAIT" state_is a "$NS_A" Active
check "...failover IP on a" has_vip "$NS_A"
links "$NS_B" up
check "b returns Idle (its LAN was down)" wait_for "$WAIT" state_is b "$NS_B" Idle

# --- reboot / shutdown, here and on the peer (harmless commands configured)
out=$(ctl a "$NS_A" reboot </dev/null 2>&1)
check "reboot without a terminal or --yes is refused: $out" bash -c "grep -q -- '--yes' <<<'$out' && [ ! -e $WORK/a/rebooted ]"
out=$(ctl a "$NS_A" shutdown --peer --yes 2>&1)
check "shutdown --peer runs the peer's shutdown_command: $out" wait_for 3 test -e "$WORK/b/powered-off"
check "...and not ours" test ! -e "$WORK/a/powered-off"
out=$(ctl a "$NS_A" reboot --yes 2>&1)
check "reboot runs our reboot_command: $out" wait_for 3 test -e "$WORK/a/rebooted"
check "the active hands over before its reboot: b Active" wait_for "$WAIT" state_is b "$NS_B" Active
[ "$FAIL" -gt 0 ] && dump_logs
summary admin
