#!/bin/bash
# System tests: two VMs booted from the built image (qemu TCG), paired,
# with DRBD replicating over eth1. Prints "ok -"/"not ok -" lines and
# "system: N passed, N failed". Always kills its VMs and namespace.
#   tests/system/run.sh [IMAGE]     (default build/image/qemu-x86_64/disk.img)
# The pair's configuration is a node seed per VM (fw_cfg), standing in for
# "cluster create" until pairing over TLS exists.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
IMAGE=$(realpath "${1:-$TOP/build/image/qemu-x86_64/disk.img}")
[ -r "$IMAGE" ] || { echo "system: no image $IMAGE (make image BOARD=qemu-x86_64)"; exit 1; }
[ "$(id -u)" = 0 ] || { echo "system: needs root (namespace, tap)"; exit 1; }
. "$TOP/tests/system/lib.sh"
trap sys_cleanup EXIT
trap 'exit 130' INT TERM

PASS=0 FAIL=0 SKIP=0
ok() { echo "ok - $*"; PASS=$((PASS + 1)); }
nok() { echo "not ok - $*"; FAIL=$((FAIL + 1)); }
skip() { echo "ok - $* # SKIP"; SKIP=$((SKIP + 1)); }
note() { echo "# $*"; }
now() { date +%s.%N; }
since() { echo "$1" | awk -v t="$(now)" '{printf "%.1f", t - $1}'; }

# poll N CMD SECONDS: until CMD (run in VM N) succeeds
poll() {
	local end=$(($(date +%s) + $3))
	while [ "$(date +%s)" -lt $end ]; do
		vm_run "$1" "$2" 30 >/dev/null 2>&1 && return 0
		sleep 1
	done
	return 1
}
state() { vm_run "$1" "twinctl status | sed -n 's/^\* [^ ]* ([0-9]*) *[a-z-]* *\([A-Za-z-]*\).*/\1/p'" 20 | tr -d '\n'; }
drbd() { vm_run "$1" "sed -n 's/.* cs:\([A-Za-z]*\) ro:\([A-Za-z]*\)\/[A-Za-z]* ds:\([A-Za-z]*\/[A-Za-z]*\).*/\1 \2 \3/p' /proc/drbd" 20 | tr -d '\n'; }
has_vip() { vm_run "$1" "ip -4 addr show dev eth0 | grep -q ' 192.168.1.10/'" 20 >/dev/null; }

# write_records N FIRST COUNT: COUNT 4-KiB records at block FIRST.., each
# "twin-record I sha256(I.KEY)" written with O_DIRECT and fsync (protocol C: the
# write returns once the peer has it); prints ACKED LAST when all returned.
write_records() {
	vm_run "$1" "i=$2; while [ \$i -lt $(($2 + $3)) ]; do printf 'twin-record %d %s\n' \$i \$(echo \$i.$SYS_KEY | sha256sum | cut -c1-64) | dd of=/dev/drbd0 bs=4096 seek=\$i conv=sync,fsync,notrunc oflag=direct status=none || break; i=\$((i+1)); done; echo ACKED \$((i-1))" 120 | sed -n 's/^ACKED //p' | tr -d '\n'
}
# check_records N COUNT: how many of records 0..COUNT-1 are intact on VM N
check_records() {
	vm_run "$1" "n=0; i=0; while [ \$i -lt $2 ]; do l=\$(dd if=/dev/drbd0 bs=4096 skip=\$i count=1 iflag=direct status=none | head -n1); [ \"\$l\" = \"twin-record \$i \$(echo \$i.$SYS_KEY | sha256sum | cut -c1-64)\" ] && n=\$((n+1)); i=\$((i+1)); done; echo GOOD \$n" 120 | sed -n 's/^GOOD //p' | tr -d '\n'
}

note "image $IMAGE ($(du -k "$IMAGE" | cut -f1) KiB allocated), VMs in $SYS_DIR, namespace $SYS_NS"
sys_setup_net
T0=$(now)
vm_start 1
vm_start 2
vm_login 1 180 && vm_login 2 60 || { nok "1 both VMs boot to a console login"; }
note "boot to a logged-in shell: $(since "$T0") s"

