/* SPDX-License-Identifier: BSD-3-Clause */
/* geo's command table, schema and start. */
#include "geo_ctl_pvt.h"

#include "store.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

/* Schema steps are only ever appended (store_migrate). */
static const char *const geo_schema[] = {
    /* The one database in use; load_id names this load in the published table. */
    "CREATE TABLE geo_database (id INTEGER PRIMARY KEY CHECK (id = 1), path TEXT NOT NULL, "
    "load_id INTEGER NOT NULL, database_type TEXT NOT NULL, build_epoch INTEGER NOT NULL, "
    "ip_version INTEGER NOT NULL, record_size INTEGER NOT NULL, node_count INTEGER NOT NULL, "
    "networks_v4 INTEGER NOT NULL, networks_v6 INTEGER NOT NULL, file_size INTEGER NOT NULL, "
    "loaded_at TEXT NOT NULL)",
    "CREATE TABLE geo_latency_prefixes (prefix TEXT PRIMARY KEY, family INTEGER NOT NULL, "
    "addr BLOB NOT NULL, len INTEGER NOT NULL, region TEXT NOT NULL)",
};

/* Route 53's latency regions (botocore route53 2013-04-01, ResourceRecordSetRegion). */
static const char *const latency_regions[] = {
    "us-east-1",      "us-east-2",	"us-west-1",	  "us-west-2",	    "ca-central-1",
    "eu-west-1",      "eu-west-2",	"eu-west-3",	  "eu-central-1",   "eu-central-2",
    "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-northeast-1", "ap-northeast-2",
    "ap-northeast-3", "eu-north-1",	"sa-east-1",	  "cn-north-1",	    "cn-northwest-1",
    "ap-east-1",      "me-south-1",	"me-central-1",	  "ap-south-1",	    "ap-south-2",
    "af-south-1",     "eu-south-1",	"eu-south-2",
};

/* ------------------------------------------------------------- arguments */

static const char *python_type(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "<class 'dict'>";
	case JSON_ARRAY:
		return "<class 'list'>";
	case JSON_STRING:
		return "<class 'str'>";
	case JSON_INTEGER:
		return "<class 'int'>";
	case JSON_REAL:
		return "<class 'float'>";
	case JSON_TRUE:
	case JSON_FALSE:
		return "<class 'bool'>";
	default:
		return "<class 'NoneType'>";
	}
}

/*
 * @p obj has only members named in @p names (NULL-terminated) and all of
 * them (they are all required here). @p where: "input" or "Prefixes[3]".
 */
static int check_members(struct ctl_call *call, const json_t *obj, const char *where,
			 const char *const *names)
{
	const char *key;
	json_t *v;

	for (const char *const *n = names; *n != NULL; n++)
		if (json_object_get(obj, *n) == NULL)
			return ctl_call_fail(call, -EINVAL, "InvalidInput",
					     "Missing required parameter in %s: \"%s\"", where, *n);
	json_object_foreach((json_t *)obj, key, v)
	{
		const char *const *n;
		char list[128];
		size_t used = 0;

		for (n = names; *n != NULL; n++)
			if (strcmp(*n, key) == 0)
				break;
		if (*n != NULL)
			continue;
		list[0] = '\0';
		for (n = names; *n != NULL; n++) {
			int w = snprintf(list + used, sizeof(list) - used, "%s%s", used ? ", " : "",
					 *n);
			if (w < 0 || (size_t)w >= sizeof(list) - used)
				break;
			used += (size_t)w;
		}
		return ctl_call_fail(call, -EINVAL, "InvalidInput",
				     "Unknown parameter in %s: \"%.100s\", must be one of: %s",
				     where, key, list);
	}
	return 0;
}

/* The string member @p name of @p obj, or NULL after failing the call. */
static const char *string_member(struct ctl_call *call, const json_t *obj, const char *where,
				 const char *name)
{
	const json_t *v = json_object_get(obj, name);
	char shown[80];

	if (json_is_string(v))
		return json_string_value(v);
	ctl_json_show(v, shown, sizeof(shown));
	ctl_call_fail(call, -EINVAL, "InvalidInput",
		      "Invalid type for parameter %s%s%s, value: %s, type: %s, valid types: <class "
		      "'str'>",
		      strcmp(where, "input") == 0 ? "" : where,
		      strcmp(where, "input") == 0 ? "" : ".", name, shown, python_type(v));
	return NULL;
}

