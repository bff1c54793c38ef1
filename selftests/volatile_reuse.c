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
#include <sys/mount.h>
#include <sys/wait.h>

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
	"no FS_IOC_GETFSINSTANCE or overlay load_uuid: stock kernel, needs ovlctl";

struct vr_fs {
	unsigned int bit;
	struct vt_fs fs;
};

static const struct vr_fs vr_fses[] = {
	{ OVL_FS_TMPFS, { .fstype = "tmpfs" } },
	{ OVL_FS_EXT4, { .fstype = "ext4", .dev_env = "OVLVOL_SCRATCH_EXT4" } },
	{ OVL_FS_XFS, { .fstype = "xfs", .dev_env = "OVLVOL_SCRATCH_XFS" } },
	{ OVL_FS_DMERR, { .fstype = "ext4" } },
};

/* One upper fs with an overlay layout on it. */
struct vr_env {
	struct vt_layout l;
	char mnt[PATH_MAX]; /* where the upper fs is mounted */
	char dev[PATH_MAX];
	const char *fstype;
	char merged2[PATH_MAX];
	char work2[PATH_MAX];
	pid_t child;
	int release_fd;
	int kmsg;
	int reuse_off;
	struct ovl_dm dm;
};

static void big_data(char *buf, int seed)
{
	int i;

	for (i = 0; i < BIG_LEN - 1; i++)
		buf[i] = 'a' + (i * 7 + seed) % 26;
	buf[BIG_LEN - 1] = '\0';
}

static int vr_env_init(struct vr_env *e, const struct vr_fs *f)
{
	int err;

	memset(e, 0, sizeof(*e));
	e->child = -1;
	e->release_fd = -1;
	e->kmsg = -1;
	e->fstype = f->fs.fstype;
	snprintf(e->mnt, sizeof(e->mnt), "/tmp/ovlvr.XXXXXX");
	if (f->bit != OVL_FS_DMERR) {
		const char *dev = f->fs.dev_env ? getenv(f->fs.dev_env) :
						  "tmpfs";

		err = vt_layout_init(&e->l, &f->fs, e->mnt);
		if (err)
			return err;
		snprintf(e->dev, sizeof(e->dev), "%s", dev);
	} else {
		if (!mkdtemp(e->mnt))
			return -errno;
		err = ovl_dm_setup(&e->dm, e->mnt);
		if (err)
			return err;
		snprintf(e->dev, sizeof(e->dev), "%s", e->dm.dev);
		err = vt_layout_dirs(&e->l, e->mnt);
		if (err)
			return err;
	}
	if (vt_join(e->merged2, e->l.base, "merged2") ||
	    vt_join(e->work2, e->l.base, "work2"))
		return -ENAMETOOLONG;
	if (mkdir(e->merged2, 0755))
		return -errno;
	return vt_write_file(e->l.lower, "from-lower", "L");
}

static void vr_env_fini(struct vr_env *e)
{
	if (e->release_fd >= 0)
		close(e->release_fd);
	if (e->child > 0)
		waitpid(e->child, NULL, 0);
	if (e->kmsg >= 0)
		close(e->kmsg);
	if (e->reuse_off)
		ovl_write_param("volatile_reuse", "Y");
	if (e->merged2[0])
		umount2(e->merged2, MNT_DETACH);
	if (e->l.merged[0])
		umount2(e->l.merged, MNT_DETACH);
	if (e->dm.name[0])
		ovl_dm_teardown(&e->dm);
	else if (e->mnt[0])
		umount2(e->mnt, MNT_DETACH);
	e->release_fd = -1;
	e->child = -1;
	e->kmsg = -1;
	e->reuse_off = 0;
	e->merged2[0] = '\0';
	e->l.merged[0] = '\0';
	e->mnt[0] = '\0';
}

/* Mount @opts on @merged with the layers of @e and workdir @work. */
static int vr_mount_at(struct vr_env *e, const char *merged, const char *work,
		       const char *extra)
{
	char opts[4 * PATH_MAX];

	snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s,workdir=%s%s%s",
		 e->l.lower, e->l.upper, work, extra ? "," : "",
		 extra ? extra : "");
	return mount("overlay", merged, "overlay", 0, opts) ? -errno : 0;
}

