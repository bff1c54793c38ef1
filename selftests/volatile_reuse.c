// SPDX-License-Identifier: GPL-2.0
/*
 * Reuse of volatile upper/work dirs, decided by the kernel: plain mount(2)
 * on a kernel with the patch series. Every case of ovl_volatile_cases.h
 * runs on each upper fs it names; further tests cover repeated reuse,
 * error reporting after a reuse, the userspace view of the identities, the
 * fs_context log and userxattr. Kernels without the series SKIP: their
 * path (the ovlvol module with ovlctl) runs the same table elsewhere.
 */
#include <errno.h>
#include <stdio.h>
#include <mntent.h>
#include <sys/fanotify.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>

#include "kselftest_harness.h"
#include "ovl_volatile_test.h"
#include "ovl_volatile_cases.h"

#define BIG_LEN 8192

#ifndef FSCONFIG_SET_FLAG
#define FSCONFIG_SET_FLAG 0
#define FSCONFIG_SET_STRING 1
#define FSCONFIG_CMD_CREATE 6
#endif

static const char *skip_reason =
	"no superblock instance ids or overlay load_uuid: stock kernel, needs ovlctl";

static void big_data(char *buf, int seed)
{
	int i;

	for (i = 0; i < BIG_LEN - 1; i++)
		buf[i] = 'a' + (i * 7 + seed) % 26;
	buf[BIG_LEN - 1] = '\0';
}

static void vr_write_data(struct __test_metadata *_metadata, const char *dir)
{
	char big[BIG_LEN];

	big_data(big, 3);
	ASSERT_EQ(0, vt_write_file(dir, "a", "first"));
	ASSERT_EQ(0, vt_write_file(dir, "big", big));
}

static void vr_check_data(struct __test_metadata *_metadata, const char *dir)
{
	char big[BIG_LEN];

	big_data(big, 3);
	EXPECT_EQ(0, vt_check_file(dir, "a", "first"));
	EXPECT_EQ(0, vt_check_file(dir, "big", big));
}

static void vr_forge(struct __test_metadata *_metadata, struct ovl_case_env *e,
		     const struct ovl_volatile_ckpt *orig,
		     enum ovl_case_action act)
{
	unsigned char raw[sizeof(*orig) + 1];
	size_t len;

	len = ovl_case_forge(orig, act, OVL_VOLATILE_AUTH_MODULE, raw);
	ASSERT_NE(0, len) TH_LOG("action %d forges nothing", act);
	if (len == sizeof(*orig))
		ASSERT_NE(0, memcmp(raw, orig, len));
	ASSERT_EQ(0, ovl_ckpt_write(e->l.work, OVL_TRUSTED_XATTR, raw, len));
}

/* Copy the workdir's marker and checkpoint, bit for bit, to work2. */
static void vr_copy_workdir(struct __test_metadata *_metadata,
			    struct ovl_case_env *e, const void *ckpt,
			    size_t len)
{
	static const char *const dirs[] = { "work", "work/incompat",
					    OVL_VOLATILE_DIR };
	char path[PATH_MAX];
	unsigned int i;

	ASSERT_EQ(0, mkdir(e->work2, 0755));
	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		ASSERT_EQ(0, vt_join(path, e->work2, dirs[i]));
		ASSERT_EQ(0, mkdir(path, 0755));
	}
	ASSERT_EQ(0, vt_write_file(e->work2, OVL_DIRTY, ""));
	ASSERT_EQ(0, ovl_ckpt_write(e->work2, OVL_TRUSTED_XATTR, ckpt, len));
}

