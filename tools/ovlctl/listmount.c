// SPDX-License-Identifier: GPL-2.0
/*
 * Mount namespaces through the kernel's own listing: listmount(2) and
 * statmount(2) (6.8; another namespace's mounts and their options from
 * 6.11) list a namespace once, whatever the number of processes in it,
 * and nsfs's NS_MNT_GET_NEXT/PREV (6.12) reach every mount namespace,
 * also those no process is in (pinned by an nsfs bind mount or an open
 * file). The uapi of bookworm's libc headers predates them, so the few
 * definitions used are spelt out here, under names of our own.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libmount.h>
#include <linux/magic.h>
#include <linux/types.h>

#include "ovlctl.h"

#ifndef __NR_statmount
#define __NR_statmount 457
#endif
#ifndef __NR_listmount
#define __NR_listmount 458
#endif

/* include/uapi/linux/mount.h, version 1 of the request (6.11) */
struct ovlctl_mnt_id_req {
	__u32 size;
	__u32 mnt_fd; /* or mnt_ns_fd (7.x) */
	__u64 mnt_id;
	__u64 param;
	__u64 mnt_ns_id;
};

#define OVLCTL_MNT_ID_REQ_SIZE_VER1 32
/*
 * A namespace's owner can keep adding mounts (new ids are always higher)
 * and namespaces while we list them: stop at these and say "unknown".
 */
#define OVLCTL_MAX_MOUNTS (1U << 20)
#define OVLCTL_MAX_MNTNS (1U << 20)
#define OVLCTL_MNTNS_ROOT_TIMEOUT_MS 10000
/* statx(2): the mount's unique id, as listmount gives it (6.8) */
#define OVLCTL_STATX_MNT_ID_UNIQUE 0x4000U
#define OVLCTL_LSMT_ROOT 0xffffffffffffffffULL
#define OVLCTL_STATMOUNT_SB_BASIC 0x01U
#define OVLCTL_STATMOUNT_MNT_BASIC 0x02U
#define OVLCTL_STATMOUNT_MNT_POINT 0x10U
#define OVLCTL_STATMOUNT_MNT_OPTS 0x80U
#define OVLCTL_STATMOUNT_SB_INSTANCE 0x8000U
#define OVLCTL_STATMOUNT_SB_ERRORS 0x10000U
#define OVLCTL_STATMOUNT_BY_FD 0x01U

struct ovlctl_statmount {
	__u32 size;
	__u32 mnt_opts;
	__u64 mask;
	__u32 sb_dev_major;
	__u32 sb_dev_minor;
	__u64 sb_magic;
	__u32 sb_flags;
	__u32 fs_type;
	__u64 mnt_id;
	__u64 mnt_parent_id;
	__u32 mnt_id_old;
	__u32 mnt_parent_id_old;
	__u64 mnt_attr;
	__u64 mnt_propagation;
	__u64 mnt_peer_group;
	__u64 mnt_master;
	__u64 propagate_from;
	__u32 mnt_root;
	__u32 mnt_point;
	__u64 mnt_ns_id;
	__u32 fs_subtype;
	__u32 sb_source;
	__u32 opt_num;
	__u32 opt_array;
	__u32 opt_sec_num;
	__u32 opt_sec_array;
	__u64 supported_mask;
	__u32 mnt_uidmap_num;
	__u32 mnt_uidmap;
	__u32 mnt_gidmap_num;
	__u32 mnt_gidmap;
	/* The upstream kernel series (patches/7.3) */
	__u64 sb_instance_id;
	__u32 sb_wb_err;
	__u32 sb_fs_errors;
	__u64 spare2[41];
	char str[];
};

_Static_assert(offsetof(struct ovlctl_statmount, sb_instance_id) == 168,
	       "struct statmount layout");
_Static_assert(sizeof(struct ovlctl_statmount) == 512, "struct statmount size");

