/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The query parser and the response writer. Every read is checked against
 * the message length and every write against the writer's limit; loops are
 * bounded by the bytes they consume.
 */
#include "dns_pvt.h"

/* A name in a section other than the question: skipped, compression allowed backwards only. */
static bool skip_name(const uint8_t *msg, size_t len, size_t *pos)
{
	size_t p = *pos, total = 0;

	for (;;) {
		if (p >= len)
			return false;
		uint8_t l = msg[p];
		if ((l & 0xc0) == 0xc0) {
			if (p + 2 > len)
				return false;
			size_t target = (size_t)(l & 0x3f) << 8 | msg[p + 1];
			if (target < DNS_HEADER_LEN || target >= *pos)
				return false; /* into the header, forwards, or a loop */
			*pos = p + 2;
			return true;
		}
		if (l > 63)
			return false; /* 0x40 and 0x80: extended label types, obsolete */
		total += 1u + l;
		if (total > DNS_NAME_MAX)
			return false;
		if (l == 0) {
			*pos = p + 1;
			return true;
		}
		p += 1u + l;
	}
}

static enum dns_parse_status parse_ecs(const uint8_t *o, uint16_t olen, struct dns_query *q)
{
	if (q->ecs || olen < 4)
		return DNS_PARSE_FORMERR;
	uint16_t family = dns_get16(o);
	uint8_t source = o[2];
	size_t addr_len = olen - 4u;

	if ((family != 1 || source > 32) && (family != 2 || source > 128))
		return DNS_PARSE_FORMERR;
	if (addr_len != (source + 7u) / 8u)
		return DNS_PARSE_FORMERR;
	/* RFC 7871 6: bits beyond SOURCE PREFIX-LENGTH must be zero. */
	if (source % 8 != 0 && (o[4 + addr_len - 1] & (0xffu >> (source % 8))) != 0)
		return DNS_PARSE_FORMERR;
	q->ecs = true;
	q->ecs_family = (uint8_t)family;
	q->ecs_source = source;
	q->ecs_addr_len = (uint8_t)addr_len;
	memset(q->ecs_addr, 0, sizeof(q->ecs_addr));
	memcpy(q->ecs_addr, o + 4, addr_len);
	return DNS_PARSE_OK;
}

/* The OPT record whose TYPE starts at @p p (owner already checked to be the root). */
static enum dns_parse_status parse_opt(const uint8_t *msg, size_t len, size_t *pos,
				       struct dns_query *q, bool *bad_version)
{
	size_t p = *pos;

	if (p + 10 > len)
		return DNS_PARSE_FORMERR;
	uint16_t rdlen = dns_get16(msg + p + 8);
	size_t end = p + 10 + rdlen;
	if (end > len)
		return DNS_PARSE_FORMERR;
	q->udp_size = dns_get16(msg + p + 2);
	uint8_t version = msg[p + 5];
	q->do_bit = (dns_get16(msg + p + 6) & DNS_EDNS_DO) != 0;
	*pos = end;
	if (version != 0) {
		/* Options of another version are not ours to read. */
		*bad_version = true;
		q->edns = true;
		return DNS_PARSE_OK;
	}
	for (size_t o = p + 10; o < end;) {
		if (end - o < 4)
			return DNS_PARSE_FORMERR;
		uint16_t code = dns_get16(msg + o), olen = dns_get16(msg + o + 2);
		if (end - o - 4 < olen)
			return DNS_PARSE_FORMERR;
		const uint8_t *data = msg + o + 4;
		if (code == DNS_EDNS_ECS) {
			enum dns_parse_status st = parse_ecs(data, olen, q);
			if (st != DNS_PARSE_OK)
				return st;
		} else if (code == DNS_EDNS_COOKIE) {
			/* RFC 7873 5.2.2: a client cookie alone, or with a server cookie of 8..32.
			 */
			if (q->has_cookie ||
			    (olen != DNS_COOKIE_CLIENT &&
			     (olen < DNS_COOKIE_CLIENT + 8 || olen > DNS_COOKIE_MAX)))
				return DNS_PARSE_FORMERR;
			q->has_cookie = true;
			q->cookie_len = (uint8_t)olen;
			memcpy(q->cookie, data, olen);
		}
		o += 4u + olen;
	}
	q->edns = true;
	return DNS_PARSE_OK;
}

