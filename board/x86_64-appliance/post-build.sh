#!/bin/sh
# Buildroot-style hook: $1 is the assembled rootfs, before it is squashed.
set -e
echo "x86_64-appliance" >"$1/etc/twin-board"
