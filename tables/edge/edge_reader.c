/* SPDX-License-Identifier: BSD-3-Clause */
/* Reading the edge table in place: the structure check and the look-ups. */
#include "edge.h"

#include "base.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define EDGE_LOG(level, ...) POP_LOG("edge", level, __VA_ARGS__)

uint32_t edge_host_hash(const char *name, size_t len)
{
	return tables_crc32c(0, name, len);
}

/* An array of n records of size bytes, 8-byte aligned, inside the snapshot. */
static const void *array_at(const struct tables_snapshot *s, uint64_t off, uint64_t n, size_t size)
{
	if (n == 0)
		return NULL;
	if (off % 8 != 0 || n > UINT32_MAX)
		return NULL;
	return tables_snapshot_at(s, off, n * size);
}

const char *edge_str(const struct tables_snapshot *s, const struct edge_str *str)
{
	const char *p;

	if (str == NULL || str->len == 0)
		return "";
	p = tables_snapshot_at(s, str->off, (uint64_t)str->len + 1);
	if (p == NULL || p[str->len] != '\0')
		return "";
	return p;
}

const struct edge_str *edge_strlist_at(const struct tables_snapshot *s,
				       const struct edge_strlist *list, uint32_t i)
{
	const struct edge_str *a;

	if (list == NULL || i >= list->n)
		return NULL;
	a = array_at(s, list->off, list->n, sizeof(*a));
	return a != NULL ? &a[i] : NULL;
}

/* ------------------------------------------------------------- checking */

struct check {
	const struct tables_snapshot *s;
	char why[200];
};

