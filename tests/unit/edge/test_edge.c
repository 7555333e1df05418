/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of tables/edge: CloudFront path-pattern semantics through
 * Hyperscan, the builder, a snapshot built, published, mapped, checked and
 * matched end to end, host look-ups, the invalidations table, and the
 * structural check against corrupted snapshots resealed with valid CRCs.
 */
#include "edge.h"
#include "scratch.h"
#include "tap.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char dir[256];

/* Match one path against a set of patterns: the behavior index or EDGE_BEHAVIOR_DEFAULT. */
static uint32_t match(const char *const *patterns, size_t n, const char *path, size_t len)
{
	hs_database_t *db = NULL;
	hs_scratch_t *scratch = NULL;
	char err[256];
	uint32_t r = 0xdeadbeef;

	if (edge_path_patterns_compile(patterns, n, &db, err, sizeof(err)) != 0) {
		printf("# compile failed: %s\n", err);
		return r;
	}
	if (hs_alloc_scratch(db, &scratch) == HS_SUCCESS)
		r = edge_match_behavior(db, scratch, path, len);
	hs_free_scratch(scratch);
	hs_free_database(db);
	return r;
}

static const struct {
	const char *pattern, *path;
	bool match;
} pattern_cases[] = {
    {"*", "/", true},
    {"*", "/a/b/c.html", true},
    {"/*", "/anything/at/all", true},
    {"/images/*", "/images/a.jpg", true},
    {"/images/*", "/images/a/b/c.jpg", true}, /* '*' crosses '/' */
    {"/images/*", "/images/", true},	      /* '*' matches the empty run */
    {"/images/*", "/image/a.jpg", false},
    {"/images/*", "/IMAGES/a.jpg", false},   /* case-sensitive */
    {"/images/*", "/x/images/a.jpg", false}, /* anchored at the start */
    {"images/*", "/images/a.jpg", true},     /* leading '/' optional in the pattern */
    {"images/*", "images/a.jpg", true},
    {"/images/*", "images/a.jpg", true},
    {"/images/*.jpg", "/images/a.jpg", true},
    {"/images/*.jpg", "/images/sub/dir/a.jpg", true},
    {"/images/*.jpg", "/images/.jpg", true},
    {"/images/*.jpg", "/images/a.png", false},
    {"/images/*.jpg", "/images/a.jpg.png", false}, /* anchored at the end */
    {"/images/*.jpg", "/images/a.JPG", false},
    {"/images/*.jpg", "/images/ajpg", false}, /* '.' is literal */
    {"/a?c", "/abc", true},
    {"/a?c", "/a/c", true}, /* '?' is any one character */
    {"/a?c", "/ac", false},
    {"/a?c", "/abbc", false},
    {"/a??", "/abc", true},
    {"/a??", "/ab", false},
    {"/index.html", "/index.html", true},
    {"/index.html", "/indexXhtml", false},
    {"/index.html", "/index.html/", false},
    {"/a+b", "/a+b", true}, /* '+' is literal, not a regex repeat */
    {"/a+b", "/aab", false},
    {"/$x", "/$x", true},
    {"/~user/*", "/~user/home", true},
    {"/q'\"@:&", "/q'\"@:&", true},
    {"/api/v1/*", "/API/v1/users", false},
    {"/api/v1/*", "/api/v1/users", true},
    {"/*.php", "/dir/file.php", true},
    {"/*.php", "/file.phps", false},
    {"/x*", "/y", false},
    {"*/thumbs/*", "/a/b/thumbs/c.png", true},
};

static void test_pattern_semantics(void)
{
	for (size_t i = 0; i < sizeof(pattern_cases) / sizeof(pattern_cases[0]); i++) {
		const char *p = pattern_cases[i].pattern;
		uint32_t r = match(&p, 1, pattern_cases[i].path, strlen(pattern_cases[i].path));
		uint32_t want = pattern_cases[i].match ? 0 : EDGE_BEHAVIOR_DEFAULT;
		if (r != want)
			printf("#   pattern %s path %s: got %u\n", p, pattern_cases[i].path, r);
		CHECK_EQ(r, want);
	}
}

static void test_pattern_newline_and_nul(void)
{
	const char *p = "/a";
	const char *star = "/a*";

	/* "$" would match before a final newline; the translation anchors at the very end. */
	CHECK_EQ(match(&p, 1, "/a\n", 3), EDGE_BEHAVIOR_DEFAULT);
	CHECK_EQ(match(&star, 1, "/a\nb", 4), 0);
	CHECK_EQ(match(&star, 1, "/a\0b", 4), 0);
	CHECK_EQ(match(&p, 1, "/a\0", 3), EDGE_BEHAVIOR_DEFAULT);
}

