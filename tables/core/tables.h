/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file tables.h
 * The shared-memory contract between popd (which builds and publishes) and
 * popdp (which reads). Links neither DPDK nor SQLite.
 *
 * # Segments
 * All segments are files in one directory on tmpfs, normally
 * `/run/pop/<instance>/tables/`, so either process can restart and find the
 * other's state:
 * - `root`: magic, format version, and for each table kind the generation of
 *   its current snapshot (published by popd) and the generation every data
 *   plane worker uses (written back by popdp). Each is one naturally aligned
 *   64-bit word accessed atomically; the snapshot of generation G of kind K
 *   is the file `<kind-name>.<G as 16 hex digits>`, so one release-store of G
 *   publishes it.
 * - snapshots: built fully by popd in a temporary file, then made read-only
 *   (mode 0444) and renamed into place *before* the root names them; never
 *   written again. Position independent: a 64-byte header then a body
 *   addressed by offsets from the start of the file, never pointers. The
 *   header carries magic, format version, kind, generation, size and a
 *   CRC-32C of the body; a reader refuses any mismatch with a log line and
 *   keeps its previous generation.
 * - `live`: the live-state segment: arrays of atomic 32-bit words (health
 *   results, routing controls, zonal shifts, weights overrides) that popd
 *   changes in place, with no rebuild, and workers read with relaxed loads.
 *
 * # Generations
 * Generations start at 1 per kind and only grow; 0 means "none yet". popd
 * keeps the last published generation in the root across restarts, so a new
 * popd continues from there. popd unlinks a snapshot file once a newer one is
 * published: a reader that already mapped it keeps its mapping; a reader that
 * opens a generation that has vanished reads the root again. A root that
 * had to be reinitialised (bad magic or version) restarts every kind at 0, so
 * a reader treats any published generation other than the one it uses as
 * new, not only a greater one.
 */
#ifndef POP_TABLES_H
#define POP_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** The kinds of table, each published on its own. */
enum tables_kind {
	TABLES_KIND_ZONES = 0,	   /**< hosted zones and record sets (DNS) */
	TABLES_KIND_EDGE,	   /**< distributions, behaviors, policies (HTTP edge) */
	TABLES_KIND_GEO,	   /**< geo and latency prefix tables */
	TABLES_KIND_PREFILTER,	   /**< XDP and first-stage filter rules */
	TABLES_KIND_INVALIDATIONS, /**< cache invalidations */
	TABLES_KIND_MAX
};

#define TABLES_ROOT_MAGIC     0x544f4f5250504f50ull /* "POPPROOT" little-endian */
#define TABLES_SNAPSHOT_MAGIC 0x50414e5350504f50ull /* "POPPSNAP" */
#define TABLES_LIVE_MAGIC     0x4556494c50504f50ull /* "POPPLIVE" */
#define TABLES_FORMAT_VERSION 2u
/** The largest snapshot a builder makes (bytes, header included). */
#define TABLES_SNAPSHOT_MAX_SIZE (1ull << 34)

/**
 * Stable name of a kind ("zones", "edge", "geo", "prefilter", "invalidations");
 * "unknown" for a value out of range.
 */
const char *tables_kind_name(enum tables_kind kind);

/** Parse a kind name; -EINVAL if unknown. */
int tables_kind_parse(const char *name);

/* ------------------------------------------------------------------ root */

/** An open root segment; opaque. */
struct tables_root;

/**
 * Open (and with @p create, create when absent, mode 0640) the root segment
 * in @p dir, creating @p dir (mode 0750) when @p create is set. A root with a
 * bad magic or version is refused (-POP_EFORMAT / -POP_EVERSION) unless
 * @p create, in which case it is reinitialised (generations 0) and a warning
 * logged. The segment is mapped read-write when the file's mode allows it,
 * read-only otherwise (then publishing fails with -EROFS and
 * tables_root_set_applied() only logs). Control threads of either process.
 * @return 0 and *out; -ENOENT when absent and not @p create; or a negative
 *   error.
 */
