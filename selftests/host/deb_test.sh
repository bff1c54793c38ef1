#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make deb`: both packages build and pass lintian (the target fails
# otherwise), and hold what a runtime host needs and nothing built. Their
# install, DKMS build, use in a guest and purge are `make check-fresh`'s
# (a chroot). Prints TAP.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/../tap.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tap_show="$tmp/out"

echo "TAP version 13"
echo "1..5"
make -s -C "$top" deb >"$tmp/log" 2>&1
rc=$?
tail -n 20 "$tmp/log" >"$tmp/out"
ok $rc make_deb_lintian_clean

ctl=$(ls "$top"/build/deb/ovlctl_*.deb 2>/dev/null | head -n 1)
dkms=$(ls "$top"/build/deb/ovlvol-dkms_*.deb 2>/dev/null | head -n 1)
ver=$(sed -n 's/^PACKAGE_VERSION := //p' "$top/Makefile")

# contents DEB WANTED...: every WANTED path is in DEB; sets $missing
contents() {
	local deb=$1 f
	shift
	missing=
	dpkg-deb -c "$deb" 2>/dev/null | awk '{ print $6 }' | sed 's|^\./|/|' >"$tmp/list"
	for f in "$@"; do
		grep -qx "$f" "$tmp/list" || missing+=" $f"
	done
	cp "$tmp/list" "$tmp/out"
}

contents "${ctl:-/nonexistent}" /usr/sbin/ovlctl /usr/share/man/man8/ovlctl.8.gz \
	/usr/share/bash-completion/completions/ovlctl \
	/usr/share/containers/oci/hooks.d/ovlctl-hook.json \
	/lib/systemd/system/ovlctl-gc.service
ok "$([ -n "$ctl" ] && [ -z "$missing" ] && echo 0 || echo 1)" ovlctl_contents "${missing:+missing:$missing}"

src=/usr/src/ovlvol-$ver
contents "${dkms:-/nonexistent}" "$src/dkms.conf" "$src/Kbuild" "$src/module/Kbuild" \
	"$src/module/main.c" "$src/include/uapi/linux/ovl_volatile.h"
built=$(grep -E '\.(o|ko|mod|mod\.c|cmd)$|Module\.symvers|modules\.order' "$tmp/list")
ok "$([ -n "$dkms" ] && [ -z "$missing$built" ] && echo 0 || echo 1)" dkms_sources_only \
	"${missing:+missing:$missing}${built:+ built: $built}"

dep=$(dpkg-deb -f "${dkms:-/nonexistent}" Depends 2>/dev/null)
echo "$dep" >"$tmp/out"
echo "$dep" | grep -qw dkms
ok $? dkms_package_depends_on_dkms "$dep"

# libkmod is opened at run time (dlopen), which dh_shlibdeps cannot see
dep=$(dpkg-deb -f "${ctl:-/nonexistent}" Depends 2>/dev/null)
echo "$dep" | tr ',' '\n' | grep -q '^ *libkmod2\b'
ok $? ovlctl_depends_on_libkmod "$dep"

[ $failed = 0 ]
