#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ovlctl runtime and ovlctl hook without a guest: the dev.ovlvol.* and
# dev.gvisor.* annotations (good, malformed, hostile), config.json and the
# container state on stdin (missing, malformed), the wrapper passing the
# argv unchanged to a fake real runtime (a script that records it), the
# gVisor overlay2 warning, and the hook saying nothing for containers that
# are not ovlctl's. Nothing is mounted here: every path that would mount
# is stopped earlier (a refused verdict, a bad annotation); the mounting
# paths run in the guest (selftests/vm/ovlctl_oci_guest.sh). /proc is faked
# with OVLCTL_PROC_ROOT, as in the other host tests. ASan/UBSan build.
# Prints TAP.
set -u

. "$(dirname "$0")/lib.sh"
ovlctl_san
scratch
run_stdin=$tmp/in
: >"$tmp/in"

# The fake real runtime: records its argv (one per line) in $fake.argv,
# answers `state` with the bundle in $FAKE_BUNDLE, exits $FAKE_RC.
mkfake() {
	mkdir -p "$(dirname "$1")"
	cat >"$1" <<-'EOF'
		#!/bin/sh
		printf '%s\n' "$@" >>"$0.argv"
		echo -- >>"$0.argv"
		for a; do
			[ "$a" = state ] || continue
			# FAKE_STATE_PAD: that many bytes more, in an annotation
			pad=$(head -c "${FAKE_STATE_PAD:-0}" /dev/zero | tr '\0' x)
			printf '{"ociVersion":"1.0.2","id":"x","status":"stopped","bundle":"%s","annotations":{"pad":"%s"}}\n' "$FAKE_BUNDLE" "$pad"
		done
		exit "${FAKE_RC:-0}"
	EOF
	chmod +x "$1"
}
fake=$tmp/bin/fake-runtime
runsc=$tmp/bin/runsc
crun=$tmp/bin/crun
runc=$tmp/bin/runc
mkfake "$fake"
mkfake "$runsc"
mkfake "$crun"
mkfake "$runc"
# got FAKE ARGS...: the fake's recorded argv, one call, is exactly ARGS
got() {
	local f=$1.argv
	shift
	{ printf '%s\n' "$@"; echo --; } | cmp -s - "$f"
}
ran() { [ -s "$1.argv" ]; }
reset() { rm -f "$fake.argv" "$runsc.argv" "$crun.argv" "$runc.argv"; }

# A bundle: rootfs, a pair and a lower beside it; $1 the annotations JSON.
b=$tmp/bundle
mkdir -p "$b/rootfs" "$tmp/c/upper" "$tmp/c/work" "$tmp/c/lower"
bundle() {
	printf '{"ociVersion":"1.0.2","root":{"path":"%s"},"annotations":%s}\n' \
		"${2:-rootfs}" "$1" >"$b/config.json"
}
ours='"dev.ovlvol.upper":"'$tmp/c/upper'","dev.ovlvol.work":"'$tmp/c/work'","dev.ovlvol.lower":"'$tmp/c/lower'"'
mounted() { grep -qF " $b/rootfs " /proc/self/mountinfo; }
# Annotations may place layers beneath $tmp/c only (ovlctl_confine_test.sh
# tests the confinement itself).
printf '[annotations]\nroots = %s\n' "$tmp/c" >"$tmp/ovlctl.conf"
export OVLCTL_CONFIG=$tmp/ovlctl.conf

echo "TAP version 13"
echo "1..80"

# --- pass-through -------------------------------------------------------
reset
run 0 runtime --real "$fake" --root /run/x --log "$tmp/l" state c1 &&
	got "$fake" --root /run/x --log "$tmp/l" state c1
ok $? runtime_passes_state_through_unchanged

reset
run 0 runtime --real="$fake" -- kill --all c1 'SIG TERM' '' &&
	got "$fake" kill --all c1 'SIG TERM' ''
