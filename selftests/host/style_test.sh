#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The project's style rules, as test cases: checkpatch.pl --strict (taken
# from linux-source) on the module and the patch series, clang-format
# (the kernel's style) on userspace C. Prints TAP.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
checkpatch=$(scripts/linux-source-files.sh checkpatch)/checkpatch.pl
. "$(dirname "$0")/../tap.sh"

echo "TAP version 13"
echo "1..3"

kfiles=$(git ls-files 'module/*.[ch]' 'include/uapi/*.h')
out=$(perl "$checkpatch" --no-tree --strict --terse -f $kfiles 2>&1 |
	grep -E 'ERROR|WARNING|CHECK')
[ -n "$out" ] && echo "$out" | sed 's/^/# /'
ok "$([ -z "$out" ] && echo 0 || echo 1)" checkpatch_strict_module

pfiles=$(git ls-files "patches/*/[0-9]*.patch" | grep -v "/0000-" | sed "s|^|$top/|")
out=
if [ -n "$pfiles" ]; then
	# One exception: mount option enums are Opt_<name> in every
	# filesystem (fs_parser's convention), which --strict calls CamelCase.
	out=$(perl "$checkpatch" --no-tree --strict --terse $pfiles 2>&1 |
		grep -E 'ERROR|WARNING|CHECK' |
		grep -v 'CHECK: Avoid CamelCase: <Opt_[a-z_]*>$')
	[ -n "$out" ] && echo "$out" | sed 's/^/# /'
	ok "$([ -z "$out" ] && echo 0 || echo 1)" checkpatch_strict_patches
else
	n=$((n + 1))
	echo "ok $n checkpatch_strict_patches # SKIP the series has no patches yet"
fi

ufiles=$(git ls-files 'tools/*.[ch]' 'selftests/*.[ch]')
clang-format --dry-run --Werror $ufiles >/tmp/.ovlvol-cf.$$ 2>&1
rc=$?
sed 's/^/# /' /tmp/.ovlvol-cf.$$ | head -20
rm -f /tmp/.ovlvol-cf.$$
ok $rc clang_format_userspace

[ $failed = 0 ]
