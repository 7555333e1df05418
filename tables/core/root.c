/* SPDX-License-Identifier: BSD-3-Clause */
#include "tables_pvt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static const char *const kind_names[TABLES_KIND_MAX] = {
    [TABLES_KIND_ZONES] = "zones",
    [TABLES_KIND_EDGE] = "edge",
    [TABLES_KIND_GEO] = "geo",
    [TABLES_KIND_PREFILTER] = "prefilter",
    [TABLES_KIND_INVALIDATIONS] = "invalidations",
};

const char *tables_kind_name(enum tables_kind kind)
{
	if ((unsigned)kind >= TABLES_KIND_MAX)
		return "unknown";
	return kind_names[kind];
}

int tables_kind_parse(const char *name)
{
	if (name == NULL)
		return -EINVAL;
	for (int k = 0; k < TABLES_KIND_MAX; k++)
		if (strcmp(name, kind_names[k]) == 0)
			return k;
	return -EINVAL;
}

/* Why a mapped root is unusable, or 0. */
static int root_validate(const struct tables_root_segment *seg, size_t size)
{
	if (seg == NULL || size < sizeof(*seg) || seg->magic != TABLES_ROOT_MAGIC)
		return -POP_EFORMAT;
	if (seg->format_version != TABLES_FORMAT_VERSION)
		return -POP_EVERSION;
	if (seg->n_kinds < TABLES_KIND_MAX || seg->n_kinds > TABLES_ROOT_KIND_SLOTS ||
	    seg->size != size)
		return -POP_EFORMAT;
	return 0;
}

static int root_install(const char *dir, bool replace)
{
	union {
		struct tables_root_segment seg;
		uint8_t bytes[TABLES_ROOT_SIZE];
	} page;

	memset(&page, 0, sizeof(page));
	page.seg.magic = TABLES_ROOT_MAGIC;
	page.seg.format_version = TABLES_FORMAT_VERSION;
	page.seg.n_kinds = TABLES_KIND_MAX;
	page.seg.size = TABLES_ROOT_SIZE;
	return tables_file_install(dir, TABLES_ROOT_FILE, &page, sizeof(page), 0640, replace);
}

int tables_root_open(const char *dir, bool create, struct tables_root **out)
{
	struct tables_root *root;
	int rc;

	*out = NULL;
	if (dir == NULL || dir[0] == '\0')
		return -EINVAL;
	if (create) {
		rc = tables_mkdir_p(dir, 0750);
		if (rc < 0) {
			TABLES_LOG(WARNING, "cannot create %s: %s", dir, pop_strerror(rc));
			return rc;
		}
	}
	root = calloc(1, sizeof(*root));
	if (root == NULL)
		return -ENOMEM;
	root->dir = strdup(dir);
	if (root->dir == NULL) {
		free(root);
		return -ENOMEM;
	}
	/* A few rounds: another process may create or repair the root meanwhile. */
	for (int attempt = 0; attempt < 8; attempt++) {
		void *map = NULL;
		size_t size = 0;
		bool writable = false;

		rc = tables_file_map(dir, TABLES_ROOT_FILE, &map, &size, &writable);
		if (rc == -ENOENT && create) {
			rc = root_install(dir, false);
			if (rc == 0 || rc == -EEXIST)
				continue;
		}
		if (rc < 0)
			break;
		rc = root_validate(map, size);
		if (rc == 0) {
			root->seg = map;
			root->map_size = size;
			root->writable = writable;
			*out = root;
			return 0;
		}
		if (map != NULL)
			munmap(map, size);
		if (!create) {
			TABLES_LOG(WARNING, "%s/%s refused: %s", dir, TABLES_ROOT_FILE,
				   pop_strerror(rc));
			break;
		}
		TABLES_LOG(WARNING, "%s/%s: %s; reinitialised with every generation at 0", dir,
			   TABLES_ROOT_FILE, pop_strerror(rc));
		rc = root_install(dir, true);
		if (rc < 0)
			break;
	}
	if (rc == 0)
		rc = -EAGAIN;
	free(root->dir);
	free(root);
	return rc;
}

void tables_root_close(struct tables_root *root)
{
	if (root == NULL)
		return;
	munmap(root->seg, root->map_size);
	free(root->dir);
	free(root);
}

const char *tables_root_dir(const struct tables_root *root)
{
	return root->dir;
}

uint64_t tables_root_published(const struct tables_root *root, enum tables_kind kind)
{
	if ((unsigned)kind >= TABLES_KIND_MAX)
		return 0;
	return __atomic_load_n(&root->seg->kinds[kind].published, __ATOMIC_ACQUIRE);
}

uint64_t tables_root_applied(const struct tables_root *root, enum tables_kind kind)
{
	if ((unsigned)kind >= TABLES_KIND_MAX)
		return 0;
	return __atomic_load_n(&root->seg->kinds[kind].applied, __ATOMIC_ACQUIRE);
}

static void root_store(struct tables_root *root, enum tables_kind kind, uint64_t *word,
		       uint64_t gen, const char *what)
{
	static int warned;

	if ((unsigned)kind >= TABLES_KIND_MAX)
		return;
	if (!root->writable) {
		if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
			TABLES_LOG(WARNING, "%s/%s is read-only to this process: %s not recorded",
				   root->dir, TABLES_ROOT_FILE, what);
		return;
	}
	__atomic_store_n(word, gen, __ATOMIC_RELEASE);
}

void tables_root_set_applied(struct tables_root *root, enum tables_kind kind, uint64_t gen)
{
	if ((unsigned)kind >= TABLES_KIND_MAX)
		return;
	root_store(root, kind, &root->seg->kinds[kind].applied, gen, "applied generation");
}

void tables_root_set_published(struct tables_root *root, enum tables_kind kind, uint64_t gen)
{
	if ((unsigned)kind >= TABLES_KIND_MAX)
		return;
	root_store(root, kind, &root->seg->kinds[kind].published, gen, "published generation");
}
