/* SPDX-License-Identifier: BSD-3-Clause */
/* The module (store tables, master key, endpoint start and stop) and the
 * path of one request: route, authenticate, throttle, translate, authorize,
 * run the control command, render. */
#include "api_iam_pvt.h"
#include "api_server_pvt.h"

#include "store.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

/** Largest difference between a request's X-Amz-Date and the clock, as AWS allows. */
#define API_MAX_CLOCK_SKEW_S 300
/** Access keys whose rate is tracked at once; the least recent is forgotten. */
#define API_BUCKETS_MAX 1024

static const char *const api_schema[] = {
    "CREATE TABLE api_access_keys (access_key_id TEXT PRIMARY KEY, user_name TEXT NOT NULL, "
    "secret BLOB NOT NULL, status TEXT NOT NULL, create_date TEXT NOT NULL)",
    "CREATE TABLE api_user_policies (user_name TEXT NOT NULL, policy_name TEXT NOT NULL, "
    "document TEXT NOT NULL, PRIMARY KEY (user_name, policy_name))",
};

struct api_bucket {
	char key_id[API_KEY_ID_MAX];
	double tokens;
	uint64_t last_ns;
};

static struct api_module {
	uint8_t master_key[32];
	bool key_loaded;
	struct api_server *server;
	struct api_bucket buckets[API_BUCKETS_MAX];
	size_t bucket_count;
} mod;

bool api_iam_ready(void)
{
	return mod.key_loaded;
}

const uint8_t *api_iam_master_key(void)
{
	return mod.master_key;
}

