// SPDX-License-Identifier: GPL-2.0
/*
 * ovlctl inspect, check, mount and umount: the restart path.
 *
 * With the patched kernel, overlayfs enforces the verdict itself; ovlctl
 * predicts it, records the mount spec and mounts. With the ovlvol module
 * on a stock kernel, ovlctl enforces it: verify, remove the stock marker,
 * mount, verify the new mount. Between the marker's removal and the mount
 * a crash leaves no marker; the checkpoint's old nonce still makes ovlctl
 * refuse after the reboot, but a plain mount(8) bypassing ovlctl would not
 * (Documentation/ovlctl.rst).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <json-c/json.h>
#include <libmount.h>
#include <uuid/uuid.h>

#include "state.h"

enum {
	OPT_UPPER = 0x100,
	OPT_WORK,
	OPT_LOWER,
	OPT_USERXATTR,
	OPT_NO_VOLATILE,
	OPT_ON_INVALID,
	OPT_NO_WAIT,
	OPT_SEAL,
};

#define PAIR_LONGOPTS                                                  \
	{ "upper", required_argument, NULL, OPT_UPPER },               \
		{ "work", required_argument, NULL, OPT_WORK },         \
		{ "lower", required_argument, NULL, OPT_LOWER },       \
		{ "options", required_argument, NULL, 'o' },           \
		{ "userxattr", no_argument, NULL, OPT_USERXATTR },     \
		{ "no-volatile", no_argument, NULL, OPT_NO_VOLATILE }, \
	{                                                              \
		"help", no_argument, NULL, 'h'                         \
	}

/* Handle one option of the pair; 1 if it was one, 0 if not, <0 error. */
static int pair_opt(struct ovlctl_pair_opts *o, int c, const char *cmd)
{
	switch (c) {
	case OPT_UPPER:
		o->upper = optarg;
		return 1;
	case OPT_WORK:
		o->work = optarg;
		return 1;
	case OPT_LOWER:
		if (o->nlowers == sizeof(o->lowers) / sizeof(o->lowers[0]))
			return -ovlctl_usage_error(cmd, "too many --lower");
		o->lowers[o->nlowers++] = optarg;
		return 1;
	case 'o':
		o->options = optarg;
		return 1;
	case OPT_USERXATTR:
		o->userxattr = true;
		return 1;
	case OPT_NO_VOLATILE:
		o->want_volatile = false;
		return 1;
	}
	return 0;
}

static const char pair_help[] =
	"     --upper <dir>      the upper dir (recorded at the first mount)\n"
	"     --work <dir>       the work dir (required)\n"
	"     --lower <dir>      a lower dir, top first; repeat for more\n"
	"                        (recorded at the first mount)\n"
	" -o, --options <opts>   more overlay mount options\n"
	"     --userxattr        user.* xattrs (unprivileged overlay)\n"
	"     --no-volatile      the mount to be made is not volatile\n";

static json_object *verdict_json(const struct ovlctl_state *st)
{
	const struct ovlctl_verdict *v = &st->verdict;
	json_object *o = json_object_new_object();

	json_object_object_add(o, "verdict",
			       json_object_new_string(v->reason ? "refuse" :
						      v->fresh	? "fresh" :
								  "reuse"));
	json_object_object_add(
		o, "reason",
		json_object_new_string(ovlctl_reason_name(v->reason)));
	json_object_object_add(
		o, "explanation",
		json_object_new_string(
			v->fresh ? "nothing to reuse: a first mount" :
				   ovlctl_reason_text(v->reason)));
	json_object_object_add(
		o, "authority",
		json_object_new_string(ovlctl_authority_name(st->authority)));
	if (st->in_use_by)
		json_object_object_add(o, "in_use_by",
				       json_object_new_string(st->in_use_by));
	if (st->ckpt_why)
		json_object_object_add(o, "checkpoint_error",
				       json_object_new_string(st->ckpt_why));
	return o;
}

static void print_json(json_object *o)
{
	printf("%s\n",
	       json_object_to_json_string_ext(
		       o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED));
	json_object_put(o);
}

static void print_verdict(const struct ovlctl_state *st)
{
	const struct ovlctl_verdict *v = &st->verdict;

	if (ovlctl.json) {
		print_json(verdict_json(st));
		return;
	}
	if (v->fresh)
		printf("fresh: nothing to reuse, a first mount\n");
	else if (!v->reason)
		printf("reuse: ok: %s\n", ovlctl_reason_text(v->reason));
	else {
		/* A mount target of any namespace: the container's choice. */
		char *who = st->in_use_by ? ovlctl_escape(st->in_use_by) : NULL;

		printf("refuse: %s: %s%s%s%s%s\n",
		       ovlctl_reason_name(v->reason),
		       ovlctl_reason_text(v->reason), who ? " (" : "",
		       who ? who : "", who ? ")" : "",
		       st->ckpt_why ? st->ckpt_why : "");
		free(who);
	}
}

/*
 * A refusal of @what: the verdict and the error, as one JSON object with -J
 * (two objects in a row would not be one JSON text). The exit status.
 */
