/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * route53's commands driven through ctl_server_execute() the way popd runs
 * them (a mutating hook that wraps each change in a store transaction), on a
 * store and tables in a temporary directory; then the zones compiler.
 */
#include "env.h"
#include "popd_harness.h"
#include "route53.h"
#include "sock.h"
#include "store.h"
#include "tables.h"
#include "tap.h"
#include "zones.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct harness_module modules[] = {
    {route53_init, route53_commands, &route53_command_count},
};
static struct harness h = {.modules = modules, .n_modules = 1, .max_request_bytes = 160u << 20};

#define run(...)	    harness_run(&h, __VA_ARGS__)
#define run_obj(cmd, args)  harness_run_obj(&h, cmd, args)
#define run_line(line, len) harness_run_line(&h, line, len)

static const char *err_code(void)
{
	return json_string_value(json_object_get(json_object_get(h.last, "error"), "code"));
}

static const char *err_message(void)
{
	return json_string_value(json_object_get(json_object_get(h.last, "error"), "message"));
}

/* The error is exactly this code and message. */
static bool error_is(const char *code, const char *message)
{
	const char *c = err_code(), *m = err_message();

	if (c != NULL && m != NULL && strcmp(c, code) == 0 && strcmp(m, message) == 0)
		return true;
	printf("#   got %s: %s\n#   want %s: %s\n", c ? c : "(none)", m ? m : "(none)", code,
	       message);
	return false;
}

static json_t *json_path_get(const json_t *obj, const char *path)
{
	char buf[256], *save = NULL, *part;
	json_t *v = (json_t *)obj;

	snprintf(buf, sizeof(buf), "%s", path);
	for (part = strtok_r(buf, ".", &save); part != NULL && v != NULL;
	     part = strtok_r(NULL, ".", &save)) {
		if (part[0] >= '0' && part[0] <= '9')
			v = json_array_get(v, (size_t)atoi(part));
		else
			v = json_object_get(v, part);
	}
	return v;
}

static const char *str_at(const json_t *obj, const char *path)
{
	return json_string_value(json_path_get(obj, path));
}

static char zone_id[64]; /* example.com */

static const char *create_zone(const char *name, const char *ref)
{
	static char id[64];
	json_t *r =
	    run("route53 create-hosted-zone", "{'Name': '%s', 'CallerReference': '%s'}", name, ref);
	const char *full = str_at(r, "HostedZone.Id");

	if (full == NULL)
		return NULL;
	snprintf(id, sizeof(id), "%s", full + strlen("/hostedzone/"));
	return id;
}

/* A change batch of one change. */
static json_t *change(const char *action, const char *rrset)
{
	return run("route53 change-resource-record-sets",
		   "{'HostedZoneId': '%s', 'ChangeBatch': {'Changes': [{'Action': '%s', "
		   "'ResourceRecordSet': %s}]}}",
		   zone_id, action, rrset);
}

/* ------------------------------------------------------------ zones */

static void test_create_hosted_zone(void)
{
	json_t *r =
	    run("route53 create-hosted-zone", "{'Name': 'Example.COM', 'CallerReference': 'ref-1', "
					      "'HostedZoneConfig': {'Comment': 'the example'}}");

	CHECK(r != NULL);
	CHECK(strncmp(str_at(r, "HostedZone.Id"), "/hostedzone/Z", 13) == 0);
	CHECK_EQ(strlen(str_at(r, "HostedZone.Id")), 12 + 20);
	snprintf(zone_id, sizeof(zone_id), "%s", str_at(r, "HostedZone.Id") + 12);
	CHECK(strcmp(str_at(r, "HostedZone.Name"), "example.com.") == 0);
	CHECK(strcmp(str_at(r, "HostedZone.CallerReference"), "ref-1") == 0);
	CHECK(strcmp(str_at(r, "HostedZone.Config.Comment"), "the example") == 0);
	CHECK(json_is_false(json_path_get(r, "HostedZone.Config.PrivateZone")));
	CHECK_EQ(json_integer_value(json_path_get(r, "HostedZone.ResourceRecordSetCount")), 2);
	CHECK(strncmp(str_at(r, "ChangeInfo.Id"), "/change/C", 9) == 0);
	CHECK(strcmp(str_at(r, "ChangeInfo.Status"), "PENDING") == 0);
	CHECK(str_at(r, "ChangeInfo.SubmittedAt") != NULL);
	CHECK_EQ(json_array_size(json_path_get(r, "DelegationSet.NameServers")), 4);
	CHECK(strcmp(str_at(r, "DelegationSet.NameServers.0"), "ns1.example.com") == 0);
	CHECK(strcmp(str_at(r, "DelegationSet.NameServers.3"), "ns4.example.com") == 0);
	CHECK(strncmp(str_at(r, "Location"), "/2013-04-01/hostedzone/Z", 24) == 0);

	/* The apex SOA and NS, as Route 53 makes them. */
	r = run("route53 list-resource-record-sets", "{'HostedZoneId': '/hostedzone/%s'}", zone_id);
	CHECK_EQ(json_array_size(json_object_get(r, "ResourceRecordSets")), 2);
	CHECK(strcmp(str_at(r, "ResourceRecordSets.0.Type"), "NS") == 0);
	CHECK_EQ(json_integer_value(json_path_get(r, "ResourceRecordSets.0.TTL")), 172800);
	CHECK(strcmp(str_at(r, "ResourceRecordSets.0.ResourceRecords.1.Value"),
		     "ns2.example.com.") == 0);
	CHECK(strcmp(str_at(r, "ResourceRecordSets.1.Type"), "SOA") == 0);
	CHECK_EQ(json_integer_value(json_path_get(r, "ResourceRecordSets.1.TTL")), 900);
	CHECK(strcmp(str_at(r, "ResourceRecordSets.1.ResourceRecords.0.Value"),
		     "ns1.example.com. hostmaster.example.com. 1 7200 900 1209600 86400") == 0);
	CHECK(json_is_false(json_object_get(r, "IsTruncated")));
	CHECK(strcmp(str_at(r, "MaxItems"), "300") == 0);
}

static void test_caller_reference(void)
{
	CHECK(run("route53 create-hosted-zone", "{'Name': 'other.example', 'CallerReference': "
						"'ref-1'}") == NULL);
	CHECK(error_is("HostedZoneAlreadyExists",
		       "A hosted zone has already been created with the specified caller "
		       "reference."));
	/* The same request again is refused the same way: nothing is made twice. */
	CHECK(run("route53 create-hosted-zone", "{'Name': 'example.com', 'CallerReference': "
						"'ref-1'}") == NULL);
	CHECK(strcmp(err_code(), "HostedZoneAlreadyExists") == 0);
	CHECK(run("route53 create-hosted-zone", "{'Name': 'example.com.', 'CallerReference': "
						"'ref-again'}") == NULL);
	CHECK(strcmp(err_code(), "ConflictingDomainExists") == 0);
}

static void test_create_errors(void)
{
	CHECK(run("route53 create-hosted-zone", "{'Name': 'a..b', 'CallerReference': 'x1'}") ==
	      NULL);
	CHECK(error_is("InvalidDomainName",
		       "DomainLabelEmpty (Domain label is empty) encountered with 'a..b'"));
	CHECK(run("route53 create-hosted-zone", "{'Name': 'com', 'CallerReference': 'x2'}") ==
	      NULL);
	CHECK(error_is("InvalidDomainName",
		       "com is a top-level domain: a public hosted zone must be under one"));
	CHECK(run("route53 create-hosted-zone", "{'Name': 'x.com'}") == NULL);
	CHECK(error_is("InvalidInput", "Missing required parameter in input: \"CallerReference\""));
	CHECK(run("route53 create-hosted-zone",
		  "{'Name': 'x.com', 'CallerReference': 'x3', 'Color': 'red'}") == NULL);
	CHECK(error_is("InvalidInput",
		       "Unknown parameter in input: \"Color\", must be one of: Name, VPC, "
		       "CallerReference, HostedZoneConfig, DelegationSetId, SourcePrefixes"));
	CHECK(run("route53 create-hosted-zone", "{'Name': 'x.com', 'CallerReference': ''}") ==
	      NULL);
	CHECK(error_is("InvalidInput", "Invalid length for parameter CallerReference, value: 0, "
				       "valid min length: 1"));
	CHECK(run("route53 create-hosted-zone",
		  "{'Name': 'x.com', 'CallerReference': 'x4', 'HostedZoneConfig': {'PrivateZone': "
		  "'yes'}}") == NULL);
	CHECK(error_is("InvalidInput",
		       "Invalid type for parameter HostedZoneConfig.PrivateZone, value: yes, type: "
		       "<class 'str'>, valid types: <class 'bool'>"));
}

static void test_private_zone(void)
{
	json_t *r = run("route53 create-hosted-zone",
			"{'Name': 'example.com', 'CallerReference': 'priv-1', 'HostedZoneConfig': "
			"{'PrivateZone': true}, 'SourcePrefixes': ['198.18.0.0/15', "
			"'2001:db8::/32']}");
	char id[64];

	CHECK(r != NULL);
	CHECK(json_is_true(json_path_get(r, "HostedZone.Config.PrivateZone")));
	CHECK(json_path_get(r, "DelegationSet") == NULL);
	CHECK(strcmp(str_at(r, "SourcePrefixes.1"), "2001:db8::/32") == 0);
	snprintf(id, sizeof(id), "%s", str_at(r, "HostedZone.Id"));
	r = run("route53 get-hosted-zone", "{'Id': '%s'}", id);
	CHECK(strcmp(str_at(r, "SourcePrefixes.0"), "198.18.0.0/15") == 0);

	CHECK(run("route53 create-hosted-zone",
		  "{'Name': 'p.example', 'CallerReference': 'priv-2', 'HostedZoneConfig': "
		  "{'PrivateZone': true}}") == NULL);
	CHECK(error_is("InvalidInput",
		       "A private hosted zone needs SourcePrefixes: the CIDR blocks "
		       "(IPv4 or IPv6) of the clients it answers"));
	CHECK(run("route53 create-hosted-zone",
		  "{'Name': 'p.example', 'CallerReference': 'priv-3', 'HostedZoneConfig': "
		  "{'PrivateZone': true}, 'SourcePrefixes': ['198.18.0.1/15']}") == NULL);
	CHECK(error_is("InvalidInput", "SourcePrefixes[0]: \"198.18.0.1/15\" is not a CIDR block "
				       "such as 198.18.0.0/15 or 2001:db8::/32 (host bits zero)"));
	CHECK(run("route53 create-hosted-zone",
		  "{'Name': 'p.example', 'CallerReference': 'priv-4', 'HostedZoneConfig': "
		  "{'PrivateZone': true}, 'VPC': {'VPCRegion': 'us-east-1', 'VPCId': 'vpc-1'}}") ==
	      NULL);
	CHECK(error_is("InvalidVPCId",
		       "pop has no VPCs: a private hosted zone takes SourcePrefixes "
		       "(CIDR blocks its answers are for) in place of VPC"));
	CHECK(run("route53 create-hosted-zone",
		  "{'Name': 'p.example', 'CallerReference': 'priv-5', 'SourcePrefixes': "
		  "['198.18.0.0/15']}") == NULL);
	CHECK(error_is("InvalidInput", "SourcePrefixes is for private hosted zones: set "
				       "HostedZoneConfig.PrivateZone to true"));
	/* One prefix may come as a string, as popctl sends a single value. */
	r = run("route53 create-hosted-zone",
		"{'Name': 'one.example', 'CallerReference': 'priv-6', 'HostedZoneConfig': "
		"{'PrivateZone': true}, 'SourcePrefixes': '10.0.0.0/8'}");
	CHECK(r != NULL && strcmp(str_at(r, "SourcePrefixes.0"), "10.0.0.0/8") == 0);
	CHECK(run("route53 delete-hosted-zone", "{'Id': '%s'}", str_at(r, "HostedZone.Id")) !=
	      NULL);
	/* The private example.com stays, beside the public one, for the compiler. */
}

