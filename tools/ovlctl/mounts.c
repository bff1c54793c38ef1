// SPDX-License-Identifier: GPL-2.0
/*
 * Overlay mounts in every mount namespace of the system.
 *
 * A mounted overlay keeps its upper and work dirs in use in whichever
 * namespace it lives, including copies of the host's mounts made by
 * CLONE_NEWNS (systemd services with private mounts, container runtimes),
 * so looking at our own mountinfo is not enough. We walk /proc, take one
 * process (or thread: a thread may have a mount namespace of its own) per
 * distinct (mount namespace, root directory) "view", read its mountinfo
 * with libmount and resolve upperdir, workdir and the lowers to (dev, ino)
 * through that process's root, as the mounter's path walk would have done.
 *
 * A container shows its rootfs overlay with the host's paths, which do not
 * resolve inside it, and which it can make resolve to a directory of its
 * choosing (mkdir -p inside its root). So resolutions are never trusted in
 * a view rooted on an overlay, nor when they land on an overlay; and views
 * are merged by the overlay's super block (its st_dev in mountinfo), so
 * the host's view of a container's overlay identifies it for every view.
 *
 * OVLCTL_PROC_ROOT replaces /proc, for the host tests only: they build a
 * fake tree of PID/ns/mnt (a symlink "mnt:[N]"), PID/root (a symlink to a
 * directory) and PID/mountinfo.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <libmount.h>
#include <linux/magic.h>
#include <linux/openat2.h>

#include "ovlctl.h"

/* One process's view: its mount namespace and its root directory. */
struct view {
	ino_t ns;
	dev_t root_dev;
	ino_t root_ino;
};

/* The overlays of one mount namespace, listed once (listmount) */
struct nsmounts {
	ino_t ns;
	struct rawmnt *m;
	size_t n;
	uint64_t *ids; /* every mount listed, ascending */
	size_t nids;
};

struct scan {
	struct ovlctl_mount *m; /* every overlay seen from every view */
	struct nsmounts *ns;
	size_t nns;
	int use_listmount; /* -1 not decided yet */
	size_t n, cap;
	struct view *views;
	size_t nviews, vcap;
	int denied; /* processes we were not allowed to look into */
	pid_t denied_pid;
	int failed; /* processes we could not look into for another reason */
	int failed_err;
	pid_t failed_pid;
};

/* What the last ovlctl_overlay_mounts() could not see. */
static int last_denied;
static pid_t last_denied_pid;

int ovlctl_mounts_unseen(pid_t *example)
{
	if (example)
		*example = last_denied_pid;
	return last_denied;
}

static const char *proc_root(void)
{
	const char *p = getenv("OVLCTL_PROC_ROOT");

	return p && *p ? p : "/proc";
}

/* The process went away while we looked: not an error. */
static bool vanished(int err)
{
	return err == ENOENT || err == ESRCH;
}

static void note_failure(struct scan *s, pid_t pid, int err)
{
	if (err == EACCES || err == EPERM) {
		if (!s->denied++)
			s->denied_pid = pid;
	} else if (!s->failed++) {
		s->failed_err = err;
		s->failed_pid = pid;
	}
}

/*
 * Overlayfs takes a backslash as "the next character is literal" in
 * upperdir, workdir and lowerdir (ovl_unescape()). Copy @len bytes of @s
 * without those escapes.
 */
static char *ovl_unescape(const char *s, size_t len)
{
	char *out = malloc(len + 1), *d = out;
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i < len; i++) {
		if (s[i] == '\\' && ++i == len)
			break;
		*d++ = s[i];
	}
	*d = '\0';
	return out;
}

static int add_lower(struct ovlctl_mount *m, char *path)
{
	char **l;

	if (!path)
		return -ENOMEM;
	l = realloc(m->lowers, (m->nlowers + 1) * sizeof(*l));
	if (!l) {
		free(path);
		return -ENOMEM;
	}
	m->lowers = l;
	m->lowers[m->nlowers++] = path;
	return 0;
}

/* lowerdir=: layers split on ':' not escaped by a backslash. */
static int split_lowers(struct ovlctl_mount *m, const char *v, size_t len)
{
	size_t i, start = 0;
	int err;

	for (i = 0; i <= len; i++) {
		if (i < len && v[i] == '\\') {
			i++;
			continue;
		}
		if (i < len && v[i] != ':')
			continue;
		err = add_lower(m, ovl_unescape(v + start, i - start));
		if (err)
			return err;
		start = i + 1;
	}
	return 0;
}

