# System tests 7 and 8 (sourced by run.sh; run after test 6, on the paired VMs,
# with split_brain.sh's helpers): DRBD fencing with real DRBD 8.4.
#   7  eth1 cut only: no failover; the Active's writes freeze, its
#      fence-peer handler has twind outdate the Standby's disk over eth0,
#      the writes go on; the link back: DRBD resyncs, no record lost.
#   8  a witness (the LAN client, standing for the gateway): the Active cut
#      off from everything steps down as isolated and restarts (its frozen
#      writes never acknowledged), the other takes over with every
#      acknowledged record, nothing diverges, no SplitBrain at the return;
#      the Standby cut off never takes over and the Active's writes thaw
#      once the Standby is declared dead.
# Each leaves the pair Active/Standby, in sync.

# bg_writer N FIRST COUNT SALT [PAUSE]: writes records in the background on
# VM N, one each PAUSE s (default 0.1; 0: back to back), printing "ACK I
# UPTIME" on VM N's ttyS1 as each returns (the serial line: what it printed
# is on the host even if the VM dies next); sb_check reads them back
bg_writer() {
	vm_run "$1" "(stty -F /dev/ttyS1 raw 2>/dev/null; i=$2; while [ \$i -lt $(($2 + $3)) ]; do printf 'twin-record %d %s\n' \$i \$(echo \$i.$SYS_KEY.$4 | sha256sum | cut -c1-64) | dd of=/dev/drbd0 bs=4096 seek=\$i conv=sync,fsync,notrunc oflag=direct status=none && echo ACK \$i \$(cut -d' ' -f1 /proc/uptime); i=\$((i+1)); sleep ${5:-0.1}; done; echo WRITER-DONE) >/dev/ttyS1 2>&1 </dev/null & :" 20 >/dev/null
}
con_log() { echo "$SYS_DIR/$(echo "$1" | tr 12 ab).log"; }
aux_log() { echo "$SYS_DIR/$(echo "$1" | tr 12 ab).aux"; }
log_size() { stat -c %s "$1" 2>/dev/null || echo 0; }
# acks N OFFSET: "I UPTIME" of each acknowledged write on VM N's ttyS1 after OFFSET
acks() { tail -c +$(($2 + 1)) "$(aux_log "$1")" | tr -d '\r' | sed -n 's/^ACK \([0-9]* [0-9.]*\)$/\1/p'; }
# file_wait FILE OFFSET REGEX SECONDS: until FILE shows REGEX after byte OFFSET
file_wait() {
	local end=$(($(date +%s) + $4))
	while [ "$(date +%s)" -lt $end ]; do
		tail -c +$(($2 + 1)) "$1" | grep -aEq "$3" && return 0
		sleep 1
	done
	return 1
}
# longest_gap: the longest pause between two acknowledgements (s), from acks' output
longest_gap() { awk 'NR > 1 && $2 - t > g {g = $2 - t} {t = $2} END {printf "%.1f", g}'; }
raw_get() { vm_run "$1" "twinctl status --raw | sed -n 's/^$2=//p'" 20 | tr -d '\r\n'; }
sb_count() { vm_run "$1" "logread | grep -c -- '-> SplitBrain'" 20 | tr -d '\r\n'; }

