/* SPDX-License-Identifier: BSD-3-Clause */
/* Distributions: create, get, get-config, update, list, delete. */
#include "cloudfront_pvt.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dist_row {
	char id[32];
	char etag[16];
	char domain_name[64];
	char last_modified[40];
	char change_id[24];
	char caller_reference[256];
	json_t *config;
	bool enabled;
};

static void row_clear(struct dist_row *r)
{
	json_decref(r->config);
	r->config = NULL;
}

#define DIST_COLUMNS "id, etag, domain_name, last_modified, change_id, caller_reference, config"

static int row_read(sqlite3_stmt *q, struct dist_row *r)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->id, sizeof(r->id), "%s", cf_col(q, 0));
	snprintf(r->etag, sizeof(r->etag), "%s", cf_col(q, 1));
	snprintf(r->domain_name, sizeof(r->domain_name), "%s", cf_col(q, 2));
	snprintf(r->last_modified, sizeof(r->last_modified), "%s", cf_col(q, 3));
	snprintf(r->change_id, sizeof(r->change_id), "%s", cf_col(q, 4));
	snprintf(r->caller_reference, sizeof(r->caller_reference), "%s", cf_col(q, 5));
	r->config = json_loads(cf_col(q, 6), 0, NULL);
	if (r->config == NULL)
		return -POP_EFORMAT;
	r->enabled = cf_bool(r->config, "Enabled", false);
	return 0;
}

static int dist_load(struct popd_env *env, const char *id, struct dist_row *r)
{
	sqlite3_stmt *q = cf_sql_query(env,
				       "SELECT " DIST_COLUMNS " FROM cf_distributions WHERE "
				       "id = ?",
				       "s", id);
	int rc;

	memset(r, 0, sizeof(*r));
	if (q == NULL)
		return -EIO;
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		rc = row_read(q, r);
	else
		rc = rc == SQLITE_DONE ? -ENOENT : store_error(rc);
	sqlite3_finalize(q);
	return rc;
}

static int fail_load(struct ctl_call *call, const char *id, int rc)
{
	if (rc == -ENOENT)
		return ctl_call_fail(call, rc, "NoSuchDistribution",
				     "no distribution has the id %.64s", id);
	return ctl_call_fail(call, rc, "InternalFailure", "cannot read distribution %.64s: %s", id,
			     pop_strerror(rc));
}

/* "Deployed" once every worker uses an edge table with this version. */
static const char *dist_status(struct popd_env *env, const struct dist_row *r)
{
	return env_change_in_sync(env, r->change_id) == 1 ? "Deployed" : "InProgress";
}

static long long invalidations_in_progress(struct popd_env *env, const char *dist_id)
{
	sqlite3_stmt *q = cf_sql_query(
	    env, "SELECT change_id FROM cf_invalidations WHERE distribution_id = ?", "s", dist_id);
	long long n = 0;

	while (q != NULL && sqlite3_step(q) == SQLITE_ROW)
		if (env_change_in_sync(env, cf_col(q, 0)) != 1)
			n++;
	sqlite3_finalize(q);
	return n;
}

static void dist_arn(struct popd_env *env, const char *id, char *out, size_t len)
{
	char account[32];

	cf_account_id(env, account, sizeof(account));
	snprintf(out, len, "arn:aws:cloudfront::%s:distribution/%s", account, id);
}

static json_t *dist_json(struct popd_env *env, const struct dist_row *r)
{
	char arn[128];

	dist_arn(env, r->id, arn, sizeof(arn));
	return json_pack(
	    "{s:s, s:s, s:s, s:s, s:I, s:s, s:{s:b, s:i}, s:{s:b, s:i}, s:O}", "Id", r->id, "ARN",
	    arn, "Status", dist_status(env, r), "LastModifiedTime", r->last_modified,
	    "InProgressInvalidationBatches", (json_int_t)invalidations_in_progress(env, r->id),
	    "DomainName", r->domain_name, "ActiveTrustedSigners", "Enabled", 0, "Quantity", 0,
	    "ActiveTrustedKeyGroups", "Enabled", 0, "Quantity", 0, "DistributionConfig", r->config);
}

