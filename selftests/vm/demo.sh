#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The story `make demo` tells, run in a guest on Debian's stock kernel with
# the ovlvol module (never on the host):
#   part 1, today: a volatile container rootfs is refused on restart, and
#   the blind marker deletion runtimes use lets a torn upper through after a
#   host crash;
#   part 2, with ovlctl: a restart reuses the upper when that is provably
#   safe, and is refused after a writeback error or a crash.
#   demo.sh 1   first boot, ends with a crash (sysrq b)
#   demo.sh 2   second boot on the same disk
set -u

boot=${1:-1}
disk=/dev/disk-ext4
store=/var/lib/containers
web=$store/overlay/web # a runtime of today: deletes the marker blindly
db=$store/overlay/db # restarted through ovlctl
api=/var/lib/api/overlay/api # through ovlctl, on a disk that will fail
# Absolute paths, as runtimes use: mountinfo shows them as given.
opts="lowerdir=$web/lower,upperdir=$web/upper,workdir=$web/work,volatile"

step() { printf '\n== %s\n' "$*"; }
say() { printf '   %s\n' "$*"; }
# Show a command and its output; keep its exit status in $rc.
run() {
	printf '   $ %s\n' "$*"
	"$@" >/tmp/out 2>&1
	rc=$?
	sed 's/^/     /' /tmp/out
	[ $rc = 0 ] || say "(exit status $rc)"
}
# The containers' data: deterministic, so boot 2 knows what was written.
orders() { yes "order $1: 2 x espresso" | head -c 262144; }
show_data() {
	for f in "$@"; do
		if [ -f "merged/app/$f" ]; then
			say "app/$f: $(wc -c <"merged/app/$f") of 262144 bytes"
		else
			say "app/$f: missing"
		fi
	done
}
new_container() {
	mkdir -p "$1/lower/app" "$1/lower/etc" "$1/upper" "$1/work" "$1/merged"
	echo 'NAME="demo image"' >"$1/lower/etc/os-release"
}
load_module() {
	insmod /lib/modules/extra/ovlvol.ko 2>/dev/null
	[ -c /dev/ovlvol ] || { say "cannot load the ovlvol module"; exit 1; }
}

