#!/usr/bin/env bash
# DRBD fencing with a stand-in DRBD (real DRBD: system tests 7 and 8).
# DRBD freezes the Primary's writes when the replication link breaks and
# runs its fence-peer handler (twinctl drbd-event fence-peer), which waits
# for twind's verdict: the peer outdated over the LAN (eth1 cut only: no
# failover), or the peer declared dead with the witness answering (exit 7)
# or without a witness (exit 5); an isolated Active never gets an answer and
# restarts (self_fence_command); the stand-in's promote runs the handler
# too, like DRBD's. A LAN host without the cluster key cannot outdate a
# disk. Root only.
set -u
. "$(dirname "$0")/lib.sh"

pair_setup
FENCING=1
. "$(dirname "$0")/drbd_standin.sh"
start_responders
mono_ms() { python3 -c 'import time; print(time.monotonic_ns() // 1000000)'; }
raw() { ctl "$1" "$2" status --raw 2>/dev/null; }
alarm_has() { raw "$1" "$2" | grep '^alarm\.' | grep -q "$3"; }
nsof() { [ "$1" = a ] && echo "$NS_A" || echo "$NS_B"; }
# fence NODE: DRBD lost the replication link on NODE's Primary: its
# handler, in the background; its exit code lands in NODE/fence.rc
fence() {
	rm -f "$WORK/$1/fence.rc"
	(
		in_ns "$(nsof "$1")" "$TWINCTL" -s "$WORK/$1/twind.sock" drbd-event fence-peer r0 \
			>"$WORK/$1/fence.msg" 2>"$WORK/$1/fence.err"
		echo $? >"$WORK/$1/fence.rc"
	) &
	disown $!
}
fence_rc() { cat "$WORK/$1/fence.rc" 2>/dev/null; }
answered() { [ -s "$WORK/$1/fence.rc" ]; }
# drbd_lost: the replication link is gone on both stand-ins
drbd_lost() {
	st a cs=WFConnection prole=Unknown pdisk=DUnknown
	st b cs=WFConnection prole=Unknown pdisk=DUnknown
}
# drbd_back PRIMARY: connected again, the other one resynced from PRIMARY
drbd_back() {
	local p=$1 s
	s=$([ "$1" = a ] && echo b || echo a)
	st "$p" cs=Connected role=Primary prole=Secondary disk=UpToDate pdisk=UpToDate oos=0
	st "$s" cs=Connected role=Secondary prole=Primary disk=UpToDate pdisk=UpToDate oos=0
}
unplug() { in_ns "$NS_L" ip link set "${1}0" nomaster; in_ns "$NS_L" ip link set "${1}1" nomaster; }
plug_back() { in_ns "$NS_L" ip link set "${1}0" master br0; in_ns "$NS_L" ip link set "${1}1" master br1; }
SELF_FENCE='self_fence_command "touch $TWIN_TEST_DIR/self-fenced"'
DETECT_MS=$((${HB_INTERVAL%ms} * HB_MISSES))

