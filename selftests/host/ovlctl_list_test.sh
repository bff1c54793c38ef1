#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ovlctl list against fixture mountinfo files, in the way util-linux tests
# findmnt: a fake /proc (OVLCTL_PROC_ROOT, see ovlctl-fixtures/fakeproc.sh)
# with two mount namespaces, two processes sharing a view, a chrooted
# process, one that exited, and overlay options holding paths with spaces,
# commas, colons, '=' and backslashes in both the 6.1 and the 6.12 (lowerdir+,
# fsync=volatile) spelling. Output is compared with golden files. Runs an
# ASan/UBSan build. Prints TAP.
set -u

. "$(dirname "$0")/lib.sh"
ovlctl_san
. "$here/ovlctl-fixtures/fakeproc.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0

# t NAME WANT_RC CHECK -- ARGS...: run ovlctl on the fake /proc, then CHECK
# (a shell snippet over $tmp/out and $tmp/err).
t() {
	local name=$1 want=$2 check=$3 rc
	shift 4
	n=$((n + 1))
	OVLCTL_PROC_ROOT=$tmp/proc "$ovlctl" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc = "$want" ] && (eval "$check"); then
		echo "ok $n $name"
	else
		echo "not ok $n $name"
		echo "# exit $rc (want $want); stdout/stderr:"
		sed 's/^/#  /' "$tmp/out" "$tmp/err"
		failed=$((failed + 1))
	fi
}
golden() { diff -u "$fixtures/$1" "$tmp/out" | sed 's/^/# /' >&2; cmp -s "$fixtures/$1" "$tmp/out"; }
quiet() { ! [ -s "$tmp/err" ]; }

fake_standard "$tmp"
mkdir -p "$tmp/free/upper" "$tmp/free/work"

echo "TAP version 13"
echo "1..15"
t json_default_columns 0 'golden list-default.json && quiet' -- -J list
t json_all_columns 0 'golden list-all.json && quiet' -- \
	-J list -o target,source,upper,work,lower,volatile,state,mntid,mntns,pid
t raw_noheadings 0 'golden list-raw.txt && quiet' -- list -o TARGET,UPPER -n -r
t table 0 'golden list-table.txt && quiet' -- list
t one_entry_per_mount_across_views 0 '[ $(grep -c "^/new " $tmp/out) = 1 ]' -- list
t state_column 0 'golden list-state.txt && quiet' -- list -o TARGET,STATE
# A checkpoint the scan can read on /new's workdir (rootA/work2): a torn
# one reads as such; the volatile mount without one is a refused restart.
setx "$tmp/rootA/work2" trusted.overlay.volatile torn
t state_bad_checkpoint 0 'grep -q "^/new  *bad-checkpoint$" $tmp/out && grep -q "^/merged/sp ace  *no-checkpoint$" $tmp/out' -- \
	list -o TARGET,STATE
t unknown_column 2 'grep -q "unknown column: FROB" $tmp/err' -- list -o TARGET,FROB
t unknown_column_json 2 'grep -q "\"error\"" $tmp/out' -- -J list -o FROB
t extra_argument 2 'grep -q "unexpected argument" $tmp/err' -- list foo
# The chrooted view cannot resolve mount 42's paths, the host view can: the
# mount is identified and a pair nobody uses is not in use.
t not_in_use_when_some_view_resolves 0 'quiet && [ -d $tmp/free/upper ]' -- \
	discard "$tmp/free/upper" "$tmp/free/work"
t in_use_from_fixture 5 'grep -q "mounted on /merged/sp ace" $tmp/err' -- \
	discard "$tmp/rootA/up per,comma" "$tmp/rootA/work=eq"

# ovlctl hands libmount only the lines that mount an overlay: a path, an
# option or a type that only looks like one is not one, a line libmount
# cannot parse is skipped, and the last line needs no newline
mkdir -p "$tmp/d"
fake_host_root "$tmp/d/root"
fake_pid "$tmp/d/proc" 100 4026531840 "$tmp/d/root" "$fixtures/mountinfo.decoys"
truncate -s -1 "$tmp/d/proc/100/mountinfo"
n=$((n + 1))
OVLCTL_PROC_ROOT=$tmp/d/proc "$ovlctl" list -n -r -o TARGET,MNTID >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc = 0 ] && [ "$(cat "$tmp/out")" = "$(printf '%s\n' '/merged\x20-\x20overlay\x20z 53' '/last 54')" ]; then
	echo "ok $n only_overlay_lines_parsed"
else
	echo "not ok $n only_overlay_lines_parsed"
	echo "# exit $rc; stdout/stderr:"
	sed 's/^/#  /' "$tmp/out" "$tmp/err"
	failed=$((failed + 1))
fi

# An allocation that fails while reading a mountinfo (a 2 MB line, with
# ASan's allocator returning NULL above 1 MB) is no end of file: ovlctl
# fails, or reports the view unreadable, and never lists it without its
# overlay
mkdir -p "$tmp/m/proc"
{
	printf '1 0 8:1 / / rw - ext4 /dev/sda1 rw,x='
	head -c 2000000 /dev/zero | tr '\0' a
	echo
	sed -n '/^53 /p' "$fixtures/mountinfo.decoys"
} >"$tmp/big"
fake_pid "$tmp/m/proc" 100 4026531840 "$tmp/d/root" "$tmp/big"
n=$((n + 1))
ASAN_OPTIONS=$ASAN_OPTIONS:allocator_may_return_null=1:max_allocation_size_mb=1 \
	OVLCTL_PROC_ROOT=$tmp/m/proc "$ovlctl" list -n -r -o TARGET >"$tmp/out" 2>"$tmp/err"
rc=$?
if { [ $rc = 1 ] && grep -q 'Cannot allocate memory' "$tmp/err"; } ||
	{ [ $rc = 0 ] && { grep -q 'overlay\\x20z' "$tmp/out" ||
		grep -q 'could not be looked into (e.g. pid 100' "$tmp/err"; }; }; then
	echo "ok $n allocation_failure_is_not_eof"
else
	echo "not ok $n allocation_failure_is_not_eof"
	echo "# exit $rc; stdout/stderr:"
	sed 's/^/#  /' "$tmp/out" "$tmp/err"
	failed=$((failed + 1))
fi

# A process we may not look into: listed as a warning, not an error.
n=$((n + 1))
fake_pid "$tmp/proc" 400 4026532777 "$tmp/rootB" "$fixtures/mountinfo.ctr"
chmod 0 "$tmp/proc/400"
chmod 0755 "$tmp"
run_as=
if [ "$(id -u)" != 0 ]; then
	run_as=env
elif setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
	run_as="setpriv --reuid=65534 --regid=65534 --clear-groups"
fi
if [ -n "$run_as" ]; then
	OVLCTL_PROC_ROOT=$tmp/proc $run_as "$ovlctl" list -n -o TARGET >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc = 0 ] && grep -q "could not be looked into (e.g. pid 400" "$tmp/err" &&
		[ "$(wc -l <"$tmp/out")" = 4 ]; then
		echo "ok $n warns_about_processes_it_cannot_see"
	else
		echo "not ok $n warns_about_processes_it_cannot_see"
		sed 's/^/#  /' "$tmp/out" "$tmp/err"
		failed=$((failed + 1))
	fi
else
	echo "ok $n warns_about_processes_it_cannot_see # SKIP root without setpriv"
fi
chmod 0700 "$tmp/proc/400" "$tmp"

[ $failed = 0 ]
