// SPDX-License-Identifier: GPL-2.0
/*
 * ovlctl's verdict and checkpoint decoding, fed fixture values, checked
 * against the same case table the kernel series' selftests run
 * (selftests/ovl_volatile_cases.h), so both authorities agree.
 *
 * HOST-LINK: tools/ovlctl/verdict.c tools/ovlctl/ckpt.c
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "../ovl_volatile_cases.h"
#include "../../tools/ovlctl/core.h"
#include "../../tools/ovlctl/ovlctl.h"

/* A volatile upper mounted once by the kernel authority, unchanged. */
static void baseline(struct ovlctl_verdict_in *in)
{
	static const uint8_t nonce[16] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66,
					   0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc,
					   0xdd, 0xee, 0xff, 0x01 };

	memset(in, 0, sizeof(*in));
	in->want_volatile = true;
	in->marker = true;
	in->authority = OVLCTL_AUTH_KERNEL;
	in->ckpt_status = OVLCTL_CKPT_OK;
	in->ckpt.version = OVL_VOLATILE_CKPT_V2;
	in->ckpt.authority = OVL_VOLATILE_AUTH_KERNEL;
	memcpy(in->ckpt.nonce, nonce, 16);
	in->ckpt.sb_instance = 42;
	in->ckpt.errseq = 0x2005 |
			  OVL_VOLATILE_ERRSEQ_SEEN; /* an old, seen error */
	in->ckpt.binding = 1234;
	in->ckpt.binding_gen = 0x12345678;
	in->ckpt.fs_errors = 3;
	in->live.authority = OVLCTL_AUTH_KERNEL;
	in->live.have_nonce = true;
	memcpy(in->live.nonce, nonce, 16);
	in->live.sb_instance = 42;
	in->live.errseq = in->ckpt.errseq;
	in->live.fs_errors = 3;
	in->binding = 1234;
	in->binding_gen = 0x12345678;
}

/* Re-decode the checkpoint after changing its raw bytes with @edit. */
static void forge(struct ovlctl_verdict_in *in, int field, int len_delta)
{
	unsigned char buf[sizeof(struct ovl_volatile_ckpt) + 1] = { 0 };
	struct ovl_volatile_ckpt raw;
	const char *why;

	ovlctl_ckpt_encode(&in->ckpt, &raw);
	switch (field) {
	case OVL_ACT_FORGE_MAGIC:
		raw.magic ^= 1;
		break;
	case OVL_ACT_FORGE_VERSION:
		raw.version = OVL_VOLATILE_CKPT_V2 + 1;
		break;
	case OVL_ACT_FORGE_SIZE:
		raw.size = htole16(OVL_VOLATILE_CKPT_V2_SIZE + 8);
		break;
	case OVL_ACT_FORGE_FLAGS:
		raw.flags = htole32(1U << 31);
		break;
	case OVL_ACT_FORGE_AUTH_UNKNOWN:
		raw.authority = 7;
		break;
	}
	memcpy(buf, &raw, sizeof(raw));
	in->ckpt_status = ovlctl_ckpt_decode(buf, sizeof(raw) + len_delta,
					     &in->ckpt, &why);
}

static void apply(struct ovlctl_verdict_in *in, enum ovl_case_action a)
{
	switch (a) {
	case OVL_ACT_NONE:
		break;
	case OVL_ACT_NOT_VOLATILE:
		in->want_volatile = false;
		break;
	case OVL_ACT_REMOUNT_UPPER:
		in->live.sb_instance = 43;
		break;
	case OVL_ACT_RELOAD:
		in->live.nonce[0] ^= 0xff;
		break;
	case OVL_ACT_WB_ERROR:
		in->live.errseq = (in->ckpt.errseq + (1 << 13)) &
				  ~OVL_VOLATILE_ERRSEQ_SEEN;
		in->live.unseen = true;
		break;
	case OVL_ACT_WB_ERROR_SEEN:
		in->live.errseq = (in->ckpt.errseq + (1 << 13)) |
				  OVL_VOLATILE_ERRSEQ_SEEN;
		break;
	case OVL_ACT_FS_ERROR:
		in->live.fs_errors++;
		break;
	case OVL_ACT_REMOTE:
		in->live.remote = true;
		break;
	case OVL_ACT_FORGE_MAGIC:
	case OVL_ACT_FORGE_VERSION:
	case OVL_ACT_FORGE_SIZE:
	case OVL_ACT_FORGE_FLAGS:
	case OVL_ACT_FORGE_AUTH_UNKNOWN:
		forge(in, a, 0);
		break;
	case OVL_ACT_FORGE_AUTH_OTHER:
		in->ckpt.authority = OVL_VOLATILE_AUTH_MODULE;
		break;
	case OVL_ACT_FORGE_NONCE:
		in->ckpt.nonce[15] ^= 1;
		break;
	case OVL_ACT_FORGE_SB_INSTANCE:
		in->ckpt.sb_instance = 7;
		break;
	case OVL_ACT_FORGE_ERRSEQ:
		in->ckpt.errseq = 0;
		break;
	case OVL_ACT_FORGE_ERRSEQ_SEEN:
		in->ckpt.errseq = (in->ckpt.errseq + (1 << 13)) |
				  OVL_VOLATILE_ERRSEQ_SEEN;
		break;
	case OVL_ACT_FORGE_SEEN_ONLY:
		in->ckpt.errseq ^= OVL_VOLATILE_ERRSEQ_SEEN;
		break;
	case OVL_ACT_FORGE_BINDING_GEN:
		in->ckpt.binding_gen ^= 1;
		break;
	case OVL_ACT_FORGE_BINDING:
	case OVL_ACT_COPY_WORKDIR:
		in->binding = 99;
		break;
	case OVL_ACT_XATTR_TRUNCATED:
		forge(in, -1, -1);
		break;
	case OVL_ACT_XATTR_OVERSIZED:
		forge(in, -1, 1);
		break;
	case OVL_ACT_XATTR_REMOVED:
		in->ckpt_status = OVLCTL_CKPT_ABSENT;
		break;
	case OVL_ACT_OTHER_INCOMPAT:
		in->other_incompat = true;
		break;
	case OVL_ACT_IN_USE:
	case OVL_ACT_IN_USE_NS:
		in->in_use = true;
		break;
	case OVL_ACT_RO_UPPER:
		in->live.rdonly = true;
		break;
	case OVL_ACT_DISABLED:
		in->reuse_disabled = true;
		break;
	}
}

