/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The semantic half of validation: what the shapes cannot say (quotas, ids
 * that must exist, values CloudFront accepts), with CloudFront's error codes.
 * Runs after cf_check_shape(), so every member has its model type here.
 */
#include "cloudfront_pvt.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ accessors */

const char *cf_str(const json_t *obj, const char *member, const char *dflt)
{
	const json_t *v = json_object_get(obj, member);

	return json_is_string(v) ? json_string_value(v) : dflt;
}

long long cf_int(const json_t *obj, const char *member, long long dflt)
{
	const json_t *v = json_object_get(obj, member);

	return json_is_integer(v) ? (long long)json_integer_value(v) : dflt;
}

bool cf_bool(const json_t *obj, const char *member, bool dflt)
{
	const json_t *v = json_object_get(obj, member);

	return json_is_boolean(v) ? json_is_true(v) : dflt;
}

const json_t *cf_items(const json_t *obj, const char *member)
{
	const json_t *q = member != NULL ? json_object_get(obj, member) : obj;
	const json_t *items = json_object_get(q, "Items");

	return json_is_array(items) ? items : NULL;
}

static size_t n_items(const json_t *obj, const char *member)
{
	return json_array_size(cf_items(obj, member));
}

void cf_lower(const char *in, char *out, size_t len)
{
	size_t i = 0;

	if (len == 0)
		return;
	for (; in[i] != '\0' && i + 1 < len; i++)
		out[i] = (char)tolower((unsigned char)in[i]);
	out[i] = '\0';
}

/* ------------------------------------------------------------- names */

/* A DNS host name: labels of [a-z0-9-] (any case), 1 to 63 bytes, 253 in all. */
static bool host_name_ok(const char *name, bool wildcard_ok)
{
	size_t len = strlen(name), label = 0;

	if (len == 0 || len > 253)
		return false;
	if (wildcard_ok && name[0] == '*') {
		if (name[1] != '.' || name[2] == '\0')
			return false;
		name += 2;
	}
	for (const char *p = name;; p++) {
		if (*p == '.' || *p == '\0') {
			if (label == 0 || label > 63 || p[-1] == '-')
				return false;
			if (*p == '\0')
				return true;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)*p) && *p != '-')
			return false;
		if (label == 0 && *p == '-')
			return false;
		label++;
	}
}

bool cf_bucket_name_ok(const char *name)
{
	size_t len = strlen(name);

	if (len < 3 || len > 63)
		return false;
	if (!isalnum((unsigned char)name[0]) || !isalnum((unsigned char)name[len - 1]))
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = name[i];
		if (!(islower((unsigned char)ch) || isdigit((unsigned char)ch) || ch == '-' ||
		      ch == '.'))
			return false;
		if (ch == '.' && name[i + 1] == '.')
			return false;
	}
	return true;
}

int cf_s3_bucket(const char *domain, char *bucket, size_t len)
{
	static const char global[] = ".s3.amazonaws.com", tail[] = ".amazonaws.com";
	char lower[256];
	size_t n, blen;
	const char *end;

	if (strlen(domain) >= sizeof(lower))
		return -EINVAL;
	cf_lower(domain, lower, sizeof(lower));
	n = strlen(lower);
	if (n > sizeof(global) - 1 && strcmp(lower + n - (sizeof(global) - 1), global) == 0) {
		blen = n - (sizeof(global) - 1);
	} else if (n > sizeof(tail) - 1 && strcmp(lower + n - (sizeof(tail) - 1), tail) == 0) {
		/* <bucket>.s3.<region>.amazonaws.com: the region is one label. */
		const char *region;
		end = lower + n - (sizeof(tail) - 1);
		region = end;
		while (region > lower && region[-1] != '.')
			region--;
		if (region == end || region - lower < 4 || strncmp(region - 4, ".s3.", 4) != 0)
			return -EINVAL;
		for (const char *p = region; p < end; p++)
			if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) ||
			      *p == '-'))
				return -EINVAL;
		blen = (size_t)(region - 4 - lower);
	} else {
		return -EINVAL;
	}
	if (blen == 0 || blen >= len)
		return -EINVAL;
	memcpy(bucket, lower, blen);
	bucket[blen] = '\0';
	return cf_bucket_name_ok(bucket) ? 0 : -EINVAL;
}

/* HTTP token characters (RFC 9110), for header names. */
static bool token_ok(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && strchr("!#$%&'*+-.^_`|~", *s) == NULL)
			return false;
	return true;
}

/* Header values: visible ASCII, spaces and tabs. */
static bool header_value_ok(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 0x20 && *s < 0x7f) || *s == '\t'))
			return false;
	return true;
}

static bool in_list(long long v, const int *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == v)
			return true;
	return false;
}

/* Are the strings of a JSON array distinct (case-insensitively when @p fold)? */
static long dup_index(const json_t *arr, bool fold)
{
	size_t n = json_array_size(arr);

	for (size_t i = 1; i < n; i++)
		for (size_t j = 0; j < i; j++) {
			const char *a = json_string_value(json_array_get(arr, i));
			const char *b = json_string_value(json_array_get(arr, j));
			if (a != NULL && b != NULL && (fold ? strcasecmp(a, b) : strcmp(a, b)) == 0)
				return (long)i;
		}
	return -1;
}

/* ------------------------------------------------------ distribution */

struct dist_ids {
	const json_t *origins; /* Origins.Items */
	const json_t *groups;  /* OriginGroups.Items or NULL */
};

static const json_t *find_by_id(const json_t *items, const char *id)
{
	size_t i;
	const json_t *it;

	json_array_foreach(items, i, it) if (strcmp(cf_str(it, "Id", ""), id) == 0) return it;
	return NULL;
}

static int check_aliases(struct cf_check *c, const json_t *cfg)
{
	const json_t *items = cf_items(cfg, "Aliases");
	size_t i, items_len, saved = cf_push(c, "Aliases");
	const json_t *a;

	if (json_array_size(items) > CF_MAX_ALIASES)
		return cf_fail(c, "TooManyDistributionCNAMEs",
			       "%zu aliases, at most %d allowed per distribution",
			       json_array_size(items), CF_MAX_ALIASES);
	cf_push(c, "Items");
	items_len = c->path_len;
	json_array_foreach(items, i, a)
	{
		const char *name = json_string_value(a);
		char lower[256];
		cf_push_index(c, i);
		if (!host_name_ok(name, true))
			return cf_fail(c, "InvalidArgument",
				       "\"%.64s\" is not a valid domain name (a wildcard is only "
				       "allowed as the first label, like *.example.com)",
				       name);
		for (size_t j = 0; j < i; j++)
			if (strcasecmp(name, json_string_value(json_array_get(items, j))) == 0)
				return cf_fail(c, "InvalidArgument", "%s is listed twice", name);
		if (c->env != NULL) {
			long long n = 0;
			int rc;
			cf_lower(name, lower, sizeof(lower));
			rc = cf_sql_count(c->env, &n,
					  "SELECT count(*) FROM cf_aliases WHERE alias = ? AND "
					  "distribution_id != ?",
					  "ss", lower, c->self_id != NULL ? c->self_id : "");
			if (rc < 0)
				return cf_fail_rc(c, rc, "InternalFailure", "store: %s",
						  pop_strerror(rc));
			if (n > 0)
				return cf_fail_rc(c, -EEXIST, "CNAMEAlreadyExists",
						  "%s is already an alias of another distribution",
						  lower);
		}
		cf_pop(c, items_len);
	}
	cf_pop(c, saved);
	return 0;
}

