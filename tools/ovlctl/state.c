// SPDX-License-Identifier: GPL-2.0
/*
 * Gather the state of one upper/work pair for the verdict, and the mount
 * spec recorded at the first mount (so a restart can name only the
 * workdir, and a different lower stack is refused as lower-changed).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <json-c/json.h>
#include <libmount.h>

#include "oci.h"
#include "state.h"

#define SPEC_XATTR "ovlctl.spec"
#define SPEC_VERSION 1

static const char *spec_xattr(bool userxattr)
{
	return userxattr ? "user." SPEC_XATTR : "trusted." SPEC_XATTR;
}

/*
 * Characters that cannot cross libmount's option string intact (it splits
 * on ',' and treats '"' as quoting) are refused as a usage error; ':' and
 * '\' are escaped for overlayfs in ovlctl_spec_options(). @status is the
 * exit status of a bad path: OVLCTL_EXIT_USAGE for the caller's input,
 * OVLCTL_EXIT_ERROR for a recorded spec.
 */
static int path_chars(const char *in, const char *p, const char *what,
		      int status)
{
	if (!strpbrk(p, ",\"\n"))
		return 0;
	if (p == in)
		return ovlctl_fail(
			status,
			"%s '%s': a ',', '\"' or newline in a layer path cannot be passed to overlayfs safely",
			what, in);
	return ovlctl_fail(
		status,
		"%s '%s' resolves to '%s': a ',', '\"' or newline in a layer path cannot be passed to overlayfs safely",
		what, in, p);
}

/*
 * Resolve @in into @out and open it, once: the id is the open dir's, and
 * the fd is what later steps use (the checkpoint, the discard). With
 * @confined (a path a container chose) the path must lie beneath a root
 * of ovlctl.conf and is opened there with RESOLVE_BENEATH. Returns 0 or
 * the OVLCTL_EXIT_* status, after reporting the error.
 */
static int resolve(const char *in, struct ovlctl_layer *out, const char *what,
		   bool confined, bool lower, int status)
{
	struct stat sb;
	char *p = NULL;
	int fd, err;

	err = path_chars(in, in, what, status);
	if (err)
		return err;
	if (*in != '/' && (confined || status != OVLCTL_EXIT_USAGE))
		return ovlctl_fail(status, "%s '%s': not an absolute path",
				   what, in);
	if (confined) {
		fd = ovlctl_confine(in, lower, what, status, &p);
		if (fd < 0)
			return -fd;
	} else {
		p = realpath(in, NULL);
		if (!p)
			return ovlctl_fail(OVLCTL_EXIT_ERROR, "%s '%s': %s",
					   what, in, strerror(errno));
		fd = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			err = ovlctl_fail(OVLCTL_EXIT_ERROR, "%s '%s': %s",
					  what, p, strerror(errno));
			free(p);
			return err;
		}
	}
	free(out->path);
	out->path = p;
	if (out->fd >= 0)
		close(out->fd);
	out->fd = fd;
	err = path_chars(in, p, what, status);
	if (err)
		return err;
	if (fstat(fd, &sb))
		return ovlctl_fail(OVLCTL_EXIT_ERROR, "%s '%s': %s", what, p,
				   strerror(errno));
	out->id = (struct ovlctl_dirid){ .dev = sb.st_dev,
					 .ino = sb.st_ino,
					 .valid = true };
	return 0;
}

/*
 * Options that may follow ovlctl's own: overlayfs's feature switches,
 * each once, with a plain value. Nothing libmount would turn into a mount
 * flag (bind, remount, shared, ro...), nothing that names a layer.
 */
static const char *const overlay_options[] = {
	"redirect_dir", "index",    "uuid",   "nfs_export",
	"xino",		"metacopy", "verity", "volatile_reuse",
};
static const char *const owned_options[] = {
	"lowerdir", "upperdir", "workdir", "datadir",	"lowerdir+",
	"datadir+", "volatile", "fsync",   "userxattr",
};

