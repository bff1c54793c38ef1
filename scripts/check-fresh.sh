#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check-fresh`: README's set-up on a fresh Debian bookworm, as a new
# user meets it. debootstrap a minimal bookworm (minbase plus git, make and
# sudo: nothing else) into the cache once; then, in a throwaway copy of it
# with the checkout copied in, run:
#   make demo                 as a user who may sudo, with a login shell's
#                             PATH: deps.sh installs through sudo; one guest
# then as root:
#   make check                host tests and the guests (FRESH_KERNELS)
#   make deb                  the packages, lintian
# checking after each that no linux-image, linux-headers or linux-kbuild
# package was installed and nothing was put into /boot; then
#   scripts/deb-test.sh full  the guest kernels' headers, both packages
#                             (dkms status), every stock-6.12 guest selftest
#                             with the installed ovlctl and the DKMS-built
#                             module, remove, purge
# and scripts/deb-test.sh minimal in a second, bare copy (the packages and
# what they pull in install, ovlctl runs, purge leaves nothing).
#
# Stock kernels and their headers are fetched afresh inside; patched
# kernels this host has already built are bind-mounted read-only (they are
# keyed by the hash of what goes into them), others are built inside.
#   FRESH_KERNELS="stock-6.12"  guests for make check (default: all five)
#   FRESH_STEPS="demo check"    a subset of: demo check deb; "bare" alone
#                               tests this tree's build/deb/*.deb in a bare copy
# Logs in build/fresh/. Needs root (debootstrap, chroot, mounts); runs in a
# private mount namespace, so no mount outlives it or reaches the host.
set -euo pipefail

if [ "${OVLVOL_FRESH_PRIVATE:-}" != 1 ]; then
	[ "$(id -u)" = 0 ] || { echo "check-fresh: needs root (debootstrap, chroot, mounts)" >&2; exit 1; }
	exec unshare -m --propagation private env OVLVOL_FRESH_PRIVATE=1 "$0" "$@"
fi

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${OVLVOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ovl-volatile}
mirror=${FRESH_MIRROR:-http://deb.debian.org/debian}
steps=${FRESH_STEPS:-demo check deb}
logs=${OVLVOL_BUILD:-$top/build}/fresh
base=$cache/fresh/base-bookworm
root=$cache/fresh/root

log() { echo "check-fresh: $*" >&2; }
die() { log "$*"; exit 1; }

for s in $steps; do
	case $s in demo | check | deb | bare) ;; *) die "unknown step '$s' (demo check deb bare)" ;; esac
done
"$top/scripts/deps.sh" fresh
mkdir -p "$logs" "$cache/fresh"
start=$(date +%s)
exec 9>"$cache/fresh/.lock"
flock -n 9 || die "another check-fresh is running"

mounts=()
cleanup() {
	local i p
	# Nothing may go on writing in the chroot once its mounts are gone.
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && kill -KILL "${p#/proc/}" 2>/dev/null
	done
	for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
		umount -l "${mounts[i]}" 2>/dev/null || true
	done
	mounts=()
}
trap cleanup EXIT
# Remove a chroot, never through a mount inside it (/dev, the cache): the
# mount table's targets (octal-escaped there) compared as plain strings.
safe_rm() {
	local left
	left=$(awk -v p="$1" '{ t = $5; gsub(/\\040/, " ", t)
		if (t == p || index(t, p "/") == 1) print t }' /proc/self/mountinfo)
	[ -z "$left" ] || die "mounts left under $1; not removing it: $left"
	rm -rf --one-file-system "$1"
}
bind() { # SRC DEST [ro]
	mkdir -p "$2"
	mount --bind "$1" "$2"
	mounts+=("$2")
	[ "${3:-}" = ro ] && mount -o remount,bind,ro "$2"
	return 0
}

if [ ! -e "$base/.done" ]; then
	log "debootstrap bookworm (minbase + git make sudo) into $base"
	safe_rm "$base"
	debootstrap --variant=minbase --include=git,make,sudo \
		bookworm "$base" "$mirror" >"$logs/debootstrap.log" 2>&1 ||
		die "debootstrap failed: see $logs/debootstrap.log"
	touch "$base/.done"
fi

# new_root DIR: a fresh copy of the base with the archive's usual suites
# (a fresh machine has security and updates too), no daemons started by
# package scripts, and /proc, /sys (read-only) and /dev.
new_root() {
	cleanup
	root=$1
	safe_rm "$root"
	cp -a "$base" "$root"
	rm -f "$root/.done"
	cp /etc/resolv.conf "$root/etc/resolv.conf"
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then
		cp /etc/apt/sources.list.d/debian.sources "$root/etc/apt/sources.list.d/"
		: >"$root/etc/apt/sources.list"
	else
		cat >"$root/etc/apt/sources.list" <<-EOF
			deb $mirror bookworm main
			deb $mirror bookworm-updates main
			deb http://deb.debian.org/debian-security bookworm-security main
		EOF
	fi
	printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
	chmod 0755 "$root/usr/sbin/policy-rc.d"
	# A mount point of its own, as / is on a machine: unshare(1) and
	# mount --make-private, which tests use, refuse a / that is not one.
	bind "$root" "$root"
	bind /proc "$root/proc"
	bind /sys "$root/sys" ro
	bind /dev "$root/dev"
	bind /dev/pts "$root/dev/pts"
}

