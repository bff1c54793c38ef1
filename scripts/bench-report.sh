#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench's report: the "# BENCH" lines of every kernel's run
# (selftests/vm/run.sh --bench writes build/bench/<kernel>/bench.tsv) as a
# table (results.txt, also printed), JSON (results.json) and a plot of the
# restart paths (restart.png).
#   bench-report.sh [DIR [KERNEL...]]
# DIR: build/bench (the default); KERNELs: only these (default: every
# DIR/*/bench.tsv). Every figure is a median over the runs, with min and
# max; the ratios are of medians measured in one boot, side by side.
set -euo pipefail
# Decimal points, whatever the user's locale (sort -g, awk, printf)
export LC_ALL=C

top=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-${OVLVOL_BUILD:-$top/build}/bench}
[ $# -gt 0 ] && shift
if [ $# -gt 0 ]; then
	tsvs=
	for k; do
		[ -f "$dir/$k/bench.tsv" ] || { echo "bench-report: no $dir/$k/bench.tsv" >&2; exit 1; }
		tsvs+=" $dir/$k/bench.tsv"
	done
else
	tsvs=$(ls "$dir"/*/bench.tsv 2>/dev/null) || true
fi
[ -n "$tsvs" ] || { echo "bench-report: no $dir/*/bench.tsv: run make bench" >&2; exit 1; }

# One row per measurement: kernel disk kind key=value...
rows=$dir/rows.tsv
cat $tsvs | { grep -v '^#' || true; } >"$rows"
# Each boot's clocksource ("clock" rows): reported, but not a measurement,
# since a boot whose benchmarks all failed still has one
clocks=$(awk '$3 == "clock" { sub(/^source=/, "", $4); print $1, $2, $4 }' "$rows" | sort -u)
awk '$3 != "clock"' "$rows" | grep -q . || { echo "bench-report: no measurement in$tsvs" >&2; exit 1; }

# kernel disk kind group metric value: the figures to summarise
flat() {
	awk '
	function kv(k,   i, n, a) {
		for (i = 4; i <= NF; i++) {
			n = index($i, "=")
			if (substr($i, 1, n - 1) == k) return substr($i, n + 1)
		}
		return ""
	}
	$3 == "restart" { print $1, $2, "restart", kv("path") "/" kv("size"), "total_ms", kv("total_ms")
			  print $1, $2, "restart", kv("path") "/" kv("size"), "stop_ms", kv("stop_ms")
			  print $1, $2, "restart", kv("path") "/" kv("size"), "start_ms", kv("start_ms") }
	$3 == "others" { print $1, $2, "others", kv("path") "/" kv("size") "/" kv("others"), "total_ms", kv("total_ms") }
	$3 == "files" { print $1, $2, "files", kv("path") "/" kv("files") "/" kv("others"), "total_ms", kv("total_ms") }
	$3 == "written" { print $1, $2, "written", kv("path") "/" kv("size"), "written_mib", kv("written_mib") }
	# user_ms, sys_ms: the process CPU time (rusage), absent in older runs
	function cpu(kind, what) {
		if (kv("user_ms") != "") print $1, $2, kind, what, "user_ms", kv("user_ms")
		if (kv("sys_ms") != "") print $1, $2, kind, what, "sys_ms", kv("sys_ms")
	}
	$3 == "scale" { print $1, $2, "scale", kv("cmd") "/" kv("mounts") "/" kv("ns"), "ms", kv("ms")
			cpu("scale", kv("cmd") "/" kv("mounts") "/" kv("ns")) }
	$3 == "cost" { print $1, $2, "cost", kv("cmd"), "ms", kv("ms")
		       print $1, $2, "cost", kv("cmd"), "maxrss_kb", kv("maxrss_kb")
		       cpu("cost", kv("cmd")) }
	# Instructions (callgrind): all, and inside main() (-1: not counted)
	$3 == "instr" { print $1, $2, "instr", kv("cmd"), "ir", kv("ir")
			if (kv("ir_main") >= 0) print $1, $2, "instr", kv("cmd"), "ir_main", kv("ir_main") }
	$3 == "scale_instr" { print $1, $2, "scale", kv("cmd") "/" kv("mounts") "/" kv("ns"), "ir_main", kv("ir_main") }
	$3 == "markcost" { print $1, $2, "markcost", kv("fs") "/" kv("phase"), "ratio", kv("ratio")
			   print $1, $2, "markcost", kv("fs") "/" kv("phase"), "p10", kv("p10")
			   print $1, $2, "markcost", kv("fs") "/" kv("phase"), "p90", kv("p90") }
	' "$rows"
}

# kernel disk kind group metric n median min max
stats=$dir/stats.tsv
flat | sort -k1,1 -k2,2 -k3,3 -k4,4 -k5,5 -k6,6g | awk '
	function out() {
		if (n) print key, n, (n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2), v[1], v[n]
	}
	{ k = $1 " " $2 " " $3 " " $4 " " $5
	  if (k != key) { out(); key = k; n = 0 }
	  v[++n] = $6 }
	END { out() }' >"$stats"

med() { # kernel disk kind group metric
	awk -v k="$1 $2 $3 $4 $5" '$1 " " $2 " " $3 " " $4 " " $5 == k { print $7; f = 1 } END { if (!f) print "" }' "$stats"
}
medd() { # kernel disk kind group metric: the median, or "-"
	local m
	m=$(med "$@")
	echo "${m:--}"
}
ratio() { # a b: a/b to 2 decimals, or "-"
	awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "-"; else printf "%.2f\n", a / b }'
}
cell() { # median [min-max] (tenths below 100), or "-"
	awk -v k="$1 $2 $3 $4 $5" '$1 " " $2 " " $3 " " $4 " " $5 == k {
		fmt = $7 < 100 ? "%.1f [%.1f-%.1f]" : "%.0f [%.0f-%.0f]"
		printf fmt, $7, $8, $9; f = 1 } END { if (!f) printf "-" }' "$stats"
}
# kernel disk kind metric WHAT PATH...: a cell per PATH, WHAT with @ for it
cells() {
	local k=$1 d=$2 kind=$3 metric=$4 what=$5 p
	shift 5
	for p; do
		printf ' %16s' "$(cell "$k" "$d" "$kind" "${what//@/$p}" "$metric")"
	done
	echo
}
# kernel disk kind metric HI LO PATH...: median at HI / at LO, per PATH
growths() {
	local k=$1 d=$2 kind=$3 metric=$4 hi=$5 lo=$6 p
	shift 6
	for p; do
		printf ' %16s' "$(ratio "$(med "$k" "$d" "$kind" "${hi//@/$p}" "$metric")" \
			"$(med "$k" "$d" "$kind" "${lo//@/$p}" "$metric")")"
	done
	echo
}

txt=$dir/results.txt
{
	# A run timed by jiffies is not to be read
	if [ -n "$clocks" ]; then
		echo "$clocks" | while read -r k d c; do
			case $c in
			*jiffies*) echo "warning: $k $d was timed by $c (ticks, lost under TCG): its times are not to be read" ;;
			*) echo "clock: $k $d $c" ;;
			esac
		done
		echo
	fi
	if grep -q ' restart ' "$stats"; then
		echo "Restart with D MiB dirty in the upper: median ms [min-max] of stop + start"
		printf '%-13s %-11s %5s %16s %16s %16s %16s %16s %16s %6s %6s %6s %6s %6s\n' \
			kernel disk MiB ovlctl plain syncfs discard bare seal \
			a/d b/a c/a e/b plain/d
		awk '$3 == "restart" && $5 == "total_ms" { split($4, a, "/"); print $1, $2, a[2] }' "$stats" |
			sort -u -k1,1 -k2,2r -k3,3n | while read -r k d s; do
			declare -A m=()
			for p in ovlctl plain syncfs discard bare seal; do
				m[$p]=$(med "$k" "$d" restart "$p/$s" total_ms)
			done
			printf '%-13s %-11s %5s' "$k" "$d" "$s"
			for p in ovlctl plain syncfs discard bare seal; do
				printf ' %16s' "$(cell "$k" "$d" restart "$p/$s" total_ms)"
			done
			printf ' %6s %6s %6s %6s %6s\n' \
				"$(ratio "${m[ovlctl]}" "${m[bare]}")" \
				"$(ratio "${m[syncfs]}" "${m[ovlctl]}")" \
				"$(ratio "${m[discard]}" "${m[ovlctl]}")" \
				"$(ratio "${m[seal]}" "${m[syncfs]}")" \
				"$(ratio "${m[plain]}" "${m[bare]}")"
			unset m
		done
	fi
	if grep -q ' others ' "$stats"; then
		echo
		echo "Restart with D MiB dirty while other tenants of the upper fs hold X MiB: median ms [min-max]"
		printf '%-13s %-11s %5s %5s %16s %16s %16s %16s %16s %16s\n' \
			kernel disk MiB X ovlctl plain syncfs discard bare seal
		awk '$3 == "others" { split($4, a, "/"); print $1, $2, a[2], a[3] }' "$stats" |
			sort -u -k1,1 -k2,2r -k3,3n -k4,4n | while read -r k d s x; do
			printf '%-13s %-11s %5s %5s' "$k" "$d" "$s" "$x"
			cells "$k" "$d" others total_ms "@/$s/$x" ovlctl plain syncfs discard bare seal
		done
		echo "growth (median at the largest X / at the smallest X):"
		awk '$3 == "others" { split($4, a, "/"); print $1, $2, a[2] }' "$stats" |
			sort -u -k1,1 -k2,2r | while read -r k d s; do
			lo=$(awk -v k="$k" -v d="$d" -v s="$s" '$1 == k && $2 == d && $3 == "others" { split($4, a, "/"); if (a[2] == s) print a[3] }' "$stats" | sort -n | head -n 1)
			hi=$(awk -v k="$k" -v d="$d" -v s="$s" '$1 == k && $2 == d && $3 == "others" { split($4, a, "/"); if (a[2] == s) print a[3] }' "$stats" | sort -n | tail -n 1)
			printf '%-13s %-11s %5s %5s' "$k" "$d" "$s" "$hi/$lo"
			growths "$k" "$d" others total_ms "@/$s/$hi" "@/$s/$lo" ovlctl plain syncfs discard bare seal
		done
	fi
	if grep -q ' files ' "$stats"; then
		echo
		echo "Restart with N new files dirty in the upper while other tenants hold X MiB: median ms [min-max]"
		printf '%-13s %-11s %7s %5s %16s %16s %16s %16s %16s\n' \
			kernel disk N X ovlctl plain syncfs bare seal
		awk '$3 == "files" { split($4, a, "/"); print $1, $2, a[2], a[3] }' "$stats" |
			sort -u -k1,1 -k2,2r -k3,3n -k4,4n | while read -r k d n x; do
			printf '%-13s %-11s %7s %5s' "$k" "$d" "$n" "$x"
			cells "$k" "$d" files total_ms "@/$n/$x" ovlctl plain syncfs bare seal
		done
		echo "growth (median at the most files / at the fewest):"
		awk '$3 == "files" { split($4, a, "/"); print $1, $2, a[3] }' "$stats" |
			sort -u -k1,1 -k2,2r | while read -r k d x; do
			ns=$(awk -v k="$k" -v d="$d" -v x="$x" '$1 == k && $2 == d && $3 == "files" { split($4, a, "/"); if (a[3] == x) print a[2] }' "$stats" | sort -un)
			lo=$(echo "$ns" | head -n 1) hi=$(echo "$ns" | tail -n 1)
			printf '%-13s %-11s %7s %5s' "$k" "$d" "$hi/$lo" "$x"
			growths "$k" "$d" files total_ms "@/$hi/$x" "@/$lo/$x" ovlctl plain syncfs bare seal
		done
	fi
	if grep -q ' written ' "$stats"; then
		echo
		echo "MiB written to the upper disk when the container writes D MiB, restarts, then removes them: median [min-max]"
		printf '%-13s %-11s %5s %16s %16s %16s %16s %16s %16s\n' \
			kernel disk MiB ovlctl plain syncfs discard bare seal
		awk '$3 == "written" { split($4, a, "/"); print $1, $2, a[2] }' "$stats" |
			sort -u -k1,1 -k2,2r -k3,3n | while read -r k d sz; do
			printf '%-13s %-11s %5s' "$k" "$d" "$sz"
			cells "$k" "$d" written written_mib "@/$sz" ovlctl plain syncfs discard bare seal
		done
	fi
	if grep -q ' cost ' "$stats"; then
		echo
		echo "ovlctl's own cost: median ms [min-max], CPU ms in user and kernel mode (medians), peak RSS (KiB, max)"
		printf '%-13s %-11s %-15s %16s %7s %7s %9s\n' kernel disk command ms user sys maxrss
		awk '$3 == "cost" && $5 == "ms" { print $1, $2, $4 }' "$stats" | sort -u |
			while read -r k d c; do
				printf '%-13s %-11s %-15s %16s %7s %7s %9s\n' "$k" "$d" "$c" \
					"$(cell "$k" "$d" cost "$c" ms)" \
					"$(medd "$k" "$d" cost "$c" user_ms)" "$(medd "$k" "$d" cost "$c" sys_ms)" \
					"$(awk -v k="$k $d cost $c maxrss_kb" '$1 " " $2 " " $3 " " $4 " " $5 == k { print $9 }' "$stats")"
			done
		# What a verdict costs beyond the start-up every run of ovlctl pays:
		# its own work in user mode, and in its system calls
		if grep -q ' cost ovlctl-check user_ms ' "$stats"; then
			echo
			echo "ovlctl check beyond its start-up (check - --version, medians): wall, user, sys ms"
			awk '$3 == "cost" && $4 == "ovlctl-check" && $5 == "user_ms" { print $1, $2 }' "$stats" |
				sort -u | while read -r k d; do
				printf '%-13s %-11s' "$k" "$d"
				for m in ms user_ms sys_ms; do
					printf ' %7s' "$(awk -v a="$(med "$k" "$d" cost ovlctl-check $m)" \
						-v b="$(med "$k" "$d" cost ovlctl-version $m)" \
						'BEGIN { if (a == "" || b == "") print "-"; else printf "%.2f\n", a - b }')"
				done
				echo
			done
		fi
		echo
		echo "ratios of medians: ovlctl --version / true, ovlctl --version / coreutils true (libc only),"
		echo "ovlctl --version / util-linux mount -V, ovlctl mount / mount, ovlctl umount / umount"
		awk '$3 == "cost" && $5 == "ms" { print $1, $2 }' "$stats" | sort -u | while read -r k d; do
			printf '%-13s %-11s %6s %6s %6s %6s %6s\n' "$k" "$d" \
				"$(ratio "$(med "$k" "$d" cost ovlctl-version ms)" "$(med "$k" "$d" cost true ms)")" \
				"$(ratio "$(med "$k" "$d" cost ovlctl-version ms)" "$(med "$k" "$d" cost true-dyn ms)")" \
				"$(ratio "$(med "$k" "$d" cost ovlctl-version ms)" "$(med "$k" "$d" cost mount8-version ms)")" \
				"$(ratio "$(med "$k" "$d" cost ovlctl-mount ms)" "$(med "$k" "$d" cost mount ms)")" \
				"$(ratio "$(med "$k" "$d" cost ovlctl-umount ms)" "$(med "$k" "$d" cost umount ms)")"
		done
	fi
	if grep -q ' instr ' "$stats"; then
		echo
		echo "Instructions executed (callgrind, the same on any x86-64 machine): in all, and inside main()"
		echo "(without the dynamic loader's start-up)"
		printf '%-13s %-11s %-15s %12s %12s\n' kernel disk command all main
		awk '$3 == "instr" && $5 == "ir" { print $1, $2, $4 }' "$stats" | sort -u |
			while read -r k d c; do
				printf '%-13s %-11s %-15s %12s %12s\n' "$k" "$d" "$c" \
					"$(medd "$k" "$d" instr "$c" ir)" "$(medd "$k" "$d" instr "$c" ir_main)"
			done
	fi
	if grep -q ' stall ' "$rows"; then
		echo
		echo "The neighbour's fsync latency (ms): before, during and after one restart"
		printf '%-13s %-11s %-8s %5s %-8s %6s %9s %9s %9s\n' kernel disk path MiB window n p50 p99 max
		awk '
		function kv(k,   i, n) {
			for (i = 4; i <= NF; i++) {
				n = index($i, "=")
				if (substr($i, 1, n - 1) == k) return substr($i, n + 1)
			}
			return ""
		}
		$3 == "stall" { printf "%-13s %-11s %-8s %5s %-8s %6s %9s %9s %9s\n", $1, $2, kv("path"), kv("size"), kv("window"), kv("n"), kv("p50_ms"), kv("p99_ms"), kv("max_ms") }' "$rows"
	fi
	if grep -q ' scale ' "$stats"; then
		echo
		echo "The in-use check's scale: median ms [min-max] with M bind mounts over N mount namespaces,"
		echo "CPU ms in user and kernel mode (medians), instructions inside main() (callgrind, one run)"
		printf '%-13s %-11s %-15s %6s %4s %16s %7s %7s %12s\n' kernel disk command M N ms user sys main
		awk '$3 == "scale" { split($4, a, "/"); print $1, $2, a[1], a[2], a[3] }' "$stats" |
			sort -u -k1,1 -k2,2r -k3,3 -k5,5n -k4,4n | while read -r k d c m n; do
			printf '%-13s %-11s %-15s %6s %4s %16s %7s %7s %12s\n' "$k" "$d" "$c" "$m" "$n" \
				"$(cell "$k" "$d" scale "$c/$m/$n" ms)" \
				"$(medd "$k" "$d" scale "$c/$m/$n" user_ms)" "$(medd "$k" "$d" scale "$c/$m/$n" sys_ms)" \
				"$(medd "$k" "$d" scale "$c/$m/$n" ir_main)"
		done
	fi
	if grep -q ' markcost ' "$stats"; then
		echo
		echo "The module's superblock mark: ops/s marked / unmarked, median of round pairs [p10-p90]"
		printf '%-13s %-11s %-16s %8s %16s\n' kernel disk fs/phase ratio spread
		awk '$3 == "markcost" && $5 == "ratio" { print $1, $2, $4 }' "$stats" | sort -u |
			while read -r k d f; do
				printf '%-13s %-11s %-16s %8.3f %7.3f-%-8.3f\n' "$k" "$d" "$f" \
					"$(med "$k" "$d" markcost "$f" ratio)" \
					"$(med "$k" "$d" markcost "$f" p10)" \
					"$(med "$k" "$d" markcost "$f" p90)"
			done
	fi
} >"$txt"
cat "$txt"

