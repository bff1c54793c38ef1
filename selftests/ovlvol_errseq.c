// SPDX-License-Identifier: GPL-2.0
/*
 * The errseq a query reports is the superblock's s_wb_err, raw: a
 * writeback error on ext4 changes it and sets the unseen flag; a third
 * party's syncfs that consumes the error (sets SEEN) must not make it
 * compare equal, SEEN masked, to the sample taken before the error.
 *
 * The error comes from dm-error: ext4 on a dm device over a loop device
 * over a file on /tmp, whose table is switched from linear to error after
 * the mount. Nothing touches the harness's scratch disks.
 */
#include <signal.h>
#include <stdarg.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "ovl_test.h"
#include "ovlvol_test.h"

#define IMG_SIZE (64 << 20)
#define ERRNO_MASK 0xfffU

FIXTURE(errseq)
{
	int dev;
	int loop_fd;
	char img[PATH_MAX];
	char dir[PATH_MAX];
	char loop[64];
	char dm[64];
	bool dm_made;
	bool mounted;
	pid_t child;
};

FIXTURE_SETUP(errseq)
{
	char tmp[PATH_MAX];

	self->dev = -1;
	self->loop_fd = -1;
	self->child = 0;
	ASSERT_EQ(0, vt_private_ns());
	self->dev = ovlvol_test_start();
	if (self->dev == -ENOENT)
		SKIP(return, "ovlvol not loaded and OVLVOL_MODULE not set");
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, ovlvol_test_sh("command -v mkfs.ext4 >/dev/null && "
				    "command -v dmsetup >/dev/null"))
	TH_LOG("mkfs.ext4 and dmsetup are needed (the harness packs them)");

	ASSERT_EQ(0, ovlvol_test_mkdtemp(tmp));
	ASSERT_EQ(0, vt_join(self->img, tmp, "ext4.img"));
	ASSERT_EQ(0, vt_join(self->dir, tmp, "mnt"));
	ASSERT_EQ(0, mkdir(self->dir, 0755));
	ASSERT_EQ(0, ovlvol_test_mkfs_image(self->img, IMG_SIZE, "ext4"));

	self->loop_fd = ovlvol_test_loop_attach(self->img, self->loop,
						sizeof(self->loop));
	ASSERT_LE(0, self->loop_fd);
	snprintf(self->dm, sizeof(self->dm), "ovlvol-err-%d", getpid());
	ASSERT_EQ(0, ovlvol_test_sh(
			     "dmsetup create %s --table '0 %d linear %s 0' && "
			     "dmsetup mknodes %s",
			     self->dm, IMG_SIZE / 512, self->loop, self->dm));
	self->dm_made = true;
	/* noinit_itable: no background reads failing after the switch. */
	ASSERT_EQ(0, mount(strcat(strcpy(tmp, "/dev/mapper/"), self->dm),
			   self->dir, "ext4", 0, "noinit_itable"));
	self->mounted = true;
}

FIXTURE_TEARDOWN(errseq)
{
	if (self->child > 0) {
		kill(self->child, SIGKILL);
		waitpid(self->child, NULL, 0);
	}
	if (self->mounted)
		umount2(self->dir, MNT_DETACH);
	if (self->dm_made)
		ovlvol_test_sh("dmsetup remove --retry %s >/dev/null 2>&1",
			       self->dm);
	if (self->loop_fd >= 0) {
		ioctl(self->loop_fd, LOOP_CLR_FD, 0);
		close(self->loop_fd);
	}
	if (*self->img)
		unlink(self->img);
	ovlvol_test_stop(&self->dev);
}

/* Switch the dm table to "error", without freezing (and so syncing) ext4. */
static int inject_errors(const char *dm)
{
	return ovlvol_test_sh("dmsetup load %s --table '0 %d error' && "
			      "dmsetup suspend --nolockfs --noflush %s && "
			      "dmsetup resume %s",
			      dm, IMG_SIZE / 512, dm, dm);
}

/*
 * A file whose blocks are allocated and on disk, open for writing, so that
 * after the switch to "error" a rewrite needs no metadata read or block
 * allocation and fails only at writeback.
 */
static int prepare_file(const char *dir, const char *name, size_t size)
{
	int fd = vt_create(dir, name);
	char buf[4096];
	size_t done;

	if (fd < 0)
		return fd;
	memset(buf, 'a', sizeof(buf));
	for (done = 0; done < size; done += sizeof(buf)) {
		if (write(fd, buf, sizeof(buf)) != sizeof(buf)) {
			close(fd);
			return -EIO;
		}
	}
	if (fsync(fd)) {
		close(fd);
		return -errno;
	}
	return fd;
}

