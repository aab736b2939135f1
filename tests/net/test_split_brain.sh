#!/usr/bin/env bash
# Split brain with a stand-in DRBD (real DRBD runs in the qemu system
# tests): both links between the nodes cut while the client still reaches
# both (LAN ports isolated on the bridge, heartbeat link down). Both serve,
# each says it serves alone; when the links return both go SplitBrain at the
# first beat, the node that served without interruption keeps the IP (it
# moves at most once) and the client is answered by it alone; status shows
# both sides and a proposal; the repair is refused when it would lose data
# or cannot work, and works with each choice of survivor, from either node;
# a split brain survives a restart; DRBD's own report (its split-brain
# handler) does the same; split_brain_auto discard-zero-changes repairs
# when one side wrote nothing. Root only.
set -u
. "$(dirname "$0")/lib.sh"

pair_setup
. "$(dirname "$0")/drbd_standin.sh"
mono_ms() { python3 -c 'import time; print(time.monotonic_ns() // 1000000)'; }
raw() { ctl "$1" "$2" status --raw 2>/dev/null; }
alarm_has() { raw "$1" "$2" | grep '^alarm\.' | grep -q "$3"; }
both_sb() { state_is a "$NS_A" SplitBrain && state_is b "$NS_B" SplitBrain; }
# partition: a (Active) and b both serve; each wrote $1 / $2 KiB since
partition() {
	local wa=$1 wb=$2
	rm -f "$WORK/a/ops" "$WORK/b/ops"
	cut
	st a cs=WFConnection prole=Unknown pdisk=DUnknown
	st b cs=WFConnection prole=Unknown pdisk=DUnknown
	wait_for 10 state_is b "$NS_B" Active || return 1
	st a dw=$(($(st_get a dw) + wa)) oos=$wa
	st b dw=$(($(st_get b dw) + wb)) oos=$wb
	# at the heal DRBD finds the data diverged and drops the connection
	st a cs=StandAlone
	st b cs=StandAlone
}

start_responders
HB_MS=${HB_INTERVAL%ms}

# --- 1. no witness: the status says what a partition can do
check "pair up: a Active (DRBD Primary), b Standby" boot_pair
check "status warns: no witness" bash -c "$TWINCTL -s $WORK/a/twind.sock status | grep -q 'no witness: a partition can cause split brain'"

# --- 2. the partition: both serve and say so
partition 12288 0
check "partition: b took over, a still Active (both serve)" state_is a "$NS_A" Active
check "a raises 'serving alone'" wait_for 3 alarm_has a "$NS_A" "serving alone"
check "b raises 'serving alone'" wait_for 3 alarm_has b "$NS_B" "serving alone"
check "b promoted its DRBD (peer dead)" bash -c "grep -q ro:Primary/ $WORK/b/drbd"

# --- 3. the heal: SplitBrain on both at the first beat; a keeps the IP
in_ns "$NS_C" "$TOOLS/prober" -t $VIP:$PORT -i 10000 -d 6 -o "$WORK/sb1.csv" >"$WORK/sb1.out" 2>&1 &
PROBER=$!
sleep 1
heal_at=$(date +%s%3N)
heal
wait_for 5 both_sb
t1=$(mono_ms)
check "healed: both SplitBrain" both_sb
# from the logs (wall clock, ms): the first beat heard after the heal, and
# the move to SplitBrain, on each node
log_ms() { # log_ms NODE REGEX: ms of the day of the last matching line
	grep -E -- "$2" "$WORK/$1/twind.log" | tail -1 | awk '{split($1, t, "[:.]"); print ((t[1] * 60 + t[2]) * 60 + t[3]) * 1000 + t[4]}'
}
heal_ms=$(( (heal_at + $(date +%z | awk '{s = substr($1, 1, 1) == "-" ? -1 : 1; print s * (substr($1, 2, 2) * 3600 + substr($1, 4, 2) * 60) * 1000}')) % 86400000 ))
for n in a b; do
	heard=$(log_ms $n "peer [12] alive \\(Active|peer [12] alive \\(SplitBrain")
	sb=$(log_ms $n "twind: state [A-Za-z]+ -> SplitBrain")
	echo "# $n: first beat $((heard - heal_ms)) ms after the heal, SplitBrain $((sb - heard)) ms after that beat"
	check "$n: SplitBrain within one beat interval of the first beat heard ($((sb - heard)) ms)" [ $((sb - heard)) -le "$HB_MS" ]
