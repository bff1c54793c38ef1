#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the libFuzzer targets of ovlctl's parsers and run each one: every
# seed of corpus/<target>/ once, then fuzzing for FUZZ_SECONDS. Prints per
# target the inputs executed and the findings; exits non-zero on any crash,
# leak, timeout, out-of-memory or broken property.
#   run.sh [TARGET...]          every target (make list) without arguments
# Environment:
#   FUZZ_SECONDS   fuzzing time per target (default 300: make fuzz)
#   OUTPUT         build dir (default build/fuzz): the binaries, the corpora
#                  grown by the runs (corpus/<target>/, never the tree's),
#                  findings/<target>/ (crash-*, leak-*, timeout-*, oom-*:
#                  replay one with build/fuzz/<target>_fuzz FILE), logs/
#   FUZZ_RESULTS   also write "TARGET ok|fail EXECS NOTE" lines there
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${OUTPUT:-${OVLVOL_BUILD:-$top/build}/fuzz}
seconds=${FUZZ_SECONDS:-300}
results=${FUZZ_RESULTS:-/dev/null}
mkdir -p "$out/logs"
: >"$results"

if ! make -C "$here" OUTPUT="$out" -j"$(nproc)" >"$out/logs/build.log" 2>&1; then
	tail -n 30 "$out/logs/build.log"
	echo "fuzz: the build failed (log: $out/logs/build.log)"
	exit 2
fi
if [ $# = 0 ]; then
	read -r -a targets <<<"$(make -s -C "$here" --no-print-directory list)"
	set -- "${targets[@]}"
fi

# The JSON targets share one dictionary.
dict_of() {
	case $1 in
	spec | oci | hook) echo "$here/json.dict" ;;
	*) if [ -f "$here/$1.dict" ]; then echo "$here/$1.dict"; fi ;;
	esac
}

# The first line that says what went wrong, from a libFuzzer log.
why() {
	grep -a -m1 -E '==fuzz== property broken|runtime error:|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|SUMMARY:' "$1" |
		sed 's/^==[0-9]*==//' | cat -v | cut -c1-300 || true
}

# A sanitizer report ends the process; UBSan's should too, with a trace.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1
export UBSAN_OPTIONS=${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1:halt_on_error=1

status=0
for t in "$@"; do
	bin=$out/${t}_fuzz
	seeds=$here/corpus/$t
	corpus=$out/corpus/$t
	findings=$out/findings/$t
	log=$out/logs/$t.log
	seedlog=$out/logs/$t.seeds.log
	tmp=$out/tmp/$t
	if [ ! -x "$bin" ] || [ ! -d "$seeds" ]; then
		echo "fuzz: no target $t (make list)" >&2
		echo "$t fail 0 no such target" >>"$results"
		status=1
		continue
	fi
	# The targets' own temporary files stay in the build dir.
	rm -rf "$tmp"
	mkdir -p "$corpus" "$findings" "$tmp"
	dict=$(dict_of "$t")
	opts=(-artifact_prefix="$findings/" -timeout=10 -rss_limit_mb=2048 ${dict:+-dict="$dict"})
	find "$findings" -type f >"$tmp/.findings-before"
	note=

	# Every seed once; when that fails, each alone to name all that fail.
	# Fuzzing then starts from the others.
	pass=$seeds
	if ! TMPDIR=$tmp "$bin" "${opts[@]}" "$seeds"/* >"$seedlog" 2>&1; then
		pass=$tmp/.seeds
		mkdir -p "$pass"
		for s in "$seeds"/*; do
			if TMPDIR=$tmp "$bin" "${opts[@]}" "$s" >"$tmp/.seed.log" 2>&1; then
				cp "$s" "$pass/"
			else
				note+="seed ${s##*/}: $(why "$tmp/.seed.log"); "
				cp "$s" "$findings/seed-${s##*/}"
				cat "$tmp/.seed.log" >>"$seedlog"
			fi
		done
	fi

	before=$(find "$corpus" -type f | wc -l)
	rc=0
	TMPDIR=$tmp "$bin" "${opts[@]}" -max_total_time="$seconds" \
		-print_final_stats=1 "$corpus" "$pass" >"$log" 2>&1 || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	new=$(($(find "$corpus" -type f | wc -l) - before))
	[ $rc = 0 ] || note+="fuzzing: exit $rc: $(why "$log"); "
	# New files only: earlier runs' findings stay until removed by hand.
	while IFS= read -r f; do
		note+="$f; "
	done < <(find "$findings" -type f ! -name 'slow-unit-*' |
		grep -vxF -f "$tmp/.findings-before" || true)
	if [ -z "$note" ]; then
		printf '%-10s ok    %10s execs in %ss, %s new corpus entries\n' \
			"$t" "${execs:-?}" "$seconds" "$new"
		echo "$t ok ${execs:-0} ${seconds}s, $new new corpus entries" >>"$results"
	else
		printf '%-10s FAIL  %10s execs in %ss: %s(log: %s)\n' \
			"$t" "${execs:-?}" "$seconds" "$note" "$log"
		echo "$t fail ${execs:-0} ${note%; }" >>"$results"
		status=1
	fi
	rm -rf "$tmp"
done
exit $status
