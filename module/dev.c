// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/ovlvol: the versioned ioctl interface of include/uapi/linux/ovl_volatile.h.
 *
 * Who may call it:
 *  - opening the device needs whatever its mode allows: 0600, root only,
 *    unless the administrator changes it (e.g. with a udev rule);
 *  - OVLVOL_IOC_NONCE needs nothing more: the nonce is no secret;
 *  - OVLVOL_IOC_IDENT and OVLVOL_IOC_INUSE need CAP_SYS_ADMIN in the user
 *    namespace that owns the superblock, the privilege needed to mount or
 *    unmount it (the patched kernel's FS_IOC_GETFSINSTANCE asks the same). The first
 *    query marks the superblock, which costs memory and, on newer kernels,
 *    some speed of fsnotify on that filesystem; nobody else should be able
 *    to impose that on it. A container manager may still query the
 *    filesystems it mounted in its own user namespace.
 */
#include <linux/capability.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/string.h>
#include <linux/uaccess.h>

/*
 * The project's copy, by path: a patched kernel carries its own copy of
 * the header, which must not shadow this one.
 */
#include "../include/uapi/linux/ovl_volatile.h"
#include "ovlvol.h"

static_assert(sizeof(struct ovlvol_ident) == 64);
static_assert(sizeof(struct ovlvol_inuse) == 24);
static_assert(sizeof(struct ovlvol_nonce) == 24);

static long ovlvol_ioc_ident(struct ovlvol_ident __user *uarg)
{
	struct ovlvol_ident ident;
	struct super_block *sb;
	struct inode *inode;
	struct file *file;
	uuid_t nonce;
	u32 eseq, fs_errors;
	u64 id;
	int err;

	if (copy_from_user(&ident, uarg, sizeof(ident)))
		return -EFAULT;
	if (ident.size != sizeof(ident) || ident.version != OVLVOL_IOC_V1 ||
	    ident.flags)
		return -EINVAL;
	err = ovlvol_get_nonce(&nonce);
	if (err)
		return err;

	/* _raw: O_PATH fds name a filesystem as well as any other. */
	file = fget_raw(ident.fd);
	if (!file)
		return -EBADF;
	inode = file_inode(file);
	sb = inode->i_sb;

	/* Kernel-internal pseudo filesystems (pipes, sockets, memfd, ...). */
	err = -EINVAL;
	if (sb->s_flags & SB_NOUSER)
		goto out_fput;
	err = -EPERM;
	if (!ns_capable(sb->s_user_ns, CAP_SYS_ADMIN))
		goto out_fput;

	/* The open file keeps @sb active, so its marks stay put. */
	err = ovlvol_sb_instance(sb, &id, &fs_errors);
	if (err)
		goto out_fput;

	/* One read, so the flag describes the value returned. */
	eseq = READ_ONCE(sb->s_wb_err);
	export_uuid(ident.nonce, &nonce);
	ident.sb_instance = id;
	ident.errseq = eseq;
	ident.out_flags = OVLVOL_IDENT_GENERATION | OVLVOL_IDENT_FS_ERRORS;
	if (eseq && !(eseq & OVL_VOLATILE_ERRSEQ_SEEN))
		ident.out_flags |= OVLVOL_IDENT_UNSEEN_ERROR;
	if (sb_rdonly(sb))
		ident.out_flags |= OVLVOL_IDENT_RDONLY;
	if (ovlvol_sb_ids_from_kernel())
		ident.out_flags |= OVLVOL_IDENT_KERNEL_ID;
	ident.authority = OVL_VOLATILE_AUTH_MODULE;
	ident.generation = inode->i_generation;
	ident.fs_errors = fs_errors;
	ident.reserved = 0;
	fput(file);

	if (copy_to_user(uarg, &ident, sizeof(ident)))
		return -EFAULT;
	return 0;

out_fput:
	fput(file);
	return err;
}

static long ovlvol_ioc_inuse(struct ovlvol_inuse __user *uarg)
{
	struct ovlvol_inuse q;
	struct inode *inode;
	struct file *file;
	int err;

	if (copy_from_user(&q, uarg, sizeof(q)))
		return -EFAULT;
	if (q.size != sizeof(q) || q.version != OVLVOL_IOC_V1 || q.flags)
		return -EINVAL;
	file = fget_raw(q.fd);
	if (!file)
		return -EBADF;
	inode = file_inode(file);
	err = -EPERM;
	if (!ns_capable(inode->i_sb->s_user_ns, CAP_SYS_ADMIN))
		goto out_fput;
	err = -ENOTDIR;
	if (!S_ISDIR(inode->i_mode))
		goto out_fput;
	/* A snapshot, as good as the answer is once returned */
	q.in_use = !!(ovlvol_inode_state(inode) & I_OVL_INUSE);
	q.reserved = 0;
	err = copy_to_user(uarg, &q, sizeof(q)) ? -EFAULT : 0;
out_fput:
	fput(file);
	return err;
}

static long ovlvol_ioc_nonce(struct ovlvol_nonce __user *uarg)
{
	struct ovlvol_nonce nonce;
	uuid_t uuid;
	int err;

	if (copy_from_user(&nonce, uarg, sizeof(nonce)))
		return -EFAULT;
	if (nonce.size != sizeof(nonce) || nonce.version != OVLVOL_IOC_V1)
		return -EINVAL;
	err = ovlvol_get_nonce(&uuid);
	if (err)
		return err;
	export_uuid(nonce.nonce, &uuid);
	if (copy_to_user(uarg, &nonce, sizeof(nonce)))
		return -EFAULT;
	return 0;
}

static long ovlvol_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case OVLVOL_IOC_IDENT:
		return ovlvol_ioc_ident(uarg);
	case OVLVOL_IOC_NONCE:
		return ovlvol_ioc_nonce(uarg);
	case OVLVOL_IOC_INUSE:
		return ovlvol_ioc_inuse(uarg);
	}
	return -ENOTTY;
}

static const struct file_operations ovlvol_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = ovlvol_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice ovlvol_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = OVLVOL_DEVICE_NAME,
	.fops = &ovlvol_fops,
	.mode = 0600,
};

int ovlvol_dev_init(void)
{
	return misc_register(&ovlvol_misc);
}

/*
 * After this no new file can be opened; none is open either, since every
 * open file holds a reference on the module.
 */
void ovlvol_dev_exit(void)
{
	misc_deregister(&ovlvol_misc);
}
