/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RFC 1034 4.3.2 over the zones table: the closest enclosing zone (private
 * zones first for their prefixes), then down from its apex one label at a
 * time: a delegation on the way refers, a missing label ends at the closest
 * encloser (wildcard, RFC 4592, or NXDOMAIN), the whole name answers (its
 * type, or a CNAME followed within the zone). Each name's nodes are found
 * by walking the hash chains of the snapshot in place (zones.h documents the
 * layout; the snapshot passed zones_table_check(), so every index and offset
 * read here is in bounds), with the hash of each suffix computed once.
 */
#include "dns_pvt.h"

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

#define NO_ZONE UINT32_MAX

#if defined(__x86_64__)
/*
 * zones_name_hash() (CRC-32C), inlined for the hot path eight bytes at a
 * time when the CPU has SSE4.2 (dns_ctx_init() looks): the same value as
 * the table's, one or two of these per query.
 */
__attribute__((target("sse4.2"))) static uint32_t crc32c_sse42(const uint8_t *p, size_t len)
{
	uint64_t c = 0xffffffffu;
	uint32_t c32;

	for (; len >= 8; p += 8, len -= 8) {
		uint64_t v;
		memcpy(&v, p, 8);
		c = _mm_crc32_u64(c, v);
	}
	c32 = (uint32_t)c;
	if (len >= 4) {
		uint32_t v;
		memcpy(&v, p, 4);
		c32 = _mm_crc32_u32(c32, v);
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t v;
		memcpy(&v, p, 2);
		c32 = _mm_crc32_u16(c32, v);
		p += 2;
		len -= 2;
	}
	if (len > 0)
		c32 = _mm_crc32_u8(c32, *p);
	return ~c32;
}
#endif

static inline uint32_t name_hash(const struct dns_ctx *ctx, const uint8_t *name, size_t len)
{
#if defined(__x86_64__)
	if (ctx->crc_sse42)
		return crc32c_sse42(name, len);
#endif
	(void)ctx;
	return zones_name_hash(name, len);
}

/* The nodes of one name's suffixes, found lazily. */
struct name_nodes {
	const struct dns_name *name;
	uint64_t looked[2];		    /* a bit per level */
	uint32_t first[DNS_LABELS_MAX + 1]; /* index + 1 of the first node of the suffix; 0 none */
};

struct lookup {
	const struct dns_query *q;
	struct dns_writer *w;
	struct dns_outcome *out;
	struct dns_policy_env pol;
	const struct tables_snapshot *s;
	const struct zones_top *top;
	const struct zones_zone_rec *zones;
	const struct zones_node_rec *nodes;
	const struct zones_rrset_rec *rrsets;
	const uint32_t *buckets;
	uint32_t zone;
	const struct zones_zone_rec *zrec;
	uint8_t apex_labels;
	bool additional_cut; /* an additional record set did not fit */
	unsigned n_targets;
	struct {
		const uint8_t *name; /* in the snapshot's rdata */
		uint8_t len;
		bool glue; /* of a referral: must fit (RFC 9471), else TC */
	} targets[DNS_TARGETS_MAX];
	const uint8_t *cut; /* the delegation of a referral (lowercase wire) */
	uint8_t cut_len;
	const uint8_t *cname_target; /* the target of the CNAME just written */
	uint16_t cname_target_len;
};

static void nn_init(struct name_nodes *nn, const struct dns_name *name)
{
	nn->name = name;
	nn->looked[0] = nn->looked[1] = 0;
}

/* Equal bytes, compared a word at a time without reading past either side. */
static inline bool bytes_equal(const uint8_t *a, const uint8_t *b, size_t len)
{
	uint64_t x, y, diff = 0;

	if (len < 8) {
		for (size_t i = 0; i < len; i++)
			diff |= (uint64_t)(a[i] ^ b[i]);
		return diff == 0;
	}
	for (size_t i = 0; i + 8 < len; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		diff |= x ^ y;
	}
	memcpy(&x, a + len - 8, 8);
	memcpy(&y, b + len - 8, 8);
	return (diff | (x ^ y)) == 0;
}