int ovlctl_check_options(const char *cmd, const char *opts, bool confined,
			 int status)
{
	/* The caller's -o, or options recorded (or annotated) for them. */
	const char *what = status == OVLCTL_EXIT_USAGE ? "-o" :
							 "recorded options";
	char *str = (char *)opts, *name, *val, *seen[16];
	size_t nlen, vlen, i, nseen = 0, seenlen[16];
	const char *why = NULL;
	int rc;

	if (!opts)
		return 0;
	if (strpbrk(opts, "\"\n"))
		why = "quotes or newlines";
	while (!why && !(rc = mnt_optstr_next_option(&str, &name, &nlen, &val,
						     &vlen))) {
		for (i = 0; i < sizeof(owned_options) / sizeof(*owned_options);
		     i++)
			if (strlen(owned_options[i]) == nlen &&
			    !strncmp(name, owned_options[i], nlen))
				break;
		if (i < sizeof(owned_options) / sizeof(*owned_options))
			return ovlctl_fail_usage(
				status, cmd,
				"%s: '%.*s' is set by ovlctl itself", what,
				(int)nlen, name);
		for (i = 0;
		     i < sizeof(overlay_options) / sizeof(*overlay_options);
		     i++)
			if (strlen(overlay_options[i]) == nlen &&
			    !strncmp(name, overlay_options[i], nlen))
				break;
		if (i == sizeof(overlay_options) / sizeof(*overlay_options))
			return ovlctl_fail_usage(
				status, cmd,
				"%s: '%.*s' is not an overlayfs option ovlctl passes (redirect_dir, index, uuid, nfs_export, xino, metacopy, verity, volatile_reuse)",
				what, (int)nlen, name);
		if (!val || !vlen ||
		    strspn(val, "abcdefghijklmnopqrstuvwxyz0123456789_") < vlen)
			return ovlctl_fail_usage(
				status, cmd,
				"%s: '%.*s' wants a plain value (letters, digits, '_')",
				what, (int)nlen, name);
		for (i = 0; i < nseen; i++)
			if (seenlen[i] == nlen && !strncmp(seen[i], name, nlen))
				return ovlctl_fail_usage(
					status, cmd, "%s: '%.*s' given twice",
					what, (int)nlen, name);
		/* Each name at most once: no more than the list has. */
		seenlen[nseen] = nlen;
		seen[nseen++] = name;
		if (confined && !ovlctl_conf_option_allowed(name, nlen))
			return ovlctl_fail_usage(
				status, cmd,
				"%s: '%.*s' is not allowed for containers (%s, [annotations] options)",
				what, (int)nlen, name, ovlctl_conf_file());
	}
	if (why)
		return ovlctl_fail_usage(status, cmd, "%s: %s", what, why);
	if (rc < 0)
		return ovlctl_fail_usage(status, cmd, "%s: malformed options",
					 what);
	return 0;
}

static void layer_free(struct ovlctl_layer *l)
{
	free(l->path);
	l->path = NULL;
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}

/* @n layers, none open yet. */
static struct ovlctl_layer *layers_new(size_t n)
{
	struct ovlctl_layer *l = calloc(n + 1, sizeof(*l));
	size_t i;

	for (i = 0; l && i <= n; i++)
		l[i].fd = -1;
	return l;
}

static void spec_free(struct ovlctl_spec *s)
{
	size_t i;

	layer_free(&s->upper);
	layer_free(&s->work);
	for (i = 0; i < s->nlowers; i++)
		layer_free(&s->lowers[i]);
	free(s->lowers);
	free(s->options);
	memset(s, 0, sizeof(*s));
	s->upper.fd = s->work.fd = -1;
}

static json_object *layer_json(const struct ovlctl_layer *l)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "path", json_object_new_string(l->path));
	json_object_object_add(o, "dev", json_object_new_int64(l->id.dev));
	json_object_object_add(o, "ino", json_object_new_int64(l->id.ino));
	return o;
}

