#!/usr/bin/env bash
# Cluster lifecycle from twinctl: two standalone nodes are paired with
# `twinctl cluster create` over the TLS channel (fingerprint + the peer's
# admin password), refused cleanly on a wrong key or password (with the
# lockout visible, per source: a brute force from a third host locks out
# only that host, also across b's restart), then dissolved; each node's membership_command runs at
# both changes and sees the stored cluster state. Root only.
set -u
. "$(dirname "$0")/lib.sh"

pair_setup
conf() { # conf NODE PRIO: a node with no pair configured
	mkdir -p "$WORK/$1"
	# the hook records what it was told and which node id the stored state gives
	cat >"$WORK/$1/hook.sh" <<EOH
#!/bin/sh
echo "\$1 node_id=\$(sed -n 's/^node_id=//p' $WORK/$1/state/cluster.state 2>/dev/null)" >>$WORK/$1/membership.log
EOH
	chmod +x "$WORK/$1/hook.sh"
	cat >"$WORK/$1/twin.conf" <<EOC
node_name $1
priority $2
hb_interface eth1
lan_interface eth0
heartbeat_interval $HB_INTERVAL
heartbeat_misses $HB_MISSES
startup_wait 2s
state_dir $WORK/$1/state
control_socket $WORK/$1/twind.sock
membership_command $WORK/$1/hook.sh
EOC
}
conf a 150
conf b 100
start_node a "$NS_A"
start_node b "$NS_B"
start_responders

check "a starts standalone" wait_for 5 state_is a "$NS_A" Standalone
check "b starts standalone" wait_for 5 state_is b "$NS_B" Standalone
out=$(echo "right-horse-battery" | ctl b "$NS_B" password set 2>&1)
check "admin password set on b: $out" grep -q "password set" <<<"$out"
FP_A=$(status_get a "$NS_A" cluster.fingerprint)
FP_B=$(status_get b "$NS_B" cluster.fingerprint)
check "each node has its own key ($FP_B)" bash -c "[ -n '$FP_B' ] && [ '$FP_A' != '$FP_B' ]"
out=$(ctl a "$NS_A" cluster probe $IP_B 2>&1)
check "probe shows b's key: $out" grep -qF "$FP_B" <<<"$out"
nothing_written() { [ ! -e "$WORK/a/state/cluster.state" ] && [ ! -e "$WORK/b/state/cluster.state" ] &&
	[ ! -e "$WORK/a/state/cluster.pending" ]; }

out=$(echo "right-horse-battery" | ctl a "$NS_A" cluster create --peer $IP_B --failover-ip $VIP/24 \
	--yes-fingerprint "$FP_A" --password-stdin 2>&1)
check "a mismatched fingerprint is refused: $(tail -1 <<<"$out")" grep -qi "does not match" <<<"$out"
check "...and nothing is written on either node" nothing_written

out=$(echo "wrong-password" | ctl a "$NS_A" cluster create --peer $IP_B --failover-ip $VIP/24 \
	--yes-fingerprint "$FP_B" --password-stdin 2>&1)
check "a wrong password is refused: $(tail -1 <<<"$out")" grep -qi "wrong admin password" <<<"$out"
check "...and nothing is written on either node" nothing_written
out=$(echo "right-horse-battery" | ctl a "$NS_A" cluster create --peer $IP_B --failover-ip $VIP/24 \
	--yes-fingerprint "$FP_B" --password-stdin 2>&1)
check "an immediate retry meets the lockout: $(tail -1 <<<"$out")" grep -qi "refuses pairing for" <<<"$out"
check "...and nothing is written" nothing_written

# --- a brute force from another LAN host locks out that host only, and a
# restart of b does not clear it (state_dir/pairing.lockout)
conf r 50
start_node r "$NS_R"
check "rogue host r starts standalone" wait_for 5 state_is r "$NS_R" Standalone
rogue() {
	echo "$1" | ctl r "$NS_R" cluster create --peer $IP_B --failover-ip $VIP/24 --yes-fingerprint "$FP_B" \
		--password-stdin 2>&1
}
out=$(rogue guess-1)
check "rogue: a wrong password: $(tail -1 <<<"$out")" grep -qi "wrong admin password" <<<"$out"
sleep 1.1
out=$(rogue guess-2)
check "rogue: a second one: $(tail -1 <<<"$out")" grep -qi "wrong admin password" <<<"$out"
check "b keeps the lockout per source on disk" grep -q "^src $IP_R [0-9]* 4000 2\$" "$WORK/b/state/pairing.lockout"
kill "$PID_b"
for _ in $(seq 50); do kill -0 "$PID_b" 2>/dev/null || break; sleep 0.1; done
start_node b "$NS_B"
check "b restarted, standalone" wait_for 5 state_is b "$NS_B" Standalone
out=$(rogue right-horse-battery)
check "after b's restart the rogue is still locked out: $(tail -1 <<<"$out")" grep -qi "refuses pairing for" <<<"$out"
check "...and nothing is written" nothing_written
sleep 2.2 # a's own lockout after its one failure is 1 s; r's (2 s) does not hold a back

