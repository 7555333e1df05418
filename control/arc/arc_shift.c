/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Availability zones of record targets and zonal shifts: a shift of a hosted
 * zone away from an availability zone is one live-state word per (hosted
 * zone, availability zone), which the zones compiler gave every record set
 * whose target lies in that availability zone.
 */
#include "arc_pvt.h"

#include "store.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool prefix_ok(const char *text)
{
	char addr[64];
	const char *slash = strchr(text, '/');
	unsigned char buf[16];
	char *end;
	long len;
	int family;

	if (slash == NULL || (size_t)(slash - text) >= sizeof(addr))
		return false;
	memcpy(addr, text, (size_t)(slash - text));
	addr[slash - text] = '\0';
	if (inet_pton(AF_INET, addr, buf) == 1)
		family = 32;
	else if (inet_pton(AF_INET6, addr, buf) == 1)
		family = 128;
	else
		return false;
	len = strtol(slash + 1, &end, 10);
	return slash[1] != '\0' && *end == '\0' && len >= 0 && len <= family;
}

int arc_cmd_put_zones(struct ctl_call *call)
{
	struct popd_env *env = env_of(call);
	sqlite3 *db = store_db(env->store);
	const json_t *zones = json_object_get(call->args, "AvailabilityZones"), *z, *p;
	size_t i, j;
	int rc;

	if ((rc = arc_allowed(call, "AvailabilityZones")) < 0)
		return rc;
	if (!json_is_array(zones) || json_array_size(zones) > ARC_MAX_ZONES)
		return ctl_call_fail(call, -EINVAL, "ValidationException",
				     "AvailabilityZones: a list of at most %d {Name, Prefixes}",
				     ARC_MAX_ZONES);
	if ((rc = store_exec(env->store, "DELETE FROM az_prefixes")) < 0)
		return arc_db_fail(call, db, SQLITE_ERROR);
	json_array_foreach(zones, i, z)
	{
		const char *name = json_string_value(json_object_get(z, "Name"));
		const json_t *prefixes = json_object_get(z, "Prefixes");

		if (name == NULL || name[0] == '\0' || strlen(name) > 20 ||
		    !json_is_array(prefixes) || json_array_size(prefixes) == 0 ||
		    json_array_size(prefixes) > ARC_MAX_PREFIXES)
			return ctl_call_fail(call, -EINVAL, "ValidationException",
					     "AvailabilityZones[%zu]: needs Name (1 to 20 "
					     "characters) and Prefixes (1 to %d CIDR blocks)",
					     i, ARC_MAX_PREFIXES);
		json_array_foreach(prefixes, j, p)
		{
			sqlite3_stmt *q;
			const char *text = json_string_value(p);

			if (text == NULL || !prefix_ok(text))
				return ctl_call_fail(call, -EINVAL, "ValidationException",
						     "AvailabilityZones[%zu].Prefixes[%zu] is not "
						     "a CIDR block",
						     i, j);
			rc = sqlite3_prepare_v2(
			    db, "INSERT OR IGNORE INTO az_prefixes (az, prefix) VALUES (?, ?)", -1,
			    &q, NULL);
			if (rc != SQLITE_OK)
				return arc_db_fail(call, db, rc);
			sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
			sqlite3_bind_text(q, 2, text, -1, SQLITE_STATIC);
			rc = sqlite3_step(q);
			sqlite3_finalize(q);
			if (rc != SQLITE_DONE)
				return arc_db_fail(call, db, rc);
		}
	}
	/* Record sets get (or lose) their zone in the next zones table. */
	store_mark_dirty(env->store, TABLES_KIND_ZONES);
	call->result = json_object();
	return 0;
}

