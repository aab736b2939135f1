# Sourced by the namespace tests that need DRBD (real DRBD runs in the qemu
# system tests): a stand-in drbdadm over a per-node state file, and the
# helpers to start, stop and partition a pair with it. Needs lib.sh's
# pair_setup first.
mkdir -p "$WORK/bin"
# Each node's DRBD: $WORK/NODE/st (key=value) rendered into $WORK/NODE/drbd
# in /proc/drbd 8.4 form. drbdadm changes it like DRBD would, and connects
# the two nodes when both wait for a connection and one discards its data.
cat >"$WORK/bin/drbdadm" <<'EOS'
#!/bin/bash
me=$TWIN_TEST_DIR peer=$TWIN_TEST_PEER_DIR
get() { sed -n "s/^$2=//p" "$1/st"; }
set_() { sed -i "s/^$2=.*/$2=$3/" "$1/st"; }
render() {
	printf 'version: 8.4.11 (api:1/proto:86-101)\n 0: cs:%s ro:%s/%s ds:%s/%s C r-----\n    ns:0 nr:0 dw:%s dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:%s\n' \
		"$(get $1 cs)" "$(get $1 role)" "$(get $1 prole)" "$(get $1 disk)" "$(get $1 pdisk)" \
		"$(get $1 dw)" "$(get $1 oos)" >"$1/drbd.tmp" && mv "$1/drbd.tmp" "$1/drbd"
}
force=0
[ "$1" = --force ] && { force=1; shift; }
op=$1
shift
discard=0
[ "$op" = connect ] && [ "$1" = --discard-my-data ] && { discard=1; shift; }
echo "$(date +%s%N) $op$([ $discard = 1 ] && echo ' --discard-my-data') $*" >>"$me/ops"
exec 9>"$me/../drbd.lock"
flock 9
case $op in
primary)
	[ "$(get $me disk)" = UpToDate ] || [ $force = 1 ] || { echo "0: State change failed: (-2) Need access to UpToDate data" >&2; exit 11; }
	# fencing resource-and-stonith: promoting without the peer runs the
	# fence-peer handler first (without the lock: it waits for twind)
	if [ -n "${TWIN_TEST_FENCING:-}" ] && [ "$(get $me cs)" != Connected ] && [ "$(get $me pdisk)" = DUnknown ]; then
		flock -u 9
		"$TWIN_TEST_TWINCTL" -s "$me/twind.sock" drbd-event fence-peer r0 >>"$me/fence.out" 2>&1
		rc=$?
		echo "$(date +%s%N) fence-peer $rc" >>"$me/ops"
		flock 9
		case $rc in
		3) set_ $me pdisk Inconsistent ;;
		4 | 5 | 7) set_ $me pdisk Outdated ;;
		*) echo "0: State change failed: (-7) Refusing to be Primary while peer is not outdated" >&2; exit 11 ;;
		esac
	fi
	[ "$(get $me cs)" = Connected ] && [ "$(get $peer role)" = Primary ] && { echo "0: State change failed: (-1) Multiple primaries not allowed by config" >&2; exit 11; }
	set_ $me role Primary
	[ "$(get $me cs)" = Connected ] && { set_ $peer prole Primary; render $peer; } ;;
secondary)
	[ -e "$me/held" ] && { echo "0: State change failed: (-12) Device is held open by someone" >&2; exit 11; }
	set_ $me role Secondary
	[ "$(get $me cs)" = Connected ] && { set_ $peer prole Secondary; render $peer; } ;;
disconnect)
	set_ $me cs StandAlone; set_ $me prole Unknown; set_ $me pdisk DUnknown ;;
connect)
	[ "$(get $me cs)" = StandAlone ] || { echo "r0: Failure: (125) Device has a net-config (use disconnect first)" >&2; exit 10; }
	# the receiver of a connection DRBD just dropped can still hold the port
	if [ -s "$me/connect_busy" ] && [ "$(cat "$me/connect_busy")" -gt 0 ]; then
		echo $(($(cat "$me/connect_busy") - 1)) >"$me/connect_busy"
		echo "r0: Failure: (102) Local address(port) already in use." >&2
		exit 10
	fi
	set_ $me cs WFConnection
	[ $discard = 1 ] && touch "$me/discard"
	# a handshake that fails (a connection lost in it): DRBD has cleared
	# --discard-my-data when it began, and both end StandAlone
	if [ "$(get $peer cs)" = WFConnection ] && [ -s "$me/../drop_handshakes" ] &&
		[ "$(cat "$me/../drop_handshakes")" -gt 0 ]; then
		echo $(($(cat "$me/../drop_handshakes") - 1)) >"$me/../drop_handshakes"
		rm -f "$me/discard" "$peer/discard"
		set_ $me cs StandAlone
		set_ $peer cs StandAlone
		echo "$(date +%s%N) handshake dropped" | tee -a "$peer/ops" >>"$me/ops"
		render $peer
		render $me
		exit 0
	fi
	if [ "$(get $peer cs)" = WFConnection ] && { [ -e "$me/discard" ] || [ -e "$peer/discard" ]; }; then
		# handshake: the discarding side becomes a copy of the other
		for n in "$me" "$peer"; do
			o=$([ "$n" = "$me" ] && echo "$peer" || echo "$me")
			set_ $n cs Connected; set_ $n disk UpToDate; set_ $n pdisk UpToDate; set_ $n oos 0
			set_ $n prole "$(get $o role)"
		done
		rm -f "$me/discard" "$peer/discard"
		echo resync >>"$me/ops"
		render $peer
	fi ;;
