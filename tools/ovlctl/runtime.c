// SPDX-License-Identifier: GPL-2.0
/*
 * ovlctl runtime --real RUNTIME [ARGS...]: a wrapper OCI runtime, the
 * pattern of NVIDIA's container runtime. For create, run and restore of a
 * bundle whose config.json carries dev.ovlvol.* annotations, mount the
 * rootfs overlay at root.path through `ovlctl mount` (the verdict, the
 * lock, the recorded spec), then exec the real runtime with the arguments
 * unchanged; a refusal exits with ovlctl's status and never runs the real
 * runtime. The argv is read with the real runtime's own option table
 * (runc, crun, runsc; runc's for any other name). For delete, run the real
 * runtime, then unmount root.path (--seal when annotated). Everything
 * else, and every container without the annotations, goes straight to the
 * real runtime.
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

/*
 * An option of a runtime's command line: its long name (NULL: none), its
 * one-letter form (0: none), and whether it takes a value.
 */
struct rt_opt {
	const char *name;
	char letter;
	bool value;
};

/*
 * How a real runtime reads its argv, chosen by its name (the basename of
 * --real). runc (urfave/cli) and runsc (Go's flag package) follow Go's
 * rules: -name and --name alike, a one-letter alias is one more name, the
 * value after '=' or in the next argument, a boolean's only after '='.
 * crun (argp: GNU getopt_long) takes --name[=value] and any unambiguous
 * abbreviation of a name, and -x letters that cluster (-db DIR), the value
 * glued on (-bDIR) or in the next argument. The options of create, run and
 * restore are merged: none takes a value in one and not in another.
 */
struct rt_syntax {
	const char *name;
	bool getopt;
	const struct rt_opt *global; /* before the command */
	const struct rt_opt *create; /* of create, run and restore */
	const struct rt_opt *delete;
};

/* runc: main.go (--criu until 1.1), urfave/cli's --help, --version. */
static const struct rt_opt runc_global[] = {
	{ "debug", 0, false },	   { "log", 0, true },
	{ "log-format", 0, true }, { "root", 0, true },
	{ "criu", 0, true },	   { "systemd-cgroup", 0, false },
	{ "rootless", 0, true },   { "help", 'h', false },
	{ "version", 'v', false }, { NULL, 0, false },
};

/* runc: create.go, run.go, restore.go. */
static const struct rt_opt runc_create[] = {
	{ "bundle", 'b', true },
	{ "console-socket", 0, true },
	{ "pidfd-socket", 0, true },
	{ "pid-file", 0, true },
	{ "preserve-fds", 0, true },
	{ "no-pivot", 0, false },
	{ "no-new-keyring", 0, false },
	{ "detach", 'd', false },
	{ "keep", 0, false },
	{ "no-subreaper", 0, false },
	{ "image-path", 0, true },
	{ "work-path", 0, true },
	{ "tcp-established", 0, false },
	{ "ext-unix-sk", 0, false },
	{ "shell-job", 0, false },
	{ "file-locks", 0, false },
	{ "manage-cgroups-mode", 0, true },
	{ "empty-ns", 0, true },
	{ "auto-dedup", 0, false },
	{ "lazy-pages", 0, false },
	{ "lsm-profile", 0, true },
	{ "lsm-mount-context", 0, true },
	{ "help", 'h', false },
	{ NULL, 0, false },
};

/* runc: delete.go. */
static const struct rt_opt runc_delete[] = {
	{ "force", 'f', false },
	{ "help", 'h', false },
	{ NULL, 0, false },
};

/*
 * crun: src/crun.c, and argp's own --help, --usage, --program-name,
 * --HANG (whose value comes only after '=').
 */
static const struct rt_opt crun_global[] = {
	{ "debug", 0, false },
	{ "cgroup-manager", 0, true },
	{ "systemd-cgroup", 0, false },
	{ "log", 0, true },
	{ "log-format", 0, true },
	{ "log-level", 0, true },
	{ "root", 0, true },
	{ "rootless", 0, true },
	{ "version", 'v', false },
	{ NULL, 'V', false },
	{ "help", '?', false },
	{ "usage", 0, false },
	{ "program-name", 0, true },
	{ "HANG", 0, false },
	{ NULL, 0, false },
};

/*
 * crun: src/create.c, run.c, restore.c, and argp's own. restore's
 * --network-lock is declared without a value, yet its handler takes the
 * next argument (argp_mandatory_argument()).
 */
