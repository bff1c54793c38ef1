// SPDX-License-Identifier: GPL-2.0
/*
 * ovlctl gc --root DIR [--discard]: the boot-time sweep. Each immediate
 * subdirectory of DIR holding an upper/work pair (upper/ + work/, or the
 * containers-storage layout diff/ + work/) with volatile state (the stock
 * marker, or a checkpoint of ours on the workdir) gets the verdict of
 * `ovlctl check` for a volatile re-mount, under the workdir lock. A pair
 * whose checkpoint is from another boot, whose errseq moved or that has no
 * usable checkpoint is stale and, with --discard, emptied (the same code as
 * `ovlctl discard`, the lock still held). A reusable pair is kept; one in
 * use, or that gc cannot judge (no id authority, another incompat feature,
 * an error), is skipped and never discarded.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <json-c/json.h>
#include <libsmartcols.h>

#include "state.h"

/* Upper dir names, in the order tried: overlay's own, containers-storage. */
static const char *const upper_names[] = { "upper", "diff" };

struct pair {
	char *path, *upper, *work;
	const char *state; /* reusable, stale, in-use, unknown, clean */
	const char *action; /* kept, discarded, skipped, failed */
	const char *reason; /* a verdict reason token, or "error" */
	char *detail; /* for people */
	int status; /* what this pair adds to the exit status */
};

/* How bad a pair's status is, for the exit status: error > 6 > 3 > 0. */
static int status_rank(int status)
{
	switch (status) {
	case OVLCTL_EXIT_OK:
		return 0;
	case OVLCTL_EXIT_NOT_REUSABLE:
		return 1;
	case OVLCTL_EXIT_UNSUPPORTED:
		return 2;
	default:
		return 3;
	}
}

/* Set the pair's outcome; @fmt (may be NULL) is the detail. */
static void __attribute__((format(printf, 6, 7)))
set(struct pair *p, const char *state, const char *action, const char *reason,
    int status, const char *fmt, ...)
{
	va_list ap;

	p->state = state;
	p->action = action;
	p->reason = reason;
	p->status = status;
	free(p->detail);
	p->detail = NULL;
	if (!fmt)
		return;
	va_start(ap, fmt);
	if (vasprintf(&p->detail, fmt, ap) < 0)
		p->detail = NULL;
	va_end(ap);
}

static bool has_xattr(int fd, const char *name)
{
	return fd >= 0 && fgetxattr(fd, name, NULL, 0) >= 0;
}

/*
 * Does the workdir @work_fd hold volatile state: the stock marker, or a
 * checkpoint of ours (the module's, on the workdir itself; it outlives the
 * marker ovlctl removes before a reuse)? 1, 0 or -errno. *@userxattr: the
 * checkpoints are in the user. namespace only (an unprivileged overlay).
 */