/* Every case of the kernel's table gives the same reason here. */
FIXTURE(verdict){};

FIXTURE_VARIANT(verdict)
{
	struct ovl_verdict_case c; /* a row of ovl_volatile_case_table.h */
};

#include "../ovl_volatile_case_table.h"

FIXTURE_SETUP(verdict)
{
}

FIXTURE_TEARDOWN(verdict)
{
}

TEST_F(verdict, kernel_case)
{
	const struct ovl_verdict_case *c = &variant->c;
	struct ovlctl_verdict_in in;
	struct ovlctl_verdict v;

	baseline(&in);
	apply(&in, c->action);
	v = ovlctl_verdict(&in);
	EXPECT_STREQ(c->reason, ovlctl_reason_name(v.reason));
	EXPECT_FALSE(v.fresh);
	if (c->err == EBUSY)
		EXPECT_EQ(OVLCTL_EXIT_BUSY, ovlctl_reason_exit(v.reason));
	if (c->err == 0)
		EXPECT_EQ(OVLCTL_EXIT_OK, ovlctl_reason_exit(v.reason));
	if (c->err == EINVAL && v.reason != OVLCTL_UNSUPPORTED)
		EXPECT_EQ(OVLCTL_EXIT_NOT_REUSABLE,
			  ovlctl_reason_exit(v.reason));
}

/*
 * The upstream kernel series on a filesystem that does not tell inode
 * generations: the inode number alone is compared, and a different one
 * still refuses.
 */
TEST(binding_generation_unknown)
{
	struct ovlctl_verdict_in in;

	baseline(&in);
	in.binding_gen_unknown = true;
	in.binding_gen = 0;
	EXPECT_EQ(OVLCTL_OK, ovlctl_verdict(&in).reason);
	in.binding = 99;
	EXPECT_EQ(OVLCTL_BINDING_MISMATCH, ovlctl_verdict(&in).reason);
	baseline(&in);
	in.binding_gen = 0;
	EXPECT_EQ(OVLCTL_BINDING_MISMATCH, ovlctl_verdict(&in).reason);
}

TEST(fresh_pair)
{
	struct ovlctl_verdict_in in;
	struct ovlctl_verdict v;

	baseline(&in);
	in.marker = false;
	in.ckpt_status = OVLCTL_CKPT_ABSENT;
	v = ovlctl_verdict(&in);
	ASSERT_TRUE(v.fresh);
	ASSERT_EQ(OVLCTL_OK, v.reason);
	/* Fresh, but a volatile mount with an unseen error fails with EIO. */
	in.live.unseen = true;
	v = ovlctl_verdict(&in);
	ASSERT_EQ(OVLCTL_UNSEEN_UPPER_ERROR, v.reason);
	/* Fresh, but in use: never two mounts of one upper. */
	in.live.unseen = false;
	in.in_use = true;
	ASSERT_EQ(OVLCTL_IN_USE, ovlctl_verdict(&in).reason);
}

/* Blind deletion of the marker does not lose the module's checkpoint. */
TEST(checkpoint_without_marker_is_judged)
{
	struct ovlctl_verdict_in in;

	baseline(&in);
	in.marker = false;
	in.live.sb_instance++;
	ASSERT_EQ(OVLCTL_SB_INSTANCE_CHANGED, ovlctl_verdict(&in).reason);
}

