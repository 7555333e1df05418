/* SPDX-License-Identifier: BSD-3-Clause */
/* ListHostedZonesByName (what cert-manager's and external-dns's Route 53
 * clients look zones up with) and GetHostedZoneCount. Route 53 orders zones
 * by their names with the labels reversed (com.example.www), then by id. */
#include "route53_pvt.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

/** Route 53's default and largest page of ListHostedZonesByName. */
#define R53_LIST_BY_NAME_MAX 100

struct zone_key {
	char key[260]; /* labels reversed, lower case, no final dot */
	char id[64];
};

static void reversed_key(const char *name, char *out, size_t len)
{
	size_t n = strlen(name), o = 0;

	while (n > 0 && name[n - 1] == '.')
		n--;
	while (n > 0 && o + 1 < len) {
		size_t start = n;
		while (start > 0 && name[start - 1] != '.')
			start--;
		if (o > 0 && o + 1 < len)
			out[o++] = '.';
		for (size_t i = start; i < n && o + 1 < len; i++)
			out[o++] = (char)tolower((unsigned char)name[i]);
		n = start > 0 ? start - 1 : 0;
	}
	out[o] = '\0';
}

static int key_cmp(const void *a, const void *b)
{
	const struct zone_key *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c != 0 ? c : strcmp(x->id, y->id);
}

static int only_members(struct ctl_call *call, const char *const *allowed)
{
	const char *key;
	json_t *v;

	json_object_foreach(call->args, key, v)
	{
		size_t i = 0;
		while (allowed[i] != NULL && strcmp(allowed[i], key) != 0)
			i++;
		if (allowed[i] == NULL)
			return ctl_call_fail(call, -EINVAL, "InvalidInput",
					     "%.64s: not a member of the input", key);
		if (strcmp(key, "MaxItems") != 0 && !json_is_string(v))
			return ctl_call_fail(call, -EINVAL, "InvalidInput", "%s: must be a string",
					     key);
	}
	return 0;
}

int r53_cmd_list_zones_by_name(struct ctl_call *call)
{
	static const char *const allowed[] = {"DNSName", "HostedZoneId", "MaxItems", NULL};
	sqlite3 *db = store_db(env_of(call)->store);
	const char *dns = json_string_value(json_object_get(call->args, "DNSName"));
	const char *hz = json_string_value(json_object_get(call->args, "HostedZoneId"));
	struct zone_key *zones = NULL, start;
	size_t n = 0, cap = 0, i;
	char echo[32], bare[64] = "";
	json_t *list;
	sqlite3_stmt *q;
	long max;
	int rc;

	if ((rc = only_members(call, allowed)) < 0)
		return rc;
	if (hz != NULL && dns == NULL)
		return ctl_call_fail(call, -EINVAL, "InvalidInput",
				     "HostedZoneId needs DNSName: the zone to start from");
	if (dns != NULL && strlen(dns) > 1024)
		return ctl_call_fail(call, -EINVAL, "InvalidDomainName",
				     "DNSName: longer than 1024 characters");
	if ((rc = r53_max_items(call, call->args, R53_LIST_BY_NAME_MAX, R53_LIST_BY_NAME_MAX, &max,
				echo, sizeof(echo))) < 0)
		return rc;
	if (hz != NULL)
		r53_bare_id(hz, "/hostedzone/", bare, sizeof(bare));
	reversed_key(dns != NULL ? dns : "", start.key, sizeof(start.key));
	snprintf(start.id, sizeof(start.id), "%s", bare);

	rc = sqlite3_prepare_v2(db, "SELECT id, name FROM r53_zones", -1, &q, NULL);
	if (rc != SQLITE_OK)
		return r53_db_fail(call, db, rc);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (n == cap) {
			struct zone_key *z = realloc(zones, (cap ? cap * 2 : 64) * sizeof(*z));
			if (z == NULL) {
				rc = SQLITE_NOMEM;
				break;
			}
			zones = z;
			cap = cap ? cap * 2 : 64;
		}
		snprintf(zones[n].id, sizeof(zones[n].id), "%s",
			 (const char *)sqlite3_column_text(q, 0));
		reversed_key((const char *)sqlite3_column_text(q, 1), zones[n].key,
			     sizeof(zones[n].key));
		n++;
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		free(zones);
		return r53_db_fail(call, db, rc);
	}
	if (n > 0)
		qsort(zones, n, sizeof(*zones), key_cmp);
	for (i = 0; i < n && key_cmp(&zones[i], &start) < 0; i++)
		;
	list = json_array();
	call->result = json_object();
	for (long got = 0; i < n && got < max; i++, got++)
		json_array_append_new(list, r53_hosted_zone_json(db, zones[i].id));
	json_object_set_new(call->result, "HostedZones", list);
	if (dns != NULL)
		json_object_set_new(call->result, "DNSName", json_string(dns));
	if (hz != NULL)
		json_object_set_new(call->result, "HostedZoneId", json_string(hz));
	json_object_set_new(call->result, "IsTruncated", json_boolean(i < n));
	if (i < n) {
		json_t *next = r53_hosted_zone_json(db, zones[i].id);
		json_object_set(call->result, "NextDNSName", json_object_get(next, "Name"));
		json_object_set_new(call->result, "NextHostedZoneId", json_string(zones[i].id));
		json_decref(next);
	}
	json_object_set_new(call->result, "MaxItems", json_string(echo));
	free(zones);
	return 0;
}

int r53_cmd_get_zone_count(struct ctl_call *call)
{
	sqlite3 *db = store_db(env_of(call)->store);
	sqlite3_stmt *q;
	int rc = ctl_call_no_args(call, NULL);

	if (rc < 0)
		return rc;
	rc = sqlite3_prepare_v2(db, "SELECT count(*) FROM r53_zones", -1, &q, NULL);
	if (rc != SQLITE_OK)
		return r53_db_fail(call, db, rc);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		call->result =
		    json_pack("{s:I}", "HostedZoneCount", (json_int_t)sqlite3_column_int64(q, 0));
	sqlite3_finalize(q);
	return rc == SQLITE_ROW ? 0 : r53_db_fail(call, db, rc);
}
