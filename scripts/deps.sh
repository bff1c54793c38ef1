#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the build and test tools and libraries on Debian bookworm (root,
# or sudo). Idempotent: does nothing when all are present. `make check`
# (test and deb: it builds the packages), `make demo`, `make deb` and
# `make check-fresh` call it themselves.
#   deps.sh [GROUP...]          install what is missing
#   deps.sh --check [GROUP...]  list what is missing and exit 1, install nothing
# Groups: test (the default: make, make demo, make check), deb (make deb,
# make check), fresh (make check-fresh).
#
# Only tools and libraries: nothing kernel-related goes onto the host. The
# guest kernels and the stock kernels' headers are unpacked into the cache
# by selftests/vm/kernel.sh (apt-get download + dpkg-deb -x), never
# installed, so no linux-image, initramfs or DKMS run lands in /boot.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)

group_test=(
	# build
	build-essential bc bison flex libelf-dev libssl-dev pkg-config patch
	git perl python3 xz-utils zstd cpio kmod sparse dkms clang-format
	# headers_install of 6.12 (make patches-bisect builds the in-tree selftests;
	# mainline's overlayfs selftests Makefile links every program with -lcap)
	rsync libcap-dev
	# DKMS's signing key (dkms_test)
	openssl
	# what the stock kernels' headers need (unpacked, not installed)
	pahole
	# kernels and the kselftest harness, from Debian's sources
	linux-source-6.12 linux-source-6.1
	# ovlctl's libraries
	libmount-dev libkmod-dev libsmartcols-dev libjson-c-dev uuid-dev libeconf-dev
	# the fuzz targets (fuzz_test, make fuzz): libFuzzer is in clang's
	# runtime package, which clang only recommends
	clang libclang-rt-14-dev
	# guests: QEMU (TCG), busybox as PID 1, scratch filesystems, dm-error
	qemu-system-x86 busybox-static e2fsprogs xfsprogs dmsetup
	# a real OCI runtime for `ovlctl runtime` in the guests
	crun
	# make bench: its JSON and its plot
	jq gnuplot-nox
	# the trixie chroot the stock-7.x module builds in (kernel.sh)
	debootstrap
)
# and debian/control's Build-Depends, through apt-get build-dep
group_deb=(dpkg-dev fakeroot lintian)
group_fresh=(debootstrap)

check=0
if [ "${1:-}" = --check ]; then
	check=1
	shift
fi
[ $# = 0 ] && set -- test
pkgs=()
builddep=0
for g in "$@"; do
	case $g in
	test) pkgs+=("${group_test[@]}") ;;
	deb) pkgs+=("${group_deb[@]}") builddep=1 ;;
	fresh) pkgs+=("${group_fresh[@]}") ;;
	*) echo "deps.sh: unknown group '$g' (test, deb, fresh)" >&2; exit 2 ;;
	esac
done

# dpkg-query exits 1 when any package asked for is not installed (or not
# even known): that is the normal case here, not an error.
installed=" $(dpkg-query -W -f '${db:Status-Abbrev}${Package}\n' "${pkgs[@]}" \
	2>/dev/null | sed -n 's/^ii *//p' | tr '\n' ' ' || true) "
missing=()
for p in "${pkgs[@]}"; do
	case $installed in *" $p "*) ;; *) missing+=("$p") ;; esac
done
# The Build-Depends, as dpkg-buildpackage will check them.
unmet=
if [ $builddep = 1 ]; then
	if command -v dpkg-checkbuilddeps >/dev/null; then
		unmet=$(cd "$top" && dpkg-checkbuilddeps \
			--admindir="${DPKG_ADMINDIR:-/var/lib/dpkg}" 2>&1 >/dev/null |
			sed -n 's/.*Unmet build dependencies: //p' || true)
	else
		unmet="(debian/control's Build-Depends: dpkg-dev cannot tell yet)"
	fi
fi
[ ${#missing[@]} = 0 ] && [ -z "$unmet" ] && exit 0
if [ $check = 1 ]; then
	echo "missing: ${missing[*]}${unmet:+${missing[*]:+ }$unmet}"
	exit 1
fi

sudo=()
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null || {
		echo "deps.sh: installing ${missing[*]} needs root (or sudo)" >&2
		exit 1
	}
	sudo=(sudo)
fi
echo "deps.sh: installing ${missing[*]}${unmet:+${missing[*]:+ }$unmet}"
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
[ ${#missing[@]} = 0 ] || "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
	apt-get install -y -q --no-install-recommends "${missing[@]}"
[ $builddep = 0 ] || "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
	apt-get build-dep -y -q --no-install-recommends "$top"