# fence_eth1 ACTIVE: system test 7
fence_eth1() {
	local a=$1 s=$((3 - $1)) off t0 ok7=1 why="" n last gap t_out t_sync good_a good_s fl
	sb_write $a 700 10 f7 >/dev/null
	off=$(log_size "$(aux_log $a)")
	bg_writer $a 710 50 f7
	sleep 2
	t0=$(now)
	mon $a "set_link hb off"
	if poll $s "grep -q 'ds:Outdated/' /proc/drbd" 60; then
		t_out=$(since "$t0")
	else
		ok7=0 why="the Standby's disk was not outdated ($(drbd $s))"
	fi
	fl=$(raw_get $a fence.last)
	note "7 eth1 of VM $a down: VM $s's disk Outdated ${t_out:-never} s later (DRBD noticed, then the fence over eth0); VM $a: $fl"
	grep -q "exit 4" <<<"$fl" || { ok7=0 why="${why:+$why; }fence-peer: '$fl'"; }
	file_wait "$(aux_log $a)" "$off" WRITER-DONE 90 || { ok7=0 why="${why:+$why; }the writer did not finish"; }
	n=$(acks $a "$off" | wc -l)
	last=$(acks $a "$off" | tail -n1 | cut -d' ' -f1)
	gap=$(acks $a "$off" | longest_gap)
	note "7 VM $a acknowledged $n/50 writes meanwhile, the longest wait ${gap} s (writes frozen until the fence)"
	[ "$n" = 50 ] && [ "$last" = 759 ] || { ok7=0 why="${why:+$why; }$n/50 writes acknowledged"; }
	[ "$(state $a)" = Active ] && [ "$(state $s)" = Standby ] && has_vip $a ||
		{ ok7=0 why="${why:+$why; }failover happened (VM $a $(state $a), VM $s $(state $s))"; }
	vm_run $a "twinctl status" 20 | grep -E 'ALARMS|DRBD:' | sed 's/^ */# 7 status: /'
	vm_run $a "twinctl status" 20 | grep -q 'heartbeat link down' || { ok7=0 why="${why:+$why; }no alarm"; }
	t0=$(now)
	mon $a "set_link hb on"
	if poll $s "grep -q 'cs:Connected.*ds:UpToDate/UpToDate' /proc/drbd" 120; then
		t_sync=$(since "$t0")
	else
		ok7=0 why="${why:+$why; }no resync ($(drbd $s))"
	fi
	good_a=$(sb_check $a 700 60 f7)
	good_s=$(sb_check $s 700 60 f7 /dev/twin/drbd)
	note "7 link back: resynced ${t_sync:-never} s later; records intact: VM $a $good_a/60, VM $s $good_s/60"
	[ "$good_a" = 60 ] && [ "$good_s" = 60 ] || ok7=0
	if [ $ok7 = 1 ]; then
		ok "7 eth1 cut: no failover, VM $s's disk outdated over eth0 in $t_out s, $n writes acknowledged (longest wait $gap s), resynced in $t_sync s, 60/60 records on both"
	else
		nok "7 eth1 cut: ${why:-records $good_a/$good_s of 60}"
	fi
}

# witness_on: both nodes get the witness (the LAN client, 192.168.1.100),
# twind restarts on each in turn; echoes the Active VM
witness_on() {
	local n
	for n in 2 1; do
		vm_run $n "grep -q '^witness ' /etc/twin/twin.conf || echo 'witness 192.168.1.100' >>/etc/twin/twin.conf; sync; killall twind" 20 >/dev/null
		sleep 3
		poll $n "twinctl status | grep -q 'witness 192.168.1.100 reached'" 60
		poll $n "twinctl status | grep -Eq '^\* .*(Active|Standby)'" 60
	done
	poll 1 "twinctl status | grep -Eq '^  .*(Active|Standby)'" 30
	[ "$(state 2)" = Active ] && echo 2 || echo 1
}

