#!/usr/bin/env bash
# twinctl diag on a real pair: stand-in DRBD (drbd_standin.sh), the client's
# host as the witness, config sync, an active-only job, a health command.
# Healthy: every check OK or N/A, exit 0, on both nodes; an unconfirmed
# boot slot (a stand-in bootctl) is a WARN, exit 4; the heartbeat link cut:
# FAIL, exit 5, the peer still asked over the LAN; the peer stopped: FAIL
# lines and exit 5; --json parses; an unpaired node: N/A, never FAIL. Root.
set -u
. "$(dirname "$0")/lib.sh"

pair_setup
. "$(dirname "$0")/drbd_standin.sh"

nsof() { [ "$1" = a ] && echo "$NS_A" || echo "$NS_B"; }
# diag NODE ARGS...: the report into $WORK/NODE.diag, the exit code into RC
# (--min-free-pct 1: the test's state_dir is on the host's /tmp, whose
# free space is not the test's business)
diag() {
	local n=$1
	shift
	ctl "$n" "$(nsof "$n")" diag --min-free-pct 1 "$@" >"$WORK/$n.diag" 2>"$WORK/$n.diag.err"
	RC=$?
}
line() { grep -E "^$2 +$3 " "$WORK/$1.diag"; } # line NODE VERDICT CHECK
rc_is() { # rc_is NODE WANT ARGS...: diag exits WANT
	local n=$1 want=$2
	shift 2
	diag "$n" "$@"
	[ "$RC" = "$want" ]
}
# diag_until NODE RC TEXT: diag exits RC and the report has TEXT (both
# nodes notice a cut on their own time: wait for the one the test names)
diag_until() {
	rc_is "$1" "$2" && grep -qF -- "$3" "$WORK/$1.diag"
}
# req NODE LINE: one raw request on NODE's control socket (a verb twinctl has no command for)
req() {
	python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); \
s.sendall(sys.argv[2].encode() + b"\n"); sys.stdout.write(s.makefile().read())' "$WORK/$1/twind.sock" "$2"
}
show() { sed 's/^/#   /' "$WORK/$1.diag"; }
# has NODE TEXT: TEXT in the report with its wrapped lines joined
has() { sed -E ':a;N;$!ba;s/\n {18}/ /g' "$WORK/$1.diag" | grep -qF -- "$2"; }

for n in a b; do
	mkdir -p "$WORK/$n/sync"
	printf '%s\n' cs=Connected role=Secondary prole=Secondary disk=UpToDate pdisk=UpToDate dw=1000 oos=0 \
		gi=1A1A1A1A1A1A1A1A >"$WORK/$n/st"
	st $n
	# @reboot: "on becoming Active"; it keeps running while Active
	echo '@reboot sleep 120' >"$WORK/$n/jobs.cron"
	write_conf $n "$([ $n = a ] && echo 1 || echo 2)" "$([ $n = a ] && echo 2 || echo 1)" \
		"$([ $n = a ] && echo $IP_B || echo $IP_A)" "$([ $n = a ] && echo 150 || echo 100)" \
		"drbd_resource r0" "witness $IP_C" "sync_dir $WORK/$n/sync" "active_jobs $WORK/$n/jobs.cron" \
		"health_command true" "health_interval 100ms"
done
echo "shared setting" >"$WORK/a/sync/app.conf"
start a
start b
check "a Active, b Standby" wait_for 10 state_is a "$NS_A" Active
wait_for 10 state_is b "$NS_B" Standby
# config sync runs every 2 s: b has a's file once the pair agrees
wait_for 10 test -e "$WORK/b/sync/app.conf"

# --- healthy: every check that applies OK, the rest N/A
check "healthy pair: diag on a exits 0" wait_for 10 rc_is a 0
show a
check "...no WARN or FAIL line" bash -c "! grep -qE '^(WARN|FAIL) ' $WORK/a.diag"
for c in pair drbd failover-ip heartbeat witness clock jobs health config-sync disk alarms; do
	check "...$c OK" line a OK $c
done
check "...boot-slot N/A (no A/B slots here)" line a N/A boot-slot
check "...failover IP on a only, both nodes asked" has a "10.99.0.100/24 on a only (both nodes asked)"
check "...the job runs on a only" has a "a: 1 job(s) enabled, 1 running; b: 1 job(s) off, 0 running"
check "...the summary line" grep -q "^diag: 11 OK, 0 WARN, 0 FAIL, 1 n/a: OK (ready for maintenance)$" "$WORK/a.diag"
check "...every line fits 80 columns" bash -c "[ \$(awk '{ if (length > m) m = length } END { print m }' $WORK/a.diag) -le 80 ]"
check "diag on b exits 0 too" wait_for 5 rc_is b 0
check "...b sees its DRBD Secondary/Primary" has b "r0 Connected, UpToDate/UpToDate, Secondary/Primary"

# --- what twind adds for it: the kernel's view of the IP, jobs, disk, sync;
# the peer's status through "diag peer" / "diag result"
check "status: vip.0.present, jobs, disk, sync digest" bash -c "$TWINCTL -s $WORK/a/twind.sock status --raw | \
	grep -c -e '^vip.0.present=true' -e '^jobs.running=1' -e '^disk.avail_kib=' -e '^sync.digest=' | grep -qx 4"
