/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the volatile reuse selftests: the kernel's identities
 * (statmount(2) or the distribution ioctl, the overlay load UUID), the checkpoint xattr,
 * reasons from the kernel log, module reload, and an upper filesystem on
 * a device-mapper device that can be switched to the error target.
 */
#ifndef OVL_VOLATILE_TEST_H
#define OVL_VOLATILE_TEST_H

#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <endian.h>
#include <linux/fs.h>
#include <linux/ovl_volatile.h>

#ifndef FS_IOC_GETFSINSTANCE
/* The distribution series' ioctl (include/uapi/linux/fs.h there) */
struct fs_instance {
	__u64 id;
	__u32 wb_err;
	__u32 generation;
	__u32 fs_errors;
	__u32 reserved;
};

#define FS_IOC_GETFSINSTANCE _IOR(0x15, 0x80, struct fs_instance)
#endif

/*
 * The upstream series reports the ids with statmount(2) instead: the
 * superblock fields of struct statmount it adds, at their offsets, so
 * that the test builds against any installed headers.
 */
#ifndef __NR_statmount
#define __NR_statmount 457
#endif
#define OVL_STATMOUNT_BY_FD 0x00000001U
#define OVL_STATMOUNT_SB_INSTANCE 0x00008000U
#define OVL_STATMOUNT_SB_ERRORS 0x00010000U

struct ovl_mnt_id_req {
	__u32 size;
	__u32 mnt_fd;
	__u64 mnt_id;
	__u64 param;
	__u64 mnt_ns_id;
};

struct ovl_statmount {
	__u32 size;
	__u32 mnt_opts;
	__u64 mask;
	__u8 other[152]; /* up to the upstream series' fields */
	__u64 sb_instance_id;
	__u32 sb_wb_err;
	__u32 sb_fs_errors;
	__u64 spare[41];
};

/* What the kernel says about the superblock a path is on. */
struct ovl_sb_ids {
	__u64 id; /* s_instance_id */
	__u32 wb_err; /* s_wb_err, compare only */
	__u32 fs_errors; /* filesystem errors reported */
	__u32 generation; /* i_generation of the path's own inode */
	int have_gen; /* 0: this fs does not tell the generation */
};

#define OVL_PARAMS "/sys/module/overlay/parameters/"
#define OVL_VOLATILE_DIR "work/incompat/volatile"
#define OVL_DIRTY OVL_VOLATILE_DIR "/dirty"
#define OVL_TRUSTED_XATTR "trusted." OVL_VOLATILE_XATTR
#define OVL_USER_XATTR "user." OVL_VOLATILE_XATTR

/* An upper filesystem type and where the harness provides it. */
struct vt_fs {
	const char *fstype;
	const char *dev_env; /* NULL for tmpfs */
};

struct vt_layout {
	char base[PATH_MAX];
	char lower[PATH_MAX];
	char upper[PATH_MAX];
	char work[PATH_MAX];
	char merged[PATH_MAX];
};

/* @dir/@name into @buf of PATH_MAX bytes; -ENAMETOOLONG if it does not fit. */
static inline int vt_join(char *buf, const char *dir, const char *name)
{
	int n = snprintf(buf, PATH_MAX, "%s/%s", dir, name);

	return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

/*
 * Run the test in its own mount namespace so nothing leaks to the next.
 * -EPERM: the caller lacks CAP_SYS_ADMIN, and the test is to SKIP.
 */
static inline int vt_private_ns(void)
{
	if (unshare(CLONE_NEWNS))
		return -errno;
	if (mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL))
		return -errno;
	return 0;
}

/* lower, upper, work and merged under a fresh @dir/t.XXXXXX */
static inline int vt_layout_dirs(struct vt_layout *l, const char *dir)
{
	if (vt_join(l->base, dir, "t.XXXXXX"))
		return -ENAMETOOLONG;
	if (!mkdtemp(l->base))
		return -errno;
	if (vt_join(l->lower, l->base, "lower") ||
	    vt_join(l->upper, l->base, "upper") ||
	    vt_join(l->work, l->base, "work") ||
	    vt_join(l->merged, l->base, "merged"))
		return -ENAMETOOLONG;
	if (mkdir(l->lower, 0755) || mkdir(l->upper, 0755) ||
	    mkdir(l->work, 0755) || mkdir(l->merged, 0755))
		return -errno;
	return 0;
}

