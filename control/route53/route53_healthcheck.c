/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Route 53's health checks in popd: CreateHealthCheck ... ListHealthChecks
 * on the store (r53_health_checks), and the checkers (health.h) kept in
 * step with it after every commit.
 */
#include "route53_pvt.h"

#include "health.h"
#include "store.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define STR(lo, hi)                                                                                \
	{                                                                                          \
		.kind = R53_STRING, .has_min = (lo) >= 0, .min = (lo), .has_max = (hi) >= 0,       \
		.max = (hi)                                                                        \
	}
#define LONG(lo, hi)                                                                               \
	{                                                                                          \
		.kind = R53_LONG, .has_min = true, .min = (lo), .has_max = true, .max = (hi)       \
	}

static const struct r53_shape s_nonce = STR(1, 64);
static const struct r53_shape s_id = STR(-1, 64);
static const struct r53_shape s_ip = STR(-1, 45);
static const struct r53_shape s_str255 = STR(-1, 255);
static const struct r53_shape s_arn = STR(1, 255);
static const struct r53_shape s_port = LONG(1, 65535);
/* Route 53 takes 10 or 30; the appliance any whole second from 1. */
static const struct r53_shape s_interval = LONG(1, 30);
static const struct r53_shape s_threshold = LONG(1, 10);
static const struct r53_shape s_health_threshold = LONG(0, 256);
static const struct r53_shape s_version = LONG(1, 9007199254740991LL);
static const struct r53_shape s_bool = {.kind = R53_BOOL};
static const struct r53_shape s_page_marker = STR(-1, 64);
static const struct r53_shape s_page_max_items = {.kind = R53_PAGE};
static const struct r53_shape s_children = {
    .kind = R53_LIST, .has_max = true, .max = HEALTH_MAX_CHILDREN, .item = &s_id};
static const struct r53_shape s_region = STR(1, 64);
static const struct r53_shape s_regions = {
    .kind = R53_LIST, .has_min = true, .min = 3, .has_max = true, .max = 64, .item = &s_region};
static const char *const types[] = {"HTTP", "HTTPS",	  "HTTP_STR_MATCH",    "HTTPS_STR_MATCH",
				    "TCP",  "CALCULATED", "CLOUDWATCH_METRIC", "RECOVERY_CONTROL",
				    NULL};
static const struct r53_shape s_type = {.kind = R53_STRING, .enums = types};
static const char *const insufficient[] = {"Healthy", "Unhealthy", "LastKnownStatus", NULL};
static const struct r53_shape s_insufficient = {.kind = R53_STRING, .enums = insufficient};
static const struct r53_member m_alarm[] = {
    {"Region", &s_region, true},
    {"Name", &s_str255, true},
    {NULL, NULL, false},
};
static const struct r53_shape s_alarm = {.kind = R53_STRUCT, .members = m_alarm};
static const char *const resettable[] = {"FullyQualifiedDomainName", "Regions", "ResourcePath",
					 "ChildHealthChecks", NULL};
static const struct r53_shape s_reset_item = {.kind = R53_STRING, .enums = resettable};
static const struct r53_shape s_reset = {
    .kind = R53_LIST, .has_max = true, .max = 64, .item = &s_reset_item};

static const struct r53_member m_config[] = {
    {"IPAddress", &s_ip, false},
    {"Port", &s_port, false},
    {"Type", &s_type, true},
    {"ResourcePath", &s_str255, false},
    {"FullyQualifiedDomainName", &s_str255, false},
    {"SearchString", &s_str255, false},
    {"RequestInterval", &s_interval, false},
    {"FailureThreshold", &s_threshold, false},
    {"MeasureLatency", &s_bool, false},
    {"Inverted", &s_bool, false},
    {"Disabled", &s_bool, false},
    {"HealthThreshold", &s_health_threshold, false},
    {"ChildHealthChecks", &s_children, false},
    {"EnableSNI", &s_bool, false},
    {"Regions", &s_regions, false},
    {"AlarmIdentifier", &s_alarm, false},
    {"InsufficientDataHealthStatus", &s_insufficient, false},
    {"RoutingControlArn", &s_arn, false},
    {NULL, NULL, false},
};
static const struct r53_shape s_config = {.kind = R53_STRUCT, .members = m_config};

static const struct r53_member m_create[] = {
    {"CallerReference", &s_nonce, true},
    {"HealthCheckConfig", &s_config, true},
    {NULL, NULL, false},
};
static const struct r53_shape create_input = {.kind = R53_STRUCT, .members = m_create};

static const struct r53_member m_id[] = {
    {"HealthCheckId", &s_id, true},
    {NULL, NULL, false},
};
static const struct r53_shape id_input = {.kind = R53_STRUCT, .members = m_id};

static const struct r53_member m_list[] = {
    {"Marker", &s_page_marker, false},
    {"MaxItems", &s_page_max_items, false},
    {NULL, NULL, false},
};
static const struct r53_shape list_input = {.kind = R53_STRUCT, .members = m_list};

