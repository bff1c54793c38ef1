// SPDX-License-Identifier: GPL-2.0
/*
 * Restarts of volatile overlays through ovlctl, in every guest: with the
 * patched kernel (OVLVOL_KIND=patched) the kernel keeps the checkpoint on
 * work/incompat/volatile and enforces the verdict; with the ovlvol module on
 * a stock kernel (OVLVOL_KIND=stock, loaded here when it is not) ovlctl keeps
 * its checkpoint on the workdir and enforces the verdict itself.
 *
 * - restart: ten restarts naming only --work and the target, every byte
 *   checked against checksums recorded when it was written;
 * - verdict: every row of ovl_volatile_case_table.h produced for real through
 *   "ovlctl -J mount": exit status, JSON reason, and a refusal changes
 *   nothing; "ovlctl gc" reports the pair as that verdict says;
 * - cli: lower-changed, --on-invalid=discard, list across mount namespaces,
 *   concurrent mounts of one workdir, hostile paths, userxattr, no root.
 *
 * Where ovlctl has no authority (a stock kernel without the module) every
 * test SKIPs and says so.
 */
#include <ctype.h>
#include <pthread.h>
#include <sched.h>
#include <errno.h>
#include <stdio.h>
#include <grp.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <dirent.h>

#include <json-c/json.h>

#include "kselftest_harness.h"
#include "ovl_volatile_test.h"
#include "ovl_volatile_cases.h"
#include "ovlvol_test.h"

/* ovlctl's exit status */
#define RS_EXIT_OK 0
#define RS_EXIT_USAGE 2
#define RS_EXIT_NOT_REUSABLE 3
#define RS_EXIT_DISCARDED 4
#define RS_EXIT_BUSY 5
#define RS_EXIT_UNSUPPORTED 6

enum rs_authority {
	RS_AUTH_NONE,
	RS_AUTH_KERNEL,
	RS_AUTH_MODULE,
};

#define RS_OUT_MAX 65536
#define RS_MAX_ARGS 24

/* One ovlctl invocation: stdout and stderr, and how it ended. */
struct rs_run {
	pid_t pid;
	int out_fd, err_fd;
	int status; /* exit status, 128 + signal if killed */
	char out[RS_OUT_MAX];
	char err[8192];
};

/* When not 0, ovlctl runs as this uid and gid, without groups. */
static uid_t rs_uid;

static const char *rs_ovlctl(void)
{
	const char *p = getenv("OVLVOL_OVLCTL");

	return p && *p ? p : "/usr/sbin/ovlctl";
}

/*
 * Start ovlctl with @argv (NULL-terminated, without argv[0]). When @gate is
 * a pipe's read end, the child blocks on it until the write end closes, so
 * several invocations can be let go at once.
 */
static int rs_start(struct rs_run *r, const char *const *argv, int gate,
		    int gate_w)
{
	const char *args[RS_MAX_ARGS + 2];
	int n = 0;

	args[n++] = "ovlctl";
	while (*argv && n <= RS_MAX_ARGS)
		args[n++] = *argv++;
	args[n] = NULL;
	r->status = -1;
	r->out[0] = r->err[0] = '\0';
	r->out_fd = memfd_create("ovlctl-out", MFD_CLOEXEC);
	r->err_fd = memfd_create("ovlctl-err", MFD_CLOEXEC);
	if (r->out_fd < 0 || r->err_fd < 0)
		return -errno;
	r->pid = fork();
	if (r->pid < 0)
		return -errno;
	if (!r->pid) {
		char c;

		if (gate >= 0) {
			close(gate_w);
			if (read(gate, &c, 1) < 0)
				_exit(126);
		}
		if (dup2(r->out_fd, 1) < 0 || dup2(r->err_fd, 2) < 0)
			_exit(126);
		if (rs_uid &&
		    (setgroups(0, NULL) || setresgid(rs_uid, rs_uid, rs_uid) ||
		     setresuid(rs_uid, rs_uid, rs_uid)))
			_exit(126);
		execv(rs_ovlctl(), (char **)args);
		_exit(127);
	}
	return 0;
}

static void rs_slurp(int fd, char *buf, size_t len)
{
	ssize_t n = pread(fd, buf, len - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	close(fd);
}

/* Wait for @r; with @nohang, 0 if it still runs. 1 once it ended. */
static int rs_wait(struct rs_run *r, int nohang)
{
	int st;
	pid_t p;

	do
		p = waitpid(r->pid, &st, nohang ? WNOHANG : 0);
	while (p < 0 && errno == EINTR);
	if (p == 0)
		return 0;
	r->status = p < 0	  ? 255 :
		    WIFEXITED(st) ? WEXITSTATUS(st) :
				    128 + WTERMSIG(st);
	rs_slurp(r->out_fd, r->out, sizeof(r->out));
	rs_slurp(r->err_fd, r->err, sizeof(r->err));
	return 1;
}

static struct rs_run rs_last;

/* Run ovlctl to the end; its status. Output in rs_last. */
static int rs_runv(const char *const *argv)
{
	if (rs_start(&rs_last, argv, -1, -1))
		return -1;
	rs_wait(&rs_last, 0);
	return rs_last.status;
}

#define OVLCTL(...) rs_runv((const char *const[]){ __VA_ARGS__, NULL })
#define RS_LOG_LAST                                                      \
	TH_LOG("ovlctl exit %d\nstdout: %s\nstderr: %s", rs_last.status, \
	       rs_last.out, rs_last.err)

/*
 * Find a member "@key" with a string value, depth first through objects
 * and arrays; with @want, one whose value is @want. Copies the value to
 * @val (when not NULL) and returns 1, or returns 0.
 */
static int rs_json_find(json_object *o, const char *key, const char *want,
			char *val, size_t len)
{
	json_object *v;
	size_t i;

	if (json_object_is_type(o, json_type_array)) {
		for (i = 0; i < json_object_array_length(o); i++)
			if (rs_json_find(json_object_array_get_idx(o, i), key,
					 want, val, len))
				return 1;
		return 0;
	}
	if (!json_object_is_type(o, json_type_object))
		return 0;
	if (json_object_object_get_ex(o, key, &v) &&
	    json_object_is_type(v, json_type_string) &&
	    (!want || !strcmp(json_object_get_string(v), want))) {
		if (val)
			snprintf(val, len, "%s", json_object_get_string(v));
		return 1;
	}
	json_object_object_foreach(o, k, child)
	{
		(void)k;
		if (rs_json_find(child, key, want, val, len))
			return 1;
	}
	return 0;
}

/*
 * The JSON values in the text @s (ovlctl -J prints one; the JSON-lines
 * log several): how many, or -1 if @s is not a sequence of JSON values.
 * With @key, also look for a string member "@key" (whose value is @want,
 * when not NULL) in them, depth first: *@found says whether one was, and
 * @val (when not NULL) gets its value.
 */
static int rs_json_scan(const char *s, const char *key, const char *want,
			char *val, size_t len, int *found)
{
	json_tokener *tok = json_tokener_new();
	size_t off = 0, end = strlen(s);
	int n = 0;

	if (found)
		*found = 0;
	if (!tok)
		return -1;
	for (;;) {
		json_object *o;

		while (off < end && isspace((unsigned char)s[off]))
			off++;
		if (off == end)
			break;
		json_tokener_reset(tok);
		o = json_tokener_parse_ex(tok, s + off, end - off);
		if (!o || json_tokener_get_error(tok) != json_tokener_success) {
			json_object_put(o);
			n = -1;
			break;
		}
		off += json_tokener_get_parse_end(tok);
		n++;
		if (key && !*found)
			*found = rs_json_find(o, key, want, val, len);
		json_object_put(o);
	}
	json_tokener_free(tok);
	return n;
}

/* Is "@key" a top-level member of the JSON object @json, and true? */
static int rs_json_true(const char *json, const char *key)
{
	json_object *o = json_tokener_parse(json), *v;
	int ret = o && json_object_object_get_ex(o, key, &v) &&
		  json_object_is_type(v, json_type_boolean) &&
		  json_object_get_boolean(v);

	json_object_put(o);
	return ret;
}

/* The first string member "@key" in the JSON output @json, into @val. */
static int rs_json_str(const char *json, const char *key, char *val, size_t len)
{
	int found;

	return rs_json_scan(json, key, NULL, val, len, &found) > 0 && found ?
		       0 :
		       -ENOENT;
}

/* Does the JSON output @json hold a member "@key" with the value @want? */
static int rs_json_has(const char *json, const char *key, const char *want)
{
	int found;

	return rs_json_scan(json, key, want, NULL, 0, &found) > 0 && found;
}

/* How many JSON values @s holds, -1 if it is not JSON. */
static int rs_json_docs(const char *s)
{
	return rs_json_scan(s, NULL, NULL, NULL, 0, NULL);
}

/* Is @target a mount point in this mount namespace? */
static int rs_is_mounted(const char *target, char *opts, size_t len)
{
	char line[4 * PATH_MAX], mp[PATH_MAX];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int found = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *sep;
		size_t n = 0;
		int i;

		for (i = 0; i < 4 && p; i++) {
			p = strchr(p, ' ');
			if (p)
				p++;
		}
		if (!p)
			continue;
		for (; *p && *p != ' ' && n + 1 < sizeof(mp); p++) {
			unsigned int o;

			if (*p == '\\' && sscanf(p + 1, "%3o", &o) == 1) {
				mp[n++] = o;
				p += 3;
			} else {
				mp[n++] = *p;
			}
		}
		mp[n] = '\0';
		if (strcmp(mp, target))
			continue;
		found = 1;
		sep = strstr(p, " - ");
		if (opts && sep) {
			/* " - fstype source superopts" */
			char *so = strchr(sep + 3, ' ');

			so = so ? strchr(so + 1, ' ') : NULL;
			snprintf(opts, len, "%s", so ? so + 1 : "");
			opts[strcspn(opts, "\n")] = '\0';
		}
	}
	fclose(f);
	return found;
}

/* The authority, as ovlctl sees it; ovlvol loaded here on stock kernels. */
struct rs_auth {
	int kind;
	int loaded; /* we loaded ovlvol: unload it at teardown */
	char reason[256];
};

/*
 * Load ovlvol on a stock kernel if needed, and ask ovlctl which authority
 * it uses. NULL, or why the tests SKIP: ovlctl has no authority.
 */
static const char *rs_auth_setup(struct rs_auth *a)
{
	const char *kind = getenv("OVLVOL_KIND");
	char auth[32];
	int err;

	memset(a, 0, sizeof(*a));
	if (access(rs_ovlctl(), X_OK)) {
		snprintf(a->reason, sizeof(a->reason),
			 "no ovlctl at %s (OVLVOL_OVLCTL)", rs_ovlctl());
		return a->reason;
	}
	if (kind && !strcmp(kind, "stock") && !ovlvol_test_loaded()) {
		err = ovlvol_test_load();
		if (err && err != -EEXIST) {
			snprintf(
				a->reason, sizeof(a->reason),
				"stock kernel and the ovlvol module (OVLVOL_MODULE) does not load: %s",
				strerror(-err));
			return a->reason;
		}
		a->loaded = !err;
	}
	if (OVLCTL("-J", "features") ||
	    rs_json_str(rs_last.out, "authority", auth, sizeof(auth)))
		snprintf(auth, sizeof(auth), "?");
	if (!strcmp(auth, "kernel"))
		a->kind = RS_AUTH_KERNEL;
	else if (!strcmp(auth, "module"))
		a->kind = RS_AUTH_MODULE;
	/* A patched kernel is always its own authority: no SKIP there */
	if (a->kind == RS_AUTH_NONE && !(kind && !strcmp(kind, "patched"))) {
		if (a->loaded)
			ovlvol_test_unload_wait();
		a->loaded = 0;
		snprintf(
			a->reason, sizeof(a->reason),
			"ovlctl reports authority '%s' (OVLVOL_KIND=%s): nothing can be reused",
			auth, kind ? kind : "unset");
		return a->reason;
	}
	return NULL;
}

static void rs_auth_teardown(struct rs_auth *a)
{
	if (a->loaded)
		ovlvol_test_unload_wait();
	a->loaded = 0;
}

/* The authority OVLVOL_KIND promises, or -1 when it is not set. */
static int rs_expected_kind(void)
{
	const char *kind = getenv("OVLVOL_KIND");

	if (!kind)
		return -1;
	return !strcmp(kind, "patched") ? RS_AUTH_KERNEL : RS_AUTH_MODULE;
}

static const char *rs_auth_name(int kind)
{
	return kind == RS_AUTH_KERNEL ? "kernel" :
	       kind == RS_AUTH_MODULE ? "module" :
					"none";
}