static void test_get_and_list_zones(void)
{
	json_t *r;
	const char *next;
	char ids[3][64];

	r = run("route53 get-hosted-zone", "{'Id': '%s'}", zone_id);
	CHECK(strcmp(str_at(r, "HostedZone.Name"), "example.com.") == 0);
	CHECK(strcmp(str_at(r, "DelegationSet.NameServers.1"), "ns2.example.com") == 0);
	CHECK(run("route53 get-hosted-zone", "{'Id': 'ZNOSUCHZONE'}") == NULL);
	CHECK(error_is("NoSuchHostedZone", "No hosted zone found with ID: ZNOSUCHZONE"));
	CHECK(run("route53 get-hosted-zone", "{'Id': '/hostedzone/ZNOSUCHZONE'}") == NULL);
	CHECK(error_is("NoSuchHostedZone", "No hosted zone found with ID: ZNOSUCHZONE"));
	CHECK(run("route53 get-hosted-zone", "{'Id': 'Z123456789012345678901234567890123'}") ==
	      NULL);
	CHECK(error_is("InvalidInput",
		       "1 validation error detected: Value 'Z123456789012345678901234567890123' at "
		       "'id' failed to satisfy constraint: Member must have length less than or "
		       "equal to 32"));

	for (int i = 0; i < 3; i++) {
		char name[32], ref[32];
		snprintf(name, sizeof(name), "list%d.example", i);
		snprintf(ref, sizeof(ref), "list-%d", i);
		snprintf(ids[i], sizeof(ids[i]), "%s", create_zone(name, ref));
	}
	r = run("route53 list-hosted-zones", "{'MaxItems': '2'}");
	CHECK_EQ(json_array_size(json_object_get(r, "HostedZones")), 2);
	CHECK(json_is_true(json_object_get(r, "IsTruncated")));
	CHECK(strcmp(str_at(r, "MaxItems"), "2") == 0);
	CHECK(strcmp(str_at(r, "Marker"), "") == 0);
	next = str_at(r, "NextMarker");
	CHECK(next != NULL);
	{
		char marker[64];
		size_t seen = 2;

		snprintf(marker, sizeof(marker), "%s", next);
		r = run("route53 list-hosted-zones", "{'Marker': '%s', 'MaxItems': 3}", marker);
		CHECK(strcmp(str_at(r, "HostedZones.0.Id") + 12, marker) == 0);
		seen += json_array_size(json_object_get(r, "HostedZones"));
		CHECK_EQ(seen, 5);
		CHECK(json_is_false(json_object_get(r, "IsTruncated")));
		CHECK(json_object_get(r, "NextMarker") == NULL);
	}
	CHECK(run("route53 list-hosted-zones", "{'MaxItems': 'ten'}") == NULL);
	CHECK(error_is("InvalidInput", "MaxItems: \"ten\" is not a whole number"));
	for (int i = 0; i < 3; i++)
		CHECK(run("route53 delete-hosted-zone", "{'Id': '%s'}", ids[i]) != NULL);
	r = run("route53 list-hosted-zones", "{}");
	CHECK_EQ(json_array_size(json_object_get(r, "HostedZones")), 2);
}

/* --------------------------------------------------------- record sets */

static void test_create_and_list(void)
{
	json_t *r = run("route53 change-resource-record-sets",
			"{'HostedZoneId': '%s', 'ChangeBatch': {'Comment': 'first', 'Changes': ["
			"{'Action': 'CREATE', 'ResourceRecordSet': {'Name': 'WWW.example.com', "
			"'Type': 'A', 'TTL': 300, 'ResourceRecords': [{'Value': '192.0.2.1'}, "
			"{'Value': '192.0.2.2'}]}},"
			"{'Action': 'CREATE', 'ResourceRecordSet': {'Name': 'example.com.', "
			"'Type': 'MX', 'TTL': 3600, 'ResourceRecords': [{'Value': '10 "
			"mail.example.com'}]}},"
			"{'Action': 'CREATE', 'ResourceRecordSet': {'Name': 'example.com', "
			"'Type': 'TXT', 'TTL': 60, 'ResourceRecords': [{'Value': '\\'v=spf1 "
			"-all\\''}]}},"
			"{'Action': 'CREATE', 'ResourceRecordSet': {'Name': 'example.com', "
			"'Type': 'CAA', 'TTL': 60, 'ResourceRecords': [{'Value': '0 issue "
			"\\'amazon.com\\''}]}}]}}",
			zone_id);

	CHECK(r != NULL);
	CHECK(strcmp(str_at(r, "ChangeInfo.Comment"), "first") == 0);
	CHECK(strcmp(str_at(r, "ChangeInfo.Status"), "PENDING") == 0);
	{
		char change_id[64];

		snprintf(change_id, sizeof(change_id), "%s", str_at(r, "ChangeInfo.Id"));
		r = run("route53 get-change", "{'Id': '%s'}", change_id);
		CHECK(strcmp(str_at(r, "ChangeInfo.Id"), change_id) == 0);
		CHECK(strcmp(str_at(r, "ChangeInfo.Comment"), "first") == 0);
		r = run("route53 get-change", "{'Id': '%s'}", change_id + 8);
		CHECK(r != NULL);
		CHECK(run("route53 get-change", "{'Id': '/change/CNOSUCH'}") == NULL);
		CHECK(error_is("NoSuchChange", "A change with the specified change ID does not "
					       "exist."));
	}
	r = run("route53 list-resource-record-sets", "{'HostedZoneId': '%s'}", zone_id);
	/* By name with the labels reversed, then by type: apex CAA MX NS SOA TXT, then www. */
	CHECK_EQ(json_array_size(json_object_get(r, "ResourceRecordSets")), 6);
	CHECK(strcmp(str_at(r, "ResourceRecordSets.0.Type"), "CAA") == 0);
	CHECK(strcmp(str_at(r, "ResourceRecordSets.1.Type"), "MX") == 0);
	CHECK(strcmp(str_at(r, "ResourceRecordSets.4.Type"), "TXT") == 0);
	CHECK(strcmp(str_at(r, "ResourceRecordSets.4.ResourceRecords.0.Value"),
		     "\"v=spf1 -all\"") == 0);
	CHECK(strcmp(str_at(r, "ResourceRecordSets.5.Name"), "www.example.com.") == 0);
	CHECK(strcmp(str_at(r, "ResourceRecordSets.1.ResourceRecords.0.Value"),
		     "10 mail.example.com") == 0);
	{
		/* The stored set prints in the shape's member order. */
		char *dump = json_dumps(json_path_get(r, "ResourceRecordSets.5"), JSON_COMPACT);
		CHECK(strcmp(dump, "{\"Name\":\"www.example.com.\",\"Type\":\"A\",\"TTL\":300,"
				   "\"ResourceRecords\":[{\"Value\":\"192.0.2.1\"},{\"Value\":"
				   "\"192.0.2.2\"}]}") == 0);
		free(dump);
	}
	r = run("route53 get-hosted-zone", "{'Id': '%s'}", zone_id);
	CHECK_EQ(json_integer_value(json_path_get(r, "HostedZone.ResourceRecordSetCount")), 6);
}

static void test_create_existing_delete_missing(void)
{
	CHECK(change("CREATE", "{'Name': 'www.example.com', 'Type': 'A', 'TTL': 60, "
			       "'ResourceRecords': [{'Value': '192.0.2.9'}]}") == NULL);
	CHECK(error_is("InvalidChangeBatch",
		       "[Tried to create resource record set [name='www.example.com.', type='A'] "
		       "but it already exists]"));
	CHECK(change("DELETE", "{'Name': 'nope.example.com', 'Type': 'A', 'TTL': 60, "
			       "'ResourceRecords': [{'Value': '192.0.2.9'}]}") == NULL);
	CHECK(error_is("InvalidChangeBatch",
		       "[Tried to delete resource record set [name='nope.example.com.', type='A'] "
		       "but it was not found]"));
	/* DELETE must give exactly what is there: the TTL differs here. */
	CHECK(change("DELETE", "{'Name': 'www.example.com', 'Type': 'A', 'TTL': 60, "
			       "'ResourceRecords': [{'Value': '192.0.2.1'}, {'Value': "
			       "'192.0.2.2'}]}") == NULL);
	CHECK(error_is("InvalidChangeBatch",
		       "[Tried to delete resource record set [name='www.example.com.', type='A'] "
		       "but the values provided do not match the current values]"));
	CHECK(change("DELETE", "{'Name': 'www.example.com', 'Type': 'A', 'TTL': 300, "
			       "'ResourceRecords': [{'Value': '192.0.2.1'}]}") == NULL);
	CHECK(strcmp(err_code(), "InvalidChangeBatch") == 0);
	/* The values in another order are the same set. */
	CHECK(change("DELETE", "{'Name': 'www.example.com.', 'Type': 'A', 'TTL': 300, "
			       "'ResourceRecords': [{'Value': '192.0.2.2'}, {'Value': "
			       "'192.0.2.1'}]}") != NULL);
	CHECK(change("UPSERT", "{'Name': 'www.example.com', 'Type': 'A', 'TTL': 300, "
			       "'ResourceRecords': [{'Value': '192.0.2.1'}]}") != NULL);
	CHECK(change("UPSERT", "{'Name': 'www.example.com', 'Type': 'A', 'TTL': 120, "
			       "'ResourceRecords': [{'Value': '192.0.2.1'}, {'Value': "
			       "'192.0.2.3'}]}") != NULL);
	json_t *r = run("route53 list-resource-record-sets",
			"{'HostedZoneId': '%s', 'StartRecordName': 'www.example.com', "
			"'StartRecordType': 'A', 'MaxItems': '1'}",
			zone_id);
	CHECK_EQ(json_integer_value(json_path_get(r, "ResourceRecordSets.0.TTL")), 120);
	CHECK(strcmp(str_at(r, "ResourceRecordSets.0.ResourceRecords.1.Value"), "192.0.2.3") == 0);
}

static void test_cname_rules(void)
{
	CHECK(change("CREATE", "{'Name': 'example.com', 'Type': 'CNAME', 'TTL': 60, "
			       "'ResourceRecords': [{'Value': 'www.example.com'}]}") == NULL);
	CHECK(
	    error_is("InvalidChangeBatch",
		     "[RRSet of type CNAME with DNS name example.com. is not permitted at apex in "
		     "zone example.com.]"));
	CHECK(change("CREATE", "{'Name': 'www.example.com', 'Type': 'CNAME', 'TTL': 60, "
			       "'ResourceRecords': [{'Value': 'elsewhere.example.net'}]}") == NULL);
	CHECK(
	    error_is("InvalidChangeBatch",
		     "[RRSet of type CNAME with DNS name www.example.com. is not permitted as it "
		     "conflicts with other records with the same DNS name in zone example.com.]"));
	CHECK(change("CREATE", "{'Name': 'alias.example.com', 'Type': 'CNAME', 'TTL': 60, "
			       "'ResourceRecords': [{'Value': 'www.example.com'}]}") != NULL);
	CHECK(change("CREATE", "{'Name': 'alias.example.com', 'Type': 'TXT', 'TTL': 60, "
			       "'ResourceRecords': [{'Value': '\\'x\\''}]}") == NULL);
	CHECK(
	    error_is("InvalidChangeBatch",
		     "[RRSet of type TXT with DNS name alias.example.com. is not permitted because "
		     "a conflicting RRSet of type CNAME with the same DNS name already exists in "
		     "zone example.com.]"));
	CHECK(change("CREATE", "{'Name': 'two.example.com', 'Type': 'CNAME', 'TTL': 60, "
			       "'ResourceRecords': [{'Value': 'a.example.com'}, {'Value': "
			       "'b.example.com'}]}") == NULL);
	CHECK(
	    error_is("InvalidChangeBatch",
		     "[RRSet of type CNAME with DNS name two.example.com. has more than one value: "
		     "CNAME takes exactly one]"));
}

