#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The libFuzzer targets of ovlctl's parsers (selftests/fuzz/), briefly:
# built, every seed of the tree's corpus run once, then FUZZ_SECONDS (15)
# of fuzzing each. One case per target: ok with the inputs executed, not ok
# with the finding (crash files in build/fuzz/findings/<target>/).
# `make fuzz` is the long run. Prints TAP.
set -u

. "$(dirname "$0")/lib.sh"
fuzz=$top/selftests/fuzz
out=${OVLVOL_BUILD:-$top/build}/fuzz
mkdir -p "$out"

targets=$(make -s -C "$fuzz" --no-print-directory list)
echo "TAP version 13"
echo "1..$((1 + $(wc -w <<<"$targets")))"

# libFuzzer comes with clang's runtime package (scripts/deps.sh installs
# both); a link test says whether it is there.
probe=$out/.probe
if ! command -v clang >/dev/null ||
	! echo 'int LLVMFuzzerTestOneInput(const char *d, long n) { return d && n; }' |
	clang -x c -fsanitize=fuzzer -o "$probe" - >/dev/null 2>&1; then
	skip build "clang with libFuzzer not installed (scripts/deps.sh)"
	for t in $targets; do
		skip "$t" "not built"
	done
	exit 0
fi
rm -f "$probe"

results=$out/results.short
log=$out/logs/run.short.log
mkdir -p "$out/logs"
rm -f "$results"
FUZZ_SECONDS=${FUZZ_SECONDS:-15} FUZZ_RESULTS=$results OUTPUT=$out \
	"$fuzz/run.sh" >"$log" 2>&1
rc=$?
# run.sh exits 2 when the build failed, before any target ran.
tap_show=$log
ok "$([ $rc != 2 ] && echo 0 || echo 1)" build
tap_show=

for t in $targets; do
	line=$(grep "^$t " "$results" 2>/dev/null)
	read -r _ st execs note <<<"$line"
	if [ "${st:-}" = ok ]; then
		ok 0 "$t" "$execs execs, $note"
	else
		ok 1 "$t" "${execs:-0} execs"
		echo "#  ${note:-did not run (see $log)}"
	fi
done
[ $failed = 0 ] && [ $rc = 0 ]
