# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the ovlctl host tests: a fake /proc for OVLCTL_PROC_ROOT.
#   fake_pid PROC PID NSINO [ROOT [MOUNTINFO]]
# makes PROC/PID/ns/mnt a symlink "mnt:[NSINO]" (what readlink of the real
# one says), PROC/PID/root a symlink to ROOT and PROC/PID/mountinfo a copy
# of MOUNTINFO; without ROOT the process looks as if it exited meanwhile.

fixtures=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

fake_pid() {
	local proc=$1 pid=$2 ns=$3 root=${4:-} mi=${5:-}
	mkdir -p "$proc/$pid/ns"
	ln -s "mnt:[$ns]" "$proc/$pid/ns/mnt"
	[ -n "$root" ] && ln -s "$root" "$proc/$pid/root"
	[ -n "$mi" ] && cp "$mi" "$proc/$pid/mountinfo"
	return 0
}

# The dirs the fixture mountinfo files name, under ROOT.
fake_host_root() {
	local r=$1
	mkdir -p "$r/up per,comma" "$r/work=eq" "$r/low:colon" "$r/lower\\bs" \
		"$r/lower1" "$r/lower2" "$r/up2" "$r/work2" "$r/data"
}

# The standard tree: host namespace seen by 100 and 101 (same root: one
# view), 102 chrooted in the same namespace (another view of mount 42, whose
# paths do not resolve there), a container namespace (200), a process that
# went away (300) and a non-PID entry.
fake_standard() {
	local t=$1
	mkdir -p "$t/proc/sys" "$t/rootB/l" "$t/rootB/u" "$t/rootB/w" "$t/rootC"
	fake_host_root "$t/rootA"
	fake_pid "$t/proc" 100 4026531840 "$t/rootA" "$fixtures/mountinfo.host"
	fake_pid "$t/proc" 101 4026531840 "$t/rootA" "$fixtures/mountinfo.host"
	fake_pid "$t/proc" 102 4026531840 "$t/rootC" "$fixtures/mountinfo.chroot"
	fake_pid "$t/proc" 200 4026532300 "$t/rootB" "$fixtures/mountinfo.ctr"
	fake_pid "$t/proc" 300 4026532301
}
