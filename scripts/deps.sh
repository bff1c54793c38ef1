#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install every build and test dependency on Debian bookworm (root).
# Idempotent: does nothing when all are present. `make check` and
# `make demo` call it themselves.
#   deps.sh          install what is missing
#   deps.sh --check  exit 1 if anything is missing, install nothing
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
pkgs=(
	# build
	build-essential bc bison flex libelf-dev libssl-dev pkg-config patch
	git perl python3 xz-utils zstd cpio kmod sparse dkms clang-format
	# kernels and the kselftest harness, from Debian's sources
	linux-source-6.12 linux-source-6.1
	# ovlctl's libraries
	libmount-dev libkmod-dev libsmartcols-dev libjson-c-dev uuid-dev
	# guests: QEMU (TCG), busybox as PID 1, scratch filesystems, dm-error
	qemu-system-x86 busybox-static e2fsprogs xfsprogs dmsetup
	# a real OCI runtime for `ovlctl runtime` in the guests
	crun
)

installed=" $(dpkg-query -W -f '${db:Status-Abbrev}${Package} ' "${pkgs[@]}" \
	2>/dev/null | grep -o 'ii *[^ ]*' | sed 's/^ii *//' | tr '\n' ' ') "
missing=()
for p in "${pkgs[@]}"; do
	case $installed in *" $p "*) ;; *) missing+=("$p") ;; esac
done
# The stock kernels' headers, resolved from Debian's archive at run time.
if [ ${#missing[@]} = 0 ]; then
	for k in stock-6.1 stock-6.12; do
		kver=$("$top/selftests/vm/kernel.sh" resolve "$k" 2>/dev/null) || kver=
		[ -n "$kver" ] && [ -e "/usr/src/linux-headers-$kver/Makefile" ] ||
			missing+=("linux-headers-${kver:-?}")
	done
fi
[ ${#missing[@]} = 0 ] && exit 0
[ "${1:-}" = --check ] && { echo "missing: ${missing[*]}"; exit 1; }

[ "$(id -u)" = 0 ] || { echo "deps.sh: installing ${missing[*]} needs root" >&2; exit 1; }
echo "deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${pkgs[@]}"
for k in stock-6.1 stock-6.12; do
	kver=$("$top/selftests/vm/kernel.sh" resolve "$k")
	apt-get install -y -q --no-install-recommends "linux-headers-$kver"
done
