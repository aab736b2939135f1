#!/usr/bin/env bash
# Notify hooks (keepalived-compatible) and active-only jobs on a real pair:
# the job runs on exactly one node at a time across a failover, hooks see
# every change, and a hook that hangs does not delay the failover. Root.
set -u
. "$(dirname "$0")/lib.sh"

pair_setup
for n in a b; do
	mkdir -p "$WORK/$n"
	# generic hook: one line per call, with keepalived's arguments
	cat >"$WORK/$n/notify.sh" <<EOS
#!/bin/sh
echo "\$* \$TWIN_STATE" >>"$WORK/$n/notify.log"
EOS
	# the master hook hangs: it must not hold the takeover up
	printf '#!/bin/sh\necho started >>"%s"\nexec sleep %s\n' "$WORK/$n/hang.log" "600.$RUN_ID" >"$WORK/$n/hang.sh"
	# an active-only job that keeps writing while it runs
	printf '@reboot while :; do date +%%s%%N >"%s"; sleep 0.05; done\n' "$WORK/$n/job.stamp" >"$WORK/$n/jobs.cron"
	chmod +x "$WORK/$n/notify.sh" "$WORK/$n/hang.sh"
done
extra() {
	echo "notify $WORK/$1/notify.sh"
	echo "notify_master $WORK/$1/hang.sh"
	echo "notify_timeout 2s"
	echo "active_jobs $WORK/$1/jobs.cron"
}
write_conf a 1 2 $IP_B 150 "$(extra a)"
write_conf b 2 1 $IP_A 100 "$(extra b)"
start_node a "$NS_A"
start_node b "$NS_B"
start_responders

WAIT=6
fresh() { # fresh NODE: its job wrote within the last 0.5 s
	local f=$WORK/$1/job.stamp now
	[ -f "$f" ] || return 1
	now=$(date +%s%N)
	[ $((now - $(cat "$f" 2>/dev/null || echo 0))) -lt 500000000 ]
}
check "a Active, b Standby" wait_for 10 state_is a "$NS_A" Active
wait_for 10 state_is b "$NS_B" Standby
check "active-only job runs on a" wait_for 3 fresh a
check "...and not on b" bash -c "! [ -f $WORK/b/job.stamp ]"
check "a's master hook started (and hangs)" wait_for 3 grep -q started "$WORK/a/hang.log"
check "a's generic hook: INSTANCE a MASTER" wait_for 3 grep -q "^INSTANCE a MASTER 150 Active" "$WORK/a/notify.log"
check "b's generic hook: INSTANCE b BACKUP" wait_for 3 grep -q "^INSTANCE b BACKUP 100 Standby" "$WORK/b/notify.log"

in_ns "$NS_C" "$TOOLS/prober" -t $VIP:$PORT -d 4 >"$WORK/probe.out" 2>&1 &
probe=$!
sleep 1
links "$NS_A" down
check "failover to b despite hanging hooks" wait_for "$WAIT" state_is b "$NS_B" Active
wait $probe
gap=$(sed -nE 's/.*gap_ms=([0-9.]+).*/\1/p' "$WORK/probe.out")
check "client gap ${gap} ms: the hanging hook did not delay it (< 1000 ms)" awk -v g="${gap:-99999}" 'BEGIN{exit !(g > 0 && g < 1000)}'
check "job now runs on b" wait_for 3 fresh b
check "b's master hook started" wait_for 3 grep -q started "$WORK/b/hang.log"
check "b's hanging hook really ran" grep -q "sleep 600.$RUN_ID" "$WORK/b/hang.sh"
check "hanging hooks were killed after notify_timeout" wait_for 5 bash -c "! pgrep -fx 'sleep 600.$RUN_ID' >/dev/null"
check "b logged the hook time-out" grep -q "notify_master hook for Active timed out" "$WORK/b/twind.log"
# a is cut off but its daemon runs: its LAN link is down, so it released
# (Inactive) and its job must stop; back, it waits Idle
links "$NS_A" up
check "a returns as Idle" wait_for "$WAIT" state_is a "$NS_A" Idle
# jobs get SIGTERM on release, SIGKILL 2 s later if they linger
check "job stopped on a after it released" wait_for 4 bash -c "$(declare -f fresh); WORK=$WORK; ! fresh a"
check "job still runs on b" fresh b
check "a's generic hook saw BACKUP" grep -q "^INSTANCE a BACKUP" "$WORK/a/notify.log"
kill "$PID_b"
check "b stops: its job stops" wait_for 5 bash -c "$(declare -f fresh); WORK=$WORK; ! fresh b"
check "b's generic hook saw STOP" wait_for 5 grep -q "^INSTANCE b STOP" "$WORK/b/notify.log"
[ "$FAIL" -gt 0 ] && { dump_logs; for n in a b; do echo "# $n notify.log:"; sed 's/^/#   /' "$WORK/$n/notify.log"; done; }
summary hooks_jobs