static bool same_name(const struct lookup *lk, const struct zones_node_rec *n, uint32_t hash,
		      const uint8_t *name, size_t len)
{
	return n->hash == hash && n->name_len == len &&
	       bytes_equal(lk->s->base + n->name_off, name, len);
}

/* Index + 1 of the first node named exactly @p name (lowercase), 0 when none. */
static uint32_t chain_first(const struct lookup *lk, const uint8_t *name, size_t len,
			    uint32_t *hash_out)
{
	uint32_t hash = name_hash(lk->pol.ctx, name, len);
	uint32_t v = lk->buckets[hash & (lk->top->n_buckets - 1)];

	*hash_out = hash;
	while (v != 0 && v <= lk->top->n_nodes) {
		const struct zones_node_rec *n = &lk->nodes[v - 1];
		if (same_name(lk, n, hash, name, len))
			return v;
		v = n->next;
	}
	return 0;
}

/* The next node of the same name as @p n on its chain, or NULL. */
static const struct zones_node_rec *chain_next(const struct lookup *lk,
					       const struct zones_node_rec *n)
{
	const uint8_t *name = lk->s->base + n->name_off;

	for (uint32_t v = n->next; v != 0 && v <= lk->top->n_nodes;) {
		const struct zones_node_rec *m = &lk->nodes[v - 1];
		if (same_name(lk, m, n->hash, name, n->name_len))
			return m;
		v = m->next;
	}
	return NULL;
}

static const struct zones_node_rec *first_at(struct lookup *lk, struct name_nodes *nn, unsigned lvl)
{
	uint64_t bit = 1ull << (lvl % 64);
	const struct dns_name *n = nn->name;
	uint32_t hash;

	if (!(nn->looked[lvl / 64] & bit)) {
		nn->first[lvl] =
		    chain_first(lk, n->wire + n->off[lvl], n->len - n->off[lvl], &hash);
		nn->looked[lvl / 64] |= bit;
	}
	return nn->first[lvl] != 0 ? &lk->nodes[nn->first[lvl] - 1] : NULL;
}

/* The node of suffix @p lvl of @p nn in the lookup's zone, or NULL. */
static const struct zones_node_rec *node_at(struct lookup *lk, struct name_nodes *nn, unsigned lvl)
{
	const struct zones_node_rec *n = first_at(lk, nn, lvl);

	while (n != NULL && n->zone != lk->zone)
		n = chain_next(lk, n);
	return n;
}

/* The node of exactly @p name (lowercase) in the lookup's zone, or NULL. */
static const struct zones_node_rec *node_named(const struct lookup *lk, const uint8_t *name,
					       size_t len)
{
	uint32_t hash, v = chain_first(lk, name, len, &hash);
	const struct zones_node_rec *n = v != 0 ? &lk->nodes[v - 1] : NULL;

	while (n != NULL && n->zone != lk->zone)
		n = chain_next(lk, n);
	return n;
}

static bool prefix_match(const struct zones_prefix *p, const struct dns_query_meta *meta)
{
	unsigned full = p->len / 8u, rest = p->len % 8u;

	if (p->family != meta->family || p->len > (p->family == 6 ? 128 : 32))
		return false;
	if (memcmp(p->addr, meta->src_addr, full) != 0)
		return false;
	return rest == 0 || ((p->addr[full] ^ meta->src_addr[full]) & (0xffu << (8 - rest))) == 0;
}

static bool private_applies(const struct lookup *lk, const struct zones_zone_rec *z)
{
	const struct zones_prefix *pfx =
	    tables_snapshot_at(lk->s, z->prefixes_off, (uint64_t)z->n_prefixes * sizeof(*pfx));

	if (pfx == NULL)
		return false;
	for (uint32_t i = 0; i < z->n_prefixes; i++)
		if (prefix_match(&pfx[i], lk->pol.meta))
			return true;
	return false;
}

