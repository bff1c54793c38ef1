// SPDX-License-Identifier: GPL-2.0
/*
 * ovlctl discard: empty an upper/work pair so the next mount starts fresh.
 *
 * The two dirs themselves stay (owner, mode, xattrs such as security
 * labels, and the inode the workdir lock is taken on); only what is inside
 * goes. The upper's contents are someone's data, and the tree may have been
 * written by a container, so the walk never follows a symlink (a link is
 * removed, never its target), never leaves the dir it was given and never
 * crosses into another mount: each step opens one component with openat2()
 * RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
 * RESOLVE_NO_XDEV and checks the device and mount id against the top dir.
 * A first pass only checks; if it finds another filesystem or a mount
 * point inside, nothing is removed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <json-c/json.h>
#include <linux/openat2.h>

#include "core.h"
#include "ovlctl.h"

/*
 * One fd is held per level. A dir deeper than this is moved up to the top
 * dir being emptied and emptied from there (any depth a container builds
 * can be discarded); the dry pass stops looking below it.
 */
#define MAX_DEPTH 256

struct walk {
	dev_t dev;
	uint64_t mnt_id;
	bool have_mnt_id;
	bool dry; /* only check */
	int depth;
	int top_fd; /* the dir being emptied */
	unsigned long moved; /* dirs moved up to it */
};

/* glibc 2.36 has no openat2() wrapper; ENOSYS before Linux 5.6. */
int ovlctl_openat2(int dfd, const char *path, struct open_how *how)
{
#ifdef SYS_openat2
	return syscall(SYS_openat2, dfd, path, how, sizeof(*how));
#else
	errno = ENOSYS;
	return -1;
#endif
}

/* statx() of @name under @dfd (AT_EMPTY_PATH when @name is ""). */
static int entry_stat(int dfd, const char *name, struct statx *stx)
{
	int flags = AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT;

	if (!*name)
		flags |= AT_EMPTY_PATH;
	if (statx(dfd, name, flags, STATX_TYPE | STATX_INO | STATX_MNT_ID, stx))
		return -errno;
	return 0;
}

static dev_t stx_dev(const struct statx *stx)
{
	return makedev(stx->stx_dev_major, stx->stx_dev_minor);
}

