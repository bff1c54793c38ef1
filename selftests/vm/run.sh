#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run every selftest in a QEMU (TCG) guest booted on one kernel:
#   run.sh stock-6.1|stock-6.12|stock-7.x|patched-6.1|patched-6.12|patched-7.3
#   run.sh patched-6.1-debug|patched-6.12-debug
#                          the patched kernel with KASAN, kmemleak, lockdep and
#                          PROVE_RCU (make check-debug): the guest adds a
#                          kmemleak scan and the lockdep state, the host a
#                          search of every console log for a checker's report
#   run.sh --demo KERNEL   boot twice on one disk running the demo story
#                          (selftests/vm/demo.sh) instead of the tests
#   run.sh --fault KERNEL  only the crash rounds of the fault suite
#                          (selftests/vm/fault_guest.sh): FAULT_ROUNDS
#                          crashes (default 10) on the same disks, then a
#                          boot that judges the last; FAULT_SEED repeats a
#                          run. Tallies in build/fault/KERNEL/fault.tsv
#   run.sh --bench KERNEL  the benchmark (make bench): bench_restart and
#                          bench_mark_cost on a 4 GiB bench disk, one boot
#                          per BENCH_DISKS (unthrottled, throttled); the
#                          "# BENCH" lines in build/bench/KERNEL/bench.tsv.
#                          BENCH_SIZES, BENCH_OTHERS, BENCH_SCALE,
#                          BENCH_STALL_SECS, BENCH_RUNS, BENCH_BPS, BENCH_IOPS,
#                          BENCH_FILES; BENCH_ONLY=t1,t2 runs only the
#                          tests of these names (e.g. files,written)
#                          (Documentation/benchmark.rst)
#
# Builds the project module against that kernel, packs busybox, the needed
# kernel modules, the module and the selftests into an initramfs, boots it
# with a fresh ext4 and xfs scratch disk under `timeout`, and reads the
# verdict from the guest's virtio serial port "results" (never from the
# console). Logs land in build/vm/KERNEL/: tests.console.log, one TAP file per
# test program, and summary ("passed failed skipped"). Exits non-zero if any
# test failed or the guest did not finish.
#   OVLCTL_BIN=/usr/sbin/ovlctl  test an installed ovlctl instead of building
#   OVLVOL_KO=path/ovlvol.ko     test a built module (DKMS's) instead of building
#   VM_KERNEL_BUILD=dir          boot a kernel built earlier (a kernel.sh build
#                                dir), e.g. to see a test fail on the old code
#   VM_TESTS="prog... reboot fault"  run only these test programs; the two
#                                reboot boots only if "reboot" is named, the
#                                crash rounds only if "fault" is
#   VM_FAULT_ROUNDS=N            crash rounds after the tests (default 1)
set -euo pipefail
# A user's login PATH has no sbin: depmod, mkfs.*, dmsetup live there.
PATH=$PATH:/usr/sbin:/sbin

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
mode=test
case ${1:-} in
--demo | --fault | --bench)
	mode=${1#--}
	shift
	;;
esac
kernel=${1:?usage: run.sh [--demo|--fault|--bench] stock-6.1|stock-6.12|stock-7.x|patched-6.1|patched-6.12[-debug]|patched-7.3}
build=${OVLVOL_BUILD:-$top/build}
out=$build/vm/$kernel
[ $mode = demo ] && out=$build/demo/$kernel
[ $mode = fault ] && out=$build/fault/$kernel
[ $mode = bench ] && out=$build/bench/$kernel
debug=
case $kernel in *-debug) debug=ovlvol.debug=1 ;; esac
# KASAN's shadow and lockdep's tables want memory; the checkers make the
# guest several times slower under TCG.
timeout_s=${VM_TIMEOUT:-$([ -n "$debug" ] && echo 5400 || echo 900)}
mem=${VM_MEM:-$([ -n "$debug" ] && echo 2G || echo 1G)}
# The benchmark keeps up to 512 MiB dirty in the guest's page cache, and
# a boot of it runs for many minutes
[ $mode = bench ] && mem=${VM_MEM:-3G} timeout_s=${VM_TIMEOUT:-5400}
smp=${VM_SMP:-2}

log() { echo "vm-test[$kernel]: $*" >&2; }
die() { log "$*"; exit 1; }

# Modules a guest needs, by name; built-ins are fine, absent ones are not.
guest_modules="virtio_pci virtio_blk virtio_console ext4 xfs overlay dm_mod dm_flakey loop quota_v2"

