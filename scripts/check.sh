#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: host-side tests, then every selftest in a QEMU guest on each
# kernel. Counts every test case across host and guests; the last line is
# "N passed, N failed, N skipped"; exits non-zero on any failure.
#   KERNELS="stock-6.12" make check   to run a subset of the guests
#   HOST_TESTS=0                        the guests only (make check-debug)
set -u
# A user's login PATH has no sbin: depmod, mkfs.*, dmsetup live there.
PATH=$PATH:/usr/sbin:/sbin

top=$(cd "$(dirname "$0")/.." && pwd)
build=${OVLVOL_BUILD:-$top/build}
kernels=${KERNELS:-stock-6.1 stock-6.12 stock-7.x patched-6.1 patched-6.12 patched-7.3}
start=$(date +%s)

"$top/scripts/deps.sh" test deb || exit 1

pass=0 fail=0 skip=0 lines=
mkdir -p "$build"
: >"$build/check.problems"
# A run that left no summary (it could not even build) counts as a failure.
add() { # SUMMARY-FILE LABEL
	local p=0 f=1 s=0
	[ -f "$1" ] && read -r p f s <"$1"
	lines+=$(printf '%-20s %3d passed, %d failed, %d skipped' "$2:" "$p" "$f" "$s")$'\n'
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
}

# What failed, named again after the summary: a CI log often keeps only its
# tail. The collector's problem lines (a case "not ok", cases never reported,
# a guest cut off) and the crash rounds' table when it failed.
problems() { # DIR LABEL
	local c
	[ -f "$1/summary" ] || echo "$2: the run left no summary (it did not get to its tests)"
	for c in "$1"/*.collect "$1"/fault/*.collect "$1"/fault.tally "$1"/fault/fault.tally; do
		[ -s "$c" ] || continue
		case $c in
		*.tally) sed "s|^|$2: fault tally: |" "$c" ;;
		*) grep -v 'passed,' "$c" | sed "s|^|$2: ${c##*/}: |" ;;
		esac
	done
	why "$1" "$2"
	return 0
}

# The harness's own lines for each case "not ok" (file:line, Expected ...),
# at most 20 per case, from the program's TAP file.
why() { # DIR LABEL
	local prog tcase
	cat "$1"/*.collect 2>/dev/null |
		sed -n 's/^\([A-Za-z0-9_]*\): not ok [0-9]* \(.*\)$/\1 \2/p' |
		while read -r prog tcase; do
			[ -f "$1/$prog.tap" ] || continue
			awk -v c="$tcase" '
				$0 ~ "^#  RUN +" && $3 == c { on = 1; n = 0 }
				on && n++ < 20 { print }
				on && /^not ok / { exit }' "$1/$prog.tap" |
				sed "s|^|$2: $prog: |"
		done
}

if [ "${HOST_TESTS:-1}" != 0 ]; then
	echo "== host tests"
	rm -f "$build/host/summary"
	"$top/selftests/host/run.sh"
	add "$build/host/summary" host
	problems "$build/host" host >>"$build/check.problems"
fi

for k in $kernels; do
	echo "== guest $k"
	rm -f "$build/vm/$k/summary"
	"$top/selftests/vm/run.sh" "$k"
	add "$build/vm/$k/summary" "$k"
	problems "$build/vm/$k" "$k" >>"$build/check.problems"
done

echo "== summary ($(($(date +%s) - start))s; logs in $build/host and $build/vm)"
printf '%s' "$lines"
if [ -s "$build/check.problems" ]; then
	echo "== what failed"
	cat "$build/check.problems"
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
