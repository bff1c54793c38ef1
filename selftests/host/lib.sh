# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the host test scripts: paths, and ovlctl built with ASan/UBSan.
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/selftests/tap.sh"

# Build ovlctl with sanitizers (incrementally) and set $ovlctl; a build
# failure is a failed test program.
ovlctl_san() {
	local out=${OVLVOL_BUILD:-$top/build}/host/ovlctl-san

	mkdir -p "$(dirname "$out")"
	make -s -C "$top/tools/ovlctl" SAN=1 OUTPUT="$out" >"$out.build.log" 2>&1 ||
		{ echo "1..0 # SKIP"; sed 's/^/# /' "$out.build.log"; exit 1; }
	ovlctl=$out/ovlctl
	export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1
}

# run WANT_RC ARGS...: $ovlctl with OVLCTL_PROC_ROOT=$proc and stdin from
# ${run_stdin:-/dev/null}, its output in $tmp/out and $tmp/err; 0 if it
# exits WANT_RC (else the exit status is noted in $tmp/err).
run() {
	local want=$1 rc
	shift
	OVLCTL_PROC_ROOT=$proc "$ovlctl" "$@" <"${run_stdin:-/dev/null}" \
		>"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ $rc = "$want" ] || echo "# exit $rc, want $want" >>"$tmp/err"
	[ $rc = "$want" ]
}
# setxattr/getxattr through python (no attr package needed)
setx() { python3 -c 'import os,sys; os.setxattr(sys.argv[1], sys.argv[2], sys.argv[3].encode())' "$@" 2>/dev/null; }
getx() { python3 -c 'import os,sys; print(os.getxattr(sys.argv[1], sys.argv[2]).decode())' "$@" 2>/dev/null; }
rmx() { python3 -c 'import os,sys; os.removexattr(sys.argv[1], sys.argv[2])' "$@" 2>/dev/null; }

# A scratch dir $tmp (removed at exit) with an empty fake /proc, $proc, and
# the command's output shown with a failing case.
scratch() {
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	proc=$tmp/proc
	mkdir -p "$proc"
	tap_show="$tmp/out $tmp/err"
}
