/* SPDX-License-Identifier: BSD-3-Clause */
#include "geo_pvt.h"

#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
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
	GEO_LOG(WARNING, "geo snapshot %016" PRIx64 " refused: %s; the previous one stays",
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

static geo_u128 range_start(const void *ranges, int f, uint32_t i)
{
	if (f == 0)
		return ((const struct geo_v4_range *)ranges)[i].start;
	const struct geo_v6_range *r = &((const struct geo_v6_range *)ranges)[i];
	return ((geo_u128)r->hi << 64) | r->lo;
}

static uint32_t range_record(const void *ranges, int f, uint32_t i)
{
	return f == 0 ? ((const struct geo_v4_range *)ranges)[i].record
		      : ((const struct geo_v6_range *)ranges)[i].record;
}

/* The range holding @p x in checked, sorted ranges. */
static uint32_t holder(const void *ranges, int f, uint32_t n, geo_u128 x)
{
	uint32_t lo = 0;

	while (n > 1) {
		uint32_t half = n / 2;
		if (range_start(ranges, f, lo + half) <= x)
			lo += half;
		n -= half;
	}
	return lo;
}

struct tree_check {
	const uint32_t *nodes;
	uint32_t n_nodes, next;
	const void *ranges;
	uint32_t n_ranges;
	int f;
	unsigned bits;
	uint32_t bad;
};

static const char *check_entry(struct tree_check *tc, uint32_t e, geo_u128 block, unsigned depth)
{
	unsigned w = GEO_NODE_WIDTH(e);
	uint32_t idx = GEO_NODE_INDEX(e);

	if (!(e & GEO_NODE_CHILD)) {
		geo_u128 last = block | geo_host_mask(tc->bits, depth);
		if (w > GEO_LEAF_MAX || (uint64_t)idx + w > tc->n_ranges)
			return "a leaf's candidates run past the ranges";
		if (holder(tc->ranges, tc->f, tc->n_ranges, block) != idx)
			return "a leaf does not start at the range of its block";
		if (holder(tc->ranges, tc->f, tc->n_ranges, last) >= idx + w)
			return "a leaf's candidates stop short of its block's last address";
		return NULL;
	}
	if (depth + w > tc->bits || w > GEO_NODE_WIDTH_MAX)
		return "a node cuts more bits than the address has, or too many at once";
	if (idx != tc->next || (uint64_t)idx + (1u << w) > tc->n_nodes)
		return "a node out of order or out of bounds";
	tc->next += 1u << w;
	for (uint32_t c = 0; c < (1u << w); c++) {
		const char *why;
		tc->bad = idx + c;
		why = check_entry(tc, tc->nodes[idx + c],
				  block | ((geo_u128)c << (tc->bits - depth - w)), depth + w);
		if (why != NULL)
			return why;
	}
	return NULL;
}

static const char *check_family(const struct tables_snapshot *s, const struct geo_top *t,
				const struct geo_family_rec *fam, int f, uint32_t *bad)
{
	struct tree_check tc = {.f = f, .bits = f == 0 ? 32u : 128u};
	uint32_t n = fam->n_ranges;
	const char *why;

	*bad = 0;
	if (n == 0 || n > GEO_MAX_RANGES || fam->n_nodes > GEO_MAX_RANGES || fam->reserved != 0)
		return "range or node count out of bounds, or reserved bytes set";
	tc.ranges = f == 0 ? array_at(s, fam->ranges_off, n, sizeof(struct geo_v4_range), 8)
			   : array_at(s, fam->ranges_off, n, sizeof(struct geo_v6_range), 8);
	tc.nodes = fam->n_nodes == 0
		       ? NULL
		       : array_at(s, fam->nodes_off, fam->n_nodes, sizeof(uint32_t), 4);
	if (tc.ranges == NULL || (fam->n_nodes > 0 ? tc.nodes == NULL : fam->nodes_off != 0))
		return "ranges or nodes out of bounds or misaligned";
	tc.n_ranges = n;
	tc.n_nodes = fam->n_nodes;
	for (uint32_t i = 0; i < n; i++) {
		*bad = i;
		if (range_record(tc.ranges, f, i) > t->n_records)
			return "record out of range";
		if (f == 1 && ((const struct geo_v6_range *)tc.ranges)[i].reserved != 0)
			return "reserved bytes set";
		if (i == 0 ? range_start(tc.ranges, f, 0) != 0
			   : range_start(tc.ranges, f, i) <= range_start(tc.ranges, f, i - 1))
			return "ranges not in order from address 0";
		if (i > 0 && range_record(tc.ranges, f, i) == range_record(tc.ranges, f, i - 1))
			return "two neighbours with the same record";
		if (f == 0 && i > 0 && range_start(tc.ranges, f, i) > 0xffffffffu)
			return "range start out of the IPv4 space";
	}
	*bad = 0;
	why = check_entry(&tc, fam->root, 0, 0);
	if (why == NULL && tc.next != tc.n_nodes)
		why = "index entries that no node reaches";
	*bad = tc.bad;
	return why;
}

static const char *check_records(const struct tables_snapshot *s, const struct geo_top *t,
				 uint32_t *bad)
{
	const struct geo_record *records;
	const struct geo_region *regions;

	*bad = 0;
	if (t->n_records > GEO_MAX_RECORDS || t->n_regions > GEO_MAX_REGIONS)
		return "too many records or regions";
	records = t->n_records == 0
		      ? NULL
		      : array_at(s, t->records_off, t->n_records, sizeof(*records), 4);
	regions = t->n_regions == 0
		      ? NULL
		      : array_at(s, t->regions_off, t->n_regions, sizeof(*regions), 1);
	/* An empty array has offset 0: a reader never forms a pointer from a stray one. */
	if ((t->n_records > 0 ? records == NULL : t->records_off != 0) ||
	    (t->n_regions > 0 ? regions == NULL : t->regions_off != 0))
		return "records or regions out of bounds";
	for (uint32_t i = 0; i < t->n_regions; i++) {
		*bad = i;
		if (!geo_region_ok(regions[i].name, sizeof(regions[i].name)))
			return "malformed region name";
	}
	for (uint32_t i = 0; i < t->n_records; i++) {
		const struct geo_record *r = &records[i];
		bool location = (r->flags & GEO_RECORD_LOCATION) != 0;

		*bad = i;
		if (!geo_code_ok(r->continent, sizeof(r->continent), 2, false) ||
		    !geo_code_ok(r->country, sizeof(r->country), 2, false) ||
		    !geo_code_ok(r->subdivision, sizeof(r->subdivision), 1, true))
			return "malformed continent, country or subdivision code";
		if ((r->flags & ~GEO_RECORD_LOCATION) != 0 || r->reserved[0] || r->reserved[1])
			return "unknown flags or reserved bytes set";
		if (location
			? (r->latitude_e4 < -GEO_LAT_MAX_E4 || r->latitude_e4 > GEO_LAT_MAX_E4 ||
			   r->longitude_e4 < -GEO_LON_MAX_E4 || r->longitude_e4 > GEO_LON_MAX_E4)
			: (r->latitude_e4 != 0 || r->longitude_e4 != 0))
			return "coordinates out of range";
		if (r->region != GEO_REGION_NONE && r->region >= t->n_regions)
			return "region out of range";
		if (r->continent[0] == '\0' && r->country[0] == '\0' && r->subdivision[0] == '\0' &&
		    !location && r->region == GEO_REGION_NONE)
			return "record says nothing";
	}
	return NULL;
}

const struct geo_top *geo_table_check(const struct tables_snapshot *s)
{
	const struct tables_snapshot_header *h;
	const struct geo_top *t;
	const char *why;
	uint32_t bad;

	if (s == NULL || s->kind != TABLES_KIND_GEO)
		return NULL;
	h = tables_snapshot_header(s);
	t = array_at(s, h->top, 1, sizeof(*t), 8);
	if (t == NULL)
		return refuse(s, "top out of bounds or misaligned");
	why = check_records(s, t, &bad);
	if (why != NULL)
		return refuse(s, "record or region %u: %s", bad, why);
	why = check_family(s, t, &t->v4, 0, &bad);
	if (why != NULL)
		return refuse(s, "IPv4 range or index entry %u: %s", bad, why);
	why = check_family(s, t, &t->v6, 1, &bad);
	if (why != NULL)
		return refuse(s, "IPv6 range or index entry %u: %s", bad, why);
	return t;
}

/*
 * The widest prefix around @p a inside [s, e] (W-bit addresses): as long as
 * it stays at or above s and at or below e.
 */
static inline unsigned scope_of(unsigned w, unsigned common_s, unsigned s_tz, unsigned common_e,
				unsigned e_to)
{
	unsigned low = w - s_tz <= common_s ? w - s_tz : common_s + 1;
	unsigned high = w - e_to <= common_e ? w - e_to : common_e + 1;

	return low > high ? low : high;
}

static inline unsigned lookup_v4(const uint8_t *base, const struct geo_family_rec *f, uint32_t a,
				 uint32_t *record)
{
	const uint32_t *nodes = (const uint32_t *)(const void *)(base + f->nodes_off);
	const struct geo_v4_range *r =
	    (const struct geo_v4_range *)(const void *)(base + f->ranges_off);
	uint32_t e = f->root, lo, n, s, end;
	unsigned shift = 32;

	while (e & GEO_NODE_CHILD) {
		unsigned w = GEO_NODE_WIDTH(e);
		shift -= w;
		e = nodes[GEO_NODE_INDEX(e) + ((a >> shift) & ((1u << w) - 1))];
	}
	lo = GEO_NODE_INDEX(e);
	n = GEO_NODE_WIDTH(e);
	while (n > 1) {
		uint32_t half = n / 2;
		lo = r[lo + half].start <= a ? lo + half : lo;
		n -= half;
	}
	*record = r[lo].record;
	s = r[lo].start;
	end = lo + 1 < f->n_ranges ? r[lo + 1].start - 1 : UINT32_MAX;
	return scope_of(32, a == s ? 32 : (unsigned)__builtin_clz(a ^ s),
			s == 0 ? 32 : (unsigned)__builtin_ctz(s),
			a == end ? 32 : (unsigned)__builtin_clz(a ^ end),
			end == UINT32_MAX ? 32 : (unsigned)__builtin_ctz(~end));
}

static inline unsigned lookup_v6(const uint8_t *base, const struct geo_family_rec *f, geo_u128 a,
				 uint32_t *record)
{
	const uint32_t *nodes = (const uint32_t *)(const void *)(base + f->nodes_off);
	const struct geo_v6_range *r =
	    (const struct geo_v6_range *)(const void *)(base + f->ranges_off);
	uint64_t hi = (uint64_t)(a >> 64), lo64 = (uint64_t)a;
	uint32_t e = f->root, lo, n;
	unsigned shift = 128;
	geo_u128 s, end;

	while (e & GEO_NODE_CHILD) {
		unsigned w = GEO_NODE_WIDTH(e);
		shift -= w;
		e = nodes[GEO_NODE_INDEX(e) + ((uint32_t)(a >> shift) & ((1u << w) - 1))];
	}
	lo = GEO_NODE_INDEX(e);
	n = GEO_NODE_WIDTH(e);
	while (n > 1) {
		uint32_t half = n / 2;
		const struct geo_v6_range *k = &r[lo + half];
		bool le = (k->hi < hi) | ((k->hi == hi) & (k->lo <= lo64));
		lo = le ? lo + half : lo;
		n -= half;
	}
	*record = r[lo].record;
	s = ((geo_u128)r[lo].hi << 64) | r[lo].lo;
	end = lo + 1 < f->n_ranges ? (((geo_u128)r[lo + 1].hi << 64) | r[lo + 1].lo) - 1
				   : ~(geo_u128)0;
	return scope_of(128, a == s ? 128 : geo_clz128(a ^ s), s == 0 ? 128 : geo_ctz128(s),
			a == end ? 128 : geo_clz128(a ^ end), ~end == 0 ? 128 : geo_ctz128(~end));
}

static const uint8_t v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool geo_lookup(const void *geo_ctx, uint8_t family, const uint8_t *addr, struct geo_answer *out)
{
	const struct tables_snapshot *s = geo_ctx;
	const struct geo_top *t;
	const struct geo_record *r;
	const uint8_t *base;
	uint32_t record;
	unsigned scope, extra = 0;

	memset(out, 0, sizeof(*out));
	if (s == NULL || addr == NULL)
		return false;
	base = s->base;
	t = (const struct geo_top *)(const void *)(base + tables_snapshot_header(s)->top);
	if (family == 6 && memcmp(addr, v4_mapped, sizeof(v4_mapped)) == 0) {
		family = 4;
		addr += 12;
		extra = 96;
	}
	if (family == 4) {
		uint32_t a;
		memcpy(&a, addr, 4);
		scope = lookup_v4(base, &t->v4, be32toh(a), &record);
	} else if (family == 6) {
		uint64_t hi, lo;
		memcpy(&hi, addr, 8);
		memcpy(&lo, addr + 8, 8);
		scope =
		    lookup_v6(base, &t->v6, ((geo_u128)be64toh(hi) << 64) | be64toh(lo), &record);
	} else {
		return false;
	}
	out->scope_prefix = (uint8_t)(scope + extra);
	if (record == 0)
		return false;
	r = &((const struct geo_record *)(const void *)(base + t->records_off))[record - 1];
	memcpy(out->continent, r->continent, sizeof(r->continent));
	memcpy(out->country, r->country, sizeof(r->country));
	memcpy(out->subdivision, r->subdivision, sizeof(r->subdivision));
	if (r->region != GEO_REGION_NONE)
		memcpy(out->region,
		       ((const struct geo_region *)(const void *)(base + t->regions_off))[r->region]
			   .name,
		       sizeof(out->region));
	if (r->flags & GEO_RECORD_LOCATION) {
		out->have_location = true;
		out->latitude_e4 = r->latitude_e4;
		out->longitude_e4 = r->longitude_e4;
	}
	return true;
}

static void put_addr(uint8_t family, geo_u128 a, uint8_t *out)
{
	unsigned n = family == 4 ? 4 : 16;

	for (unsigned i = 0; i < n; i++)
		out[i] = (uint8_t)(a >> (8 * (n - 1 - i)));
}

int geo_range_get(const struct tables_snapshot *s, const struct geo_top *t, uint8_t family,
		  uint32_t i, struct geo_range *out)
{
	const struct geo_family_rec *fam;
	const void *ranges;
	int f = family == 6;
	uint32_t record;
	geo_u128 last;

	if (family != 4 && family != 6)
		return -EINVAL;
	fam = f ? &t->v6 : &t->v4;
	if (i >= fam->n_ranges)
		return -ERANGE;
	ranges = s->base + fam->ranges_off;
	memset(out, 0, sizeof(*out));
	out->family = family;
	put_addr(family, range_start(ranges, f, i), out->first);
	last = i + 1 < fam->n_ranges ? range_start(ranges, f, i + 1) - 1
				     : geo_host_mask(geo_family_bits(family), 0);
	put_addr(family, last, out->last);
	record = range_record(ranges, f, i);
	if (record != 0) {
		const struct geo_record *r = &((
		    const struct geo_record *)(const void *)(s->base + t->records_off))[record - 1];
		out->known = true;
		memcpy(out->facts.continent, r->continent, sizeof(r->continent));
		memcpy(out->facts.country, r->country, sizeof(r->country));
		memcpy(out->facts.subdivision, r->subdivision, sizeof(r->subdivision));
		out->facts.have_location = (r->flags & GEO_RECORD_LOCATION) != 0;
		out->facts.latitude_e4 = r->latitude_e4;
		out->facts.longitude_e4 = r->longitude_e4;
		if (r->region != GEO_REGION_NONE)
			memcpy(
			    out->region,
			    ((const struct geo_region *)(const void *)(s->base +
								       t->regions_off))[r->region]
				.name,
			    sizeof(out->region));
	}
	return 0;
}
