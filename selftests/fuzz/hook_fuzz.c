// SPDX-License-Identifier: GPL-2.0
/*
 * `ovlctl hook`: the container state JSON an OCI runtime writes to the
 * hook's stdin (id, status, bundle, annotations), through cmd_hook() as
 * is, once without --stage and once with --stage poststop. hook.c is
 * compiled into this target with ovlctl_oci_load() replaced: the real one
 * would read the bundle the input names, and what follows it (checking or
 * unmounting the rootfs) is for the guest tests. The replacement checks
 * what cmd_hook() decided to pass and stops there with an error.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define ovlctl_oci_load fuzz_oci_load
#include "../../tools/ovlctl/hook.c"
#undef ovlctl_oci_load

#include "fuzz.h"

static int stdin_fd = -1;

int fuzz_oci_load(struct ovlctl_oci *o, const char *bundle,
		  const char *config_name, json_object *ann_override)
{
	memset(o, 0, sizeof(*o));
	(void)ann_override;
	if (!bundle || *bundle != '/')
		fuzz_fail("loading a bundle that is no absolute path: '%s'",
			  bundle ? bundle : "(null)");
	if (config_name)
		fuzz_fail("a config name the state cannot give: '%s'",
			  config_name);
	return OVLCTL_EXIT_ERROR;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	/* stdin: a memory file, rewritten for every input. */
	stdin_fd = memfd_create("hook-state", MFD_CLOEXEC);
	if (stdin_fd < 0 || dup2(stdin_fd, STDIN_FILENO) < 0)
		fuzz_fail("memfd as stdin: %s", strerror(errno));
	return 0;
}

static void run(const uint8_t *data, size_t size, int argc, char **argv)
{
	int ret;

	if (ftruncate(stdin_fd, 0) ||
	    pwrite(stdin_fd, data, size, 0) != (ssize_t)size ||
	    lseek(STDIN_FILENO, 0, SEEK_SET))
		fuzz_fail("writing stdin: %s", strerror(errno));
	optind = 0;
	ret = cmd_hook(argc, argv);
	if (ret < OVLCTL_EXIT_OK || ret > OVLCTL_EXIT_UNSUPPORTED)
		fuzz_fail("exit status %d", ret);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *plain[] = { "hook", NULL };
	char *poststop[] = { "hook", "--stage", "poststop", NULL };

	run(data, size, 1, plain);
	run(data, size, 3, poststop);
	return 0;
}
