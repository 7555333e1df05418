/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The edge table builder. Strings, sub-arrays and Hyperscan databases go into
 * the tables_builder as things are added; the fixed-size records wait in heap
 * arrays until edge_builder_finish() knows every count and lays out the top.
 */
#include "edge.h"

#include "base.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EDGE_LOG(level, ...) POP_LOG("edge", level, __VA_ARGS__)

struct edge_host_entry {
	char *name;
	uint32_t distribution;
	uint8_t wildcard, kind;
};

struct edge_builder {
	struct tables_builder *tb;
	int failed; /* first allocation failure, reported at finish */
	struct edge_distribution_rec *dists;
	size_t n_dists, cap_dists;
	struct edge_cache_policy_rec *cps;
	size_t n_cps, cap_cps;
	struct edge_origin_request_policy_rec *orps;
	size_t n_orps, cap_orps;
	struct edge_response_headers_policy_rec *rhps;
	size_t n_rhps, cap_rhps;
	struct edge_host_entry *hosts;
	size_t n_hosts, cap_hosts;
	uint32_t *host_set; /* open addressing: host index + 1, 0 empty */
	size_t host_set_cap;
};

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	size_t ncap;
	void *p;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 8;
	while (ncap < need)
		ncap *= 2;
	p = realloc(*arr, ncap * elem);
	if (p == NULL)
		return -ENOMEM;
	memset((char *)p + *cap * elem, 0, (ncap - *cap) * elem);
	*arr = p;
	*cap = ncap;
	return 0;
}

static struct edge_str put_str(struct edge_builder *eb, const char *s)
{
	struct edge_str out = {0};
	size_t len = s != NULL ? strlen(s) : 0;

	if (len == 0)
		return out;
	if (len > UINT32_MAX - 1) {
		eb->failed = -POP_ELIMIT;
		return out;
	}
	out.off = tables_builder_alloc(eb->tb, len + 1, 1);
	if (out.off == 0) {
		eb->failed = -ENOMEM;
		return out;
	}
	memcpy(tables_builder_at(eb->tb, out.off), s, len);
	out.len = (uint32_t)len;
	return out;
}

static struct edge_strlist put_strlist(struct edge_builder *eb, const char *const *items, size_t n)
{
	struct edge_strlist out = {0};
	struct edge_str *tmp;

	if (n == 0 || items == NULL)
		return out;
	if (n > UINT32_MAX / sizeof(*tmp)) {
		eb->failed = -POP_ELIMIT;
		return out;
	}
	tmp = calloc(n, sizeof(*tmp));
	if (tmp == NULL) {
		eb->failed = -ENOMEM;
		return out;
	}
	for (size_t i = 0; i < n; i++)
		tmp[i] = put_str(eb, items[i]);
	out.off = tables_builder_alloc(eb->tb, n * sizeof(*tmp), 8);
	if (out.off == 0)
		eb->failed = -ENOMEM;
	else
		memcpy(tables_builder_at(eb->tb, out.off), tmp, n * sizeof(*tmp));
	out.n = out.off ? (uint32_t)n : 0;
	free(tmp);
	return out;
}

/* Copy an array of records into the snapshot; 0 for none. */
static uint64_t put_array(struct edge_builder *eb, const void *recs, size_t n, size_t size)
{
	uint64_t off;

	if (n == 0)
		return 0;
	off = tables_builder_alloc(eb->tb, n * size, 8);
	if (off == 0) {
		eb->failed = -ENOMEM;
		return 0;
	}
	memcpy(tables_builder_at(eb->tb, off), recs, n * size);
	return off;
}

static uint64_t put_headers(struct edge_builder *eb, const struct edge_header_spec *h, size_t n)
{
	struct edge_header_rec *recs;
	uint64_t off;

	if (n == 0)
		return 0;
	recs = calloc(n, sizeof(*recs));
	if (recs == NULL) {
		eb->failed = -ENOMEM;
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		recs[i].name = put_str(eb, h[i].name);
		recs[i].value = put_str(eb, h[i].value);
		recs[i].override = h[i].override;
	}
	off = put_array(eb, recs, n, sizeof(*recs));
	free(recs);
	return off;
}

struct edge_builder *edge_builder_new(struct tables_builder *tb)
{
	struct edge_builder *eb;

	if (tb == NULL)
		return NULL;
	eb = calloc(1, sizeof(*eb));
	if (eb != NULL)
		eb->tb = tb;
	return eb;
}

