/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The health-check and ARC commands through ctl_server_execute() the way
 * popd runs them (each change in a store transaction, then the commit
 * hooks), on a store and tables in a temporary directory: shapes, Route 53's
 * rules and error codes, safety rules, zonal shifts and their live-state
 * words, and the availability zones the zones compiler gives record sets.
 */
#include "arc.h"
#include "env.h"
#include "popd_harness.h"
#include "route53.h"
#include "sock.h"
#include "store.h"
#include "tables.h"
#include "tap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct harness_module modules[] = {
    {route53_init, route53_commands, &route53_command_count},
    {arc_init, arc_commands, &arc_command_count},
};
static struct harness h = {.modules = modules, .n_modules = 2, .notify_commit = true};

#define run(...) harness_run(&h, __VA_ARGS__)

static const char *error_code(void)
{
	return harness_error_code(&h);
}

static bool failed_with(json_t *result, const char *code)
{
	if (result != NULL) {
		printf("#   succeeded, wanted %s\n", code);
		return false;
	}
	if (error_code() == NULL || strcmp(error_code(), code) != 0) {
		char *dump = json_dumps(h.last, JSON_COMPACT);
		printf("#   wanted %s, got %s\n", code, dump ? dump : "?");
		free(dump);
		return false;
	}
	return true;
}

