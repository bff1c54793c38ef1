// SPDX-License-Identifier: GPL-2.0
/*
 * Faults under a volatile pair, through ovlctl on every authority (the
 * ovlvol module on stock kernels, the patched kernel) and, on patched
 * kernels, through plain mount(2) as well:
 *
 * - wb: writeback errors from dm-error and from dm-flakey (error_writes)
 *   under an ext4 (loop image) or the xfs scratch disk, hitting the
 *   overlay's own dirty data: ovlctl's verdict and reason, also after a
 *   third party's syncfs consumed the error; a reused overlay's fsync and
 *   syncfs fail after a new error.
 * - space: ENOSPC and EDQUOT while ovlctl records the spec and the
 *   checkpoint and while overlayfs mounts: a clear error, nothing mounted,
 *   nothing half-written reused later, the pair usable once space is back.
 * - race: ovlctl mount/umount/check/discard/gc callers and plain mount(2)
 *   over a few pairs at once, with a watcher on mountinfo.
 *
 * What ovlvol_errseq (the module's ids), volatile_reuse's wberr (plain
 * mounts on the patched kernel, dm-error) and ovlctl_restart's verdict rows
 * (an error on another file of an ext2 upper, dm-error) already cover is
 * not repeated here.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/quota.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <linux/capability.h>
#include <linux/fs.h>

#include <json-c/json.h>

#include "kselftest_harness.h"
#include "ovl_volatile_test.h"
#include "ovlvol_test.h"

#ifndef PRJQUOTA
#define PRJQUOTA 2
#endif

#define FIO_EXIT_OK 0
#define FIO_EXIT_ERROR 1
#define FIO_EXIT_NOT_REUSABLE 3
#define FIO_EXIT_DISCARDED 4
#define FIO_EXIT_BUSY 5
#define FIO_STUCK 300 /* our own status: ovlctl did not end in time */

#define SPEC_XATTR "trusted.ovlctl.spec"
#define DATA_LEN (256 << 10)

static const char *fio_ovlctl(void)
{
	const char *p = getenv("OVLVOL_OVLCTL");

	return p && *p ? p : "/usr/sbin/ovlctl";
}

static int fio_patched(void)
{
	const char *k = getenv("OVLVOL_KIND");

	return k && !strcmp(k, "patched");
}

/* One ovlctl run: its exit status (or 128 + signal, or FIO_STUCK). */
struct fio_run {
	int status;
	char out[16384];
	char err[4096];
};

static void fio_slurp(int fd, char *buf, size_t len)
{
	ssize_t n = pread(fd, buf, len - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	close(fd);
}

/* Drop CAP_SYS_RESOURCE from every set, so quota limits apply to root. */
static int fio_drop_sys_resource(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];

	if (prctl(PR_CAPBSET_DROP, CAP_SYS_RESOURCE, 0, 0, 0))
		return -errno;
	if (syscall(SYS_capget, &h, d))
		return -errno;
	d[0].effective &= ~(1U << CAP_SYS_RESOURCE);
	d[0].permitted &= ~(1U << CAP_SYS_RESOURCE);
	d[0].inheritable &= ~(1U << CAP_SYS_RESOURCE);
	if (syscall(SYS_capset, &h, d))
		return -errno;
	return 0;
}

/*
 * Run ovlctl with @argv (NULL-terminated, no argv[0]), at most @secs
 * seconds; without CAP_SYS_RESOURCE when @nores.
 */
static int fio_ovlctl_run(struct fio_run *r, int nores, int secs,
			  const char *const *argv)
{
	const char *args[32];
	int n = 0, ofd, efd, st;
	struct timespec t0, t;
	pid_t pid, p;

	args[n++] = "ovlctl";
	while (*argv && n < 31)
		args[n++] = *argv++;
	args[n] = NULL;
	r->out[0] = r->err[0] = '\0';
	r->status = 255;
	ofd = memfd_create("fio-out", MFD_CLOEXEC);
	efd = memfd_create("fio-err", MFD_CLOEXEC);
	if (ofd < 0 || efd < 0)
		return r->status;
	pid = fork();
	if (pid < 0)
		return r->status;
	if (!pid) {
		if (dup2(ofd, 1) < 0 || dup2(efd, 2) < 0)
			_exit(126);
		if (nores && fio_drop_sys_resource())
			_exit(125);
		execv(fio_ovlctl(), (char **)args);
		_exit(127);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		p = waitpid(pid, &st, WNOHANG);
		if (p == pid)
			break;
		if (p < 0 && errno != EINTR) {
			st = 255 << 8;
			break;
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > secs) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			st = -1;
			break;
		}
		usleep(5000);
	}
	r->status = st == -1	  ? FIO_STUCK :
		    WIFEXITED(st) ? WEXITSTATUS(st) :
				    128 + WTERMSIG(st);
	fio_slurp(ofd, r->out, sizeof(r->out));
	fio_slurp(efd, r->err, sizeof(r->err));
	return r->status;
}

#define OVLCTL(r, ...) \
	fio_ovlctl_run((r), 0, 120, (const char *const[]){ __VA_ARGS__, NULL })
#define OVLCTL_NORES(r, ...) \
	fio_ovlctl_run((r), 1, 120, (const char *const[]){ __VA_ARGS__, NULL })
#define LOG_RUN(r)                                                    \
	TH_LOG("ovlctl exit %d\nstdout: %s\nstderr: %s", (r)->status, \
	       (r)->out, (r)->err)

/* The string member "@key" of ovlctl's JSON object @s into @val; 0 or -1. */
static int fio_json_str(const char *s, const char *key, char *val, size_t len)
{
	json_object *o = json_tokener_parse(s), *v;
	int ret = -1;

	if (o && json_object_object_get_ex(o, key, &v) &&
	    json_object_is_type(v, json_type_string)) {
		snprintf(val, len, "%s", json_object_get_string(v));
		ret = 0;
	}
	json_object_put(o);
	return ret;
}

/* Does ovlctl's JSON @s say "@key": true? */
static int fio_json_true(const char *s, const char *key)
{
	json_object *o = json_tokener_parse(s), *v;
	int ret = o && json_object_object_get_ex(o, key, &v) &&
		  json_object_is_type(v, json_type_boolean) &&
		  json_object_get_boolean(v);

	json_object_put(o);
	return ret;
}

/* Does ovlctl's JSON @s say "@key": "@want"? */
static int fio_json_is(const char *s, const char *key, const char *want)
{
	char v[64];

	return !fio_json_str(s, key, v, sizeof(v)) && !strcmp(v, want);
}

/*
 * Mount points in this namespace: 1 if @target is one (and, when @ro is
 * not NULL, whether its mount is read-only), 0 if not.
 */
static int fio_mounted(const char *target, int *ro)
{
	char line[4 * PATH_MAX];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int found = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char mp[PATH_MAX];

		if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1)
			continue;
		if (strcmp(mp, target))
			continue;
		found = 1;
	}
	fclose(f);
	/* The superblock's flag too: overlayfs' read-only fallback */
	if (found && ro) {
		struct statvfs sv;

		*ro = !statvfs(target, &sv) && (sv.f_flag & ST_RDONLY);
	}
	return found;
}

/* Overlay mounts here whose upperdir is @upper. */
static int fio_overlays_of(const char *upper)
{
	char line[4 * PATH_MAX], key[PATH_MAX + 16];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int n = 0;

	if (!f)
		return -1;
	snprintf(key, sizeof(key), "upperdir=%s", upper);
	while (fgets(line, sizeof(line), f)) {
		const char *sep = strstr(line, " - overlay "), *p;

		if (!sep)
			continue;
		for (p = strstr(sep, key); p; p = strstr(p + 1, key)) {
			char c = p[strlen(key)];

			if (c == ',' || c == '\n' || c == ' ' || !c) {
				n++;
				break;
			}
		}
	}
	fclose(f);
	return n;
}

/* mount(2) of an overlay; 0 or -errno. */
static int fio_plain_mount(const char *lower, const char *upper,
			   const char *work, const char *target)
{
	char opts[4 * PATH_MAX];

	snprintf(opts, sizeof(opts),
		 "lowerdir=%s,upperdir=%s,workdir=%s,volatile", lower, upper,
		 work);
	return mount("overlay", target, "overlay", 0, opts) ? -errno : 0;
}

