/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The compilers: the store into the edge table and the invalidations table.
 * They read only the store, so popd rebuilds both from it on start. A stored
 * distribution that cannot be laid out (which validation should make
 * impossible) is left out with a log line rather than taking every other
 * distribution down with it.
 */
#include "cloudfront_pvt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Everything allocated for one distribution, freed together. */
struct bag {
	void **p;
	size_t n, cap;
	bool failed;
};

static void *bag_alloc(struct bag *b, size_t n, size_t size)
{
	void *p;

	if (n == 0)
		return NULL;
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 32;
		void **np = realloc(b->p, cap * sizeof(*np));
		if (np == NULL) {
			b->failed = true;
			return NULL;
		}
		b->p = np;
		b->cap = cap;
	}
	p = calloc(n, size);
	if (p == NULL) {
		b->failed = true;
		return NULL;
	}
	b->p[b->n++] = p;
	return p;
}

static void bag_free(struct bag *b)
{
	for (size_t i = 0; i < b->n; i++)
		free(b->p[i]);
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* The strings of a JSON array (borrowed from it). */
static const char *const *strv(struct bag *b, const json_t *arr, size_t *n)
{
	const char **v;
	size_t i;
	const json_t *s;

	*n = json_array_size(arr);
	v = bag_alloc(b, *n, sizeof(*v));
	if (v == NULL) {
		*n = 0;
		return NULL;
	}
	json_array_foreach(arr, i, s) v[i] = json_is_string(s) ? json_string_value(s) : "";
	return v;
}

static enum edge_selection selection(const char *s)
{
	if (strcmp(s, "whitelist") == 0)
		return EDGE_SELECT_WHITELIST;
	if (strcmp(s, "allExcept") == 0)
		return EDGE_SELECT_ALL_EXCEPT;
	if (strcmp(s, "all") == 0)
		return EDGE_SELECT_ALL;
	if (strcmp(s, "allViewer") == 0)
		return EDGE_SELECT_ALL_VIEWER;
	if (strcmp(s, "allViewerAndWhitelistCloudFront") == 0)
		return EDGE_SELECT_ALL_VIEWER_AND_CLOUDFRONT;
	return EDGE_SELECT_NONE;
}

static unsigned method_mask(const json_t *items)
{
	static const char *const names[] = {"GET",   "HEAD",	"POST",	 "PUT",
					    "PATCH", "OPTIONS", "DELETE"};
	unsigned mask = 0;
	size_t i;
	const json_t *m;

	json_array_foreach(items, i, m)
	{
		const char *s = json_string_value(m);
		if (s == NULL)
			continue;
		if (strcmp(s, "ALL") == 0)
			mask |= EDGE_METHOD_ALL;
		for (unsigned k = 0; k < 7; k++)
			if (strcmp(s, names[k]) == 0)
				mask |= 1u << k;
	}
	return mask;
}

/* ------------------------------------------------------------- policies */

struct policy_map {
	char (*ids)[40];
	uint32_t *index;
	size_t n, cap;
};

struct compile {
	struct popd_env *env;
	struct edge_builder *eb;
	struct policy_map maps[CF_POLICY_KIND_MAX];
};

static int map_add(struct policy_map *m, const char *id, uint32_t index)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 32;
		char(*ids)[40] = realloc(m->ids, cap * sizeof(*ids));
		uint32_t *idx;
		if (ids == NULL)
			return -ENOMEM;
		m->ids = ids;
		idx = realloc(m->index, cap * sizeof(*idx));
		if (idx == NULL)
			return -ENOMEM;
		m->index = idx;
		m->cap = cap;
	}
	snprintf(m->ids[m->n], sizeof(m->ids[0]), "%s", id);
	m->index[m->n++] = index;
	return 0;
}

static uint32_t map_find(const struct policy_map *m, const char *id)
{
	if (id == NULL || *id == '\0')
		return EDGE_NONE;
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->ids[i], id) == 0)
			return m->index[i];
	return EDGE_NONE;
}

