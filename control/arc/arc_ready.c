/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Readiness checks over the appliance's own resources (the
 * route53-recovery-readiness shapes): a resource set names what to look at,
 * a readiness check looks at it when asked.
 */
#include "arc_pvt.h"

#include "route53.h"
#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TYPE_WORKERS	  "POP::Dataplane::Workers"
#define TYPE_TABLES	  "POP::Tables::Generation"
#define TYPE_HEALTH	  "AWS::Route53::HealthCheck"
#define HEALTH_ARN_PREFIX "arn:aws:route53:::healthcheck/"

int arc_cmd_create_resource_set(struct ctl_call *call)
{
	sqlite3 *db = store_db(env_of(call)->store);
	const char *name, *type;
	const json_t *resources = json_object_get(call->args, "resources"), *r;
	json_t *list;
	char arn[200], *body;
	sqlite3_stmt *q;
	size_t i;
	int rc;

	if ((rc = arc_allowed(call, "resourceSetName,resourceSetType,resources,tags")) < 0 ||
	    (rc = arc_str(call, "resourceSetName", true, 1, 64, &name)) < 0 ||
	    (rc = arc_str(call, "resourceSetType", true, 1, 64, &type)) < 0)
		return rc;
	if (strcmp(type, TYPE_WORKERS) != 0 && strcmp(type, TYPE_TABLES) != 0 &&
	    strcmp(type, TYPE_HEALTH) != 0)
		return ctl_call_fail(call, -EINVAL, "ValidationException",
				     "resourceSetType must be " TYPE_WORKERS ", " TYPE_TABLES
				     " or " TYPE_HEALTH " on this appliance");
	list = json_array();
	if (resources != NULL && (!json_is_array(resources) || json_array_size(resources) > 256)) {
		json_decref(list);
		return ctl_call_fail(call, -EINVAL, "ValidationException",
				     "resources: a list of at most 256 {resourceArn}");
	}
	json_array_foreach(resources, i, r)
	{
		const char *a = json_string_value(json_object_get(r, "resourceArn"));
		if (a == NULL || strlen(a) > 256 ||
		    (strcmp(type, TYPE_HEALTH) == 0 &&
		     strncmp(a, HEALTH_ARN_PREFIX, strlen(HEALTH_ARN_PREFIX)) != 0)) {
			json_decref(list);
			return ctl_call_fail(call, -EINVAL, "ValidationException",
					     "resources[%zu].resourceArn: %s", i,
					     strcmp(type, TYPE_HEALTH) == 0
						 ? "a health check's ARN " HEALTH_ARN_PREFIX "ID"
						 : "a string of at most 256 characters");
		}
		json_array_append_new(list, json_pack("{s:s}", "resourceArn", a));
	}
	if (strcmp(type, TYPE_HEALTH) == 0 && json_array_size(list) == 0) {
		json_decref(list);
		return ctl_call_fail(call, -EINVAL, "ValidationException",
				     "a resource set of health checks needs resources");
	}
	snprintf(arn, sizeof(arn), "arn:aws:route53-recovery-readiness::pop:resource-set/%s", name);
	body = json_dumps(list, JSON_COMPACT);
	rc = sqlite3_prepare_v2(
	    db, "INSERT INTO arc_resource_sets (name, type, resources) VALUES (?, ?, ?)", -1, &q,
	    NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, type, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 3, body, -1, SQLITE_STATIC);
		rc = sqlite3_step(q);
		sqlite3_finalize(q);
	}
	free(body);
	if (rc == SQLITE_CONSTRAINT) {
		json_decref(list);
		return ctl_call_fail(call, -EEXIST, "ConflictException",
				     "A resource set named %s exists", name);
	}
	if (rc != SQLITE_DONE) {
		json_decref(list);
		return arc_db_fail(call, db, rc);
	}
	call->result = json_pack("{s:s, s:s, s:s, s:o}", "resourceSetArn", arn, "resourceSetName",
				 name, "resourceSetType", type, "resources", list);
	return call->result != NULL ? 0 : -ENOMEM;
}