# copy_tree DIR OWNER: the checkout as it is (scripts/tree-files.sh) and its
# .git, owned by OWNER inside the chroot.
copy_tree() {
	mkdir -p "$root$1"
	"$top/scripts/tree-files.sh" | tar -C "$top" --null --no-recursion -T - -cf - |
		tar -C "$root$1" --no-same-owner -xf -
	[ ! -d "$top/.git" ] || cp -a "$top/.git" "$root$1/.git"
	chroot "$root" chown -R "$2:$2" "$1"
}

# inside LOG COMMAND: run COMMAND in the tree in the chroot as root, with
# a clean environment; with AS=user, as newuser through a login shell.
inside() {
	local name=$1 t0 rc=0
	shift
	t0=$(date +%s)
	log "$name: $* (as ${AS:-root})"
	if [ "${AS:-root}" = user ]; then
		chroot "$root" runuser -l newuser -c "cd ovl-volatile && $*"
	else
		chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
			PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			OVLVOL_CACHE="$cache" \
			KERNELS="${FRESH_KERNELS:-stock-6.1 stock-6.12 stock-7.x patched-6.1 patched-6.12 patched-7.3}" \
			bash -c "cd /src/ovl-volatile && $*"
	fi >"$logs/$name.log" 2>&1 || rc=$?
	log "$name: exit $rc in $(($(date +%s) - t0))s (log: $logs/$name.log)"
	tail -n 5 "$logs/$name.log" | sed 's/^/    /' >&2
	return $rc
}

# Nothing kernel-related on the machine after README's commands.
no_kernel_installed() {
	local found
	found=$(chroot "$root" dpkg-query -W -f '${db:Status-Abbrev}${Package}\n' \
		'linux-image-*' 'linux-headers-*' 'linux-kbuild-*' 2>/dev/null |
		sed -n 's/^ii *//p' || true)
	found+=$(ls "$root/boot" 2>/dev/null | tr '\n' ' ')
	if [ -n "$found" ]; then
		log "after $1: kernel packages or /boot files on the machine: $found"
		return 1
	fi
	log "after $1: no linux-image/headers/kbuild package, /boot empty: ok"
}

# The patched kernels this host has built, read-only, at the host's cache
# path (build dirs hold absolute paths); one the host is building now is
# waited for (kernel.sh holds its lock while it builds).
bind_host_kernels() {
	local d k
	for k in patched-6.1 patched-6.12 patched-7.3; do
		[ -e "$cache/.lock-$k" ] && flock "$cache/.lock-$k" true
	done
	for d in "$cache"/patched/*/build/.done; do
		[ -e "$d" ] || continue
		d=${d%/build/.done}
		log "reusing the host's kernel ${d##*/} (read-only)"
		bind "$d" "$root$d" ro
	done
}

rc=0
debs=$top/build/deb
case " $steps " in *" demo "* | *" check "* | *" deb "*)
	log "a fresh copy of the chroot"
	new_root "$cache/fresh/root"
	chroot "$root" useradd -m -s /bin/bash newuser
	echo 'newuser ALL=(ALL) NOPASSWD: ALL' >"$root/etc/sudoers.d/newuser"
	chmod 0440 "$root/etc/sudoers.d/newuser"
	copy_tree /home/newuser/ovl-volatile newuser
	copy_tree /src/ovl-volatile root
	for s in $steps; do
		case $s in
		demo) AS=user inside demo make demo || rc=1 ;;
		check)
			bind_host_kernels
			inside check make check || rc=1 ;;
		*) continue ;;
		esac
		no_kernel_installed "make $s" || rc=1
	done
	case " $steps " in *" deb "*)
		inside deb make deb || rc=1
		no_kernel_installed "make deb" || rc=1
		debs=$root/src/ovl-volatile/build/deb
		# On the machine that built them: DKMS for the guest kernels, a guest.
		inside deb-test-full scripts/deb-test.sh full || rc=1 ;;
	esac ;;
esac

# On a bare bookworm, the way a runtime host meets them: the packages just
# built, or (FRESH_STEPS=bare) those of this tree's `make deb`.
case " $steps " in *" deb "* | *" bare "*)
	ls "$debs"/*.deb >/dev/null 2>&1 || die "no packages in $debs: run make deb"
	log "a bare copy of the chroot for the packages alone"
	build_root=$root
	new_root "$cache/fresh/root-bare"
	mkdir -p "$root/src/ovl-volatile/build/deb" "$root/src/ovl-volatile/scripts" \
		"$root/src/ovl-volatile/selftests"
	cp "$debs"/*.deb "$root/src/ovl-volatile/build/deb/"
	cp "$top/scripts/deb-test.sh" "$root/src/ovl-volatile/scripts/"
	cp "$top/selftests/tap.sh" "$root/src/ovl-volatile/selftests/"
	inside deb-test-minimal scripts/deb-test.sh minimal || rc=1
	[ "$build_root" = "$root" ] || [ $rc != 0 ] || safe_rm "$build_root" ;;
esac

cleanup
# Kept for a look when something failed.
[ $rc != 0 ] || safe_rm "$root"
log "done in $(($(date +%s) - start))s, exit $rc"
exit $rc