/* Where the checkpoint of workdir @work lives for this authority. */
static int rs_ckpt_dir(const struct ovl_case_env *e, const char *work,
		       char *buf)
{
	if (e->kind == RS_AUTH_KERNEL)
		return vt_join(buf, work, OVL_VOLATILE_DIR);
	snprintf(buf, PATH_MAX, "%s", work);
	return 0;
}

static ssize_t rs_ckpt_read(const struct ovl_case_env *e, const char *work,
			    void *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;

	if (e->kind == RS_AUTH_KERNEL)
		return ovl_ckpt_read(work, OVL_TRUSTED_XATTR, buf, len);
	if (rs_ckpt_dir(e, work, path))
		return -ENAMETOOLONG;
	n = getxattr(path, OVL_TRUSTED_XATTR, buf, len);
	return n < 0 ? -errno : n;
}

static int rs_ckpt_write(const struct ovl_case_env *e, const char *work,
			 const void *buf, size_t len)
{
	char path[PATH_MAX];

	if (e->kind == RS_AUTH_KERNEL)
		return ovl_ckpt_write(work, OVL_TRUSTED_XATTR, buf, len);
	if (rs_ckpt_dir(e, work, path))
		return -ENAMETOOLONG;
	return setxattr(path, OVL_TRUSTED_XATTR, buf, len, 0) ? -errno : 0;
}

/* Deterministic file contents: xorshift64 from @seed. */
static void rs_fill(unsigned char *buf, size_t len, uint64_t *state)
{
	size_t i;

	for (i = 0; i < len; i++) {
		uint64_t x = *state;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		*state = x;
		buf[i] = x >> 24;
	}
}

/* FNV-1a, 64 bit. */
static uint64_t rs_hash(uint64_t h, const unsigned char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= buf[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

#define RS_HASH_INIT 0xcbf29ce484222325ULL
#define RS_CHUNK 65536

struct rs_file {
	char name[64];
	off_t size;
	uint64_t hash;
	int gone; /* deleted: must not exist */
};

struct rs_manifest {
	struct rs_file f[160];
	int n;
};

static struct rs_file *rs_find(struct rs_manifest *m, const char *name)
{
	int i;

	for (i = 0; i < m->n; i++)
		if (!strcmp(m->f[i].name, name))
			return &m->f[i];
	if (m->n == (int)ARRAY_SIZE(m->f))
		return NULL;
	memset(&m->f[m->n], 0, sizeof(m->f[0]));
	snprintf(m->f[m->n].name, sizeof(m->f[0].name), "%s", name);
	return &m->f[m->n++];
}

/* Write @size generated bytes to @dir/@name, record its checksum in @m. */
static int rs_write_gen(const char *dir, const char *name, off_t size,
			uint64_t seed, struct rs_manifest *m)
{
	static unsigned char buf[RS_CHUNK];
	uint64_t state = seed * 0x9e3779b97f4a7c15ULL + 1;
	uint64_t h = RS_HASH_INIT;
	int fd = vt_create(dir, name);
	struct rs_file *f;
	off_t done = 0;

	if (fd < 0)
		return fd;
	while (done < size) {
		size_t n = size - done < RS_CHUNK ? size - done : RS_CHUNK;

		rs_fill(buf, n, &state);
		h = rs_hash(h, buf, n);
		if (write(fd, buf, n) != (ssize_t)n) {
			close(fd);
			return -EIO;
		}
		done += n;
	}
	if (close(fd))
		return -errno;
	f = m ? rs_find(m, name) : NULL;
	if (m && !f)
		return -ENOSPC;
	if (f) {
		f->size = size;
		f->hash = h;
		f->gone = 0;
	}
	return 0;
}

/* Size and checksum of @dir/@name; -errno. */
static int rs_hash_file(const char *dir, const char *name, off_t *size,
			uint64_t *hash)
{
	static unsigned char buf[RS_CHUNK];
	int fd = vt_open(dir, name, O_RDONLY);
	uint64_t h = RS_HASH_INIT;
	off_t total = 0;
	ssize_t n;

	if (fd < 0)
		return fd;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		h = rs_hash(h, buf, n);
		total += n;
	}
	close(fd);
	if (n < 0)
		return -errno;
	*size = total;
	*hash = h;
	return 0;
}

/* Every file of @m as recorded, read through @dir. */
static void rs_verify(struct __test_metadata *_metadata, const char *dir,
		      const struct rs_manifest *m, int cycle)
{
	char path[PATH_MAX];
	uint64_t hash;
	struct stat st;
	off_t size;
	int i;

	for (i = 0; i < m->n; i++) {
		const struct rs_file *f = &m->f[i];

		if (f->gone) {
			ASSERT_EQ(0, vt_join(path, dir, f->name));
			EXPECT_EQ(-1, lstat(path, &st))
			TH_LOG("cycle %d: deleted %s is back", cycle, f->name);
			continue;
		}
		ASSERT_EQ(0, rs_hash_file(dir, f->name, &size, &hash))
		TH_LOG("cycle %d: %s unreadable", cycle, f->name);
		EXPECT_EQ(f->size, size)
		TH_LOG("cycle %d: %s has the wrong size", cycle, f->name);
		EXPECT_EQ(f->hash, hash)
		TH_LOG("cycle %d: %s has the wrong checksum", cycle, f->name);
	}
}

static int rs_mkdirs(const char *dir, const char *rel)
{
	char path[PATH_MAX], *p;

	if (vt_join(path, dir, rel))
		return -ENAMETOOLONG;
	for (p = path + strlen(dir) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(path, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

/* The lower files, and that lower-gone is hidden by a whiteout. */
static void rs_check_lower(struct __test_metadata *_metadata,
			   const struct ovl_case_env *e, const char *merged,
			   int whiteout)
{
	char path[PATH_MAX];
	struct stat st;

	EXPECT_EQ(0, vt_check_file(merged, "from-lower", "L"));
	EXPECT_EQ(0, vt_check_file(merged, "ldir/deep", "D"));
	ASSERT_EQ(0, vt_join(path, merged, "lower-gone"));
	if (whiteout) {
		EXPECT_EQ(-1, lstat(path, &st))
		TH_LOG("the whiteout no longer hides lower-gone");
		ASSERT_EQ(0, vt_join(path, e->l.upper, "lower-gone"));
		ASSERT_EQ(0, lstat(path, &st));
		EXPECT_TRUE(S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0))
		TH_LOG("upper/lower-gone is not a whiteout");
	} else {
		EXPECT_EQ(0, vt_check_file(merged, "lower-gone", "G"));
	}
}

/* A digest of what the upper dir holds, to compare before and after. */
static uint64_t rs_upper_digest(const char *upper)
{
	static const char *const names[] = { "a", "big", "tree/x/y/leaf",
					     "lower-gone" };
	uint64_t d = RS_HASH_INIT, hash;
	char path[PATH_MAX];
	struct stat st;
	unsigned int i;
	off_t size;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		uint64_t rec[4] = { 0 };

		if (!vt_join(path, upper, names[i]) && !lstat(path, &st)) {
			rec[0] = st.st_mode;
			rec[1] = st.st_rdev;
			if (S_ISREG(st.st_mode) &&
			    !rs_hash_file(upper, names[i], &size, &hash)) {
				rec[2] = size;
				rec[3] = hash;
			}
		}
		d = rs_hash(d, (const unsigned char *)rec, sizeof(rec));
	}
	return d;
}

/* The data every verdict case writes before its action. */
static void rs_write_data(struct __test_metadata *_metadata, const char *dir,
			  struct rs_manifest *m)
{
	char path[PATH_MAX];

	ASSERT_EQ(0, rs_write_gen(dir, "a", 5, 1, m));
	ASSERT_EQ(0, rs_write_gen(dir, "big", 200000, 2, m));
	ASSERT_EQ(0, rs_mkdirs(dir, "tree/x/y"));
	ASSERT_EQ(0, rs_write_gen(dir, "tree/x/y/leaf", 4097, 3, m));
	ASSERT_EQ(0, vt_join(path, dir, "lower-gone"));
	ASSERT_EQ(0, unlink(path));
}

/* ovlctl -J mount, fresh, with every layer named. */
static void rs_mount_fresh(struct __test_metadata *_metadata,
			   const struct ovl_case_env *e, const char *merged)
{
	char auth[32];

	ASSERT_EQ(RS_EXIT_OK,
		  OVLCTL("-J", "mount", "--lower", e->l.lower, "--upper",
			 e->l.upper, "--work", e->l.work, merged))
	RS_LOG_LAST;
	EXPECT_TRUE(rs_json_has(rs_last.out, "verdict", "fresh")) RS_LOG_LAST;
	EXPECT_TRUE(rs_json_has(rs_last.out, "reason", "ok")) RS_LOG_LAST;
	ASSERT_EQ(0, rs_json_str(rs_last.out, "authority", auth, sizeof(auth)));
	EXPECT_STREQ(rs_auth_name(e->kind), auth);
	ASSERT_EQ(1, rs_is_mounted(merged, NULL, 0));
}

static void rs_umount(struct __test_metadata *_metadata, const char *merged)
{
	ASSERT_EQ(RS_EXIT_OK, OVLCTL("umount", merged)) RS_LOG_LAST;
	ASSERT_EQ(0, rs_is_mounted(merged, NULL, 0));
}

/* ------------------------------------------------------------------ */
/* The full restart cycle, with checksums. */

/*
 * What every fixture here starts with: its own mount namespace and the
 * authority (the one the guest says it has). A reason to SKIP, or NULL.
 */
static const char *rs_setup(struct __test_metadata *_metadata,
			    struct rs_auth *a, struct ovl_case_env *e)
{
	const char *why;

	memset(e, 0, sizeof(*e));
	ASSERT_EQ(0, vt_private_ns());
	why = rs_auth_setup(a);
	if (!why && rs_expected_kind() >= 0)
		ASSERT_EQ(rs_expected_kind(), a->kind);
	return why;
}

FIXTURE(restart)
{
	struct rs_auth a;
	struct ovl_case_env e;
};

FIXTURE_VARIANT(restart)
{
	const struct ovl_case_fs *f;
};

FIXTURE_VARIANT_ADD(restart, tmpfs){
	.f = &ovl_case_fses[0],
};

FIXTURE_VARIANT_ADD(restart, ext4){
	.f = &ovl_case_fses[1],
};

FIXTURE_VARIANT_ADD(restart, xfs){
	.f = &ovl_case_fses[2],
};

FIXTURE_SETUP(restart)
{
	const char *why = rs_setup(_metadata, &self->a, &self->e);
	int err;

	if (why)
		SKIP(return, "%s", why);
	err = ovl_case_env_init(&self->e, variant->f, self->a.kind);
	if (err == -ENXIO) {
		rs_auth_teardown(&self->a);
		SKIP(return, "no %s scratch device", variant->f->fs.fstype);
	}
	ASSERT_EQ(0, err);
}

FIXTURE_TEARDOWN(restart)
{
	ovl_case_env_fini(&self->e);
	rs_auth_teardown(&self->a);
}

/* What cycle @i writes, deletes and renames through @merged. */
static void rs_cycle_write(struct __test_metadata *_metadata,
			   const char *merged, int i, struct rs_manifest *m)
{
	static const off_t small[] = { 1, 4095, 4096, 65537 };
	char dir[64], name[128], old[64], from[PATH_MAX], to[PATH_MAX];
	struct rs_file moved, *f;
	unsigned int j;

	snprintf(dir, sizeof(dir), "c%d/tree/a/b", i);
	ASSERT_EQ(0, rs_mkdirs(merged, dir));
	for (j = 0; j < ARRAY_SIZE(small); j++) {
		snprintf(name, sizeof(name), "c%d/s%u", i, j);
		ASSERT_EQ(0, rs_write_gen(merged, name, small[j] + i,
					  i * 100 + j, m));
	}
	snprintf(name, sizeof(name), "c%d/big", i);
	ASSERT_EQ(0, rs_write_gen(merged, name, (512 << 10) + 4096 * i,
				  i * 100 + 50, m));
	snprintf(name, sizeof(name), "c%d/tree/a/b/leaf", i);
	ASSERT_EQ(0, rs_write_gen(merged, name, 333, i * 100 + 60, m));
	snprintf(name, sizeof(name), "c%d/tree/a/mid", i);
	ASSERT_EQ(0, rs_write_gen(merged, name, 8192 * 3, i * 100 + 61, m));
	/* One large file rewritten in place every cycle */
	ASSERT_EQ(0, rs_write_gen(merged, "shared", 2 << 20, 1000 + i, m));
	if (i == 0) {
		/* A lower file deleted: a whiteout on the upper */
		ASSERT_EQ(0, vt_join(from, merged, "lower-gone"));
		ASSERT_EQ(0, unlink(from));
	}
	if (i >= 1) {
		/* Last cycle's first small file renamed, its second deleted */
		snprintf(old, sizeof(old), "c%d/s0", i - 1);
		snprintf(name, sizeof(name), "c%d/renamed", i - 1);
		ASSERT_EQ(0, vt_join(from, merged, old));
		ASSERT_EQ(0, vt_join(to, merged, name));
		ASSERT_EQ(0, rename(from, to));
		f = rs_find(m, old);
		ASSERT_NE(NULL, f);
		moved = *f;
		f->gone = 1;
		f = rs_find(m, name);
		ASSERT_NE(NULL, f);
		f->size = moved.size;
		f->hash = moved.hash;
		f->gone = 0;
		snprintf(name, sizeof(name), "c%d/s1", i - 1);
		ASSERT_EQ(0, vt_join(from, merged, name));
		ASSERT_EQ(0, unlink(from));
		f = rs_find(m, name);
		ASSERT_NE(NULL, f);
		f->gone = 1;
	}
}

/*
 * ovlctl mount (fresh) -> write -> ovlctl umount -> ovlctl check ->
 * ovlctl mount --work W TARGET: ten times, every checksum intact, the
 * whiteout still hiding the lower file, the checkpoint never refreshed.
 */
TEST_F_TIMEOUT(restart, ten_cycles, 900)
{
	struct ovl_case_env *e = &self->e;
	unsigned char ckpt0[128], ckpt[128];
	static struct rs_manifest m;
	char opts[1024];
	ssize_t n0, n;
	int i;

	memset(&m, 0, sizeof(m));
	rs_mount_fresh(_metadata, e, e->l.merged);
	for (i = 0; i < 10; i++) {
		rs_cycle_write(_metadata, e->l.merged, i, &m);
		rs_umount(_metadata, e->l.merged);
		if (i == 0) {
			n0 = rs_ckpt_read(e, e->l.work, ckpt0, sizeof(ckpt0));
			ASSERT_EQ(OVL_VOLATILE_CKPT_V2_SIZE, n0);
		}
		ASSERT_TRUE(vt_exists(e->l.work, OVL_DIRTY));

		ASSERT_EQ(RS_EXIT_OK,
			  OVLCTL("-J", "check", "--work", e->l.work))
		RS_LOG_LAST;
		EXPECT_TRUE(rs_json_has(rs_last.out, "verdict", "reuse"))
		RS_LOG_LAST;
		EXPECT_TRUE(rs_json_has(rs_last.out, "reason", "ok"));

		ASSERT_EQ(RS_EXIT_OK, OVLCTL("-J", "mount", "--work", e->l.work,
					     e->l.merged))
		TH_LOG("cycle %d: restart refused: %s %s", i, rs_last.out,
		       rs_last.err);
		EXPECT_TRUE(rs_json_has(rs_last.out, "verdict", "reuse"))
		RS_LOG_LAST;
		EXPECT_TRUE(rs_json_has(rs_last.out, "reason", "ok"));
		ASSERT_EQ(1, rs_is_mounted(e->l.merged, opts, sizeof(opts)));
		EXPECT_TRUE(strstr(opts, "volatile") != NULL)
		TH_LOG("cycle %d: not volatile: %s", i, opts);

		rs_verify(_metadata, e->l.merged, &m, i);
		rs_check_lower(_metadata, e, e->l.merged, 1);
		n = rs_ckpt_read(e, e->l.work, ckpt, sizeof(ckpt));
		ASSERT_EQ(n0, n);
		EXPECT_EQ(0, memcmp(ckpt0, ckpt, n0))
		TH_LOG("cycle %d: the checkpoint was refreshed", i);
	}
	rs_umount(_metadata, e->l.merged);
}

/* ------------------------------------------------------------------ */
/* The verdict table, through ovlctl. */

static int rs_expected_exit(const struct ovl_verdict_case *c)
{
	if (!c->err)
		return RS_EXIT_OK;
	if (c->err == EBUSY)
		return RS_EXIT_BUSY;
	if (!strcmp(c->reason, "unsupported"))
		return RS_EXIT_UNSUPPORTED;
	return RS_EXIT_NOT_REUSABLE;
}

static void rs_forge(struct __test_metadata *_metadata, struct ovl_case_env *e,
		     const struct ovl_volatile_ckpt *orig,
		     enum ovl_case_action act)
{
	unsigned char raw[sizeof(*orig) + 1];
	size_t len;

	len = ovl_case_forge(orig, act,
			     e->kind == RS_AUTH_KERNEL ?
				     OVL_VOLATILE_AUTH_MODULE :
				     OVL_VOLATILE_AUTH_KERNEL,
			     raw);
	ASSERT_NE(0, len) TH_LOG("action %d forges nothing", act);
	if (len == sizeof(*orig))
		ASSERT_NE(0, memcmp(raw, orig, len));
	ASSERT_EQ(0, rs_ckpt_write(e, e->l.work, raw, len));
}

/* Copy @src to @dst: dirs, regular files, device nodes, and every xattr. */
static int rs_copy_xattrs(const char *src, const char *dst)
{
	char names[4096], val[65536], *n;
	ssize_t len, vlen;

	len = llistxattr(src, names, sizeof(names));
	if (len < 0)
		return errno == ENOTSUP ? 0 : -errno;
	for (n = names; n < names + len; n += strlen(n) + 1) {
		vlen = lgetxattr(src, n, val, sizeof(val));
		if (vlen < 0 || lsetxattr(dst, n, val, vlen, 0))
			return -errno;
	}
	return 0;
}

static int rs_copy_tree(const char *src, const char *dst)
{
	char s[PATH_MAX], d[PATH_MAX], buf[4096];
	struct dirent *de;
	struct stat st;
	int err = 0;
	DIR *dir;

	if (lstat(src, &st))
		return -errno;
	if (S_ISDIR(st.st_mode)) {
		if (mkdir(dst, st.st_mode & 07777))
			return -errno;
		dir = opendir(src);
		if (!dir)
			return -errno;
		while (!err && (de = readdir(dir))) {
			if (!strcmp(de->d_name, ".") ||
			    !strcmp(de->d_name, ".."))
				continue;
			if (vt_join(s, src, de->d_name) ||
			    vt_join(d, dst, de->d_name))
				err = -ENAMETOOLONG;
			else
				err = rs_copy_tree(s, d);
		}
		closedir(dir);
	} else if (S_ISREG(st.st_mode)) {
		int in = open(src, O_RDONLY | O_CLOEXEC);
		int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			       st.st_mode & 07777);
		ssize_t n;

		if (in < 0 || out < 0)
			err = -errno;
		while (!err && (n = read(in, buf, sizeof(buf))) > 0)
			if (write(out, buf, n) != n)
				err = -EIO;
		if (in >= 0)
			close(in);
		if (out >= 0)
			close(out);
	} else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
		if (mknod(dst, st.st_mode, st.st_rdev))
			err = -errno;
	}
	return err ? err : rs_copy_xattrs(src, dst);
}

