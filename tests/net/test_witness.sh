#!/usr/bin/env bash
# The witness prober (userland/twind/witness.c) through witnesstool, root:
# a node, a gateway holding the witness address and a rogue on one bridge.
#   1. ARP: reached within a few intervals; the gateway's address removed ->
#      lost after about the timeout; back -> reached; gateway link down/up;
#   2. the node's own interface down/up, then removed and made again: no
#      crash, few log lines, reached again (the socket is reopened);
#   3. ICMP: the same reached/lost/reached, raw socket and ping socket;
#   4. the gateway drops ICMP: not reached over ICMP while ARP reaches it;
#   5. a rogue forging ARP and echo replies from another IP, and echo replies
#      with the witness's own address but ids of its guessing: never reached;
#   6. a missing interface at start: runs, retries, not reached.
# Latencies are measured from just before the change to the flip line.
set -u
. "$(dirname "$0")/lib.sh"

INTERVAL=20  # ms
TIMEOUT=200  # ms
MARGIN=150   # ms of scheduling slack on a loaded 2-core machine
IP_N=10.99.0.1 IP_G=10.99.0.254 IP_OTHER=10.99.0.77
NS_N=$NS_A NS_G=$NS_C # node, gateway (lib.sh's names: its cleanup removes them)

finish() {
	summary witness
	exit
}

if [ "$(id -u)" -ne 0 ]; then
	not_ok "needs root"
	finish
fi
if [ ! -x "$TOOLS/witnesstool" ]; then
	not_ok "$TOOLS/witnesstool not built (make all)"
	finish
fi

setup() {
	for ns in $NS_N $NS_G $NS_R $NS_L; do ip netns add "$ns" && in_ns "$ns" ip link set lo up || return 1; done
	in_ns "$NS_L" ip link add br0 type bridge forward_delay 0 stp_state 0 &&
		in_ns "$NS_L" ip link set br0 up &&
		plug "$NS_N" eth0 n0 br0 && plug "$NS_G" eth0 g0 br0 && plug "$NS_R" eth0 r0 br0 &&
		in_ns "$NS_N" ip addr add $IP_N/24 dev eth0 &&
		in_ns "$NS_G" ip addr add $IP_G/24 dev eth0 &&
		in_ns "$NS_R" ip addr add $IP_R/24 dev eth0
}
setup || {
	not_ok "namespace setup"
	finish
}

now_ms() { date +%s%3N; }
# between LO HI VALUE
between() { [ -n "$3" ] && [ "$3" -ge "$1" ] && [ "$3" -le "$2" ]; }

# probe NAME ARGS...: witnesstool in the node, in the background (PROBE)
probe() {
	local name=$1
	shift
	ip netns exec "$NS_N" "$TOOLS/witnesstool" probe -i eth0 -I $INTERVAL -T $TIMEOUT "$@" \
		>"$WORK/$name.out" 2>"$WORK/$name.err" &
	PROBE=$!
}
# stop_probe: SIGTERM, wait for its closing lines
stop_probe() {
	kill -TERM "$PROBE" 2>/dev/null
	wait "$PROBE"
}
nflips() { grep -c '^flip ' "$WORK/$1.out"; }
wait_flips() { wait_for "$3" eval '[ "$(nflips '"$1"')" -ge '"$2"' ]'; }
# flip_field NAME N KEY: KEY=value of the Nth flip line
flip_field() { sed -n '/^flip /p' "$WORK/$1.out" | sed -n "$2p" | sed -nE "s/.* $3=([^ ]*).*/\1/p"; }
stat_field() { sed -nE "s/^stats .*\<$2=([^ ]*).*/\1/p" "$WORK/$1.out" | tail -1; }

