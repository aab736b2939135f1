# Update bundles for system test 5, made from the image's own slot payload
# and signed with the key the image trusts (BUILD/keys/update-test.pem, or
# UPDATE_KEY). Sourced by run.sh.
#   good     the payload with TWIN_VERSION bumped to 0.1.1
#   corrupt  the good bundle with one payload byte flipped (signature intact)
#   broken   0.1.2 whose twind cannot start: the slot never reaches Standby,
#            and gives up after 20 s instead of 300 (its boot-confirm-timeout)
#   nokernel 0.1.3 without /boot/vmlinuz: GRUB cannot even load it
# Each is written to the start of a raw file the VMs see as a disk (/dev/vdb,
# vdc, vdd, vde), as onto a USB stick: on a block device, twinctl update ignores
# what follows the bundle.

UPD_DRIVES="good corrupt broken nokernel"
UPD_MIB=64

# upd_prepare IMAGE_DIR BUILD_DIR: makes $SYS_DIR/upd-*.img; 0, or 1 with a reason on stdout
upd_prepare() {
	local img=$1 build=$2 tool key w d
	tool=${TWIN_BUNDLE:-$build/twin-bundle}
	key=${UPDATE_KEY:-$build/keys/update-test.pem}
	[ -x "$tool" ] || { echo "no $tool"; return 1; }
	[ -r "$key" ] || { echo "no signing key $key"; return 1; }
	[ -r "$img/rootfs.squashfs" ] || { echo "no $img/rootfs.squashfs"; return 1; }
	w=$SYS_DIR/upd
	rm -rf "$w"
	mkdir -p "$w"
	for d in $UPD_DRIVES; do
		truncate -s ${UPD_MIB}M "$SYS_DIR/upd-$d.img"
	done
	unsquashfs -q -n -d "$w/root" "$img/rootfs.squashfs" >/dev/null || { echo "unsquashfs failed"; return 1; }
	sed -i 's/^TWIN_VERSION=.*/TWIN_VERSION=0.1.1/' "$w/root/etc/twin-release"
	mksquashfs "$w/root" "$w/good.sq" -noappend -all-root -comp gzip -no-xattrs -quiet -no-progress \
		-processors 1 >/dev/null &&
		"$tool" create -k "$key" -b qemu-x86_64 -V 0.1.1 "$w/good.sq" "$w/good.twu" >/dev/null ||
		{ echo "cannot make the 0.1.1 bundle"; return 1; }
	cp "$w/good.twu" "$w/corrupt.twu"
	printf 'X' | dd of="$w/corrupt.twu" bs=1 seek=$((4096 + 500000)) conv=notrunc status=none
	sed -i 's/^TWIN_VERSION=.*/TWIN_VERSION=0.1.2/' "$w/root/etc/twin-release"
	printf '#!/bin/sh\necho "twind: this build is broken on purpose (system test)" >&2\nexit 1\n' \
		>"$w/root/usr/sbin/twind"
	echo 20 >"$w/root/etc/twin-boot-confirm-timeout"
	mksquashfs "$w/root" "$w/broken.sq" -noappend -all-root -comp gzip -no-xattrs -quiet -no-progress \
		-processors 1 >/dev/null &&
		"$tool" create -k "$key" -b qemu-x86_64 -V 0.1.2 "$w/broken.sq" "$w/broken.twu" >/dev/null ||
		{ echo "cannot make the 0.1.2 bundle"; return 1; }
	sed -i 's/^TWIN_VERSION=.*/TWIN_VERSION=0.1.3/' "$w/root/etc/twin-release"
	rm -f "$w/root/boot/vmlinuz"
	mksquashfs "$w/root" "$w/nokernel.sq" -noappend -all-root -comp gzip -no-xattrs -quiet -no-progress \
		-processors 1 >/dev/null &&
		"$tool" create -k "$key" -b qemu-x86_64 -V 0.1.3 "$w/nokernel.sq" "$w/nokernel.twu" >/dev/null ||
		{ echo "cannot make the 0.1.3 bundle"; return 1; }
	for d in $UPD_DRIVES; do
		dd if="$w/$d.twu" of="$SYS_DIR/upd-$d.img" conv=notrunc status=none
	done
	rm -rf "$w/root" "$w"/*.sq
	return 0
}

# upd_qemu_args: the -drive options (read-only, after the system disk), and
# the good bundle once more as a USB stick written with it (the console's
# USB update finds it as /dev/sda)
upd_qemu_args() {
	local d
	for d in $UPD_DRIVES; do
		[ -e "$SYS_DIR/upd-$d.img" ] &&
			printf -- '-drive file=%s,if=virtio,format=raw,readonly=on ' "$SYS_DIR/upd-$d.img"
	done
	[ -e "$SYS_DIR/upd-good.img" ] &&
		printf -- '-device qemu-xhci,id=xhci -drive if=none,id=stick,file=%s,format=raw,readonly=on -device usb-storage,bus=xhci.0,drive=stick ' \
			"$SYS_DIR/upd-good.img"
}
