#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Provide a guest kernel for the QEMU harness and print where it is.
#
#   kernel.sh stock-6.1|stock-6.12      Debian's signed image and its headers,
#                                       unpacked into the cache (never installed)
#   kernel.sh stock-7.x                 the kernel linux-image-amd64 follows in
#                                       $BPO_SUITE (trixie-backports), through a
#                                       private apt configuration; its headers
#                                       go into a $BPO_BASE (trixie) chroot,
#                                       where modules build with the kernel's
#                                       own compiler (needs root)
#   kernel.sh patched-6.1|patched-6.12  linux-source-VER + patches/VER/series,
#                                       tinyconfig + config fragments, built here
#   kernel.sh patched-7.3               the same for the upstream series, with
#                                       linux-source-7.3 from $BPO_SUITE
#   kernel.sh patched-VER-debug         the same with config/debug/*.config on
#                                       top (KASAN, kmemleak, lockdep, PROVE_RCU)
#   kernel.sh config patched-VER[-debug]  only configure it and check that every
#                                       fragment option sticks (no build)
#   kernel.sh resolve stock-VER         print the release Debian offers now
#   kernel.sh kdir stock-VER            print only the headers' build dir
#   kernel.sh source VER                print the linux-source-VER tarball
#                                       a patched kernel is built from
#   kernel.sh valgrind                  not a kernel: the guests' valgrind
#                                       (the benchmark's callgrind), from
#                                       $VALGRIND_SUITE (sid); prints
#                                       VALGRIND_ROOT=... (the unpacked package)
#
# Prints shell assignments on stdout:
#   KVER=...        the kernel release (uname -r in the guest)
#   BZIMAGE=...     the kernel image
#   MODROOT=...     a directory holding lib/modules/$KVER (depmod run)
#   KDIR=...        the build dir out-of-tree modules build against
#   KCHROOT=...     (stock-7.x) the root KDIR is in: build there, chrooted
#
# Everything is cached under $OVLVOL_CACHE (default ~/.cache/ovl-volatile),
# keyed by package version, and for patched kernels also by the hash of the
# series and the config fragments: a second run reuses it.
set -euo pipefail
# A user's login PATH has no sbin: depmod, mkfs.*, dmsetup live there.
PATH=$PATH:/usr/sbin:/sbin

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cache=${OVLVOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ovl-volatile}
jobs=${JOBS:-$(nproc)}
mkdir -p "$cache"

log() { echo "kernel.sh: $*" >&2; }
# apt-get download PKG=VER... into the current dir, as any user (as root,
# without apt's warning that its _apt sandbox cannot write here).
download() {
	local sandbox=()
	[ "$(id -u)" = 0 ] && sandbox=(-o APT::Sandbox::User=root)
	apt-get download -q "${sandbox[@]}" "$@" >&2
}
die() { log "$*"; exit 1; }

# The newest kernel ABI of series VER that Debian offers: follow the meta
# package, so no ABI number is written down anywhere.
resolve_stock() {
	local ver=$1 meta dep
	case $ver in
	6.1) meta=linux-image-amd64 ;;
	*) meta=linux-image-$ver-amd64 ;;
	esac
	dep=$(apt-cache depends "$meta" 2>/dev/null |
		sed -n 's/^ *Depends: linux-image-\(.*\)$/\1/p' | head -n 1)
	case $dep in
	"$ver".*) echo "$dep" ;;
	*) die "cannot resolve a Debian $ver kernel from $meta (got '$dep'); run 'apt-get update'" ;;
	esac
}

