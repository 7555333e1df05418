/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: one input as the HealthCheckConfig of route53
 * create-health-check (and as the members of update-health-check), through
 * the shape checks and Route 53's rules across members, against a store
 * that holds one health check (children are looked up). Each run is rolled
 * back, so every input meets the same store.
 */
#include "fuzz_route53_harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char check_id[80];

static void setup(void)
{
	json_t *r = NULL;

	harness_setup();
	if (execute("route53 create-health-check",
		    json_pack("{s:s, s:{s:s, s:s, s:i}}", "CallerReference", "fuzz",
			      "HealthCheckConfig", "Type", "TCP", "IPAddress", "192.0.2.1", "Port",
			      80),
		    &r) != 0)
		abort();
	snprintf(check_id, sizeof(check_id), "%s",
		 json_string_value(json_object_get(
		     json_object_get(json_object_get(r, "result"), "HealthCheck"), "Id")));
	json_decref(r);
	harness_roll_back();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *config;

	if (server == NULL)
		setup();
	config = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	if (config == NULL)
		config = json_stringn_nocheck((const char *)data, size);
	execute_checked(
	    "route53 create-health-check",
	    json_pack("{s:s, s:O}", "CallerReference", "fuzz-input", "HealthCheckConfig", config));
	/* The same members as an update of the stored check. */
	if (json_is_object(config)) {
		json_object_del(config, "Type");
		json_object_set_new(config, "HealthCheckId", json_string(check_id));
		execute_checked("route53 update-health-check", json_incref(config));
	}
	json_decref(config);
	return 0;
}
