/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Cache, origin request and response headers policies: one set of handlers
 * for the three kinds, which differ only in names and in their config check.
 */
#include "cloudfront_pvt.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

typedef int (*policy_check_fn)(struct cf_check *c, const json_t *cfg);
typedef json_t *(*policy_normalize_fn)(const json_t *cfg);

static const policy_check_fn policy_check[CF_POLICY_KIND_MAX] = {
    cf_check_cache_policy, cf_check_origin_request_policy, cf_check_response_headers_policy};
static const policy_normalize_fn policy_normalize[CF_POLICY_KIND_MAX] = {
    cf_normalize_cache_policy, cf_normalize_origin_request_policy,
    cf_normalize_response_headers_policy};

int cf_policy_exists(struct popd_env *env, enum cf_policy_kind kind, const char *id)
{
	long long n = 0;
	int rc;

	if (cf_managed_find(kind, id) != NULL)
		return 1;
	rc = cf_sql_count(env, &n, "SELECT count(*) FROM cf_policies WHERE kind = ? AND id = ?",
			  "ss", cf_policy_names[kind].kind, id);
	return rc < 0 ? rc : n > 0;
}

/* A policy as the API shows it: {Id, LastModifiedTime, <Kind>Config}. */
struct policy_row {
	char id[40];
	char etag[16];
	char last_modified[40];
	json_t *config;
	bool managed;
};

static void row_clear(struct policy_row *r)
{
	json_decref(r->config);
	r->config = NULL;
}

/* Find a policy: 0, -ENOENT, or another error. */
static int policy_load(struct popd_env *env, enum cf_policy_kind kind, const char *id,
		       struct policy_row *r)
{
	const struct cf_managed_policy *m = cf_managed_find(kind, id);
	sqlite3_stmt *q;
	int rc;

	memset(r, 0, sizeof(*r));
	if (m != NULL) {
		snprintf(r->id, sizeof(r->id), "%s", m->id);
		snprintf(r->etag, sizeof(r->etag), "%s", m->etag);
		snprintf(r->last_modified, sizeof(r->last_modified), "%s",
			 CF_MANAGED_LAST_MODIFIED);
		r->config = json_loads(m->config_json, 0, NULL);
		r->managed = true;
		return r->config != NULL ? 0 : -ENOMEM;
	}
	q = cf_sql_query(env,
			 "SELECT id, etag, last_modified, config FROM cf_policies WHERE kind = ? "
			 "AND id = ?",
			 "ss", cf_policy_names[kind].kind, id);
	if (q == NULL)
		return -EIO;
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		snprintf(r->id, sizeof(r->id), "%s", cf_col(q, 0));
		snprintf(r->etag, sizeof(r->etag), "%s", cf_col(q, 1));
		snprintf(r->last_modified, sizeof(r->last_modified), "%s", cf_col(q, 2));
		r->config = json_loads(cf_col(q, 3), 0, NULL);
		rc = r->config != NULL ? 0 : -POP_EFORMAT;
	} else {
		rc = rc == SQLITE_DONE ? -ENOENT : store_error(rc);
	}
	sqlite3_finalize(q);
	return rc;
}

static json_t *policy_json(enum cf_policy_kind kind, const struct policy_row *r)
{
	return json_pack("{s:s, s:s, s:O}", "Id", r->id, "LastModifiedTime", r->last_modified,
			 cf_policy_names[kind].config, r->config);
}

static int fail_load(struct ctl_call *call, enum cf_policy_kind kind, const char *id, int rc)
{
	if (rc == -ENOENT)
		return ctl_call_fail(call, rc, cf_policy_names[kind].no_such,
				     "no %s has the id %.64s", cf_policy_names[kind].noun, id);
	return ctl_call_fail(call, rc, "InternalFailure", "cannot read the %s: %s",
			     cf_policy_names[kind].noun, pop_strerror(rc));
}

/* A name is unique per kind, the managed policies' names included. */
static int name_taken(struct ctl_call *call, enum cf_policy_kind kind, const char *name,
		      const char *self_id)
{
	struct popd_env *env = env_of(call);
	long long n = 0;
	int rc;

	if (cf_managed_find_name(kind, name) == NULL) {
		rc =
		    cf_sql_count(env, &n,
				 "SELECT count(*) FROM cf_policies WHERE kind = ? AND name = ? AND "
				 "id != ?",
				 "sss", cf_policy_names[kind].kind, name, self_id);
		if (rc < 0)
			return ctl_call_fail(call, rc, "InternalFailure", "store: %s",
					     pop_strerror(rc));
		if (n == 0)
			return 0;
	}
	return ctl_call_fail(call, -EEXIST, cf_policy_names[kind].exists,
			     "%s.Name: a %s named %s already exists; nothing was changed",
			     cf_policy_names[kind].config, cf_policy_names[kind].noun, name);
}