static void test_routing_policy_rules(void)
{
	CHECK(change("CREATE", "{'Name': 'w.example.com', 'Type': 'A', 'Weight': 10, 'TTL': 60, "
			       "'ResourceRecords': [{'Value': '192.0.2.1'}]}") == NULL);
	CHECK(error_is("InvalidInput",
		       "Invalid request: Missing field 'SetIdentifier' in Change with "
		       "[Action=CREATE, Name=w.example.com, Type=A, SetIdentifier=null]"));
	CHECK(change("CREATE", "{'Name': 'w.example.com', 'Type': 'A', 'SetIdentifier': 'one', "
			       "'TTL': 60, 'ResourceRecords': [{'Value': '192.0.2.1'}]}") == NULL);
	CHECK(
	    error_is("InvalidInput",
		     "Invalid request: Expected exactly one of [Weight, Region, Failover, "
		     "GeoLocation, MultiValueAnswer, GeoProximityLocation, or CidrRoutingConfig], "
		     "but found none in Change with [Action=CREATE, Name=w.example.com, Type=A, "
		     "SetIdentifier=one]"));
	CHECK(change("CREATE", "{'Name': 'w.example.com', 'Type': 'A', 'SetIdentifier': 'one', "
			       "'Weight': 1, 'Region': 'eu-west-1', 'TTL': 60, 'ResourceRecords': "
			       "[{'Value': '192.0.2.1'}]}") == NULL);
	CHECK(
	    error_is("InvalidInput",
		     "Invalid request: Expected exactly one of [Weight, Region, Failover, "
		     "GeoLocation, MultiValueAnswer, GeoProximityLocation, or CidrRoutingConfig], "
		     "but found more than one in Change with [Action=CREATE, Name=w.example.com, "
		     "Type=A, SetIdentifier=one]"));
	/* MultiValueAnswer: false still names a routing policy (as in Route 53). */
	CHECK(change("UPSERT",
		     "{'Name': 'mv.example.com', 'Type': 'TXT', 'MultiValueAnswer': "
		     "false, 'TTL': 60, 'ResourceRecords': [{'Value': '\\'x\\''}]}") == NULL);
	CHECK(error_is("InvalidInput",
		       "Invalid request: Missing field 'SetIdentifier' in Change with "
		       "[Action=UPSERT, Name=mv.example.com, Type=TXT, SetIdentifier=null]"));
	CHECK(change("CREATE", "{'Name': 'w.example.com', 'Type': 'A', 'SetIdentifier': 'one', "
			       "'Weight': 256, 'TTL': 60, 'ResourceRecords': [{'Value': "
			       "'192.0.2.1'}]}") == NULL);
	CHECK(error_is("InvalidInput",
		       "1 validation error detected: Value '256' at "
		       "'changeBatch.changes.1.member.resourceRecordSet.weight' failed to satisfy "
		       "constraint: Member must have value less than or equal to 255"));
	CHECK(change("CREATE", "{'Name': 'w.example.com', 'Type': 'A', 'SetIdentifier': 'one', "
			       "'Weight': -1, 'TTL': 60, 'ResourceRecords': [{'Value': "
			       "'192.0.2.1'}]}") == NULL);
	CHECK(
	    error_is("InvalidInput",
		     "Invalid value for parameter ChangeBatch.Changes[0].ResourceRecordSet.Weight, "
		     "value: -1, valid min value: 0"));
	CHECK(change("CREATE", "{'Name': 'w.example.com', 'Type': 'A', 'SetIdentifier': 'one', "
			       "'Weight': 0, 'TTL': 60, 'ResourceRecords': [{'Value': "
			       "'192.0.2.1'}]}") != NULL);
	CHECK(change("CREATE",
		     "{'Name': 'w.example.com', 'Type': 'A', 'SetIdentifier': 'two', "
		     "'Weight': 255, 'TTL': 60, 'HealthCheckId': "
		     "'11111111-2222-3333-4444-555555555555', 'ResourceRecords': [{'Value': "
		     "'192.0.2.2'}]}") != NULL);
	/* One routing policy per name and type. */
	CHECK(change("CREATE", "{'Name': 'w.example.com', 'Type': 'A', 'TTL': 60, "
			       "'ResourceRecords': [{'Value': '192.0.2.3'}]}") == NULL);
	CHECK(
	    error_is("InvalidChangeBatch",
		     "[RRSet with DNS name w.example.com., type A cannot be created as a weighted "
		     "set exists with the same name and type.]"));
	CHECK(change("CREATE", "{'Name': 'w.example.com', 'Type': 'A', 'SetIdentifier': 'eu', "
			       "'Region': 'eu-west-1', 'TTL': 60, 'ResourceRecords': [{'Value': "
			       "'192.0.2.3'}]}") == NULL);
	CHECK(error_is("InvalidChangeBatch",
		       "[RRSet with DNS name w.example.com., type A, SetIdentifier eu cannot be "
		       "created as a non-latency set exists with the same name and type.]"));
	CHECK(change("CREATE", "{'Name': 'lat.example.com', 'Type': 'A', 'SetIdentifier': 'eu', "
			       "'Region': 'eu-west-1', 'TTL': 60, 'ResourceRecords': [{'Value': "
			       "'192.0.2.3'}]}") != NULL);
	CHECK(change("CREATE", "{'Name': 'lat.example.com', 'Type': 'A', 'SetIdentifier': 'eu2', "
			       "'Region': 'eu-west-1', 'TTL': 60, 'ResourceRecords': [{'Value': "
			       "'192.0.2.4'}]}") == NULL);
	CHECK(
	    error_is("InvalidChangeBatch",
		     "[RRSet with DNS name lat.example.com., type A, SetIdentifier eu2, and Region "
		     "Name=eu-west-1 cannot be created because a latency RRSet with the same name, "
		     "type and region already exists.]"));
	CHECK(change("CREATE", "{'Name': 'lat.example.com', 'Type': 'A', 'SetIdentifier': 'x', "
			       "'Region': 'mars-1', 'TTL': 60, 'ResourceRecords': [{'Value': "
			       "'192.0.2.4'}]}") == NULL);
	{
		const char *want = "1 validation error detected: Value 'mars-1' at "
				   "'changeBatch.changes.1.member.resourceRecordSet.region' failed "
				   "to satisfy constraint: Member must satisfy enum value set: "
				   "[us-east-1, us-east-2, ";
		CHECK(strncmp(err_message(), want, strlen(want)) == 0);
	}
	CHECK(change("CREATE", "{'Name': 'fo.example.com', 'Type': 'A', 'SetIdentifier': 'p', "
			       "'Failover': 'PRIMARY', 'TTL': 60, 'ResourceRecords': [{'Value': "
			       "'192.0.2.5'}]}") != NULL);
	CHECK(change("CREATE", "{'Name': 'fo.example.com', 'Type': 'A', 'SetIdentifier': 'p2', "
			       "'Failover': 'PRIMARY', 'TTL': 60, 'ResourceRecords': [{'Value': "
			       "'192.0.2.6'}]}") == NULL);
	CHECK(
	    error_is("InvalidChangeBatch",
		     "[RRSet with DNS name fo.example.com., type A, SetIdentifier p2, and Failover "
		     "PRIMARY cannot be created because a failover RRSet with the same name, type "
		     "and failover role already exists.]"));
	CHECK(change("CREATE",
		     "{'Name': 'geo.example.com', 'Type': 'A', 'SetIdentifier': 'x', "
		     "'GeoLocation': {'ContinentCode': 'EU', 'CountryCode': 'DE'}, 'TTL': "
		     "60, 'ResourceRecords': [{'Value': '192.0.2.7'}]}") == NULL);
	CHECK(error_is("InvalidInput",
		       "Invalid request: GeoLocation needs exactly one of ContinentCode and "
		       "CountryCode in Change with [Action=CREATE, Name=geo.example.com, Type=A, "
		       "SetIdentifier=x]"));
	CHECK(change("CREATE",
		     "{'Name': 'geo.example.com', 'Type': 'A', 'SetIdentifier': 'de', "
		     "'GeoLocation': {'CountryCode': 'DE'}, 'TTL': 60, 'ResourceRecords': "
		     "[{'Value': '192.0.2.7'}]}") != NULL);
	CHECK(change("CREATE", "{'Name': 'geo.example.com', 'Type': 'A', 'SetIdentifier': 'any', "
			       "'GeoLocation': {'CountryCode': '*'}, 'TTL': 60, 'ResourceRecords': "
			       "[{'Value': '192.0.2.8'}]}") != NULL);
	CHECK(change("CREATE",
		     "{'Name': 'geo.example.com', 'Type': 'A', 'SetIdentifier': 'de2', "
		     "'GeoLocation': {'CountryCode': 'DE'}, 'TTL': 60, 'ResourceRecords': "
		     "[{'Value': '192.0.2.9'}]}") == NULL);
	CHECK(error_is(
	    "InvalidChangeBatch",
	    "[RRSet with DNS name geo.example.com., type A, SetIdentifier de2, and "
	    "GeoLocation CountryCode=DE cannot be created because a geolocation RRSet with "
	    "the same name, type and location already exists.]"));
	CHECK(change("CREATE", "{'Name': 'prox.example.com', 'Type': 'A', 'SetIdentifier': 'a', "
			       "'GeoProximityLocation': {'Coordinates': {'Latitude': '49.22', "
			       "'Longitude': '-74.01'}, 'Bias': 10}, 'TTL': 60, 'ResourceRecords': "
			       "[{'Value': '192.0.2.9'}]}") != NULL);
}