/*
 * Super block options mountinfo may show for an overlay: the VFS's, the
 * LSMs' and overlayfs's own (ovl_show_options() in 6.1 and 6.12).
 */
static bool known_option(const char *name, size_t len)
{
	static const char *const names[] = {
		"rw",		"ro",
		"sync",		"dirsync",
		"mand",		"lazytime",
		"seclabel",	"context",
		"fscontext",	"defcontext",
		"rootcontext",	"smackfsdef",
		"smackfsfloor", "smackfshat",
		"smackfsroot",	"smackfstransmute",
		"lowerdir",	"lowerdir+",
		"datadir+",	"upperdir",
		"workdir",	"default_permissions",
		"redirect_dir", "index",
		"uuid",		"nfs_export",
		"xino",		"metacopy",
		"fsync",	"volatile",
		"userxattr",	"verity",
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == len && !strncmp(names[i], name, len))
			return true;
	return false;
}

static bool is_opt(const char *name, size_t len, const char *want)
{
	return strlen(want) == len && !strncmp(name, want, len);
}

/*
 * Split the overlay's super block options. libmount has already undone
 * mountinfo's octal escapes, which turns an escaped comma inside a path
 * back into a comma, and its own option splitter (mnt_fs_get_option())
 * then cuts the path there ("upperdir=/a\,b" gives "/a\"). Overlayfs's
 * legacy parser (ovl_next_opt()) splits only on a comma not escaped by a
 * backslash, so do the same here. A comma the mounter passed unescaped
 * through fsconfig(2) cannot be told from a separator any more: when a
 * token after a path option is not a known option, or a path option
 * repeats, give up on the paths (*@ambiguous) rather than guess.
 */
static int parse_options(struct ovlctl_mount *m, const char *opts,
			 bool *ambiguous)
{
	bool after_path = false;
	const char *p = opts;
	int err = 0;

	*ambiguous = false;
	while (p && *p && !err) {
		const char *tok = p, *eq, *val = NULL;
		size_t len, nlen, vlen = 0;

		while (*p && *p != ',') {
			if (*p == '\\' && p[1])
				p++;
			p++;
		}
		len = p - tok;
		if (*p == ',')
			p++;
		eq = memchr(tok, '=', len);
		nlen = eq ? (size_t)(eq - tok) : len;
		if (eq) {
			val = eq + 1;
			vlen = len - nlen - 1;
		}
		if (!known_option(tok, nlen)) {
			if (after_path)
				*ambiguous = true;
			continue;
		}
		after_path = false;
		if (is_opt(tok, nlen, "upperdir") && val) {
			if (m->upper)
				*ambiguous = true;
			free(m->upper);
			m->upper = ovl_unescape(val, vlen);
			err = m->upper ? 0 : -ENOMEM;
			after_path = true;
		} else if (is_opt(tok, nlen, "workdir") && val) {
			if (m->work)
				*ambiguous = true;
			free(m->work);
			m->work = ovl_unescape(val, vlen);
			err = m->work ? 0 : -ENOMEM;
			after_path = true;
		} else if (is_opt(tok, nlen, "lowerdir") && val) {
			if (m->nlowers)
				*ambiguous = true;
			err = split_lowers(m, val, vlen);
			after_path = true;
		} else if ((is_opt(tok, nlen, "lowerdir+") ||
			    is_opt(tok, nlen, "datadir+")) &&
			   val) {
			/* Taken verbatim by the kernel (no unescaping). */
			err = add_lower(m, strndup(val, vlen));
			after_path = true;
		} else if (is_opt(tok, nlen, "volatile")) {
			m->is_volatile = true;
		} else if (is_opt(tok, nlen, "fsync") && val &&
			   vlen == strlen("volatile") &&
			   !strncmp(val, "volatile", vlen)) {
			m->is_volatile = true;
		}
	}
	return err;
}

/*
 * Resolve @path (as the mounter gave it) under the root @rootfd, the way a
 * process chrooted there would: absolute symlinks and ".." stay inside.
 */
