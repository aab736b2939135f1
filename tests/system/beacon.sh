# System test 12: the kernel beacon (kmod/twin_hb) in the VM pair.
# Sourced by run.sh after lib.sh and fencing.sh (raw_get, con_log,
# log_size, file_wait): functions only.
#   bc_qemu_args         the tools disk (tests/tools/hbgenl) for vm_start
#   bc_kernel A B        both VMs beat through the module
#   bc_cadence A B       gaps between A's beats as B's XDP stamps them:
#                        kernel and userland, idle and with a CPU hog in A;
#                        rmmod/insmod under way without a failover
#   bc_attack A          malformed and unprivileged requests refused; dmesg clean
#   bc_fence_drop A B    beacon_fence drop: A's twind stopped, the module
#                        fences the failover IP; SIGCONT: A serves again
#   bc_stop_reboot A B   the default with DRBD (reboot): A's twind stopped,
#                        B takes over, A reboots itself and rejoins

BC_TOOLS=""

# bc_qemu_args: a read-only squashfs with the test tool, as a virtio disk
bc_qemu_args() {
	local dir=$SYS_DIR/tools
	[ -x "$SYS_TOP/build/tools/hbgenl" ] || return 0
	mkdir -p "$dir" && cp "$SYS_TOP/build/tools/hbgenl" "$dir/" &&
		mksquashfs "$dir" "$SYS_DIR/tools.sqfs" -noappend -quiet >/dev/null 2>&1 &&
		BC_TOOLS=$SYS_DIR/tools.sqfs
	[ -n "$BC_TOOLS" ] && printf -- '-drive file=%s,if=virtio,format=raw,readonly=on ' "$BC_TOOLS"
}

# bc_tool N ARGS: hbgenl in VM N; its disk (the one squashfs among the
# test's extra disks) mounted on first use
bc_tool() {
	vm_run "$1" "[ -x /run/tools/hbgenl ] || { mkdir -p /run/tools; for d in /dev/vd[b-z]; do mount -t squashfs -o ro \$d /run/tools 2>/dev/null && break; done; }; /run/tools/hbgenl $2" 30
}

bc_beacon() { raw_get "$1" heartbeat.beacon; }

bc_kernel() {
	local a=$1 b=$2 ka kb
	poll $a "twinctl status --raw | grep -q '^heartbeat.beacon=kernel'" 30
	poll $b "twinctl status --raw | grep -q '^heartbeat.beacon=kernel'" 30
	ka=$(bc_beacon $a) kb=$(bc_beacon $b)
	if [[ $ka == kernel* && $kb == kernel* ]]; then
		ok "12 kernel beacon in use on both VMs: '$ka', '$kb' (twinctl status: $(vm_run $a "twinctl status | grep -m1 'beacon:'" 20 | tr -d '\r' | sed 's/^ *//'))"
	else
		nok "12 kernel beacon in use (VM $a '$ka' $(raw_get $a heartbeat.beacon_why); VM $b '$kb' $(raw_get $b heartbeat.beacon_why))"
	fi
}

# bc_gaps N: VM N's gap histogram of the heartbeat link, and its lost count
bc_gaps() { vm_run "$1" "twinctl status --raw >/run/st; echo \$(sed -n 's/^path\.0\.gaps_ms=//p' /run/st) \$(sed -n 's/^path\.0\.lost=//p' /run/st)" 20 | tr -d '\r'; }