static int check_default_root_object(struct cf_check *c, const json_t *cfg)
{
	const char *o = cf_str(cfg, "DefaultRootObject", "");

	if (*o == '\0')
		return 0;
	cf_push(c, "DefaultRootObject");
	if (strlen(o) > CF_MAX_DEFAULT_ROOT_OBJECT)
		return cf_fail(c, "InvalidDefaultRootObject", "at most %d characters allowed",
			       CF_MAX_DEFAULT_ROOT_OBJECT);
	if (o[0] == '/')
		return cf_fail(c, "InvalidDefaultRootObject",
			       "give the object name without a leading / (index.html)");
	for (const char *p = o; *p; p++)
		if (!isalnum((unsigned char)*p) && strchr("_-.*$/~\"'&", *p) == NULL)
			return cf_fail(
			    c, "InvalidDefaultRootObject",
			    "character '%c' is not allowed (A-Z a-z 0-9 _ - . * $ / ~ \" ' "
			    "&)",
			    *p);
	return 0;
}

static const char *const forbidden_origin_headers[] = {
    "Cache-Control",
    "Connection",
    "Content-Length",
    "Cookie",
    "Host",
    "If-Match",
    "If-Modified-Since",
    "If-None-Match",
    "If-Range",
    "If-Unmodified-Since",
    "Max-Forwards",
    "Pragma",
    "Proxy-Authorization",
    "Proxy-Connection",
    "Range",
    "Request-Range",
    "TE",
    "Trailer",
    "Transfer-Encoding",
    "Upgrade",
    "Via",
    "X-Real-Ip",
};

static int check_origin_headers(struct cf_check *c, const json_t *o)
{
	const json_t *items = cf_items(o, "CustomHeaders");
	size_t i, items_len;
	const json_t *h;

	cf_push(c, "CustomHeaders");
	if (json_array_size(items) > CF_MAX_ORIGIN_CUSTOM_HEADERS)
		return cf_fail(c, "TooManyOriginCustomHeaders",
			       "%zu custom headers, at most %d allowed", json_array_size(items),
			       CF_MAX_ORIGIN_CUSTOM_HEADERS);
	cf_push(c, "Items");
	items_len = c->path_len;
	json_array_foreach(items, i, h)
	{
		const char *name = cf_str(h, "HeaderName", ""),
			   *value = cf_str(h, "HeaderValue", "");
		size_t saved;

		cf_push_index(c, i);
		saved = c->path_len;
		cf_push(c, "HeaderName");
		if (!token_ok(name) || strlen(name) > CF_MAX_HEADER_NAME_BYTES)
			return cf_fail(c, "InvalidArgument", "\"%.64s\" is not a valid header name",
				       name);
		for (size_t k = 0;
		     k < sizeof(forbidden_origin_headers) / sizeof(forbidden_origin_headers[0]);
		     k++)
			if (strcasecmp(name, forbidden_origin_headers[k]) == 0)
				return cf_fail(c, "InvalidArgument",
					       "CloudFront cannot add the header %s to origin "
					       "requests",
					       name);
		if (strncasecmp(name, "X-Amz-", 6) == 0 || strncasecmp(name, "X-Edge-", 7) == 0)
			return cf_fail(c, "InvalidArgument",
				       "headers starting with X-Amz- or X-Edge- cannot be added");
		for (size_t j = 0; j < i; j++)
			if (strcasecmp(name, cf_str(json_array_get(items, j), "HeaderName", "")) ==
			    0)
				return cf_fail(c, "InvalidArgument", "%s is listed twice", name);
		cf_pop(c, saved);
		cf_push(c, "HeaderValue");
		if (strlen(value) > CF_MAX_HEADER_VALUE_BYTES || !header_value_ok(value))
			return cf_fail(c, "InvalidArgument",
				       "the value must be at most %d visible ASCII characters",
				       CF_MAX_HEADER_VALUE_BYTES);
		cf_pop(c, items_len);
	}
	return 0;
}

static bool port_ok(long long p)
{
	return p == 80 || p == 443 || (p >= 1024 && p <= 65535);
}

static int check_origin(struct cf_check *c, const json_t *o, const json_t *origins, size_t index)
{
	const char *id = cf_str(o, "Id", ""), *domain = cf_str(o, "DomainName", "");
	const char *path = cf_str(o, "OriginPath", "");
	const json_t *s3 = json_object_get(o, "S3OriginConfig");
	const json_t *custom = json_object_get(o, "CustomOriginConfig");
	const json_t *shield = json_object_get(o, "OriginShield");
	size_t base = c->path_len;
	int rc;

	cf_push(c, "Id");
	if (*id == '\0')
		return cf_fail(c, "InvalidArgument", "an origin needs an Id");
	for (size_t j = 0; j < index; j++)
		if (strcmp(id, cf_str(json_array_get(origins, j), "Id", "")) == 0)
			return cf_fail(c, "InvalidArgument", "origin id %s is used twice", id);
	cf_pop(c, base);
	cf_push(c, "DomainName");
	if (!host_name_ok(domain, false))
		return cf_fail(c, "InvalidArgument", "\"%.64s\" is not a valid domain name",
			       domain);
	cf_pop(c, base);
	if (*path != '\0') {
		cf_push(c, "OriginPath");
		if (path[0] != '/' || path[strlen(path) - 1] == '/' ||
		    strlen(path) > CF_MAX_ORIGIN_PATH_BYTES)
			return cf_fail(c, "InvalidArgument",
				       "the origin path must begin with a / and must not end "
				       "with one (at most %d characters)",
				       CF_MAX_ORIGIN_PATH_BYTES);
		for (const char *p = path; *p; p++)
			if (*p <= 0x20 || *p >= 0x7f || *p == '?' || *p == '#')
				return cf_fail(c, "InvalidArgument",
					       "character 0x%02x is not allowed in an origin path",
					       (unsigned char)*p);
		cf_pop(c, base);
	}
	if ((s3 != NULL) == (custom != NULL))
		return cf_fail(c, "InvalidArgument",
			       "exactly one of S3OriginConfig and CustomOriginConfig must be "
			       "specified");
	if (s3 != NULL) {
		const char *oai = cf_str(s3, "OriginAccessIdentity", "");
		char bucket[64];
		cf_push(c, "DomainName");
		if (cf_s3_bucket(domain, bucket, sizeof(bucket)) < 0)
			return cf_fail(c, "InvalidOrigin",
				       "%s is not an S3 bucket domain "
				       "(<bucket>.s3.amazonaws.com or "
				       "<bucket>.s3.<region>.amazonaws.com)",
				       domain);
		if (c->env != NULL) {
			long long n = 0;
			rc = cf_sql_count(c->env, &n,
					  "SELECT count(*) FROM cf_buckets WHERE bucket = ?", "s",
					  bucket);
			if (rc < 0)
				return cf_fail_rc(c, rc, "InternalFailure", "store: %s",
						  pop_strerror(rc));
			if (n == 0)
				return cf_fail(c, "InvalidOrigin",
					       "bucket %s has no directory on this pop (cloudfront "
					       "put-bucket-directory)",
					       bucket);
		}
		cf_pop(c, base);
		if (*oai != '\0') {
			cf_push(c, "S3OriginConfig");
			cf_push(c, "OriginAccessIdentity");
			if (strncmp(oai, "origin-access-identity/cloudfront/", 34) != 0 ||
			    oai[34] == '\0')
				return cf_fail(c, "InvalidOriginAccessIdentity",
					       "expected origin-access-identity/cloudfront/ID or "
					       "\"\"");
			if (*cf_str(o, "OriginAccessControlId", "") != '\0') {
				cf_pop(c, base);
				return cf_fail(
				    c, "IllegalOriginAccessConfiguration",
				    "an origin cannot use both an origin access identity "
				    "and an origin access control");
			}
			cf_pop(c, base);
		}
	} else {
		long long hp = cf_int(custom, "HTTPPort", 0), sp = cf_int(custom, "HTTPSPort", 0);
		const json_t *ssl = cf_items(custom, "OriginSslProtocols");
		cf_push(c, "CustomOriginConfig");
		if (!port_ok(hp)) {
			cf_push(c, "HTTPPort");
			return cf_fail(c, "InvalidArgument",
				       "%lld is not allowed (80, 443 or 1024 to 65535)", hp);
		}
		if (!port_ok(sp)) {
			cf_push(c, "HTTPSPort");
			return cf_fail(c, "InvalidArgument",
				       "%lld is not allowed (80, 443 or 1024 to 65535)", sp);
		}
		if (dup_index(ssl, false) >= 0) {
			cf_push(c, "OriginSslProtocols");
			return cf_fail(c, "InvalidArgument", "a protocol is listed twice");
		}
		if (json_object_get(custom, "OriginSslProtocols") != NULL &&
		    json_array_size(ssl) == 0) {
			cf_push(c, "OriginSslProtocols");
			return cf_fail(c, "InvalidArgument", "at least one protocol is required");
		}
		if (cf_int(custom, "OriginReadTimeout", 30) < 1 ||
		    cf_int(custom, "OriginReadTimeout", 30) > 60) {
			cf_push(c, "OriginReadTimeout");
			return cf_fail(c, "InvalidOriginReadTimeout", "1 to 60 seconds allowed");
		}
		if (cf_int(custom, "OriginKeepaliveTimeout", 5) < 1 ||
		    cf_int(custom, "OriginKeepaliveTimeout", 5) > 60) {
			cf_push(c, "OriginKeepaliveTimeout");
			return cf_fail(c, "InvalidOriginKeepaliveTimeout",
				       "1 to 60 seconds allowed");
		}
		cf_pop(c, base);
	}
	if (cf_int(o, "ConnectionAttempts", 3) < 1 || cf_int(o, "ConnectionAttempts", 3) > 3) {
		cf_push(c, "ConnectionAttempts");
		return cf_fail(c, "InvalidArgument", "1 to 3 attempts allowed");
	}
	if (cf_int(o, "ConnectionTimeout", 10) < 1 || cf_int(o, "ConnectionTimeout", 10) > 10) {
		cf_push(c, "ConnectionTimeout");
		return cf_fail(c, "InvalidArgument", "1 to 10 seconds allowed");
	}
	if (shield != NULL && cf_bool(shield, "Enabled", false)) {
		const char *region = cf_str(shield, "OriginShieldRegion", "");
		const char *p = region;
		int dashes = 0;
		cf_push(c, "OriginShield");
		cf_push(c, "OriginShieldRegion");
		for (; *p; p++)
			dashes += *p == '-';
		if (strlen(region) < 6 || !islower((unsigned char)region[0]) ||
		    !islower((unsigned char)region[1]) || region[2] != '-' || dashes < 2 ||
		    !isdigit((unsigned char)p[-1]))
			return cf_fail(c, "InvalidArgument",
				       "an AWS region like us-east-1 is required when enabled");
		cf_pop(c, base);
	}
	rc = check_origin_headers(c, o);
	if (rc < 0)
		return rc;
	cf_pop(c, base);
	return 0;
}

