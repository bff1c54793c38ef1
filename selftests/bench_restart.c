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
 *   # BENCH others path=P size=D others=X run=I stop_ms=S start_ms=T ...
 *   # BENCH files path=P files=N others=X run=I stop_ms=S start_ms=T ...
 *   # BENCH written path=P size=D run=I written_mib=W
 *   # BENCH cost cmd=C run=I ms=M user_ms=U sys_ms=S maxrss_kb=R
 *   # BENCH scale cmd=C mounts=M ns=N run=I ms=M user_ms=U sys_ms=S ...
 *   # BENCH instr cmd=C ir=N ir_main=N
 *   # BENCH scale_instr cmd=C mounts=M ns=N ir_main=N
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
 * OVLVOL_BENCH_SIZES (MiB, default "16 128 512"), OVLVOL_BENCH_OTHERS
 * (other tenants' dirty MiB, default "0 512"), OVLVOL_BENCH_FILES (the
 * container's file counts, default "1000 10000 100000") and
 * OVLVOL_BENCH_RUNS (default 5) size it; `make check` runs a smoke form.
 */
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
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
	int others[BENCH_MAX_SIZES];
	int nothers;
	int files[BENCH_MAX_SIZES];
	int nfiles;
	int runs;
	const char *ovlctl;
	const char *dev;
	int patched;
};

/*
 * A list of numbers from @env (default @def), each in [@min, @max], into
 * @v: how many, or -EINVAL
 */
static int bench_list(const char *env, const char *def, int min, long max,
		      int *v)
{
	const char *s = getenv(env);
	char *end;
	int n = 0;
	long x;

	if (!s || !*s)
		s = def;
	while (*s) {
		while (*s == ' ')
			s++;
		if (!*s)
			break;
		errno = 0;
		x = strtol(s, &end, 10);
		if (errno || end == s || x < min || x > max ||
		    (*end && *end != ' ') || n == BENCH_MAX_SIZES)
			return -EINVAL;
		v[n++] = x;
		s = end;
	}
	return n ? n : -EINVAL;
}

static int bench_cfg(struct bench_cfg *c)
{
	const char *r;
	char *end;
	long v;

	memset(c, 0, sizeof(*c));
	c->nsizes = bench_list("OVLVOL_BENCH_SIZES", "16 128 512", 1, 4096,
			       c->sizes);
	c->nothers =
		bench_list("OVLVOL_BENCH_OTHERS", "0 512", 0, 4096, c->others);
	/* bare keeps two uppers: 2 * 120000 inodes fit the 4 GiB ext4 */
	c->nfiles = bench_list("OVLVOL_BENCH_FILES", "1000 10000 100000", 1,
			       120000, c->files);
	if (c->nsizes < 0 || c->nothers < 0 || c->nfiles < 0)
		return -EINVAL;
	r = getenv("OVLVOL_BENCH_RUNS");
	c->runs = 5;
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
	return 0;
}

/* What one process cost, from its spawn to its reap */
struct bench_proc {
	double ms; /* wall time, before the spawn to after the reap */
	double user_ms, sys_ms; /* its CPU time in user and in kernel mode */
	long rss_kb; /* its peak RSS */
};

static double bench_tv_ms(const struct timeval *tv)
{
	return tv->tv_sec * 1000.0 + tv->tv_usec / 1000.0;
}

/*
 * Run @argv (a NULL-terminated list) as a process, wait for it; what it
 * cost into *@pr. Returns its exit status, or -errno.
 */
static int bench_spawn(struct bench_proc *pr, char *const argv[])
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
	pr->ms = (ovlvol_test_now() - t0) * 1000;
	pr->user_ms = bench_tv_ms(&ru.ru_utime);
	pr->sys_ms = bench_tv_ms(&ru.ru_stime);
	pr->rss_kb = ru.ru_maxrss;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* bench_spawn(), its wall time alone into *@ms (unless NULL) */
static int bench_run(double *ms, char *const argv[])
{
	struct bench_proc pr;
	int ret = bench_spawn(&pr, argv);

	if (ms && ret >= 0)
		*ms = pr.ms;
	return ret;
}

#define RUN(ms, ...) bench_run(ms, (char *const[]){ __VA_ARGS__, NULL })

#define BENCH_CG_OUT "/tmp/bench.callgrind"
#define BENCH_CG_LOG "/tmp/bench.callgrind.log"

