/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The input shapes of route53's commands (from botocore's route53
 * service-2.json) and their checking. The messages are the AWS CLI's for
 * what botocore checks before sending (missing, unknown and wrongly typed
 * members, minimums) and Route 53's for what the service checks (maximums,
 * enumerations), so scripts written against AWS see the same text.
 */
#include "route53_pvt.h"

#include "notify.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STR(lo, hi)                                                                                \
	{                                                                                          \
		.kind = R53_STRING, .has_min = (lo) >= 0, .min = (lo), .has_max = (hi) >= 0,       \
		.max = (hi)                                                                        \
	}

static const struct r53_shape s_string = STR(-1, -1);
static const struct r53_shape s_dns_name = STR(-1, 1024);
static const struct r53_shape s_nonce = STR(1, 128);
static const struct r53_shape s_description = STR(-1, 256);
static const struct r53_shape s_resource_id = STR(-1, 32);
static const struct r53_shape s_page_marker = STR(-1, 64);
static const struct r53_shape s_change_id = STR(1, 6500);
static const struct r53_shape s_set_identifier = STR(1, 128);
static const struct r53_shape s_rdata = STR(-1, 4000);
static const struct r53_shape s_health_check_id = STR(-1, 64);
static const struct r53_shape s_traffic_policy_instance = STR(1, 36);
static const struct r53_shape s_continent = STR(2, 2);
static const struct r53_shape s_country = STR(1, 2);
static const struct r53_shape s_subdivision = STR(1, 3);
static const struct r53_shape s_vpc_id = STR(-1, 1024);
static const struct r53_shape s_zone_file = STR(-1, ROUTE53_MAX_ZONE_FILE_BYTES);
static const struct r53_shape s_latitude = STR(1, 6);
static const struct r53_shape s_longitude = STR(1, 7);
static const struct r53_shape s_local_zone_group = STR(1, 64);
static const struct r53_shape s_cidr_location = STR(1, 16);
static const struct r53_shape s_bool = {.kind = R53_BOOL};
static const struct r53_shape s_page_max_items = {.kind = R53_PAGE};

static const char *const rr_types[] = {"SOA", "A",   "TXT", "NS",   "CNAME", "MX", "NAPTR",
				       "PTR", "SRV", "SPF", "AAAA", "CAA",   "DS", NULL};
static const struct r53_shape s_rr_type = {.kind = R53_STRING, .enums = rr_types};

static const char *const actions[] = {"CREATE", "DELETE", "UPSERT", NULL};
static const struct r53_shape s_action = {.kind = R53_STRING, .enums = actions};

static const char *const failovers[] = {"PRIMARY", "SECONDARY", NULL};
static const struct r53_shape s_failover = {.kind = R53_STRING, .enums = failovers};

static const char *const regions[] = {"us-east-1",
				      "us-east-2",
				      "us-west-1",
				      "us-west-2",
				      "ca-central-1",
				      "eu-west-1",
				      "eu-west-2",
				      "eu-west-3",
				      "eu-central-1",
				      "eu-central-2",
				      "ap-southeast-1",
				      "ap-southeast-2",
				      "ap-southeast-3",
				      "ap-northeast-1",
				      "ap-northeast-2",
				      "ap-northeast-3",
				      "eu-north-1",
				      "sa-east-1",
				      "cn-north-1",
				      "cn-northwest-1",
				      "ap-east-1",
				      "me-south-1",
				      "me-central-1",
				      "ap-south-1",
				      "ap-south-2",
				      "af-south-1",
				      "eu-south-1",
				      "eu-south-2",
				      NULL};
static const struct r53_shape s_region = {
    .kind = R53_STRING, .has_min = true, .min = 1, .has_max = true, .max = 64, .enums = regions};

static const char *const vpc_regions[] = {"us-east-1",	    "us-east-2",      "us-west-1",
					  "us-west-2",	    "eu-west-1",      "eu-west-2",
					  "eu-west-3",	    "eu-central-1",   "eu-central-2",
					  "ap-east-1",	    "me-south-1",     "us-gov-west-1",
					  "us-gov-east-1",  "us-iso-east-1",  "us-iso-west-1",
					  "us-isob-east-1", "me-central-1",   "ap-southeast-1",
					  "ap-southeast-2", "ap-southeast-3", "ap-south-1",
					  "ap-south-2",	    "ap-northeast-1", "ap-northeast-2",
					  "ap-northeast-3", "eu-north-1",     "sa-east-1",
					  "ca-central-1",   "cn-north-1",     "af-south-1",
					  "eu-south-1",	    "eu-south-2",     NULL};