/* Everything before the next mount, per action. */
static void vr_act(struct __test_metadata *_metadata, struct ovl_case_env *e,
		   const struct ovl_verdict_case *c,
		   const struct ovl_volatile_ckpt *orig, const char **work,
		   const char **opts)
{
	const char *ko = ovl_overlay_ko();
	__u8 before[16], after[16];
	char path[PATH_MAX];

	switch (c->action) {
	case OVL_ACT_NONE:
		break;
	case OVL_ACT_NOT_VOLATILE:
		*opts = NULL;
		break;
	case OVL_ACT_REMOUNT_UPPER: {
		struct ovl_sb_ids a, b;

		ASSERT_EQ(0, ovl_fs_instance(e->mnt, &a));
		ASSERT_EQ(0, umount(e->mnt)) TH_LOG("umount %s: %m", e->mnt);
		ASSERT_EQ(0, mount(e->dev, e->mnt, e->fstype, 0, NULL));
		ASSERT_EQ(0, ovl_fs_instance(e->mnt, &b));
		ASSERT_GT(b.id, a.id);
		break;
	}
	case OVL_ACT_RELOAD:
		ASSERT_NE(NULL, ko);
		ASSERT_EQ(0, ovl_load_uuid(before));
		ASSERT_EQ(0, ovl_reload_overlay(ko));
		ASSERT_EQ(0, ovl_load_uuid(after));
		ASSERT_NE(0, memcmp(before, after, sizeof(before)));
		break;
	case OVL_ACT_WB_ERROR:
	case OVL_ACT_WB_ERROR_SEEN:
	case OVL_ACT_FS_ERROR:
		ASSERT_EQ(0, ovl_case_upper_fault(e, c->action));
		break;
	case OVL_ACT_REMOTE:
		/* Runs on no fs the harness has (ovl_volatile_case_table.h) */
		ASSERT_TRUE(0);
		break;
	case OVL_ACT_FORGE_MAGIC ... OVL_ACT_XATTR_OVERSIZED:
		vr_forge(_metadata, e, orig, c->action);
		break;
	case OVL_ACT_XATTR_REMOVED:
		ASSERT_EQ(0, vt_join(path, e->l.work, OVL_VOLATILE_DIR));
		ASSERT_EQ(0, removexattr(path, OVL_TRUSTED_XATTR));
		break;
	case OVL_ACT_COPY_WORKDIR:
		vr_copy_workdir(_metadata, e, orig, sizeof(*orig));
		*work = e->work2;
		break;
	case OVL_ACT_OTHER_INCOMPAT:
		ASSERT_EQ(0, vt_join(path, e->l.work, "work/incompat/other"));
		ASSERT_EQ(0, mkdir(path, 0755));
		break;
	case OVL_ACT_IN_USE:
		ASSERT_EQ(0, ovl_case_hold_mount(e, e->l.work));
		break;
	case OVL_ACT_IN_USE_NS:
		ASSERT_EQ(0, ovl_case_hold_in_other_ns(e, ovl_case_hold_mount,
						       e->l.work));
		break;
	case OVL_ACT_RO_UPPER:
		ASSERT_EQ(0, ovl_case_upper_ro(e));
		break;
	case OVL_ACT_DISABLED:
		ASSERT_EQ(0, ovl_write_param("volatile_reuse", "N"));
		e->reuse_off = 1;
		break;
	}
}

/*
 * The kernel log from now on, where the distribution series leave some
 * reasons; the upstream series logs every one in the fs_context log, and
 * its tests never read the kernel log.
 */
static void vr_open_kmsg(struct __test_metadata *_metadata,
			 struct ovl_case_env *e)
{
	if (ovl_kernel_upstream())
		return;
	if (e->kmsg >= 0)
		close(e->kmsg);
	e->kmsg = ovl_kmsg_open();
	ASSERT_LE(0, e->kmsg);
}

static void vr_run_case(struct __test_metadata *_metadata,
			struct ovl_case_env *e,
			const struct ovl_verdict_case *c)
{
	struct ovl_volatile_ckpt orig;
	char before[sizeof(orig) + 8], after[sizeof(orig) + 8];
	ssize_t blen, alen;
	const char *work = e->l.work, *opts = "volatile";
	static char klog[65536];
	int ret;

	/* The first volatile mount leaves a marker with a checkpoint */
	ASSERT_EQ(0, ovl_case_mount(e, e->l.merged, e->l.work, "volatile"));
	vr_write_data(_metadata, e->l.merged);
	ASSERT_EQ(0, umount(e->l.merged));
	ASSERT_EQ(sizeof(orig), ovl_ckpt_read(e->l.work, OVL_TRUSTED_XATTR,
					      &orig, sizeof(orig)));

	vr_act(_metadata, e, c, &orig, &work, &opts);
	blen = ovl_ckpt_read(work, OVL_TRUSTED_XATTR, before, sizeof(before));

	vr_open_kmsg(_metadata, e);
	ret = ovl_case_mount(e, e->l.merged, work, opts);
	if (!c->err) {
		ASSERT_EQ(0, ret) TH_LOG("%s: reuse refused", e->fstype);
		vr_check_data(_metadata, e->l.merged);
		EXPECT_EQ(0, vt_check_file(e->l.merged, "from-lower", "L"));
		ASSERT_EQ(0, umount(e->l.merged));
	} else {
		if (!ret)
			umount(e->l.merged);
		ASSERT_EQ(-c->err, ret)
		TH_LOG("%s: expected %s", e->fstype, strerror(c->err));
		/* The upstream series: in the fs_context log only */
		klog[0] = '\0';
		if (!ovl_kernel_upstream())
			ovl_kmsg_read(e->kmsg, klog, sizeof(klog));
		if (c->action == OVL_ACT_RO_UPPER) {
			EXPECT_TRUE(ovl_log_says_read_only(e->fclog) ||
				    ovl_log_says_read_only(klog))
			TH_LOG("%s: no read-only upper in the logs:\n%s%s",
			       e->fstype, e->fclog, klog);
		} else {
			EXPECT_TRUE(ovl_log_has_reason(e->fclog, c->reason) ||
				    ovl_log_has_reason(klog, c->reason))
			TH_LOG("%s: no 'reason=%s' in the logs:\n%s%s",
			       e->fstype, c->reason, e->fclog, klog);
		}
		vr_check_data(_metadata, e->l.upper);
	}
	/* Reuse or refusal: the marker and its checkpoint stay as they were */
	EXPECT_TRUE(vt_exists(work, OVL_DIRTY));
	alen = ovl_ckpt_read(work, OVL_TRUSTED_XATTR, after, sizeof(after));
	EXPECT_EQ(blen, alen);
	if (blen > 0 && blen == alen)
		EXPECT_EQ(0, memcmp(before, after, blen));
}

