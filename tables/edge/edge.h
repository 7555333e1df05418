/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file edge.h
 * The edge table (TABLES_KIND_EDGE): CloudFront-style distributions, their
 * origins, origin groups, behaviors and custom error responses, and the cache,
 * origin request and response headers policies they use; and the
 * invalidations table (TABLES_KIND_INVALIDATIONS). popd builds both (the
 * builder half links Hyperscan's compiler); popdp reads them in place.
 *
 * # Layout of the edge table
 * All offsets are from the start of the snapshot file; 0 means "none". The
 * snapshot's `top` is a struct edge_top, which holds the arrays of
 * distributions and policies, and an open hash table of host names (every
 * distribution's aliases, exact or wildcard like "*.example.com", and its own
 * domain name like "d1abcdefghijkl.cloudfront.net"), all lowercase.
 *
 * Every string is a struct edge_str: offset and length of bytes followed by a
 * NUL that edge_table_check() verifies, so a reader may use it as a C string.
 *
 * A distribution's behaviors are an array of n_behaviors + 1 records in
 * precedence order: index i < n_behaviors is CacheBehaviors.Items[i], the last
 * one is the default cache behavior. Its path patterns travel as a serialized
 * Hyperscan database (block mode; expression id = precedence index; flags
 * HS_FLAG_DOTALL | HS_FLAG_SINGLEMATCH, plus HS_FLAG_ALLOWEMPTY for patterns
 * made only of wildcards), absent when the distribution has no ordered
 * behavior. The database is compiled for the host popd runs on: popd and
 * popdp run on the same machine.
 *
 * # Path patterns (CloudFront semantics)
 * `*` matches any run of characters, `/` included; `?` matches exactly one
 * character; everything else is literal and case-sensitive; the pattern
 * covers the whole path (anchored at both ends). A leading `/` in the pattern
 * is optional: `images/\*.jpg` and `/images/\*.jpg` are the same pattern; the
 * path, as popdp takes it from the request line (without the query string),
 * may start with `/` or not. When several behaviors match, the lowest
 * precedence index wins; when none does, the default behavior applies.
 *
 * # Threads
 * Builder functions: popd's thread. edge_table_check() and
 * edge_invalidations_check(): the control thread of popdp, once per
 * generation, before workers see the snapshot. Every other reader function:
 * any thread, no syscall, no lock, no allocation.
 */
#ifndef POP_EDGE_H
#define POP_EDGE_H

#include "tables.h"

#include <hs/hs.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** "No such index" in a record (no policy attached, ...). */
#define EDGE_NONE UINT32_MAX
/** What edge_match_behavior() returns when no ordered behavior matches. */
#define EDGE_BEHAVIOR_DEFAULT UINT32_MAX

/** Longest path pattern CloudFront accepts, in bytes. */
#define EDGE_PATH_PATTERN_MAX 255
/** Longest host name (alias or domain name), in bytes. */
#define EDGE_HOST_MAX 253
/** Sanity bounds of the layout (the control plane enforces CloudFront's lower quotas). */
#define EDGE_MAX_BEHAVIORS	 1024
#define EDGE_MAX_ORIGINS	 1024
#define EDGE_MAX_STATUS_CODES	 8
#define EDGE_MAX_ERROR_RESPONSES 64

/** HTTP methods, as bits of allowed/cached method masks. */
#define EDGE_METHOD_GET	    0x01u
#define EDGE_METHOD_HEAD    0x02u
#define EDGE_METHOD_POST    0x04u
#define EDGE_METHOD_PUT	    0x08u
#define EDGE_METHOD_PATCH   0x10u
#define EDGE_METHOD_OPTIONS 0x20u
#define EDGE_METHOD_DELETE  0x40u
#define EDGE_METHOD_ALL	    0x7fu

/** Origin TLS protocols, as bits of edge_origin_rec.ssl_protocols. */
#define EDGE_SSL_SSLV3	 0x01u
#define EDGE_SSL_TLSV1	 0x02u
#define EDGE_SSL_TLSV1_1 0x04u
#define EDGE_SSL_TLSV1_2 0x08u

enum edge_viewer_protocol {
	EDGE_VIEWER_ALLOW_ALL = 0,
	EDGE_VIEWER_HTTPS_ONLY,
	EDGE_VIEWER_REDIRECT_TO_HTTPS,
};

enum edge_origin_kind {
	/** The appliance's stand-in for an S3 bucket: files served from a local directory. */
	EDGE_ORIGIN_DIRECTORY = 0,
	/** An HTTP(S) server fetched over the network. */
	EDGE_ORIGIN_CUSTOM,
};

enum edge_origin_protocol {
	EDGE_ORIGIN_HTTP_ONLY = 0,
	EDGE_ORIGIN_MATCH_VIEWER,
	EDGE_ORIGIN_HTTPS_ONLY,
};

enum edge_http_version {
	EDGE_HTTP_1_1 = 0,
	EDGE_HTTP_2,
	EDGE_HTTP_3,
	EDGE_HTTP_2_AND_3,
};

enum edge_ssl_support {
	EDGE_SSL_SUPPORT_SNI_ONLY = 0,
	EDGE_SSL_SUPPORT_VIP,
	EDGE_SSL_SUPPORT_STATIC_IP,
};

enum edge_geo_restriction {
	EDGE_GEO_NONE = 0,
	EDGE_GEO_WHITELIST, /**< only the listed countries are served */
	EDGE_GEO_BLACKLIST, /**< the listed countries are refused */
};

/** What a policy includes: headers, cookies or query strings. */
enum edge_selection {
	EDGE_SELECT_NONE = 0,
	EDGE_SELECT_WHITELIST,	/**< only the listed names */
	EDGE_SELECT_ALL_EXCEPT, /**< all but the listed names */
	EDGE_SELECT_ALL,
	EDGE_SELECT_ALL_VIEWER,		       /**< origin request headers: all the viewer's */
	EDGE_SELECT_ALL_VIEWER_AND_CLOUDFRONT, /**< the viewer's and the listed CloudFront-* */
};

/* ------------------------------------------------------------- records */

/** A string in the snapshot: @c len bytes at @c off, then a NUL. */
struct edge_str {
	uint64_t off;
	uint32_t len;
	uint32_t reserved;
};

/** A list of strings: @c n struct edge_str at @c off. */
struct edge_strlist {
	uint64_t off;
	uint32_t n;
	uint32_t reserved;
};

/** The edge table's top structure. */
struct edge_top {
	uint32_t n_distributions, n_cache_policies, n_origin_request_policies,
	    n_response_headers_policies;
	uint32_t n_hosts, n_host_buckets; /**< n_host_buckets: a power of two */
	uint64_t distributions_off, cache_policies_off, origin_request_policies_off,
	    response_headers_policies_off;
	uint64_t hosts_off;	   /**< struct edge_host_rec[n_hosts] */
	uint64_t host_buckets_off; /**< uint32_t[n_host_buckets]: host index + 1, 0 empty */
};

#define EDGE_HOST_ALIAS	      0u /**< an alternate domain name (CNAME) */
#define EDGE_HOST_DOMAIN_NAME 1u /**< the distribution's own dXXXX.cloudfront.net name */

/** One host name on a hash chain. */
struct edge_host_rec {
	struct edge_str name; /**< lowercase; "*.example.com" for a wildcard */
	uint32_t hash;	      /**< edge_host_hash() of the name */
	uint32_t distribution;
	uint32_t next; /**< next host index + 1 on the chain, 0 at the end */
	uint8_t wildcard, kind;
	uint8_t reserved[2];
};

/** A header name and value (origin custom headers, response headers policies). */
struct edge_header_rec {
	struct edge_str name, value;
	uint8_t override; /**< response headers: replace the origin's header */
	uint8_t reserved[7];
};

struct edge_origin_rec {
	struct edge_str id, domain_name, origin_path;
	struct edge_str directory; /**< EDGE_ORIGIN_DIRECTORY: the local directory */
	uint64_t headers_off;	   /**< struct edge_header_rec[n_headers]: custom headers */
	uint32_t n_headers;
	uint16_t http_port, https_port;
	uint8_t kind;	       /**< enum edge_origin_kind */
	uint8_t protocol;      /**< enum edge_origin_protocol */
	uint8_t ssl_protocols; /**< EDGE_SSL_* */
	uint8_t connection_attempts;
	uint8_t connection_timeout_s, read_timeout_s, keepalive_timeout_s;
	uint8_t origin_shield; /**< recorded, not acted on */
};

struct edge_origin_group_rec {
	struct edge_str id;
	uint32_t primary, secondary;		      /**< origin indexes */
	uint16_t status_codes[EDGE_MAX_STATUS_CODES]; /**< failover on these from the primary */
	uint32_t n_status_codes;
	uint32_t reserved;
};

struct edge_behavior_rec {
	struct edge_str path_pattern; /**< as configured; "*" for the default behavior */
	uint32_t target;	      /**< origin index, or origin group index */
	uint32_t cache_policy;	      /**< index or EDGE_NONE */
	uint32_t origin_request_policy, response_headers_policy; /**< index or EDGE_NONE */
	uint8_t target_is_group;
	uint8_t viewer_protocol;		 /**< enum edge_viewer_protocol */
	uint8_t allowed_methods, cached_methods; /**< EDGE_METHOD_* */
	uint8_t compress, smooth_streaming;
	uint8_t reserved[2];
};

struct edge_error_response_rec {
	struct edge_str response_page_path; /**< "" when none */
	uint64_t error_caching_min_ttl_s;
	uint16_t error_code;
	uint16_t response_code; /**< 0: keep the origin's */
	uint32_t reserved;
};

struct edge_distribution_rec {
	struct edge_str id, domain_name, default_root_object;
	struct edge_str certificate; /**< ACM ARN or IAM certificate id; "" for the default */
	struct edge_strlist aliases;
	struct edge_strlist geo_locations; /**< ISO 3166-1 alpha-2 codes */
	uint64_t origins_off, origin_groups_off, behaviors_off, error_responses_off;
	uint64_t behavior_db_off, behavior_db_len; /**< serialized Hyperscan database, or 0 */
	uint32_t n_origins, n_origin_groups;
	uint32_t n_behaviors; /**< ordered behaviors; the array holds one more, the default */
	uint32_t n_error_responses;
	uint8_t enabled, http_version, ipv6_enabled, ssl_support;
	uint8_t geo_restriction; /**< enum edge_geo_restriction */
	uint8_t reserved[3];
};

struct edge_cache_policy_rec {
	struct edge_str id, name;
	uint64_t min_ttl_s, default_ttl_s, max_ttl_s;
	struct edge_strlist headers, cookies, query_strings;
	uint8_t header_behavior, cookie_behavior, query_string_behavior; /**< enum edge_selection */
	uint8_t gzip, brotli;
	uint8_t reserved[3];
};

struct edge_origin_request_policy_rec {
	struct edge_str id, name;
	struct edge_strlist headers, cookies, query_strings;
	uint8_t header_behavior, cookie_behavior, query_string_behavior; /**< enum edge_selection */
	uint8_t reserved[5];
};

/**
 * A response headers policy. Security headers are kept as the exact header
 * values to send ("max-age=31536000; includeSubDomains"); an empty value
 * means the header is not set.
 */
struct edge_response_headers_policy_rec {
	struct edge_str id, name;
	struct edge_strlist cors_allow_origins, cors_allow_headers, cors_expose_headers;
	uint32_t cors_allow_methods; /**< EDGE_METHOD_* */
	int32_t cors_max_age_s;	     /**< -1: no Access-Control-Max-Age */
	uint8_t cors, cors_allow_credentials, cors_origin_override;
	uint8_t server_timing;
	uint32_t server_timing_sampling_ppm; /**< SamplingRate x 10000 (0..1000000) */
	struct edge_str xss_protection, frame_options, referrer_policy, content_security_policy,
	    content_type_options, strict_transport_security;
	uint8_t xss_protection_override, frame_options_override, referrer_policy_override,
	    content_security_policy_override, content_type_options_override,
	    strict_transport_security_override;
	uint8_t reserved[2];
	uint64_t custom_headers_off; /**< struct edge_header_rec[n_custom_headers] */
	uint32_t n_custom_headers;
	uint32_t reserved2;
};

/* ------------------------------------------------------- path patterns */

/**
 * Check a path pattern against CloudFront's rules: 1 to EDGE_PATH_PATTERN_MAX
 * bytes of A-Z a-z 0-9 _ - . * ? $ / ~ " ' @ : + &.
 * @param why on failure, what is wrong (may be NULL).
 * @return 0 or -EINVAL. Any thread.
 */
int edge_path_pattern_check(const char *pattern, size_t len, char *why, size_t why_len);

/**
 * Translate a path pattern into the Hyperscan expression that popd compiles
 * (see "Path patterns"): `^/?` then the pattern without its leading `/`, `*`
 * as `.*`, `?` as `.`, every other byte escaped as `\xHH` unless alphanumeric,
 * then `\z` (the very end: `$` would also match before a final newline).
 * @param flags set to the Hyperscan flags the expression needs.
 * @return the expression's length, -EINVAL for a bad pattern, -ENOSPC when
 *   @p out is too small (4 * len + 8 bytes always suffice). Any thread.
 */
int edge_path_pattern_expression(const char *pattern, size_t len, char *out, size_t out_len,
				 unsigned *flags);

/**
 * Compile path patterns into a block-mode database, expression id = index.
 * @param err on failure, the Hyperscan message naming the pattern.
 * @return 0 and *db (free with hs_free_database()), -EINVAL for a bad
 *   pattern, -ENOMEM, -EIO when Hyperscan refuses the set. popd's thread.
 */
int edge_path_patterns_compile(const char *const *patterns, size_t n, hs_database_t **db, char *err,
			       size_t err_len);

/**
 * The behavior a path selects: the lowest precedence index whose pattern
 * matches the whole path, or EDGE_BEHAVIOR_DEFAULT when none does (or when
 * @p db is NULL: a distribution without ordered behaviors). @p scratch must
 * be allocated for @p db and owned by the calling thread. Workers; no
 * syscall, no allocation. A scan error also yields EDGE_BEHAVIOR_DEFAULT.
 */
uint32_t edge_match_behavior(const hs_database_t *db, hs_scratch_t *scratch, const char *path,
			     size_t len);

/* ---------------------------------------------------------- the builder */

/** An origin custom header or a response headers policy's custom header. */
struct edge_header_spec {
	const char *name, *value;
	bool override;
};

struct edge_origin_spec {
	const char *id, *domain_name;
	const char *origin_path; /**< "" or "/path" */
	enum edge_origin_kind kind;
	const char *directory; /**< EDGE_ORIGIN_DIRECTORY: the local directory */
	enum edge_origin_protocol protocol;
	uint16_t http_port, https_port;
	uint8_t ssl_protocols; /**< EDGE_SSL_* */
	uint8_t connection_attempts, connection_timeout_s, read_timeout_s, keepalive_timeout_s;
	bool origin_shield;
	const struct edge_header_spec *headers;
	size_t n_headers;
};

struct edge_origin_group_spec {
	const char *id;
	uint32_t primary, secondary; /**< indexes into the distribution's origins */
	const uint16_t *status_codes;
	size_t n_status_codes; /**< 1 to EDGE_MAX_STATUS_CODES */
};

struct edge_behavior_spec {
	const char *path_pattern; /**< ignored for the default behavior */
	uint32_t target;
	bool target_is_group;
	enum edge_viewer_protocol viewer_protocol;
	uint8_t allowed_methods, cached_methods;
	bool compress, smooth_streaming;
	/** Indexes returned by edge_builder_add_*_policy(), or EDGE_NONE. */
	uint32_t cache_policy, origin_request_policy, response_headers_policy;
};

struct edge_error_response_spec {
	uint16_t error_code;
	uint16_t response_code;		/**< 0: keep the origin's */
	const char *response_page_path; /**< NULL or "" when none */
	uint64_t error_caching_min_ttl_s;
};

struct edge_distribution_spec {
	const char *id, *domain_name;
	bool enabled, ipv6_enabled;
	const char *default_root_object; /**< NULL or "" when none */
	const char *certificate;	 /**< NULL or "" for the default certificate */
	enum edge_ssl_support ssl_support;
	enum edge_http_version http_version;
	const char *const *aliases; /**< lowercase host names, "*.example.com" wildcards */
	size_t n_aliases;
	const struct edge_origin_spec *origins;
	size_t n_origins;
	const struct edge_origin_group_spec *origin_groups;
	size_t n_origin_groups;
	const struct edge_behavior_spec *behaviors; /**< ordered, precedence 0 first */
	size_t n_behaviors;
	struct edge_behavior_spec default_behavior;
	const struct edge_error_response_spec *error_responses;
	size_t n_error_responses;
	enum edge_geo_restriction geo_restriction;
	const char *const *geo_locations;
	size_t n_geo_locations;
};

struct edge_cache_policy_spec {
	const char *id, *name;
	uint64_t min_ttl_s, default_ttl_s, max_ttl_s;
	bool gzip, brotli;
	enum edge_selection header_behavior, cookie_behavior, query_string_behavior;
	const char *const *headers, *const *cookies, *const *query_strings;
	size_t n_headers, n_cookies, n_query_strings;
};

struct edge_origin_request_policy_spec {
	const char *id, *name;
	enum edge_selection header_behavior, cookie_behavior, query_string_behavior;
	const char *const *headers, *const *cookies, *const *query_strings;
	size_t n_headers, n_cookies, n_query_strings;
};

/** Security header values: NULL or "" when the header is not set. */
struct edge_response_headers_policy_spec {
	const char *id, *name;
	bool cors, cors_allow_credentials, cors_origin_override;
	const char *const *cors_allow_origins, *const *cors_allow_headers,
						   *const *cors_expose_headers;
	size_t n_cors_allow_origins, n_cors_allow_headers, n_cors_expose_headers;
	uint32_t cors_allow_methods;
	int32_t cors_max_age_s; /**< -1 when not sent */
	const char *xss_protection, *frame_options, *referrer_policy, *content_security_policy,
	    *content_type_options, *strict_transport_security;
	bool xss_protection_override, frame_options_override, referrer_policy_override,
	    content_security_policy_override, content_type_options_override,
	    strict_transport_security_override;
	bool server_timing;
	uint32_t server_timing_sampling_ppm;
	const struct edge_header_spec *custom_headers;
	size_t n_custom_headers;
};

/** An edge table under construction; opaque. popd only. */
struct edge_builder;

/**
 * Start an edge table that writes into @p tb (a builder of TABLES_KIND_EDGE).
 * Strings and sub-arrays go into @p tb as things are added; the top and the
 * host table at edge_builder_finish(). NULL when out of memory.
 */
struct edge_builder *edge_builder_new(struct tables_builder *tb);

/** Add a policy; everything is copied. @return 0 and its index, or -ENOMEM / -EINVAL. */
int edge_builder_add_cache_policy(struct edge_builder *eb, const struct edge_cache_policy_spec *p,
				  uint32_t *index);
int edge_builder_add_origin_request_policy(struct edge_builder *eb,
					   const struct edge_origin_request_policy_spec *p,
					   uint32_t *index);
int edge_builder_add_response_headers_policy(struct edge_builder *eb,
					     const struct edge_response_headers_policy_spec *p,
					     uint32_t *index);

/**
 * Add a distribution; everything is copied, and its behaviors' path patterns
 * are compiled and serialized here.
 * @param err on failure, what was wrong (a message naming the field).
 * @return 0 and its index; -EINVAL for an index out of range, a bad pattern
 *   or a bad host name; -EEXIST when a host name is already taken by another
 *   distribution; -EIO when Hyperscan refuses the patterns; -ENOMEM.
 */
int edge_builder_add_distribution(struct edge_builder *eb, const struct edge_distribution_spec *d,
				  uint32_t *index, char *err, size_t err_len);

/**
 * Lay out the arrays and the host hash table and set the snapshot's top.
 * Frees @p eb whatever the outcome (the tables_builder stays the caller's).
 * @return 0 or a negative error.
 */
int edge_builder_finish(struct edge_builder *eb);

/** Free without finishing. NULL is ignored. */
void edge_builder_free(struct edge_builder *eb);

/* ----------------------------------------------------------- the reader */

/** Hash of a lowercase host name (CRC-32C). Any thread. */
uint32_t edge_host_hash(const char *name, size_t len);

/**
 * Check an edge snapshot's structure once per generation: every array,
 * string, index and hash chain within bounds, every string NUL-terminated,
 * every behavior database's header valid. Corrupt input is refused, never
 * read out of bounds.
 * @return the top, or NULL (logged once with the reason) when the snapshot
 *   must be refused. popdp's control thread.
 */
const struct edge_top *edge_table_check(const struct tables_snapshot *s);

/** A checked string's bytes (NUL-terminated); "" for a bad one. */
const char *edge_str(const struct tables_snapshot *s, const struct edge_str *str);

/** The i-th string of a checked list, or NULL when out of range. */
const struct edge_str *edge_strlist_at(const struct tables_snapshot *s,
				       const struct edge_strlist *list, uint32_t i);

/** Records by index, NULL when out of range. */
const struct edge_distribution_rec *edge_distribution(const struct tables_snapshot *s,
						      const struct edge_top *t, uint32_t i);
const struct edge_cache_policy_rec *edge_cache_policy(const struct tables_snapshot *s,
						      const struct edge_top *t, uint32_t i);
const struct edge_origin_request_policy_rec *
edge_origin_request_policy(const struct tables_snapshot *s, const struct edge_top *t, uint32_t i);
const struct edge_response_headers_policy_rec *
edge_response_headers_policy(const struct tables_snapshot *s, const struct edge_top *t, uint32_t i);
const struct edge_origin_rec *edge_origin(const struct tables_snapshot *s,
					  const struct edge_distribution_rec *d, uint32_t i);
const struct edge_origin_group_rec *edge_origin_group(const struct tables_snapshot *s,
						      const struct edge_distribution_rec *d,
						      uint32_t i);
const struct edge_error_response_rec *edge_error_response(const struct tables_snapshot *s,
							  const struct edge_distribution_rec *d,
							  uint32_t i);
/** A header of an origin (custom headers). */
const struct edge_header_rec *edge_origin_header(const struct tables_snapshot *s,
						 const struct edge_origin_rec *o, uint32_t i);
/** A custom header of a response headers policy. */
const struct edge_header_rec *edge_response_header(const struct tables_snapshot *s,
						   const struct edge_response_headers_policy_rec *p,
						   uint32_t i);

/**
 * A behavior by precedence index; EDGE_BEHAVIOR_DEFAULT (or n_behaviors)
 * gives the default behavior. NULL for any other index past the end.
 */
const struct edge_behavior_rec *edge_behavior(const struct tables_snapshot *s,
					      const struct edge_distribution_rec *d,
					      uint32_t index);

/**
 * The distribution that serves @p host (any case; a trailing dot and a
 * ":port" are ignored): an exact alias or domain name first, else the most
 * specific wildcard alias ("*.example.com" serves "a.example.com" and
 * "a.b.example.com", not "example.com"). NULL when none.
 * @param index set to the distribution's index when found (may be NULL).
 */
const struct edge_distribution_rec *edge_find_host(const struct tables_snapshot *s,
						   const struct edge_top *t, const char *host,
						   size_t len, uint32_t *index);

/** A distribution by its id ("E2QWRUHAPOMQZL"), by a linear scan; NULL when none. */
const struct edge_distribution_rec *
edge_find_distribution(const struct tables_snapshot *s, const struct edge_top *t, const char *id);

/**
 * The serialized Hyperscan database of a distribution's behaviors, for
 * popdp's main thread to hs_deserialize_database() once per generation
 * (each worker then keeps its own scratch).
 * @return 0 with *bytes and *len set, or -ENOENT when the distribution has no
 *   ordered behavior (match with a NULL database: every path gets the default).
 */
int edge_behavior_database(const struct tables_snapshot *s, const struct edge_distribution_rec *d,
			   const char **bytes, size_t *len);

/* ------------------------------------------------- invalidations table */

/** The invalidations table's top structure. */
struct edge_invalidations_top {
	uint32_t n_distributions, n_paths;
	uint64_t distributions_off; /**< struct edge_invalidation_dist_rec[], sorted by id */
	uint64_t paths_off;	    /**< struct edge_invalidation_path_rec[] */
};

struct edge_invalidation_dist_rec {
	struct edge_str distribution_id;
	uint32_t first_path, n_paths; /**< a run of the paths array, oldest first */
};

struct edge_invalidation_path_rec {
	struct edge_str path;	/**< as given (wildcards like "/images/\*" end in '*') */
	int64_t create_time_ms; /**< Unix time of the invalidation, milliseconds */
	uint8_t wildcard;	/**< the path ends in '*': a prefix */
	uint8_t reserved[7];
};

/** One invalidation path, as popd hands it to the builder. */
struct edge_invalidation_spec {
	const char *distribution_id;
	const char *path;
	int64_t create_time_ms;
};

/**
 * Lay out an invalidations table into @p tb (a builder of
 * TABLES_KIND_INVALIDATIONS) and set its top. Paths may come in any order;
 * they are grouped by distribution (ids sorted) and keep their relative order.
 * @return 0, -EINVAL for an empty id or path, -ENOMEM.
 */
int edge_invalidations_build(struct tables_builder *tb, const struct edge_invalidation_spec *paths,
			     size_t n);

/**
 * Check an invalidations snapshot's structure (as edge_table_check()).
 * @return the top or NULL (logged).
 */
const struct edge_invalidations_top *edge_invalidations_check(const struct tables_snapshot *s);

/** The invalidations of a distribution (binary search by id); NULL when none. */
const struct edge_invalidation_dist_rec *
edge_invalidations_find(const struct tables_snapshot *s, const struct edge_invalidations_top *t,
			const char *distribution_id);

/** The i-th path of a distribution's run; NULL when out of range. */
const struct edge_invalidation_path_rec *
edge_invalidation_path(const struct tables_snapshot *s, const struct edge_invalidations_top *t,
		       const struct edge_invalidation_dist_rec *d, uint32_t i);

#endif /* POP_EDGE_H */
