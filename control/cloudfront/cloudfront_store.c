/* SPDX-License-Identifier: BSD-3-Clause */
/* The module's tables in popd's store, and small helpers the commands share. */
#include "cloudfront_pvt.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

/* Steps are only ever appended (store_migrate). */
const char *const cf_schema[] = {
    "CREATE TABLE cf_distributions (id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, "
    "caller_reference TEXT NOT NULL UNIQUE, domain_name TEXT NOT NULL UNIQUE, "
    "etag TEXT NOT NULL, config TEXT NOT NULL, enabled INTEGER NOT NULL, "
    "last_modified TEXT NOT NULL, change_id TEXT NOT NULL)",
    "CREATE TABLE cf_aliases (alias TEXT PRIMARY KEY, distribution_id TEXT NOT NULL)",
    "CREATE INDEX cf_aliases_distribution ON cf_aliases (distribution_id)",
    "CREATE TABLE cf_refs (distribution_id TEXT NOT NULL, kind TEXT NOT NULL, "
    "ref TEXT NOT NULL, PRIMARY KEY (distribution_id, kind, ref))",
    "CREATE INDEX cf_refs_ref ON cf_refs (kind, ref)",
    "CREATE TABLE cf_policies (id TEXT PRIMARY KEY, kind TEXT NOT NULL, "
    "seq INTEGER NOT NULL, name TEXT NOT NULL, etag TEXT NOT NULL, config TEXT NOT NULL, "
    "last_modified TEXT NOT NULL, UNIQUE (kind, name))",
    "CREATE TABLE cf_invalidations (id TEXT PRIMARY KEY, distribution_id TEXT NOT NULL, "
    "seq INTEGER NOT NULL, caller_reference TEXT NOT NULL, paths TEXT NOT NULL, "
    "create_time TEXT NOT NULL, change_id TEXT NOT NULL, "
    "UNIQUE (distribution_id, caller_reference))",
    "CREATE TABLE cf_buckets (bucket TEXT PRIMARY KEY, dir TEXT NOT NULL)",
};
const size_t cf_schema_steps = sizeof(cf_schema) / sizeof(cf_schema[0]);

static int bind_all(sqlite3_stmt *q, const char *binds, va_list ap)
{
	for (int i = 0; binds != NULL && binds[i] != '\0'; i++) {
		int rc;
		if (binds[i] == 's') {
			const char *s = va_arg(ap, const char *);
			rc = s != NULL ? sqlite3_bind_text(q, i + 1, s, -1, SQLITE_TRANSIENT)
				       : sqlite3_bind_null(q, i + 1);
		} else {
			rc = sqlite3_bind_int64(q, i + 1, va_arg(ap, long long));
		}
		if (rc != SQLITE_OK)
			return store_error(rc);
	}
	return 0;
}

static sqlite3_stmt *vquery(struct popd_env *env, const char *sql, const char *binds, va_list ap)
{
	sqlite3 *db = store_db(env->store);
	sqlite3_stmt *q = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) {
		CF_LOG(ERR, "store: %s: %s", sqlite3_errmsg(db), sql);
		return NULL;
	}
	if (bind_all(q, binds, ap) < 0) {
		sqlite3_finalize(q);
		return NULL;
	}
	return q;
}

sqlite3_stmt *cf_sql_query(struct popd_env *env, const char *sql, const char *binds, ...)
{
	sqlite3_stmt *q;
	va_list ap;

	va_start(ap, binds);
	q = vquery(env, sql, binds, ap);
	va_end(ap);
	return q;
}

int cf_sql_exec(struct popd_env *env, const char *sql, const char *binds, ...)
{
	sqlite3_stmt *q;
	va_list ap;
	int rc;

	va_start(ap, binds);
	q = vquery(env, sql, binds, ap);
	va_end(ap);
	if (q == NULL)
		return -EIO;
	rc = sqlite3_step(q);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		CF_LOG(ERR, "store: %s", sqlite3_errmsg(store_db(env->store)));
	sqlite3_finalize(q);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : store_error(rc);
}

int cf_sql_count(struct popd_env *env, long long *out, const char *sql, const char *binds, ...)
{
	sqlite3_stmt *q;
	va_list ap;
	int rc;

	va_start(ap, binds);
	q = vquery(env, sql, binds, ap);
	va_end(ap);
	if (q == NULL)
		return -EIO;
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? -ENOENT : store_error(rc);
}

const char *cf_col(sqlite3_stmt *q, int i)
{
	const unsigned char *s = sqlite3_column_text(q, i);

	return s != NULL ? (const char *)s : "";
}

static int add_ref(struct popd_env *env, const char *dist_id, const char *kind, const char *ref)
{
	if (ref == NULL || *ref == '\0')
		return 0;
	return cf_sql_exec(env,
			   "INSERT OR IGNORE INTO cf_refs (distribution_id, kind, ref) VALUES "
			   "(?, ?, ?)",
			   "sss", dist_id, kind, ref);
}

static int behavior_refs(struct popd_env *env, const char *dist_id, const json_t *b)
{
	for (int k = 0; k < CF_POLICY_KIND_MAX; k++) {
		int rc = add_ref(env, dist_id, cf_policy_names[k].kind,
				 cf_str(b, cf_policy_names[k].behavior_member, NULL));
		if (rc < 0)
			return rc;
	}
	return 0;
}

