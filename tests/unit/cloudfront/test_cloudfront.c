/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of control/cloudfront: every command through ctl_server_execute
 * (no socket) on a store and tables in a temporary directory, with a mutating
 * hook that does what popd does around a change (one store transaction,
 * commit or roll back, then compile and publish what the change marked), and
 * a stand-in for the data plane that applies the published generations.
 */
#include "cloudfront.h"
#include "edge.h"
#include "env.h"
#include "scratch.h"
#include "sock.h"
#include "store.h"
#include "tables.h"
#include "tap.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char dir[256], tables_dir[300], bucket_dir[300], other_dir[300];
static struct popd_env env;
static struct ctl_server *srv;
static int publish_failures;

#define CACHING_OPTIMIZED "658327ea-f89d-4fab-a63d-7e88639e58f6"
#define CACHING_DISABLED  "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
#define ALL_VIEWER	  "216adef6-5c7f-47e4-b989-5492eafa07d3"
#define SECURITY_HEADERS  "67f7725c-6f97-4210-82d7-5512b31e9d03"

/* Compile and publish what a committed change marked, as popd's txn module does. */
static void publish(uint32_t kinds)
{
	for (unsigned k = 0; k < TABLES_KIND_MAX; k++) {
		struct tables_builder *tb;
		uint64_t gen = 0;
		int rc;

		if (!(kinds & (1u << k)) || env.compilers[k] == NULL)
			continue;
		tb = tables_builder_new((enum tables_kind)k);
		rc = tb != NULL ? env.compilers[k](&env, tb) : -ENOMEM;
		if (rc == 0)
			rc = tables_builder_publish(tb, env.root, &gen);
		else
			tables_builder_free(tb);
		if (rc == 0)
			rc = env_changes_published(&env, (enum tables_kind)k, gen);
		if (rc != 0) {
			printf("# publish of kind %u failed: %d\n", k, rc);
			publish_failures++;
		}
	}
}

static int mutating(void *user, const struct ctl_command *cmd, struct ctl_call *call)
{
	struct popd_env *e = user;
	int rc = store_begin(e->store);

	if (rc < 0)
		return ctl_call_fail(call, rc, "InternalFailure", "begin: %d", rc);
	rc = cmd->handler(call);
	if (rc < 0) {
		store_rollback(e->store);
		return rc;
	}
	rc = store_commit(e->store);
	if (rc < 0)
		return ctl_call_fail(call, rc, "InternalFailure", "commit: %d", rc);
	publish(store_take_dirty(e->store));
	return 0;
}

/* The data plane's workers all move to the newest generation of every kind. */
static void dataplane_applies(void)
{
	for (unsigned k = 0; k < TABLES_KIND_MAX; k++)
		tables_root_set_applied(env.root, (enum tables_kind)k,
					tables_root_published(env.root, (enum tables_kind)k));
}

/* Run a command; returns the whole response object (caller decrefs). Steals args. */
static json_t *run(const char *command, json_t *args)
{
	json_t *req = json_pack("{s:i, s:s, s:o}", "id", 1, "command", command, "args",
				args != NULL ? args : json_object());
	char *line = json_dumps(req, JSON_COMPACT), *resp = NULL;
	size_t resp_len = 0;
	json_t *out = NULL;

	json_decref(req);
	if (line != NULL &&
	    ctl_server_execute(srv, NULL, line, strlen(line), &resp, &resp_len) >= 0)
		out = json_loadb(resp, resp_len, 0, NULL);
	free(line);
	free(resp);
	return out;
}

/* Run a command that must succeed; its result (caller decrefs), or NULL. */
static json_t *ok(const char *command, json_t *args)
{
	json_t *r = run(command, args), *result = NULL;

	if (r != NULL && json_is_true(json_object_get(r, "ok"))) {
		result = json_incref(json_object_get(r, "result"));
	} else {
		char *s = r != NULL ? json_dumps(r, JSON_COMPACT) : NULL;
		printf("#   %s failed: %s\n", command, s != NULL ? s : "(no response)");
		free(s);
	}
	json_decref(r);
	return result;
}

/* Run a command that must fail with @p code and a message starting with @p where. */
static int fails(const char *command, json_t *args, const char *code, const char *where)
{
	json_t *r = run(command, args);
	const json_t *e = json_object_get(r, "error");
	const char *got = json_string_value(json_object_get(e, "code"));
	const char *msg = json_string_value(json_object_get(e, "message"));
	int good = r != NULL && json_is_false(json_object_get(r, "ok")) && got != NULL &&
		   strcmp(got, code) == 0 &&
		   (where == NULL || (msg != NULL && strncmp(msg, where, strlen(where)) == 0));

	if (!good) {
		char *s = r != NULL ? json_dumps(r, JSON_COMPACT) : NULL;
		printf("#   %s: wanted %s at \"%s\", got %s\n", command, code, where ? where : "",
		       s != NULL ? s : "(no response)");
		free(s);
	}
	json_decref(r);
	return good;
}

static json_t *parse(const char *text)
{
	json_error_t err;
	json_t *j = json_loads(text, JSON_DECODE_ANY, &err);

	if (j == NULL)
		printf("# bad JSON in the test: %s at %d\n", err.text, err.position);
	return j;
}

static const char *str_at(const json_t *j, const char *a, const char *b, const char *c)
{
	const json_t *v = json_object_get(j, a);

	if (b != NULL)
		v = json_object_get(v, b);
	if (c != NULL)
		v = json_object_get(v, c);
	return json_is_string(v) ? json_string_value(v) : "";
}

/* A distribution config with every kind of origin and behavior. */
static json_t *base_config(const char *ref, const char *alias)
{
	json_t *cfg = parse(
	    "{\"CallerReference\":\"x\",\"Comment\":\"test distribution\",\"Enabled\":true,"
	    "\"Aliases\":{\"Quantity\":1,\"Items\":[\"x\"]},"
	    "\"DefaultRootObject\":\"index.html\","
	    "\"Origins\":{\"Quantity\":2,\"Items\":["
	    "{\"Id\":\"site\",\"DomainName\":\"site-bucket.s3.amazonaws.com\","
	    "\"S3OriginConfig\":{\"OriginAccessIdentity\":\"\"}},"
	    "{\"Id\":\"api\",\"DomainName\":\"api.example.net\",\"CustomOriginConfig\":{"
	    "\"HTTPPort\":80,\"HTTPSPort\":443,\"OriginProtocolPolicy\":\"https-only\"}}]},"
	    "\"OriginGroups\":{\"Quantity\":1,\"Items\":[{\"Id\":\"api-group\","
	    "\"FailoverCriteria\":{\"StatusCodes\":{\"Quantity\":2,\"Items\":[500,503]}},"
	    "\"Members\":{\"Quantity\":2,\"Items\":[{\"OriginId\":\"api\"},{\"OriginId\":\"site\"}]"
	    "}}]},"
	    "\"DefaultCacheBehavior\":{\"TargetOriginId\":\"site\","
	    "\"ViewerProtocolPolicy\":\"redirect-to-https\","
	    "\"CachePolicyId\":\"" CACHING_OPTIMIZED "\","
	    "\"ResponseHeadersPolicyId\":\"" SECURITY_HEADERS "\"},"
	    "\"CacheBehaviors\":{\"Quantity\":3,\"Items\":["
	    "{\"PathPattern\":\"/api/*\",\"TargetOriginId\":\"api-group\","
	    "\"ViewerProtocolPolicy\":\"https-only\",\"CachePolicyId\":\"" CACHING_DISABLED "\","
	    "\"OriginRequestPolicyId\":\"" ALL_VIEWER "\",\"AllowedMethods\":{\"Quantity\":7,"
	    "\"Items\":[\"GET\",\"HEAD\",\"OPTIONS\",\"PUT\",\"POST\",\"PATCH\",\"DELETE\"],"
	    "\"CachedMethods\":{\"Quantity\":2,\"Items\":[\"GET\",\"HEAD\"]}}},"
	    "{\"PathPattern\":\"images/*.jpg\",\"TargetOriginId\":\"site\","
	    "\"ViewerProtocolPolicy\":\"allow-all\",\"CachePolicyId\":\"" CACHING_OPTIMIZED "\"},"
	    "{\"PathPattern\":\"/legacy/*\",\"TargetOriginId\":\"api\","
	    "\"ViewerProtocolPolicy\":\"allow-all\",\"ForwardedValues\":{\"QueryString\":true,"
	    "\"Cookies\":{\"Forward\":\"none\"}},\"MinTTL\":0,\"DefaultTTL\":60,\"MaxTTL\":300}]},"
	    "\"CustomErrorResponses\":{\"Quantity\":1,\"Items\":[{\"ErrorCode\":404,"
	    "\"ResponsePagePath\":\"/index.html\",\"ResponseCode\":\"200\","
	    "\"ErrorCachingMinTTL\":10}]}}");

	if (cfg == NULL)
		return NULL;
	json_object_set_new(cfg, "CallerReference", json_string(ref));
	json_array_set_new(json_object_get(json_object_get(cfg, "Aliases"), "Items"), 0,
			   json_string(alias));
	return cfg;
}

/*
 * The value at a path like "CacheBehaviors.Items[2].PathPattern" (creating
 * nothing); with @p value, set it there (NULL value: remove the member).
 */
static json_t *path_at(json_t *root, const char *path, json_t *value, bool set)
{
	char buf[256], *save = NULL, *tok;
	json_t *cur = root, *parent = NULL;
	char last[64] = "";
	long index = -1;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok != NULL; tok = strtok_r(NULL, ".", &save)) {
		char *br = strchr(tok, '[');
		parent = cur;
		index = -1;
		if (br != NULL) {
			*br = '\0';
			index = strtol(br + 1, NULL, 10);
		}
		snprintf(last, sizeof(last), "%s", tok);
		cur = json_object_get(cur, tok);
		if (index >= 0) {
			parent = cur;
			cur = json_array_get(cur, (size_t)index);
		}
	}
	if (set) {
		if (index >= 0)
			json_array_set_new(parent, (size_t)index, value);
		else if (value == NULL)
			json_object_del(parent, last);
		else
			json_object_set_new(parent, last, value);
	}
	return cur;
}

static void set_json(json_t *root, const char *path, const char *value_json)
{
	path_at(root, path, value_json != NULL ? parse(value_json) : NULL, true);
}

static json_t *dist_args(json_t *cfg)
{
	return json_pack("{s:o}", "DistributionConfig", cfg);
}

static uint64_t published(enum tables_kind k)
{
	return tables_root_published(env.root, k);
}

/* ------------------------------------------------------------------ tests */

static void test_buckets(void)
{
	json_t *r;

	CHECK(fails("cloudfront put-bucket-directory",
		    json_pack("{s:s, s:s}", "Bucket", "Bad_Bucket", "Directory", bucket_dir),
		    "InvalidBucketName", "Bucket:"));
	CHECK(fails("cloudfront put-bucket-directory",
		    json_pack("{s:s, s:s}", "Bucket", "site-bucket", "Directory", "relative/dir"),
		    "InvalidArgument", "Directory:"));
	CHECK(fails("cloudfront put-bucket-directory",
		    json_pack("{s:s, s:s}", "Bucket", "site-bucket", "Directory", "/nonexistent/x"),
		    "InvalidArgument", "Directory:"));
	CHECK(fails("cloudfront put-bucket-directory", json_pack("{s:s}", "Bucket", "site-bucket"),
		    "MissingParameter", NULL));
	r = ok("cloudfront put-bucket-directory",
	       json_pack("{s:s, s:s}", "Bucket", "site-bucket", "Directory", other_dir));
	CHECK(r != NULL);
	json_decref(r);
	r = ok("cloudfront list-bucket-directories", NULL);
	CHECK(r != NULL && json_array_size(json_object_get(r, "Buckets")) == 1);
	CHECK(strcmp(
		  str_at(json_array_get(json_object_get(r, "Buckets"), 0), "Directory", NULL, NULL),
		  other_dir) == 0);
	json_decref(r);
	CHECK(fails("cloudfront delete-bucket-directory",
		    json_pack("{s:s}", "Bucket", "nope-bucket"), "NoSuchBucket", NULL));
}

