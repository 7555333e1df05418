/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The AWS API endpoint's pure parts: SigV4 against signatures botocore made,
 * requests botocore serialized translated back to their parameters,
 * responses rendered and parsed back, the XML and HTTP parsers' refusals,
 * IAM policy evaluation, and the sealing of secrets.
 */
#include "api_pvt.h"
#include "tap.h"

#include "api_vectors.h"
#include "config.h"

#include <errno.h>
#include <string.h>

static int parse_raw(const char *raw, struct api_http_request *req)
{
	struct api_http_limits lim = {.max_request_bytes = 1 << 20, .max_headers = 64};
	int status;

	return api_http_parse(raw, strlen(raw), &lim, req, &status);
}

static void test_sigv4_matches_botocore(void)
{
	static struct api_http_request req;

	for (size_t i = 0; i < sizeof(sigv4_requests) / sizeof(sigv4_requests[0]); i++) {
		struct api_sigv4_auth auth;
		const char *v, *date;
		size_t vl, dl;
		char amz[17];
		uint8_t sig[32];

		char *raw = strdup(sigv4_requests[i]);

		CHECK_EQ(parse_raw(raw, &req), 0);
		v = api_http_header(&req, "Authorization", &vl);
		date = api_http_header(&req, "X-Amz-Date", &dl);
		CHECK(v != NULL && date != NULL && dl == 16);
		if (v == NULL || date == NULL || dl != 16) {
			free(raw);
			continue;
		}
		CHECK_EQ(api_sigv4_parse(v, vl, &auth), 0);
		memcpy(amz, date, 16);
		amz[16] = '\0';
		CHECK_EQ(api_sigv4_sign(&req, &auth, amz, sigv4_secret, sig), 0);
		if (memcmp(sig, auth.signature, 32) != 0)
			printf("#   vector %zu: signature differs from botocore's\n", i);
		CHECK(memcmp(sig, auth.signature, 32) == 0);
		/* Another secret, or one byte of the body changed: no match. */
		CHECK_EQ(api_sigv4_sign(&req, &auth, amz, "not-the-secret", sig), 0);
		CHECK(memcmp(sig, auth.signature, 32) != 0);
		if (req.body_len > 0) {
			((char *)req.body)[0] ^= 1;
			CHECK_EQ(api_sigv4_sign(&req, &auth, amz, sigv4_secret, sig), 0);
			CHECK(memcmp(sig, auth.signature, 32) != 0);
			((char *)req.body)[0] ^= 1;
		}
		free(raw);
	}
	CHECK_EQ(api_amz_date_parse("20261127T130000Z", 16), 1795784400);
	CHECK_EQ(api_amz_date_parse("20261327T130000Z", 16), -1);
	CHECK_EQ(api_amz_date_parse("2026-11-27T13:00", 16), -1);
}

