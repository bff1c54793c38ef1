#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check-fresh`: README's set-up on a fresh Debian bookworm, as a new
# user meets it. debootstrap a minimal bookworm (minbase plus git, make and
# sudo: nothing else) into the cache once; then, in a throwaway copy of it,
# copy the checkout in and run:
#   make demo                 as a user with sudo: deps.sh installs what it
#                             needs through sudo; one guest, two boots
# and as root:
#   make check                host tests and the guests (FRESH_KERNELS)
#   make deb                  the packages, lintian
#   scripts/deb-test.sh full  install, DKMS for the guest kernels, a guest
#                             with the installed ovlctl and module, purge
# and scripts/deb-test.sh minimal in a second, bare copy (install, run,
# purge: nothing left)
# and that the first two installed no linux-image, linux-headers or
# linux-kbuild package and put nothing into the chroot's /boot. Stock kernels and their headers are fetched
# afresh inside; patched kernels the host has already built are bind-mounted
# read-only (they are keyed by the hash of what goes into them), the others
# are built inside.
#   FRESH_KERNELS="stock-6.12"  guests for make check (default: all four)
#   FRESH_STEPS="demo check"    a subset of: demo check deb; "bare" alone
#                               tests the host's build/deb/*.deb in a bare copy
# Logs in build/fresh/. Needs root (debootstrap, chroot, mounts).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${OVLVOL_BUILD:-$top/build}
cache=${OVLVOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ovl-volatile}
mirror=${FRESH_MIRROR:-http://deb.debian.org/debian}
steps=${FRESH_STEPS:-demo check deb}
logs=$build/fresh
base=$cache/fresh/base-bookworm
root=$cache/fresh/root
# The same path inside as outside, so host-built kernels fit where they are.
incache=/root/.cache/ovl-volatile

log() { echo "check-fresh: $*" >&2; }
die() { log "$*"; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot, mounts)"
"$top/scripts/deps.sh" fresh
mkdir -p "$logs" "$cache/fresh"
start=$(date +%s)

if [ ! -e "$base/.done" ]; then
	log "debootstrap bookworm (minbase + git make sudo) into $base"
	rm -rf "$base"
	debootstrap --variant=minbase --include=git,make,sudo,ca-certificates \
		bookworm "$base" "$mirror" >"$logs/debootstrap.log" 2>&1 ||
		die "debootstrap failed: see $logs/debootstrap.log"
	touch "$base/.done"
fi

mounts=()
cleanup() {
	local m i
	for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
		m=${mounts[i]}
		umount -l "$m" 2>/dev/null || true
	done
}
trap cleanup EXIT
# Remove a chroot, never through a mount still inside it (/dev, the cache).
safe_rm() {
	if findmnt -rn -o TARGET | grep -q "^$1/"; then
		die "mounts left under $1; not removing it: $(findmnt -rn -o TARGET | grep "^$1/" | tr '\n' ' ')"
	fi
	rm -rf "$1"
}
bind() { # SRC DEST [ro]
	mkdir -p "$2"
	mount --bind "$1" "$2"
	mounts+=("$2")
	[ "${3:-}" = ro ] && mount -o remount,bind,ro "$2"
	return 0
}

log "a fresh copy of the chroot"
safe_rm "$root"
cp -a "$base" "$root"
rm -f "$root/.done"
# A fresh machine has the archive's usual suites (security, updates).
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
bind /proc "$root/proc"
bind /sys "$root/sys"
bind /dev "$root/dev"
bind /dev/pts "$root/dev/pts"

# The checkout as it is (tracked and new files), without build products.
mkdir -p "$root/src/ovl-volatile"
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$top" && git ls-files -co --exclude-standard -z |
		xargs -0 tar -cf - --no-recursion) | tar -xf - -C "$root/src/ovl-volatile"
	cp -a "$top/.git" "$root/src/ovl-volatile/.git"
else
	tar -C "$top" --exclude=./build -cf - . | tar -xf - -C "$root/src/ovl-volatile"
fi

for d in "$cache"/patched/*/build/.done; do
	[ -e "$d" ] || continue
	d=${d%/build/.done}
	log "reusing the host's kernel ${d##*/} (read-only)"
	bind "$d" "$root$incache/patched/${d##*/}" ro
done