static void test_precedence(void)
{
	const char *pats[] = {"/images/*.jpg", "/images/*", "*.jpg", "/api/*", "*"};
	const char *two[] = {"/a/*", "/a/b/*"};

	CHECK_EQ(match(pats, 4, "/images/a.jpg", 13), 0); /* 0, 1 and 2 match: lowest wins */
	CHECK_EQ(match(pats, 4, "/images/a.png", 13), 1);
	CHECK_EQ(match(pats, 4, "/other/a.jpg", 12), 2);
	CHECK_EQ(match(pats, 4, "/api/x.jpg", 10), 2);
	CHECK_EQ(match(pats, 4, "/api/x", 6), 3);
	CHECK_EQ(match(pats, 4, "/other/a.png", 12), EDGE_BEHAVIOR_DEFAULT);
	CHECK_EQ(match(pats, 5, "/other/a.png", 12), 4);
	/* Order, not specificity, decides: the broader pattern listed first wins. */
	CHECK_EQ(match(two, 2, "/a/b/c", 6), 0);
	/* No database (no ordered behavior): the default behavior. */
	CHECK_EQ(edge_match_behavior(NULL, NULL, "/x", 2), EDGE_BEHAVIOR_DEFAULT);
}

static void test_pattern_check(void)
{
	char why[200], expr[64], long_pattern[300];
	unsigned flags = 0;

	CHECK_EQ(edge_path_pattern_check("", 0, why, sizeof(why)), -EINVAL);
	CHECK(strstr(why, "empty") != NULL);
	CHECK_EQ(edge_path_pattern_check("/a b", 4, why, sizeof(why)), -EINVAL);
	CHECK(strstr(why, "offset 2") != NULL);
	CHECK_EQ(edge_path_pattern_check("/a%20", 5, why, sizeof(why)), -EINVAL);
	CHECK(strstr(why, "'%'") != NULL);
	CHECK_EQ(edge_path_pattern_check("/a\x80", 3, why, sizeof(why)), -EINVAL);
	CHECK(strstr(why, "0x80") != NULL);
	memset(long_pattern, 'a', sizeof(long_pattern));
	CHECK_EQ(edge_path_pattern_check(long_pattern, 255, why, sizeof(why)), 0);
	CHECK_EQ(edge_path_pattern_check(long_pattern, 256, why, sizeof(why)), -EINVAL);
	CHECK(strstr(why, "at most 255") != NULL);
	CHECK_EQ(edge_path_pattern_check("/A-z_0.9*?$~\"'@:+&/", 19, why, sizeof(why)), 0);
	CHECK_EQ(edge_path_pattern_expression("/img/*.jpg", 10, expr, sizeof(expr), &flags), 21);
	CHECK(strcmp(expr, "^/?img\\x2f.*\\x2ejpg\\z") == 0);
	CHECK_EQ(flags, HS_FLAG_DOTALL | HS_FLAG_SINGLEMATCH);
	CHECK_EQ(edge_path_pattern_expression("/*", 2, expr, sizeof(expr), &flags), 7);
	CHECK(strcmp(expr, "^/?.*\\z") == 0);
	CHECK(flags & HS_FLAG_ALLOWEMPTY);
	CHECK_EQ(edge_path_pattern_expression("/abcdef", 7, expr, 8, &flags), -ENOSPC);
}

/* ------------------------------------------------------- a whole table */

static const char *const cp_headers[] = {"Authorization", "Host"};
static const char *const aliases1[] = {"www.example.com", "*.example.com", "static.example.org"};
static const char *const aliases2[] = {"shop.example.com", "*.cdn.example.com"};
static const uint16_t failover[] = {500, 502, 503, 504};
static const char *const countries[] = {"DE", "FR"};

static struct edge_header_spec origin_headers[] = {{"X-Origin-Verify", "s3cr3t", false}};
static struct edge_header_spec custom_headers[] = {{"X-Powered-By", "pop", true}};

