/* SPDX-License-Identifier: BSD-3-Clause */
/* The prefilter module's commands, schema and compiler. */
#include "prefilter_ctl.h"

#include "base.h"
#include "prefilter.h"
#include "store.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PREFILTER_CTL_LOG(level, ...) POP_LOG("prefilter", level, __VA_ARGS__)

#define PROTO_TCP 6
#define PROTO_UDP 17

/* Schema steps are only ever appended (store_migrate). */
static const char *const prefilter_schema[] = {
    ("CREATE TABLE prefilter_rules (list TEXT NOT NULL CHECK (list IN ('block', 'allow')), "
     "cidr TEXT NOT NULL, family INTEGER NOT NULL, addr BLOB NOT NULL, len INTEGER NOT NULL, "
     "comment TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (list, cidr))"),
    ("CREATE TABLE prefilter_settings (id INTEGER PRIMARY KEY CHECK (id = 1), "
     "rate4_pps INTEGER NOT NULL, rate4_burst INTEGER NOT NULL, rate6_pps INTEGER NOT NULL, "
     "rate6_burst INTEGER NOT NULL, pass_fragments INTEGER NOT NULL)"),
    "INSERT INTO prefilter_settings VALUES (1, 0, 0, 0, 0, 0)",
    ("CREATE TABLE prefilter_ports (protocol INTEGER NOT NULL, port INTEGER NOT NULL, "
     "PRIMARY KEY (protocol, port))"),
    "INSERT INTO prefilter_ports VALUES (17, 53), (6, 53), (6, 80), (6, 443)",
};

static const char *const list_names[PREFILTER_LIST_MAX] = {"block", "allow"};

/* --------------------------------------------------------------- helpers */

int prefilter_cidr_parse(const char *text, uint8_t *family, uint8_t addr[16], uint8_t *len)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(text, '/');
	size_t host_len = slash != NULL ? (size_t)(slash - text) : strlen(text);
	unsigned bits, value;

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
	value = bits;
	if (slash != NULL) {
		const char *p = slash + 1;

		if (*p == '\0' || strlen(p) > 3 || (p[0] == '0' && p[1] != '\0'))
			return -EINVAL;
		value = 0;
		for (; *p != '\0'; p++) {
			if (*p < '0' || *p > '9')
				return -EINVAL;
			value = value * 10 + (unsigned)(*p - '0');
		}
		if (value > bits)
			return -EINVAL;
	}
	for (unsigned b = value; b < bits; b++)
		if (addr[b / 8] & (0x80u >> (b % 8)))
			return -EINVAL;
	*len = (uint8_t)value;
	return 0;
}

static void cidr_format(uint8_t family, const uint8_t *addr, uint8_t len, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN];

	if (inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, host, sizeof(host)) == NULL)
		snprintf(host, sizeof(host), "?");
	snprintf(buf, size, "%s/%u", host, (unsigned)len);
}

static int store_fail(struct ctl_call *call, int sqlite_rc)
{
	int rc = store_error(sqlite_rc);

	return ctl_call_fail(call, rc < 0 ? rc : -EIO, "InternalFailure",
			     "the state store failed: %s; nothing was changed",
			     sqlite3_errstr(sqlite_rc));
}

/* Refuse members of call->args outside @p names (NULL-terminated). */
static int only_members(struct ctl_call *call, const char *const *names)
{
	const char *key;
	json_t *v;

	json_object_foreach(call->args, key, v)
	{
		const char *const *n;

		for (n = names; *n != NULL; n++)
			if (strcmp(*n, key) == 0)
				break;
		if (*n == NULL)
			return ctl_call_fail(
			    call, -EINVAL, "InvalidInput",
			    "Unknown parameter in input: \"%.64s\"; %s was not done", key,
			    call->command);
	}
	return 0;
}

/* A string member; NULL (and the call failed) when required and absent or not a string. */
static const char *string_arg(struct ctl_call *call, const char *name, bool required, int *rc)
{
	const json_t *v = json_object_get(call->args, name);

	*rc = 0;
	if (v == NULL && !required)
		return NULL;
	if (json_is_string(v))
		return json_string_value(v);
	*rc = ctl_call_fail(call, -EINVAL, "InvalidInput",
			    v == NULL ? "Missing required parameter in input: \"%s\""
				      : "Invalid type for parameter %s: a string is expected",
			    name);
	return NULL;
}