/* The DistributionSummary that list-distributions shows. */
static json_t *dist_summary(struct popd_env *env, const struct dist_row *r)
{
	static const char *const copied[] = {"Aliases",	       "Origins",
					     "OriginGroups",   "DefaultCacheBehavior",
					     "CacheBehaviors", "CustomErrorResponses",
					     "Comment",	       "PriceClass",
					     "Enabled",	       "ViewerCertificate",
					     "Restrictions",   "WebACLId",
					     "HttpVersion",    "IsIPV6Enabled",
					     "Staging"};
	char arn[128];
	json_t *s;

	dist_arn(env, r->id, arn, sizeof(arn));
	s = json_pack("{s:s, s:s, s:s, s:s, s:s}", "Id", r->id, "ARN", arn, "Status",
		      dist_status(env, r), "LastModifiedTime", r->last_modified, "DomainName",
		      r->domain_name);
	for (size_t i = 0; s != NULL && i < sizeof(copied) / sizeof(copied[0]); i++) {
		json_t *v = json_object_get(r->config, copied[i]);
		if (v != NULL)
			json_object_set(s, copied[i], v);
	}
	return s;
}

static const json_t *config_arg(struct ctl_call *call, int *rc)
{
	const json_t *cfg = json_object_get(call->args, "DistributionConfig");

	*rc = 0;
	if (cfg == NULL || json_is_null(cfg))
		*rc = ctl_call_fail(call, -EINVAL, "MissingBody", "DistributionConfig is required");
	return cfg;
}

static int validate(struct ctl_call *call, const json_t *cfg, const char *self_id)
{
	struct ctl_error err;
	struct cf_check c;
	int rc;

	cf_check_init(&c, env_of(call), &err, "DistributionConfig");
	c.self_id = self_id;
	rc = cf_check_distribution(&c, cfg);
	return rc < 0 ? cf_call_fail_check(call, rc, &err) : 0;
}

/* Replace a distribution's aliases and references with those of @p cfg. */
static int store_links(struct popd_env *env, const char *id, const json_t *cfg)
{
	const json_t *items = cf_items(cfg, "Aliases"), *a;
	size_t i;
	int rc;

	rc = cf_sql_exec(env, "DELETE FROM cf_aliases WHERE distribution_id = ?", "s", id);
	json_array_foreach(items, i, a)
	{
		char lower[256];
		if (rc < 0)
			break;
		cf_lower(json_string_value(a), lower, sizeof(lower));
		rc = cf_sql_exec(env,
				 "INSERT INTO cf_aliases (alias, distribution_id) VALUES (?, ?)",
				 "ss", lower, id);
	}
	if (rc == 0)
		rc = cf_refs_set(env, id, cfg);
	return rc;
}

int cf_cmd_create_distribution(struct ctl_call *call)
{
	static const char *const allowed[] = {"DistributionConfig", NULL};
	struct popd_env *env = env_of(call);
	struct dist_row r = {0};
	const json_t *cfg;
	char *text = NULL, location[128];
	long long n = 0;
	int rc;

	rc = cf_args_only(call, allowed);
	if (rc < 0)
		return rc;
	cfg = config_arg(call, &rc);
	if (rc < 0)
		return rc;
	rc = validate(call, cfg, NULL);
	if (rc < 0)
		return rc;
	rc = cf_sql_count(env, &n,
			  "SELECT count(*) FROM cf_distributions WHERE caller_reference = ?", "s",
			  cf_str(cfg, "CallerReference", ""));
	if (rc == 0 && n > 0)
		return ctl_call_fail(call, -EEXIST, "DistributionAlreadyExists",
				     "DistributionConfig.CallerReference: %.128s was already used "
				     "to create a distribution; nothing was changed",
				     cf_str(cfg, "CallerReference", ""));
	if (rc == 0)
		rc = cf_sql_count(env, &n, "SELECT count(*) FROM cf_distributions", NULL);
	if (rc < 0)
		return ctl_call_fail(call, rc, "InternalFailure", "store: %s", pop_strerror(rc));
	if (n >= CF_MAX_DISTRIBUTIONS)
		return ctl_call_fail(call, -POP_ELIMIT, "TooManyDistributions",
				     "this pop already has %lld distributions, at most %d allowed; "
				     "nothing was changed",
				     n, CF_MAX_DISTRIBUTIONS);
	store_new_id("E", r.id, 15);
	{
		char name[16];
		store_new_id("D", name, 15);
		cf_lower(name, name, sizeof(name));
		snprintf(r.domain_name, sizeof(r.domain_name), "%s.cloudfront.net", name);
	}
	cf_new_etag(r.etag, sizeof(r.etag));
	env_now_rfc3339(r.last_modified, sizeof(r.last_modified));
	rc = cf_change(env, 1u << TABLES_KIND_EDGE, NULL, r.change_id);
	if (rc == 0) {
		r.config = cf_normalize_distribution(cfg);
		text = r.config != NULL ? json_dumps(r.config, JSON_COMPACT) : NULL;
		rc = text != NULL ? 0 : -ENOMEM;
	}
	if (rc == 0)
		rc = cf_sql_exec(
		    env,
		    "INSERT INTO cf_distributions (id, seq, caller_reference, "
		    "domain_name, etag, config, enabled, last_modified, change_id) "
		    "VALUES (?, (SELECT coalesce(max(seq), 0) + 1 FROM "
		    "cf_distributions), ?, ?, ?, ?, ?, ?, ?)",
		    "sssssiss", r.id, cf_str(cfg, "CallerReference", ""), r.domain_name, r.etag,
		    text, (long long)cf_bool(cfg, "Enabled", false), r.last_modified, r.change_id);
	free(text);
	if (rc == 0)
		rc = store_links(env, r.id, r.config);
	if (rc < 0) {
		row_clear(&r);
		return ctl_call_fail(call, rc, "InternalFailure", "store: %s", pop_strerror(rc));
	}
	snprintf(location, sizeof(location),
		 "https://cloudfront.amazonaws.com/2020-05-31/distribution/%s", r.id);
	call->result = json_pack("{s:s, s:s, s:o}", "Location", location, "ETag", r.etag,
				 "Distribution", dist_json(env, &r));
	row_clear(&r);
	return call->result != NULL ? 0 : ctl_call_fail(call, -ENOMEM, "InternalFailure", "OOM");
}

