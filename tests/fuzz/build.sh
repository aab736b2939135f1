#!/usr/bin/env bash
# Build one libFuzzer target and run it for SECONDS (0 = build only):
#   tests/fuzz/build.sh hb_decode 20 [extra libFuzzer flags...]
# Target X is tests/fuzz/fuzz_X.c linked with the sources in the table below.
# Corpus: the committed seeds in tests/fuzz/corpus/X/ (read, never written)
# and the working corpus $FUZZ_OUT/corpus-X (default build/fuzz), where new
# inputs and crash files go. If fuzz_X.c has a FUZZ_SEED main, it is built
# as a plain program and writes more seeds into the working corpus; files
# matching the SEEDS globs are copied in too.
set -euo pipefail
shopt -s nullglob globstar

cd "$(dirname "$0")/../.."

# target -> the userland sources it needs (add a line per new harness)
declare -A SOURCES=(
	[hb_decode]="userland/lib/hb_wire.c"
	[config]="userland/lib/config.c userland/lib/text_file.c userland/lib/listen_addr.c userland/lib/int_parse.c"
	[ctl]="userland/lib/ctl_proto.c userland/lib/int_parse.c"
	[crontab]="userland/lib/crontab.c userland/lib/text_file.c"
	[bundle]="userland/lib/bundle.c"
	[witness]="userland/twind/witness_track.c userland/twind/arp.c"
	[nd]="userland/lib/nd_wire.c"
	[cfgsync]="userland/twind/cfgsync.c userland/lib/ctl_proto.c userland/lib/int_parse.c userland/lib/atomic_file.c"
	[evqueue]="userland/twind/evqueue.c userland/lib/ctl_proto.c userland/lib/int_parse.c userland/lib/atomic_file.c"
	[pairing]="userland/twind/cluster_state.c userland/lib/identity.c userland/lib/ctl_proto.c userland/lib/int_parse.c
		userland/lib/atomic_file.c userland/lib/rng.c"
	[drbd]="userland/twind/drbd.c userland/twind/drbd9.c userland/lib/subproc.c"
	[drbd9]="userland/twind/drbd9.c userland/twind/drbd.c userland/lib/subproc.c"
	[lockout]="userland/lib/lockout_table.c userland/lib/lockout.c"
	[console]="userland/panel/menu.c userland/panel/field.c userland/panel/status_pages.c
		userland/panel/lcd_layout.c userland/panel/lcdproc.c userland/panel/term_input.c
		userland/panel/term_layout.c userland/lib/status_render.c userland/lib/size_fmt.c
		userland/lib/ctl_proto.c userland/lib/int_parse.c"
	[log_view]="userland/lib/log_view.c userland/lib/ctl_proto.c userland/lib/int_parse.c
		userland/lib/text_escape.c"
	[metrics]="userland/exporter/metrics_render.c userland/exporter/expo.c userland/lib/ctl_proto.c
		userland/lib/int_parse.c userland/lib/text_escape.c userland/lib/node_state.c"
)
# target -> extra link flags
declare -A LIBS=(
	[hb_decode]="-lmbedcrypto"
	[cfgsync]="-lmbedcrypto"
	[evqueue]="-lmbedcrypto -lz"
	[pairing]="-lmbedx509 -lmbedcrypto"
)
# target -> globs of files to start the corpus with
declare -A SEEDS=(
	[config]="rootfs/**/*.conf docs/**/*.conf tests/**/*.conf"
	[bundle]="tests/fuzz/seeds/bundle-*.txt"
)

usage() {
	echo "usage: $0 TARGET [SECONDS] [libFuzzer flags...]  (targets: ${!SOURCES[*]})" >&2
	exit 2
}

[ $# -ge 1 ] || usage
target=$1
secs=${2:-20}
shift $(($# >= 2 ? 2 : 1))
[ -n "${SOURCES[$target]+x}" ] || usage
harness=tests/fuzz/fuzz_$target.c
[ -f "$harness" ] || { echo "$0: $harness not found" >&2; exit 1; }

out=${FUZZ_OUT:-build/fuzz}
cc=${FUZZ_CC:-clang}
corpus=$out/corpus-$target
seeds=tests/fuzz/corpus/$target
mkdir -p "$out" "$corpus"

cflags=(-std=gnu11 -g -O1 -fno-omit-frame-pointer -Wall -Wextra -Werror -Wno-unused-parameter
	-Iuserland/lib -Iuserland/twind -Iuserland/panel -Iuserland/exporter)
# shellcheck disable=SC2206 # word splitting of the tables is intended
srcs=(${SOURCES[$target]})
# shellcheck disable=SC2206
libs=(${LIBS[$target]:-})

echo "fuzz: building $out/fuzz_$target"
"$cc" "${cflags[@]}" -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	"$harness" "${srcs[@]}" -o "$out/fuzz_$target" "${libs[@]}"

if grep -q FUZZ_SEED "$harness"; then
	"$cc" "${cflags[@]}" -DFUZZ_SEED "$harness" "${srcs[@]}" -o "$out/seed_$target" "${libs[@]}"
	"$out/seed_$target" "$corpus"
fi
for f in ${SEEDS[$target]:-}; do
	cp -- "$f" "$corpus/seed-$(basename "$f")"
done
dirs=("$corpus")
[ -d "$seeds" ] && dirs+=("$seeds")
echo "fuzz: corpus $corpus ($(find "$corpus" -type f | wc -l) files)" \
	"+ $seeds ($(find "$seeds" -type f 2>/dev/null | wc -l) files)"

[ "$secs" -gt 0 ] || exit 0
echo "fuzz: running $target for ${secs}s"
exec "$out/fuzz_$target" -max_total_time="$secs" -timeout=10 -print_final_stats=1 \
	-artifact_prefix="$out/crash-$target-" "$@" "${dirs[@]}"
