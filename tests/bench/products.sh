# shellcheck shell=bash
# The two products behind one interface, for tests/bench/run.sh (sourced
# after tests/net/lib.sh). PRODUCT is "twin" or "ka"; KA_ADVERT is
# keepalived's advert_int. Nodes are "a" (priority 150) and "b" (100).
#
#   prod_start            both daemons and both responders
#   prod_start_node N     (re)start the daemon on node N
#   prod_role N           Active | Standby | other text (transient)
#   prod_pids N           the daemon's pids on node N (keepalived: parent, vrrp child)
#   prod_interval_us      heartbeat / advert interval (for the random phase)
#   prod_graceful N PH    handover away from N, through fault (prints fault time)
#   prod_role_changes     transitions into Active/MASTER logged so far (both nodes)

ns_of() { [ "$1" = a ] && echo "$NS_A" || echo "$NS_B"; }
other() { [ "$1" = a ] && echo b || echo a; }
prio_of() { [ "$1" = a ] && echo 150 || echo 100; }
peer_ip_of() { [ "$1" = a ] && echo "$IP_B" || echo "$IP_A"; }

# Only what a pair needs: the heartbeat/takeover profile (interval, misses,
# ARP probe, gratuitous ARP) is left at twind's defaults on purpose.
twin_conf() {
	local n=$1 id=1 peer=2
	[ "$n" = b ] && id=2 peer=1
	mkdir -p "$WORK/$n"
	cat >"$WORK/$n/twin.conf" <<EOF
node_name $n
node_id $id
peer_id $peer
cluster_id 0x7a11
priority $(prio_of "$n")
peer_address $(peer_ip_of "$n")
failover_ip $VIP/24
key_file $WORK/cluster.key
state_dir $WORK/$n/state
control_socket $WORK/$n/twind.sock
EOF
}

ka_conf() {
	local n=$1 extra=""
	[ -n "${KA_RT_PRIO:-}" ] && extra="	vrrp_rt_priority $KA_RT_PRIO"
	mkdir -p "$WORK/$n"
	sed -e "s|@NODE@|$n|" -e "s|@PRIO@|$(prio_of "$n")|" -e "s|@ADVERT@|$KA_ADVERT|" \
		-e "s|@VIP@|$VIP|" -e "s|@EXTRA_GLOBAL@|$extra|" \
		"$BENCH_DIR/keepalived.conf.in" >"$WORK/$n/keepalived.conf"
}

prod_start_node() {
	local n=$1 ns
	ns=$(ns_of "$n")
	if [ "$PRODUCT" = twin ]; then
		echo "--- bench: twind start" >>"$WORK/$n/daemon.log"
		# ip netns exec execs the daemon: $! is its pid (not a subshell's)
		ip netns exec "$ns" "$TWIND" -f "$WORK/$n/twin.conf" -v >>"$WORK/$n/daemon.log" 2>&1 &
		eval "PID_$n=$!"
		disown # no "Killed" job notices: the bench kills daemons on purpose
	else
		rm -f "$WORK/$n/ka.pid" "$WORK/$n/ka_vrrp.pid"
		echo "--- bench: keepalived start" >>"$WORK/$n/daemon.log"
		ip netns exec "$ns" keepalived --vrrp --dont-fork --log-console --log-detail --no-syslog \
			-f "$WORK/$n/keepalived.conf" -p "$WORK/$n/ka.pid" -r "$WORK/$n/ka_vrrp.pid" \
			-c "$WORK/$n/ka_chk.pid" -b "$WORK/$n/ka_bfd.pid" >>"$WORK/$n/daemon.log" 2>&1 &
		eval "PID_$n=$!"
		disown
	fi
}

prod_start() {
	for n in a b; do
		if [ "$PRODUCT" = twin ]; then twin_conf "$n"; else ka_conf "$n"; fi
		prod_start_node "$n"
	done
	ip netns exec "$NS_A" "$TOOLS/responder" -p $PORT -n a >/dev/null 2>&1 &
	ip netns exec "$NS_B" "$TOOLS/responder" -p $PORT -n b >/dev/null 2>&1 &
	disown -a
}

# alive: exists and is not a zombie waiting for our wait
alive() { [ -n "$1" ] && [ -r "/proc/$1/stat" ] && ! awk '{ exit $3 != "Z" }' "/proc/$1/stat" 2>/dev/null; }

prod_pids() {
	local n=$1 p
	p=$(eval "echo \${PID_$n:-}")
	alive "$p" || return 0
	echo "$p"
	if [ "$PRODUCT" = ka ] && [ -s "$WORK/$n/ka_vrrp.pid" ]; then
		cat "$WORK/$n/ka_vrrp.pid"
	fi
}

# keepalived's last state line in this node's log
ka_state() {
	grep -oE 'Entering [A-Z]+ STATE' "$WORK/$1/daemon.log" 2>/dev/null | tail -1 | awk '{print $2}'
}

# twin_get NODE KEY: the first value of KEY in `twinctl --json status`
# (node's own keys come first: "state" is this node's)
twin_get() {
	ctl "$1" "$(ns_of "$1")" --json status 2>/dev/null |
		sed -n "s/^ *\"$2\": \"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}\$/\1/p" | head -1
}

prod_role() {
	local n=$1 s
	[ -n "$(prod_pids "$n")" ] || { echo down; return; }
	if [ "$PRODUCT" = twin ]; then
		s=$(twin_get "$n" state)
	else
		case $(ka_state "$n") in MASTER) s=Active ;; BACKUP) s=Standby ;; *) s=$(ka_state "$n") ;; esac
		# keepalived starts a node in BACKUP before it knows anything:
		# count it as settled only once it has the vrrp child running
		[ -s "$WORK/$n/ka_vrrp.pid" ] || s=starting
	fi
	echo "${s:-unknown}"
}

prod_interval_us() {
	if [ "$PRODUCT" = twin ]; then
		twin_get a interval_us
	else
		awk -v a="$KA_ADVERT" 'BEGIN { printf "%d", a * 1000000 }'
	fi
}

prod_graceful() { # prod_graceful NODE PHASE_US: prints the fault time
	local n=$1 ph=$2 ns
	ns=$(ns_of "$n")
	if [ "$PRODUCT" = twin ]; then
		# the admin's handover: `twinctl takeover` on the standby; the
		# active releases first, then the standby takes over
		local o
		o=$([ "$n" = a ] && echo b || echo a)
		in_ns "$(ns_of "$o")" "$FAULT" -r "$ph" exec "$TWINCTL" -s "$WORK/$o/twind.sock" takeover | head -1
	else
		"$FAULT" -r "$ph" kill 15 "$(eval "echo \$PID_$n")"
	fi
}

prod_role_changes() { # transitions into Active/MASTER in both logs
	local c=0 n
	for n in a b; do
		if [ "$PRODUCT" = twin ]; then
			c=$((c + $(grep -cE 'state [A-Za-z]+ -> Active' "$WORK/$n/daemon.log" 2>/dev/null)))
		else
			c=$((c + $(grep -c 'Entering MASTER STATE' "$WORK/$n/daemon.log" 2>/dev/null)))
		fi
	done
	echo "$c"
}
