// SPDX-License-Identifier: GPL-2.0
/*
 * OVLVOL_IOC_IDENT: one id per superblock instance. The same id for every
 * way of reaching one superblock (files, dirs, O_PATH fds, bind mounts,
 * other mount namespaces, remounts); different ids for different
 * superblocks; a new id for every new superblock of the same device or type.
 */
#include <sched.h>
#include <stdint.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "ovl_test.h"
#include "ovlvol_test.h"

FIXTURE(ident)
{
	int dev;
};

FIXTURE_SETUP(ident)
{
	OVLVOL_TEST_SETUP(self->dev);
}

FIXTURE_TEARDOWN(ident)
{
	ovlvol_test_stop(&self->dev);
}

/*
 * One id space per boot: on a kernel with the series (which numbers
 * superblocks itself) the module hands out the kernel's id and error
 * count, and attaches no marks; on a stock kernel it numbers them itself.
 */
TEST_F(ident, kernel_ids_when_the_kernel_has_them)
{
	struct ovlvol_ident id;
	struct ovl_sb_ids k;
	char dir[PATH_MAX];

	ASSERT_EQ(0, ovlvol_test_mount_new(dir, "tmpfs", NULL, 0));
	ASSERT_EQ(0, ovlvol_test_ident_path(self->dev, dir, &id));
	if (ovl_fs_instance(dir, &k)) {
		EXPECT_FALSE(id.out_flags & OVLVOL_IDENT_KERNEL_ID);
		EXPECT_EQ(0, umount(dir));
		return;
	}
	EXPECT_TRUE(id.out_flags & OVLVOL_IDENT_KERNEL_ID)
	TH_LOG("the kernel numbers superblocks, the module did not take its ids");
	EXPECT_EQ(k.id, id.sb_instance);
	EXPECT_EQ(k.fs_errors, id.fs_errors);
	EXPECT_EQ(0, umount(dir));
}

/* Every output field of a successful query holds what the uapi promises. */
TEST_F(ident, fields)
{
	struct ovlvol_ident id;
	char dir[PATH_MAX];
	__u8 nonce[16], zero[16] = { 0 };

	ASSERT_EQ(0, ovlvol_test_mount_new(dir, "tmpfs", NULL, 0));
	memset(&id, 0xa5, sizeof(id));
	ASSERT_EQ(0, ovlvol_test_ident_path(self->dev, dir, &id));
	EXPECT_EQ(sizeof(id), id.size);
	EXPECT_EQ(OVLVOL_IOC_V1, id.version);
	EXPECT_EQ(0, id.flags);
	EXPECT_NE(0, id.sb_instance);
	EXPECT_EQ(0, id.errseq);
	EXPECT_EQ(0, id.out_flags & ~(OVLVOL_IDENT_KERNEL_ID |
				      OVLVOL_IDENT_GENERATION |
				      OVLVOL_IDENT_FS_ERRORS));
	EXPECT_TRUE(id.out_flags & OVLVOL_IDENT_GENERATION);
	EXPECT_TRUE(id.out_flags & OVLVOL_IDENT_FS_ERRORS);
	EXPECT_EQ(0, id.fs_errors);
	EXPECT_EQ(0, id.reserved);
	EXPECT_EQ(OVL_VOLATILE_AUTH_MODULE, id.authority);
	/*
	 * The generation is the inode's: tmpfs puts i_generation first in its
	 * file handles (shmem_encode_fh()).
	 */
	{
		union {
			struct file_handle fh;
			char buf[sizeof(struct file_handle) + MAX_HANDLE_SZ];
		} h = { .fh.handle_bytes = MAX_HANDLE_SZ };
		int mnt_id;
		__u32 gen;

		ASSERT_EQ(0,
			  name_to_handle_at(AT_FDCWD, dir, &h.fh, &mnt_id, 0));
		ASSERT_LE(4, h.fh.handle_bytes);
		memcpy(&gen, h.fh.f_handle, sizeof(gen));
		EXPECT_EQ(gen, id.generation);
	}

	/* The nonce: the one NONCE returns, a random (version 4) UUID. */
	ASSERT_EQ(0, ovlvol_test_nonce(self->dev, nonce));
	EXPECT_EQ(0, memcmp(nonce, id.nonce, sizeof(nonce)));
	EXPECT_NE(0, memcmp(nonce, zero, sizeof(nonce)));
	EXPECT_EQ(4, nonce[6] >> 4);
	EXPECT_EQ(2, nonce[8] >> 6);
}

