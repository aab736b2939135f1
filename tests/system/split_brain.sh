# System test 6 and 9 (sourced by run.sh; run after test 4, on the paired VMs): split
# brain with real DRBD 8.4. Both links of the Active are cut while it runs
# (its LAN tap leaves the bridge, its heartbeat NIC goes down in the qemu
# monitor: the guest's eth0 keeps its carrier), no witness: the other node
# takes over; both write; the links return: both SplitBrain, one node on
# the failover IP; the repair keeps the survivor's records on both nodes and
# drops the victim's. Leaves the pair Active/Standby, in sync.

# mon N CMD: a qemu monitor command on VM N
mon() {
	python3 - "$SYS_DIR/$(echo "$1" | tr 12 ab).mon" "$2" <<'EOF'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(2)
try:
    s.recv(4096)  # banner
except OSError:
    pass
s.sendall((sys.argv[2] + "\n").encode())
time.sleep(0.3)
EOF
}
cut_links() { ns ip link set "tap-$(echo "$1" | tr 12 ab)" nomaster; mon "$1" "set_link hb off"; }
heal_links() { ns ip link set "tap-$(echo "$1" | tr 12 ab)" master br-lan; mon "$1" "set_link hb on"; }
# sb_write N FIRST COUNT SALT / sb_check N FIRST COUNT SALT: records salted per node
sb_write() {
	vm_run "$1" "i=$2; while [ \$i -lt $(($2 + $3)) ]; do printf 'twin-record %d %s\n' \$i \$(echo \$i.$SYS_KEY.$4 | sha256sum | cut -c1-64) | dd of=/dev/drbd0 bs=4096 seek=\$i conv=sync,fsync,notrunc oflag=direct status=none || break; i=\$((i+1)); done; echo ACKED \$((i-$2))" 120 | sed -n 's/^ACKED //p' | tr -d '\n'
}
# sb_check N FIRST COUNT SALT [DEV]: on the Primary /dev/drbd0; on a Secondary
# the backing disk (internal metadata: the data starts at its first block)
sb_check() {
	vm_run "$1" "n=0; i=$2; while [ \$i -lt $(($2 + $3)) ]; do l=\$(dd if=${5:-/dev/drbd0} bs=4096 skip=\$i count=1 iflag=direct status=none | head -n1); [ \"\$l\" = \"twin-record \$i \$(echo \$i.$SYS_KEY.$4 | sha256sum | cut -c1-64)\" ] && n=\$((n+1)); i=\$((i+1)); done; echo GOOD \$n" 120 | sed -n 's/^GOOD //p' | tr -d '\n'
}
name_of() { echo "twin-$(echo "$1" | tr 12 ab)"; }
mac_of() { echo "52:54:00:74:77:${1}0"; } # vm_start's LAN MAC
client_mac() { ns ip neigh show 192.168.1.10 | awk '{for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1)}'; }