ok $? runtime_passes_kill_with_odd_args_unchanged

reset
FAKE_RC=7 run 7 runtime --real "$fake" start c1 && got "$fake" start c1
ok $? runtime_passes_the_exit_status

reset
bundle '{"org.example.x":"1","dev.gvisor.spec.mount.a.b.c":"bad"}'
run 0 runtime --real "$fake" --root /r create --bundle "$b" --pid-file /p c1 &&
	got "$fake" --root /r create --bundle "$b" --pid-file /p c1 && ! mounted
ok $? runtime_create_without_our_annotations_untouched

reset
printf '{"ociVersion":"1.0.2","root":{"path":"rootfs"}}\n' >"$b/config.json"
(cd "$b" && FAKE_RC=0 OVLCTL_PROC_ROOT=$proc "$ovlctl" runtime --real "$fake" run c2 \
	>"$tmp/out" 2>"$tmp/err") && got "$fake" run c2
ok $? runtime_run_default_bundle_cwd_no_annotations

reset
run 0 runtime --real "$fake" && got "$fake"
ok $? runtime_no_subcommand_passes_through

# --- usage ----------------------------------------------------------------
reset
run 2 runtime create c1 && grep -q -- "--real <runtime> must come first" "$tmp/err" &&
	! ran "$fake"
ok $? runtime_without_real_is_usage_error

run 1 runtime --real "$tmp/bin/nonexistent" create c1 &&
	grep -q "real runtime .*nonexistent" "$tmp/err"
ok $? runtime_real_missing_is_error

run 0 runtime --help && grep -q -- "--real" "$tmp/out"
ok $? runtime_help

# --- annotations: every malformed one exits 2, runs nothing, mounts nothing
# bad_ann NAME ANNOTATIONS GREP: create must exit 2 saying GREP
bad_ann() {
	reset
	bundle "$2"
	run 2 runtime --real "$fake" create -b "$b" c1 && grep -qF -- "$3" "$tmp/err" &&
		! ran "$fake" && ! mounted
	ok $? "annotation_$1"
}
w='"dev.ovlvol.work":"'$tmp/c/work'"'
bad_ann unknown_key "{$w,\"dev.ovlvol.uper\":\"/x\"}" "unknown annotation dev.ovlvol.uper"
bad_ann empty_value '{"dev.ovlvol.work":""}' "dev.ovlvol.work=\"\": empty value"
bad_ann relative_path '{"dev.ovlvol.work":"c/work"}' "not an absolute path"
bad_ann comma_in_path "{$w,\"dev.ovlvol.upper\":\"/a,lowerdir=/etc\"}" "cannot be passed to overlayfs safely"
bad_ann newline_in_path "{$w,\"dev.ovlvol.lower\":\"/a\\n/b\"}" "cannot be passed to overlayfs safely"
bad_ann quote_in_path "{$w,\"dev.ovlvol.upper\":\"/a\\\"b\"}" "cannot be passed to overlayfs safely"
bad_ann empty_lower_element "{$w,\"dev.ovlvol.lower\":\"/a::/b\"}" "empty value"
bad_ann lower_gap "{$w,\"dev.ovlvol.lower.1\":\"/a\"}" "dev.ovlvol.lower.0 is missing"
bad_ann lower_both_forms "{$w,\"dev.ovlvol.lower\":\"/a\",\"dev.ovlvol.lower.0\":\"/b\"}" "exclude each other"
bad_ann lower_bad_index "{$w,\"dev.ovlvol.lower.01\":\"/a\"}" "index of lower.N"
bad_ann work_required '{"dev.ovlvol.upper":"/u"}' "dev.ovlvol.work is required"
bad_ann on_invalid_value "{$w,\"dev.ovlvol.on-invalid\":\"maybe\"}" "refuse or discard expected"
bad_ann bool_value "{$w,\"dev.ovlvol.volatile\":\"yes\"}" "true or false expected"
bad_ann not_a_string '{"dev.ovlvol.work":5}' "annotation dev.ovlvol.work: a string expected"
bad_ann gvisor_mount_key "{$w,\"dev.gvisor.spec.mount.a.b.c\":\"x\"}" "malformed gVisor mount annotation"
bad_ann gvisor_mount_noname "{$w,\"dev.gvisor.spec.mount..type\":\"tmpfs\"}" "malformed gVisor mount annotation"
bad_ann gvisor_mount_type "{$w,\"dev.gvisor.spec.mount.v.type\":\"nfs\"}" "gVisor accepts tmpfs or bind"
bad_ann gvisor_mount_share "{$w,\"dev.gvisor.spec.mount.v.share\":\"all\"}" "container, pod or shared"
bad_ann gvisor_rootfs_field "{$w,\"dev.gvisor.spec.rootfs.colour\":\"x\"}" "unknown gVisor rootfs annotation"
bad_ann gvisor_rootfs_source "{$w,\"dev.gvisor.spec.rootfs.source\":\"/img\",\"dev.gvisor.spec.rootfs.type\":\"erofs\"}" "not be the container's root"
bad_ann gvisor_overlay2_value "{$w,\"dev.gvisor.flag.overlay2\":\"root:disk\"}" "runsc wants none or"

