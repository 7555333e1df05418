/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file geo.h
 * The geo table (TABLES_KIND_GEO): what is known about a client address --
 * continent, country, subdivision and coordinates (from a MaxMind DB file that
 * popd reads) and the latency region (from popd's resolver-prefix table) --
 * laid out for an in-place longest-prefix lookup by popdp's workers, with no
 * DPDK, no lock, no allocation and no syscall.
 *
 * # Layout
 * All offsets are from the start of the snapshot file. The snapshot's `top`
 * is a struct geo_top. For each family (IPv4, IPv6):
 * - `ranges`: the address space cut into maximal intervals of equal answer,
 *   sorted: range i starts at its `start` (the first one at 0) and ends just
 *   before range i + 1 starts (the last one at the top of the space); its
 *   `record` is the record index + 1, or 0 where nothing is known. Two
 *   neighbours never carry the same record.
 * - `nodes`: an index tree over the ranges. An entry is either a leaf -- the
 *   first of at most GEO_LEAF_MAX candidate ranges, the one holding the first
 *   address of the entry's block -- or a child node of 2^w entries (w = 1 to
 *   GEO_NODE_WIDTH_MAX) that cuts the entry's block by its next w address
 *   bits. The family's
 *   `root` entry covers the whole space; nodes are laid out in depth-first
 *   order. A lookup follows two or three entries, then binary-searches the
 *   leaf's few candidates, which sit in a cache line or two.
 * Records (struct geo_record) are deduplicated: ranges with the same facts
 * and region share one; region names live once in `regions`.
 *
 * The ECS scope of an answer is the widest prefix around the address that
 * lies inside its range: every address in it gets the same answer.
 *
 * Overlapping input follows longest-prefix match within each source: a
 * database network inside a wider one wins over it, and so does a latency
 * prefix inside a wider latency prefix. The two sources are independent: an
 * address gets its facts from the database and its region from the latency
 * table.
 *
 * # Threads
 * Builder: popd's thread. geo_table_check(): popdp's control thread, once per
 * generation, before workers see the snapshot (and popd, before reading a
 * published table back). geo_lookup(), geo_range_get(): any thread, no
 * syscall, no lock, no allocation.
 */
#ifndef POP_GEO_H
#define POP_GEO_H

#include "tables.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Most distinct records (facts and region combinations) in one table. */
#define GEO_MAX_RECORDS ((1u << 24) - 1)
/** Most ranges, and most index entries, per family. */
#define GEO_MAX_RANGES ((1u << 26) - 1)
/** Most distinct region names in one table. */
#define GEO_MAX_REGIONS 4096u
/** Longest region name, in bytes (NUL excluded). */
#define GEO_REGION_MAX 31u
/** "No region" in struct geo_record. */
#define GEO_REGION_NONE 0xffffu
/** Most candidate ranges of one index leaf. */
#define GEO_LEAF_MAX 16u
/** Most address bits one index node cuts (2^20 entries, 4 MiB). */
#define GEO_NODE_WIDTH_MAX 20u

/** struct geo_record flags. */
#define GEO_RECORD_LOCATION 0x01u /**< latitude_e4 / longitude_e4 are set */

/** An index entry: a child node of 2^width entries at `index` in nodes, or a leaf. */
#define GEO_NODE_CHILD	  0x80000000u
#define GEO_NODE_INDEX(e) ((e)&0x03ffffffu)	     /**< child offset, or first candidate */
#define GEO_NODE_WIDTH(e) ((((e) >> 26) & 31u) + 1u) /**< child: bits it cuts; leaf: candidates */

/* ----------------------------------------------------------------- layout */

/** An IPv4 range: its first address (host order) and record index + 1 (0: none). */
struct geo_v4_range {
	uint32_t start;
	uint32_t record;
};

/** An IPv6 range: its first address as two host-order halves, and record index + 1. */
struct geo_v6_range {
	uint64_t hi, lo;
	uint32_t record;
	uint32_t reserved;
};

