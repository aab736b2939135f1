#!/bin/bash
# build-image.sh: the flashable Twin image of one board, from Debian's kernel
# and packages plus our binaries. Offline except for `apt-get download`.
#
#   firmware/build-image.sh BOARD BUILD_DIR
#
# In:  board/BOARD/ (board.conf, overlay/, post-build.sh), rootfs/ (common
#      layer), BUILD_DIR/twind, twinctl, twin-console, twin-exporter, twin-bundle, gen/*.bpf.o,
#      kmod/*.ko.
#      IMAGE_VERSION (default 0.1.0).
#      UPDATE_KEY: the private key that signs update bundles (PEM, ECDSA
#      P-256); UPDATE_PUBKEY: its public key, which the image trusts. Without
#      either, a throwaway test key pair is made once in BUILD_DIR/keys/.
#      With only UPDATE_PUBKEY, no bundle is signed (sign offline with
#      `twin-bundle create`).
# Out: BUILD_DIR/image/BOARD/disk.img   GPT disk: ESP, root A, root B, data, DRBD
#      BUILD_DIR/image/BOARD/rootfs.squashfs   the slot payload
#      BUILD_DIR/image/BOARD/twin-BOARD-VERSION.twu   signed update bundle
#      BUILD_DIR/image/BOARD/manifest.txt      packages and versions, sha256s
# Reproducible: same inputs (packages, sources, SOURCE_DATE_EPOCH) -> same bytes.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/firmware/lib/common.sh"
. "$TOP/firmware/lib/debs.sh"
. "$TOP/firmware/lib/libs.sh"
. "$TOP/firmware/lib/modules.sh"

BOARD=${1:?usage: build-image.sh BOARD BUILD_DIR [BIN_DIR]}
BUILD=$(realpath -m "${2:?usage: build-image.sh BOARD BUILD_DIR [BIN_DIR]}")
# twind, twinctl and the BPF objects that go into the image: the product
# build (no test hooks, `make image` makes it in BUILD_DIR/product)
BIN=$(realpath -m "${3:-$BUILD}")
BOARD_DIR=$TOP/board/$BOARD
[ -f "$BOARD_DIR/board.conf" ] || die "unknown board $BOARD (no board/$BOARD/board.conf)"
. "$BOARD_DIR/board.conf"
IMAGE_VERSION=${IMAGE_VERSION:-0.1.0}

need_tools apt-get dpkg-deb mksquashfs sgdisk mkfs.vfat mcopy mmd cpio grub-mkimage objdump strip
for f in twind twinctl twin-console twin-exporter twin-bundle; do
	[ -x "$BIN/$f" ] || die "$BIN/$f missing: run make first"
done

OUT=$BUILD/image/$BOARD
WORK=$BUILD/image/$BOARD.work
DL=${DL:-$BUILD/dl}
POOL=$WORK/pool
MANIFEST=$WORK/packages.txt
KMOD_OUT=${KMOD_OUT:-$BUILD/kmod}
ROOT=$WORK/rootfs
INITRD=$WORK/initrd
rm -rf "$WORK"
mkdir -p "$OUT" "$WORK" "$DL" "$POOL"

# ---- update signing key ----
if [ -z "${UPDATE_KEY:-}" ] && [ -z "${UPDATE_PUBKEY:-}" ]; then
	UPDATE_KEY=$BUILD/keys/update-test.pem
	UPDATE_PUBKEY=$BUILD/keys/update-test.pub
	if [ ! -s "$UPDATE_KEY" ]; then
		mkdir -p "$BUILD/keys"
		"$BUILD/twin-bundle" keygen "$UPDATE_KEY" "$UPDATE_PUBKEY" || die "cannot make the test key"
	fi
	log "update key: THROWAWAY TEST KEY $UPDATE_KEY (give UPDATE_KEY/UPDATE_PUBKEY for a product)"
	KEY_NOTE="throwaway test key"
else
	[ -n "${UPDATE_PUBKEY:-}" ] || die "UPDATE_KEY given without UPDATE_PUBKEY"
	KEY_NOTE="given"
