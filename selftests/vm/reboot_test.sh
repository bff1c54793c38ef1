#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# What only a reboot can show, run by the harness in two boots of one guest
# on the same ext4 disk (selftests/vm/run.sh): a pair unmounted with
# `ovlctl umount --seal` is reusable after the reboot, one unmounted without
# is refused (nonce-changed). Prints TAP.
#   reboot_test.sh 1|2
set -u

boot=$1
mnt=/mnt/reboot
n=0
failed=0

ok() { # STATUS NAME
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		failed=$((failed + 1))
		sed 's/^/# /' /tmp/out
	fi
}
# The exit status of ovlctl ARGS..., its output in /tmp/out.
ovl() {
	ovlctl "$@" >/tmp/out 2>&1
	echo $?
}
data() { yes "$1 $2" | head -c 300000; }

mkdir -p $mnt
if [ "$OVLVOL_KIND" = stock ] && [ ! -c /dev/ovlvol ]; then
	insmod "$OVLVOL_MODULE" || { echo "1..0 # SKIP cannot load ovlvol"; exit 1; }
fi
mount -t ext4 "$OVLVOL_SCRATCH_EXT4" $mnt || { echo "1..0 # cannot mount"; exit 1; }

if [ "$boot" = 1 ]; then
	echo "1..6"
	for p in sealed unsealed; do
		mkdir -p $mnt/$p/lower $mnt/$p/upper $mnt/$p/work $mnt/$p/merged
		echo image >$mnt/$p/lower/image
	done
	cd $mnt/sealed || exit 1
	ok "$(ovl mount --lower lower --upper upper --work work merged)" mount_sealed_pair
	data sealed 1 >merged/state
	ok "$(ovl umount --seal merged)" umount_seal
	[ ! -e work/work/incompat/volatile ] && [ "$(cat upper/state | wc -c)" = 300000 ]
	ok $? seal_dropped_marker_and_kept_data
	cd $mnt/unsealed || exit 1
	ok "$(ovl mount --lower lower --upper upper --work work merged)" mount_unsealed_pair
	data unsealed 1 >merged/state
	ok "$(ovl umount merged)" umount_without_seal
	[ -e work/work/incompat/volatile/dirty ]
	ok $? marker_kept_without_seal
	cd /
	umount $mnt # a clean shutdown: what the disk holds is what was written
	exit $failed
fi

echo "1..5"
cd $mnt/sealed || exit 1
[ "$(ovl -J check --work work)" = 0 ] && grep -q '"verdict": "fresh"' /tmp/out
ok $? sealed_pair_is_clean_after_reboot
ok "$(ovl mount --work work merged)" sealed_pair_mounts_again
[ "$(data sealed 1 | cmp - merged/state >/tmp/out 2>&1; echo $?)" = 0 ]
ok $? sealed_data_intact
ovlctl umount merged >/dev/null 2>&1
cd $mnt/unsealed || exit 1
[ "$(ovl -J check --work work)" = 3 ] && grep -q '"reason": "nonce-changed"' /tmp/out
ok $? unsealed_pair_refused_after_reboot
[ "$(ovl mount --work work merged)" = 3 ] && ! grep -q " $mnt/unsealed/merged " /proc/mounts
ok $? unsealed_pair_not_mounted
cd /
umount $mnt
exit $failed
