/* SPDX-License-Identifier: BSD-3-Clause */
/* The master-file parser: logical lines, directives, records. */
#include "zonefile.h"

#include "base.h"
#include "dnstext.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct zf_rec {
	size_t owner_off, rdata_off;
	uint32_t ttl;
	uint16_t type;
	uint8_t owner_len;
	uint16_t rdata_len;
	unsigned line;
};

struct zonefile {
	struct zf_rec *recs;
	size_t n, cap;
	uint8_t *arena;
	size_t arena_len, arena_cap;
	struct zonefile_record *pub; /* built at the end, pointing into arena */
};

struct zf_parser {
	const char *text;
	size_t len, pos;
	unsigned line; /* physical line at pos */
	size_t max_records;
	char *buf; /* the current logical line */
	size_t buf_len, buf_cap;
	uint8_t origin[DNS_NAME_MAX_BYTES];
	size_t origin_len; /* 0: none */
	uint8_t owner[DNS_NAME_MAX_BYTES];
	size_t owner_len; /* 0: none yet */
	uint32_t default_ttl, last_ttl;
	bool has_default_ttl, has_last_ttl;
	struct zonefile *zf;
	uint8_t *rdata; /* DNS_RDATA_MAX_BYTES of scratch */
	char *err;
	size_t err_len;
};