int cf_refs_set(struct popd_env *env, const char *dist_id, const json_t *cfg)
{
	const json_t *items, *it;
	size_t i;
	int rc;

	rc = cf_sql_exec(env, "DELETE FROM cf_refs WHERE distribution_id = ?", "s", dist_id);
	if (rc < 0 || cfg == NULL)
		return rc;
	rc = behavior_refs(env, dist_id, json_object_get(cfg, "DefaultCacheBehavior"));
	items = cf_items(cfg, "CacheBehaviors");
	json_array_foreach(items, i, it) if (rc == 0) rc = behavior_refs(env, dist_id, it);
	items = cf_items(cfg, "Origins");
	json_array_foreach(items, i, it)
	{
		char bucket[64];
		if (rc == 0 && json_object_get(it, "S3OriginConfig") != NULL &&
		    cf_s3_bucket(cf_str(it, "DomainName", ""), bucket, sizeof(bucket)) == 0)
			rc = add_ref(env, dist_id, "bucket", bucket);
	}
	return rc;
}

int cf_change(struct popd_env *env, uint32_t kinds, const char *comment, char *change_id)
{
	char submitted[40];

	return env_change_new(env, kinds, comment, change_id, 16, submitted, sizeof(submitted));
}

int cf_refs_redeploy(struct popd_env *env, const char *kind, const char *ref, const char *change_id)
{
	return cf_sql_exec(env,
			   "UPDATE cf_distributions SET change_id = ? WHERE id IN (SELECT "
			   "distribution_id FROM cf_refs WHERE kind = ? AND ref = ?)",
			   "sss", change_id, kind, ref);
}

void cf_account_id(struct popd_env *env, char *out, size_t len)
{
	if (store_meta_get(env->store, "aws_account_id", out, len) < 0 || out[0] == '\0')
		snprintf(out, len, "%s", CF_DEFAULT_ACCOUNT_ID);
}

void cf_new_etag(char *out, size_t len)
{
	store_new_id("E", out, len < 15 ? len : 15);
}

void cf_new_uuid(char *out, size_t len)
{
	unsigned char r[16];

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		uint64_t t = pop_now_ns();
		for (size_t i = 0; i < sizeof(r); i++)
			r[i] = (unsigned char)(t >> ((i % 8) * 8)) ^ (unsigned char)(i * 37);
	}
	r[6] = (unsigned char)((r[6] & 0x0f) | 0x40); /* version 4 */
	r[8] = (unsigned char)((r[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	snprintf(out, len, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12],
		 r[13], r[14], r[15]);
}

int64_t cf_time_ms(const char *s)
{
	struct tm tm;
	int ms = 0;
	const char *rest;

	memset(&tm, 0, sizeof(tm));
	rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (rest == NULL)
		return 0;
	if (rest[0] == '.')
		sscanf(rest + 1, "%3d", &ms);
	return (int64_t)timegm(&tm) * 1000 + ms;
}

/* ------------------------------------------------------------- arguments */

const char *cf_arg_string(struct ctl_call *call, const char *name, bool required, int *rc)
{
	const json_t *v = json_object_get(call->args, name);

	*rc = 0;
	if (v == NULL || json_is_null(v)) {
		if (required)
			*rc = ctl_call_fail(call, -EINVAL, "MissingParameter", "%s is required",
					    name);
		return NULL;
	}
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		*rc = ctl_call_fail(call, -EINVAL, "InvalidArgument",
				    "%s must be a non-empty string", name);
		return NULL;
	}
	return json_string_value(v);
}

int cf_arg_max_items(struct ctl_call *call, long long *max_items)
{
	const json_t *v = json_object_get(call->args, "MaxItems");
	long long n = CF_DEFAULT_LIST_ITEMS;

	if (v != NULL && !json_is_null(v)) {
		if (json_is_integer(v)) {
			n = json_integer_value(v);
		} else if (json_is_string(v)) {
			char *end = NULL;
			n = strtoll(json_string_value(v), &end, 10);
			if (end == json_string_value(v) || *end != '\0')
				n = -1;
		} else {
			n = -1;
		}
		if (n < 1 || n > CF_MAX_LIST_ITEMS)
			return ctl_call_fail(call, -EINVAL, "InvalidArgument",
					     "MaxItems must be 1 to %d", CF_MAX_LIST_ITEMS);
	}
	*max_items = n;
	return 0;
}

int cf_args_only(struct ctl_call *call, const char *const *allowed)
{
	const char *key;
	json_t *val;

	json_object_foreach(call->args, key, val)
	{
		bool ok = false;
		for (size_t i = 0; allowed[i] != NULL; i++)
			if (strcmp(allowed[i], key) == 0)
				ok = true;
		if (!ok)
			return ctl_call_fail(call, -EINVAL, "InvalidArgument",
					     "unknown parameter \"%.64s\" for %s", key,
					     call->command);
	}
	return 0;
}

int cf_if_match(struct ctl_call *call, const char *etag)
{
	const json_t *v = json_object_get(call->args, "IfMatch");

	if (v == NULL || !json_is_string(v) || json_string_length(v) == 0)
		return ctl_call_fail(call, -EINVAL, "InvalidIfMatchVersion",
				     "IfMatch is required: give the ETag of the current version");
	if (strcmp(json_string_value(v), etag) != 0)
		return ctl_call_fail(call, -EAGAIN, "PreconditionFailed",
				     "IfMatch %.32s is not the current ETag %s (it changed since "
				     "you read it); nothing was changed",
				     json_string_value(v), etag);
	return 0;
}

int cf_call_fail_check(struct ctl_call *call, int rc, const struct ctl_error *err)
{
	call->error = *err;
	return rc < 0 ? rc : -EINVAL;
}
