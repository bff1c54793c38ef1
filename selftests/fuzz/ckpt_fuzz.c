// SPDX-License-Identifier: GPL-2.0
/*
 * The checkpoint xattr's decoder, ovlctl_ckpt_decode(), on any bytes (the
 * xattr is whatever was written to the workdir). Property: a value that
 * decodes re-encodes (ovlctl_ckpt_encode()) to exactly the same bytes, so
 * nothing the decoder accepts is ignored or changed on the way.
 */
#include <string.h>

#include "../../tools/ovlctl/core.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ovl_volatile_ckpt raw;
	struct ovlctl_ckpt c;
	const char *why = "unset";
	int st;

	st = ovlctl_ckpt_decode(data, size, &c, &why);
	if (st == OVLCTL_CKPT_BAD) {
		if (!why)
			fuzz_fail("refused without a reason");
		return 0;
	}
	if (st != OVLCTL_CKPT_OK)
		fuzz_fail("decode returned %d", st);
	if (why)
		fuzz_fail("accepted with a reason: %s", why);
	if (size != sizeof(raw))
		fuzz_fail("accepted %zu bytes, the checkpoint has %zu", size,
			  sizeof(raw));
	ovlctl_ckpt_encode(&c, &raw);
	if (memcmp(&raw, data, sizeof(raw)))
		fuzz_fail("decoded value re-encodes to other bytes");
	return 0;
}
