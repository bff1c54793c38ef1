// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark, not a timed test: what restarting a volatile container costs,
 * by the ways a runtime can restart it today, with D MiB the container
 * wrote just before it stopped still dirty in its upper. Every step is a
 * process, as a runtime runs it (ovlctl, busybox mount/umount/sync/rm), so
 * the comparison is process to process. Run by `make bench` in the guests
 * (selftests/vm/run.sh --bench); only functional steps are asserted, never
 * timing. Figures go to "# BENCH" lines:
 *
 *   # BENCH restart path=P size=D run=I stop_ms=S start_ms=T total_ms=S+T
 *   # BENCH cost cmd=C run=I ms=M maxrss_kb=R
 *
 * Paths (P):
 *   ovlctl   `ovlctl umount`, `ovlctl mount --work W`: the reuse
 *   plain    `umount`, `mount -o volatile` on the patched kernel, which
 *            reuses the pair itself (patched kernels only)
 *   syncfs   `umount`, then `sync -f` on the upper fs, remove the stock
 *            marker, `mount -o volatile`: what is safe today
 *   discard  `umount`, `rm -rf` upper and work, `mount -o volatile` of the
 *            empty pair, and the D MiB written again (a lower bound of a
 *            rebuild: the content is known and in memory)
 *   bare     `umount`, `mount -o volatile` of a fresh upper: the limit
 *   seal     `ovlctl umount --seal`, `ovlctl mount --work W`: durable
 *            across a reboot, to compare with syncfs
 *
 * The upper fs is the ext4 disk OVLVOL_SCRATCH_BENCH, throttled or not by
 * the host. Before each run everything is synced, then the container
 * writes its D MiB: the dirty data is the container's own only.
 * OVLVOL_BENCH_SIZES (MiB, default "16 128 512") and OVLVOL_BENCH_RUNS
 * (default 7) size it; `make check` runs a smoke form.
 */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "ovl_volatile_test.h"
#include "ovlvol_test.h"

extern char **environ;

#define BENCH_MAX_SIZES 8
#define BENCH_MAX_RUNS 64

struct bench_cfg {
	int sizes[BENCH_MAX_SIZES];
	int nsizes;
	int runs;
	const char *ovlctl;
	int patched;
};

static int bench_cfg(struct bench_cfg *c)
{
	const char *s = getenv("OVLVOL_BENCH_SIZES"), *r;
	char *end;
	long v;

	memset(c, 0, sizeof(*c));
	if (!s || !*s)
		s = "16 128 512";
	while (*s) {
		while (*s == ' ')
			s++;
		if (!*s)
			break;
		errno = 0;
		v = strtol(s, &end, 10);
		if (errno || end == s || v < 1 || v > 4096 ||
		    c->nsizes == BENCH_MAX_SIZES)
			return -EINVAL;
		c->sizes[c->nsizes++] = v;
		s = end;
	}
	r = getenv("OVLVOL_BENCH_RUNS");
	c->runs = 7;
	if (r && *r) {
		errno = 0;
		v = strtol(r, &end, 10);
		if (errno || *end || v < 1 || v > BENCH_MAX_RUNS)
			return -EINVAL;
		c->runs = v;
	}
	c->ovlctl = getenv("OVLVOL_OVLCTL");
	if (!c->ovlctl || !*c->ovlctl)
		c->ovlctl = "ovlctl";
	c->patched = ovl_kernel_has_reuse();
	return c->nsizes ? 0 : -EINVAL;
}

/*
 * Run @argv (a NULL-terminated list) as a process, wait for it; its wall
 * time in ms into *@ms (from before the spawn to after the reap) and its
 * peak RSS into *@rss_kb. Returns its exit status, or -errno.
 */
static int bench_run(double *ms, long *rss_kb, char *const argv[])
{
	struct rusage ru;
	double t0 = ovlvol_test_now();
	pid_t pid;
	int st, ret;

	ret = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ);
	if (ret)
		return -ret;
	if (wait4(pid, &st, 0, &ru) != pid)
		return -errno;
	if (ms)
		*ms = (ovlvol_test_now() - t0) * 1000;
	if (rss_kb)
		*rss_kb = ru.ru_maxrss;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

