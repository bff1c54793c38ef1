/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the project's selftests: a private mount namespace,
 * scratch filesystems (tmpfs, or the harness's ext4/xfs disks) and the
 * lower/upper/work/merged layout of one overlay.
 */
#ifndef OVL_TEST_H
#define OVL_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

/* An upper filesystem type under test and where the harness provides it. */
struct ovl_test_fs {
	const char *fstype;
	const char *dev_env; /* NULL for tmpfs */
};

struct ovl_test_layout {
	char base[PATH_MAX];
	char lower[PATH_MAX];
	char upper[PATH_MAX];
	char work[PATH_MAX];
	char merged[PATH_MAX];
	char opts[4 * PATH_MAX];
};

/* @dir/@name into @buf of PATH_MAX bytes; -ENAMETOOLONG if it does not fit. */
static inline int ovl_test_join(char *buf, const char *dir, const char *name)
{
	int n = snprintf(buf, PATH_MAX, "%s/%s", dir, name);

	return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

/* Run the test in its own mount namespace so nothing leaks to the next. */
static inline int ovl_test_private_ns(void)
{
	if (unshare(CLONE_NEWNS))
		return -errno;
	if (mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL))
		return -errno;
	return 0;
}

/*
 * Mount a scratch filesystem of @fs on a fresh directory and create the
 * overlay layout inside it. Returns 0, -ENXIO when the harness gave no
 * device for this type, -ENODEV when the kernel lacks the filesystem (the
 * caller SKIPs on both), or another -errno.
 */
static inline int ovl_test_layout_init(struct ovl_test_layout *l,
				       const struct ovl_test_fs *fs)
{
	const char *dev = "tmpfs";
	char tmpl[] = "/tmp/ovltest.XXXXXX";
	char sub[PATH_MAX];

	memset(l, 0, sizeof(*l));
	if (fs->dev_env) {
		dev = getenv(fs->dev_env);
		if (!dev || !*dev)
			return -ENXIO;
	}
	if (!mkdtemp(tmpl))
		return -errno;
	if (mount(dev, tmpl, fs->fstype, 0, NULL))
		return -errno;
	/* Disks are shared by every test of a run: use a fresh subdir. */
	if (ovl_test_join(sub, tmpl, "t.XXXXXX"))
		return -ENAMETOOLONG;
	if (!mkdtemp(sub))
		return -errno;
	strcpy(l->base, sub);
	if (ovl_test_join(l->lower, sub, "lower") ||
	    ovl_test_join(l->upper, sub, "upper") ||
	    ovl_test_join(l->work, sub, "work") ||
	    ovl_test_join(l->merged, sub, "merged"))
		return -ENAMETOOLONG;
	if (mkdir(l->lower, 0755) || mkdir(l->upper, 0755) ||
	    mkdir(l->work, 0755) || mkdir(l->merged, 0755))
		return -errno;
	return 0;
}

/* Mount the overlay of @l with extra options @extra (may be NULL or ""). */
static inline int ovl_test_mount(struct ovl_test_layout *l, const char *extra)
{
	int n;

	n = snprintf(l->opts, sizeof(l->opts),
		     "lowerdir=%s,upperdir=%s,workdir=%s%s%s", l->lower,
		     l->upper, l->work, extra && *extra ? "," : "",
		     extra ? extra : "");
	if (n < 0 || (size_t)n >= sizeof(l->opts))
		return -ENAMETOOLONG;
	if (mount("overlay", l->merged, "overlay", 0, l->opts))
		return -errno;
	return 0;
}

static inline int ovl_test_write_file(const char *dir, const char *name,
				      const char *data)
{
	char path[PATH_MAX];
	ssize_t len = strlen(data);
	int fd;

	if (ovl_test_join(path, dir, name))
		return -ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, data, len) != len) {
		close(fd);
		return -EIO;
	}
	return close(fd) ? -errno : 0;
}

/* 0 if @dir/@name holds exactly @data, -errno or -EBADMSG otherwise. */
static inline int ovl_test_check_file(const char *dir, const char *name,
				      const char *data)
{
	char path[PATH_MAX], buf[4096];
	ssize_t n;
	int fd;

	if (ovl_test_join(path, dir, name))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0)
		return -errno;
	if ((size_t)n != strlen(data) || memcmp(buf, data, n))
		return -EBADMSG;
	return 0;
}

static inline int ovl_test_exists(const char *dir, const char *rel)
{
	char path[PATH_MAX];
	struct stat st;

	return !ovl_test_join(path, dir, rel) && stat(path, &st) == 0;
}

#endif /* OVL_TEST_H */
