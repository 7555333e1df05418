/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: one control-socket request line, through the parser and
 * then through a socket-less server's dispatch and response rendering, the
 * path every byte a client sends takes.
 */
#include "base.h"
#include "sock.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_MAX_REQUEST_BYTES 65536

static struct ctl_server *server;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_request req;
	struct ctl_error err;
	char *response = NULL;
	size_t response_len = 0;
	int rc;

	if (server == NULL) {
		struct ctl_server_config cfg = {
		    .instance = "fuzz",
		    .max_connections = 1,
		    .max_request_bytes = FUZZ_MAX_REQUEST_BYTES,
		    .idle_timeout_s = 1,
		};
		pop_log_set_level(POP_LOG_ERR);
		if (ctl_server_create(&cfg, &server) < 0)
			abort();
	}

	rc = ctl_request_parse((const char *)data, size, FUZZ_MAX_REQUEST_BYTES, &req, &err);
	if (rc == 0) {
		/* A parsed request always has a normalized, non-empty command and args. */
		if (req.command[0] == '\0' || req.command[0] == ' ' || !json_is_object(req.args) ||
		    strlen(req.command) > CTL_COMMAND_MAX_BYTES)
			abort();
	} else if (err.code[0] == '\0' || err.message[0] == '\0') {
		abort();
	}
	ctl_request_release(&req);

	rc = ctl_server_execute(server, NULL, (const char *)data, size, &response, &response_len);
	if (rc < 0 && rc != -ENOMEM)
		abort();
	/* Every answer is exactly one line. */
	if (response != NULL && (response_len == 0 || response[response_len - 1] != '\n' ||
				 memchr(response, '\n', response_len - 1) != NULL))
		abort();
	free(response);
	return 0;
}
