// SPDX-License-Identifier: GPL-2.0
/*
 * Strict input checking of /dev/ovlvol and who may use it: wrong sizes,
 * versions and flags fail with EINVAL and leave the caller's struct as it
 * was; bad fds with EBADF; unknown commands with ENOTTY; bad pointers with
 * EFAULT. The device is root's (0600); OVLVOL_IOC_IDENT needs CAP_SYS_ADMIN
 * over the user namespace owning the superblock, OVLVOL_IOC_NONCE nothing.
 */
#include <linux/capability.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "ovl_test.h"
#include "ovlvol_test.h"

FIXTURE(bad)
{
	int dev;
	int fd; /* a good fd: the fixture's tmpfs */
	char dir[PATH_MAX];
};

FIXTURE_SETUP(bad)
{
	self->fd = -1;
	OVLVOL_TEST_SETUP(self->dev);
	ASSERT_EQ(0, ovlvol_test_mount_new(self->dir, "tmpfs", NULL, 0));
	self->fd = open(self->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(bad)
{
	if (self->fd >= 0)
		close(self->fd);
	ovlvol_test_stop(&self->dev);
}

/*
 * IDENT with @id as input: -errno, and whether the struct came back
 * untouched (on failure it must).
 */
static int ident_raw(int dev, struct ovlvol_ident *id, bool *untouched)
{
	struct ovlvol_ident copy = *id;
	int ret = ioctl(dev, OVLVOL_IOC_IDENT, id) ? -errno : 0;

	*untouched = !memcmp(&copy, id, sizeof(copy));
	return ret;
}

TEST_F(bad, ident_good_baseline)
{
	struct ovlvol_ident id;
	bool untouched;

	ovlvol_test_ident_init(&id, self->fd);
	ASSERT_EQ(0, ident_raw(self->dev, &id, &untouched));
	ASSERT_FALSE(untouched);
	ASSERT_NE(0, id.sb_instance);
}

TEST_F(bad, ident_wrong_size)
{
	const __u32 sizes[] = { 0,
				1,
				8,
				sizeof(struct ovlvol_ident) - 8,
				sizeof(struct ovlvol_ident) - 1,
				sizeof(struct ovlvol_ident) + 1,
				sizeof(struct ovlvol_ident) + 8,
				4096,
				0xffffffff };
	struct ovlvol_ident id;
	bool untouched;
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		ovlvol_test_ident_init(&id, self->fd);
		id.size = sizes[i];
		EXPECT_EQ(-EINVAL, ident_raw(self->dev, &id, &untouched))
		TH_LOG("size %u", sizes[i]);
		EXPECT_TRUE(untouched);
	}
}

TEST_F(bad, ident_wrong_version)
{
	const __u32 versions[] = { 0, OVLVOL_IOC_V1 + 1, 0x100, 0xffffffff };
	struct ovlvol_ident id;
	bool untouched;
	size_t i;

	for (i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		ovlvol_test_ident_init(&id, self->fd);
		id.version = versions[i];
		EXPECT_EQ(-EINVAL, ident_raw(self->dev, &id, &untouched))
		TH_LOG("version %u", versions[i]);
		EXPECT_TRUE(untouched);
	}
}

/* No input flag is defined: every single bit is refused. */
TEST_F(bad, ident_unknown_flags)
{
	struct ovlvol_ident id;
	bool untouched;
	int bit;

	for (bit = 0; bit < 32; bit++) {
		ovlvol_test_ident_init(&id, self->fd);
		id.flags = 1U << bit;
		EXPECT_EQ(-EINVAL, ident_raw(self->dev, &id, &untouched))
		TH_LOG("flag bit %d", bit);
		EXPECT_TRUE(untouched);
	}
}

/* Strictness wins over a bad fd: a bad fd alone gives EBADF. */
TEST_F(bad, ident_bad_fd)
{
	const int fds[] = { -1, -100, 0x7fffffff, 1000000 };
	struct ovlvol_ident id;
	bool untouched;
	size_t i;
	int fd;

	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		ovlvol_test_ident_init(&id, fds[i]);
		EXPECT_EQ(-EBADF, ident_raw(self->dev, &id, &untouched))
		TH_LOG("fd %d", fds[i]);
		EXPECT_TRUE(untouched);
	}
	/* A closed fd. */
	fd = dup(self->fd);
	ASSERT_LE(0, fd);
	close(fd);
	ovlvol_test_ident_init(&id, fd);
	EXPECT_EQ(-EBADF, ident_raw(self->dev, &id, &untouched));
	/* A bad fd together with bad framing: the framing is checked first. */
	ovlvol_test_ident_init(&id, -1);
	id.version = 0;
	EXPECT_EQ(-EINVAL, ident_raw(self->dev, &id, &untouched));
}

