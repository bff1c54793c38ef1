#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The table of the crash rounds (Documentation/testing.rst) from the
# "FAULT" lines run.sh collected:
#   fault_tally.sh FAULT.TSV...
# One row per kernel and filesystem: rounds run; what a blind marker
# deletion would have handed out: the upper intact, rolled back (nothing of
# the writes on disk: consistent, every write lost) or torn (neither);
# reuses ovlctl, the kernel and gc accepted or missed, sealed pairs that
# lost data. Then one row per window disk for ovlctl's own window. The path of each file names
# the kernel (build/fault/KERNEL/fault.tsv, build/vm/KERNEL/fault/fault.tsv).
set -euo pipefail

[ $# -gt 0 ] || { echo "usage: fault_tally.sh FAULT.TSV..." >&2; exit 2; }
for f in "$@"; do
	k=${f%/fault.tsv}
	k=${k%/fault}
	k=${k##*/}
	sed "s|^|$k |" "$f"
done | awk '
function kv(line, key,   m) {
	if (match(line, " " key "=[^ ]*")) return substr(line, RSTART + length(key) + 2, RLENGTH - length(key) - 2)
	return ""
}
$2 == "FAULT" {
	row = sprintf("%-14s %-5s", $1, kv($0, "fs"))
	if (!(row in rounds)) order[n++] = row
	rounds[row]++
	v = kv($0, "view")
	intact[row] += v == "intact"
	rolled[row] += v == "rolled-back"
	torn[row] += v == "torn"
	oacc[row] += kv($0, "ovlctl") != "refused"
	kacc[row] += kv($0, "kernel") != "refused"
	gmiss[row] += kv($0, "gc") != "found"
	lost[row] += kv($0, "sealed") != "intact"
}
$2 == "FAULT-WINDOW" {
	row = sprintf("%-14s w-%-3s", $1, kv($0, "fs"))
	if (!(row in wrounds)) worder[wn++] = row
	wrounds[row]++
	wnot[row] += kv($0, "fired") != "yes"
	wacc[row] += kv($0, "ovlctl") != "refused"
	wmiss[row] += kv($0, "gc") != "found"
}
END {
	printf "%-14s %-5s %6s %6s %11s %5s %15s %15s %9s %11s\n", "kernel", "fs", "rounds", "intact", "rolled-back", "torn", "ovlctl-accepted", "kernel-accepted", "gc-missed", "sealed-lost"
	for (i = 0; i < n; i++) {
		r = order[i]
		printf "%s %6d %6d %11d %5d %15d %15d %9d %11d\n", r, rounds[r], intact[r], rolled[r], torn[r], oacc[r], kacc[r], gmiss[r], lost[r]
		bad += oacc[r] + kacc[r] + gmiss[r] + lost[r]
	}
	if (wn) {
		printf "\n%-14s %-5s %6s %9s %15s %9s\n", "kernel", "disk", "rounds", "not-fired", "ovlctl-accepted", "gc-missed"
		for (i = 0; i < wn; i++) {
			r = worder[i]
			printf "%s %6d %9d %15d %9d\n", r, wrounds[r], wnot[r], wacc[r], wmiss[r]
			bad += wnot[r] + wacc[r] + wmiss[r]
		}
	}
	exit bad != 0
}'
