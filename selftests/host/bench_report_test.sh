#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench's report (scripts/bench-report.sh) on measurements made up
# here: medians, minimum and maximum, the ratios of medians, valid JSON with
# every row, and the plot. Prints TAP.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/selftests/tap.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "TAP version 13"
echo "1..22"

# Restart totals: ovlctl 30 40 50 (median 40), syncfs 70 90 80 (80),
# bare 12 8 10 (10), seal 100 120 110 (110), discard 160 (one run)
mkdir -p "$tmp/b/k1" "$tmp/b/k2"
# PATH STOP TOTAL...: a run of PATH at 16 MiB per TOTAL
runs() {
	local path=$1 stop=$2 r=0 t
	shift 2
	for t; do
		echo "k1 unthrottled restart path=$path size=16 run=$r stop_ms=$stop start_ms=$((t - stop)) total_ms=$t"
		r=$((r + 1))
	done
}
{
	echo "# kernel k1"
	runs ovlctl 10 30 40 50
	runs syncfs 10 70 90 80
	runs bare 2 12 8 10
	runs seal 50 100 120 110
	echo "k1 unthrottled restart path=discard size=16 run=0 stop_ms=10 start_ms=150 total_ms=160"
	for o in "ovlctl 0 21" "ovlctl 512 22" "syncfs 0 30" "syncfs 512 300"; do
		set -- $o
		echo "k1 unthrottled others path=$1 size=16 others=$2 run=0 stop_ms=1 start_ms=$(($3 - 1)) total_ms=$3"
	done
	for f in "ovlctl 1000 20" "ovlctl 10000 22" "seal 1000 50" "seal 10000 500" "syncfs 1000 300" "syncfs 10000 330"; do
		set -- $f
		echo "k1 unthrottled files path=$1 files=$2 others=512 run=0 stop_ms=1 start_ms=$(($3 - 1)) total_ms=$3"
	done
	for w in "ovlctl 0 0.50" "ovlctl 1 0.70" "ovlctl 2 0.60" "syncfs 0 16.50"; do
		set -- $w
		echo "k1 unthrottled written path=$1 size=16 run=$2 written_mib=$3"
	done
	echo "k1 unthrottled cost cmd=true run=0 ms=8 maxrss_kb=1500"
	echo "k1 unthrottled cost cmd=true run=1 ms=12 maxrss_kb=1600"
	echo "k1 unthrottled cost cmd=ovlctl-version run=0 ms=30 user_ms=5 sys_ms=3 maxrss_kb=2600"
	echo "k1 unthrottled cost cmd=ovlctl-version run=1 ms=10 user_ms=7 sys_ms=5 maxrss_kb=2700"
	echo "k1 unthrottled cost cmd=ovlctl-check run=0 ms=50 user_ms=9 sys_ms=20 maxrss_kb=3000"
	echo "k1 unthrottled cost cmd=ovlctl-check run=1 ms=70 user_ms=11.5 sys_ms=30 maxrss_kb=3100"
	echo "k1 unthrottled scale cmd=ovlctl-check mounts=10 ns=2 run=0 ms=80 user_ms=12 sys_ms=40 maxrss_kb=3000"
	echo "k1 unthrottled scale cmd=ovlctl-check mounts=10 ns=2 run=1 ms=90 user_ms=14 sys_ms=50 maxrss_kb=3000"
	echo "k1 unthrottled scale_instr cmd=ovlctl-check mounts=10 ns=2 ir_main=1200000"
	echo "k1 unthrottled instr cmd=true-dyn ir=114556 ir_main=-1"
	echo "k1 unthrottled instr cmd=ovlctl-check ir=2604276 ir_main=1197903"
	echo "k1 unthrottled cost cmd=true-dyn run=0 ms=16 maxrss_kb=1800"
	echo "k1 unthrottled clock source=tsc"
	echo "k1 unthrottled cost cmd=mount8-version run=0 ms=40 maxrss_kb=2000"
	echo "k1 unthrottled markcost fs=ext4 phase=create unmarked=2000 marked=1900 ratio=0.9500 p10=0.9000 p90=1.0000 rounds=40"
} >"$tmp/b/k1/bench.tsv"
{
	echo "k2 throttled restart path=plain size=128 run=0 stop_ms=1 start_ms=2 total_ms=3"
	echo "k2 throttled clock source=refined-jiffies"
} >"$tmp/b/k2/bench.tsv"

"$top/scripts/bench-report.sh" "$tmp/b" >"$tmp/out" 2>"$tmp/err"
rc=$?
tap_show="$tmp/out $tmp/err"
# With gnuplot (deps.sh installs it) the report exits 0
ok $rc report_exits_0

line=$(grep '^k1 *unthrottled *16 ' "$tmp/out" | head -n 1)
# medians [min-max] of ovlctl, plain, syncfs, discard, bare, seal, then
# a/d b/a c/a e/b plain/d
want='k1 unthrottled 16 40.0 [30.0-50.0] - 80.0 [70.0-90.0] 160 [160-160] 10.0 [8.0-12.0] 110 [100-120] 4.00 2.00 4.00 1.38 -'
got=$(echo "$line" | tr -s ' ')
[ "$got" = "$want" ]
ok $? restart_row_medians_and_ratios
[ "$got" = "$want" ] || echo "# got '$got'"

