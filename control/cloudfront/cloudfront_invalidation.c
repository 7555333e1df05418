/* SPDX-License-Identifier: BSD-3-Clause */
/* Invalidations: create, get, list. */
#include "cloudfront_pvt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int dist_exists(struct ctl_call *call, const char *id)
{
	long long n = 0;
	int rc = cf_sql_count(env_of(call), &n,
			      "SELECT count(*) FROM cf_distributions WHERE id = ?", "s", id);

	if (rc < 0)
		return ctl_call_fail(call, rc, "InternalFailure", "store: %s", pop_strerror(rc));
	if (n == 0)
		return ctl_call_fail(call, -ENOENT, "NoSuchDistribution",
				     "no distribution has the id %.64s", id);
	return 0;
}

static const char *status(struct popd_env *env, const char *change_id)
{
	return env_change_in_sync(env, change_id) == 1 ? "Completed" : "InProgress";
}

/* {Id, Status, CreateTime, InvalidationBatch} from a row (id, caller_ref, paths, time, change). */
static json_t *invalidation_json(struct popd_env *env, sqlite3_stmt *q)
{
	json_t *paths = json_loads(cf_col(q, 2), 0, NULL);
	json_t *inv;

	if (paths == NULL)
		return NULL;
	inv = json_pack("{s:s, s:s, s:s, s:{s:{s:I, s:o}, s:s}}", "Id", cf_col(q, 0), "Status",
			status(env, cf_col(q, 4)), "CreateTime", cf_col(q, 3), "InvalidationBatch",
			"Paths", "Quantity", (json_int_t)json_array_size(paths), "Items", paths,
			"CallerReference", cf_col(q, 1));
	return inv;
}

#define INV_COLUMNS "id, caller_reference, paths, create_time, change_id"

/* Paths of this distribution's invalidations still in progress, and how many end in '*'. */
static int in_progress(struct popd_env *env, const char *dist_id, size_t *paths, size_t *wild)
{
	sqlite3_stmt *q = cf_sql_query(
	    env, "SELECT paths, change_id FROM cf_invalidations WHERE distribution_id = ?", "s",
	    dist_id);

	*paths = *wild = 0;
	if (q == NULL)
		return -EIO;
	while (sqlite3_step(q) == SQLITE_ROW) {
		json_t *items, *p;
		size_t i;
		if (env_change_in_sync(env, cf_col(q, 1)) == 1)
			continue;
		items = json_loads(cf_col(q, 0), 0, NULL);
		json_array_foreach(items, i, p)
		{
			const char *s = json_string_value(p);
			(*paths)++;
			if (s != NULL && *s != '\0' && s[strlen(s) - 1] == '*')
				(*wild)++;
		}
		json_decref(items);
	}
	sqlite3_finalize(q);
	return 0;
}