static const int failover_codes[] = {400, 403, 404, 416, 500, 502, 503, 504};

static int check_origin_groups(struct cf_check *c, const json_t *cfg, const json_t *origins)
{
	const json_t *groups = cf_items(cfg, "OriginGroups");
	size_t i, items_len, base = cf_push(c, "OriginGroups");
	const json_t *g;

	if (json_array_size(groups) > CF_MAX_ORIGIN_GROUPS)
		return cf_fail(c, "TooManyOriginGroupsPerDistribution",
			       "%zu origin groups, at most %d allowed", json_array_size(groups),
			       CF_MAX_ORIGIN_GROUPS);
	cf_push(c, "Items");
	items_len = c->path_len;
	json_array_foreach(groups, i, g)
	{
		const char *id = cf_str(g, "Id", "");
		const json_t *members = cf_items(g, "Members");
		const json_t *codes =
		    cf_items(json_object_get(g, "FailoverCriteria"), "StatusCodes");
		size_t item, k, codes_len;
		const json_t *v;

		cf_push_index(c, i);
		item = c->path_len;
		cf_push(c, "Id");
		if (*id == '\0')
			return cf_fail(c, "InvalidArgument", "an origin group needs an Id");
		if (find_by_id(origins, id) != NULL)
			return cf_fail(c, "InvalidArgument", "%s is already the id of an origin",
				       id);
		for (size_t j = 0; j < i; j++)
			if (strcmp(id, cf_str(json_array_get(groups, j), "Id", "")) == 0)
				return cf_fail(c, "InvalidArgument",
					       "origin group id %s is used twice", id);
		cf_pop(c, item);
		cf_push(c, "Members");
		cf_push(c, "Items");
		json_array_foreach(members, k, v)
		{
			const char *oid = cf_str(v, "OriginId", "");
			size_t m = cf_push_index(c, k);
			cf_push(c, "OriginId");
			if (find_by_id(origins, oid) == NULL)
				return cf_fail_rc(
				    c, -ENOENT, "NoSuchOrigin",
				    "no origin has the id \"%.64s\" (a group's members "
				    "are origins)",
				    oid);
			if (k == 1 &&
			    strcmp(oid, cf_str(json_array_get(members, 0), "OriginId", "")) == 0)
				return cf_fail(c, "InvalidArgument",
					       "the two members must be different origins");
			cf_pop(c, m);
		}
		cf_pop(c, item);
		cf_push(c, "FailoverCriteria");
		cf_push(c, "StatusCodes");
		cf_push(c, "Items");
		codes_len = c->path_len;
		json_array_foreach(codes, k, v)
		{
			cf_push_index(c, k);
			if (!in_list(json_integer_value(v), failover_codes,
				     sizeof(failover_codes) / sizeof(failover_codes[0])))
				return cf_fail(c, "InvalidArgument",
					       "%lld is not a failover status code (400, 403, 404, "
					       "416, 500, 502, 503, 504)",
					       (long long)json_integer_value(v));
			for (size_t j = 0; j < k; j++)
				if (json_integer_value(json_array_get(codes, j)) ==
				    json_integer_value(v))
					return cf_fail(c, "InvalidArgument", "%lld is listed twice",
						       (long long)json_integer_value(v));
			cf_pop(c, codes_len);
		}
		cf_pop(c, items_len);
	}
	cf_pop(c, base);
	return 0;
}

/* Method sets CloudFront accepts. */
static unsigned method_bit(const char *m)
{
	static const char *const names[] = {"GET",   "HEAD",	"POST",	 "PUT",
					    "PATCH", "OPTIONS", "DELETE"};
	for (unsigned i = 0; i < 7; i++)
		if (strcmp(m, names[i]) == 0)
			return 1u << i;
	return 0;
}

static int methods_mask(struct cf_check *c, const json_t *items, unsigned *mask)
{
	size_t i;
	const json_t *m;

	*mask = 0;
	json_array_foreach(items, i, m)
	{
		unsigned bit = method_bit(json_string_value(m));
		if (*mask & bit) {
			cf_push(c, "Items");
			cf_push_index(c, i);
			return cf_fail(c, "InvalidArgument", "%s is listed twice",
				       json_string_value(m));
		}
		*mask |= bit;
	}
	return 0;
}

static int check_methods(struct cf_check *c, const json_t *b)
{
	const json_t *allowed = json_object_get(b, "AllowedMethods"), *cached;
	unsigned a = EDGE_METHOD_GET | EDGE_METHOD_HEAD, cm = a;
	size_t base = c->path_len;
	int rc;

	if (allowed == NULL)
		return 0;
	cf_push(c, "AllowedMethods");
	rc = methods_mask(c, cf_items(allowed, NULL), &a);
	if (rc < 0)
		return rc;
	if (a != (EDGE_METHOD_GET | EDGE_METHOD_HEAD) &&
	    a != (EDGE_METHOD_GET | EDGE_METHOD_HEAD | EDGE_METHOD_OPTIONS) && a != EDGE_METHOD_ALL)
		return cf_fail(c, "InvalidArgument",
			       "allowed methods must be GET, HEAD; or GET, HEAD, OPTIONS; or all "
			       "seven");
	cached = json_object_get(allowed, "CachedMethods");
	if (cached != NULL) {
		cf_push(c, "CachedMethods");
		rc = methods_mask(c, cf_items(cached, NULL), &cm);
		if (rc < 0)
			return rc;
		if (cm != (EDGE_METHOD_GET | EDGE_METHOD_HEAD) &&
		    cm != (EDGE_METHOD_GET | EDGE_METHOD_HEAD | EDGE_METHOD_OPTIONS))
			return cf_fail(c, "InvalidArgument",
				       "cached methods must be GET, HEAD; or GET, HEAD, OPTIONS");
		if ((cm & a) != cm)
			return cf_fail(c, "InvalidArgument",
				       "cached methods must be among the allowed methods");
	}
	cf_pop(c, base);
	return 0;
}

