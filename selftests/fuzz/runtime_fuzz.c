// SPDX-License-Identifier: GPL-2.0
/*
 * `ovlctl runtime --real R ARGS...`: how the wrapper finds in the real
 * runtime's argv its global options (--log, --log-format, --overlay2),
 * the subcommand, and create/run/delete's --bundle, --config and container
 * id, with the option syntax of R (runc, crun, runsc: runtime_syntax(),
 * parse_args(), static: runtime.c is compiled into this target). The input
 * is R and then ARGS, split on NUL. Property: the subcommand index is in
 * range and every value found is one of the arguments or a tail of one.
 * A --overlay2 found then goes to ovlctl_gvisor_mode(), as in do_create().
 * Nothing is executed.
 */
#include <stdlib.h>
#include <string.h>

#include "../../tools/ovlctl/runtime.c"

#include "fuzz.h"

#define MAX_ARGS 512

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	return 0;
}

static void within(const char *what, const char *v, int n, char **args)
{
	int i;

	if (!v)
		return;
	for (i = 0; i < n; i++)
		if (v >= args[i] && v <= args[i] + strlen(args[i]))
			return;
	fuzz_fail("%s points into none of the arguments", what);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *args[MAX_ARGS], *p;
	const struct rt_syntax *syn;
	struct ovlctl_gvisor g;
	struct ovlctl_oci o;
	struct rt_args r;
	int n = 0;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	/* "a\0b" is two arguments, "a\0" one, "" none. */
	for (p = buf; p < buf + size && n < MAX_ARGS; p += strlen(p) + 1)
		args[n++] = p;
	if (!n) {
		free(buf);
		return 0;
	}
	/* --real's value first, then what the real runtime gets. */
	syn = runtime_syntax(args[0]);
	memmove(args, args + 1, --n * sizeof(*args));
	parse_args(syn, n, args, &r);
	if (r.sub < -1 || r.sub >= n)
		fuzz_fail("subcommand at %d of %d arguments", r.sub, n);
	if (r.sub >= 0 && !in_list(args[r.sub], subcommands) &&
	    (!r.sub || strcmp(args[r.sub - 1], "--")))
		fuzz_fail("'%s' taken for the subcommand", args[r.sub]);
	if (r.sub < 0 && (r.bundle || r.config || r.id))
		fuzz_fail("create's options without a subcommand");
	within("--log", r.log, n, args);
	within("--log-format", r.log_format, n, args);
	within("--overlay2", r.overlay2, n, args);
	within("--bundle", r.bundle, n, args);
	within("--config", r.config, n, args);
	within("the id", r.id, n, args);
	if (r.overlay2) {
		memset(&o, 0, sizeof(o));
		if (!ovlctl_gvisor_mode(&g, "runsc", r.overlay2, &o) &&
		    strcmp(g.mode, "none") && !strchr(g.mode, ':'))
			fuzz_fail("overlay2 mode '%s' accepted", g.mode);
	}
	free(buf);
	return 0;
}
