// SPDX-License-Identifier: GPL-2.0
/*
 * The workload of the crash rounds (selftests/vm/fault_guest.sh), and the
 * means to tell a torn upper from an intact one:
 *
 *   fault_crash lower DIR SEED           the lower layer of a pair
 *   fault_crash write DIR SEED FROM TO   ops FROM+1..TO of the data set
 *   fault_crash digest DIR [OUT]         one line per entry under DIR
 *
 * The ops are what a container does to its rootfs: files created, appended,
 * overwritten in place and truncated, renamed, unlinked and hard linked,
 * user xattrs set, directories made, a large sparse file written at random
 * offsets, and fsync(2) (which a volatile overlay ignores). Each op is drawn
 * from SEED alone, against a model of the tree kept in memory, so that ops
 * 1..N always do the same thing and the state after op N is known: replay
 * them on a plain directory holding the same lower and compare digests. A
 * merged view is intact when its digest is that of the state after the
 * last op, rolled back when it is that of the lower alone (nothing of the
 * writes reached the disk: consistent, but every write lost), and torn
 * otherwise (the crash rounds compare with these two states only).
 *
 * The digest names each entry with its type and mode, and for a regular
 * file its size, link count, a hash of its bytes and of its user xattrs
 * (never times or inode numbers, which no replay reproduces). With OUT it
 * is written there and fsync'ed, so it survives the crash that follows.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#define MAX_FILES 4096
#define MAX_DIRS 256
#define MAX_INODES 4096
#define LOWER_FILES 24
#define LOWER_DIRS 4
#define SPARSE_SIZE (64ULL << 20)

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "fault_crash: ");
	vfprintf(stderr, fmt, ap);
	if (errno)
		fprintf(stderr, ": %s", strerror(errno));
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

/* xorshift64*: the only source of randomness, seeded by the caller */
static uint64_t next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static uint64_t below(uint64_t *s, uint64_t n)
{
	return n ? next(s) % n : 0;
}

static uint64_t seeded(uint64_t seed, uint64_t salt)
{
	uint64_t s = (seed ^ (salt * 0x9e3779b97f4a7c15ULL)) | 1;

	next(&s);
	return s;
}

/* The model: names of regular files, each on an inode with a size. */
struct model {
	char file[MAX_FILES][128];
	int ino[MAX_FILES];
	int nfiles;
	uint64_t size[MAX_INODES];
	int ninodes;
	char dir[MAX_DIRS][128];
	int ndirs;
	int sparse; /* the sparse file exists */
};

static const char *dir_of(struct model *m, uint64_t *s)
{
	return m->dir[below(s, m->ndirs)];
}

/* Names deeper than the model holds are a bug of the workload: stop. */
static void setname(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size) {
		errno = 0;
		die("name too long: %s", src);
	}
	memcpy(dst, src, n + 1);
}

static void add_file(struct model *m, const char *name, int ino)
{
	if (m->nfiles >= MAX_FILES) {
		errno = 0;
		die("model full");
	}
	setname(m->file[m->nfiles], sizeof(m->file[0]), name);
	m->ino[m->nfiles++] = ino;
}

static int new_inode(struct model *m, uint64_t size)
{
	if (m->ninodes >= MAX_INODES) {
		errno = 0;
		die("model full");
	}
	m->size[m->ninodes] = size;
	return m->ninodes++;
}

static void drop_file(struct model *m, int i)
{
	m->nfiles--;
	memmove(m->file[i], m->file[m->nfiles], sizeof(m->file[0]));
	m->ino[i] = m->ino[m->nfiles];
}

/* Write @len bytes drawn from @s at @off of @fd (-1: append). */
static void fill(int fd, long long off, uint64_t len, uint64_t *s)
{
	static uint64_t buf[2048];
	uint64_t done = 0, n, i;
	ssize_t w;

	while (done < len) {
		n = len - done < sizeof(buf) ? len - done : sizeof(buf);
		for (i = 0; i < (n + 7) / 8; i++)
			buf[i] = next(s);
		w = off < 0 ? write(fd, buf, n) :
			      pwrite(fd, buf, n, off + (long long)done);
		if (w != (ssize_t)n) {
			if (w >= 0)
				errno = 0;
			die("short write");
		}
		done += n;
	}
}

static void lower_model(struct model *m, uint64_t seed, const char *dir,
			int make)
{
	uint64_t s = seeded(seed, 1), size;
	char path[128];
	int i, fd;

	memset(m, 0, sizeof(*m));
	m->ndirs = 1;
	strcpy(m->dir[0], ".");
	for (i = 0; i < LOWER_DIRS; i++) {
		snprintf(m->dir[m->ndirs++], sizeof(m->dir[0]), "d%d", i);
		snprintf(path, sizeof(path), "%s/d%d", dir, i);
		if (make && mkdir(path, 0755))
			die("mkdir %s", path);
	}
	for (i = 0; i < LOWER_FILES; i++) {
		char name[64];

		snprintf(name, sizeof(name), "%s/l%02d", dir_of(m, &s), i);
		size = below(&s, 64 << 10);
		add_file(m, name, new_inode(m, size));
		if (!make) {
			/* the same draws as when making it */
			s = seeded(seed, 1000 + i);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0)
			die("create %s", path);
		fill(fd, -1, size, &s);
		close(fd);
		s = seeded(seed, 1000 + i);
	}
}