fi
[ -s "$UPDATE_PUBKEY" ] || die "update public key $UPDATE_PUBKEY missing"
: >"$POOL.list"
: >"$MANIFEST"
T0=$(date +%s)

# ---- packages ----
log "packages (cache $DL)"
kimg=$(deb_depends "$(deb_file linux-image-amd64)" | grep '^linux-image-' | head -n1)
[ -n "$kimg" ] || die "linux-image-amd64 names no versioned kernel"
pool_add linux-image-amd64 "$kimg"
pool_add_with_libs busybox-static drbd-utils dropbear-bin e2fsprogs openntpd
# (twin-exporter brings libmicrohttpd12 and what it links)
pool_add_with_libs $(host_lib_packages "$BIN/twind" "$BIN/twinctl" "$BIN/twin-console" "$BIN/twin-exporter")
# the front panel's LCDd, when the board has one
if [ -n "${BOARD_LCD_DRIVER:-}" ]; then pool_add_with_libs lcdproc; fi
KVER=$(kernel_version)
BUSYBOX_HOST=$POOL/bin/busybox
log "kernel $KVER"

# ---- rootfs ----
log "rootfs"
mkdir -p "$ROOT"/{bin,sbin,usr/bin,usr/sbin,lib,dev,proc,sys,run,tmp,data,root,boot,var,etc,usr/lib/twin/bpf,usr/share/twin}
chmod 700 "$ROOT/root"
chmod 1777 "$ROOT/tmp"
# busybox: one link per applet, but no network servers (nothing may listen
# except SSH, twind, and twin-exporter where metrics_listen says)
cp "$POOL/bin/busybox" "$ROOT/bin/busybox"
"$POOL/bin/busybox" --list-full | while read -r a; do
	case ${a##*/} in
	busybox | httpd | telnetd | udhcpd | dumpleases | tftp | tftpd | ftpget | ftpput | ftpd | inetd | \
		rpm | rpm2cpio | dpkg | dpkg-deb | linuxrc) continue ;;
	esac
	[ -e "$ROOT/$a" ] || ln -s /bin/busybox "$ROOT/$a"
done
# drbd-utils (drbdadm runs the 8.4 tools when the kernel's DRBD is 8.4)
cp "$POOL"/sbin/drbdadm "$POOL"/sbin/drbdsetup "$POOL"/sbin/drbdmeta "$ROOT/sbin/"
mkdir -p "$ROOT/lib/drbd"
cp "$POOL"/lib/drbd/drbdadm-84 "$POOL"/lib/drbd/drbdsetup-84 "$ROOT/lib/drbd/"
# dropbear, e2fsprogs (data partition: ext4 with a journal)
cp "$POOL/usr/sbin/dropbear" "$ROOT/usr/sbin/"
cp "$POOL/usr/bin/dropbearkey" "$ROOT/usr/bin/"
for f in mke2fs e2fsck; do rm -f "$ROOT/sbin/$f" && cp "$POOL/sbin/$f" "$ROOT/sbin/$f"; done
# OpenNTPD: the clock from the setup's NTP server (a client: it serves no one)
cp "$POOL/usr/sbin/ntpd" "$POOL/usr/sbin/ntpctl" "$ROOT/usr/sbin/"
# ours
install -m 755 "$BIN/twind" "$ROOT/usr/sbin/twind"
install -m 755 "$BIN/twinctl" "$ROOT/usr/sbin/twinctl"
install -m 755 "$BIN/twin-console" "$ROOT/usr/sbin/twin-console"
install -m 755 "$BIN/twin-exporter" "$ROOT/usr/sbin/twin-exporter"
strip --strip-unneeded "$ROOT/usr/sbin/twind" "$ROOT/usr/sbin/twinctl" "$ROOT/usr/sbin/twin-console" \
	"$ROOT/usr/sbin/twin-exporter"