static int report_refusal(const struct ovlctl_state *st, const char *what)
{
	enum ovlctl_reason r = st->verdict.reason;
	json_object *j;
	char msg[128];

	snprintf(msg, sizeof(msg), "%s: %s", what, ovlctl_reason_name(r));
	if (!ovlctl.json) {
		print_verdict(st);
		return ovlctl_fail(ovlctl_reason_exit(r), "%s", msg);
	}
	ovlctl_log(OVLCTL_ERROR, "%s", msg);
	j = verdict_json(st);
	json_object_object_add(j, "error", json_object_new_string(msg));
	print_json(j);
	return ovlctl_reason_exit(r);
}

static int parse_pair(int argc, char **argv, const char *cmd,
		      struct ovlctl_pair_opts *o, const char *usage_line)
{
	static const struct option longopts[] = { PAIR_LONGOPTS,
						  { NULL, 0, NULL, 0 } };
	int c, r;

	memset(o, 0, sizeof(*o));
	o->want_volatile = true;
	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		r = pair_opt(o, c, cmd);
		if (r < 0)
			return -r;
		if (r)
			continue;
		if (c == 'h') {
			printf("Usage:\n %s\n\nOptions:\n%s", usage_line,
			       pair_help);
			return -1;
		}
		return ovlctl_usage_error(cmd, "bad option");
	}
	if (optind < argc)
		return ovlctl_usage_error(cmd, "unexpected argument '%s'",
					  argv[optind]);
	return ovlctl_check_options(cmd, o->options, false, OVLCTL_EXIT_USAGE);
}

int cmd_check(int argc, char **argv)
{
	struct ovlctl_pair_opts o;
	struct ovlctl_state st;
	int ret;

	ret = parse_pair(
		argc, argv, "check", &o,
		"ovlctl check --work <dir> [--upper <dir>] [--lower <dir>...]");
	if (ret)
		return ret < 0 ? OVLCTL_EXIT_OK : ret;
	ret = ovlctl_state_gather(&st, &o);
	if (!ret) {
		print_verdict(&st);
		ret = ovlctl_reason_exit(st.verdict.reason);
	}
	ovlctl_state_free(&st);
	return ret;
}

static json_object *ckpt_json(const struct ovlctl_state *st)
{
	const struct ovlctl_verdict_in *in = &st->in;
	json_object *o = json_object_new_object();
	char buf[40];

	json_object_object_add(
		o, "status",
		json_object_new_string(
			in->ckpt_status == OVLCTL_CKPT_OK  ? "ok" :
			in->ckpt_status == OVLCTL_CKPT_BAD ? "bad" :
							     "absent"));
	if (in->ckpt_status != OVLCTL_CKPT_OK)
		return o;
	json_object_object_add(o, "version",
			       json_object_new_int(in->ckpt.version));
	json_object_object_add(o, "authority",
			       json_object_new_string(ovlctl_authority_name(
				       in->ckpt.authority)));
	uuid_unparse(in->ckpt.nonce, buf);
	json_object_object_add(o, "nonce", json_object_new_string(buf));
	json_object_object_add(o, "sb_instance",
			       json_object_new_uint64(in->ckpt.sb_instance));
	snprintf(buf, sizeof(buf), "0x%08x", in->ckpt.errseq);
	json_object_object_add(o, "errseq", json_object_new_string(buf));
	json_object_object_add(o, "binding",
			       json_object_new_uint64(in->ckpt.binding));
	return o;
}

static json_object *live_json(const struct ovlctl_state *st)
{
	const struct ovlctl_ident *l = &st->in.live;
	json_object *o = json_object_new_object();
	char buf[40];

	json_object_object_add(
		o, "authority",
		json_object_new_string(ovlctl_authority_name(st->authority)));
	if (st->authority == OVLCTL_AUTH_NONE)
		return o;
	if (l->have_nonce) {
		uuid_unparse(l->nonce, buf);
		json_object_object_add(o, "nonce", json_object_new_string(buf));
	}
	json_object_object_add(o, "sb_instance",
			       json_object_new_uint64(l->sb_instance));
	snprintf(buf, sizeof(buf), "0x%08x", l->errseq);
	json_object_object_add(o, "errseq", json_object_new_string(buf));
	json_object_object_add(o, "unseen_error",
			       json_object_new_boolean(l->unseen));
	json_object_object_add(o, "read_only",
			       json_object_new_boolean(l->rdonly));
	json_object_object_add(o, "binding",
			       json_object_new_uint64(st->in.binding));
	return o;
}

/*
 * A JSON document flattened for people, one "name: value" line per scalar:
 * members of objects as "a.b", array elements as "a[0]". Values are printed
 * raw (no JSON escaping of '/'), control characters as \xNN so that a
 * hostile name cannot forge a line.
 */