/* include/uapi/linux/nsfs.h */
#define OVLCTL_NSIO 0xb7
#define OVLCTL_NS_GET_MNTNS_ID _IOR(OVLCTL_NSIO, 0x5, __u64)

struct ovlctl_mnt_ns_info {
	__u32 size;
	__u32 nr_mounts;
	__u64 mnt_ns_id;
};

#define OVLCTL_NS_MNT_GET_NEXT _IOR(OVLCTL_NSIO, 11, struct ovlctl_mnt_ns_info)
#define OVLCTL_NS_MNT_GET_PREV _IOR(OVLCTL_NSIO, 12, struct ovlctl_mnt_ns_info)

/* "This kernel does not have it" from a syscall or ioctl */
static bool missing(int err)
{
	return err == ENOSYS || err == ENOTTY || err == EINVAL ||
	       err == EOPNOTSUPP;
}

/* statmount(2) of @id in namespace @ns into *@buf (grown as needed) */
static int do_statmount(__u64 id, __u64 ns, __u64 mask,
			struct ovlctl_statmount **buf, size_t *size)
{
	struct ovlctl_mnt_id_req req = {
		.size = OVLCTL_MNT_ID_REQ_SIZE_VER1,
		.mnt_id = id,
		.param = mask,
		.mnt_ns_id = ns,
	};

	for (;;) {
		void *p;

		if (!syscall(__NR_statmount, &req, *buf, *size, 0))
			return 0;
		if (errno != EOVERFLOW || *size >= (1U << 24))
			return -errno;
		p = realloc(*buf, 2 * *size);
		if (!p)
			return -ENOMEM;
		*buf = p;
		*size *= 2;
	}
}

void ovlctl_free_rawmnts(struct rawmnt *m, size_t n)
{
	size_t i;

	for (i = 0; m && i < n; i++)
		free(m[i].buf);
	free(m);
}

/* Keep overlay @sm as record @r: 0 or -ENOMEM */
static int keep(struct rawmnt *r, const struct ovlctl_statmount *sm)
{
	size_t tlen = strlen(sm->str + sm->mnt_point);
	const char *raw = sm->str + sm->mnt_opts;
	/* libmount's unmangler returns NULL for "" */
	char *opts = *raw ? mnt_unmangle(raw) : strdup("");
	char *buf;

	if (!opts)
		return -ENOMEM;
	/* target, then the unescaped options, in one owned buffer */
	buf = malloc(tlen + 1 + strlen(opts) + 1);
	if (!buf) {
		free(opts);
		return -ENOMEM;
	}
	memcpy(buf, sm->str + sm->mnt_point, tlen + 1);
	strcpy(buf + tlen + 1, opts);
	free(opts);
	*r = (struct rawmnt){
		.target = buf,
		.opts = buf + tlen + 1,
		.mnt_id = (int)sm->mnt_id_old,
		.dev = makedev(sm->sb_dev_major, sm->sb_dev_minor),
		.buf = buf,
	};
	return 0;
}

/* Append @got ids to *@ids: 0 or -ENOMEM */
static int keep_ids(uint64_t **ids, size_t *nids, const __u64 *got, size_t n)
{
	uint64_t *p = realloc(*ids, (*nids + n) * sizeof(*p));

	if (!p)
		return -ENOMEM;
	memcpy(p + *nids, got, n * sizeof(*p));
	*ids = p;
	*nids += n;
	return 0;
}

