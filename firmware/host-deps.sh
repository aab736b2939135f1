#!/bin/sh
# Debian packages the image build and the qemu system tests need on the
# build host (the image's own packages are only downloaded, never installed).
# make, gcc-12 (Debian's kernel compiler) and libelf1 (kbuild's objtool) build
# kmod/ against the downloaded linux-headers (firmware/build-kmod.sh).
set -e
PKGS="squashfs-tools mtools dosfstools gdisk fdisk cpio binutils
grub-efi-amd64-bin grub-common qemu-system-x86 ovmf iproute2 e2fsprogs
make gcc-12 libelf1 python3"
missing=$(for p in $PKGS; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done)
[ -z "$missing" ] && exit 0
echo "host-deps: installing" $missing
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