static int no_args(struct ctl_call *call)
{
	static const char *const none[] = {NULL};

	return check_members(call, call->args, "input", none);
}

/* --------------------------------------------------------------- helpers */

int geo_prefix_parse(const char *text, uint8_t *family, uint8_t addr[16], uint8_t *len)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(text, '/');
	size_t host_len;
	unsigned bits, value = 0;
	const char *p;

	if (slash == NULL || slash[1] == '\0')
		return -EINVAL;
	host_len = (size_t)(slash - text);
	if (host_len == 0 || host_len >= sizeof(host))
		return -EINVAL;
	memcpy(host, text, host_len);
	host[host_len] = '\0';
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, host, addr) == 1) {
		*family = 4;
		bits = 32;
	} else if (inet_pton(AF_INET6, host, addr) == 1) {
		*family = 6;
		bits = 128;
	} else {
		return -EINVAL;
	}
	for (p = slash + 1; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || p - slash > 3)
			return -EINVAL;
		value = value * 10 + (unsigned)(*p - '0');
	}
	if (value > bits || (slash[1] == '0' && slash[2] != '\0'))
		return -EINVAL;
	/* Host bits must be zero: a prefix names a block, not an address in it. */
	for (unsigned b = value; b < bits; b++)
		if (addr[b / 8] & (0x80u >> (b % 8)))
			return -EINVAL;
	*len = (uint8_t)value;
	return 0;
}

void geo_prefix_format(uint8_t family, const uint8_t *addr, uint8_t len, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN];

	if (inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, host, sizeof(host)) == NULL)
		snprintf(host, sizeof(host), "?");
	snprintf(buf, size, "%s/%u", host, (unsigned)len);
}

json_t *geo_change(struct popd_env *env, const char *comment, int *rc)
{
	char id[32], at[48];

	*rc = env_change_new(env, 1u << TABLES_KIND_GEO, comment, id, sizeof(id), at, sizeof(at));
	if (*rc < 0)
		return NULL;
	return env_change_info(env, id);
}

static int store_fail(struct ctl_call *call, int sqlite_rc)
{
	int rc = store_error(sqlite_rc);

	return ctl_call_fail(call, rc < 0 ? rc : -EIO, "InternalFailure",
			     "the state store failed: %s; nothing was changed",
			     sqlite3_errstr(sqlite_rc));
}

static void format_epoch(uint64_t epoch, char *buf, size_t len)
{
	time_t t = (time_t)epoch;
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(buf, len, "%Y-%m-%dT%H:%M:%S+00:00", &tm) == 0)
		snprintf(buf, len, "?");
}

/* The stored database as get-status and load-database show it; json null when none. */
static json_t *database_json(struct popd_env *env, int *rc_out)
{
	sqlite3_stmt *q;
	json_t *db = NULL;
	int rc = sqlite3_prepare_v2(store_db(env->store),
				    "SELECT path, database_type, build_epoch, ip_version, "
				    "record_size, node_count, networks_v4, networks_v6, file_size, "
				    "loaded_at FROM geo_database WHERE id = 1",
				    -1, &q, NULL);

	*rc_out = 0;
	if (rc != SQLITE_OK) {
		*rc_out = rc;
		return NULL;
	}
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		char built[40];
		format_epoch((uint64_t)sqlite3_column_int64(q, 2), built, sizeof(built));
		db = json_pack("{s:s, s:s, s:I, s:s, s:i, s:i, s:I, s:I, s:I, s:I, s:s}", "Path",
			       (const char *)sqlite3_column_text(q, 0), "DatabaseType",
			       (const char *)sqlite3_column_text(q, 1), "BuildEpoch",
			       (json_int_t)sqlite3_column_int64(q, 2), "BuildTime", built,
			       "IpVersion", sqlite3_column_int(q, 3), "RecordSize",
			       sqlite3_column_int(q, 4), "NodeCount",
			       (json_int_t)sqlite3_column_int64(q, 5), "Ipv4Networks",
			       (json_int_t)sqlite3_column_int64(q, 6), "Ipv6Networks",
			       (json_int_t)sqlite3_column_int64(q, 7), "FileSize",
			       (json_int_t)sqlite3_column_int64(q, 8), "LoadedAt",
			       (const char *)sqlite3_column_text(q, 9));
	} else if (rc == SQLITE_DONE) {
		db = json_null();
	} else {
		*rc_out = rc;
	}
	sqlite3_finalize(q);
	return db;
}