static void print_flat(const char *name, json_object *v)
{
	char sub[256];
	const char *p;
	size_t i;

	switch (json_object_get_type(v)) {
	case json_type_object: {
		/* a block: the macro declares variables (C17 6.8.1) */
		json_object_object_foreach(v, key, val)
		{
			snprintf(sub, sizeof(sub), "%s%s%s", name,
				 *name ? "." : "", key);
			print_flat(sub, val);
		}
		return;
	}
	case json_type_array:
		if (!json_object_array_length(v))
			printf("%s:\n", name);
		for (i = 0; i < json_object_array_length(v); i++) {
			snprintf(sub, sizeof(sub), "%s[%zu]", name, i);
			print_flat(sub, json_object_array_get_idx(v, i));
		}
		return;
	default:
		printf("%s: ", name);
		for (p = json_object_get_string(v); p && *p; p++) {
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				printf("\\x%02x", (unsigned char)*p);
			else
				putchar(*p);
		}
		putchar('\n');
	}
}

int cmd_inspect(int argc, char **argv)
{
	struct ovlctl_pair_opts o;
	struct ovlctl_state st;
	json_object *root, *ck, *lv;
	size_t i;
	int ret;

	ret = parse_pair(
		argc, argv, "inspect", &o,
		"ovlctl inspect --work <dir> [--upper <dir>] [--lower <dir>...]");
	if (ret)
		return ret < 0 ? OVLCTL_EXIT_OK : ret;
	ret = ovlctl_state_gather(&st, &o);
	if (ret)
		goto out;
	root = json_object_new_object();
	json_object_object_add(root, "upper",
			       json_object_new_string(st.spec.upper.path));
	json_object_object_add(root, "work",
			       json_object_new_string(st.spec.work.path));
	lv = json_object_new_array();
	for (i = 0; i < st.spec.nlowers; i++)
		json_object_array_add(
			lv, json_object_new_string(st.spec.lowers[i].path));
	json_object_object_add(root, "lower", lv);
	json_object_object_add(root, "recorded_spec",
			       json_object_new_boolean(st.have_recorded));
	json_object_object_add(root, "marker",
			       json_object_new_boolean(st.in.marker));
	ck = ckpt_json(&st);
	json_object_object_add(root, "checkpoint", ck);
	json_object_object_add(root, "live", live_json(&st));
	json_object_object_add(root, "verdict", verdict_json(&st));
	if (ovlctl.json) {
		print_json(root);
	} else {
		print_flat("", root);
		json_object_put(root);
	}
out:
	ovlctl_state_free(&st);
	return ret;
}

/*
 * Remove the stock marker: work/incompat/volatile/dirty, then the dir.
 * One component at a time, never through a symlink or into another
 * filesystem: the owner of a workdir (an unprivileged pair's user) can
 * swap work/ or incompat/ for a link between the verdict and this.
 */
static int remove_marker(int work_fd)
{
	int inc, vol, err = 0;

	inc = ovlctl_open_incompat(work_fd);
	if (inc < 0)
		return inc == -ENOENT ? 0 : inc;
	vol = ovlctl_open_beneath(inc, "volatile", O_PATH | O_DIRECTORY);
	if (vol < 0)
		err = vol == -ENOENT ? 0 : vol;
	else if (unlinkat(vol, "dirty", 0) && errno != ENOENT)
		err = -errno;
	if (vol >= 0)
		close(vol);
	if (!err && vol >= 0 && unlinkat(inc, "volatile", AT_REMOVEDIR) &&
	    errno != ENOENT)
		err = -errno;
	close(inc);
	return err;
}

static int do_mount(const char *target, const char *opts)
{
	struct libmnt_context *cxt = mnt_new_context();
	int rc, err = 0;

	if (!cxt)
		return -ENOMEM;
	mnt_context_set_fstype(cxt, "overlay");
	mnt_context_set_source(cxt, "overlay");
	mnt_context_set_target(cxt, target);
	mnt_context_set_options(cxt, opts);
	rc = mnt_context_mount(cxt);
	if (rc) {
		err = mnt_context_syscall_called(cxt) ?
			      -mnt_context_get_syscall_errno(cxt) :
			      (rc < 0 ? rc : -EINVAL);
		if (!err)
			err = -EIO;
	}
	mnt_free_context(cxt);
	return err;
}

/* See mount_is_ours(): a mount we cannot look at again counts as read-only */
static bool hit_rdonly(const char *target, const struct ovlctl_mount *hit)
{
	struct statx stx;
	struct statfs sf;
	bool ro = true;
	int fd;

	/* statmount's options lack the generic ro/rw; mountinfo's have it */
	if (hit->fs_options &&
	    (!mnt_optstr_get_option(hit->fs_options, "ro", NULL, NULL) ||
	     !mnt_optstr_get_option(hit->fs_options, "rw", NULL, NULL)))
		return !mnt_optstr_get_option(hit->fs_options, "ro", NULL,
					      NULL);
	fd = open(target, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return true;
	if (!statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) &&
	    (stx.stx_mask & STATX_MNT_ID) &&
	    stx.stx_mnt_id == (__u64)hit->mnt_id && !fstatfs(fd, &sf))
		ro = sf.f_flags & ST_RDONLY;
	close(fd);
	return ro;
}

