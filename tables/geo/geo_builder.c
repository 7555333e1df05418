/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The geo table builder. Each source (database networks, latency prefixes)
 * is first flattened on its own into a partition of the address space by
 * longest-prefix match; the two partitions are then walked together into
 * maximal ranges of one record, and an index tree is cut over the ranges
 * until every leaf holds a few candidates.
 */
#include "geo_pvt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A prefix of either source, or a finished range; 24 bytes, not 32 as a __int128 would be. */
struct geo_net {
	uint64_t hi, lo;
	uint32_t value; /* source: facts or region index + 1; range: record index + 1 */
	uint8_t len;
};

struct geo_net_vec {
	struct geo_net *v;
	size_t n, cap;
};

/* One piece of a source's partition: it ends at `end`, starts after the previous one. */
struct geo_seg {
	geo_u128 end;
	uint32_t value;
};

struct geo_seg_vec {
	struct geo_seg *v;
	size_t n, cap;
};

struct geo_builder {
	struct geo_net_vec nets[2], latency[2]; /* [0] IPv4, [1] IPv6 */
	/* Distinct facts, as records without a region, and a set to find them again. */
	struct geo_record *facts;
	size_t n_facts, cap_facts;
	uint32_t *facts_slots; /* facts index + 1, 0 empty; a power of two */
	size_t n_facts_slots;
	struct geo_region *regions;
	uint32_t n_regions;
	size_t cap_regions;
	uint64_t load_id, build_epoch;
	uint32_t n_networks, n_latency;
};

static inline geo_u128 net_start(const struct geo_net *n)
{
	return ((geo_u128)n->hi << 64) | n->lo;
}

static bool grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t c = *cap ? *cap : 64;
	void *q;

	if (need <= *cap)
		return true;
	while (c < need)
		c *= 2;
	q = realloc(*p, c * elem);
	if (q == NULL)
		return false;
	*p = q;
	*cap = c;
	return true;
}

static int net_push(struct geo_net_vec *vec, geo_u128 start, uint8_t len, uint32_t value)
{
	if (!grow((void **)&vec->v, &vec->cap, vec->n + 1, sizeof(*vec->v)))
		return -ENOMEM;
	vec->v[vec->n++] = (struct geo_net){
	    .hi = (uint64_t)(start >> 64), .lo = (uint64_t)start, .value = value, .len = len};
	return 0;
}

static int seg_push(struct geo_seg_vec *vec, geo_u128 end, uint32_t value)
{
	if (!grow((void **)&vec->v, &vec->cap, vec->n + 1, sizeof(*vec->v)))
		return -ENOMEM;
	vec->v[vec->n++] = (struct geo_seg){.end = end, .value = value};
	return 0;
}

struct geo_builder *geo_builder_new(void)
{
	struct geo_builder *gb = calloc(1, sizeof(*gb));

	if (gb == NULL)
		return NULL;
	gb->n_facts_slots = 1024;
	gb->facts_slots = calloc(gb->n_facts_slots, sizeof(*gb->facts_slots));
	if (gb->facts_slots == NULL) {
		free(gb);
		return NULL;
	}
	return gb;
}

void geo_builder_free(struct geo_builder *gb)
{
	if (gb == NULL)
		return;
	for (int f = 0; f < 2; f++) {
		free(gb->nets[f].v);
		free(gb->latency[f].v);
	}
	free(gb->facts);
	free(gb->facts_slots);
	free(gb->regions);
	free(gb);
}

void geo_builder_set_database(struct geo_builder *gb, uint64_t load_id, uint64_t build_epoch)
{
	gb->load_id = load_id;
	gb->build_epoch = build_epoch;
}

/* A prefix as an integer of its family's space; -EINVAL for a bad one. */
static int prefix_parse(uint8_t family, const uint8_t *addr, uint8_t len, geo_u128 *start)
{
	unsigned bits = geo_family_bits(family), n = family == 4 ? 4 : 16;
	geo_u128 a = 0;

	if ((family != 4 && family != 6) || addr == NULL || len > bits)
		return -EINVAL;
	for (unsigned i = 0; i < n; i++)
		a = (a << 8) | addr[i];
	if ((a & geo_host_mask(bits, len)) != 0)
		return -EINVAL;
	*start = a;
	return 0;
}

