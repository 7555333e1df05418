/* SPDX-License-Identifier: BSD-3-Clause */
/* Signature Version 4, verified by computing what the client's signer
 * computed from the request as it arrived (the canonical request rules of
 * non-S3 services: the path URI-encoded once more, the query sorted as sent,
 * the signed headers trimmed, the body's SHA-256). */
#include "api_pvt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

static const char hexdigits[] = "0123456789abcdef";

static void hex(const uint8_t *in, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hexdigits[in[i] >> 4];
		out[2 * i + 1] = hexdigits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static int unhex(const char *in, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n / 2; i++) {
		int v = 0;
		for (int k = 0; k < 2; k++) {
			char c = in[2 * i + (size_t)k];
			int d = c >= '0' && c <= '9'   ? c - '0'
				: c >= 'a' && c <= 'f' ? c - 'a' + 10
						       : -1;
			if (d < 0)
				return -1;
			v = v * 16 + d;
		}
		out[i] = (uint8_t)v;
	}
	return 0;
}

/* Copy "Name=value" up to ',' from an Authorization header's parameters. */
static int auth_param(const char *v, size_t len, const char *name, const char **out,
		      size_t *out_len)
{
	size_t nl = strlen(name);

	for (size_t i = 0; i + nl < len; i++) {
		if ((i == 0 || v[i - 1] == ' ' || v[i - 1] == ',') &&
		    memcmp(v + i, name, nl) == 0 && v[i + nl] == '=') {
			const char *s = v + i + nl + 1, *e = s;
			while (e < v + len && *e != ',' && *e != ' ')
				e++;
			*out = s;
			*out_len = (size_t)(e - s);
			return 0;
		}
	}
	return -1;
}

int api_sigv4_parse(const char *value, size_t len, struct api_sigv4_auth *auth)
{
	static const char algo[] = "AWS4-HMAC-SHA256 ";
	const char *cred, *sh, *sig, *parts[5];
	size_t cred_len, sh_len, sig_len, part_len[5], np = 0;

	memset(auth, 0, sizeof(*auth));
	if (len < sizeof(algo) - 1 || memcmp(value, algo, sizeof(algo) - 1) != 0)
		return -POP_EFORMAT;
	value += sizeof(algo) - 1;
	len -= sizeof(algo) - 1;
	if (auth_param(value, len, "Credential", &cred, &cred_len) < 0 ||
	    auth_param(value, len, "SignedHeaders", &sh, &sh_len) < 0 ||
	    auth_param(value, len, "Signature", &sig, &sig_len) < 0)
		return -POP_EFORMAT;
	if (sig_len != 64 || unhex(sig, sig_len, auth->signature) < 0)
		return -POP_EFORMAT;
	if (sh_len == 0 || sh_len >= sizeof(auth->signed_headers))
		return -POP_EFORMAT;
	memcpy(auth->signed_headers, sh, sh_len);
	for (const char *p = cred, *e = cred + cred_len; p <= e && np < 5;) {
		const char *slash = memchr(p, '/', (size_t)(e - p));
		if (slash == NULL)
			slash = e;
		parts[np] = p;
		part_len[np++] = (size_t)(slash - p);
		p = slash + 1;
	}
	if (np != 5 || part_len[0] == 0 || part_len[0] >= sizeof(auth->access_key) ||
	    part_len[1] != 8 || part_len[2] == 0 || part_len[2] >= sizeof(auth->region) ||
	    part_len[3] == 0 || part_len[3] >= sizeof(auth->service) || part_len[4] != 12 ||
	    memcmp(parts[4], "aws4_request", 12) != 0 || parts[4] + 12 != cred + cred_len)
		return -POP_EFORMAT;
	memcpy(auth->access_key, parts[0], part_len[0]);
	memcpy(auth->date, parts[1], 8);
	memcpy(auth->region, parts[2], part_len[2]);
	memcpy(auth->service, parts[3], part_len[3]);
	return 0;
}

