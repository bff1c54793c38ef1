// SPDX-License-Identifier: GPL-2.0
/*
 * Messages: to stderr for people, and with --log to a file as text or as
 * JSON lines {"level","msg","time"}, the shape runc and crun write, so a
 * containerd shim can surface ovlctl's last error.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
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
static bool discarded;

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

/* The length of the well-formed UTF-8 sequence at @s for U+00A0 and up, or 0. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;
	unsigned int cp;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF, C1 controls */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff || cp < 0xa0)
		return 0;
	return n;
}

char *ovlctl_escape(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = malloc(4 * strlen(s) + 1), *o = out;
	size_t n;

	if (!out)
		return NULL;
	while (*p) {
		if (*p >= 0x20 && *p < 0x7f) {
			*o++ = *p++;
		} else if ((n = utf8_len(p))) {
			memcpy(o, p, n);
			o += n;
			p += n;
		} else {
			o += sprintf(o, "\\x%02x", *p++);
		}
	}
	*o = '\0';
	return out;
}

static void vlog(enum ovlctl_level level, const char *fmt, va_list ap)
{
	char raw[1024], *msg;

	vsnprintf(raw, sizeof(raw), fmt, ap);
	/* Names from containers and other namespaces end up in here. */
	msg = ovlctl_escape(raw);
	if (!msg)
		return;
	if (ovlctl.log)
		log_to_file(level, msg);
	if ((level == OVLCTL_ERROR && ovlctl.json && !collect) ||
	    (level > OVLCTL_ERROR && ovlctl.quiet) ||
	    (level >= OVLCTL_INFO && ovlctl.verbose < (int)level - 1)) {
		free(msg); /* with -J the JSON error object says it */
		return;
	}
	fprintf(stderr, "ovlctl: %s%s\n",
		level == OVLCTL_WARN ? "warning: " : "", msg);
	free(msg);
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
	if (discarded)
		json_object_object_add(o, "discarded",
				       json_object_new_boolean(1));
	printf("%s\n",
	       json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
}

void ovlctl_note_discarded(void)
{
	discarded = true;
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

int ovlctl_fail_usage(int status, const char *cmd, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (status == OVLCTL_EXIT_USAGE)
		return ovlctl_usage_error(cmd, "%s", msg);
	return ovlctl_fail(status, "%s", msg);
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
