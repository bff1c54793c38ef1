// SPDX-License-Identifier: GPL-2.0
/*
 * ovlvol: identities for reusable volatile overlayfs upper directories.
 *
 * Stock kernels have no per-boot superblock identity; this module will
 * provide one (see Documentation/design.md).  For now it only registers
 * itself, so the test harness can prove it loads and unloads cleanly on
 * every supported kernel.
 */
#include <linux/init.h>
#include <linux/module.h>

static int __init ovlvol_init(void)
{
	pr_debug("loaded\n");
	return 0;
}

static void __exit ovlvol_exit(void)
{
	pr_debug("unloaded\n");
}

module_init(ovlvol_init);
module_exit(ovlvol_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Identities for reusable volatile overlayfs upper dirs");
MODULE_AUTHOR("ovl-volatile developers");