int ovlctl_listmount_overlays(int nsfd, struct rawmnt **out, size_t *n,
			      uint64_t **all, size_t *nall)
{
	struct ovlctl_mnt_id_req req = {
		.size = OVLCTL_MNT_ID_REQ_SIZE_VER1,
		.mnt_id = OVLCTL_LSMT_ROOT,
	};
	const __u64 want =
		OVLCTL_STATMOUNT_SB_BASIC | OVLCTL_STATMOUNT_MNT_BASIC |
		OVLCTL_STATMOUNT_MNT_POINT | OVLCTL_STATMOUNT_MNT_OPTS;
	size_t size = sizeof(struct ovlctl_statmount) + 4096, cap = 0, i;
	size_t seen = 0;
	struct ovlctl_statmount *sm = malloc(size);
	struct rawmnt *m = NULL;
	__u64 ids[512];
	long got;
	int err = 0;

	*out = NULL;
	*n = 0;
	*all = NULL;
	*nall = 0;
	if (!sm)
		return -ENOMEM;
	if (ioctl(nsfd, OVLCTL_NS_GET_MNTNS_ID, &req.mnt_ns_id)) {
		err = missing(errno) ? -ENOSYS : -errno;
		goto out;
	}
	do {
		got = syscall(__NR_listmount, &req, ids, 512, 0);
		if (got < 0) {
			err = missing(errno) ? -ENOSYS : -errno;
			break;
		}
		err = keep_ids(all, nall, ids, got);
		for (i = 0; i < (size_t)got && !err; i++) {
			/* The super block alone first: most are not overlays */
			err = do_statmount(ids[i], req.mnt_ns_id,
					   OVLCTL_STATMOUNT_SB_BASIC, &sm,
					   &size);
			if (err == -ENOENT) {
				err = 0; /* unmounted meanwhile */
				continue;
			}
			if (err || sm->sb_magic != OVERLAYFS_SUPER_MAGIC)
				continue;
			err = do_statmount(ids[i], req.mnt_ns_id, want, &sm,
					   &size);
			if (err == -ENOENT) {
				err = 0;
				continue;
			}
			if (!err && (sm->mask & want) != want)
				err = -ENOSYS; /* no options before 6.11 */
			if (err)
				break;
			if (*n == cap) {
				struct rawmnt *p;

				cap = cap ? 2 * cap : 8;
				p = realloc(m, cap * sizeof(*m));
				if (!p) {
					err = -ENOMEM;
					break;
				}
				m = p;
			}
			err = keep(&m[*n], sm);
			if (!err)
				(*n)++;
		}
		if (got > 0)
			req.param = ids[got - 1];
		seen += got > 0 ? (size_t)got : 0;
		if (!err && seen > OVLCTL_MAX_MOUNTS)
			err = -E2BIG;
	} while (!err && got == 512);
out:
	free(sm);
	if (err) {
		ovlctl_free_rawmnts(m, *n);
		*n = 0;
		free(*all);
		*all = NULL;
		*nall = 0;
		return err;
	}
	*out = m;
	return 0;
}

/* Walk from @fd in one direction, calling @fn; closes @fd */
static int walk(int fd, unsigned long dir,
		int (*fn)(void *arg, int nsfd, ino_t ino), void *arg)
{
	unsigned int n = 0;
	int err = 0;

	for (;;) {
		struct ovlctl_mnt_ns_info info = { .size = sizeof(info) };
		struct stat st;
		int next = ioctl(fd, dir, &info);

		close(fd);
		if (next < 0)
			return errno == ENOENT ? 0 : -errno;
		fd = next;
		err = fstat(fd, &st) ? -errno : fn(arg, fd, st.st_ino);
		if (!err && ++n > OVLCTL_MAX_MNTNS)
			err = -E2BIG;
		if (err)
			break;
	}
	close(fd);
	return err;
}

int ovlctl_each_mntns(int (*fn)(void *arg, int nsfd, ino_t ino), void *arg)
{
	struct ovlctl_mnt_ns_info info = { .size = sizeof(info) };
	int self, fd, err;
	struct stat st;

	self = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return -errno;
	/* Probe: ENOENT past the last one is an answer, not a lack */
	fd = ioctl(self, OVLCTL_NS_MNT_GET_NEXT, &info);
	if (fd < 0 && errno != ENOENT) {
		err = missing(errno) ? -ENOSYS : -errno;
		close(self);
		return err;
	}
	if (fd >= 0)
		close(fd);
	err = fstat(self, &st) ? -errno : fn(arg, self, st.st_ino);
	fd = err ? -1 : dup(self);
	if (!err && fd < 0)
		err = -errno;
	if (!err)
		err = walk(fd, OVLCTL_NS_MNT_GET_NEXT, fn, arg);
	if (!err)
		err = walk(self, OVLCTL_NS_MNT_GET_PREV, fn, arg);
	else
		close(self);
	return err;
}

