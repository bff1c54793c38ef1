// SPDX-License-Identifier: GPL-2.0
/*
 * ovlctl: check, explain and perform the reuse of volatile overlayfs upper
 * directories. One command table drives dispatch and help.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json_c_version.h>
#include <libmount.h>
#include <libsmartcols.h>

#include "ovlctl.h"

#ifndef OVLCTL_VERSION
#define OVLCTL_VERSION "0.0.0"
#endif

struct ovlctl_globals ovlctl;

static const struct ovlctl_cmd commands[] = {
	{ "features", cmd_features, "",
	  "what this kernel supports: overlay, authority, volatile, xattrs" },
	{ "inspect", cmd_inspect, "--work <dir>",
	  "decode the checkpoint and show the live values beside it" },
	{ "check", cmd_check, "--work <dir>",
	  "the verdict only, changing nothing" },
	{ "mount", cmd_mount, "--work <dir> <target>",
	  "check, then mount, reusing the upper when it is safe" },
	{ "umount", cmd_umount, "[--seal] <target>",
	  "unmount; --seal makes the upper durable and reusable" },
	{ "discard", cmd_discard, "<upperdir> <workdir>",
	  "empty an upper/work pair, keeping the dirs themselves" },
	{ "list", cmd_list, "[-o <columns>] [-r] [-n]",
	  "overlay mounts in all mount namespaces" },
	{ "gc", cmd_gc, "--root <dir> [--discard]",
	  "boot-time sweep of stale volatile upper/work pairs" },
	{ "runtime", cmd_runtime, "--real <runtime> [args]",
	  "wrapper OCI runtime: mount root.path, then exec the real one" },
	{ "hook", cmd_hook, "[--stage <stage>]",
	  "OCI hook: verify the rootfs overlay, unmount it at poststop" },
};

static void usage(FILE *out)
{
	size_t i;

	fprintf(out,
		"Usage:\n"
		" ovlctl [options] <command> [command options]\n"
		"\n"
		"Check, explain and perform the reuse of volatile overlayfs upper\n"
		"directories.\n"
		"\n"
		"Commands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, " %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(out,
		"\n"
		"Options:\n"
		" -J, --json               machine-readable output (errors too)\n"
		" -v, --verbose            say more (twice for debug)\n"
		" -q, --quiet              say nothing but errors\n"
		"     --log <file>         also log to <file>\n"
		"     --log-format <fmt>   text (default) or json\n"
		"     --config <file>      instead of /etc/ovlctl/ovlctl.conf\n"
		"\n"
		" -h, --help               display this help\n"
		" -V, --version            display version and compiled features\n"
		"\n"
		"Exit status: 0 ok, 1 error, 2 usage, 3 not reusable, 4 discarded\n"
		"and mounted fresh, 5 busy, 6 unsupported here.\n"
		"\n"
		"For more details see ovlctl(8).\n");
}

static void version(void)
{
	const char *mnt = NULL, *scols = NULL;

	mnt_get_library_version(&mnt);
	scols_get_library_version(&scols);
	printf("ovlctl %s\n", OVLCTL_VERSION);
	printf("features: libmount %s, libkmod (%s, on first use), libsmartcols %s, json-c %s\n",
	       mnt, OVLCTL_LIBKMOD, scols, json_c_version());
}

int main(int argc, char **argv)
{
	enum { OPT_LOG = 0x100, OPT_LOG_FORMAT, OPT_CONFIG };
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "log", required_argument, NULL, OPT_LOG },
		{ "log-format", required_argument, NULL, OPT_LOG_FORMAT },
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *log_path = NULL;
	size_t i;
	int c;

	while ((c = getopt_long(argc, argv, "+JvqhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'J':
			ovlctl.json = true;
			break;
		case 'v':
			ovlctl.verbose++;
			break;
		case 'q':
			ovlctl.quiet = true;
			break;
		case OPT_LOG:
			log_path = optarg;
			break;
		case OPT_CONFIG:
			ovlctl.config = optarg;
			break;
		case OPT_LOG_FORMAT:
			if (!strcmp(optarg, "json"))
				ovlctl.log_json = true;
			else if (strcmp(optarg, "text"))
				return ovlctl_usage_error(
					NULL, "unknown log format '%s'",
					optarg);
			break;
		case 'h':
			usage(stdout);
			return OVLCTL_EXIT_OK;
		case 'V':
			version();
			return OVLCTL_EXIT_OK;
		default:
			return ovlctl_usage_error(NULL, "bad option");
		}
	}
	if (ovlctl.quiet && ovlctl.verbose)
		return ovlctl_usage_error(
			NULL, "--quiet and --verbose exclude each other");
	if (log_path) {
		ovlctl.log = fopen(log_path, "ae");
		if (!ovlctl.log)
			return ovlctl_fail(OVLCTL_EXIT_ERROR,
					   "cannot open %s: %s", log_path,
					   strerror(errno));
	}
	if (optind >= argc)
		return ovlctl_usage_error(NULL, "no command given");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[optind], commands[i].name))
			continue;
		/* The command parses its own options, from argv[0] = its name. */
		argc -= optind;
		argv += optind;
		optind = 0;
		return commands[i].fn(argc, argv);
	}
	return ovlctl_usage_error(NULL, "unknown command '%s'", argv[optind]);
}