static void test_data_rules(void)
{
	CHECK(change("CREATE", "{'Name': 'd.example.com', 'Type': 'A', 'ResourceRecords': "
			       "[{'Value': '192.0.2.1'}]}") == NULL);
	CHECK(
	    error_is("InvalidInput",
		     "Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and "
		     "ResourceRecords], or TrafficPolicyInstanceId], but found none in Change with "
		     "[Action=CREATE, Name=d.example.com, Type=A, SetIdentifier=null]"));
	CHECK(change("CREATE", "{'Name': 'd.example.com', 'Type': 'A', 'TTL': 60, "
			       "'ResourceRecords': [{'Value': '192.0.2.1'}], 'AliasTarget': "
			       "{'HostedZoneId': 'Z1', 'DNSName': 'www.example.com', "
			       "'EvaluateTargetHealth': false}}") == NULL);
	CHECK(error_is("InvalidInput",
		       "Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and "
		       "ResourceRecords], or TrafficPolicyInstanceId], but found more than one in "
		       "Change with [Action=CREATE, Name=d.example.com, Type=A, "
		       "SetIdentifier=null]"));
	CHECK(change("CREATE", "{'Name': 'd.example.com', 'Type': 'A', 'TTL': -1, "
			       "'ResourceRecords': [{'Value': '192.0.2.1'}]}") == NULL);
	CHECK(error_is("InvalidInput",
		       "Invalid value for parameter ChangeBatch.Changes[0].ResourceRecordSet.TTL, "
		       "value: -1, valid min value: 0"));
	CHECK(change("CREATE", "{'Name': 'd.example.com', 'Type': 'A', 'TTL': 2147483648, "
			       "'ResourceRecords': [{'Value': '192.0.2.1'}]}") == NULL);
	CHECK(error_is("InvalidInput",
		       "1 validation error detected: Value '2147483648' at "
		       "'changeBatch.changes.1.member.resourceRecordSet.tTL' failed to satisfy "
		       "constraint: Member must have value less than or equal to 2147483647"));
	CHECK(change("CREATE", "{'Name': 'd.example.com', 'Type': 'A', 'TTL': 2147483647, "
			       "'ResourceRecords': [{'Value': '192.0.2.1'}]}") != NULL);
	CHECK(change("CREATE", "{'Name': 'd.example.com', 'Type': 'A', 'TTL': '60', "
			       "'ResourceRecords': [{'Value': '192.0.2.1'}]}") == NULL);
	CHECK(error_is("InvalidInput",
		       "Invalid type for parameter ChangeBatch.Changes[0].ResourceRecordSet.TTL, "
		       "value: 60, type: <class 'str'>, valid types: <class 'int'>"));
	CHECK(change("CREATE", "{'Name': 'd.example.com', 'Type': 'A', 'TTL': 60, 'Foo': 1, "
			       "'ResourceRecords': [{'Value': '192.0.2.1'}]}") == NULL);
	CHECK(
	    error_is("InvalidInput",
		     "Unknown parameter in ChangeBatch.Changes[0].ResourceRecordSet: \"Foo\", must "
		     "be one of: Name, Type, SetIdentifier, Weight, Region, GeoLocation, Failover, "
		     "MultiValueAnswer, TTL, ResourceRecords, AliasTarget, HealthCheckId, "
		     "TrafficPolicyInstanceId, CidrRoutingConfig, GeoProximityLocation"));
	CHECK(change("CREATE", "{'Name': 'd.example.com', 'Type': 'HINFO', 'TTL': 60, "
			       "'ResourceRecords': [{'Value': 'x'}]}") == NULL);
	CHECK(
	    error_is("InvalidInput",
		     "1 validation error detected: Value 'HINFO' at "
		     "'changeBatch.changes.1.member.resourceRecordSet.type' failed to satisfy "
		     "constraint: Member must satisfy enum value set: [SOA, A, TXT, NS, CNAME, MX, "
		     "NAPTR, PTR, SRV, SPF, AAAA, CAA, DS]"));
	CHECK(change("CREATE", "{'Name': 'd.example.com', 'Type': 'A', 'TTL': 60, "
			       "'ResourceRecords': []}") == NULL);
	CHECK(error_is("InvalidInput",
		       "Invalid length for parameter "
		       "ChangeBatch.Changes[0].ResourceRecordSet.ResourceRecords, value: 0, valid "
		       "min length: 1"));
	CHECK(change("CREATE", "{'Name': 'v.example.com', 'Type': 'A', 'TTL': 60, "
			       "'ResourceRecords': [{'Value': '192.0.2.300'}]}") == NULL);
	CHECK(error_is("InvalidChangeBatch",
		       "[Invalid Resource Record: 'FATAL problem: ARRDATAIllegalIPv4Address (Value "
		       "is not a valid IPv4 address) encountered with '192.0.2.300'']"));
	CHECK(change("CREATE", "{'Name': 'v.example.com', 'Type': 'A', 'TTL': 60, "
			       "'ResourceRecords': [{'Value': '192.0.2.1'}, {'Value': "
			       "'192.0.2.1'}]}") == NULL);
	CHECK(error_is("InvalidChangeBatch", "[Duplicate Resource Record: '192.0.2.1']"));
	CHECK(change("CREATE", "{'Name': 'v.example.com', 'Type': 'MX', 'TTL': 60, "
			       "'ResourceRecords': [{'Value': 'mail.example.com'}]}") == NULL);
	CHECK(error_is("InvalidChangeBatch",
		       "[Invalid Resource Record: 'FATAL problem: MXRRDATAIllegalInteger (Value "
		       "contains an illegal integer) encountered with 'mail.example.com'']"));
	CHECK(change("CREATE", "{'Name': 'www.example.org', 'Type': 'A', 'TTL': 60, "
			       "'ResourceRecords': [{'Value': '192.0.2.1'}]}") == NULL);
	CHECK(error_is(
	    "InvalidChangeBatch",
	    "[RRSet with DNS name www.example.org. is not permitted in zone example.com.]"));
	CHECK(change("CREATE", "{'Name': 'a..example.com', 'Type': 'A', 'TTL': 60, "
			       "'ResourceRecords': [{'Value': '192.0.2.1'}]}") == NULL);
	CHECK(error_is("InvalidChangeBatch",
		       "[FATAL problem: DomainLabelEmpty (Domain label is empty) encountered with "
		       "'a..example.com']"));
	CHECK(change("CREATE", "{'Name': '*.example.com', 'Type': 'NS', 'TTL': 60, "
			       "'ResourceRecords': [{'Value': 'ns.example.net'}]}") == NULL);
	CHECK(error_is("InvalidChangeBatch",
		       "[RRSet of type NS with DNS name \\052.example.com. is not permitted: the * "
		       "wildcard cannot be used for NS records]"));
	CHECK(change("CREATE", "{'Name': 'x.example.com', 'Type': 'SOA', 'TTL': 60, "
			       "'ResourceRecords': [{'Value': 'a. b. 1 2 3 4 5'}]}") == NULL);
	CHECK(error_is(
	    "InvalidChangeBatch",
	    "[RRSet of type SOA with DNS name x.example.com. is not permitted: SOA records "
	    "belong at the apex of zone example.com.]"));
	CHECK(change("CREATE", "{'Name': 'd.example.com', 'Type': 'A', "
			       "'TrafficPolicyInstanceId': 'tp-1'}") == NULL);
	CHECK(error_is("InvalidInput", "TrafficPolicyInstanceId: pop has no traffic policies"));
	CHECK(change("CREATE",
		     "{'Name': 'd.example.com', 'Type': 'A', 'SetIdentifier': 'c', "
		     "'CidrRoutingConfig': {'CollectionId': "
		     "'11111111-2222-3333-4444-555555555555', 'LocationName': 'x'}, 'TTL': 60, "
		     "'ResourceRecords': [{'Value': '192.0.2.1'}]}") == NULL);
	CHECK(error_is("InvalidInput",
		       "CidrRoutingConfig: pop has no CIDR collections; use GeoLocation, latency "
		       "(Region) or a private zone's SourcePrefixes"));
	CHECK(change("CREATE",
		     "{'Name': 'd.example.com', 'Type': 'A', 'SetIdentifier': 'm', "
		     "'MultiValueAnswer': true, 'AliasTarget': {'HostedZoneId': 'Z1', "
		     "'DNSName': 'www.example.com', 'EvaluateTargetHealth': false}}") == NULL);
	CHECK(
	    error_is("InvalidInput",
		     "Invalid request: MultiValueAnswer cannot be used with AliasTarget in Change "
		     "with [Action=CREATE, Name=d.example.com, Type=A, SetIdentifier=m]"));
	/* The wildcard, as Route 53 prints it. */
	CHECK(change("CREATE", "{'Name': '*.example.com', 'Type': 'A', 'TTL': 60, "
			       "'ResourceRecords': [{'Value': '192.0.2.50'}]}") != NULL);
	json_t *r = run("route53 list-resource-record-sets",
			"{'HostedZoneId': '%s', 'StartRecordName': '\\\\052.example.com', "
			"'MaxItems': '1'}",
			zone_id);
	CHECK(strcmp(str_at(r, "ResourceRecordSets.0.Name"), "\\052.example.com.") == 0);
}

static void test_txt_too_long(void)
{
	char rrset[600];
	char value[300];

	memset(value, 'x', 256);
	value[256] = '\0';
	snprintf(rrset, sizeof(rrset),
		 "{'Name': 'long.example.com', 'Type': 'TXT', 'TTL': 60, 'ResourceRecords': "
		 "[{'Value': '\\'%s\\''}]}",
		 value);
	CHECK(change("CREATE", rrset) == NULL);
	CHECK(strncmp(
		  err_message(),
		  "[Invalid Resource Record: 'FATAL problem: CharacterStringTooLong (Value is too "
		  "long) encountered with '\"xxx",
		  100) == 0);
	/* Split in two strings it is fine. */
	snprintf(rrset, sizeof(rrset),
		 "{'Name': 'long.example.com', 'Type': 'TXT', 'TTL': 60, 'ResourceRecords': "
		 "[{'Value': '\\'%.200s\\' \\'%.56s\\''}]}",
		 value, value);
	CHECK(change("CREATE", rrset) != NULL);
}

