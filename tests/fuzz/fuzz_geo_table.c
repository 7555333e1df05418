/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: arbitrary bytes as a geo snapshot (header and body, as
 * the file would be; the CRCs are not checked here, that is the map's job).
 * geo_table_check() must refuse it or accept it; once accepted, every range
 * must read back, a lookup of each range's first and last address must land
 * in that range with a scope inside it, and lookups of addresses made of the
 * input must stay inside the mapping.
 */
#include "base.h"
#include "geo.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The answer for an address of range @p r is that range's, its scope block inside it. */
static void check_in_range(const struct tables_snapshot *s, const struct geo_range *r,
			   const uint8_t *addr)
{
	unsigned n = r->family == 4 ? 4 : 16, bits = n * 8;
	uint8_t lo[16], hi[16];
	struct geo_answer a;
	bool found = geo_lookup(s, r->family, addr, &a);

	if (r->family == 6 && memcmp(addr, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0)
		return; /* IPv4-mapped: the IPv4 table answers */
	if (found != r->known || a.scope_prefix > bits ||
	    strcmp(a.country, r->facts.country) != 0 || strcmp(a.region, r->region) != 0 ||
	    a.latitude_e4 != r->facts.latitude_e4)
		abort();
	for (unsigned i = 0; i < n; i++) {
		unsigned keep = a.scope_prefix >= 8 * (i + 1) ? 8
				: a.scope_prefix <= 8 * i     ? 0
							      : a.scope_prefix - 8 * i;
		uint8_t mask = (uint8_t)(keep == 0 ? 0 : 0xff << (8 - keep));
		lo[i] = addr[i] & mask;
		hi[i] = addr[i] | (uint8_t)~mask;
	}
	if (memcmp(lo, r->first, n) < 0 || memcmp(hi, r->last, n) > 0)
		abort(); /* the scope claims addresses of another range */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int quiet;
	struct tables_snapshot s;
	const struct geo_top *t;
	uint8_t *buf;
	size_t len = size < 64 ? 64 : size;

	if (!quiet) {
		pop_log_set_level(POP_LOG_ERR); /* refusals log at WARNING */
		quiet = 1;
	}
	/* A mapping is page aligned; so is this copy. */
	buf = aligned_alloc(4096, (len + 4095) & ~(size_t)4095);
	if (buf == NULL)
		return 0;
	memset(buf, 0, len);
	memcpy(buf, data, size);
	s.base = buf;
	s.size = len;
	s.kind = TABLES_KIND_GEO;
	s.generation = 1;
	t = geo_table_check(&s);
	if (t != NULL) {
		for (uint8_t family = 4; family <= 6; family += 2) {
			uint32_t n = family == 4 ? t->v4.n_ranges : t->v6.n_ranges;
			for (uint32_t i = 0; i < n && i < 4096; i++) {
				struct geo_range r;
				if (geo_range_get(&s, t, family, i, &r) != 0)
					abort();
				check_in_range(&s, &r, r.first);
				check_in_range(&s, &r, r.last);
			}
		}
		/* Lookups of addresses made of the input. */
		for (size_t off = 0; off + 16 <= size && off < 4096; off += 5) {
			struct geo_answer a;
			(void)geo_lookup(&s, 4, data + off, &a);
			(void)geo_lookup(&s, 6, data + off, &a);
		}
	}
	free(buf);
	return 0;
}