FIXTURE(verdict)
{
	struct ovl_case_env e;
};

FIXTURE_VARIANT(verdict)
{
	struct ovl_verdict_case c; /* a row of ovl_volatile_case_table.h */
};

#include "ovl_volatile_case_table.h"

FIXTURE_SETUP(verdict)
{
	int err;

	memset(&self->e, 0, sizeof(self->e));
	err = vt_private_ns();
	if (err == -EPERM)
		SKIP(return, "needs CAP_SYS_ADMIN");
	ASSERT_EQ(0, err);
	if (!ovl_kernel_has_reuse())
		SKIP(return, "%s", skip_reason);
}

FIXTURE_TEARDOWN(verdict)
{
	ovl_case_env_fini(&self->e);
}

TEST_F_TIMEOUT(verdict, case, 300)
{
	unsigned int ran;

	if (variant->c.action == OVL_ACT_RELOAD && !ovl_overlay_ko())
		SKIP(return, "overlayfs is built into this kernel: no reload");
	ovl_case_run(_metadata, &self->e, &variant->c, 0, vr_run_case, &ran);
	if (!ran)
		SKIP(return, "%s", ovl_case_skip_reason(&variant->c));
}

/* Per upper fs tests. */
FIXTURE(reuse)
{
	struct ovl_case_env e;
};

/* tmpfs, ext4 and xfs: the first three of ovl_case_fses */
FIXTURE_VARIANT(reuse)
{
	unsigned int fs;
};

/* clang-format off */
FIXTURE_VARIANT_ADD(reuse, tmpfs)
{
	.fs = 0,
};

FIXTURE_VARIANT_ADD(reuse, ext4)
{
	.fs = 1,
};

FIXTURE_VARIANT_ADD(reuse, xfs)
{
	.fs = 2,
};

/* clang-format on */

FIXTURE_SETUP(reuse)
{
	const struct ovl_case_fs *f = &ovl_case_fses[variant->fs];
	int err;

	memset(&self->e, 0, sizeof(self->e));
	err = vt_private_ns();
	if (err == -EPERM)
		SKIP(return, "needs CAP_SYS_ADMIN");
	ASSERT_EQ(0, err);
	if (!ovl_kernel_has_reuse())
		SKIP(return, "%s", skip_reason);
	err = ovl_case_env_init(&self->e, f, 0);
	if (err == -ENXIO)
		SKIP(return, "no %s scratch device", f->fs.fstype);
	ASSERT_EQ(0, err);
}

FIXTURE_TEARDOWN(reuse)
{
	ovl_case_env_fini(&self->e);
}

/* Volatile, write, unmount, volatile again: 100 times, nothing lost. */
TEST_F_TIMEOUT(reuse, hundred_times, 600)
{
	struct ovl_case_env *e = &self->e;
	char name[32], data[64], big[BIG_LEN];
	int i, j;

	for (i = 0; i < 100; i++) {
		ASSERT_EQ(0,
			  ovl_case_mount(e, e->l.merged, e->l.work, "volatile"))
		TH_LOG("cycle %d", i);
		for (j = 0; j < i; j++) {
			snprintf(name, sizeof(name), "f%d", j);
			snprintf(data, sizeof(data), "cycle %d of %s", j,
				 e->fstype);
			ASSERT_EQ(0, vt_check_file(e->l.merged, name, data))
			TH_LOG("cycle %d: %s lost", i, name);
		}
		if (i) {
			big_data(big, i - 1);
			ASSERT_EQ(0, vt_check_file(e->l.merged, "big", big));
		}
		snprintf(name, sizeof(name), "f%d", i);
		snprintf(data, sizeof(data), "cycle %d of %s", i, e->fstype);
		ASSERT_EQ(0, vt_write_file(e->l.merged, name, data));
		big_data(big, i);
		ASSERT_EQ(0, vt_write_file(e->l.merged, "big", big));
		ASSERT_EQ(0, umount(e->l.merged));
		ASSERT_TRUE(vt_exists(e->l.work, OVL_DIRTY));
	}
}