# sb_round KEEPER_VM SURVIVOR_VM: one split brain, repaired with that survivor
sb_round() {
	local k=$1 o=$((3 - $1)) surv=$2 vict=$((3 - $2)) tc th t_sb tr out ok6=1 why=""
	tc=$(now)
	cut_links $k
	if ! poll $o "twinctl status | grep -Eq '^\* .*Active'" 90; then
		ok6=0 why="VM $o did not take over ($(state $o))"
	fi
	note "6 links of VM $k cut: VM $o Active $(since "$tc") s later; VM $k $(state $k)"
	poll $o "grep -q 'ro:Primary' /proc/drbd" 30
	# the client talks to the node that took over (the cut one cannot answer)
	ns ping -c 2 -W 1 192.168.1.10 >/dev/null 2>&1
	local mac_split
	mac_split=$(client_mac)
	local wk wo
	wk=$(sb_write $k 300 8 $k)
	wo=$(sb_write $o 300 8 $o)
	note "6 both wrote blocks 300..307 during the split: VM $k ${wk:-0}, VM $o ${wo:-0}"
	th=$(now)
	heal_links $k
	if poll $k "twinctl status --raw | grep -q '^node.state=SplitBrain'" 60 &&
		poll $o "twinctl status --raw | grep -q '^node.state=SplitBrain'" 30; then
		t_sb=$(since "$th")
	else
		ok6=0 why="${why:+$why; }no SplitBrain after the heal (VM $k $(state $k), VM $o $(state $o))"
	fi
	local vk=0 vo=0
	has_vip $k && vk=1
	has_vip $o && vo=1
	note "6 SplitBrain on both ${t_sb:-?} s after the links returned (polled over the serial console); failover IP: VM $k $vk, VM $o $vo"
	[ $((vk + vo)) = 1 ] || { ok6=0 why="${why:+$why; }failover IP on $((vk + vo)) nodes"; }
	# no client left on the wrong MAC: the keeper's gratuitous ARP burst moved it
	local keeper=$k mac_now
	[ $vo = 1 ] && keeper=$o
	sleep 0.5
	ns ping -c 2 -W 1 192.168.1.10 >/dev/null 2>&1 || { ok6=0 why="${why:+$why; }client unanswered after detection"; }
	mac_now=$(client_mac)
	note "6 client's ARP entry for the failover IP: ${mac_split:-none} during the split, ${mac_now:-none} after detection (keeper VM $keeper $(mac_of $keeper))"
	[ "$mac_now" = "$(mac_of $keeper)" ] || { ok6=0 why="${why:+$why; }client on $mac_now, keeper is $(mac_of $keeper)"; }
	vm_run $k "twinctl split-brain" 20 | sed -n '/SPLIT BRAIN/,/PROPOSAL/p' | sed 's/^/# /'
	tr=$(now)
	out=$(vm_run $k "twinctl split-brain repair --survivor $(name_of $surv) --yes 2>&1 | tail -3" 300)
	note "6 repair (survivor $(name_of $surv), run on VM $k) in $(since "$tr") s: $(tr '\n' ' ' <<<"$out" | cut -c1-200)"
	grep -q "split brain repaired" <<<"$out" || { ok6=0 why="${why:+$why; }repair: $out"; }
	poll $surv "twinctl status | grep -Eq '^\* .*Active'" 60 || { ok6=0 why="${why:+$why; }survivor not Active"; }
	poll $vict "grep -q 'cs:Connected.*ds:UpToDate/UpToDate' /proc/drbd" 120 ||
		{ ok6=0 why="${why:+$why; }no resync ($(drbd $vict))"; }
	local gs gv lost
	gs=$(sb_check $surv 300 8 $surv)
	# the victim's copy, on its disk below DRBD (it is Secondary)
	gv=$(sb_check $vict 300 8 $surv /dev/twin/drbd)
	lost=$(sb_check $vict 300 8 $vict /dev/twin/drbd)
	note "6 survivor's records: ${gs:-0}/8 on VM $surv, ${gv:-0}/8 on VM $vict; victim's divergent records left: ${lost:-?}/8"
	[ "${gs:-0}" = 8 ] && [ "${gv:-0}" = 8 ] && [ "${lost:-1}" = 0 ] || ok6=0
	if [ $ok6 = 1 ] && [ "$(state $surv)" = Active ] && has_vip $surv && ! has_vip $vict; then
		ok "6 split brain (cut VM $k, survivor VM $surv): SplitBrain on both ${t_sb} s after the heal, one node on the IP, the client on its MAC, repaired, survivor's records on both, victim's gone"
	else
		nok "6 split brain (cut VM $k, survivor VM $surv): ${why:-records $gs/$gv, victim records left $lost}"
	fi
}