/* Kernel-internal pseudo filesystems have no identity worth checking. */
TEST_F(bad, ident_internal_fs)
{
	struct ovlvol_ident id;
	int p[2], sk[2], fd;

	ASSERT_EQ(0, pipe(p));
	EXPECT_EQ(-EINVAL, ovlvol_test_ident(self->dev, p[0], &id));
	close(p[0]);
	close(p[1]);

	/* memfd lives on the kernel's internal tmpfs mount. */
	fd = memfd_create("ovlvol", MFD_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, ovlvol_test_ident(self->dev, fd, &id));
	close(fd);

	/* Minimal kernels (the patched test kernels) have no sockets. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sk)) {
		ASSERT_TRUE(errno == EAFNOSUPPORT || errno == ENOSYS)
		TH_LOG("socketpair: %s", strerror(errno));
		TH_LOG("no AF_UNIX sockets in this kernel: sockfs not checked");
		return;
	}
	EXPECT_EQ(-EINVAL, ovlvol_test_ident(self->dev, sk[0], &id));
	close(sk[0]);
	close(sk[1]);
}

/* The size in the ioctl number is part of the command: a wrong one is unknown. */
TEST_F(bad, unknown_commands)
{
	struct ovlvol_ident id;
	char buf[256] = { 0 };

	ovlvol_test_ident_init(&id, self->fd);
	EXPECT_EQ(-1, ioctl(self->dev, _IOWR(OVLVOL_IOC_MAGIC, 1, __u64), buf));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1,
		  ioctl(self->dev,
			_IOWR(OVLVOL_IOC_MAGIC, 1, char[sizeof(id) + 8]), buf));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1,
		  ioctl(self->dev,
			_IOR(OVLVOL_IOC_MAGIC, 1, struct ovlvol_ident), &id));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1,
		  ioctl(self->dev,
			_IOWR(OVLVOL_IOC_MAGIC, 3, struct ovlvol_ident), &id));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->dev,
			    _IOWR(OVLVOL_IOC_MAGIC + 1, 1, struct ovlvol_ident),
			    &id));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->dev, 0, 0));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_F(bad, bad_pointers)
{
	struct ovlvol_ident *ro;

	EXPECT_EQ(-1, ioctl(self->dev, OVLVOL_IOC_IDENT, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->dev, OVLVOL_IOC_NONCE, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->dev, OVLVOL_IOC_IDENT, (void *)-4096L));
	EXPECT_EQ(EFAULT, errno);

	/* Valid input the kernel cannot write the answer back to. */
	ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	ovlvol_test_ident_init(ro, self->fd);
	ASSERT_EQ(0, mprotect(ro, 4096, PROT_READ));
	EXPECT_EQ(-1, ioctl(self->dev, OVLVOL_IOC_IDENT, ro));
	EXPECT_EQ(EFAULT, errno);
	munmap(ro, 4096);
}

/* A struct running off the end of the mapping fails before any effect. */
TEST_F(bad, struct_across_unmapped_page)
{
	struct ovlvol_ident *id;
	char *map;

	map = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, munmap(map + 4096, 4096));
	id = (struct ovlvol_ident *)(map + 4096 - 16);
	memset(id, 0, 16);
	id->size = sizeof(*id);
	id->version = OVLVOL_IOC_V1;
	EXPECT_EQ(-1, ioctl(self->dev, OVLVOL_IOC_IDENT, id));
	EXPECT_EQ(EFAULT, errno);
	munmap(map, 4096);
}