static const struct rt_opt crun_create[] = {
	{ "bundle", 'b', true },
	{ "config", 'f', true },
	{ "console-socket", 0, true },
	{ "preserve-fds", 0, true },
	{ "pid-file", 0, true },
	{ "no-pivot", 0, false },
	{ "no-subreaper", 0, false },
	{ "no-new-keyring", 0, false },
	{ "detach", 'd', false },
	{ "keep", 0, false },
	{ "image-path", 0, true },
	{ "work-path", 0, true },
	{ "tcp-established", 0, false },
	{ "tcp-close", 0, false },
	{ "ext-unix-sk", 0, false },
	{ "shell-job", 0, false },
	{ "file-locks", 0, false },
	{ "manage-cgroups-mode", 0, true },
	{ "network-lock", 0, true },
	{ "lsm-profile", 0, true },
	{ "lsm-mount-context", 0, true },
	{ "help", '?', false },
	{ "usage", 0, false },
	{ "program-name", 0, true },
	{ "HANG", 0, false },
	{ NULL, 0, false },
};

/* crun: src/delete.c. */
static const struct rt_opt crun_delete[] = {
	{ "force", 'f', false },     { "regex", 'r', false },
	{ "help", '?', false },	     { "usage", 0, false },
	{ "program-name", 0, true }, { "HANG", 0, false },
	{ NULL, 0, false },
};

/*
 * runsc: runsc/config/flags.go and flags_graveyard.go, runsc/cli/cli.go.
 * Every flag that is not a Go bool takes a value (no flag.Value of runsc
 * is a boolean one).
 */
static const struct rt_opt runsc_global[] = {
	/* with a value */
	{ "root", 0, true },
	{ "log", 0, true },
	{ "log-format", 0, true },
	{ "log-fd", 0, true },
	{ "debug-log", 0, true },
	{ "debug-log-fd", 0, true },
	{ "debug-command", 0, true },
	{ "debug-log-format", 0, true },
	{ "panic-log", 0, true },
	{ "panic-log-fd", 0, true },
	{ "coverage-report", 0, true },
	{ "coverage-fd", 0, true },
	{ "pcap-log", 0, true },
	{ "traceback", 0, true },
	{ "metric-server", 0, true },
	{ "final-metrics-log", 0, true },
	{ "profiling-metrics", 0, true },
	{ "profiling-metrics-log", 0, true },
	{ "profiling-metrics-rate-us", 0, true },
	{ "strace-syscalls", 0, true },
	{ "strace-log-size", 0, true },
	{ "platform", 0, true },
	{ "platform_device_path", 0, true },
	{ "watchdog-action", 0, true },
	{ "panic-signal", 0, true },
	{ "profile-block", 0, true },
	{ "profile-cpu", 0, true },
	{ "profile-gc-interval", 0, true },
	{ "profile-heap", 0, true },
	{ "profile-mutex", 0, true },
	{ "trace", 0, true },
	{ "ref-leak-mode", 0, true },
	{ "pod-init-config", 0, true },
	{ "host-settings", 0, true },
	{ "sidecar-release-enforcement-policy", 0, true },
	{ "restore-spec-validation", 0, true },
	{ "control-rpc-stop-timeout", 0, true },
	{ "shared-root", 0, true },
	{ "file-access", 0, true },
	{ "file-access-mounts", 0, true },
	{ "overlay2", 0, true },
	{ "host-uds", 0, true },
	{ "host-fifo", 0, true },
	{ "character-device-policy", 0, true },
	{ "override-procs", 0, true },
	{ "fdlimit", 0, true },
	{ "dcache", 0, true },
	{ "network", 0, true },
	{ "gofer-network-namespace", 0, true },
	{ "qdisc", 0, true },
	{ "qdisc-tbf-rate", 0, true },
	{ "qdisc-tbf-burst", 0, true },
	{ "num-network-channels", 0, true },
	{ "network-processors-per-channel", 0, true },
	{ "EXPERIMENTAL-xdp", 0, true },
	{ "nvproxy-driver-version", 0, true },
	{ "nvproxy-allowed-driver-capabilities", 0, true },
	{ "TESTONLY-test-name-env", 0, true },
	{ "TESTONLY-autosave-image-path", 0, true },
	/* booleans */
	{ "debug", 0, false },
	{ "systemd-cgroup", 0, false },
	{ "log-packets", 0, false },
	{ "debug-to-user-log", 0, false },
	{ "alsologtostderr", 0, false },
	{ "allow-flag-override", 0, false },
	{ "strace", 0, false },
	{ "strace-event", 0, false },
	{ "profile", 0, false },
	{ "rootless", 0, false },
	{ "cpu-num-from-quota", 0, false },
	{ "oci-seccomp", 0, false },
	{ "enable-core-tags", 0, false },
	{ "systrap-disable-syscall-patching", 0, false },
	{ "systrap-disable-fast-path", 0, false },
	{ "allow-suid", 0, false },
	{ "kvm-use-cpu-nums", 0, false },
	{ "allow-rootfs-tar-annotation", 0, false },
	{ "app-huge-pages", 0, false },
	{ "overlay", 0, false },
	{ "gvisor-marker-file", 0, false },
	{ "ignore-cgroups", 0, false },
	{ "mount-cgroup-v2", 0, false },
	{ "iouring", 0, false },
	{ "directfs", 0, false },
	{ "TESTONLY-nftables", 0, false },
	{ "net-raw", 0, false },
	{ "allow-packet-socket-write", 0, false },
	{ "allow-live-tcp-migration", 0, false },
	{ "gso", 0, false },
	{ "software-gso", 0, false },
	{ "gvisor-gro", 0, false },
	{ "tx-checksum-offload", 0, false },
	{ "rx-checksum-offload", 0, false },
	{ "EXPERIMENTAL-xdp-need-wakeup", 0, false },
	{ "reproduce-nat", 0, false },
	{ "reproduce-nftables", 0, false },
	{ "net-disconnect-ok", 0, false },
	{ "pause-external-networking", 0, false },
	{ "allow-connected-on-save", 0, false },
	{ "nvproxy", 0, false },
	{ "nvproxy-docker", 0, false },
	{ "nvproxy-allow-unsupported-driver", 0, false },
	{ "rdmaproxy", 0, false },
	{ "tpuproxy", 0, false },
	{ "TESTONLY-unsafe-nonroot", 0, false },
	{ "TESTONLY-afs-syscall-panic", 0, false },
	{ "TESTONLY-autosave-resume", 0, false },
	{ "buffer-pooling", 0, false },
	{ "vfs2", 0, false },
	{ "fuse", 0, false },
	{ "lisafs", 0, false },
	{ "cgroupfs", 0, false },
	{ "fsgofer-host-uds", 0, false },
	{ "save-restore-netstack", 0, false },
	{ "help", 'h', false },
	{ "version", 0, false },
	{ NULL, 0, false },
};

