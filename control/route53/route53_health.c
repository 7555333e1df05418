/* SPDX-License-Identifier: BSD-3-Clause */
/* Health-check ids of record sets: live-state slots, and the operator override. */
#include "route53_pvt.h"

#include "store.h"

#include <errno.h>
#include <string.h>

int r53_health_slot(sqlite3 *db, const char *id, bool create, uint32_t *slot)
{
	sqlite3_stmt *q;
	sqlite3_int64 next;
	int rc;

	rc = sqlite3_prepare_v2(db, "SELECT slot FROM health_slots WHERE id = ?", -1, &q, NULL);
	if (rc != SQLITE_OK)
		return store_error(rc);
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		*slot = (uint32_t)sqlite3_column_int64(q, 0);
		sqlite3_finalize(q);
		return 0;
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return store_error(rc);
	if (!create)
		return -ENOENT;
	/* Slots are never reused: a data plane may still read an old one. */
	rc = sqlite3_prepare_v2(db, "SELECT COALESCE(MAX(slot) + 1, 0) FROM health_slots", -1, &q,
				NULL);
	if (rc != SQLITE_OK)
		return store_error(rc);
	rc = sqlite3_step(q);
	next = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	if (rc != SQLITE_ROW)
		return store_error(rc);
	if (next >= TABLES_LIVE_SLOTS)
		return -POP_ELIMIT;
	rc = sqlite3_prepare_v2(db, "INSERT INTO health_slots (id, slot) VALUES (?, ?)", -1, &q,
				NULL);
	if (rc != SQLITE_OK)
		return store_error(rc);
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, next);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return store_error(rc);
	*slot = (uint32_t)next;
	return 0;
}

int r53_cmd_set_health_status(struct ctl_call *call)
{
	struct popd_env *env = env_of(call);
	const char *id = json_string_value(json_object_get(call->args, "HealthCheckId"));
	const char *status = json_string_value(json_object_get(call->args, "Status"));
	uint32_t slot;
	int rc;

	if ((rc = r53_check_input(call, call->args, &r53_health_status_input)) < 0)
		return rc;
	/* A running check takes the status as forced over its checkers' (Auto releases it). */
	if (r53_health_force(id, status)) {
		call->result = json_pack("{s:s, s:s}", "HealthCheckId", id, "Status", status);
		return 0;
	}
	if (strcmp(status, "Auto") == 0)
		return ctl_call_fail(call, -ENOENT, "NoSuchHealthCheck",
				     "Auto releases a forced status of a running health check; "
				     "%s is none",
				     id);
	rc = r53_health_slot(store_db(env->store), id, false, &slot);
	if (rc == -ENOENT)
		return ctl_call_fail(
		    call, rc, "NoSuchHealthCheck",
		    "A health check with id %s does not exist (no record set names "
		    "it).",
		    id);
	if (rc < 0)
		return ctl_call_fail(call, rc, "InternalFailure", "state store: %s",
				     pop_strerror(rc));
	if (env->live == NULL)
		return ctl_call_fail(call, -ENODEV, "InternalFailure",
				     "the live-state segment is not open");
	rc = tables_live_set(env->live, TABLES_LIVE_HEALTH, slot,
			     strcmp(status, "Healthy") == 0 ? TABLES_HEALTH_HEALTHY
							    : TABLES_HEALTH_UNHEALTHY);
	if (rc < 0)
		return ctl_call_fail(call, rc, "InternalFailure", "live state: %s",
				     pop_strerror(rc));
	call->result = json_pack("{s:s, s:s}", "HealthCheckId", id, "Status", status);
	return 0;
}