/** One family's ranges and index. */
struct geo_family_rec {
	uint32_t n_ranges; /**< at least 1: the ranges cover the whole space */
	uint32_t root;	   /**< the index entry of the whole space */
	uint32_t n_nodes;  /**< uint32_t entries at nodes_off */
	uint32_t reserved;
	uint64_t ranges_off; /**< struct geo_v4_range or geo_v6_range [n_ranges] */
	uint64_t nodes_off;  /**< uint32_t[n_nodes], 0 when none */
};

/** The geo table's top structure. */
struct geo_top {
	struct geo_family_rec v4, v6;
	uint32_t n_records, n_regions;
	uint64_t records_off; /**< struct geo_record[n_records] */
	uint64_t regions_off; /**< struct geo_region[n_regions] */
	/** The database compiled in: popd's id of the load (0: none) and its build time. */
	uint64_t database_load_id;
	uint64_t database_build_epoch;
	uint32_t n_networks;	     /**< database networks given to the builder */
	uint32_t n_latency_prefixes; /**< latency prefixes given to the builder */
};

/** What is known about one range: facts and region. */
struct geo_record {
	int32_t latitude_e4, longitude_e4; /**< degrees x 10^4; 0 without GEO_RECORD_LOCATION */
	uint16_t region;		   /**< index into regions, or GEO_REGION_NONE */
	char continent[2];		   /**< "EU", or two NULs */
	char country[2];		   /**< ISO 3166-1 alpha-2 "DE", or two NULs */
	char subdivision[3];		   /**< ISO 3166-2 "CA", NUL-padded, or NULs */
	uint8_t flags;			   /**< GEO_RECORD_* */
	uint8_t reserved[2];
};

/** A latency region name, NUL-padded. */
struct geo_region {
	char name[GEO_REGION_MAX + 1];
};

/* ---------------------------------------------------------------- builder */

/** Facts about a network, as popd hands them to the builder. */
struct geo_facts {
	char continent[3];   /**< "EU", or "" */
	char country[3];     /**< "DE", or "" */
	char subdivision[4]; /**< 1 to 3 of A-Z 0-9 ("CA"), or "" */
	bool have_location;
	int32_t latitude_e4;  /**< -900000 .. 900000 */
	int32_t longitude_e4; /**< -1800000 .. 1800000 */
};

/** A geo table under construction; opaque. popd only. */
struct geo_builder;

/** Start a geo table. NULL when out of memory. */
struct geo_builder *geo_builder_new(void);

/**
 * Add a database network. Facts are copied; lowercase letters in the codes
 * are taken as uppercase. A network with no fact at all adds nothing.
 * @param family 4 or 6.
 * @param addr the network's address (4 or 16 bytes, network order), host
 *   bits zero.
 * @param len its prefix length.
 * @return 0; -EINVAL for a bad family, length, host bits set or a fact out
 *   of range (codes of the wrong shape, coordinates past the poles);
 *   -ENOMEM.
 */
int geo_builder_add_network(struct geo_builder *gb, uint8_t family, const uint8_t *addr,
			    uint8_t len, const struct geo_facts *facts);

/**
 * Add database facts for the addresses @p first .. @p last (network order,
 * 4 or 16 bytes): as the fewest prefixes that cover them, each added as by
 * geo_builder_add_network() (popd reads a published table back this way).
 * @return 0; -EINVAL for a bad family, @p last before @p first, or facts out
 *   of range; -ENOMEM.
 */
int geo_builder_add_range(struct geo_builder *gb, uint8_t family, const uint8_t *first,
			  const uint8_t *last, const struct geo_facts *facts);

/**
 * Add a latency prefix: addresses in it (and not in a longer latency prefix)
 * get @p region.
 * @param region 1 to GEO_REGION_MAX of a-z 0-9 '-'.
 * @return 0; -EINVAL for a bad prefix or region name; -POP_ELIMIT past
 *   GEO_MAX_REGIONS distinct regions; -ENOMEM.
 */
