// SPDX-License-Identifier: GPL-2.0
/*
 * OCI bundles: the dev.ovlvol.* annotations that ask for a reusable
 * volatile rootfs overlay, root.path, and gVisor's view of the rootfs.
 *
 * gVisor facts this relies on (google/gvisor): runsc/boot/vfs.go names the
 * host file that backs a "self" overlay medium SelfFilestorePrefix
 * ".gvisor.filestore." + the sandbox id, placed in the overlaid mount's
 * source directory, i.e. root.path, so through a host overlay it lands at
 * the top of the upper dir; runsc/config/config.go parses --overlay2 as
 * "none" or "{root|all}:{memory|self|dir=/abs}" with root:self the
 * default; runsc/boot/mount_hints.go parses dev.gvisor.spec.mount.NAME.FIELD
 * (source, type tmpfs|bind, share container|pod|shared, options) and
 * dev.gvisor.spec.rootfs.FIELD (source, lowerdirs, type erofs|bind,
 * overlay, options size=...); dev.gvisor.flag.NAME annotations override
 * runsc flags (recent runsc only with --allow-flag-override).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oci.h"

#define CONFIG_MAX (16 << 20)

static int bad(const char *key, const char *val, const char *why)
{
	return ovlctl_fail(OVLCTL_EXIT_USAGE, "annotation %s=\"%s\": %s", key,
			   val, why);
}

/* An absolute path overlayfs can take through an option string. */
static const char *path_problem(const char *v)
{
	if (!*v)
		return "empty value";
	if (*v != '/')
		return "not an absolute path";
	if (strpbrk(v, ",\"\n"))
		return "a ',', '\"' or newline in a layer path cannot be passed to overlayfs safely";
	return NULL;
}

static int parse_bool(const char *key, const char *v, bool *out)
{
	if (!strcmp(v, "true"))
		*out = true;
	else if (!strcmp(v, "false"))
		*out = false;
	else
		return bad(key, v, "true or false expected");
	return 0;
}

/* The colon list of dev.ovlvol.lower, split in place in a copy. */
static int parse_lower_list(struct ovlctl_oci *o, const char *key,
			    const char *v, char **copy)
{
	char *s, *tok;
	const char *why;

	if (!*v)
		return bad(key, v, "empty value");
	*copy = strdup(v);
	if (!*copy)
		return ovlctl_fail(OVLCTL_EXIT_ERROR, "out of memory");
	/* strtok_r would merge "a::b"; an empty element is an error. */
	for (s = *copy; s; s = tok) {
		tok = strchr(s, ':');
		if (tok)
			*tok++ = '\0';
		why = path_problem(s);
		if (why)
			return bad(key, v, why);
		if (o->nlowers == OVLCTL_OCI_MAX_LOWERS)
			return bad(key, v, "too many lower dirs");
		o->lowers[o->nlowers++] = s;
	}
	return 0;
}

/* dev.ovlvol.lower.N: N in 0..63, no sign, no leading zero. */
static int lower_index(const char *s)
{
	char *end;
	long n;

	if (!*s || (s[0] == '0' && s[1]) || *s < '0' || *s > '9')
		return -1;
	n = strtol(s, &end, 10);
	if (*end || n < 0 || n >= OVLCTL_OCI_MAX_LOWERS)
		return -1;
	return (int)n;
}

static int ours(struct ovlctl_oci *o, const char *key, const char *v,
		const char **indexed, char **lower_copy)
{
	const char *k = key + strlen(OVLCTL_ANN_PREFIX), *why;
	int i;

	o->ours = true;
	if (!strcmp(k, "upper") || !strcmp(k, "work")) {
		why = path_problem(v);
		if (why)
			return bad(key, v, why);
		*(!strcmp(k, "upper") ? &o->upper : &o->work) = v;
		return 0;
	}
	if (!strcmp(k, "lower"))
		return parse_lower_list(o, key, v, lower_copy);
	if (!strncmp(k, "lower.", 6)) {
		i = lower_index(k + 6);
		if (i < 0)
			return bad(key, v,
				   "the index of lower.N must be 0 to 63");
		why = path_problem(v);
		if (why)
			return bad(key, v, why);
		indexed[i] = v;
		return 0;
	}
	if (!strcmp(k, "on-invalid")) {
		if (!strcmp(v, "discard"))
			o->discard = true;
		else if (strcmp(v, "refuse"))
			return bad(key, v, "refuse or discard expected");
		return 0;
	}
	if (!strcmp(k, "volatile"))
		return parse_bool(key, v, &o->want_volatile);
	if (!strcmp(k, "seal"))
		return parse_bool(key, v, &o->seal);
	if (!strcmp(k, "userxattr"))
		return parse_bool(key, v, &o->userxattr);
	if (!strcmp(k, "options")) {
		if (!*v)
			return bad(key, v, "empty value");
		o->options = v;
		return 0;
	}
	return ovlctl_fail(
		OVLCTL_EXIT_USAGE,
		"unknown annotation %s (known: upper, work, lower, lower.N, on-invalid, volatile, seal, userxattr, options)",
		key);
}