install -m 644 "$UPDATE_PUBKEY" "$ROOT/usr/share/twin/update-key.pub"
for o in "$BIN"/gen/*.bpf.o; do
	[ -e "$o" ] && install -m 644 "$o" "$ROOT/usr/lib/twin/bpf/"
done
# common layer, then the board's overlay
cp -a "$TOP/rootfs/." "$ROOT/"
[ -d "$BOARD_DIR/overlay" ] && cp -a "$BOARD_DIR/overlay/." "$ROOT/"
# the factory twin.conf is documentation; the live one is on /data
[ -e "$ROOT/etc/twin/twin.conf" ] && mv "$ROOT/etc/twin/twin.conf" "$ROOT/usr/share/twin/twin.conf.example"
mkdir -p "$ROOT/usr/share/twin/etc-twin"
if [ -d "$ROOT/etc/twin" ]; then
	cp -a "$ROOT/etc/twin/." "$ROOT/usr/share/twin/etc-twin/"
	rm -rf "$ROOT/etc/twin"
fi
ln -s /data/etc/twin "$ROOT/etc/twin"
ln -s /data/etc/shadow "$ROOT/etc/shadow"
ln -s /data/etc/dropbear "$ROOT/etc/dropbear"
ln -s /run/twin/resolv.conf "$ROOT/etc/resolv.conf" # the setup's dns (write_resolv_conf)
ln -s /run "$ROOT/var/run"
ln -s /run/lock "$ROOT/var/lock"
ln -s /run/log "$ROOT/var/log"
ln -s /data/lib "$ROOT/var/lib"
ln -s /tmp "$ROOT/var/tmp"
ln -s /proc/self/mounts "$ROOT/etc/mtab"
sed -i "s/@CONSOLE@/$BOARD_CONSOLE/g; s/@BAUD@/$BOARD_BAUD/g" "$ROOT/etc/inittab"
# the front panel: LCDd with the board's driver, twin-console on it
if [ -n "${BOARD_LCD_DRIVER:-}" ]; then
	so=$(find "$POOL/usr/lib" -path "*/lcdproc/$BOARD_LCD_DRIVER.so" | head -n1)
	[ -n "$so" ] || die "LCDd has no driver $BOARD_LCD_DRIVER"
	cp "$POOL/usr/sbin/LCDd" "$ROOT/usr/sbin/LCDd"
	mkdir -p "$ROOT/usr/lib/lcdproc"
	cp "$so" "$ROOT/usr/lib/lcdproc/"
	{
		sed "s/@DRIVER@/$BOARD_LCD_DRIVER/g" "$TOP/firmware/LCDd.conf.in"
		printf '%s\n' "${BOARD_LCD_OPTIONS:-}"
	} >"$ROOT/etc/LCDd.conf"
	printf '%s\n' "::respawn:/usr/sbin/LCDd -f -c /etc/LCDd.conf" \
		"::respawn:/usr/sbin/twin-console --lcd 127.0.0.1:13666 --keys ${BOARD_LCD_KEYS:-Up,Down,Left,Right,Enter,Escape}" \
		>>"$ROOT/etc/inittab"
fi
echo "$BOOT_TRIES" >"$ROOT/etc/twin-boot-tries"
printf '%s\n' $BOARD_MODULES >"$ROOT/etc/modules"
printf 'TWIN_VERSION=%s\nTWIN_BOARD=%s\nKERNEL=%s\nBUILD_EPOCH=%s\n' \
	"$IMAGE_VERSION" "$BOARD" "$KVER" "$SOURCE_DATE_EPOCH" >"$ROOT/etc/twin-release"
# (USB sticks for the console's USB update: xHCI/EHCI, usb-storage, sd)
install_modules "$KVER" "$ROOT" squashfs ext4 vfat nls_cp437 nls_ascii nls_utf8 drbd crc32c_generic \
	libcrc32c xhci_pci ehci_pci usb_storage sd_mod $BOARD_MODULES
resolve_libs "$ROOT"
[ -x "$BOARD_DIR/post-build.sh" ] && "$BOARD_DIR/post-build.sh" "$ROOT"

# ---- initramfs: busybox + disk drivers + squashfs, nothing else ----
log "initramfs"
mkdir -p "$INITRD"/{bin,dev,proc,sys,root,etc}
cp "$POOL/bin/busybox" "$INITRD/bin/busybox"
install -m 755 "$TOP/firmware/initramfs/init" "$INITRD/init"
printf '%s\n' $BOARD_INITRD_MODULES >"$INITRD/etc/modules"
install_modules "$KVER" "$INITRD" squashfs $BOARD_INITRD_MODULES
rm -rf "$INITRD/lib/modules/$KVER/extra"
clamp_times "$INITRD"
(cd "$INITRD" && find . -print0 | sort -z | cpio --null --create --format=newc --reproducible --owner=0:0 --quiet) |
	gzip -9n >"$WORK/initrd.img"
