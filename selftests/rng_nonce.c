// SPDX-License-Identifier: GPL-2.0
/*
 * The authority nonce comes from a seeded RNG. Run by the harness first
 * thing in a guest booted without RNG help (no RDRAND/RDSEED, no
 * virtio-rng, random.trust_cpu=off random.trust_bootloader=off), with the
 * authority already loaded from the initramfs (overlay on a patched
 * kernel, ovlvol on a stock one), so the only thing that can make the RNG
 * ready before the nonce is read is the authority waiting for it:
 *  - if getrandom(GRND_NONBLOCK) already succeeds, the RNG was seeded
 *    before we could look and there is nothing to show: SKIP;
 *  - otherwise make the authority draw its nonce (patched kernel: a first
 *    volatile mount; module: its first query) and read it; the RNG must be
 *    ready afterwards, because drawing the nonce waited for it. An authority that drew its nonce at
 *    load time returns at once, with the RNG still unseeded: FAIL.
 * And the guest's own kernel log must say so: "crng init done" comes
 * before the authority's "nonce drawn" line.
 * Prints "# nonce: UUID" for the host, which checks that two boots differ.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/random.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include <linux/ovl_volatile.h>

static int rng_ready(void)
{
	char b;

	if (getrandom(&b, 1, GRND_NONBLOCK) == 1)
		return 1;
	return errno == EAGAIN ? 0 : -errno;
}

/* A volatile overlay on a fresh tmpfs, mounted and unmounted; 0 or -errno */
static int first_volatile_mount(void)
{
	static const char *const dirs[] = { "/tmp/rng/l", "/tmp/rng/u",
					    "/tmp/rng/w", "/tmp/rng/m" };
	unsigned int i;
	int ret = 0;

	if (mkdir("/tmp/rng", 0755) ||
	    mount("tmpfs", "/tmp/rng", "tmpfs", 0, NULL))
		return -errno;
	for (i = 0; i < 4 && !ret; i++)
		ret = mkdir(dirs[i], 0755) ? -errno : 0;
	if (!ret && mount("overlay", "/tmp/rng/m", "overlay", 0,
			  "lowerdir=/tmp/rng/l,upperdir=/tmp/rng/u,"
			  "workdir=/tmp/rng/w,volatile"))
		ret = -errno;
	if (!ret)
		umount("/tmp/rng/m");
	umount2("/tmp/rng", MNT_DETACH);
	return ret;
}

/* The nonce of this system's authority, as text; 0 or -errno. */
static int read_nonce(char *out, size_t len)
{
	const char *kind = getenv("OVLVOL_KIND");
	struct ovlvol_nonce n = { .size = sizeof(n), .version = OVLVOL_IOC_V1 };
	int fd, i, ret;
	FILE *f;

	if (kind && !strcmp(kind, "patched")) {
		/*
		 * The first volatile mount draws it (reading the parameter
		 * before that never waits: EAGAIN while the RNG is unseeded).
		 */
		ret = first_volatile_mount();
		if (ret)
			return ret;
		f = fopen("/sys/module/overlay/parameters/load_uuid", "re");
		if (!f)
			return -errno;
		ret = fgets(out, len, f) ? 0 : -EIO;
		fclose(f);
		out[strcspn(out, "\n")] = '\0';
		return ret;
	}
	fd = open("/dev/" OVLVOL_DEVICE_NAME, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = ioctl(fd, OVLVOL_IOC_NONCE, &n) ? -errno : 0;
	close(fd);
	for (i = 0; !ret && i < 16 && len > 2 * 16; i++)
		sprintf(out + 2 * i, "%02x", n.nonce[i]);
	return ret;
}

/*
 * The sequence number of the first kernel log record holding @what, or -1.
 * Reads the whole log from the start (/dev/kmsg, non-blocking).
 */
static long long kmsg_seq(const char *what)
{
	char rec[2048];
	long long seq, found = -1;
	ssize_t n;
	int fd;

	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while (found < 0) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue; /* overwritten records: go on */
		if (n <= 0)
			break;
		rec[n] = '\0';
		if (strstr(rec, what) && sscanf(rec, "%*u,%lld", &seq) == 1)
			found = seq;
	}
	close(fd);
	return found;
}

TEST(nonce_drawn_after_rng_seeded)
{
	char nonce[64] = "";
	long long crng, drawn;
	int before, after;

	before = rng_ready();
	ASSERT_LE(0, before);
	ASSERT_EQ(0, read_nonce(nonce, sizeof(nonce)));
	after = rng_ready();
	printf("# nonce: %s\n", nonce);
	if (before)
		SKIP(return, "the RNG was seeded before PID 1 could look");
	TH_LOG("nonce read with the RNG unseeded; ready afterwards: %d", after);
	EXPECT_EQ(1, after);
	crng = kmsg_seq("random: crng init done");
	drawn = kmsg_seq(strcmp(getenv("OVLVOL_KIND") ?: "", "patched") ?
				 "ovlvol: load nonce drawn" :
				 "overlayfs: volatile load UUID drawn");
	TH_LOG("kernel log: crng init done at record %lld, nonce drawn at %lld",
	       crng, drawn);
	EXPECT_LE(0, crng);
	EXPECT_LT(crng, drawn);
}

TEST_HARNESS_MAIN
