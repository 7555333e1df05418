/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The AWS managed policies: in every account under the same ids, so configs
 * written for CloudFront that reference them work here unchanged. Their
 * settings follow the CloudFront developer guide ("Use managed cache
 * policies", "... origin request policies", "... response headers
 * policies").
 */
#include "cloudfront_pvt.h"

#include <string.h>

const struct cf_policy_names cf_policy_names[CF_POLICY_KIND_MAX] = {
    [CF_POLICY_CACHE] = {"cache", "CachePolicy", "CachePolicyConfig", "CachePolicyList",
			 "NoSuchCachePolicy", "CachePolicyAlreadyExists", "CachePolicyInUse",
			 "TooManyCachePolicies", "cache-policy", "CachePolicyId"},
    [CF_POLICY_ORIGIN_REQUEST] = {"origin_request", "OriginRequestPolicy",
				  "OriginRequestPolicyConfig", "OriginRequestPolicyList",
				  "NoSuchOriginRequestPolicy", "OriginRequestPolicyAlreadyExists",
				  "OriginRequestPolicyInUse", "TooManyOriginRequestPolicies",
				  "origin-request-policy", "OriginRequestPolicyId"},
    [CF_POLICY_RESPONSE_HEADERS] = {"response_headers", "ResponseHeadersPolicy",
				    "ResponseHeadersPolicyConfig", "ResponseHeadersPolicyList",
				    "NoSuchResponseHeadersPolicy",
				    "ResponseHeadersPolicyAlreadyExists",
				    "ResponseHeadersPolicyInUse", "TooManyResponseHeadersPolicies",
				    "response-headers-policy", "ResponseHeadersPolicyId"},
};

#define NONE_KEY                                                                                   \
	"\"HeadersConfig\":{\"HeaderBehavior\":\"none\"},"                                         \
	"\"CookiesConfig\":{\"CookieBehavior\":\"none\"},"                                         \
	"\"QueryStringsConfig\":{\"QueryStringBehavior\":\"none\"}"

#define SIMPLE_CORS                                                                                \
	"\"CorsConfig\":{\"AccessControlAllowOrigins\":{\"Quantity\":1,\"Items\":[\"*\"]},"        \
	"\"AccessControlAllowHeaders\":{\"Quantity\":1,\"Items\":[\"*\"]},"                        \
	"\"AccessControlAllowMethods\":{\"Quantity\":1,\"Items\":[\"ALL\"]},"                      \
	"\"AccessControlAllowCredentials\":false,\"OriginOverride\":false}"

#define PREFLIGHT_CORS                                                                             \
	"\"CorsConfig\":{\"AccessControlAllowOrigins\":{\"Quantity\":1,\"Items\":[\"*\"]},"        \
	"\"AccessControlAllowHeaders\":{\"Quantity\":1,\"Items\":[\"*\"]},"                        \
	"\"AccessControlAllowMethods\":{\"Quantity\":7,\"Items\":[\"DELETE\",\"GET\",\"HEAD\","    \
	"\"OPTIONS\",\"PATCH\",\"POST\",\"PUT\"]},"                                                \
	"\"AccessControlExposeHeaders\":{\"Quantity\":1,\"Items\":[\"*\"]},"                       \
	"\"AccessControlMaxAgeSec\":600,"                                                          \
	"\"AccessControlAllowCredentials\":false,\"OriginOverride\":false}"

#define SECURITY_HEADERS                                                                           \
	"\"SecurityHeadersConfig\":{"                                                              \
	"\"XSSProtection\":{\"Override\":false,\"Protection\":true,\"ModeBlock\":true},"           \
	"\"FrameOptions\":{\"Override\":false,\"FrameOption\":\"SAMEORIGIN\"},"                    \
	"\"ReferrerPolicy\":{\"Override\":false,"                                                  \
	"\"ReferrerPolicy\":\"strict-origin-when-cross-origin\"},"                                 \
	"\"ContentTypeOptions\":{\"Override\":true},"                                              \
	"\"StrictTransportSecurity\":{\"Override\":false,\"IncludeSubdomains\":false,"             \
	"\"Preload\":false,\"AccessControlMaxAgeSec\":31536000}}"

const struct cf_managed_policy cf_managed_policies[] = {
    /* ---------------------------------------------------------- cache */
    {CF_POLICY_CACHE, "4135ea2d-6df8-44a3-9df3-4b5a84be39ad", "Managed-CachingDisabled",
     "E23ZP02F085DFQ",
     "{\"Comment\":\"Policy with caching disabled\",\"Name\":\"Managed-CachingDisabled\","
     "\"DefaultTTL\":0,\"MaxTTL\":0,\"MinTTL\":0,"
     "\"ParametersInCacheKeyAndForwardedToOrigin\":{\"EnableAcceptEncodingGzip\":false,"
     "\"EnableAcceptEncodingBrotli\":false," NONE_KEY "}}"},
    {CF_POLICY_CACHE, "658327ea-f89d-4fab-a63d-7e88639e58f6", "Managed-CachingOptimized",
     "E3UN6WX5RRO2AG",
     "{\"Comment\":\"Policy with caching enabled. Supports Gzip and Brotli compression.\","
     "\"Name\":\"Managed-CachingOptimized\",\"DefaultTTL\":86400,\"MaxTTL\":31536000,"
     "\"MinTTL\":1,\"ParametersInCacheKeyAndForwardedToOrigin\":{"
     "\"EnableAcceptEncodingGzip\":true,\"EnableAcceptEncodingBrotli\":true," NONE_KEY "}}"},
    {CF_POLICY_CACHE, "b2884449-e4de-46a7-ac36-70bc7f1ddd6d",
     "Managed-CachingOptimizedForUncompressedObjects", "E1S2R0E2B2J2Z4",
     "{\"Comment\":\"Default policy when compression is disabled\","
     "\"Name\":\"Managed-CachingOptimizedForUncompressedObjects\",\"DefaultTTL\":86400,"
     "\"MaxTTL\":31536000,\"MinTTL\":1,\"ParametersInCacheKeyAndForwardedToOrigin\":{"
     "\"EnableAcceptEncodingGzip\":false,\"EnableAcceptEncodingBrotli\":false," NONE_KEY "}}"},
    {CF_POLICY_CACHE, "08627262-05a9-4f76-9ded-b50ca2e3a84f", "Managed-Elemental-MediaPackage",
     "E2MJ7LHDWKD3F0",
     "{\"Comment\":\"Policy for Elemental MediaPackage Origin\","
     "\"Name\":\"Managed-Elemental-MediaPackage\",\"DefaultTTL\":86400,\"MaxTTL\":31536000,"
     "\"MinTTL\":0,\"ParametersInCacheKeyAndForwardedToOrigin\":{"
     "\"EnableAcceptEncodingGzip\":true,\"EnableAcceptEncodingBrotli\":false,"
     "\"HeadersConfig\":{\"HeaderBehavior\":\"whitelist\",\"Headers\":{\"Quantity\":1,"
     "\"Items\":[\"origin\"]}},\"CookiesConfig\":{\"CookieBehavior\":\"none\"},"
     "\"QueryStringsConfig\":{\"QueryStringBehavior\":\"whitelist\",\"QueryStrings\":{"
     "\"Quantity\":4,\"Items\":[\"aws.manifestfilter\",\"start\",\"end\",\"m\"]}}}}"},
    {CF_POLICY_CACHE, "2e54312d-136d-493c-8eb9-b001f22f67d2", "Managed-Amplify", "E2Q5XJ1C7ZP4WS",
     "{\"Comment\":\"Policy for Amplify Origin\",\"Name\":\"Managed-Amplify\","
     "\"DefaultTTL\":2,\"MaxTTL\":600,\"MinTTL\":2,"
     "\"ParametersInCacheKeyAndForwardedToOrigin\":{\"EnableAcceptEncodingGzip\":true,"
     "\"EnableAcceptEncodingBrotli\":true,\"HeadersConfig\":{\"HeaderBehavior\":\"whitelist\","
     "\"Headers\":{\"Quantity\":3,\"Items\":[\"Authorization\",\"CloudFront-Viewer-Country\","
     "\"Host\"]}},\"CookiesConfig\":{\"CookieBehavior\":\"all\"},"
     "\"QueryStringsConfig\":{\"QueryStringBehavior\":\"all\"}}}"},
    {CF_POLICY_CACHE, "83da9c7e-98b4-4e11-a168-04f0df8e2c65",
     "Managed-UseOriginCacheControlHeaders", "E1W8Q3HX9ZP0T2",
     "{\"Comment\":\"Policy for origins that return Cache-Control headers\","
     "\"Name\":\"Managed-UseOriginCacheControlHeaders\",\"DefaultTTL\":0,"
     "\"MaxTTL\":31536000,\"MinTTL\":0,\"ParametersInCacheKeyAndForwardedToOrigin\":{"
     "\"EnableAcceptEncodingGzip\":true,\"EnableAcceptEncodingBrotli\":true,"
     "\"HeadersConfig\":{\"HeaderBehavior\":\"whitelist\",\"Headers\":{\"Quantity\":5,"
     "\"Items\":[\"host\",\"origin\",\"x-http-method-override\",\"x-http-method\","
     "\"x-method-override\"]}},\"CookiesConfig\":{\"CookieBehavior\":\"all\"},"
     "\"QueryStringsConfig\":{\"QueryStringBehavior\":\"none\"}}}"},
    {CF_POLICY_CACHE, "4cc15a8a-d715-48a4-82b8-cc0b614638fe",
     "Managed-UseOriginCacheControlHeaders-QueryStrings", "E3F5N9MZ7DXQ2K",
     "{\"Comment\":\"Policy for origins that return Cache-Control headers and query "
     "strings\",\"Name\":\"Managed-UseOriginCacheControlHeaders-QueryStrings\","
     "\"DefaultTTL\":0,\"MaxTTL\":31536000,\"MinTTL\":0,"
     "\"ParametersInCacheKeyAndForwardedToOrigin\":{\"EnableAcceptEncodingGzip\":true,"
     "\"EnableAcceptEncodingBrotli\":true,\"HeadersConfig\":{\"HeaderBehavior\":\"whitelist\","
     "\"Headers\":{\"Quantity\":5,\"Items\":[\"host\",\"origin\",\"x-http-method-override\","
     "\"x-http-method\",\"x-method-override\"]}},\"CookiesConfig\":{\"CookieBehavior\":\"all\"},"
     "\"QueryStringsConfig\":{\"QueryStringBehavior\":\"all\"}}}"},
    /* ------------------------------------------------- origin request */
    {CF_POLICY_ORIGIN_REQUEST, "216adef6-5c7f-47e4-b989-5492eafa07d3", "Managed-AllViewer",
     "E2TVXHN0Q8K1LF",
     "{\"Comment\":\"Policy to forward all parameters in viewer requests\","
     "\"Name\":\"Managed-AllViewer\",\"HeadersConfig\":{\"HeaderBehavior\":\"allViewer\"},"
     "\"CookiesConfig\":{\"CookieBehavior\":\"all\"},"
     "\"QueryStringsConfig\":{\"QueryStringBehavior\":\"all\"}}"},
    {CF_POLICY_ORIGIN_REQUEST, "33f36d7e-f396-46d9-90e0-52428a34d9dc",
     "Managed-AllViewerAndCloudFrontHeaders-2022-06", "E3MKDV8R2W5JAT",
     "{\"Comment\":\"Policy to forward all parameters in viewer requests and all CloudFront "
     "headers released through June 2022\","
     "\"Name\":\"Managed-AllViewerAndCloudFrontHeaders-2022-06\","
     "\"HeadersConfig\":{\"HeaderBehavior\":\"allViewerAndWhitelistCloudFront\","
     "\"Headers\":{\"Quantity\":21,\"Items\":[\"CloudFront-Forwarded-Proto\","
     "\"CloudFront-Is-Android-Viewer\",\"CloudFront-Is-Desktop-Viewer\","
     "\"CloudFront-Is-IOS-Viewer\",\"CloudFront-Is-Mobile-Viewer\","
     "\"CloudFront-Is-SmartTV-Viewer\",\"CloudFront-Is-Tablet-Viewer\","
     "\"CloudFront-Viewer-Address\",\"CloudFront-Viewer-ASN\",\"CloudFront-Viewer-City\","
     "\"CloudFront-Viewer-Country\",\"CloudFront-Viewer-Country-Name\","
     "\"CloudFront-Viewer-Country-Region\",\"CloudFront-Viewer-Country-Region-Name\","
     "\"CloudFront-Viewer-Http-Version\",\"CloudFront-Viewer-Latitude\","
     "\"CloudFront-Viewer-Longitude\",\"CloudFront-Viewer-Metro-Code\","
     "\"CloudFront-Viewer-Postal-Code\",\"CloudFront-Viewer-Time-Zone\","
     "\"CloudFront-Viewer-TLS\"]}},"
     "\"CookiesConfig\":{\"CookieBehavior\":\"all\"},"
     "\"QueryStringsConfig\":{\"QueryStringBehavior\":\"all\"}}"},
    {CF_POLICY_ORIGIN_REQUEST, "b689b0a8-53d0-40ab-baf2-68738e2966ac",
     "Managed-AllViewerExceptHostHeader", "E1KVJ2N4PF3S7Q",
     /* "allExcept" is newer than the 2020-05-31 model botocore ships here. */
     "{\"Comment\":\"Policy to forward all parameters in viewer requests except for the Host "
     "header\",\"Name\":\"Managed-AllViewerExceptHostHeader\","
     "\"HeadersConfig\":{\"HeaderBehavior\":\"allExcept\",\"Headers\":{\"Quantity\":1,"
     "\"Items\":[\"host\"]}},\"CookiesConfig\":{\"CookieBehavior\":\"all\"},"
     "\"QueryStringsConfig\":{\"QueryStringBehavior\":\"all\"}}"},
    {CF_POLICY_ORIGIN_REQUEST, "59781a5b-3903-41f3-afcb-af62929ccde1", "Managed-CORS-CustomOrigin",
     "E2D0HRB0JYV5FM",
     "{\"Comment\":\"Policy for Custom Origin with CORS\",\"Name\":\"Managed-CORS-CustomOrigin\","
     "\"HeadersConfig\":{\"HeaderBehavior\":\"whitelist\",\"Headers\":{\"Quantity\":1,"
     "\"Items\":[\"origin\"]}},\"CookiesConfig\":{\"CookieBehavior\":\"none\"},"
     "\"QueryStringsConfig\":{\"QueryStringBehavior\":\"none\"}}"},
    {CF_POLICY_ORIGIN_REQUEST, "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf", "Managed-CORS-S3Origin",
     "E1VPHB2SM6E0ZN",
     "{\"Comment\":\"Policy for S3 origin with CORS\",\"Name\":\"Managed-CORS-S3Origin\","
     "\"HeadersConfig\":{\"HeaderBehavior\":\"whitelist\",\"Headers\":{\"Quantity\":3,"
     "\"Items\":[\"origin\",\"access-control-request-headers\","
     "\"access-control-request-method\"]}},\"CookiesConfig\":{\"CookieBehavior\":\"none\"},"
     "\"QueryStringsConfig\":{\"QueryStringBehavior\":\"none\"}}"},
    {CF_POLICY_ORIGIN_REQUEST, "775133bc-15f2-49f9-abea-afb2e0bf67d2",
     "Managed-Elemental-MediaTailor-PersonalizedManifests", "E3A7XY1NK9F5QW",
     "{\"Comment\":\"Policy for Elemental MediaTailor Personalized Manifests\","
     "\"Name\":\"Managed-Elemental-MediaTailor-PersonalizedManifests\","
     "\"HeadersConfig\":{\"HeaderBehavior\":\"whitelist\",\"Headers\":{\"Quantity\":5,"
     "\"Items\":[\"origin\",\"access-control-request-headers\",\"x-forwarded-for\","
     "\"access-control-request-method\",\"user-agent\"]}},"
     "\"CookiesConfig\":{\"CookieBehavior\":\"none\"},"
     "\"QueryStringsConfig\":{\"QueryStringBehavior\":\"all\"}}"},
    {CF_POLICY_ORIGIN_REQUEST, "acba4595-bd28-49b8-b9fe-13317c0390fa",
     "Managed-UserAgentRefererHeaders", "E2PLTQ6C4GJ0R8",
     "{\"Comment\":\"Policy for forwarding User-Agent and Referer headers\","
     "\"Name\":\"Managed-UserAgentRefererHeaders\","
     "\"HeadersConfig\":{\"HeaderBehavior\":\"whitelist\",\"Headers\":{\"Quantity\":2,"
     "\"Items\":[\"user-agent\",\"referer\"]}},\"CookiesConfig\":{\"CookieBehavior\":\"none\"},"
     "\"QueryStringsConfig\":{\"QueryStringBehavior\":\"all\"}}"},
    /* ----------------------------------------------- response headers */
    {CF_POLICY_RESPONSE_HEADERS, "60669652-455b-4ae9-85a4-c4c02393f86c", "Managed-SimpleCORS",
     "E1WK7N3FCH0S5L",
     "{\"Comment\":\"Allows all origins for simple CORS requests\","
     "\"Name\":\"Managed-SimpleCORS\"," SIMPLE_CORS "}"},
    {CF_POLICY_RESPONSE_HEADERS, "5cc3b908-e619-4b99-88e5-2cf7f45965bd",
     "Managed-CORS-With-Preflight", "E2C8YU0DB5W9NV",
     "{\"Comment\":\"Allows all origins for CORS requests, including preflight requests\","
     "\"Name\":\"Managed-CORS-With-Preflight\"," PREFLIGHT_CORS "}"},
    {CF_POLICY_RESPONSE_HEADERS, "67f7725c-6f97-4210-82d7-5512b31e9d03",
     "Managed-SecurityHeadersPolicy", "E3OB4W1Z9HMRJD",
     "{\"Comment\":\"Adds a set of security headers to every response\","
     "\"Name\":\"Managed-SecurityHeadersPolicy\"," SECURITY_HEADERS "}"},
    {CF_POLICY_RESPONSE_HEADERS, "e61eb60c-9c35-4d20-a928-2b84e02af89c",
     "Managed-CORS-and-SecurityHeadersPolicy", "E1B7GQ5U2TXK3V",
     "{\"Comment\":\"Allows all origins for simple CORS requests and adds security headers\","
     "\"Name\":\"Managed-CORS-and-SecurityHeadersPolicy\"," SIMPLE_CORS "," SECURITY_HEADERS "}"},
    {CF_POLICY_RESPONSE_HEADERS, "eaab4381-ed33-4a86-88ca-d9558dc6cd63",
     "Managed-CORS-with-preflight-and-SecurityHeadersPolicy", "E2Z6M0RQ8LSXNC",
     "{\"Comment\":\"Allows all origins for CORS requests, including preflight requests, and "
     "adds security "
     "headers\",\"Name\":\"Managed-CORS-with-preflight-and-SecurityHeadersPolicy\"," PREFLIGHT_CORS
     "," SECURITY_HEADERS "}"},
};
const size_t cf_managed_policy_count = sizeof(cf_managed_policies) / sizeof(cf_managed_policies[0]);

const struct cf_managed_policy *cf_managed_find(enum cf_policy_kind kind, const char *id)
{
	for (size_t i = 0; i < cf_managed_policy_count; i++)
		if (cf_managed_policies[i].kind == kind &&
		    strcmp(cf_managed_policies[i].id, id) == 0)
			return &cf_managed_policies[i];
	return NULL;
}

const struct cf_managed_policy *cf_managed_find_name(enum cf_policy_kind kind, const char *name)
{
	for (size_t i = 0; i < cf_managed_policy_count; i++)
		if (cf_managed_policies[i].kind == kind &&
		    strcmp(cf_managed_policies[i].name, name) == 0)
			return &cf_managed_policies[i];
	return NULL;
}
