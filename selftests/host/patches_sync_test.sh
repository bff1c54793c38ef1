#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# One source of truth: the files the kernel series adds from this project's
# sources (the uapi header, the verdict selftests) must be what the project
# holds now. Rebuilds each new file from the series' patches and compares it
# with its source (patches/gen-selftests.sh makes them). Prints TAP.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
sub=tools/testing/selftests/filesystems/overlayfs
n=0 failed=0 lines=()

# The content of new file PATH as the series creates it.
from_series() { # VER PATH
	local ver=$1 path=$2 p
	for p in $(grep -v '^#' "$top/patches/$ver/series"); do
		awk -v want="b/$path" '
			/^diff --git / { on = 0 }
			/^\+\+\+ / { on = ($2 == want); next }
			on && /^@@/ { next }
			on && /^\+/ { print substr($0, 2) }
		' "$top/patches/$ver/$p"
	done
}

# What gen-selftests.sh writes for PATH, from the project's sources.
from_project() { # PATH
	case $1 in
	include/*) cat "$top/$1" ;;
	$sub/*) sed 's|^#include "kselftest_harness.h"$|#include "../../kselftest_harness.h"|' \
		"$top/selftests/${1#"$sub"/}" ;;
	esac
}

for ver in 6.12 6.1; do
	grep -qv '^#' "$top/patches/$ver/series" 2>/dev/null || continue
	for path in include/uapi/linux/ovl_volatile.h \
		$sub/volatile_reuse.c $sub/ovl_volatile_test.h $sub/ovl_volatile_cases.h; do
		n=$((n + 1))
		if diff -u <(from_project "$path") <(from_series "$ver" "$path") >/tmp/.ovlvol-sync.$$; then
			lines+=("ok $n $ver:$path")
		else
			lines+=("not ok $n $ver:$path differs from the project's source (run patches/refresh.sh)")
			lines+=("$(head -20 /tmp/.ovlvol-sync.$$ | sed 's/^/# /')")
			failed=$((failed + 1))
		fi
	done
done
rm -f /tmp/.ovlvol-sync.$$
echo "TAP version 13"
if [ $n = 0 ]; then
	echo "1..0 # SKIP no series has patches yet"
	exit 0
fi
echo "1..$n"
printf '%s\n' "${lines[@]}"
[ $failed = 0 ]