int geo_builder_add_latency_prefix(struct geo_builder *gb, uint8_t family, const uint8_t *addr,
				   uint8_t len, const char *region);

/** Record which database load the table holds (geo_top database_*). */
void geo_builder_set_database(struct geo_builder *gb, uint64_t load_id, uint64_t build_epoch);

/**
 * Lay the table out into @p tb (a builder of TABLES_KIND_GEO) and set its
 * top. O(n log n) in the networks and prefixes added. Frees @p gb whatever
 * the outcome.
 * @return 0; -EEXIST when one source holds the same prefix twice;
 *   -POP_ELIMIT past GEO_MAX_RECORDS or GEO_MAX_RANGES; -ENOMEM (then @p tb
 *   fails too).
 */
int geo_builder_finish(struct geo_builder *gb, struct tables_builder *tb);

/** Free without finishing. NULL is ignored. */
void geo_builder_free(struct geo_builder *gb);

/* ----------------------------------------------------------------- reader */

/**
 * The answer of geo_lookup(). Same members, in the same order and of the
 * same types, as struct dns_geo_answer in dataplane/dns/dns.h (tables/ does
 * not include the data plane's headers); popdp adapts one to the other.
 */
struct geo_answer {
	char continent[3];   /**< "EU", "" if unknown */
	char country[3];     /**< "DE", "" if unknown */
	char subdivision[4]; /**< "CA" for US states, "" if unknown */
	char region[32];     /**< latency region ("us-east-1"), "" if unknown */
	int32_t latitude_e4, longitude_e4;
	bool have_location;
	uint8_t scope_prefix; /**< the prefix length the answer holds for (ECS scope) */
};

/**
 * Check a geo snapshot's whole structure once per generation, before any
 * lookup: the top, every array in bounds and aligned, the ranges in order
 * from address 0 with a valid record each, the index tree (every node
 * reached once and in layout order, no path cutting more bits than the
 * family has, every leaf naming exactly the range of its block's first
 * address and enough candidates to reach its last), every record (codes,
 * coordinates, flags, region), every region name. The CRC is
 * tables_snapshot_map()'s business; this refuses a snapshot that is sealed
 * but wrong, so lookups never leave the mapping. O(n log n) in its size.
 * @return the top, or NULL (logged with the reason) when the snapshot must be
 *   refused. Control threads.
 */
const struct geo_top *geo_table_check(const struct tables_snapshot *s);

/**
 * Look an address up: the dns_geo_fn of the DNS engine.
 * @param geo_ctx the struct tables_snapshot of a geo table that
 *   geo_table_check() accepted (NULL: nothing is known).
 * @param family 4 or 6. An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is
 *   looked up as IPv4, its scope counted in IPv6 bits.
 * @param addr 4 or 16 bytes, network order.
 * @param out filled in either way: on false everything empty except
 *   scope_prefix, the length of the widest prefix around @p addr over which
 *   nothing is known.
 * @return true when a fact or a region is known. Any thread; no syscall, no
 *   lock, no allocation.
 */
bool geo_lookup(const void *geo_ctx, uint8_t family, const uint8_t *addr, struct geo_answer *out);

/** One range of a table, as geo_range_get() reports it. */
struct geo_range {
	uint8_t family;
	uint8_t first[16]; /**< its first address: 4 or 16 bytes used, network order */
	uint8_t last[16];  /**< its last address */
	bool known;	   /**< a record is attached */
	struct geo_facts facts;
	char region[GEO_REGION_MAX + 1]; /**< "" when none */
};

/**
 * Range @p i of @p family (4 or 6) of a checked table, for walking it in
 * address order (popd reads a published table back; tests and fuzzers).
 * @return 0, or -ERANGE past the family's n_ranges, -EINVAL for a bad family.
 *   Any thread.
 */
int geo_range_get(const struct tables_snapshot *s, const struct geo_top *t, uint8_t family,
		  uint32_t i, struct geo_range *out);

#endif /* POP_GEO_H */
