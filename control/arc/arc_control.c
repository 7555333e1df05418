/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control panels, routing controls and safety rules beyond their creation:
 * describe, update and paged lists, and the changes of routing-control
 * states (one, or a batch as one change) under the safety rules and their
 * wait periods.
 */
#include "arc_pvt.h"

#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ----------------------------------------------------------------- paging */

int arc_page_args(struct ctl_call *call, const char *max_name, const char *token_name, long max,
		  bool clamp, const char *tag, struct arc_page *pg)
{
	const json_t *v = json_object_get(call->args, max_name);
	const char *token;
	long long n = max;
	int rc;

	memset(pg, 0, sizeof(*pg));
	pg->tag = tag;
	if (v != NULL) {
		if (json_is_integer(v)) {
			n = json_integer_value(v);
		} else if (json_is_string(v)) {
			char *end = NULL;
			n = strtoll(json_string_value(v), &end, 10);
			if (end == json_string_value(v) || *end != '\0')
				n = 0;
		} else {
			n = 0;
		}
		if (n > max && clamp)
			n = max;
		if (n < 1 || n > max)
			return ctl_call_fail(call, -EINVAL, "ValidationException",
					     "%s must be a whole number from 1 to %ld", max_name,
					     max);
	}
	pg->limit = (long)n;
	if ((rc = arc_str(call, token_name, false, 1, ARC_TOKEN_MAX, &token)) < 0)
		return rc;
	if (token != NULL) {
		if (arc_token_parse(token, tag, pg->key1, pg->key2, sizeof(pg->key1)) < 0)
			return ctl_call_fail(call, -EINVAL, "ValidationException",
					     "%s is not a token this pop gave for this list "
					     "(InvalidToken): %.64s",
					     token_name, token);
		pg->after = true;
	}
	return 0;
}

int arc_page_next(struct ctl_call *call, struct arc_page *pg, const char *token_name,
		  const char *key1, const char *key2)
{
	char token[ARC_TOKEN_MAX + 1];

	if (arc_token_make(pg->tag, key1, key2, token, sizeof(token)) < 0)
		return ctl_call_fail(call, -ENOSPC, "InternalServerException",
				     "a page token does not fit");
	json_object_set_new(call->result, token_name, json_string(token));
	return 0;
}

/* Bind the page's position at @p i (and i + 1), NULL before the first page. */
static void bind_after(sqlite3_stmt *q, int i, const struct arc_page *pg)
{
	if (pg->after) {
		sqlite3_bind_text(q, i, pg->key1, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, i + 1, pg->key2, -1, SQLITE_STATIC);
	}
}

/* ---------------------------------------------------------------- helpers */

int arc_name(struct ctl_call *call, const char *member, const char *name)
{
	size_t len = name != NULL ? strlen(name) : 0;

	if (len < 1 || len > 64 || strpbrk(name, " \t\r\n\v\f") != NULL)
		return ctl_call_fail(call, -EINVAL, "ValidationException",
				     "%s must be 1 to 64 characters with no white space", member);
	return 0;
}

int arc_wait_period(struct ctl_call *call, const json_t *v)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > ARC_MAX_WAIT_MS)
		return ctl_call_fail(call, -EINVAL, "ValidationException",
				     "WaitPeriodMs must be 0 to %d (milliseconds)",
				     ARC_MAX_WAIT_MS);
	return 0;
}

/* SafetyRulesToOverride: a list of ARNs, or one ARN (popctl's single value). */
static int overrides_arg(struct ctl_call *call, const json_t **out)
{
	const json_t *v = json_object_get(call->args, "SafetyRulesToOverride"), *e;
	size_t i;

	*out = v;
	if (v == NULL || json_is_string(v))
		return 0;
	if (!json_is_array(v) || json_array_size(v) > ARC_MAX_CONTROLS)
		return ctl_call_fail(call, -EINVAL, "ValidationException",
				     "SafetyRulesToOverride must list at most %d safety rule ARNs",
				     ARC_MAX_CONTROLS);
	json_array_foreach(v, i, e) if (!json_is_string(e)) return ctl_call_fail(
	    call, -EINVAL, "ValidationException", "SafetyRulesToOverride[%zu] is not an ARN", i);
	return 0;
}