static int check_forwarded_values(struct cf_check *c, const json_t *b)
{
	const json_t *fv = json_object_get(b, "ForwardedValues");
	const json_t *cookies = json_object_get(fv, "Cookies");
	const char *forward = cf_str(cookies, "Forward", "none");
	size_t names = n_items(cookies, "WhitelistedNames");
	const json_t *headers = cf_items(fv, "Headers");
	size_t base = c->path_len;

	cf_push(c, "ForwardedValues");
	cf_push(c, "Cookies");
	if (strcmp(forward, "whitelist") == 0 && names == 0)
		return cf_fail(c, "InvalidForwardCookies",
			       "Forward is whitelist: WhitelistedNames must list the cookies");
	if (strcmp(forward, "whitelist") != 0 && json_object_get(cookies, "WhitelistedNames") &&
	    names > 0)
		return cf_fail(c, "InvalidForwardCookies",
			       "WhitelistedNames is only allowed when Forward is whitelist");
	if (names > CF_MAX_FORWARDED_ITEMS)
		return cf_fail(c, "TooManyCookieNamesInWhiteList",
			       "%zu cookies, at most %d allowed", names, CF_MAX_FORWARDED_ITEMS);
	cf_pop(c, base);
	cf_push(c, "ForwardedValues");
	cf_push(c, "Headers");
	if (json_array_size(headers) > CF_MAX_FORWARDED_ITEMS)
		return cf_fail(c, "TooManyHeadersInForwardedValues",
			       "%zu headers, at most %d allowed", json_array_size(headers),
			       CF_MAX_FORWARDED_ITEMS);
	if (dup_index(headers, true) >= 0)
		return cf_fail(c, "InvalidArgument", "a header is listed twice");
	cf_pop(c, base);
	cf_push(c, "ForwardedValues");
	cf_push(c, "QueryStringCacheKeys");
	if (n_items(fv, "QueryStringCacheKeys") > 0 && !cf_bool(fv, "QueryString", false))
		return cf_fail(c, "InvalidQueryStringParameters",
			       "query string cache keys need QueryString true");
	if (n_items(fv, "QueryStringCacheKeys") > CF_MAX_FORWARDED_ITEMS)
		return cf_fail(c, "TooManyQueryStringParameters",
			       "%zu query strings, at most %d allowed",
			       n_items(fv, "QueryStringCacheKeys"), CF_MAX_FORWARDED_ITEMS);
	cf_pop(c, base);
	{
		long long mn = cf_int(b, "MinTTL", CF_DEFAULT_MIN_TTL);
		long long df = cf_int(b, "DefaultTTL", CF_DEFAULT_DEFAULT_TTL);
		long long mx = cf_int(b, "MaxTTL", CF_DEFAULT_MAX_TTL);
		if (mn < 0 || df < 0 || mx < 0) {
			cf_push(c, mn < 0 ? "MinTTL" : df < 0 ? "DefaultTTL" : "MaxTTL");
			return cf_fail(c, "InvalidArgument", "a TTL cannot be negative");
		}
		/* Unset DefaultTTL / MaxTTL follow a larger MinTTL, as in cache policies. */
		if (json_object_get(b, "DefaultTTL") == NULL && df < mn)
			df = mn;
		if (json_object_get(b, "MaxTTL") == NULL && mx < df)
			mx = df;
		if (mn > df || df > mx)
			return cf_fail(c, "InvalidTTLOrder",
				       "MinTTL (%lld) <= DefaultTTL (%lld) <= MaxTTL (%lld) is "
				       "required",
				       mn, df, mx);
	}
	return 0;
}

static int check_policy_ref(struct cf_check *c, const json_t *b, enum cf_policy_kind kind)
{
	const struct cf_policy_names *pn = &cf_policy_names[kind];
	const char *id = cf_str(b, pn->behavior_member, NULL);
	int rc;

	if (id == NULL || *id == '\0')
		return 0;
	if (c->env == NULL)
		rc = cf_managed_find(kind, id) != NULL;
	else
		rc = cf_policy_exists(c->env, kind, id);
	cf_push(c, pn->behavior_member);
	if (rc < 0)
		return cf_fail_rc(c, rc, "InternalFailure", "store: %s", pop_strerror(rc));
	if (rc == 0)
		return cf_fail_rc(c, -ENOENT, pn->no_such, "no %s has the id \"%.64s\"", pn->noun,
				  id);
	return 0;
}

static int check_behavior(struct cf_check *c, const json_t *b, const struct dist_ids *ids,
			  bool is_default)
{
	const char *target = cf_str(b, "TargetOriginId", "");
	const char *cp = cf_str(b, "CachePolicyId", "");
	size_t base = c->path_len;
	const json_t *v;
	int rc;

	if (!is_default) {
		const char *pat = cf_str(b, "PathPattern", "");
		char why[160];
		cf_push(c, "PathPattern");
		if (edge_path_pattern_check(pat, strlen(pat), why, sizeof(why)) < 0)
			return cf_fail(c, "InvalidArgument", "%s", why);
		cf_pop(c, base);
	}
	cf_push(c, "TargetOriginId");
	if (find_by_id(ids->origins, target) == NULL &&
	    (ids->groups == NULL || find_by_id(ids->groups, target) == NULL))
		return cf_fail_rc(c, -ENOENT, "NoSuchOrigin",
				  "no origin or origin group has the id \"%.64s\"", target);
	cf_pop(c, base);
	v = json_object_get(b, "TrustedSigners");
	if (v != NULL && (cf_bool(v, "Enabled", false) || n_items(v, NULL) > 0)) {
		cf_push(c, "TrustedSigners");
		if (n_items(v, NULL) == 0)
			return cf_fail(c, "InvalidArgument",
				       "Enabled is true but no signer is listed");
		return cf_fail_rc(c, -ENOENT, "TrustedSignerDoesNotExist",
				  "trusted signer %.32s does not exist on this pop (it has no AWS "
				  "accounts; signed URLs need key groups)",
				  json_string_value(json_array_get(cf_items(v, NULL), 0)));
	}
	v = json_object_get(b, "TrustedKeyGroups");
	if (v != NULL && (cf_bool(v, "Enabled", false) || n_items(v, NULL) > 0)) {
		cf_push(c, "TrustedKeyGroups");
		if (n_items(v, NULL) == 0)
			return cf_fail(c, "InvalidArgument",
				       "Enabled is true but no key group is listed");
		return cf_fail_rc(c, -ENOENT, "TrustedKeyGroupDoesNotExist",
				  "key group %.64s does not exist",
				  json_string_value(json_array_get(cf_items(v, NULL), 0)));
	}
	rc = check_methods(c, b);
	if (rc < 0)
		return rc;
	if (n_items(b, "LambdaFunctionAssociations") > 0) {
		cf_push(c, "LambdaFunctionAssociations");
		return cf_fail(c, "InvalidLambdaFunctionAssociation",
			       "Lambda@Edge functions do not exist on this pop");
	}
	if (n_items(b, "FunctionAssociations") > 0) {
		const json_t *fa = json_array_get(cf_items(b, "FunctionAssociations"), 0);
		cf_push(c, "FunctionAssociations");
		cf_push(c, "Items[0]");
		return cf_fail_rc(c, -ENOENT, "InvalidFunctionAssociation",
				  "function %.108s does not exist", cf_str(fa, "FunctionARN", ""));
	}
	if (*cf_str(b, "FieldLevelEncryptionId", "") != '\0') {
		cf_push(c, "FieldLevelEncryptionId");
		return cf_fail_rc(c, -ENOENT, "NoSuchFieldLevelEncryptionConfig",
				  "field-level encryption config %.64s does not exist",
				  cf_str(b, "FieldLevelEncryptionId", ""));
	}
	if (*cf_str(b, "RealtimeLogConfigArn", "") != '\0') {
		cf_push(c, "RealtimeLogConfigArn");
		return cf_fail_rc(c, -ENOENT, "NoSuchRealtimeLogConfig",
				  "real-time log config %.128s does not exist",
				  cf_str(b, "RealtimeLogConfigArn", ""));
	}
	if (*cp != '\0') {
		static const char *const legacy[] = {"ForwardedValues", "MinTTL", "DefaultTTL",
						     "MaxTTL"};
		for (size_t i = 0; i < 4; i++)
			if (json_object_get(b, legacy[i]) != NULL) {
				cf_push(c, legacy[i]);
				return cf_fail(c, "InvalidArgument",
					       "%s cannot be used with a cache policy "
					       "(CachePolicyId)",
					       legacy[i]);
			}
	} else if (json_object_get(b, "ForwardedValues") == NULL) {
		return cf_fail(c, "InvalidArgument",
			       "a behavior needs a CachePolicyId (or the legacy ForwardedValues)");
	} else {
		rc = check_forwarded_values(c, b);
		if (rc < 0)
			return rc;
		cf_pop(c, base);
	}
	for (int k = 0; k < CF_POLICY_KIND_MAX; k++) {
		rc = check_policy_ref(c, b, (enum cf_policy_kind)k);
		if (rc < 0)
			return rc;
		cf_pop(c, base);
	}
	return 0;
}