/* An overlay medium of runsc: "", memory, self or dir=/abs. */
static bool medium_ok(const char *m)
{
	return !*m || !strcmp(m, "memory") || !strcmp(m, "self") ||
	       (!strncmp(m, "dir=", 4) && m[4] == '/');
}

/* --overlay2: none, or {root|all}:{medium}. */
static bool overlay2_ok(const char *v)
{
	const char *colon = strchr(v, ':');

	if (!strcmp(v, "none"))
		return true;
	if (!colon || strchr(colon + 1, ':'))
		return false;
	if (strncmp(v, "root:", 5) && strncmp(v, "all:", 4))
		return false;
	return *(colon + 1) && medium_ok(colon + 1);
}

static int gvisor_rootfs(struct ovlctl_oci *o, const char *key, const char *v)
{
	const char *k = key + strlen(GVISOR_ROOTFS_PREFIX);

	if (!strcmp(k, "source")) {
		if (*v != '/')
			return bad(key, v, "gVisor wants an absolute path");
		o->rootfs_replaced = true;
	} else if (!strcmp(k, "lowerdirs")) {
		if (!*v || *v != '/' || strstr(v, ":/") != strstr(v, ":") ||
		    v[strlen(v) - 1] == ':')
			return bad(
				key, v,
				"gVisor wants a colon list of absolute paths");
		o->rootfs_replaced = true;
	} else if (!strcmp(k, "type")) {
		if (strcmp(v, "erofs") && strcmp(v, "bind"))
			return bad(key, v, "gVisor accepts erofs or bind");
	} else if (!strcmp(k, "overlay")) {
		if (!medium_ok(v))
			return bad(key, v,
				   "gVisor accepts memory, self or dir=/abs");
		o->rootfs_overlay = v;
	} else if (!strcmp(k, "options")) {
		if (strncmp(v, "size=", 5) || strchr(v, ','))
			return bad(key, v, "gVisor accepts size=VALUE");
	} else {
		return ovlctl_fail(
			OVLCTL_EXIT_USAGE,
			"unknown gVisor rootfs annotation %s (gVisor knows source, lowerdirs, type, overlay, options)",
			key);
	}
	return 0;
}

static int gvisor_mount(struct ovlctl_oci *o, const char *key, const char *v)
{
	const char *rest = key + strlen(GVISOR_MOUNT_PREFIX);
	const char *dot = strchr(rest, '.'), *field;

	if (!dot || dot == rest || strchr(dot + 1, '.') || !dot[1])
		return ovlctl_fail(
			OVLCTL_EXIT_USAGE,
			"malformed gVisor mount annotation %s: %sNAME.FIELD expected",
			key, GVISOR_MOUNT_PREFIX);
	field = dot + 1;
	if (!strcmp(field, "source")) {
		if (!*v)
			return bad(key, v, "empty mount source");
	} else if (!strcmp(field, "type")) {
		if (strcmp(v, "tmpfs") && strcmp(v, "bind"))
			return bad(key, v, "gVisor accepts tmpfs or bind");
	} else if (!strcmp(field, "share")) {
		if (strcmp(v, "container") && strcmp(v, "pod") &&
		    strcmp(v, "shared"))
			return bad(key, v,
				   "gVisor accepts container, pod or shared");
	} else if (strcmp(field, "options")) {
		return ovlctl_fail(
			OVLCTL_EXIT_USAGE,
			"unknown gVisor mount annotation field in %s (gVisor knows source, type, share, options)",
			key);
	}
	ovlctl_log(OVLCTL_INFO, "gVisor mount hint %.*s: %s=%s",
		   (int)(dot - rest), rest, field, v);
	o->gvisor_mount_hints++;
	return 0;
}