static bool is_mount_root(const struct statx *stx)
{
	return (stx->stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
	       (stx->stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

int ovlctl_open_beneath(int dfd, const char *name, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_NOFOLLOW | O_CLOEXEC),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
			   RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	struct statx parent, before, after;
	int fd, err;

	if (!*name || strchr(name, '/') || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return -EINVAL;
	fd = ovlctl_openat2(dfd, name, &how);
	if (fd >= 0)
		return fd;
	if (errno != ENOSYS)
		return -errno;
	/*
	 * Before 5.6: O_NOFOLLOW refuses a symlink as the only component;
	 * the same device and mount id as the parent, and the same inode as
	 * the entry we looked at, stand in for NO_XDEV and for a race.
	 */
	err = entry_stat(dfd, "", &parent);
	if (!err)
		err = entry_stat(dfd, name, &before);
	if (err)
		return err;
	fd = openat(dfd, name, flags | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = entry_stat(fd, "", &after);
	if (!err &&
	    (stx_dev(&after) != stx_dev(&parent) || is_mount_root(&after) ||
	     ((parent.stx_mask & after.stx_mask & STATX_MNT_ID) &&
	      parent.stx_mnt_id != after.stx_mnt_id)))
		err = -EXDEV;
	if (!err && (after.stx_ino != before.stx_ino ||
		     stx_dev(&after) != stx_dev(&before)))
		err = -EAGAIN; /* replaced while we looked */
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/* The names in @dfd, read before anything is removed from it. */
static int read_names(int dfd, char ***names, size_t *n)
{
	size_t cap = 0;
	struct dirent *e;
	DIR *d;
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	*names = NULL;
	*n = 0;
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((errno = 0, e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (*n == cap) {
			char **nn;

			cap = cap ? 2 * cap : 32;
			nn = realloc(*names, cap * sizeof(*nn));
			if (!nn)
				break;
			*names = nn;
		}
		(*names)[*n] = strdup(e->d_name);
		if (!(*names)[*n])
			break;
		(*n)++;
	}
	fd = errno ? -errno : 0;
	closedir(d);
	return fd;
}

static void free_names(char **names, size_t n)
{
	while (n--)
		free(names[n]);
	free(names);
}

static int empty_dir(int dfd, const char *path, struct walk *w);

/* Check, and unless dry remove, the entry @name of @dfd (at @path). */
static int remove_entry(int dfd, const char *path, const char *name,
			struct walk *w)
{
	struct statx stx, opened;
	char *sub = NULL;
	int fd, err;

	err = entry_stat(dfd, name, &stx);
	if (err == -ENOENT)
		return 0; /* gone meanwhile */
	if (err)
		goto fail;
	if (stx_dev(&stx) != w->dev || is_mount_root(&stx) ||
	    (w->have_mnt_id && (stx.stx_mask & STATX_MNT_ID) &&
	     stx.stx_mnt_id != w->mnt_id)) {
		err = -EXDEV;
		ovlctl_log(
			OVLCTL_WARN,
			"%s/%s is another filesystem or a mount point: refusing to go in",
			path, name);
		return err;
	}
	if (!S_ISDIR(stx.stx_mode)) {
		if (!w->dry && unlinkat(dfd, name, 0) && errno != ENOENT) {
			err = -errno;
			goto fail;
		}
		return 0;
	}
	if (w->depth >= MAX_DEPTH) {
		char up[64];

		/* Below here only what is checked on the way down goes */
		if (w->dry)
			return 0;
		/* A name an interrupted discard left behind is taken: next */
		do {
			snprintf(up, sizeof(up), ".ovlctl-deep.%lu",
				 w->moved++);
			err = renameat2(dfd, name, w->top_fd, up,
					RENAME_NOREPLACE) ?
				      -errno :
				      0;
		} while (err == -EEXIST);
		if (err)
			goto fail;
		return 0;
	}
	fd = ovlctl_open_beneath(dfd, name, O_RDONLY | O_DIRECTORY);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0) {
		err = fd;
		goto fail;
	}
	/* The dir we stat()ed, not one swapped in since. */
	err = entry_stat(fd, "", &opened);
	if (!err && (opened.stx_ino != stx.stx_ino ||
		     stx_dev(&opened) != stx_dev(&stx)))
		err = -EAGAIN;
	if (!err && asprintf(&sub, "%s/%s", path, name) < 0)
		err = -ENOMEM;
	if (!err) {
		w->depth++;
		err = empty_dir(fd, sub, w);
		w->depth--;
	}
	free(sub);
	close(fd);
	if (err)
		return err; /* reported below */
	if (!w->dry && unlinkat(dfd, name, AT_REMOVEDIR) && errno != ENOENT) {
		err = -errno;
		goto fail;
	}
	return 0;
fail:
	ovlctl_log(OVLCTL_WARN, "%s/%s: %s", path, name, strerror(-err));
	return err;
}

static int empty_dir(int dfd, const char *path, struct walk *w)
{
	unsigned long moved;
	char **names;
	size_t n, i;
	int err;

	/* At the top, again while deep dirs were moved up meanwhile */
	do {
		moved = w->moved;
		err = read_names(dfd, &names, &n);
		if (err)
			ovlctl_log(OVLCTL_WARN, "reading %s: %s", path,
				   strerror(-err));
		for (i = 0; i < n && !err; i++)
			err = remove_entry(dfd, path, names[i], w);
		free_names(names, n);
	} while (!err && !w->depth && w->moved != moved);
	return err;
}

/* Is the dir @id an ancestor of (or the same as) the dir open as @fd? */
static int is_ancestor(int fd, const struct stat *id)
{
	struct stat st, up;
	int cur = dup(fd), next, depth, ret = 0;

	if (cur < 0)
		return -errno;
	for (depth = 0; depth < 4096; depth++) {
		if (fstat(cur, &st)) {
			ret = -errno;
			break;
		}
		if (st.st_dev == id->st_dev && st.st_ino == id->st_ino) {
			ret = 1;
			break;
		}
		next = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (next < 0) {
			ret = -errno;
			break;
		}
		close(cur);
		cur = next;
		if (fstat(cur, &up)) {
			ret = -errno;
			break;
		}
		if (up.st_dev == st.st_dev && up.st_ino == st.st_ino)
			break; /* reached the root */
	}
	close(cur);
	return ret;
}

static int check_top(int fd, const char *what, struct statx *stx)
{
	int err = entry_stat(fd, "", stx);

	if (err)
		return err;
	if (!S_ISDIR(stx->stx_mode)) {
		ovlctl_log(OVLCTL_WARN, "%s is not a directory", what);
		return -ENOTDIR;
	}
	if (is_mount_root(stx)) {
		ovlctl_log(
			OVLCTL_WARN,
			"%s is the root of a mount: not an overlay %s, refusing",
			what, what);
		return -EINVAL;
	}
	return 0;
}

/*
 * work/ (mode 0, as overlayfs makes it), incompat/ and volatile/ (0700),
 * then the file dirty, one component at a time: never through a symlink
 * or into another filesystem, and never blocking on a FIFO planted as
 * "dirty" (a workdir's owner can plant either; ovlctl runs as root).
 */
int ovlctl_put_marker(int work_fd)
{
	static const char *const names[] = { "work", "incompat", "volatile" };
	static const mode_t modes[] = { 0, 0700, 0700 };
	int dfd = work_fd, fd, i, err = 0;

	for (i = 0; i < 3; i++) {
		if (mkdirat(dfd, names[i], modes[i]) && errno != EEXIST) {
			err = -errno;
			break;
		}
		fd = ovlctl_open_beneath(dfd, names[i], O_PATH | O_DIRECTORY);
		if (dfd != work_fd)
			close(dfd);
		dfd = fd;
		if (fd < 0)
			return fd;
	}
	if (!err) {
		fd = openat(dfd, "dirty",
			    O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK |
				    O_CLOEXEC,
			    0600);
		if (fd < 0)
			err = -errno;
		else
			close(fd);
	}
	if (dfd != work_fd)
		close(dfd);
	return err;
}

/* Does the dir @fd hold anything? 1, 0 or -errno. */
static int holds_something(int fd)
{
	char **names;
	size_t n;
	int err = read_names(fd, &names, &n);

	free_names(names, n);
	return err ? err : n > 0;
}

/*
 * The callers checked that no overlay uses the pair, but a mount that
 * bypasses ovlctl (no lock) may have come in since: the walk then removed
 * the stock marker it made, and maybe not all it wrote. Once emptied, the
 * pair must be empty and unused; if not, put the marker back, so that it
 * is refused (a marker without a checkpoint) until it is discarded again.
 * 0, or OVLCTL_DISCARD_USED (the marker back), or -errno.
 */
static int used_meanwhile(int upper_fd, int work_fd)
{
	char *who = NULL;
	int used, which, err;

	used = holds_something(upper_fd);
	if (!used)
		used = holds_something(work_fd);
	if (!used) {
		used = ovlctl_pair_in_use(upper_fd, work_fd, false, &who,
					  &which);
		free(who);
	}
	if (!used)
		return 0;
	err = ovlctl_put_marker(work_fd);
	if (err)
		ovlctl_log(
			OVLCTL_WARN,
			"the pair was used while it was emptied, and putting the stock marker back failed: %s",
			strerror(-err));
	else if (used < 0)
		ovlctl_log(
			OVLCTL_WARN,
			"cannot tell whether the pair was used while it was emptied (%s): the stock marker is back",
			strerror(-used));
	return err ? err : used > 0 ? OVLCTL_DISCARD_USED : used;
}

const char *ovlctl_discard_strerror(int ret)
{
	return ret == OVLCTL_DISCARD_USED ?
		       "an overlay used the pair while it was emptied (a mount that bypassed ovlctl, or one its in-use check could not see): the stock marker is back; discard it again once that is unmounted" :
		       strerror(-ret);
}

int ovlctl_discard_pair_fd(int upper_fd, int work_fd)
{
	struct statx u, wk;
	struct stat us, ws;
	struct walk w = { 0 };
	int err, pass;

	err = check_top(upper_fd, "upperdir", &u);
	if (!err)
		err = check_top(work_fd, "workdir", &wk);
	if (err)
		return err;
	if (stx_dev(&u) != stx_dev(&wk)) {
		ovlctl_log(
			OVLCTL_WARN,
			"upperdir and workdir are on different filesystems: not an overlay pair");
		return -EINVAL;
	}
	if (fstat(upper_fd, &us) || fstat(work_fd, &ws))
		return -errno;
	err = is_ancestor(upper_fd, &ws);
	if (!err)
		err = is_ancestor(work_fd, &us);
	if (err) {
		if (err > 0) {
			ovlctl_log(
				OVLCTL_WARN,
				"upperdir and workdir are the same or nested: not an overlay pair");
			err = -EINVAL;
		}
		return err;
	}
	w.dev = stx_dev(&u);
	ovlctl_fault_point("discard-walk", work_fd);
	/*
	 * Check both trees before removing anything; then empty the upper
	 * first and the workdir last, so that if we are interrupted the
	 * stock marker (work/work/incompat/volatile) still makes overlayfs
	 * refuse the half-emptied upper.
	 */
	for (pass = 0; pass < 2 && !err; pass++) {
		w.dry = pass == 0;
		w.have_mnt_id = u.stx_mask & STATX_MNT_ID;
		w.mnt_id = u.stx_mnt_id;
		w.top_fd = upper_fd;
		err = empty_dir(upper_fd, "upperdir", &w);
		if (err && w.dry)
			ovlctl_log(OVLCTL_WARN, "nothing was removed");
		if (err)
			break;
		w.have_mnt_id = wk.stx_mask & STATX_MNT_ID;
		w.mnt_id = wk.stx_mnt_id;
		w.top_fd = work_fd;
		err = empty_dir(work_fd, "workdir", &w);
		if (err && w.dry)
			ovlctl_log(OVLCTL_WARN, "nothing was removed");
		/*
		 * Stopped in the workdir, the marker perhaps gone (or one a
		 * plain mount made meanwhile): put it back, so that the
		 * half-emptied pair stays refused until a discard succeeds.
		 */
		if (err && !w.dry && ovlctl_put_marker(work_fd))
			ovlctl_log(OVLCTL_WARN,
				   "putting the stock marker back failed");
	}
	/* An empty pair has nothing to reuse: drop ovlctl's own records. */
	if (!err)
		err = ovlctl_forget(work_fd);
	if (!err)
		err = used_meanwhile(upper_fd, work_fd);
	return err;
}

static int open_top(const char *path, const char *what)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	fd = -errno;
	/* O_DIRECTORY wins over O_NOFOLLOW: a symlink gives ENOTDIR. */
	if (fd == -ENOTDIR && !lstat(path, &st) && S_ISLNK(st.st_mode))
		fd = -ELOOP;
	if (fd == -ELOOP)
		ovlctl_log(OVLCTL_WARN,
			   "%s %s is a symlink: give the directory itself",
			   what, path);
	else
		ovlctl_log(OVLCTL_WARN, "%s %s: %s", what, path, strerror(-fd));
	return fd;
}

int ovlctl_discard_pair(const char *upper, const char *work)
{
	int ufd, wfd, err;

	ufd = open_top(upper, "upperdir");
	if (ufd < 0)
		return ufd;
	wfd = open_top(work, "workdir");
	if (wfd < 0) {
		close(ufd);
		return wfd;
	}
	err = ovlctl_discard_pair_fd(ufd, wfd);
	close(wfd);
	close(ufd);
	return err;
}

/*
 * Refuse when the pair is used by an overlay anywhere (the same question
 * as the verdict's: the kernel's lock too, so a lazily unmounted overlay
 * counts), or when we cannot tell: 0, or an exit status after reporting.
 */
static int check_not_in_use(int ufd, int wfd, const char *upper,
			    const char *work)
{
	char *who = NULL;
	const char *what, *path;
	int which, ret;

	ret = ovlctl_pair_in_use(ufd, wfd, true, &who, &which);
	what = which ? "workdir" : "upperdir";
	path = which ? work : upper;
	if (ret == 1)
		ret = ovlctl_fail(
			OVLCTL_EXIT_BUSY, "%s %s is in use by %s%s", what, path,
			who && who[0] == '/' ? "the overlay mounted on " : "",
			who ? who : "?");
	else if (ret == -EACCES)
		ret = ovlctl_fail(
			OVLCTL_EXIT_ERROR,
			"cannot tell whether %s %s is in use: %s cannot be looked into (needs root)",
			what, path, who ? who : "a process");
	else if (ret == -ENODATA)
		ret = ovlctl_fail(
			OVLCTL_EXIT_ERROR,
			"cannot tell whether %s %s is in use: the overlay on %s has an upper or work dir that does not resolve (relative, renamed or deleted path)",
			what, path, who ? who : "?");
	else if (ret < 0)
		ret = ovlctl_fail(OVLCTL_EXIT_ERROR,
				  "cannot tell whether %s %s is in use: %s",
				  what, path, strerror(-ret));
	free(who);
	return ret;
}

static void discard_usage(void)
{
	printf("Usage:\n"
	       " ovlctl discard [options] <upperdir> <workdir>\n"
	       "\n"
	       "Empty an overlay's upper and work dirs, keeping the two dirs\n"
	       "(owner, mode, xattrs). Refuses when either is used by an overlay\n"
	       "mounted in any mount namespace, or still held by overlayfs where\n"
	       "the ovlvol module can tell (exit 5), never follows a symlink\n"
	       "and never goes into another filesystem or mount.\n"
	       "\n"
	       "Options:\n"
	       "     --no-wait   busy (exit 5) instead of waiting for another\n"
	       "                 ovlctl that holds the workdir\n"
	       " -h, --help      display this help\n");
}

int cmd_discard(int argc, char **argv)
{
	enum { OPT_NO_WAIT = 0x100 };
	static const struct option longopts[] = {
		{ "no-wait", no_argument, NULL, OPT_NO_WAIT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *upper, *work;
	int c, ufd = -1, wfd = -1, lock = -1, ret;
	struct stat ls, ws;
	bool wait = true;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_NO_WAIT:
			wait = false;
			break;
		case 'h':
			discard_usage();
			return OVLCTL_EXIT_OK;
		default:
			return ovlctl_usage_error("discard", "bad option");
		}
	}
	if (argc - optind != 2)
		return ovlctl_usage_error("discard",
					  "expected <upperdir> <workdir>");
	upper = argv[optind];
	work = argv[optind + 1];

	ufd = open_top(upper, "upperdir");
	if (ufd < 0)
		return ovlctl_fail(OVLCTL_EXIT_ERROR, "cannot open upperdir %s",
				   upper);
	wfd = open_top(work, "workdir");
	if (wfd < 0) {
		ret = ovlctl_fail(OVLCTL_EXIT_ERROR, "cannot open workdir %s",
				  work);
		goto out;
	}
	/* Lock first: a concurrent ovlctl mount cannot start after our check. */
	lock = ovlctl_lock_workdir(work, wait);
	if (lock < 0) {
		ret = ovlctl_fail(lock == -EWOULDBLOCK ? OVLCTL_EXIT_BUSY :
							 OVLCTL_EXIT_ERROR,
				  "locking workdir %s: %s", work,
				  lock == -EWOULDBLOCK ?
					  "another ovlctl holds it" :
					  strerror(-lock));
		goto out;
	}
	if (fstat(lock, &ls) || fstat(wfd, &ws) || ls.st_dev != ws.st_dev ||
	    ls.st_ino != ws.st_ino) {
		ret = ovlctl_fail(OVLCTL_EXIT_ERROR,
				  "workdir %s changed while we locked it",
				  work);
		goto out;
	}
	ret = check_not_in_use(ufd, wfd, upper, work);
	if (ret)
		goto out;
	ret = ovlctl_discard_pair_fd(ufd, wfd);
	if (ret) {
		ret = ovlctl_fail(OVLCTL_EXIT_ERROR, "discard %s %s: %s", upper,
				  work, ovlctl_discard_strerror(ret));
		goto out;
	}
	if (ovlctl.json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "upper",
				       json_object_new_string(upper));
		json_object_object_add(o, "work", json_object_new_string(work));
		json_object_object_add(o, "discarded",
				       json_object_new_boolean(1));
		printf("%s\n", json_object_to_json_string_ext(
				       o, JSON_C_TO_STRING_PRETTY |
						  JSON_C_TO_STRING_SPACED));
		json_object_put(o);
	} else if (!ovlctl.quiet) {
		printf("discarded: %s %s\n", upper, work);
	}
out:
	if (lock >= 0)
		close(lock);
	if (wfd >= 0)
		close(wfd);
	if (ufd >= 0)
		close(ufd);
	return ret;
}