static void test_sigv4_authorization_refused(void)
{
	struct api_sigv4_auth a;
	static const char *const bad[] = {
	    "AWS4-HMAC-SHA1 Credential=A/20261127/us-east-1/route53/aws4_request, "
	    "SignedHeaders=host, Signature=00",
	    "AWS4-HMAC-SHA256 Credential=A/20261127/us-east-1/route53/aws4_request, "
	    "SignedHeaders=host",
	    "AWS4-HMAC-SHA256 Credential=A/2026112/us-east-1/route53/aws4_request, "
	    "SignedHeaders=host, "
	    "Signature=0000000000000000000000000000000000000000000000000000000000000000",
	    "AWS4-HMAC-SHA256 Credential=A/20261127/us-east-1/route53/aws5_request, "
	    "SignedHeaders=host, "
	    "Signature=0000000000000000000000000000000000000000000000000000000000000000",
	    "AWS4-HMAC-SHA256 Credential=A/20261127/us-east-1/route53/aws4_request, "
	    "SignedHeaders=host, "
	    "Signature=000000000000000000000000000000000000000000000000000000000000000g",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_EQ(api_sigv4_parse(bad[i], strlen(bad[i]), &a), -POP_EFORMAT);
}

static void test_requests_translate_to_botocore_params(void)
{
	static struct api_http_request req;

	for (size_t i = 0; i < sizeof(request_vectors) / sizeof(request_vectors[0]); i++) {
		const struct request_vector *v = &request_vectors[i];
		const struct api_operation *op;
		struct api_request r;
		struct api_fault f = {0};
		json_t *want = json_loads(v->params, 0, NULL);

		CHECK_EQ(parse_raw(v->raw, &req), 0);
		op = api_route(req.method, req.path, req.path_len);
		CHECK(op != NULL && strcmp(op->name, v->operation) == 0);
		if (op == NULL || strcmp(op->name, v->operation) != 0) {
			printf("#   %s routed to %s\n", v->operation, op ? op->name : "nothing");
			json_decref(want);
			continue;
		}
		CHECK_EQ(api_request_build(op, &req, "123456789012", &r, &f), 0);
		CHECK(json_equal(r.args, want));
		if (!json_equal(r.args, want)) {
			char *got = json_dumps(r.args, JSON_SORT_KEYS | JSON_COMPACT);
			printf("#   %s: %s\n#   got  %s\n#   want %s\n", v->operation, f.message,
			       got ? got : "null", v->params);
			free(got);
		}
		api_request_release(&r);
		json_decref(want);
	}
}

static const struct api_operation *op_named(const char *service, const char *name)
{
	for (size_t i = 0; i < api_operation_count; i++)
		if (strcmp(api_operations[i].name, name) == 0 &&
		    strcmp(api_services[api_operations[i].service].dir, service) == 0)
			return &api_operations[i];
	return NULL;
}

static void test_resource_arns(void)
{
	static struct api_http_request req;
	struct api_request r;
	struct api_fault f;
	const struct api_operation *op;
	static const char raw1[] = "GET /2013-04-01/hostedzone/Z1A%2FB HTTP/1.1\r\n\r\n";
	static const char raw2[] =
	    "GET /2020-05-31/distribution/E1/invalidation/I1 HTTP/1.1\r\n\r\n";
	static const char raw3[] = "GET /2013-04-01/hostedzone HTTP/1.1\r\n\r\n";

	CHECK_EQ(parse_raw(raw1, &req), 0);
	op = api_route(req.method, req.path, req.path_len);
	CHECK(op != NULL && strcmp(op->name, "GetHostedZone") == 0);
	CHECK_EQ(api_request_build(op, &req, "123456789012", &r, &f), 0);
	CHECK(strcmp(r.resource, "arn:aws:route53:::hostedzone/Z1A/B") == 0);
	CHECK(strcmp(json_string_value(json_object_get(r.args, "Id")), "Z1A/B") == 0);
	api_request_release(&r);

	CHECK_EQ(parse_raw(raw2, &req), 0);
	op = api_route(req.method, req.path, req.path_len);
	CHECK(op != NULL && strcmp(op->name, "GetInvalidation") == 0);
	CHECK_EQ(api_request_build(op, &req, "123456789012", &r, &f), 0);
	CHECK(strcmp(r.resource, "arn:aws:cloudfront::123456789012:distribution/E1") == 0);
	api_request_release(&r);

	CHECK_EQ(parse_raw(raw3, &req), 0);
	op = api_route(req.method, req.path, req.path_len);
	CHECK(op != NULL && strcmp(op->name, "ListHostedZones") == 0);
	CHECK_EQ(api_request_build(op, &req, "123456789012", &r, &f), 0);
	CHECK(strcmp(r.resource, "*") == 0);
	api_request_release(&r);

	CHECK(api_route("GET", "/2013-04-01/nothing", 19) == NULL);
	CHECK(api_route("PATCH", "/2013-04-01/hostedzone", 22) == NULL);
}

static void test_responses_round_trip(void)
{
	const struct api_operation *op = op_named("route53", "CreateHostedZone");
	struct api_response resp;
	json_t *result, *back = NULL;
	char err[256];
	const char *start;

	CHECK(op != NULL);
	if (op == NULL)
		return;
	result = json_pack("{s:s, s:{s:s, s:s, s:s, s:{s:s, s:b}, s:i}, s:{s:s, s:s, s:s}, "
			   "s:{s:[s, s]}}",
			   "Location", "/2013-04-01/hostedzone/Z1", "HostedZone", "Id",
			   "/hostedzone/Z1", "Name", "a<b>&c.", "CallerReference", "r", "Config",
			   "Comment", "\"quoted\"", "PrivateZone", 0, "ResourceRecordSetCount", 2,
			   "ChangeInfo", "Id", "/change/C1", "Status", "PENDING", "SubmittedAt",
			   "2026-11-27T10:42:37.123000+00:00", "DelegationSet", "NameServers",
			   "ns1.a.", "ns2.a.");
	CHECK_EQ(api_response_render(op, result, &resp), 0);
	CHECK_EQ(resp.status, 201);
	CHECK(strstr(resp.headers, "Location: /2013-04-01/hostedzone/Z1\r\n") != NULL);
	CHECK(strstr(resp.body,
		     "<CreateHostedZoneResponse "
		     "xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\">") != NULL);
	CHECK(strstr(resp.body, "<NameServers><NameServer>ns1.a.</NameServer>") != NULL);
	start = strstr(resp.body, "<CreateHostedZoneResponse");
	CHECK_EQ(api_xml_parse(start, strlen(start), op->output, "CreateHostedZoneResponse", &back,
			       err, sizeof(err)),
		 0);
	json_object_del(result, "Location");
	CHECK(json_equal(back, result));
	json_decref(back);
	json_decref(result);
	free(resp.body);

	/* A payload member is the root; ETag travels as a header. */
	op = op_named("cloudfront", "GetDistributionConfig");
	result =
	    json_pack("{s:s, s:{s:s, s:b, s:{s:i, s:[s]}}}", "ETag", "E2", "DistributionConfig",
		      "Comment", "c", "Enabled", 1, "Aliases", "Quantity", 1, "Items", "x.y");
	CHECK_EQ(api_response_render(op, result, &resp), 0);
	CHECK_EQ(resp.status, 200);
	CHECK(strstr(resp.headers, "ETag: E2\r\n") != NULL);
	CHECK(strstr(resp.body,
		     "<DistributionConfig "
		     "xmlns=\"http://cloudfront.amazonaws.com/doc/2020-05-31/\">") != NULL);
	CHECK(strstr(resp.body, "<Comment>c</Comment>") != NULL);
	CHECK(strstr(resp.body, "<Items><CNAME>x.y</CNAME></Items>") != NULL);
	free(resp.body);
	json_decref(result);

	/* rest-json: wire names, timestamps in epoch seconds. */
	op = op_named("arc-zonal-shift", "GetManagedResource");
	CHECK(op != NULL);
	if (op != NULL) {
		/* A member of the wrong type is passed on as it is, not dropped. */
		result = json_pack("{s:s, s:{s:s}}", "name", "lb", "zonalShifts", "x", "y");
		CHECK_EQ(api_response_render(op, result, &resp), 0);
		CHECK(resp.body != NULL &&
		      strstr(resp.body, "\"zonalShifts\":{\"x\":\"y\"}") != NULL);
		free(resp.body);
		json_decref(result);
	}
	op = op_named("arc-zonal-shift", "StartZonalShift");
	result = json_pack("{s:s, s:s}", "zonalShiftId", "zs-1", "startTime",
			   "2026-11-27T10:00:00.000Z");
	CHECK_EQ(api_response_render(op, result, &resp), 0);
	CHECK_EQ(resp.status, 201);
	CHECK(resp.body != NULL && strstr(resp.body, "\"startTime\":1795773600") != NULL);
	free(resp.body);
	json_decref(result);
}

static void test_errors(void)
{
	const struct api_service *r53 = &api_services[0], *cf = &api_services[1],
				 *arc = &api_services[2];
	struct api_fault f = {.status = 400, .code = "InvalidChangeBatch", .message = "[a <b>]"};
	struct api_response resp;

	CHECK_EQ(api_error_status(r53, "NoSuchHostedZone"), 404);
	CHECK_EQ(api_error_status(r53, "InvalidChangeBatch"), 400);
	CHECK_EQ(api_error_status(r53, "HostedZoneAlreadyExists"), 409);
	CHECK_EQ(api_error_status(cf, "PreconditionFailed"), 412);
	CHECK_EQ(api_error_status(cf, "NoSuchDistribution"), 404);
	CHECK_EQ(api_error_status(arc, "ResourceNotFoundException"), 404);
	CHECK_EQ(api_error_status(r53, "InternalFailure"), 500);
	CHECK_EQ(api_error_render(r53, &f, "req-1", &resp), 0);
	CHECK(strstr(resp.body, "<Error><Type>Sender</Type><Code>InvalidChangeBatch</Code>"
				"<Message>[a &lt;b&gt;]</Message></Error><RequestId>req-1"
				"</RequestId></ErrorResponse>") != NULL);
	free(resp.body);
	CHECK_EQ(api_error_render(arc, &f, "req-1", &resp), 0);
	CHECK(strstr(resp.headers, "x-amzn-ErrorType: InvalidChangeBatch\r\n") != NULL);
	CHECK(strstr(resp.body, "\"message\":\"[a <b>]\"") != NULL);
	free(resp.body);
}

static void test_xml_refusals(void)
{
	const struct api_operation *op = op_named("route53", "ChangeResourceRecordSets");
	int batch_shape = -1;
	json_t *out;
	char err[256], deep[4096];
	size_t n = 0;
	static const struct {
		const char *xml, *root, *says;
	} cases[] = {
	    {"<!DOCTYPE x [<!ENTITY a \"b\">]><ChangeResourceRecordSetsRequest/>", NULL,
	     "document type"},
	    {"<ChangeResourceRecordSetsRequest><ChangeBatch>", NULL, "malformed"},
	    {"<Other/>", "ChangeResourceRecordSetsRequest", "root element"},
	    {"<ChangeResourceRecordSetsRequest><Nope/></ChangeResourceRecordSetsRequest>", NULL,
	     "unknown element"},
	    {"<ChangeResourceRecordSetsRequest><ChangeBatch><Changes><Change><ResourceRecordSet>"
	     "<TTL>ten</TTL></ResourceRecordSet></Change></Changes></ChangeBatch>"
	     "</ChangeResourceRecordSetsRequest>",
	     NULL, "whole number"},
	    {"<ChangeResourceRecordSetsRequest><ChangeBatch><Changes><Wrong/></Changes>"
	     "</ChangeBatch></ChangeResourceRecordSetsRequest>",
	     NULL, "items must be <Change>"},
	    {"<ChangeResourceRecordSetsRequest><ChangeBatch><Comment>a</Comment><Comment>b"
	     "</Comment></ChangeBatch></ChangeResourceRecordSetsRequest>",
	     NULL, "twice"},
	};

	CHECK(op != NULL);
	if (op == NULL)
		return;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		CHECK_EQ(api_xml_parse(cases[i].xml, strlen(cases[i].xml), op->input, cases[i].root,
				       &out, err, sizeof(err)),
			 -POP_EFORMAT);
		if (strstr(err, cases[i].says) == NULL)
			printf("#   case %zu: \"%s\" lacks \"%s\"\n", i, err, cases[i].says);
		CHECK(strstr(err, cases[i].says) != NULL);
	}
	/* Nesting deeper than the bound, through a shape that recurses: refused. */
	for (size_t i = 0; i < api_shape_count && batch_shape < 0; i++)
		if (strcmp(api_shapes[i].name, "Changes") == 0)
			batch_shape = (int)i;
	n += (size_t)snprintf(deep, sizeof(deep), "<Changes>");
	for (int i = 0; i < 60; i++)
		n += (size_t)snprintf(deep + n, sizeof(deep) - n, "<Change>");
	CHECK_EQ(api_xml_parse(deep, n, batch_shape, NULL, &out, err, sizeof(err)), -POP_EFORMAT);
}

