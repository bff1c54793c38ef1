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
 * '\' are escaped for overlayfs in ovlctl_spec_options(). Returns 0 or the
 * OVLCTL_EXIT_* status, after reporting the error.
 */
static int resolve(const char *in, struct ovlctl_layer *out, const char *what)
{
	char *p;

	if (strpbrk(in, ",\"\n"))
		return ovlctl_fail(
			OVLCTL_EXIT_USAGE,
			"%s '%s': a ',', '\"' or newline in a layer path cannot be passed to overlayfs safely",
			what, in);
	p = realpath(in, NULL);
	if (!p)
		return ovlctl_fail(OVLCTL_EXIT_ERROR, "%s '%s': %s", what, in,
				   strerror(errno));
	free(out->path);
	out->path = p;
	if (strpbrk(p, ",\"\n"))
		return ovlctl_fail(
			OVLCTL_EXIT_USAGE,
			"%s '%s' resolves to '%s': a ',', '\"' or newline in a layer path cannot be passed to overlayfs safely",
			what, in, p);
	if (ovlctl_dirid(p, &out->id))
		return ovlctl_fail(OVLCTL_EXIT_ERROR, "%s '%s': %s", what, p,
				   strerror(errno));
	return 0;
}

static void layer_free(struct ovlctl_layer *l)
{
	free(l->path);
	l->path = NULL;
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
	txt = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	if (fsetxattr(st->work_fd, spec_xattr(s->userxattr), txt, strlen(txt),
		      0))
		err = -errno;
	json_object_put(o);
	return err;
}

int ovlctl_forget(int work_fd)
{
	int u, err;

	/* Without CAP_SYS_ADMIN trusted.* is neither readable nor written. */
	for (u = 0; u < 2; u++) {
		err = ovlctl_ckpt_remove(work_fd, u);
		if (!err && fremovexattr(work_fd, spec_xattr(u)) &&
		    errno != ENODATA && errno != ENOTSUP)
			err = -errno;
		if (err && !(err == -EPERM && !u))
			return err;
	}
	return 0;
}

static int layer_from_json(json_object *o, struct ovlctl_layer *l)
{
	json_object *v;

	if (!json_object_object_get_ex(o, "path", &v) ||
	    !json_object_is_type(v, json_type_string))
		return -EINVAL;
	l->path = strdup(json_object_get_string(v));
	if (!l->path)
		return -ENOMEM;
	if (!json_object_object_get_ex(o, "dev", &v))
		return -EINVAL;
	l->id.dev = json_object_get_int64(v);
	if (!json_object_object_get_ex(o, "ino", &v))
		return -EINVAL;
	l->id.ino = json_object_get_int64(v);
	l->id.valid = true;
	return 0;
}

