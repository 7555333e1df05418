/* SPDX-License-Identifier: BSD-3-Clause */
/* The module's command table and start-up. */
#include "cloudfront_pvt.h"

int cloudfront_init(struct popd_env *env)
{
	int rc = store_migrate(env->store, "cloudfront", cf_schema, cf_schema_steps);

	if (rc < 0) {
		CF_LOG(ERR, "cannot create the cloudfront tables: %s", pop_strerror(rc));
		return rc;
	}
	rc = env_register_compiler(env, TABLES_KIND_EDGE, cloudfront_compile_edge);
	if (rc == 0)
		rc = env_register_compiler(env, TABLES_KIND_INVALIDATIONS,
					   cloudfront_compile_invalidations);
	if (rc < 0)
		CF_LOG(ERR, "cannot register the edge compilers: %s", pop_strerror(rc));
	return rc;
}

/* The three policy kinds share handlers; these bind the kind. */
#define POLICY_HANDLERS(suffix, kind)                                                              \
	static int cmd_create_##suffix(struct ctl_call *call)                                      \
	{                                                                                          \
		return cf_cmd_policy_create(call, kind);                                           \
	}                                                                                          \
	static int cmd_get_##suffix(struct ctl_call *call)                                         \
	{                                                                                          \
		return cf_cmd_policy_get(call, kind, false);                                       \
	}                                                                                          \
	static int cmd_get_##suffix##_config(struct ctl_call *call)                                \
	{                                                                                          \
		return cf_cmd_policy_get(call, kind, true);                                        \
	}                                                                                          \
	static int cmd_update_##suffix(struct ctl_call *call)                                      \
	{                                                                                          \
		return cf_cmd_policy_update(call, kind);                                           \
	}                                                                                          \
	static int cmd_list_##suffix(struct ctl_call *call)                                        \
	{                                                                                          \
		return cf_cmd_policy_list(call, kind);                                             \
	}                                                                                          \
	static int cmd_delete_##suffix(struct ctl_call *call)                                      \
	{                                                                                          \
		return cf_cmd_policy_delete(call, kind);                                           \
	}

POLICY_HANDLERS(cp, CF_POLICY_CACHE)
POLICY_HANDLERS(orp, CF_POLICY_ORIGIN_REQUEST)
POLICY_HANDLERS(rhp, CF_POLICY_RESPONSE_HEADERS)

#define M CTL_CMD_MUTATES

const struct ctl_command cloudfront_commands[] = {
    {"cloudfront create-distribution", "{DistributionConfig} -> {Location, ETag, Distribution}",
     cf_cmd_create_distribution, M},
    {"cloudfront get-distribution", "{Id} -> {ETag, Distribution}", cf_cmd_get_distribution, 0},
    {"cloudfront get-distribution-config", "{Id} -> {ETag, DistributionConfig}",
     cf_cmd_get_config_distribution, 0},
    {"cloudfront update-distribution", "{Id, IfMatch, DistributionConfig} -> {ETag, Distribution}",
     cf_cmd_update_distribution, M},
    {"cloudfront list-distributions", "{Marker?, MaxItems?} -> {DistributionList}",
     cf_cmd_list_distribution, 0},
    {"cloudfront delete-distribution", "{Id, IfMatch} -> {}", cf_cmd_delete_distribution, M},
    {"cloudfront create-cache-policy", "{CachePolicyConfig} -> {Location, ETag, CachePolicy}",
     cmd_create_cp, M},
    {"cloudfront get-cache-policy", "{Id} -> {ETag, CachePolicy}", cmd_get_cp, 0},
    {"cloudfront get-cache-policy-config", "{Id} -> {ETag, CachePolicyConfig}", cmd_get_cp_config,
     0},
    {"cloudfront update-cache-policy", "{Id, IfMatch, CachePolicyConfig} -> {ETag, CachePolicy}",
     cmd_update_cp, M},
    {"cloudfront list-cache-policies", "{Type?, Marker?, MaxItems?} -> {CachePolicyList}",
     cmd_list_cp, 0},
    {"cloudfront delete-cache-policy", "{Id, IfMatch} -> {}", cmd_delete_cp, M},
    {"cloudfront create-origin-request-policy",
     "{OriginRequestPolicyConfig} -> {Location, ETag, OriginRequestPolicy}", cmd_create_orp, M},
    {"cloudfront get-origin-request-policy", "{Id} -> {ETag, OriginRequestPolicy}", cmd_get_orp, 0},
    {"cloudfront get-origin-request-policy-config", "{Id} -> {ETag, OriginRequestPolicyConfig}",
     cmd_get_orp_config, 0},
    {"cloudfront update-origin-request-policy",
     "{Id, IfMatch, OriginRequestPolicyConfig} -> {ETag, OriginRequestPolicy}", cmd_update_orp, M},
    {"cloudfront list-origin-request-policies",
     "{Type?, Marker?, MaxItems?} -> {OriginRequestPolicyList}", cmd_list_orp, 0},
    {"cloudfront delete-origin-request-policy", "{Id, IfMatch} -> {}", cmd_delete_orp, M},
    {"cloudfront create-response-headers-policy",
     "{ResponseHeadersPolicyConfig} -> {Location, ETag, ResponseHeadersPolicy}", cmd_create_rhp, M},
    {"cloudfront get-response-headers-policy", "{Id} -> {ETag, ResponseHeadersPolicy}", cmd_get_rhp,
     0},
    {"cloudfront get-response-headers-policy-config", "{Id} -> {ETag, ResponseHeadersPolicyConfig}",
     cmd_get_rhp_config, 0},
    {"cloudfront update-response-headers-policy",
     "{Id, IfMatch, ResponseHeadersPolicyConfig} -> {ETag, ResponseHeadersPolicy}", cmd_update_rhp,
     M},
    {"cloudfront list-response-headers-policies",
     "{Type?, Marker?, MaxItems?} -> {ResponseHeadersPolicyList}", cmd_list_rhp, 0},
    {"cloudfront delete-response-headers-policy", "{Id, IfMatch} -> {}", cmd_delete_rhp, M},
    {"cloudfront create-invalidation",
     "{DistributionId, InvalidationBatch: {Paths: {Quantity, Items}, CallerReference}} -> "
     "{Location, Invalidation}",
     cf_cmd_create_invalidation, M},
    {"cloudfront get-invalidation", "{DistributionId, Id} -> {Invalidation}",
     cf_cmd_get_invalidation, 0},
    {"cloudfront list-invalidations", "{DistributionId, Marker?, MaxItems?} -> {InvalidationList}",
     cf_cmd_list_invalidations, 0},
    {"cloudfront put-bucket-directory",
     "{Bucket, Directory} -> {Bucket, Directory} (pop: the local directory an S3 origin serves)",
     cf_cmd_put_bucket_directory, M},
    {"cloudfront list-bucket-directories", "{} -> {Buckets: [{Bucket, Directory}]}",
     cf_cmd_list_bucket_directories, 0},
    {"cloudfront delete-bucket-directory", "{Bucket} -> {}", cf_cmd_delete_bucket_directory, M},
};
const size_t cloudfront_command_count =
    sizeof(cloudfront_commands) / sizeof(cloudfront_commands[0]);