/* The same in a child without CAP_SYS_RESOURCE (quota applies). */
static int fio_plain_mount_nores(const char *lower, const char *upper,
				 const char *work, const char *target)
{
	int st, err;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (!pid) {
		if (fio_drop_sys_resource())
			_exit(255);
		err = fio_plain_mount(lower, upper, work, target);
		_exit(-err);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -EIO;
	return WEXITSTATUS(st) == 255 ? -EPERM : -WEXITSTATUS(st);
}

/*
 * The authority: on a stock kernel ovlvol is loaded (and later unloaded
 * when we did), and ovlctl must report one. NULL or why the test SKIPs.
 */
static const char *fio_auth_setup(int *loaded)
{
	static char why[256];
	struct fio_run r;
	char auth[32];
	int err;

	*loaded = 0;
	if (access(fio_ovlctl(), X_OK)) {
		snprintf(why, sizeof(why), "no ovlctl at %s (OVLVOL_OVLCTL)",
			 fio_ovlctl());
		return why;
	}
	if (!fio_patched() && !ovlvol_test_loaded()) {
		err = ovlvol_test_load();
		if (err && err != -EEXIST) {
			snprintf(
				why, sizeof(why),
				"stock kernel and ovlvol (OVLVOL_MODULE) does not load: %s",
				strerror(-err));
			return why;
		}
		*loaded = !err;
	}
	if (OVLCTL(&r, "-J", "features") ||
	    fio_json_str(r.out, "authority", auth, sizeof(auth)))
		snprintf(auth, sizeof(auth), "?");
	if (strcmp(auth, "kernel") && strcmp(auth, "module")) {
		snprintf(why, sizeof(why),
			 "ovlctl reports authority '%s': nothing can be reused",
			 auth);
		return why;
	}
	return NULL;
}

static void fio_auth_teardown(int *loaded)
{
	if (*loaded)
		ovlvol_test_unload_wait();
	*loaded = 0;
}

/*
 * Both fixtures' image on the ext4 scratch disk: detach its loop device,
 * remove it, unmount the scratch disk, unload ovlvol if we loaded it.
 */
static void fio_image_teardown(int loop_fd, const char *img,
			       const char *scratch, int *loaded)
{
	if (loop_fd >= 0) {
		ioctl(loop_fd, LOOP_CLR_FD, 0);
		close(loop_fd);
	}
	if (img[0])
		unlink(img);
	if (scratch[0])
		umount2(scratch, MNT_DETACH);
	fio_auth_teardown(loaded);
}

/* A pair under @dir: @name/{lower,upper,work} and target @name.m */
struct fio_pair {
	char lower[PATH_MAX], upper[PATH_MAX], work[PATH_MAX], merged[PATH_MAX];
};

static int fio_pair_init(struct fio_pair *p, const char *dir, const char *name)
{
	char base[PATH_MAX];
	int n;

	if (vt_join(base, dir, name) || vt_join(p->lower, base, "lower") ||
	    vt_join(p->upper, base, "upper") || vt_join(p->work, base, "work"))
		return -ENAMETOOLONG;
	n = snprintf(p->merged, sizeof(p->merged), "%s.m", base);
	if (n < 0 || n >= (int)sizeof(p->merged))
		return -ENAMETOOLONG;
	if ((mkdir(base, 0755) && errno != EEXIST) || mkdir(p->lower, 0755) ||
	    mkdir(p->upper, 0755) || mkdir(p->work, 0755) ||
	    mkdir(p->merged, 0755))
		return -errno;
	return vt_write_file(p->lower, "from-lower", "L");
}

/* @len bytes of @c to @dir/@name, from the start; 0 or -errno. */
static int fio_write_pattern(const char *dir, const char *name, char c,
			     size_t len)
{
	static char buf[65536];
	int fd = vt_open(dir, name, O_WRONLY | O_CREAT);
	size_t done;
	int err = 0;

	if (fd < 0)
		return fd;
	memset(buf, c, sizeof(buf));
	for (done = 0; done < len && !err; done += sizeof(buf))
		if (pwrite(fd, buf,
			   len - done < sizeof(buf) ? len - done : sizeof(buf),
			   done) < 0)
			err = -errno;
	if (close(fd) && !err)
		err = -errno;
	return err;
}

/* 0 if @dir/@name holds @len bytes of @c. */
static int fio_check_pattern(const char *dir, const char *name, char c,
			     size_t len)
{
	static char buf[65536];
	int fd = vt_open(dir, name, O_RDONLY);
	size_t done, i;
	ssize_t n;

	if (fd < 0)
		return fd;
	for (done = 0; done < len; done += n) {
		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		for (i = 0; i < (size_t)n; i++)
			if (buf[i] != c)
				break;
		if (i != (size_t)n)
			break;
	}
	n = read(fd, buf, 1);
	close(fd);
	return done == len && n == 0 ? 0 : -EBADMSG;
}

static int fio_syncfs_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = syncfs(fd) ? -errno : 0;
	close(fd);
	return ret;
}

/* Does @dir (or the marker dir under it) carry the checkpoint xattr? */
static int fio_has_xattr(const char *dir, const char *rel, const char *name)
{
	char path[PATH_MAX];

	if (rel ? vt_join(path, dir, rel) : vt_join(path, dir, "."))
		return 0;
	return getxattr(path, name, NULL, 0) >= 0;
}

static int fio_has_ckpt(const char *work)
{
	return fio_has_xattr(work, NULL, OVL_TRUSTED_XATTR) ||
	       fio_has_xattr(work, OVL_VOLATILE_DIR, OVL_TRUSTED_XATTR);
}

/*
 * Writeback errors
 * ================
 *
 * A dm device over the scratch xfs disk, or over a loop device over an
 * ext4 image (no journal to abort) on the scratch ext4 disk; its table is
 * switched from linear to error, or to flakey with error_writes (reads
 * still work, writes fail), and back.
 */
struct fio_dm {
	char name[32];
	char dev[64];
	char backing[PATH_MAX];
	unsigned long long sectors;
};

static int fio_dm_table(struct fio_dm *dm, int mode)
{
	char table[PATH_MAX + 128];

	if (mode == 0)
		snprintf(table, sizeof(table), "0 %llu linear %s 0",
			 dm->sectors, dm->backing);
	else if (mode == 1)
		snprintf(table, sizeof(table), "0 %llu error", dm->sectors);
	else
		/* up 0 s, down 1 s: always down; writes fail, reads pass */
		snprintf(table, sizeof(table),
			 "0 %llu flakey %s 0 0 1 1 error_writes", dm->sectors,
			 dm->backing);
	/* --nolockfs: no freeze, which would write back what is dirty */
	return ovlvol_test_sh("dmsetup load %s --table '%s' && "
			      "dmsetup suspend --nolockfs --noflush %s && "
			      "dmsetup resume %s",
			      dm->name, table, dm->name, dm->name);
}

static int fio_dm_create(struct fio_dm *dm, const char *backing)
{
	__u64 size;
	int fd;

	setenv("DM_DISABLE_UDEV", "1", 1);
	snprintf(dm->backing, sizeof(dm->backing), "%s", backing);
	fd = open(backing, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, BLKGETSIZE64, &size)) {
		close(fd);
		return -errno;
	}
	close(fd);
	dm->sectors = size / 512;
	snprintf(dm->name, sizeof(dm->name), "fio%d", getpid());
	snprintf(dm->dev, sizeof(dm->dev), "/dev/mapper/%s", dm->name);
	if (ovlvol_test_sh("dmsetup create %s --table '0 %llu linear %s 0' && "
			   "dmsetup mknodes %s",
			   dm->name, dm->sectors, backing, dm->name)) {
		dm->name[0] = '\0';
		return -EIO;
	}
	return 0;
}

static void fio_dm_remove(struct fio_dm *dm)
{
	int i;

	if (!dm->name[0])
		return;
	fio_dm_table(dm, 0);
	for (i = 0; i < 100; i++) {
		if (!ovlvol_test_sh("dmsetup remove --retry %s >/dev/null 2>&1",
				    dm->name))
			break;
		usleep(50000);
	}
	dm->name[0] = '\0';
}

FIXTURE(wb)
{
	int loaded;
	int loop_fd;
	char scratch[PATH_MAX]; /* the ext4 scratch disk, for the image */
	char img[PATH_MAX];
	char loop[64];
	char mnt[PATH_MAX]; /* the dm device's fs */
	struct fio_dm dm;
	struct fio_pair p;
	int upper_mounted;
};

FIXTURE_VARIANT(wb)
{
	const char *fstype;
	int mode; /* 1 dm-error, 2 dm-flakey error_writes */
};

FIXTURE_VARIANT_ADD(wb, ext4_dm_error){ .fstype = "ext4", .mode = 1 };
FIXTURE_VARIANT_ADD(wb, ext4_dm_flakey){ .fstype = "ext4", .mode = 2 };
FIXTURE_VARIANT_ADD(wb, xfs_dm_error){ .fstype = "xfs", .mode = 1 };
FIXTURE_VARIANT_ADD(wb, xfs_dm_flakey){ .fstype = "xfs", .mode = 2 };

FIXTURE_SETUP(wb)
{
	const char *env = !strcmp(variant->fstype, "xfs") ?
				  "OVLVOL_SCRATCH_XFS" :
				  "OVLVOL_SCRATCH_EXT4";
	const char *dev = getenv(env), *why;

	memset(self, 0, sizeof(*self));
	self->loop_fd = -1;
	ASSERT_EQ(0, vt_private_ns());
	why = fio_auth_setup(&self->loaded);
	if (why)
		SKIP(return, "%s", why);
	if (!dev || !*dev)
		SKIP(return, "no scratch disk (%s)", env);
	if (!vt_have_tool("dmsetup"))
		SKIP(return, "no dmsetup");
	if (!strcmp(variant->fstype, "ext4")) {
		if (!vt_have_tool("mkfs.ext4"))
			SKIP(return, "no mkfs.ext4");
		ASSERT_EQ(0,
			  ovlvol_test_mount_new(self->scratch, "ext4", dev, 0));
		ASSERT_EQ(0, vt_join(self->img, self->scratch, "wb.img"));
		ASSERT_EQ(
			0,
			ovlvol_test_sh(
				"truncate -s 64M %s && "
				"mkfs.ext4 -q -F -O ^has_journal %s >/dev/null 2>&1",
				self->img, self->img));
		self->loop_fd = ovlvol_test_loop_attach(self->img, self->loop,
							sizeof(self->loop));
		ASSERT_LE(0, self->loop_fd);
		dev = self->loop;
	}
	ASSERT_EQ(0, fio_dm_create(&self->dm, dev));
	ASSERT_EQ(0, ovlvol_test_mkdtemp(self->mnt));
	/* noinit_itable: no lazy init writes failing during an error */
	ASSERT_EQ(0, mount(self->dm.dev, self->mnt, variant->fstype, 0,
			   strcmp(variant->fstype, "ext4") ? NULL :
							     "noinit_itable"));
	self->upper_mounted = 1;
	{
		char dir[PATH_MAX];

		ASSERT_EQ(0, vt_join(dir, self->mnt, "fio.XXXXXX"));
		ASSERT_NE(NULL, mkdtemp(dir));
		ASSERT_EQ(0, fio_pair_init(&self->p, dir, "p"));
	}
}

FIXTURE_TEARDOWN(wb)
{
	if (self->p.merged[0])
		umount2(self->p.merged, MNT_DETACH);
	if (self->upper_mounted && umount(self->mnt))
		umount2(self->mnt, MNT_DETACH);
	fio_dm_remove(&self->dm);
	if (self->dm.name[0] || !ovlvol_test_sh("dmsetup ls | grep -q fio"))
		TH_LOG("a dm device of ours is left");
	fio_image_teardown(self->loop_fd, self->img, self->scratch,
			   &self->loaded);
}

