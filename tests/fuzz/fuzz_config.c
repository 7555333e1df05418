/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: popd's config parser. A document either fails with a
 * message and leaves the config as it was, or yields values inside the
 * documented bounds.
 */
#include "base.h"
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_config before, cfg;
	char err[512];
	int rc;

	if (ctl_config_load_default(&before, err, sizeof(err)) < 0)
		abort();
	cfg = before;
	err[0] = '\0';
	rc = ctl_config_parse((const char *)data, size, "fuzz", &cfg, err, sizeof(err));
	if (rc < 0) {
		if (memcmp(&cfg, &before, sizeof(cfg)) != 0 || err[0] == '\0')
			abort();
		return 0;
	}
	if (cfg.control.max_connections < 1 || cfg.control.max_connections > 65535 ||
	    cfg.control.max_request_bytes < 4096 || cfg.control.max_request_bytes > 67108864 ||
	    cfg.control.idle_timeout_s < 1 || cfg.control.idle_timeout_s > 86400)
		abort();
	return 0;
}