static bool fail(struct check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool fail(struct check *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
	return false;
}

static bool str_ok(struct check *c, const struct edge_str *str, const char *what)
{
	const char *p;

	if (str->len == 0 && str->off == 0)
		return true;
	p = tables_snapshot_at(c->s, str->off, (uint64_t)str->len + 1);
	if (p == NULL)
		return fail(c, "%s: string out of bounds", what);
	if (p[str->len] != '\0')
		return fail(c, "%s: string not terminated", what);
	return true;
}

static bool strlist_ok(struct check *c, const struct edge_strlist *l, const char *what)
{
	const struct edge_str *a;

	if (l->n == 0)
		return true;
	a = array_at(c->s, l->off, l->n, sizeof(*a));
	if (a == NULL)
		return fail(c, "%s: list out of bounds", what);
	for (uint32_t i = 0; i < l->n; i++)
		if (!str_ok(c, &a[i], what))
			return false;
	return true;
}

static bool headers_ok(struct check *c, uint64_t off, uint32_t n, const char *what)
{
	const struct edge_header_rec *h;

	if (n == 0)
		return true;
	h = array_at(c->s, off, n, sizeof(*h));
	if (h == NULL)
		return fail(c, "%s: headers out of bounds", what);
	for (uint32_t i = 0; i < n; i++)
		if (!str_ok(c, &h[i].name, what) || !str_ok(c, &h[i].value, what))
			return false;
	return true;
}

static bool selection_ok(uint8_t v)
{
	return v <= EDGE_SELECT_ALL_VIEWER_AND_CLOUDFRONT;
}

static bool cache_policy_ok(struct check *c, const struct edge_cache_policy_rec *p)
{
	if (!str_ok(c, &p->id, "cache policy") || !str_ok(c, &p->name, "cache policy") ||
	    !strlist_ok(c, &p->headers, "cache policy") ||
	    !strlist_ok(c, &p->cookies, "cache policy") ||
	    !strlist_ok(c, &p->query_strings, "cache policy"))
		return false;
	if (!selection_ok(p->header_behavior) || !selection_ok(p->cookie_behavior) ||
	    !selection_ok(p->query_string_behavior))
		return fail(c, "cache policy: bad selection");
	return true;
}

static bool orp_ok(struct check *c, const struct edge_origin_request_policy_rec *p)
{
	if (!str_ok(c, &p->id, "origin request policy") ||
	    !str_ok(c, &p->name, "origin request policy") ||
	    !strlist_ok(c, &p->headers, "origin request policy") ||
	    !strlist_ok(c, &p->cookies, "origin request policy") ||
	    !strlist_ok(c, &p->query_strings, "origin request policy"))
		return false;
	if (!selection_ok(p->header_behavior) || !selection_ok(p->cookie_behavior) ||
	    !selection_ok(p->query_string_behavior))
		return fail(c, "origin request policy: bad selection");
	return true;
}

static bool rhp_ok(struct check *c, const struct edge_response_headers_policy_rec *p)
{
	const char *w = "response headers policy";

	if (!str_ok(c, &p->id, w) || !str_ok(c, &p->name, w) ||
	    !strlist_ok(c, &p->cors_allow_origins, w) ||
	    !strlist_ok(c, &p->cors_allow_headers, w) ||
	    !strlist_ok(c, &p->cors_expose_headers, w) || !str_ok(c, &p->xss_protection, w) ||
	    !str_ok(c, &p->frame_options, w) || !str_ok(c, &p->referrer_policy, w) ||
	    !str_ok(c, &p->content_security_policy, w) || !str_ok(c, &p->content_type_options, w) ||
	    !str_ok(c, &p->strict_transport_security, w) ||
	    !headers_ok(c, p->custom_headers_off, p->n_custom_headers, w))
		return false;
	if (p->cors_allow_methods & ~EDGE_METHOD_ALL || p->server_timing_sampling_ppm > 1000000)
		return fail(c, "%s: value out of range", w);
	return true;
}

static bool behavior_ok(struct check *c, const struct edge_top *t,
			const struct edge_distribution_rec *d, const struct edge_behavior_rec *b)
{
	if (!str_ok(c, &b->path_pattern, "behavior"))
		return false;
	if (b->target_is_group > 1 ||
	    (b->target_is_group ? b->target >= d->n_origin_groups : b->target >= d->n_origins))
		return fail(c, "behavior: target out of range");
	if ((b->cache_policy != EDGE_NONE && b->cache_policy >= t->n_cache_policies) ||
	    (b->origin_request_policy != EDGE_NONE &&
	     b->origin_request_policy >= t->n_origin_request_policies) ||
	    (b->response_headers_policy != EDGE_NONE &&
	     b->response_headers_policy >= t->n_response_headers_policies))
		return fail(c, "behavior: policy out of range");
	if (b->viewer_protocol > EDGE_VIEWER_REDIRECT_TO_HTTPS ||
	    (b->allowed_methods & ~EDGE_METHOD_ALL) || (b->cached_methods & ~EDGE_METHOD_ALL))
		return fail(c, "behavior: value out of range");
	return true;
}

static bool distribution_ok(struct check *c, const struct edge_top *t,
			    const struct edge_distribution_rec *d)
{
	const struct edge_origin_rec *o;
	const struct edge_origin_group_rec *g;
	const struct edge_behavior_rec *b;
	const struct edge_error_response_rec *e;

	if (!str_ok(c, &d->id, "distribution") || !str_ok(c, &d->domain_name, "distribution") ||
	    !str_ok(c, &d->default_root_object, "distribution") ||
	    !str_ok(c, &d->certificate, "distribution") ||
	    !strlist_ok(c, &d->aliases, "distribution") ||
	    !strlist_ok(c, &d->geo_locations, "distribution"))
		return false;
	if (d->n_origins == 0 || d->n_origins > EDGE_MAX_ORIGINS ||
	    d->n_origin_groups > EDGE_MAX_ORIGINS || d->n_behaviors > EDGE_MAX_BEHAVIORS ||
	    d->n_error_responses > EDGE_MAX_ERROR_RESPONSES)
		return fail(c, "distribution: count out of range");
	if (d->http_version > EDGE_HTTP_2_AND_3 || d->ssl_support > EDGE_SSL_SUPPORT_STATIC_IP ||
	    d->geo_restriction > EDGE_GEO_BLACKLIST || d->enabled > 1 || d->ipv6_enabled > 1)
		return fail(c, "distribution: value out of range");
	o = array_at(c->s, d->origins_off, d->n_origins, sizeof(*o));
	if (o == NULL)
		return fail(c, "distribution: origins out of bounds");
	for (uint32_t i = 0; i < d->n_origins; i++) {
		if (!str_ok(c, &o[i].id, "origin") || !str_ok(c, &o[i].domain_name, "origin") ||
		    !str_ok(c, &o[i].origin_path, "origin") ||
		    !str_ok(c, &o[i].directory, "origin") ||
		    !headers_ok(c, o[i].headers_off, o[i].n_headers, "origin"))
			return false;
		if (o[i].kind > EDGE_ORIGIN_CUSTOM || o[i].protocol > EDGE_ORIGIN_HTTPS_ONLY)
			return fail(c, "origin: value out of range");
	}
	if (d->n_origin_groups > 0) {
		g = array_at(c->s, d->origin_groups_off, d->n_origin_groups, sizeof(*g));
		if (g == NULL)
			return fail(c, "distribution: origin groups out of bounds");
		for (uint32_t i = 0; i < d->n_origin_groups; i++) {
			if (!str_ok(c, &g[i].id, "origin group"))
				return false;
			if (g[i].primary >= d->n_origins || g[i].secondary >= d->n_origins ||
			    g[i].n_status_codes == 0 || g[i].n_status_codes > EDGE_MAX_STATUS_CODES)
				return fail(c, "origin group: value out of range");
		}
	}
	b = array_at(c->s, d->behaviors_off, (uint64_t)d->n_behaviors + 1, sizeof(*b));
	if (b == NULL)
		return fail(c, "distribution: behaviors out of bounds");
	for (uint32_t i = 0; i <= d->n_behaviors; i++)
		if (!behavior_ok(c, t, d, &b[i]))
			return false;
	if (d->n_error_responses > 0) {
		e = array_at(c->s, d->error_responses_off, d->n_error_responses, sizeof(*e));
		if (e == NULL)
			return fail(c, "distribution: error responses out of bounds");
		for (uint32_t i = 0; i < d->n_error_responses; i++)
			if (!str_ok(c, &e[i].response_page_path, "error response"))
				return false;
	}
	if (d->n_behaviors == 0) {
		if (d->behavior_db_len != 0)
			return fail(c, "distribution: database without behaviors");
	} else {
		const char *db = NULL;
		size_t size = 0;
		if (d->behavior_db_len == 0 || d->behavior_db_len > SIZE_MAX)
			return fail(c, "distribution: behaviors without a database");
		db = tables_snapshot_at(c->s, d->behavior_db_off, d->behavior_db_len);
		if (db == NULL)
			return fail(c, "distribution: database out of bounds");
		if (hs_serialized_database_size(db, (size_t)d->behavior_db_len, &size) !=
		    HS_SUCCESS)
			return fail(c, "distribution: not a Hyperscan database");
	}
	return true;
}

static bool hosts_ok(struct check *c, const struct edge_top *t)
{
	const struct edge_host_rec *h;
	const uint32_t *buckets;

	if (t->n_hosts == 0)
		return true;
	if (t->n_host_buckets == 0 || (t->n_host_buckets & (t->n_host_buckets - 1)) != 0)
		return fail(c, "hosts: bucket count not a power of two");
	h = array_at(c->s, t->hosts_off, t->n_hosts, sizeof(*h));
	buckets = array_at(c->s, t->host_buckets_off, t->n_host_buckets, sizeof(*buckets));
	if (h == NULL || buckets == NULL)
		return fail(c, "hosts: out of bounds");
	for (uint32_t i = 0; i < t->n_hosts; i++) {
		const char *name;
		if (!str_ok(c, &h[i].name, "host"))
			return false;
		if (h[i].distribution >= t->n_distributions || h[i].next > t->n_hosts)
			return fail(c, "host: index out of range");
		name = edge_str(c->s, &h[i].name);
		if (edge_host_hash(name, h[i].name.len) != h[i].hash)
			return fail(c, "host %u: hash mismatch", i);
	}
	for (uint32_t b = 0; b < t->n_host_buckets; b++) {
		uint32_t steps = 0;
		for (uint32_t v = buckets[b]; v != 0; v = h[v - 1].next) {
			if (v > t->n_hosts || ++steps > t->n_hosts)
				return fail(c, "hosts: bad chain at bucket %u", b);
			if ((h[v - 1].hash & (t->n_host_buckets - 1)) != b)
				return fail(c, "hosts: entry on the wrong chain");
		}
	}
	return true;
}

const struct edge_top *edge_table_check(const struct tables_snapshot *s)
{
	const struct tables_snapshot_header *hdr;
	const struct edge_top *t;
	struct check c = {.s = s};
	bool ok = false;

	if (s == NULL || s->base == NULL || s->size < sizeof(*hdr)) {
		EDGE_LOG(ERR, "edge snapshot refused: no snapshot");
		return NULL;
	}
	hdr = (const struct tables_snapshot_header *)s->base;
	if (s->kind != TABLES_KIND_EDGE || hdr->kind != TABLES_KIND_EDGE) {
		fail(&c, "not an edge snapshot");
		goto out;
	}
	t = array_at(s, hdr->top, 1, sizeof(*t));
	if (t == NULL) {
		fail(&c, "top out of bounds");
		goto out;
	}
	if ((t->n_distributions && !array_at(s, t->distributions_off, t->n_distributions,
					     sizeof(struct edge_distribution_rec))) ||
	    (t->n_cache_policies && !array_at(s, t->cache_policies_off, t->n_cache_policies,
					      sizeof(struct edge_cache_policy_rec))) ||
	    (t->n_origin_request_policies &&
	     !array_at(s, t->origin_request_policies_off, t->n_origin_request_policies,
		       sizeof(struct edge_origin_request_policy_rec))) ||
	    (t->n_response_headers_policies &&
	     !array_at(s, t->response_headers_policies_off, t->n_response_headers_policies,
		       sizeof(struct edge_response_headers_policy_rec)))) {
		fail(&c, "an array is out of bounds");
		goto out;
	}
	for (uint32_t i = 0; i < t->n_cache_policies; i++)
		if (!cache_policy_ok(&c, edge_cache_policy(s, t, i)))
			goto out;
	for (uint32_t i = 0; i < t->n_origin_request_policies; i++)
		if (!orp_ok(&c, edge_origin_request_policy(s, t, i)))
			goto out;
	for (uint32_t i = 0; i < t->n_response_headers_policies; i++)
		if (!rhp_ok(&c, edge_response_headers_policy(s, t, i)))
			goto out;
	for (uint32_t i = 0; i < t->n_distributions; i++)
		if (!distribution_ok(&c, t, edge_distribution(s, t, i)))
			goto out;
	if (!hosts_ok(&c, t))
		goto out;
	ok = true;
out:
	if (!ok) {
		EDGE_LOG(ERR, "edge snapshot generation %llu refused: %s",
			 (unsigned long long)s->generation, c.why);
		return NULL;
	}
	return t;
}

/* -------------------------------------------------------------- look-ups */

const struct edge_distribution_rec *edge_distribution(const struct tables_snapshot *s,
						      const struct edge_top *t, uint32_t i)
{
	const struct edge_distribution_rec *a;

	if (i >= t->n_distributions)
		return NULL;
	a = array_at(s, t->distributions_off, t->n_distributions, sizeof(*a));
	return a != NULL ? &a[i] : NULL;
}

const struct edge_cache_policy_rec *edge_cache_policy(const struct tables_snapshot *s,
						      const struct edge_top *t, uint32_t i)
{
	const struct edge_cache_policy_rec *a;

	if (i >= t->n_cache_policies)
		return NULL;
	a = array_at(s, t->cache_policies_off, t->n_cache_policies, sizeof(*a));
	return a != NULL ? &a[i] : NULL;
}

const struct edge_origin_request_policy_rec *
edge_origin_request_policy(const struct tables_snapshot *s, const struct edge_top *t, uint32_t i)
{
	const struct edge_origin_request_policy_rec *a;

	if (i >= t->n_origin_request_policies)
		return NULL;
	a = array_at(s, t->origin_request_policies_off, t->n_origin_request_policies, sizeof(*a));
	return a != NULL ? &a[i] : NULL;
}

const struct edge_response_headers_policy_rec *
edge_response_headers_policy(const struct tables_snapshot *s, const struct edge_top *t, uint32_t i)
{
	const struct edge_response_headers_policy_rec *a;

	if (i >= t->n_response_headers_policies)
		return NULL;
	a = array_at(s, t->response_headers_policies_off, t->n_response_headers_policies,
		     sizeof(*a));
	return a != NULL ? &a[i] : NULL;
}

const struct edge_origin_rec *edge_origin(const struct tables_snapshot *s,
					  const struct edge_distribution_rec *d, uint32_t i)
{
	const struct edge_origin_rec *a;

	if (d == NULL || i >= d->n_origins)
		return NULL;
	a = array_at(s, d->origins_off, d->n_origins, sizeof(*a));
	return a != NULL ? &a[i] : NULL;
}

const struct edge_origin_group_rec *edge_origin_group(const struct tables_snapshot *s,
						      const struct edge_distribution_rec *d,
						      uint32_t i)
{
	const struct edge_origin_group_rec *a;

	if (d == NULL || i >= d->n_origin_groups)
		return NULL;
	a = array_at(s, d->origin_groups_off, d->n_origin_groups, sizeof(*a));
	return a != NULL ? &a[i] : NULL;
}

const struct edge_error_response_rec *edge_error_response(const struct tables_snapshot *s,
							  const struct edge_distribution_rec *d,
							  uint32_t i)
{
	const struct edge_error_response_rec *a;

	if (d == NULL || i >= d->n_error_responses)
		return NULL;
	a = array_at(s, d->error_responses_off, d->n_error_responses, sizeof(*a));
	return a != NULL ? &a[i] : NULL;
}

const struct edge_header_rec *edge_origin_header(const struct tables_snapshot *s,
						 const struct edge_origin_rec *o, uint32_t i)
{
	const struct edge_header_rec *a;

	if (o == NULL || i >= o->n_headers)
		return NULL;
	a = array_at(s, o->headers_off, o->n_headers, sizeof(*a));
	return a != NULL ? &a[i] : NULL;
}

const struct edge_header_rec *edge_response_header(const struct tables_snapshot *s,
						   const struct edge_response_headers_policy_rec *p,
						   uint32_t i)
{
	const struct edge_header_rec *a;

	if (p == NULL || i >= p->n_custom_headers)
		return NULL;
	a = array_at(s, p->custom_headers_off, p->n_custom_headers, sizeof(*a));
	return a != NULL ? &a[i] : NULL;
}

const struct edge_behavior_rec *edge_behavior(const struct tables_snapshot *s,
					      const struct edge_distribution_rec *d, uint32_t index)
{
	const struct edge_behavior_rec *a;

	if (d == NULL)
		return NULL;
	if (index == EDGE_BEHAVIOR_DEFAULT)
		index = d->n_behaviors;
	if (index > d->n_behaviors)
		return NULL;
	a = array_at(s, d->behaviors_off, (uint64_t)d->n_behaviors + 1, sizeof(*a));
	return a != NULL ? &a[index] : NULL;
}

int edge_behavior_database(const struct tables_snapshot *s, const struct edge_distribution_rec *d,
			   const char **bytes, size_t *len)
{
	const char *p;

	if (d == NULL || d->n_behaviors == 0 || d->behavior_db_len == 0 ||
	    d->behavior_db_len > SIZE_MAX)
		return -ENOENT;
	p = tables_snapshot_at(s, d->behavior_db_off, d->behavior_db_len);
	if (p == NULL)
		return -ENOENT;
	*bytes = p;
	*len = (size_t)d->behavior_db_len;
	return 0;
}

static const struct edge_host_rec *
host_lookup(const struct tables_snapshot *s, const struct edge_top *t, const char *name, size_t len)
{
	const struct edge_host_rec *h;
	const uint32_t *buckets;
	uint32_t hash, steps = 0;

	if (t->n_hosts == 0 || t->n_host_buckets == 0)
		return NULL;
	h = array_at(s, t->hosts_off, t->n_hosts, sizeof(*h));
	buckets = array_at(s, t->host_buckets_off, t->n_host_buckets, sizeof(*buckets));
	if (h == NULL || buckets == NULL)
		return NULL;
	hash = edge_host_hash(name, len);
	for (uint32_t v = buckets[hash & (t->n_host_buckets - 1)]; v != 0 && v <= t->n_hosts;
	     v = h[v - 1].next) {
		const struct edge_host_rec *e = &h[v - 1];
		if (++steps > t->n_hosts)
			break;
		if (e->hash == hash && e->name.len == len &&
		    memcmp(edge_str(s, &e->name), name, len) == 0)
			return e;
	}
	return NULL;
}

const struct edge_distribution_rec *edge_find_host(const struct tables_snapshot *s,
						   const struct edge_top *t, const char *host,
						   size_t len, uint32_t *index)
{
	char buf[EDGE_HOST_MAX + 2];
	const struct edge_host_rec *e = NULL;
	size_t n = 0;

	if (host == NULL)
		return NULL;
	/* "Host: a.example.com:8443" and the absolute form "a.example.com." */
	for (size_t i = 0; i < len && host[i] != ':'; i++) {
		char c = host[i];
		if (n >= EDGE_HOST_MAX)
			return NULL;
		buf[1 + n++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	if (n > 0 && buf[n] == '.')
		n--;
	if (n == 0)
		return NULL;
	e = host_lookup(s, t, buf + 1, n);
	/* Then "*.<suffix>" for each suffix, longest (most specific) first. */
	for (size_t i = 1; e == NULL && i <= n; i++) {
		char saved;
		if (buf[i] != '.')
			continue;
		saved = buf[i - 1];
		buf[i - 1] = '*';
		e = host_lookup(s, t, buf + i - 1, n - i + 2);
		buf[i - 1] = saved;
		if (e != NULL && !e->wildcard)
			e = NULL;
	}
	if (e == NULL)
		return NULL;
	if (index != NULL)
		*index = e->distribution;
	return edge_distribution(s, t, e->distribution);
}

const struct edge_distribution_rec *edge_find_distribution(const struct tables_snapshot *s,
							   const struct edge_top *t, const char *id)
{
	size_t len = strlen(id);

	for (uint32_t i = 0; i < t->n_distributions; i++) {
		const struct edge_distribution_rec *d = edge_distribution(s, t, i);
		if (d != NULL && d->id.len == len && strcmp(edge_str(s, &d->id), id) == 0)
			return d;
	}
	return NULL;
}
