// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark, not a timed test: what the module's superblock mark costs the
 * marked filesystem. Once a superblock carries any fsnotify mark, even one
 * that asks for FS_ERROR alone, fsnotify hooks on that fs can no longer return early (6.1:
 * s_fsnotify_connectors; 6.12: fsnotify_sb_has_watchers() in
 * __fsnotify_parent()). Two identical superblocks, one marked (queried),
 * one never queried, run the same create / write / unlink rounds in
 * alternation; the figures and the ratio marked/unmarked go to '#' lines.
 * Only functional steps are asserted, never timing.
 *
 * tmpfs: two tmpfs mounts. ext4: two ext4 images of the same size on loop
 * devices over /tmp, so no disk and no earlier test's state is involved.
 * OVLVOL_BENCH_FILES (default 250) and OVLVOL_BENCH_ROUNDS (pairs of
 * rounds, default 40) size the run: many short rounds, so the median of
 * the pairs' ratios is robust against a busy host.
 */
#include "kselftest_harness.h"
#include "ovl_test.h"
#include "ovlvol_test.h"

/* Large enough for mkfs.ext4's default (not "small") layout: 4k blocks. */
#define IMG_SIZE (512LL << 20)

enum { PH_CREATE, PH_WRITE, PH_PWRITE, PH_UNLINK, NR_PHASES };
static const char *const phase_names[] = { "create", "write 4k", "pwrite 64",
					   "unlink" };
static const char *const phase_keys[] = { "create", "write4k", "pwrite64",
					  "unlink" };

static int env_int(const char *name, int def)
{
	const char *v = getenv(name);

	return v && atoi(v) > 0 ? atoi(v) : def;
}

/*
 * One round: @n files through each phase (10 * @n rewrites of one); ops/s
 * of each into @rate.
 */
static int round_once(int dirfd, int n, double rate[NR_PHASES])
{
	static char data[4096];
	char name[32];
	double t;
	int i, fd;

	memset(data, 'b', sizeof(data));
	t = ovlvol_test_now();
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		fd = openat(dirfd, name,
			    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0)
			return -errno;
		close(fd);
	}
	rate[PH_CREATE] = n / (ovlvol_test_now() - t);

	t = ovlvol_test_now();
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		fd = openat(dirfd, name, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		if (write(fd, data, sizeof(data)) != sizeof(data)) {
			close(fd);
			return -EIO;
		}
		close(fd);
	}
	rate[PH_WRITE] = n / (ovlvol_test_now() - t);

	/* Small rewrites of one open file: little but the fsnotify hook. */
	fd = openat(dirfd, "f0", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	t = ovlvol_test_now();
	for (i = 0; i < 10 * n; i++) {
		if (pwrite(fd, data, 64, 0) != 64) {
			close(fd);
			return -EIO;
		}
	}
	rate[PH_PWRITE] = 10 * n / (ovlvol_test_now() - t);
	close(fd);

	t = ovlvol_test_now();
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		if (unlinkat(dirfd, name, 0))
			return -errno;
	}
	rate[PH_UNLINK] = n / (ovlvol_test_now() - t);
	return 0;
}

/* Index 0: never queried (unmarked); 1: queried (marked). */
FIXTURE(bench)
{
	int dev;
	char base[PATH_MAX];
	char dir[2][PATH_MAX];
	int dirfd[2];
	int loop_fd[2];
};

FIXTURE_VARIANT(bench)
{
	const char *fstype;
	bool on_loop;
	const char *mount_data;
};

FIXTURE_VARIANT_ADD(bench, tmpfs){
	.fstype = "tmpfs",
};

FIXTURE_VARIANT_ADD(bench, ext4){
	.fstype = "ext4",
	.on_loop = true,
	/* No inode table zeroing in the background while measuring. */
	.mount_data = "noinit_itable",
};

