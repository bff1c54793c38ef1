// SPDX-License-Identifier: GPL-2.0
/*
 * The administrator's configuration, /etc/ovlctl/ovlctl.conf (libeconf,
 * key = value, # comments), and the confinement it sets for layers that
 * containers choose: a path from a dev.ovlvol.* annotation, or from a spec
 * recorded for one, must lie beneath a configured root and is opened
 * there with openat2(RESOLVE_BENEATH), so neither "..", nor a symlink, nor
 * a magic link leads out. Without the file, annotations can place no
 * layer at all.
 *
 *   [annotations]
 *   roots = /var/lib/ovlctl              upper and work dirs (and lowers)
 *   lower_roots = /var/lib/images        more roots, for lower dirs only
 *   options = redirect_dir index xino    overlayfs options dev.ovlvol.options
 *                                        may set (none by default)
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libeconf.h>

#include "core.h"
#include "ovlctl.h"

#define CONF_DEFAULT "/etc/ovlctl/ovlctl.conf"
#define CONF_GROUP "annotations"

struct root {
	char *path; /* canonical */
	int fd; /* O_PATH of it */
};

static struct {
	bool loaded;
	int err; /* an OVLCTL_EXIT_* status once loading failed */
	const char *file;
	struct root *roots; /* upper, work and lower */
	size_t nroots;
	struct root *lower_roots; /* lower only */
	size_t nlower_roots;
	char **options;
	size_t noptions;
} conf;

const char *ovlctl_conf_file(void)
{
	const char *f = ovlctl.config;

	if (!f)
		f = getenv("OVLCTL_CONFIG");
	return f && *f ? f : CONF_DEFAULT;
}

/*
 * Only root may write what confines root, like sudoers (or the user
 * running ovlctl, who can only confine themselves).
 */
static bool conf_file_ok(const char *file, const void *data)
{
	struct stat sb;

	(void)data;
	if (lstat(file, &sb)) {
		ovlctl_log(OVLCTL_ERROR, "%s: %s", file, strerror(errno));
		return false;
	}
	if (!S_ISREG(sb.st_mode) || (sb.st_uid != 0 && sb.st_uid != getuid()) ||
	    (sb.st_mode & (S_IWGRP | S_IWOTH))) {
		ovlctl_log(
			OVLCTL_ERROR,
			"%s: must be a regular file owned by root and writable by nobody else",
			file);
		return false;
	}
	return true;
}

/* Split @val on white space into malloc()ed words appended to @v. */
static int words(const char *val, char ***v, size_t *n)
{
	const char *p = val, *e;
	char **nv;

	for (;;) {
		p += strspn(p, " \t");
		if (!*p)
			return 0;
		e = p + strcspn(p, " \t");
		nv = realloc(*v, (*n + 1) * sizeof(**v));
		if (!nv)
			return -ENOMEM;
		*v = nv;
		(*v)[*n] = strndup(p, e - p);
		if (!(*v)[*n])
			return -ENOMEM;
		++*n;
		p = e;
	}
}

