// SPDX-License-Identifier: GPL-2.0
/*
 * Is an upper/work pair used by an overlay? One answer for the verdict,
 * discard (before and after emptying) and gc, so that none of them asks
 * less than the others.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core.h"
#include "ovlctl.h"

static const char held_by_kernel[] =
	"an overlay overlayfs still holds (mounted, lazily unmounted or in another mount namespace)";

int ovlctl_pair_in_use(int upper_fd, int work_fd, bool load, char **who,
		       int *which)
{
	const int fds[2] = { upper_fd, work_fd };
	struct ovlctl_dirid id = { .valid = true };
	struct stat sb;
	int i, err = 0;

	*who = NULL;
	*which = 0;
	/* Loads ovlvol on a stock kernel, so that its answer is there. */
	if (load)
		ovlctl_authority(true);
	/*
	 * The kernel's own lock first, where the ovlvol module can read it:
	 * exact, also for an overlay lazily unmounted or held only in another
	 * mount namespace, which no mountinfo shows. It misses an index=off
	 * mount that shares the dirs without the lock, hence the scan too.
	 */
	for (i = 0; i < 2; i++) {
		if (ovlctl_kernel_in_use(fds[i]) > 0) {
			*which = i;
			*who = strdup(held_by_kernel);
			return 1;
		}
	}
	for (i = 0; i < 2 && !err; i++) {
		*which = i;
		if (fstat(fds[i], &sb))
			return -errno;
		id.dev = sb.st_dev;
		id.ino = sb.st_ino;
		err = ovlctl_dir_in_use(&id, who);
		if (!err) {
			free(*who);
			*who = NULL;
		}
	}
	return err;
}