# --- 1. eth1 cut, eth0 up: the peer's disk is outdated over the LAN, no failover
check "pair up: a Active (DRBD Primary), b Standby" boot_pair "$SELF_FENCE"
in_ns "$NS_L" ip link set a1 down
drbd_lost
t0=$(mono_ms)
fence a
check "eth1 cut: a's handler answered" wait_for 5 answered a
t1=$(mono_ms)
echo "# handler: exit $(fence_rc a) after $((t1 - t0)) ms: $(cat "$WORK/a/fence.msg")"
check "...exit 4 (peer outdated)" [ "$(fence_rc a)" = 4 ]
check "...b ran drbdadm outdate" grep -q " outdate r0" "$WORK/b/ops"
check "...b's disk is Outdated" [ "$(st_get b disk)" = Outdated ]
took=$(raw a "$NS_A" | sed -n 's/^fence.last=.* after \([0-9]*\) ms.*/\1/p')
echo "# writes frozen for ${took:-?} ms in twind (one request over the cluster channel, TLS)"
check "...the peer is never declared dead: its outdate thaws the writes (${took:-?} ms)" bash -c "! grep -q 'peer 2 dead' $WORK/a/twind.log && [ ${took:-9999} -lt 3000 ]"
sleep 1
check "...no failover: a Active" state_is a "$NS_A" Active
check "...b Standby" state_is b "$NS_B" Standby
check "...a's status says what happened" bash -c "$TWINCTL -s $WORK/a/twind.sock status --raw | grep -q '^fence.last=peer outdated (exit 4)'"
check "...the frozen-writes alarm is cleared" bash -c "! $TWINCTL -s $WORK/a/twind.sock status --raw | grep '^alarm\.' | grep -q 'writes frozen'"
check "...fence event logged on a" grep -q "fence-peer: peer outdated (exit 4)" "$WORK/a/twind.log"
check "...b logged the outdate it ran" grep -q "our disk is Outdated" "$WORK/b/twind.log"
# a second handler run (DRBD retries): b's disk is already Outdated
fence a
check "...asked again: exit 4 at once (already Outdated), no second drbdadm" bash -c "for i in \$(seq 40); do [ -s $WORK/a/fence.rc ] && break; sleep 0.05; done; [ \"\$(cat $WORK/a/fence.rc)\" = 4 ] && [ \$(grep -c ' outdate r0' $WORK/b/ops) = 1 ]"
out=$(ctl b "$NS_B" takeover --force 2>&1)
echo "# b: takeover --force: $out"
check "...b refuses even a forced takeover with its Outdated disk, saying what it would lose" \
	bash -c "grep -q 'lacks the writes made on the peer' <<<\"\$0\" && ! grep -q 'Primary' $WORK/b/drbd" "$out"
in_ns "$NS_L" ip link set a1 up
drbd_back a
check "eth1 back: DRBD resynced, a Active, b Standby" wait_for 3 bash -c "[ \"\$($TWINCTL -s $WORK/b/twind.sock status --raw | sed -n 's/^node.state=//p')\" = Standby ]"

# --- 2. an attacker on the LAN, without the cluster key, cannot outdate a disk
st b disk=UpToDate
ip netns exec "$NS_C" python3 - "$IP_B" 6941 >"$WORK/attack.out" 2>&1 <<'PY'
import socket, ssl, sys
host, port = sys.argv[1], int(sys.argv[2])
for tls in (0, 1):
    try:
        s = socket.create_connection((host, port), timeout=2)
        if tls:
            c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            c.check_hostname = False
            c.verify_mode = ssl.CERT_NONE
            s = c.wrap_socket(s)
        s.sendall(b"drbd-outdate r0\n")
        print("reply:", s.recv(200))
    except Exception as e:
        print("refused:", type(e).__name__, e)
PY
sed 's/^/# attacker: /' "$WORK/attack.out"
check "attack: 'drbd-outdate' from a LAN host without the key: b's disk stays UpToDate" [ "$(st_get b disk)" = UpToDate ]
check "...and no drbdadm outdate ran" [ "$(grep -c ' outdate r0' "$WORK/b/ops")" = 1 ]
stop_pair

