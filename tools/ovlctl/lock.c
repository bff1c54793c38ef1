// SPDX-License-Identifier: GPL-2.0
/*
 * One ovlctl at a time per workdir. The lock is flock(LOCK_EX) on the
 * workdir itself: it follows the inode, not the path, so two spellings of
 * one dir (symlinks, bind mounts) still exclude each other, and discard
 * keeps the inode (it only empties the dir), so the lock holds across it.
 * The kernel drops it when the holder exits, crashed or not: no stale
 * lock files. It is advisory: it orders ovlctl against ovlctl (mount,
 * umount --seal, discard, gc), not against a plain mount(8).
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "ovlctl.h"

/*
 * ovlctl_lock_workdir() - lock @workdir for this process
 * @workdir: the overlay workdir (symlinks followed)
 * @wait: block until the holder lets go, else fail at once
 *
 * Returns the fd holding the lock (close it to unlock; it is O_CLOEXEC, so
 * a mount helper we exec does not inherit it), -EWOULDBLOCK when another
 * process holds it and !@wait, or -errno (-ENOTDIR, -ENOENT, -EACCES...).
 */
int ovlctl_lock_workdir(const char *workdir, bool wait)
{
	int fd = open(workdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int err;

	if (fd < 0)
		return -errno;
	while (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB))) {
		err = errno;
		if (err == EINTR)
			continue;
		close(fd);
		return err == EAGAIN ? -EWOULDBLOCK : -err;
	}
	return fd;
}
