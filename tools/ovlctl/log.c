// SPDX-License-Identifier: GPL-2.0
/*
 * Messages: to stderr for people, and with --log to a file as text or as
 * JSON lines {"level","msg","time"}, the shape runc and crun write, so a
 * containerd shim can surface ovlctl's last error.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "ovlctl.h"

static const char *const level_names[] = {
	[OVLCTL_ERROR] = "error",
	[OVLCTL_WARN] = "warning",
	[OVLCTL_INFO] = "info",
	[OVLCTL_DEBUG] = "debug",
};

/* Where errors are collected instead of printed as JSON, or NULL. */
static char **collect;

void ovlctl_collect_errors(char **first)
{
	collect = first;
}

static void log_to_file(enum ovlctl_level level, const char *msg)
{
	char stamp[32];
	struct tm tm;
	time_t now = time(NULL);
	json_object *o;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!ovlctl.log_json) {
		fprintf(ovlctl.log, "%s %s: %s\n", stamp, level_names[level],
			msg);
	} else {
		o = json_object_new_object();
		json_object_object_add(
			o, "level", json_object_new_string(level_names[level]));
		json_object_object_add(o, "msg", json_object_new_string(msg));
		json_object_object_add(o, "time",
				       json_object_new_string(stamp));
		fprintf(ovlctl.log, "%s\n",
			json_object_to_json_string_ext(o,
						       JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
	}
	fflush(ovlctl.log);
}

static void vlog(enum ovlctl_level level, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (ovlctl.log)
		log_to_file(level, msg);
	if (level == OVLCTL_ERROR && ovlctl.json && !collect)
		return; /* the JSON error object on stdout says it */
	if (level > OVLCTL_ERROR && ovlctl.quiet)
		return;
	if (level >= OVLCTL_INFO && ovlctl.verbose < (int)level - 1)
		return;
	fprintf(stderr, "ovlctl: %s%s\n",
		level == OVLCTL_WARN ? "warning: " : "", msg);
}

void ovlctl_log(enum ovlctl_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(level, fmt, ap);
	va_end(ap);
}

static void json_error(const char *msg)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "error", json_object_new_string(msg));
	printf("%s\n",
	       json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
}

int ovlctl_fail(int status, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ovlctl_log(OVLCTL_ERROR, "%s", msg);
	if (collect) {
		if (!*collect)
			*collect = strdup(msg);
	} else if (ovlctl.json) {
		json_error(msg);
	}
	return status;
}

int ovlctl_usage_error(const char *cmd, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ovlctl_fail(OVLCTL_EXIT_USAGE, "%s", msg);
	if (!ovlctl.json)
		fprintf(stderr,
			"Try 'ovlctl %s%s--help' for more information.\n",
			cmd ? cmd : "", cmd ? " " : "");
	return OVLCTL_EXIT_USAGE;
}
