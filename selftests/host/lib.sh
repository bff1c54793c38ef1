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
