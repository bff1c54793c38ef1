#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The checkpoint part of include/uapi/linux/ovl_volatile.h, as the upstream
# series' selftests carry it (ovl_volatile.h beside them): its own first
# comment and guard, then every line of the project's header from the
# checkpoint's comment to the end, less the out-of-tree module's ioctl
# interface, which has no place upstream. Used by gen-selftests.sh and
# selftests/host/patches_sync_test.sh.
top=$(cd "$(dirname "$0")/.." && pwd)
cat <<'HDR'
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
awk '/^ \* The checkpoint: recorded/ { on = 1; print "/*" }
	/^ \* The ovlvol module.s misc device/ { skip = 1; drop_open = 1 }
	/^#endif/ { skip = 0; print "#endif /* OVL_VOLATILE_H */"; exit }
	on { line[++n] = $0; keep[n] = !skip }
	drop_open { keep[n - 1] = 0; drop_open = 0 }
	END { for (i = 1; i <= n; i++) if (keep[i]) print line[i] }' \
	"$top/include/uapi/linux/ovl_volatile.h" >/tmp/.ovl-uh.$$
# The #endif line is printed by awk before END: put it last
grep -v '^#endif /\* OVL_VOLATILE_H \*/$' /tmp/.ovl-uh.$$
echo '#endif /* OVL_VOLATILE_H */'
rm -f /tmp/.ovl-uh.$$
