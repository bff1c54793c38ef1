// SPDX-License-Identifier: GPL-2.0
/*
 * ovlctl runtime --real RUNTIME [ARGS...]: a wrapper OCI runtime, the
 * pattern of NVIDIA's container runtime. For create and run of a bundle
 * whose config.json carries dev.ovlvol.* annotations, mount the rootfs
 * overlay at root.path through `ovlctl mount` (the verdict, the lock, the
 * recorded spec), then exec the real runtime with the arguments unchanged;
 * a refusal exits with ovlctl's status and never runs the real runtime.
 * For delete, run the real runtime, then unmount root.path (--seal when
 * annotated). Everything else, and every container without the
 * annotations, goes straight to the real runtime.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oci.h"

/* Global options of runc, crun and runsc that take a separate value. */
static const char *const global_valued[] = {
	"root",
	"log",
	"log-format",
	"log-level",
	"criu",
	"rootless",
	"cgroup-manager",
	"debug-log",
	"panic-log",
	"coverage-log",
	"debug-log-format",
	"platform",
	"network",
	"overlay2",
	"file-access",
	"file-access-mounts",
	"host-uds",
	"host-fifo",
	"profile-cpu",
	"profile-heap",
	"profile-block",
	"profile-mutex",
	"trace",
	"strace-syscalls",
	"watchdog-action",
	"panic-signal",
	"debug-command",
	"nvproxy-driver-version",
	NULL,
};

/* Options of create and run that take a separate value. */
static const char *const create_valued[] = {
	"bundle", "b", "console-socket", "pid-file",  "preserve-fds",
	"config", "f", "user-log",	 "criu-opts", NULL,
};

/* Subcommands of OCI runtimes (and runsc's own), to find the first. */
static const char *const subcommands[] = {
	"checkpoint", "create",	      "delete",	   "events",	"exec",
	"features",   "kill",	      "list",	   "pause",	"ps",
	"restore",    "resume",	      "run",	   "spec",	"start",
	"state",      "update",	      "wait",	   "debug",	"do",
	"tar",	      "port-forward", "mitigate",  "install",	"uninstall",
	"help",	      "flags",	      "symbolize", "statefile", NULL,
};

static bool in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return true;
	return false;
}

/*
 * The option at args[*i]: its name without dashes in @name, its value
 * (after '=', or the next argument when it is in @valued) in *@val.
 */
static void scan_opt(int n, char **args, int *i, const char *const *valued,
		     char *name, size_t size, const char **val)
{
	const char *a = args[*i] + 1, *eq;
	size_t len;

	if (*a == '-')
		a++;
	eq = strchr(a, '=');
	len = eq ? (size_t)(eq - a) : strlen(a);
	snprintf(name, size, "%.*s", (int)len, a);
	*val = NULL;
	if (eq)
		*val = eq + 1;
	else if (in_list(name, valued) && *i + 1 < n)
		*val = args[++*i];
}

struct rt_args {
	int sub; /* index of the subcommand in args, -1 if none */
	const char *log, *log_format, *overlay2;
	const char *bundle, *config, *id;
};

static void parse_args(int n, char **args, struct rt_args *r)
{
	const char *val;
	char name[64];
	int i;

	memset(r, 0, sizeof(*r));
	r->sub = -1;
	for (i = 0; i < n; i++) {
		const char *a = args[i];

		if (!strcmp(a, "--")) {
			if (i + 1 < n)
				r->sub = i + 1;
			break;
		}
		if (a[0] == '-' && a[1]) {
			scan_opt(n, args, &i, global_valued, name, sizeof(name),
				 &val);
			if (!strcmp(name, "log"))
				r->log = val;
			else if (!strcmp(name, "log-format"))
				r->log_format = val;
			else if (!strcmp(name, "overlay2"))
				r->overlay2 = val;
			continue;
		}
		/* A word that is no subcommand: an unknown option's value. */
		if (in_list(a, subcommands)) {
			r->sub = i;
			break;
		}
	}
	if (r->sub < 0)
		return;
	for (i = r->sub + 1; i < n; i++) {
		const char *a = args[i];

		if (!strcmp(a, "--")) {
			if (i + 1 < n && !r->id)
				r->id = args[i + 1];
			break;
		}
		if (a[0] == '-' && a[1]) {
			scan_opt(n, args, &i, create_valued, name, sizeof(name),
				 &val);
			if (!strcmp(name, "bundle") || !strcmp(name, "b"))
				r->bundle = val;
			else if (!strcmp(name, "config") || !strcmp(name, "f"))
				r->config = val;
			continue;
		}
		if (!r->id)
			r->id = a;
	}
}

static int exec_real(const char *real, char **rargv)
{
	fflush(NULL);
	execvp(real, rargv);
	return ovlctl_fail(OVLCTL_EXIT_ERROR, "exec %s: %s", real,
			   strerror(errno));
}

