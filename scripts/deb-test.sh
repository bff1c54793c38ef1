#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install, use, remove and purge the packages `make deb` built (build/deb/)
# on this machine, the way piuparts does: a list of every file before the
# install must equal the list after the purge. Meant for a throwaway chroot
# (`make check-fresh` runs it in two); refuses to run outside one.
#   deb-test.sh minimal  on a bare bookworm: the packages and what they pull
#                        in install, ovlctl runs, DKMS has the sources, purge
#                        leaves nothing
#   deb-test.sh full     on the build chroot: also the guests' stock kernels'
#                        headers, so DKMS builds the module for both (dkms
#                        status), and a stock-6.12 guest runs every selftest
#                        with the installed ovlctl and the DKMS-built module
# Prints TAP; exits non-zero on any failure.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
mode=${1:-minimal}
debs=${DEBS:-$top/build/deb}
. "$top/selftests/tap.sh"

case $mode in minimal | full) ;; *) echo "usage: deb-test.sh minimal|full" >&2; exit 2 ;; esac
if ! ischroot && [ "${OVLVOL_DEB_TEST_HERE:-}" != 1 ]; then
	echo "deb-test.sh: installs and purges packages; run it in a chroot (make check-fresh)" >&2
	exit 2
fi
[ "$(id -u)" = 0 ] || { echo "deb-test.sh: needs root" >&2; exit 2; }
ctl=$(ls "$debs"/ovlctl_*.deb 2>/dev/null | head -n 1)
dkmsdeb=$(ls "$debs"/ovlvol-dkms_*.deb 2>/dev/null | head -n 1)
[ -n "$ctl" ] && [ -n "$dkmsdeb" ] || { echo "deb-test.sh: no packages in $debs; run make deb" >&2; exit 2; }
ver=$(dpkg-deb -f "$dkmsdeb" Version)
ver=${ver%%-*}

tmp=$(mktemp -d /tmp/deb-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export DEBIAN_FRONTEND=noninteractive
apt_get() { apt-get -y -q -o Dpkg::Use-Pty=0 "$@" >>"$tmp/apt.log" 2>&1; }
tap_show="$tmp/out"

# Every file and symlink of the system, minus what changes on its own (apt's
# and dpkg's own databases and caches, logs, the package files themselves).
files() {
	find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /run \
		-o -path /tmp -o -path /root -o -path /src -o -path /var/cache \
		-o -path /var/lib/apt -o -path /var/lib/dpkg -o -path /var/log \
		-o -path /var/tmp \) -prune -o -print | sort
}

echo "TAP version 13"
apt_get update
if [ "$mode" = full ]; then
	# The guest harness's tools, as make check installs them.
	"$top/scripts/deps.sh" >>"$tmp/apt.log" 2>&1
	ok $? deps_installed
	kvers=
	for k in stock-6.1 stock-6.12; do
		kvers+=" $("$top/selftests/vm/kernel.sh" resolve "$k")"
	done
	# A runtime host has its kernels' headers; apt-get pulls what they need.
	apt_get install --no-install-recommends $(for k in $kvers; do echo "linux-headers-$k"; done)
	ok $? "headers_installed$kvers"
fi

installed() { dpkg-query -W -f '${db:Status-Abbrev}${Package}\n' | sed -n 's/^ii *//p' | sort; }
files >"$tmp/before"
installed >"$tmp/pkgs.before"
apt_get install "$ctl" "$dkmsdeb"
rc=$?
tail -n 30 "$tmp/apt.log" >"$tmp/out"
ok $rc install "$(basename "$ctl") $(basename "$dkmsdeb")"

/usr/sbin/ovlctl --version >"$tmp/out" 2>&1
ok $? ovlctl_runs "$(head -n 1 "$tmp/out")"
/usr/sbin/ovlctl -J features >"$tmp/out" 2>&1
if command -v python3 >/dev/null; then
	python3 -c 'import json,sys; assert "authority" in json.load(open(sys.argv[1]))' "$tmp/out"
else # a bare system has no JSON parser to hand
	grep -q '"authority"' "$tmp/out"
fi
ok $? ovlctl_features_json