out=$(echo "right-horse-battery" | ctl a "$NS_A" cluster create --peer $IP_B --failover-ip $VIP/24 \
	--yes-fingerprint "$FP_B" --password-stdin 2>&1)
check "cluster create with the right password: $(tail -1 <<<"$out")" grep -qiE "paired|created|done" <<<"$out"
check "both nodes store the same cluster key" bash -c \
	"[ \"\$(grep cluster_key= $WORK/a/state/cluster.state)\" = \"\$(grep cluster_key= $WORK/b/state/cluster.state)\" ]"
check "a Active after the restart" wait_for 15 state_is a "$NS_A" Active
check "b Standby" wait_for 10 state_is b "$NS_B" Standby
check "failover IP on a" has_vip "$NS_A"
check "no claim alarm outlives the claim on a (issue 13)" wait_for 3 bash -c \
	"! $TWINCTL -s $WORK/a/twind.sock status --raw | grep -qE '^alarm\.[0-9]+=(could not (re-)?add the failover IP|DRBD not promoted)'"
check "twinctl log on a: who asked for the pairing" bash -c \
	"$TWINCTL -s $WORK/a/twind.sock log | grep -q ' a admin cluster create requested by ssh/uid 0'"
check "a knows b's key" [ "$(status_get a "$NS_A" cluster.peer_fingerprint)" = "$FP_B" ]
check "cluster mode paired" [ "$(status_get b "$NS_B" cluster.mode)" = paired ]
check "membership_command ran on a as node 1: $(cat "$WORK/a/membership.log" 2>/dev/null)" \
	[ "$(cat "$WORK/a/membership.log" 2>/dev/null)" = "paired node_id=1" ]
check "membership_command ran on b as node 2: $(cat "$WORK/b/membership.log" 2>/dev/null)" \
	[ "$(cat "$WORK/b/membership.log" 2>/dev/null)" = "paired node_id=2" ]
out=$(in_ns "$NS_C" "$TOOLS/prober" -t $VIP:$PORT -d 1)
check "client reaches the failover IP ($out)" grep -q 'first=a last=a' <<<"$out"
out=$(echo x | ctl b "$NS_B" cluster create --peer $IP_A --failover-ip $VIP/24 --yes-fingerprint "$FP_A" \
	--password-stdin 2>&1)
check "creating again is refused: $(tail -1 <<<"$out")" grep -qiE "already" <<<"$out"

out=$(ctl a "$NS_A" cluster dissolve 2>&1)
check "dissolve: $(head -1 <<<"$out")" grep -q "Keep only ONE" <<<"$out"
check "cluster.state removed on both" wait_for 5 bash -c \
	"[ ! -e $WORK/a/state/cluster.state ] && [ ! -e $WORK/b/state/cluster.state ]"
check "dissolve says who keeps the failover IP: $(grep -o 'a keeps[^;]*' <<<"$out")" grep -q "a keeps serving the failover IP $VIP" <<<"$out"
check "a standalone again" wait_for 10 state_is a "$NS_A" Standalone
check "b standalone again" wait_for 10 state_is b "$NS_B" Standalone
check "a, Active at the dissolve, keeps the failover IP" has_vip "$NS_A"
check "b does not" no_vip "$NS_B"
check "membership_command ran with 'dissolved' on both" bash -c \
	"[ \"\$(tail -1 $WORK/a/membership.log)\" = 'dissolved node_id=' ] && [ \"\$(tail -1 $WORK/b/membership.log)\" = 'dissolved node_id=' ]"
out=$(in_ns "$NS_C" "$TOOLS/prober" -t $VIP:$PORT -d 1)
check "the client is still served by a ($out)" grep -q 'first=a last=a' <<<"$out"
[ "$FAIL" -gt 0 ] && dump_logs
summary cluster