FIXTURE_SETUP(bench)
{
	char img[PATH_MAX], loop[64], name[16];
	struct ovlvol_ident id;
	int i;

	self->dev = -1;
	for (i = 0; i < 2; i++)
		self->dirfd[i] = self->loop_fd[i] = -1;
	ASSERT_EQ(0, vt_private_ns());
	self->dev = ovlvol_test_start();
	if (self->dev == -ENOENT)
		SKIP(return, "ovlvol not loaded and OVLVOL_MODULE not set");
	ASSERT_LE(0, self->dev);

	ASSERT_EQ(0, ovlvol_test_mkdtemp(self->base));
	for (i = 0; i < 2; i++) {
		const char *src = variant->fstype;

		snprintf(name, sizeof(name), "mnt%d", i);
		ASSERT_EQ(0, vt_join(self->dir[i], self->base, name));
		ASSERT_EQ(0, mkdir(self->dir[i], 0755));
		if (variant->on_loop) {
			snprintf(name, sizeof(name), "img%d", i);
			ASSERT_EQ(0, vt_join(img, self->base, name));
			ASSERT_EQ(0, ovlvol_test_mkfs_image(img, IMG_SIZE,
							    variant->fstype))
			TH_LOG("mkfs.%s (the harness packs it)",
			       variant->fstype);
			self->loop_fd[i] = ovlvol_test_loop_attach(
				img, loop, sizeof(loop));
			ASSERT_LE(0, self->loop_fd[i]);
			src = loop;
		}
		ASSERT_EQ(0, mount(src, self->dir[i], variant->fstype, 0,
				   variant->mount_data));
		self->dirfd[i] =
			open(self->dir[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		ASSERT_LE(0, self->dirfd[i]);
	}

	ASSERT_EQ(0, ovlvol_test_ident(self->dev, self->dirfd[1], &id));
	if (ovlvol_test_kernel_ids(&id))
		SKIP(return, "ids come from the kernel's s_instance_id: "
			     "the module attaches no marks to measure");
}

FIXTURE_TEARDOWN(bench)
{
	char img[PATH_MAX + 16];
	int i;

	for (i = 0; i < 2; i++) {
		if (self->dirfd[i] >= 0)
			close(self->dirfd[i]);
		umount2(self->dir[i], MNT_DETACH);
		if (self->loop_fd[i] >= 0) {
			ioctl(self->loop_fd[i], LOOP_CLR_FD, 0);
			close(self->loop_fd[i]);
		}
	}
	for (i = 0; i < 2 && *self->base; i++) {
		rmdir(self->dir[i]);
		snprintf(img, sizeof(img), "%s/img%d", self->base, i);
		unlink(img);
	}
	if (*self->base)
		rmdir(self->base);
	ovlvol_test_stop(&self->dev);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n & 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

TEST_F_TIMEOUT(bench, mark_cost, 300)
{
	int files = env_int("OVLVOL_BENCH_FILES", 250);
	int rounds = env_int("OVLVOL_BENCH_ROUNDS", 40);
	double rate[2][NR_PHASES], sum[2][NR_PHASES] = { { 0 } };
	double *ratio[NR_PHASES];
	double t0 = ovlvol_test_now();
	int r, p, m, i;

	for (p = 0; p < NR_PHASES; p++) {
		ratio[p] = calloc(rounds, sizeof(double));
		ASSERT_NE(NULL, ratio[p]);
	}
	/* Warm-up, not counted: dentries, inode caches, the journal. */
	for (m = 0; m < 2; m++)
		ASSERT_EQ(0, round_once(self->dirfd[m], files, rate[m]));

	/*
	 * Rounds in pairs, one on each superblock, in alternating order, so
	 * drift of the host hits both alike; each pair gives one ratio.
	 */
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < 2; i++) {
			m = i ^ (r & 1);
			ASSERT_EQ(0, round_once(self->dirfd[m], files, rate[m]))
			TH_LOG("round %d", r);
		}
		for (p = 0; p < NR_PHASES; p++) {
			ratio[p][r] = rate[1][p] / rate[0][p];
			for (m = 0; m < 2; m++)
				sum[m][p] += rate[m][p];
		}
	}
	/* The marked superblock still is the queried one, with one id. */
	ASSERT_NE(0, ovlvol_test_sb_id(self->dev, self->dir[1]));

	ksft_print_msg("%s: %d files, %d round pairs, %.0f s; ops/s (mean), "
		       "ratio marked/unmarked (median of pairs, of means)\n",
		       variant->fstype, files, rounds, ovlvol_test_now() - t0);
	ksft_print_msg("%-6s %-9s %10s %10s %7s %7s\n", variant->fstype,
		       "phase", "unmarked", "marked", "median", "means");
	for (p = 0; p < NR_PHASES; p++) {
		double med = median(ratio[p], rounds);

		ksft_print_msg("%-6s %-9s %10.0f %10.0f %7.3f %7.3f\n",
			       variant->fstype, phase_names[p],
			       sum[0][p] / rounds, sum[1][p] / rounds, med,
			       sum[1][p] / sum[0][p]);
		/* For make bench's report: the spread of the pairs' ratios */
		ksft_print_msg(
			"BENCH markcost fs=%s phase=%s unmarked=%.0f marked=%.0f ratio=%.4f p10=%.4f p90=%.4f rounds=%d\n",
			variant->fstype, phase_keys[p], sum[0][p] / rounds,
			sum[1][p] / rounds, med, ratio[p][rounds / 10],
			ratio[p][rounds * 9 / 10], rounds);
		free(ratio[p]);
	}
}

TEST_HARNESS_MAIN