got=$(grep '^k1 *unthrottled *ovlctl-version ' "$tmp/out" | tr -s ' ')
[ "$got" = "k1 unthrottled ovlctl-version 20.0 [10.0-30.0] 6 4 2700" ]
ok $? cost_row_median_cpu_and_peak_rss "$got"
# A run without the CPU figures (older rows): "-", not a number
got=$(grep '^k1 *unthrottled *true ' "$tmp/out" | tr -s ' ')
[ "$got" = "k1 unthrottled true 10.0 [8.0-12.0] - - 1600" ]
ok $? cost_row_without_cpu "$got"

got=$(grep -A2 '^ratios of medians' "$tmp/out" | tail -n 1 | tr -s ' ')
[ "$got" = "k1 unthrottled 2.00 1.25 0.50 - -" ]
ok $? version_over_true_ratio "$got"

# expect NAME HEADING N WANT: the Nth line after the line starting HEADING
expect() {
	local got
	got=$(grep -A"$3" "^$2" "$tmp/out" | tail -n 1 | tr -s ' ')
	[ "$got" = "$4" ]
	ok $? "$1" "$got"
}
# The clocksource each boot was timed by; jiffies is called out
grep -qx 'clock: k1 unthrottled tsc' "$tmp/out"
ok $? clock_source_line
grep -q '^warning: k2 throttled was timed by refined-jiffies' "$tmp/out"
ok $? jiffies_clock_warned

# A verdict's own work: check's medians less --version's
expect check_beyond_startup 'ovlctl check beyond its start-up' 1 \
	"k1 unthrottled 40.00 4.25 21.00"
expect scale_row_cpu_and_instructions "The in-use check's scale" 3 \
	"k1 unthrottled ovlctl-check 10 2 85.0 [80.0-90.0] 13 45 1200000"
# Instructions in all and inside main(); a stripped binary's main: "-"
expect instructions_row 'Instructions executed' 3 \
	"k1 unthrottled ovlctl-check 2604276 1197903"
expect instructions_without_main 'Instructions executed' 4 \
	"k1 unthrottled true-dyn 114556 -"

expect others_growth_ratio 'growth (median at the largest X' 1 \
	"k1 unthrottled 16 512/0 1.05 - 10.00 - - -"

expect files_growth_ratio 'growth (median at the most files' 1 \
	"k1 unthrottled 10000/1000 512 1.10 - 1.10 - 10.00"
expect written_row 'MiB written to the upper disk' 2 \
	"k1 unthrottled 16 0.6 [0.5-0.7] - 16.5 [16.5-16.5] - - -"

jq -e '(.rows | length) == 44 and
	(.rows[] | select(.kind == "markcost") | .ratio) == 0.95 and
	(.summary[] | select(.kernel == "k1" and .what == "syncfs/16" and .metric == "total_ms") | .median) == 80' \
	"$tmp/b/results.json" >/dev/null 2>&1
ok $? json_rows_and_summary

[ -s "$tmp/b/restart.png" ] && [ "$(head -c 4 "$tmp/b/restart.png" | tail -c 3)" = PNG ]
ok $? plot_written

# Only the kernels asked for, in a decimal-comma locale all the same
LANG=de_DE.UTF-8 LC_ALL=de_DE.UTF-8 "$top/scripts/bench-report.sh" "$tmp/b" k2 >"$tmp/out2" 2>&1
rc=$?
! grep -q '^k1 ' "$tmp/out2" && grep -q '^k2 *throttled *128 ' "$tmp/out2"
ok $((rc || $?)) kernel_list_only_those

# A kernel without its measurements: an error
! "$top/scripts/bench-report.sh" "$tmp/b" k3 >/dev/null 2>&1
ok $? missing_kernel_is_an_error

# Nothing measured: an error, not an empty table; a boot whose benchmarks
# all failed still reports its clock, which is not a measurement
mkdir -p "$tmp/empty" "$tmp/clockonly/k1"
! "$top/scripts/bench-report.sh" "$tmp/empty" >/dev/null 2>&1
ok $? no_measurements_is_an_error
echo "k1 unthrottled clock source=tsc" >"$tmp/clockonly/k1/bench.tsv"
! "$top/scripts/bench-report.sh" "$tmp/clockonly" >/dev/null 2>&1
ok $? clock_alone_is_no_measurement

# BENCH_ONLY=files,written: no restart rows, so no restart table and no
# plot, no empty table of ovlctl's cost either, and still exit 0
mkdir -p "$tmp/only/k1"
grep -E ' (files|written) ' "$tmp/b/k1/bench.tsv" >"$tmp/only/k1/bench.tsv"
"$top/scripts/bench-report.sh" "$tmp/only" >"$tmp/out3" 2>&1
rc=$?
! grep -q '^Restart with D MiB dirty in the upper' "$tmp/out3" &&
	grep -q '^k1 *unthrottled *10000 ' "$tmp/out3" && [ ! -e "$tmp/only/restart.png" ]
ok $((rc || $?)) without_restart_rows_no_plot
! grep -q "^ovlctl's own cost\|^ratios of medians" "$tmp/out3"
ok $? without_cost_rows_no_cost_table

[ "$failed" = 0 ]