/*
 * The workdir a holder of the upper of @e uses: the same one where the
 * patched kernel accepts it (it reuses it), else a fresh one of its own.
 */
static const char *rs_holder_work(struct ovl_case_env *e)
{
	if (e->kind == RS_AUTH_KERNEL)
		return e->l.work;
	if (mkdir(e->work2, 0755) && errno != EEXIST)
		return NULL;
	return e->work2;
}

/* The nonce of the loaded ovlvol module. */
static int rs_module_nonce(__u8 nonce[16])
{
	int dev = ovlvol_test_open_dev(), ret;

	if (dev < 0)
		return dev;
	ret = ovlvol_test_nonce(dev, nonce);
	close(dev);
	return ret;
}

/* Reload the authority: overlay.ko, or ovlvol.ko; the nonce changes. */
static void rs_reload(struct __test_metadata *_metadata, struct ovl_case_env *e)
{
	const char *ko = ovl_overlay_ko();
	__u8 before[16], after[16];

	if (e->kind == RS_AUTH_KERNEL) {
		ASSERT_NE(NULL, ko);
		ASSERT_EQ(0, ovl_load_uuid(before));
		ASSERT_EQ(0, ovl_reload_overlay(ko));
		ASSERT_EQ(0, ovl_load_uuid(after));
	} else {
		ASSERT_EQ(0, rs_module_nonce(before));
		ASSERT_EQ(0, ovlvol_test_unload_wait());
		ASSERT_EQ(0, ovlvol_test_load());
		ASSERT_EQ(0, rs_module_nonce(after));
	}
	ASSERT_NE(0, memcmp(before, after, sizeof(before)));
}

/*
 * The upper fs reports an error. The module counts it from an fsnotify
 * mark, which from 7.0 hears of it from a work item: wait until the count
 * moved, so the restart is judged on an error the authority has seen.
 */
static void rs_fs_error(struct __test_metadata *_metadata,
			struct ovl_case_env *e)
{
	struct ovlvol_ident id;
	int dev = -1;

	if (e->kind == RS_AUTH_MODULE) {
		dev = ovlvol_test_open_dev();
		ASSERT_LE(0, dev);
		ASSERT_EQ(0, ovlvol_test_ident_path(dev, e->mnt, &id));
	}
	ASSERT_EQ(0, ovl_case_upper_fault(e, OVL_ACT_FS_ERROR));
	if (dev >= 0) {
		EXPECT_EQ(0, ovlvol_test_fs_errors_wait(
				     dev, e->mnt, id.fs_errors, 2000, &id));
		close(dev);
	}
}

/* Everything between the first mount and the restart, per action. */
static void rs_act(struct __test_metadata *_metadata, struct ovl_case_env *e,
		   const struct ovl_verdict_case *c,
		   const struct ovl_volatile_ckpt *orig, const char **work,
		   int *no_volatile)
{
	char path[PATH_MAX];

	switch (c->action) {
	case OVL_ACT_NONE:
		break;
	case OVL_ACT_NOT_VOLATILE:
		*no_volatile = 1;
		break;
	case OVL_ACT_REMOUNT_UPPER:
		ASSERT_EQ(0, umount(e->mnt)) TH_LOG("umount %s: %m", e->mnt);
		ASSERT_EQ(0, mount(e->dev, e->mnt, e->fstype, 0, NULL));
		break;
	case OVL_ACT_RELOAD:
		rs_reload(_metadata, e);
		break;
	case OVL_ACT_WB_ERROR:
	case OVL_ACT_WB_ERROR_SEEN:
		ASSERT_EQ(0, ovl_case_upper_fault(e, c->action));
		break;
	case OVL_ACT_FS_ERROR:
		rs_fs_error(_metadata, e);
		break;
	case OVL_ACT_REMOTE:
		/* Runs on no fs the harness has (ovl_volatile_case_table.h) */
		ASSERT_TRUE(0);
		break;
	case OVL_ACT_FORGE_MAGIC ... OVL_ACT_XATTR_OVERSIZED:
		rs_forge(_metadata, e, orig, c->action);
		break;
	case OVL_ACT_XATTR_REMOVED:
		ASSERT_EQ(0, rs_ckpt_dir(e, e->l.work, path));
		ASSERT_EQ(0, removexattr(path, OVL_TRUSTED_XATTR));
		break;
	case OVL_ACT_COPY_WORKDIR:
		ASSERT_EQ(0, rs_copy_tree(e->l.work, e->work2));
		*work = e->work2;
		break;
	case OVL_ACT_OTHER_INCOMPAT:
		ASSERT_EQ(0, vt_join(path, e->l.work, "work/incompat/other"));
		ASSERT_EQ(0, mkdir(path, 0755));
		break;
	case OVL_ACT_IN_USE:
		ASSERT_NE(NULL, rs_holder_work(e));
		ASSERT_EQ(0, ovl_case_hold_mount(e, rs_holder_work(e)));
		break;
	case OVL_ACT_IN_USE_NS:
		ASSERT_NE(NULL, rs_holder_work(e));
		ASSERT_EQ(0, ovl_case_hold_in_other_ns(e, ovl_case_hold_mount,
						       rs_holder_work(e)));
		/* Not visible here: only the scan of all namespaces finds it */
		ASSERT_EQ(0, rs_is_mounted(e->merged2, NULL, 0));
		break;
	case OVL_ACT_RO_UPPER:
		ASSERT_EQ(0, ovl_case_upper_ro(e));
		break;
	case OVL_ACT_DISABLED:
		/* The switch of the authority ovlctl uses */
		e->reuse_off = e->kind == RS_AUTH_KERNEL ? 1 : 2;
		ASSERT_EQ(0, ovl_write_module_param(
				     e->reuse_off == 1 ? "overlay" : "ovlvol",
				     "volatile_reuse", "N"));
		break;
	}
}