reset
bundle "{$w}"
run 2 runtime --real "$fake" --overlay2=sometimes create -b "$b" c1 &&
	grep -q "runsc --overlay2=sometimes" "$tmp/err" && ! ran "$fake"
ok $? runtime_bad_overlay2_flag_is_usage_error

# --- config.json and root.path ------------------------------------------
# bad_cfg NAME WANT GREP: create on the current $b must exit WANT saying GREP
bad_cfg() {
	reset
	run "$2" runtime --real "$fake" create --bundle "$b" c1 && grep -qF -- "$3" "$tmp/err" &&
		! ran "$fake" && ! mounted
	ok $? "config_$1"
}
rm -f "$b/config.json"
bad_cfg missing 1 "$b/config.json: No such file"
# Malformed: ours only if a key of ours can be in it (else the runtime decides)
printf '{"root": {"path": "rootfs"}, "annotations": {"dev.ovlvol.work": "/w",' >"$b/config.json"
bad_cfg truncated_json 1 "$b/config.json: unexpected end of input"
printf '{"root": {"path": "rootfs"}, "annotations": {"dev.ovlvol.work": "/w"}} {"x": 1}' >"$b/config.json"
bad_cfg trailing_data 1 "$b/config.json: unexpected character"
reset
printf '{"root": {"path": "rootfs"}} {"x": 1}' >"$b/config.json"
run 0 runtime --real "$fake" create --bundle "$b" c1 && got "$fake" create --bundle "$b" c1
ok $? config_malformed_not_ours_passes_through
printf '[1, 2]' >"$b/config.json"
bad_cfg not_an_object 1 "a JSON object expected"
printf '{"root":{"path":"rootfs"},"annotations":["dev.ovlvol.work"]}' >"$b/config.json"
bad_cfg annotations_not_an_object 1 "annotations: a JSON object expected, not array"
printf '{"annotations":{%s}}' "$w" >"$b/config.json"
bad_cfg no_root_path 1 "no root.path string"
bundle "{$ours}" missing-rootfs
bad_cfg relative_root_path 1 "root.path $b/missing-rootfs: No such file"
bundle "{$ours}" /nonexistent/rootfs
bad_cfg absolute_root_path 1 "root.path /nonexistent/rootfs: No such file"