if [ -n "${VM_KERNEL_BUILD:-}" ]; then
	KVER=$(cat "$VM_KERNEL_BUILD/include/config/kernel.release")
	BZIMAGE=$VM_KERNEL_BUILD/arch/x86/boot/bzImage
	MODROOT=$VM_KERNEL_BUILD/modroot
	KDIR=$VM_KERNEL_BUILD
else
	eval "$("$here/kernel.sh" "$kernel")"
fi
rm -rf "$out"
mkdir -p "$out"

# The project module, built for this kernel in a copy of the sources so
# several kernels never share object files.
build_module() {
	local dir=$out/module-build rel
	if [ -n "${KCHROOT:-}" ]; then
		# A kernel built with a newer compiler and libc than the host's:
		# build in its chroot (kernel.sh), where KDIR is, with that
		# compiler; the tree goes into the chroot's /tmp for the build.
		rel=/tmp/ovlvol-build-$kernel
		dir=$KCHROOT$rel
		rm -rf "$dir"
		mkdir -p "$dir"
		cp -a "$top/Kbuild" "$top/module" "$top/include" "$dir/"
		# Not this make's jobserver: its messages are not the compiler's
		env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
			unshare -m sh -c 'mount --rbind /dev "$1/dev" && mount -t proc proc "$1/proc" &&
			exec chroot "$1" make -C "$2" M="$3" W=1 modules' sh \
			"$KCHROOT" "$KDIR" "$rel" >"$out/module-build.log" 2>&1 ||
			{ cat "$out/module-build.log" >&2; die "module does not build against $KDIR in $KCHROOT"; }
		# The compiler's and the linker's diagnostics (file:line:...)
		! grep -E '^[^ :]+:[0-9]+(:[0-9]+)?: (warning|error):|^(WARNING|ERROR): ' \
			"$out/module-build.log" >&2 ||
			die "the module builds with warnings against $KDIR (W=1)"
		echo "$dir/module/ovlvol.ko"
		return
	fi
	mkdir -p "$dir"
	cp -a "$top/Kbuild" "$top/module" "$top/include" "$dir/"
	make -s -C "$KDIR" M="$dir" W=1 modules >&2 ||
		die "module does not build against $KDIR"
	echo "$dir/module/ovlvol.ko"
}

# Copy a dynamically linked binary and the libraries it needs.
add_bin() {
	local root=$1 bin=$2 dest=$3 lib
	install -D -m 0755 "$bin" "$root/$dest"
	for lib in $(ldd "$bin" 2>/dev/null | grep -o '/[^ ]*'); do
		[ -e "$root$lib" ] || install -D -m 0755 "$lib" "$root$lib"
	done
}