static const struct r53_member m_update[] = {
    {"HealthCheckId", &s_id, true},
    {"HealthCheckVersion", &s_version, false},
    {"IPAddress", &s_ip, false},
    {"Port", &s_port, false},
    {"ResourcePath", &s_str255, false},
    {"FullyQualifiedDomainName", &s_str255, false},
    {"SearchString", &s_str255, false},
    {"FailureThreshold", &s_threshold, false},
    {"Inverted", &s_bool, false},
    {"Disabled", &s_bool, false},
    {"HealthThreshold", &s_health_threshold, false},
    {"ChildHealthChecks", &s_children, false},
    {"EnableSNI", &s_bool, false},
    {"Regions", &s_regions, false},
    {"AlarmIdentifier", &s_alarm, false},
    {"InsufficientDataHealthStatus", &s_insufficient, false},
    {"ResetElements", &s_reset, false},
    {NULL, NULL, false},
};
static const struct r53_shape update_input = {.kind = R53_STRUCT, .members = m_update};

static const struct r53_member m_checkers_item[] = {
    {"Region", &s_region, true},
    {"SourceAddress", &s_ip, false},
    {NULL, NULL, false},
};
static const struct r53_shape s_checker = {.kind = R53_STRUCT, .members = m_checkers_item};
static const struct r53_shape s_checkers = {
    .kind = R53_LIST, .has_max = true, .max = HEALTH_MAX_CHECKERS, .item = &s_checker};
static const struct r53_shape s_share = LONG(0, 99);
static const struct r53_shape s_budget = LONG(1, 60000);
static const struct r53_member m_put_checkers[] = {
    {"Checkers", &s_checkers, true},
    {"HealthySharePercent", &s_share, false},
    {"ResponseTimeBudgetMs", &s_budget, false},
    {"VerifyCertificates", &s_bool, false},
    {NULL, NULL, false},
};
static const struct r53_shape put_checkers_input = {.kind = R53_STRUCT, .members = m_put_checkers};

/*
 * popctl cannot know the model's types, so "--failure-threshold 3" arrives
 * as the string "3" and "--inverted false" as "false" (the AWS CLI converts
 * them by the model): such strings become numbers and booleans for the
 * members the shape says are integers and booleans. "--no-inverted"
 * (NoInverted: true), the AWS CLI's spelling, is Inverted: false.
 */
static void coerce_scalars(json_t *args, const struct r53_shape *shape)
{
	for (const struct r53_member *m = shape->members; m->name != NULL; m++) {
		json_t *v = json_object_get(args, m->name);
		const char *text = json_string_value(v);
		char no[80];
		char *end;
		long long n;

		snprintf(no, sizeof(no), "No%s", m->name);
		if (m->shape->kind == R53_BOOL && v == NULL &&
		    json_is_true(json_object_get(args, no))) {
			json_object_del(args, no);
			json_object_set_new(args, m->name, json_false());
			continue;
		}
		if (text == NULL || text[0] == '\0')
			continue;
		if (m->shape->kind == R53_BOOL) {
			if (strcmp(text, "true") == 0 || strcmp(text, "false") == 0)
				json_object_set_new(args, m->name, json_boolean(text[0] == 't'));
			continue;
		}
		if (m->shape->kind != R53_LONG)
			continue;
		errno = 0;
		n = strtoll(text, &end, 10);
		if (errno == 0 && *end == '\0')
			json_object_set_new(args, m->name, json_integer(n));
	}
}

/* ------------------------------------------------------------ state */

static struct health_engine *engine;
static bool engine_stale; /* the store changed since the engine was synced */
static route53_control_slot_fn *control_slot;

void route53_set_control_resolver(route53_control_slot_fn *fn)
{
	control_slot = fn;
}