/* runsc: runsc/cmd/create.go, run.go, restore.go (no one-letter forms). */
static const struct rt_opt runsc_create[] = {
	{ "bundle", 0, true },
	{ "console-socket", 0, true },
	{ "pid-file", 0, true },
	{ "user-log", 0, true },
	{ "fs-restore-image-path", 0, true },
	{ "fs-restore-direct", 0, false },
	{ "detach", 0, false },
	{ "pass-fd", 0, true },
	{ "exec-fd", 0, true },
	{ "image-path", 0, true },
	{ "direct", 0, false },
	{ "background", 0, false },
	{ "no-subreaper", 0, false },
	{ "work-path", 0, true },
	{ "help", 'h', false },
	{ NULL, 0, false },
};

/* runsc: runsc/cmd/delete.go. */
static const struct rt_opt runsc_delete[] = {
	{ "force", 0, false },
	{ "help", 'h', false },
	{ NULL, 0, false },
};

/*
 * By the real runtime's name. Any other name (a wrapper script,
 * nvidia-container-runtime, runsc-debug, ...) gets the first, runc's: its
 * command line is the one the others follow. Where that guess hides the
 * command, refuse_unparsed() refuses an annotated bundle.
 */
static const struct rt_syntax syntaxes[] = {
	{ "runc", false, runc_global, runc_create, runc_delete },
	{ "crun", true, crun_global, crun_create, crun_delete },
	{ "runsc", false, runsc_global, runsc_create, runsc_delete },
};

static const struct rt_syntax *runtime_syntax(const char *real)
{
	const char *base = strrchr(real, '/');
	size_t i;

	base = base ? base + 1 : real;
	for (i = 0; i < sizeof(syntaxes) / sizeof(syntaxes[0]); i++)
		if (!strcmp(base, syntaxes[i].name))
			return &syntaxes[i];
	ovlctl_log(
		OVLCTL_DEBUG,
		"real runtime %s: not runc, crun or runsc; reading its options as runc's",
		base);
	return &syntaxes[0];
}

