#!/usr/bin/env bash
# twin-bundle makes signed update bundles; twinctl update installs a good
# one into the inactive slot and switches the boot order, and refuses every
# bad one (signature, other key, board, truncated, corrupted payload, older
# or same version, trailing junk, running slot unconfirmed) with a clear
# message, leaving the slot and the boot order untouched. The slots are
# files and bootctl is a stand-in that records what it was asked.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
B=${BUILD:-$TOP/build}
TWINCTL=$B/twinctl
BUNDLE=$B/twin-bundle
W=$(mktemp -d /tmp/twin-upd.XXXXXX)
trap 'rm -rf "$W"' EXIT
PASS=0 FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
not_ok() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }

# the system: version 0.2.0 on board qemu-x86_64, running slot A
printf 'TWIN_VERSION=0.2.0\nTWIN_BOARD=qemu-x86_64\nKERNEL=6.1.0-x\n' >"$W/release"
cat >"$W/bootctl" <<'EOF'
#!/bin/sh
d=$(dirname "$0")
case $1 in
status) cat "$d/status" ;;
device) echo "$d/slot-$2" ;;
try) echo "$2" >"$d/tried" ;;
*) exit 2 ;;
esac
EOF
chmod +x "$W/bootctl"
set_status() { printf 'running slot: %s\nboot order: %s %s\nslot A: %s\nslot B: %s\n' "$1" "$1" "$2" "$3" "$4" >"$W/status"; }
reset() {
	set_status A B ok ok
	head -c $((8 * 1024 * 1024)) /dev/zero | tr '\000' 'o' >"$W/slot-B"
	cp "$W/slot-B" "$W/slot-A"
	rm -f "$W/tried"
}
export TWIN_RELEASE=$W/release TWIN_BOOTCTL=$W/bootctl TWIN_UPDATE_PUBKEY=$W/key.pub

"$BUNDLE" keygen "$W/key.pem" "$W/key.pub" && "$BUNDLE" keygen "$W/other.pem" "$W/other.pub" ||
	{ not_ok "keygen"; echo "update: $PASS passed, $FAIL failed"; exit 1; }
[ "$(stat -c %a "$W/key.pem")" = 600 ] && ok "keygen: private key mode 600" || not_ok "private key mode $(stat -c %a "$W/key.pem")"
head -c $((3 * 1024 * 1024 + 123)) /dev/urandom >"$W/payload"
mk() { # mk NAME VERSION [BOARD] [KEY]
	"$BUNDLE" create -k "${4:-$W/key.pem}" -b "${3:-qemu-x86_64}" -V "$2" -K 6.1.0-x "$W/payload" "$W/$1" >/dev/null
}
mk good 0.2.1
mk good2 0.2.1
cmp -s "$W/good" "$W/good2" && ok "bundles are reproducible (deterministic ECDSA)" || not_ok "same input, different bundle bytes"
"$BUNDLE" verify -p "$W/key.pub" "$W/good" >/dev/null && ok "twin-bundle verify accepts its own bundle" ||
	not_ok "twin-bundle verify"

# refused NAME BUNDLE WANT: exit 1, message contains WANT, nothing changed
refused() {
	local name=$1 f=$2 want=$3 out rc
	reset
	out=$("$TWINCTL" update "$f" 2>&1)
	rc=$?
	if [ $rc -eq 1 ] && grep -qi -- "$want" <<<"$out" && grep -q "Nothing was changed" <<<"$out" &&
		[ ! -e "$W/tried" ] && cmp -s "$W/slot-A" "$W/slot-B" &&
		[ "$(head -c 1 "$W/slot-B")" = o ]; then
		ok "$name refused: $(head -n1 <<<"$out")"
	else
		not_ok "$name: exit $rc, tried '$(cat "$W/tried" 2>/dev/null)', out: $out"
	fi
}

