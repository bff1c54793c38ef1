// SPDX-License-Identifier: GPL-2.0
/*
 * The fault points of the test build (make FAULT_POINTS=1, installed in
 * the guests as /usr/sbin/ovlctl-fault, never packaged): the fault suite
 * crashes the machine at one, a test stops ovlctl at one to act in its
 * window. The normal build compiles none of this (ovlctl.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <unistd.h>

#include "ovlctl.h"

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