static void resolve(int rootfd, const char *path, struct ovlctl_dirid *id)
{
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	struct statfs sfs;
	struct stat st;
	int fd;

	memset(id, 0, sizeof(*id));
	if (!path)
		return; /* no such layer: nothing to resolve, not an error */
	if (path[0] != '/') {
		/* Relative to the mounter's cwd at mount time: unknowable. */
		id->err = -EINVAL;
		return;
	}
	fd = ovlctl_openat2(rootfd, path, &how);
	if (fd < 0 && errno == ENOSYS) {
		/* Before 5.6: absolute symlinks inside resolve against ours. */
		while (*path == '/')
			path++;
		fd = openat(rootfd, *path ? path : ".", how.flags);
	}
	if (fd < 0 || fstat(fd, &st) || fstatfs(fd, &sfs)) {
		id->err = -errno;
	} else if (sfs.f_type == OVERLAYFS_SUPER_MAGIC) {
		/* An overlay's own dir: not a layer, maybe a container's decoy */
		id->err = -EXDEV;
	} else {
		id->dev = st.st_dev;
		id->ino = st.st_ino;
		id->valid = true;
	}
	if (fd >= 0)
		close(fd);
}

static void free_mount(struct ovlctl_mount *m)
{
	size_t i;

	free(m->target);
	free(m->source);
	free(m->fs_options);
	free(m->upper);
	free(m->work);
	for (i = 0; i < m->nlowers; i++)
		free(m->lowers[i]);
	free(m->lowers);
	free(m->lower_ids);
}

void ovlctl_free_mounts(struct ovlctl_mount *mounts, size_t n)
{
	size_t i;

	for (i = 0; mounts && i < n; i++)
		free_mount(&mounts[i]);
	free(mounts);
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int add_overlay(struct scan *s, const struct rawmnt *r, int rootfd,
		       bool untrusted, ino_t ns, pid_t pid)
{
	struct ovlctl_mount *m;
	bool ambiguous;
	size_t i;
	int err;

	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;

		m = realloc(s->m, cap * sizeof(*m));
		if (!m)
			return -ENOMEM;
		s->m = m;
		s->cap = cap;
	}
	m = &s->m[s->n];
	memset(m, 0, sizeof(*m));
	m->target = dup_or_null(r->target);
	m->source = dup_or_null(r->source);
	m->fs_options = dup_or_null(r->opts);
	m->mnt_id = r->mnt_id;
	m->mntns = ns;
	m->pid = pid;
	err = parse_options(m, m->fs_options, &ambiguous);
	if (err) {
		free_mount(m);
		return err;
	}
	m->sb_dev = r->dev;
	m->lower_ids = calloc(m->nlowers + 1, sizeof(*m->lower_ids));
	if (!m->lower_ids) {
		free_mount(m);
		return -ENOMEM;
	}
	if (untrusted) {
		/* Paths in a view rooted on an overlay: the container's say */
		if (m->upper)
			m->upper_id.err = -EXDEV;
		if (m->work)
			m->work_id.err = -EXDEV;
		for (i = 0; i < m->nlowers; i++)
			m->lower_ids[i].err = -EXDEV;
		s->n++;
		return 0;
	}
	resolve(rootfd, m->upper, &m->upper_id);
	resolve(rootfd, m->work, &m->work_id);
	for (i = 0; i < m->nlowers; i++)
		resolve(rootfd, m->lowers[i], &m->lower_ids[i]);
	if (ambiguous) {
		ovlctl_log(OVLCTL_DEBUG,
			   "overlay at %s (pid %d): options are ambiguous: %s",
			   m->target, (int)pid, m->fs_options);
		if (m->upper)
			m->upper_id = (struct ovlctl_dirid){ .err = -EINVAL };
		if (m->work)
			m->work_id = (struct ovlctl_dirid){ .err = -EINVAL };
		for (i = 0; i < m->nlowers; i++)
			m->lower_ids[i] =
				(struct ovlctl_dirid){ .err = -EINVAL };
	}
	s->n++;
	return 0;
}

static int mountinfo_error(struct libmnt_table *tb, const char *file, int line)
{
	(void)tb;
	/* @line counts the overlay lines alone (overlay_lines()) */
	ovlctl_log(OVLCTL_DEBUG, "%s: overlay line %d: cannot parse", file,
		   line);
	return 1; /* skip the line, keep going */
}

/*
 * The lines of mountinfo stream @f that may mount an overlay, into *@buf
 * (*@len bytes; malloc'd), for libmount to parse those alone: any other
 * line would be parsed only to be dropped, about 18,000 instructions each
 * (callgrind, libmount 2.38), most of a scan with many mounts. The kernel
 * ends the optional fields with " - " and the type, and escapes the spaces
 * of paths and options (\040), so every overlay's line holds " - overlay ";
 * a line that holds it and is not one, libmount parses and ovlctl drops.
 * Each line kept starts with two numbers, as libmount's guess of the
 * format (from its first line) wants for mountinfo: one it cannot parse
 * is skipped, whatever its place. 0 or a positive errno.
 */
