/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The verdict cases of volatile reuse, one table for every authority:
 * the patched kernel (plain mount(2)) and, later, the ovlvol module driven
 * by ovlctl. Each case starts from an upper/work pair that was mounted
 * volatile once, written to and unmounted; then its action runs and the
 * next mount must fail with the errno and reason given, or succeed
 * (errno 0, reason "ok") with every byte written before intact.
 */
#ifndef OVL_VOLATILE_CASES_H
#define OVL_VOLATILE_CASES_H

/* Upper filesystems a case runs on. */
#define OVL_FS_TMPFS 0x1U
#define OVL_FS_EXT4 0x2U
#define OVL_FS_XFS 0x4U
/* ext4 driver on a dm device that can be switched to the error target */
#define OVL_FS_DMERR 0x8U
#define OVL_FS_DISKS (OVL_FS_EXT4 | OVL_FS_XFS)
#define OVL_FS_ANY (OVL_FS_TMPFS | OVL_FS_DISKS)

/* What happens between the first volatile mount and the next one. */
enum ovl_case_action {
	OVL_ACT_NONE, /* nothing: plain reuse */
	OVL_ACT_NOT_VOLATILE, /* the next mount is not volatile */
	OVL_ACT_REMOUNT_UPPER, /* unmount the upper fs and mount it again */
	OVL_ACT_RELOAD, /* reload the authority (overlay or ovlvol) */
	OVL_ACT_WB_ERROR, /* writeback error on the upper, left unseen */
	OVL_ACT_WB_ERROR_SEEN, /* the same, then a third party's syncfs */
	OVL_ACT_FORGE_MAGIC, /* one checkpoint field changed each */
	OVL_ACT_FORGE_VERSION,
	OVL_ACT_FORGE_SIZE,
	OVL_ACT_FORGE_FLAGS,
	OVL_ACT_FORGE_AUTH_UNKNOWN,
	OVL_ACT_FORGE_AUTH_OTHER, /* the other known authority */
	OVL_ACT_FORGE_NONCE,
	OVL_ACT_FORGE_SB_INSTANCE,
	OVL_ACT_FORGE_ERRSEQ,
	OVL_ACT_FORGE_BINDING,
	OVL_ACT_XATTR_TRUNCATED, /* one byte short */
	OVL_ACT_XATTR_OVERSIZED, /* one byte more */
	OVL_ACT_XATTR_REMOVED,
	OVL_ACT_COPY_WORKDIR, /* the next mount uses a copy of the workdir */
	OVL_ACT_OTHER_INCOMPAT, /* work/incompat/other appears */
	OVL_ACT_IN_USE, /* another overlay mounted on the same dirs */
	OVL_ACT_IN_USE_NS, /* the same, in another mount namespace */
	OVL_ACT_DISABLED, /* reuse turned off by the authority */
};

struct ovl_verdict_case {
	const char *name;
	enum ovl_case_action action;
	unsigned int fs; /* OVL_FS_* it runs on */
	int err; /* expected errno of the next mount, 0: reused */
	const char *reason; /* expected reason token */
};

static const struct ovl_verdict_case ovl_verdict_cases[] = {
	{ "reuse", OVL_ACT_NONE, OVL_FS_ANY | OVL_FS_DMERR, 0, "ok" },
	{ "not_volatile", OVL_ACT_NOT_VOLATILE, OVL_FS_ANY, EINVAL,
	  "not-volatile" },
	{ "upper_remounted", OVL_ACT_REMOUNT_UPPER, OVL_FS_DISKS, EINVAL,
	  "sb-instance-changed" },
	{ "authority_reloaded", OVL_ACT_RELOAD, OVL_FS_TMPFS | OVL_FS_EXT4,
	  EINVAL, "nonce-changed" },
	{ "wb_error_unseen", OVL_ACT_WB_ERROR, OVL_FS_DMERR, EIO,
	  "unseen-upper-error" },
	{ "wb_error_seen_by_syncfs", OVL_ACT_WB_ERROR_SEEN, OVL_FS_DMERR,
	  EINVAL, "errseq-advanced" },
	{ "forged_magic", OVL_ACT_FORGE_MAGIC, OVL_FS_ANY, EINVAL,
	  "bad-checkpoint" },
	{ "forged_version", OVL_ACT_FORGE_VERSION, OVL_FS_ANY, EINVAL,
	  "bad-checkpoint" },
	{ "forged_size", OVL_ACT_FORGE_SIZE, OVL_FS_ANY, EINVAL,
	  "bad-checkpoint" },
	{ "forged_flags", OVL_ACT_FORGE_FLAGS, OVL_FS_ANY, EINVAL,
	  "bad-checkpoint" },
	{ "forged_authority_unknown", OVL_ACT_FORGE_AUTH_UNKNOWN, OVL_FS_ANY,
	  EINVAL, "bad-checkpoint" },
	{ "forged_authority_other", OVL_ACT_FORGE_AUTH_OTHER, OVL_FS_ANY,
	  EINVAL, "nonce-changed" },
	{ "forged_nonce", OVL_ACT_FORGE_NONCE, OVL_FS_ANY, EINVAL,
	  "nonce-changed" },
	{ "forged_sb_instance", OVL_ACT_FORGE_SB_INSTANCE, OVL_FS_ANY, EINVAL,
	  "sb-instance-changed" },
	{ "forged_errseq", OVL_ACT_FORGE_ERRSEQ, OVL_FS_ANY, EINVAL,
	  "errseq-advanced" },
	{ "forged_binding", OVL_ACT_FORGE_BINDING, OVL_FS_ANY, EINVAL,
	  "binding-mismatch" },
	{ "xattr_truncated", OVL_ACT_XATTR_TRUNCATED, OVL_FS_ANY, EINVAL,
	  "bad-checkpoint" },
	{ "xattr_oversized", OVL_ACT_XATTR_OVERSIZED, OVL_FS_ANY, EINVAL,
	  "bad-checkpoint" },
	{ "xattr_removed", OVL_ACT_XATTR_REMOVED, OVL_FS_ANY, EINVAL,
	  "no-checkpoint" },
	{ "workdir_copied", OVL_ACT_COPY_WORKDIR, OVL_FS_ANY, EINVAL,
	  "binding-mismatch" },
	{ "other_incompat", OVL_ACT_OTHER_INCOMPAT, OVL_FS_ANY, EINVAL,
	  "other-incompat" },
	{ "in_use", OVL_ACT_IN_USE, OVL_FS_ANY, EBUSY, "in-use" },
	{ "in_use_other_mntns", OVL_ACT_IN_USE_NS, OVL_FS_ANY, EBUSY,
	  "in-use" },
	{ "reuse_disabled", OVL_ACT_DISABLED, OVL_FS_TMPFS, EINVAL,
	  "unsupported" },
};

#define OVL_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define OVL_VERDICT_NCASES OVL_ARRAY_SIZE(ovl_verdict_cases)

#endif /* OVL_VOLATILE_CASES_H */