/* Copy a code into a fixed NUL-padded field, uppercased; false when it does not fit its shape. */
static bool code_copy(char *dst, size_t size, const char *src, size_t min, bool digits)
{
	size_t n = strnlen(src, size + 1);

	if (n > size)
		return false;
	memset(dst, 0, size);
	for (size_t i = 0; i < n; i++)
		dst[i] = (src[i] >= 'a' && src[i] <= 'z') ? (char)(src[i] - 'a' + 'A') : src[i];
	return geo_code_ok(dst, size, min, digits);
}

static uint32_t record_hash(const struct geo_record *r)
{
	return tables_crc32c(0, r, sizeof(*r));
}

static int facts_rehash(struct geo_builder *gb)
{
	size_t n = gb->n_facts_slots * 2;
	uint32_t *slots = calloc(n, sizeof(*slots));

	if (slots == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < gb->n_facts; i++) {
		size_t k = record_hash(&gb->facts[i]) & (n - 1);
		while (slots[k] != 0)
			k = (k + 1) & (n - 1);
		slots[k] = (uint32_t)i + 1;
	}
	free(gb->facts_slots);
	gb->facts_slots = slots;
	gb->n_facts_slots = n;
	return 0;
}

/* The index + 1 of facts @p r, added when new. */
static int facts_intern(struct geo_builder *gb, const struct geo_record *r, uint32_t *value)
{
	size_t mask = gb->n_facts_slots - 1, k = record_hash(r) & mask;

	for (; gb->facts_slots[k] != 0; k = (k + 1) & mask) {
		uint32_t i = gb->facts_slots[k] - 1;
		if (memcmp(&gb->facts[i], r, sizeof(*r)) == 0) {
			*value = i + 1;
			return 0;
		}
	}
	if (gb->n_facts >= GEO_MAX_RECORDS)
		return -POP_ELIMIT;
	if (!grow((void **)&gb->facts, &gb->cap_facts, gb->n_facts + 1, sizeof(*gb->facts)))
		return -ENOMEM;
	gb->facts[gb->n_facts] = *r;
	gb->facts_slots[k] = (uint32_t)++gb->n_facts;
	*value = (uint32_t)gb->n_facts;
	if (gb->n_facts * 2 > gb->n_facts_slots)
		return facts_rehash(gb);
	return 0;
}

/* The facts' value for a network (index + 1), 0 when they say nothing; -EINVAL when malformed. */
static int facts_value(struct geo_builder *gb, const struct geo_facts *facts, uint32_t *value)
{
	struct geo_record r;

	*value = 0;
	memset(&r, 0, sizeof(r));
	r.region = GEO_REGION_NONE;
	if (!code_copy(r.continent, sizeof(r.continent), facts->continent, 2, false) ||
	    !code_copy(r.country, sizeof(r.country), facts->country, 2, false) ||
	    !code_copy(r.subdivision, sizeof(r.subdivision), facts->subdivision, 1, true))
		return -EINVAL;
	if (facts->have_location) {
		if (facts->latitude_e4 < -GEO_LAT_MAX_E4 || facts->latitude_e4 > GEO_LAT_MAX_E4 ||
		    facts->longitude_e4 < -GEO_LON_MAX_E4 || facts->longitude_e4 > GEO_LON_MAX_E4)
			return -EINVAL;
		r.flags = GEO_RECORD_LOCATION;
		r.latitude_e4 = facts->latitude_e4;
		r.longitude_e4 = facts->longitude_e4;
	}
	if (r.continent[0] == '\0' && r.country[0] == '\0' && r.subdivision[0] == '\0' &&
	    r.flags == 0)
		return 0; /* nothing to say */
	return facts_intern(gb, &r, value);
}

