// SPDX-License-Identifier: GPL-2.0
/*
 * ovlctl list: overlay mounts in every mount namespace, as a findmnt-like
 * table (libsmartcols: -o columns, -r, -n, and -J for JSON).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libsmartcols.h>

#include "ovlctl.h"

enum {
	COL_TARGET,
	COL_SOURCE,
	COL_UPPER,
	COL_WORK,
	COL_LOWER,
	COL_VOLATILE,
	COL_STATE,
	COL_MNTID,
	COL_MNTNS,
	COL_PID,
	NCOLS,
};

static const struct column {
	const char *name;
	double width; /* scols width hint */
	int flags;
	int json_type;
	const char *help;
} columns[NCOLS] = {
	[COL_TARGET] = { "TARGET", 0.3, 0, SCOLS_JSON_STRING,
			 "mount point, as seen in its namespace" },
	[COL_SOURCE] = { "SOURCE", 0.1, 0, SCOLS_JSON_STRING, "mount source" },
	[COL_UPPER] = { "UPPER", 0.3, 0, SCOLS_JSON_STRING,
			"upperdir (empty: read-only overlay)" },
	[COL_WORK] = { "WORK", 0.3, 0, SCOLS_JSON_STRING, "workdir" },
	[COL_LOWER] = { "LOWER", 0.3, 0, SCOLS_JSON_STRING,
			"lower layers, ':' separated, '\\' escaped" },
	[COL_VOLATILE] = { "VOLATILE", 1, SCOLS_FL_RIGHT, SCOLS_JSON_BOOLEAN,
			   "mounted volatile (volatile or fsync=volatile)" },
	[COL_STATE] = { "STATE", 0.1, 0, SCOLS_JSON_STRING,
			"checkpoint state of the upper" },
	[COL_MNTID] = { "MNTID", 1, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
			"mount id in its namespace" },
	[COL_MNTNS] = { "MNTNS", 1, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
			"mount namespace (inode of /proc/PID/ns/mnt)" },
	[COL_PID] = { "PID", 1, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
		      "a process in that namespace (none: pinned by nsfs)" },
};

static const int default_columns[] = { COL_TARGET,   COL_UPPER, COL_WORK,
				       COL_VOLATILE, COL_MNTNS, COL_PID };

/* No checkpoint code linked in: leave the STATE cell empty. */
__attribute__((weak)) char *ovlctl_mount_state(const struct ovlctl_mount *m)
{
	(void)m;
	return NULL;
}

/* -o a,b,c: the column indexes into @out; count, or -1 on a bad name. */
static int parse_columns(const char *list, int *out, const char **bad)
{
	char *copy = strdup(list), *tok, *save = NULL;
	int n = 0, i;

	if (!copy)
		return -1;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < NCOLS && strcasecmp(tok, columns[i].name); i++)
			;
		if (i == NCOLS || n == NCOLS * 2) {
			*bad = list + (tok - copy);
			free(copy);
			return -1;
		}
		out[n++] = i;
	}
	free(copy);
	return n;
}

/* The layers in the lowerdir notation: ':' between, '\' before : and \. */
static char *join_lowers(const struct ovlctl_mount *m)
{
	size_t i, len = 1;
	char *out, *d;
	const char *s;

	for (i = 0; i < m->nlowers; i++)
		len += 2 * strlen(m->lowers[i]) + 1;
	out = d = malloc(len);
	if (!out)
		return NULL;
	for (i = 0; i < m->nlowers; i++) {
		if (i)
			*d++ = ':';
		for (s = m->lowers[i]; *s; s++) {
			if (*s == ':' || *s == '\\')
				*d++ = '\\';
			*d++ = *s;
		}
	}
	*d = '\0';
	return out;
}

static char *cell(const struct ovlctl_mount *m, int col)
{
	char *s = NULL;

	switch (col) {
	case COL_TARGET:
		return m->target ? strdup(m->target) : NULL;
	case COL_SOURCE:
		return m->source ? strdup(m->source) : NULL;
	case COL_UPPER:
		return m->upper ? strdup(m->upper) : NULL;
	case COL_WORK:
		return m->work ? strdup(m->work) : NULL;
	case COL_LOWER:
		return join_lowers(m);
	case COL_VOLATILE:
		return strdup(m->is_volatile ? "yes" : "no");
	case COL_STATE:
		return ovlctl_mount_state(m);
	case COL_MNTID:
		if (asprintf(&s, "%d", m->mnt_id) < 0)
			s = NULL;
		return s;
	case COL_MNTNS:
		if (asprintf(&s, "%lu", (unsigned long)m->mntns) < 0)
			s = NULL;
		return s;
	case COL_PID:
		/* None in a namespace kept alive only by an nsfs reference */
		if (m->pid && asprintf(&s, "%d", (int)m->pid) < 0)
			s = NULL;
		return s;
	}
	return NULL;
}