/*
 * Copy @p n bytes of a name lowercased, eight at a time, reading no more
 * than the @p avail bytes at @p src; @p dst is rounded up to eight. Length
 * bytes (0..63) are never letters.
 */
static void lower_copy(uint8_t *dst, const uint8_t *src, size_t n, size_t avail)
{
	const uint64_t ones = 0x0101010101010101ull;

	for (size_t i = 0; i < n; i += 8) {
		uint64_t x = 0, h;
		if (avail - i >= 8)
			memcpy(&x, src + i, 8);
		else
			memcpy(&x, src + i, avail - i);
		h = x & (0x7f * ones);
		/* 0x80 in each byte from 'A' to 'Z' whose top bit is clear. */
		uint64_t upper = ((h + (0x80 - 'A') * ones) ^ (h + (0x80 - 'Z' - 1) * ones)) & ~x &
				 (0x80 * ones);
		x |= upper >> 2;
		memcpy(dst + i, &x, 8);
	}
}

/* The question's name: labels only (no pointer can precede it), lowercased into q->qname. */
static bool parse_qname(const uint8_t *msg, size_t len, size_t *pos, struct dns_name *n)
{
	size_t start = *pos, p = start;
	unsigned labels = 0;

	for (;;) {
		if (p >= len)
			return false;
		uint8_t l = msg[p];
		if (l > 63 || p - start + 1u + l > DNS_NAME_MAX || p + 1u + l > len)
			return false;
		n->off[labels] = (uint8_t)(p - start);
		p += 1u + l;
		if (l == 0)
			break;
		labels++;
	}
	n->len = (uint8_t)(p - start);
	n->labels = (uint8_t)labels;
	lower_copy(n->wire, msg + start, n->len, len - start);
	*pos = p;
	return true;
}

enum dns_parse_status dns_parse(const uint8_t *msg, size_t len, struct dns_query *q)
{
	size_t pos = DNS_HEADER_LEN;
	bool bad_version = false;

	q->have_question = false;
	q->edns = q->ecs = q->has_cookie = q->do_bit = false;
	q->qend = DNS_HEADER_LEN;
	q->qtype = q->qclass = 0;
	if (len < DNS_HEADER_LEN)
		return DNS_PARSE_DROP;
	q->flags = dns_get16(msg + 2);
	q->opcode = (uint8_t)((q->flags >> 11) & 0xf);
	if (q->flags & DNS_FLAG_QR)
		return DNS_PARSE_DROP;

	uint16_t qd = dns_get16(msg + 4);
	uint32_t other = (uint32_t)dns_get16(msg + 6) + dns_get16(msg + 8);
	uint16_t ar = dns_get16(msg + 10);

	if (qd > 1)
		return DNS_PARSE_FORMERR;
	if (qd == 1) {
		if (!parse_qname(msg, len, &pos, &q->qname) || pos + 4 > len)
			return DNS_PARSE_FORMERR;
		q->qtype = dns_get16(msg + pos);
		q->qclass = dns_get16(msg + pos + 2);
		pos += 4;
		q->qend = (uint16_t)pos;
		q->have_question = true;
	}
	/* Answer and authority records are not expected in a query; skipped if well formed. */
	for (uint32_t k = 0; k < other; k++) {
		if (!skip_name(msg, len, &pos) || pos + 10 > len)
			return DNS_PARSE_FORMERR;
		uint16_t type = dns_get16(msg + pos), rdlen = dns_get16(msg + pos + 8);
		if (type == DNS_TYPE_OPT || len - pos - 10 < rdlen)
			return DNS_PARSE_FORMERR;
		pos += 10u + rdlen;
	}
	for (uint32_t k = 0; k < ar; k++) {
		size_t owner = pos;
		if (!skip_name(msg, len, &pos) || pos + 10 > len)
			return DNS_PARSE_FORMERR;
		uint16_t type = dns_get16(msg + pos);
		if (type == DNS_TYPE_OPT) {
			/* RFC 6891 6.1.1: one OPT, owned by the root. */
			if (q->edns || bad_version || pos != owner + 1 || msg[owner] != 0) {
				q->edns = false; /* no OPT in the answer to a bad one */
				return DNS_PARSE_FORMERR;
			}
			enum dns_parse_status st = parse_opt(msg, len, &pos, q, &bad_version);
			if (st != DNS_PARSE_OK) {
				q->edns = false;
				return st;
			}
			continue;
		}
		uint16_t rdlen = dns_get16(msg + pos + 8);
		if (len - pos - 10 < rdlen)
			return DNS_PARSE_FORMERR;
		pos += 10u + rdlen;
	}
	if (pos != len)
		return DNS_PARSE_FORMERR; /* trailing bytes */
	if (qd == 0)
		return q->opcode == DNS_OPCODE_QUERY || q->opcode == 4 || q->opcode == 5
			   ? DNS_PARSE_FORMERR
			   : DNS_PARSE_NOTIMP;
	if (q->opcode != DNS_OPCODE_QUERY)
		return DNS_PARSE_NOTIMP;
	if (bad_version)
		return DNS_PARSE_BADVERS;
	return DNS_PARSE_OK;
}