int geo_builder_add_network(struct geo_builder *gb, uint8_t family, const uint8_t *addr,
			    uint8_t len, const struct geo_facts *facts)
{
	geo_u128 start;
	uint32_t value = 0;
	int rc = prefix_parse(family, addr, len, &start);

	if (rc == 0)
		rc = facts_value(gb, facts, &value);
	if (rc < 0 || value == 0)
		return rc;
	rc = net_push(&gb->nets[family == 6], start, len, value);
	if (rc == 0)
		gb->n_networks++;
	return rc;
}

int geo_builder_add_latency_prefix(struct geo_builder *gb, uint8_t family, const uint8_t *addr,
				   uint8_t len, const char *region)
{
	struct geo_region name;
	geo_u128 start;
	uint32_t i;
	int rc = prefix_parse(family, addr, len, &start);

	if (rc < 0)
		return rc;
	if (region == NULL || strnlen(region, sizeof(name.name)) >= sizeof(name.name))
		return -EINVAL;
	memset(&name, 0, sizeof(name));
	memcpy(name.name, region, strlen(region));
	if (!geo_region_ok(name.name, sizeof(name.name)))
		return -EINVAL;
	/* A handful of regions: a scan is cheaper than a hash. */
	for (i = 0; i < gb->n_regions; i++)
		if (memcmp(gb->regions[i].name, name.name, sizeof(name.name)) == 0)
			break;
	if (i == gb->n_regions) {
		if (gb->n_regions >= GEO_MAX_REGIONS)
			return -POP_ELIMIT;
		if (!grow((void **)&gb->regions, &gb->cap_regions, (size_t)gb->n_regions + 1,
			  sizeof(*gb->regions)))
			return -ENOMEM;
		gb->regions[gb->n_regions++] = name;
	}
	rc = net_push(&gb->latency[family == 6], start, len, i + 1);
	if (rc == 0)
		gb->n_latency++;
	return rc;
}

static int net_cmp(const void *a, const void *b)
{
	const struct geo_net *x = a, *y = b;

	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return (int)x->len - (int)y->len;
}

static bool sorted(const struct geo_net *v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (net_cmp(&v[i - 1], &v[i]) > 0)
			return false;
	return true;
}

/*
 * Flatten one source into segments covering [0, max] in order: each address
 * takes the value of the longest prefix holding it (0 where none does).
 * Containing prefixes wait on a stack (at most bits + 1 of them).
 */
static int partition(struct geo_net_vec *src, unsigned bits, struct geo_seg_vec *out)
{
	struct {
		geo_u128 end;
		uint32_t value;
	} stack[129];
	unsigned sp = 0;
	geo_u128 max = geo_host_mask(bits, 0), p = 0;
	bool done = false;
	int rc = 0;

	if (!sorted(src->v, src->n))
		qsort(src->v, src->n, sizeof(*src->v), net_cmp);
	for (size_t i = 0; i < src->n && rc == 0; i++) {
		const struct geo_net *q = &src->v[i];
		geo_u128 s = net_start(q), e = s | geo_host_mask(bits, q->len);

		if (i > 0 && net_cmp(&src->v[i - 1], q) == 0)
			return -EEXIST;
		while (rc == 0 && sp > 0 && stack[sp - 1].end < s) {
			sp--;
			if (p <= stack[sp].end)
				rc = seg_push(out, stack[sp].end, stack[sp].value);
			p = stack[sp].end + 1;
		}
		if (rc == 0 && p < s)
			rc = seg_push(out, s - 1, sp > 0 ? stack[sp - 1].value : 0);
		p = s;
		stack[sp].end = e;
		stack[sp].value = q->value;
		sp++;
	}
	while (rc == 0 && sp > 0 && !done) {
		sp--;
		if (p <= stack[sp].end)
			rc = seg_push(out, stack[sp].end, stack[sp].value);
		done = stack[sp].end == max;
		p = stack[sp].end + 1;
	}
	if (rc == 0 && !done)
		rc = seg_push(out, max, 0);
	return rc;
}