/*
 * A first volatile mount through ovlctl, DATA_LEN bytes of 'a' in "data"
 * written through it and put on disk (a rewrite then needs no block
 * allocation), then rewritten with @c, left dirty, and unmounted.
 */
static void fio_dirty_pair(struct __test_metadata *_metadata,
			   struct fio_pair *p, const char *mnt, char c)
{
	struct fio_run r;

	ASSERT_EQ(0, OVLCTL(&r, "-J", "mount", "--lower", p->lower, "--upper",
			    p->upper, "--work", p->work, p->merged))
	LOG_RUN(&r);
	EXPECT_TRUE(fio_json_is(r.out, "verdict", "fresh"));
	ASSERT_EQ(0, fio_write_pattern(p->merged, "data", 'a', DATA_LEN));
	ASSERT_EQ(0, fio_syncfs_path(mnt));
	ASSERT_EQ(0, fio_write_pattern(p->merged, "data", c, DATA_LEN));
	ASSERT_EQ(0, OVLCTL(&r, "umount", p->merged))
	LOG_RUN(&r);
	ASSERT_FALSE(fio_mounted(p->merged, NULL));
	/* Not yet spoiled: the pair is reusable, as a control */
	ASSERT_EQ(0, OVLCTL(&r, "-J", "check", "--work", p->work))
	LOG_RUN(&r);
	ASSERT_TRUE(fio_json_is(r.out, "verdict", "reuse"))
	LOG_RUN(&r);
}

/* ovlctl check and mount both refuse with @reason; nothing is mounted. */
static void fio_expect_refusal(struct __test_metadata *_metadata,
			       struct fio_pair *p, const char *reason)
{
	struct fio_run r;

	EXPECT_EQ(FIO_EXIT_NOT_REUSABLE,
		  OVLCTL(&r, "-J", "check", "--work", p->work))
	LOG_RUN(&r);
	EXPECT_TRUE(fio_json_is(r.out, "reason", reason))
	LOG_RUN(&r);
	EXPECT_EQ(FIO_EXIT_NOT_REUSABLE,
		  OVLCTL(&r, "-J", "mount", "--work", p->work, p->merged))
	LOG_RUN(&r);
	EXPECT_TRUE(fio_json_is(r.out, "reason", reason))
	LOG_RUN(&r);
	EXPECT_TRUE(fio_json_is(r.out, "verdict", "refuse"));
	EXPECT_FALSE(fio_mounted(p->merged, NULL));
}

/* The patched kernel refuses a plain volatile mount with @err. */
static void fio_expect_kernel_refusal(struct __test_metadata *_metadata,
				      struct fio_pair *p, int err)
{
	int ret;

	if (!fio_patched())
		return;
	ret = fio_plain_mount(p->lower, p->upper, p->work, p->merged);
	if (!ret)
		umount2(p->merged, MNT_DETACH);
	EXPECT_EQ(-err, ret)
	TH_LOG("plain mount -o volatile: %s", strerror(-ret));
}

/* Once refused, --on-invalid=discard starts afresh and the pair works. */
static void fio_discard_and_reuse(struct __test_metadata *_metadata,
				  struct fio_pair *p)
{
	struct fio_run r;

	ASSERT_EQ(FIO_EXIT_DISCARDED,
		  OVLCTL(&r, "-J", "mount", "--on-invalid=discard", "--lower",
			 p->lower, "--upper", p->upper, "--work", p->work,
			 p->merged))
	LOG_RUN(&r);
	EXPECT_NE(0, vt_exists(p->merged, "from-lower"));
	EXPECT_EQ(0, vt_exists(p->merged, "data"));
	ASSERT_EQ(0, vt_write_file(p->merged, "after", "A"));
	ASSERT_EQ(0, OVLCTL(&r, "umount", p->merged))
	LOG_RUN(&r);
	ASSERT_EQ(0, OVLCTL(&r, "-J", "mount", "--work", p->work, p->merged))
	LOG_RUN(&r);
	EXPECT_TRUE(fio_json_is(r.out, "verdict", "reuse"));
	EXPECT_EQ(0, vt_check_file(p->merged, "after", "A"));
	EXPECT_EQ(0, OVLCTL(&r, "umount", p->merged))
	LOG_RUN(&r);
}

/*
 * The overlay's dirty data fails writeback (the upper file's own
 * fdatasync, so the superblock's error stays unseen): unseen-upper-error;
 * a third party's syncfs then consumes it: errseq-advanced. The patched
 * kernel refuses plain mounts alike (EIO, then EINVAL).
 */
TEST_F_TIMEOUT(wb, refused_after_error, 300)
{
	int ufd, ret;

	fio_dirty_pair(_metadata, &self->p, self->mnt, 'b');
	ufd = vt_open(self->p.upper, "data", O_RDWR);
	ASSERT_LE(0, ufd);
	ASSERT_EQ(0, fio_dm_table(&self->dm, variant->mode));
	ret = fdatasync(ufd) ? errno : 0;
	ASSERT_EQ(0, fio_dm_table(&self->dm, 0));
	close(ufd);
	ASSERT_EQ(EIO, ret)
	TH_LOG("the overlay's dirty data did not fail writeback");

	fio_expect_refusal(_metadata, &self->p, "unseen-upper-error");
	fio_expect_kernel_refusal(_metadata, &self->p, EIO);

	/* The third party's syncfs on the upper fs consumes the error */
	EXPECT_EQ(-EIO, fio_syncfs_path(self->mnt));
	fio_expect_refusal(_metadata, &self->p, "errseq-advanced");
	fio_expect_kernel_refusal(_metadata, &self->p, EINVAL);
	/* A second syncfs reports nothing new: still refused */
	EXPECT_EQ(0, fio_syncfs_path(self->mnt));
	fio_expect_refusal(_metadata, &self->p, "errseq-advanced");

	fio_discard_and_reuse(_metadata, &self->p);
}

/*
 * The writeback of the overlay's dirty data is done, and its error
 * consumed, by a third party's syncfs on the upper fs before anyone else
 * looks: errseq-advanced.
 */
TEST_F_TIMEOUT(wb, refused_after_syncfs_consumed_error, 300)
{
	int ret, fd;

	fio_dirty_pair(_metadata, &self->p, self->mnt, 'c');
	ASSERT_EQ(0, fio_dm_table(&self->dm, variant->mode));
	ret = fio_syncfs_path(self->mnt);
	ASSERT_EQ(0, fio_dm_table(&self->dm, 0));
	ASSERT_EQ(-EIO, ret);

	fd = open(self->p.work, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0)
		close(fd);
	if (fd < 0 && errno == EIO) {
		/* xfs shut down: its log could not be written either */
		struct fio_run r;

		TH_LOG("%s shut down after the failed syncfs (its log write failed too): ovlctl cannot read the pair",
		       variant->fstype);
		EXPECT_EQ(FIO_EXIT_ERROR,
			  OVLCTL(&r, "-J", "check", "--work", self->p.work))
		LOG_RUN(&r);
		EXPECT_NE(NULL, strstr(r.out, "output error"));
		EXPECT_EQ(FIO_EXIT_ERROR, OVLCTL(&r, "-J", "mount", "--work",
						 self->p.work, self->p.merged))
		LOG_RUN(&r);
		EXPECT_FALSE(fio_mounted(self->p.merged, NULL));
		return;
	}
	fio_expect_refusal(_metadata, &self->p, "errseq-advanced");
	fio_expect_kernel_refusal(_metadata, &self->p, EINVAL);
	fio_discard_and_reuse(_metadata, &self->p);
}

/*
 * After a clean reuse through ovlctl, a new error fails fsync and syncfs
 * on the reused overlay, and the next restart is refused.
 */
TEST_F_TIMEOUT(wb, error_after_reuse, 300)
{
	struct fio_run r;
	int ofd, ufd, ret;
	char buf[4096];

	ASSERT_EQ(0,
		  OVLCTL(&r, "mount", "--lower", self->p.lower, "--upper",
			 self->p.upper, "--work", self->p.work, self->p.merged))
	LOG_RUN(&r);
	ASSERT_EQ(0, fio_write_pattern(self->p.merged, "data", 'a', DATA_LEN));
	ASSERT_EQ(0, fio_syncfs_path(self->mnt));
	ASSERT_EQ(0, OVLCTL(&r, "umount", self->p.merged))
	LOG_RUN(&r);
	ASSERT_EQ(0, OVLCTL(&r, "-J", "mount", "--work", self->p.work,
			    self->p.merged))
	LOG_RUN(&r);
	ASSERT_TRUE(fio_json_is(r.out, "verdict", "reuse"));
	ASSERT_EQ(0, fio_check_pattern(self->p.merged, "data", 'a', DATA_LEN));

	ofd = vt_open(self->p.merged, "data", O_RDWR);
	ASSERT_LE(0, ofd);
	memset(buf, 'd', sizeof(buf));
	ASSERT_EQ(sizeof(buf), pwrite(ofd, buf, sizeof(buf), 0));
	/* No error yet: a volatile fsync succeeds (it syncs nothing) */
	ASSERT_EQ(0, fsync(ofd));
	ASSERT_EQ(0, syncfs(ofd));

	ufd = vt_open(self->p.upper, "data", O_RDWR);
	ASSERT_LE(0, ufd);
	ASSERT_EQ(0, fio_dm_table(&self->dm, variant->mode));
	ret = fdatasync(ufd) ? errno : 0;
	ASSERT_EQ(0, fio_dm_table(&self->dm, 0));
	close(ufd);
	ASSERT_EQ(EIO, ret);

	ret = fsync(ofd) ? errno : 0;
	EXPECT_EQ(EIO, ret)
	TH_LOG("fsync on the reused overlay: %s", strerror(ret));
	ret = syncfs(ofd) ? errno : 0;
	EXPECT_EQ(EIO, ret)
	TH_LOG("syncfs on the reused overlay: %s", strerror(ret));
	close(ofd);
	EXPECT_EQ(0, OVLCTL(&r, "umount", self->p.merged))
	LOG_RUN(&r);
	fio_expect_refusal(_metadata, &self->p, "unseen-upper-error");
	fio_expect_kernel_refusal(_metadata, &self->p, EIO);
}

