/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The verdict cases of volatile reuse, one table for every authority:
 * the patched kernel (plain mount(2)) and the ovlvol module driven by
 * ovlctl. Each case starts from an upper/work pair that was mounted
 * volatile once, written to and unmounted; then its action runs and the
 * next mount must fail with the errno and reason given, or succeed
 * (errno 0, reason "ok") with every byte written before intact. Below the
 * table: the environment a case runs in, shared by every runner.
 */
#ifndef OVL_VOLATILE_CASES_H
#define OVL_VOLATILE_CASES_H

#include "ovl_volatile_test.h"

/* Upper filesystems a case runs on. */
#define OVL_FS_TMPFS 0x1U
#define OVL_FS_EXT4 0x2U
#define OVL_FS_XFS 0x4U
/* ext4 driver on a dm device that can be switched to the error target */
#define OVL_FS_DMERR 0x8U
#define OVL_FS_DISKS (OVL_FS_EXT4 | OVL_FS_XFS)
#define OVL_FS_ANY (OVL_FS_TMPFS | OVL_FS_DISKS)

/* What happens between the first volatile mount and the next one. */
enum ovl_case_action {
	OVL_ACT_NONE, /* nothing: plain reuse */
	OVL_ACT_NOT_VOLATILE, /* the next mount is not volatile */
	OVL_ACT_REMOUNT_UPPER, /* unmount the upper fs and mount it again */
	OVL_ACT_RELOAD, /* reload the authority (overlay or ovlvol) */
	OVL_ACT_WB_ERROR, /* writeback error on the upper, left unseen */
	OVL_ACT_WB_ERROR_SEEN, /* the same, then a third party's syncfs */
	OVL_ACT_FS_ERROR, /* the upper fs reports an error (ext4, FS_ERROR) */
	OVL_ACT_REMOTE, /* the upper fs is remote (FUSE, virtiofs, NFS...) */
	OVL_ACT_FORGE_MAGIC, /* one checkpoint field changed each */
	OVL_ACT_FORGE_VERSION,
	OVL_ACT_FORGE_SIZE,
	OVL_ACT_FORGE_FLAGS,
	OVL_ACT_FORGE_AUTH_UNKNOWN,
	OVL_ACT_FORGE_AUTH_OTHER, /* the other known authority */
	OVL_ACT_FORGE_NONCE,
	OVL_ACT_FORGE_SB_INSTANCE,
	OVL_ACT_FORGE_ERRSEQ, /* one more error, not seen */
	OVL_ACT_FORGE_ERRSEQ_SEEN, /* one more error, seen */
	OVL_ACT_FORGE_SEEN_ONLY, /* the SEEN bit flipped, nothing else */
	OVL_ACT_FORGE_BINDING,
	OVL_ACT_FORGE_BINDING_GEN, /* the inode generation only */
	OVL_ACT_XATTR_TRUNCATED, /* one byte short */
	OVL_ACT_XATTR_OVERSIZED, /* one byte more */
	OVL_ACT_XATTR_REMOVED,
	OVL_ACT_COPY_WORKDIR, /* the next mount uses a copy of the workdir */
	OVL_ACT_OTHER_INCOMPAT, /* work/incompat/other appears */
	OVL_ACT_IN_USE, /* another overlay mounted on the same dirs */
	OVL_ACT_IN_USE_NS, /* the same, in another mount namespace */
	OVL_ACT_RO_UPPER, /* the upper fs remounted read-only */
	OVL_ACT_DISABLED, /* reuse turned off by the authority */
};

struct ovl_verdict_case {
	const char *name;
	enum ovl_case_action action;
	unsigned int fs; /* OVL_FS_* it runs on */
	int err; /* expected errno of the next mount, 0: reused */
	const char *reason; /* expected reason token */
};

