# Helpers for the qemu system tests and the VM demo: a pair of VMs booted
# from the built image, inside a network namespace of their own.
#   eth0: bridge br-lan in the namespace (tap per VM); the namespace itself is
#         the LAN client (192.168.1.100)
#   eth1: back to back, qemu UDP socket link on the namespace's 127.0.0.1
# Nothing can leave the namespace: it has no other link and no route.
# Sourced. Needs root (namespace, tap).

SYS_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$SYS_TOP/board/qemu-x86_64/qemu.conf"
CONSOLE="python3 $SYS_TOP/tests/system/console.py"
SYS_NS=twt-sys-$$
SYS_DIR=${SYS_DIR:-$(mktemp -d /tmp/twin-sys.XXXXXX)}
PASSWORD=twin-test-$$
export TWIN_CONSOLE_PASSWORD=$PASSWORD # console.py logs in again when a shell ended
SYS_KEY=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n') # salts the test records
: "${QEMU_MEM_TEST:=320}" # GRUB 2.06's EFI linux loader runs out of memory at 256

sys_setup_net() {
	ip netns add "$SYS_NS"
	ip -n "$SYS_NS" link set lo up
	ip -n "$SYS_NS" link add br-lan type bridge
	ip -n "$SYS_NS" link set br-lan up
	ip -n "$SYS_NS" addr add 192.168.1.100/24 dev br-lan
	# the client answers ARP on the bridge only: a VM whose tap left the
	# bridge (cut off) must not reach it as a witness through its tap
	ip netns exec "$SYS_NS" sysctl -qw net.ipv4.conf.all.arp_ignore=1
	for n in a b; do
		ip -n "$SYS_NS" tuntap add dev "tap-$n" mode tap
		ip -n "$SYS_NS" link set "tap-$n" master br-lan up
	done
	# the LAN's time server (the nodes' setup names it): this host's clock
	ip netns exec "$SYS_NS" python3 "$SYS_TOP/tests/system/ntp_server.py" 192.168.1.100 \
		>"$SYS_DIR/ntp.log" 2>&1 &
	echo $! >"$SYS_DIR/ntp.pid"
}

sys_cleanup() {
	local f
	for f in "$SYS_DIR"/*.pid; do
		[ -e "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null
	done
	sleep 0.3
	ip netns del "$SYS_NS" 2>/dev/null
	[ -n "${KEEP_SYS_DIR:-}" ] || rm -rf "$SYS_DIR"
}

# vm_seed N: what the console's first-boot setup does not ask, for VM a
# (N=1) or b (N=2) (see apply-seed): the name, the password and the network
# come from vm_setup, through the serial menu; the nodes start standalone
# and sys_pair pairs them
vm_seed() {
	local me=$1
	cat <<SEED
drbd=yes
auto_failback=${AUTO_FAILBACK:-no}
heartbeat_interval=${SYS_HB_INTERVAL:-50ms}
heartbeat_misses=${SYS_HB_MISSES:-10}
startup_wait=${STARTUP_WAIT:-60s}
ssh_listen=192.168.1.1$me
SEED
}

# sys_pair [N]: the admin pairs the two standalone nodes: sets the other
# node's admin password, reads its key fingerprint off its console, and runs
# cluster create on VM N (default 1, A), which checks that fingerprint and
# the password over TLS. Prints what cluster create said; 0 if it paired.
sys_pair() {
	local me=${1:-1} fp
	local other=$((3 - me))
	vm_run $other "echo '$PASSWORD' | twinctl password set" 30 >/dev/null || { echo "password set failed on VM $other"; return 1; }
	fp=$(vm_run $other "twinctl status --raw | sed -n 's/^cluster.fingerprint=//p'" 20 | tr -d '\r\n')
	[ -n "$fp" ] || { echo "no fingerprint on VM $other"; return 1; }
	vm_run $me "echo '$PASSWORD' | twinctl cluster create --peer 192.168.1.1$other --failover-ip 192.168.1.10/24 --yes-fingerprint '$fp' --password-stdin 2>&1" 90
}

# vm_disk NAME: a private copy of the built image for VM NAME (first use only)
vm_disk() {
	[ -e "$SYS_DIR/$1.img" ] || cp --sparse=always "$IMAGE" "$SYS_DIR/$1.img"
}

# vm_start N: boots VM a (1) or b (2) in the background (VM_EXTRA_ARGS: more
# qemu options, e.g. disks). ttyS0 is the console; what a test writes to
# ttyS1 lands in $SYS_DIR/N.aux, apart from the shell's output.
vm_start() {
	local me=$1 n
	n=$(echo "$me" | tr 12 ab)
	vm_disk "$n"
	vm_seed "$me" >"$SYS_DIR/$n.seed"
	local p_me=$((47000 + me)) p_peer=$((47000 + 3 - me))
	ip netns exec "$SYS_NS" qemu-system-x86_64 -machine "$QEMU_MACHINE" -m "$QEMU_MEM_TEST" \
		-bios "$QEMU_FIRMWARE" -display none -no-user-config -nodefaults \
		-drive "file=$SYS_DIR/$n.img,if=$QEMU_DISK_IF,format=raw" \
		-fw_cfg "name=opt/twin/seed,file=$SYS_DIR/$n.seed" \
		-netdev "tap,id=lan,ifname=tap-$n,script=no,downscript=no" \
		-device "$QEMU_NIC_MODEL,netdev=lan,mac=52:54:00:74:77:${me}0" \
		-netdev "socket,id=hb,udp=127.0.0.1:$p_peer,localaddr=127.0.0.1:$p_me" \
		-device "$QEMU_NIC_MODEL,netdev=hb,mac=52:54:00:74:77:${me}1" \
		-chardev "socket,id=con,path=$SYS_DIR/$n.con,server=on,wait=off,logfile=$SYS_DIR/$n.log" \
		-serial chardev:con \
		-chardev "file,id=aux,path=$SYS_DIR/$n.aux" -serial chardev:aux \
		-monitor "unix:$SYS_DIR/$n.mon,server=on,wait=off" \
		-pidfile "$SYS_DIR/$n.pid" ${VM_EXTRA_ARGS:-} -daemonize
}

# vm_kill N: pulls the plug
vm_kill() {
	local n
	n=$(echo "$1" | tr 12 ab)
	kill -9 "$(cat "$SYS_DIR/$n.pid")" 2>/dev/null
	rm -f "$SYS_DIR/$n.pid"
}

# vm_setup N [TIMEOUT]: the first-boot setup in VM N's serial menu, as the
# admin types it: the admin password, name, eth0, the namespace as gateway,
# DNS and NTP server, the heartbeat network
vm_setup() {
	local names=(x twin-a twin-b)
	$CONSOLE "$SYS_DIR/$(echo "$1" | tr 12 ab).con" setup "$PASSWORD" "${names[$1]}" "192.168.1.1$1/24" \
		192.168.1.100 192.168.1.100 192.168.250.0 192.168.1.100 "${2:-180}"
}

# vm_login N, vm_run N CMD [TIMEOUT]
vm_login() { $CONSOLE "$SYS_DIR/$(echo "$1" | tr 12 ab).con" login "$PASSWORD" "${2:-120}"; }
vm_run() { $CONSOLE "$SYS_DIR/$(echo "$1" | tr 12 ab).con" run "$2" "${3:-60}"; }
vm_wait() { $CONSOLE "$SYS_DIR/$(echo "$1" | tr 12 ab).con" wait "$2" "${3:-120}"; }

# ns CMD...: run a command as the LAN client
ns() { ip netns exec "$SYS_NS" "$@"; }