/* The managed policies exist, read back as the API shows them, and are valid configs. */
static void test_managed_policies(void)
{
	static const struct {
		const char *kind, *id, *name, *copy_error;
	} managed[] = {
	    {"cache-policy", CACHING_OPTIMIZED, "Managed-CachingOptimized", NULL},
	    {"cache-policy", CACHING_DISABLED, "Managed-CachingDisabled", NULL},
	    {"cache-policy", "b2884449-e4de-46a7-ac36-70bc7f1ddd6d",
	     "Managed-CachingOptimizedForUncompressedObjects", NULL},
	    {"cache-policy", "08627262-05a9-4f76-9ded-b50ca2e3a84f",
	     "Managed-Elemental-MediaPackage", NULL},
	    {"cache-policy", "2e54312d-136d-493c-8eb9-b001f22f67d2", "Managed-Amplify", NULL},
	    {"cache-policy", "83da9c7e-98b4-4e11-a168-04f0df8e2c65",
	     "Managed-UseOriginCacheControlHeaders", NULL},
	    {"cache-policy", "4cc15a8a-d715-48a4-82b8-cc0b614638fe",
	     "Managed-UseOriginCacheControlHeaders-QueryStrings", NULL},
	    {"origin-request-policy", ALL_VIEWER, "Managed-AllViewer", NULL},
	    {"origin-request-policy", "33f36d7e-f396-46d9-90e0-52428a34d9dc",
	     "Managed-AllViewerAndCloudFrontHeaders-2022-06",
	     "TooManyHeadersInOriginRequestPolicy"},
	    {"origin-request-policy", "b689b0a8-53d0-40ab-baf2-68738e2966ac",
	     "Managed-AllViewerExceptHostHeader", "InvalidArgument"},
	    {"origin-request-policy", "59781a5b-3903-41f3-afcb-af62929ccde1",
	     "Managed-CORS-CustomOrigin", NULL},
	    {"origin-request-policy", "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf",
	     "Managed-CORS-S3Origin", NULL},
	    {"origin-request-policy", "775133bc-15f2-49f9-abea-afb2e0bf67d2",
	     "Managed-Elemental-MediaTailor-PersonalizedManifests", NULL},
	    {"origin-request-policy", "acba4595-bd28-49b8-b9fe-13317c0390fa",
	     "Managed-UserAgentRefererHeaders", NULL},
	    {"response-headers-policy", "60669652-455b-4ae9-85a4-c4c02393f86c",
	     "Managed-SimpleCORS", NULL},
	    {"response-headers-policy", "5cc3b908-e619-4b99-88e5-2cf7f45965bd",
	     "Managed-CORS-With-Preflight", NULL},
	    {"response-headers-policy", SECURITY_HEADERS, "Managed-SecurityHeadersPolicy", NULL},
	    {"response-headers-policy", "e61eb60c-9c35-4d20-a928-2b84e02af89c",
	     "Managed-CORS-and-SecurityHeadersPolicy", NULL},
	    {"response-headers-policy", "eaab4381-ed33-4a86-88ca-d9558dc6cd63",
	     "Managed-CORS-with-preflight-and-SecurityHeadersPolicy", NULL},
	};
	static const char *const nouns[] = {"CachePolicy", "OriginRequestPolicy",
					    "ResponseHeadersPolicy"};
	static const char *const configs[] = {"CachePolicyConfig", "OriginRequestPolicyConfig",
					      "ResponseHeadersPolicyConfig"};

	for (size_t i = 0; i < sizeof(managed) / sizeof(managed[0]); i++) {
		char cmd[96];
		int k = managed[i].kind[0] == 'c' ? 0 : managed[i].kind[0] == 'o' ? 1 : 2;
		json_t *r, *cfg, *created;

		snprintf(cmd, sizeof(cmd), "cloudfront get-%s", managed[i].kind);
		r = ok(cmd, json_pack("{s:s}", "Id", managed[i].id));
		CHECK(r != NULL);
		if (r == NULL)
			continue;
		CHECK(strcmp(str_at(r, nouns[k], configs[k], "Name"), managed[i].name) == 0);
		CHECK(strlen(str_at(r, "ETag", NULL, NULL)) > 0);
		/* A copy under another name goes through the same validation as any config. */
		cfg = json_deep_copy(json_object_get(json_object_get(r, nouns[k]), configs[k]));
		json_object_set_new(cfg, "Name", json_string("Copy"));
		snprintf(cmd, sizeof(cmd), "cloudfront create-%s", managed[i].kind);
		if (managed[i].copy_error != NULL) {
			CHECK(fails(cmd, json_pack("{s:o}", configs[k], cfg), managed[i].copy_error,
				    configs[k]));
		} else {
			created = ok(cmd, json_pack("{s:o}", configs[k], cfg));
			CHECK(created != NULL);
			snprintf(cmd, sizeof(cmd), "cloudfront delete-%s", managed[i].kind);
			if (created != NULL)
				json_decref(ok(
				    cmd, json_pack("{s:s, s:s}", "Id",
						   str_at(created, nouns[k], "Id", NULL), "IfMatch",
						   str_at(created, "ETag", NULL, NULL))));
			json_decref(created);
		}
		json_decref(r);
	}
	/* Managed policies cannot change. */
	CHECK(fails("cloudfront update-cache-policy",
		    json_pack("{s:s, s:s, s:{s:s, s:i}}", "Id", CACHING_OPTIMIZED, "IfMatch",
			      "E3UN6WX5RRO2AG", "CachePolicyConfig", "Name", "x", "MinTTL", 0),
		    "IllegalUpdate", NULL));
	CHECK(fails("cloudfront delete-cache-policy",
		    json_pack("{s:s, s:s}", "Id", CACHING_OPTIMIZED, "IfMatch", "E3UN6WX5RRO2AG"),
		    "IllegalDelete", NULL));
	CHECK(fails("cloudfront delete-response-headers-policy",
		    json_pack("{s:s, s:s}", "Id", SECURITY_HEADERS, "IfMatch", "x"),
		    "IllegalDelete", NULL));
	CHECK(fails("cloudfront get-cache-policy", json_pack("{s:s}", "Id", "nope"),
		    "NoSuchCachePolicy", NULL));
}

static json_t *created_dist;

static void test_create_and_deploy(void)
{
	json_t *cfg = base_config("ref-main", "www.example.com"), *r;
	const char *id, *domain;
	uint64_t before = published(TABLES_KIND_EDGE);

	r = ok("cloudfront put-bucket-directory",
	       json_pack("{s:s, s:s}", "Bucket", "site-bucket", "Directory", bucket_dir));
	json_decref(r);
	created_dist = ok("cloudfront create-distribution", dist_args(cfg));
	CHECK(created_dist != NULL);
	if (created_dist == NULL)
		return;
	id = str_at(created_dist, "Distribution", "Id", NULL);
	domain = str_at(created_dist, "Distribution", "DomainName", NULL);
	CHECK(id[0] == 'E' && strlen(id) == 14);
	CHECK(strlen(domain) == 14 + strlen(".cloudfront.net") && domain[0] == 'd' &&
	      strstr(domain, ".cloudfront.net") != NULL);
	CHECK(strncmp(str_at(created_dist, "Location", NULL, NULL),
		      "https://cloudfront.amazonaws.com/2020-05-31/distribution/E", 58) == 0);
	CHECK(strncmp(str_at(created_dist, "Distribution", "ARN", NULL),
		      "arn:aws:cloudfront::000000000000:distribution/E", 47) == 0);
	CHECK(strlen(str_at(created_dist, "ETag", NULL, NULL)) == 14);
	/* Published, not yet applied by the data plane. */
	CHECK_EQ(published(TABLES_KIND_EDGE), before + 1);
	CHECK(strcmp(str_at(created_dist, "Distribution", "Status", NULL), "InProgress") == 0);
	r = ok("cloudfront get-distribution", json_pack("{s:s}", "Id", id));
	CHECK(r != NULL && strcmp(str_at(r, "Distribution", "Status", NULL), "InProgress") == 0);
	json_decref(r);
	dataplane_applies();
	r = ok("cloudfront get-distribution", json_pack("{s:s}", "Id", id));
	CHECK(r != NULL && strcmp(str_at(r, "Distribution", "Status", NULL), "Deployed") == 0);
	CHECK(r != NULL &&
	      strcmp(str_at(r, "ETag", NULL, NULL), str_at(created_dist, "ETag", NULL, NULL)) == 0);
	json_decref(r);
	/* The config comes back with CloudFront's defaults filled in. */
	r = ok("cloudfront get-distribution-config", json_pack("{s:s}", "Id", id));
	CHECK(r != NULL);
	if (r != NULL) {
		const json_t *c = json_object_get(r, "DistributionConfig");
		CHECK(strcmp(str_at(c, "PriceClass", NULL, NULL), "PriceClass_All") == 0);
		CHECK(strcmp(str_at(c, "HttpVersion", NULL, NULL), "http2") == 0);
		CHECK(json_is_true(json_object_get(json_object_get(c, "ViewerCertificate"),
						   "CloudFrontDefaultCertificate")));
		CHECK(json_integer_value(path_at((json_t *)c, "Origins.Items[1].ConnectionAttempts",
						 NULL, false)) == 3);
		CHECK(json_integer_value(path_at(
			  (json_t *)c, "Origins.Items[1].CustomOriginConfig.OriginReadTimeout",
			  NULL, false)) == 30);
		CHECK(json_integer_value(path_at((json_t *)c,
						 "DefaultCacheBehavior.AllowedMethods.Quantity",
						 NULL, false)) == 2);
		CHECK(strcmp(str_at(c, "Restrictions", "GeoRestriction", "RestrictionType"),
			     "none") == 0);
		CHECK(strcmp(str_at(r, "ETag", NULL, NULL),
			     str_at(created_dist, "ETag", NULL, NULL)) == 0);
	}
	json_decref(r);
	CHECK(fails("cloudfront get-distribution", json_pack("{s:s}", "Id", "ENOPE"),
		    "NoSuchDistribution", NULL));
	CHECK(fails("cloudfront get-distribution", NULL, "MissingParameter", NULL));
	CHECK(fails("cloudfront get-distribution", json_pack("{s:s, s:s}", "Id", id, "Bogus", "x"),
		    "InvalidArgument", NULL));
}