#define RUN(ms, ...) bench_run(ms, NULL, (char *const[]){ __VA_ARGS__, NULL })

/*
 * The id authority ovlctl needs: on a stock kernel the module, loaded here
 * unless it already is (*@loaded: to unload at the end). 0 or -errno.
 */
static int bench_auth(const struct bench_cfg *c, int *loaded)
{
	int err;

	*loaded = 0;
	if (c->patched || ovlvol_test_loaded())
		return 0;
	err = ovlvol_test_load();
	if (err && err != -EEXIST)
		return err;
	*loaded = !err;
	return 0;
}

struct bench_pair {
	char base[256];
	char lower[PATH_MAX], upper[PATH_MAX], work[PATH_MAX];
	char merged[PATH_MAX];
	char opts[4 * PATH_MAX];
	int gen;
};

/* Fresh upper and work dirs (generation @gen) under @p->base. */
static int bench_pair_dirs(struct bench_pair *p)
{
	snprintf(p->upper, sizeof(p->upper), "%s/upper.%d", p->base, p->gen);
	snprintf(p->work, sizeof(p->work), "%s/work.%d", p->base, p->gen);
	if (mkdir(p->upper, 0755) || mkdir(p->work, 0755))
		return -errno;
	snprintf(p->opts, sizeof(p->opts),
		 "lowerdir=%s,upperdir=%s,workdir=%s,volatile", p->lower,
		 p->upper, p->work);
	return 0;
}

/* A pair under @root/@name: a lower of 64 small files. */
static int bench_pair_init(struct bench_pair *p, const char *root,
			   const char *name)
{
	char f[16];
	int i, ret;

	memset(p, 0, sizeof(*p));
	if (snprintf(p->base, sizeof(p->base), "%s/%s", root, name) >=
	    (int)sizeof(p->base))
		return -ENAMETOOLONG;
	snprintf(p->lower, sizeof(p->lower), "%s/lower", p->base);
	snprintf(p->merged, sizeof(p->merged), "%s/merged", p->base);
	if (mkdir(p->base, 0755) || mkdir(p->lower, 0755) ||
	    mkdir(p->merged, 0755))
		return -errno;
	for (i = 0; i < 64; i++) {
		snprintf(f, sizeof(f), "f%d", i);
		ret = vt_write_file(p->lower, f, "lower file");
		if (ret)
			return ret;
	}
	return bench_pair_dirs(p);
}

/* The container writes @mib MiB to a new file in @dir, no sync. */
static int bench_dirty(const char *dir, int mib)
{
	static char buf[1 << 20];
	int fd, i;

	memset(buf, 'd', sizeof(buf));
	fd = vt_open(dir, "dirty", O_WRONLY | O_CREAT | O_TRUNC);
	if (fd < 0)
		return fd;
	for (i = 0; i < mib; i++) {
		if (write(fd, buf, sizeof(buf)) != sizeof(buf)) {
			close(fd);
			return -EIO;
		}
	}
	close(fd);
	return 0;
}

/* The container's file is back whole (a reuse), or gone (a fresh upper). */
static int bench_dirty_size(const char *dir)
{
	char path[PATH_MAX];
	struct stat st;

	if (vt_join(path, dir, "dirty"))
		return -ENAMETOOLONG;
	if (stat(path, &st))
		return errno == ENOENT ? 0 : -errno;
	return st.st_size >> 20;
}

/*
 * The set-up both fixtures share: the configuration, a private mount
 * namespace, the authority, the bench disk mounted on @root. NULL when
 * ready, else why to SKIP; *@err: an error, not a SKIP.
 */