# sb_fallback: system test 9. A split brain while both still reach the
# LAN (their switch ports isolated from each other, eth1 down): both serve
# and write. The admin wants the node that is not the keeper to survive,
# but its disk is Outdated: the repair is refused and says what to do;
# that path (cluster dissolve, then cluster create on the survivor) ends
# with the survivor's records on both nodes and the other's gone. Leaves
# the pair Active/Standby, in sync; echoes nothing.
sb_fallback() {
	local ok9=1 why="" keeper surv out t0 t_sync g1 g2 lost
	ns bridge link set dev tap-a isolated on
	ns bridge link set dev tap-b isolated on
	mon 1 "set_link hb off"
	poll 1 "twinctl status | grep -Eq '^\* .*Active'" 60 && poll 2 "twinctl status | grep -Eq '^\* .*Active'" 60 ||
		{ ok9=0 why="not both Active (A $(state 1), B $(state 2))"; }
	sb_write 1 300 8 9a >/dev/null
	sb_write 2 300 8 9b >/dev/null
	ns bridge link set dev tap-a isolated off
	ns bridge link set dev tap-b isolated off
	mon 1 "set_link hb on"
	poll 1 "twinctl status --raw | grep -q '^node.state=SplitBrain'" 60 &&
		poll 2 "twinctl status --raw | grep -q '^node.state=SplitBrain'" 30 || { ok9=0 why="${why:+$why; }no SplitBrain"; }
	keeper=1
	has_vip 2 && keeper=2
	surv=$((3 - keeper))
	# the survivor's copy goes stale (e.g. a disk fault made DRBD outdate it)
	vm_run $surv "drbdadm outdate r0" 30 >/dev/null
	out=$(vm_run $keeper "twinctl split-brain repair --survivor $(name_of $surv) --yes 2>&1 | grep 'repair refused'" 60)
	note "9 repair with VM $surv's Outdated disk as the survivor: $(tr -d '\r' <<<"$out")"
	grep -q "repair refused: the survivor's disk is not UpToDate (Outdated)" <<<"$out" &&
		grep -q "cluster dissolve, then twinctl cluster create on $(name_of $surv)" <<<"$out" ||
		{ ok9=0 why="${why:+$why; }not refused as it should: $out"; }
	t0=$(now)
	out=$(vm_run $keeper "twinctl cluster dissolve 2>&1" 90)
	poll 1 "twinctl status | grep -q Standalone" 60 && poll 2 "twinctl status | grep -q Standalone" 60 ||
		{ ok9=0 why="${why:+$why; }dissolve: $(tr '\n' ' ' <<<"$out" | cut -c1-150)"; }
	out=$(sys_pair $surv)
	note "9 dissolved, then cluster create on VM $surv: $(tail -n1 <<<"$out" | tr -d '\r')"
	if poll $surv "twinctl status | grep -Eq '^\* .*(Active|Standby)'" 120 &&
		poll $keeper "grep -q 'cs:Connected.*ds:UpToDate/UpToDate' /proc/drbd" 300; then
		t_sync=$(since "$t0")
	else
		ok9=0 why="${why:+$why; }no pair again (VM $surv $(state $surv) $(drbd $surv), VM $keeper $(drbd $keeper))"
	fi
	poll $surv "twinctl status | grep -Eq '^\* .*Active'" 60 || poll $keeper "twinctl status | grep -Eq '^\* .*Active'" 10
	local act=$surv
	[ "$(state $keeper)" = Active ] && act=$keeper
	local other=$((3 - act))
	g1=$(sb_check $act 300 8 $([ $surv = 1 ] && echo 9a || echo 9b))
	g2=$(sb_check $other 300 8 $([ $surv = 1 ] && echo 9a || echo 9b) /dev/twin/drbd)
	lost=$(sb_check $keeper 300 8 $([ $keeper = 1 ] && echo 9a || echo 9b) $([ $keeper = $act ] && echo /dev/drbd0 || echo /dev/twin/drbd))
	note "9 paired again and in sync ${t_sync:-never} s after the dissolve; VM $surv's records: $g1/8 on VM $act, $g2/8 on VM $other; VM $keeper's: $lost/8 left"
	[ "$g1" = 8 ] && [ "$g2" = 8 ] && [ "$lost" = 0 ] || ok9=0
	if [ $ok9 = 1 ]; then
		ok "9 repair refused with an Outdated survivor, saying what to do; dissolve + cluster create on VM $surv: its records on both, VM $keeper's gone (${t_sync} s)"
	else
		nok "9 refused repair and fallback: ${why:-records $g1/$g2, left $lost}"
	fi
}
