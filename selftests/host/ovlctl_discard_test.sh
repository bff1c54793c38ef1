#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ovlctl discard and gc, and the in-use check behind them, without a guest:
# a real tree on the host's filesystem (symlinks out of it, a hard link, a
# FIFO, nested dirs, xattrs on the two top dirs) and a fake /proc
# (OVLCTL_PROC_ROOT) whose mountinfo says which overlays are mounted. The
# pair must be emptied, the top dirs kept with owner, mode and xattrs, and
# nothing outside touched; a pair in use, or one ovlctl cannot vouch for,
# must be left alone. Runs an ASan/UBSan build. Prints TAP.
set -u

. "$(dirname "$0")/lib.sh"
ovlctl_san
. "$here/ovlctl-fixtures/fakeproc.sh"
tmp=$(mktemp -d)
holder=
trap '[ -n "$holder" ] && kill "$holder" 2>/dev/null; rm -rf "$tmp"' EXIT
tap_show="$tmp/out $tmp/err"
empty() { [ -d "$1" ] && [ -z "$(ls -A "$1")" ]; }

# mk_pair DIR: DIR/upper and DIR/work with contents, DIR/outside beside them
mk_pair() {
	local d=$1
	mkdir -p "$d/upper" "$d/work" "$d/outside/sub"
	echo keep >"$d/outside/keep"
	echo hard >"$d/outside/hardtarget"
	echo deep >"$d/outside/sub/file"
	chmod 0751 "$d/upper"
	chmod 0710 "$d/work"
	mkdir -p "$d/upper/dir/nested/deep" "$d/upper/a b,c:d\\e"
	echo data >"$d/upper/f"
	echo x >"$d/upper/dir/nested/deep/file"
	echo y >"$d/upper/a b,c:d\\e/g"
	ln -s "$d/outside" "$d/upper/sym-out"
	ln -s ../outside/keep "$d/upper/sym-file"
	ln -s /proc/self/root "$d/upper/dir/magic"
	ln "$d/outside/hardtarget" "$d/upper/hard"
	mkfifo "$d/upper/fifo"
	mkdir -p "$d/work/work/incompat/volatile" "$d/work/index"
	touch "$d/work/work/incompat/volatile/dirty"
	# overlayfs makes work/work mode 0; only root gets past that
	[ "$(id -u)" = 0 ] && chmod 0 "$d/work/work"
	return 0
}
# what stat says about a top dir: inode, mode, owner
topstat() { stat -c '%i %a %u:%g' "$1"; }
outside_intact() {
	local d=$1
	[ "$(cat "$d/outside/keep")" = keep ] &&
		[ "$(cat "$d/outside/hardtarget")" = hard ] &&
		[ "$(cat "$d/outside/sub/file")" = deep ]
}

echo "TAP version 13"
echo "1..38"

# --- discard, nothing mounted -------------------------------------------
proc=$tmp/proc-empty
mkdir -p "$proc"
d=$tmp/p1
mk_pair "$d"
if [ "$(id -u)" = 0 ]; then
	chown 1234:2345 "$d/upper"
	chown 3456:4567 "$d/work"
fi
xattrs=yes
setx "$d/upper" user.ovlctl.test upper-label &&
	setx "$d/work" user.ovlctl.test work-label || xattrs=no
before_u=$(topstat "$d/upper")
before_w=$(topstat "$d/work")

run 0 discard "$d/upper" "$d/work"
ok $? discard_exit_0
# A tree deeper than the fds a walk may hold (a container can build one)
dd=$tmp/deep
mk_pair "$dd"
(cd "$dd/upper" && for i in $(seq 1 1500); do mkdir d && cd d || exit 1; done && echo bottom >f)
run 0 discard "$dd/upper" "$dd/work" && empty "$dd/upper" && empty "$dd/work" &&
	outside_intact "$dd"
