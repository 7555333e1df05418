/* SPDX-License-Identifier: BSD-3-Clause */
/* Hosted zones: create, get, list, delete; changes. */
#include "route53_pvt.h"

#include "base.h"
#include "store.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define R53_SOA_TTL	   900
#define R53_NS_TTL	   172800
#define R53_ZONE_ID_LEN	   21 /* "Z" and 20 characters, with the NUL */
#define R53_LIST_ZONES_MAX 100

void r53_bare_id(const char *id, const char *prefix, char *out, size_t out_len)
{
	size_t plen = strlen(prefix);

	if (strncmp(id, prefix, plen) == 0)
		id += plen;
	snprintf(out, out_len, "%s", id);
}

int r53_db_fail(struct ctl_call *call, sqlite3 *db, int rc)
{
	return ctl_call_fail(call, store_error(rc) < 0 ? store_error(rc) : -EIO, "InternalFailure",
			     "state store: %s", sqlite3_errmsg(db));
}

int r53_zone_load(struct ctl_call *call, sqlite3 *db, const char *id, struct r53_zone *zone)
{
	sqlite3_stmt *q;
	char bare[64];
	int rc;

	r53_bare_id(id, "/hostedzone/", bare, sizeof(bare));
	rc = sqlite3_prepare_v2(db, "SELECT id, name, apex, private FROM r53_zones WHERE id = ?",
				-1, &q, NULL);
	if (rc != SQLITE_OK)
		return r53_db_fail(call, db, rc);
	sqlite3_bind_text(q, 1, bare, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		const void *apex = sqlite3_column_blob(q, 2);
		int apex_len = sqlite3_column_bytes(q, 2);

		memset(zone, 0, sizeof(*zone));
		snprintf(zone->id, sizeof(zone->id), "%s", (const char *)sqlite3_column_text(q, 0));
		snprintf(zone->name, sizeof(zone->name), "%s",
			 (const char *)sqlite3_column_text(q, 1));
		if (apex_len > 0 && apex_len <= DNS_NAME_MAX_BYTES)
			memcpy(zone->apex, apex, (size_t)apex_len);
		zone->apex_len = (size_t)apex_len;
		zone->private_zone = sqlite3_column_int(q, 3) != 0;
		sqlite3_finalize(q);
		return 0;
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return r53_db_fail(call, db, rc);
	return ctl_call_fail(call, -ENOENT, "NoSuchHostedZone", "No hosted zone found with ID: %s",
			     bare);
}

int r53_new_change(struct ctl_call *call, const char *comment, json_t **info)
{
	struct popd_env *env = env_of(call);
	char id[32], at[48];
	int rc =
	    env_change_new(env, 1u << TABLES_KIND_ZONES, comment, id, sizeof(id), at, sizeof(at));

	if (rc < 0)
		return ctl_call_fail(call, rc, "InternalFailure", "cannot record the change: %s",
				     pop_strerror(rc));
	*info = env_change_info(env, id);
	if (*info == NULL)
		return ctl_call_fail(call, -ENOMEM, "InternalFailure",
				     "cannot read the change back");
	return 0;
}

json_t *r53_hosted_zone_json(sqlite3 *db, const char *bare_id)
{
	sqlite3_stmt *q;
	json_t *hz = NULL;
	char full[64];

	if (sqlite3_prepare_v2(db,
			       "SELECT id, name, caller_reference, comment, private, rrset_count "
			       "FROM r53_zones WHERE id = ?",
			       -1, &q, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(q, 1, bare_id, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW) {
		json_t *config = json_object();

		snprintf(full, sizeof(full), "/hostedzone/%s",
			 (const char *)sqlite3_column_text(q, 0));
		if (config != NULL && sqlite3_column_type(q, 3) != SQLITE_NULL)
			json_object_set_new(config, "Comment",
					    json_string((const char *)sqlite3_column_text(q, 3)));
		if (config != NULL)
			json_object_set_new(config, "PrivateZone",
					    json_boolean(sqlite3_column_int(q, 4) != 0));
		hz = json_pack("{s:s, s:s, s:s, s:o, s:I}", "Id", full, "Name",
			       (const char *)sqlite3_column_text(q, 1), "CallerReference",
			       (const char *)sqlite3_column_text(q, 2), "Config", config,
			       "ResourceRecordSetCount", (json_int_t)sqlite3_column_int64(q, 5));
	}
	sqlite3_finalize(q);
	return hz;
}

static void zone_extras(sqlite3 *db, const char *id, json_t *obj);

/* ------------------------------------------------------------ creation */

/* Parse "198.18.0.0/15" into a prefix; the host bits must be zero. */
static int parse_prefix(const char *text, struct zones_prefix *p)
{
	char addr[INET6_ADDRSTRLEN];
	const char *slash = strchr(text, '/');
	char *end;
	long len;
	size_t alen;

	if (slash == NULL || (alen = (size_t)(slash - text)) >= sizeof(addr) || alen == 0)
		return -EINVAL;
	memcpy(addr, text, alen);
	addr[alen] = '\0';
	memset(p, 0, sizeof(*p));
	if (inet_pton(AF_INET, addr, p->addr) == 1)
		p->family = 4;
	else if (inet_pton(AF_INET6, addr, p->addr) == 1)
		p->family = 6;
	else
		return -EINVAL;
	errno = 0;
	len = strtol(slash + 1, &end, 10);
	if (slash[1] == '\0' || *end != '\0' || errno != 0 || len < 0 ||
	    len > (p->family == 4 ? 32 : 128))
		return -EINVAL;
	p->len = (uint8_t)len;
	for (unsigned bit = (unsigned)len; bit < (p->family == 4 ? 32u : 128u); bit++)
		if (p->addr[bit / 8] & (0x80u >> (bit % 8)))
			return -EINVAL;
	return 0;
}

/* The 4 name servers of a new zone: store_meta route53.name_servers, or ns1..4 under it. */
static int name_servers(struct popd_env *env, const struct r53_zone *zone,
			char ns[4][DNS_NAME_TEXT_MAX])
{
	char conf[2048];
	json_t *list = NULL;

	if (store_meta_get(env->store, "route53.name_servers", conf, sizeof(conf)) == 0)
		list = json_loads(conf, 0, NULL);
	if (json_is_array(list) && json_array_size(list) == 4) {
		bool ok = true;

		for (size_t i = 0; i < 4; i++) {
			const char *s = json_string_value(json_array_get(list, i));
			uint8_t wire[DNS_NAME_MAX_BYTES];
			size_t wlen;

			if (s == NULL ||
			    dnstext_name_from_text(s, strlen(s), NULL, 0, DNS_TEXT_OCTAL, wire,
						   &wlen, NULL, 0) < 0 ||
			    dnstext_name_to_text(wire, wlen, DNS_TEXT_OCTAL, ns[i],
						 DNS_NAME_TEXT_MAX) < 0)
				ok = false;
		}
		json_decref(list);
		if (ok)
			return 0;
		R53_LOG(WARNING,
			"store_meta route53.name_servers is not 4 host names; using ns1..ns4 "
			"under each zone");
	} else {
		json_decref(list);
	}
	for (int i = 0; i < 4; i++)
		if (snprintf(ns[i], DNS_NAME_TEXT_MAX, "ns%d.%s", i + 1, zone->name) >=
		    DNS_NAME_TEXT_MAX)
			return -ENAMETOOLONG;
	return 0;
}

/* The apex SOA and NS of a new zone, through the change path. */
static int add_apex_records(struct ctl_call *call, const struct r53_zone *zone,
			    char ns[4][DNS_NAME_TEXT_MAX])
{
	struct r53_change changes[2];
	struct r53_messages msgs = {0};
	char soa[DNS_NAME_TEXT_MAX * 6 + 64];
	json_t *rrs[2];
	int rc = 0;

	snprintf(soa, sizeof(soa), "%s hostmaster.%s 1 7200 900 1209600 86400", ns[0], zone->name);
	rrs[0] = json_pack("{s:s, s:s, s:i, s:[{s:s}]}", "Name", zone->name, "Type", "SOA", "TTL",
			   R53_SOA_TTL, "ResourceRecords", "Value", soa);
	rrs[1] = json_pack("{s:s, s:s, s:i, s:[{s:s}, {s:s}, {s:s}, {s:s}]}", "Name", zone->name,
			   "Type", "NS", "TTL", R53_NS_TTL, "ResourceRecords", "Value", ns[0],
			   "Value", ns[1], "Value", ns[2], "Value", ns[3]);
	memset(changes, 0, sizeof(changes));
	for (int i = 0; i < 2 && rc == 0; i++) {
		changes[i].action = R53_CREATE;
		if (rrs[i] == NULL)
			rc = ctl_call_fail(call, -ENOMEM, "InternalFailure", "out of memory");
		else
			rc = r53_rrset_parse(call, rrs[i], "CREATE", zone, &changes[i].rs, &msgs);
	}
	if (rc == 0 && msgs.n > 0)
		rc = r53_messages_fail(call, &msgs); /* a name server name that does not parse */
	if (rc == 0)
		rc = r53_apply(call, zone, changes, 2, &msgs);
	for (int i = 0; i < 2; i++) {
		r53_rrset_release(&changes[i].rs);
		json_decref(rrs[i]);
	}
	r53_messages_free(&msgs);
	return rc;
}

int r53_cmd_create_hosted_zone(struct ctl_call *call)
{
	struct popd_env *env = env_of(call);
	sqlite3 *db = store_db(env->store);
	const json_t *args = call->args;
	const char *name = json_string_value(json_object_get(args, "Name"));
	const char *caller_ref = json_string_value(json_object_get(args, "CallerReference"));
	const json_t *config = json_object_get(args, "HostedZoneConfig");
	const char *comment = json_string_value(json_object_get(config, "Comment"));
	bool private_zone = json_is_true(json_object_get(config, "PrivateZone"));
	const json_t *prefixes = json_object_get(args, "SourcePrefixes");
	struct r53_zone zone = {0};
	char ns[4][DNS_NAME_TEXT_MAX], why[DNS_ERR_MAX], location[96];
	json_t *info = NULL, *hz, *result, *prefix_list = NULL;
	char *prefix_text = NULL, *ns_text = NULL;
	sqlite3_stmt *q;
	int rc;

	/* A single prefix may come as a string (popctl sends one value that way). */
	if (json_is_string(prefixes)) {
		json_t *list = json_pack("[O]", prefixes);

		if (list == NULL || json_object_set_new(call->args, "SourcePrefixes", list) < 0)
			return ctl_call_fail(call, -ENOMEM, "InternalFailure", "out of memory");
		prefixes = list;
	}
	if ((rc = r53_check_input(call, args, &r53_create_hosted_zone_input)) < 0)
		return rc;
	if (json_object_get(args, "VPC") != NULL)
		return ctl_call_fail(call, -EINVAL, "InvalidVPCId",
				     "pop has no VPCs: a private hosted zone takes SourcePrefixes "
				     "(CIDR blocks its answers are for) in place of VPC");
	if (json_object_get(args, "DelegationSetId") != NULL)
		return ctl_call_fail(call, -ENOENT, "NoSuchDelegationSet",
				     "A reusable delegation set with ID %s does not exist.",
				     json_string_value(json_object_get(args, "DelegationSetId")));
	if (private_zone && prefixes == NULL)
		return ctl_call_fail(call, -EINVAL, "InvalidInput",
				     "A private hosted zone needs SourcePrefixes: the CIDR blocks "
				     "(IPv4 or IPv6) of the clients it answers");
	if (!private_zone && prefixes != NULL)
		return ctl_call_fail(call, -EINVAL, "InvalidInput",
				     "SourcePrefixes is for private hosted zones: set "
				     "HostedZoneConfig.PrivateZone to true");
	if (dnstext_name_from_text(name, strlen(name), NULL, 0, DNS_TEXT_OCTAL, zone.apex,
				   &zone.apex_len, why, sizeof(why)) < 0)
		return ctl_call_fail(call, -EINVAL, "InvalidDomainName", "%s encountered with '%s'",
				     why, name);
	if (zone.apex_len == 1 ||
	    (!private_zone && dnstext_name_labels(zone.apex, zone.apex_len) < 2))
		return ctl_call_fail(call, -EINVAL, "InvalidDomainName",
				     "%s is a top-level domain: a public hosted zone must be "
				     "under one",
				     name);
	if (dnstext_name_is_wildcard(zone.apex, zone.apex_len))
		return ctl_call_fail(call, -EINVAL, "InvalidDomainName",
				     "%s: a hosted zone name cannot be a wildcard", name);
	dnstext_name_to_text(zone.apex, zone.apex_len, DNS_TEXT_OCTAL, zone.name,
			     sizeof(zone.name));
	zone.private_zone = private_zone;
	if (prefixes != NULL) {
		prefix_list = json_array();
		for (size_t i = 0; i < json_array_size(prefixes); i++) {
			const char *p = json_string_value(json_array_get(prefixes, i));
			struct zones_prefix zp;

			if (parse_prefix(p, &zp) < 0) {
				json_decref(prefix_list);
				return ctl_call_fail(call, -EINVAL, "InvalidInput",
						     "SourcePrefixes[%zu]: \"%.60s\" is not a CIDR "
						     "block such as 198.18.0.0/15 or 2001:db8::/32 "
						     "(host bits zero)",
						     i, p);
			}
			json_array_append_new(prefix_list, json_string(p));
		}
		prefix_text = json_dumps(prefix_list, JSON_COMPACT);
		json_decref(prefix_list);
	}

	/* CallerReference: Route 53 refuses a reference it has seen, whatever the name. */
	rc = sqlite3_prepare_v2(db, "SELECT id FROM r53_zones WHERE caller_reference = ?", -1, &q,
				NULL);
	if (rc != SQLITE_OK) {
		free(prefix_text);
		return r53_db_fail(call, db, rc);
	}
	sqlite3_bind_text(q, 1, caller_ref, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc == SQLITE_ROW) {
		free(prefix_text);
		return ctl_call_fail(call, -EEXIST, "HostedZoneAlreadyExists",
				     "A hosted zone has already been created with the specified "
				     "caller reference.");
	}
	if (!private_zone) {
		rc = sqlite3_prepare_v2(
		    db, "SELECT id FROM r53_zones WHERE apex = ? AND private = 0", -1, &q, NULL);
		if (rc != SQLITE_OK) {
			free(prefix_text);
			return r53_db_fail(call, db, rc);
		}
		sqlite3_bind_blob(q, 1, zone.apex, (int)zone.apex_len, SQLITE_STATIC);
		if (sqlite3_step(q) == SQLITE_ROW) {
			rc = ctl_call_fail(call, -EEXIST, "ConflictingDomainExists",
					   "pop serves one public hosted zone per name, and %s is "
					   "hosted zone %s",
					   zone.name, (const char *)sqlite3_column_text(q, 0));
			sqlite3_finalize(q);
			free(prefix_text);
			return rc;
		}
		sqlite3_finalize(q);
	}
	if (name_servers(env, &zone, ns) < 0) {
		free(prefix_text);
		return ctl_call_fail(call, -EINVAL, "InvalidDomainName",
				     "%s is too long for name servers under it", zone.name);
	}
	{
		json_t *list = json_pack("[s,s,s,s]", ns[0], ns[1], ns[2], ns[3]);

		ns_text = list != NULL ? json_dumps(list, JSON_COMPACT) : NULL;
		json_decref(list);
	}

	if ((rc = store_begin(env->store)) < 0) {
		free(prefix_text);
		free(ns_text);
		return ctl_call_fail(call, rc, "InternalFailure", "state store: %s",
				     pop_strerror(rc));
	}
	store_new_id("Z", zone.id, R53_ZONE_ID_LEN);
	rc = sqlite3_prepare_v2(db,
				"INSERT INTO r53_zones (id, name, apex, caller_reference, comment, "
				"private, source_prefixes, name_servers, rrset_count) "
				"VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)",
				-1, &q, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(q, 1, zone.id, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, zone.name, -1, SQLITE_STATIC);
		sqlite3_bind_blob(q, 3, zone.apex, (int)zone.apex_len, SQLITE_STATIC);
		sqlite3_bind_text(q, 4, caller_ref, -1, SQLITE_STATIC);
		if (comment != NULL)
			sqlite3_bind_text(q, 5, comment, -1, SQLITE_STATIC);
		sqlite3_bind_int(q, 6, private_zone);
		if (prefix_text != NULL)
			sqlite3_bind_text(q, 7, prefix_text, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 8, ns_text != NULL ? ns_text : "[]", -1, SQLITE_STATIC);
		rc = sqlite3_step(q);
		sqlite3_finalize(q);
		rc = rc == SQLITE_DONE ? 0 : r53_db_fail(call, db, rc);
	} else {
		rc = r53_db_fail(call, db, rc);
	}
	if (rc == 0)
		rc = add_apex_records(call, &zone, ns);
	if (rc == 0)
		rc = r53_new_change(call, NULL, &info);
	if (rc == 0 && (rc = store_commit(env->store)) < 0)
		rc =
		    ctl_call_fail(call, rc, "InternalFailure", "state store: %s", pop_strerror(rc));
	else if (rc < 0)
		store_rollback(env->store);
	if (rc < 0) {
		json_decref(info);
		free(prefix_text);
		free(ns_text);
		return rc;
	}
	hz = r53_hosted_zone_json(db, zone.id);
	snprintf(location, sizeof(location), "/2013-04-01/hostedzone/%s", zone.id);
	result = json_pack("{s:s, s:o, s:o}", "Location", location, "HostedZone",
			   hz != NULL ? hz : json_object(), "ChangeInfo", info);
	if (result != NULL)
		zone_extras(db, zone.id, result);
	free(prefix_text);
	free(ns_text);
	call->result = result;
	return result != NULL ? 0
			      : ctl_call_fail(call, -ENOMEM, "InternalFailure", "out of memory");
}

/* DelegationSet {NameServers} or SourcePrefixes of a zone into obj. */
static void zone_extras(sqlite3 *db, const char *id, json_t *obj)
{
	sqlite3_stmt *q;

	if (sqlite3_prepare_v2(db,
			       "SELECT private, source_prefixes, name_servers FROM r53_zones "
			       "WHERE id = ?",
			       -1, &q, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW) {
		if (sqlite3_column_int(q, 0) != 0) {
			json_object_set_new(
			    obj, "SourcePrefixes",
			    json_loads((const char *)sqlite3_column_text(q, 1), 0, NULL));
		} else {
			json_t *servers =
			    json_loads((const char *)sqlite3_column_text(q, 2), 0, NULL);
			json_t *list = json_array();

			for (size_t i = 0; i < json_array_size(servers); i++) {
				char host[DNS_NAME_TEXT_MAX];
				snprintf(host, sizeof(host), "%s",
					 json_string_value(json_array_get(servers, i)));
				if (host[0] != '\0' && host[strlen(host) - 1] == '.')
					host[strlen(host) - 1] = '\0';
				json_array_append_new(list, json_string(host));
			}
			json_decref(servers);
			json_object_set_new(obj, "DelegationSet",
					    json_pack("{s:o}", "NameServers", list));
		}
	}
	sqlite3_finalize(q);
}

int r53_cmd_get_hosted_zone(struct ctl_call *call)
{
	sqlite3 *db = store_db(env_of(call)->store);
	struct r53_zone zone;
	json_t *hz;
	int rc;

	if ((rc = r53_check_input(call, call->args, &r53_id_input)) < 0)
		return rc;
	if ((rc = r53_zone_load(call, db, json_string_value(json_object_get(call->args, "Id")),
				&zone)) < 0)
		return rc;
	hz = r53_hosted_zone_json(db, zone.id);
	if (hz == NULL)
		return ctl_call_fail(call, -ENOMEM, "InternalFailure", "out of memory");
	call->result = json_pack("{s:o}", "HostedZone", hz);
	if (call->result != NULL)
		zone_extras(db, zone.id, call->result);
	return 0;
}

int r53_cmd_list_hosted_zones(struct ctl_call *call)
{
	sqlite3 *db = store_db(env_of(call)->store);
	const char *marker = json_string_value(json_object_get(call->args, "Marker"));
	char echo[32], bare[64] = "";
	long max;
	json_t *zones, *result;
	sqlite3_stmt *q;
	int rc;
	long n = 0;

	if ((rc = r53_check_input(call, call->args, &r53_list_zones_input)) < 0)
		return rc;
	if (json_object_get(call->args, "DelegationSetId") != NULL)
		return ctl_call_fail(
		    call, -ENOENT, "NoSuchDelegationSet",
		    "A reusable delegation set with ID %s does not exist.",
		    json_string_value(json_object_get(call->args, "DelegationSetId")));
	if ((rc = r53_max_items(call, call->args, R53_LIST_ZONES_MAX, R53_LIST_ZONES_MAX, &max,
				echo, sizeof(echo))) < 0)
		return rc;
	if (marker != NULL)
		r53_bare_id(marker, "/hostedzone/", bare, sizeof(bare));
	rc = sqlite3_prepare_v2(db, "SELECT id FROM r53_zones WHERE id >= ? ORDER BY id LIMIT ?",
				-1, &q, NULL);
	if (rc != SQLITE_OK)
		return r53_db_fail(call, db, rc);
	sqlite3_bind_text(q, 1, bare, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, max + 1);
	zones = json_array();
	result = json_object();
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(q, 0);

		if (n == max) {
			json_object_set_new(result, "NextMarker", json_string(id));
			break;
		}
		json_array_append_new(zones, r53_hosted_zone_json(db, id));
		n++;
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		json_decref(zones);
		json_decref(result);
		return r53_db_fail(call, db, rc);
	}
	json_object_set_new(result, "HostedZones", zones);
	json_object_set_new(result, "Marker", json_string(marker != NULL ? marker : ""));
	json_object_set_new(result, "IsTruncated",
			    json_boolean(json_object_get(result, "NextMarker") != NULL));
	json_object_set_new(result, "MaxItems", json_string(echo));
	/* Members in the order of the output shape. */
	call->result = json_pack("{s:O, s:O, s:O}", "HostedZones", zones, "Marker",
				 json_object_get(result, "Marker"), "IsTruncated",
				 json_object_get(result, "IsTruncated"));
	if (json_object_get(result, "NextMarker") != NULL)
		json_object_set(call->result, "NextMarker", json_object_get(result, "NextMarker"));
	json_object_set(call->result, "MaxItems", json_object_get(result, "MaxItems"));
	json_decref(result);
	return 0;
}

int r53_cmd_delete_hosted_zone(struct ctl_call *call)
{
	struct popd_env *env = env_of(call);
	sqlite3 *db = store_db(env->store);
	struct r53_zone zone;
	uint8_t key[DNS_NAME_MAX_BYTES + 1];
	size_t key_len;
	json_t *info = NULL;
	sqlite3_stmt *q;
	int rc;

	if ((rc = r53_check_input(call, call->args, &r53_id_input)) < 0)
		return rc;
	if ((rc = r53_zone_load(call, db, json_string_value(json_object_get(call->args, "Id")),
				&zone)) < 0)
		return rc;
	key_len = r53_sort_key(zone.apex, zone.apex_len, key);
	rc =
	    sqlite3_prepare_v2(db,
			       "SELECT 1 FROM r53_rrsets WHERE zone_id = ?1 AND NOT (sort_key = ?2 "
			       "AND set_id = '' AND type IN ('SOA', 'NS')) LIMIT 1",
			       -1, &q, NULL);
	if (rc != SQLITE_OK)
		return r53_db_fail(call, db, rc);
	sqlite3_bind_text(q, 1, zone.id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(q, 2, key, (int)key_len, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc == SQLITE_ROW)
		return ctl_call_fail(call, -ENOTEMPTY, "HostedZoneNotEmpty",
				     "The specified hosted zone contains non-required resource "
				     "record sets and so cannot be deleted.");
	if (rc != SQLITE_DONE)
		return r53_db_fail(call, db, rc);
	if ((rc = store_begin(env->store)) < 0)
		return ctl_call_fail(call, rc, "InternalFailure", "state store: %s",
				     pop_strerror(rc));
	rc = r53_rrsets_delete_zone(db, zone.id);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db, "DELETE FROM r53_zones WHERE id = ?", -1, &q, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(q, 1, zone.id, -1, SQLITE_STATIC);
		rc = sqlite3_step(q) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(db);
		sqlite3_finalize(q);
	}
	rc = rc == SQLITE_OK ? 0 : r53_db_fail(call, db, rc);
	if (rc == 0)
		rc = r53_new_change(call, NULL, &info);
	if (rc == 0 && (rc = store_commit(env->store)) < 0)
		rc =
		    ctl_call_fail(call, rc, "InternalFailure", "state store: %s", pop_strerror(rc));
	else if (rc < 0)
		store_rollback(env->store);
	if (rc < 0) {
		json_decref(info);
		return rc;
	}
	call->result = json_pack("{s:o}", "ChangeInfo", info);
	return 0;
}

int r53_cmd_get_change(struct ctl_call *call)
{
	char bare[96];
	json_t *info;
	int rc;

	if ((rc = r53_check_input(call, call->args, &r53_change_id_input)) < 0)
		return rc;
	r53_bare_id(json_string_value(json_object_get(call->args, "Id")), "/change/", bare,
		    sizeof(bare));
	info = env_change_info(env_of(call), bare);
	if (info == NULL)
		return ctl_call_fail(call, -ENOENT, "NoSuchChange",
				     "A change with the specified change ID does not exist.");
	call->result = json_pack("{s:o}", "ChangeInfo", info);
	return 0;
}

/* pop: the zone-transfer ACL of a hosted zone. */
int r53_cmd_put_xfr_policy(struct ctl_call *call)
{
	struct popd_env *env = env_of(call);
	sqlite3 *db = store_db(env->store);
	const json_t *prefixes = json_object_get(call->args, "AllowTransfer");
	struct r53_zone zone;
	json_t *list, *info = NULL, *targets = NULL;
	char *text, *notify_text;
	sqlite3_stmt *q;
	int rc;

	/* A single prefix may come as a string (popctl sends one value that way). */
	if (json_is_string(prefixes)) {
		json_t *one = json_pack("[O]", prefixes);

		if (one == NULL || json_object_set_new(call->args, "AllowTransfer", one) < 0)
			return ctl_call_fail(call, -ENOMEM, "InternalFailure", "out of memory");
		prefixes = one;
	}
	if (json_is_string(json_object_get(call->args, "Notify"))) {
		json_t *one = json_pack("[O]", json_object_get(call->args, "Notify"));

		if (one == NULL || json_object_set_new(call->args, "Notify", one) < 0)
			return ctl_call_fail(call, -ENOMEM, "InternalFailure", "out of memory");
	}
	if ((rc = r53_check_input(call, call->args, &r53_xfr_policy_input)) < 0)
		return rc;
	if ((rc = r53_zone_load(call, db,
				json_string_value(json_object_get(call->args, "HostedZoneId")),
				&zone)) < 0)
		return rc;
	list = json_array();
	if (list == NULL)
		return ctl_call_fail(call, -ENOMEM, "InternalFailure", "out of memory");
	for (size_t i = 0; i < json_array_size(prefixes); i++) {
		const char *p = json_string_value(json_array_get(prefixes, i));
		struct zones_prefix zp;

		if (parse_prefix(p, &zp) < 0) {
			json_decref(list);
			return ctl_call_fail(
			    call, -EINVAL, "InvalidInput",
			    "AllowTransfer[%zu]: \"%.60s\" is not a CIDR block "
			    "such as 198.18.0.0/15 or 2001:db8::/32 (host bits zero)",
			    i, p);
		}
		json_array_append_new(list, json_string(p));
	}
	if ((rc = r53_notify_parse(call, json_object_get(call->args, "Notify"), &targets)) < 0) {
		json_decref(list);
		return rc;
	}
	text = json_dumps(list, JSON_COMPACT);
	notify_text = json_dumps(targets, JSON_COMPACT);
	json_decref(list);
	if (text == NULL || notify_text == NULL) {
		free(text);
		free(notify_text);
		json_decref(targets);
		return ctl_call_fail(call, -ENOMEM, "InternalFailure", "out of memory");
	}
	if ((rc = store_begin(env->store)) < 0) {
		free(text);
		free(notify_text);
		json_decref(targets);
		return ctl_call_fail(call, rc, "InternalFailure", "state store: %s",
				     pop_strerror(rc));
	}
	rc = sqlite3_prepare_v2(
	    db, "UPDATE r53_zones SET xfr_prefixes = ?, notify = ? WHERE id = ?", -1, &q, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(q, 1, text, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, notify_text, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 3, zone.id, -1, SQLITE_STATIC);
		rc = sqlite3_step(q);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
		sqlite3_finalize(q);
	}
	free(text);
	free(notify_text);
	if (rc != SQLITE_OK) {
		json_decref(targets);
		rc = r53_db_fail(call, db, rc);
		store_rollback(env->store);
		return rc;
	}
	rc = r53_new_change(call, "zone transfer policy", &info);
	if (rc == 0 && (rc = store_commit(env->store)) < 0)
		rc =
		    ctl_call_fail(call, rc, "InternalFailure", "state store: %s", pop_strerror(rc));
	else if (rc < 0)
		store_rollback(env->store);
	if (rc < 0) {
		json_decref(info);
		json_decref(targets);
		return rc;
	}
	call->result = json_pack("{s:o, s:s, s:O, s:o}", "ChangeInfo", info, "HostedZoneId",
				 zone.id, "AllowTransfer",
				 json_object_get(call->args, "AllowTransfer"), "Notify", targets);
	return call->result == NULL
		   ? ctl_call_fail(call, -ENOMEM, "InternalFailure", "out of memory")
		   : 0;
}

int r53_cmd_get_xfr_policy(struct ctl_call *call)
{
	sqlite3 *db = store_db(env_of(call)->store);
	const char *id = json_string_value(json_object_get(call->args, "HostedZoneId"));
	struct r53_zone zone;
	json_t *list = NULL, *targets = NULL, *status;
	sqlite3_stmt *q;
	int rc;

	if ((rc = r53_check_input(call, call->args, &r53_export_input)) < 0)
		return rc;
	if ((rc = r53_zone_load(call, db, id, &zone)) < 0)
		return rc;
	rc = sqlite3_prepare_v2(db, "SELECT xfr_prefixes, notify FROM r53_zones WHERE id = ?", -1,
				&q, NULL);
	if (rc != SQLITE_OK)
		return r53_db_fail(call, db, rc);
	sqlite3_bind_text(q, 1, zone.id, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW) {
		if (sqlite3_column_type(q, 0) != SQLITE_NULL)
			list = json_loads((const char *)sqlite3_column_text(q, 0), 0, NULL);
		if (sqlite3_column_type(q, 1) != SQLITE_NULL)
			targets = json_loads((const char *)sqlite3_column_text(q, 1), 0, NULL);
	}
	sqlite3_finalize(q);
	if (!json_is_array(list)) {
		json_decref(list);
		list = json_array();
	}
	if (!json_is_array(targets)) {
		json_decref(targets);
		targets = json_array();
	}
	status = r53_notify_status(zone.id, targets);
	call->result = json_pack("{s:s, s:o, s:o, s:o*}", "HostedZoneId", zone.id, "AllowTransfer",
				 list, "Notify", targets, "NotifyStatus", status);
	if (call->result != NULL) {
		json_t *counters = r53_notify_stats();

		if (counters != NULL)
			json_object_set_new(call->result, "NotifyCounters", counters);
	}
	return call->result == NULL
		   ? ctl_call_fail(call, -ENOMEM, "InternalFailure", "out of memory")
		   : 0;
}
