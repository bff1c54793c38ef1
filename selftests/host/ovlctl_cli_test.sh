#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ovlctl's command line, without root or a guest: usage errors and their
# exit status, JSON errors in -J mode, the JSON-lines log, version and help.
# Runs an ASan/UBSan build. Prints TAP.
set -u

. "$(dirname "$0")/lib.sh"
ovlctl_san
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0

# t NAME WANT_RC CHECK-COMMAND -- OVLCTL-ARGS...: run ovlctl, then CHECK
# (a shell snippet over $tmp/out and $tmp/err).
t() {
	local name=$1 want=$2 check=$3 rc
	shift 4
	n=$((n + 1))
	$as_user "$ovlctl" "$@" >"$tmp/out" 2>"$tmp/err"
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
is_json() { python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$1"; }

as_user=
echo "TAP version 13"
echo "1..17"
t no_command 2 'grep -q "no command given" $tmp/err && grep -q "Try .ovlctl --help." $tmp/err' --
t unknown_command 2 'grep -q "unknown command .frob." $tmp/err' -- frob
t unknown_command_json 2 'is_json $tmp/out && grep -q "\"error\"" $tmp/out && ! [ -s $tmp/err ]' -- -J frob
t bad_global_option 2 'grep -q "Try" $tmp/err' -- --frob
t quiet_and_verbose_exclusive 2 'grep -q "exclude each other" $tmp/err' -- -q -v features
t bad_log_format 2 'grep -q "unknown log format" $tmp/err' -- --log-format xml features
t version 0 'head -n 1 $tmp/out | grep -qx "ovlctl [0-9.]*" && grep -q "^features:" $tmp/out' -- -V
t help_lists_every_command 0 'grep -q "^ features " $tmp/out && grep -q "Exit status" $tmp/out' -- -h
t features_json 0 'is_json $tmp/out && grep -q "\"authority\"" $tmp/out && grep -q "\"kernel\"" $tmp/out' -- -J features
t features_extra_argument 2 'grep -q "unexpected argument" $tmp/err' -- features extra
t log_json_lines 2 'python3 -c "import json,sys; d=json.loads(open(sys.argv[1]).readline()); assert set(d)=={\"level\",\"msg\",\"time\"} and d[\"level\"]==\"error\"" $tmp/log' -- --log "$tmp/log" --log-format json frob

# Without root: an error that names the privilege, and nothing touched.
p=$tmp/pair
mkdir -p "$p/lower" "$p/upper" "$p/work" "$p/merged"
echo data >"$p/upper/f"
chmod 0755 "$tmp" "$p" "$p"/*
# The per-mount switch exists on a patched kernel only (none here).
t volatile_reuse_option_needs_patched_kernel 2 'grep -q "only a patched kernel" $tmp/err && [ -z "$(ls -A "$p/work")" ]' -- check --lower "$p/lower" --upper "$p/upper" --work "$p/work" -o volatile_reuse=on
if [ "$(id -u)" != 0 ]; then
	as_user=env
elif setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
	as_user="setpriv --reuid=65534 --regid=65534 --clear-groups"
fi
untouched='[ -z "$(ls -A "$p/work")" ] && [ "$(cat "$p/upper/f")" = data ]'
if [ -n "$as_user" ]; then
	t no_root_check 1 "is_json \$tmp/out && grep -q CAP_SYS_ADMIN \$tmp/out && $untouched" -- -J check --work "$p/work"
	t no_root_inspect 1 "grep -q 'needs root (CAP_SYS_ADMIN)' \$tmp/err && $untouched" -- inspect --work "$p/work"
	t no_root_mount 1 "grep -q 'mount needs root (CAP_SYS_ADMIN)' \$tmp/err && $untouched" -- \
		mount --lower "$p/lower" --upper "$p/upper" --work "$p/work" "$p/merged"
	t no_root_umount 1 "grep -q 'umount needs root (CAP_SYS_ADMIN)' \$tmp/err" -- umount "$p/merged"
	t no_root_usage_first 2 "grep -q 'no workdir given' \$tmp/err" -- check
else
	for name in check inspect mount umount usage_first; do
		n=$((n + 1))
		echo "ok $n no_root_$name # SKIP root without setpriv"
	done
fi
[ $failed = 0 ]
