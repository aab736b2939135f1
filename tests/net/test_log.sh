#!/usr/bin/env bash
# twinctl log, alarms with a lifecycle, status --watch (issue 13) on a real
# pair: a takeover asked from twinctl on b, the heartbeat link cut (an
# alarm raised, acknowledged, cleared when the link is back), a request
# marked as the console's; `twinctl log --peer` on b shows both nodes'
# entries merged in time order with who asked; --since filters; --json
# parses; `status --watch` into a pipe prints plain output each interval
# and ends cleanly on Ctrl-C. Root only.
set -u
. "$(dirname "$0")/lib.sh"
WAIT=8

pair_setup
pair_start
check "a Active, b Standby" wait_for 10 state_is a "$NS_A" Active
wait_for 10 state_is b "$NS_B" Standby

# --- a takeover from twinctl on b: b asks, a hands over
out=$(ctl b "$NS_B" takeover 2>&1)
check "twinctl takeover on b: b Active ($out)" wait_for "$WAIT" state_is b "$NS_B" Active
wait_for "$WAIT" state_is a "$NS_A" Standby
sleep 1
SINCE=$(date +%s) # every takeover entry is older than this
sleep 1

# --- an alarm: the heartbeat link cut, acknowledged, then back
in_ns "$NS_A" ip link set eth1 down
check "eth1 cut: b raises 'heartbeat link down'" wait_for "$WAIT" bash -c \
	"$TWINCTL -s $WORK/b/twind.sock status --raw | grep -q '^alarm.0=heartbeat link down'"
id=$(status_get b "$NS_B" alarm_info.0.id)
raised=$(status_get b "$NS_B" alarm_info.0.raised)
check "the alarm has a number and a raise time ($id, $raised)" bash -c "[ -n '$id' ] && [ '${raised:-0}' -ge '$SINCE' ]"
st=$(ctl b "$NS_B" status)
check "status shows it unacknowledged, with its age" grep -qE "ALARMS: #$id heartbeat link down.*\([0-9]+s ago\)" <<<"$st"
out=$(ctl b "$NS_B" alarm ack "$id" 2>&1)
check "twinctl alarm ack $id: $out" [ "$out" = "1 alarm acknowledged" ]
check "status: acknowledged, by whom" bash -c "$TWINCTL -s $WORK/b/twind.sock status | grep -q '#$id heartbeat link down.*acknowledged by ssh/uid 0'"
check "status key alarm_info.0.acked=true" [ "$(status_get b "$NS_B" alarm_info.0.acked)" = true ]
ctl b "$NS_B" status | sed 's/^/#   /' # what the admin sees
out=$(ctl b "$NS_B" alarm ack 999 2>&1)
check "ack of an alarm that is not there is refused" grep -q "no active alarm 999" <<<"$out"
in_ns "$NS_A" ip link set eth1 up
check "eth1 back: the alarm clears on b" wait_for "$WAIT" bash -c \
	"! $TWINCTL -s $WORK/b/twind.sock status --raw | grep -q '^alarm'"

# --- a request the console makes names it (from=console)
python3 - "$WORK/a/twind.sock" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(b"failover enable from=console\n"); s.recv(4096)
PY
# what twinctl update tells twind at its start (no bundle here)
python3 - "$WORK/b/twind.sock" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(b'note update "started: version 9.9.9 into slot B"\n'); s.recv(4096)
PY

# --- the merged log on b
sleep 0.5 # let a's last events be written
log=$(ctl b "$NS_B" log --peer 2>&1)
echo "$log" | sed 's/^/#   /'
check "log --peer: entries of both nodes" bash -c "grep -q '^[0-9-]* [0-9:.]* a ' <<<'$log' && grep -q '^[0-9-]* [0-9:.]* b ' <<<'$log'"
check "log --peer: in time order" bash -c "[ \"\$(cut -d' ' -f1,2 <<<'$log')\" = \"\$(cut -d' ' -f1,2 <<<'$log' | sort)\" ]"
check "b: takeover requested by ssh/uid 0" grep -q " b admin takeover requested by ssh/uid 0" <<<"$log"
check "a: handover asked by the peer" grep -q " a admin handover: takeover asked by peer" <<<"$log"
# each node's own clock, to the ms: in one ms the merge puts a before b
ms() { grep -m1 "$1" <<<"$log" | awk '{print $2}' | tr -d ':.'; }
req=$(ms " b admin takeover requested") rel=$(ms " a state Active -> Standby: admin release")
check "a releases after b's request ($req <= $rel)" bash -c "[ -n '$req' ] && [ -n '$rel' ] && [ '$rel' -ge '$req' ]"
check "b: the alarm raised, acknowledged and cleared" bash -c "grep -q ' b alarm raised: heartbeat link down' <<<'$log' && grep -q ' b alarm acknowledged by ssh/uid 0: heartbeat link down' <<<'$log' && grep -q ' b alarm cleared: heartbeat link down' <<<'$log'"
check "a: the console's request names the console" grep -q " a admin failover enable requested by console (uid 0)" <<<"$log"
check "b: the update's note, with who ran it" grep -q " b update started: version 9.9.9 into slot B (ssh/uid 0)" <<<"$log"
own=$(ctl b "$NS_B" log 2>&1)
check "log without --peer: b's entries only" bash -c "! grep -q '^[0-9-]* [0-9:.]* a ' <<<'$own' && grep -q ' b admin takeover' <<<'$own'"
since=$(ctl b "$NS_B" log --peer --since "$SINCE" 2>&1)
check "--since: the takeover is older, the alarm newer" bash -c "! grep -q 'takeover requested' <<<'$since' && grep -q 'raised: heartbeat link down' <<<'$since'"
check "--since 1h: everything" [ "$(ctl b "$NS_B" log --peer --since 1h | wc -l)" = "$(wc -l <<<"$log")" ]
check "--json parses, both nodes" bash -c "$TWINCTL -s $WORK/b/twind.sock log --peer --json | jq -e '[.entries[].node] | unique == [\"a\",\"b\"]' >/dev/null"

# --- status --watch into a pipe: plain status, once per interval
w=$(ctl b "$NS_B" status --watch --interval 1 --count 2 | cat)
check "status --watch --count 2 into a pipe: two plain statuses" bash -c \
	"[ \$(grep -c '^Every 1s: twinctl status' <<<'$w') = 2 ] && [ \$(grep -c '^  NODE ' <<<'$w') = 2 ] && ! grep -q \$'\\e' <<<'$w'"
# not through ctl: $! must be twinctl itself (ip netns exec execs it)
ip netns exec "$NS_B" "$TWINCTL" -s "$WORK/b/twind.sock" status --watch --interval 1 >"$WORK/watch.out" &
wp=$!
sleep 1.5
kill -INT $wp
for _ in $(seq 20); do kill -0 $wp 2>/dev/null || break; sleep 0.1; done
if kill -0 $wp 2>/dev/null; then
	kill -9 $wp
	not_ok "status --watch: Ctrl-C did not end it"
else
	wait $wp
	rc=$?
	check "status --watch: Ctrl-C ends it cleanly (exit $rc)" [ "$rc" = 0 ]
fi
check "status --watch: two refreshes in 1.5 s" [ "$(grep -c '^Every 1s' "$WORK/watch.out")" = 2 ]

[ "$FAIL" -gt 0 ] && dump_logs
summary log