#define OVL_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * The kernel's own refusal of a read-only upper, 6.12 in the option parser
 * ("filesystem on ... is read-only"), 6.1 in ovl_get_upper() ("upper fs is
 * r/o"), in the log text @log.
 */
static inline int ovl_log_says_read_only(const char *log)
{
	return strstr(log, "is read-only") || strstr(log, "upper fs is r/o");
}

/* The upper filesystems, by OVL_FS_* bit. */
struct ovl_case_fs {
	unsigned int bit;
	struct vt_fs fs;
};

static const struct ovl_case_fs ovl_case_fses[] = {
	{ OVL_FS_TMPFS, { .fstype = "tmpfs" } },
	{ OVL_FS_EXT4, { .fstype = "ext4", .dev_env = "OVLVOL_SCRATCH_EXT4" } },
	{ OVL_FS_XFS, { .fstype = "xfs", .dev_env = "OVLVOL_SCRATCH_XFS" } },
	{ OVL_FS_DMERR, { .fstype = "ext4" } },
};

/*
 * Where a case runs: one upper fs with the layout on it, a second target
 * and workdir (the holder's, a copied workdir), and what to undo.
 */
struct ovl_case_env {
	struct vt_layout l;
	char mnt[PATH_MAX]; /* where the upper fs is mounted */
	char dev[PATH_MAX];
	const char *fstype;
	char merged2[PATH_MAX];
	char work2[PATH_MAX];
	pid_t holder; /* holds an overlay in another mount namespace */
	int release_fd; /* closing it lets the holder go */
	int kmsg; /* a kernel log reader, closed at the end */
	char fclog[4096]; /* the fs_context log of the last mount */
	int reuse_off; /* volatile_reuse to be switched back on: 1 overlay's,
			* 2 ovlvol's
			*/
	int kind; /* the runner's own: which authority it drives */
	struct ovl_dm dm;
};

/*
 * Mount the upper fs @f and make the layout, with a lower holding
 * from-lower, lower-gone and ldir/deep. 0, -ENXIO when the harness gave
 * no device for this fs, or another -errno.
 */
static inline int ovl_case_env_init(struct ovl_case_env *e,
				    const struct ovl_case_fs *f, int kind)
{
	char path[PATH_MAX];
	int err;

	memset(e, 0, sizeof(*e));
	e->holder = -1;
	e->release_fd = -1;
	e->kmsg = -1;
	e->kind = kind;
	e->fstype = f->fs.fstype;
	snprintf(e->mnt, sizeof(e->mnt), "/tmp/ovlcase.XXXXXX");
	if (f->bit != OVL_FS_DMERR) {
		err = vt_layout_init(&e->l, &f->fs, e->mnt);
		if (err)
			return err;
		snprintf(e->dev, sizeof(e->dev), "%s",
			 f->fs.dev_env ? getenv(f->fs.dev_env) : "tmpfs");
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
	    vt_join(e->work2, e->l.base, "work2") ||
	    vt_join(path, e->l.lower, "ldir"))
		return -ENAMETOOLONG;
	if (mkdir(e->merged2, 0755) || mkdir(path, 0755))
		return -errno;
	err = vt_write_file(e->l.lower, "from-lower", "L");
	if (!err)
		err = vt_write_file(e->l.lower, "lower-gone", "G");
	if (!err)
		err = vt_write_file(path, "deep", "D");
	return err;
}

static inline void ovl_case_release_holder(struct ovl_case_env *e)
{
	if (e->release_fd >= 0)
		close(e->release_fd);
	if (e->holder > 0)
		waitpid(e->holder, NULL, 0);
	e->release_fd = -1;
	e->holder = -1;
}

static inline void ovl_case_env_fini(struct ovl_case_env *e)
{
	ovl_case_release_holder(e);
	if (e->kmsg >= 0)
		close(e->kmsg);
	e->kmsg = -1;
	if (e->reuse_off)
		ovl_write_module_param(e->reuse_off == 1 ? "overlay" : "ovlvol",
				       "volatile_reuse", "Y");
	e->reuse_off = 0;
	if (e->merged2[0])
		umount2(e->merged2, MNT_DETACH);
	if (e->l.merged[0])
		umount2(e->l.merged, MNT_DETACH);
	if (e->dm.name[0])
		ovl_dm_teardown(&e->dm);
	else if (e->mnt[0])
		umount2(e->mnt, MNT_DETACH);
	e->merged2[0] = '\0';
	e->l.merged[0] = '\0';
	e->mnt[0] = '\0';
}

#define OVL_FSCONFIG_SET_FLAG 0
#define OVL_FSCONFIG_SET_STRING 1
#define OVL_FSCONFIG_CMD_CREATE 6
#define OVL_FSOPEN_CLOEXEC 0x1
#define OVL_FSMOUNT_CLOEXEC 0x1
#define OVL_MOVE_MOUNT_F_EMPTY_PATH 0x4

/*
 * Mount overlayfs with comma-separated @opts on @merged through the mount
 * API (fsopen(2) and fsconfig(2)), and keep what the filesystem context
 * logged in @e->fclog, where such callers read why a mount was refused.
 * Through the legacy option parser (6.1) the log stays empty and reasons
 * go to the kernel log only.
 */
static inline int ovl_case_fsmount(struct ovl_case_env *e, const char *merged,
				   const char *opts)
{
	char buf[4 * PATH_MAX], msg[1024], *tok, *save, *val;
	size_t used = 0;
	int fd, mfd, ret = 0;
	ssize_t n;

	e->fclog[0] = '\0';
	fd = syscall(SYS_fsopen, "overlay", OVL_FSOPEN_CLOEXEC);
	if (fd < 0)
		return -errno;
	snprintf(buf, sizeof(buf), "%s", opts);
	for (tok = strtok_r(buf, ",", &save); tok && !ret;
	     tok = strtok_r(NULL, ",", &save)) {
		val = strchr(tok, '=');
		if (val)
			*val++ = '\0';
		if (syscall(SYS_fsconfig, fd,
			    val ? OVL_FSCONFIG_SET_STRING :
				  OVL_FSCONFIG_SET_FLAG,
			    tok, val, 0))
			ret = -errno;
	}
	if (!ret &&
	    syscall(SYS_fsconfig, fd, OVL_FSCONFIG_CMD_CREATE, NULL, NULL, 0))
		ret = -errno;
	if (!ret) {
		mfd = syscall(SYS_fsmount, fd, OVL_FSMOUNT_CLOEXEC, 0);
		if (mfd < 0) {
			ret = -errno;
		} else {
			if (syscall(SYS_move_mount, mfd, "", AT_FDCWD, merged,
				    OVL_MOVE_MOUNT_F_EMPTY_PATH))
				ret = -errno;
			close(mfd);
		}
	}
	/* One message per read, until the log is empty */
	while ((n = read(fd, msg, sizeof(msg) - 1)) > 0 &&
	       used + n + 2 < sizeof(e->fclog)) {
		memcpy(e->fclog + used, msg, n);
		used += n;
		e->fclog[used++] = '\n';
		e->fclog[used] = '\0';
	}
	close(fd);
	return ret;
}

/* Mount the layers of @e with workdir @work on @merged, plus @extra. */
static inline int ovl_case_mount(struct ovl_case_env *e, const char *merged,
				 const char *work, const char *extra)
{
	char opts[4 * PATH_MAX];

	snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s,workdir=%s%s%s",
		 e->l.lower, e->l.upper, work, extra ? "," : "",
		 extra ? extra : "");
	return ovl_case_fsmount(e, merged, opts);
}