/*
 * Is @target now the overlay of @s, in this namespace: upper and work by
 * the ids of the dirs the verdict looked at, and every lower by its path
 * there now against the id it had then? *@rdonly: is that overlay's super
 * block read-only? Asked of the mount found there, not of whatever the
 * path leads to by now: the mountinfo "ro" where the super options carry
 * it, else fstatfs() on the target opened without following a symlink,
 * if it still is that mount (statx's mount id).
 */
static bool mount_is_ours(const char *target, const struct ovlctl_state *st,
			  bool want_volatile, bool *rdonly)
{
	const struct ovlctl_spec *s = &st->spec;
	struct ovlctl_mount *m, *hit = NULL;
	struct stat self, sb;
	bool ok;
	size_t n, i;

	if (stat("/proc/self/ns/mnt", &self) ||
	    ovlctl_overlay_mounts_here(&m, &n))
		return false;
	/* The last one at @target is the one on top. */
	for (i = 0; i < n; i++)
		if (m[i].mntns == self.st_ino && m[i].target &&
		    !strcmp(m[i].target, target))
			hit = &m[i];
	*rdonly = hit && hit_rdonly(target, hit);
	ok = hit && hit->upper_id.valid && hit->work_id.valid &&
	     hit->upper_id.dev == s->upper.id.dev &&
	     hit->upper_id.ino == s->upper.id.ino &&
	     hit->work_id.dev == s->work.id.dev &&
	     hit->work_id.ino == s->work.id.ino &&
	     hit->is_volatile == want_volatile && hit->nlowers == s->nlowers;
	for (i = 0; ok && i < s->nlowers; i++)
		ok = !stat(hit->lowers[i], &sb) &&
		     sb.st_dev == s->lowers[i].id.dev &&
		     sb.st_ino == s->lowers[i].id.ino;
	ovlctl_free_mounts(m, n);
	/*
	 * Paths can be swapped back after the mount: where the kernel's lock
	 * can be read, the dirs we hold open must be the ones now in use.
	 */
	if (ok && ovlctl_kernel_in_use(st->upper_fd) == 0)
		ok = false;
	if (ok && ovlctl_kernel_in_use(st->work_fd) == 0)
		ok = false;
	return ok;
}

/*
 * Did overlayfs fall back to a read-only mount that nobody asked for
 * (-o ro)? It does when it cannot make its work dir (a full disk, an
 * exceeded quota): the mount succeeds, and the container would get a
 * read-only rootfs.
 */
static bool asked_rdonly(const char *opts)
{
	return opts && !mnt_optstr_get_option(opts, "ro", NULL, NULL);
}

/* The mount id of the topmost mount at @target here, or -errno. */
static int top_mount_id(const char *target)
{
	struct libmnt_table *tb =
		mnt_new_table_from_file("/proc/self/mountinfo");
	struct libmnt_fs *fs;
	int id;

	if (!tb)
		return -errno ? -errno : -ENOMEM;
	fs = mnt_table_find_target(tb, target, MNT_ITER_BACKWARD);
	id = fs ? mnt_fs_get_id(fs) : -ENOENT;
	mnt_unref_table(tb);
	return id;
}

static int umount_target(const char *target)
{
	struct libmnt_context *cxt = mnt_new_context();
	int rc;

	if (!cxt)
		return -ENOMEM;
	mnt_context_set_target(cxt, target);
	rc = mnt_context_umount(cxt);
	if (rc)
		rc = mnt_context_syscall_called(cxt) ?
			     -mnt_context_get_syscall_errno(cxt) :
			     -EINVAL;
	mnt_free_context(cxt);
	return rc;
}

/* The first volatile mount with the module: record the baseline. */
static int record_module_checkpoint(struct ovlctl_state *st)
{
	struct ovlctl_ckpt c = { .authority = OVLCTL_AUTH_MODULE };
	struct stat sb;
	int r;

	if (fstat(st->work_fd, &sb))
		return -errno;
	memcpy(c.nonce, st->in.live.nonce, sizeof(c.nonce));
	c.sb_instance = st->in.live.sb_instance;
	c.errseq = st->in.live.errseq;
	c.fs_errors = st->in.live.fs_errors;
	c.binding = sb.st_ino;
	r = ovlctl_generation(OVLCTL_AUTH_MODULE, st->work_fd, &c.binding_gen);
	if (r)
		return r;
	return ovlctl_ckpt_write(st->work_fd, st->spec.userxattr, &c);
}

