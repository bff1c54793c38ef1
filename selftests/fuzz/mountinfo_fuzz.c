// SPDX-License-Identifier: GPL-2.0
/*
 * Mountinfo as ovlctl reads it (mounts.c): the fuzz input is the whole
 * mountinfo file of one process of a fake /proc (OVLCTL_PROC_ROOT, the
 * seam the host tests use), read through libmount by
 * ovlctl_overlay_mounts() and ovlctl_dir_in_use(), which split every
 * overlay's options (lowerdir on unescaped ':', upperdir, workdir,
 * volatile) and resolve the dirs beneath that process's root: a private
 * temporary directory with a few layer dirs in it. Nothing is mounted and
 * nothing outside that directory is looked at.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../tools/ovlctl/ovlctl.h"
#include "fuzz.h"

static int mountinfo_fd = -1;
static struct ovlctl_dirid upper_id;

static void make(const char *fmt, const char *tmp, const char *link)
{
	char path[4200];

	snprintf(path, sizeof(path), fmt, tmp);
	if (link ? symlink(link, path) : mkdir(path, 0755))
		fuzz_fail("creating %s: %s", path, strerror(errno));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp;
	char root[4200];

	(void)argc;
	(void)argv;
	fuzz_init();
	tmp = fuzz_tmpdir();
	/* PID 1 of the fake /proc, its mount namespace and root. */
	make("%s/proc", tmp, NULL);
	make("%s/proc/1", tmp, NULL);
	make("%s/proc/1/ns", tmp, NULL);
	make("%s/proc/1/ns/mnt", tmp, "mnt:[4026531840]");
	make("%s/root", tmp, NULL);
	snprintf(root, sizeof(root), "%s/root", tmp);
	make("%s/proc/1/root", tmp, root);
	/* Dirs the seeds name, so both outcomes of resolving are reached. */
	make("%s/root/l", tmp, NULL);
	make("%s/root/u", tmp, NULL);
	make("%s/root/w", tmp, NULL);
	make("%s/root/low:colon", tmp, NULL);
	make("%s/root/up per,comma", tmp, NULL);
	make("%s/root/link", tmp, "/u");
	/*
	 * Kept open and rewritten in place: truncating to 0 for every input
	 * makes ext4 flush the file on each close (auto_da_alloc), 20 times
	 * slower.
	 */
	snprintf(root, sizeof(root), "%s/proc/1/mountinfo", tmp);
	mountinfo_fd = open(root, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (mountinfo_fd < 0)
		fuzz_fail("%s: %s", root, strerror(errno));
	snprintf(root, sizeof(root), "%s/root/u", tmp);
	if (ovlctl_dirid(root, &upper_id))
		fuzz_fail("%s: %s", root, strerror(errno));
	snprintf(root, sizeof(root), "%s/proc", tmp);
	setenv("OVLCTL_PROC_ROOT", root, 1);
	return 0;
}

static void check(const struct ovlctl_mount *m, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		if (m[i].pid != 1)
			fuzz_fail("mount %zu: pid %d, the fake has only 1", i,
				  (int)m[i].pid);
		if (m[i].nlowers && !m[i].lowers)
			fuzz_fail("mount %zu: %zu lowers, no array", i,
				  m[i].nlowers);
		for (j = 0; j < m[i].nlowers; j++)
			if (!m[i].lowers[j])
				fuzz_fail("mount %zu: lower %zu is NULL", i, j);
		if (m[i].upper_id.valid && !m[i].upper)
			fuzz_fail("mount %zu: an upper id without upperdir", i);
		if (m[i].work_id.valid && !m[i].work)
			fuzz_fail("mount %zu: a work id without workdir", i);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ovlctl_mount *m;
	char *who = NULL;
	size_t n;
	int ret;

	if (pwrite(mountinfo_fd, data, size, 0) != (ssize_t)size ||
	    ftruncate(mountinfo_fd, size))
		fuzz_fail("writing the mountinfo: %s", strerror(errno));

	ret = ovlctl_overlay_mounts(&m, &n);
	if (ret == -ENOMEM)
		return 0;
	if (ret)
		fuzz_fail("ovlctl_overlay_mounts: %s", strerror(-ret));
	check(m, n);
	ovlctl_free_mounts(m, n);

	ret = ovlctl_dir_in_use(&upper_id, &who);
	if (ret < -4095 || ret > 1)
		fuzz_fail("ovlctl_dir_in_use returned %d", ret);
	/* Documented: these three always name the mount or process. */
	if ((ret == 1 || ret == -EACCES || ret == -ENODATA) && !who)
		fuzz_fail("ovlctl_dir_in_use %d without saying who", ret);
	free(who);
	return 0;
}