inside() { # LOG COMMAND: run COMMAND in the chroot as root, the way a new
	# user would; with AS=user, as a user with sudo, in a copy of the tree in
	# its home (its own cache, ~/.cache/ovl-volatile)
	local name=$1 t0 rc=0 run=(chroot "$root") dir=/src/ovl-volatile home=/root
	shift
	if [ "${AS:-root}" = user ]; then
		run=(chroot "$root" runuser -u newuser --)
		dir=/home/newuser/ovl-volatile home=/home/newuser
	fi
	t0=$(date +%s)
	log "$name: $* (as ${AS:-root})"
	"${run[@]}" /usr/bin/env -i HOME=$home TERM=dumb LANG=C.UTF-8 \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		KERNELS="${FRESH_KERNELS:-stock-6.1 stock-6.12 patched-6.1 patched-6.12}" \
		bash -c "cd $dir && $*" >"$logs/$name.log" 2>&1 || rc=$?
	log "$name: exit $rc in $(($(date +%s) - t0))s (log: $logs/$name.log)"
	tail -n 5 "$logs/$name.log" | sed 's/^/    /' >&2
	return $rc
}

# A user who may sudo, with a copy of the checkout of its own.
chroot "$root" useradd -m -s /bin/bash newuser
echo 'newuser ALL=(ALL) NOPASSWD: ALL' >"$root/etc/sudoers.d/newuser"
chmod 0440 "$root/etc/sudoers.d/newuser"
cp -a "$root/src/ovl-volatile" "$root/home/newuser/ovl-volatile"
chroot "$root" chown -R newuser:newuser /home/newuser/ovl-volatile

# Nothing kernel-related on the machine after README's commands.
no_kernel_installed() {
	local found
	found=$(chroot "$root" dpkg-query -W -f '${db:Status-Abbrev}${Package}\n' \
		'linux-image-*' 'linux-headers-*' 'linux-kbuild-*' 2>/dev/null |
		sed -n 's/^ii *//p' || true)
	found+=$(ls "$root/boot" 2>/dev/null | tr '\n' ' ')
	if [ -n "$found" ]; then
		log "kernel packages or /boot files on the machine: $found"
		return 1
	fi
	log "no linux-image/headers/kbuild package and an empty /boot: ok"
}

rc=0
debs=
for s in $steps; do
	case $s in
	# As a user with sudo: deps.sh installs through sudo.
	demo) AS=user inside demo make demo || rc=1 ;;
	check) inside check make check || rc=1 ;;
	deb)
		no_kernel_installed || rc=1
		inside deb make deb || rc=1
		debs=$root/src/ovl-volatile/build/deb
		# On the machine that built them: DKMS for the guest kernels, a guest.
		inside deb-test-full scripts/deb-test.sh full || rc=1 ;;
	bare) ;;
	*) die "unknown step '$s' (demo check deb bare)" ;;
	esac
done
case " $steps " in *" deb "*) ;; *) no_kernel_installed || rc=1 ;; esac

# On a bare bookworm, the way a runtime host meets them: the packages just
# built, or (FRESH_STEPS=bare alone) those of the host's `make deb`.
case " $steps " in *" deb "* | *" bare "*)
	debs=${debs:-$build/deb}
	ls "$debs"/*.deb >/dev/null 2>&1 || die "no packages in $debs: run make deb"
	log "a bare copy of the chroot for the packages alone"
	cleanup
	mounts=()
	build_root=$root
	root=$cache/fresh/root-bare
	safe_rm "$root"
	cp -a "$base" "$root"
	rm -f "$root/.done"
	cp /etc/resolv.conf "$root/etc/resolv.conf"
	cp -a "$build_root/etc/apt/sources.list" "$build_root/etc/apt/sources.list.d" \
		"$root/etc/apt/"
	bind /proc "$root/proc"
	bind /sys "$root/sys"
	bind /dev "$root/dev"
	mkdir -p "$root/src/ovl-volatile/build/deb" "$root/src/ovl-volatile/scripts" \
		"$root/src/ovl-volatile/selftests"
	cp "$debs"/*.deb "$root/src/ovl-volatile/build/deb/"
	cp "$top/scripts/deb-test.sh" "$root/src/ovl-volatile/scripts/"
	cp "$top/selftests/tap.sh" "$root/src/ovl-volatile/selftests/"
	inside deb-test-minimal scripts/deb-test.sh minimal || rc=1
	[ $rc = 0 ] && safe_rm "$build_root" ;;
esac

cleanup
mounts=()
# Kept for a look when something failed.
[ $rc = 0 ] && safe_rm "$root"
log "done in $(($(date +%s) - start))s, exit $rc"
exit $rc