# expect_flip NAME N REACHED T0 LO HI WHAT: the Nth flip is to REACHED,
# LO..HI ms after T0
expect_flip() {
	local name=$1 n=$2 want=$3 t0=$4 lo=$5 hi=$6 what=$7 got lat
	if ! wait_flips "$name" "$n" 3; then
		not_ok "$what: no flip within 3 s"
		return
	fi
	got=$(flip_field "$name" "$n" reached)
	lat=$(($(flip_field "$name" "$n" real_ms) - t0))
	if [ "$got" = "$want" ] && between "$lo" "$hi" "$lat"; then
		ok "$what after $lat ms (allowed $lo..$hi)"
	else
		not_ok "$what: reached=$got after $lat ms (allowed $lo..$hi)"
		sed 's/^/# /' "$WORK/$name.out"
	fi
}

LOST_LO=$((TIMEOUT - INTERVAL - 5)) LOST_HI=$((TIMEOUT + 3 * INTERVAL + MARGIN))
BACK_HI=$((3 * INTERVAL + MARGIN))

# reached / lost / reached with the gateway's address taken away and back
cycle() {
	local name=$1 t0
	expect_flip "$name" 1 1 "$T_START" 0 $BACK_HI "$name: reached at start"
	t0=$(now_ms)
	in_ns "$NS_G" ip addr del $IP_G/24 dev eth0
	expect_flip "$name" 2 0 "$t0" $LOST_LO $LOST_HI "$name: lost with the address removed"
	t0=$(now_ms)
	in_ns "$NS_G" ip addr add $IP_G/24 dev eth0
	expect_flip "$name" 3 1 "$t0" 0 $BACK_HI "$name: reached with the address back"
}

# --- 1. ARP ---
T_START=$(now_ms)
probe arp -w $IP_G -d 60
cycle arp
t0=$(now_ms)
in_ns "$NS_G" ip link set eth0 down
expect_flip arp 4 0 "$t0" $LOST_LO $LOST_HI "arp: lost with the gateway link down"
t0=$(now_ms)
in_ns "$NS_G" ip link set eth0 up
expect_flip arp 5 1 "$t0" 0 $((BACK_HI + 200)) "arp: reached with the gateway link up"

# --- 2. the node's interface ---
t0=$(now_ms)
in_ns "$NS_N" ip link set eth0 down
expect_flip arp 6 0 "$t0" 0 $LOST_HI "arp: lost with the node's link down"
sleep 1
t0=$(now_ms)
in_ns "$NS_N" ip link set eth0 up
expect_flip arp 7 1 "$t0" 0 $((BACK_HI + 200)) "arp: reached with the node's link up"
t0=$(now_ms)
in_ns "$NS_N" ip link del eth0
expect_flip arp 8 0 "$t0" 0 $LOST_HI "arp: lost with the node's interface removed"
sleep 1.5
t0=$(now_ms)
plug "$NS_N" eth0 n0 br0 && in_ns "$NS_N" ip addr add $IP_N/24 dev eth0
# the socket is reopened at the next once-a-second check
expect_flip arp 9 1 "$t0" 0 $((1000 + BACK_HI + 300)) "arp: reached with the interface made again"
check "arp: prober alive through it all" kill -0 "$PROBE"
stop_probe
check "arp: closing stats line" grep -q '^stats ' "$WORK/arp.out"
reopens=$(stat_field arp reopens)
check "arp: socket reopened ($reopens)" between 1 5 "$reopens"
errs=$(grep -c 'witness:' "$WORK/arp.err")
# 1 s down, 1.5 s gone: a few first-of-a-run lines, not one per probe (~125)
check "arp: failures rate-limited in the log ($errs lines)" between 1 8 "$errs"
check "arp: no own frames seen ($(stat_field arp own))" [ "$(stat_field arp own)" = 0 ]

# --- 3. ICMP ---
T_START=$(now_ms)
probe icmp -m icmp -w $IP_G -d 60
cycle icmp
sleep 0.3 # the cycle can end 3 ms after the last flip: let replies come in before counting
stop_probe
check "icmp: replies counted ($(stat_field icmp replies))" between 5 100000 "$(stat_field icmp replies)"
# the same through a ping socket (root's group let in): the kernel's id
in_ns "$NS_N" sysctl -qw net.ipv4.ping_group_range="0 0"
T_START=$(now_ms)
probe ping -m icmp -w $IP_G -d 60
cycle ping
stop_probe
in_ns "$NS_N" sysctl -qw net.ipv4.ping_group_range="1 0"