int ovlctl_oci_annotations(struct ovlctl_oci *o, json_object *ann)
{
	const char *indexed[OVLCTL_OCI_MAX_LOWERS] = { NULL };
	char *lower_copy = NULL;
	bool list = false;
	size_t i, n = 0;
	int ret = 0;

	o->want_volatile = true;
	if (!ann)
		return 0;
	if (!json_object_is_type(ann, json_type_object))
		return ovlctl_fail(
			OVLCTL_EXIT_ERROR,
			"annotations: a JSON object expected, not %s",
			json_type_to_name(json_object_get_type(ann)));
	/* A container without ours is none of ovlctl's business. */
	json_object_object_foreach(ann, k0, v0)
	{
		(void)v0;
		if (!strncmp(k0, OVLCTL_ANN_PREFIX, strlen(OVLCTL_ANN_PREFIX)))
			o->ours = true;
	}
	if (!o->ours)
		return 0;
	json_object_object_foreach(ann, key, val)
	{
		bool mine = !strncmp(key, OVLCTL_ANN_PREFIX,
				     strlen(OVLCTL_ANN_PREFIX));
		bool gv = !strncmp(key, "dev.gvisor.", 11);
		const char *v;

		if (!mine && !gv)
			continue;
		if (!json_object_is_type(val, json_type_string)) {
			ret = ovlctl_fail(OVLCTL_EXIT_USAGE,
					  "annotation %s: a string expected",
					  key);
			break;
		}
		v = json_object_get_string(val);
		if (mine) {
			if (!strcmp(key, OVLCTL_ANN_PREFIX "lower"))
				list = true;
			ret = ours(o, key, v, indexed, &lower_copy);
		} else if (!strncmp(key, GVISOR_ROOTFS_PREFIX,
				    strlen(GVISOR_ROOTFS_PREFIX))) {
			ret = gvisor_rootfs(o, key, v);
		} else if (!strncmp(key, GVISOR_MOUNT_PREFIX,
				    strlen(GVISOR_MOUNT_PREFIX))) {
			ret = gvisor_mount(o, key, v);
		} else if (!strcmp(key, GVISOR_OVERLAY2_ANN)) {
			if (!overlay2_ok(v))
				ret = bad(
					key, v,
					"runsc wants none or {root|all}:{memory|self|dir=/abs}");
			o->overlay2_ann = v;
		}
		if (ret)
			break;
	}
	/* The copy of the colon list lives as long as @o. */
	if (lower_copy) {
		free(o->lower_buf);
		o->lower_buf = lower_copy;
	}
	if (ret)
		return ret;
	for (i = 0; i < OVLCTL_OCI_MAX_LOWERS; i++)
		if (indexed[i])
			n = i + 1;
	if (n && list)
		return ovlctl_fail(
			OVLCTL_EXIT_USAGE,
			"annotations %slower and %slower.N exclude each other",
			OVLCTL_ANN_PREFIX, OVLCTL_ANN_PREFIX);
	for (i = 0; i < n; i++) {
		if (!indexed[i])
			return ovlctl_fail(OVLCTL_EXIT_USAGE,
					   "annotation %slower.%zu is missing",
					   OVLCTL_ANN_PREFIX, i);
		o->lowers[o->nlowers++] = indexed[i];
	}
	if (o->ours && !o->work)
		return ovlctl_fail(
			OVLCTL_EXIT_USAGE,
			"annotation %swork is required with any other %s* annotation",
			OVLCTL_ANN_PREFIX, OVLCTL_ANN_PREFIX);
	if (o->ours && o->rootfs_replaced)
		return ovlctl_fail(
			OVLCTL_EXIT_USAGE,
			"%ssource/lowerdirs make gVisor mount another rootfs than root.path: the overlay ovlctl mounts there would not be the container's root",
			GVISOR_ROOTFS_PREFIX);
	return 0;
}

/*
 * ovlctl_read_all() - read @fd to its end, at most @max bytes
 * Returns a malloc()ed NUL-terminated buffer and its length in @len, or
 * NULL with errno set (EFBIG when there is more than @max).
 */