static void test_batch_rules(void)
{
	static char big[1 << 20];
	size_t n = 0;

	/* All or nothing: a good change with a bad one changes nothing. */
	CHECK(run("route53 change-resource-record-sets",
		  "{'HostedZoneId': '%s', 'ChangeBatch': {'Changes': ["
		  "{'Action': 'CREATE', 'ResourceRecordSet': {'Name': 'good.example.com', 'Type': "
		  "'A', 'TTL': 60, 'ResourceRecords': [{'Value': '192.0.2.1'}]}},"
		  "{'Action': 'CREATE', 'ResourceRecordSet': {'Name': 'www.example.com', 'Type': "
		  "'A', 'TTL': 60, 'ResourceRecords': [{'Value': '192.0.2.1'}]}},"
		  "{'Action': 'DELETE', 'ResourceRecordSet': {'Name': 'gone.example.com', 'Type': "
		  "'A', 'TTL': 60, 'ResourceRecords': [{'Value': '192.0.2.1'}]}}]}}",
		  zone_id) == NULL);
	CHECK(error_is("InvalidChangeBatch",
		       "[Tried to create resource record set [name='www.example.com.', type='A'] "
		       "but it already exists, Tried to delete resource record set "
		       "[name='gone.example.com.', type='A'] but it was not found]"));
	CHECK(run("route53 list-resource-record-sets",
		  "{'HostedZoneId': '%s', 'StartRecordName': 'good.example.com', 'MaxItems': '1'}",
		  zone_id) != NULL);
	CHECK(strcmp(str_at(json_object_get(h.last, "result"), "ResourceRecordSets.0.Name"),
		     "good.example.com.") != 0);
	/* The same set twice, except DELETE then CREATE. */
	CHECK(run("route53 change-resource-record-sets",
		  "{'HostedZoneId': '%s', 'ChangeBatch': {'Changes': ["
		  "{'Action': 'CREATE', 'ResourceRecordSet': {'Name': 'dup.example.com', 'Type': "
		  "'A', 'TTL': 60, 'ResourceRecords': [{'Value': '192.0.2.1'}]}},"
		  "{'Action': 'UPSERT', 'ResourceRecordSet': {'Name': 'DUP.example.com.', 'Type': "
		  "'A', 'TTL': 60, 'ResourceRecords': [{'Value': '192.0.2.2'}]}}]}}",
		  zone_id) == NULL);
	CHECK(error_is("InvalidChangeBatch",
		       "[The request contains an invalid set of changes for a resource record set "
		       "'A dup.example.com.']"));
	CHECK(run("route53 change-resource-record-sets",
		  "{'HostedZoneId': '%s', 'ChangeBatch': {'Changes': ["
		  "{'Action': 'DELETE', 'ResourceRecordSet': {'Name': 'www.example.com', 'Type': "
		  "'A', 'TTL': 120, 'ResourceRecords': [{'Value': '192.0.2.1'}, {'Value': "
		  "'192.0.2.3'}]}},"
		  "{'Action': 'CREATE', 'ResourceRecordSet': {'Name': 'www.example.com', 'Type': "
		  "'A', 'TTL': 300, 'ResourceRecords': [{'Value': '192.0.2.1'}]}}]}}",
		  zone_id) != NULL);
	/* The apex keeps its SOA and NS. */
	CHECK(change("DELETE", "{'Name': 'example.com', 'Type': 'NS', 'TTL': 172800, "
			       "'ResourceRecords': [{'Value': 'ns1.example.com.'}, {'Value': "
			       "'ns2.example.com.'}, {'Value': 'ns3.example.com.'}, {'Value': "
			       "'ns4.example.com.'}]}") == NULL);
	CHECK(error_is("InvalidChangeBatch",
		       "[A HostedZone must contain at least one NS record for the zone itself.]"));
	/* The serial has counted the changes so far: delete the SOA as it is now. */
	{
		char soa[400], rrset[600];
		json_t *r = run("route53 list-resource-record-sets",
				"{'HostedZoneId': '%s', 'StartRecordName': 'example.com', "
				"'StartRecordType': 'SOA', 'MaxItems': '1'}",
				zone_id);
		const char *v = str_at(r, "ResourceRecordSets.0.ResourceRecords.0.Value");

		CHECK(v != NULL &&
		      strncmp(v, "ns1.example.com. hostmaster.example.com. ", 40) == 0);
		snprintf(soa, sizeof(soa), "%s", v != NULL ? v : "");
		snprintf(rrset, sizeof(rrset),
			 "{'Name': 'example.com', 'Type': 'SOA', 'TTL': 900, "
			 "'ResourceRecords': [{'Value': '%s'}]}",
			 soa);
		CHECK(change("DELETE", rrset) == NULL);
		CHECK(error_is("InvalidChangeBatch",
			       "[A HostedZone must contain exactly one SOA record.]"));
	}

	/* Bounds: 1,000 changes, 1,000 values, 32,000 characters (UPSERT counts twice). */
	n = (size_t)snprintf(big, sizeof(big),
			     "{'HostedZoneId': '%s', 'ChangeBatch': {'Changes': [", zone_id);
	for (int i = 0; i < 1001; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n,
				      "%s{'Action': 'CREATE', 'ResourceRecordSet': {'Name': "
				      "'n%d.example.com', 'Type': 'A', 'TTL': 60, "
				      "'ResourceRecords': [{'Value': '192.0.2.1'}]}}",
				      i ? "," : "", i);
	snprintf(big + n, sizeof(big) - n, "]}}");
	CHECK(run("route53 change-resource-record-sets", "%s", big) == NULL);
	CHECK(error_is("InvalidChangeBatch", "[Number of changes limit of 1000 exceeded.]"));
	n = (size_t)snprintf(big, sizeof(big),
			     "{'HostedZoneId': '%s', 'ChangeBatch': {'Changes': [", zone_id);
	for (int i = 0; i < 501; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n,
				      "%s{'Action': 'UPSERT', 'ResourceRecordSet': {'Name': "
				      "'n%d.example.com', 'Type': 'A', 'TTL': 60, "
				      "'ResourceRecords': [{'Value': '192.0.2.1'}]}}",
				      i ? "," : "", i);
	snprintf(big + n, sizeof(big) - n, "]}}");
	CHECK(run("route53 change-resource-record-sets", "%s", big) == NULL);
	CHECK(error_is("InvalidChangeBatch", "[Number of records limit of 1000 exceeded.]"));
	n = (size_t)snprintf(big, sizeof(big),
			     "{'HostedZoneId': '%s', 'ChangeBatch': {'Changes': [", zone_id);
	for (int i = 0; i < 9; i++) {
		char value[3990];
		memset(value, 'y', 200);
		value[200] = '\0';
		n += (size_t)snprintf(big + n, sizeof(big) - n,
				      "%s{'Action': 'CREATE', 'ResourceRecordSet': {'Name': "
				      "'t%d.example.com', 'Type': 'TXT', 'TTL': 60, "
				      "'ResourceRecords': [",
				      i ? "," : "", i);
		for (int k = 0; k < 18; k++)
			n +=
			    (size_t)snprintf(big + n, sizeof(big) - n,
					     "%s{'Value': '\\'%s%02d\\''}", k ? "," : "", value, k);
		n += (size_t)snprintf(big + n, sizeof(big) - n, "]}}");
	}
	snprintf(big + n, sizeof(big) - n, "]}}");
	CHECK(run("route53 change-resource-record-sets", "%s", big) == NULL);
	CHECK(error_is("InvalidChangeBatch",
		       "[Number of characters in Value elements limit of 32000 exceeded.]"));
}

static void test_malformed_requests(void)
{
	static const char bad_json[] = "{\"id\": 1, \"command\": \"route53 get-hosted-zone\", "
				       "\"args\": {\"Id\": ";

	CHECK(run_line(bad_json, sizeof(bad_json) - 1) == NULL);
	CHECK(strcmp(err_code(), "InvalidRequest") == 0);
	CHECK(run("route53 change-resource-record-sets", "{'HostedZoneId': '%s'}", zone_id) ==
	      NULL);
	CHECK(error_is("InvalidInput", "Missing required parameter in input: \"ChangeBatch\""));
	CHECK(run("route53 change-resource-record-sets",
		  "{'HostedZoneId': '%s', 'ChangeBatch': {'Changes': []}}", zone_id) == NULL);
	CHECK(error_is("InvalidInput",
		       "Invalid length for parameter ChangeBatch.Changes, value: 0, valid min "
		       "length: 1"));
	CHECK(run("route53 change-resource-record-sets",
		  "{'HostedZoneId': '%s', 'ChangeBatch': {'Changes': {}}}", zone_id) == NULL);
	CHECK(error_is("InvalidInput",
		       "Invalid type for parameter ChangeBatch.Changes, value: {}, type: <class "
		       "'dict'>, valid types: <class 'list'>, <class 'tuple'>"));
	CHECK(run("route53 change-resource-record-sets",
		  "{'HostedZoneId': '%s', 'ChangeBatch': {'Changes': [{'Action': 'MERGE', "
		  "'ResourceRecordSet': {'Name': 'x.example.com', 'Type': 'A'}}]}}",
		  zone_id) == NULL);
	CHECK(error_is("InvalidInput",
		       "1 validation error detected: Value 'MERGE' at "
		       "'changeBatch.changes.1.member.action' failed to satisfy constraint: Member "
		       "must satisfy enum value set: [CREATE, DELETE, UPSERT]"));
	CHECK(run("route53 change-resource-record-sets",
		  "{'HostedZoneId': '%s', 'ChangeBatch': {'Changes': [{'Action': 'CREATE'}]}}",
		  zone_id) == NULL);
	CHECK(error_is(
	    "InvalidInput",
	    "Missing required parameter in ChangeBatch.Changes[0]: \"ResourceRecordSet\""));
	CHECK(run("route53 change-resource-record-sets",
		  "{'HostedZoneId': '%s', 'ChangeBatch': {'Changes': [{'Action': 'CREATE', "
		  "'ResourceRecordSet': {'Name': 'x.example.com', 'Type': 'A'}, 'Why': 1}]}}",
		  zone_id) == NULL);
	CHECK(error_is(
	    "InvalidInput",
	    "Unknown parameter in ChangeBatch.Changes[0]: \"Why\", must be one of: Action, "
	    "ResourceRecordSet"));
	CHECK(run("route53 change-resource-record-sets",
		  "{'HostedZoneId': 'ZNOSUCH', 'ChangeBatch': {'Changes': [{'Action': 'CREATE', "
		  "'ResourceRecordSet': {'Name': 'x.example.com', 'Type': 'A', 'TTL': 1, "
		  "'ResourceRecords': [{'Value': '192.0.2.1'}]}}]}}") == NULL);
	CHECK(error_is("NoSuchHostedZone", "No hosted zone found with ID: ZNOSUCH"));
	CHECK(run("route53 list-resource-record-sets",
		  "{'HostedZoneId': '%s', 'StartRecordType': "
		  "'A'}",
		  zone_id) == NULL);
	CHECK(error_is("InvalidInput", "StartRecordType needs StartRecordName: the listing starts "
				       "at a name, then a type"));
}

static void test_alias(void)
{
	char rrset[512];

	snprintf(rrset, sizeof(rrset),
		 "{'Name': 'example.com', 'Type': 'A', 'AliasTarget': {'HostedZoneId': '%s', "
		 "'DNSName': 'nothing.example.com', 'EvaluateTargetHealth': false}}",
		 zone_id);
	CHECK(change("CREATE", rrset) == NULL);
	{
		char want[300];
		snprintf(want, sizeof(want),
			 "[Tried to create an alias that targets nothing.example.com., type A in "
			 "zone %s, but that target was not found]",
			 zone_id);
		CHECK(error_is("InvalidChangeBatch", want));
	}
	snprintf(rrset, sizeof(rrset),
		 "{'Name': 'example.com', 'Type': 'A', 'AliasTarget': {'HostedZoneId': '%s', "
		 "'DNSName': 'www.example.net', 'EvaluateTargetHealth': false}}",
		 zone_id);
	CHECK(change("CREATE", rrset) == NULL);
	{
		char want[300];
		snprintf(
		    want, sizeof(want),
		    "[Tried to create an alias that targets www.example.net., type A in zone %s, "
		    "but the alias target name does not lie within the target zone]",
		    zone_id);
		CHECK(error_is("InvalidChangeBatch", want));
	}
	snprintf(rrset, sizeof(rrset),
		 "{'Name': 'example.com', 'Type': 'A', 'AliasTarget': {'HostedZoneId': "
		 "'/hostedzone/%s', 'DNSName': 'WWW.example.com', 'EvaluateTargetHealth': true}}",
		 zone_id);
	CHECK(change("CREATE", rrset) != NULL);
	/* A CloudFront target: kept, resolved by whoever serves it. */
	CHECK(change("CREATE",
		     "{'Name': 'cdn.example.com', 'Type': 'AAAA', 'AliasTarget': "
		     "{'HostedZoneId': 'Z2FDTNDATAQYW2', 'DNSName': "
		     "'d111111abcdef8.cloudfront.net', 'EvaluateTargetHealth': false}}") != NULL);
	json_t *r = run("route53 list-resource-record-sets",
			"{'HostedZoneId': '%s', 'StartRecordName': 'example.com', "
			"'StartRecordType': 'A', 'MaxItems': '1'}",
			zone_id);
	CHECK(strcmp(str_at(r, "ResourceRecordSets.0.AliasTarget.DNSName"), "www.example.com.") ==
	      0);
	CHECK(strcmp(str_at(r, "ResourceRecordSets.0.AliasTarget.HostedZoneId"), zone_id) == 0);
	CHECK(json_is_true(
	    json_path_get(r, "ResourceRecordSets.0.AliasTarget.EvaluateTargetHealth")));
	CHECK(json_path_get(r, "ResourceRecordSets.0.TTL") == NULL);
}