/* Hold the dirs with a volatile overlay in another mount namespace. */
static int vr_hold_in_other_ns(struct vr_env *e)
{
	int ready[2], release[2];
	char c = 1;
	pid_t pid;

	if (pipe(ready) || pipe(release))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		close(ready[0]);
		close(release[1]);
		if (vt_private_ns() ||
		    vr_mount_at(e, e->merged2, e->l.work, "volatile"))
			c = 0;
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		if (read(release[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(ready[1]);
	close(release[0]);
	e->child = pid;
	e->release_fd = release[1];
	if (read(ready[0], &c, 1) != 1 || c != 1)
		c = 0;
	close(ready[0]);
	return c == 1 ? 0 : -EIO;
}

/* A writeback error on the dm upper fs, optionally seen by a syncfs. */
static int vr_wb_error(struct vr_env *e, int seen)
{
	static char buf[65536];
	char path[PATH_MAX];
	int fd, sfd, ret = 0;

	if (vt_join(path, e->mnt, "victim"))
		return -ENAMETOOLONG;
	memset(buf, 'v', sizeof(buf));
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	sfd = open(e->mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sfd < 0 || write(fd, buf, sizeof(buf)) != sizeof(buf) ||
	    fsync(fd) || pwrite(fd, buf, sizeof(buf), 0) != sizeof(buf))
		ret = -EIO;
	if (!ret && ovl_dm_table(&e->dm, 1))
		ret = -EIO;
	/* Writeback must fail, and record the error on the superblock */
	if (!ret && (fdatasync(fd) == 0 || errno != EIO))
		ret = -EPROTO;
	ovl_dm_table(&e->dm, 0);
	if (!ret && seen && (syncfs(sfd) == 0 || errno != EIO))
		ret = -EPROTO;
	close(fd);
	if (sfd >= 0)
		close(sfd);
	unlink(path);
	return ret;
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

static void vr_forge(struct __test_metadata *_metadata, struct vr_env *e,
		     const struct ovl_volatile_ckpt *orig,
		     enum ovl_case_action act)
{
	struct ovl_volatile_ckpt c = *orig;
	char raw[sizeof(c) + 1];

	switch (act) {
	case OVL_ACT_FORGE_MAGIC:
		c.magic ^= htole32(1);
		break;
	case OVL_ACT_FORGE_VERSION:
		c.version = OVL_VOLATILE_CKPT_V1 + 1;
		break;
	case OVL_ACT_FORGE_SIZE:
		c.size = htole16(OVL_VOLATILE_CKPT_V1_SIZE + 8);
		break;
	case OVL_ACT_FORGE_FLAGS:
		c.flags = htole32(1);
		break;
	case OVL_ACT_FORGE_AUTH_UNKNOWN:
		c.authority = 77;
		break;
	case OVL_ACT_FORGE_AUTH_OTHER:
		c.authority = c.authority == OVL_VOLATILE_AUTH_KERNEL ?
				      OVL_VOLATILE_AUTH_MODULE :
				      OVL_VOLATILE_AUTH_KERNEL;
		break;
	case OVL_ACT_FORGE_NONCE:
		c.nonce[7] ^= 0x40;
		break;
	case OVL_ACT_FORGE_SB_INSTANCE:
		c.sb_instance = htole64(le64toh(c.sb_instance) + 1);
		break;
	case OVL_ACT_FORGE_ERRSEQ:
		/* The next error: counter bumped, errno EIO, not seen */
		c.errseq = htole32((le32toh(c.errseq) & ~0xfffU) + (1U << 13) +
				   EIO);
		break;
	case OVL_ACT_FORGE_BINDING:
		c.binding = htole64(le64toh(c.binding) + 1);
		break;
	case OVL_ACT_XATTR_TRUNCATED:
		ASSERT_EQ(0, ovl_ckpt_write(e->l.work, OVL_TRUSTED_XATTR, &c,
					    sizeof(c) - 1));
		return;
	case OVL_ACT_XATTR_OVERSIZED:
		memcpy(raw, &c, sizeof(c));
		raw[sizeof(c)] = 0;
		ASSERT_EQ(0, ovl_ckpt_write(e->l.work, OVL_TRUSTED_XATTR, raw,
					    sizeof(raw)));
		return;
	default:
		ASSERT_TRUE(0) TH_LOG("not a forging action: %d", act);
	}
	ASSERT_NE(0, memcmp(&c, orig, sizeof(c)));
	ASSERT_EQ(0,
		  ovl_ckpt_write(e->l.work, OVL_TRUSTED_XATTR, &c, sizeof(c)));
}

/* Copy the workdir's marker and checkpoint, bit for bit, to work2. */
static void vr_copy_workdir(struct __test_metadata *_metadata, struct vr_env *e,
			    const void *ckpt, size_t len)
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
static void vr_act(struct __test_metadata *_metadata, struct vr_env *e,
		   const struct ovl_verdict_case *c,
		   const struct ovl_volatile_ckpt *orig, const char **work,
		   const char **opts)
{
	const char *ko = getenv("OVL_TEST_OVERLAY_KO");
	__u8 before[16], after[16];
	char path[PATH_MAX];

	switch (c->action) {
	case OVL_ACT_NONE:
		break;
	case OVL_ACT_NOT_VOLATILE:
		*opts = NULL;
		break;
	case OVL_ACT_REMOUNT_UPPER: {
		struct fs_instance a, b;

		ASSERT_EQ(0, ovl_fs_instance(e->mnt, &a));
		ASSERT_EQ(0, umount(e->mnt)) TH_LOG("umount %s: %m", e->mnt);
		ASSERT_EQ(0, mount(e->dev, e->mnt, e->fstype, 0, NULL));
		ASSERT_EQ(0, ovl_fs_instance(e->mnt, &b));
		ASSERT_GT(b.id, a.id);
		break;
	}
	case OVL_ACT_RELOAD:
		if (!ko)
			ko = "/lib/modules/overlay.ko";
		ASSERT_EQ(0, ovl_load_uuid(before));
		ASSERT_EQ(0, ovl_reload_overlay(ko));
		ASSERT_EQ(0, ovl_load_uuid(after));
		ASSERT_NE(0, memcmp(before, after, sizeof(before)));
		break;
	case OVL_ACT_WB_ERROR:
	case OVL_ACT_WB_ERROR_SEEN:
		ASSERT_EQ(0,
			  vr_wb_error(e, c->action == OVL_ACT_WB_ERROR_SEEN));
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
		ASSERT_EQ(0, vr_mount_at(e, e->merged2, e->l.work, "volatile"));
		break;
	case OVL_ACT_IN_USE_NS:
		ASSERT_EQ(0, vr_hold_in_other_ns(e));
		break;
	case OVL_ACT_DISABLED:
		ASSERT_EQ(0, ovl_write_param("volatile_reuse", "N"));
		e->reuse_off = 1;
		break;
	}
}

static void vr_run_case(struct __test_metadata *_metadata, struct vr_env *e,
			const struct ovl_verdict_case *c)
{
	struct ovl_volatile_ckpt orig;
	char before[sizeof(orig) + 8], after[sizeof(orig) + 8];
	ssize_t blen, alen;
	const char *work = e->l.work, *opts = "volatile";
	int ret;

	/* The first volatile mount leaves a marker with a checkpoint */
	ASSERT_EQ(0, vr_mount_at(e, e->l.merged, e->l.work, "volatile"));
	vr_write_data(_metadata, e->l.merged);
	ASSERT_EQ(0, umount(e->l.merged));
	ASSERT_EQ(sizeof(orig), ovl_ckpt_read(e->l.work, OVL_TRUSTED_XATTR,
					      &orig, sizeof(orig)));

	vr_act(_metadata, e, c, &orig, &work, &opts);
	blen = ovl_ckpt_read(work, OVL_TRUSTED_XATTR, before, sizeof(before));

	e->kmsg = ovl_kmsg_open();
	ASSERT_LE(0, e->kmsg);
	ret = vr_mount_at(e, e->l.merged, work, opts);
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
		EXPECT_TRUE(ovl_kmsg_has_reason(e->kmsg, c->reason))
		TH_LOG("%s: no 'reason=%s' in the kernel log", e->fstype,
		       c->reason);
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
	struct vr_env e;
};

FIXTURE_VARIANT(verdict)
{
	struct ovl_verdict_case c;
};

/* One variant per row of the table, registered before the harness runs */
static struct __fixture_variant_metadata vr_variants[OVL_VERDICT_NCASES];

static void __attribute__((constructor)) vr_register_cases(void)
{
	unsigned int i;

	for (i = 0; i < OVL_VERDICT_NCASES; i++) {
		vr_variants[i].name = ovl_verdict_cases[i].name;
		vr_variants[i].data = &ovl_verdict_cases[i];
		__register_fixture_variant(&_verdict_fixture_object,
					   &vr_variants[i]);
	}
}

FIXTURE_SETUP(verdict)
{
	memset(&self->e, 0, sizeof(self->e));
	ASSERT_EQ(0, vt_private_ns());
	if (!ovl_kernel_has_reuse())
		SKIP(return, "%s", skip_reason);
}

FIXTURE_TEARDOWN(verdict)
{
	vr_env_fini(&self->e);
}

TEST_F_TIMEOUT(verdict, case, 300)
{
	const struct ovl_verdict_case *c = &variant->c;
	unsigned int i, ran = 0;
	int err;

	for (i = 0; i < ARRAY_SIZE(vr_fses); i++) {
		const struct vr_fs *f = &vr_fses[i];

		if (!(c->fs & f->bit))
			continue;
		err = vr_env_init(&self->e, f);
		if (err == -ENXIO) {
			TH_LOG("%s: no scratch device, not run", f->fs.fstype);
			vr_env_fini(&self->e);
			continue;
		}
		ASSERT_EQ(0, err)
		TH_LOG("%s (bit %u): setup failed: %s", f->fs.fstype, f->bit,
		       strerror(-err));
		vr_run_case(_metadata, &self->e, c);
		vr_env_fini(&self->e);
		ran++;
	}
	if (!ran)
		SKIP(return, "no upper fs of this case available");
}

/* Per upper fs tests. */
FIXTURE(reuse)
{
	struct vr_env e;
};

FIXTURE_VARIANT(reuse)
{
	struct vr_fs f;
};

/* tmpfs, ext4 and xfs: the first three of vr_fses */
static struct __fixture_variant_metadata vr_fs_variants[3];

static void __attribute__((constructor)) vr_register_fses(void)
{
	static const char *const names[] = { "tmpfs", "ext4", "xfs" };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vr_fs_variants); i++) {
		vr_fs_variants[i].name = names[i];
		vr_fs_variants[i].data = &vr_fses[i];
		__register_fixture_variant(&_reuse_fixture_object,
					   &vr_fs_variants[i]);
	}
}

FIXTURE_SETUP(reuse)
{
	int err;

	memset(&self->e, 0, sizeof(self->e));
	ASSERT_EQ(0, vt_private_ns());
	if (!ovl_kernel_has_reuse())
		SKIP(return, "%s", skip_reason);
	err = vr_env_init(&self->e, &variant->f);
	if (err == -ENXIO)
		SKIP(return, "no %s scratch device", variant->f.fs.fstype);
	ASSERT_EQ(0, err);
}

FIXTURE_TEARDOWN(reuse)
{
	vr_env_fini(&self->e);
}

/* Volatile, write, unmount, volatile again: 100 times, nothing lost. */
TEST_F_TIMEOUT(reuse, hundred_times, 600)
{
	struct vr_env *e = &self->e;
	char name[32], data[64], big[BIG_LEN];
	int i, j;

	for (i = 0; i < 100; i++) {
		ASSERT_EQ(0, vr_mount_at(e, e->l.merged, e->l.work, "volatile"))
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

/* What userspace reads is what the checkpoint holds. */
TEST_F(reuse, ids_match_checkpoint)
{
	struct vr_env *e = &self->e;
	struct ovl_volatile_ckpt c, c2;
	struct fs_instance fi, other;
	char path[PATH_MAX];
	__u8 uuid[16];
	struct stat st;
	ssize_t len;

	ASSERT_EQ(0, ovl_fs_instance(e->l.upper, &fi));
	ASSERT_NE(0, fi.id);
	ASSERT_EQ(0, fi.reserved);
	ASSERT_EQ(0, ovl_fs_instance("/proc", &other));
	ASSERT_NE(fi.id, other.id);
	ASSERT_EQ(0, ovl_load_uuid(uuid));

	ASSERT_EQ(0, vr_mount_at(e, e->l.merged, e->l.work, "volatile"));
	ASSERT_EQ(sizeof(c),
		  ovl_ckpt_read(e->l.work, OVL_TRUSTED_XATTR, &c, sizeof(c)));
	EXPECT_EQ(OVL_VOLATILE_CKPT_MAGIC, le32toh(c.magic));
	EXPECT_EQ(OVL_VOLATILE_CKPT_V1, c.version);
	EXPECT_EQ(OVL_VOLATILE_AUTH_KERNEL, c.authority);
	EXPECT_EQ(OVL_VOLATILE_CKPT_V1_SIZE, le16toh(c.size));
	EXPECT_EQ(0, le32toh(c.flags));
	EXPECT_EQ(0, memcmp(uuid, c.nonce, sizeof(uuid)));
	EXPECT_EQ(fi.id, le64toh(c.sb_instance));
	EXPECT_EQ(fi.wb_err, le32toh(c.errseq));
	ASSERT_EQ(0, vt_join(path, e->l.work, OVL_VOLATILE_DIR));
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_EQ(st.st_ino, le64toh(c.binding));
	/* The user. name is for userxattr mounts only */
	len = ovl_ckpt_read(e->l.work, OVL_USER_XATTR, &c2, sizeof(c2));
	/* EOPNOTSUPP: no user xattrs on this fs at all (tmpfs before 6.6) */
	EXPECT_TRUE(len == -ENODATA || len == -EOPNOTSUPP)
	TH_LOG("%s: user xattr read returned %zd", e->fstype, len);
	ASSERT_EQ(0, umount(e->l.merged));

	/* Reused, never refreshed */
	ASSERT_EQ(0, vr_mount_at(e, e->l.merged, e->l.work, "volatile"));
	ASSERT_EQ(0, umount(e->l.merged));
	ASSERT_EQ(sizeof(c2),
		  ovl_ckpt_read(e->l.work, OVL_TRUSTED_XATTR, &c2, sizeof(c2)));
	EXPECT_EQ(0, memcmp(&c, &c2, sizeof(c)));
}

/* With userxattr the checkpoint is user.overlay.volatile. */
TEST_F(reuse, userxattr)
{
	struct vr_env *e = &self->e;
	struct ovl_volatile_ckpt c;
	struct fs_instance fi;

	ASSERT_EQ(0,
		  vr_mount_at(e, e->l.merged, e->l.work, "userxattr,volatile"));
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
	ASSERT_EQ(0,
		  vr_mount_at(e, e->l.merged, e->l.work, "userxattr,volatile"));
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
	struct vr_env *e = &self->e;
	char buf[1024];
	int fd, found = 0;
	ssize_t n;

	ASSERT_EQ(0, vr_mount_at(e, e->l.merged, e->l.work, "volatile"));
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
	struct vr_env e;
};

FIXTURE_SETUP(wberr)
{
	static const struct vr_fs dm = { OVL_FS_DMERR, { .fstype = "ext4" } };

	memset(&self->e, 0, sizeof(self->e));
	ASSERT_EQ(0, vt_private_ns());
	if (!ovl_kernel_has_reuse())
		SKIP(return, "%s", skip_reason);
	ASSERT_EQ(0, vr_env_init(&self->e, &dm));
}

FIXTURE_TEARDOWN(wberr)
{
	vr_env_fini(&self->e);
}

/*
 * After a reuse, an error makes fsync and syncfs on the reused overlay
 * fail, and the next mount is refused: EIO while the error is unseen,
 * EINVAL (errseq-advanced) once a syncfs on the upper has seen it.
 */
TEST_F_TIMEOUT(wberr, error_after_reuse, 120)
{
	struct vr_env *e = &self->e;
	char path[PATH_MAX], buf[65536];
	int ofd, ufd, sfd;

	ASSERT_EQ(0, vr_mount_at(e, e->l.merged, e->l.work, "volatile"));
	vr_write_data(_metadata, e->l.merged);
	ASSERT_EQ(0, umount(e->l.merged));
	ASSERT_EQ(0, vr_mount_at(e, e->l.merged, e->l.work, "volatile"));
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

	e->kmsg = ovl_kmsg_open();
	ASSERT_EQ(-EIO, vr_mount_at(e, e->l.merged, e->l.work, "volatile"));
	EXPECT_TRUE(ovl_kmsg_has_reason(e->kmsg, "unseen-upper-error"));
	sfd = open(e->mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, sfd);
	EXPECT_EQ(-1, syncfs(sfd));
	close(sfd);
	ASSERT_EQ(-EINVAL, vr_mount_at(e, e->l.merged, e->l.work, "volatile"));
	EXPECT_TRUE(ovl_kmsg_has_reason(e->kmsg, "errseq-advanced"));
	/* Permanent: still refused later */
	ASSERT_EQ(-EINVAL, vr_mount_at(e, e->l.merged, e->l.work, "volatile"));
}

TEST_HARNESS_MAIN