/*
 * The closest enclosing zone of the name, from suffix @p start up: the
 * first suffix that is the apex of a zone that applies (a private zone for
 * the client's prefixes wins over a public zone of the same name).
 */
static bool find_zone(struct lookup *lk, struct name_nodes *nn, unsigned start)
{
	for (unsigned lvl = start; lvl <= nn->name->labels; lvl++) {
		uint32_t pub = NO_ZONE, priv = NO_ZONE;

		for (const struct zones_node_rec *n = first_at(lk, nn, lvl); n != NULL;
		     n = chain_next(lk, n)) {
			if (!(n->flags & ZONES_NODE_APEX) || n->zone >= lk->top->n_zones)
				continue;
			const struct zones_zone_rec *z = &lk->zones[n->zone];
			if (z->private_zone) {
				lk->pol.volatile_used = true; /* the answer depends on the source */
				if (private_applies(lk, z)) {
					priv = n->zone;
					break;
				}
			} else if (pub == NO_ZONE) {
				pub = n->zone;
			}
		}
		if (priv != NO_ZONE || pub != NO_ZONE) {
			lk->zone = priv != NO_ZONE ? priv : pub;
			lk->zrec = &lk->zones[lk->zone];
			lk->apex_labels = lk->zrec->apex_labels;
			return true;
		}
	}
	return false;
}

static void add_target(struct lookup *lk, const uint8_t *name, size_t len, bool glue)
{
	if (len <= 1 || lk->n_targets >= DNS_TARGETS_MAX)
		return; /* the root: "no service" (RFC 2782 / RFC 7505) */
	for (unsigned i = 0; i < lk->n_targets; i++)
		if (lk->targets[i].len == len) {
			size_t k = 0;
			while (k < len && dns_lower(lk->targets[i].name[k]) == dns_lower(name[k]))
				k++;
			if (k == len)
				return;
		}
	lk->targets[lk->n_targets].name = name;
	lk->targets[lk->n_targets].len = (uint8_t)len;
	lk->targets[lk->n_targets].glue = glue;
	lk->n_targets++;
}

/*
 * Write the records of type @p type at @p node chosen by their routing
 * policy into section @p sec, noting the names whose addresses go into the
 * additional section. Returns the records written.
 */
static unsigned write_type(struct lookup *lk, const struct zones_node_rec *node, uint16_t type,
			   struct dns_owner *owner, enum dns_section sec)
{
	const struct zones_rrset_rec *sel[DNS_SELECT_MAX];
	const struct zones_rrset_rec *rs = &lk->rrsets[node->first_rrset];
	unsigned n_sel = dns_policy_select(&lk->pol, rs, node->n_rrsets, type, sel);
	unsigned written = 0, max = DNS_SELECT_MAX;
	bool glue = sec == DNS_SEC_AUTHORITY && lk->out->referral;

	if (n_sel > 0 && sel[0]->policy != ZONES_POLICY_MULTIVALUE)
		max = UINT16_MAX;
	for (unsigned k = 0; k < n_sel; k++) {
		const struct zones_rrset_rec *r = sel[k];
		const uint8_t *rd = r->rdata_len > 0 ? lk->s->base + r->rdata_off : NULL;
		size_t pos = 0;

		for (uint32_t i = 0; i < r->rdata_count && written < max; i++) {
			uint16_t l = dns_get16(rd + pos);
			const uint8_t *d = rd + pos + 2;

			dns_write_rr(lk->w, sec, owner, r->type, r->ttl, d, l);
			if (lk->w->overflow)
				return written;
			written++;
			if (type == DNS_TYPE_CNAME && lk->cname_target == NULL) {
				lk->cname_target = d;
				lk->cname_target_len = l;
			} else if (type == DNS_TYPE_NS) {
				add_target(lk, d, l, glue);
			} else if (type == DNS_TYPE_MX) {
				add_target(lk, d + 2, l - 2u, false);
			} else if (type == DNS_TYPE_SRV) {
				add_target(lk, d + 6, l - 6u, false);
			}
			pos += 2u + l;
		}
	}
	return written;
}