/*
 * A reused work dir is sanitised like a fresh one: a mode or default ACL
 * set on work/work between mounts must not reach copy-up temp files.
 */
TEST_F(reuse, reused_workdir_sanitised)
{
	struct ovl_case_env *e = &self->e;
	/*
	 * A default ACL (version 2, little-endian {tag, perm}, id) that new
	 * files inherit as an access ACL: user::rwx, user:1234:rwx,
	 * group::rwx, mask::rwx, other::rwx.
	 */
	static const __u32 acl[] = {
		2,	    0x01 | (7 << 16), 0xffffffff, 0x02 | (7 << 16),
		1234,	    0x04 | (7 << 16), 0xffffffff, 0x10 | (7 << 16),
		0xffffffff, 0x20 | (7 << 16), 0xffffffff
	};
	char work[PATH_MAX], up[PATH_MAX];
	int has_acl;
	struct stat st;

	ASSERT_EQ(0, ovl_case_mount(e, e->l.merged, e->l.work, "volatile"));
	ASSERT_EQ(0, umount(e->l.merged));
	ASSERT_EQ(0, vt_join(work, e->l.work, "work"));
	ASSERT_EQ(0, stat(work, &st));
	ASSERT_EQ(0, st.st_mode & 07777);
	ASSERT_EQ(0, chmod(work, 0777));
	has_acl = setxattr(work, "system.posix_acl_default", acl, sizeof(acl),
			   0) == 0;
	if (!has_acl)
		TH_LOG("%s: no POSIX ACLs (%s), the mode alone is checked",
		       e->fstype, strerror(errno));

	ASSERT_EQ(0, ovl_case_mount(e, e->l.merged, e->l.work, "volatile"));
	ASSERT_EQ(0, stat(work, &st));
	EXPECT_EQ(0, st.st_mode & 07777);
	EXPECT_EQ(-1, getxattr(work, "system.posix_acl_default", NULL, 0));
	/* Copy up a lower file: its temp file is made in work/work */
	ASSERT_EQ(0, vt_write_file(e->l.merged, "from-lower", "copied up"));
	ASSERT_EQ(0, vt_join(up, e->l.upper, "from-lower"));
	EXPECT_EQ(-1, getxattr(up, "system.posix_acl_access", NULL, 0));
	ASSERT_EQ(0, umount(e->l.merged));
}

/*
 * Inode numbers get reused (ext4, xfs): a marker dir recreated until it has
 * the old number, with the old checkpoint copied onto it, is another dir.
 */
TEST_F(reuse, recreated_marker_same_inode_refused)
{
	struct ovl_case_env *e = &self->e;
	/* Whatever its layout: the old bytes, copied as they are */
	unsigned char ckpt[256];
	char vol[PATH_MAX], dirty[PATH_MAX];
	struct stat st;
	struct timespec t0, t;
	bool found = false;
	ssize_t len;
	ino_t old;
	int i, fd;

	ASSERT_EQ(0, ovl_case_mount(e, e->l.merged, e->l.work, "volatile"));
	ASSERT_EQ(0, umount(e->l.merged));
	len = ovl_ckpt_read(e->l.work, OVL_TRUSTED_XATTR, ckpt, sizeof(ckpt));
	ASSERT_LT(0, len);
	ASSERT_EQ(0, vt_join(vol, e->l.work, OVL_VOLATILE_DIR));
	ASSERT_EQ(0, vt_join(dirty, e->l.work, OVL_DIRTY));
	ASSERT_EQ(0, stat(vol, &st));
	old = st.st_ino;
	ASSERT_EQ(0, unlink(dirty));
	ASSERT_EQ(0, rmdir(vol));
	ASSERT_EQ(0, clock_gettime(CLOCK_MONOTONIC, &t0));
	/* A bound in time too: a debug kernel makes each try slow */
	for (i = 0; i < 2000 && !found; i++) {
		ASSERT_EQ(0, clock_gettime(CLOCK_MONOTONIC, &t));
		if (t.tv_sec - t0.tv_sec > 10)
			break;
		ASSERT_EQ(0, mkdir(vol, 0755));
		ASSERT_EQ(0, stat(vol, &st));
		found = st.st_ino == old;
		if (!found)
			ASSERT_EQ(0, rmdir(vol));
	}
	if (!found) {
		TH_LOG("%s: %d tries", e->fstype, i);
		SKIP(return, "no dir got the old inode number again");
	}
	TH_LOG("%s: inode %llu again after %d tries", e->fstype,
	       (unsigned long long)old, i);
	fd = open(dirty, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, setxattr(vol, OVL_TRUSTED_XATTR, ckpt, len, 0));

	vr_open_kmsg(_metadata, e);
	ASSERT_EQ(-EINVAL,
		  ovl_case_mount(e, e->l.merged, e->l.work, "volatile"));
	EXPECT_TRUE(ovl_case_has_reason(e, "binding-mismatch"));
}

