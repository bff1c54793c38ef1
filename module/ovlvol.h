/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ovlvol: what the parts of the module offer each other.
 */
#ifndef _OVLVOL_H
#define _OVLVOL_H

#include <linux/types.h>
#include <linux/uuid.h>

struct super_block;

/* The authority nonce: drawn once per load, at first use, never changed. */
int ovlvol_get_nonce(uuid_t *nonce);

int ovlvol_sbid_init(void);
void ovlvol_sbid_exit(void);
int ovlvol_sb_instance(struct super_block *sb, u64 *id, u32 *fs_errors);
bool ovlvol_sb_ids_from_kernel(void);

int ovlvol_dev_init(void);
void ovlvol_dev_exit(void);

#endif /* _OVLVOL_H */
