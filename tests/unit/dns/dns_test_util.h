/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers for the DNS engine's tests: zones built with the zones builder,
 * queries built by hand, and a strict decoder of answers (every name
 * pointer must point backwards inside the message, every count must match,
 * no byte may be left over) that renders records as presentation text.
 */
#ifndef POP_DNS_TEST_UTIL_H
#define POP_DNS_TEST_UTIL_H

#include "dns.h"
#include "zones.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* "www.example.com" (or "." / "") → wire; the length. */
static inline size_t t_wire(uint8_t *out, const char *text)
{
	size_t n = 0;

	if (strcmp(text, ".") == 0)
		text = "";
	while (*text != '\0') {
		const char *dot = strchr(text, '.');
		size_t l = dot != NULL ? (size_t)(dot - text) : strlen(text);
		out[n++] = (uint8_t)l;
		memcpy(out + n, text, l);
		n += l;
		text += l;
		if (*text == '.')
			text++;
	}
	out[n++] = 0;
	return n;
}

/* ------------------------------------------------------------- rdata */

struct t_rdata {
	uint8_t bytes[8192];
	size_t len;
	uint32_t count;
};

static inline void rd_raw(struct t_rdata *r, const void *data, size_t len)
{
	r->bytes[r->len] = (uint8_t)(len >> 8);
	r->bytes[r->len + 1] = (uint8_t)len;
	memcpy(r->bytes + r->len + 2, data, len);
	r->len += 2 + len;
	r->count++;
}

static inline void rd_a(struct t_rdata *r, const char *text)
{
	uint8_t a[4];
	inet_pton(AF_INET, text, a);
	rd_raw(r, a, 4);
}

static inline void rd_aaaa(struct t_rdata *r, const char *text)
{
	uint8_t a[16];
	inet_pton(AF_INET6, text, a);
	rd_raw(r, a, 16);
}

/* Fixed bytes then a name. */
static inline void rd_name(struct t_rdata *r, const void *prefix, size_t prefix_len,
			   const char *name)
{
	uint8_t b[512];
	memcpy(b, prefix, prefix_len);
	size_t n = t_wire(b + prefix_len, name);
	rd_raw(r, b, prefix_len + n);
}

static inline void rd_mx(struct t_rdata *r, uint16_t pref, const char *name)
{
	uint8_t p[2] = {(uint8_t)(pref >> 8), (uint8_t)pref};
	rd_name(r, p, 2, name);
}

static inline void rd_srv(struct t_rdata *r, uint16_t prio, uint16_t weight, uint16_t port,
			  const char *name)
{
	uint8_t p[6] = {(uint8_t)(prio >> 8), (uint8_t)prio,	    (uint8_t)(weight >> 8),
			(uint8_t)weight,      (uint8_t)(port >> 8), (uint8_t)port};
	rd_name(r, p, 6, name);
}

static inline void rd_soa(struct t_rdata *r, const char *mname, const char *rname, uint32_t serial,
			  uint32_t refresh, uint32_t retry, uint32_t expire, uint32_t minimum)
{
	uint8_t b[600];
	size_t n = t_wire(b, mname);
	n += t_wire(b + n, rname);
	uint32_t v[5] = {serial, refresh, retry, expire, minimum};
	for (int i = 0; i < 5; i++) {
		b[n++] = (uint8_t)(v[i] >> 24);
		b[n++] = (uint8_t)(v[i] >> 16);
		b[n++] = (uint8_t)(v[i] >> 8);
		b[n++] = (uint8_t)v[i];
	}
	rd_raw(r, b, n);
}

/* TXT of @p n strings. */
static inline void rd_txt(struct t_rdata *r, int n, ...)
{
	uint8_t b[4096] = {0}; /* zeroed: n may be 0 */
	size_t len = 0;
	va_list ap;

	va_start(ap, n);
	for (int i = 0; i < n; i++) {
		const char *s = va_arg(ap, const char *);
		size_t l = strlen(s);
		b[len++] = (uint8_t)l;
		memcpy(b + len, s, l);
		len += l;
	}
	va_end(ap);
	rd_raw(r, b, len);
}

static inline void rd_caa(struct t_rdata *r, uint8_t flags, const char *tag, const char *value)
{
	uint8_t b[512];
	size_t tl = strlen(tag), vl = strlen(value);
	b[0] = flags;
	b[1] = (uint8_t)tl;
	memcpy(b + 2, tag, tl);
	memcpy(b + 2 + tl, value, vl);
	rd_raw(r, b, 2 + tl + vl);
}