static void test_http_parser(void)
{
	static struct api_http_request req;
	struct api_http_limits lim = {.max_request_bytes = 256, .max_headers = 8};
	int status = 0;
	static const char two[] = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
				  "POST /b?q=1 HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc";
	char big[600];

	CHECK_EQ(api_http_parse(two, 10, &lim, &req, &status), -EAGAIN);
	CHECK_EQ(api_http_parse(two, sizeof(two) - 1, &lim, &req, &status), 0);
	CHECK(strcmp(req.method, "GET") == 0 && req.keep_alive && req.body_len == 0);
	size_t first = req.total_len;
	CHECK_EQ(api_http_parse(two + first, sizeof(two) - 1 - first - 1, &lim, &req, &status),
		 -EAGAIN);
	CHECK_EQ(api_http_parse(two + first, sizeof(two) - 1 - first, &lim, &req, &status), 0);
	CHECK(req.body_len == 3 && memcmp(req.body, "abc", 3) == 0 && req.query_len == 3);

#define REFUSED(text, code)                                                                        \
	do {                                                                                       \
		status = 0;                                                                        \
		CHECK(api_http_parse(text, strlen(text), &lim, &req, &status) < 0);                \
		CHECK_EQ(status, code);                                                            \
	} while (0)
	REFUSED("GET /a HTTP/2.0\r\n\r\n", 505);
	REFUSED("GET a HTTP/1.1\r\n\r\n", 400);
	REFUSED("get /a HTTP/1.1\r\n\r\n", 400);
	REFUSED("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 501);
	REFUSED("POST /a HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n", 400);
	REFUSED("POST /a HTTP/1.1\r\nContent-Length: 99999\r\n\r\n", 413);
	REFUSED("GET /a HTTP/1.1\r\nA: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\nE: 1\r\nF: 1\r\nG: 1\r\nH: "
		"1\r\nI: 1\r\n\r\n",
		431);
	REFUSED("GET /a HTTP/1.1\r\nBad Name: 1\r\n\r\n", 400);
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET /", 5);
	big[sizeof(big) - 1] = '\0';
	REFUSED(big, 413);
	CHECK_EQ(api_url_decode("a%2Fb%zz", 8, big, sizeof(big)), -1);
	CHECK_EQ(api_url_decode("a%2Fb", 5, big, sizeof(big)), 3);
	CHECK(strcmp(big, "a/b") == 0);
	CHECK_EQ(api_url_decode("a%2", 3, big, sizeof(big)), -1);
}

static void test_policy(void)
{
	json_t *allow_one = json_loads(
	    "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\", \"Action\": "
	    "\"route53:*\", \"Resource\": \"arn:aws:route53:::hostedzone/Z1\"}, {\"Effect\": "
	    "\"Allow\", \"Action\": [\"cloudfront:Get*\", \"cloudfront:List?istributions\"], "
	    "\"Resource\": \"*\"}]}",
	    0, NULL);
	json_t *deny = json_loads("{\"Statement\": {\"Effect\": \"Deny\", \"Action\": "
				  "\"route53:Delete*\", \"Resource\": \"*\"}}",
				  0, NULL);
	const json_t *docs[2] = {allow_one, deny};
	char err[256];
	static const char *const bad[] = {
	    "[]",
	    "{\"Statement\": []}",
	    "{\"Version\": \"2020-01-01\", \"Statement\": {\"Effect\": \"Allow\", \"Action\": "
	    "\"*\", \"Resource\": \"*\"}}",
	    "{\"Statement\": {\"Effect\": \"Maybe\", \"Action\": \"*\", \"Resource\": \"*\"}}",
	    "{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"*\"}}",
	    "{\"Statement\": {\"Effect\": \"Allow\", \"NotAction\": \"*\", \"Resource\": \"*\"}}",
	    "{\"Statement\": {\"Effect\": \"Allow\", \"Action\": [1], \"Resource\": \"*\"}}",
	    "{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\", "
	    "\"Condition\": {}}}",
	};

	CHECK(api_wildcard_match("route53:*", "route53:GetHostedZone", true));
	CHECK(api_wildcard_match("ROUTE53:get*", "route53:GetHostedZone", true));
	CHECK(!api_wildcard_match("route53:Get*", "route53:ListHostedZones", true));
	CHECK(api_wildcard_match("a*b*c", "aXXbYYc", false));
	CHECK(!api_wildcard_match("a*b*c", "aXXbYY", false));
	CHECK(api_wildcard_match("arn:aws:route53:::hostedzone/Z?",
				 "arn:aws:route53:::hostedzone/Z1", false));
	CHECK(!api_wildcard_match("arn:aws:route53:::hostedzone/z1",
				  "arn:aws:route53:::hostedzone/Z1", false));

	CHECK_EQ(api_policy_check(allow_one, err, sizeof(err)), 0);
	CHECK_EQ(api_policy_check(deny, err, sizeof(err)), 0);
	CHECK_EQ(api_policy_evaluate(docs, 1, "route53:ChangeResourceRecordSets",
				     "arn:aws:route53:::hostedzone/Z1"),
		 API_ALLOW);
	CHECK_EQ(api_policy_evaluate(docs, 1, "route53:ChangeResourceRecordSets",
				     "arn:aws:route53:::hostedzone/Z2"),
		 API_DEFAULT_DENY);
	CHECK_EQ(api_policy_evaluate(docs, 1, "route53:ListHostedZones", "*"), API_DEFAULT_DENY);
	CHECK_EQ(api_policy_evaluate(docs, 1, "cloudfront:ListDistributions", "*"), API_ALLOW);
	CHECK_EQ(api_policy_evaluate(docs, 1, "cloudfront:CreateDistribution", "*"),
		 API_DEFAULT_DENY);
	CHECK_EQ(api_policy_evaluate(docs, 2, "route53:DeleteHostedZone",
				     "arn:aws:route53:::hostedzone/Z1"),
		 API_EXPLICIT_DENY);
	CHECK_EQ(api_policy_evaluate(docs, 2, "route53:GetHostedZone",
				     "arn:aws:route53:::hostedzone/Z1"),
		 API_ALLOW);
	CHECK_EQ(api_policy_evaluate(docs, 0, "route53:GetHostedZone", "*"), API_DEFAULT_DENY);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *d = json_loads(bad[i], 0, NULL);
		CHECK_EQ(api_policy_check(d, err, sizeof(err)), -POP_EFORMAT);
		json_decref(d);
	}
	json_decref(allow_one);
	json_decref(deny);
}