# --- refusals, logs, and gVisor's overlay2 ---------------------------------
# A stock marker with no checkpoint: refused (no authority on the host: 6;
# with one, no-checkpoint: 3). Nothing runs, nothing is mounted.
mkdir -p "$tmp/c/work/work/incompat/volatile"
refused() {
	local rc
	reset
	OVLCTL_PROC_ROOT=$proc "$ovlctl" runtime "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	{ [ $rc = 6 ] || [ $rc = 3 ]; } && ! ran "$fake" && ! ran "$runsc" && ! mounted &&
		[ ! -s "$tmp/out" ]
}
bundle "{$ours}"
rm -f "$tmp/log"
refused --real "$fake" --log "$tmp/log" --log-format json create --bundle "$b" c1 &&
	python3 -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert all(set(l) == {"level", "msg", "time"} for l in lines), lines
assert lines[-1]["level"] == "error" and "was not mounted" in lines[-1]["msg"], lines
assert any(l["level"] == "error" and "not reusable:" in l["msg"] for l in lines), lines
' "$tmp/log" && ! grep -q "gVisor" "$tmp/err"
ok $? runtime_refusal_does_not_exec_and_logs_json_lines

refused --real "$runsc" --root /r create --bundle "$b" c1 &&
	grep -q "warning: gVisor overlay2=root:self (runsc's default)" "$tmp/err" &&
	grep -q "not in the host upper $tmp/c/upper" "$tmp/err" &&
	grep -q "a host-side reuse keeps only that filestore" "$tmp/err"
ok $? gvisor_default_root_self_warns

refused --real "$runsc" --overlay2 all:memory create --bundle "$b" c1 &&
	grep -q "gVisor overlay2=all:memory (runsc flag --overlay2)" "$tmp/err"
ok $? gvisor_flag_separate_value_warns

refused --real "$runsc" --overlay2=none create --bundle "$b" c1 && ! grep -q "gVisor" "$tmp/err"
ok $? gvisor_overlay2_none_no_warning

bundle "{$ours,\"dev.gvisor.flag.overlay2\":\"root:self\"}"
refused --real "$fake" create --bundle "$b" c1 &&
	grep -q "gVisor overlay2=root:self (annotation dev.gvisor.flag.overlay2)" "$tmp/err"
ok $? gvisor_annotation_warns_for_any_runtime

bundle "{$ours,\"dev.gvisor.flag.overlay2\":\"none\"}"
refused --real "$runsc" create --bundle "$b" c1 && ! grep -q "gVisor overlay2" "$tmp/err"
ok $? gvisor_annotation_none_no_warning

bundle "{$ours,\"dev.gvisor.spec.mount.vol.type\":\"tmpfs\",\"dev.gvisor.spec.mount.vol.share\":\"pod\"}"
# The hints are reported at info level: ovlctl's own -v.
reset
OVLCTL_PROC_ROOT=$proc "$ovlctl" -v runtime --real "$runsc" --overlay2=none create --bundle "$b" c1 \
	>"$tmp/out" 2>"$tmp/err"
rc=$?
{ [ $rc = 6 ] || [ $rc = 3 ]; } && ! ran "$runsc" &&
	grep -q "gVisor mount hint vol: type=tmpfs" "$tmp/err" &&
	grep -q "gVisor mount hint vol: share=pod" "$tmp/err"
ok $? gvisor_mount_hints_reported

