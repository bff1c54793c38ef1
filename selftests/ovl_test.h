/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the project's own selftests, on top of ovl_volatile_test.h
 * (the helpers the kernel series carries into the kernel tree): mounting
 * the overlay of a vt_layout.
 */
#ifndef OVL_TEST_H
#define OVL_TEST_H

#include "ovl_volatile_test.h"

/* Mount the overlay of @l with extra options @extra (may be NULL or ""). */
static inline int ovl_test_mount(const struct vt_layout *l, const char *extra)
{
	char opts[4 * PATH_MAX + 64];
	int n;

	n = snprintf(opts, sizeof(opts),
		     "lowerdir=%s,upperdir=%s,workdir=%s%s%s", l->lower,
		     l->upper, l->work, extra && *extra ? "," : "",
		     extra ? extra : "");
	if (n < 0 || (size_t)n >= sizeof(opts))
		return -ENAMETOOLONG;
	if (mount("overlay", l->merged, "overlay", 0, opts))
		return -errno;
	return 0;
}

#endif /* OVL_TEST_H */
