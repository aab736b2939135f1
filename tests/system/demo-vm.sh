#!/bin/bash
# VM demo: two qemu VMs boot from the built image, the admin pairs them
# with `twinctl cluster create`, DRBD syncs, the active is killed and the
# standby takes over; the LAN client (the namespace) pings the failover IP. Serial consoles are logged
# in the run folder (tail -f them in another terminal).
#   tests/system/demo-vm.sh [IMAGE]
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
IMAGE=$(realpath "${1:-$TOP/build/image/qemu-x86_64/disk.img}")
[ "$(id -u)" = 0 ] || { echo "demo-vm: needs root"; exit 1; }
. "$TOP/tests/system/lib.sh"
trap sys_cleanup EXIT
trap 'exit 130' INT TERM
say() { printf '\n=== %s\n' "$*"; }
status() { vm_run "$1" "twinctl status | head -4; cat /proc/drbd | sed -n 3p" 20 | sed "s/^/  [VM $1] /"; }

say "booting VM a and VM b from $IMAGE (TCG); consoles: $SYS_DIR/a.log, $SYS_DIR/b.log"
sys_setup_net
vm_start 1
vm_start 2
say "first-boot setup on both serial menus (admin password, name, network)"
vm_setup 1 240 | sed 's/^/  [VM 1] /' && vm_setup 2 120 | sed 's/^/  [VM 2] /' || exit 1
vm_login 1 60 && vm_login 2 60 || exit 1
say "both nodes up, standalone; on B: twinctl password set; on A: twinctl cluster create"
for i in $(seq 1 60); do
	vm_run 2 "twinctl status --raw | grep -q '^cluster.fingerprint='" 10 >/dev/null && break
	sleep 1
done
sys_pair | sed 's/^/  [VM 1] /'
say "waiting for the pair and the DRBD initial sync"
for i in $(seq 1 180); do
	vm_run 1 "grep -q ds:UpToDate/UpToDate /proc/drbd" 10 >/dev/null && break
	sleep 1
done
status 1
status 2
say "LAN client pings the failover IP 192.168.1.10"
ns ping -c 3 -i 0.3 192.168.1.10 | tail -2
say "killing VM a (the active) hard"
ns ping -i 0.1 -w 15 192.168.1.10 >"$SYS_DIR/ping.txt" 2>&1 &
sleep 1
vm_kill 1
sleep 8
status 2
wait
say "client's view during the failover:"
tail -3 "$SYS_DIR/ping.txt"
say "done (VMs stopped)"
