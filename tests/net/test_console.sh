#!/usr/bin/env bash
# The console against a real namespace pair: twin-console on a real LCDd
# (Debian's lcdproc, curses driver, inside tmux: keys by send-keys, the
# display read back with capture-pane) and on a terminal (tmux again, as a
# serial line would be). LCD on b: the status, takeover with the PIN and the
# confirmation (No first), LCDd killed and restarted (the panel comes back),
# the panel stopped (SIGSTOP) during a failover (nothing waits on it), and
# on standalone nodes the create wizard with the buttons ending in a wrong
# peer password (the error shown, nothing paired).
# Serial on b: the status, unknown input refused, Ctrl-C back to the menu,
# the admin password asked before an action, a takeover; last the first-boot
# setup with the image's helper (password, name, network applied in b's
# namespace). Root only.
set -u
. "$(dirname "$0")/lib.sh"

CONSOLE=$BUILD/twin-console
for tool in tmux LCDd busybox; do
	command -v $tool >/dev/null || {
		not_ok "$tool is not installed (make deps installs it)"
		summary console
		exit 1
	}
done
TMUX_SOCK=twt-console-$RUN_ID
tm() { tmux -L "$TMUX_SOCK" "$@"; }
LCD_PORT=13666

pair_setup
# the PIN 4321 for the panel (its hash in twin.conf), the panel's keys
pin=$(echo 4321 | "$CONSOLE" --pin-hash)
check "twin-console --pin-hash makes a config line" grep -q '^console_lcd_pin \$pbkdf2-sha256\$' <<<"$pin"
pair_start "$pin" "console_unlock 60s"
check "a Active" wait_for 10 state_is a "$NS_A" Active
check "b Standby" wait_for 10 state_is b "$NS_B" Standby
out=$(echo "serial-console-pw" | ctl b "$NS_B" password set 2>&1)
check "admin password set on b: $out" grep -q "password set" <<<"$out"

cleanup_console() {
	tm kill-server 2>/dev/null
	[ -n "${PANEL_PID:-}" ] && kill -CONT "$PANEL_PID" 2>/dev/null && kill "$PANEL_PID" 2>/dev/null
}
trap 'cleanup_console; cleanup' EXIT

# --- LCDd (curses, 16x2) in a tmux pane in b's namespace; the panel beside it
cat >"$WORK/LCDd.conf" <<EOF
[server]
DriverPath=$(dirname "$(find /usr/lib -name curses.so -path '*lcdproc*' | head -n1)")/
Driver=curses
Bind=127.0.0.1
Port=$LCD_PORT
ReportToSyslog=no
Foreground=yes
ServerScreen=no
Heartbeat=off
WaitTime=5
# the server's own keys away from the panel's (as the board's LCDd.conf)
ToggleRotateKey=F9
PrevScreenKey=F9
NextScreenKey=F9
[menu]
MenuKey=F10
EnterKey=F10
UpKey=F10
DownKey=F10
[curses]
Size=16x2
TopLeftX=0
TopLeftY=0
UseACS=no
DrawBorder=yes
EOF
start_lcdd() {
	tm new-session -d -s lcd -x 40 -y 8 "ip netns exec $NS_B LCDd -f -c $WORK/LCDd.conf 2>$WORK/lcdd.err"
}
start_lcdd
in_ns "$NS_B" "$CONSOLE" -c "$WORK/b/twin.conf" --lcd 127.0.0.1:$LCD_PORT 2>>"$WORK/panel.log" &
PANEL_PID=$!
disown $!
# the display's two rows, between the border's '|'
lcd() { tm capture-pane -p -t lcd 2>/dev/null | sed -n "s/^[x|]\(.\{16\}\)[x|].*/\1/p"; }
lcd_has() { lcd | grep -q -- "$1"; }
key() { tm send-keys -t lcd "$1"; sleep 0.15; }
check "the panel shows b's state on the LCD" wait_for 10 lcd_has "b *Standby"
check "...and who holds the failover IP" lcd_has "IP on a"
lcd | sed 's/^/# LCD: /'

