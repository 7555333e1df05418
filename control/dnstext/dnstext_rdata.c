/* SPDX-License-Identifier: BSD-3-Clause */
/* Record data: text <-> wire for the types pop serves. */
#include "dnstext.h"
#include "dnstext_pvt.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* A field of the data text: a bare run of non-blank bytes or a quoted string
 * (without its quotes); escapes are still in it. */
struct rd_token {
	const char *p;
	size_t len;
	int quoted;
};

/* What a parse works on: the text, where it is, and the output. */
struct rd_parse {
	const char *text;
	size_t len, pos;
	const uint8_t *origin;
	size_t origin_len;
	unsigned flags;
	uint8_t *out;
	size_t cap, n;
	const char *type; /* mnemonic, for messages */
	char *err;
	size_t err_len;
};

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* 1 and the next token, 0 at the end, or -EINVAL for an unterminated quote. */
static int rd_next(struct rd_parse *rp, struct rd_token *t)
{
	while (rp->pos < rp->len && is_blank(rp->text[rp->pos]))
		rp->pos++;
	if (rp->pos >= rp->len)
		return 0;
	if (rp->text[rp->pos] == '"') {
		size_t start = ++rp->pos;

		while (rp->pos < rp->len && rp->text[rp->pos] != '"') {
			if (rp->text[rp->pos] == '\\')
				rp->pos++;
			rp->pos++;
		}
		if (rp->pos >= rp->len)
			return dnstext_fail(rp->err, rp->err_len, -EINVAL,
					    "InvalidCharacterString (Value should be enclosed in "
					    "quotation marks)");
		t->p = rp->text + start;
		t->len = rp->pos - start;
		t->quoted = 1;
		rp->pos++;
		return 1;
	}
	t->p = rp->text + rp->pos;
	while (rp->pos < rp->len && !is_blank(rp->text[rp->pos])) {
		if (rp->text[rp->pos] == '\\' && rp->pos + 1 < rp->len)
			rp->pos++;
		rp->pos++;
	}
	t->len = (size_t)(rp->text + rp->pos - t->p);
	t->quoted = 0;
	return 1;
}

static int rd_few(struct rd_parse *rp)
{
	return dnstext_fail(rp->err, rp->err_len, -EINVAL,
			    "%sRRDATATooFewFields (Value contains too few fields)", rp->type);
}

/* The next token, which must exist. */
static int rd_need(struct rd_parse *rp, struct rd_token *t)
{
	int rc = rd_next(rp, t);

	if (rc == 0)
		return rd_few(rp);
	return rc < 0 ? rc : 0;
}

static int rd_end(struct rd_parse *rp)
{
	struct rd_token t;
	int rc = rd_next(rp, &t);

	if (rc < 0)
		return rc;
	if (rc > 0)
		return dnstext_fail(rp->err, rp->err_len, -EINVAL,
				    "%sRRDATATooManyFields (Value contains too many fields)",
				    rp->type);
	return 0;
}

static int rd_put(struct rd_parse *rp, const void *data, size_t len)
{
	if (rp->n + len > rp->cap || rp->n + len > DNS_RDATA_MAX_BYTES)
		return rp->n + len > DNS_RDATA_MAX_BYTES
			   ? dnstext_fail(rp->err, rp->err_len, -EINVAL,
					  "%sRRDATATooLong (Value is too long)", rp->type)
			   : -ENOSPC;
	memcpy(rp->out + rp->n, data, len);
	rp->n += len;
	return 0;
}

static int rd_uint(struct rd_parse *rp, uint32_t max, uint32_t *v)
{
	struct rd_token t;
	uint64_t x = 0;
	int rc = rd_need(rp, &t);

	if (rc < 0)
		return rc;
	if (t.quoted || t.len == 0 || t.len > 10)
		goto bad;
	for (size_t i = 0; i < t.len; i++) {
		if (t.p[i] < '0' || t.p[i] > '9')
			goto bad;
		x = x * 10 + (uint64_t)(t.p[i] - '0');
	}
	if (x > max)
		goto bad;
	*v = (uint32_t)x;
	return 0;
bad:
	return dnstext_fail(rp->err, rp->err_len, -EINVAL,
			    "%sRRDATAIllegalInteger (Value contains an illegal integer)", rp->type);
}

