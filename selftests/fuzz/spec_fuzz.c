// SPDX-License-Identifier: GPL-2.0
/*
 * The mount spec recorded on a workdir (the ovlctl.spec xattr, JSON) ->
 * the checks ovlctl_state_gather() applies to a record -> the option
 * string `ovlctl mount` hands to libmount -> what libmount and overlayfs
 * take from it. The input is the xattr's value, read by spec_read()
 * (static: state.c is compiled into this target). Property: what would be
 * mounted is exactly what was recorded: one lowerdir, one upperdir, one
 * workdir, with the recorded paths (lowerdir split on unescaped ':', '\'
 * unescaped, as overlayfs does), no option token overlayfs would split
 * further, and no mount flag that changes what the mount is (bind,
 * remount, propagation, a helper...).
 *
 * No filesystem is touched: fgetxattr() returns the input; realpath()
 * takes a recorded path as already resolved (absolute, canonical) and
 * open() gives a private temporary directory.
 */
#undef _FORTIFY_SOURCE
#define fgetxattr fuzz_fgetxattr
#define realpath fuzz_realpath
#define open fuzz_open
#include "../../tools/ovlctl/state.c"
#undef fgetxattr
#undef realpath
#undef open

#include "fuzz.h"

static const uint8_t *cur;
static size_t cur_len;
static int dir_fd = -1;

ssize_t fuzz_fgetxattr(int fd, const char *name, void *value, size_t size)
{
	(void)fd;
	(void)name;
	if (cur_len > size) {
		errno = ERANGE;
		return -1;
	}
	memcpy(value, cur, cur_len);
	return cur_len;
}

char *fuzz_realpath(const char *path, char *resolved)
{
	if (resolved)
		fuzz_fail("realpath into a caller's buffer");
	return strdup(path);
}

int fuzz_open(const char *path, int flags, ...)
{
	(void)path;
	(void)flags;
	return fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	dir_fd = openat(AT_FDCWD, fuzz_tmpdir(),
			O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0)
		fuzz_fail("%s: %s", fuzz_tmpdir(), strerror(errno));
	return 0;
}

/* libmount's flags that make the mount another one than an overlay's. */
static bool flag_option(const char *name, size_t len)
{
	static const char *const flags[] = {
		"bind",	      "rbind",	     "move",   "remount", "shared",
		"rshared",    "slave",	     "rslave", "private", "rprivate",
		"unbindable", "runbindable", "loop",   "helper",
	};
	size_t i;

	if (len >= 8 && !strncasecmp(name, "X-mount.", 8))
		return true;
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (strlen(flags[i]) == len && !strncmp(flags[i], name, len))
			return true;
	return false;
}

/* @len bytes of an overlayfs path value without its '\' escapes. */
static char *unescape(const char *s, size_t len)
{
	char *out = malloc(len + 1), *d = out;
	size_t i;

	if (!out)
		fuzz_fail("out of memory");
	for (i = 0; i < len; i++) {
		if (s[i] == '\\' && ++i == len)
			break;
		*d++ = s[i];
	}
	*d = '\0';
	return out;
}

static void same_path(const char *what, const char *want, const char *val,
		      size_t len, const char *opts)
{
	char *got = unescape(val, len);

	if (strcmp(got, want))
		fuzz_fail(
			"%s recorded as '%s' is mounted as '%s' (options '%s')",
			what, want, got, opts);
	free(got);
}

static void same_lowers(const struct ovlctl_spec *s, const char *val,
			size_t len, const char *opts)
{
	size_t i, start = 0, k = 0;
	char what[32];

	for (i = 0; i <= len; i++) {
		if (i < len && val[i] == '\\') {
			i++;
			continue;
		}
		if (i < len && val[i] != ':')
			continue;
		if (k == s->nlowers)
			fuzz_fail(
				"%zu lowers recorded, more mounted (options '%s')",
				s->nlowers, opts);
		snprintf(what, sizeof(what), "lowerdir %zu", k);
		same_path(what, s->lowers[k++].path, val + start, i - start,
			  opts);
		start = i + 1;
	}
	if (k != s->nlowers)
		fuzz_fail("%zu lowers recorded, %zu mounted (options '%s')",
			  s->nlowers, k, opts);
}

