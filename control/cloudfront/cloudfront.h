/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file cloudfront.h
 * popd's CloudFront module: distributions, cache / origin request / response
 * headers policies and invalidations, with the shapes, verbs and error codes
 * of the CloudFront API 2020-05-31 (botocore's
 * `cloudfront/2020-05-31/service-2.json`), compiled into the edge table
 * (TABLES_KIND_EDGE) and the invalidations table (TABLES_KIND_INVALIDATIONS).
 *
 * # Commands (args are the AWS CLI's input members, results its outputs)
 * - `cloudfront create-distribution` {DistributionConfig} → {Location, ETag, Distribution}
 * - `cloudfront get-distribution` {Id} → {ETag, Distribution}
 * - `cloudfront get-distribution-config` {Id} → {ETag, DistributionConfig}
 * - `cloudfront update-distribution` {Id, IfMatch, DistributionConfig} → {ETag, Distribution}
 * - `cloudfront list-distributions` {Marker?, MaxItems?} → {DistributionList}
 * - `cloudfront delete-distribution` {Id, IfMatch} → {}
 * - `cloudfront create-cache-policy` {CachePolicyConfig} → {Location, ETag, CachePolicy};
 *   `get-cache-policy`, `get-cache-policy-config` {Id}; `update-cache-policy`
 *   {Id, IfMatch, CachePolicyConfig}; `list-cache-policies` {Type?, Marker?,
 *   MaxItems?}; `delete-cache-policy` {Id, IfMatch}. The same six verbs for
 *   `origin-request-policy` and `response-headers-policy`.
 * - `cloudfront create-invalidation` {DistributionId, InvalidationBatch} →
 *   {Location, Invalidation}; `get-invalidation` {DistributionId, Id} →
 *   {Invalidation}; `list-invalidations` {DistributionId, Marker?, MaxItems?}
 *   → {InvalidationList}.
 * - pop's extension, the stand-in for S3 buckets: `cloudfront
 *   put-bucket-directory` {Bucket, Directory} maps a bucket name to a local
 *   directory (absolute, existing); `list-bucket-directories` {} →
 *   {Buckets: [{Bucket, Directory}]}; `delete-bucket-directory` {Bucket}
 *   (refused with `BucketInUse` while a distribution's origin uses it).
 *
 * # Semantics kept from CloudFront
 * - Every change is validated fully before anything is stored; an error
 *   names the field (`DistributionConfig.CacheBehaviors.Items[2].PathPattern:
 *   ...`) and changes nothing. Unknown members, wrong types, missing required
 *   members and values outside an enumeration are `InvalidArgument`; a
 *   `Quantity` that differs from the number of `Items` is
 *   `InconsistentQuantities`. Default quotas: 25 cache behaviors, 25 origins,
 *   10 origin groups, 100 aliases, 10 origin custom headers, 200
 *   distributions, 20 custom policies of each kind, 10 headers / cookies /
 *   query strings per policy, 10 custom headers per response headers policy,
 *   3000 paths per invalidation batch (15 with wildcards in progress).
 * - ETags change on every update; a missing IfMatch is
 *   `InvalidIfMatchVersion`, a stale one `PreconditionFailed`.
 * - Status is `InProgress` until every data plane worker uses an edge table
 *   generation that contains the change, then `Deployed`. An invalidation is
 *   `InProgress` until the invalidations table holding it is in use
 *   everywhere, then `Completed`.
 * - A distribution is deleted only when disabled and deployed
 *   (`DistributionNotDisabled`); a policy only when no behavior uses it
 *   (`CachePolicyInUse`, ...); managed policies (the AWS ones, by their
 *   documented ids) exist in every pop and cannot be changed (`IllegalUpdate`,
 *   `IllegalDelete`).
 *
 * # What the appliance does not have
 * Lambda@Edge, CloudFront Functions, key groups and trusted signers, field
 * level encryption, real-time log configs, AWS WAF and continuous deployment
 * do not exist here: a config that references one gets the error CloudFront
 * gives for a reference to something that does not exist
 * (`InvalidLambdaFunctionAssociation`, `InvalidFunctionAssociation`,
 * `TrustedKeyGroupDoesNotExist`, `TrustedSignerDoesNotExist`,
 * `NoSuchFieldLevelEncryptionConfig`, `NoSuchRealtimeLogConfig`,
 * `InvalidWebACLId`, `NoSuchContinuousDeploymentPolicy`). Staging
 * distributions are refused (`InvalidArgument`). Logging, PriceClass,
 * OriginShield, OriginAccessIdentity and OriginAccessControlId are kept and
 * shown but have no effect. Certificates are references (ACM ARN or IAM id)
 * that the appliance's TLS layer resolves; aliases do not require one.
 *
 * # S3 origins
 * An origin with S3OriginConfig must have a DomainName
 * `<bucket>.s3.amazonaws.com` or `<bucket>.s3.<region>.amazonaws.com`, and
 * the bucket must have a directory (put-bucket-directory); the edge serves
 * that directory (OriginPath below it). Otherwise `InvalidOrigin`.
 *
 * # Store
 * Tables prefixed `cf_` in popd's store: cf_distributions, cf_aliases,
 * cf_refs (what each distribution uses: policies, buckets), cf_policies,
 * cf_invalidations, cf_buckets.
 *
 * popd's thread only.
 */
#ifndef POP_CLOUDFRONT_H
#define POP_CLOUDFRONT_H

#include "env.h"
#include "sock.h"

#include <jansson.h>
#include <stddef.h>

/** The commands above; all that change state carry CTL_CMD_MUTATES. */
extern const struct ctl_command cloudfront_commands[];
extern const size_t cloudfront_command_count;

/**
 * Create the module's store tables (store_migrate) and register the
 * compilers of TABLES_KIND_EDGE and TABLES_KIND_INVALIDATIONS.
 * @return 0 or a negative error.
 */
int cloudfront_init(struct popd_env *env);

/** Build the edge table from the store into @p tb (registered as the EDGE compiler). */
int cloudfront_compile_edge(struct popd_env *env, struct tables_builder *tb);

/** Build the invalidations table from the store (the INVALIDATIONS compiler). */
int cloudfront_compile_invalidations(struct popd_env *env, struct tables_builder *tb);

/**
 * Validate a DistributionConfig as create-distribution does, without
 * storing anything.
 * @param env the store to check references against (policies, buckets,
 *   aliases of other distributions); NULL to check the document alone
 *   (managed policies are the only ones that exist, buckets and aliases are
 *   not looked up).
 * @param config the DistributionConfig object.
 * @param err on failure, the AWS error code and a message naming the field.
 * @return 0, or -EINVAL (-EEXIST for a clash, -ENOENT for a missing
 *   reference) with @p err set.
 */
int cloudfront_check_distribution_config(struct popd_env *env, const json_t *config,
					 struct ctl_error *err);

#endif /* POP_CLOUDFRONT_H */
