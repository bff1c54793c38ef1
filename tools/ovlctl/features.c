// SPDX-License-Identifier: GPL-2.0
/*
 * ovlctl features: what this kernel offers for reusable volatile overlays,
 * so a runtime can decide whether to mount volatile at all.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <json-c/json.h>
#include <libsmartcols.h>
#include <linux/ovl_volatile.h>

#include "core.h"
#include "ovlctl.h"

struct feature {
	const char *name;
	char value[128];
};

/* major.minor of @release as major * 1000 + minor, 0 if unparsable. */
static int kernel_version(const char *release)
{
	int major, minor;

	if (sscanf(release, "%d.%d", &major, &minor) != 2)
		return 0;
	return major * 1000 + minor;
}

static const char *overlay_state(void)
{
	const struct ovlctl_kmod *k = ovlctl_kmod();
	struct kmod_ctx *ctx = k ? k->new (NULL, NULL) : NULL;
	struct kmod_module *mod = NULL;
	const char *state = "absent";

	if (!ctx)
		return "unknown";
	k->set_log_fn(ctx, ovlctl_kmod_log, NULL);
	if (k->module_new_from_name(ctx, "overlay", &mod) == 0) {
		switch (k->module_get_initstate(mod)) {
		case KMOD_MODULE_BUILTIN:
			state = "builtin";
			break;
		case KMOD_MODULE_LIVE:
		case KMOD_MODULE_COMING:
			state = "loaded";
			break;
		default:
			/* Not in the kernel: is there a module file for it? */
			state = k->module_get_path(mod) ? "module" : "absent";
			break;
		}
		k->module_unref(mod);
	}
	k->unref(ctx);
	return state;
}

/*
 * The authority the other commands use: "kernel" on a patched kernel,
 * "module" if the ovlvol module answers its nonce query, else "none".
 */
static const char *authority(void)
{
	struct ovlvol_nonce n = { .size = sizeof(n), .version = OVLVOL_IOC_V1 };
	int fd, ret;

	if (ovlctl_authority(false) == OVLCTL_AUTH_KERNEL)
		return "kernel";
	fd = open("/dev/" OVLVOL_DEVICE_NAME, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return "none";
	ret = ioctl(fd, OVLVOL_IOC_NONCE, &n);
	close(fd);
	return ret ? "none" : "module";
}

int cmd_features(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct feature f[6];
	struct utsname u;
	int ver, i, c, n = 0;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c != 'h')
			return ovlctl_usage_error("features", "bad option");
		printf("Usage:\n ovlctl features\n\n"
		       "What this kernel supports: overlay state, the id authority,\n"
		       "volatile and how mountinfo spells it, xattr namespaces.\n");
		return OVLCTL_EXIT_OK;
	}
	if (optind < argc)
		return ovlctl_usage_error(
			"features", "unexpected argument '%s'", argv[optind]);
	if (uname(&u))
		return ovlctl_fail(OVLCTL_EXIT_ERROR, "uname: %s",
				   strerror(errno));
	ver = kernel_version(u.release);

	f[n].name = "kernel";
	snprintf(f[n++].value, sizeof(f[0].value), "%s", u.release);
	f[n].name = "overlay";
	snprintf(f[n++].value, sizeof(f[0].value), "%s", overlay_state());
	f[n].name = "authority";
	snprintf(f[n++].value, sizeof(f[0].value), "%s", authority());
	f[n].name = "volatile";
	snprintf(f[n++].value, sizeof(f[0].value), "%s",
		 ver >= 5010 ? "yes" : "no");
	/* 6.12.y prints volatile as fsync=volatile (fs_context fsync= option). */
	f[n].name = "mountinfo-volatile";
	snprintf(f[n++].value, sizeof(f[0].value), "%s",
		 ver >= 6012 ? "fsync=volatile" : "volatile");
	f[n].name = "xattr";
	snprintf(f[n++].value, sizeof(f[0].value), "%s%s",
		 geteuid() == 0 ? "trusted" : "",
		 ver >= 5011 ? (geteuid() == 0 ? ",user" : "user") : "");

	if (ovlctl.json) {
		json_object *o = json_object_new_object();

		for (i = 0; i < n; i++)
			json_object_object_add(
				o, f[i].name,
				json_object_new_string(f[i].value));
		printf("%s\n", json_object_to_json_string_ext(
				       o, JSON_C_TO_STRING_PRETTY |
						  JSON_C_TO_STRING_SPACED));
		json_object_put(o);
	} else {
		struct libscols_table *tb = scols_new_table();

		if (!tb)
			return ovlctl_fail(OVLCTL_EXIT_ERROR, "out of memory");
		scols_table_new_column(tb, "FEATURE", 0, 0);
		scols_table_new_column(tb, "VALUE", 0, 0);
		for (i = 0; i < n; i++) {
			struct libscols_line *ln =
				scols_table_new_line(tb, NULL);

			scols_line_set_data(ln, 0, f[i].name);
			scols_line_set_data(ln, 1, f[i].value);
		}
		scols_print_table(tb);
		scols_unref_table(tb);
	}
	return OVLCTL_EXIT_OK;
}