static bool listed(const json_t *list, const char *arn)
{
	const json_t *v;
	size_t i;

	if (json_is_string(list))
		return strcmp(json_string_value(list), arn) == 0;
	json_array_foreach(list, i, v) if (json_string_value(v) != NULL &&
					   strcmp(json_string_value(v), arn) == 0) return true;
	return false;
}

static sqlite3_stmt *prepare(struct ctl_call *call, const char *sql)
{
	sqlite3 *db = store_db(env_of(call)->store);
	sqlite3_stmt *q = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &q, NULL);

	if (rc != SQLITE_OK) {
		arc_db_fail(call, db, rc);
		return NULL;
	}
	return q;
}

static int step_done(struct ctl_call *call, sqlite3_stmt *q)
{
	int rc = sqlite3_step(q);

	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return arc_db_fail(call, store_db(env_of(call)->store), rc);
	return 0;
}

/* --------------------------------------------------------- control panels */

#define PANEL_SELECT                                                                               \
	"SELECT p.arn, p.name, p.cluster, (SELECT COUNT(*) FROM arc_controls c WHERE c.panel = "   \
	"p.arn) FROM arc_panels p "

static json_t *panel_json(sqlite3_stmt *q)
{
	return json_pack("{s:s, s:s, s:b, s:s, s:I, s:s}", "ClusterArn",
			 (const char *)sqlite3_column_text(q, 2), "ControlPanelArn",
			 (const char *)sqlite3_column_text(q, 0), "DefaultControlPanel", 0, "Name",
			 (const char *)sqlite3_column_text(q, 1), "RoutingControlCount",
			 (json_int_t)sqlite3_column_int64(q, 3), "Status", "DEPLOYED");
}

static int panel_result(struct ctl_call *call, const char *arn)
{
	sqlite3_stmt *q = prepare(call, PANEL_SELECT "WHERE p.arn = ?");

	if (q == NULL)
		return -EIO;
	sqlite3_bind_text(q, 1, arn, -1, SQLITE_STATIC);
	if (sqlite3_step(q) != SQLITE_ROW) {
		sqlite3_finalize(q);
		return ctl_call_fail(call, -ENOENT, "ResourceNotFoundException",
				     "No control panel %s", arn);
	}
	call->result = json_pack("{s:o}", "ControlPanel", panel_json(q));
	sqlite3_finalize(q);
	return call->result != NULL ? 0 : -ENOMEM;
}

int arc_cmd_list_panels(struct ctl_call *call)
{
	const char *cluster;
	struct arc_page pg;
	json_t *list;
	sqlite3_stmt *q;
	int rc;

	if ((rc = arc_allowed(call, "ClusterArn,MaxResults,NextToken")) < 0 ||
	    (rc = arc_str(call, "ClusterArn", false, 1, 256, &cluster)) < 0 ||
	    (rc = arc_page_args(call, "MaxResults", "NextToken", ARC_PAGE_MAX, false, "cp", &pg)) <
		0)
		return rc;
	q = prepare(call,
		    PANEL_SELECT "WHERE (?1 IS NULL OR p.cluster = ?1) AND (?2 IS NULL OR "
				 "(p.name, p.arn) > (?2, ?3)) ORDER BY p.name, p.arn LIMIT ?4");
	if (q == NULL)
		return -EIO;
	if (cluster != NULL)
		sqlite3_bind_text(q, 1, cluster, -1, SQLITE_STATIC);
	bind_after(q, 2, &pg);
	sqlite3_bind_int64(q, 4, pg.limit + 1);
	list = json_array();
	call->result = json_pack("{s:o}", "ControlPanels", list);
	rc = 0;
	while (rc == 0 && sqlite3_step(q) == SQLITE_ROW) {
		if ((long)json_array_size(list) == pg.limit) {
			json_t *last = json_array_get(list, json_array_size(list) - 1);
			rc = arc_page_next(
			    call, &pg, "NextToken",
			    json_string_value(json_object_get(last, "Name")),
			    json_string_value(json_object_get(last, "ControlPanelArn")));
			break;
		}
		json_array_append_new(list, panel_json(q));
	}
	sqlite3_finalize(q);
	return rc;
}

