#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The files of this tree as they are now, NUL-separated, relative to its
# top: what git tracks or would track (new files not ignored), minus files
# deleted in the work tree; without git, everything but .git and build/.
# For copies of the tree (make deb, make check-fresh):
#   scripts/tree-files.sh | tar -C TOP --null -T - -cf - | ...
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
if [ "$(git rev-parse --show-toplevel 2>/dev/null)" = "$top" ]; then
	git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do
			[ -e "$f" ] || [ -L "$f" ] && printf '%s\0' "$f"
		done
else
	find . \( -path ./.git -o -path ./build \) -prune -o \
		\( -type f -o -type l \) -printf '%P\0'
fi