/* Map (facts, region) pairs to final records. */
struct record_map {
	struct {
		uint64_t key; /* facts + 1 << 32 | region + 1; 0 empty */
		uint32_t record;
	} * slots;
	size_t n_slots, n;
	struct geo_record *records;
	size_t cap;
};

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

static int record_map_grow(struct record_map *m)
{
	size_t n = m->n_slots ? m->n_slots * 2 : 1024;
	__typeof__(m->slots) slots = calloc(n, sizeof(*slots));

	if (slots == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < m->n_slots; i++) {
		size_t k;
		if (m->slots[i].key == 0)
			continue;
		k = mix64(m->slots[i].key) & (n - 1);
		while (slots[k].key != 0)
			k = (k + 1) & (n - 1);
		slots[k] = m->slots[i];
	}
	free(m->slots);
	m->slots = slots;
	m->n_slots = n;
	return 0;
}

/* The record index + 1 for facts value @p f and region value @p r (0 for neither). */
static int record_for(const struct geo_builder *gb, struct record_map *m, uint32_t f, uint32_t r,
		      uint32_t *out)
{
	uint64_t key = ((uint64_t)f << 32) | r;
	size_t k;

	if (key == 0) {
		*out = 0;
		return 0;
	}
	if ((m->n + 1) * 2 > m->n_slots && record_map_grow(m) < 0)
		return -ENOMEM;
	for (k = mix64(key) & (m->n_slots - 1); m->slots[k].key != 0;
	     k = (k + 1) & (m->n_slots - 1)) {
		if (m->slots[k].key == key) {
			*out = m->slots[k].record;
			return 0;
		}
	}
	if (m->n >= GEO_MAX_RECORDS)
		return -POP_ELIMIT;
	if (!grow((void **)&m->records, &m->cap, m->n + 1, sizeof(*m->records)))
		return -ENOMEM;
	if (f != 0) {
		m->records[m->n] = gb->facts[f - 1];
	} else {
		memset(&m->records[m->n], 0, sizeof(m->records[m->n]));
	}
	m->records[m->n].region = r != 0 ? (uint16_t)(r - 1) : GEO_REGION_NONE;
	m->slots[k].key = key;
	m->slots[k].record = (uint32_t)++m->n;
	*out = (uint32_t)m->n;
	return 0;
}

static unsigned floor_log2_128(geo_u128 x)
{
	return 127u - geo_clz128(x);
}

/* Cut [p, end] into the fewest aligned prefixes, in order, as networks of @p value. */
static int cut(struct geo_net_vec *out, geo_u128 p, geo_u128 end, uint32_t value, unsigned bits,
	       uint32_t *count)
{
	for (;;) {
		geo_u128 span = end - p, last;
		unsigned align = p == 0 ? 0 : bits - geo_ctz128(p);
		unsigned fit = span == geo_host_mask(bits, 0) ? 0 : bits - floor_log2_128(span + 1);
		unsigned len = align > fit ? align : fit;
		int rc = net_push(out, p, (uint8_t)len, value);

		if (rc < 0)
			return rc;
		(*count)++;
		last = p | geo_host_mask(bits, len);
		if (last == end)
			return 0;
		p = last + 1;
	}
}

int geo_builder_add_range(struct geo_builder *gb, uint8_t family, const uint8_t *first,
			  const uint8_t *last, const struct geo_facts *facts)
{
	unsigned bits = geo_family_bits(family), n = family == 4 ? 4 : 16;
	geo_u128 a = 0, b = 0;
	uint32_t value;
	int rc;

	if ((family != 4 && family != 6) || first == NULL || last == NULL)
		return -EINVAL;
	for (unsigned i = 0; i < n; i++) {
		a = (a << 8) | first[i];
		b = (b << 8) | last[i];
	}
	if (b < a)
		return -EINVAL;
	rc = facts_value(gb, facts, &value);
	if (rc < 0 || value == 0)
		return rc;
	return cut(&gb->nets[family == 6], a, b, value, bits, &gb->n_networks);
}

