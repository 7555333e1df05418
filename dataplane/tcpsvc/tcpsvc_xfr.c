/* SPDX-License-Identifier: BSD-3-Clause */
/* Zone transfers (AXFR, IXFR in AXFR form) out of the zones table. */
#include "tcpsvc.h"

#include <errno.h>
#include <string.h>

#define QTYPE_SOA  6
#define QTYPE_IXFR 251
#define QTYPE_AXFR 252
#define CLASS_IN   1

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Step over a possibly compressed name at *i; false when it runs out or is malformed. */
static bool skip_name(const uint8_t *m, size_t len, size_t *i)
{
	size_t at = *i, total = 0;

	for (;;) {
		if (at >= len)
			return false;
		uint8_t l = m[at];
		if ((l & 0xc0) == 0xc0) {
			if (at + 2 > len)
				return false;
			*i = at + 2;
			return true;
		}
		if (l & 0xc0)
			return false;
		total += 1u + l;
		if (total > 255)
			return false;
		at += 1u + l;
		if (l == 0) {
			*i = at;
			return true;
		}
	}
}

int tcpsvc_xfr_parse(const uint8_t *m, size_t len, struct tcpsvc_xfr_query *q)
{
	size_t i = 12, qlen = 0;
	uint16_t qtype, qclass;

	if (len < 12 || (m[2] & 0x80) || (m[2] & 0x78) != 0 || rd16(m + 4) != 1)
		return 1;
	while (i < len && m[i] != 0) {
		uint8_t l = m[i];
		if ((l & 0xc0) || i + 1 + l > len || qlen + 1 + l + 1 > sizeof(q->qname))
			return 1;
		q->qname[qlen++] = l;
		for (unsigned k = 0; k < l; k++) {
			uint8_t c = m[i + 1 + k];
			q->qname[qlen++] = (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
		}
		i += 1u + l;
	}
	if (i + 5 > len)
		return 1;
	q->qname[qlen++] = 0;
	q->qname_len = (uint32_t)qlen;
	qtype = rd16(m + i + 1);
	qclass = rd16(m + i + 3);
	if ((qtype != QTYPE_AXFR && qtype != QTYPE_IXFR) || qclass != CLASS_IN)
		return 1;
	i += 5;
	q->id = rd16(m);
	q->qtype = qtype;
	q->rd = m[2] & 0x01;
	q->question_end = (uint32_t)i;
	q->have_serial = false;
	q->serial = 0;
	if (qtype == QTYPE_AXFR)
		return 0;

	/* IXFR (RFC 1995 3): the client's SOA is the authority section's first record. */
	if (rd16(m + 6) != 0 || rd16(m + 8) < 1)
		return -EBADMSG;
	if (!skip_name(m, len, &i) || i + 10 > len)
		return -EBADMSG;
	size_t rdlen = rd16(m + i + 8), rdata = i + 10;
	if (rd16(m + i) != QTYPE_SOA || rdata + rdlen > len)
		return -EBADMSG;
	i = rdata;
	if (!skip_name(m, rdata + rdlen, &i) || !skip_name(m, rdata + rdlen, &i) ||
	    i + 20 != rdata + rdlen)
		return -EBADMSG;
	q->serial = rd32(m + i);
	q->have_serial = true;
	return 0;
}

/* The snapshot's record arrays, when @p t is usable. */
struct xfr_view {
	const struct tables_snapshot *s;
	const struct zones_top *t;
	const struct zones_zone_rec *z;
};

/* The first record set of @p type at node @p n, or UINT32_MAX. */
static uint32_t node_type_first(const struct xfr_view *v, const struct zones_node_rec *n,
				uint16_t type)
{
	for (uint32_t k = 0; k < n->n_rrsets; k++)
		if (zones_rrset(v->s, v->t, n->first_rrset + k)->type == type)
			return n->first_rrset + k;
	return UINT32_MAX;
}

/* The zone's SOA record set, or NULL when it has none with a record. */
static const struct zones_rrset_rec *zone_soa(const struct xfr_view *v)
{
	const struct zones_node_rec *apex = zones_node(v->s, v->t, v->z->apex_node);
	uint32_t k = node_type_first(v, apex, QTYPE_SOA);
	const struct zones_rrset_rec *r = k == UINT32_MAX ? NULL : zones_rrset(v->s, v->t, k);

	return r != NULL && r->rdata_count > 0 ? r : NULL;
}

/* The SOA serial in the first record of a checked SOA rrset. */
static uint32_t soa_serial(const struct tables_snapshot *s, const struct zones_rrset_rec *r)
{
	const uint8_t *rd = s->base + r->rdata_off;
	uint16_t len = rd16(rd);

	/* zones_table_check() proved it: two names, then 20 bytes. */
	return rd32(rd + 2 + len - 20);
}

static bool view_of(const struct dns_tables *t, uint32_t zone, struct xfr_view *v)
{
	if (t == NULL || t->zones == NULL || t->zones_top == NULL)
		return false;
	v->s = t->zones;
	v->t = t->zones_top;
	v->z = zones_zone(v->s, v->t, zone);
	return v->z != NULL;
}

static bool zone_applies(const struct tables_snapshot *s, const struct zones_zone_rec *z,
			 uint8_t family, const uint8_t *addr)
{
	return z->private_zone &&
	       zones_prefix_match(
		   (const struct zones_prefix *)(const void *)(s->base + z->prefixes_off),
		   z->n_prefixes, family, addr);
}

int tcpsvc_xfr_start(const struct dns_tables *t, const struct tcpsvc_xfr_query *q, uint8_t family,
		     const uint8_t *addr, struct tcpsvc_xfr *x)
{
	const struct zones_node_rec *n = NULL;
	const struct zones_rrset_rec *soa;
	struct xfr_view v;
	uint32_t zone = UINT32_MAX;

	if (t == NULL || t->zones == NULL || t->zones_top == NULL)
		return 5;
	/* The zones of this apex the ACL lets the client have; its private zone first. */
	while ((n = zones_find_node(t->zones, t->zones_top, q->qname, q->qname_len, n)) != NULL) {
		const struct zones_zone_rec *z = zones_zone(t->zones, t->zones_top, n->zone);

		if (!(n->flags & ZONES_NODE_APEX) ||
		    !zones_prefix_match(zones_zone_xfr_prefixes(t->zones, z), z->n_xfr_prefixes,
					family, addr))
			continue;
		if (zone_applies(t->zones, z, family, addr)) {
			zone = n->zone;
			break;
		}
		if (zone == UINT32_MAX)
			zone = n->zone;
	}
	if (zone == UINT32_MAX || !view_of(t, zone, &v))
		return 5;
	soa = zone_soa(&v);
	if (soa == NULL)
		return 2;
	memset(x, 0, sizeof(*x));
	x->generation = t->zones->generation;
	x->zone = zone;
	x->node = v.z->first_node;
	x->rrset = 0;
	x->record = 0;
	x->id = q->id;
	x->flags = q->rd;
	x->phase = TCPSVC_XFR_SOA_FIRST;
	if (q->qtype == QTYPE_IXFR && q->have_serial &&
	    tcpsvc_serial_ge(q->serial, soa_serial(t->zones, soa)))
		x->phase = TCPSVC_XFR_SOA_LAST;
	return 0;
}

/* One message under construction. */
struct xfr_msg {
	uint8_t *p;
	size_t cap, len;
	uint16_t ancount;
	uint16_t apex_ptr;  /* where a name equal to the apex starts (0: none yet) */
	uint16_t owner_ptr; /* where the last owner was written (0: not pointable) */
	uint32_t owner_node;
};

/*
 * Append one record; false when it does not fit. @p owner is the node's
 * name (@p node: for reusing the last owner), which ends in the apex of
 * @p apex_len bytes.
 */
static bool put_rr(struct xfr_msg *m, const uint8_t *owner, size_t owner_len, uint32_t node,
		   size_t apex_len, uint16_t type, uint32_t ttl, const uint8_t *rdata,
		   uint16_t rdlen)
{
	size_t prefix = owner_len - apex_len, name_bytes, at = m->len;
	int how; /* 0: pointer to the last owner, 1: prefix + apex pointer, 2: in full */

	if (m->owner_ptr != 0 && m->owner_node == node) {
		how = 0;
		name_bytes = 2;
	} else if (m->apex_ptr != 0) {
		how = 1;
		name_bytes = prefix + 2;
	} else {
		how = 2;
		name_bytes = owner_len;
	}
	if (m->len + name_bytes + 10 + rdlen > m->cap)
		return false;
	uint8_t *p = m->p + at;
	if (how == 0) {
		wr16(p, (uint16_t)(0xc000u | m->owner_ptr));
	} else if (how == 1) {
		memcpy(p, owner, prefix);
		wr16(p + prefix, (uint16_t)(0xc000u | m->apex_ptr));
	} else {
		memcpy(p, owner, owner_len);
		if (at + prefix < 0x4000)
			m->apex_ptr = (uint16_t)(at + prefix);
	}
	if (how != 0) {
		/* A name that is only a pointer is pointed at through its target. */
		m->owner_ptr = prefix == 0 && how == 1 ? m->apex_ptr
			       : at < 0x4000	       ? (uint16_t)at
						       : 0;
		m->owner_node = node;
	}
	p += name_bytes;
	wr16(p, type);
	wr16(p + 2, CLASS_IN);
	wr32(p + 4, ttl);
	wr16(p + 8, rdlen);
	if (rdlen > 0)
		memcpy(p + 10, rdata, rdlen);
	m->len += name_bytes + 10 + rdlen;
	m->ancount++;
	return true;
}

/* Is the record of @p len bytes at @p rd already in record set @p j (before byte @p end)? */
static bool in_rrset(const struct xfr_view *v, uint32_t j, uint32_t end, const uint8_t *rd,
		     uint16_t len)
{
	const struct zones_rrset_rec *r = zones_rrset(v->s, v->t, j);
	const uint8_t *base = v->s->base + r->rdata_off;

	for (uint32_t off = 0; off + 2 <= end && off + 2 <= r->rdata_len;) {
		uint16_t l = rd16(base + off);
		if (l == len && memcmp(base + off + 2, rd, len) == 0)
			return true;
		off += 2u + l;
	}
	return false;
}

/* Move the cursor to the next group (record sets of a type not yet sent) or node. */
static void next_group(const struct xfr_view *v, struct tcpsvc_xfr *x,
		       const struct zones_node_rec *n, uint32_t group_first)
{
	uint32_t end = n->first_rrset + n->n_rrsets;

	for (uint32_t j = group_first + 1; j < end; j++) {
		uint16_t type = zones_rrset(v->s, v->t, j)->type;
		if (node_type_first(v, n, type) == j) {
			x->rrset = j;
			x->record = 0;
			return;
		}
	}
	x->node++;
	x->rrset = 0;
	x->record = 0;
}

/*
 * The next record of the body at or after the cursor (duplicates, the
 * apex's SOA and empty record sets stepped over): false at the zone's end.
 */
static bool body_record(const struct xfr_view *v, struct tcpsvc_xfr *x,
			struct tcpsvc_dns_counters *cnt, const struct zones_node_rec **node,
			const uint8_t **rd, uint16_t *rdlen, uint16_t *type, uint32_t *ttl)
{
	for (;;) {
		if (x->node - v->z->first_node >= v->z->n_nodes)
			return false;
		const struct zones_node_rec *n = zones_node(v->s, v->t, x->node);
		uint32_t end = n->first_rrset + n->n_rrsets;
		if (x->rrset < n->first_rrset || x->rrset >= end) {
			if (n->n_rrsets == 0 || x->rrset >= end) {
				x->node++;
				x->rrset = 0;
				x->record = 0;
				continue;
			}
			x->rrset = n->first_rrset;
			x->record = 0;
		}
		const struct zones_rrset_rec *r = zones_rrset(v->s, v->t, x->rrset);
		uint32_t g = node_type_first(v, n, r->type);
		if ((n->flags & ZONES_NODE_APEX) && r->type == QTYPE_SOA) {
			next_group(v, x, n, g);
			continue;
		}
		if (x->record == 0 && r->rdata_count == 0)
			cnt->xfr_empty_rrsets++;
		if (x->record + 2 > r->rdata_len) {
			/* This record set is done: the next of its type, else the next group. */
			uint32_t k;
			for (k = x->rrset + 1; k < end; k++)
				if (zones_rrset(v->s, v->t, k)->type == r->type)
					break;
			if (k < end) {
				x->rrset = k;
				x->record = 0;
			} else {
				next_group(v, x, n, g);
			}
			continue;
		}
		const uint8_t *p = v->s->base + r->rdata_off + x->record;
		uint16_t len = rd16(p);
		bool dup = in_rrset(v, x->rrset, x->record, p + 2, len);
		for (uint32_t j = g; !dup && j < x->rrset; j++)
			if (zones_rrset(v->s, v->t, j)->type == r->type)
				dup = in_rrset(v, j, UINT32_MAX, p + 2, len);
		if (dup) {
			x->record += 2u + len;
			continue;
		}
		uint32_t min_ttl = r->ttl;
		for (uint32_t j = g; j < end; j++) {
			const struct zones_rrset_rec *o = zones_rrset(v->s, v->t, j);
			if (o->type == r->type && o->ttl < min_ttl)
				min_ttl = o->ttl;
		}
		*node = n;
		*rd = p + 2;
		*rdlen = len;
		*type = r->type;
		*ttl = min_ttl;
		return true;
	}
}

int tcpsvc_xfr_next(const struct dns_tables *t, struct tcpsvc_xfr *x, const uint8_t *query,
		    uint8_t *out, size_t cap, struct tcpsvc_dns_counters *cnt)
{
	struct xfr_view v;
	struct xfr_msg m = {.p = out, .cap = cap > TCPSVC_DNS_MAX_MSG ? TCPSVC_DNS_MAX_MSG : cap};
	const struct zones_rrset_rec *soa;

	if (x->phase == TCPSVC_XFR_DONE || x->phase == TCPSVC_XFR_IDLE)
		return 0;
	if (!view_of(t, x->zone, &v) || t->zones->generation != x->generation)
		return -ESTALE;
	soa = zone_soa(&v);
	if (soa == NULL)
		return -ESTALE; /* cannot happen in the generation it began on */

	m.len = 12;
	if (x->messages == 0) {
		/* The question, as asked: [12, question_end) of the query. */
		size_t i = 12;
		while (query[i] != 0)
			i += 1u + query[i];
		i += 5;
		if (i > m.cap)
			return -ENOSPC;
		if (query != out)
			memmove(out + 12, query + 12, i - 12);
		m.len = i;
		m.apex_ptr = 12;
	}

	for (;;) {
		const struct zones_node_rec *n = NULL;
		const uint8_t *rd;
		uint16_t rdlen, type;
		uint32_t ttl;
		bool body = x->phase == TCPSVC_XFR_BODY;

		if (x->phase == TCPSVC_XFR_DONE)
			break;
		if (body && !body_record(&v, x, cnt, &n, &rd, &rdlen, &type, &ttl)) {
			x->phase = TCPSVC_XFR_SOA_LAST;
			continue;
		}
		if (!body) {
			rd = v.s->base + soa->rdata_off + 2;
			rdlen = rd16(rd - 2);
			type = QTYPE_SOA;
			ttl = soa->ttl;
			n = zones_node(v.s, v.t, v.z->apex_node);
		}
		if (!put_rr(&m, zones_node_name(v.s, n), n->name_len,
			    (uint32_t)(n - zones_node(v.s, v.t, 0)), v.z->apex_len, type, ttl, rd,
			    rdlen)) {
			if (m.ancount > 0)
				break;
			if (m.cap < TCPSVC_DNS_MAX_MSG)
				return -ENOSPC;
			/* Larger than any message can be: counted, not sent. */
			cnt->xfr_skipped++;
			if (!body)
				return -ESTALE;
			x->record += 2u + rdlen;
			continue;
		}
		cnt->xfr_records++;
		if (body)
			x->record += 2u + rdlen;
		else
			x->phase =
			    x->phase == TCPSVC_XFR_SOA_FIRST ? TCPSVC_XFR_BODY : TCPSVC_XFR_DONE;
	}
	wr16(out, x->id);
	out[2] = (uint8_t)(0x80 | 0x04 | (x->flags & 0x01)); /* QR, AA, RD as asked */
	out[3] = 0;
	wr16(out + 4, x->messages == 0 ? 1 : 0);
	wr16(out + 6, m.ancount);
	wr16(out + 8, 0);
	wr16(out + 10, 0);
	x->messages++;
	cnt->xfr_messages++;
	return (int)m.len;
}
