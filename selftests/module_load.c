// SPDX-License-Identifier: GPL-2.0
/*
 * Smoke test: the project module loads and unloads cleanly, repeatedly.
 * The harness passes the module's path in OVLVOL_MODULE.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"

static int load(const char *path)
{
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, "", 0);
	ret = ret ? -errno : 0;
	close(fd);
	return ret;
}

static int unload(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? -errno : 0;
}

static int loaded(void)
{
	struct stat st;

	return stat("/sys/module/ovlvol", &st) == 0;
}

TEST(load_unload_cycles)
{
	const char *path = getenv("OVLVOL_MODULE");
	int i;

	if (!path)
		SKIP(return,
			   "OVLVOL_MODULE not set: not running in the harness");
	if (loaded())
		ASSERT_EQ(0, unload("ovlvol"));
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(0, load(path)) TH_LOG("cycle %d", i);
		ASSERT_TRUE(loaded());
		ASSERT_EQ(-EEXIST, load(path));
		ASSERT_EQ(0, unload("ovlvol"));
		ASSERT_FALSE(loaded());
	}
	ASSERT_EQ(-ENOENT, unload("ovlvol"));
}

TEST_HARNESS_MAIN