static const char *bench_setup(struct bench_cfg *c, int *loaded, char *root,
			       int *err)
{
	const char *dev = getenv("OVLVOL_SCRATCH_BENCH");

	*err = bench_cfg(c);
	if (*err)
		return NULL;
	if (!dev || !*dev)
		return "no benchmark disk (OVLVOL_SCRATCH_BENCH)";
	*err = vt_private_ns();
	if (*err)
		return NULL;
	if (bench_auth(c, loaded))
		return "stock kernel and ovlvol (OVLVOL_MODULE) does not load";
	*err = ovlvol_test_mount_new(root, "ext4", dev, 0);
	return NULL;
}

/* Unmount @merged (if not NULL), remove @root/@name, unmount @root. */
static void bench_teardown(const char *merged, char *root, const char *name,
			   int loaded)
{
	if (merged)
		umount2(merged, MNT_DETACH);
	if (root[0]) {
		ovlvol_test_sh("rm -rf %s/%s", root, name);
		umount2(root, MNT_DETACH);
		rmdir(root);
	}
	if (loaded)
		ovlvol_test_unload_wait();
}

enum bench_path {
	BP_OVLCTL,
	BP_PLAIN,
	BP_SYNCFS,
	BP_DISCARD,
	BP_BARE,
	BP_SEAL
};
static const char *const bench_path_names[] = { "ovlctl",  "plain", "syncfs",
						"discard", "bare",  "seal" };

FIXTURE(restart)
{
	struct bench_cfg cfg;
	char root[PATH_MAX];
	struct bench_pair p;
	int mounted;
	int loaded;
};

FIXTURE_VARIANT(restart)
{
	enum bench_path path;
};

FIXTURE_VARIANT_ADD(restart, ovlctl){ .path = BP_OVLCTL };
FIXTURE_VARIANT_ADD(restart, plain){ .path = BP_PLAIN };
FIXTURE_VARIANT_ADD(restart, syncfs){ .path = BP_SYNCFS };
FIXTURE_VARIANT_ADD(restart, discard){ .path = BP_DISCARD };
FIXTURE_VARIANT_ADD(restart, bare){ .path = BP_BARE };
FIXTURE_VARIANT_ADD(restart, seal){ .path = BP_SEAL };

FIXTURE_SETUP(restart)
{
	const char *why;
	int err;

	memset(self, 0, sizeof(*self));
	if (variant->path == BP_PLAIN && !ovl_kernel_has_reuse())
		SKIP(return,
			   "a plain volatile remount reuses the pair on the patched kernel only");
	why = bench_setup(&self->cfg, &self->loaded, self->root, &err);
	ASSERT_EQ(0, err);
	if (why)
		SKIP(return, "%s", why);
}

FIXTURE_TEARDOWN(restart)
{
	bench_teardown(self->mounted ? self->p.merged : NULL, self->root,
		       bench_path_names[variant->path], self->loaded);
}

/* The path's first mount of a new pair (untimed). */
static int bench_first_mount(FIXTURE_DATA(restart) * self, enum bench_path path)
{
	struct bench_pair *p = &self->p;

	if (path == BP_OVLCTL || path == BP_SEAL)
		return RUN(NULL, (char *)self->cfg.ovlctl, "mount", "--lower",
			   p->lower, "--upper", p->upper, "--work", p->work,
			   p->merged);
	return RUN(NULL, "mount", "-t", "overlay", "overlay", "-o", p->opts,
		   p->merged);
}

/*
 * One restart by @path: stop (timed into *@stop), start (timed into
 * *@start). 0, or what failed.
 */