check "diag peer answers at once" bash -c "$(declare -f req); WORK=$WORK; req a 'diag peer' | grep -qx ok"
result_has_b() { req a "diag result" | grep -q '^running=false' && req a "diag result" | grep -qx 'peer.node.name=b' &&
	req a "diag result" | grep -qx 'peer.vip.0.present=false'; }
check "diag result carries b's status as peer.*" wait_for 3 result_has_b

# --- --json: one object, the checks as an array
diag a --json
check "--json parses (exit $RC)" python3 -c "import json,sys; d=json.load(open('$WORK/a.diag')); \
	sys.exit(not (len(d['check']) == 12 and d['summary']['worst'] == 'OK' and d['summary']['exit'] == 0))"
check "twinctl --json diag is the same" bash -c "$TWINCTL -s $WORK/a/twind.sock --json diag --min-free-pct 1 \
	2>/dev/null | python3 -m json.tool >/dev/null"

# --- a boot slot not confirmed yet: WARN, exit 4
cat >"$WORK/bin/bootctl" <<'EOS'
#!/bin/sh
printf 'running slot: A\nboot order: A B\nslot A: 2\nslot B: ok\n'
EOS
chmod +x "$WORK/bin/bootctl"
export TWIN_BOOTCTL=$WORK/bin/bootctl
check "unconfirmed boot slot: exit 4 (WARN)" rc_is a 4
check "...WARN boot-slot, saying what a reboot does" grep -q "^WARN  boot-slot   slot A is not confirmed" "$WORK/a.diag"
check "...and what to do" has a "-> a reboot may fall back to slot B"
unset TWIN_BOOTCTL

# --- the heartbeat link cut: the peer is still asked over the LAN
in_ns "$NS_L" ip link set a1 down
check "eth1 cut: diag on a exits 5 (FAIL), heartbeat FAIL" wait_for 5 diag_until a 5 \
	"FAIL  heartbeat   a hears: eth1 link DOWN, eth0 udp up"
show a
check "...the pair itself is fine" line a OK pair
check "...the peer was asked (failover IP on a only)" has a "on a only (both nodes asked)"
check "...the alarm is a WARN" line a WARN alarms
in_ns "$NS_L" ip link set a1 up
check "eth1 back: diag on a exits 0 again" wait_for 10 rc_is a 0

# --- the peer stopped: FAIL lines, exit 5
stop b
st a cs=WFConnection prole=Unknown pdisk=DUnknown
# the peer's last beats (Inactive) come first, then silence: wait for that
check "b stopped: a declares it dead" wait_for 5 bash -c "$TWINCTL -s $WORK/a/twind.sock status --raw | grep -q '^peer.alive=false'"
check "...diag on a exits 5 (FAIL)" wait_for 5 rc_is a 5
show a
check "...FAIL pair: b unreachable" grep -q "^FAIL  pair        peer b unreachable" "$WORK/a.diag"
check "...FAIL heartbeat" line a FAIL heartbeat
check "...FAIL drbd (not replicating)" grep -q "^FAIL  drbd        r0 is WFConnection" "$WORK/a.diag"
check "...what to do under a FAIL line" grep -q "^                  -> bring b back" "$WORK/a.diag"
check "...the failover IP held here, b could not be asked" grep -q "^WARN  failover-ip 10.99.0.100/24 on a; b could not" \
	"$WORK/a.diag"
check "...the summary says FAIL" grep -qE "^diag: [0-9]+ OK, [0-9]+ WARN, [1-9][0-9]* FAIL, .*: FAIL" "$WORK/a.diag"
diag a --json
check "...--json: exit 5, worst FAIL" python3 -c "import json,sys; d=json.load(open('$WORK/a.diag')); \
	sys.exit(not ($RC == 5 and d['summary']['worst'] == 'FAIL' and d['check'][0]['verdict'] == 'FAIL'))"

# --- an unpaired node: what does not apply says so, nothing FAILs
mkdir -p "$WORK/c"
cat >"$WORK/c/twin.conf" <<EOC
node_name c
hb_interface eth1
lan_interface eth0
state_dir $WORK/c/state
control_socket $WORK/c/twind.sock
EOC
ip netns exec "$NS_R" "$TWIND" -f "$WORK/c/twin.conf" -v >>"$WORK/c/twind.log" 2>&1 &
disown $!
check "unpaired node c starts standalone" wait_for 5 bash -c "$TWINCTL -s $WORK/c/twind.sock status --raw 2>/dev/null \
	| grep -q '^node.state=Standalone'"
in_ns "$NS_R" "$TWINCTL" -s "$WORK/c/twind.sock" diag --min-free-pct 1 >"$WORK/c.diag" 2>&1
RC=$?
show c
check "...diag exits 0" test "$RC" = 0
check "...no FAIL line" bash -c "! grep -q '^FAIL ' $WORK/c.diag"
check "...pair N/A: not paired" grep -q "^N/A   pair        c is not paired" "$WORK/c.diag"
check "...drbd, heartbeat, clock N/A" bash -c "grep -q '^N/A   drbd ' $WORK/c.diag && \
	grep -q '^N/A   heartbeat ' $WORK/c.diag && grep -q '^N/A   clock ' $WORK/c.diag"

[ "$FAIL" -eq 0 ] || dump_logs
summary diag
