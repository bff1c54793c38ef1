#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Generate, in a kernel tree, the files the patch series carries from the
# project's own sources, so there is one source of truth:
#   include/uapi/linux/ovl_volatile.h       byte-identical copy (distribution
#                                           series only)
#   tools/testing/selftests/filesystems/overlayfs/
#     volatile_reuse.c, ovl_volatile_test.h, ovl_volatile_cases.h,
#     ovl_volatile_case_table.h
#       copies; only the harness include is rewritten to the in-tree path
#     ovl_volatile.h                    (upstream series) the checkpoint
#                                       layout from the project's
#                                       header (patches/upstream-header.sh,
#                                       no module ioctls): the kernel keeps
#                                       its own
#                                       private to fs/overlayfs, and
#                                       selftests/host/patches_sync_test.sh
#                                       keeps the two layouts identical
#     Makefile, .gitignore, config, settings    volatile_reuse added
#
# The upstream series is the one whose fs/overlayfs/overlayfs.h defines
# struct ovl_volatile_ckpt (no uapi header).
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
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

upstream=0
grep -q '^struct ovl_volatile_ckpt {' "$tree/fs/overlayfs/overlayfs.h" && upstream=1
mkdir -p "$out/$sub"
if [ $upstream = 1 ]; then
	"$top/patches/upstream-header.sh" >"$out/$sub/ovl_volatile.h"
	incl='s|^#include <linux/ovl_volatile.h>$|#include "ovl_volatile.h"|'
else
	mkdir -p "$out/include/uapi/linux"
	cp "$top/include/uapi/linux/ovl_volatile.h" "$out/include/uapi/linux/"
	incl=
fi
for f in volatile_reuse.c ovl_volatile_test.h ovl_volatile_cases.h \
	ovl_volatile_case_table.h; do
	sed -e 's|^#include "kselftest_harness.h"$|#include "../../kselftest_harness.h"|' \
		${incl:+-e "$incl"} "$top/selftests/$f" >"$out/$sub/$f"
done

# The in-tree Makefile, .gitignore and config: the tree's own, plus ours.
# The tree's own Makefile is what is left once ours is taken out, so that
# --check also works on a tree that carries the series; 6.1 has none (no
# overlayfs selftests yet), so we start one. Our headers go in LOCAL_HDRS,
# which lib.mk makes prerequisites without compiling them; _GNU_SOURCE
# only where lib.mk does not define it already (6.12 does).
mk=$tree/$sub/Makefile
gi=$tree/$sub/.gitignore
gnu=' -D_GNU_SOURCE'
grep -q -- '-D_GNU_SOURCE' "$tree/tools/testing/selftests/lib.mk" && gnu=
hdrs='LOCAL_HDRS += ovl_volatile_test.h ovl_volatile_cases.h ovl_volatile_case_table.h'
[ $upstream = 1 ] && hdrs+=' ovl_volatile.h'
own=$out/Makefile.own
if [ $upstream = 1 ]; then
	# Mainline's Makefile appends one line per program and header list:
	# ours go after the last of each, and are what --check takes out.
	sed -e '/^TEST_GEN_PROGS += volatile_reuse$/d' \
		-e '/^LOCAL_HDRS += ovl_volatile_/d' "$mk" >"$own"
	awk -v hdrs="$hdrs" '
		{ line[NR] = $0 }
		/^TEST_GEN_PROGS/ { prog = NR }
		/^LOCAL_HDRS/ { hdr = NR }
		END {
			for (i = 1; i <= NR; i++) {
				print line[i]
				if (i == prog)
					print "TEST_GEN_PROGS += volatile_reuse"
				if (i == hdr)
					print hdrs
			}
		}' "$own" >"$out/$sub/Makefile"
	rm "$own"
	grep -qx 'TEST_GEN_PROGS += volatile_reuse' "$out/$sub/Makefile" &&
		grep -qx "$hdrs" "$out/$sub/Makefile" ||
		{ echo "gen-selftests.sh: cannot place volatile_reuse in $mk" >&2; exit 2; }
	[ -z "$gnu" ] || { echo "gen-selftests.sh: lib.mk has no -D_GNU_SOURCE" >&2; exit 2; }
elif [ -e "$mk" ]; then
	sed -e '/^TEST_GEN_PROGS := /s/ volatile_reuse//' \
		-e '/^CFLAGS := /s/ -D_GNU_SOURCE\>//' \
		-e '/^CFLAGS := /s/ $(KHDR_INCLUDES)//' \
		-e '/^LOCAL_HDRS += ovl_volatile_/d' \
		-e '/^$(OUTPUT)\/volatile_reuse:/d' "$mk" |
		sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' >"$own"
	grep -q '^TEST_GEN_PROGS := *$' "$own" && rm "$own"
fi
if [ $upstream = 1 ]; then
	:
elif [ -e "$own" ]; then
	sed -e 's/^TEST_GEN_PROGS := \(.*\)$/TEST_GEN_PROGS := \1 volatile_reuse/' \
		-e "s/^CFLAGS := \\(.*\\)\$/CFLAGS := \\1$gnu \$(KHDR_INCLUDES)\\n$hdrs/" \
		"$own" >"$out/$sub/Makefile"
	rm "$own"
else
	cat >"$out/$sub/Makefile" <<-MK
		# SPDX-License-Identifier: GPL-2.0

		TEST_GEN_PROGS := volatile_reuse

		CFLAGS := -Wall -Werror$gnu \$(KHDR_INCLUDES)
		$hdrs

		include ../../lib.mk
	MK
fi
if [ -e "$gi" ]; then
	cp "$gi" "$out/$sub/.gitignore"
else
	echo '# SPDX-License-Identifier: GPL-2.0-only' >"$out/$sub/.gitignore"
fi
grep -qx volatile_reuse "$out/$sub/.gitignore" ||
	echo volatile_reuse >>"$out/$sub/.gitignore"
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
if [ $upstream = 1 ]; then
	# Every option the tests need, for a tree without the harness's
	# fragments: fanotify permission events for the concurrent first
	# mount, POSIX ACLs for the work dir sanitising, dm-flakey.
	cat >>"$out/$sub/config" <<-'CFG'
		CONFIG_FANOTIFY=y
		CONFIG_FANOTIFY_ACCESS_PERMISSIONS=y
		CONFIG_SECURITY=y
		CONFIG_TMPFS_POSIX_ACL=y
		CONFIG_EXT4_FS_POSIX_ACL=y
		CONFIG_XFS_POSIX_ACL=y
		CONFIG_MD=y
		CONFIG_DM_FLAKEY=y
		CONFIG_NAMESPACES=y
		CONFIG_USER_NS=y
	CFG
	# Under TCG a run of every variant takes minutes, not the default 45 s
	printf 'timeout=900\n' >"$out/$sub/settings"
fi

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