static int add_cache_policy(struct compile *cc, const char *id, const json_t *cfg)
{
	const json_t *p = json_object_get(cfg, "ParametersInCacheKeyAndForwardedToOrigin");
	const json_t *h = json_object_get(p, "HeadersConfig");
	const json_t *ck = json_object_get(p, "CookiesConfig");
	const json_t *q = json_object_get(p, "QueryStringsConfig");
	struct edge_cache_policy_spec s = {0};
	struct bag b = {0};
	uint32_t index;
	int rc;

	s.id = id;
	s.name = cf_str(cfg, "Name", "");
	s.min_ttl_s = (uint64_t)cf_int(cfg, "MinTTL", 0);
	s.default_ttl_s = (uint64_t)cf_int(cfg, "DefaultTTL", CF_DEFAULT_DEFAULT_TTL);
	s.max_ttl_s = (uint64_t)cf_int(cfg, "MaxTTL", CF_DEFAULT_MAX_TTL);
	s.gzip = cf_bool(p, "EnableAcceptEncodingGzip", false);
	s.brotli = cf_bool(p, "EnableAcceptEncodingBrotli", false);
	s.header_behavior = selection(cf_str(h, "HeaderBehavior", "none"));
	s.cookie_behavior = selection(cf_str(ck, "CookieBehavior", "none"));
	s.query_string_behavior = selection(cf_str(q, "QueryStringBehavior", "none"));
	s.headers = strv(&b, cf_items(h, "Headers"), &s.n_headers);
	s.cookies = strv(&b, cf_items(ck, "Cookies"), &s.n_cookies);
	s.query_strings = strv(&b, cf_items(q, "QueryStrings"), &s.n_query_strings);
	rc = b.failed ? -ENOMEM : edge_builder_add_cache_policy(cc->eb, &s, &index);
	bag_free(&b);
	return rc < 0 ? rc : map_add(&cc->maps[CF_POLICY_CACHE], id, index);
}

static int add_origin_request_policy(struct compile *cc, const char *id, const json_t *cfg)
{
	const json_t *h = json_object_get(cfg, "HeadersConfig");
	const json_t *ck = json_object_get(cfg, "CookiesConfig");
	const json_t *q = json_object_get(cfg, "QueryStringsConfig");
	struct edge_origin_request_policy_spec s = {0};
	struct bag b = {0};
	uint32_t index;
	int rc;

	s.id = id;
	s.name = cf_str(cfg, "Name", "");
	s.header_behavior = selection(cf_str(h, "HeaderBehavior", "none"));
	s.cookie_behavior = selection(cf_str(ck, "CookieBehavior", "none"));
	s.query_string_behavior = selection(cf_str(q, "QueryStringBehavior", "none"));
	s.headers = strv(&b, cf_items(h, "Headers"), &s.n_headers);
	s.cookies = strv(&b, cf_items(ck, "Cookies"), &s.n_cookies);
	s.query_strings = strv(&b, cf_items(q, "QueryStrings"), &s.n_query_strings);
	rc = b.failed ? -ENOMEM : edge_builder_add_origin_request_policy(cc->eb, &s, &index);
	bag_free(&b);
	return rc < 0 ? rc : map_add(&cc->maps[CF_POLICY_ORIGIN_REQUEST], id, index);
}