int ovlctl_statmount_sb_ids(int fd, struct ovlctl_sb_ids *ids)
{
	const __u64 want = OVLCTL_STATMOUNT_SB_INSTANCE |
			   OVLCTL_STATMOUNT_SB_ERRORS;
	struct ovlctl_mnt_id_req req = {
		.size = OVLCTL_MNT_ID_REQ_SIZE_VER1,
		.mnt_fd = (__u32)fd,
		.param = want,
	};
	struct ovlctl_statmount sm;

	if (fd < 0)
		return -EBADF;
	memset(&sm, 0, sizeof(sm));
	if (syscall(__NR_statmount, &req, &sm, sizeof(sm),
		    OVLCTL_STATMOUNT_BY_FD))
		return missing(errno) ? -EOPNOTSUPP : -errno;
	/* A kernel without the series answers without these bits */
	if ((sm.mask & want) != want)
		return -EOPNOTSUPP;
	ids->sb_instance = sm.sb_instance_id;
	ids->wb_err = sm.sb_wb_err;
	ids->fs_errors = sm.sb_fs_errors;
	return 0;
}

uint64_t ovlctl_unique_mnt_id(int fd)
{
	struct statx stx;

	if (statx(fd, "", AT_EMPTY_PATH, OVLCTL_STATX_MNT_ID_UNIQUE, &stx) ||
	    !(stx.stx_mask & OVLCTL_STATX_MNT_ID_UNIQUE))
		return 0;
	return stx.stx_mnt_id;
}

/*
 * A child joins the namespace and waits there; its /proc entries are then
 * that namespace's root and mount table, as for any process in it.
 */
int ovlctl_mntns_open(int nsfd, int *rootfd, int *mountinfo)
{
	int ready[2], release[2], st, err = 0;
	char path[64], c = 0;
	pid_t pid;

	*rootfd = *mountinfo = -1;
	if (pipe2(ready, O_CLOEXEC))
		return -errno;
	if (pipe2(release, O_CLOEXEC)) {
		err = -errno;
		close(ready[0]);
		close(ready[1]);
		return err;
	}
	pid = fork();
	if (!pid) {
		close(ready[0]);
		close(release[1]);
		if (setns(nsfd, CLONE_NEWNS))
			_exit(1);
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		/* Until the parent has looked: EOF when it closes its end */
		while (read(release[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	if (pid < 0)
		err = -errno;
	close(ready[1]);
	close(release[0]);
	/* Joining can block (a root on a dead NFS server): not for long */
	if (!err && (poll(&(struct pollfd){ .fd = ready[0], .events = POLLIN },
			  1, OVLCTL_MNTNS_ROOT_TIMEOUT_MS) != 1 ||
		     read(ready[0], &c, 1) != 1))
		err = -ETIMEDOUT;
	if (!err) {
		snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
		*rootfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)pid);
		*mountinfo = open(path, O_RDONLY | O_CLOEXEC);
		if (*rootfd < 0 || *mountinfo < 0)
			err = -errno;
	}
	close(ready[0]);
	close(release[1]);
	if (pid > 0 && err == -ETIMEDOUT) {
		/* Stuck where a signal cannot reach: not waited for */
		kill(pid, SIGKILL);
		waitpid(pid, &st, WNOHANG);
	} else if (pid > 0) {
		if (err)
			kill(pid, SIGKILL);
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	if (err) {
		if (*rootfd >= 0)
			close(*rootfd);
		if (*mountinfo >= 0)
			close(*mountinfo);
		*rootfd = *mountinfo = -1;
	}
	return err;
}