static void test_secret_sealing(void)
{
	uint8_t key[32], other[32], sealed[128];
	size_t len;
	char secret[64];

	memset(key, 7, sizeof(key));
	memset(other, 8, sizeof(other));
	CHECK_EQ(api_iam_seal(key, "AKIA1", "s3cr3t/+x", sealed, sizeof(sealed), &len), 0);
	CHECK(memmem(sealed, len, "s3cr3t", 6) == NULL);
	CHECK_EQ(api_iam_open(key, "AKIA1", sealed, len, secret, sizeof(secret)), 0);
	CHECK(strcmp(secret, "s3cr3t/+x") == 0);
	CHECK_EQ(api_iam_open(other, "AKIA1", sealed, len, secret, sizeof(secret)), -POP_ECHECKSUM);
	CHECK_EQ(api_iam_open(key, "AKIA2", sealed, len, secret, sizeof(secret)), -POP_ECHECKSUM);
	sealed[len - 1] ^= 1;
	CHECK_EQ(api_iam_open(key, "AKIA1", sealed, len, secret, sizeof(secret)), -POP_ECHECKSUM);
	CHECK_EQ(api_iam_open(key, "AKIA1", sealed, 10, secret, sizeof(secret)), -EINVAL);
}

static void test_time(void)
{
	char text[40];

	CHECK(api_time_parse("2026-11-27T10:00:00.000Z") == 1795773600.0);
	CHECK(api_time_parse("2026-11-27T11:00:00.500000+01:00") == 1795773600.5);
	CHECK(api_time_parse("yesterday") < 0);
	api_time_format(1795773600.25, text, sizeof(text));
	CHECK(strcmp(text, "2026-11-27T10:00:00.250Z") == 0);
}

