/* SPDX-License-Identifier: BSD-3-Clause */
#include "zones_pvt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/*
 * Everything variable (names, ids, prefixes, strings, rdata) goes into one
 * byte pool, in the order added; the pool is copied as is into the snapshot,
 * so a pool offset plus the pool's place in the snapshot is the snapshot
 * offset. Records are kept in their snapshot shape with pool offsets and
 * fixed up at finish. Nodes are found through an open-addressing map keyed by
 * (zone, name), so building is linear in the number of record sets.
 */

#define NODE_FLAG_NS 0x80u /* builder only: owns an NS record set */
#define NO_NODE	     UINT32_MAX
#define MAX_NODES    (1u << 31) /* n_buckets must stay a 32-bit power of two */

struct zb_node {
	uint64_t name_off; /* in the pool */
	uint32_t hash;	   /* zones_name_hash() */
	uint32_t zone;
	uint32_t n_rrsets, first_rrset;
	uint16_t name_len;
	uint8_t labels, flags;
};

struct zones_builder {
	struct zones_zone_rec *zones; /* offsets into the pool */
	uint32_t n_zones, cap_zones;
	struct zb_node *nodes;
	uint32_t n_nodes, cap_nodes;
	struct zones_rrset_rec *rrsets; /* in the order added; offsets into the pool */
	uint32_t *rrset_node;
	uint32_t n_rrsets, cap_rrsets;
	uint8_t *pool;
	size_t pool_len, pool_cap;
	uint64_t *map; /* (key hash << 32) | (node index + 1); 0 is empty */
	size_t map_cap, map_used;
};

struct zones_builder *zones_builder_new(void)
{
	return calloc(1, sizeof(struct zones_builder));
}

void zones_builder_free(struct zones_builder *zb)
{
	if (zb == NULL)
		return;
	free(zb->zones);
	free(zb->nodes);
	free(zb->rrsets);
	free(zb->rrset_node);
	free(zb->pool);
	free(zb->map);
	free(zb);
}

/* Grow *arr (of @p elem bytes) to hold @p need elements. */
static int grow(void **arr, uint32_t *cap, uint64_t need, size_t elem)
{
	uint64_t c = *cap ? *cap : 16;
	void *p;

	if (need <= *cap)
		return 0;
	if (need > UINT32_MAX)
		return -POP_ELIMIT;
	while (c < need)
		c *= 2;
	if (c > UINT32_MAX)
		c = UINT32_MAX;
	p = realloc(*arr, (size_t)c * elem);
	if (p == NULL)
		return -ENOMEM;
	*arr = p;
	*cap = (uint32_t)c;
	return 0;
}

static int pool_reserve(struct zones_builder *zb, size_t more)
{
	size_t c = zb->pool_cap ? zb->pool_cap : 4096;
	uint8_t *p;

	if (more > TABLES_SNAPSHOT_MAX_SIZE || zb->pool_len + more > TABLES_SNAPSHOT_MAX_SIZE)
		return -POP_ELIMIT;
	if (zb->pool_len + more <= zb->pool_cap)
		return 0;
	while (c < zb->pool_len + more)
		c *= 2;
	p = realloc(zb->pool, c);
	if (p == NULL)
		return -ENOMEM;
	zb->pool = p;
	zb->pool_cap = c;
	return 0;
}

/* Append to the reserved pool; the offset. */
static uint64_t pool_put(struct zones_builder *zb, const void *data, size_t len)
{
	uint64_t off = zb->pool_len;

	if (len > 0)
		memcpy(zb->pool + off, data, len);
	zb->pool_len += len;
	return off;
}

static uint32_t key_hash(uint32_t name_hash, uint32_t zone)
{
	return name_hash ^ (zone * 0x9e3779b1u);
}

static size_t map_slot(uint32_t kh, size_t cap)
{
	/* Fibonacci hashing: CRC bits are linear, the multiply spreads them. */
	return (size_t)(((uint64_t)kh * 0x9e3779b97f4a7c15ull) >> 32) & (cap - 1);
}

