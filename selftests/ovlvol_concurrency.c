// SPDX-License-Identifier: GPL-2.0
/*
 * Queries racing mounts, unmounts and superblock teardowns, for a bounded
 * time. Mounter threads keep mounting a fresh tmpfs on their slot and
 * lazily unmounting it; query threads open whatever a slot holds at that
 * moment and query it, often as the very first query of a superblock.
 *
 * Consistency: every thread that queries one superblock publishes the id it
 * got in a file on that superblock (link(2) is atomic: the first one wins)
 * and compares with what is there, so all first queries must agree; two
 * queries through one fd agree; the ids the mounters see for successive
 * superblocks of a slot grow, and no two superblocks ever share an id.
 * The guest panics on any kernel warning, so "no warning" is checked too.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>

#include "kselftest_harness.h"
#include "ovl_test.h"
#include "ovlvol_test.h"

#define NR_SLOTS 3
#define NR_QUERIERS 4
#define RUN_SECONDS 8.0
#define MAX_IDS 100000

struct shared {
	int dev;
	char slots[NR_SLOTS][PATH_MAX];
	double deadline;
	atomic_int failures;
	atomic_long queries;
	atomic_long agreed;
	char first_failure[256];
	pthread_mutex_t lock;
	__u64 ids[MAX_IDS]; /* every id a mounter saw, under lock */
	int nr_ids;
	int cycles[NR_SLOTS];
};

/* Threads cannot ASSERT: count failures, keep the first one's text. */
static void __attribute__((format(printf, 2, 3)))
fail(struct shared *s, const char *fmt, ...)
{
	va_list ap;

	if (atomic_fetch_add(&s->failures, 1))
		return;
	va_start(ap, fmt);
	vsnprintf(s->first_failure, sizeof(s->first_failure), fmt, ap);
	va_end(ap);
}

/*
 * Publish @id as the id of the superblock @dirfd is on, or compare it with
 * the id published before. Returns false on a mismatch.
 */
