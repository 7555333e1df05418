/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The geo table's compiler. The database's networks come from the table
 * popd published last when that one holds the stored load (a latency change
 * need not read a large file again, and the file may be gone), else from
 * the file; the latency prefixes from the store.
 */
#include "geo_ctl_pvt.h"

#include "store.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

static struct geo_compile_status last_status;

const struct geo_compile_status *geo_compile_last(void)
{
	return &last_status;
}

struct database_row {
	bool present;
	char path[PATH_MAX];
	uint64_t load_id, build_epoch;
};

static int read_database_row(struct popd_env *env, struct database_row *row)
{
	sqlite3_stmt *q;
	int rc = sqlite3_prepare_v2(store_db(env->store),
				    "SELECT path, load_id, build_epoch FROM geo_database WHERE "
				    "id = 1",
				    -1, &q, NULL);

	memset(row, 0, sizeof(*row));
	if (rc != SQLITE_OK)
		return store_error(rc);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		row->present = true;
		snprintf(row->path, sizeof(row->path), "%s",
			 (const char *)sqlite3_column_text(q, 0));
		row->load_id = (uint64_t)sqlite3_column_int64(q, 1);
		row->build_epoch = (uint64_t)sqlite3_column_int64(q, 2);
	}
	sqlite3_finalize(q);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_error(rc);
}

/* The database's facts, copied back out of the published table if it holds load @p load_id. */
static int from_published(struct popd_env *env, struct geo_builder *gb, uint64_t load_id,
			  bool *used)
{
	uint64_t gen = tables_root_published(env->root, TABLES_KIND_GEO);
	struct tables_snapshot *s = NULL;
	const struct geo_top *t;
	int rc = 0;

	*used = false;
	if (gen == 0 ||
	    tables_snapshot_map(tables_root_dir(env->root), TABLES_KIND_GEO, gen, &s) < 0)
		return 0;
	t = geo_table_check(s);
	if (t != NULL && t->database_load_id == load_id) {
		for (uint8_t family = 4; family <= 6 && rc == 0; family += 2) {
			uint32_t n = family == 4 ? t->v4.n_ranges : t->v6.n_ranges;
			for (uint32_t i = 0; i < n && rc == 0; i++) {
				struct geo_range r;
				rc = geo_range_get(s, t, family, i, &r);
				/* Ranges with only a region add nothing: the builder drops them. */
				if (rc == 0 && r.known)
					rc = geo_builder_add_range(gb, family, r.first, r.last,
								   &r.facts);
			}
		}
		*used = rc == 0;
	}
	tables_snapshot_unmap(s);
	return rc;
}

static int add_network(void *user, uint8_t family, const uint8_t *addr, uint8_t len,
		       const struct geo_facts *facts)
{
	return geo_builder_add_network(user, family, addr, len, facts);
}

static int add_latency_prefixes(struct popd_env *env, struct geo_builder *gb)
{
	sqlite3_stmt *q;
	int rc = sqlite3_prepare_v2(store_db(env->store),
				    "SELECT prefix, family, addr, len, region FROM "
				    "geo_latency_prefixes",
				    -1, &q, NULL);

	if (rc != SQLITE_OK)
		return store_error(rc);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		int family = sqlite3_column_int(q, 1), len = sqlite3_column_int(q, 3);
		const void *addr = sqlite3_column_blob(q, 2);
		int bytes = sqlite3_column_bytes(q, 2);
		int err;

		if ((family != 4 && family != 6) || bytes != (family == 4 ? 4 : 16) || len < 0 ||
		    len > 128)
			err = -EINVAL;
		else
			err =
			    geo_builder_add_latency_prefix(gb, (uint8_t)family, addr, (uint8_t)len,
							   (const char *)sqlite3_column_text(q, 4));
		if (err < 0) {
			GEO_CTL_LOG(ERR, "latency prefix %s in the store is refused: %s",
				    (const char *)sqlite3_column_text(q, 0), pop_strerror(err));
			sqlite3_finalize(q);
			return err;
		}
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : store_error(rc);
}

int geo_compile(struct popd_env *env, struct tables_builder *tb)
{
	struct geo_builder *gb = geo_builder_new();
	struct database_row row;
	struct geo_mmdb_info info;
	char err[512];
	bool used = false;
	int rc;

	memset(&last_status, 0, sizeof(last_status));
	snprintf(last_status.source, sizeof(last_status.source), "none");
	if (gb == NULL)
		return -ENOMEM;
	rc = read_database_row(env, &row);
	if (rc == 0 && row.present)
		rc = from_published(env, gb, row.load_id, &used);
	if (rc == 0 && row.present && used) {
		snprintf(last_status.source, sizeof(last_status.source), "snapshot");
	} else if (rc == 0 && row.present) {
		rc = geo_mmdb_read(row.path, add_network, gb, &info, err, sizeof(err));
		if (rc == 0) {
			used = true;
			snprintf(last_status.source, sizeof(last_status.source), "file");
			if (info.build_epoch != row.build_epoch)
				GEO_CTL_LOG(
				    WARNING,
				    "database %s changed since it was loaded (built %llu, "
				    "loaded as built %llu); compiling what the file holds now",
				    row.path, (unsigned long long)info.build_epoch,
				    (unsigned long long)row.build_epoch);
		} else if (rc != -ENOMEM) {
			/* popd must start and DNS must answer: go on without the facts. */
			GEO_CTL_LOG(ERR,
				    "%s; the geo table is published without database facts until "
				    "`geo load-database` succeeds",
				    err);
			snprintf(last_status.error, sizeof(last_status.error), "%s", err);
			geo_builder_free(gb);
			gb = geo_builder_new();
			rc = gb != NULL ? 0 : -ENOMEM;
		}
	}
	if (rc == 0 && used)
		geo_builder_set_database(gb, row.load_id, row.build_epoch);
	if (rc == 0)
		rc = add_latency_prefixes(env, gb);
	if (rc < 0) {
		geo_builder_free(gb);
		return rc;
	}
	return geo_builder_finish(gb, tb);
}
