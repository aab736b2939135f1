#!/usr/bin/env bash
# IPv6 failover addresses in a real twind pair, moved as one group with an
# IPv4 one and one on a second device named like a VLAN sub-interface:
#   failover_ip 10.99.0.100/24                   (lib.sh's, first)
#   failover_ip fd99::100/64                     (eth0)
#   failover_ip fd98::100/64 dev eth0.100        (a second LAN segment)
#   failover_ip 10.98.0.100/24 dev eth0.100      (IPv4 there too: GARP out of it)
# The test machines' kernels have no 802.1Q (nor dummy, macvlan): eth0.100
# is a veth on a bridge of its own (br2) standing in for VLAN 100. twind
# treats it as any device: the duplicate check, GARP and NA go out on it.
# After a SIGKILL of the Active's twind the client's neighbour cache points
# at the new Active (unsolicited NA, override set) and the client reaches
# the addresses; a duplicate check answered by another host refuses the
# claim with an alarm; a group whose VLAN device is missing on one node is
# rolled back. Root; needs iproute2, tcpdump, ping.
set -u
. "$(dirname "$0")/lib.sh"

VIP6=fd99::100 VIP6V=fd98::100
WAIT=6 # seconds: detection is 300 ms (lib.sh), the rest is a VM's margin

for t in tcpdump ping; do
	if ! command -v $t >/dev/null; then
		not_ok "$t not installed (tests/install-deps.sh)"
		summary vip_ipv6
		exit 1
	fi
done

mac_of() { in_ns "$1" cat /sys/class/net/${2:-eth0}/address; }
# the client's neighbour entry for an address on a device: its MAC or ""
neigh6() { in_ns "$NS_C" ip -6 neigh show "$1" dev "$2" | awk '{for (i=1;i<=NF;i++) if ($i=="lladdr") print $(i+1)}'; }
neigh4() { in_ns "$NS_C" ip -4 neigh show $VIP dev eth0 | awk '{for (i=1;i<=NF;i++) if ($i=="lladdr") print $(i+1)}'; }
has6() { in_ns "$1" ip -6 -o addr show dev "$3" 2>/dev/null | grep -q " $2/64 "; }
no6() { ! has6 "$@"; }
# none of the group's three addresses on NS
VIP4V=10.98.0.100
has4v() { in_ns "$1" ip -4 -o addr show dev eth0.100 2>/dev/null | grep -q " $VIP4V/24 "; }
holds_none() { ! has_vip "$1" && no6 "$1" $VIP6 eth0 && no6 "$1" $VIP6V eth0.100 && ! has4v "$1"; }
holds_all() { has_vip "$1" && has6 "$1" $VIP6 eth0 && has6 "$1" $VIP6V eth0.100 && has4v "$1"; }
neigh4v() { in_ns "$NS_C" ip -4 neigh show $VIP4V dev eth0.100 | awk '{for (i=1;i<=NF;i++) if ($i=="lladdr") print $(i+1)}'; }
alarm_has() { ctl "$1" "$2" status --raw 2>/dev/null | grep '^alarm' | grep -qF "$3"; }
not_active() { ! state_is "$1" "$2" Active; }
someone_active() { state_is a "$NS_A" Active || state_is b "$NS_B" Active; }
a_serves() { state_is a "$NS_A" Active && holds_all "$NS_A"; }
ping6_ok() { in_ns "$NS_C" ping -6 -c 1 -W 1 "$1" >/dev/null 2>&1; }

pair_setup
# IPv6 on the LAN and on the second segment; nodad: the test's own
# addresses are usable at once
in_ns "$NS_L" ip link add br2 type bridge
in_ns "$NS_L" ip link set br2 type bridge forward_delay 0 stp_state 0
in_ns "$NS_L" ip link set br2 up
plug "$NS_A" eth0.100 a100 br2
plug "$NS_B" eth0.100 b100 br2
plug "$NS_C" eth0.100 c100 br2
in_ns "$NS_A" ip addr add fd99::1/64 dev eth0 nodad
in_ns "$NS_B" ip addr add fd99::2/64 dev eth0 nodad
in_ns "$NS_C" ip addr add fd99::10/64 dev eth0 nodad
in_ns "$NS_R" ip addr add fd99::66/64 dev eth0 nodad
in_ns "$NS_C" ip addr add fd98::10/64 dev eth0.100 nodad
in_ns "$NS_C" ip addr add 10.98.0.10/24 dev eth0.100
pair_start "failover_ip $VIP6/64" "failover_ip $VIP6V/64 dev eth0.100" "failover_ip $VIP4V/24 dev eth0.100"

check "a becomes Active with the whole group" wait_for 10 state_is a "$NS_A" Active
check "b becomes Standby" wait_for 10 state_is b "$NS_B" Standby
check "a holds 10.99.0.100, $VIP6, and $VIP6V and $VIP4V on eth0.100" wait_for 3 holds_all "$NS_A"
check "b holds none of them" holds_none "$NS_B"
check "IPv6 addresses added with nodad, not tentative" \
	bash -c "ip netns exec $NS_A ip -6 -o addr show dev eth0 | grep ' $VIP6/64 ' | grep -q nodad &&
		! ip netns exec $NS_A ip -6 -o addr show | grep -E '$VIP6/|$VIP6V/' | grep -q tentative"
