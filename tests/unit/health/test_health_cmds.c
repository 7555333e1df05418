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
	harness_remove(&h);
	return tap_done();
}
