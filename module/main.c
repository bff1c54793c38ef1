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
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/uuid.h>

#include "ovlvol.h"

/*
 * The administrator's switch. The module enforces nothing itself (ovlctl
 * gives the verdict on stock kernels); ovlctl reads this and refuses every
 * reuse with reason "disabled" while it is off.
 */
static bool ovlvol_volatile_reuse = true;
module_param_named(volatile_reuse, ovlvol_volatile_reuse, bool, 0644);
MODULE_PARM_DESC(volatile_reuse,
		 "Let ovlctl reuse volatile upper dirs when that is safe [default: on]");

static uuid_t ovlvol_nonce;
static bool ovlvol_nonce_ready;
static DEFINE_MUTEX(ovlvol_nonce_lock);

/**
 * ovlvol_get_nonce - the load nonce, drawn at the first call
 * @nonce: where to copy it
 *
 * The module may load from an initramfs before the kernel's RNG is seeded,
 * and two boots of one VM image without a hardware RNG must not share a
 * nonce, so it is drawn when first needed, after waiting for the RNG.
 *
 * Return: 0, or -ERESTARTSYS if a signal came while waiting for the RNG.
 */
int ovlvol_get_nonce(uuid_t *nonce)
{
	int err;

	/* Pairs with smp_store_release() below: the nonce is complete. */
	if (!smp_load_acquire(&ovlvol_nonce_ready)) {
		err = wait_for_random_bytes();
		if (err)
			return err;
		mutex_lock(&ovlvol_nonce_lock);
		if (!ovlvol_nonce_ready) {
			uuid_gen(&ovlvol_nonce);
			/* Pairs with smp_load_acquire() above */
			smp_store_release(&ovlvol_nonce_ready, true);
			pr_info("load nonce drawn\n");
		}
		mutex_unlock(&ovlvol_nonce_lock);
	}
	uuid_copy(nonce, &ovlvol_nonce);
	return 0;
}

static int __init ovlvol_init(void)
{
	int err;

	err = ovlvol_sbid_init();
	if (err)
		return err;
	err = ovlvol_dev_init();
	if (err)
		goto out_sbid;
	pr_debug("loaded, superblock ids from %s\n",
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
