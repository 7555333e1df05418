/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file config.h
 * popd's configuration: a JSON document, validated in full before any of it
 * is used, over the defaults of the embedded firmware/config/default.json.
 *
 * Shape (every member optional; absent members keep their current value):
 *
 *     {"Control": {"MaxConnections": 1..65535,
 *                  "MaxRequestBytes": 4096..67108864,
 *                  "IdleTimeoutSeconds": 1..86400},
 *      "Api": {"Port": 0..65535 (0: off), "Listen": "127.0.0.1",
 *              "CertificateFile": "", "KeyFile": "" (both "": self-signed),
 *              "MaxConnections": 1..65535, "MaxRequestBytes": 4096..67108864,
 *              "MaxHeaders": 8..128, "IdleTimeoutSeconds": 1..86400,
 *              "RequestsPerSecond": 1..1000000, "Burst": 1..1000000,
 *              "AccountId": "000000000000"}}
 *
 * Unknown members, wrong types and values out of range are refused with a
 * message that names the field path, e.g.
 * `Control.MaxConnections: must be an integer from 1 to 65535, got 0`.
 * A refused document changes nothing.
 *
 * All functions are pure apart from ctl_config_load_file() reading its file;
 * any thread may call them on its own struct ctl_config.
 */
#ifndef POP_CTL_CONFIG_H
#define POP_CTL_CONFIG_H

#include <stddef.h>
#include <stdint.h>

/** Control socket bounds (config section "Control"). */
struct ctl_config_control {
	uint32_t max_connections;   /**< Control.MaxConnections */
	uint32_t max_request_bytes; /**< Control.MaxRequestBytes */
	uint32_t idle_timeout_s;    /**< Control.IdleTimeoutSeconds */
};

/** The AWS API endpoint (config section "Api"; see api.h). Port 0: off. */
struct ctl_config_api {
	uint32_t port;		      /**< Api.Port, 0..65535 */
	uint32_t max_connections;     /**< Api.MaxConnections */
	uint32_t max_request_bytes;   /**< Api.MaxRequestBytes: head and body */
	uint32_t max_headers;	      /**< Api.MaxHeaders */
	uint32_t idle_timeout_s;      /**< Api.IdleTimeoutSeconds */
	uint32_t requests_per_second; /**< Api.RequestsPerSecond: per access key */
	uint32_t burst;		      /**< Api.Burst: per access key */
	char listen[64];	      /**< Api.Listen: an IPv4 or IPv6 address */
	char certificate_file[256];   /**< Api.CertificateFile: "" makes one */
	char key_file[256];	      /**< Api.KeyFile */
	char account_id[16];	      /**< Api.AccountId: in CloudFront ARNs */
};

/** The whole configuration popd runs with. */
struct ctl_config {
	struct ctl_config_control control;
	struct ctl_config_api api;
};

/** Largest configuration file read, in bytes. */
#define CTL_CONFIG_MAX_FILE_BYTES (64 * 1024 * 1024)

/** The embedded default configuration (firmware/config/default.json), NUL-terminated. */
extern const char ctl_config_default_json[];
/** Its length in bytes, without the NUL. */
extern const size_t ctl_config_default_json_len;

/**
 * Fill cfg from the embedded default.
 * @param err, err_len receives a message if the embedded text is bad (a build bug).
 * @return 0 or -POP_ECONFIG.
 */
int ctl_config_load_default(struct ctl_config *cfg, char *err, size_t err_len);

/**
 * Validate a JSON document and apply the members it has onto cfg.
 * @param text, len the document (need not be NUL-terminated).
 * @param origin where it came from, prefixed to messages (a path); may be NULL.
 * @param cfg updated only when the whole document is valid.
 * @param err, err_len receives "<origin>: <field path>: <what is wrong>" on failure.
 * @return 0, -POP_EFORMAT (not JSON) or -POP_ECONFIG (invalid field).
 */
int ctl_config_parse(const char *text, size_t len, const char *origin, struct ctl_config *cfg,
		     char *err, size_t err_len);

/**
 * Read a file and ctl_config_parse() it onto cfg.
 * @return 0, a negative errno when the file cannot be read (message in err),
 *         -EFBIG above CTL_CONFIG_MAX_FILE_BYTES, or ctl_config_parse()'s error.
 */
int ctl_config_load_file(const char *path, struct ctl_config *cfg, char *err, size_t err_len);

#endif /* POP_CTL_CONFIG_H */