int cf_cmd_create_invalidation(struct ctl_call *call)
{
	static const char *const allowed[] = {"DistributionId", "InvalidationBatch", NULL};
	struct popd_env *env = env_of(call);
	const json_t *batch, *items, *p;
	const char *dist_id, *ref;
	char id[16], change[16], now[40], location[160], *text = NULL;
	size_t busy = 0, busy_wild = 0, wild = 0, i;
	struct ctl_error err;
	struct cf_check c;
	sqlite3_stmt *q;
	int rc;

	rc = cf_args_only(call, allowed);
	if (rc < 0)
		return rc;
	dist_id = cf_arg_string(call, "DistributionId", true, &rc);
	if (rc < 0)
		return rc;
	batch = json_object_get(call->args, "InvalidationBatch");
	if (batch == NULL || json_is_null(batch))
		return ctl_call_fail(call, -EINVAL, "MissingBody", "InvalidationBatch is required");
	rc = dist_exists(call, dist_id);
	if (rc < 0)
		return rc;
	cf_check_init(&c, env, &err, "InvalidationBatch");
	rc = cf_check_invalidation_batch(&c, batch);
	if (rc < 0)
		return cf_call_fail_check(call, rc, &err);
	items = cf_items(json_object_get(batch, "Paths"), NULL);
	ref = cf_str(batch, "CallerReference", "");
	/* The same CallerReference with the same paths is the same request: answer it again. */
	q = cf_sql_query(env,
			 "SELECT " INV_COLUMNS " FROM cf_invalidations WHERE distribution_id = ? "
			 "AND caller_reference = ?",
			 "ss", dist_id, ref);
	if (q == NULL)
		return ctl_call_fail(call, -EIO, "InternalFailure", "store error");
	if (sqlite3_step(q) == SQLITE_ROW) {
		json_t *old = json_loads(cf_col(q, 2), 0, NULL);
		bool same = old != NULL && json_equal(old, (json_t *)items);
		json_decref(old);
		if (!same) {
			sqlite3_finalize(q);
			return ctl_call_fail(
			    call, -EEXIST, "InvalidArgument",
			    "InvalidationBatch.CallerReference: %.128s was already "
			    "used for other paths; nothing was changed",
			    ref);
		}
		snprintf(
		    location, sizeof(location),
		    "https://cloudfront.amazonaws.com/2020-05-31/distribution/%s/invalidation/%s",
		    dist_id, cf_col(q, 0));
		call->result = json_pack("{s:s, s:o*}", "Location", location, "Invalidation",
					 invalidation_json(env, q));
		sqlite3_finalize(q);
		return call->result != NULL
			   ? 0
			   : ctl_call_fail(call, -ENOMEM, "InternalFailure", "OOM");
	}
	sqlite3_finalize(q);
	json_array_foreach(items, i, p)
	{
		const char *s = json_string_value(p);
		wild += s[strlen(s) - 1] == '*';
	}
	rc = in_progress(env, dist_id, &busy, &busy_wild);
	if (rc < 0)
		return ctl_call_fail(call, rc, "InternalFailure", "store: %s", pop_strerror(rc));
	if (busy + json_array_size(items) > CF_MAX_INVALIDATION_PATHS)
		return ctl_call_fail(call, -POP_ELIMIT, "TooManyInvalidationsInProgress",
				     "%zu paths are being invalidated and %zu more were asked; at "
				     "most %d may be in progress; nothing was changed",
				     busy, json_array_size(items), CF_MAX_INVALIDATION_PATHS);
	if (wild > 0 && busy_wild + wild > CF_MAX_WILDCARD_INVALIDATIONS)
		return ctl_call_fail(call, -POP_ELIMIT, "TooManyInvalidationsInProgress",
				     "%zu wildcard paths are being invalidated and %zu more were "
				     "asked; at most %d may be in progress; nothing was changed",
				     busy_wild, wild, CF_MAX_WILDCARD_INVALIDATIONS);
	store_new_id("I", id, 15);
	env_now_rfc3339(now, sizeof(now));
	rc = cf_change(env, 1u << TABLES_KIND_INVALIDATIONS, NULL, change);
	if (rc == 0) {
		text = json_dumps(items, JSON_COMPACT);
		rc = text != NULL ? 0 : -ENOMEM;
	}
	if (rc == 0)
		rc = cf_sql_exec(
		    env,
		    "INSERT INTO cf_invalidations (id, distribution_id, seq, "
		    "caller_reference, paths, create_time, change_id) VALUES (?, ?, "
		    "(SELECT coalesce(max(seq), 0) + 1 FROM cf_invalidations), ?, ?, ?, "
		    "?)",
		    "ssssss", id, dist_id, ref, text, now, change);
	free(text);
	if (rc < 0)
		return ctl_call_fail(call, rc, "InternalFailure", "store: %s", pop_strerror(rc));
	q = cf_sql_query(env, "SELECT " INV_COLUMNS " FROM cf_invalidations WHERE id = ?", "s", id);
	if (q != NULL && sqlite3_step(q) == SQLITE_ROW) {
		snprintf(
		    location, sizeof(location),
		    "https://cloudfront.amazonaws.com/2020-05-31/distribution/%s/invalidation/%s",
		    dist_id, id);
		call->result = json_pack("{s:s, s:o*}", "Location", location, "Invalidation",
					 invalidation_json(env, q));
	}
	sqlite3_finalize(q);
	return call->result != NULL ? 0 : ctl_call_fail(call, -EIO, "InternalFailure", "store");
}

