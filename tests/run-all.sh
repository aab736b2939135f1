#!/usr/bin/env bash
# Every test of Twin, in order: build, unit (ASan/UBSan), lint, fuzz smoke,
# CLI, BPF, namespace pairs, then the appliance image: kmod build, image
# build (twice: same bytes), qemu system tests. Each suite prints "NAME: N passed, N failed";
# this sums them into the closing line (tests/lib/suite.sh: a skip, a silent
# suite or a non-zero exit is a failure). Needs root (namespaces, XDP).
set -u
cd "$(dirname "$0")/.." || exit 1
./tests/install-deps.sh || { echo "0 passed, 1 failed"; exit 1; }

# run_suite, suite_total: the summing rules, shared with tests/net/run.sh
. tests/lib/suite.sh

build() { make -j2 all >/dev/null && echo "build: 1 passed, 0 failed"; }
lint() {
	local p=0 f=0
	if make -s check-format; then p=$((p + 1)); else f=$((f + 1)); echo "clang-format: differences above"; fi
	if make -s cppcheck; then p=$((p + 1)); else f=$((f + 1)); fi
	echo "lint: $p passed, $f failed"
}

run_suite build build
run_suite unit make -s test-unit
run_suite lint lint
run_suite fuzz ./tests/fuzz/run.sh
run_suite cli ./tests/cli/test_twind_config.sh
run_suite update ./tests/cli/test_update.sh
run_suite twinctl_help ./tests/cli/test_twinctl_help.sh
run_suite bpf ./tests/bpf/run.sh
run_suite net ./tests/net/run.sh
# the image: the same inputs give the same bytes
image() {
	local img=build/image/qemu-x86_64 a b
	make -s image BOARD=qemu-x86_64 || { echo "image: 0 passed, 1 failed"; return 1; }
	a=$(sha256sum <$img/disk.img)
	make -s image BOARD=qemu-x86_64 >/dev/null 2>&1 || { echo "image: 1 passed, 1 failed"; return 1; }
	b=$(sha256sum <$img/disk.img)
	local p=1 f=0 h
	if [ "$a" = "$b" ]; then
		echo "ok - rebuilt image has the same bytes (sha256 ${a:0:16}...)"
		p=$((p + 1))
	else
		echo "not ok - rebuilt image differs: ${a:0:16} vs ${b:0:16}"
		f=$((f + 1))
	fi
	# test hooks (environment overrides read by a root daemon) are in the
	# test build and not in the image's binaries
	h=$(for b in twind twinctl; do unsquashfs -cat $img/rootfs.squashfs usr/sbin/$b | grep -ac 'TWIN_DRBD_PROC\|TWIN_CRASH_AT\|TWIN_BOOTCTL'; done | awk '{s += $1} END {print s + 0}')
	if [ "${h:-1}" = 0 ] && grep -aq TWIN_DRBD_PROC build/twind && grep -aq TWIN_BOOTCTL build/twinctl; then
		echo "ok - the image's twind and twinctl carry no test hooks (the test build does)"
		p=$((p + 1))
	else
		echo "not ok - test hooks in the image's binaries (${h:-?} matches) or missing from the test build"
		f=$((f + 1))
	fi
	echo "image: $p passed, $f failed"
	[ $f = 0 ]
}
run_suite kmod ./tests/firmware/test_kmod.sh build
run_suite image image
run_suite system ./tests/system/run.sh build/image/qemu-x86_64/disk.img
suite_total
