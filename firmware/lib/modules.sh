# Kernel modules: the image carries only the modules its board asks for,
# with their dependencies (from modules.dep of Debian's linux-image), plus
# whatever kmod/ built. Sourced by build-image.sh.

# kernel_version: the versioned linux-image package's kernel release.
kernel_version() {
	basename "$(find "$POOL/lib/modules" -mindepth 1 -maxdepth 1 -type d | sort | tail -n1)"
}

# module_closure KVER NAME...: relative paths (kernel/...ko) of the modules
# and all they depend on, from $POOL's modules.dep.
module_closure() {
	local kver=$1
	shift
	local dep="$POOL/lib/modules/$kver/modules.dep"
	[ -s "$dep" ] || "$BUSYBOX_HOST" depmod -b "$POOL" "$kver" ||
		die "depmod of the kernel package failed"
	printf '%s\n' "$@" | tr '-' '_' | awk -v DEP="$dep" '
		BEGIN {
			while ((getline line < DEP) > 0) {
				split(line, a, ":"); p = a[1]
				n = p; sub(/.*\//, "", n); sub(/\.ko.*$/, "", n); gsub("-", "_", n)
				path[n] = p; deps[p] = a[2]
			}
		}
		{
			if (!($1 in path)) { print "MISSING " $1; next }
			p = path[$1]; print p
			k = split(deps[p], d, " "); for (i = 1; i <= k; i++) print d[i]
		}' | sort -u
}

# install_modules KVER DEST_ROOT NAME...: copies the closure, regenerates
# modules.dep for the image.
install_modules() {
	local kver=$1 root=$2 m
	shift 2
	local src="$POOL/lib/modules/$kver" dst="$root/lib/modules/$kver"
	local want="" list
	mkdir -p "$dst"
	# built into the kernel: nothing to copy
	for m in "$@"; do
		grep -q "/$(echo "$m" | tr _ -)\.ko\$\|/$(echo "$m" | tr - _)\.ko\$" "$src/modules.builtin" ||
			want="$want $m"
	done
	list=$(module_closure "$kver" $want)
	if echo "$list" | grep -q '^MISSING '; then
		die "kernel modules not in linux-image $kver:$(echo "$list" | sed -n 's/^MISSING / /p' | tr -d '\n')"
	fi
	for m in $list; do
		mkdir -p "$dst/$(dirname "$m")"
		cp "$src/$m" "$dst/$m"
	done
	cp "$src/modules.builtin" "$src/modules.order" "$dst/"
	if [ -d "$KMOD_OUT" ] && ls "$KMOD_OUT"/*.ko >/dev/null 2>&1; then
		mkdir -p "$dst/extra"
		cp "$KMOD_OUT"/*.ko "$dst/extra/"
		# the certificate a board enforcing signatures enrolls (mokutil --import)
		if [ -e "$KMOD_OUT/signing_key.x509" ]; then
			mkdir -p "$root/usr/share/twin"
			cp "$KMOD_OUT/signing_key.x509" "$root/usr/share/twin/kmod-signing.der"
		fi
	fi
	"$BUSYBOX_HOST" depmod -b "$root" "$kver"
}