static const struct r53_shape s_vpc_region = {.kind = R53_STRING,
					      .has_min = true,
					      .min = 1,
					      .has_max = true,
					      .max = 64,
					      .enums = vpc_regions};

static const char *const health_statuses[] = {"Healthy", "Unhealthy", "Auto", NULL};
static const struct r53_shape s_health_status = {.kind = R53_STRING, .enums = health_statuses};

static const struct r53_shape s_weight = {
    .kind = R53_LONG, .has_min = true, .min = 0, .has_max = true, .max = 255};
static const struct r53_shape s_ttl = {
    .kind = R53_LONG, .has_min = true, .min = 0, .has_max = true, .max = 2147483647};
static const struct r53_shape s_bias = {
    .kind = R53_LONG, .has_min = true, .min = -99, .has_max = true, .max = 99};

static const struct r53_member m_hosted_zone_config[] = {
    {"Comment", &s_description, false},
    {"PrivateZone", &s_bool, false},
    {NULL, NULL, false},
};
static const struct r53_shape s_hosted_zone_config = {.kind = R53_STRUCT,
						      .members = m_hosted_zone_config};

static const struct r53_member m_vpc[] = {
    {"VPCRegion", &s_vpc_region, false},
    {"VPCId", &s_vpc_id, false},
    {NULL, NULL, false},
};
static const struct r53_shape s_vpc = {.kind = R53_STRUCT, .members = m_vpc};

static const struct r53_shape s_source_prefixes = {
    .kind = R53_LIST, .has_min = true, .min = 1, .has_max = true, .max = 100, .item = &s_string};

static const struct r53_member m_create_hosted_zone[] = {
    {"Name", &s_dns_name, true},
    {"VPC", &s_vpc, false},
    {"CallerReference", &s_nonce, true},
    {"HostedZoneConfig", &s_hosted_zone_config, false},
    {"DelegationSetId", &s_resource_id, false},
    {"SourcePrefixes", &s_source_prefixes, false}, /* pop */
    {NULL, NULL, false},
};
const struct r53_shape r53_create_hosted_zone_input = {.kind = R53_STRUCT,
						       .members = m_create_hosted_zone};

static const struct r53_member m_id[] = {
    {"Id", &s_resource_id, true},
    {NULL, NULL, false},
};
const struct r53_shape r53_id_input = {.kind = R53_STRUCT, .members = m_id};

static const struct r53_member m_change_id[] = {
    {"Id", &s_change_id, true},
    {NULL, NULL, false},
};
const struct r53_shape r53_change_id_input = {.kind = R53_STRUCT, .members = m_change_id};

static const struct r53_member m_list_zones[] = {
    {"Marker", &s_page_marker, false},
    {"MaxItems", &s_page_max_items, false},
    {"DelegationSetId", &s_resource_id, false},
    {NULL, NULL, false},
};
const struct r53_shape r53_list_zones_input = {.kind = R53_STRUCT, .members = m_list_zones};

static const struct r53_member m_geo_location[] = {
    {"ContinentCode", &s_continent, false},
    {"CountryCode", &s_country, false},
    {"SubdivisionCode", &s_subdivision, false},
    {NULL, NULL, false},
};
static const struct r53_shape s_geo_location = {.kind = R53_STRUCT, .members = m_geo_location};

static const struct r53_member m_coordinates[] = {
    {"Latitude", &s_latitude, true},
    {"Longitude", &s_longitude, true},
    {NULL, NULL, false},
};
static const struct r53_shape s_coordinates = {.kind = R53_STRUCT, .members = m_coordinates};

static const struct r53_member m_geo_proximity[] = {
    {"AWSRegion", &s_region, false},
    {"LocalZoneGroup", &s_local_zone_group, false},
    {"Coordinates", &s_coordinates, false},
    {"Bias", &s_bias, false},
    {NULL, NULL, false},
};
static const struct r53_shape s_geo_proximity = {.kind = R53_STRUCT, .members = m_geo_proximity};

static const struct r53_member m_resource_record[] = {
    {"Value", &s_rdata, true},
    {NULL, NULL, false},
};
static const struct r53_shape s_resource_record = {.kind = R53_STRUCT,
						   .members = m_resource_record};
static const struct r53_shape s_resource_records = {
    .kind = R53_LIST, .has_min = true, .min = 1, .item = &s_resource_record};

static const struct r53_member m_alias_target[] = {
    {"HostedZoneId", &s_resource_id, true},
    {"DNSName", &s_dns_name, true},
    {"EvaluateTargetHealth", &s_bool, true},
    {NULL, NULL, false},
};
static const struct r53_shape s_alias_target = {.kind = R53_STRUCT, .members = m_alias_target};