static int map_grow(struct zones_builder *zb)
{
	size_t cap = zb->map_cap ? zb->map_cap * 2 : 1024;
	uint64_t *m = calloc(cap, sizeof(*m));

	if (m == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < zb->map_cap; i++) {
		uint64_t v = zb->map[i];
		if (v == 0)
			continue;
		size_t j = map_slot((uint32_t)(v >> 32), cap);
		while (m[j] != 0)
			j = (j + 1) & (cap - 1);
		m[j] = v;
	}
	free(zb->map);
	zb->map = m;
	zb->map_cap = cap;
	return 0;
}

/* Room for one more node in the map and the node array. */
static int node_reserve(struct zones_builder *zb)
{
	int rc;

	if (zb->n_nodes >= MAX_NODES)
		return -POP_ELIMIT;
	if ((zb->map_used + 1) * 2 > zb->map_cap) {
		rc = map_grow(zb);
		if (rc < 0)
			return rc;
	}
	return grow((void **)&zb->nodes, &zb->cap_nodes, (uint64_t)zb->n_nodes + 1,
		    sizeof(*zb->nodes));
}

/*
 * The node of (@p zone, @p name), or NO_NODE with *slot where to insert it.
 * @p name need not be in the pool.
 */
static uint32_t node_find(const struct zones_builder *zb, uint32_t zone, const uint8_t *name,
			  size_t len, uint32_t hash, size_t *slot)
{
	uint32_t kh = key_hash(hash, zone);
	size_t j = map_slot(kh, zb->map_cap);

	for (;; j = (j + 1) & (zb->map_cap - 1)) {
		uint64_t v = zb->map[j];
		if (v == 0)
			break;
		if ((uint32_t)(v >> 32) != kh)
			continue;
		const struct zb_node *n = &zb->nodes[(uint32_t)v - 1];
		if (n->zone == zone && n->name_len == len &&
		    memcmp(zb->pool + n->name_off, name, len) == 0)
			return (uint32_t)v - 1;
	}
	*slot = j;
	return NO_NODE;
}

/* Add a node whose name already sits in the pool at @p name_off. Reserved before. */
static uint32_t node_insert(struct zones_builder *zb, size_t slot, uint32_t zone, uint64_t name_off,
			    size_t len, uint32_t hash, int labels)
{
	uint32_t i = zb->n_nodes++;
	struct zb_node *n = &zb->nodes[i];

	memset(n, 0, sizeof(*n));
	n->name_off = name_off;
	n->hash = hash;
	n->zone = zone;
	n->name_len = (uint16_t)len;
	n->labels = (uint8_t)labels;
	zb->map[slot] = (uint64_t)key_hash(hash, zone) << 32 | (uint64_t)(i + 1);
	zb->map_used++;
	return i;
}

static size_t lower_copy(uint8_t *dst, const uint8_t *src, size_t len)
{
	for (size_t i = 0; i < len; i++)
		dst[i] = (src[i] >= 'A' && src[i] <= 'Z') ? (uint8_t)(src[i] + 32) : src[i];
	return len;
}

static size_t opt_strlen(const char *s)
{
	return s == NULL ? 0 : strnlen(s, ZONES_STRING_MAX + 1);
}