int64_t api_amz_date_parse(const char *s, size_t len)
{
	struct tm tm = {0};
	int v[6];
	static const int pos[6][2] = {{0, 4}, {4, 2}, {6, 2}, {9, 2}, {11, 2}, {13, 2}};

	if (len != 16 || s[8] != 'T' || s[15] != 'Z')
		return -1;
	for (int i = 0; i < 6; i++) {
		v[i] = 0;
		for (int k = 0; k < pos[i][1]; k++) {
			char c = s[pos[i][0] + k];
			if (c < '0' || c > '9')
				return -1;
			v[i] = v[i] * 10 + (c - '0');
		}
	}
	if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 || v[4] > 59 || v[5] > 60)
		return -1;
	tm.tm_year = v[0] - 1900;
	tm.tm_mon = v[1] - 1;
	tm.tm_mday = v[2];
	tm.tm_hour = v[3];
	tm.tm_min = v[4];
	tm.tm_sec = v[5];
	return (int64_t)timegm(&tm);
}

static bool unreserved(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.' || c == '~';
}

static void uri_encode_path(struct api_buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char esc[4];
		if (unreserved(s[i]) || s[i] == '/') {
			api_buf_put(b, &s[i], 1);
			continue;
		}
		snprintf(esc, sizeof(esc), "%%%02X", (unsigned char)s[i]);
		api_buf_put(b, esc, 3);
	}
}

/* RFC 3986 dot segments out and repeated slashes collapsed, as the signer does. */
static void canonical_path(struct api_buf *b, const char *path, size_t len)
{
	const char *segs[64];
	size_t seg_len[64], n = 0;
	struct api_buf norm = {0};

	if (len == 0) {
		api_buf_puts(b, "/");
		return;
	}
	for (const char *p = path, *e = path + len; p < e;) {
		const char *slash = memchr(p, '/', (size_t)(e - p));
		size_t l;
		if (slash == NULL)
			slash = e;
		l = (size_t)(slash - p);
		if (l == 0 || (l == 1 && p[0] == '.')) {
			/* skip */
		} else if (l == 2 && p[0] == '.' && p[1] == '.') {
			if (n > 0)
				n--;
		} else if (n < 64) {
			segs[n] = p;
			seg_len[n++] = l;
		} else {
			b->failed = true;
			return;
		}
		p = slash + 1;
	}
	if (path[0] == '/')
		api_buf_puts(&norm, "/");
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			api_buf_puts(&norm, "/");
		api_buf_put(&norm, segs[i], seg_len[i]);
	}
	if (path[len - 1] == '/' && n > 0)
		api_buf_puts(&norm, "/");
	if (norm.failed)
		b->failed = true;
	else
		uri_encode_path(b, norm.data, norm.len);
	free(norm.data);
}

struct qpair {
	const char *k, *v;
	size_t kl, vl;
};

static int qpair_cmp(const void *a, const void *b)
{
	const struct qpair *x = a, *y = b;
	size_t n = x->kl < y->kl ? x->kl : y->kl;
	int c = memcmp(x->k, y->k, n);

	if (c != 0 || x->kl != y->kl)
		return c != 0 ? c : (x->kl < y->kl ? -1 : 1);
	n = x->vl < y->vl ? x->vl : y->vl;
	c = memcmp(x->v, y->v, n);
	if (c != 0 || x->vl == y->vl)
		return c;
	return x->vl < y->vl ? -1 : 1;
}

static int canonical_query(struct api_buf *b, const char *q, size_t len)
{
	struct qpair *pairs;
	size_t n = 0, cap = 1;

	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++)
		cap += q[i] == '&';
	pairs = calloc(cap, sizeof(*pairs));
	if (pairs == NULL)
		return -ENOMEM;
	for (const char *p = q, *e = q + len; p <= e && n < cap;) {
		const char *amp = memchr(p, '&', (size_t)(e - p)), *eq;
		if (amp == NULL)
			amp = e;
		eq = memchr(p, '=', (size_t)(amp - p));
		pairs[n].k = p;
		pairs[n].kl = (size_t)((eq != NULL ? eq : amp) - p);
		pairs[n].v = eq != NULL ? eq + 1 : amp;
		pairs[n].vl = eq != NULL ? (size_t)(amp - eq - 1) : 0;
		n++;
		p = amp + 1;
	}
	qsort(pairs, n, sizeof(*pairs), qpair_cmp);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			api_buf_puts(b, "&");
		api_buf_put(b, pairs[i].k, pairs[i].kl);
		api_buf_puts(b, "=");
		api_buf_put(b, pairs[i].v, pairs[i].vl);
	}
	free(pairs);
	return 0;
}