/*
 * Mount a scratch filesystem of @fs on @mnt (a fresh dir) and make the
 * layout in it. Returns 0, -ENXIO when the harness gave no device for this
 * type, or another -errno.
 */
static inline int vt_layout_init(struct vt_layout *l, const struct vt_fs *fs,
				 char *mnt)
{
	const char *dev = "tmpfs";

	memset(l, 0, sizeof(*l));
	if (fs->dev_env) {
		dev = getenv(fs->dev_env);
		if (!dev || !*dev)
			return -ENXIO;
	}
	if (!mkdtemp(mnt))
		return -errno;
	if (mount(dev, mnt, fs->fstype, 0, NULL))
		return -errno;
	return vt_layout_dirs(l, mnt);
}

/* open(2) of @dir/@name, O_CLOEXEC added: the fd, or -errno. */
static inline int vt_open(const char *dir, const char *name, int flags)
{
	char path[PATH_MAX];
	int fd;

	if (vt_join(path, dir, name))
		return -ENAMETOOLONG;
	fd = open(path, flags | O_CLOEXEC, 0644);
	return fd < 0 ? -errno : fd;
}

/* @dir/@name created or truncated, for writing. */
static inline int vt_create(const char *dir, const char *name)
{
	return vt_open(dir, name, O_WRONLY | O_CREAT | O_TRUNC);
}

static inline int vt_write_file(const char *dir, const char *name,
				const char *data)
{
	ssize_t len = strlen(data);
	int fd = vt_create(dir, name);

	if (fd < 0)
		return fd;
	if (write(fd, data, len) != len) {
		close(fd);
		return -EIO;
	}
	return close(fd) ? -errno : 0;
}

/* 0 if @dir/@name holds exactly @data, -errno or -EBADMSG otherwise. */
static inline int vt_check_file(const char *dir, const char *name,
				const char *data)
{
	char buf[16384];
	int fd = vt_open(dir, name, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return fd;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0)
		return -errno;
	if ((size_t)n != strlen(data) || memcmp(buf, data, n))
		return -EBADMSG;
	return 0;
}

static inline int vt_exists(const char *dir, const char *rel)
{
	char path[PATH_MAX];
	struct stat st;

	return !vt_join(path, dir, rel) && stat(path, &st) == 0;
}

/* statmount(2) of the upstream series; -errno on failure. */
static inline int ovl_sb_ids_statmount(int fd, struct ovl_sb_ids *ids)
{
	struct ovl_mnt_id_req req = {
		.size = sizeof(req),
		.mnt_fd = fd,
		.param = OVL_STATMOUNT_SB_INSTANCE | OVL_STATMOUNT_SB_ERRORS,
	};
	struct ovl_statmount sm;
	int gen;

	memset(&sm, 0, sizeof(sm));
	if (syscall(__NR_statmount, &req, &sm, sizeof(sm),
		    OVL_STATMOUNT_BY_FD) < 0)
		return -errno;
	/* A kernel without the fields does not set their bits */
	if ((sm.mask & (OVL_STATMOUNT_SB_INSTANCE | OVL_STATMOUNT_SB_ERRORS)) !=
	    (OVL_STATMOUNT_SB_INSTANCE | OVL_STATMOUNT_SB_ERRORS))
		return -EOPNOTSUPP;
	ids->id = sm.sb_instance_id;
	ids->wb_err = sm.sb_wb_err;
	ids->fs_errors = sm.sb_fs_errors;
	/* ext4 and xfs tell the generation, tmpfs does not */
	ids->have_gen = ioctl(fd, FS_IOC_GETVERSION, &gen) == 0;
	ids->generation = ids->have_gen ? (__u32)gen : 0;
	return 0;
}

