#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The crash rounds of the fault suite, one boot each (selftests/vm/run.sh
# --fault, Documentation/testing.rst). Boot B first judges what round B-1
# left on the scratch disks after its crash, then (unless it is the last
# boot) sets up round B and crashes the machine with no sync: sysrq-b,
# which ends QEMU (-no-reboot) as a power cut would (reboot(2) without sync
# on a kernel without sysrq). On each of the ext4 and xfs scratch disks a
# round has:
#  - a crash pair: mounted volatile (ovlctl on stock kernels; on the patched
#    kernel ovlctl in odd rounds, a plain mount(2) in even ones), made
#    durable empty, then written by the data set of fault_crash up to a
#    random op, left dirty a random 0-8 s, crashed. After the reboot ovlctl
#    check and mount, the kernel (a plain volatile mount) and ovlctl gc must
#    all refuse it, and the view a blind marker deletion would hand out is
#    compared with replays of the ops on a plain directory: intact, rolled
#    back (nothing written back) or torn is counted, not asserted (it is
#    the danger being measured);
#  - a sealed pair: written after everything else was synced, reused ten
#    times through ovlctl with the digest checked after each reuse,
#    unmounted with --seal (nothing else syncs it); after the crash its
#    data must be intact and the pair clean.
# On stock kernels the crash itself is ovlctl's own window (a pair on one of
# the two window disks, ext4 and xfs in turn): ovlctl built with
# FAULT_POINTS=1 removes the stock marker, makes that durable and crashes
# before it mounts. After the reboot ovlctl must still refuse the pair.
# Prints TAP (the plan last), each judged pair as a "# FAULT ..." line the
# host tallies, and frames its own end on the results port.
#   fault_guest.sh BOOT ROUNDS SEED
set -u

boot=$1
rounds=$2
seed=$3
ops=300
. /tap.sh
. /gc_json.sh
tap_show=/tmp/out

# The exit status of ovlctl ARGS..., its output in /tmp/out.
ovl() {
	ovlctl "$@" >/tmp/out 2>&1
	echo $?
}
log() { echo "fault[$boot]: $*" >/dev/console; }
# rand SALT N: a number in [0, N) drawn from the run's seed, this boot, SALT
rand() { awk -v s="$seed" -v b="$boot" -v t="$1" -v n="$2" 'BEGIN { srand(s * 7919 + b * 104729 + t); print int(rand() * n) }'; }
# The plain volatile mount of pair dir $1, by absolute paths as runtimes
# give them (an overlay mounted with relative ones cannot be resolved by
# ovlctl's in-use scan, which then refuses to judge any pair).
plain_mount() {
	local p
	p=$(realpath "$1")
	mount -t overlay -o "lowerdir=$p/lower,upperdir=$p/upper,workdir=$p/work,volatile" overlay \
		"$p/merged" >/tmp/out 2>&1
}
# the view a blind deletion of the marker hands out: upper over lower
view_mount() {
	local p
	p=$(realpath "$1")
	mount -t overlay -o "ro,lowerdir=$p/upper:$p/lower" overlay "$p/merged" >/tmp/out 2>&1
}
mkpair() { mkdir -p "$1/upper" "$1/work" "$1/merged" && /fault_crash lower "$1/lower" "$2"; }

# How the kernel says no to a crashed pair: the series' verdict, or stock
# overlayfs refusing the marker of a volatile mount it cannot judge.
kernel_refusal="reason=nonce-changed"
[ "$OVLVOL_KIND" = stock ] && kernel_refusal="incompat feature 'volatile'"

mkdir -p /mnt/ext4 /mnt/xfs /mnt/w-ext4 /mnt/w-xfs
mount -t ext4 "$OVLVOL_SCRATCH_EXT4" /mnt/ext4 && mount -t xfs "$OVLVOL_SCRATCH_XFS" /mnt/xfs
ok $? mount_scratch_disks
window=
if [ "$OVLVOL_KIND" = stock ]; then
	mount -t ext4 /dev/disk-wext4 /mnt/w-ext4 && mount -t xfs /dev/disk-wxfs /mnt/w-xfs
	ok $? mount_window_disks
fi

