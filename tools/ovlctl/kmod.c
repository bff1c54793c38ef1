// SPDX-License-Identifier: GPL-2.0
/*
 * libkmod, opened the first time a command needs it. Linked at start-up
 * it would bring libcrypto, liblzma and libzstd into every ovlctl run,
 * which was most of ovlctl's start-up time; only loading a module (the
 * first query of a boot on a stock kernel) and `features` use it.
 */
#include <dlfcn.h>
#include <stddef.h>

#include "ovlctl.h"

static const char *why(void)
{
	const char *e = dlerror();

	return e ? e : "libkmod: no such symbol";
}

const struct ovlctl_kmod *ovlctl_kmod(void)
{
	static struct ovlctl_kmod k;
	static int state; /* 0 not tried, 1 loaded, -1 failed */
	void *h;

	if (state)
		return state > 0 ? &k : NULL;
	state = -1;
	h = dlopen(OVLCTL_LIBKMOD, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		ovlctl_log(OVLCTL_DEBUG, "%s", why());
		return NULL;
	}
#define SYM(f)                                                 \
	do {                                                   \
		*(void **)&k.f = dlsym(h, "kmod_" #f);         \
		if (!k.f) {                                    \
			ovlctl_log(OVLCTL_DEBUG, "%s", why()); \
			dlclose(h);                            \
			return NULL;                           \
		}                                              \
	} while (0)
	SYM(new);
	SYM(unref);
	SYM(set_log_fn);
	SYM(module_new_from_name);
	SYM(module_unref);
	SYM(module_get_initstate);
	SYM(module_get_path);
	SYM(module_probe_insert_module);
#undef SYM
	state = 1;
	return &k;
}