/* Paths of @spec copied into @o, which then names them explicitly. */
static int keep_layers(struct ovlctl_pair_opts *o,
		       const struct ovlctl_spec *spec, char ***kept)
{
	size_t i, n = spec->nlowers + 1;

	if (spec->nlowers > sizeof(o->lowers) / sizeof(o->lowers[0]))
		return ovlctl_fail(OVLCTL_EXIT_ERROR, "too many lower layers");
	*kept = calloc(n + 1, sizeof(**kept));
	if (!*kept)
		return ovlctl_fail(OVLCTL_EXIT_ERROR, "out of memory");
	(*kept)[0] = strdup(spec->upper.path);
	o->upper = (*kept)[0];
	for (i = 0; i < spec->nlowers; i++) {
		(*kept)[i + 1] = strdup(spec->lowers[i].path);
		o->lowers[i] = (*kept)[i + 1];
	}
	o->nlowers = spec->nlowers;
	for (i = 0; i < n; i++)
		if (!(*kept)[i])
			return ovlctl_fail(OVLCTL_EXIT_ERROR, "out of memory");
	return 0;
}

/*
 * What a failed mount says when it could not take back its preparation
 * (say, the stock marker on a disk still full): the pair is then open to
 * an unchecked plain mount until ovlctl mounts it again
 */
#define UNDO_FAILED                                                         \
	"taking back the preparation failed (the stock marker or the spec " \
	"may be missing: mount it through ovlctl only): "

/*
 * What a mount that failed after --on-invalid=discard emptied the pair
 * says: its upper is gone, whatever the mount did not do
 */
#define DISCARDED_BEFORE \
	"the pair was discarded before the mount: its upper is empty now"

/* What a failed first mount that keeps its records says */
#define KEPT_RECORDS                                                      \
	"overlayfs had made its marker: the spec and checkpoint of this " \
	"first mount stay, so the pair is reusable"

/*
 * The mount failed: take back what was done for it, so that the pair is as
 * the verdict found it. Fresh: the spec and the module's checkpoint just
 * written (a plain first mount follows or not, as before), unless
 * overlayfs left its marker (*@kept). A reuse with the module: the stock
 * marker removed, made again (stock overlayfs then refuses as before;
 * ovlctl's checkpoint on the workdir was never touched).
 */
static int undo_mount_prep(struct ovlctl_state *st, bool fresh,
			   bool want_volatile, const struct ovlctl_saved *saved,
			   bool *kept)
{
	int err = 0;

	*kept = false;
	if (fresh) {
		/*
		 * A sealed pair keeps the spec it had; a new pair gets none.
		 * Both records of this mount stay when a marker is there now:
		 * overlayfs made it before the mount failed (say, on the
		 * target), or a plain mount did since the verdict. Either
		 * came after the checkpoint's baseline, which covers it, and
		 * the spec names the layers it was made for; without them the
		 * pair would be refused (a marker without a checkpoint).
		 */
		*kept = want_volatile && st->authority == OVLCTL_AUTH_MODULE &&
			ovlctl_marker_present(st->work_fd);
		if (!*kept)
			err = ovlctl_spec_restore(st->work_fd, saved);
	} else if (want_volatile && st->authority == OVLCTL_AUTH_MODULE) {
		/*
		 * overlayfs' read-only fallback has removed work/ itself:
		 * the marker goes back all the same
		 */
		err = ovlctl_put_marker(st->work_fd);
	}
	if (err)
		ovlctl_log(OVLCTL_ERROR, "undoing the preparation of %s: %s",
			   st->spec.work.path, strerror(-err));
	return err;
}

/* What a failed mount left of the pair, for its error */
static void left_note(char *buf, size_t len, int undo_err, bool kept,
		      bool discarded)
{
	snprintf(buf, len, "%s%s%s%s",
		 undo_err  ? UNDO_FAILED :
		 kept	   ? KEPT_RECORDS :
		 discarded ? "" :
			     "nothing was changed",
		 undo_err ? strerror(-undo_err) : "",
		 discarded && (undo_err || kept) ? "; " : "",
		 discarded ? DISCARDED_BEFORE : "");
}

static const char mount_usage[] =
	"ovlctl mount [options] --work <dir> <target>";

