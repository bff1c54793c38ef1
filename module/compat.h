/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place that knows how the supported kernels differ. Every
 * OVLVOL_HAVE_* macro comes from a probe in Kbuild against the headers of
 * the kernel being built for, never from its version number. Force-included
 * into every file of the module.
 */
#ifndef _OVLVOL_COMPAT_H
#define _OVLVOL_COMPAT_H

#include <linux/compiler.h>
#include <linux/fs.h>
#include <linux/fsnotify_backend.h>
#include <linux/types.h>

/* Newer kernels name the marked object by (pointer, type), not connector. */
#ifdef OVLVOL_HAVE_FIND_MARK_OBJ
static inline struct fsnotify_mark *
ovlvol_find_sb_mark(struct super_block *sb, struct fsnotify_group *group)
{
	return fsnotify_find_mark(sb, FSNOTIFY_OBJ_TYPE_SB, group);
}
#else
static inline struct fsnotify_mark *
ovlvol_find_sb_mark(struct super_block *sb, struct fsnotify_group *group)
{
	return fsnotify_find_mark(&sb->s_fsnotify_marks, group);
}
#endif

#ifdef OVLVOL_HAVE_ADD_MARK_OBJ
static inline int ovlvol_add_sb_mark(struct fsnotify_mark *mark,
				     struct super_block *sb)
{
	return fsnotify_add_mark(mark, sb, FSNOTIFY_OBJ_TYPE_SB, 0);
}
#else
static inline int ovlvol_add_sb_mark(struct fsnotify_mark *mark,
				     struct super_block *sb)
{
	return fsnotify_add_mark(mark, &sb->s_fsnotify_marks,
				 FSNOTIFY_OBJ_TYPE_SB, 0, NULL);
}
#endif

/* i_state became a struct with accessors in 7.0 */
#ifdef OVLVOL_HAVE_INODE_STATE_READ
static inline unsigned long ovlvol_inode_state(struct inode *inode)
{
	return inode_state_read_once(inode);
}
#else
static inline unsigned long ovlvol_inode_state(struct inode *inode)
{
	return READ_ONCE(inode->i_state);
}
#endif

/*
 * A kernel with the project's patch series numbers every superblock itself
 * (struct super_block::s_instance_id, 0 = unset) and counts its errors
 * (s_fs_errors). The module then hands out those and attaches no marks,
 * so there is one id space per boot. Both came in one version of the
 * series; the probe looks for both.
 */
#ifdef OVLVOL_HAVE_SB_INSTANCE_ID
#define OVLVOL_KERNEL_SB_IDS	true
static inline u64 ovlvol_kernel_sb_id(const struct super_block *sb)
{
	return READ_ONCE(sb->s_instance_id);
}

static inline u32 ovlvol_kernel_sb_fs_errors(struct super_block *sb)
{
	return atomic_read(&sb->s_fs_errors);
}
#else
#define OVLVOL_KERNEL_SB_IDS	false
static inline u64 ovlvol_kernel_sb_id(const struct super_block *sb)
{
	return 0;
}

static inline u32 ovlvol_kernel_sb_fs_errors(struct super_block *sb)
{
	return 0;
}
#endif

#endif /* _OVLVOL_COMPAT_H */