static inline void rd_naptr(struct t_rdata *r, uint16_t order, uint16_t pref, const char *flags,
			    const char *services, const char *regexp, const char *repl)
{
	uint8_t b[1024];
	size_t n = 0;
	const char *s[3] = {flags, services, regexp};
	b[n++] = (uint8_t)(order >> 8);
	b[n++] = (uint8_t)order;
	b[n++] = (uint8_t)(pref >> 8);
	b[n++] = (uint8_t)pref;
	for (int i = 0; i < 3; i++) {
		size_t l = strlen(s[i]);
		b[n++] = (uint8_t)l;
		memcpy(b + n, s[i], l);
		n += l;
	}
	n += t_wire(b + n, repl);
	rd_raw(r, b, n);
}

/* A record set spec with its owner buffer. */
struct t_spec {
	uint8_t owner[256];
	struct zones_rrset_spec s;
};

static inline struct zones_rrset_spec *t_spec(struct t_spec *b, const char *owner, uint16_t type,
					      uint32_t ttl, const struct t_rdata *r)
{
	memset(b, 0, sizeof(*b));
	b->s.owner = b->owner;
	b->s.owner_len = t_wire(b->owner, owner);
	b->s.type = type;
	b->s.ttl = ttl;
	b->s.health_slot = TABLES_LIVE_NONE;
	b->s.zone_slot = TABLES_LIVE_NONE;
	if (r != NULL) {
		b->s.rdata = r->bytes;
		b->s.rdata_len = r->len;
		b->s.rdata_count = r->count;
	}
	return &b->s;
}

/* ------------------------------------------------------------- queries */

struct t_query {
	uint16_t id;
	uint16_t flags; /* header flags word; 0x0100 = RD */
	const char *name;
	uint16_t type, cls;
	bool edns;
	uint16_t udp_size;
	uint8_t version;
	bool do_bit;
	const uint8_t *options; /* raw EDNS options */
	size_t options_len;
};

static inline size_t t_query(uint8_t *buf, const struct t_query *q)
{
	size_t n = 12;

	memset(buf, 0, 12);
	buf[0] = (uint8_t)(q->id >> 8);
	buf[1] = (uint8_t)q->id;
	buf[2] = (uint8_t)(q->flags >> 8);
	buf[3] = (uint8_t)q->flags;
	buf[5] = 1;
	n += t_wire(buf + n, q->name);
	buf[n++] = (uint8_t)(q->type >> 8);
	buf[n++] = (uint8_t)q->type;
	buf[n++] = (uint8_t)((q->cls ? q->cls : 1) >> 8);
	buf[n++] = (uint8_t)(q->cls ? q->cls : 1);
	if (q->edns) {
		buf[11] = 1;
		buf[n++] = 0;
		buf[n++] = 0;
		buf[n++] = 41;
		buf[n++] = (uint8_t)(q->udp_size >> 8);
		buf[n++] = (uint8_t)q->udp_size;
		buf[n++] = 0;
		buf[n++] = q->version;
		buf[n++] = q->do_bit ? 0x80 : 0;
		buf[n++] = 0;
		buf[n++] = (uint8_t)(q->options_len >> 8);
		buf[n++] = (uint8_t)q->options_len;
		if (q->options_len > 0)
			memcpy(buf + n, q->options, q->options_len);
		n += q->options_len;
	}
	return n;
}

/* ------------------------------------------------------------- answers */

#define T_MAX_RR 64

struct t_rr {
	char owner[300]; /* as on the wire (case kept), with the final dot */
	uint16_t type, cls;
	uint32_t ttl;
	char rdata[2048];
};

struct t_resp {
	bool ok;       /* decoded strictly */
	char why[128]; /* when not */
	size_t len;
	uint16_t id, flags;
	unsigned rcode; /* header RCODE */
	unsigned qd, an, ns, ar;
	char qname[300];
	uint16_t qtype, qclass;
	int n[3];
	struct t_rr rr[3][T_MAX_RR]; /* OPT left out of the additional section */
	bool opt;
	uint16_t opt_udp;
	uint8_t opt_ext_rcode, opt_version;
	bool opt_do;
	int opt_count;
	bool ecs;
	uint16_t ecs_family;
	uint8_t ecs_source, ecs_scope, ecs_addr[16];
	unsigned ecs_len;
	bool cookie;
	uint8_t cookie_bytes[40];
	unsigned cookie_len;
};

static inline bool t_fail(struct t_resp *r, const char *why)
{
	snprintf(r->why, sizeof(r->why), "%s", why);
	r->ok = false;
	return false;
}

