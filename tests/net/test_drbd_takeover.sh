#!/usr/bin/env bash
# DRBD in the takeover, with a stand-in drbdadm and /proc/drbd (real DRBD
# runs in the qemu system tests): the active is Primary; a handover demotes
# the old active after its IP is gone and promotes the new one before its
# IP goes up; a takeover is refused while DRBD is not in sync; a disk that
# is not UpToDate is never promoted. Root only.
set -u
. "$(dirname "$0")/lib.sh"

pair_setup
mkdir -p "$WORK/bin"
# drbdadm [--force] primary|secondary RES: rewrites this node's stand-in
# /proc/drbd (TWIN_DRBD_PROC) and logs the call with a timestamp
cat >"$WORK/bin/drbdadm" <<'EOS'
#!/bin/sh
[ "$1" = --force ] && shift
op=$1
f=$TWIN_DRBD_PROC
case $op in
primary) sed -i 's/ro:[A-Za-z]*\//ro:Primary\//' "$f" ;;
secondary) sed -i 's/ro:[A-Za-z]*\//ro:Secondary\//' "$f" ;;
*) echo "drbdadm: $op not faked" >&2; exit 1 ;;
esac
echo "$(date +%s%N) $op" >>"$f.log"
EOS
chmod +x "$WORK/bin/drbdadm"
proc() { # proc NODE ROLE DISK PEER_DISK
	printf 'version: 8.4.11 (api:1/proto:86-101)\n 0: cs:Connected ro:%s/Secondary ds:%s/%s C r-----\n    ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0\n' \
		"$2" "$3" "$4" >"$WORK/$1/drbd"
}
for n in a b; do
	mkdir -p "$WORK/$n"
	proc $n Secondary UpToDate UpToDate
	write_conf $n "$([ $n = a ] && echo 1 || echo 2)" "$([ $n = a ] && echo 2 || echo 1)" \
		"$([ $n = a ] && echo $IP_B || echo $IP_A)" "$([ $n = a ] && echo 150 || echo 100)" "drbd_resource r0"
	ns=$([ $n = a ] && echo "$NS_A" || echo "$NS_B")
	ip netns exec "$ns" env PATH="$WORK/bin:$PATH" TWIN_DRBD_PROC="$WORK/$n/drbd" \
		"$TWIND" -f "$WORK/$n/twin.conf" -v >>"$WORK/$n/twind.log" 2>&1 &
	eval "PID_$n=$!"
	disown $!
done
start_responders
WAIT=6
role() { sed -n 's/.*ro:\([A-Za-z]*\)\/.*/\1/p' "$WORK/$1/drbd"; }
last_op_ns() { awk -v op="$2" '$2 == op {t = $1} END {print (t == "" ? 0 : t)}' "$WORK/$1/drbd.log" 2>/dev/null; }

check "a Active" wait_for 10 state_is a "$NS_A" Active
check "b Standby" wait_for 10 state_is b "$NS_B" Standby
check "a promoted DRBD to Primary" wait_for 3 bash -c "grep -q ro:Primary $WORK/a/drbd"
check "b stays Secondary" bash -c "grep -q ro:Secondary $WORK/b/drbd"
check "status shows DRBD like drbd-overview" bash -c \
	"$TWINCTL -s $WORK/a/twind.sock status --raw | grep -q '^drbd.summary=0:r0 Connected Primary/Secondary UpToDate/UpToDate'"

proc b Secondary Inconsistent UpToDate
sleep 0.2
out=$(ctl b "$NS_B" takeover 2>&1)
check "takeover refused while DRBD is not in sync: $out" grep -q "not in sync" <<<"$out"
proc b Secondary UpToDate UpToDate
sleep 0.2
out=$(ctl b "$NS_B" takeover 2>&1)
check "takeover once in sync: $(tail -1 <<<"$out")" grep -q "this node is Active" <<<"$out"
check "a demoted to Secondary" wait_for 3 bash -c "grep -q ro:Secondary $WORK/a/drbd"
check "b promoted to Primary" bash -c "grep -q ro:Primary $WORK/b/drbd"
check "a demoted before b promoted" [ "$(last_op_ns a secondary)" -lt "$(last_op_ns b primary)" ]
check "failover IP on b only" bash -c "$(declare -f in_ns has_vip); VIP=$VIP; has_vip $NS_B && ! has_vip $NS_A"

# a's disk goes Outdated; b dies: a must not promote an Outdated disk
proc a Secondary Outdated DUnknown
links "$NS_B" down
sleep 2
check "an Outdated disk is not promoted: a not Active" bash -c "! $TWINCTL -s $WORK/a/twind.sock status --raw | grep -q '^node.state=Active'"
check "...a stays Secondary" bash -c "grep -q ro:Secondary $WORK/a/drbd"
check "...and says why" bash -c "$TWINCTL -s $WORK/a/twind.sock status | grep -q 'DRBD not promoted'"
check "...no failover IP on a" no_vip "$NS_A"
[ "$FAIL" -gt 0 ] && dump_logs
summary drbd_takeover
