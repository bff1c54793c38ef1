#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The guest verdict can only be a pass when the results port says so:
# feed selftests/vm/collect.sh framed outputs and check its counts and exit
# status for each way a guest run can go wrong. Prints TAP.
set -u

collect=$(cd "$(dirname "$0")/../vm" && pwd)/collect.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
failed=0

# case NAME EXPECTED_SUMMARY EXPECTED_EXIT <<< framed results
case_() {
	local name=$1 want=$2 want_rc=$3 got rc
	n=$((n + 1))
	cat >"$tmp/results"
	rm -rf "$tmp/out"
	"$collect" "$tmp/results" "$tmp/out" >"$tmp/log" 2>&1
	rc=$?
	got=$(cat "$tmp/out/summary" 2>/dev/null)
	if [ "$got" = "$want" ] && [ $rc = "$want_rc" ]; then
		echo "ok $n $name"
	else
		echo "not ok $n $name"
		echo "# summary '$got' (want '$want'), exit $rc (want $want_rc)"
		sed 's/^/# /' "$tmp/log"
		failed=$((failed + 1))
	fi
}

echo "TAP version 13"
echo "1..11"

case_ all_pass_and_skip "1 0 1" 0 <<'EOF2'
OVLVOL-BEGIN 6.12
OVLVOL-TEST a
TAP version 13
1..2
ok 1 a.one
ok 2 a.two # SKIP no xfs
OVLVOL-EXIT a 0
OVLVOL-END
EOF2

case_ failing_case "1 1 0" 1 <<'EOF2'
OVLVOL-BEGIN 6.12
OVLVOL-TEST a
1..2
ok 1 a.one
not ok 2 a.two
OVLVOL-EXIT a 1
OVLVOL-END
EOF2

case_ no_end_marker_is_a_failure "1 1 0" 1 <<'EOF2'
OVLVOL-BEGIN 6.12
OVLVOL-TEST a
1..1
ok 1 a.one
OVLVOL-EXIT a 0
EOF2

case_ empty_port_is_a_failure "0 1 0" 1 </dev/null

case_ cut_off_mid_test "1 2 0" 1 <<'EOF2'
OVLVOL-BEGIN 6.12
OVLVOL-TEST a
1..3
ok 1 a.one
EOF2

case_ fewer_cases_than_planned "2 1 0" 1 <<'EOF2'
OVLVOL-BEGIN 6.12
OVLVOL-TEST a
1..3
ok 1 a.one
ok 2 a.two
OVLVOL-EXIT a 0
OVLVOL-END
EOF2

case_ nonzero_exit_without_failing_case "1 1 0" 1 <<'EOF2'
OVLVOL-BEGIN 6.12
OVLVOL-TEST a
1..1
ok 1 a.one
OVLVOL-EXIT a 139
OVLVOL-END
EOF2

case_ no_plan_is_a_failure "0 1 0" 1 <<'EOF2'
OVLVOL-BEGIN 6.12
OVLVOL-TEST a
Segmentation fault
OVLVOL-EXIT a 0
OVLVOL-END
EOF2

# Only lines inside a test's frame count: stray "ok" lines (as console
# noise would be) never add a pass.
case_ unframed_ok_lines_do_not_count "1 0 0" 0 <<'EOF2'
ok 1 forged
OVLVOL-BEGIN 6.12
ok 2 forged
OVLVOL-TEST a
1..1
ok 1 a.one
OVLVOL-EXIT a 0
ok 3 forged
OVLVOL-END
EOF2

case_ whole_program_skipped "0 0 1" 0 <<'EOF2'
OVLVOL-BEGIN 6.12
OVLVOL-TEST a
1..0 # SKIP nothing to test here
OVLVOL-EXIT a 0
OVLVOL-END
EOF2

case_ empty_plan_without_skip_passes_nothing "0 0 0" 0 <<'EOF2'
OVLVOL-BEGIN 6.12
OVLVOL-TEST a
1..0
OVLVOL-EXIT a 0
OVLVOL-END
EOF2

[ $failed = 0 ]
