#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Print a directory holding files taken from Debian's linux-source-6.12 at
# build time, never copied into this tree; cached per package version.
#   linux-source-files.sh kselftest   kselftest_harness.h, kselftest.h
#   linux-source-files.sh checkpatch  checkpatch.pl and the files it reads
set -euo pipefail

ver=6.12
tarball=/usr/src/linux-source-$ver.tar.xz
cache=${OVLVOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ovl-volatile}
case ${1:-} in
kselftest)
	strip=4
	files=('*/tools/testing/selftests/kselftest.h'
		'*/tools/testing/selftests/kselftest_harness.h') ;;
checkpatch)
	strip=2
	files=('*/scripts/checkpatch.pl' '*/scripts/spelling.txt'
		'*/scripts/const_structs.checkpatch') ;;
*) echo "usage: linux-source-files.sh kselftest|checkpatch" >&2; exit 2 ;;
esac
[ -f "$tarball" ] || { echo "linux-source-files.sh: $tarball missing; run 'make deps'" >&2; exit 1; }
pkgver=$(dpkg-query -W -f '${Version}' "linux-source-$ver")
dir=$cache/$1/$pkgver
if [ ! -e "$dir/.done" ]; then
	mkdir -p "$dir"
	tar -xJf "$tarball" -C "$dir" --strip-components=$strip --wildcards "${files[@]}"
	touch "$dir/.done"
fi
echo "$dir"
