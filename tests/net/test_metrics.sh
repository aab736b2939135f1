#!/usr/bin/env bash
# twin-exporter on a real pair: each node's exporter (as nobody, in the
# control group) serves valid exposition text (promtool check metrics) on
# its configured address only; DRBD (a stand-in /proc/drbd and drbdadm)
# shows role, states, out-of-sync bytes and resync progress; a real
# Prometheus server in the client's namespace scrapes both every second,
# and its HTTP API sees the Active role (and DRBD Primary) move to b after
# a's twind is killed. With twind dead, stalled or out of reach, the page
# still answers, with twin_up 0. Root (namespaces).
set -u
. "$(dirname "$0")/lib.sh"

EXPORTER=$BUILD/twin-exporter
MPORT=9946
PROM_PORT=9090
for tool in promtool prometheus curl; do
	command -v $tool >/dev/null || {
		not_ok "$tool is installed (tests/install-deps.sh)"
		summary metrics
		exit 1
	}
done

# scrape NODE_IP [PATH]: the page, from the client's namespace
scrape() { in_ns "$NS_C" curl -s -m 5 "http://$1:$MPORT${2:-/metrics}"; }
# prom_query EXPR: the instant query's JSON from the Prometheus server
prom_query() {
	in_ns "$NS_C" curl -s -m 2 -G "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode "query=$1"
}
# instances EXPR: the instance labels of the query's result, sorted
instances() { prom_query "$1" | grep -o '"instance":"[^"]*"' | cut -d'"' -f4 | sort | tr '\n' ' '; }
active_is() { [ "$(instances 'twin_role{role="active"} == 1')" = "$1 " ]; }
up_is() { [ "$(instances "twin_up == $2")" = "$1 " ]; }
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
# has_all FILE LINE...: every LINE is a whole line of FILE; has_all_re: ERE
has_all() {
	local f=$1 l
	shift
	for l in "$@"; do grep -qxF -- "$l" "$f" || { echo "# missing: $l"; return 1; }; done
}
has_all_re() {
	local f=$1 l
	shift
	for l in "$@"; do grep -qE -- "$l" "$f" || { echo "# missing: $l"; return 1; }; done
}

# DRBD as in test_drbd_takeover.sh: /proc/drbd is a file per node
# (TWIN_DRBD_PROC), and a stand-in drbdadm changes the role in it
proc() { # proc NODE CS ROLE/PEER DISK/PEER [DETAIL LINES]
	printf 'version: 8.4.11 (api:1/proto:86-101)\n 0: cs:%s ro:%s ds:%s C r-----\n    ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:%s\n%s' \
		"$2" "$3" "$4" "${5:-0}" "${6:-}" >"$WORK/$1/drbd.tmp" && mv "$WORK/$1/drbd.tmp" "$WORK/$1/drbd"
}
start_drbd_node() { # NODE NS
	ip netns exec "$2" env PATH="$WORK/bin:$PATH" TWIN_DRBD_PROC="$WORK/$1/drbd" TWIN_TEST_DRBD="$WORK/$1/drbd" \
		"$TWIND" -f "$WORK/$1/twin.conf" -v >>"$WORK/$1/twind.log" 2>&1 &
	eval "PID_$1=$!"
	disown $!
}

pair_setup
chmod 711 "$WORK" # nobody reaches the control sockets (0660 root:nogroup) below it
mkdir -p "$WORK/bin"
cat >"$WORK/bin/drbdadm" <<'EOS'
#!/bin/sh
[ "$1" = --force ] && shift
case $1 in
primary) sed -i 's/ro:[A-Za-z]*\//ro:Primary\//' "$TWIN_TEST_DRBD" ;;
secondary) sed -i 's/ro:[A-Za-z]*\//ro:Secondary\//' "$TWIN_TEST_DRBD" ;;
*) echo "drbdadm: $1 not faked" >&2; exit 1 ;;
esac
EOS
chmod +x "$WORK/bin/drbdadm"
# a takes metrics_listen from twin.conf, b gets -l: both ways in use
write_conf a 1 2 $IP_B 150 "control_group nogroup" "metrics_listen $IP_A:$MPORT" "drbd_resource r0"
write_conf b 2 1 $IP_A 100 "control_group nogroup" "drbd_resource r0"
proc a Connected Secondary/Secondary UpToDate/UpToDate
proc b Connected Secondary/Secondary UpToDate/UpToDate
start_drbd_node a "$NS_A"
start_drbd_node b "$NS_B"
check "a Active, b Standby" wait_for 10 state_is a "$NS_A" Active
wait_for 10 state_is b "$NS_B" Standby

ip netns exec "$NS_A" "$EXPORTER" -f "$WORK/a/twin.conf" -u nobody >>"$WORK/a/exporter.log" 2>&1 &
EXP_A=$!
disown $!
ip netns exec "$NS_B" "$EXPORTER" -f "$WORK/b/twin.conf" -l $IP_B:$MPORT -u nobody \
	>>"$WORK/b/exporter.log" 2>&1 &