static int overlay_lines(FILE *f, char **buf, size_t *len)
{
	FILE *out = open_memstream(buf, len);
	char *line = NULL;
	unsigned int a, b;
	size_t cap = 0;
	ssize_t n;
	int err = 0;

	if (!out)
		return errno;
	errno = 0;
	while ((n = getline(&line, &cap, f)) > 0)
		if (strstr(line, " - overlay ") &&
		    sscanf(line, "%u %u", &a, &b) == 2 &&
		    fwrite(line, 1, n, out) != (size_t)n) {
			err = ENOMEM;
			break;
		}
	/* getline() fails an allocation without the error flag: not EOF */
	if (!err && !feof(f))
		err = errno ?: EIO;
	free(line);
	if (fclose(out) && !err)
		err = errno ?: ENOMEM;
	if (err) {
		free(*buf);
		*buf = NULL;
		*len = 0;
	}
	return err;
}

/*
 * The overlays of mountinfo stream @f (named @name), resolved under
 * @rootfd: 0 or a positive errno.
 */
static int mountinfo_view(struct scan *s, FILE *f, const char *name, int rootfd,
			  bool untrusted, ino_t ns, pid_t pid)
{
	struct libmnt_table *tb = mnt_new_table();
	struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
	struct libmnt_fs *fs;
	char *buf = NULL;
	size_t len = 0;
	FILE *lines;
	int err = 0;

	if (!tb || !it) {
		err = ENOMEM;
		goto out;
	}
	mnt_table_set_parser_errcb(tb, mountinfo_error);
	err = overlay_lines(f, &buf, &len);
	if (err || !len)
		goto out;
	lines = fmemopen(buf, len, "r");
	if (!lines) {
		err = errno;
		goto out;
	}
	err = -mnt_table_parse_stream(tb, lines, name);
	fclose(lines);
	while (!err && mnt_table_next_fs(tb, it, &fs) == 0) {
		const char *type = mnt_fs_get_fstype(fs);
		struct rawmnt r = {
			.target = mnt_fs_get_target(fs),
			.source = mnt_fs_get_source(fs),
			.opts = mnt_fs_get_fs_options(fs),
			.mnt_id = mnt_fs_get_id(fs),
			.dev = mnt_fs_get_devno(fs),
		};

		if (type && !strcmp(type, "overlay"))
			err = -add_overlay(s, &r, rootfd, untrusted, ns, pid);
	}
out:
	free(buf);
	mnt_free_iter(it);
	mnt_unref_table(tb);
	return err;
}