# fence_witness ACTIVE: system test 8, part 1 (the Active is cut off)
fence_witness() {
	local a=$1 b=$((3 - $1)) off t0 ok8=1 why="" last n good diverged sb0 t_b t_back rec
	sb0=$(sb_count $b)
	off=$(log_size "$(aux_log $a)")
	local coff
	coff=$(log_size "$(con_log $a)")
	bg_writer $a 800 200 f8
	sleep 2
	t0=$(now)
	cut_links $a
	poll $b "twinctl status | grep -Eq '^\* .*Active'" 60 && t_b=$(since "$t0") ||
		{ ok8=0 why="VM $b did not take over"; }
	note "8 VM $a cut off (witness configured): VM $b Active ${t_b:-never} s later; its promote's fence-peer: $(raw_get $b fence.last)"
	if file_wait "$(con_log $a)" "$coff" "reboot: Restarting system" 60; then
		note "8 VM $a restarted $(since "$t0") s after the cut (isolated, DRBD writes frozen: self-fence)"
	else
		ok8=0 why="${why:+$why; }VM $a did not self-fence"
	fi
	last=$(acks $a "$off" | tail -n1 | cut -d' ' -f1)
	n=$(acks $a "$off" | wc -l)
	good=$(sb_check $b 800 $((${last:-799} - 799)) f8)
	rec=$(sb_check $b $((${last:-799} + 1)) 1 f8)
	note "8 VM $a acknowledged records 800..${last:-none} ($n); on VM $b: ${good:-0} of them; record $((${last:-799} + 1)), attempted, never acknowledged: ${rec:-?} on VM $b"
	[ "$n" -gt 0 ] && [ "${good:-0}" = "$n" ] && [ "${rec:-1}" = 0 ] ||
		{ ok8=0 why="${why:+$why; }acknowledged records $good/$n on VM $b"; }
	vm_login $a 240 >/dev/null || { ok8=0 why="${why:+$why; }VM $a did not come back"; }
	poll $a "twinctl status | grep -q '^\*'" 60
	local sa
	sa=$(state $a)
	note "8 VM $a back, still cut off: $sa, $(drbd $a)"
	[ "$sa" != Active ] || { ok8=0 why="${why:+$why; }VM $a Active while cut off"; }
	t0=$(now)
	heal_links $a
	if poll $a "twinctl status | grep -Eq '^\* .*Standby'" 90 &&
		poll $a "grep -q 'cs:Connected.*ds:UpToDate/UpToDate' /proc/drbd" 120; then
		t_back=$(since "$t0")
	else
		ok8=0 why="${why:+$why; }no rejoin (VM $a $(state $a) $(drbd $a))"
	fi
	diverged=$(sb_check $a $((${last:-799} + 1)) 1 f8 /dev/twin/drbd)
	local good_a
	good_a=$(sb_check $a 800 $((${last:-799} - 799)) f8 /dev/twin/drbd)
	note "8 links back: VM $a Standby and resynced ${t_back:-never} s later; VM $a holds $good_a/$n acknowledged records, the unacknowledged one: ${diverged:-?}; SplitBrain on VM $b since: $(($(sb_count $b) - sb0))"
	[ "${good_a:-0}" = "$n" ] && [ "${diverged:-1}" = 0 ] && [ "$(sb_count $b)" = "$sb0" ] &&
		[ "$(state $b)" = Active ] && has_vip $b && ! has_vip $a ||
		{ ok8=0 why="${why:+$why; }after the return: $good_a/$n records, diverged ${diverged:-?}, VM $b $(state $b)"; }
	if [ $ok8 = 1 ]; then
		ok "8 witness, Active cut off: VM $b took over in $t_b s, VM $a self-fenced; all $n acknowledged records on VM $b, the unacknowledged write nowhere, no SplitBrain, VM $a resynced in $t_back s"
	else
		nok "8 witness, Active cut off: $why"
	fi
}

# fence_witness_standby ACTIVE: system test 8, part 2 (the Standby is cut off)
fence_witness_standby() {
	local a=$1 s=$((3 - $1)) off t0 ok8=1 why="" n gap fl was
	was=$(vm_run $s "logread | grep -c 'Standby -> Activating'" 20 | tr -d '\r\n')
	off=$(log_size "$(aux_log $a)")
	bg_writer $a 1000 40 g8
	sleep 1
	t0=$(now)
	cut_links $s
	sleep 8
	file_wait "$(aux_log $a)" "$off" WRITER-DONE 90 || { ok8=0 why="the Active's writer did not finish"; }
	n=$(acks $a "$off" | wc -l)
	gap=$(acks $a "$off" | longest_gap)
	fl=$(raw_get $a fence.last)
	note "8 Standby VM $s cut off: VM $a $(state $a), VM $s $(state $s); VM $a acknowledged $n/40 writes, the longest wait $gap s; fence-peer: $fl"
	[ "$n" = 40 ] && grep -q "exit 7" <<<"$fl" && [ "$(state $a)" = Active ] && has_vip $a &&
		[ "$(state $s)" != Active ] || ok8=0
	heal_links $s
	poll $s "twinctl status | grep -Eq '^\* .*Standby'" 90 && poll $s "grep -q 'cs:Connected.*ds:UpToDate/UpToDate' /proc/drbd" 120 ||
		{ ok8=0 why="${why:+$why; }no rejoin ($(state $s) $(drbd $s))"; }
	local good
	good=$(sb_check $s 1000 40 g8 /dev/twin/drbd)
	[ "$good" = 40 ] || { ok8=0 why="${why:+$why; }$good/40 records on VM $s"; }
	[ "$(vm_run $s "logread | grep -c 'Standby -> Activating'" 20 | tr -d '\r\n')" = "$was" ] || ok8=0
	if [ $ok8 = 1 ]; then
		ok "8 witness, Standby cut off: it never took over, VM $a kept serving, its writes thawed once the Standby was declared dead (longest wait $gap s, 40/40 acknowledged), resynced"
	else
		nok "8 witness, Standby cut off: ${why:-VM $a $(state $a), VM $s $(state $s), $n/40 acks, fence '$fl'}"
	fi
}