int tables_root_open(const char *dir, bool create, struct tables_root **out);

/** Unmap and free. NULL is ignored. */
void tables_root_close(struct tables_root *root);

/** The directory the root lives in. */
const char *tables_root_dir(const struct tables_root *root);

/** The generation popd published for @p kind (acquire load). Any thread. */
uint64_t tables_root_published(const struct tables_root *root, enum tables_kind kind);

/** The generation every data plane worker now uses (acquire load). Any thread. */
uint64_t tables_root_applied(const struct tables_root *root, enum tables_kind kind);

/** popdp: record that every worker uses @p gen (release store). */
void tables_root_set_applied(struct tables_root *root, enum tables_kind kind, uint64_t gen);

/* -------------------------------------------------------------- builder */

/** A snapshot under construction, in memory; opaque. popd only. */
struct tables_builder;

/** Start a snapshot of @p kind. NULL when out of memory or @p kind is invalid. */
struct tables_builder *tables_builder_new(enum tables_kind kind);

/**
 * Reserve @p size zeroed bytes aligned to @p align (a power of two, at most
 * 64) in the body. Offsets are from the start of the file (the header is
 * offset 0), so 0 never names body data and can mean "none".
 * @return the offset, or 0 when out of memory or past the format's limit
 *   (the builder then fails at publish with -ENOMEM / -POP_ELIMIT; a bad
 *   @p align fails it with -EINVAL). Once failed, every later alloc returns 0.
 */
uint64_t tables_builder_alloc(struct tables_builder *b, size_t size, size_t align);

/** Copy @p len bytes into a new allocation (align 1); the offset or 0. */
uint64_t tables_builder_put(struct tables_builder *b, const void *data, size_t len);

/**
 * Address of @p off for writing. Valid only until the next alloc/put (the
 * arena may move). NULL for an offset outside the built part.
 */
void *tables_builder_at(struct tables_builder *b, uint64_t off);

/** 0, or the error that failed the builder (what publish will return). */
int tables_builder_status(const struct tables_builder *b);

/** Bytes built so far, header included. */
size_t tables_builder_size(const struct tables_builder *b);

/** Record where the kind's own top structure lives (header field `top`). */
void tables_builder_set_top(struct tables_builder *b, uint64_t off);

/**
 * Publish: write the snapshot as generation published+1 into the root's
 * directory (temporary file, fill, mode 0444, rename), then release-store the
 * new generation into the root, then unlink snapshots of this kind older
 * than the previous generation (and any of a generation above the new one,
 * left behind by a reinitialised root, and temporary files of dead writers).
 * Frees the builder whatever the outcome. One publisher per kind at a time
 * (popd serialises its publishes); the temporary file never survives a
 * failure.
 * @param gen_out the generation published (may be NULL).
 * @return 0, or a negative error with nothing published: the builder's own
 *   failure (-ENOMEM, -POP_ELIMIT, -EINVAL), -EROFS for a root this process
 *   cannot write, or the errno of the file system.
 */
int tables_builder_publish(struct tables_builder *b, struct tables_root *root, uint64_t *gen_out);

/** Drop a builder without publishing. NULL is ignored. */
void tables_builder_free(struct tables_builder *b);

/* --------------------------------------------------------------- reader */

/** The fixed header at offset 0 of every snapshot file. */
struct tables_snapshot_header {
	uint64_t magic;		 /**< TABLES_SNAPSHOT_MAGIC */
	uint32_t format_version; /**< TABLES_FORMAT_VERSION */
	uint32_t kind;		 /**< enum tables_kind */
	uint64_t generation;
	uint64_t size;	     /**< bytes in the file, header included */
	uint64_t top;	     /**< offset of the kind's top structure, 0 if none */
	uint32_t body_crc;   /**< CRC-32C of bytes [64, size) */
	uint32_t header_crc; /**< CRC-32C of this header with header_crc = 0 */
	uint8_t reserved[16];
};