/* Run @argv; its exit status (128 + signal), -errno if it did not start. */
static int run_wait(const char *real, char **argv, int out_fd)
{
	int st;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		if (out_fd >= 0 && dup2(out_fd, STDOUT_FILENO) < 0)
			_exit(127);
		execvp(real, argv);
		fprintf(stderr, "ovlctl: exec %s: %s\n", real, strerror(errno));
		_exit(127);
	}
	if (out_fd >= 0)
		close(out_fd);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* `REAL GLOBALS... state ID`: the bundle, or NULL (reported at debug). */
static char *state_bundle(const char *real, char **args, int sub,
			  const char *id)
{
	char **argv = calloc(sub + 4, sizeof(*argv));
	char buf[1 << 16], *bundle = NULL;
	json_object *st, *b;
	const char *why = NULL;
	size_t len = 0;
	ssize_t r;
	int p[2], i, rc;

	if (!argv || pipe2(p, O_CLOEXEC)) {
		free(argv);
		return NULL;
	}
	argv[0] = (char *)real;
	for (i = 0; i < sub; i++)
		argv[i + 1] = args[i];
	argv[sub + 1] = "state";
	argv[sub + 2] = (char *)id;
	rc = run_wait(real, argv, p[1]);
	while (rc == 0 && len < sizeof(buf) - 1 &&
	       (r = read(p[0], buf + len, sizeof(buf) - 1 - len)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		len += r;
	}
	close(p[0]);
	free(argv);
	if (rc) {
		ovlctl_log(OVLCTL_DEBUG, "%s state %s: exit %d", real, id, rc);
		return NULL;
	}
	st = ovlctl_json_parse(buf, len, &why);
	if (st && json_object_object_get_ex(st, "bundle", &b) &&
	    json_object_is_type(b, json_type_string))
		bundle = strdup(json_object_get_string(b));
	else
		ovlctl_log(OVLCTL_DEBUG, "%s state %s: no bundle in %s", real,
			   id, why ? why : "the state");
	json_object_put(st);
	return bundle;
}

/* The pair options as `ovlctl mount` arguments, then mount at @target. */
static int mount_rootfs(const struct ovlctl_oci *o, const char *target)
{
	char *argv[2 * OVLCTL_OCI_MAX_LOWERS + 16];
	int n = 0;
	size_t i;

	argv[n++] = "mount";
	argv[n++] = "--work";
	argv[n++] = (char *)o->work;
	if (o->upper) {
		argv[n++] = "--upper";
		argv[n++] = (char *)o->upper;
	}
	for (i = 0; i < o->nlowers; i++) {
		argv[n++] = "--lower";
		argv[n++] = (char *)o->lowers[i];
	}
	if (o->options) {
		argv[n++] = "--options";
		argv[n++] = (char *)o->options;
	}
	if (o->userxattr)
		argv[n++] = "--userxattr";
	if (!o->want_volatile)
		argv[n++] = "--no-volatile";
	if (o->discard)
		argv[n++] = "--on-invalid=discard";
	argv[n++] = "--";
	argv[n++] = (char *)target;
	argv[n] = NULL;
	return ovlctl_oci_call(cmd_mount, n, argv);
}

/*
 * Stale filestores go only while the pair is provably unused and the
 * verdict lets the mount go ahead: a refusal changes nothing.
 */
static int clean_filestores(const struct ovlctl_oci *o)
{
	struct ovlctl_pair_opts p;
	struct ovlctl_state st;
	int lock, ret, n;

	ovlctl_oci_pair(o, &p);
	lock = ovlctl_lock_workdir(o->work, true);
	if (lock < 0)
		return ovlctl_fail(OVLCTL_EXIT_ERROR, "locking %s: %s", o->work,
				   strerror(-lock));
	ret = ovlctl_state_gather(&st, &p);
	if (!ret && !st.in.in_use && st.verdict.reason == OVLCTL_OK) {
		n = ovlctl_filestore_clean(st.spec.upper.path);
		if (n < 0)
			ret = ovlctl_fail(
				OVLCTL_EXIT_ERROR,
				"cleaning gVisor filestores in %s: %s",
				st.spec.upper.path, strerror(-n));
	}
	ovlctl_state_free(&st);
	close(lock);
	return ret;
}

static int do_create(const char *real, char **rargv, const struct rt_args *r)
{
	struct ovlctl_gvisor g;
	struct ovlctl_oci o;
	char *target = NULL;
	int ret;

	ret = ovlctl_oci_load(&o, r->bundle ? r->bundle : ".", r->config, NULL);
	if (ret)
		goto out;
	if (!o.ours) {
		ovlctl_oci_free(&o);
		return exec_real(real, rargv);
	}
	ret = ovlctl_gvisor_mode(&g, real, r->overlay2, &o);
	if (ret)
		goto out;
	ovlctl_gvisor_warn(&g, o.upper);
	target = realpath(o.root, NULL);
	if (!target) {
		ret = ovlctl_fail(OVLCTL_EXIT_ERROR, "root.path %s: %s", o.root,
				  strerror(errno));
		goto out;
	}
	if (g.is_gvisor && g.self) {
		ret = clean_filestores(&o);
		if (ret)
			goto out;
	}
	ret = mount_rootfs(&o, target);
	if (ret == OVLCTL_EXIT_OK || ret == OVLCTL_EXIT_DISCARDED) {
		ovlctl_log(OVLCTL_INFO, "container %s: rootfs overlay on %s",
			   r->id ? r->id : "?", target);
		free(target);
		ovlctl_oci_free(&o);
		return exec_real(real, rargv);
	}
	ovlctl_log(
		OVLCTL_ERROR,
		"container %s: the rootfs overlay on %s was not mounted (exit %d): %s not run",
		r->id ? r->id : "?", target, ret, real);
out:
	free(target);
	ovlctl_oci_free(&o);
	return ret;
}

static int do_delete(const char *real, char **rargv, char **args,
		     const struct rt_args *r)
{
	char *bundle, *target, *uargv[4];
	struct ovlctl_oci o;
	int ret, n = 0;

	bundle = r->id ? state_bundle(real, args, r->sub, r->id) : NULL;
	if (!bundle)
		return exec_real(real, rargv);
	ret = ovlctl_oci_load(&o, bundle, NULL, NULL);
	free(bundle);
	if (ret || !o.ours) {
		if (ret)
			ovlctl_log(
				OVLCTL_WARN,
				"container %s: bundle unreadable, root.path left mounted",
				r->id);
		ovlctl_oci_free(&o);
		return exec_real(real, rargv);
	}
	ret = run_wait(real, rargv, -1);
	if (ret) {
		if (ret < 0)
			ret = ovlctl_fail(OVLCTL_EXIT_ERROR, "running %s: %s",
					  real, strerror(-ret));
		goto out;
	}
	target = realpath(o.root, NULL);
	ret = target ? ovlctl_oci_overlay_at(target) : 0;
	if (ret < 0) {
		ret = ovlctl_fail(OVLCTL_EXIT_ERROR, "reading mounts: %s",
				  strerror(-ret));
	} else if (ret == 0) {
		ovlctl_log(OVLCTL_INFO, "container %s: %s is not mounted",
			   r->id, o.root);
	} else {
		uargv[n++] = "umount";
		if (o.seal)
			uargv[n++] = "--seal";
		uargv[n++] = target;
		uargv[n] = NULL;
		ret = ovlctl_oci_call(cmd_umount, n, uargv);
	}
	free(target);
out:
	ovlctl_oci_free(&o);
	return ret;
}

static const char runtime_help[] =
	"Usage:\n"
	" ovlctl runtime --real <runtime> [runtime options] <command> [args]\n"
	"\n"
	"A wrapper OCI runtime: mounts the rootfs overlay a bundle's dev.ovlvol.*\n"
	"annotations ask for before create/run, unmounts it after delete, and\n"
	"passes everything else to the real runtime unchanged.\n"
	"\n"
	"Options:\n"
	"     --real <path>      the real OCI runtime (runc, crun, runsc)\n";

int cmd_runtime(int argc, char **argv)
{
	const char *real = NULL;
	struct rt_args r;
	char **rargv, **args;
	int i = 1, n, ret;

	/* Errors go to stderr and the runtime's log, never to stdout. */
	ovlctl.json = false;
	while (i < argc && !real) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(runtime_help, stdout);
			return OVLCTL_EXIT_OK;
		}
		if (!strcmp(argv[i], "--real") && i + 1 < argc) {
			real = argv[i + 1];
			i += 2;
		} else if (!strncmp(argv[i], "--real=", 7)) {
			real = argv[i++] + 7;
		} else {
			break;
		}
	}
	if (!real || !*real)
		return ovlctl_usage_error("runtime",
					  "--real <runtime> must come first");
	if (i < argc && !strcmp(argv[i], "--"))
		i++;
	if (strchr(real, '/') && access(real, X_OK))
		return ovlctl_fail(OVLCTL_EXIT_ERROR, "real runtime %s: %s",
				   real, strerror(errno));
	args = argv + i;
	n = argc - i;
	rargv = calloc(n + 2, sizeof(*rargv));
	if (!rargv)
		return ovlctl_fail(OVLCTL_EXIT_ERROR, "out of memory");
	rargv[0] = (char *)real;
	memcpy(rargv + 1, args, n * sizeof(*args));
	parse_args(n, args, &r);
	/* Log where the runtime logs, in its format, unless told otherwise. */
	if (r.log && !ovlctl.log) {
		ovlctl.log = fopen(r.log, "ae");
		ovlctl.log_json = r.log_format && !strcmp(r.log_format, "json");
		if (!ovlctl.log)
			ovlctl_log(OVLCTL_WARN, "cannot open the log %s: %s",
				   r.log, strerror(errno));
	}
	if (r.sub < 0) {
		ret = exec_real(real, rargv);
	} else if (!strcmp(args[r.sub], "create") ||
		   !strcmp(args[r.sub], "run")) {
		ret = do_create(real, rargv, &r);
	} else if (!strcmp(args[r.sub], "delete")) {
		ret = do_delete(real, rargv, args, &r);
	} else {
		ret = exec_real(real, rargv);
	}
	free(rargv);
	return ret;
}
