#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The smoke form of `make check-debug`: every guest kernel config, the debug
# ones included (KASAN, kmemleak, lockdep, PROVE_RCU), comes out of
# tinyconfig + the fragments with every option the fragments ask for, so a
# debug run never finds out after a long build that Kconfig dropped a
# checker. Configures only (about 30 s per kernel). Prints TAP.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/../tap.sh"

echo "TAP version 13"
echo "1..5"
for k in patched-6.1 patched-6.12 patched-7.3 patched-6.1-debug patched-6.12-debug; do
	if log=$("$top/selftests/vm/kernel.sh" config "$k" 2>&1); then
		ok 0 "$k" "every fragment option sticks"
	else
		echo "$log" | grep 'kernel.sh:' | sed 's/^/# /'
		ok 1 "$k" "a fragment option did not stick"
	fi
done
[ $failed = 0 ]