static int fail_invalid(struct ctl_call *call, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int fail_invalid(struct ctl_call *call, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ctl_call_fail(call, -EINVAL, "InvalidInput", "%s", msg);
}

static bool address_ok(const char *s)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

static bool printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

/*
 * A shape-checked HealthCheckConfig to the engine's form, with Route 53's
 * rules across members. Defaults are written back into @p cfg (what
 * GetHealthCheck then shows). @p db resolves children (NULL: not checked).
 */
int r53_health_config_parse(struct ctl_call *call, sqlite3 *db, json_t *cfg,
			    struct health_config *out, const char *self_id)
{
	const char *type = json_string_value(json_object_get(cfg, "Type"));
	const char *ip = json_string_value(json_object_get(cfg, "IPAddress"));
	const char *fqdn = json_string_value(json_object_get(cfg, "FullyQualifiedDomainName"));
	const char *path = json_string_value(json_object_get(cfg, "ResourcePath"));
	const char *search = json_string_value(json_object_get(cfg, "SearchString"));
	const char *arn = json_string_value(json_object_get(cfg, "RoutingControlArn"));
	const json_t *children = json_object_get(cfg, "ChildHealthChecks");
	bool network;
	size_t i;
	json_t *v;

	memset(out, 0, sizeof(*out));
	out->control_slot = TABLES_LIVE_NONE;
	if (strcmp(type, "CLOUDWATCH_METRIC") == 0)
		return fail_invalid(call, "Health checks of type CLOUDWATCH_METRIC are not "
					  "supported by this appliance (it has no CloudWatch)");
	if (strcmp(type, "HTTP") == 0 || strcmp(type, "HTTP_STR_MATCH") == 0)
		out->type = HEALTH_HTTP;
	else if (strcmp(type, "HTTPS") == 0 || strcmp(type, "HTTPS_STR_MATCH") == 0)
		out->type = HEALTH_HTTPS;
	else if (strcmp(type, "TCP") == 0)
		out->type = HEALTH_TCP;
	else if (strcmp(type, "CALCULATED") == 0)
		out->type = HEALTH_CALCULATED;
	else
		out->type = HEALTH_RECOVERY_CONTROL;
	out->str_match = strstr(type, "_STR_MATCH") != NULL;
	network = out->type == HEALTH_HTTP || out->type == HEALTH_HTTPS || out->type == HEALTH_TCP;
	out->inverted = json_is_true(json_object_get(cfg, "Inverted"));
	out->disabled = json_is_true(json_object_get(cfg, "Disabled"));
	if (!network) {
		static const char *const only_network[] = {"IPAddress",
							   "Port",
							   "ResourcePath",
							   "FullyQualifiedDomainName",
							   "SearchString",
							   "RequestInterval",
							   "FailureThreshold",
							   "MeasureLatency",
							   "EnableSNI",
							   "Regions",
							   NULL};
		for (i = 0; only_network[i] != NULL; i++)
			if (json_object_get(cfg, only_network[i]) != NULL)
				return fail_invalid(call,
						    "%s is not valid for a health check of type %s",
						    only_network[i], type);
	}
	if (out->type == HEALTH_CALCULATED) {
		json_int_t threshold;

		if (children == NULL || json_object_get(cfg, "HealthThreshold") == NULL)
			return fail_invalid(call, "A CALCULATED health check needs "
						  "ChildHealthChecks and HealthThreshold");
		threshold = json_integer_value(json_object_get(cfg, "HealthThreshold"));
		if ((size_t)threshold > json_array_size(children))
			return fail_invalid(
			    call,
			    "HealthThreshold %lld is more than the %zu child health "
			    "checks",
			    (long long)threshold, json_array_size(children));
		out->health_threshold = (uint32_t)threshold;
		json_array_foreach(children, i, v)
		{
			const char *child = json_string_value(v);
			sqlite3_stmt *q;
			int rc;

			for (size_t j = 0; j < i; j++)
				if (strcmp(out->children[j], child) == 0)
					return fail_invalid(
					    call, "ChildHealthChecks lists %s twice", child);
			if (self_id != NULL && strcmp(child, self_id) == 0)
				return fail_invalid(call, "A health check cannot be its own child");
			snprintf(out->children[i], sizeof(out->children[i]), "%s", child);
			if (db == NULL)
				continue;
			if (sqlite3_prepare_v2(db,
					       "SELECT config FROM r53_health_checks WHERE id = ?",
					       -1, &q, NULL) != SQLITE_OK)
				return r53_db_fail(call, db, SQLITE_ERROR);
			sqlite3_bind_text(q, 1, child, -1, SQLITE_STATIC);
			rc = sqlite3_step(q);
			if (rc == SQLITE_ROW && strstr((const char *)sqlite3_column_text(q, 0),
						       "\"Type\":\"CALCULATED\"") != NULL) {
				sqlite3_finalize(q);
				return fail_invalid(call,
						    "Child health check %s is CALCULATED itself; "
						    "calculated checks do not nest",
						    child);
			}
			sqlite3_finalize(q);
			if (rc != SQLITE_ROW)
				return ctl_call_fail(call, -ENOENT, "NoSuchHealthCheck",
						     "No health check exists with the specified "
						     "ID %s (a child health check)",
						     child);
		}
		out->n_children = json_array_size(children);
		return 0;
	}
	if (children != NULL || json_object_get(cfg, "HealthThreshold") != NULL)
		return fail_invalid(call, "ChildHealthChecks and HealthThreshold are only valid "
					  "for a CALCULATED health check");
	if (out->type == HEALTH_RECOVERY_CONTROL) {
		if (arn == NULL)
			return fail_invalid(call, "A RECOVERY_CONTROL health check needs "
						  "RoutingControlArn");
		if (control_slot == NULL || control_slot(env_of(call), arn, &out->control_slot) < 0)
			return fail_invalid(call, "RoutingControlArn %s names no routing control",
					    arn);
		return 0;
	}
	if (arn != NULL)
		return fail_invalid(call, "RoutingControlArn is only valid for a "
					  "RECOVERY_CONTROL health check");
	if (ip == NULL && fqdn == NULL)
		return fail_invalid(call,
				    "A health check of type %s needs IPAddress or "
				    "FullyQualifiedDomainName",
				    type);
	if (ip != NULL && !address_ok(ip))
		return fail_invalid(call, "IPAddress %s is not an IPv4 or IPv6 address", ip);
	if (fqdn != NULL && (fqdn[0] == '\0' || !printable(fqdn)))
		return fail_invalid(call, "FullyQualifiedDomainName is not a host name");
	if (path != NULL && (!printable(path) || out->type == HEALTH_TCP))
		return fail_invalid(call, out->type == HEALTH_TCP
					      ? "ResourcePath is not valid for a TCP health check"
					      : "ResourcePath has a space or a control character");
	if (out->str_match != (search != NULL))
		return fail_invalid(call,
				    out->str_match
					? "A health check of type %s needs SearchString"
					: "SearchString is only valid for a health check of "
					  "type %s_STR_MATCH",
				    type);
	if (json_object_get(cfg, "EnableSNI") != NULL && out->type != HEALTH_HTTPS)
		return fail_invalid(call, "EnableSNI is only valid for HTTPS health checks");
	snprintf(out->ip, sizeof(out->ip), "%s", ip != NULL ? ip : "");
	snprintf(out->fqdn, sizeof(out->fqdn), "%s", fqdn != NULL ? fqdn : "");
	snprintf(out->path, sizeof(out->path), "%s", path != NULL ? path : "");
	snprintf(out->search, sizeof(out->search), "%s", search != NULL ? search : "");
	if (json_object_get(cfg, "Port") == NULL)
		json_object_set_new(cfg, "Port",
				    json_integer(out->type == HEALTH_HTTPS ? 443 : 80));
	if (json_object_get(cfg, "RequestInterval") == NULL)
		json_object_set_new(cfg, "RequestInterval", json_integer(30));
	if (json_object_get(cfg, "FailureThreshold") == NULL)
		json_object_set_new(cfg, "FailureThreshold", json_integer(3));
	if (json_object_get(cfg, "MeasureLatency") == NULL)
		json_object_set_new(cfg, "MeasureLatency", json_false());
	if (out->type == HEALTH_HTTPS && json_object_get(cfg, "EnableSNI") == NULL)
		json_object_set_new(cfg, "EnableSNI", json_true());
	out->port = (uint16_t)json_integer_value(json_object_get(cfg, "Port"));
	out->interval_ms =
	    (uint32_t)json_integer_value(json_object_get(cfg, "RequestInterval")) * 1000u;
	out->threshold = (uint32_t)json_integer_value(json_object_get(cfg, "FailureThreshold"));
	out->sni = json_is_true(json_object_get(cfg, "EnableSNI"));
	return 0;
}

static void defaults_common(json_t *cfg)
{
	if (json_object_get(cfg, "Inverted") == NULL)
		json_object_set_new(cfg, "Inverted", json_false());
	if (json_object_get(cfg, "Disabled") == NULL)
		json_object_set_new(cfg, "Disabled", json_false());
}

static json_t *health_check_json(const char *id, const char *ref, json_int_t version,
				 const char *config)
{
	json_t *cfg = json_loads(config, 0, NULL);

	if (cfg == NULL)
		return NULL;
	return json_pack("{s:s, s:s, s:o, s:I}", "Id", id, "CallerReference", ref,
			 "HealthCheckConfig", cfg, "HealthCheckVersion", version);
}

/* Load one row; -ENOENT when absent. */
static int load(sqlite3 *db, const char *id, char *ref, size_t ref_len, json_int_t *version,
		char **config)
{
	sqlite3_stmt *q;
	int rc = sqlite3_prepare_v2(
	    db, "SELECT caller_reference, version, config FROM r53_health_checks WHERE id = ?", -1,
	    &q, NULL);

	if (rc != SQLITE_OK)
		return store_error(rc);
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		snprintf(ref, ref_len, "%s", (const char *)sqlite3_column_text(q, 0));
		*version = sqlite3_column_int64(q, 1);
		*config = strdup((const char *)sqlite3_column_text(q, 2));
		rc = *config != NULL ? 0 : -ENOMEM;
	} else {
		rc = rc == SQLITE_DONE ? -ENOENT : store_error(rc);
	}
	sqlite3_finalize(q);
	return rc;
}

