#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# PID 1 of the test guest. Mounts the basics, loads the kernel modules the
# harness put in the initramfs, runs every selftest program and writes their
# TAP output, framed, to the virtio serial port named "results". The host
# reads the verdict from that port only: console noise can never fake a pass.
# Then it reboots, which ends QEMU (-no-reboot). Any oops or warning panics
# the guest (panic_on_warn, oops=panic), so no end marker is written.

/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
echo 1 >/proc/sys/kernel/panic_on_warn
echo 1 >/proc/sys/kernel/panic_on_oops

die() {
	echo "init: $*"
	echo o >/proc/sysrq-trigger 2>/dev/null
	reboot -f
}

while read -r m; do
	insmod "/lib/modules/$m" || die "cannot load $m"
done </etc/modules

# Scratch disks by the serial the host gave them, not by probe order.
for b in /sys/block/vd*; do
	[ -e "$b/serial" ] && ln -sf "/dev/${b##*/}" "/dev/disk-$(cat "$b/serial")"
done

port=
for n in /sys/class/virtio-ports/*/name; do
	[ "$(cat "$n" 2>/dev/null)" = results ] || continue
	port=/dev/$(basename "$(dirname "$n")")
done
[ -c "$port" ] || die "no results port"

. /etc/harness.env
mode=test
boot=1
debug=
rounds=0
seed=1
bench_sizes=16,128,512
bench_runs=5
bench_others=0,512
bench_scale=
bench_files=1000,10000,100000
bench_only=
for arg in $(cat /proc/cmdline); do
	case $arg in
	ovlvol.mode=*) mode=${arg#*=} ;;
	ovlvol.boot=*) boot=${arg#*=} ;;
	ovlvol.debug=1) debug=1 ;;
	ovlvol.rounds=*) rounds=${arg#*=} ;;
	ovlvol.seed=*) seed=${arg#*=} ;;
	ovlvol.bench_sizes=*) bench_sizes=${arg#*=} ;;
	ovlvol.bench_runs=*) bench_runs=${arg#*=} ;;
	ovlvol.bench_others=*) bench_others=${arg#*=} ;;
	ovlvol.bench_scale=*) bench_scale=${arg#*=} ;;
	ovlvol.bench_files=*) bench_files=${arg#*=} ;;
	ovlvol.bench_only=*) bench_only=${arg#*=} ;;
	ovlvol.bench_stall_secs=*) OVLVOL_BENCH_STALL_SECS=${arg#*=} ;;
	esac
done
# Debug kernels (run.sh *-debug): forget what boot allocated, so that the
# kmemleak scan after the tests reports only what they leaked.
if [ -n "$debug" ]; then
	mount -t debugfs debugfs /sys/kernel/debug
	echo clear >/sys/kernel/debug/kmemleak || die "no kmemleak on a debug kernel"
fi
export OVLVOL_KIND OVLVOL_MODULE OVLVOL_OVLCTL OVLVOL_SCRATCH_EXT4 OVLVOL_SCRATCH_XFS
export OVLVOL_SCRATCH_BENCH OVLVOL_BENCH_SIZES OVLVOL_BENCH_RUNS OVLVOL_BENCH_OTHERS
export OVLVOL_BENCH_SCALE OVLVOL_BENCH_STALL_SECS OVLVOL_BENCH_MOUNT8 OVLVOL_BENCH_FILES
export OVLVOL_BENCH_TRUE OVLVOL_BENCH_VALGRIND

# A test of what only a reboot shows: one framed program per boot. These
# boots have no RNG help: the nonce test comes first, with the authority
# loaded from the initramfs (overlay above; ovlvol here on stock kernels).
if [ "$mode" = reboot ]; then
	[ "$OVLVOL_KIND" = stock ] && insmod "$OVLVOL_MODULE"
	{
		echo "OVLVOL-BEGIN $(uname -r)"
		echo "OVLVOL-TEST rng_nonce.$boot"
		rm -f /tmp/.rc
		{ /rng_nonce 2>&1; echo $? >/tmp/.rc; } | tee /dev/console
		echo "OVLVOL-EXIT rng_nonce.$boot $(cat /tmp/.rc 2>/dev/null || echo 255)"
		echo "OVLVOL-TEST reboot_test.$boot"
		rm -f /tmp/.rc
		{ /reboot_test.sh "$boot" 2>&1; echo $? >/tmp/.rc; } | tee /dev/console
		echo "OVLVOL-EXIT reboot_test.$boot $(cat /tmp/.rc 2>/dev/null || echo 255)"
		echo "OVLVOL-END"
	} >"$port"
	sync
	reboot -f
fi

# A crash round of the fault suite (fault_guest.sh): it frames its own end
# on the port, then crashes the machine; only its last boot returns.
if [ "$mode" = fault ]; then
	[ "$OVLVOL_KIND" = stock ] && insmod "$OVLVOL_MODULE"
	{
		echo "OVLVOL-BEGIN $(uname -r)"
		echo "OVLVOL-TEST fault.$boot"
		/fault_guest.sh "$boot" "$rounds" "$seed" 2>&1
	} | tee /dev/console >"$port"
	sync
	reboot -f
fi

# The benchmark (run.sh --bench): its programs on the bench disk, framed
# like the tests. The dirty limits are raised so that the dirty sets it
# measures stay in memory until the restart, as on a host with memory to
# spare, instead of being written back while the container writes them.
if [ "$mode" = bench ]; then
	[ "$OVLVOL_KIND" = stock ] && insmod "$OVLVOL_MODULE"
	echo 60 >/proc/sys/vm/dirty_ratio
	echo 40 >/proc/sys/vm/dirty_background_ratio
	OVLVOL_SCRATCH_BENCH=/dev/disk-bench
	OVLVOL_BENCH_SIZES=$(echo "$bench_sizes" | tr , ' ')
	OVLVOL_BENCH_RUNS=$bench_runs
	OVLVOL_BENCH_OTHERS=$(echo "$bench_others" | tr , ' ')
	OVLVOL_BENCH_SCALE=$(echo "$bench_scale" | tr , ' ')
	OVLVOL_BENCH_FILES=$(echo "$bench_files" | tr , ' ')
	export OVLVOL_SCRATCH_BENCH OVLVOL_BENCH_SIZES OVLVOL_BENCH_RUNS
	export OVLVOL_BENCH_OTHERS OVLVOL_BENCH_SCALE OVLVOL_BENCH_FILES
	# BENCH_ONLY: the harness's -t for each name
	only=
	for t in $(echo "$bench_only" | tr , ' '); do
		only="$only -t $t"
	done
	{
		echo "OVLVOL-BEGIN $(uname -r)"
		echo "# bench: $(nproc) CPUs, $(sed -n 's/^MemTotal: *//p' /proc/meminfo), sizes $OVLVOL_BENCH_SIZES MiB, $OVLVOL_BENCH_RUNS runs"
		for t in /tests/bench_restart /tests/bench_mark_cost; do
			name=${t##*/}
			echo "OVLVOL-TEST $name"
			rm -f /tmp/.rc
			# shellcheck disable=SC2086 # one word per option
			{ (cd /tmp && "$t" $only) 2>&1; echo $? >/tmp/.rc; } | tee /dev/console
			echo "OVLVOL-EXIT $name $(cat /tmp/.rc 2>/dev/null || echo 255)"
		done
		# What every time above was read from: a clocksource the
		# watchdog fell back to (jiffies) counts in ticks, and loses
		# them under TCG
		echo "# BENCH clock source=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
		echo "OVLVOL-END"
	} >"$port"
	sync
	reboot -f
