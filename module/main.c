// SPDX-License-Identifier: GPL-2.0
/*
 * ovlvol: identities for reusable volatile overlayfs upper directories.
 *
 * Stock kernels have no per-boot superblock identity. This module provides
 * what a volatile overlay checkpoint needs (Documentation/module.rst): a
 * load UUID as the authority nonce, a superblock instance id (sbid.c) and
 * the superblock's writeback errseq, through /dev/ovlvol (dev.c).
 */
#include <linux/init.h>
#include <linux/module.h>
#include <linux/uuid.h>

#include "ovlvol.h"

uuid_t ovlvol_nonce;

static int __init ovlvol_init(void)
{
	int err;

	uuid_gen(&ovlvol_nonce);

	err = ovlvol_sbid_init();
	if (err)
		return err;
	err = ovlvol_dev_init();
	if (err)
		goto out_sbid;
	pr_debug("loaded, nonce %pUb, superblock ids from %s\n", &ovlvol_nonce,
		 ovlvol_sb_ids_from_kernel() ? "the kernel" : "marks");
	return 0;

out_sbid:
	ovlvol_sbid_exit();
	return err;
}

static void __exit ovlvol_exit(void)
{
	ovlvol_dev_exit();
	ovlvol_sbid_exit();
	pr_debug("unloaded\n");
}

module_init(ovlvol_init);
module_exit(ovlvol_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Identities for reusable volatile overlayfs upper dirs");
MODULE_AUTHOR("ovl-volatile developers");
