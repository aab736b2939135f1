#!/bin/bash
# System tests: two VMs booted from the built image (qemu TCG), paired,
# with DRBD replicating over eth1. Prints "ok -"/"not ok -" lines and
# "system: N passed, N failed". Always kills its VMs and namespace.
#   tests/system/run.sh [IMAGE]     (default build/image/qemu-x86_64/disk.img)
# Each VM gets its first-boot settings through fw_cfg (apply-seed) and starts
# standalone; test 1 pairs them with `twinctl cluster create`.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
IMAGE=$(realpath "${1:-$TOP/build/image/qemu-x86_64/disk.img}")
[ -r "$IMAGE" ] || { echo "system: no image $IMAGE (make image BOARD=qemu-x86_64)"; exit 1; }
[ "$(id -u)" = 0 ] || { echo "system: needs root (namespace, tap)"; exit 1; }
. "$TOP/tests/system/lib.sh"
. "$TOP/tests/system/bundles.sh"
trap sys_cleanup EXIT
trap 'exit 130' INT TERM

PASS=0 FAIL=0
ok() { echo "ok - $*"; PASS=$((PASS + 1)); }
nok() { echo "not ok - $*"; FAIL=$((FAIL + 1)); }
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

# the scenario helpers (functions only): mon, cut_links, sb_write, sb_check
# (split_brain.sh); bg_writer, acks (fencing.sh)
. "$TOP/tests/system/split_brain.sh"
. "$TOP/tests/system/fencing.sh"
. "$TOP/tests/system/beacon.sh"

note "image $IMAGE ($(du -k "$IMAGE" | cut -f1) KiB allocated), VMs in $SYS_DIR, namespace $SYS_NS"
tb=$(now)
if upd_why=$(upd_prepare "$(dirname "$IMAGE")" "$(dirname "$(dirname "$(dirname "$IMAGE")")")"); then
	VM_EXTRA_ARGS=$(upd_qemu_args)
	note "update bundles 0.1.1 (good, corrupt) and 0.1.2 (broken) made in $(since "$tb") s"
else
	note "no update bundles: $upd_why"
fi
sys_setup_net
VM_EXTRA_ARGS="${VM_EXTRA_ARGS:-}$(bc_qemu_args)"
T0=$(now)
vm_start 1
vm_start 2
# the first-boot setup through the serial menu: password and network
if s1=$(vm_setup 1 240) && s2=$(vm_setup 2 120); then
	note "first-boot setup in the serial menu done $(since "$T0") s after the start; VM a: $(tr '\n' ' ' <<<"$s1")"
else
	nok "1 first-boot setup in the serial menu (VM a: '$s1'; VM b: '${s2:-}')"
fi
vm_login 1 60 && vm_login 2 60 || { nok "1 both VMs: the menu's maintenance shell"; }
note "boot to a shell from the menu: $(since "$T0") s"

# the setup applied at once: eth0, the route, DNS; OpenNTPD on the LAN's time server
t1n=$(now)
if poll 1 "ip -4 addr show eth0 | grep -q 'inet 192.168.1.11/24' && ip route | grep -q 'default via 192.168.1.100' && grep -q 'nameserver 192.168.1.100' /etc/resolv.conf && [ \"\$(hostname)\" = twin-a ]" 30 &&
	poll 1 "ntpctl -s status | grep -q '1/1 peers valid'" 120; then
	ok "1 the setup from the serial menu applied without a reboot: name, eth0, route, DNS; the clock from the NTP server ($(vm_run 1 "ntpctl -s status" 20 | head -n1 | tr -d '\r'), $(since "$t1n") s)"
else
	nok "1 the setup applied (VM a: $(vm_run 1 "hostname; ip -4 -o addr show eth0; ip route; ntpctl -s status; tail -n 3 /run/log/ntpd.log" 20 | tr '\r\n' '  '))"
fi

