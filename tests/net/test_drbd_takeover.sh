#!/usr/bin/env bash
# DRBD in the takeover, with a stand-in drbdadm and /proc/drbd (real DRBD
# runs in the qemu system tests): the active is Primary; a handover demotes
# the old active after its IP is gone and promotes the new one before its
# IP goes up; a takeover is refused while DRBD is not in sync; a disk that
# is not UpToDate is never promoted. Root only.
# DRBD_VERSION=9 (test_drbd9.sh): the same with DRBD 9's interface: /proc/drbd
# says version 9 and the state comes from a stand-in `drbdsetup events2`.
set -u
. "$(dirname "$0")/lib.sh"
V=${DRBD_VERSION:-8}

pair_setup
mkdir -p "$WORK/bin"
# $WORK/NODE/drbd is each node's DRBD state in /proc/drbd 8.4 form: what the
# checks read. With DRBD 9 every change is also an events2 line in drbd.events.
# drbdadm [--force] primary|secondary RES: changes the role, logs the call
# with a timestamp
cat >"$WORK/bin/drbdadm" <<'EOS'
#!/bin/sh
[ "$1" = --force ] && shift
op=$1
f=$TWIN_TEST_DRBD
case $op in
primary) sed -i 's/ro:[A-Za-z]*\//ro:Primary\//' "$f"; r=Primary ;;
secondary) sed -i 's/ro:[A-Za-z]*\//ro:Secondary\//' "$f"; r=Secondary ;;
*) echo "drbdadm: $op not faked" >&2; exit 1 ;;
esac
[ -e "$f.events" ] && echo "change resource name:$2 role:$r" >>"$f.events"
echo "$(date +%s%N) $op" >>"$f.log"
EOS
# drbdsetup events2 --statistics RES: follows drbd.events
cat >"$WORK/bin/drbdsetup" <<'EOS'
#!/bin/sh
[ "$1" = events2 ] || { echo "drbdsetup: $1 not faked" >&2; exit 1; }
exec tail -n +1 -F "$TWIN_TEST_DRBD.events" 2>/dev/null
EOS
chmod +x "$WORK/bin/drbdadm" "$WORK/bin/drbdsetup"
proc() { # proc NODE ROLE DISK PEER_DISK
	printf 'version: 8.4.11 (api:1/proto:86-101)\n 0: cs:Connected ro:%s/Secondary ds:%s/%s C r-----\n    ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0\n' \
		"$2" "$3" "$4" >"$WORK/$1/drbd"
	[ "$V" = 9 ] && printf '%s\n' "change resource name:r0 role:$2" \
		"change device name:r0 volume:0 minor:0 disk:$3" \
		"change peer-device name:r0 peer-node-id:1 conn-name:peer volume:0 replication:Established peer-disk:$4" \
		>>"$WORK/$1/drbd.events"
	return 0
}
for n in a b; do
	mkdir -p "$WORK/$n"
	if [ "$V" = 9 ]; then
		printf 'version: 9.2.4 (api:2/proto:86-122)\n' >"$WORK/$n/proc"
		printf '%s\n' "exists resource name:r0 role:Secondary suspended:no" \
			"exists connection name:r0 peer-node-id:1 conn-name:peer connection:Connected role:Secondary" \
			"exists device name:r0 volume:0 minor:0 disk:UpToDate client:no" \
			"exists peer-device name:r0 peer-node-id:1 conn-name:peer volume:0 replication:Established peer-disk:UpToDate out-of-sync:0" \
			"exists -" >"$WORK/$n/drbd.events"
	fi
	proc $n Secondary UpToDate UpToDate
	write_conf $n "$([ $n = a ] && echo 1 || echo 2)" "$([ $n = a ] && echo 2 || echo 1)" \
		"$([ $n = a ] && echo $IP_B || echo $IP_A)" "$([ $n = a ] && echo 150 || echo 100)" "drbd_resource r0"
	ns=$([ $n = a ] && echo "$NS_A" || echo "$NS_B")
	procfile=$WORK/$n/drbd
	[ "$V" = 9 ] && procfile=$WORK/$n/proc
	ip netns exec "$ns" env PATH="$WORK/bin:$PATH" TWIN_DRBD_PROC="$procfile" TWIN_TEST_DRBD="$WORK/$n/drbd" \
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
check "takeover refused while DRBD is not in sync: $out" grep -q "takeover refused: local disk is Inconsistent" <<<"$out"
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
[ "$V" = 9 ] && check "DRBD 9: state followed through drbdsetup events2" grep -q "following r0 with drbdsetup events2" "$WORK/a/twind.log"
[ "$FAIL" -gt 0 ] && dump_logs
summary "drbd_takeover (DRBD $V)"
