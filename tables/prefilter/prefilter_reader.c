/* SPDX-License-Identifier: BSD-3-Clause */
#include "prefilter_pvt.h"

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
	PREFILTER_LOG(WARNING, "prefilter snapshot %016" PRIx64 " refused: %s", s->generation, why);
	return NULL;
}

/* @p n records of @p size bytes at @p off, 8-aligned; NULL if not (or n is 0). */
static const void *array_at(const struct tables_snapshot *s, uint64_t off, uint64_t n,
			    uint64_t size)
{
	const void *p;

	if (n == 0)
		return NULL;
	p = tables_snapshot_at(s, off, n * size);
	if (p == NULL || ((uintptr_t)p & 7u) != 0)
		return NULL;
	return p;
}

static int list_ok(const struct tables_snapshot *s, const struct prefilter_list_rec *l,
		   const char **why)
{
	const struct prefilter_range4 *r4 = array_at(s, l->ranges4_off, l->n_ranges4, sizeof(*r4));
	const struct prefilter_range6 *r6 = array_at(s, l->ranges6_off, l->n_ranges6, sizeof(*r6));

	if (l->n_prefixes > 2u * PF_MAX_RULES || l->n_ranges4 > l->n_prefixes ||
	    l->n_ranges6 > l->n_prefixes) {
		*why = "list counts out of bounds";
		return 0;
	}
	if ((l->n_prefixes != 0 && array_at(s, l->prefixes_off, l->n_prefixes,
					    sizeof(struct prefilter_prefix)) == NULL) ||
	    (l->n_ranges4 != 0 && r4 == NULL) || (l->n_ranges6 != 0 && r6 == NULL)) {
		*why = "list arrays outside the snapshot";
		return 0;
	}
	for (uint32_t i = 0; i < l->n_ranges4; i++)
		if (r4[i].first > r4[i].last || (i > 0 && r4[i].first <= r4[i - 1].last)) {
			*why = "IPv4 ranges not sorted and disjoint";
			return 0;
		}
	for (uint32_t i = 0; i < l->n_ranges6; i++) {
		prefilter_u128 f = (prefilter_u128)r6[i].first_hi << 64 | r6[i].first_lo;
		prefilter_u128 t = (prefilter_u128)r6[i].last_hi << 64 | r6[i].last_lo;

		if (f > t ||
		    (i > 0 && f <= ((prefilter_u128)r6[i - 1].last_hi << 64 | r6[i - 1].last_lo))) {
			*why = "IPv6 ranges not sorted and disjoint";
			return 0;
		}
	}
	return 1;
}

const struct prefilter_top *prefilter_table_check(const struct tables_snapshot *s)
{
	const struct tables_snapshot_header *h = tables_snapshot_header(s);
	const struct prefilter_top *top;
	const char *why = NULL;

	if (s->kind != TABLES_KIND_PREFILTER)
		return refuse(s, "not a prefilter snapshot");
	top = array_at(s, h->top, 1, sizeof(*top));
	if (top == NULL)
		return refuse(s, "no top structure");
	if (top->n_ports > PF_MAX_SERVICE_PORTS ||
	    (top->n_ports != 0 &&
	     array_at(s, top->ports_off, top->n_ports, sizeof(struct pf_port_key)) == NULL))
		return refuse(s, "service ports out of bounds");
	for (unsigned l = 0; l < PREFILTER_LIST_MAX; l++)
		if (!list_ok(s, &top->lists[l], &why))
			return refuse(s, "list %u: %s", l, why);
	return top;
}

const struct pf_port_key *prefilter_ports(const struct tables_snapshot *s,
					  const struct prefilter_top *top)
{
	return array_at(s, top->ports_off, top->n_ports, sizeof(struct pf_port_key));
}

const struct prefilter_prefix *prefilter_prefixes(const struct tables_snapshot *s,
						  const struct prefilter_top *top,
						  enum prefilter_list_kind list)
{
	const struct prefilter_list_rec *l = &top->lists[list];

	return array_at(s, l->prefixes_off, l->n_prefixes, sizeof(struct prefilter_prefix));
}

bool prefilter_match4(const struct tables_snapshot *s, const struct prefilter_top *top,
		      enum prefilter_list_kind list, uint32_t addr)
{
	const struct prefilter_list_rec *l = &top->lists[list];
	const struct prefilter_range4 *r;
	const uint8_t *b = (const uint8_t *)&addr;
	uint32_t x = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	uint32_t lo = 0, n = l->n_ranges4;

	if (n == 0)
		return false;
	r = (const struct prefilter_range4 *)(const void *)(s->base + l->ranges4_off);
	/* The last range starting at or before x, then whether it reaches x. */
	if (r[0].first > x)
		return false;
	while (n > 1) {
		uint32_t half = n / 2;

		if (r[lo + half].first <= x)
			lo += half;
		n -= half;
	}
	return x <= r[lo].last;
}

bool prefilter_match6(const struct tables_snapshot *s, const struct prefilter_top *top,
		      enum prefilter_list_kind list, const uint8_t addr[16])
{
	const struct prefilter_list_rec *l = &top->lists[list];
	const struct prefilter_range6 *r;
	prefilter_u128 x;
	uint32_t lo = 0, n = l->n_ranges6;

	if (n == 0)
		return false;
	x = prefilter_addr6_value(addr);
	r = (const struct prefilter_range6 *)(const void *)(s->base + l->ranges6_off);
	if (((prefilter_u128)r[0].first_hi << 64 | r[0].first_lo) > x)
		return false;
	while (n > 1) {
		uint32_t half = n / 2;

		if (((prefilter_u128)r[lo + half].first_hi << 64 | r[lo + half].first_lo) <= x)
			lo += half;
		n -= half;
	}
	return x <= ((prefilter_u128)r[lo].last_hi << 64 | r[lo].last_lo);
}

bool prefilter_port_served(const struct tables_snapshot *s, const struct prefilter_top *top,
			   uint8_t proto, uint16_t port)
{
	const struct pf_port_key *p;

	if (top->n_ports == 0)
		return false;
	p = (const struct pf_port_key *)(const void *)(s->base + top->ports_off);
	for (uint32_t i = 0; i < top->n_ports; i++)
		if (p[i].port == port && p[i].proto == proto)
			return true;
	return false;
}