int arc_cmd_describe_panel(struct ctl_call *call)
{
	const char *arn;
	int rc;

	if ((rc = arc_allowed(call, "ControlPanelArn")) < 0 ||
	    (rc = arc_str(call, "ControlPanelArn", true, 1, 256, &arn)) < 0)
		return rc;
	return panel_result(call, arn);
}

/* update-control-panel / update-routing-control: a new name for the row of @p arn_key, then its
 * shape. */
static int rename_one(struct ctl_call *call, const char *arn_key, const char *name_key,
		      const char *sql, int (*result)(struct ctl_call *, const char *))
{
	const char *arn, *name;
	char allowed[64];
	sqlite3_stmt *q;
	int rc;

	snprintf(allowed, sizeof(allowed), "%s,%s", arn_key, name_key);
	if ((rc = arc_allowed(call, allowed)) < 0 ||
	    (rc = arc_str(call, arn_key, true, 1, 256, &arn)) < 0 ||
	    (rc = arc_str(call, name_key, true, 1, 64, &name)) < 0 ||
	    (rc = arc_name(call, name_key, name)) < 0)
		return rc;
	if ((q = prepare(call, sql)) == NULL)
		return -EIO;
	sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, arn, -1, SQLITE_STATIC);
	if ((rc = step_done(call, q)) < 0)
		return rc;
	return result(call, arn);
}

int arc_cmd_update_panel(struct ctl_call *call)
{
	return rename_one(call, "ControlPanelArn", "ControlPanelName",
			  "UPDATE arc_panels SET name = ? WHERE arn = ?", panel_result);
}

/* ------------------------------------------------------- routing controls */

static int control_result(struct ctl_call *call, const char *arn)
{
	sqlite3_stmt *q = prepare(call, "SELECT panel, name FROM arc_controls WHERE arn = ?");

	if (q == NULL)
		return -EIO;
	sqlite3_bind_text(q, 1, arn, -1, SQLITE_STATIC);
	if (sqlite3_step(q) != SQLITE_ROW) {
		sqlite3_finalize(q);
		return ctl_call_fail(call, -ENOENT, "ResourceNotFoundException",
				     "No routing control %s", arn);
	}
	call->result = json_pack("{s:{s:s, s:s, s:s, s:s}}", "RoutingControl", "ControlPanelArn",
				 (const char *)sqlite3_column_text(q, 0), "Name",
				 (const char *)sqlite3_column_text(q, 1), "RoutingControlArn", arn,
				 "Status", "DEPLOYED");
	sqlite3_finalize(q);
	return call->result != NULL ? 0 : -ENOMEM;
}

int arc_cmd_describe_control(struct ctl_call *call)
{
	const char *arn;
	int rc;

	if ((rc = arc_allowed(call, "RoutingControlArn")) < 0 ||
	    (rc = arc_str(call, "RoutingControlArn", true, 1, 256, &arn)) < 0)
		return rc;
	return control_result(call, arn);
}

int arc_cmd_update_control(struct ctl_call *call)
{
	return rename_one(call, "RoutingControlArn", "RoutingControlName",
			  "UPDATE arc_controls SET name = ? WHERE arn = ?", control_result);
}

/*
 * Both services' shapes in one: route53-recovery-control-config's (Name,
 * Status) and route53-recovery-cluster's (ControlPanelName,
 * RoutingControlName, RoutingControlState); ControlPanelArn may be left out
 * (the cluster's form: every panel).
 */