/* Patterns "images/x" and "/images/x" are the same: compare without the leading '/'. */
static const char *pattern_key(const char *p)
{
	return p[0] == '/' ? p + 1 : p;
}

static int check_behaviors(struct cf_check *c, const json_t *cfg, const struct dist_ids *ids)
{
	const json_t *items = cf_items(cfg, "CacheBehaviors");
	size_t i, base = c->path_len;
	const json_t *b;
	int rc;

	cf_push(c, "DefaultCacheBehavior");
	rc = check_behavior(c, json_object_get(cfg, "DefaultCacheBehavior"), ids, true);
	if (rc < 0)
		return rc;
	cf_pop(c, base);
	cf_push(c, "CacheBehaviors");
	if (json_array_size(items) > CF_MAX_CACHE_BEHAVIORS)
		return cf_fail(c, "TooManyCacheBehaviors",
			       "%zu cache behaviors, at most %d allowed per distribution",
			       json_array_size(items), CF_MAX_CACHE_BEHAVIORS);
	cf_push(c, "Items");
	json_array_foreach(items, i, b)
	{
		size_t item = cf_push_index(c, i);
		rc = check_behavior(c, b, ids, false);
		if (rc < 0)
			return rc;
		for (size_t j = 0; j < i; j++) {
			const char *p = cf_str(b, "PathPattern", "");
			const char *q = cf_str(json_array_get(items, j), "PathPattern", "");
			if (strcmp(pattern_key(p), pattern_key(q)) == 0) {
				cf_push(c, "PathPattern");
				return cf_fail(c, "InvalidArgument",
					       "the path pattern %s is already used by "
					       "CacheBehaviors.Items[%zu]",
					       p, j);
			}
		}
		cf_pop(c, item);
	}
	cf_pop(c, base);
	return 0;
}

static const int error_codes[] = {400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504};
static const int response_codes[] = {200, 400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504};

static int check_error_responses(struct cf_check *c, const json_t *cfg)
{
	const json_t *items = cf_items(cfg, "CustomErrorResponses");
	size_t i, items_len, base = c->path_len;
	const json_t *e;

	cf_push(c, "CustomErrorResponses");
	cf_push(c, "Items");
	items_len = c->path_len;
	json_array_foreach(items, i, e)
	{
		long long code = cf_int(e, "ErrorCode", 0);
		const char *resp = cf_str(e, "ResponseCode", "");
		const char *page = cf_str(e, "ResponsePagePath", "");
		size_t item;
		char *end = NULL;
		long rc_val;

		cf_push_index(c, i);
		item = c->path_len;

		cf_push(c, "ErrorCode");
		if (!in_list(code, error_codes, sizeof(error_codes) / sizeof(error_codes[0])))
			return cf_fail(c, "InvalidErrorCode",
				       "%lld is not an error code CloudFront customizes (400, 403, "
				       "404, 405, 414, 416, 500, 501, 502, 503, 504)",
				       code);
		for (size_t j = 0; j < i; j++)
			if (cf_int(json_array_get(items, j), "ErrorCode", 0) == code)
				return cf_fail(c, "InvalidArgument", "%lld is listed twice", code);
		cf_pop(c, item);
		if (*resp != '\0') {
			cf_push(c, "ResponseCode");
			rc_val = strtol(resp, &end, 10);
			if (end == resp || *end != '\0' ||
			    !in_list(rc_val, response_codes,
				     sizeof(response_codes) / sizeof(response_codes[0])))
				return cf_fail(c, "InvalidResponseCode",
					       "\"%.16s\" is not allowed (200, 400, 403, 404, 405, "
					       "414, 416, 500, 501, 502, 503, 504)",
					       resp);
			cf_pop(c, item);
		}
		if (*page != '\0') {
			cf_push(c, "ResponsePagePath");
			if (page[0] != '/' || strlen(page) > CF_MAX_ERROR_PAGE_PATH_BYTES)
				return cf_fail(c, "InvalidRelativePath",
					       "the path must begin with a / (at most %d "
					       "characters)",
					       CF_MAX_ERROR_PAGE_PATH_BYTES);
			for (const char *p = page; *p; p++)
				if (*p <= 0x20 || *p >= 0x7f)
					return cf_fail(c, "InvalidRelativePath",
						       "the path must be URL-encoded (byte 0x%02x)",
						       (unsigned char)*p);
			cf_pop(c, item);
		}
		if ((*resp != '\0') != (*page != '\0')) {
			cf_push(c, *resp != '\0' ? "ResponsePagePath" : "ResponseCode");
			return cf_fail(c, "InvalidArgument",
				       "ResponseCode and ResponsePagePath go together");
		}
		if (cf_int(e, "ErrorCachingMinTTL", 0) < 0) {
			cf_push(c, "ErrorCachingMinTTL");
			return cf_fail(c, "InvalidArgument", "a TTL cannot be negative");
		}
		cf_pop(c, items_len);
	}
	cf_pop(c, base);
	return 0;
}