/*
 * Did the last mount name @reason where its caller reads it? The upstream
 * series logs every refusal in the fs_context log; the distribution series
 * leave some in the kernel log only (a reader opened as e->kmsg before the
 * mount), and 6.1's legacy option parser all of them.
 */
static inline int ovl_case_has_reason(struct ovl_case_env *e,
				      const char *reason)
{
	if (ovl_log_has_reason(e->fclog, reason))
		return 1;
	return !ovl_kernel_upstream() && e->kmsg >= 0 &&
	       ovl_kmsg_has_reason(e->kmsg, reason);
}

/* A volatile overlay of the layers of @e with workdir @work at merged2. */
static inline int ovl_case_hold_mount(struct ovl_case_env *e, const char *work)
{
	return ovl_case_mount(e, e->merged2, work, "volatile");
}

/* Why a runner ran case @c on no upper fs at all: a SKIP reason. */
static inline const char *ovl_case_skip_reason(const struct ovl_verdict_case *c)
{
	static const char *const why[] = {
		"no upper fs of this case available",
		"no remote upper fs (FUSE, virtiofs, NFS) in the guest: overlayfs takes a FUSE upper only with RENAME_WHITEOUT and trusted.* xattrs, which no FUSE server here provides; the host verdict test (verdict_test) applies this row",
	};

	return why[c->action == OVL_ACT_REMOTE];
}