build_initramfs() {
	local root=$out/initramfs m line path name ko lib
	mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,run,tests,lib/modules/extra}
	cp /bin/busybox "$root/bin/busybox"
	# dmsetup (and its libraries) to inject writeback errors with dm-error.
	add_bin "$root" "$(command -v dmsetup)" sbin/dmsetup
	# mkfs.ext4 for a throwaway ext4 on a loop device (ovlvol_errseq),
	# mkfs.xfs for a small xfs (fault_io's full disks and quotas).
	add_bin "$root" "$(command -v mkfs.ext4)" sbin/mkfs.ext4
	add_bin "$root" "$(command -v mkfs.xfs)" sbin/mkfs.xfs
	# util-linux's mount(8), beside busybox's: the benchmark's baseline
	# of a libmount-based tool's start-up (bench_restart)
	add_bin "$root" /usr/bin/mount usr/libexec/ovlvol/mount
	# coreutils' true, linked to libc alone: what any dynamically linked
	# program pays to start (busybox's true is static)
	add_bin "$root" /usr/bin/true usr/libexec/ovlvol/true
	# ovlctl, for its guest tests and the demo.
	add_bin "$root" "$ovlctl" usr/sbin/ovlctl
	# ovlctl opens libkmod when it first needs it (dlopen): ldd cannot
	# see it, the guest needs it all the same
	lib=$(ldconfig -p | awk '$1 == "libkmod.so.2" && /x86-64/ && !n++ { print $NF }')
	[ -n "$lib" ] || die "no libkmod.so.2 on the host (ldconfig -p)"
	add_bin "$root" "$lib" "${lib#/}"
	# callgrind, for the benchmark's instruction counts (bench_restart):
	# valgrind.bin finds its tools in /usr/libexec/valgrind
	if [ -n "$vg_root" ]; then
		add_bin "$root" "$vg_root/usr/bin/valgrind.bin" usr/bin/valgrind
		for lib in callgrind-amd64-linux vgpreload_core-amd64-linux.so default.supp; do
			install -D -m 0755 "$vg_root/usr/libexec/valgrind/$lib" \
				"$root/usr/libexec/valgrind/$lib"
		done
	fi
	install -m 0755 "$here/init.sh" "$root/init"
	install -m 0755 "$here/demo.sh" "$root/demo.sh"
	install -m 0755 "$here/reboot_test.sh" "$root/reboot_test.sh"
	install -m 0644 "$here/gc_json.sh" "$root/gc_json.sh"
	# The crash rounds: their workload, and ovlctl with its crash points
	install -m 0755 "$here/fault_guest.sh" "$root/fault_guest.sh"
	add_bin "$root" "$build/selftests/fault_crash" fault_crash
	add_bin "$root" "$build/ovlctl-fault/ovlctl" usr/sbin/ovlctl-fault
	add_bin "$root" "$build/selftests/rng_nonce" rng_nonce
	install -m 0644 "$here/../tap.sh" "$root/tap.sh"
	: >"$root/etc/modules"
	for m in $guest_modules; do
		modprobe -d "$MODROOT" -S "$KVER" --show-depends "$m" >"$out/deps" 2>&1 ||
			die "kernel $KVER has no module $m: $(cat "$out/deps")"
		while read -r line; do
			case $line in
			builtin*) continue ;;
			insmod*) path=$(echo "$line" | awk '{print $2}') ;;
			*) die "unexpected modprobe output: $line" ;;
			esac
			name=$(basename "$path")
			name=${name%.xz}
			name=${name%.zst}
			grep -qx "$name" "$root/etc/modules" && continue
			case $path in
			*.xz) xz -dc "$path" >"$root/lib/modules/$name" ;;
			*.zst) zstd -q -dc "$path" >"$root/lib/modules/$name" ;;
			*) cp "$path" "$root/lib/modules/$name" ;;
			esac
			echo "$name" >>"$root/etc/modules"
		done <"$out/deps"
	done
	ko=${OVLVOL_KO:-$(build_module)}
	case $ko in
	*.xz) xz -dc "$ko" ;;
	*.zst) zstd -q -dc "$ko" ;;
	*) cat "$ko" ;;
	esac >"$root/lib/modules/extra/ovlvol.ko"
	for t in ${VM_TESTS:-$(make -s -C "$top/selftests" list)}; do
		case $t in reboot | fault) continue ;; esac
		add_bin "$root" "$build/selftests/$t" "tests/$t"
	done
	# ovlctl runtime/hook with real mounts; crun (if installed) for one
	# real container run through `ovlctl runtime`.
	install -m 0755 "$here/ovlctl_oci_guest.sh" "$root/tests/ovlctl_oci"
	if command -v crun >/dev/null; then
		add_bin "$root" "$(command -v crun)" usr/bin/crun
	fi
	cat >"$root/etc/harness.env" <<-EOF
		OVLVOL_KIND=${kernel%%-*}
		OVLVOL_MODULE=/lib/modules/extra/ovlvol.ko
		OVLVOL_OVLCTL=/usr/sbin/ovlctl
		OVLVOL_SCRATCH_EXT4=/dev/disk-ext4
		OVLVOL_SCRATCH_XFS=/dev/disk-xfs
		OVLVOL_SCRATCH_BENCH=/dev/disk-ext4
		OVLVOL_BENCH_SIZES=1
		OVLVOL_BENCH_OTHERS="0 1"
		OVLVOL_BENCH_FILES=20
		OVLVOL_BENCH_SCALE=10:2
		OVLVOL_BENCH_STALL_SECS=1
		OVLVOL_BENCH_MOUNT8=/usr/libexec/ovlvol/mount
		OVLVOL_BENCH_TRUE=/usr/libexec/ovlvol/true
		OVLVOL_BENCH_VALGRIND=${vg_root:+/usr/bin/valgrind}
		OVLVOL_BENCH_RUNS=1
	EOF
	(cd "$root" && find . | cpio -o -H newc -R 0:0 --quiet) >"$out/initramfs.cpio"
}