# bc_stats BEFORE AFTER: median, p99 and max gap (ms buckets) and beats lost
# between two bc_gaps snapshots
bc_stats() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		split(a, A, " "); split(b, B, " ")
		n = split(A[1], x, ","); for (i = 1; i <= n; i++) { split(x[i], kv, ":"); c[kv[1]] -= kv[2] }
		n = split(B[1], x, ","); for (i = 1; i <= n; i++) { split(x[i], kv, ":"); c[kv[1]] += kv[2] }
		tot = 0; for (k in c) if (c[k] > 0) tot += c[k]
		if (!tot) { print "no beats"; exit }
		cum = 0; med = -1; p99 = -1; mx = 0
		for (k = 0; k < 512; k++) {
			if (!(k in c) || c[k] <= 0) continue
			cum += c[k]; mx = k
			if (med < 0 && cum >= tot / 2) med = k
			if (p99 < 0 && cum >= tot * 0.99) p99 = k
		}
		printf "%d beats: median %d ms, p99 %d ms, max %d ms, lost %d\n", tot, med, p99, mx, B[2] - A[2]
	}'
}

# bc_cpu N: twind's CPU time in VM N (clock ticks, user + system) and the
# uptime, "TICKS SECONDS"
bc_cpu() { vm_run "$1" "echo \$(cut -d' ' -f14,15 /proc/\$(pidof twind)/stat | tr ' ' '+') \$(cut -d' ' -f1 /proc/uptime)" 20 | tr -d '\r'; }

# bc_window A B LABEL SECONDS HOG: one measurement of A's cadence at B, and
# of twind's CPU in A meanwhile
bc_window() {
	local a=$1 b=$2 label=$3 secs=$4 hog=$5 g0 g1 c0 c1 cpu
	[ "$hog" = 1 ] && vm_run $a "(while :; do :; done) >/dev/null 2>&1 & echo \$! >/run/hog.pid" 20 >/dev/null
	g0=$(bc_gaps $b)
	c0=$(bc_cpu $a)
	sleep "$secs"
	c1=$(bc_cpu $a)
	g1=$(bc_gaps $b)
	[ "$hog" = 1 ] && vm_run $a "kill \$(cat /run/hog.pid)" 20 >/dev/null
	cpu=$(awk -v a="$c0" -v b="$c1" 'BEGIN { split(a, x, " "); split(b, y, " ");
		split(x[1], xa, "+"); split(y[1], ya, "+");
		t = (ya[1] + ya[2] - xa[1] - xa[2]) / 100; s = y[2] - x[2];
		if (s > 0) printf "twind %.2f %% of a CPU", 100 * t / s; else print "twind CPU ?" }')
	echo "$label$([ "$hog" = 1 ] && echo ", CPU hog in VM $a"): $(bc_stats "$g0" "$g1"); $cpu"
}

bc_cadence() {
	local a=$1 b=$2 w1 w2 w3 w4 st0 down0 down1 lost0 lost1 sw ok12=1 why=""
	st0="$(state $a)/$(state $b)"
	down0=$(raw_get $b path.0.down_count) lost0=$(raw_get $b path.0.lost)
	w1=$(bc_window $a $b "kernel beacon" 10 0)
	w2=$(bc_window $a $b "kernel beacon" 10 1)
	note "12 $w1"
	note "12 $w2"
	vm_run $a "rmmod twin_hb" 20 >/dev/null
	poll $a "twinctl status --raw | grep -q '^heartbeat.beacon=userland'" 10 ||
		{ ok12=0 why="no fallback to the userland senders after rmmod ($(bc_beacon $a))"; }
	w3=$(bc_window $a $b "userland senders" 10 0)
	w4=$(bc_window $a $b "userland senders" 10 1)
	note "12 $w3"
	note "12 $w4"
	vm_run $a "modprobe twin_hb" 20 >/dev/null
	poll $a "twinctl status --raw | grep -q '^heartbeat.beacon=kernel'" 10 ||
		{ ok12=0 why="${why:+$why; }not back on the kernel beacon after insmod ($(bc_beacon $a))"; }
	sleep 2
	down1=$(raw_get $b path.0.down_count) lost1=$(raw_get $b path.0.lost)
	sw=$(raw_get $a heartbeat.beacon_switches)
	note "12 VM $a's beacon switches: $sw; VM $b: heartbeat link down $((down1 - down0)) times, beats lost $((lost1 - lost0)) over the whole run"
	[ "$(state $a)/$(state $b)" = "$st0" ] || { ok12=0 why="${why:+$why; }states changed: $st0 -> $(state $a)/$(state $b)"; }
	[ "$down1" = "$down0" ] || { ok12=0 why="${why:+$why; }the heartbeat link went down $((down1 - down0)) times"; }
	local iv=${SYS_HB_INTERVAL:-50ms} med
	iv=${iv%ms}
	for w in "$w1" "$w2" "$w3" "$w4"; do
		[[ $w == *"no beats"* ]] && { ok12=0 why="${why:+$why; }no beats measured"; continue; }
		# the cadence: the median gap within a millisecond (one bucket) of the interval
		med=$(sed -n 's/.*median \([0-9]*\) ms.*/\1/p' <<<"$w")
		[ -n "$med" ] && [ "$med" -ge $((iv - 1)) ] && [ "$med" -le "$iv" ] ||
			{ ok12=0 why="${why:+$why; }median gap ${med:-?} ms, not the ${iv} ms interval (${w%%:*})"; }
	done
	if [ $ok12 = 1 ]; then
		ok "12 beats at the ${SYS_HB_INTERVAL:-50ms} cadence, kernel and userland, idle and loaded; rmmod/insmod under way: fallback and back, no failover ($st0), link never down, $((lost1 - lost0)) beats lost"
	else
		nok "12 cadence and rmmod/insmod: $why"
	fi
}