EXP_B=$!
disown $!
check "both exporters answer HTTP" wait_for 5 bash -c \
	"$(declare -f in_ns scrape); NS_C=$NS_C MPORT=$MPORT; scrape $IP_A / >/dev/null && scrape $IP_B / >/dev/null"
check "the exporters run as nobody (not root)" \
	test "$(ps -o user= -p $EXP_A) $(ps -o user= -p $EXP_B)" = "nobody nobody"
check "a's exporter listens on $IP_A:$MPORT only" bash -c \
	"[ \"\$(ip netns exec $NS_A ss -Hltn sport = :$MPORT | awk '{print \$4}')\" = $IP_A:$MPORT ]"
check "...and refuses on another address of its node" bash -c \
	"! ip netns exec $NS_A curl -s -m 2 http://127.0.0.1:$MPORT/metrics"
check "without metrics_listen or -l the exporter is off" bash -c \
	"! ip netns exec $NS_B $EXPORTER -f $WORK/b/twin.conf -u nobody 2>&1 | grep -q serving"
check "as root without -u it refuses" bash -c \
	"ip netns exec $NS_B $EXPORTER -f $WORK/b/twin.conf -l 127.0.0.1:9947 2>&1 | grep -q 'does not run as root'"

# --- one scrape, checked by promtool; a's DRBD shows a resync meanwhile
# (b's stays UpToDate, so it can take over below)
check "a is DRBD Primary" wait_for 3 grep -q ro:Primary "$WORK/a/drbd"
proc a SyncSource Primary/Secondary UpToDate/Inconsistent 2048 \
	"	[=======>............] sync'ed: 42.5% (2048/4096)K
	finish: 0:00:12 speed: 1,234 (1,234) K/sec
"
wait_for 3 bash -c "$TWINCTL -s $WORK/a/twind.sock status --raw | grep -q '^drbd.sync_permille=425'"
t0=$(date +%s%N)
scrape $IP_A >"$WORK/page-a.txt"
scrape_ms=$(ms_since "$t0")
scrape $IP_B >"$WORK/page-b.txt"
check "promtool check metrics passes on a's page" bash -c "promtool check metrics <$WORK/page-a.txt"
check "promtool check metrics passes on b's page" bash -c "promtool check metrics <$WORK/page-b.txt"
check "a: twin_up 1" grep -qx 'twin_up 1' "$WORK/page-a.txt"
check "a: role active, state Active" has_all "$WORK/page-a.txt" 'twin_role{role="active"} 1' \
	'twin_node_state{state="Active"} 1'
check "b: role standby" grep -qx 'twin_role{role="standby"} 1' "$WORK/page-b.txt"
check "heartbeat frames accepted on both paths, rtt known" has_all_re "$WORK/page-a.txt" \
	'^twin_heartbeat_frames_total\{path="eth1",result="accepted"\} [1-9]' \
	'^twin_heartbeat_frames_total\{path="eth0",result="accepted"\} [1-9]' '^twin_heartbeat_rtt_seconds\{path="eth1"\} '
check "a's takeover at start is counted under its reason" \
	grep -Eq '^twin_failovers_total\{reason="(election|startup)"\} 1$' "$WORK/page-a.txt"
check "loop, skew, XDP drops and peer age are there" has_all_re "$WORK/page-a.txt" \
	'^twin_loop_iteration_max_seconds 0\.' '^twin_clock_skew_seconds ' \
	'^twin_xdp_dropped_total\{reason="ratelimit"\} ' '^twin_peer_last_seen_seconds 0\.'
check "a's DRBD: Primary, SyncSource, UpToDate, 2 MiB out of sync, 42.5 % resynced" \
	has_all "$WORK/page-a.txt" 'twin_drbd_role{resource="r0",role="Primary"} 1' \
	'twin_drbd_role{resource="r0",role="Secondary"} 0' 'twin_drbd_connection_state{resource="r0",state="SyncSource"} 1' \
	'twin_drbd_connection_state{resource="r0",state="Connected"} 0' 'twin_drbd_disk_state{resource="r0",state="UpToDate"} 1' \
	'twin_drbd_out_of_sync_bytes{resource="r0"} 2097152' 'twin_drbd_resync_progress_ratio{resource="r0"} 0.425'
check "b's DRBD: Secondary, no resync" bash -c "grep -qx 'twin_drbd_role{resource=\"r0\",role=\"Secondary\"} 1' $WORK/page-b.txt &&
	! grep -q '^twin_drbd_resync_progress_ratio' $WORK/page-b.txt"
