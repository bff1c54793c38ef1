// SPDX-License-Identifier: GPL-2.0
/*
 * The verdict of Documentation/design.rst ("The verdict"), as a pure
 * function of what the caller gathered, in the order the patched kernel
 * checks (fs/overlayfs/volatile.c), so both authorities give the same
 * reason for the same state.
 */
#include <string.h>

#include "core.h"
#include "ovlctl.h"

static const struct {
	const char *name;
	const char *text;
} reasons[OVLCTL_NR_REASONS] = {
	[OVLCTL_OK] = { "ok", "the upper can be reused" },
	[OVLCTL_NO_CHECKPOINT] = { "no-checkpoint",
				   "a volatile marker without a checkpoint: it was not mounted through a checkpointing authority" },
	[OVLCTL_BAD_CHECKPOINT] = { "bad-checkpoint",
				    "the checkpoint is malformed, of another size or of an unknown version" },
	[OVLCTL_NONCE_CHANGED] = { "nonce-changed",
				   "the system rebooted or crashed, or the id authority was reloaded, since the first volatile mount" },
	[OVLCTL_SB_INSTANCE_CHANGED] = { "sb-instance-changed",
					 "the upper filesystem was unmounted and mounted again since the first volatile mount" },
	[OVLCTL_ERRSEQ_ADVANCED] = { "errseq-advanced",
				     "the upper filesystem had a writeback error since the first volatile mount" },
	[OVLCTL_FS_ERROR] = { "fs-error",
			      "the upper filesystem reported an error (corruption, an aborted journal...) since the first volatile mount" },
	[OVLCTL_UNSEEN_UPPER_ERROR] = { "unseen-upper-error",
					"the upper filesystem holds a writeback error nobody has seen yet" },
	[OVLCTL_BINDING_MISMATCH] = { "binding-mismatch",
				      "the checkpoint was made for another directory (a copied workdir?)" },
	[OVLCTL_NOT_VOLATILE] = { "not-volatile",
				  "only a volatile mount may reuse a volatile upper" },
	[OVLCTL_IN_USE] = { "in-use",
			    "the upper or work dir is used by a mounted overlay" },
	[OVLCTL_REMOTE_UPPER] = { "remote-upper",
				  "the upper filesystem is remote (FUSE, virtiofs, NFS...): a server holds its data" },
	[OVLCTL_READ_ONLY_UPPER] = { "read-only-upper",
				     "the upper filesystem is read-only" },
	[OVLCTL_OTHER_INCOMPAT] = { "other-incompat",
				    "another incompat feature is set in the workdir" },
	[OVLCTL_UNSUPPORTED] = { "unsupported",
				 "no id authority: neither a patched kernel nor the ovlvol module" },
	[OVLCTL_DISABLED] = { "disabled",
			      "reuse is switched off by the administrator (volatile_reuse=off, overlay.volatile_reuse=N or ovlvol.volatile_reuse=N)" },
	[OVLCTL_LOWER_CHANGED] = { "lower-changed",
				   "the lower layers differ from those of the first mount" },
};

const char *ovlctl_reason_name(enum ovlctl_reason r)
{
	return r < OVLCTL_NR_REASONS ? reasons[r].name : "?";
}

const char *ovlctl_reason_text(enum ovlctl_reason r)
{
	return r < OVLCTL_NR_REASONS ? reasons[r].text : "?";
}

int ovlctl_reason_exit(enum ovlctl_reason r)
{
	switch (r) {
	case OVLCTL_OK:
		return OVLCTL_EXIT_OK;
	case OVLCTL_IN_USE:
		return OVLCTL_EXIT_BUSY;
	case OVLCTL_UNSUPPORTED:
		return OVLCTL_EXIT_UNSUPPORTED;
	default:
		return OVLCTL_EXIT_NOT_REUSABLE;
	}
}

static struct ovlctl_verdict refuse(enum ovlctl_reason r)
{
	return (struct ovlctl_verdict){ .reason = r };
}

struct ovlctl_verdict ovlctl_verdict(const struct ovlctl_verdict_in *in)
{
	const struct ovlctl_ckpt *c = &in->ckpt;

	/* Stock overlayfs fails any volatile mount with EIO here. */
	if (in->want_volatile && in->live.unseen)
		return refuse(OVLCTL_UNSEEN_UPPER_ERROR);
	/* Never two mounts of one upper, reused or fresh. */
	if (in->in_use)
		return refuse(OVLCTL_IN_USE);
	if (!in->marker && in->ckpt_status == OVLCTL_CKPT_ABSENT)
		return (struct ovlctl_verdict){ .reason = OVLCTL_OK,
						.fresh = true };

	if (!in->want_volatile)
		return refuse(OVLCTL_NOT_VOLATILE);
	if (in->authority == OVLCTL_AUTH_NONE)
		return refuse(OVLCTL_UNSUPPORTED);
	if (in->reuse_disabled)
		return refuse(OVLCTL_DISABLED);
	if (in->other_incompat)
		return refuse(OVLCTL_OTHER_INCOMPAT);
	if (in->ckpt_status == OVLCTL_CKPT_ABSENT)
		return refuse(OVLCTL_NO_CHECKPOINT);
	if (in->ckpt_status != OVLCTL_CKPT_OK)
		return refuse(OVLCTL_BAD_CHECKPOINT);
	/* Instance ids only mean something together with their issuer. */
	if (c->authority != in->authority || !in->live.have_nonce ||
	    memcmp(c->nonce, in->live.nonce, sizeof(c->nonce)))
		return refuse(OVLCTL_NONCE_CHANGED);
	if (c->sb_instance != in->live.sb_instance)
		return refuse(OVLCTL_SB_INSTANCE_CHANGED);
	/*
	 * Exactly, as errseq_check() compares: the baseline was taken without
	 * an unseen error (0 or SEEN set), so any later error changes it, also
	 * once a third party's syncfs() marked that error seen. A baseline
	 * that differs in SEEN alone is forged, and would fail every syncfs()
	 * of the reused mount.
	 */
	if (c->errseq != in->live.errseq)
		return refuse(OVLCTL_ERRSEQ_ADVANCED);
	if (c->fs_errors != in->live.fs_errors)
		return refuse(OVLCTL_FS_ERROR);
	if (c->binding != in->binding ||
	    (!in->binding_gen_unknown && c->binding_gen != in->binding_gen))
		return refuse(OVLCTL_BINDING_MISMATCH);
	if (in->live.remote)
		return refuse(OVLCTL_REMOTE_UPPER);
	if (in->live.rdonly)
		return refuse(OVLCTL_READ_ONLY_UPPER);
	if (in->lower_changed)
		return refuse(OVLCTL_LOWER_CHANGED);
	return (struct ovlctl_verdict){ .reason = OVLCTL_OK };
}