int zones_builder_add_zone(struct zones_builder *zb, const struct zones_zone_spec *zone,
			   uint32_t *zone_index)
{
	uint8_t apex[ZONES_NAME_MAX];
	size_t id_len = opt_strlen(zone->id), slot = 0;
	int labels, rc;

	if (zone->apex == NULL || zone->apex_len > ZONES_NAME_MAX)
		return -EINVAL;
	lower_copy(apex, zone->apex, zone->apex_len);
	labels = zones_name_labels(apex, zone->apex_len, true);
	if (labels < 0 || id_len > ZONES_STRING_MAX || zone->n_prefixes > UINT16_MAX ||
	    (zone->n_prefixes > 0 && zone->prefixes == NULL) ||
	    zone->n_xfr_prefixes > ZONES_XFR_PREFIXES_MAX ||
	    (zone->n_xfr_prefixes > 0 && zone->xfr_prefixes == NULL))
		return -EINVAL;
	for (size_t i = 0; i < zone->n_prefixes; i++) {
		const struct zones_prefix *p = &zone->prefixes[i];
		if (!((p->family == 4 && p->len <= 32) || (p->family == 6 && p->len <= 128)))
			return -EINVAL;
	}
	for (size_t i = 0; i < zone->n_xfr_prefixes; i++) {
		const struct zones_prefix *p = &zone->xfr_prefixes[i];
		if (!((p->family == 4 && p->len <= 32) || (p->family == 6 && p->len <= 128)))
			return -EINVAL;
	}
	rc = grow((void **)&zb->zones, &zb->cap_zones, (uint64_t)zb->n_zones + 1,
		  sizeof(*zb->zones));
	if (rc == 0)
		rc = node_reserve(zb);
	if (rc == 0)
		rc = pool_reserve(zb, zone->apex_len + id_len +
					  (zone->n_prefixes + zone->n_xfr_prefixes) *
					      sizeof(struct zones_prefix));
	if (rc < 0)
		return rc;

	uint32_t zi = zb->n_zones++;
	struct zones_zone_rec *z = &zb->zones[zi];
	uint32_t hash = zones_name_hash(apex, zone->apex_len);
	memset(z, 0, sizeof(*z));
	z->apex_off = pool_put(zb, apex, zone->apex_len);
	z->apex_len = (uint16_t)zone->apex_len;
	z->apex_labels = (uint8_t)labels;
	z->id_off = pool_put(zb, zone->id, id_len);
	z->id_len = (uint16_t)id_len;
	z->private_zone = zone->private_zone;
	z->prefixes_off =
	    pool_put(zb, zone->prefixes, zone->n_prefixes * sizeof(struct zones_prefix));
	z->n_prefixes = (uint16_t)zone->n_prefixes;
	z->xfr_prefixes_off =
	    pool_put(zb, zone->xfr_prefixes, zone->n_xfr_prefixes * sizeof(struct zones_prefix));
	z->n_xfr_prefixes = (uint16_t)zone->n_xfr_prefixes;
	/* Every zone has its apex node, data or not; it is new: the key holds the zone. */
	(void)node_find(zb, zi, apex, zone->apex_len, hash, &slot);
	z->apex_node = node_insert(zb, slot, zi, z->apex_off, zone->apex_len, hash, labels);
	if (zone_index != NULL)
		*zone_index = zi;
	return 0;
}

static bool slot_ok(uint32_t slot)
{
	return slot < TABLES_LIVE_SLOTS || slot == TABLES_LIVE_NONE;
}

/* Copy a NUL-terminated code of at most @p max chars; false if longer. */
static bool code_copy(char *dst, size_t max, const char *src, size_t src_size)
{
	size_t n = strnlen(src, src_size);

	if (n > max)
		return false;
	memcpy(dst, src, n);
	return true;
}