/* The edge table compiled from the store: hosts, behaviors, origins, policies. */
static void test_edge_table(void)
{
	struct tables_snapshot *s = NULL;
	const struct edge_top *t;
	const struct edge_distribution_rec *d;
	const struct edge_behavior_rec *b;
	const struct edge_origin_rec *o;
	hs_database_t *db = NULL;
	hs_scratch_t *scratch = NULL;
	const char *bytes;
	size_t len;

	CHECK_EQ(tables_snapshot_map(tables_dir, TABLES_KIND_EDGE, published(TABLES_KIND_EDGE), &s),
		 0);
	if (s == NULL)
		return;
	t = edge_table_check(s);
	CHECK(t != NULL);
	if (t == NULL)
		goto out;
	d = edge_find_host(s, t, "www.example.com", 15, NULL);
	CHECK(d != NULL);
	if (d == NULL)
		goto out;
	CHECK(strcmp(edge_str(s, &d->id), str_at(created_dist, "Distribution", "Id", NULL)) == 0);
	CHECK(edge_find_host(s, t, str_at(created_dist, "Distribution", "DomainName", NULL),
			     strlen(str_at(created_dist, "Distribution", "DomainName", NULL)),
			     NULL) == d);
	CHECK_EQ(d->n_behaviors, 3);
	CHECK_EQ(d->n_origins, 2);
	o = edge_origin(s, d, 0);
	CHECK(o != NULL && o->kind == EDGE_ORIGIN_DIRECTORY &&
	      strcmp(edge_str(s, &o->directory), bucket_dir) == 0);
	o = edge_origin(s, d, 1);
	CHECK(o != NULL && o->kind == EDGE_ORIGIN_CUSTOM && o->protocol == EDGE_ORIGIN_HTTPS_ONLY &&
	      o->read_timeout_s == 30 && o->ssl_protocols == EDGE_SSL_TLSV1_2);
	CHECK(edge_origin_group(s, d, 0) != NULL && edge_origin_group(s, d, 0)->primary == 1 &&
	      edge_origin_group(s, d, 0)->status_codes[1] == 503);
	CHECK(edge_error_response(s, d, 0) != NULL &&
	      edge_error_response(s, d, 0)->response_code == 200);
	CHECK_EQ(edge_behavior_database(s, d, &bytes, &len), 0);
	CHECK_EQ(hs_deserialize_database(bytes, len, &db), HS_SUCCESS);
	CHECK_EQ(hs_alloc_scratch(db, &scratch), HS_SUCCESS);
	if (scratch != NULL) {
		const struct edge_cache_policy_rec *cp;
		b = edge_behavior(s, d, edge_match_behavior(db, scratch, "/api/users", 10));
		CHECK(b != NULL && b->target_is_group && b->allowed_methods == EDGE_METHOD_ALL);
		cp = b != NULL ? edge_cache_policy(s, t, b->cache_policy) : NULL;
		CHECK(cp != NULL && strcmp(edge_str(s, &cp->id), CACHING_DISABLED) == 0);
		CHECK(
		    b != NULL &&
		    strcmp(edge_str(
			       s, &edge_origin_request_policy(s, t, b->origin_request_policy)->id),
			   ALL_VIEWER) == 0);
		b = edge_behavior(s, d, edge_match_behavior(db, scratch, "/images/a/cat.jpg", 17));
		CHECK(b != NULL && strcmp(edge_str(s, &b->path_pattern), "images/*.jpg") == 0);
		/* The legacy behavior got a cache policy of its own from its ForwardedValues. */
		b = edge_behavior(s, d, edge_match_behavior(db, scratch, "/legacy/x", 9));
		cp = b != NULL ? edge_cache_policy(s, t, b->cache_policy) : NULL;
		CHECK(cp != NULL && cp->max_ttl_s == 300 && cp->default_ttl_s == 60 &&
		      cp->query_string_behavior == EDGE_SELECT_ALL);
		b = edge_behavior(s, d, edge_match_behavior(db, scratch, "/index.html", 11));
		CHECK(b != NULL && b == edge_behavior(s, d, EDGE_BEHAVIOR_DEFAULT));
		CHECK(b != NULL && b->viewer_protocol == EDGE_VIEWER_REDIRECT_TO_HTTPS);
		CHECK(b != NULL && strcmp(edge_str(s, &edge_response_headers_policy(
							   s, t, b->response_headers_policy)
							   ->strict_transport_security),
					  "max-age=31536000") == 0);
	}
out:
	hs_free_scratch(scratch);
	hs_free_database(db);
	tables_snapshot_unmap(s);
}

/* One validation rule: a change to the base config, the error and where it points. */
struct rule {
	const char *path, *value; /* value: JSON, or NULL to remove the member */
	const char *code, *where;
};

