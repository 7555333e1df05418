/* SPDX-License-Identifier: BSD-3-Clause */
/* ARC's commands, tables, live-state writes and the expiry timer. */
#include "arc_pvt.h"

#include "route53.h"
#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

static const char *const arc_schema[] = {
    "CREATE TABLE arc_panels (arn TEXT PRIMARY KEY, name TEXT NOT NULL, cluster TEXT NOT NULL)",
    "CREATE TABLE arc_controls (arn TEXT PRIMARY KEY, panel TEXT NOT NULL, name TEXT NOT NULL, "
    "state INTEGER NOT NULL, slot INTEGER NOT NULL UNIQUE)",
    "CREATE TABLE arc_rules (arn TEXT PRIMARY KEY, panel TEXT NOT NULL, kind TEXT NOT NULL, "
    "body TEXT NOT NULL)",
    "CREATE TABLE arc_shifts (id TEXT PRIMARY KEY, zone_id TEXT NOT NULL, away TEXT NOT NULL, "
    "start_ms INTEGER NOT NULL, expiry_ms INTEGER NOT NULL, comment TEXT NOT NULL, "
    "status TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS az_prefixes (az TEXT NOT NULL, prefix TEXT NOT NULL, "
    "PRIMARY KEY (az, prefix))",
    "CREATE TABLE IF NOT EXISTS zonal_slots (zone_id TEXT NOT NULL, az TEXT NOT NULL, "
    "slot INTEGER NOT NULL UNIQUE, PRIMARY KEY (zone_id, az))",
    "CREATE TABLE arc_resource_sets (name TEXT PRIMARY KEY, type TEXT NOT NULL, "
    "resources TEXT NOT NULL)",
    "CREATE TABLE arc_readiness (name TEXT PRIMARY KEY, resource_set TEXT NOT NULL)",
    /* When a control a rule governs last changed state (ms since the epoch; 0: never). */
    "ALTER TABLE arc_rules ADD COLUMN changed_ms INTEGER NOT NULL DEFAULT 0",
};

static int timer_fd = -1;
static struct ctl_watch *timer_watch;

int arc_str(struct ctl_call *call, const char *name, bool required, size_t min, size_t max,
	    const char **out)
{
	const json_t *v = json_object_get(call->args, name);

	*out = NULL;
	if (v == NULL) {
		if (required)
			return ctl_call_fail(call, -EINVAL, "ValidationException",
					     "Missing required parameter in input: \"%s\"", name);
		return 0;
	}
	if (!json_is_string(v) || json_string_length(v) < min || json_string_length(v) > max)
		return ctl_call_fail(call, -EINVAL, "ValidationException",
				     "%s must be a string of %zu to %zu characters", name, min,
				     max);
	*out = json_string_value(v);
	return 0;
}

int arc_allowed(struct ctl_call *call, const char *allowed)
{
	const char *key;
	json_t *v;

	json_object_foreach(call->args, key, v)
	{
		size_t len = strlen(key);
		const char *p = allowed;
		bool ok = false;

		while (p != NULL && *p != '\0' && !ok) {
			size_t n = strcspn(p, ",");
			ok = n == len && strncmp(p, key, n) == 0;
			p += n + (p[n] == ',');
		}
		if (!ok)
			return ctl_call_fail(
			    call, -EINVAL, "ValidationException",
			    "Unknown parameter in input: \"%.64s\", must be one of: "
			    "%s",
			    key, allowed != NULL ? allowed : "(none)");
	}
	return 0;
}

int arc_db_fail(struct ctl_call *call, sqlite3 *db, int rc)
{
	return ctl_call_fail(call, store_error(rc), "InternalServerException", "state store: %s",
			     sqlite3_errmsg(db));
}

static int64_t (*clock_override)(void);

void arc_set_clock(int64_t (*now_ms)(void))
{
	clock_override = now_ms;
}

int64_t arc_now_ms(void)
{
	struct timespec ts;

	if (clock_override != NULL)
		return clock_override();
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void arc_time_text(int64_t ms, char *out, size_t len)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&s, &tm);
	snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03d000+00:00", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

/* ------------------------------------------------------ routing controls */

static void new_suffix(char *out, size_t len)
{
	store_new_id("", out, len);
	for (char *c = out; *c != '\0'; c++)
		*c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
}

