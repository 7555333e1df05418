/* SPDX-License-Identifier: BSD-3-Clause */
#include "env.h"

#include "base.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#define ENV_LOG(level, ...) POP_LOG("env", level, __VA_ARGS__)

static const char *const env_schema[] = {
    "CREATE TABLE env_changes (id TEXT PRIMARY KEY, kinds INTEGER NOT NULL, "
    "unpublished INTEGER NOT NULL, submitted_at TEXT NOT NULL, comment TEXT)",
    "CREATE INDEX env_changes_unpublished ON env_changes (unpublished) WHERE unpublished != 0",
    "CREATE TABLE env_change_gens (change_id TEXT NOT NULL REFERENCES env_changes (id) "
    "ON DELETE CASCADE, kind INTEGER NOT NULL, generation INTEGER NOT NULL, "
    "PRIMARY KEY (change_id, kind))",
};

int env_init(struct popd_env *env)
{
	return store_migrate(env->store, "env", env_schema,
			     sizeof(env_schema) / sizeof(env_schema[0]));
}

int env_register_compiler(struct popd_env *env, enum tables_kind kind,
			  int (*compile)(struct popd_env *env, struct tables_builder *tb))
{
	if ((unsigned)kind >= TABLES_KIND_MAX)
		return -EINVAL;
	if (env->compilers[kind] != NULL)
		return -EEXIST;
	env->compilers[kind] = compile;
	return 0;
}

int env_on_commit(struct popd_env *env, void (*fn)(struct popd_env *env))
{
	for (size_t i = 0; i < ENV_MAX_COMMIT_HOOKS; i++)
		if (env->committed[i] == NULL) {
			env->committed[i] = fn;
			return 0;
		}
	return -POP_ELIMIT;
}

void env_committed(struct popd_env *env)
{
	for (size_t i = 0; i < ENV_MAX_COMMIT_HOOKS && env->committed[i] != NULL; i++)
		env->committed[i](env);
}

void env_now_rfc3339(char *buf, size_t len)
{
	struct timeval tv;
	struct tm tm;
	char base[32];

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03ld000+00:00", base, (long)(tv.tv_usec / 1000));
}

int env_change_new(struct popd_env *env, uint32_t kinds, const char *comment, char *id,
		   size_t id_len, char *submitted_at, size_t submitted_len)
{
	sqlite3_stmt *q;
	int rc;

	if (id_len < 16 || submitted_len < 33)
		return -EINVAL;
	store_new_id("C", id, 15);
	env_now_rfc3339(submitted_at, submitted_len);
	rc = sqlite3_prepare_v2(store_db(env->store),
				"INSERT INTO env_changes (id, kinds, unpublished, submitted_at, "
				"comment) VALUES (?, ?, ?, ?, ?)",
				-1, &q, NULL);
	if (rc != SQLITE_OK)
		return store_error(rc);
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, kinds);
	sqlite3_bind_int64(q, 3, kinds);
	sqlite3_bind_text(q, 4, submitted_at, -1, SQLITE_STATIC);
	if (comment != NULL)
		sqlite3_bind_text(q, 5, comment, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return store_error(rc);
	for (unsigned k = 0; k < TABLES_KIND_MAX; k++)
		if (kinds & (1u << k))
			store_mark_dirty(env->store, k);
	return 0;
}

int env_changes_published(struct popd_env *env, enum tables_kind kind, uint64_t generation)
{
	sqlite3 *db = store_db(env->store);
	sqlite3_stmt *q;
	uint32_t bit = 1u << kind;
	int rc;

	rc = store_begin(env->store);
	if (rc != 0)
		return rc;
	rc = sqlite3_prepare_v2(
	    db,
	    "INSERT OR REPLACE INTO env_change_gens (change_id, kind, generation) "
	    "SELECT id, ?1, ?2 FROM env_changes WHERE unpublished != 0 AND "
	    "(unpublished & ?3) != 0",
	    -1, &q, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int(q, 1, (int)kind);
		sqlite3_bind_int64(q, 2, (sqlite3_int64)generation);
		sqlite3_bind_int64(q, 3, bit);
		rc = sqlite3_step(q) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(db);
		sqlite3_finalize(q);
	}
	if (rc == SQLITE_OK) {
		rc = sqlite3_prepare_v2(db,
					"UPDATE env_changes SET unpublished = unpublished & ~?1 "
					"WHERE unpublished != 0 AND (unpublished & ?1) != 0",
					-1, &q, NULL);
		if (rc == SQLITE_OK) {
			sqlite3_bind_int64(q, 1, bit);
			rc = sqlite3_step(q) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(db);
			sqlite3_finalize(q);
		}
	}
	if (rc != SQLITE_OK) {
		store_rollback(env->store);
		return store_error(rc);
	}
	return store_commit(env->store);
}

int env_change_in_sync(struct popd_env *env, const char *id)
{
	sqlite3 *db = store_db(env->store);
	sqlite3_stmt *q;
	long long unpublished;
	int rc, in_sync = 1;

	rc = sqlite3_prepare_v2(db, "SELECT unpublished FROM env_changes WHERE id = ?", -1, &q,
				NULL);
	if (rc != SQLITE_OK)
		return store_error(rc);
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(q);
		return rc == SQLITE_DONE ? -ENOENT : store_error(rc);
	}
	unpublished = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	if (unpublished != 0)
		return 0;
	rc = sqlite3_prepare_v2(
	    db, "SELECT kind, generation FROM env_change_gens WHERE change_id = ?", -1, &q, NULL);
	if (rc != SQLITE_OK)
		return store_error(rc);
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		int kind = sqlite3_column_int(q, 0);
		uint64_t gen = (uint64_t)sqlite3_column_int64(q, 1);
		if (kind < 0 || kind >= TABLES_KIND_MAX || env->root == NULL ||
		    tables_root_applied(env->root, (enum tables_kind)kind) < gen)
			in_sync = 0;
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? in_sync : store_error(rc);
}

json_t *env_change_info(struct popd_env *env, const char *id)
{
	sqlite3_stmt *q;
	json_t *info = NULL;
	char full[64];
	int sync;

	sync = env_change_in_sync(env, id);
	if (sync < 0)
		return NULL;
	if (sqlite3_prepare_v2(store_db(env->store),
			       "SELECT submitted_at, comment FROM env_changes WHERE id = ?", -1, &q,
			       NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW) {
		snprintf(full, sizeof(full), "/change/%s", id);
		info =
		    json_pack("{s:s, s:s, s:s}", "Id", full, "Status", sync ? "INSYNC" : "PENDING",
			      "SubmittedAt", (const char *)sqlite3_column_text(q, 0));
		if (info != NULL && sqlite3_column_type(q, 1) != SQLITE_NULL)
			json_object_set_new(info, "Comment",
					    json_string((const char *)sqlite3_column_text(q, 1)));
	}
	sqlite3_finalize(q);
	return info;
}