# Judge round $1 on /mnt/$2.
judge() {
	local r=$1 fs=$2 d=/mnt/$2/r$1 X D how rc view differ o k g s
	read -r X D how <"$d/plan" || { ok 1 "r$r.$fs.plan_survived"; return; }
	cd "$d" || return
	# ovlctl's verdict
	rc=$(ovl -J check --lower crash/lower --upper crash/upper --work crash/work)
	if [ "$rc" = 3 ] && grep -q '"reason": "nonce-changed"' /tmp/out; then o=refused; else o=accepted; fi
	[ $o = refused ]
	ok $? "r$r.$fs.crash_pair_refused_by_ovlctl_check"
	[ "$(ovl mount --lower crash/lower --upper crash/upper --work crash/work crash/merged)" = 3 ] &&
		grep -q 'nonce-changed' /tmp/out && ! grep -q " $d/crash/merged " /proc/mounts
	ok $? "r$r.$fs.crash_pair_not_mounted_by_ovlctl"
	grep -q " $d/crash/merged " /proc/mounts && umount "$d/crash/merged"
	# the kernel's: a plain volatile mount, refused for the right reason
	dmesg -c >/dev/null
	if plain_mount crash; then
		k=accepted
		umount crash/merged
	elif dmesg | grep -q "$kernel_refusal"; then
		k=refused
	else
		k=failed
		dmesg | tail -n 3 | sed 's/^/# kernel: /'
	fi
	[ $k = refused ]
	ok $? "r$r.$fs.crash_pair_refused_by_plain_volatile_mount"
	# the boot-time sweep
	if [ "$(gc "$d")" = 0 ] && gcrow crash stale kept nonce-changed; then g=found; else g=missed; fi
	[ $g = found ]
	ok $? "r$r.$fs.crash_pair_stale_in_gc"
	# What blind deletion would have reused: the state the writer reached
	# (intact), the state before its first op (rolled back: consistent,
	# every write lost), or neither (torn).
	rm -f /tmp/want0 /tmp/want /tmp/got
	/fault_crash lower replay "$seed$r" && /fault_crash digest replay >/tmp/want0 &&
		/fault_crash write replay "$seed$r" 0 "$X" && /fault_crash digest replay >/tmp/want &&
		view_mount crash && /fault_crash digest crash/merged >/tmp/got
	rc=$?
	umount crash/merged 2>/dev/null
	ok $rc "r$r.$fs.crash_pair_view_and_replay_digested"
	if cmp -s /tmp/want /tmp/got; then
		view=intact
	elif cmp -s /tmp/want0 /tmp/got; then
		view=rolled-back
	else
		view=torn
	fi
	differ=$(diff /tmp/want /tmp/got | grep -c '^[-+]/')
	[ $view = torn ] && diff /tmp/want /tmp/got | grep '^[-+]/' | head -n 4 | sed 's/^/# torn: /'
	# the sealed pair: clean, and every byte there
	[ "$(ovl -J check --work sealed/work)" = 0 ] && grep -q '"verdict": "fresh"' /tmp/out
	ok $? "r$r.$fs.sealed_pair_clean"
	s=lost
	/fault_crash lower sreplay "$seed$r"5 && /fault_crash write sreplay "$seed$r"5 0 200 &&
		/fault_crash digest sreplay >/tmp/swant &&
		[ "$(ovl mount --work sealed/work sealed/merged)" = 0 ] &&
		/fault_crash digest sealed/merged >/tmp/sgot && cmp /tmp/swant /tmp/sgot >/tmp/out 2>&1 &&
		cmp sealed.digest /tmp/sgot >/tmp/out 2>&1 && s=intact
	ovlctl umount sealed/merged >/dev/null 2>&1
	[ $s = intact ]
	ok $? "r$r.$fs.sealed_pair_data_intact"
	echo "# FAULT kind=$OVLVOL_KIND round=$r fs=$fs ops=$X delay=$D mount=$how view=$view differ=$differ ovlctl=$o kernel=$k gc=$g sealed=$s"
	cd /
	rm -rf "$d"
}

# Judge the window pair of round $1 on /mnt/w-$2.
judge_window() {
	local r=$1 fs=$2 d=/mnt/w-$2/r$1 fired o g rc
	[ -d "$d" ] || return
	cd "$d" || return
	# the fault point fired only once the marker's removal was durable
	if [ -e work/work/incompat/volatile ] || [ -e fault-returned ]; then fired=no; else fired=yes; fi
	[ $fired = yes ]
	ok $? "r$r.w-$fs.window_marker_removed_before_crash"
	rc=$(ovl -J check --work work)
	if [ "$rc" = 3 ] && grep -q '"reason": "nonce-changed"' /tmp/out; then o=refused; else o=accepted; fi
	[ $o = refused ]
	ok $? "r$r.w-$fs.window_pair_refused_by_ovlctl"
	[ "$(ovl mount --work work merged)" = 3 ] && grep -q 'nonce-changed' /tmp/out &&
		! grep -q " $d/merged " /proc/mounts
	ok $? "r$r.w-$fs.window_pair_not_mounted"
	grep -q " $d/merged " /proc/mounts && umount "$d/merged"
	if [ "$(gc /mnt/w-$fs)" = 0 ] && gcrow "r$r" stale kept nonce-changed; then g=found; else g=missed; fi
	[ $g = found ]
	ok $? "r$r.w-$fs.window_pair_stale_in_gc"
	echo "# FAULT-WINDOW kind=$OVLVOL_KIND round=$r fs=$fs fired=$fired ovlctl=$o gc=$g"
	cd /
	rm -rf "$d"
}

if [ "$boot" -gt 0 ]; then
	r=$((boot - 1))
	for fs in ext4 xfs; do
		judge $r $fs
		[ "$OVLVOL_KIND" = stock ] && judge_window $r $fs
	done
fi

if [ "$boot" -ge "$rounds" ]; then
	echo "1..$n"
	echo "OVLVOL-EXIT fault.$boot $failed"
	echo "OVLVOL-END"
	exit 0