static int no_such(struct ctl_call *call, const char *id)
{
	return ctl_call_fail(call, -ENOENT, "NoSuchHealthCheck",
			     "No health check exists with the specified ID %s", id);
}

/* A random id in Route 53's form (a version 4 UUID). */
static void new_id(char *out, size_t len)
{
	uint8_t b[16];
	size_t got = 0;

	while (got < sizeof(b)) {
		ssize_t n = getrandom(b + got, sizeof(b) - got, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got < sizeof(b)) { /* no entropy source: the store's ids, never repeated */
		char raw[40];
		store_new_id("", raw, 33);
		memcpy(b, raw, sizeof(b));
	}
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	snprintf(out, len, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
		 b[13], b[14], b[15]);
}

int r53_cmd_create_health_check(struct ctl_call *call)
{
	sqlite3 *db = store_db(env_of(call)->store);
	const char *ref = json_string_value(json_object_get(call->args, "CallerReference"));
	struct health_config *hc;
	json_t *cfg;
	char id[64], *text = NULL, *old = NULL, old_ref[80];
	sqlite3_stmt *q;
	json_int_t version;
	uint32_t slot;
	int rc;

	if ((rc = r53_check_input(call, call->args, &create_input)) < 0)
		return rc;
	cfg = json_deep_copy(json_object_get(call->args, "HealthCheckConfig"));
	hc = malloc(sizeof(*hc));
	if (cfg == NULL || hc == NULL) {
		json_decref(cfg);
		free(hc);
		return -ENOMEM;
	}
	rc = r53_health_config_parse(call, db, cfg, hc, NULL);
	free(hc);
	if (rc < 0) {
		json_decref(cfg);
		return rc;
	}
	defaults_common(cfg);
	text = json_dumps(cfg, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(cfg);
	if (text == NULL)
		return -ENOMEM;
	/* The same CallerReference again: the same check if the same config (a retry). */
	rc = sqlite3_prepare_v2(db, "SELECT id FROM r53_health_checks WHERE caller_reference = ?",
				-1, &q, NULL);
	if (rc != SQLITE_OK) {
		free(text);
		return r53_db_fail(call, db, rc);
	}
	sqlite3_bind_text(q, 1, ref, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW) {
		snprintf(id, sizeof(id), "%s", (const char *)sqlite3_column_text(q, 0));
		sqlite3_finalize(q);
		rc = load(db, id, old_ref, sizeof(old_ref), &version, &old);
		if (rc == 0 && strcmp(old, text) == 0) {
			call->result = json_pack("{s:o, s:s+}", "HealthCheck",
						 health_check_json(id, ref, version, old),
						 "Location", "/2013-04-01/healthcheck/", id);
			free(old);
			free(text);
			return call->result != NULL ? 0 : -ENOMEM;
		}
		free(old);
		free(text);
		return ctl_call_fail(call, -EEXIST, "HealthCheckAlreadyExists",
				     "A health check with CallerReference %s already exists with "
				     "another configuration (%s)",
				     ref, id);
	}
	sqlite3_finalize(q);
	new_id(id, sizeof(id));
	rc = r53_health_slot(db, id, true, &slot);
	if (rc < 0) {
		free(text);
		return rc == -POP_ELIMIT
			   ? ctl_call_fail(call, rc, "TooManyHealthChecks",
					   "every live-state slot is taken")
			   : ctl_call_fail(call, rc, "InternalFailure", "%s", pop_strerror(rc));
	}
	rc = sqlite3_prepare_v2(db,
				"INSERT INTO r53_health_checks (id, caller_reference, version, "
				"config) VALUES (?, ?, 1, ?)",
				-1, &q, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, ref, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 3, text, -1, SQLITE_STATIC);
		rc = sqlite3_step(q);
		sqlite3_finalize(q);
	}
	if (rc != SQLITE_DONE) {
		free(text);
		return r53_db_fail(call, db, rc);
	}
	engine_stale = true;
	call->result = json_pack("{s:o, s:s+}", "HealthCheck", health_check_json(id, ref, 1, text),
				 "Location", "/2013-04-01/healthcheck/", id);
	free(text);
	return call->result != NULL ? 0 : -ENOMEM;
}

int r53_cmd_get_health_check(struct ctl_call *call)
{
	sqlite3 *db = store_db(env_of(call)->store);
	const char *id;
	char ref[80], *config = NULL;
	json_int_t version;
	int rc;

	if ((rc = r53_check_input(call, call->args, &id_input)) < 0)
		return rc;
	id = json_string_value(json_object_get(call->args, "HealthCheckId"));
	rc = load(db, id, ref, sizeof(ref), &version, &config);
	if (rc == -ENOENT)
		return no_such(call, id);
	if (rc < 0)
		return ctl_call_fail(call, rc, "InternalFailure", "%s", pop_strerror(rc));
	call->result =
	    json_pack("{s:o}", "HealthCheck", health_check_json(id, ref, version, config));
	free(config);
	return call->result != NULL ? 0 : -ENOMEM;
}

int r53_cmd_get_health_check_status(struct ctl_call *call)
{
	sqlite3 *db = store_db(env_of(call)->store);
	struct health_observation obs[HEALTH_MAX_CHECKERS];
	const char *id;
	char ref[80], *config = NULL;
	json_int_t version;
	json_t *list;
	int rc, n = 0;

	if ((rc = r53_check_input(call, call->args, &id_input)) < 0)
		return rc;
	id = json_string_value(json_object_get(call->args, "HealthCheckId"));
	rc = load(db, id, ref, sizeof(ref), &version, &config);
	free(config);
	if (rc == -ENOENT)
		return no_such(call, id);
	if (rc < 0)
		return ctl_call_fail(call, rc, "InternalFailure", "%s", pop_strerror(rc));
	if (engine != NULL)
		n = health_engine_observations(engine, id, obs, HEALTH_MAX_CHECKERS);
	list = json_array();
	for (int i = 0; i < n; i++) {
		time_t s = (time_t)(obs[i].checked_unix_ms / 1000);
		struct tm tm;
		char when[96];

		gmtime_r(&s, &tm);
		snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d:%02d:%02d.%03d000+00:00",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			 tm.tm_sec, (int)(obs[i].checked_unix_ms % 1000));
		json_array_append_new(list,
				      json_pack("{s:s, s:s, s:{s:s, s:s}}", "Region", obs[i].region,
						"IPAddress", obs[i].source, "StatusReport",
						"Status", obs[i].report, "CheckedTime", when));
	}
	call->result = json_pack("{s:o}", "HealthCheckObservations", list);
	return call->result != NULL ? 0 : -ENOMEM;
}

int r53_cmd_list_health_checks(struct ctl_call *call)
{
	sqlite3 *db = store_db(env_of(call)->store);
	const char *marker = json_string_value(json_object_get(call->args, "Marker"));
	char echo[32];
	long max;
	json_t *list;
	sqlite3_stmt *q;
	int rc;

	if ((rc = r53_check_input(call, call->args, &list_input)) < 0)
		return rc;
	if ((rc = r53_max_items(call, call->args, 100, 1000, &max, echo, sizeof(echo))) < 0)
		return rc;
	rc = sqlite3_prepare_v2(db,
				"SELECT id, caller_reference, version, config FROM "
				"r53_health_checks WHERE id >= ? ORDER BY id LIMIT ?",
				-1, &q, NULL);
	if (rc != SQLITE_OK)
		return r53_db_fail(call, db, rc);
	sqlite3_bind_text(q, 1, marker != NULL ? marker : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, max + 1);
	list = json_array();
	call->result = json_pack("{s:o, s:s, s:b, s:s}", "HealthChecks", list, "Marker",
				 marker != NULL ? marker : "", "IsTruncated", 0, "MaxItems", echo);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(q, 0);
		if ((long)json_array_size(list) == max) {
			json_object_set_new(call->result, "IsTruncated", json_true());
			json_object_set_new(call->result, "NextMarker", json_string(id));
			break;
		}
		json_array_append_new(list,
				      health_check_json(id, (const char *)sqlite3_column_text(q, 1),
							sqlite3_column_int64(q, 2),
							(const char *)sqlite3_column_text(q, 3)));
	}
	sqlite3_finalize(q);
	return call->result != NULL ? 0 : -ENOMEM;
}