int arc_cmd_list_zones(struct ctl_call *call)
{
	sqlite3 *db = store_db(env_of(call)->store);
	json_t *list = json_array(), *cur = NULL;
	char name[32] = "";
	sqlite3_stmt *q;
	int rc;

	if ((rc = arc_allowed(call, NULL)) < 0)
		return rc;
	rc = sqlite3_prepare_v2(db, "SELECT az, prefix FROM az_prefixes ORDER BY az, prefix", -1,
				&q, NULL);
	if (rc != SQLITE_OK)
		return arc_db_fail(call, db, rc);
	while (sqlite3_step(q) == SQLITE_ROW) {
		const char *az = (const char *)sqlite3_column_text(q, 0);
		if (cur == NULL || strcmp(az, name) != 0) {
			snprintf(name, sizeof(name), "%s", az);
			cur = json_array();
			json_array_append_new(list,
					      json_pack("{s:s, s:o}", "Name", az, "Prefixes", cur));
		}
		json_array_append_new(cur, json_string((const char *)sqlite3_column_text(q, 1)));
	}
	sqlite3_finalize(q);
	call->result = json_pack("{s:o}", "AvailabilityZones", list);
	return 0;
}

/* A resourceIdentifier to a stored hosted zone's bare id. */
static int resource_zone(struct ctl_call *call, const char *resource, char *zone, size_t len)
{
	sqlite3 *db = store_db(env_of(call)->store);
	const char *slash = strrchr(resource, '/');
	sqlite3_stmt *q;
	int rc;

	snprintf(zone, len, "%s", slash != NULL ? slash + 1 : resource);
	rc = sqlite3_prepare_v2(db, "SELECT 1 FROM r53_zones WHERE id = ?", -1, &q, NULL);
	if (rc != SQLITE_OK)
		return arc_db_fail(call, db, rc);
	sqlite3_bind_text(q, 1, zone, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_ROW)
		return ctl_call_fail(call, -ENOENT, "ResourceNotFoundException",
				     "%s is not a managed resource (a hosted zone: "
				     "arn:aws:route53:::hostedzone/ID)",
				     resource);
	return 0;
}

static json_t *shift_json(sqlite3_stmt *q)
{
	char start[48], expiry[48];
	const char *zone = (const char *)sqlite3_column_text(q, 1);
	char arn[128];

	arc_time_text(sqlite3_column_int64(q, 3), start, sizeof(start));
	arc_time_text(sqlite3_column_int64(q, 4), expiry, sizeof(expiry));
	snprintf(arn, sizeof(arn), "arn:aws:route53:::hostedzone/%s", zone);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "zonalShiftId",
			 (const char *)sqlite3_column_text(q, 0), "resourceIdentifier", arn,
			 "awayFrom", (const char *)sqlite3_column_text(q, 2), "startTime", start,
			 "expiryTime", expiry, "comment", (const char *)sqlite3_column_text(q, 5),
			 "status", (const char *)sqlite3_column_text(q, 6));
}

#define SHIFT_COLUMNS "id, zone_id, away, start_ms, expiry_ms, comment, status"

static int shift_result(struct ctl_call *call, const char *id)
{
	sqlite3 *db = store_db(env_of(call)->store);
	sqlite3_stmt *q;
	int rc = sqlite3_prepare_v2(db, "SELECT " SHIFT_COLUMNS " FROM arc_shifts WHERE id = ?", -1,
				    &q, NULL);

	if (rc != SQLITE_OK)
		return arc_db_fail(call, db, rc);
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(q) != SQLITE_ROW) {
		sqlite3_finalize(q);
		return ctl_call_fail(call, -ENOENT, "ResourceNotFoundException",
				     "No zonal shift has the id %s", id);
	}
	call->result = shift_json(q);
	sqlite3_finalize(q);
	return call->result != NULL ? 0 : -ENOMEM;
}