/* The overlays of namespace @ns from listmount: cached, else listed. */
static int ns_overlays(struct scan *s, int nsfd, ino_t ns,
		       const struct nsmounts **out)
{
	struct nsmounts *n;
	size_t i;
	int err;

	for (i = 0; i < s->nns; i++)
		if (s->ns[i].ns == ns) {
			*out = &s->ns[i];
			return 0;
		}
	n = realloc(s->ns, (s->nns + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	s->ns = n;
	n = &s->ns[s->nns];
	memset(n, 0, sizeof(*n));
	n->ns = ns;
	err = ovlctl_listmount_overlays(nsfd, &n->m, &n->n, &n->ids, &n->nids);
	if (err)
		return err;
	s->nns++;
	*out = n;
	return 0;
}

/*
 * Add the overlays of namespace @nsfd (inode @ns), one listmount pass per
 * namespace, resolved under @rootfd: 0, -ENOSYS when the kernel cannot
 * list another namespace's mounts with their options (before 6.11), or
 * another -errno.
 */
static int cmp_ids(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return (*x > *y) - (*x < *y);
}

static int listmount_view(struct scan *s, int nsfd, int rootfd, bool untrusted,
			  ino_t ns, pid_t pid)
{
	const struct nsmounts *n;
	uint64_t root;
	size_t i;
	int err = ns_overlays(s, nsfd, ns, &n);

	/*
	 * The kernel lists another namespace's mounts from what it takes
	 * for that namespace's root: on 6.12 the first mount on top of the
	 * root mount, which a system still running from its initramfs does
	 * not have, so only part of the tree is listed. Trust the listing
	 * only when it holds this view's own root.
	 */
	root = err ? 0 : ovlctl_unique_mnt_id(rootfd);
	if (!err && (!root || !bsearch(&root, n->ids, n->nids, sizeof(*n->ids),
				       cmp_ids))) {
		ovlctl_log(
			OVLCTL_DEBUG,
			"listmount(2) of mount namespace %lu does not reach the root of pid %d: reading mountinfo",
			(unsigned long)ns, (int)pid);
		return -EXDEV;
	}
	for (i = 0; !err && i < n->n; i++)
		err = add_overlay(s, &n->m[i], rootfd, untrusted, ns, pid);
	return err;
}

/* listmount(2) unless the kernel lacks it or the caller asked for mountinfo */
static bool listmount_on(struct scan *s)
{
	const char *how = getenv("OVLCTL_SCAN");

	if (s->use_listmount < 0)
		s->use_listmount = !getenv("OVLCTL_PROC_ROOT") &&
				   !(how && !strcmp(how, "mountinfo"));
	return s->use_listmount;
}

/*
 * Read the view of process @pid: 0, or a positive errno when we could not
 * (the caller tells "gone" from "not allowed").
 */
static int read_view(struct scan *s, const char *dir, pid_t pid, ino_t ns)
{
	char path[PATH_MAX + 16];
	int rootfd, nsfd, err = 0;
	struct statfs sfs;
	bool untrusted;
	FILE *f;

	snprintf(path, sizeof(path), "%s/root", dir);
	rootfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return errno;
	/* A container chrooted into its rootfs overlay: see add_overlay() */
	untrusted = !fstatfs(rootfd, &sfs) &&
		    sfs.f_type == OVERLAYFS_SUPER_MAGIC;
	if (listmount_on(s)) {
		snprintf(path, sizeof(path), "%s/ns/mnt", dir);
		nsfd = open(path, O_RDONLY | O_CLOEXEC);
		if (nsfd < 0) {
			err = errno;
			goto out;
		}
		err = -listmount_view(s, nsfd, rootfd, untrusted, ns, pid);
		close(nsfd);
		if (err != ENOSYS && err != ENOENT && err != EPERM &&
		    err != EXDEV)
			goto out;
		if (err == ENOSYS) {
			ovlctl_log(
				OVLCTL_DEBUG,
				"no listmount(2) of other namespaces: reading mountinfo");
			s->use_listmount = 0;
		}
		/*
		 * ENOENT or EPERM with the namespace held open: listmount
		 * refuses a namespace we lack CAP_SYS_ADMIN over, which is
		 * not "gone". Its mountinfo answers, or says we may not look.
		 */
	}
	snprintf(path, sizeof(path), "%s/mountinfo", dir);
	f = fopen(path, "re");
	if (!f) {
		err = errno;
		goto out;
	}
	err = mountinfo_view(s, f, path, rootfd, untrusted, ns, pid);
	fclose(f);
out:
	close(rootfd);
	return err;
}

static int add_view(struct scan *s, const struct view *v)
{
	if (s->nviews == s->vcap) {
		size_t cap = s->vcap ? 2 * s->vcap : 16;
		struct view *n = realloc(s->views, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		s->views = n;
		s->vcap = cap;
	}
	s->views[s->nviews++] = *v;
	return 0;
}

static bool all_digits(const char *s);

/* The mount namespace and root of /proc entry @dir: 0 or errno. */
static int view_of(const char *dir, struct view *v)
{
	char path[PATH_MAX + 16], link[64];
	unsigned long ns;
	struct stat st;
	ssize_t len;

	snprintf(path, sizeof(path), "%s/ns/mnt", dir);
	len = readlink(path, link, sizeof(link) - 1);
	if (len < 0)
		return errno;
	link[len] = '\0';
	if (sscanf(link, "mnt:[%lu]", &ns) != 1)
		return EINVAL;
	snprintf(path, sizeof(path), "%s/root", dir);
	if (stat(path, &st))
		return errno;
	*v = (struct view){ .ns = ns,
			    .root_dev = st.st_dev,
			    .root_ino = st.st_ino };
	return 0;
}

/*
 * Read the view of /proc entry @dir unless seen: 1 (read or seen), 0 (gone
 * or not looked into), or -ENOMEM.
 */
static int scan_dir(struct scan *s, const char *dir, pid_t pid)
{
	struct view v;
	size_t i;
	int err;

	err = view_of(dir, &v);
	if (err)
		goto fail;
	for (i = 0; i < s->nviews; i++)
		if (s->views[i].ns == v.ns &&
		    s->views[i].root_dev == v.root_dev &&
		    s->views[i].root_ino == v.root_ino)
			return 1;
	err = read_view(s, dir, pid, v.ns);
	if (err == ENOMEM)
		return -ENOMEM;
	if (err)
		goto fail;
	return add_view(s, &v) ?: 1;
fail:
	/* Gone: the next process of its namespace, if any, stands in. */
	if (!vanished(err))
		note_failure(s, pid, err);
	return 0;
}

/*
 * Look at process @name (a /proc entry), and at those of its threads that
 * unshared their own mount namespace or chrooted: 0 or -ENOMEM.
 */
static int scan_pid(struct scan *s, const char *name)
{
	pid_t pid = strcmp(name, "self") ? atoi(name) : getpid();
	char dir[PATH_MAX], tdir[PATH_MAX + 300];
	struct dirent *d;
	struct stat st;
	DIR *tasks;
	int err;

	snprintf(dir, sizeof(dir), "%s/%s", proc_root(), name);
	err = scan_dir(s, dir, pid);
	if (err < 0)
		return err;
	snprintf(tdir, sizeof(tdir), "%s/task", dir);
	/*
	 * procfs counts a task dir's links as 2 + its threads: 3 is one
	 * thread, and if the main thread's view was just taken, that thread
	 * (an exited leader leaves its last thread behind: listed). Anything
	 * else, or a filesystem that does not count (a fake OVLCTL_PROC_ROOT
	 * on btrfs), is listed.
	 */
	if (err == 1 && !stat(tdir, &st) && st.st_nlink == 3)
		return 0;
	err = 0;
	tasks = opendir(tdir);
	while (tasks && !err && (d = readdir(tasks))) {
		if (!all_digits(d->d_name) || atoi(d->d_name) == pid)
			continue;
		snprintf(tdir, sizeof(tdir), "%s/task/%s", dir, d->d_name);
		err = scan_dir(s, tdir, atoi(d->d_name));
		err = err < 0 ? err : 0;
	}
	if (tasks)
		closedir(tasks);
	return err;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static int cmp_pids(const void *a, const void *b)
{
	const pid_t *x = a, *y = b;

	return (*x > *y) - (*x < *y);
}

/* The PIDs in /proc, lowest first: a namespace's init stands for it. */
static int list_pids(pid_t **pids, size_t *n)
{
	size_t cap = 0;
	struct dirent *d;
	DIR *proc;
	int err = 0;

	*pids = NULL;
	*n = 0;
	proc = opendir(proc_root());
	if (!proc)
		return -errno;
	while ((errno = 0, d = readdir(proc))) {
		if (!all_digits(d->d_name))
			continue;
		if (*n == cap) {
			pid_t *p;

			cap = cap ? 2 * cap : 256;
			p = realloc(*pids, cap * sizeof(*p));
			if (!p) {
				err = -ENOMEM;
				break;
			}
			*pids = p;
		}
		(*pids)[(*n)++] = atoi(d->d_name);
	}
	if (!err && errno)
		err = -errno;
	closedir(proc);
	if (*n)
		qsort(*pids, *n, sizeof(**pids), cmp_pids);
	return err;
}

/*
 * A mount namespace no process is in (kept alive by an nsfs bind mount or
 * an open file): its overlays, resolved under its own root, which a child
 * that joins it opens for us. Unresolved when that fails: unknown, never
 * "not in use".
 */
static int pinned_ns(void *arg, int nsfd, ino_t ino)
{
	struct scan *s = arg;
	int rootfd, mifd, err;
	struct statfs sfs;
	bool untrusted;
	size_t i;
	FILE *f;

	for (i = 0; i < s->nviews; i++)
		if (s->views[i].ns == ino)
			return 0;
	err = ovlctl_mntns_open(nsfd, &rootfd, &mifd);
	if (err) {
		/* Not looked into: its overlays are unknown */
		ovlctl_log(
			OVLCTL_INFO,
			"mount namespace %lu (no process in it): cannot look into it: %s",
			(unsigned long)ino, strerror(-err));
		note_failure(s, 0, -err);
		return 0;
	}
	untrusted = !fstatfs(rootfd, &sfs) &&
		    sfs.f_type == OVERLAYFS_SUPER_MAGIC;
	f = fdopen(mifd, "re");
	if (!f) {
		err = -errno;
		close(mifd);
	} else {
		err = -mountinfo_view(s, f, "mountinfo of a pinned namespace",
				      rootfd, untrusted, ino, 0);
		fclose(f);
	}
	if (err)
		ovlctl_log(
			OVLCTL_INFO,
			"mount namespace %lu (no process in it): its mount table: %s",
			(unsigned long)ino, strerror(-err));
	close(rootfd);
	return err == -ENOMEM ? err : (err ? (note_failure(s, 0, -err), 0) : 0);
}

/*
 * Every view, or with @here_only our own alone (what the caller sees: the
 * overlays of our namespace, resolved under our root).
 */
static int scan(struct scan *s, bool here_only)
{
	char name[32];
	pid_t *pids = NULL;
	size_t n = 0, i;
	int err = 0;

	memset(s, 0, sizeof(*s));
	s->use_listmount = -1;
	if (!here_only)
		err = list_pids(&pids, &n);
	/* Our own view first, so it is the one kept for our namespace. */
	if (!err && !getenv("OVLCTL_PROC_ROOT"))
		err = scan_pid(s, "self");
	for (i = 0; i < n && !err; i++) {
		snprintf(name, sizeof(name), "%d", (int)pids[i]);
		err = scan_pid(s, name);
	}
	free(pids);
	/* Namespaces without a process, where the kernel can walk them all */
	if (!err && !here_only && listmount_on(s)) {
		err = ovlctl_each_mntns(pinned_ns, s);
		if (err == -ENOSYS) {
			ovlctl_log(
				OVLCTL_DEBUG,
				"no NS_MNT_GET_NEXT: namespaces without a process are not looked into");
			err = 0;
		} else if (err == -EPERM || err == -EACCES) {
			note_failure(s, 0, -err);
			err = 0;
		}
	}
	for (i = 0; i < s->nns; i++) {
		ovlctl_free_rawmnts(s->ns[i].m, s->ns[i].n);
		free(s->ns[i].ids);
	}
	free(s->ns);
	s->ns = NULL;
	s->nns = 0;
	if (!err && s->failed)
		ovlctl_log(
			OVLCTL_WARN,
			"%d process(es) could not be looked into, e.g. pid %d: %s",
			s->failed, (int)s->failed_pid, strerror(s->failed_err));
	if (err) {
		ovlctl_free_mounts(s->m, s->n);
		s->m = NULL;
		s->n = 0;
	}
	free(s->views);
	s->views = NULL;
	return err;
}

static bool same_mount(const struct ovlctl_mount *a,
		       const struct ovlctl_mount *b)
{
	return a->mntns == b->mntns && a->mnt_id == b->mnt_id;
}

static bool identified(const struct ovlctl_mount *m)
{
	return (!m->upper || m->upper_id.valid) &&
	       (!m->work || m->work_id.valid);
}

static int overlay_mounts(struct ovlctl_mount **mounts, size_t *n,
			  bool here_only)
{
	struct scan s;
	size_t i, j, out = 0;
	int err = scan(&s, here_only);

	*mounts = NULL;
	*n = 0;
	if (err)
		return err;
	last_denied = s.denied;
	last_denied_pid = s.denied_pid;
	if (s.denied)
		ovlctl_log(
			OVLCTL_INFO,
			"%d process(es) could not be looked into (e.g. pid %d: permission denied)",
			s.denied, (int)s.denied_pid);
	/*
	 * One entry per mount: a mount seen from several views (processes
	 * with different roots in one namespace) keeps the first view that
	 * resolved its dirs, else the first.
	 */
	for (i = 0; i < s.n; i++) {
		for (j = 0; j < out && !same_mount(&s.m[j], &s.m[i]); j++)
			;
		if (j == out) {
			s.m[out++] = s.m[i];
		} else if (!identified(&s.m[j]) && identified(&s.m[i])) {
			free_mount(&s.m[j]);
			s.m[j] = s.m[i];
		} else {
			free_mount(&s.m[i]);
		}
	}
	*mounts = s.m;
	*n = out;
	return 0;
}

int ovlctl_overlay_mounts(struct ovlctl_mount **mounts, size_t *n)
{
	return overlay_mounts(mounts, n, false);
}

int ovlctl_overlay_mounts_here(struct ovlctl_mount **mounts, size_t *n)
{
	/* A fake /proc (the host tests) has no "self": look at it all */
	return overlay_mounts(mounts, n, !getenv("OVLCTL_PROC_ROOT"));
}

static bool same_id(const struct ovlctl_dirid *a, const struct ovlctl_dirid *b)
{
	return a->valid && b->valid && a->dev == b->dev && a->ino == b->ino;
}

/*
 * Is @id the upper or work dir of a mounted overlay in any namespace?
 *
 * Returns 1 when it is (*@who: that mount's target), 0 when every overlay of
 * every namespace was identified and none uses it, and when it cannot rule
 * it out:
 *  -EACCES  some process could not be looked into for lack of privilege
 *           (/proc/PID/ns/mnt, root or mountinfo: needs root, or
 *           CAP_SYS_PTRACE), so its namespace's overlays are unknown;
 *           *@who: "pid N";
 *  -ENODATA an overlay's upperdir or workdir could not be resolved to a
 *           directory from any process of its namespace: a relative path
 *           (relative to the mounter's cwd at mount time), a path that no
 *           longer exists (renamed or deleted since), or options that cannot
 *           be split unambiguously; *@who: that mount's target;
 *  -errno   /proc could not be read, or out of memory (*@who NULL).
 * A match wins over any of these. *@who, if @who is not NULL, is always
 * set: a malloc()ed string or NULL; the caller frees it.
 */
/* Same super block (where mountinfo gives one), else the same mount. */
static bool same_sb(const struct ovlctl_mount *a, const struct ovlctl_mount *b)
{
	if (a->sb_dev && b->sb_dev)
		return a->sb_dev == b->sb_dev;
	return same_mount(a, b);
}

/* Does overlay @m use @id as a layer: upper, work or any lower? */
static bool uses(const struct ovlctl_mount *m, const struct ovlctl_dirid *id)
{
	size_t i;

	if (same_id(&m->upper_id, id) || same_id(&m->work_id, id))
		return true;
	for (i = 0; m->lower_ids && i < m->nlowers; i++)
		if (same_id(&m->lower_ids[i], id))
			return true;
	return false;
}

/*
 * Are we in the initial pid namespace? Outside it /proc shows only our own
 * namespace's processes, and mounts held elsewhere are out of sight. Its
 * inode number is fixed (PROC_PID_INIT_INO); NS_GET_PARENT cannot tell,
 * as it fails with EPERM on the caller's own namespace everywhere.
 */
static bool initial_pid_ns(void)
{
	struct stat st;

	return !stat("/proc/self/ns/pid", &st) && st.st_ino == 0xEFFFFFFCU;
}

int ovlctl_dir_in_use(const struct ovlctl_dirid *id, char **who)
{
	const struct ovlctl_mount *unknown = NULL;
	struct scan s;
	size_t i, j;
	int err, ret = 0;

	if (who)
		*who = NULL;
	if (!id->valid)
		return -EINVAL;
	if (!getenv("OVLCTL_PROC_ROOT") && !initial_pid_ns()) {
		if (who)
			*who = strdup("ovlctl runs in a child pid namespace");
		return -EACCES;
	}
	err = scan(&s, false);
	if (err)
		return err;
	for (i = 0; i < s.n && ret != 1; i++) {
		const struct ovlctl_mount *m = &s.m[i];

		if (uses(m, id)) {
			ret = 1;
			if (who)
				*who = dup_or_null(m->target);
			break;
		}
		if (unknown || identified(m))
			continue;
		/*
		 * Unknown only if no other view of this overlay resolved it:
		 * a container's own view of its rootfs never does, the
		 * host's does.
		 */
		for (j = 0; j < s.n; j++)
			if (same_sb(&s.m[j], m) && identified(&s.m[j]))
				break;
		if (j == s.n)
			unknown = m;
	}
	if (ret != 1 && s.denied) {
		ret = -EACCES;
		if (who && asprintf(who, "pid %d", (int)s.denied_pid) < 0)
			*who = NULL;
	} else if (ret != 1 && (unknown || s.failed)) {
		ret = -ENODATA;
		if (who && unknown)
			*who = dup_or_null(unknown->target);
		else if (who && asprintf(who, "pid %d", (int)s.failed_pid) < 0)
			*who = NULL;
	}
	ovlctl_free_mounts(s.m, s.n);
	return ret;
}

int ovlctl_mount_open_work(const struct ovlctl_mount *m)
{
	struct open_how how = {
		.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	char path[PATH_MAX];
	struct stat st;
	int rootfd, fd, err;

	if (!m->work || !m->work_id.valid)
		return -ENODATA;
	snprintf(path, sizeof(path), "%s/%d/root", proc_root(), (int)m->pid);
	rootfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return -errno;
	fd = ovlctl_openat2(rootfd, m->work, &how);
	err = fd < 0 ? -errno : 0;
	close(rootfd);
	if (err)
		return err;
	/* The dir the scan identified, not one put there since */
	if (fstat(fd, &st) || st.st_dev != m->work_id.dev ||
	    st.st_ino != m->work_id.ino) {
		close(fd);
		return -ESTALE;
	}
	return fd;
}

int ovlctl_dirid(const char *path, struct ovlctl_dirid *id)
{
	struct stat st;

	memset(id, 0, sizeof(*id));
	if (stat(path, &st)) {
		id->err = -errno;
		return id->err;
	}
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	id->valid = true;
	return 0;
}