void edge_builder_free(struct edge_builder *eb)
{
	if (eb == NULL)
		return;
	for (size_t i = 0; i < eb->n_hosts; i++)
		free(eb->hosts[i].name);
	free(eb->hosts);
	free(eb->host_set);
	free(eb->dists);
	free(eb->cps);
	free(eb->orps);
	free(eb->rhps);
	free(eb);
}

static bool selection_ok(enum edge_selection s)
{
	return s >= EDGE_SELECT_NONE && s <= EDGE_SELECT_ALL_VIEWER_AND_CLOUDFRONT;
}

int edge_builder_add_cache_policy(struct edge_builder *eb, const struct edge_cache_policy_spec *p,
				  uint32_t *index)
{
	struct edge_cache_policy_rec r = {0};

	if (!selection_ok(p->header_behavior) || !selection_ok(p->cookie_behavior) ||
	    !selection_ok(p->query_string_behavior))
		return -EINVAL;
	if (eb->n_cps >= UINT32_MAX - 1 ||
	    grow((void **)&eb->cps, &eb->cap_cps, eb->n_cps + 1, sizeof(r)) < 0)
		return -ENOMEM;
	r.id = put_str(eb, p->id);
	r.name = put_str(eb, p->name);
	r.min_ttl_s = p->min_ttl_s;
	r.default_ttl_s = p->default_ttl_s;
	r.max_ttl_s = p->max_ttl_s;
	r.gzip = p->gzip;
	r.brotli = p->brotli;
	r.header_behavior = (uint8_t)p->header_behavior;
	r.cookie_behavior = (uint8_t)p->cookie_behavior;
	r.query_string_behavior = (uint8_t)p->query_string_behavior;
	r.headers = put_strlist(eb, p->headers, p->n_headers);
	r.cookies = put_strlist(eb, p->cookies, p->n_cookies);
	r.query_strings = put_strlist(eb, p->query_strings, p->n_query_strings);
	if (eb->failed)
		return eb->failed;
	eb->cps[eb->n_cps] = r;
	*index = (uint32_t)eb->n_cps++;
	return 0;
}

int edge_builder_add_origin_request_policy(struct edge_builder *eb,
					   const struct edge_origin_request_policy_spec *p,
					   uint32_t *index)
{
	struct edge_origin_request_policy_rec r = {0};

	if (!selection_ok(p->header_behavior) || !selection_ok(p->cookie_behavior) ||
	    !selection_ok(p->query_string_behavior))
		return -EINVAL;
	if (eb->n_orps >= UINT32_MAX - 1 ||
	    grow((void **)&eb->orps, &eb->cap_orps, eb->n_orps + 1, sizeof(r)) < 0)
		return -ENOMEM;
	r.id = put_str(eb, p->id);
	r.name = put_str(eb, p->name);
	r.header_behavior = (uint8_t)p->header_behavior;
	r.cookie_behavior = (uint8_t)p->cookie_behavior;
	r.query_string_behavior = (uint8_t)p->query_string_behavior;
	r.headers = put_strlist(eb, p->headers, p->n_headers);
	r.cookies = put_strlist(eb, p->cookies, p->n_cookies);
	r.query_strings = put_strlist(eb, p->query_strings, p->n_query_strings);
	if (eb->failed)
		return eb->failed;
	eb->orps[eb->n_orps] = r;
	*index = (uint32_t)eb->n_orps++;
	return 0;
}

