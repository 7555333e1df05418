/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to tables/core (and its own unit tests): the on-disk layout of the
 * root and live segments, the file helpers shared by root, live and snapshot
 * code, and the two CRC-32C implementations behind tables_crc32c().
 */
#ifndef POP_TABLES_PVT_H
#define POP_TABLES_PVT_H

#include "base.h"
#include "tables.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TABLES_LOG(level, ...) POP_LOG("tables", level, __VA_ARGS__)

/* Room for kinds added later without a format change. */
#define TABLES_ROOT_KIND_SLOTS 16u
#define TABLES_ROOT_FILE       "root"
#define TABLES_LIVE_FILE       "live"

/* One cache line per kind: popd writes `published`, popdp writes `applied`. */
struct tables_root_kind_words {
	uint64_t published;
	uint64_t applied;
	uint64_t reserved[6];
};

struct tables_root_segment {
	uint64_t magic;
	uint32_t format_version;
	uint32_t n_kinds;
	uint64_t size; /* bytes of the file */
	uint8_t reserved[40];
	struct tables_root_kind_words kinds[TABLES_ROOT_KIND_SLOTS];
};

/* A page: the segment and room for growth. */
#define TABLES_ROOT_SIZE 4096u

struct tables_live_segment {
	uint64_t magic;
	uint32_t format_version;
	uint32_t n_arrays;
	uint32_t n_slots;
	uint32_t reserved0;
	uint64_t size; /* bytes of the file */
	uint8_t reserved[32];
	uint32_t words[TABLES_LIVE_ARRAY_MAX][TABLES_LIVE_SLOTS];
};

_Static_assert(sizeof(struct tables_snapshot_header) == 64, "snapshot header is 64 bytes");
_Static_assert(sizeof(struct tables_root_segment) <= TABLES_ROOT_SIZE, "root fits a page");
_Static_assert(offsetof(struct tables_live_segment, words) == 64, "live header is 64 bytes");

/* An open root: the mapping and where it lives. */
struct tables_root {
	char *dir;
	struct tables_root_segment *seg;
	size_t map_size;
	bool writable;
};

/* popd: make @p gen the published generation of @p kind (release store). */
void tables_root_set_published(struct tables_root *root, enum tables_kind kind, uint64_t gen);

/* "<dir>/<name>" into @p out; -ENAMETOOLONG when it does not fit. */
int tables_path(char *out, size_t out_size, const char *dir, const char *name);

/*
 * Write @p len bytes of @p data as file @p name in @p dir: a temporary file
 * written fully, given @p mode, then renamed over @p name (@p replace) or
 * linked to it (not @p replace: -EEXIST if someone was first). The temporary
 * file never survives a failure.
 */
int tables_file_install(const char *dir, const char *name, const void *data, size_t len,
			mode_t mode, bool replace);

/* Map file @p name of @p dir, writable when possible; *size gets its size. */
int tables_file_map(const char *dir, const char *name, void **map, size_t *size, bool *writable);

/* mkdir -p with @p mode for the components created. */
int tables_mkdir_p(const char *dir, mode_t mode);

/* The two implementations, exposed for the unit tests to compare. */
uint32_t tables_crc32c_sw(uint32_t crc, const void *data, size_t len);
/* Hardware CRC-32C (SSE4.2); only when tables_crc32c_hw_available(). */
uint32_t tables_crc32c_hw(uint32_t crc, const void *data, size_t len);
bool tables_crc32c_hw_available(void);

#endif /* POP_TABLES_PVT_H */