char *ovlctl_read_all(int fd, size_t max, size_t *len)
{
	size_t cap = 0, n = 0;
	char *buf = NULL, *nb;
	ssize_t r;

	for (;;) {
		if (n + 1 >= cap) {
			cap = cap ? 2 * cap : 8192;
			if (cap > max + 1) {
				errno = EFBIG;
				break;
			}
			nb = realloc(buf, cap);
			if (!nb)
				break;
			buf = nb;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		if (!r) {
			buf[n] = '\0';
			*len = n;
			return buf;
		}
		n += r;
	}
	r = errno;
	free(buf);
	errno = r;
	return NULL;
}

/* Read a whole small file. A malloc()ed NUL-terminated buffer, or NULL. */
static char *slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	char *buf;
	int err;

	if (fd < 0)
		return NULL;
	buf = ovlctl_read_all(fd, CONFIG_MAX, len);
	err = errno;
	close(fd);
	errno = err;
	return buf;
}

/*
 * The members of every object in a document json-c accepted, counted in
 * its text: a string followed by ':' is a key (strings are skipped whole,
 * escapes included, so a ':' inside one is not). json-c has no duplicate
 * key check; fewer members in the tree than here means a key came twice.
 * A single quote outside a string (json-c's leniency) counts as a mismatch.
 */
static size_t text_keys(const char *buf, size_t len)
{
	size_t i = 0, n = 0;

	while (i < len) {
		/* json-c also takes 'key': strict JSON has no such thing */
		if (buf[i] == '\'')
			return (size_t)-1;
		if (buf[i++] != '"')
			continue;
		while (i < len && buf[i] != '"')
			i += buf[i] == '\\' ? 2 : 1;
		i++;
		while (i < len && strchr(" \t\r\n", buf[i]) && buf[i])
			i++;
		if (i < len && buf[i] == ':')
			n++;
	}
	return n;
}

static size_t tree_keys(json_object *o)
{
	size_t n = 0, i;

	if (json_object_is_type(o, json_type_array)) {
		for (i = 0; i < json_object_array_length(o); i++)
			n += tree_keys(json_object_array_get_idx(o, i));
	} else if (json_object_is_type(o, json_type_object)) {
		json_object_object_foreach(o, k, v)
		{
			(void)k;
			n += 1 + tree_keys(v);
		}
	}
	return n;
}

/* Strict JSON: one value and nothing after it but white space. */
json_object *ovlctl_json_parse(const char *buf, size_t len, const char **why)
{
	struct json_tokener *tok = json_tokener_new();
	json_object *o;
	size_t end;

	*why = "out of memory";
	if (!tok)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, buf, (int)len);
	if (!o) {
		enum json_tokener_error e = json_tokener_get_error(tok);

		*why = e == json_tokener_continue ? "unexpected end of input" :
						    json_tokener_error_desc(e);
		json_tokener_free(tok);
		return NULL;
	}
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	/* strchr() would find the terminating NUL: a NUL is not white space */
	for (; end < len; end++) {
		if (!buf[end] || !strchr(" \t\r\n", buf[end])) {
			*why = "trailing data after the JSON value";
			json_object_put(o);
			return NULL;
		}
	}
	/* json-c keeps the last of two equal keys: two readers, two values */
	if (text_keys(buf, len) != tree_keys(o)) {
		*why = "a duplicate key in an object";
		json_object_put(o);
		return NULL;
	}
	return o;
}

/*
 * A config.json we cannot parse (over our size cap, deeper than json-c
 * goes, or malformed) is none of ovlctl's business only if no key in it
 * can be one of ours: its text has no "dev.ovlvol." and no \u escape
 * (which could spell it). Read in chunks, without a size limit.
 */
static bool cannot_be_ours(const char *file)
{
	static const char *const pats[] = { OVLCTL_ANN_PREFIX, "\\u" };
	char buf[65536 + 16];
	size_t have = 0, i;
	bool found = false;
	ssize_t n;
	int fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return false;
	while (!found && (n = read(fd, buf + have, sizeof(buf) - have)) > 0) {
		have += n;
		for (i = 0; i < sizeof(pats) / sizeof(pats[0]) && !found; i++)
			found = memmem(buf, have, pats[i], strlen(pats[i]));
		/* Keep a tail: a pattern may straddle two reads */
		if (have > 15) {
			memmove(buf, buf + have - 15, 15);
			have = 15;
		}
	}
	close(fd);
	return n == 0 && !found;
}