static const json_t *config_arg(struct ctl_call *call, enum cf_policy_kind kind, int *rc)
{
	const json_t *cfg = json_object_get(call->args, cf_policy_names[kind].config);

	*rc = 0;
	if (cfg == NULL || json_is_null(cfg))
		*rc = ctl_call_fail(call, -EINVAL, "MissingBody", "%s is required",
				    cf_policy_names[kind].config);
	return cfg;
}

static int check_config(struct ctl_call *call, enum cf_policy_kind kind, const json_t *cfg)
{
	struct ctl_error err;
	struct cf_check c;
	int rc;

	cf_check_init(&c, env_of(call), &err, cf_policy_names[kind].config);
	rc = policy_check[kind](&c, cfg);
	return rc < 0 ? cf_call_fail_check(call, rc, &err) : 0;
}

int cf_cmd_policy_create(struct ctl_call *call, enum cf_policy_kind kind)
{
	const struct cf_policy_names *pn = &cf_policy_names[kind];
	const char *const allowed[] = {pn->config, NULL};
	struct popd_env *env = env_of(call);
	struct policy_row r = {0};
	const json_t *cfg;
	char *text = NULL;
	long long n = 0;
	int rc;

	rc = cf_args_only(call, allowed);
	if (rc < 0)
		return rc;
	cfg = config_arg(call, kind, &rc);
	if (rc < 0)
		return rc;
	rc = check_config(call, kind, cfg);
	if (rc < 0)
		return rc;
	rc = name_taken(call, kind, cf_str(cfg, "Name", ""), "");
	if (rc < 0)
		return rc;
	rc =
	    cf_sql_count(env, &n, "SELECT count(*) FROM cf_policies WHERE kind = ?", "s", pn->kind);
	if (rc < 0)
		return ctl_call_fail(call, rc, "InternalFailure", "store: %s", pop_strerror(rc));
	if (n >= CF_MAX_CUSTOM_POLICIES)
		return ctl_call_fail(call, -POP_ELIMIT, pn->too_many,
				     "this pop already has %lld %s policies, at most %d allowed; "
				     "nothing was changed",
				     n, pn->kind, CF_MAX_CUSTOM_POLICIES);
	cf_new_uuid(r.id, sizeof(r.id));
	cf_new_etag(r.etag, sizeof(r.etag));
	env_now_rfc3339(r.last_modified, sizeof(r.last_modified));
	r.config = policy_normalize[kind](cfg);
	if (r.config != NULL)
		text = json_dumps(r.config, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (text == NULL) {
		row_clear(&r);
		return ctl_call_fail(call, -ENOMEM, "InternalFailure", "out of memory");
	}
	rc = cf_sql_exec(env,
			 "INSERT INTO cf_policies (id, kind, seq, name, etag, config, "
			 "last_modified) VALUES (?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM "
			 "cf_policies), ?, ?, ?, ?)",
			 "ssssss", r.id, pn->kind, cf_str(cfg, "Name", ""), r.etag, text,
			 r.last_modified);
	free(text);
	if (rc < 0) {
		row_clear(&r);
		return ctl_call_fail(call, rc, "InternalFailure", "store: %s", pop_strerror(rc));
	}
	{
		char location[160];
		snprintf(location, sizeof(location),
			 "https://cloudfront.amazonaws.com/2020-05-31/%s/%s", pn->uri, r.id);
		call->result = json_pack("{s:s, s:s, s:o}", "Location", location, "ETag", r.etag,
					 pn->noun, policy_json(kind, &r));
	}
	row_clear(&r);
	return call->result != NULL ? 0 : ctl_call_fail(call, -ENOMEM, "InternalFailure", "OOM");
}

int cf_cmd_policy_get(struct ctl_call *call, enum cf_policy_kind kind, bool config_only)
{
	static const char *const allowed[] = {"Id", NULL};
	struct policy_row r;
	const char *id;
	int rc;

	rc = cf_args_only(call, allowed);
	if (rc < 0)
		return rc;
	id = cf_arg_string(call, "Id", true, &rc);
	if (rc < 0)
		return rc;
	rc = policy_load(env_of(call), kind, id, &r);
	if (rc < 0)
		return fail_load(call, kind, id, rc);
	if (config_only)
		call->result =
		    json_pack("{s:s, s:O}", "ETag", r.etag, cf_policy_names[kind].config, r.config);
	else
		call->result = json_pack("{s:s, s:o}", "ETag", r.etag, cf_policy_names[kind].noun,
					 policy_json(kind, &r));
	row_clear(&r);
	return call->result != NULL ? 0 : ctl_call_fail(call, -ENOMEM, "InternalFailure", "OOM");
}

int cf_cmd_policy_update(struct ctl_call *call, enum cf_policy_kind kind)
{
	const struct cf_policy_names *pn = &cf_policy_names[kind];
	const char *const allowed[] = {"Id", "IfMatch", pn->config, NULL};
	struct popd_env *env = env_of(call);
	struct policy_row r;
	const json_t *cfg;
	json_t *normalized;
	char *text;
	const char *id;
	long long users = 0;
	int rc;

	rc = cf_args_only(call, allowed);
	if (rc < 0)
		return rc;
	id = cf_arg_string(call, "Id", true, &rc);
	if (rc < 0)
		return rc;
	cfg = config_arg(call, kind, &rc);
	if (rc < 0)
		return rc;
	rc = policy_load(env, kind, id, &r);
	if (rc < 0)
		return fail_load(call, kind, id, rc);
	if (r.managed) {
		row_clear(&r);
		return ctl_call_fail(call, -EPERM, "IllegalUpdate",
				     "%s is a managed policy and cannot be changed", id);
	}
	rc = cf_if_match(call, r.etag);
	if (rc == 0)
		rc = check_config(call, kind, cfg);
	if (rc == 0)
		rc = name_taken(call, kind, cf_str(cfg, "Name", ""), id);
	if (rc < 0) {
		row_clear(&r);
		return rc;
	}
	normalized = policy_normalize[kind](cfg);
	text =
	    normalized != NULL ? json_dumps(normalized, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	if (text == NULL) {
		json_decref(normalized);
		row_clear(&r);
		return ctl_call_fail(call, -ENOMEM, "InternalFailure", "out of memory");
	}
	json_decref(r.config);
	r.config = normalized;
	cf_new_etag(r.etag, sizeof(r.etag));
	env_now_rfc3339(r.last_modified, sizeof(r.last_modified));
	rc = cf_sql_exec(env,
			 "UPDATE cf_policies SET name = ?, etag = ?, config = ?, last_modified = ? "
			 "WHERE id = ?",
			 "sssss", cf_str(cfg, "Name", ""), r.etag, text, r.last_modified, id);
	free(text);
	/* Distributions that use it are redeployed: their status follows the new change. */
	if (rc == 0)
		rc = cf_sql_count(env, &users,
				  "SELECT count(*) FROM cf_refs WHERE kind = ? AND ref = ?", "ss",
				  pn->kind, id);
	if (rc == 0 && users > 0) {
		char change[16];
		rc = cf_change(env, 1u << TABLES_KIND_EDGE, NULL, change);
		if (rc == 0)
			rc = cf_refs_redeploy(env, pn->kind, id, change);
	}
	if (rc < 0) {
		row_clear(&r);
		return ctl_call_fail(call, rc, "InternalFailure", "store: %s", pop_strerror(rc));
	}
	call->result = json_pack("{s:s, s:o}", "ETag", r.etag, pn->noun, policy_json(kind, &r));
	row_clear(&r);
	return call->result != NULL ? 0 : ctl_call_fail(call, -ENOMEM, "InternalFailure", "OOM");
}

int cf_cmd_policy_list(struct ctl_call *call, enum cf_policy_kind kind)
{
	static const char *const allowed[] = {"Type", "Marker", "MaxItems", NULL};
	const struct cf_policy_names *pn = &cf_policy_names[kind];
	struct popd_env *env = env_of(call);
	const char *type, *marker;
	bool started, managed = true, custom = true, truncated = false;
	long long max_items;
	json_t *items, *list;
	char last[40] = "";
	sqlite3_stmt *q;
	int rc;

	rc = cf_args_only(call, allowed);
	if (rc < 0)
		return rc;
	rc = cf_arg_max_items(call, &max_items);
	if (rc < 0)
		return rc;
	type = cf_arg_string(call, "Type", false, &rc);
	if (rc < 0)
		return rc;
	marker = cf_arg_string(call, "Marker", false, &rc);
	if (rc < 0)
		return rc;
	if (type != NULL) {
		if (strcmp(type, "managed") != 0 && strcmp(type, "custom") != 0)
			return ctl_call_fail(call, -EINVAL, "InvalidArgument",
					     "Type must be managed or custom");
		managed = strcmp(type, "managed") == 0;
		custom = !managed;
	}
	if (marker != NULL && cf_policy_exists(env, kind, marker) != 1)
		return ctl_call_fail(call, -EINVAL, "InvalidArgument",
				     "Marker %.64s is not a NextMarker this pop gave", marker);
	started = marker == NULL;
	items = json_array();
	if (items == NULL)
		return ctl_call_fail(call, -ENOMEM, "InternalFailure", "out of memory");
	/* Managed policies first, in their fixed order, then custom ones oldest first. */
	for (size_t i = 0; managed && i < cf_managed_policy_count; i++) {
		const struct cf_managed_policy *m = &cf_managed_policies[i];
		struct policy_row r;
		if (m->kind != kind)
			continue;
		if (!started) {
			started = strcmp(m->id, marker) == 0;
			continue;
		}
		if ((long long)json_array_size(items) >= max_items) {
			truncated = true;
			break;
		}
		if (policy_load(env, kind, m->id, &r) == 0)
			json_array_append_new(items, json_pack("{s:s, s:o}", "Type", "managed",
							       pn->noun, policy_json(kind, &r)));
		row_clear(&r);
		snprintf(last, sizeof(last), "%s", m->id);
	}
	q = custom && !truncated ? cf_sql_query(env,
						"SELECT id FROM cf_policies WHERE kind = ? ORDER "
						"BY seq",
						"s", pn->kind)
				 : NULL;
	while (q != NULL && sqlite3_step(q) == SQLITE_ROW) {
		struct policy_row r;
		const char *id = cf_col(q, 0);
		if (!started) {
			started = strcmp(id, marker) == 0;
			continue;
		}
		if ((long long)json_array_size(items) >= max_items) {
			truncated = true;
			break;
		}
		if (policy_load(env, kind, id, &r) == 0)
			json_array_append_new(items, json_pack("{s:s, s:o}", "Type", "custom",
							       pn->noun, policy_json(kind, &r)));
		row_clear(&r);
		snprintf(last, sizeof(last), "%s", id);
	}
	sqlite3_finalize(q);
	list = json_pack("{s:I, s:I}", "MaxItems", (json_int_t)max_items, "Quantity",
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
	call->result = json_pack("{s:o}", pn->list, list);
	return call->result != NULL ? 0 : ctl_call_fail(call, -ENOMEM, "InternalFailure", "OOM");
}

int cf_cmd_policy_delete(struct ctl_call *call, enum cf_policy_kind kind)
{
	static const char *const allowed[] = {"Id", "IfMatch", NULL};
	const struct cf_policy_names *pn = &cf_policy_names[kind];
	struct popd_env *env = env_of(call);
	struct policy_row r;
	const char *id;
	sqlite3_stmt *q;
	int rc;

	rc = cf_args_only(call, allowed);
	if (rc < 0)
		return rc;
	id = cf_arg_string(call, "Id", true, &rc);
	if (rc < 0)
		return rc;
	rc = policy_load(env, kind, id, &r);
	if (rc < 0)
		return fail_load(call, kind, id, rc);
	if (r.managed) {
		row_clear(&r);
		return ctl_call_fail(call, -EPERM, "IllegalDelete",
				     "%s is a managed policy and cannot be deleted", id);
	}
	rc = cf_if_match(call, r.etag);
	row_clear(&r);
	if (rc < 0)
		return rc;
	q = cf_sql_query(env,
			 "SELECT distribution_id FROM cf_refs WHERE kind = ? AND ref = ? ORDER BY "
			 "distribution_id",
			 "ss", pn->kind, id);
	if (q == NULL)
		return ctl_call_fail(call, -EIO, "InternalFailure", "store error");
	if (sqlite3_step(q) == SQLITE_ROW) {
		char first[32];
		snprintf(first, sizeof(first), "%s", cf_col(q, 0));
		sqlite3_finalize(q);
		return ctl_call_fail(call, -EBUSY, pn->in_use,
				     "%s %s is used by distribution %s; nothing was changed",
				     pn->noun, id, first);
	}
	sqlite3_finalize(q);
	rc = cf_sql_exec(env, "DELETE FROM cf_policies WHERE id = ?", "s", id);
	if (rc < 0)
		return ctl_call_fail(call, rc, "InternalFailure", "store: %s", pop_strerror(rc));
	return 0;
}
