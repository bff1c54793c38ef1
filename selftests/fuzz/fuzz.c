// SPDX-License-Identifier: GPL-2.0
/*
 * The parts of main.c the fuzz targets need, without its main(): the
 * globals, quiet. See fuzz.h.
 */
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../tools/ovlctl/ovlctl.h"
#include "fuzz.h"

/* Designated: main.c's struct may grow fields; they stay zero here. */
struct ovlctl_globals ovlctl = { .quiet = true };

static char tmpdir[4096];

void fuzz_init(void)
{
	const char *v = getenv("FUZZ_VERBOSE");
	FILE *null;

	if (v && *v && strcmp(v, "0"))
		return;
	/*
	 * Every input that is rightly refused prints an error: at thousands
	 * of inputs a second that drowns libFuzzer's own output.
	 */
	null = fopen("/dev/null", "we");
	if (null)
		stderr = null;
}

static int rm_entry(const char *path, const struct stat *sb, int flag,
		    struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void rm_tmpdir(void)
{
	if (*tmpdir)
		nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *fuzz_tmpdir(void)
{
	const char *base = getenv("TMPDIR");

	if (*tmpdir)
		return tmpdir;
	snprintf(tmpdir, sizeof(tmpdir), "%s/ovlctl-fuzz.XXXXXX",
		 base && *base ? base : "/tmp");
	if (!mkdtemp(tmpdir))
		fuzz_fail("mkdtemp %s: %s", tmpdir, strerror(errno));
	atexit(rm_tmpdir);
	return tmpdir;
}

/*
 * reuse.c is not linked (see the Makefile): what would mount or unmount is
 * a failure of the target, never a system call.
 */
int cmd_mount(int argc, char **argv)
{
	fuzz_fail("cmd_mount reached (argc %d, %s ...)", argc,
		  argc > 1 ? argv[1] : "");
}

int cmd_umount(int argc, char **argv)
{
	fuzz_fail("cmd_umount reached (argc %d, %s ...)", argc,
		  argc > 1 ? argv[1] : "");
}

void fuzz_fail(const char *fmt, ...)
{
	char msg[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Not through stdio: stderr may be /dev/null (fuzz_init()). */
	dprintf(STDERR_FILENO, "==fuzz== property broken: %s\n", msg);
	abort();
}
