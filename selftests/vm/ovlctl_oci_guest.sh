#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# ovlctl runtime and ovlctl hook with real mounts, in the guest (busybox sh,
# installed as /tests/ovlctl_oci by run.sh). A fake real runtime (a script
# that checks root.path is mounted, volatile, and records its argv) stands
# in for runc; then, when the guest can run containers at all, one real
# `crun run` of a busybox rootfs through `ovlctl runtime`.
#
# - create mounts the overlay at root.path before the runtime runs; delete
#   unmounts it; a second create reuses the upper (data checked by content);
# - a refused verdict (other-incompat, in-use) never runs the runtime and
#   exits 3 / 5, its reason in the JSON-lines log;
# - hook prestart accepts the right mount and aborts on a wrong one;
# - gVisor (a fake named runsc, overlay2 root:self): stale
#   .gvisor.filestore.* regular files at the top of the upper go before the
#   remount; one in a subdir, a symlink and a dir of that name stay, and so
#   does the symlink's target; nothing goes on a refusal.
# Prints TAP.

ovlctl=${OVLVOL_OVLCTL:-/usr/sbin/ovlctl}
T=/tmp/ovlctl-oci
. /tap.sh
tap_show="$T/out $T/err"
PLAN=24
skip_all() {
	echo "1..0 # SKIP $1"
	exit 0
}

echo "TAP version 13"
loaded=
if [ "$OVLVOL_KIND" = stock ] && [ ! -e /dev/ovlvol ] && [ -n "$OVLVOL_MODULE" ]; then
	insmod "$OVLVOL_MODULE" && loaded=1
fi
auth=$("$ovlctl" features 2>/dev/null | awk '$1 == "authority" { print $2 }')
[ -n "$auth" ] && [ "$auth" != none ] ||
	skip_all "no id authority (ovlctl features: authority ${auth:-?}): nothing can be reused"
echo "1..$PLAN"

mkdir -p $T
if ! mount -t tmpfs ovlctl-oci $T; then
	echo "Bail out! cannot mount a tmpfs on $T"
	exit 1
fi
B=$T/bundle
U=$T/c/upper
W=$T/c/work
L=$T/c/lower
mkdir -p $B/rootfs $U $W $L $T/bin $T/outside
# Annotated layers live beneath $T/c (ovlctl.conf confines them there).
printf '[annotations]\nroots = %s\n' "$T/c" >$T/ovlctl.conf
export OVLCTL_CONFIG=$T/ovlctl.conf
echo lower-data >$L/from-lower
echo secret >$T/outside/target

# The fake runtime: argv to $0.argv (one per line, then "--"); for create
# and run it records whether root.path is a volatile overlay right now.
cat >$T/bin/fake <<'EOF'
#!/bin/sh
printf '%s\n' "$@" >>"$0.argv"
echo -- >>"$0.argv"
for a; do
	case $a in
	state) printf '{"ociVersion":"1.0.2","id":"c1","status":"stopped","bundle":"%s"}\n' "$FAKE_BUNDLE" ;;
	create | run)
		awk -v t="$FAKE_ROOTFS" '$5 == t && / - overlay / && /volatile/ { m = 1 } END { exit !m }' \
			/proc/self/mountinfo && echo mounted-volatile >>"$0.seen" || echo not-mounted >>"$0.seen"
		;;
	esac
done
exit 0
EOF
chmod +x $T/bin/fake
cp $T/bin/fake $T/bin/runsc
export FAKE_BUNDLE=$B FAKE_ROOTFS=$B/rootfs

