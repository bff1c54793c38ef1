// SPDX-License-Identifier: GPL-2.0
/*
 * Superblock instance ids for kernels that have none.
 *
 * The first query for a superblock attaches an fsnotify superblock mark of
 * the module's own group carrying a fresh id from a 64-bit counter; later
 * queries find that mark. The mark listens for FS_ERROR only and counts
 * the filesystem errors reported on the superblock from then on (ext4's
 * through fsnotify_sb_error()), most of which never reach s_wb_err. Teardown of
 * the superblock (generic_shutdown_super() -> fsnotify_sb_delete()) destroys
 * its marks, so a new superblock at a reused address starts without one and
 * gets a new id. Ids are only meaningful together with the load nonce: the
 * counter starts again at 1 on every load.
 *
 * Lifetime of a mark, and what keeps it alive:
 *  - ovlvol_marks holds every mark from just before it is attached until
 *    fsnotify calls ->freeing_mark (whoever destroys it: the superblock's
 *    teardown or the module's exit). Attached marks hold a reference for
 *    the group's list, and a teardown holds its own reference across
 *    ->freeing_mark, so a mark found on ovlvol_marks under ovlvol_marks_lock
 *    always has a non-zero reference count.
 *  - ovlvol_nr_marks counts marks not yet handed to ->free_mark. fsnotify
 *    frees attached marks from its reaper work, possibly long after a
 *    concurrent superblock teardown took the mark off ovlvol_marks; exit
 *    waits for the count to drop to zero and then for the reaper to finish,
 *    so no fsnotify code calls into the module, or puts the last reference
 *    of its group, after the module is gone.
 */
#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/fsnotify_backend.h>
#include <linux/list.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

#include "ovlvol.h"

struct ovlvol_mark {
	struct fsnotify_mark fsn;
	struct list_head node;	/* in ovlvol_marks until ->freeing_mark */
	u64 id;
	atomic_t fs_errors;	/* FS_ERROR events since the mark came */
};

static struct fsnotify_group *ovlvol_group;
static atomic64_t ovlvol_last_id = ATOMIC64_INIT(0);
static DEFINE_SPINLOCK(ovlvol_marks_lock);
static LIST_HEAD(ovlvol_marks);
static atomic_t ovlvol_nr_marks = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(ovlvol_marks_freed);

static struct ovlvol_mark *ovlvol_mark(struct fsnotify_mark *fsn)
{
	return container_of(fsn, struct ovlvol_mark, fsn);
}

/*
 * FS_ERROR, the one event the marks ask for. A group with only
 * ->handle_inode_event must not have superblock marks that get
 * FSNOTIFY_EVENT_ERROR data (fsnotify_handle_event() warns), hence the
 * full ->handle_event. It may run in the context of any filesystem error
 * path: count and return.
 */
static int ovlvol_handle_event(struct fsnotify_group *group, u32 mask,
			       const void *data, int data_type,
			       struct inode *dir, const struct qstr *file_name,
			       u32 cookie, struct fsnotify_iter_info *iter_info)
{
	struct fsnotify_mark *fsn = fsnotify_iter_sb_mark(iter_info);

	if ((mask & FS_ERROR) && fsn)
		atomic_inc(&ovlvol_mark(fsn)->fs_errors);
	return 0;
}

static void ovlvol_freeing_mark(struct fsnotify_mark *fsn,
				struct fsnotify_group *group)
{
	struct ovlvol_mark *m = ovlvol_mark(fsn);

	spin_lock(&ovlvol_marks_lock);
	list_del_init(&m->node);
	spin_unlock(&ovlvol_marks_lock);
}

static void ovlvol_free_mark(struct fsnotify_mark *fsn)
{
	kfree(ovlvol_mark(fsn));
	if (atomic_dec_and_test(&ovlvol_nr_marks))
		wake_up(&ovlvol_marks_freed);
}

static const struct fsnotify_ops ovlvol_fsnotify_ops = {
	.handle_event = ovlvol_handle_event,
	.freeing_mark = ovlvol_freeing_mark,
	.free_mark = ovlvol_free_mark,
};

/**
 * ovlvol_sb_ids_from_kernel - are the ids the kernel's s_instance_id?
 *
 * Return: true if the kernel numbers its superblocks itself and the module
 * attaches no marks.
 */
bool ovlvol_sb_ids_from_kernel(void)
{
	return OVLVOL_KERNEL_SB_IDS;
}

/* Drop a mark that never got attached; fsnotify frees it right away. */
static void ovlvol_discard_mark(struct ovlvol_mark *m)
{
	spin_lock(&ovlvol_marks_lock);
	list_del_init(&m->node);
	spin_unlock(&ovlvol_marks_lock);
	fsnotify_put_mark(&m->fsn);
}

/*
 * Attach a new mark with a fresh id to @sb. Returns 0, -EEXIST if a
 * concurrent first query attached one first, or another -errno.
 */