int arc_cmd_list_controls(struct ctl_call *call)
{
	const char *panel;
	struct arc_page pg;
	json_t *list;
	sqlite3_stmt *q;
	int rc;

	if ((rc = arc_allowed(call, "ControlPanelArn,MaxResults,NextToken")) < 0 ||
	    (rc = arc_str(call, "ControlPanelArn", false, 1, 256, &panel)) < 0 ||
	    (rc = arc_page_args(call, "MaxResults", "NextToken", ARC_PAGE_MAX, true, "rc", &pg)) <
		0)
		return rc;
	if (panel != NULL && arc_exists(store_db(env_of(call)->store),
					"SELECT 1 FROM arc_panels WHERE arn = ?", panel) != 1)
		return ctl_call_fail(call, -ENOENT, "ResourceNotFoundException",
				     "No control panel %s", panel);
	q = prepare(call, "SELECT c.arn, c.name, c.state, c.panel, p.name FROM arc_controls c "
			  "JOIN arc_panels p ON p.arn = c.panel WHERE (?1 IS NULL OR c.panel = ?1) "
			  "AND (?2 IS NULL OR (c.name, c.arn) > (?2, ?3)) ORDER BY c.name, c.arn "
			  "LIMIT ?4");
	if (q == NULL)
		return -EIO;
	if (panel != NULL)
		sqlite3_bind_text(q, 1, panel, -1, SQLITE_STATIC);
	bind_after(q, 2, &pg);
	sqlite3_bind_int64(q, 4, pg.limit + 1);
	list = json_array();
	call->result = json_pack("{s:o}", "RoutingControls", list);
	rc = 0;
	while (rc == 0 && sqlite3_step(q) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(q, 1);
		if ((long)json_array_size(list) == pg.limit) {
			json_t *last = json_array_get(list, json_array_size(list) - 1);
			rc = arc_page_next(
			    call, &pg, "NextToken",
			    json_string_value(json_object_get(last, "Name")),
			    json_string_value(json_object_get(last, "RoutingControlArn")));
			break;
		}
		json_array_append_new(
		    list, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ControlPanelArn",
				    (const char *)sqlite3_column_text(q, 3), "ControlPanelName",
				    (const char *)sqlite3_column_text(q, 4), "Name", name,
				    "RoutingControlArn", (const char *)sqlite3_column_text(q, 0),
				    "RoutingControlName", name, "RoutingControlState",
				    sqlite3_column_int(q, 2) ? "On" : "Off", "Status", "DEPLOYED"));
	}
	sqlite3_finalize(q);
	return rc;
}

/* ------------------------------------------------- routing-control states */

struct change {
	const char *arn;
	char panel[260];
	bool on, current;
};

/* The state a control has after the change: the batch's if it names it, else the stored one. */
static bool state_after(sqlite3_stmt *get, const struct change *ch, size_t n, const char *arn)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(ch[i].arn, arn) == 0)
			return ch[i].on;
	sqlite3_reset(get);
	sqlite3_bind_text(get, 1, arn, -1, SQLITE_TRANSIENT);
	return sqlite3_step(get) == SQLITE_ROW && sqlite3_column_int(get, 0) != 0;
}

/* The first control of the batch that changes and that @p list names, or NULL. */
static const struct change *changed_in(const struct change *ch, size_t n, const json_t *list)
{
	for (size_t i = 0; i < n; i++)
		if (ch[i].on != ch[i].current && listed(list, ch[i].arn))
			return &ch[i];
	return NULL;
}

/*
 * Check one rule against the batch: its wait period, then the rule itself
 * on the states after the change. @p governs is set when the batch changes a
 * control the rule governs (its wait then starts again).
 */