/* The options /proc/self/mounts shows for the mount on @dir: 1, 0, -errno */
static int vr_mount_opts(const char *dir, char *opts, size_t len)
{
	struct mntent *m;
	FILE *f = setmntent("/proc/self/mounts", "re");
	int found = 0;

	if (!f)
		return -errno;
	while ((m = getmntent(f)))
		if (!strcmp(m->mnt_dir, dir)) {
			snprintf(opts, len, "%s", m->mnt_opts);
			found = 1;
		}
	endmntent(f);
	return found;
}

/*
 * volatile_reuse=on|off, the mount option whose default the module
 * parameter overlay.volatile_reuse sets (as for index or metacopy).
 */
TEST_F(reuse, mount_option_switch)
{
	struct ovl_case_env *e = &self->e;
	char opts[4096];

	ASSERT_EQ(0, ovl_case_mount(e, e->l.merged, e->l.work, "volatile"));
	ASSERT_EQ(0, umount(e->l.merged));

	vr_open_kmsg(_metadata, e);
	ASSERT_EQ(-EINVAL, ovl_case_mount(e, e->l.merged, e->l.work,
					  "volatile,volatile_reuse=off"));
	EXPECT_TRUE(ovl_case_has_reason(e, "disabled"));

	/* Off by default, on for this mount: reused, and shown as such */
	ASSERT_EQ(0, ovl_write_param("volatile_reuse", "N"));
	e->reuse_off = 1;
	ASSERT_EQ(0, ovl_case_mount(e, e->l.merged, e->l.work,
				    "volatile,volatile_reuse=on"));
	ASSERT_EQ(1, vr_mount_opts(e->l.merged, opts, sizeof(opts)));
	EXPECT_NE(NULL, strstr(opts, "volatile_reuse=on")) TH_LOG("%s", opts);
	ASSERT_EQ(0, umount(e->l.merged));
	ASSERT_EQ(-EINVAL,
		  ovl_case_mount(e, e->l.merged, e->l.work, "volatile"));
	EXPECT_TRUE(ovl_case_has_reason(e, "disabled"));
}

/*
 * load_uuid is read-only: a value given at load time is ignored with a
 * warning, and does not fail the load of overlayfs.
 */
TEST(load_uuid_param_ignored)
{
	const char *ko = ovl_overlay_ko();
	static const char zero_uuid[] =
		"load_uuid=00000000-0000-0000-0000-000000000000";
	static const __u8 zero[16];
	__u8 uuid[16];
	int ret;

	if (!ovl_kernel_has_reuse())
		SKIP(return, "%s", skip_reason);
	if (!ko)
		SKIP(return, "overlayfs is built into this kernel");
	ret = ovl_reload_overlay_with(ko, zero_uuid);
	if (ret == -EPERM)
		SKIP(return, "needs CAP_SYS_MODULE to reload overlayfs");
	if (ret == -EBUSY)
		SKIP(return, "overlayfs is in use: it cannot be reloaded");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, ovl_load_uuid(uuid));
	EXPECT_NE(0, memcmp(uuid, zero, sizeof(uuid)));
}

/*
 * A fanotify listener that stops the mount of pid @mounter when it opens
 * the workdir @work for overlayfs's d_type check, after its verdict found
 * no marker and after it made a fresh work/, and before it makes the
 * marker itself: the window two racing first mounts of one workdir
 * (index=off) share. There it moves @ready (a dir with a checkpoint
 * already on it) to work/incompat/volatile, then lets the mount go on.
 * Writes 1 to @fd once listening; exits 0 when it planted, else the step
 * that failed.
 */