config() {
	printf '{"ociVersion":"1.0.2","root":{"path":"rootfs"},"annotations":{%s}}\n' "$1" >$B/config.json
}
ANN="\"dev.ovlvol.upper\":\"$U\",\"dev.ovlvol.work\":\"$W\",\"dev.ovlvol.lower\":\"$L\""
config "$ANN"
# rt WANT ARGS...: ovlctl runtime ARGS; 0 if exit == WANT
rt() {
	want=$1
	shift
	"$ovlctl" runtime "$@" >$T/out 2>$T/err
	rc=$?
	[ $rc = "$want" ] || echo "exit $rc, want $want" >>$T/err
	[ $rc = "$want" ]
}
mounted() { awk -v t="$1" '$5 == t { m = 1 } END { exit !m }' /proc/self/mountinfo; }
calls() {
	if [ -f "$1.argv" ]; then grep -c '^--$' "$1.argv"; else echo 0; fi
}

# --- create, write, delete, create again: reused ------------------------
rt 0 --real $T/bin/fake --root /run/fake --log $T/log --log-format json create --bundle $B c1 &&
	[ "$(cat $T/bin/fake.seen)" = mounted-volatile ] &&
	[ "$(tr '\n' ' ' <$T/bin/fake.argv)" = "--root /run/fake --log $T/log --log-format json create --bundle $B c1 -- " ] &&
	mounted $B/rootfs
ok $? create_mounts_volatile_overlay_before_the_runtime_runs_argv_unchanged

echo written-between >$B/rootfs/hello && [ "$(cat $U/hello)" = written-between ] &&
	[ "$(cat $B/rootfs/from-lower)" = lower-data ]
ok $? container_writes_land_in_the_upper

mkdir -p $T/b2/rootfs
sed "s|\"rootfs\"|\"$T/b2/rootfs\"|" $B/config.json >$T/b2/config.json
before=$(calls $T/bin/fake)
rt 5 --real $T/bin/fake --log $T/log2 --log-format json create -b $T/b2 c2 &&
	[ "$(calls $T/bin/fake)" = "$before" ] && ! mounted $T/b2/rootfs &&
	grep -q '"level":"error","msg":"not reusable: in-use"' $T/log2
ok $? second_container_on_the_same_pair_is_busy_exit_5

# --- the hook, while mounted ---------------------------------------------
state() {
	printf '{"ociVersion":"1.0.2","id":"c1","status":"%s","bundle":"%s","annotations":{%s}}' \
		"$1" "$B" "$2" >$T/state
}
hook() {
	want=$1
	shift
	"$ovlctl" hook "$@" <$T/state >$T/out 2>$T/err
	rc=$?
	[ $rc = "$want" ] || echo "exit $rc, want $want" >>$T/err
	[ $rc = "$want" ] && [ ! -s $T/out ]
}
state created "$ANN"
hook 0 --stage prestart
ok $? hook_prestart_accepts_the_right_overlay
hook 0
ok $? hook_status_created_verifies

mkdir -p $T/c/work2 $T/c/upper2
state created "\"dev.ovlvol.upper\":\"$U\",\"dev.ovlvol.work\":\"$T/c/work2\""
hook 1 --stage createRuntime && grep -q "the overlay's workdir .* is not $T/c/work2" $T/err
ok $? hook_aborts_on_another_workdir
state created "\"dev.ovlvol.upper\":\"$T/c/upper2\",\"dev.ovlvol.work\":\"$W\""
hook 1 --stage prestart && grep -q "the overlay's upperdir .* is not $T/c/upper2" $T/err
ok $? hook_aborts_on_another_upperdir
state created "$ANN,\"dev.ovlvol.volatile\":\"false\""
hook 1 --stage prestart && grep -q "the overlay is volatile, the annotations ask for not volatile" $T/err
ok $? hook_aborts_on_volatile_mismatch
mkdir -p $T/over
mount --bind $T/over $B/rootfs
state created "$ANN"
hook 1 --stage prestart && grep -q "is not an overlay mount point" $T/err
ok $? hook_aborts_when_something_is_mounted_over_the_overlay
umount $B/rootfs

# --- delete: the runtime, then the unmount --------------------------------
rt 0 --real $T/bin/fake --root /run/fake delete c1 && ! mounted $B/rootfs &&
	[ "$(tail -n 10 $T/bin/fake.argv | tr '\n' ' ')" = "--root /run/fake state c1 -- --root /run/fake delete c1 -- " ]
