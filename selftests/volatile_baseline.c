// SPDX-License-Identifier: GPL-2.0
/*
 * The baseline this project exists to change: stock overlayfs refuses every
 * later mount of an upper/work pair once it was mounted volatile, until
 * somebody deletes work/incompat/volatile, which nothing checks.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/mount.h>

#include "kselftest_harness.h"
#include "ovl_test.h"

#define DIRTY "work/incompat/volatile/dirty"
#define VOLATILE_DIR "work/incompat/volatile"
/* Only on kernels with the patch series, which can reuse a volatile upper */
#define REUSE_PARAM "/sys/module/overlay/parameters/volatile_reuse"

FIXTURE(baseline)
{
	struct vt_layout l;
	char mnt[32];
	int reuse_off;
};

static int set_reuse(const char *val)
{
	int fd = open(REUSE_PARAM, O_WRONLY | O_CLOEXEC);
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, 1) != 1)
		ret = -EIO;
	close(fd);
	return ret;
}

FIXTURE_VARIANT(baseline)
{
	struct vt_fs fs;
};

FIXTURE_VARIANT_ADD(baseline, tmpfs){
	.fs = { .fstype = "tmpfs" },
};

FIXTURE_VARIANT_ADD(baseline, ext4){
	.fs = { .fstype = "ext4", .dev_env = "OVLVOL_SCRATCH_EXT4" },
};

FIXTURE_VARIANT_ADD(baseline, xfs){
	.fs = { .fstype = "xfs", .dev_env = "OVLVOL_SCRATCH_XFS" },
};

FIXTURE_SETUP(baseline)
{
	int err;

	ASSERT_EQ(0, vt_private_ns());
	snprintf(self->mnt, sizeof(self->mnt), "/tmp/ovltest.XXXXXX");
	err = vt_layout_init(&self->l, &variant->fs, self->mnt);
	if (err == -ENXIO)
		SKIP(return, "no %s scratch device (set %s)",
			   variant->fs.fstype, variant->fs.dev_env);
	if (err == -ENODEV)
		SKIP(return, "kernel has no %s", variant->fs.fstype);
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, vt_write_file(self->l.lower, "from-lower", "L"));
}

FIXTURE_TEARDOWN(baseline)
{
	umount2(self->l.merged, MNT_DETACH);
	if (self->reuse_off)
		set_reuse("Y");
}

/* A volatile mount leaves the dirty marker behind when it ends. */
TEST_F(baseline, marker_left_after_volatile)
{
	ASSERT_EQ(0, ovl_test_mount(&self->l, "volatile"));
	ASSERT_TRUE(vt_exists(self->l.work, DIRTY));
	ASSERT_EQ(0, umount(self->l.merged));
	ASSERT_TRUE(vt_exists(self->l.work, DIRTY));
}

/* A non-volatile mount never leaves one, and can be repeated. */
TEST_F(baseline, plain_mount_repeatable)
{
	ASSERT_EQ(0, ovl_test_mount(&self->l, NULL));
	ASSERT_FALSE(vt_exists(self->l.work, DIRTY));
	ASSERT_EQ(0, umount(self->l.merged));
	ASSERT_EQ(0, ovl_test_mount(&self->l, NULL));
	ASSERT_EQ(0, umount(self->l.merged));
}

/*
 * Remounting a volatile upper is refused with EINVAL, volatile or not, and
 * the refusal changes nothing; deleting work/incompat/volatile (what
 * runtimes do today, unchecked) lets the next mount through. A kernel
 * that can reuse the upper (volatile_reuse.c tests that) behaves like
 * stock once reuse is turned off, which is what is checked there.
 */
TEST_F(baseline, remount_refused_until_marker_removed)
{
	char path[PATH_MAX];

	if (access(REUSE_PARAM, F_OK) == 0) {
		ASSERT_EQ(0, set_reuse("N"));
		self->reuse_off = 1;
	}

	ASSERT_EQ(0, ovl_test_mount(&self->l, "volatile"));
	ASSERT_EQ(0, vt_write_file(self->l.merged, "a", "first"));
	ASSERT_EQ(0, vt_write_file(self->l.merged, "b", "second"));
	ASSERT_EQ(0, umount(self->l.merged));

	ASSERT_EQ(-EINVAL, ovl_test_mount(&self->l, "volatile"));
	ASSERT_EQ(-EINVAL, ovl_test_mount(&self->l, NULL));
	ASSERT_TRUE(vt_exists(self->l.work, DIRTY));
	ASSERT_EQ(0, vt_check_file(self->l.upper, "a", "first"));

	ASSERT_EQ(0, vt_join(path, self->l.work, DIRTY));
	ASSERT_EQ(0, unlink(path));
	ASSERT_EQ(0, vt_join(path, self->l.work, VOLATILE_DIR));
	ASSERT_EQ(0, rmdir(path));

	ASSERT_EQ(0, ovl_test_mount(&self->l, "volatile"));
	EXPECT_EQ(0, vt_check_file(self->l.merged, "a", "first"));
	EXPECT_EQ(0, vt_check_file(self->l.merged, "b", "second"));
	EXPECT_EQ(0, vt_check_file(self->l.merged, "from-lower", "L"));
	ASSERT_EQ(0, umount(self->l.merged));
}

TEST_HARNESS_MAIN