int ovlctl_oci_load(struct ovlctl_oci *o, const char *bundle,
		    const char *config_name, json_object *ann_override)
{
	json_object *root, *path, *ann = NULL;
	char *file, *buf;
	const char *why, *rp;
	size_t len;
	int ret, rerr;

	memset(o, 0, sizeof(*o));
	o->want_volatile = true;
	o->bundle = strdup(bundle);
	if (!config_name)
		config_name = "config.json";
	if (!o->bundle ||
	    asprintf(&file, "%s%s%s", *config_name == '/' ? "" : bundle,
		     *config_name == '/' ? "" : "/", config_name) < 0)
		return ovlctl_fail(OVLCTL_EXIT_ERROR, "out of memory");
	buf = slurp(file, &len);
	rerr = buf ? 0 : errno;
	why = buf ? NULL : strerror(rerr);
	if (buf) {
		o->config = ovlctl_json_parse(buf, len, &why);
		free(buf);
	}
	if (!o->config && !ann_override && rerr != ENOENT &&
	    cannot_be_ours(file)) {
		/* Too big or too deep for us: the real runtime decides */
		ovlctl_log(OVLCTL_DEBUG,
			   "%s: %s, and no %s* key in it: not ovlctl's", file,
			   why, OVLCTL_ANN_PREFIX);
		free(file);
		return 0;
	}
	if (!o->config || !json_object_is_type(o->config, json_type_object)) {
		ret = ovlctl_fail(OVLCTL_EXIT_ERROR, "%s: %s", file,
				  o->config ? "a JSON object expected" : why);
		free(file);
		return ret;
	}
	if (ann_override)
		ann = ann_override;
	else
		json_object_object_get_ex(o->config, "annotations", &ann);
	ret = ovlctl_oci_annotations(o, ann);
	if (ret) {
		free(file);
		return ret;
	}
	if (!json_object_object_get_ex(o->config, "root", &root) ||
	    !json_object_is_type(root, json_type_object) ||
	    !json_object_object_get_ex(root, "path", &path) ||
	    !json_object_is_type(path, json_type_string) ||
	    !*(rp = json_object_get_string(path))) {
		/* Only a container of ours needs a root.path. */
		ret = o->ours ? ovlctl_fail(OVLCTL_EXIT_ERROR,
					    "%s: no root.path string", file) :
				0;
		free(file);
		return ret;
	}
	free(file);
	if (strchr(rp, '\n'))
		return ovlctl_fail(OVLCTL_EXIT_USAGE,
				   "root.path: a newline in the path");
	if (*rp == '/')
		o->root = strdup(rp);
	else if (asprintf(&o->root, "%s/%s", bundle, rp) < 0)
		o->root = NULL;
	if (!o->root)
		return ovlctl_fail(OVLCTL_EXIT_ERROR, "out of memory");
	return 0;
}

void ovlctl_oci_free(struct ovlctl_oci *o)
{
	if (o->config)
		json_object_put(o->config);
	free(o->bundle);
	free(o->root);
	free(o->lower_buf);
	memset(o, 0, sizeof(*o));
}

void ovlctl_oci_pair(const struct ovlctl_oci *o, struct ovlctl_pair_opts *p)
{
	size_t i;

	memset(p, 0, sizeof(*p));
	p->upper = o->upper;
	p->work = o->work;
	for (i = 0; i < o->nlowers; i++)
		p->lowers[i] = o->lowers[i];
	p->nlowers = o->nlowers;
	p->options = o->options;
	p->userxattr = o->userxattr;
	p->want_volatile = o->want_volatile;
}

