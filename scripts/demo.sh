#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: the volatile-restart story, told by a QEMU guest booted on
# Debian's stock kernel (nothing is ever loaded into the host kernel).
#   DEMO_KERNEL=stock-6.1 make demo   to pick another guest kernel
set -eu
# A user's login PATH has no sbin: depmod, mkfs.*, dmsetup live there.
PATH=$PATH:/usr/sbin:/sbin

top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/deps.sh"
echo "Preparing the guest (the first run downloads a kernel and builds; later runs are quick)..."
exec "$top/selftests/vm/run.sh" --demo "${DEMO_KERNEL:-stock-6.12}"