/*
 * In a forked child: a new mount namespace (a copy of ours), bind mount
 * @sub there, and report the id of @path and of the bind mount.
 */
static int ids_from_other_ns(int dev, const char *path, const char *sub,
			     __u64 out[2])
{
	int pfd[2], status;
	pid_t pid;

	if (pipe(pfd))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		char bind[PATH_MAX];
		__u64 ids[2];

		close(pfd[0]);
		if (vt_private_ns() || ovlvol_test_mkdtemp(bind) ||
		    mount(sub, bind, NULL, MS_BIND, NULL))
			_exit(1);
		ids[0] = ovlvol_test_sb_id(dev, path);
		ids[1] = ovlvol_test_sb_id(dev, bind);
		/* One write: the parent reads once. */
		_exit(write(pfd[1], ids, sizeof(ids)) != sizeof(ids));
	}
	close(pfd[1]);
	if (read(pfd[0], out, 2 * sizeof(*out)) != 2 * sizeof(*out))
		out[0] = out[1] = 0;
	close(pfd[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return -ECHILD;
	return 0;
}

TEST_F(ident, same_sb_every_path)
{
	char dir[PATH_MAX], sub[PATH_MAX], file[PATH_MAX], lnk[PATH_MAX];
	char fifo[PATH_MAX], bind[PATH_MAX], robind[PATH_MAX];
	struct ovlvol_ident id;
	__u64 want, other[2];
	int fd, dev2;

	ASSERT_EQ(0, ovlvol_test_mount_new(dir, "tmpfs", NULL, 0));
	ASSERT_EQ(0, vt_join(sub, dir, "sub"));
	ASSERT_EQ(0, vt_join(file, sub, "file"));
	ASSERT_EQ(0, vt_join(lnk, dir, "link"));
	ASSERT_EQ(0, vt_join(fifo, dir, "fifo"));
	ASSERT_EQ(0, mkdir(sub, 0755));
	ASSERT_EQ(0, vt_write_file(sub, "file", "x"));
	ASSERT_EQ(0, symlink("/nonexistent", lnk));
	ASSERT_EQ(0, mkfifo(fifo, 0600));

	want = ovlvol_test_sb_id(self->dev, dir);
	ASSERT_NE(0, want);

	/* Files, dirs, a dangling symlink and a fifo on it, by O_PATH. */
	EXPECT_EQ(want, ovlvol_test_sb_id(self->dev, sub));
	EXPECT_EQ(want, ovlvol_test_sb_id(self->dev, file));
	EXPECT_EQ(want, ovlvol_test_sb_id(self->dev, fifo));
	fd = open(lnk, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ovlvol_test_ident(self->dev, fd, &id));
	EXPECT_EQ(want, id.sb_instance);
	close(fd);

	/* Ordinary open files. */
	fd = open(file, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ovlvol_test_ident(self->dev, fd, &id));
	EXPECT_EQ(want, id.sb_instance);
	close(fd);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ovlvol_test_ident(self->dev, fd, &id));
	EXPECT_EQ(want, id.sb_instance);
	close(fd);

	/* Bind mounts, also a read-only one (the superblock stays rw). */
	ASSERT_EQ(0, ovlvol_test_mkdtemp(bind));
	ASSERT_EQ(0, mount(sub, bind, NULL, MS_BIND, NULL));
	EXPECT_EQ(want, ovlvol_test_sb_id(self->dev, bind));
	ASSERT_EQ(0, ovlvol_test_mkdtemp(robind));
	ASSERT_EQ(0, mount(dir, robind, NULL, MS_BIND, NULL));
	ASSERT_EQ(0, mount(NULL, robind, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY,
			   NULL));
	ASSERT_EQ(0, ovlvol_test_ident_path(self->dev, robind, &id));
	EXPECT_EQ(want, id.sb_instance);
	EXPECT_EQ(0, id.out_flags & OVLVOL_IDENT_RDONLY);

	/* Another mount namespace, and a bind mount made in there. */
	ASSERT_EQ(0, ids_from_other_ns(self->dev, dir, sub, other));
	EXPECT_EQ(want, other[0]);
	EXPECT_EQ(want, other[1]);

	/* Another open file description of the device. */
	dev2 = ovlvol_test_open_dev();
	ASSERT_LE(0, dev2);
	EXPECT_EQ(want, ovlvol_test_sb_id(dev2, file));
	close(dev2);

	/* Unmounting one bind mount does not end the superblock. */
	ASSERT_EQ(0, umount(bind));
	EXPECT_EQ(want, ovlvol_test_sb_id(self->dev, robind));
	EXPECT_EQ(want, ovlvol_test_sb_id(self->dev, file));
}

