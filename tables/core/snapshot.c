/* SPDX-License-Identifier: BSD-3-Clause */
#include "tables_pvt.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define HEADER_SIZE    sizeof(struct tables_snapshot_header)
#define ARENA_START    (64u * 1024u)
#define GEN_HEX_DIGITS 16

struct tables_builder {
	enum tables_kind kind;
	uint8_t *arena; /* anonymous mapping: grown with mremap, fresh pages are zero */
	size_t size, cap;
	uint64_t top;
	int err; /* sticky: the first failure, reported by publish */
};

static void snapshot_name(char *out, size_t out_size, enum tables_kind kind, uint64_t gen)
{
	snprintf(out, out_size, "%s.%016" PRIx64, tables_kind_name(kind), gen);
}

struct tables_builder *tables_builder_new(enum tables_kind kind)
{
	struct tables_builder *b;

	if ((unsigned)kind >= TABLES_KIND_MAX)
		return NULL;
	b = calloc(1, sizeof(*b));
	if (b == NULL)
		return NULL;
	b->arena =
	    mmap(NULL, ARENA_START, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (b->arena == MAP_FAILED) {
		free(b);
		return NULL;
	}
	b->kind = kind;
	b->cap = ARENA_START;
	b->size = HEADER_SIZE;
	return b;
}

static void builder_fail(struct tables_builder *b, int err)
{
	if (b->err == 0)
		b->err = err;
}

uint64_t tables_builder_alloc(struct tables_builder *b, size_t size, size_t align)
{
	uint64_t off, end;

	if (b == NULL || b->err != 0)
		return 0;
	if (align == 0 || (align & (align - 1)) != 0 || align > 64) {
		builder_fail(b, -EINVAL);
		return 0;
	}
	off = ((uint64_t)b->size + align - 1) & ~((uint64_t)align - 1);
	if (size > TABLES_SNAPSHOT_MAX_SIZE || off + size > TABLES_SNAPSHOT_MAX_SIZE) {
		builder_fail(b, -POP_ELIMIT);
		return 0;
	}
	end = off + size;
	if (end > b->cap) {
		size_t cap = b->cap;
		while (cap < end)
			cap *= 2;
		void *m = mremap(b->arena, b->cap, cap, MREMAP_MAYMOVE);
		if (m == MAP_FAILED) {
			builder_fail(b, -ENOMEM);
			return 0;
		}
		b->arena = m;
		b->cap = cap;
	}
	b->size = (size_t)end;
	return off;
}

uint64_t tables_builder_put(struct tables_builder *b, const void *data, size_t len)
{
	uint64_t off = tables_builder_alloc(b, len, 1);

	if (off != 0 && len > 0)
		memcpy(b->arena + off, data, len);
	return off;
}

void *tables_builder_at(struct tables_builder *b, uint64_t off)
{
	if (b == NULL || off < HEADER_SIZE || off >= b->size)
		return NULL;
	return b->arena + off;
}

int tables_builder_status(const struct tables_builder *b)
{
	return b->err;
}

size_t tables_builder_size(const struct tables_builder *b)
{
	return b->size;
}

void tables_builder_set_top(struct tables_builder *b, uint64_t off)
{
	b->top = off;
}

void tables_builder_free(struct tables_builder *b)
{
	if (b == NULL)
		return;
	munmap(b->arena, b->cap);
	free(b);
}

/* Parse "<16 hex digits>" exactly. */
static bool parse_gen(const char *s, uint64_t *gen)
{
	uint64_t g = 0;

	for (int i = 0; i < GEN_HEX_DIGITS; i++) {
		char c = s[i];
		unsigned d;
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else
			return false;
		g = (g << 4) | d;
	}
	if (s[GEN_HEX_DIGITS] != '\0')
		return false;
	*gen = g;
	return true;
}

/* A temporary file ".<kind>.<gen>.tmp.<pid>.<n>" whose writer has died. */
static bool stale_tmp(const char *name, const char *kind_name, size_t klen)
{
	const char *p;
	char *end;
	long pid;

	if (name[0] != '.' || strncmp(name + 1, kind_name, klen) != 0 || name[1 + klen] != '.')
		return false;
	p = strstr(name + 1 + klen, ".tmp.");
	if (p == NULL)
		return false;
	pid = strtol(p + 5, &end, 10);
	if (end == p + 5 || *end != '.' || pid <= 0)
		return false;
	return pid != (long)getpid() && kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

/*
 * Keep the new generation and the one before (a reader may be between reading
 * the root and opening it); remove older ones, files of a generation beyond
 * the new one (left by a root that was reinitialised) and temporary files of
 * dead writers.
 */
static void snapshot_cleanup(const char *dir, enum tables_kind kind, uint64_t gen)
{
	const char *kind_name = tables_kind_name(kind);
	size_t klen = strlen(kind_name);
	DIR *d = opendir(dir);
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		uint64_t g;
		bool old = strncmp(e->d_name, kind_name, klen) == 0 && e->d_name[klen] == '.' &&
			   parse_gen(e->d_name + klen + 1, &g) && (g + 1 < gen || g > gen);
		if (old || stale_tmp(e->d_name, kind_name, klen)) {
			if (unlinkat(dirfd(d), e->d_name, 0) != 0 && errno != ENOENT)
				TABLES_LOG(WARNING, "cannot remove %s/%s: %s", dir, e->d_name,
					   pop_strerror(-errno));
		}
	}
	closedir(d);
}

int tables_builder_publish(struct tables_builder *b, struct tables_root *root, uint64_t *gen_out)
{
	struct tables_snapshot_header *h;
	char name[64];
	uint64_t gen;
	int rc;

	if (b == NULL)
		return -EINVAL;
	rc = b->err;
	if (rc == 0 && !root->writable)
		rc = -EROFS;
	if (rc == 0 && b->top != 0 && (b->top < HEADER_SIZE || b->top >= b->size))
		rc = -EINVAL;
	if (rc < 0) {
		TABLES_LOG(WARNING, "%s snapshot not published: %s; the current one stays",
			   tables_kind_name(b->kind), pop_strerror(rc));
		tables_builder_free(b);
		return rc;
	}
	gen = tables_root_published(root, b->kind) + 1;
	h = (struct tables_snapshot_header *)b->arena;
	memset(h, 0, sizeof(*h));
	h->magic = TABLES_SNAPSHOT_MAGIC;
	h->format_version = TABLES_FORMAT_VERSION;
	h->kind = (uint32_t)b->kind;
	h->generation = gen;
	h->size = b->size;
	h->top = b->top;
	h->body_crc = tables_crc32c(0, b->arena + HEADER_SIZE, b->size - HEADER_SIZE);
	h->header_crc = tables_crc32c(0, h, sizeof(*h));
	snapshot_name(name, sizeof(name), b->kind, gen);
	rc = tables_file_install(root->dir, name, b->arena, b->size, 0444, true);
	if (rc < 0) {
		TABLES_LOG(WARNING, "%s generation %" PRIu64 " not published: %s/%s: %s",
			   tables_kind_name(b->kind), gen, root->dir, name, pop_strerror(rc));
		tables_builder_free(b);
		return rc;
	}
	/* The file is complete and named before the root names it. */
	tables_root_set_published(root, b->kind, gen);
	snapshot_cleanup(root->dir, b->kind, gen);
	if (gen_out != NULL)
		*gen_out = gen;
	tables_builder_free(b);
	return 0;
}

/* One log line per refused (kind, generation, reason), not one per retry. */
static pthread_mutex_t refusal_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	uint64_t gen;
	int err;
} last_refusal[TABLES_KIND_MAX];