/* Subcommands of OCI runtimes (and runsc's own), to find the first. */
static const char *const subcommands[] = {
	"checkpoint", "create",	      "delete",	   "events",	"exec",
	"features",   "kill",	      "list",	   "pause",	"ps",
	"restore",    "resume",	      "run",	   "spec",	"start",
	"state",      "update",	      "wait",	   "debug",	"do",
	"tar",	      "port-forward", "mitigate",  "install",	"uninstall",
	"help",	      "flags",	      "symbolize", "statefile", "mounts",
	NULL,
};

/* Only these create a container from a bundle. */
static const char *const creating[] = { "create", "run", "restore", NULL };

static bool in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return true;
	return false;
}

/* An option as found: the table's, or NULL with the name as written. */
struct rt_hit {
	const struct rt_opt *opt;
	char name[64]; /* without dashes or value */
	const char *val; /* NULL: none */
};

static const struct rt_opt *find_letter(const struct rt_opt *t, char c)
{
	for (; t->name || t->letter; t++)
		if (t->letter == c)
			return t;
	return NULL;
}

/* @name (@len bytes): exactly, or (getopt) the one name it abbreviates. */
static const struct rt_opt *find_name(const struct rt_opt *t, const char *name,
				      size_t len, bool abbrev)
{
	const struct rt_opt *o, *hit = NULL;

	for (o = t; o->name || o->letter; o++)
		if (o->name && strlen(o->name) == len &&
		    !strncmp(o->name, name, len))
			return o;
	if (!abbrev) {
		/* Go: a one-letter alias is a name like any other. */
		return len == 1 ? find_letter(t, *name) : NULL;
	}
	for (o = t; o->name || o->letter; o++) {
		if (!o->name || strncmp(o->name, name, len))
			continue;
		if (hit && strcmp(hit->name, o->name))
			return NULL; /* ambiguous: the runtime refuses it */
		hit = o;
	}
	return hit;
}

/* getopt's -xyz: the letters up to the one that takes a value. */
static void scan_letters(const struct rt_opt *t, int n, char **args, int *i,
			 struct rt_hit *h)
{
	const char *a = args[*i] + 1;

	for (; *a; a++) {
		h->opt = find_letter(t, *a);
		snprintf(h->name, sizeof(h->name), "%c", *a);
		if (!h->opt)
			return; /* the runtime refuses it */
		if (!h->opt->value)
			continue;
		if (a[1])
			h->val = a + 1;
		else if (*i + 1 < n)
			h->val = args[++*i];
		return;
	}
}

/*
 * The option at args[*i], from table @t in @syn's rules, into @h; *@i
 * moves past a value taken from the next argument. An option that is not
 * in the table keeps a value after '=' and takes no other.
 */
static void scan_opt(const struct rt_syntax *syn, const struct rt_opt *t, int n,
		     char **args, int *i, struct rt_hit *h)
{
	const char *a = args[*i] + 1, *eq;
	size_t len;

	memset(h, 0, sizeof(*h));
	if (syn->getopt && *a != '-') {
		scan_letters(t, n, args, i, h);
		return;
	}
	if (*a == '-')
		a++;
	eq = strchr(a, '=');
	len = eq ? (size_t)(eq - a) : strlen(a);
	snprintf(h->name, sizeof(h->name), "%.*s", (int)len, a);
	h->opt = find_name(t, a, len, syn->getopt);
	if (eq)
		h->val = eq + 1;
	else if (h->opt && h->opt->value && *i + 1 < n)
		h->val = args[++*i];
	if (!h->opt)
		ovlctl_log(OVLCTL_DEBUG, "%s: option %s is not known here",
			   syn->name, args[*i]);
}

/* The canonical name of what @h found: the table's long name if any. */
static const char *hit_name(const struct rt_hit *h)
{
	return h->opt && h->opt->name ? h->opt->name : h->name;
}

struct rt_args {
	int sub; /* index of the subcommand in args, -1 if none */
	const char *log, *log_format, *overlay2;
	const char *bundle, *config, *id;
};