int edge_builder_add_response_headers_policy(struct edge_builder *eb,
					     const struct edge_response_headers_policy_spec *p,
					     uint32_t *index)
{
	struct edge_response_headers_policy_rec r = {0};

	if (p->cors_allow_methods & ~EDGE_METHOD_ALL || p->server_timing_sampling_ppm > 1000000)
		return -EINVAL;
	if (eb->n_rhps >= UINT32_MAX - 1 ||
	    grow((void **)&eb->rhps, &eb->cap_rhps, eb->n_rhps + 1, sizeof(r)) < 0)
		return -ENOMEM;
	r.id = put_str(eb, p->id);
	r.name = put_str(eb, p->name);
	r.cors = p->cors;
	r.cors_allow_credentials = p->cors_allow_credentials;
	r.cors_origin_override = p->cors_origin_override;
	r.cors_allow_origins = put_strlist(eb, p->cors_allow_origins, p->n_cors_allow_origins);
	r.cors_allow_headers = put_strlist(eb, p->cors_allow_headers, p->n_cors_allow_headers);
	r.cors_expose_headers = put_strlist(eb, p->cors_expose_headers, p->n_cors_expose_headers);
	r.cors_allow_methods = p->cors_allow_methods;
	r.cors_max_age_s = p->cors_max_age_s;
	r.xss_protection = put_str(eb, p->xss_protection);
	r.frame_options = put_str(eb, p->frame_options);
	r.referrer_policy = put_str(eb, p->referrer_policy);
	r.content_security_policy = put_str(eb, p->content_security_policy);
	r.content_type_options = put_str(eb, p->content_type_options);
	r.strict_transport_security = put_str(eb, p->strict_transport_security);
	r.xss_protection_override = p->xss_protection_override;
	r.frame_options_override = p->frame_options_override;
	r.referrer_policy_override = p->referrer_policy_override;
	r.content_security_policy_override = p->content_security_policy_override;
	r.content_type_options_override = p->content_type_options_override;
	r.strict_transport_security_override = p->strict_transport_security_override;
	r.server_timing = p->server_timing;
	r.server_timing_sampling_ppm = p->server_timing_sampling_ppm;
	r.custom_headers_off = put_headers(eb, p->custom_headers, p->n_custom_headers);
	r.n_custom_headers = r.custom_headers_off ? (uint32_t)p->n_custom_headers : 0;
	if (eb->failed)
		return eb->failed;
	eb->rhps[eb->n_rhps] = r;
	*index = (uint32_t)eb->n_rhps++;
	return 0;
}

/* ------------------------------------------------------------ host names */

static int host_name_ok(const char *name, size_t len)
{
	size_t i = 0;

	if (len == 0 || len > EDGE_HOST_MAX)
		return -EINVAL;
	if (len >= 2 && name[0] == '*' && name[1] == '.')
		i = 2;
	if (i == len)
		return -EINVAL;
	for (; i < len; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		      c == '_'))
			return -EINVAL;
	}
	return 0;
}

static size_t host_slot(const struct edge_builder *eb, const char *name, size_t len)
{
	size_t mask = eb->host_set_cap - 1;
	size_t i = edge_host_hash(name, len) & mask;

	while (eb->host_set[i] != 0) {
		const char *other = eb->hosts[eb->host_set[i] - 1].name;
		if (strlen(other) == len && memcmp(other, name, len) == 0)
			break;
		i = (i + 1) & mask;
	}
	return i;
}

static int host_set_grow(struct edge_builder *eb)
{
	size_t ncap = eb->host_set_cap ? eb->host_set_cap * 2 : 64;
	uint32_t *old = eb->host_set;
	size_t old_cap = eb->host_set_cap;

	eb->host_set = calloc(ncap, sizeof(*eb->host_set));
	if (eb->host_set == NULL) {
		eb->host_set = old;
		return -ENOMEM;
	}
	eb->host_set_cap = ncap;
	for (size_t i = 0; i < old_cap; i++) {
		if (old[i] != 0) {
			const char *n = eb->hosts[old[i] - 1].name;
			eb->host_set[host_slot(eb, n, strlen(n))] = old[i];
		}
	}
	free(old);
	return 0;
}

