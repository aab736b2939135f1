#!/usr/bin/env bash
# The event queue: what a node must report to its peer (state changes,
# alarms) queues on disk while the peer is unreachable and reaches it, in
# order and exactly once, when it returns. Root only.
set -u
. "$(dirname "$0")/lib.sh"

pair_setup
pair_start "health_command \"test ! -e $WORK/sick\"" "health_interval 100ms" "health_fall 1" "health_rise 1"
WAIT=6
check "a Active, b Standby" wait_for 10 state_is a "$NS_A" Active
wait_for 10 state_is b "$NS_B" Standby
check "a's start-up events reach b" wait_for 5 bash -c \
	"[ \"\$($TWINCTL -s $WORK/a/twind.sock status --raw | sed -n 's/^events.pending=//p')\" = 0 ]"
before=$(grep -c "peer event #" "$WORK/b/twind.log")

links "$NS_B" down # b is unreachable: a's events must wait for it
sleep 1
touch "$WORK/sick" # a (and b) fail their health check...
check "a goes Inactive while b is away" wait_for "$WAIT" state_is a "$NS_A" Inactive
rm -f "$WORK/sick" # ...and recover
check "a recovers: Active again" wait_for "$WAIT" state_is a "$NS_A" Active
pending=$(status_get a "$NS_A" events.pending)
check "events wait on a's disk while b is away ($pending pending)" [ "${pending:-0}" -ge 3 ]
links "$NS_B" up
check "b returns: every event is flushed" wait_for 10 bash -c \
	"[ \"\$($TWINCTL -s $WORK/a/twind.sock status --raw | sed -n 's/^events.pending=//p')\" = 0 ]"
ids=$(grep -o "peer event #[0-9]*" "$WORK/b/twind.log" | tr -dc '0-9\n')
got=$(($(wc -l <<<"$ids") - before))
check "b applied them ($got new events >= $pending)" [ "$got" -ge "$pending" ]
check "in order, none twice" bash -c "[ \"\$(sort -n <<<'$ids' | uniq)\" = '$ids' ]"
check "b shows them in status" bash -c "$TWINCTL -s $WORK/b/twind.sock status --raw | grep -q '^events.from_peer.*Inactive'"
grep "peer event #" "$WORK/b/twind.log" | tail -"$got" | sed 's/^/#   b: /'
[ "$FAIL" -gt 0 ] && dump_logs
summary events