/* The spec recorded on the workdir: 0, -ENODATA if none, or -errno. */
static int spec_read(int work_fd, bool userxattr, struct ovlctl_spec *s)
{
	char buf[65536];
	json_object *o, *v;
	ssize_t n;
	size_t i;
	int err = -EINVAL;

	memset(s, 0, sizeof(*s));
	n = fgetxattr(work_fd, spec_xattr(userxattr), buf, sizeof(buf) - 1);
	if (n < 0)
		return errno == ENOTSUP ? -ENODATA : -errno;
	buf[n] = '\0';
	o = json_tokener_parse(buf);
	if (!o)
		return -EINVAL;
	if (!json_object_object_get_ex(o, "version", &v) ||
	    json_object_get_int(v) != SPEC_VERSION)
		goto out;
	if (!json_object_object_get_ex(o, "upper", &v) ||
	    layer_from_json(v, &s->upper))
		goto out;
	if (!json_object_object_get_ex(o, "lower", &v) ||
	    !json_object_is_type(v, json_type_array))
		goto out;
	s->nlowers = json_object_array_length(v);
	s->lowers = calloc(s->nlowers ? s->nlowers : 1, sizeof(*s->lowers));
	if (!s->lowers)
		goto out;
	for (i = 0; i < s->nlowers; i++)
		if (layer_from_json(json_object_array_get_idx(v, i),
				    &s->lowers[i]))
			goto out;
	if (json_object_object_get_ex(o, "options", &v))
		s->options = strdup(json_object_get_string(v));
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

static int open_dir(const struct ovlctl_layer *l, const char *what)
{
	int fd = open(l->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		ovlctl_fail(OVLCTL_EXIT_ERROR, "%s '%s': %s", what, l->path,
			    strerror(errno));
	return fd;
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

int ovlctl_state_gather(struct ovlctl_state *st,
			const struct ovlctl_pair_opts *o)
{
	struct ovlctl_spec rec;
	struct ovlctl_verdict_in *in = &st->in;
	struct stat sb;
	size_t i;
	int err;

	memset(st, 0, sizeof(*st));
	st->upper_fd = st->work_fd = st->ckpt_fd = -1;
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
	err = resolve(o->work, &st->spec.work, "workdir");
	if (err)
		return err;
	st->work_fd = open_dir(&st->spec.work, "workdir");
	if (st->work_fd < 0)
		return OVLCTL_EXIT_ERROR;

	err = spec_read(st->work_fd, o->userxattr, &rec);
	if (err && err != -ENODATA)
		ovlctl_log(OVLCTL_WARN,
			   "ignoring the unreadable spec on %s: %s",
			   st->spec.work.path, strerror(-err));
	st->have_recorded = !err;

	if (o->upper) {
		err = resolve(o->upper, &st->spec.upper, "upperdir");
		if (err)
			return err;
	} else if (st->have_recorded) {
		st->spec.upper.path = strdup(rec.upper.path);
		if (ovlctl_dirid(rec.upper.path, &st->spec.upper.id))
			return ovlctl_fail(OVLCTL_EXIT_ERROR,
					   "recorded upperdir '%s': %s",
					   rec.upper.path, strerror(errno));
	} else {
		return ovlctl_usage_error(
			NULL,
			"no upperdir given (--upper) and none recorded on %s",
			st->spec.work.path);
	}
	st->spec.nlowers = o->nlowers	? o->nlowers :
			   o->no_lowers ? 0 :
					  rec.nlowers;
	st->spec.lowers =
		calloc(st->spec.nlowers + 1, sizeof(*st->spec.lowers));
	if (!st->spec.lowers)
		return ovlctl_fail(OVLCTL_EXIT_ERROR, "out of memory");
	for (i = 0; i < o->nlowers; i++) {
		err = resolve(o->lowers[i], &st->spec.lowers[i], "lowerdir");
		if (err)
			return err;
	}
	for (i = 0; !o->nlowers && i < st->spec.nlowers; i++) {
		st->spec.lowers[i].path = strdup(rec.lowers[i].path);
		if (ovlctl_dirid(rec.lowers[i].path, &st->spec.lowers[i].id))
			return ovlctl_fail(OVLCTL_EXIT_ERROR,
					   "recorded lowerdir '%s': %s",
					   rec.lowers[i].path, strerror(errno));
	}
	if (!st->spec.nlowers && !o->no_lowers)
		return ovlctl_usage_error(
			NULL,
			"no lowerdir given (--lower) and none recorded on %s",
			st->spec.work.path);
	if (o->options)
		st->spec.options = strdup(o->options);
	else if (rec.options)
		st->spec.options = strdup(rec.options);
	/* Recorded ids against what is there now: a replaced layer differs. */
	in->lower_changed = st->have_recorded && !o->no_lowers &&
			    lowers_differ(&st->spec, &rec);
	spec_free(&rec);

	st->upper_fd = open_dir(&st->spec.upper, "upperdir");
	if (st->upper_fd < 0)
		return OVLCTL_EXIT_ERROR;

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
	 * The kernel's own lock first, where the ovlvol module can read it:
	 * exact, also for an overlay lazily unmounted or held only in another
	 * mount namespace. It misses an index=off mount that shares the dirs
	 * without the lock, hence the mountinfo scan as well.
	 */
	err = ovlctl_kernel_in_use(st->upper_fd);
	if (err <= 0)
		err = ovlctl_kernel_in_use(st->work_fd);
	if (err > 0)
		st->in_use_by = strdup("an overlay overlayfs still holds "
				       "(mounted, lazily unmounted or in "
				       "another mount namespace)");
	if (err <= 0)
		err = ovlctl_dir_in_use(&st->spec.upper.id, &st->in_use_by);
	if (!err)
		err = ovlctl_dir_in_use(&st->spec.work.id, &st->in_use_by);
	if (err < 0)
		return ovlctl_fail(
			OVLCTL_EXIT_ERROR,
			"cannot tell whether the upper or work dir is in use: %s%s",
			strerror(-err), err == -EACCES ? " (needs root)" : "");
	in->in_use = err > 0;

	in->marker = fstatat(st->work_fd, OVLCTL_MARKER_DIR, &sb,
			     AT_SYMLINK_NOFOLLOW) == 0 &&
		     S_ISDIR(sb.st_mode);
	err = other_incompat(st->work_fd);
	if (err < 0)
		return ovlctl_fail(OVLCTL_EXIT_ERROR, "%s/%s: %s",
				   st->spec.work.path, OVLCTL_INCOMPAT_DIR,
				   strerror(-err));
	in->other_incompat = err;

	/*
	 * The patched kernel keeps its checkpoint on the marker dir; with the
	 * module, ovlctl keeps it on the workdir, where removing the stock
	 * marker cannot lose it.
	 */
	in->ckpt_status = OVLCTL_CKPT_ABSENT;
	if (st->authority == OVLCTL_AUTH_KERNEL && in->marker)
		st->ckpt_fd =
			openat(st->work_fd, OVLCTL_MARKER_DIR,
			       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	else if (st->authority != OVLCTL_AUTH_KERNEL)
		st->ckpt_fd = dup(st->work_fd);
	if (st->ckpt_fd >= 0) {
		err = ovlctl_ckpt_read(st->ckpt_fd, o->userxattr, &in->ckpt,
				       &st->ckpt_why);
		if (err < 0)
			return ovlctl_fail(OVLCTL_EXIT_ERROR,
					   "reading the checkpoint: %s",
					   strerror(-err));
		in->ckpt_status = err;
		if (fstat(st->ckpt_fd, &sb))
			return ovlctl_fail(OVLCTL_EXIT_ERROR, "fstat: %s",
					   strerror(errno));
		in->binding = sb.st_ino;
		if (st->authority != OVLCTL_AUTH_NONE) {
			err = ovlctl_generation(st->authority, st->ckpt_fd,
						&in->binding_gen);
			if (err)
				return authority_failed(st, st->spec.work.path,
							err);
		}
	}
	if (st->authority != OVLCTL_AUTH_NONE) {
		err = ovlctl_ident(st->authority, st->upper_fd, &in->live);
		if (err)
			return authority_failed(st, st->spec.upper.path, err);
	}
	st->verdict = ovlctl_verdict(in);
	return OVLCTL_EXIT_OK;
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
