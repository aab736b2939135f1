#!/usr/bin/env bash
# XDP guard of eth1 (userland/bpf/hb_xdp*): BPF_PROG_TEST_RUN checks, then a
# real attach on a veth pair between two namespaces. Root. Prints `ok - ...` /
# `not ok - ...` and `bpf: N passed, N failed`; exits non-zero on failure.
#
# HBX_TEST=path uses a prebuilt tests/tools/hbx_test; otherwise it is built
# here, with the BPF skeleton, in a temporary directory.
set -u
cd "$(dirname "$0")/../.." || exit 1

tmp=$(mktemp -d /tmp/twt-bpf.XXXXXX)
A=twt-xdpa-$$
B=twt-xdpb-$$
pids=()
pass=0
fail=0

# shellcheck disable=SC2317 # called by the trap
cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	ip netns del "$A" 2>/dev/null
	ip netns del "$B" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ok() { echo "ok - $*"; pass=$((pass + 1)); }
notok() { echo "not ok - $*"; fail=$((fail + 1)); }
check() { # check "description" command...
	local what=$1; shift
	if "$@"; then ok "$what"; else notok "$what"; fi
}
finish() {
	echo "bpf: $pass passed, $fail failed"
	[ $fail -eq 0 ]
	exit
}

# --- build ---
T=${HBX_TEST:-}
if [ -z "$T" ]; then
	T=$tmp/hbx_test
	# shellcheck disable=SC2046 # pkg-config output is meant to split into flags
	if ! make -s BUILD="$tmp/b" "$tmp/b/gen/hb_xdp.skel.h" >"$tmp/build.log" 2>&1 ||
		! ${CC:-cc} -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter \
			-Iuserland/lib -Iuserland/bpf -I"$tmp/b/gen" $(pkg-config --cflags libbpf) \
			userland/bpf/hb_xdp.c tests/tools/hbx_test.c -o "$T" \
			$(pkg-config --libs libbpf) -lelf -lz >>"$tmp/build.log" 2>&1; then
		cat "$tmp/build.log"
		notok "build hbx_test"
		finish
	fi
fi

# --- BPF_PROG_TEST_RUN ---
out=$("$T" unit 2>"$tmp/unit.err"); rc=$?
printf '%s\n' "$out" | grep -E '^(not )?ok - '
# its count by the rules of tests/lib/suite.sh: no count, a count of
# nothing or a non-zero exit with no failure counted is one failure
. tests/lib/suite.sh
suite_parse "$rc" <<<"$out"
pass=$((pass + SUITE_P))
fail=$((fail + SUITE_F))
if [ $rc -ne 0 ] || [ "$SUITE_F" -ne 0 ]; then
	tail -20 "$tmp/unit.err"
	echo "# hbx_test unit: exit $rc, counted $SUITE_P passed, $SUITE_F failed"
fi

# --- veth between two namespaces; XDP on va (A), traffic from vb (B) ---
if ! { ip netns add "$A" && ip netns add "$B" &&
	ip -n "$A" link add va type veth peer name vb netns "$B"; }; then
	notok "namespaces + veth"
	finish
fi
for ns in "$A" "$B"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip -n "$ns" link set lo up
done
ip -n "$A" addr add 192.168.250.1/24 dev va && ip -n "$A" link set va up
ip -n "$B" addr add 192.168.250.2/24 dev vb && ip -n "$B" link set vb up
MACB=$(ip -n "$B" -br link show vb | awk '{print $3}')
inA() { ip netns exec "$A" "$@"; }
inB() { ip netns exec "$B" "$@"; }
# "xdp id 12 name twin_hb" (driver mode) or "xdpgeneric id ..." (SKB mode), or nothing
xdp_on_va() {
	ip -n "$A" link show va | awk '{for (i = 1; i <= NF; i++) if ($i ~ /^xdp/) m = $i}
		/prog\/xdp/ {print m, $2, $3, $4, $5}'
}
val() { sed -nE "s/^$1=(.*)/\\1/p" "$2" | tail -1; }

# listen NAME [args]: start a listener in A, wait until attached (or failed)
listen() {
	local name=$1; shift
	rm -f "$tmp/$name.ready"
	# not through inA: $! must be the listener itself (ip netns exec execs it)
	ip netns exec "$A" "$T" listen va --ready "$tmp/$name.ready" --src "$MACB" --timeout 60 "$@" \
		>"$tmp/$name.out" 2>&1 &
	lpid=$!
	pids+=("$lpid")
	for _ in $(seq 100); do
		[ -e "$tmp/$name.ready" ] && return 0
		kill -0 "$lpid" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}
stop() { kill -TERM "$lpid" 2>/dev/null; wait "$lpid" 2>/dev/null; }

tcp_to() { # tcp_to PORT: connect from B within 2 s?
	inB python3 -c 'import socket,sys; socket.create_connection(("192.168.250.1", int(sys.argv[1])), timeout=2)' "$1" 2>/dev/null
}

# 1. native attach: heartbeats to the ring, ARP and an allowed port pass, the rest dropped
if listen l1; then
	check "native attach on veth (mode $(val mode "$tmp/l1.out"))" [ "$(val mode "$tmp/l1.out")" = native ]
	check "ip link shows the program in driver mode: $(xdp_on_va)" grep -q '^xdp id .* name twin_hb' <(xdp_on_va)
	inB "$T" send vb 200 --interval-us 1000
	inB "$T" send vb 5 --bad-magic --seq-start 1000
	inB "$T" send vb 5 --cluster 0x9999 --seq-start 2000
	ip netns exec "$A" python3 -c 'import socket,time