# boot NAME [KERNEL ARGS]: one guest run on the disks in $disks (default
# $out); results in $disks/NAME.raw. A stock kernel (not a debug one) that
# oopses on int3 before our /init has written a line is booted once more:
# under TCG with 2 vCPUs, int3 text patching of the kernel's static keys
# has oopsed a stock 7.x kernel at 1.9 s, in pnpacpi_init. Not a patched
# kernel: our code runs there from the start. The first console log is
# kept as NAME.early-oops.log and the retry is logged; a kernel that
# oopses there every time still fails.
boot() {
	local name=$1 d=${disks:-$out}
	shift
	boot_once "$name" "$@"
	if [[ $kernel == stock-* ]] && [ -z "$debug" ] &&
		[ ! -s "$d/$name.raw" ] &&
		grep -q 'Oops: int3' "$d/$name.console.log"; then
		mv "$d/$name.console.log" "$d/$name.early-oops.log"
		log "WARNING: the kernel oopsed before /init ran (see $d/$name.early-oops.log): booting once more"
		boot_once "$name" "$@"
	fi
}

boot_once() {
	local name=$1 rc=0 start d=${disks:-$out}
	shift
	log "booting $KVER (TCG, timeout ${timeout_s}s)"
	start=$(date +%s)
	timeout --foreground -k 10 "$timeout_s" qemu-system-x86_64 \
		-nodefaults -nographic -no-reboot \
		-machine pc -cpu "$cpu" -smp "$smp" -m "$mem" \
		-kernel "$BZIMAGE" -initrd "$out/initramfs.cpio" \
		-append "console=ttyS0 rdinit=/init panic_on_warn=1 oops=panic panic=-1 loglevel=6 $debug $*" \
		-serial "file:$d/$name.console.log" \
		-device virtio-serial-pci \
		-chardev "file,id=results,path=$d/$name.raw" \
		-device virtserialport,chardev=results,name=results \
		-drive "file=$d/ext4.img,if=none,id=ext4,format=raw" \
		-device virtio-blk-pci,drive=ext4,serial=ext4 \
		-drive "file=$d/xfs.img,if=none,id=xfs,format=raw" \
		-device virtio-blk-pci,drive=xfs,serial=xfs \
		"${extra_drives[@]}" \
		</dev/null >"$out/$name.qemu.log" 2>&1 || rc=$?
	log "guest ran $(($(date +%s) - start))s, qemu exit $rc"
	[ $rc = 124 ] && log "timed out: see $d/$name.console.log"
	touch "$d/$name.raw"
}

make -s -C "$top/selftests" OUTPUT="$build/selftests" >&2
ovlctl=${OVLCTL_BIN:-$build/ovlctl/ovlctl}
[ -n "${OVLCTL_BIN:-}" ] || make -s -C "$top/tools/ovlctl" OUTPUT="$build/ovlctl" >&2
make -s -C "$top/tools/ovlctl" OUTPUT="$build/ovlctl-fault" FAULT_POINTS=1 >&2
log "ovlctl: $ovlctl; module: ${OVLVOL_KO:-built for $KVER}"
# Without valgrind (no archive to fetch it from), the benchmark's
# instruction counts skip; nothing else needs it
vg_root=
if vg=$("$here/kernel.sh" valgrind); then
	eval "$vg"
	vg_root=$VALGRIND_ROOT
else
	log "no valgrind for the guest: the benchmark's instruction counts will skip"
fi
build_initramfs

truncate -s 512M "$out/ext4.img" "$out/xfs.img"
mkfs.ext4 -q -F "$out/ext4.img"
mkfs.xfs -q -f "$out/xfs.img"
extra_drives=()

