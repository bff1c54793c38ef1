/* SPDX-License-Identifier: GPL-2.0 */
#ifndef OVLCTL_H
#define OVLCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* Exit status, stable and documented in ovlctl(8). */
enum {
	OVLCTL_EXIT_OK = 0,
	OVLCTL_EXIT_ERROR = 1,
	OVLCTL_EXIT_USAGE = 2,
	OVLCTL_EXIT_NOT_REUSABLE = 3,
	OVLCTL_EXIT_DISCARDED = 4,
	OVLCTL_EXIT_BUSY = 5,
	OVLCTL_EXIT_UNSUPPORTED = 6,
};

enum ovlctl_level {
	OVLCTL_ERROR,
	OVLCTL_WARN,
	OVLCTL_INFO,
	OVLCTL_DEBUG,
};

struct ovlctl_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *args;
	const char *help;
};

struct ovlctl_globals {
	bool json;
	bool quiet;
	int verbose;
	FILE *log;
	bool log_json;
	const char *config; /* --config */
	/*
	 * The layers of this command come from a container (annotations):
	 * confine them, given or recorded (ovlctl runtime sets it).
	 */
	bool confine;
};

extern struct ovlctl_globals ovlctl;

void ovlctl_log(enum ovlctl_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Report an error (as JSON with -J) and return @status. */
int ovlctl_fail(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * While @first is not NULL, errors are collected rather than printed as
 * JSON documents of their own (a caller's document carries them): the
 * first one's text goes to *@first, malloc()ed; they still go to stderr
 * and the log. NULL ends it.
 */
void ovlctl_collect_errors(char **first);
/*
 * From here on this process has discarded a pair (emptied it, with nothing
 * using it meanwhile): every later error says so, with "discarded": true
 * in its JSON, so that a runtime knows its data is gone although the
 * command failed.
 */
void ovlctl_note_discarded(void);
/* A bad invocation of @cmd: message, hint, OVLCTL_EXIT_USAGE. */
int ovlctl_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ovlctl_usage_error() when @status is OVLCTL_EXIT_USAGE, else ovlctl_fail(). */
int ovlctl_fail_usage(int status, const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * Control characters and bytes that are not valid UTF-8 in @s as \xNN, so
 * that a hostile string cannot forge a line or drive a terminal: a
 * malloc()ed copy, or NULL.
 */
char *ovlctl_escape(const char *s);

/*
 * conf.c: /etc/ovlctl/ovlctl.conf (--config, OVLCTL_CONFIG), and the
 * confinement of layers a container chose (dev.ovlvol.* annotations, or a
 * spec recorded for them).
 */
const char *ovlctl_conf_file(void);
/*
 * Open @path, which must lie beneath a configured root (for a @lower dir
 * also beneath a lower root), with RESOLVE_BENEATH from that root: an fd
 * (O_RDONLY | O_DIRECTORY) and its canonical path in *@canon (malloc()ed),
 * or minus an OVLCTL_EXIT_* status after reporting the error: @status for
 * a path the roots do not allow.
 */
int ovlctl_confine(const char *path, bool lower, const char *what, int status,
		   char **canon);
/* May dev.ovlvol.options set the overlayfs option @name (@len bytes)? */
bool ovlctl_conf_option_allowed(const char *name, size_t len);

/*
 * mounts.c: overlay mounts in every mount namespace of the system, found by
 * reading one /proc/PID/mountinfo per namespace with libmount. Directories
 * are identified by (dev, ino), resolved through /proc/PID/root, never by
 * comparing path strings.
 */
struct ovlctl_dirid {
	dev_t dev;
	ino_t ino;
	bool valid; /* false if it could not be resolved */
	int err; /* why not valid: -errno; 0 with !valid: no such layer */
};

struct ovlctl_mount {
	char *target; /* mount point as seen in its namespace */
	char *source;
	char *fs_options; /* super block options, as in mountinfo */
	char *upper; /* upperdir= (NULL for a read-only overlay) */
	char *work; /* workdir= */
	char **lowers; /* lowerdir= split on unescaped ':' */
	size_t nlowers;
	struct ovlctl_dirid upper_id, work_id;
	struct ovlctl_dirid *lower_ids; /* nlowers of them */
	dev_t sb_dev; /* the overlay's own st_dev: one per super block */
	bool is_volatile; /* "volatile" or "fsync=volatile" */
	int mnt_id;
	ino_t mntns; /* inode of /proc/PID/ns/mnt */
	pid_t pid; /* a process in that namespace */
};

/*
 * One mount as a namespace lists it, before its layers are resolved. The
 * strings are borrowed, or live in @buf when the record owns one.
 */
struct rawmnt {
	const char *target;
	const char *source;
	const char *opts; /* super block options, octal escapes undone */
	int mnt_id; /* as in mountinfo */
	dev_t dev; /* the super block's */
	void *buf;
};

/*
 * kmod.c: the libkmod functions ovlctl uses, from the library opened on
 * first use (dlopen); NULL when it cannot be opened (said at -vv).
 */
#include <libkmod.h>
#define OVLCTL_LIBKMOD "libkmod.so.2"
struct ovlctl_kmod {
	__typeof__(kmod_new) *new;
	__typeof__(kmod_unref) *unref;
	__typeof__(kmod_set_log_fn) *set_log_fn;
	__typeof__(kmod_module_new_from_name) *module_new_from_name;
	__typeof__(kmod_module_unref) *module_unref;
	__typeof__(kmod_module_get_initstate) *module_get_initstate;
	__typeof__(kmod_module_get_path) *module_get_path;
	__typeof__(kmod_module_probe_insert_module) *module_probe_insert_module;
};
const struct ovlctl_kmod *ovlctl_kmod(void);

/*
 * listmount.c: the overlay mounts of mount namespace @nsfd through
 * listmount(2)/statmount(2): 0 (*@out: malloc()ed, free with
 * ovlctl_free_rawmnts(); *@ids: every mount's unique id, ascending,
 * malloc()ed), -ENOSYS when this kernel cannot list another namespace's
 * mounts with their options (before 6.11), or -errno.
 */
int ovlctl_listmount_overlays(int nsfd, struct rawmnt **out, size_t *n,
			      uint64_t **ids, size_t *nids);
/* listmount.c: the unique mount id of the mount @fd is on (0: unknown) */
uint64_t ovlctl_unique_mnt_id(int fd);

/* The superblock ids of the upstream series, from statmount(2) by fd */
struct ovlctl_sb_ids {
	uint64_t sb_instance;
	uint32_t wb_err; /* compare only */
	uint32_t fs_errors;
};

/* 0, -EOPNOTSUPP for a kernel without them, or another -errno */
int ovlctl_statmount_sb_ids(int fd, struct ovlctl_sb_ids *ids);
void ovlctl_free_rawmnts(struct rawmnt *m, size_t n);
/*
 * listmount.c: call @fn(@arg, nsfd, ino) for every mount namespace of the
 * system (NS_MNT_GET_NEXT/PREV, 6.12): 0, -ENOSYS when the kernel cannot,
 * or the first error of @fn or the walk.
 */
int ovlctl_each_mntns(int (*fn)(void *arg, int nsfd, ino_t ino), void *arg);
/*
 * listmount.c: the root directory of mount namespace @nsfd (*@rootfd,
 * O_PATH) and its mount table (*@mountinfo), opened by a child that joined
 * it: 0 or -errno.
 */
int ovlctl_mntns_open(int nsfd, int *rootfd, int *mountinfo);

/* All overlay mounts; 0 or -errno. Free with ovlctl_free_mounts(). */
int ovlctl_overlay_mounts(struct ovlctl_mount **mounts, size_t *n);
/*
 * The overlay mounts of our own mount namespace, as we see them (one view:
 * no other process is looked at), for finding what is mounted at a path
 * here. Callers still match mntns: under OVLCTL_PROC_ROOT (a fake /proc)
 * every view is read. 0 or -errno.
 */
int ovlctl_overlay_mounts_here(struct ovlctl_mount **mounts, size_t *n);
void ovlctl_free_mounts(struct ovlctl_mount *mounts, size_t n);
/*
 * Is the directory @id the upper or work dir of a mounted overlay, in any
 * namespace? 1 (and *@who, if not NULL, a copy of that mount's target), 0,
 * or -errno.
 * Never 0 when it could not look: -EACCES when some process could not be
 * looked into (needs root), -ENODATA when an overlay's upper or work dir
 * does not resolve (relative, renamed, deleted, ambiguous options); *@who
 * then names the process or mount. *@who is always set (or NULL): free it.
 */
int ovlctl_dir_in_use(const struct ovlctl_dirid *id, char **who);
int ovlctl_dirid(const char *path, struct ovlctl_dirid *id);
/*
 * Open the work dir of @m (O_RDONLY | O_DIRECTORY) through the root of the
 * process it was seen from, as the scan resolved it: an fd or -errno
 * (-ENODATA when the scan could not identify it).
 */
int ovlctl_mount_open_work(const struct ovlctl_mount *m);
/* How many processes the last ovlctl_overlay_mounts() could not look into. */
int ovlctl_mounts_unseen(pid_t *example);

/*
 * lock.c: one ovlctl at a time per workdir. flock(LOCK_EX) on the workdir;
 * returns the locked fd, -EWOULDBLOCK when busy and !@wait, or -errno.
 */
int ovlctl_lock_workdir(const char *workdir, bool wait);
struct open_how;
/* discard.c: openat2(2) through syscall(); -1 with errno set on failure. */
int ovlctl_openat2(int dfd, const char *path, struct open_how *how);
/*
 * discard.c: empty @upper and @work (keeping the two dirs with owner, mode
 * and xattrs), never following a symlink or crossing a mount; the caller
 * holds the workdir lock and has checked that neither is in use. 0 or
 * -errno.
 */
int ovlctl_discard_pair(const char *upper, const char *work);
/*
 * state.c: drop ovlctl's checkpoint and mount spec from a workdir (both
 * xattr namespaces), other xattrs kept. 0 or -errno.
 */
int ovlctl_forget(int work_fd);
/*
 * The same on dirs already open (O_RDONLY | O_DIRECTORY): refuses (-EINVAL)
 * a pair on two filesystems, nested dirs, the same dir twice, or a mount
 * root; -EXDEV when a mount point is found inside. OVLCTL_DISCARD_USED
 * when the pair was used while it was emptied (a mount that bypassed
 * ovlctl): the stock marker is then put back, as it is when emptying the
 * workdir failed. 0 or -errno.
 */
int ovlctl_discard_pair_fd(int upper_fd, int work_fd);
/* ovlctl_discard_pair_fd(): used while it was emptied (the marker back) */
#define OVLCTL_DISCARD_USED 1
/* discard.c: what ovlctl_discard_pair_fd()'s non-zero return means */
const char *ovlctl_discard_strerror(int ret);
/* discard.c: make the stock marker in the workdir @work_fd. 0 or -errno. */
int ovlctl_put_marker(int work_fd);
/*
 * fault.c: in a test build (make FAULT_POINTS=1) only, crash the machine at
 * @name, or stop this process there (SIGSTOP), when OVLCTL_FAULT says so.
 */
#ifdef OVLCTL_FAULT_POINTS
void ovlctl_fault_point(const char *name, int fd);
#else
static inline void ovlctl_fault_point(const char *name, int fd)
{
	(void)name;
	(void)fd;
}
#endif
/*
 * Open the single component @name under @dfd without following a symlink,
 * magic link or crossing a mount (openat2 RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV, O_NOFOLLOW
 * plus a dev/mount id check before 5.6). An fd or -errno.
 */
int ovlctl_open_beneath(int dfd, const char *name, int flags);

/*
 * list.c: the STATE cell of `ovlctl list` for @m, a malloc()ed string or
 * NULL (empty cell). A weak default returns NULL; the checkpoint code may
 * define the real one.
 */
char *ovlctl_mount_state(const struct ovlctl_mount *m);

int cmd_features(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_mount(int argc, char **argv);
int cmd_umount(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_discard(int argc, char **argv);
int cmd_gc(int argc, char **argv);
/* oci.c, runtime.c, hook.c: OCI runtimes and hooks, gVisor. */
int cmd_runtime(int argc, char **argv);
int cmd_hook(int argc, char **argv);

#endif /* OVLCTL_H */