int api_init(struct popd_env *env)
{
	char path[PATH_MAX];
	int rc = store_migrate(env->store, "api", api_schema,
			       sizeof(api_schema) / sizeof(api_schema[0]));

	if (rc < 0)
		return rc;
	if (snprintf(path, sizeof(path), "%s/api-master.key", env->state_dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	rc = api_iam_master_key_load(path, mod.master_key);
	if (rc < 0) {
		API_LOG(ERR, "cannot load or create %s: %s", path, pop_strerror(rc));
		return rc;
	}
	mod.key_loaded = true;
	return 0;
}

int api_start(struct popd_env *env)
{
	if (env->config == NULL || env->config->api.port == 0) {
		API_LOG(INFO, "the AWS API endpoint is off (Api.Port is 0)");
		return 0;
	}
	return api_server_start(env, &env->config->api, &mod.server);
}

void api_stop(struct popd_env *env)
{
	(void)env;
	api_server_stop(mod.server);
	mod.server = NULL;
	OPENSSL_cleanse(mod.master_key, sizeof(mod.master_key));
	mod.key_loaded = false;
}

/* A token bucket per access key: RequestsPerSecond refill, Burst depth. */
static bool throttle_admit(const struct ctl_config_api *cfg, const char *key_id)
{
	uint64_t now = pop_now_ns();
	struct api_bucket *b = NULL, *oldest = NULL;

	for (size_t i = 0; i < mod.bucket_count && b == NULL; i++) {
		if (strcmp(mod.buckets[i].key_id, key_id) == 0)
			b = &mod.buckets[i];
		else if (oldest == NULL || mod.buckets[i].last_ns < oldest->last_ns)
			oldest = &mod.buckets[i];
	}
	if (b == NULL) {
		b = mod.bucket_count < API_BUCKETS_MAX ? &mod.buckets[mod.bucket_count++] : oldest;
		snprintf(b->key_id, sizeof(b->key_id), "%s", key_id);
		b->tokens = cfg->burst;
		b->last_ns = now;
	}
	b->tokens += (double)(now - b->last_ns) / 1e9 * cfg->requests_per_second;
	if (b->tokens > cfg->burst)
		b->tokens = cfg->burst;
	b->last_ns = now;
	if (b->tokens < 1.0)
		return false;
	b->tokens -= 1.0;
	return true;
}

static void new_request_id(char *out)
{
	uint8_t r[16];
	static const char hx[] = "0123456789abcdef";
	size_t o = 0;

	RAND_bytes(r, sizeof(r));
	r[6] = (uint8_t)((r[6] & 0x0f) | 0x40);
	r[8] = (uint8_t)((r[8] & 0x3f) | 0x80);
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hx[r[i] >> 4];
		out[o++] = hx[r[i] & 15];
	}
	out[o] = '\0';
}

static int fault(struct api_fault *f, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fault(struct api_fault *f, int status, const char *code, const char *fmt, ...)
{
	va_list ap;

	f->status = status;
	snprintf(f->code, sizeof(f->code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof(f->message), fmt, ap);
	va_end(ap);
	return -1;
}

static int authenticate(struct popd_env *env, const struct api_service *svc,
			const struct api_http_request *req, char *key_id, char *user,
			size_t user_len, struct api_fault *f)
{
	struct api_sigv4_auth auth;
	const char *v, *date;
	size_t vl, dl;
	char amz_date[17], secret[API_SECRET_MAX_BYTES];
	uint8_t sig[32];
	int64_t t, skew;
	int rc;

	v = api_http_header(req, "Authorization", &vl);
	if (v == NULL)
		return fault(
		    f, 403, "MissingAuthenticationToken",
		    "Missing Authentication Token (sign requests with Signature Version 4)");
	if (api_sigv4_parse(v, vl, &auth) < 0)
		return fault(f, 400, "IncompleteSignature",
			     "Authorization header requires AWS4-HMAC-SHA256 with Credential, "
			     "SignedHeaders and Signature");
	date = api_http_header(req, "X-Amz-Date", &dl);
	if (date == NULL || (t = api_amz_date_parse(date, dl)) < 0)
		return fault(f, 400, "IncompleteSignature",
			     "X-Amz-Date is required, in the form 20261127T130000Z");
	memcpy(amz_date, date, 16);
	amz_date[16] = '\0';
	skew = (int64_t)time(NULL) - t;
	if (skew > API_MAX_CLOCK_SKEW_S || skew < -API_MAX_CLOCK_SKEW_S)
		return fault(f, 403, "RequestTimeTooSkewed",
			     "The difference between the request time and the current time is too "
			     "large (%lld s; at most %d s).",
			     (long long)skew, API_MAX_CLOCK_SKEW_S);
	if (memcmp(auth.date, amz_date, 8) != 0)
		return fault(f, 403, "SignatureDoesNotMatch",
			     "Date in Credential scope does not match YYYYMMDD from X-Amz-Date.");
	if (strcmp(auth.service, svc->signing_name) != 0)
		return fault(f, 403, "SignatureDoesNotMatch",
			     "Credential should be scoped to correct service: '%s'.",
			     svc->signing_name);
	/* Route 53 and CloudFront are signed for us-east-1 on AWS; an SDK given
	 * an endpoint URL signs for its configured region instead. Either is
	 * accepted: the region is part of what is signed, so it cannot be forged. */
	if (!api_wildcard_match("*host*", auth.signed_headers, false))
		return fault(f, 403, "SignatureDoesNotMatch", "SignedHeaders must include host.");
	rc = api_iam_key_lookup(env, mod.master_key, auth.access_key, secret, sizeof(secret), user,
				user_len);
	if (rc == -ENOENT || rc == -POP_ECHECKSUM)
		return fault(f, 403, "InvalidClientTokenId",
			     "The security token included in the request is invalid.");
	if (rc < 0)
		return fault(f, 500, "InternalFailure", "cannot read the access keys: %s",
			     pop_strerror(rc));
	rc = api_sigv4_sign(req, &auth, amz_date, secret, sig);
	OPENSSL_cleanse(secret, sizeof(secret));
	if (rc == -POP_EFORMAT)
		return fault(f, 403, "SignatureDoesNotMatch",
			     "A header named in SignedHeaders is missing.");
	if (rc < 0)
		return fault(f, 500, "InternalFailure", "out of memory");
	if (CRYPTO_memcmp(sig, auth.signature, 32) != 0)
		return fault(f, 403, "SignatureDoesNotMatch",
			     "The request signature we calculated does not match the signature you "
			     "provided. Check your AWS Secret Access Key and signing method.");
	snprintf(key_id, API_KEY_ID_MAX, "%s", auth.access_key);
	return 0;
}

static int authorize(struct popd_env *env, const struct ctl_config_api *cfg,
		     const struct api_service *svc, const struct api_request *r, const char *user,
		     struct api_fault *f)
{
	json_t *docs[API_POLICIES_MAX];
	size_t n = 0;
	char action[160];
	enum api_decision d;
	int rc;

	snprintf(action, sizeof(action), "%s:%s", svc->iam_prefix, r->op->name);
	rc = api_iam_user_policies(env, user, docs, API_POLICIES_MAX, &n);
	if (rc < 0)
		return fault(f, 500, "InternalFailure", "cannot read the policies: %s",
			     pop_strerror(rc));
	d = api_policy_evaluate((const json_t *const *)docs, n, action, r->resource);
	for (size_t i = 0; i < n; i++)
		json_decref(docs[i]);
	if (d == API_ALLOW)
		return 0;
	return fault(f, 403,
		     svc->proto == API_PROTO_REST_JSON ? "AccessDeniedException" : "AccessDenied",
		     "User: arn:aws:iam::%s:user/%s is not authorized to perform: %s on resource: "
		     "%s%s",
		     cfg->account_id, user, action, r->resource,
		     d == API_EXPLICIT_DENY ? " with an explicit deny" : "");
}

/* Run the command through the control server, as popctl's request would. */
static int run_command(struct popd_env *env, const struct api_request *r, json_t **result,
		       struct api_fault *f)
{
	const struct api_service *svc = &api_services[r->op->service];
	json_t *req = json_pack("{s:s, s:O}", "command", r->op->command, "args", r->args), *rep;
	char *line = req != NULL ? json_dumps(req, JSON_COMPACT) : NULL, *out = NULL;
	size_t out_len = 0;

	json_decref(req);
	if (line == NULL)
		return fault(f, 500, "InternalFailure", "out of memory");
	if (ctl_server_execute(env->server, NULL, line, strlen(line), &out, &out_len) < 0 ||
	    out == NULL) {
		free(line);
		return fault(f, 500, "InternalFailure", "out of memory");
	}
	free(line);
	rep = json_loadb(out, out_len, 0, NULL);
	free(out);
	if (json_is_true(json_object_get(rep, "ok"))) {
		*result = json_incref(json_object_get(rep, "result"));
		json_decref(rep);
		return 0;
	}
	const json_t *e = json_object_get(rep, "error");
	const char *code = json_string_value(json_object_get(e, "code")) ?: "InternalFailure";
	fault(f, api_error_status(svc, code), code, "%s",
	      json_string_value(json_object_get(e, "message")) ?: "");
	json_decref(rep);
	return -1;
}

void api_handle(struct popd_env *env, const struct ctl_config_api *cfg,
		const struct api_http_request *req, struct api_response *resp)
{
	const struct api_operation *op = api_route(req->method, req->path, req->path_len);
	const struct api_service *svc = op != NULL ? &api_services[op->service] : NULL;
	struct api_request r = {0};
	struct api_fault f = {0};
	char request_id[40], key_id[API_KEY_ID_MAX] = "", user[128] = "";
	json_t *result = NULL;

	new_request_id(request_id);
	if (op == NULL) {
		fault(&f, 404, "UnknownOperationException", "no operation matches %s %.*s",
		      req->method, (int)(req->path_len < 200 ? req->path_len : 200), req->path);
		goto error;
	}
	if (authenticate(env, svc, req, key_id, user, sizeof(user), &f) < 0)
		goto error;
	if (!throttle_admit(cfg, key_id)) {
		fault(&f, svc->proto == API_PROTO_REST_JSON ? 429 : 400,
		      svc->proto == API_PROTO_REST_JSON ? "ThrottlingException" : "Throttling",
		      "Rate exceeded");
		goto error;
	}
	if (api_request_build(op, req, cfg->account_id, &r, &f) < 0)
		goto error;
	if (authorize(env, cfg, svc, &r, user, &f) < 0)
		goto error;
	if (ctl_server_lookup(env->server, op->command) == NULL) {
		fault(&f, 400, "InvalidAction", "pop does not implement %s:%s", svc->iam_prefix,
		      op->name);
		goto error;
	}
	if (run_command(env, &r, &result, &f) < 0)
		goto error;
	API_LOG(DEBUG, "%s %s by %s: %s", svc->iam_prefix, op->name, key_id, "ok");
	if (api_response_render(op, result, resp) == 0) {
		snprintf(resp->headers + strlen(resp->headers),
			 sizeof(resp->headers) - strlen(resp->headers), "x-amzn-RequestId: %s\r\n",
			 request_id);
		json_decref(result);
		api_request_release(&r);
		return;
	}
	fault(&f, 500, "InternalFailure", "out of memory");
error:
	json_decref(result);
	api_request_release(&r);
	API_LOG(DEBUG, "%s %.*s: %s: %s", req->method,
		(int)(req->path_len < 200 ? req->path_len : 200), req->path, f.code, f.message);
	if (api_error_render(svc, &f, request_id, resp) < 0) {
		resp->status = 500;
		resp->body = NULL;
		resp->body_len = 0;
		resp->content_type = "text/plain";
	}
	snprintf(resp->headers + strlen(resp->headers),
		 sizeof(resp->headers) - strlen(resp->headers), "x-amzn-RequestId: %s\r\n",
		 request_id);
}