stock() {
	local ver=$1 kver pkgver dir deb kdir
	kver=$(resolve_stock "$ver")
	pkgver=$(apt-cache policy "linux-image-$kver" | sed -n 's/^ *Candidate: //p')
	dir=$cache/stock/$kver-$pkgver
	if [ ! -e "$dir/.done" ]; then
		log "fetching linux-image-$kver $pkgver"
		rm -rf "$dir" && mkdir -p "$dir/dl"
		(cd "$dir/dl" && download "linux-image-$kver=$pkgver")
		deb=$(ls "$dir"/dl/*.deb)
		dpkg-deb -x "$deb" "$dir/root"
		rm -rf "$dir/dl"
		depmod -b "$dir/root" "$kver"
		touch "$dir/.done"
	fi
	kdir=$(headers "$kver")
	echo "KVER=$kver"
	echo "BZIMAGE=$dir/root/boot/vmlinuz-$kver"
	echo "MODROOT=$dir/root"
	echo "KDIR=$kdir"
}

# The headers of stock kernel KVER, unpacked into the cache and never
# installed: apt would pull the matching linux-image into the host's /boot
# (6.12's headers depend on it), run update-initramfs and DKMS there. The
# arch package, its -common and its linux-kbuild are unpacked into one root;
# their relative symlinks then hold, and the one absolute path Debian writes
# (the arch Makefile's include of -common) is pointed into that root.
# Prints the build dir out-of-tree modules build against.
headers() {
	local kver=$1 pkgver dir pkgs p
	pkgver=$(apt-cache policy "linux-headers-$kver" | sed -n 's/^ *Candidate: //p')
	[ -n "$pkgver" ] && [ "$pkgver" != "(none)" ] ||
		die "no linux-headers-$kver in the apt lists; run 'apt-get update'"
	dir=$cache/headers/$kver-$pkgver
	if [ ! -e "$dir/.done" ]; then
		pkgs=$(apt-cache depends "linux-headers-$kver" |
			sed -n 's/^ *Depends: \(linux-\(headers\|kbuild\)-[^ ]*\)$/\1/p')
		log "fetching linux-headers-$kver $pkgver and $(echo $pkgs)"
		rm -rf "$dir" && mkdir -p "$dir/dl"
		(cd "$dir/dl" && download "linux-headers-$kver=$pkgver" \
			$(for p in $pkgs; do echo "$p=$pkgver"; done))
		for p in "$dir"/dl/*.deb; do
			dpkg-deb -x "$p" "$dir/root"
			host_deps "$p" "$pkgs"
		done
		rm -rf "$dir/dl"
		sed -i "s|^include /usr/src/|include $dir/root/usr/src/|" \
			"$dir/root/usr/src/linux-headers-$kver/Makefile"
		[ -e "$dir/root/usr/src/linux-headers-$kver/scripts/Makefile.build" ] ||
			die "linux-headers-$kver unpacked without its kbuild scripts"
		touch "$dir/.done"
	fi
	echo "$dir/root/usr/src/linux-headers-$kver"
}

# What an unpacked package needs from the host must be installed there;
# name what is missing rather than fail later inside kbuild. Not needed:
# the packages unpacked beside it (UNPACKED), the image the headers belong
# to, and linux-base (kernel install scripts). Debian's compiler package
# linux-compiler-gcc-N-ARCH stands for gcc-N.
host_deps() {
	local deb=$1 unpacked=" $(echo $2) " dep alt name ok missing=
	while read -r dep; do
		ok=0
		while read -r alt; do
			name=${alt%% *}
			case $unpacked in *" $name "*) ok=1 ;; esac
			case $name in
			linux-image-* | linux-base) ok=1 ;;
			linux-compiler-gcc-*) name=${name#linux-compiler-}; name=${name%-*} ;;
			esac
			dpkg-query -W -f '${db:Status-Abbrev}' "$name" 2>/dev/null |
				grep -q '^ii' && ok=1
		done < <(echo "$dep" | tr '|' '\n' | sed 's/^ *//')
		[ $ok = 1 ] || missing+=" $dep"
	done < <(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/^ *//;/^$/d')
	[ -z "$missing" ] ||
		die "${deb##*/} needs$missing on the host: add it to scripts/deps.sh"
}

# Kernels newer than the host's suite: Debian's $BPO_SUITE (trixie-backports)
# through an apt configuration of our own in the cache, so the host's
# sources never change and nothing is installed on the host. The lists are
# refreshed once a day.
BPO_BASE=${BPO_BASE:-trixie}
BPO_SUITE=${BPO_SUITE:-$BPO_BASE-backports}
BPO_MIRROR=${BPO_MIRROR:-http://deb.debian.org/debian}
# apt_init NAME SUITE...: that configuration, in $cache/apt/NAME, for the
# SUITEs, into ${own_apt[@]} (apt-get's and apt-cache's options)
own_apt=()
apt_init() {
	local a=$cache/apt/$1 s
	shift
	own_apt=(-o "Dir::Etc::sourcelist=$a/sources.list"
		-o Dir::Etc::sourceparts=- -o "Dir::State::Lists=$a/lists"
		-o "Dir::Cache=$a/cache" -o "Dir::State::status=$a/status"
		-o Debug::NoLocking=1)
	[ "$(id -u)" = 0 ] && own_apt+=(-o APT::Sandbox::User=root)
	mkdir -p "$a/lists/partial" "$a/cache/archives/partial"
	[ -e "$a/status" ] || : >"$a/status"
	# apt dates list files by the server's Last-Modified: a stamp of our
	# own says when we last asked. A failed update with lists at hand
	# goes on with them. stock-7.x and patched-7.3 may ask at once: one
	# updates, the other waits for it.
	exec 8>"$a/lock"
	flock 8
	for s; do
		printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' \
			"$BPO_MIRROR" "$s"
	done >"$a/sources.list.new"
	mv "$a/sources.list.new" "$a/sources.list"
	if [ -z "$(find "$a" -maxdepth 1 -name updated -mtime -1)" ]; then
		log "apt-get update ($*; private lists in $a)"
		if apt-get "${own_apt[@]}" update -q >&2; then
			touch "$a/updated"
		elif [ -n "$(find "$a/lists" -maxdepth 1 -name '*Packages*')" ]; then
			log "apt-get update of $* failed: using the lists from before"
		else
			die "apt-get update of $* failed"
		fi
	fi
	flock -u 8
	exec 8>&-
}
bpo_apt=()
bpo_apt_init() {
	apt_init "$BPO_SUITE" "$BPO_BASE" "$BPO_SUITE"
	bpo_apt=("${own_apt[@]}")
}

# The benchmark's callgrind: valgrind from $VALGRIND_SUITE (sid), unpacked
# into the cache, never installed. Bookworm's valgrind (3.19) does not know
# statmount(2) or listmount(2): ovlctl under it would take its fallbacks,
# and the instructions counted would be another path's. Its launcher needs
# only the host's libc; the tools are static.
VALGRIND_SUITE=${VALGRIND_SUITE:-sid}
valgrind_fetch() {
	local pkgver dir
	apt_init "$VALGRIND_SUITE" "$VALGRIND_SUITE"
	pkgver=$(apt-cache "${own_apt[@]}" policy valgrind | sed -n 's/^ *Candidate: //p')
	case $pkgver in
	'' | '(none)') die "no valgrind in $VALGRIND_SUITE" ;;
	esac
	# no colon in the path: valgrind puts it in LD_PRELOAD, a list
	dir=$cache/valgrind/${pkgver//:/_}
	if [ ! -e "$dir/.done" ]; then
		log "fetching valgrind $pkgver ($VALGRIND_SUITE)"
		rm -rf "$dir" && mkdir -p "$dir/dl"
		(cd "$dir/dl" && apt-get "${own_apt[@]}" download -q "valgrind=$pkgver" >&2) ||
			die "cannot download valgrind $pkgver"
		dpkg-deb -x "$dir"/dl/valgrind_*.deb "$dir/root"
		rm -rf "$dir/dl"
		# its own tools, not a valgrind the host may have installed
		VALGRIND_LIB=$dir/root/usr/libexec/valgrind \
			"$dir/root/usr/bin/valgrind.bin" --tool=none /bin/true >/dev/null 2>&1 ||
			die "valgrind $pkgver does not run here (its libc?)"
		touch "$dir/.done"
	fi
	echo "VALGRIND_ROOT=$dir/root"
}

# The release linux-image-amd64 follows in $BPO_SUITE, and its version.
resolve_bpo() {
	local pkgver kver
	bpo_apt_init
	pkgver=$(apt-cache "${bpo_apt[@]}" -t "$BPO_SUITE" policy linux-image-amd64 |
		sed -n 's/^ *Candidate: //p')
	kver=$(apt-cache "${bpo_apt[@]}" show "linux-image-amd64=$pkgver" 2>/dev/null |
		sed -n 's/^Depends:.*linux-image-\([^ ,]*\) (= .*/\1/p' | head -n 1)
	case $kver in
	[7-9].*) echo "$kver $pkgver" ;;
	*) die "cannot resolve the $BPO_SUITE kernel from linux-image-amd64 $pkgver (got '$kver')" ;;
	esac
}

# The chroot modules for $BPO_BASE kernels build in: its compiler and libc
# are the ones the headers' kbuild tools were built with. Made once.
bpo_chroot() {
	local c=$cache/chroot/$BPO_BASE
	if [ ! -e "$c/.done" ]; then
		[ "$(id -u)" = 0 ] || die "building the $BPO_BASE chroot needs root (debootstrap)"
		command -v debootstrap >/dev/null || die "no debootstrap; run 'make deps'"
		log "debootstrap $BPO_BASE (minbase + gcc-14 make libc6-dev dwarves) into $c"
		rm -rf "$c.tmp"
		debootstrap --variant=minbase \
			--include=gcc-14,make,libc6-dev,dwarves,xz-utils,kmod \
			"$BPO_BASE" "$c.tmp" "$BPO_MIRROR" >"$cache/debootstrap-$BPO_BASE.log" 2>&1 ||
			die "debootstrap failed: see $cache/debootstrap-$BPO_BASE.log"
		rm -rf "$c"
		mv "$c.tmp" "$c"
		touch "$c/.done"
	fi
	echo "$c"
}

stock_bpo() {
	local kver pkgver dir hdr chroot p pkgs
	bpo_apt_init
	read -r kver pkgver < <(resolve_bpo)
	dir=$cache/stock/$kver-$pkgver
	if [ ! -e "$dir/.done" ]; then
		# The image is split from 7.x: the kernel (linux-binary), its
		# modules, and linux-base (modules.builtin, modules.order).
		log "fetching linux-{binary,modules,base}-$kver $pkgver ($BPO_SUITE)"
		rm -rf "$dir" && mkdir -p "$dir/dl"
		(cd "$dir/dl" && apt-get "${bpo_apt[@]}" download -q \
			"linux-binary-$kver=$pkgver" "linux-modules-$kver=$pkgver" \
			"linux-base-$kver=$pkgver" >&2) ||
			die "cannot download the $kver image"
		for p in "$dir"/dl/*.deb; do
			dpkg-deb -x "$p" "$dir/root"
		done
		rm -rf "$dir/dl"
		[ -e "$dir/root/usr/lib/modules/$kver/vmlinuz" ] ||
			die "linux-binary-$kver has no usr/lib/modules/$kver/vmlinuz"
		depmod -b "$dir/root/usr" "$kver"
		touch "$dir/.done"
	fi
	# The headers, unpacked where they belong inside the chroot: Debian's
	# absolute include of -common then holds as it is.
	chroot=$(bpo_chroot)
	hdr=$chroot/.headers-$kver-$pkgver
	if [ ! -e "$hdr" ]; then
		pkgs=$(apt-cache "${bpo_apt[@]}" depends "linux-headers-$kver=$pkgver" |
			sed -n 's/^ *Depends: \(linux-\(headers\|kbuild\)-[^ ]*\)$/\1/p')
		log "fetching linux-headers-$kver and $(echo $pkgs) into $chroot"
		rm -rf "$cache/dl-$kver" && mkdir -p "$cache/dl-$kver"
		(cd "$cache/dl-$kver" && apt-get "${bpo_apt[@]}" download -q \
			"linux-headers-$kver=$pkgver" \
			$(for p in $pkgs; do echo "$p=$pkgver"; done) >&2) ||
			die "cannot download the $kver headers"
		for p in "$cache/dl-$kver"/*.deb; do
			dpkg-deb -x "$p" "$chroot"
		done
		rm -rf "$cache/dl-$kver"
		touch "$hdr"
	fi
	echo "KVER=$kver"
	echo "BZIMAGE=$dir/root/usr/lib/modules/$kver/vmlinuz"
	echo "MODROOT=$dir/root/usr"
	echo "KDIR=/usr/src/linux-headers-$kver"
	echo "KCHROOT=$chroot"
}

# The source of series VER and its Debian version, as "TARBALL PKGVER": the
# host's linux-source-VER package (bookworm: 6.1, 6.12), or else the one
# $BPO_SUITE carries now, fetched into the cache. When Debian drops it from
# there, this fails and says so: the series is then ported to the source
# Debian carries instead (Documentation/testing.rst).
patched_source() {
	local ver=$1 t=/usr/src/linux-source-$1.tar.xz pkgver d
	if [ -f "$t" ] && pkgver=$(dpkg-query -W -f '${Version}' "linux-source-$ver" 2>/dev/null); then
		echo "$t $pkgver"
		return
	fi
	case $ver in 6.1 | 6.12) die "$t missing; run 'make deps'" ;; esac
	bpo_apt_init
	pkgver=$(apt-cache "${bpo_apt[@]}" policy "linux-source-$ver" |
		sed -n 's/^ *Candidate: //p') ||
		die "apt-cache policy linux-source-$ver failed"
	[ -n "$pkgver" ] && [ "$pkgver" != "(none)" ] ||
		die "$BPO_SUITE has no linux-source-$ver any more: port patches/$ver to the linux-source it carries (Documentation/testing.rst)"
	d=$cache/source/$ver-$pkgver
	# kernel.sh patched-VER, config and source may all ask at once
	mkdir -p "$cache/source"
	exec 7>"$cache/source/.lock-$ver"
	flock 7
	if [ ! -e "$d/.done" ]; then
		log "fetching linux-source-$ver $pkgver ($BPO_SUITE)"
		rm -rf "$d" && mkdir -p "$d/dl"
		(cd "$d/dl" && apt-get "${bpo_apt[@]}" download -q \
			"linux-source-$ver=$pkgver" >&2) ||
			die "cannot download linux-source-$ver $pkgver"
		dpkg-deb --fsys-tarfile "$d"/dl/*.deb |
			tar -xO "./usr/src/linux-source-$ver.tar.xz" >"$d/src.tmp" ||
			die "linux-source-$ver $pkgver holds no linux-source-$ver.tar.xz"
		mv "$d/src.tmp" "$d/linux-source-$ver.tar.xz"
		rm -rf "$d/dl"
		touch "$d/.done"
	fi
	flock -u 7
	exec 7>&-
	echo "$d/linux-source-$ver.tar.xz $pkgver"
}

# patched VER [debug] [config-only]
patched() {
	local ver=$1 flavour=${2:-} only=${3:-} tarball pkgver key src build series p kver
	local frags=("$here"/config/*.config "$here"/config/"$1"/*.config) dir
	[ "$flavour" = debug ] && frags+=("$here"/config/debug/*.config)
	read -r tarball pkgver < <(patched_source "$ver") || exit 1
	[ -n "$tarball" ] || exit 1
	series=$top/patches/$ver/series
	# Only what goes into the image: the diffs of files outside
	# Documentation/ and tools/testing/, so that a docs or selftest change
	# does not rebuild the kernel.
	key=$( {
		echo "$pkgver"
		for p in $(grep -v '^#' "$series" 2>/dev/null || true); do
			awk '/^diff --git /{
				keep = $3 !~ /^a\/(Documentation|tools\/testing)\//
			} keep' "$top/patches/$ver/$p"
		done
		cat "${frags[@]}"
	} | sha256sum | cut -c1-16)
	dir=$cache/patched/$ver${flavour:+-$flavour}-$pkgver-$key
	src=$dir/src
	build=$dir/build
	if [ -n "$only" ]; then
		# A throwaway config of the pristine source: fragments that
		# Kconfig would drop are found in a minute, without a build.
		cfgtmp=$(mktemp -d)
		trap 'rm -rf "$cfgtmp"' EXIT
		tar -xJf "$tarball" -C "$cfgtmp" --strip-components=1 \
			--wildcards '*/Kconfig*' '*/Makefile*' '*/scripts/*' \
			'*/arch/x86/configs/*' '*/kernel/configs/*' '*/include/*'
		make -s -C "$cfgtmp" O="$cfgtmp/o" ARCH=x86_64 tinyconfig >&2
		"$cfgtmp/scripts/kconfig/merge_config.sh" -m -O "$cfgtmp/o" \
			"$cfgtmp/o/.config" "${frags[@]}" >/dev/null
		make -s -C "$cfgtmp" O="$cfgtmp/o" ARCH=x86_64 olddefconfig >&2
		check_config "$cfgtmp/o/.config" "${frags[@]}"
		log "$ver${flavour:+ $flavour}: every fragment option sticks"
		return
	fi
	if [ ! -e "$build/.done" ]; then
		rm -rf "$dir"
		mkdir -p "$src" "$build"
		log "unpacking linux-source-$ver $pkgver"
		tar -xJf "$tarball" -C "$src" --strip-components=1
		"$top/patches/apply.sh" "$ver" "$src" >&2
		log "configuring (tinyconfig + ${frags[*]##*/})"
		make -s -C "$src" O="$build" ARCH=x86_64 tinyconfig >&2
		"$src/scripts/kconfig/merge_config.sh" -m -O "$build" \
			"$build/.config" "${frags[@]}" >&2
		make -s -C "$src" O="$build" ARCH=x86_64 olddefconfig >&2
		check_config "$build/.config" "${frags[@]}"
		log "building $ver with $jobs jobs (a few minutes)"
		make -s -C "$src" O="$build" ARCH=x86_64 -j"$jobs" bzImage modules >&2
		make -s -C "$src" O="$build" ARCH=x86_64 \
			INSTALL_MOD_PATH="$build/modroot" modules_install >&2
		touch "$build/.done"
	fi
	kver=$(cat "$build/include/config/kernel.release")
	echo "KVER=$kver"
	echo "BZIMAGE=$build/arch/x86/boot/bzImage"
	echo "MODROOT=$build/modroot"
	echo "KDIR=$build"
}