/*
 * The geo table popd published last, mapped and checked; kept mapped until a
 * newer one is asked for (lookups by an operator come in bursts).
 */
static struct {
	struct tables_snapshot *snap;
	const struct geo_top *top;
	char dir[PATH_MAX];
} published;

static int published_table(struct popd_env *env, const struct tables_snapshot **s,
			   const struct geo_top **t)
{
	const char *dir = tables_root_dir(env->root);
	uint64_t gen = tables_root_published(env->root, TABLES_KIND_GEO);
	struct tables_snapshot *snap = NULL;
	int rc;

	if (gen == 0)
		return -ENOENT;
	if (published.snap != NULL && published.snap->generation == gen &&
	    strcmp(published.dir, dir) == 0) {
		*s = published.snap;
		*t = published.top;
		return 0;
	}
	rc = tables_snapshot_map(dir, TABLES_KIND_GEO, gen, &snap);
	if (rc < 0)
		return rc;
	*t = geo_table_check(snap);
	if (*t == NULL) {
		tables_snapshot_unmap(snap);
		return -POP_EFORMAT;
	}
	tables_snapshot_unmap(published.snap);
	published.snap = snap;
	published.top = *t;
	snprintf(published.dir, sizeof(published.dir), "%s", dir);
	*s = snap;
	return 0;
}

/* -------------------------------------------------------------- commands */