int cmd_mount(int argc, char **argv)
{
	static const struct option longopts[] = {
		PAIR_LONGOPTS,
		{ "on-invalid", required_argument, NULL, OPT_ON_INVALID },
		{ "no-wait", no_argument, NULL, OPT_NO_WAIT },
		{ NULL, 0, NULL, 0 },
	};
	struct ovlctl_pair_opts o = { .want_volatile = true };
	bool discard = false, wait = true, discarded = false, fresh;
	/* What a mount that fails must put back (static: 64 KiB) */
	static struct ovlctl_saved saved;
	const char *what, *why;
	bool rdonly = false, kept_rec;
	char note[512];
	int u;
	struct ovlctl_state st;
	char *target, *opts = NULL, **kept = NULL;
	int c, r, lock = -1, ret;
	struct stat lsb;

	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		r = pair_opt(&o, c, "mount");
		if (r < 0)
			return -r;
		if (r)
			continue;
		switch (c) {
		case OPT_ON_INVALID:
			if (!strcmp(optarg, "discard"))
				discard = true;
			else if (strcmp(optarg, "refuse"))
				return ovlctl_usage_error(
					"mount",
					"--on-invalid: refuse or discard, not '%s'",
					optarg);
			break;
		case OPT_NO_WAIT:
			wait = false;
			break;
		case 'h':
			printf("Usage:\n %s\n\nOptions:\n%s"
			       "     --on-invalid <how> refuse (default) or discard and mount fresh\n"
			       "     --no-wait          busy instead of waiting for another ovlctl\n",
			       mount_usage, pair_help);
			return OVLCTL_EXIT_OK;
		default:
			return ovlctl_usage_error("mount", "bad option");
		}
	}
	if (optind + 1 != argc)
		return ovlctl_usage_error("mount", "one target expected");
	ret = ovlctl_check_options("mount", o.options, false,
				   OVLCTL_EXIT_USAGE);
	if (ret)
		return ret;
	if (geteuid() != 0)
		return ovlctl_fail(OVLCTL_EXIT_ERROR,
				   "mount needs root (CAP_SYS_ADMIN)");
	target = realpath(argv[optind], NULL);
	if (!target)
		return ovlctl_fail(OVLCTL_EXIT_ERROR, "target '%s': %s",
				   argv[optind], strerror(errno));
	if (!o.work) {
		free(target);
		return ovlctl_usage_error("mount", "no workdir given (--work)");
	}
	/* One ovlctl at a time per workdir: never two mounts of one upper. */
	lock = ovlctl_lock_workdir(o.work, wait);
	if (lock < 0) {
		free(target);
		if (lock == -EWOULDBLOCK)
			return ovlctl_fail(OVLCTL_EXIT_BUSY,
					   "another ovlctl holds %s", o.work);
		return ovlctl_fail(OVLCTL_EXIT_ERROR, "locking %s: %s", o.work,
				   strerror(-lock));
	}

	ret = ovlctl_state_gather(&st, &o);
	if (ret)
		goto out;
	/* The lock is on the dir the state was gathered from, not a new one. */
	if (fstat(lock, &lsb) || lsb.st_dev != st.spec.work.id.dev ||
	    lsb.st_ino != st.spec.work.id.ino) {
		ret = ovlctl_fail(OVLCTL_EXIT_ERROR,
				  "%s changed while it was being locked",
				  o.work);
		goto out;
	}
	fresh = st.verdict.fresh;
	if (st.verdict.reason) {
		enum ovlctl_reason r = st.verdict.reason;

		if (!discard || r == OVLCTL_IN_USE || r == OVLCTL_UNSUPPORTED) {
			ret = report_refusal(&st, "not reusable");
			goto out;
		}
		/*
		 * The recorded upper's path now names another dir: that one
		 * is somebody else's, and the recorded one is gone from here.
		 */
		if (st.upper_moved && !o.upper) {
			ret = ovlctl_fail(
				OVLCTL_EXIT_ERROR,
				"not discarding: the recorded upper %s is now another directory; name the upper with --upper",
				st.spec.upper.path);
			goto out;
		}
		ovlctl_log(OVLCTL_WARN, "discarding %s and %s: %s",
			   st.spec.upper.path, st.spec.work.path,
			   ovlctl_reason_name(r));
		/* The dirs the verdict looked at, not their paths again. */
		ret = ovlctl_discard_pair_fd(st.upper_fd, st.work_fd);
		if (ret) {
			ret = ovlctl_fail(OVLCTL_EXIT_ERROR, "discard: %s",
					  ovlctl_discard_strerror(ret));
			goto out;
		}
		/* Every error from here on says so ("discarded": true) */
		ovlctl_note_discarded();
		/* Discard dropped the recorded spec: name the layers again. */
		ret = keep_layers(&o, &st.spec, &kept);
		ovlctl_state_free(&st);
		if (!ret)
			ret = ovlctl_state_gather(&st, &o);
		if (ret)
			goto out;
		if (!st.verdict.fresh) {
			ret = ovlctl_fail(
				OVLCTL_EXIT_ERROR,
				"still not fresh after discard: %s",
				ovlctl_reason_name(st.verdict.reason));
			goto out;
		}
		fresh = discarded = true;
	}

	opts = ovlctl_spec_options(&st.spec, o.want_volatile);
	if (!opts) {
		ret = OVLCTL_EXIT_ERROR;
		goto out;
	}
	if (fresh) {
		ret = ovlctl_spec_save(st.work_fd, st.spec.userxattr, &saved);
		if (ret) {
			ret = ovlctl_fail(OVLCTL_EXIT_ERROR, "reading %s: %s",
					  st.spec.work.path, strerror(-ret));
			goto out;
		}
		what = "the spec";
		ret = ovlctl_spec_record(&st);
		if (!ret && o.want_volatile &&
		    st.authority == OVLCTL_AUTH_MODULE) {
			what = "the checkpoint";
			ret = record_module_checkpoint(&st);
		}
		if (ret) {
			/* Neither a spec nor a checkpoint of a mount never made */
			undo_mount_prep(&st, true, o.want_volatile, &saved,
					&kept_rec);
			ret = ovlctl_fail(OVLCTL_EXIT_ERROR,
					  "recording %s on %s: %s%s%s", what,
					  st.spec.work.path, strerror(-ret),
					  discarded ? "; " : "",
					  discarded ? DISCARDED_BEFORE : "");
			goto out;
		}
		if (o.want_volatile && st.authority == OVLCTL_AUTH_NONE)
			ovlctl_log(
				OVLCTL_WARN,
				"no id authority: this volatile upper will not be reusable");
	} else if (st.authority == OVLCTL_AUTH_MODULE) {
		ovlctl_fault_point("reuse-verdict", st.work_fd);
		/* Stock overlayfs refuses while the marker exists. */
		ret = remove_marker(st.work_fd);
		if (ret) {
			ret = ovlctl_fail(OVLCTL_EXIT_ERROR,
					  "removing the stock marker: %s",
					  strerror(-ret));
			goto out;
		}
		ovlctl_fault_point("marker-removed", st.work_fd);
	}
	ovlctl_log(OVLCTL_INFO, "mount -t overlay -o %s overlay %s", opts,
		   target);
	ret = do_mount(target, opts);
	if (ret) {
		/*
		 * Not a verdict: what overlayfs refused is in the kernel
		 * log. Exit 3 would tell a runtime to discard a good upper.
		 */
		u = undo_mount_prep(&st, fresh, o.want_volatile, &saved,
				    &kept_rec);
		left_note(note, sizeof(note), u, kept_rec, discarded);
		ret = ovlctl_fail(
			ret == -EBUSY ? OVLCTL_EXIT_BUSY : OVLCTL_EXIT_ERROR,
			"mount: %s (see the kernel log for overlayfs' reason); %s",
			strerror(-ret), note);
		goto out;
	}
	/*
	 * Not the overlay asked for, or overlayfs' read-only fallback:
	 * unmounted, and nothing of that mount counts for the next verdict.
	 */
	why = !mount_is_ours(target, &st, o.want_volatile, &rdonly) ?
		      "is not the overlay that was asked for" :
	      rdonly && !asked_rdonly(opts) ?
		      "was mounted read-only by overlayfs (it could not set up its work dir, e.g. on a full disk or over a quota: see the kernel log)" :
		      NULL;
	if (why) {
		r = umount_target(target);
		u = r ? 0 :
			undo_mount_prep(&st, fresh, o.want_volatile, &saved,
					&kept_rec);
		if (r)
			snprintf(note, sizeof(note), "unmounting it failed: %s",
				 strerror(-r));
		else
			left_note(note, sizeof(note), u, kept_rec, discarded);
		ret = ovlctl_fail(OVLCTL_EXIT_ERROR, "%s %s; %s%s", target, why,
				  r ? "" : "unmounted it; ", note);
		goto out;
	}
	if (!ovlctl.quiet && !ovlctl.json)
		printf("%s: %s\n",
		       discarded ? "discarded and mounted fresh" :
		       fresh	 ? "mounted fresh" :
				   "reused",
		       target);
	if (ovlctl.json) {
		json_object *j = verdict_json(&st);

		json_object_object_add(j, "target",
				       json_object_new_string(target));
		print_json(j);
	}
	ret = discarded ? OVLCTL_EXIT_DISCARDED : OVLCTL_EXIT_OK;