static int refuse(const char *dir, enum tables_kind kind, uint64_t gen, int err, const char *fmt,
		  ...) __attribute__((format(printf, 5, 6)));

static int refuse(const char *dir, enum tables_kind kind, uint64_t gen, int err, const char *fmt,
		  ...)
{
	char why[256];
	va_list ap;
	bool log;

	pthread_mutex_lock(&refusal_lock);
	log = last_refusal[kind].gen != gen || last_refusal[kind].err != err;
	last_refusal[kind].gen = gen;
	last_refusal[kind].err = err;
	pthread_mutex_unlock(&refusal_lock);
	if (log) {
		va_start(ap, fmt);
		vsnprintf(why, sizeof(why), fmt, ap);
		va_end(ap);
		TABLES_LOG(WARNING, "%s snapshot %016" PRIx64 " in %s refused: %s (%s)",
			   tables_kind_name(kind), gen, dir, why, pop_strerror(err));
	}
	return err;
}

static int snapshot_validate(const char *dir, enum tables_kind kind, uint64_t gen,
			     const uint8_t *base, size_t size)
{
	struct tables_snapshot_header h;
	uint32_t crc;

	memcpy(&h, base, sizeof(h));
	if (h.magic != TABLES_SNAPSHOT_MAGIC)
		return refuse(dir, kind, gen, -POP_EFORMAT, "bad magic %016" PRIx64, h.magic);
	if (h.format_version != TABLES_FORMAT_VERSION)
		return refuse(dir, kind, gen, -POP_EVERSION, "format version %u, expected %u",
			      h.format_version, TABLES_FORMAT_VERSION);
	crc = h.header_crc;
	h.header_crc = 0;
	if (tables_crc32c(0, &h, sizeof(h)) != crc)
		return refuse(dir, kind, gen, -POP_ECHECKSUM, "header CRC-32C mismatch");
	if (h.kind != (uint32_t)kind)
		return refuse(dir, kind, gen, -POP_EFORMAT, "kind %s in the file",
			      tables_kind_name((enum tables_kind)h.kind));
	if (h.generation != gen)
		return refuse(dir, kind, gen, -POP_EFORMAT, "generation %016" PRIx64 " in the file",
			      h.generation);
	if (h.size != size)
		return refuse(dir, kind, gen, -POP_EFORMAT,
			      "header says %" PRIu64 " bytes, the file has %zu", h.size, size);
	if (h.top != 0 && (h.top < HEADER_SIZE || h.top >= size))
		return refuse(dir, kind, gen, -POP_EFORMAT, "top offset %" PRIu64 " outside",
			      h.top);
	if (tables_crc32c(0, base + HEADER_SIZE, size - HEADER_SIZE) != h.body_crc)
		return refuse(dir, kind, gen, -POP_ECHECKSUM, "body CRC-32C mismatch");
	return 0;
}