static int check_rule(struct ctl_call *call, sqlite3_stmt *r, sqlite3_stmt *get,
		      const struct change *ch, size_t n, const json_t *overrides, int64_t now,
		      bool *governs)
{
	const char *rule_arn = (const char *)sqlite3_column_text(r, 0);
	bool assertion = strcmp((const char *)sqlite3_column_text(r, 1), "ASSERTION") == 0;
	json_t *body = json_loads((const char *)sqlite3_column_text(r, 2), 0, NULL);
	const json_t *cfg = json_object_get(body, "RuleConfig");
	const json_t *list =
	    json_object_get(body, assertion ? "AssertedControls" : "GatingControls");
	const json_t *governed = assertion ? list : json_object_get(body, "TargetControls");
	const char *type = json_string_value(json_object_get(cfg, "Type"));
	const char *name = json_string_value(json_object_get(body, "Name"));
	enum arc_rule_type t = type != NULL && strcmp(type, "AND") == 0	 ? ARC_RULE_AND
			       : type != NULL && strcmp(type, "OR") == 0 ? ARC_RULE_OR
									 : ARC_RULE_ATLEAST;
	bool states[ARC_MAX_CONTROLS];
	const struct change *hit;
	size_t count = json_array_size(list);
	int64_t left;
	const json_t *v;
	size_t i;
	int rc = 0;

	hit = body != NULL ? changed_in(ch, n, governed) : NULL;
	*governs = hit != NULL;
	if (hit == NULL || listed(overrides, rule_arn) || count > ARC_MAX_CONTROLS) {
		json_decref(body);
		return 0;
	}
	left = arc_wait_left_ms(sqlite3_column_int64(r, 3),
				json_integer_value(json_object_get(body, "WaitPeriodMs")), now);
	if (left > 0) {
		rc = ctl_call_fail(
		    call, -EBUSY, "ConflictException",
		    "Setting %s to %s is refused: the %s rule %s (%s) is in its wait "
		    "period, %lld ms left of WaitPeriodMs %lld; nothing was changed "
		    "(SafetyRulesToOverride overrides it)",
		    hit->arn, hit->on ? "On" : "Off", assertion ? "assertion" : "gating",
		    name ?: "?", rule_arn, (long long)left,
		    (long long)json_integer_value(json_object_get(body, "WaitPeriodMs")));
		json_decref(body);
		return rc;
	}
	/* Assertion: the asserted controls after the change; gating: the gates after it. */
	json_array_foreach(list, i, v) states[i] =
	    json_string_value(v) != NULL && state_after(get, ch, n, json_string_value(v));
	if (!arc_rule_holds(t, (unsigned)json_integer_value(json_object_get(cfg, "Threshold")),
			    json_is_true(json_object_get(cfg, "Inverted")), states, count))
		rc = ctl_call_fail(call, -EPERM, "ConflictException",
				   "Setting %s to %s%s would break the %s rule %s (%s); nothing "
				   "was changed (SafetyRulesToOverride overrides it)",
				   hit->arn, hit->on ? "On" : "Off",
				   n > 1 ? " (with the rest of the batch)" : "",
				   assertion ? "assertion" : "gating", name ?: "?", rule_arn);
	json_decref(body);
	return rc;
}

/*
 * Apply a batch of state changes as one: every rule that governs a changed
 * control is checked on the states after the whole batch, and nothing is
 * written unless all pass. A change to the state a control already has is
 * no change (not checked, no wait started).
 */