/*
 * Full disk and quota
 * ===================
 *
 * A small ext4 or xfs in an image on the scratch ext4 disk, on a loop
 * device.
 */
FIXTURE(space)
{
	int loaded;
	int loop_fd;
	char scratch[PATH_MAX];
	char img[PATH_MAX];
	char loop[64];
	char mnt[PATH_MAX];
	int mounted;
	struct fio_pair p, q;
};

/*
 * The filesystem under test lives in a small image on the ext4 scratch
 * disk: ext4 16 MiB, xfs 64 MiB (below mkfs.xfs's 300 MB floor, which it
 * lifts for test suites that set TEST_DIR, TEST_DEV and QA_CHECK_FS).
 */
FIXTURE_VARIANT(space)
{
	const char *fstype;
};

FIXTURE_VARIANT_ADD(space, ext4){ .fstype = "ext4" };
FIXTURE_VARIANT_ADD(space, xfs){ .fstype = "xfs" };

FIXTURE_SETUP(space)
{
	const char *dev = getenv("OVLVOL_SCRATCH_EXT4"), *why;
	char mkfs[16];

	memset(self, 0, sizeof(*self));
	self->loop_fd = -1;
	ASSERT_EQ(0, vt_private_ns());
	why = fio_auth_setup(&self->loaded);
	if (why)
		SKIP(return, "%s", why);
	if (!dev || !*dev)
		SKIP(return, "no scratch disk (OVLVOL_SCRATCH_EXT4)");
	snprintf(mkfs, sizeof(mkfs), "mkfs.%s", variant->fstype);
	if (!vt_have_tool(mkfs))
		SKIP(return, "no %s in this guest", mkfs);
	ASSERT_EQ(0, ovlvol_test_mount_new(self->scratch, "ext4", dev, 0));
	ASSERT_EQ(0, vt_join(self->img, self->scratch, "space.img"));
	ASSERT_EQ(0, ovlvol_test_mkdtemp(self->mnt));
}

FIXTURE_TEARDOWN(space)
{
	if (self->p.merged[0])
		umount2(self->p.merged, MNT_DETACH);
	if (self->q.merged[0])
		umount2(self->q.merged, MNT_DETACH);
	if (self->mounted)
		umount2(self->mnt, MNT_DETACH);
	fio_image_teardown(self->loop_fd, self->img, self->scratch,
			   &self->loaded);
}

/*
 * mkfs @fstype with @mkfs on the image, loop, mount with @opts: 0 or
 * -errno.
 */
static int fio_small_fs(FIXTURE_DATA(space) * self, const char *fstype,
			const char *mkfs, const char *opts)
{
	int xfs = !strcmp(fstype, "xfs");

	if (ovlvol_test_sh(
		    "rm -f %s && truncate -s %s %s && %s mkfs.%s -q %s %s %s >/dev/null 2>&1",
		    self->img, xfs ? "64M" : "16M", self->img,
		    xfs ? "TEST_DIR=1 TEST_DEV=1 QA_CHECK_FS=1" : "", fstype,
		    xfs ? "-f" : "-F", mkfs, self->img))
		return -EIO;
	self->loop_fd = ovlvol_test_loop_attach(self->img, self->loop,
						sizeof(self->loop));
	if (self->loop_fd < 0)
		return self->loop_fd;
	if (mount(self->loop, self->mnt, fstype, 0, opts))
		return -errno;
	self->mounted = 1;
	return 0;
}

/*
 * Then the inodes: xfs makes a dir without a block (its entries fit in
 * the inode) as long as an allocated inode chunk has a free inode. Nested
 * dirs, each in an empty parent, until none can be made: returns how many
 * were, or -errno for a failure other than ENOSPC/EDQUOT.
 */
