/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The verdict cases, one variant of fixture "verdict" per row: included,
 * after FIXTURE_VARIANT(verdict) { struct ovl_verdict_case c; }, by every
 * runner of the table (volatile_reuse, ovlctl_restart, and the host's
 * verdict_test). variant->c is the row: its name, the action between the
 * first volatile mount and the next one, the upper filesystems it runs
 * on, the errno expected of the next mount (0: reused) and the reason.
 *
 * remote_upper runs on no guest fs: overlayfs takes a remote upper only
 * with RENAME_WHITEOUT and trusted xattrs, which no FUSE server the harness
 * packs offers (libfuse's passthrough refuses rename flags). The host
 * checks it.
 *
 * read_only_upper: stock overlayfs already refuses a read-only upper while
 * it parses the options, before the verdict runs: the kernel logs its own
 * message there, not this reason (see ovl_log_says_read_only()).
 */

/* clang-format off */
FIXTURE_VARIANT_ADD(verdict, reuse)
{
	.c = { "reuse", OVL_ACT_NONE, OVL_FS_ANY | OVL_FS_DMERR, 0, "ok" },
};

FIXTURE_VARIANT_ADD(verdict, not_volatile)
{
	.c = { "not_volatile", OVL_ACT_NOT_VOLATILE,
	       OVL_FS_ANY, EINVAL, "not-volatile" },
};

FIXTURE_VARIANT_ADD(verdict, upper_remounted)
{
	.c = { "upper_remounted", OVL_ACT_REMOUNT_UPPER,
	       OVL_FS_DISKS, EINVAL, "sb-instance-changed" },
};

FIXTURE_VARIANT_ADD(verdict, authority_reloaded)
{
	.c = { "authority_reloaded", OVL_ACT_RELOAD,
	       OVL_FS_TMPFS | OVL_FS_EXT4, EINVAL, "nonce-changed" },
};

FIXTURE_VARIANT_ADD(verdict, wb_error_unseen)
{
	.c = { "wb_error_unseen", OVL_ACT_WB_ERROR,
	       OVL_FS_DMERR, EIO, "unseen-upper-error" },
};

FIXTURE_VARIANT_ADD(verdict, wb_error_seen_by_syncfs)
{
	.c = { "wb_error_seen_by_syncfs", OVL_ACT_WB_ERROR_SEEN,
	       OVL_FS_DMERR, EINVAL, "errseq-advanced" },
};

/* An error that never reaches s_wb_err: only the count shows it */
FIXTURE_VARIANT_ADD(verdict, fs_error_reported)
{
	.c = { "fs_error_reported", OVL_ACT_FS_ERROR,
	       OVL_FS_EXT4, EINVAL, "fs-error" },
};

FIXTURE_VARIANT_ADD(verdict, remote_upper)
{
	.c = { "remote_upper", OVL_ACT_REMOTE, 0, EINVAL, "remote-upper" },
};

FIXTURE_VARIANT_ADD(verdict, forged_magic)
{
	.c = { "forged_magic", OVL_ACT_FORGE_MAGIC,
	       OVL_FS_ANY, EINVAL, "bad-checkpoint" },
};

FIXTURE_VARIANT_ADD(verdict, forged_version)
{
	.c = { "forged_version", OVL_ACT_FORGE_VERSION,
	       OVL_FS_ANY, EINVAL, "bad-checkpoint" },
};

FIXTURE_VARIANT_ADD(verdict, forged_size)
{
	.c = { "forged_size", OVL_ACT_FORGE_SIZE,
	       OVL_FS_ANY, EINVAL, "bad-checkpoint" },
};

FIXTURE_VARIANT_ADD(verdict, forged_flags)
{
	.c = { "forged_flags", OVL_ACT_FORGE_FLAGS,
	       OVL_FS_ANY, EINVAL, "bad-checkpoint" },
};

FIXTURE_VARIANT_ADD(verdict, forged_authority_unknown)
{
	.c = { "forged_authority_unknown", OVL_ACT_FORGE_AUTH_UNKNOWN,
	       OVL_FS_ANY, EINVAL, "bad-checkpoint" },
};

FIXTURE_VARIANT_ADD(verdict, forged_authority_other)
{
	.c = { "forged_authority_other", OVL_ACT_FORGE_AUTH_OTHER,
	       OVL_FS_ANY, EINVAL, "nonce-changed" },
};

FIXTURE_VARIANT_ADD(verdict, forged_nonce)
{
	.c = { "forged_nonce", OVL_ACT_FORGE_NONCE,
	       OVL_FS_ANY, EINVAL, "nonce-changed" },
};

FIXTURE_VARIANT_ADD(verdict, forged_sb_instance)
{
	.c = { "forged_sb_instance", OVL_ACT_FORGE_SB_INSTANCE,
	       OVL_FS_ANY, EINVAL, "sb-instance-changed" },
};

FIXTURE_VARIANT_ADD(verdict, forged_errseq)
{
	.c = { "forged_errseq", OVL_ACT_FORGE_ERRSEQ,
	       OVL_FS_ANY, EINVAL, "errseq-advanced" },
};

FIXTURE_VARIANT_ADD(verdict, forged_errseq_seen)
{
	.c = { "forged_errseq_seen", OVL_ACT_FORGE_ERRSEQ_SEEN,
	       OVL_FS_ANY, EINVAL, "errseq-advanced" },
};

/* Compared exactly: a masked compare would let this one pass */
FIXTURE_VARIANT_ADD(verdict, forged_errseq_seen_bit_only)
{
	.c = { "forged_errseq_seen_bit_only", OVL_ACT_FORGE_SEEN_ONLY,
	       OVL_FS_ANY, EINVAL, "errseq-advanced" },
};

FIXTURE_VARIANT_ADD(verdict, forged_binding)
{
	.c = { "forged_binding", OVL_ACT_FORGE_BINDING,
	       OVL_FS_ANY, EINVAL, "binding-mismatch" },
};

/* Inode numbers get reused: the generation tells the dirs apart */
FIXTURE_VARIANT_ADD(verdict, forged_binding_generation)
{
	.c = { "forged_binding_generation", OVL_ACT_FORGE_BINDING_GEN,
	       OVL_FS_ANY, EINVAL, "binding-mismatch" },
};

FIXTURE_VARIANT_ADD(verdict, xattr_truncated)
{
	.c = { "xattr_truncated", OVL_ACT_XATTR_TRUNCATED,
	       OVL_FS_ANY, EINVAL, "bad-checkpoint" },
};

FIXTURE_VARIANT_ADD(verdict, xattr_oversized)
{
	.c = { "xattr_oversized", OVL_ACT_XATTR_OVERSIZED,
	       OVL_FS_ANY, EINVAL, "bad-checkpoint" },
};

FIXTURE_VARIANT_ADD(verdict, xattr_removed)
{
	.c = { "xattr_removed", OVL_ACT_XATTR_REMOVED,
	       OVL_FS_ANY, EINVAL, "no-checkpoint" },
};

FIXTURE_VARIANT_ADD(verdict, workdir_copied)
{
	.c = { "workdir_copied", OVL_ACT_COPY_WORKDIR,
	       OVL_FS_ANY, EINVAL, "binding-mismatch" },
};

FIXTURE_VARIANT_ADD(verdict, other_incompat)
{
	.c = { "other_incompat", OVL_ACT_OTHER_INCOMPAT,
	       OVL_FS_ANY, EINVAL, "other-incompat" },
};

FIXTURE_VARIANT_ADD(verdict, in_use)
{
	.c = { "in_use", OVL_ACT_IN_USE, OVL_FS_ANY, EBUSY, "in-use" },
};

FIXTURE_VARIANT_ADD(verdict, in_use_other_mntns)
{
	.c = { "in_use_other_mntns", OVL_ACT_IN_USE_NS,
	       OVL_FS_ANY, EBUSY, "in-use" },
};

FIXTURE_VARIANT_ADD(verdict, read_only_upper)
{
	.c = { "read_only_upper", OVL_ACT_RO_UPPER,
	       OVL_FS_ANY, EINVAL, "read-only-upper" },
};

FIXTURE_VARIANT_ADD(verdict, reuse_disabled)
{
	.c = { "reuse_disabled", OVL_ACT_DISABLED,
	       OVL_FS_TMPFS, EINVAL, "disabled" },
};

/* clang-format on */