# --- 3. witness: the Active cut off from everything steps down, frozen, and self-fences
check "pair with a witness ($IP_C)" boot_pair "$SELF_FENCE" "witness $IP_C"
touch "$WORK/a/held" # a writer blocked in the frozen device keeps it open: no demote
unplug a
drbd_lost
fence a
check "a cut off: b takes over (its promote fenced a)" wait_for 5 state_is b "$NS_B" Active
check "...b's own handler said exit 7 (fenced: the witness answers)" grep -q "fence-peer 7" "$WORK/b/ops"
check "...b DRBD Primary" bash -c "grep -q ro:Primary/ $WORK/b/drbd"
check "...a steps down as isolated" wait_for 5 bash -c "$TWINCTL -s $WORK/a/twind.sock status --raw | grep -q '^node.reason=isolated'"
check "...a self-fences (restart)" wait_for 3 test -e "$WORK/a/self-fenced"
check "...a's writes stay frozen: its handler has no answer" bash -c "sleep 1; ! [ -s $WORK/a/fence.rc ]"
check "...a's status: writes frozen" alarm_has a "$NS_A" "writes frozen"
check "...a logged why it restarts" grep -q "isolated with DRBD writes frozen: restarting" "$WORK/a/twind.log"
# the restart: a comes back as Secondary, cut off; then the links return
pkill -f "drbd-event fence-peer" 2>/dev/null
stop a
st a role=Secondary
rm -f "$WORK/a/self-fenced" "$WORK/a/held"
start a
check "a restarted, still cut off: it does not serve" wait_for 5 bash -c "$TWINCTL -s $WORK/a/twind.sock status --raw 2>/dev/null | grep -Eq '^node.state=(Initializing|Inactive|Idle)'"
plug_back a
drbd_back b
check "links back: a Standby, b Active" wait_for 10 state_is a "$NS_A" Standby
check "...no SplitBrain anywhere" bash -c "! grep -q SplitBrain $WORK/a/twind.log $WORK/b/twind.log"

# --- 4. witness: the Standby cut off; the Active's writes thaw once it is declared dead
unplug a
drbd_lost
t0=$(mono_ms)
fence b
check "Standby a cut off: b's handler answered" wait_for 5 answered b
t1=$(mono_ms)
echo "# b's handler: exit $(fence_rc b) after $((t1 - t0)) ms (detection time $DETECT_MS ms): $(cat "$WORK/b/fence.msg")"
check "...exit 7: a is silent and the witness answers" [ "$(fence_rc b)" = 7 ]
check "...not before a was declared dead ($((t1 - t0)) ms >= $((DETECT_MS * 8 / 10)) ms)" [ $((t1 - t0)) -ge $((DETECT_MS * 8 / 10)) ]
check "...b still Active" state_is b "$NS_B" Active
check "...a never took over" bash -c "! $TWINCTL -s $WORK/a/twind.sock status --raw | grep -q '^node.state=Active'"
check "...a's disk was not outdated (it was unreachable)" [ "$(st_get a disk)" = UpToDate ]
plug_back a
drbd_back b
check "links back: a Standby" wait_for 10 state_is a "$NS_A" Standby
stop_pair

# --- 5. no witness: both go on once the other is declared dead (the split brain case)
check "pair without a witness" boot_pair "$SELF_FENCE"
in_ns "$NS_L" bridge link set dev a0 isolated on
in_ns "$NS_L" bridge link set dev b0 isolated on
in_ns "$NS_L" ip link set a1 down
drbd_lost
fence a
check "both links cut: a's handler answered" wait_for 5 answered a
check "...exit 5 (unreachable, assumed dead)" [ "$(fence_rc a)" = 5 ]
check "...b took over, its promote answered 5" wait_for 5 bash -c "grep -q 'fence-peer 5' $WORK/b/ops"
check "...a says there is no witness" grep -q "no witness" "$WORK/a/fence.msg"
check "...a did not self-fence (not isolated: no witness configured)" [ ! -e "$WORK/a/self-fenced" ]
# a client's text reaches the log escaped: no escape sequence, no fake line
ctl a "$NS_A" drbd-event split-brain "$(printf 'r0\033[2J\tALARM: fake')" >/dev/null 2>&1
check "untrusted text in the log is escaped" bash -c "grep -qF 'split brain on r0\\x1b[2J\\tALARM: fake' $WORK/a/twind.log && ! grep -q \$'\\033' $WORK/a/twind.log"
stop_pair

# --- bad input
out=$($TWINCTL -s "$WORK/a/twind.sock" drbd-event bogus 2>&1)
check "twinctl drbd-event bogus: usage error (exit 2): $out" bash -c "$TWINCTL -s $WORK/a/twind.sock drbd-event bogus >/dev/null 2>&1; [ \$? = 2 ]"

[ "$FAIL" -gt 0 ] && dump_logs
summary "fencing"
