/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the selftests of the ovlvol module: load and unload it
 * (the harness passes its path in OVLVOL_MODULE), open /dev/ovlvol, issue
 * its ioctls, and mount throwaway filesystems.
 */
#ifndef OVLVOL_TEST_H
#define OVLVOL_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/loop.h>
#include <linux/ovl_volatile.h>

#define OVLVOL_TEST_NAME "ovlvol"
#define OVLVOL_TEST_DEV "/dev/" OVLVOL_DEVICE_NAME

/* Run a shell command line made from @fmt; 0 if it exited 0, or -errno. */
static inline __attribute__((format(printf, 1, 2))) int
ovlvol_test_sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(cmd))
		return -ENAMETOOLONG;
	n = system(cmd);
	return WIFEXITED(n) && WEXITSTATUS(n) == 0 ? 0 : -EIO;
}

static inline bool ovlvol_test_loaded(void)
{
	struct stat st;

	return stat("/sys/module/" OVLVOL_TEST_NAME, &st) == 0;
}

/* finit_module() of $OVLVOL_MODULE: 0, -ENOENT if it is unset, or -errno. */
static inline int ovlvol_test_load(void)
{
	const char *path = getenv("OVLVOL_MODULE");
	int fd, ret;

	if (!path || !*path)
		return -ENOENT;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	return ret;
}

/* 0, -ENOENT if not loaded, -EWOULDBLOCK if in use, or -errno. */
static inline int ovlvol_test_unload(void)
{
	if (syscall(SYS_delete_module, OVLVOL_TEST_NAME, O_NONBLOCK))
		return -errno;
	return 0;
}

/* Unload, waiting up to 2 s for the last users (an overlay being torn down) */
static inline int ovlvol_test_unload_wait(void)
{
	int i, err = 0;

	for (i = 0; i < 100; i++) {
		err = ovlvol_test_unload();
		if (err != -EWOULDBLOCK && err != -EAGAIN && err != -EBUSY)
			break;
		usleep(20000);
	}
	return err;
}