TEST_F(bad, nonce_wrong_framing)
{
	struct ovlvol_nonce n;
	__u8 good[16];
	const __u32 sizes[] = { 0, sizeof(n) - 1, sizeof(n) + 1, 0xffffffff };
	size_t i;

	ASSERT_EQ(0, ovlvol_test_nonce(self->dev, good));
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		memset(&n, 0, sizeof(n));
		n.size = sizes[i];
		n.version = OVLVOL_IOC_V1;
		EXPECT_EQ(-1, ioctl(self->dev, OVLVOL_IOC_NONCE, &n));
		EXPECT_EQ(EINVAL, errno);
		EXPECT_EQ(sizes[i], n.size);
	}
	memset(&n, 0, sizeof(n));
	n.size = sizeof(n);
	n.version = 2;
	EXPECT_EQ(-1, ioctl(self->dev, OVLVOL_IOC_NONCE, &n));
	EXPECT_EQ(EINVAL, errno);
	/* Nothing came back on failure. */
	EXPECT_EQ(0, memcmp(n.nonce, (__u8[16]){ 0 }, 16));
	n.version = OVLVOL_IOC_V1;
	EXPECT_EQ(0, ioctl(self->dev, OVLVOL_IOC_NONCE, &n));
	EXPECT_EQ(0, memcmp(n.nonce, good, 16));
}

/* Run @fn in a child; returns its exit code (0: all its checks held). */
static int in_child(int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(fn(arg));
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

TEST_F(bad, device_is_roots)
{
	struct stat st;

	ASSERT_EQ(0, stat(OVLVOL_TEST_DEV, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);
	EXPECT_EQ(0, st.st_gid);
}

static int open_as_nobody(void *arg)
{
	(void)arg;
	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
		return 10;
	if (open(OVLVOL_TEST_DEV, O_RDWR) >= 0)
		return 11;
	return errno == EACCES ? 0 : 12;
}

struct priv_arg {
	int dev;
	int fd;
};

/* Query @a->fd: 0 if IDENT fails with EPERM and NONCE still works. */
static int ident_refused(struct priv_arg *a)
{
	struct ovlvol_ident id;
	__u8 nonce[16];

	if (ovlvol_test_ident(a->dev, a->fd, &id) != -EPERM)
		return 20;
	if (ovlvol_test_nonce(a->dev, nonce))
		return 21;
	return 0;
}

/* Root drops to an unprivileged uid with the device already open. */
static int query_as_nobody(void *arg)
{
	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
		return 10;
	return ident_refused(arg);
}

/* Still uid 0, but without CAP_SYS_ADMIN in its effective set. */
static int query_without_sys_admin(void *arg)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return 10;
	data[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective &=
		~CAP_TO_MASK(CAP_SYS_ADMIN);
	if (syscall(SYS_capset, &hdr, data))
		return 11;
	return ident_refused(arg);
}

/*
 * Root of a new user namespace: may query a tmpfs it mounted there (it
 * owns that superblock), not one of the initial namespace.
 */
static int query_in_userns(void *arg)
{
	struct priv_arg *a = arg;
	struct ovlvol_ident id;
	char dir[PATH_MAX];
	int fd;

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS))
		return 10;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return 11;
	if (ovlvol_test_mount_new(dir, "tmpfs", NULL, 0))
		return 12;
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return 13;
	if (ovlvol_test_ident(a->dev, fd, &id))
		return 14;
	if (!id.sb_instance)
		return 15;
	return ident_refused(a);
}

TEST_F(bad, who_may_call)
{
	struct priv_arg a = { .dev = self->dev, .fd = self->fd };

	EXPECT_EQ(0, in_child(open_as_nobody, NULL));
	EXPECT_EQ(0, in_child(query_as_nobody, &a));
	EXPECT_EQ(0, in_child(query_without_sys_admin, &a));
	EXPECT_EQ(0, in_child(query_in_userns, &a));
	/* The refusals left nothing behind that breaks the owner. */
	EXPECT_NE(0, ovlvol_test_sb_id(self->dev, self->dir));
}

TEST_HARNESS_MAIN