static bool agree(struct shared *s, int dirfd, __u64 id)
{
	char tmp[64], text[32], seen[32];
	ssize_t n;
	int fd, len;

	len = snprintf(text, sizeof(text), "%llu", (unsigned long long)id);
	snprintf(tmp, sizeof(tmp), "tmp.%ld", (long)gettid());
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return true; /* the slot went away; nothing to compare */
	n = write(fd, text, len);
	close(fd);
	if (n == len && linkat(dirfd, tmp, dirfd, "id", 0) == 0) {
		unlinkat(dirfd, tmp, 0);
		return true;
	}
	unlinkat(dirfd, tmp, 0);
	fd = openat(dirfd, "id", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	n = read(fd, seen, sizeof(seen) - 1);
	close(fd);
	if (n <= 0)
		return true;
	seen[n] = 0;
	if (strtoull(seen, NULL, 10) != id) {
		fail(s, "two ids for one superblock: %s and %llu", seen,
		     (unsigned long long)id);
		return false;
	}
	atomic_fetch_add(&s->agreed, 1);
	return true;
}

static void *querier(void *arg)
{
	struct shared *s = arg;
	unsigned int seed = (unsigned int)gettid();
	struct ovlvol_ident a, b;
	int fd, ret;

	while (ovlvol_test_now() < s->deadline) {
		fd = open(s->slots[rand_r(&seed) % NR_SLOTS],
			  O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			fail(s, "open slot: %s", strerror(errno));
			continue;
		}
		ret = ovlvol_test_ident(s->dev, fd, &a);
		if (!ret)
			ret = ovlvol_test_ident(s->dev, fd, &b);
		if (ret)
			fail(s, "query: %s", strerror(-ret));
		else if (!a.sb_instance || a.sb_instance != b.sb_instance)
			fail(s, "one fd, ids %llu and %llu",
			     (unsigned long long)a.sb_instance,
			     (unsigned long long)b.sb_instance);
		else
			agree(s, fd, a.sb_instance);
		atomic_fetch_add(&s->queries, 1);
		close(fd);
	}
	return NULL;
}

struct mounter_arg {
	struct shared *s;
	int slot;
};

static void *mounter(void *arg)
{
	struct mounter_arg *m = arg;
	struct shared *s = m->s;
	const char *dir = s->slots[m->slot];
	unsigned int seed = m->slot;
	struct ovlvol_ident ident;
	__u64 prev = 0, id;
	int fd;

	while (ovlvol_test_now() < s->deadline) {
		if (mount("tmpfs", dir, "tmpfs", 0, NULL)) {
			fail(s, "mount: %s", strerror(errno));
			break;
		}
		/* Let the queriers race for the first query now and then. */
		if (rand_r(&seed) & 1)
			usleep(rand_r(&seed) % 2000);
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		id = 0;
		if (fd >= 0 && !ovlvol_test_ident(s->dev, fd, &ident))
			id = ident.sb_instance;
		if (!id)
			fail(s, "mounter: open or query failed");
		else if (id <= prev)
			fail(s, "slot ids not growing: %llu then %llu",
			     (unsigned long long)prev, (unsigned long long)id);
		else if (fd >= 0)
			agree(s, fd, id);
		if (fd >= 0)
			close(fd);
		prev = id;
		pthread_mutex_lock(&s->lock);
		if (s->nr_ids < MAX_IDS)
			s->ids[s->nr_ids++] = id;
		s->cycles[m->slot]++;
		pthread_mutex_unlock(&s->lock);
		usleep(rand_r(&seed) % 3000);
		/* Lazily: queriers may hold the superblock a little longer. */
		if (umount2(dir, MNT_DETACH)) {
			fail(s, "umount: %s", strerror(errno));
			break;
		}
	}
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

FIXTURE(conc)
{
	int dev;
	struct shared *s;
};

FIXTURE_SETUP(conc)
{
	self->dev = -1;
	self->s = NULL;
	ASSERT_EQ(0, vt_private_ns());
	self->dev = ovlvol_test_start();
	if (self->dev == -ENOENT)
		SKIP(return, "ovlvol not loaded and OVLVOL_MODULE not set");
	ASSERT_LE(0, self->dev);
}

FIXTURE_TEARDOWN(conc)
{
	free(self->s);
	ovlvol_test_stop(&self->dev);
}

TEST_F_TIMEOUT(conc, query_while_mounting, 120)
{
	struct mounter_arg margs[NR_SLOTS];
	pthread_t q[NR_QUERIERS], m[NR_SLOTS];
	struct shared *s;
	char base[PATH_MAX];
	int i, dups = 0, total = 0;

	s = calloc(1, sizeof(*s));
	ASSERT_NE(NULL, s);
	self->s = s;
	s->dev = self->dev;
	pthread_mutex_init(&s->lock, NULL);
	ASSERT_EQ(0, ovlvol_test_mkdtemp(base));
	for (i = 0; i < NR_SLOTS; i++) {
		snprintf(s->slots[i], PATH_MAX, "%s/slot%d", base, i);
		ASSERT_EQ(0, mkdir(s->slots[i], 0755));
	}
	s->deadline = ovlvol_test_now() + RUN_SECONDS;

	for (i = 0; i < NR_SLOTS; i++) {
		margs[i] = (struct mounter_arg){ .s = s, .slot = i };
		ASSERT_EQ(0, pthread_create(&m[i], NULL, mounter, &margs[i]));
	}
	for (i = 0; i < NR_QUERIERS; i++)
		ASSERT_EQ(0, pthread_create(&q[i], NULL, querier, s));
	for (i = 0; i < NR_QUERIERS; i++)
		pthread_join(q[i], NULL);
	for (i = 0; i < NR_SLOTS; i++)
		pthread_join(m[i], NULL);

	for (i = 0; i < NR_SLOTS; i++)
		total += s->cycles[i];
	TH_LOG("%d mount cycles, %ld queries, %ld id agreements checked", total,
	       atomic_load(&s->queries), atomic_load(&s->agreed));
	EXPECT_EQ(0, atomic_load(&s->failures))
	TH_LOG("first failure: %s", s->first_failure);

	/* Every superblock a mounter saw had an id of its own. */
	qsort(s->ids, s->nr_ids, sizeof(*s->ids), cmp_u64);
	for (i = 1; i < s->nr_ids; i++)
		dups += s->ids[i] == s->ids[i - 1];
	EXPECT_EQ(0, dups);
	/* The run did something worth checking. */
	for (i = 0; i < NR_SLOTS; i++)
		EXPECT_LE(10, s->cycles[i]);
	EXPECT_LE(100, atomic_load(&s->queries));
	EXPECT_LT(0, atomic_load(&s->agreed));
}

TEST_HARNESS_MAIN