ok $? delete_runs_the_runtime_then_unmounts

rm -f $T/bin/fake.seen
rt 0 --real $T/bin/fake create --bundle $B c1 && grep -q "reused: $B/rootfs" $T/err &&
	[ "$(cat $T/bin/fake.seen)" = mounted-volatile ] &&
	[ "$(cat $B/rootfs/hello)" = written-between ]
ok $? second_create_reuses_the_upper_data_survives

state stopped "$ANN"
hook 0 && ! mounted $B/rootfs
ok $? hook_poststop_unmounts
hook 0 --stage poststop
ok $? hook_poststop_again_only_warns

# --- refused: never runs the runtime ---------------------------------------
mkdir $W/work/incompat/other
before=$(calls $T/bin/fake)
rm -f $T/log3
rt 3 --real $T/bin/fake --log $T/log3 --log-format json create --bundle $B c1 &&
	[ "$(calls $T/bin/fake)" = "$before" ] && ! mounted $B/rootfs &&
	grep -q '"msg":"not reusable: other-incompat"' $T/log3 &&
	grep -q 'was not mounted (exit 3)' $T/log3
ok $? refused_other_incompat_exit_3_runtime_not_run

# gVisor: a refusal removes no filestore either.
echo stale >$U/.gvisor.filestore.c0
rt 3 --real $T/bin/runsc create --bundle $B c1 && [ -f $U/.gvisor.filestore.c0 ] &&
	[ "$(calls $T/bin/runsc)" = 0 ]
ok $? refused_gvisor_keeps_filestores
rmdir $W/work/incompat/other

# --- gVisor filestores ---------------------------------------------------
mkdir -p $U/sub $U/.gvisor.filestore.dir
echo keep >$U/sub/.gvisor.filestore.c0
ln -s $T/outside/target $U/.gvisor.filestore.link
echo stale2 >$U/.gvisor.filestore.other-sandbox
rt 0 --real $T/bin/runsc --root /run/runsc create --bundle $B c1 &&
	grep -q "warning: gVisor overlay2=root:self (runsc's default)" $T/err &&
	grep -q "removed the stale gVisor filestore $U/.gvisor.filestore.c0" $T/err &&
	grep -q "removed the stale gVisor filestore $U/.gvisor.filestore.other-sandbox" $T/err &&
	mounted $B/rootfs
ok $? gvisor_create_warns_and_removes_stale_filestores
[ ! -e $U/.gvisor.filestore.c0 ] && [ ! -e $U/.gvisor.filestore.other-sandbox ] &&
	[ ! -e $B/rootfs/.gvisor.filestore.c0 ]
ok $? gvisor_top_level_regular_filestores_gone
[ "$(cat $U/sub/.gvisor.filestore.c0)" = keep ] && [ -L $U/.gvisor.filestore.link ] &&
	[ "$(cat $T/outside/target)" = secret ] && [ -d $U/.gvisor.filestore.dir ] &&
	grep -q "$U/.gvisor.filestore.link: not a regular file of this filesystem" $T/err
ok $? gvisor_subdir_symlink_and_dir_left_alone
[ "$(cat $B/rootfs/hello)" = written-between ]
ok $? gvisor_remount_reused_the_upper

rt 0 --real $T/bin/runsc --root /run/runsc delete c1 && ! mounted $B/rootfs
ok $? gvisor_delete_unmounts
echo live >$U/.gvisor.filestore.c9
rt 0 --real $T/bin/runsc --overlay2=none create --bundle $B c1 &&
	! grep -q "gVisor overlay2" $T/err && [ -f $U/.gvisor.filestore.c9 ]
ok $? gvisor_overlay2_none_no_warning_no_cleanup
rt 0 --real $T/bin/runsc delete c1 && ! mounted $B/rootfs
ok $? gvisor_none_delete_unmounts