/*
 * What `ovlctl gc` makes of the pair after the action of @c: the verdict
 * of a volatile re-mount, so "reusable" where it is ok (also when the next
 * mount is not volatile, or uses a copied workdir: gc looks at the pair),
 * "in-use", "unknown" where it cannot tell or must not touch, else
 * "stale".
 */
static const char *rs_gc_state(const struct ovl_verdict_case *c)
{
	static const char *const unknown[] = { "other-incompat",
					       "read-only-upper", "unsupported",
					       "disabled", "remote-upper" };
	unsigned int i;

	if (!c->err || c->action == OVL_ACT_NOT_VOLATILE ||
	    c->action == OVL_ACT_COPY_WORKDIR)
		return "reusable";
	if (c->err == EBUSY)
		return "in-use";
	for (i = 0; i < ARRAY_SIZE(unknown); i++)
		if (!strcmp(c->reason, unknown[i]))
			return "unknown";
	return "stale";
}

/* The "state" and "reason" gc's JSON output @json gives the pair @pair. */
static int rs_gc_pair(const char *json, const char *pair, char *state,
		      char *reason, size_t len)
{
	json_object *root = json_tokener_parse(json), *pairs, *v;
	int ret = -ENOENT;
	size_t i;

	if (!root || !json_object_object_get_ex(root, "pairs", &pairs) ||
	    !json_object_is_type(pairs, json_type_array))
		goto out;
	for (i = 0; i < json_object_array_length(pairs); i++) {
		json_object *p = json_object_array_get_idx(pairs, i);

		if (!json_object_object_get_ex(p, "pair", &v) ||
		    strcmp(json_object_get_string(v), pair))
			continue;
		if (!json_object_object_get_ex(p, "state", &v))
			break;
		snprintf(state, len, "%s", json_object_get_string(v));
		if (!json_object_object_get_ex(p, "reason", &v))
			break;
		snprintf(reason, len, "%s", json_object_get_string(v));
		ret = 0;
		break;
	}
out:
	json_object_put(root);
	return ret;
}

/* gc, reporting only, on the fs of @e: the pair as rs_gc_state() says. */
static void rs_check_gc(struct __test_metadata *_metadata,
			struct ovl_case_env *e,
			const struct ovl_verdict_case *c)
{
	char root[PATH_MAX], state[64], reason[64];
	const char *want = rs_gc_state(c);

	snprintf(root, sizeof(root), "%s", e->l.base);
	*strrchr(root, '/') = '\0';
	OVLCTL("-J", "gc", "--root", root);
	ASSERT_EQ(0, rs_gc_pair(rs_last.out, e->l.base, state, reason,
				sizeof(state)))
	TH_LOG("%s: gc did not report %s\nstdout: %s\nstderr: %s", e->fstype,
	       e->l.base, rs_last.out, rs_last.err);
	EXPECT_STREQ(want, state)
	TH_LOG("%s: gc: %s (%s), want %s\nstdout: %s\nstderr: %s", e->fstype,
	       state, reason, want, rs_last.out, rs_last.err);
	if (!strcmp(want, "stale") || !strcmp(want, "unknown"))
		EXPECT_STREQ(c->reason, reason);
}

static void rs_run_case(struct __test_metadata *_metadata,
			struct ovl_case_env *e,
			const struct ovl_verdict_case *c)
{
	unsigned char before[128], after[128];
	struct ovl_volatile_ckpt orig;
	const char *work = e->l.work;
	int no_volatile = 0, status;
	struct rs_manifest m;
	uint64_t digest;
	ssize_t blen, alen;
	char opts[1024];

	memset(&m, 0, sizeof(m));
	rs_mount_fresh(_metadata, e, e->l.merged);
	rs_write_data(_metadata, e->l.merged, &m);
	rs_umount(_metadata, e->l.merged);
	ASSERT_EQ(sizeof(orig), rs_ckpt_read(e, e->l.work, &orig, sizeof(orig)))
	TH_LOG("%s: no checkpoint after the first mount", e->fstype);

	rs_act(_metadata, e, c, &orig, &work, &no_volatile);
	blen = rs_ckpt_read(e, work, before, sizeof(before));
	digest = rs_upper_digest(e->l.upper);
	/* The boot-time sweep agrees, and changes nothing either */
	rs_check_gc(_metadata, e, c);

	if (no_volatile)
		status = OVLCTL("-J", "mount", "--no-volatile", "--work", work,
				e->l.merged);
	else
		status = OVLCTL("-J", "mount", "--work", work, e->l.merged);
	EXPECT_EQ(rs_expected_exit(c), status)
	TH_LOG("%s: %s\nstdout: %s\nstderr: %s", e->fstype, c->name,
	       rs_last.out, rs_last.err);
	EXPECT_TRUE(rs_json_has(rs_last.out, "reason", c->reason))
	TH_LOG("%s: expected reason %s\nstdout: %s\nstderr: %s", e->fstype,
	       c->reason, rs_last.out, rs_last.err);
	EXPECT_EQ(1, rs_json_docs(rs_last.out))
	TH_LOG("%s: -J printed more or less than one JSON value: %s", e->fstype,
	       rs_last.out);

	if (!c->err && status == RS_EXIT_OK) {
		ASSERT_EQ(1, rs_is_mounted(e->l.merged, opts, sizeof(opts)));
		EXPECT_TRUE(strstr(opts, "volatile") != NULL);
		rs_verify(_metadata, e->l.merged, &m, 0);
		rs_check_lower(_metadata, e, e->l.merged, 1);
		rs_umount(_metadata, e->l.merged);
	} else {
		/* A refusal changes nothing */
		EXPECT_EQ(0, rs_is_mounted(e->l.merged, NULL, 0))
		TH_LOG("%s: refused, yet mounted", e->fstype);
		if (rs_is_mounted(e->l.merged, NULL, 0) == 1)
			umount2(e->l.merged, MNT_DETACH);
		EXPECT_EQ(digest, rs_upper_digest(e->l.upper))
		TH_LOG("%s: the upper changed", e->fstype);
		rs_verify(_metadata, e->l.upper, &m, 0);
	}
	/* Reuse or refusal: the marker and the checkpoint stay as they were */
	EXPECT_TRUE(vt_exists(work, OVL_DIRTY))
	TH_LOG("%s: the marker is gone", e->fstype);
	alen = rs_ckpt_read(e, work, after, sizeof(after));
	EXPECT_EQ(blen, alen);
	if (blen > 0 && blen == alen)
		EXPECT_EQ(0, memcmp(before, after, blen))
	TH_LOG("%s: the checkpoint changed", e->fstype);
}

FIXTURE(verdict)
{
	struct rs_auth a;
	struct ovl_case_env e;
};

FIXTURE_VARIANT(verdict)
{
	struct ovl_verdict_case c; /* a row of ovl_volatile_case_table.h */
};

#include "ovl_volatile_case_table.h"

FIXTURE_SETUP(verdict)
{
	const char *why = rs_setup(_metadata, &self->a, &self->e);

	if (why)
		SKIP(return, "%s", why);
}

FIXTURE_TEARDOWN(verdict)
{
	ovl_case_env_fini(&self->e);
	rs_auth_teardown(&self->a);
}

TEST_F_TIMEOUT(verdict, case, 300)
{
	unsigned int ran;

	if (variant->c.action == OVL_ACT_RELOAD &&
	    self->a.kind == RS_AUTH_KERNEL && !ovl_overlay_ko())
		SKIP(return, "overlayfs is built into this kernel: no reload");
	ovl_case_run(_metadata, &self->e, &variant->c, self->a.kind,
		     rs_run_case, &ran);
	if (!ran)
		SKIP(return, "%s", ovl_case_skip_reason(&variant->c));
}

/* ------------------------------------------------------------------ */
/* What only ovlctl does. On tmpfs. */

FIXTURE(cli)
{
	struct rs_auth a;
	struct ovl_case_env e;
};

FIXTURE_SETUP(cli)
{
	const char *why = rs_setup(_metadata, &self->a, &self->e);

	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0,
		  ovl_case_env_init(&self->e, &ovl_case_fses[0], self->a.kind));
}

FIXTURE_TEARDOWN(cli)
{
	ovl_case_env_fini(&self->e);
	rs_auth_teardown(&self->a);
}

/* A first mount, data, unmounted: a pair ready for a restart. */
static void rs_prepare(struct __test_metadata *_metadata,
		       struct ovl_case_env *e, struct rs_manifest *m)
{
	memset(m, 0, sizeof(*m));
	rs_mount_fresh(_metadata, e, e->l.merged);
	rs_write_data(_metadata, e->l.merged, m);
	rs_umount(_metadata, e->l.merged);
}

/* A restart over another lower stack is refused as lower-changed. */
TEST_F(cli, lower_changed)
{
	struct ovl_case_env *e = &self->e;
	unsigned char before[128], after[128];
	char lower2[PATH_MAX], moved[PATH_MAX];
	struct rs_manifest m;
	ssize_t blen;

	rs_prepare(_metadata, e, &m);
	blen = rs_ckpt_read(e, e->l.work, before, sizeof(before));
	ASSERT_EQ(OVL_VOLATILE_CKPT_V2_SIZE, blen);

	ASSERT_EQ(0, vt_join(lower2, e->l.base, "lower2"));
	ASSERT_EQ(0, mkdir(lower2, 0755));
	ASSERT_EQ(0, vt_write_file(lower2, "from-lower", "other"));
	ASSERT_EQ(RS_EXIT_NOT_REUSABLE,
		  OVLCTL("-J", "mount", "--lower", lower2, "--work", e->l.work,
			 e->l.merged))
	RS_LOG_LAST;
	EXPECT_TRUE(rs_json_has(rs_last.out, "reason", "lower-changed"))
	RS_LOG_LAST;
	EXPECT_EQ(0, rs_is_mounted(e->l.merged, NULL, 0));

	/* The same path, but another directory: refused too */
	ASSERT_EQ(0, vt_join(moved, e->l.base, "lower.old"));
	ASSERT_EQ(0, rename(e->l.lower, moved));
	ASSERT_EQ(0, rename(lower2, e->l.lower));
	ASSERT_EQ(RS_EXIT_NOT_REUSABLE,
		  OVLCTL("-J", "mount", "--work", e->l.work, e->l.merged))
	RS_LOG_LAST;
	EXPECT_TRUE(rs_json_has(rs_last.out, "reason", "lower-changed"))
	RS_LOG_LAST;
	EXPECT_EQ(0, rs_is_mounted(e->l.merged, NULL, 0));

	/* Nothing changed; the original stack is still reusable */
	ASSERT_EQ(blen, rs_ckpt_read(e, e->l.work, after, sizeof(after)));
	EXPECT_EQ(0, memcmp(before, after, blen));
	rs_verify(_metadata, e->l.upper, &m, 0);
	ASSERT_EQ(0, rename(e->l.lower, lower2));
	ASSERT_EQ(0, rename(moved, e->l.lower));
	ASSERT_EQ(RS_EXIT_OK,
		  OVLCTL("-J", "mount", "--work", e->l.work, e->l.merged))
	RS_LOG_LAST;
	rs_verify(_metadata, e->l.merged, &m, 0);
	rs_check_lower(_metadata, e, e->l.merged, 1);
	rs_umount(_metadata, e->l.merged);
}

/* Is @line one whole line of @text? */
static bool rs_has_line(const char *text, const char *line)
{
	size_t len = strlen(line);
	const char *p;

	for (p = text; (p = strstr(p, line)); p++)
		if ((p == text || p[-1] == '\n') && p[len] == '\n')
			return true;
	return false;
}

/* inspect's text is the JSON document flattened, with paths as they are. */
TEST_F(cli, inspect_text)
{
	struct ovl_case_env *e = &self->e;
	char want[PATH_MAX + 16];
	struct rs_manifest m;

	rs_prepare(_metadata, e, &m);
	ASSERT_EQ(RS_EXIT_OK, OVLCTL("inspect", "--work", e->l.work))
	RS_LOG_LAST;
	snprintf(want, sizeof(want), "upper: %s", e->l.upper);
	EXPECT_TRUE(rs_has_line(rs_last.out, want)) RS_LOG_LAST;
	snprintf(want, sizeof(want), "lower[0]: %s", e->l.lower);
	EXPECT_TRUE(rs_has_line(rs_last.out, want)) RS_LOG_LAST;
	EXPECT_TRUE(rs_has_line(rs_last.out, "checkpoint.status: ok"))
	RS_LOG_LAST;
	/* No JSON left in the text: no escapes, quotes or brackets */
	EXPECT_EQ(NULL, strchr(rs_last.out, '\\')) RS_LOG_LAST;
	EXPECT_EQ(NULL, strchr(rs_last.out, '"')) RS_LOG_LAST;
	EXPECT_EQ(NULL, strstr(rs_last.out, ": [")) RS_LOG_LAST;
}

