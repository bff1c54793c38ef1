#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The story `make demo` tells, run in a guest (never on the host): a container
# rootfs overlay mounted volatile, stopped, refused on restart, and what the
# blind marker deletion runtimes use today lets through after a host crash.
#   demo.sh 1   first boot: start, stop, refused restart, blind restart, crash
#   demo.sh 2   second boot, same disk: blind restart over a torn upper
set -u

boot=${1:-1}
disk=/dev/disk-ext4
store=/var/lib/containers
c=$store/overlay/web
opts="lowerdir=lower,upperdir=upper,workdir=work,volatile"

step() { printf '\n== %s\n' "$*"; }
say() { printf '   %s\n' "$*"; }
run() {
	printf '   $ %s\n' "$*"
	"$@" 2>&1 | sed 's/^/     /'
}
start_container() { mount -t overlay overlay -o "$opts" merged 2>&1; }
# The container's data: deterministic, so boot 2 knows what was written.
orders() { yes "order $1: 2 x espresso" | head -c 262144; }
show_data() {
	for f in orders-1 orders-2; do
		if [ -f "merged/app/$f" ]; then
			got=$(wc -c <"merged/app/$f")
			say "app/$f: $got of 262144 bytes"
		else
			say "app/$f: missing"
		fi
	done
}

mkdir -p $store
if [ "$boot" = 1 ]; then
	mount -t ext4 -o commit=1,noauto_da_alloc $disk $store || exit 1
	# Hold writeback back so the crash below loses exactly the data a
	# volatile container had not yet had written: on a real host that is
	# whatever is younger than the dirty expiry (30 s by default).
	echo 0 >/proc/sys/vm/dirty_writeback_centisecs
	echo 360000 >/proc/sys/vm/dirty_expire_centisecs
	mkdir -p $c/lower/app $c/lower/etc $c/upper $c/work $c/merged
	echo 'NAME="demo image"' >$c/lower/etc/os-release
	sync # the image layer, like a pulled image, is durable
	cd $c || exit 1

	step "1. The runtime starts the container: rootfs overlay, volatile (no syncs, ever)"
	run mount -t overlay overlay -o "$opts" merged
	orders 1 >merged/app/orders-1
	show_data

	step "2. The container stops: overlayfs leaves a marker behind"
	run umount merged
	run find work/work/incompat

	step "3. The runtime restarts the container: stock overlayfs refuses"
	say "$(start_container || true)"
	say "kernel: $(dmesg | grep -o 'overlayfs: .*incompat.*' | tail -n 1)"
	say "Nothing tells it whether the upper is intact, so it refuses all reuse."

	step "4. What podman and CRI-O do today: delete work/incompat/volatile, unchecked"
	run rm -rf work/work/incompat/volatile
	run mount -t overlay overlay -o "$opts" merged
	show_data
	say "No crash happened, so the upper was intact: reuse was right this time."

	step "5. The container writes more; then the host crashes before writeback"
	orders 2 >merged/app/orders-2
	show_data
	sleep 3 # the journal commits the metadata; the data stays in memory
	say "crashing now (sysrq b: reboot without syncing)"
	echo OVLVOL-END
	echo b >/proc/sysrq-trigger
	sleep 10
	exit 1
fi

mount -t ext4 $disk $store || exit 1
cd $c || exit 1
step "6. After the reboot the marker is still there, and overlayfs still refuses"
run find work/work/incompat
say "$(start_container || true)"

step "7. The runtime deletes the marker blindly, as on every start"
run rm -rf work/work/incompat/volatile
run mount -t overlay overlay -o "$opts" merged

step "8. What the restarted container sees"
show_data
torn=0
for f in orders-1 orders-2; do
	[ "$(wc -c <merged/app/$f 2>/dev/null || echo 0)" = 262144 ] || torn=1
done
if [ $torn = 1 ]; then
	say "The upper is torn: data the container wrote before the crash is gone,"
	say "and the mount succeeded without a word. This is the silent reuse the"
	say "project exists to stop: a checkpoint taken at the first volatile mount"
	say "(per-boot superblock id, authority nonce, errseq) no longer matches"
	say "after a reboot, so the restart is refused (reason nonce-changed)"
	say "instead of handing the container a torn rootfs."
else
	say "This time the data happened to survive the crash; nothing checked it."
fi
umount merged