/*
 * The instructions @argv executes, counted by callgrind under valgrind
 * @vg: the same on any x86-64 machine, whatever TCG's speed or the host's
 * load. @in_main: only those inside main() (--toggle-collect=main), i.e.
 * without the dynamic loader's start-up. Into *@ir; returns the
 * command's exit status, -ENOSYS when valgrind could not follow one of
 * its system calls (it fails them: the count would be of another path),
 * or -errno.
 */
static int bench_instr(const char *vg, bool in_main, long long *ir,
		       char *const argv[])
{
	char *args[40] = { (char *)vg, "--tool=callgrind",
			   "--callgrind-out-file=" BENCH_CG_OUT,
			   "--log-file=" BENCH_CG_LOG };
	struct bench_proc pr;
	int n = 4, i, st, ret;
	char line[256];
	FILE *f;

	if (in_main)
		args[n++] = "--toggle-collect=main";
	for (i = 0; argv[i]; i++) {
		if (n == (int)(sizeof(args) / sizeof(args[0])) - 1)
			return -E2BIG;
		args[n++] = argv[i];
	}
	args[n] = NULL;
	unlink(BENCH_CG_OUT);
	unlink(BENCH_CG_LOG);
	st = bench_spawn(&pr, args);
	if (st < 0)
		return st;
	/* "--PID-- WARNING: unhandled amd64-linux syscall: N" */
	if (!ovlvol_test_sh("grep -q 'unhandled .* syscall' " BENCH_CG_LOG))
		return -ENOSYS;
	f = fopen(BENCH_CG_OUT, "re");
	if (!f)
		return -errno;
	ret = -ENODATA;
	while (ret && fgets(line, sizeof(line), f))
		if (sscanf(line, "summary: %lld", ir) == 1)
			ret = 0;
	fclose(f);
	return ret ? ret : st;
}

/* The valgrind to count with (OVLVOL_BENCH_VALGRIND), or NULL */
static const char *bench_valgrind(void)
{
	const char *vg = getenv("OVLVOL_BENCH_VALGRIND");

	return vg && *vg && !access(vg, X_OK) ? vg : NULL;
}

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
	/* What an earlier test that failed may have left on the disk */
	if (ovlvol_test_sh("rm -rf %s", p->base))
		return -EIO;
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

/*
 * The container writes @mib MiB to a new file in @dir, no sync. A new
 * file, not the old one truncated: ext4 starts writing back a file that
 * was truncated to zero when it is closed (auto_da_alloc), and the data
 * would not be dirty at the restart any more.
 */