static int apply_states(struct ctl_call *call, struct change *ch, size_t n, const json_t *overrides)
{
	sqlite3 *db = store_db(env_of(call)->store);
	sqlite3_stmt *q, *r = NULL, *get = NULL, *touch = NULL;
	json_t *touched, *v;
	int64_t now = arc_now_ms();
	bool any = false;
	size_t i;
	int rc = 0;

	if ((q = prepare(call, "SELECT panel, state FROM arc_controls WHERE arn = ?")) == NULL)
		return -EIO;
	for (i = 0; i < n && rc == 0; i++) {
		for (size_t j = 0; j < i; j++)
			if (strcmp(ch[i].arn, ch[j].arn) == 0)
				rc = ctl_call_fail(call, -EINVAL, "ValidationException",
						   "%s is named twice in the batch", ch[i].arn);
		sqlite3_reset(q);
		sqlite3_bind_text(q, 1, ch[i].arn, -1, SQLITE_TRANSIENT);
		if (rc == 0 && sqlite3_step(q) != SQLITE_ROW)
			rc = ctl_call_fail(call, -ENOENT, "ResourceNotFoundException",
					   "No routing control %s", ch[i].arn);
		if (rc == 0) {
			snprintf(ch[i].panel, sizeof(ch[i].panel), "%s",
				 (const char *)sqlite3_column_text(q, 0));
			ch[i].current = sqlite3_column_int(q, 1) != 0;
			any |= ch[i].current != ch[i].on;
		}
	}
	sqlite3_finalize(q);
	if (rc < 0 || !any) {
		if (rc == 0)
			call->result = json_object();
		return rc;
	}
	touched = json_array();
	r = prepare(call, "SELECT arn, kind, body, changed_ms FROM arc_rules WHERE panel = ?");
	get = prepare(call, "SELECT state FROM arc_controls WHERE arn = ?");
	touch = prepare(call, "UPDATE arc_rules SET changed_ms = ? WHERE arn = ?");
	q = prepare(call, "UPDATE arc_controls SET state = ? WHERE arn = ?");
	if (r == NULL || get == NULL || touch == NULL || q == NULL || touched == NULL)
		rc = -EIO;
	/* Every rule of every panel the batch changes a control of, each panel once. */
	for (i = 0; i < n && rc == 0; i++) {
		bool seen = ch[i].on == ch[i].current;
		for (size_t j = 0; j < i && !seen; j++)
			seen = ch[j].on != ch[j].current && strcmp(ch[j].panel, ch[i].panel) == 0;
		if (seen)
			continue;
		sqlite3_reset(r);
		sqlite3_bind_text(r, 1, ch[i].panel, -1, SQLITE_TRANSIENT);
		while (rc == 0 && sqlite3_step(r) == SQLITE_ROW) {
			bool governs = false;
			rc = check_rule(call, r, get, ch, n, overrides, now, &governs);
			if (rc == 0 && governs)
				json_array_append_new(
				    touched, json_string((const char *)sqlite3_column_text(r, 0)));
		}
	}
	/* All rules hold: the states change, and the wait of each rule governing one starts. */
	json_array_foreach(touched, i, v)
	{
		if (rc < 0)
			break;
		sqlite3_reset(touch);
		sqlite3_bind_int64(touch, 1, now);
		sqlite3_bind_text(touch, 2, json_string_value(v), -1, SQLITE_STATIC);
		if (sqlite3_step(touch) != SQLITE_DONE)
			rc = arc_db_fail(call, db, sqlite3_errcode(db));
	}
	for (i = 0; i < n && rc == 0; i++) {
		if (ch[i].on == ch[i].current)
			continue;
		sqlite3_reset(q);
		sqlite3_bind_int(q, 1, ch[i].on);
		sqlite3_bind_text(q, 2, ch[i].arn, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(q) != SQLITE_DONE)
			rc = arc_db_fail(call, db, sqlite3_errcode(db));
	}
	sqlite3_finalize(r);
	sqlite3_finalize(get);
	sqlite3_finalize(touch);
	sqlite3_finalize(q);
	json_decref(touched);
	if (rc == 0)
		call->result = json_object();
	return rc;
}

static int state_arg(struct ctl_call *call, const char *where, const char *state, bool *on)
{
	if (state == NULL || (strcmp(state, "On") != 0 && strcmp(state, "Off") != 0))
		return ctl_call_fail(call, -EINVAL, "ValidationException",
				     "%sRoutingControlState must be On or Off", where);
	*on = strcmp(state, "On") == 0;
	return 0;
}

int arc_cmd_update_state(struct ctl_call *call)
{
	const json_t *overrides;
	const char *state;
	struct change ch = {0};
	int rc;

	if ((rc = arc_allowed(call, "RoutingControlArn,RoutingControlState,"
				    "SafetyRulesToOverride")) < 0 ||
	    (rc = arc_str(call, "RoutingControlArn", true, 1, 256, &ch.arn)) < 0 ||
	    (rc = arc_str(call, "RoutingControlState", true, 2, 3, &state)) < 0 ||
	    (rc = state_arg(call, "", state, &ch.on)) < 0 ||
	    (rc = overrides_arg(call, &overrides)) < 0)
		return rc;
	return apply_states(call, &ch, 1, overrides);
}

