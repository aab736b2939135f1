# Shared libraries: copy into the rootfs exactly the libraries its ELF files
# need (DT_NEEDED, transitively), taken from the unpacked Debian packages in
# $POOL. Nothing is listed by hand. Sourced by build-image.sh.

LIBDIRS="lib/x86_64-linux-gnu usr/lib/x86_64-linux-gnu lib usr/lib"

is_elf() { [ "$(head -c4 "$1" 2>/dev/null | od -An -c | tr -d ' ')" = '177ELF' ]; }

# needed_sonames ROOT: every DT_NEEDED of every ELF file under ROOT.
needed_sonames() {
	local f
	find "$1" -type f -perm -u+x -o -type f -name '*.so*' | sort | while read -r f; do
		is_elf "$f" || continue
		objdump -p "$f" 2>/dev/null | awk '$1 == "NEEDED" {print $2}'
	done | sort -u
}

have_lib() {
	local d
	for d in $LIBDIRS; do
		[ -e "$1/$d/$2" ] && return 0
	done
	return 1
}

# resolve_libs ROOT: copies the libraries, then the dynamic loader.
resolve_libs() {
	local root=$1 so d found added=1
	mkdir -p "$root/lib/x86_64-linux-gnu" "$root/lib64"
	while [ $added = 1 ]; do
		added=0
		for so in $(needed_sonames "$root"); do
			have_lib "$root" "$so" && continue
			found=""
			for d in $LIBDIRS; do
				if [ -e "$POOL/$d/$so" ]; then
					found="$POOL/$d/$so"
					break
				fi
			done
			[ -n "$found" ] || die "library $so (needed in the image) is in none of the packages: $(cat "$POOL.list" | tr '\n' ' ')"
			cp -L "$found" "$root/lib/x86_64-linux-gnu/$so"
			echo "$so" >>"$root.libs"
			added=1
		done
	done
	cp -L "$POOL/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" "$root/lib/x86_64-linux-gnu/"
	ln -sf ../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$root/lib64/ld-linux-x86-64.so.2"
}
