/* SPDX-License-Identifier: BSD-3-Clause */
/* The AWS API endpoint's parts, shared by its .c files, its tests and fuzzers. */
#ifndef POP_API_PVT_H
#define POP_API_PVT_H

#include "api.h"
#include "base.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define API_LOG(level, ...) POP_LOG("api", level, __VA_ARGS__)

/* ---- The model (api_model.c, generated from botocore) ---- */

enum api_proto { API_PROTO_REST_XML, API_PROTO_REST_JSON };

enum api_type {
	API_T_STRUCTURE,
	API_T_LIST,
	API_T_MAP,
	API_T_STRING,
	API_T_INTEGER,
	API_T_LONG,
	API_T_BOOLEAN,
	API_T_DOUBLE,
	API_T_FLOAT,
	API_T_TIMESTAMP,
	API_T_BLOB,
};

/* Where a member travels (botocore's "location"). */
enum api_location {
	API_LOC_BODY,
	API_LOC_URI,
	API_LOC_QUERY,
	API_LOC_HEADER,
	API_LOC_HEADERS,
	API_LOC_STATUS,
};

struct api_service {
	const char *dir;	  /* botocore's directory name */
	const char *signing_name; /* SigV4 service name */
	enum api_proto proto;
	const char *xmlns;	    /* rest-xml namespace, else NULL */
	const char *command_prefix; /* first control command word */
	const char *iam_prefix;	    /* "route53" in "route53:GetHostedZone" */
	const char *api_version;
};

struct api_member {
	const char *name; /* in the control command's JSON */
	const char *wire; /* XML element, query key, header or URI label */
	int shape;
	uint8_t location;
	uint8_t flattened;
	uint8_t xml_attribute;
};

struct api_shape {
	const char *name;
	uint8_t type;
	int first_member; /* structure: index in api_members */
	int member_count;
	int item;	       /* list: member shape */
	const char *item_wire; /* list: element name of one item */
	uint8_t flattened;
	int key, value; /* map */
	const char *key_wire, *value_wire;
	int payload; /* structure: member (relative) that is the whole body, or -1 */
};

struct api_operation {
	int service;
	const char *name;    /* CreateHostedZone */
	const char *command; /* "route53 create-hosted-zone" */
	const char *method;
	const char *uri;	/* template: /2013-04-01/hostedzone/{Id} */
	int input, output;	/* shapes, or -1 */
	const char *input_root; /* rest-xml body element without a payload member */
	int status;		/* on success */
	const char *arn;	/* resource template: "...hostedzone/{Id}", or NULL: "*" */
};

struct api_error_status {
	int service;
	const char *code;
	int status;
};

extern const struct api_service api_services[];
extern const size_t api_service_count;
extern const struct api_member api_members[];
extern const struct api_shape api_shapes[];
extern const size_t api_shape_count;
extern const struct api_operation api_operations[];
extern const size_t api_operation_count;
extern const struct api_error_status api_error_statuses[];
extern const size_t api_error_status_count;

/* ---- HTTP/1.1 requests (api_http.c) ---- */

/** Hard ceiling of the Api.MaxHeaders setting. */
#define API_HEADERS_MAX 128

struct api_header {
	const char *name, *value; /* into the request buffer, not NUL-terminated */
	size_t name_len, value_len;
};

struct api_http_request {
	char method[16];
	const char *path, *query; /* raw (percent-encoded); query without '?' */
	size_t path_len, query_len;
	struct api_header headers[API_HEADERS_MAX];
	size_t header_count;
	const char *body;
	size_t body_len;
	size_t total_len; /* bytes of the buffer this request used */
	bool keep_alive;
};

struct api_http_limits {
	size_t max_request_bytes; /* head and body */
	size_t max_headers;	  /* <= API_HEADERS_MAX */
};

/**
 * Parse one request at the start of buf.
 * @return 0 (complete, req filled), -EAGAIN (need more bytes), or an error
 *         with *status the HTTP status to answer before closing: 400 bad
 *         syntax, 411 no length, 413 too large, 431 too many headers, 501
 *         transfer codings, 505 version.
 */
int api_http_parse(const char *buf, size_t len, const struct api_http_limits *lim,
		   struct api_http_request *req, int *status);

/** A header's value by name (case-insensitive), or NULL; *len set. */
const char *api_http_header(const struct api_http_request *req, const char *name, size_t *len);

/** Percent-decode; '+' stays '+'. @return the length, or -1 on a bad escape or overflow. */
ssize_t api_url_decode(const char *in, size_t len, char *out, size_t out_len);

/* ---- Translation (api_rest.c, api_xml.c) ---- */

/** A request resolved to its operation and the control command's args. */
struct api_request {
	const struct api_operation *op;
	json_t *args;	    /* owned */
	char resource[512]; /* ARN the IAM check uses, "*" when none */
};

struct api_fault {
	char code[64];
	char message[512];
	int status;
};

/** Find the operation of a method and raw path. NULL: none (404 UnknownOperation). */
const struct api_operation *api_route(const char *method, const char *path, size_t path_len);