static int build_table(struct tables_builder *tb)
{
	struct edge_builder *eb = edge_builder_new(tb);
	struct edge_cache_policy_spec cp = {.id = "658327ea-f89d-4fab-a63d-7e88639e58f6",
					    .name = "Managed-CachingOptimized",
					    .min_ttl_s = 1,
					    .default_ttl_s = 86400,
					    .max_ttl_s = 31536000,
					    .gzip = true,
					    .brotli = true,
					    .header_behavior = EDGE_SELECT_WHITELIST,
					    .headers = cp_headers,
					    .n_headers = 2};
	struct edge_origin_request_policy_spec orp = {.id = "216adef6-5c7f-47e4-b989-5492eafa07d3",
						      .name = "Managed-AllViewer",
						      .header_behavior = EDGE_SELECT_ALL_VIEWER,
						      .cookie_behavior = EDGE_SELECT_ALL,
						      .query_string_behavior = EDGE_SELECT_ALL};
	struct edge_response_headers_policy_spec rhp = {
	    .id = "67f7725c-6f97-4210-82d7-5512b31e9d03",
	    .name = "Managed-SecurityHeadersPolicy",
	    .strict_transport_security = "max-age=31536000",
	    .content_type_options = "nosniff",
	    .content_type_options_override = true,
	    .cors_max_age_s = -1,
	    .custom_headers = custom_headers,
	    .n_custom_headers = 1};
	struct edge_origin_spec origins[] = {
	    {.id = "site",
	     .domain_name = "site.s3.amazonaws.com",
	     .origin_path = "/v2",
	     .kind = EDGE_ORIGIN_DIRECTORY,
	     .directory = "/srv/site",
	     .connection_attempts = 3,
	     .connection_timeout_s = 10},
	    {.id = "api",
	     .domain_name = "api.internal",
	     .kind = EDGE_ORIGIN_CUSTOM,
	     .protocol = EDGE_ORIGIN_HTTPS_ONLY,
	     .http_port = 80,
	     .https_port = 8443,
	     .ssl_protocols = EDGE_SSL_TLSV1_2,
	     .connection_attempts = 2,
	     .connection_timeout_s = 5,
	     .read_timeout_s = 30,
	     .keepalive_timeout_s = 5,
	     .headers = origin_headers,
	     .n_headers = 1},
	    {.id = "api-backup", .domain_name = "api2.internal", .kind = EDGE_ORIGIN_CUSTOM},
	};
	struct edge_origin_group_spec groups[] = {{.id = "api-group",
						   .primary = 1,
						   .secondary = 2,
						   .status_codes = failover,
						   .n_status_codes = 4}};
	struct edge_behavior_spec behaviors[] = {
	    {.path_pattern = "/api/*",
	     .target = 0,
	     .target_is_group = true,
	     .viewer_protocol = EDGE_VIEWER_HTTPS_ONLY,
	     .allowed_methods = EDGE_METHOD_ALL,
	     .cached_methods = EDGE_METHOD_GET | EDGE_METHOD_HEAD,
	     .origin_request_policy = 0},
	    {.path_pattern = "images/*.jpg", .target = 0, .compress = true},
	};
	struct edge_error_response_spec errors[] = {{.error_code = 404,
						     .response_code = 200,
						     .response_page_path = "/index.html",
						     .error_caching_min_ttl_s = 10}};
	struct edge_distribution_spec d1 = {
	    .id = "E1EXAMPLE00001",
	    .domain_name = "d1abcdefghijkl.cloudfront.net",
	    .enabled = true,
	    .ipv6_enabled = true,
	    .default_root_object = "index.html",
	    .certificate = "arn:aws:acm:us-east-1:123456789012:certificate/abc",
	    .ssl_support = EDGE_SSL_SUPPORT_SNI_ONLY,
	    .http_version = EDGE_HTTP_2,
	    .aliases = aliases1,
	    .n_aliases = 3,
	    .origins = origins,
	    .n_origins = 3,
	    .origin_groups = groups,
	    .n_origin_groups = 1,
	    .behaviors = behaviors,
	    .n_behaviors = 2,
	    .default_behavior = {.target = 0,
				 .viewer_protocol = EDGE_VIEWER_REDIRECT_TO_HTTPS,
				 .allowed_methods = EDGE_METHOD_GET | EDGE_METHOD_HEAD,
				 .cached_methods = EDGE_METHOD_GET | EDGE_METHOD_HEAD},
	    .error_responses = errors,
	    .n_error_responses = 1,
	    .geo_restriction = EDGE_GEO_BLACKLIST,
	    .geo_locations = countries,
	    .n_geo_locations = 2,
	};
	struct edge_distribution_spec d2 = {
	    .id = "E2EXAMPLE00002",
	    .domain_name = "d2abcdefghijkl.cloudfront.net",
	    .aliases = aliases2,
	    .n_aliases = 2,
	    .origins = origins + 1,
	    .n_origins = 1,
	    .default_behavior = {.target = 0},
	};
	char err[256];
	uint32_t idx;
	int rc;

	if (eb == NULL)
		return -ENOMEM;
	rc = edge_builder_add_cache_policy(eb, &cp, &idx);
	if (rc == 0)
		rc = edge_builder_add_origin_request_policy(eb, &orp, &idx);
	if (rc == 0)
		rc = edge_builder_add_response_headers_policy(eb, &rhp, &idx);
	behaviors[0].cache_policy = 0;
	behaviors[0].response_headers_policy = EDGE_NONE;
	behaviors[1].cache_policy = 0;
	behaviors[1].origin_request_policy = EDGE_NONE;
	behaviors[1].response_headers_policy = 0;
	d1.default_behavior.cache_policy = 0;
	d1.default_behavior.origin_request_policy = EDGE_NONE;
	d1.default_behavior.response_headers_policy = 0;
	d2.default_behavior.cache_policy = 0;
	d2.default_behavior.origin_request_policy = EDGE_NONE;
	d2.default_behavior.response_headers_policy = EDGE_NONE;
	if (rc == 0)
		rc = edge_builder_add_distribution(eb, &d1, &idx, err, sizeof(err));
	if (rc == 0)
		rc = edge_builder_add_distribution(eb, &d2, &idx, err, sizeof(err));
	if (rc != 0) {
		printf("# build: %s\n", err);
		edge_builder_free(eb);
		return rc;
	}
	return edge_builder_finish(eb);
}

/* Publish a freshly built table; its generation in *gen. */
static int publish(struct tables_root *root, uint64_t *gen)
{
	struct tables_builder *tb = tables_builder_new(TABLES_KIND_EDGE);
	int rc;

	if (tb == NULL)
		return -ENOMEM;
	rc = build_table(tb);
	if (rc < 0) {
		tables_builder_free(tb);
		return rc;
	}
	return tables_builder_publish(tb, root, gen);
}