static int bench_restart_once(FIXTURE_DATA(restart) * self,
			      enum bench_path path, int mib, double *stop,
			      double *start)
{
	struct bench_pair *p = &self->p;
	char *ovlctl = (char *)self->cfg.ovlctl;
	char marker[PATH_MAX + 16];
	double t, t1;
	int ret = -EINVAL;

	switch (path) {
	case BP_OVLCTL:
	case BP_SEAL:
		ret = path == BP_SEAL ?
			      RUN(stop, ovlctl, "umount", "--seal", p->merged) :
			      RUN(stop, ovlctl, "umount", p->merged);
		if (ret)
			return ret;
		self->mounted = 0;
		ret = RUN(start, ovlctl, "mount", "--work", p->work, p->merged);
		break;
	case BP_PLAIN:
		ret = RUN(stop, "umount", p->merged);
		if (ret)
			return ret;
		self->mounted = 0;
		ret = RUN(start, "mount", "-t", "overlay", "overlay", "-o",
			  p->opts, p->merged);
		break;
	case BP_SYNCFS:
		ret = RUN(stop, "umount", p->merged);
		if (ret)
			return ret;
		self->mounted = 0;
		snprintf(marker, sizeof(marker), "%s/work/incompat", p->work);
		t = ovlvol_test_now();
		ret = RUN(NULL, "sync", "-f", p->upper);
		ret = ret ?: RUN(NULL, "rm", "-rf", marker);
		ret = ret   ?:
			      RUN(NULL, "mount", "-t", "overlay", "overlay",
				  "-o", p->opts, p->merged);
		*start = (ovlvol_test_now() - t) * 1000;
		break;
	case BP_DISCARD:
		ret = RUN(stop, "umount", p->merged);
		if (ret)
			return ret;
		self->mounted = 0;
		t = ovlvol_test_now();
		ret = RUN(NULL, "rm", "-rf", p->upper, p->work);
		ret = ret ?: RUN(NULL, "mkdir", p->upper, p->work);
		ret = ret   ?:
			      RUN(NULL, "mount", "-t", "overlay", "overlay",
				  "-o", p->opts, p->merged);
		if (!ret) {
			self->mounted = 1;
			ret = bench_dirty(p->merged, mib);
		}
		*start = (ovlvol_test_now() - t) * 1000;
		break;
	case BP_BARE:
		ret = RUN(stop, "umount", p->merged);
		if (ret)
			return ret;
		self->mounted = 0;
		p->gen++;
		ret = bench_pair_dirs(p);
		if (ret)
			return ret;
		t1 = 0;
		ret = RUN(&t1, "mount", "-t", "overlay", "overlay", "-o",
			  p->opts, p->merged);
		*start = t1;
		if (ret)
			break;
		self->mounted = 1;
		/* The old pair's space back (untimed) */
		ret = ovlvol_test_sh("rm -rf %s/upper.%d %s/work.%d", p->base,
				     p->gen - 1, p->base, p->gen - 1);
		break;
	}
	if (!ret)
		self->mounted = 1;
	return ret;
}