/* Dirty @size bytes of @fd again; 0 or -errno. */
static int rewrite(int fd, size_t size)
{
	char buf[4096];
	size_t done;

	memset(buf, 'b', sizeof(buf));
	for (done = 0; done < size; done += sizeof(buf))
		if (pwrite(fd, buf, sizeof(buf), done) != sizeof(buf))
			return -errno;
	return 0;
}

TEST_F_TIMEOUT(errseq, writeback_error_then_third_party_syncfs, 120)
{
	struct ovlvol_ident before, after, consumed;
	int go[2], done[2], fd, status;
	char c;
	pid_t pid;

	fd = prepare_file(self->dir, "data", 1 << 20);
	ASSERT_LE(0, fd);

	/* A third party with an fd opened before the error. */
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(done));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int wfd = open(self->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		int ret;

		/* Never outlive the test, whatever it does. */
		alarm(60);
		close(go[1]);
		close(done[0]);
		c = wfd < 0 ? 'e' : 'r';
		if (write(done[1], &c, 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(2);
		ret = syncfs(wfd);
		/* 0: syncfs reported EIO, as it must for an unseen error. */
		_exit(ret == -1 && errno == EIO ? 0 : 1);
	}
	self->child = pid;
	close(go[0]);
	close(done[1]);
	ASSERT_EQ(1, read(done[0], &c, 1));
	ASSERT_EQ('r', c);

	ASSERT_EQ(0, ovlvol_test_ident_path(self->dev, self->dir, &before));
	EXPECT_EQ(0, before.errseq);
	EXPECT_FALSE(before.out_flags & OVLVOL_IDENT_UNSEEN_ERROR);

	ASSERT_EQ(0, inject_errors(self->dm));
	ASSERT_EQ(0, rewrite(fd, 1 << 20));
	/* Writeback fails; fsync consumes the file's error, not the sb's. */
	EXPECT_EQ(-1, fsync(fd));
	EXPECT_EQ(EIO, errno);
	close(fd);

	ASSERT_EQ(0, ovlvol_test_ident_path(self->dev, self->dir, &after));
	EXPECT_EQ(before.sb_instance, after.sb_instance);
	EXPECT_NE(before.errseq, after.errseq);
	EXPECT_EQ(EIO, after.errseq & ERRNO_MASK);
	EXPECT_FALSE(after.errseq & OVL_VOLATILE_ERRSEQ_SEEN);
	EXPECT_TRUE(after.out_flags & OVLVOL_IDENT_UNSEEN_ERROR);
	TH_LOG("errseq %#x -> %#x", before.errseq, after.errseq);

	/* The third party's syncfs reports the error and marks it seen. */
	ASSERT_EQ(1, write(go[1], "g", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	self->child = 0;
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));

	ASSERT_EQ(0, ovlvol_test_ident_path(self->dev, self->dir, &consumed));
	EXPECT_EQ(before.sb_instance, consumed.sb_instance);
	EXPECT_TRUE(consumed.errseq & OVL_VOLATILE_ERRSEQ_SEEN);
	EXPECT_FALSE(consumed.out_flags & OVLVOL_IDENT_UNSEEN_ERROR);
	/* Consuming only sets SEEN ... */
	EXPECT_EQ(after.errseq | OVL_VOLATILE_ERRSEQ_SEEN, consumed.errseq);
	/* ... and the error stays visible against the pre-error sample. */
	EXPECT_NE(before.errseq, consumed.errseq);
	EXPECT_NE(before.errseq & ~OVL_VOLATILE_ERRSEQ_SEEN,
		  consumed.errseq & ~OVL_VOLATILE_ERRSEQ_SEEN);
	TH_LOG("after syncfs: errseq %#x", consumed.errseq);
	close(go[1]);
	close(done[0]);
}

/* Other superblocks keep their errseq: the error belongs to one fs. */
TEST_F_TIMEOUT(errseq, error_stays_on_its_sb, 120)
{
	struct ovlvol_ident id;
	char dir[PATH_MAX];
	int fd;

	ASSERT_EQ(0, ovlvol_test_mount_new(dir, "tmpfs", NULL, 0));
	fd = prepare_file(self->dir, "data", 64 << 10);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, inject_errors(self->dm));
	ASSERT_EQ(0, rewrite(fd, 64 << 10));
	EXPECT_EQ(-1, fsync(fd));
	close(fd);

	ASSERT_EQ(0, ovlvol_test_ident_path(self->dev, self->dir, &id));
	EXPECT_TRUE(id.out_flags & OVLVOL_IDENT_UNSEEN_ERROR);
	ASSERT_EQ(0, ovlvol_test_ident_path(self->dev, dir, &id));
	EXPECT_EQ(0, id.errseq);
	EXPECT_FALSE(id.out_flags & OVLVOL_IDENT_UNSEEN_ERROR);
}

TEST_HARNESS_MAIN