static int cmd_load_database(struct ctl_call *call)
{
	static const char *const members[] = {"Path", NULL};
	struct popd_env *env = env_of(call);
	struct geo_mmdb_info info;
	char err[512], loaded_at[48];
	const char *path;
	sqlite3_stmt *q;
	uint64_t load_id = 0;
	json_t *change, *db;
	int rc;

	if (check_members(call, call->args, "input", members) < 0)
		return -EINVAL;
	path = string_member(call, call->args, "input", "Path");
	if (path == NULL)
		return -EINVAL;
	if (path[0] != '/' || strlen(path) >= PATH_MAX)
		return ctl_call_fail(call, -EINVAL, "InvalidParameterValue",
				     "Path \"%.300s\" is not an absolute path; the geo database "
				     "was not changed",
				     path);
	rc = geo_mmdb_read(path, NULL, NULL, &info, err, sizeof(err));
	if (rc < 0)
		return ctl_call_fail(call, rc, "InvalidParameterValue",
				     "%s; the geo database was not changed", err);
	if (getrandom(&load_id, sizeof(load_id), 0) != (ssize_t)sizeof(load_id))
		load_id = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	load_id &= INT64_MAX; /* SQLite integers are signed */
	if (load_id == 0)
		load_id = 1;
	env_now_rfc3339(loaded_at, sizeof(loaded_at));
	rc = sqlite3_prepare_v2(
	    store_db(env->store),
	    "INSERT OR REPLACE INTO geo_database (id, path, load_id, "
	    "database_type, build_epoch, ip_version, record_size, node_count, "
	    "networks_v4, networks_v6, file_size, loaded_at) VALUES (1, ?, ?, ?, "
	    "?, ?, ?, ?, ?, ?, ?, ?)",
	    -1, &q, NULL);
	if (rc != SQLITE_OK)
		return store_fail(call, rc);
	sqlite3_bind_text(q, 1, path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, (sqlite3_int64)load_id);
	sqlite3_bind_text(q, 3, info.database_type, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 4, (sqlite3_int64)info.build_epoch);
	sqlite3_bind_int(q, 5, info.ip_version);
	sqlite3_bind_int(q, 6, info.record_size);
	sqlite3_bind_int64(q, 7, info.node_count);
	sqlite3_bind_int64(q, 8, (sqlite3_int64)info.networks[0]);
	sqlite3_bind_int64(q, 9, (sqlite3_int64)info.networks[1]);
	sqlite3_bind_int64(q, 10, (sqlite3_int64)info.file_size);
	sqlite3_bind_text(q, 11, loaded_at, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return store_fail(call, rc);
	change = geo_change(env, "geo load-database", &rc);
	if (change == NULL)
		return ctl_call_fail(call, rc < 0 ? rc : -ENOMEM, "InternalFailure",
				     "cannot record the change: %s; nothing was changed",
				     pop_strerror(rc));
	db = database_json(env, &rc);
	call->result = json_pack("{s:o, s:o}", "Database", db != NULL ? db : json_null(),
				 "ChangeInfo", change);
	GEO_CTL_LOG(INFO, "database %s loaded: %s built %llu, %llu IPv4 and %llu IPv6 networks",
		    path, info.database_type, (unsigned long long)info.build_epoch,
		    (unsigned long long)info.networks[0], (unsigned long long)info.networks[1]);
	return call->result != NULL ? 0 : -ENOMEM;
}

static bool region_known(const char *region)
{
	for (size_t i = 0; i < sizeof(latency_regions) / sizeof(latency_regions[0]); i++)
		if (strcmp(latency_regions[i], region) == 0)
			return true;
	return false;
}

static int cmd_put_latency_prefixes(struct ctl_call *call)
{
	static const char *const members[] = {"Prefixes", NULL};
	static const char *const item_members[] = {"Prefix", "Region", NULL};
	struct popd_env *env = env_of(call);
	sqlite3 *db = store_db(env->store);
	sqlite3_stmt *q = NULL;
	const json_t *list;
	json_t *item, *change;
	char shown[80];
	size_t i;
	int rc;

	if (check_members(call, call->args, "input", members) < 0)
		return -EINVAL;
	list = json_object_get(call->args, "Prefixes");
	if (!json_is_array(list)) {
		ctl_json_show(list, shown, sizeof(shown));
		return ctl_call_fail(call, -EINVAL, "InvalidInput",
				     "Invalid type for parameter Prefixes, value: %s, type: %s, "
				     "valid types: <class 'list'>, <class 'tuple'>",
				     shown, python_type(list));
	}
	if (json_array_size(list) > GEO_CTL_MAX_LATENCY_PREFIXES)
		return ctl_call_fail(call, -POP_ELIMIT, "InvalidParameterValue",
				     "Prefixes holds %zu prefixes, more than %d; the latency table "
				     "was not changed",
				     json_array_size(list), GEO_CTL_MAX_LATENCY_PREFIXES);
	rc = sqlite3_exec(db, "DELETE FROM geo_latency_prefixes", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db,
					"INSERT INTO geo_latency_prefixes (prefix, family, addr, "
					"len, region) VALUES (?, ?, ?, ?, ?)",
					-1, &q, NULL);
	if (rc != SQLITE_OK)
		return store_fail(call, rc);
	json_array_foreach(list, i, item)
	{
		char where[32], canonical[64];
		const char *prefix, *region;
		uint8_t family, addr[16], len;

		snprintf(where, sizeof(where), "Prefixes[%zu]", i);
		if (!json_is_object(item)) {
			ctl_json_show(item, shown, sizeof(shown));
			sqlite3_finalize(q);
			return ctl_call_fail(call, -EINVAL, "InvalidInput",
					     "Invalid type for parameter %s, value: %s, type: %s, "
					     "valid types: <class 'dict'>",
					     where, shown, python_type(item));
		}
		if (check_members(call, item, where, item_members) < 0 ||
		    (prefix = string_member(call, item, where, "Prefix")) == NULL ||
		    (region = string_member(call, item, where, "Region")) == NULL) {
			sqlite3_finalize(q);
			return -EINVAL;
		}
		if (geo_prefix_parse(prefix, &family, addr, &len) < 0) {
			sqlite3_finalize(q);
			return ctl_call_fail(
			    call, -EINVAL, "InvalidParameterValue",
			    "%s.Prefix \"%.80s\" is not an IPv4 or IPv6 CIDR block "
			    "with its host bits zero (like 198.18.0.0/24); the "
			    "latency table was not changed",
			    where, prefix);
		}
		if (!region_known(region)) {
			sqlite3_finalize(q);
			return ctl_call_fail(
			    call, -EINVAL, "InvalidParameterValue",
			    "%s.Region \"%.40s\" is not a Route 53 latency region "
			    "(us-east-1, eu-west-1, ap-southeast-2, ...); the latency "
			    "table was not changed",
			    where, region);
		}
		geo_prefix_format(family, addr, len, canonical, sizeof(canonical));
		sqlite3_reset(q);
		sqlite3_bind_text(q, 1, canonical, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(q, 2, family);
		sqlite3_bind_blob(q, 3, addr, family == 4 ? 4 : 16, SQLITE_TRANSIENT);
		sqlite3_bind_int(q, 4, len);
		sqlite3_bind_text(q, 5, region, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(q);
		if (rc == SQLITE_CONSTRAINT) {
			sqlite3_finalize(q);
			return ctl_call_fail(call, -EEXIST, "InvalidParameterValue",
					     "%s.Prefix %s is listed more than once; the latency "
					     "table was not changed",
					     where, canonical);
		}
		if (rc != SQLITE_DONE) {
			sqlite3_finalize(q);
			return store_fail(call, rc);
		}
	}
	sqlite3_finalize(q);
	change = geo_change(env, "geo put-latency-prefixes", &rc);
	if (change == NULL)
		return ctl_call_fail(call, rc < 0 ? rc : -ENOMEM, "InternalFailure",
				     "cannot record the change: %s; nothing was changed",
				     pop_strerror(rc));
	call->result = json_pack("{s:I, s:o}", "PrefixCount", (json_int_t)json_array_size(list),
				 "ChangeInfo", change);
	return call->result != NULL ? 0 : -ENOMEM;
}

static int cmd_list_latency_prefixes(struct ctl_call *call)
{
	struct popd_env *env = env_of(call);
	sqlite3_stmt *q;
	json_t *list;
	int rc;

	if (no_args(call) < 0)
		return -EINVAL;
	rc = sqlite3_prepare_v2(store_db(env->store),
				"SELECT prefix, region FROM geo_latency_prefixes ORDER BY family, "
				"addr, len",
				-1, &q, NULL);
	if (rc != SQLITE_OK)
		return store_fail(call, rc);
	list = json_array();
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		json_array_append_new(
		    list, json_pack("{s:s, s:s}", "Prefix", (const char *)sqlite3_column_text(q, 0),
				    "Region", (const char *)sqlite3_column_text(q, 1)));
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		json_decref(list);
		return store_fail(call, rc);
	}
	call->result = json_pack("{s:o}", "Prefixes", list);
	return call->result != NULL ? 0 : -ENOMEM;
}

static int count_rows(struct popd_env *env, const char *sql, long long *n)
{
	sqlite3_stmt *q;
	int rc = sqlite3_prepare_v2(store_db(env->store), sql, -1, &q, NULL);

	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(q);
	*n = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
	sqlite3_finalize(q);
	return rc == SQLITE_ROW ? SQLITE_OK : rc;
}

static int cmd_get_status(struct ctl_call *call)
{
	struct popd_env *env = env_of(call);
	const struct geo_compile_status *last = geo_compile_last();
	const struct tables_snapshot *s;
	const struct geo_top *t;
	json_t *db, *table = json_null();
	long long n_prefixes = 0, load_id = 0;
	uint64_t pub, app;
	int rc;

	if (no_args(call) < 0)
		return -EINVAL;
	db = database_json(env, &rc);
	if (db == NULL)
		return store_fail(call, rc);
	rc = count_rows(env, "SELECT count(*) FROM geo_latency_prefixes", &n_prefixes);
	if (rc == SQLITE_OK)
		rc =
		    count_rows(env, "SELECT coalesce(max(load_id), 0) FROM geo_database", &load_id);
	if (rc != SQLITE_OK) {
		json_decref(db);
		return store_fail(call, rc);
	}
	pub = tables_root_published(env->root, TABLES_KIND_GEO);
	app = tables_root_applied(env->root, TABLES_KIND_GEO);
	if (published_table(env, &s, &t) == 0)
		table = json_pack(
		    "{s:I, s:I, s:b, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "Generation",
		    (json_int_t)pub, "AppliedGeneration", (json_int_t)app, "InSync", pub == app,
		    "DatabaseLoaded", load_id != 0 && t->database_load_id == (uint64_t)load_id,
		    "BuildEpoch", (json_int_t)t->database_build_epoch, "Networks",
		    (json_int_t)t->n_networks, "LatencyPrefixes", (json_int_t)t->n_latency_prefixes,
		    "Ipv4Ranges", (json_int_t)t->v4.n_ranges, "Ipv6Ranges",
		    (json_int_t)t->v6.n_ranges, "Records", (json_int_t)t->n_records, "Bytes",
		    (json_int_t)s->size);
	call->result = json_pack("{s:o, s:I, s:o, s:{s:s, s:o}}", "Database", db,
				 "LatencyPrefixCount", (json_int_t)n_prefixes, "Table", table,
				 "LastCompile", "Source", last->source[0] ? last->source : "none",
				 "Error", last->error[0] ? json_string(last->error) : json_null());
	return call->result != NULL ? 0 : -ENOMEM;
}

static json_t *degrees(int32_t e4)
{
	char buf[24];
	uint32_t a = e4 < 0 ? (uint32_t)(-(int64_t)e4) : (uint32_t)e4;

	snprintf(buf, sizeof(buf), "%s%u.%04u", e4 < 0 ? "-" : "", a / 10000, a % 10000);
	return json_string(buf);
}

static int cmd_lookup(struct ctl_call *call)
{
	static const char *const members[] = {"Address", NULL};
	struct popd_env *env = env_of(call);
	const struct tables_snapshot *s;
	const struct geo_top *t;
	struct geo_answer ans;
	uint8_t addr[16] = {0}, family, masked[16];
	char text[INET6_ADDRSTRLEN], prefix[64];
	const char *address;
	json_t *r;
	bool found;
	int rc;

	if (check_members(call, call->args, "input", members) < 0)
		return -EINVAL;
	address = string_member(call, call->args, "input", "Address");
	if (address == NULL)
		return -EINVAL;
	if (inet_pton(AF_INET, address, addr) == 1)
		family = 4;
	else if (inet_pton(AF_INET6, address, addr) == 1)
		family = 6;
	else
		return ctl_call_fail(call, -EINVAL, "InvalidParameterValue",
				     "Address \"%.80s\" is not an IPv4 or IPv6 address", address);
	rc = published_table(env, &s, &t);
	if (rc < 0)
		return ctl_call_fail(call, rc, "NoSuchTable", "no geo table is published%s (%s)",
				     rc == -ENOENT ? " yet" : " that can be read",
				     pop_strerror(rc));
	found = geo_lookup(s, family, addr, &ans);
	memcpy(masked, addr, sizeof(masked));
	for (unsigned b = ans.scope_prefix; b < (family == 4 ? 32u : 128u); b++)
		masked[b / 8] &= (uint8_t) ~(0x80u >> (b % 8));
	geo_prefix_format(family, masked, ans.scope_prefix, prefix, sizeof(prefix));
	inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, text, sizeof(text));
	r = json_pack("{s:s, s:I, s:b, s:s}", "Address", text, "Generation",
		      (json_int_t)s->generation, "Found", found, "Prefix", prefix);
	if (r != NULL && found) {
		json_t *loc = json_object();
		if (ans.continent[0])
			json_object_set_new(loc, "ContinentCode", json_string(ans.continent));
		if (ans.country[0])
			json_object_set_new(loc, "CountryCode", json_string(ans.country));
		if (ans.subdivision[0])
			json_object_set_new(loc, "SubdivisionCode", json_string(ans.subdivision));
		if (json_object_size(loc) > 0)
			json_object_set_new(r, "GeoLocation", loc);
		else
			json_decref(loc);
		if (ans.have_location)
			json_object_set_new(r, "Coordinates",
					    json_pack("{s:o, s:o}", "Latitude",
						      degrees(ans.latitude_e4), "Longitude",
						      degrees(ans.longitude_e4)));
		if (ans.region[0])
			json_object_set_new(r, "Region", json_string(ans.region));
	}
	call->result = r;
	return r != NULL ? 0 : -ENOMEM;
}

const struct ctl_command geo_commands[] = {
    {"geo load-database", "--path /var/lib/pop/GeoLite2-City.mmdb", cmd_load_database,
     CTL_CMD_MUTATES},
    {"geo put-latency-prefixes",
     "--prefixes '[{\"Prefix\":\"198.18.0.0/24\",\"Region\":\"us-east-1\"},...]' (replaces "
     "the whole latency table)",
     cmd_put_latency_prefixes, CTL_CMD_MUTATES},
    {"geo list-latency-prefixes", "", cmd_list_latency_prefixes, 0},
    {"geo get-status", "", cmd_get_status, 0},
    {"geo lookup", "--address 198.18.0.1", cmd_lookup, 0},
};

const size_t geo_command_count = sizeof(geo_commands) / sizeof(geo_commands[0]);

int geo_init(struct popd_env *env)
{
	int rc = store_migrate(env->store, "geo", geo_schema,
			       sizeof(geo_schema) / sizeof(geo_schema[0]));

	if (rc < 0)
		return rc;
	return env_register_compiler(env, TABLES_KIND_GEO, geo_compile);
}
