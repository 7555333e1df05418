/* SPDX-License-Identifier: BSD-3-Clause */
/* HTTP/1.1 requests as SDKs send them: Content-Length bodies, no transfer
 * codings (refused with 501 rather than guessed at). */
#include "api_pvt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool is_token_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static const char *find_crlf(const char *p, const char *end)
{
	for (; p + 1 < end; p++)
		if (p[0] == '\r' && p[1] == '\n')
			return p;
	return NULL;
}

static bool header_is(const struct api_header *h, const char *name)
{
	return h->name_len == strlen(name) && strncasecmp(h->name, name, h->name_len) == 0;
}

const char *api_http_header(const struct api_http_request *req, const char *name, size_t *len)
{
	for (size_t i = 0; i < req->header_count; i++)
		if (header_is(&req->headers[i], name)) {
			*len = req->headers[i].value_len;
			return req->headers[i].value;
		}
	*len = 0;
	return NULL;
}

static int fail(int *status, int code, int rc)
{
	*status = code;
	return rc;
}

static int parse_request_line(const char *p, const char *eol, struct api_http_request *req,
			      int *status)
{
	const char *sp1 = memchr(p, ' ', (size_t)(eol - p)), *sp2, *target;
	size_t mlen;

	if (sp1 == NULL)
		return fail(status, 400, -POP_EFORMAT);
	mlen = (size_t)(sp1 - p);
	if (mlen == 0 || mlen >= sizeof(req->method))
		return fail(status, 400, -POP_EFORMAT);
	for (size_t i = 0; i < mlen; i++)
		if (p[i] < 'A' || p[i] > 'Z')
			return fail(status, 400, -POP_EFORMAT);
	memcpy(req->method, p, mlen);
	req->method[mlen] = '\0';
	target = sp1 + 1;
	sp2 = memchr(target, ' ', (size_t)(eol - target));
	if (sp2 == NULL || sp2 == target || *target != '/')
		return fail(status, 400, -POP_EFORMAT);
	for (const char *c = target; c < sp2; c++)
		if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f)
			return fail(status, 400, -POP_EFORMAT);
	if ((size_t)(eol - sp2 - 1) != 8 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0)
		return fail(status, 505, -POP_EFORMAT);
	if (sp2[8] != '1' && sp2[8] != '0')
		return fail(status, 505, -POP_EFORMAT);
	req->keep_alive = sp2[8] == '1';
	req->path = target;
	const char *q = memchr(target, '?', (size_t)(sp2 - target));
	if (q != NULL) {
		req->path_len = (size_t)(q - target);
		req->query = q + 1;
		req->query_len = (size_t)(sp2 - q - 1);
	} else {
		req->path_len = (size_t)(sp2 - target);
		req->query = target + req->path_len;
		req->query_len = 0;
	}
	return 0;
}

int api_http_parse(const char *buf, size_t len, const struct api_http_limits *lim,
		   struct api_http_request *req, int *status)
{
	const char *end = buf + len, *p = buf, *eol;
	size_t max_headers =
	    lim->max_headers < API_HEADERS_MAX ? lim->max_headers : API_HEADERS_MAX;
	size_t content_length = 0;
	bool have_length = false;
	int rc;

	memset(req, 0, offsetof(struct api_http_request, headers));
	req->header_count = 0;
	*status = 0;
	/* Tolerate the blank lines some clients leave after a body (RFC 9112 2.2). */
	while (end - p >= 2 && p[0] == '\r' && p[1] == '\n')
		p += 2;
	eol = find_crlf(p, end);
	if (eol == NULL)
		return len > lim->max_request_bytes ? fail(status, 413, -POP_ELIMIT) : -EAGAIN;
	if ((rc = parse_request_line(p, eol, req, status)) < 0)
		return rc;
	p = eol + 2;
	for (;;) {
		const char *colon, *v, *ve;

		eol = find_crlf(p, end);
		if (eol == NULL)
			return (size_t)(end - buf) > lim->max_request_bytes
				   ? fail(status, 413, -POP_ELIMIT)
				   : -EAGAIN;
		if (eol == p) {
			p += 2;
			break;
		}
		if ((size_t)(eol - buf) > lim->max_request_bytes)
			return fail(status, 413, -POP_ELIMIT);
		if (req->header_count >= max_headers)
			return fail(status, 431, -POP_ELIMIT);
		colon = memchr(p, ':', (size_t)(eol - p));
		if (colon == NULL || colon == p)
			return fail(status, 400, -POP_EFORMAT);
		for (const char *c = p; c < colon; c++)
			if (!is_token_char(*c))
				return fail(status, 400, -POP_EFORMAT);
		v = colon + 1;
		while (v < eol && (*v == ' ' || *v == '\t'))
			v++;
		ve = eol;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		for (const char *c = v; c < ve; c++)
			if ((unsigned char)*c < 0x20 && *c != '\t')
				return fail(status, 400, -POP_EFORMAT);
		struct api_header *h = &req->headers[req->header_count++];
		h->name = p;
		h->name_len = (size_t)(colon - p);
		h->value = v;
		h->value_len = (size_t)(ve - v);
		if (header_is(h, "Content-Length")) {
			size_t n = 0;
			if (have_length || h->value_len == 0 || h->value_len > 12)
				return fail(status, 400, -POP_EFORMAT);
			for (size_t i = 0; i < h->value_len; i++) {
				if (v[i] < '0' || v[i] > '9')
					return fail(status, 400, -POP_EFORMAT);
				n = n * 10 + (size_t)(v[i] - '0');
			}
			content_length = n;
			have_length = true;
		} else if (header_is(h, "Transfer-Encoding")) {
			return fail(status, 501, -POP_EFORMAT);
		} else if (header_is(h, "Connection")) {
			if (h->value_len == 5 && strncasecmp(v, "close", 5) == 0)
				req->keep_alive = false;
			else if (h->value_len == 10 && strncasecmp(v, "keep-alive", 10) == 0)
				req->keep_alive = true;
		}
		p = eol + 2;
	}
	if (content_length > lim->max_request_bytes ||
	    (size_t)(p - buf) + content_length > lim->max_request_bytes)
		return fail(status, 413, -POP_ELIMIT);
	if ((size_t)(end - p) < content_length)
		return -EAGAIN;
	req->body = p;
	req->body_len = content_length;
	req->total_len = (size_t)(p - buf) + content_length;
	return 0;
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

ssize_t api_url_decode(const char *in, size_t len, char *out, size_t out_len)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		char c = in[i];
		if (c == '%') {
			int hi, lo;
			if (i + 2 >= len)
				return -1;
			hi = hexval(in[i + 1]);
			lo = hexval(in[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = (char)(hi * 16 + lo);
			i += 2;
		}
		if (o + 1 >= out_len)
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	return (ssize_t)o;
}