# Every option a fragment asks for must survive olddefconfig; a silently
# dropped one would make tests SKIP or fail for the wrong reason.
check_config() {
	local cfg=$1 line name bad=0
	shift
	while read -r line; do
		case $line in CONFIG_*=*) ;; *) continue ;; esac
		name=${line%%=*}
		case ${line#*=} in
		n) grep -q "^$name=" "$cfg" && { log "$name should be off"; bad=1; } ;;
		*) grep -qx "$line" "$cfg" || { log "$line did not stick"; bad=1; } ;;
		esac
	done < <(cat "$@")
	[ $bad = 0 ] || die "kernel config fragments did not apply"
}

case ${1:-} in
resolve)
	case ${2:-} in
	stock-6.1 | stock-6.12) resolve_stock "${2#stock-}"; exit ;;
	stock-7.x)
		exec 9>"$cache/.lock-stock-7.x"
		flock 9
		resolve_bpo | cut -d' ' -f1
		exit ;;
	*) die "usage: kernel.sh resolve stock-6.1|stock-6.12|stock-7.x" ;;
	esac ;;
kdir)
	case ${2:-} in
	stock-6.1 | stock-6.12) ;;
	*) die "usage: kernel.sh kdir stock-6.1|stock-6.12" ;;
	esac
	exec 9>"$cache/.lock-$2"
	flock 9
	headers "$(resolve_stock "${2#stock-}")"
	exit ;;
source)
	read -r t _ < <(patched_source "${2:?usage: kernel.sh source VER}") || exit 1
	echo "$t"
	exit ;;
config)
	case ${2:-} in
	patched-6.1 | patched-6.12 | patched-7.3) patched "${2#*-}" "" config ;;
	patched-6.1-debug | patched-6.12-debug)
		v=${2#*-}
		patched "${v%-debug}" debug config ;;
	*) die "usage: kernel.sh config patched-6.1|patched-6.12[-debug]|patched-7.3" ;;
	esac
	exit ;;
valgrind)
	exec 9>"$cache/.lock-valgrind"
	flock 9
	valgrind_fetch
	exit ;;
stock-7.x)
	exec 9>"$cache/.lock-$1"
	flock 9
	stock_bpo
	exit ;;
stock-6.1 | stock-6.12) kind=stock ;;
patched-6.1 | patched-6.12 | patched-6.1-debug | patched-6.12-debug | patched-7.3) kind=patched ;;
*) die "usage: kernel.sh stock-6.1|stock-6.12|stock-7.x|patched-6.1|patched-6.12[-debug]|patched-7.3" ;;
esac
exec 9>"$cache/.lock-$1"
flock 9
v=${1#*-}
case $v in
*-debug) $kind "${v%-debug}" debug ;;
*) $kind "$v" ;;
esac