/** A mapped, validated, read-only snapshot. */
struct tables_snapshot {
	const uint8_t *base; /**< the mapping; header at base */
	size_t size;
	enum tables_kind kind;
	uint64_t generation;
};

/**
 * Map generation @p gen of @p kind from @p dir read-only and validate it
 * (magic, version, kind, generation, size against the file, both CRCs).
 * Refusals are logged once with the reason.
 * @return 0 and *out; -ENOENT when the file is gone (read the root again);
 *   -POP_EFORMAT, -POP_EVERSION, -POP_ECHECKSUM for a bad snapshot.
 *   Control threads only (it makes syscalls).
 */
int tables_snapshot_map(const char *dir, enum tables_kind kind, uint64_t gen,
			struct tables_snapshot **out);

/** Unmap and free. NULL is ignored. Only after no worker can read it. */
void tables_snapshot_unmap(struct tables_snapshot *s);

/** The header of a mapped snapshot. Any thread. */
static inline const struct tables_snapshot_header *
tables_snapshot_header(const struct tables_snapshot *s)
{
	return (const struct tables_snapshot_header *)(const void *)s->base;
}

/**
 * Bounds-checked address of @p len bytes at @p off, or NULL when any part of
 * them is outside the snapshot. Any thread; no syscall.
 */
static inline const void *tables_snapshot_at(const struct tables_snapshot *s, uint64_t off,
					     uint64_t len)
{
	if (off < sizeof(struct tables_snapshot_header) || off > s->size || len > s->size - off)
		return NULL;
	return s->base + off;
}

/** CRC-32C (Castagnoli) of @p len bytes, continuing from @p crc (start with 0). */
uint32_t tables_crc32c(uint32_t crc, const void *data, size_t len);

/* ----------------------------------------------------------- live state */

/** The arrays of the live-state segment. */
enum tables_live_array {
	TABLES_LIVE_HEALTH = 0,	     /**< health-check results: see TABLES_HEALTH_* */
	TABLES_LIVE_ROUTING_CONTROL, /**< ARC routing controls: 1 on, 0 off */
	TABLES_LIVE_ZONAL_SHIFT,     /**< per availability zone: 1 shifted away */
	TABLES_LIVE_WEIGHT,	     /**< operator weight overrides, UINT32_MAX none */
	TABLES_LIVE_ARRAY_MAX
};

#define TABLES_HEALTH_UNKNOWN	0u /**< no result yet */
#define TABLES_HEALTH_HEALTHY	1u
#define TABLES_HEALTH_UNHEALTHY 2u
/** Slots per array; a slot index is assigned by popd and stored in snapshots. */
#define TABLES_LIVE_SLOTS 65536u
#define TABLES_LIVE_NONE  UINT32_MAX /**< "no slot" in a snapshot */

struct tables_live;

/**
 * Open (and with @p create, create zeroed with weights at UINT32_MAX) the
 * live-state segment `live` in @p dir. A segment of another magic, version
 * or size is refused, or with @p create reinitialised with a warning.
 */
int tables_live_open(const char *dir, bool create, struct tables_live **out);

/** Unmap and free. NULL is ignored. */
void tables_live_close(struct tables_live *live);

/**
 * Read a word (relaxed atomic load). Any thread; TABLES_LIVE_NONE (and any
 * slot or array out of range) reads 0.
 */
uint32_t tables_live_get(const struct tables_live *live, enum tables_live_array a, uint32_t slot);

/**
 * Write a word in place (release store). popd only. -ERANGE for a bad slot
 * (TABLES_LIVE_NONE included), -EINVAL for a bad array, -EROFS when this
 * process could only map the segment read-only.
 */
int tables_live_set(struct tables_live *live, enum tables_live_array a, uint32_t slot,
		    uint32_t value);

#endif /* POP_TABLES_H */