cp "$W/good" "$W/badsig"
printf '9' | dd of="$W/badsig" bs=1 seek=40 conv=notrunc status=none # inside "version 0.2.1"
refused "altered header" "$W/badsig" "bad signature"
mk otherkey 0.2.1 qemu-x86_64 "$W/other.pem"
refused "signed by another key" "$W/otherkey" "signed with key"
mk wrongboard 0.2.1 x86_64-appliance
refused "wrong board" "$W/wrongboard" "wrong board: the bundle is for x86_64-appliance"
head -c $(($(stat -c %s "$W/good") - 5000)) "$W/good" >"$W/truncated"
refused "truncated payload" "$W/truncated" "truncated"
head -c 2000 "$W/good" >"$W/stub"
refused "truncated header" "$W/stub" "not even a bundle header"
cp "$W/good" "$W/corrupt"
printf 'X' | dd of="$W/corrupt" bs=1 seek=$((4096 + 1000000)) conv=notrunc status=none
refused "corrupted payload" "$W/corrupt" "payload corrupted"
mk older 0.1.9
refused "older version" "$W/older" "older than the running 0.2.0"
mk same 0.2.0
refused "same version without --force" "$W/same" "already running"
{ cat "$W/good"; printf 'junk'; } >"$W/trailing"
refused "trailing bytes" "$W/trailing" "after the payload"
printf 'hello\n' >"$W/text"
refused "not a bundle" "$W/text" "not even a bundle header"
head -c 8192 /dev/urandom >"$W/random"
refused "random bytes" "$W/random" "not a Twin update bundle"
reset
set_status B A 0 2
out=$("$TWINCTL" update "$W/good" 2>&1)
[ $? -eq 1 ] && grep -q "not confirmed yet" <<<"$out" && [ ! -e "$W/tried" ] &&
	ok "refused while the running slot is on trial: $(head -n1 <<<"$out")" || not_ok "trial slot: $out"
reset
printf 'running slot: A\n' >"$W/status"
out=$("$TWINCTL" update "$W/good" 2>&1)
[ $? -eq 1 ] && grep -q "not confirmed yet (boot in progress: ?)" <<<"$out" && [ ! -e "$W/tried" ] &&
	ok "refused when bootctl does not say how the running slot is" || not_ok "no slot lines: $out"
reset
mv "$W/key.pub" "$W/key.pub.away"
out=$("$TWINCTL" update "$W/good" 2>&1)
[ $? -eq 1 ] && grep -q "no trusted update key" <<<"$out" && ok "no public key: refused" || not_ok "no key: $out"
mv "$W/key.pub.away" "$W/key.pub"

# dry run: checks everything, writes nothing
reset
out=$("$TWINCTL" update --dry-run "$W/good" 2>&1)
[ $? -eq 0 ] && grep -q "dry run" <<<"$out" && [ ! -e "$W/tried" ] && cmp -s "$W/slot-A" "$W/slot-B" &&
	ok "--dry-run: bundle OK, nothing written" || not_ok "dry run: $out"

# the good bundle: written to slot B (running A), slot A untouched, try B
reset
out=$("$TWINCTL" update "$W/good" 2>&1)
rc=$?
if [ $rc -eq 0 ] && [ "$(cat "$W/tried" 2>/dev/null)" = B ] && cmp -s -n "$(stat -c %s "$W/payload")" "$W/payload" "$W/slot-B" &&
	[ "$(tr -d o <"$W/slot-A" | wc -c)" = 0 ]; then
	ok "good bundle: payload in slot B, slot A untouched, bootctl try B"
else
	not_ok "good bundle: exit $rc, tried '$(cat "$W/tried" 2>/dev/null)', out: $out"
fi
# running B: the bundle goes to A
reset
set_status B A ok ok
"$TWINCTL" update "$W/good" >/dev/null 2>&1 && [ "$(cat "$W/tried" 2>/dev/null)" = A ] &&
	cmp -s -n "$(stat -c %s "$W/payload")" "$W/payload" "$W/slot-A" && ok "running slot B: written to slot A" ||
	not_ok "running B: tried '$(cat "$W/tried" 2>/dev/null)'"
reset
"$TWINCTL" update --force "$W/same" >/dev/null 2>&1 && [ "$(cat "$W/tried" 2>/dev/null)" = B ] &&
	ok "same version with --force: reinstalled" || not_ok "--force reinstall"
# a slot too small for the payload
reset
truncate -s 1M "$W/slot-B"
out=$("$TWINCTL" update "$W/good" 2>&1)
[ $? -eq 1 ] && grep -q "does not fit" <<<"$out" && [ ! -e "$W/tried" ] && ok "payload larger than the slot: refused" ||
	not_ok "small slot: $out"
out=$("$TWINCTL" update 2>&1)
[ $? -eq 2 ] && ok "no FILE: usage error" || not_ok "no FILE: $out"
out=$("$TWINCTL" update "$W/nonexistent" 2>&1)
[ $? -eq 1 ] && grep -q "No such file" <<<"$out" && ok "missing file: clear error" || not_ok "missing file: $out"

echo "update: $PASS passed, $FAIL failed"
[ $FAIL -eq 0 ]