static const struct r53_member m_cidr_routing[] = {
    {"CollectionId", &s_string, true},
    {"LocationName", &s_cidr_location, true},
    {NULL, NULL, false},
};
static const struct r53_shape s_cidr_routing = {.kind = R53_STRUCT, .members = m_cidr_routing};

static const struct r53_member m_rrset[] = {
    {"Name", &s_dns_name, true},
    {"Type", &s_rr_type, true},
    {"SetIdentifier", &s_set_identifier, false},
    {"Weight", &s_weight, false},
    {"Region", &s_region, false},
    {"GeoLocation", &s_geo_location, false},
    {"Failover", &s_failover, false},
    {"MultiValueAnswer", &s_bool, false},
    {"TTL", &s_ttl, false},
    {"ResourceRecords", &s_resource_records, false},
    {"AliasTarget", &s_alias_target, false},
    {"HealthCheckId", &s_health_check_id, false},
    {"TrafficPolicyInstanceId", &s_traffic_policy_instance, false},
    {"CidrRoutingConfig", &s_cidr_routing, false},
    {"GeoProximityLocation", &s_geo_proximity, false},
    {NULL, NULL, false},
};
static const struct r53_shape s_rrset = {.kind = R53_STRUCT, .members = m_rrset};

static const struct r53_member m_change[] = {
    {"Action", &s_action, true},
    {"ResourceRecordSet", &s_rrset, true},
    {NULL, NULL, false},
};
static const struct r53_shape s_change = {.kind = R53_STRUCT, .members = m_change};
static const struct r53_shape s_changes = {
    .kind = R53_LIST, .has_min = true, .min = 1, .item = &s_change};

static const struct r53_member m_change_batch[] = {
    {"Comment", &s_description, false},
    {"Changes", &s_changes, true},
    {NULL, NULL, false},
};
static const struct r53_shape s_change_batch = {.kind = R53_STRUCT, .members = m_change_batch};

static const struct r53_member m_change_rrsets[] = {
    {"HostedZoneId", &s_resource_id, true},
    {"ChangeBatch", &s_change_batch, true},
    {NULL, NULL, false},
};
const struct r53_shape r53_change_batch_input = {.kind = R53_STRUCT, .members = m_change_rrsets};

static const struct r53_member m_list_rrsets[] = {
    {"HostedZoneId", &s_resource_id, true}, {"StartRecordName", &s_dns_name, false},
    {"StartRecordType", &s_rr_type, false}, {"StartRecordIdentifier", &s_set_identifier, false},
    {"MaxItems", &s_page_max_items, false}, {NULL, NULL, false},
};
const struct r53_shape r53_list_rrsets_input = {.kind = R53_STRUCT, .members = m_list_rrsets};

static const struct r53_member m_import[] = {
    {"HostedZoneId", &s_resource_id, true},
    {"ZoneFile", &s_zone_file, true},
    {"Comment", &s_description, false},
    {NULL, NULL, false},
};
const struct r53_shape r53_import_input = {.kind = R53_STRUCT, .members = m_import};

static const struct r53_member m_export[] = {
    {"HostedZoneId", &s_resource_id, true},
    {NULL, NULL, false},
};
const struct r53_shape r53_export_input = {.kind = R53_STRUCT, .members = m_export};

/* pop: put-zone-transfer-policy {HostedZoneId, AllowTransfer: [CIDR, ...]} */
static const struct r53_shape s_allow_transfer = {
    .kind = R53_LIST, .has_min = true, .min = 0, .has_max = true, .max = 100, .item = &s_string};
static const struct r53_shape s_notify = {.kind = R53_LIST,
					  .has_min = true,
					  .min = 0,
					  .has_max = true,
					  .max = NOTIFY_MAX_TARGETS,
					  .item = &s_string};
static const struct r53_member m_xfr_policy[] = {
    {"HostedZoneId", &s_resource_id, true},
    {"AllowTransfer", &s_allow_transfer, true},
    {"Notify", &s_notify, false},
    {NULL, NULL, false},
};
const struct r53_shape r53_xfr_policy_input = {.kind = R53_STRUCT, .members = m_xfr_policy};

static const struct r53_member m_health_status[] = {
    {"HealthCheckId", &s_health_check_id, true},
    {"Status", &s_health_status, true},
    {NULL, NULL, false},
};
const struct r53_shape r53_health_status_input = {.kind = R53_STRUCT, .members = m_health_status};

/* ------------------------------------------------------------- checking */