bc_attack() {
	local a=$1 out d
	out=$(bc_tool $a attack 2>&1 | tr -d '\r')
	sed 's/^/# 12 /' <<<"$out"
	d=$(vm_run $a "dmesg | grep -iE 'WARNING|BUG:|Call Trace|refcount_t|general protection' | head -n 3" 20 | tr -d '\r')
	if grep -q '^attack: [0-9]* refused, 0 accepted' <<<"$out" && [ -z "$d" ] &&
		[[ $(bc_beacon $a) == kernel* ]]; then
		ok "12 malformed requests to twin_hb refused ($(grep '^attack:' <<<"$out")), the beacon still beats, dmesg clean"
	else
		nok "12 malformed requests (${out: -300}; dmesg: $d)"
	fi
}

# bc_ifchurn N OTHER: eth1 down, renamed and back, up while VM N's module
# beats on it: the path beats again, no failover, nothing in dmesg
bc_ifchurn() {
	local a=$1 b=$2 s0 s1 st0 down0 down1
	st0="$(state $a)/$(state $b)"
	down0=$(raw_get $b path.1.down_count)
	vm_run $a "ip link set eth1 down; ip link set eth1 name hbchurn; ip link set hbchurn name eth1; ip link set eth1 up" 20 >/dev/null
	sleep 4
	s0=$(bc_tool $a status | sed -n 's/^path0.sent=//p' | tr -d '\r')
	sleep 2
	s1=$(bc_tool $a status | sed -n 's/^path0.sent=//p' | tr -d '\r')
	down1=$(raw_get $b path.1.down_count)
	if [ -n "$s0" ] && [ -n "$s1" ] && [ "$s1" -gt "$s0" ] && [ "$(state $a)/$(state $b)" = "$st0" ] &&
		[ "$down1" = "$down0" ] && [[ $(bc_beacon $a) == kernel* ]]; then
		ok "12 eth1 down, renamed and back, up under the kernel beacon on VM $a: it beats on ($((s1 - s0)) frames in 2 s), no failover ($st0), the LAN path never down"
	else
		nok "12 eth1 down/rename/up on VM $a: sent $s0 -> $s1, states $st0 -> $(state $a)/$(state $b), VM $b's LAN path down $down0 -> $down1, beacon '$(bc_beacon $a)'"
	fi
}