/* One family's ranges: both sources flattened and walked together; neighbours differ. */
static int family_ranges(struct geo_builder *gb, int f, struct record_map *m,
			 struct geo_net_vec *ranges)
{
	unsigned bits = f == 0 ? 32 : 128;
	geo_u128 max = geo_host_mask(bits, 0), p = 0;
	struct geo_seg_vec a = {0}, b = {0};
	size_t ia = 0, ib = 0;
	int rc = partition(&gb->nets[f], bits, &a);

	if (rc == 0)
		rc = partition(&gb->latency[f], bits, &b);
	while (rc == 0) {
		geo_u128 end = a.v[ia].end < b.v[ib].end ? a.v[ia].end : b.v[ib].end;
		uint32_t record;

		rc = record_for(gb, m, a.v[ia].value, b.v[ib].value, &record);
		if (rc == 0 && (ranges->n == 0 || ranges->v[ranges->n - 1].value != record))
			rc = ranges->n < GEO_MAX_RANGES ? net_push(ranges, p, 0, record)
							: -POP_ELIMIT;
		if (rc != 0 || end == max)
			break;
		p = end + 1;
		ia += a.v[ia].end == end;
		ib += b.v[ib].end == end;
	}
	free(a.v);
	free(b.v);
	return rc;
}

/* The index tree's entries, in depth-first order. */
struct tree {
	uint32_t *v;
	size_t n, cap;
};

/* The range holding @p x, looking forward from @p j. */
static size_t holder_from(const struct geo_net_vec *r, size_t j, geo_u128 x)
{
	while (j + 1 < r->n && net_start(&r->v[j + 1]) <= x)
		j++;
	return j;
}

/*
 * The entry of the block of @p depth bits at @p block, whose addresses lie in
 * ranges lo..hi: a leaf when they are few, else a node cutting the block into
 * about a quarter as many parts as ranges (GEO_NODE_WIDTH_MAX bits at most).
 */
static int tree_entry(struct tree *t, const struct geo_net_vec *r, unsigned bits, geo_u128 block,
		      unsigned depth, size_t lo, size_t hi, uint32_t *entry)
{
	size_t m = hi - lo + 1, off, parts, j = lo;
	unsigned w = 1;

	if (m <= GEO_LEAF_MAX) {
		*entry = ((uint32_t)(m - 1) << 26) | (uint32_t)lo;
		return 0;
	}
	while (w < GEO_NODE_WIDTH_MAX && depth + w < bits && ((size_t)4 << w) < m)
		w++;
	parts = (size_t)1 << w;
	off = t->n;
	if (off + parts > GEO_MAX_RANGES)
		return -POP_ELIMIT;
	if (!grow((void **)&t->v, &t->cap, off + parts, sizeof(*t->v)))
		return -ENOMEM;
	t->n += parts;
	for (size_t c = 0; c < parts; c++) {
		geo_u128 cs = block | ((geo_u128)c << (bits - depth - w));
		geo_u128 ce = cs | geo_host_mask(bits, depth + w);
		size_t clo = holder_from(r, j, cs), chi = holder_from(r, clo, ce);
		uint32_t e;
		int rc = tree_entry(t, r, bits, cs, depth + w, clo, chi, &e);

		if (rc < 0)
			return rc;
		t->v[off + c] = e; /* by index: the recursion may have moved t->v */
		j = clo;
	}
	*entry = GEO_NODE_CHILD | ((uint32_t)(w - 1) << 26) | (uint32_t)off;
	return 0;
}

struct family_layout {
	struct tree tree;
	uint32_t root;
	uint64_t ranges_off, nodes_off;
};

static int family_index(const struct geo_net_vec *ranges, int f, struct family_layout *l)
{
	unsigned bits = f == 0 ? 32 : 128;

	return tree_entry(&l->tree, ranges, bits, 0, 0, 0, ranges->n - 1, &l->root);
}

static void family_alloc(struct tables_builder *tb, const struct geo_net_vec *ranges, int f,
			 struct family_layout *l)
{
	size_t n = ranges->n;