static int add_roots(const char *key, const char *val, struct root **r,
		     size_t *nr)
{
	char **w = NULL;
	size_t n = 0, i;
	struct root *nv;
	int ret = 0;

	if (words(val, &w, &n))
		ret = ovlctl_fail(OVLCTL_EXIT_ERROR, "out of memory");
	for (i = 0; !ret && i < n; i++) {
		nv = realloc(*r, (*nr + 1) * sizeof(**r));
		if (!nv) {
			ret = ovlctl_fail(OVLCTL_EXIT_ERROR, "out of memory");
			break;
		}
		*r = nv;
		if (w[i][0] != '/' || !strcmp(w[i], "/")) {
			ret = ovlctl_fail(
				OVLCTL_EXIT_ERROR,
				"%s: %s: '%s' is not an absolute directory other than /",
				conf.file, key, w[i]);
			break;
		}
		nv[*nr].path = realpath(w[i], NULL);
		if (!nv[*nr].path) {
			ret = ovlctl_fail(OVLCTL_EXIT_ERROR, "%s: %s: '%s': %s",
					  conf.file, key, w[i],
					  strerror(errno));
			break;
		}
		nv[*nr].fd =
			open(nv[*nr].path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (nv[*nr].fd < 0) {
			ret = ovlctl_fail(OVLCTL_EXIT_ERROR, "%s: %s: '%s': %s",
					  conf.file, key, w[i],
					  strerror(errno));
			free(nv[*nr].path);
			break;
		}
		++*nr;
	}
	for (i = 0; i < n; i++)
		free(w[i]);
	free(w);
	return ret;
}

static const char *const known_keys[] = { "roots", "lower_roots", "options" };

/* Load once; 0 or an OVLCTL_EXIT_* status after reporting the error. */
static int conf_load(void)
{
	econf_file *kf = NULL;
	char **keys = NULL, *val;
	size_t nkeys = 0, i, k;
	econf_err e;
	int ret = 0;

	if (conf.loaded)
		return conf.err;
	conf.loaded = true;
	conf.file = ovlctl_conf_file();
	if (access(conf.file, F_OK) && errno == ENOENT)
		return 0; /* no file: nothing configured, nothing allowed */
	e = econf_readFileWithCallback(&kf, conf.file, "=", "#", conf_file_ok,
				       NULL);
	if (e != ECONF_SUCCESS) {
		conf.err = ovlctl_fail(OVLCTL_EXIT_ERROR, "reading %s: %s",
				       conf.file, econf_errString(e));
		return conf.err;
	}
	e = econf_getKeys(kf, CONF_GROUP, &nkeys, &keys);
	if (e != ECONF_SUCCESS && e != ECONF_NOKEY && e != ECONF_NOGROUP) {
		ret = ovlctl_fail(OVLCTL_EXIT_ERROR, "%s: %s", conf.file,
				  econf_errString(e));
		goto out;
	}
	for (i = 0; i < nkeys; i++) {
		for (k = 0; k < sizeof(known_keys) / sizeof(known_keys[0]); k++)
			if (!strcmp(keys[i], known_keys[k]))
				break;
		if (k == sizeof(known_keys) / sizeof(known_keys[0])) {
			ret = ovlctl_fail(
				OVLCTL_EXIT_ERROR,
				"%s: unknown key '%s' in [" CONF_GROUP
				"] (known: roots, lower_roots, options)",
				conf.file, keys[i]);
			goto out;
		}
		val = NULL;
		e = econf_getStringValue(kf, CONF_GROUP, keys[i], &val);
		if (e != ECONF_SUCCESS) {
			ret = ovlctl_fail(OVLCTL_EXIT_ERROR, "%s: %s: %s",
					  conf.file, keys[i],
					  econf_errString(e));
			goto out;
		}
		if (k == 0)
			ret = add_roots(keys[i], val, &conf.roots,
					&conf.nroots);
		else if (k == 1)
			ret = add_roots(keys[i], val, &conf.lower_roots,
					&conf.nlower_roots);
		else if (words(val, &conf.options, &conf.noptions))
			ret = ovlctl_fail(OVLCTL_EXIT_ERROR, "out of memory");
		free(val);
		if (ret)
			goto out;
	}
out:
	if (keys)
		econf_freeArray(keys);
	econf_freeFile(kf);
	conf.err = ret;
	return ret;
}

bool ovlctl_conf_option_allowed(const char *name, size_t len)
{
	size_t i;

	if (conf_load())
		return false;
	for (i = 0; i < conf.noptions; i++)
		if (strlen(conf.options[i]) == len &&
		    !strncmp(conf.options[i], name, len))
			return true;
	return false;
}

/* @path beneath @r: the rest after "ROOT/", or NULL. */
static const char *beneath(const char *path, const struct root *r)
{
	size_t n = strlen(r->path);

	if (strncmp(path, r->path, n) || path[n] != '/')
		return NULL;
	path += n;
	while (*path == '/')
		path++;
	return *path ? path : NULL;
}

/* The upper and work dirs of every mounted overlay, read once. */
static struct ovlctl_mount *live;
static size_t nlive;
static bool live_read;

static bool same_dir(const struct ovlctl_dirid *id, const struct stat *st)
{
	return id->valid && id->dev == st->st_dev && id->ino == st->st_ino;
}

static bool is_live(const struct stat *st)
{
	size_t i;

	for (i = 0; i < nlive; i++)
		if (same_dir(&live[i].upper_id, st) ||
		    same_dir(&live[i].work_id, st))
			return true;
	return false;
}

/*
 * A layer inside a live overlay's upper or work dir sits where a running
 * container writes: it could turn a component of the layer's path into a
 * symlink between our check and the mount(2) that follows the path. Walk
 * from the layer (for a lower, the layer itself too; an upper or work dir
 * of a live overlay is the in-use check's business) up to the root @r:
 * 0, -EBUSY, or -errno.
 */
static int not_in_a_live_layer(int fd, const struct root *r, bool lower)
{
	struct stat st, rst;
	int cur, next, depth, ret = 0;

	if (!live_read) {
		live_read = true;
		ret = ovlctl_overlay_mounts(&live, &nlive);
		if (ret)
			return ret;
	}
	if (fstat(r->fd, &rst))
		return -errno;
	cur = openat(fd, lower ? "." : "..",
		     O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (depth = 0; cur >= 0 && depth < 4096; depth++) {
		if (fstat(cur, &st)) {
			ret = -errno;
			break;
		}
		if (st.st_dev == rst.st_dev && st.st_ino == rst.st_ino)
			break;
		if (is_live(&st) || ovlctl_kernel_in_use(cur) > 0) {
			ret = -EBUSY;
			break;
		}
		next = openat(cur, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		close(cur);
		cur = next;
	}
	if (cur < 0)
		return -errno;
	close(cur);
	return ret;
}

int ovlctl_confine(const char *path, bool lower, const char *what, int status,
		   char **canon)
{
	struct open_how how = {
		/* a symlink that stays beneath the root is fine */
		.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	const struct root *r = NULL;
	const char *rel = NULL;
	char link[64], buf[4096];
	size_t i;
	ssize_t n;
	int fd, ret;

	ret = conf_load();
	if (ret)
		return -ret;
	for (i = 0; !rel && i < conf.nroots; i++)
		rel = beneath(path, r = &conf.roots[i]);
	for (i = 0; !rel && lower && i < conf.nlower_roots; i++)
		rel = beneath(path, r = &conf.lower_roots[i]);
	if (!rel) {
		if (!conf.nroots && !conf.nlower_roots)
			return -ovlctl_fail(
				status,
				"%s '%s': no layer roots are configured (%s, [" CONF_GROUP
				"] roots =): a container cannot choose host paths",
				what, path, conf.file);
		return -ovlctl_fail(
			status,
			"%s '%s' is not beneath a configured root (%s, [" CONF_GROUP
			"] %s)",
			what, path, conf.file,
			lower ? "roots or lower_roots" : "roots");
	}
	fd = ovlctl_openat2(r->fd, rel, &how);
	if (fd < 0)
		return -ovlctl_fail(
			errno == EXDEV || errno == ELOOP ? status :
							   OVLCTL_EXIT_ERROR,
			"%s '%s': %s%s", what, path, strerror(errno),
			errno == EXDEV || errno == ELOOP ?
				" (it leads out of its configured root)" :
				"");
	ret = not_in_a_live_layer(fd, r, lower);
	if (ret) {
		close(fd);
		return -ovlctl_fail(
			ret == -EBUSY ? status : OVLCTL_EXIT_ERROR,
			"%s '%s': %s", what, path,
			ret == -EBUSY ?
				"it lies inside the upper or work dir of a mounted overlay (another container could swap its path under ovlctl)" :
				strerror(-ret));
	}
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, sizeof(buf) - 1);
	if (n <= 0 || n == sizeof(buf) - 1) {
		close(fd);
		return -ovlctl_fail(OVLCTL_EXIT_ERROR, "%s '%s': %s", what,
				    path, n < 0 ? strerror(errno) : "too long");
	}
	buf[n] = '\0';
	*canon = strdup(buf);
	if (!*canon) {
		close(fd);
		return -ovlctl_fail(OVLCTL_EXIT_ERROR, "out of memory");
	}
	return fd;
}
