#!/bin/bash
# build-kmod.sh: the kernel modules of kmod/, built against Debian's
# linux-headers for exactly the kernel the image boots. Offline except for
# `apt-get download`; nothing is installed on the host.
#
#   firmware/build-kmod.sh BUILD_DIR
#
# In:  kmod/ (Kbuild, *.c, *.h); the image's kernel is the one
#      linux-image-amd64 in $DL names, as in build-image.sh (DL shared with
#      it, default BUILD_DIR/dl).
# Out: BUILD_DIR/kmod/*.ko   debug info stripped, signed; build-image.sh installs
#      them into /lib/modules/KVER/extra/ and S05modules loads them.
#      BUILD_DIR/kmod.work/  headers root, build copy of the sources,
#      packages.txt (cache: a rerun with nothing changed rebuilds nothing).
# Reproducible: same sources and packages -> same .ko bytes, whatever
# BUILD_DIR is (file-prefix-map; kbuild puts no time or host in a module).
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/firmware/lib/common.sh"
. "$TOP/firmware/lib/debs.sh"

BUILD=$(realpath -m "${1:?usage: build-kmod.sh BUILD_DIR}")
OUT=${KMOD_OUT:-$BUILD/kmod}
WORK=$BUILD/kmod.work
DL=${DL:-$BUILD/dl}
HROOT=$WORK/headers
MANIFEST=$WORK/packages.txt
SRC=$WORK/src

need_tools apt-get dpkg-deb make gcc-12 objcopy strip openssl
[ -f "$TOP/kmod/Kbuild" ] || die "kmod/Kbuild missing"
mkdir -p "$OUT" "$WORK" "$DL"
T0=$(date +%s)

# ko_info KO FIELD: a .modinfo field of a module (what modinfo -F prints).
ko_info() {
	objcopy -O binary -j .modinfo "$1" /dev/stdout 2>/dev/null | tr '\0' '\n' | sed -n "s/^$2=//p"
}

# deb_pinned PKG VERSION: the cached .deb of exactly that version,
# downloading it if needed.
deb_pinned() {
	local pkg=$1 ver=$2 f
	f="$DL/${pkg}_${ver//:/%3a}_$(dpkg-deb -f "$KMETA" Architecture).deb"
	[ -e "$f" ] || f="$DL/${pkg}_${ver//:/%3a}_all.deb"
	if [ ! -e "$f" ]; then
		log "download $pkg $ver"
		(cd "$DL" && apt-get download -q "$pkg=$ver" >/dev/null 2>&1) ||
			die "apt-get download $pkg=$ver failed (run apt-get update? if the archive dropped this kernel, delete $DL/linux-image-amd64_*.deb and rebuild the image too)"
		f=$(find "$DL" -maxdepth 1 -name "${pkg}_${ver//:/%3a}_*.deb" | head -n1)
	fi
	[ -n "$f" ] && [ -e "$f" ] || die "no .deb for $pkg $ver in $DL"
	echo "$f"
}

