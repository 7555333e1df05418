/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: a CloudFront DistributionConfig (JSON) through the
 * validation create-distribution runs, without a store. A document is either
 * refused with an AWS error code and a message that names the field, or
 * accepted; and every accepted config's path patterns compile into the
 * Hyperscan database the edge table carries (validation never lets through
 * what the compiler would refuse).
 */
#include "cloudfront.h"
#include "edge.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_patterns(const json_t *cfg)
{
	const json_t *items = json_object_get(json_object_get(cfg, "CacheBehaviors"), "Items");
	const char *patterns[64];
	hs_database_t *db = NULL;
	char err[256];
	size_t n = json_array_size(items);

	if (n == 0)
		return;
	if (n > sizeof(patterns) / sizeof(patterns[0]))
		abort(); /* more than the quota was accepted */
	for (size_t i = 0; i < n; i++) {
		patterns[i] =
		    json_string_value(json_object_get(json_array_get(items, i), "PathPattern"));
		if (patterns[i] == NULL)
			abort();
	}
	if (edge_path_patterns_compile(patterns, n, &db, err, sizeof(err)) != 0)
		abort();
	hs_free_database(db);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_error err;
	json_t *cfg = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	int rc;

	if (cfg == NULL)
		return 0;
	memset(&err, 0, sizeof(err));
	rc = cloudfront_check_distribution_config(NULL, cfg, &err);
	if (rc < 0) {
		if (err.code[0] == '\0' || strncmp(err.message, "DistributionConfig", 18) != 0)
			abort();
	} else {
		if (rc != 0)
			abort();
		check_patterns(cfg);
	}
	json_decref(cfg);
	return 0;
}