out:
	for (r = 0; kept && kept[r]; r++)
		free(kept[r]);
	free(kept);
	free(opts);
	free(target);
	ovlctl_state_free(&st);
	close(lock);
	return ret;
}

/* First error of the seal walk; nftw() callbacks have no context. */
static int seal_errno;

static int fsync_one(const char *path, const struct stat *sb, int type,
		     struct FTW *ftw)
{
	int fd;

	(void)ftw;
	if ((type != FTW_F && type != FTW_DP) ||
	    !(S_ISREG(sb->st_mode) || S_ISDIR(sb->st_mode)))
		return 0;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || fsync(fd)) {
		seal_errno = errno;
		ovlctl_log(OVLCTL_ERROR, "fsync %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	close(fd);
	return 0;
}

static int fsync_at(int dirfd, const char *rel)
{
	int fd = openat(dirfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int err = 0;

	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (fsync(fd))
		err = -errno;
	close(fd);
	return err;
}

/*
 * Make this upper durable without syncing the whole filesystem: fsync its
 * files and dirs only, then require that no writeback error reached the
 * upper fs since the first volatile mount, then drop the volatile state
 * (marker and checkpoint), so the pair counts as cleanly non-volatile and
 * can be mounted again after a reboot.
 */
static int seal(const char *upper, const char *work)
{
	struct ovlctl_pair_opts o = { .upper = upper,
				      .work = work,
				      .want_volatile = true };
	struct ovlctl_state st;
	int ret;

	seal_errno = 0;
	if (nftw(upper, fsync_one, 32, FTW_PHYS | FTW_MOUNT | FTW_DEPTH))
		return ovlctl_fail(OVLCTL_EXIT_ERROR,
				   "seal: syncing %s failed: %s", upper,
				   strerror(seal_errno ? seal_errno : EIO));
	ret = ovlctl_state_gather(&st, &o);
	if (ret)
		goto out;
	if (st.verdict.fresh) {
		ovlctl_log(OVLCTL_INFO, "seal: %s was not volatile", work);
	} else if (st.verdict.reason) {
		ret = report_refusal(&st, "seal refused");
		goto out;
	}
	ret = remove_marker(st.work_fd);
	if (!ret)
		ret = ovlctl_ckpt_remove(st.work_fd, st.spec.userxattr);
	if (!ret)
		ret = fsync_at(st.work_fd, OVLCTL_INCOMPAT_DIR);
	if (!ret)
		ret = fsync_at(st.work_fd, ".");
	if (ret)
		ret = ovlctl_fail(OVLCTL_EXIT_ERROR, "seal: %s: %s", work,
				  strerror(-ret));
out:
	ovlctl_state_free(&st);
	return ret;
}

int cmd_umount(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "seal", no_argument, NULL, OPT_SEAL },
		{ "no-wait", no_argument, NULL, OPT_NO_WAIT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *target = NULL, *upper = NULL, *work = NULL;
	bool do_seal = false, wait = true;
	struct ovlctl_mount *m = NULL;
	struct stat self;
	size_t n = 0, i;
	int c, lock = -1, ret;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_SEAL:
			do_seal = true;
			break;
		case OPT_NO_WAIT:
			wait = false;
			break;
		case 'h':
			printf("Usage:\n ovlctl umount [--seal] <target>\n\n"
			       "Options:\n"
			       "     --seal      fsync this upper only, check errseq, then\n"
			       "                 clear the volatile state (reusable after a reboot)\n"
			       "     --no-wait   busy instead of waiting for another ovlctl\n");
			return OVLCTL_EXIT_OK;
		default:
			return ovlctl_usage_error("umount", "bad option");
		}
	}
	if (optind + 1 != argc)
		return ovlctl_usage_error("umount", "one target expected");
	if (geteuid() != 0)
		return ovlctl_fail(OVLCTL_EXIT_ERROR,
				   "umount needs root (CAP_SYS_ADMIN)");
	target = realpath(argv[optind], NULL);
	if (!target)
		return ovlctl_fail(OVLCTL_EXIT_ERROR, "target '%s': %s",
				   argv[optind], strerror(errno));
	ret = stat("/proc/self/ns/mnt", &self) ?
		      -errno :
		      ovlctl_overlay_mounts_here(&m, &n);
	if (ret) {
		ret = ovlctl_fail(OVLCTL_EXIT_ERROR, "reading mounts: %s",
				  strerror(-ret));
		goto out;
	}
	for (i = n; i-- > 0;) {
		if (m[i].mntns != self.st_ino || !m[i].target ||
		    strcmp(m[i].target, target))
			continue;
		upper = m[i].upper ? strdup(m[i].upper) : NULL;
		work = m[i].work ? strdup(m[i].work) : NULL;
		break;
	}
	if (i == (size_t)-1) {
		ret = ovlctl_fail(OVLCTL_EXIT_ERROR, "%s: not an overlay mount",
				  target);
		goto out;
	}
	/* umount(2) takes the top of the stack: it must be that overlay. */
	ret = top_mount_id(target);
	if (ret != m[i].mnt_id) {
		ret = ovlctl_fail(
			OVLCTL_EXIT_ERROR,
			ret < 0 ?
				"%s: reading the mount table: %s" :
				"%s: another mount is on top of the overlay%s",
			target, ret < 0 ? strerror(-ret) : "");
		goto out;
	}
	ret = 0;
	if (do_seal) {
		if (!upper || !work) {
			ret = ovlctl_fail(OVLCTL_EXIT_ERROR,
					  "%s has no upper dir to seal",
					  target);
			goto out;
		}
		lock = ovlctl_lock_workdir(work, wait);
		if (lock < 0) {
			ret = ovlctl_fail(lock == -EWOULDBLOCK ?
						  OVLCTL_EXIT_BUSY :
						  OVLCTL_EXIT_ERROR,
					  "locking %s: %s", work,
					  strerror(-lock));
			goto out;
		}
	}
	ret = umount_target(target);
	if (ret) {
		ret = ovlctl_fail(ret == -EBUSY ? OVLCTL_EXIT_BUSY :
						  OVLCTL_EXIT_ERROR,
				  "umount %s: %s", target, strerror(-ret));
		goto out;
	}
	/*
	 * Unmounted now: whatever seal says, the status must not read as
	 * "nothing changed" (3) or "busy" (5).
	 */
	if (do_seal && seal(upper, work))
		ret = ovlctl_fail(OVLCTL_EXIT_ERROR,
				  "%s was unmounted but not sealed", target);
	if (!ret && !ovlctl.quiet && !ovlctl.json)
		printf("%s: %s\n",
		       do_seal ? "unmounted and sealed" : "unmounted", target);
out:
	if (lock >= 0)
		close(lock);
	ovlctl_free_mounts(m, n);
	free(upper);
	free(work);
	free(target);
	return ret;
}
