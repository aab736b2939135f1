#!/bin/bash
# test_kmod.sh: kmod/ builds against the linux-headers of the image's kernel
# (firmware/build-kmod.sh) and gives a module the image can load.
#
#   tests/firmware/test_kmod.sh [BUILD_DIR]     (default: $BUILD, else build)
#
# Needs the host packages of firmware/host-deps.sh and apt access (the
# headers are downloaded into BUILD_DIR/dl once). Loading the module is
# the qemu system tests' part: this host cannot load modules.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(realpath -m "${1:-${BUILD:-$TOP/build}}")
DL=${DL:-$BUILD/dl}
OUT=${KMOD_OUT:-$BUILD/kmod}
KO=$OUT/twin_hb.ko
pass=0 fail=0
ok() { echo "ok - $*"; pass=$((pass + 1)); }
not_ok() { echo "not ok - $*"; fail=$((fail + 1)); }
check() { # check DESCRIPTION command...
	local d=$1
	shift
	if "$@"; then ok "$d"; else not_ok "$d"; fi
}
finish() {
	echo "kmod: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
}

# modinfo -F FIELD, or the same read straight from .modinfo without kmod
ko_info() {
	if command -v modinfo >/dev/null 2>&1; then
		modinfo -F "$2" "$1"
	else
		objcopy -O binary -j .modinfo "$1" /dev/stdout 2>/dev/null | tr '\0' '\n' | sed -n "s/^$2=//p"
	fi
}

build() {
	"$TOP/firmware/build-kmod.sh" "$BUILD" >"$BUILD/kmod-test.log" 2>&1
}

mkdir -p "$BUILD"
# a module left by an earlier build must not stand in for this one
rm -f "$KO"
t0=$(date +%s%N)
# rc is taken right after each build: after an `if` whose branch did not
# run, $? is 0 whatever the build did
build
rc=$?
if [ "$rc" -ne 0 ] && grep -q 'apt-get download' "$BUILD/kmod-test.log" && [ "$(id -u)" = 0 ]; then
	# a fresh machine: no package lists yet
	echo "# apt-get download failed: apt-get update, then again"
	apt-get update -q >/dev/null 2>&1
	build
	rc=$?
fi
t1=$(date +%s%N)
sed 's/^/# /' "$BUILD/kmod-test.log"
check "build-kmod.sh $BUILD ($(((t1 - t0) / 1000000)) ms)" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || finish
check "twin_hb.ko built" [ -s "$KO" ]
[ -s "$KO" ] || finish