int ovlctl_spec_record(const struct ovlctl_state *st)
{
	const struct ovlctl_spec *s = &st->spec;
	json_object *o = json_object_new_object(), *lowers;
	const char *txt;
	size_t i;
	int err = 0;

	json_object_object_add(o, "version", json_object_new_int(SPEC_VERSION));
	json_object_object_add(o, "upper", layer_json(&s->upper));
	lowers = json_object_new_array();
	for (i = 0; i < s->nlowers; i++)
		json_object_array_add(lowers, layer_json(&s->lowers[i]));
	json_object_object_add(o, "lower", lowers);
	if (s->options)
		json_object_object_add(o, "options",
				       json_object_new_string(s->options));
	/* A container chose these: whoever restarts the pair confines them */
	if (ovlctl.confine)
		json_object_object_add(o, "confined",
				       json_object_new_boolean(true));
	txt = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	if (fsetxattr(st->work_fd, spec_xattr(s->userxattr), txt, strlen(txt),
		      0))
		err = -errno;
	json_object_put(o);
	return err;
}

int ovlctl_spec_save(int work_fd, bool userxattr, struct ovlctl_saved *saved)
{
	ssize_t n;

	saved->len = 0;
	saved->userxattr = userxattr;
	n = fgetxattr(work_fd, spec_xattr(userxattr), saved->buf,
		      sizeof(saved->buf));
	if (n < 0)
		return errno == ENODATA || errno == ENOTSUP ? 0 : -errno;
	saved->len = n;
	return 0;
}

int ovlctl_spec_restore(int work_fd, const struct ovlctl_saved *saved)
{
	int err = ovlctl_ckpt_remove(work_fd, saved->userxattr);

	if (err)
		return err;
	if (!saved->len)
		return ovlctl_forget(work_fd);
	if (fsetxattr(work_fd, spec_xattr(saved->userxattr), saved->buf,
		      saved->len, 0))
		return -errno;
	return 0;
}

int ovlctl_forget(int work_fd)
{
	int u, err;

	/* Without CAP_SYS_ADMIN trusted.* is neither readable nor written. */
	for (u = 0; u < 2; u++) {
		err = ovlctl_ckpt_remove(work_fd, u);
		if (!err)
			err = ovlctl_removexattr_present(work_fd,
							 spec_xattr(u));
		if (err && !(err == -EPERM && !u))
			return err;
	}
	return 0;
}

static int layer_from_json(json_object *o, struct ovlctl_layer *l)
{
	json_object *v;

	if (!json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "path", &v) ||
	    !json_object_is_type(v, json_type_string))
		return -EINVAL;
	l->path = strdup(json_object_get_string(v));
	if (!l->path)
		return -ENOMEM;
	if (!json_object_object_get_ex(o, "dev", &v) ||
	    !json_object_is_type(v, json_type_int))
		return -EINVAL;
	l->id.dev = json_object_get_uint64(v);
	if (!json_object_object_get_ex(o, "ino", &v) ||
	    !json_object_is_type(v, json_type_int))
		return -EINVAL;
	l->id.ino = json_object_get_uint64(v);
	l->id.valid = true;
	return 0;
}

/*
 * May the spec in @name on the workdir @work_fd be believed? A trusted.*
 * one only root can write. A user.* one anyone who may write the workdir
 * can: only when root or the caller owns it and nobody else may write it.
 */
static bool spec_trusted(int work_fd, bool userxattr, const char *path)
{
	struct stat sb;

	if (!userxattr)
		return true;
	if (fstat(work_fd, &sb))
		return false;
	if ((sb.st_uid == 0 || sb.st_uid == getuid()) &&
	    !(sb.st_mode & (S_IWGRP | S_IWOTH)))
		return true;
	ovlctl_log(
		OVLCTL_WARN,
		"ignoring the user.* spec on %s: the workdir is owned by uid %u or writable by others, who could have written it",
		path, (unsigned int)sb.st_uid);
	return false;
}