proc a Connected Primary/Secondary UpToDate/UpToDate
check "GET / points to /metrics, another path is 404, POST is 405" bash -c "
	$(declare -f in_ns scrape); NS_C=$NS_C MPORT=$MPORT
	scrape $IP_A / | grep -q /metrics &&
	[ \"\$(in_ns $NS_C curl -s -o /dev/null -w '%{http_code}' http://$IP_A:$MPORT/x)\" = 404 ] &&
	[ \"\$(in_ns $NS_C curl -s -o /dev/null -w '%{http_code}' -X POST http://$IP_A:$MPORT/metrics)\" = 405 ]"

# --- a real Prometheus server scrapes both nodes every second
mkdir -p "$WORK/prom/data"
cat >"$WORK/prom/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
  evaluation_interval: 1s
scrape_configs:
  - job_name: twin
    static_configs:
      - targets: ['$IP_A:$MPORT', '$IP_B:$MPORT']
EOF
ip netns exec "$NS_C" prometheus --config.file="$WORK/prom/prometheus.yml" \
	--storage.tsdb.path="$WORK/prom/data" --web.listen-address=127.0.0.1:$PROM_PORT \
	--log.level=warn >>"$WORK/prom/prometheus.log" 2>&1 &
disown $!
check "Prometheus scrapes both exporters (twin_up 1 on both)" \
	wait_for 20 up_is "$IP_A:$MPORT $IP_B:$MPORT" 1
check "Prometheus: twin_role active on a" wait_for 5 active_is "$IP_A:$MPORT"

# --- failover: a's twind dies; Prometheus sees the role move to b
t0=$(date +%s%N)
kill -9 "$PID_a"
check "b takes over" wait_for 5 state_is b "$NS_B" Active
b_ms=$(ms_since "$t0")
check "Prometheus: twin_role active on b only" wait_for 10 active_is "$IP_B:$MPORT"
seen_ms=$(ms_since "$t0")
check "Prometheus: DRBD Primary on b only" wait_for 5 bash -c \
	"$(declare -f in_ns prom_query instances); NS_C=$NS_C PROM_PORT=$PROM_PORT
	[ \"\$(instances 'twin_drbd_role{role=\"Primary\"} == 1')\" = '$IP_B:$MPORT ' ]"
check "Prometheus: twin_up 0 for a (twind dead), 1 for b" wait_for 5 bash -c \
	"$(declare -f in_ns prom_query instances up_is); NS_C=$NS_C PROM_PORT=$PROM_PORT
	up_is $IP_A:$MPORT 0 && up_is $IP_B:$MPORT 1"
status_s=$(sed -n 's/^twin_scrape_duration_seconds //p' "$WORK/page-a.txt")
echo "# scrape ${scrape_ms} ms by curl (twind's status ${status_s} s of it);" \
	"failover: b Active after ${b_ms} ms, Prometheus saw it after ${seen_ms} ms"

t0=$(date +%s%N)
scrape $IP_A >"$WORK/page-a-down.txt"
down_ms=$(ms_since "$t0")
check "twind dead: a's exporter still answers, twin_up 0 (${down_ms} ms)" grep -qx 'twin_up 0' "$WORK/page-a-down.txt"
check "...a valid page (promtool)" bash -c "promtool check metrics <$WORK/page-a-down.txt"
scrape $IP_B >"$WORK/page-b-active.txt"
check "b counts its takeover as peer_dead" grep -qx 'twin_failovers_total{reason="peer_dead"} 1' \
	"$WORK/page-b-active.txt"

# --- twind alive but not answering (its loop stalled): the scrape gives up
# after the exporter's 500 ms, it does not hang. One thread serves, so a
# Prometheus scrape may be ahead of it in line: at most twice that.
python3 - "$WORK/b/twind.sock" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"test-stall 1500\n")
s.settimeout(15)
s.recv(100)
PY
wait_for 3 grep -q "test-stall: the loop stops" "$WORK/b/twind.log"
t0=$(date +%s%N)
scrape $IP_B >"$WORK/page-b-stalled.txt"
stall_ms=$(ms_since "$t0")
check "twind stalled: twin_up 0 within ${stall_ms} ms (< 1300)" bash -c \
	"grep -qx 'twin_up 0' $WORK/page-b-stalled.txt && [ $stall_ms -lt 1300 ]"
wait_for 5 bash -c "$(declare -f in_ns scrape); NS_C=$NS_C MPORT=$MPORT; scrape $IP_B | grep -qx 'twin_up 1'"
check "after the stall: twin_up 1, and the loop's longest turn shows it (>= 1.4 s)" bash -c \
	"$(declare -f in_ns scrape); NS_C=$NS_C MPORT=$MPORT
	scrape $IP_B | awk '/^twin_loop_iteration_max_seconds /{exit !(\$2 >= 1.4)}'"

# --- not in the control group: no access to the socket, the page says twin_up 0
kill "$EXP_B"
wait_for 3 bash -c "! kill -0 $EXP_B 2>/dev/null"
ip netns exec "$NS_B" setpriv --reuid=nobody --regid=users --clear-groups \
	"$EXPORTER" -f "$WORK/b/twin.conf" -l $IP_B:$MPORT >>"$WORK/b/exporter.log" 2>&1 &
disown $!
check "an exporter outside the control group: twin_up 0" wait_for 5 bash -c \
	"$(declare -f in_ns scrape); NS_C=$NS_C MPORT=$MPORT; scrape $IP_B | grep -qx 'twin_up 0'"

if [ "$FAIL" -gt 0 ]; then
	dump_logs
	for n in a b; do echo "# --- $n exporter"; sed 's/^/# /' "$WORK/$n/exporter.log"; done
	tail -5 "$WORK/prom/prometheus.log" | sed 's/^/# prometheus: /'
fi
summary metrics
