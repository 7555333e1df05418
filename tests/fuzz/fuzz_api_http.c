/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the AWS API endpoint's HTTP request parser and what runs
 * on a parsed request before any state is touched: the SigV4 header parser
 * and signer, routing, and the translation of URI, query, headers and body
 * into command args. Every path ends in a result or a refusal with a status.
 */
#include "api_pvt.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct api_http_request req;
	struct api_http_limits lim = {.max_request_bytes = 65536, .max_headers = 64};
	const struct api_operation *op;
	struct api_sigv4_auth auth;
	struct api_request r;
	struct api_fault f;
	const char *v;
	size_t vl;
	uint8_t sig[32];
	int status = 0, rc;

	rc = api_http_parse((const char *)data, size, &lim, &req, &status);
	if (rc == -EAGAIN)
		return 0;
	if (rc < 0) {
		if (status < 400 || status > 505)
			abort();
		return 0;
	}
	if (req.total_len > size || req.body_len > req.total_len)
		abort();
	v = api_http_header(&req, "Authorization", &vl);
	if (v != NULL && api_sigv4_parse(v, vl, &auth) == 0)
		api_sigv4_sign(&req, &auth, "20261127T130000Z", "secret", sig);
	op = api_route(req.method, req.path, req.path_len);
	if (op == NULL)
		return 0;
	memset(&f, 0, sizeof(f));
	rc = api_request_build(op, &req, "123456789012", &r, &f);
	if (rc < 0) {
		if (r.args != NULL || f.status < 400 || f.code[0] == '\0')
			abort();
		return 0;
	}
	if (!json_is_object(r.args) || r.resource[0] == '\0')
		abort();
	api_request_release(&r);
	return 0;
}
