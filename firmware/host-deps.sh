#!/bin/sh
# Debian packages the image build and the qemu system tests need on the
# build host (the image's own packages are only downloaded, never installed).
set -e
apt-get install -y --no-install-recommends \
	squashfs-tools mtools dosfstools gdisk fdisk cpio binutils \
	grub-efi-amd64-bin grub-common qemu-system-x86 ovmf iproute2 e2fsprogs