int zones_builder_add_rrset(struct zones_builder *zb, uint32_t zone_index,
			    const struct zones_rrset_spec *rr)
{
	uint8_t owner[ZONES_NAME_MAX], target[ZONES_NAME_MAX];
	struct zones_rrset_rec rec;
	const char *region = rr->region;
	size_t set_id_len, region_len, target_len = 0, slot = 0, need;
	uint32_t node, hash;
	int labels, rc;

	if (zone_index >= zb->n_zones || rr->owner == NULL || rr->owner_len > ZONES_NAME_MAX)
		return -EINVAL;
	const struct zones_zone_rec *z = &zb->zones[zone_index];
	lower_copy(owner, rr->owner, rr->owner_len);
	labels = zones_name_labels(owner, rr->owner_len, true);
	if (labels < 0 || !zones_name_under(owner, rr->owner_len, labels, zb->pool + z->apex_off,
					    z->apex_len, z->apex_labels))
		return -EINVAL;
	/* Geoproximity by AWS region shares the region field with latency. */
	if (rr->policy == ZONES_POLICY_GEOPROXIMITY && rr->geoproximity_region != NULL)
		region = rr->geoproximity_region;
	set_id_len = opt_strlen(rr->set_identifier);
	region_len = opt_strlen(region);
	memset(&rec, 0, sizeof(rec));
	if (rr->type == 0 || (unsigned)rr->policy >= ZONES_POLICY_MAX ||
	    (unsigned)rr->failover > ZONES_FAILOVER_SECONDARY || rr->weight > 255 ||
	    rr->bias < -99 || rr->bias > 99 || rr->latitude_e4 < -900000 ||
	    rr->latitude_e4 > 900000 || rr->longitude_e4 < -1800000 || rr->longitude_e4 > 1800000 ||
	    !slot_ok(rr->health_slot) || !slot_ok(rr->zone_slot) || set_id_len > ZONES_STRING_MAX ||
	    region_len > ZONES_STRING_MAX ||
	    !code_copy(rec.continent, 2, rr->continent, sizeof(rr->continent)) ||
	    !code_copy(rec.country, 2, rr->country, sizeof(rr->country)) ||
	    !code_copy(rec.subdivision, 3, rr->subdivision, sizeof(rr->subdivision)) ||
	    rr->rdata_len > UINT32_MAX ||
	    zones_rdata_check(rr->type, rr->rdata, rr->rdata_len, rr->rdata_count) != 0)
		return -EINVAL;
	if (rr->alias) {
		if (rr->alias_target == NULL || rr->alias_target_len > ZONES_NAME_MAX)
			return -EINVAL;
		target_len = lower_copy(target, rr->alias_target, rr->alias_target_len);
		if (zones_name_labels(target, target_len, true) < 0)
			return -EINVAL;
	}

	/* Reserve everything first, so nothing below can fail halfway. */
	hash = zones_name_hash(owner, rr->owner_len);
	if (zb->n_rrsets == zb->cap_rrsets) {
		uint32_t cap = zb->cap_rrsets;
		rc = grow((void **)&zb->rrsets, &cap, (uint64_t)zb->n_rrsets + 1,
			  sizeof(*zb->rrsets));
		if (rc == 0) {
			/* rrset_node has rrsets' capacity; the larger is committed last. */
			void *p = realloc(zb->rrset_node, (size_t)cap * sizeof(uint32_t));
			rc = p == NULL ? -ENOMEM : 0;
			if (p != NULL) {
				zb->rrset_node = p;
				zb->cap_rrsets = cap;
			}
		}
	} else {
		rc = 0;
	}
	if (rc == 0)
		rc = node_reserve(zb);
	need = rr->owner_len + set_id_len + region_len + target_len + rr->rdata_len;
	if (rc == 0)
		rc = pool_reserve(zb, need);
	if (rc < 0)
		return rc;

	node = node_find(zb, zone_index, owner, rr->owner_len, hash, &slot);
	if (node == NO_NODE)
		node = node_insert(zb, slot, zone_index, pool_put(zb, owner, rr->owner_len),
				   rr->owner_len, hash, labels);
	if (zb->nodes[node].n_rrsets == UINT32_MAX)
		return -POP_ELIMIT;
	zb->nodes[node].n_rrsets++;
	if (rr->type == ZONES_TYPE_NS)
		zb->nodes[node].flags |= NODE_FLAG_NS;

	rec.rdata_off = pool_put(zb, rr->rdata, rr->rdata_len);
	rec.rdata_len = (uint32_t)rr->rdata_len;
	rec.rdata_count = rr->rdata_count;
	rec.set_id_off = pool_put(zb, rr->set_identifier, set_id_len);
	rec.set_id_len = (uint16_t)set_id_len;
	rec.region_off = pool_put(zb, region, region_len);
	rec.region_len = (uint16_t)region_len;
	rec.alias_target_off = pool_put(zb, target, target_len);
	rec.alias_target_len = (uint16_t)target_len;
	rec.ttl = rr->ttl;
	rec.weight = rr->weight;
	rec.health_slot = rr->health_slot;
	rec.zone_slot = rr->zone_slot;
	rec.latitude_e4 = rr->latitude_e4;
	rec.longitude_e4 = rr->longitude_e4;
	rec.type = rr->type;
	rec.policy = (uint8_t)rr->policy;
	rec.failover = (uint8_t)rr->failover;
	rec.multivalue = rr->multivalue;
	rec.alias = rr->alias;
	rec.evaluate_target_health = rr->evaluate_target_health;
	rec.bias = rr->bias;
	zb->rrsets[zb->n_rrsets] = rec;
	zb->rrset_node[zb->n_rrsets] = node;
	zb->n_rrsets++;
	return 0;
}

