/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CloudFront fills in the members a config leaves out and shows them in
 * Get*Config; so do we, so that get-distribution-config, edit, and
 * update-distribution round-trips. Input is a validated document.
 */
#include "cloudfront_pvt.h"

#include <string.h>

/* Set obj[key] = v (a new reference) when key is absent; v is consumed either way. */
static void dflt(json_t *obj, const char *key, json_t *v)
{
	if (obj == NULL || v == NULL) {
		json_decref(v);
		return;
	}
	if (json_object_get(obj, key) == NULL)
		json_object_set_new(obj, key, v);
	else
		json_decref(v);
}

static json_t *quantity0(void)
{
	return json_pack("{s:i}", "Quantity", 0);
}

static json_t *get_head_methods(void)
{
	return json_pack("{s:i, s:[s,s]}", "Quantity", 2, "Items", "HEAD", "GET");
}

static void normalize_behavior(json_t *b)
{
	json_t *allowed;

	dflt(b, "TrustedSigners", json_pack("{s:b, s:i}", "Enabled", 0, "Quantity", 0));
	dflt(b, "TrustedKeyGroups", json_pack("{s:b, s:i}", "Enabled", 0, "Quantity", 0));
	dflt(b, "AllowedMethods", get_head_methods());
	allowed = json_object_get(b, "AllowedMethods");
	dflt(allowed, "CachedMethods", get_head_methods());
	dflt(b, "SmoothStreaming", json_false());
	dflt(b, "Compress", json_false());
	dflt(b, "LambdaFunctionAssociations", quantity0());
	dflt(b, "FunctionAssociations", quantity0());
	dflt(b, "FieldLevelEncryptionId", json_string(""));
	if (json_object_get(b, "ForwardedValues") != NULL) {
		json_t *fv = json_object_get(b, "ForwardedValues");
		long long mn = cf_int(b, "MinTTL", CF_DEFAULT_MIN_TTL);
		long long df = cf_int(b, "DefaultTTL",
				      mn > CF_DEFAULT_DEFAULT_TTL ? mn : CF_DEFAULT_DEFAULT_TTL);
		dflt(fv, "Headers", quantity0());
		dflt(fv, "QueryStringCacheKeys", quantity0());
		dflt(b, "MinTTL", json_integer(mn));
		dflt(b, "DefaultTTL", json_integer(df));
		dflt(b, "MaxTTL", json_integer(df > CF_DEFAULT_MAX_TTL ? df : CF_DEFAULT_MAX_TTL));
	}
}