int arc_cmd_create_readiness_check(struct ctl_call *call)
{
	sqlite3 *db = store_db(env_of(call)->store);
	const char *name, *set;
	char arn[200];
	sqlite3_stmt *q;
	int rc;

	if ((rc = arc_allowed(call, "readinessCheckName,resourceSetName,tags")) < 0 ||
	    (rc = arc_str(call, "readinessCheckName", true, 1, 64, &name)) < 0 ||
	    (rc = arc_str(call, "resourceSetName", true, 1, 64, &set)) < 0)
		return rc;
	rc = sqlite3_prepare_v2(
	    db,
	    "INSERT INTO arc_readiness (name, resource_set) SELECT ?1, name FROM "
	    "arc_resource_sets WHERE name = ?2",
	    -1, &q, NULL);
	if (rc != SQLITE_OK)
		return arc_db_fail(call, db, rc);
	sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, set, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc == SQLITE_CONSTRAINT)
		return ctl_call_fail(call, -EEXIST, "ConflictException",
				     "A readiness check named %s exists", name);
	if (rc != SQLITE_DONE)
		return arc_db_fail(call, db, rc);
	if (sqlite3_changes(db) == 0)
		return ctl_call_fail(call, -ENOENT, "ResourceNotFoundException",
				     "No resource set named %s", set);
	snprintf(arn, sizeof(arn), "arn:aws:route53-recovery-readiness::pop:readiness-check/%s",
		 name);
	call->result = json_pack("{s:s, s:s, s:s}", "readinessCheckArn", arn, "readinessCheckName",
				 name, "resourceSet", set);
	return call->result != NULL ? 0 : -ENOMEM;
}

static void add_resource(json_t *list, json_t *messages, const char *arn, bool ready,
			 const char *now, const char *why)
{
	json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "resourceArn", arn, "readiness",
					      ready ? "READY" : "NOT_READY", "lastCheckedTimestamp",
					      now));
	if (!ready && why != NULL)
		json_array_append_new(messages, json_pack("{s:s}", "messageText", why));
}

int arc_cmd_get_readiness_status(struct ctl_call *call)
{
	struct popd_env *env = env_of(call);
	sqlite3 *db = store_db(env->store);
	const char *name;
	char type[72], now[48], why[300];
	json_t *resources = NULL, *list, *messages, *r;
	bool all = true;
	sqlite3_stmt *q;
	size_t i;
	int rc;

	if ((rc = arc_allowed(call, "readinessCheckName,maxResults,nextToken")) < 0 ||
	    (rc = arc_str(call, "readinessCheckName", true, 1, 64, &name)) < 0)
		return rc;
	rc = sqlite3_prepare_v2(db,
				"SELECT s.type, s.resources FROM arc_readiness c JOIN "
				"arc_resource_sets s ON s.name = c.resource_set WHERE c.name = ?",
				-1, &q, NULL);
	if (rc != SQLITE_OK)
		return arc_db_fail(call, db, rc);
	sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(q) != SQLITE_ROW) {
		sqlite3_finalize(q);
		return ctl_call_fail(call, -ENOENT, "ResourceNotFoundException",
				     "No readiness check named %s", name);
	}
	snprintf(type, sizeof(type), "%s", (const char *)sqlite3_column_text(q, 0));
	resources = json_loads((const char *)sqlite3_column_text(q, 1), 0, NULL);
	sqlite3_finalize(q);
	arc_time_text(arc_now_ms(), now, sizeof(now));
	list = json_array();
	messages = json_array();
	if (strcmp(type, TYPE_WORKERS) == 0) {
		int workers = ctl_server_dataplane_workers(env->server);
		bool ok = workers > 0;
		snprintf(why, sizeof(why), "%s",
			 workers < 0 ? "no data plane is attached"
				     : "the attached data plane has no worker");
		add_resource(list, messages, "arn:pop:dataplane:::workers", ok, now, why);
		all = ok;
	} else if (strcmp(type, TYPE_TABLES) == 0) {
		for (unsigned k = 0; k < TABLES_KIND_MAX; k++) {
			uint64_t pub = env->root != NULL ? tables_root_published(env->root, k) : 0;
			uint64_t app = env->root != NULL ? tables_root_applied(env->root, k) : 0;
			char arn[80];
			bool ok = app >= pub;

			if (pub == 0)
				continue;
			snprintf(arn, sizeof(arn), "arn:pop:tables:::%s",
				 tables_kind_name((enum tables_kind)k));
			snprintf(why, sizeof(why),
				 "table %s: generation %llu published, the data plane uses %llu",
				 tables_kind_name((enum tables_kind)k), (unsigned long long)pub,
				 (unsigned long long)app);
			add_resource(list, messages, arn, ok, now, why);
			all = all && ok;
		}
	} else {
		json_array_foreach(resources, i, r)
		{
			const char *arn = json_string_value(json_object_get(r, "resourceArn"));
			int s = route53_health_status(env, arn + strlen(HEALTH_ARN_PREFIX));
			bool ok = s == TABLES_HEALTH_HEALTHY;

			snprintf(why, sizeof(why), "health check %s is %s",
				 arn + strlen(HEALTH_ARN_PREFIX),
				 s < 0				? "missing"
				 : s == TABLES_HEALTH_UNHEALTHY ? "unhealthy"
								: "without a result yet");
			add_resource(list, messages, arn, ok, now, why);
			all = all && ok;
		}
	}
	json_decref(resources);
	call->result = json_pack("{s:s, s:o, s:o}", "readiness", all ? "READY" : "NOT_READY",
				 "resources", list, "messages", messages);
	return call->result != NULL ? 0 : -ENOMEM;
}

