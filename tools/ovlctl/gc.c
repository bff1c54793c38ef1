// SPDX-License-Identifier: GPL-2.0
/*
 * ovlctl gc --root DIR [--discard]: the boot-time sweep. Each immediate
 * subdirectory of DIR holding an upper/work pair (upper/ + work/, or the
 * containers-storage layout diff/ + work/) whose workdir carries the stock
 * volatile marker is reported, and with --discard emptied (the same code as
 * `ovlctl discard`, under the same workdir lock), unless a mounted overlay
 * uses it in some namespace or we cannot tell.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libsmartcols.h>

#include "ovlctl.h"

/* Upper dir names, in the order tried: overlay's own, containers-storage. */
static const char *const upper_names[] = { "upper", "diff" };

struct pair {
	char *path, *upper, *work;
	const char *state; /* stale, reusable, in-use, unknown */
	const char *action; /* kept, discarded, skipped, failed */
	char *reason;
};

/*
 * gc_pair_stale() - may the volatile upper of this pair be thrown away?
 * @upper_fd: the upper dir, open
 * @work_fd: the work dir, open; it holds the stock marker
 * @pair: the pair's path, for messages
 * @reason: set to why, a static string
 *
 * This is where the checkpoint verdict plugs in: a pair whose checkpoint is
 * from this boot and whose errseq has not moved is reusable (return 0) and
 * must be kept; one from another boot, with a moved errseq or without a
 * usable checkpoint is stale. Until then every pair with the stock marker
 * counts as stale: the marker alone says "an earlier volatile mount",
 * which stock overlayfs refuses to mount again anyway.
 *
 * Return: 1 if stale, 0 if reusable, -errno if it cannot be decided.
 */
static int gc_pair_stale(int upper_fd, int work_fd, const char *pair,
			 const char **reason)
{
	(void)upper_fd;
	(void)work_fd;
	(void)pair;
	*reason = "stale: volatile marker from an earlier mount";
	return 1;
}

/* Does the workdir open as @work_fd hold work/incompat/volatile? */
static int has_marker(int work_fd)
{
	int a, b, ret;
	struct stat st;

	a = ovlctl_open_beneath(work_fd, "work", O_PATH | O_DIRECTORY);
	if (a < 0)
		return a == -ENOENT ? 0 : a;
	b = ovlctl_open_beneath(a, "incompat", O_PATH | O_DIRECTORY);
	close(a);
	if (b < 0)
		return b == -ENOENT ? 0 : b;
	ret = fstatat(b, "volatile", &st, AT_SYMLINK_NOFOLLOW) ?
		      -errno :
		      S_ISDIR(st.st_mode);
	close(b);
	return ret == -ENOENT ? 0 : ret;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Is the dir open as @fd used by a mounted overlay? 1, 0, or -errno. */
static int in_use(int fd, char **who)
{
	struct ovlctl_dirid id = { .valid = true };
	struct stat st;

	*who = NULL;
	if (fstat(fd, &st))
		return -errno;
	id.dev = st.st_dev;
	id.ino = st.st_ino;
	return ovlctl_dir_in_use(&id, who);
}

static int pair_in_use(int ufd, int wfd, char **reason)
{
	char *who = NULL;
	int ret = in_use(ufd, &who);

	if (!ret) {
		free(who);
		ret = in_use(wfd, &who);
	}
	if (ret == 1 && asprintf(reason, "in use by the overlay on %s",
				 who ? who : "?") < 0)
		*reason = NULL;
	else if (ret < 0 &&
		 asprintf(reason, "cannot tell whether in use: %s%s%s",
			  ret == -EACCES ? "needs root" : strerror(-ret),
			  who ? ", " : "", who ? who : "") < 0)
		*reason = NULL;
	free(who);
	return ret;
}

/* Decide and act on one pair; true if something went wrong. */
static bool sweep_pair(struct pair *p, int ufd, int wfd, bool discard)
{
	const char *why = NULL;
	int ret;

	ret = gc_pair_stale(ufd, wfd, p->path, &why);
	if (ret < 0) {
		p->state = "unknown";
		p->action = "kept";
		if (asprintf(&p->reason, "%s", strerror(-ret)) < 0)
			p->reason = NULL;
		return true;
	}
	p->state = ret ? "stale" : "reusable";
	p->action = "kept";
	p->reason = why ? strdup(why) : NULL;
	if (!ret)
		return false;
	if (discard && flock(wfd, LOCK_EX | LOCK_NB)) {
		int e = errno;

		p->action = "skipped";
		free(p->reason);
		p->reason = strdup(e == EWOULDBLOCK ?
					   "another ovlctl holds the workdir" :
					   strerror(e));
		return e != EWOULDBLOCK;
	}
	/* Under the lock when discarding: no ovlctl mount starts meanwhile. */
	free(p->reason);
	p->reason = NULL;
	ret = pair_in_use(ufd, wfd, &p->reason);
	if (ret) {
		p->state = ret > 0 ? "in-use" : "unknown";
		p->action = discard ? "skipped" : "kept";
		return ret < 0 && discard;
	}
	p->reason = why ? strdup(why) : NULL;
	if (!discard)
		return false;
	ret = ovlctl_discard_pair_fd(ufd, wfd);
	if (ret) {
		p->action = "failed";
		free(p->reason);
		if (asprintf(&p->reason, "discard: %s", strerror(-ret)) < 0)
			p->reason = NULL;
		return true;
	}
	p->action = "discarded";
	ovlctl_log(OVLCTL_INFO, "discarded %s: %s", p->path, why);
	return false;
}

/* Look at DIR/@name: 1 and *@p filled when it is a marked pair, else 0. */
static int look_at(int rootfd, const char *root, const char *name,
		   struct pair *p, bool discard, bool *failed)
{
	int dfd, ufd = -1, wfd = -1, ret = 0;
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
	ret = has_marker(wfd);
	if (ret <= 0) {
		if (ret < 0)
			ovlctl_log(OVLCTL_WARN, "%s/%s/work: %s", root, name,
				   strerror(-ret));
		ret = 0;
		goto out;
	}
	memset(p, 0, sizeof(*p));
	if (asprintf(&p->path, "%s/%s", root, name) < 0 ||
	    asprintf(&p->upper, "%s/%s", p->path, upper_names[i]) < 0 ||
	    asprintf(&p->work, "%s/work", p->path) < 0) {
		free(p->path);
		free(p->upper);
		ret = -ENOMEM;
		goto out;
	}
	*failed |= sweep_pair(p, ufd, wfd, discard);
out:
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
					     "STATE", "ACTION", "REASON" };
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
					pairs[i].action, pairs[i].reason };
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
	       "Boot-time sweep: report the upper/work pairs under <dir>\n"
	       "(<dir>/*/upper + work, or diff + work) left by an earlier\n"
	       "volatile mount, and with --discard empty them.\n"
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
	bool discard = false, failed = false;
	char **names = NULL, *root_path;
	const char *root = NULL;
	int c, rootfd, err = 0, ret;
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
			      discard, &failed);
		if (ret < 0) {
			err = ret;
			goto out;
		}
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
		free(pairs[i].reason);
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
	return failed ? OVLCTL_EXIT_ERROR : OVLCTL_EXIT_OK;
}
