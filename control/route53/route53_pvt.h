/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared between route53's own .c files only. */
#ifndef POP_ROUTE53_PVT_H
#define POP_ROUTE53_PVT_H

#include "base.h"
#include "dnstext.h"
#include "route53.h"
#include "zones.h"

#include <jansson.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define R53_LOG(level, ...) POP_LOG("route53", level, __VA_ARGS__)

/* ------------------------------------------------------------ input shapes */

enum r53_kind { R53_STRING, R53_LONG, R53_BOOL, R53_STRUCT, R53_LIST, R53_PAGE };

struct r53_member;

/** A botocore shape, as much of it as validation needs. */
struct r53_shape {
	enum r53_kind kind;
	bool has_min, has_max;
	long long min, max;		  /* length (strings, lists) or value (longs) */
	const char *const *enums;	  /* NULL-terminated, or NULL */
	const struct r53_member *members; /* structures, NULL-terminated by name */
	const struct r53_shape *item;	  /* lists */
};

struct r53_member {
	const char *name;
	const struct r53_shape *shape;
	bool required;
};

extern const struct r53_shape r53_create_hosted_zone_input, r53_id_input, r53_list_zones_input,
    r53_change_batch_input, r53_list_rrsets_input, r53_change_id_input, r53_import_input,
    r53_export_input, r53_health_status_input, r53_xfr_policy_input;

/**
 * Check args against a shape as the AWS CLI (missing, unknown, wrongly typed
 * members, minimums) and Route 53 (maximums, enums) would.
 * @return 0, or ctl_call_fail(InvalidInput).
 */
int r53_check_input(struct ctl_call *call, const json_t *args, const struct r53_shape *shape);

/** Route 53's ListResourceRecordSets page size arguments: MaxItems as a string or integer. */
int r53_max_items(struct ctl_call *call, const json_t *args, long dflt, long cap, long *out,
		  char *echo, size_t echo_len);

/* ------------------------------------------------------------------ zones */

/** A hosted zone as stored. */
struct r53_zone {
	char id[33];
	char name[DNS_NAME_TEXT_MAX]; /* Route 53 display form, trailing dot */
	uint8_t apex[DNS_NAME_MAX_BYTES];
	size_t apex_len;
	bool private_zone;
};

/** Strip "/hostedzone/" (or "/change/" with @p prefix) from an id; copies into out. */
void r53_bare_id(const char *id, const char *prefix, char *out, size_t out_len);

/**
 * Load a zone by (bare or full) id.
 * @return 0, ctl_call_fail(NoSuchHostedZone), or another failure.
 */
int r53_zone_load(struct ctl_call *call, sqlite3 *db, const char *id, struct r53_zone *zone);

/** Route 53's HostedZone object for a stored zone id; NULL on failure. */
json_t *r53_hosted_zone_json(sqlite3 *db, const char *bare_id);

/** Fail with InternalFailure naming the SQLite error. */
int r53_db_fail(struct ctl_call *call, sqlite3 *db, int rc);

/** Run ChangeInfo for a new change of the zones table into *info. */
int r53_new_change(struct ctl_call *call, const char *comment, json_t **info);

/* ---------------------------------------------------------------- rrsets */

/** Reversed-label sort key of a wire name (Route 53's listing order). */
size_t r53_sort_key(const uint8_t *wire, size_t len, uint8_t *key);

/** One parsed ResourceRecordSet. Its names live in two small allocations. */
struct r53_rrset {
	json_t *body;	  /* normalized, owned */
	char *name;	  /* Route 53 display form, in mem */
	uint8_t *owner;	  /* wire, in mem */
	size_t owner_len; /* 0: the name did not parse (a message says why) */
	uint8_t *key;	  /* r53_sort_key() of owner, in mem */
	size_t key_len;
	void *mem;
	uint16_t type;
	const char *type_name;
	const char *set_id; /* NULL: simple */
	int policy;	    /* enum zones_policy */
	char policy_key[48];
	int64_t ttl;	/* -1: alias */
	uint8_t *rdata; /* {len16, bytes}*, owned */
	size_t rdata_len;
	uint32_t rdata_count;
	size_t value_chars;
	const char *health_id;
	bool alias;
	char alias_zone[33];
	uint8_t *alias_name; /* wire, in alias_mem */
	size_t alias_name_len;
	char *alias_text; /* display form, in alias_mem */
	void *alias_mem;
	unsigned line; /* import: the zone-file line */
};

enum r53_action { R53_CREATE, R53_DELETE, R53_UPSERT };

struct r53_change {
	enum r53_action action;
	struct r53_rrset rs;
};

/** Messages of an InvalidChangeBatch. */
struct r53_messages {
	char **msg;
	size_t n, cap;
	bool oom;
};