static const struct rule rules[] = {
    {"Origins.Quantity", "3", "InconsistentQuantities", "DistributionConfig.Origins.Quantity:"},
    {"CacheBehaviors.Quantity", "2", "InconsistentQuantities",
     "DistributionConfig.CacheBehaviors.Quantity:"},
    {"CacheBehaviors.Items[0].AllowedMethods.CachedMethods.Quantity", "3", "InconsistentQuantities",
     "DistributionConfig.CacheBehaviors.Items[0].AllowedMethods."},
    {"Bogus", "1", "InvalidArgument", "DistributionConfig: unknown member \"Bogus\""},
    {"Origins.Items[0].Bogus", "1", "InvalidArgument",
     "DistributionConfig.Origins.Items[0]: unknown member"},
    {"Comment", NULL, "InvalidArgument", "DistributionConfig.Comment: missing required"},
    {"Enabled", "\"yes\"", "InvalidArgument", "DistributionConfig.Enabled: expected a boolean"},
    {"DefaultCacheBehavior.ViewerProtocolPolicy", "\"sometimes\"", "InvalidArgument",
     "DistributionConfig.DefaultCacheBehavior.ViewerProtocolPolicy: \"sometimes\" is not one"},
    {"PriceClass", "\"PriceClass_1\"", "InvalidArgument", "DistributionConfig.PriceClass:"},
    {"CallerReference", "\"\"", "InvalidArgument", "DistributionConfig.CallerReference:"},
    {"Comment",
     "\"0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567"
     "890123456789012345678901234567890123456789\"",
     "InvalidArgument", "DistributionConfig.Comment: at most 128"},
    {"Aliases.Items[0]", "\"bad_name!.example.com\"", "InvalidArgument",
     "DistributionConfig.Aliases.Items[0]:"},
    {"Aliases.Items[0]", "\"www.*.example.com\"", "InvalidArgument",
     "DistributionConfig.Aliases.Items[0]:"},
    {"Aliases", "{\"Quantity\":2,\"Items\":[\"a.example.com\",\"A.example.com\"]}",
     "InvalidArgument", "DistributionConfig.Aliases.Items[1]: A.example.com is listed twice"},
    {"Aliases.Items[0]", "\"WWW.EXAMPLE.COM\"", "CNAMEAlreadyExists",
     "DistributionConfig.Aliases.Items[0]: www.example.com is already"},
    {"DefaultRootObject", "\"/index.html\"", "InvalidDefaultRootObject",
     "DistributionConfig.DefaultRootObject:"},
    {"DefaultRootObject", "\"index html\"", "InvalidDefaultRootObject",
     "DistributionConfig.DefaultRootObject:"},
    {"Origins.Items[1].Id", "\"site\"", "InvalidArgument",
     "DistributionConfig.Origins.Items[1].Id: origin id site is used twice"},
    {"Origins.Items[1].DomainName", "\"not a host\"", "InvalidArgument",
     "DistributionConfig.Origins.Items[1].DomainName:"},
    {"Origins.Items[1].OriginPath", "\"no-slash\"", "InvalidArgument",
     "DistributionConfig.Origins.Items[1].OriginPath:"},
    {"Origins.Items[1].OriginPath", "\"/trailing/\"", "InvalidArgument",
     "DistributionConfig.Origins.Items[1].OriginPath:"},
    {"Origins.Items[0].DomainName", "\"site.example.com\"", "InvalidOrigin",
     "DistributionConfig.Origins.Items[0].DomainName: site.example.com is not an S3"},
    {"Origins.Items[0].DomainName", "\"unmapped-bucket.s3.us-west-2.amazonaws.com\"",
     "InvalidOrigin", "DistributionConfig.Origins.Items[0].DomainName: bucket unmapped-bucket"},
    {"Origins.Items[0].CustomOriginConfig",
     "{\"HTTPPort\":80,\"HTTPSPort\":443,\"OriginProtocolPolicy\":\"http-only\"}",
     "InvalidArgument", "DistributionConfig.Origins.Items[0]: exactly one of"},
    {"Origins.Items[1].CustomOriginConfig", NULL, "InvalidArgument",
     "DistributionConfig.Origins.Items[1]: exactly one of"},
    {"Origins.Items[0].S3OriginConfig.OriginAccessIdentity", "\"E123\"",
     "InvalidOriginAccessIdentity", "DistributionConfig.Origins.Items[0].S3OriginConfig."},
    {"Origins.Items[1].CustomOriginConfig.HTTPPort", "81", "InvalidArgument",
     "DistributionConfig.Origins.Items[1].CustomOriginConfig.HTTPPort: 81 is not allowed"},
    {"Origins.Items[1].CustomOriginConfig.OriginProtocolPolicy", "\"ftp\"", "InvalidArgument",
     "DistributionConfig.Origins.Items[1].CustomOriginConfig.OriginProtocolPolicy:"},
    {"Origins.Items[1].CustomOriginConfig.OriginReadTimeout", "61", "InvalidOriginReadTimeout",
     "DistributionConfig.Origins.Items[1].CustomOriginConfig.OriginReadTimeout:"},
    {"Origins.Items[1].CustomOriginConfig.OriginKeepaliveTimeout", "0",
     "InvalidOriginKeepaliveTimeout",
     "DistributionConfig.Origins.Items[1].CustomOriginConfig.OriginKeepaliveTimeout:"},
    {"Origins.Items[1].CustomOriginConfig.OriginSslProtocols",
     "{\"Quantity\":1,\"Items\":[\"TLSv1.3\"]}", "InvalidArgument",
     "DistributionConfig.Origins.Items[1].CustomOriginConfig.OriginSslProtocols.Items[0]:"},
    {"Origins.Items[1].ConnectionAttempts", "4", "InvalidArgument",
     "DistributionConfig.Origins.Items[1].ConnectionAttempts:"},
    {"Origins.Items[1].ConnectionTimeout", "11", "InvalidArgument",
     "DistributionConfig.Origins.Items[1].ConnectionTimeout:"},
    {"Origins.Items[1].OriginShield", "{\"Enabled\":true}", "InvalidArgument",
     "DistributionConfig.Origins.Items[1].OriginShield.OriginShieldRegion:"},
    {"Origins.Items[1].CustomHeaders",
     "{\"Quantity\":1,\"Items\":[{\"HeaderName\":\"Host\",\"HeaderValue\":\"x\"}]}",
     "InvalidArgument", "DistributionConfig.Origins.Items[1].CustomHeaders.Items[0].HeaderName:"},
    {"Origins.Items[1].CustomHeaders",
     "{\"Quantity\":1,\"Items\":[{\"HeaderName\":\"X-Amz-Foo\",\"HeaderValue\":\"x\"}]}",
     "InvalidArgument", "DistributionConfig.Origins.Items[1].CustomHeaders.Items[0].HeaderName:"},
    {"OriginGroups.Items[0].Members.Items[1].OriginId", "\"nowhere\"", "NoSuchOrigin",
     "DistributionConfig.OriginGroups.Items[0].Members.Items[1].OriginId:"},
    {"OriginGroups.Items[0].Members.Items[1].OriginId", "\"api\"", "InvalidArgument",
     "DistributionConfig.OriginGroups.Items[0].Members.Items[1].OriginId:"},
    {"OriginGroups.Items[0].Members", "{\"Quantity\":1,\"Items\":[{\"OriginId\":\"api\"}]}",
     "InvalidArgument", "DistributionConfig.OriginGroups.Items[0].Members.Items: at least 2"},
    {"OriginGroups.Items[0].FailoverCriteria.StatusCodes", "{\"Quantity\":2,\"Items\":[500,418]}",
     "InvalidArgument",
     "DistributionConfig.OriginGroups.Items[0].FailoverCriteria.StatusCodes.Items[1]: 418"},
    {"OriginGroups.Items[0].Id", "\"api\"", "InvalidArgument",
     "DistributionConfig.OriginGroups.Items[0].Id:"},
    {"DefaultCacheBehavior.TargetOriginId", "\"nowhere\"", "NoSuchOrigin",
     "DistributionConfig.DefaultCacheBehavior.TargetOriginId:"},
    {"CacheBehaviors.Items[1].TargetOriginId", "\"nowhere\"", "NoSuchOrigin",
     "DistributionConfig.CacheBehaviors.Items[1].TargetOriginId:"},
    {"CacheBehaviors.Items[2].PathPattern", "\"/bad path\"", "InvalidArgument",
     "DistributionConfig.CacheBehaviors.Items[2].PathPattern: byte 0x20 at offset 4"},
    {"CacheBehaviors.Items[2].PathPattern", "\"/a%20b\"", "InvalidArgument",
     "DistributionConfig.CacheBehaviors.Items[2].PathPattern: character '%'"},
    {"CacheBehaviors.Items[2].PathPattern", "\"\"", "InvalidArgument",
     "DistributionConfig.CacheBehaviors.Items[2].PathPattern: the path pattern is empty"},
    {"CacheBehaviors.Items[2].PathPattern", "\"/images/*.jpg\"", "InvalidArgument",
     "DistributionConfig.CacheBehaviors.Items[2].PathPattern: the path pattern /images/*.jpg "
     "is already used by CacheBehaviors.Items[1]"},
    {"CacheBehaviors.Items[1].CachePolicyId", "\"00000000-0000-0000-0000-000000000000\"",
     "NoSuchCachePolicy", "DistributionConfig.CacheBehaviors.Items[1].CachePolicyId:"},
    {"CacheBehaviors.Items[0].OriginRequestPolicyId", "\"nope\"", "NoSuchOriginRequestPolicy",
     "DistributionConfig.CacheBehaviors.Items[0].OriginRequestPolicyId:"},
    {"DefaultCacheBehavior.ResponseHeadersPolicyId", "\"nope\"", "NoSuchResponseHeadersPolicy",
     "DistributionConfig.DefaultCacheBehavior.ResponseHeadersPolicyId:"},
    {"DefaultCacheBehavior.CachePolicyId", NULL, "InvalidArgument",
     "DistributionConfig.DefaultCacheBehavior: a behavior needs a CachePolicyId"},
    {"DefaultCacheBehavior.MinTTL", "0", "InvalidArgument",
     "DistributionConfig.DefaultCacheBehavior.MinTTL: MinTTL cannot be used with a cache"},
    {"CacheBehaviors.Items[2].MinTTL", "600", "InvalidTTLOrder",
     "DistributionConfig.CacheBehaviors.Items[2]: MinTTL (600) <= DefaultTTL (60)"},
    {"CacheBehaviors.Items[2].ForwardedValues.Cookies", "{\"Forward\":\"whitelist\"}",
     "InvalidForwardCookies",
     "DistributionConfig.CacheBehaviors.Items[2].ForwardedValues.Cookies:"},
    {"CacheBehaviors.Items[2].ForwardedValues.Cookies",
     "{\"Forward\":\"whitelist\",\"WhitelistedNames\":{\"Quantity\":11,\"Items\":[\"a\",\"b\","
     "\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\",\"k\"]}}",
     "TooManyCookieNamesInWhiteList",
     "DistributionConfig.CacheBehaviors.Items[2].ForwardedValues.Cookies:"},
    {"CacheBehaviors.Items[2].ForwardedValues",
     "{\"QueryString\":false,\"Cookies\":{\"Forward\":\"none\"},\"QueryStringCacheKeys\":{"
     "\"Quantity\":1,\"Items\":[\"a\"]}}",
     "InvalidQueryStringParameters",
     "DistributionConfig.CacheBehaviors.Items[2].ForwardedValues.QueryStringCacheKeys:"},
    {"CacheBehaviors.Items[1].AllowedMethods", "{\"Quantity\":2,\"Items\":[\"GET\",\"POST\"]}",
     "InvalidArgument",
     "DistributionConfig.CacheBehaviors.Items[1].AllowedMethods: allowed methods must be"},
    {"CacheBehaviors.Items[1].AllowedMethods",
     "{\"Quantity\":2,\"Items\":[\"GET\",\"HEAD\"],\"CachedMethods\":{\"Quantity\":3,"
     "\"Items\":[\"GET\",\"HEAD\",\"OPTIONS\"]}}",
     "InvalidArgument",
     "DistributionConfig.CacheBehaviors.Items[1].AllowedMethods.CachedMethods: cached methods "
     "must be among"},
    {"CacheBehaviors.Items[1].TrustedKeyGroups",
     "{\"Enabled\":true,\"Quantity\":1,\"Items\":[\"K123\"]}", "TrustedKeyGroupDoesNotExist",
     "DistributionConfig.CacheBehaviors.Items[1].TrustedKeyGroups:"},
    {"CacheBehaviors.Items[1].TrustedSigners",
     "{\"Enabled\":true,\"Quantity\":1,\"Items\":[\"self\"]}", "TrustedSignerDoesNotExist",
     "DistributionConfig.CacheBehaviors.Items[1].TrustedSigners:"},
    {"CacheBehaviors.Items[1].LambdaFunctionAssociations",
     "{\"Quantity\":1,\"Items\":[{\"LambdaFunctionARN\":\"arn:aws:lambda:us-east-1:1:function:"
     "f:1\",\"EventType\":\"viewer-request\"}]}",
     "InvalidLambdaFunctionAssociation",
     "DistributionConfig.CacheBehaviors.Items[1].LambdaFunctionAssociations:"},
    {"DefaultCacheBehavior.FunctionAssociations",
     "{\"Quantity\":1,\"Items\":[{\"FunctionARN\":\"arn:aws:cloudfront::123456789012:function/"
     "f\",\"EventType\":\"viewer-request\"}]}",
     "InvalidFunctionAssociation",
     "DistributionConfig.DefaultCacheBehavior.FunctionAssociations.Items[0]:"},
    {"DefaultCacheBehavior.FieldLevelEncryptionId", "\"F1\"", "NoSuchFieldLevelEncryptionConfig",
     NULL},
    {"DefaultCacheBehavior.RealtimeLogConfigArn", "\"arn:x\"", "NoSuchRealtimeLogConfig", NULL},
    {"CustomErrorResponses.Items[0].ErrorCode", "418", "InvalidErrorCode",
     "DistributionConfig.CustomErrorResponses.Items[0].ErrorCode: 418"},
    {"CustomErrorResponses.Items[0].ResponseCode", "\"299\"", "InvalidResponseCode",
     "DistributionConfig.CustomErrorResponses.Items[0].ResponseCode:"},
    {"CustomErrorResponses.Items[0].ResponsePagePath", "\"index.html\"", "InvalidRelativePath",
     "DistributionConfig.CustomErrorResponses.Items[0].ResponsePagePath:"},
    {"CustomErrorResponses.Items[0].ResponsePagePath", NULL, "InvalidArgument",
     "DistributionConfig.CustomErrorResponses.Items[0].ResponsePagePath: ResponseCode and"},
    {"CustomErrorResponses", "{\"Quantity\":2,\"Items\":[{\"ErrorCode\":404},{\"ErrorCode\":404}]}",
     "InvalidArgument",
     "DistributionConfig.CustomErrorResponses.Items[1].ErrorCode: 404 is listed twice"},
    {"Logging",
     "{\"Enabled\":true,\"IncludeCookies\":false,\"Bucket\":\"nowhere\",\"Prefix\":\"\"}",
     "InvalidArgument", "DistributionConfig.Logging.Bucket:"},
    {"ViewerCertificate",
     "{\"ACMCertificateArn\":\"arn:aws:acm:eu-west-1:123456789012:certificate/abc\","
     "\"SSLSupportMethod\":\"sni-only\"}",
     "InvalidViewerCertificate", "DistributionConfig.ViewerCertificate.ACMCertificateArn:"},
    {"ViewerCertificate",
     "{\"ACMCertificateArn\":\"arn:aws:acm:us-east-1:123456789012:certificate/abc\"}",
     "InvalidViewerCertificate", "DistributionConfig.ViewerCertificate.SSLSupportMethod:"},
    {"ViewerCertificate",
     "{\"CloudFrontDefaultCertificate\":true,\"IAMCertificateId\":\"ASCA1\","
     "\"SSLSupportMethod\":\"sni-only\"}",
     "InvalidViewerCertificate", "DistributionConfig.ViewerCertificate: give one of"},
    {"ViewerCertificate",
     "{\"IAMCertificateId\":\"ASCA1\",\"SSLSupportMethod\":\"sni-only\","
     "\"MinimumProtocolVersion\":\"SSLv3\"}",
     "InvalidProtocolSettings", "DistributionConfig.ViewerCertificate.MinimumProtocolVersion:"},
    {"Restrictions", "{\"GeoRestriction\":{\"RestrictionType\":\"whitelist\",\"Quantity\":0}}",
     "InvalidGeoRestrictionParameter", "DistributionConfig.Restrictions.GeoRestriction:"},
    {"Restrictions",
     "{\"GeoRestriction\":{\"RestrictionType\":\"blacklist\",\"Quantity\":1,\"Items\":[\"USA\"]}}",
     "InvalidLocationCode", "DistributionConfig.Restrictions.GeoRestriction.Items[0]:"},
    {"WebACLId", "\"arn:aws:wafv2:us-east-1:1:global/webacl/x/1\"", "InvalidWebACLId",
     "DistributionConfig.WebACLId:"},
    {"ContinuousDeploymentPolicyId", "\"abc\"", "NoSuchContinuousDeploymentPolicy", NULL},
    {"Staging", "true", "InvalidArgument", "DistributionConfig.Staging:"},
    {"HttpVersion", "\"http4\"", "InvalidArgument", "DistributionConfig.HttpVersion:"},
};

/* Many items of one kind, for the quotas. */
static json_t *config_with_many(const char *what, int n)
{
	json_t *cfg = base_config("ref-many", "many.example.com"), *items = json_array();
	char buf[64];

	for (int i = 0; i < n; i++) {
		if (strcmp(what, "CacheBehaviors") == 0) {
			snprintf(buf, sizeof(buf), "/p%d/*", i);
			json_array_append_new(
			    items, json_pack("{s:s, s:s, s:s, s:s}", "PathPattern", buf,
					     "TargetOriginId", "site", "ViewerProtocolPolicy",
					     "allow-all", "CachePolicyId", CACHING_OPTIMIZED));
		} else if (strcmp(what, "Origins") == 0) {
			snprintf(buf, sizeof(buf), "o%d", i);
			json_array_append_new(
			    items, json_pack("{s:s, s:s, s:{s:i, s:i, s:s}}", "Id",
					     i == 0   ? "site"
					     : i == 1 ? "api"
						      : buf,
					     "DomainName", "o.example.net", "CustomOriginConfig",
					     "HTTPPort", 80, "HTTPSPort", 443,
					     "OriginProtocolPolicy", "http-only"));
		} else if (strcmp(what, "OriginGroups") == 0) {
			snprintf(buf, sizeof(buf), "g%d", i);
			json_array_append_new(
			    items, json_pack("{s:s, s:{s:{s:i, s:[i]}}, s:{s:i, s:[{s:s},{s:s}]}}",
					     "Id", buf, "FailoverCriteria", "StatusCodes",
					     "Quantity", 1, "Items", 500, "Members", "Quantity", 2,
					     "Items", "OriginId", "api", "OriginId", "site"));
		} else if (strcmp(what, "Aliases") == 0) {
			snprintf(buf, sizeof(buf), "a%d.many.example.com", i);
			json_array_append_new(items, json_string(buf));
		} else {
			snprintf(buf, sizeof(buf), "X-Header-%d", i);
			json_array_append_new(
			    items, json_pack("{s:s, s:s}", "HeaderName", buf, "HeaderValue", "v"));
		}
	}
	if (strcmp(what, "CustomHeaders") == 0) {
		json_object_set_new(
		    json_array_get(json_object_get(json_object_get(cfg, "Origins"), "Items"), 1),
		    "CustomHeaders", json_pack("{s:i, s:o}", "Quantity", n, "Items", items));
	} else {
		json_object_set_new(cfg, what,
				    json_pack("{s:i, s:o}", "Quantity", n, "Items", items));
	}
	return cfg;
}

