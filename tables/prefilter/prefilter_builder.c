/* SPDX-License-Identifier: BSD-3-Clause */
#include "prefilter_pvt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PROTO_TCP 6
#define PROTO_UDP 17

const struct pf_port_key prefilter_default_ports[] = {
    {.port = PF_PORT_DNS, .proto = PROTO_UDP},
    {.port = PF_PORT_DNS, .proto = PROTO_TCP},
    {.port = PF_PORT_HTTP, .proto = PROTO_TCP},
    {.port = PF_PORT_HTTPS, .proto = PROTO_TCP},
};
const size_t prefilter_default_port_count =
    sizeof(prefilter_default_ports) / sizeof(prefilter_default_ports[0]);

/* tables_builder_put() with 8-byte alignment; the offset or 0. */
static uint64_t put_aligned(struct tables_builder *tb, const void *data, size_t len)
{
	uint64_t off = tables_builder_alloc(tb, len, 8);
	void *at = off != 0 ? tables_builder_at(tb, off) : NULL;

	if (at == NULL)
		return 0;
	memcpy(at, data, len);
	return off;
}

static int port_cmp(const void *a, const void *b)
{
	const struct pf_port_key *x = a, *y = b;

	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	return x->port < y->port ? -1 : x->port > y->port;
}

static int prefix_valid(const struct prefilter_prefix *p)
{
	unsigned bits = p->family == 4 ? 32 : 128;

	if ((p->family != 4 && p->family != 6) || p->len > bits)
		return 0;
	for (unsigned b = p->len; b < bits; b++)
		if (p->addr[b / 8] & (0x80u >> (b % 8)))
			return 0;
	for (unsigned i = bits / 8; i < 16; i++)
		if (p->addr[i] != 0)
			return 0;
	return 1;
}

static int prefix_cmp(const void *a, const void *b)
{
	const struct prefilter_prefix *x = a, *y = b;
	int c;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	c = memcmp(x->addr, y->addr, 16);
	if (c != 0)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

/* The closed interval of an IPv6 prefix. */
static void prefix6_bounds(const struct prefilter_prefix *p, prefilter_u128 *first,
			   prefilter_u128 *last)
{
	prefilter_u128 host =
	    p->len == 0 ? ~(prefilter_u128)0 : (((prefilter_u128)1 << (128 - p->len)) - 1);

	*first = prefilter_addr6_value(p->addr);
	*last = *first | host;
}

/* Sorted prefixes (IPv4 first) into merged intervals, for each family. */
static int build_ranges(struct tables_builder *tb, struct prefilter_list_rec *rec,
			const struct prefilter_prefix *sorted, size_t n)
{
	struct prefilter_range4 *r4 = malloc(sizeof(*r4) * (n + 1));
	struct prefilter_range6 *r6 = malloc(sizeof(*r6) * (n + 1));
	size_t n4 = 0, n6 = 0;
	prefilter_u128 cur_first = 0, cur_last = 0;
	int have6 = 0;
	int rc = 0;

	if (r4 == NULL || r6 == NULL) {
		free(r4);
		free(r6);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		const struct prefilter_prefix *p = &sorted[i];

		if (p->family == 4) {
			uint32_t first = (uint32_t)p->addr[0] << 24 | (uint32_t)p->addr[1] << 16 |
					 (uint32_t)p->addr[2] << 8 | p->addr[3];
			uint32_t host = p->len == 0 ? UINT32_MAX : ((1u << (32 - p->len)) - 1);
			uint32_t last = first | host;

			/* Sorted by start: merge with the last interval when they
			 * overlap or touch. */
			if (n4 > 0 &&
			    (r4[n4 - 1].last == UINT32_MAX || first <= r4[n4 - 1].last + 1)) {
				if (last > r4[n4 - 1].last)
					r4[n4 - 1].last = last;
			} else {
				r4[n4].first = first;
				r4[n4].last = last;
				n4++;
			}
		} else {
			prefilter_u128 first, last;

			prefix6_bounds(p, &first, &last);
			if (have6 && (cur_last == ~(prefilter_u128)0 || first <= cur_last + 1)) {
				if (last > cur_last)
					cur_last = last;
				continue;
			}
			if (have6) {
				r6[n6].first_hi = (uint64_t)(cur_first >> 64);
				r6[n6].first_lo = (uint64_t)cur_first;
				r6[n6].last_hi = (uint64_t)(cur_last >> 64);
				r6[n6].last_lo = (uint64_t)cur_last;
				n6++;
			}
			cur_first = first;
			cur_last = last;
			have6 = 1;
		}
	}
	if (have6) {
		r6[n6].first_hi = (uint64_t)(cur_first >> 64);
		r6[n6].first_lo = (uint64_t)cur_first;
		r6[n6].last_hi = (uint64_t)(cur_last >> 64);
		r6[n6].last_lo = (uint64_t)cur_last;
		n6++;
	}
	if (n4 > 0) {
		rec->ranges4_off = put_aligned(tb, r4, sizeof(*r4) * n4);
		rc = rec->ranges4_off == 0 ? -ENOMEM : 0;
	}
	if (rc == 0 && n6 > 0) {
		rec->ranges6_off = put_aligned(tb, r6, sizeof(*r6) * n6);
		rc = rec->ranges6_off == 0 ? -ENOMEM : 0;
	}
	rec->n_ranges4 = (uint32_t)n4;
	rec->n_ranges6 = (uint32_t)n6;
	free(r4);
	free(r6);
	return rc;
}

static int build_list(struct tables_builder *tb, struct prefilter_list_rec *rec,
		      const struct prefilter_prefix *prefixes, size_t n)
{
	struct prefilter_prefix *sorted;
	size_t n4 = 0, kept = 0;
	int rc;

	memset(rec, 0, sizeof(*rec));
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (!prefix_valid(&prefixes[i]))
			return -EINVAL;
		n4 += prefixes[i].family == 4;
	}
	if (n4 > PF_MAX_RULES || n - n4 > PF_MAX_RULES)
		return -POP_ELIMIT;
	sorted = malloc(sizeof(*sorted) * n);
	if (sorted == NULL)
		return -ENOMEM;
	memcpy(sorted, prefixes, sizeof(*sorted) * n);
	qsort(sorted, n, sizeof(*sorted), prefix_cmp);
	for (size_t i = 0; i < n; i++)
		if (kept == 0 || prefix_cmp(&sorted[kept - 1], &sorted[i]) != 0)
			sorted[kept++] = sorted[i];
	rec->n_prefixes = (uint32_t)kept;
	rec->prefixes_off = put_aligned(tb, sorted, sizeof(*sorted) * kept);
	rc = rec->prefixes_off == 0 ? -ENOMEM : build_ranges(tb, rec, sorted, kept);
	free(sorted);
	return rc;
}