# ---- 1: cluster create pairs them, DRBD syncs ----
t1=0
if poll 1 "twinctl status --raw | grep -q '^cluster.fingerprint='" 120 &&
	poll 2 "twinctl status --raw | grep -q '^cluster.fingerprint='" 60; then
	note "both standalone, waiting to be paired: $(since "$T0") s"
	tp=$(now)
	pair_out=$(sys_pair)
	note "cluster create on A said: $(tr '\n' ' ' <<<"$pair_out" | cut -c1-300)"
	if poll 1 "twinctl status | grep -Eq '^\* .*(Active|Standby)'" 120 &&
		poll 2 "twinctl status | grep -Eq '^\* .*(Active|Standby)'" 120; then
		note "paired: both Standby/Active $(since "$tp") s after cluster create ($(since "$T0") s after power-on); A $(state 1), B $(state 2)"
		if poll 1 "grep -q 'ds:UpToDate/UpToDate' /proc/drbd" 180; then
			t1=1
			note "DRBD A: $(drbd 1); B: $(drbd 2) at $(since "$T0") s"
		fi
	fi
fi
sa=$(state 1)
sb=$(state 2)
if [ $t1 = 1 ] && { [ "$sa/$sb" = Active/Standby ] || [ "$sa/$sb" = Standby/Active ]; }; then
	ok "1 both VMs boot from the image, pair with cluster create (A $sa, B $sb), DRBD UpToDate/UpToDate"
else
	nok "1 pair + DRBD sync (A '$sa' $(drbd 1), B '$sb' $(drbd 2))"
fi
# the image loads its own modules (kmod/, under extra/)
km1=$(vm_run 1 "grep -c '^twin_hb ' /proc/modules; dmesg | grep -m1 'twin_hb: version'" 20 | tr -d '\r')
km2=$(vm_run 2 "grep -c '^twin_hb ' /proc/modules" 20 | tr -d '\r\n')
if [ "$(head -n1 <<<"$km1")" = 1 ] && [ "$km2" = 1 ]; then
	ok "kmod: twin_hb loaded at boot on both VMs ($(tail -n1 <<<"$km1" | sed 's/^\[[ 0-9.]*\] //'))"
else
	nok "kmod: twin_hb not loaded (A: $km1, B: $km2)"
fi
active=1
[ "$sb" = Active ] && active=2
standby=$((3 - active))

# ---- 2: acknowledged writes survive a hard kill of the active ----
# the writer acknowledges each record on the VM's second serial line as its
# write returns; the VM is killed at a random moment while writes are in
# flight: every acknowledged record must be on the survivor (protocol C)
poll $active "grep -q 'ro:Primary' /proc/drbd" 30
off=$(log_size "$(aux_log $active)")
bg_writer $active 0 2000 t2 0
delay=$(awk -v r=$RANDOM 'BEGIN {printf "%.2f", 2 + r % 2000 / 1000}')
sleep "$delay"
tk=$(now)
vm_kill $active
sleep 0.5
n_acked=$(acks $active "$off" | wc -l)
last=$(acks $active "$off" | tail -n1 | cut -d' ' -f1)
done2=$(tail -c +$((off + 1)) "$(aux_log $active)" | grep -ac WRITER-DONE)
note "VM $active killed $delay s into the writes, with writes in flight: records 0..${last:-none} acknowledged ($n_acked)"
if poll $standby "twinctl status | grep -Eq '^\* .*Active'" 60; then
	note "VM $standby Active $(since "$tk") s after the kill"
fi
poll $standby "grep -q 'ro:Primary' /proc/drbd" 30
good=$(sb_check $standby 0 "$n_acked" t2)
inflight=$(sb_check $standby "$n_acked" 1 t2)
note "on VM $standby: $good/$n_acked acknowledged records; the next record (in flight at the kill, never acknowledged): ${inflight:-?}"
if [ "$(state $standby)" = Active ] && has_vip $standby && [ "$n_acked" -gt 0 ] && [ "$done2" = 0 ] &&
	[ "$last" = $((n_acked - 1)) ] && [ "${good:-0}" = "$n_acked" ] && ns ping -c 2 -W 2 192.168.1.10 >/dev/null 2>&1 &&
	[ -n "$(drbd $standby | grep ' Primary ')" ]; then
	ok "2 active killed with writes in flight: VM $standby Active, serves 192.168.1.10, DRBD Primary, $good/$n_acked acknowledged records intact"
