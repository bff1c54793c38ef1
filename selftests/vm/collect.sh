#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Turn the framed output of the guest's results port into per-test TAP files
# and a summary, and decide the verdict:
#   collect.sh RESULTS OUTDIR
#
# A test program fails the run when it reports "not ok", when it reports
# fewer cases than its plan, when it has no plan, or when it exits non-zero
# without a failing case; the guest fails the run when the end marker is
# missing (panic, oops, warning or timeout). Writes OUTDIR/summary as
# "passed failed skipped" and prints one line per problem. Exit 1 on any
# failure.
set -euo pipefail

results=${1:?usage: collect.sh RESULTS OUTDIR}
out=${2:?usage: collect.sh RESULTS OUTDIR}
mkdir -p "$out"

awk -v out="$out" '
function finish_test() {
	close(file)
	if (!planned) {
		fail++
		printf "%s: no TAP plan\n", name
	} else if (seen < plan) {
		fail += plan - seen
		printf "%s: %d planned case(s) never reported\n", name, plan - seen
	}
	if (rc != 0 && nfail == 0 && seen >= plan) {
		fail++
		printf "%s: exit status %s without a failing case\n", name, rc
	}
	intest = 0
}
/^OVLVOL-BEGIN / { begun = 1; next }
/^OVLVOL-TEST / {
	if (intest) { rc = "none"; finish_test() }
	name = $2; file = out "/" name ".tap"
	printf "" > file
	plan = 0; planned = 0; seen = 0; nfail = 0; intest = 1
	next
}
/^OVLVOL-EXIT / && intest && $2 == name { rc = $3; finish_test(); next }
/^OVLVOL-END$/ { ended = 1; next }
intest {
	print > file
	if ($0 ~ /^1\.\.[0-9]+/) {
		plan = substr($1, 4) + 0
		planned = 1
		# "1..0 # SKIP reason": the whole program had nothing to run here.
		if (plan == 0 && $0 ~ /# [Ss][Kk][Ii][Pp]/) skip++
	} else if ($0 ~ /^ok [0-9]+/) {
		seen++
		if ($0 ~ /# [Ss][Kk][Ii][Pp]/) skip++; else pass++
	} else if ($0 ~ /^not ok [0-9]+/) {
		seen++; fail++; nfail++
		printf "%s: %s\n", name, $0
	}
}
END {
	if (intest) {
		fail++
		printf "%s: cut off (guest died while it ran)\n", name
		close(file)
	}
	if (!begun || !ended) {
		fail++
		print "guest did not finish: no end marker on the results port"
	}
	printf "%d %d %d\n", pass, fail, skip > (out "/summary")
}' "$results"

read -r pass fail skip <"$out/summary"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
