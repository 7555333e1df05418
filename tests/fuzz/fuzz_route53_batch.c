/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: one input as the ChangeBatch of route53
 * change-resource-record-sets, through input checking, parsing of every
 * name and value, and the checks against the store (a hosted zone with a
 * few record sets, in a temporary directory). Each run is rolled back, so
 * every input meets the same zone.
 */
#include "fuzz_route53_harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char zone_id[64];

static void setup(void)
{
	json_t *r = NULL;

	harness_setup();
	/* The zone and its record sets are made for real (no hook yet)... */
	if (execute("route53 create-hosted-zone",
		    json_pack("{s:s, s:s}", "Name", "example.com", "CallerReference", "fuzz"),
		    &r) != 0)
		abort();
	snprintf(zone_id, sizeof(zone_id), "%s",
		 json_string_value(json_object_get(
		     json_object_get(json_object_get(r, "result"), "HostedZone"), "Id")));
	json_decref(r);
	r = json_loads("{\"Changes\": ["
		       "{\"Action\": \"CREATE\", \"ResourceRecordSet\": {\"Name\": "
		       "\"www.example.com\", \"Type\": \"A\", \"TTL\": 60, "
		       "\"ResourceRecords\": [{\"Value\": \"192.0.2.1\"}]}},"
		       "{\"Action\": \"CREATE\", \"ResourceRecordSet\": {\"Name\": "
		       "\"w.example.com\", \"Type\": \"A\", \"SetIdentifier\": \"a\", "
		       "\"Weight\": 1, \"TTL\": 60, \"ResourceRecords\": [{\"Value\": "
		       "\"192.0.2.2\"}]}},"
		       "{\"Action\": \"CREATE\", \"ResourceRecordSet\": {\"Name\": "
		       "\"c.example.com\", \"Type\": \"CNAME\", \"TTL\": 60, "
		       "\"ResourceRecords\": [{\"Value\": \"www.example.com\"}]}}]}",
		       0, NULL);
	if (r == NULL ||
	    execute("route53 change-resource-record-sets",
		    json_pack("{s:s, s:o}", "HostedZoneId", zone_id, "ChangeBatch", r), NULL) != 0)
		abort();
	/* ...the inputs then run through the rolling-back hook. */
	harness_roll_back();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *batch;

	if (server == NULL)
		setup();
	batch = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	if (batch == NULL)
		batch = json_stringn_nocheck((const char *)data, size);
	execute_checked("route53 change-resource-record-sets",
			json_pack("{s:s, s:o}", "HostedZoneId", zone_id, "ChangeBatch", batch));
	return 0;
}
