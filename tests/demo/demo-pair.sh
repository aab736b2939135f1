#!/usr/bin/env bash
# Demo: two twind nodes and a client in network namespaces. The client
# probes the failover IP every millisecond while the active node dies; the
# timeline shows who is active, when the peer was declared dead, when the IP
# moved and the gap the client saw. Root only; cleans up after itself.
set -u
HB_INTERVAL=${HB_INTERVAL-} # the product's default heartbeat profile unless given
. "$(dirname "$0")/../net/lib.sh"

t0=$(date +%s.%N)
say() { printf '[%7.3f s] %s\n' "$(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN{print a-b}')" "$*"; }

say "building namespaces: node a, node b, client, LAN bridge, heartbeat link"
pair_setup
say "starting twind on a (priority 150) and b (priority 100); heartbeat ${HB_INTERVAL:-default profile}"
pair_start
wait_for 10 state_is a "$NS_A" Active && wait_for 10 state_is b "$NS_B" Standby
say "pair formed: a is $(status_get a "$NS_A" node.state), b is $(status_get b "$NS_B" node.state)"
echo
ctl a "$NS_A" status
echo
say "client starts probing $VIP:$PORT every 1 ms"
in_ns "$NS_C" "$TOOLS/prober" -t $VIP:$PORT -d 6 >"$WORK/probe.out" 2>"$WORK/probe.err" &
probe=$!
sleep 2
say "node a dies: all its links go down"
links "$NS_A" down
wait_for 10 state_is b "$NS_B" Active
say "b is $(status_get b "$NS_B" node.state)"
wait $probe
echo
echo "b's log:"
grep -E "peer .* dead|state |failover IP" "$WORK/b/twind.log" | grep -v "peer event" | sed 's/^/    /'
echo
echo "client: $(cat "$WORK/probe.out")"
sed 's/^/client: /' "$WORK/probe.err"
echo
ctl b "$NS_B" status
say "done; cleaning up"