static int check_viewer_certificate(struct cf_check *c, const json_t *cfg)
{
	const json_t *vc = json_object_get(cfg, "ViewerCertificate");
	const char *acm, *iam, *method, *minv, *source;
	bool dflt;
	int sources;

	if (vc == NULL)
		return 0;
	cf_push(c, "ViewerCertificate");
	dflt = cf_bool(vc, "CloudFrontDefaultCertificate", false);
	acm = cf_str(vc, "ACMCertificateArn", "");
	iam = cf_str(vc, "IAMCertificateId", "");
	method = cf_str(vc, "SSLSupportMethod", "");
	minv = cf_str(vc, "MinimumProtocolVersion", "");
	source = cf_str(vc, "CertificateSource", "");
	sources = dflt + (*acm != '\0') + (*iam != '\0');
	if (sources > 1)
		return cf_fail(c, "InvalidViewerCertificate",
			       "give one of CloudFrontDefaultCertificate, ACMCertificateArn and "
			       "IAMCertificateId");
	if (*acm != '\0') {
		/* arn:aws:acm:us-east-1:<12 digits>:certificate/<id>, as CloudFront requires */
		static const char prefix[] = "arn:aws:acm:us-east-1:";
		const char *p = acm + sizeof(prefix) - 1;
		int digits = 0;
		if (strncmp(acm, prefix, sizeof(prefix) - 1) == 0)
			for (; isdigit((unsigned char)*p); p++)
				digits++;
		if (digits != 12 || strncmp(p, ":certificate/", 13) != 0 || p[13] == '\0') {
			cf_push(c, "ACMCertificateArn");
			return cf_fail(c, "InvalidViewerCertificate",
				       "\"%.128s\" is not an ACM certificate ARN in us-east-1",
				       acm);
		}
	}
	if ((*acm != '\0' || *iam != '\0') && *method == '\0') {
		cf_push(c, "SSLSupportMethod");
		return cf_fail(c, "InvalidViewerCertificate",
			       "a certificate of your own needs SSLSupportMethod (sni-only)");
	}
	if (strcmp(minv, "SSLv3") == 0 && strcmp(method, "sni-only") == 0) {
		cf_push(c, "MinimumProtocolVersion");
		return cf_fail(c, "InvalidProtocolSettings",
			       "SSLv3 is not allowed with sni-only (SNI needs TLS)");
	}
	if (*source != '\0' &&
	    ((strcmp(source, "acm") == 0 && *acm == '\0') ||
	     (strcmp(source, "iam") == 0 && *iam == '\0') ||
	     (strcmp(source, "cloudfront") == 0 && (*acm != '\0' || *iam != '\0')))) {
		cf_push(c, "CertificateSource");
		return cf_fail(c, "InvalidViewerCertificate",
			       "CertificateSource %s does not match the certificate given", source);
	}
	return 0;
}

static int check_restrictions(struct cf_check *c, const json_t *cfg)
{
	const json_t *geo = json_object_get(json_object_get(cfg, "Restrictions"), "GeoRestriction");
	const char *type = cf_str(geo, "RestrictionType", "none");
	const json_t *items = cf_items(geo, NULL);
	size_t i, items_len;
	const json_t *loc;

	if (geo == NULL)
		return 0;
	cf_push(c, "Restrictions");
	cf_push(c, "GeoRestriction");
	if (strcmp(type, "none") == 0 && json_array_size(items) > 0)
		return cf_fail(c, "InvalidGeoRestrictionParameter",
			       "RestrictionType none takes no locations");
	if (strcmp(type, "none") != 0 && json_array_size(items) == 0)
		return cf_fail(c, "InvalidGeoRestrictionParameter",
			       "RestrictionType %s needs at least one location", type);
	cf_push(c, "Items");
	items_len = c->path_len;
	json_array_foreach(items, i, loc)
	{
		const char *cc = json_string_value(loc);
		cf_push_index(c, i);
		if (strlen(cc) != 2 || !isupper((unsigned char)cc[0]) ||
		    !isupper((unsigned char)cc[1]))
			return cf_fail(c, "InvalidLocationCode",
				       "\"%.16s\" is not an ISO 3166-1 alpha-2 country code", cc);
		for (size_t j = 0; j < i; j++)
			if (strcmp(cc, json_string_value(json_array_get(items, j))) == 0)
				return cf_fail(c, "InvalidGeoRestrictionParameter",
					       "%s is listed twice", cc);
		cf_pop(c, items_len);
	}
	return 0;
}

static int check_logging(struct cf_check *c, const json_t *cfg)
{
	const json_t *lg = json_object_get(cfg, "Logging");
	const char *bucket = cf_str(lg, "Bucket", "");
	char name[64];

	if (lg == NULL || !cf_bool(lg, "Enabled", false))
		return 0;
	cf_push(c, "Logging");
	cf_push(c, "Bucket");
	if (cf_s3_bucket(bucket, name, sizeof(name)) < 0)
		return cf_fail(c, "InvalidArgument",
			       "\"%.64s\" is not an S3 bucket domain (<bucket>.s3.amazonaws.com)",
			       bucket);
	return 0;
}

int cf_check_distribution(struct cf_check *c, const json_t *cfg)
{
	struct dist_ids ids;
	size_t i, base;
	const json_t *o;
	int rc;

	rc = cf_check_shape(c, cfg, CF_SHAPE_DistributionConfig);
	if (rc < 0)
		return rc;
	base = c->path_len;
	cf_push(c, "CallerReference");
	if (*cf_str(cfg, "CallerReference", "") == '\0')
		return cf_fail(c, "InvalidArgument", "a CallerReference is required");
	cf_pop(c, base);
	if (strlen(cf_str(cfg, "Comment", "")) > CF_MAX_COMMENT_BYTES) {
		cf_push(c, "Comment");
		return cf_fail(c, "InvalidArgument", "at most %d characters allowed",
			       CF_MAX_COMMENT_BYTES);
	}
	rc = check_aliases(c, cfg);
	if (rc < 0)
		return rc;
	rc = check_default_root_object(c, cfg);
	if (rc < 0)
		return rc;
	cf_pop(c, base);
	ids.origins = cf_items(cfg, "Origins");
	ids.groups = cf_items(cfg, "OriginGroups");
	cf_push(c, "Origins");
	if (json_array_size(ids.origins) > CF_MAX_ORIGINS)
		return cf_fail(c, "TooManyOrigins", "%zu origins, at most %d allowed",
			       json_array_size(ids.origins), CF_MAX_ORIGINS);
	cf_push(c, "Items");
	json_array_foreach(ids.origins, i, o)
	{
		size_t item = cf_push_index(c, i);
		rc = check_origin(c, o, ids.origins, i);
		if (rc < 0)
			return rc;
		cf_pop(c, item);
	}
	cf_pop(c, base);
	rc = check_origin_groups(c, cfg, ids.origins);
	if (rc < 0)
		return rc;
	cf_pop(c, base);
	rc = check_behaviors(c, cfg, &ids);
	if (rc < 0)
		return rc;
	rc = check_error_responses(c, cfg);
	if (rc < 0)
		return rc;
	rc = check_logging(c, cfg);
	if (rc < 0)
		return rc;
	cf_pop(c, base);
	rc = check_viewer_certificate(c, cfg);
	if (rc < 0)
		return rc;
	cf_pop(c, base);
	rc = check_restrictions(c, cfg);
	if (rc < 0)
		return rc;
	cf_pop(c, base);
	if (*cf_str(cfg, "WebACLId", "") != '\0') {
		cf_push(c, "WebACLId");
		return cf_fail_rc(c, -ENOENT, "InvalidWebACLId",
				  "web ACL %.128s does not exist (AWS WAF is not on this pop)",
				  cf_str(cfg, "WebACLId", ""));
	}
	if (*cf_str(cfg, "ContinuousDeploymentPolicyId", "") != '\0') {
		cf_push(c, "ContinuousDeploymentPolicyId");
		return cf_fail_rc(c, -ENOENT, "NoSuchContinuousDeploymentPolicy",
				  "continuous deployment policy %.64s does not exist",
				  cf_str(cfg, "ContinuousDeploymentPolicyId", ""));
	}
	if (cf_bool(cfg, "Staging", false)) {
		cf_push(c, "Staging");
		return cf_fail(c, "InvalidArgument",
			       "staging distributions are not supported on this pop");
	}
	return 0;
}

int cloudfront_check_distribution_config(struct popd_env *env, const json_t *config,
					 struct ctl_error *err)
{
	struct cf_check c;

	cf_check_init(&c, env, err, "DistributionConfig");
	return cf_check_distribution(&c, config);
}

/* ------------------------------------------------------------ policies */

static bool policy_name_ok(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > CF_MAX_NAME_BYTES)
		return false;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			return false;
	return true;
}

static int check_policy_header(struct cf_check *c, const json_t *cfg)
{
	size_t base = c->path_len;

	cf_push(c, "Name");
	if (!policy_name_ok(cf_str(cfg, "Name", "")))
		return cf_fail(c, "InvalidArgument",
			       "a name is 1 to %d letters, digits, hyphens and underscores",
			       CF_MAX_NAME_BYTES);
	cf_pop(c, base);
	if (strlen(cf_str(cfg, "Comment", "")) > CF_MAX_COMMENT_BYTES) {
		cf_push(c, "Comment");
		return cf_fail(c, "InvalidArgument", "at most %d characters allowed",
			       CF_MAX_COMMENT_BYTES);
	}
	return 0;
}