/* A remount changes flags of the superblock, not the superblock. */
TEST_F(ident, remount_keeps_id)
{
	struct ovlvol_ident id;
	char dir[PATH_MAX];
	__u64 want;

	ASSERT_EQ(0, ovlvol_test_mount_new(dir, "tmpfs", NULL, 0));
	want = ovlvol_test_sb_id(self->dev, dir);
	ASSERT_NE(0, want);
	ASSERT_EQ(0, mount(NULL, dir, NULL, MS_REMOUNT | MS_RDONLY, NULL));
	ASSERT_EQ(0, ovlvol_test_ident_path(self->dev, dir, &id));
	EXPECT_EQ(want, id.sb_instance);
	EXPECT_TRUE(id.out_flags & OVLVOL_IDENT_RDONLY);
	ASSERT_EQ(0, mount(NULL, dir, NULL, MS_REMOUNT, NULL));
	ASSERT_EQ(0, ovlvol_test_ident_path(self->dev, dir, &id));
	EXPECT_EQ(want, id.sb_instance);
	EXPECT_FALSE(id.out_flags & OVLVOL_IDENT_RDONLY);
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

/* Number of values that occur more than once in @v (sorts it). */
static int count_dups(__u64 *v, int n)
{
	int i, dups = 0;

	qsort(v, n, sizeof(*v), cmp_u64);
	for (i = 1; i < n; i++)
		dups += v[i] == v[i - 1];
	return dups;
}

/* Mount the scratch disk of @fstype; returns 0, -ENXIO without a disk. */
static int mount_scratch(char *dir, const char *fstype, const char *env)
{
	const char *dev = getenv(env);

	if (!dev || !*dev)
		return -ENXIO;
	return ovlvol_test_mount_new(dir, fstype, dev, 0);
}

/* Different superblocks, also of one type, never share an id. */
TEST_F(ident, distinct_sbs)
{
	char a[PATH_MAX], b[PATH_MAX], ext4[PATH_MAX], xfs[PATH_MAX];
	char mnt[] = "/tmp/ovlvol-ovl.XXXXXX";
	__u64 ids[16];
	int n = 0, i;
	struct vt_layout l;
	struct vt_fs tmpfs = { .fstype = "tmpfs" };

	ASSERT_EQ(0, ovlvol_test_mount_new(a, "tmpfs", NULL, 0));
	ASSERT_EQ(0, ovlvol_test_mount_new(b, "tmpfs", NULL, 0));
	ids[n++] = ovlvol_test_sb_id(self->dev, a);
	ids[n++] = ovlvol_test_sb_id(self->dev, b);
	ids[n++] = ovlvol_test_sb_id(self->dev, "/");
	ids[n++] = ovlvol_test_sb_id(self->dev, "/proc");
	ids[n++] = ovlvol_test_sb_id(self->dev, "/sys");

	if (mount_scratch(ext4, "ext4", "OVLVOL_SCRATCH_EXT4") == -ENXIO)
		TH_LOG("no ext4 scratch disk: not compared");
	else
		ids[n++] = ovlvol_test_sb_id(self->dev, ext4);
	if (mount_scratch(xfs, "xfs", "OVLVOL_SCRATCH_XFS") == -ENXIO)
		TH_LOG("no xfs scratch disk: not compared");
	else
		ids[n++] = ovlvol_test_sb_id(self->dev, xfs);

	/* An overlay is a superblock of its own, apart from its upper. */
	ASSERT_EQ(0, vt_layout_init(&l, &tmpfs, mnt));
	ASSERT_EQ(0, ovl_test_mount(&l, NULL));
	ids[n++] = ovlvol_test_sb_id(self->dev, l.merged);
	ids[n++] = ovlvol_test_sb_id(self->dev, l.upper);

	for (i = 0; i < n; i++)
		EXPECT_NE(0, ids[i]) TH_LOG("id %d failed", i);
	EXPECT_EQ(0, count_dups(ids, n));
	umount2(l.merged, MNT_DETACH);
}

/*
 * @cycles times: mount a new superblock of @fstype from @src on @dir, query
 * it, unmount it. Every id must be new and larger than all before.
 */
static void cycle_mounts(struct __test_metadata *_metadata, int dev,
			 const char *fstype, const char *src, int cycles)
{
	char dir[PATH_MAX];
	__u64 *ids;
	double t0 = ovlvol_test_now();
	int i;

	ids = calloc(cycles, sizeof(*ids));
	ASSERT_NE(NULL, ids);
	ASSERT_EQ(0, ovlvol_test_mkdtemp(dir));
	for (i = 0; i < cycles; i++) {
		ASSERT_EQ(0, mount(src, dir, fstype, 0, NULL))
		TH_LOG("cycle %d: mount: %s", i, strerror(errno));
		ids[i] = ovlvol_test_sb_id(dev, dir);
		/* Twice: the second query finds the mark of the first. */
		ASSERT_EQ(ids[i], ovlvol_test_sb_id(dev, dir));
		ASSERT_EQ(0, umount(dir)) TH_LOG("cycle %d", i);
		ASSERT_NE(0, ids[i]) TH_LOG("cycle %d", i);
		if (i)
			ASSERT_LT(ids[i - 1], ids[i]) TH_LOG("cycle %d", i);
	}
	TH_LOG("%s: %d cycles, ids %llu..%llu, %.1f s", fstype, cycles,
	       (unsigned long long)ids[0], (unsigned long long)ids[cycles - 1],
	       ovlvol_test_now() - t0);
	EXPECT_EQ(0, count_dups(ids, cycles));
	free(ids);
	rmdir(dir);
}

TEST_F_TIMEOUT(ident, tmpfs_1000_cycles, 600)
{
	cycle_mounts(_metadata, self->dev, "tmpfs", "tmpfs", 1000);
}

TEST_F_TIMEOUT(ident, ext4_remount_cycles, 600)
{
	const char *disk = getenv("OVLVOL_SCRATCH_EXT4");
	char a[PATH_MAX], b[PATH_MAX];
	__u64 id;

	if (!disk || !*disk)
		SKIP(return, "no ext4 scratch disk (OVLVOL_SCRATCH_EXT4)");
	/* Two mounts of one device at once share the superblock. */
	ASSERT_EQ(0, ovlvol_test_mount_new(a, "ext4", disk, 0));
	ASSERT_EQ(0, ovlvol_test_mount_new(b, "ext4", disk, 0));
	id = ovlvol_test_sb_id(self->dev, a);
	ASSERT_NE(0, id);
	EXPECT_EQ(id, ovlvol_test_sb_id(self->dev, b));
	ASSERT_EQ(0, umount(a));
	EXPECT_EQ(id, ovlvol_test_sb_id(self->dev, b));
	ASSERT_EQ(0, umount(b));

	cycle_mounts(_metadata, self->dev, "ext4", disk, 50);
	/* The first superblock of the device ended before the cycles. */
	ASSERT_EQ(0, mount(disk, a, "ext4", 0, NULL));
	EXPECT_LT(id, ovlvol_test_sb_id(self->dev, a));
	ASSERT_EQ(0, umount(a));
}

TEST_F_TIMEOUT(ident, xfs_remount_cycles, 600)
{
	const char *disk = getenv("OVLVOL_SCRATCH_XFS");

	if (!disk || !*disk)
		SKIP(return, "no xfs scratch disk (OVLVOL_SCRATCH_XFS)");
	cycle_mounts(_metadata, self->dev, "xfs", disk, 20);
}

TEST_HARNESS_MAIN