install -m 644 "$WORK/initrd.img" "$ROOT/boot/initrd.img"
cp "$POOL/boot/vmlinuz-$KVER" "$ROOT/boot/vmlinuz"

# ---- root slot: squashfs (mksquashfs takes every time from SOURCE_DATE_EPOCH) ----
log "squashfs"
clamp_times "$ROOT"
rm -f "$OUT/rootfs.squashfs"
mksquashfs "$ROOT" "$OUT/rootfs.squashfs" -noappend -all-root -comp xz -b ${SQUASHFS_BLOCK:-128K} -no-xattrs \
	-quiet -no-progress >/dev/null
SQ_SIZE=$(stat -c %s "$OUT/rootfs.squashfs")
[ "$SQ_SIZE" -le $((SLOT_MIB * 1024 * 1024)) ] || die "rootfs $SQ_SIZE bytes > slot $SLOT_MIB MiB"

# ---- bootloader: GRUB EFI with the A/B script built in ----
log "grub"
sed "s/@CONSOLE@/$BOARD_CONSOLE/g; s/@BAUD@/$BOARD_BAUD/g" "$TOP/firmware/grub/grub.cfg" >"$WORK/grub.cfg"
grub-mkimage -O x86_64-efi -o "$WORK/BOOTX64.EFI" -p /EFI/twin -c "$TOP/firmware/grub/early.cfg" \
	part_gpt fat squash4 xzio gzio linux normal loadenv test echo regexp serial terminal \
	boot configfile sleep reboot
"$TOP/firmware/make-disk.sh" "$WORK" "$OUT" "$BOARD"

# ---- signed update bundle of this very slot payload ----
BUNDLE=$OUT/twin-$BOARD-$IMAGE_VERSION.twu
rm -f "$OUT"/twin-"$BOARD"-*.twu
if [ -n "${UPDATE_KEY:-}" ]; then
	log "update bundle"
	"$BUILD/twin-bundle" create -k "$UPDATE_KEY" -b "$BOARD" -V "$IMAGE_VERSION" -K "$KVER" \
		"$OUT/rootfs.squashfs" "$BUNDLE" >/dev/null || die "cannot sign the update bundle"
fi

{
	echo "board $BOARD ($BOARD_DESC)"
	echo "version $IMAGE_VERSION"
	echo "kernel $KVER"
	echo "source_date_epoch $SOURCE_DATE_EPOCH"
	echo "update key $(sha256sum "$UPDATE_PUBKEY" | cut -c1-16) ($KEY_NOTE)"
	echo "--- Debian packages"
	sort "$MANIFEST"
	echo "--- libraries (resolved from the binaries)"
	sort -u "$ROOT.libs" 2>/dev/null
	echo "--- sha256"
	(cd "$OUT" && sha256sum rootfs.squashfs disk.img $([ -e "$BUNDLE" ] && basename "$BUNDLE"))
} >"$OUT/manifest.txt"
printf '%s\n' "$IMAGE_VERSION" >"$OUT/version"
T1=$(date +%s)
log "done in $((T1 - T0)) s: $OUT/disk.img"
log "  rootfs.squashfs $((SQ_SIZE / 1024)) KiB (kernel $(($(stat -c %s "$ROOT/boot/vmlinuz") / 1024)) KiB, initramfs $(($(stat -c %s "$WORK/initrd.img") / 1024)) KiB)"
log "  disk.img $(($(stat -c %s "$OUT/disk.img") / 1048576)) MiB raw, $(du -k "$OUT/disk.img" | cut -f1) KiB allocated"
log "  sha256 $(sha256sum "$OUT/disk.img" | cut -c1-16)..."
[ -e "$BUNDLE" ] && log "  update bundle $BUNDLE $(($(stat -c %s "$BUNDLE") / 1024)) KiB"
