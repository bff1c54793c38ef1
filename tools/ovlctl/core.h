/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The checkpoint, the live identities of the id authority, and the
 * verdict: the logic every command shares.
 */
#ifndef OVLCTL_CORE_H
#define OVLCTL_CORE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/ovl_volatile.h>

/* The stock overlayfs marker, relative to the workdir. */
#define OVLCTL_MARKER_DIR "work/incompat/volatile"
#define OVLCTL_INCOMPAT_DIR "work/incompat"

enum ovlctl_ckpt_status {
	OVLCTL_CKPT_OK,
	OVLCTL_CKPT_ABSENT,
	OVLCTL_CKPT_BAD,
};

/* A decoded checkpoint, host byte order. */
struct ovlctl_ckpt {
	uint8_t version;
	uint8_t authority;
	uint32_t flags;
	uint32_t errseq;
	uint8_t nonce[16];
	uint64_t sb_instance;
	uint64_t binding;
	uint32_t binding_gen;
	uint32_t fs_errors;
};

/*
 * Strictly decode @len bytes: OVLCTL_CKPT_OK, or OVLCTL_CKPT_BAD with *@why
 * saying what is wrong.
 */
int ovlctl_ckpt_decode(const void *buf, size_t len, struct ovlctl_ckpt *c,
		       const char **why);
void ovlctl_ckpt_encode(const struct ovlctl_ckpt *c,
			struct ovl_volatile_ckpt *out);
/* The xattr name in the trusted. or user. (userxattr) namespace. */
const char *ovlctl_ckpt_xattr(bool userxattr);
/* Read from the dir open as @dirfd: OVLCTL_CKPT_* or -errno. */
int ovlctl_ckpt_read(int dirfd, bool userxattr, struct ovlctl_ckpt *c,
		     const char **why);
int ovlctl_ckpt_write(int dirfd, bool userxattr, const struct ovlctl_ckpt *c);
int ovlctl_removexattr_present(int fd, const char *name);
int ovlctl_ckpt_remove(int dirfd, bool userxattr);

enum ovlctl_authority {
	OVLCTL_AUTH_NONE = 0,
	OVLCTL_AUTH_KERNEL = OVL_VOLATILE_AUTH_KERNEL,
	OVLCTL_AUTH_MODULE = OVL_VOLATILE_AUTH_MODULE,
};

const char *ovlctl_authority_name(int authority);
/*
 * The authority this system offers: the patched kernel if it has
 * FS_IOC_GETFSINSTANCE, else the ovlvol module (loaded with libkmod when
 * @load and it is not), else none.
 */
int ovlctl_authority(bool load);

/* Live identity of the filesystem an fd is on, from @authority. */
struct ovlctl_ident {
	int authority;
	uint8_t nonce[16];
	bool have_nonce; /* the kernel's: false while overlay is not loaded */
	uint64_t sb_instance;
	uint32_t errseq;
	uint32_t fs_errors; /* filesystem errors reported (FS_ERROR) */
	bool unseen; /* s_wb_err holds an error nobody has seen */
	bool rdonly;
	bool remote; /* its data belongs to a server (FUSE, NFS...) */
};

int ovlctl_ident(int authority, int fd, struct ovlctl_ident *id);
/*
 * Does an overlay hold the dir open as @fd as its upper or work dir
 * (I_OVL_INUSE, through the ovlvol module)? 1, 0, or -errno (-ENOENT: no
 * module to ask).
 */
int ovlctl_kernel_in_use(int fd);
/*
 * Is the pair open as @upper_fd and @work_fd used by an overlay, mounted
 * in any mount namespace or still held by overlayfs (lazily unmounted)?
 * The kernel's lock through ovlvol (loaded first if @load and the system
 * has it), then the mountinfo scan of every view. 1, 0 or -errno, with
 * *@which the dir concerned (0 upper, 1 work) and *@who (free it) what
 * uses it (a mount's target, or a sentence when the kernel's lock said
 * so) or what could not be looked into (see ovlctl_dir_in_use()).
 */
int ovlctl_pair_in_use(int upper_fd, int work_fd, bool load, char **who,
		       int *which);
/* The inode generation of the dir open as @fd, from @authority. */
int ovlctl_generation(int authority, int fd, uint32_t *gen);
bool ovlctl_reuse_disabled(int authority);
/* kmod_set_log_fn() for every libkmod context: its messages at debug level. */
void ovlctl_kmod_log(void *data, int priority, const char *file, int line,
		     const char *fn, const char *format, va_list args);

enum ovlctl_reason {
	OVLCTL_OK,
	OVLCTL_NO_CHECKPOINT,
	OVLCTL_BAD_CHECKPOINT,
	OVLCTL_NONCE_CHANGED,
	OVLCTL_SB_INSTANCE_CHANGED,
	OVLCTL_ERRSEQ_ADVANCED,
	OVLCTL_FS_ERROR,
	OVLCTL_UNSEEN_UPPER_ERROR,
	OVLCTL_BINDING_MISMATCH,
	OVLCTL_NOT_VOLATILE,
	OVLCTL_IN_USE,
	OVLCTL_REMOTE_UPPER,
	OVLCTL_READ_ONLY_UPPER,
	OVLCTL_OTHER_INCOMPAT,
	OVLCTL_UNSUPPORTED,
	OVLCTL_DISABLED,
	OVLCTL_LOWER_CHANGED,
	OVLCTL_NR_REASONS,
};

/* Everything the verdict depends on, gathered by the caller. */
struct ovlctl_verdict_in {
	bool want_volatile; /* the mount to be made is volatile */
	bool marker; /* work/incompat/volatile exists */
	bool other_incompat; /* another entry under work/incompat */
	bool in_use; /* upper or work used by a mounted overlay */
	bool lower_changed; /* the lower stack differs from the record */
	int authority; /* OVLCTL_AUTH_* available now */
	bool reuse_disabled; /* the authority has reuse switched off */
	int ckpt_status; /* OVLCTL_CKPT_* */
	struct ovlctl_ckpt ckpt;
	struct ovlctl_ident live; /* of the upper fs */
	uint64_t binding; /* inode number the checkpoint must name */
	uint32_t binding_gen; /* and its inode generation */
	/*
	 * The upstream kernel series on a filesystem that does not tell
	 * generations (tmpfs): the number alone is compared here, and the
	 * kernel compares both when it mounts.
	 */
	bool binding_gen_unknown;
};

struct ovlctl_verdict {
	enum ovlctl_reason reason;
	bool fresh; /* nothing to reuse: a first mount */
};

/* Pure: no I/O. */
struct ovlctl_verdict ovlctl_verdict(const struct ovlctl_verdict_in *in);
const char *ovlctl_reason_name(enum ovlctl_reason r);
const char *ovlctl_reason_text(enum ovlctl_reason r);
/* The exit status of a refusal (or OVLCTL_EXIT_OK). */
int ovlctl_reason_exit(enum ovlctl_reason r);

#endif /* OVLCTL_CORE_H */