fi

# Round $boot: set up, write, crash. The crash comes D s after the last
# write, on both disks. First everything the crash must not take is made
# durable (the pairs' dirs, lowers and the crash pairs' checkpoints, the
# plans); the sealed pairs are written after that, so only their seal can
# make them survive.
r=$boot
D=$(rand 3 9)
for fs in ext4 xfs; do
	d=/mnt/$fs/r$r
	mkdir -p "$d"
	cd "$d" || exit 1
	salt=1
	[ $fs = xfs ] && salt=2
	X=$((1 + $(rand $salt $ops)))
	how=ovlctl
	[ "$OVLVOL_KIND" = patched ] && [ $((r % 2)) = 0 ] && how=plain
	mkpair sealed "$seed$r"5 && mkpair crash "$seed$r"
	ok $? "r$r.$fs.pairs_made"
	if [ $how = plain ]; then
		plain_mount crash
		rc=$?
	else
		rc=$(ovl mount --lower crash/lower --upper crash/upper --work crash/work crash/merged)
	fi
	ok "$rc" "r$r.$fs.crash_pair_mounted_by_$how"
	echo "$X $D $how" >plan
	echo "# round $r $fs: crash after op $X of $ops, $D s later"
	cd /
done
if [ "$OVLVOL_KIND" = stock ]; then
	# The window pair: reusable now, its crash comes from ovlctl itself.
	window=ext4
	[ $((r % 2)) = 1 ] && window=xfs
	d=/mnt/w-$window/r$r
	mkpair "$d" "$seed$r"9 && cd "$d" &&
		[ "$(ovl mount --lower lower --upper upper --work work merged)" = 0 ] &&
		/fault_crash write merged "$seed$r"9 0 50 && [ "$(ovl umount merged)" = 0 ] &&
		[ -e work/work/incompat/volatile/dirty ]
	ok $? "r$r.w-$window.window_pair_ready"
	cd /
fi
sync
# The sealed pairs: written, ten reuses each checked, then --seal, and the
# digest of what the seal kept, fsync'ed; nothing else syncs them.
for fs in ext4 xfs; do
	cd "/mnt/$fs/r$r" || exit 1
	rc=$(ovl mount --lower sealed/lower --upper sealed/upper --work sealed/work sealed/merged)
	[ "$rc" = 0 ] && /fault_crash write sealed/merged "$seed$r"5 0 100 &&
		/fault_crash digest sealed/merged >/tmp/before
	ok $? "r$r.$fs.sealed_pair_written"
	bad=
	for i in 1 2 3 4 5 6 7 8 9 10; do
		[ "$(ovl umount sealed/merged)" = 0 ] &&
			[ "$(ovl mount --work sealed/work sealed/merged)" = 0 ] && grep -q '^reused: ' /tmp/out &&
			/fault_crash digest sealed/merged >/tmp/after && cmp /tmp/before /tmp/after >/tmp/out 2>&1 &&
			/fault_crash write sealed/merged "$seed$r"5 $((90 + 10 * i)) $((100 + 10 * i)) &&
			/fault_crash digest sealed/merged >/tmp/before || { bad="$bad $i"; break; }
	done
	[ -z "$bad" ]
	ok $? "r$r.$fs.sealed_pair_reused_ten_times_intact" "${bad:+cycle$bad}"
	[ "$(ovl umount --seal sealed/merged)" = 0 ] && view_mount sealed &&
		/fault_crash digest sealed/merged sealed.digest && umount sealed/merged &&
		cmp /tmp/before sealed.digest >/tmp/out 2>&1
	ok $? "r$r.$fs.sealed_pair_sealed"
	cd /
done
log "writing the crash pairs"
/fault_crash write /mnt/ext4/r$r/crash/merged "$seed$r" 0 "$(cut -d' ' -f1 /mnt/ext4/r$r/plan)" &
p1=$!
/fault_crash write /mnt/xfs/r$r/crash/merged "$seed$r" 0 "$(cut -d' ' -f1 /mnt/xfs/r$r/plan)"
rc=$?
wait $p1
rc1=$?
[ $rc = 0 ] && [ $rc1 = 0 ]
ok $? "r$r.crash_pairs_written"
sleep "$D"
echo "1..$n"
echo "OVLVOL-EXIT fault.$boot $failed"
echo "OVLVOL-END"
sleep 1
if [ -n "$window" ]; then
	log "crashing inside ovlctl's window on /mnt/w-$window/r$r"
	cd "/mnt/w-$window/r$r" && OVLCTL_FAULT=marker-removed ovlctl-fault mount --work work merged
	# Still here: the next boot must not count this round as fired.
	log "ovlctl's fault point did not crash the machine"
	: >fault-returned
	sync
fi
# sysrq-b; a kernel without sysrq (the minimal patched builds) gets
# reboot(2) without sync: the page cache is lost all the same
log "crash"
echo b >/proc/sysrq-trigger 2>/dev/null
reboot -n -f
sleep 10