static int fio_fill_inodes(const char *mnt)
{
	int dfd, nfd, n, err;

	dfd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	for (n = 0; n < 100000; n++) {
		if (mkdirat(dfd, "fill", 0755))
			break;
		nfd = openat(dfd, "fill", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		err = errno;
		close(dfd);
		if (nfd < 0)
			return -err;
		dfd = nfd;
	}
	err = errno;
	close(dfd);
	if (n == 100000)
		return -EMLINK;
	return err == ENOSPC || err == EDQUOT ? n : -err;
}

/*
 * Fill the fs at @mnt to the last block root may use, then its last free
 * inode; 0 or -errno.
 */
static int fio_fill(const char *mnt)
{
	static char buf[65536];
	size_t chunk;
	int fd, i;

	fd = vt_open(mnt, "filler", O_WRONLY | O_CREAT | O_APPEND);
	if (fd < 0)
		return fd;
	memset(buf, 'f', sizeof(buf));
	for (chunk = sizeof(buf); chunk >= 512; chunk /= 4) {
		for (i = 0; i < 3; i++) {
			ssize_t n;

			while ((n = write(fd, buf, chunk)) > 0)
				;
			if (n < 0 && errno != ENOSPC) {
				n = -errno;
				close(fd);
				return n;
			}
			/* Delayed allocation reserved more than it used */
			fsync(fd);
		}
	}
	close(fd);
	i = fio_fill_inodes(mnt);
	return i < 0 ? i : 0;
}

static int fio_unfill(const char *mnt)
{
	char path[PATH_MAX];

	if (ovlvol_test_sh("rm -rf %s/fill", mnt))
		return -EIO;
	if (vt_join(path, mnt, "filler") || unlink(path))
		return -errno;
	return fio_syncfs_path(mnt);
}

/* Is a dir still creatable on @mnt (the fill did not take)? */
static int fio_can_mkdir(const char *mnt)
{
	char path[PATH_MAX];

	if (vt_join(path, mnt, "probe") || mkdir(path, 0755))
		return 0;
	rmdir(path);
	return 1;
}

/*
 * After a failure with a full disk or an exceeded quota: what ovlctl now
 * says of @p must be fresh or a refusal, never a reuse (nothing of the
 * failed mount counts); then it mounts (fresh, or discarding) and the
 * pair is reusable again.
 */
static void fio_usable_again(struct __test_metadata *_metadata,
			     struct fio_pair *p, int nores, int mounted_before)
{
	struct fio_run r;
	char v[32] = "";
	int ret;

	ret = OVLCTL(&r, "-J", "check", "--lower", p->lower, "--upper",
		     p->upper, "--work", p->work);
	fio_json_str(r.out, "verdict", v, sizeof(v));
	TH_LOG("after space came back: check exit %d, verdict %s", ret, v);
	EXPECT_TRUE((ret == 0 && !strcmp(v, "fresh")) ||
		    (mounted_before && ret == 0 && !strcmp(v, "reuse")) ||
		    (ret == FIO_EXIT_NOT_REUSABLE && !strcmp(v, "refuse")))
	LOG_RUN(&r);
	ret = fio_ovlctl_run(
		&r, nores, 120,
		(const char *const[]){ "-J", "mount", "--on-invalid=discard",
				       "--lower", p->lower, "--upper", p->upper,
				       "--work", p->work, p->merged, NULL });
	ASSERT_TRUE(ret == 0 || ret == FIO_EXIT_DISCARDED)
	LOG_RUN(&r);
	ASSERT_EQ(0, vt_write_file(p->merged, "again", "G"));
	ASSERT_EQ(0, OVLCTL(&r, "umount", p->merged))
	LOG_RUN(&r);
	ASSERT_EQ(0, fio_ovlctl_run(&r, nores, 120,
				    (const char *const[]){ "-J", "mount",
							   "--work", p->work,
							   p->merged, NULL }))
	LOG_RUN(&r);
	EXPECT_TRUE(fio_json_is(r.out, "verdict", "reuse"));
	EXPECT_EQ(0, vt_check_file(p->merged, "again", "G"));
	EXPECT_EQ(0, OVLCTL(&r, "umount", p->merged))
	LOG_RUN(&r);
}

/*
 * What ovlctl says when overlayfs itself meets the full disk or the quota
 * making its work dir: it falls back to a read-only mount, which ovlctl
 * must unmount and report, not hand out.
 */
#define FIO_RDONLY_FALLBACK "was mounted read-only by overlayfs"
/* ... and what it says when it could not take back its preparation */
#define FIO_UNDO_FAILED "taking back the preparation failed"

/*
 * A failed ovlctl mount: exit 1, the message names @cause (or @alt, when
 * not NULL), nothing mounted, and neither a checkpoint nor a recorded spec
 * left behind (a failed mount takes back what it did:
 * Documentation/ovlctl.rst).
 */
static void fio_expect_clean_failure(struct __test_metadata *_metadata,
				     struct fio_run *r, struct fio_pair *p,
				     const char *cause, const char *alt)
{
	EXPECT_EQ(FIO_EXIT_ERROR, r->status)
	LOG_RUN(r);
	/* -J puts the error into the JSON on stdout */
	EXPECT_TRUE(strstr(r->err, cause) || strstr(r->out, cause) ||
		    (alt && (strstr(r->err, alt) || strstr(r->out, alt))))
	LOG_RUN(r);
	/* Taking back a first mount's xattrs works on a full disk too */
	EXPECT_FALSE(strstr(r->err, "undoing the preparation") ||
		     strstr(r->err, FIO_UNDO_FAILED) ||
		     strstr(r->out, FIO_UNDO_FAILED))
	LOG_RUN(r);
	EXPECT_FALSE(fio_mounted(p->merged, NULL));
	EXPECT_FALSE(fio_has_ckpt(p->work));
	EXPECT_FALSE(fio_has_xattr(p->work, NULL, SPEC_XATTR));
	TH_LOG("after the failure: spec %s, checkpoint %s, marker %s",
	       fio_has_xattr(p->work, NULL, SPEC_XATTR) ? "recorded" : "none",
	       fio_has_ckpt(p->work) ? "present" : "none",
	       vt_exists(p->work, OVL_VOLATILE_DIR) ? "present" : "none");
	/* An unexpected mount must not fail what follows as well */
	if (fio_mounted(p->merged, NULL))
		umount2(p->merged, MNT_DETACH);
}

/*
 * Fill @work's xattr block (1 KiB blocks, 128-byte inodes: every xattr is
 * in the block) so that a spec of @spec bytes still fits and the
 * checkpoint after it does not. The block: a 32-byte header, entries (16
 * bytes and the name, 4-byte aligned) and a 4-byte end, values 4-byte
 * aligned from the end. "fio-pad" (7) and "ovlctl.spec" (11) take 8 and
 * 12; the checkpoint would take 16 + 16 + 56 = 88 more: leave 44.
 */
static int fio_pad_xattr_block(struct __test_metadata *_metadata,
			       const char *work, ssize_t spec)
{
	long room =
		1024 - 32 - 4 - (16 + 8) - (16 + 12) - ((spec + 3) & ~3L) - 44;
	char *pad;
	int ret;

	TH_LOG("spec %zd bytes, padding %ld", spec, room);
	if (room <= 0)
		return -ENOSPC;
	pad = calloc(1, room);
	if (!pad)
		return -ENOMEM;
	memset(pad, 'p', room);
	ret = setxattr(work, "user.fio-pad", pad, room, 0) ? -errno : 0;
	free(pad);
	return ret;
}

/*
 * The disk fills up, its blocks and its inodes: (1) before the first
 * mount, where ovlctl records the spec (on ext4 every xattr needs a block:
 * 128-byte inodes); (2) before a reuse;
 * (3) before a first mount whose xattrs fit into the workdir's existing
 * xattr block, so overlayfs itself meets ENOSPC creating work/work. On the
 * patched kernel, (4) a plain mount(2) on the full disk, whose outcome
 * ovlctl's verdict must agree with afterwards.
 */
TEST_F_TIMEOUT(space, full_disk, 600)
{
	int xfs = !strcmp(variant->fstype, "xfs");
	struct fio_run r;
	int ret, ro = 0;
	char v[32] = "";

	ASSERT_EQ(0,
		  fio_small_fs(self, variant->fstype,
			       xfs ? "" : "-b 1024 -I 128 -m 0 -O ^has_journal",
			       NULL));
	ASSERT_EQ(0, fio_pair_init(&self->p, self->mnt, "p"));
	ASSERT_EQ(0, fio_pair_init(&self->q, self->mnt, "q"));

	/*
	 * (1) ENOSPC while ovlctl records the spec (ext4). xfs may keep
	 * the trusted xattrs in the inode, from its reserved blocks: then
	 * it is overlayfs that meets ENOSPC, making work/work.
	 */
	ASSERT_EQ(0, fio_fill(self->mnt));
	ASSERT_FALSE(fio_can_mkdir(self->mnt));
	ret = OVLCTL(&r, "mount", "--lower", self->p.lower, "--upper",
		     self->p.upper, "--work", self->p.work, self->p.merged);
	TH_LOG("first mount on a full disk: exit %d\n%s", ret, r.err);
	if (ret == 0 && xfs) {
		EXPECT_TRUE(fio_mounted(self->p.merged, &ro));
		EXPECT_FALSE(ro);
		umount2(self->p.merged, MNT_DETACH);
	} else {
		fio_expect_clean_failure(_metadata, &r, &self->p,
					 "No space left on device",
					 xfs ? FIO_RDONLY_FALLBACK : NULL);
	}
	ASSERT_EQ(0, fio_unfill(self->mnt));
	fio_usable_again(_metadata, &self->p, 0, ret == 0);

	/* (2) ENOSPC at a reuse: reused intact, or a clean error */
	ASSERT_EQ(0,
		  OVLCTL(&r, "mount", "--work", self->p.work, self->p.merged))
	LOG_RUN(&r);
	ASSERT_EQ(0, fio_write_pattern(self->p.merged, "data", 'a', 8192));
	ASSERT_EQ(0, OVLCTL(&r, "umount", self->p.merged))
	LOG_RUN(&r);
	ASSERT_EQ(0, fio_fill(self->mnt));
	ret = OVLCTL(&r, "-J", "mount", "--work", self->p.work, self->p.merged);
	TH_LOG("reuse on a full disk: exit %d", ret);
	if (ret == 0) {
		EXPECT_TRUE(fio_json_is(r.out, "verdict", "reuse"));
		EXPECT_EQ(0,
			  fio_check_pattern(self->p.merged, "data", 'a', 8192));
		EXPECT_EQ(0, OVLCTL(&r, "umount", self->p.merged));
	} else {
		EXPECT_EQ(FIO_EXIT_ERROR, ret)
		LOG_RUN(&r);
		EXPECT_TRUE(strstr(r.err, "No space left on device") ||
			    strstr(r.out, "No space left on device") ||
			    strstr(r.err, FIO_RDONLY_FALLBACK) ||
			    strstr(r.out, FIO_RDONLY_FALLBACK))
		LOG_RUN(&r);
		EXPECT_FALSE(fio_mounted(self->p.merged, NULL));
		/*
		 * A stock reuse that failed puts the stock marker back (the
		 * guard against a plain mount), or says that it could not
		 */
		if (!fio_patched())
			EXPECT_TRUE(vt_exists(self->p.work, OVL_VOLATILE_DIR) ||
				    strstr(r.err, FIO_UNDO_FAILED) ||
				    strstr(r.out, FIO_UNDO_FAILED))
		LOG_RUN(&r);
	}
	ASSERT_EQ(0, fio_unfill(self->mnt));
	ASSERT_EQ(0, OVLCTL(&r, "-J", "mount", "--work", self->p.work,
			    self->p.merged))
	LOG_RUN(&r);
	EXPECT_TRUE(fio_json_is(r.out, "verdict", "reuse"));
	EXPECT_EQ(0, fio_check_pattern(self->p.merged, "data", 'a', 8192));
	ASSERT_EQ(0, OVLCTL(&r, "umount", self->p.merged))
	LOG_RUN(&r);

	/* (3) ENOSPC inside mount(2): the xattrs fit, work/work does not */
	ASSERT_EQ(0, OVLCTL(&r, "discard", self->p.upper, self->p.work))
	LOG_RUN(&r);
	ASSERT_EQ(0, setxattr(self->p.work, "user.fio-pad", "x", 1, 0));
	ASSERT_EQ(0, fio_fill(self->mnt));
	TH_LOG("full again: a dir can%s be made",
	       fio_can_mkdir(self->mnt) ? "" : "not");
	ret = OVLCTL(&r, "-J", "mount", "--lower", self->p.lower, "--upper",
		     self->p.upper, "--work", self->p.work, self->p.merged);
	TH_LOG("first mount, work/work cannot be made: exit %d\n%s", ret,
	       r.err);
	if (ret == 0) {
		/* overlayfs falls back to a read-only mount */
		EXPECT_TRUE(fio_mounted(self->p.merged, &ro));
		EXPECT_FALSE(ro)
		TH_LOG("ovlctl reported success for a read-only overlay:\n%s%s",
		       r.out, r.err);
		umount2(self->p.merged, MNT_DETACH);
	} else {
		fio_expect_clean_failure(_metadata, &r, &self->p,
					 "No space left on device",
					 FIO_RDONLY_FALLBACK);
	}
	ASSERT_EQ(0, fio_unfill(self->mnt));
	fio_usable_again(_metadata, &self->p, 0, ret == 0);

	if (!fio_patched())
		return;
	/* (4) the patched kernel's plain mount on a full disk */
	ASSERT_EQ(0, fio_fill(self->mnt));
	ret = fio_plain_mount(self->q.lower, self->q.upper, self->q.work,
			      self->q.merged);
	TH_LOG("plain volatile mount on a full disk: %s",
	       ret ? strerror(-ret) : "mounted");
	if (!ret) {
		EXPECT_TRUE(fio_mounted(self->q.merged, &ro));
		TH_LOG("read-only: %d", ro);
		ASSERT_EQ(0, umount(self->q.merged));
	}
	ASSERT_EQ(0, fio_unfill(self->mnt));
	ret = OVLCTL(&r, "-J", "check", "--lower", self->q.lower, "--upper",
		     self->q.upper, "--work", self->q.work);
	fio_json_str(r.out, "verdict", v, sizeof(v));
	ret = fio_plain_mount(self->q.lower, self->q.upper, self->q.work,
			      self->q.merged);
	TH_LOG("afterwards: ovlctl says %s, the kernel %s", v,
	       ret ? strerror(-ret) : "mounts");
	/* ovlctl predicts what overlayfs does */
	EXPECT_EQ(!strcmp(v, "reuse") || !strcmp(v, "fresh"), ret == 0)
	LOG_RUN(&r);
	if (!ret)
		umount2(self->q.merged, MNT_DETACH);
}

/*
 * ENOSPC on the checkpoint itself (stock kernels: ovlctl writes it on the
 * workdir): the workdir's xattr block holds the spec, not the checkpoint
 * too. Sized from a twin pair's spec on the same fs (1 KiB blocks,
 * 128-byte inodes: every xattr lives in the one block).
 */
TEST_F_TIMEOUT(space, checkpoint_xattr_full, 600)
{
	struct fio_pair c;
	struct fio_run r;
	char before[4096], after[4096];
	ssize_t spec, n;

	if (fio_patched())
		SKIP(return,
			   "the patched kernel writes the checkpoint on work/incompat/volatile, a dir the mount makes (full_disk covers that mount)");
	if (strcmp(variant->fstype, "ext4"))
		SKIP(return,
			   "sized from ext4's xattr block; %s keeps small xattrs in the inode (full_disk covers it)",
			   variant->fstype);
	ASSERT_EQ(0, fio_small_fs(self, "ext4",
				  "-b 1024 -I 128 -m 0 -O ^has_journal", NULL));
	ASSERT_EQ(0, fio_pair_init(&c, self->mnt, "c"));
	ASSERT_EQ(0, fio_pair_init(&self->p, self->mnt, "p"));
	ASSERT_EQ(0, OVLCTL(&r, "mount", "--lower", c.lower, "--upper", c.upper,
			    "--work", c.work, c.merged))
	LOG_RUN(&r);
	ASSERT_EQ(0, OVLCTL(&r, "umount", "--seal", c.merged))
	LOG_RUN(&r);
	spec = getxattr(c.work, SPEC_XATTR, NULL, 0);
	ASSERT_LT(0, spec);

	/* A new pair: the spec fits, its checkpoint does not */
	ASSERT_EQ(0, fio_pad_xattr_block(_metadata, self->p.work, spec));
	OVLCTL(&r, "mount", "--lower", self->p.lower, "--upper", self->p.upper,
	       "--work", self->p.work, self->p.merged);
	fio_expect_clean_failure(_metadata, &r, &self->p,
				 "No space left on device", NULL);
	EXPECT_NE(NULL, strstr(r.err, "recording the checkpoint"))
	LOG_RUN(&r);
	ASSERT_EQ(0, removexattr(self->p.work, "user.fio-pad"));
	fio_usable_again(_metadata, &self->p, 0, 0);

	/*
	 * A sealed pair (spec recorded, no checkpoint) mounted again by its
	 * work dir alone: the failed mount leaves the spec as it was.
	 */
	n = getxattr(c.work, SPEC_XATTR, before, sizeof(before));
	ASSERT_EQ(spec, n);
	ASSERT_EQ(0, fio_pad_xattr_block(_metadata, c.work, spec));
	OVLCTL(&r, "mount", "--work", c.work, c.merged);
	EXPECT_EQ(FIO_EXIT_ERROR, r.status)
	LOG_RUN(&r);
	EXPECT_NE(NULL, strstr(r.err, "recording the checkpoint"))
	LOG_RUN(&r);
	EXPECT_FALSE(fio_mounted(c.merged, NULL));
	EXPECT_FALSE(fio_has_ckpt(c.work));
	n = getxattr(c.work, SPEC_XATTR, after, sizeof(after));
	EXPECT_EQ(spec, n);
	EXPECT_EQ(0, memcmp(before, after, spec));
	ASSERT_EQ(0, removexattr(c.work, "user.fio-pad"));
	ASSERT_EQ(0, OVLCTL(&r, "-J", "mount", "--work", c.work, c.merged))
	LOG_RUN(&r);
	umount2(c.merged, MNT_DETACH);
}

/*
 * A project quota on the pair, exceeded before the first mount, for an
 * ovlctl without CAP_SYS_RESOURCE (root ignores ext4's quota limits). ext4
 * fails with EDQUOT; xfs reports an exceeded project quota as ENOSPC (as
 * if the project were a filesystem of its own). On xfs a dir costs an
 * inode and no block, so the inode count is limited too.
 */
TEST_F_TIMEOUT(space, project_quota, 600)
{
	int xfs = !strcmp(variant->fstype, "xfs");
	const char *cause = xfs ? "No space left on device" :
				  "Disk quota exceeded";
	struct fsxattr fsx;
	struct if_dqblk dq;
	struct fio_run r;
	char dir[PATH_MAX];
	int fd, ret;

	ret = fio_small_fs(self, variant->fstype,
			   xfs ? "" : "-b 1024 -I 256 -O quota,project",
			   "prjquota");
	if (ret == -ESRCH)
		SKIP(return,
			   "ext4 quota does not mount: the quota format module (quota_v2) is not in the guest");
	if (ret == -EINVAL || ret == -EROFS)
		SKIP(return,
			   "%s with project quota does not mount: no quota support (%s) in this kernel",
			   variant->fstype,
			   xfs ? "CONFIG_XFS_QUOTA" : "CONFIG_QUOTA");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, vt_join(dir, self->mnt, "prj"));
	ASSERT_EQ(0, mkdir(dir, 0755));
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, FS_IOC_FSGETXATTR, &fsx));
	fsx.fsx_projid = 42;
	fsx.fsx_xflags |= FS_XFLAG_PROJINHERIT;
	ASSERT_EQ(0, ioctl(fd, FS_IOC_FSSETXATTR, &fsx));
	close(fd);
	ASSERT_EQ(0, fio_pair_init(&self->p, dir, "p"));

	/* A hard limit of 1 KiB and 1 inode: below what the dirs use */
	memset(&dq, 0, sizeof(dq));
	dq.dqb_bhardlimit = 1;
	dq.dqb_ihardlimit = 1;
	dq.dqb_valid = QIF_BLIMITS | QIF_ILIMITS;
	ASSERT_EQ(0, quotactl(QCMD(Q_SETQUOTA, PRJQUOTA), self->loop, 42,
			      (caddr_t)&dq))
	TH_LOG("Q_SETQUOTA: %s", strerror(errno));
	ASSERT_EQ(0, quotactl(QCMD(Q_GETQUOTA, PRJQUOTA), self->loop, 42,
			      (caddr_t)&dq));
	TH_LOG("project 42: %llu bytes and %llu inodes used, limits %llu KiB and %llu inodes",
	       (unsigned long long)dq.dqb_curspace,
	       (unsigned long long)dq.dqb_curinodes,
	       (unsigned long long)dq.dqb_bhardlimit,
	       (unsigned long long)dq.dqb_ihardlimit);
	dq.dqb_valid = QIF_BLIMITS | QIF_ILIMITS;

	OVLCTL_NORES(&r, "mount", "--lower", self->p.lower, "--upper",
		     self->p.upper, "--work", self->p.work, self->p.merged);
	fio_expect_clean_failure(_metadata, &r, &self->p, cause,
				 xfs ? FIO_RDONLY_FALLBACK : NULL);

	dq.dqb_bhardlimit = 0;
	dq.dqb_ihardlimit = 0;
	ASSERT_EQ(0, quotactl(QCMD(Q_SETQUOTA, PRJQUOTA), self->loop, 42,
			      (caddr_t)&dq));
	fio_usable_again(_metadata, &self->p, 1, 0);

	if (!fio_patched())
		return;
	/* The patched kernel's own checkpoint write under the quota */
	ASSERT_EQ(0, fio_pair_init(&self->q, dir, "q"));
	dq.dqb_bhardlimit = 1;
	dq.dqb_ihardlimit = 1;
	ASSERT_EQ(0, quotactl(QCMD(Q_SETQUOTA, PRJQUOTA), self->loop, 42,
			      (caddr_t)&dq));
	ret = fio_plain_mount_nores(self->q.lower, self->q.upper, self->q.work,
				    self->q.merged);
	TH_LOG("plain volatile mount over quota: %s",
	       ret ? strerror(-ret) : "mounted");
	if (!ret)
		ASSERT_EQ(0, umount(self->q.merged));
	dq.dqb_bhardlimit = 0;
	dq.dqb_ihardlimit = 0;
	ASSERT_EQ(0, quotactl(QCMD(Q_SETQUOTA, PRJQUOTA), self->loop, 42,
			      (caddr_t)&dq));
	{
		char v[32] = "";

		OVLCTL(&r, "-J", "check", "--lower", self->q.lower, "--upper",
		       self->q.upper, "--work", self->q.work);
		fio_json_str(r.out, "verdict", v, sizeof(v));
		ret = fio_plain_mount(self->q.lower, self->q.upper,
				      self->q.work, self->q.merged);
		TH_LOG("afterwards: ovlctl says %s, the kernel %s", v,
		       ret ? strerror(-ret) : "mounts");
		EXPECT_EQ(!strcmp(v, "reuse") || !strcmp(v, "fresh"), ret == 0)
		LOG_RUN(&r);
		if (!ret)
			umount2(self->q.merged, MNT_DETACH);
	}
}

