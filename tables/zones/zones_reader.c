/* SPDX-License-Identifier: BSD-3-Clause */
#include "zones_pvt.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const void *refuse(const struct tables_snapshot *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static const void *refuse(const struct tables_snapshot *s, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	ZONES_LOG(WARNING, "zones snapshot %016" PRIx64 " refused: %s; the previous one stays",
		  s->generation, why);
	return NULL;
}

/* @p n records of @p size bytes at @p off, aligned for @p align; NULL if not. */
static const void *array_at(const struct tables_snapshot *s, uint64_t off, uint64_t n,
			    uint64_t size, uintptr_t align)
{
	const void *p = tables_snapshot_at(s, off, n * size);

	if (p == NULL || ((uintptr_t)p & (align - 1)) != 0)
		return NULL;
	return p;
}

/* Bytes of an optional string: length 0 needs no offset. */
static bool bytes_ok(const struct tables_snapshot *s, uint64_t off, uint64_t len)
{
	return len == 0 || tables_snapshot_at(s, off, len) != NULL;
}

static bool prefixes_ok(const struct tables_snapshot *s, uint64_t off, uint32_t n)
{
	const struct zones_prefix *pfx;

	if (n == 0)
		return true;
	pfx = tables_snapshot_at(s, off, (uint64_t)n * sizeof(*pfx));
	if (pfx == NULL)
		return false;
	for (uint32_t k = 0; k < n; k++)
		if (!((pfx[k].family == 4 && pfx[k].len <= 32) ||
		      (pfx[k].family == 6 && pfx[k].len <= 128)))
			return false;
	return true;
}

static const char *check_zones(const struct tables_snapshot *s, const struct zones_top *t,
			       const struct zones_zone_rec *zones,
			       const struct zones_node_rec *nodes, uint32_t *bad)
{
	uint64_t next_node = 0;

	for (uint32_t i = 0; i < t->n_zones; i++) {
		const struct zones_zone_rec *z = &zones[i];
		const uint8_t *apex = tables_snapshot_at(s, z->apex_off, z->apex_len);
		const struct zones_prefix *pfx;

		*bad = i;
		if (apex == NULL || zones_name_labels(apex, z->apex_len, true) != z->apex_labels)
			return "apex name out of bounds or malformed";
		if (!bytes_ok(s, z->id_off, z->id_len))
			return "id out of bounds";
		if (z->n_prefixes > 0) {
			pfx = tables_snapshot_at(s, z->prefixes_off,
						 (uint64_t)z->n_prefixes * sizeof(*pfx));
			if (pfx == NULL)
				return "prefixes out of bounds";
			for (uint32_t k = 0; k < z->n_prefixes; k++)
				if (!((pfx[k].family == 4 && pfx[k].len <= 32) ||
				      (pfx[k].family == 6 && pfx[k].len <= 128)))
					return "bad prefix";
		}
		if (z->n_xfr_prefixes > ZONES_XFR_PREFIXES_MAX ||
		    !prefixes_ok(s, z->xfr_prefixes_off, z->n_xfr_prefixes))
			return "transfer prefixes out of bounds or bad";
		/* The zones' node ranges tile the node array, in zone order. */
		if (z->first_node != next_node || (uint64_t)z->first_node + z->n_nodes > t->n_nodes)
			return "node range out of order or out of range";
		next_node += z->n_nodes;
		if (z->apex_node >= t->n_nodes || z->apex_node < z->first_node ||
		    z->apex_node - z->first_node >= z->n_nodes)
			return "apex node out of range";
		const struct zones_node_rec *n = &nodes[z->apex_node];
		if (n->zone != i || !(n->flags & ZONES_NODE_APEX) || n->name_len != z->apex_len ||
		    n->labels != z->apex_labels)
			return "apex node is not this zone's apex";
	}
	if (next_node != t->n_nodes) {
		*bad = t->n_zones;
		return "node ranges do not cover every node";
	}
	return NULL;
}

