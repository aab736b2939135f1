#!/bin/sh
# Buildroot-style hook: $1 is the assembled rootfs, before it is squashed.
set -e
echo "qemu-x86_64" >"$1/etc/twin-board"