static int get_common(struct ctl_call *call, bool config_only)
{
	static const char *const allowed[] = {"Id", NULL};
	struct popd_env *env = env_of(call);
	struct dist_row r;
	const char *id;
	int rc;

	rc = cf_args_only(call, allowed);
	if (rc < 0)
		return rc;
	id = cf_arg_string(call, "Id", true, &rc);
	if (rc < 0)
		return rc;
	rc = dist_load(env, id, &r);
	if (rc < 0)
		return fail_load(call, id, rc);
	if (config_only)
		call->result =
		    json_pack("{s:s, s:O}", "ETag", r.etag, "DistributionConfig", r.config);
	else
		call->result =
		    json_pack("{s:s, s:o}", "ETag", r.etag, "Distribution", dist_json(env, &r));
	row_clear(&r);
	return call->result != NULL ? 0 : ctl_call_fail(call, -ENOMEM, "InternalFailure", "OOM");
}

int cf_cmd_get_distribution(struct ctl_call *call)
{
	return get_common(call, false);
}

int cf_cmd_get_config_distribution(struct ctl_call *call)
{
	return get_common(call, true);
}

int cf_cmd_update_distribution(struct ctl_call *call)
{
	static const char *const allowed[] = {"Id", "IfMatch", "DistributionConfig", NULL};
	struct popd_env *env = env_of(call);
	struct dist_row r;
	const json_t *cfg;
	json_t *normalized;
	const char *id;
	char *text;
	int rc;

	rc = cf_args_only(call, allowed);
	if (rc < 0)
		return rc;
	id = cf_arg_string(call, "Id", true, &rc);
	if (rc < 0)
		return rc;
	cfg = config_arg(call, &rc);
	if (rc < 0)
		return rc;
	rc = dist_load(env, id, &r);
	if (rc < 0)
		return fail_load(call, id, rc);
	rc = cf_if_match(call, r.etag);
	if (rc == 0)
		rc = validate(call, cfg, id);
	if (rc == 0 && strcmp(cf_str(cfg, "CallerReference", ""), r.caller_reference) != 0)
		rc = ctl_call_fail(call, -EINVAL, "IllegalUpdate",
				   "DistributionConfig.CallerReference: it cannot change (it is "
				   "%.128s); nothing was changed",
				   r.caller_reference);
	if (rc < 0) {
		row_clear(&r);
		return rc;
	}
	normalized = cf_normalize_distribution(cfg);
	text = normalized != NULL ? json_dumps(normalized, JSON_COMPACT) : NULL;
	json_decref(r.config);
	r.config = normalized;
	rc = text != NULL ? 0 : -ENOMEM;
	cf_new_etag(r.etag, sizeof(r.etag));
	env_now_rfc3339(r.last_modified, sizeof(r.last_modified));
	if (rc == 0)
		rc = cf_change(env, 1u << TABLES_KIND_EDGE, NULL, r.change_id);
	if (rc == 0)
		rc = cf_sql_exec(env,
				 "UPDATE cf_distributions SET etag = ?, config = ?, enabled = ?, "
				 "last_modified = ?, change_id = ? WHERE id = ?",
				 "ssisss", r.etag, text, (long long)cf_bool(cfg, "Enabled", false),
				 r.last_modified, r.change_id, id);
	free(text);
	if (rc == 0)
		rc = store_links(env, id, r.config);
	if (rc < 0) {
		row_clear(&r);
		return ctl_call_fail(call, rc, "InternalFailure", "store: %s", pop_strerror(rc));
	}
	call->result = json_pack("{s:s, s:o}", "ETag", r.etag, "Distribution", dist_json(env, &r));
	row_clear(&r);
	return call->result != NULL ? 0 : ctl_call_fail(call, -ENOMEM, "InternalFailure", "OOM");
}

