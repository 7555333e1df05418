/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file zones.h
 * The zones table (TABLES_KIND_ZONES): hosted zones and their record sets,
 * laid out for lookup in place by the DNS engine.
 *
 * Names are DNS wire format, uncompressed, with ASCII letters lowercased
 * ("\x03www\x07example\x03com\x00"), at most 255 bytes. Rdata is wire format
 * with uncompressed, lowercased-as-given names; a record set's rdata is a
 * sequence of {16-bit length, network order; that many bytes}.
 *
 * Layout (all offsets from the start of the snapshot file):
 * a struct zones_top (the snapshot's `top`), then arrays of zone, node and
 * rrset records, a bucket array, and the bytes they point to. A string or
 * name of length 0 has offset 0. Record sets of one node are consecutive
 * (first_rrset, n_rrsets), in the order they were added. The bucket array
 * holds n_buckets uint32_t, each the index + 1 of the first node of its
 * chain (0: empty); a node's `next` continues the chain; a node is on the
 * chain of bucket (hash & (n_buckets - 1)), and nodes of one name are on it
 * in index order, which is the order their zones were added in (so
 * zones_find_node() with @p after visits them in that order). Every name that
 * owns a record set has a node; so do the empty non-terminals between an
 * owner and its zone apex (flag ZONES_NODE_ENT), so the engine can tell
 * NODATA from NXDOMAIN. Nodes are keyed by (name) in an open hash table of
 * chains: the same name may have nodes in several zones (a public and a
 * private zone of one name), all on one chain. The nodes of one zone are
 * consecutive (zone record's first_node, n_nodes), zones in the order they
 * were added, so a zone transfer walks its zone's nodes alone.
 */
#ifndef POP_ZONES_H
#define POP_ZONES_H

#include "tables.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZONES_NAME_MAX 255

/** Route 53 routing policies. */
enum zones_policy {
	ZONES_POLICY_SIMPLE = 0,
	ZONES_POLICY_WEIGHTED,
	ZONES_POLICY_LATENCY,
	ZONES_POLICY_FAILOVER,
	ZONES_POLICY_GEOLOCATION,
	ZONES_POLICY_GEOPROXIMITY,
	ZONES_POLICY_MULTIVALUE,
	ZONES_POLICY_MAX
};

enum zones_failover { ZONES_FAILOVER_NONE = 0, ZONES_FAILOVER_PRIMARY, ZONES_FAILOVER_SECONDARY };

/** A source prefix of a private zone. */
struct zones_prefix {
	uint8_t family; /**< 4 or 6 */
	uint8_t len;	/**< prefix length in bits */
	uint8_t addr[16];
};

/** A zone, as popd hands it to the builder. */
struct zones_zone_spec {
	const uint8_t *apex; /**< wire, lowercase */
	size_t apex_len;
	const char *id; /**< the hosted zone id, e.g. "Z1D633PJN98FT9" */
	bool private_zone;
	const struct zones_prefix *prefixes; /**< source prefixes (private zones) */
	size_t n_prefixes;
	/** Clients allowed zone transfers (AXFR, IXFR); none: every transfer refused. */
	const struct zones_prefix *xfr_prefixes;
	size_t n_xfr_prefixes; /**< at most ZONES_XFR_PREFIXES_MAX */
};

/** Most transfer ACL prefixes of one zone. */
#define ZONES_XFR_PREFIXES_MAX 100u

/** A record set, as popd hands it to the builder. Strings may be NULL. */
struct zones_rrset_spec {
	const uint8_t *owner; /**< wire, lowercase, at or under the zone apex */
	size_t owner_len;
	uint16_t type; /**< RR type code (1 A, 28 AAAA, ...) */
	uint32_t ttl;
	enum zones_policy policy;
	const char *set_identifier; /**< NULL for simple */
	uint32_t weight;	    /**< weighted: 0..255 */
	const char *region;	    /**< latency: the region name (rrset rec `region`) */
	enum zones_failover failover;
	char continent[3];   /**< geolocation: "EU", or "" */
	char country[3];     /**< "DE", "*" for the default, or "" */
	char subdivision[4]; /**< "CA" (US states), or "" */
	int32_t latitude_e4; /**< geoproximity: coordinates x 10^4 */
	int32_t longitude_e4;
	/** geoproximity by AWS region, or NULL; stored as the rrset rec's `region`. */
	const char *geoproximity_region;
	int8_t bias; /**< geoproximity: -99..99 */
	bool multivalue;
	uint32_t health_slot; /**< live-state TABLES_LIVE_HEALTH slot, or TABLES_LIVE_NONE */
	uint32_t zone_slot;   /**< live-state TABLES_LIVE_ZONAL_SHIFT slot, or TABLES_LIVE_NONE */
	bool alias;
	bool evaluate_target_health;
	const uint8_t *alias_target; /**< alias: the target's wire name */
	size_t alias_target_len;
	const uint8_t *rdata; /**< {len16, bytes}*: for an alias, the resolved target records */
	size_t rdata_len;
	uint32_t rdata_count;
};

/** A zones table under construction; opaque. popd only. */
struct zones_builder;

/** Start a zones table. NULL when out of memory. */
struct zones_builder *zones_builder_new(void);

/**
 * Add a zone; its apex node exists whether or not it gets record sets.
 * Names may be given in any case: the builder lowercases owners, apexes and
 * alias targets (not names inside rdata). Ids are at most 255 bytes.
 * @return 0 and its index in *zone_index (may be NULL); -EINVAL for a bad
 *   apex, id or prefix; -ENOMEM; -POP_ELIMIT.
 */
int zones_builder_add_zone(struct zones_builder *zb, const struct zones_zone_spec *zone,
			   uint32_t *zone_index);

/**
 * Add a record set to zone @p zone_index; everything is copied. Record sets
 * of one node keep the order they were added in.
 * Checked: the owner is at or under the apex; type is not 0; policy,
 * failover, weight (0..255), bias (-99..99), coordinates, slots (below
 * TABLES_LIVE_SLOTS or TABLES_LIVE_NONE) and codes are in range; strings are
 * at most 255 bytes; rdata is exactly rdata_count entries, each of the right
 * shape for A, AAAA, NS, CNAME, PTR, DNAME, MX, SRV, SOA, TXT, CAA and DS;
 * an alias has a well-formed target. A failed call adds nothing.
 * @return 0; -EINVAL when the owner is not at or under the apex or a field is
 *   out of range; -ENOMEM; -POP_ELIMIT.
 */
int zones_builder_add_rrset(struct zones_builder *zb, uint32_t zone_index,
			    const struct zones_rrset_spec *rrset);

/**
 * Lay the table out into @p tb (nodes, empty non-terminals, hash chains) and
 * set its top. Linear in the number of record sets. Frees @p zb whatever
 * the outcome.
 * @return 0 or a negative error (-ENOMEM, -POP_ELIMIT: @p tb then fails too).
 */
int zones_builder_finish(struct zones_builder *zb, struct tables_builder *tb);

/** Free without finishing. NULL is ignored. */
void zones_builder_free(struct zones_builder *zb);

/* ---------------------------------------------------------------- reader */

#define ZONES_NODE_HAS_DATA   0x01u /**< owns at least one record set */
#define ZONES_NODE_ENT	      0x02u /**< empty non-terminal */
#define ZONES_NODE_APEX	      0x04u /**< the zone's apex */
#define ZONES_NODE_WILDCARD   0x08u /**< first label is "*" */
#define ZONES_NODE_DELEGATION 0x10u /**< NS records below the apex */

struct zones_top {
	uint32_t n_zones, n_nodes, n_rrsets, n_buckets; /**< n_buckets: a power of two */
	uint64_t zones_off, nodes_off, rrsets_off, buckets_off;
};

struct zones_zone_rec {
	uint64_t apex_off, id_off, prefixes_off;
	uint16_t apex_len, id_len;
	uint8_t private_zone, apex_labels;
	uint16_t n_prefixes;
	uint32_t apex_node;
	uint32_t reserved;
	uint64_t xfr_prefixes_off; /**< struct zones_prefix[n_xfr_prefixes]: transfer ACL */
	uint32_t first_node;	   /**< the zone's nodes: [first_node, first_node + n_nodes) */
	uint32_t n_nodes;
	uint16_t n_xfr_prefixes;
	uint8_t reserved2[6];
};

struct zones_node_rec {
	uint64_t name_off;
	uint32_t hash; /**< zones_name_hash() of the name */
	uint32_t zone; /**< index of its zone */
	uint32_t first_rrset, n_rrsets;
	uint32_t next; /**< next node index on the chain + 1, 0 at the end */
	uint16_t name_len;
	uint8_t labels, flags;
};

struct zones_rrset_rec {
	uint64_t rdata_off, set_id_off, region_off, alias_target_off;
	uint32_t rdata_len, rdata_count, ttl, weight;
	uint32_t health_slot, zone_slot;
	int32_t latitude_e4, longitude_e4;
	uint16_t type, set_id_len, region_len, alias_target_len;
	uint8_t policy, failover, multivalue, alias, evaluate_target_health;
	int8_t bias;
	char continent[2], country[2], subdivision[3];
	uint8_t reserved[3];
};

/**
 * Is @p addr (4 or 16 bytes of @p family 4 or 6) in one of @p n prefixes?
 * Any thread; no allocation.
 */
bool zones_prefix_match(const struct zones_prefix *p, size_t n, uint8_t family,
			const uint8_t *addr);

/** The transfer ACL of zone @p z of a checked snapshot (z->n_xfr_prefixes of them). */
const struct zones_prefix *zones_zone_xfr_prefixes(const struct tables_snapshot *s,
						   const struct zones_zone_rec *z);

/** Hash of a lowercase wire name (CRC-32C). Any thread. */
uint32_t zones_name_hash(const uint8_t *name, size_t len);

/**
 * Check a zones snapshot's structure once per generation (every array and
 * every offset within bounds, names well formed) before workers read it:
 * arrays in bounds and aligned; every zone's apex, id, source and transfer
 * prefixes, and node range (the ranges tile the node array in zone order,
 * the apex inside its zone's); every node's name (well formed, lowercase,
 * label count, under its zone's apex, hash), zone (whose node range holds
 * it), record set range, flags; every record set's rdata (as
 * zones_builder_add_rrset() checks it), strings and fields; every node on
 * exactly the chain of its hash, every chain ending. The CRC is
 * tables_snapshot_map()'s business; this catches a snapshot that is sealed
 * but wrong, so that lookups never leave the mapping.
 * @return the top, or NULL (logged) when the snapshot must be refused.
 *   Control thread.
 */
const struct zones_top *zones_table_check(const struct tables_snapshot *s);

/**
 * First node of exactly @p name (lowercase wire) after @p after (NULL to
 * start), over every zone; NULL when none. Workers; no syscall, no lock.
 */
const struct zones_node_rec *zones_find_node(const struct tables_snapshot *s,
					     const struct zones_top *t, const uint8_t *name,
					     size_t len, const struct zones_node_rec *after);

/** Zone, node and rrset records by index (NULL when out of range). Any thread. */
const struct zones_zone_rec *zones_zone(const struct tables_snapshot *s, const struct zones_top *t,
					uint32_t i);
const struct zones_node_rec *zones_node(const struct tables_snapshot *s, const struct zones_top *t,
					uint32_t i);
const struct zones_rrset_rec *zones_rrset(const struct tables_snapshot *s,
					  const struct zones_top *t, uint32_t i);

/** The wire name of a node of a checked snapshot (name_len bytes). Any thread. */
const uint8_t *zones_node_name(const struct tables_snapshot *s, const struct zones_node_rec *n);

/** Record set @p i of node @p n (NULL past its n_rrsets). Any thread. */
const struct zones_rrset_rec *zones_node_rrset(const struct tables_snapshot *s,
					       const struct zones_top *t,
					       const struct zones_node_rec *n, uint32_t i);

#endif /* POP_ZONES_H */
