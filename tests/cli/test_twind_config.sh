#!/usr/bin/env bash
# twind -t refuses every bad configuration with "FILE:LINE: message" and a
# non-zero exit, and accepts the shipped sample; twinctl says clearly when
# the daemon is not running.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
TWIND=${BUILD:-$TOP/build}/twind
TWINCTL=${BUILD:-$TOP/build}/twinctl
W=$(mktemp -d /tmp/twin-cli.XXXXXX)
trap 'rm -rf "$W"' EXIT
PASS=0 FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
not_ok() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }

head -c 32 /dev/urandom >"$W/key"
chmod 600 "$W/key"
base() {
	cat <<EOC
node_name a
node_id 1
peer_id 2
cluster_id 0x7a11
peer_address 10.99.0.2
failover_ip 10.99.0.100/24
key_file $W/key
state_dir $W/state
EOC
}

base >"$W/good.conf"
if out=$("$TWIND" -t -f "$W/good.conf" 2>&1) && grep -q "configuration OK" <<<"$out"; then
	ok "valid config accepted"
else
	not_ok "valid config accepted: $out"
fi

# refused FILE-CONTENT-TRANSFORM EXPECTED-LINE EXPECTED-TEXT
refused() {
	local name=$1 want_line=$2 want=$3 f="$W/$1.conf" out rc
	cat >"$f"
	out=$("$TWIND" -t -f "$f" 2>&1)
	rc=$?
	if [ $rc -ne 0 ] && grep -q "$f:$want_line: " <<<"$out" && grep -qi -- "$want" <<<"$out"; then
		ok "$name refused: $out"
	else
		not_ok "$name: exit $rc, got '$out', want '$f:$want_line: ...$want...'"
	fi
}

refused misses-range 9 "range" < <({ base; echo "heartbeat_misses 1"; })
refused unknown-key 9 "bogus_key" < <({ base; echo "bogus_key 1"; })
refused duplicate 9 "twice" < <({ base; echo "node_id 3"; })
refused no-unit 9 "unit" < <({ base; echo "heartbeat_interval 10"; })
refused bad-ip 9 "10.99.0.300" < <({ base; echo "failover_ip 10.99.0.300/24"; })
refused quote 9 "quote" < <({ base; echo 'health_command "unterminated'; })
refused same-id 3 "peer_id" < <(base | sed 's/^peer_id 2/peer_id 1/')
refused missing-key 0 "node_id" < <(base | grep -v '^node_id')
refused bad-bool 9 "auto_failback" < <({ base; echo "auto_failback maybe"; })
base | sed "s|^key_file .*|key_file $W/nokey|" >"$W/nokey.conf"
out=$("$TWIND" -t -f "$W/nokey.conf" 2>&1) && not_ok "missing key file accepted" ||
	{ grep -q "nokey" <<<"$out" && ok "missing key file refused: $out" || not_ok "missing key file: $out"; }
out=$("$TWIND" -t -f "$W/does-not-exist.conf" 2>&1) && not_ok "missing config accepted" ||
	{ grep -q "does-not-exist.conf" <<<"$out" && ok "missing config file refused: $out" || not_ok "missing config: $out"; }
printf 'node_name a\0b\n' >"$W/nul.conf"
out=$("$TWIND" -t -f "$W/nul.conf" 2>&1) && not_ok "NUL byte accepted" || ok "binary junk refused: $out"

# the shipped sample parses (its key file path is replaced by ours)
sed "s|^key_file .*|key_file $W/key|" "$TOP/rootfs/etc/twin/twin.conf" >"$W/sample.conf"
if out=$("$TWIND" -t -f "$W/sample.conf" 2>&1); then ok "shipped sample config accepted"; else not_ok "sample: $out"; fi

out=$("$TWINCTL" -s "$W/none.sock" status 2>&1)
rc=$?
if [ $rc -eq 3 ] && grep -q "not running" <<<"$out"; then ok "twinctl without daemon: $out"; else not_ok "twinctl without daemon: exit $rc: $out"; fi

echo "cli: $PASS passed, $FAIL failed"
[ $FAIL -eq 0 ]