bad=
for f in /usr/share/man/man8/ovlctl.8.gz /usr/share/bash-completion/completions/ovlctl \
	/usr/share/containers/oci/hooks.d/ovlctl-hook.json /usr/src/ovlvol-"$ver"/dkms.conf \
	/usr/src/ovlvol-"$ver"/module/main.c /usr/src/ovlvol-"$ver"/include/uapi/linux/ovl_volatile.h; do
	[ -e "$f" ] || bad+=" $f"
done
unit=$(dpkg -L ovlctl | grep '/ovlctl-gc.service$' | head -n 1)
[ -n "$unit" ] || bad+=" ovlctl-gc.service"
hookbin=$(sed -n 's/.*"path" *: *"\([^"]*\)".*/\1/p' /usr/share/containers/oci/hooks.d/ovlctl-hook.json 2>/dev/null)
[ -x "$hookbin" ] || bad+=" hook path '$hookbin'"
ok "$([ -z "$bad" ] && echo 0 || echo 1)" files_in_place "${bad:+missing:$bad}"

dkms status -m ovlvol >"$tmp/status" 2>&1
cp "$tmp/status" "$tmp/out"
sed 's/^/# dkms status: /' "$tmp/status"
# Built and installed for every kernel whose headers are here: in the full
# test the guests' two, in the bare one what apt's Recommends brought
# (dkms recommends linux-headers-amd64).
hdrs=$(ls -d /lib/modules/*/build 2>/dev/null | sed 's|^/lib/modules/||; s|/build$||')
[ "$mode" = full ] && hdrs=$kvers
[ -n "$(echo $hdrs)" ] || hdrs="(no headers)"
for k in $hdrs; do
	grep -q "^ovlvol/$ver, $k, x86_64: installed" "$tmp/status"
	ok $? "dkms_installed $k"
done
if [ "$mode" = full ]; then
	# The installed ovlctl and the DKMS-built module, in a guest.
	k=${kvers##* }
	ko=$(find "/lib/modules/$k/updates" -name 'ovlvol.ko*' 2>/dev/null | head -n 1)
	OVLVOL_BUILD=$top/build/deb-test OVLCTL_BIN=/usr/sbin/ovlctl OVLVOL_KO=$ko \
		"$top/selftests/vm/run.sh" stock-6.12 >"$tmp/out" 2>&1
	rc=$?
	sed -n 's/^/# /p' "$tmp/out" | tail -n 6
	ok "$([ $rc = 0 ] && [ -n "$ko" ] && echo 0 || echo 1)" guest_installed_ovlctl_and_module \
		"$(tail -n 1 "$tmp/out")"
fi

apt_get remove ovlctl ovlvol-dkms
rc=$?
left=$(find /lib/modules -name 'ovlvol.ko*' 2>/dev/null)
[ -e /usr/sbin/ovlctl ] && left+=" /usr/sbin/ovlctl"
[ -n "$(dkms status -m ovlvol 2>/dev/null)" ] && left+=" dkms:$(dkms status -m ovlvol)"
tail -n 20 "$tmp/apt.log" >"$tmp/out"
ok "$([ $rc = 0 ] && [ -z "$left" ] && echo 0 || echo 1)" remove "${left:+left:$left}"

apt_get purge ovlctl ovlvol-dkms
rc=$?
# Then, as piuparts does, everything the install brought in (apt's
# autoremove keeps what an installed package merely suggests).
extra=$(installed | comm -13 "$tmp/pkgs.before" -)
[ -z "$extra" ] || apt_get purge $extra || rc=1
# Not the packages' to remove, and kept on purpose by their owners: the
# key DKMS signs modules with (it may be enrolled as a MOK; dkms's purge
# keeps it), and depmod's indexes for a kernel whose headers came without
# its image (the image's postrm removes them on a real host).
kept='^/var/lib/dkms(/mok\.(key|pub))?$|^/usr/lib/modules(/[^/]+(/modules\.[a-z.]+)?)?$'
files | grep -Ev "$kept" >"$tmp/after"
grep -Ev "$kept" "$tmp/before" >"$tmp/before.kept"
diff "$tmp/before.kept" "$tmp/after" >"$tmp/out"
drc=$?
sed 's/^/# /' "$tmp/out" | head -n 20
left=$(dpkg -l ovlctl ovlvol-dkms 2>/dev/null | grep -E '^(ii|rc)')
ok "$([ $rc = 0 ] && [ $drc = 0 ] && [ -z "$left" ] && echo 0 || echo 1)" purge_leaves_nothing

echo "1..$n"
[ $failed = 0 ]
