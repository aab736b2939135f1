#!/bin/bash
# make-disk.sh WORK OUT BOARD: the GPT disk image from the pieces
# build-image.sh made in WORK (BOOTX64.EFI, OUT/rootfs.squashfs).
#   1 twin-esp     FAT, GRUB + grubenv (A/B state)
#   2 twin-root-a  squashfs slot A
#   3 twin-root-b  squashfs slot B (same payload at the factory)
#   4 twin-data    ext4, made at first boot (config, keys, state)
#   5 twin-drbd    DRBD backing device (internal metadata)
# Every GUID and the FAT volume id derive from the board name: fixed bytes.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/firmware/lib/common.sh"
WORK=$1 OUT=$2 BOARD=$3
. "$TOP/board/$BOARD/board.conf"

MiB=1048576
esp=$WORK/esp.img
rm -f "$esp"
mkfs.vfat -C -F 16 -n TWIN-ESP --invariant "$esp" $((ESP_MIB * 1024)) >/dev/null
export MTOOLS_SKIP_CHECK=1
mmd -i "$esp" ::/EFI ::/EFI/BOOT ::/EFI/twin
{
	echo '# GRUB Environment Block'
	echo 'twin_order=A B'
	echo 'A_left=ok'
	echo 'B_left=ok'
} >"$WORK/grubenv"
n=$(stat -c %s "$WORK/grubenv")
head -c $((1024 - n)) /dev/zero | tr '\000' '#' >>"$WORK/grubenv"
touch -d "@$SOURCE_DATE_EPOCH" "$WORK/BOOTX64.EFI" "$WORK/grubenv" "$WORK/grub.cfg"
mcopy -m -i "$esp" "$WORK/BOOTX64.EFI" ::/EFI/BOOT/BOOTX64.EFI
mcopy -m -i "$esp" "$WORK/grubenv" ::/EFI/twin/grubenv
mcopy -m -i "$esp" "$WORK/grub.cfg" ::/EFI/twin/grub.cfg

total=$((1 + ESP_MIB + 2 * SLOT_MIB + DATA_MIB + DRBD_MIB + 1))
disk=$OUT/disk.img
rm -f "$disk"
truncate -s $((total * MiB)) "$disk"
ROOT_X86_64=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709
sgdisk -U "$(stable_guid "$BOARD-disk")" \
	-n 1:1M:+${ESP_MIB}M -t 1:EF00 -c 1:twin-esp -u 1:"$(stable_guid "$BOARD-p1")" \
	-n 2:0:+${SLOT_MIB}M -t 2:$ROOT_X86_64 -c 2:twin-root-a -u 2:"$(stable_guid "$BOARD-p2")" \
	-n 3:0:+${SLOT_MIB}M -t 3:$ROOT_X86_64 -c 3:twin-root-b -u 3:"$(stable_guid "$BOARD-p3")" \
	-n 4:0:+${DATA_MIB}M -t 4:8300 -c 4:twin-data -u 4:"$(stable_guid "$BOARD-p4")" \
	-n 5:0:+${DRBD_MIB}M -t 5:8300 -c 5:twin-drbd -u 5:"$(stable_guid "$BOARD-p5")" \
	"$disk" >/dev/null
put() { dd if="$1" of="$disk" bs=1M seek="$2" conv=notrunc,sparse status=none; }
put "$esp" 1
put "$OUT/rootfs.squashfs" $((1 + ESP_MIB))
put "$OUT/rootfs.squashfs" $((1 + ESP_MIB + SLOT_MIB))