static int rd_u8(struct rd_parse *rp)
{
	uint32_t v;
	int rc = rd_uint(rp, 0xff, &v);
	uint8_t b = (uint8_t)v;

	return rc < 0 ? rc : rd_put(rp, &b, 1);
}

static int rd_u16(struct rd_parse *rp)
{
	uint32_t v;
	int rc = rd_uint(rp, 0xffff, &v);
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};

	return rc < 0 ? rc : rd_put(rp, b, 2);
}

static int rd_u32_value(struct rd_parse *rp, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};

	return rd_put(rp, b, 4);
}

/* An SOA timer: seconds or TTL units. */
static int rd_timer(struct rd_parse *rp)
{
	struct rd_token t;
	uint32_t v;
	int rc = rd_need(rp, &t);

	if (rc < 0)
		return rc;
	if (t.quoted || dnstext_ttl_from_text(t.p, t.len, &v) < 0)
		return dnstext_fail(rp->err, rp->err_len, -EINVAL,
				    "%sRRDATAIllegalInteger (Value contains an illegal integer)",
				    rp->type);
	return rd_u32_value(rp, v);
}

static int rd_name(struct rd_parse *rp)
{
	struct rd_token t;
	uint8_t wire[DNS_NAME_MAX_BYTES];
	size_t wlen;
	int rc = rd_need(rp, &t);

	if (rc < 0)
		return rc;
	rc = dnstext_name_from_text(t.p, t.len, rp->origin, rp->origin_len, rp->flags, wire, &wlen,
				    rp->err, rp->err_len);
	return rc < 0 ? rc : rd_put(rp, wire, wlen);
}

/* Decode a token's escapes into bytes; at most max of them. */
static int rd_bytes(struct rd_parse *rp, const struct rd_token *t, uint8_t *buf, size_t max,
		    size_t *n)
{
	size_t i = 0, k = 0;

	while (i < t->len) {
		uint8_t b;

		if (t->p[i] == '\\') {
			i++;
			if (dnstext_unescape(t->p, t->len, &i, rp->flags, &b) < 0)
				return dnstext_fail(rp->err, rp->err_len, -EINVAL,
						    "InvalidEscape (Escape sequence is not valid)");
		} else {
			b = (uint8_t)t->p[i++];
		}
		if (k == max)
			return dnstext_fail(rp->err, rp->err_len, -EINVAL,
					    "CharacterStringTooLong (Value is too long)");
		buf[k++] = b;
	}
	*n = k;
	return 0;
}

/* A <character-string>: length byte then bytes. */
static int rd_string_token(struct rd_parse *rp, const struct rd_token *t)
{
	uint8_t buf[1 + DNS_STRING_MAX_BYTES];
	size_t n;
	int rc = rd_bytes(rp, t, buf + 1, DNS_STRING_MAX_BYTES, &n);

	if (rc < 0)
		return rc;
	buf[0] = (uint8_t)n;
	return rd_put(rp, buf, n + 1);
}

static int rd_string(struct rd_parse *rp)
{
	struct rd_token t;
	int rc = rd_need(rp, &t);

	return rc < 0 ? rc : rd_string_token(rp, &t);
}

static int parse_txt(struct rd_parse *rp)
{
	struct rd_token t;
	int rc, count = 0;

	while ((rc = rd_next(rp, &t)) > 0) {
		rc = rd_string_token(rp, &t);
		if (rc < 0)
			return rc;
		count++;
	}
	if (rc < 0)
		return rc;
	return count == 0 ? rd_few(rp) : 0;
}

static int parse_address(struct rd_parse *rp, int family)
{
	struct rd_token t;
	char buf[64];
	uint8_t addr[16];
	int rc = rd_need(rp, &t);

	if (rc < 0)
		return rc;
	if (!t.quoted && t.len < sizeof(buf)) {
		memcpy(buf, t.p, t.len);
		buf[t.len] = '\0';
		if (inet_pton(family, buf, addr) == 1) {
			rc = rd_put(rp, addr, family == AF_INET ? 4 : 16);
			return rc < 0 ? rc : rd_end(rp);
		}
	}
	if (family == AF_INET)
		return dnstext_fail(
		    rp->err, rp->err_len, -EINVAL,
		    "ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address)");
	return dnstext_fail(rp->err, rp->err_len, -EINVAL,
			    "AAAARRDATAIllegalIPv6Address (Value is not a valid IPv6 address)");
}