# ---- the image's kernel: linux-image-amd64 -> linux-image-KVER (= VERSION) ----
KMETA=$(deb_file linux-image-amd64)
kimg=$(deb_depends "$KMETA" | grep '^linux-image-' | head -n1)
[ -n "$kimg" ] || die "linux-image-amd64 names no versioned kernel"
KVER=${kimg#linux-image-}
KPKGVER=$(dpkg-deb -f "$KMETA" Depends | tr ',' '\n' | sed -n "s/^ *$kimg (= \(.*\))/\1/p" | head -n1)
[ -n "$KPKGVER" ] || KPKGVER=$(dpkg-deb -f "$KMETA" Version)
log "kmod: kernel $KVER ($KPKGVER)"

# ---- headers root: linux-headers-KVER + its -common + linux-kbuild-X.Y ----
KDIR=$HROOT/usr/src/linux-headers-$KVER
if [ "$(cat "$WORK/headers.stamp" 2>/dev/null)" != "$KVER $KPKGVER" ] || [ ! -f "$KDIR/Makefile" ]; then
	rm -rf "$HROOT" "$WORK/headers.stamp" "$SRC"
	mkdir -p "$HROOT"
	: >"$MANIFEST"
	hdeb=$(deb_pinned "linux-headers-$KVER" "$KPKGVER")
	pkgs="linux-headers-$KVER $(deb_depends "$hdeb" | grep -E '^linux-(headers-.*-common|kbuild-)' | sort -u)"
	for p in $pkgs; do
		f=$(deb_pinned "$p" "$KPKGVER")
		dpkg -x "$f" "$HROOT"
		printf '%s %s\n' "$p" "$(dpkg-deb -f "$f" Version)" >>"$MANIFEST"
	done
	# The packages expect to live in /: make their absolute symlinks
	# (lib/modules/KVER/build, ...) and the flavour Makefile's include of
	# the -common Makefile point inside the headers root.
	find "$HROOT" -type l | while read -r l; do
		t=$(readlink "$l")
		case $t in
		/*) ln -sfn "$(realpath -m --relative-to="$(dirname "$l")" "$HROOT$t")" "$l" ;;
		esac
	done
	sed -i "s|^include /|include $HROOT/|" "$KDIR/Makefile"
	[ -f "$KDIR/.config" ] && [ -x "$KDIR/scripts/mod/modpost" ] ||
		die "headers root incomplete: $KDIR (packages: $pkgs)"
	echo "$KVER $KPKGVER" >"$WORK/headers.stamp"
fi

# ---- sources: a copy, so kbuild's outputs never land in kmod/ ----
# Only changed files are copied (mtimes kept), so make rebuilds only what changed.
mkdir -p "$SRC"
for f in $(cd "$TOP/kmod" && find . -maxdepth 1 -type f \( -name '*.c' -o -name '*.h' -o -name Kbuild -o -name Makefile \) \
	! -name '*.mod.c' | sort); do
	cmp -s "$TOP/kmod/$f" "$SRC/$f" || cp "$TOP/kmod/$f" "$SRC/$f"
done
for f in $(cd "$SRC" && find . -maxdepth 1 -type f \( -name '*.c' -o -name '*.h' \) ! -name '*.mod.c'); do
	[ -e "$TOP/kmod/$f" ] || rm -f "$SRC/$f" "$SRC/${f%.*}.o"
done

# ---- build ----
# file-prefix-map: no build path in the objects (debug info is stripped
# from the .ko, but the build-id is computed before), so the bytes do not
# depend on BUILD_DIR.
log "kmod: make -C $KDIR M=$SRC"
make -s -C "$KDIR" M="$SRC" \
	KCFLAGS="-ffile-prefix-map=$SRC/=kmod/ -ffile-prefix-map=$HROOT/=/" \
	KBUILD_BUILD_TIMESTAMP="@$SOURCE_DATE_EPOCH" KBUILD_BUILD_USER=twin KBUILD_BUILD_HOST=twin \
	-j"$(nproc)" modules >"$WORK/make.log" 2>&1 || {
	cat "$WORK/make.log" >&2
	die "kmod build failed (log: $WORK/make.log)"
}
grep -v 'Skipping BTF generation' "$WORK/make.log" >&2 || true

# ---- the signing key: KMOD_SIGN_KEY (PEM: private key and certificate),
# else one made for this build tree and kept (docs/BEACON.md "Signing") ----
KEY=${KMOD_SIGN_KEY:-$WORK/signing_key.pem}
if [ ! -s "$KEY" ]; then
	[ -z "${KMOD_SIGN_KEY:-}" ] || die "KMOD_SIGN_KEY $KMOD_SIGN_KEY: no such key"
	log "kmod: making the module signing key $KEY"
	openssl req -new -nodes -utf8 -sha256 -days 36500 -batch -x509 -newkey rsa:3072 \
		-subj "/O=Twin/CN=Twin kernel module signing key" -outform PEM \
		-keyout "$KEY.tmp" -out "$KEY.crt" 2>/dev/null || die "openssl: cannot make a signing key"
	cat "$KEY.tmp" "$KEY.crt" >"$KEY.new" && rm -f "$KEY.tmp" "$KEY.crt" && chmod 600 "$KEY.new" &&
		mv "$KEY.new" "$KEY"
fi
openssl x509 -in "$KEY" -outform DER -out "$OUT/signing_key.x509" 2>/dev/null ||
	die "$KEY: no certificate in it"

# ---- out: stripped, signed .ko files whose vermagic is the image's kernel ----
rm -f "$OUT"/*.ko
n=0
for ko in "$SRC"/*.ko; do
	[ -e "$ko" ] || continue
	name=$(basename "$ko")
	strip --strip-debug -o "$OUT/$name.tmp" "$ko"
	vm=$(ko_info "$OUT/$name.tmp" vermagic)
	case $vm in
	"$KVER "*) ;;
	*) die "$name: vermagic '$vm' is not kernel $KVER" ;;
	esac
	# signed after the strip: the signature covers the bytes as loaded
	"$KDIR/scripts/sign-file" sha256 "$KEY" "$OUT/signing_key.x509" "$OUT/$name.tmp" ||
		die "$name: sign-file failed"
	touch -d "@$SOURCE_DATE_EPOCH" "$OUT/$name.tmp"
	mv "$OUT/$name.tmp" "$OUT/$name"
	n=$((n + 1))
	log "kmod: $name $(stat -c %s "$OUT/$name") bytes ($(stat -c %s "$ko") unstripped), vermagic '$vm', sha256 $(sha256sum "$OUT/$name" | cut -c1-16)..."
done
[ "$n" -gt 0 ] || die "kmod: no .ko built (see $WORK/make.log)"
log "kmod: $n module(s) for $KVER in $OUT in $(($(date +%s) - T0)) s"
