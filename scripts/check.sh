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
# A run that left no summary (it could not even build) counts as a failure.
add() { # SUMMARY-FILE LABEL
	local p=0 f=1 s=0
	[ -f "$1" ] && read -r p f s <"$1"
	lines+=$(printf '%-20s %3d passed, %d failed, %d skipped' "$2:" "$p" "$f" "$s")$'\n'
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
}

if [ "${HOST_TESTS:-1}" != 0 ]; then
	echo "== host tests"
	rm -f "$build/host/summary"
	"$top/selftests/host/run.sh"
	add "$build/host/summary" host
fi

for k in $kernels; do
	echo "== guest $k"
	rm -f "$build/vm/$k/summary"
	"$top/selftests/vm/run.sh" "$k"
	add "$build/vm/$k/summary" "$k"
done

echo "== summary ($(($(date +%s) - start))s; logs in $build/host and $build/vm)"
printf '%s' "$lines"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