/* "name:v1,v2" with every value's whitespace runs folded to one space. */
static int canonical_header(struct api_buf *b, const struct api_http_request *req, const char *name,
			    size_t name_len)
{
	bool found = false;

	api_buf_put(b, name, name_len);
	api_buf_puts(b, ":");
	for (size_t i = 0; i < req->header_count; i++) {
		const struct api_header *h = &req->headers[i];
		bool space = false, started = false;

		if (h->name_len != name_len || strncasecmp(h->name, name, name_len) != 0)
			continue;
		if (found)
			api_buf_puts(b, ",");
		found = true;
		for (size_t k = 0; k < h->value_len; k++) {
			char c = h->value[k];
			if (c == ' ' || c == '\t') {
				space = started;
				continue;
			}
			if (space)
				api_buf_puts(b, " ");
			space = false;
			started = true;
			api_buf_put(b, &c, 1);
		}
	}
	api_buf_puts(b, "\n");
	return found ? 0 : -POP_EFORMAT;
}

static void hmac(const uint8_t *key, size_t key_len, const char *msg, size_t msg_len,
		 uint8_t out[32])
{
	unsigned int n = 32;

	HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)msg, msg_len, out, &n);
}

int api_sigv4_sign(const struct api_http_request *req, const struct api_sigv4_auth *auth,
		   const char *amz_date, const char *secret, uint8_t sig[32])
{
	struct api_buf cr = {0}, sts = {0};
	uint8_t digest[32], k[32], k2[32];
	char digest_hex[65];
	int rc = 0;

	api_buf_puts(&cr, req->method);
	api_buf_puts(&cr, "\n");
	canonical_path(&cr, req->path, req->path_len);
	api_buf_puts(&cr, "\n");
	if (canonical_query(&cr, req->query, req->query_len) < 0)
		cr.failed = true;
	api_buf_puts(&cr, "\n");
	for (const char *p = auth->signed_headers; *p != '\0' && rc == 0;) {
		size_t l = strcspn(p, ";");
		rc = canonical_header(&cr, req, p, l);
		p += l;
		if (*p == ';')
			p++;
	}
	api_buf_puts(&cr, "\n");
	api_buf_puts(&cr, auth->signed_headers);
	api_buf_puts(&cr, "\n");
	SHA256((const unsigned char *)(req->body != NULL ? req->body : ""), req->body_len, digest);
	hex(digest, 32, digest_hex);
	api_buf_puts(&cr, digest_hex);
	if (cr.failed || rc < 0) {
		free(cr.data);
		return rc < 0 ? rc : -ENOMEM;
	}
	SHA256((const unsigned char *)cr.data, cr.len, digest);
	hex(digest, 32, digest_hex);
	free(cr.data);

	api_buf_puts(&sts, "AWS4-HMAC-SHA256\n");
	api_buf_puts(&sts, amz_date);
	api_buf_puts(&sts, "\n");
	api_buf_puts(&sts, auth->date);
	api_buf_puts(&sts, "/");
	api_buf_puts(&sts, auth->region);
	api_buf_puts(&sts, "/");
	api_buf_puts(&sts, auth->service);
	api_buf_puts(&sts, "/aws4_request\n");
	api_buf_puts(&sts, digest_hex);
	if (sts.failed) {
		free(sts.data);
		return -ENOMEM;
	}

	size_t sl = strlen(secret);
	uint8_t *k0 = malloc(sl + 4);
	if (k0 == NULL) {
		free(sts.data);
		return -ENOMEM;
	}
	memcpy(k0, "AWS4", 4);
	memcpy(k0 + 4, secret, sl);
	hmac(k0, sl + 4, auth->date, strlen(auth->date), k);
	OPENSSL_cleanse(k0, sl + 4);
	free(k0);
	hmac(k, 32, auth->region, strlen(auth->region), k2);
	hmac(k2, 32, auth->service, strlen(auth->service), k);
	hmac(k, 32, "aws4_request", 12, k2);
	hmac(k2, 32, sts.data, sts.len, sig);
	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_cleanse(k2, sizeof(k2));
	free(sts.data);
	return 0;
}
