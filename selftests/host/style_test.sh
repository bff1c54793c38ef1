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

# checkpatch --no-tree asks about MAINTAINERS for every new file; a patch
# whose new files all lie where OVERLAY FILESYSTEM's F: lines already
# reach (fs/overlayfs/, its selftests) needs no entry. Prints the names of
# those patches.
maintained_new_files() {
	local p
	for p in "$@"; do
		grep -q '^new file mode' "$p" || continue
		awk '/^diff --git / { f = $4; sub(/^b\//, "", f) }
			/^new file mode/ { print f }' "$p" |
			grep -qvE '^(fs/overlayfs/|tools/testing/selftests/filesystems/overlayfs/)' &&
			continue
		echo "${p##*/}"
	done
}
out=
if [ -n "$pfiles" ]; then
	# Exceptions: mount option enums are Opt_<name> in every
	# filesystem (fs_parser's convention), which --strict calls CamelCase;
	# and the upstream series' selftests spell the checkpoint struct
	# __attribute__((packed)), as selftests do: __packed is the kernel's
	# (the kernel side of the series uses it); a MAINTAINERS
	# question about new files the overlayfs entry already covers.
	out=$(perl "$checkpatch" --no-tree --strict --terse $pfiles 2>&1 |
		grep -E 'ERROR|WARNING|CHECK' |
		grep -v 'CHECK: Avoid CamelCase: <Opt_[a-z_]*>$' |
		grep -v '/0006-selftests-[^:]*:[0-9]*: WARNING: Prefer __packed over __attribute__((packed))$' |
		awk -v ok="$(maintained_new_files $pfiles | tr '\n' ' ')" '
			/does MAINTAINERS need updating\?$/ {
				f = $0; sub(/:.*/, "", f); sub(/.*\//, "", f)
				if (index(" " ok, " " f " ")) next
			}
			{ print }')
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
