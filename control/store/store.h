/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file store.h
 * popd's state store: one SQLite database (`<state-dir>/pop.db`) in WAL mode
 * with synchronous=FULL, so a change acknowledged to a client survives a
 * crash or a power cut. Every module keeps its own tables in it and declares
 * them through store_migrate(). popd's thread only.
 *
 * Transactions nest: the outermost store_begin() is `BEGIN IMMEDIATE`, inner
 * ones are savepoints; store_commit()/store_rollback() close the innermost.
 * A module that changes what a table kind is compiled from calls
 * store_mark_dirty(); after the outermost commit popd takes the mask
 * (store_take_dirty()) and publishes those kinds. A rollback forgets the
 * marks made since the matching begin.
 */
#ifndef POP_STORE_H
#define POP_STORE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

/** Deepest nesting of store_begin(). */
#define STORE_MAX_DEPTH 16

/**
 * Open or create the store in @p dir (created mode 0750 when missing).
 * @param err on failure, a message naming the file and the reason.
 * @return 0 and *out, or a negative error (-ENOSPC for a full disk, -EIO).
 */
int store_open(const char *dir, struct store **out, char *err, size_t errlen);

/** Close (checkpointing the WAL). NULL is ignored. */
void store_close(struct store *st);

/** The database handle, for the modules' own statements. */
sqlite3 *store_db(struct store *st);

/** The database file's path. */
const char *store_path(const struct store *st);

/**
 * Apply a module's schema steps not applied yet, in order, each in its own
 * transaction, recording them in the table `store_schema`. Steps are only
 * ever appended: step i of a module must never change once released.
 * @return 0, or a negative error (logged with the failing step).
 */
int store_migrate(struct store *st, const char *module, const char *const *steps, size_t n);

/** Begin a transaction or a nested savepoint. -POP_ELIMIT past STORE_MAX_DEPTH. */
int store_begin(struct store *st);

/** Commit the innermost transaction or savepoint. -EIO / -ENOSPC on failure (rolled back). */
int store_commit(struct store *st);

/** Roll back the innermost transaction or savepoint. */
void store_rollback(struct store *st);

/** Current nesting depth (0 outside any transaction). */
int store_depth(const struct store *st);

/** Record that table kind @p kind (enum tables_kind) must be republished. */
void store_mark_dirty(struct store *st, unsigned kind);

/** The kinds marked since the last take, outside any transaction; then clear. */
uint32_t store_take_dirty(struct store *st);

/**
 * Run one statement with no result rows (convenience for DDL and simple
 * writes). @return 0 or a negative error (logged).
 */
int store_exec(struct store *st, const char *sql);

/** Map an SQLite result code to a negative errno (-ENOSPC for SQLITE_FULL, ...). */
int store_error(int sqlite_rc);

/** Read a value of the `store_meta` key-value table; -ENOENT when absent. */
int store_meta_get(struct store *st, const char *key, char *buf, size_t len);

/** Write a value of the `store_meta` key-value table. */
int store_meta_set(struct store *st, const char *key, const char *value);

/**
 * A new random identifier in the AWS style: @p prefix then uppercase letters
 * and digits up to @p len - 1 characters in all (for instance "Z" and 15 for
 * a hosted zone id like Z08160292WTVIDDQ2B8P).
 */
void store_new_id(const char *prefix, char *out, size_t len);

#endif /* POP_STORE_H */