/* NXDOMAIN or NODATA: the zone's SOA in the authority section, TTL per RFC 2308 5. */
static void negative(struct lookup *lk, bool nxdomain)
{
	const struct zones_node_rec *apex = &lk->nodes[lk->zrec->apex_node];
	const struct dns_name *qn = &lk->q->qname;
	struct dns_owner owner = {
	    .ptr = (uint16_t)(DNS_HEADER_LEN + qn->off[qn->labels - lk->apex_labels])};

	if (nxdomain) {
		lk->out->rcode = DNS_RCODE_NXDOMAIN;
		lk->out->nxdomain = true;
	} else {
		lk->out->nodata = true;
	}
	for (uint32_t i = 0; i < apex->n_rrsets; i++) {
		const struct zones_rrset_rec *r = &lk->rrsets[apex->first_rrset + i];
		if (r->type != DNS_TYPE_SOA || r->rdata_count == 0 || r->rdata_len < 22)
			continue;
		const uint8_t *rd = lk->s->base + r->rdata_off;
		uint16_t l = dns_get16(rd);
		uint32_t minimum = dns_get32(rd + 2 + l - 4);
		dns_write_rr(lk->w, DNS_SEC_AUTHORITY, &owner, DNS_TYPE_SOA,
			     r->ttl < minimum ? r->ttl : minimum, rd + 2, l);
		break;
	}
}

enum step { STEP_DONE, STEP_FOLLOW };

/* Answer @p qtype at @p node (exact or wildcard) for the name owned by @p owner. */
static enum step answer_node(struct lookup *lk, const struct zones_node_rec *node,
			     struct dns_owner *owner)
{
	const struct zones_rrset_rec *rs = &lk->rrsets[node->first_rrset];
	uint16_t qtype = lk->q->qtype;
	bool has_type = false, has_cname = false;

	if (qtype == DNS_TYPE_ANY) {
		/* RFC 8482 4.1, as Knot does: the first record set of the name only. */
		if (node->n_rrsets == 0) {
			negative(lk, false);
			return STEP_DONE;
		}
		qtype = rs[0].type;
	}
	for (uint32_t i = 0; i < node->n_rrsets; i++) {
		has_type |= rs[i].type == qtype;
		has_cname |= rs[i].type == DNS_TYPE_CNAME;
	}
	if (has_type) {
		if (write_type(lk, node, qtype, owner, DNS_SEC_ANSWER) == 0 && !lk->w->overflow)
			negative(lk, false); /* e.g. no geolocation match and no default */
		return STEP_DONE;
	}
	if (has_cname) {
		lk->cname_target = NULL;
		if (write_type(lk, node, DNS_TYPE_CNAME, owner, DNS_SEC_ANSWER) == 0) {
			if (!lk->w->overflow)
				negative(lk, false);
			return STEP_DONE;
		}
		return lk->cname_target != NULL ? STEP_FOLLOW : STEP_DONE;
	}
	negative(lk, false);
	return STEP_DONE;
}

/* A referral to the delegation @p cut at level @p lvl of the name: NS in authority, glue later. */
static void referral(struct lookup *lk, const struct zones_node_rec *cut, struct name_nodes *nn,
		     unsigned lvl, bool first_step)
{
	const struct dns_name *n = nn->name;
	struct dns_owner owner = {
	    .ptr = 0, .name = n->wire + n->off[lvl], .len = (uint8_t)(n->len - n->off[lvl])};

	if (first_step) {
		owner.ptr = (uint16_t)(DNS_HEADER_LEN + n->off[lvl]);
		lk->out->aa = false;
	}
	lk->out->referral = true;
	lk->cut = lk->s->base + cut->name_off;
	lk->cut_len = (uint8_t)cut->name_len;
	write_type(lk, cut, DNS_TYPE_NS, &owner, DNS_SEC_AUTHORITY);
}

