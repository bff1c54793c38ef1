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
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/reboot.h>
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

#ifdef OVLCTL_FAULT_POINTS
/*
 * A test build only (make FAULT_POINTS=1): OVLCTL_FAULT=@name crashes the
 * machine here (selftests/vm/fault_guest.sh), after making what ovlctl did
 * so far durable on @fd's filesystem, the worst case for the next boot;
 * nothing else is synced: the page cache of every other filesystem is
 * lost. OVLCTL_FAULT=stop:@name stops this process here instead (SIGSTOP),
 * so that a test can act in the window and let it go on (SIGCONT).
 */
void ovlctl_fault_point(const char *name, int fd)
{
	const char *want = getenv("OVLCTL_FAULT");
	int trigger;

	if (want && !strncmp(want, "stop:", 5) && !strcmp(want + 5, name)) {
		raise(SIGSTOP);
		return;
	}
	if (!want || strcmp(want, name))
		return;
	if (syncfs(fd))
		ovlctl_log(OVLCTL_WARN, "fault %s: syncfs: %s", name,
			   strerror(errno));
	/* sysrq-b, or where the kernel has no sysrq, reboot(2) unsynced */
	trigger = open("/proc/sysrq-trigger", O_WRONLY);
	if (trigger < 0 || write(trigger, "b", 1) != 1)
		reboot(RB_AUTOBOOT);
	sleep(5);
	ovlctl_log(OVLCTL_ERROR, "fault %s: the machine did not crash: %s",
		   name, strerror(errno));
	_exit(OVLCTL_EXIT_ERROR);
}
#endif