/* Lowercase @p name into @p out (EDGE_HOST_MAX + 1 bytes). */
static size_t host_lower(const char *name, char *out)
{
	size_t len = strnlen(name, EDGE_HOST_MAX + 1);

	if (len > EDGE_HOST_MAX)
		return EDGE_HOST_MAX + 1;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		out[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	out[len] = '\0';
	return len;
}

/* Is the name taken already (by any distribution)? */
static bool host_taken(struct edge_builder *eb, const char *lower, size_t len)
{
	return eb->host_set_cap != 0 && eb->host_set[host_slot(eb, lower, len)] != 0;
}

static int host_add(struct edge_builder *eb, const char *lower, size_t len, uint32_t dist,
		    uint8_t kind)
{
	struct edge_host_entry *h;

	if ((eb->n_hosts + 1) * 2 > eb->host_set_cap && host_set_grow(eb) < 0)
		return -ENOMEM;
	if (grow((void **)&eb->hosts, &eb->cap_hosts, eb->n_hosts + 1, sizeof(*eb->hosts)) < 0)
		return -ENOMEM;
	h = &eb->hosts[eb->n_hosts];
	h->name = strndup(lower, len);
	if (h->name == NULL)
		return -ENOMEM;
	h->distribution = dist;
	h->kind = kind;
	h->wildcard = len > 2 && lower[0] == '*' && lower[1] == '.';
	eb->host_set[host_slot(eb, lower, len)] = (uint32_t)++eb->n_hosts;
	return 0;
}

/* -------------------------------------------------------- distributions */

static int check_behavior(const struct edge_builder *eb, const struct edge_distribution_spec *d,
			  const struct edge_behavior_spec *b)
{
	if (b->target_is_group ? b->target >= d->n_origin_groups : b->target >= d->n_origins)
		return -EINVAL;
	if ((b->cache_policy != EDGE_NONE && b->cache_policy >= eb->n_cps) ||
	    (b->origin_request_policy != EDGE_NONE && b->origin_request_policy >= eb->n_orps) ||
	    (b->response_headers_policy != EDGE_NONE && b->response_headers_policy >= eb->n_rhps))
		return -EINVAL;
	if (b->viewer_protocol > EDGE_VIEWER_REDIRECT_TO_HTTPS ||
	    (b->allowed_methods & ~EDGE_METHOD_ALL) || (b->cached_methods & ~EDGE_METHOD_ALL))
		return -EINVAL;
	return 0;
}

static struct edge_behavior_rec
behavior_rec(struct edge_builder *eb, const struct edge_behavior_spec *b, const char *pattern)
{
	struct edge_behavior_rec r = {0};

	r.path_pattern = put_str(eb, pattern);
	r.target = b->target;
	r.target_is_group = b->target_is_group;
	r.viewer_protocol = (uint8_t)b->viewer_protocol;
	r.allowed_methods = b->allowed_methods;
	r.cached_methods = b->cached_methods;
	r.compress = b->compress;
	r.smooth_streaming = b->smooth_streaming;
	r.cache_policy = b->cache_policy;
	r.origin_request_policy = b->origin_request_policy;
	r.response_headers_policy = b->response_headers_policy;
	return r;
}

static int validate_distribution(const struct edge_builder *eb,
				 const struct edge_distribution_spec *d, char *err, size_t err_len)
{
	if (d->id == NULL || d->id[0] == '\0' || d->domain_name == NULL) {
		snprintf(err, err_len, "distribution: missing id or domain name");
		return -EINVAL;
	}
	if (d->n_origins == 0 || d->n_origins > EDGE_MAX_ORIGINS ||
	    d->n_origin_groups > EDGE_MAX_ORIGINS || d->n_behaviors > EDGE_MAX_BEHAVIORS ||
	    d->n_error_responses > EDGE_MAX_ERROR_RESPONSES || d->n_aliases > UINT32_MAX / 2 ||
	    d->n_geo_locations > 512) {
		snprintf(err, err_len, "distribution %s: a count is out of range", d->id);
		return -EINVAL;
	}
	for (size_t i = 0; i < d->n_origin_groups; i++) {
		const struct edge_origin_group_spec *g = &d->origin_groups[i];
		if (g->primary >= d->n_origins || g->secondary >= d->n_origins ||
		    g->n_status_codes == 0 || g->n_status_codes > EDGE_MAX_STATUS_CODES) {
			snprintf(err, err_len, "distribution %s: origin group %zu is out of range",
				 d->id, i);
			return -EINVAL;
		}
	}
	for (size_t i = 0; i < d->n_behaviors; i++) {
		if (check_behavior(eb, d, &d->behaviors[i]) < 0) {
			snprintf(err, err_len, "distribution %s: behavior %zu: index out of range",
				 d->id, i);
			return -EINVAL;
		}
	}
	if (check_behavior(eb, d, &d->default_behavior) < 0) {
		snprintf(err, err_len, "distribution %s: default behavior: index out of range",
			 d->id);
		return -EINVAL;
	}
	for (size_t i = 0; i < d->n_origins; i++) {
		const struct edge_origin_spec *o = &d->origins[i];
		if (o->kind > EDGE_ORIGIN_CUSTOM || o->protocol > EDGE_ORIGIN_HTTPS_ONLY ||
		    (o->kind == EDGE_ORIGIN_DIRECTORY &&
		     (o->directory == NULL || o->directory[0] == '\0'))) {
			snprintf(err, err_len, "distribution %s: origin %zu is not valid", d->id,
				 i);
			return -EINVAL;
		}
	}
	if (d->http_version > EDGE_HTTP_2_AND_3 || d->ssl_support > EDGE_SSL_SUPPORT_STATIC_IP ||
	    d->geo_restriction > EDGE_GEO_BLACKLIST) {
		snprintf(err, err_len, "distribution %s: an enumeration is out of range", d->id);
		return -EINVAL;
	}
	return 0;
}

/* Compile, serialize and store a distribution's behavior database. */
static int put_behavior_db(struct edge_builder *eb, const struct edge_distribution_spec *d,
			   struct edge_distribution_rec *r, char *err, size_t err_len)
{
	const char **patterns;
	hs_database_t *db = NULL;
	char *bytes = NULL, why[256];
	size_t len = 0;
	int rc;

	if (d->n_behaviors == 0)
		return 0;
	patterns = calloc(d->n_behaviors, sizeof(*patterns));
	if (patterns == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < d->n_behaviors; i++)
		patterns[i] = d->behaviors[i].path_pattern;
	rc = edge_path_patterns_compile(patterns, d->n_behaviors, &db, why, sizeof(why));
	free(patterns);
	if (rc < 0) {
		snprintf(err, err_len, "distribution %s: %s", d->id, why);
		return rc;
	}
	if (hs_serialize_database(db, &bytes, &len) != HS_SUCCESS) {
		hs_free_database(db);
		snprintf(err, err_len, "distribution %s: cannot serialize the behavior database",
			 d->id);
		return -ENOMEM;
	}
	hs_free_database(db);
	r->behavior_db_off = tables_builder_alloc(eb->tb, len, 8);
	if (r->behavior_db_off == 0) {
		free(bytes);
		return -ENOMEM;
	}
	memcpy(tables_builder_at(eb->tb, r->behavior_db_off), bytes, len);
	r->behavior_db_len = len;
	free(bytes);
	return 0;
}

static uint64_t put_origins(struct edge_builder *eb, const struct edge_distribution_spec *d)
{
	struct edge_origin_rec *recs = calloc(d->n_origins, sizeof(*recs));
	uint64_t off;

	if (recs == NULL) {
		eb->failed = -ENOMEM;
		return 0;
	}
	for (size_t i = 0; i < d->n_origins; i++) {
		const struct edge_origin_spec *o = &d->origins[i];
		struct edge_origin_rec *r = &recs[i];
		r->id = put_str(eb, o->id);
		r->domain_name = put_str(eb, o->domain_name);
		r->origin_path = put_str(eb, o->origin_path);
		r->directory = put_str(eb, o->kind == EDGE_ORIGIN_DIRECTORY ? o->directory : NULL);
		r->headers_off = put_headers(eb, o->headers, o->n_headers);
		r->n_headers = r->headers_off ? (uint32_t)o->n_headers : 0;
		r->http_port = o->http_port;
		r->https_port = o->https_port;
		r->kind = (uint8_t)o->kind;
		r->protocol = (uint8_t)o->protocol;
		r->ssl_protocols = o->ssl_protocols;
		r->connection_attempts = o->connection_attempts;
		r->connection_timeout_s = o->connection_timeout_s;
		r->read_timeout_s = o->read_timeout_s;
		r->keepalive_timeout_s = o->keepalive_timeout_s;
		r->origin_shield = o->origin_shield;
	}
	off = put_array(eb, recs, d->n_origins, sizeof(*recs));
	free(recs);
	return off;
}

static uint64_t put_groups(struct edge_builder *eb, const struct edge_distribution_spec *d)
{
	struct edge_origin_group_rec *recs;
	uint64_t off;

	if (d->n_origin_groups == 0)
		return 0;
	recs = calloc(d->n_origin_groups, sizeof(*recs));
	if (recs == NULL) {
		eb->failed = -ENOMEM;
		return 0;
	}
	for (size_t i = 0; i < d->n_origin_groups; i++) {
		const struct edge_origin_group_spec *g = &d->origin_groups[i];
		recs[i].id = put_str(eb, g->id);
		recs[i].primary = g->primary;
		recs[i].secondary = g->secondary;
		recs[i].n_status_codes = (uint32_t)g->n_status_codes;
		for (size_t k = 0; k < g->n_status_codes; k++)
			recs[i].status_codes[k] = g->status_codes[k];
	}
	off = put_array(eb, recs, d->n_origin_groups, sizeof(*recs));
	free(recs);
	return off;
}

static uint64_t put_behaviors(struct edge_builder *eb, const struct edge_distribution_spec *d)
{
	size_t n = d->n_behaviors + 1;
	struct edge_behavior_rec *recs = calloc(n, sizeof(*recs));
	uint64_t off;

	if (recs == NULL) {
		eb->failed = -ENOMEM;
		return 0;
	}
	for (size_t i = 0; i < d->n_behaviors; i++)
		recs[i] = behavior_rec(eb, &d->behaviors[i], d->behaviors[i].path_pattern);
	recs[d->n_behaviors] = behavior_rec(eb, &d->default_behavior, "*");
	off = put_array(eb, recs, n, sizeof(*recs));
	free(recs);
	return off;
}

static uint64_t put_errors(struct edge_builder *eb, const struct edge_distribution_spec *d)
{
	struct edge_error_response_rec *recs;
	uint64_t off;

	if (d->n_error_responses == 0)
		return 0;
	recs = calloc(d->n_error_responses, sizeof(*recs));
	if (recs == NULL) {
		eb->failed = -ENOMEM;
		return 0;
	}
	for (size_t i = 0; i < d->n_error_responses; i++) {
		const struct edge_error_response_spec *e = &d->error_responses[i];
		recs[i].error_code = e->error_code;
		recs[i].response_code = e->response_code;
		recs[i].response_page_path = put_str(eb, e->response_page_path);
		recs[i].error_caching_min_ttl_s = e->error_caching_min_ttl_s;
	}
	off = put_array(eb, recs, d->n_error_responses, sizeof(*recs));
	free(recs);
	return off;
}

int edge_builder_add_distribution(struct edge_builder *eb, const struct edge_distribution_spec *d,
				  uint32_t *index, char *err, size_t err_len)
{
	struct edge_distribution_rec r = {0};
	char lower[EDGE_HOST_MAX + 2];
	size_t hosts_before = eb->n_hosts;
	uint32_t self = (uint32_t)eb->n_dists;
	int rc;

	if (eb->failed) {
		snprintf(err, err_len, "out of memory");
		return eb->failed;
	}
	rc = validate_distribution(eb, d, err, err_len);
	if (rc < 0)
		return rc;
	if (eb->n_dists >= UINT32_MAX - 1 ||
	    grow((void **)&eb->dists, &eb->cap_dists, eb->n_dists + 1, sizeof(r)) < 0) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	/* Host names first: they are the only part that can clash with others. */
	for (size_t i = 0; i <= d->n_aliases; i++) {
		const char *name = i < d->n_aliases ? d->aliases[i] : d->domain_name;
		size_t len = host_lower(name != NULL ? name : "", lower);
		if (host_name_ok(lower, len) < 0) {
			snprintf(err, err_len, "distribution %s: host name \"%.*s\" is not valid",
				 d->id, (int)(len > EDGE_HOST_MAX ? EDGE_HOST_MAX : len), lower);
			rc = -EINVAL;
			goto undo;
		}
		if (host_taken(eb, lower, len)) {
			snprintf(err, err_len, "distribution %s: host name %s is already taken",
				 d->id, lower);
			rc = -EEXIST;
			goto undo;
		}
		rc = host_add(eb, lower, len, self,
			      i < d->n_aliases ? EDGE_HOST_ALIAS : EDGE_HOST_DOMAIN_NAME);
		if (rc < 0) {
			snprintf(err, err_len, "out of memory");
			goto undo;
		}
	}
	rc = put_behavior_db(eb, d, &r, err, err_len);
	if (rc < 0)
		goto undo;
	r.id = put_str(eb, d->id);
	r.domain_name = put_str(eb, d->domain_name);
	r.default_root_object = put_str(eb, d->default_root_object);
	r.certificate = put_str(eb, d->certificate);
	r.aliases = put_strlist(eb, d->aliases, d->n_aliases);
	r.geo_locations = put_strlist(eb, d->geo_locations, d->n_geo_locations);
	r.origins_off = put_origins(eb, d);
	r.n_origins = (uint32_t)d->n_origins;
	r.origin_groups_off = put_groups(eb, d);
	r.n_origin_groups = (uint32_t)d->n_origin_groups;
	r.behaviors_off = put_behaviors(eb, d);
	r.n_behaviors = (uint32_t)d->n_behaviors;
	r.error_responses_off = put_errors(eb, d);
	r.n_error_responses = (uint32_t)d->n_error_responses;
	r.enabled = d->enabled;
	r.ipv6_enabled = d->ipv6_enabled;
	r.http_version = (uint8_t)d->http_version;
	r.ssl_support = (uint8_t)d->ssl_support;
	r.geo_restriction = (uint8_t)d->geo_restriction;
	if (eb->failed) {
		snprintf(err, err_len, "out of memory");
		rc = eb->failed;
		goto undo;
	}
	eb->dists[eb->n_dists++] = r;
	if (index != NULL)
		*index = self;
	return 0;
undo:
	/* Forget this distribution's host names; snapshot bytes already written stay unused. */
	while (eb->n_hosts > hosts_before) {
		struct edge_host_entry *h = &eb->hosts[eb->n_hosts - 1];
		size_t slot = host_slot(eb, h->name, strlen(h->name));
		free(h->name);
		h->name = NULL;
		eb->n_hosts--;
		eb->host_set[slot] = 0;
		/* Reinsert the rest of the probe run so lookups stay correct. */
		for (size_t i = (slot + 1) & (eb->host_set_cap - 1); eb->host_set[i] != 0;
		     i = (i + 1) & (eb->host_set_cap - 1)) {
			uint32_t v = eb->host_set[i];
			const char *n = eb->hosts[v - 1].name;
			eb->host_set[i] = 0;
			eb->host_set[host_slot(eb, n, strlen(n))] = v;
		}
	}
	return rc;
}

int edge_builder_finish(struct edge_builder *eb)
{
	struct edge_top top = {0};
	struct edge_host_rec *hosts = NULL;
	uint32_t *buckets = NULL;
	uint64_t top_off;
	size_t nb = 1;
	int rc = 0;

	if (eb->failed) {
		rc = eb->failed;
		goto out;
	}
	while (nb < eb->n_hosts * 2)
		nb <<= 1;
	if (eb->n_hosts > 0) {
		hosts = calloc(eb->n_hosts, sizeof(*hosts));
		buckets = calloc(nb, sizeof(*buckets));
		if (hosts == NULL || buckets == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < eb->n_hosts; i++) {
			const struct edge_host_entry *h = &eb->hosts[i];
			size_t len = strlen(h->name);
			uint32_t hash = edge_host_hash(h->name, len);
			hosts[i].name = put_str(eb, h->name);
			hosts[i].hash = hash;
			hosts[i].distribution = h->distribution;
			hosts[i].wildcard = h->wildcard;
			hosts[i].kind = h->kind;
			hosts[i].next = buckets[hash & (nb - 1)];
			buckets[hash & (nb - 1)] = (uint32_t)(i + 1);
		}
		top.hosts_off = put_array(eb, hosts, eb->n_hosts, sizeof(*hosts));
		top.host_buckets_off = put_array(eb, buckets, nb, sizeof(*buckets));
		top.n_hosts = (uint32_t)eb->n_hosts;
		top.n_host_buckets = (uint32_t)nb;
	}
	top.distributions_off = put_array(eb, eb->dists, eb->n_dists, sizeof(*eb->dists));
	top.n_distributions = (uint32_t)eb->n_dists;
	top.cache_policies_off = put_array(eb, eb->cps, eb->n_cps, sizeof(*eb->cps));
	top.n_cache_policies = (uint32_t)eb->n_cps;
	top.origin_request_policies_off = put_array(eb, eb->orps, eb->n_orps, sizeof(*eb->orps));
	top.n_origin_request_policies = (uint32_t)eb->n_orps;
	top.response_headers_policies_off = put_array(eb, eb->rhps, eb->n_rhps, sizeof(*eb->rhps));
	top.n_response_headers_policies = (uint32_t)eb->n_rhps;
	top_off = tables_builder_alloc(eb->tb, sizeof(top), 8);
	if (top_off == 0 || eb->failed) {
		rc = eb->failed ? eb->failed : -ENOMEM;
		goto out;
	}
	memcpy(tables_builder_at(eb->tb, top_off), &top, sizeof(top));
	tables_builder_set_top(eb->tb, top_off);
out:
	if (rc < 0)
		EDGE_LOG(ERR, "edge table: %s", pop_strerror(rc));
	free(hosts);
	free(buckets);
	edge_builder_free(eb);
	return rc;
}