static void test_end_to_end(void)
{
	struct tables_root *root = NULL;
	struct tables_snapshot *s = NULL;
	const struct edge_top *t;
	const struct edge_distribution_rec *d, *d2;
	const struct edge_behavior_rec *b;
	const struct edge_origin_rec *o;
	const struct edge_origin_group_rec *g;
	const struct edge_cache_policy_rec *cp;
	const struct edge_response_headers_policy_rec *rhp;
	hs_database_t *db = NULL;
	hs_scratch_t *scratch = NULL;
	const char *bytes;
	size_t len;
	uint64_t gen = 0;
	uint32_t idx = 99;

	CHECK_EQ(tables_root_open(dir, true, &root), 0);
	if (root == NULL)
		return;
	CHECK_EQ(publish(root, &gen), 0);
	CHECK(gen >= 1);
	CHECK_EQ(tables_snapshot_map(dir, TABLES_KIND_EDGE, gen, &s), 0);
	if (s == NULL) {
		tables_root_close(root);
		return;
	}
	t = edge_table_check(s);
	CHECK(t != NULL);
	if (t == NULL)
		goto out;
	CHECK_EQ(t->n_distributions, 2);
	CHECK_EQ(t->n_cache_policies, 1);
	CHECK_EQ(t->n_hosts, 7);

	/* Hosts: exact, wildcard, domain name; any case, port and trailing dot ignored. */
	d = edge_find_host(s, t, "www.example.com", 15, &idx);
	CHECK(d != NULL && idx == 0);
	CHECK(edge_find_host(s, t, "WWW.Example.COM:443", 19, NULL) == d);
	CHECK(edge_find_host(s, t, "www.example.com.", 16, NULL) == d);
	CHECK(edge_find_host(s, t, "a.example.com", 13, NULL) == d);
	CHECK(edge_find_host(s, t, "a.b.example.com", 15, NULL) == d);
	CHECK(edge_find_host(s, t, "example.com", 11, NULL) == NULL); /* not the apex */
	CHECK(edge_find_host(s, t, "static.example.org", 18, NULL) == d);
	CHECK(edge_find_host(s, t, "x.static.example.org", 20, NULL) == NULL);
	CHECK(edge_find_host(s, t, "d1abcdefghijkl.cloudfront.net", 29, NULL) == d);
	d2 = edge_find_host(s, t, "shop.example.com", 16, &idx);
	CHECK(d2 != NULL && d2 != d && idx == 1); /* exact beats *.example.com */
	CHECK(edge_find_host(s, t, "img.cdn.example.com", 19, NULL) == d2); /* most specific */
	CHECK(edge_find_host(s, t, "nothing.test", 12, NULL) == NULL);
	CHECK(edge_find_host(s, t, "", 0, NULL) == NULL);
	CHECK(edge_find_distribution(s, t, "E2EXAMPLE00002") == d2);
	CHECK(edge_find_distribution(s, t, "E9NONE") == NULL);

	/* The distribution's fields. */
	CHECK(strcmp(edge_str(s, &d->id), "E1EXAMPLE00001") == 0);
	CHECK(strcmp(edge_str(s, &d->default_root_object), "index.html") == 0);
	CHECK(strncmp(edge_str(s, &d->certificate), "arn:aws:acm:", 12) == 0);
	CHECK_EQ(d->enabled, 1);
	CHECK_EQ(d->ssl_support, EDGE_SSL_SUPPORT_SNI_ONLY);
	CHECK_EQ(d->geo_restriction, EDGE_GEO_BLACKLIST);
	CHECK(strcmp(edge_str(s, edge_strlist_at(s, &d->geo_locations, 1)), "FR") == 0);
	CHECK(edge_strlist_at(s, &d->geo_locations, 2) == NULL);
	CHECK(strcmp(edge_str(s, edge_strlist_at(s, &d->aliases, 1)), "*.example.com") == 0);
	o = edge_origin(s, d, 0);
	CHECK(o != NULL && o->kind == EDGE_ORIGIN_DIRECTORY);
	CHECK(o != NULL && strcmp(edge_str(s, &o->directory), "/srv/site") == 0);
	CHECK(o != NULL && strcmp(edge_str(s, &o->origin_path), "/v2") == 0);
	o = edge_origin(s, d, 1);
	CHECK(o != NULL && o->https_port == 8443 && o->protocol == EDGE_ORIGIN_HTTPS_ONLY);
	CHECK(o != NULL && o->n_headers == 1 &&
	      strcmp(edge_str(s, &edge_origin_header(s, o, 0)->value), "s3cr3t") == 0);
	CHECK(edge_origin(s, d, 3) == NULL);
	g = edge_origin_group(s, d, 0);
	CHECK(g != NULL && g->primary == 1 && g->secondary == 2 && g->n_status_codes == 4 &&
	      g->status_codes[3] == 504);
	CHECK(edge_error_response(s, d, 0) != NULL &&
	      edge_error_response(s, d, 0)->response_code == 200);
	cp = edge_cache_policy(s, t, 0);
	CHECK(cp != NULL && cp->min_ttl_s == 1 && cp->gzip && cp->headers.n == 2);
	CHECK(cp != NULL && strcmp(edge_str(s, edge_strlist_at(s, &cp->headers, 1)), "Host") == 0);
	rhp = edge_response_headers_policy(s, t, 0);
	CHECK(rhp != NULL &&
	      strcmp(edge_str(s, &rhp->strict_transport_security), "max-age=31536000") == 0);
	CHECK(rhp != NULL && rhp->content_type_options_override && rhp->cors_max_age_s == -1);
	CHECK(rhp != NULL &&
	      strcmp(edge_str(s, &edge_response_header(s, rhp, 0)->name), "X-Powered-By") == 0);

	/* The behavior database: deserialized once, one scratch, matched. */
	CHECK_EQ(edge_behavior_database(s, d, &bytes, &len), 0);
	CHECK_EQ(hs_deserialize_database(bytes, len, &db), HS_SUCCESS);
	CHECK_EQ(hs_alloc_scratch(db, &scratch), HS_SUCCESS);
	if (db != NULL && scratch != NULL) {
		uint32_t i = edge_match_behavior(db, scratch, "/api/v1/users", 13);
		CHECK_EQ(i, 0);
		b = edge_behavior(s, d, i);
		CHECK(b != NULL && b->target_is_group && b->target == 0 &&
		      b->viewer_protocol == EDGE_VIEWER_HTTPS_ONLY &&
		      b->origin_request_policy == 0 && b->response_headers_policy == EDGE_NONE);
		CHECK(b != NULL && strcmp(edge_str(s, &b->path_pattern), "/api/*") == 0);
		i = edge_match_behavior(db, scratch, "/images/cat.jpg", 15);
		CHECK_EQ(i, 1);
		CHECK(edge_behavior(s, d, i) != NULL && edge_behavior(s, d, i)->compress);
		i = edge_match_behavior(db, scratch, "/index.html", 11);
		CHECK_EQ(i, EDGE_BEHAVIOR_DEFAULT);
		b = edge_behavior(s, d, i);
		CHECK(b != NULL && b->viewer_protocol == EDGE_VIEWER_REDIRECT_TO_HTTPS &&
		      strcmp(edge_str(s, &b->path_pattern), "*") == 0);
	}
	CHECK(edge_behavior(s, d, 2) == edge_behavior(s, d, EDGE_BEHAVIOR_DEFAULT));
	CHECK(edge_behavior(s, d, 3) == NULL);
	/* No ordered behavior, no database: the default behavior for every path. */
	CHECK_EQ(edge_behavior_database(s, d2, &bytes, &len), -ENOENT);
	CHECK(edge_behavior(s, d2, EDGE_BEHAVIOR_DEFAULT) != NULL);
out:
	hs_free_scratch(scratch);
	hs_free_database(db);
	tables_snapshot_unmap(s);
	tables_root_close(root);
}