json_t *cf_normalize_distribution(const json_t *cfg)
{
	json_t *n = json_deep_copy(cfg), *vc, *items, *it;
	size_t i;

	if (n == NULL)
		return NULL;
	dflt(n, "Aliases", quantity0());
	dflt(n, "DefaultRootObject", json_string(""));
	dflt(n, "OriginGroups", quantity0());
	dflt(n, "CacheBehaviors", quantity0());
	dflt(n, "CustomErrorResponses", quantity0());
	dflt(n, "Logging",
	     json_pack("{s:b, s:b, s:s, s:s}", "Enabled", 0, "IncludeCookies", 0, "Bucket", "",
		       "Prefix", ""));
	dflt(n, "PriceClass", json_string("PriceClass_All"));
	dflt(n, "ViewerCertificate", json_pack("{s:b}", "CloudFrontDefaultCertificate", 1));
	vc = json_object_get(n, "ViewerCertificate");
	if (*cf_str(vc, "ACMCertificateArn", "") != '\0') {
		dflt(vc, "Certificate", json_string(cf_str(vc, "ACMCertificateArn", "")));
		dflt(vc, "CertificateSource", json_string("acm"));
		dflt(vc, "MinimumProtocolVersion", json_string("TLSv1"));
	} else if (*cf_str(vc, "IAMCertificateId", "") != '\0') {
		dflt(vc, "Certificate", json_string(cf_str(vc, "IAMCertificateId", "")));
		dflt(vc, "CertificateSource", json_string("iam"));
		dflt(vc, "MinimumProtocolVersion", json_string("TLSv1"));
	} else {
		/* The default *.cloudfront.net certificate: CloudFront pins these. */
		json_object_set_new(vc, "CloudFrontDefaultCertificate", json_true());
		dflt(vc, "SSLSupportMethod", json_string("vip"));
		dflt(vc, "MinimumProtocolVersion", json_string("TLSv1"));
		dflt(vc, "CertificateSource", json_string("cloudfront"));
	}
	dflt(n, "Restrictions",
	     json_pack("{s:{s:s, s:i}}", "GeoRestriction", "RestrictionType", "none", "Quantity",
		       0));
	dflt(n, "WebACLId", json_string(""));
	dflt(n, "HttpVersion", json_string("http2"));
	dflt(n, "IsIPV6Enabled", json_true());
	dflt(n, "ContinuousDeploymentPolicyId", json_string(""));
	dflt(n, "Staging", json_false());

	items = (json_t *)cf_items(n, "Origins");
	json_array_foreach(items, i, it)
	{
		json_t *custom = json_object_get(it, "CustomOriginConfig");
		dflt(it, "OriginPath", json_string(""));
		dflt(it, "CustomHeaders", quantity0());
		dflt(it, "ConnectionAttempts", json_integer(3));
		dflt(it, "ConnectionTimeout", json_integer(10));
		dflt(it, "OriginShield", json_pack("{s:b}", "Enabled", 0));
		dflt(it, "OriginAccessControlId", json_string(""));
		if (custom != NULL) {
			dflt(custom, "OriginSslProtocols",
			     json_pack("{s:i, s:[s]}", "Quantity", 1, "Items", "TLSv1.2"));
			dflt(custom, "OriginReadTimeout", json_integer(30));
			dflt(custom, "OriginKeepaliveTimeout", json_integer(5));
		}
	}
	normalize_behavior(json_object_get(n, "DefaultCacheBehavior"));
	items = (json_t *)cf_items(n, "CacheBehaviors");
	json_array_foreach(items, i, it) normalize_behavior(it);
	items = (json_t *)cf_items(n, "CustomErrorResponses");
	json_array_foreach(items, i, it)
	{
		dflt(it, "ResponsePagePath", json_string(""));
		dflt(it, "ResponseCode", json_string(""));
		dflt(it, "ErrorCachingMinTTL", json_integer(10));
	}
	return n;
}

json_t *cf_normalize_cache_policy(const json_t *cfg)
{
	json_t *n = json_deep_copy(cfg), *p;
	long long mn, df;

	if (n == NULL)
		return NULL;
	mn = cf_int(n, "MinTTL", 0);
	df = cf_int(n, "DefaultTTL", mn > CF_DEFAULT_DEFAULT_TTL ? mn : CF_DEFAULT_DEFAULT_TTL);
	dflt(n, "DefaultTTL", json_integer(df));
	dflt(n, "MaxTTL", json_integer(df > CF_DEFAULT_MAX_TTL ? df : CF_DEFAULT_MAX_TTL));
	dflt(n, "ParametersInCacheKeyAndForwardedToOrigin",
	     json_pack("{s:b, s:{s:s}, s:{s:s}, s:{s:s}}", "EnableAcceptEncodingGzip", 0,
		       "HeadersConfig", "HeaderBehavior", "none", "CookiesConfig", "CookieBehavior",
		       "none", "QueryStringsConfig", "QueryStringBehavior", "none"));
	p = json_object_get(n, "ParametersInCacheKeyAndForwardedToOrigin");
	dflt(p, "EnableAcceptEncodingBrotli", json_false());
	return n;
}

json_t *cf_normalize_origin_request_policy(const json_t *cfg)
{
	return json_deep_copy(cfg);
}

json_t *cf_normalize_response_headers_policy(const json_t *cfg)
{
	return json_deep_copy(cfg);
}