int prefilter_table_build(struct tables_builder *tb, const struct prefilter_rules *rules)
{
	struct prefilter_top top;
	struct pf_port_key ports[PF_MAX_SERVICE_PORTS];
	size_t n_ports = 0;
	uint64_t top_off;
	int rc;

	memset(&top, 0, sizeof(top));
	top.config = rules->config;
	top.config.reserved = 0;
	if (top.config.rate4_pps > PF_RATE_MAX_PPS || top.config.rate6_pps > PF_RATE_MAX_PPS ||
	    top.config.rate4_burst > PF_RATE_MAX_BURST ||
	    top.config.rate6_burst > PF_RATE_MAX_BURST ||
	    (top.config.rate4_pps != 0 && top.config.rate4_burst == 0) ||
	    (top.config.rate6_pps != 0 && top.config.rate6_burst == 0) ||
	    (top.config.flags & ~PF_CONFIG_PASS_FRAGMENTS) != 0)
		return -EINVAL;
	for (size_t i = 0; i < rules->n_ports; i++) {
		struct pf_port_key k = rules->ports[i];
		int dup = 0;

		if (k.proto != PROTO_UDP && k.proto != PROTO_TCP)
			return -EINVAL;
		k.pad = 0;
		for (size_t j = 0; j < n_ports; j++)
			dup |= ports[j].port == k.port && ports[j].proto == k.proto;
		if (dup)
			continue;
		if (n_ports == PF_MAX_SERVICE_PORTS)
			return -POP_ELIMIT;
		ports[n_ports++] = k;
	}
	qsort(ports, n_ports, sizeof(ports[0]), port_cmp);
	top.n_ports = (uint32_t)n_ports;
	if (n_ports > 0) {
		top.ports_off = put_aligned(tb, ports, sizeof(ports[0]) * n_ports);
		if (top.ports_off == 0)
			return -ENOMEM;
	}
	for (unsigned l = 0; l < PREFILTER_LIST_MAX; l++) {
		rc = build_list(tb, &top.lists[l], rules->prefixes[l], rules->n_prefixes[l]);
		if (rc != 0)
			return rc;
	}
	top_off = put_aligned(tb, &top, sizeof(top));
	if (top_off == 0)
		return -ENOMEM;
	tables_builder_set_top(tb, top_off);
	return tables_builder_status(tb);
}