/* Where a value is, in the two spellings: botocore's ("ChangeBatch.Changes[0].TTL",
 * "input" at the top) and Route 53's ("changeBatch.changes.1.member.tTL"). */
struct r53_path {
	char cli[512];
	char aws[512];
};

static const char *python_type(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "<class 'dict'>";
	case JSON_ARRAY:
		return "<class 'list'>";
	case JSON_STRING:
		return "<class 'str'>";
	case JSON_INTEGER:
		return "<class 'int'>";
	case JSON_REAL:
		return "<class 'float'>";
	case JSON_TRUE:
	case JSON_FALSE:
		return "<class 'bool'>";
	default:
		return "<class 'NoneType'>";
	}
}

static const char *valid_types(enum r53_kind kind)
{
	switch (kind) {
	case R53_STRING:
	case R53_PAGE:
		return "<class 'str'>";
	case R53_LONG:
		return "<class 'int'>";
	case R53_BOOL:
		return "<class 'bool'>";
	case R53_STRUCT:
		return "<class 'dict'>";
	default:
		return "<class 'list'>, <class 'tuple'>";
	}
}

static bool type_ok(const json_t *v, enum r53_kind kind)
{
	switch (kind) {
	case R53_STRING:
		return json_is_string(v);
	case R53_PAGE:
		return json_is_string(v) || json_is_integer(v);
	case R53_LONG:
		return json_is_integer(v);
	case R53_BOOL:
		return json_is_boolean(v);
	case R53_STRUCT:
		return json_is_object(v);
	default:
		return json_is_array(v);
	}
}

