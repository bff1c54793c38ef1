#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The checkpoint part of include/uapi/linux/ovl_volatile.h, as the upstream
# series' selftests carry it (ovl_volatile.h beside them): its own first
# comment and guard, then every line of the project's header from the
# checkpoint's comment to the end, less the out-of-tree module's ioctl
# interface, which has no place upstream. Used by gen-selftests.sh and
# selftests/host/patches_sync_test.sh. Fails rather than print a header
# without the checkpoint or with anything of the module's.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$( {
	cat <<-'HDR'
		/* SPDX-License-Identifier: GPL-2.0 */
		/*
		 * The volatile checkpoint of overlayfs as the tests read and forge it:
		 * fs/overlayfs keeps its own definition private, and
		 * Documentation/filesystems/overlayfs.rst describes it.
		 */
		#ifndef OVL_VOLATILE_H
		#define OVL_VOLATILE_H

		#include <linux/types.h>

	HDR
	awk '/^ \* The checkpoint: recorded/ { on = 1; line[++n] = "/*"; keep[n] = 1 }
		/^ \* The ovlvol module.s misc device/ { skip = 1; keep[n] = 0 }
		/^#endif/ { exit }
		on { line[++n] = $0; keep[n] = !skip }
		END {
			for (i = 1; i <= n; i++)
				if (keep[i])
					print line[i]
			print "#endif /* OVL_VOLATILE_H */"
		}' "$top/include/uapi/linux/ovl_volatile.h"
} )
if ! grep -q '^struct ovl_volatile_ckpt {' <<<"$out" ||
	grep -q 'OVLVOL_\|ovlvol_' <<<"$out"; then
	echo "upstream-header.sh: cannot split include/uapi/linux/ovl_volatile.h" >&2
	exit 1
fi
printf '%s\n' "$out"