static int volatile_state(int work_fd, bool *userxattr)
{
	int mfd = ovlctl_open_marker(work_fd);
	bool trusted, user;

	if (mfd < 0 && mfd != -ENOENT)
		return mfd;
	trusted = has_xattr(work_fd, ovlctl_ckpt_xattr(false)) ||
		  has_xattr(mfd, ovlctl_ckpt_xattr(false));
	user = has_xattr(work_fd, ovlctl_ckpt_xattr(true)) ||
	       has_xattr(mfd, ovlctl_ckpt_xattr(true));
	*userxattr = user && !trusted;
	if (mfd >= 0)
		close(mfd);
	return mfd >= 0 || trusted || user;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ovlctl_pair_in_use(), the outcome set on @p unless 0. */
static int pair_in_use(struct pair *p, int ufd, int wfd)
{
	char *who = NULL;
	int which, ret = ovlctl_pair_in_use(ufd, wfd, false, &who, &which);

	if (ret > 0)
		set(p, "in-use", "skipped", "in-use", OVLCTL_EXIT_OK,
		    "in use by %s%s",
		    who && who[0] == '/' ? "the overlay on " : "",
		    who ? who : "?");
	else if (ret < 0)
		set(p, "unknown", "skipped", "error", OVLCTL_EXIT_ERROR,
		    "cannot tell whether in use: %s%s%s",
		    ret == -EACCES ? "needs root" : strerror(-ret),
		    who ? ", " : "", who ? who : "");
	free(who);
	return ret;
}

/*
 * gather() - ovlctl_state_gather(), the code path of `ovlctl check`, for gc
 * @st: filled as by ovlctl_state_gather()
 * @o: the pair
 * @first_error: set to a copy of its first error message, or NULL
 *
 * The gather reports its errors itself; gc prints one document, so they
 * are collected for the pair's detail instead of becoming JSON documents
 * of their own (they still go to stderr and the --log file).
 *
 * Return: 0 or the gather's OVLCTL_EXIT_* status.
 */
static int gather(struct ovlctl_state *st, const struct ovlctl_pair_opts *o,
		  char **first_error)
{
	int ret;

	*first_error = NULL;
	ovlctl_collect_errors(first_error);
	ret = ovlctl_state_gather(st, o);
	ovlctl_collect_errors(NULL);
	return ret;
}

static bool same_inode(int a, int b)
{
	struct stat sa, sb;

	return !fstat(a, &sa) && !fstat(b, &sb) && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

/*
 * sweep_pair() - decide on one pair with volatile state, and act
 * @p: the pair; its outcome is set here
 * @ufd: the upper dir, open
 * @wfd: the work dir, open; locked here, the lock held until it is closed
 * @userxattr: the checkpoint is in the user. namespace
 * @discard: empty it when stale
 *
 * Under the workdir lock (so no `ovlctl mount` starts until gc is done with
 * the pair): the same gather and verdict as `ovlctl check` for a volatile
 * re-mount. A pair whose upper can no longer be trusted is stale; one that
 * may be reused is kept; one in use, or that gc cannot judge, is skipped
 * and never discarded.
 */
static void sweep_pair(struct pair *p, int ufd, int wfd, bool userxattr,
		       bool discard)
{
	struct ovlctl_pair_opts o = { .upper = p->upper,
				      .work = p->work,
				      .userxattr = userxattr,
				      .want_volatile = true,
				      .no_lowers = true };
	struct ovlctl_state st;
	enum ovlctl_reason r;
	char *err = NULL;
	int ret;

	if (flock(wfd, LOCK_EX | LOCK_NB)) {
		if (errno == EWOULDBLOCK)
			set(p, "in-use", "skipped", "in-use", OVLCTL_EXIT_OK,
			    "another ovlctl holds the workdir");
		else
			set(p, "unknown", "skipped", "error", OVLCTL_EXIT_ERROR,
			    "locking the workdir: %s", strerror(errno));
		return;
	}
	/* First with our fds, for a precise message when it cannot tell. */
	if (pair_in_use(p, ufd, wfd))
		return;
	ret = gather(&st, &o, &err);
	if (ret) {
		set(p, "unknown", "skipped", "error", OVLCTL_EXIT_ERROR, "%s",
		    err ? err : "gathering the state failed");
		goto out;
	}
	if (!same_inode(st.upper_fd, ufd) || !same_inode(st.work_fd, wfd)) {
		set(p, "unknown", "skipped", "error", OVLCTL_EXIT_ERROR,
		    "the upper or work dir was replaced during the sweep");
		goto out;
	}
	/* Never touched when in use, whatever else the verdict says. */
	r = st.in.in_use ? OVLCTL_IN_USE : st.verdict.reason;
	switch (r) {
	case OVLCTL_OK:
		if (st.verdict.fresh)
			set(p, "clean", "kept", "ok", OVLCTL_EXIT_OK,
			    "no volatile state left: nothing to reuse");
		else
			set(p, "reusable", "kept", "ok", OVLCTL_EXIT_OK, "%s",
			    ovlctl_reason_text(r));
		break;
	case OVLCTL_IN_USE:
		set(p, "in-use", "skipped", "in-use", OVLCTL_EXIT_OK,
		    "in use by %s%s",
		    st.in_use_by && st.in_use_by[0] == '/' ? "the overlay on " :
							     "",
		    st.in_use_by ? st.in_use_by : "?");
		break;
	case OVLCTL_NO_CHECKPOINT:
	case OVLCTL_BAD_CHECKPOINT:
	case OVLCTL_NONCE_CHANGED:
	case OVLCTL_SB_INSTANCE_CHANGED:
	case OVLCTL_ERRSEQ_ADVANCED:
	case OVLCTL_FS_ERROR:
	case OVLCTL_UNSEEN_UPPER_ERROR:
	case OVLCTL_BINDING_MISMATCH:
		/* The upper can no longer be trusted. */
		set(p, "stale", "kept", ovlctl_reason_name(r), OVLCTL_EXIT_OK,
		    "%s%s%s", ovlctl_reason_text(r), st.ckpt_why ? ": " : "",
		    st.ckpt_why ? st.ckpt_why : "");
		if (!discard)
			break;
		ret = ovlctl_discard_pair_fd(ufd, wfd);
		if (ret) {
			set(p, "stale", "failed", ovlctl_reason_name(r),
			    OVLCTL_EXIT_ERROR, "discard: %s",
			    ovlctl_discard_strerror(ret));
			break;
		}
		p->action = "discarded";
		ovlctl_log(OVLCTL_INFO, "discarded %s: %s", p->path,
			   ovlctl_reason_name(r));
		break;
	default:
		/*
		 * unsupported (no authority: gc cannot tell), other-incompat,
		 * read-only-upper...: not for gc to decide.
		 */
		set(p, "unknown", "skipped", ovlctl_reason_name(r),
		    r == OVLCTL_UNSUPPORTED ? OVLCTL_EXIT_UNSUPPORTED :
					      OVLCTL_EXIT_NOT_REUSABLE,
		    "%s", ovlctl_reason_text(r));
	}
out:
	free(err);
	ovlctl_state_free(&st);
}

/* Look at DIR/@name: 1 and *@p filled when it is a pair with volatile state. */
static int look_at(int rootfd, const char *root, const char *name,
		   struct pair *p, bool discard)
{
	int dfd, ufd = -1, wfd = -1, ret = 0, state;
	bool userxattr = false;
	size_t i;

	dfd = ovlctl_open_beneath(rootfd, name, O_RDONLY | O_DIRECTORY);
	if (dfd < 0)
		return 0; /* not a dir, a symlink, another mount: not ours */
	for (i = 0; i < sizeof(upper_names) / sizeof(upper_names[0]); i++) {
		ufd = ovlctl_open_beneath(dfd, upper_names[i],
					  O_RDONLY | O_DIRECTORY);
		if (ufd >= 0)
			break;
	}
	if (ufd < 0)
		goto out;
	wfd = ovlctl_open_beneath(dfd, "work", O_RDONLY | O_DIRECTORY);
	if (wfd < 0)
		goto out;
	state = volatile_state(wfd, &userxattr);
	if (!state)
		goto out; /* clean (never volatile, sealed, discarded) */
	memset(p, 0, sizeof(*p));
	if (asprintf(&p->path, "%s/%s", root, name) < 0 ||
	    asprintf(&p->upper, "%s/%s", p->path, upper_names[i]) < 0 ||
	    asprintf(&p->work, "%s/work", p->path) < 0) {
		free(p->path);
		free(p->upper);
		ret = -ENOMEM;
		goto out;
	}
	ret = 1;
	if (state < 0) /* cannot look: never "clean" */
		set(p, "unknown", "skipped", "error", OVLCTL_EXIT_ERROR,
		    "%s/work/incompat: %s", p->work, strerror(-state));
	else
		sweep_pair(p, ufd, wfd, userxattr, discard);
out:
	/* Closing the workdir drops its lock. */
	if (wfd >= 0)
		close(wfd);
	if (ufd >= 0)
		close(ufd);
	close(dfd);
	return ret;
}

static int print_pairs(const struct pair *pairs, size_t n)
{
	static const char *const names[] = { "PAIR",  "UPPER",	"WORK",
					     "STATE", "ACTION", "REASON",
					     "DETAIL" };
	struct libscols_table *tb = scols_new_table();
	size_t i, c;

	if (!tb)
		return -ENOMEM;
	scols_table_enable_json(tb, ovlctl.json);
	scols_table_set_name(tb, "pairs");
	for (c = 0; c < sizeof(names) / sizeof(names[0]); c++)
		if (!scols_table_new_column(tb, names[c], 0.2, 0))
			goto nomem;
	for (i = 0; i < n; i++) {
		const char *cells[] = { pairs[i].path,	 pairs[i].upper,
					pairs[i].work,	 pairs[i].state,
					pairs[i].action, pairs[i].reason,
					pairs[i].detail };
		struct libscols_line *ln = scols_table_new_line(tb, NULL);

		if (!ln)
			goto nomem;
		for (c = 0; c < sizeof(cells) / sizeof(cells[0]); c++)
			if (cells[c] && scols_line_set_data(ln, c, cells[c]))
				goto nomem;
	}
	scols_print_table(tb);
	scols_unref_table(tb);
	return 0;
nomem:
	scols_unref_table(tb);
	return -ENOMEM;
}

static void gc_usage(void)
{
	printf("Usage:\n"
	       " ovlctl [-J] gc --root <dir> [--discard]\n"
	       "\n"
	       "Boot-time sweep: give the verdict of `check` to each upper/work\n"
	       "pair under <dir> (<dir>/*/upper + work, or diff + work) left by\n"
	       "a volatile mount, and with --discard empty the stale ones: from\n"
	       "another boot, errseq moved, no usable checkpoint.\n"
	       "\n"
	       "Options:\n"
	       " -r, --root <dir>   the directory holding the pairs\n"
	       " -d, --discard      empty stale pairs that no overlay uses\n"
	       " -h, --help         display this help\n");
}

int cmd_gc(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "discard", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pair *pairs = NULL;
	size_t npairs = 0, nnames = 0, i;
	bool discard = false;
	char **names = NULL, *root_path;
	const char *root = NULL;
	int c, rootfd, err = 0, ret, status = OVLCTL_EXIT_OK;
	struct dirent *e;
	DIR *d;

	while ((c = getopt_long(argc, argv, "r:dh", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			root = optarg;
			break;
		case 'd':
			discard = true;
			break;
		case 'h':
			gc_usage();
			return OVLCTL_EXIT_OK;
		default:
			return ovlctl_usage_error("gc", "bad option");
		}
	}
	if (optind < argc)
		return ovlctl_usage_error("gc", "unexpected argument '%s'",
					  argv[optind]);
	if (!root)
		return ovlctl_usage_error("gc", "no --root given");
	if (geteuid() != 0)
		return ovlctl_fail(OVLCTL_EXIT_ERROR,
				   "gc needs root (CAP_SYS_ADMIN)");
	rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return ovlctl_fail(OVLCTL_EXIT_ERROR, "--root %s: %s", root,
				   strerror(errno));
	root_path = strdup(root);
	if (!root_path)
		goto nomem;
	/* Drop trailing slashes so pair paths read DIR/NAME. */
	for (i = strlen(root_path); i > 1 && root_path[i - 1] == '/'; i--)
		root_path[i - 1] = '\0';

	d = fdopendir(dup(rootfd));
	if (!d) {
		err = -errno;
		goto out;
	}
	while ((errno = 0, e = readdir(d))) {
		char **nn;

		if (e->d_name[0] == '.' &&
		    (!e->d_name[1] || !strcmp(e->d_name, "..")))
			continue;
		nn = realloc(names, (nnames + 1) * sizeof(*nn));
		if (!nn || !(nn[nnames] = strdup(e->d_name))) {
			names = nn ? nn : names;
			closedir(d);
			goto nomem;
		}
		names = nn;
		nnames++;
	}
	err = errno ? -errno : 0;
	closedir(d);
	if (err)
		goto out;
	if (nnames)
		qsort(names, nnames, sizeof(*names), cmp_names);

	pairs = calloc(nnames ? nnames : 1, sizeof(*pairs));
	if (!pairs)
		goto nomem;
	for (i = 0; i < nnames; i++) {
		ret = look_at(rootfd, root_path, names[i], &pairs[npairs],
			      discard);
		if (ret < 0) {
			err = ret;
			goto out;
		}
		if (ret &&
		    status_rank(pairs[npairs].status) > status_rank(status))
			status = pairs[npairs].status;
		npairs += ret;
	}
	err = print_pairs(pairs, npairs);
	goto out;
nomem:
	err = -ENOMEM;
out:
	for (i = 0; i < npairs; i++) {
		free(pairs[i].path);
		free(pairs[i].upper);
		free(pairs[i].work);
		free(pairs[i].detail);
	}
	free(pairs);
	for (i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	free(root_path);
	close(rootfd);
	if (err)
		return ovlctl_fail(OVLCTL_EXIT_ERROR, "gc %s: %s", root,
				   strerror(-err));
	return status;
}