static int ovlvol_attach_mark(struct super_block *sb, u64 *id,
			      u32 *fs_errors)
{
	struct ovlvol_mark *m;
	int err;

	m = kzalloc(sizeof(*m), GFP_KERNEL_ACCOUNT);
	if (!m)
		return -ENOMEM;
	fsnotify_init_mark(&m->fsn, ovlvol_group);
	m->fsn.mask = FS_ERROR;
	atomic_inc(&ovlvol_nr_marks);
	m->id = atomic64_inc_return(&ovlvol_last_id);
	spin_lock(&ovlvol_marks_lock);
	list_add_tail(&m->node, &ovlvol_marks);
	spin_unlock(&ovlvol_marks_lock);

	/* Fails with -EEXIST if the group already has a mark on @sb. */
	err = ovlvol_add_sb_mark(&m->fsn, sb);
	if (err) {
		ovlvol_discard_mark(m);
		return err;
	}
	*id = m->id;
	*fs_errors = atomic_read(&m->fs_errors);
	/* The reference of the group's list keeps the mark attached. */
	fsnotify_put_mark(&m->fsn);
	return 0;
}

static int ovlvol_find_mark_id(struct super_block *sb, u64 *id,
			       u32 *fs_errors)
{
	struct fsnotify_mark *fsn;

	fsn = ovlvol_find_sb_mark(sb, ovlvol_group);
	if (!fsn)
		return -ENOENT;
	*id = ovlvol_mark(fsn)->id;
	*fs_errors = atomic_read(&ovlvol_mark(fsn)->fs_errors);
	fsnotify_put_mark(fsn);
	return 0;
}

/**
 * ovlvol_sb_instance - the instance id of a superblock, and its error count
 * @sb: a superblock the caller keeps active (e.g. through an open file)
 * @id: where to store the id, never 0
 * @fs_errors: where to store the filesystem errors counted on @sb
 *
 * Concurrent first queries for one superblock agree: fsnotify attaches at
 * most one mark of a group to an object, the losers find the winner's.
 *
 * Return: 0, or -errno (-ENOMEM, -EOPNOTSUPP if the kernel's own id is unset).
 */
int ovlvol_sb_instance(struct super_block *sb, u64 *id, u32 *fs_errors)
{
	int err;

	if (ovlvol_sb_ids_from_kernel()) {
		*id = ovlvol_kernel_sb_id(sb);
		*fs_errors = ovlvol_kernel_sb_fs_errors(sb);
		return *id ? 0 : -EOPNOTSUPP;
	}

	err = ovlvol_find_mark_id(sb, id, fs_errors);
	if (err != -ENOENT)
		return err;
	err = ovlvol_attach_mark(sb, id, fs_errors);
	if (err != -EEXIST)
		return err;
	/*
	 * Lost the race to a concurrent first query. Its mark stays as long as
	 * @sb is active and the module is loaded, both of which hold here.
	 */
	err = ovlvol_find_mark_id(sb, id, fs_errors);
	return err == -ENOENT ? -EAGAIN : err;
}

int ovlvol_sbid_init(void)
{
	if (ovlvol_sb_ids_from_kernel())
		return 0;
	ovlvol_group = fsnotify_alloc_group(&ovlvol_fsnotify_ops, 0);
	if (IS_ERR(ovlvol_group)) {
		int err = PTR_ERR(ovlvol_group);

		ovlvol_group = NULL;
		return err;
	}
	return 0;
}

/*
 * Destroy every mark and wait until fsnotify is done with all of them. Runs
 * when no query can be in flight (an open /dev/ovlvol pins the module), but
 * superblocks may be torn down concurrently and destroy marks themselves.
 */
void ovlvol_sbid_exit(void)
{
	struct ovlvol_mark *m;

	if (!ovlvol_group)
		return;

	spin_lock(&ovlvol_marks_lock);
	while ((m = list_first_entry_or_null(&ovlvol_marks,
					     struct ovlvol_mark, node))) {
		/*
		 * On the list, so ->freeing_mark has not run and someone holds
		 * a reference (see the top of the file).
		 */
		refcount_inc(&m->fsn.refcnt);
		spin_unlock(&ovlvol_marks_lock);
		/*
		 * Idempotent against a concurrent teardown: fsnotify detaches
		 * and frees a mark once. If the teardown got there first but
		 * has not called ->freeing_mark yet, we see the mark again.
		 */
		fsnotify_destroy_mark(&m->fsn, ovlvol_group);
		fsnotify_put_mark(&m->fsn);
		cond_resched();
		spin_lock(&ovlvol_marks_lock);
	}
	spin_unlock(&ovlvol_marks_lock);

	wait_event(ovlvol_marks_freed, !atomic_read(&ovlvol_nr_marks));
	/* The reaper may still be returning from ->free_mark. */
	fsnotify_wait_marks_destroyed();
	/* The last reference: the group is freed here, not by the reaper. */
	fsnotify_put_group(ovlvol_group);
	ovlvol_group = NULL;
}