done
check "a keeps the failover IP (served without interruption)" wait_for 2 has_vip "$NS_A"
check "b dropped it" wait_for 2 no_vip "$NS_B"
check "b demoted its DRBD" wait_for 3 bash -c "grep -q ro:Secondary/ $WORK/b/drbd"
check "a still DRBD Primary" bash -c "grep -q ro:Primary/ $WORK/a/drbd"
sb_alarms() { alarm_has a "$NS_A" 'split brain' && alarm_has b "$NS_B" 'split brain'; }
check "split-brain alarm on both" sb_alarms
check "'serving alone' cleared once the peer is back" bash -c "! $TWINCTL -s $WORK/a/twind.sock status --raw | grep -q '^alarm\..*serving alone'"
wait $PROBER
# the client: from detection on only a answers
late_b=$(awk -F, -v t="$((t1 + 200))" '$4 == "b" && $2 / 1000000 > t' "$WORK/sb1.csv" | wc -l)
ans_a=$(awk -F, -v t="$((t1 + 200))" '$4 == "a" && $2 / 1000000 > t' "$WORK/sb1.csv" | wc -l)
check "client answered by a only after detection (a: $ans_a probes, b: $late_b)" [ "$late_b" -eq 0 -a "$ans_a" -gt 100 ]
echo "# client: $(grep sent= "$WORK/sb1.out")"
status_a=$($TWINCTL -s "$WORK/a/twind.sock" status)
echo "$status_a" | sed -n '/SPLIT BRAIN/,/repair:/p' | sed 's/^/# /'
check "status: side by side with the writes" bash -c "grep -q 'written since' <<<\"\$0\" && grep -q '12 MiB' <<<\"\$0\"" "$status_a"
check "status: the proposal" grep -q "PROPOSAL: keep a: it wrote 12 MiB since the split, b wrote 0" <<<"$status_a"
json_sb() { $TWINCTL -s "$WORK/b/twind.sock" --json status | python3 -c 'import json,sys; j=json.load(sys.stdin); sys.exit(0 if str(j["sb"]["proposal_survivor"]) == "1" and "keep a" in j["sb"]["proposal"] else 1)'; }
check "status --json carries it" json_sb
check "DRBD generation ids shown" grep -q "1A1A1A1A1A1A1A1A" <<<"$status_a"
peer_event_sb() { grep -q "peer event #[0-9]* split_brain: detected on b" "$WORK/a/twind.log"; }
check "b's split brain reached a as an event" wait_for 5 peer_event_sb

# --- 4. refusals
out=$(ctl b "$NS_B" split-brain repair --survivor nosuch --yes 2>&1)
check "unknown node refused: $out" grep -q "no node 'nosuch'" <<<"$out"
st b disk=Outdated
sleep 0.3
out=$(ctl a "$NS_A" split-brain repair --survivor b --yes 2>&1)
check "survivor not UpToDate refused: $(tail -1 <<<"$out")" grep -q "not UpToDate" <<<"$out"
st b disk=UpToDate
out=$(ctl a "$NS_A" split-brain repair --survivor a </dev/null 2>&1)
check "no --yes without a terminal: not done" grep -q "needs confirmation" <<<"$out"
touch "$WORK/b/held" # the victim's device is held open: it cannot be demoted
out=$(ctl a "$NS_A" split-brain repair --survivor a --yes 2>&1)
check "victim that cannot be demoted: refused with the reason: $(tail -1 <<<"$out")" grep -q "cannot be demoted" <<<"$out"
check "...and the way out named (dissolve + create)" grep -q "cluster create from the survivor" <<<"$out"
b_sb_no_ip() { state_is b "$NS_B" SplitBrain && no_vip "$NS_B"; }
check "...b is back in SplitBrain, without the IP" wait_for 3 b_sb_no_ip
rm -f "$WORK/b/held"

# --- 5. restart during the split brain: still SplitBrain
stop b
start b
check "b restarted: SplitBrain again (kept on disk)" wait_for 10 state_is b "$NS_B" SplitBrain
check "...and holds nothing" no_vip "$NS_B"