# --- takeover from the panel: PIN, confirmation with No first
key Enter
check "Enter: the menu" wait_for 3 lcd_has ">Cluster"
key Enter
check "Cluster: Takeover offered on the Standby" wait_for 3 lcd_has ">Takeover"
key Enter
check "an action asks for the PIN first" wait_for 3 lcd_has "PIN"
for d in 4 3 2 1; do
	for ((i = 0; i <= d; i++)); do key Up; done # the end mark, then d
	key Right
done
key Enter
check "the PIN opens the confirmation, No selected" wait_for 5 lcd_has "\[No\]"
lcd | sed 's/^/# LCD: /'
key Enter
check "No: back to the menu, nothing done" wait_for 3 lcd_has ">Takeover"
check "...b still Standby" state_is b "$NS_B" Standby
key Enter
wait_for 3 lcd_has "\[No\]"
key Right
check "Right: Yes selected" wait_for 3 lcd_has "\[Yes\]"
key Enter
check "takeover from the panel: b Active" wait_for 10 state_is b "$NS_B" Active
check "...the panel says so" wait_for 5 lcd_has "b is Active"
check "...the failover IP moved to b" has_vip "$NS_B"
out=$(in_ns "$NS_C" "$TOOLS/prober" -t $VIP:$PORT -d 1)
check "...the client is served by b ($out)" grep -q 'last=b' <<<"$out"
# back to the status: Left (curses reads ESCs in quick succession as one)
key Left
key Left
key Left
check "Left three times: the status again" wait_for 5 lcd_has "b *Active\|IP here\|failover IP"

# --- LCDd killed and restarted: the panel reconnects
tm kill-session -t lcd
sleep 1
check "the panel survives LCDd's death" kill -0 $PANEL_PID
start_lcdd
check "...and is back on the display after LCDd restarts" wait_for 30 lcd_has "b *Active"
lcd | sed 's/^/# LCD: /'

# --- LCDd stuck (SIGSTOP): the panel and twind carry on; LCDd back: the display too
lcdd_pid=$(pgrep -f "LCDd -f -c $WORK/LCDd.conf" | head -n1)
kill -STOP "$lcdd_pid"
sleep 3
check "LCDd stopped 3 s: the panel still runs" kill -0 $PANEL_PID
check "...and twind still answers" ctl b "$NS_B" status --raw >/dev/null
kill -CONT "$lcdd_pid"
check "...LCDd continued: the display follows again" wait_for 30 lcd_has "b *Active"

# --- a hostile "LCDd": nonsense sizes, an endless line, binary: the panel
# refuses it, reconnects, never crashes
cat >"$WORK/junk_lcdd.py" <<'EOP'
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(4)
end = time.time() + 8
while time.time() < end:
    s.settimeout(end - time.time())
    try:
        c, _ = s.accept()
    except OSError:
        break
    c.recv(100)
    for junk in (b"connect LCDproc 0.5.9 protocol 0.3 lcd wid 99999 hgt -1\n", b"key \n",
                 b"huh? " + b"\x00\xff\x1b[2J" * 50 + b"\n", b"key " + b"U" * 5000 + b"\n",
                 b"x" * 70000):
        try:
            c.sendall(junk)
        except OSError:
            break
    c.close()
EOP
in_ns "$NS_B" python3 "$WORK/junk_lcdd.py" 13777 &
junk=$!
sleep 0.5
in_ns "$NS_B" "$CONSOLE" -c "$WORK/b/twin.conf" --lcd 127.0.0.1:13777 2>"$WORK/panel-junk.log" &
junk_panel=$!
sleep 6
check "a hostile LCDd: the panel still runs after 6 s of it" kill -0 $junk_panel
check "...refusing what it sent ($(grep -c reconnecting "$WORK/panel-junk.log") reconnects)" \
	grep -q "line too long\|unexpected" "$WORK/panel-junk.log"