/* Identity of the filesystem @path is on; -errno on failure. */
static inline int ovl_fs_instance(const char *path, struct ovl_sb_ids *ids)
{
	struct fs_instance fi;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memset(ids, 0, sizeof(*ids));
	/* Else the distribution series' ioctl, or no ids at all */
	ret = ovl_sb_ids_statmount(fd, ids);
	if (ret) {
		memset(&fi, 0xff, sizeof(fi));
		ret = ioctl(fd, FS_IOC_GETFSINSTANCE, &fi) ? -errno : 0;
		if (!ret) {
			ids->id = fi.id;
			ids->wb_err = fi.wb_err;
			ids->fs_errors = fi.fs_errors;
			ids->generation = fi.generation;
			ids->have_gen = 1;
		}
	}
	close(fd);
	return ret;
}

static inline const char *ovl_uname_release(void)
{
	static struct utsname u;

	if (!u.release[0] && uname(&u))
		return "";
	return u.release;
}

/*
 * Does the running kernel carry the upstream series (ids from statmount(2))?
 * It reports every refusal in the fs_context log, and its tests read the
 * reasons there only.
 */
static inline int ovl_kernel_upstream(void)
{
	struct ovl_sb_ids ids;
	int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC), ret;

	if (fd < 0)
		return 0;
	ret = ovl_sb_ids_statmount(fd, &ids) == 0;
	close(fd);
	return ret;
}

/* Does the running kernel carry the patch series? */
static inline int ovl_kernel_has_reuse(void)
{
	struct ovl_sb_ids fi;
	struct stat st;

	return ovl_fs_instance("/", &fi) == 0 &&
	       stat(OVL_PARAMS "load_uuid", &st) == 0;
}

/* Parse the 36-character form of a UUID into 16 bytes. */
static inline int ovl_parse_uuid(const char *s, __u8 out[16])
{
	int i, n = 0;

	for (i = 0; s[i] && n < 32; i++) {
		unsigned int v;

		if (s[i] == '-')
			continue;
		if (!isxdigit((unsigned char)s[i]) ||
		    !isxdigit((unsigned char)s[i + 1]))
			return -EINVAL;
		if (sscanf(s + i, "%2x", &v) != 1)
			return -EINVAL;
		out[n / 2] = v;
		n += 2;
		i++;
	}
	return n == 32 ? 0 : -EINVAL;
}

static inline int ovl_read_param(const char *name, char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), OVL_PARAMS "%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

static inline int ovl_write_module_param(const char *mod, const char *name,
					 const char *val)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/module/%s/parameters/%s", mod, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -EIO;
}

static inline int ovl_write_param(const char *name, const char *val)
{
	return ovl_write_module_param("overlay", name, val);
}

static inline int ovl_load_uuid(__u8 out[16])
{
	char buf[64];
	int err = ovl_read_param("load_uuid", buf, sizeof(buf));

	return err ? err : ovl_parse_uuid(buf, out);
}

/* Read the checkpoint of workdir @work; returns its length or -errno. */
static inline ssize_t ovl_ckpt_read(const char *work, const char *xattr,
				    void *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;

	if (vt_join(path, work, OVL_VOLATILE_DIR))
		return -ENAMETOOLONG;
	n = getxattr(path, xattr, buf, len);
	return n < 0 ? -errno : n;
}

static inline int ovl_ckpt_write(const char *work, const char *xattr,
				 const void *buf, size_t len)
{
	char path[PATH_MAX];

	if (vt_join(path, work, OVL_VOLATILE_DIR))
		return -ENAMETOOLONG;
	return setxattr(path, xattr, buf, len, 0) ? -errno : 0;
}

/* The kernel log, from now on: open before the action, read after it. */
static inline int ovl_kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/*
 * The kernel log since ovl_kmsg_open(), records joined by newlines into
 * @buf (truncated to @len - 1 bytes, NUL-terminated).
 */