/* The spec recorded on the workdir: 0, -ENODATA if none, or -errno. */
static int spec_read(int work_fd, bool userxattr, struct ovlctl_spec *s,
		     const char **why)
{
	char buf[65536];
	json_object *o, *v;
	ssize_t n;
	size_t i;
	int err = -EINVAL;

	memset(s, 0, sizeof(*s));
	s->upper.fd = s->work.fd = -1;
	*why = "malformed";
	n = fgetxattr(work_fd, spec_xattr(userxattr), buf, sizeof(buf));
	if (n < 0)
		return errno == ENOTSUP ? -ENODATA : -errno;
	o = ovlctl_json_parse(buf, n, why);
	if (!o)
		return -EINVAL;
	if (!json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "version", &v) ||
	    !json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) != SPEC_VERSION)
		goto out;
	json_object_object_foreach(o, key, val)
	{
		(void)val;
		if (strcmp(key, "version") && strcmp(key, "upper") &&
		    strcmp(key, "lower") && strcmp(key, "options") &&
		    strcmp(key, "confined")) {
			*why = "an unknown member";
			goto out;
		}
	}
	if (!json_object_object_get_ex(o, "upper", &v) ||
	    layer_from_json(v, &s->upper))
		goto out;
	if (!json_object_object_get_ex(o, "lower", &v) ||
	    !json_object_is_type(v, json_type_array))
		goto out;
	s->nlowers = json_object_array_length(v);
	if (s->nlowers > 64) {
		*why = "more than 64 lower dirs";
		s->nlowers = 0;
		goto out;
	}
	s->lowers = layers_new(s->nlowers);
	if (!s->lowers)
		goto out;
	for (i = 0; i < s->nlowers; i++)
		if (layer_from_json(json_object_array_get_idx(v, i),
				    &s->lowers[i]))
			goto out;
	if (json_object_object_get_ex(o, "options", &v)) {
		if (!json_object_is_type(v, json_type_string))
			goto out;
		s->options = strdup(json_object_get_string(v));
	}
	if (json_object_object_get_ex(o, "confined", &v)) {
		if (!json_object_is_type(v, json_type_boolean))
			goto out;
		s->confined = json_object_get_boolean(v);
	}
	s->userxattr = userxattr;
	err = 0;
out:
	json_object_put(o);
	if (err)
		spec_free(s);
	return err;
}

static bool same_dir(const struct ovlctl_dirid *a, const struct ovlctl_dirid *b)
{
	return a->dev == b->dev && a->ino == b->ino;
}

static bool lowers_differ(const struct ovlctl_spec *a,
			  const struct ovlctl_spec *b)
{
	size_t i;

	if (a->nlowers != b->nlowers || !same_dir(&a->upper.id, &b->upper.id))
		return true;
	for (i = 0; i < a->nlowers; i++)
		if (!same_dir(&a->lowers[i].id, &b->lowers[i].id))
			return true;
	return false;
}

/* Is there an entry other than "volatile" in work/incompat? */
static int other_incompat(int work_fd)
{
	int fd = openat(work_fd, OVLCTL_INCOMPAT_DIR,
			O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct dirent *de;
	DIR *d;
	int found = 0;

	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    strcmp(de->d_name, "volatile")) {
			found = 1;
			break;
		}
	}
	closedir(d);
	return found;
}

/*
 * Whether reuse is switched off: the authority's switch, or on a patched
 * kernel the mount option volatile_reuse=on|off among the extra options,
 * which overrides it as it does in overlayfs.
 */
static int reuse_switch(const struct ovlctl_state *st, bool *disabled)
{
	char *val = NULL;
	size_t len = 0;

	*disabled = ovlctl_reuse_disabled(st->authority);
	if (!st->spec.options ||
	    mnt_optstr_get_option(st->spec.options, "volatile_reuse", &val,
				  &len))
		return 0;
	if (st->authority != OVLCTL_AUTH_KERNEL)
		return ovlctl_usage_error(
			NULL,
			"-o volatile_reuse=: only a patched kernel has it");
	if (len == 2 && !strncmp(val, "on", 2))
		*disabled = false;
	else if (len == 3 && !strncmp(val, "off", 3))
		*disabled = true;
	else
		return ovlctl_usage_error(NULL,
					  "-o volatile_reuse=: on or off");
	return 0;
}

