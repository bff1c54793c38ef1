/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One upper/work pair: what the caller asks for, what was recorded at the
 * first mount, and everything the verdict needs, gathered once.
 */
#ifndef OVLCTL_STATE_H
#define OVLCTL_STATE_H

#include <stdbool.h>

#include "core.h"
#include "ovlctl.h"

struct ovlctl_layer {
	char *path; /* absolute, symlinks resolved */
	struct ovlctl_dirid id; /* of @fd */
	int fd; /* the dir, opened once (O_RDONLY | O_DIRECTORY), or -1 */
};

/* A mount spec: the layers and options of an overlay. */
struct ovlctl_spec {
	struct ovlctl_layer upper, work;
	struct ovlctl_layer *lowers;
	size_t nlowers;
	char *options; /* extra mount options, may be NULL */
	bool userxattr;
	/* recorded for a container: its layers stay confined (ovlctl.conf) */
	bool confined;
};

struct ovlctl_state {
	struct ovlctl_spec spec; /* what will be mounted */
	bool have_recorded; /* a spec was recorded at the first mount */
	/* the recorded upper's path now names another dir */
	bool upper_moved;
	int upper_fd, work_fd;
	int ckpt_fd; /* the dir holding the checkpoint, -1 if none */
	int authority;
	const char *ckpt_why; /* why a checkpoint is bad */
	char *in_use_by; /* target of the overlay using upper or work */
	struct ovlctl_verdict_in in;
	struct ovlctl_verdict verdict;
};

/* Options of inspect, check and mount that name the pair. */
struct ovlctl_pair_opts {
	const char *upper, *work;
	const char *lowers[64];
	size_t nlowers;
	const char *options;
	bool userxattr;
	bool want_volatile;
	/*
	 * No mount follows (gc): the lowers are neither needed nor compared
	 * with the recorded ones, so lower-changed never comes up.
	 */
	bool no_lowers;
};

/*
 * Resolve and validate the paths, merge with the recorded spec, open the
 * dirs, ask the authority and decide. 0, or an OVLCTL_EXIT_* status after
 * reporting the error.
 */
int ovlctl_state_gather(struct ovlctl_state *st,
			const struct ovlctl_pair_opts *o);
void ovlctl_state_free(struct ovlctl_state *st);
/*
 * Check extra mount options @opts (-o, dev.ovlvol.options, or recorded):
 * overlayfs feature switches only, each once, with a plain value; with
 * @confined only those ovlctl.conf allows. 0, or @status after reporting
 * the error (a usage error names @cmd).
 */
int ovlctl_check_options(const char *cmd, const char *opts, bool confined,
			 int status);
/*
 * The marker dir work/incompat/volatile under the workdir @work_fd, never
 * through a symlink or another mount: an fd (O_RDONLY) or -errno.
 */
int ovlctl_open_marker(int work_fd);
/* Is the stock marker dir work/incompat/volatile there? */
bool ovlctl_marker_present(int work_fd);
/* work/incompat, the same way: an O_PATH fd, or -errno. */
int ovlctl_open_incompat(int work_fd);
/* Record @st->spec on the workdir, for restarts that name only it. */
int ovlctl_spec_record(const struct ovlctl_state *st);

/* The recorded spec as it was before a mount changed it (len 0: none). */
struct ovlctl_saved {
	bool userxattr;
	size_t len;
	char buf[65536];
};

/* Keep the workdir's recorded spec in @saved: 0 or -errno. */
int ovlctl_spec_save(int work_fd, bool userxattr, struct ovlctl_saved *saved);
/*
 * Undo a mount that never happened: drop the checkpoint, and put back the
 * spec @saved kept (or none, if there was none): 0 or -errno.
 */
int ovlctl_spec_restore(int work_fd, const struct ovlctl_saved *saved);
/* The mount(2) option string for @spec; NULL after reporting an error. */
char *ovlctl_spec_options(const struct ovlctl_spec *spec, bool want_volatile);

#endif /* OVLCTL_STATE_H */
