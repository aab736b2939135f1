#!/usr/bin/env bash
# Installs what building and testing Twin needs on a fresh Debian 12 (root).
set -eu
PKGS="build-essential pkg-config clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev
libnl-3-dev libnl-route-3-dev libmnl-dev libmbedtls-dev libclang-rt-14-dev
iproute2 iputils-ping iputils-arping tcpdump clang-format cppcheck procps
lcdproc tmux busybox-static libmicrohttpd-dev prometheus curl"
missing=$(for p in $PKGS; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done)
if [ -n "$missing" ]; then
	echo "install-deps: installing" $missing
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# prometheus, curl: promtool, the server and scrapes for tests/net/test_metrics.sh;
	# its package starts a system service unless policy-rc.d forbids it,
	# so a missing policy-rc.d is stood in for during the install
	rc_policy=
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
		rc_policy=/usr/sbin/policy-rc.d
	fi
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
	[ -z "$rc_policy" ] || rm -f "$rc_policy"
fi
# the image build and the qemu system tests
"$(dirname "$0")/../firmware/host-deps.sh"