int ovlctl_open_incompat(int work_fd)
{
	int a, ret;

	a = ovlctl_open_beneath(work_fd, "work", O_PATH | O_DIRECTORY);
	if (a < 0)
		return a;
	ret = ovlctl_open_beneath(a, "incompat", O_PATH | O_DIRECTORY);
	close(a);
	return ret;
}

bool ovlctl_marker_present(int work_fd)
{
	struct stat sb;

	return !fstatat(work_fd, OVLCTL_MARKER_DIR, &sb, AT_SYMLINK_NOFOLLOW) &&
	       S_ISDIR(sb.st_mode);
}

int ovlctl_open_marker(int work_fd)
{
	int b, ret;

	b = ovlctl_open_incompat(work_fd);
	if (b < 0)
		return b;
	ret = ovlctl_open_beneath(b, "volatile", O_RDONLY | O_DIRECTORY);
	close(b);
	return ret;
}

static int authority_failed(const struct ovlctl_state *st, const char *path,
			    int err)
{
	return ovlctl_fail(
		OVLCTL_EXIT_ERROR, "asking the %s authority about %s: %s%s",
		ovlctl_authority_name(st->authority), path, strerror(-err),
		err == -EPROTO ?
			" (the loaded ovlvol module is older than ovlctl: reload it)" :
			"");
}

/*
 * A recorded layer, checked like the caller's own input (and confined
 * when the command's layers come from a container).
 */
static int recorded_layer(const struct ovlctl_spec *spec,
			  const struct ovlctl_layer *rec,
			  struct ovlctl_layer *l, const char *what, bool lower)
{
	char msg[64];

	snprintf(msg, sizeof(msg), "recorded %s", what);
	return resolve(rec->path, l, msg, ovlctl.confine || spec->confined,
		       lower, OVLCTL_EXIT_ERROR);
}

/*
 * The checkpoint, from both places: the patched kernel keeps it on the
 * marker dir; with the module, ovlctl keeps it on the workdir, where
 * removing the stock marker cannot lose it. The current authority's place
 * decides, unless the other place holds one: then the pair was left by the
 * other authority (say a module-path pair whose marker was removed before
 * a crash, booted into the patched kernel) and that checkpoint is what
 * the verdict sees, refused as another authority's (nonce-changed), or as
 * bad-checkpoint when it claims the current authority from the wrong
 * place. Sets the checkpoint status, ckpt_fd and the binding.
 */