/*
 * A {XBehavior, Xs: {Quantity, Items}} selection: the list is required with
 * whitelist-like behaviors and refused with the others.
 */
static int check_selection(struct cf_check *c, const json_t *sel, const char *behavior_member,
			   const char *list_member, const char *const *listed, size_t max,
			   const char *too_many)
{
	const char *behavior = cf_str(sel, behavior_member, "none");
	size_t n = n_items(sel, list_member);
	bool wants_list = false;
	size_t base = c->path_len;

	for (size_t i = 0; listed[i] != NULL; i++)
		if (strcmp(behavior, listed[i]) == 0)
			wants_list = true;
	if (wants_list && n == 0) {
		cf_push(c, list_member);
		return cf_fail(c, "InvalidArgument", "%s %s needs at least one name",
			       behavior_member, behavior);
	}
	if (!wants_list && n > 0) {
		cf_push(c, list_member);
		return cf_fail(c, "InvalidArgument", "%s %s takes no names", behavior_member,
			       behavior);
	}
	if (n > max) {
		cf_push(c, list_member);
		return cf_fail(c, too_many, "%zu names, at most %zu allowed", n, max);
	}
	if (dup_index(cf_items(sel, list_member), strcmp(list_member, "Headers") == 0) >= 0) {
		cf_push(c, list_member);
		return cf_fail(c, "InvalidArgument", "a name is listed twice");
	}
	cf_pop(c, base);
	return 0;
}

int cf_check_cache_policy(struct cf_check *c, const json_t *cfg)
{
	static const char *const hl[] = {"whitelist", NULL};
	static const char *const cl[] = {"whitelist", "allExcept", NULL};
	const json_t *p = json_object_get(cfg, "ParametersInCacheKeyAndForwardedToOrigin");
	long long mn, df, mx;
	size_t base;
	int rc;

	rc = cf_check_shape(c, cfg, CF_SHAPE_CachePolicyConfig);
	if (rc < 0)
		return rc;
	base = c->path_len;
	rc = check_policy_header(c, cfg);
	if (rc < 0)
		return rc;
	mn = cf_int(cfg, "MinTTL", 0);
	df = cf_int(cfg, "DefaultTTL", mn > CF_DEFAULT_DEFAULT_TTL ? mn : CF_DEFAULT_DEFAULT_TTL);
	mx = cf_int(cfg, "MaxTTL", df > CF_DEFAULT_MAX_TTL ? df : CF_DEFAULT_MAX_TTL);
	if (mn < 0 || df < 0 || mx < 0) {
		cf_push(c, mn < 0 ? "MinTTL" : df < 0 ? "DefaultTTL" : "MaxTTL");
		return cf_fail(c, "InvalidArgument", "a TTL cannot be negative");
	}
	if (mn > df || df > mx)
		return cf_fail(c, "InvalidArgument",
			       "MinTTL (%lld) <= DefaultTTL (%lld) <= MaxTTL (%lld) is required",
			       mn, df, mx);
	if (p == NULL)
		return 0;
	cf_push(c, "ParametersInCacheKeyAndForwardedToOrigin");
	cf_push(c, "HeadersConfig");
	rc = check_selection(c, json_object_get(p, "HeadersConfig"), "HeaderBehavior", "Headers",
			     hl, CF_MAX_POLICY_ITEMS, "TooManyHeadersInCachePolicy");
	if (rc < 0)
		return rc;
	cf_pop(c, base);
	cf_push(c, "ParametersInCacheKeyAndForwardedToOrigin");
	cf_push(c, "CookiesConfig");
	rc = check_selection(c, json_object_get(p, "CookiesConfig"), "CookieBehavior", "Cookies",
			     cl, CF_MAX_POLICY_ITEMS, "TooManyCookiesInCachePolicy");
	if (rc < 0)
		return rc;
	cf_pop(c, base);
	cf_push(c, "ParametersInCacheKeyAndForwardedToOrigin");
	cf_push(c, "QueryStringsConfig");
	rc = check_selection(c, json_object_get(p, "QueryStringsConfig"), "QueryStringBehavior",
			     "QueryStrings", cl, CF_MAX_POLICY_ITEMS,
			     "TooManyQueryStringsInCachePolicy");
	if (rc < 0)
		return rc;
	cf_pop(c, base);
	/* With caching off there is no cache key to put anything in. */
	if (mx == 0 &&
	    (cf_bool(p, "EnableAcceptEncodingGzip", false) ||
	     cf_bool(p, "EnableAcceptEncodingBrotli", false) ||
	     strcmp(cf_str(json_object_get(p, "HeadersConfig"), "HeaderBehavior", "none"),
		    "none") != 0 ||
	     strcmp(cf_str(json_object_get(p, "CookiesConfig"), "CookieBehavior", "none"),
		    "none") != 0 ||
	     strcmp(cf_str(json_object_get(p, "QueryStringsConfig"), "QueryStringBehavior", "none"),
		    "none") != 0)) {
		cf_push(c, "ParametersInCacheKeyAndForwardedToOrigin");
		return cf_fail(c, "InvalidArgument",
			       "with MaxTTL 0 (caching disabled) the cache key can hold nothing: "
			       "use an origin request policy to forward values");
	}
	return 0;
}

int cf_check_origin_request_policy(struct cf_check *c, const json_t *cfg)
{
	static const char *const hl[] = {"whitelist", "allViewerAndWhitelistCloudFront", NULL};
	static const char *const wl[] = {"whitelist", NULL};
	size_t base;
	int rc;

	rc = cf_check_shape(c, cfg, CF_SHAPE_OriginRequestPolicyConfig);
	if (rc < 0)
		return rc;
	base = c->path_len;
	rc = check_policy_header(c, cfg);
	if (rc < 0)
		return rc;
	cf_push(c, "HeadersConfig");
	rc = check_selection(c, json_object_get(cfg, "HeadersConfig"), "HeaderBehavior", "Headers",
			     hl, CF_MAX_POLICY_ITEMS, "TooManyHeadersInOriginRequestPolicy");
	if (rc < 0)
		return rc;
	cf_pop(c, base);
	cf_push(c, "CookiesConfig");
	rc = check_selection(c, json_object_get(cfg, "CookiesConfig"), "CookieBehavior", "Cookies",
			     wl, CF_MAX_POLICY_ITEMS, "TooManyCookiesInOriginRequestPolicy");
	if (rc < 0)
		return rc;
	cf_pop(c, base);
	cf_push(c, "QueryStringsConfig");
	rc = check_selection(c, json_object_get(cfg, "QueryStringsConfig"), "QueryStringBehavior",
			     "QueryStrings", wl, CF_MAX_POLICY_ITEMS,
			     "TooManyQueryStringsInOriginRequestPolicy");
	if (rc < 0)
		return rc;
	cf_pop(c, base);
	return 0;
}

/* Headers a response headers policy sets through its own settings. */
static const char *const policy_owned_headers[] = {
    "Access-Control-Allow-Origin",
    "Access-Control-Allow-Headers",
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Credentials",
    "Access-Control-Expose-Headers",
    "Access-Control-Max-Age",
    "X-XSS-Protection",
    "X-Frame-Options",
    "Referrer-Policy",
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Strict-Transport-Security",
    "Server-Timing",
};

