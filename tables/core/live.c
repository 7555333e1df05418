/* SPDX-License-Identifier: BSD-3-Clause */
#include "tables_pvt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

struct tables_live {
	struct tables_live_segment *seg;
	size_t map_size;
	bool writable;
};

static int live_validate(const struct tables_live_segment *seg, size_t size)
{
	if (seg == NULL || size != sizeof(*seg) || seg->magic != TABLES_LIVE_MAGIC)
		return -POP_EFORMAT;
	if (seg->format_version != TABLES_FORMAT_VERSION)
		return -POP_EVERSION;
	if (seg->n_arrays != TABLES_LIVE_ARRAY_MAX || seg->n_slots != TABLES_LIVE_SLOTS ||
	    seg->size != size)
		return -POP_EFORMAT;
	return 0;
}

static int live_install(const char *dir, bool replace)
{
	struct tables_live_segment *seg = calloc(1, sizeof(*seg));
	int rc;

	if (seg == NULL)
		return -ENOMEM;
	seg->magic = TABLES_LIVE_MAGIC;
	seg->format_version = TABLES_FORMAT_VERSION;
	seg->n_arrays = TABLES_LIVE_ARRAY_MAX;
	seg->n_slots = TABLES_LIVE_SLOTS;
	seg->size = sizeof(*seg);
	for (uint32_t i = 0; i < TABLES_LIVE_SLOTS; i++)
		seg->words[TABLES_LIVE_WEIGHT][i] = UINT32_MAX;
	rc = tables_file_install(dir, TABLES_LIVE_FILE, seg, sizeof(*seg), 0640, replace);
	free(seg);
	return rc;
}

int tables_live_open(const char *dir, bool create, struct tables_live **out)
{
	struct tables_live *live;
	int rc;

	*out = NULL;
	if (dir == NULL || dir[0] == '\0')
		return -EINVAL;
	if (create) {
		rc = tables_mkdir_p(dir, 0750);
		if (rc < 0)
			return rc;
	}
	live = calloc(1, sizeof(*live));
	if (live == NULL)
		return -ENOMEM;
	for (int attempt = 0; attempt < 8; attempt++) {
		void *map = NULL;
		size_t size = 0;
		bool writable = false;

		rc = tables_file_map(dir, TABLES_LIVE_FILE, &map, &size, &writable);
		if (rc == -ENOENT && create) {
			rc = live_install(dir, false);
			if (rc == 0 || rc == -EEXIST)
				continue;
		}
		if (rc < 0)
			break;
		rc = live_validate(map, size);
		if (rc == 0) {
			live->seg = map;
			live->map_size = size;
			live->writable = writable;
			*out = live;
			return 0;
		}
		if (map != NULL)
			munmap(map, size);
		if (!create) {
			TABLES_LOG(WARNING, "%s/%s refused: %s", dir, TABLES_LIVE_FILE,
				   pop_strerror(rc));
			break;
		}
		TABLES_LOG(WARNING, "%s/%s: %s; reinitialised (health unknown, no overrides)", dir,
			   TABLES_LIVE_FILE, pop_strerror(rc));
		rc = live_install(dir, true);
		if (rc < 0)
			break;
	}
	if (rc == 0)
		rc = -EAGAIN;
	free(live);
	return rc;
}

void tables_live_close(struct tables_live *live)
{
	if (live == NULL)
		return;
	munmap(live->seg, live->map_size);
	free(live);
}

uint32_t tables_live_get(const struct tables_live *live, enum tables_live_array a, uint32_t slot)
{
	if ((unsigned)a >= TABLES_LIVE_ARRAY_MAX || slot >= TABLES_LIVE_SLOTS)
		return 0;
	return __atomic_load_n(&live->seg->words[a][slot], __ATOMIC_RELAXED);
}

int tables_live_set(struct tables_live *live, enum tables_live_array a, uint32_t slot,
		    uint32_t value)
{
	if ((unsigned)a >= TABLES_LIVE_ARRAY_MAX)
		return -EINVAL;
	if (slot >= TABLES_LIVE_SLOTS)
		return -ERANGE;
	if (!live->writable)
		return -EROFS;
	__atomic_store_n(&live->seg->words[a][slot], value, __ATOMIC_RELEASE);
	return 0;
}