static void test_builder_errors(void)
{
	struct tables_builder *tb = tables_builder_new(TABLES_KIND_EDGE);
	struct edge_builder *eb = edge_builder_new(tb);
	struct edge_origin_spec o = {
	    .id = "o", .domain_name = "o.test", .kind = EDGE_ORIGIN_CUSTOM};
	const char *const taken[] = {"www.example.com"};
	const char *const bad_host[] = {"bad host"};
	struct edge_behavior_spec bad = {.path_pattern = "/a b",
					 .cache_policy = EDGE_NONE,
					 .origin_request_policy = EDGE_NONE,
					 .response_headers_policy = EDGE_NONE};
	struct edge_distribution_spec d = {
	    .id = "E1",
	    .domain_name = "d1.cloudfront.net",
	    .aliases = taken,
	    .n_aliases = 1,
	    .origins = &o,
	    .n_origins = 1,
	    .default_behavior = {.cache_policy = EDGE_NONE,
				 .origin_request_policy = EDGE_NONE,
				 .response_headers_policy = EDGE_NONE}};
	char err[256];
	uint32_t idx;

	CHECK(eb != NULL);
	if (eb == NULL) {
		tables_builder_free(tb);
		return;
	}
	CHECK_EQ(edge_builder_add_distribution(eb, &d, &idx, err, sizeof(err)), 0);
	d.id = "E2";
	d.domain_name = "d2.cloudfront.net";
	CHECK_EQ(edge_builder_add_distribution(eb, &d, &idx, err, sizeof(err)), -EEXIST);
	CHECK(strstr(err, "www.example.com") != NULL);
	d.aliases = bad_host;
	CHECK_EQ(edge_builder_add_distribution(eb, &d, &idx, err, sizeof(err)), -EINVAL);
	d.aliases = NULL;
	d.n_aliases = 0;
	d.behaviors = &bad;
	d.n_behaviors = 1;
	CHECK_EQ(edge_builder_add_distribution(eb, &d, &idx, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "offset 2") != NULL);
	bad.path_pattern = "/a";
	bad.cache_policy = 7; /* no such policy */
	CHECK_EQ(edge_builder_add_distribution(eb, &d, &idx, err, sizeof(err)), -EINVAL);
	bad.cache_policy = EDGE_NONE;
	bad.target = 1; /* no such origin */
	CHECK_EQ(edge_builder_add_distribution(eb, &d, &idx, err, sizeof(err)), -EINVAL);
	bad.target = 0;
	/* The failed attempts left no host behind: d2's own name is free. */
	CHECK_EQ(edge_builder_add_distribution(eb, &d, &idx, err, sizeof(err)), 0);
	CHECK_EQ(idx, 1);
	CHECK_EQ(edge_builder_finish(eb), 0);
	tables_builder_free(tb);
}

