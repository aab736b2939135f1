#!/usr/bin/env bash
# Configuration sync: files in sync_dir are pushed from the active to the
# peer on change and on reconnect, atomically and versioned (an older copy
# never overwrites a newer one); node-local files never sync. Root only.
set -u
. "$(dirname "$0")/lib.sh"

pair_setup
for n in a b; do
	mkdir -p "$WORK/$n/sync"
	write_conf $n "$([ $n = a ] && echo 1 || echo 2)" "$([ $n = a ] && echo 2 || echo 1)" \
		"$([ $n = a ] && echo $IP_B || echo $IP_A)" "$([ $n = a ] && echo 150 || echo 100)" \
		"sync_dir $WORK/$n/sync"
	start_node $n "$([ $n = a ] && echo "$NS_A" || echo "$NS_B")"
done
WAIT=10
same() { cmp -s "$WORK/a/sync/$1" "$WORK/b/sync/$1"; }
check "a Active, b Standby" wait_for 10 state_is a "$NS_A" Active
wait_for 10 state_is b "$NS_B" Standby

echo "spam_threshold 5" >"$WORK/a/sync/rules.conf"
check "a new file on the active reaches the peer" wait_for "$WAIT" same rules.conf
echo "spam_threshold 7" >"$WORK/a/sync/rules.conf"
check "a change reaches the peer" wait_for "$WAIT" bash -c "grep -q 7 $WORK/b/sync/rules.conf"
echo "node_name a" >"$WORK/a/sync/twin.conf"
echo "# whitelist" >"$WORK/a/sync/whitelist"
check "another file syncs" wait_for "$WAIT" same whitelist
check "node-local twin.conf never syncs" test ! -e "$WORK/b/sync/twin.conf"

# b edits its copy: newer than a's, so a's older copy must not overwrite it
echo "spam_threshold 9 # edited on b" >"$WORK/b/sync/rules.conf"
sleep 3 # b's scan versions its edit
echo "# whitelist v2" >"$WORK/a/sync/whitelist" # makes a offer again
check "a's next change still syncs" wait_for "$WAIT" bash -c "grep -q v2 $WORK/b/sync/whitelist"
check "b's newer edit was not overwritten by a's older copy" grep -q "edited on b" "$WORK/b/sync/rules.conf"

# the peer away: changes wait, and go over when it returns
links "$NS_B" down
sleep 1
echo "# while b was away" >"$WORK/a/sync/notes"
sleep 3
check "b away: nothing can reach it" test ! -e "$WORK/b/sync/notes"
links "$NS_B" up
check "b back: the change arrives" wait_for 15 same notes
ctl a "$NS_A" status --raw | grep '^sync' | sed 's/^/#   a: /'
[ "$FAIL" -gt 0 ] && dump_logs
summary sync
