/* SPDX-License-Identifier: GPL-2.0 */
#ifndef OVLCTL_H
#define OVLCTL_H

#include <stdbool.h>
#include <stdio.h>

/* Exit status, stable and documented in ovlctl(8). */
enum {
	OVLCTL_EXIT_OK = 0,
	OVLCTL_EXIT_ERROR = 1,
	OVLCTL_EXIT_USAGE = 2,
	OVLCTL_EXIT_NOT_REUSABLE = 3,
	OVLCTL_EXIT_DISCARDED = 4,
	OVLCTL_EXIT_BUSY = 5,
	OVLCTL_EXIT_UNSUPPORTED = 6,
};

enum ovlctl_level {
	OVLCTL_ERROR,
	OVLCTL_WARN,
	OVLCTL_INFO,
	OVLCTL_DEBUG,
};

struct ovlctl_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *args;
	const char *help;
};

struct ovlctl_globals {
	bool json;
	bool quiet;
	int verbose;
	FILE *log;
	bool log_json;
};

extern struct ovlctl_globals ovlctl;

void ovlctl_log(enum ovlctl_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Report an error (as JSON with -J) and return @status. */
int ovlctl_fail(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A bad invocation of @cmd: message, hint, OVLCTL_EXIT_USAGE. */
int ovlctl_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

int cmd_features(int argc, char **argv);

#endif /* OVLCTL_H */