static int read_checkpoints(struct ovlctl_state *st)
{
	struct ovlctl_verdict_in *in = &st->in;
	bool kernel = st->authority == OVLCTL_AUTH_KERNEL;
	int fd[2] = { -1, -1 }, status[2], mine = kernel ? 0 : 1, use, i, err;
	const char *why[2] = { NULL, NULL };
	struct ovlctl_ckpt c[2] = { 0 };
	struct stat sb;

	/* 0: the marker dir (the kernel's place), 1: the workdir (ovlctl's) */
	if (in->marker) {
		fd[0] = ovlctl_open_marker(st->work_fd);
		if (fd[0] < 0)
			return ovlctl_fail(OVLCTL_EXIT_ERROR, "%s/%s: %s",
					   st->spec.work.path,
					   OVLCTL_MARKER_DIR, strerror(-fd[0]));
	}
	fd[1] = dup(st->work_fd);
	for (i = 0; i < 2; i++) {
		status[i] = OVLCTL_CKPT_ABSENT;
		if (fd[i] < 0)
			continue;
		status[i] = ovlctl_ckpt_read(fd[i], st->spec.userxattr, &c[i],
					     &why[i]);
		if (status[i] < 0) {
			err = status[i];
			close(fd[0]);
			close(fd[1]);
			return ovlctl_fail(OVLCTL_EXIT_ERROR,
					   "reading the checkpoint: %s",
					   strerror(-err));
		}
	}
	use = status[!mine] != OVLCTL_CKPT_ABSENT ? !mine : mine;
	in->ckpt_status = status[use];
	in->ckpt = c[use];
	st->ckpt_why = why[use];
	if (use != mine && status[use] == OVLCTL_CKPT_OK &&
	    c[use].authority == st->authority) {
		in->ckpt_status = OVLCTL_CKPT_BAD;
		st->ckpt_why =
			kernel ?
				"the kernel's checkpoint is on the workdir, not on the marker" :
				"a module checkpoint is on the marker, not on the workdir";
	}
	if (fd[!use] >= 0)
		close(fd[!use]);
	if (in->ckpt_status == OVLCTL_CKPT_ABSENT && use != 1) {
		close(fd[use]);
		return 0;
	}
	st->ckpt_fd = fd[use];
	if (fstat(st->ckpt_fd, &sb))
		return ovlctl_fail(OVLCTL_EXIT_ERROR, "fstat: %s",
				   strerror(errno));
	in->binding = sb.st_ino;
	if (st->authority != OVLCTL_AUTH_NONE) {
		err = ovlctl_generation(st->authority, st->ckpt_fd,
					&in->binding_gen);
		if (err == -ENODATA && st->authority == OVLCTL_AUTH_KERNEL) {
			ovlctl_log(
				OVLCTL_DEBUG,
				"%s: this filesystem does not tell inode generations; the kernel checks the binding's",
				st->spec.work.path);
			in->binding_gen_unknown = true;
		} else if (err) {
			return authority_failed(st, st->spec.work.path, err);
		}
	}
	return 0;
}

