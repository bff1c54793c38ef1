# SPDX-License-Identifier: GPL-2.0
#
# TAP for the shell tests, on the host and in the guests (busybox sh).
# Sourced; $n counts the tests, $failed the failures.
#   ok STATUS NAME [NOTE]   "ok N NAME" when STATUS is 0, else "not ok N NAME"
#                           followed by the files named in $tap_show (say,
#                           what the command under test printed) as comments
#   skip NAME WHY           "ok N NAME # SKIP WHY"
n=0
failed=0
tap_show=

ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n $2${3:+ # $3}"
		return 0
	fi
	echo "not ok $n $2${3:+ # $3}"
	failed=$((failed + 1))
	for _tap_f in $tap_show; do
		[ -s "$_tap_f" ] && sed "s|^|#  ${_tap_f##*/}: |" "$_tap_f"
	done
	return 0
}

skip() {
	n=$((n + 1))
	echo "ok $n $1 # SKIP $2"
}
