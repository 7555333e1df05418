/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: arbitrary bytes as a zones snapshot (header and body, as
 * the file would be; the CRCs are not checked here, that is the map's job).
 * zones_table_check() must refuse it or accept it; once accepted, every
 * lookup and every record the DNS engine would touch must stay inside it.
 */
#include "base.h"
#include "zones.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Touch every byte a reader may use, so ASan sees any escape. */
static volatile uint8_t sink;

static void touch(const struct tables_snapshot *s, uint64_t off, uint64_t len)
{
	if (len == 0)
		return;
	const uint8_t *p = tables_snapshot_at(s, off, len);
	if (p == NULL)
		abort(); /* the check let an out-of-bounds range through */
	for (uint64_t i = 0; i < len; i++)
		sink ^= p[i];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int quiet;
	struct tables_snapshot s;
	const struct zones_top *t;
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
	s.kind = TABLES_KIND_ZONES;
	s.generation = 1;
	t = zones_table_check(&s);
	if (t != NULL) {
		for (uint32_t z = 0; z < t->n_zones; z++) {
			const struct zones_zone_rec *zr = zones_zone(&s, t, z);
			touch(&s, zr->apex_off, zr->apex_len);
			touch(&s, zr->id_off, zr->id_len);
			touch(&s, zr->prefixes_off, (uint64_t)zr->n_prefixes * 18);
			if (zones_node(&s, t, zr->apex_node) == NULL)
				abort();
			/* The transfer ACL, and the zone's node range: all of its own. */
			touch(&s, zr->xfr_prefixes_off, (uint64_t)zr->n_xfr_prefixes * 18);
			(void)zones_prefix_match(zones_zone_xfr_prefixes(&s, zr),
						 zr->n_xfr_prefixes, 4, buf);
			for (uint32_t k = 0; k < zr->n_nodes; k++) {
				const struct zones_node_rec *n =
				    zones_node(&s, t, zr->first_node + k);
				if (n == NULL || n->zone != z)
					abort();
			}
		}
		for (uint32_t i = 0; i < t->n_nodes; i++) {
			const struct zones_node_rec *n = zones_node(&s, t, i), *f = NULL;
			int found = 0;
			/* Its own name finds it, by walking every node of that name. */
			while ((f = zones_find_node(&s, t, zones_node_name(&s, n), n->name_len,
						    f)) != NULL)
				found |= f == n;
			if (!found)
				abort();
			for (uint32_t k = 0; k < n->n_rrsets; k++) {
				const struct zones_rrset_rec *r = zones_node_rrset(&s, t, n, k);
				if (r == NULL)
					abort();
				touch(&s, r->rdata_off, r->rdata_len);
				touch(&s, r->set_id_off, r->set_id_len);
				touch(&s, r->region_off, r->region_len);
				touch(&s, r->alias_target_off, r->alias_target_len);
			}
		}
		/* Lookups of names made of the input. */
		for (size_t off = 0; off + 1 < size && off < 4096; off += 7) {
			size_t l = data[off] % 64 + 1;
			if (off + l <= size)
				(void)zones_find_node(&s, t, data + off, l, NULL);
		}
	}
	free(buf);
	return 0;
}
