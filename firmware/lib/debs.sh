# Debian packages: download once into $DL (the only network access of the
# build), unpack into $POOL with dpkg -x. Nothing is ever installed on the
# host. Every package taken is written to $MANIFEST with its version.
# Sourced by build-image.sh.

# deb_file PKG: path of the cached .deb of PKG, downloading it if needed.
deb_file() {
	local pkg=$1 f
	f=$(find "$DL" -maxdepth 1 -name "${pkg}_*.deb" | sort | tail -n1)
	if [ -z "$f" ]; then
		log "download $pkg"
		(cd "$DL" && apt-get download -q "$pkg" >/dev/null 2>&1) ||
			die "apt-get download $pkg failed (run apt-get update?)"
		f=$(find "$DL" -maxdepth 1 -name "${pkg}_*.deb" | sort | tail -n1)
	fi
	[ -n "$f" ] || die "no .deb for $pkg in $DL"
	echo "$f"
}

# deb_depends DEB: the package names in its Depends and Pre-Depends.
deb_depends() {
	{
		dpkg-deb -f "$1" Depends
		dpkg-deb -f "$1" Pre-Depends
	} | tr ',|' '\n\n' | sed 's/(.*)//; s/:any//; s/[[:space:]]//g' | sed '/^$/d'
}

# pool_add PKG...: unpack the packages (once each) into $POOL.
pool_add() {
	local pkg f
	for pkg in "$@"; do
		grep -qx "$pkg" "$POOL.list" 2>/dev/null && continue
		f=$(deb_file "$pkg")
		dpkg -x "$f" "$POOL"
		echo "$pkg" >>"$POOL.list"
		printf '%s %s\n' "$pkg" "$(dpkg-deb -f "$f" Version)" >>"$MANIFEST"
	done
}

# pool_add_with_libs PKG...: the packages and, recursively, the shared
# library packages they depend on (lib*, zlib1g); the libraries actually
# copied into the image are chosen later from the binaries' DT_NEEDED.
pool_add_with_libs() {
	local todo="$*" pkg dep
	while [ -n "$todo" ]; do
		set -- $todo
		pkg=$1
		shift
		todo="$*"
		grep -qx "$pkg" "$POOL.list" 2>/dev/null && continue
		pool_add "$pkg"
		for dep in $(deb_depends "$(deb_file "$pkg")"); do
			case $dep in
			lib*-dev | libc-dev-bin | libgcc-s1 | libcrypt-dev) ;;
			lib* | zlib1g) todo="$todo $dep" ;;
			esac
		done
	done
	# libgcc_s is needed by C++ programs (drbd-utils) but is listed as a
	# dependency of libc6 only in a cycle: take it explicitly.
	pool_add libgcc-s1
}

# host_lib_packages BIN...: the Debian packages on this host that hold the
# shared libraries the given (host-built) binaries link against.
host_lib_packages() {
	local path real pkg
	for path in $(ldd "$@" | awk '/=> \//{print $3}' | sort -u); do
		real=$(readlink -f "$path")
		pkg=$(dpkg -S "$path" 2>/dev/null || dpkg -S "$real" 2>/dev/null ||
			dpkg -S "/usr$path" 2>/dev/null || dpkg -S "${real#/usr}" 2>/dev/null) ||
			die "no Debian package owns $path (needed by $*)"
		echo "${pkg%%:*}"
	done | sort -u
}