int ovlctl_gvisor_mode(struct ovlctl_gvisor *g, const char *real,
		       const char *flag, const struct ovlctl_oci *o)
{
	const char *base = strrchr(real, '/'), *mode = NULL, *colon;

	memset(g, 0, sizeof(*g));
	base = base ? base + 1 : real;
	g->is_gvisor = !strncmp(base, "runsc", 5) || flag || o->overlay2_ann;
	if (!g->is_gvisor)
		return 0;
	if (flag && !overlay2_ok(flag))
		return ovlctl_fail(
			OVLCTL_EXIT_USAGE,
			"runsc --overlay2=%s: none or {root|all}:{memory|self|dir=/abs} expected",
			flag);
	if (o->overlay2_ann) {
		mode = o->overlay2_ann;
		g->from = "annotation " GVISOR_OVERLAY2_ANN;
		if (flag && strcmp(flag, mode))
			ovlctl_log(
				OVLCTL_WARN,
				"runsc --overlay2=%s and %s=%s disagree: runsc honours the annotation only with --allow-flag-override; assuming the annotation",
				flag, GVISOR_OVERLAY2_ANN, mode);
	} else if (flag) {
		mode = flag;
		g->from = "runsc flag --overlay2";
	} else {
		mode = "root:self";
		g->from = "runsc's default";
	}
	snprintf(g->mode, sizeof(g->mode), "%s", mode);
	colon = strchr(g->mode, ':');
	g->self = colon && !strcmp(colon + 1, "self");
	/* A rootfs hint's overlay medium replaces the root's medium. */
	if (o->rootfs_overlay && strcmp(g->mode, "none")) {
		snprintf(g->mode + (colon - g->mode) + 1,
			 sizeof(g->mode) - (colon - g->mode) - 1, "%s",
			 o->rootfs_overlay);
		g->from = "annotation " GVISOR_ROOTFS_PREFIX "overlay";
		g->self = !strcmp(o->rootfs_overlay, "self");
		if (!*o->rootfs_overlay)
			snprintf(g->mode, sizeof(g->mode), "none");
	}
	return 0;
}

void ovlctl_gvisor_warn(const struct ovlctl_gvisor *g, const char *upper)
{
	if (!g->is_gvisor || !strcmp(g->mode, "none"))
		return;
	ovlctl_log(
		OVLCTL_WARN,
		"gVisor overlay2=%s (%s): the container's writes land in the sentry's overlay%s, not in the host upper %s; a host-side reuse keeps only %s. Run runsc with --overlay2=none for the writes to reach the upper",
		g->mode, g->from,
		g->self ? ", backed by a " GVISOR_FILESTORE_PREFIX
			  "<sandbox-id> filestore file in the rootfs" :
			  "",
		upper ? upper : "(recorded)",
		g->self ? "that filestore" : "the image, not the writes");
}

int ovlctl_filestore_clean(int upper_fd, const char *upper)
{
	int dfd, fd, removed = 0, err = 0;
	struct dirent *de;
	struct stat sb;
	DIR *d;

	/* The dir the verdict checked, never its path again */
	dfd = dup(upper_fd);
	if (dfd < 0)
		return -errno;
	fd = dup(dfd);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		err = -errno;
		if (fd >= 0)
			close(fd);
		close(dfd);
		return err;
	}
	while ((de = readdir(d))) {
		const char *name = de->d_name;
		int f;

		if (strncmp(name, GVISOR_FILESTORE_PREFIX,
			    strlen(GVISOR_FILESTORE_PREFIX)))
			continue;
		/*
		 * Beneath, no symlink, no other mount: or leave it. O_PATH
		 * opens nothing (a FIFO's open could wait for a writer, a
		 * device's has effects): the type is checked on the handle.
		 */
		f = ovlctl_open_beneath(dfd, name, O_PATH);
		if (f < 0 || fstat(f, &sb) || !S_ISREG(sb.st_mode)) {
			ovlctl_log(
				OVLCTL_WARN,
				"%s/%s: not a regular file of this filesystem (%s): left alone",
				upper, name,
				f < 0 ? strerror(-f) : "another file type");
			if (f >= 0)
				close(f);
			continue;
		}
		close(f);
		if (unlinkat(dfd, name, 0)) {
			err = -errno;
			ovlctl_log(OVLCTL_ERROR, "removing %s/%s: %s", upper,
				   name, strerror(errno));
			continue;
		}
		ovlctl_log(
			OVLCTL_WARN,
			"removed the stale gVisor filestore %s/%s (%lld bytes)",
			upper, name, (long long)sb.st_size);
		removed++;
	}
	closedir(d);
	close(dfd);
	return err ? err : removed;
}