check "status: vip.1.addr=$VIP6/64, vip.2.dev=eth0.100" \
	bash -c "[ \"$(status_get a "$NS_A" vip.1.addr)\" = $VIP6/64 ] && [ \"$(status_get a "$NS_A" vip.2.dev)\" = eth0.100 ]"

# the client talks to all three: its neighbour entries point at a
check "client reaches $VIP6 on a" wait_for 5 ping6_ok $VIP6
check "client reaches $VIP6V (VLAN) on a" wait_for 5 ping6_ok $VIP6V
in_ns "$NS_C" ping -c 1 -W 1 $VIP >/dev/null 2>&1
in_ns "$NS_C" ping -c 1 -W 1 $VIP4V >/dev/null 2>&1
check "client's neighbour entry for $VIP6 is a's MAC" [ "$(neigh6 $VIP6 eth0)" = "$(mac_of "$NS_A")" ]

# --- SIGKILL a's twind: b takes over; the fence silences a for IPv6 too
ip netns exec "$NS_C" tcpdump -i eth0 -nn -e -vv -tt -l icmp6 >"$WORK/cap" 2>"$WORK/cap.err" &
tcpdump_pid=$!
ip netns exec "$NS_C" tcpdump -i eth0.100 -nn -e -vv -tt -l icmp6 >"$WORK/cap100" 2>"$WORK/cap100.err" &
tcpdump100_pid=$!
for _ in $(seq 50); do
	grep -q "listening on" "$WORK/cap.err" 2>/dev/null && grep -q "listening on" "$WORK/cap100.err" 2>/dev/null && break
	sleep 0.1
done
ip netns exec "$NS_C" ping -6 -D -i 0.01 -W 1 -w $((WAIT + 2)) $VIP6 >"$WORK/ping6" 2>&1 &
ping_pid=$!
sleep 1
t_kill=$(date +%s.%N)
# the lease fence (XDP on eth0) silences a for eth0 and for real VLANs on
# it; the stand-in is a device of its own that no fence covers, so its
# link goes with the daemon, as when the node dies
printf 'link set eth0.100 down\n' | in_ns "$NS_A" ip -batch - &
kill -9 "$PID_a"
check "SIGKILL: b becomes Active" wait_for $WAIT state_is b "$NS_B" Active
check "SIGKILL: b holds the whole group" holds_all "$NS_B"
check "SIGKILL: a's kernel still has 10.99.0.100 and $VIP6 (nobody removed them)" \
	bash -c "ip netns exec $NS_A ip -o addr show dev eth0 | grep -q ' $VIP/' &&
		ip netns exec $NS_A ip -o addr show dev eth0 | grep -q ' $VIP6/'"
wait $ping_pid
sleep 0.2
kill "$tcpdump_pid" "$tcpdump100_pid" 2>/dev/null
wait "$tcpdump_pid" "$tcpdump100_pid" 2>/dev/null
MAC_B=$(mac_of "$NS_B")
check "client's neighbour entry for $VIP6 moved to b ($(neigh6 $VIP6 eth0))" [ "$(neigh6 $VIP6 eth0)" = "$MAC_B" ]
MAC_B100=$(mac_of "$NS_B" eth0.100)
check "client's neighbour entry for $VIP6V (eth0.100) moved to b's eth0.100 ($(neigh6 $VIP6V eth0.100))" \
	[ "$(neigh6 $VIP6V eth0.100)" = "$MAC_B100" ]