/*
 * An overlay lazily unmounted but pinned by an open file is in no
 * mountinfo, yet still writes to the upper: in use, from the kernel's own
 * lock, read through the ovlvol module (loaded here on a patched kernel).
 * discard asks the same: it refuses as busy and removes nothing, and
 * gc --discard skips the pair.
 */
TEST_F(cli, in_use_lazily_unmounted)
{
	struct ovl_case_env *e = &self->e;
	char path[PATH_MAX], root[PATH_MAX], state[64], reason[64];
	struct rs_manifest m;
	int fd, loaded = 0, err;

	if (!ovlvol_test_loaded()) {
		err = ovlvol_test_load();
		if (err && err != -EEXIST)
			SKIP(return, "the ovlvol module does not load: %s",
				   strerror(-err));
		loaded = !err;
	}
	rs_prepare(_metadata, e, &m);
	ASSERT_EQ(RS_EXIT_OK,
		  OVLCTL("-J", "mount", "--work", e->l.work, e->l.merged))
	RS_LOG_LAST;
	ASSERT_EQ(0, vt_join(path, e->l.merged, "pinned"));
	fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0644);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, umount2(e->l.merged, MNT_DETACH));

	EXPECT_EQ(RS_EXIT_BUSY, OVLCTL("-J", "check", "--work", e->l.work))
	RS_LOG_LAST;
	EXPECT_TRUE(rs_json_has(rs_last.out, "reason", "in-use")) RS_LOG_LAST;
	EXPECT_EQ(RS_EXIT_BUSY,
		  OVLCTL("-J", "mount", "--work", e->l.work, e->l.merged))
	RS_LOG_LAST;
	EXPECT_EQ(0, rs_is_mounted(e->l.merged, NULL, 0));
	EXPECT_EQ(RS_EXIT_BUSY, OVLCTL("discard", e->l.upper, e->l.work))
	RS_LOG_LAST;
	EXPECT_TRUE(strstr(rs_last.err, "still holds")) RS_LOG_LAST;
	snprintf(root, sizeof(root), "%s", e->l.base);
	*strrchr(root, '/') = '\0';
	EXPECT_EQ(RS_EXIT_OK, OVLCTL("-J", "gc", "--root", root, "--discard"))
	RS_LOG_LAST;
	EXPECT_EQ(0, rs_gc_pair(rs_last.out, e->l.base, state, reason,
				sizeof(state)))
	RS_LOG_LAST;
	EXPECT_STREQ("in-use", state) RS_LOG_LAST;
	rs_verify(_metadata, e->l.upper, &m, 0);
	EXPECT_TRUE(vt_exists(e->l.upper, "pinned"));
	EXPECT_TRUE(vt_exists(e->l.work, OVL_VOLATILE_DIR));
	close(fd);
	/* Gone with the last reference: reusable again */
	EXPECT_EQ(RS_EXIT_OK, OVLCTL("-J", "check", "--work", e->l.work))
	RS_LOG_LAST;
	if (loaded)
		ovlvol_test_unload_wait();
}

/*
 * A container: its own mount namespace, chrooted into the overlay at
 * @work's merged dir (the holder's argument), where it makes the host's
 * path of its upper dir exist (mkdir -p, as any container can), so that
 * a resolution of the overlay's upperdir= inside its root finds a decoy.
 */
static int rs_be_container(struct ovl_case_env *e, const char *merged)
{
	if (chdir(merged) || chroot("."))
		return -errno;
	return rs_mkdirs("/", e->l.upper + 1);
}

/*
 * The in-use check with a container running, in its own mount namespace
 * and root: unrelated pairs can still be judged, the container's own pair
 * is in use, also once only the container still holds the overlay and has
 * made the host's upper path exist inside it.
 */
TEST_F(cli, in_use_with_a_container_running)
{
	struct ovl_case_env *e = &self->e;
	char u2[PATH_MAX], w2[PATH_MAX];
	struct rs_manifest m;
	int rc;

	rs_prepare(_metadata, e, &m);
	ASSERT_EQ(RS_EXIT_OK,
		  OVLCTL("-J", "mount", "--work", e->l.work, e->l.merged))
	RS_LOG_LAST;
	ASSERT_EQ(0,
		  ovl_case_hold_in_other_ns(e, rs_be_container, e->l.merged));
	ASSERT_EQ(0, vt_join(u2, e->l.base, "u2"));
	ASSERT_EQ(0, vt_join(w2, e->l.base, "w2"));
	ASSERT_EQ(0, mkdir(u2, 0755));
	ASSERT_EQ(0, mkdir(w2, 0755));

	/* Another pair is none of the container's business */
	EXPECT_EQ(RS_EXIT_OK, OVLCTL("-J", "check", "--lower", e->l.lower,
				     "--upper", u2, "--work", w2))
	RS_LOG_LAST;
	/* Its own pair is in use, seen from the host */
	EXPECT_EQ(RS_EXIT_BUSY, OVLCTL("-J", "check", "--work", e->l.work))
	RS_LOG_LAST;

	/* Only the container holds it now; its decoy must not count */
	ASSERT_EQ(0, umount2(e->l.merged, MNT_DETACH));
	rc = OVLCTL("-J", "check", "--work", e->l.work);
	EXPECT_TRUE(rc == RS_EXIT_BUSY || rc == 1)
	TH_LOG("check of the container's pair: exit %d", rc);
	RS_LOG_LAST;
	rc = OVLCTL("-J", "discard", e->l.upper, e->l.work);
	EXPECT_TRUE(rc == RS_EXIT_BUSY || rc == 1)
	TH_LOG("discard of the container's pair: exit %d", rc);
	RS_LOG_LAST;
	rs_verify(_metadata, e->l.upper, &m, 0);

	ovl_case_release_holder(e);
	EXPECT_EQ(RS_EXIT_OK, OVLCTL("-J", "check", "--work", e->l.work))
	RS_LOG_LAST;
}

struct rs_thread_ns {
	struct ovl_case_env *e;
	int ready[2], release[2];
	int err;
};

/* A thread that unshares its own mount namespace and mounts the pair. */
static void *rs_thread_mount(void *arg)
{
	struct rs_thread_ns *t = arg;
	char opts[PATH_MAX * 3 + 64], c = 1;

	snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s,workdir=%s",
		 t->e->l.lower, t->e->l.upper, t->e->l.work);
	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("overlay", t->e->l.merged, "overlay", 0, opts))
		t->err = errno;
	if (write(t->ready[1], &c, 1) != 1)
		t->err = EIO;
	if (read(t->release[0], &c, 1) < 0)
		t->err = EIO;
	if (!t->err)
		umount(t->e->l.merged);
	return NULL;
}

/* An overlay mounted only in one thread's mount namespace is in use. */
TEST_F(cli, in_use_in_a_thread_namespace)
{
	struct rs_thread_ns t = { .e = &self->e };
	pthread_t th;
	char c;

	ASSERT_EQ(0, pipe2(t.ready, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(t.release, O_CLOEXEC));
	ASSERT_EQ(0, pthread_create(&th, NULL, rs_thread_mount, &t));
	ASSERT_EQ(1, read(t.ready[0], &c, 1));
	ASSERT_EQ(0, t.err) TH_LOG("thread mount: %s", strerror(t.err));
	EXPECT_EQ(0, rs_is_mounted(self->e.l.merged, NULL, 0));
	EXPECT_EQ(RS_EXIT_BUSY,
		  OVLCTL("-J", "check", "--lower", self->e.l.lower, "--upper",
			 self->e.l.upper, "--work", self->e.l.work,
			 "--no-volatile"))
	RS_LOG_LAST;
	close(t.release[1]);
	pthread_join(th, NULL);
}

/* Can this kernel walk every mount namespace (NS_MNT_GET_NEXT, 6.12)? */
static bool rs_can_walk_mntns(void)
{
	struct {
		__u32 size, nr_mounts;
		__u64 id;
	} info = { .size = sizeof(info) };
	int fd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC), next;

	if (fd < 0)
		return false;
	/* _IOR(0xb7, 11, struct mnt_ns_info): ENOENT past the last one */
	next = ioctl(fd, _IOR(0xb7, 11, info), &info);
	if (next >= 0)
		close(next);
	close(fd);
	return next >= 0 || errno == ENOENT;
}

/*
 * An index=off overlay of @e's pair at merged2: shares the dirs. The copy
 * of the first one (at merged) that unshare gave this namespace goes, so
 * that once the first is unmounted where it was made, nothing holds
 * overlayfs's in-use bit.
 */
static int rs_hold_second_mount(struct ovl_case_env *e, const char *unused)
{
	(void)unused;
	umount2(e->l.merged, MNT_DETACH);
	return ovl_case_mount(e, e->merged2, e->l.work, "index=off");
}

/*
 * An overlay in a mount namespace no process is in, kept alive only by an
 * open nsfs file, is in use. It is the second (index=off) mount of the
 * pair, so once the first is unmounted the kernel's in-use bit is clear
 * and only the scan can see it.
 */
TEST_F(cli, in_use_in_a_pinned_namespace)
{
	struct ovl_case_env *e = &self->e;
	char path[64];
	int pin, rc, i;

	if (!rs_can_walk_mntns())
		SKIP(return,
			   "no NS_MNT_GET_NEXT (6.12): namespaces without a process are out of sight");
	ASSERT_EQ(0, ovl_case_mount(e, e->l.merged, e->l.work, NULL));
	ASSERT_EQ(0, ovl_case_hold_in_other_ns(e, rs_hold_second_mount, NULL))
	TH_LOG("index=off mount in the other namespace failed");
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)e->holder);
	pin = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, pin);
	ovl_case_release_holder(e);
	ASSERT_EQ(0, umount(e->l.merged));

	EXPECT_EQ(RS_EXIT_BUSY,
		  OVLCTL("-J", "-vv", "check", "--lower", e->l.lower, "--upper",
			 e->l.upper, "--work", e->l.work, "--no-volatile"))
	RS_LOG_LAST;
	EXPECT_TRUE(rs_json_has(rs_last.out, "reason", "in-use"))
	RS_LOG_LAST;
	/* Found by the scan, not by the kernel's bit */
	EXPECT_TRUE(rs_json_has(rs_last.out, "in_use_by", e->merged2))
	RS_LOG_LAST;
	ASSERT_EQ(0, vt_write_file(e->l.upper, "kept", "k"));
	rc = OVLCTL("-J", "discard", e->l.upper, e->l.work);
	EXPECT_EQ(RS_EXIT_BUSY, rc) RS_LOG_LAST;
	EXPECT_TRUE(vt_exists(e->l.upper, "kept"));

	/* The namespace goes with the last reference: free again */
	close(pin);
	for (i = 0; i < 50; i++) {
		rc = OVLCTL("-J", "check", "--lower", e->l.lower, "--upper",
			    e->l.upper, "--work", e->l.work, "--no-volatile");
		if (rc != RS_EXIT_BUSY)
			break;
		usleep(100000);
	}
	EXPECT_EQ(RS_EXIT_OK, rc) RS_LOG_LAST;
}

/* `ovlctl list -r -n -o COLS` with OVLCTL_SCAN=@how (NULL: default), sorted */
static void rs_list_sorted(struct __test_metadata *_metadata, const char *how,
			   char *out, size_t len)
{
	char *lines[64], *p, *save = NULL;
	size_t n = 0, i, j;

	if (how)
		setenv("OVLCTL_SCAN", how, 1);
	ASSERT_EQ(RS_EXIT_OK, OVLCTL("list", "-r", "-n", "-o",
				     "upper,work,lower,mntid,mntns"))
	RS_LOG_LAST;
	unsetenv("OVLCTL_SCAN");
	for (p = strtok_r(rs_last.out, "\n", &save); p && n < 64;
	     p = strtok_r(NULL, "\n", &save))
		lines[n++] = p;
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && strcmp(lines[j - 1], lines[j]) > 0; j--) {
			p = lines[j];
			lines[j] = lines[j - 1];
			lines[j - 1] = p;
		}
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		strncat(out, lines[i], len - strlen(out) - 2);
		strcat(out, "\n");
	}
}

/*
 * The kernel's listing (listmount/statmount, one pass per namespace) and
 * mountinfo agree on every overlay of every namespace.
 */
