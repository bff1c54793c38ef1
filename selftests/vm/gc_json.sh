# SPDX-License-Identifier: GPL-2.0
#
# Reading `ovlctl -J gc` in the guests' shell tests (busybox sh, no JSON
# tool). Sourced.
#   gc ROOT [ARGS...]      the exit status of ovlctl -J gc --root ROOT ARGS,
#                          its JSON in /tmp/gc.json (and with its stderr in
#                          /tmp/out)
#   gcf PAIR KEY           that column of the row of ROOT/PAIR
#   gcrow PAIR STATE ACTION REASON   the row of ROOT/PAIR says so
#   listed PAIR            ROOT/PAIR has a row
# gc runs in a command substitution: its ROOT goes through a file.
gc() {
	echo "$1" >/tmp/gc.root
	ovlctl -J gc --root "$@" >/tmp/gc.json 2>/tmp/gc.err
	echo $?
	cat /tmp/gc.json /tmp/gc.err >/tmp/out
}
gcf() {
	awk -v pair="$(cat /tmp/gc.root)/$1" -v key="$2" '
		match($0, /"pair": "[^"]*"/) { cur = substr($0, RSTART + 9, RLENGTH - 10) }
		cur == pair && index($0, "\"" key "\": ") {
			v = $0; sub(/^[^:]*: /, "", v); sub(/,$/, "", v); gsub(/^"|"$/, "", v)
			print v; exit
		}' /tmp/gc.json
}
gcrow() { [ "$(gcf "$1" state) $(gcf "$1" action) $(gcf "$1" reason)" = "$2 $3 $4" ]; }
listed() { grep -q "\"pair\": \"$(cat /tmp/gc.root)/$1\"" /tmp/gc.json; }
