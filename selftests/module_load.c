// SPDX-License-Identifier: GPL-2.0
/*
 * Smoke test: the project module loads and unloads cleanly, repeatedly.
 * The harness passes the module's path in OVLVOL_MODULE.
 */
#include <errno.h>
#include <stdlib.h>

#include "kselftest_harness.h"
#include "ovlvol_test.h"

TEST(load_unload_cycles)
{
	int i;

	if (!getenv("OVLVOL_MODULE"))
		SKIP(return,
			   "OVLVOL_MODULE not set: not running in the harness");
	if (ovlvol_test_loaded())
		ASSERT_EQ(0, ovlvol_test_unload());
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(0, ovlvol_test_load()) TH_LOG("cycle %d", i);
		ASSERT_TRUE(ovlvol_test_loaded());
		ASSERT_EQ(-EEXIST, ovlvol_test_load());
		ASSERT_EQ(0, ovlvol_test_unload());
		ASSERT_FALSE(ovlvol_test_loaded());
	}
	ASSERT_EQ(-ENOENT, ovlvol_test_unload());
}

TEST_HARNESS_MAIN