static int vr_plant_marker(const char *work, const char *ready, pid_t mounter,
			   int fd)
{
	char dir[PATH_MAX], inc[PATH_MAX], vol[PATH_MAX];
	struct fanotify_event_metadata ev;
	struct fanotify_response r;
	int fan, ret = 3;
	char c = 1;

	if (vt_join(dir, work, "work") || vt_join(inc, dir, "incompat") ||
	    vt_join(vol, inc, "volatile"))
		return 2;
	fan = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC, O_RDONLY);
	if (fan < 0 || fanotify_mark(fan, FAN_MARK_ADD,
				     FAN_OPEN_PERM | FAN_ONDIR, AT_FDCWD, work))
		return 10 + errno;
	if (write(fd, &c, 1) != 1)
		return 2;
	alarm(10);
	while (ret == 3 && read(fan, &ev, sizeof(ev)) == sizeof(ev)) {
		if (ev.pid == mounter && !access(dir, F_OK)) {
			ret = 4;
			if ((!mkdir(inc, 0700) || errno == EEXIST) &&
			    !renameat2(AT_FDCWD, ready, AT_FDCWD, vol,
				       RENAME_NOREPLACE))
				ret = 0;
		}
		r.fd = ev.fd;
		r.response = FAN_ALLOW;
		if (write(fan, &r, sizeof(r)) != sizeof(r))
			ret = 5;
		close(ev.fd);
	}
	return ret;
}

/*
 * The checkpoint is written only on a marker this mount created: a mount
 * that finds one made after its own verdict (by a racing first mount, or
 * anything else) keeps what is there (XATTR_CREATE), so the first baseline
 * stays. The planted marker carries bytes no mount writes.
 */
TEST_F(reuse, found_marker_checkpoint_kept)
{
	struct ovl_case_env *e = &self->e;
	__u8 mine[sizeof(struct ovl_volatile_ckpt)], got[sizeof(mine) + 1];
	char path[PATH_MAX], ready[PATH_MAX], c;
	int st, sync[2], err;
	const char *why = NULL;
	ssize_t len;
	pid_t pid;

	memset(mine, 0xa5, sizeof(mine));
	ASSERT_EQ(0, vt_join(ready, e->l.work, "ready"));
	ASSERT_EQ(0, mkdir(ready, 0700));
	ASSERT_EQ(0, setxattr(ready, OVL_TRUSTED_XATTR, mine, sizeof(mine), 0));
	ASSERT_EQ(0, pipe2(sync, O_CLOEXEC));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(vr_plant_marker(e->l.work, ready, getppid(), sync[1]));
	close(sync[1]);
	if (read(sync[0], &c, 1) != 1) {
		ASSERT_EQ(pid, waitpid(pid, &st, 0));
		if (WIFEXITED(st) && WEXITSTATUS(st) >= 10)
			why = strerror(WEXITSTATUS(st) - 10);
		if (why)
			SKIP(return, "no fanotify permission events: %s", why);
		ASSERT_TRUE(0) TH_LOG("listener: %d", st);
	}
	close(sync[0]);
	err = ovl_case_mount(e, e->l.merged, e->l.work, "volatile");
	/* Whatever the mount did: the listener ends within its alarm */
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_EQ(0, err);
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(0, WEXITSTATUS(st))
	TH_LOG("planting failed at step %d", WEXITSTATUS(st));
	ASSERT_EQ(0, vt_join(path, e->l.work, OVL_VOLATILE_DIR));
	len = getxattr(path, OVL_TRUSTED_XATTR, got, sizeof(got));
	ASSERT_EQ(0, umount(e->l.merged));
	EXPECT_EQ((ssize_t)sizeof(mine), len);
	EXPECT_EQ(0, memcmp(got, mine, sizeof(mine)))
	TH_LOG("the mount overwrote the checkpoint of the marker it found");
}