/* One name of the answer (the question's, then each CNAME target in the zone). */
static enum step resolve(struct lookup *lk, struct name_nodes *nn, struct dns_owner *owner,
			 bool first_step)
{
	const struct dns_name *n = nn->name;
	const struct zones_node_rec *node = &lk->nodes[lk->zrec->apex_node];
	unsigned lvl = n->labels - lk->apex_labels;
	uint8_t wild[DNS_NAME_MAX + 2];

	while (lvl > 0) {
		const struct zones_node_rec *child = node_at(lk, nn, lvl - 1);
		if (child == NULL)
			break;
		node = child;
		lvl--;
		/* The parent side answers DS at the cut itself (RFC 4035 3.1.4.1). */
		if ((node->flags & ZONES_NODE_DELEGATION) &&
		    !(lvl == 0 && lk->q->qtype == DNS_TYPE_DS)) {
			referral(lk, node, nn, lvl, first_step);
			return STEP_DONE;
		}
	}
	if (lvl == 0)
		return answer_node(lk, node, owner);

	/* The closest encloser is at lvl: its "*" child answers in the name's stead. */
	size_t ce_len = n->len - n->off[lvl];
	if (ce_len + 2 <= DNS_NAME_MAX) {
		wild[0] = 1;
		wild[1] = '*';
		memcpy(wild + 2, n->wire + n->off[lvl], ce_len);
		const struct zones_node_rec *w = node_named(lk, wild, ce_len + 2);
		if (w != NULL)
			return answer_node(lk, w, owner);
	}
	negative(lk, true);
	return STEP_DONE;
}

static bool name_under(const struct dns_name *n, const uint8_t *apex, size_t apex_len,
		       unsigned apex_labels)
{
	if (n->labels < apex_labels)
		return false;
	unsigned lvl = n->labels - apex_labels;
	return (size_t)(n->len - n->off[lvl]) == apex_len &&
	       memcmp(n->wire + n->off[lvl], apex, apex_len) == 0;
}

/*
 * A/AAAA for the names noted in the answer and authority, as far as they
 * fit, record set by record set (as Knot DNS does: a set that does not fit
 * is left out and the next ones are still tried). Any name in the zone
 * qualifies, including glue below this or a sibling delegation; only glue
 * under the referral's own cut is required (RFC 9471), so only its absence
 * sets TC.
 */
static void additional(struct lookup *lk)
{
	static const uint16_t types[2] = {DNS_TYPE_A, DNS_TYPE_AAAA};
	const uint8_t *apex = lk->s->base + lk->zrec->apex_off;
	int cut_labels = 0;
	struct dns_name tn;

	for (size_t p = 0; p < lk->cut_len && lk->cut[p] != 0; p += 1u + lk->cut[p])
		cut_labels++;
	for (unsigned i = 0; i < lk->n_targets; i++) {
		bool required;

		if (!dns_name_from_wire(&tn, lk->targets[i].name, lk->targets[i].len))
			continue;
		if (!name_under(&tn, apex, lk->zrec->apex_len, lk->apex_labels))
			continue;
		required = lk->targets[i].glue &&
			   name_under(&tn, lk->cut, lk->cut_len, (unsigned)cut_labels);
		const struct zones_node_rec *node = node_named(lk, tn.wire, tn.len);
		if (node == NULL || node->n_rrsets == 0)
			continue;
		struct dns_owner owner = {
		    .ptr = 0, .name = lk->targets[i].name, .len = lk->targets[i].len};
		for (int k = 0; k < 2; k++) {
			/* Roll back a record set that does not fit whole. */
			struct dns_writer mark = *lk->w;
			write_type(lk, node, types[k], &owner, DNS_SEC_ADDITIONAL);
			if (lk->w->overflow) {
				*lk->w = mark;
				lk->additional_cut = true;
				if (required)
					lk->out->truncate = true;
			}
		}
	}
}