	if (f == 0)
		l->ranges_off = tables_builder_alloc(tb, n * sizeof(struct geo_v4_range), 8);
	else
		l->ranges_off = tables_builder_alloc(tb, n * sizeof(struct geo_v6_range), 8);
	l->nodes_off = tables_builder_alloc(tb, l->tree.n * sizeof(uint32_t), 64);
}

static void family_write(struct tables_builder *tb, const struct geo_net_vec *ranges, int f,
			 const struct family_layout *l, struct geo_family_rec *rec)
{
	struct geo_v4_range *r4 = f == 0 ? tables_builder_at(tb, l->ranges_off) : NULL;
	struct geo_v6_range *r6 = f == 1 ? tables_builder_at(tb, l->ranges_off) : NULL;

	for (size_t i = 0; i < ranges->n; i++) {
		const struct geo_net *r = &ranges->v[i];
		if (r4 != NULL)
			r4[i] = (struct geo_v4_range){.start = (uint32_t)r->lo, .record = r->value};
		else
			r6[i] = (struct geo_v6_range){.hi = r->hi, .lo = r->lo, .record = r->value};
	}
	if (l->tree.n > 0)
		memcpy(tables_builder_at(tb, l->nodes_off), l->tree.v,
		       l->tree.n * sizeof(*l->tree.v));
	rec->n_ranges = (uint32_t)ranges->n;
	rec->root = l->root;
	rec->n_nodes = (uint32_t)l->tree.n;
	rec->ranges_off = l->ranges_off;
	rec->nodes_off = l->tree.n > 0 ? l->nodes_off : 0;
}

int geo_builder_finish(struct geo_builder *gb, struct tables_builder *tb)
{
	struct record_map m = {0};
	struct geo_net_vec ranges[2] = {{0}, {0}};
	struct family_layout layout[2];
	uint64_t top_off = 0, records_off = 0, regions_off = 0;
	int rc = 0;

	memset(layout, 0, sizeof(layout));
	for (int f = 0; f < 2 && rc == 0; f++)
		rc = family_ranges(gb, f, &m, &ranges[f]);
	for (int f = 0; f < 2 && rc == 0; f++)
		rc = family_index(&ranges[f], f, &layout[f]);
	if (rc == 0) {
		top_off = tables_builder_alloc(tb, sizeof(struct geo_top), 64);
		records_off = tables_builder_alloc(tb, m.n * sizeof(struct geo_record), 4);
		regions_off =
		    tables_builder_alloc(tb, gb->n_regions * sizeof(struct geo_region), 8);
		for (int f = 0; f < 2; f++)
			family_alloc(tb, &ranges[f], f, &layout[f]);
		rc = tables_builder_status(tb);
	}
	if (rc == 0) {
		struct geo_top *top = tables_builder_at(tb, top_off);

		if (m.n > 0)
			memcpy(tables_builder_at(tb, records_off), m.records,
			       m.n * sizeof(struct geo_record));
		if (gb->n_regions > 0)
			memcpy(tables_builder_at(tb, regions_off), gb->regions,
			       gb->n_regions * sizeof(struct geo_region));
		family_write(tb, &ranges[0], 0, &layout[0], &top->v4);
		family_write(tb, &ranges[1], 1, &layout[1], &top->v6);
		top->n_records = (uint32_t)m.n;
		top->n_regions = gb->n_regions;
		top->records_off = m.n > 0 ? records_off : 0;
		top->regions_off = gb->n_regions > 0 ? regions_off : 0;
		top->database_load_id = gb->load_id;
		top->database_build_epoch = gb->build_epoch;
		top->n_networks = gb->n_networks;
		top->n_latency_prefixes = gb->n_latency;
		tables_builder_set_top(tb, top_off);
	}
	free(m.slots);
	free(m.records);
	for (int f = 0; f < 2; f++) {
		free(ranges[f].v);
		free(layout[f].tree.v);
	}
	geo_builder_free(gb);
	return rc;
}