int tables_snapshot_map(const char *dir, enum tables_kind kind, uint64_t gen,
			struct tables_snapshot **out)
{
	char name[64], path[PATH_MAX];
	struct tables_snapshot *s = NULL;
	struct stat st;
	void *map;
	int fd, rc;

	*out = NULL;
	if ((unsigned)kind >= TABLES_KIND_MAX)
		return -EINVAL;
	if (gen == 0)
		return -ENOENT;
	snapshot_name(name, sizeof(name), kind, gen);
	rc = tables_path(path, sizeof(path), dir, name);
	if (rc < 0)
		return rc;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	if ((uint64_t)st.st_size < HEADER_SIZE) {
		close(fd);
		return refuse(dir, kind, gen, -POP_EFORMAT, "%lld bytes, shorter than a header",
			      (long long)st.st_size);
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
	rc = map == MAP_FAILED ? -errno : 0;
	close(fd);
	if (rc < 0)
		return rc;
	rc = snapshot_validate(dir, kind, gen, map, (size_t)st.st_size);
	if (rc == 0) {
		s = malloc(sizeof(*s));
		if (s == NULL)
			rc = -ENOMEM;
	}
	if (rc < 0) {
		munmap(map, (size_t)st.st_size);
		return rc;
	}
	s->base = map;
	s->size = (size_t)st.st_size;
	s->kind = kind;
	s->generation = gen;
	*out = s;
	return 0;
}

void tables_snapshot_unmap(struct tables_snapshot *s)
{
	if (s == NULL)
		return;
	munmap((void *)s->base, s->size);
	free(s);
}
