// SPDX-License-Identifier: GPL-2.0
/*
 * Unload and reload of the module: a new nonce every load, so no (nonce,
 * id) pair handed out before a reload compares equal to one handed out
 * after it; unloading with marks on live superblocks is clean, also while
 * those superblocks are being torn down at the same time.
 */
#include <pthread.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "ovl_test.h"
#include "ovlvol_test.h"

#define NR_SBS 24

FIXTURE(reload)
{
	int dev;
};

FIXTURE_SETUP(reload)
{
	self->dev = -1;
	ASSERT_EQ(0, vt_private_ns());
	if (!getenv("OVLVOL_MODULE"))
		SKIP(return,
			   "OVLVOL_MODULE not set: not running in the harness");
	self->dev = ovlvol_test_start();
	ASSERT_LE(0, self->dev);
}

FIXTURE_TEARDOWN(reload)
{
	ovlvol_test_stop(&self->dev);
}

/* Close the device, unload, load, reopen: a fresh module instance. */
static int cycle(int *dev)
{
	int ret;

	close(*dev);
	*dev = -1;
	ret = ovlvol_test_reload();
	if (ret)
		return ret;
	*dev = ovlvol_test_open_dev();
	return *dev < 0 ? *dev : 0;
}

/* An open device pins the module: unload waits for no query in flight. */
TEST_F(reload, open_device_pins_module)
{
	struct stat st;

	EXPECT_EQ(-EWOULDBLOCK, ovlvol_test_unload());
	EXPECT_TRUE(ovlvol_test_loaded());
	ASSERT_EQ(0, stat(OVLVOL_TEST_DEV, &st));
	close(self->dev);
	self->dev = -1;
	ASSERT_EQ(0, ovlvol_test_unload());
	EXPECT_FALSE(ovlvol_test_loaded());
	EXPECT_EQ(-1, stat(OVLVOL_TEST_DEV, &st));
	EXPECT_EQ(ENOENT, errno);
}

TEST_F(reload, new_nonce_every_load)
{
	__u8 nonces[10][16];
	int i, j;

	for (i = 0; i < 10; i++) {
		ASSERT_EQ(0, ovlvol_test_nonce(self->dev, nonces[i]));
		for (j = 0; j < i; j++) {
			ASSERT_NE(0, memcmp(nonces[i], nonces[j], 16))
			TH_LOG("load %d repeats the nonce of load %d", i, j);
		}
		ASSERT_EQ(0, cycle(&self->dev)) TH_LOG("cycle %d", i);
	}
}

struct pair {
	__u8 nonce[16];
	__u64 id;
};

static int get_pair(int dev, const char *path, struct pair *p)
{
	struct ovlvol_ident id;
	int ret = ovlvol_test_ident_path(dev, path, &id);

	if (ret)
		return ret;
	memcpy(p->nonce, id.nonce, sizeof(p->nonce));
	p->id = id.sb_instance;
	return 0;
}

static bool same_pair(const struct pair *a, const struct pair *b)
{
	return a->id == b->id && !memcmp(a->nonce, b->nonce, sizeof(a->nonce));
}

/*
 * What a checkpoint stores is the pair (nonce, id). After a reload the
 * counter of a marks-based module starts again, so ids repeat, but never
 * under an old nonce: no new pair equals an old one.
 */