/* A name at *pos (pointers must go backwards), as text; *pos moves past it. */
static inline bool t_read_name(const uint8_t *m, size_t len, size_t *pos, char *out)
{
	size_t p = *pos, o = 0, total = 0;
	bool jumped = false;
	int hops = 0;

	for (;;) {
		if (p >= len)
			return false;
		uint8_t l = m[p];
		if ((l & 0xc0) == 0xc0) {
			if (p + 1 >= len)
				return false;
			size_t t = (size_t)(l & 0x3f) << 8 | m[p + 1];
			if (t >= p || t < 12 || ++hops > 128)
				return false;
			if (!jumped)
				*pos = p + 2;
			jumped = true;
			p = t;
			continue;
		}
		if (l > 63 || p + 1 + l > len)
			return false;
		if (l == 0) {
			if (!jumped)
				*pos = p + 1;
			if (o == 0)
				out[o++] = '.';
			out[o] = '\0';
			return true;
		}
		total += 1u + l;
		if (total > 255)
			return false;
		memcpy(out + o, m + p + 1, l);
		o += l;
		out[o++] = '.';
		p += 1u + l;
	}
}

static inline uint16_t t_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t t_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline bool t_rdata_text(const uint8_t *m, size_t len, size_t pos, uint16_t type,
				uint16_t rdlen, char *out, size_t size)
{
	size_t end = pos + rdlen, p = pos, o = 0;
	char n1[300], n2[300];

	out[0] = '\0';
	switch (type) {
	case 1:
		if (rdlen != 4)
			return false;
		inet_ntop(AF_INET, m + pos, out, (socklen_t)size);
		return true;
	case 28:
		if (rdlen != 16)
			return false;
		inet_ntop(AF_INET6, m + pos, out, (socklen_t)size);
		return true;
	case 2:
	case 5:
	case 12:
	case 39:
		if (!t_read_name(m, end, &p, n1) || p != end)
			return false;
		snprintf(out, size, "%s", n1);
		return true;
	case 15:
		if (rdlen < 3)
			return false;
		p += 2;
		if (!t_read_name(m, end, &p, n1) || p != end)
			return false;
		snprintf(out, size, "%u %s", t_get16(m + pos), n1);
		return true;
	case 33:
		if (rdlen < 7)
			return false;
		p += 6;
		if (!t_read_name(m, end, &p, n1) || p != end)
			return false;
		snprintf(out, size, "%u %u %u %s", t_get16(m + pos), t_get16(m + pos + 2),
			 t_get16(m + pos + 4), n1);
		return true;
	case 6:
		if (!t_read_name(m, end, &p, n1) || !t_read_name(m, end, &p, n2) || p + 20 != end)
			return false;
		snprintf(out, size, "%s %s %u %u %u %u %u", n1, n2, t_get32(m + p),
			 t_get32(m + p + 4), t_get32(m + p + 8), t_get32(m + p + 12),
			 t_get32(m + p + 16));
		return true;
	case 16:
		while (p < end) {
			size_t l = m[p];
			if (p + 1 + l > end || o + l + 4 >= size)
				return false;
			o += (size_t)snprintf(out + o, size - o, "%s\"%.*s\"", o ? " " : "", (int)l,
					      (const char *)m + p + 1);
			p += 1 + l;
		}
		return true;
	case 257:
		if (rdlen < 2 || 2u + m[pos + 1] > rdlen)
			return false;
		snprintf(out, size, "%u %.*s \"%.*s\"", m[pos], m[pos + 1],
			 (const char *)m + pos + 2, (int)(rdlen - 2 - m[pos + 1]),
			 (const char *)m + pos + 2 + m[pos + 1]);
		return true;
	case 35: {
		const char *s[3];
		int sl[3];
		p += 4;
		for (int i = 0; i < 3; i++) {
			if (p >= end || p + 1 + m[p] > end)
				return false;
			s[i] = (const char *)m + p + 1;
			sl[i] = m[p];
			p += 1u + m[p];
		}
		if (!t_read_name(m, end, &p, n1) || p != end)
			return false;
		snprintf(out, size, "%u %u \"%.*s\" \"%.*s\" \"%.*s\" %s", t_get16(m + pos),
			 t_get16(m + pos + 2), sl[0], s[0], sl[1], s[1], sl[2], s[2], n1);
		return true;
	}
	case 43:
		if (rdlen < 4)
			return false;
		o = (size_t)snprintf(out, size, "%u %u %u ", t_get16(m + pos), m[pos + 2],
				     m[pos + 3]);
		for (p = pos + 4; p < end && o + 3 < size; p++)
			o += (size_t)snprintf(out + o, size - o, "%02X", m[p]);
		return true;
	default:
		for (p = pos; p < end && o + 3 < size; p++)
			o += (size_t)snprintf(out + o, size - o, "%02x", m[p]);
		return true;
	}
}

