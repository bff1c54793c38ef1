#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The repository stands alone: no file outside patches/ points at the
# team's shared directory (design notes, seeds), and every .rst document
# that README.md or Documentation/*.rst names exists. Prints TAP.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
. "$top/selftests/tap.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Spelled in pieces, so this file does not match itself.
s=shared
patterns=("../$s" "$s/design" "$s/seeds")

# The files to look at, one per line, relative to the top: the tree as
# scripts/tree-files.sh lists it.
"$top/scripts/tree-files.sh" | tr '\0' '\n' >"$tmp/files"
grep -v '^patches/' "$tmp/files" >"$tmp/scan"

# .rst names referenced from the docs, as "FILE:LINE TARGET": a
# Documentation/NAME.rst is relative to the top, a bare NAME.rst to the
# referring file's directory. Deeper paths (the kernel's own
# Documentation/filesystems/...) are not this tree's.
: >"$tmp/refs"
for doc in README.md Documentation/*.rst; do
	[ -f "$doc" ] || continue
	dir=$(dirname "$doc")
	grep -noE '[A-Za-z0-9_./-]+\.rst' "$doc" | while IFS=: read -r line ref; do
		case $ref in
		Documentation/*/*) continue ;;
		Documentation/*) target=$ref ;;
		*/*) continue ;;
		*) target=$dir/$ref ;;
		esac
		echo "$doc:$line $target"
	done >>"$tmp/refs"
done
sort -k2,2 -u "$tmp/refs" >"$tmp/targets"

echo "TAP version 13"
echo "1..$((1 + $(wc -l <"$tmp/targets")))"

: >"$tmp/hits"
while IFS= read -r f; do
	[ -f "$f" ] || continue # deleted in the work tree, not yet committed
	for p in "${patterns[@]}"; do
		grep -HnF -e "$p" -- "$f" >>"$tmp/hits" 2>/dev/null
	done
done <"$tmp/scan"
sort -u -o "$tmp/hits" "$tmp/hits"
[ -s "$tmp/hits" ] && sed 's/^/# points outside the repository: /' "$tmp/hits"
ok "$([ -s "$tmp/hits" ] && echo 1 || echo 0)" no_shared_references \
	"$(wc -l <"$tmp/scan") files"

while read -r from target; do
	[ -f "$target" ]
	ok $? "doc_exists $target" "named in $from"
done <"$tmp/targets"

[ "$failed" = 0 ]