int ovlctl_state_gather(struct ovlctl_state *st,
			const struct ovlctl_pair_opts *o)
{
	struct ovlctl_spec rec;
	struct ovlctl_verdict_in *in = &st->in;
	bool confined = ovlctl.confine;
	const char *why;
	size_t i;
	int err, which;

	memset(st, 0, sizeof(*st));
	st->upper_fd = st->work_fd = st->ckpt_fd = -1;
	st->spec.upper.fd = st->spec.work.fd = -1;
	in->want_volatile = o->want_volatile;
	st->spec.userxattr = o->userxattr;
	if (!o->work)
		return ovlctl_usage_error(NULL, "no workdir given (--work)");
	/*
	 * Without CAP_SYS_ADMIN the trusted.* checkpoint and spec read as
	 * absent (ENODATA), and other processes' mount namespaces cannot be
	 * looked into: the verdict would be wrong, not just incomplete.
	 */
	if (geteuid() != 0)
		return ovlctl_fail(
			OVLCTL_EXIT_ERROR,
			"needs root (CAP_SYS_ADMIN): the checkpoint is a trusted.* xattr and the in-use check reads every mount namespace");
	err = ovlctl_check_options(NULL, o->options, confined,
				   OVLCTL_EXIT_USAGE);
	if (err)
		return err;
	err = resolve(o->work, &st->spec.work, "workdir", confined, false,
		      OVLCTL_EXIT_USAGE);
	if (err)
		return err;
	st->work_fd = dup(st->spec.work.fd);

	err = spec_read(st->work_fd, o->userxattr, &rec, &why);
	if (err && err != -ENODATA)
		ovlctl_log(OVLCTL_WARN,
			   "ignoring the unreadable spec on %s: %s",
			   st->spec.work.path,
			   err == -EINVAL ? why : strerror(-err));
	if (!err &&
	    !spec_trusted(st->work_fd, o->userxattr, st->spec.work.path)) {
		spec_free(&rec);
		err = -EPERM;
	}
	st->have_recorded = !err;

	if (o->upper) {
		err = resolve(o->upper, &st->spec.upper, "upperdir", confined,
			      false, OVLCTL_EXIT_USAGE);
	} else if (st->have_recorded) {
		err = recorded_layer(&rec, &rec.upper, &st->spec.upper,
				     "upperdir", false);
	} else {
		err = ovlctl_usage_error(
			NULL,
			"no upperdir given (--upper) and none recorded on %s",
			st->spec.work.path);
	}
	if (err)
		goto err_rec;
	st->spec.nlowers = o->nlowers	? o->nlowers :
			   o->no_lowers ? 0 :
					  rec.nlowers;
	st->spec.lowers = layers_new(st->spec.nlowers);
	if (!st->spec.lowers) {
		err = ovlctl_fail(OVLCTL_EXIT_ERROR, "out of memory");
		goto err_rec;
	}
	for (i = 0; !err && i < o->nlowers; i++)
		err = resolve(o->lowers[i], &st->spec.lowers[i], "lowerdir",
			      confined, true, OVLCTL_EXIT_USAGE);
	for (i = 0; !err && !o->nlowers && i < st->spec.nlowers; i++)
		err = recorded_layer(&rec, &rec.lowers[i], &st->spec.lowers[i],
				     "lowerdir", true);
	if (err)
		goto err_rec;
	if (!st->spec.nlowers && !o->no_lowers) {
		err = ovlctl_usage_error(
			NULL,
			"no lowerdir given (--lower) and none recorded on %s",
			st->spec.work.path);
		goto err_rec;
	}
	if (o->options) {
		st->spec.options = strdup(o->options);
	} else if (st->have_recorded && rec.options) {
		/* Recorded options pass the same check as -o. */
		err = ovlctl_check_options(NULL, rec.options,
					   confined || rec.confined,
					   OVLCTL_EXIT_ERROR);
		if (err)
			goto err_rec;
		st->spec.options = strdup(rec.options);
	}
	/* Recorded ids against what is there now: a replaced layer differs. */
	in->lower_changed = st->have_recorded && !o->no_lowers &&
			    lowers_differ(&st->spec, &rec);
	st->upper_moved = st->have_recorded &&
			  !same_dir(&st->spec.upper.id, &rec.upper.id);
	spec_free(&rec);
	st->upper_fd = dup(st->spec.upper.fd);
	if (st->upper_fd < 0 || st->work_fd < 0)
		return ovlctl_fail(OVLCTL_EXIT_ERROR, "dup: %s",
				   strerror(errno));

	/*
	 * The authority first: on a stock kernel this loads ovlvol, which the
	 * in-use check below asks.
	 */
	st->authority = ovlctl_authority(geteuid() == 0);
	in->authority = st->authority;
	err = reuse_switch(st, &in->reuse_disabled);
	if (err)
		return err;

	/*
	 * The upper's identity and errseq before anything else is looked at:
	 * a first mount's checkpoint records them, so they must predate the
	 * in-use check and the marker seen absent. A volatile mount that
	 * bypasses ovlctl and slips in after those looks (stock overlayfs
	 * lets it while there is no marker) then writes only after this
	 * baseline, and an error of its data still refuses the pair later.
	 */
	if (st->authority != OVLCTL_AUTH_NONE) {
		err = ovlctl_ident(st->authority, st->upper_fd, &in->live);
		if (err)
			return authority_failed(st, st->spec.upper.path, err);
	}

	/* ovlvol is loaded by now, where the system has it (authority) */
	err = ovlctl_pair_in_use(st->upper_fd, st->work_fd, false,
				 &st->in_use_by, &which);
	if (err < 0)
		return ovlctl_fail(
			OVLCTL_EXIT_ERROR,
			"cannot tell whether the upper or work dir is in use: %s (%s%s)",
			strerror(-err), st->in_use_by ? st->in_use_by : "",
			err == -EACCES && (!st->in_use_by ||
					   !strncmp(st->in_use_by, "pid ", 4)) ?
				"; needs root" :
				"");
	in->in_use = err > 0;

	in->marker = ovlctl_marker_present(st->work_fd);
	err = other_incompat(st->work_fd);
	if (err < 0)
		return ovlctl_fail(OVLCTL_EXIT_ERROR, "%s/%s: %s",
				   st->spec.work.path, OVLCTL_INCOMPAT_DIR,
				   strerror(-err));
	in->other_incompat = err;

	err = read_checkpoints(st);
	if (err)
		return err;
	st->verdict = ovlctl_verdict(in);
	return OVLCTL_EXIT_OK;
err_rec:
	spec_free(&rec);
	return err;
}

