// SPDX-License-Identifier: GPL-2.0
/*
 * config.json as `ovlctl runtime` reads it (oci.c): ovlctl_json_parse()
 * on the input, then its annotations through ovlctl_oci_annotations()
 * (dev.ovlvol.*, dev.gvisor.* hints), and, as do_create() does for an
 * accepted bundle, the gVisor overlay2 mode and the pair options.
 * Property: every layer path the annotations let through can be passed
 * to overlayfs (absolute, no ',', '"' or newline), at most 64 lowers.
 */
#include <string.h>

#include "../../tools/ovlctl/oci.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	return 0;
}

static void layer_ok(const char *what, const char *p)
{
	if (!p || *p != '/' || strpbrk(p, ",\"\n"))
		fuzz_fail("%s '%s' accepted", what, p ? p : "(null)");
}

static void check(const struct ovlctl_oci *o)
{
	size_t i;

	if (!o->ours)
		return;
	layer_ok("work", o->work);
	if (o->upper)
		layer_ok("upper", o->upper);
	if (o->nlowers > OVLCTL_OCI_MAX_LOWERS)
		fuzz_fail("%zu lowers", o->nlowers);
	for (i = 0; i < o->nlowers; i++)
		layer_ok("lower", o->lowers[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ovlctl_pair_opts p;
	struct ovlctl_gvisor g;
	struct ovlctl_oci o;
	json_object *ann = NULL;
	const char *why = NULL;

	memset(&o, 0, sizeof(o));
	o.config = ovlctl_json_parse((const char *)data, size, &why);
	if (!o.config) {
		if (!why)
			fuzz_fail("refused without a reason");
		return 0;
	}
	if (json_object_is_type(o.config, json_type_object))
		json_object_object_get_ex(o.config, "annotations", &ann);
	else
		ann = o.config; /* not a config: as annotations, then */
	if (!ovlctl_oci_annotations(&o, ann)) {
		check(&o);
		ovlctl_oci_pair(&o, &p);
		if (p.nlowers != o.nlowers || p.work != o.work)
			fuzz_fail("pair options differ from the annotations");
		if (!ovlctl_gvisor_mode(&g, "/usr/bin/runsc", NULL, &o))
			ovlctl_gvisor_warn(&g, o.upper);
		if (!ovlctl_gvisor_mode(&g, "runc", "all:dir=/x", &o))
			ovlctl_gvisor_warn(&g, NULL);
	}
	ovlctl_oci_free(&o);
	return 0;
}
