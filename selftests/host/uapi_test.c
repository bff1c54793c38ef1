// SPDX-License-Identifier: GPL-2.0
/*
 * The uapi header is the one definition of the checkpoint format: check the
 * layout every user relies on (sizes, offsets, no padding) and that it
 * compiles on its own, strictly.
 */
#include <stddef.h>
#include <sys/ioctl.h>

#include <linux/ovl_volatile.h>

#include "kselftest_harness.h"

TEST(checkpoint_layout)
{
	ASSERT_EQ(OVL_VOLATILE_CKPT_V2_SIZE, sizeof(struct ovl_volatile_ckpt));
	EXPECT_EQ(0, offsetof(struct ovl_volatile_ckpt, magic));
	EXPECT_EQ(4, offsetof(struct ovl_volatile_ckpt, version));
	EXPECT_EQ(5, offsetof(struct ovl_volatile_ckpt, authority));
	EXPECT_EQ(6, offsetof(struct ovl_volatile_ckpt, size));
	EXPECT_EQ(8, offsetof(struct ovl_volatile_ckpt, flags));
	EXPECT_EQ(12, offsetof(struct ovl_volatile_ckpt, errseq));
	EXPECT_EQ(16, offsetof(struct ovl_volatile_ckpt, nonce));
	EXPECT_EQ(32, offsetof(struct ovl_volatile_ckpt, sb_instance));
	EXPECT_EQ(40, offsetof(struct ovl_volatile_ckpt, binding));
	EXPECT_EQ(48, offsetof(struct ovl_volatile_ckpt, binding_gen));
	EXPECT_EQ(52, offsetof(struct ovl_volatile_ckpt, fs_errors));
}

TEST(magic_is_ovlv_in_le_bytes)
{
	unsigned int m = OVL_VOLATILE_CKPT_MAGIC;
	const unsigned char want[4] = { 'O', 'V', 'L', 'V' };
	unsigned char got[4] = { m & 0xff, (m >> 8) & 0xff, (m >> 16) & 0xff,
				 m >> 24 };

	ASSERT_EQ(0, memcmp(want, got, 4));
}

/* ioctl structs cross the 32/64-bit boundary: no implicit padding. */
TEST(ioctl_structs_have_no_holes)
{
	ASSERT_EQ(64, sizeof(struct ovlvol_ident));
	ASSERT_EQ(24, sizeof(struct ovlvol_inuse));
	EXPECT_EQ(sizeof(struct ovlvol_inuse), _IOC_SIZE(OVLVOL_IOC_INUSE));
	EXPECT_EQ(16, offsetof(struct ovlvol_ident, nonce));
	EXPECT_EQ(32, offsetof(struct ovlvol_ident, sb_instance));
	EXPECT_EQ(52, offsetof(struct ovlvol_ident, generation));
	ASSERT_EQ(24, sizeof(struct ovlvol_nonce));
	EXPECT_EQ(sizeof(struct ovlvol_ident), _IOC_SIZE(OVLVOL_IOC_IDENT));
	EXPECT_EQ(sizeof(struct ovlvol_nonce), _IOC_SIZE(OVLVOL_IOC_NONCE));
	EXPECT_NE(OVLVOL_IOC_IDENT, OVLVOL_IOC_NONCE);
}

TEST_HARNESS_MAIN
