#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Print a directory holding kselftest_harness.h and kselftest.h taken from
# Debian's linux-source-6.12 at build time (they are never copied into this
# tree). Cached per source package version.
set -euo pipefail

ver=6.12
tarball=/usr/src/linux-source-$ver.tar.xz
cache=${OVLVOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ovl-volatile}
[ -f "$tarball" ] || { echo "kselftest-headers.sh: $tarball missing; run 'make deps'" >&2; exit 1; }
pkgver=$(dpkg-query -W -f '${Version}' "linux-source-$ver")
dir=$cache/kselftest/$pkgver
if [ ! -e "$dir/.done" ]; then
	mkdir -p "$dir"
	tar -xJf "$tarball" -C "$dir" --strip-components=4 --wildcards \
		'*/tools/testing/selftests/kselftest.h' \
		'*/tools/testing/selftests/kselftest_harness.h'
	touch "$dir/.done"
fi
echo "$dir"