static void parse_args(const struct rt_syntax *syn, int n, char **args,
		       struct rt_args *r)
{
	const struct rt_opt *t;
	struct rt_hit h;
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
			scan_opt(syn, syn->global, n, args, &i, &h);
			if (!strcmp(hit_name(&h), "log"))
				r->log = h.val;
			else if (!strcmp(hit_name(&h), "log-format"))
				r->log_format = h.val;
			else if (!strcmp(hit_name(&h), "overlay2"))
				r->overlay2 = h.val;
			continue;
		}
		/* A word that is no subcommand: an unknown option's value. */
		if (in_list(a, subcommands)) {
			r->sub = i;
			break;
		}
	}
	if (r->sub >= 0 && in_list(args[r->sub], creating))
		t = syn->create;
	else if (r->sub >= 0 && !strcmp(args[r->sub], "delete"))
		t = syn->delete;
	else
		return;
	for (i = r->sub + 1; i < n; i++) {
		const char *a = args[i];

		if (!strcmp(a, "--")) {
			if (i + 1 < n && !r->id)
				r->id = args[i + 1];
			break;
		}
		if (a[0] == '-' && a[1]) {
			scan_opt(syn, t, n, args, &i, &h);
			if (!strcmp(hit_name(&h), "bundle"))
				r->bundle = h.val;
			else if (!strcmp(hit_name(&h), "config"))
				r->config = h.val;
			continue;
		}
		if (!r->id)
			r->id = a;
	}
}

/*
 * No command was found, yet "create", "run" or "restore" is in the argv:
 * the real runtime may read one as its command where @syn's table did not.
 * When a bundle the argv might name (any --bundle or -b form), or else the
 * current directory, carries our annotations or cannot be read, refuse
 * rather than let it start a container without its overlay.
 */
static int refuse_unparsed(const char *real, const struct rt_syntax *syn, int n,
			   char **args)
{
	const char *cands[16], *a;
	struct ovlctl_oci o;
	bool cmd = false, exists, ours;
	int i, k = 0, ret;
	char *cfg;

	for (i = 0; i < n; i++)
		cmd = cmd || in_list(args[i], creating);
	if (!cmd)
		return 0;
	for (i = 0; i < n && k < 16; i++) {
		a = args[i];
		if (!strcmp(a, "--bundle") || !strcmp(a, "-bundle") ||
		    !strcmp(a, "-b") || !strcmp(a, "--b")) {
			if (i + 1 < n)
				cands[k++] = args[i + 1];
		} else if (!strncmp(a, "--bundle=", 9)) {
			cands[k++] = a + 9;
		} else if (!strncmp(a, "-bundle=", 8)) {
			cands[k++] = a + 8;
		} else if (!strncmp(a, "-b", 2) && a[2]) {
			cands[k++] = a + (a[2] == '=' ? 3 : 2);
		}
	}
	if (!k)
		cands[k++] = ".";
	for (i = 0; i < k; i++) {
		if (asprintf(&cfg, "%s/config.json", cands[i]) < 0)
			return ovlctl_fail(OVLCTL_EXIT_ERROR, "out of memory");
		exists = !access(cfg, F_OK);
		free(cfg);
		if (!exists)
			continue;
		ret = ovlctl_oci_load(&o, cands[i], NULL, NULL);
		ours = !ret && o.ours;
		ovlctl_oci_free(&o);
		if (ret || ours)
			return ovlctl_fail(
				OVLCTL_EXIT_USAGE,
				"no create, run or restore command found in the arguments (read with %s's options), but the bundle %s %s: %s not run",
				syn->name, cands[i],
				ours ? "carries dev.ovlvol.* annotations" :
				       "cannot be read",
				real);
	}
	return 0;
}

static int exec_real(const char *real, char **rargv)
{
	fflush(NULL);
	execvp(real, rargv);
	return ovlctl_fail(OVLCTL_EXIT_ERROR, "exec %s: %s", real,
			   strerror(errno));
}

/*
 * Start @argv, its stdout on @out_fd unless that is -1 (closed here either
 * way): its pid, or -errno.
 */
static pid_t spawn(const char *real, char **argv, int out_fd)
{
	pid_t pid;
	int err;

	fflush(NULL);
	pid = fork();
	if (!pid) {
		if (out_fd >= 0 && dup2(out_fd, STDOUT_FILENO) < 0)
			_exit(127);
		execvp(real, argv);
		fprintf(stderr, "ovlctl: exec %s: %s\n", real, strerror(errno));
		_exit(127);
	}
	err = errno;
	if (out_fd >= 0)
		close(out_fd);
	return pid < 0 ? -err : pid;
}