/* Who still needs a check: a record set or a calculated check. */
static int in_use(sqlite3 *db, const char *id, char *who, size_t who_len)
{
	sqlite3_stmt *q;
	char pattern[80];
	int rc = sqlite3_prepare_v2(db, "SELECT name, type FROM r53_rrsets WHERE health_id = ?", -1,
				    &q, NULL);

	if (rc != SQLITE_OK)
		return store_error(rc);
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW) {
		snprintf(who, who_len, "record set %s %s", (const char *)sqlite3_column_text(q, 0),
			 (const char *)sqlite3_column_text(q, 1));
		sqlite3_finalize(q);
		return 1;
	}
	sqlite3_finalize(q);
	snprintf(pattern, sizeof(pattern), "%%\"%s\"%%", id);
	rc =
	    sqlite3_prepare_v2(db,
			       "SELECT id FROM r53_health_checks WHERE id != ?1 AND config LIKE ?2 "
			       "AND config LIKE '%\"ChildHealthChecks\"%'",
			       -1, &q, NULL);
	if (rc != SQLITE_OK)
		return store_error(rc);
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, pattern, -1, SQLITE_STATIC);
	rc = sqlite3_step(q) == SQLITE_ROW;
	if (rc)
		snprintf(who, who_len, "calculated health check %s",
			 (const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	return rc;
}

int r53_cmd_delete_health_check(struct ctl_call *call)
{
	sqlite3 *db = store_db(env_of(call)->store);
	const char *id;
	char who[400];
	sqlite3_stmt *q;
	int rc;

	if ((rc = r53_check_input(call, call->args, &id_input)) < 0)
		return rc;
	id = json_string_value(json_object_get(call->args, "HealthCheckId"));
	rc = sqlite3_prepare_v2(db, "DELETE FROM r53_health_checks WHERE id = ?", -1, &q, NULL);
	if (rc != SQLITE_OK)
		return r53_db_fail(call, db, rc);
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return r53_db_fail(call, db, rc);
	if (sqlite3_changes(db) == 0)
		return no_such(call, id);
	rc = in_use(db, id, who, sizeof(who));
	if (rc < 0)
		return ctl_call_fail(call, rc, "InternalFailure", "%s", pop_strerror(rc));
	if (rc > 0)
		return ctl_call_fail(call, -EBUSY, "HealthCheckInUse",
				     "The health check %s is still referenced by %s", id, who);
	engine_stale = true;
	call->result = json_object();
	return 0;
}

int r53_cmd_update_health_check(struct ctl_call *call)
{
	static const char *const members[] = {"IPAddress",
					      "Port",
					      "ResourcePath",
					      "FullyQualifiedDomainName",
					      "SearchString",
					      "FailureThreshold",
					      "Inverted",
					      "Disabled",
					      "HealthThreshold",
					      "ChildHealthChecks",
					      "EnableSNI",
					      "Regions",
					      "AlarmIdentifier",
					      "InsufficientDataHealthStatus",
					      NULL};
	sqlite3 *db = store_db(env_of(call)->store);
	const char *id;
	const json_t *want, *reset;
	char ref[80], *config = NULL, *text;
	struct health_config *hc;
	json_int_t version;
	json_t *cfg, *v;
	sqlite3_stmt *q;
	size_t i;
	int rc;

	coerce_scalars(call->args, &update_input);
	if ((rc = r53_check_input(call, call->args, &update_input)) < 0)
		return rc;
	/* Only now: coerce_scalars() may have replaced the members. */
	want = json_object_get(call->args, "HealthCheckVersion");
	reset = json_object_get(call->args, "ResetElements");
	id = json_string_value(json_object_get(call->args, "HealthCheckId"));
	rc = load(db, id, ref, sizeof(ref), &version, &config);
	if (rc == -ENOENT)
		return no_such(call, id);
	if (rc < 0)
		return ctl_call_fail(call, rc, "InternalFailure", "%s", pop_strerror(rc));
	if (want != NULL && json_integer_value(want) != version) {
		free(config);
		return ctl_call_fail(call, -ESTALE, "HealthCheckVersionMismatch",
				     "The value of HealthCheckVersion (%lld) does not match the "
				     "current version %lld",
				     (long long)json_integer_value(want), (long long)version);
	}
	cfg = json_loads(config, 0, NULL);
	free(config);
	if (cfg == NULL)
		return -ENOMEM;
	json_array_foreach(reset, i, v) json_object_del(cfg, json_string_value(v));
	for (i = 0; members[i] != NULL; i++)
		if (json_object_get(call->args, members[i]) != NULL)
			json_object_set(cfg, members[i], json_object_get(call->args, members[i]));
	hc = malloc(sizeof(*hc));
	rc = hc != NULL ? r53_health_config_parse(call, db, cfg, hc, id) : -ENOMEM;
	free(hc);
	if (rc < 0) {
		json_decref(cfg);
		return rc;
	}
	text = json_dumps(cfg, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(cfg);
	if (text == NULL)
		return -ENOMEM;
	rc = sqlite3_prepare_v2(db,
				"UPDATE r53_health_checks SET version = version + 1, config = ? "
				"WHERE id = ?",
				-1, &q, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(q, 1, text, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, id, -1, SQLITE_STATIC);
		rc = sqlite3_step(q);
		sqlite3_finalize(q);
	}
	if (rc != SQLITE_DONE) {
		free(text);
		return r53_db_fail(call, db, rc);
	}
	engine_stale = true;
	call->result =
	    json_pack("{s:o}", "HealthCheck", health_check_json(id, ref, version + 1, text));
	free(text);
	return call->result != NULL ? 0 : -ENOMEM;
}

/* ------------------------------------------------------------ checkers */

static int load_checkers(sqlite3 *db, struct health_checker *c, size_t *n)
{
	sqlite3_stmt *q;
	int rc = sqlite3_prepare_v2(
	    db, "SELECT region, source FROM health_checkers ORDER BY region", -1, &q, NULL);

	if (rc != SQLITE_OK)
		return store_error(rc);
	*n = 0;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW && *n < HEALTH_MAX_CHECKERS) {
		memset(&c[*n], 0, sizeof(c[*n]));
		snprintf(c[*n].region, sizeof(c[*n].region), "%s",
			 (const char *)sqlite3_column_text(q, 0));
		snprintf(c[*n].source, sizeof(c[*n].source), "%s",
			 (const char *)sqlite3_column_text(q, 1));
		(*n)++;
	}
	sqlite3_finalize(q);
	return 0;
}

static void meta_uint(struct store *st, const char *key, unsigned dflt, unsigned *out)
{
	char buf[32];

	*out = store_meta_get(st, key, buf, sizeof(buf)) == 0 ? (unsigned)strtoul(buf, NULL, 10)
							      : dflt;
}

int r53_cmd_put_health_checkers(struct ctl_call *call)
{
	struct popd_env *env = env_of(call);
	sqlite3 *db = store_db(env->store);
	const json_t *list, *v, *share, *budget;
	sqlite3_stmt *q;
	char buf[32];
	size_t i;
	int rc;

	coerce_scalars(call->args, &put_checkers_input);
	if ((rc = r53_check_input(call, call->args, &put_checkers_input)) < 0)
		return rc;
	/* Only now: coerce_scalars() may have replaced the members. */
	list = json_object_get(call->args, "Checkers");
	share = json_object_get(call->args, "HealthySharePercent");
	budget = json_object_get(call->args, "ResponseTimeBudgetMs");
	json_array_foreach(list, i, v)
	{
		const char *src = json_string_value(json_object_get(v, "SourceAddress"));
		if (src != NULL && !address_ok(src))
			return fail_invalid(
			    call, "Checkers[%zu].SourceAddress %s is not an address", i, src);
	}
	if ((rc = store_exec(env->store, "DELETE FROM health_checkers")) < 0)
		return ctl_call_fail(call, rc, "InternalFailure", "%s", pop_strerror(rc));
	json_array_foreach(list, i, v)
	{
		const char *src = json_string_value(json_object_get(v, "SourceAddress"));
		rc = sqlite3_prepare_v2(
		    db, "INSERT INTO health_checkers (region, source) VALUES (?, ?)", -1, &q, NULL);
		if (rc != SQLITE_OK)
			return r53_db_fail(call, db, rc);
		sqlite3_bind_text(q, 1, json_string_value(json_object_get(v, "Region")), -1,
				  SQLITE_STATIC);
		sqlite3_bind_text(q, 2, src != NULL ? src : "", -1, SQLITE_STATIC);
		rc = sqlite3_step(q);
		sqlite3_finalize(q);
		if (rc == SQLITE_CONSTRAINT)
			return fail_invalid(call, "Checkers[%zu].Region is given twice", i);
		if (rc != SQLITE_DONE)
			return r53_db_fail(call, db, rc);
	}
	if (share != NULL) {
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(share));
		store_meta_set(env->store, "health.share_percent", buf);
	}
	if (budget != NULL) {
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(budget));
		store_meta_set(env->store, "health.budget_ms", buf);
	}
	if (json_object_get(call->args, "VerifyCertificates") != NULL)
		store_meta_set(
		    env->store, "health.verify_tls",
		    json_is_true(json_object_get(call->args, "VerifyCertificates")) ? "1" : "0");
	engine_stale = true;
	call->result = json_object();
	return 0;
}