kill $junk_panel 2>/dev/null
wait $junk 2>/dev/null

# --- the panel stopped: a failover does not wait for it
kill -STOP $PANEL_PID
links "$NS_B" down
check "panel SIGSTOPped, b's links cut: a takes over" wait_for 5 state_is a "$NS_A" Active
links "$NS_B" up
kill -CONT $PANEL_PID
check "...the panel, continued, shows b's new state" wait_for 30 lcd_has "b *Inactive\|b *Idle"
check "b back Idle (its LAN was down)" wait_for 10 state_is b "$NS_B" Idle
ctl b "$NS_B" restore >/dev/null 2>&1
check "...restored: Standby" wait_for 5 state_is b "$NS_B" Standby

# --- the serial console on b (a tmux pane for the serial line)
tm new-session -d -s ser -x 80 -y 24 "ip netns exec $NS_B $CONSOLE -c $WORK/b/twin.conf --shell"
scr() { tm capture-pane -p -t ser 2>/dev/null; }
scr_has() { scr | grep -q -- "$1"; }
type_line() { tm send-keys -t ser -l "$1"; tm send-keys -t ser Enter; sleep 0.3; }
check "serial: the status table at the top" wait_for 10 scr_has "b (2) *standby *Standby"
check "...and the menu" wait_for 5 scr_has "1) Cluster"
type_line "rm -rf /tmp/x; sh"
check "unknown input refused, never run" wait_for 3 scr_has "'rm -rf /tmp/x; sh' is not a choice here"
type_line "1"
check "1: the cluster menu" wait_for 3 scr_has "Cluster"
tm send-keys -t ser C-c
sleep 0.3
check "Ctrl-C: back to the main menu" wait_for 3 scr_has "1) Cluster"
check "...the console still runs (no shell)" bash -c "tm() { tmux -L $TMUX_SOCK \"\$@\"; }; \
	tm list-panes -t ser -F '#{pane_current_command}' | grep -q twin-console"
scr | sed -n '1,8p' | sed 's/^/# serial: /'
type_line "1"
type_line "Takeover (make this node Active)"
check "a name is not a number: refused" wait_for 3 scr_has "is not a choice here"
n=$(scr | sed -n 's/^. \([0-9]\)) Takeover.*/\1/p' | head -n1)
type_line "${n:-9}"
check "the admin password is asked first" wait_for 3 scr_has "Admin password"
type_line "not-the-password"
check "...a wrong one is refused" wait_for 5 scr_has "Wrong password"
type_line ""
type_line "1"
n=$(scr | sed -n 's/^. \([0-9]\)) Takeover.*/\1/p' | head -n1)
type_line "${n:-9}"
type_line "serial-console-pw"
check "the right one: the confirmation" wait_for 5 scr_has "Make b Active?"
check "...typed, not echoed" bash -c "! (tmux -L $TMUX_SOCK capture-pane -p -t ser | grep -q serial-console-pw)"
type_line "2"
check "takeover from the serial console: b Active" wait_for 10 state_is b "$NS_B" Active
check "...the console says so" wait_for 5 scr_has "b is Active"

# --- cluster create from the panel with a wrong peer password: the error shown
tm kill-session -t ser
stop_node() { local pid; pid=$(eval echo "\$PID_$1"); kill "$pid" 2>/dev/null; wait_for 5 bash -c "! kill -0 $pid 2>/dev/null"; }
stop_node a
stop_node b
for n in a b; do
	rm -f "$WORK/$n/state/cluster.state"
	cat >"$WORK/$n/twin.conf" <<EOC