static int parse_caa(struct rd_parse *rp)
{
	struct rd_token t;
	uint8_t value[DNS_RDATA_MAX_BYTES];
	size_t n;
	uint8_t tag_len;
	int rc = rd_u8(rp);

	if (rc < 0 || (rc = rd_need(rp, &t)) < 0)
		return rc;
	if (t.quoted || t.len == 0 || t.len > 15)
		goto bad_tag;
	for (size_t i = 0; i < t.len; i++) {
		char c = t.p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			goto bad_tag;
	}
	tag_len = (uint8_t)t.len;
	if ((rc = rd_put(rp, &tag_len, 1)) < 0 || (rc = rd_put(rp, t.p, t.len)) < 0)
		return rc;
	if ((rc = rd_need(rp, &t)) < 0)
		return rc;
	/* The value is not a character-string: it runs to the end of the data. */
	rc = rd_bytes(rp, &t, value, sizeof(value), &n);
	if (rc < 0)
		return rc;
	if ((rc = rd_put(rp, value, n)) < 0)
		return rc;
	return rd_end(rp);
bad_tag:
	return dnstext_fail(rp->err, rp->err_len, -EINVAL,
			    "CAARRDATAIllegalTag (Value contains an illegal tag)");
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int parse_ds(struct rd_parse *rp)
{
	struct rd_token t;
	int rc, half = -1, have = 0;

	if ((rc = rd_u16(rp)) < 0 || (rc = rd_u8(rp)) < 0 || (rc = rd_u8(rp)) < 0)
		return rc;
	/* Zone files may split the digest with blanks. */
	while ((rc = rd_next(rp, &t)) > 0) {
		if (t.quoted)
			goto bad;
		for (size_t i = 0; i < t.len; i++) {
			int v = hexval(t.p[i]);
			if (v < 0)
				goto bad;
			if (half < 0) {
				half = v;
			} else {
				uint8_t b = (uint8_t)(half << 4 | v);
				if ((rc = rd_put(rp, &b, 1)) < 0)
					return rc;
				half = -1;
			}
		}
		have = 1;
	}
	if (rc < 0)
		return rc;
	if (!have)
		return rd_few(rp);
	if (half >= 0)
		goto bad;
	return 0;
bad:
	return dnstext_fail(rp->err, rp->err_len, -EINVAL,
			    "DSRRDATAIllegalDigest (Value contains an illegal digest)");
}

int dnstext_rdata_from_text(uint16_t type, const char *text, size_t len, const uint8_t *origin,
			    size_t origin_len, unsigned flags, uint8_t *out, size_t cap,
			    size_t *out_len, char *err, size_t err_len)
{
	struct rd_parse rp = {
	    .text = text,
	    .len = len,
	    .origin = origin,
	    .origin_len = origin_len,
	    .flags = flags,
	    .out = out,
	    .cap = cap,
	    .type = dnstext_type_name(type),
	    .err = err,
	    .err_len = err_len,
	};
	int rc;

	if (rp.type == NULL)
		return dnstext_fail(err, err_len, -ENOTSUP,
				    "UnsupportedType (Type %u is not supported)", type);
	switch (type) {
	case DNS_TYPE_A:
		rc = parse_address(&rp, AF_INET);
		break;
	case DNS_TYPE_AAAA:
		rc = parse_address(&rp, AF_INET6);
		break;
	case DNS_TYPE_NS:
	case DNS_TYPE_CNAME:
	case DNS_TYPE_PTR:
		rc = rd_name(&rp);
		if (rc == 0)
			rc = rd_end(&rp);
		break;
	case DNS_TYPE_MX:
		rc = rd_u16(&rp);
		if (rc == 0)
			rc = rd_name(&rp);
		if (rc == 0)
			rc = rd_end(&rp);
		break;
	case DNS_TYPE_TXT:
	case DNS_TYPE_SPF:
		rc = parse_txt(&rp);
		break;
	case DNS_TYPE_SOA: {
		uint32_t serial;

		rc = rd_name(&rp);
		if (rc == 0)
			rc = rd_name(&rp);
		if (rc == 0)
			rc = rd_uint(&rp, 0xffffffffu, &serial);
		if (rc == 0)
			rc = rd_u32_value(&rp, serial);
		for (int i = 0; i < 4 && rc == 0; i++)
			rc = rd_timer(&rp);
		if (rc == 0)
			rc = rd_end(&rp);
		break;
	}
	case DNS_TYPE_SRV:
		rc = rd_u16(&rp);
		if (rc == 0)
			rc = rd_u16(&rp);
		if (rc == 0)
			rc = rd_u16(&rp);
		if (rc == 0)
			rc = rd_name(&rp);
		if (rc == 0)
			rc = rd_end(&rp);
		break;
	case DNS_TYPE_CAA:
		rc = parse_caa(&rp);
		break;
	case DNS_TYPE_DS:
		rc = parse_ds(&rp);
		break;
	case DNS_TYPE_NAPTR:
		rc = rd_u16(&rp);
		if (rc == 0)
			rc = rd_u16(&rp);
		for (int i = 0; i < 3 && rc == 0; i++)
			rc = rd_string(&rp);
		if (rc == 0)
			rc = rd_name(&rp);
		if (rc == 0)
			rc = rd_end(&rp);
		break;
	default:
		rc = -ENOTSUP;
	}
	if (rc < 0)
		return rc;
	*out_len = rp.n;
	return 0;
}

/* ------------------------------------------------------------ to text */

struct rd_write {
	char *out;
	size_t cap, n;
	unsigned flags;
	int fail;
};

static void wr_raw(struct rd_write *w, const char *s, size_t len)
{
	if (w->fail)
		return;
	if (w->n + len + 1 > w->cap) {
		w->fail = -ENOSPC;
		return;
	}
	memcpy(w->out + w->n, s, len);
	w->n += len;
	w->out[w->n] = '\0';
}

static void wr_fmt(struct rd_write *w, const char *fmt, unsigned long v)
{
	char buf[24];
	int l = snprintf(buf, sizeof(buf), fmt, v);

	wr_raw(w, buf, (size_t)l);
}

static void wr_sep(struct rd_write *w)
{
	if (w->n > 0)
		wr_raw(w, " ", 1);
}

/* A quoted string of len bytes. */
static void wr_quoted(struct rd_write *w, const uint8_t *s, size_t len)
{
	wr_raw(w, "\"", 1);
	for (size_t i = 0; i < len; i++) {
		char buf[5];
		uint8_t c = s[i];

		if (c == '"' || c == '\\') {
			buf[0] = '\\';
			buf[1] = (char)c;
			wr_raw(w, buf, 2);
		} else if (c < 0x20 || c >= 0x7f) {
			snprintf(buf, sizeof(buf),
				 (w->flags & DNS_TEXT_OCTAL) ? "\\%03o" : "\\%03u", c);
			wr_raw(w, buf, 4);
		} else {
			buf[0] = (char)c;
			wr_raw(w, buf, 1);
		}
	}
	wr_raw(w, "\"", 1);
}

/* Reads from rdata; fail set when it runs out. */
struct rd_read {
	const uint8_t *p;
	size_t len, pos;
	int fail;
};

static unsigned long rr_uint(struct rd_read *r, size_t bytes)
{
	unsigned long v = 0;

	if (r->pos + bytes > r->len) {
		r->fail = -EINVAL;
		return 0;
	}
	for (size_t i = 0; i < bytes; i++)
		v = v << 8 | r->p[r->pos++];
	return v;
}

static void wr_name(struct rd_write *w, struct rd_read *r)
{
	char buf[DNS_NAME_TEXT_MAX];
	size_t l = dnstext_name_wire_len(r->p + r->pos, r->len - r->pos);
	int n;

	if (l == 0) {
		r->fail = -EINVAL;
		return;
	}
	n = dnstext_name_to_text(r->p + r->pos, l, w->flags, buf, sizeof(buf));
	if (n < 0) {
		r->fail = n;
		return;
	}
	r->pos += l;
	wr_sep(w);
	wr_raw(w, buf, (size_t)n);
}

static void wr_string(struct rd_write *w, struct rd_read *r)
{
	size_t l;

	if (r->pos >= r->len || r->pos + 1 + r->p[r->pos] > r->len) {
		r->fail = -EINVAL;
		return;
	}
	l = r->p[r->pos++];
	wr_sep(w);
	wr_quoted(w, r->p + r->pos, l);
	r->pos += l;
}

static void wr_uint(struct rd_write *w, struct rd_read *r, size_t bytes)
{
	unsigned long v = rr_uint(r, bytes);

	if (r->fail)
		return;
	wr_sep(w);
	wr_fmt(w, "%lu", v);
}

int dnstext_rdata_to_text(uint16_t type, const uint8_t *rdata, size_t len, unsigned flags,
			  char *out, size_t out_len)
{
	struct rd_write w = {.out = out, .cap = out_len, .flags = flags};
	struct rd_read r = {.p = rdata, .len = len};
	char addr[INET6_ADDRSTRLEN];

	if (out_len == 0)
		return -ENOSPC;
	out[0] = '\0';
	switch (type) {
	case DNS_TYPE_A:
	case DNS_TYPE_AAAA:
		if (len != (type == DNS_TYPE_A ? 4u : 16u))
			return -EINVAL;
		inet_ntop(type == DNS_TYPE_A ? AF_INET : AF_INET6, rdata, addr, sizeof(addr));
		wr_raw(&w, addr, strlen(addr));
		r.pos = len;
		break;
	case DNS_TYPE_NS:
	case DNS_TYPE_CNAME:
	case DNS_TYPE_PTR:
		wr_name(&w, &r);
		break;
	case DNS_TYPE_MX:
		wr_uint(&w, &r, 2);
		wr_name(&w, &r);
		break;
	case DNS_TYPE_TXT:
	case DNS_TYPE_SPF:
		if (len == 0)
			return -EINVAL;
		while (r.pos < r.len && !r.fail)
			wr_string(&w, &r);
		break;
	case DNS_TYPE_SOA:
		wr_name(&w, &r);
		wr_name(&w, &r);
		for (int i = 0; i < 5; i++)
			wr_uint(&w, &r, 4);
		break;
	case DNS_TYPE_SRV:
		wr_uint(&w, &r, 2);
		wr_uint(&w, &r, 2);
		wr_uint(&w, &r, 2);
		wr_name(&w, &r);
		break;
	case DNS_TYPE_CAA: {
		size_t tl;

		wr_uint(&w, &r, 1);
		if (r.fail || r.pos >= len || r.pos + 1 + rdata[r.pos] > len || rdata[r.pos] == 0)
			return -EINVAL;
		tl = rdata[r.pos++];
		wr_sep(&w);
		wr_raw(&w, (const char *)rdata + r.pos, tl);
		r.pos += tl;
		wr_sep(&w);
		wr_quoted(&w, rdata + r.pos, len - r.pos);
		r.pos = len;
		break;
	}
	case DNS_TYPE_DS:
		wr_uint(&w, &r, 2);
		wr_uint(&w, &r, 1);
		wr_uint(&w, &r, 1);
		if (r.fail || r.pos >= len)
			return -EINVAL;
		wr_sep(&w);
		for (; r.pos < len; r.pos++)
			wr_fmt(&w, "%02lX", rdata[r.pos]);
		break;
	case DNS_TYPE_NAPTR:
		wr_uint(&w, &r, 2);
		wr_uint(&w, &r, 2);
		for (int i = 0; i < 3; i++)
			wr_string(&w, &r);
		wr_name(&w, &r);
		break;
	default:
		return -ENOTSUP;
	}
	if (r.fail)
		return r.fail;
	if (r.pos != len)
		return -EINVAL;
	if (w.fail)
		return w.fail;
	return (int)w.n;
}