/*
 * An unsigned member given as a JSON integer or as digits (popctl passes
 * option values as strings). 1 when present, 0 when absent, <0 on error.
 */
static int uint_arg(struct ctl_call *call, const char *name, uint64_t max, uint64_t *out)
{
	const json_t *v = json_object_get(call->args, name);
	char *end;

	if (v == NULL)
		return 0;
	if (json_is_integer(v) && json_integer_value(v) >= 0 &&
	    (uint64_t)json_integer_value(v) <= max) {
		*out = (uint64_t)json_integer_value(v);
		return 1;
	}
	if (json_is_string(v) && json_string_value(v)[0] >= '0' && json_string_value(v)[0] <= '9') {
		errno = 0;
		*out = strtoull(json_string_value(v), &end, 10);
		if (errno == 0 && *end == '\0' && *out <= max)
			return 1;
	}
	return ctl_call_fail(call, -EINVAL, "InvalidParameterValue",
			     "%s must be a whole number from 0 to %llu; nothing was changed", name,
			     (unsigned long long)max);
}

static json_t *change_info(struct popd_env *env, const char *comment, int *rc)
{
	char id[32], at[48];

	*rc = env_change_new(env, 1u << TABLES_KIND_PREFILTER, comment, id, sizeof(id), at,
			     sizeof(at));
	if (*rc < 0)
		return NULL;
	return env_change_info(env, id);
}

/* Sets call->result to {key: value, "ChangeInfo": ...} (value may be NULL: only ChangeInfo). */
static int finish(struct ctl_call *call, const char *key, json_t *value)
{
	int rc;
	json_t *change = change_info(env_of(call), call->command, &rc);

	if (change == NULL) {
		json_decref(value);
		return ctl_call_fail(call, rc < 0 ? rc : -ENOMEM, "InternalFailure",
				     "cannot record the change: %s; nothing was changed",
				     pop_strerror(rc));
	}
	call->result = json_object();
	if (call->result == NULL) {
		json_decref(value);
		json_decref(change);
		return -ENOMEM;
	}
	if (value != NULL)
		json_object_set_new(call->result, key, value);
	json_object_set_new(call->result, "ChangeInfo", change);
	return 0;
}

/* --------------------------------------------------------------- lists */

