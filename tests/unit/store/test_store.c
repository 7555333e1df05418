/* SPDX-License-Identifier: BSD-3-Clause */
#include "store.h"
#include "tap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/pop-store-XXXXXX";

static long long count_rows(struct store *st, const char *table)
{
	sqlite3_stmt *q;
	char sql[128];
	long long n = -1;

	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s", table);
	if (sqlite3_prepare_v2(store_db(st), sql, -1, &q, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(q) == SQLITE_ROW)
		n = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return n;
}

static const char *const steps[] = {
    "CREATE TABLE t_items (id INTEGER PRIMARY KEY, v TEXT)",
    "CREATE INDEX t_items_v ON t_items (v)",
};

static void test_open_is_wal_and_full_sync(void)
{
	struct store *st;
	char err[256], sub[256];
	sqlite3_stmt *q;

	snprintf(sub, sizeof(sub), "%s/a/b/c", dir);
	CHECK_EQ(store_open(sub, &st, err, sizeof(err)), 0);
	CHECK(sqlite3_prepare_v2(store_db(st), "PRAGMA journal_mode", -1, &q, NULL) == SQLITE_OK);
	CHECK(sqlite3_step(q) == SQLITE_ROW);
	CHECK(strcmp((const char *)sqlite3_column_text(q, 0), "wal") == 0);
	sqlite3_finalize(q);
	CHECK(sqlite3_prepare_v2(store_db(st), "PRAGMA synchronous", -1, &q, NULL) == SQLITE_OK);
	CHECK(sqlite3_step(q) == SQLITE_ROW);
	CHECK_EQ(sqlite3_column_int(q, 0), 2); /* FULL */
	sqlite3_finalize(q);
	store_close(st);
}

static void test_migrations_apply_once(void)
{
	struct store *st;
	char err[256];

	CHECK_EQ(store_open(dir, &st, err, sizeof(err)), 0);
	CHECK_EQ(store_migrate(st, "t", steps, 1), 0);
	CHECK_EQ(store_migrate(st, "t", steps, 2), 0);
	CHECK_EQ(store_migrate(st, "t", steps, 2), 0);
	store_close(st);
	CHECK_EQ(store_open(dir, &st, err, sizeof(err)), 0);
	CHECK_EQ(store_migrate(st, "t", steps, 2), 0); /* would fail if re-run: table exists */
	CHECK_EQ(count_rows(st, "store_schema"), 3);   /* store's own step and t's two */
	store_close(st);
}

static void test_nested_transactions_and_dirty_marks(void)
{
	struct store *st;
	char err[256];

	CHECK_EQ(store_open(dir, &st, err, sizeof(err)), 0);
	CHECK_EQ(store_begin(st), 0);
	CHECK_EQ(store_exec(st, "INSERT INTO t_items (v) VALUES ('outer')"), 0);
	store_mark_dirty(st, 0);
	CHECK_EQ(store_begin(st), 0);
	CHECK_EQ(store_depth(st), 2);
	CHECK_EQ(store_exec(st, "INSERT INTO t_items (v) VALUES ('inner')"), 0);
	store_mark_dirty(st, 3);
	store_rollback(st);		   /* the inner step and its mark go */
	CHECK_EQ(store_take_dirty(st), 0); /* inside a transaction: nothing to take */
	CHECK_EQ(store_commit(st), 0);
	CHECK_EQ(store_depth(st), 0);
	CHECK_EQ(store_take_dirty(st), 1u << 0);
	CHECK_EQ(store_take_dirty(st), 0);
	CHECK_EQ(count_rows(st, "t_items"), 1);

	CHECK_EQ(store_begin(st), 0);
	CHECK_EQ(store_exec(st, "INSERT INTO t_items (v) VALUES ('gone')"), 0);
	store_mark_dirty(st, 1);
	store_rollback(st);
	CHECK_EQ(store_take_dirty(st), 0);
	CHECK_EQ(count_rows(st, "t_items"), 1);
	CHECK_EQ(store_commit(st), -EINVAL);
	for (int i = 0; i < STORE_MAX_DEPTH; i++)
		CHECK_EQ(store_begin(st), 0);
	CHECK(store_begin(st) < 0);
	for (int i = 0; i < STORE_MAX_DEPTH; i++)
		store_rollback(st);
	CHECK_EQ(store_depth(st), 0);
	store_close(st);
}

static void test_meta_and_ids(void)
{
	struct store *st;
	char err[256], buf[64], a[16], b[16];

	CHECK_EQ(store_open(dir, &st, err, sizeof(err)), 0);
	CHECK_EQ(store_meta_get(st, "k", buf, sizeof(buf)), -ENOENT);
	CHECK_EQ(store_meta_set(st, "k", "one"), 0);
	CHECK_EQ(store_meta_set(st, "k", "two"), 0);
	CHECK_EQ(store_meta_get(st, "k", buf, sizeof(buf)), 0);
	CHECK(strcmp(buf, "two") == 0);
	store_new_id("Z", a, sizeof(a));
	store_new_id("Z", b, sizeof(b));
	CHECK_EQ(strlen(a), 15);
	CHECK(a[0] == 'Z');
	CHECK(strcmp(a, b) != 0);
	for (size_t i = 1; i < strlen(a); i++)
		CHECK((a[i] >= 'A' && a[i] <= 'Z') || (a[i] >= '0' && a[i] <= '9'));
	store_close(st);
}

static void test_unusable_dir_is_a_clear_error(void)
{
	struct store *st = NULL;
	char err[256], file[256];
	FILE *f;

	snprintf(file, sizeof(file), "%s/plainfile", dir);
	f = fopen(file, "w");
	fclose(f);
	snprintf(file, sizeof(file), "%s/plainfile/sub", dir);
	CHECK(store_open(file, &st, err, sizeof(err)) < 0);
	CHECK(strstr(err, "plainfile") != NULL);
	CHECK(st == NULL);
}

/* A full disk: the commit fails with -ENOSPC and nothing half-written stays. */
static void test_full_disk(void)
{
	char small[256], err[256];
	struct store *st;
	int rc = 0, i;

	snprintf(small, sizeof(small), "%s/small", dir);
	mkdir(small, 0700);
	if (geteuid() != 0 || mount("tmpfs", small, "tmpfs", 0, "size=256k") != 0)
		TAP_SKIP("needs root to mount a small tmpfs");
	CHECK_EQ(store_open(small, &st, err, sizeof(err)), 0);
	CHECK_EQ(store_migrate(st, "t", steps, 1), 0);
	for (i = 0; i < 10000 && rc == 0; i++) {
		rc = store_begin(st);
		if (rc == 0)
			rc = store_exec(st,
					"INSERT INTO t_items (v) VALUES (hex(randomblob(2000)))");
		if (rc == 0)
			rc = store_commit(st);
		else
			store_rollback(st);
	}
	CHECK_EQ(rc, -ENOSPC);
	CHECK_EQ(store_depth(st), 0);
	store_close(st);
	umount2(small, MNT_DETACH);
}

int main(void)
{
	if (mkdtemp(dir) == NULL)
		return 1;
	RUN(test_open_is_wal_and_full_sync);
	RUN(test_migrations_apply_once);
	RUN(test_nested_transactions_and_dirty_marks);
	RUN(test_meta_and_ids);
	RUN(test_unusable_dir_is_a_clear_error);
	RUN(test_full_disk);
	{
		char cmd[300];
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			return 1;
	}
	return tap_done();
}