static inline int ovlvol_test_open_dev(void)
{
	int fd = open(OVLVOL_TEST_DEV, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/*
 * Make sure the module is loaded (load it if it is not) and open its
 * device. Returns the fd, -ENOENT when the module is neither loaded nor
 * available (the caller SKIPs: not running in the harness), or -errno.
 */
static inline int ovlvol_test_start(void)
{
	int ret;

	if (!ovlvol_test_loaded()) {
		ret = ovlvol_test_load();
		if (ret && ret != -EEXIST)
			return ret;
	}
	return ovlvol_test_open_dev();
}

/* Close @dev (if open) and unload the module; for teardowns. */
/*
 * In a FIXTURE_SETUP: a private mount namespace, and @dev the open
 * /dev/ovlvol (the module loaded from OVLVOL_MODULE if need be), or SKIP.
 */
#define OVLVOL_TEST_SETUP(dev)                                                     \
	do {                                                                       \
		(dev) = -1;                                                        \
		ASSERT_EQ(0, vt_private_ns());                                     \
		(dev) = ovlvol_test_start();                                       \
		if ((dev) == -ENOENT)                                              \
			SKIP(return,                                               \
				   "ovlvol not loaded and OVLVOL_MODULE not set"); \
		ASSERT_LE(0, (dev));                                               \
	} while (0)

static inline int ovlvol_test_stop(int *dev)
{
	if (*dev >= 0)
		close(*dev);
	*dev = -1;
	return ovlvol_test_unload();
}

/* Unload if loaded, then load a fresh instance (a new nonce). */
static inline int ovlvol_test_reload(void)
{
	int ret = ovlvol_test_unload();

	if (ret && ret != -ENOENT)
		return ret;
	return ovlvol_test_load();
}

static inline void ovlvol_test_ident_init(struct ovlvol_ident *id, int fd)
{
	memset(id, 0, sizeof(*id));
	id->size = sizeof(*id);
	id->version = OVLVOL_IOC_V1;
	id->fd = fd;
}

/* OVLVOL_IOC_IDENT on @fd: 0 or -errno. */
static inline int ovlvol_test_ident(int dev, int fd, struct ovlvol_ident *id)
{
	ovlvol_test_ident_init(id, fd);
	return ioctl(dev, OVLVOL_IOC_IDENT, id) ? -errno : 0;
}

/* OVLVOL_IOC_IDENT on whatever @path names (O_PATH, any file type). */
static inline int ovlvol_test_ident_path(int dev, const char *path,
					 struct ovlvol_ident *id)
{
	int fd = open(path, O_PATH | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = ovlvol_test_ident(dev, fd, id);
	close(fd);
	return ret;
}

/*
 * Wait up to @ms for OVLVOL_IOC_IDENT's error count of the fs at @path to
 * differ from @before, into @id. From 7.0 a filesystem error reaches
 * fsnotify, and so the module's mark, from a work item (fs/fserror.c):
 * the count may move after the call that caused the error has returned.
 * 0 (moved), -ETIMEDOUT (@id holds the last answer), or another -errno.
 */
static inline int ovlvol_test_fs_errors_wait(int dev, const char *path,
					     __u32 before, int ms,
					     struct ovlvol_ident *id)
{
	int ret, i;

	for (i = 0;; i++) {
		ret = ovlvol_test_ident_path(dev, path, id);
		if (ret || id->fs_errors != before)
			return ret;
		if (i * 10 >= ms)
			return -ETIMEDOUT;
		usleep(10000);
	}
}

/* The superblock instance id of @path, or 0 on any error. */
static inline __u64 ovlvol_test_sb_id(int dev, const char *path)
{
	struct ovlvol_ident id;

	return ovlvol_test_ident_path(dev, path, &id) ? 0 : id.sb_instance;
}

static inline int ovlvol_test_nonce(int dev, __u8 nonce[16])
{
	struct ovlvol_nonce n = {
		.size = sizeof(n),
		.version = OVLVOL_IOC_V1,
	};

	if (ioctl(dev, OVLVOL_IOC_NONCE, &n))
		return -errno;
	memcpy(nonce, n.nonce, sizeof(n.nonce));
	return 0;
}

/* Does the module hand out the kernel's own s_instance_id? */
static inline bool ovlvol_test_kernel_ids(const struct ovlvol_ident *id)
{
	return id->out_flags & OVLVOL_IDENT_KERNEL_ID;
}

/* A fresh empty directory under /tmp, named into @dir (PATH_MAX bytes). */
static inline int ovlvol_test_mkdtemp(char *dir)
{
	strcpy(dir, "/tmp/ovlvol.XXXXXX");
	return mkdtemp(dir) ? 0 : -errno;
}

/* Mount @fstype from @src (NULL: a tmpfs) on a fresh directory @dir. */
static inline int ovlvol_test_mount_new(char *dir, const char *fstype,
					const char *src, unsigned long flags)
{
	int ret = ovlvol_test_mkdtemp(dir);

	if (ret)
		return ret;
	if (mount(src ? src : fstype, dir, fstype, flags, NULL))
		return -errno;
	return 0;
}

/*
 * Attach the image file @img to a free loop device, whose path goes into
 * @loop. Returns the loop device's fd (LOOP_CLR_FD on it detaches), or
 * -errno.
 */
static inline int ovlvol_test_loop_attach(const char *img, char *loop,
					  size_t len)
{
	int ctl, nr, fd, img_fd, err;

	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return -errno;
	nr = ioctl(ctl, LOOP_CTL_GET_FREE);
	err = -errno;
	close(ctl);
	if (nr < 0)
		return err;
	snprintf(loop, len, "/dev/loop%d", nr);
	fd = open(loop, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	img_fd = open(img, O_RDWR | O_CLOEXEC);
	if (img_fd < 0 || ioctl(fd, LOOP_SET_FD, img_fd)) {
		err = -errno;
		if (img_fd >= 0)
			close(img_fd);
		close(fd);
		return err;
	}
	close(img_fd);
	return fd;
}

/* A sparse file of @size bytes at @path holding a new @fstype (mkfs.*). */
static inline int ovlvol_test_mkfs_image(const char *path, off_t size,
					 const char *fstype)
{
	char cmd[PATH_MAX + 64];
	int fd, ret;

	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	ret = ftruncate(fd, size) ? -errno : 0;
	close(fd);
	if (ret)
		return ret;
	snprintf(cmd, sizeof(cmd), "mkfs.%s -q -F %s >/dev/null 2>&1", fstype,
		 path);
	ret = system(cmd);
	return ret == 0 ? 0 : -EIO;
}

static inline double ovlvol_test_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

#endif /* OVLVOL_TEST_H */