int arc_exists(sqlite3 *db, const char *sql, const char *key)
{
	sqlite3_stmt *q;
	int rc = sqlite3_prepare_v2(db, sql, -1, &q, NULL);

	if (rc != SQLITE_OK)
		return store_error(rc);
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(q) == SQLITE_ROW;
	sqlite3_finalize(q);
	return rc;
}

static int cmd_create_panel(struct ctl_call *call)
{
	sqlite3 *db = store_db(env_of(call)->store);
	const char *cluster, *name;
	char arn[160], suffix[24];
	sqlite3_stmt *q;
	int rc;

	if ((rc = arc_allowed(call, "ClusterArn,ControlPanelName,ClientToken,Tags")) < 0 ||
	    (rc = arc_str(call, "ClusterArn", true, 1, 256, &cluster)) < 0 ||
	    (rc = arc_str(call, "ControlPanelName", true, 1, 64, &name)) < 0 ||
	    (rc = arc_name(call, "ControlPanelName", name)) < 0)
		return rc;
	new_suffix(suffix, 17);
	snprintf(arn, sizeof(arn), "arn:aws:route53-recovery-control::pop:controlpanel/%s", suffix);
	rc = sqlite3_prepare_v2(db, "INSERT INTO arc_panels (arn, name, cluster) VALUES (?, ?, ?)",
				-1, &q, NULL);
	if (rc != SQLITE_OK)
		return arc_db_fail(call, db, rc);
	sqlite3_bind_text(q, 1, arn, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, cluster, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return arc_db_fail(call, db, rc);
	call->result = json_pack("{s:{s:s, s:s, s:b, s:s, s:i, s:s}}", "ControlPanel", "ClusterArn",
				 cluster, "ControlPanelArn", arn, "DefaultControlPanel", 0, "Name",
				 name, "RoutingControlCount", 0, "Status", "DEPLOYED");
	return 0;
}

static int cmd_create_control(struct ctl_call *call)
{
	sqlite3 *db = store_db(env_of(call)->store);
	const char *cluster, *panel, *name;
	char arn[320], suffix[24];
	sqlite3_stmt *q;
	int rc;

	if ((rc = arc_allowed(call, "ClusterArn,ControlPanelArn,RoutingControlName,ClientToken")) <
		0 ||
	    (rc = arc_str(call, "ClusterArn", true, 1, 256, &cluster)) < 0 ||
	    (rc = arc_str(call, "ControlPanelArn", true, 1, 256, &panel)) < 0 ||
	    (rc = arc_str(call, "RoutingControlName", true, 1, 64, &name)) < 0 ||
	    (rc = arc_name(call, "RoutingControlName", name)) < 0)
		return rc;
	if (arc_exists(db, "SELECT 1 FROM arc_panels WHERE arn = ?", panel) != 1)
		return ctl_call_fail(call, -ENOENT, "ResourceNotFoundException",
				     "No control panel %s", panel);
	new_suffix(suffix, 17);
	snprintf(arn, sizeof(arn), "%s/routingcontrol/%s", panel, suffix);
	rc =
	    sqlite3_prepare_v2(db,
			       "INSERT INTO arc_controls (arn, panel, name, state, slot) SELECT ?, "
			       "?, ?, 0, COALESCE(MAX(slot) + 1, 0) FROM arc_controls",
			       -1, &q, NULL);
	if (rc != SQLITE_OK)
		return arc_db_fail(call, db, rc);
	sqlite3_bind_text(q, 1, arn, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, panel, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return arc_db_fail(call, db, rc);
	call->result =
	    json_pack("{s:{s:s, s:s, s:s, s:s}}", "RoutingControl", "ControlPanelArn", panel,
		      "Name", name, "RoutingControlArn", arn, "Status", "DEPLOYED");
	return 0;
}

static int rule_config(struct ctl_call *call, const json_t *cfg, enum arc_rule_type *type,
		       unsigned *threshold, bool *inverted)
{
	const char *t = json_string_value(json_object_get(cfg, "Type"));
	const json_t *th = json_object_get(cfg, "Threshold");

	if (t == NULL || !json_is_boolean(json_object_get(cfg, "Inverted")) || !json_is_integer(th))
		return ctl_call_fail(call, -EINVAL, "ValidationException",
				     "RuleConfig needs Type (ATLEAST, AND, OR), Inverted and "
				     "Threshold");
	if (strcmp(t, "ATLEAST") == 0)
		*type = ARC_RULE_ATLEAST;
	else if (strcmp(t, "AND") == 0)
		*type = ARC_RULE_AND;
	else if (strcmp(t, "OR") == 0)
		*type = ARC_RULE_OR;
	else
		return ctl_call_fail(call, -EINVAL, "ValidationException",
				     "RuleConfig.Type must be ATLEAST, AND or OR");
	if (json_integer_value(th) < 0 || json_integer_value(th) > ARC_MAX_CONTROLS)
		return ctl_call_fail(call, -EINVAL, "ValidationException",
				     "RuleConfig.Threshold must be 0 to %d", ARC_MAX_CONTROLS);
	*threshold = (unsigned)json_integer_value(th);
	*inverted = json_is_true(json_object_get(cfg, "Inverted"));
	return 0;
}

static int cmd_create_rule(struct ctl_call *call)
{
	sqlite3 *db = store_db(env_of(call)->store);
	const json_t *assertion = json_object_get(call->args, "AssertionRule");
	const json_t *gating = json_object_get(call->args, "GatingRule");
	const json_t *rule = assertion != NULL ? assertion : gating;
	static const char *const lists[] = {"AssertedControls", "GatingControls", "TargetControls"};
	const char *panel, *name;
	enum arc_rule_type type;
	unsigned threshold;
	bool inverted;
	char arn[320], suffix[24], *body;
	json_t *out;
	sqlite3_stmt *q;
	int rc;

	if ((rc = arc_allowed(call, "AssertionRule,GatingRule,ClientToken,Tags")) < 0)
		return rc;
	if ((assertion == NULL) == (gating == NULL) || !json_is_object(rule))
		return ctl_call_fail(call, -EINVAL, "ValidationException",
				     "Give exactly one of AssertionRule and GatingRule");
	panel = json_string_value(json_object_get(rule, "ControlPanelArn"));
	name = json_string_value(json_object_get(rule, "Name"));
	if (panel == NULL || name == NULL || strlen(name) > 64 ||
	    !json_is_integer(json_object_get(rule, "WaitPeriodMs")))
		return ctl_call_fail(call, -EINVAL, "ValidationException",
				     "The rule needs ControlPanelArn, Name and WaitPeriodMs");
	if ((rc = arc_name(call, "Name", name)) < 0 ||
	    (rc = arc_wait_period(call, json_object_get(rule, "WaitPeriodMs"))) < 0)
		return rc;
	if (arc_exists(db, "SELECT 1 FROM arc_panels WHERE arn = ?", panel) != 1)
		return ctl_call_fail(call, -ENOENT, "ResourceNotFoundException",
				     "No control panel %s", panel);
	if ((rc = rule_config(call, json_object_get(rule, "RuleConfig"), &type, &threshold,
			      &inverted)) < 0)
		return rc;
	for (size_t l = assertion != NULL ? 0 : 1; l < (assertion != NULL ? 1u : 3u); l++) {
		const json_t *list = json_object_get(rule, lists[l]), *v;
		size_t i;
		if (!json_is_array(list) || json_array_size(list) == 0 ||
		    json_array_size(list) > ARC_MAX_CONTROLS)
			return ctl_call_fail(call, -EINVAL, "ValidationException",
					     "%s must list 1 to %d routing controls", lists[l],
					     ARC_MAX_CONTROLS);
		json_array_foreach(list, i, v)
		{
			const char *c = json_string_value(v);
			if (c == NULL ||
			    arc_exists(db, "SELECT 1 FROM arc_controls WHERE arn = ?", c) != 1)
				return ctl_call_fail(call, -ENOENT, "ResourceNotFoundException",
						     "%s[%zu] names no routing control", lists[l],
						     i);
		}
	}
	new_suffix(suffix, 17);
	snprintf(arn, sizeof(arn), "%s/safetyrule/%s", panel, suffix);
	out = json_deep_copy(rule);
	json_object_set_new(out, "SafetyRuleArn", json_string(arn));
	json_object_set_new(out, "Status", json_string("DEPLOYED"));
	body = json_dumps(out, JSON_COMPACT);
	rc = sqlite3_prepare_v2(
	    db, "INSERT INTO arc_rules (arn, panel, kind, body) VALUES (?, ?, ?, ?)", -1, &q, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(q, 1, arn, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, panel, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 3, assertion != NULL ? "ASSERTION" : "GATING", -1,
				  SQLITE_STATIC);
		sqlite3_bind_text(q, 4, body, -1, SQLITE_STATIC);
		rc = sqlite3_step(q);
		sqlite3_finalize(q);
	}
	free(body);
	if (rc != SQLITE_DONE) {
		json_decref(out);
		return arc_db_fail(call, db, rc);
	}
	call->result = json_pack("{s:o}", assertion != NULL ? "AssertionRule" : "GatingRule", out);
	return 0;
}

static int cmd_get_state(struct ctl_call *call)
{
	sqlite3 *db = store_db(env_of(call)->store);
	const char *arn;
	sqlite3_stmt *q;
	int rc;

	if ((rc = arc_allowed(call, "RoutingControlArn")) < 0 ||
	    (rc = arc_str(call, "RoutingControlArn", true, 1, 256, &arn)) < 0)
		return rc;
	rc = sqlite3_prepare_v2(db, "SELECT name, state FROM arc_controls WHERE arn = ?", -1, &q,
				NULL);
	if (rc != SQLITE_OK)
		return arc_db_fail(call, db, rc);
	sqlite3_bind_text(q, 1, arn, -1, SQLITE_STATIC);
	if (sqlite3_step(q) != SQLITE_ROW) {
		sqlite3_finalize(q);
		return ctl_call_fail(call, -ENOENT, "ResourceNotFoundException",
				     "No routing control %s", arn);
	}
	call->result = json_pack("{s:s, s:s, s:s}", "RoutingControlArn", arn, "RoutingControlState",
				 sqlite3_column_int(q, 1) ? "On" : "Off", "RoutingControlName",
				 (const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	return 0;
}

static int delete_by(struct ctl_call *call, const char *member, const char *check_sql,
		     const char *in_use_sql, const char *delete_sql)
{
	sqlite3 *db = store_db(env_of(call)->store);
	const char *arn;
	sqlite3_stmt *q;
	int rc;

	if ((rc = arc_allowed(call, member)) < 0 ||
	    (rc = arc_str(call, member, true, 1, 256, &arn)) < 0)
		return rc;
	if (arc_exists(db, check_sql, arn) != 1)
		return ctl_call_fail(call, -ENOENT, "ResourceNotFoundException", "No %s %s", member,
				     arn);
	if (in_use_sql != NULL && arc_exists(db, in_use_sql, arn) == 1)
		return ctl_call_fail(call, -EBUSY, "ConflictException",
				     "%s %s is still in use (routing controls, safety rules or "
				     "RECOVERY_CONTROL health checks name it)",
				     member, arn);
	rc = sqlite3_prepare_v2(db, delete_sql, -1, &q, NULL);
	if (rc != SQLITE_OK)
		return arc_db_fail(call, db, rc);
	sqlite3_bind_text(q, 1, arn, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return arc_db_fail(call, db, rc);
	call->result = json_object();
	return 0;
}

static int cmd_delete_control(struct ctl_call *call)
{
	return delete_by(call, "RoutingControlArn", "SELECT 1 FROM arc_controls WHERE arn = ?",
			 "SELECT 1 FROM arc_rules WHERE instr(body, ?1) > 0 UNION ALL SELECT 1 "
			 "FROM r53_health_checks WHERE instr(config, ?1) > 0",
			 "DELETE FROM arc_controls WHERE arn = ?");
}

static int cmd_delete_rule(struct ctl_call *call)
{
	return delete_by(call, "SafetyRuleArn", "SELECT 1 FROM arc_rules WHERE arn = ?", NULL,
			 "DELETE FROM arc_rules WHERE arn = ?");
}

static int cmd_delete_panel(struct ctl_call *call)
{
	return delete_by(call, "ControlPanelArn", "SELECT 1 FROM arc_panels WHERE arn = ?",
			 "SELECT 1 FROM arc_controls WHERE panel = ?1 UNION ALL SELECT 1 FROM "
			 "arc_rules WHERE panel = ?1",
			 "DELETE FROM arc_panels WHERE arn = ?");
}

/* ------------------------------------------------------------- live state */

static void arm_timer(struct popd_env *env)
{
	int64_t next = arc_next_expiry(env), now = arc_now_ms();
	struct itimerspec its = {0};

	if (timer_fd < 0)
		return;
	if (next >= 0) {
		int64_t in = next > now ? next - now : 1;
		its.it_value.tv_sec = in / 1000;
		its.it_value.tv_nsec = (in % 1000) * 1000000 + 1;
	}
	timerfd_settime(timer_fd, 0, &its, NULL);
}

void arc_apply(struct popd_env *env)
{
	sqlite3_stmt *q;

	if (env->live == NULL)
		return;
	if (sqlite3_prepare_v2(store_db(env->store), "SELECT slot, state FROM arc_controls", -1, &q,
			       NULL) == SQLITE_OK) {
		while (sqlite3_step(q) == SQLITE_ROW)
			tables_live_set(env->live, TABLES_LIVE_ROUTING_CONTROL,
					(uint32_t)sqlite3_column_int64(q, 0),
					(uint32_t)sqlite3_column_int(q, 1));
		sqlite3_finalize(q);
	}
	arc_apply_shifts(env, arc_now_ms());
	route53_health_refresh(env);
	arm_timer(env);
}

void arc_tick(struct popd_env *env)
{
	arc_expire(env);
	arc_apply(env);
}

static void on_timer(void *user, int fd, uint32_t events)
{
	uint64_t ticks;

	(void)events;
	if (read(fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		ARC_LOG(WARNING, "timerfd: %s", strerror(errno));
	arc_tick(user);
}

static int control_slot(struct popd_env *env, const char *arn, uint32_t *slot)
{
	sqlite3_stmt *q;
	int rc = sqlite3_prepare_v2(store_db(env->store),
				    "SELECT slot FROM arc_controls WHERE arn = ?", -1, &q, NULL);

	if (rc != SQLITE_OK)
		return store_error(rc);
	sqlite3_bind_text(q, 1, arn, -1, SQLITE_STATIC);
	rc = sqlite3_step(q) == SQLITE_ROW ? 0 : -ENOENT;
	if (rc == 0)
		*slot = (uint32_t)sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return rc;
}

int arc_init(struct popd_env *env)
{
	int rc = store_migrate(env->store, "arc", arc_schema,
			       sizeof(arc_schema) / sizeof(arc_schema[0]));

	if (rc < 0)
		return rc;
	route53_set_control_resolver(control_slot);
	return env_on_commit(env, arc_apply);
}

int arc_start(struct popd_env *env)
{
	int rc;

	timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (timer_fd < 0)
		return -errno;
	rc = ctl_server_watch(env->server, timer_fd, EPOLLIN, on_timer, env, &timer_watch);
	if (rc < 0) {
		close(timer_fd);
		timer_fd = -1;
		return rc;
	}
	/* Shifts that ended while popd was down end now; the rest go on. */
	arc_expire(env);
	arc_apply(env);
	return 0;
}

void arc_stop(struct popd_env *env)
{
	(void)env;
	ctl_server_unwatch(timer_watch);
	timer_watch = NULL;
	if (timer_fd >= 0)
		close(timer_fd);
	timer_fd = -1;
}

const struct ctl_command arc_commands[] = {
    {"arc put-availability-zones",
     "--availability-zones '[{\"Name\":\"use1-az1\",\"Prefixes\":[\"198.18.1.0/28\"]}]'",
     arc_cmd_put_zones, CTL_CMD_MUTATES},
    {"arc list-availability-zones", "(no options)", arc_cmd_list_zones, 0},
    {"arc start-zonal-shift",
     "--resource-identifier ARN --away-from AZ --expires-in 30m|2h|45s --comment TEXT",
     arc_cmd_start_shift, CTL_CMD_MUTATES},
    {"arc update-zonal-shift", "--zonal-shift-id ID [--expires-in D] [--comment TEXT]",
     arc_cmd_update_shift, CTL_CMD_MUTATES},
    {"arc cancel-zonal-shift", "--zonal-shift-id ID", arc_cmd_cancel_shift, CTL_CMD_MUTATES},
    {"arc get-zonal-shift", "--zonal-shift-id ID", arc_cmd_get_shift, 0},
    {"arc list-zonal-shifts",
     "[--status ACTIVE|EXPIRED|CANCELED] [--max-results N] [--next-token T]", arc_cmd_list_shifts,
     0},
    {"arc list-managed-resources", "[--max-results N] [--next-token T]", arc_cmd_list_resources, 0},
    {"arc get-managed-resource", "--resource-identifier ARN", arc_cmd_get_resource, 0},
    {"arc create-control-panel", "--cluster-arn ARN --control-panel-name NAME", cmd_create_panel,
     CTL_CMD_MUTATES},
    {"arc create-routing-control",
     "--cluster-arn ARN --control-panel-arn ARN --routing-control-name NAME", cmd_create_control,
     CTL_CMD_MUTATES},
    {"arc create-safety-rule", "--assertion-rule JSON | --gating-rule JSON", cmd_create_rule,
     CTL_CMD_MUTATES},
    {"arc update-routing-control-state",
     "--routing-control-arn ARN --routing-control-state On|Off [--safety-rules-to-override "
     "ARN...]",
     arc_cmd_update_state, CTL_CMD_MUTATES},
    {"arc get-routing-control-state", "--routing-control-arn ARN", cmd_get_state, 0},
    {"arc list-routing-controls", "[--control-panel-arn ARN] [--max-results N] [--next-token T]",
     arc_cmd_list_controls, 0},
    {"arc delete-routing-control", "--routing-control-arn ARN", cmd_delete_control,
     CTL_CMD_MUTATES},
    {"arc delete-safety-rule", "--safety-rule-arn ARN", cmd_delete_rule, CTL_CMD_MUTATES},
    {"arc delete-control-panel", "--control-panel-arn ARN", cmd_delete_panel, CTL_CMD_MUTATES},
    {"arc list-control-panels", "[--cluster-arn ARN] [--max-results N] [--next-token T]",
     arc_cmd_list_panels, 0},
    {"arc describe-control-panel", "--control-panel-arn ARN", arc_cmd_describe_panel, 0},
    {"arc update-control-panel", "--control-panel-arn ARN --control-panel-name NAME",
     arc_cmd_update_panel, CTL_CMD_MUTATES},
    {"arc describe-routing-control", "--routing-control-arn ARN", arc_cmd_describe_control, 0},
    {"arc update-routing-control", "--routing-control-arn ARN --routing-control-name NAME",
     arc_cmd_update_control, CTL_CMD_MUTATES},
    {"arc update-routing-control-states",
     "--update-routing-control-state-entries '[{\"RoutingControlArn\":\"ARN\","
     "\"RoutingControlState\":\"On\"}]' [--safety-rules-to-override ARN...]",
     arc_cmd_update_states, CTL_CMD_MUTATES},
    {"arc list-safety-rules", "--control-panel-arn ARN [--max-results N] [--next-token T]",
     arc_cmd_list_rules, 0},
    {"arc describe-safety-rule", "--safety-rule-arn ARN", arc_cmd_describe_rule, 0},
    {"arc update-safety-rule",
     "--assertion-rule-update '{\"SafetyRuleArn\":\"ARN\",\"Name\":\"N\",\"WaitPeriodMs\":5000}' "
     "| --gating-rule-update JSON",
     arc_cmd_update_rule, CTL_CMD_MUTATES},
    {"arc create-resource-set",
     "--resource-set-name N --resource-set-type POP::Dataplane::Workers|POP::Tables::Generation|"
     "AWS::Route53::HealthCheck [--resources '[{\"resourceArn\":\"arn:aws:route53:::"
     "healthcheck/ID\"}]']",
     arc_cmd_create_resource_set, CTL_CMD_MUTATES},
    {"arc create-readiness-check", "--readiness-check-name N --resource-set-name S",
     arc_cmd_create_readiness_check, CTL_CMD_MUTATES},
    {"arc get-readiness-check-status", "--readiness-check-name N", arc_cmd_get_readiness_status, 0},
    {"arc list-readiness-checks", "(no options)", arc_cmd_list_readiness_checks, 0},
    {"arc delete-readiness-check", "--readiness-check-name N", arc_cmd_delete_readiness_check,
     CTL_CMD_MUTATES},
    {"arc delete-resource-set", "--resource-set-name N", arc_cmd_delete_resource_set,
     CTL_CMD_MUTATES},
};

const size_t arc_command_count = sizeof(arc_commands) / sizeof(arc_commands[0]);