int arc_cmd_start_shift(struct ctl_call *call)
{
	struct popd_env *env = env_of(call);
	sqlite3 *db = store_db(env->store);
	const char *resource, *away, *expires, *comment;
	char zone[64], id[40];
	int64_t seconds, now = arc_now_ms();
	sqlite3_stmt *q;
	int rc;

	if ((rc = arc_allowed(call, "resourceIdentifier,awayFrom,expiresIn,comment")) < 0 ||
	    (rc = arc_str(call, "resourceIdentifier", true, 8, 1024, &resource)) < 0 ||
	    (rc = arc_str(call, "awayFrom", true, 0, 20, &away)) < 0 ||
	    (rc = arc_str(call, "expiresIn", true, 2, 8, &expires)) < 0 ||
	    (rc = arc_str(call, "comment", true, 0, 128, &comment)) < 0)
		return rc;
	if (arc_expires_in_parse(expires, &seconds) < 0)
		return ctl_call_fail(call, -EINVAL, "ValidationException",
				     "expiresIn %s: a whole number and m (minutes) or h (hours), "
				     "or s (seconds, appliance); at most 3 days",
				     expires);
	if ((rc = resource_zone(call, resource, zone, sizeof(zone))) < 0)
		return rc;
	rc = sqlite3_prepare_v2(db, "SELECT 1 FROM az_prefixes WHERE az = ?", -1, &q, NULL);
	if (rc != SQLITE_OK)
		return arc_db_fail(call, db, rc);
	sqlite3_bind_text(q, 1, away, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_ROW)
		return ctl_call_fail(call, -EINVAL, "ValidationException",
				     "awayFrom %s is not an availability zone of this appliance "
				     "(arc put-availability-zones)",
				     away);
	rc = sqlite3_prepare_v2(db,
				"SELECT id FROM arc_shifts WHERE zone_id = ? AND status = 'ACTIVE' "
				"AND expiry_ms > ?",
				-1, &q, NULL);
	if (rc != SQLITE_OK)
		return arc_db_fail(call, db, rc);
	sqlite3_bind_text(q, 1, zone, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, now);
	if (sqlite3_step(q) == SQLITE_ROW) {
		ctl_call_fail(call, -EBUSY, "ConflictException",
			      "The resource already has an active zonal shift (%s)",
			      (const char *)sqlite3_column_text(q, 0));
		sqlite3_finalize(q);
		return -EBUSY;
	}
	sqlite3_finalize(q);
	/* The word the shift writes: made now if no record set is in that zone yet. */
	rc = sqlite3_prepare_v2(
	    db,
	    "INSERT OR IGNORE INTO zonal_slots (zone_id, az, slot) SELECT ?1, ?2, "
	    "COALESCE(MAX(slot) + 1, 0) FROM zonal_slots",
	    -1, &q, NULL);
	if (rc != SQLITE_OK)
		return arc_db_fail(call, db, rc);
	sqlite3_bind_text(q, 1, zone, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, away, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return arc_db_fail(call, db, rc);
	store_new_id("", id, 37);
	for (char *c = id; *c != '\0'; c++)
		*c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
	rc = sqlite3_prepare_v2(db,
				"INSERT INTO arc_shifts (id, zone_id, away, start_ms, expiry_ms, "
				"comment, status) VALUES (?, ?, ?, ?, ?, ?, 'ACTIVE')",
				-1, &q, NULL);
	if (rc != SQLITE_OK)
		return arc_db_fail(call, db, rc);
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, zone, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, away, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 4, now);
	sqlite3_bind_int64(q, 5, now + seconds * 1000);
	sqlite3_bind_text(q, 6, comment, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return arc_db_fail(call, db, rc);
	return shift_result(call, id);
}

static int active_shift(struct ctl_call *call, const char **id)
{
	sqlite3 *db = store_db(env_of(call)->store);
	sqlite3_stmt *q;
	int rc;

	if ((rc = arc_str(call, "zonalShiftId", true, 6, 36, id)) < 0)
		return rc;
	rc = sqlite3_prepare_v2(db, "SELECT status, expiry_ms FROM arc_shifts WHERE id = ?", -1, &q,
				NULL);
	if (rc != SQLITE_OK)
		return arc_db_fail(call, db, rc);
	sqlite3_bind_text(q, 1, *id, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(q);
		return ctl_call_fail(call, -ENOENT, "ResourceNotFoundException",
				     "No zonal shift has the id %s", *id);
	}
	if (strcmp((const char *)sqlite3_column_text(q, 0), "ACTIVE") != 0 ||
	    sqlite3_column_int64(q, 1) <= arc_now_ms()) {
		sqlite3_finalize(q);
		return ctl_call_fail(call, -EBUSY, "ConflictException",
				     "The zonal shift %s is no longer active", *id);
	}
	sqlite3_finalize(q);
	return 0;
}

int arc_cmd_update_shift(struct ctl_call *call)
{
	sqlite3 *db = store_db(env_of(call)->store);
	const char *id, *expires = NULL, *comment = NULL;
	int64_t seconds = 0;
	sqlite3_stmt *q;
	int rc;

	if ((rc = arc_allowed(call, "zonalShiftId,expiresIn,comment")) < 0 ||
	    (rc = active_shift(call, &id)) < 0 ||
	    (rc = arc_str(call, "expiresIn", false, 2, 8, &expires)) < 0 ||
	    (rc = arc_str(call, "comment", false, 0, 128, &comment)) < 0)
		return rc;
	if (expires != NULL && arc_expires_in_parse(expires, &seconds) < 0)
		return ctl_call_fail(call, -EINVAL, "ValidationException",
				     "expiresIn %s: a whole number and m, h or s; at most 3 days",
				     expires);
	rc = sqlite3_prepare_v2(db,
				"UPDATE arc_shifts SET expiry_ms = CASE WHEN ?1 > 0 THEN ?2 ELSE "
				"expiry_ms END, comment = COALESCE(?3, comment) WHERE id = ?4",
				-1, &q, NULL);
	if (rc != SQLITE_OK)
		return arc_db_fail(call, db, rc);
	sqlite3_bind_int64(q, 1, seconds);
	sqlite3_bind_int64(q, 2, arc_now_ms() + seconds * 1000);
	if (comment != NULL)
		sqlite3_bind_text(q, 3, comment, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return arc_db_fail(call, db, rc);
	return shift_result(call, id);
}

int arc_cmd_cancel_shift(struct ctl_call *call)
{
	sqlite3 *db = store_db(env_of(call)->store);
	const char *id;
	sqlite3_stmt *q;
	int rc;

	if ((rc = arc_allowed(call, "zonalShiftId")) < 0 || (rc = active_shift(call, &id)) < 0)
		return rc;
	rc = sqlite3_prepare_v2(db, "UPDATE arc_shifts SET status = 'CANCELED' WHERE id = ?", -1,
				&q, NULL);
	if (rc != SQLITE_OK)
		return arc_db_fail(call, db, rc);
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return arc_db_fail(call, db, rc);
	return shift_result(call, id);
}

int arc_cmd_get_shift(struct ctl_call *call)
{
	const char *id;
	int rc;

	if ((rc = arc_allowed(call, "zonalShiftId")) < 0 ||
	    (rc = arc_str(call, "zonalShiftId", true, 1, 36, &id)) < 0)
		return rc;
	arc_expire(env_of(call));
	return shift_result(call, id);
}

/* Newest first; a page token holds the start time and id of the last shift given. */
int arc_cmd_list_shifts(struct ctl_call *call)
{
	sqlite3 *db = store_db(env_of(call)->store);
	const char *status = NULL;
	struct arc_page pg;
	long long after_ms = 0;
	char start[24], *end = NULL;
	json_t *items;
	sqlite3_stmt *q;
	int rc;

	if ((rc = arc_allowed(call, "status,maxResults,nextToken")) < 0 ||
	    (rc = arc_str(call, "status", false, 1, 16, &status)) < 0 ||
	    (rc = arc_page_args(call, "maxResults", "nextToken", ARC_SHIFT_PAGE_MAX, false, "zs",
				&pg)) < 0)
		return rc;
	if (pg.after) {
		after_ms = strtoll(pg.key1, &end, 10);
		if (*end != '\0' || after_ms < 0 || pg.key2[0] == '\0')
			return ctl_call_fail(call, -EINVAL, "ValidationException",
					     "nextToken is not a token this pop gave for this list "
					     "(InvalidToken)");
	}
	arc_expire(env_of(call));
	if (status != NULL && strcmp(status, "ACTIVE") != 0 && strcmp(status, "EXPIRED") != 0 &&
	    strcmp(status, "CANCELED") != 0)
		return ctl_call_fail(call, -EINVAL, "ValidationException",
				     "status must be ACTIVE, EXPIRED or CANCELED (InvalidStatus)");
	rc = sqlite3_prepare_v2(db,
				"SELECT " SHIFT_COLUMNS " FROM arc_shifts WHERE (?1 IS NULL OR "
				"status = ?1) AND (?2 IS NULL OR (start_ms, id) < (?2, ?3)) ORDER "
				"BY start_ms DESC, id DESC LIMIT ?4",
				-1, &q, NULL);
	if (rc != SQLITE_OK)
		return arc_db_fail(call, db, rc);
	if (status != NULL)
		sqlite3_bind_text(q, 1, status, -1, SQLITE_STATIC);
	if (pg.after) {
		sqlite3_bind_int64(q, 2, after_ms);
		sqlite3_bind_text(q, 3, pg.key2, -1, SQLITE_STATIC);
	}
	sqlite3_bind_int64(q, 4, pg.limit + 1);
	items = json_array();
	call->result = json_pack("{s:o}", "items", items);
	rc = 0;
	while (rc == 0 && sqlite3_step(q) == SQLITE_ROW) {
		if ((long)json_array_size(items) == pg.limit) {
			json_t *last = json_array_get(items, json_array_size(items) - 1);
			rc =
			    arc_page_next(call, &pg, "nextToken", start,
					  json_string_value(json_object_get(last, "zonalShiftId")));
			break;
		}
		snprintf(start, sizeof(start), "%lld", (long long)sqlite3_column_int64(q, 3));
		json_array_append_new(items, shift_json(q));
	}
	sqlite3_finalize(q);
	return call->result != NULL ? rc : -ENOMEM;
}

/* The availability zones of a managed resource: every zone the appliance maps (a hosted zone's
 * targets may lie in any). */
static json_t *zones_all(sqlite3 *db)
{
	json_t *list = json_array();
	sqlite3_stmt *q;

	if (sqlite3_prepare_v2(db, "SELECT DISTINCT az FROM az_prefixes ORDER BY az", -1, &q,
			       NULL) != SQLITE_OK)
		return list;
	while (sqlite3_step(q) == SQLITE_ROW)
		json_array_append_new(list, json_string((const char *)sqlite3_column_text(q, 0)));
	sqlite3_finalize(q);
	return list;
}

int arc_cmd_list_resources(struct ctl_call *call)
{
	sqlite3 *db = store_db(env_of(call)->store);
	struct arc_page pg;
	char last[ARC_TOKEN_KEY_MAX + 1] = "";
	json_t *items;
	sqlite3_stmt *q;
	int rc;

	if ((rc = arc_allowed(call, "maxResults,nextToken")) < 0 ||
	    (rc = arc_page_args(call, "maxResults", "nextToken", ARC_SHIFT_PAGE_MAX, false, "mr",
				&pg)) < 0)
		return rc;
	rc = sqlite3_prepare_v2(db,
				"SELECT id, name FROM r53_zones WHERE ?1 IS NULL OR id > ?1 ORDER "
				"BY id LIMIT ?2",
				-1, &q, NULL);
	if (rc != SQLITE_OK)
		return arc_db_fail(call, db, rc);
	if (pg.after)
		sqlite3_bind_text(q, 1, pg.key1, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, pg.limit + 1);
	items = json_array();
	call->result = json_pack("{s:o}", "items", items);
	while (sqlite3_step(q) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(q, 0);
		if ((long)json_array_size(items) == pg.limit) {
			rc = arc_page_next(call, &pg, "nextToken", last, NULL);
			break;
		}
		snprintf(last, sizeof(last), "%s", id);
		json_array_append_new(items, json_pack("{s:s+, s:s, s:o}", "arn",
						       "arn:aws:route53:::hostedzone/", id, "name",
						       (const char *)sqlite3_column_text(q, 1),
						       "availabilityZones", zones_all(db)));
	}
	sqlite3_finalize(q);
	return call->result != NULL ? rc : -ENOMEM;
}

int arc_cmd_get_resource(struct ctl_call *call)
{
	sqlite3 *db = store_db(env_of(call)->store);
	const char *resource;
	char zone[64];
	json_t *shifts, *weights;
	sqlite3_stmt *q;
	int rc;

	if ((rc = arc_allowed(call, "resourceIdentifier")) < 0 ||
	    (rc = arc_str(call, "resourceIdentifier", true, 8, 1024, &resource)) < 0 ||
	    (rc = resource_zone(call, resource, zone, sizeof(zone))) < 0)
		return rc;
	arc_expire(env_of(call));
	rc = sqlite3_prepare_v2(db,
				"SELECT " SHIFT_COLUMNS " FROM arc_shifts WHERE zone_id = ? AND "
				"status = 'ACTIVE' ORDER BY start_ms",
				-1, &q, NULL);
	if (rc != SQLITE_OK)
		return arc_db_fail(call, db, rc);
	sqlite3_bind_text(q, 1, zone, -1, SQLITE_STATIC);
	shifts = json_array();
	weights = json_object();
	{
		json_t *all = zones_all(db), *v;
		size_t i;
		json_array_foreach(all, i, v)
		    json_object_set_new(weights, json_string_value(v), json_real(1.0));
		json_decref(all);
	}
	while (sqlite3_step(q) == SQLITE_ROW) {
		json_t *s = shift_json(q);
		json_object_del(s, "status");
		json_object_set_new(s, "appliedStatus", json_string("APPLIED"));
		json_object_set_new(weights, json_string_value(json_object_get(s, "awayFrom")),
				    json_real(0.0));
		json_array_append_new(shifts, s);
	}
	sqlite3_finalize(q);
	call->result =
	    json_pack("{s:s+, s:s, s:o, s:o}", "arn", "arn:aws:route53:::hostedzone/", zone, "name",
		      zone, "appliedWeights", weights, "zonalShifts", shifts);
	return call->result != NULL ? 0 : -ENOMEM;
}

void arc_apply_shifts(struct popd_env *env, int64_t now_ms)
{
	sqlite3 *db = store_db(env->store);
	sqlite3_stmt *q;

	if (env->live == NULL ||
	    sqlite3_prepare_v2(
		db,
		"SELECT z.slot, EXISTS (SELECT 1 FROM arc_shifts s WHERE s.zone_id = "
		"z.zone_id AND s.away = z.az AND s.status = 'ACTIVE' AND s.expiry_ms "
		"> ?) FROM zonal_slots z",
		-1, &q, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(q, 1, now_ms);
	while (sqlite3_step(q) == SQLITE_ROW) {
		uint32_t slot = (uint32_t)sqlite3_column_int64(q, 0);
		uint32_t v = (uint32_t)sqlite3_column_int(q, 1);
		if (tables_live_get(env->live, TABLES_LIVE_ZONAL_SHIFT, slot) != v) {
			tables_live_set(env->live, TABLES_LIVE_ZONAL_SHIFT, slot, v);
			ARC_LOG(NOTICE, "zonal-shift word %u: %s", slot, v ? "shifted away" : "in");
		}
	}
	sqlite3_finalize(q);
}

void arc_expire(struct popd_env *env)
{
	sqlite3_stmt *q;

	if (store_depth(env->store) > 0)
		return; /* inside a command: arc_apply follows its commit */
	if (sqlite3_prepare_v2(store_db(env->store),
			       "UPDATE arc_shifts SET status = 'EXPIRED' WHERE status = 'ACTIVE' "
			       "AND expiry_ms <= ?",
			       -1, &q, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(q, 1, arc_now_ms());
	sqlite3_step(q);
	sqlite3_finalize(q);
}

int64_t arc_next_expiry(struct popd_env *env)
{
	sqlite3_stmt *q;
	int64_t next = -1;

	if (sqlite3_prepare_v2(store_db(env->store),
			       "SELECT MIN(expiry_ms) FROM arc_shifts WHERE status = 'ACTIVE'", -1,
			       &q, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL)
		next = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return next;
}
