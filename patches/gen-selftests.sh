#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Generate, in a kernel tree, the files the patch series carries from the
# project's own sources, so there is one source of truth:
#   include/uapi/linux/ovl_volatile.h       byte-identical copy
#   tools/testing/selftests/filesystems/overlayfs/
#     volatile_reuse.c, ovl_volatile_test.h, ovl_volatile_cases.h
#       copies; only the harness include is rewritten to the in-tree path
#     Makefile, .gitignore, config      volatile_reuse added
#
#   gen-selftests.sh TREE           write the files into TREE
#   gen-selftests.sh --check TREE   exit 1 if TREE differs from what would
#                                   be written (run by refresh.sh)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
check=0
if [ "${1:-}" = --check ]; then
	check=1
	shift
fi
tree=${1:?usage: gen-selftests.sh [--check] TREE}
[ -f "$tree/Makefile" ] && [ -d "$tree/fs/overlayfs" ] ||
	{ echo "gen-selftests.sh: $tree is not a kernel tree" >&2; exit 2; }
sub=tools/testing/selftests/filesystems/overlayfs
tests="volatile_reuse.c ovl_volatile_test.h ovl_volatile_cases.h"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

mkdir -p "$out/include/uapi/linux" "$out/$sub"
cp "$top/include/uapi/linux/ovl_volatile.h" "$out/include/uapi/linux/"
for f in $tests; do
	sed 's|^#include "kselftest_harness.h"$|#include "../../kselftest_harness.h"|' \
		"$top/selftests/$f" >"$out/$sub/$f"
done

# The in-tree Makefile, .gitignore and config: the tree's own, plus ours.
mk=$tree/$sub/Makefile
if ! grep -q volatile_reuse "$mk"; then
	sed -e 's/^TEST_GEN_PROGS := \(.*\)$/TEST_GEN_PROGS := \1 volatile_reuse/' \
		-e 's/^CFLAGS := \(.*\)$/CFLAGS := \1 -D_GNU_SOURCE $(KHDR_INCLUDES)/' \
		"$mk" >"$out/$sub/Makefile"
	cat >>"$out/$sub/Makefile" <<-'MK'

		$(OUTPUT)/volatile_reuse: ovl_volatile_test.h ovl_volatile_cases.h
	MK
else
	cp "$mk" "$out/$sub/Makefile"
fi
gi=$tree/$sub/.gitignore
cp "$gi" "$out/$sub/.gitignore"
grep -qx volatile_reuse "$gi" || echo volatile_reuse >>"$out/$sub/.gitignore"
cat >"$out/$sub/config" <<-'CFG'
	CONFIG_OVERLAY_FS=m
	CONFIG_TMPFS=y
	CONFIG_TMPFS_XATTR=y
	CONFIG_EXT4_FS=y
	CONFIG_EXT4_USE_FOR_EXT2=y
	CONFIG_XFS_FS=y
	CONFIG_BLK_DEV_LOOP=y
	CONFIG_BLK_DEV_DM=y
	CONFIG_MODULE_UNLOAD=y
CFG

rc=0
while read -r f; do
	f=${f#"$out"/}
	if [ $check = 1 ]; then
		cmp -s "$out/$f" "$tree/$f" ||
			{ echo "gen-selftests.sh: $tree/$f is stale" >&2; rc=1; }
	else
		mkdir -p "$(dirname "$tree/$f")"
		cp "$out/$f" "$tree/$f"
	fi
done < <(find "$out" -type f | sort)
exit $rc