# bc_client_probe N: replies to 10 pings the client sends to the failover
# IP straight to VM N's MAC (as a client whose ARP entry is stale would)
bc_client_probe() {
	ns ip neigh replace 192.168.1.10 lladdr "52:54:00:74:77:${1}0" dev br-lan nud permanent
	ns ping -c 10 -i 0.2 -W 1 192.168.1.10 2>/dev/null | grep -c 'bytes from'
	ns ip neigh del 192.168.1.10 dev br-lan 2>/dev/null
}

# bc_fence_drop A B: A Standby gets beacon_fence drop and takes over; its
# twind stopped, the module fences the failover IP (the client's pings to
# A's MAC go unanswered) but B cannot promote DRBD while A, alive, holds
# it Primary (why auto means reboot with DRBD); SIGCONT: A lifts its fence
# and serves again, B never Active
bc_fence_drop() {
	local a=$1 b=$2 k ans st ok12=1 why="" i ans2
	vm_run $a "sed -i '/^beacon_fence /d' /etc/twin/twin.conf; echo 'beacon_fence drop' >>/etc/twin/twin.conf; sync; killall twind" 20 >/dev/null
	sleep 3
	poll $a "twinctl status | grep -Eq '^\* .*Standby'" 60 && poll $a "grep -q 'ds:UpToDate/UpToDate' /proc/drbd" 60
	vm_run $a "twinctl takeover" 60 >/dev/null
	poll $a "twinctl status | grep -Eq '^\* .*Active'" 60 && poll $a "grep -q 'ro:Primary' /proc/drbd" 30 ||
		{ ok12=0 why="VM $a did not take over"; }
	poll $a "twinctl status --raw | grep -q '^heartbeat.kernel.armed=true'" 10 ||
		{ ok12=0 why="${why:+$why; }fence not armed ($(raw_get $a heartbeat.kernel.fence) $(raw_get $a heartbeat.kernel.armed))"; }
	vm_run $a "kill -STOP \$(pidof twind)" 20 >/dev/null
	sleep 2
	k=$(bc_tool $a status | tr -d '\r' | tr '\n' ' ')
	ans=$(bc_client_probe $a)
	st="$(state $b)"
	note "12 beacon_fence drop, twind on VM $a stopped 2 s: VM $b '$st'; VM $a's module: $k"
	note "12 the client's 10 pings to the failover IP at VM $a's MAC: $ans answered"
	grep -q 'fenced=1' <<<"$k" || { ok12=0 why="${why:+$why; }VM $a's module did not fence"; }
	[ "$ans" = 0 ] || { ok12=0 why="${why:+$why; }VM $a answered $ans pings while stopped"; }
	vm_run $a "kill -CONT \$(pidof twind)" 20 >/dev/null
	st=""
	for i in 1 2 3; do
		sleep 2
		st="$st $(state $a)/$(state $b)"
	done
	ans2=$(ns ping -c 5 -i 0.2 -W 1 192.168.1.10 2>/dev/null | grep -c 'bytes from')
	note "12 after SIGCONT (VM $a/VM $b every 2 s):$st; the client's pings to the failover IP: $ans2/5 answered"
	[[ $st == *"/Active"* ]] && { ok12=0 why="${why:+$why; }VM $b became Active with VM $a's DRBD still Primary"; }
	poll $a "twinctl status | grep -Eq '^\* .*Active'" 20 && [ "$ans2" -ge 4 ] ||
		{ ok12=0 why="${why:+$why; }VM $a not serving again after SIGCONT ($st, $ans2/5)"; }
	# the default again at the next start (test 5's reboot)
	vm_run $a "sed -i '/^beacon_fence /d' /etc/twin/twin.conf; sync" 20 >/dev/null
	if [ $ok12 = 1 ]; then
		ok "12 beacon_fence drop: VM $a's twind stopped, its module fenced the failover IP (0/10 client pings answered); after SIGCONT it lifted the fence and served again ($ans2/5)"
	else
		nok "12 beacon_fence drop: $why"
	fi
}