static const char *str(json_t *v, const char *path)
{
	static char buf[256];
	char copy[256], *save = NULL;

	snprintf(copy, sizeof(copy), "%s", path);
	for (char *k = strtok_r(copy, ".", &save); k != NULL && v != NULL;
	     k = strtok_r(NULL, ".", &save))
		v = json_is_array(v) ? json_array_get(v, (size_t)atoi(k)) : json_object_get(v, k);
	if (json_is_string(v))
		snprintf(buf, sizeof(buf), "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
	else
		buf[0] = '\0';
	return buf;
}

static char http_id[80], tcp_id[80];

static void test_create(void)
{
	json_t *r = run("route53 create-health-check",
			"{'CallerReference': 'r1', 'HealthCheckConfig': {'Type': 'HTTP', "
			"'IPAddress': '192.0.2.1', 'ResourcePath': '/health'}}");

	CHECK(r != NULL);
	snprintf(http_id, sizeof(http_id), "%s", str(r, "HealthCheck.Id"));
	CHECK_EQ(strlen(http_id), 36);
	CHECK(http_id[14] == '4'); /* a version 4 UUID */
	CHECK(strcmp(str(r, "HealthCheck.HealthCheckVersion"), "1") == 0);
	CHECK(strcmp(str(r, "HealthCheck.HealthCheckConfig.Port"), "80") == 0);
	CHECK(strcmp(str(r, "HealthCheck.HealthCheckConfig.RequestInterval"), "30") == 0);
	CHECK(strcmp(str(r, "HealthCheck.HealthCheckConfig.FailureThreshold"), "3") == 0);
	CHECK(strncmp(str(r, "Location"), "/2013-04-01/healthcheck/", 24) == 0);
	r = run("route53 create-health-check",
		"{'CallerReference': 'r1', 'HealthCheckConfig': {'Type': 'HTTP', "
		"'IPAddress': '192.0.2.1', 'ResourcePath': '/health'}}");
	CHECK(r != NULL && strcmp(str(r, "HealthCheck.Id"), http_id) == 0); /* a retry */
	CHECK(failed_with(run("route53 create-health-check",
			      "{'CallerReference': 'r1', 'HealthCheckConfig': {'Type': 'TCP', "
			      "'IPAddress': '192.0.2.1', 'Port': 22}}"),
			  "HealthCheckAlreadyExists"));
	r = run("route53 create-health-check",
		"{'CallerReference': 'r2', 'HealthCheckConfig': {'Type': 'TCP', 'IPAddress': "
		"'2001:db8::1', 'Port': 22, 'RequestInterval': 1, 'FailureThreshold': 10}}");
	CHECK(r != NULL);
	snprintf(tcp_id, sizeof(tcp_id), "%s", str(r, "HealthCheck.Id"));
}

static void test_invalid(void)
{
	static const char *const bad[] = {
	    "{'Type': 'HTTP'}",
	    "{'Type': 'HTTP_STR_MATCH', 'IPAddress': '192.0.2.1'}",
	    "{'Type': 'HTTP', 'IPAddress': '192.0.2.1', 'SearchString': 'x'}",
	    "{'Type': 'HTTP', 'IPAddress': '192.0.2.1', 'RequestInterval': 31}",
	    "{'Type': 'HTTP', 'IPAddress': '192.0.2.1', 'RequestInterval': 0}",
	    "{'Type': 'HTTP', 'IPAddress': '192.0.2.1', 'FailureThreshold': 11}",
	    "{'Type': 'HTTP', 'IPAddress': '192.0.2.999'}",
	    "{'Type': 'HTTP', 'IPAddress': '192.0.2.1', 'Bogus': 1}",
	    "{'Type': 'TCP', 'IPAddress': '192.0.2.1', 'ResourcePath': '/'}",
	    "{'Type': 'HTTP', 'IPAddress': '192.0.2.1', 'EnableSNI': true}",
	    "{'Type': 'HTTP', 'IPAddress': '192.0.2.1', 'ResourcePath': '/a b'}",
	    "{'Type': 'CALCULATED', 'ChildHealthChecks': [], 'HealthThreshold': 1}",
	    "{'Type': 'CALCULATED', 'HealthThreshold': 1}",
	    "{'Type': 'CALCULATED', 'ChildHealthChecks': ['a'], 'HealthThreshold': 1, 'Port': 80}",
	    "{'Type': 'CLOUDWATCH_METRIC'}",
	    "{'Type': 'RECOVERY_CONTROL'}",
	    "{'Type': 'RECOVERY_CONTROL', 'RoutingControlArn': 'arn:nothing'}",
	    "{'Type': 'HTTPS', 'IPAddress': '192.0.2.1', 'RoutingControlArn': 'arn:x'}",
	    "{'Type': 'SMTP', 'IPAddress': '192.0.2.1'}",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bool ok = failed_with(run("route53 create-health-check",
					  "{'CallerReference': 'bad%zu', 'HealthCheckConfig': %s}",
					  i, bad[i]),
				      "InvalidInput");
		if (!ok)
			printf("#   config %s\n", bad[i]);
		CHECK(ok);
	}
	CHECK(failed_with(run("route53 create-health-check",
			      "{'CallerReference': 'c0', 'HealthCheckConfig': {'Type': "
			      "'CALCULATED', 'ChildHealthChecks': ['no-such'], 'HealthThreshold': "
			      "1}}"),
			  "NoSuchHealthCheck"));
}

static char calc_id[80];

static void test_calculated_and_delete(void)
{
	json_t *r = run("route53 create-health-check",
			"{'CallerReference': 'c1', 'HealthCheckConfig': {'Type': 'CALCULATED', "
			"'ChildHealthChecks': ['%s', '%s'], 'HealthThreshold': 2}}",
			http_id, tcp_id);

	CHECK(r != NULL);
	snprintf(calc_id, sizeof(calc_id), "%s", str(r, "HealthCheck.Id"));
	CHECK(failed_with(run("route53 create-health-check",
			      "{'CallerReference': 'c2', 'HealthCheckConfig': {'Type': "
			      "'CALCULATED', 'ChildHealthChecks': ['%s'], 'HealthThreshold': 1}}",
			      calc_id),
			  "InvalidInput")); /* calculated checks do not nest */
	CHECK(failed_with(run("route53 create-health-check",
			      "{'CallerReference': 'c3', 'HealthCheckConfig': {'Type': "
			      "'CALCULATED', 'ChildHealthChecks': ['%s'], 'HealthThreshold': 2}}",
			      http_id),
			  "InvalidInput")); /* more than its children */
	CHECK(failed_with(run("route53 delete-health-check", "{'HealthCheckId': '%s'}", tcp_id),
			  "HealthCheckInUse"));
	CHECK(run("route53 get-health-check", "{'HealthCheckId': '%s'}", tcp_id) != NULL);
	CHECK(failed_with(run("route53 delete-health-check", "{'HealthCheckId': 'nope'}"),
			  "NoSuchHealthCheck"));
	CHECK(failed_with(run("route53 get-health-check-status", "{'HealthCheckId': 'nope'}"),
			  "NoSuchHealthCheck"));
	r = run("route53 get-health-check-status", "{'HealthCheckId': '%s'}", http_id);
	CHECK(r != NULL && json_array_size(json_object_get(r, "HealthCheckObservations")) == 0);
}

static void test_update_and_list(void)
{
	json_t *r;

	CHECK(failed_with(run("route53 update-health-check",
			      "{'HealthCheckId': '%s', 'HealthCheckVersion': 7}", http_id),
			  "HealthCheckVersionMismatch"));
	r = run("route53 update-health-check",
		"{'HealthCheckId': '%s', 'HealthCheckVersion': 1, 'FailureThreshold': '2', "
		"'ResetElements': ['ResourcePath']}",
		http_id);
	CHECK(r != NULL);
	CHECK(strcmp(str(r, "HealthCheck.HealthCheckVersion"), "2") == 0);
	CHECK(strcmp(str(r, "HealthCheck.HealthCheckConfig.FailureThreshold"), "2") == 0);
	CHECK(str(r, "HealthCheck.HealthCheckConfig.ResourcePath")[0] == '\0');
	CHECK(failed_with(run("route53 update-health-check",
			      "{'HealthCheckId': '%s', 'SearchString': 'x'}", http_id),
			  "InvalidInput"));
	/* As popctl sends them: "true"/"false" strings and the AWS CLI's --no-X. */
	r = run("route53 update-health-check", "{'HealthCheckId': '%s', 'Inverted': 'true'}",
		http_id);
	CHECK(r != NULL &&
	      json_is_true(json_object_get(
		  json_object_get(json_object_get(r, "HealthCheck"), "HealthCheckConfig"),
		  "Inverted")));
	r = run("route53 update-health-check", "{'HealthCheckId': '%s', 'NoInverted': true}",
		http_id);
	CHECK(r != NULL &&
	      json_is_false(json_object_get(
		  json_object_get(json_object_get(r, "HealthCheck"), "HealthCheckConfig"),
		  "Inverted")));
	CHECK(failed_with(run("route53 update-health-check",
			      "{'HealthCheckId': '%s', 'Inverted': 'maybe'}", http_id),
			  "InvalidInput"));
	r = run("route53 list-health-checks", "{'MaxItems': '2'}");
	CHECK(r != NULL && json_array_size(json_object_get(r, "HealthChecks")) == 2);
	CHECK(json_is_true(json_object_get(r, "IsTruncated")));
	r = run("route53 list-health-checks", "{'Marker': '%s'}", str(r, "NextMarker"));
	CHECK(r != NULL && json_array_size(json_object_get(r, "HealthChecks")) == 1);
	CHECK(run("route53 delete-health-check", "{'HealthCheckId': '%s'}", calc_id) != NULL);
	CHECK(run("route53 delete-health-check", "{'HealthCheckId': '%s'}", tcp_id) != NULL);
	r = run("route53 list-health-checks", "{}");
	CHECK(r != NULL && json_array_size(json_object_get(r, "HealthChecks")) == 1);
	/* The override on a check that no checker runs here writes the slot directly. */
	CHECK(run("route53 set-health-check-status",
		  "{'HealthCheckId': '%s', 'Status': 'Unhealthy'}", http_id) != NULL);
	CHECK(failed_with(run("route53 put-health-checkers", "{}"), "UnknownCommand"));
	CHECK(failed_with(
	    run("health put-checkers", "{'Checkers': [{'Region': 'a', 'SourceAddress': 'x'}]}"),
	    "InvalidInput"));
	CHECK(run("health put-checkers",
		  "{'Checkers': [{'Region': 'a', 'SourceAddress': '192.0.2.7'}], "
		  "'HealthySharePercent': '50'}") != NULL);
	r = run("health get-checkers", "{}");
	CHECK(r != NULL && strcmp(str(r, "HealthySharePercent"), "50") == 0);
}

static uint32_t control_slot_of(const char *arn)
{
	sqlite3_stmt *q;
	uint32_t slot = TABLES_LIVE_NONE;

	sqlite3_prepare_v2(store_db(h.env.store), "SELECT slot FROM arc_controls WHERE arn = ?", -1,
			   &q, NULL);
	sqlite3_bind_text(q, 1, arn, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW)
		slot = (uint32_t)sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return slot;
}

static void test_routing_controls(void)
{
	char panel[256], rc1[320], rc2[320];
	json_t *r;

	r = run("arc create-control-panel", "{'ClusterArn': 'c', 'ControlPanelName': 'p'}");
	CHECK(r != NULL);
	snprintf(panel, sizeof(panel), "%s", str(r, "ControlPanel.ControlPanelArn"));
	r = run("arc create-routing-control",
		"{'ClusterArn': 'c', 'ControlPanelArn': '%s', 'RoutingControlName': 'one'}", panel);
	snprintf(rc1, sizeof(rc1), "%s", str(r, "RoutingControl.RoutingControlArn"));
	r = run("arc create-routing-control",
		"{'ClusterArn': 'c', 'ControlPanelArn': '%s', 'RoutingControlName': 'two'}", panel);
	snprintf(rc2, sizeof(rc2), "%s", str(r, "RoutingControl.RoutingControlArn"));
	CHECK(rc1[0] != '\0' && rc2[0] != '\0');
	CHECK(failed_with(run("arc create-routing-control",
			      "{'ClusterArn': 'c', 'ControlPanelArn': 'nope', "
			      "'RoutingControlName': 'x'}"),
			  "ResourceNotFoundException"));
	CHECK(run("arc update-routing-control-state",
		  "{'RoutingControlArn': '%s', 'RoutingControlState': 'On'}", rc1) != NULL);
	CHECK_EQ(tables_live_get(h.env.live, TABLES_LIVE_ROUTING_CONTROL, control_slot_of(rc1)), 1);
	CHECK(run("arc create-safety-rule",
		  "{'AssertionRule': {'ControlPanelArn': '%s', 'Name': 'one-on', "
		  "'AssertedControls': ['%s', '%s'], 'RuleConfig': {'Type': 'ATLEAST', "
		  "'Threshold': 1, 'Inverted': false}, 'WaitPeriodMs': 0}}",
		  panel, rc1, rc2) != NULL);
	CHECK(failed_with(run("arc update-routing-control-state",
			      "{'RoutingControlArn': '%s', 'RoutingControlState': 'Off'}", rc1),
			  "ConflictException"));
	CHECK_EQ(tables_live_get(h.env.live, TABLES_LIVE_ROUTING_CONTROL, control_slot_of(rc1)), 1);
	r = run("arc get-routing-control-state", "{'RoutingControlArn': '%s'}", rc1);
	CHECK(r != NULL && strcmp(str(r, "RoutingControlState"), "On") == 0);
	/* A gating rule: two may change only while one is on. */
	CHECK(run("arc create-safety-rule",
		  "{'GatingRule': {'ControlPanelArn': '%s', 'Name': 'gate', 'GatingControls': "
		  "['%s'], 'TargetControls': ['%s'], 'RuleConfig': {'Type': 'OR', 'Threshold': 0, "
		  "'Inverted': false}, 'WaitPeriodMs': 0}}",
		  panel, rc1, rc2) != NULL);
	CHECK(run("arc update-routing-control-state",
		  "{'RoutingControlArn': '%s', 'RoutingControlState': 'On'}", rc2) != NULL);
	CHECK(run("arc update-routing-control-state",
		  "{'RoutingControlArn': '%s', 'RoutingControlState': 'Off'}", rc1) != NULL);
	CHECK(failed_with(run("arc update-routing-control-state",
			      "{'RoutingControlArn': '%s', 'RoutingControlState': 'Off'}", rc2),
			  "ConflictException")); /* the gate is closed (and one-on would break) */
	r = run("arc list-routing-controls", "{'ControlPanelArn': '%s'}", panel);
	CHECK(r != NULL && json_array_size(json_object_get(r, "RoutingControls")) == 2);
	/* A RECOVERY_CONTROL health check finds its control. */
	CHECK(run("route53 create-health-check",
		  "{'CallerReference': 'rc', 'HealthCheckConfig': {'Type': 'RECOVERY_CONTROL', "
		  "'RoutingControlArn': '%s'}}",
		  rc1) != NULL);
	CHECK(failed_with(run("arc delete-routing-control", "{'RoutingControlArn': '%s'}", rc1),
			  "ConflictException"));
	CHECK(
	    strstr(json_string_value(json_object_get(json_object_get(h.last, "error"), "message")),
		   "RECOVERY_CONTROL") != NULL);
	CHECK(failed_with(run("arc delete-control-panel", "{'ControlPanelArn': '%s'}", panel),
			  "ConflictException"));
}

static void test_zonal_shift(void)
{
	json_t *r;
	char zone[64], shift[64];
	sqlite3_stmt *q;
	uint32_t slot = TABLES_LIVE_NONE;
	struct tables_builder *tb;

	r = run("route53 create-hosted-zone", "{'Name': 'example.com', 'CallerReference': 'z'}");
	CHECK(r != NULL);
	snprintf(zone, sizeof(zone), "%s", str(r, "HostedZone.Id") + strlen("/hostedzone/"));
	CHECK(run("route53 change-resource-record-sets",
		  "{'HostedZoneId': '%s', 'ChangeBatch': {'Changes': [{'Action': 'CREATE', "
		  "'ResourceRecordSet': {'Name': 'a.example.com', 'Type': 'A', 'TTL': 60, "
		  "'ResourceRecords': [{'Value': '198.18.1.5'}]}}]}}",
		  zone) != NULL);
	CHECK(failed_with(
	    run("arc put-availability-zones",
		"{'AvailabilityZones': [{'Name': 'az1', 'Prefixes': ['10.0.0.0/33']}]}"),
	    "ValidationException"));
	CHECK(run("arc put-availability-zones",
		  "{'AvailabilityZones': [{'Name': 'az1', 'Prefixes': ['198.18.1.0/28']}, "
		  "{'Name': 'az2', 'Prefixes': ['198.18.0.0/15']}]}") != NULL);
	/* The compiler gives a.example.com the longest prefix's zone. */
	tb = tables_builder_new(TABLES_KIND_ZONES);
	CHECK(route53_compile_zones(&h.env, tb) == 0);
	tables_builder_free(tb);
	sqlite3_prepare_v2(store_db(h.env.store),
			   "SELECT slot FROM zonal_slots WHERE zone_id = ? AND az = 'az1'", -1, &q,
			   NULL);
	sqlite3_bind_text(q, 1, zone, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW)
		slot = (uint32_t)sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	CHECK(slot != TABLES_LIVE_NONE);
	CHECK(failed_with(run("arc start-zonal-shift",
			      "{'resourceIdentifier': 'arn:aws:route53:::hostedzone/%s', "
			      "'awayFrom': 'az1', 'expiresIn': '4d', 'comment': ''}",
			      zone),
			  "ValidationException"));
	CHECK(failed_with(run("arc start-zonal-shift",
			      "{'resourceIdentifier': 'arn:aws:route53:::hostedzone/%s', "
			      "'awayFrom': 'az9', 'expiresIn': '1h', 'comment': ''}",
			      zone),
			  "ValidationException"));
	CHECK(failed_with(run("arc start-zonal-shift",
			      "{'resourceIdentifier': 'arn:aws:route53:::hostedzone/ZNONE', "
			      "'awayFrom': 'az1', 'expiresIn': '1h', 'comment': ''}"),
			  "ResourceNotFoundException"));
	r = run("arc start-zonal-shift",
		"{'resourceIdentifier': 'arn:aws:route53:::hostedzone/%s', 'awayFrom': 'az1', "
		"'expiresIn': '1h', 'comment': 'test'}",
		zone);
	CHECK(r != NULL && strcmp(str(r, "status"), "ACTIVE") == 0);
	snprintf(shift, sizeof(shift), "%s", str(r, "zonalShiftId"));
	CHECK_EQ(tables_live_get(h.env.live, TABLES_LIVE_ZONAL_SHIFT, slot), 1);
	CHECK(failed_with(run("arc start-zonal-shift",
			      "{'resourceIdentifier': '/hostedzone/%s', 'awayFrom': 'az2', "
			      "'expiresIn': '1h', 'comment': ''}",
			      zone),
			  "ConflictException"));
	r = run("arc get-managed-resource", "{'resourceIdentifier': '%s'}", zone);
	CHECK(r != NULL && json_array_size(json_object_get(r, "zonalShifts")) == 1);
	r = run("arc update-zonal-shift", "{'zonalShiftId': '%s', 'comment': 'longer'}", shift);
	CHECK(r != NULL && strcmp(str(r, "comment"), "longer") == 0);
	r = run("arc cancel-zonal-shift", "{'zonalShiftId': '%s'}", shift);
	CHECK(r != NULL && strcmp(str(r, "status"), "CANCELED") == 0);
	CHECK_EQ(tables_live_get(h.env.live, TABLES_LIVE_ZONAL_SHIFT, slot), 0);
	CHECK(failed_with(run("arc cancel-zonal-shift", "{'zonalShiftId': '%s'}", shift),
			  "ConflictException"));
	r = run("arc list-zonal-shifts", "{'status': 'CANCELED'}");
	CHECK(r != NULL && json_array_size(json_object_get(r, "items")) == 1);
	CHECK(failed_with(run("arc list-zonal-shifts", "{'bogus': 1}"), "ValidationException"));
}

static int64_t fake_now_ms = 1800000000000LL;

static int64_t fake_clock(void)
{
	return fake_now_ms;
}

/* Expiry with the clock swapped out: on time to the millisecond, and only then. */
static void test_expiry(void)
{
	json_t *r;
	char shift[64];
	uint32_t slot = TABLES_LIVE_NONE;
	sqlite3_stmt *q;

	arc_set_clock(fake_clock);
	r = run("arc start-zonal-shift",
		"{'resourceIdentifier': '%s', 'awayFrom': 'az2', 'expiresIn': '30m', "
		"'comment': 'expiry'}",
		str(run("route53 list-hosted-zones", "{}"), "HostedZones.0.Id"));
	CHECK(r != NULL);
	snprintf(shift, sizeof(shift), "%s", str(r, "zonalShiftId"));
	sqlite3_prepare_v2(store_db(h.env.store), "SELECT slot FROM zonal_slots WHERE az = 'az2'",
			   -1, &q, NULL);
	if (sqlite3_step(q) == SQLITE_ROW)
		slot = (uint32_t)sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	CHECK_EQ(tables_live_get(h.env.live, TABLES_LIVE_ZONAL_SHIFT, slot), 1);
	fake_now_ms += 30 * 60 * 1000 - 1;
	arc_tick(&h.env);
	CHECK_EQ(tables_live_get(h.env.live, TABLES_LIVE_ZONAL_SHIFT, slot), 1);
	r = run("arc get-zonal-shift", "{'zonalShiftId': '%s'}", shift);
	CHECK(r != NULL && strcmp(str(r, "status"), "ACTIVE") == 0);
	fake_now_ms += 1;
	arc_tick(&h.env);
	CHECK_EQ(tables_live_get(h.env.live, TABLES_LIVE_ZONAL_SHIFT, slot), 0);
	r = run("arc get-zonal-shift", "{'zonalShiftId': '%s'}", shift);
	CHECK(r != NULL && strcmp(str(r, "status"), "EXPIRED") == 0);
	CHECK(failed_with(
	    run("arc update-zonal-shift", "{'zonalShiftId': '%s', 'expiresIn': '1h'}", shift),
	    "ConflictException"));
	arc_set_clock(NULL);
}

static const char *error_message(void)
{
	const char *m =
	    json_string_value(json_object_get(json_object_get(h.last, "error"), "message"));
	return m != NULL ? m : "";
}

static void new_panel(const char *cluster, const char *name, char *out, size_t len)
{
	json_t *r = run("arc create-control-panel",
			"{'ClusterArn': '%s', 'ControlPanelName': '%s'}", cluster, name);

	snprintf(out, len, "%s", r != NULL ? str(r, "ControlPanel.ControlPanelArn") : "");
}

static void new_control(const char *panel, const char *name, char *out, size_t len)
{
	json_t *r = run("arc create-routing-control",
			"{'ClusterArn': 'c', 'ControlPanelArn': '%s', 'RoutingControlName': '%s'}",
			panel, name);

	snprintf(out, len, "%s", r != NULL ? str(r, "RoutingControl.RoutingControlArn") : "");
}

static json_t *set_state(const char *arn, const char *state)
{
	return run("arc update-routing-control-state",
		   "{'RoutingControlArn': '%s', 'RoutingControlState': '%s'}", arn, state);
}

static const char *state_of(const char *arn)
{
	return str(run("arc get-routing-control-state", "{'RoutingControlArn': '%s'}", arn),
		   "RoutingControlState");
}

/*
 * Walk a list page by page (@p max per page) and count the items, checking
 * that every page but the last is full and that no item comes twice (by
 * @p id_member of each item, or of its one member for the safety rules).
 */
static long walk(const char *command, const char *filter, const char *list_member,
		 const char *max_member, const char *token_member, const char *id_member, long max)
{
	char token[ARC_TOKEN_MAX + 1] = "", seen[64][320];
	long count = 0, pages = 0;

	do {
		json_t *r, *list, *item;
		size_t i;

		if (token[0] == '\0')
			r = run(command, "{%s%s'%s': %ld}", filter, filter[0] ? ", " : "",
				max_member, max);
		else
			r = run(command, "{%s%s'%s': %ld, '%s': '%s'}", filter,
				filter[0] ? ", " : "", max_member, max, token_member, token);
		if (r == NULL || ++pages > 64)
			return -1;
		list = json_object_get(r, list_member);
		snprintf(token, sizeof(token), "%s", str(r, token_member));
		if (token[0] != '\0' && (long)json_array_size(list) != max)
			return -1;
		json_array_foreach(list, i, item)
		{
			const json_t *o = json_object_get(item, id_member) != NULL
					      ? item
					      : json_object_iter_value(json_object_iter(item));
			const char *id = json_string_value(json_object_get(o, id_member));
			if (id == NULL || count >= 64)
				return -1;
			for (long k = 0; k < count; k++)
				if (strcmp(seen[k], id) == 0)
					return -1;
			snprintf(seen[count++], sizeof(seen[0]), "%s", id);
		}
	} while (token[0] != '\0');
	return count;
}

/* Describe, update and list: control panels, routing controls, safety rules. */
static void test_arc_verbs(void)
{
	char panel[256], a[320], b[320], c[320], assertion[400], gating[400],
	    token[ARC_TOKEN_MAX + 1];
	json_t *r;

	new_panel("cl-x", "verbs", panel, sizeof(panel));
	new_control(panel, "a", a, sizeof(a));
	new_control(panel, "b", b, sizeof(b));
	new_control(panel, "c", c, sizeof(c));
	CHECK(panel[0] != '\0' && c[0] != '\0');
	r = run("arc describe-control-panel", "{'ControlPanelArn': '%s'}", panel);
	CHECK(r != NULL && strcmp(str(r, "ControlPanel.Name"), "verbs") == 0);
	CHECK(r != NULL && strcmp(str(r, "ControlPanel.RoutingControlCount"), "3") == 0);
	CHECK(r != NULL && strcmp(str(r, "ControlPanel.ClusterArn"), "cl-x") == 0);
	CHECK(r != NULL && strcmp(str(r, "ControlPanel.Status"), "DEPLOYED") == 0);
	CHECK(r != NULL && json_is_false(json_object_get(json_object_get(r, "ControlPanel"),
							 "DefaultControlPanel")));
	CHECK(failed_with(run("arc describe-control-panel", "{'ControlPanelArn': 'nope'}"),
			  "ResourceNotFoundException"));
	r = run("arc update-control-panel",
		"{'ControlPanelArn': '%s', 'ControlPanelName': 'verbs2'}", panel);
	CHECK(r != NULL && strcmp(str(r, "ControlPanel.Name"), "verbs2") == 0);
	r = run("arc describe-control-panel", "{'ControlPanelArn': '%s'}", panel);
	CHECK(r != NULL && strcmp(str(r, "ControlPanel.Name"), "verbs2") == 0);
	CHECK(failed_with(run("arc update-control-panel",
			      "{'ControlPanelArn': '%s', 'ControlPanelName': 'two words'}", panel),
			  "ValidationException"));
	CHECK(failed_with(
	    run("arc update-control-panel", "{'ControlPanelArn': 'nope', 'ControlPanelName': 'x'}"),
	    "ResourceNotFoundException"));
	CHECK(failed_with(run("arc update-control-panel", "{'ControlPanelArn': '%s'}", panel),
			  "ValidationException"));

	/* Panels: by cluster, and paged (the panel of test_routing_controls and this one). */
	r = run("arc list-control-panels", "{'ClusterArn': 'cl-x'}");
	CHECK(r != NULL && json_array_size(json_object_get(r, "ControlPanels")) == 1);
	CHECK(r != NULL && strcmp(str(r, "ControlPanels.0.ControlPanelArn"), panel) == 0);
	CHECK(r != NULL && json_object_get(r, "NextToken") == NULL);
	CHECK_EQ(walk("arc list-control-panels", "", "ControlPanels", "MaxResults", "NextToken",
		      "ControlPanelArn", 1),
		 2);
	r = run("arc list-control-panels", "{'MaxResults': '1'}"); /* popctl sends text */
	CHECK(r != NULL && json_array_size(json_object_get(r, "ControlPanels")) == 1);
	snprintf(token, sizeof(token), "%s", str(r, "NextToken"));
	CHECK(token[0] != '\0');
	CHECK(failed_with(run("arc list-control-panels", "{'MaxResults': 0}"),
			  "ValidationException"));
	CHECK(failed_with(run("arc list-control-panels", "{'MaxResults': 1001}"),
			  "ValidationException"));
	CHECK(failed_with(run("arc list-control-panels", "{'MaxResults': 'x'}"),
			  "ValidationException"));
	CHECK(failed_with(run("arc list-control-panels", "{'NextToken': 'garbage'}"),
			  "ValidationException"));
	CHECK(failed_with(run("arc list-routing-controls", "{'NextToken': '%s'}", token),
			  "ValidationException")); /* a panels token is no controls token */

	/* Routing controls. */
	r = run("arc describe-routing-control", "{'RoutingControlArn': '%s'}", a);
	CHECK(r != NULL && strcmp(str(r, "RoutingControl.Name"), "a") == 0);
	CHECK(r != NULL && strcmp(str(r, "RoutingControl.ControlPanelArn"), panel) == 0);
	CHECK(r != NULL && strcmp(str(r, "RoutingControl.Status"), "DEPLOYED") == 0);
	CHECK(failed_with(run("arc describe-routing-control", "{'RoutingControlArn': 'nope'}"),
			  "ResourceNotFoundException"));
	r = run("arc update-routing-control",
		"{'RoutingControlArn': '%s', 'RoutingControlName': 'a2'}", a);
	CHECK(r != NULL && strcmp(str(r, "RoutingControl.Name"), "a2") == 0);
	r = run("arc get-routing-control-state", "{'RoutingControlArn': '%s'}", a);
	CHECK(r != NULL && strcmp(str(r, "RoutingControlName"), "a2") == 0);
	CHECK(failed_with(run("arc update-routing-control",
			      "{'RoutingControlArn': 'nope', 'RoutingControlName': 'x'}"),
			  "ResourceNotFoundException"));
	CHECK(failed_with(run("arc update-routing-control",
			      "{'RoutingControlArn': '%s', 'RoutingControlName': ''}", a),
			  "ValidationException"));
	CHECK(set_state(b, "On") != NULL);
	r = run("arc list-routing-controls", "{'ControlPanelArn': '%s', 'MaxResults': 2}", panel);
	CHECK(r != NULL && json_array_size(json_object_get(r, "RoutingControls")) == 2);
	CHECK(r != NULL && strcmp(str(r, "RoutingControls.0.Name"), "a2") == 0);
	CHECK(r != NULL && strcmp(str(r, "RoutingControls.0.RoutingControlName"), "a2") == 0);
	CHECK(r != NULL && strcmp(str(r, "RoutingControls.0.RoutingControlState"), "Off") == 0);
	CHECK(r != NULL && strcmp(str(r, "RoutingControls.0.ControlPanelName"), "verbs2") == 0);
	CHECK(r != NULL && strcmp(str(r, "RoutingControls.1.RoutingControlState"), "On") == 0);
	snprintf(token, sizeof(token), "%s", str(r, "NextToken"));
	r = run("arc list-routing-controls",
		"{'ControlPanelArn': '%s', 'MaxResults': 2, 'NextToken': '%s'}", panel, token);
	CHECK(r != NULL && json_array_size(json_object_get(r, "RoutingControls")) == 1);
	CHECK(r != NULL && strcmp(str(r, "RoutingControls.0.RoutingControlArn"), c) == 0);
	CHECK(r != NULL && json_object_get(r, "NextToken") == NULL);
	/* Without ControlPanelArn (route53-recovery-cluster's form): every panel's controls. */
	CHECK_EQ(walk("arc list-routing-controls", "", "RoutingControls", "MaxResults", "NextToken",
		      "RoutingControlArn", 2),
		 5);
	r = run("arc list-routing-controls", "{'MaxResults': 5000}"); /* the cluster's: no max */
	CHECK(r != NULL && json_array_size(json_object_get(r, "RoutingControls")) == 5);
	CHECK(failed_with(run("arc list-routing-controls", "{'ControlPanelArn': 'nope'}"),
			  "ResourceNotFoundException"));

	/* Safety rules. */
	r = run("arc create-safety-rule",
		"{'AssertionRule': {'ControlPanelArn': '%s', 'Name': 'r-assert', "
		"'AssertedControls': ['%s', '%s'], 'RuleConfig': {'Type': 'ATLEAST', "
		"'Threshold': 1, 'Inverted': false}, 'WaitPeriodMs': 0}}",
		panel, a, b);
	snprintf(assertion, sizeof(assertion), "%s", str(r, "AssertionRule.SafetyRuleArn"));
	r = run("arc create-safety-rule",
		"{'GatingRule': {'ControlPanelArn': '%s', 'Name': 'r-gate', 'GatingControls': "
		"['%s'], 'TargetControls': ['%s'], 'RuleConfig': {'Type': 'OR', 'Threshold': 0, "
		"'Inverted': false}, 'WaitPeriodMs': 0}}",
		panel, b, c);
	snprintf(gating, sizeof(gating), "%s", str(r, "GatingRule.SafetyRuleArn"));
	CHECK(assertion[0] != '\0' && gating[0] != '\0');
	CHECK(failed_with(run("arc create-safety-rule",
			      "{'AssertionRule': {'ControlPanelArn': '%s', 'Name': 'neg', "
			      "'AssertedControls': ['%s'], 'RuleConfig': {'Type': 'OR', "
			      "'Threshold': 0, 'Inverted': false}, 'WaitPeriodMs': -1}}",
			      panel, a),
			  "ValidationException"));
	r = run("arc list-safety-rules", "{'ControlPanelArn': '%s'}", panel);
	CHECK(r != NULL && json_array_size(json_object_get(r, "SafetyRules")) == 2);
	CHECK(r != NULL && strcmp(str(r, "SafetyRules.0.ASSERTION.SafetyRuleArn"), assertion) == 0);
	CHECK(r != NULL && strcmp(str(r, "SafetyRules.1.GATING.SafetyRuleArn"), gating) == 0);
	CHECK(r != NULL && strcmp(str(r, "SafetyRules.1.GATING.TargetControls.0"), c) == 0);
	{
		char filter[300];
		snprintf(filter, sizeof(filter), "'ControlPanelArn': '%s'", panel);
		CHECK_EQ(walk("arc list-safety-rules", filter, "SafetyRules", "MaxResults",
			      "NextToken", "SafetyRuleArn", 1),
			 2);
	}
	CHECK(failed_with(run("arc list-safety-rules", "{'ControlPanelArn': 'nope'}"),
			  "ResourceNotFoundException"));
	CHECK(failed_with(run("arc list-safety-rules", "{}"), "ValidationException"));
	r = run("arc describe-safety-rule", "{'SafetyRuleArn': '%s'}", assertion);
	CHECK(r != NULL && strcmp(str(r, "AssertionRule.Name"), "r-assert") == 0);
	CHECK(r != NULL && strcmp(str(r, "AssertionRule.Status"), "DEPLOYED") == 0);
	r = run("arc describe-safety-rule", "{'SafetyRuleArn': '%s'}", gating);
	CHECK(r != NULL && strcmp(str(r, "GatingRule.GatingControls.0"), b) == 0);
	CHECK(failed_with(run("arc describe-safety-rule", "{'SafetyRuleArn': 'nope'}"),
			  "ResourceNotFoundException"));
	r = run("arc update-safety-rule",
		"{'AssertionRuleUpdate': {'SafetyRuleArn': '%s', 'Name': 'r-assert2', "
		"'WaitPeriodMs': 1500}}",
		assertion);
	CHECK(r != NULL && strcmp(str(r, "AssertionRule.Name"), "r-assert2") == 0);
	CHECK(r != NULL && strcmp(str(r, "AssertionRule.WaitPeriodMs"), "1500") == 0);
	CHECK(r != NULL && strcmp(str(r, "AssertionRule.AssertedControls.1"), b) == 0);
	r = run("arc describe-safety-rule", "{'SafetyRuleArn': '%s'}", assertion);
	CHECK(r != NULL && strcmp(str(r, "AssertionRule.WaitPeriodMs"), "1500") == 0);
	r = run("arc update-safety-rule",
		"{'GatingRuleUpdate': {'SafetyRuleArn': '%s', 'Name': 'r-gate2', "
		"'WaitPeriodMs': 0}}",
		gating);
	CHECK(r != NULL && strcmp(str(r, "GatingRule.Name"), "r-gate2") == 0);
	CHECK(failed_with(run("arc update-safety-rule",
			      "{'GatingRuleUpdate': {'SafetyRuleArn': '%s', 'Name': 'x', "
			      "'WaitPeriodMs': 0}}",
			      assertion),
			  "ValidationException")); /* the wrong kind */
	CHECK(failed_with(run("arc update-safety-rule",
			      "{'AssertionRuleUpdate': {'SafetyRuleArn': '%s', 'Name': 'x'}}",
			      assertion),
			  "ValidationException"));
	CHECK(failed_with(run("arc update-safety-rule",
			      "{'AssertionRuleUpdate': {'SafetyRuleArn': '%s', 'Name': 'x', "
			      "'WaitPeriodMs': %d}}",
			      assertion, ARC_MAX_WAIT_MS + 1),
			  "ValidationException"));
	CHECK(failed_with(run("arc update-safety-rule",
			      "{'AssertionRuleUpdate': {'SafetyRuleArn': 'nope', 'Name': 'x', "
			      "'WaitPeriodMs': 0}}"),
			  "ResourceNotFoundException"));
	CHECK(failed_with(run("arc update-safety-rule", "{}"), "ValidationException"));
	CHECK(run("arc delete-safety-rule", "{'SafetyRuleArn': '%s'}", gating) != NULL);
	CHECK(run("arc delete-safety-rule", "{'SafetyRuleArn': '%s'}", assertion) != NULL);
}

/*
 * A failover under "exactly one of east and west On" (at least one On, and
 * not both): neither single update can get there, the batch does; a batch
 * that breaks a rule changes nothing at all.
 */
static void test_arc_batch(void)
{
	char panel[256], east[320], west[320], at_least[400], not_both[400];
	json_t *r, *entries, *args;

	new_panel("c", "failover", panel, sizeof(panel));
	new_control(panel, "east", east, sizeof(east));
	new_control(panel, "west", west, sizeof(west));
	CHECK(set_state(east, "On") != NULL);
	r = run("arc create-safety-rule",
		"{'AssertionRule': {'ControlPanelArn': '%s', 'Name': 'at-least-one', "
		"'AssertedControls': ['%s', '%s'], 'RuleConfig': {'Type': 'ATLEAST', "
		"'Threshold': 1, 'Inverted': false}, 'WaitPeriodMs': 0}}",
		panel, east, west);
	snprintf(at_least, sizeof(at_least), "%s", str(r, "AssertionRule.SafetyRuleArn"));
	r = run("arc create-safety-rule",
		"{'AssertionRule': {'ControlPanelArn': '%s', 'Name': 'not-both', "
		"'AssertedControls': ['%s', '%s'], 'RuleConfig': {'Type': 'AND', "
		"'Threshold': 0, 'Inverted': true}, 'WaitPeriodMs': 0}}",
		panel, east, west);
	snprintf(not_both, sizeof(not_both), "%s", str(r, "AssertionRule.SafetyRuleArn"));
	CHECK(at_least[0] != '\0' && not_both[0] != '\0');
	CHECK(failed_with(set_state(east, "Off"), "ConflictException"));
	CHECK(strstr(error_message(), "at-least-one") != NULL);
	CHECK(failed_with(set_state(west, "On"), "ConflictException"));
	CHECK(strstr(error_message(), "not-both") != NULL);
	/* A batch that breaks a rule: nothing changes, not even its harmless part. */
	CHECK(failed_with(run("arc update-routing-control-states",
			      "{'UpdateRoutingControlStateEntries': [{'RoutingControlArn': '%s', "
			      "'RoutingControlState': 'Off'}, {'RoutingControlArn': '%s', "
			      "'RoutingControlState': 'Off'}]}",
			      east, west),
			  "ConflictException"));
	CHECK(strcmp(state_of(east), "On") == 0);
	/* The failover as one change. */
	r = run("arc update-routing-control-states",
		"{'UpdateRoutingControlStateEntries': [{'RoutingControlArn': '%s', "
		"'RoutingControlState': 'Off'}, {'RoutingControlArn': '%s', "
		"'RoutingControlState': 'On'}]}",
		east, west);
	CHECK(r != NULL && json_object_size(r) == 0);
	CHECK(strcmp(state_of(east), "Off") == 0);
	CHECK(strcmp(state_of(west), "On") == 0);
	CHECK_EQ(tables_live_get(h.env.live, TABLES_LIVE_ROUTING_CONTROL, control_slot_of(east)),
		 0);
	CHECK_EQ(tables_live_get(h.env.live, TABLES_LIVE_ROUTING_CONTROL, control_slot_of(west)),
		 1);
	/* Bad batches. */
	CHECK(failed_with(run("arc update-routing-control-states",
			      "{'UpdateRoutingControlStateEntries': [{'RoutingControlArn': '%s', "
			      "'RoutingControlState': 'On'}, {'RoutingControlArn': 'nope', "
			      "'RoutingControlState': 'On'}]}",
			      east),
			  "ResourceNotFoundException"));
	CHECK(strcmp(state_of(east), "Off") == 0);
	CHECK(failed_with(run("arc update-routing-control-states",
			      "{'UpdateRoutingControlStateEntries': [{'RoutingControlArn': '%s', "
			      "'RoutingControlState': 'On'}, {'RoutingControlArn': '%s', "
			      "'RoutingControlState': 'Off'}]}",
			      east, east),
			  "ValidationException"));
	CHECK(failed_with(
	    run("arc update-routing-control-states", "{'UpdateRoutingControlStateEntries': []}"),
	    "ValidationException"));
	CHECK(failed_with(run("arc update-routing-control-states",
			      "{'UpdateRoutingControlStateEntries': [{'RoutingControlArn': '%s', "
			      "'RoutingControlState': 'on'}]}",
			      east),
			  "ValidationException"));
	CHECK(failed_with(run("arc update-routing-control-states",
			      "{'UpdateRoutingControlStateEntries': [{'RoutingControlArn': '%s'}]}",
			      east),
			  "ValidationException"));
	entries = json_array();
	for (int i = 0; i <= ARC_MAX_BATCH; i++)
		json_array_append_new(entries, json_pack("{s:s, s:s}", "RoutingControlArn", east,
							 "RoutingControlState", "On"));
	args = json_pack("{s:o}", "UpdateRoutingControlStateEntries", entries);
	CHECK(failed_with(harness_run_obj(&h, "arc update-routing-control-states", args),
			  "ServiceLimitExceededException"));
	/* Overriding the rule a batch breaks (a list), and one rule as a single ARN (popctl's
	 * form). */
	r = run("arc update-routing-control-states",
		"{'UpdateRoutingControlStateEntries': [{'RoutingControlArn': '%s', "
		"'RoutingControlState': 'On'}], 'SafetyRulesToOverride': ['%s']}",
		east, not_both);
	CHECK(r != NULL && strcmp(state_of(east), "On") == 0);
	CHECK(run("arc update-routing-control-state",
		  "{'RoutingControlArn': '%s', 'RoutingControlState': 'Off', "
		  "'SafetyRulesToOverride': '%s'}",
		  east, at_least) != NULL); /* not-both holds again; at-least-one too */
	CHECK(strcmp(state_of(east), "Off") == 0);
	CHECK(failed_with(run("arc update-routing-control-state",
			      "{'RoutingControlArn': '%s', 'RoutingControlState': 'Off', "
			      "'SafetyRulesToOverride': [1]}",
			      west),
			  "ValidationException"));
	/* A batch that changes nothing is no change. */
	CHECK(run("arc update-routing-control-states",
		  "{'UpdateRoutingControlStateEntries': [{'RoutingControlArn': '%s', "
		  "'RoutingControlState': 'Off'}]}",
		  east) != NULL);
	CHECK(run("arc delete-safety-rule", "{'SafetyRuleArn': '%s'}", at_least) != NULL);
	CHECK(run("arc delete-safety-rule", "{'SafetyRuleArn': '%s'}", not_both) != NULL);
}

/* WaitPeriodMs: a rule's controls stay as they are for that long after a change. */
static void test_arc_wait(void)
{
	char panel[256], w1[320], w2[320], g[320], t[320], rule[400], gate[400];
	int64_t t0;
	json_t *r;

	arc_set_clock(fake_clock);
	new_panel("c", "wait", panel, sizeof(panel));
	new_control(panel, "w1", w1, sizeof(w1));
	new_control(panel, "w2", w2, sizeof(w2));
	new_control(panel, "g", g, sizeof(g));
	new_control(panel, "t", t, sizeof(t));
	CHECK(set_state(w1, "On") != NULL);
	r = run("arc create-safety-rule",
		"{'AssertionRule': {'ControlPanelArn': '%s', 'Name': 'w-rule', "
		"'AssertedControls': ['%s', '%s'], 'RuleConfig': {'Type': 'ATLEAST', "
		"'Threshold': 1, 'Inverted': false}, 'WaitPeriodMs': 5000}}",
		panel, w1, w2);
	snprintf(rule, sizeof(rule), "%s", str(r, "AssertionRule.SafetyRuleArn"));
	CHECK(rule[0] != '\0');
	/* The first change after the rule is made has nothing to wait for. */
	t0 = fake_now_ms;
	CHECK(set_state(w2, "On") != NULL);
	fake_now_ms = t0 + 1000;
	CHECK(failed_with(set_state(w1, "Off"), "ConflictException"));
	CHECK(strstr(error_message(), "w-rule") != NULL);
	CHECK(strstr(error_message(), "4000 ms left") != NULL);
	CHECK(strcmp(state_of(w1), "On") == 0);
	/* A request for the state a control has is no change, even in the period. */
	CHECK(set_state(w1, "On") != NULL);
	/* The wait survives a restart of popd. */
	harness_stop(&h);
	harness_start(&h);
	fake_now_ms = t0 + 4999;
	CHECK(failed_with(set_state(w1, "Off"), "ConflictException"));
	CHECK(strstr(error_message(), "1 ms left") != NULL);
	/* Overriding the rule: accepted, and the period starts again. */
	CHECK(run("arc update-routing-control-state",
		  "{'RoutingControlArn': '%s', 'RoutingControlState': 'Off', "
		  "'SafetyRulesToOverride': ['%s']}",
		  w1, rule) != NULL);
	CHECK(strcmp(state_of(w1), "Off") == 0);
	fake_now_ms = t0 + 5000;
	CHECK(failed_with(set_state(w1, "On"), "ConflictException"));
	fake_now_ms = t0 + 4999 + 4999;
	CHECK(failed_with(set_state(w1, "On"), "ConflictException"));
	fake_now_ms = t0 + 4999 + 5000;
	CHECK(set_state(w1, "On") != NULL);
	/* A batch is refused in the period too, and a shorter period applies at once. */
	fake_now_ms += 10;
	CHECK(failed_with(run("arc update-routing-control-states",
			      "{'UpdateRoutingControlStateEntries': [{'RoutingControlArn': '%s', "
			      "'RoutingControlState': 'Off'}]}",
			      w2),
			  "ConflictException"));
	CHECK(run("arc update-safety-rule",
		  "{'AssertionRuleUpdate': {'SafetyRuleArn': '%s', 'Name': 'w-rule', "
		  "'WaitPeriodMs': 10}}",
		  rule) != NULL);
	CHECK(run("arc update-routing-control-states",
		  "{'UpdateRoutingControlStateEntries': [{'RoutingControlArn': '%s', "
		  "'RoutingControlState': 'Off'}]}",
		  w2) != NULL);
	/* Gating: the target controls wait; the gating controls do not. */
	r = run("arc create-safety-rule",
		"{'GatingRule': {'ControlPanelArn': '%s', 'Name': 'g-rule', 'GatingControls': "
		"['%s'], 'TargetControls': ['%s'], 'RuleConfig': {'Type': 'OR', 'Threshold': 0, "
		"'Inverted': false}, 'WaitPeriodMs': 2000}}",
		panel, g, t);
	snprintf(gate, sizeof(gate), "%s", str(r, "GatingRule.SafetyRuleArn"));
	CHECK(gate[0] != '\0');
	CHECK(set_state(g, "On") != NULL);
	t0 = fake_now_ms;
	CHECK(set_state(t, "On") != NULL);
	fake_now_ms = t0 + 100;
	CHECK(failed_with(set_state(t, "Off"), "ConflictException"));
	CHECK(strstr(error_message(), "g-rule") != NULL);
	CHECK(set_state(g, "Off") != NULL); /* a gate is not a target */
	CHECK(set_state(g, "On") != NULL);
	fake_now_ms = t0 + 2000;
	CHECK(set_state(t, "Off") != NULL);
	/* A gating rule checked on the batch's result: the gate opens with the change. */
	CHECK(set_state(g, "Off") != NULL);
	fake_now_ms += 2000;
	CHECK(failed_with(set_state(t, "On"), "ConflictException"));
	CHECK(run("arc update-routing-control-states",
		  "{'UpdateRoutingControlStateEntries': [{'RoutingControlArn': '%s', "
		  "'RoutingControlState': 'On'}, {'RoutingControlArn': '%s', "
		  "'RoutingControlState': 'On'}]}",
		  g, t) != NULL);
	CHECK(strcmp(state_of(t), "On") == 0);
	arc_set_clock(NULL);
}

/* Zonal shifts and managed resources page with arc-zonal-shift's maxResults / nextToken. */
static void test_shift_paging(void)
{
	char token[ARC_TOKEN_MAX + 1];
	long total;
	json_t *r;

	arc_set_clock(fake_clock);
	for (int i = 0; i < 5; i++) {
		char zone[64];
		r = run("route53 create-hosted-zone",
			"{'Name': 'page%d.example', 'CallerReference': 'page%d'}", i, i);
		snprintf(zone, sizeof(zone), "%s", str(r, "HostedZone.Id"));
		CHECK(run("arc start-zonal-shift",
			  "{'resourceIdentifier': '%s', 'awayFrom': 'az1', 'expiresIn': '1h', "
			  "'comment': 'page'}",
			  zone) != NULL);
		if (i != 2)
			fake_now_ms += 1000; /* two start in the same millisecond */
	}
	r = run("arc list-zonal-shifts", "{}");
	total = r != NULL ? (long)json_array_size(json_object_get(r, "items")) : -1;
	CHECK(total >= 7); /* and those of the tests before */
	CHECK(r != NULL && json_object_get(r, "nextToken") == NULL);
	for (long max = 1; max <= 3; max++)
		CHECK_EQ(walk("arc list-zonal-shifts", "", "items", "maxResults", "nextToken",
			      "zonalShiftId", max),
			 total);
	CHECK_EQ(walk("arc list-zonal-shifts", "'status': 'ACTIVE'", "items", "maxResults",
		      "nextToken", "zonalShiftId", 2),
		 5);
	r = run("arc list-zonal-shifts", "{'maxResults': 2}");
	CHECK(r != NULL && strcmp(str(r, "items.0.comment"), "page") == 0); /* newest first */
	snprintf(token, sizeof(token), "%s", str(r, "nextToken"));
	CHECK(failed_with(run("arc list-zonal-shifts", "{'maxResults': 101}"),
			  "ValidationException"));
	CHECK(failed_with(run("arc list-zonal-shifts", "{'nextToken': 'zs.zz.'}"),
			  "ValidationException"));
	CHECK(strstr(error_message(), "InvalidToken") != NULL);
	CHECK(failed_with(run("arc list-zonal-shifts", "{'nextToken': 'zs.61.62'}"),
			  "ValidationException")); /* a start time that is not a number */
	CHECK(failed_with(run("arc list-managed-resources", "{'nextToken': '%s'}", token),
			  "ValidationException"));
	CHECK(failed_with(run("arc list-managed-resources", "{'maxResults': 0}"),
			  "ValidationException"));
	r = run("arc list-managed-resources", "{}");
	total = r != NULL ? (long)json_array_size(json_object_get(r, "items")) : -1;
	CHECK_EQ(total, 6);
	CHECK_EQ(
	    walk("arc list-managed-resources", "", "items", "maxResults", "nextToken", "arn", 4),
	    total);
	CHECK_EQ(
	    walk("arc list-managed-resources", "", "items", "maxResults", "nextToken", "arn", 1),
	    total);
	arc_set_clock(NULL);
}

int main(void)
{
	harness_mkdtemp(&h, "health-test");
	harness_start(&h);
	RUN(test_create);
	RUN(test_invalid);
	RUN(test_calculated_and_delete);
	RUN(test_update_and_list);
	RUN(test_routing_controls);
	RUN(test_zonal_shift);
	RUN(test_expiry);
	RUN(test_arc_verbs);
	RUN(test_arc_batch);
	RUN(test_arc_wait);
	RUN(test_shift_paging);
	harness_remove(&h);
	return tap_done();
}