int cf_cmd_list_distribution(struct ctl_call *call)
{
	static const char *const allowed[] = {"Marker", "MaxItems", NULL};
	struct popd_env *env = env_of(call);
	const char *marker;
	long long max_items, after = 0;
	bool truncated = false;
	json_t *items, *list;
	char last[32] = "";
	sqlite3_stmt *q;
	int rc;

	rc = cf_args_only(call, allowed);
	if (rc < 0)
		return rc;
	rc = cf_arg_max_items(call, &max_items);
	if (rc < 0)
		return rc;
	marker = cf_arg_string(call, "Marker", false, &rc);
	if (rc < 0)
		return rc;
	if (marker != NULL &&
	    cf_sql_count(env, &after, "SELECT seq FROM cf_distributions WHERE id = ?", "s",
			 marker) < 0)
		return ctl_call_fail(call, -EINVAL, "InvalidArgument",
				     "Marker %.64s is not a NextMarker this pop gave", marker);
	items = json_array();
	q = cf_sql_query(env,
			 "SELECT " DIST_COLUMNS " FROM cf_distributions WHERE seq > ? ORDER BY seq",
			 "i", after);
	if (items == NULL || q == NULL) {
		json_decref(items);
		sqlite3_finalize(q);
		return ctl_call_fail(call, -EIO, "InternalFailure", "cannot read distributions");
	}
	while (sqlite3_step(q) == SQLITE_ROW) {
		struct dist_row r;
		if ((long long)json_array_size(items) >= max_items) {
			truncated = true;
			break;
		}
		if (row_read(q, &r) == 0) {
			json_array_append_new(items, dist_summary(env, &r));
			snprintf(last, sizeof(last), "%s", r.id);
		}
		row_clear(&r);
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
	call->result = json_pack("{s:o}", "DistributionList", list);
	return call->result != NULL ? 0 : ctl_call_fail(call, -ENOMEM, "InternalFailure", "OOM");
}

int cf_cmd_delete_distribution(struct ctl_call *call)
{
	static const char *const allowed[] = {"Id", "IfMatch", NULL};
	struct popd_env *env = env_of(call);
	struct dist_row r;
	const char *id;
	char change[16];
	bool deployed;
	int rc;

	rc = cf_args_only(call, allowed);
	if (rc < 0)
		return rc;
	id = cf_arg_string(call, "Id", true, &rc);
	if (rc < 0)
		return rc;
	rc = dist_load(env, id, &r);
	if (rc < 0)
		return fail_load(call, id, rc);
	rc = cf_if_match(call, r.etag);
	deployed = env_change_in_sync(env, r.change_id) == 1;
	if (rc == 0 && (r.enabled || !deployed))
		rc = ctl_call_fail(call, -EBUSY, "DistributionNotDisabled",
				   "distribution %s is %s; disable it and wait until its Status "
				   "is Deployed before deleting it; nothing was changed",
				   id, r.enabled ? "enabled" : "disabled but still InProgress");
	row_clear(&r);
	if (rc < 0)
		return rc;
	rc = cf_sql_exec(env, "DELETE FROM cf_distributions WHERE id = ?", "s", id);
	if (rc == 0)
		rc = cf_sql_exec(env, "DELETE FROM cf_aliases WHERE distribution_id = ?", "s", id);
	if (rc == 0)
		rc = cf_sql_exec(env, "DELETE FROM cf_refs WHERE distribution_id = ?", "s", id);
	if (rc == 0)
		rc = cf_sql_exec(env, "DELETE FROM cf_invalidations WHERE distribution_id = ?", "s",
				 id);
	/* Republish both tables without it. */
	if (rc == 0)
		rc = cf_change(env, (1u << TABLES_KIND_EDGE) | (1u << TABLES_KIND_INVALIDATIONS),
			       NULL, change);
	if (rc < 0)
		return ctl_call_fail(call, rc, "InternalFailure", "store: %s", pop_strerror(rc));
	return 0;
}