static int bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double bench_median(double *v, int n)
{
	qsort(v, n, sizeof(*v), bench_cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

TEST_F_TIMEOUT(restart, path, 3600)
{
	const char *name = bench_path_names[variant->path];
	double stop, start, tot[BENCH_MAX_RUNS];
	int s, i, ret, want;

	ASSERT_EQ(0, bench_pair_init(&self->p, self->root, name));
	ASSERT_EQ(0, bench_first_mount(self, variant->path));
	self->mounted = 1;
	for (s = 0; s < self->cfg.nsizes; s++) {
		int mib = self->cfg.sizes[s];

		for (i = 0; i < self->cfg.runs; i++) {
			sync();
			ASSERT_EQ(0, bench_dirty(self->p.merged, mib));
			stop = start = 0;
			ret = bench_restart_once(self, variant->path, mib,
						 &stop, &start);
			ASSERT_EQ(0, ret)
			TH_LOG("%s restart with %d MiB dirty failed", name,
			       mib);
			/*
			 * What the restarted container sees: its data
			 * whole where the path keeps the upper, none where
			 * it starts afresh (discard writes it again).
			 */
			want = variant->path == BP_BARE ? 0 : mib;
			ASSERT_EQ(want, bench_dirty_size(self->p.merged));
			ASSERT_LT(0, stop + start);
			tot[i] = stop + start;
			printf("# BENCH restart path=%s size=%d run=%d stop_ms=%.2f start_ms=%.2f total_ms=%.2f\n",
			       name, mib, i, stop, start, stop + start);
		}
		printf("# %s, %d MiB dirty: median restart %.1f ms over %d runs\n",
		       name, mib, bench_median(tot, self->cfg.runs),
		       self->cfg.runs);
	}
}

/*
 * ovlctl's own cost: its start-up (--version against `true`), a verdict
 * (check) and a mount and umount against busybox's, with each process's
 * peak RSS.
 */
FIXTURE(cost)
{
	struct bench_cfg cfg;
	char root[PATH_MAX];
	struct bench_pair p;
	int mounted;
	int loaded;
};

FIXTURE_SETUP(cost)
{
	const char *why;
	int err;

	memset(self, 0, sizeof(*self));
	why = bench_setup(&self->cfg, &self->loaded, self->root, &err);
	ASSERT_EQ(0, err);
	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, bench_pair_init(&self->p, self->root, "cost"));
}

FIXTURE_TEARDOWN(cost)
{
	bench_teardown(self->mounted ? self->p.merged : NULL, self->root,
		       "cost", self->loaded);
}

static void bench_cost_line(const char *cmd, int run, double ms, long rss)
{
	printf("# BENCH cost cmd=%s run=%d ms=%.2f maxrss_kb=%ld\n", cmd, run,
	       ms, rss);
}

TEST_F_TIMEOUT(cost, commands, 1800)
{
	char *ovlctl = (char *)self->cfg.ovlctl;
	struct bench_pair *p = &self->p;
	int i, n = self->cfg.runs * 3;
	double ms;
	long rss;

	ASSERT_EQ(0, RUN(NULL, ovlctl, "mount", "--lower", p->lower, "--upper",
			 p->upper, "--work", p->work, p->merged));
	ASSERT_EQ(0, RUN(NULL, ovlctl, "umount", p->merged));
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, bench_run(&ms, &rss,
				       (char *const[]){ "true", NULL }));
		bench_cost_line("true", i, ms, rss);
		ASSERT_EQ(0, bench_run(&ms, &rss,
				       (char *const[]){ ovlctl, "--version",
							NULL }));
		bench_cost_line("ovlctl-version", i, ms, rss);
		ASSERT_EQ(0,
			  bench_run(&ms, &rss,
				    (char *const[]){ ovlctl, "check", "--work",
						     p->work, NULL }));
		bench_cost_line("ovlctl-check", i, ms, rss);

		ASSERT_EQ(0, bench_run(&ms, &rss,
				       (char *const[]){ ovlctl, "mount",
							"--work", p->work,
							p->merged, NULL }));
		self->mounted = 1;
		bench_cost_line("ovlctl-mount", i, ms, rss);
		ASSERT_EQ(0, bench_run(&ms, &rss,
				       (char *const[]){ ovlctl, "umount",
							p->merged, NULL }));
		self->mounted = 0;
		bench_cost_line("ovlctl-umount", i, ms, rss);

		/* The same mount and umount by busybox (a reuse on the
		 * patched kernel, a refusal-free fresh-marker mount on
		 * stock: the marker is removed first, untimed) */
		ASSERT_EQ(0,
			  ovlvol_test_sh("rm -rf %s/work/incompat", p->work));
		ASSERT_EQ(0,
			  bench_run(&ms, &rss,
				    (char *const[]){ "mount", "-t", "overlay",
						     "overlay", "-o", p->opts,
						     p->merged, NULL }));
		self->mounted = 1;
		bench_cost_line("mount", i, ms, rss);
		ASSERT_EQ(0, bench_run(&ms, &rss,
				       (char *const[]){ "umount", p->merged,
							NULL }));
		self->mounted = 0;
		bench_cost_line("umount", i, ms, rss);
		/* Back to a pair ovlctl reuses */
		ASSERT_EQ(0, RUN(NULL, ovlctl, "discard", p->upper, p->work));
		ASSERT_EQ(0, RUN(NULL, ovlctl, "mount", "--lower", p->lower,
				 "--upper", p->upper, "--work", p->work,
				 p->merged));
		ASSERT_EQ(0, RUN(NULL, ovlctl, "umount", p->merged));
	}
}

TEST_HARNESS_MAIN