/* The exit status of @pid (128 + signal), or -errno. */
static int reap(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Run @argv; its exit status (128 + signal), -errno if it did not start. */
static int run_wait(const char *real, char **argv, int out_fd)
{
	pid_t pid = spawn(real, argv, out_fd);

	return pid < 0 ? pid : reap(pid);
}

/* The most of a runtime's `state` output read (it is a few KiB). */
#define STATE_OUT_MAX (16 << 20)

/* `REAL GLOBALS... state ID`: the bundle, or NULL (reported at debug). */
static char *state_bundle(const char *real, char **args, int sub,
			  const char *id)
{
	char **argv = calloc(sub + 4, sizeof(*argv));
	char *buf, *bundle = NULL;
	json_object *st, *b;
	const char *why = NULL;
	size_t len = 0;
	int p[2], i, rc, err;
	pid_t pid;

	if (!argv || pipe2(p, O_CLOEXEC)) {
		free(argv);
		return NULL;
	}
	argv[0] = (char *)real;
	for (i = 0; i < sub; i++)
		argv[i + 1] = args[i];
	argv[sub + 1] = "state";
	argv[sub + 2] = (char *)id;
	pid = spawn(real, argv, p[1]);
	free(argv);
	if (pid < 0) {
		close(p[0]);
		ovlctl_log(OVLCTL_DEBUG, "%s state %s: %s", real, id,
			   strerror(-pid));
		return NULL;
	}
	/*
	 * To the end, then reap: waiting first deadlocks once the output
	 * fills the pipe. Past the maximum, closing makes the writer stop.
	 */
	buf = ovlctl_read_all(p[0], STATE_OUT_MAX, &len);
	err = errno;
	close(p[0]);
	rc = reap(pid);
	if (rc || !buf) {
		if (rc)
			ovlctl_log(OVLCTL_DEBUG, "%s state %s: exit %d", real,
				   id, rc);
		else
			ovlctl_log(OVLCTL_DEBUG, "%s state %s: reading: %s",
				   real, id, strerror(err));
		free(buf);
		return NULL;
	}
	st = ovlctl_json_parse(buf, len, &why);
	free(buf);
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
		n = ovlctl_filestore_clean(st.upper_fd, st.spec.upper.path);
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
	/*
	 * The container chose these layers: every one, given or recorded,
	 * must lie beneath a root of ovlctl.conf, and the options must be
	 * ones it allows.
	 */
	ovlctl.confine = true;
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
	/*
	 * The container is gone all the same. An engine takes a failed
	 * delete for a container still there and deletes it again, which
	 * the real runtime then fails: exit 0, and say what is left.
	 */
	if (ret) {
		ovlctl_log(
			OVLCTL_WARN,
			"container %s was deleted, but its rootfs overlay %s is still mounted (exit %d): unmount it with ovlctl umount%s",
			r->id, target ? target : o.root, ret,
			o.seal ? " --seal" : "");
		ret = OVLCTL_EXIT_OK;
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
	"annotations ask for before create/run/restore, unmounts it after delete,\n"
	"and passes everything else to the real runtime unchanged.\n"
	"\n"
	"Options:\n"
	"     --real <path>      the real OCI runtime (runc, crun, runsc)\n";

int cmd_runtime(int argc, char **argv)
{
	const struct rt_syntax *syn;
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
	syn = runtime_syntax(real);
	parse_args(syn, n, args, &r);
	/* Log where the runtime logs, in its format, unless told otherwise. */
	if (r.log && !ovlctl.log) {
		ovlctl.log = fopen(r.log, "ae");
		ovlctl.log_json = r.log_format && !strcmp(r.log_format, "json");
		if (!ovlctl.log)
			ovlctl_log(OVLCTL_WARN, "cannot open the log %s: %s",
				   r.log, strerror(errno));
	}
	if (r.sub < 0) {
		ret = refuse_unparsed(real, syn, n, args);
		if (!ret)
			ret = exec_real(real, rargv);
	} else if (in_list(args[r.sub], creating)) {
		ret = do_create(real, rargv, &r);
	} else if (!strcmp(args[r.sub], "delete")) {
		ret = do_delete(real, rargv, args, &r);
	} else {
		ret = exec_real(real, rargv);
	}
	free(rargv);
	return ret;
}