check "client's ARP entry for $VIP moved to b too ($(neigh4))" [ "$(neigh4)" = "$MAC_B" ]
check "client's ARP entry for $VIP4V (eth0.100) moved to b's eth0.100 ($(neigh4v))" [ "$(neigh4v)" = "$MAC_B100" ]
check "client reaches $VIP6 on b" ping6_ok $VIP6
check "client reaches $VIP6V on b" ping6_ok $VIP6V
# the largest gap between two answers around the kill (ping -D stamps)
gap=$(awk -v k="$t_kill" -F'[][]' '/bytes from/ { t = $2 + 0; if (p && p >= k - 1 && t - p > g) g = t - p; p = t }
	END { printf "%d", g * 1000 }' "$WORK/ping6")
echo "# client's longest IPv6 gap across the failover: ${gap} ms (ping every 10 ms; detection 300 ms)"
check "client's IPv6 gap is under 2 s (${gap} ms)" [ "${gap:-0}" -gt 0 ] && [ "$gap" -lt 2000 ]

# the NAs as the client saw them: from b, to all-nodes, hop limit 255,
# override set, solicited clear, b's MAC as target link-layer address
nas() { # FILE MAC: one line per NA from MAC to all-nodes
	awk '/^[0-9]/ { if (m) print m; m = $0; next } { m = m " " $0 } END { if (m) print m }' "$1" |
		grep "neighbor advertisement" | grep "^[0-9.]* $2 > 33:33:00:00:00:01" || true
}
nas "$WORK/cap" "$MAC_B" | grep "tgt is $VIP6," >"$WORK/na_lan"
nas "$WORK/cap100" "$MAC_B100" | grep "tgt is $VIP6V," >"$WORK/na_vlan"
n_lan=$(wc -l <"$WORK/na_lan")
n_vlan=$(wc -l <"$WORK/na_vlan")
check "client captured the NA burst for $VIP6 from b on eth0: 5 ($n_lan)" [ "$n_lan" -eq 5 ]
check "... and for $VIP6V on eth0.100, from b's eth0.100: 5 ($n_vlan)" [ "$n_vlan" -eq 5 ]
check "each NA: hlim 255, Flags [override] (not solicited), target link-address b's MAC" \
	bash -c "[ \$(grep 'hlim 255' $WORK/na_lan | grep 'Flags \[override\]' | grep -c 'link-address option (2), length 8 (1): $MAC_B') -eq 5 ]"
sed -n 1p "$WORK/na_lan" | sed 's/  */ /g; s/^/# NA: /'
# b's duplicate check went out (from ::, hop limit 255, to the solicited-node
# group) and a, fenced, did not answer it
msgs() { awk '/^[0-9]/ { if (m) print m; m = $0; next } { m = m " " $0 } END { if (m) print m }' "$1"; }
check "client saw b's duplicate check: NS from :: to ff02::1:ff00:100 for $VIP6, hlim 255" \
	bash -c "$(declare -f msgs); msgs $WORK/cap | grep '^[0-9.]* $MAC_B > 33:33:ff:00:01:00' |
		grep 'hlim 255' | grep ':: > ff02::1:ff00:100' | grep -q 'neighbor solicitation, length 24, who has $VIP6'"
MAC_A=$(mac_of "$NS_A")
check "a (fenced) sent no NA for $VIP6 after the kill" \
	bash -c "! { $(declare -f msgs); msgs $WORK/cap | grep '^[0-9.]* $MAC_A >' | grep -q 'tgt is $VIP6,'; }"

# --- a restarts: Standby, its stale addresses gone
in_ns "$NS_A" ip link set eth0.100 up
start_node a "$NS_A"
check "restarted a drops the stale group and becomes Standby" wait_for $WAIT state_is a "$NS_A" Standby
check "restarted a holds none of the group" wait_for 3 holds_none "$NS_A"

# --- duplicate check: the rogue holds $VIP6; a's takeover must not claim
in_ns "$NS_R" ip addr add $VIP6/64 dev eth0 nodad
out=$(ctl a "$NS_A" takeover 2>&1)
check "duplicate check: the alarm names $VIP6 and the rogue's MAC" \
	wait_for 5 alarm_has a "$NS_A" "failover IP $VIP6 answered by $(mac_of "$NS_R")"
check "duplicate check: a does not hold $VIP6" no6 "$NS_A" $VIP6 eth0
check "duplicate check: a is not Active (takeover: $(tr '\n' ' ' <<<"$out"))" not_active a "$NS_A"
in_ns "$NS_R" ip addr del $VIP6/64 dev eth0
check "address freed: the pair serves again" wait_for 10 someone_active

# --- partial failure: b lacks eth0.100; its claim rolls back and alarms
state_is a "$NS_A" Active || ctl a "$NS_A" takeover >/dev/null 2>&1
check "a Active before the partial failure" wait_for 5 state_is a "$NS_A" Active
kill "$PID_b"
wait_for 5 bash -c "! kill -0 $PID_b 2>/dev/null"
in_ns "$NS_B" ip link del eth0.100
# health would count the missing device (and b would not take over as
# degraded): this part is about the claim itself
echo "monitor_lan_interface no" >>"$WORK/b/twin.conf"
start_node b "$NS_B"
check "b back as Standby without eth0.100" wait_for $WAIT state_is b "$NS_B" Standby
ctl b "$NS_B" takeover >/dev/null 2>&1
check "partial failure: b's alarm names the address that failed" \
	wait_for 5 alarm_has b "$NS_B" "could not add the failover IP $VIP6V/64 dev eth0.100: No such device"
check "partial failure: b rolled back (holds neither 10.99.0.100 nor $VIP6)" \
	bash -c "! ip netns exec $NS_B ip -4 -o addr show dev eth0 | grep -q ' $VIP/' &&
		! ip netns exec $NS_B ip -6 -o addr show dev eth0 | grep -q ' $VIP6/'"
check "partial failure: b's log says what it removed" grep -q "the 2 added before it removed again" "$WORK/b/twind.log"
check "partial failure: a serves the whole group again" wait_for $WAIT a_serves
check "client reaches $VIP6 on a again" wait_for 3 ping6_ok $VIP6

[ "$FAIL" -gt 0 ] && dump_logs
summary vip_ipv6