static inline void ovl_kmsg_read(int fd, char *buf, size_t len)
{
	size_t used = 0;
	ssize_t n;

	buf[0] = '\0';
	for (;;) {
		char rec[2048];

		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;
		if (n <= 0)
			break;
		if (used + n + 1 < len) {
			memcpy(buf + used, rec, n);
			used += n;
			buf[used++] = '\n';
			buf[used] = '\0';
		}
	}
}

/* 1 if the log text @log holds "reason=@reason" as a token. */
static inline int ovl_log_has_reason(const char *log, const char *reason)
{
	char key[128];
	const char *p;

	snprintf(key, sizeof(key), "reason=%s", reason);
	for (p = strstr(log, key); p; p = strstr(p + 1, key)) {
		char c = p[strlen(key)];

		if (!islower((unsigned char)c) && c != '-')
			return 1;
	}
	return 0;
}

/* 1 if a record since ovl_kmsg_open() holds "reason=@reason" as a token. */
static inline int ovl_kmsg_has_reason(int fd, const char *reason)
{
	static char log[65536];

	ovl_kmsg_read(fd, log, sizeof(log));
	return ovl_log_has_reason(log, reason);
}

/* Reload overlay.ko from @path: no overlay may be mounted anywhere. */
static inline int ovl_reload_overlay_with(const char *path, const char *params)
{
	int fd, ret, i;

	for (i = 0; i < 100; i++) {
		if (!syscall(SYS_delete_module, "overlay", O_NONBLOCK))
			break;
		if (errno != EAGAIN && errno != EBUSY && errno != EWOULDBLOCK)
			return -errno;
		usleep(20000);
	}
	if (i == 100)
		return -EBUSY;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, params, 0) ? -errno : 0;
	close(fd);
	return ret;
}

/*
 * The overlay.ko a reload loads ($OVL_TEST_OVERLAY_KO, else where the
 * harness puts it), or NULL when overlayfs is built into this kernel and
 * cannot be reloaded.
 */
static inline const char *ovl_overlay_ko(void)
{
	const char *ko = getenv("OVL_TEST_OVERLAY_KO");

	if (!ko)
		ko = "/lib/modules/overlay.ko";
	return access(ko, R_OK) ? NULL : ko;
}

/* Unload overlay and load it again from @path (its .ko). */
static inline int ovl_reload_overlay(const char *path)
{
	return ovl_reload_overlay_with(path, "");
}

/*
 * An ext4-driven (ext2 format: no journal to abort) filesystem on a
 * dm-linear device over a loop device over a file in /tmp, mounted on
 * @mnt. ovl_dm_error() switches the table to the error target and back.
 */
struct ovl_dm {
	char name[32];
	char dev[64];
	char loop[32];
	char img[PATH_MAX];
	char mnt[PATH_MAX];
	unsigned long sectors;
};

/* Run a shell command built like printf; 0 if it exited with 0. */
static inline int ovl_sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	int ret;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	ret = system(cmd);
	return ret == 0 ? 0 : -EIO;
}

static inline int ovl_dm_table(struct ovl_dm *dm, int error)
{
	char table[128];

	if (error)
		snprintf(table, sizeof(table), "0 %lu error", dm->sectors);
	else
		snprintf(table, sizeof(table), "0 %lu linear %s 0", dm->sectors,
			 dm->loop);
	if (ovl_sh("dmsetup load %s --table '%s'", dm->name, table))
		return -EIO;
	return ovl_sh("dmsetup suspend --noflush %s && dmsetup resume %s",
		      dm->name, dm->name);
}

/* Is @tool an executable in $PATH? */
static inline int vt_have_tool(const char *tool)
{
	const char *path = getenv("PATH"), *p, *end;
	char file[PATH_MAX];

	for (p = path ? path : "/usr/sbin:/usr/bin:/sbin:/bin"; *p; p = end) {
		end = strchrnul(p, ':');
		snprintf(file, sizeof(file), "%.*s/%s", (int)(end - p), p,
			 tool);
		if (!access(file, X_OK))
			return 1;
		if (*end)
			end++;
	}
	return 0;
}