static int add_response_headers_policy(struct compile *cc, const char *id, const json_t *cfg)
{
	const json_t *cors = json_object_get(cfg, "CorsConfig");
	const json_t *sec = json_object_get(cfg, "SecurityHeadersConfig");
	const json_t *st = json_object_get(cfg, "ServerTimingHeadersConfig");
	const json_t *xss = json_object_get(sec, "XSSProtection");
	const json_t *fo = json_object_get(sec, "FrameOptions");
	const json_t *rp = json_object_get(sec, "ReferrerPolicy");
	const json_t *csp = json_object_get(sec, "ContentSecurityPolicy");
	const json_t *cto = json_object_get(sec, "ContentTypeOptions");
	const json_t *sts = json_object_get(sec, "StrictTransportSecurity");
	const json_t *custom = cf_items(cfg, "CustomHeadersConfig"), *h;
	struct edge_response_headers_policy_spec s = {0};
	struct edge_header_spec *hs;
	char xss_value[512] = "", sts_value[96] = "";
	struct bag b = {0};
	uint32_t index;
	size_t i;
	int rc;

	s.id = id;
	s.name = cf_str(cfg, "Name", "");
	s.cors = cors != NULL;
	s.cors_allow_credentials = cf_bool(cors, "AccessControlAllowCredentials", false);
	s.cors_origin_override = cf_bool(cors, "OriginOverride", false);
	s.cors_allow_origins =
	    strv(&b, cf_items(cors, "AccessControlAllowOrigins"), &s.n_cors_allow_origins);
	s.cors_allow_headers =
	    strv(&b, cf_items(cors, "AccessControlAllowHeaders"), &s.n_cors_allow_headers);
	s.cors_expose_headers =
	    strv(&b, cf_items(cors, "AccessControlExposeHeaders"), &s.n_cors_expose_headers);
	s.cors_allow_methods = method_mask(cf_items(cors, "AccessControlAllowMethods"));
	s.cors_max_age_s = json_object_get(cors, "AccessControlMaxAgeSec") != NULL
			       ? (int32_t)cf_int(cors, "AccessControlMaxAgeSec", 0)
			       : -1;
	if (xss != NULL) {
		if (!cf_bool(xss, "Protection", false))
			snprintf(xss_value, sizeof(xss_value), "0");
		else if (cf_bool(xss, "ModeBlock", false))
			snprintf(xss_value, sizeof(xss_value), "1; mode=block");
		else if (*cf_str(xss, "ReportUri", "") != '\0')
			snprintf(xss_value, sizeof(xss_value), "1; report=%.480s",
				 cf_str(xss, "ReportUri", ""));
		else
			snprintf(xss_value, sizeof(xss_value), "1");
		s.xss_protection = xss_value;
		s.xss_protection_override = cf_bool(xss, "Override", false);
	}
	if (fo != NULL) {
		s.frame_options = cf_str(fo, "FrameOption", "");
		s.frame_options_override = cf_bool(fo, "Override", false);
	}
	if (rp != NULL) {
		s.referrer_policy = cf_str(rp, "ReferrerPolicy", "");
		s.referrer_policy_override = cf_bool(rp, "Override", false);
	}
	if (csp != NULL) {
		s.content_security_policy = cf_str(csp, "ContentSecurityPolicy", "");
		s.content_security_policy_override = cf_bool(csp, "Override", false);
	}
	if (cto != NULL) {
		s.content_type_options = "nosniff";
		s.content_type_options_override = cf_bool(cto, "Override", false);
	}
	if (sts != NULL) {
		snprintf(sts_value, sizeof(sts_value), "max-age=%lld%s%s",
			 cf_int(sts, "AccessControlMaxAgeSec", 0),
			 cf_bool(sts, "IncludeSubdomains", false) ? "; includeSubDomains" : "",
			 cf_bool(sts, "Preload", false) ? "; preload" : "");
		s.strict_transport_security = sts_value;
		s.strict_transport_security_override = cf_bool(sts, "Override", false);
	}
	s.server_timing = cf_bool(st, "Enabled", false);
	{
		const json_t *rate = json_object_get(st, "SamplingRate");
		double r = json_is_number(rate) ? json_number_value(rate) : 0;
		s.server_timing_sampling_ppm = r <= 0	  ? 0
					       : r >= 100 ? 1000000
							  : (uint32_t)(r * 1e4);
	}
	s.n_custom_headers = json_array_size(custom);
	hs = bag_alloc(&b, s.n_custom_headers, sizeof(*hs));
	json_array_foreach(custom, i, h)
	{
		if (hs == NULL)
			break;
		hs[i].name = cf_str(h, "Header", "");
		hs[i].value = cf_str(h, "Value", "");
		hs[i].override = cf_bool(h, "Override", false);
	}
	s.custom_headers = hs;
	rc = b.failed ? -ENOMEM : edge_builder_add_response_headers_policy(cc->eb, &s, &index);
	bag_free(&b);
	return rc < 0 ? rc : map_add(&cc->maps[CF_POLICY_RESPONSE_HEADERS], id, index);
}