TEST_F(cli, list_scans_agree)
{
	struct ovl_case_env *e = &self->e;
	char a[8192], b[8192];

	ASSERT_EQ(RS_EXIT_OK, OVLCTL("-vv", "list")) RS_LOG_LAST;
	if (strstr(rs_last.err, "no listmount(2)"))
		SKIP(return, "no listmount(2) of other namespaces (6.11)");
	ASSERT_EQ(0, ovl_case_mount(e, e->l.merged, e->l.work, "index=off"));
	ASSERT_EQ(0, ovl_case_hold_in_other_ns(e, rs_hold_second_mount, NULL));
	rs_list_sorted(_metadata, NULL, a, sizeof(a));
	rs_list_sorted(_metadata, "mountinfo", b, sizeof(b));
	EXPECT_STREQ(b, a);
	EXPECT_NE(NULL, strstr(a, e->l.work)) TH_LOG("%s", a);
	ovl_case_release_holder(e);
	ASSERT_EQ(0, umount(e->l.merged));
}

/* --on-invalid=discard: a refused pair is emptied and mounted fresh. */
TEST_F(cli, discard_on_invalid)
{
	struct ovl_case_env *e = &self->e;
	struct ovl_volatile_ckpt orig;
	struct stat ust, ust2, wst, wst2;
	struct rs_manifest m;
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	rs_prepare(_metadata, e, &m);
	ASSERT_EQ(sizeof(orig),
		  rs_ckpt_read(e, e->l.work, &orig, sizeof(orig)));
	ASSERT_EQ(0, stat(e->l.upper, &ust));
	ASSERT_EQ(0, stat(e->l.work, &wst));
	/* Something of our own in the workdir: it goes too */
	ASSERT_EQ(0, vt_write_file(e->l.work, "junk", "j"));
	rs_forge(_metadata, e, &orig, OVL_ACT_FORGE_NONCE);

	/* In use: never discarded */
	ASSERT_EQ(0, mkdir(e->work2, 0755));
	ASSERT_EQ(0, ovl_case_hold_mount(e, e->work2));
	ASSERT_EQ(RS_EXIT_BUSY, OVLCTL("-J", "mount", "--on-invalid=discard",
				       "--work", e->l.work, e->l.merged))
	RS_LOG_LAST;
	EXPECT_TRUE(rs_json_has(rs_last.out, "reason", "in-use"));
	EXPECT_EQ(0, rs_is_mounted(e->l.merged, NULL, 0));
	EXPECT_TRUE(vt_exists(e->l.work, "junk"));
	ASSERT_EQ(0, umount(e->merged2));

	/* Refused as is */
	ASSERT_EQ(RS_EXIT_NOT_REUSABLE,
		  OVLCTL("-J", "mount", "--work", e->l.work, e->l.merged))
	RS_LOG_LAST;
	EXPECT_TRUE(rs_json_has(rs_last.out, "reason", "nonce-changed"));
	EXPECT_TRUE(vt_exists(e->l.work, "junk"));
	rs_verify(_metadata, e->l.upper, &m, 0);

	/* Discarded and mounted fresh */
	ASSERT_EQ(RS_EXIT_DISCARDED,
		  OVLCTL("-J", "mount", "--on-invalid=discard", "--work",
			 e->l.work, e->l.merged))
	RS_LOG_LAST;
	ASSERT_EQ(1, rs_is_mounted(e->l.merged, NULL, 0));
	EXPECT_FALSE(vt_exists(e->l.work, "junk"));
	EXPECT_FALSE(vt_exists(e->l.merged, "a"));
	EXPECT_FALSE(vt_exists(e->l.merged, "big"));
	EXPECT_FALSE(vt_exists(e->l.merged, "tree"));
	/* The whiteout went with the upper: the lower file is back */
	rs_check_lower(_metadata, e, e->l.merged, 0);
	/* The upper holds nothing; the dirs are the same inodes */
	d = opendir(e->l.upper);
	ASSERT_NE(NULL, d);
	while ((de = readdir(d)))
		EXPECT_TRUE(!strcmp(de->d_name, ".") ||
			    !strcmp(de->d_name, ".."))
	TH_LOG("upper still holds %s", de->d_name);
	closedir(d);
	ASSERT_EQ(0, stat(e->l.upper, &ust2));
	ASSERT_EQ(0, stat(e->l.work, &wst2));
	EXPECT_EQ(ust.st_ino, ust2.st_ino);
	EXPECT_EQ(wst.st_ino, wst2.st_ino);

	/* A fresh checkpoint: the next restart is a reuse */
	ASSERT_EQ(0, rs_write_gen(e->l.merged, "after", 1000, 9, &m));
	rs_umount(_metadata, e->l.merged);
	ASSERT_EQ(RS_EXIT_OK, OVLCTL("-J", "check", "--work", e->l.work))
	RS_LOG_LAST;
	ASSERT_EQ(RS_EXIT_OK,
		  OVLCTL("-J", "mount", "--work", e->l.work, e->l.merged))
	RS_LOG_LAST;
	ASSERT_EQ(0, vt_join(path, e->l.merged, "after"));
	EXPECT_TRUE(vt_exists(e->l.merged, "after"));
	rs_umount(_metadata, e->l.merged);
}

/* The FAULT_POINTS build of ovlctl, where the guest has it */
static const char rs_fault_bin[] = "/usr/sbin/ovlctl-fault";

/*
 * Start rs_fault_bin with @argv (stdout to /dev/null), stopped at its
 * fault point @point (OVLCTL_FAULT=stop:@point): its pid, or -1 if it
 * did not stop there (then it has been reaped).
 */
static pid_t rs_start_stopped(const char *point, char *const argv[])
{
	char env[64];
	int st, devnull;
	pid_t pid;

	snprintf(env, sizeof(env), "stop:%s", point);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (devnull < 0 || dup2(devnull, 1) < 0)
			_exit(126);
		setenv("OVLCTL_FAULT", env, 1);
		execv(rs_fault_bin, argv);
		_exit(127);
	}
	while (waitpid(pid, &st, WUNTRACED) != pid)
		if (errno != EINTR)
			return -1;
	return WIFSTOPPED(st) ? pid : -1;
}

/*
 * A volatile mount that bypasses ovlctl (no lock) comes in after discard
 * checked that nothing uses the pair and before it empties it (the
 * FAULT_POINTS build, stopped there), and writes. The walk removes the
 * stock marker that mount made: discard puts it back and fails (exit 1),
 * so that once that mount is gone the pair is refused, never taken as
 * fresh.
 */
TEST_F(cli, discard_used_while_emptied)
{
	struct ovl_case_env *e = &self->e;
	char *argv[] = { "ovlctl", "discard", e->l.upper, e->l.work, NULL };
	int st;
	pid_t pid;

	if (access(rs_fault_bin, X_OK))
		SKIP(return, "no %s (ovlctl's FAULT_POINTS build) here",
			   rs_fault_bin);
	ASSERT_EQ(0, vt_write_file(e->l.upper, "old", "o"));
	pid = rs_start_stopped("discard-walk", argv);
	ASSERT_LT(0, pid);
	/*
	 * In the window: a plain volatile mount, and a write through it
	 * (no ASSERT until discard goes on: it holds the workdir lock)
	 */
	EXPECT_EQ(0, ovl_case_mount(e, e->l.merged, e->l.work, "volatile"));
	EXPECT_EQ(0, vt_write_file(e->l.merged, "new", "n"));
	EXPECT_EQ(0, kill(pid, SIGCONT));
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(1, WEXITSTATUS(st));
	EXPECT_TRUE(vt_exists(e->l.work, OVL_VOLATILE_DIR));
	ASSERT_EQ(0, umount(e->l.merged));

	ASSERT_EQ(RS_EXIT_NOT_REUSABLE,
		  OVLCTL("-J", "check", "--lower", e->l.lower, "--upper",
			 e->l.upper, "--work", e->l.work))
	RS_LOG_LAST;
	/* Discarded again, now unused: a first mount */
	ASSERT_EQ(RS_EXIT_OK, OVLCTL("discard", e->l.upper, e->l.work))
	RS_LOG_LAST;
	ASSERT_EQ(RS_EXIT_OK,
		  OVLCTL("-J", "check", "--lower", e->l.lower, "--upper",
			 e->l.upper, "--work", e->l.work))
	RS_LOG_LAST;
	EXPECT_TRUE(rs_json_has(rs_last.out, "verdict", "fresh"))
	RS_LOG_LAST;
}

/*
 * The owner of a workdir (an unprivileged pair's user) can swap work/ for
 * a symlink between the verdict and the removal of the stock marker that
 * a reuse with the module does (ovlctl runs as root): nothing is removed
 * through the link, the mount fails, and the pair put back is reusable.
 */
TEST_F(cli, marker_removal_never_follows_a_link)
{
	struct ovl_case_env *e = &self->e;
	char decoy[PATH_MAX], vol[PATH_MAX], work[PATH_MAX], real[PATH_MAX];
	char *argv[] = { "ovlctl",  "mount",	 "--work",
			 e->l.work, e->l.merged, NULL };
	struct rs_manifest m;
	int st;
	pid_t pid;

	if (access(rs_fault_bin, X_OK))
		SKIP(return, "no %s (ovlctl's FAULT_POINTS build) here",
			   rs_fault_bin);
	rs_prepare(_metadata, e, &m);
	ASSERT_EQ(RS_EXIT_OK, OVLCTL("-J", "check", "--work", e->l.work))
	RS_LOG_LAST;
	if (!rs_json_has(rs_last.out, "authority", "module"))
		SKIP(return,
			   "the kernel is the authority: ovlctl never removes its marker");
	ASSERT_EQ(0, vt_join(decoy, e->l.base, "decoy"));
	ASSERT_EQ(0, mkdir(decoy, 0755));
	ASSERT_EQ(0, rs_mkdirs(decoy, "incompat/volatile"));
	ASSERT_EQ(0, vt_join(vol, decoy, "incompat/volatile"));
	ASSERT_EQ(0, vt_write_file(vol, "dirty", ""));
	ASSERT_EQ(0, vt_join(work, e->l.work, "work"));
	ASSERT_EQ(0, vt_join(real, e->l.work, "work.real"));

	pid = rs_start_stopped("reuse-verdict", argv);
	ASSERT_LT(0, pid);
	/* In the window (no ASSERT until it goes on: it holds the lock) */
	EXPECT_EQ(0, rename(work, real));
	EXPECT_EQ(0, symlink(decoy, work));
	EXPECT_EQ(0, kill(pid, SIGCONT));
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(1, WEXITSTATUS(st));
	EXPECT_TRUE(vt_exists(vol, "dirty"));
	if (rs_is_mounted(e->l.merged, NULL, 0) == 1)
		EXPECT_EQ(0, umount(e->l.merged));

	ASSERT_EQ(0, unlink(work));
	ASSERT_EQ(0, rename(real, work));
	ASSERT_EQ(RS_EXIT_OK,
		  OVLCTL("-J", "mount", "--work", e->l.work, e->l.merged))
	RS_LOG_LAST;
	EXPECT_TRUE(rs_json_has(rs_last.out, "verdict", "reuse")) RS_LOG_LAST;
	rs_verify(_metadata, e->l.merged, &m, 0);
	rs_umount(_metadata, e->l.merged);
}

/*
 * --on-invalid=discard emptied the pair, then the mount failed (here: the
 * target is a file, which mount(2) finds out after overlayfs set up its
 * work dir): the error says the upper is gone, not that nothing was
 * changed, and the pair is not refused for it. overlayfs left its marker,
 * so the next verdict reuses the empty upper (the checkpoint of the failed
 * first mount predates the marker); without a marker it would be fresh.
 */
TEST_F(cli, discard_then_mount_fails)
{
	struct ovl_case_env *e = &self->e;
	struct ovl_volatile_ckpt orig;
	struct rs_manifest m;
	char file[PATH_MAX];

	rs_prepare(_metadata, e, &m);
	ASSERT_EQ(sizeof(orig),
		  rs_ckpt_read(e, e->l.work, &orig, sizeof(orig)));
	rs_forge(_metadata, e, &orig, OVL_ACT_FORGE_NONCE);
	ASSERT_EQ(0, vt_join(file, e->l.base, "target-file"));
	ASSERT_EQ(0, vt_write_file(e->l.base, "target-file", "f"));

	ASSERT_EQ(1, OVLCTL("-J", "mount", "--on-invalid=discard", "--work",
			    e->l.work, file))
	RS_LOG_LAST;
	EXPECT_TRUE(strstr(rs_last.out, "discarded before the mount"))
	RS_LOG_LAST;
	EXPECT_TRUE(rs_json_true(rs_last.out, "discarded")) RS_LOG_LAST;
	EXPECT_FALSE(strstr(rs_last.out, "nothing was changed"))
	RS_LOG_LAST;
	EXPECT_FALSE(vt_exists(e->l.upper, "a"));
	EXPECT_FALSE(vt_exists(e->l.upper, "tree"));
	EXPECT_EQ(0, rs_is_mounted(file, NULL, 0));
	ASSERT_EQ(RS_EXIT_OK,
		  OVLCTL("-J", "check", "--lower", e->l.lower, "--upper",
			 e->l.upper, "--work", e->l.work))
	RS_LOG_LAST;
	EXPECT_TRUE(rs_json_has(
		rs_last.out, "verdict",
		vt_exists(e->l.work, OVL_VOLATILE_DIR) ? "reuse" : "fresh"))
	RS_LOG_LAST;
}

