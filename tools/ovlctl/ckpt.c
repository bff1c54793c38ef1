// SPDX-License-Identifier: GPL-2.0
/*
 * The checkpoint xattr: struct ovl_volatile_ckpt from the uapi header,
 * decoded strictly (any doubt is "bad-checkpoint").
 */
#include <endian.h>
#include <errno.h>
#include <string.h>
#include <sys/xattr.h>

#include "core.h"

int ovlctl_ckpt_decode(const void *buf, size_t len, struct ovlctl_ckpt *c,
		       const char **why)
{
	struct ovl_volatile_ckpt raw;

	memset(c, 0, sizeof(*c));
	if (len != sizeof(raw)) {
		*why = len < sizeof(raw) ? "truncated" : "oversized";
		return OVLCTL_CKPT_BAD;
	}
	memcpy(&raw, buf, sizeof(raw));
	if (le32toh(raw.magic) != OVL_VOLATILE_CKPT_MAGIC) {
		*why = "bad magic";
		return OVLCTL_CKPT_BAD;
	}
	if (raw.version != OVL_VOLATILE_CKPT_V2) {
		*why = "unknown version";
		return OVLCTL_CKPT_BAD;
	}
	if (le16toh(raw.size) != OVL_VOLATILE_CKPT_V2_SIZE) {
		*why = "size field does not match the version";
		return OVLCTL_CKPT_BAD;
	}
	if (le32toh(raw.flags) & ~OVL_VOLATILE_CKPT_FLAGS_MASK) {
		*why = "unknown flags";
		return OVLCTL_CKPT_BAD;
	}
	if (raw.authority != OVL_VOLATILE_AUTH_KERNEL &&
	    raw.authority != OVL_VOLATILE_AUTH_MODULE) {
		*why = "unknown authority";
		return OVLCTL_CKPT_BAD;
	}
	c->version = raw.version;
	c->authority = raw.authority;
	c->flags = le32toh(raw.flags);
	c->errseq = le32toh(raw.errseq);
	memcpy(c->nonce, raw.nonce, sizeof(c->nonce));
	c->sb_instance = le64toh(raw.sb_instance);
	c->binding = le64toh(raw.binding);
	c->binding_gen = le32toh(raw.binding_gen);
	c->fs_errors = le32toh(raw.fs_errors);
	*why = NULL;
	return OVLCTL_CKPT_OK;
}

void ovlctl_ckpt_encode(const struct ovlctl_ckpt *c,
			struct ovl_volatile_ckpt *out)
{
	memset(out, 0, sizeof(*out));
	out->magic = htole32(OVL_VOLATILE_CKPT_MAGIC);
	out->version = OVL_VOLATILE_CKPT_V2;
	out->authority = c->authority;
	out->size = htole16(OVL_VOLATILE_CKPT_V2_SIZE);
	out->flags = htole32(c->flags);
	out->errseq = htole32(c->errseq);
	memcpy(out->nonce, c->nonce, sizeof(out->nonce));
	out->sb_instance = htole64(c->sb_instance);
	out->binding = htole64(c->binding);
	out->binding_gen = htole32(c->binding_gen);
	out->fs_errors = htole32(c->fs_errors);
}

const char *ovlctl_ckpt_xattr(bool userxattr)
{
	return userxattr ? "user." OVL_VOLATILE_XATTR :
			   "trusted." OVL_VOLATILE_XATTR;
}

int ovlctl_ckpt_read(int dirfd, bool userxattr, struct ovlctl_ckpt *c,
		     const char **why)
{
	/* One byte more than a valid value, to tell an oversized one. */
	unsigned char buf[sizeof(struct ovl_volatile_ckpt) + 1];
	ssize_t n;

	memset(c, 0, sizeof(*c));
	*why = NULL;
	n = fgetxattr(dirfd, ovlctl_ckpt_xattr(userxattr), buf, sizeof(buf));
	if (n < 0 && (errno == ENODATA || errno == ENOTSUP))
		return OVLCTL_CKPT_ABSENT;
	if (n < 0 && errno == ERANGE) {
		*why = "oversized";
		return OVLCTL_CKPT_BAD;
	}
	if (n < 0)
		return -errno;
	return ovlctl_ckpt_decode(buf, n, c, why);
}

int ovlctl_ckpt_write(int dirfd, bool userxattr, const struct ovlctl_ckpt *c)
{
	struct ovl_volatile_ckpt raw;

	ovlctl_ckpt_encode(c, &raw);
	/* The first mount's baseline is never overwritten. */
	if (fsetxattr(dirfd, ovlctl_ckpt_xattr(userxattr), &raw, sizeof(raw),
		      XATTR_CREATE))
		return -errno;
	return 0;
}

/*
 * Remove @name from @fd if it is there. Not blindly: xfs reserves space
 * before it looks, so removing an absent user.* xattr from a full xfs fails
 * with ENOSPC, not ENODATA.
 */
int ovlctl_removexattr_present(int fd, const char *name)
{
	if (fgetxattr(fd, name, NULL, 0) < 0)
		return errno == ENODATA || errno == ENOTSUP ? 0 : -errno;
	if (fremovexattr(fd, name) && errno != ENODATA)
		return -errno;
	return 0;
}

int ovlctl_ckpt_remove(int dirfd, bool userxattr)
{
	return ovlctl_removexattr_present(dirfd, ovlctl_ckpt_xattr(userxattr));
}