static int fail_input(struct ctl_call *call, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int fail_input(struct ctl_call *call, const char *fmt, ...)
{
	char msg[sizeof(call->error.message)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ctl_call_fail(call, -EINVAL, "InvalidInput", "%s", msg);
}

static int check_value(struct ctl_call *call, const json_t *v, const struct r53_shape *shape,
		       struct r53_path *path);

static int check_struct(struct ctl_call *call, const json_t *obj, const struct r53_shape *shape,
			struct r53_path *path)
{
	const char *key;
	json_t *v;
	size_t cli_len = strlen(path->cli), aws_len = strlen(path->aws);
	bool top = aws_len == 0;
	int rc;

	for (const struct r53_member *m = shape->members; m->name != NULL; m++)
		if (m->required && json_object_get(obj, m->name) == NULL)
			return fail_input(call, "Missing required parameter in %s: \"%s\"",
					  path->cli, m->name);
	json_object_foreach((json_t *)obj, key, v)
	{
		const struct r53_member *m;

		for (m = shape->members; m->name != NULL; m++)
			if (strcmp(m->name, key) == 0)
				break;
		if (m->name == NULL) {
			char names[400];
			size_t n = 0;

			names[0] = '\0';
			for (m = shape->members; m->name != NULL; m++) {
				int w = snprintf(names + n, sizeof(names) - n, "%s%s",
						 n > 0 ? ", " : "", m->name);
				if (w < 0 || (size_t)w >= sizeof(names) - n)
					break;
				n += (size_t)w;
			}
			return fail_input(call,
					  "Unknown parameter in %s: \"%.100s\", must be one of: %s",
					  path->cli, key, names);
		}
		/* "input" is only the name of the top; members below it start afresh. */
		if (top)
			snprintf(path->cli, sizeof(path->cli), "%s", m->name);
		else
			snprintf(path->cli + cli_len, sizeof(path->cli) - cli_len, ".%s", m->name);
		snprintf(path->aws + aws_len, sizeof(path->aws) - aws_len, "%s%c%s",
			 aws_len > 0 ? "." : "",
			 m->name[0] >= 'A' && m->name[0] <= 'Z' ? m->name[0] - 'A' + 'a'
								: m->name[0],
			 m->name + 1);
		rc = check_value(call, v, m->shape, path);
		if (top)
			snprintf(path->cli, sizeof(path->cli), "input");
		else
			path->cli[cli_len] = '\0';
		path->aws[aws_len] = '\0';
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int constraint(struct ctl_call *call, const json_t *v, const struct r53_path *path,
		      const char *what)
{
	char shown[80];

	ctl_json_show(v, shown, sizeof(shown));
	return fail_input(call,
			  "1 validation error detected: Value '%s' at '%s' failed to satisfy "
			  "constraint: Member must %s",
			  shown, path->aws, what);
}

static int check_value(struct ctl_call *call, const json_t *v, const struct r53_shape *shape,
		       struct r53_path *path)
{
	char shown[80], what[400];

	if (!type_ok(v, shape->kind)) {
		ctl_json_show(v, shown, sizeof(shown));
		return fail_input(call,
				  "Invalid type for parameter %s, value: %s, type: %s, valid "
				  "types: %s",
				  path->cli, shown, python_type(v), valid_types(shape->kind));
	}
	switch (shape->kind) {
	case R53_STRING: {
		long long len = (long long)json_string_length(v);

		if (shape->has_min && len < shape->min) {
			ctl_json_show(v, shown, sizeof(shown));
			return fail_input(call,
					  "Invalid length for parameter %s, value: %lld, valid "
					  "min length: %lld",
					  path->cli, len, shape->min);
		}
		if (shape->has_max && len > shape->max) {
			snprintf(what, sizeof(what), "have length less than or equal to %lld",
				 shape->max);
			return constraint(call, v, path, what);
		}
		if (shape->enums != NULL) {
			size_t n = 0;
			bool found = false;

			for (const char *const *e = shape->enums; *e != NULL; e++)
				if (strcmp(*e, json_string_value(v)) == 0)
					found = true;
			if (found)
				return 0;
			n = (size_t)snprintf(what, sizeof(what), "satisfy enum value set: [");
			for (const char *const *e = shape->enums; *e != NULL && n < sizeof(what);
			     e++)
				n += (size_t)snprintf(what + n, sizeof(what) - n, "%s%s",
						      e == shape->enums ? "" : ", ", *e);
			if (n < sizeof(what))
				snprintf(what + n, sizeof(what) - n, "]");
			return constraint(call, v, path, what);
		}
		return 0;
	}
	case R53_LONG: {
		long long x = json_integer_value(v);

		if (shape->has_min && x < shape->min)
			return fail_input(call,
					  "Invalid value for parameter %s, value: %lld, valid min "
					  "value: %lld",
					  path->cli, x, shape->min);
		if (shape->has_max && x > shape->max) {
			snprintf(what, sizeof(what), "have value less than or equal to %lld",
				 shape->max);
			return constraint(call, v, path, what);
		}
		return 0;
	}
	case R53_STRUCT:
		return check_struct(call, v, shape, path);
	case R53_LIST: {
		size_t cli_len = strlen(path->cli), aws_len = strlen(path->aws);
		long long n = (long long)json_array_size(v);

		if (shape->has_min && n < shape->min)
			return fail_input(call,
					  "Invalid length for parameter %s, value: %lld, valid min "
					  "length: %lld",
					  path->cli, n, shape->min);
		if (shape->has_max && n > shape->max) {
			snprintf(what, sizeof(what), "have length less than or equal to %lld",
				 shape->max);
			return constraint(call, v, path, what);
		}
		for (size_t i = 0; i < json_array_size(v); i++) {
			int rc;

			snprintf(path->cli + cli_len, sizeof(path->cli) - cli_len, "[%zu]", i);
			snprintf(path->aws + aws_len, sizeof(path->aws) - aws_len, ".%zu.member",
				 i + 1);
			rc = check_value(call, json_array_get(v, i), shape->item, path);
			path->cli[cli_len] = '\0';
			path->aws[aws_len] = '\0';
			if (rc < 0)
				return rc;
		}
		return 0;
	}
	default:
		return 0;
	}
}

int r53_check_input(struct ctl_call *call, const json_t *args, const struct r53_shape *shape)
{
	struct r53_path *path = malloc(sizeof(*path));
	int rc;

	if (path == NULL)
		return ctl_call_fail(call, -ENOMEM, "InternalFailure", "out of memory");
	snprintf(path->cli, sizeof(path->cli), "input");
	path->aws[0] = '\0';
	rc = check_value(call, args, shape, path);
	free(path);
	return rc;
}

int r53_max_items(struct ctl_call *call, const json_t *args, long dflt, long cap, long *out,
		  char *echo, size_t echo_len)
{
	const json_t *v = json_object_get(args, "MaxItems");
	long long n;

	if (v == NULL) {
		*out = dflt;
		snprintf(echo, echo_len, "%ld", dflt);
		return 0;
	}
	if (json_is_integer(v)) {
		n = json_integer_value(v);
	} else {
		const char *s = json_string_value(v);
		char *end;

		errno = 0;
		n = strtoll(s, &end, 10);
		if (s[0] == '\0' || *end != '\0' || errno != 0)
			return fail_input(call, "MaxItems: \"%.40s\" is not a whole number", s);
	}
	if (n < 1)
		return fail_input(call, "MaxItems: must be at least 1, got %lld", n);
	snprintf(echo, echo_len, "%lld", n);
	*out = n > cap ? cap : (long)n;
	return 0;
}