static int zf_fail(struct zf_parser *p, unsigned line, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int zf_fail(struct zf_parser *p, unsigned line, int rc, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->err == NULL || p->err_len == 0)
		return rc;
	n = snprintf(p->err, p->err_len, "line %u: ", line);
	if (n >= 0 && (size_t)n < p->err_len) {
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->err_len - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static int buf_put(struct zf_parser *p, char c)
{
	if (p->buf_len + 1 >= p->buf_cap) {
		size_t cap = p->buf_cap ? p->buf_cap * 2 : 256;
		char *b = realloc(p->buf, cap);

		if (b == NULL)
			return -ENOMEM;
		p->buf = b;
		p->buf_cap = cap;
	}
	p->buf[p->buf_len++] = c;
	return 0;
}

/*
 * Read one logical line into p->buf: parentheses joined, comments dropped,
 * quoted strings and escapes kept as they are. *start is the line it starts
 * on, *blank_start whether it starts with a blank (the previous owner).
 * Returns 1 when a line was read, 0 at the end of the text, or an error.
 */
static int read_logical_line(struct zf_parser *p, unsigned *start, bool *blank_start)
{
	int depth = 0;
	unsigned paren_line = 0;
	bool quoted = false;
	int rc;

	if (p->pos >= p->len)
		return 0;
	p->buf_len = 0;
	*start = p->line;
	*blank_start = p->text[p->pos] == ' ' || p->text[p->pos] == '\t';
	while (p->pos < p->len) {
		char c = p->text[p->pos++];

		if (c == '\0')
			return zf_fail(p, p->line, -EINVAL, "NUL byte in the text");
		if (c == '\n') {
			if (quoted)
				return zf_fail(p, p->line, -EINVAL,
					       "quoted string not closed on its line");
			p->line++;
			if (depth == 0)
				break;
			c = ' ';
		} else if (quoted) {
			if (c == '"') {
				quoted = false;
			} else if (c == '\\' && p->pos < p->len && p->text[p->pos] != '\n') {
				if ((rc = buf_put(p, c)) < 0)
					return rc;
				c = p->text[p->pos++];
				if (c == '\0')
					return zf_fail(p, p->line, -EINVAL, "NUL byte in the text");
			}
		} else if (c == ';') {
			while (p->pos < p->len && p->text[p->pos] != '\n')
				if (p->text[p->pos++] == '\0')
					return zf_fail(p, p->line, -EINVAL, "NUL byte in the text");
			continue;
		} else if (c == '"') {
			quoted = true;
		} else if (c == '(') {
			if (depth++ == 0)
				paren_line = p->line;
			c = ' ';
		} else if (c == ')') {
			if (depth == 0)
				return zf_fail(p, p->line, -EINVAL, "')' without a '(' before it");
			depth--;
			c = ' ';
		} else if (c == '\\' && p->pos < p->len && p->text[p->pos] != '\n') {
			if ((rc = buf_put(p, c)) < 0)
				return rc;
			c = p->text[p->pos++];
			if (c == '\0')
				return zf_fail(p, p->line, -EINVAL, "NUL byte in the text");
		} else if (c == '\r' || c == '\t') {
			c = ' ';
		}
		if ((rc = buf_put(p, c)) < 0)
			return rc;
	}
	if (quoted)
		return zf_fail(p, p->line, -EINVAL, "quoted string not closed on its line");
	if (depth > 0)
		return zf_fail(p, paren_line, -EINVAL,
			       "'(' opened on this line is not closed before the end of the file");
	if ((rc = buf_put(p, '\0')) < 0)
		return rc;
	p->buf_len--;
	return 1;
}

/* The next blank-separated token of buf from *at; false at the end. */
static bool next_token(const struct zf_parser *p, size_t *at, const char **tok, size_t *tok_len)
{
	size_t i = *at;

	while (i < p->buf_len && p->buf[i] == ' ')
		i++;
	if (i >= p->buf_len)
		return false;
	*tok = p->buf + i;
	while (i < p->buf_len && p->buf[i] != ' ') {
		if (p->buf[i] == '\\' && i + 1 < p->buf_len)
			i++;
		i++;
	}
	*tok_len = (size_t)(p->buf + i - *tok);
	*at = i;
	return true;
}

static int parse_name(struct zf_parser *p, unsigned line, const char *tok, size_t tok_len,
		      uint8_t *out, size_t *out_len)
{
	char why[DNS_ERR_MAX];
	bool absolute =
	    tok_len > 0 && tok[tok_len - 1] == '.' && !(tok_len > 1 && tok[tok_len - 2] == '\\');

	if (p->origin_len == 0 && !absolute)
		return zf_fail(p, line, -EINVAL, "relative name '%.*s' and no $ORIGIN before it",
			       (int)(tok_len > 64 ? 64 : tok_len), tok);
	if (dnstext_name_from_text(tok, tok_len, p->origin_len ? p->origin : NULL, p->origin_len, 0,
				   out, out_len, why, sizeof(why)) < 0)
		return zf_fail(p, line, -EINVAL, "%s encountered with '%.*s'", why,
			       (int)(tok_len > 64 ? 64 : tok_len), tok);
	return 0;
}

static int directive(struct zf_parser *p, unsigned line, const char *tok, size_t tok_len, size_t at)
{
	const char *arg, *extra;
	size_t arg_len, extra_len;
	bool has_arg = next_token(p, &at, &arg, &arg_len);

	if (tok_len == 8 && strncasecmp(tok, "$INCLUDE", 8) == 0)
		return zf_fail(p, line, -EINVAL, "$INCLUDE is not allowed: a zone is one file");
	if (tok_len == 7 && strncasecmp(tok, "$ORIGIN", 7) == 0) {
		uint8_t wire[DNS_NAME_MAX_BYTES];
		size_t wire_len;
		int rc;

		if (!has_arg)
			return zf_fail(p, line, -EINVAL, "$ORIGIN needs a name");
		if ((rc = parse_name(p, line, arg, arg_len, wire, &wire_len)) < 0)
			return rc;
		if (next_token(p, &at, &extra, &extra_len))
			return zf_fail(p, line, -EINVAL, "$ORIGIN takes one name");
		memcpy(p->origin, wire, wire_len);
		p->origin_len = wire_len;
		return 0;
	}
	if (tok_len == 4 && strncasecmp(tok, "$TTL", 4) == 0) {
		if (!has_arg || dnstext_ttl_from_text(arg, arg_len, &p->default_ttl) < 0)
			return zf_fail(p, line, -EINVAL,
				       "$TTL needs a TTL from 0 to 2147483647 seconds (units "
				       "w d h m s allowed)");
		if (next_token(p, &at, &extra, &extra_len))
			return zf_fail(p, line, -EINVAL, "$TTL takes one TTL");
		p->has_default_ttl = true;
		return 0;
	}
	return zf_fail(p, line, -EINVAL, "unknown directive %.*s",
		       (int)(tok_len > 32 ? 32 : tok_len), tok);
}

static int arena_put(struct zonefile *zf, const void *data, size_t len, size_t *off)
{
	if (zf->arena_len + len > zf->arena_cap) {
		size_t cap = zf->arena_cap ? zf->arena_cap : 4096;
		uint8_t *a;

		while (cap < zf->arena_len + len)
			cap *= 2;
		a = realloc(zf->arena, cap);
		if (a == NULL)
			return -ENOMEM;
		zf->arena = a;
		zf->arena_cap = cap;
	}
	memcpy(zf->arena + zf->arena_len, data, len);
	*off = zf->arena_len;
	zf->arena_len += len;
	return 0;
}

static int add_record(struct zf_parser *p, unsigned line, uint16_t type, uint32_t ttl,
		      const uint8_t *rdata, size_t rdata_len)
{
	struct zonefile *zf = p->zf;
	struct zf_rec *r;
	int rc;

	if (zf->n >= p->max_records)
		return zf_fail(p, line, -POP_ELIMIT, "more than %zu records", p->max_records);
	if (zf->n == zf->cap) {
		size_t cap = zf->cap ? zf->cap * 2 : 64;
		struct zf_rec *recs = realloc(zf->recs, cap * sizeof(*recs));

		if (recs == NULL)
			return -ENOMEM;
		zf->recs = recs;
		zf->cap = cap;
	}
	r = &zf->recs[zf->n];
	if ((rc = arena_put(zf, p->owner, p->owner_len, &r->owner_off)) < 0 ||
	    (rc = arena_put(zf, rdata, rdata_len, &r->rdata_off)) < 0)
		return rc;
	r->owner_len = (uint8_t)p->owner_len;
	r->rdata_len = (uint16_t)rdata_len;
	r->type = type;
	r->ttl = ttl;
	r->line = line;
	zf->n++;
	return 0;
}

static bool is_class(const char *tok, size_t len)
{
	static const char *const classes[] = {"IN", "CH", "HS", "CS", "ANY", "NONE"};

	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (strlen(classes[i]) == len && strncasecmp(tok, classes[i], len) == 0)
			return true;
	return len > 5 && strncasecmp(tok, "CLASS", 5) == 0 && tok[5] >= '0' && tok[5] <= '9';
}

static int record(struct zf_parser *p, unsigned line, bool blank_start)
{
	uint8_t *rdata = p->rdata;
	char why[DNS_ERR_MAX];
	const char *tok;
	size_t tok_len, at = 0, rdata_len;
	uint32_t ttl = 0;
	bool has_ttl = false, has_class = false;
	int type, rc;

	if (!next_token(p, &at, &tok, &tok_len))
		return 0; /* blank or comment only */
	if (!blank_start) {
		if (tok[0] == '$')
			return directive(p, line, tok, tok_len, at);
		if ((rc = parse_name(p, line, tok, tok_len, p->owner, &p->owner_len)) < 0)
			return rc;
		if (!next_token(p, &at, &tok, &tok_len))
			return zf_fail(p, line, -EINVAL, "no record type after the owner name");
	} else if (p->owner_len == 0) {
		return zf_fail(p, line, -EINVAL,
			       "no owner name, and no record before it to take one from");
	}
	for (int i = 0; i < 2; i++) {
		if (!has_ttl && tok[0] >= '0' && tok[0] <= '9') {
			if (dnstext_ttl_from_text(tok, tok_len, &ttl) < 0)
				return zf_fail(p, line, -EINVAL,
					       "TTL '%.*s' is not from 0 to 2147483647 seconds "
					       "(units w d h m s allowed)",
					       (int)(tok_len > 32 ? 32 : tok_len), tok);
			has_ttl = true;
		} else if (!has_class && is_class(tok, tok_len)) {
			if (!(tok_len == 2 && strncasecmp(tok, "IN", 2) == 0))
				return zf_fail(p, line, -EINVAL,
					       "class %.*s is not supported (only IN)",
					       (int)tok_len, tok);
			has_class = true;
		} else {
			break;
		}
		if (!next_token(p, &at, &tok, &tok_len))
			return zf_fail(p, line, -EINVAL, "no record type");
	}
	type = dnstext_type_from_name(tok, tok_len);
	if (type < 0)
		return zf_fail(p, line, -EINVAL, "unknown or unsupported record type '%.*s'",
			       (int)(tok_len > 32 ? 32 : tok_len), tok);
	while (at < p->buf_len && p->buf[at] == ' ')
		at++;
	rc = dnstext_rdata_from_text((uint16_t)type, p->buf + at, p->buf_len - at,
				     p->origin_len ? p->origin : NULL, p->origin_len, 0, rdata,
				     DNS_RDATA_MAX_BYTES, &rdata_len, why, sizeof(why));
	if (rc < 0) {
		size_t shown = p->buf_len - at;

		while (shown > 0 && p->buf[at + shown - 1] == ' ')
			shown--;
		return zf_fail(p, line, -EINVAL, "%s encountered with '%.*s%s'", why,
			       (int)(shown > 80 ? 80 : shown), p->buf + at,
			       shown > 80 ? "..." : "");
	}
	if (!has_ttl) {
		if (p->has_default_ttl) {
			ttl = p->default_ttl;
		} else if (p->has_last_ttl) {
			ttl = p->last_ttl;
		} else if (type == DNS_TYPE_SOA) {
			const uint8_t *m = rdata + rdata_len - 4;
			ttl = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 |
			      m[3];
			if (ttl > 0x7fffffffu)
				ttl = 0x7fffffffu;
		} else {
			return zf_fail(p, line, -EINVAL,
				       "no TTL: give one, or a $TTL line before the record");
		}
	}
	p->last_ttl = ttl;
	p->has_last_ttl = true;
	return add_record(p, line, (uint16_t)type, ttl, rdata, rdata_len);
}

int zonefile_parse(const char *text, size_t len, const struct zonefile_options *opt,
		   struct zonefile **out, char *err, size_t err_len)
{
	struct zf_parser p = {
	    .text = text,
	    .len = len,
	    .line = 1,
	    .max_records = ZONEFILE_MAX_RECORDS_DEFAULT,
	    .err = err,
	    .err_len = err_len,
	};
	size_t max_bytes = ZONEFILE_MAX_BYTES_DEFAULT;
	unsigned start;
	bool blank_start;
	int rc;

	*out = NULL;
	if (opt != NULL) {
		if (opt->max_bytes != 0)
			max_bytes = opt->max_bytes;
		if (opt->max_records != 0)
			p.max_records = opt->max_records;
		if (opt->origin != NULL) {
			if (dnstext_name_wire_len(opt->origin, opt->origin_len) != opt->origin_len)
				return -EINVAL;
			memcpy(p.origin, opt->origin, opt->origin_len);
			p.origin_len = opt->origin_len;
		}
	}
	if (len > max_bytes) {
		if (err != NULL && err_len > 0)
			snprintf(err, err_len,
				 "the zone file is %zu bytes, more than the %zu allowed", len,
				 max_bytes);
		return -EFBIG;
	}
	p.zf = calloc(1, sizeof(*p.zf));
	p.rdata = malloc(DNS_RDATA_MAX_BYTES);
	if (p.zf == NULL || p.rdata == NULL) {
		free(p.zf);
		free(p.rdata);
		return -ENOMEM;
	}
	while ((rc = read_logical_line(&p, &start, &blank_start)) > 0) {
		rc = record(&p, start, blank_start);
		if (rc < 0)
			break;
	}
	free(p.buf);
	free(p.rdata);
	if (rc == 0 && p.zf->n > 0) {
		p.zf->pub = malloc(p.zf->n * sizeof(*p.zf->pub));
		if (p.zf->pub == NULL)
			rc = -ENOMEM;
	}
	if (rc < 0) {
		zonefile_free(p.zf);
		return rc;
	}
	for (size_t i = 0; i < p.zf->n; i++) {
		const struct zf_rec *r = &p.zf->recs[i];

		p.zf->pub[i] = (struct zonefile_record){
		    .owner = p.zf->arena + r->owner_off,
		    .owner_len = r->owner_len,
		    .type = r->type,
		    .ttl = r->ttl,
		    .rdata = p.zf->arena + r->rdata_off,
		    .rdata_len = r->rdata_len,
		    .line = r->line,
		};
	}
	*out = p.zf;
	return 0;
}

size_t zonefile_count(const struct zonefile *zf)
{
	return zf != NULL ? zf->n : 0;
}

const struct zonefile_record *zonefile_record(const struct zonefile *zf, size_t i)
{
	return zf != NULL && i < zf->n ? &zf->pub[i] : NULL;
}

void zonefile_free(struct zonefile *zf)
{
	if (zf == NULL)
		return;
	free(zf->recs);
	free(zf->arena);
	free(zf->pub);
	free(zf);
}