static void test_validation(void)
{
	uint64_t edge_before = published(TABLES_KIND_EDGE);
	json_t *list;
	long long before_count = 0;
	size_t failed = 0;

	list = ok("cloudfront list-distributions", NULL);
	before_count = json_integer_value(
	    json_object_get(json_object_get(list, "DistributionList"), "Quantity"));
	json_decref(list);
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		json_t *cfg = base_config("ref-rule", "rule.example.com");
		set_json(cfg, rules[i].path, rules[i].value);
		if (!fails("cloudfront create-distribution", dist_args(cfg), rules[i].code,
			   rules[i].where)) {
			printf("#   rule %zu (%s) failed\n", i, rules[i].path);
			failed++;
		}
	}
	CHECK_EQ(failed, 0);
	/* The default quotas, each one over. */
	CHECK(fails("cloudfront create-distribution",
		    dist_args(config_with_many("CacheBehaviors", 26)), "TooManyCacheBehaviors",
		    "DistributionConfig.CacheBehaviors: 26 cache behaviors"));
	CHECK(fails("cloudfront create-distribution", dist_args(config_with_many("Origins", 26)),
		    "TooManyOrigins", "DistributionConfig.Origins: 26 origins"));
	CHECK(fails("cloudfront create-distribution",
		    dist_args(config_with_many("OriginGroups", 11)),
		    "TooManyOriginGroupsPerDistribution", "DistributionConfig.OriginGroups:"));
	CHECK(fails("cloudfront create-distribution", dist_args(config_with_many("Aliases", 101)),
		    "TooManyDistributionCNAMEs", "DistributionConfig.Aliases:"));
	CHECK(fails("cloudfront create-distribution",
		    dist_args(config_with_many("CustomHeaders", 11)), "TooManyOriginCustomHeaders",
		    "DistributionConfig.Origins.Items[1].CustomHeaders:"));
	/* Missing bodies and reused caller references. */
	CHECK(fails("cloudfront create-distribution", NULL, "MissingBody", NULL));
	CHECK(fails("cloudfront create-distribution",
		    dist_args(base_config("ref-main", "other.example.com")),
		    "DistributionAlreadyExists", "DistributionConfig.CallerReference:"));
	CHECK(fails("cloudfront create-distribution", json_pack("{s:s}", "DistributionConfig", "x"),
		    "InvalidArgument", "DistributionConfig: expected an object"));
	/* Nothing was stored or published by any of them. */
	CHECK_EQ(published(TABLES_KIND_EDGE), edge_before);
	list = ok("cloudfront list-distributions", NULL);
	CHECK_EQ(json_integer_value(
		     json_object_get(json_object_get(list, "DistributionList"), "Quantity")),
		 before_count);
	json_decref(list);
	CHECK_EQ(store_depth(env.store), 0);
}

/* The quotas at their limit are accepted. */
static void test_quota_limits(void)
{
	json_t *cfg = config_with_many("CacheBehaviors", 25), *r;

	json_object_set_new(cfg, "CallerReference", json_string("ref-25"));
	set_json(cfg, "Aliases.Items[0]", "\"twentyfive.example.com\"");
	r = ok("cloudfront create-distribution", dist_args(cfg));
	CHECK(r != NULL);
	json_decref(r);
	cfg = config_with_many("Aliases", 100);
	json_object_set_new(cfg, "CallerReference", json_string("ref-100"));
	r = ok("cloudfront create-distribution", dist_args(cfg));
	CHECK(r != NULL);
	json_decref(r);
	dataplane_applies();
}

static void test_etag_flow(void)
{
	const char *id = str_at(created_dist, "Distribution", "Id", NULL);
	json_t *r, *cfg;
	char etag1[32], etag2[32];

	r = ok("cloudfront get-distribution-config", json_pack("{s:s}", "Id", id));
	CHECK(r != NULL);
	if (r == NULL)
		return;
	snprintf(etag1, sizeof(etag1), "%s", str_at(r, "ETag", NULL, NULL));
	cfg = json_deep_copy(json_object_get(r, "DistributionConfig"));
	json_decref(r);
	set_json(cfg, "Comment", "\"changed\"");
	/* IfMatch missing, stale, then right. */
	CHECK(fails("cloudfront update-distribution",
		    json_pack("{s:s, s:O}", "Id", id, "DistributionConfig", cfg),
		    "InvalidIfMatchVersion", NULL));
	CHECK(fails(
	    "cloudfront update-distribution",
	    json_pack("{s:s, s:s, s:O}", "Id", id, "IfMatch", "EWRONG", "DistributionConfig", cfg),
	    "PreconditionFailed", NULL));
	r = ok("cloudfront update-distribution",
	       json_pack("{s:s, s:s, s:O}", "Id", id, "IfMatch", etag1, "DistributionConfig", cfg));
	CHECK(r != NULL);
	snprintf(etag2, sizeof(etag2), "%s", str_at(r, "ETag", NULL, NULL));
	CHECK(strlen(etag2) == 14 && strcmp(etag1, etag2) != 0);
	CHECK(strcmp(str_at(r, "Distribution", "Status", NULL), "InProgress") == 0);
	CHECK(strcmp(str_at(r, "Distribution", "DistributionConfig", "Comment"), "changed") == 0);
	json_decref(r);
	/* The old ETag no longer works; the new one does, once. */
	CHECK(fails(
	    "cloudfront update-distribution",
	    json_pack("{s:s, s:s, s:O}", "Id", id, "IfMatch", etag1, "DistributionConfig", cfg),
	    "PreconditionFailed", NULL));
	set_json(cfg, "CallerReference", "\"another\"");
	CHECK(fails(
	    "cloudfront update-distribution",
	    json_pack("{s:s, s:s, s:O}", "Id", id, "IfMatch", etag2, "DistributionConfig", cfg),
	    "IllegalUpdate", "DistributionConfig.CallerReference:"));
	set_json(cfg, "CallerReference", "\"ref-main\"");
	/* Its own aliases do not clash with themselves; another distribution's do. */
	set_json(cfg, "Aliases",
		 "{\"Quantity\":2,\"Items\":[\"www.example.com\",\"a0.many.example.com\"]}");
	CHECK(fails(
	    "cloudfront update-distribution",
	    json_pack("{s:s, s:s, s:O}", "Id", id, "IfMatch", etag2, "DistributionConfig", cfg),
	    "CNAMEAlreadyExists", "DistributionConfig.Aliases.Items[1]:"));
	set_json(cfg, "Aliases",
		 "{\"Quantity\":2,\"Items\":[\"www.example.com\",\"*.example.com\"]}");
	r = ok("cloudfront update-distribution",
	       json_pack("{s:s, s:s, s:O}", "Id", id, "IfMatch", etag2, "DistributionConfig", cfg));
	CHECK(r != NULL && strcmp(str_at(r, "ETag", NULL, NULL), etag2) != 0);
	json_decref(r);
	CHECK(fails("cloudfront update-distribution",
		    json_pack("{s:s, s:s, s:O}", "Id", "ENOPE", "IfMatch", etag2,
			      "DistributionConfig", cfg),
		    "NoSuchDistribution", NULL));
	json_decref(cfg);
	dataplane_applies();
	r = ok("cloudfront get-distribution", json_pack("{s:s}", "Id", id));
	CHECK(r != NULL && strcmp(str_at(r, "Distribution", "Status", NULL), "Deployed") == 0);
	json_decref(r);
}

static void test_list_pagination(void)
{
	json_t *r, *list;
	char next[32];
	long long total;

	r = ok("cloudfront list-distributions", NULL);
	list = json_object_get(r, "DistributionList");
	total = json_integer_value(json_object_get(list, "Quantity"));
	CHECK(total >= 3);
	CHECK(json_is_false(json_object_get(list, "IsTruncated")));
	CHECK(strlen(str_at(json_array_get(json_object_get(list, "Items"), 0), "ARN", NULL, NULL)) >
	      0);
	json_decref(r);
	r = ok("cloudfront list-distributions", json_pack("{s:s}", "MaxItems", "2"));
	list = json_object_get(r, "DistributionList");
	CHECK_EQ(json_integer_value(json_object_get(list, "Quantity")), 2);
	CHECK(json_is_true(json_object_get(list, "IsTruncated")));
	snprintf(next, sizeof(next), "%s", str_at(list, "NextMarker", NULL, NULL));
	CHECK(strcmp(next, str_at(json_array_get(json_object_get(list, "Items"), 1), "Id", NULL,
				  NULL)) == 0);
	json_decref(r);
	r = ok("cloudfront list-distributions",
	       json_pack("{s:s, s:i}", "Marker", next, "MaxItems", 100));
	list = json_object_get(r, "DistributionList");
	CHECK_EQ(json_integer_value(json_object_get(list, "Quantity")), total - 2);
	CHECK(strcmp(str_at(list, "Marker", NULL, NULL), next) == 0);
	json_decref(r);
	CHECK(fails("cloudfront list-distributions", json_pack("{s:s}", "Marker", "EBOGUS"),
		    "InvalidArgument", NULL));
	CHECK(fails("cloudfront list-distributions", json_pack("{s:i}", "MaxItems", 0),
		    "InvalidArgument", NULL));
}

static json_t *cache_policy(const char *name, const char *headers_json)
{
	json_t *c = parse("{\"Name\":\"x\",\"Comment\":\"a test policy\",\"MinTTL\":5,"
			  "\"DefaultTTL\":60,\"MaxTTL\":600,"
			  "\"ParametersInCacheKeyAndForwardedToOrigin\":{"
			  "\"EnableAcceptEncodingGzip\":true,"
			  "\"HeadersConfig\":{\"HeaderBehavior\":\"none\"},"
			  "\"CookiesConfig\":{\"CookieBehavior\":\"none\"},"
			  "\"QueryStringsConfig\":{\"QueryStringBehavior\":\"all\"}}}");

	json_object_set_new(c, "Name", json_string(name));
	if (headers_json != NULL)
		set_json(c, "ParametersInCacheKeyAndForwardedToOrigin.HeadersConfig", headers_json);
	return c;
}