static void test_config_section(void)
{
	struct ctl_config cfg;
	char err[512];
	static const char *const bad[] = {
	    "{\"Api\": {\"Port\": 70000}}",
	    "{\"Api\": {\"Listen\": 5}}",
	    "{\"Api\": {\"MaxHeaders\": 500}}",
	    "{\"Api\": {\"Lisen\": \"::1\"}}",
	    "{\"Api\": {\"AccountId\": \"12345678901234567890\"}}",
	};

	CHECK_EQ(ctl_config_load_default(&cfg, err, sizeof(err)), 0);
	CHECK_EQ(cfg.api.port, 0);
	CHECK(strcmp(cfg.api.listen, "127.0.0.1") == 0 && cfg.api.max_headers > 0 &&
	      cfg.api.burst > 0 && cfg.api.requests_per_second > 0);
	static const char good[] = "{\"Api\": {\"Port\": 8443, \"Listen\": \"::1\", \"Burst\": 3}}";
	CHECK_EQ(ctl_config_parse(good, strlen(good), "t", &cfg, err, sizeof(err)), 0);
	CHECK(cfg.api.port == 8443 && strcmp(cfg.api.listen, "::1") == 0 && cfg.api.burst == 3);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_EQ(ctl_config_parse(bad[i], strlen(bad[i]), "t", &cfg, err, sizeof(err)),
			 -POP_ECONFIG);
		CHECK(strstr(err, "Api.") != NULL);
		CHECK(cfg.api.port == 8443);
	}
}

int main(void)
{
	RUN(test_sigv4_matches_botocore);
	RUN(test_sigv4_authorization_refused);
	RUN(test_requests_translate_to_botocore_params);
	RUN(test_resource_arns);
	RUN(test_responses_round_trip);
	RUN(test_errors);
	RUN(test_xml_refusals);
	RUN(test_http_parser);
	RUN(test_policy);
	RUN(test_secret_sealing);
	RUN(test_time);
	RUN(test_config_section);
	return tap_done();
}