node_name $n
priority $([ $n = a ] && echo 150 || echo 100)
hb_interface eth1
lan_interface eth0
heartbeat_interval $HB_INTERVAL
heartbeat_misses $HB_MISSES
startup_wait 2s
state_dir $WORK/$n/state
control_socket $WORK/$n/twind.sock
$pin
EOC
done
start_node a "$NS_A"
start_node b "$NS_B"
check "both standalone again" wait_for 10 bash -c "$(declare -f status_get ctl in_ns state_is); \
	WORK=$WORK TWINCTL=$TWINCTL; state_is a $NS_A Standalone && state_is b $NS_B Standalone"
echo "right-horse-battery" | ctl a "$NS_A" password set >/dev/null 2>&1
# an address with the buttons: each digit Up that many times (9: one Down), Right
digits() {
	local d
	for d in $(echo "$1" | tr -d './' | sed 's/./& /g'); do
		if [ "$d" = 9 ]; then key Down; else for ((i = 0; i < d; i++)); do key Up; done; fi
		key Right
	done
}
check "the status again" wait_for 30 lcd_has "b *Standalone"
key Enter
key Enter
check "standalone: Create cluster offered" wait_for 3 lcd_has ">Create cluster"
key Enter
if wait_for 2 lcd_has "PIN"; then
	for d in 4 3 2 1; do
		for ((i = 0; i <= d; i++)); do key Up; done
		key Right
	done
	key Enter
fi
check "the wizard asks for the peer's IP" wait_for 5 lcd_has "Peer IP"
digits 010.099.000.001
key Enter
check "...then the failover IP and prefix" wait_for 3 lcd_has "Failover IP"
digits 010.099.000.100 # the prefix shows /24 already: over it, done
key Right
key Enter
check "...then shows the peer's key, No selected" wait_for 10 lcd_has "\[No\]"
key Right
key Enter
check "...then asks for the peer's password" wait_for 3 lcd_has "Peer's password"
for c in 1 2; do # "xx": from the end mark Down gives '~', six more 'x'
	for ((i = 0; i < 7; i++)); do key Down; done
	key Right
done
key Enter
check "a wrong password: the panel says so" wait_for 15 lcd_has "Not paired"
check "...with the peer's reason" wait_for 10 bash -c "tmux -L $TMUX_SOCK capture-pane -p -t lcd | grep -qi 'wrong\|refused\|password'"
lcd | sed 's/^/# LCD: /'
check "...and nothing was paired" [ "$(status_get b "$NS_B" cluster.mode)" = standalone ]

# --- the first-boot setup on b's serial console: the image's real helper
# (rootfs/usr/lib/twin/setup) in b's namespace (its own UTS namespace for the
# host name), its files in $WORK: password, name, eth0, gateway, DNS, eth1
rm -f "$WORK/b/state/admin.passwd"
printf 'root:*:0:0:99999:7:::\n' >"$WORK/shadow"
mkdir -p "$WORK/bin"
ln -sf "$(command -v busybox)" "$WORK/bin/mkpasswd"
ln -sf "$CONSOLE" "$WORK/bin/twin-console"
tm new-session -d -s setup -x 80 -y 24 "ip netns exec $NS_B unshare -u env TWIN_LIB=$TOP/rootfs/usr/lib/twin \
	TWIN_ETC=$WORK/b TWIN_SHADOW=$WORK/shadow TWIN_RUN=$WORK/setup-run TWIN_SETUP_SERVICES=no TWIN_PATH=$WORK/bin \
	$CONSOLE -c $WORK/b/twin.conf --shell --helpers $TOP/rootfs/usr/lib/twin"