TEST_F(reload, old_pairs_never_match)
{
	char dirs[NR_SBS][PATH_MAX];
	struct pair old[NR_SBS], cur;
	struct ovlvol_ident id;
	bool kernel_ids;
	int i, j, r;

	for (i = 0; i < NR_SBS; i++) {
		ASSERT_EQ(0, ovlvol_test_mount_new(dirs[i], "tmpfs", NULL, 0));
		ASSERT_EQ(0, get_pair(self->dev, dirs[i], &old[i]));
	}
	ASSERT_EQ(0, ovlvol_test_ident_path(self->dev, dirs[0], &id));
	kernel_ids = ovlvol_test_kernel_ids(&id);

	for (r = 0; r < 3; r++) {
		ASSERT_EQ(0, cycle(&self->dev));
		/* The same superblocks, queried in another order. */
		for (i = NR_SBS - 1; i >= 0; i--) {
			ASSERT_EQ(0, get_pair(self->dev, dirs[i], &cur));
			ASSERT_NE(0, cur.id);
			for (j = 0; j < NR_SBS; j++) {
				ASSERT_FALSE(same_pair(&cur, &old[j]))
				TH_LOG("round %d: sb %d matches old sb %d", r,
				       i, j);
			}
			/* One id space per boot where the kernel has one. */
			if (kernel_ids)
				ASSERT_EQ(old[i].id, cur.id);
		}
		/* Still stable within one load. */
		ASSERT_EQ(0, get_pair(self->dev, dirs[0], &old[0]));
		ASSERT_EQ(0, get_pair(self->dev, dirs[0], &cur));
		ASSERT_TRUE(same_pair(&cur, &old[0]));
		for (i = 1; i < NR_SBS; i++)
			ASSERT_EQ(0, get_pair(self->dev, dirs[i], &old[i]));
	}
	for (i = 0; i < NR_SBS; i++)
		umount2(dirs[i], MNT_DETACH);
}

/* Unload with marks on live superblocks; they end later, without marks. */
TEST_F_TIMEOUT(reload, unload_with_marks, 120)
{
	const char *disks[] = { getenv("OVLVOL_SCRATCH_EXT4"),
				getenv("OVLVOL_SCRATCH_XFS") };
	const char *types[] = { "ext4", "xfs" };
	char dirs[NR_SBS + 2][PATH_MAX];
	__u64 ids[NR_SBS + 2];
	int i, n = 0;

	for (i = 0; i < NR_SBS; i++)
		ASSERT_EQ(0,
			  ovlvol_test_mount_new(dirs[n++], "tmpfs", NULL, 0));
	for (i = 0; i < 2; i++) {
		if (!disks[i] || !*disks[i])
			continue;
		ASSERT_EQ(0, ovlvol_test_mount_new(dirs[n++], types[i],
						   disks[i], 0));
	}
	for (i = 0; i < n; i++) {
		ids[i] = ovlvol_test_sb_id(self->dev, dirs[i]);
		ASSERT_NE(0, ids[i]);
	}

	close(self->dev);
	self->dev = -1;
	ASSERT_EQ(0, ovlvol_test_unload());
	/* Superblocks whose marks the unload destroyed end normally. */
	for (i = 0; i < n; i += 2)
		ASSERT_EQ(0, umount(dirs[i]));

	/* The rest get new marks from the next load, consistently. */
	ASSERT_EQ(0, ovlvol_test_load());
	self->dev = ovlvol_test_open_dev();
	ASSERT_LE(0, self->dev);
	for (i = 1; i < n; i += 2) {
		ids[i] = ovlvol_test_sb_id(self->dev, dirs[i]);
		ASSERT_NE(0, ids[i]);
		ASSERT_EQ(ids[i], ovlvol_test_sb_id(self->dev, dirs[i]));
	}
	for (i = 1; i < n; i += 2)
		ASSERT_EQ(0, umount(dirs[i]));
}

struct umounter {
	char (*dirs)[PATH_MAX];
	int n;
	pthread_barrier_t *start;
	int failed;
};

static void *umount_all(void *arg)
{
	struct umounter *u = arg;
	int i;

	pthread_barrier_wait(u->start);
	for (i = 0; i < u->n; i++)
		u->failed += umount(u->dirs[i]) != 0;
	return NULL;
}

/*
 * The race the module's exit must survive: superblocks carrying marks are
 * torn down (fsnotify destroys their marks) while the module unloads and
 * destroys the same marks. Either order, or both at once, must be clean.
 */