/*
 * Give every node its parent, up to the apex: each node added here is itself
 * visited later in the loop, so one level per node is enough. The parent's
 * name is a suffix of the child's, already in the pool.
 */
static int add_empty_non_terminals(struct zones_builder *zb)
{
	for (uint32_t i = 0; i < zb->n_nodes; i++) {
		struct zb_node child = zb->nodes[i];
		const struct zones_zone_rec *z = &zb->zones[child.zone];
		size_t slot = 0;
		int rc;

		if (child.labels <= z->apex_labels)
			continue;
		const uint8_t *name = zb->pool + child.name_off;
		size_t skip = 1u + name[0], len = child.name_len - skip;
		uint32_t hash = zones_name_hash(name + skip, len);
		rc = node_reserve(zb);
		if (rc < 0)
			return rc;
		if (node_find(zb, child.zone, name + skip, len, hash, &slot) != NO_NODE)
			continue;
		node_insert(zb, slot, child.zone, child.name_off + skip, len, hash,
			    child.labels - 1);
	}
	return 0;
}

static uint64_t snap_off(uint64_t bytes_off, uint64_t pool_off, uint64_t len)
{
	return len == 0 ? 0 : bytes_off + pool_off;
}

int zones_builder_finish(struct zones_builder *zb, struct tables_builder *tb)
{
	uint64_t top_off, zones_off, nodes_off, rrsets_off, buckets_off, bytes_off;
	uint32_t n_buckets = 1, *order = NULL, *place = NULL;
	int rc;

	rc = add_empty_non_terminals(zb);
	if (rc < 0)
		goto out;
	while (n_buckets < zb->n_nodes)
		n_buckets *= 2;

	/*
	 * Nodes are laid out zone by zone (a counting sort, stable: within a
	 * zone, in the order made), so a transfer walks one zone's nodes only.
	 * order[k] is the builder node at snapshot index k; place[i] the reverse.
	 */
	order = malloc(((size_t)zb->n_nodes + 1) * sizeof(*order));
	place = malloc(((size_t)zb->n_nodes + 1) * sizeof(*place));
	if (order == NULL || place == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < zb->n_zones; i++)
		zb->zones[i].n_nodes = 0;
	for (uint32_t i = 0; i < zb->n_nodes; i++)
		zb->zones[zb->nodes[i].zone].n_nodes++;
	for (uint32_t i = 0, at = 0; i < zb->n_zones; i++) {
		zb->zones[i].first_node = at;
		at += zb->zones[i].n_nodes;
		zb->zones[i].n_nodes = 0; /* the fill cursor below */
	}
	for (uint32_t i = 0; i < zb->n_nodes; i++) {
		struct zones_zone_rec *z = &zb->zones[zb->nodes[i].zone];
		place[i] = z->first_node + z->n_nodes++;
		order[place[i]] = i;
	}
	for (uint32_t i = 0; i < zb->n_zones; i++)
		zb->zones[i].apex_node = place[zb->zones[i].apex_node];

	/* Flags, and where each node's record sets start (in snapshot node order). */
	uint32_t first = 0;
	for (uint32_t k = 0; k < zb->n_nodes; k++) {
		struct zb_node *n = &zb->nodes[order[k]];
		const struct zones_zone_rec *z = &zb->zones[n->zone];
		const uint8_t *name = zb->pool + n->name_off;
		uint8_t f = n->n_rrsets > 0 ? ZONES_NODE_HAS_DATA : ZONES_NODE_ENT;
		if (n->labels == z->apex_labels)
			f |= ZONES_NODE_APEX;
		else if (n->flags & NODE_FLAG_NS)
			f |= ZONES_NODE_DELEGATION;
		if (name[0] == 1 && name[1] == '*')
			f |= ZONES_NODE_WILDCARD;
		n->flags = f;
		n->first_rrset = first;
		first += n->n_rrsets;
	}

	top_off = tables_builder_alloc(tb, sizeof(struct zones_top), 8);
	zones_off =
	    tables_builder_alloc(tb, (size_t)zb->n_zones * sizeof(struct zones_zone_rec), 8);
	nodes_off =
	    tables_builder_alloc(tb, (size_t)zb->n_nodes * sizeof(struct zones_node_rec), 8);
	rrsets_off =
	    tables_builder_alloc(tb, (size_t)zb->n_rrsets * sizeof(struct zones_rrset_rec), 8);
	buckets_off = tables_builder_alloc(tb, (size_t)n_buckets * sizeof(uint32_t), 8);
	bytes_off = tables_builder_alloc(tb, zb->pool_len, 8);
	rc = tables_builder_status(tb);
	if (rc < 0)
		goto out;

	/* No allocation from here on: the addresses stay valid. */
	struct zones_top *top = tables_builder_at(tb, top_off);
	struct zones_zone_rec *zones = tables_builder_at(tb, zones_off);
	struct zones_node_rec *nodes = tables_builder_at(tb, nodes_off);
	struct zones_rrset_rec *rrsets = tables_builder_at(tb, rrsets_off);
	uint32_t *buckets = tables_builder_at(tb, buckets_off);
	uint8_t *bytes = tables_builder_at(tb, bytes_off);

	top->n_zones = zb->n_zones;
	top->n_nodes = zb->n_nodes;
	top->n_rrsets = zb->n_rrsets;
	top->n_buckets = n_buckets;
	top->zones_off = zones_off;
	top->nodes_off = nodes_off;
	top->rrsets_off = rrsets_off;
	top->buckets_off = buckets_off;
	if (zb->pool_len > 0)
		memcpy(bytes, zb->pool, zb->pool_len);

	for (uint32_t i = 0; i < zb->n_zones; i++) {
		struct zones_zone_rec z = zb->zones[i];
		z.apex_off = snap_off(bytes_off, z.apex_off, z.apex_len);
		z.id_off = snap_off(bytes_off, z.id_off, z.id_len);
		z.prefixes_off = snap_off(bytes_off, z.prefixes_off, z.n_prefixes);
		z.xfr_prefixes_off = snap_off(bytes_off, z.xfr_prefixes_off, z.n_xfr_prefixes);
		zones[i] = z;
	}

	/* Record sets grouped by node, in the order added within a node. */
	for (uint32_t i = 0; i < zb->n_rrsets; i++) {
		struct zones_rrset_rec r = zb->rrsets[i];
		r.rdata_off = snap_off(bytes_off, r.rdata_off, r.rdata_len);
		r.set_id_off = snap_off(bytes_off, r.set_id_off, r.set_id_len);
		r.region_off = snap_off(bytes_off, r.region_off, r.region_len);
		r.alias_target_off = snap_off(bytes_off, r.alias_target_off, r.alias_target_len);
		rrsets[zb->nodes[zb->rrset_node[i]].first_rrset++] = r;
	}

	/* Chains in snapshot node order: push each node in front, last node first. */
	for (uint32_t i = zb->n_nodes; i-- > 0;) {
		struct zb_node *n = &zb->nodes[order[i]];
		uint32_t b = n->hash & (n_buckets - 1);
		n->first_rrset -= n->n_rrsets; /* undo the fill cursor above */
		nodes[i] = (struct zones_node_rec){
		    .name_off = bytes_off + n->name_off,
		    .hash = n->hash,
		    .zone = n->zone,
		    .first_rrset = n->first_rrset,
		    .n_rrsets = n->n_rrsets,
		    .next = buckets[b],
		    .name_len = n->name_len,
		    .labels = n->labels,
		    .flags = n->flags,
		};
		buckets[b] = i + 1;
	}
	tables_builder_set_top(tb, top_off);
out:
	free(order);
	free(place);
	if (rc < 0)
		ZONES_LOG(WARNING, "zones table not built: %s", pop_strerror(rc));
	zones_builder_free(zb);
	return rc;
}