int arc_cmd_update_states(struct ctl_call *call)
{
	const json_t *entries = json_object_get(call->args, "UpdateRoutingControlStateEntries"), *e;
	const json_t *overrides;
	struct change *ch;
	char where[64];
	size_t i;
	int rc;

	if ((rc = arc_allowed(call, "UpdateRoutingControlStateEntries,SafetyRulesToOverride")) <
		0 ||
	    (rc = overrides_arg(call, &overrides)) < 0)
		return rc;
	if (!json_is_array(entries) || json_array_size(entries) == 0)
		return ctl_call_fail(call, -EINVAL, "ValidationException",
				     "UpdateRoutingControlStateEntries must list "
				     "{RoutingControlArn, RoutingControlState}");
	if (json_array_size(entries) > ARC_MAX_BATCH)
		return ctl_call_fail(call, -POP_ELIMIT, "ServiceLimitExceededException",
				     "At most %d routing controls change in one batch",
				     ARC_MAX_BATCH);
	ch = calloc(json_array_size(entries), sizeof(*ch));
	if (ch == NULL)
		return ctl_call_fail(call, -ENOMEM, "InternalServerException", "out of memory");
	json_array_foreach(entries, i, e)
	{
		const json_t *arn = json_object_get(e, "RoutingControlArn");
		size_t n = json_object_size(e);

		snprintf(where, sizeof(where), "UpdateRoutingControlStateEntries[%zu].", i);
		if (!json_is_string(arn) || json_string_length(arn) < 1 ||
		    json_string_length(arn) > 256 || n != 2) {
			rc = ctl_call_fail(call, -EINVAL, "ValidationException",
					   "%s: give exactly RoutingControlArn (1 to 256 "
					   "characters) and RoutingControlState",
					   where);
			break;
		}
		ch[i].arn = json_string_value(arn);
		rc = state_arg(call, where,
			       json_string_value(json_object_get(e, "RoutingControlState")),
			       &ch[i].on);
		if (rc < 0)
			break;
	}
	if (rc == 0)
		rc = apply_states(call, ch, json_array_size(entries), overrides);
	free(ch);
	return rc;
}

/* ----------------------------------------------------------- safety rules */

static json_t *rule_body(sqlite3_stmt *q, int col)
{
	return json_loads((const char *)sqlite3_column_text(q, col), 0, NULL);
}

static int rule_result(struct ctl_call *call, const char *arn)
{
	sqlite3_stmt *q = prepare(call, "SELECT kind, body FROM arc_rules WHERE arn = ?");
	bool assertion;

	if (q == NULL)
		return -EIO;
	sqlite3_bind_text(q, 1, arn, -1, SQLITE_STATIC);
	if (sqlite3_step(q) != SQLITE_ROW) {
		sqlite3_finalize(q);
		return ctl_call_fail(call, -ENOENT, "ResourceNotFoundException",
				     "No safety rule %s", arn);
	}
	assertion = strcmp((const char *)sqlite3_column_text(q, 0), "ASSERTION") == 0;
	call->result =
	    json_pack("{s:o}", assertion ? "AssertionRule" : "GatingRule", rule_body(q, 1));
	sqlite3_finalize(q);
	return call->result != NULL ? 0 : -ENOMEM;
}

int arc_cmd_list_rules(struct ctl_call *call)
{
	const char *panel;
	struct arc_page pg;
	json_t *list;
	sqlite3_stmt *q;
	int rc;

	if ((rc = arc_allowed(call, "ControlPanelArn,MaxResults,NextToken")) < 0 ||
	    (rc = arc_str(call, "ControlPanelArn", true, 1, 256, &panel)) < 0 ||
	    (rc = arc_page_args(call, "MaxResults", "NextToken", ARC_PAGE_MAX, false, "sr", &pg)) <
		0)
		return rc;
	if (arc_exists(store_db(env_of(call)->store), "SELECT 1 FROM arc_panels WHERE arn = ?",
		       panel) != 1)
		return ctl_call_fail(call, -ENOENT, "ResourceNotFoundException",
				     "No control panel %s", panel);
	q = prepare(call, "SELECT arn, kind, body, json_extract(body, '$.Name') AS name FROM "
			  "arc_rules WHERE panel = ?1 AND (?2 IS NULL OR (name, arn) > (?2, ?3)) "
			  "ORDER BY name, arn LIMIT ?4");
	if (q == NULL)
		return -EIO;
	sqlite3_bind_text(q, 1, panel, -1, SQLITE_STATIC);
	bind_after(q, 2, &pg);
	sqlite3_bind_int64(q, 4, pg.limit + 1);
	list = json_array();
	call->result = json_pack("{s:o}", "SafetyRules", list);
	rc = 0;
	while (rc == 0 && sqlite3_step(q) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(q, 1);
		if ((long)json_array_size(list) == pg.limit) {
			json_t *last = json_array_get(list, json_array_size(list) - 1);
			const json_t *body =
			    json_object_get(last, "ASSERTION") ?: json_object_get(last, "GATING");
			rc = arc_page_next(
			    call, &pg, "NextToken",
			    json_string_value(json_object_get(body, "Name")),
			    json_string_value(json_object_get(body, "SafetyRuleArn")));
			break;
		}
		json_array_append_new(list, json_pack("{s:o}", kind, rule_body(q, 2)));
	}
	sqlite3_finalize(q);
	return rc;
}