ls=[socket.create_server(("0.0.0.0", p)) for p in (7789, 7791)]
time.sleep(10)' &
	pids+=($!)
	disown $!
	sleep 0.3
	ip -n "$B" neigh flush dev vb
	inB ping -c 3 -i 0.2 -W 1 192.168.250.1 >/dev/null 2>&1
	ping_rc=$?
	neigh=$(ip -n "$B" neigh show 192.168.250.1 dev vb)
	tcp_to 7789
	tcp_ok=$?
	tcp_to 7791
	tcp_other=$?
	stop
	o=$tmp/l1.out
	check "200 heartbeats reached the ring, all well-formed (frames=$(val frames "$o") bad=$(val bad "$o") rx_hb=$(val rx_hb "$o"))" \
		[ "$(val frames "$o")" = 200 -a "$(val bad "$o")" = 0 -a "$(val rx_hb "$o")" = 200 ]
	check "bad magic and other cluster counted malformed ($(val drop_malformed "$o"))" [ "$(val drop_malformed "$o")" = 10 ]
	check "ping across the link is dropped (ping exit $ping_rc)" [ $ping_rc -ne 0 ]
	check "ARP passes: B resolved A ($neigh), pass_arp=$(val pass_arp "$o")" \
		[ -n "$(grep -E 'lladdr' <<<"$neigh")" -a "$(val pass_arp "$o")" -ge 1 ]
	check "TCP to allowed port 7789 connects (pass_port=$(val pass_port "$o"))" [ $tcp_ok -eq 0 -a "$(val pass_port "$o")" -ge 1 ]
	check "TCP to port 7791 (listening, not allowed) does not connect" [ $tcp_other -ne 0 ]
	check "ICMP and the SYNs to 7791 counted foreign (drop_foreign=$(val drop_foreign "$o"))" [ "$(val drop_foreign "$o")" -ge 4 ]
	check "close detaches: no XDP left on va" [ -z "$(xdp_on_va)" ]
else
	cat "$tmp/l1.out"
	notok "native attach on veth"
fi

# 2. someone else's program is never replaced
fid=$(inA "$T" foreign va | sed -nE 's/^id=//p')
listen l2
o=$tmp/l2.out
check "refuses to replace another program: $(val error "$o")" grep -q "^error=va already has an XDP program (id $fid)" "$o"
check "the other program is still attached (id $fid)" grep -q "^xdp id $fid name other_xdp" <(xdp_on_va)
ip -n "$A" link set dev va xdp off

# 3. a stale program of ours (twind SIGKILLed) is replaced; rate limit on a flood
if listen l3; then
	kill -9 "$lpid"
	wait "$lpid" 2>/dev/null
	check "after SIGKILL our program stays attached: $(xdp_on_va)" grep -q 'name twin_hb' <(xdp_on_va)
	old=$(xdp_on_va | awk '{print $3}')
	if listen l4; then
		o=$tmp/l4.out
		check "stale program replaced natively: $(val note "$o")" \
			grep -q "note=va: replaced stale twin_hb XDP program id $old" "$o"
		new=$(xdp_on_va | awk '{print $3}')
		check "a new program is attached (id $old -> $new)" [ -n "$new" -a "$new" != "$old" ]
		inB "$T" send vb 20 --interval-us 1000
		inB "$T" send vb 2000 --interval-us 0 --seq-start 100
		stop
		fr=$(val frames "$o")
		check "new program delivers frames; a 2000-frame flood is rate limited (frames=$fr drop_ratelimit=$(val drop_ratelimit "$o") bad=$(val bad "$o"))" \
			[ "$fr" -ge 120 -a "$fr" -lt 2020 -a "$(val drop_ratelimit "$o")" -gt 0 -a "$(val bad "$o")" = 0 ]
		check "close detaches: no XDP left on va" [ -z "$(xdp_on_va)" ]
	else
		cat "$tmp/l4.out"
		notok "stale program replaced natively"
	fi
else
	notok "listener l3"
fi

# 4. generic (SKB) mode, and a stale generic program replaced by a native attach
if listen l5 --generic; then
	o=$tmp/l5.out
	check "generic attach (mode $(val mode "$o")): $(xdp_on_va)" grep -q '^xdpgeneric id .* name twin_hb' <(xdp_on_va)
	inB "$T" send vb 50 --interval-us 1000
	stop
	check "generic mode delivers frames (frames=$(val frames "$o") bad=$(val bad "$o"))" \
		[ "$(val frames "$o")" = 50 -a "$(val bad "$o")" = 0 ]
	check "close detaches: no XDP left on va" [ -z "$(xdp_on_va)" ]
else
	cat "$tmp/l5.out"
	notok "generic attach"
fi
if listen l6 --generic; then
	kill -9 "$lpid"
	wait "$lpid" 2>/dev/null
	if listen l7; then
		o=$tmp/l7.out
		check "stale generic program detached, native attached: $(xdp_on_va)" \
			[ "$(val mode "$o")" = native -a -n "$(xdp_on_va | grep '^xdp id')" ]
		inB "$T" send vb 10 --interval-us 1000
		stop
		check "native program after generic delivers frames (frames=$(val frames "$o"))" [ "$(val frames "$o")" = 10 ]
		check "close detaches: no XDP left on va" [ -z "$(xdp_on_va)" ]
	else
		cat "$tmp/l7.out"
		notok "native attach over a stale generic program"
	fi
else
	notok "listener l6"
fi

finish
