/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Precompiled answers, per core: the sections of an answer that depends on
 * the snapshot alone (no routing policy, no private zone), kept in wire form
 * under (snapshot, generation, type, name) in a direct-mapped table of
 * 256-byte entries (larger answers are not kept: they are rarely the hot ones). A hit
 * is a copy of those bytes after the question; the header, the question
 * (with the query's case: the kept names point into it) and the OPT record
 * are the query's own. Compression pointers stay valid because a name of
 * the same lowercase bytes has the same length.
 */
#include "dns_pvt.h"

struct dns_cache_entry {
	uint64_t generation;
	uintptr_t snapshot;
	uint32_t hash;
	uint16_t qtype, body_len;
	uint16_t count[3];
	uint8_t rcode, flags, qname_len;
	uint8_t reserved[5];
	/* The lowercase name, then the sections: small entries keep a large
	 * table of hot names in the core's caches. */
	uint8_t data[DNS_CACHE_ENTRY_SIZE - 40];
};

_Static_assert(sizeof(struct dns_cache_entry) == DNS_CACHE_ENTRY_SIZE, "cache entry layout");

#define CACHE_AA       0x01u
#define CACHE_NODATA   0x02u
#define CACHE_REFERRAL 0x04u

/* FNV-1a over the name and type: any spread will do, the key is compared in full. */
static uint32_t key_hash(const struct dns_query *q)
{
	uint32_t h = 2166136261u ^ q->qtype;

	for (unsigned i = 0; i < q->qname.len; i++)
		h = (h ^ q->qname.wire[i]) * 16777619u;
	return h;
}

static struct dns_cache_entry *slot(struct dns_ctx *ctx, uint32_t hash)
{
	return (struct dns_cache_entry *)(void *)(ctx->cache + (size_t)(hash & ctx->cache_mask) *
								   DNS_CACHE_ENTRY_SIZE);
}

size_t dns_cache_serve(struct dns_ctx *ctx, const struct dns_tables *t, const struct dns_query *q,
		       struct dns_writer *w, struct dns_outcome *out)
{
	uint32_t hash;
	const struct dns_cache_entry *e;

	if (ctx->cache == NULL || t == NULL || t->zones == NULL)
		return 0;
	hash = key_hash(q);
	e = slot(ctx, hash);
	if (e->hash != hash || e->qtype != q->qtype || e->qname_len != q->qname.len ||
	    e->generation != t->zones->generation || e->snapshot != (uintptr_t)t->zones ||
	    memcmp(e->data, q->qname.wire, q->qname.len) != 0)
		return 0;
	if (w->pos > w->limit || e->body_len > w->limit - w->pos)
		return 0; /* would truncate: the full path decides */
	memcpy(w->msg + w->pos, e->data + e->qname_len, e->body_len);
	w->pos += e->body_len;
	memcpy(w->count, e->count, sizeof(w->count));
	memset(out, 0, sizeof(*out));
	out->rcode = e->rcode;
	out->aa = (e->flags & CACHE_AA) != 0;
	out->nodata = (e->flags & CACHE_NODATA) != 0;
	out->referral = (e->flags & CACHE_REFERRAL) != 0;
	out->cacheable = true;
	return w->pos;
}

void dns_cache_store(struct dns_ctx *ctx, const struct dns_tables *t, const struct dns_query *q,
		     const struct dns_writer *w, const struct dns_outcome *out)
{
	uint32_t hash, len = w->pos - q->qend;
	struct dns_cache_entry *e;

	/*
	 * NOERROR only: names that do not exist (random-subdomain floods) would
	 * only push the names that do out of the table.
	 */
	if (ctx->cache == NULL || !out->cacheable || out->truncate || w->overflow ||
	    out->rcode != DNS_RCODE_NOERROR || w->pos < q->qend ||
	    (size_t)q->qname.len + len > sizeof(e->data))
		return;
	hash = key_hash(q);
	e = slot(ctx, hash);
	e->hash = hash;
	e->qtype = q->qtype;
	e->qname_len = q->qname.len;
	memcpy(e->data, q->qname.wire, q->qname.len);
	e->generation = t->zones->generation;
	e->snapshot = (uintptr_t)t->zones;
	e->body_len = (uint16_t)len;
	memcpy(e->data + q->qname.len, w->msg + q->qend, len);
	memcpy(e->count, w->count, sizeof(e->count));
	e->rcode = out->rcode;
	e->flags = (uint8_t)((out->aa ? CACHE_AA : 0) | (out->nodata ? CACHE_NODATA : 0) |
			     (out->referral ? CACHE_REFERRAL : 0));
}
