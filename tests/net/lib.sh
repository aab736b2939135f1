# Shared helpers for the namespace tests: a pair of real twind nodes, a
# client and a rogue, all inside network namespaces made here and removed
# on exit, also on failure. Source it; call pair_setup, then pair_start.
#
#   LAN  (bridge br0 in ns $NS_L):  a:eth0 10.99.0.1   b:eth0 10.99.0.2
#                                   client 10.99.0.10  rogue 10.99.0.66
#   HB   (bridge br1 in ns $NS_L):  a:eth1 192.168.250.1  b:eth1 .2  rogue
#   failover IP 10.99.0.100/24
# The heartbeat link runs through a bridge only so that the rogue can sit
# on it; a and b see a plain veth with native XDP.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
TWIND=$BUILD/twind
TWINCTL=$BUILD/twinctl
TOOLS=$BUILD/tools
RUN_ID=${RUN_ID:-$$}
NS_A=twt-a-$RUN_ID NS_B=twt-b-$RUN_ID NS_C=twt-c-$RUN_ID NS_R=twt-r-$RUN_ID NS_L=twt-l-$RUN_ID
VIP=10.99.0.100
IP_A=10.99.0.1 IP_B=10.99.0.2 IP_C=10.99.0.10 IP_R=10.99.0.66
WORK=$(mktemp -d /tmp/twin-net.XXXXXX)
PORT=7777 # responder port on the failover IP

# default profile unless a test overrides (functional tests keep margins
# that survive ~110 ms host stalls: docs/ARCHITECTURE.md "Host stalls")
HB_INTERVAL=${HB_INTERVAL-10ms}
HB_MISSES=${HB_MISSES-30}
STARTUP_WAIT=${STARTUP_WAIT:-2s}

PASS=0 FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
not_ok() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
check() { # check "name" command...
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}
summary() { # summary SUITE
	echo "$1: $PASS passed, $FAIL failed"
	[ "$FAIL" -eq 0 ]
}

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

cleanup() {
	local pids all=
	for ns in $NS_A $NS_B $NS_C $NS_R $NS_L; do
		all="$all $(ip netns pids "$ns" 2>/dev/null)"
	done
	if [ -n "${all// /}" ]; then
		kill $all 2>/dev/null # twind detaches its programs on SIGTERM
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 $all 2>/dev/null || break; sleep 0.1; done
		kill -9 $all 2>/dev/null
	fi
	for ns in $NS_A $NS_B $NS_C $NS_R $NS_L; do
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "${KEEP_WORK:-}" ]; then echo "# work dir kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# link NS_X:IFNAME <-> NS_L:PORTNAME on bridge BR
plug() {
	local ns=$1 ifname=$2 port=$3 br=$4
	ip link add "$port" netns "$NS_L" type veth peer name "$ifname" netns "$ns"
	in_ns "$NS_L" ip link set "$port" master "$br" up
	in_ns "$ns" ip link set "$ifname" up
}

pair_setup() {
	for ns in $NS_A $NS_B $NS_C $NS_R $NS_L; do ip netns add "$ns"; done
	for ns in $NS_A $NS_B $NS_C $NS_R $NS_L; do in_ns "$ns" ip link set lo up; done
	in_ns "$NS_L" ip link add br0 type bridge
	in_ns "$NS_L" ip link add br1 type bridge
	# no STP/learning delays: a test LAN is up at once
	in_ns "$NS_L" ip link set br0 type bridge forward_delay 0 stp_state 0
	in_ns "$NS_L" ip link set br1 type bridge forward_delay 0 stp_state 0 ageing_time 0
	in_ns "$NS_L" ip link set br0 up
	in_ns "$NS_L" ip link set br1 up
	plug "$NS_A" eth0 a0 br0
	plug "$NS_B" eth0 b0 br0
	plug "$NS_C" eth0 c0 br0
	plug "$NS_R" eth0 r0 br0
	plug "$NS_A" eth1 a1 br1
	plug "$NS_B" eth1 b1 br1
	plug "$NS_R" eth1 r1 br1
	in_ns "$NS_A" ip addr add $IP_A/24 dev eth0
	in_ns "$NS_B" ip addr add $IP_B/24 dev eth0
	in_ns "$NS_C" ip addr add $IP_C/24 dev eth0
	in_ns "$NS_R" ip addr add $IP_R/24 dev eth0
	in_ns "$NS_A" ip addr add 192.168.250.1/24 dev eth1
	in_ns "$NS_B" ip addr add 192.168.250.2/24 dev eth1
	# the client takes gratuitous ARP into its table, as LAN hosts do
	in_ns "$NS_C" sysctl -qw net.ipv4.conf.all.arp_accept=1 net.ipv4.conf.eth0.arp_accept=1
	head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/cluster.key"
	chmod 600 "$WORK/cluster.key"
}