outdate)
	[ "$(get $me cs)" = Connected ] && { echo "0: State change failed: (-19) Refusing to be Outdated while Connected" >&2; exit 11; }
	[ "$(get $me role)" = Primary ] && { echo "0: State change failed: (-7) Refusing to be Primary while peer is not outdated" >&2; exit 11; }
	set_ $me disk Outdated ;;
resume-io) ;;
get-gi) echo "$(get $me gi):0000000000000000:0000000000000001:0000000000000000:1:1:1:1:0:0" ;;
*) echo "drbdadm: $op not faked" >&2; exit 1 ;;
esac
render $me
EOS
chmod +x "$WORK/bin/drbdadm"
# st NODE KEY=VALUE...: change a node's DRBD from the test (a partition, writes)
st() {
	local n=$1 kv
	shift
	(
		flock 9
		for kv in "$@"; do sed -i "s/^${kv%%=*}=.*/$kv/" "$WORK/$n/st"; done
	) 9>"$WORK/drbd.lock"
	TWIN_TEST_DIR=$WORK/$n TWIN_TEST_PEER_DIR=$WORK/x "$WORK/bin/drbdadm" resume-io
}
st_get() { sed -n "s/^$2=//p" "$WORK/$1/st"; }
ops() { cat "$WORK/$1/ops" 2>/dev/null; }

start() { # start NODE: twind with the stand-in
	local n=$1 ns peer
	ns=$([ $n = a ] && echo "$NS_A" || echo "$NS_B")
	peer=$([ $n = a ] && echo b || echo a)
	ip netns exec "$ns" env PATH="$WORK/bin:$PATH" TWIN_DRBD_PROC="$WORK/$n/drbd" TWIN_TEST_DIR="$WORK/$n" \
		TWIN_TEST_PEER_DIR="$WORK/$peer" TWIN_TEST_FENCING="${FENCING:-}" TWIN_TEST_TWINCTL="$TWINCTL" \
		"$TWIND" -f "$WORK/$n/twin.conf" -v >>"$WORK/$n/twind.log" 2>&1 &
	eval "PID_$n=$!"
	disown $!
}
stop() { # stop NODE
	local pid
	pid=$(eval echo "\$PID_$1")
	kill "$pid" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
}
boot_pair() { # boot_pair [extra config lines]: fresh DRBD, a Active + Primary, b Standby
	local n
	for n in a b; do
		mkdir -p "$WORK/$n"
		rm -rf "$WORK/$n/state" "$WORK/$n/ops" "$WORK/$n/discard" "$WORK/$n/held" "$WORK/$n/connect_busy" "$WORK/drop_handshakes"
		printf '%s\n' cs=Connected role=Secondary prole=Secondary disk=UpToDate pdisk=UpToDate dw=1000 oos=0 \
			"gi=$([ $n = a ] && echo 1A1A1A1A1A1A1A1A || echo 2B2B2B2B2B2B2B2B)" >"$WORK/$n/st"
		st $n
		write_conf $n "$([ $n = a ] && echo 1 || echo 2)" "$([ $n = a ] && echo 2 || echo 1)" \
			"$([ $n = a ] && echo $IP_B || echo $IP_A)" "$([ $n = a ] && echo 150 || echo 100)" \
			"drbd_resource r0" "$@"
	done
	start a
	start b
	wait_for 10 state_is a "$NS_A" Active && wait_for 10 state_is b "$NS_B" Standby &&
		wait_for 3 bash -c "grep -q ro:Primary/ $WORK/a/drbd"
}
stop_pair() { stop a; stop b; }
# cut NS|all: both links between the nodes; the client still reaches both
cut() {
	in_ns "$NS_L" bridge link set dev a0 isolated on
	in_ns "$NS_L" bridge link set dev b0 isolated on
	in_ns "$NS_L" ip link set a1 down
}
heal() {
	in_ns "$NS_L" bridge link set dev a0 isolated off
	in_ns "$NS_L" bridge link set dev b0 isolated off
	in_ns "$NS_L" ip link set a1 up
}