# --- 6. repair, survivor a, run from b (the victim)
t0=$(mono_ms)
peer_known() { raw b "$NS_B" | grep -q '^sb.peer.name=a'; }
check "b knows a's side again" wait_for 5 peer_known
out=$(ctl b "$NS_B" split-brain repair --survivor a --yes 2>&1)
t1=$(mono_ms)
echo "$out" | sed 's/^/# /'
check "repair (survivor a, from b) done in $((t1 - t0)) ms" grep -q "split brain repaired: a survives" <<<"$out"
check "a Active" wait_for 5 state_is a "$NS_A" Active
check "b Standby" wait_for 5 state_is b "$NS_B" Standby
check "b discarded its data (connect --discard-my-data)" grep -q "connect --discard-my-data r0" <(ops b)
check "b demoted before it discarded" bash -c "ops() { cat $WORK/b/ops; }; ops | awk '/secondary/ {s=NR} /discard/ {d=NR} END {exit !(s && d && s < d)}'"
check "DRBD Connected UpToDate/UpToDate, a Primary" bash -c "grep -q 'cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate' $WORK/a/drbd"
ip_on() { has_vip "$([ $1 = a ] && echo $NS_A || echo $NS_B)" && no_vip "$([ $1 = a ] && echo $NS_B || echo $NS_A)"; }
check "IP on a only" ip_on a
check "split-brain alarms cleared" bash -c "! $TWINCTL -s $WORK/a/twind.sock status --raw | grep -q '^alarm.*split brain' && ! $TWINCTL -s $WORK/b/twind.sock status --raw | grep -q '^alarm.*split brain'"
check "state files cleared" bash -c "[ ! -e $WORK/a/state/split_brain ] && [ ! -e $WORK/b/state/split_brain ]"
check "repair logged with who chose" grep -q "split brain repair: survivor a, by ssh/uid 0 on b" "$WORK/b/twind.log"
check "...and an event for the peer" wait_for 3 grep -q "peer event #[0-9]* split_brain: repair started: survivor a, victim b (by ssh/uid 0 on b" "$WORK/a/twind.log"

# --- 7. again, both wrote; survivor b, run from a
partition 4096 8192
heal
check "second split: both SplitBrain" wait_for 5 both_sb
proposal_b() { $TWINCTL -s "$WORK/a/twind.sock" status | grep -q "keep b: it wrote 8 MiB since the split, a wrote 4 MiB (a's writes are lost)"; }
check "proposal: b (more written), a's writes named as lost" wait_for 3 proposal_b
# DRBD loses the first handshake (and with it the discard), and a's first
# connect finds the port still held: both connect again
echo 1 >"$WORK/drop_handshakes"
echo 1 >"$WORK/a/connect_busy"
out=$(ctl a "$NS_A" split-brain repair --survivor b --yes 2>&1)
check "repair (survivor b, from a): $(tail -1 <<<"$out")" grep -q "split brain repaired: b survives" <<<"$out"
check "...through a dropped handshake" grep -q "handshake dropped" <(ops a)
n_discard=$(grep -c "connect --discard-my-data" <(ops a))
check "...a connected with the discard again after it ($n_discard connects: busy, dropped, resynced)" [ "$n_discard" = 3 ]
check "...b connected again too" grep -q "DRBD dropped the connection (StandAlone): connecting again$" "$WORK/b/twind.log"
check "b Active" wait_for 5 state_is b "$NS_B" Active
check "a Standby" wait_for 5 state_is a "$NS_A" Standby
check "a discarded its data" grep -q "connect --discard-my-data" <(ops a)
check "b's data kept (b never discarded)" bash -c "! grep -q discard $WORK/b/ops"
check "IP on b only" ip_on b

# --- 8. DRBD's own report (its split-brain handler) on both nodes
st a cs=StandAlone prole=Unknown pdisk=DUnknown # DRBD dropped the connection
st b cs=StandAlone prole=Unknown pdisk=DUnknown
ctl b "$NS_B" drbd-event split-brain r0 >/dev/null
ctl a "$NS_A" drbd-event split-brain r0 >/dev/null
check "DRBD report: both SplitBrain" wait_for 3 both_sb
check "...b (serving) keeps the IP, a holds none" ip_on b
peer_known_a() { raw a "$NS_A" | grep -q '^sb.peer.name=b'; }
check "...a knows b's side" wait_for 5 peer_known_a
out=$(ctl a "$NS_A" split-brain repair --survivor b --yes 2>&1)
grep -v '^  ' <<<"$out" | sed 's/^/# /'
check "...repaired: $(tail -1 <<<"$out")" grep -q "repaired" <<<"$out"
check "...b Active" wait_for 5 state_is b "$NS_B" Active
stop_pair

# --- 9. split_brain_auto discard-zero-changes: b wrote nothing
check "pair with split_brain_auto discard-zero-changes" boot_pair "split_brain_auto discard-zero-changes"
partition 2048 0
heal
check "auto: repaired without the admin, a Active" wait_for 10 state_is a "$NS_A" Active
check "auto: b Standby" wait_for 5 state_is b "$NS_B" Standby
b_discarded() { grep -q "connect --discard-my-data" "$WORK/b/ops"; }
check "auto: b (wrote nothing) discarded" wait_for 3 b_discarded
check "auto: logged as automatic" grep -q "automatic: split_brain_auto discard-zero-changes" "$WORK/a/twind.log"
# both wrote: the policy leaves it to the admin
partition 1024 1024
heal
check "auto with writes on both: SplitBrain stays for the admin" wait_for 5 both_sb
sleep 2
check "...still SplitBrain 2 s later" both_sb
stop_pair

[ "$FAIL" -gt 0 ] && dump_logs
summary "split_brain"