static void test_list_paging(void)
{
	json_t *r;
	char name[256], type[16], ident[64];
	size_t total = 0, pages = 0;
	char prev[2048] = "";
	bool ordered = true;

	/* Page through everything two at a time; nothing repeats or goes missing. */
	r = run("route53 list-resource-record-sets", "{'HostedZoneId': '%s', 'MaxItems': '2'}",
		zone_id);
	while (r != NULL) {
		json_t *sets = json_object_get(r, "ResourceRecordSets");

		pages++;
		for (size_t i = 0; i < json_array_size(sets); i++) {
			char key[2048];
			const char *id = str_at(json_array_get(sets, i), "SetIdentifier");
			snprintf(key, sizeof(key), "%s|%s|%s",
				 str_at(json_array_get(sets, i), "Name"),
				 str_at(json_array_get(sets, i), "Type"), id ? id : "");
			if (strcmp(key, prev) == 0)
				ordered = false;
			snprintf(prev, sizeof(prev), "%s", key);
			total++;
		}
		if (!json_is_true(json_object_get(r, "IsTruncated")))
			break;
		snprintf(name, sizeof(name), "%s", str_at(r, "NextRecordName"));
		snprintf(type, sizeof(type), "%s", str_at(r, "NextRecordType"));
		{
			json_t *args = json_pack("{s:s, s:s, s:s, s:s}", "HostedZoneId", zone_id,
						 "StartRecordName", name, "StartRecordType", type,
						 "MaxItems", "2");
			if (str_at(r, "NextRecordIdentifier") != NULL) {
				snprintf(ident, sizeof(ident), "%s",
					 str_at(r, "NextRecordIdentifier"));
				json_object_set_new(args, "StartRecordIdentifier",
						    json_string(ident));
			}
			r = run_obj("route53 list-resource-record-sets", args);
		}
	}
	CHECK(ordered);
	r = run("route53 get-hosted-zone", "{'Id': '%s'}", zone_id);
	CHECK_EQ((long long)total,
		 json_integer_value(json_path_get(r, "HostedZone.ResourceRecordSetCount")));
	CHECK(pages > 3);
	/* Weighted sets page by identifier. */
	r = run(
	    "route53 list-resource-record-sets",
	    "{'HostedZoneId': '%s', 'StartRecordName': 'w.example.com', 'StartRecordType': 'A', "
	    "'MaxItems': 1}",
	    zone_id);
	CHECK(strcmp(str_at(r, "ResourceRecordSets.0.SetIdentifier"), "one") == 0);
	CHECK(strcmp(str_at(r, "NextRecordIdentifier"), "two") == 0);
	CHECK(strcmp(str_at(r, "NextRecordName"), "w.example.com.") == 0);
	/* Order: labels reversed, so "a-b" (0x2d) sorts before "a.b" subtree and after '*'. */
	CHECK(change("CREATE", "{'Name': 'a-b.example.com', 'Type': 'A', 'TTL': 60, "
			       "'ResourceRecords': [{'Value': '192.0.2.1'}]}") != NULL);
	CHECK(change("CREATE", "{'Name': 'x.a.example.com', 'Type': 'A', 'TTL': 60, "
			       "'ResourceRecords': [{'Value': '192.0.2.1'}]}") != NULL);
	r = run("route53 list-resource-record-sets",
		"{'HostedZoneId': '%s', 'StartRecordName': 'a-a.example.com', 'MaxItems': 2}",
		zone_id);
	CHECK(strcmp(str_at(r, "ResourceRecordSets.0.Name"), "a-b.example.com.") == 0);
	CHECK(strcmp(str_at(r, "ResourceRecordSets.1.Name"), "x.a.example.com.") == 0);
}

static void test_delete_hosted_zone(void)
{
	const char *id = create_zone("del.example", "del-1");
	char zid[64];

	CHECK(id != NULL);
	snprintf(zid, sizeof(zid), "%s", id);
	CHECK(run("route53 change-resource-record-sets",
		  "{'HostedZoneId': '%s', 'ChangeBatch': {'Changes': [{'Action': 'CREATE', "
		  "'ResourceRecordSet': {'Name': 'a.del.example', 'Type': 'A', 'TTL': 60, "
		  "'ResourceRecords': [{'Value': '192.0.2.1'}]}}]}}",
		  zid) != NULL);
	CHECK(run("route53 delete-hosted-zone", "{'Id': '%s'}", zid) == NULL);
	CHECK(
	    error_is("HostedZoneNotEmpty",
		     "The specified hosted zone contains non-required resource record sets and so "
		     "cannot be deleted."));
	CHECK(run("route53 change-resource-record-sets",
		  "{'HostedZoneId': '%s', 'ChangeBatch': {'Changes': [{'Action': 'DELETE', "
		  "'ResourceRecordSet': {'Name': 'a.del.example', 'Type': 'A', 'TTL': 60, "
		  "'ResourceRecords': [{'Value': '192.0.2.1'}]}}]}}",
		  zid) != NULL);
	json_t *r = run("route53 delete-hosted-zone", "{'Id': '/hostedzone/%s'}", zid);
	CHECK(r != NULL);
	CHECK(strncmp(str_at(r, "ChangeInfo.Id"), "/change/C", 9) == 0);
	CHECK(run("route53 get-hosted-zone", "{'Id': '%s'}", zid) == NULL);
	CHECK(strcmp(err_code(), "NoSuchHostedZone") == 0);
	CHECK(run("route53 delete-hosted-zone", "{'Id': '%s'}", zid) == NULL);
	CHECK(strcmp(err_code(), "NoSuchHostedZone") == 0);
}

/* ----------------------------------------------------------- zone files */

static const char zone_text[] = "$TTL 3600\n"
				"@\tIN\tSOA\tns1.zf.example. admin.zf.example. (\n"
				"\t\t2024 7200 900 1209600 300 )\n"
				"\tNS\tns1.zf.example.\n"
				"\tNS\tns2.zf.example.\n"
				"\tMX\t10 mail ; the mail host\n"
				"www\t300\tA\t192.0.2.1\n"
				"\t300\tA\t192.0.2.2\n"
				"\t300\tA\t192.0.2.2 ; a duplicate, dropped\n"
				"txt\tTXT\t\"a;b\" \"c\"\n"
				"*.w\tCNAME\twww\n"
				"_sip._tcp SRV 10 5 5060 sip\n"
				"sub\tNS\tns.other.example.\n";

static void test_import_export(void)
{
	const char *id = create_zone("zf.example", "zf-1");
	char zid[64], *first = NULL;
	json_t *r, *args;

	CHECK(id != NULL);
	snprintf(zid, sizeof(zid), "%s", id);
	args = json_pack("{s:s, s:s}", "HostedZoneId", zid, "ZoneFile", zone_text);
	r = run_obj("route53 import-zone", args);
	CHECK(r != NULL);
	CHECK_EQ(json_integer_value(json_object_get(r, "ResourceRecordSetCount")), 8);
	CHECK(strncmp(str_at(r, "ChangeInfo.Id"), "/change/C", 9) == 0);
	r = run("route53 get-hosted-zone", "{'Id': '%s'}", zid);
	CHECK_EQ(json_integer_value(json_path_get(r, "HostedZone.ResourceRecordSetCount")), 8);
	r = run("route53 list-resource-record-sets",
		"{'HostedZoneId': '%s', 'StartRecordName': 'zf.example', 'StartRecordType': 'SOA', "
		"'MaxItems': '1'}",
		zid);
	CHECK(strcmp(str_at(r, "ResourceRecordSets.0.ResourceRecords.0.Value"),
		     "ns1.zf.example. admin.zf.example. 2024 7200 900 1209600 300") == 0);
	r = run("route53 list-resource-record-sets",
		"{'HostedZoneId': '%s', 'StartRecordName': 'www.zf.example', 'MaxItems': '1'}",
		zid);
	CHECK_EQ(json_array_size(json_path_get(r, "ResourceRecordSets.0.ResourceRecords")), 2);

	r = run("route53 export-zone", "{'HostedZoneId': '%s'}", zid);
	CHECK(r != NULL);
	first = strdup(str_at(r, "ZoneFile") ? str_at(r, "ZoneFile") : "");
	CHECK(strcmp(first,
		     "$ORIGIN zf.example.\n"
		     "zf.example.\t3600\tIN\tSOA\tns1.zf.example. admin.zf.example. 2024 7200 "
		     "900 1209600 300\n"
		     "zf.example.\t3600\tIN\tNS\tns1.zf.example.\n"
		     "zf.example.\t3600\tIN\tNS\tns2.zf.example.\n"
		     "zf.example.\t3600\tIN\tMX\t10 mail.zf.example.\n"
		     "_sip._tcp.zf.example.\t3600\tIN\tSRV\t10 5 5060 sip.zf.example.\n"
		     "sub.zf.example.\t3600\tIN\tNS\tns.other.example.\n"
		     "txt.zf.example.\t3600\tIN\tTXT\t\"a;b\" \"c\"\n"
		     "*.w.zf.example.\t3600\tIN\tCNAME\twww.zf.example.\n"
		     "www.zf.example.\t300\tIN\tA\t192.0.2.1\n"
		     "www.zf.example.\t300\tIN\tA\t192.0.2.2\n") == 0);
	/* Import what was exported: nothing changes, and it exports the same bytes. */
	args = json_pack("{s:s, s:s}", "HostedZoneId", zid, "ZoneFile", first);
	r = run_obj("route53 import-zone", args);
	CHECK(r != NULL);
	r = run("route53 export-zone", "{'HostedZoneId': '%s'}", zid);
	CHECK(r != NULL && strcmp(str_at(r, "ZoneFile"), first) == 0);
	r = run("route53 get-hosted-zone", "{'Id': '%s'}", zid);
	CHECK_EQ(json_integer_value(json_path_get(r, "HostedZone.ResourceRecordSetCount")), 8);
	free(first);

	/* Record sets with no zone-file form are listed, not lost. */
	CHECK(
	    run("route53 change-resource-record-sets",
		"{'HostedZoneId': '%s', 'ChangeBatch': {'Changes': [{'Action': 'CREATE', "
		"'ResourceRecordSet': {'Name': 'wt.zf.example', 'Type': 'A', 'SetIdentifier': "
		"'blue', 'Weight': 5, 'TTL': 60, 'ResourceRecords': [{'Value': '192.0.2.1'}]}}]}}",
		zid) != NULL);
	r = run("route53 export-zone", "{'HostedZoneId': '%s'}", zid);
	CHECK(strstr(str_at(r, "ZoneFile"), ";   wt.zf.example. A SetIdentifier=blue\n") != NULL);

	/* Errors name the line. */
	CHECK(run("route53 import-zone",
		  "{'HostedZoneId': '%s', 'ZoneFile': '$TTL 60\\nok A "
		  "192.0.2.1\\nbad A 192.0.2\\n'}",
		  zid) == NULL);
	CHECK(error_is("InvalidInput", "ZoneFile: line 3: ARRDATAIllegalIPv4Address (Value is not "
				       "a valid IPv4 address) encountered with '192.0.2'"));
	CHECK(run("route53 import-zone",
		  "{'HostedZoneId': '%s', 'ZoneFile': '$TTL 60\\n\\nwww CNAME other\\n'}",
		  zid) == NULL);
	CHECK(
	    error_is("InvalidChangeBatch",
		     "[line 3: RRSet of type CNAME with DNS name www.zf.example. is not permitted "
		     "as it conflicts with other records with the same DNS name in zone "
		     "zf.example.]"));
	CHECK(run("route53 import-zone",
		  "{'HostedZoneId': '%s', 'ZoneFile': '$TTL 60\\nx.other. A 192.0.2.1\\na 60 A "
		  "192.0.2.1\\na 30 A 192.0.2.2\\n'}",
		  zid) == NULL);
	CHECK(
	    error_is("InvalidChangeBatch",
		     "[line 2: RRSet with DNS name x.other. is not permitted in zone zf.example., "
		     "line 4: TTL 30 differs from the TTL 60 of the same record set on line 3]"));
	CHECK(run("route53 import-zone", "{'HostedZoneId': '%s', 'ZoneFile': '$INCLUDE x\\n'}",
		  zid) == NULL);
	CHECK(error_is("InvalidInput",
		       "ZoneFile: line 1: $INCLUDE is not allowed: a zone is one file"));
}