static int bench_dirty(const char *dir, int mib)
{
	static char buf[1 << 20];
	char path[PATH_MAX];
	int fd, i;

	memset(buf, 'd', sizeof(buf));
	if (vt_join(path, dir, "dirty"))
		return -ENAMETOOLONG;
	if (unlink(path) && errno != ENOENT)
		return -errno;
	fd = vt_open(dir, "dirty", O_WRONLY | O_CREAT | O_EXCL);
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
		return "a bad OVLVOL_BENCH_SIZES, _OTHERS, _FILES or _RUNS";
	if (!dev || !*dev)
		return "no benchmark disk (OVLVOL_SCRATCH_BENCH)";
	c->dev = dev;
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
	ASSERT_EQ(0, err) TH_LOG("%s", why ? why : strerror(-err));
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
 * The pair of @path under @self's root, mounted the first time; with @sub,
 * also a directory of that name beside it (other tenants'), into @subdir.
 */
static int bench_start(FIXTURE_DATA(restart) * self, enum bench_path path,
		       const char *sub, char *subdir)
{
	int ret = bench_pair_init(&self->p, self->root, bench_path_names[path]);

	if (!ret && sub) {
		ret = vt_join(subdir, self->p.base, sub);
		if (!ret && mkdir(subdir, 0755))
			ret = -errno;
	}
	ret = ret ?: bench_first_mount(self, path);
	if (!ret)
		self->mounted = 1;
	return ret;
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
	double t;
	int ret = -EINVAL;

	/* The pair the last bare restart left (untimed) */
	if (path == BP_BARE && p->gen &&
	    ovlvol_test_sh("rm -rf %s/upper.%d %s/work.%d", p->base, p->gen - 1,
			   p->base, p->gen - 1))
		return -EIO;
	/* The stop: ovlctl's umount (--seal) for its paths, else umount */
	if (path == BP_SEAL)
		ret = RUN(stop, ovlctl, "umount", "--seal", p->merged);
	else if (path == BP_OVLCTL)
		ret = RUN(stop, ovlctl, "umount", p->merged);
	else
		ret = RUN(stop, "umount", p->merged);
	if (ret)
		return ret;
	self->mounted = 0;

	switch (path) {
	case BP_OVLCTL:
	case BP_SEAL:
		ret = RUN(start, ovlctl, "mount", "--work", p->work, p->merged);
		break;
	case BP_PLAIN:
		ret = RUN(start, "mount", "-t", "overlay", "overlay", "-o",
			  p->opts, p->merged);
		break;
	case BP_SYNCFS:
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
		p->gen++;
		ret = bench_pair_dirs(p);
		if (ret)
			return ret;
		ret = RUN(start, "mount", "-t", "overlay", "overlay", "-o",
			  p->opts, p->merged);
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

	ASSERT_EQ(0, bench_start(self, variant->path, NULL, NULL));
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
 * The same restart while other tenants of the upper fs hold X MiB dirty
 * (OVLVOL_BENCH_OTHERS, default "0 512"), the container D MiB (the first
 * of OVLVOL_BENCH_SIZES): syncfs waits for theirs too; a reuse, the bare
 * mount and discard do not; --seal syncs this upper only.
 */
TEST_F_TIMEOUT(restart, others_dirty, 3600)
{
	const char *name = bench_path_names[variant->path];
	int mib = self->cfg.sizes[0], o, i, x;
	double stop, start, tot[BENCH_MAX_RUNS];
	char others[PATH_MAX];

	ASSERT_EQ(0, bench_start(self, variant->path, "others", others));
	for (o = 0; o < self->cfg.nothers; o++) {
		x = self->cfg.others[o];
		for (i = 0; i < self->cfg.runs; i++) {
			sync();
			if (x)
				ASSERT_EQ(0, bench_dirty(others, x));
			ASSERT_EQ(0, bench_dirty(self->p.merged, mib));
			stop = start = 0;
			ASSERT_EQ(0, bench_restart_once(self, variant->path,
							mib, &stop, &start))
			TH_LOG("%s restart beside %d MiB of others failed",
			       name, x);
			ASSERT_EQ(variant->path == BP_BARE ? 0 : mib,
				  bench_dirty_size(self->p.merged));
			tot[i] = stop + start;
			printf("# BENCH others path=%s size=%d others=%d run=%d stop_ms=%.2f start_ms=%.2f total_ms=%.2f\n",
			       name, mib, x, i, stop, start, stop + start);
		}
		printf("# %s, %d MiB dirty, others %d MiB: median restart %.1f ms\n",
		       name, mib, x, bench_median(tot, self->cfg.runs));
	}
}

/*
 * The neighbour's view: a second tenant of the upper fs writes 4 KiB and
 * fsyncs it in a loop, timing each fsync. Its latencies before the
 * restart (idle, 5 s or less), during it, and for OVLVOL_BENCH_STALL_SECS
 * (default 60) after it, when the flusher writes back what a reuse left dirty. The
 * container's D MiB: the second of OVLVOL_BENCH_SIZES (128), else the
 * first.
 */
#define STALL_MAX 200000

struct stall_log {
	int n;
	double t[STALL_MAX], ms[STALL_MAX];
};

static void stall_neighbour(struct stall_log *log, const char *dir)
{
	static char buf[4096];
	int fd = vt_open(dir, "neighbour", O_WRONLY | O_CREAT | O_TRUNC);
	double t;

	if (fd < 0)
		_exit(1);
	memset(buf, 'n', sizeof(buf));
	while (log->n < STALL_MAX) {
		if (pwrite(fd, buf, sizeof(buf), 0) != sizeof(buf))
			_exit(1);
		t = ovlvol_test_now();
		if (fsync(fd))
			_exit(1);
		log->ms[log->n] = (ovlvol_test_now() - t) * 1000;
		log->t[log->n] = t;
		__atomic_store_n(&log->n, log->n + 1, __ATOMIC_RELEASE);
	}
	_exit(0);
}

/* p50, p99 and max of the fsyncs that started in [@from, @to) */
static void stall_window(const char *path, int mib, const char *name,
			 struct stall_log *log, double from, double to)
{
	static double v[STALL_MAX];
	int i, n = 0;

	for (i = 0; i < log->n; i++)
		if (log->t[i] >= from && log->t[i] < to)
			v[n++] = log->ms[i];
	if (!n)
		return;
	qsort(v, n, sizeof(v[0]), bench_cmp);
	printf("# BENCH stall path=%s size=%d window=%s n=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
	       path, mib, name, n, v[n / 2], v[(n * 99) / 100], v[n - 1]);
}

TEST_F_TIMEOUT(restart, neighbour_stall, 1800)
{
	const char *name = bench_path_names[variant->path];
	const char *e = getenv("OVLVOL_BENCH_STALL_SECS");
	int mib = self->cfg.sizes[self->cfg.nsizes > 1 ? 1 : 0];
	int secs = e && atoi(e) > 0 ? atoi(e) : 60;
	struct stall_log *log;
	double stop = 0, start = 0, t0, t1 = 0, t2 = 0;
	char nb[PATH_MAX];
	pid_t pid;
	int ret;

	ASSERT_EQ(0, bench_start(self, variant->path, "neighbour", nb));
	log = mmap(NULL, sizeof(*log), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, log);
	sync();
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		stall_neighbour(log, nb);
	ret = bench_dirty(self->p.merged, mib);
	t0 = ovlvol_test_now();
	if (!ret) {
		sleep(secs < 5 ? secs : 5);
		t1 = ovlvol_test_now();
		ret = bench_restart_once(self, variant->path, mib, &stop,
					 &start);
		t2 = ovlvol_test_now();
		if (!ret)
			sleep(secs);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	ASSERT_EQ(0, ret)
	TH_LOG("%s restart with a neighbour failed", name);
	ASSERT_LT(0, log->n)
	TH_LOG("the neighbour made no fsync");
	stall_window(name, mib, "idle", log, t0, t1);
	stall_window(name, mib, "restart", log, t1, t2);
	stall_window(name, mib, "after", log, t2, t2 + secs);
	printf("# %s: restart %.0f ms with a neighbour; %d fsyncs\n", name,
	       stop + start, log->n);
	munmap(log, sizeof(*log));
}

/*
 * The container's @n small files, new, in @dir/files. @n = 0: the
 * last set removed instead, and synced, so only the next set is dirty.
 */
static int bench_files(const char *dir, int n)
{
	char path[PATH_MAX], f[16];
	int i, ret;

	if (vt_join(path, dir, "files"))
		return -ENAMETOOLONG;
	if (!n) {
		if (ovlvol_test_sh("rm -rf %s", path))
			return -EIO;
		sync();
		return 0;
	}
	if (mkdir(path, 0755))
		return -errno;
	for (i = 0; i < n; i++) {
		snprintf(f, sizeof(f), "f%d", i);
		ret = vt_write_file(path, f, "a file of the container\n");
		if (ret)
			return ret;
	}
	return 0;
}

/* How many entries @dir/files has: 0 when it is gone, or -errno */
static int bench_files_count(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *d;
	DIR *dh;
	int n = 0;

	if (vt_join(path, dir, "files"))
		return -ENAMETOOLONG;
	dh = opendir(path);
	if (!dh)
		return errno == ENOENT ? 0 : -errno;
	while ((d = readdir(dh)))
		n += d->d_name[0] != '.';
	closedir(dh);
	return n;
}

/*
 * Restart cost by the upper's file count (OVLVOL_BENCH_FILES, default
 * "1000 10000 100000"): the container leaves N new files, all dirty,
 * while the other tenants of the upper fs hold X MiB (the largest of
 * OVLVOL_BENCH_OTHERS). A reuse looks at none of them; --seal fsyncs each
 * (this upper only, not the others'); syncfs writes back everything.
 */
TEST_F_TIMEOUT(restart, files, 3600)
{
	const char *name = bench_path_names[variant->path];
	double stop, start, tot[BENCH_MAX_RUNS];
	char others[PATH_MAX];
	int x = 0, f, i, n;

	if (variant->path == BP_DISCARD)
		SKIP(return,
			   "a discard's rebuild is the files' creation itself");
	for (i = 0; i < self->cfg.nothers; i++)
		if (self->cfg.others[i] > x)
			x = self->cfg.others[i];
	ASSERT_EQ(0, bench_start(self, variant->path, "others", others));
	for (f = 0; f < self->cfg.nfiles; f++) {
		n = self->cfg.files[f];
		for (i = 0; i < self->cfg.runs; i++) {
			ASSERT_EQ(0, bench_files(self->p.merged, 0));
			if (x)
				ASSERT_EQ(0, bench_dirty(others, x));
			ASSERT_EQ(0, bench_files(self->p.merged, n));
			stop = start = 0;
			ASSERT_EQ(0, bench_restart_once(self, variant->path, 0,
							&stop, &start))
			TH_LOG("%s restart with %d files failed", name, n);
			ASSERT_EQ(variant->path == BP_BARE ? 0 : n,
				  bench_files_count(self->p.merged));
			tot[i] = stop + start;
			printf("# BENCH files path=%s files=%d others=%d run=%d stop_ms=%.2f start_ms=%.2f total_ms=%.2f\n",
			       name, n, x, i, stop, start, stop + start);
		}
		printf("# %s, %d files, others %d MiB: median restart %.1f ms\n",
		       name, n, x, bench_median(tot, self->cfg.runs));
	}
}

/* Sectors written to block device @dev so far (its sysfs stat), or -errno */
static long long bench_sectors_written(const char *dev)
{
	unsigned long long v[7];
	char path[64];
	struct stat st;
	FILE *f;
	int n;

	if (stat(dev, &st))
		return -errno;
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/stat",
		 major(st.st_rdev), minor(st.st_rdev));
	f = fopen(path, "re");
	if (!f)
		return -errno;
	n = fscanf(f, "%llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
		   &v[3], &v[4], &v[5], &v[6]);
	fclose(f);
	return n == 7 ? (long long)v[6] : -EIO;
}

/*
 * What a reuse never writes: the container writes D MiB (the first of
 * OVLVOL_BENCH_SIZES), is restarted, and removes the file again, as a
 * build's temporaries go, before the flusher's 30 s. The MiB written to
 * the upper disk from before the write to a sync after the removal: a
 * syncfs restart has written the D MiB; a reuse, nothing but metadata.
 */
TEST_F_TIMEOUT(restart, written, 1800)
{
	const char *name = bench_path_names[variant->path];
	int mib = self->cfg.sizes[0], i;
	double stop, start, mb;
	char path[PATH_MAX];
	long long w0, w1;

	ASSERT_EQ(0, bench_start(self, variant->path, NULL, NULL));
	ASSERT_EQ(0, vt_join(path, self->p.merged, "dirty"));
	for (i = 0; i < self->cfg.runs; i++) {
		sync();
		w0 = bench_sectors_written(self->cfg.dev);
		ASSERT_LE(0, w0)
		TH_LOG("%s: %s", self->cfg.dev, strerror((int)-w0));
		ASSERT_EQ(0, bench_dirty(self->p.merged, mib));
		stop = start = 0;
		ASSERT_EQ(0, bench_restart_once(self, variant->path, mib, &stop,
						&start));
		ASSERT_EQ(variant->path == BP_BARE ? 0 : mib,
			  bench_dirty_size(self->p.merged));
		if (unlink(path))
			ASSERT_EQ(ENOENT, errno);
		/* A bare restart throws the last upper away: so does it here */
		if (variant->path == BP_BARE)
			ASSERT_EQ(0, ovlvol_test_sh(
					     "rm -rf %s/upper.%d %s/work.%d",
					     self->p.base, self->p.gen - 1,
					     self->p.base, self->p.gen - 1));
		sync();
		w1 = bench_sectors_written(self->cfg.dev);
		ASSERT_LE(w0, w1);
		mb = (w1 - w0) * 512.0 / (1 << 20);
		printf("# BENCH written path=%s size=%d run=%d written_mib=%.2f\n",
		       name, mib, i, mb);
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
	ASSERT_EQ(0, err) TH_LOG("%s", why ? why : strerror(-err));
	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, bench_pair_init(&self->p, self->root, "cost"));
}

FIXTURE_TEARDOWN(cost)
{
	bench_teardown(self->mounted ? self->p.merged : NULL, self->root,
		       "cost", self->loaded);
}

static void bench_cost_line(const char *cmd, int run,
			    const struct bench_proc *pr)
{
	printf("# BENCH cost cmd=%s run=%d ms=%.2f user_ms=%.2f sys_ms=%.2f maxrss_kb=%ld\n",
	       cmd, run, pr->ms, pr->user_ms, pr->sys_ms, pr->rss_kb);
}

TEST_F_TIMEOUT(cost, commands, 1800)
{
	const char *mount8 = getenv("OVLVOL_BENCH_MOUNT8");
	const char *dyntrue = getenv("OVLVOL_BENCH_TRUE");
	char *ovlctl = (char *)self->cfg.ovlctl;
	struct bench_pair *p = &self->p;
	int i, n = self->cfg.runs * 3;
	struct bench_proc pr;

	ASSERT_EQ(0, RUN(NULL, ovlctl, "mount", "--lower", p->lower, "--upper",
			 p->upper, "--work", p->work, p->merged));
	self->mounted = 1;
	ASSERT_EQ(0, RUN(NULL, ovlctl, "umount", p->merged));
	self->mounted = 0;
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, bench_spawn(&pr, (char *const[]){ "true", NULL }));
		bench_cost_line("true", i, &pr);
		/*
		 * busybox is static: coreutils' true, linked to libc alone,
		 * is the start-up any dynamically linked program pays
		 */
		if (dyntrue && !access(dyntrue, X_OK)) {
			ASSERT_EQ(0, bench_spawn(&pr, (char *const[]){
							      (char *)dyntrue,
							      NULL }));
			bench_cost_line("true-dyn", i, &pr);
		}
		ASSERT_EQ(0,
			  bench_spawn(&pr, (char *const[]){ ovlctl, "--version",
							    NULL }));
		bench_cost_line("ovlctl-version", i, &pr);
		/*
		 * util-linux's mount(8) links libmount as ovlctl does: its
		 * start-up is what any libmount-based tool pays
		 */
		if (mount8 && !access(mount8, X_OK)) {
			ASSERT_EQ(0, bench_spawn(&pr, (char *const[]){
							      (char *)mount8,
							      "-V", NULL }));
			bench_cost_line("mount8-version", i, &pr);
		}
		ASSERT_EQ(0, bench_spawn(&pr, (char *const[]){
						      ovlctl, "check", "--work",
						      p->work, NULL }));
		bench_cost_line("ovlctl-check", i, &pr);

		ASSERT_EQ(0,
			  bench_spawn(&pr, (char *const[]){ ovlctl, "mount",
							    "--work", p->work,
							    p->merged, NULL }));
		self->mounted = 1;
		bench_cost_line("ovlctl-mount", i, &pr);
		ASSERT_EQ(0,
			  bench_spawn(&pr, (char *const[]){ ovlctl, "umount",
							    p->merged, NULL }));
		self->mounted = 0;
		bench_cost_line("ovlctl-umount", i, &pr);

		/*
		 * The same mount and umount by busybox: a reuse on the
		 * patched kernel; on stock, a mount after the marker was
		 * removed (untimed)
		 */
		if (!self->cfg.patched)
			ASSERT_EQ(0, ovlvol_test_sh("rm -rf %s/work/incompat",
						    p->work));
		ASSERT_EQ(0, bench_spawn(&pr, (char *const[]){
						      "mount", "-t", "overlay",
						      "overlay", "-o", p->opts,
						      p->merged, NULL }));
		self->mounted = 1;
		bench_cost_line("mount", i, &pr);
		ASSERT_EQ(0,
			  bench_spawn(&pr, (char *const[]){ "umount", p->merged,
							    NULL }));
		self->mounted = 0;
		bench_cost_line("umount", i, &pr);
		/* Back to a pair ovlctl reuses */
		ASSERT_EQ(0, RUN(NULL, ovlctl, "discard", p->upper, p->work));
		ASSERT_EQ(0, RUN(NULL, ovlctl, "mount", "--lower", p->lower,
				 "--upper", p->upper, "--work", p->work,
				 p->merged));
		ASSERT_EQ(0, RUN(NULL, ovlctl, "umount", p->merged));
	}
}

static void bench_instr_line(const char *cmd, long long ir, long long ir_main)
{
	printf("# BENCH instr cmd=%s ir=%lld ir_main=%lld\n", cmd, ir, ir_main);
}

/*
 * Count @argv into @ir; a valgrind that fails one of its system calls
 * would count another path: skip
 */
#define COUNT(in_main, ir, argv)                                   \
	do {                                                       \
		int ret_ = bench_instr(vg, in_main, &(ir), argv);  \
		if (ret_ == -ENOSYS)                               \
			SKIP(return, "%s: %s", (argv)[0], enosys); \
		ASSERT_EQ(0, ret_);                                \
	} while (0)

/*
 * What ovlctl's commands execute, in instructions (callgrind), in all and
 * inside main(): a verdict's own work, apart from the start-up any
 * program linked to the same libraries pays. Deterministic, so one run.
 */
TEST_F_TIMEOUT(cost, instructions, 1800)
{
	char *dyntrue = getenv("OVLVOL_BENCH_TRUE");
	const char *vg = bench_valgrind();
	char *ovlctl = (char *)self->cfg.ovlctl;
	struct bench_pair *p = &self->p;
	char *version[] = { ovlctl, "--version", NULL };
	char *check[] = { ovlctl, "check", "--work", p->work, NULL };
	char *mount[] = { ovlctl, "mount", "--work", p->work, p->merged, NULL };
	char *umount[] = { ovlctl, "umount", p->merged, NULL };
	char *truedyn[] = { dyntrue, NULL };
	const char *enosys =
		"valgrind fails a system call it makes: would count another path";
	long long ir, ir_main, ir2, ir2_main;
	bool has_main;

	if (!vg)
		SKIP(return,
			   "no valgrind in the guest (OVLVOL_BENCH_VALGRIND)");
	ASSERT_EQ(0, RUN(NULL, ovlctl, "mount", "--lower", p->lower, "--upper",
			 p->upper, "--work", p->work, p->merged));
	self->mounted = 1;
	ASSERT_EQ(0, RUN(NULL, ovlctl, "umount", p->merged));
	self->mounted = 0;
	if (dyntrue && !access(dyntrue, X_OK)) {
		/* coreutils is stripped: no main() to count from */
		COUNT(false, ir, truedyn);
		bench_instr_line("true-dyn", ir, -1);
	}
	COUNT(false, ir, version);
	COUNT(true, ir_main, version);
	/* A stripped ovlctl (a package's) has no main() to count from */
	has_main = ir_main > 0;
	if (!has_main)
		printf("# ovlctl has no symbols: no count inside main()\n");
	bench_instr_line("ovlctl-version", ir, has_main ? ir_main : -1);
	COUNT(false, ir, check);
	ir_main = -1;
	if (has_main)
		COUNT(true, ir_main, check);
	bench_instr_line("ovlctl-check", ir, ir_main);
	/*
	 * mount and umount: counted in all, then again inside main(); the
	 * teardown unmounts whatever a failed count left
	 */
	self->mounted = 1;
	COUNT(false, ir, mount);
	COUNT(false, ir2, umount);
	ir_main = ir2_main = -1;
	if (has_main) {
		COUNT(true, ir_main, mount);
		COUNT(true, ir2_main, umount);
	}
	self->mounted = 0;
	bench_instr_line("ovlctl-mount", ir, ir_main);
	bench_instr_line("ovlctl-umount", ir2, ir2_main);
	/* What was counted ran: main() is part of the whole */
	ASSERT_LT(0, ir2);
	if (has_main) {
		ASSERT_LT(0, ir_main);
		ASSERT_LT(ir_main, ir);
	}
}

#undef COUNT

/*
 * The in-use check's scale: what `ovlctl check` (and a reuse through
 * `ovlctl mount`) costs with M bind mounts of the benchmark's own spread
 * over N mount namespaces, each held by a process: OVLVOL_BENCH_SCALE,
 * "M:N ..." (default "10:10 1000:10 10000:10 1000:500 10000:500"). Every
 * new namespace also copies the mounts the guest already has.
 */
struct bench_scale {
	pid_t pid[512];
	int n;
};

/* N namespaces, M/N bind mounts of @dir each (onto dirs under @dir) */
static int bench_scale_up(struct bench_scale *sc, const char *dir, int m, int n)
{
	int i, j, fds[2], per = m / n;
	char c, path[PATH_MAX];

	if (n > (int)(sizeof(sc->pid) / sizeof(sc->pid[0])))
		return -EINVAL;
	for (j = 0; j < per; j++) {
		snprintf(path, sizeof(path), "%s/m%d", dir, j);
		if (mkdir(path, 0755) && errno != EEXIST)
			return -errno;
	}
	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	for (sc->n = 0, i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0)
			break;
		if (!pid) {
			close(fds[0]);
			if (unshare(CLONE_NEWNS) ||
			    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
				_exit(1);
			for (j = 0; j < per; j++) {
				snprintf(path, sizeof(path), "%s/m%d", dir, j);
				if (mount(dir, path, NULL, MS_BIND, NULL))
					_exit(1);
			}
			c = 1;
			if (write(fds[1], &c, 1) != 1)
				_exit(1);
			close(fds[1]);
			pause();
			_exit(0);
		}
		sc->pid[sc->n++] = pid;
	}
	close(fds[1]);
	/* One byte from each child that is ready; EOF if one died */
	for (i = 0; i < sc->n && read(fds[0], &c, 1) == 1; i++)
		;
	close(fds[0]);
	return i == n ? 0 : -ECHILD;
}

static void bench_scale_down(struct bench_scale *sc)
{
	int i;

	for (i = 0; i < sc->n; i++)
		kill(sc->pid[i], SIGKILL);
	for (i = 0; i < sc->n; i++)
		waitpid(sc->pid[i], NULL, 0);
	sc->n = 0;
}

/* How many mounts the guest has now, over all its mount namespaces */
static long bench_count_mounts(void)
{
	static ino_t seen[4096];
	int nseen = 0, i, c;
	char path[300];
	struct dirent *e;
	struct stat st;
	long lines = 0;
	DIR *d = opendir("/proc");
	FILE *f;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/ns/mnt", e->d_name);
		if (stat(path, &st))
			continue;
		for (i = 0; i < nseen && seen[i] != st.st_ino; i++)
			;
		if (i < nseen || nseen == 4096)
			continue;
		seen[nseen++] = st.st_ino;
		snprintf(path, sizeof(path), "/proc/%s/mountinfo", e->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		while ((c = getc(f)) != EOF)
			lines += c == '\n';
		fclose(f);
	}
	closedir(d);
	return lines;
}

TEST_F_TIMEOUT(cost, inuse_scale, 3600)
{
	const char *env = getenv("OVLVOL_BENCH_SCALE");
	char *ovlctl = (char *)self->cfg.ovlctl, *list, *tok, *save;
	const char *vg = bench_valgrind();
	struct bench_pair *p = &self->p;
	struct bench_scale sc = { .n = 0 };
	char dir[256];
	int m, n, i, ret;
	struct bench_proc pr;

	if (env && !strcmp(env, "none"))
		SKIP(return, "the in-use scale is measured in another boot");
	list = strdup(env && *env ?
			      env :
			      "10:10 1000:10 10000:10 1000:500 10000:500");
	ASSERT_NE(NULL, list);
	ASSERT_EQ(0, RUN(NULL, ovlctl, "mount", "--lower", p->lower, "--upper",
			 p->upper, "--work", p->work, p->merged));
	self->mounted = 1;
	ASSERT_EQ(0, RUN(NULL, ovlctl, "umount", p->merged));
	self->mounted = 0;
	for (tok = strtok_r(list, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		ASSERT_EQ(2, sscanf(tok, "%d:%d", &m, &n));
		ASSERT_LT(0, n);
		ASSERT_GT((int)sizeof(dir),
			  snprintf(dir, sizeof(dir), "%s/scale-%d-%d",
				   self->root, m, n));
		ASSERT_EQ(0, mkdir(dir, 0755));
		ret = bench_scale_up(&sc, dir, m, n);
		if (ret)
			bench_scale_down(&sc);
		ASSERT_EQ(0, ret)
		TH_LOG("%d mounts in %d namespaces", m, n);
		printf("# %d bind mounts in %d namespaces: %ld mounts in all\n",
		       m, n, bench_count_mounts());
		for (i = 0; i < self->cfg.runs; i++) {
			ret = bench_spawn(
				&pr, (char *const[]){ ovlctl, "check", "--work",
						      p->work, NULL });
			if (ret)
				break;
			printf("# BENCH scale cmd=ovlctl-check mounts=%d ns=%d run=%d ms=%.2f user_ms=%.2f sys_ms=%.2f maxrss_kb=%ld\n",
			       m, n, i, pr.ms, pr.user_ms, pr.sys_ms,
			       pr.rss_kb);
			ret = bench_spawn(&pr,
					  (char *const[]){ ovlctl, "mount",
							   "--work", p->work,
							   p->merged, NULL });
			if (ret)
				break;
			self->mounted = 1;
			printf("# BENCH scale cmd=ovlctl-mount mounts=%d ns=%d run=%d ms=%.2f user_ms=%.2f sys_ms=%.2f maxrss_kb=%ld\n",
			       m, n, i, pr.ms, pr.user_ms, pr.sys_ms,
			       pr.rss_kb);
			ret = RUN(NULL, ovlctl, "umount", p->merged);
			if (ret)
				break;
			self->mounted = 0;
		}
		/* What the scan executes, once (deterministic) */
		if (!ret && vg) {
			long long ir;

			ret = bench_instr(vg, true, &ir,
					  (char *const[]){ ovlctl, "check",
							   "--work", p->work,
							   NULL });
			if (ret == -ENOSYS || (!ret && !ir)) {
				/* or a stripped ovlctl: no main() */
				printf("# no count inside ovlctl's main() here\n");
				ret = 0;
			} else if (!ret)
				printf("# BENCH scale_instr cmd=ovlctl-check mounts=%d ns=%d ir_main=%lld\n",
				       m, n, ir);
		}
		bench_scale_down(&sc);
		ASSERT_EQ(0, ret)
		TH_LOG("ovlctl with %d mounts in %d namespaces", m, n);
		ovlvol_test_sh("rm -rf %s", dir);
	}
	free(list);
}

TEST_HARNESS_MAIN