static inline bool t_opt(struct t_resp *r, const uint8_t *m, size_t pos, uint16_t rdlen)
{
	size_t end = pos + rdlen;

	while (pos < end) {
		if (end - pos < 4)
			return false;
		uint16_t code = t_get16(m + pos), l = t_get16(m + pos + 2);
		if (end - pos - 4 < l)
			return false;
		const uint8_t *d = m + pos + 4;
		if (code == 8) {
			if (l < 4 || l - 4 > 16)
				return false;
			r->ecs = true;
			r->ecs_family = t_get16(d);
			r->ecs_source = d[2];
			r->ecs_scope = d[3];
			r->ecs_len = l - 4u;
			memcpy(r->ecs_addr, d + 4, l - 4u);
		} else if (code == 10) {
			if (l > 40)
				return false;
			r->cookie = true;
			r->cookie_len = l;
			memcpy(r->cookie_bytes, d, l);
		}
		pos += 4u + l;
	}
	return true;
}

/* Decode an answer strictly into *r. */
static inline bool t_decode(struct t_resp *r, const uint8_t *m, size_t len)
{
	size_t pos = 12;
	unsigned counts[3];

	memset(r, 0, sizeof(*r));
	r->ok = true;
	r->len = len;
	if (len < 12)
		return t_fail(r, "shorter than a header");
	r->id = t_get16(m);
	r->flags = t_get16(m + 2);
	r->rcode = r->flags & 0xf;
	r->qd = t_get16(m + 4);
	r->an = t_get16(m + 6);
	r->ns = t_get16(m + 8);
	r->ar = t_get16(m + 10);
	if (!(r->flags & 0x8000))
		return t_fail(r, "QR not set");
	if (r->qd > 1)
		return t_fail(r, "more than one question");
	if (r->qd == 1) {
		if (!t_read_name(m, len, &pos, r->qname) || pos + 4 > len)
			return t_fail(r, "bad question");
		r->qtype = t_get16(m + pos);
		r->qclass = t_get16(m + pos + 2);
		pos += 4;
	}
	counts[0] = r->an;
	counts[1] = r->ns;
	counts[2] = r->ar;
	for (int s = 0; s < 3; s++) {
		for (unsigned i = 0; i < counts[s]; i++) {
			char owner[300];
			if (!t_read_name(m, len, &pos, owner) || pos + 10 > len)
				return t_fail(r, "bad record owner");
			uint16_t type = t_get16(m + pos), cls = t_get16(m + pos + 2);
			uint32_t ttl = t_get32(m + pos + 4);
			uint16_t rdlen = t_get16(m + pos + 8);
			pos += 10;
			if (pos + rdlen > len)
				return t_fail(r, "rdata past the end");
			if (type == 41) {
				if (s != 2 || r->opt || strcmp(owner, ".") != 0)
					return t_fail(r, "misplaced OPT");
				r->opt = true;
				r->opt_count++;
				r->opt_udp = cls;
				r->opt_ext_rcode = (uint8_t)(ttl >> 24);
				r->opt_version = (uint8_t)(ttl >> 16);
				r->opt_do = (ttl & 0x8000) != 0;
				if (!t_opt(r, m, pos, rdlen))
					return t_fail(r, "bad OPT options");
			} else {
				if (r->n[s] >= T_MAX_RR)
					return t_fail(r, "too many records for the test");
				struct t_rr *rr = &r->rr[s][r->n[s]++];
				snprintf(rr->owner, sizeof(rr->owner), "%s", owner);
				rr->type = type;
				rr->cls = cls;
				rr->ttl = ttl;
				if (!t_rdata_text(m, len, pos, type, rdlen, rr->rdata,
						  sizeof(rr->rdata)))
					return t_fail(r, "bad rdata");
			}
			pos += rdlen;
		}
	}
	if (pos != len)
		return t_fail(r, "bytes after the last record");
	return true;
}

/* Index of a record of @p type (and rdata, if not NULL) in section @p s, or -1. */
static inline int t_find(const struct t_resp *r, int s, const char *owner, uint16_t type,
			 const char *rdata)
{
	for (int i = 0; i < r->n[s]; i++) {
		const struct t_rr *rr = &r->rr[s][i];
		if (rr->type == type && (owner == NULL || strcasecmp(rr->owner, owner) == 0) &&
		    (rdata == NULL || strcasecmp(rr->rdata, rdata) == 0))
			return i;
	}
	return -1;
}

#endif
