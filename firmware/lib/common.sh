# Shared by the firmware/*.sh steps: logging, failing, reproducible times.
# Sourced, not run.

log() { printf '[image] %s\n' "$*" >&2; }
die() { printf 'firmware: %s\n' "$*" >&2; exit 1; }

need_tools() {
	local t missing=""
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
	done
	[ -z "$missing" ] || die "missing host tools:$missing (run firmware/host-deps.sh)"
}

# Every timestamp in the image is SOURCE_DATE_EPOCH: the last commit's time
# unless the caller pins it.
: "${SOURCE_DATE_EPOCH:=$(git -C "$(dirname "${BASH_SOURCE[0]}")" log -1 --format=%ct 2>/dev/null || echo 1700000000)}"
export SOURCE_DATE_EPOCH
export TZ=UTC LC_ALL=C

# Set every file's mtime under $1 to SOURCE_DATE_EPOCH (symlinks too).
clamp_times() {
	find "$1" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
}

# A stable hex id of N hex digits derived from a name: GUIDs, volume ids.
stable_hex() {
	printf '%s' "$1" | sha256sum | cut -c1-"$2"
}

stable_guid() {
	local h
	h=$(stable_hex "$1" 32)
	printf '%s-%s-4%s-8%s-%s\n' "${h:0:8}" "${h:8:4}" "${h:13:3}" "${h:17:3}" "${h:20:12}"
}