/* ------------------------------------------------------------ corruption */

static uint8_t *good;
static size_t good_len;

static void reseal(uint8_t *b, size_t len)
{
	struct tables_snapshot_header *h = (struct tables_snapshot_header *)b;

	h->body_crc = tables_crc32c(0, b + 64, len - 64);
	h->header_crc = 0;
	h->header_crc = tables_crc32c(0, h, sizeof(*h));
}

/* Read everything a worker could read; a sanitizer build catches any stray access. */
static unsigned long walk(const struct tables_snapshot *s, const struct edge_top *t)
{
	unsigned long sum = 0;

	for (uint32_t i = 0; i < t->n_distributions; i++) {
		const struct edge_distribution_rec *d = edge_distribution(s, t, i);
		const char *bytes;
		size_t len;
		sum += strlen(edge_str(s, &d->id)) + strlen(edge_str(s, &d->domain_name));
		for (uint32_t k = 0; k < d->aliases.n; k++)
			sum += strlen(edge_str(s, edge_strlist_at(s, &d->aliases, k)));
		for (uint32_t k = 0; k < d->n_origins; k++) {
			const struct edge_origin_rec *o = edge_origin(s, d, k);
			sum += strlen(edge_str(s, &o->directory)) + o->n_headers;
			for (uint32_t h = 0; h < o->n_headers; h++)
				sum += strlen(edge_str(s, &edge_origin_header(s, o, h)->value));
		}
		for (uint32_t k = 0; k < d->n_origin_groups; k++)
			sum += edge_origin_group(s, d, k)->primary;
		for (uint32_t k = 0; k <= d->n_behaviors; k++) {
			const struct edge_behavior_rec *b = edge_behavior(s, d, k);
			sum += strlen(edge_str(s, &b->path_pattern));
			if (b->cache_policy != EDGE_NONE)
				sum += edge_cache_policy(s, t, b->cache_policy)->max_ttl_s;
			if (b->response_headers_policy != EDGE_NONE)
				sum +=
				    edge_response_headers_policy(s, t, b->response_headers_policy)
					->n_custom_headers;
			sum += b->target_is_group ? edge_origin_group(s, d, b->target)->secondary
						  : edge_origin(s, d, b->target)->http_port;
		}
		for (uint32_t k = 0; k < d->n_error_responses; k++)
			sum +=
			    strlen(edge_str(s, &edge_error_response(s, d, k)->response_page_path));
		if (edge_behavior_database(s, d, &bytes, &len) == 0) {
			hs_database_t *db = NULL;
			hs_scratch_t *scratch = NULL;
			if (hs_deserialize_database(bytes, len, &db) == HS_SUCCESS &&
			    hs_alloc_scratch(db, &scratch) == HS_SUCCESS)
				sum += edge_match_behavior(db, scratch, "/api/x", 6);
			hs_free_scratch(scratch);
			hs_free_database(db);
		}
	}
	for (uint32_t i = 0; i < t->n_cache_policies; i++) {
		const struct edge_cache_policy_rec *p = edge_cache_policy(s, t, i);
		for (uint32_t k = 0; k < p->headers.n; k++)
			sum += strlen(edge_str(s, edge_strlist_at(s, &p->headers, k)));
	}
	sum += edge_find_host(s, t, "a.b.example.com", 15, NULL) != NULL;
	sum += edge_find_host(s, t, "shop.example.com", 16, NULL) != NULL;
	return sum;
}

static const struct edge_top *check_bytes(uint8_t *b, size_t len)
{
	struct tables_snapshot s = {
	    .base = b, .size = len, .kind = TABLES_KIND_EDGE, .generation = 1};

	return edge_table_check(&s);
}

static void load_good(void)
{
	struct tables_root *root = NULL;
	char name[64];
	uint64_t gen = 0;

	if (good != NULL)
		return;
	if (tables_root_open(dir, true, &root) != 0)
		return;
	if (publish(root, &gen) == 0) {
		snprintf(name, sizeof(name), "edge.%016llx", (unsigned long long)gen);
		good = scratch_read(dir, name, &good_len);
	}
	tables_root_close(root);
}

