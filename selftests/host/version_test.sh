#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# One version: the top Makefile's PACKAGE_VERSION (ovlctl's --version, the
# DKMS source dir) is what every copy that must be written out says:
# dkms.conf (DKMS reads it), debian/changelog (dpkg), ovlctl(8). Prints TAP.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/../tap.sh"

want=$(sed -n 's/^PACKAGE_VERSION := //p' "$top/Makefile")
echo "TAP version 13"
echo "1..5"
ok "$([ -n "$want" ] && echo 0 || echo 1)" makefile "${want:-no PACKAGE_VERSION}"

got=$(sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$top/dkms.conf")
ok "$([ "$got" = "$want" ] && echo 0 || echo 1)" dkms_conf "$got"

# The upstream part of the newest entry: NAME (VERSION[-REVISION]) ...
got=$(sed -n '1s/^[^ ]* (\([^)-]*\).*/\1/p' "$top/debian/changelog")
ok "$([ "$got" = "$want" ] && echo 0 || echo 1)" debian_changelog "$got"

got=$(sed -n 's/^\.TH OVLCTL 8 "[^"]*" "ovlctl \([^"]*\)".*/\1/p' "$top/tools/ovlctl/ovlctl.8")
ok "$([ "$got" = "$want" ] && echo 0 || echo 1)" man_page "$got"

got=$(make -s -C "$top/tools/ovlctl" --no-print-directory -f Makefile \
	-f - print-version <<<'print-version: ; @echo $(VERSION)' 2>/dev/null)
ok "$([ "$got" = "$want" ] && echo 0 || echo 1)" ovlctl_makefile "$got"

[ $failed = 0 ]