void dns_lookup(struct dns_ctx *ctx, const struct dns_tables *t, const struct dns_query_meta *meta,
		const struct dns_query *q, struct dns_writer *w, struct dns_outcome *out)
{
	struct lookup lk;
	struct name_nodes qnn, tnn;
	struct dns_name target;
	uint32_t seen[DNS_CNAME_MAX + 1];
	unsigned n_seen = 0;

	memset(out, 0, sizeof(*out));
	out->aa = true;
	if (t == NULL || t->zones == NULL || t->zones_top == NULL) {
		out->rcode = DNS_RCODE_REFUSED;
		out->aa = false;
		return;
	}
	lk.q = q;
	lk.w = w;
	lk.out = out;
	/* The geo facts are filled on first use (geo_done). */
	lk.pol.geo_done = lk.pol.geo_ok = false;
	lk.pol.geo_dependent = lk.pol.volatile_used = false;
	lk.pol.ctx = ctx;
	lk.pol.t = t;
	lk.pol.meta = meta;
	lk.pol.q = q;
	lk.s = t->zones;
	lk.top = t->zones_top;
	lk.zones = (const void *)(lk.s->base + lk.top->zones_off);
	lk.nodes = (const void *)(lk.s->base + lk.top->nodes_off);
	lk.rrsets = (const void *)(lk.s->base + lk.top->rrsets_off);
	lk.buckets = (const void *)(lk.s->base + lk.top->buckets_off);
	lk.additional_cut = false;
	lk.n_targets = 0;
	lk.cut = NULL;
	lk.cut_len = 0;
	lk.cname_target = NULL;

	nn_init(&qnn, &q->qname);
	/*
	 * DS lives on the parent side of a cut: look for the zone above the
	 * name first; without one, the name's own zone answers (NODATA).
	 */
	if (!(q->qtype == DNS_TYPE_DS && q->qname.labels > 0 && find_zone(&lk, &qnn, 1)) &&
	    !find_zone(&lk, &qnn, 0)) {
		out->rcode = DNS_RCODE_REFUSED;
		out->aa = false;
		out->cacheable = !lk.pol.volatile_used;
		return;
	}

	const uint8_t *apex = lk.s->base + lk.zrec->apex_off;
	struct name_nodes *nn = &qnn;
	struct dns_owner owner = {.ptr = DNS_HEADER_LEN};

	seen[n_seen++] = name_hash(ctx, q->qname.wire, q->qname.len);
	for (unsigned step = 0; step <= DNS_CNAME_MAX; step++) {
		if (resolve(&lk, nn, &owner, step == 0) != STEP_FOLLOW || w->overflow)
			break;
		/* Follow the CNAME while it stays in the zone and does not loop. */
		if (step == DNS_CNAME_MAX ||
		    !dns_name_from_wire(&target, lk.cname_target, lk.cname_target_len) ||
		    !name_under(&target, apex, lk.zrec->apex_len, lk.apex_labels))
			break;
		uint32_t h = name_hash(ctx, target.wire, target.len);
		bool loop = false;
		for (unsigned i = 0; i < n_seen; i++)
			loop |= seen[i] == h;
		if (loop)
			break;
		seen[n_seen++] = h;
		nn_init(&tnn, &target);
		nn = &tnn;
		owner.ptr = 0;
		owner.name = lk.cname_target;
		owner.len = (uint8_t)lk.cname_target_len;
	}
	if (w->overflow) {
		out->truncate = true;
	} else {
		additional(&lk);
	}
	out->geo_dependent = lk.pol.geo_dependent;
	out->ecs_scope = lk.pol.geo_ok ? lk.pol.geo.scope_prefix : 0;
	out->cacheable = !lk.pol.volatile_used && !out->truncate && !lk.additional_cut;
}