static int by_ns_then_id(const void *a, const void *b)
{
	const struct ovlctl_mount *x = a, *y = b;

	if (x->mntns != y->mntns)
		return x->mntns < y->mntns ? -1 : 1;
	return (x->mnt_id > y->mnt_id) - (x->mnt_id < y->mnt_id);
}

static void list_usage(void)
{
	int i;

	printf("Usage:\n"
	       " ovlctl [-J] list [options]\n"
	       "\n"
	       "Overlay mounts in all mount namespaces.\n"
	       "\n"
	       "Options:\n"
	       " -o, --output <list>  the columns to print\n"
	       " -r, --raw            raw output\n"
	       " -n, --noheadings     do not print headings\n"
	       " -h, --help           display this help\n"
	       "\n"
	       "Available columns (for --output):\n");
	for (i = 0; i < NCOLS; i++)
		printf(" %9s  %s\n", columns[i].name, columns[i].help);
}

int cmd_list(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "raw", no_argument, NULL, 'r' },
		{ "noheadings", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int cols[NCOLS * 2], ncols = 0, c, i, ret = OVLCTL_EXIT_OK;
	bool raw = false, noheadings = false;
	struct libscols_table *tb = NULL;
	struct ovlctl_mount *m = NULL;
	const char *bad = NULL;
	size_t n = 0, j;
	pid_t example;
	int unseen;

	while ((c = getopt_long(argc, argv, "o:rnh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			ncols = parse_columns(optarg, cols, &bad);
			if (ncols < 0)
				return ovlctl_usage_error("list",
							  "unknown column: %s",
							  bad ? bad : optarg);
			break;
		case 'r':
			raw = true;
			break;
		case 'n':
			noheadings = true;
			break;
		case 'h':
			list_usage();
			return OVLCTL_EXIT_OK;
		default:
			return ovlctl_usage_error("list", "bad option");
		}
	}
	if (optind < argc)
		return ovlctl_usage_error("list", "unexpected argument '%s'",
					  argv[optind]);
	if (!ncols) {
		for (i = 0; i < (int)(sizeof(default_columns) /
				      sizeof(default_columns[0]));
		     i++)
			cols[ncols++] = default_columns[i];
	}

	ret = ovlctl_overlay_mounts(&m, &n);
	if (ret)
		return ovlctl_fail(OVLCTL_EXIT_ERROR, "reading mounts: %s",
				   strerror(-ret));
	unseen = ovlctl_mounts_unseen(&example);
	if (unseen)
		ovlctl_log(
			OVLCTL_WARN,
			"%d process(es) could not be looked into (e.g. pid %d: permission denied; needs root with CAP_SYS_PTRACE): overlays in their mount namespaces may be missing",
			unseen, (int)example);
	if (n)
		qsort(m, n, sizeof(*m), by_ns_then_id);

	tb = scols_new_table();
	if (!tb)
		goto nomem;
	scols_table_enable_json(tb, ovlctl.json);
	scols_table_set_name(tb, "overlays");
	scols_table_enable_raw(tb, raw);
	scols_table_enable_noheadings(tb, noheadings);
	for (i = 0; i < ncols; i++) {
		const struct column *col = &columns[cols[i]];
		struct libscols_column *cl = scols_table_new_column(
			tb, col->name, col->width, col->flags);

		if (!cl)
			goto nomem;
		scols_column_set_json_type(cl, col->json_type);
	}
	for (j = 0; j < n; j++) {
		struct libscols_line *ln = scols_table_new_line(tb, NULL);

		if (!ln)
			goto nomem;
		for (i = 0; i < ncols; i++) {
			char *data = cell(&m[j], cols[i]);

			if (data && scols_line_refer_data(ln, i, data)) {
				free(data);
				goto nomem;
			}
		}
	}
	scols_print_table(tb);
	goto out;
nomem:
	ret = ovlctl_fail(OVLCTL_EXIT_ERROR, "out of memory");
out:
	scols_unref_table(tb);
	ovlctl_free_mounts(m, n);
	return ret;
}