sup() { tm capture-pane -p -t setup 2>/dev/null; }
sup_has() { sup | grep -q -- "$1"; }
sline() { tm send-keys -t setup -l "$1"; tm send-keys -t setup Enter; sleep 0.3; }
check "first boot: the menu offers the setup" wait_for 10 sup_has "1) First-boot setup (password, network)"
sline 1
check "...the password first" wait_for 3 sup_has "New password"
sline "new-admin-pw-1"
sline "new-admin-pw-1"
check "...then the host name" wait_for 3 sup_has "Host name"
sline "twin-b2"
sline "10.99.0.322/24"
check "...a bad eth0 address refused" wait_for 3 sup_has "322 is not an address byte"
sline "10.99.0.22/24"
sline "10.99.0.10"
sline "10.99.0.53"
check "...the heartbeat network (default shown)" wait_for 3 sup_has "192.168.250.000"
sline "192.168.251.0"
sline ""
check "...all of it for a Yes, No first" wait_for 3 bash -c "tmux -L $TMUX_SOCK capture-pane -p -t setup | grep -q 'twin-b2 eth0 10.99.0.22/24' && tmux -L $TMUX_SOCK capture-pane -p -t setup | grep -q '> 1) No'"
sline 2
check "applied: the live host name and address said" wait_for 15 sup_has "twin-b2 10.99.0.22/24"
sup | sed -n '3,9p' | sed 's/^/# setup: /'
check "system.conf written" bash -c "grep -qx 'hostname twin-b2' $WORK/b/system.conf && grep -qx 'lan_address 10.99.0.22/24' $WORK/b/system.conf && grep -qx 'gateway 10.99.0.10' $WORK/b/system.conf && grep -qx 'dns 10.99.0.53' $WORK/b/system.conf && grep -qx 'hb_network 192.168.251' $WORK/b/system.conf"
check "eth0 has the new address, the old one kept" bash -c "ip -n $NS_B -4 addr show eth0 | grep -q 'inet 10.99.0.22/24' && ip -n $NS_B -4 addr show eth0 | grep -q 'inet $IP_B/24'"
check "the default route via the gateway" bash -c "ip -n $NS_B route | grep -q 'default via 10.99.0.10 dev eth0'"
check "resolv.conf names the DNS server" grep -qx "nameserver 10.99.0.53" "$WORK/setup-run/resolv.conf"
check "root's password hashed (SHA-512 crypt)" grep -q '^root:\$6\$' "$WORK/shadow"
pw_set() { [ "$(status_get b "$NS_B" cluster.password_set)" = true ]; }
check "twind sees the admin password set" wait_for 5 pw_set
check "twin.conf's node name follows the host name" grep -qx "node_name twin-b2" "$WORK/b/twin.conf"
sline ""
check "...the setup no longer offered" wait_for 5 bash -c "! (tmux -L $TMUX_SOCK capture-pane -p -t setup | grep -q 'First-boot setup')"
n=$(sup | sed -n 's/^. \([0-9]\)) System.*/\1/p' | head -n1)
sline "${n:-9}"
n=$(sup | sed -n 's/^. \([0-9]\)) Network settings.*/\1/p' | head -n1)
sline "${n:-9}"
check "System > Network asks the admin password" wait_for 3 sup_has "Admin password"
sline "new-admin-pw-1"
check "...the new one opens it, the values filled in" wait_for 5 bash -c "tmux -L $TMUX_SOCK capture-pane -p -t setup | grep -A1 '^Host name' | grep -q twin-b2"
tm send-keys -t setup C-c
tm kill-session -t setup

# --- a dropped line (the terminal hangs up): the console ends, it leaves no
# shell behind (init starts the menu again on the line)
tm new-session -d -s hup -x 80 -y 24 "ip netns exec $NS_B $CONSOLE -s $WORK/b/twind.sock -c $WORK/b/twin.conf --shell"
hup_running() { pgrep -f -- "-s $WORK/b/twind.sock -c $WORK/b/twin.conf --shell" >/dev/null; }
check "hang-up: the console runs" wait_for 5 hup_running
tm kill-session -t hup # SIGHUP to the pane's processes
hup_gone() { ! hup_running; }
check "...and ends on the hang-up" wait_for 3 hup_gone

[ "$FAIL" -gt 0 ] && { dump_logs; tail -n 20 "$WORK/panel.log" | sed 's/^/# panel: /'; scr | sed 's/^/# serial: /'; }
summary console