ok $? discard_very_deep_tree
empty "$d/upper" && empty "$d/work"
ok $? discard_empties_both
[ "$(topstat "$d/upper")" = "$before_u" ] && [ "$(topstat "$d/work")" = "$before_w" ]
ok $? discard_keeps_top_dirs_inode_mode_owner
if [ $xattrs = yes ]; then
	[ "$(getx "$d/upper" user.ovlctl.test)" = upper-label ] &&
		[ "$(getx "$d/work" user.ovlctl.test)" = work-label ]
	ok $? discard_keeps_top_dir_xattrs
else
	skip discard_keeps_top_dir_xattrs "this filesystem refuses user.* xattrs"
fi
outside_intact "$d"
ok $? discard_never_follows_links_out

run 0 -J discard "$d/upper" "$d/work" &&
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["discarded"] is True' "$tmp/out"
ok $? discard_json_and_idempotent

# --- refusals that change nothing ---------------------------------------
d=$tmp/p2
mk_pair "$d"
ln -s "$d/upper" "$d/upper-link"
run 1 discard "$d/upper-link" "$d/work" && grep -q "is a symlink" "$tmp/err" &&
	[ -f "$d/upper/f" ]
ok $? discard_refuses_symlink_top_dir

mkdir -p "$d/upper/nestedwork"
run 1 discard "$d/upper" "$d/upper/nestedwork" && grep -q "nested" "$tmp/err" &&
	[ -f "$d/upper/f" ]
ok $? discard_refuses_nested_pair
rmdir "$d/upper/nestedwork"

run 1 discard "$d/upper" "$d/upper" && [ -f "$d/upper/f" ]
ok $? discard_refuses_same_dir

run 2 discard "$d/upper" && grep -q "Try 'ovlctl discard --help'" "$tmp/err"
ok $? discard_usage_error

# A mount point inside: refused before anything is removed.
if [ "$(id -u)" = 0 ] && unshare -m --propagation private true 2>/dev/null; then
	mkdir -p "$d/upper/mnt"
	unshare -m --propagation private sh -c '
		mount -t tmpfs none "$1/upper/mnt" && echo inner >"$1/upper/mnt/x" &&
		OVLCTL_PROC_ROOT=$2 "$3" discard "$1/upper" "$1/work"; rc=$?
		[ -f "$1/upper/mnt/x" ] && [ -f "$1/upper/f" ] &&
			[ -d "$1/work/work" ] && exit $rc; exit 99' sh \
		"$d" "$proc" "$ovlctl" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ $rc = 1 ] && grep -q "mount point" "$tmp/err"
	ok $? discard_refuses_mount_point_inside_and_removes_nothing
	rmdir "$d/upper/mnt"
else
	skip discard_refuses_mount_point_inside_and_removes_nothing "needs root and unshare -m"
fi

# --- the workdir lock ---------------------------------------------------
flock -F "$d/work" sleep 30 &
holder=$!
sleep 0.3
run 5 discard --no-wait "$d/upper" "$d/work" && grep -q "another ovlctl" "$tmp/err" &&
	[ -f "$d/upper/f" ]
ok $? discard_busy_when_workdir_locked
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
holder=

flock -F "$d/work" sleep 1 &
holder=$!
sleep 0.3
run 0 discard "$d/upper" "$d/work" && empty "$d/upper"
ok $? discard_waits_for_the_lock_by_default
wait "$holder" 2>/dev/null
holder=

# --- in use, found by identity in any namespace -------------------------
d=$tmp/p3
mk_pair "$d"
ln -s . "$d/alias"
proc=$tmp/proc-inuse
# A container namespace whose root is $d: its overlay names /alias/upper,
# a spelling that only meets ours through (dev, ino).
printf '%s\n' '1 0 8:1 / / rw - ext4 /dev/sda1 rw' \
	'70 1 0:70 / /merged rw - overlay overlay rw,lowerdir=/outside,upperdir=/alias/upper,workdir=/alias/work,volatile' \
	>"$tmp/mi.inuse"