enum {
	OP_CREATE,
	OP_APPEND,
	OP_OVERWRITE,
	OP_TRUNCATE,
	OP_RENAME,
	OP_UNLINK,
	OP_LINK,
	OP_XATTR,
	OP_MKDIR,
	OP_SPARSE,
	OP_FSYNC,
	OP_NR
};
static const int weight[OP_NR] = { 20, 15, 10, 5, 10, 8, 7, 10, 3, 7, 5 };

/* Op @n (from 1): drawn from the seed and the model; done on @dir if set. */
static void op(struct model *m, uint64_t seed, int n, const char *dir)
{
	uint64_t s = seeded(seed, 0x10000 + n), r, len, off;
	char path[512], to[512], name[160], val[64];
	int kind = 0, i, fd;

	r = below(&s, 100);
	while (r >= (uint64_t)weight[kind])
		r -= weight[kind++];
	/* Ops that need a file fall back to creating one. */
	if (m->nfiles < 4 && kind != OP_MKDIR && kind != OP_SPARSE)
		kind = OP_CREATE;
	i = below(&s, m->nfiles);
	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "", m->file[i]);

	switch (kind) {
	case OP_CREATE:
		snprintf(name, sizeof(name), "%s/n%d", dir_of(m, &s), n);
		len = below(&s, 128 << 10);
		add_file(m, name, new_inode(m, len));
		if (!dir)
			break;
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0)
			die("create %s", path);
		fill(fd, -1, len, &s);
		close(fd);
		break;
	case OP_APPEND:
		len = 1 + below(&s, 32 << 10);
		m->size[m->ino[i]] += len;
		if (!dir)
			break;
		fd = open(path, O_WRONLY | O_APPEND);
		if (fd < 0)
			die("open %s", path);
		fill(fd, -1, len, &s);
		close(fd);
		break;
	case OP_OVERWRITE:
		off = below(&s, m->size[m->ino[i]] + 1);
		len = 1 + below(&s, 16 << 10);
		if (off + len > m->size[m->ino[i]])
			m->size[m->ino[i]] = off + len;
		if (!dir)
			break;
		fd = open(path, O_WRONLY);
		if (fd < 0)
			die("open %s", path);
		fill(fd, (long long)off, len, &s);
		close(fd);
		break;
	case OP_TRUNCATE:
		len = below(&s, m->size[m->ino[i]] + 1);
		m->size[m->ino[i]] = len;
		if (dir && truncate(path, (off_t)len))
			die("truncate %s", path);
		break;
	case OP_RENAME:
	case OP_LINK:
		snprintf(name, sizeof(name), "%s/%c%d", dir_of(m, &s),
			 kind == OP_RENAME ? 'r' : 'h', n);
		snprintf(to, sizeof(to), "%s/%s", dir ? dir : "", name);
		if (dir &&
		    (kind == OP_RENAME ? rename(path, to) : link(path, to)))
			die("%s %s %s", kind == OP_RENAME ? "rename" : "link",
			    path, to);
		add_file(m, name, m->ino[i]);
		if (kind == OP_RENAME)
			drop_file(m, i);
		break;
	case OP_UNLINK:
		if (dir && unlink(path))
			die("unlink %s", path);
		drop_file(m, i);
		break;
	case OP_XATTR:
		snprintf(name, sizeof(name), "user.f%d", (int)below(&s, 4));
		len = 1 + below(&s, sizeof(val));
		for (r = 0; r < len; r++)
			val[r] = (char)next(&s);
		if (dir && setxattr(path, name, val, len, 0))
			die("setxattr %s %s", path, name);
		break;
	case OP_MKDIR:
		if (m->ndirs >= MAX_DIRS)
			break;
		snprintf(name, sizeof(name), "%s/m%d", dir_of(m, &s), n);
		setname(m->dir[m->ndirs++], sizeof(m->dir[0]), name);
		snprintf(path, sizeof(path), "%s/%s", dir ? dir : "", name);
		if (dir && mkdir(path, 0755))
			die("mkdir %s", path);
		break;
	case OP_SPARSE:
		off = below(&s, SPARSE_SIZE / 4096 - 4) * 4096;
		len = 4096 * (1 + below(&s, 4));
		if (!dir) {
			m->sparse = 1;
			break;
		}
		snprintf(path, sizeof(path), "%s/sparse", dir);
		fd = open(path, O_WRONLY | O_CREAT, 0644);
		if (fd < 0)
			die("open %s", path);
		if (!m->sparse && ftruncate(fd, SPARSE_SIZE))
			die("ftruncate %s", path);
		m->sparse = 1;
		fill(fd, (long long)off, len, &s);
		close(fd);
		break;
	case OP_FSYNC:
		if (!dir)
			break;
		fd = open(path, O_RDONLY);
		if (fd < 0 || fsync(fd))
			die("fsync %s", path);
		close(fd);
		break;
	}
}