int r53_cmd_get_health_checkers(struct ctl_call *call)
{
	struct popd_env *env = env_of(call);
	struct health_checker c[HEALTH_MAX_CHECKERS];
	unsigned share, budget, verify;
	uint64_t started = 0, ok = 0, failed = 0;
	size_t n;
	json_t *list;
	int rc;

	if ((rc = ctl_call_no_args(call, NULL)) < 0)
		return rc;
	if (engine != NULL)
		health_engine_counters(engine, &started, &ok, &failed);
	meta_uint(env->store, "health.verify_tls", 0, &verify);
	if ((rc = load_checkers(store_db(env->store), c, &n)) < 0)
		return ctl_call_fail(call, rc, "InternalFailure", "%s", pop_strerror(rc));
	meta_uint(env->store, "health.share_percent", HEALTH_DEFAULT_SHARE_PERCENT, &share);
	meta_uint(env->store, "health.budget_ms", HEALTH_DEFAULT_BUDGET_MS, &budget);
	list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, json_pack("{s:s, s:s}", "Region", c[i].region,
						      "SourceAddress", c[i].source));
	call->result =
	    json_pack("{s:o, s:i, s:i, s:b, s:{s:I, s:I, s:I}}", "Checkers", list,
		      "HealthySharePercent", (int)share, "ResponseTimeBudgetMs", (int)budget,
		      "VerifyCertificates", verify != 0, "Probes", "Started", (json_int_t)started,
		      "Succeeded", (json_int_t)ok, "Failed", (json_int_t)failed);
	return call->result != NULL ? 0 : -ENOMEM;
}