/*
 * Run @hold(@e, @work), which mounts something, in a child in another
 * mount namespace, and keep the child there until
 * ovl_case_release_holder(). 0 once @hold returned 0 there.
 */
static inline int ovl_case_hold_in_other_ns(struct ovl_case_env *e,
					    int (*hold)(struct ovl_case_env *e,
							const char *work),
					    const char *work)
{
	int ready[2], release[2];
	char c = 1;

	if (pipe2(ready, O_CLOEXEC))
		return -errno;
	if (pipe2(release, O_CLOEXEC)) {
		close(ready[0]);
		close(ready[1]);
		return -errno;
	}
	e->holder = fork();
	if (e->holder < 0)
		return -errno;
	if (!e->holder) {
		close(ready[0]);
		close(release[1]);
		if (vt_private_ns() || hold(e, work))
			c = 0;
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		if (read(release[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(ready[1]);
	close(release[0]);
	e->release_fd = release[1];
	if (read(ready[0], &c, 1) != 1)
		c = 0;
	close(ready[0]);
	return c == 1 ? 0 : -EIO;
}

/*
 * The checkpoint bytes a forging action (OVL_ACT_FORGE_* and
 * OVL_ACT_XATTR_TRUNCATED/OVERSIZED) writes in place of @orig, into @raw
 * (room for sizeof(*orig) + 1 bytes). @other_auth is the other known
 * authority. Returns how many bytes to write, 0 if @act forges nothing.
 */
static inline size_t ovl_case_forge(const struct ovl_volatile_ckpt *orig,
				    enum ovl_case_action act, __u8 other_auth,
				    unsigned char *raw)
{
	struct ovl_volatile_ckpt c = *orig;
	size_t len = sizeof(c);
	__u32 v;

	switch (act) {
	case OVL_ACT_FORGE_MAGIC:
		c.magic = htole32(le32toh(c.magic) ^ 0x00010000U);
		break;
	case OVL_ACT_FORGE_VERSION:
		c.version += 1;
		break;
	case OVL_ACT_FORGE_SIZE:
		c.size = htole16(le16toh(c.size) + 16);
		break;
	case OVL_ACT_FORGE_FLAGS:
		c.flags = htole32(0x80000000U);
		break;
	case OVL_ACT_FORGE_AUTH_UNKNOWN:
		c.authority = 0xee;
		break;
	case OVL_ACT_FORGE_AUTH_OTHER:
		c.authority = other_auth;
		break;
	case OVL_ACT_FORGE_NONCE:
		c.nonce[15] ^= 0x80;
		break;
	case OVL_ACT_FORGE_SB_INSTANCE:
		c.sb_instance = htole64(le64toh(c.sb_instance) + 1000);
		break;
	case OVL_ACT_FORGE_ERRSEQ:
		/* One more error (EIO) than sampled, not seen yet */
		v = le32toh(c.errseq);
		c.errseq = htole32((((v >> 13) + 1) << 13) | EIO);
		break;
	case OVL_ACT_FORGE_ERRSEQ_SEEN:
		v = le32toh(c.errseq);
		c.errseq = htole32((((v >> 13) + 1) << 13) | EIO |
				   OVL_VOLATILE_ERRSEQ_SEEN);
		break;
	case OVL_ACT_FORGE_SEEN_ONLY:
		c.errseq =
			htole32(le32toh(c.errseq) ^ OVL_VOLATILE_ERRSEQ_SEEN);
		break;
	case OVL_ACT_FORGE_BINDING:
		c.binding = htole64(le64toh(c.binding) ^ 0x10000);
		break;
	case OVL_ACT_FORGE_BINDING_GEN:
		c.binding_gen = htole32(le32toh(c.binding_gen) ^ 0x1);
		break;
	case OVL_ACT_XATTR_TRUNCATED:
		len = sizeof(c) - 1;
		break;
	case OVL_ACT_XATTR_OVERSIZED:
		len = sizeof(c) + 1;
		break;
	default:
		return 0;
	}
	memcpy(raw, &c, sizeof(c));
	raw[sizeof(c)] = 0x5a;
	return len;
}

/*
 * Make the ext4 upper fs of @e report a filesystem error, as a corrupted
 * block would (ext4_error() -> fsnotify_sb_error()), through ext4's own
 * trigger: /sys/fs/ext4/DEV/trigger_fs_error. ext4 mounts with
 * errors=continue by default, so the fs stays writable.
 */
static inline int ovl_case_fs_error(struct ovl_case_env *e)
{
	static const char msg[] = "ovl-volatile selftest\n";
	char real[PATH_MAX], path[PATH_MAX + 64];
	ssize_t n;
	int fd;

	if (!realpath(e->dev, real))
		return -errno;
	snprintf(path, sizeof(path), "/sys/fs/ext4/%s/trigger_fs_error",
		 strrchr(real, '/') + 1);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, msg, sizeof(msg) - 1);
	close(fd);
	return n == (ssize_t)sizeof(msg) - 1 ? 0 : -EIO;
}

/* The upper fs faults of @act, the same for every runner: 0 or -errno. */
static inline int ovl_case_upper_fault(struct ovl_case_env *e,
				       enum ovl_case_action act)
{
	if (act == OVL_ACT_FS_ERROR)
		return ovl_case_fs_error(e);
	return ovl_dm_wb_error(&e->dm, act == OVL_ACT_WB_ERROR_SEEN);
}

/* Remount the upper fs of @e read-only. */
static inline int ovl_case_upper_ro(struct ovl_case_env *e)
{
	return mount(NULL, e->mnt, NULL, MS_REMOUNT | MS_RDONLY, NULL) ?
		       -errno :
		       0;
}

/*
 * Run case @c with @run on every upper fs it names that the harness
 * provides, in @e, counting the runs in @ran.
 */
static inline void ovl_case_run(struct __test_metadata *_metadata,
				struct ovl_case_env *e,
				const struct ovl_verdict_case *c, int kind,
				void (*run)(struct __test_metadata *_metadata,
					    struct ovl_case_env *e,
					    const struct ovl_verdict_case *c),
				unsigned int *ran)
{
	unsigned int i;
	int err;

	*ran = 0;
	for (i = 0; i < OVL_ARRAY_SIZE(ovl_case_fses); i++) {
		const struct ovl_case_fs *f = &ovl_case_fses[i];

		if (!(c->fs & f->bit))
			continue;
		err = ovl_case_env_init(e, f, kind);
		if (err == -ENXIO) {
			TH_LOG("%s: no scratch device%s%s, not run",
			       f->fs.fstype,
			       f->bit == OVL_FS_DMERR ? ", or no " : "",
			       f->bit == OVL_FS_DMERR ?
				       ovl_dm_missing_tool() ?: "dm device" :
				       "");
			ovl_case_env_fini(e);
			continue;
		}
		ASSERT_EQ(0, err)
		TH_LOG("%s (bit %u): setup failed: %s", f->fs.fstype, f->bit,
		       strerror(-err));
		run(_metadata, e, c);
		ovl_case_env_fini(e);
		(*ran)++;
	}
}

#endif /* OVL_VOLATILE_CASES_H */