fake_pid "$proc" 4242 4026532999 "$d" "$tmp/mi.inuse"
run 5 discard "$d/upper" "$d/work" && grep -q "in use by the overlay mounted on /merged" "$tmp/err" &&
	[ -f "$d/upper/f" ]
ok $? discard_in_use_other_namespace_by_identity
run 5 -J discard "$d/upper" "$d/work" &&
	python3 -c 'import json,sys; assert "in use" in json.load(open(sys.argv[1]))["error"]' "$tmp/out"
ok $? discard_in_use_json_error

# --- cannot tell: never "not in use" ------------------------------------
d=$tmp/p4
mk_pair "$d"
proc=$tmp/proc-amb
fake_host_root "$tmp/rootamb"
fake_pid "$proc" 10 4026531840 "$tmp/rootamb" "$fixtures/mountinfo.ambiguous"
run 1 discard "$d/upper" "$d/work" && grep -q "cannot tell" "$tmp/err" && grep -q "/amb" "$tmp/err" &&
	[ -f "$d/upper/f" ]
ok $? discard_cannot_tell_ambiguous_options

proc=$tmp/proc-rel
fake_pid "$proc" 10 4026531840 "$tmp/rootamb" "$fixtures/mountinfo.relative"
run 1 discard "$d/upper" "$d/work" && grep -q "cannot tell" "$tmp/err" && grep -q "/rel" "$tmp/err" &&
	[ -f "$d/upper/f" ]
ok $? discard_cannot_tell_relative_paths

# A process we may not look into: EACCES, reported as needing root.
proc=$tmp/proc-denied
fake_pid "$proc" 10 4026531840 "$tmp/rootamb" "$fixtures/mountinfo.host"
fake_pid "$proc" 20 4026532555 "$tmp/rootamb" "$fixtures/mountinfo.ctr"
chmod 0 "$proc/20"
d=$tmp/p5
mkdir -p "$d/upper" "$d/work"
echo data >"$d/upper/f"
chmod 0777 "$tmp" "$d" "$d/upper" "$d/work"
chmod 0666 "$d/upper/f"
as_user=
if [ "$(id -u)" != 0 ]; then
	as_user=" "
elif setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
	as_user="setpriv --reuid=65534 --regid=65534 --clear-groups"
fi
if [ -n "$as_user" ]; then
	OVLCTL_PROC_ROOT=$proc $as_user "$ovlctl" discard "$d/upper" "$d/work" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ $rc = 1 ] && grep -q "needs root" "$tmp/err" && grep -q "pid 20" "$tmp/err" &&
		[ -f "$d/upper/f" ]
	ok $? discard_cannot_tell_without_privilege
else
	skip discard_cannot_tell_without_privilege "root without setpriv"
fi
chmod 0700 "$proc/20" "$tmp"

# --- gc -----------------------------------------------------------------
# The host has no id authority (neither the patched kernel nor ovlvol), so
# every pair with volatile state gets the verdict "unsupported": gc cannot
# tell whether it is stale, reports it "unknown" and never discards it.
# Stale and reusable pairs need an authority: selftests/vm/reboot_test.sh.
g=$tmp/store
mkdir -p "$g"
mk_pair "$g/a"                             # upper/ + work/, marker
mk_pair "$g/b" && mv "$g/b/upper" "$g/b/diff" # containers-storage layout
mk_pair "$g/c" && rm -rf "$g/c/work/work"    # no volatile state: clean, not listed
ln -s a "$g/d"                              # a symlink to a pair: ignored
mkdir -p "$g/e/upper"                       # no work dir
mk_pair "$g/f"                              # in use below
mk_pair "$g/h" && rm -rf "$g/h/work/work"    # no marker, but our checkpoint
ckpt=no
setx "$g/h/work" trusted.overlay.volatile junk && ckpt=yes
proc=$tmp/proc-gc
printf '%s\n' '80 1 0:80 / /ctr rw - overlay overlay rw,lowerdir=/outside,upperdir=/upper,workdir=/work,fsync=volatile' \
	>"$tmp/mi.gc"