static const char *check_nodes(const struct tables_snapshot *s, const struct zones_top *t,
			       const struct zones_zone_rec *zones,
			       const struct zones_node_rec *nodes, uint32_t *bad)
{
	for (uint32_t i = 0; i < t->n_nodes; i++) {
		const struct zones_node_rec *n = &nodes[i];
		const uint8_t *name = tables_snapshot_at(s, n->name_off, n->name_len);

		*bad = i;
		if (name == NULL)
			return "name out of bounds";
		if (zones_name_labels(name, n->name_len, true) != n->labels)
			return "name malformed or label count wrong";
		if (n->zone >= t->n_zones)
			return "zone out of range";
		const struct zones_zone_rec *z = &zones[n->zone];
		if (i < z->first_node || i - z->first_node >= z->n_nodes)
			return "node outside its zone's node range";
		/* The apex was checked in bounds and well formed with the zones. */
		if (!zones_name_under(name, n->name_len, n->labels,
				      tables_snapshot_at(s, z->apex_off, z->apex_len), z->apex_len,
				      z->apex_labels))
			return "name not under its zone's apex";
		if (n->hash != zones_name_hash(name, n->name_len))
			return "hash does not match the name";
		if ((uint64_t)n->first_rrset + n->n_rrsets > t->n_rrsets)
			return "record sets out of range";
		if (n->next > t->n_nodes)
			return "chain link out of range";
		if (n->flags & ~(ZONES_NODE_HAS_DATA | ZONES_NODE_ENT | ZONES_NODE_APEX |
				 ZONES_NODE_WILDCARD | ZONES_NODE_DELEGATION))
			return "unknown flags";
		if (!(n->flags & ZONES_NODE_HAS_DATA) != (n->n_rrsets == 0) ||
		    !(n->flags & ZONES_NODE_APEX) != (n->labels != z->apex_labels))
			return "flags contradict the node";
	}
	return NULL;
}

static bool slot_ok(uint32_t slot)
{
	return slot < TABLES_LIVE_SLOTS || slot == TABLES_LIVE_NONE;
}

static const char *check_rrsets(const struct tables_snapshot *s, const struct zones_top *t,
				const struct zones_rrset_rec *rrsets, uint32_t *bad)
{
	for (uint32_t i = 0; i < t->n_rrsets; i++) {
		const struct zones_rrset_rec *r = &rrsets[i];
		const uint8_t *rdata = NULL, *target;

		*bad = i;
		if (r->rdata_len > 0) {
			rdata = tables_snapshot_at(s, r->rdata_off, r->rdata_len);
			if (rdata == NULL)
				return "rdata out of bounds";
		}
		if (zones_rdata_check(r->type, rdata, r->rdata_len, r->rdata_count) != 0)
			return "rdata malformed";
		if (!bytes_ok(s, r->set_id_off, r->set_id_len) ||
		    !bytes_ok(s, r->region_off, r->region_len))
			return "string out of bounds";
		if (r->alias_target_len > 0) {
			target = tables_snapshot_at(s, r->alias_target_off, r->alias_target_len);
			if (target == NULL ||
			    zones_name_labels(target, r->alias_target_len, true) < 0)
				return "alias target out of bounds or malformed";
		}
		if (r->type == 0 || r->policy >= ZONES_POLICY_MAX ||
		    r->failover > ZONES_FAILOVER_SECONDARY || r->multivalue > 1 || r->alias > 1 ||
		    r->evaluate_target_health > 1 || r->weight > 255 || r->bias < -99 ||
		    r->bias > 99 || !slot_ok(r->health_slot) || !slot_ok(r->zone_slot))
			return "field out of range";
	}
	return NULL;
}

/* Every node on exactly one chain, the one of its hash; no loop. */
static const char *check_chains(const struct zones_top *t, const struct zones_node_rec *nodes,
				const uint32_t *buckets, uint32_t *bad)
{
	uint64_t *seen = calloc(((size_t)t->n_nodes + 63) / 64 + 1, sizeof(uint64_t));
	const char *why = NULL;
	uint64_t n_seen = 0;

	if (seen == NULL)
		return "out of memory checking chains";
	for (uint32_t b = 0; b < t->n_buckets && why == NULL; b++) {
		*bad = b;
		for (uint32_t v = buckets[b]; v != 0; v = nodes[v - 1].next) {
			uint32_t i = v - 1;
			if (v > t->n_nodes) {
				why = "bucket or chain link out of range";
				break;
			}
			if (seen[i / 64] & (1ull << (i % 64))) {
				why = "chain loop or node on two chains";
				break;
			}
			seen[i / 64] |= 1ull << (i % 64);
			n_seen++;
			if ((nodes[i].hash & (t->n_buckets - 1)) != b) {
				why = "node on the chain of another bucket";
				break;
			}
		}
	}
	if (why == NULL && n_seen != t->n_nodes) {
		*bad = 0;
		why = "node on no chain";
	}
	free(seen);
	return why;
}