# --- each runtime's own command line -----------------------------------------
# tried ARGS...: the wrapper read ARGS as a create/run/restore of $b: it went
# for the overlay at $b/rootfs (refused here: the stock marker) and ran
# nothing. Reading the argv wrong runs the real runtime, or loads another
# bundle (the current directory's).
tried() {
	local rc
	reset
	OVLCTL_PROC_ROOT=$proc "$ovlctl" runtime "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ $rc != 0 ] || echo "exit 0" >>"$tmp/err"
	[ $rc != 0 ] && ! ran "$fake" && ! ran "$runsc" && ! ran "$crun" && ! ran "$runc" &&
		! mounted && grep -qF "the rootfs overlay on $b/rootfs was not mounted" "$tmp/err"
}
# overlay2=none: no filestore cleanup before the mount's refusal.
bundle "{$ours,\"dev.gvisor.flag.overlay2\":\"none\"}"
# runsc's --rootless is a boolean (Go flag): create is the command.
tried --real "$runsc" --rootless create --bundle "$b" c1
ok $? runtime_runsc_rootless_is_boolean
tried --real "$runsc" --root /x --debug create --bundle "$b" c1
ok $? runtime_runsc_root_debug_create
tried --real "$runsc" -rootless=true -root=/x --debug -TESTONLY-unsafe-nonroot create -bundle="$b" c1
ok $? runtime_runsc_go_flag_forms
bundle "{$ours}"
# crun (argp): a short option's value glued on, clusters, abbreviations.
tried --real "$crun" create -b"$b" c1
ok $? runtime_crun_glued_short_value
tried --real "$crun" --root=/r --rootless true run -db "$b" --no-piv c1
ok $? runtime_crun_cluster_and_long_options
tried --real "$crun" --systemd-cgroup create --bund "$b" c1
ok $? runtime_crun_abbreviated_long_option
# restore is a create too.
tried --real "$runc" restore --bundle "$b" c1
ok $? runtime_runc_restore
tried --real "$crun" restore --image-path /img -b "$b" c1
ok $? runtime_crun_restore
bundle "{$ours,\"dev.gvisor.flag.overlay2\":\"none\"}"
tried --real "$runsc" --rootless restore --image-path /img --bundle "$b" c1
ok $? runtime_runsc_restore
bundle "{$ours}"
# Our bundle, a create in argv, but not where this runtime's table (an
# unknown runtime: runc's, where --rootless takes a value) has its command:
# refused, nothing run.
reset
run 2 runtime --real "$fake" --rootless create --bundle "$b" c1 &&
	grep -q "no create, run or restore command found" "$tmp/err" && ! ran "$fake" && ! mounted
ok $? runtime_refuses_when_the_command_is_not_found
reset
bundle '{"org.example":"x"}'
run 0 runtime --real "$fake" --rootless create --bundle "$b" c1 &&
	got "$fake" --rootless create --bundle "$b" c1
ok $? runtime_command_not_found_not_ours_passes_through
rmdir "$tmp/c/work/work/incompat/volatile"

# --- delete ------------------------------------------------------------------
bundle "{$ours}"
reset
FAKE_BUNDLE=$b run 0 runtime --real "$fake" --root /r delete --force c1 &&
	python3 -c '
import sys
calls = open(sys.argv[1]).read().split("--\n")
assert calls[0].split() == ["--root", "/r", "state", "c1"], calls
assert calls[1].split() == ["--root", "/r", "delete", "--force", "c1"], calls
' "$fake.argv"
ok $? runtime_delete_asks_state_then_deletes

reset
FAKE_BUNDLE=$b FAKE_RC=1 run 1 runtime --real "$fake" delete c1 && ran "$fake"
ok $? runtime_delete_failure_propagates

# crun's delete -f is --force, no value: the id is still found.
reset
FAKE_BUNDLE=$b run 0 runtime --real "$crun" delete -f c1 && got "$crun" state c1 -- delete -f c1
ok $? runtime_crun_delete_force_finds_the_id

# A state over a pipe's capacity (64 KiB) must not deadlock the wrapper.
bundle "{$ours}"
reset
FAKE_BUNDLE=$b FAKE_STATE_PAD=70000 OVLCTL_PROC_ROOT=$proc timeout 20 \
	"$ovlctl" runtime --real "$fake" delete c1 >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc = 124 ] && echo "timed out" >>"$tmp/err"
[ $rc = 0 ] && python3 -c '
import sys
calls = open(sys.argv[1]).read().split("--\n")
assert calls[0].split() == ["state", "c1"], calls
assert calls[1].split() == ["delete", "c1"], calls
' "$fake.argv"
ok $? runtime_delete_reads_a_big_state