# ---- 1: pair forms, DRBD syncs ----
t1=0
if poll 1 "twinctl status | grep -Eq '^\* .*(Active|Standby)'" 120 &&
	poll 2 "twinctl status | grep -Eq '^\* .*(Active|Standby)'" 120; then
	note "boot to Standby/Active (both): $(since "$T0") s; A $(state 1), B $(state 2)"
	if poll 1 "grep -q 'ds:UpToDate/UpToDate' /proc/drbd" 180; then
		t1=1
		note "DRBD A: $(drbd 1); B: $(drbd 2) at $(since "$T0") s"
	fi
fi
sa=$(state 1)
sb=$(state 2)
if [ $t1 = 1 ] && { [ "$sa/$sb" = Active/Standby ] || [ "$sa/$sb" = Standby/Active ]; }; then
	ok "1 both VMs boot from the image, pair (A $sa, B $sb), DRBD UpToDate/UpToDate"
else
	nok "1 pair + DRBD sync (A '$sa' $(drbd 1), B '$sb' $(drbd 2))"
fi
active=1
[ "$sb" = Active ] && active=2
standby=$((3 - active))

# ---- 2: acknowledged writes survive a hard kill of the active ----
poll $active "grep -q 'ro:Primary' /proc/drbd" 30
acked=$(write_records $active 0 64)
note "VM $active wrote and acknowledged records 0..${acked:-none}"
tk=$(now)
vm_kill $active
if poll $standby "twinctl status | grep -Eq '^\* .*Active'" 60; then
	note "VM $standby Active $(since "$tk") s after the kill"
fi
poll $standby "grep -q 'ro:Primary' /proc/drbd" 30
good=$(check_records $standby 64)
if [ "$(state $standby)" = Active ] && has_vip $standby && [ "$acked" = 63 ] &&
	[ "${good:-0}" -ge 64 ] && ns ping -c 2 -W 2 192.168.1.10 >/dev/null 2>&1 &&
	[ -n "$(drbd $standby | grep ' Primary ')" ]; then
	ok "2 active killed: VM $standby Active, serves 192.168.1.10, DRBD Primary, $good/$((acked + 1)) acknowledged records intact"
else
	nok "2 failover (state '$(state $standby)', drbd '$(drbd $standby)', records ${good:-?}/$((${acked:--1} + 1)))"
fi

# ---- 3: the killed node returns as Standby and resyncs ----
tr=$(now)
vm_start $active
vm_login $active 180 >/dev/null
if poll $active "twinctl status | grep -Eq '^\* .*Standby'" 120 &&
	poll $active "grep -q 'ds:UpToDate/UpToDate' /proc/drbd" 120 && has_vip $standby &&
	! has_vip $active && [ "$(state $standby)" = Active ]; then
	ok "3 VM $active rejoined as Standby in $(since "$tr") s, resynced ($(drbd $active)), IP stays on VM $standby"
else
	nok "3 rejoin (VM $active '$(state $active)' $(drbd $active); VM $standby '$(state $standby)')"
fi

# ---- 4: manual takeover moves DRBD Primary and the IP back ----
tko=$(vm_run $active "twinctl takeover 2>&1" 60)
if poll $active "twinctl status | grep -Eq '^\* .*Active'" 60 && poll $active "grep -q 'ro:Primary' /proc/drbd" 30 &&
	has_vip $active && ! has_vip $standby && [ "$(check_records $active 64)" -ge $((${acked:-0} + 1)) ]; then
	ok "4 manual takeover: VM $active Active, DRBD Primary ($(drbd $active)), IP back, data intact"
else
	note "twinctl takeover said: $tko"
	nok "4 takeover (VM $active '$(state $active)' $(drbd $active); VM $standby '$(state $standby)' $(drbd $standby))"
fi

# ---- 5: update bundles ----
skip "5 signed update bundles: not implemented yet (A/B switch and fallback exist: bootctl + GRUB)"

note "total $(since "$T0") s"
echo "system: $PASS passed, $FAIL failed, $SKIP skipped"
[ $FAIL = 0 ]
