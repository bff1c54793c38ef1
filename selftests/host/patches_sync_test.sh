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
	$sub/ovl_volatile.h) "$top/patches/upstream-header.sh" ;;
	$sub/*) sed -e 's|^#include "kselftest_harness.h"$|#include "../../kselftest_harness.h"|' \
		-e "$incl" "$top/selftests/${1#"$sub"/}" ;;
	esac
}

check() { # NAME: compare what the project and the series hold
	n=$((n + 1))
	if diff -u <(from_project "$path") <(from_series "$ver" "$path") >/tmp/.ovlvol-sync.$$; then
		lines+=("ok $n $ver:$path")
	else
		lines+=("not ok $n $ver:$path differs from the project's source (run patches/refresh.sh)")
		lines+=("$(head -20 /tmp/.ovlvol-sync.$$ | sed 's/^/# /')")
		failed=$((failed + 1))
	fi
}

# The upstream series keeps the checkpoint struct private to fs/overlayfs:
# compile both definitions side by side and demand the same size, the same
# offset and size of every field of the project's struct, and the same
# constants.
layout() { # VER
	local d=/tmp/.ovlvol-layout.$$ fields f
	mkdir -p "$d"
	from_series "$1" fs/overlayfs/overlayfs.h >"$d/series.h"
	awk '/^#define OVL_VOLATILE_CKPT_MAGIC/ { on = 1 }
		on { print }
		on && /^} __packed;/ { exit }' "$d/series.h" |
		sed 's/OVL_VOLATILE/KOVL_VOLATILE/g; s/ovl_volatile/kovl_volatile/g' >"$d/kernel.h"
	fields=$(awk '/^struct ovl_volatile_ckpt {/ { on = 1; next }
		on && /^}/ { exit }
		on { sub(/;.*/, ""); sub(/\[.*/, ""); print $NF }' \
		"$top/include/uapi/linux/ovl_volatile.h")
	{
		echo '#include <stddef.h>'
		echo '#include <linux/types.h>'
		echo '#include "ovl_volatile.h"'
		echo 'typedef __u8 u8;'
		echo '#define __packed __attribute__((packed))'
		cat "$d/kernel.h"
		echo '#define SAME(f) _Static_assert(offsetof(struct ovl_volatile_ckpt, f) == offsetof(struct kovl_volatile_ckpt, f) && sizeof(((struct ovl_volatile_ckpt *)0)->f) == sizeof(((struct kovl_volatile_ckpt *)0)->f), #f);'
		echo '_Static_assert(sizeof(struct ovl_volatile_ckpt) == sizeof(struct kovl_volatile_ckpt), "size");'
		for f in $fields; do echo "SAME($f)"; done
		for f in CKPT_MAGIC CKPT_V2 CKPT_V2_SIZE CKPT_FLAGS_MASK AUTH_KERNEL AUTH_MODULE; do
			echo "_Static_assert(OVL_VOLATILE_$f == KOVL_VOLATILE_$f, \"$f\");"
		done
		echo 'int main(void) { return 0; }'
	} >"$d/t.c"
	n=$((n + 1))
	if [ -s "$d/kernel.h" ] && [ "$(echo $fields | wc -w)" -ge 10 ] &&
		cc -fsyntax-only -I "$top/include/uapi/linux" "$d/t.c" >"$d/out" 2>&1; then
		lines+=("ok $n $1: the series' private checkpoint layout is the project's ($(echo $fields | wc -w) fields)")
	else
		lines+=("not ok $n $1: the series' checkpoint layout differs from include/uapi/linux/ovl_volatile.h")
		lines+=("$(head -20 "$d/out" 2>/dev/null | sed 's/^/# /')")
		failed=$((failed + 1))
	fi
	rm -rf "$d"
}

for ver in 7.3 6.12 6.1; do
	grep -qv '^#' "$top/patches/$ver/series" 2>/dev/null || continue
	if from_series "$ver" fs/overlayfs/overlayfs.h | grep -q '^struct ovl_volatile_ckpt {'; then
		incl='s|^#include <linux/ovl_volatile.h>$|#include "ovl_volatile.h"|'
		paths="$sub/ovl_volatile.h"
		layout "$ver"
		# No uapi header: the module's ABI stays out of the kernel's
		n=$((n + 1))
		if grep -q '^+++ b/include/uapi/linux/ovl_volatile.h' "$top/patches/$ver"/0*.patch; then
			lines+=("not ok $n $ver: the upstream series adds include/uapi/linux/ovl_volatile.h")
			failed=$((failed + 1))
		else
			lines+=("ok $n $ver: no uapi header for the checkpoint or the module")
		fi
	else
		incl='s|^$||'
		paths=include/uapi/linux/ovl_volatile.h
	fi
	for path in $paths $sub/volatile_reuse.c $sub/ovl_volatile_test.h \
		$sub/ovl_volatile_cases.h $sub/ovl_volatile_case_table.h; do
		check
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