/* What userspace reads is what the checkpoint holds. */
TEST_F(reuse, ids_match_checkpoint)
{
	struct ovl_case_env *e = &self->e;
	struct ovl_volatile_ckpt c, c2;
	struct ovl_sb_ids fi, other;
	char path[PATH_MAX];
	__u8 uuid[16];
	struct stat st;
	ssize_t len;

	ASSERT_EQ(0, ovl_fs_instance(e->l.upper, &fi));
	ASSERT_NE(0, fi.id);
	ASSERT_EQ(0, ovl_fs_instance("/proc", &other));
	ASSERT_NE(fi.id, other.id);
	ASSERT_EQ(0, ovl_load_uuid(uuid));

	ASSERT_EQ(0, ovl_case_mount(e, e->l.merged, e->l.work, "volatile"));
	ASSERT_EQ(sizeof(c),
		  ovl_ckpt_read(e->l.work, OVL_TRUSTED_XATTR, &c, sizeof(c)));
	EXPECT_EQ(OVL_VOLATILE_CKPT_MAGIC, le32toh(c.magic));
	EXPECT_EQ(OVL_VOLATILE_CKPT_V2, c.version);
	EXPECT_EQ(OVL_VOLATILE_AUTH_KERNEL, c.authority);
	EXPECT_EQ(OVL_VOLATILE_CKPT_V2_SIZE, le16toh(c.size));
	EXPECT_EQ(0, le32toh(c.flags));
	EXPECT_EQ(0, memcmp(uuid, c.nonce, sizeof(uuid)));
	EXPECT_EQ(fi.id, le64toh(c.sb_instance));
	EXPECT_EQ(fi.wb_err, le32toh(c.errseq));
	ASSERT_EQ(0, vt_join(path, e->l.work, OVL_VOLATILE_DIR));
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_EQ(st.st_ino, le64toh(c.binding));
	/* The generation the checkpoint binds to is the marker dir's */
	ASSERT_EQ(0, ovl_fs_instance(path, &other));
	EXPECT_EQ(fi.id, other.id);
	if (other.have_gen)
		EXPECT_EQ(other.generation, le32toh(c.binding_gen));
	EXPECT_EQ(fi.fs_errors, le32toh(c.fs_errors));
	/* The user. name is for userxattr mounts only */
	len = ovl_ckpt_read(e->l.work, OVL_USER_XATTR, &c2, sizeof(c2));
	/* EOPNOTSUPP: no user xattrs on this fs at all (tmpfs before 6.6) */
	EXPECT_TRUE(len == -ENODATA || len == -EOPNOTSUPP)
	TH_LOG("%s: user xattr read returned %zd", e->fstype, len);
	ASSERT_EQ(0, umount(e->l.merged));

	/* Reused, never refreshed */
	ASSERT_EQ(0, ovl_case_mount(e, e->l.merged, e->l.work, "volatile"));
	ASSERT_EQ(0, umount(e->l.merged));
	ASSERT_EQ(sizeof(c2),
		  ovl_ckpt_read(e->l.work, OVL_TRUSTED_XATTR, &c2, sizeof(c2)));
	EXPECT_EQ(0, memcmp(&c, &c2, sizeof(c)));
}

/* With userxattr the checkpoint is user.overlay.volatile. */
TEST_F(reuse, userxattr)
{
	struct ovl_case_env *e = &self->e;
	struct ovl_volatile_ckpt c;
	struct ovl_sb_ids fi;

	ASSERT_EQ(0, ovl_case_mount(e, e->l.merged, e->l.work,
				    "userxattr,volatile"));
	vr_write_data(_metadata, e->l.merged);
	ASSERT_EQ(0, umount(e->l.merged));
	if (ovl_ckpt_read(e->l.work, OVL_USER_XATTR, &c, sizeof(c)) ==
	    -EOPNOTSUPP)
		SKIP(return, "%s has no user xattrs", e->fstype);
	ASSERT_EQ(sizeof(c),
		  ovl_ckpt_read(e->l.work, OVL_USER_XATTR, &c, sizeof(c)));
	ASSERT_EQ(-ENODATA,
		  ovl_ckpt_read(e->l.work, OVL_TRUSTED_XATTR, &c, sizeof(c)));
	ASSERT_EQ(0, ovl_fs_instance(e->l.upper, &fi));
	EXPECT_EQ(fi.id, le64toh(c.sb_instance));
	ASSERT_EQ(0, ovl_case_mount(e, e->l.merged, e->l.work,
				    "userxattr,volatile"));
	vr_check_data(_metadata, e->l.merged);
	ASSERT_EQ(0, umount(e->l.merged));
}

/*
 * Does overlayfs parse its options through the fs_context API, and so log
 * mount errors where fsconfig(2) callers read them? Through the legacy
 * option parser, an fsconfig(2) parameter is only collected, whatever it
 * is, parsed at FSCONFIG_CMD_CREATE and never reported in the log.
 */
static int vr_has_fs_context_log(void)
{
	char buf[256];
	int fd, ret;

	fd = syscall(SYS_fsopen, "overlay", 0);
	if (fd < 0)
		return 0;
	ret = syscall(SYS_fsconfig, fd, FSCONFIG_SET_FLAG,
		      "ovlvol-no-such-option", NULL, 0) == -1 &&
	      errno == EINVAL && read(fd, buf, sizeof(buf)) > 0;
	close(fd);
	return ret;
}

