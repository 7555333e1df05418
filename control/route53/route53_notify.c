/* SPDX-License-Identifier: BSD-3-Clause */
/* pop: DNS NOTIFY to the secondaries a zone's transfer policy names (notify.h). */
#include "route53_pvt.h"

#include "notify.h"
#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static struct notify_engine *engine;

/*
 * Bring the engine in step with the store: every (zone, target) of a Notify
 * list at its zone's SOA serial. @p send false records the serials only.
 */
static void sync_engine(struct popd_env *env, bool send)
{
	sqlite3 *db = store_db(env->store);
	sqlite3_stmt *q;

	if (engine == NULL)
		return;
	if (sqlite3_prepare_v2(db,
			       "SELECT z.id, z.notify, z.apex, s.ttl, s.rdata FROM r53_zones z "
			       "JOIN r53_rrsets s ON s.zone_id = z.id AND s.owner = z.apex AND "
			       "s.type_code = 6 WHERE z.notify IS NOT NULL AND z.notify != '[]'",
			       -1, &q, NULL) != SQLITE_OK) {
		R53_LOG(WARNING, "NOTIFY: cannot read the zones: %s", sqlite3_errmsg(db));
		return;
	}
	notify_engine_mark(engine);
	while (sqlite3_step(q) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(q, 0);
		json_t *list = json_loads((const char *)sqlite3_column_text(q, 1), 0, NULL);
		const uint8_t *apex = sqlite3_column_blob(q, 2);
		size_t apex_len = (size_t)sqlite3_column_bytes(q, 2);
		const uint8_t *rdata = sqlite3_column_blob(q, 4);
		size_t len = (size_t)sqlite3_column_bytes(q, 4);
		uint32_t serial;

		/* One record {len16, rdata}; the serial is 20 bytes from its end. */
		if (rdata == NULL || len < 2 + 22 ||
		    (size_t)(rdata[0] << 8 | rdata[1]) + 2 != len) {
			json_decref(list);
			continue;
		}
		serial = (uint32_t)rdata[len - 20] << 24 | (uint32_t)rdata[len - 19] << 16 |
			 (uint32_t)rdata[len - 18] << 8 | rdata[len - 17];
		for (size_t i = 0; i < json_array_size(list); i++) {
			struct notify_target t;
			int rc;

			if (notify_target_parse(json_string_value(json_array_get(list, i)), &t) < 0)
				continue;
			rc = notify_engine_queue(engine, id, apex, apex_len,
						 (uint32_t)sqlite3_column_int64(q, 3), rdata + 2,
						 len - 2, serial, &t, send);
			if (rc < 0 && rc != -POP_ELIMIT)
				R53_LOG(WARNING, "NOTIFY of zone %s: %s", id, pop_strerror(rc));
		}
		json_decref(list);
	}
	sqlite3_finalize(q);
	notify_engine_sweep(engine);
	notify_engine_poll(engine);
}

static void on_commit(struct popd_env *env)
{
	sync_engine(env, true);
}

int r53_notify_init(struct popd_env *env)
{
	return env_on_commit(env, on_commit);
}

int route53_notify_start(struct popd_env *env)
{
	int rc = notify_engine_new(env->server, NULL, &engine);

	if (rc < 0)
		return rc;
	sync_engine(env, false);
	return 0;
}

void route53_notify_stop(struct popd_env *env)
{
	(void)env;
	notify_engine_free(engine);
	engine = NULL;
}

void route53_notify_poll(struct popd_env *env)
{
	(void)env;
	if (engine != NULL)
		notify_engine_poll(engine);
}

int r53_notify_parse(struct ctl_call *call, const json_t *list, json_t **out)
{
	json_t *norm = json_array();

	if (norm == NULL)
		return ctl_call_fail(call, -ENOMEM, "InternalFailure", "out of memory");
	for (size_t i = 0; i < json_array_size(list); i++) {
		const char *s = json_string_value(json_array_get(list, i));
		struct notify_target t;
		char text[64];

		if (notify_target_parse(s, &t) < 0) {
			json_decref(norm);
			return ctl_call_fail(call, -EINVAL, "InvalidInput",
					     "Notify[%zu]: \"%.60s\" is not an address with an "
					     "optional port such as 198.18.0.2, 198.18.0.2:5353 "
					     "or [2001:2::2]:53",
					     i, s != NULL ? s : "");
		}
		notify_target_format(&t, text, sizeof(text));
		for (size_t k = 0; k < json_array_size(norm); k++)
			if (strcmp(json_string_value(json_array_get(norm, k)), text) == 0) {
				json_decref(norm);
				return ctl_call_fail(call, -EINVAL, "InvalidInput",
						     "Notify[%zu]: %s is listed twice", i, text);
			}
		json_array_append_new(norm, json_string(text));
	}
	*out = norm;
	return 0;
}

json_t *r53_notify_status(const char *zone_id, const json_t *targets)
{
	json_t *list = json_array();

	for (size_t i = 0; list != NULL && i < json_array_size(targets); i++) {
		const char *s = json_string_value(json_array_get(targets, i));
		struct notify_target t;
		struct notify_status st;
		json_t *o;

		if (notify_target_parse(s, &t) < 0)
			continue;
		o = json_pack("{s:s}", "Target", s);
		if (o == NULL)
			continue;
		if (engine != NULL && notify_engine_status(engine, zone_id, &t, &st) == 0) {
			json_object_set_new(o, "LastSerial", json_integer(st.serial));
			if (st.last_sent_ms > 0) {
				char at[64];
				time_t sec = (time_t)(st.last_sent_ms / 1000);
				struct tm tm;

				gmtime_r(&sec, &tm);
				snprintf(at, sizeof(at), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
					 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
					 tm.tm_min, tm.tm_sec, (int)(st.last_sent_ms % 1000));
				json_object_set_new(o, "LastSent", json_string(at));
			}
			json_object_set_new(o, "Tries", json_integer(st.tries));
			json_object_set_new(o, "Pending", json_boolean(st.pending));
			json_object_set_new(o, "Acked", json_boolean(st.acked));
			if (st.rcode >= 0)
				json_object_set_new(o, "Rcode", json_integer(st.rcode));
		}
		json_array_append_new(list, o);
	}
	return list;
}

json_t *r53_notify_stats(void)
{
	struct notify_stats s;

	if (engine == NULL)
		return NULL;
	notify_engine_stats(engine, &s);
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "Queued", (json_int_t)s.queued,
			 "Coalesced", (json_int_t)s.coalesced, "Sent", (json_int_t)s.sent,
			 "SendErrors", (json_int_t)s.send_errors, "Acked", (json_int_t)s.acked,
			 "Expired", (json_int_t)s.expired, "Dropped", (json_int_t)s.dropped,
			 "Unmatched", (json_int_t)s.unmatched);
}
const size_t route53_notify_command_count = 0;