# --- a real OCI runtime -----------------------------------------------------
crun=$(command -v crun)
if [ -z "$crun" ]; then
	skip crun_baseline "crun is not in the initramfs (Debian package crun on the host)"
	skip crun_run_through_ovlctl "crun is not in the initramfs"
else
	# One rootfs image: busybox, linked as sh.
	I=$T/img
	mkdir -p $I/bin $I/proc $I/dev $I/tmp
	cp /bin/busybox $I/bin/busybox
	ln -s busybox $I/bin/sh
	ln -s busybox $I/bin/cat
	crun_config() { # DIR ANNOTATIONS ROOT
		cat >"$1/config.json" <<-EOF
			{"ociVersion":"1.0.2",
			 "process":{"terminal":false,"user":{"uid":0,"gid":0},"cwd":"/",
			  "args":["/bin/sh","-c","echo from-crun >/crun-wrote; cat /from-lower"],
			  "env":["PATH=/bin"]},
			 "root":{"path":"$3"},
			 "hostname":"c",
			 "mounts":[{"destination":"/proc","type":"proc","source":"proc"}],
			 "linux":{"namespaces":[{"type":"pid"},{"type":"mount"},{"type":"ipc"},{"type":"uts"}]},
			 "annotations":{$2}}
		EOF
	}
	# crun wants a cgroup2 hierarchy on /sys/fs/cgroup even when told
	# --cgroup-manager=disabled; the guest mounts none.
	cg=
	if ! mounted /sys/fs/cgroup && mount -t cgroup2 cgroup2 /sys/fs/cgroup; then
		cg=1
	fi
	# Baseline: crun alone, on a plain copy of the image.
	cb=$T/crun-plain
	mkdir -p $cb
	cp -a $I $cb/rootfs
	echo lower-data >$cb/rootfs/from-lower
	crun_config $cb '"org.example":"x"' rootfs
	(cd $cb && "$crun" --root $T/crun-state --cgroup-manager=disabled run --no-pivot plain) \
		>$T/out 2>$T/err
	if [ $? != 0 ] || [ "$(cat $T/out)" != lower-data ]; then
		reason=$(head -n 3 $T/err | tr '\n' ' ')
		skip crun_baseline "crun cannot run a container in this guest: ${reason:-no output}"
		skip crun_run_through_ovlctl "crun cannot run a container in this guest"
	else
		ok 0 crun_baseline
		mkdir -p $T/c/lower2 && cp -a $I/. $T/c/lower2/
		echo lower-data >$T/c/lower2/from-lower
		mkdir -p $T/c/u3 $T/c/w3 $T/crun-b/rootfs
		crun_config $T/crun-b "\"dev.ovlvol.upper\":\"$T/c/u3\",\"dev.ovlvol.work\":\"$T/c/w3\",\"dev.ovlvol.lower\":\"$T/c/lower2\"" rootfs
		(cd $T/crun-b && "$ovlctl" runtime --real "$crun" --root $T/crun-state \
			--cgroup-manager=disabled run --no-pivot c-ovl) >$T/out 2>$T/err
		rc=$?
		[ $rc = 0 ] && [ "$(cat $T/out)" = lower-data ] &&
			[ "$(cat $T/c/u3/crun-wrote)" = from-crun ] && mounted $T/crun-b/rootfs &&
			grep -q "mounted fresh: $T/crun-b/rootfs" $T/err
		ok $? crun_run_through_ovlctl
		"$ovlctl" umount $T/crun-b/rootfs >/dev/null 2>&1
	fi
	[ -n "$cg" ] && umount /sys/fs/cgroup
fi

# Clean up: nothing of ours stays mounted.
for m in $B/rootfs $T/b2/rootfs $T/crun-b/rootfs; do
	mounted $m && umount $m
done
umount $T
[ -n "$loaded" ] && rmmod ovlvol 2>/dev/null
[ $n = $PLAN ] || { echo "# ran $n tests, planned $PLAN"; failed=$((failed + 1)); }
[ $failed = 0 ]