# fault_rounds N DIR: N crash rounds (fault_guest.sh) on fresh disks in DIR,
# then the boot that judges the last; each boot's results in DIR/faultB.raw.
# The "# FAULT" lines of the judging boots go to DIR/fault.tsv.
fault_rounds() {
	local rounds=$1 dir=$2 seed=${FAULT_SEED:-$((RANDOM % 9000 + 1000))} b
	[[ $seed =~ ^[1-9][0-9]{0,8}$ ]] || die "FAULT_SEED must be a number from 1 to 999999999"
	[[ $rounds =~ ^[0-9]{1,4}$ ]] || die "the number of crash rounds must be a number"
	mkdir -p "$dir"
	rm -f "$dir"/*.raw
	# Two more disks for ovlctl's window (stock kernels): its fault point
	# syncs the filesystem it is on, which must not be the crash pairs'.
	truncate -s 512M "$dir/ext4.img" "$dir/xfs.img" "$dir/wxfs.img"
	truncate -s 64M "$dir/wext4.img"
	mkfs.ext4 -q -F "$dir/ext4.img"
	mkfs.ext4 -q -F "$dir/wext4.img"
	mkfs.xfs -q -f "$dir/xfs.img"
	mkfs.xfs -q -f "$dir/wxfs.img"
	extra_drives=(
		-drive "file=$dir/wext4.img,if=none,id=wext4,format=raw"
		-device virtio-blk-pci,drive=wext4,serial=wext4
		-drive "file=$dir/wxfs.img,if=none,id=wxfs,format=raw"
		-device virtio-blk-pci,drive=wxfs,serial=wxfs
	)
	log "fault suite: $rounds crash round(s), FAULT_SEED=$seed"
	for b in $(seq 0 "$rounds"); do
		disks=$dir boot "fault$b" ovlvol.mode=fault ovlvol.boot=$b \
			ovlvol.rounds=$rounds ovlvol.seed=$seed
	done
	extra_drives=()
	echo "# seed $seed" >"$dir/fault.tsv"
	cat "$dir"/fault*.raw | sed -n 's/^# FAULT/FAULT/p' >>"$dir/fault.tsv"
}

cpu=max
if [ $mode = demo ]; then
	# The story is what the guest wrote to its results port, minus framing.
	for n in 1 2; do
		boot "boot$n" ovlvol.mode=demo ovlvol.boot=$n
		grep -v '^OVLVOL-' "$out/boot$n.raw" || true
		grep -q '^OVLVOL-END' "$out/boot$n.raw" ||
			die "the demo guest did not finish boot $n: see $out/boot$n.console.log"
	done
	exit 0
fi

if [ $mode = fault ]; then
	fault_rounds "${FAULT_ROUNDS:-10}" "$out"
	skip_reboot=1
elif [ $mode = bench ]; then
	# Two boots on one bench disk: unthrottled, then throttled like a
	# general-purpose cloud volume (BENCH_BPS bytes/s, BENCH_IOPS).
	sizes=${BENCH_SIZES:-16,128,512}
	runs=${BENCH_RUNS:-5}
	others=${BENCH_OTHERS:-0,512}
	files=${BENCH_FILES:-1000,10000,100000}
	bps=${BENCH_BPS:-125000000}
	iops=${BENCH_IOPS:-3000}
	bdisks=${BENCH_DISKS:-unthrottled throttled}
	for disk in $bdisks; do
		truncate -s 0 "$out/bench.img"
		truncate -s 4G "$out/bench.img"
		# Inode tables and journal zeroed now, not while measuring
		mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$out/bench.img"
		# The in-use scan does not touch the disk: unthrottled only
		scale=${BENCH_SCALE:-10:10,1000:10,10000:10,1000:500,10000:500}
		[ $disk = throttled ] && scale=none
		throttle=
		[ $disk = throttled ] &&
			throttle=",throttling.bps-total=$bps,throttling.iops-total=$iops"
		extra_drives=(
			-drive "file=$out/bench.img,if=none,id=bench,format=raw,cache=none$throttle"
			-device virtio-blk-pci,drive=bench,serial=bench
		)
		boot "bench-$disk" ovlvol.mode=bench ovlvol.bench_sizes=$sizes \
			ovlvol.bench_runs=$runs ovlvol.bench_others=$others \
			ovlvol.bench_scale=$scale ovlvol.bench_files=$files \
			ovlvol.bench_stall_secs=${BENCH_STALL_SECS:-60} \
			${BENCH_ONLY:+ovlvol.bench_only=$BENCH_ONLY}
	done
	extra_drives=()
	rm -f "$out/bench.img"
	{
		echo "# kernel $kernel $KVER"
		echo "# throttled bps=$bps iops=$iops"
		for disk in $bdisks; do
			sed -n "s/^# BENCH /$kernel $disk /p" "$out/bench-$disk.raw"
		done
	} >"$out/bench.tsv"
	skip_reboot=1
else
	boot tests
	case " ${VM_TESTS:-reboot} " in
	*" reboot "*) ;;
	*) skip_reboot=1 ;;
	esac
fi
if [ -z "${skip_reboot:-}" ]; then
	# Then two boots on one fresh ext4 disk for what only a reboot shows, with
	# no RNG help at all (rng_nonce.c): no RDRAND/RDSEED, no virtio-rng, no
	# credit for CPU or bootloader seeds.
	mkfs.ext4 -q -F "$out/ext4.img"
	cpu=max,-rdrand,-rdseed
	norng="random.trust_cpu=off random.trust_bootloader=off"
	boot reboot1 ovlvol.mode=reboot ovlvol.boot=1 $norng
	boot reboot2 ovlvol.mode=reboot ovlvol.boot=2 $norng
	# Two boots of one image without RNG help never share a nonce.
	n1=$(sed -n 's/^# nonce: //p' "$out/reboot1.raw" | head -n 1)
	n2=$(sed -n 's/^# nonce: //p' "$out/reboot2.raw" | head -n 1)
	if [ "$(tail -n 1 "$out/reboot2.raw")" = OVLVOL-END ]; then
		sed -i '$d' "$out/reboot2.raw"
		{
			echo "OVLVOL-TEST rng_nonce_differs"
			echo "TAP version 13"
			echo "1..1"
			if [ -n "$n1" ] && [ -n "$n2" ] && [ "$n1" != "$n2" ]; then
				echo "ok 1 two boots without RNG help: $n1, $n2"
				r=0
			else
				echo "not ok 1 two boots without RNG help: '$n1', '$n2'"
				r=1
			fi
			echo "OVLVOL-EXIT rng_nonce_differs $r"
			echo "OVLVOL-END"
		} >>"$out/reboot2.raw"
	fi
fi

# The crash rounds' smoke form in every test run (make check). With the
# CPU's RNG back: without it the crng becomes ready only in the middle of
# a round, and the static keys it then flips (int3 text patching) have
# oopsed a 2-CPU TCG guest ("Oops: int3" in crng_make_state, stock-7.x).
if [ $mode = test ] && [ "${VM_FAULT_ROUNDS:-1}" -gt 0 ]; then
	cpu=max
	case " ${VM_TESTS:-fault} " in
	*" fault "*) fault_rounds "${VM_FAULT_ROUNDS:-1}" "$out/fault" ;;
	esac
fi

# A checker's report does not always panic the guest (lockdep and RCU
# splats only print): on a debug kernel every boot's console is searched,
# and what is found fails the run as one more test of the main boot.
if [ -n "$debug" ] && [ "$(tail -n 1 "$out/tests.raw")" = OVLVOL-END ]; then
	pat='BUG:|WARNING:|Oops|UBSAN:|circular locking|recursive locking'
	pat+='|inconsistent lock state|suspicious RCU usage|bad unlock balance'
	pat+='|lock held when returning|DEBUG_LOCKS_WARN_ON|INFO: task .* blocked'
	pat+='|kmemleak: .*new suspected'
	sed -i '$d' "$out/tests.raw"
	{
		echo "OVLVOL-TEST debug_reports"
		echo "TAP version 13"
		echo "1..1"
		logs=$(ls "$out"/*.console.log)
		if grep -E -h "$pat" $logs | sed 's/^/# /' | grep .; then
			echo "not ok 1 a checker reported in $(echo $logs | xargs -n 1 basename)"
		else
			echo "ok 1 no KASAN, lockdep, RCU or kmemleak report in $(echo $logs | wc -w) console log(s)"
		fi
		echo "OVLVOL-EXIT debug_reports 0"
		echo "OVLVOL-END"
	} >>"$out/tests.raw"
fi

pass=0 fail=0 skip=0 rc=0
raws="tests reboot1 reboot2"
[ -d "$out/fault" ] && raws+=" $(cd "$out/fault" && ls fault*.raw | sort -V | sed 's|^|fault/|; s|\.raw$||')"
[ $mode = fault ] && raws=$(cd "$out" && ls fault*.raw | sort -V | sed 's|\.raw$||')
[ $mode = bench ] && raws=$(for disk in $bdisks; do echo "bench-$disk"; done)
for r in $raws; do
	[ -e "$out/$r.raw" ] || continue
	d=$out
	[ $r = tests ] || d=$out/$r
	"$here/collect.sh" "$out/$r.raw" "$d" >"$out/$r.collect" || rc=1
	grep -v 'passed,' "$out/$r.collect" || true
	read -r p f s <"$d/summary"
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
done
# The crash rounds' table; a refused reuse missed or data lost fails it
# (also kept beside it when it fails, for make check's list of failures)
for t in "$out/fault.tsv" "$out/fault/fault.tsv"; do
	[ -e "$t" ] || continue
	"$here/fault_tally.sh" "$t" >"${t%.tsv}.table" && r=0 || r=1
	cat "${t%.tsv}.table"
	[ $r = 0 ] || { cp "${t%.tsv}.table" "${t%.tsv}.tally"; rc=1 fail=$((fail + 1)); }
done
echo "$pass $fail $skip" >"$out/summary"
echo "$pass passed, $fail failed, $skip skipped"
exit $rc