fi

if [ "$mode" = demo ]; then
	{
		echo "OVLVOL-BEGIN $(uname -r)"
		/demo.sh "$boot" 2>&1
		echo "OVLVOL-END"
	} >"$port"
	sync
	reboot -f
fi

# After the tests on a debug kernel: kmemleak finds nothing unreferenced
# (objects younger than its 5 s minimum age are not reported, hence the
# wait; two scans, as its documentation advises against transient false
# positives), and lockdep is still on (its first report turns it off).
debug_checks() {
	local leaks
	echo "OVLVOL-TEST debug_checks"
	echo "TAP version 13"
	echo "1..2"
	sleep 6
	echo scan >/sys/kernel/debug/kmemleak
	sleep 1
	echo scan >/sys/kernel/debug/kmemleak
	leaks=$(cat /sys/kernel/debug/kmemleak)
	if [ -z "$leaks" ]; then
		echo "ok 1 kmemleak: no unreferenced object after the tests"
	else
		echo "$leaks" | head -n 200 | sed 's/^/# /'
		echo "not ok 1 kmemleak: $(echo "$leaks" | grep -c '^unreferenced object') unreferenced object(s)"
	fi
	if grep -q '^ *debug_locks: *1$' /proc/lockdep_stats; then
		echo "ok 2 lockdep still validating after the tests"
	else
		grep 'debug_locks' /proc/lockdep_stats | sed 's/^/# /'
		echo "not ok 2 lockdep turned itself off (a report, or a table ran out)"
	fi
	echo "OVLVOL-EXIT debug_checks 0"
}

{
	echo "OVLVOL-BEGIN $(uname -r)"
	for t in /tests/*; do
		name=${t##*/}
		echo "OVLVOL-TEST $name"
		echo "init: running $name" >/dev/console
		rm -f /tmp/.rc
		# busybox sh has no pipefail: the exit status goes through a file.
		{ (cd /tmp && "$t") 2>&1; echo $? >/tmp/.rc; } | tee /dev/console
		echo "OVLVOL-EXIT $name $(cat /tmp/.rc 2>/dev/null || echo 255)"
	done
	[ -n "$debug" ] && debug_checks
	echo "OVLVOL-END"
} >"$port"
sync
reboot -f
