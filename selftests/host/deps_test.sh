#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/deps.sh against package sets that are partly missing, as on a
# fresh machine: the real dpkg-query reads a throwaway dpkg database
# (DPKG_ADMINDIR), and apt-get and sudo are stand-ins on PATH that record
# what they were asked, so nothing is installed. Prints TAP.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
deps=$top/scripts/deps.sh
. "$(dirname "$0")/../tap.sh"

tmp=$(mktemp -d /tmp/ovlvol-deps.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/adm"
for t in apt-get sudo id; do
	cat >"$tmp/bin/$t" <<-'EOF'
		#!/bin/sh
		case $(basename "$0") in
		id) [ -n "${FAKE_UID:-}" ] && [ "$1" = -u ] && { echo "$FAKE_UID"; exit 0; }
			exec /usr/bin/id "$@" ;;
		sudo) echo "sudo $*" >>"$FAKE_LOG"; exec "$@" ;;
		esac
		echo "$(basename "$0") $*" >>"$FAKE_LOG"
		exit 0
	EOF
	chmod +x "$tmp/bin/$t"
done
export FAKE_LOG=$tmp/calls

# A dpkg database holding PKG... as installed, plus one package removed but
# with its configuration left ("rc"), which is not installed either.
dpkg_db() {
	local p
	: >"$tmp/adm/status"
	for p in "$@"; do
		printf 'Package: %s\nStatus: install ok installed\nVersion: 1\nArchitecture: all\nMaintainer: t <t@example.org>\nDescription: t\n\n' \
			"$p" >>"$tmp/adm/status"
	done
	printf 'Package: %s\nStatus: deinstall ok config-files\nVersion: 1\nArchitecture: all\nMaintainer: t <t@example.org>\nDescription: t\n\n' \
		"${removed:-none-removed}" >>"$tmp/adm/status"
}

run() { # ARGS...: deps.sh with the fake database and tools; sets $rc, $out
	: >"$FAKE_LOG"
	out=$(DPKG_ADMINDIR=$tmp/adm PATH=$tmp/bin:$PATH "$deps" "$@" 2>&1)
	rc=$?
	echo "$out" >"$tmp/out"
}
tap_show="$tmp/out $tmp/calls"

echo "TAP version 13"
echo "1..9"

# Nothing installed: --check names every package of the group.
dpkg_db
run --check
all=$(sed -n 's/^missing: //p' "$tmp/out")
ok "$([ $rc = 1 ] && [ -n "$all" ] && [ ! -s "$FAKE_LOG" ] && echo 0 || echo 1)" \
	check_nothing_installed "$(echo $all | wc -w) packages listed"

# Everything installed: silent, exit 0, apt never called.
dpkg_db $all
run
ok "$([ $rc = 0 ] && [ -z "$out" ] && [ ! -s "$FAKE_LOG" ] && echo 0 || echo 1)" \
	all_installed_does_nothing

# Partly missing: one never installed, one removed with its configuration
# kept, one unknown to dpkg altogether. --check lists exactly those.
set -- $all
drop="${2:-} ${5:-} ${!#}"
removed=${5:-}
dpkg_db $(for p in $all; do case " $drop " in *" $p "*) ;; *) echo "$p" ;; esac; done)
run --check
ok "$([ $rc = 1 ] && [ "$out" = "missing: $drop" ] && [ ! -s "$FAKE_LOG" ] && echo 0 || echo 1)" \
	check_partly_missing "$drop"

# The same set installs exactly the missing packages.
run
inst=$(sed -n 's/^apt-get .*install -y -q --no-install-recommends //p' "$FAKE_LOG")
ok "$([ $rc = 0 ] && [ "$inst" = "$drop" ] && grep -q '^apt-get .*update' "$FAKE_LOG" &&
	echo 0 || echo 1)" install_partly_missing "apt-get install $inst"
removed=

# As a user: through sudo, every apt-get call.
FAKE_UID=1000 run
nsudo=$(grep -c '^sudo env DEBIAN_FRONTEND=noninteractive apt-get ' "$FAKE_LOG")
napt=$(grep -c '^apt-get ' "$FAKE_LOG")
ok "$([ $rc = 0 ] && [ "$nsudo" -ge 2 ] && [ "$nsudo" = "$napt" ] && echo 0 || echo 1)" \
	install_as_user_through_sudo "$nsudo sudo calls, $napt apt-get calls"

# Nothing kernel-related is ever installed on the host, whatever the groups.
dpkg_db
run test deb fresh
bad=$(cat "$FAKE_LOG" "$tmp/out" | grep -Eo 'linux-(image|headers|kbuild|modules)[^ ]*')
ok "$([ $rc = 0 ] && grep -q 'install' "$FAKE_LOG" && [ -z "$bad" ] && echo 0 || echo 1)" \
	no_kernel_packages_on_host "${bad:-none}"

# A group of its own: deb asks for the packaging tools and debian/control's
# Build-Depends (as dpkg-checkbuilddeps reads them), nothing of the guests;
# it installs the latter with apt-get build-dep on the tree.
run --check deb
ok "$([ $rc = 1 ] && echo "$out" | grep -qw lintian &&
	echo "$out" | grep -qw dh-sequence-dkms && echo "$out" | grep -qw libmount-dev &&
	! echo "$out" | grep -qw qemu-system-x86 && echo 0 || echo 1)" check_group_deb
run deb
ok "$([ $rc = 0 ] && grep -q "^apt-get build-dep .*$top\$" "$FAKE_LOG" &&
	grep -q '^apt-get install .*lintian' "$FAKE_LOG" && echo 0 || echo 1)" install_group_deb

run --check nosuchgroup
ok "$([ $rc = 2 ] && echo "$out" | grep -q "unknown group" && echo 0 || echo 1)" \
	unknown_group_is_usage

[ $failed = 0 ]
