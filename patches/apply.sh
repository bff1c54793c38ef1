#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Apply patches/VER/series to a kernel source tree, quilt style.
#   patches/apply.sh 6.12 /path/to/linux-source-6.12
# Every patch must apply without fuzz; the first that does not stops the run.
set -euo pipefail

ver=${1:?usage: apply.sh VER TREE}
tree=${2:?usage: apply.sh VER TREE}
dir=$(cd "$(dirname "$0")/$ver" && pwd)
n=0
[ -f "$dir/series" ] || { echo "apply.sh: $dir/series missing" >&2; exit 1; }
while read -r p _; do
	case $p in '' | '#'*) continue ;; esac
	patch -d "$tree" -p1 --batch --forward --fuzz=0 --quiet -i "$dir/$p" ||
		{ echo "apply.sh: $p does not apply to $tree" >&2; exit 1; }
	n=$((n + 1))
done <"$dir/series"
echo "apply.sh: applied $n patch(es) from patches/$ver/series"