static void test_zone_file_too_large(void)
{
	size_t len = ROUTE53_MAX_ZONE_FILE_BYTES + 1;
	char *text = malloc(len + 1);
	json_t *req;
	char *line;

	memset(text, ';', len);
	text[len] = '\0';
	req = json_pack("{s:i, s:s, s:{s:s, s:s}}", "id", 4, "command", "route53 import-zone",
			"args", "HostedZoneId", zone_id, "ZoneFile", text);
	free(text);
	line = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	CHECK(run_line(line, strlen(line)) == NULL);
	free(line);
	CHECK(strncmp(err_message(), "1 validation error detected: Value ';;;;", 40) == 0);
	CHECK(strstr(err_message(), "...' at 'zoneFile' failed to satisfy constraint: Member must "
				    "have length less than or equal to 67108864") != NULL);
}

/* ------------------------------------------------------------- compile */

static uint32_t weighted_slot;

static void test_health_status(void)
{
	sqlite3_stmt *q;

	CHECK(sqlite3_prepare_v2(store_db(h.env.store),
				 "SELECT slot FROM health_slots WHERE id = ?", -1, &q,
				 NULL) == SQLITE_OK);
	sqlite3_bind_text(q, 1, "11111111-2222-3333-4444-555555555555", -1, SQLITE_STATIC);
	CHECK_EQ(sqlite3_step(q), SQLITE_ROW);
	weighted_slot = (uint32_t)sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	CHECK(run("route53 set-health-check-status",
		  "{'HealthCheckId': '11111111-2222-3333-4444-555555555555', 'Status': "
		  "'Unhealthy'}") != NULL);
	CHECK_EQ(tables_live_get(h.env.live, TABLES_LIVE_HEALTH, weighted_slot),
		 TABLES_HEALTH_UNHEALTHY);
	CHECK(run("route53 set-health-check-status",
		  "{'HealthCheckId': '11111111-2222-3333-4444-555555555555', 'Status': "
		  "'Healthy'}") != NULL);
	CHECK_EQ(tables_live_get(h.env.live, TABLES_LIVE_HEALTH, weighted_slot),
		 TABLES_HEALTH_HEALTHY);
	CHECK(run("route53 set-health-check-status",
		  "{'HealthCheckId': 'nope', 'Status': 'Healthy'}") == NULL);
	CHECK(strcmp(err_code(), "NoSuchHealthCheck") == 0);
	CHECK(run("route53 set-health-check-status",
		  "{'HealthCheckId': 'nope', 'Status': 'Sick'}") == NULL);
	CHECK(strcmp(err_code(), "InvalidInput") == 0);
}

/* The first record set of @p type at @p name, over every zone of that name. */
static const struct zones_rrset_rec *find_rrset(const struct tables_snapshot *s,
						const struct zones_top *t, const char *name,
						size_t name_len, uint16_t type, unsigned *flags)
{
	const struct zones_node_rec *n = NULL;

	while ((n = zones_find_node(s, t, (const uint8_t *)name, name_len, n)) != NULL) {
		*flags = n->flags;
		for (uint32_t i = 0; i < n->n_rrsets; i++) {
			const struct zones_rrset_rec *r = zones_node_rrset(s, t, n, i);
			if (r != NULL && r->type == type)
				return r;
		}
	}
	return NULL;
}

static void test_compile(void)
{
	struct tables_builder *tb = tables_builder_new(TABLES_KIND_ZONES);
	struct tables_snapshot *s = NULL;
	const struct zones_top *t;
	const struct zones_rrset_rec *r;
	const uint8_t *data;
	uint64_t gen = 0;
	unsigned flags = 0;

	CHECK(run("route53 change-resource-record-sets",
		  "{'HostedZoneId': '%s', 'ChangeBatch': {'Changes': ["
		  "{'Action': 'CREATE', 'ResourceRecordSet': {'Name': 'a.b.c.example.com', 'Type': "
		  "'TXT', 'TTL': 60, 'ResourceRecords': [{'Value': '\\'deep\\''}]}},"
		  "{'Action': 'CREATE', 'ResourceRecordSet': {'Name': 'deleg.example.com', 'Type': "
		  "'NS', 'TTL': 60, 'ResourceRecords': [{'Value': 'ns.example.net'}]}}]}}",
		  zone_id) != NULL);
	CHECK_EQ(route53_compile_zones(&h.env, tb), 0);
	CHECK_EQ(tables_builder_publish(tb, h.env.root, &gen), 0);
	CHECK_EQ(tables_snapshot_map(h.tables_dir, TABLES_KIND_ZONES, gen, &s), 0);
	if (s == NULL)
		return;
	t = zones_table_check(s);
	CHECK(t != NULL);
	if (t == NULL)
		return;
	CHECK_EQ(t->n_zones, 3);
	{
		/* Both example.com zones have an apex node; the private one has its prefixes. */
		const struct zones_node_rec *a =
		    zones_find_node(s, t, (const uint8_t *)"\7example\3com", 13, NULL);
		const struct zones_node_rec *b =
		    a != NULL ? zones_find_node(s, t, (const uint8_t *)"\7example\3com", 13, a)
			      : NULL;
		const struct zones_zone_rec *za = a != NULL ? zones_zone(s, t, a->zone) : NULL;
		const struct zones_zone_rec *zb = b != NULL ? zones_zone(s, t, b->zone) : NULL;
		CHECK(za != NULL && zb != NULL);
		if (za != NULL && zb != NULL) {
			const struct zones_zone_rec *priv = za->private_zone ? za : zb;
			const struct zones_prefix *p =
			    tables_snapshot_at(s, priv->prefixes_off, 2 * sizeof(*p));
			CHECK(za->private_zone != zb->private_zone);
			CHECK_EQ(priv->n_prefixes, 2);
			CHECK(p != NULL && p[0].family == 4 && p[0].len == 15 &&
			      p[0].addr[0] == 198 && p[0].addr[1] == 18 && p[1].family == 6 &&
			      p[1].len == 32);
		}
	}
	/* www: one A set of one record, simple. */
	r = find_rrset(s, t, "\3www\7example\3com", 17, 1, &flags);
	CHECK(r != NULL);
	if (r != NULL) {
		CHECK_EQ(r->rdata_count, 1);
		CHECK_EQ(r->ttl, 300);
		CHECK_EQ(r->policy, ZONES_POLICY_SIMPLE);
		data = tables_snapshot_at(s, r->rdata_off, r->rdata_len);
		CHECK(data != NULL && r->rdata_len == 6 && memcmp(data, "\0\4\xc0\0\2\1", 6) == 0);
		CHECK(flags & ZONES_NODE_HAS_DATA);
	}
	/* The apex alias takes www's records. */
	r = find_rrset(s, t, "\7example\3com", 13, 1, &flags);
	CHECK(r != NULL);
	if (r != NULL) {
		CHECK(r->alias);
		CHECK(r->evaluate_target_health);
		CHECK_EQ(r->rdata_count, 1);
		CHECK_EQ(r->ttl, 300);
		CHECK(flags & ZONES_NODE_APEX);
	}
	/* Weighted sets with their weights and health slot. */
	{
		const struct zones_node_rec *n =
		    zones_find_node(s, t, (const uint8_t *)"\1w\7example\3com", 15, NULL);
		CHECK(n != NULL && n->n_rrsets == 2);
		if (n != NULL && n->n_rrsets == 2) {
			const struct zones_rrset_rec *one = zones_node_rrset(s, t, n, 0);
			const struct zones_rrset_rec *two = zones_node_rrset(s, t, n, 1);
			CHECK_EQ(one->policy, ZONES_POLICY_WEIGHTED);
			CHECK_EQ(one->weight, 0);
			CHECK_EQ(one->health_slot, TABLES_LIVE_NONE);
			CHECK_EQ(two->weight, 255);
			CHECK_EQ(two->health_slot, weighted_slot);
			CHECK(two->set_id_len == 3 &&
			      memcmp(tables_snapshot_at(s, two->set_id_off, 3), "two", 3) == 0);
		}
	}
	r = find_rrset(s, t, "\3geo\7example\3com", 17, 1, &flags);
	CHECK(r != NULL && r->policy == ZONES_POLICY_GEOLOCATION);
	r = find_rrset(s, t, "\4prox\7example\3com", 18, 1, &flags);
	CHECK(r != NULL && r->policy == ZONES_POLICY_GEOPROXIMITY && r->latitude_e4 == 492200 &&
	      r->longitude_e4 == -740100 && r->bias == 10);
	r = find_rrset(s, t, "\3lat\7example\3com", 17, 1, &flags);
	CHECK(r != NULL && r->policy == ZONES_POLICY_LATENCY && r->region_len == 9);
	/* The wildcard, the empty non-terminals, the delegation. */
	r = find_rrset(s, t, "\1*\7example\3com", 15, 1, &flags);
	CHECK(r != NULL && (flags & ZONES_NODE_WILDCARD));
	{
		const struct zones_node_rec *n =
		    zones_find_node(s, t, (const uint8_t *)"\1c\7example\3com", 15, NULL);
		CHECK(n != NULL && (n->flags & ZONES_NODE_ENT) && n->n_rrsets == 0);
	}
	r = find_rrset(s, t, "\5deleg\7example\3com", 19, 2, &flags);
	CHECK(r != NULL && (flags & ZONES_NODE_DELEGATION));
	/* The CloudFront alias: no data of its own, target kept. */
	r = find_rrset(s, t, "\3cdn\7example\3com", 17, 28, &flags);
	CHECK(r != NULL && r->alias && r->rdata_count == 0 && r->alias_target_len == 31);
	/* The other zone is in the table too. */
	r = find_rrset(s, t, "\3www\2zf\7example", 16, 1, &flags);
	CHECK(r != NULL && r->rdata_count == 2);
	tables_snapshot_unmap(s);
}

/* The apex SOA serial of zone @p id, or -1. */
static long long soa_serial(const char *id, const char *apex)
{
	json_t *r = run("route53 list-resource-record-sets",
			"{'HostedZoneId': '%s', 'StartRecordName': '%s', 'StartRecordType': 'SOA', "
			"'MaxItems': '1'}",
			id, apex);
	const char *v = str_at(r, "ResourceRecordSets.0.ResourceRecords.0.Value");
	long long serial = -1;

	if (v != NULL && sscanf(v, "%*s %*s %lld", &serial) != 1)
		serial = -1;
	return serial;
}