static void test_cache_policies(void)
{
	json_t *r, *cfg;
	char id[64], etag[32], etag2[32], dist_id[32], dist_etag[32];

	r = ok("cloudfront create-cache-policy",
	       json_pack("{s:o}", "CachePolicyConfig", cache_policy("site-pages", NULL)));
	CHECK(r != NULL);
	if (r == NULL)
		return;
	snprintf(id, sizeof(id), "%s", str_at(r, "CachePolicy", "Id", NULL));
	snprintf(etag, sizeof(etag), "%s", str_at(r, "ETag", NULL, NULL));
	CHECK(strlen(id) == 36 && id[14] == '4');
	CHECK(strstr(str_at(r, "Location", NULL, NULL), "/2020-05-31/cache-policy/") != NULL);
	json_decref(r);
	r = ok("cloudfront get-cache-policy-config", json_pack("{s:s}", "Id", id));
	CHECK(r != NULL && strcmp(str_at(r, "ETag", NULL, NULL), etag) == 0);
	CHECK(r != NULL && json_is_false(path_at(json_object_get(r, "CachePolicyConfig"),
						 "ParametersInCacheKeyAndForwardedToOrigin."
						 "EnableAcceptEncodingBrotli",
						 NULL, false)));
	json_decref(r);
	/* Names are unique, the managed ones included. */
	CHECK(fails("cloudfront create-cache-policy",
		    json_pack("{s:o}", "CachePolicyConfig", cache_policy("site-pages", NULL)),
		    "CachePolicyAlreadyExists", "CachePolicyConfig.Name:"));
	CHECK(fails(
	    "cloudfront create-cache-policy",
	    json_pack("{s:o}", "CachePolicyConfig", cache_policy("Managed-CachingOptimized", NULL)),
	    "CachePolicyAlreadyExists", NULL));
	/* Validation. */
	cfg = cache_policy("bad", NULL);
	set_json(cfg, "MinTTL", "700");
	CHECK(fails("cloudfront create-cache-policy", json_pack("{s:o}", "CachePolicyConfig", cfg),
		    "InvalidArgument", "CachePolicyConfig: MinTTL (700)"));
	CHECK(fails(
	    "cloudfront create-cache-policy",
	    json_pack("{s:o}", "CachePolicyConfig",
		      cache_policy("bad", "{\"HeaderBehavior\":\"whitelist\"}")),
	    "InvalidArgument",
	    "CachePolicyConfig.ParametersInCacheKeyAndForwardedToOrigin.HeadersConfig.Headers:"));
	CHECK(fails(
	    "cloudfront create-cache-policy",
	    json_pack("{s:o}", "CachePolicyConfig",
		      cache_policy("bad", "{\"HeaderBehavior\":\"whitelist\",\"Headers\":{"
					  "\"Quantity\":11,\"Items\":[\"a\",\"b\",\"c\",\"d\","
					  "\"e\",\"f\",\"g\",\"h\",\"i\",\"j\",\"k\"]}}")),
	    "TooManyHeadersInCachePolicy", NULL));
	CHECK(fails("cloudfront create-cache-policy",
		    json_pack("{s:o}", "CachePolicyConfig",
			      cache_policy("bad", "{\"HeaderBehavior\":\"all\"}")),
		    "InvalidArgument",
		    "CachePolicyConfig.ParametersInCacheKeyAndForwardedToOrigin.HeadersConfig."
		    "HeaderBehavior:"));
	CHECK(fails("cloudfront create-cache-policy",
		    json_pack("{s:o}", "CachePolicyConfig", cache_policy("has space", NULL)),
		    "InvalidArgument", "CachePolicyConfig.Name:"));
	cfg = cache_policy("no-cache", NULL);
	set_json(cfg, "MinTTL", "0");
	set_json(cfg, "DefaultTTL", "0");
	set_json(cfg, "MaxTTL", "0");
	CHECK(fails("cloudfront create-cache-policy", json_pack("{s:o}", "CachePolicyConfig", cfg),
		    "InvalidArgument",
		    "CachePolicyConfig.ParametersInCacheKeyAndForwardedToOrigin:"));

	/* A distribution uses it: it cannot go, and changing it redeploys the distribution. */
	cfg = base_config("ref-policy", "policy.example.com");
	set_json(cfg, "DefaultCacheBehavior.CachePolicyId", "\"x\"");
	json_object_set_new(json_object_get(cfg, "DefaultCacheBehavior"), "CachePolicyId",
			    json_string(id));
	r = ok("cloudfront create-distribution", dist_args(cfg));
	CHECK(r != NULL);
	snprintf(dist_id, sizeof(dist_id), "%s", str_at(r, "Distribution", "Id", NULL));
	snprintf(dist_etag, sizeof(dist_etag), "%s", str_at(r, "ETag", NULL, NULL));
	json_decref(r);
	dataplane_applies();
	CHECK(fails("cloudfront delete-cache-policy",
		    json_pack("{s:s, s:s}", "Id", id, "IfMatch", etag), "CachePolicyInUse", NULL));
	cfg = cache_policy("site-pages", NULL);
	set_json(cfg, "MaxTTL", "900");
	CHECK(fails("cloudfront update-cache-policy",
		    json_pack("{s:s, s:O}", "Id", id, "CachePolicyConfig", cfg),
		    "InvalidIfMatchVersion", NULL));
	CHECK(fails(
	    "cloudfront update-cache-policy",
	    json_pack("{s:s, s:s, s:O}", "Id", id, "IfMatch", "EOLD", "CachePolicyConfig", cfg),
	    "PreconditionFailed", NULL));
	r = ok("cloudfront update-cache-policy",
	       json_pack("{s:s, s:s, s:O}", "Id", id, "IfMatch", etag, "CachePolicyConfig", cfg));
	json_decref(cfg);
	CHECK(r != NULL);
	snprintf(etag2, sizeof(etag2), "%s", str_at(r, "ETag", NULL, NULL));
	CHECK(strcmp(etag, etag2) != 0);
	CHECK(json_integer_value(path_at(r, "CachePolicy.CachePolicyConfig.MaxTTL", NULL, false)) ==
	      900);
	json_decref(r);
	r = ok("cloudfront get-distribution", json_pack("{s:s}", "Id", dist_id));
	CHECK(r != NULL && strcmp(str_at(r, "Distribution", "Status", NULL), "InProgress") == 0);
	json_decref(r);
	dataplane_applies();
	r = ok("cloudfront list-cache-policies", json_pack("{s:s}", "Type", "custom"));
	CHECK(r != NULL &&
	      json_integer_value(path_at(r, "CachePolicyList.Quantity", NULL, false)) == 1);
	CHECK(r != NULL &&
	      strcmp(str_at(json_array_get(path_at(r, "CachePolicyList.Items", NULL, false), 0),
			    "Type", NULL, NULL),
		     "custom") == 0);
	json_decref(r);
	r = ok("cloudfront list-cache-policies",
	       json_pack("{s:s, s:i}", "Type", "managed", "MaxItems", 3));
	CHECK(r != NULL &&
	      json_integer_value(path_at(r, "CachePolicyList.Quantity", NULL, false)) == 3);
	CHECK(r != NULL && strlen(str_at(r, "CachePolicyList", "NextMarker", NULL)) == 36);
	json_decref(r);
	CHECK(fails("cloudfront list-cache-policies", json_pack("{s:s}", "Type", "mine"),
		    "InvalidArgument", NULL));
	/* Free it: point the distribution elsewhere, disable, deploy, delete both. */
	r = ok("cloudfront get-distribution-config", json_pack("{s:s}", "Id", dist_id));
	cfg = json_deep_copy(json_object_get(r, "DistributionConfig"));
	json_decref(r);
	set_json(cfg, "DefaultCacheBehavior.CachePolicyId", "\"" CACHING_OPTIMIZED "\"");
	set_json(cfg, "Enabled", "false");
	r = ok("cloudfront update-distribution",
	       json_pack("{s:s, s:s, s:o}", "Id", dist_id, "IfMatch", dist_etag,
			 "DistributionConfig", cfg));
	snprintf(dist_etag, sizeof(dist_etag), "%s", str_at(r, "ETag", NULL, NULL));
	json_decref(r);
	r = ok("cloudfront delete-cache-policy",
	       json_pack("{s:s, s:s}", "Id", id, "IfMatch", etag2));
	CHECK(r != NULL);
	json_decref(r);
	CHECK(fails("cloudfront get-cache-policy", json_pack("{s:s}", "Id", id),
		    "NoSuchCachePolicy", NULL));
	dataplane_applies();
	r = ok("cloudfront delete-distribution",
	       json_pack("{s:s, s:s}", "Id", dist_id, "IfMatch", dist_etag));
	CHECK(r != NULL);
	json_decref(r);
}

static void test_too_many_policies(void)
{
	char name[32];
	int created = 0;

	for (int i = 0; i < 20; i++) {
		json_t *r;
		snprintf(name, sizeof(name), "bulk-%d", i);
		r = ok("cloudfront create-cache-policy",
		       json_pack("{s:o}", "CachePolicyConfig", cache_policy(name, NULL)));
		created += r != NULL;
		json_decref(r);
	}
	CHECK_EQ(created, 20);
	CHECK(fails("cloudfront create-cache-policy",
		    json_pack("{s:o}", "CachePolicyConfig", cache_policy("one-too-many", NULL)),
		    "TooManyCachePolicies", NULL));
}