static int add_policy(struct compile *cc, enum cf_policy_kind kind, const char *id,
		      const json_t *cfg)
{
	switch (kind) {
	case CF_POLICY_CACHE:
		return add_cache_policy(cc, id, cfg);
	case CF_POLICY_ORIGIN_REQUEST:
		return add_origin_request_policy(cc, id, cfg);
	default:
		return add_response_headers_policy(cc, id, cfg);
	}
}

static int add_policies(struct compile *cc)
{
	for (size_t i = 0; i < cf_managed_policy_count; i++) {
		const struct cf_managed_policy *m = &cf_managed_policies[i];
		json_t *cfg = json_loads(m->config_json, 0, NULL);
		int rc = cfg != NULL ? add_policy(cc, m->kind, m->id, cfg) : -ENOMEM;
		json_decref(cfg);
		if (rc < 0)
			return rc;
	}
	for (int k = 0; k < CF_POLICY_KIND_MAX; k++) {
		sqlite3_stmt *q = cf_sql_query(cc->env,
					       "SELECT id, config FROM cf_policies WHERE kind = ? "
					       "ORDER BY seq",
					       "s", cf_policy_names[k].kind);
		int rc = q != NULL ? 0 : -EIO;
		while (rc == 0 && sqlite3_step(q) == SQLITE_ROW) {
			json_t *cfg = json_loads(cf_col(q, 1), 0, NULL);
			if (cfg == NULL) {
				CF_LOG(ERR, "policy %s: stored config is not JSON; left out",
				       cf_col(q, 0));
				continue;
			}
			rc = add_policy(cc, (enum cf_policy_kind)k, cf_col(q, 0), cfg);
			json_decref(cfg);
		}
		sqlite3_finalize(q);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* -------------------------------------------------------- distributions */

static int index_of(const json_t *items, const char *id)
{
	size_t i;
	const json_t *it;

	json_array_foreach(items, i, it) if (strcmp(cf_str(it, "Id", ""), id) == 0) return (int)i;
	return -1;
}

static int origin_spec(struct compile *cc, struct bag *b, const json_t *o,
		       struct edge_origin_spec *s, char *why, size_t why_len)
{
	const json_t *custom = json_object_get(o, "CustomOriginConfig");
	const json_t *headers = cf_items(o, "CustomHeaders"), *h;
	struct edge_header_spec *hs;
	size_t i;

	s->id = cf_str(o, "Id", "");
	s->domain_name = cf_str(o, "DomainName", "");
	s->origin_path = cf_str(o, "OriginPath", "");
	s->connection_attempts = (uint8_t)cf_int(o, "ConnectionAttempts", 3);
	s->connection_timeout_s = (uint8_t)cf_int(o, "ConnectionTimeout", 10);
	s->origin_shield = cf_bool(json_object_get(o, "OriginShield"), "Enabled", false);
	if (custom == NULL) {
		char bucket[64];
		sqlite3_stmt *q;
		char *dir;
		if (cf_s3_bucket(s->domain_name, bucket, sizeof(bucket)) < 0) {
			snprintf(why, why_len, "origin %s: %s is not an S3 domain", s->id,
				 s->domain_name);
			return -EINVAL;
		}
		q = cf_sql_query(cc->env, "SELECT dir FROM cf_buckets WHERE bucket = ?", "s",
				 bucket);
		if (q == NULL || sqlite3_step(q) != SQLITE_ROW) {
			sqlite3_finalize(q);
			snprintf(why, why_len, "origin %s: bucket %s has no directory", s->id,
				 bucket);
			return -ENOENT;
		}
		dir = bag_alloc(b, strlen(cf_col(q, 0)) + 1, 1);
		if (dir != NULL)
			memcpy(dir, cf_col(q, 0), strlen(cf_col(q, 0)) + 1);
		sqlite3_finalize(q);
		s->kind = EDGE_ORIGIN_DIRECTORY;
		s->directory = dir;
		s->protocol = EDGE_ORIGIN_HTTP_ONLY;
	} else {
		const char *pp = cf_str(custom, "OriginProtocolPolicy", "http-only");
		const json_t *ssl = cf_items(custom, "OriginSslProtocols"), *p;
		s->kind = EDGE_ORIGIN_CUSTOM;
		s->protocol = strcmp(pp, "https-only") == 0	? EDGE_ORIGIN_HTTPS_ONLY
			      : strcmp(pp, "match-viewer") == 0 ? EDGE_ORIGIN_MATCH_VIEWER
								: EDGE_ORIGIN_HTTP_ONLY;
		s->http_port = (uint16_t)cf_int(custom, "HTTPPort", 80);
		s->https_port = (uint16_t)cf_int(custom, "HTTPSPort", 443);
		s->read_timeout_s = (uint8_t)cf_int(custom, "OriginReadTimeout", 30);
		s->keepalive_timeout_s = (uint8_t)cf_int(custom, "OriginKeepaliveTimeout", 5);
		json_array_foreach(ssl, i, p)
		{
			const char *v = json_string_value(p);
			if (v == NULL)
				continue;
			s->ssl_protocols |= strcmp(v, "SSLv3") == 0	? EDGE_SSL_SSLV3
					    : strcmp(v, "TLSv1") == 0	? EDGE_SSL_TLSV1
					    : strcmp(v, "TLSv1.1") == 0 ? EDGE_SSL_TLSV1_1
									: EDGE_SSL_TLSV1_2;
		}
	}
	hs = bag_alloc(b, json_array_size(headers), sizeof(*hs));
	json_array_foreach(headers, i, h)
	{
		if (hs == NULL)
			break;
		hs[i].name = cf_str(h, "HeaderName", "");
		hs[i].value = cf_str(h, "HeaderValue", "");
	}
	s->headers = hs;
	s->n_headers = hs != NULL ? json_array_size(headers) : 0;
	return 0;
}

/* A legacy ForwardedValues behavior gets a cache policy of its own. */
static uint32_t legacy_cache_policy(struct compile *cc, struct bag *b, const char *dist_id,
				    size_t bi, const json_t *beh)
{
	const json_t *fv = json_object_get(beh, "ForwardedValues");
	const json_t *cookies = json_object_get(fv, "Cookies");
	const json_t *headers = cf_items(fv, "Headers");
	struct edge_cache_policy_spec s = {0};
	char name[96];
	uint32_t index;

	snprintf(name, sizeof(name), "legacy:%s:%zu", dist_id, bi);
	s.name = name;
	s.min_ttl_s = (uint64_t)cf_int(beh, "MinTTL", CF_DEFAULT_MIN_TTL);
	s.default_ttl_s = (uint64_t)cf_int(beh, "DefaultTTL", CF_DEFAULT_DEFAULT_TTL);
	s.max_ttl_s = (uint64_t)cf_int(beh, "MaxTTL", CF_DEFAULT_MAX_TTL);
	s.gzip = s.brotli = cf_bool(beh, "Compress", false);
	if (json_array_size(headers) == 1 &&
	    strcmp(json_string_value(json_array_get(headers, 0)), "*") == 0) {
		s.header_behavior = EDGE_SELECT_ALL;
	} else if (json_array_size(headers) > 0) {
		s.header_behavior = EDGE_SELECT_WHITELIST;
		s.headers = strv(b, headers, &s.n_headers);
	}
	s.cookie_behavior = selection(cf_str(cookies, "Forward", "none"));
	s.cookies = strv(b, cf_items(cookies, "WhitelistedNames"), &s.n_cookies);
	if (cf_bool(fv, "QueryString", false)) {
		s.query_strings = strv(b, cf_items(fv, "QueryStringCacheKeys"), &s.n_query_strings);
		s.query_string_behavior =
		    s.n_query_strings > 0 ? EDGE_SELECT_WHITELIST : EDGE_SELECT_ALL;
	}
	if (b->failed || edge_builder_add_cache_policy(cc->eb, &s, &index) < 0)
		return EDGE_NONE;
	return index;
}

static int behavior_spec(struct compile *cc, struct bag *b, const char *dist_id, size_t bi,
			 const json_t *cfg, const json_t *beh, struct edge_behavior_spec *s,
			 char *why, size_t why_len)
{
	const char *target = cf_str(beh, "TargetOriginId", "");
	const char *vpp = cf_str(beh, "ViewerProtocolPolicy", "allow-all");
	const json_t *allowed = json_object_get(beh, "AllowedMethods");
	int t;

	s->path_pattern = cf_str(beh, "PathPattern", "*");
	t = index_of(cf_items(cfg, "Origins"), target);
	if (t < 0) {
		t = index_of(cf_items(cfg, "OriginGroups"), target);
		s->target_is_group = true;
	}
	if (t < 0) {
		snprintf(why, why_len, "behavior %zu: no origin %s", bi, target);
		return -ENOENT;
	}
	s->target = (uint32_t)t;
	s->viewer_protocol = strcmp(vpp, "https-only") == 0	     ? EDGE_VIEWER_HTTPS_ONLY
			     : strcmp(vpp, "redirect-to-https") == 0 ? EDGE_VIEWER_REDIRECT_TO_HTTPS
								     : EDGE_VIEWER_ALLOW_ALL;
	s->allowed_methods = allowed != NULL ? (uint8_t)method_mask(cf_items(allowed, NULL))
					     : EDGE_METHOD_GET | EDGE_METHOD_HEAD;
	s->cached_methods = json_object_get(allowed, "CachedMethods") != NULL
				? (uint8_t)method_mask(cf_items(allowed, "CachedMethods"))
				: EDGE_METHOD_GET | EDGE_METHOD_HEAD;
	s->compress = cf_bool(beh, "Compress", false);
	s->smooth_streaming = cf_bool(beh, "SmoothStreaming", false);
	if (*cf_str(beh, "CachePolicyId", "") != '\0')
		s->cache_policy =
		    map_find(&cc->maps[CF_POLICY_CACHE], cf_str(beh, "CachePolicyId", ""));
	else
		s->cache_policy = legacy_cache_policy(cc, b, dist_id, bi, beh);
	s->origin_request_policy = map_find(&cc->maps[CF_POLICY_ORIGIN_REQUEST],
					    cf_str(beh, "OriginRequestPolicyId", NULL));
	s->response_headers_policy = map_find(&cc->maps[CF_POLICY_RESPONSE_HEADERS],
					      cf_str(beh, "ResponseHeadersPolicyId", NULL));
	if (s->cache_policy == EDGE_NONE) {
		snprintf(why, why_len, "behavior %zu: its cache policy is missing", bi);
		return -ENOENT;
	}
	return 0;
}

static int add_distribution(struct compile *cc, const char *id, const char *domain,
			    const json_t *cfg, char *why, size_t why_len)
{
	const json_t *origins = cf_items(cfg, "Origins");
	const json_t *groups = cf_items(cfg, "OriginGroups");
	const json_t *behaviors = cf_items(cfg, "CacheBehaviors");
	const json_t *errors = cf_items(cfg, "CustomErrorResponses");
	const json_t *aliases = cf_items(cfg, "Aliases");
	const json_t *vc = json_object_get(cfg, "ViewerCertificate");
	const json_t *geo = json_object_get(json_object_get(cfg, "Restrictions"), "GeoRestriction");
	struct edge_distribution_spec d = {0};
	struct edge_origin_spec *os;
	struct edge_origin_group_spec *gs;
	struct edge_behavior_spec *bs;
	struct edge_error_response_spec *es;
	const char **al;
	struct bag b = {0};
	const json_t *it;
	size_t i;
	int rc = 0;

	d.id = id;
	d.domain_name = domain;
	d.enabled = cf_bool(cfg, "Enabled", false);
	d.ipv6_enabled = cf_bool(cfg, "IsIPV6Enabled", true);
	d.default_root_object = cf_str(cfg, "DefaultRootObject", "");
	d.certificate = *cf_str(vc, "ACMCertificateArn", "") != '\0'
			    ? cf_str(vc, "ACMCertificateArn", "")
			    : cf_str(vc, "IAMCertificateId", "");
	d.ssl_support = strcmp(cf_str(vc, "SSLSupportMethod", "vip"), "sni-only") == 0
			    ? EDGE_SSL_SUPPORT_SNI_ONLY
			: strcmp(cf_str(vc, "SSLSupportMethod", "vip"), "static-ip") == 0
			    ? EDGE_SSL_SUPPORT_STATIC_IP
			    : EDGE_SSL_SUPPORT_VIP;
	{
		const char *hv = cf_str(cfg, "HttpVersion", "http2");
		d.http_version = strcmp(hv, "http1.1") == 0	? EDGE_HTTP_1_1
				 : strcmp(hv, "http3") == 0	? EDGE_HTTP_3
				 : strcmp(hv, "http2and3") == 0 ? EDGE_HTTP_2_AND_3
								: EDGE_HTTP_2;
	}
	/* Host names are lowercase in the table. */
	d.n_aliases = json_array_size(aliases);
	al = bag_alloc(&b, d.n_aliases, sizeof(*al));
	json_array_foreach(aliases, i, it)
	{
		char *lower = bag_alloc(&b, strlen(json_string_value(it)) + 1, 1);
		if (al == NULL || lower == NULL)
			break;
		cf_lower(json_string_value(it), lower, strlen(json_string_value(it)) + 1);
		al[i] = lower;
	}
	d.aliases = al;
	d.n_origins = json_array_size(origins);
	os = bag_alloc(&b, d.n_origins, sizeof(*os));
	json_array_foreach(origins, i, it) if (rc == 0 && os != NULL) rc =
	    origin_spec(cc, &b, it, &os[i], why, why_len);
	d.origins = os;
	d.n_origin_groups = json_array_size(groups);
	gs = bag_alloc(&b, d.n_origin_groups, sizeof(*gs));
	json_array_foreach(groups, i, it)
	{
		const json_t *members = cf_items(it, "Members");
		const json_t *codes =
		    cf_items(json_object_get(it, "FailoverCriteria"), "StatusCodes");
		uint16_t *sc = bag_alloc(&b, json_array_size(codes), sizeof(*sc));
		int p = index_of(origins, cf_str(json_array_get(members, 0), "OriginId", ""));
		int s = index_of(origins, cf_str(json_array_get(members, 1), "OriginId", ""));
		if (gs == NULL || sc == NULL || p < 0 || s < 0) {
			rc = rc ? rc : -EINVAL;
			snprintf(why, why_len, "origin group %zu is not valid", i);
			break;
		}
		gs[i].id = cf_str(it, "Id", "");
		gs[i].primary = (uint32_t)p;
		gs[i].secondary = (uint32_t)s;
		for (size_t k = 0; k < json_array_size(codes) && k < EDGE_MAX_STATUS_CODES; k++)
			sc[k] = (uint16_t)json_integer_value(json_array_get(codes, k));
		gs[i].status_codes = sc;
		gs[i].n_status_codes = json_array_size(codes);
	}
	d.origin_groups = gs;
	d.n_behaviors = json_array_size(behaviors);
	bs = bag_alloc(&b, d.n_behaviors, sizeof(*bs));
	json_array_foreach(behaviors, i, it) if (rc == 0 && bs != NULL) rc =
	    behavior_spec(cc, &b, id, i, cfg, it, &bs[i], why, why_len);
	d.behaviors = bs;
	if (rc == 0)
		rc = behavior_spec(cc, &b, id, d.n_behaviors, cfg,
				   json_object_get(cfg, "DefaultCacheBehavior"),
				   &d.default_behavior, why, why_len);
	d.n_error_responses = json_array_size(errors);
	es = bag_alloc(&b, d.n_error_responses, sizeof(*es));
	json_array_foreach(errors, i, it)
	{
		if (es == NULL)
			break;
		es[i].error_code = (uint16_t)cf_int(it, "ErrorCode", 0);
		es[i].response_code = (uint16_t)atoi(cf_str(it, "ResponseCode", "0"));
		es[i].response_page_path = cf_str(it, "ResponsePagePath", "");
		es[i].error_caching_min_ttl_s = (uint64_t)cf_int(it, "ErrorCachingMinTTL", 10);
	}
	d.error_responses = es;
	{
		const char *type = cf_str(geo, "RestrictionType", "none");
		d.geo_restriction = strcmp(type, "whitelist") == 0   ? EDGE_GEO_WHITELIST
				    : strcmp(type, "blacklist") == 0 ? EDGE_GEO_BLACKLIST
								     : EDGE_GEO_NONE;
		d.geo_locations = strv(&b, cf_items(geo, NULL), &d.n_geo_locations);
	}
	if (rc == 0 && b.failed) {
		snprintf(why, why_len, "out of memory");
		rc = -ENOMEM;
	}
	if (rc == 0)
		rc = edge_builder_add_distribution(cc->eb, &d, NULL, why, why_len);
	bag_free(&b);
	return rc;
}

int cloudfront_compile_edge(struct popd_env *env, struct tables_builder *tb)
{
	struct compile cc = {.env = env};
	sqlite3_stmt *q = NULL;
	int rc;

	cc.eb = edge_builder_new(tb);
	if (cc.eb == NULL)
		return -ENOMEM;
	rc = add_policies(&cc);
	if (rc == 0) {
		q = cf_sql_query(
		    env, "SELECT id, domain_name, config FROM cf_distributions ORDER BY seq", NULL);
		if (q == NULL)
			rc = -EIO;
	}
	while (rc == 0 && sqlite3_step(q) == SQLITE_ROW) {
		json_t *cfg = json_loads(cf_col(q, 2), 0, NULL);
		char why[256] = "its stored config is not JSON";
		int r = cfg != NULL ? add_distribution(&cc, cf_col(q, 0), cf_col(q, 1), cfg, why,
						       sizeof(why))
				    : -POP_EFORMAT;
		json_decref(cfg);
		if (r == -ENOMEM)
			rc = r;
		else if (r < 0)
			CF_LOG(ERR, "distribution %s left out of the edge table: %s", cf_col(q, 0),
			       why);
	}
	sqlite3_finalize(q);
	for (int k = 0; k < CF_POLICY_KIND_MAX; k++) {
		free(cc.maps[k].ids);
		free(cc.maps[k].index);
	}
	if (rc < 0) {
		edge_builder_free(cc.eb);
		return rc;
	}
	return edge_builder_finish(cc.eb);
}

int cloudfront_compile_invalidations(struct popd_env *env, struct tables_builder *tb)
{
	struct edge_invalidation_spec *specs = NULL;
	json_t **keep = NULL;
	size_t n = 0, cap = 0, n_keep = 0, cap_keep = 0;
	sqlite3_stmt *q;
	int rc = 0;

	q = cf_sql_query(env,
			 "SELECT i.distribution_id, i.paths, i.create_time FROM cf_invalidations i "
			 "JOIN cf_distributions d ON d.id = i.distribution_id ORDER BY i.seq",
			 NULL);
	if (q == NULL)
		return -EIO;
	while (rc == 0 && sqlite3_step(q) == SQLITE_ROW) {
		json_t *paths = json_loads(cf_col(q, 1), 0, NULL);
		const json_t *p;
		char *dist;
		int64_t ms = cf_time_ms(cf_col(q, 2));
		size_t i;

		if (paths == NULL)
			continue;
		if (n_keep + 2 > cap_keep) {
			size_t nc = cap_keep ? cap_keep * 2 : 64;
			json_t **nk = realloc(keep, nc * sizeof(*nk));
			if (nk == NULL) {
				json_decref(paths);
				rc = -ENOMEM;
				break;
			}
			keep = nk;
			cap_keep = nc;
		}
		/* The id outlives the row: keep it in a JSON string with the paths. */
		keep[n_keep++] = paths;
		keep[n_keep] = json_string(cf_col(q, 0));
		if (keep[n_keep] == NULL) {
			rc = -ENOMEM;
			break;
		}
		dist = (char *)json_string_value(keep[n_keep++]);
		json_array_foreach(paths, i, p)
		{
			if (n == cap) {
				size_t nc = cap ? cap * 2 : 256;
				struct edge_invalidation_spec *ns =
				    realloc(specs, nc * sizeof(*ns));
				if (ns == NULL) {
					rc = -ENOMEM;
					break;
				}
				specs = ns;
				cap = nc;
			}
			specs[n].distribution_id = dist;
			specs[n].path = json_string_value(p);
			specs[n].create_time_ms = ms;
			n++;
		}
	}
	sqlite3_finalize(q);
	if (rc == 0)
		rc = edge_invalidations_build(tb, specs, n);
	for (size_t i = 0; i < n_keep; i++)
		json_decref(keep[i]);
	free(keep);
	free(specs);
	return rc;
}