int ovlctl_oci_overlay_at(const char *target)
{
	struct ovlctl_mount *m;
	struct stat self;
	size_t n, i;
	int ret, found = 0;

	if (stat("/proc/self/ns/mnt", &self))
		return -errno;
	ret = ovlctl_overlay_mounts_here(&m, &n);
	if (ret)
		return ret;
	for (i = 0; i < n && !found; i++)
		found = m[i].mntns == self.st_ino && m[i].target &&
			!strcmp(m[i].target, target);
	ovlctl_free_mounts(m, n);
	return found;
}

static bool same(const struct ovlctl_dirid *a, const struct ovlctl_dirid *b)
{
	return a->valid && b->valid && a->dev == b->dev && a->ino == b->ino;
}

int ovlctl_oci_verify_mount(const struct ovlctl_oci *o, const char *target)
{
	struct ovlctl_dirid want_upper = { 0 }, want_work = { 0 };
	struct ovlctl_mount *m = NULL, *hit = NULL;
	struct statx stx;
	struct stat self;
	size_t n = 0, i;
	int ret;

	if (ovlctl_dirid(o->work, &want_work))
		return ovlctl_fail(OVLCTL_EXIT_ERROR, "workdir %s: %s", o->work,
				   strerror(errno));
	if (o->upper && ovlctl_dirid(o->upper, &want_upper))
		return ovlctl_fail(OVLCTL_EXIT_ERROR, "upperdir %s: %s",
				   o->upper, strerror(errno));
	if (statx(AT_FDCWD, target, AT_NO_AUTOMOUNT, STATX_MNT_ID, &stx) ||
	    !(stx.stx_mask & STATX_MNT_ID))
		return ovlctl_fail(OVLCTL_EXIT_ERROR,
				   "root.path %s: no mount id: %s", target,
				   strerror(errno));
	if (stat("/proc/self/ns/mnt", &self))
		return ovlctl_fail(OVLCTL_EXIT_ERROR, "/proc/self/ns/mnt: %s",
				   strerror(errno));
	ret = ovlctl_overlay_mounts_here(&m, &n);
	if (ret)
		return ovlctl_fail(OVLCTL_EXIT_ERROR, "reading mounts: %s",
				   strerror(-ret));
	for (i = 0; i < n; i++)
		if (m[i].mntns == self.st_ino &&
		    (uint64_t)m[i].mnt_id == stx.stx_mnt_id && m[i].target &&
		    !strcmp(m[i].target, target))
			hit = &m[i];
	if (!hit)
		ret = ovlctl_fail(
			OVLCTL_EXIT_ERROR,
			"root.path %s is not an overlay mount point (the mount on top of it is not an overlay, or nothing is mounted)",
			target);
	else if (!same(&hit->work_id, &want_work))
		ret = ovlctl_fail(
			OVLCTL_EXIT_ERROR,
			"root.path %s: the overlay's workdir %s is not %s%s",
			target, hit->work ? hit->work : "(none)", o->work,
			hit->work_id.valid ? "" : " (it does not resolve)");
	else if (o->upper && !same(&hit->upper_id, &want_upper))
		ret = ovlctl_fail(
			OVLCTL_EXIT_ERROR,
			"root.path %s: the overlay's upperdir %s is not %s%s",
			target, hit->upper ? hit->upper : "(none)", o->upper,
			hit->upper_id.valid ? "" : " (it does not resolve)");
	else if (hit->is_volatile != o->want_volatile)
		ret = ovlctl_fail(
			OVLCTL_EXIT_ERROR,
			"root.path %s: the overlay is %svolatile, the annotations ask for %svolatile",
			target, hit->is_volatile ? "" : "not ",
			o->want_volatile ? "" : "not ");
	ovlctl_free_mounts(m, n);
	return ret;
}

int ovlctl_oci_call(int (*fn)(int, char **), int argc, char **argv)
{
	int saved, ret;

	fflush(stdout);
	saved = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	if (saved >= 0)
		dup2(STDERR_FILENO, STDOUT_FILENO);
	optind = 0;
	ret = fn(argc, argv);
	fflush(stdout);
	if (saved >= 0) {
		dup2(saved, STDOUT_FILENO);
		close(saved);
	}
	return ret;
}