void ovlctl_state_free(struct ovlctl_state *st)
{
	if (st->upper_fd >= 0)
		close(st->upper_fd);
	if (st->work_fd >= 0)
		close(st->work_fd);
	if (st->ckpt_fd >= 0)
		close(st->ckpt_fd);
	free(st->in_use_by);
	spec_free(&st->spec);
}

/* Append @s to @out at *@pos, escaping overlayfs's ':' and '\'. */
static void append_escaped(char *out, size_t *pos, const char *s)
{
	for (; *s; s++) {
		if (*s == ':' || *s == '\\')
			out[(*pos)++] = '\\';
		out[(*pos)++] = *s;
	}
}

char *ovlctl_spec_options(const struct ovlctl_spec *spec, bool want_volatile)
{
	size_t len = 64, pos = 0, i;
	char *out;

	len += 2 * (strlen(spec->upper.path) + strlen(spec->work.path));
	for (i = 0; i < spec->nlowers; i++)
		len += 2 * strlen(spec->lowers[i].path) + 1;
	if (spec->options)
		len += strlen(spec->options) + 1;
	out = calloc(1, len);
	if (!out) {
		ovlctl_fail(OVLCTL_EXIT_ERROR, "out of memory");
		return NULL;
	}
	pos = sprintf(out, "lowerdir=");
	for (i = 0; i < spec->nlowers; i++) {
		if (i)
			out[pos++] = ':';
		append_escaped(out, &pos, spec->lowers[i].path);
	}
	pos += sprintf(out + pos, ",upperdir=");
	append_escaped(out, &pos, spec->upper.path);
	pos += sprintf(out + pos, ",workdir=");
	append_escaped(out, &pos, spec->work.path);
	if (want_volatile)
		pos += sprintf(out + pos, ",volatile");
	if (spec->userxattr)
		pos += sprintf(out + pos, ",userxattr");
	if (spec->options)
		sprintf(out + pos, ",%s", spec->options);
	return out;
}

/*
 * The STATE cell of `ovlctl list`: what a restart of this mounted pair
 * would find. "read-only" (no upper), "not-volatile", "unknown" (the work
 * dir could not be opened as the scan identified it), else the checkpoint
 * of either place: "checkpoint (kernel|module)", "no-checkpoint" (a restart
 * will be refused) or "bad-checkpoint".
 */
char *ovlctl_mount_state(const struct ovlctl_mount *m)
{
	bool userxattr = m->fs_options && strstr(m->fs_options, "userxattr");
	const char *why, *state = "no-checkpoint";
	struct ovlctl_ckpt c;
	int fd, mfd, r;
	char *out;

	if (!m->upper)
		return strdup("read-only");
	if (!m->is_volatile)
		return strdup("not-volatile");
	fd = ovlctl_mount_open_work(m);
	if (fd < 0)
		return strdup("unknown");
	mfd = ovlctl_open_marker(fd);
	r = mfd >= 0 ? ovlctl_ckpt_read(mfd, userxattr, &c, &why) :
		       OVLCTL_CKPT_ABSENT;
	if (r == OVLCTL_CKPT_ABSENT)
		r = ovlctl_ckpt_read(fd, userxattr, &c, &why);
	if (mfd >= 0)
		close(mfd);
	close(fd);
	if (r < 0)
		return strdup("unknown");
	if (r == OVLCTL_CKPT_BAD)
		return strdup("bad-checkpoint");
	if (r == OVLCTL_CKPT_OK) {
		if (asprintf(&out, "checkpoint (%s)",
			     ovlctl_authority_name(c.authority)) < 0)
			return NULL;
		return out;
	}
	return strdup(state);
}