/* Every committed change of record sets counts in the serial, unless it sets the SOA. */
static void test_serial_counts_changes(void)
{
	const char *id0 = create_zone("serial.example", "serial-1");
	char id[64];
	json_t *args;

	CHECK(id0 != NULL);
	snprintf(id, sizeof(id), "%s", id0 != NULL ? id0 : "");
	CHECK_EQ(soa_serial(id, "serial.example"), 1);
	CHECK(run("route53 change-resource-record-sets",
		  "{'HostedZoneId': '%s', 'ChangeBatch': {'Changes': [{'Action': 'CREATE', "
		  "'ResourceRecordSet': {'Name': 'a.serial.example', 'Type': 'A', 'TTL': 60, "
		  "'ResourceRecords': [{'Value': '192.0.2.1'}]}}]}}",
		  id) != NULL);
	CHECK_EQ(soa_serial(id, "serial.example"), 2);
	/* A refused batch changes nothing, the serial included. */
	CHECK(run("route53 change-resource-record-sets",
		  "{'HostedZoneId': '%s', 'ChangeBatch': {'Changes': [{'Action': 'CREATE', "
		  "'ResourceRecordSet': {'Name': 'a.serial.example', 'Type': 'A', 'TTL': 60, "
		  "'ResourceRecords': [{'Value': '192.0.2.1'}]}}]}}",
		  id) == NULL);
	CHECK_EQ(soa_serial(id, "serial.example"), 2);
	/* A batch that sets the SOA keeps its serial, even one that wraps next. */
	CHECK(run("route53 change-resource-record-sets",
		  "{'HostedZoneId': '%s', 'ChangeBatch': {'Changes': [{'Action': 'UPSERT', "
		  "'ResourceRecordSet': {'Name': 'serial.example', 'Type': 'SOA', 'TTL': 900, "
		  "'ResourceRecords': [{'Value': 'ns1.serial.example. hostmaster.serial.example. "
		  "4294967295 7200 900 1209600 86400'}]}}]}}",
		  id) != NULL);
	CHECK_EQ(soa_serial(id, "serial.example"), 4294967295LL);
	CHECK(run("route53 change-resource-record-sets",
		  "{'HostedZoneId': '%s', 'ChangeBatch': {'Changes': [{'Action': 'DELETE', "
		  "'ResourceRecordSet': {'Name': 'a.serial.example', 'Type': 'A', 'TTL': 60, "
		  "'ResourceRecords': [{'Value': '192.0.2.1'}]}}]}}",
		  id) != NULL);
	CHECK_EQ(soa_serial(id, "serial.example"), 0); /* RFC 1982: wraps */
	/* import-zone: one more for the whole file, none when the file has the SOA. */
	args = json_pack("{s:s, s:s}", "HostedZoneId", id, "ZoneFile",
			 "$TTL 60\nb\tA\t192.0.2.2\nc\tA\t192.0.2.3\n");
	CHECK(run_obj("route53 import-zone", args) != NULL);
	CHECK_EQ(soa_serial(id, "serial.example"), 1);
	args = json_pack("{s:s, s:s}", "HostedZoneId", id, "ZoneFile",
			 "$TTL 60\n@\tSOA\tns1 hostmaster 77 7200 900 1209600 86400\n"
			 "d\tA\t192.0.2.4\n");
	CHECK(run_obj("route53 import-zone", args) != NULL);
	CHECK_EQ(soa_serial(id, "serial.example"), 77);
}

static void test_zone_transfer_policy(void)
{
	struct tables_builder *tb;
	struct tables_snapshot *s = NULL;
	const struct zones_top *t;
	uint64_t gen = 0;
	json_t *r;

	r = run("route53 get-zone-transfer-policy", "{'HostedZoneId': '%s'}", zone_id);
	CHECK(r != NULL && json_array_size(json_object_get(r, "AllowTransfer")) == 0);
	r = run("route53 put-zone-transfer-policy",
		"{'HostedZoneId': '/hostedzone/%s', 'AllowTransfer': ['198.18.0.0/15', "
		"'2001:2::/48']}",
		zone_id);
	CHECK(r != NULL);
	CHECK(strncmp(str_at(r, "ChangeInfo.Id") ? str_at(r, "ChangeInfo.Id") : "", "/change/C",
		      9) == 0);
	r = run("route53 get-zone-transfer-policy", "{'HostedZoneId': '%s'}", zone_id);
	CHECK(r != NULL && json_array_size(json_object_get(r, "AllowTransfer")) == 2);
	CHECK(strcmp(str_at(r, "AllowTransfer.1") ? str_at(r, "AllowTransfer.1") : "",
		     "2001:2::/48") == 0);
	/* Errors in AWS shape; a refused call keeps the policy. */
	CHECK(run("route53 put-zone-transfer-policy",
		  "{'HostedZoneId': '%s', 'AllowTransfer': ['198.18.0.1/15']}", zone_id) == NULL);
	CHECK(error_is("InvalidInput", "AllowTransfer[0]: \"198.18.0.1/15\" is not a CIDR block "
				       "such as 198.18.0.0/15 or 2001:db8::/32 (host bits zero)"));
	CHECK(run("route53 put-zone-transfer-policy",
		  "{'HostedZoneId': 'ZNOSUCHZONE', 'AllowTransfer': []}") == NULL);
	CHECK(error_is("NoSuchHostedZone", "No hosted zone found with ID: ZNOSUCHZONE"));
	CHECK(run("route53 put-zone-transfer-policy", "{'HostedZoneId': '%s'}", zone_id) == NULL);
	CHECK(strcmp(err_code(), "InvalidInput") == 0);
	{
		char big[4096];
		size_t n = (size_t)snprintf(big, sizeof(big),
					    "{'HostedZoneId': '%s', 'AllowTransfer': [", zone_id);
		for (int i = 0; i < 101; i++)
			n += (size_t)snprintf(big + n, sizeof(big) - n, "%s'10.%d.0.0/16'",
					      i ? ", " : "", i);
		snprintf(big + n, sizeof(big) - n, "]}");
		CHECK(run("route53 put-zone-transfer-policy", "%s", big) == NULL);
		CHECK(strcmp(err_code(), "InvalidInput") == 0);
	}
	r = run("route53 get-zone-transfer-policy", "{'HostedZoneId': '%s'}", zone_id);
	CHECK(r != NULL && json_array_size(json_object_get(r, "AllowTransfer")) == 2);

	/* Compiled into the zone record. */
	tb = tables_builder_new(TABLES_KIND_ZONES);
	CHECK_EQ(route53_compile_zones(&h.env, tb), 0);
	CHECK_EQ(tables_builder_publish(tb, h.env.root, &gen), 0);
	CHECK_EQ(tables_snapshot_map(h.tables_dir, TABLES_KIND_ZONES, gen, &s), 0);
	t = s != NULL ? zones_table_check(s) : NULL;
	CHECK(t != NULL);
	if (t != NULL) {
		unsigned with_acl = 0;
		for (uint32_t i = 0; i < t->n_zones; i++) {
			const struct zones_zone_rec *z = zones_zone(s, t, i);
			const struct zones_prefix *p = zones_zone_xfr_prefixes(s, z);
			uint8_t in[4] = {198, 19, 7, 7}, out[4] = {198, 20, 0, 1};
			if (z->n_xfr_prefixes == 0)
				continue;
			with_acl++;
			CHECK_EQ(z->n_xfr_prefixes, 2);
			CHECK(zones_prefix_match(p, z->n_xfr_prefixes, 4, in));
			CHECK(!zones_prefix_match(p, z->n_xfr_prefixes, 4, out));
		}
		CHECK_EQ(with_acl, 1);
	}
	if (s != NULL)
		tables_snapshot_unmap(s);
	/* An empty list refuses all again. */
	CHECK(run("route53 put-zone-transfer-policy", "{'HostedZoneId': '%s', 'AllowTransfer': []}",
		  zone_id) != NULL);
	r = run("route53 get-zone-transfer-policy", "{'HostedZoneId': '%s'}", zone_id);
	CHECK(r != NULL && json_array_size(json_object_get(r, "AllowTransfer")) == 0);
}

static void test_help_and_flags(void)
{
	size_t mutating = 0;

	for (size_t i = 0; i < route53_command_count; i++) {
		CHECK(route53_commands[i].usage != NULL && route53_commands[i].usage[0] != '\0');
		if (route53_commands[i].flags & CTL_CMD_MUTATES)
			mutating++;
	}
	CHECK_EQ(route53_command_count, 22);
	CHECK_EQ(mutating, 9);
}

/* Zones ordered by their names with the labels reversed, then by id. */
static void test_list_by_name_and_count(void)
{
	json_t *r = run("route53 get-hosted-zone-count", "{}");
	long before =
	    r != NULL ? (long)json_integer_value(json_object_get(r, "HostedZoneCount")) : -1;

	CHECK(before >= 0);
	create_zone("zz-b.byname", "byname-1");
	create_zone("www.zz-a.byname", "byname-2");
	create_zone("zz-a.byname", "byname-3");
	r = run("route53 get-hosted-zone-count", "{}");
	CHECK_EQ(json_integer_value(json_object_get(r, "HostedZoneCount")), before + 3);
	r = run("route53 list-hosted-zones-by-name",
		"{'DNSName': 'ZZ-A.byname.', 'MaxItems': '2'}");
	CHECK(strcmp(str_at(r, "HostedZones.0.Name"), "zz-a.byname.") == 0);
	CHECK(strcmp(str_at(r, "HostedZones.1.Name"), "www.zz-a.byname.") == 0);
	CHECK(json_is_true(json_object_get(r, "IsTruncated")));
	CHECK(strcmp(str_at(r, "NextDNSName"), "zz-b.byname.") == 0);
	CHECK(strcmp(str_at(r, "DNSName"), "ZZ-A.byname.") == 0);
	CHECK(strcmp(str_at(r, "MaxItems"), "2") == 0);
	r = run("route53 list-hosted-zones-by-name", "{'DNSName': '%s', 'HostedZoneId': '%s'}",
		"zz-b.byname", str_at(r, "NextHostedZoneId"));
	CHECK(strcmp(str_at(r, "HostedZones.0.Name"), "zz-b.byname.") == 0);
	CHECK(run("route53 list-hosted-zones-by-name", "{'HostedZoneId': 'Z1'}") == NULL);
	CHECK(error_is("InvalidInput", "HostedZoneId needs DNSName: the zone to start from"));
	CHECK(run("route53 list-hosted-zones-by-name", "{'Nope': 'x'}") == NULL);
	CHECK(run("route53 get-hosted-zone-count", "{'Nope': 'x'}") == NULL);
}

int main(void)
{
	harness_mkdtemp(&h, "route53-test");
	harness_start(&h);
	RUN(test_create_hosted_zone);
	RUN(test_caller_reference);
	RUN(test_create_errors);
	RUN(test_private_zone);
	RUN(test_get_and_list_zones);
	RUN(test_create_and_list);
	RUN(test_create_existing_delete_missing);
	RUN(test_cname_rules);
	RUN(test_routing_policy_rules);
	RUN(test_data_rules);
	RUN(test_txt_too_long);
	RUN(test_batch_rules);
	RUN(test_malformed_requests);
	RUN(test_alias);
	RUN(test_list_paging);
	RUN(test_delete_hosted_zone);
	RUN(test_import_export);
	RUN(test_zone_file_too_large);
	RUN(test_health_status);
	RUN(test_compile);
	RUN(test_help_and_flags);
	RUN(test_zone_transfer_policy);
	RUN(test_serial_counts_changes);
	RUN(test_list_by_name_and_count);
	harness_remove(&h);
	return tap_done();
}