else
	nok "2 failover (state '$(state $standby)', drbd '$(drbd $standby)', records ${good:-?}/$n_acked, writer done: $done2)"
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
	has_vip $active && ! has_vip $standby && [ "$(sb_check $active 0 "$n_acked" t2)" = "$n_acked" ]; then
	ok "4 manual takeover: VM $active Active, DRBD Primary ($(drbd $active)), IP back, data intact"
else
	note "twinctl takeover said: $tko"
	nok "4 takeover (VM $active '$(state $active)' $(drbd $active); VM $standby '$(state $standby)' $(drbd $standby))"
fi

# ---- 10: a takeover from the serial console's menu (twin-console) ----
# the shell ends: the menu is back; it asks for the admin password before
# the action and for a Yes; Ctrl-C: the main menu; its shell again
t10=$(now)
dlg=$($CONSOLE "$SYS_DIR/$(echo $standby | tr 12 ab).con" dialog 60 \
	'exit\r' '1\) Cluster' \
	'1\r' '1\) Takeover' \
	'1\r' 'Admin password|Make twin-. Active\?' \
	"$PASSWORD\\r" 'Make twin-. Active\?' \
	'2\r' 'twin-. is Active' \
	'\r' 'Cluster' \
	'\x03' '3\) Maintenance shell' \
	'3\r' '[#$] ' 2>&1)
t10=$(since "$t10")
if poll $standby "twinctl status | grep -Eq '^\* .*Active'" 30 && has_vip $standby && ! has_vip $active &&
	vm_run $standby "true" 20 >/dev/null; then
	ok "10 takeover from the serial console's menu (password, Yes): VM $standby Active in $t10 s, the IP with it, the menu's shell again after it"
	active=$standby standby=$((3 - standby))
else
	note "the dialog: $(tail -c 1500 <<<"$dlg" | tr '\n' ' ')"
	nok "10 takeover from the serial menu (VM $standby '$(state $standby)', VM $active '$(state $active)')"
	[ "$(state $standby)" = Active ] && active=$standby standby=$((3 - standby))
fi

# ---- 12: the kernel beacon (tests/system/beacon.sh) ----
# both VMs beat through twin_hb; the cadence kernel vs userland (rmmod and
# insmod under way); malformed requests; its fence: drop, then reboot
bc_kernel $active $standby
bc_cadence $active $standby
bc_attack $active
bc_ifchurn $standby $active
bc_fence_drop $standby $active
active=$standby standby=$((3 - standby))
vm_run $standby "twinctl takeover" 60 >/dev/null
if poll $standby "twinctl status | grep -Eq '^\* .*Active'" 60 && poll $standby "grep -q 'ro:Primary' /proc/drbd" 30; then
	bc_stop_reboot $standby $active
else
	nok "12 takeover before the reboot fence (VM $standby '$(state $standby)')"
fi
[ "$(state 1)" = Active ] && active=1 standby=2 || active=2 standby=1

# ---- 6: split brain with real DRBD (tests/system/split_brain.sh) ----
# the Active is cut off, the other takes over; survivor: the node that took
# over (the failover IP moves once), then the other way with the keeper
if type sb_round >/dev/null 2>&1; then
	sb_round $active $standby
	sb_round $standby $standby
	active=$standby standby=$((3 - standby))
else
	nok "6 split brain: tests/system/split_brain.sh did not load"
fi

# ---- 7, 8: DRBD fencing (tests/system/fencing.sh) ----
# eth1 cut: the Standby outdated over eth0; then with a witness: the Active
# cut off self-fences, the Standby cut off never takes over
if type fence_eth1 >/dev/null 2>&1; then
	fence_eth1 $active
	active=$(witness_on)
	fence_witness $active
	active=$((3 - active))
	fence_witness_standby $active
else
	nok "7 fencing: tests/system/fencing.sh did not load"
fi