# the image's kernel, read here the way build-image.sh reads it
meta=$(find "$DL" -maxdepth 1 -name 'linux-image-amd64_*.deb' | sort | tail -n1)
kver=$(dpkg-deb -f "$meta" Depends | tr ',' '\n' | sed -n 's/^ *linux-image-\([^ ]*\).*/\1/p' | head -n1)
vermagic=$(ko_info "$KO" vermagic)
check "vermagic '$vermagic' is the image's kernel $kver" [ -n "$kver" -a "${vermagic%% *}" = "$kver" ]
for m in "$BUILD"/image/*/manifest.txt; do
	[ -e "$m" ] || continue
	img=$(sed -n 's/^kernel //p' "$m")
	check "image $(basename "$(dirname "$m")") has kernel $img = module's" [ "$img" = "${vermagic%% *}" ]
done
check "modinfo name twin_hb" [ "$(ko_info "$KO" name)" = twin_hb ]
check "modinfo license GPL" [ "$(ko_info "$KO" license)" = GPL ]
check "modinfo description and version" [ -n "$(ko_info "$KO" description)" -a -n "$(ko_info "$KO" version)" ]
check "genl family name 'twin_hb' in the module" \
	bash -c "strings -a '$KO' | grep -qx twin_hb && strings -a '$KO' | grep -q 'net-pf-16-proto-16-family-twin_hb'"
check "imports genl_register_family, hrtimer_resolution" \
	bash -c "nm -u '$KO' | grep -qw genl_register_family && nm -u '$KO' | grep -qw hrtimer_resolution"
check "debug info stripped" bash -c "! readelf -S '$KO' | grep -q '\.debug_'"
# signed by the build key: the module ends in the kernel's signature magic,
# and its PKCS#7 signature verifies against the certificate shipped
check "signed (\"~Module signature appended~\" at the end)" \
	bash -c "tail -c 28 '$KO' | grep -aq '~Module signature appended~'"
check "certificate signing_key.x509 next to the module: $(openssl x509 -inform DER -in "$OUT/signing_key.x509" -noout -subject 2>/dev/null)" \
	bash -c "openssl x509 -inform DER -in '$OUT/signing_key.x509' -noout -subject | grep -q 'Twin kernel module signing key'"
check "kmod/ source tree left clean" \
	bash -c "[ -z \"\$(cd '$TOP/kmod' && find . -name '*.o' -o -name '*.ko' -o -name '*.mod*' -o -name '.*.cmd' -o -name modules.order)\" ]"

# checkpatch.pl of the image kernel's own source (linux-source-X.Y, cached
# in the download dir with the other packages), kernel style, no tree
checkpatch() {
	local kx=${kver%%-*} ver deb dir=$BUILD/kmod.work/checkpatch
	kx=$(echo "$kx" | cut -d. -f1,2)
	[ -x "$dir/checkpatch.pl" ] && { echo "$dir/checkpatch.pl"; return; }
	ver=$(dpkg-deb -f "$meta" Depends | tr ',' '\n' | sed -n 's/^ *linux-image-[^ ]* (= \(.*\))/\1/p' | head -n1)
	deb=$(find "$DL" -maxdepth 1 -name "linux-source-${kx}_${ver}_all.deb" | head -n1)
	if [ -z "$deb" ]; then
		(cd "$DL" && apt-get download -q "linux-source-$kx=$ver" >/dev/null 2>&1) || return 1
		deb=$(find "$DL" -maxdepth 1 -name "linux-source-${kx}_${ver}_all.deb" | head -n1)
	fi
	[ -n "$deb" ] || return 1
	mkdir -p "$dir" && dpkg-deb --fsys-tarfile "$deb" | tar -xO --wildcards '*/linux-source-*.tar.xz' |
		tar -xJ -C "$dir" --strip-components=2 --wildcards '*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
			'*/scripts/const_structs.checkpatch' || return 1
	echo "$dir/checkpatch.pl"
}
if cp=$(checkpatch); then
	out=$(cd "$TOP/kmod" && perl "$cp" --no-tree -q -f ./*.c ./*.h Kbuild Makefile 2>&1)
	[ -n "$out" ] && sed 's/^/# /' <<<"$out"
	check "checkpatch.pl (linux-source $kver) clean on kmod/" [ -z "$out" ]
else
	check "checkpatch.pl from linux-source for $kver (apt-get download failed)" false
fi
check "imports hrtimer_start_range_ns, dev_direct_xmit's __dev_direct_xmit, nf_register_net_hooks" \
	bash -c "nm -u '$KO' | grep -qw hrtimer_start_range_ns && nm -u '$KO' | grep -qw __dev_direct_xmit && nm -u '$KO' | grep -qw nf_register_net_hooks"

# rerun: cached, same bytes
sum1=$(sha256sum "$KO" | cut -d' ' -f1)
t0=$(date +%s%N)
build
rc=$?
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
dl=$(grep -c 'download' "$BUILD/kmod-test.log")
check "rerun succeeds in $ms ms (< 10 s, nothing downloaded)" [ "$rc" -eq 0 -a "$ms" -lt 10000 -a "$dl" -eq 0 ]
check "rerun gives the same bytes" [ "$(sha256sum "$KO" | cut -d' ' -f1)" = "$sum1" ]
finish