# JSON: every measurement (numbers as numbers) and the summary rows
jq -n --rawfile rows "$rows" --rawfile stats "$stats" '
	def lines: split("\n") | map(select(length > 0) | split(" ") | map(select(. != "")));
	{ rows: ($rows | lines | map({ kernel: .[0], disk: .[1], kind: .[2] } +
		(.[3:] | map(split("=") | { (.[0]): (.[1] | tonumber? // .) }) | add // {}))),
	  summary: ($stats | lines | map({ kernel: .[0], disk: .[1], kind: .[2],
		what: .[3], metric: .[4], n: (.[5] | tonumber),
		median: (.[6] | tonumber), min: (.[7] | tonumber),
		max: (.[8] | tonumber) })) }' >"$dir/results.json"

# The plot: median restart (stop + start) by dirty size, a line per path,
# a panel per kernel and disk
panels=$(awk '$3 == "restart" { print $1 "/" $2 }' "$stats" | sort -u)
if [ -z "$panels" ]; then
	# BENCH_ONLY without the restart paths: nothing to plot
	echo "bench-report: $txt, $dir/results.json (no restart paths measured: no plot)"
elif command -v gnuplot >/dev/null; then
	data=$dir/restart.dat
	: >"$data"
	for pn in $panels; do
		k=${pn%/*} d=${pn#*/}
		echo "# $k $d" >>"$data"
		for s in $(awk -v k="$k" -v d="$d" '$1 == k && $2 == d && $3 == "restart" { split($4, a, "/"); print a[2] }' "$stats" | sort -un); do
			printf '%s' "$s" >>"$data"
			for p in ovlctl plain syncfs discard bare seal; do
				v=$(med "$k" "$d" restart "$p/$s" total_ms)
				printf ' %s' "${v:-NaN}" >>"$data"
			done
			echo >>"$data"
		done
		printf '\n\n' >>"$data"
	done
	n=$(echo "$panels" | wc -w)
	{
		echo "set terminal pngcairo size 640,$((360 * n)) font ',9'"
		echo "set output '$dir/restart.png'"
		echo "set multiplot layout $n,1"
		echo "set logscale y; set xlabel 'dirty MiB'; set ylabel 'restart ms (median)'"
		echo "set key outside right; set grid"
		i=0
		for pn in $panels; do
			echo "set title '${pn%/*}, ${pn#*/} disk'"
			printf "plot '%s' index %d using 1:2 with linespoints title 'ovlctl reuse'" "$data" $i
			printf ", '' index %d using 1:3 with linespoints title 'plain (patched)'" $i
			printf ", '' index %d using 1:4 with linespoints title 'syncfs+rm+mount'" $i
			printf ", '' index %d using 1:5 with linespoints title 'discard+rebuild'" $i
			printf ", '' index %d using 1:6 with linespoints title 'bare mount'" $i
			printf ", '' index %d using 1:7 with linespoints title 'seal+mount'\n" $i
			i=$((i + 1))
		done
		echo "unset multiplot"
	} >"$dir/restart.gp"
	gnuplot "$dir/restart.gp"
	echo "bench-report: $txt, $dir/results.json, $dir/restart.png"
else
	echo "bench-report: no gnuplot: $txt and $dir/results.json only" >&2
	exit 1
fi