# ---- 9: a repair that cannot be done, and its fallback (split_brain.sh) ----
sb_fallback
bc_dmesg "after tests 12, 6-9" 1 2
active=1
[ "$(state 2)" = Active ] && active=2
standby=$((3 - active))
[ -n "${SYS_SKIP_UPDATES:-}" ] && { echo "system: $PASS passed, $FAIL failed"; [ $FAIL = 0 ]; exit; }

# ---- 5: update bundles (on the standby: update it, reboot it, then the other) ----
# slot_state N: "running slot X, A=.., B=.., version V"
slot_state() {
	vm_run "$1" "/usr/lib/twin/bootctl status | tr '\n' ' '; sed -n 's/^TWIN_VERSION=/version /p' /etc/twin-release" 20 |
		tr -d '\r\n'
}
# log_wait N OFFSET REGEX SECONDS: until VM N's console log shows REGEX after byte OFFSET
vm_log() { echo "$SYS_DIR/$(echo "$1" | tr 12 ab).log"; }
log_wait() {
	local end=$(($(date +%s) + $4))
	while [ "$(date +%s)" -lt $end ]; do
		tail -c +$(($2 + 1)) "$(vm_log "$1")" | grep -Eq "$3" && return 0
		sleep 1
	done
	return 1
}
# reboot_to_standby N SLOT SECONDS: reboots VM N, waits until GRUB boots SLOT,
# then for the login and Standby
reboot_to_standby() {
	local off
	off=$(stat -c %s "$(vm_log "$1")")
	vm_run "$1" "(sleep 1; twinctl reboot --yes) >/dev/null 2>&1 </dev/null & :" 20 >/dev/null
	log_wait "$1" "$off" "Twin: booting slot $2" "$3" && vm_login "$1" 180 >/dev/null &&
		poll "$1" "twinctl status | grep -Eq '^\* .*Standby'" 120
}
# fallback_step DEV VERSION SECONDS TRIES LOGWANT WHAT: on VM $u (running slot
# B), install the bundle on /dev/DEV into slot A and reboot; 0 if slot B is
# back within SECONDS with slot A given up after TRIES boots of it and the
# console saying LOGWANT
fallback_step() {
	local out t off st tries
	out=$(vm_run $u "twinctl update /dev/$1; echo EXIT \$?" 300)
	if ! grep -q "EXIT 0" <<<"$out" || ! grep -q "slot A holds version $2" <<<"$out"; then
		note "$6: $out"
		return 1
	fi
	t=$(now)
	off=$(stat -c %s "$(vm_log $u)")
	reboot_to_standby $u B "$3" && poll $u "/usr/lib/twin/bootctl status | grep -q '^slot A: 0'" 60 || return 1
	st=$(slot_state $u)
	tries=$(tail -c +$((off + 1)) "$(vm_log $u)" | grep -c 'Twin: booting slot A')
	note "VM $u, $6: back on slot B $(since "$t") s after the reboot: $st; boots of slot A: $tries"
	grep -q "running slot: B .*slot A: 0 slot B: ok.*version 0.1.1" <<<"$st" && [ "$tries" = "$4" ] &&
		tail -c +$((off + 1)) "$(vm_log $u)" | grep -q "$5"
}
u=$standby
if [ -z "${VM_EXTRA_ARGS:-}" ]; then
	nok "5 update bundles: $upd_why"
