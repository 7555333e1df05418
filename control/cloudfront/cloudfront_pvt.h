/* SPDX-License-Identifier: BSD-3-Clause */
/* What the cloudfront module's files share. Never included from outside it. */
#ifndef POP_CLOUDFRONT_PVT_H
#define POP_CLOUDFRONT_PVT_H

#include "cloudfront.h"
#include "cloudfront_shapes_pvt.h"

#include "base.h"
#include "edge.h"
#include "env.h"
#include "sock.h"
#include "store.h"

#include <jansson.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#define CF_LOG(level, ...) POP_LOG("cloudfront", level, __VA_ARGS__)

/* CloudFront's default quotas (developer guide, "Quotas"). */
#define CF_MAX_DISTRIBUTIONS	       200
#define CF_MAX_CACHE_BEHAVIORS	       25
#define CF_MAX_ORIGINS		       25
#define CF_MAX_ORIGIN_GROUPS	       10
#define CF_MAX_ALIASES		       100
#define CF_MAX_ORIGIN_CUSTOM_HEADERS   10
#define CF_MAX_CUSTOM_POLICIES	       20
#define CF_MAX_POLICY_ITEMS	       10
#define CF_MAX_FORWARDED_ITEMS	       10
#define CF_MAX_RESPONSE_CUSTOM_HEADERS 10
#define CF_MAX_CSP_BYTES	       1783
#define CF_MAX_INVALIDATION_PATHS      3000
#define CF_MAX_WILDCARD_INVALIDATIONS  15
#define CF_MAX_INVALIDATION_PATH_BYTES 4000
#define CF_MAX_COMMENT_BYTES	       128
#define CF_MAX_NAME_BYTES	       128
#define CF_MAX_HEADER_NAME_BYTES       256
#define CF_MAX_HEADER_VALUE_BYTES      1783
#define CF_MAX_DEFAULT_ROOT_OBJECT     255
#define CF_MAX_ORIGIN_PATH_BYTES       255
#define CF_MAX_ERROR_PAGE_PATH_BYTES   4000
#define CF_MAX_LIST_ITEMS	       1000
#define CF_DEFAULT_LIST_ITEMS	       100

#define CF_DEFAULT_MIN_TTL     0
#define CF_DEFAULT_DEFAULT_TTL 86400
#define CF_DEFAULT_MAX_TTL     31536000

/** The account id in ARNs: store_meta "aws_account_id", else this. */
#define CF_DEFAULT_ACCOUNT_ID "000000000000"

/* ------------------------------------------------------------ shapes */

enum cf_type {
	CF_T_STRUCT,
	CF_T_LIST,
	CF_T_STRING,
	CF_T_INTEGER,
	CF_T_LONG,
	CF_T_BOOLEAN,
	CF_T_DOUBLE
};

struct cf_member {
	const char *name;
	uint16_t shape; /* enum cf_shape_id */
	bool required;
};

struct cf_shape {
	const char *name;
	uint8_t type; /* enum cf_type */
	const struct cf_member *members;
	uint16_t n_members;
	uint16_t item; /* lists: the items' shape */
	const char *const *enums;
	uint16_t n_enums;
	bool has_min, has_max;
	double min, max; /* string length, list length or number */
};

extern const struct cf_shape cf_shapes[CF_SHAPE_COUNT];

/* -------------------------------------------------------- validation */

/* One validation: where we are in the document and what failed. */
struct cf_check {
	struct popd_env *env; /* NULL: the document alone */
	const char *self_id;  /* the distribution being updated, or NULL */
	struct ctl_error *err;
	char path[400];
	size_t path_len;
};