/* fsconfig(2) callers read the reason from the fs_context fd. */
TEST_F(reuse, reason_in_fs_context_log)
{
	struct ovl_case_env *e = &self->e;
	char buf[1024];
	int fd, found = 0;
	ssize_t n;

	ASSERT_EQ(0, ovl_case_mount(e, e->l.merged, e->l.work, "volatile"));
	ASSERT_EQ(0, umount(e->l.merged));
	fd = syscall(SYS_fsopen, "overlay", 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, syscall(SYS_fsconfig, fd, FSCONFIG_SET_STRING, "lowerdir",
			     e->l.lower, 0));
	ASSERT_EQ(0, syscall(SYS_fsconfig, fd, FSCONFIG_SET_STRING, "upperdir",
			     e->l.upper, 0));
	ASSERT_EQ(0, syscall(SYS_fsconfig, fd, FSCONFIG_SET_STRING, "workdir",
			     e->l.work, 0));
	/* Not volatile: refused */
	ASSERT_EQ(-1, syscall(SYS_fsconfig, fd, FSCONFIG_CMD_CREATE, NULL, NULL,
			      0));
	ASSERT_EQ(EINVAL, errno);
	while ((n = read(fd, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = '\0';
		if (strstr(buf, "reason=not-volatile"))
			found = 1;
	}
	close(fd);
	if (!found && !vr_has_fs_context_log())
		SKIP(return, "legacy overlay option parser: no fs_context log");
	ASSERT_TRUE(found);
}

/* The error-injection fs. */
FIXTURE(wberr)
{
	struct ovl_case_env e;
};

FIXTURE_SETUP(wberr)
{
	static const struct ovl_case_fs dm = { OVL_FS_DMERR,
					       { .fstype = "ext4" } };
	int err;

	memset(&self->e, 0, sizeof(self->e));
	err = vt_private_ns();
	if (err == -EPERM)
		SKIP(return, "needs CAP_SYS_ADMIN");
	ASSERT_EQ(0, err);
	if (!ovl_kernel_has_reuse())
		SKIP(return, "%s", skip_reason);
	err = ovl_case_env_init(&self->e, &dm, 0);
	if (err == -ENXIO)
		SKIP(return, "no %s", ovl_dm_missing_tool());
	ASSERT_EQ(0, err);
}

FIXTURE_TEARDOWN(wberr)
{
	ovl_case_env_fini(&self->e);
}

/*
 * After a reuse, an error makes fsync and syncfs on the reused overlay
 * fail, and the next mount is refused: EIO while the error is unseen,
 * EINVAL (errseq-advanced) once a syncfs on the upper has seen it.
 */
TEST_F_TIMEOUT(wberr, error_after_reuse, 120)
{
	struct ovl_case_env *e = &self->e;
	char path[PATH_MAX], buf[65536];
	int ofd, ufd, sfd;

	ASSERT_EQ(0, ovl_case_mount(e, e->l.merged, e->l.work, "volatile"));
	vr_write_data(_metadata, e->l.merged);
	ASSERT_EQ(0, umount(e->l.merged));
	ASSERT_EQ(0, ovl_case_mount(e, e->l.merged, e->l.work, "volatile"));
	vr_check_data(_metadata, e->l.merged);

	memset(buf, 'x', sizeof(buf));
	ASSERT_EQ(0, vt_join(path, e->l.merged, "x"));
	ofd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	ASSERT_LE(0, ofd);
	ASSERT_EQ(sizeof(buf), write(ofd, buf, sizeof(buf)));
	/* Nothing failed yet: a volatile fsync is a no-op that succeeds */
	ASSERT_EQ(0, fsync(ofd));
	ASSERT_EQ(0, vt_join(path, e->l.upper, "x"));
	ufd = open(path, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, ufd);

	ASSERT_EQ(0, ovl_dm_table(&e->dm, 1));
	/* Write back through the upper, without touching the overlay */
	EXPECT_EQ(-1, fdatasync(ufd));
	EXPECT_EQ(EIO, errno);
	ASSERT_EQ(0, ovl_dm_table(&e->dm, 0));
	close(ufd);

	EXPECT_EQ(-1, fsync(ofd));
	EXPECT_EQ(EIO, errno);
	EXPECT_EQ(-1, syncfs(ofd));
	EXPECT_EQ(EIO, errno);
	close(ofd);
	ASSERT_EQ(0, umount(e->l.merged));

	vr_open_kmsg(_metadata, e);
	ASSERT_EQ(-EIO, ovl_case_mount(e, e->l.merged, e->l.work, "volatile"));
	EXPECT_TRUE(ovl_case_has_reason(e, "unseen-upper-error"));
	sfd = open(e->mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, sfd);
	EXPECT_EQ(-1, syncfs(sfd));
	close(sfd);
	ASSERT_EQ(-EINVAL,
		  ovl_case_mount(e, e->l.merged, e->l.work, "volatile"));
	EXPECT_TRUE(ovl_case_has_reason(e, "errseq-advanced"));
	/* Permanent: still refused later */
	ASSERT_EQ(-EINVAL,
		  ovl_case_mount(e, e->l.merged, e->l.work, "volatile"));
}

TEST_HARNESS_MAIN