int cf_check_response_headers_policy(struct cf_check *c, const json_t *cfg)
{
	const json_t *cors = json_object_get(cfg, "CorsConfig");
	const json_t *sec = json_object_get(cfg, "SecurityHeadersConfig");
	const json_t *st = json_object_get(cfg, "ServerTimingHeadersConfig");
	const json_t *custom = cf_items(cfg, "CustomHeadersConfig");
	size_t base, i, items_len;
	const json_t *h;
	int rc;

	rc = cf_check_shape(c, cfg, CF_SHAPE_ResponseHeadersPolicyConfig);
	if (rc < 0)
		return rc;
	base = c->path_len;
	rc = check_policy_header(c, cfg);
	if (rc < 0)
		return rc;
	if (cors != NULL) {
		const json_t *origins = cf_items(cors, "AccessControlAllowOrigins");
		cf_push(c, "CorsConfig");
		if (json_array_size(origins) == 0) {
			cf_push(c, "AccessControlAllowOrigins");
			return cf_fail(c, "InvalidArgument", "at least one origin is required");
		}
		if (n_items(cors, "AccessControlAllowMethods") == 0) {
			cf_push(c, "AccessControlAllowMethods");
			return cf_fail(c, "InvalidArgument", "at least one method is required");
		}
		if (dup_index(cf_items(cors, "AccessControlAllowMethods"), false) >= 0) {
			cf_push(c, "AccessControlAllowMethods");
			return cf_fail(c, "InvalidArgument", "a method is listed twice");
		}
		if (cf_bool(cors, "AccessControlAllowCredentials", false)) {
			json_array_foreach(origins, i,
					   h) if (strcmp(json_string_value(h), "*") == 0)
			{
				cf_push(c, "AccessControlAllowCredentials");
				return cf_fail(c, "InvalidArgument",
					       "credentials cannot be allowed for the origin *");
			}
		}
		if (cf_int(cors, "AccessControlMaxAgeSec", 0) < 0) {
			cf_push(c, "AccessControlMaxAgeSec");
			return cf_fail(c, "InvalidArgument", "cannot be negative");
		}
		cf_pop(c, base);
	}
	if (sec != NULL) {
		const json_t *xss = json_object_get(sec, "XSSProtection");
		const json_t *csp = json_object_get(sec, "ContentSecurityPolicy");
		const json_t *sts = json_object_get(sec, "StrictTransportSecurity");
		cf_push(c, "SecurityHeadersConfig");
		if (xss != NULL) {
			cf_push(c, "XSSProtection");
			if (!cf_bool(xss, "Protection", false) &&
			    (cf_bool(xss, "ModeBlock", false) || *cf_str(xss, "ReportUri", "")))
				return cf_fail(c, "InvalidArgument",
					       "ModeBlock and ReportUri need Protection true");
			if (cf_bool(xss, "ModeBlock", false) && *cf_str(xss, "ReportUri", ""))
				return cf_fail(c, "InvalidArgument",
					       "give ModeBlock or ReportUri, not both");
			if (!header_value_ok(cf_str(xss, "ReportUri", "")))
				return cf_fail(c, "InvalidArgument", "ReportUri is not valid");
			cf_pop(c, base + strlen(".SecurityHeadersConfig"));
		}
		if (csp != NULL) {
			const char *v = cf_str(csp, "ContentSecurityPolicy", "");
			cf_push(c, "ContentSecurityPolicy");
			cf_push(c, "ContentSecurityPolicy");
			if (strlen(v) > CF_MAX_CSP_BYTES)
				return cf_fail(c, "TooLongCSPInResponseHeadersPolicy",
					       "%zu characters, at most %d allowed", strlen(v),
					       CF_MAX_CSP_BYTES);
			if (*v == '\0' || !header_value_ok(v))
				return cf_fail(c, "InvalidArgument",
					       "a policy of visible ASCII characters is required");
			cf_pop(c, base + strlen(".SecurityHeadersConfig"));
		}
		if (sts != NULL && cf_int(sts, "AccessControlMaxAgeSec", 0) < 0) {
			cf_push(c, "StrictTransportSecurity");
			cf_push(c, "AccessControlMaxAgeSec");
			return cf_fail(c, "InvalidArgument", "cannot be negative");
		}
		cf_pop(c, base);
	}
	if (st != NULL && cf_bool(st, "Enabled", false) &&
	    json_object_get(st, "SamplingRate") == NULL) {
		cf_push(c, "ServerTimingHeadersConfig");
		cf_push(c, "SamplingRate");
		return cf_fail(c, "InvalidArgument", "required when Enabled is true (0 to 100)");
	}
	cf_push(c, "CustomHeadersConfig");
	if (json_array_size(custom) > CF_MAX_RESPONSE_CUSTOM_HEADERS)
		return cf_fail(c, "TooManyCustomHeadersInResponseHeadersPolicy",
			       "%zu custom headers, at most %d allowed", json_array_size(custom),
			       CF_MAX_RESPONSE_CUSTOM_HEADERS);
	cf_push(c, "Items");
	items_len = c->path_len;
	json_array_foreach(custom, i, h)
	{
		const char *name = cf_str(h, "Header", "");
		size_t item;

		cf_push_index(c, i);
		item = c->path_len;
		cf_push(c, "Header");
		if (!token_ok(name) || strlen(name) > CF_MAX_HEADER_NAME_BYTES)
			return cf_fail(c, "InvalidArgument", "\"%.64s\" is not a valid header name",
				       name);
		for (size_t k = 0;
		     k < sizeof(policy_owned_headers) / sizeof(policy_owned_headers[0]); k++)
			if (strcasecmp(name, policy_owned_headers[k]) == 0)
				return cf_fail(c, "InvalidArgument",
					       "%s is set by the policy's own settings, not as a "
					       "custom header",
					       name);
		for (size_t j = 0; j < i; j++)
			if (strcasecmp(name, cf_str(json_array_get(custom, j), "Header", "")) == 0)
				return cf_fail(c, "InvalidArgument", "%s is listed twice", name);
		cf_pop(c, item);
		cf_push(c, "Value");
		if (strlen(cf_str(h, "Value", "")) > CF_MAX_HEADER_VALUE_BYTES ||
		    !header_value_ok(cf_str(h, "Value", "")))
			return cf_fail(c, "InvalidArgument",
				       "the value must be at most %d visible ASCII characters",
				       CF_MAX_HEADER_VALUE_BYTES);
		cf_pop(c, items_len);
	}
	cf_pop(c, base);
	return 0;
}

/* ---------------------------------------------------------- invalidations */

int cf_check_invalidation_batch(struct cf_check *c, const json_t *batch)
{
	const json_t *paths = cf_items(json_object_get(batch, "Paths"), NULL);
	size_t base, i, n;
	const json_t *p;
	int rc;

	rc = cf_check_shape(c, batch, CF_SHAPE_InvalidationBatch);
	if (rc < 0)
		return rc;
	base = c->path_len;
	cf_push(c, "CallerReference");
	if (*cf_str(batch, "CallerReference", "") == '\0')
		return cf_fail(c, "InvalidArgument", "a CallerReference is required");
	cf_pop(c, base);
	cf_push(c, "Paths");
	n = json_array_size(paths);
	if (n == 0)
		return cf_fail(c, "InvalidArgument", "at least one path is required");
	if (n > CF_MAX_INVALIDATION_PATHS)
		return cf_fail(c, "BatchTooLarge", "%zu paths, at most %d allowed in one batch", n,
			       CF_MAX_INVALIDATION_PATHS);
	cf_push(c, "Items");
	json_array_foreach(paths, i, p)
	{
		const char *s = json_string_value(p);
		size_t len = strlen(s);
		size_t item = cf_push_index(c, i);
		if (s[0] != '/')
			return cf_fail(c, "InvalidArgument", "a path must begin with a /");
		if (len > CF_MAX_INVALIDATION_PATH_BYTES)
			return cf_fail(c, "InvalidArgument", "at most %d characters allowed",
				       CF_MAX_INVALIDATION_PATH_BYTES);
		for (size_t k = 0; k < len; k++) {
			if ((unsigned char)s[k] <= 0x20 || s[k] == 0x7f)
				return cf_fail(c, "InvalidArgument",
					       "byte 0x%02x at offset %zu is not allowed "
					       "(URL-encode it)",
					       (unsigned char)s[k], k);
			if (s[k] == '*' && k != len - 1)
				return cf_fail(c, "InvalidArgument",
					       "the * wildcard is only allowed at the end of a "
					       "path");
		}
		cf_pop(c, item);
	}
	return 0;
}