/** Add a message; with @p line > 0 it is prefixed "line N: " (import-zone). */
void r53_messages_add(struct r53_messages *m, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void r53_messages_free(struct r53_messages *m);
/** Fail with InvalidChangeBatch listing the messages as "[a, b, ...]". */
int r53_messages_fail(struct ctl_call *call, const struct r53_messages *m);

/**
 * Parse a (shape-checked) ResourceRecordSet of a change in @p zone.
 * @param action_name "CREATE", ... for InvalidInput messages.
 * @return 0 (problems of the record set itself added to @p msgs), or the
 *   InvalidInput failure.
 */
int r53_rrset_parse(struct ctl_call *call, const json_t *rrs, const char *action_name,
		    const struct r53_zone *zone, struct r53_rrset *rs, struct r53_messages *msgs);

void r53_rrset_release(struct r53_rrset *rs);

/**
 * Apply parsed changes to a zone inside the current transaction, with Route
 * 53's checks (existence, DELETE matching, CNAME exclusivity, one routing
 * policy per name and type, alias targets, the apex SOA and NS); all or
 * nothing is left applied when it returns.
 * @return 0, or the failure (InvalidChangeBatch, ...) with nothing applied.
 */
int r53_apply(struct ctl_call *call, const struct r53_zone *zone, struct r53_change *changes,
	      size_t n, struct r53_messages *msgs);

/**
 * Add one to the apex SOA serial of @p zone (RFC 1982: 2^32 - 1 wraps to 0),
 * in its stored rdata and JSON, inside the caller's transaction: every
 * committed change of a zone's record sets does, unless it set the SOA
 * itself (secondaries notice changes by the serial).
 * @return 0 or a failed call (InternalFailure).
 */
int r53_bump_serial(struct ctl_call *call, const struct r53_zone *zone);

/** Delete every record set of a zone (before deleting the zone). */
int r53_rrsets_delete_zone(sqlite3 *db, const char *zone_id);

/* ---------------------------------------------------------------- health */

/** The live-state slot of a health check id, made when new. -POP_ELIMIT when all are taken. */
int r53_health_slot(sqlite3 *db, const char *id, bool create, uint32_t *slot);

struct health_config;

/**
 * A shape-checked HealthCheckConfig @p cfg to the checkers' form, with Route
 * 53's rules across members; defaults are written into @p cfg. @p db checks
 * children (NULL: not checked); @p self_id is the check's own id or NULL.
 * @return 0, or ctl_call_fail(InvalidInput / NoSuchHealthCheck).
 */
int r53_health_config_parse(struct ctl_call *call, sqlite3 *db, json_t *cfg,
			    struct health_config *out, const char *self_id);

/** Create the commit hook that keeps the checkers in step with the store. */
int r53_health_init(struct popd_env *env);

/** Force (Healthy/Unhealthy) or release (Auto) a running check; false if none runs. */
bool r53_health_force(const char *id, const char *status);

/* -------------------------------------------------------------- handlers */

int r53_cmd_create_hosted_zone(struct ctl_call *call);
int r53_cmd_get_hosted_zone(struct ctl_call *call);
int r53_cmd_list_hosted_zones(struct ctl_call *call);
int r53_cmd_delete_hosted_zone(struct ctl_call *call);
int r53_cmd_get_change(struct ctl_call *call);
int r53_cmd_change_rrsets(struct ctl_call *call);
int r53_cmd_list_rrsets(struct ctl_call *call);
int r53_cmd_import_zone(struct ctl_call *call);
int r53_cmd_export_zone(struct ctl_call *call);
int r53_cmd_set_health_status(struct ctl_call *call);
int r53_cmd_list_zones_by_name(struct ctl_call *call);
int r53_cmd_get_zone_count(struct ctl_call *call);
int r53_cmd_create_health_check(struct ctl_call *call);
int r53_cmd_get_health_check(struct ctl_call *call);
int r53_cmd_get_health_check_status(struct ctl_call *call);
int r53_cmd_list_health_checks(struct ctl_call *call);
int r53_cmd_update_health_check(struct ctl_call *call);
int r53_cmd_delete_health_check(struct ctl_call *call);
int r53_cmd_put_health_checkers(struct ctl_call *call);
int r53_cmd_get_health_checkers(struct ctl_call *call);
/* ---------------------------------------------------------------- notify */

/** Create the commit hook that sends NOTIFY after a zone's serial changes. */
int r53_notify_init(struct popd_env *env);

/**
 * A shape-checked Notify list to its canonical form ("198.18.0.2:53",
 * "[2001:2::2]:53"), into *out. @return 0 or ctl_call_fail(InvalidInput).
 */
int r53_notify_parse(struct ctl_call *call, const json_t *list, json_t **out);

/** NotifyStatus of a zone's targets (canonical forms): [{Target, LastSerial, ...}]. */
json_t *r53_notify_status(const char *zone_id, const json_t *targets);

/** The engine's counters {Queued, Sent, ...}, or NULL when it does not run. */
json_t *r53_notify_stats(void);

int r53_cmd_put_xfr_policy(struct ctl_call *call);
int r53_cmd_get_xfr_policy(struct ctl_call *call);

#endif