bool dns_name_from_wire(struct dns_name *out, const uint8_t *p, size_t len)
{
	unsigned i = 0, labels = 0;

	if (len == 0 || len > DNS_NAME_MAX)
		return false;
	for (;;) {
		uint8_t l = p[i];
		if (l > 63 || i + 1u + l > len)
			return false;
		out->off[labels] = (uint8_t)i;
		out->wire[i] = l;
		for (unsigned k = 1; k <= l; k++)
			out->wire[i + k] = dns_lower(p[i + k]);
		i += 1u + l;
		if (l == 0)
			break;
		labels++;
	}
	if (i != len)
		return false;
	out->len = (uint8_t)len;
	out->labels = (uint8_t)labels;
	return true;
}

/* ------------------------------------------------------------ writing */

static void remember(struct dns_writer *w, uint32_t off, size_t len)
{
	if (w->n_compress < DNS_COMPRESS_MAX && off < 0x4000) {
		w->compress[w->n_compress].off = (uint16_t)off;
		w->compress[w->n_compress].len = (uint8_t)len;
		w->n_compress++;
	}
}

void dns_writer_init(struct dns_writer *w, uint8_t *msg, uint32_t pos, uint32_t limit,
		     const struct dns_name *qname, bool have_question)
{
	w->msg = msg;
	w->pos = pos;
	w->limit = limit;
	w->overflow = false;
	w->n_compress = 0;
	w->count[0] = w->count[1] = w->count[2] = 0;
	w->qname = have_question ? qname : NULL;
}

/* The question's suffixes, remembered when the first name is compressed. */
static void remember_qname(struct dns_writer *w)
{
	const struct dns_name *q = w->qname;

	w->qname = NULL;
	for (unsigned i = 0; i < q->labels; i++)
		remember(w, DNS_HEADER_LEN + q->off[i], q->len - q->off[i]);
}

/*
 * Does the name at @p at in the message (written by us or the validated
 * question, so well formed with backward pointers) equal @p name, ignoring
 * case? The caller matched the uncompressed lengths.
 */
static bool name_equal_at(const uint8_t *msg, uint32_t at, const uint8_t *name, size_t len)
{
	size_t i = 0;

	for (unsigned hops = 0; hops < DNS_LABELS_MAX;) {
		uint8_t l = msg[at];
		if ((l & 0xc0) == 0xc0) {
			at = (uint32_t)(l & 0x3f) << 8 | msg[at + 1];
			hops++;
			continue;
		}
		if (i >= len || l != name[i])
			return false;
		if (l == 0)
			return i + 1 == len;
		for (unsigned k = 1; k <= l; k++)
			if (dns_lower(msg[at + k]) != dns_lower(name[i + k]))
				return false;
		at += 1u + l;
		i += 1u + l;
	}
	return false;
}