static void test_other_policies(void)
{
	json_t *r, *cfg;
	char orp_id[64], orp_etag[32], rhp_id[64], rhp_etag[32], dist_id[32];
	char big_csp[2000];

	r = ok("cloudfront create-origin-request-policy",
	       json_pack("{s:{s:s, s:{s:s, s:{s:i, s:[s]}}, s:{s:s}, s:{s:s}}}",
			 "OriginRequestPolicyConfig", "Name", "api-forward", "HeadersConfig",
			 "HeaderBehavior", "whitelist", "Headers", "Quantity", 1, "Items",
			 "Authorization", "CookiesConfig", "CookieBehavior", "all",
			 "QueryStringsConfig", "QueryStringBehavior", "all"));
	CHECK(r != NULL);
	snprintf(orp_id, sizeof(orp_id), "%s", str_at(r, "OriginRequestPolicy", "Id", NULL));
	snprintf(orp_etag, sizeof(orp_etag), "%s", str_at(r, "ETag", NULL, NULL));
	json_decref(r);
	CHECK(fails("cloudfront create-origin-request-policy",
		    json_pack("{s:{s:s, s:{s:s}, s:{s:s}, s:{s:s}}}", "OriginRequestPolicyConfig",
			      "Name", "x", "HeadersConfig", "HeaderBehavior", "whitelist",
			      "CookiesConfig", "CookieBehavior", "none", "QueryStringsConfig",
			      "QueryStringBehavior", "none"),
		    "InvalidArgument", "OriginRequestPolicyConfig.HeadersConfig.Headers:"));
	CHECK(fails("cloudfront create-origin-request-policy",
		    json_pack("{s:{s:s, s:{s:s}, s:{s:s}}}", "OriginRequestPolicyConfig", "Name",
			      "x", "HeadersConfig", "HeaderBehavior", "none", "CookiesConfig",
			      "CookieBehavior", "none"),
		    "InvalidArgument", "OriginRequestPolicyConfig.QueryStringsConfig: missing"));

	cfg = parse("{\"Name\":\"site-headers\",\"SecurityHeadersConfig\":{"
		    "\"ContentSecurityPolicy\":{\"Override\":true,"
		    "\"ContentSecurityPolicy\":\"default-src 'self'\"},"
		    "\"StrictTransportSecurity\":{\"Override\":true,\"IncludeSubdomains\":true,"
		    "\"Preload\":true,\"AccessControlMaxAgeSec\":63072000}},"
		    "\"ServerTimingHeadersConfig\":{\"Enabled\":true,\"SamplingRate\":12.5},"
		    "\"CustomHeadersConfig\":{\"Quantity\":1,\"Items\":[{\"Header\":\"X-Pop\","
		    "\"Value\":\"yes\",\"Override\":false}]}}");
	r = ok("cloudfront create-response-headers-policy",
	       json_pack("{s:O}", "ResponseHeadersPolicyConfig", cfg));
	CHECK(r != NULL);
	snprintf(rhp_id, sizeof(rhp_id), "%s", str_at(r, "ResponseHeadersPolicy", "Id", NULL));
	snprintf(rhp_etag, sizeof(rhp_etag), "%s", str_at(r, "ETag", NULL, NULL));
	json_decref(r);
	memset(big_csp, 'a', sizeof(big_csp) - 1);
	big_csp[sizeof(big_csp) - 1] = '\0';
	json_object_set_new(cfg, "Name", json_string("big"));
	set_json(cfg, "SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy", "\"x\"");
	json_object_set_new(
	    json_object_get(json_object_get(cfg, "SecurityHeadersConfig"), "ContentSecurityPolicy"),
	    "ContentSecurityPolicy", json_string(big_csp));
	CHECK(fails("cloudfront create-response-headers-policy",
		    json_pack("{s:O}", "ResponseHeadersPolicyConfig", cfg),
		    "TooLongCSPInResponseHeadersPolicy",
		    "ResponseHeadersPolicyConfig.SecurityHeadersConfig.ContentSecurityPolicy."
		    "ContentSecurityPolicy:"));
	json_object_del(cfg, "SecurityHeadersConfig");
	set_json(cfg, "CustomHeadersConfig",
		 "{\"Quantity\":11,\"Items\":[{\"Header\":\"A\",\"Value\":\"1\",\"Override\":true},"
		 "{\"Header\":\"B\",\"Value\":\"1\",\"Override\":true},"
		 "{\"Header\":\"C\",\"Value\":\"1\",\"Override\":true},"
		 "{\"Header\":\"D\",\"Value\":\"1\",\"Override\":true},"
		 "{\"Header\":\"E\",\"Value\":\"1\",\"Override\":true},"
		 "{\"Header\":\"F\",\"Value\":\"1\",\"Override\":true},"
		 "{\"Header\":\"G\",\"Value\":\"1\",\"Override\":true},"
		 "{\"Header\":\"H\",\"Value\":\"1\",\"Override\":true},"
		 "{\"Header\":\"I\",\"Value\":\"1\",\"Override\":true},"
		 "{\"Header\":\"J\",\"Value\":\"1\",\"Override\":true},"
		 "{\"Header\":\"K\",\"Value\":\"1\",\"Override\":true}]}");
	CHECK(fails("cloudfront create-response-headers-policy",
		    json_pack("{s:O}", "ResponseHeadersPolicyConfig", cfg),
		    "TooManyCustomHeadersInResponseHeadersPolicy", NULL));
	set_json(cfg, "CustomHeadersConfig",
		 "{\"Quantity\":1,\"Items\":[{\"Header\":\"Strict-Transport-Security\",\"Value\":"
		 "\"1\",\"Override\":true}]}");
	CHECK(fails("cloudfront create-response-headers-policy",
		    json_pack("{s:O}", "ResponseHeadersPolicyConfig", cfg), "InvalidArgument",
		    "ResponseHeadersPolicyConfig.CustomHeadersConfig.Items[0].Header:"));
	set_json(cfg, "CustomHeadersConfig", "{\"Quantity\":0}");
	set_json(cfg, "CorsConfig",
		 "{\"AccessControlAllowOrigins\":{\"Quantity\":1,\"Items\":[\"*\"]},"
		 "\"AccessControlAllowHeaders\":{\"Quantity\":0,\"Items\":[]},"
		 "\"AccessControlAllowMethods\":{\"Quantity\":1,\"Items\":[\"GET\"]},"
		 "\"AccessControlAllowCredentials\":true,\"OriginOverride\":true}");
	CHECK(fails("cloudfront create-response-headers-policy",
		    json_pack("{s:O}", "ResponseHeadersPolicyConfig", cfg), "InvalidArgument",
		    "ResponseHeadersPolicyConfig.CorsConfig.AccessControlAllowCredentials:"));
	set_json(cfg, "ServerTimingHeadersConfig", "{\"Enabled\":true,\"SamplingRate\":101}");
	json_object_del(cfg, "CorsConfig");
	CHECK(fails("cloudfront create-response-headers-policy",
		    json_pack("{s:O}", "ResponseHeadersPolicyConfig", cfg), "InvalidArgument",
		    "ResponseHeadersPolicyConfig.ServerTimingHeadersConfig.SamplingRate:"));
	json_decref(cfg);

	/* Both in use by a distribution, then compiled into the edge table. */
	cfg = base_config("ref-policies", "headers.example.com");
	json_object_set_new(json_object_get(cfg, "DefaultCacheBehavior"), "ResponseHeadersPolicyId",
			    json_string(rhp_id));
	json_object_set_new(json_object_get(cfg, "DefaultCacheBehavior"), "OriginRequestPolicyId",
			    json_string(orp_id));
	r = ok("cloudfront create-distribution", dist_args(cfg));
	CHECK(r != NULL);
	snprintf(dist_id, sizeof(dist_id), "%s", str_at(r, "Distribution", "Id", NULL));
	json_decref(r);
	CHECK(fails("cloudfront delete-origin-request-policy",
		    json_pack("{s:s, s:s}", "Id", orp_id, "IfMatch", orp_etag),
		    "OriginRequestPolicyInUse", NULL));
	CHECK(fails("cloudfront delete-response-headers-policy",
		    json_pack("{s:s, s:s}", "Id", rhp_id, "IfMatch", rhp_etag),
		    "ResponseHeadersPolicyInUse", NULL));
	{
		struct tables_snapshot *s = NULL;
		const struct edge_top *t;
		const struct edge_distribution_rec *d;
		const struct edge_behavior_rec *b;
		const struct edge_response_headers_policy_rec *p;

		CHECK_EQ(tables_snapshot_map(tables_dir, TABLES_KIND_EDGE,
					     published(TABLES_KIND_EDGE), &s),
			 0);
		t = s != NULL ? edge_table_check(s) : NULL;
		d = t != NULL ? edge_find_host(s, t, "headers.example.com", 19, NULL) : NULL;
		b = d != NULL ? edge_behavior(s, d, EDGE_BEHAVIOR_DEFAULT) : NULL;
		p = b != NULL ? edge_response_headers_policy(s, t, b->response_headers_policy)
			      : NULL;
		CHECK(p != NULL);
		if (p != NULL) {
			CHECK(strcmp(edge_str(s, &p->strict_transport_security),
				     "max-age=63072000; includeSubDomains; preload") == 0);
			CHECK(strcmp(edge_str(s, &p->content_security_policy),
				     "default-src 'self'") == 0);
			CHECK(p->server_timing && p->server_timing_sampling_ppm == 125000);
			CHECK(p->n_custom_headers == 1);
			CHECK(strcmp(edge_str(s, &edge_origin_request_policy(
						      s, t, b->origin_request_policy)
						      ->name),
				     "api-forward") == 0);
		}
		tables_snapshot_unmap(s);
	}
	CHECK(fails("cloudfront update-origin-request-policy",
		    json_pack("{s:s, s:s, s:{s:s, s:{s:s}, s:{s:s}, s:{s:s}}}", "Id", ALL_VIEWER,
			      "IfMatch", "x", "OriginRequestPolicyConfig", "Name", "x",
			      "HeadersConfig", "HeaderBehavior", "none", "CookiesConfig",
			      "CookieBehavior", "none", "QueryStringsConfig", "QueryStringBehavior",
			      "none"),
		    "IllegalUpdate", NULL));
	r = ok("cloudfront list-response-headers-policies", json_pack("{s:s}", "Type", "custom"));
	CHECK(r != NULL && json_integer_value(
			       path_at(r, "ResponseHeadersPolicyList.Quantity", NULL, false)) == 1);
	json_decref(r);
	r = ok("cloudfront list-origin-request-policies", NULL);
	CHECK(r != NULL &&
	      json_integer_value(path_at(r, "OriginRequestPolicyList.Quantity", NULL, false)) == 8);
	json_decref(r);
}

static void test_delete_rules(void)
{
	json_t *r, *cfg;
	char id[32], etag[32];

	cfg = base_config("ref-delete", "delete.example.com");
	r = ok("cloudfront create-distribution", dist_args(cfg));
	CHECK(r != NULL);
	if (r == NULL)
		return;
	snprintf(id, sizeof(id), "%s", str_at(r, "Distribution", "Id", NULL));
	snprintf(etag, sizeof(etag), "%s", str_at(r, "ETag", NULL, NULL));
	cfg = json_deep_copy(path_at(r, "Distribution.DistributionConfig", NULL, false));
	json_decref(r);
	dataplane_applies();
	CHECK(fails("cloudfront delete-distribution", json_pack("{s:s}", "Id", id),
		    "InvalidIfMatchVersion", NULL));
	CHECK(fails("cloudfront delete-distribution",
		    json_pack("{s:s, s:s}", "Id", id, "IfMatch", etag), "DistributionNotDisabled",
		    NULL));
	set_json(cfg, "Enabled", "false");
	r = ok("cloudfront update-distribution",
	       json_pack("{s:s, s:s, s:o}", "Id", id, "IfMatch", etag, "DistributionConfig", cfg));
	CHECK(r != NULL);
	CHECK(fails("cloudfront delete-distribution",
		    json_pack("{s:s, s:s}", "Id", id, "IfMatch", etag), "PreconditionFailed",
		    NULL));
	snprintf(etag, sizeof(etag), "%s", str_at(r, "ETag", NULL, NULL));
	json_decref(r);
	/* Disabled, but the disable is not deployed yet. */
	CHECK(fails("cloudfront delete-distribution",
		    json_pack("{s:s, s:s}", "Id", id, "IfMatch", etag), "DistributionNotDisabled",
		    NULL));
	dataplane_applies();
	r = ok("cloudfront delete-distribution",
	       json_pack("{s:s, s:s}", "Id", id, "IfMatch", etag));
	CHECK(r != NULL);
	json_decref(r);
	CHECK(fails("cloudfront get-distribution", json_pack("{s:s}", "Id", id),
		    "NoSuchDistribution", NULL));
	CHECK(fails("cloudfront delete-distribution",
		    json_pack("{s:s, s:s}", "Id", id, "IfMatch", etag), "NoSuchDistribution",
		    NULL));
	/* Its alias is free again. */
	r = ok("cloudfront create-distribution",
	       dist_args(base_config("ref-delete-2", "delete.example.com")));
	CHECK(r != NULL);
	json_decref(r);
	dataplane_applies();
}

