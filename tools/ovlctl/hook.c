// SPDX-License-Identifier: GPL-2.0
/*
 * ovlctl hook [--stage createRuntime|prestart|poststop]: an OCI hook. The
 * container state JSON comes on stdin (bundle, annotations, id, status).
 * createRuntime and prestart run after the runtime mounted the rootfs, so
 * they verify and abort, never mount: root.path must be the overlay of
 * the annotated upper and work dirs (by device and inode), volatile as
 * asked. poststop unmounts (sealing when annotated) and only warns when
 * that fails. A container without dev.ovlvol.* annotations is none of
 * ovlctl's business: exit 0, nothing said.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oci.h"

#define STATE_MAX (4 << 20)

enum stage { STAGE_NONE, STAGE_VERIFY, STAGE_POSTSTOP };

static int stage_of(const char *s, enum stage *st)
{
	if (!strcmp(s, "createRuntime") || !strcmp(s, "prestart"))
		*st = STAGE_VERIFY;
	else if (!strcmp(s, "poststop"))
		*st = STAGE_POSTSTOP;
	else
		return -1;
	return 0;
}

static const char *get_string(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int poststop(const struct ovlctl_oci *o, const char *id)
{
	char *target = realpath(o->root, NULL), *argv[4];
	int n = 0, ret;

	if (!target) {
		ovlctl_log(OVLCTL_WARN, "poststop %s: root.path %s: %s", id,
			   o->root, strerror(errno));
		return OVLCTL_EXIT_OK;
	}
	ret = ovlctl_oci_overlay_at(target);
	if (ret <= 0) {
		if (ret < 0)
			ovlctl_log(OVLCTL_WARN,
				   "poststop %s: reading mounts: %s", id,
				   strerror(-ret));
		else
			ovlctl_log(OVLCTL_INFO, "poststop %s: %s not mounted",
				   id, target);
		free(target);
		return OVLCTL_EXIT_OK;
	}
	argv[n++] = "umount";
	if (o->seal)
		argv[n++] = "--seal";
	argv[n++] = target;
	argv[n] = NULL;
	ret = ovlctl_oci_call(cmd_umount, n, argv);
	if (ret)
		ovlctl_log(
			OVLCTL_WARN,
			"poststop %s: unmounting %s failed (exit %d); left as it is",
			id, target, ret);
	free(target);
	return OVLCTL_EXIT_OK;
}

int cmd_hook(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "stage", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ovlctl_oci probe = { 0 }, o = { 0 };
	json_object *state = NULL, *ann = NULL;
	const char *why, *bundle, *status, *id;
	enum stage stage = STAGE_NONE;
	char *buf, *target = NULL;
	size_t len;
	int c, ret;

	/* stdout belongs to nobody here: messages go to stderr (and --log). */
	ovlctl.json = false;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (stage_of(optarg, &stage))
				return ovlctl_usage_error(
					"hook",
					"--stage: createRuntime, prestart or poststop, not '%s'",
					optarg);
			break;
		case 'h':
			printf("Usage:\n ovlctl hook [--stage <stage>] < state.json\n\n"
			       "An OCI hook: verify the rootfs overlay (createRuntime, prestart)\n"
			       "or unmount it (poststop) for containers with dev.ovlvol.*\n"
			       "annotations. Without --stage, the state's status tells.\n\n"
			       "Options:\n"
			       "     --stage <stage>    createRuntime, prestart or poststop\n");
			return OVLCTL_EXIT_OK;
		default:
			return ovlctl_usage_error("hook", "bad option");
		}
	}
	if (optind != argc)
		return ovlctl_usage_error("hook", "unexpected argument '%s'",
					  argv[optind]);
	buf = ovlctl_read_all(STDIN_FILENO, STATE_MAX, &len);
	if (!buf)
		return ovlctl_fail(OVLCTL_EXIT_ERROR,
				   "hook: reading the container state: %s",
				   strerror(errno));
	state = ovlctl_json_parse(buf, len, &why);
	free(buf);
	if (!state || !json_object_is_type(state, json_type_object)) {
		ret = ovlctl_fail(
			OVLCTL_EXIT_ERROR,
			"hook: the container state on stdin is not a JSON object: %s",
			state ? "another JSON type" : why);
		goto out;
	}
	/* runc leaves out empty annotations: absent means none. */
	json_object_object_get_ex(state, "annotations", &ann);
	ret = ovlctl_oci_annotations(&probe, ann);
	if (ret || !probe.ours)
		goto out;
	id = get_string(state, "id");
	id = id ? id : "?";
	bundle = get_string(state, "bundle");
	if (!bundle || *bundle != '/') {
		ret = ovlctl_fail(
			OVLCTL_EXIT_ERROR,
			"hook: the container state has no absolute bundle path");
		goto out;
	}
	status = get_string(state, "status");
	if (stage == STAGE_NONE) {
		if (status &&
		    (!strcmp(status, "creating") || !strcmp(status, "created")))
			stage = STAGE_VERIFY;
		else if (status && !strcmp(status, "stopped"))
			stage = STAGE_POSTSTOP;
		else {
			ret = ovlctl_usage_error(
				"hook",
				"cannot tell the stage from status '%s': give --stage",
				status ? status : "(none)");
			goto out;
		}
	}
	ret = ovlctl_oci_load(&o, bundle, NULL, ann);
	if (ret)
		goto out;
	if (stage == STAGE_POSTSTOP) {
		ret = poststop(&o, id);
		goto out;
	}
	target = realpath(o.root, NULL);
	if (!target) {
		ret = ovlctl_fail(OVLCTL_EXIT_ERROR, "hook: root.path %s: %s",
				  o.root, strerror(errno));
		goto out;
	}
	ret = ovlctl_oci_verify_mount(&o, target);
	if (!ret)
		ovlctl_log(OVLCTL_INFO,
			   "container %s: %s is the %svolatile overlay of %s",
			   id, target, o.want_volatile ? "" : "non-", o.work);
	else
		ovlctl_log(
			OVLCTL_ERROR,
			"container %s: aborting: the rootfs is not the overlay the annotations ask for",
			id);
out:
	free(target);
	ovlctl_oci_free(&probe);
	ovlctl_oci_free(&o);
	json_object_put(state);
	return ret;
}