/*
 * --on-invalid=discard empties the dirs the verdict looked at, never what
 * a recorded path names later: the recorded upper moved away and another
 * dir (someone else's) took its path. Nothing of it may go.
 */
TEST_F(cli, discard_never_follows_a_moved_upper)
{
	struct ovl_case_env *e = &self->e;
	struct ovl_volatile_ckpt orig;
	char moved[PATH_MAX];
	struct rs_manifest m;

	rs_prepare(_metadata, e, &m);
	ASSERT_EQ(sizeof(orig),
		  rs_ckpt_read(e, e->l.work, &orig, sizeof(orig)));
	rs_forge(_metadata, e, &orig, OVL_ACT_FORGE_NONCE);
	ASSERT_EQ(0, vt_join(moved, e->l.base, "upper.moved"));
	ASSERT_EQ(0, rename(e->l.upper, moved));
	ASSERT_EQ(0, mkdir(e->l.upper, 0755));
	ASSERT_EQ(0, vt_write_file(e->l.upper, "precious", "not yours"));

	ASSERT_EQ(1, OVLCTL("-J", "mount", "--on-invalid=discard", "--work",
			    e->l.work, e->l.merged))
	RS_LOG_LAST;
	EXPECT_TRUE(strstr(rs_last.out, "is now another directory"))
	RS_LOG_LAST;
	EXPECT_EQ(0, rs_is_mounted(e->l.merged, NULL, 0));
	EXPECT_TRUE(vt_exists(e->l.upper, "precious"));
	/* The recorded pair is untouched as well */
	rs_verify(_metadata, moved, &m, 0);
	ASSERT_EQ(sizeof(orig),
		  rs_ckpt_read(e, e->l.work, &orig, sizeof(orig)));
}

/*
 * A pair whose checkpoint sits in the other authority's place (a module
 * path pair whose marker was removed before a crash, booted into the
 * patched kernel; or a kernel checkpoint on the marker next to ovlctl's
 * on the workdir) is never fresh and never reused: nonce-changed, and gc
 * calls it stale.
 */
TEST_F(cli, other_authority_checkpoint_refused)
{
	struct ovl_case_env *e = &self->e;
	struct ovl_volatile_ckpt orig, other;
	char path[PATH_MAX], state[64], reason[64];
	struct rs_manifest m;

	rs_prepare(_metadata, e, &m);
	ASSERT_EQ(sizeof(orig),
		  rs_ckpt_read(e, e->l.work, &orig, sizeof(orig)));
	other = orig;
	if (e->kind == RS_AUTH_KERNEL) {
		/* the module's place, and no marker left */
		other.authority = OVL_VOLATILE_AUTH_MODULE;
		ASSERT_EQ(0, setxattr(e->l.work, OVL_TRUSTED_XATTR, &other,
				      sizeof(other), 0));
		ASSERT_EQ(0, vt_join(path, e->l.work, OVL_DIRTY));
		ASSERT_TRUE(!unlink(path) || errno == ENOENT);
		ASSERT_EQ(0, vt_join(path, e->l.work, OVL_VOLATILE_DIR));
		ASSERT_EQ(0, rmdir(path));
	} else {
		/* the kernel's place, next to ovlctl's own */
		other.authority = OVL_VOLATILE_AUTH_KERNEL;
		ASSERT_EQ(0, ovl_ckpt_write(e->l.work, OVL_TRUSTED_XATTR,
					    &other, sizeof(other)));
	}
	ASSERT_EQ(RS_EXIT_NOT_REUSABLE,
		  OVLCTL("-J", "check", "--work", e->l.work))
	RS_LOG_LAST;
	EXPECT_TRUE(rs_json_has(rs_last.out, "reason", "nonce-changed"))
	RS_LOG_LAST;
	ASSERT_EQ(RS_EXIT_NOT_REUSABLE,
		  OVLCTL("-J", "mount", "--work", e->l.work, e->l.merged))
	RS_LOG_LAST;
	EXPECT_EQ(0, rs_is_mounted(e->l.merged, NULL, 0));
	rs_verify(_metadata, e->l.upper, &m, 0);

	snprintf(path, sizeof(path), "%s", e->l.base);
	*strrchr(path, '/') = '\0';
	OVLCTL("-J", "gc", "--root", path);
	ASSERT_EQ(0, rs_gc_pair(rs_last.out, e->l.base, state, reason,
				sizeof(state)))
	RS_LOG_LAST;
	EXPECT_STREQ("nonce-changed", reason);
	EXPECT_STREQ("stale", state);
}

/*
 * A mount(2) that fails is an error (1), never "not reusable" (3, which a
 * runtime may answer with a discard), and takes back what was done for
 * it: the recorded spec and checkpoint of a first mount, the stock marker
 * of a module-path reuse.
 */
TEST_F(cli, failed_mount_changes_nothing)
{
	struct ovl_case_env *e = &self->e;
	unsigned char ck[128];
	struct rs_manifest m;
	char buf[8];

	ASSERT_EQ(1, OVLCTL("-J", "mount", "--lower", e->l.lower, "--upper",
			    e->l.upper, "--work", e->l.work, "-o",
			    "redirect_dir=bogus", e->l.merged))
	RS_LOG_LAST;
	EXPECT_EQ(0, rs_is_mounted(e->l.merged, NULL, 0));
	EXPECT_EQ(-1,
		  getxattr(e->l.work, "trusted.ovlctl.spec", buf, sizeof(buf)));
	EXPECT_EQ(-1, getxattr(e->l.work, OVL_TRUSTED_XATTR, buf, sizeof(buf)));
	EXPECT_FALSE(vt_exists(e->l.work, OVL_VOLATILE_DIR));

	/* A restart that fails: the pair stays reusable */
	rs_prepare(_metadata, e, &m);
	ASSERT_LT(0, rs_ckpt_read(e, e->l.work, ck, sizeof(ck)));
	ASSERT_EQ(1, OVLCTL("-J", "mount", "--work", e->l.work, "-o",
			    "redirect_dir=bogus", e->l.merged))
	RS_LOG_LAST;
	EXPECT_TRUE(rs_json_has(rs_last.out, "error", NULL)) RS_LOG_LAST;
	EXPECT_FALSE(rs_json_true(rs_last.out, "discarded")) RS_LOG_LAST;
	EXPECT_EQ(0, rs_is_mounted(e->l.merged, NULL, 0));
	EXPECT_TRUE(vt_exists(e->l.work, OVL_VOLATILE_DIR));
	ASSERT_EQ(RS_EXIT_OK,
		  OVLCTL("-J", "mount", "--work", e->l.work, e->l.merged))
	RS_LOG_LAST;
	EXPECT_TRUE(rs_json_has(rs_last.out, "verdict", "reuse"))
	RS_LOG_LAST;
	rs_verify(_metadata, e->l.merged, &m, 0);
	rs_umount(_metadata, e->l.merged);
}

/* umount --seal that cannot seal has unmounted anyway: exit 1, not 3. */
TEST_F(cli, seal_refused_after_unmount_is_error)
{
	struct ovl_case_env *e = &self->e;
	struct ovl_volatile_ckpt orig;

	rs_mount_fresh(_metadata, e, e->l.merged);
	ASSERT_EQ(sizeof(orig),
		  rs_ckpt_read(e, e->l.work, &orig, sizeof(orig)));
	rs_forge(_metadata, e, &orig, OVL_ACT_FORGE_NONCE);
	ASSERT_EQ(1, OVLCTL("umount", "--seal", e->l.merged)) RS_LOG_LAST;
	EXPECT_TRUE(strstr(rs_last.err, "unmounted but not sealed"))
	RS_LOG_LAST;
	EXPECT_EQ(0, rs_is_mounted(e->l.merged, NULL, 0));
}

/* umount never takes another mount stacked on top of the overlay. */
TEST_F(cli, umount_not_what_is_stacked_on_top)
{
	struct ovl_case_env *e = &self->e;

	rs_mount_fresh(_metadata, e, e->l.merged);
	ASSERT_EQ(0, mount("top", e->l.merged, "tmpfs", 0, NULL));
	ASSERT_EQ(1, OVLCTL("umount", e->l.merged)) RS_LOG_LAST;
	EXPECT_TRUE(strstr(rs_last.err, "another mount is on top"))
	RS_LOG_LAST;
	ASSERT_EQ(0, umount(e->l.merged));
	ASSERT_EQ(1, rs_is_mounted(e->l.merged, NULL, 0));
	rs_umount(_metadata, e->l.merged);
}

/* ovlctl mounts a fresh volatile overlay of @e at merged2. */
static int rs_hold_with_ovlctl(struct ovl_case_env *e, const char *unused)
{
	(void)unused;
	return OVLCTL("mount", "--lower", e->l.lower, "--upper", e->l.upper,
		      "--work", e->l.work, e->merged2) == RS_EXIT_OK ?
		       0 :
		       -EIO;
}

/* ovlctl list finds an overlay mounted in another mount namespace. */
TEST_F(cli, list_other_mntns)
{
	struct ovl_case_env *e = &self->e;

	ASSERT_EQ(0, ovl_case_hold_in_other_ns(e, rs_hold_with_ovlctl, NULL))
	TH_LOG("ovlctl mount in the other namespace failed");
	ASSERT_EQ(0, rs_is_mounted(e->merged2, NULL, 0));

	ASSERT_EQ(RS_EXIT_OK, OVLCTL("-J", "list")) RS_LOG_LAST;
	EXPECT_TRUE(rs_json_has(rs_last.out, "target", e->merged2))
	RS_LOG_LAST;
	EXPECT_TRUE(rs_json_has(rs_last.out, "upper", e->l.upper))
	RS_LOG_LAST;
	EXPECT_TRUE(rs_json_has(rs_last.out, "work", e->l.work)) RS_LOG_LAST;

	/* Gone from the list once that namespace is gone */
	ovl_case_release_holder(e);
	ASSERT_EQ(RS_EXIT_OK, OVLCTL("-J", "list")) RS_LOG_LAST;
	EXPECT_FALSE(rs_json_has(rs_last.out, "target", e->merged2))
	RS_LOG_LAST;
}

/* @runs are done; exactly one mounted; which one (index) or -1. */
static int rs_one_winner(struct __test_metadata *_metadata, struct rs_run *r,
			 const char *const *targets, int n)
{
	int i, winner = -1, mounted = 0;

	for (i = 0; i < n; i++) {
		if (r[i].status == RS_EXIT_OK) {
			EXPECT_EQ(-1, winner)
			TH_LOG("two ovlctl mounts of one workdir succeeded");
			winner = i;
		} else {
			EXPECT_EQ(RS_EXIT_BUSY, r[i].status)
			TH_LOG("loser %d: exit %d\nstdout: %s\nstderr: %s", i,
			       r[i].status, r[i].out, r[i].err);
		}
		mounted += rs_is_mounted(targets[i], NULL, 0) == 1;
	}
	EXPECT_EQ(1, mounted);
	return winner;
}

/* Two ovlctl mounts of one workdir at once: one mounts, one is busy. */
TEST_F_TIMEOUT(cli, concurrent_no_wait, 120)
{
	struct ovl_case_env *e = &self->e;
	static struct rs_run r[2];
	const char *targets[2] = { e->l.merged, e->merged2 };
	struct rs_manifest m;
	int round, i, gate[2], w;

	memset(&m, 0, sizeof(m));
	for (round = 0; round < 6; round++) {
		ASSERT_EQ(0, pipe2(gate, O_CLOEXEC));
		for (i = 0; i < 2; i++) {
			/* The first round mounts fresh, the others restart */
			const char *fresh[] = {
				"-J",	    "mount",	"--no-wait", "--lower",
				e->l.lower, "--upper",	e->l.upper,  "--work",
				e->l.work,  targets[i], NULL
			};
			const char *restart[] = { "-J",	       "mount",
						  "--no-wait", "--work",
						  e->l.work,   targets[i],
						  NULL };

			ASSERT_EQ(0, rs_start(&r[i], round ? restart : fresh,
					      gate[0], gate[1]));
		}
		close(gate[0]);
		close(gate[1]);
		for (i = 0; i < 2; i++)
			rs_wait(&r[i], 0);
		w = rs_one_winner(_metadata, r, targets, 2);
		ASSERT_LE(0, w) TH_LOG("round %d: nobody mounted", round);
		if (round == 0)
			rs_write_data(_metadata, targets[w], &m);
		rs_verify(_metadata, targets[w], &m, round);
		rs_check_lower(_metadata, e, targets[w], 1);
		rs_umount(_metadata, targets[w]);
	}
}