int cf_cmd_get_invalidation(struct ctl_call *call)
{
	static const char *const allowed[] = {"DistributionId", "Id", NULL};
	struct popd_env *env = env_of(call);
	const char *dist_id, *id;
	sqlite3_stmt *q;
	int rc;

	rc = cf_args_only(call, allowed);
	if (rc < 0)
		return rc;
	dist_id = cf_arg_string(call, "DistributionId", true, &rc);
	if (rc < 0)
		return rc;
	id = cf_arg_string(call, "Id", true, &rc);
	if (rc < 0)
		return rc;
	rc = dist_exists(call, dist_id);
	if (rc < 0)
		return rc;
	q = cf_sql_query(env,
			 "SELECT " INV_COLUMNS " FROM cf_invalidations WHERE distribution_id = ? "
			 "AND id = ?",
			 "ss", dist_id, id);
	if (q == NULL)
		return ctl_call_fail(call, -EIO, "InternalFailure", "store error");
	if (sqlite3_step(q) != SQLITE_ROW) {
		sqlite3_finalize(q);
		return ctl_call_fail(call, -ENOENT, "NoSuchInvalidation",
				     "distribution %s has no invalidation %.64s", dist_id, id);
	}
	call->result = json_pack("{s:o*}", "Invalidation", invalidation_json(env, q));
	sqlite3_finalize(q);
	return call->result != NULL ? 0 : ctl_call_fail(call, -ENOMEM, "InternalFailure", "OOM");
}

int cf_cmd_list_invalidations(struct ctl_call *call)
{
	static const char *const allowed[] = {"DistributionId", "Marker", "MaxItems", NULL};
	struct popd_env *env = env_of(call);
	const char *dist_id, *marker;
	long long max_items, before = INT64_MAX;
	bool truncated = false;
	json_t *items, *list;
	char last[32] = "";
	sqlite3_stmt *q;
	int rc;

	rc = cf_args_only(call, allowed);
	if (rc < 0)
		return rc;
	dist_id = cf_arg_string(call, "DistributionId", true, &rc);
	if (rc < 0)
		return rc;
	rc = cf_arg_max_items(call, &max_items);
	if (rc < 0)
		return rc;
	marker = cf_arg_string(call, "Marker", false, &rc);
	if (rc < 0)
		return rc;
	rc = dist_exists(call, dist_id);
	if (rc < 0)
		return rc;
	if (marker != NULL &&
	    cf_sql_count(env, &before,
			 "SELECT seq FROM cf_invalidations WHERE distribution_id = ? AND id = ?",
			 "ss", dist_id, marker) < 0)
		return ctl_call_fail(call, -EINVAL, "InvalidArgument",
				     "Marker %.64s is not a NextMarker this pop gave", marker);
	items = json_array();
	/* Newest first, as CloudFront lists them. */
	q = cf_sql_query(env,
			 "SELECT id, create_time, change_id FROM cf_invalidations WHERE "
			 "distribution_id = ? AND seq < ? ORDER BY seq DESC",
			 "si", dist_id, before);
	if (items == NULL || q == NULL) {
		json_decref(items);
		sqlite3_finalize(q);
		return ctl_call_fail(call, -EIO, "InternalFailure", "store error");
	}
	while (sqlite3_step(q) == SQLITE_ROW) {
		if ((long long)json_array_size(items) >= max_items) {
			truncated = true;
			break;
		}
		json_array_append_new(items,
				      json_pack("{s:s, s:s, s:s}", "Id", cf_col(q, 0), "CreateTime",
						cf_col(q, 1), "Status", status(env, cf_col(q, 2))));
		snprintf(last, sizeof(last), "%s", cf_col(q, 0));
	}
	sqlite3_finalize(q);
	list = json_pack("{s:s, s:I, s:b, s:I}", "Marker", marker != NULL ? marker : "", "MaxItems",
			 (json_int_t)max_items, "IsTruncated", truncated, "Quantity",
			 (json_int_t)json_array_size(items));
	if (list == NULL) {
		json_decref(items);
		return ctl_call_fail(call, -ENOMEM, "InternalFailure", "out of memory");
	}
	if (truncated)
		json_object_set_new(list, "NextMarker", json_string(last));
	if (json_array_size(items) > 0)
		json_object_set_new(list, "Items", items);
	else
		json_decref(items);
	call->result = json_pack("{s:o}", "InvalidationList", list);
	return call->result != NULL ? 0 : ctl_call_fail(call, -ENOMEM, "InternalFailure", "OOM");
}
