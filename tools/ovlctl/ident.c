// SPDX-License-Identifier: GPL-2.0
/*
 * The id authority and its live values: the patched kernel
 * (FS_IOC_GETFSINSTANCE, overlay's load_uuid parameter) or the ovlvol
 * module (/dev/ovlvol).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <linux/fs.h>
#include <linux/magic.h>
#include <uuid/uuid.h>

#include "core.h"
#include "ovlctl.h"

#ifndef FS_IOC_GETFSINSTANCE
/*
 * Added to <linux/fs.h> by the kernel series (patches/), absent from the
 * headers of stock distributions.
 */
struct fs_instance {
	__u64 id;
	__u32 wb_err;
	__u32 generation;
	__u32 fs_errors;
	__u32 reserved;
};

#define FS_IOC_GETFSINSTANCE _IOR(0x15, 0x80, struct fs_instance)
#endif

#define OVL_PARAM(name) "/sys/module/overlay/parameters/" name

const char *ovlctl_authority_name(int authority)
{
	switch (authority) {
	case OVLCTL_AUTH_KERNEL:
		return "kernel";
	case OVLCTL_AUTH_MODULE:
		return "module";
	default:
		return "none";
	}
}

static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	if (!fgets(buf, len, f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/*
 * libkmod's own messages: debug ones of ovlctl's (-vv), so that -q and -J
 * hold; what failed is reported by the caller.
 */
void ovlctl_kmod_log(void *data, int priority, const char *file, int line,
		     const char *fn, const char *format, va_list args)
{
	char msg[512];
	size_t n;

	(void)data;
	(void)priority;
	(void)file;
	(void)line;
	vsnprintf(msg, sizeof(msg), format, args);
	n = strlen(msg);
	if (n && msg[n - 1] == '\n')
		msg[n - 1] = '\0';
	ovlctl_log(OVLCTL_DEBUG, "libkmod: %s: %s", fn, msg);
}

/* Load @name with libkmod; 0 or -errno. */
static int load_module(const char *name)
{
	const struct ovlctl_kmod *k = ovlctl_kmod();
	struct kmod_ctx *ctx;
	struct kmod_module *mod = NULL;
	int err;

	if (!k)
		return -ELIBACC;
	ctx = k->new (NULL, NULL);
	if (!ctx)
		return -ENOMEM;
	k->set_log_fn(ctx, ovlctl_kmod_log, NULL);
	err = k->module_new_from_name(ctx, name, &mod);
	if (!err) {
		err = k->module_probe_insert_module(mod, 0, NULL, NULL, NULL,
						    NULL);
		k->module_unref(mod);
	}
	k->unref(ctx);
	return err > 0 ? -ENOENT : err;
}

static int open_ovlvol(bool load)
{
	/* Once per process: gc asks for every pair, libkmod logs each miss */
	static bool load_failed;
	int fd = open("/dev/" OVLVOL_DEVICE_NAME, O_RDONLY | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT && load && !load_failed) {
		if (load_module(OVLVOL_DEVICE_NAME) == 0)
			fd = open("/dev/" OVLVOL_DEVICE_NAME,
				  O_RDONLY | O_CLOEXEC);
		else
			load_failed = true;
	}
	return fd < 0 ? -errno : fd;
}

/*
 * The upstream series: the VFS reports the superblock fields with
 * statmount(2), and overlayfs gives the verdict (its volatile_reuse
 * parameter says it can). The VFS part alone is no authority: nothing
 * would write checkpoints. @load: load overlay to see what it is.
 */
static bool kernel_upstream(int fd, bool load)
{
	struct ovlctl_sb_ids ids;
	struct stat st;

	if (ovlctl_statmount_sb_ids(fd, &ids))
		return false;
	if (!stat(OVL_PARAM("volatile_reuse"), &st))
		return true;
	return load && load_module("overlay") == 0 &&
	       !stat(OVL_PARAM("volatile_reuse"), &st);
}

/*
 * The patched kernel's ids: statmount(2) fields on the upstream series,
 * FS_IOC_GETFSINSTANCE on the distribution series.
 */
static bool kernel_has_instance_ids(bool load)
{
	struct fs_instance fi;
	int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return false;
	if (kernel_upstream(fd, load))
		ret = 0;
	else
		ret = ioctl(fd, FS_IOC_GETFSINSTANCE, &fi) ? errno : 0;
	close(fd);
	/* EPERM: the kernel has it, this caller may not ask */
	return ret == 0 || ret == EPERM;
}

int ovlctl_authority(bool load)
{
	int fd;

	if (kernel_has_instance_ids(load))
		return OVLCTL_AUTH_KERNEL;
	fd = open_ovlvol(load);
	if (fd < 0)
		return OVLCTL_AUTH_NONE;
	close(fd);
	return OVLCTL_AUTH_MODULE;
}

static int ident_kernel(int fd, struct ovlctl_ident *id)
{
	struct ovlctl_sb_ids ids;
	struct fs_instance fi;
	char buf[64];
	int err;

	/* statmount(2) first: it does not depend on the filesystem's ioctls */
	err = ovlctl_statmount_sb_ids(fd, &ids);
	if (!err) {
		fi.id = ids.sb_instance;
		fi.wb_err = ids.wb_err;
		fi.fs_errors = ids.fs_errors;
	} else if (err != -EOPNOTSUPP) {
		return err;
	} else if (ioctl(fd, FS_IOC_GETFSINSTANCE, &fi)) {
		return -errno;
	}
	id->sb_instance = fi.id;
	id->errseq = fi.wb_err;
	id->fs_errors = fi.fs_errors;
	/* A nonzero value without SEEN is an error nobody has reported. */
	id->unseen = fi.wb_err && !(fi.wb_err & OVL_VOLATILE_ERRSEQ_SEEN);
	/* overlayfs not loaded yet: no checkpoint can be from this load. */
	id->have_nonce = read_line(OVL_PARAM("load_uuid"), buf, sizeof(buf)) ==
				 0 &&
			 uuid_parse(buf, id->nonce) == 0;
	return 0;
}

/* OVLVOL_IOC_IDENT about the file open as @fd; 0 or -errno. */
static int module_ident(int fd, struct ovlvol_ident *q)
{
	int dev, ret;

	memset(q, 0, sizeof(*q));
	q->size = sizeof(*q);
	q->version = OVLVOL_IOC_V1;
	q->fd = fd;
	dev = open_ovlvol(false);
	if (dev < 0)
		return dev;
	ret = ioctl(dev, OVLVOL_IOC_IDENT, q) ? -errno : 0;
	close(dev);
	return ret;
}

static int ident_module(int fd, struct ovlctl_ident *id)
{
	struct ovlvol_ident q;
	int ret = module_ident(fd, &q);

	if (ret)
		return ret;
	memcpy(id->nonce, q.nonce, sizeof(id->nonce));
	id->have_nonce = true;
	id->sb_instance = q.sb_instance;
	id->errseq = q.errseq;
	id->fs_errors = q.fs_errors;
	id->unseen = q.out_flags & OVLVOL_IDENT_UNSEEN_ERROR;
	/* An ovlvol module older than ovlctl: reload it. */
	if (!(q.out_flags & OVLVOL_IDENT_FS_ERRORS))
		return -EPROTO;
	return 0;
}

int ovlctl_kernel_in_use(int fd)
{
	struct ovlvol_inuse q = {
		.size = sizeof(q),
		.version = OVLVOL_IOC_V1,
		.fd = fd,
	};
	int dev, ret;

	dev = open_ovlvol(false);
	if (dev < 0)
		return dev;
	ret = ioctl(dev, OVLVOL_IOC_INUSE, &q) ? -errno : 0;
	close(dev);
	return ret ? ret : !!q.in_use;
}

/*
 * tmpfs has no FS_IOC_GETVERSION, but its file handles (shmem_encode_fh(),
 * type 1) hold the generation and then the inode number in two halves.
 * Read only from tmpfs, and trusted only if the number in it is the
 * inode's own; -ENODATA otherwise.
 */
static int tmpfs_generation(int fd, uint32_t *gen)
{
	union {
		struct file_handle h;
		char buf[sizeof(struct file_handle) + 32];
	} u;
	uint32_t w[3];
	struct statfs sf;
	struct stat st;
	int mnt;

	if (fstatfs(fd, &sf))
		return -errno;
	if (sf.f_type != TMPFS_MAGIC)
		return -ENODATA;
	memset(&u, 0, sizeof(u));
	u.h.handle_bytes = sizeof(u.buf) - sizeof(struct file_handle);
	if (name_to_handle_at(fd, "", &u.h, &mnt, AT_EMPTY_PATH))
		return errno == EOPNOTSUPP ? -ENODATA : -errno;
	if (fstat(fd, &st))
		return -errno;
	if (u.h.handle_type != 1 || u.h.handle_bytes != sizeof(w))
		return -ENODATA;
	memcpy(w, u.h.f_handle, sizeof(w));
	if ((w[1] | (uint64_t)w[2] << 32) != (uint64_t)st.st_ino)
		return -ENODATA;
	*gen = w[0];
	return 0;
}

int ovlctl_generation(int authority, int fd, uint32_t *gen)
{
	struct ovlctl_sb_ids ids;
	struct ovlvol_ident q;
	struct fs_instance fi;
	int ret, ver;

	if (authority == OVLCTL_AUTH_KERNEL) {
		ret = ovlctl_statmount_sb_ids(fd, &ids);
		if (ret == -EOPNOTSUPP) {
			if (ioctl(fd, FS_IOC_GETFSINSTANCE, &fi))
				return -errno;
			*gen = fi.generation;
			return 0;
		}
		if (ret)
			return ret;
		/*
		 * The upstream series has no call for it: the filesystem's
		 * own, where it has one (ext4, xfs, btrfs), tmpfs's file
		 * handle; -ENODATA where neither tells, and the kernel
		 * checks it at mount time.
		 */
		if (!ioctl(fd, FS_IOC_GETVERSION, &ver)) {
			*gen = (uint32_t)ver;
			return 0;
		}
		if (errno != ENOTTY && errno != EOPNOTSUPP && errno != EINVAL)
			return -errno;
		return tmpfs_generation(fd, gen);
	}
	if (authority != OVLCTL_AUTH_MODULE)
		return -EOPNOTSUPP;
	ret = module_ident(fd, &q);
	if (ret)
		return ret;
	/* An ovlvol module older than ovlctl: reload it. */
	if (!(q.out_flags & OVLVOL_IDENT_GENERATION))
		return -EPROTO;
	*gen = q.generation;
	return 0;
}

/*
 * Filesystems whose data a server or another layer keeps (overlayfs's
 * ovl_dentry_remote(): those that revalidate dentries), by type: what the
 * upper held may be gone, whatever this machine's ids say. By type, not by
 * dentry, so 9p is refused even without a cache, where overlayfs would not
 * (a safe false refusal).
 */
static bool remote_fs(unsigned long type)
{
	static const unsigned long magic[] = {
		0x65735546, /* FUSE_SUPER_MAGIC, also virtiofs */
		0x6969, /* NFS_SUPER_MAGIC */
		0xff534d42, /* CIFS_SUPER_MAGIC */
		0xfe534d42, /* SMB2_SUPER_MAGIC */
		0x00c36400, /* CEPH_SUPER_MAGIC */
		0x01021997, /* V9FS_MAGIC */
		0x6b414653, /* AFS_FS_MAGIC */
		0x5346414f, /* AFS_SUPER_MAGIC */
		0x73757245, /* CODA_SUPER_MAGIC */
		0x20030528, /* ORANGEFS_DEVREQ_MAGIC */
		0x7461636f, /* OCFS2_SUPER_MAGIC */
		0x01161970, /* GFS2_MAGIC */
		0xf15f, /* ECRYPTFS_SUPER_MAGIC */
		0x786f4256, /* VBOXSF_SUPER_MAGIC */
	};
	size_t i;

	for (i = 0; i < sizeof(magic) / sizeof(magic[0]); i++)
		if (type == magic[i])
			return true;
	return false;
}

int ovlctl_ident(int authority, int fd, struct ovlctl_ident *id)
{
	struct statvfs sv;
	struct statfs sf;
	int err;

	memset(id, 0, sizeof(*id));
	id->authority = authority;
	if (fstatvfs(fd, &sv))
		return -errno;
	id->rdonly = sv.f_flag & ST_RDONLY;
	if (fstatfs(fd, &sf))
		return -errno;
	id->remote = remote_fs((unsigned long)sf.f_type);
	switch (authority) {
	case OVLCTL_AUTH_KERNEL:
		err = ident_kernel(fd, id);
		break;
	case OVLCTL_AUTH_MODULE:
		err = ident_module(fd, id);
		break;
	default:
		err = -EOPNOTSUPP;
	}
	return err;
}

/* The administrator's switch of @authority: overlay's, or ovlvol's. */
bool ovlctl_reuse_disabled(int authority)
{
	const char *param = authority == OVLCTL_AUTH_KERNEL ?
				    OVL_PARAM("volatile_reuse") :
				    "/sys/module/" OVLVOL_DEVICE_NAME
				    "/parameters/volatile_reuse";
	char buf[8];

	return authority != OVLCTL_AUTH_NONE &&
	       read_line(param, buf, sizeof(buf)) == 0 && buf[0] == 'N';
}