# --- 4. the gateway drops ICMP ---
in_ns "$NS_G" sysctl -qw net.ipv4.icmp_echo_ignore_all=1
probe icmpdrop -m icmp -w $IP_G -d 2
P1=$PROBE
probe arpdrop -w $IP_G -d 2
wait "$P1" "$PROBE"
check "icmp dropped: not reached over ICMP" [ "$(stat_field icmpdrop reached)" = 0 ]
check "icmp dropped: no flip over ICMP" [ "$(nflips icmpdrop)" = 0 ]
check "icmp dropped: reached over ARP" [ "$(stat_field arpdrop reached)" = 1 ]
in_ns "$NS_G" sysctl -qw net.ipv4.icmp_echo_ignore_all=0

# --- 5. a rogue ---
in_ns "$NS_G" ip addr del $IP_G/24 dev eth0 # the real witness is gone
in_ns "$NS_R" "$TOOLS/witnesstool" forge -i eth0 -s $IP_OTHER -t $IP_N -r 5 -d 3 >"$WORK/forge1.out" 2>&1 &
F=$!
sleep 0.2
probe rogue_arp -w $IP_G -d 2
P1=$PROBE
probe rogue_icmp -m icmp -w $IP_G -d 2
wait "$P1" "$PROBE" "$F"
check "rogue from another IP sent ($(cat "$WORK/forge1.out"))" grep -q '^forged [1-9]' "$WORK/forge1.out"
check "rogue from another IP: ARP not reached" [ "$(stat_field rogue_arp reached)/$(nflips rogue_arp)" = 0/0 ]
check "rogue from another IP: ICMP not reached" [ "$(stat_field rogue_icmp reached)/$(nflips rogue_icmp)" = 0/0 ]
# (a root prober in a new namespace has a raw socket: the forgeries reach it)
check "rogue from another IP: echo replies seen and refused as foreign ($(stat_field rogue_icmp foreign))" \
	between 1 1000000 "$(stat_field rogue_icmp foreign)"
# echo replies spoofed from the witness's address: right source, wrong id/seq
in_ns "$NS_R" "$TOOLS/witnesstool" forge -i eth0 -s $IP_G -t $IP_N -r 5 -d 3 >"$WORK/forge2.out" 2>&1 &
F=$!
sleep 0.2
probe spoof_icmp -m icmp -w $IP_G -d 2
wait "$PROBE" "$F"
check "spoofed echo replies: ICMP not reached ($(grep '^stats' "$WORK/spoof_icmp.out" | cut -d' ' -f2-5))" \
	[ "$(stat_field spoof_icmp reached)/$(nflips spoof_icmp)/$(stat_field spoof_icmp replies)" = 0/0/0 ]
check "spoofed echo replies: refused as mismatched ($(stat_field spoof_icmp mismatch))" \
	between 1 1000000 "$(stat_field spoof_icmp mismatch)"
in_ns "$NS_G" ip addr add $IP_G/24 dev eth0

# --- 6. no such interface at start ---
ip netns exec "$NS_N" "$TOOLS/witnesstool" probe -i nosuch0 -w $IP_G -I $INTERVAL -d 1 \
	>"$WORK/nosuch.out" 2>"$WORK/nosuch.err"
rc=$?
check "missing interface: runs to the end (exit $rc)" [ $rc = 0 ]
check "missing interface: not reached" [ "$(stat_field nosuch reached)" = 0 ]
check "missing interface: retried quietly ($(grep -c witness: "$WORK/nosuch.err") log lines)" \
	between 1 2 "$(grep -c witness: "$WORK/nosuch.err")"

finish