/*
 * Races
 * =====
 */
#define RACE_PAIRS 3
#define RACE_CALLERS 6
#define RACE_SECS 25
#define RACE_EVENTS 8192

/*
 * What the oracle reads: reuses, discards (also one made by a mount that
 * then failed) and spoiling plain mounts; the rest explains a failure.
 */
enum {
	EV_REUSE,
	EV_DISCARD,
	EV_SPOIL,
	EV_FRESH,
	EV_FAILED,
	EV_PLAIN,
	EV_FAILED_MOUNT,
};

static const char *const race_ev_name[] = {
	"ovlctl reuse",
	"discard",
	"plain mount, spoiling",
	"ovlctl fresh",
	"ovlctl mount failed",
	"plain mount, not spoiling",
	"ovlctl mount failed in mount(2) or after it",
};

struct race_event {
	int type, pair, who, st;
	double t0, t1;
};

struct race_caller {
	int ops[6]; /* mount, umount, check, discard, gc, plain */
	int status[8]; /* 0..5, 6: usage/unsupported/other, 7: crash/stuck */
	int reused, fresh, discarded, refused, busy, errors;
	int leaked;
};

struct race_shared {
	struct race_caller c[RACE_CALLERS + 1];
	int plain_ok, plain_fail, plain_spoil, plain_ro;
	int failed_discards;
	int samples, double_ovlctl, double_plain;
	char double_line[1024];
	char plain_line[1024];
	int nev;
	struct race_event ev[RACE_EVENTS];
	int stop;
};

static double fio_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void race_log(struct race_shared *sh, int type, int pair, int who,
		     int st, double t0, double t1)
{
	int i = __atomic_fetch_add(&sh->nev, 1, __ATOMIC_SEQ_CST);

	if (i < RACE_EVENTS)
		sh->ev[i] = (struct race_event){ type, pair, who, st, t0, t1 };
}

FIXTURE(race)
{
	int loaded;
	char mnt[PATH_MAX];
	char base[PATH_MAX];
	struct fio_pair p[RACE_PAIRS];
	struct race_shared *sh;
	pid_t kids[RACE_CALLERS + 2];
	int nkids;
};

FIXTURE_VARIANT(race)
{
	const char *fstype;
	const char *env;
};

FIXTURE_VARIANT_ADD(race, ext4){ .fstype = "ext4",
				 .env = "OVLVOL_SCRATCH_EXT4" };
