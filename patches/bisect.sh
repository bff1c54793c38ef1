#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build every prefix of patches/VER/series on linux-source-VER, with the
# guest kernel config (tinyconfig + selftests/vm/config/*.config and
# config/VER/*.config), in one
# incremental build dir, so a bisect never lands on a commit that does not
# build. After the last patch, also build the in-tree selftests.
#   bisect.sh VER           (default: 7.3, 6.12 and 6.1, one after the other)
# BISECT_DIR (default build/bisect) holds the sources and objects.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
jobs=${JOBS:-$(nproc)}
vers=${1:-7.3 6.12 6.1}

log() { echo "bisect.sh[$ver]: $*" >&2; }

# The objects of the C files under fs/ the series touches.
touched_objs() {
	sed -n 's|^+++ b/\(fs/[^ ]*\)\.c$|\1.o|p' "$here/$ver"/0*.patch |
		{ grep -v '^fs/overlayfs/' || true; } | LC_ALL=C sort -u
}

# Warnings and errors in the files the series touches, without line numbers.
touched_warnings() {
	grep -E 'fs/(overlayfs|super|ioctl|namespace|fserror)\S*: (warning|error)' "$1" |
		sed -E 's/:[0-9]+(:[0-9]+)?: /: /' | LC_ALL=C sort -u || true
}

for ver in $vers; do
	# The host's linux-source-VER, or the one kernel.sh fetches (7.3)
	tarball=$("$top/selftests/vm/kernel.sh" source "$ver") || exit 1
	work=${BISECT_DIR:-$top/build/bisect}/$ver
	src=$work/src
	obj=$work/obj
	rm -rf "$src"
	mkdir -p "$src" "$obj"
	log "unpacking $tarball"
	tar -xJf "$tarball" -C "$src" --strip-components=1
	make -s -C "$src" O="$obj" ARCH=x86_64 tinyconfig
	"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" \
		"$top"/selftests/vm/config/*.config \
		"$top"/selftests/vm/config/"$ver"/*.config >/dev/null
	make -s -C "$src" O="$obj" ARCH=x86_64 olddefconfig
	# Warnings the pristine tree already has in the files the series
	# touches (6.1 has kernel-doc ones in fs/ioctl.c and fs/overlayfs/util.c
	# under W=1) fail no prefix: only new ones do. Line numbers move with
	# the patches, so they are compared without them.
	log "building the touched files of the pristine tree"
	# An earlier run's objects would hide the warnings: compile them again
	objs=$(touched_objs)
	for o in $objs; do rm -f "$obj/$o"; done
	rm -f "$obj"/fs/overlayfs/*.o
	make -s -C "$src" O="$obj" ARCH=x86_64 -j"$jobs" W=1 \
		fs/overlayfs/ $objs >"$work/build-0.log" 2>&1 ||
		{ tail -20 "$work/build-0.log"; log "the pristine tree does not build"; exit 1; }
	touched_warnings "$work/build-0.log" >"$work/known-warnings"
	n=0
	while read -r p _; do
		case $p in '' | '#'*) continue ;; esac
		n=$((n + 1))
		patch -d "$src" -p1 --batch --forward --fuzz=0 --quiet \
			-i "$here/$ver/$p" || { log "$p does not apply"; exit 1; }
		log "building with patches 1..$n ($p)"
		make -s -C "$src" O="$obj" ARCH=x86_64 -j"$jobs" W=1 \
			bzImage modules >"$work/build-$n.log" 2>&1 ||
			{ tail -20 "$work/build-$n.log"; log "prefix 1..$n ($p) does not build"; exit 1; }
		touched_warnings "$work/build-$n.log" |
			comm -23 - "$work/known-warnings" >"$work/new-warnings-$n"
		if [ -s "$work/new-warnings-$n" ]; then
			cat "$work/new-warnings-$n"
			log "prefix 1..$n ($p) builds with warnings in touched files"
			exit 1
		fi
	done <"$here/$ver/series"
	log "building the in-tree overlayfs selftests"
	make -s -C "$src" O="$obj" ARCH=x86_64 headers_install >/dev/null
	# The 6.1 lib.mk does not create OUTPUT
	mkdir -p "$obj/kselftest"
	# Ours only: mainline's other overlayfs tests need libcap-dev
	make -s -C "$src/tools/testing/selftests/filesystems/overlayfs" \
		OUTPUT="$obj/kselftest" KHDR_INCLUDES="-isystem $obj/usr/include" \
		"$obj/kselftest/volatile_reuse" ||
		{ log "the selftests do not build"; exit 1; }
	log "all $n prefixes build"
done