# The real delete succeeded but the unmount failed: the container is gone,
# so exit 0 (an engine would retry a failed delete), with a warning. The
# fake /proc shows an overlay at root.path that is not really there.
dproc=$tmp/proc-delete
. "$here/ovlctl-fixtures/fakeproc.sh"
printf '50 1 0:50 / %s rw,relatime - overlay overlay rw,lowerdir=%s,upperdir=%s,workdir=%s\n' \
	"$b/rootfs" "$tmp/c/lower" "$tmp/c/upper" "$tmp/c/work" >"$tmp/mountinfo.delete"
fake_pid "$dproc" 100 "$(stat -L -c %i /proc/self/ns/mnt)" / "$tmp/mountinfo.delete"
reset
FAKE_BUNDLE=$b OVLCTL_PROC_ROOT=$dproc "$ovlctl" runtime --real "$fake" delete c1 \
	>"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc = 0 ] || echo "exit $rc, want 0" >>"$tmp/err"
[ $rc = 0 ] && got "$fake" state c1 -- delete c1 &&
	grep -q "warning: container c1 was deleted, but its rootfs overlay .* is still mounted" "$tmp/err"
ok $? runtime_delete_done_unmount_failed_exits_0_and_warns

# --- gVisor filestores ------------------------------------------------------------
# A fresh pair, so the verdict lets the mount go ahead and the stale
# .gvisor.filestore.* files go first. Only a regular file goes; a FIFO must
# not even be opened (a writer blocked on it would get through), nor a
# device; a symlink and a dir stay. The mount afterwards is not the point:
# as root it runs in a mount namespace of its own.
fs=$tmp/fs
mkdir -p "$fs/upper/.gvisor.filestore.dir" "$fs/work" "$fs/lower" "$fs/outside"
echo stale >"$fs/upper/.gvisor.filestore.c0"
echo secret >"$fs/outside/target"
ln -s "$fs/outside/target" "$fs/upper/.gvisor.filestore.link"
mkfifo "$fs/upper/.gvisor.filestore.fifo"
chr=
mknod "$fs/upper/.gvisor.filestore.chr" c 1 3 2>/dev/null && chr=1
printf '[annotations]\nroots = %s\n' "$fs" >"$tmp/ovlctl-fs.conf"
bundle '{"dev.ovlvol.upper":"'$fs/upper'","dev.ovlvol.work":"'$fs/work'","dev.ovlvol.lower":"'$fs/lower'"}'
(exec 3>"$fs/upper/.gvisor.filestore.fifo" && echo opened >"$fs/fifo-opened") &
writer=$!
sleep 0.3 # the writer is in open(), waiting for a reader
ns=
[ "$(id -u)" = 0 ] && ns="unshare -m --propagation private"
reset
OVLCTL_CONFIG=$tmp/ovlctl-fs.conf OVLCTL_PROC_ROOT=$proc timeout 20 $ns \
	"$ovlctl" runtime --real "$runsc" create --bundle "$b" c1 >"$tmp/out" 2>"$tmp/err"
rc=$?
sleep 0.3
kill "$writer" 2>/dev/null
wait "$writer" 2>/dev/null
[ $rc != 124 ] || echo "timed out" >>"$tmp/err"
[ $rc != 124 ]
ok $? gvisor_filestore_cleanup_finishes
[ ! -e "$fs/fifo-opened" ] && [ -p "$fs/upper/.gvisor.filestore.fifo" ] &&
	grep -qF "$fs/upper/.gvisor.filestore.fifo: not a regular file" "$tmp/err"
ok $? gvisor_filestore_fifo_not_opened_left_alone
[ ! -e "$fs/upper/.gvisor.filestore.c0" ] &&
	grep -qF "removed the stale gVisor filestore $fs/upper/.gvisor.filestore.c0" "$tmp/err"
