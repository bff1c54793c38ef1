/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Reusable volatile overlayfs upper directories: the one definition of
 *  - the checkpoint stored in the "overlay.volatile" xattr (on disk), and
 *  - the ioctl interface of the ovlvol module (/dev/ovlvol), which gives
 *    stock kernels the identities a patched kernel has natively.
 *
 * Used as-is by the ovlvol module, the kernel patch series, ovlctl and the
 * selftests. See Documentation/checkpoint.rst.
 */
#ifndef _UAPI_LINUX_OVL_VOLATILE_H
#define _UAPI_LINUX_OVL_VOLATILE_H

#include <linux/ioctl.h>
#include <linux/types.h>

/*
 * The checkpoint: recorded when a volatile mount of a fresh (or cleanly
 * non-volatile) upper begins, never refreshed by later reuses.
 *
 * Little-endian, packed, no kernel pointers. A value is valid only if its
 * length equals @size, @magic and @version are known, @size matches the
 * version, @authority is known and @flags holds no unknown bit; anything
 * else means "no valid checkpoint" (reason bad-checkpoint).
 * Version 1 (48 bytes, bound to the inode number alone) is no longer
 * valid: a version 1 checkpoint is refused as bad-checkpoint.
 */
#define OVL_VOLATILE_XATTR		"overlay.volatile" /* trusted. or user. */
#define OVL_VOLATILE_CKPT_MAGIC		0x564c564fU	/* "OVLV" in LE bytes */
#define OVL_VOLATILE_CKPT_V2		2	/* binds inode number + generation */

/* Who issued the nonce and the superblock instance id. */
enum ovl_volatile_authority {
	OVL_VOLATILE_AUTH_KERNEL = 1,	/* s_instance_id + overlay load UUID */
	OVL_VOLATILE_AUTH_MODULE = 2,	/* ovlvol marks + module load UUID */
};

/* No checkpoint flags are defined yet: any set bit is invalid. */
#define OVL_VOLATILE_CKPT_FLAGS_MASK	0U

/*
 * Mask of the "seen" bit of an errseq_t (lib/errseq.c). An errseq value is
 * an opaque cursor, not ABI: compare two values for equality only (as
 * errseq_check() does; any difference, this bit included, means they
 * differ). The one use of this bit is to tell whether a value holds an
 * error nobody has seen yet (non-zero without it).
 */
#define OVL_VOLATILE_ERRSEQ_SEEN	0x1000U	/* bit 12 */

struct ovl_volatile_ckpt {
	__le32	magic;		/* OVL_VOLATILE_CKPT_MAGIC */
	__u8	version;	/* OVL_VOLATILE_CKPT_V2 */
	__u8	authority;	/* enum ovl_volatile_authority */
	__le16	size;		/* sizeof(struct ovl_volatile_ckpt) for @version */
	__le32	flags;		/* OVL_VOLATILE_CKPT_FLAGS_MASK */
	__le32	errseq;		/* upper sb s_wb_err at the first volatile mount */
	__u8	nonce[16];	/* authority load UUID */
	__le64	sb_instance;	/* upper superblock instance id, never 0 */
	__le64	binding;	/* inode number of the dir holding the xattr */
	__le32	binding_gen;	/* its inode generation (i_generation) */
	__le32	fs_errors;	/* upper sb filesystem errors at that mount */
} __attribute__((packed));

#define OVL_VOLATILE_CKPT_V2_SIZE	56

/*
 * The ovlvol module's misc device, /dev/ovlvol. Every ioctl takes a struct
 * whose first two fields are @size (the caller's sizeof) and @version;
 * unknown versions, sizes or flags fail with EINVAL, a bad fd with EBADF.
 */
#define OVLVOL_DEVICE_NAME		"ovlvol"
#define OVLVOL_IOC_MAGIC		0xb9
#define OVLVOL_IOC_V1			1

/* Flags returned in struct ovlvol_ident.out_flags. */
#define OVLVOL_IDENT_UNSEEN_ERROR	(1U << 0) /* s_wb_err holds an unseen error */
#define OVLVOL_IDENT_RDONLY		(1U << 1) /* the superblock is read-only */
#define OVLVOL_IDENT_KERNEL_ID		(1U << 2) /* sb_instance is the kernel's s_instance_id */
#define OVLVOL_IDENT_GENERATION		(1U << 3) /* generation is the fd's i_generation */
#define OVLVOL_IDENT_FS_ERRORS		(1U << 4) /* fs_errors counts FS_ERROR reports */

/* Identity of the filesystem an open fd lives on. */
struct ovlvol_ident {
	__u32	size;		/* in: sizeof(struct ovlvol_ident) */
	__u32	version;	/* in: OVLVOL_IOC_V1 */
	__s32	fd;		/* in: any file or dir on the filesystem */
	__u32	flags;		/* in: must be 0 */
	__u8	nonce[16];	/* out: module load UUID */
	__u64	sb_instance;	/* out: superblock instance id, never 0 */
	__u32	errseq;		/* out: s_wb_err, an opaque cursor (see above) */
	__u32	out_flags;	/* out: OVLVOL_IDENT_* */
	__u32	authority;	/* out: enum ovl_volatile_authority */
	__u32	generation;	/* out: i_generation of the fd's inode */
	__u32	fs_errors;	/* out: filesystem errors reported (FS_ERROR) */
	__u32	reserved;	/* out: 0 */
};

/* The module's load UUID alone. */
struct ovlvol_nonce {
	__u32	size;		/* in: sizeof(struct ovlvol_nonce) */
	__u32	version;	/* in: OVLVOL_IOC_V1 */
	__u8	nonce[16];	/* out */
};

/*
 * Is the directory an fd names the upper or work dir of a live overlay?
 * Answered from overlayfs's own lock on it (I_OVL_INUSE): exact, also for
 * an overlay lazily unmounted but still pinned, or mounted only in another
 * mount namespace. The lock belongs to the mount that took it first: an
 * index=off mount that shares the dir without it is not seen here.
 */
struct ovlvol_inuse {
	__u32	size;		/* in: sizeof(struct ovlvol_inuse) */
	__u32	version;	/* in: OVLVOL_IOC_V1 */
	__s32	fd;		/* in: the directory (O_PATH is fine) */
	__u32	flags;		/* in: must be 0 */
	__u32	in_use;		/* out: 1 if an overlay holds it, else 0 */
	__u32	reserved;	/* out: 0 */
};

#define OVLVOL_IOC_IDENT	_IOWR(OVLVOL_IOC_MAGIC, 1, struct ovlvol_ident)
#define OVLVOL_IOC_NONCE	_IOWR(OVLVOL_IOC_MAGIC, 2, struct ovlvol_nonce)
#define OVLVOL_IOC_INUSE	_IOWR(OVLVOL_IOC_MAGIC, 3, struct ovlvol_inuse)

#endif /* _UAPI_LINUX_OVL_VOLATILE_H */