static int add_rule(struct ctl_call *call, enum prefilter_list_kind list)
{
	static const char *const members[] = {"Cidr", "Comment", NULL};
	struct popd_env *env = env_of(call);
	sqlite3 *db = store_db(env->store);
	const char *cidr, *comment;
	char canonical[64], now[48];
	uint8_t family, addr[16], len;
	sqlite3_stmt *q;
	int rc;

	if (only_members(call, members) < 0)
		return -EINVAL;
	cidr = string_arg(call, "Cidr", true, &rc);
	if (cidr == NULL)
		return rc;
	comment = string_arg(call, "Comment", false, &rc);
	if (rc < 0)
		return rc;
	if (comment != NULL && strlen(comment) > 256)
		return ctl_call_fail(call, -EINVAL, "InvalidParameterValue",
				     "Comment is longer than 256 bytes; nothing was changed");
	if (prefilter_cidr_parse(cidr, &family, addr, &len) < 0)
		return ctl_call_fail(
		    call, -EINVAL, "InvalidParameterValue",
		    "Cidr \"%.80s\" is not an IPv4 or IPv6 CIDR block with its host "
		    "bits zero, nor an address (like 198.18.5.0/24 or "
		    "2001:2:0:5::/64); nothing was changed",
		    cidr);
	cidr_format(family, addr, len, canonical, sizeof(canonical));
	/* The bound of the XDP map: popd refuses what the data plane could not hold. */
	rc =
	    sqlite3_prepare_v2(db,
			       "SELECT count(*) FROM prefilter_rules WHERE list = ? AND family = ? "
			       "AND cidr != ?",
			       -1, &q, NULL);
	if (rc != SQLITE_OK)
		return store_fail(call, rc);
	sqlite3_bind_text(q, 1, list_names[list], -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 2, family);
	sqlite3_bind_text(q, 3, canonical, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW && sqlite3_column_int64(q, 0) >= PF_MAX_RULES) {
		sqlite3_finalize(q);
		return ctl_call_fail(call, -POP_ELIMIT, "LimitExceeded",
				     "the %s list holds %d IPv%u prefixes already, its limit; "
				     "nothing was changed",
				     list_names[list], PF_MAX_RULES, (unsigned)family);
	}
	sqlite3_finalize(q);
	env_now_rfc3339(now, sizeof(now));
	rc = sqlite3_prepare_v2(
	    db,
	    "INSERT INTO prefilter_rules (list, cidr, family, addr, len, comment, "
	    "created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (list, cidr) DO "
	    "UPDATE SET comment = excluded.comment",
	    -1, &q, NULL);
	if (rc != SQLITE_OK)
		return store_fail(call, rc);
	sqlite3_bind_text(q, 1, list_names[list], -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, canonical, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(q, 3, family);
	sqlite3_bind_blob(q, 4, addr, family == 4 ? 4 : 16, SQLITE_TRANSIENT);
	sqlite3_bind_int(q, 5, len);
	sqlite3_bind_text(q, 6, comment != NULL ? comment : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 7, now, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return store_fail(call, rc);
	return finish(call, "Rule",
		      json_pack("{s:s, s:s, s:s}", "Cidr", canonical, "List", list_names[list],
				"Comment", comment != NULL ? comment : ""));
}

static int remove_rule(struct ctl_call *call, enum prefilter_list_kind list)
{
	static const char *const members[] = {"Cidr", NULL};
	struct popd_env *env = env_of(call);
	const char *cidr;
	char canonical[64];
	uint8_t family, addr[16], len;
	sqlite3_stmt *q;
	int rc;

	if (only_members(call, members) < 0)
		return -EINVAL;
	cidr = string_arg(call, "Cidr", true, &rc);
	if (cidr == NULL)
		return rc;
	if (prefilter_cidr_parse(cidr, &family, addr, &len) < 0)
		return ctl_call_fail(
		    call, -EINVAL, "InvalidParameterValue",
		    "Cidr \"%.80s\" is not an IPv4 or IPv6 CIDR block with its host "
		    "bits zero, nor an address; nothing was changed",
		    cidr);
	cidr_format(family, addr, len, canonical, sizeof(canonical));
	rc = sqlite3_prepare_v2(store_db(env->store),
				"DELETE FROM prefilter_rules WHERE list = ? AND cidr = ?", -1, &q,
				NULL);
	if (rc != SQLITE_OK)
		return store_fail(call, rc);
	sqlite3_bind_text(q, 1, list_names[list], -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, canonical, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return store_fail(call, rc);
	if (sqlite3_changes(store_db(env->store)) == 0)
		return ctl_call_fail(call, -ENOENT, "NoSuchRule",
				     "%s is not in the %s list; nothing was changed", canonical,
				     list_names[list]);
	return finish(call, NULL, NULL);
}

static int cmd_block(struct ctl_call *call)
{
	return add_rule(call, PREFILTER_LIST_BLOCK);
}

static int cmd_unblock(struct ctl_call *call)
{
	return remove_rule(call, PREFILTER_LIST_BLOCK);
}

static int cmd_allow(struct ctl_call *call)
{
	return add_rule(call, PREFILTER_LIST_ALLOW);
}

static int cmd_disallow(struct ctl_call *call)
{
	return remove_rule(call, PREFILTER_LIST_ALLOW);
}

/* ------------------------------------------------------------ settings */

static int read_settings(struct popd_env *env, struct pf_config *cfg)
{
	sqlite3_stmt *q;
	int rc = sqlite3_prepare_v2(store_db(env->store),
				    "SELECT rate4_pps, rate4_burst, rate6_pps, rate6_burst, "
				    "pass_fragments FROM prefilter_settings WHERE id = 1",
				    -1, &q, NULL);

	memset(cfg, 0, sizeof(*cfg));
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		cfg->rate4_pps = (uint32_t)sqlite3_column_int64(q, 0);
		cfg->rate4_burst = (uint32_t)sqlite3_column_int64(q, 1);
		cfg->rate6_pps = (uint32_t)sqlite3_column_int64(q, 2);
		cfg->rate6_burst = (uint32_t)sqlite3_column_int64(q, 3);
		cfg->flags = sqlite3_column_int(q, 4) ? PF_CONFIG_PASS_FRAGMENTS : 0;
		rc = SQLITE_OK;
	}
	sqlite3_finalize(q);
	return rc;
}

static json_t *rates_json(const struct pf_config *cfg)
{
	return json_pack("{s:I, s:I, s:I, s:I}", "PerSourcePps", (json_int_t)cfg->rate4_pps,
			 "Burst", (json_int_t)cfg->rate4_burst, "PerPrefix64Pps",
			 (json_int_t)cfg->rate6_pps, "Prefix64Burst", (json_int_t)cfg->rate6_burst);
}

static int cmd_rates(struct ctl_call *call)
{
	static const char *const members[] = {"PerSourcePps", "Burst", "PerPrefix64Pps",
					      "Prefix64Burst", NULL};
	struct popd_env *env = env_of(call);
	struct pf_config cfg;
	uint64_t v;
	sqlite3_stmt *q;
	int rc, given = 0;

	if (only_members(call, members) < 0)
		return -EINVAL;
	rc = read_settings(env, &cfg);
	if (rc != SQLITE_OK)
		return store_fail(call, rc);
#define TAKE(name, member, max)                                                                    \
	do {                                                                                       \
		int got_ = uint_arg(call, name, max, &v);                                          \
		if (got_ < 0)                                                                      \
			return got_;                                                               \
		if (got_ > 0) {                                                                    \
			cfg.member = (uint32_t)v;                                                  \
			given++;                                                                   \
		}                                                                                  \
	} while (0)
	TAKE("PerSourcePps", rate4_pps, PF_RATE_MAX_PPS);
	TAKE("Burst", rate4_burst, PF_RATE_MAX_BURST);
	TAKE("PerPrefix64Pps", rate6_pps, PF_RATE_MAX_PPS);
	TAKE("Prefix64Burst", rate6_burst, PF_RATE_MAX_BURST);
#undef TAKE
	if (given == 0)
		return ctl_call_fail(call, -EINVAL, "InvalidInput",
				     "give at least one of --per-source-pps, --burst, "
				     "--per-prefix64-pps, --prefix64-burst; nothing was changed");
	if ((cfg.rate4_pps != 0 && cfg.rate4_burst == 0) ||
	    (cfg.rate6_pps != 0 && cfg.rate6_burst == 0))
		return ctl_call_fail(call, -EINVAL, "InvalidParameterValue",
				     "a rate above 0 needs a burst of 1 or more (--burst, "
				     "--prefix64-burst); nothing was changed");
	rc = sqlite3_prepare_v2(store_db(env->store),
				"UPDATE prefilter_settings SET rate4_pps = ?, rate4_burst = ?, "
				"rate6_pps = ?, rate6_burst = ? WHERE id = 1",
				-1, &q, NULL);
	if (rc != SQLITE_OK)
		return store_fail(call, rc);
	sqlite3_bind_int64(q, 1, cfg.rate4_pps);
	sqlite3_bind_int64(q, 2, cfg.rate4_burst);
	sqlite3_bind_int64(q, 3, cfg.rate6_pps);
	sqlite3_bind_int64(q, 4, cfg.rate6_burst);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return store_fail(call, rc);
	return finish(call, "Rates", rates_json(&cfg));
}

static int cmd_set_fragments(struct ctl_call *call)
{
	static const char *const members[] = {"Action", NULL};
	const char *action;
	sqlite3_stmt *q;
	int rc, pass;

	if (only_members(call, members) < 0)
		return -EINVAL;
	action = string_arg(call, "Action", true, &rc);
	if (action == NULL)
		return rc;
	if (strcmp(action, "drop") != 0 && strcmp(action, "pass") != 0)
		return ctl_call_fail(
		    call, -EINVAL, "InvalidParameterValue",
		    "Action must be drop or pass, not \"%.32s\"; nothing was changed", action);
	pass = strcmp(action, "pass") == 0;
	rc = sqlite3_prepare_v2(store_db(env_of(call)->store),
				"UPDATE prefilter_settings SET pass_fragments = ? WHERE id = 1", -1,
				&q, NULL);
	if (rc != SQLITE_OK)
		return store_fail(call, rc);
	sqlite3_bind_int(q, 1, pass);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return store_fail(call, rc);
	return finish(call, "Fragments", json_string(pass ? "pass" : "drop"));
}

static json_t *ports_json(struct popd_env *env, int *rc_out)
{
	sqlite3_stmt *q;
	json_t *list;
	int rc = sqlite3_prepare_v2(store_db(env->store),
				    "SELECT protocol, port FROM prefilter_ports ORDER BY protocol "
				    "DESC, port",
				    -1, &q, NULL);

	*rc_out = rc;
	if (rc != SQLITE_OK)
		return NULL;
	list = json_array();
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		json_array_append_new(
		    list, json_pack("{s:s, s:i}", "Protocol",
				    sqlite3_column_int(q, 0) == PROTO_UDP ? "udp" : "tcp", "Port",
				    sqlite3_column_int(q, 1)));
	sqlite3_finalize(q);
	*rc_out = rc == SQLITE_DONE ? SQLITE_OK : rc;
	if (rc != SQLITE_DONE) {
		json_decref(list);
		return NULL;
	}
	return list;
}

static int cmd_set_service_ports(struct ctl_call *call)
{
	static const char *const members[] = {"Ports", NULL};
	struct popd_env *env = env_of(call);
	sqlite3 *db = store_db(env->store);
	const json_t *list = json_object_get(call->args, "Ports");
	json_t *item, *shown;
	sqlite3_stmt *q;
	size_t i;
	int rc;

	if (only_members(call, members) < 0)
		return -EINVAL;
	if (!json_is_array(list) || json_array_size(list) == 0 ||
	    json_array_size(list) > PF_MAX_SERVICE_PORTS)
		return ctl_call_fail(
		    call, -EINVAL, "InvalidParameterValue",
		    "Ports must be a list of 1 to %d {\"Protocol\": \"udp\"|\"tcp\", "
		    "\"Port\": N}; nothing was changed",
		    PF_MAX_SERVICE_PORTS);
	rc = sqlite3_exec(db, "DELETE FROM prefilter_ports", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db,
					"INSERT OR IGNORE INTO prefilter_ports (protocol, port) "
					"VALUES (?, ?)",
					-1, &q, NULL);
	if (rc != SQLITE_OK)
		return store_fail(call, rc);
	json_array_foreach(list, i, item)
	{
		const char *proto = json_string_value(json_object_get(item, "Protocol"));
		const json_t *port = json_object_get(item, "Port");
		json_int_t p = json_is_integer(port) ? json_integer_value(port) : -1;

		if (!json_is_object(item) || json_object_size(item) != 2 || proto == NULL ||
		    (strcmp(proto, "udp") != 0 && strcmp(proto, "tcp") != 0) || p < 1 ||
		    p > 65535) {
			sqlite3_finalize(q);
			return ctl_call_fail(call, -EINVAL, "InvalidParameterValue",
					     "Ports[%zu] must be {\"Protocol\": \"udp\"|\"tcp\", "
					     "\"Port\": 1-65535}; nothing was changed",
					     i);
		}
		sqlite3_reset(q);
		sqlite3_bind_int(q, 1, strcmp(proto, "udp") == 0 ? PROTO_UDP : PROTO_TCP);
		sqlite3_bind_int(q, 2, (int)p);
		rc = sqlite3_step(q);
		if (rc != SQLITE_DONE) {
			sqlite3_finalize(q);
			return store_fail(call, rc);
		}
	}
	sqlite3_finalize(q);
	shown = ports_json(env, &rc);
	if (shown == NULL)
		return store_fail(call, rc);
	return finish(call, "ServicePorts", shown);
}

/* -------------------------------------------------------------- reading */

static json_t *rules_json(struct popd_env *env, enum prefilter_list_kind list, int *rc_out)
{
	sqlite3_stmt *q;
	json_t *out;
	int rc = sqlite3_prepare_v2(store_db(env->store),
				    "SELECT cidr, comment, created_at FROM prefilter_rules WHERE "
				    "list = ? ORDER BY family, addr, len",
				    -1, &q, NULL);

	*rc_out = rc;
	if (rc != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(q, 1, list_names[list], -1, SQLITE_STATIC);
	out = json_array();
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		json_array_append_new(
		    out,
		    json_pack("{s:s, s:s, s:s}", "Cidr", (const char *)sqlite3_column_text(q, 0),
			      "Comment", (const char *)sqlite3_column_text(q, 1), "CreatedAt",
			      (const char *)sqlite3_column_text(q, 2)));
	sqlite3_finalize(q);
	*rc_out = rc == SQLITE_DONE ? SQLITE_OK : rc;
	if (rc != SQLITE_DONE) {
		json_decref(out);
		return NULL;
	}
	return out;
}

static int cmd_list(struct ctl_call *call)
{
	struct popd_env *env = env_of(call);
	json_t *blocked, *allowed, *ports;
	struct pf_config cfg;
	int rc;

	if (ctl_call_no_args(call, NULL) < 0)
		return -EINVAL;
	rc = read_settings(env, &cfg);
	if (rc != SQLITE_OK)
		return store_fail(call, rc);
	blocked = rules_json(env, PREFILTER_LIST_BLOCK, &rc);
	allowed = blocked != NULL ? rules_json(env, PREFILTER_LIST_ALLOW, &rc) : NULL;
	ports = allowed != NULL ? ports_json(env, &rc) : NULL;
	if (ports == NULL) {
		json_decref(blocked);
		json_decref(allowed);
		return store_fail(call, rc);
	}
	call->result = json_pack("{s:o, s:o, s:o, s:s, s:o}", "Blocked", blocked, "Allowed",
				 allowed, "Rates", rates_json(&cfg), "Fragments",
				 (cfg.flags & PF_CONFIG_PASS_FRAGMENTS) ? "pass" : "drop",
				 "ServicePorts", ports);
	return call->result != NULL ? 0 : -ENOMEM;
}

/* The data plane's last counters, through the built-in `stats` command. */
static json_t *dataplane_stats(struct ctl_server *srv, json_t **age)
{
	static const char req[] = "{\"command\": \"stats\"}";
	char *out = NULL;
	size_t out_len = 0;
	json_t *rep = NULL, *dp;

	if (ctl_server_execute(srv, NULL, req, sizeof(req) - 1, &out, &out_len) >= 0 && out)
		rep = json_loadb(out, out_len, 0, NULL);
	free(out);
	dp = json_object_get(json_object_get(rep, "result"), "dataplane");
	*age =
	    json_incref(json_object_get(json_object_get(rep, "result"), "dataplane_stats_age_ms"));
	dp = json_incref(json_object_get(dp, "prefilter"));
	json_decref(rep);
	return dp;
}

static int cmd_stats(struct ctl_call *call)
{
	json_t *pf, *age = NULL;

	if (ctl_call_no_args(call, NULL) < 0)
		return -EINVAL;
	pf = dataplane_stats(call->server, &age);
	call->result = json_pack(
	    "{s:o, s:o, s:o, s:o}", "DataplaneReported", json_boolean(pf != NULL), "Xdp",
	    pf != NULL && json_object_get(pf, "xdp") ? json_incref(json_object_get(pf, "xdp"))
						     : json_null(),
	    "Software",
	    pf != NULL && json_object_get(pf, "software")
		? json_incref(json_object_get(pf, "software"))
		: json_null(),
	    "StatsAgeMs", age != NULL ? age : json_null());
	json_decref(pf);
	return call->result != NULL ? 0 : -ENOMEM;
}

/* ------------------------------------------------------------- compiler */

int prefilter_compile(struct popd_env *env, struct tables_builder *tb)
{
	struct prefilter_rules rules;
	struct pf_port_key ports[PF_MAX_SERVICE_PORTS];
	struct prefilter_prefix *prefixes[PREFILTER_LIST_MAX] = {NULL, NULL};
	size_t cap[PREFILTER_LIST_MAX] = {0, 0};
	sqlite3_stmt *q;
	int rc;

	memset(&rules, 0, sizeof(rules));
	rc = read_settings(env, &rules.config);
	if (rc != SQLITE_OK)
		return store_error(rc);
	rc =
	    sqlite3_prepare_v2(store_db(env->store),
			       "SELECT protocol, port FROM prefilter_ports ORDER BY protocol, port "
			       "LIMIT ?",
			       -1, &q, NULL);
	if (rc != SQLITE_OK)
		return store_error(rc);
	sqlite3_bind_int(q, 1, PF_MAX_SERVICE_PORTS);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		ports[rules.n_ports].proto = (uint8_t)sqlite3_column_int(q, 0);
		ports[rules.n_ports].port = (uint16_t)sqlite3_column_int(q, 1);
		ports[rules.n_ports].pad = 0;
		rules.n_ports++;
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return store_error(rc);
	rules.ports = ports;

	rc =
	    sqlite3_prepare_v2(store_db(env->store),
			       "SELECT list, family, addr, len FROM prefilter_rules", -1, &q, NULL);
	if (rc != SQLITE_OK)
		return store_error(rc);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		enum prefilter_list_kind l =
		    strcmp((const char *)sqlite3_column_text(q, 0), "allow") == 0
			? PREFILTER_LIST_ALLOW
			: PREFILTER_LIST_BLOCK;
		struct prefilter_prefix *p;
		int family = sqlite3_column_int(q, 1);
		int bytes = sqlite3_column_bytes(q, 2);

		if ((family != 4 || bytes != 4) && (family != 6 || bytes != 16))
			continue; /* not written by add_rule(): ignore it */
		if (rules.n_prefixes[l] == cap[l]) {
			size_t ncap = cap[l] ? cap[l] * 2 : 64;
			struct prefilter_prefix *grown =
			    realloc(prefixes[l], ncap * sizeof(*grown));

			if (grown == NULL) {
				rc = SQLITE_NOMEM;
				break;
			}
			prefixes[l] = grown;
			cap[l] = ncap;
		}
		p = &prefixes[l][rules.n_prefixes[l]++];
		memset(p, 0, sizeof(*p));
		p->family = (uint8_t)family;
		p->len = (uint8_t)sqlite3_column_int(q, 3);
		memcpy(p->addr, sqlite3_column_blob(q, 2), (size_t)bytes);
	}
	sqlite3_finalize(q);
	if (rc == SQLITE_DONE) {
		for (unsigned l = 0; l < PREFILTER_LIST_MAX; l++)
			rules.prefixes[l] = prefixes[l];
		rc = prefilter_table_build(tb, &rules);
		if (rc < 0)
			PREFILTER_CTL_LOG(ERR, "prefilter table not built: %s", pop_strerror(rc));
	} else {
		rc = rc == SQLITE_NOMEM ? -ENOMEM : store_error(rc);
	}
	free(prefixes[0]);
	free(prefixes[1]);
	return rc;
}

/* ------------------------------------------------------------- commands */

const struct ctl_command prefilter_commands[] = {
    {"prefilter block", "--cidr 198.18.5.0/24 [--comment TEXT]", cmd_block, CTL_CMD_MUTATES},
    {"prefilter unblock", "--cidr 198.18.5.0/24", cmd_unblock, CTL_CMD_MUTATES},
    {"prefilter allow", "--cidr 198.18.0.0/24 [--comment TEXT] (skips the rate limits)", cmd_allow,
     CTL_CMD_MUTATES},
    {"prefilter disallow", "--cidr 198.18.0.0/24", cmd_disallow, CTL_CMD_MUTATES},
    {"prefilter rates",
     "[--per-source-pps N] [--burst N] [--per-prefix64-pps N] [--prefix64-burst N] (0: off)",
     cmd_rates, CTL_CMD_MUTATES},
    {"prefilter set-fragments", "--action drop|pass (fragments addressed to a VIP)",
     cmd_set_fragments, CTL_CMD_MUTATES},
    {"prefilter set-service-ports",
     "--ports '[{\"Protocol\":\"udp\",\"Port\":53},{\"Protocol\":\"tcp\",\"Port\":443}]' "
     "(replaces the set)",
     cmd_set_service_ports, CTL_CMD_MUTATES},
    {"prefilter list", "", cmd_list, 0},
    {"prefilter stats", "", cmd_stats, 0},
};

const size_t prefilter_command_count = sizeof(prefilter_commands) / sizeof(prefilter_commands[0]);

int prefilter_init(struct popd_env *env)
{
	int rc = store_migrate(env->store, "prefilter", prefilter_schema,
			       sizeof(prefilter_schema) / sizeof(prefilter_schema[0]));

	if (rc < 0)
		return rc;
	return env_register_compiler(env, TABLES_KIND_PREFILTER, prefilter_compile);
}
