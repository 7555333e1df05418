/* SPDX-License-Identifier: BSD-3-Clause */
/* The HTTPS listener and its connections on popd's event loop. */
#ifndef POP_API_SERVER_PVT_H
#define POP_API_SERVER_PVT_H

#include "api_pvt.h"
#include "env.h"

/** Longest access key id handled, NUL included. */
#define API_KEY_ID_MAX 129

struct api_server;

/**
 * Load or make the certificate, listen on cfg->listen:cfg->port and serve on
 * popd's loop (ctl_server_watch). @return 0 and *out, or a negative error.
 */
int api_server_start(struct popd_env *env, const struct ctl_config_api *cfg,
		     struct api_server **out);

/** Close every connection and the listener; NULL is ignored. */
void api_server_stop(struct api_server *srv);

/** Answer one parsed request (api.c): resp->body is malloc'd or NULL. */
void api_handle(struct popd_env *env, const struct ctl_config_api *cfg,
		const struct api_http_request *req, struct api_response *resp);

/**
 * Make a self-signed certificate and key (P-256, 10 years, SANs: the listen
 * address, 127.0.0.1, ::1, localhost) unless both files exist; the key 0600.
 */
int api_cert_ensure(const char *cert_path, const char *key_path, const char *listen_addr);

#endif /* POP_API_SERVER_PVT_H */