/* ------------------------------------------------------------ the engine */

/* Bring the engine in line with the store: checkers, then every check. */
static void sync_engine(struct popd_env *env)
{
	sqlite3 *db = store_db(env->store);
	struct health_checker c[HEALTH_MAX_CHECKERS];
	struct health_config *hc;
	char(*ids)[65] = NULL;
	size_t n = 0, n_ids = 0, cap = 0;
	unsigned share, budget, verify;
	sqlite3_stmt *q;
	struct ctl_call call;

	if (engine == NULL || !engine_stale)
		return;
	engine_stale = false;
	if (load_checkers(db, c, &n) == 0) {
		meta_uint(env->store, "health.share_percent", HEALTH_DEFAULT_SHARE_PERCENT, &share);
		meta_uint(env->store, "health.budget_ms", HEALTH_DEFAULT_BUDGET_MS, &budget);
		health_engine_set_checkers(engine, c, n, share, budget);
		meta_uint(env->store, "health.verify_tls", 0, &verify);
		health_engine_set_verify(engine, verify != 0);
	}
	hc = malloc(sizeof(*hc));
	if (hc == NULL ||
	    sqlite3_prepare_v2(db,
			       "SELECT h.id, h.config, s.slot FROM r53_health_checks h JOIN "
			       "health_slots s ON s.id = h.id ORDER BY h.id",
			       -1, &q, NULL) != SQLITE_OK) {
		free(hc);
		engine_stale = true;
		return;
	}
	memset(&call, 0, sizeof(call));
	call.server = env->server;
	/* Plain checks first, so calculated ones find their children. */
	for (int pass = 0; pass < 2; pass++) {
		sqlite3_reset(q);
		while (sqlite3_step(q) == SQLITE_ROW) {
			const char *id = (const char *)sqlite3_column_text(q, 0);
			json_t *cfg = json_loads((const char *)sqlite3_column_text(q, 1), 0, NULL);
			bool calc = strstr((const char *)sqlite3_column_text(q, 1),
					   "\"Type\":\"CALCULATED\"") != NULL;

			if (cfg != NULL && calc == (pass == 1) &&
			    r53_health_config_parse(&call, NULL, cfg, hc, id) == 0) {
				int rc = health_engine_put(
				    engine, id, (uint32_t)sqlite3_column_int64(q, 2), hc);
				if (rc < 0)
					R53_LOG(ERR, "health check %s cannot run: %s", id,
						pop_strerror(rc));
			} else if (cfg != NULL && calc == (pass == 1)) {
				R53_LOG(ERR, "health check %s cannot run: %s", id,
					call.error.message);
			}
			json_decref(cfg);
			if (pass == 0 && n_ids == cap) {
				size_t ncap = cap ? cap * 2 : 64;
				char(*a)[65] = realloc(ids, ncap * sizeof(*a));
				if (a == NULL)
					continue;
				ids = a;
				cap = ncap;
			}
			if (pass == 0)
				snprintf(ids[n_ids++], sizeof(ids[0]), "%s", id);
		}
	}
	sqlite3_finalize(q);
	free(hc);
	health_engine_retain(engine, (const char(*)[65])ids, n_ids);
	free(ids);
}