/* Fill c->err ("<path>: <message>") and return -EINVAL. */
int cf_fail(struct cf_check *c, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Same with another return value. */
int cf_fail_rc(struct cf_check *c, int rc, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Append ".Member" / "[i]" to the path; return the length to restore with cf_pop(). */
size_t cf_push(struct cf_check *c, const char *member);
size_t cf_push_index(struct cf_check *c, size_t i);
void cf_pop(struct cf_check *c, size_t len);
void cf_check_init(struct cf_check *c, struct popd_env *env, struct ctl_error *err,
		   const char *root);

/* The generic check against the model: types, members, enums, bounds, quantities. */
int cf_check_shape(struct cf_check *c, const json_t *v, enum cf_shape_id shape);

int cf_check_distribution(struct cf_check *c, const json_t *cfg);
int cf_check_cache_policy(struct cf_check *c, const json_t *cfg);
int cf_check_origin_request_policy(struct cf_check *c, const json_t *cfg);
int cf_check_response_headers_policy(struct cf_check *c, const json_t *cfg);
int cf_check_invalidation_batch(struct cf_check *c, const json_t *batch);

/* A copy with CloudFront's defaults filled in, as Get*Config shows it. NULL: no memory. */
json_t *cf_normalize_distribution(const json_t *cfg);
json_t *cf_normalize_cache_policy(const json_t *cfg);
json_t *cf_normalize_origin_request_policy(const json_t *cfg);
json_t *cf_normalize_response_headers_policy(const json_t *cfg);

/* Helpers on validated documents. */
const char *cf_str(const json_t *obj, const char *member, const char *dflt);
long long cf_int(const json_t *obj, const char *member, long long dflt);
bool cf_bool(const json_t *obj, const char *member, bool dflt);
/* The Items of a {Quantity, Items} member (may be NULL: no items). */
const json_t *cf_items(const json_t *obj, const char *member);
/* A bucket name from an S3 domain name; -EINVAL when it is not one. */
int cf_s3_bucket(const char *domain, char *bucket, size_t len);
/* A bucket name follows S3's rules. */
bool cf_bucket_name_ok(const char *name);
/* Lowercase ASCII copy. */
void cf_lower(const char *in, char *out, size_t len);

/* ------------------------------------------------------------ policies */

enum cf_policy_kind {
	CF_POLICY_CACHE = 0,
	CF_POLICY_ORIGIN_REQUEST,
	CF_POLICY_RESPONSE_HEADERS,
	CF_POLICY_KIND_MAX
};

/* The names a policy kind goes by. */
struct cf_policy_names {
	const char *kind;	     /* "cache", stored in cf_policies.kind and cf_refs.kind */
	const char *noun;	     /* "CachePolicy" */
	const char *config;	     /* "CachePolicyConfig" */
	const char *list;	     /* "CachePolicyList" */
	const char *no_such;	     /* "NoSuchCachePolicy" */
	const char *exists;	     /* "CachePolicyAlreadyExists" */
	const char *in_use;	     /* "CachePolicyInUse" */
	const char *too_many;	     /* "TooManyCachePolicies" */
	const char *uri;	     /* "cache-policy" */
	const char *behavior_member; /* "CachePolicyId" */
};
extern const struct cf_policy_names cf_policy_names[CF_POLICY_KIND_MAX];

/* An AWS managed policy. */
struct cf_managed_policy {
	enum cf_policy_kind kind;
	const char *id, *name, *etag;
	const char *config_json; /* its *PolicyConfig */
};
extern const struct cf_managed_policy cf_managed_policies[];
extern const size_t cf_managed_policy_count;
const struct cf_managed_policy *cf_managed_find(enum cf_policy_kind kind, const char *id);
const struct cf_managed_policy *cf_managed_find_name(enum cf_policy_kind kind, const char *name);
/* Managed policies keep this LastModifiedTime. */
#define CF_MANAGED_LAST_MODIFIED "2022-06-01T00:00:00.000000+00:00"

/* Does policy @p id of @p kind exist (managed or in the store)? 1, 0, or an error. */
int cf_policy_exists(struct popd_env *env, enum cf_policy_kind kind, const char *id);

/* Handlers of the policy commands (cloudfront_policy.c). */
int cf_cmd_policy_create(struct ctl_call *call, enum cf_policy_kind kind);
int cf_cmd_policy_get(struct ctl_call *call, enum cf_policy_kind kind, bool config_only);
int cf_cmd_policy_update(struct ctl_call *call, enum cf_policy_kind kind);
int cf_cmd_policy_list(struct ctl_call *call, enum cf_policy_kind kind);
int cf_cmd_policy_delete(struct ctl_call *call, enum cf_policy_kind kind);

/* Command handlers (cloudfront_distribution.c, _invalidation.c, _bucket.c). */
int cf_cmd_create_distribution(struct ctl_call *call);
int cf_cmd_get_distribution(struct ctl_call *call);
int cf_cmd_get_config_distribution(struct ctl_call *call);
int cf_cmd_update_distribution(struct ctl_call *call);
int cf_cmd_list_distribution(struct ctl_call *call);
int cf_cmd_delete_distribution(struct ctl_call *call);
int cf_cmd_create_invalidation(struct ctl_call *call);
int cf_cmd_get_invalidation(struct ctl_call *call);
int cf_cmd_list_invalidations(struct ctl_call *call);
int cf_cmd_put_bucket_directory(struct ctl_call *call);
int cf_cmd_list_bucket_directories(struct ctl_call *call);
int cf_cmd_delete_bucket_directory(struct ctl_call *call);

/* ------------------------------------------------------------- store */

extern const char *const cf_schema[];
extern const size_t cf_schema_steps;

/* Run one statement; binds: 's' const char * (NULL binds NULL), 'i' long long. */
int cf_sql_exec(struct popd_env *env, const char *sql, const char *binds, ...);
/* Prepare and bind; NULL on error (logged). */
sqlite3_stmt *cf_sql_query(struct popd_env *env, const char *sql, const char *binds, ...);
/* The first column of the first row as an integer; -ENOENT for no row. */
int cf_sql_count(struct popd_env *env, long long *out, const char *sql, const char *binds, ...);
/* Column text, "" for NULL. */
const char *cf_col(sqlite3_stmt *q, int i);

/* Record what a distribution config uses (policies, buckets) in cf_refs. */
int cf_refs_set(struct popd_env *env, const char *dist_id, const json_t *cfg);
/* Record a new change for @p kinds; its id in @p change_id (16 bytes). */
int cf_change(struct popd_env *env, uint32_t kinds, const char *comment, char *change_id);
/* Point every distribution that uses @p kind/@p ref at change @p change_id. */
int cf_refs_redeploy(struct popd_env *env, const char *kind, const char *ref,
		     const char *change_id);

/* The account id for ARNs. */
void cf_account_id(struct popd_env *env, char *out, size_t len);
/* A new ETag / distribution id: "E" and 13 uppercase letters or digits. */
void cf_new_etag(char *out, size_t len);
/* A new UUID (policies' ids). */
void cf_new_uuid(char *out, size_t len);

/* Common argument handling. */
const char *cf_arg_string(struct ctl_call *call, const char *name, bool required, int *rc);
int cf_arg_max_items(struct ctl_call *call, long long *max_items);
/* Refuse members of args other than @p allowed (NULL-terminated). */
int cf_args_only(struct ctl_call *call, const char *const *allowed);
/* Check IfMatch against @p etag: InvalidIfMatchVersion or PreconditionFailed. */
int cf_if_match(struct ctl_call *call, const char *etag);
/* Fail with the code and message a validation left. */
int cf_call_fail_check(struct ctl_call *call, int rc, const struct ctl_error *err);

/* Parse a time written by env_now_rfc3339() into Unix milliseconds. */
int64_t cf_time_ms(const char *rfc3339);

#endif /* POP_CLOUDFRONT_PVT_H */