TEST_F_TIMEOUT(reload, unload_races_sb_teardown, 300)
{
	static char dirs[NR_SBS][PATH_MAX];
	pthread_barrier_t start;
	struct umounter u = { .dirs = dirs, .n = NR_SBS, .start = &start };
	pthread_t thr;
	int round, i, ret;

	for (round = 0; round < 20; round++) {
		for (i = 0; i < NR_SBS; i++) {
			ASSERT_EQ(0, ovlvol_test_mount_new(dirs[i], "tmpfs",
							   NULL, 0));
			ASSERT_NE(0, ovlvol_test_sb_id(self->dev, dirs[i]));
			/* Some ids are never asked for again. */
		}
		close(self->dev);
		self->dev = -1;

		u.failed = 0;
		ASSERT_EQ(0, pthread_barrier_init(&start, NULL, 2));
		ASSERT_EQ(0, pthread_create(&thr, NULL, umount_all, &u));
		pthread_barrier_wait(&start);
		/* Half the rounds give the teardowns a head start. */
		if (round & 1)
			usleep(200 * (round % 7));
		ret = ovlvol_test_unload();
		ASSERT_EQ(0, pthread_join(thr, NULL));
		pthread_barrier_destroy(&start);
		ASSERT_EQ(0, ret) TH_LOG("round %d", round);
		ASSERT_EQ(0, u.failed) TH_LOG("round %d", round);
		for (i = 0; i < NR_SBS; i++)
			rmdir(dirs[i]);

		ASSERT_EQ(0, ovlvol_test_load()) TH_LOG("round %d", round);
		self->dev = ovlvol_test_open_dev();
		ASSERT_LE(0, self->dev);
	}
}

/*
 * Also with the teardowns in another process: a child holding the only
 * mounts of marked superblocks exits while the module unloads.
 */
TEST_F_TIMEOUT(reload, unload_races_ns_exit, 300)
{
	int round, status, sync_pipe[2], i, ret;
	pid_t pid;
	char c;

	for (round = 0; round < 10; round++) {
		ASSERT_EQ(0, pipe(sync_pipe));
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			char dir[PATH_MAX];
			int bad = 0;

			close(sync_pipe[0]);
			if (vt_private_ns())
				_exit(1);
			for (i = 0; i < NR_SBS; i++) {
				bad |= ovlvol_test_mount_new(dir, "tmpfs", NULL,
							     0);
				bad |= !ovlvol_test_sb_id(self->dev, dir);
			}
			close(self->dev);
			/* Exiting ends the namespace and its superblocks. */
			_exit(write(sync_pipe[1], bad ? "b" : "k", 1) != 1);
		}
		close(sync_pipe[1]);
		ASSERT_EQ(1, read(sync_pipe[0], &c, 1));
		close(sync_pipe[0]);
		ASSERT_EQ('k', c);
		close(self->dev);
		self->dev = -1;
		/* The child may still hold the device for a moment. */
		for (i = 0; i < 1000; i++) {
			ret = ovlvol_test_unload();
			if (ret != -EWOULDBLOCK)
				break;
			usleep(1000);
		}
		ASSERT_EQ(0, ret) TH_LOG("round %d", round);
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_TRUE(WIFEXITED(status));
		ASSERT_EQ(0, WEXITSTATUS(status));
		ASSERT_EQ(0, ovlvol_test_load());
		self->dev = ovlvol_test_open_dev();
		ASSERT_LE(0, self->dev);
	}
}

TEST_F_TIMEOUT(reload, load_unload_cycles, 300)
{
	char dir[PATH_MAX];
	__u64 id, root;
	int i;

	ASSERT_EQ(0, ovlvol_test_mount_new(dir, "tmpfs", NULL, 0));
	for (i = 0; i < 30; i++) {
		ASSERT_EQ(0, cycle(&self->dev)) TH_LOG("cycle %d", i);
		id = ovlvol_test_sb_id(self->dev, dir);
		root = ovlvol_test_sb_id(self->dev, "/");
		ASSERT_NE(0, id) TH_LOG("cycle %d", i);
		ASSERT_NE(0, root) TH_LOG("cycle %d", i);
		ASSERT_NE(id, root) TH_LOG("cycle %d", i);
		ASSERT_EQ(id, ovlvol_test_sb_id(self->dev, dir));
		ASSERT_EQ(root, ovlvol_test_sb_id(self->dev, "/"));
	}
	ASSERT_EQ(0, umount(dir));
}

TEST_HARNESS_MAIN