FIXTURE_VARIANT_ADD(race, xfs){ .fstype = "xfs", .env = "OVLVOL_SCRATCH_XFS" };

FIXTURE_SETUP(race)
{
	const char *dev = getenv(variant->env), *why;
	char name[8];
	int i;

	memset(self, 0, sizeof(*self));
	ASSERT_EQ(0, vt_private_ns());
	why = fio_auth_setup(&self->loaded);
	if (why)
		SKIP(return, "%s", why);
	if (!dev || !*dev)
		SKIP(return, "no scratch disk (%s)", variant->env);
	ASSERT_EQ(0, ovlvol_test_mount_new(self->mnt, variant->fstype, dev, 0));
	ASSERT_EQ(0, vt_join(self->base, self->mnt, "race.XXXXXX"));
	ASSERT_NE(NULL, mkdtemp(self->base));
	for (i = 0; i < RACE_PAIRS; i++) {
		snprintf(name, sizeof(name), "p%d", i);
		ASSERT_EQ(0, fio_pair_init(&self->p[i], self->base, name));
	}
	self->sh = mmap(NULL, sizeof(*self->sh), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->sh);
	memset(self->sh, 0, sizeof(*self->sh));
}

FIXTURE_TEARDOWN(race)
{
	int i;

	for (i = 0; i < self->nkids; i++) {
		kill(self->kids[i], SIGKILL);
		waitpid(self->kids[i], NULL, 0);
	}
	if (self->mnt[0]) {
		char t[PATH_MAX];
		int j;

		for (i = 0; i < RACE_PAIRS; i++)
			for (j = 0; j <= RACE_CALLERS; j++) {
				if (snprintf(t, sizeof(t), "%s.%d",
					     self->p[i].merged,
					     j) < (int)sizeof(t))
					umount2(t, MNT_DETACH);
			}
		umount2(self->mnt, MNT_DETACH);
	}
	if (self->sh && self->sh != MAP_FAILED)
		munmap(self->sh, sizeof(*self->sh));
	fio_auth_teardown(&self->loaded);
}

static void race_target(char *t, const struct fio_pair *p, int who)
{
	if (snprintf(t, PATH_MAX, "%s.%d", p->merged, who) >= PATH_MAX)
		t[0] = '\0';
	else
		mkdir(t, 0755);
}

static void race_count(struct race_caller *c, int st)
{
	c->status[st <= 5 ? st : st < 128 ? 6 : 7]++;
}

/*
 * Does the table of `ovlctl -J gc` in @json have a row for @p's pair dir
 * whose action is "discarded"?
 */
static int fio_gc_discarded(const char *json, const struct fio_pair *p)
{
	json_object *o = json_tokener_parse(json), *pairs, *row, *v;
	char dir[PATH_MAX], *slash;
	int found = 0;
	size_t i;

	snprintf(dir, sizeof(dir), "%s", p->upper);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	if (o && json_object_object_get_ex(o, "pairs", &pairs) &&
	    json_object_is_type(pairs, json_type_array))
		for (i = 0; i < json_object_array_length(pairs) && !found;
		     i++) {
			row = json_object_array_get_idx(pairs, i);
			found = json_object_object_get_ex(row, "pair", &v) &&
				!strcmp(json_object_get_string(v), dir) &&
				json_object_object_get_ex(row, "action", &v) &&
				!strcmp(json_object_get_string(v), "discarded");
		}
	json_object_put(o);
	return found;
}

/* One ovlctl caller: random commands on random pairs until the stop. */
static void race_caller(struct race_shared *sh, struct fio_pair *p,
			const char *base, int who, double end)
{
	struct race_caller *c = &sh->c[who];
	int mounted[RACE_PAIRS] = { 0 }, k, op, st;
	char t[PATH_MAX];
	unsigned int seed = getpid() ^ (unsigned int)(fio_now() * 1000);
	struct fio_run *r = malloc(sizeof(*r));
	double t0;
	char v[32];

	if (!r)
		_exit(2);
	while (fio_now() < end) {
		k = rand_r(&seed) % RACE_PAIRS;
		op = rand_r(&seed) % 10;
		race_target(t, &p[k], who);
		t0 = fio_now();
		if (op < 4 && !mounted[k]) {
			const char *a[16] = { "-J", "mount" };
			int n = 2;

			if (rand_r(&seed) % 2)
				a[n++] = "--no-wait";
			if (!(rand_r(&seed) % 3))
				a[n++] = "--on-invalid=discard";
			a[n++] = "--lower";
			a[n++] = p[k].lower;
			a[n++] = "--upper";
			a[n++] = p[k].upper;
			a[n++] = "--work";
			a[n++] = p[k].work;
			a[n++] = t;
			a[n] = NULL;
			c->ops[0]++;
			st = fio_ovlctl_run(r, 0, 60, a);
			v[0] = '\0';
			fio_json_str(r->out, "verdict", v, sizeof(v));
			if (st == 0 || st == FIO_EXIT_DISCARDED)
				mounted[k] = 1;
			if (st == 0 && !strcmp(v, "reuse")) {
				c->reused++;
				race_log(sh, EV_REUSE, k, who, st, t0,
					 fio_now());
			} else if (st == 0) {
				c->fresh++;
				race_log(sh, EV_FRESH, k, who, st, t0,
					 fio_now());
			} else if (st == FIO_EXIT_DISCARDED ||
				   fio_json_true(r->out, "discarded")) {
				/* A mount failing after its discard too */
				c->discarded += st == FIO_EXIT_DISCARDED;
				if (st != FIO_EXIT_DISCARDED)
					__atomic_fetch_add(&sh->failed_discards,
							   1, __ATOMIC_SEQ_CST);
				race_log(sh, EV_DISCARD, k, who, st, t0,
					 fio_now());
			} else {
				/* It got as far as mount(2) and failed */
				int m = strstr(r->out, "see the kernel log") ||
					strstr(r->out, "unmount");

				race_log(sh, m ? EV_FAILED_MOUNT : EV_FAILED, k,
					 who, st, t0, fio_now());
			}
		} else if (op < 6) {
			const char *a[4] = { "umount" };
			int n = 1;

			if (!mounted[k])
				continue;
			if (!(rand_r(&seed) % 4))
				a[n++] = "--seal";
			a[n++] = t;
			a[n] = NULL;
			c->ops[1]++;
			st = fio_ovlctl_run(r, 0, 60, a);
			if (!fio_mounted(t, NULL))
				mounted[k] = 0;
		} else if (op == 6) {
			c->ops[2]++;
			st = fio_ovlctl_run(
				r, 0, 60,
				(const char *const[]){ "-J", "check", "--lower",
						       p[k].lower, "--upper",
						       p[k].upper, "--work",
						       p[k].work, NULL });
		} else if (op == 7) {
			c->ops[3]++;
			st = fio_ovlctl_run(
				r, 0, 60,
				(const char *const[]){ "discard", "--no-wait",
						       p[k].upper, p[k].work,
						       NULL });
			if (st == 0)
				race_log(sh, EV_DISCARD, k, who, st, t0,
					 fio_now());
		} else {
			int disc = rand_r(&seed) % 2;

			c->ops[4]++;
			st = fio_ovlctl_run(r, 0, 60,
					    (const char *const[]){
						    "-J", "gc", "--root", base,
						    disc ? "--discard" : NULL,
						    NULL });
			/* The pairs its table says it discarded */
			for (k = 0; disc && k < RACE_PAIRS; k++)
				if (fio_gc_discarded(r->out, &p[k]))
					race_log(sh, EV_DISCARD, k, who, st, t0,
						 fio_now());
		}
		race_count(c, st);
		if (st == FIO_EXIT_NOT_REUSABLE)
			c->refused++;
		else if (st == FIO_EXIT_BUSY)
			c->busy++;
		else if (st == FIO_EXIT_ERROR)
			c->errors++;
	}
	/* Leave nothing mounted */
	for (k = 0; k < RACE_PAIRS; k++) {
		if (!mounted[k])
			continue;
		race_target(t, &p[k], who);
		st = fio_ovlctl_run(r, 0, 60,
				    (const char *const[]){ "umount", t, NULL });
		race_count(c, st);
		if (fio_mounted(t, NULL)) {
			c->leaked++;
			umount2(t, MNT_DETACH);
		}
	}
	free(r);
	_exit(0);
}

/*
 * Plain mount(2) of the same pairs, bypassing ovlctl. A mount that
 * succeeds read-write where no checkpoint backs it (stock: ovlctl's on the
 * workdir) spoils the pair: only a discard makes it reusable again. One
 * that overlayfs made read-only (it lost the race for the work dir to
 * another mount) writes nothing and leaves no marker: it spoils nothing.
 */
static void race_plain(struct race_shared *sh, struct fio_pair *p, double end)
{
	unsigned int seed = getpid();
	char t[PATH_MAX];
	double t0;
	int k, ret, ro, ck;

	while (fio_now() < end) {
		k = rand_r(&seed) % RACE_PAIRS;
		race_target(t, &p[k], RACE_CALLERS);
		sh->c[RACE_CALLERS].ops[5]++;
		t0 = fio_now();
		ret = fio_plain_mount(p[k].lower, p[k].upper, p[k].work, t);
		if (ret) {
			sh->plain_fail++;
			usleep(50000 + rand_r(&seed) % 200000);
			continue;
		}
		sh->plain_ok++;
		/* The checkpoint as the mount left it, looked at at once */
		ck = fio_has_xattr(p[k].work, NULL, OVL_TRUSTED_XATTR);
		ro = 0;
		fio_mounted(t, &ro);
		if (!fio_patched() && !ro && !ck) {
			sh->plain_spoil++;
			race_log(sh, EV_SPOIL, k, RACE_CALLERS, 0, t0,
				 fio_now());
		} else {
			sh->plain_ro += ro;
			race_log(sh, EV_PLAIN, k, RACE_CALLERS, ro, t0,
				 fio_now());
		}
		usleep(50000 + rand_r(&seed) % 200000);
		if (umount(t))
			umount2(t, MNT_DETACH);
	}
	_exit(0);
}