uint16_t dns_write_name(struct dns_writer *w, const uint8_t *name, size_t len)
{
	uint8_t off[DNS_LABELS_MAX + 1];
	unsigned labels = 0, i;
	int hit = -1;

	if (w->overflow)
		return 0;
	if (w->qname != NULL)
		remember_qname(w);
	for (size_t p = 0; name[p] != 0 && labels < DNS_LABELS_MAX; p += 1u + name[p])
		off[labels++] = (uint8_t)p;
	for (i = 0; i < labels && hit < 0; i++) {
		size_t slen = len - off[i];
		for (unsigned k = 0; k < w->n_compress; k++)
			if (w->compress[k].len == slen &&
			    name_equal_at(w->msg, w->compress[k].off, name + off[i], slen)) {
				hit = (int)k;
				break;
			}
	}
	if (hit >= 0)
		i--; /* the loop stepped past the matching suffix */
	size_t raw = hit >= 0 ? off[i] : len - 1;
	size_t need = raw + (hit >= 0 ? 2 : 1);
	uint32_t start = w->pos;

	if (need > w->limit - w->pos || w->pos > w->limit) {
		w->overflow = true;
		return 0;
	}
	memcpy(w->msg + start, name, raw);
	if (hit >= 0)
		dns_put16(w->msg + start + raw, (uint16_t)(0xc000u | w->compress[hit].off));
	else
		w->msg[start + raw] = 0;
	w->pos += (uint32_t)need;
	for (unsigned j = 0; j < i && j < labels; j++)
		remember(w, start + off[j], len - off[j]);
	if (raw == 0 && hit >= 0)
		return w->compress[hit].off;
	return start < 0x4000 && len > 1 ? (uint16_t)start : 0;
}

static void write_bytes(struct dns_writer *w, const void *p, size_t n)
{
	if (w->overflow || n > w->limit - w->pos || w->pos > w->limit) {
		w->overflow = true;
		return;
	}
	memcpy(w->msg + w->pos, p, n);
	w->pos += (uint32_t)n;
}

/* The length of the well-formed name at @p p (checked in the snapshot). */
static size_t name_len(const uint8_t *p, size_t avail)
{
	size_t i = 0;

	while (i < avail && p[i] != 0)
		i += 1u + p[i];
	return i + 1;
}

void dns_write_rr(struct dns_writer *w, enum dns_section sec, struct dns_owner *owner,
		  uint16_t type, uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	if (w->overflow)
		return;
	if (owner->ptr != 0) {
		if (w->pos > w->limit || w->limit - w->pos < 2) {
			w->overflow = true;
			return;
		}
		dns_put16(w->msg + w->pos, (uint16_t)(0xc000u | owner->ptr));
		w->pos += 2;
	} else {
		owner->ptr = dns_write_name(w, owner->name, owner->len);
	}
	if (w->overflow || w->pos > w->limit || w->limit - w->pos < 10) {
		w->overflow = true;
		return;
	}
	uint8_t *p = w->msg + w->pos;
	dns_put16(p, type);
	dns_put16(p + 2, DNS_CLASS_IN);
	dns_put32(p + 4, ttl);
	w->pos += 10;
	uint32_t rdstart = w->pos;
	size_t n1, n2;

	/* RFC 3597 4: compression only inside the rdata of RFC 1035's types. */
	switch (type) {
	case DNS_TYPE_A:
	case DNS_TYPE_AAAA:
		/* The usual answer: fixed sizes, copied inline. */
		if (rdlen == 4 && w->limit - w->pos >= 4) {
			memcpy(w->msg + w->pos, rdata, 4);
			w->pos += 4;
		} else if (rdlen == 16 && w->limit - w->pos >= 16) {
			memcpy(w->msg + w->pos, rdata, 16);
			w->pos += 16;
		} else {
			write_bytes(w, rdata, rdlen);
		}
		break;
	case DNS_TYPE_NS:
	case DNS_TYPE_CNAME:
	case DNS_TYPE_PTR:
		dns_write_name(w, rdata, rdlen);
		break;
	case DNS_TYPE_MX:
		write_bytes(w, rdata, 2);
		dns_write_name(w, rdata + 2, rdlen - 2u);
		break;
	case DNS_TYPE_SOA:
		n1 = name_len(rdata, rdlen);
		n2 = name_len(rdata + n1, rdlen - n1);
		dns_write_name(w, rdata, n1);
		dns_write_name(w, rdata + n1, n2);
		write_bytes(w, rdata + n1 + n2, rdlen - n1 - n2);
		break;
	default:
		write_bytes(w, rdata, rdlen);
		break;
	}
	if (w->overflow)
		return;
	dns_put16(w->msg + rdstart - 2, (uint16_t)(w->pos - rdstart));
	w->count[sec]++;
}