static void test_invalidations(void)
{
	const char *dist = str_at(created_dist, "Distribution", "Id", NULL);
	json_t *r, *batch;
	char inv[32];
	struct tables_snapshot *s = NULL;

	batch = parse("{\"Paths\":{\"Quantity\":2,\"Items\":[\"/index.html\",\"/images/*\"]},"
		      "\"CallerReference\":\"inv-1\"}");
	r = ok("cloudfront create-invalidation",
	       json_pack("{s:s, s:O}", "DistributionId", dist, "InvalidationBatch", batch));
	CHECK(r != NULL);
	if (r == NULL)
		return;
	snprintf(inv, sizeof(inv), "%s", str_at(r, "Invalidation", "Id", NULL));
	CHECK(inv[0] == 'I' && strlen(inv) == 14);
	CHECK(strcmp(str_at(r, "Invalidation", "Status", NULL), "InProgress") == 0);
	CHECK(strstr(str_at(r, "Location", NULL, NULL), "/invalidation/I") != NULL);
	json_decref(r);
	r = ok("cloudfront get-distribution", json_pack("{s:s}", "Id", dist));
	CHECK(r != NULL && json_integer_value(path_at(
			       r, "Distribution.InProgressInvalidationBatches", NULL, false)) == 1);
	json_decref(r);
	/* The same request again is the same invalidation. */
	r = ok("cloudfront create-invalidation",
	       json_pack("{s:s, s:O}", "DistributionId", dist, "InvalidationBatch", batch));
	CHECK(r != NULL && strcmp(str_at(r, "Invalidation", "Id", NULL), inv) == 0);
	json_decref(r);
	set_json(batch, "Paths", "{\"Quantity\":1,\"Items\":[\"/other\"]}");
	CHECK(fails("cloudfront create-invalidation",
		    json_pack("{s:s, s:O}", "DistributionId", dist, "InvalidationBatch", batch),
		    "InvalidArgument", "InvalidationBatch.CallerReference:"));
	json_decref(batch);
	dataplane_applies();
	r = ok("cloudfront get-invalidation",
	       json_pack("{s:s, s:s}", "DistributionId", dist, "Id", inv));
	CHECK(r != NULL && strcmp(str_at(r, "Invalidation", "Status", NULL), "Completed") == 0);
	CHECK(r != NULL &&
	      json_integer_value(
		  path_at(r, "Invalidation.InvalidationBatch.Paths.Quantity", NULL, false)) == 2);
	json_decref(r);
	/* Errors. */
	CHECK(fails("cloudfront create-invalidation",
		    json_pack("{s:s, s:{s:{s:i, s:[s]}, s:s}}", "DistributionId", dist,
			      "InvalidationBatch", "Paths", "Quantity", 1, "Items", "no-slash",
			      "CallerReference", "inv-2"),
		    "InvalidArgument", "InvalidationBatch.Paths.Items[0]: a path must begin"));
	CHECK(fails("cloudfront create-invalidation",
		    json_pack("{s:s, s:{s:{s:i, s:[s]}, s:s}}", "DistributionId", dist,
			      "InvalidationBatch", "Paths", "Quantity", 1, "Items", "/a*b",
			      "CallerReference", "inv-2"),
		    "InvalidArgument", "InvalidationBatch.Paths.Items[0]: the * wildcard"));
	CHECK(fails("cloudfront create-invalidation",
		    json_pack("{s:s, s:{s:{s:i, s:[s]}, s:s}}", "DistributionId", dist,
			      "InvalidationBatch", "Paths", "Quantity", 2, "Items", "/a",
			      "CallerReference", "inv-2"),
		    "InconsistentQuantities", "InvalidationBatch.Paths.Quantity:"));
	CHECK(
	    fails("cloudfront create-invalidation",
		  json_pack("{s:s, s:{s:{s:i}, s:s}}", "DistributionId", dist, "InvalidationBatch",
			    "Paths", "Quantity", 0, "CallerReference", "inv-2"),
		  "InvalidArgument", "InvalidationBatch.Paths: at least one path"));
	CHECK(fails("cloudfront create-invalidation",
		    json_pack("{s:s, s:{s:{s:i, s:[s]}, s:s}}", "DistributionId", "ENOPE",
			      "InvalidationBatch", "Paths", "Quantity", 1, "Items", "/a",
			      "CallerReference", "inv-2"),
		    "NoSuchDistribution", NULL));
	CHECK(fails("cloudfront create-invalidation", json_pack("{s:s}", "DistributionId", dist),
		    "MissingBody", NULL));
	CHECK(fails("cloudfront get-invalidation",
		    json_pack("{s:s, s:s}", "DistributionId", dist, "Id", "INOPE"),
		    "NoSuchInvalidation", NULL));
	{
		json_t *items = json_array();
		char p[32];
		for (int i = 0; i < 3001; i++) {
			snprintf(p, sizeof(p), "/f%d", i);
			json_array_append_new(items, json_string(p));
		}
		CHECK(fails("cloudfront create-invalidation",
			    json_pack("{s:s, s:{s:{s:i, s:o}, s:s}}", "DistributionId", dist,
				      "InvalidationBatch", "Paths", "Quantity", 3001, "Items",
				      items, "CallerReference", "inv-big"),
			    "BatchTooLarge", "InvalidationBatch.Paths:"));
	}
	/* At most 15 wildcard paths in progress at once. */
	{
		json_t *items = json_array();
		char p[32];
		for (int i = 0; i < 15; i++) {
			snprintf(p, sizeof(p), "/w%d/*", i);
			json_array_append_new(items, json_string(p));
		}
		r = ok("cloudfront create-invalidation",
		       json_pack("{s:s, s:{s:{s:i, s:o}, s:s}}", "DistributionId", dist,
				 "InvalidationBatch", "Paths", "Quantity", 15, "Items", items,
				 "CallerReference", "inv-wild"));
		CHECK(r != NULL);
		json_decref(r);
		CHECK(fails("cloudfront create-invalidation",
			    json_pack("{s:s, s:{s:{s:i, s:[s]}, s:s}}", "DistributionId", dist,
				      "InvalidationBatch", "Paths", "Quantity", 1, "Items", "/x/*",
				      "CallerReference", "inv-wild-2"),
			    "TooManyInvalidationsInProgress", NULL));
	}
	r = ok("cloudfront list-invalidations", json_pack("{s:s}", "DistributionId", dist));
	CHECK(r != NULL &&
	      json_integer_value(path_at(r, "InvalidationList.Quantity", NULL, false)) == 2);
	/* Newest first. */
	CHECK(r != NULL &&
	      strcmp(str_at(json_array_get(path_at(r, "InvalidationList.Items", NULL, false), 1),
			    "Id", NULL, NULL),
		     inv) == 0);
	CHECK(r != NULL &&
	      strcmp(str_at(json_array_get(path_at(r, "InvalidationList.Items", NULL, false), 1),
			    "Status", NULL, NULL),
		     "Completed") == 0);
	json_decref(r);
	r = ok("cloudfront list-invalidations",
	       json_pack("{s:s, s:s}", "DistributionId", dist, "MaxItems", "1"));
	CHECK(r != NULL && json_is_true(path_at(r, "InvalidationList.IsTruncated", NULL, false)));
	json_decref(r);
	/* The invalidations table holds the paths with their time. */
	CHECK_EQ(tables_snapshot_map(tables_dir, TABLES_KIND_INVALIDATIONS,
				     published(TABLES_KIND_INVALIDATIONS), &s),
		 0);
	if (s != NULL) {
		const struct edge_invalidations_top *t = edge_invalidations_check(s);
		const struct edge_invalidation_dist_rec *d =
		    t != NULL ? edge_invalidations_find(s, t, dist) : NULL;
		const struct edge_invalidation_path_rec *p;
		CHECK(d != NULL && d->n_paths == 17);
		p = d != NULL ? edge_invalidation_path(s, t, d, 1) : NULL;
		CHECK(p != NULL && p->wildcard && p->create_time_ms > 1600000000000ll);
		CHECK(p != NULL && strcmp((const char *)s->base + p->path.off, "/images/*") == 0);
	}
	tables_snapshot_unmap(s);
}

static void test_bucket_redeploy(void)
{
	json_t *r;
	const char *dist = str_at(created_dist, "Distribution", "Id", NULL);

	dataplane_applies();
	CHECK(fails("cloudfront delete-bucket-directory",
		    json_pack("{s:s}", "Bucket", "site-bucket"), "BucketInUse", NULL));
	r = ok("cloudfront put-bucket-directory",
	       json_pack("{s:s, s:s}", "Bucket", "site-bucket", "Directory", other_dir));
	CHECK(r != NULL);
	json_decref(r);
	r = ok("cloudfront get-distribution", json_pack("{s:s}", "Id", dist));
	CHECK(r != NULL && strcmp(str_at(r, "Distribution", "Status", NULL), "InProgress") == 0);
	json_decref(r);
	dataplane_applies();
	r = ok("cloudfront get-distribution", json_pack("{s:s}", "Id", dist));
	CHECK(r != NULL && strcmp(str_at(r, "Distribution", "Status", NULL), "Deployed") == 0);
	json_decref(r);
}

/* popd restarts: both tables are rebuilt from the store alone. */
static void test_rebuild_from_store(void)
{
	uint64_t before = published(TABLES_KIND_EDGE);
	struct tables_snapshot *s = NULL;
	const struct edge_top *t;

	publish((1u << TABLES_KIND_EDGE) | (1u << TABLES_KIND_INVALIDATIONS));
	CHECK_EQ(publish_failures, 0);
	CHECK_EQ(published(TABLES_KIND_EDGE), before + 1);
	CHECK_EQ(tables_snapshot_map(tables_dir, TABLES_KIND_EDGE, before + 1, &s), 0);
	t = s != NULL ? edge_table_check(s) : NULL;
	CHECK(t != NULL && t->n_distributions >= 4);
	CHECK(t != NULL && edge_find_host(s, t, "x.example.com", 13, NULL) != NULL);
	tables_snapshot_unmap(s);
}

static void test_help_lists_commands(void)
{
	const char *want[] = {"cloudfront create-distribution",
			      "cloudfront list-cache-policies",
			      "cloudfront get-origin-request-policy-config",
			      "cloudfront delete-response-headers-policy",
			      "cloudfront create-invalidation",
			      "cloudfront put-bucket-directory"};
	json_t *r = ok("help", NULL);
	char *text = r != NULL ? json_dumps(r, JSON_COMPACT) : NULL;

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		CHECK(text != NULL && strstr(text, want[i]) != NULL);
	CHECK_EQ(cloudfront_command_count, 30);
	for (size_t i = 0; i < cloudfront_command_count; i++) {
		const char *w = cloudfront_commands[i].words;
		bool mutates = strstr(w, " create-") || strstr(w, " update-") ||
			       strstr(w, " delete-") || strstr(w, " put-");
		CHECK_EQ(!!(cloudfront_commands[i].flags & CTL_CMD_MUTATES), mutates);
	}
	free(text);
	json_decref(r);
}

/* The document-only check (as the fuzzer runs it): managed policies only, no store. */
static void test_check_without_store(void)
{
	struct ctl_error err;
	json_t *cfg = base_config("ref-x", "y.example.com");

	CHECK_EQ(cloudfront_check_distribution_config(NULL, cfg, &err), 0);
	set_json(cfg, "CacheBehaviors.Items[1].CachePolicyId", "\"custom-id\"");
	CHECK(cloudfront_check_distribution_config(NULL, cfg, &err) < 0);
	CHECK(strcmp(err.code, "NoSuchCachePolicy") == 0);
	CHECK(strncmp(err.message,
		      "DistributionConfig.CacheBehaviors.Items[1].CachePolicyId:", 57) == 0);
	json_decref(cfg);
}

int main(void)
{
	struct ctl_server_config cfg = {.instance = "test",
					.socket_path = NULL,
					.max_connections = 4,
					.max_request_bytes = 4 << 20,
					.idle_timeout_s = 60};
	struct ctl_hooks hooks = {.user = &env, .mutating = mutating};
	char err[256];

	scratch_dir(dir, sizeof(dir));
	if (dir[0] == '\0') {
		printf("Bail out! no scratch directory\n");
		return 1;
	}
	snprintf(tables_dir, sizeof(tables_dir), "%s/tables", dir);
	snprintf(bucket_dir, sizeof(bucket_dir), "%s/bucket", dir);
	snprintf(other_dir, sizeof(other_dir), "%s/other", dir);
	mkdir(bucket_dir, 0755);
	mkdir(other_dir, 0755);
	env.instance = "test";
	env.state_dir = dir;
	if (store_open(dir, &env.store, err, sizeof(err)) < 0 || env_init(&env) < 0 ||
	    cloudfront_init(&env) < 0 || tables_root_open(tables_dir, true, &env.root) < 0 ||
	    tables_live_open(tables_dir, true, &env.live) < 0 ||
	    ctl_server_create(&cfg, &srv) < 0 ||
	    ctl_server_add_commands(srv, cloudfront_commands, cloudfront_command_count) < 0) {
		printf("Bail out! setup failed: %s\n", err);
		return 1;
	}
	env.server = srv;
	ctl_server_set_hooks(srv, &hooks);
	RUN(test_help_lists_commands);
	RUN(test_check_without_store);
	RUN(test_buckets);
	RUN(test_managed_policies);
	RUN(test_create_and_deploy);
	RUN(test_edge_table);
	RUN(test_validation);
	RUN(test_quota_limits);
	RUN(test_etag_flow);
	RUN(test_list_pagination);
	RUN(test_cache_policies);
	RUN(test_too_many_policies);
	RUN(test_other_policies);
	RUN(test_delete_rules);
	RUN(test_invalidations);
	RUN(test_bucket_redeploy);
	RUN(test_rebuild_from_store);
	CHECK_EQ(publish_failures, 0);
	json_decref(created_dist);
	ctl_server_destroy(srv);
	tables_live_close(env.live);
	tables_root_close(env.root);
	store_close(env.store);
	scratch_remove(dir);
	return tap_done();
}