fake_pid "$proc" 7 4026533000 "$g/f" "$tmp/mi.gc"
# gc_json FILE STORE PAIR...: FILE is one JSON document listing exactly
# these pairs (names under STORE), every column of every row set; then the
# python on stdin runs with rows[name].
gc_json() {
	local f=$1 store=$2
	shift 2
	python3 -c '
import json, sys
doc = json.load(open(sys.argv[1]))
assert list(doc) == ["pairs"], doc
rows = {r["pair"][len(sys.argv[2]) + 1:]: r for r in doc["pairs"]}
assert sorted(rows) == sorted(sys.argv[3:]), rows
for r in rows.values():
    for k in ("pair", "upper", "work", "state", "action", "reason", "detail"):
        assert isinstance(r.get(k), str) and r[k], (k, r)
exec(sys.stdin.read())
' "$f" "$store" "$@" 2>>"$tmp/err"
}
hpairs="a b f"
[ $ckpt = yes ] && hpairs="a b f h"

run 6 -J gc --root "$g/" &&
	gc_json "$tmp/out" "$g" $hpairs <<'EOF'
for name in rows:
    if name == "f":
        continue
    r = rows[name]
    assert (r["state"], r["action"], r["reason"]) == ("unknown", "skipped", "unsupported"), r
    assert "no id authority" in r["detail"], r
assert rows["b"]["upper"].endswith("/b/diff"), rows["b"]
assert (rows["f"]["state"], rows["f"]["action"], rows["f"]["reason"]) == ("in-use", "skipped", "in-use"), rows["f"]
assert "/ctr" in rows["f"]["detail"], rows["f"]
EOF
ok $? gc_no_authority_unknown_unsupported_exit_6_json
if [ $ckpt = yes ]; then
	grep -q "\"pair\": \"$g/h\"" "$tmp/out"
	ok $? gc_lists_a_checkpoint_without_marker
else
	skip gc_lists_a_checkpoint_without_marker "cannot set trusted.* xattrs here"
fi
[ -f "$g/a/upper/f" ] && [ -f "$g/b/diff/f" ] && [ -d "$g/a/work/work/incompat/volatile" ]
ok $? gc_without_discard_changes_nothing

run 6 gc --root "$g" && head -1 "$tmp/out" | grep -q "PAIR.*STATE.*ACTION.*REASON.*DETAIL" &&
	grep "^$g/a " "$tmp/out" | grep -q "unknown *skipped *unsupported" &&
	! grep -q "^$g/c " "$tmp/out"
ok $? gc_table_output

run 6 gc --root "$g" --discard
ok $? gc_discard_unsupported_exit_6
[ -f "$g/a/upper/f" ] && [ -f "$g/a/upper/dir/nested/deep/file" ] && [ -f "$g/b/diff/f" ] &&
	[ -f "$g/a/work/work/incompat/volatile/dirty" ] && [ -d "$g/b/work/index" ] &&
	{ [ $ckpt = no ] || [ "$(getx "$g/h/work" trusted.overlay.volatile)" = junk ]; } &&
	[ -f "$g/h/upper/f" ]
ok $? gc_discard_never_touches_unknown_pairs
[ -f "$g/c/upper/f" ] && [ -f "$g/f/upper/f" ] && [ -d "$g/f/work/work/incompat/volatile" ] &&
	outside_intact "$g/a" && outside_intact "$g/b"
ok $? gc_discard_keeps_clean_in_use_and_outside
grep "^$g/f " "$tmp/out" | grep -q "in-use *skipped *in-use"
ok $? gc_discard_reports_in_use_skipped