static void on_commit(struct popd_env *env)
{
	sync_engine(env);
}

int route53_health_start(struct popd_env *env)
{
	int rc;

	if (env->live == NULL)
		return -ENODEV;
	rc = health_engine_new(env->server, env->live, &engine);
	if (rc < 0)
		return rc;
	engine_stale = true;
	sync_engine(env);
	return 0;
}

void route53_health_stop(struct popd_env *env)
{
	(void)env;
	health_engine_free(engine);
	engine = NULL;
}

int r53_health_init(struct popd_env *env)
{
	return env_on_commit(env, on_commit);
}

void route53_health_refresh(struct popd_env *env)
{
	(void)env;
	if (engine != NULL)
		health_engine_refresh(engine);
}

int route53_health_status(struct popd_env *env, const char *id)
{
	sqlite3_stmt *q;
	uint32_t slot;
	int rc;

	if (engine != NULL && health_engine_has(engine, id))
		return health_engine_status(engine, id);
	rc = sqlite3_prepare_v2(store_db(env->store),
				"SELECT 1 FROM r53_health_checks WHERE id = ?", -1, &q, NULL);
	if (rc != SQLITE_OK)
		return store_error(rc);
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_ROW)
		return -ENOENT;
	if (r53_health_slot(store_db(env->store), id, false, &slot) < 0 || env->live == NULL)
		return HEALTH_UNKNOWN;
	return (int)tables_live_get(env->live, TABLES_LIVE_HEALTH, slot);
}

bool r53_health_force(const char *id, const char *status)
{
	uint8_t s = strcmp(status, "Healthy") == 0     ? HEALTH_HEALTHY
		    : strcmp(status, "Unhealthy") == 0 ? HEALTH_UNHEALTHY
						       : HEALTH_UNKNOWN;

	return engine != NULL && health_engine_force(engine, id, s) == 0;
}
