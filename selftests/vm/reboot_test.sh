#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# What only a reboot can show, run by the harness in two boots of one guest
# on the same ext4 disk (selftests/vm/run.sh): a pair unmounted with
# `ovlctl umount --seal` is reusable after the reboot, one unmounted without
# is refused (nonce-changed). And the boot-time sweep: `ovlctl gc` keeps the
# unsealed pair as reusable in the boot that made it, and calls it stale
# (nonce-changed) and empties it with --discard after the reboot; the sealed
# pair, which has no volatile state, it leaves alone. A third pair made by a
# plain `mount -o volatile` has no checkpoint with the module (stale at
# once) and the kernel's with the patched kernel (reusable until the reboot).
# Prints TAP.
#   reboot_test.sh 1|2
set -u

boot=$1
mnt=/mnt/reboot
. /tap.sh
tap_show=/tmp/out
# The exit status of ovlctl ARGS..., its output in /tmp/out.
ovl() {
	ovlctl "$@" >/tmp/out 2>&1
	echo $?
}
data() { yes "$1 $2" | head -c 300000; }
. /gc_json.sh
# /tmp/gc.json is one JSON document (the sweep's table), not several
one_doc() {
	[ "$(head -n 1 /tmp/gc.json)" = "{" ] && [ "$(tail -n 1 /tmp/gc.json)" = "}" ] &&
		[ "$(grep -c '^[{}]' /tmp/gc.json)" = 2 ] && grep -q '"pairs": \[' /tmp/gc.json
}
empty() { [ -d "$1" ] && [ -z "$(ls -A "$1")" ]; }

mkdir -p $mnt
if [ "$OVLVOL_KIND" = stock ] && [ ! -c /dev/ovlvol ]; then
	insmod "$OVLVOL_MODULE" || { echo "1..0 # SKIP cannot load ovlvol"; exit 1; }
fi
mount -t ext4 "$OVLVOL_SCRATCH_EXT4" $mnt || { echo "1..0 # cannot mount"; exit 1; }

if [ "$boot" = 1 ]; then
	echo "1..12"
	for p in sealed unsealed plain; do
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
	cd $mnt/plain || exit 1
	mount -t overlay -o lowerdir=lower,upperdir=upper,workdir=work,volatile overlay merged &&
		data plain 1 >merged/state && umount merged && [ -e work/work/incompat/volatile/dirty ]
	ok $? plain_volatile_mount_without_ovlctl
	cd /

	# The sweep in the boot that made the pairs.
	if [ "$OVLVOL_KIND" = stock ]; then
		plain="stale kept no-checkpoint" plain_d="stale discarded no-checkpoint"
	else
		plain="reusable kept ok" plain_d="reusable kept ok"
	fi
	[ "$(gc $mnt)" = 0 ] && gcrow unsealed reusable kept ok && gcrow plain $plain &&
		! listed sealed && ! listed lost+found
	ok $? gc_same_boot_unsealed_reusable
	one_doc
	ok $? gc_json_one_document
	[ "$(gc $mnt --discard)" = 0 ] && gcrow unsealed reusable kept ok && gcrow plain $plain_d &&
		! listed sealed
	ok $? gc_discard_same_boot_keeps_reusable
	cd $mnt/unsealed || exit 1
	[ "$(data unsealed 1 | cmp - upper/state >/tmp/out 2>&1; echo $?)" = 0 ] &&
		[ -e work/work/incompat/volatile/dirty ] &&
		[ "$(ovl -J check --work work)" = 0 ] && grep -q '"verdict": "reuse"' /tmp/out
	ok $? gc_discard_kept_unsealed_data_and_verdict
	cd $mnt/plain || exit 1
	if [ "$OVLVOL_KIND" = stock ]; then
		empty upper && empty work
	else
		[ "$(data plain 1 | cmp - upper/state >/tmp/out 2>&1; echo $?)" = 0 ]
	fi
	ok $? gc_discard_plain_pair_per_authority
	cd /
	umount $mnt # a clean shutdown: what the disk holds is what was written
	exit $failed
fi

echo "1..11"
cd $mnt/sealed || exit 1
[ "$(ovl -J check --work work)" = 0 ] && grep -q '"verdict": "fresh"' /tmp/out
ok $? sealed_pair_is_clean_after_reboot
cd $mnt/unsealed || exit 1
[ "$(ovl -J check --work work)" = 3 ] && grep -q '"reason": "nonce-changed"' /tmp/out
ok $? unsealed_pair_refused_after_reboot
[ "$(ovl mount --work work merged)" = 3 ] && ! grep -q " $mnt/unsealed/merged " /proc/mounts
ok $? unsealed_pair_not_mounted
cd /

# The boot-time sweep after the reboot.
[ "$(gc $mnt)" = 0 ] && gcrow unsealed stale kept nonce-changed && ! listed sealed &&
	if [ "$OVLVOL_KIND" = stock ]; then
		! listed plain # emptied by the sweep of boot 1
	else
		gcrow plain stale kept nonce-changed
	fi
ok $? gc_after_reboot_unsealed_stale_nonce_changed
one_doc && [ -e $mnt/unsealed/work/work/incompat/volatile/dirty ] &&
	[ "$(cat $mnt/unsealed/upper/state | wc -c)" = 300000 ]
ok $? gc_json_one_document_and_report_changes_nothing
[ "$(gc $mnt --discard)" = 0 ] && gcrow unsealed stale discarded nonce-changed && ! listed sealed &&
	if [ "$OVLVOL_KIND" = stock ]; then
		! listed plain
	else
		gcrow plain stale discarded nonce-changed
	fi
ok $? gc_discard_after_reboot
empty $mnt/unsealed/upper && empty $mnt/unsealed/work && empty $mnt/plain/upper &&
	empty $mnt/plain/work && [ -f $mnt/unsealed/lower/image ]
ok $? gc_discard_emptied_stale_pairs
cd $mnt/sealed || exit 1
[ "$(data sealed 1 | cmp - upper/state >/tmp/out 2>&1; echo $?)" = 0 ]
ok $? gc_discard_kept_sealed_pair
ok "$(ovl mount --work work merged)" sealed_pair_mounts_again
[ "$(data sealed 1 | cmp - merged/state >/tmp/out 2>&1; echo $?)" = 0 ]
ok $? sealed_data_intact
ovlctl umount merged >/dev/null 2>&1
cd /
# Mounted again (volatile) in this boot: reusable now, and kept.
[ "$(gc $mnt --discard)" = 0 ] && gcrow sealed reusable kept ok && ! listed unsealed &&
	! listed plain && [ "$(data sealed 1 | cmp - $mnt/sealed/upper/state >/tmp/out 2>&1; echo $?)" = 0 ]
ok $? gc_same_boot_remount_reusable_and_kept
umount $mnt
exit $failed