static void test_bit_flips(void)
{
	uint8_t *b;
	const struct edge_top *top;
	size_t refused = 0, accepted = 0;
	unsigned long sum = 0;
	int saved_stderr, null_fd;

	load_good();
	CHECK(good != NULL);
	if (good == NULL)
		return;
	b = malloc(good_len);
	if (b == NULL)
		return;
	memcpy(b, good, good_len);
	top = check_bytes(b, good_len);
	CHECK(top != NULL);
	/* Thousands of refusals, each logged: keep them out of the test's output. */
	fflush(stderr);
	saved_stderr = dup(2);
	null_fd = open("/dev/null", O_WRONLY);
	if (null_fd >= 0)
		dup2(null_fd, 2);
	/* Every bit of every body byte outside the Hyperscan databases' bytecode. */
	for (size_t off = 64; off < good_len; off++) {
		for (int bit = 0; bit < 8; bit++) {
			memcpy(b, good, good_len);
			b[off] ^= (uint8_t)(1u << bit);
			reseal(b, good_len);
			top = check_bytes(b, good_len);
			if (top == NULL) {
				refused++;
				continue;
			}
			accepted++;
			sum += walk(&(struct tables_snapshot){.base = b,
							      .size = good_len,
							      .kind = TABLES_KIND_EDGE,
							      .generation = 1},
				    top);
		}
	}
	fflush(stderr);
	if (saved_stderr >= 0) {
		dup2(saved_stderr, 2);
		close(saved_stderr);
	}
	if (null_fd >= 0)
		close(null_fd);
	printf("# %zu bit flips refused, %zu accepted and walked safely (%lu)\n", refused, accepted,
	       sum % 10);
	CHECK(refused > 100);
	free(b);
}

/* Write a corrupted copy as the next generation, map it through the real path, check it. */
static const struct edge_top *map_corrupted(uint8_t *b, uint64_t gen, struct tables_snapshot **s)
{
	struct tables_snapshot_header *h = (struct tables_snapshot_header *)b;
	char name[64];

	h->generation = gen;
	reseal(b, good_len);
	snprintf(name, sizeof(name), "edge.%016llx", (unsigned long long)gen);
	if (scratch_write(dir, name, b, good_len) != 0)
		return NULL;
	if (tables_snapshot_map(dir, TABLES_KIND_EDGE, gen, s) != 0)
		return NULL;
	return edge_table_check(*s);
}

static void test_targeted_corruption(void)
{
	struct tables_snapshot_header *h;
	struct tables_snapshot *s = NULL;
	struct edge_top *t;
	struct edge_distribution_rec *d;
	struct edge_behavior_rec *beh;
	struct edge_host_rec *host;
	uint8_t *b;
	uint64_t gen = 1000;

	load_good();
	if (good == NULL)
		return;
	b = malloc(good_len);
	if (b == NULL)
		return;
	h = (struct tables_snapshot_header *)b;
#define FRESH()                                                                                    \
	do {                                                                                       \
		memcpy(b, good, good_len);                                                         \
		t = (struct edge_top *)(b + h->top);                                               \
		d = (struct edge_distribution_rec *)(b + t->distributions_off);                    \
		beh = (struct edge_behavior_rec *)(b + d->behaviors_off);                          \
		host = (struct edge_host_rec *)(b + t->hosts_off);                                 \
	} while (0)
#define REFUSED()                                                                                  \
	do {                                                                                       \
		CHECK(map_corrupted(b, ++gen, &s) == NULL);                                        \
		CHECK(s != NULL); /* the CRCs were valid: only the structure check refuses */      \
		tables_snapshot_unmap(s);                                                          \
		s = NULL;                                                                          \
	} while (0)

	FRESH();
	CHECK(map_corrupted(b, ++gen, &s) != NULL); /* the untouched copy passes */
	tables_snapshot_unmap(s);
	s = NULL;
	FRESH();
	h->top = good_len - 8; /* top runs past the end */
	REFUSED();
	FRESH();
	t->n_distributions = 0x10000000u;
	REFUSED();
	FRESH();
	t->distributions_off = good_len + 64;
	REFUSED();
	FRESH();
	t->distributions_off += 4; /* misaligned */
	REFUSED();
	FRESH();
	d->id.len += 1; /* no NUL where the string should end */
	REFUSED();
	FRESH();
	d->id.off = 1ull << 40;
	REFUSED();
	FRESH();
	beh[0].target = 5;
	REFUSED();
	FRESH();
	beh[0].cache_policy = 3;
	REFUSED();
	FRESH();
	beh[2].viewer_protocol = 9;
	REFUSED();
	FRESH();
	d->n_behaviors = 3; /* one behavior more than the database and the array hold */
	REFUSED();
	FRESH();
	d->behavior_db_len = 0;
	REFUSED();
	FRESH();
	b[d->behavior_db_off] ^= 0xff; /* the database's magic */
	REFUSED();
	FRESH();
	((struct edge_origin_group_rec *)(b + d->origin_groups_off))->secondary = 3;
	REFUSED();
	FRESH();
	host[0].next = 1; /* a chain that loops on itself */
	host[0].hash = edge_host_hash(
	    edge_str(
		&(struct tables_snapshot){.base = b, .size = good_len, .kind = TABLES_KIND_EDGE},
		&host[0].name),
	    host[0].name.len);
	REFUSED();
	FRESH();
	host[1].distribution = 2;
	REFUSED();
	FRESH();
	host[1].hash ^= 1;
	REFUSED();
	FRESH();
	t->n_host_buckets = 3;
	REFUSED();
	FRESH();
	h->kind = TABLES_KIND_ZONES; /* an edge file that claims another kind is refused earlier */
	CHECK(map_corrupted(b, ++gen, &s) == NULL);
	CHECK(s == NULL);
#undef FRESH
#undef REFUSED
	free(b);
}