static void check(const struct ovlctl_spec *s, const char *opts)
{
	static const char *const layers[] = { "lowerdir", "upperdir",
					      "workdir" };
	char *str = (char *)opts, *name, *val;
	size_t nlen, vlen, i, count[3] = { 0 };
	int rc;

	for (;;) {
		rc = mnt_optstr_next_option(&str, &name, &nlen, &val, &vlen);
		if (rc)
			break;
		/* libmount keeps a quoted ',' in one option; the kernel not. */
		if (memchr(name, ',', val ? (size_t)(val + vlen - name) : nlen))
			fuzz_fail("option '%.*s' holds a ',' (options '%s')",
				  (int)(val ? val + vlen - name : (long)nlen),
				  name, opts);
		if (flag_option(name, nlen))
			fuzz_fail("mount flag '%.*s' (options '%s')", (int)nlen,
				  name, opts);
		for (i = 0; i < 3; i++)
			if (strlen(layers[i]) == nlen &&
			    !strncmp(layers[i], name, nlen))
				count[i]++;
		if ((nlen == 9 && !strncmp(name, "lowerdir+", nlen)) ||
		    (nlen == 8 && !strncmp(name, "datadir+", nlen)))
			fuzz_fail("'%.*s' added (options '%s')", (int)nlen,
				  name, opts);
	}
	/*
	 * A string libmount cannot split is refused whole by
	 * mnt_context_set_options(): the mount then has no lowerdir, and
	 * overlayfs refuses it. (An unbalanced '"' is no such error: libmount
	 * just stops there, and what came before is mounted.)
	 */
	if (rc < 0)
		return;
	for (i = 0; i < 3; i++)
		if (count[i] != 1)
			fuzz_fail("%s given %zu times (options '%s')",
				  layers[i], count[i], opts);
	if (mnt_optstr_get_option(opts, "upperdir", &val, &vlen))
		fuzz_fail("no upperdir in '%s'", opts);
	same_path("upperdir", s->upper.path, val, vlen, opts);
	if (mnt_optstr_get_option(opts, "workdir", &val, &vlen))
		fuzz_fail("no workdir in '%s'", opts);
	same_path("workdir", s->work.path, val, vlen, opts);
	if (mnt_optstr_get_option(opts, "lowerdir", &val, &vlen))
		fuzz_fail("no lowerdir in '%s'", opts);
	same_lowers(s, val, vlen, opts);
}

/*
 * What ovlctl_state_gather() makes of a record when the caller names only
 * the workdir: the recorded layers resolved and checked as the caller's
 * own would be (recorded_layer()), the recorded options through the -o
 * check, a record without lowers refused. Keep in step with it. 0 when
 * the record would be mounted.
 */
static int gather(const struct ovlctl_spec *rec, struct ovlctl_spec *s)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	s->upper.fd = s->work.fd = -1;
	s->work.path = strdup("/var/lib/ovlctl/work");
	s->lowers = layers_new(rec->nlowers);
	if (!s->work.path || !s->lowers)
		fuzz_fail("out of memory");
	if (!rec->nlowers ||
	    recorded_layer(rec, &rec->upper, &s->upper, "upperdir", false))
		return -1;
	for (i = 0; i < rec->nlowers; i++, s->nlowers++)
		if (recorded_layer(rec, &rec->lowers[i], &s->lowers[i],
				   "lowerdir", true))
			return -1;
	if (rec->options) {
		if (ovlctl_check_options(NULL, rec->options, rec->confined,
					 OVLCTL_EXIT_ERROR))
			return -1;
		s->options = strdup(rec->options);
		if (!s->options)
			fuzz_fail("out of memory");
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ovlctl_spec rec, s;
	const char *why = NULL;
	char *opts;
	int v;

	cur = data;
	cur_len = size;
	if (spec_read(-1, false, &rec, &why))
		return 0;
	if (!gather(&rec, &s)) {
		for (v = 0; v < 2; v++) {
			s.userxattr = v;
			opts = ovlctl_spec_options(&s, !v);
			if (!opts)
				fuzz_fail("no option string");
			check(&s, opts);
			free(opts);
		}
	}
	spec_free(&s);
	spec_free(&rec);
	return 0;
}
