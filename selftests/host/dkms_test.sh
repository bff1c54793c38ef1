#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `dkms build` of the ovlvol module against the headers of the guests' stock
# 6.1 and 6.12 kernels (unpacked into the cache by selftests/vm/kernel.sh,
# never installed; dkms --kernelsourcedir), then checks each built module:
# vermagic, license, signature. Needs root (dkms does).
#
# Runs in a private mount namespace whose /etc/dkms/framework.conf points
# DKMS at a throwaway source tree, DKMS tree, install tree and signing key,
# so the host's DKMS state (/var/lib/dkms, its MOK) is never touched.
# Prints TAP; logs in $OVLVOL_BUILD/dkms (default build/dkms).
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
build=${OVLVOL_BUILD:-$top/build}
logs=$build/dkms

if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP dkms builds as root"
	exit 0
fi
if [ "${OVLVOL_DKMS_PRIVATE:-}" != 1 ]; then
	exec unshare -m --propagation private \
		env OVLVOL_DKMS_PRIVATE=1 "$0" "$@"
fi

. "$(dirname "$0")/../tap.sh"

conf_value() { # NAME: a plain variable of dkms.conf
	(
		set +u # it refers to variables dkms sets
		# shellcheck disable=SC1091
		. "$top/dkms.conf" && eval "printf '%s' \"\${$1}\""
	)
}

pkg=$(conf_value PACKAGE_NAME)
ver=$(conf_value PACKAGE_VERSION)
exclusive=$(conf_value BUILD_EXCLUSIVE_KERNEL)

kvers=()
declare -A kdirs
for k in stock-6.1 stock-6.12; do
	d=$("$top/selftests/vm/kernel.sh" kdir "$k") && [ -e "$d/Makefile" ] || continue
	kvers+=("${d##*/linux-headers-}")
	kdirs[${d##*/linux-headers-}]=$d
done

tmp=$(mktemp -d /tmp/ovlvol-dkms.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
rm -rf "$logs"
mkdir -p "$logs" "$tmp/src/$pkg-$ver/module" "$tmp/src/$pkg-$ver/include/uapi/linux" \
	"$tmp/dkms" "$tmp/install"

# What a source package would ship: sources only, no build products.
cp "$top/dkms.conf" "$top/Kbuild" "$tmp/src/$pkg-$ver/"
cp "$top"/module/Kbuild "$top"/module/Kconfig "$top"/module/*.[ch] \
	"$tmp/src/$pkg-$ver/module/"
cp "$top/include/uapi/linux/ovl_volatile.h" "$tmp/src/$pkg-$ver/include/uapi/linux/"

# Any kbuild's sign-file signs for both kernels.
sign_file=/nonexistent
[ ${#kvers[@]} = 0 ] || sign_file=${kdirs[${kvers[0]}]}/scripts/sign-file
cat >"$tmp/framework.conf" <<EOF
source_tree="$tmp/src"
dkms_tree="$tmp/dkms"
install_tree="$tmp/install"
mok_signing_key="$tmp/mok.key"
mok_certificate="$tmp/mok.pub"
sign_file="$sign_file"
EOF
mount --bind "$tmp/framework.conf" /etc/dkms/framework.conf || exit 1

echo "TAP version 13"
echo "1..$((3 + 3 * ${#kvers[@]}))"

ok "$([ ${#kvers[@]} -ge 2 ] && echo 0 || echo 1)" headers_unpacked \
	"${kvers[*]:-no 6.1/6.12 headers (selftests/vm/kernel.sh kdir)}"

# BUILD_EXCLUSIVE_KERNEL: the tested series, nothing else. The 7.x the
# stock-7.x guest runs is resolved as that guest resolves it.
k7=$("$top/selftests/vm/kernel.sh" resolve stock-7.x 2>/dev/null) || k7=
bad=
for k in "${kvers[@]}" $k7 6.1.0-1-amd64 6.12.1+deb13-amd64 \
	7.2.11+deb13-amd64 7.3.4+deb13-cloud-amd64 7.10.1; do
	[[ $k =~ $exclusive ]] || bad+=" $k"
done
for k in 6.6.0-1-amd64 6.10.0-1-amd64 6.11.0 5.10.0-30-amd64 6.120.0 6.13.0 \
	6.18.5+deb13-amd64 8.0.0 17.1.0; do
	[[ $k =~ $exclusive ]] && bad+=" !$k"
done
ok "$([ -z "$bad" ] && [ -n "$k7" ] && echo 0 || echo 1)" build_exclusive_kernel \
	"${bad:+wrong:$bad}${k7:- no stock-7.x release resolved}"

dkms add -m "$pkg" -v "$ver" >"$logs/add.log" 2>&1
ok $? dkms_add

for k in "${kvers[@]}"; do
	dkms build -m "$pkg" -v "$ver" -k "$k" --kernelsourcedir "${kdirs[$k]}" \
		>"$logs/build-$k.log" 2>&1
	rc=$?
	[ $rc = 0 ] || sed 's/^/# /' "$logs/build-$k.log" | tail -20
	[ -f "$tmp/dkms/$pkg/$ver/build/make.log" ] &&
		cp "$tmp/dkms/$pkg/$ver/build/make.log" "$logs/make-$k.log"
	ok $rc "dkms_build $k"

	kos=("$tmp/dkms/$pkg/$ver/$k"/*/module/"$pkg".ko*)
	ko=${kos[0]}
	[ -e "$ko" ] || ko=
	vermagic=$( [ -n "$ko" ] && modinfo -F vermagic "$ko")
	license=$( [ -n "$ko" ] && modinfo -F license "$ko")
	ok "$([ "${vermagic%% *}" = "$k" ] && [ "$license" = GPL ] &&
		echo 0 || echo 1)" "module_info $k" \
		"${ko:-no module}: vermagic '${vermagic%% *}', license '$license'"

	signer=$( [ -n "$ko" ] && modinfo -F signer "$ko")
	ok "$([ -n "$signer" ] && echo 0 || echo 1)" "module_signed $k" \
		"signer '${signer}'"
done

dkms status -m "$pkg" -v "$ver" 2>/dev/null | sed 's/^/# /'
[ $failed = 0 ]