/* ------------------------------------------------------------ invalidations */

static void test_invalidations(void)
{
	struct edge_invalidation_spec specs[] = {
	    {"E2BBBB", "/b/one", 1000}, {"E1AAAA", "/images/*", 2000},
	    {"E2BBBB", "/b/two", 3000}, {"E1AAAA", "/index.html", 4000},
	    {"E3CCCC", "/*", 5000},
	};
	struct tables_builder *tb = tables_builder_new(TABLES_KIND_INVALIDATIONS);
	struct tables_root *root = NULL;
	struct tables_snapshot *s = NULL;
	const struct edge_invalidations_top *t;
	const struct edge_invalidation_dist_rec *d;
	const struct edge_invalidation_path_rec *p;
	uint64_t gen = 0;
	char name[64];
	uint8_t *bytes;
	size_t len;

	CHECK_EQ(edge_invalidations_build(tb, specs, 5), 0);
	CHECK_EQ(tables_root_open(dir, true, &root), 0);
	CHECK_EQ(tables_builder_publish(tb, root, &gen), 0);
	CHECK_EQ(tables_snapshot_map(dir, TABLES_KIND_INVALIDATIONS, gen, &s), 0);
	if (s == NULL) {
		tables_root_close(root);
		return;
	}
	t = edge_invalidations_check(s);
	CHECK(t != NULL);
	if (t != NULL) {
		CHECK_EQ(t->n_distributions, 3);
		CHECK_EQ(t->n_paths, 5);
		d = edge_invalidations_find(s, t, "E1AAAA");
		CHECK(d != NULL && d->n_paths == 2);
		p = edge_invalidation_path(s, t, d, 0);
		CHECK(p != NULL && p->wildcard && p->create_time_ms == 2000);
		p = edge_invalidation_path(s, t, d, 1);
		CHECK(p != NULL && !p->wildcard &&
		      strcmp((const char *)s->base + p->path.off, "/index.html") == 0);
		CHECK(edge_invalidation_path(s, t, d, 2) == NULL);
		d = edge_invalidations_find(s, t, "E2BBBB");
		CHECK(d != NULL && d->n_paths == 2 &&
		      edge_invalidation_path(s, t, d, 1)->create_time_ms == 3000);
		CHECK(edge_invalidations_find(s, t, "E3CCCC") != NULL);
		CHECK(edge_invalidations_find(s, t, "E0NONE") == NULL);
	}
	tables_snapshot_unmap(s);
	s = NULL;
	/* Corrupted: runs that overlap, resealed. */
	snprintf(name, sizeof(name), "invalidations.%016llx", (unsigned long long)gen);
	bytes = scratch_read(dir, name, &len);
	if (bytes != NULL) {
		struct tables_snapshot_header *h = (struct tables_snapshot_header *)bytes;
		struct edge_invalidations_top *top =
		    (struct edge_invalidations_top *)(bytes + h->top);
		struct edge_invalidation_dist_rec *dr =
		    (struct edge_invalidation_dist_rec *)(bytes + top->distributions_off);
		struct tables_snapshot mem = {.base = bytes,
					      .size = len,
					      .kind = TABLES_KIND_INVALIDATIONS,
					      .generation = gen};
		dr[1].first_path = 0;
		CHECK(edge_invalidations_check(&mem) == NULL);
		dr[1].first_path = 2;
		dr[1].n_paths = 9;
		CHECK(edge_invalidations_check(&mem) == NULL);
		dr[1].n_paths = 2;
		CHECK(edge_invalidations_check(&mem) != NULL);
		top->n_paths = 1u << 30;
		CHECK(edge_invalidations_check(&mem) == NULL);
		free(bytes);
	}
	/* An empty table is valid too. */
	tb = tables_builder_new(TABLES_KIND_INVALIDATIONS);
	CHECK_EQ(edge_invalidations_build(tb, NULL, 0), 0);
	CHECK_EQ(tables_builder_publish(tb, root, &gen), 0);
	CHECK_EQ(tables_snapshot_map(dir, TABLES_KIND_INVALIDATIONS, gen, &s), 0);
	if (s != NULL) {
		t = edge_invalidations_check(s);
		CHECK(t != NULL && t->n_paths == 0);
		CHECK(edge_invalidations_find(s, t, "E1AAAA") == NULL);
	}
	tables_snapshot_unmap(s);
	tables_root_close(root);
}

int main(void)
{
	scratch_dir(dir, sizeof(dir));
	if (dir[0] == '\0') {
		printf("Bail out! no scratch directory\n");
		return 1;
	}
	RUN(test_pattern_semantics);
	RUN(test_pattern_newline_and_nul);
	RUN(test_precedence);
	RUN(test_pattern_check);
	RUN(test_end_to_end);
	RUN(test_builder_errors);
	RUN(test_bit_flips);
	RUN(test_targeted_corruption);
	RUN(test_invalidations);
	free(good);
	scratch_remove(dir);
	return tap_done();
}