/*
 * Without --no-wait the second ovlctl waits for the first, then finds the
 * upper in use. The test holds the workdir's lock while both start.
 */
TEST_F_TIMEOUT(cli, concurrent_wait, 120)
{
	struct ovl_case_env *e = &self->e;
	static struct rs_run r[2], busy;
	const char *targets[2] = { e->l.merged, e->merged2 };
	struct rs_manifest m;
	int i, lock, w;

	rs_prepare(_metadata, e, &m);
	lock = open(e->l.work, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, lock);
	ASSERT_EQ(0, flock(lock, LOCK_EX));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, rs_start(&r[i],
				      (const char *const[]){
					      "-J", "mount", "--work",
					      e->l.work, targets[i], NULL },
				      -1, -1));
	/* --no-wait while the lock is held: busy at once, nothing mounted */
	ASSERT_EQ(0, rs_start(&busy,
			      (const char *const[]){ "-J", "mount", "--no-wait",
						     "--work", e->l.work,
						     e->l.merged, NULL },
			      -1, -1));
	rs_wait(&busy, 0);
	EXPECT_EQ(RS_EXIT_BUSY, busy.status)
	TH_LOG("stdout: %s\nstderr: %s", busy.out, busy.err);
	usleep(500000);
	for (i = 0; i < 2; i++)
		EXPECT_EQ(0, rs_wait(&r[i], 1))
	TH_LOG("ovlctl %d did not wait for the lock", i);
	EXPECT_EQ(0, rs_is_mounted(e->l.merged, NULL, 0));
	EXPECT_EQ(0, rs_is_mounted(e->merged2, NULL, 0));
	close(lock);
	for (i = 0; i < 2; i++)
		if (r[i].status < 0)
			rs_wait(&r[i], 0);
	w = rs_one_winner(_metadata, r, targets, 2);
	ASSERT_LE(0, w);
	EXPECT_TRUE(rs_json_has(r[!w].out, "reason", "in-use"))
	TH_LOG("loser: %s %s", r[!w].out, r[!w].err);
	rs_verify(_metadata, targets[w], &m, 0);
	rs_umount(_metadata, targets[w]);
}

/* A layer path with a comma is refused as a usage error. */
TEST_F(cli, hostile_comma)
{
	struct ovl_case_env *e = &self->e;
	char comma[PATH_MAX], buf[128];

	ASSERT_EQ(0, vt_join(comma, e->l.base, "lo,wer=x,upperdir=y"));
	ASSERT_EQ(0, mkdir(comma, 0755));
	ASSERT_EQ(RS_EXIT_USAGE,
		  OVLCTL("-J", "mount", "--lower", comma, "--upper", e->l.upper,
			 "--work", e->l.work, e->l.merged))
	RS_LOG_LAST;
	EXPECT_EQ(0, rs_json_str(rs_last.out, "error", buf, sizeof(buf)))
	RS_LOG_LAST;
	ASSERT_EQ(RS_EXIT_USAGE,
		  OVLCTL("-J", "mount", "--lower", e->l.lower, "--upper", comma,
			 "--work", e->l.work, e->l.merged))
	RS_LOG_LAST;
	/* Nothing mounted, nothing recorded */
	EXPECT_EQ(0, rs_is_mounted(e->l.merged, NULL, 0));
	EXPECT_FALSE(vt_exists(e->l.work, "work"));
	EXPECT_EQ(-1,
		  getxattr(e->l.work, "trusted.ovlctl.spec", buf, sizeof(buf)));
	EXPECT_EQ(-1, getxattr(e->l.work, OVL_TRUSTED_XATTR, buf, sizeof(buf)));
}

/* Spaces and colons in every path: escaped, mounted, restarted. */
TEST_F(cli, hostile_space_colon)
{
	struct ovl_case_env *e = &self->e;
	char base[PATH_MAX], lower[PATH_MAX], upper[PATH_MAX], work[PATH_MAX];
	char target[PATH_MAX], opts[1024];
	struct rs_manifest m;

	memset(&m, 0, sizeof(m));
	ASSERT_EQ(0, vt_join(base, e->l.base, "a dir: with spaces"));
	ASSERT_EQ(0, vt_join(lower, base, "low er:1"));
	ASSERT_EQ(0, vt_join(upper, base, "up per:2"));
	ASSERT_EQ(0, vt_join(work, base, "wo rk:3"));
	ASSERT_EQ(0, vt_join(target, base, "mer ged:4"));
	ASSERT_EQ(0, mkdir(base, 0755));
	ASSERT_EQ(0, mkdir(lower, 0755));
	ASSERT_EQ(0, mkdir(upper, 0755));
	ASSERT_EQ(0, mkdir(work, 0755));
	ASSERT_EQ(0, mkdir(target, 0755));
	ASSERT_EQ(0, vt_write_file(lower, "from-lower", "L"));

	ASSERT_EQ(RS_EXIT_OK, OVLCTL("-J", "mount", "--lower", lower, "--upper",
				     upper, "--work", work, target))
	RS_LOG_LAST;
	ASSERT_EQ(1, rs_is_mounted(target, NULL, 0));
	EXPECT_EQ(0, vt_check_file(target, "from-lower", "L"));
	ASSERT_EQ(0, rs_write_gen(target, "data", 100000, 5, &m));
	rs_umount(_metadata, target);
	rs_verify(_metadata, upper, &m, 0);

	ASSERT_EQ(RS_EXIT_OK, OVLCTL("-J", "mount", "--work", work, target))
	RS_LOG_LAST;
	EXPECT_TRUE(rs_json_has(rs_last.out, "verdict", "reuse")) RS_LOG_LAST;
	ASSERT_EQ(1, rs_is_mounted(target, opts, sizeof(opts)));
	EXPECT_TRUE(strstr(opts, "volatile") != NULL);
	EXPECT_EQ(0, vt_check_file(target, "from-lower", "L"));
	rs_verify(_metadata, target, &m, 0);
	rs_umount(_metadata, target);
}

/*
 * With userxattr the checkpoint and the spec are user.* xattrs: a restart
 * given --userxattr again reuses the upper; forged, it is refused. ext4:
 * tmpfs has no user xattrs before 6.6.
 */
TEST_F(cli, userxattr_restart)
{
	struct ovl_case_env *e = &self->e;
	unsigned char raw[sizeof(struct ovl_volatile_ckpt) + 1];
	struct ovl_volatile_ckpt c;
	char dir[PATH_MAX], opts[1024];
	struct rs_manifest m;
	size_t len;
	int err;

	ovl_case_env_fini(e);
	err = ovl_case_env_init(e, &ovl_case_fses[1], self->a.kind);
	if (err == -ENXIO)
		SKIP(return, "no ext4 scratch device");
	ASSERT_EQ(0, err);
	memset(&m, 0, sizeof(m));
	ASSERT_EQ(RS_EXIT_OK, OVLCTL("-J", "mount", "--userxattr", "--lower",
				     e->l.lower, "--upper", e->l.upper,
				     "--work", e->l.work, e->l.merged))
	RS_LOG_LAST;
	EXPECT_TRUE(rs_json_has(rs_last.out, "verdict", "fresh")) RS_LOG_LAST;
	ASSERT_EQ(1, rs_is_mounted(e->l.merged, opts, sizeof(opts)));
	EXPECT_TRUE(strstr(opts, "userxattr") != NULL) TH_LOG("%s", opts);
	rs_write_data(_metadata, e->l.merged, &m);
	rs_umount(_metadata, e->l.merged);

	/* user.*, never trusted.* */
	ASSERT_EQ(0, rs_ckpt_dir(e, e->l.work, dir));
	ASSERT_EQ(sizeof(c), getxattr(dir, OVL_USER_XATTR, &c, sizeof(c)));
	EXPECT_EQ(-1, getxattr(dir, OVL_TRUSTED_XATTR, raw, sizeof(raw)));
	EXPECT_EQ(ENODATA, errno);
	EXPECT_LT(0, getxattr(e->l.work, "user.ovlctl.spec", NULL, 0));
	EXPECT_EQ(-1, getxattr(e->l.work, "trusted.ovlctl.spec", NULL, 0));

	ASSERT_EQ(RS_EXIT_OK, OVLCTL("-J", "mount", "--userxattr", "--work",
				     e->l.work, e->l.merged))
	RS_LOG_LAST;
	EXPECT_TRUE(rs_json_has(rs_last.out, "verdict", "reuse")) RS_LOG_LAST;
	ASSERT_EQ(1, rs_is_mounted(e->l.merged, opts, sizeof(opts)));
	EXPECT_TRUE(strstr(opts, "userxattr") != NULL) TH_LOG("%s", opts);
	EXPECT_TRUE(strstr(opts, "volatile") != NULL) TH_LOG("%s", opts);
	rs_verify(_metadata, e->l.merged, &m, 0);
	rs_check_lower(_metadata, e, e->l.merged, 1);
	rs_umount(_metadata, e->l.merged);

	len = ovl_case_forge(&c, OVL_ACT_FORGE_NONCE, 0, raw);
	ASSERT_EQ(sizeof(c), len);
	ASSERT_EQ(0, setxattr(dir, OVL_USER_XATTR, raw, len, 0));
	ASSERT_EQ(RS_EXIT_NOT_REUSABLE,
		  OVLCTL("-J", "mount", "--userxattr", "--work", e->l.work,
			 e->l.merged))
	RS_LOG_LAST;
	EXPECT_TRUE(rs_json_has(rs_last.out, "reason", "nonce-changed"))
	RS_LOG_LAST;
	EXPECT_EQ(0, rs_is_mounted(e->l.merged, NULL, 0));
	rs_verify(_metadata, e->l.upper, &m, 0);
}

/* Without root: an error naming the privilege, and nothing changes. */
TEST_F(cli, no_root)
{
	static const char *const cmds[] = { "mount", "check", "inspect",
					    "discard", "umount" };
	struct ovl_case_env *e = &self->e;
	unsigned char before[128], after[128];
	char err[256];
	struct rs_manifest m;
	ssize_t blen, alen;
	uint64_t digest;
	unsigned int i;
	int status = 0;

	rs_prepare(_metadata, e, &m);
	blen = rs_ckpt_read(e, e->l.work, before, sizeof(before));
	ASSERT_EQ(OVL_VOLATILE_CKPT_V2_SIZE, blen);
	digest = rs_upper_digest(e->l.upper);
	/* Everything can be looked at: only the privilege is missing */
	ASSERT_EQ(0, chmod(e->l.base, 0755));

	rs_uid = 65534;
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		if (!strcmp(cmds[i], "mount"))
			status = OVLCTL("-J", "mount", "--work", e->l.work,
					e->l.merged);
		else if (!strcmp(cmds[i], "discard"))
			status = OVLCTL("-J", "discard", e->l.upper, e->l.work);
		else if (!strcmp(cmds[i], "umount"))
			status = OVLCTL("-J", "umount", e->l.merged);
		else
			status = OVLCTL("-J", cmds[i], "--work", e->l.work);
		EXPECT_EQ(1, status)
		TH_LOG("%s as uid %u: exit %d\nstdout: %s\nstderr: %s", cmds[i],
		       rs_uid, status, rs_last.out, rs_last.err);
		EXPECT_EQ(0,
			  rs_json_str(rs_last.out, "error", err, sizeof(err)))
		TH_LOG("%s: no JSON error: %s", cmds[i], rs_last.out);
		EXPECT_TRUE(strstr(err, "root") != NULL)
		TH_LOG("%s: the error does not name the privilege: %s", cmds[i],
		       err);
	}
	rs_uid = 0;
	EXPECT_EQ(0, rs_is_mounted(e->l.merged, NULL, 0));
	EXPECT_EQ(digest, rs_upper_digest(e->l.upper));
	EXPECT_TRUE(vt_exists(e->l.work, OVL_DIRTY));
	alen = rs_ckpt_read(e, e->l.work, after, sizeof(after));
	ASSERT_EQ(blen, alen);
	EXPECT_EQ(0, memcmp(before, after, blen));

	/* And root still reuses it */
	ASSERT_EQ(RS_EXIT_OK,
		  OVLCTL("-J", "mount", "--work", e->l.work, e->l.merged))
	RS_LOG_LAST;
	rs_verify(_metadata, e->l.merged, &m, 0);
	rs_umount(_metadata, e->l.merged);
}

TEST_HARNESS_MAIN