# write_conf NODE ID PEER_ID PEER_IP PRIO [extra lines]
write_conf() {
	local node=$1 id=$2 peer=$3 peer_ip=$4 prio=$5
	shift 5
	mkdir -p "$WORK/$node"
	cat >"$WORK/$node/twin.conf" <<EOF
node_name $node
node_id $id
peer_id $peer
cluster_id 0x7a11
priority $prio
peer_address $peer_ip
hb_interface eth1
lan_interface eth0
startup_wait $STARTUP_WAIT
failover_ip $VIP/24
key_file $WORK/cluster.key
state_dir $WORK/$node/state
control_socket $WORK/$node/twind.sock
EOF
	# an empty HB_INTERVAL means the product's default profile
	[ -n "$HB_INTERVAL" ] && printf 'heartbeat_interval %s\nheartbeat_misses %s\n' "$HB_INTERVAL" "$HB_MISSES" \
		>>"$WORK/$node/twin.conf"
	for line in "$@"; do echo "$line" >>"$WORK/$node/twin.conf"; done
}

# start_node NODE NS: twind in the background, log in $WORK/NODE/twind.log
start_node() {
	local node=$1 ns=$2
	# not through in_ns: $! must be twind itself (ip netns exec execs it)
	ip netns exec "$ns" "$TWIND" -f "$WORK/$node/twin.conf" -v >>"$WORK/$node/twind.log" 2>&1 &
	eval "PID_$node=$!"
	disown $! # no job-control noise when the test kills it
}

# the "service" on each node: answers the client on the failover IP
start_responders() {
	in_ns "$NS_A" "$TOOLS/responder" -p $PORT -n a >/dev/null 2>&1 &
	disown $!
	in_ns "$NS_B" "$TOOLS/responder" -p $PORT -n b >/dev/null 2>&1 &
	disown $!
}

pair_start() {
	write_conf a 1 2 $IP_B 150 "$@"
	write_conf b 2 1 $IP_A 100 "$@"
	start_node a "$NS_A"
	start_node b "$NS_B"
	start_responders
}

ctl() { # ctl NODE NS args...
	local node=$1 ns=$2
	shift 2
	in_ns "$ns" "$TWINCTL" -s "$WORK/$node/twind.sock" "$@"
}

# status_get NODE NS KEY: one value from `twinctl status --json`-free kv
status_get() {
	ctl "$1" "$2" status --raw 2>/dev/null | sed -n "s/^$3=//p" | head -1
}

# wait_for SECONDS command...: poll every 50 ms
wait_for() {
	local t=$1 i
	shift
	for ((i = 0; i < t * 20; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

# links NS up|down: both of a node's links at once (one ip process, so the
# client's outage does not include the time to start a second one). The
# heartbeat link first: a node that sees its LAN go down says so over eth1
# (its peer takes over at once), which a dead node could not do.
links() { printf 'link set eth1 %s\nlink set eth0 %s\n' "$2" "$2" | in_ns "$1" ip -batch -; }

state_is() { [ "$(status_get "$1" "$2" node.state)" = "$3" ]; }
has_vip() { in_ns "$1" ip -4 -o addr show dev eth0 | grep -q " $VIP/"; }
no_vip() { ! has_vip "$1"; }

dump_logs() {
	for n in a b; do
		[ -f "$WORK/$n/twind.log" ] && { echo "# --- $n log (tail)"; tail -25 "$WORK/$n/twind.log" | sed 's/^/# /'; }
	done
}