int arc_cmd_list_readiness_checks(struct ctl_call *call)
{
	sqlite3 *db = store_db(env_of(call)->store);
	json_t *list;
	sqlite3_stmt *q;
	int rc;

	if ((rc = arc_allowed(call, "maxResults,nextToken")) < 0)
		return rc;
	rc = sqlite3_prepare_v2(db, "SELECT name, resource_set FROM arc_readiness ORDER BY name",
				-1, &q, NULL);
	if (rc != SQLITE_OK)
		return arc_db_fail(call, db, rc);
	list = json_array();
	while (sqlite3_step(q) == SQLITE_ROW) {
		char arn[200];
		snprintf(arn, sizeof(arn),
			 "arn:aws:route53-recovery-readiness::pop:readiness-check/%s",
			 (const char *)sqlite3_column_text(q, 0));
		json_array_append_new(
		    list, json_pack("{s:s, s:s, s:s}", "readinessCheckArn", arn,
				    "readinessCheckName", (const char *)sqlite3_column_text(q, 0),
				    "resourceSet", (const char *)sqlite3_column_text(q, 1)));
	}
	sqlite3_finalize(q);
	call->result = json_pack("{s:o}", "readinessChecks", list);
	return call->result != NULL ? 0 : -ENOMEM;
}

static int delete_named(struct ctl_call *call, const char *member, const char *in_use_sql,
			const char *delete_sql)
{
	sqlite3 *db = store_db(env_of(call)->store);
	const char *name;
	sqlite3_stmt *q;
	int rc;

	if ((rc = arc_allowed(call, member)) < 0 ||
	    (rc = arc_str(call, member, true, 1, 64, &name)) < 0)
		return rc;
	if (in_use_sql != NULL) {
		rc = sqlite3_prepare_v2(db, in_use_sql, -1, &q, NULL);
		if (rc != SQLITE_OK)
			return arc_db_fail(call, db, rc);
		sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
		rc = sqlite3_step(q);
		sqlite3_finalize(q);
		if (rc == SQLITE_ROW)
			return ctl_call_fail(call, -EBUSY, "ConflictException",
					     "%s %s is used by a readiness check", member, name);
	}
	rc = sqlite3_prepare_v2(db, delete_sql, -1, &q, NULL);
	if (rc != SQLITE_OK)
		return arc_db_fail(call, db, rc);
	sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return arc_db_fail(call, db, rc);
	if (sqlite3_changes(db) == 0)
		return ctl_call_fail(call, -ENOENT, "ResourceNotFoundException", "No %s %s", member,
				     name);
	call->result = json_object();
	return 0;
}

int arc_cmd_delete_readiness_check(struct ctl_call *call)
{
	return delete_named(call, "readinessCheckName", NULL,
			    "DELETE FROM arc_readiness WHERE name = ?");
}

int arc_cmd_delete_resource_set(struct ctl_call *call)
{
	return delete_named(call, "resourceSetName",
			    "SELECT 1 FROM arc_readiness WHERE resource_set = ?",
			    "DELETE FROM arc_resource_sets WHERE name = ?");
}
