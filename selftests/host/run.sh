#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side tests (no root, no guest): build the C ones with ASan/UBSan, run
# every test program here, and count them with the same collector as the
# guests (selftests/vm/collect.sh). Logs in build/host/.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${OVLVOL_BUILD:-$top/build}/host
ksft=$("$top/scripts/linux-source-files.sh" kselftest) || exit 1
mkdir -p "$out/bin"

CC=${CC:-cc}
CFLAGS="-O1 -g -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE -fno-omit-frame-pointer"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"
export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1

{
	echo "OVLVOL-BEGIN host"
	for src in "$here"/*.c; do
		name=$(basename "$src" .c)
		# Project sources a test links with: "HOST-LINK: path..."
		link=$(sed -n 's/^ \* HOST-LINK: //p' "$src" | sed "s|[^ ]*|$top/&|g")
		echo "OVLVOL-TEST $name"
		if $CC $CFLAGS $SAN -isystem "$ksft" -I"$top/include/uapi" \
			-o "$out/bin/$name" "$src" $link >"$out/$name.build.log" 2>&1; then
			"$out/bin/$name" 2>&1
			echo "OVLVOL-EXIT $name $?"
		else
			sed 's/^/# /' "$out/$name.build.log"
			echo "OVLVOL-EXIT $name 1"
		fi
	done
	for t in "$here"/*_test.sh; do
		name=$(basename "$t" .sh)
		echo "OVLVOL-TEST $name"
		"$t" 2>&1
		echo "OVLVOL-EXIT $name $?"
	done
	echo "OVLVOL-END"
} >"$out/results.raw"
"$top/selftests/vm/collect.sh" "$out/results.raw" "$out" >"$out/results.collect"
rc=$?
cat "$out/results.collect"
exit $rc
