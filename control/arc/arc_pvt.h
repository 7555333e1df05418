/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared between arc's own .c files only. */
#ifndef POP_ARC_PVT_H
#define POP_ARC_PVT_H

#include "arc.h"
#include "base.h"

#include <jansson.h>
#include <sqlite3.h>

#define ARC_LOG(level, ...) POP_LOG("arc", level, __VA_ARGS__)

/** A string member: ValidationException when missing (if required), not a string, or out of length.
 */
int arc_str(struct ctl_call *call, const char *name, bool required, size_t min, size_t max,
	    const char **out);

/** Refuse any member of the args not in the comma-separated @p allowed (NULL: none). */
int arc_allowed(struct ctl_call *call, const char *allowed);

/** 1 when the query @p sql (one ? bound to @p key) has a row, 0 when not, or an error. */
int arc_exists(sqlite3 *db, const char *sql, const char *key);

/** A resource name (1 to 64 characters, no white space), else ValidationException. */
int arc_name(struct ctl_call *call, const char *member, const char *name);

/** WaitPeriodMs: an integer 0 to ARC_MAX_WAIT_MS, else ValidationException. */
int arc_wait_period(struct ctl_call *call, const json_t *v);

/** A page of a list: how many, and the key of the last item of the previous page. */
struct arc_page {
	const char *tag; /**< which list the tokens are for */
	long limit;
	bool after; /**< a token was given: start after key1, key2 */
	char key1[ARC_TOKEN_KEY_MAX + 1], key2[ARC_TOKEN_KEY_MAX + 1];
};

/**
 * Read the page size member @p max_name (an integer, or its decimal text;
 * 1 to @p max, or clamped to @p max when @p clamp; @p max when absent) and
 * the token member @p token_name (ValidationException, InvalidToken, when
 * it is not one of @p tag's).
 */
int arc_page_args(struct ctl_call *call, const char *max_name, const char *token_name, long max,
		  bool clamp, const char *tag, struct arc_page *pg);

/** Set call->result's @p token_name to the token after the item keyed @p key1, @p key2. */
int arc_page_next(struct ctl_call *call, struct arc_page *pg, const char *token_name,
		  const char *key1, const char *key2);

/** Fail with the SQLite error. */
int arc_db_fail(struct ctl_call *call, sqlite3 *db, int rc);

/** Milliseconds since the epoch. */
int64_t arc_now_ms(void);

/** RFC 3339 UTC of a time in ms. */
void arc_time_text(int64_t ms, char *out, size_t len);

/** Write every live word ARC owns from the store, and re-arm the expiry timer. */
void arc_apply(struct popd_env *env);

/** Mark expired shifts EXPIRED (own statement, outside commands). */
void arc_expire(struct popd_env *env);

/** The next expiry of an active shift (ms since the epoch), or -1. */
int64_t arc_next_expiry(struct popd_env *env);

int arc_cmd_put_zones(struct ctl_call *call);
int arc_cmd_list_zones(struct ctl_call *call);
int arc_cmd_start_shift(struct ctl_call *call);
int arc_cmd_update_shift(struct ctl_call *call);
int arc_cmd_cancel_shift(struct ctl_call *call);
int arc_cmd_get_shift(struct ctl_call *call);
int arc_cmd_list_shifts(struct ctl_call *call);
int arc_cmd_list_resources(struct ctl_call *call);
int arc_cmd_get_resource(struct ctl_call *call);

int arc_cmd_list_panels(struct ctl_call *call);
int arc_cmd_describe_panel(struct ctl_call *call);
int arc_cmd_update_panel(struct ctl_call *call);
int arc_cmd_describe_control(struct ctl_call *call);
int arc_cmd_update_control(struct ctl_call *call);
int arc_cmd_list_controls(struct ctl_call *call);
int arc_cmd_update_state(struct ctl_call *call);
int arc_cmd_update_states(struct ctl_call *call);
int arc_cmd_list_rules(struct ctl_call *call);
int arc_cmd_describe_rule(struct ctl_call *call);
int arc_cmd_update_rule(struct ctl_call *call);

int arc_cmd_create_resource_set(struct ctl_call *call);
int arc_cmd_create_readiness_check(struct ctl_call *call);
int arc_cmd_get_readiness_status(struct ctl_call *call);
int arc_cmd_list_readiness_checks(struct ctl_call *call);
int arc_cmd_delete_readiness_check(struct ctl_call *call);
int arc_cmd_delete_resource_set(struct ctl_call *call);

/** Write the zonal-shift words (called by arc_apply). */
void arc_apply_shifts(struct popd_env *env, int64_t now_ms);

#endif