mkdir -p $store
if [ "$boot" = 1 ]; then
	mount -t ext4 -o commit=1,noauto_da_alloc $disk $store || exit 1
	# Hold writeback back so the crash at the end loses exactly the data
	# the volatile containers had not had written yet: on a real host,
	# whatever is younger than the dirty expiry (30 s by default).
	echo 0 >/proc/sys/vm/dirty_writeback_centisecs
	echo 360000 >/proc/sys/vm/dirty_expire_centisecs
	new_container $web
	new_container $db
	sync # the image layers, like pulled images, are durable

	printf '\nPART 1: TODAY\n'
	cd $web || exit 1
	step "1. The runtime starts container 'web': rootfs overlay, volatile (no syncs, ever)"
	run mount -t overlay overlay -o "$opts" merged
	orders 1 >merged/app/orders-1
	show_data orders-1

	step "2. The container stops: overlayfs leaves a marker behind"
	run umount merged
	run find work/work/incompat

	step "3. The runtime restarts it: stock overlayfs refuses"
	run mount -t overlay overlay -o "$opts" merged
	say "kernel: $(dmesg | grep -o 'overlayfs: .*incompat.*' | tail -n 1)"
	say "Nothing tells it whether the upper is intact, so it refuses all reuse."

	step "4. What podman and CRI-O do today: delete work/incompat/volatile, unchecked"
	run rm -rf work/work/incompat/volatile
	run mount -t overlay overlay -o "$opts" merged
	show_data orders-1
	say "No crash happened, so the upper was intact: reuse was right this time."

	printf '\nPART 2: WITH OVLCTL\n'
	step "5. A stock kernel: the ovlvol module gives it per-boot identities"
	load_module
	run ovlctl features

	# The api container's upper fs sits on a dm device we can break.
	mkdir -p /var/lib/api
	truncate -s 64M /tmp/api.img
	mkfs.ext4 -q -F -O ^has_journal /tmp/api.img # no journal to abort
	loop=$(losetup -f)
	losetup "$loop" /tmp/api.img
	sectors=$(blockdev --getsz "$loop")
	DM_DISABLE_UDEV=1 dmsetup create api --table "0 $sectors linear $loop 0"
	mount -t ext4 /dev/mapper/api /var/lib/api || exit 1
	new_container $api
	cd $api || exit 1

	step "6. Container 'api' starts through ovlctl: volatile, with a checkpoint"
	run ovlctl mount --lower lower --upper upper --work work merged
	orders 1 >merged/app/orders-1
	show_data orders-1

	step "7. It stops, and restarts: ovlctl checks the checkpoint, then reuses the upper"
	run ovlctl umount merged
	run ovlctl inspect --work work
	run ovlctl check --work work
	run ovlctl mount --work work merged
	show_data orders-1
	say "Same boot, same upper superblock, no writeback error since the first"
	say "mount: the upper holds exactly what the container wrote. No sync needed."

	step "8. The disk under 'api' starts failing writes while the container writes"
	DM_DISABLE_UDEV=1 dmsetup load api \
		--table "0 $sectors flakey $loop 0 0 1 1 error_writes"
	DM_DISABLE_UDEV=1 dmsetup suspend --noflush api
	DM_DISABLE_UDEV=1 dmsetup resume api
	orders 2 >merged/app/orders-2
	say "The kernel's background writeback flushes the new data, and fails;"
	say "a volatile container never syncs, so nobody sees the error."
	echo 100 >/proc/sys/vm/dirty_expire_centisecs
	echo 100 >/proc/sys/vm/dirty_writeback_centisecs
	sleep 4
	echo 0 >/proc/sys/vm/dirty_writeback_centisecs
	echo 360000 >/proc/sys/vm/dirty_expire_centisecs
	run ovlctl umount merged
	run ovlctl check --work work
	say "Somebody else's syncfs() on that filesystem now sees the error:"
	run sync -f /var/lib/api
	run ovlctl check --work work
	say "Still refused, for good: the error is on record since the first mount."

	step "9. Container 'db' runs through ovlctl; then the host crashes before writeback"
	cd $db || exit 1
	run ovlctl mount --lower lower --upper upper --work work merged
	orders 1 >merged/app/orders-1
	orders 2 >merged/app/orders-2
	show_data orders-1 orders-2
	cd $web || exit 1
	orders 2 >merged/app/orders-2
	sleep 3 # the journal commits the metadata; the data stays in memory
	say "crashing now (sysrq b: reboot without syncing)"
	echo OVLVOL-END
	echo b >/proc/sysrq-trigger
	sleep 10
	exit 1
fi

mount -t ext4 $disk $store || exit 1
printf '\nAFTER THE CRASH\n'
cd $web || exit 1
step "10. 'web' (today's runtime): the marker is still there; it is deleted blindly"
run mount -t overlay overlay -o "$opts" merged
run rm -rf work/work/incompat/volatile
run mount -t overlay overlay -o "$opts" merged
show_data orders-1 orders-2
torn=0
for f in orders-1 orders-2; do
	[ "$(wc -c <merged/app/$f 2>/dev/null || echo 0)" = 262144 ] || torn=1
done
if [ $torn = 1 ]; then
	say "TORN: data the container wrote before the crash is gone, and the"
	say "mount succeeded without a word."
else
	say "This time the data happened to survive the crash; nothing checked it."
fi
umount merged

step "11. 'db' through ovlctl: the checkpoint is from the previous boot"
load_module
cd $db || exit 1
run ovlctl check --work work
say "Refused: a new boot means a new nonce; the upper may be torn."
run ovlctl mount --work work --on-invalid=discard merged
show_data orders-1 orders-2
say "With --on-invalid=discard the runtime gets a clean rootfs from the image"
say "(exit status 4) instead of a torn one."
run ovlctl umount merged