ok $? gvisor_filestore_regular_removed
[ -L "$fs/upper/.gvisor.filestore.link" ] && [ "$(cat "$fs/outside/target")" = secret ] &&
	[ -d "$fs/upper/.gvisor.filestore.dir" ] &&
	grep -qF "$fs/upper/.gvisor.filestore.link: not a regular file" "$tmp/err" &&
	grep -qF "$fs/upper/.gvisor.filestore.dir: not a regular file" "$tmp/err" &&
	{ [ -z "$chr" ] || { [ -c "$fs/upper/.gvisor.filestore.chr" ] &&
		grep -qF "$fs/upper/.gvisor.filestore.chr: not a regular file" "$tmp/err"; }; }
ok $? gvisor_filestore_symlink_dir_device_left_alone
! mounted
ok $? gvisor_filestore_test_left_nothing_mounted

# --- hook ----------------------------------------------------------------------
state() { printf '{"ociVersion":"1.0.2","id":"c1","status":"%s","bundle":"%s"%s}' "$1" "$2" "${3:+,\"annotations\":$3}" >"$tmp/in"; }
state created /nonexistent
run 0 hook && [ ! -s "$tmp/out" ] && [ ! -s "$tmp/err" ]
ok $? hook_no_annotations_exit_0_silent
state created /nonexistent '{"org.example":"x","dev.gvisor.spec.mount.a.b.c":"x"}'
run 0 hook --stage prestart && [ ! -s "$tmp/out" ]
ok $? hook_others_annotations_exit_0_silent

printf '{"id": "c1", "bundle": ' >"$tmp/in"
run 1 hook && grep -q "not a JSON object: unexpected end of input" "$tmp/err" && [ ! -s "$tmp/out" ]
ok $? hook_state_truncated
printf '"just a string"' >"$tmp/in"
run 1 hook && grep -q "not a JSON object" "$tmp/err"
ok $? hook_state_not_an_object
: >"$tmp/in"
run 1 hook && grep -q "not a JSON object" "$tmp/err"
ok $? hook_state_empty

state created "$b" '{"dev.ovlvol.work":"relative"}'
run 2 hook && grep -q "not an absolute path" "$tmp/err"
ok $? hook_malformed_annotation
state created "rel/bundle" "{$ours}"
run 1 hook && grep -q "no absolute bundle path" "$tmp/err"
ok $? hook_relative_bundle
state running "$b" "{$ours}"
run 2 hook && grep -q "cannot tell the stage from status 'running'" "$tmp/err"
ok $? hook_stage_unknown_status
run 2 hook --stage poststart && grep -q -- "--stage: createRuntime, prestart or poststop" "$tmp/err"
ok $? hook_bad_stage

state created "$b" "{$ours}"
run 1 hook && grep -q "root.path $b/rootfs is not an overlay mount point" "$tmp/err" &&
	[ ! -s "$tmp/out" ]
ok $? hook_prestart_aborts_when_not_mounted
state stopped "$b" "{$ours}"
run 0 hook && [ ! -s "$tmp/out" ]
ok $? hook_poststop_not_mounted_is_fine

# The hooks.d file: containers-common's 1.0.0 schema, matching our key.
python3 -c '
import json, re, sys
h = json.load(open(sys.argv[1]))
assert h["version"] == "1.0.0", h
assert h["hook"]["path"].endswith("/ovlctl") and h["hook"]["args"][1:] == ["hook"], h
assert set(h["stages"]) <= {"prestart", "createRuntime", "poststop"}, h
ann = h["when"]["annotations"]
assert any(re.search(k, "dev.ovlvol.work") and re.search(v, "/c/work") for k, v in ann.items()), ann
assert not any(re.search(k, "org.example.work") for k in ann), ann
' "$top/tools/ovlctl/ovlctl-hook.json" >"$tmp/out" 2>"$tmp/err"
ok $? hooks_d_json_matches_our_annotation

[ $failed = 0 ]
