/* SPDX-License-Identifier: GPL-2.0 */
/*
 * OCI bundles for `ovlctl runtime` and `ovlctl hook`: the project's own
 * annotations (dev.ovlvol.*), root.path, and what gVisor's runsc does with
 * the rootfs (dev.gvisor.* annotations, --overlay2).
 */
#ifndef OVLCTL_OCI_H
#define OVLCTL_OCI_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "state.h"

/* The project's reverse-DNS annotation prefix. */
#define OVLCTL_ANN_PREFIX "dev.ovlvol."

/* gVisor's names (google/gvisor runsc/boot/vfs.go, mount_hints.go). */
#define GVISOR_FILESTORE_PREFIX ".gvisor.filestore."
#define GVISOR_MOUNT_PREFIX "dev.gvisor.spec.mount."
#define GVISOR_ROOTFS_PREFIX "dev.gvisor.spec.rootfs."
#define GVISOR_OVERLAY2_ANN "dev.gvisor.flag.overlay2"

#define OVLCTL_OCI_MAX_LOWERS 64

struct ovlctl_oci {
	json_object *config; /* config.json, owns the strings below */
	char *bundle; /* as given */
	char *root; /* root.path made absolute against the bundle */
	bool ours; /* a dev.ovlvol.* annotation is present */
	const char *upper, *work, *options;
	const char *lowers[OVLCTL_OCI_MAX_LOWERS];
	size_t nlowers;
	char *lower_buf; /* the split copy of dev.ovlvol.lower */
	bool discard, want_volatile, seal, userxattr;
	/* gVisor */
	const char *overlay2_ann; /* dev.gvisor.flag.overlay2 */
	const char *rootfs_overlay; /* dev.gvisor.spec.rootfs.overlay */
	bool rootfs_replaced; /* rootfs.source or .lowerdirs: not root.path */
	size_t gvisor_mount_hints;
};

/*
 * Parse the annotations object @ann (may be NULL: none) into @o. 0, or an
 * OVLCTL_EXIT_* status after a clear message: 1 when @ann is not an object,
 * 2 for a malformed or unknown dev.ovlvol.* or dev.gvisor.* annotation.
 * The strings stay owned by @ann.
 */
int ovlctl_oci_annotations(struct ovlctl_oci *o, json_object *ann);
/*
 * Read @bundle/@config_name (NULL: config.json), its annotations (unless
 * @ann_override is given) and root.path. 0 or an OVLCTL_EXIT_* status.
 */
int ovlctl_oci_load(struct ovlctl_oci *o, const char *bundle,
		    const char *config_name, json_object *ann_override);
void ovlctl_oci_free(struct ovlctl_oci *o);
/*
 * Strict JSON of @len bytes: one value, nothing but white space after it.
 * NULL with *@why saying what is wrong.
 */
char *ovlctl_read_all(int fd, size_t max, size_t *len);
json_object *ovlctl_json_parse(const char *buf, size_t len, const char **why);
/* The pair options `ovlctl mount` would get from the annotations. */
void ovlctl_oci_pair(const struct ovlctl_oci *o, struct ovlctl_pair_opts *p);

/* gVisor's overlay2 mode for the root mount. */
struct ovlctl_gvisor {
	bool is_gvisor; /* runsc, or an overlay2 setting was seen */
	char mode[256]; /* "none", "root:self", ... */
	const char *from; /* "default", "flag", "annotation", ... */
	bool self; /* the medium is "self": a filestore in the rootfs */
};

/*
 * Decide from the real runtime's path, its --overlay2 global flag (NULL if
 * absent) and the annotations. 0, or OVLCTL_EXIT_USAGE for a malformed
 * --overlay2 value.
 */
int ovlctl_gvisor_mode(struct ovlctl_gvisor *g, const char *real,
		       const char *flag, const struct ovlctl_oci *o);
/* Warn, when the container's writes do not land in the host upper. */
void ovlctl_gvisor_warn(const struct ovlctl_gvisor *g, const char *upper);
/*
 * Remove the regular files named .gvisor.filestore.* at the top of
 * the upper dir open as @upper_fd (@upper, for messages), never following a symlink or crossing a mount; anything else of
 * that name is left alone with a warning. The caller made sure the pair is
 * not in use. The number removed, or -errno.
 */
int ovlctl_filestore_clean(int upper_fd, const char *upper);

/* The topmost mount at @target in this namespace is the overlay of @o. */
int ovlctl_oci_verify_mount(const struct ovlctl_oci *o, const char *target);
/*
 * Is @target the mount point of an overlay in this mount namespace? 1, 0
 * or -errno.
 */
int ovlctl_oci_overlay_at(const char *target);
/* Run a command (cmd_mount, cmd_umount) with its stdout sent to stderr. */
int ovlctl_oci_call(int (*fn)(int, char **), int argc, char **argv);

#endif /* OVLCTL_OCI_H */