int arc_cmd_describe_rule(struct ctl_call *call)
{
	const char *arn;
	int rc;

	if ((rc = arc_allowed(call, "SafetyRuleArn")) < 0 ||
	    (rc = arc_str(call, "SafetyRuleArn", true, 1, 256, &arn)) < 0)
		return rc;
	return rule_result(call, arn);
}

int arc_cmd_update_rule(struct ctl_call *call)
{
	const json_t *assertion = json_object_get(call->args, "AssertionRuleUpdate");
	const json_t *gating = json_object_get(call->args, "GatingRuleUpdate");
	const json_t *upd = assertion != NULL ? assertion : gating, *wait;
	const char *arn, *name, *key;
	json_t *body, *v;
	char *text;
	sqlite3_stmt *q;
	int rc;

	if ((rc = arc_allowed(call, "AssertionRuleUpdate,GatingRuleUpdate")) < 0)
		return rc;
	if ((assertion == NULL) == (gating == NULL) || !json_is_object(upd))
		return ctl_call_fail(
		    call, -EINVAL, "ValidationException",
		    "Give exactly one of AssertionRuleUpdate and GatingRuleUpdate");
	json_object_foreach((json_t *)upd, key,
			    v) if (strcmp(key, "SafetyRuleArn") != 0 && strcmp(key, "Name") != 0 &&
				   strcmp(key, "WaitPeriodMs") !=
				       0) return ctl_call_fail(call, -EINVAL, "ValidationException",
							       "Unknown parameter in the rule "
							       "update: \"%.64s\", must be one of: "
							       "SafetyRuleArn, Name, WaitPeriodMs",
							       key);
	arn = json_string_value(json_object_get(upd, "SafetyRuleArn"));
	name = json_string_value(json_object_get(upd, "Name"));
	wait = json_object_get(upd, "WaitPeriodMs");
	if (arn == NULL || strlen(arn) > 256)
		return ctl_call_fail(call, -EINVAL, "ValidationException",
				     "The rule update needs SafetyRuleArn, Name and WaitPeriodMs");
	if ((rc = arc_name(call, "Name", name)) < 0 || (rc = arc_wait_period(call, wait)) < 0)
		return rc;
	if ((q = prepare(call, "SELECT kind, body FROM arc_rules WHERE arn = ?")) == NULL)
		return -EIO;
	sqlite3_bind_text(q, 1, arn, -1, SQLITE_STATIC);
	if (sqlite3_step(q) != SQLITE_ROW) {
		sqlite3_finalize(q);
		return ctl_call_fail(call, -ENOENT, "ResourceNotFoundException",
				     "No safety rule %s", arn);
	}
	if ((strcmp((const char *)sqlite3_column_text(q, 0), "ASSERTION") == 0) !=
	    (assertion != NULL)) {
		sqlite3_finalize(q);
		return ctl_call_fail(call, -EINVAL, "ValidationException", "%s is %s rule: give %s",
				     arn, assertion != NULL ? "a gating" : "an assertion",
				     assertion != NULL ? "GatingRuleUpdate"
						       : "AssertionRuleUpdate");
	}
	body = rule_body(q, 1);
	sqlite3_finalize(q);
	if (body == NULL)
		return ctl_call_fail(call, -EIO, "InternalServerException",
				     "the stored rule %s cannot be read", arn);
	json_object_set_new(body, "Name", json_string(name));
	json_object_set_new(body, "WaitPeriodMs", json_integer(json_integer_value(wait)));
	text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (text == NULL)
		return ctl_call_fail(call, -ENOMEM, "InternalServerException", "out of memory");
	if ((q = prepare(call, "UPDATE arc_rules SET body = ? WHERE arn = ?")) == NULL) {
		free(text);
		return -EIO;
	}
	sqlite3_bind_text(q, 1, text, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 2, arn, -1, SQLITE_STATIC);
	free(text);
	if ((rc = step_done(call, q)) < 0)
		return rc;
	return rule_result(call, arn);
}