# Another ovlctl holds a workdir: skipped as in use, before any verdict.
flock -F "$g/a/work" sleep 30 &
holder=$!
sleep 0.3
run 6 -J gc --root "$g" --discard &&
	gc_json "$tmp/out" "$g" $hpairs <<'EOF'
r = rows["a"]
assert (r["state"], r["action"], r["reason"]) == ("in-use", "skipped", "in-use"), r
assert "another ovlctl" in r["detail"], r
assert rows["b"]["reason"] == "unsupported", rows["b"]
EOF
ok $? gc_locked_workdir_skipped
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
holder=

# Cannot tell whether in use: unknown, an error (exit 1), kept.
proc=$tmp/proc-amb
run 1 -J gc --root "$g" --discard &&
	gc_json "$tmp/out" "$g" $hpairs <<'EOF'
for r in rows.values():
    assert (r["state"], r["action"], r["reason"]) == ("unknown", "skipped", "error"), r
    assert "cannot tell" in r["detail"] and "/amb" in r["detail"], r
EOF
ok $? gc_cannot_tell_in_use_error_exit_1
[ -f "$g/a/upper/f" ] && [ -f "$g/f/upper/f" ]
ok $? gc_cannot_tell_keeps_pairs

# The gather of `check` fails on this pair (a ',' in its path): unknown,
# exit 1, its message in the detail, and still one JSON document.
proc=$tmp/proc-empty
g2=$tmp/store2
mk_pair "$g2/x,y"
mk_pair "$g2/z"
run 1 -J gc --root "$g2" --discard &&
	gc_json "$tmp/out" "$g2" "x,y" z <<'EOF'
r = rows["x,y"]
assert (r["state"], r["action"], r["reason"]) == ("unknown", "skipped", "error"), r
assert "cannot be passed to overlayfs" in r["detail"], r
assert rows["z"]["reason"] == "unsupported", rows["z"]
EOF
ok $? gc_gather_error_unknown_exit_1_one_json_document
[ -f "$g2/x,y/upper/f" ] && [ -f "$g2/z/upper/f" ]
ok $? gc_gather_error_keeps_pairs

# work/work a symlink: gc cannot look for the marker, so not "clean".
g4=$tmp/store4
mk_pair "$g4/s" && mkdir -p "$tmp/elsewhere/incompat/volatile" &&
	rm -rf "$g4/s/work/work" && ln -s "$tmp/elsewhere" "$g4/s/work/work"
run 1 -J gc --root "$g4" --discard &&
	gc_json "$tmp/out" "$g4" s <<'EOF'
r = rows["s"]
assert (r["state"], r["action"], r["reason"]) == ("unknown", "skipped", "error"), r
EOF
[ $? = 0 ] && [ -f "$g4/s/upper/f" ] && [ -L "$g4/s/work/work" ] && [ -d "$tmp/elsewhere/incompat/volatile" ]
ok $? gc_unreadable_marker_unknown_not_clean

# Nothing with volatile state: an empty list, exit 0.
g3=$tmp/store3
mk_pair "$g3/clean" && rm -rf "$g3/clean/work/work"
run 0 -J gc --root "$g3" --discard &&
	python3 -c 'import json,sys; assert json.load(open(sys.argv[1])) == {"pairs": []}' "$tmp/out" &&
	[ -f "$g3/clean/upper/f" ]
ok $? gc_clean_store_empty_list_exit_0

run 2 gc && grep -q "no --root" "$tmp/err"
ok $? gc_usage_error
run 2 gc --root "$g" extra && grep -q "unexpected argument" "$tmp/err"
ok $? gc_usage_error_extra_argument
run 2 gc --root "$g" --bogus
ok $? gc_usage_error_bad_option
run 1 -J gc --root "$tmp/nonexistent" &&
	python3 -c 'import json,sys; assert "nonexistent" in json.load(open(sys.argv[1]))["error"]' "$tmp/out"
ok $? gc_missing_root_json_error

[ $failed = 0 ]