static uint64_t hash(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;
	uint64_t w;

	for (; n >= 8; n -= 8, c += 8) {
		memcpy(&w, c, 8);
		h = (h ^ w) * 0x100000001b3ULL;
		h ^= h >> 29;
	}
	while (n--)
		h = (h ^ *c++) * 0x100000001b3ULL;
	return h;
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every user xattr of @path, sorted, into one hash. */
static uint64_t xattrs(const char *path)
{
	char list[4096], *names[128], val[65536];
	uint64_t h = 14695981039346656037ULL;
	ssize_t n, v;
	int k = 0, i;
	char *p;

	n = llistxattr(path, list, sizeof(list));
	if (n < 0)
		die("listxattr %s", path);
	for (p = list; p < list + n && k < 128; p += strlen(p) + 1)
		if (!strncmp(p, "user.", 5))
			names[k++] = p;
	qsort(names, k, sizeof(names[0]), cmpstr);
	for (i = 0; i < k; i++) {
		v = lgetxattr(path, names[i], val, sizeof(val));
		if (v < 0)
			die("getxattr %s %s", path, names[i]);
		h = hash(h, names[i], strlen(names[i]) + 1);
		h = hash(h, val, v);
	}
	return h;
}

static void digest(FILE *out, const char *top, const char *rel)
{
	char path[4096], *names[MAX_FILES];
	static char buf[1 << 16];
	struct dirent *d;
	struct stat st;
	int k = 0, i, fd;
	ssize_t n;
	DIR *dir;

	snprintf(path, sizeof(path), "%s%s", top, rel);
	dir = opendir(path);
	if (!dir)
		die("opendir %s", path);
	while ((d = readdir(dir)))
		if (strcmp(d->d_name, ".") && strcmp(d->d_name, "..") &&
		    k < MAX_FILES)
			names[k++] = strdup(d->d_name);
	closedir(dir);
	qsort(names, k, sizeof(names[0]), cmpstr);
	for (i = 0; i < k; i++) {
		uint64_t h = 14695981039346656037ULL;
		char sub[4096];

		snprintf(sub, sizeof(sub), "%s/%s", rel, names[i]);
		snprintf(path, sizeof(path), "%s%s", top, sub);
		free(names[i]);
		if (lstat(path, &st))
			die("lstat %s", path);
		if (S_ISDIR(st.st_mode)) {
			fprintf(out, "%s d %o\n", sub, st.st_mode & 07777);
			digest(out, top, sub);
			continue;
		}
		if (!S_ISREG(st.st_mode)) {
			fprintf(out, "%s ? %o\n", sub, st.st_mode);
			continue;
		}
		fd = open(path, O_RDONLY);
		if (fd < 0)
			die("open %s", path);
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			h = hash(h, buf, n);
		if (n < 0)
			die("read %s", path);
		close(fd);
		fprintf(out, "%s f %o %lld %lu %016llx %016llx\n", sub,
			st.st_mode & 07777, (long long)st.st_size,
			(unsigned long)st.st_nlink, (unsigned long long)h,
			(unsigned long long)xattrs(path));
	}
}

static long num(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0) {
		errno = 0;
		die("bad number %s", s);
	}
	return v;
}

int main(int argc, char **argv)
{
	static struct model m;
	const char *cmd = argc > 1 ? argv[1] : "";
	long from, to, n;
	FILE *out;

	if (!strcmp(cmd, "lower") && argc == 4) {
		if (mkdir(argv[2], 0755) && errno != EEXIST)
			die("mkdir %s", argv[2]);
		lower_model(&m, num(argv[3]), argv[2], 1);
		return 0;
	}
	if (!strcmp(cmd, "write") && argc == 6) {
		from = num(argv[4]);
		to = num(argv[5]);
		lower_model(&m, num(argv[3]), NULL, 0);
		for (n = 1; n <= to; n++)
			op(&m, num(argv[3]), n, n > from ? argv[2] : NULL);
		return 0;
	}
	if (!strcmp(cmd, "digest") && (argc == 3 || argc == 4)) {
		out = argc == 4 ? fopen(argv[3], "w") : stdout;
		if (!out)
			die("open %s", argv[3]);
		digest(out, argv[2], "");
		if (fflush(out) || (argc == 4 && fsync(fileno(out))))
			die("writing the digest");
		return 0;
	}
	fprintf(stderr,
		"usage: fault_crash lower DIR SEED | write DIR SEED FROM TO | digest DIR [OUT]\n");
	return 2;
}