# bc_stop_reboot A B: the default with DRBD (auto: reboot): A Active, its
# twind stopped: the beats go on for the lease, then B takes over as A
# reboots itself; A rejoins as Standby; the client is never answered by A
bc_stop_reboot() {
	local a=$1 b=$2 off t0 t_b t_back ok12=1 why="" ans
	poll $a "twinctl status --raw | grep -q '^heartbeat.kernel.fence=reboot'" 10 ||
		{ ok12=0 why="fence not reboot on VM $a: $(raw_get $a heartbeat.kernel.fence)"; }
	off=$(log_size "$(con_log $a)")
	vm_run $a "kill -STOP \$(pidof twind)" 20 >/dev/null
	t0=$(now)
	poll $b "twinctl status | grep -Eq '^\* .*Active'" 60 && t_b=$(since "$t0") ||
		{ ok12=0 why="${why:+$why; }VM $b did not take over"; }
	ans=$(bc_client_probe $a)
	if file_wait "$(con_log $a)" "$off" "twin_hb: no beat sent for" 30; then
		note "12 twind stopped on the Active VM $a (beacon_fence auto = reboot with DRBD): VM $b Active ${t_b:-never} s later; the client's pings at VM $a's MAC: $ans/10; VM $a: $(tail -c +$((off + 1)) "$(con_log $a)" | grep -a -o -m1 'twin_hb: no beat sent.*' | tr -d '\r')"
	else
		ok12=0 why="${why:+$why; }VM $a did not reboot"
	fi
	[ "$ans" = 0 ] || { ok12=0 why="${why:+$why; }VM $a answered $ans pings"; }
	vm_login $a 240 >/dev/null
	if poll $a "twinctl status | grep -Eq '^\* .*Standby'" 180 && poll $a "grep -q 'ds:UpToDate/UpToDate' /proc/drbd" 120; then
		t_back=$(since "$t0")
	else
		ok12=0 why="${why:+$why; }VM $a did not rejoin as Standby ($(state $a))"
	fi
	if [ $ok12 = 1 ]; then
		ok "12 twind stopped on the Active: VM $b took over in $t_b s, VM $a rebooted itself (kernel fence), never answered the client (0/10), back as Standby and in sync $t_back s after the stop"
	else
		nok "12 Active's twind stopped (fence reboot): $why"
	fi
}

# bc_dmesg WHEN N...: no kernel warning from twin_hb on those VMs since
# their boot: a WARNING/BUG whose call trace runs through the module fails;
# one from elsewhere (DRBD 8.4, the kernel) is reported with its task
bc_dmesg() {
	local when=$1 n d bad="" other=""
	shift
	for n in "$@"; do
		d=$(vm_run $n "dmesg | sed -n '/WARNING:\|BUG:\|general protection/,/end trace/p' | grep -v 'Modules linked in' | head -n 60" 30 | tr -d '\r')
		[ -z "$d" ] && continue
		if grep -q '\[twin_hb\]\|twin_hb:' <<<"$d"; then
			bad="$bad VM $n: $(grep -m3 'WARNING:\|BUG:\|twin_hb' <<<"$d" | tr '\n' ' ');"
		else
			other="$other VM $n: $(grep -m1 'WARNING:\|BUG:' <<<"$d" | sed 's/^\[[ 0-9.]*\] //') ($(grep -m1 -o 'Comm: [^ ]*' <<<"$d"); $(grep -m3 -o '^\[[ 0-9.]*\]  [a-z_0-9]*+0x[0-9a-f]*' <<<"$d" | sed 's/^\[[ 0-9.]*\]  //' | tr '\n' ' '));"
		fi
	done
	[ -n "$other" ] && note "12 kernel warnings $when outside twin_hb:$other"
	if [ -z "$bad" ]; then
		ok "12 no kernel warning from twin_hb on VM $* $when"
	else
		nok "12 kernel warnings from twin_hb $when:$bad"
	fi
}