const struct zones_top *zones_table_check(const struct tables_snapshot *s)
{
	const struct tables_snapshot_header *h;
	const struct zones_top *t;
	const struct zones_zone_rec *zones;
	const struct zones_node_rec *nodes;
	const struct zones_rrset_rec *rrsets;
	const uint32_t *buckets;
	const char *why;
	uint32_t bad = 0;

	if (s == NULL || s->base == NULL || s->size < sizeof(*h))
		return NULL;
	if (s->kind != TABLES_KIND_ZONES)
		return refuse(s, "a %s snapshot", tables_kind_name(s->kind));
	h = tables_snapshot_header(s);
	t = array_at(s, h->top, 1, sizeof(*t), 8);
	if (t == NULL)
		return refuse(s, "top at %" PRIu64 " out of bounds", h->top);
	if (t->n_buckets == 0 || (t->n_buckets & (t->n_buckets - 1)) != 0)
		return refuse(s, "%u buckets, not a power of two", t->n_buckets);
	zones = array_at(s, t->zones_off, t->n_zones, sizeof(*zones), 8);
	nodes = array_at(s, t->nodes_off, t->n_nodes, sizeof(*nodes), 8);
	rrsets = array_at(s, t->rrsets_off, t->n_rrsets, sizeof(*rrsets), 8);
	buckets = array_at(s, t->buckets_off, t->n_buckets, sizeof(*buckets), 4);
	if (zones == NULL || nodes == NULL || rrsets == NULL || buckets == NULL)
		return refuse(s,
			      "an array out of bounds (zones %u, nodes %u, rrsets %u, buckets %u)",
			      t->n_zones, t->n_nodes, t->n_rrsets, t->n_buckets);
	why = check_zones(s, t, zones, nodes, &bad);
	if (why != NULL)
		return refuse(s, "zone %u: %s", bad, why);
	why = check_nodes(s, t, zones, nodes, &bad);
	if (why != NULL)
		return refuse(s, "node %u: %s", bad, why);
	why = check_rrsets(s, t, rrsets, &bad);
	if (why != NULL)
		return refuse(s, "record set %u: %s", bad, why);
	why = check_chains(t, nodes, buckets, &bad);
	if (why != NULL)
		return refuse(s, "bucket %u: %s", bad, why);
	return t;
}

const struct zones_node_rec *zones_find_node(const struct tables_snapshot *s,
					     const struct zones_top *t, const uint8_t *name,
					     size_t len, const struct zones_node_rec *after)
{
	const struct zones_node_rec *nodes =
	    (const struct zones_node_rec *)(const void *)(s->base + t->nodes_off);
	const uint32_t *buckets = (const uint32_t *)(const void *)(s->base + t->buckets_off);
	uint32_t hash = zones_name_hash(name, len);
	uint32_t v = after != NULL ? after->next : buckets[hash & (t->n_buckets - 1)];

	/* zones_table_check() proved every chain ends; the range test is free. */
	while (v != 0 && v <= t->n_nodes) {
		const struct zones_node_rec *n = &nodes[v - 1];
		if (n->hash == hash && n->name_len == len &&
		    memcmp(s->base + n->name_off, name, len) == 0)
			return n;
		v = n->next;
	}
	return NULL;
}

const struct zones_zone_rec *zones_zone(const struct tables_snapshot *s, const struct zones_top *t,
					uint32_t i)
{
	if (i >= t->n_zones)
		return NULL;
	return (const struct zones_zone_rec *)(const void *)(s->base + t->zones_off) + i;
}

const struct zones_node_rec *zones_node(const struct tables_snapshot *s, const struct zones_top *t,
					uint32_t i)
{
	if (i >= t->n_nodes)
		return NULL;
	return (const struct zones_node_rec *)(const void *)(s->base + t->nodes_off) + i;
}

const struct zones_rrset_rec *zones_rrset(const struct tables_snapshot *s,
					  const struct zones_top *t, uint32_t i)
{
	if (i >= t->n_rrsets)
		return NULL;
	return (const struct zones_rrset_rec *)(const void *)(s->base + t->rrsets_off) + i;
}

const uint8_t *zones_node_name(const struct tables_snapshot *s, const struct zones_node_rec *n)
{
	return s->base + n->name_off;
}

const struct zones_rrset_rec *zones_node_rrset(const struct tables_snapshot *s,
					       const struct zones_top *t,
					       const struct zones_node_rec *n, uint32_t i)
{
	if (i >= n->n_rrsets)
		return NULL;
	return zones_rrset(s, t, n->first_rrset + i);
}

bool zones_prefix_match(const struct zones_prefix *p, size_t n, uint8_t family, const uint8_t *addr)
{
	for (size_t i = 0; i < n; i++) {
		unsigned bits = p[i].len, full = bits / 8, rest = bits % 8;

		if (p[i].family != family || bits > (family == 4 ? 32u : 128u))
			continue;
		if (memcmp(p[i].addr, addr, full) != 0)
			continue;
		if (rest != 0 && ((p[i].addr[full] ^ addr[full]) & (uint8_t)(0xff00u >> rest)) != 0)
			continue;
		return true;
	}
	return false;
}

const struct zones_prefix *zones_zone_xfr_prefixes(const struct tables_snapshot *s,
						   const struct zones_zone_rec *z)
{
	if (z->n_xfr_prefixes == 0)
		return NULL;
	return (const struct zones_prefix *)(const void *)(s->base + z->xfr_prefixes_off);
}
