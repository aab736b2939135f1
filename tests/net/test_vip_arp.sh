#!/usr/bin/env bash
# Failover IP side effects against a real kernel: vip.c (netlink add/del/present)
# and arp.c (gratuitous ARP, RFC 5227 probe), driven through tests/tools/viptool.
#
#   node ns  vn0 10.77.0.1/24 ==veth== vc0 10.77.0.2/24  client ns
#
# Needs root, iproute2 and tcpdump. VIPTOOL overrides the binary
# (default ${BUILD:-build}/tools/viptool). Prints "ok - ..."/"not ok - ..." per
# check and "vip_arp: N passed, N failed"; exits non-zero on any failure.
set -u

VIPTOOL=${VIPTOOL:-${BUILD:-build}/tools/viptool}
NODE=twt-vipn-$$
CLI=twt-vipc-$$
VIP=10.77.0.100
OUT=$(mktemp -d /tmp/twt-vip.XXXXXX)
pass=0 fail=0 tcpdump_pid=

ok() {
	pass=$((pass + 1))
	echo "ok - $*"
}
not_ok() {
	fail=$((fail + 1))
	echo "not ok - $*"
}
# check "description" command...: ok if the command succeeds
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}

cleanup() {
	[ -n "$tcpdump_pid" ] && kill "$tcpdump_pid" 2>/dev/null && wait "$tcpdump_pid" 2>/dev/null
	ip netns del "$NODE" 2>/dev/null
	ip netns del "$CLI" 2>/dev/null
	rm -rf "$OUT"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# a missing prerequisite is a failure: a skip is never a pass
if [ "$(id -u)" -ne 0 ]; then
	echo "not ok - needs root (network namespaces, raw ARP sockets)"
	echo "vip_arp: 0 passed, 1 failed"
	exit 1
fi
for t in ip tcpdump; do
	if ! command -v "$t" >/dev/null; then
		echo "not ok - $t not installed (Debian: iproute2, tcpdump; tests/install-deps.sh)"
		echo "vip_arp: 0 passed, 1 failed"
		exit 1
	fi
done
if [ ! -x "$VIPTOOL" ]; then
	echo "not ok - viptool not found at $VIPTOOL (make tools, or set VIPTOOL)"
	echo "vip_arp: 0 passed, 1 failed"
	exit 1
fi
VIPTOOL=$(realpath "$VIPTOOL")

n() { ip netns exec "$NODE" "$@"; }
c() { ip netns exec "$CLI" "$@"; }

setup() {
	ip netns add "$NODE" && ip netns add "$CLI" &&
		ip link add vn0 netns "$NODE" type veth peer name vc0 netns "$CLI" &&
		ip -n "$NODE" addr add 10.77.0.1/24 dev vn0 &&
		ip -n "$CLI" addr add 10.77.0.2/24 dev vc0 &&
		ip -n "$NODE" link set lo up && ip -n "$CLI" link set lo up &&
		ip -n "$NODE" link set vn0 up && ip -n "$CLI" link set vc0 up
}
if ! setup; then
	echo "not ok - namespace setup"
	echo "vip_arp: 0 passed, 1 failed"
	exit 1
fi
NODE_MAC=$(ip -n "$NODE" -br link show vn0 | awk '{print $3}')
CLI_MAC=$(ip -n "$CLI" -br link show vc0 | awk '{print $3}')
OTHER_MAC=02:00:00:00:00:99

# "A.B.C.D/N" listed on vn0 in the node?
has_addr() { ip -n "$NODE" -4 -o addr show dev vn0 | grep -qw "inet ${1//./\\.}"; }
count_addr() { ip -n "$NODE" -4 -o addr show dev vn0 | grep -cw "inet ${1//./\\.}"; }
# client's neighbour entry for the VIP: its MAC, or "" if none
cli_neigh() { ip -n "$CLI" neigh show "$VIP" dev vc0 | awk '/lladdr/ {print $3}'; }

# --- vip: add / del / present -------------------------------------------
n "$VIPTOOL" add $VIP/24 vn0 2>"$OUT/err"
rc=$?
check "add $VIP/24 exits 0" [ $rc -eq 0 ]
check "add: ip addr lists $VIP/24 on vn0" has_addr $VIP/24
check "add: scope global, label vn0:twin, secondary to the node's own address" \
	bash -c "ip -n $NODE -4 -o addr show dev vn0 label vn0:twin | grep -w 'inet $VIP/24' |
		grep -w 'scope global' | grep -qw secondary"
n "$VIPTOOL" add $VIP/24 vn0 2>"$OUT/err"
rc=$?
check "add twice exits 0" [ $rc -eq 0 ]
check "add twice: listed once" [ "$(count_addr $VIP/24)" = 1 ]
out=$(n "$VIPTOOL" present $VIP/24 vn0)
rc=$?
check "present: prints present, exit 0 ($out)" [ $rc -eq 0 -a "$out" = present ]
out=$(n "$VIPTOOL" present $VIP/32 vn0)
rc=$?
check "present with another prefix: absent, exit 1 ($out)" [ $rc -eq 1 -a "$out" = absent ]
out=$(n "$VIPTOOL" present $VIP/24 lo)
rc=$?
check "present on another device: absent, exit 1 ($out)" [ $rc -eq 1 -a "$out" = absent ]
n "$VIPTOOL" del $VIP/24 vn0 2>"$OUT/err"
rc=$?
check "del exits 0" [ $rc -eq 0 ]
check "del: gone from ip addr" bash -c "! ip -n $NODE -4 -o addr show dev vn0 | grep -qw 'inet $VIP/24'"
check "del: the node's own address stays" has_addr 10.77.0.1/24
out=$(n "$VIPTOOL" present $VIP/24 vn0)
rc=$?
check "present after del: absent, exit 1 ($out)" [ $rc -eq 1 -a "$out" = absent ]
n "$VIPTOOL" del $VIP/24 vn0 2>"$OUT/err"
rc=$?
check "del of an absent address exits 0 ($(cat "$OUT/err"))" [ $rc -eq 0 ]

ip -n "$NODE" addr add $VIP/24 dev vn0
n "$VIPTOOL" del $VIP/24 vn0
rc=$?
check "del removes the VIP even when added by hand (other label)" \
	bash -c "[ $rc -eq 0 ] && ! ip -n $NODE -4 -o addr show dev vn0 | grep -qw 'inet $VIP/24'"

n "$VIPTOOL" add 10.78.0.100/24 vn0
check "VIP alone in its subnet: primary, with its prefix route" \
	bash -c "ip -n $NODE -4 -o addr show dev vn0 | grep -w 'inet 10.78.0.100/24' | grep -vqw secondary &&
		ip -n $NODE route show 10.78.0.0/24 | grep -q 'dev vn0 proto kernel scope link src 10.78.0.100'"
n "$VIPTOOL" del 10.78.0.100/24 vn0
check "del of that VIP removes its route" bash -c "[ -z \"\$(ip -n $NODE route show 10.78.0.0/24)\" ]"

n "$VIPTOOL" add $VIP/24 nosuch0 2>"$OUT/err"
rc=$?
check "add on a missing device: exit 2 ($rc)" [ $rc -eq 2 ]
check "add on a missing device: error with context ($(cat "$OUT/err"))" \
	grep -q "vip_add $VIP/24 dev nosuch0: No such device" "$OUT/err"
n "$VIPTOOL" del $VIP/24 nosuch0 2>"$OUT/err"
rc=$?
check "del on a missing device: exit 2, context ($(cat "$OUT/err"))" \
	bash -c "[ $rc -eq 2 ] && grep -q 'vip_del $VIP/24 dev nosuch0: No such device' $OUT/err"
n "$VIPTOOL" garp $VIP nosuch0 1 0 2>"$OUT/err"
rc=$?
check "garp on a missing device: exit 2, context ($(cat "$OUT/err"))" \
	bash -c "[ $rc -eq 2 ] && grep -q 'arp_open nosuch0: No such device' $OUT/err"

# --- gratuitous ARP: what the client's neighbour table does --------------
n "$VIPTOOL" add $VIP/24 vn0
c sysctl -qw net.ipv4.conf.all.arp_accept=0 net.ipv4.conf.vc0.arp_accept=0

ip -n "$CLI" neigh replace $VIP lladdr $OTHER_MAC dev vc0 nud stale
n "$VIPTOOL" garp $VIP vn0 1 0 >/dev/null
sleep 0.05
got=$(cli_neigh)
check "garp, arp_accept=0: client's stale entry ($OTHER_MAC) moves to the node ($got)" [ "$got" = "$NODE_MAC" ]

ip -n "$CLI" neigh replace $VIP lladdr $OTHER_MAC dev vc0 nud reachable
n "$VIPTOOL" garp $VIP vn0 1 0 >/dev/null
sleep 0.05
got=$(cli_neigh)
check "garp, arp_accept=0: a REACHABLE entry (old holder) is overridden too ($got)" [ "$got" = "$NODE_MAC" ]

ip -n "$CLI" neigh del $VIP dev vc0 2>/dev/null
n "$VIPTOOL" garp $VIP vn0 1 0 >/dev/null
sleep 0.05
got=$(cli_neigh)
check "garp, arp_accept=0: no entry is created where none was (${got:-none})" [ -z "$got" ]

c sysctl -qw net.ipv4.conf.vc0.arp_accept=1
n "$VIPTOOL" garp $VIP vn0 1 0 >/dev/null
sleep 0.05
got=$(cli_neigh)
check "garp, arp_accept=1: the entry is created ($got)" [ "$got" = "$NODE_MAC" ]
c sysctl -qw net.ipv4.conf.vc0.arp_accept=0

# --- gratuitous ARP burst on the wire ------------------------------------
COUNT=5 INTERVAL=50
# not through c(): $! must be tcpdump itself (ip netns exec execs it), and
# a background job ignores SIGINT, so it is stopped with SIGTERM
ip netns exec "$CLI" tcpdump -i vc0 -nn -e -tt -l --time-stamp-precision=micro arp \
	>"$OUT/cap" 2>"$OUT/cap.err" &
tcpdump_pid=$!
for _ in $(seq 50); do grep -q "listening on" "$OUT/cap.err" 2>/dev/null && break; sleep 0.1; done
n "$VIPTOOL" garp $VIP vn0 $COUNT $INTERVAL >/dev/null
sleep 0.3
kill "$tcpdump_pid" 2>/dev/null
wait "$tcpdump_pid" 2>/dev/null
tcpdump_pid=
grep "Request who-has $VIP tell $VIP," "$OUT/cap" >"$OUT/garps"
nf=$(wc -l <"$OUT/garps")
check "tcpdump in the client sees $COUNT gratuitous ARPs ($nf)" [ "$nf" -eq $COUNT ]
check "each from the node's MAC to broadcast, target MAC zero" \
	bash -c "[ \$(grep -c '^[0-9.]* $NODE_MAC > ff:ff:ff:ff:ff:ff, ethertype ARP' $OUT/garps) -eq $COUNT ] &&
		! grep -q 'who-has $VIP (' $OUT/garps"
# gaps in ms; a VM may stall the sender now and then: judge the median gap
# and the whole span, with room for one stall (~110 ms) at the end
read -r span median < <(awk -v n="$nf" '{ t[NR] = $1 }
	END { if (n < 2) { print 0, 0; exit }
	      for (i = 2; i <= n; i++) g[i - 1] = (t[i] - t[i - 1]) * 1000
	      m = n - 1; for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (g[j] < g[i]) { x = g[i]; g[i] = g[j]; g[j] = x }
	      printf "%.1f %.1f\n", (t[n] - t[1]) * 1000, g[int((m + 1) / 2)] }' "$OUT/garps")
want=$(((COUNT - 1) * INTERVAL))
check "burst spans ~${want} ms (${span} ms), median gap ~${INTERVAL} ms (${median} ms)" \
	awk -v s="$span" -v m="$median" -v w=$want -v i=$INTERVAL \
	'BEGIN { exit !(s >= w * 0.95 && s <= w + 150 && m >= i * 0.8 && m <= i * 1.5) }'

# --- the receive filter: an idle socket hears nothing ---------------------
# node listens 1.2 s while the client sends 5 GARPs for 10.77.0.5
watch_count() {
	n "$VIPTOOL" watch vn0 1200 "$1" >"$OUT/watch" &
	local p=$!
	sleep 0.4
	c "$VIPTOOL" garp 10.77.0.5 vc0 5 10 >/dev/null
	wait $p && cat "$OUT/watch"
}
got=$(watch_count off)
check "socket after arp_open delivers nothing (${got})" [ "$got" = 0 ]
got=$(watch_count all)
check "arp_watch(all) delivers every ARP frame (${got})" [ "$got" = 5 ]
got=$(watch_count 10.77.0.99)
check "arp_watch(10.77.0.99) drops frames about other addresses (${got})" [ "$got" = 0 ]
got=$(watch_count 10.77.0.5)
check "arp_watch(10.77.0.5) delivers frames from 10.77.0.5 (${got})" [ "$got" = 5 ]

# --- RFC 5227 probe -------------------------------------------------------
out=$(n "$VIPTOOL" probe 10.77.0.200 vn0 100)
rc=$?
check "probe of a free address: clear, exit 0 ($out)" [ $rc -eq 0 -a "$out" = clear ]

ip -n "$CLI" addr add 10.77.0.200/24 dev vc0
out=$(n "$VIPTOOL" probe 10.77.0.200 vn0 500)
rc=$?
check "probe of an address the client holds: conflict $CLI_MAC, exit 1 ($out)" \
	[ $rc -eq 1 -a "$out" = "conflict $CLI_MAC" ]
ip -n "$CLI" addr del 10.77.0.200/24 dev vc0

# unrelated ARP chatter during the window is no conflict
n "$VIPTOOL" probe 10.77.0.202 vn0 400 >"$OUT/probe" &
ppid=$!
sleep 0.1
c "$VIPTOOL" garp 10.77.0.2 vc0 5 20 >/dev/null
c "$VIPTOOL" probe 10.77.0.203 vc0 10 >/dev/null
wait $ppid
rc=$?
check "probe amid unrelated ARP traffic: clear ($(cat "$OUT/probe"))" [ $rc -eq 0 -a "$(cat "$OUT/probe")" = clear ]

# a rival probing the same address in the same window (RFC 5227 2.1.1)
n "$VIPTOOL" probe 10.77.0.201 vn0 1500 >"$OUT/probe" &
ppid=$!
sleep 0.3
c "$VIPTOOL" probe 10.77.0.201 vc0 10 >/dev/null
wait $ppid
rc=$?
check "probe with a rival prober: conflict $CLI_MAC probing ($(cat "$OUT/probe"))" \
	[ $rc -eq 1 -a "$(cat "$OUT/probe")" = "conflict $CLI_MAC probing" ]

n "$VIPTOOL" probe 10.77.0.200 nosuch0 10 2>"$OUT/err"
rc=$?
check "probe on a missing device: exit 2, context ($(cat "$OUT/err"))" \
	bash -c "[ $rc -eq 2 ] && grep -q 'arp_open nosuch0: No such device' $OUT/err"

# --- latency of the takeover's side effects (information) -----------------
n "$VIPTOOL" del $VIP/24 vn0
if n "$VIPTOOL" bench 10.77.0.150/24 vn0 200 >"$OUT/bench"; then
	sed 's/^/# /' "$OUT/bench"
	ok "bench: vip_add/arp_send_garp/vip_del x200"
else
	not_ok "bench"
fi

echo "vip_arp: $pass passed, $fail failed"
[ $fail -eq 0 ]