/* The first tool the device-mapper upper needs that is missing, or NULL. */
static inline const char *ovl_dm_missing_tool(void)
{
	const char *const tools = "truncate\0mke2fs\0losetup\0dmsetup\0";
	const char *t;

	for (t = tools; *t; t += strlen(t) + 1)
		if (!vt_have_tool(t))
			return t;
	return NULL;
}

/* 0, -ENXIO when a tool it needs is missing, or another -errno */
static inline int ovl_dm_setup(struct ovl_dm *dm, const char *mnt)
{
	FILE *f;

	if (ovl_dm_missing_tool())
		return -ENXIO;
	memset(dm, 0, sizeof(*dm));
	setenv("DM_DISABLE_UDEV", "1", 1);
	snprintf(dm->name, sizeof(dm->name), "ovlerr%d", getpid());
	snprintf(dm->dev, sizeof(dm->dev), "/dev/mapper/%s", dm->name);
	snprintf(dm->img, sizeof(dm->img), "/tmp/%s.img", dm->name);
	snprintf(dm->mnt, sizeof(dm->mnt), "%s", mnt);
	dm->sectors = 64 * 2048;
	if (ovl_sh("truncate -s %luK %s && mke2fs -F %s >/dev/null 2>&1",
		   dm->sectors / 2, dm->img, dm->img))
		return -EIO;
	f = popen("losetup -f", "r");
	if (!f)
		return -errno;
	if (!fgets(dm->loop, sizeof(dm->loop), f)) {
		pclose(f);
		return -EIO;
	}
	pclose(f);
	dm->loop[strcspn(dm->loop, "\n")] = '\0';
	if (ovl_sh("losetup %s %s", dm->loop, dm->img))
		return -EIO;
	if (ovl_sh("dmsetup create %s --table '0 %lu linear %s 0'", dm->name,
		   dm->sectors, dm->loop))
		return -EIO;
	if (mount(dm->dev, dm->mnt, "ext4", 0, NULL))
		return -errno;
	return 0;
}

static inline void ovl_dm_teardown(struct ovl_dm *dm)
{
	if (!dm->name[0])
		return;
	ovl_dm_table(dm, 0);
	umount2(dm->mnt, MNT_DETACH);
	/* The superblock may outlive the detach for a moment. */
	for (int i = 0; i < 50; i++) {
		if (!ovl_sh("dmsetup remove %s >/dev/null 2>&1", dm->name))
			break;
		usleep(20000);
	}
	ovl_sh("losetup -d %s >/dev/null 2>&1", dm->loop);
	unlink(dm->img);
	dm->name[0] = '\0';
}

/*
 * A writeback error on the filesystem of @dm: a file written back while
 * the device fails. Its own fdatasync() sees the error, the superblock's
 * s_wb_err keeps it unseen, unless @seen: then a syncfs() reports it, as
 * a third party's would. 0, or -errno (-EPROTO: no error came back).
 */
static inline int ovl_dm_wb_error(struct ovl_dm *dm, int seen)
{
	static char buf[65536];
	char path[PATH_MAX];
	int fd, sfd, ret = 0;

	if (vt_join(path, dm->mnt, "wb-error-victim"))
		return -ENAMETOOLONG;
	memset(buf, 'e', sizeof(buf));
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	sfd = open(dm->mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* On disk once, then dirty again: writeback has work to fail */
	if (sfd < 0 || write(fd, buf, sizeof(buf)) != sizeof(buf) ||
	    fsync(fd) || pwrite(fd, buf, sizeof(buf), 0) != sizeof(buf))
		ret = -EIO;
	if (!ret && ovl_dm_table(dm, 1))
		ret = -EIO;
	if (!ret && (!fdatasync(fd) || errno != EIO))
		ret = -EPROTO;
	ovl_dm_table(dm, 0);
	if (!ret && seen && (!syncfs(sfd) || errno != EIO))
		ret = -EPROTO;
	close(fd);
	if (sfd >= 0)
		close(sfd);
	unlink(path);
	return ret;
}

#endif /* OVL_VOLATILE_TEST_H */