else
	t5=0
	before=$(slot_state $u)
	out=$(vm_run $u "echo 3 >/proc/sys/vm/drop_caches; twinctl update /dev/vdc; echo EXIT \$?" 120)
	after=$(slot_state $u)
	if grep -q "payload corrupted" <<<"$out" && grep -q "EXIT 1" <<<"$out" && [ "$before" = "$after" ]; then
		t5=$((t5 + 1))
		note "corrupted bundle refused, boot slots unchanged ($after)"
	else
		note "corrupted bundle: $out; before '$before', after '$after'"
	fi
	# the good one from the USB stick, through the serial menu: System, USB
	# update, the bundle, Yes (the admin password if the menu asks again)
	tu=$(now)
	out=$($CONSOLE "$SYS_DIR/$(echo $u | tr 12 ab).con" dialog 300 \
		'exit\r' '2\) System' \
		'2\r' '7\) Install an update from a USB stick' \
		'7\r' 'Admin password|1\) sda' \
		"$PASSWORD\\r" '1\) sda' \
		'1\r' 'Install sda' \
		'2\r' '(slot [AB] holds version [0-9.]*|Not installed:)[^>]*any key: back' \
		'\r' 'System' \
		'\x03' '3\) Maintenance shell' \
		'3\r' '[#$] ' 2>&1)
	note "update from the USB stick through the serial menu on VM $u took $(since "$tu") s: $(grep -Eo 'slot [AB] holds version [0-9.]*|Not installed:.*' <<<"$out" | tail -n1)"
	if grep -q "slot B holds version 0.1.1" <<<"$out" && vm_run $u true 20 >/dev/null; then
		tr0=$(now)
		if reboot_to_standby $u B 240 && poll $u "/usr/lib/twin/bootctl status | grep -q '^slot B: ok'" 60; then
			st=$(slot_state $u)
			note "VM $u back as Standby $(since "$tr0") s after the reboot: $st"
			grep -q "running slot: B .*slot A: ok slot B: ok.*version 0.1.1" <<<"$st" && t5=$((t5 + 1))
		fi
	else
		note "good bundle: $out"
	fi
	# three tries of slot A (each: boot, twind fails, boot-confirm gives up after 20 s), then B
	fallback_step vdd 0.1.2 600 3 "failed to boot, falling back to slot B" "0.1.2 never reaches Standby" &&
		t5=$((t5 + 1))
	# a slot GRUB cannot load (no kernel): the other slot boots in the same pass
	fallback_step vde 0.1.3 300 1 "slot A cannot be loaded" "0.1.3 has no kernel" && t5=$((t5 + 1))
	if [ $t5 = 4 ] && [ "$(state $active)" = Active ] && has_vip $active; then
		ok "5 update bundles: corrupted one refused, 0.1.1 from a USB stick through the serial menu boots from slot B, 0.1.2 that never reaches Standby falls back to B after 3 tries, 0.1.3 without a kernel is skipped at once"
	else
		nok "5 update bundles ($t5 of 4 steps; VM $u: $(slot_state $u); VM $active '$(state $active)')"
	fi
fi

bc_dmesg "after test 5 (updates and reboots)" 1 2

# ---- 11: a factory reset from the serial menu (after a dissolve: refused
# while paired, unit-tested) brings the node back to its first boot ----
t11=$(now)
fr=$standby
out=$(vm_run $active "twinctl cluster dissolve 2>&1" 90)
if poll $fr "twinctl status | grep -q Standalone" 60; then
	off=$(stat -c %s "$SYS_DIR/$(echo $fr | tr 12 ab).log")
	# lock first, so the password is asked whatever the menu's unlock says
	dlg=$($CONSOLE "$SYS_DIR/$(echo $fr | tr 12 ab).con" dialog 60 \
		'exit\r' '4\) Lock the console' \
		'4\r' 'Enter: menu' \
		'\r' '2\) System' \
		'2\r' '6\) Factory reset' \
		'6\r' 'Admin password' \
		"$PASSWORD\\r" 'Erase settings and' \
		'2\r' 'erasing' 2>&1)
	if log_wait $fr "$off" "data: first boot, formatting" 180 &&
		$CONSOLE "$SYS_DIR/$(echo $fr | tr 12 ab).con" dialog 180 '#\r' '1\) First-boot setup' >/dev/null 2>&1; then
		ok "11 factory reset from the serial menu (dissolved first): VM $fr erased, rebooted, formatted its data and offers the first-boot setup again, $(since "$t11") s"
	else
		note "the dialog: $(tail -c 1200 <<<"$dlg" | tr '\n' ' ')"
		nok "11 factory reset: VM $fr did not come back as new"
	fi
else
	nok "11 factory reset: the dissolve before it failed: $(tr '\n' ' ' <<<"$out" | cut -c1-200)"
fi

note "total $(since "$T0") s"
echo "system: $PASS passed, $FAIL failed"
[ $FAIL = 0 ]