/*
 * One look at mountinfo: overlays per upper, ovlctl's (targets .0 to .5)
 * and the plain mounter's (.6) apart.
 */
static void race_sample(struct race_shared *sh, struct fio_pair *p)
{
	static char lines[RACE_PAIRS][sizeof(sh->double_line)];
	char line[4 * PATH_MAX], key[PATH_MAX + 16], mp[PATH_MAX];
	int n[RACE_PAIRS] = { 0 }, np[RACE_PAIRS] = { 0 }, k;
	FILE *f = fopen("/proc/self/mountinfo", "re");
	size_t len;

	if (!f)
		return;
	memset(lines, 0, sizeof(lines));
	while (fgets(line, sizeof(line), f)) {
		if (!strstr(line, " - overlay ") ||
		    sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1)
			continue;
		for (k = 0; k < RACE_PAIRS; k++) {
			snprintf(key, sizeof(key), "upperdir=%s,", p[k].upper);
			if (!strstr(line, key))
				continue;
			len = strlen(mp);
			if (len > 2 && mp[len - 2] == '.' &&
			    mp[len - 1] == '0' + RACE_CALLERS)
				np[k]++;
			else
				n[k]++;
			len = strlen(lines[k]);
			snprintf(lines[k] + len, sizeof(lines[k]) - len, "%s",
				 mp);
			len = strlen(lines[k]);
			snprintf(lines[k] + len, sizeof(lines[k]) - len, " ");
		}
	}
	fclose(f);
	for (k = 0; k < RACE_PAIRS; k++) {
		if (n[k] > 1) {
			if (!sh->double_ovlctl++)
				memcpy(sh->double_line, lines[k],
				       sizeof(sh->double_line) - 1);
		} else if (n[k] + np[k] > 1) {
			if (!sh->double_plain++)
				memcpy(sh->plain_line, lines[k],
				       sizeof(sh->plain_line) - 1);
		}
	}
	sh->samples++;
}

/* Never two overlays on one upper: sample mountinfo until the stop. */
static void race_watch(struct race_shared *sh, struct fio_pair *p)
{
	while (!__atomic_load_n(&sh->stop, __ATOMIC_SEQ_CST))
		race_sample(sh, p);
	_exit(0);
}

/*
 * An ovlctl mount of the pair was under way when the plain mount returned
 * and mounted fresh or failed in (or after) its mount(2), after writing
 * its checkpoint: that checkpoint was sampled before the plain mount
 * returned (ovlctl reads the upper's errseq before it looks for the
 * marker, and a first mount that failed keeps its checkpoint when a marker
 * is there), so it covers the plain mount's writes.
 */
static int race_covered(const struct race_shared *sh,
			const struct race_event *s)
{
	int i;

	for (i = 0; i < sh->nev; i++) {
		const struct race_event *e = &sh->ev[i];

		if (e->pair == s->pair &&
		    (e->type == EV_FRESH || e->type == EV_FAILED_MOUNT) &&
		    e->t0 < s->t1 && e->t1 > s->t1)
			return 1;
	}
	return 0;
}

/*
 * The pair's events under way from a second before the spoiling mount to
 * the reuse, in start order.
 */
static void race_timeline(struct __test_metadata *_metadata,
			  const struct race_shared *sh,
			  const struct race_event *s,
			  const struct race_event *u)
{
	double last = -1;
	int i, best, shown = 0;

	while (shown < 64) {
		best = -1;
		for (i = 0; i < sh->nev; i++) {
			const struct race_event *e = &sh->ev[i];

			if (e->pair != s->pair || e->t0 <= last ||
			    e->t1 < s->t0 - 1 || e->t0 > u->t1)
				continue;
			if (best < 0 || e->t0 < sh->ev[best].t0)
				best = i;
		}
		if (best < 0)
			break;
		last = sh->ev[best].t0;
		TH_LOG("  %.3f-%.3f %s (%s %d, %s %d)", sh->ev[best].t0,
		       sh->ev[best].t1, race_ev_name[sh->ev[best].type],
		       sh->ev[best].who == RACE_CALLERS ? "plain" : "caller",
		       sh->ev[best].who,
		       sh->ev[best].who == RACE_CALLERS ? "ro" : "exit",
		       sh->ev[best].st);
		shown++;
	}
}

/*
 * N ovlctl callers, a plain mounter and a watcher over M pairs for a while;
 * then every pair is free, unmounted and unlocked, and the spoiled pairs
 * were never reused before a discard.
 */
TEST_F_TIMEOUT(race, callers, 600)
{
	double end = fio_now() + RACE_SECS, wait_end;
	struct race_shared *sh = self->sh;
	struct fio_run r;
	int i, j, k, st, stuck = 0, crashes = 0, bad = 0, covered;
	pid_t pid;

	for (i = 0; i < RACE_CALLERS + 2; i++) {
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			if (i < RACE_CALLERS)
				race_caller(sh, self->p, self->base, i, end);
			else if (i == RACE_CALLERS)
				race_plain(sh, self->p, end);
			else
				race_watch(sh, self->p);
		}
		self->kids[self->nkids++] = pid;
	}
	/* Each ovlctl has 60 s, and a caller ends after its last one */
	wait_end = end + 180;
	for (i = 0; i < RACE_CALLERS + 1; i++) {
		while ((pid = waitpid(self->kids[i], &st, WNOHANG)) == 0 &&
		       fio_now() < wait_end)
			usleep(100000);
		if (pid == 0) {
			stuck++;
			kill(self->kids[i], SIGKILL);
			waitpid(self->kids[i], &st, 0);
		}
		self->kids[i] = 0;
	}
	__atomic_store_n(&sh->stop, 1, __ATOMIC_SEQ_CST);
	waitpid(self->kids[RACE_CALLERS + 1], NULL, 0);
	self->nkids = 0;

	for (i = 0; i <= RACE_CALLERS; i++) {
		struct race_caller *c = &sh->c[i];

		if (i == RACE_CALLERS) {
			TH_LOG("plain mount(2): %d tries, %d mounted (%d spoiling a pair, %d read-only), %d refused",
			       c->ops[5], sh->plain_ok, sh->plain_spoil,
			       sh->plain_ro, sh->plain_fail);
			break;
		}
		TH_LOG("caller %d: mount %d (fresh %d, reused %d, discarded %d), umount %d, check %d, discard %d, gc %d; exit 0:%d 1:%d 3:%d 4:%d 5:%d other:%d crash/stuck:%d; leaked %d",
		       i, c->ops[0], c->fresh, c->reused, c->discarded,
		       c->ops[1], c->ops[2], c->ops[3], c->ops[4], c->status[0],
		       c->status[1], c->status[3], c->status[4], c->status[5],
		       c->status[2] + c->status[6], c->status[7], c->leaked);
		crashes += c->status[7];
		bad += c->leaked;
	}
	TH_LOG("ovlctl mounts that discarded, then failed: %d",
	       sh->failed_discards);
	TH_LOG("watcher: %d samples, %d with two of ovlctl's overlays on one upper, %d with ovlctl's and a plain mount(2)'s",
	       sh->samples, sh->double_ovlctl, sh->double_plain);
	if (sh->double_plain)
		TH_LOG("plain mount(2) and ovlctl on one upper (first seen): %s",
		       sh->plain_line);
	EXPECT_EQ(0, stuck);
	EXPECT_EQ(0, crashes);
	EXPECT_EQ(0, bad);
	EXPECT_LT(0, sh->samples);
	EXPECT_EQ(0, sh->double_ovlctl)
	TH_LOG("two of ovlctl's overlays on one upper: %s", sh->double_line);

	/* No reuse of a spoiled pair before a discard of it */
	if (sh->nev > RACE_EVENTS)
		sh->nev = RACE_EVENTS;
	for (i = 0, bad = 0, covered = 0; i < sh->nev; i++) {
		const struct race_event *s = &sh->ev[i];

		if (s->type != EV_SPOIL)
			continue;
		if (race_covered(sh, s)) {
			covered++;
			continue;
		}
		for (j = 0; j < sh->nev; j++) {
			const struct race_event *u = &sh->ev[j];
			int ok = 0;

			if (u->type != EV_REUSE || u->pair != s->pair ||
			    u->t0 < s->t1)
				continue;
			for (k = 0; k < sh->nev && !ok; k++) {
				const struct race_event *d = &sh->ev[k];

				/*
				 * Ended after the spoiling mount was made
				 * (while it stays mounted, no discard can
				 * act), begun before the reuse ended
				 */
				ok = d->type == EV_DISCARD &&
				     d->pair == s->pair && d->t1 > s->t1 &&
				     d->t0 < u->t1;
			}
			if (!ok) {
				bad++;
				TH_LOG("pair %d spoiled at %.3f reused at %.3f-%.3f with no discard between",
				       s->pair, s->t1, u->t0, u->t1);
				race_timeline(_metadata, sh, s, u);
			}
		}
	}
	EXPECT_EQ(0, bad);
	TH_LOG("spoiling plain mounts covered by an ovlctl mount under way: %d",
	       covered);

	/* Nothing left mounted, and every pair's lock free */
	for (k = 0; k < RACE_PAIRS; k++) {
		int lock;

		EXPECT_EQ(0, fio_overlays_of(self->p[k].upper));
		lock = open(self->p[k].work,
			    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		ASSERT_LE(0, lock);
		EXPECT_EQ(0, flock(lock, LOCK_EX | LOCK_NB));
		close(lock);
		EXPECT_EQ(0, OVLCTL(&r, "discard", "--no-wait",
				    self->p[k].upper, self->p[k].work))
		LOG_RUN(&r);
		EXPECT_EQ(0,
			  OVLCTL(&r, "mount", "--no-wait", "--lower",
				 self->p[k].lower, "--upper", self->p[k].upper,
				 "--work", self->p[k].work, self->p[k].merged))
		LOG_RUN(&r);
		EXPECT_EQ(0, OVLCTL(&r, "umount", self->p[k].merged))
		LOG_RUN(&r);
	}
}

TEST_HARNESS_MAIN
