/* SPDX-License-Identifier: BSD-3-Clause */
#include "store.h"

#include "base.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define STORE_LOG(level, ...) POP_LOG("store", level, __VA_ARGS__)

struct store {
	sqlite3 *db;
	int depth;
	uint32_t dirty;
	uint32_t dirty_at[STORE_MAX_DEPTH]; /* the mask when each level began */
	char path[4096];
};

int store_error(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return 0;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EACCES;
	case SQLITE_CONSTRAINT:
		return -EEXIST;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return -POP_EFORMAT;
	case SQLITE_CANTOPEN:
		return -ENOENT;
	default:
		return -EIO;
	}
}

int store_exec(struct store *st, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(st->db, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		STORE_LOG(ERR, "%s: %s", st->path, msg != NULL ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return store_error(rc);
	}
	return 0;
}

static const char *const store_schema_steps[] = {
    "CREATE TABLE store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
};

/* mkdir -p: the default state dir's parent may not exist on a new machine. */
static int make_dirs(const char *dir)
{
	char path[4096];
	size_t len = strlen(dir);

	if (len == 0 || len >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, dir, len + 1);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return mkdir(path, 0750) != 0 && errno != EEXIST ? -errno : 0;
}

int store_open(const char *dir, struct store **out, char *err, size_t errlen)
{
	struct store *st;
	int rc;

	rc = make_dirs(dir);
	if (rc != 0) {
		snprintf(err, errlen, "state dir %s: %s", dir, pop_strerror(rc));
		return rc;
	}
	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return -ENOMEM;
	if ((size_t)snprintf(st->path, sizeof(st->path), "%s/pop.db", dir) >= sizeof(st->path)) {
		free(st);
		snprintf(err, errlen, "state dir %s: path too long", dir);
		return -ENAMETOOLONG;
	}
	rc =
	    sqlite3_open_v2(st->path, &st->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", st->path,
			 st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
		sqlite3_close(st->db);
		free(st);
		return store_error(rc);
	}
	chmod(st->path, 0640);
	/* WAL + FULL: a commit is on disk when it returns, and readers never block it. */
	if ((rc = store_exec(st, "PRAGMA journal_mode=WAL")) != 0 ||
	    (rc = store_exec(st, "PRAGMA synchronous=FULL")) != 0 ||
	    (rc = store_exec(st, "PRAGMA foreign_keys=ON")) != 0 ||
	    (rc = store_exec(st, "PRAGMA busy_timeout=5000")) != 0 ||
	    (rc = store_exec(st, "CREATE TABLE IF NOT EXISTS store_schema (module TEXT NOT NULL, "
				 "step INTEGER NOT NULL, PRIMARY KEY (module, step))")) != 0 ||
	    (rc = store_migrate(st, "store", store_schema_steps, 1)) != 0) {
		snprintf(err, errlen, "%s: cannot prepare the database: %s", st->path,
			 sqlite3_errmsg(st->db));
		store_close(st);
		return rc;
	}
	*out = st;
	return 0;
}

void store_close(struct store *st)
{
	if (st == NULL)
		return;
	if (st->depth > 0)
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close_v2(st->db);
	free(st);
}

sqlite3 *store_db(struct store *st)
{
	return st->db;
}

const char *store_path(const struct store *st)
{
	return st->path;
}

int store_migrate(struct store *st, const char *module, const char *const *steps, size_t n)
{
	sqlite3_stmt *q = NULL;
	long long done = 0;
	int rc;

	rc = sqlite3_prepare_v2(
	    st->db, "SELECT COALESCE(MAX(step) + 1, 0) FROM store_schema WHERE module = ?", -1, &q,
	    NULL);
	if (rc != SQLITE_OK)
		return store_error(rc);
	sqlite3_bind_text(q, 1, module, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW)
		done = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	for (size_t i = (size_t)done; i < n; i++) {
		char *record;
		rc = store_begin(st);
		if (rc != 0)
			return rc;
		rc = store_exec(st, steps[i]);
		if (rc == 0) {
			record = sqlite3_mprintf(
			    "INSERT INTO store_schema (module, step) VALUES (%Q, %lld)", module,
			    (long long)i);
			rc = record != NULL ? store_exec(st, record) : -ENOMEM;
			sqlite3_free(record);
		}
		if (rc != 0) {
			STORE_LOG(ERR, "%s: schema step %zu of %s failed", st->path, i, module);
			store_rollback(st);
			return rc;
		}
		rc = store_commit(st);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int store_begin(struct store *st)
{
	char sql[64];
	int rc;

	if (st->depth >= STORE_MAX_DEPTH)
		return -POP_ELIMIT;
	if (st->depth == 0)
		rc = store_exec(st, "BEGIN IMMEDIATE");
	else {
		snprintf(sql, sizeof(sql), "SAVEPOINT level%d", st->depth);
		rc = store_exec(st, sql);
	}
	if (rc != 0)
		return rc;
	st->dirty_at[st->depth] = st->dirty;
	st->depth++;
	return 0;
}

int store_commit(struct store *st)
{
	char sql[64];
	int rc;

	if (st->depth == 0)
		return -EINVAL;
	if (st->depth == 1) {
		rc = store_exec(st, "COMMIT");
		if (rc != 0) {
			store_rollback(st);
			return rc;
		}
	} else {
		snprintf(sql, sizeof(sql), "RELEASE level%d", st->depth - 1);
		rc = store_exec(st, sql);
		if (rc != 0)
			return rc;
	}
	st->depth--;
	return 0;
}

void store_rollback(struct store *st)
{
	char sql[96];

	if (st->depth == 0)
		return;
	st->depth--;
	st->dirty = st->dirty_at[st->depth];
	if (st->depth == 0) {
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		return;
	}
	snprintf(sql, sizeof(sql), "ROLLBACK TO level%d; RELEASE level%d", st->depth, st->depth);
	sqlite3_exec(st->db, sql, NULL, NULL, NULL);
}

int store_depth(const struct store *st)
{
	return st->depth;
}

void store_mark_dirty(struct store *st, unsigned kind)
{
	if (kind < 32)
		st->dirty |= 1u << kind;
}

uint32_t store_take_dirty(struct store *st)
{
	uint32_t d;

	if (st->depth != 0)
		return 0;
	d = st->dirty;
	st->dirty = 0;
	return d;
}

int store_meta_get(struct store *st, const char *key, char *buf, size_t len)
{
	sqlite3_stmt *q;
	int rc =
	    sqlite3_prepare_v2(st->db, "SELECT value FROM store_meta WHERE key = ?", -1, &q, NULL);

	if (rc != SQLITE_OK)
		return store_error(rc);
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		snprintf(buf, len, "%s", (const char *)sqlite3_column_text(q, 0));
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? -ENOENT : store_error(rc);
	}
	sqlite3_finalize(q);
	return rc;
}

int store_meta_set(struct store *st, const char *key, const char *value)
{
	sqlite3_stmt *q;
	int rc = sqlite3_prepare_v2(st->db,
				    "INSERT INTO store_meta (key, value) VALUES (?, ?) "
				    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
				    -1, &q, NULL);

	if (rc != SQLITE_OK)
		return store_error(rc);
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, value, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : store_error(rc);
}

void store_new_id(const char *prefix, char *out, size_t len)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	unsigned char rnd[64];
	size_t p = strlen(prefix), i;

	if (len == 0)
		return;
	if (p >= len)
		p = len - 1;
	memcpy(out, prefix, p);
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		/* getrandom() cannot fail for 64 bytes once the pool is ready; be safe. */
		for (i = 0; i < sizeof(rnd); i++)
			rnd[i] = (unsigned char)(pop_now_ns() >> (i % 8));
	}
	for (i = p; i + 1 < len && i - p < sizeof(rnd); i++)
		out[i] = alphabet[rnd[i - p] % (sizeof(alphabet) - 1)];
	out[i] = '\0';
}