TEST(ovlctl_only_reasons)
{
	struct ovlctl_verdict_in in;

	baseline(&in);
	in.lower_changed = true;
	ASSERT_EQ(OVLCTL_LOWER_CHANGED, ovlctl_verdict(&in).reason);
	baseline(&in);
	in.live.rdonly = true;
	ASSERT_EQ(OVLCTL_READ_ONLY_UPPER, ovlctl_verdict(&in).reason);
	baseline(&in);
	in.authority = OVLCTL_AUTH_NONE;
	ASSERT_EQ(OVLCTL_UNSUPPORTED, ovlctl_verdict(&in).reason);
	ASSERT_EQ(OVLCTL_EXIT_UNSUPPORTED,
		  ovlctl_reason_exit(ovlctl_verdict(&in).reason));
	baseline(&in);
	in.live.have_nonce = false; /* overlay not loaded since the boot */
	ASSERT_EQ(OVLCTL_NONCE_CHANGED, ovlctl_verdict(&in).reason);
}

/* A baseline of 0 (never an error) still notices the first error. */
TEST(zero_baseline_sees_first_error)
{
	struct ovlctl_verdict_in in;

	baseline(&in);
	in.ckpt.errseq = 0;
	in.live.errseq = 0;
	ASSERT_EQ(OVLCTL_OK, ovlctl_verdict(&in).reason);
	in.live.errseq = 0x0005 | OVL_VOLATILE_ERRSEQ_SEEN; /* EIO, seen */
	ASSERT_EQ(OVLCTL_ERRSEQ_ADVANCED, ovlctl_verdict(&in).reason);
}

/* The on-disk bytes: little-endian, packed, exactly as documented. */
TEST(checkpoint_golden_bytes)
{
	static const unsigned char want[56] = {
		'O',  'V',  'L',  'V',	2,    1,    56,	  0, /* magic ver auth size */
		0,    0,    0,	  0,	0x05, 0x30, 0,	  0, /* flags errseq */
		0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, /* nonce */
		0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01, 42,
		0,    0,    0,	  0,	0,    0,    0, /* sb_instance */
		0xd2, 0x04, 0,	  0,	0,    0,    0,	  0, /* binding 1234 */
		0x78, 0x56, 0x34, 0x12, 3,    0,    0,	  0, /* gen fs_errors */
	};
	struct ovlctl_verdict_in in;
	struct ovl_volatile_ckpt raw;
	struct ovlctl_ckpt back;
	const char *why;

	baseline(&in);
	ovlctl_ckpt_encode(&in.ckpt, &raw);
	ASSERT_EQ(0, memcmp(want, &raw, sizeof(want)));
	ASSERT_EQ(OVLCTL_CKPT_OK, ovlctl_ckpt_decode(want, 56, &back, &why));
	ASSERT_EQ(0, memcmp(&back, &in.ckpt, sizeof(back)));
	ASSERT_EQ(OVLCTL_CKPT_BAD, ovlctl_ckpt_decode(want, 55, &back, &why));
	ASSERT_STREQ("truncated", why);
	/* Version 1 (48 bytes, no generation) is no longer valid */
	ASSERT_EQ(OVLCTL_CKPT_BAD, ovlctl_ckpt_decode(want, 48, &back, &why));

	ASSERT_EQ(OVLCTL_CKPT_BAD, ovlctl_ckpt_decode(want, 0, &back, &why));
}

/*
 * The first mount's baseline is never overwritten: a second write of the
 * checkpoint (as a concurrent first mount would make) fails with EEXIST
 * and leaves the first one's bytes.
 */
TEST(ckpt_write_is_create_only)
{
	struct ovlctl_verdict_in a, b;
	struct ovlctl_ckpt back;
	char dir[] = "/var/tmp/ovlctl-ckpt.XXXXXX";
	const char *why;
	int fd, ret;

	baseline(&a);
	baseline(&b);
	b.ckpt.errseq ^= 0x2000;
	ASSERT_NE(NULL, mkdtemp(dir));
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ret = ovlctl_ckpt_write(fd, true, &a.ckpt);
	if (ret == -ENOTSUP || ret == -EPERM) {
		close(fd);
		rmdir(dir);
		SKIP(return, "no user xattrs on %s", dir);
	}
	EXPECT_EQ(0, ret);
	EXPECT_EQ(-EEXIST, ovlctl_ckpt_write(fd, true, &b.ckpt));
	EXPECT_EQ(OVLCTL_CKPT_OK, ovlctl_ckpt_read(fd, true, &back, &why));
	EXPECT_EQ(0, memcmp(&back, &a.ckpt, sizeof(back)));
	EXPECT_EQ(0, ovlctl_ckpt_remove(fd, true));
	close(fd);
	EXPECT_EQ(0, rmdir(dir));
}

TEST_HARNESS_MAIN