/**
 * Build the command's args from the HTTP request by the operation's input
 * shape. @p account fills ARNs of CloudFront resources.
 * @return 0, or -POP_EFORMAT with fault filled (400, AWS's code).
 */
int api_request_build(const struct api_operation *op, const struct api_http_request *http,
		      const char *account, struct api_request *out, struct api_fault *fault);

/** Release what api_request_build() filled. */
void api_request_release(struct api_request *r);

/** A response to send. */
struct api_response {
	int status;
	char *body; /* malloc'd */
	size_t body_len;
	const char *content_type;
	char headers[1024]; /* extra "Name: value\r\n" lines */
};

/**
 * Render a command's result by the operation's output shape.
 * @return 0 or -ENOMEM.
 */
int api_response_render(const struct api_operation *op, const json_t *result,
			struct api_response *resp);

/** Render an error of @p svc (or rest-xml when NULL). @return 0 or -ENOMEM. */
int api_error_render(const struct api_service *svc, const struct api_fault *fault,
		     const char *request_id, struct api_response *resp);

/** The HTTP status of an error code for a service: the model's, or 400/500. */
int api_error_status(const struct api_service *svc, const char *code);

/**
 * Parse an XML body by a shape into JSON (entities, DTDs and network access
 * off; depth bounded). @p root_name: the expected root element, or NULL for
 * any. @return 0 and *out, or -POP_EFORMAT with a message.
 */
int api_xml_parse(const char *body, size_t len, int shape, const char *root_name, json_t **out,
		  char *err, size_t err_len);

/** Append @p value rendered by @p shape as element @p name to a growing buffer. */
struct api_buf {
	char *data;
	size_t len, cap;
	bool failed;
};
void api_buf_put(struct api_buf *b, const char *s, size_t n);
void api_buf_puts(struct api_buf *b, const char *s);
void api_buf_xml_escaped(struct api_buf *b, const char *s, size_t n);
void api_xml_render(struct api_buf *b, const char *name, int shape, const json_t *value);
/** The body members of a structure, without its own element. */
void api_xml_render_members(struct api_buf *b, int shape, const json_t *value);

/** "2026-11-27T10:42:37.123Z" and "...+00:00" forms to seconds; -1 when not a time. */
double api_time_parse(const char *s);
/** Seconds to "2026-11-27T10:42:37.123Z". */
void api_time_format(double t, char *out, size_t len);

/* ---- Signature Version 4 (api_sigv4.c) ---- */

struct api_sigv4_auth {
	char access_key[129];
	char date[9]; /* YYYYMMDD of the scope */
	char region[64];
	char service[64];
	char signed_headers[1024]; /* "host;x-amz-date", as sent */
	uint8_t signature[32];
};

/** Parse an Authorization header value. @return 0 or -POP_EFORMAT. */
int api_sigv4_parse(const char *value, size_t len, struct api_sigv4_auth *auth);

/**
 * Compute the signature of a request as the signer did: canonical request
 * (method, URI-encoded path, sorted query, the signed headers, the body's
 * SHA-256), string to sign with @p amz_date and the scope, the key derived
 * from @p secret. @return 0, -POP_EFORMAT (a signed header is missing), -ENOMEM.
 */
int api_sigv4_sign(const struct api_http_request *req, const struct api_sigv4_auth *auth,
		   const char *amz_date, const char *secret, uint8_t sig[32]);

/** Parse "20261127T130000Z". @return seconds since the epoch, or -1. */
int64_t api_amz_date_parse(const char *s, size_t len);

/* ---- IAM policies (api_policy.c) ---- */

enum api_decision { API_DEFAULT_DENY, API_ALLOW, API_EXPLICIT_DENY };

/** Glob match with '*' and '?'. */
bool api_wildcard_match(const char *pattern, const char *s, bool nocase);

/**
 * Check a policy document (the subset pop evaluates: Version, Statement of
 * {Sid, Effect, Action, Resource}). @return 0, or -POP_EFORMAT with a message.
 */
int api_policy_check(const json_t *doc, char *err, size_t err_len);

/** Evaluate documents (checked) for one action and resource ARN. */
enum api_decision api_policy_evaluate(const json_t *const *docs, size_t n, const char *action,
				      const char *resource);

/* ---- Access keys (api_iam.c) ---- */

/** Load or create the master key of the secrets (0600 file). */
int api_iam_master_key_load(const char *path, uint8_t key[32]);

/** Encrypt a secret for the store (AES-256-GCM, AAD the key id). @return 0 or -errno. */
int api_iam_seal(const uint8_t key[32], const char *key_id, const char *secret, uint8_t *out,
		 size_t out_cap, size_t *out_len);

/** Decrypt; @return 0, -POP_ECHECKSUM if tampered, -EINVAL. */
int api_iam_open(const uint8_t key[32], const char *key_id, const uint8_t *in, size_t in_len,
		 char *secret, size_t secret_cap);

#endif /* POP_API_PVT_H */
